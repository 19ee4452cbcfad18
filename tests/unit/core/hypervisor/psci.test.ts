import { describe, expect, it } from 'vitest';
import {
  AffinityState,
  PsciFunction,
  PsciHandler,
  PsciReturn,
  type PsciCpu,
  type PsciCpuState,
  type PsciZone,
} from '../../../../src/core/hypervisor/arch/aarch64/psci';
import type { ArmCpuApi } from '../../../../src/core/isa/aarch64/platform';

/** The A64 CPU's API is a PsciCpu as is, so the binding passes it straight through (compile-time check). */
export type ArmCpuIsPsciCpu = ArmCpuApi extends PsciCpu ? true : never;
const armCpuIsPsciCpu: ArmCpuIsPsciCpu = true;
void armCpuIsPsciCpu;

class FakeCpu implements PsciCpu {
  readonly x = new Array<bigint>(31).fill(0n);
  constructor(readonly cpuId: number) {}
  getX(i: number): bigint { return this.x[i]!; }
  setX(i: number, v: bigint): void { this.x[i] = BigInt.asUintN(64, v); }
}

const DTB = 0x8fe00000n;

/** A 4-CPU board with rk3588-style MPIDRs (cpu n = 0x100 * n); the zone owns `cpus`. */
function zone(cpus: number[], options: { root?: boolean; ext?: boolean; hypercall?: boolean; firmware?: boolean } = {}) {
  const state: PsciCpuState[] = ['off', 'off', 'off', 'off'];
  for (const c of cpus.slice(0, 1)) state[c] = 'on';
  const log: string[] = [];
  const z: PsciZone = {
    cpus,
    isRoot: options.root ?? false,
    dtbIpa: DTB,
    cpuOfMpidr: (mpidr) => ([0n, 0x100n, 0x200n, 0x300n].indexOf(mpidr) >= 0 ? [0n, 0x100n, 0x200n, 0x300n].indexOf(mpidr) : undefined),
    cpuState: (c) => state[c]!,
    startCpu: (c, entry, x0) => {
      state[c] = 'on-pending';
      log.push(`start ${c} ${entry.toString(16)} ${x0.toString(16)}`);
    },
    stopCpu: (c) => { state[c] = 'off'; log.push(`stop ${c}`); },
    standby: (c) => { log.push(`standby ${c}`); },
    systemOff: (c, board) => { log.push(`off ${c} ${board}`); },
    systemReset: (c, board) => { log.push(`reset ${c} ${board}`); },
    panic: (c, message) => { log.push(`panic ${c} ${message}`); },
    workbenchExtensions: options.ext ?? false,
  };
  if (options.hypercall) z.hypercall = (cpu) => { log.push(`hypercall ${cpu.getX(0)} ${cpu.getX(1)} ${cpu.getX(2)}`); cpu.setX(0, 7n); };
  if (options.firmware) z.firmware = (cpu, id) => { log.push(`firmware ${id.toString(16)}`); cpu.setX(0, 0x55n); };
  return { z, state, log };
}

/** Issues the call and returns x0 as a signed value (a call that does not return leaves the function id). */
function call(psci: PsciHandler, cpu: FakeCpu, fid: number | bigint, args: bigint[] = [], kind: 'smc' | 'hvc' = 'smc'): bigint {
  cpu.setX(0, BigInt(fid));
  args.forEach((a, i) => cpu.setX(i + 1, a));
  psci.call(cpu, kind);
  return BigInt.asIntN(64, cpu.getX(0));
}

describe('PSCI for aarch64 zone guests (hvisor trap.rs)', () => {
  it('answers PSCI_VERSION 1.1, MIGRATE_INFO_TYPE 2, SMCCC_VERSION 1.1 and SMCCC_ARCH_FEATURES -1', () => {
    const { z } = zone([0, 1]);
    const psci = new PsciHandler(z);
    const cpu = new FakeCpu(0);
    expect(call(psci, cpu, PsciFunction.version)).toBe(0x10001n);
    expect(call(psci, cpu, PsciFunction.migrateInfoType)).toBe(2n);
    expect(call(psci, cpu, PsciFunction.smcccVersion)).toBe(0x10001n);
    expect(call(psci, cpu, PsciFunction.smcccArchFeatures, [0x8000n])).toBe(PsciReturn.notSupported);
    expect(call(psci, cpu, 0x80007fff)).toBe(PsciReturn.notSupported);
  });

  it('answers FEATURES from hvisor\'s list exactly', () => {
    const { z } = zone([0, 1]);
    const psci = new PsciHandler(z);
    const cpu = new FakeCpu(0);
    for (const id of [PsciFunction.version, PsciFunction.cpuSuspend32, PsciFunction.cpuSuspend64, PsciFunction.cpuOff32,
      PsciFunction.cpuOn32, PsciFunction.cpuOn64, PsciFunction.affinityInfo32, PsciFunction.affinityInfo64,
      PsciFunction.features, PsciFunction.smcccVersion]) {
      expect(call(psci, cpu, PsciFunction.features, [BigInt(id)])).toBe(0n);
    }
    for (const id of [PsciFunction.cpuOff64, PsciFunction.migrateInfoType, PsciFunction.systemOff, PsciFunction.systemReset,
      PsciFunction.smcccArchFeatures, 0x8400000f]) {
      expect(call(psci, cpu, PsciFunction.features, [BigInt(id)])).toBe(PsciReturn.notSupported);
    }
    // FEATURES is an SMC32 call: the upper half of x1 is ignored.
    expect(call(psci, cpu, PsciFunction.features, [(0xabcdn << 32n) | BigInt(PsciFunction.version)])).toBe(0n);
  });

  it('CPU_ON starts a stopped CPU of the zone at the entry with x0 = the zone DTB, as hvisor', () => {
    const { z, state, log } = zone([0, 1, 2]);
    const psci = new PsciHandler(z);
    const cpu = new FakeCpu(0);
    expect(call(psci, cpu, PsciFunction.cpuOn64, [0x100n, 0x80200000n, 0x1234n])).toBe(PsciReturn.success);
    expect(log).toEqual([`start 1 80200000 ${DTB.toString(16)}`]);
    expect(state[1]).toBe('on-pending');
    // Already on (hvisor's u64::MAX - 3), including a CPU still starting and the caller itself.
    expect(call(psci, cpu, PsciFunction.cpuOn64, [0x100n, 0x80200000n, 0n])).toBe(PsciReturn.alreadyOn);
    state[1] = 'on';
    expect(call(psci, cpu, PsciFunction.cpuOn64, [0x100n, 0x80200000n, 0n])).toBe(PsciReturn.alreadyOn);
    expect(call(psci, cpu, PsciFunction.cpuOn64, [0n, 0x80200000n, 0n])).toBe(PsciReturn.alreadyOn);
    expect(log).toHaveLength(1);
  });

  it('CPU_ON of a CPU outside the zone or of no CPU is INVALID_PARAMETERS and starts nothing', () => {
    const { z, state, log } = zone([0, 1]);
    const psci = new PsciHandler(z);
    const cpu = new FakeCpu(0);
    expect(call(psci, cpu, PsciFunction.cpuOn64, [0x300n, 0x80200000n, 0n])).toBe(PsciReturn.invalidParameters);
    expect(call(psci, cpu, PsciFunction.cpuOn64, [0x1234n, 0x80200000n, 0n])).toBe(PsciReturn.invalidParameters);
    expect(state[3]).toBe('off');
    expect(log).toEqual([]);
  });

  it('32-bit CPU_ON and AFFINITY_INFO ignore the upper halves of x1..x3; 64-bit ones do not', () => {
    const { z, state, log } = zone([0, 1, 2]);
    const psci = new PsciHandler(z);
    const cpu = new FakeCpu(0);
    const junk = 0xffffffffn << 32n;
    expect(call(psci, cpu, PsciFunction.cpuOn32, [junk | 0x100n, junk | 0x80200000n, junk | 5n])).toBe(PsciReturn.success);
    expect(log).toEqual([`start 1 80200000 ${DTB.toString(16)}`]);
    state[1] = 'on';
    expect(call(psci, cpu, PsciFunction.affinityInfo32, [junk | 0x100n, junk])).toBe(AffinityState.on);
    // Aff3 (bits 39:32) counts for a 64-bit call: 0xff_0000_0200 is no CPU of this board.
    expect(call(psci, cpu, PsciFunction.cpuOn64, [junk | 0x200n, 0x80200000n, 0n])).toBe(PsciReturn.invalidParameters);
    expect(call(psci, cpu, PsciFunction.affinityInfo64, [junk | 0x100n, 0n])).toBe(PsciReturn.invalidParameters);
  });

  it('AFFINITY_INFO reports ON / OFF of the zone\'s CPUs (ON for a CPU still starting) and rejects others', () => {
    const { z, state } = zone([0, 1, 2]);
    const psci = new PsciHandler(z);
    const cpu = new FakeCpu(0);
    expect(call(psci, cpu, PsciFunction.affinityInfo64, [0n, 0n])).toBe(AffinityState.on);
    expect(call(psci, cpu, PsciFunction.affinityInfo64, [0x100n, 0n])).toBe(AffinityState.off);
    state[1] = 'on-pending';
    expect(call(psci, cpu, PsciFunction.affinityInfo32, [0x100n, 0n])).toBe(AffinityState.on);
    // hvisor ignores the lowest affinity level.
    expect(call(psci, cpu, PsciFunction.affinityInfo64, [0x200n, 1n])).toBe(AffinityState.off);
    expect(call(psci, cpu, PsciFunction.affinityInfo64, [0x300n, 0n])).toBe(PsciReturn.invalidParameters);
  });

  it('CPU_SUSPEND is a standby that returns SUCCESS', () => {
    const { z, log } = zone([0, 1]);
    const psci = new PsciHandler(z);
    const cpu = new FakeCpu(0);
    expect(call(psci, cpu, PsciFunction.cpuSuspend64, [0x10000n, 0x80200000n, 0n])).toBe(0n);
    expect(call(psci, cpu, PsciFunction.cpuSuspend32, [0n])).toBe(0n);
    expect(log).toEqual(['standby 0', 'standby 0']);
  });

  it('CPU_OFF is where hvisor panics (todo!()): reported, x0 untouched', () => {
    const { z, log } = zone([0, 1]);
    const psci = new PsciHandler(z);
    const cpu = new FakeCpu(1);
    expect(call(psci, cpu, PsciFunction.cpuOff32)).toBe(BigInt(PsciFunction.cpuOff32));
    expect(call(psci, cpu, PsciFunction.cpuOff64)).toBe(BigInt(PsciFunction.cpuOff64));
    expect(log).toHaveLength(2);
    expect(log[0]).toMatch(/^panic 1 .*CPU_OFF.*trap\.rs/);
  });

  it('SYSTEM_OFF removes the zone, and the board only from the root zone; SYSTEM_RESET answers 0', () => {
    const nonRoot = zone([2, 3]);
    const cpu = new FakeCpu(2);
    expect(call(new PsciHandler(nonRoot.z), cpu, PsciFunction.systemOff)).toBe(BigInt(PsciFunction.systemOff));
    expect(nonRoot.log).toEqual(['off 2 false']);
    const root = zone([0, 1], { root: true });
    expect(call(new PsciHandler(root.z), new FakeCpu(1), PsciFunction.systemOff)).toBe(BigInt(PsciFunction.systemOff));
    expect(root.log).toEqual(['off 1 true']);
    expect(call(new PsciHandler(root.z), new FakeCpu(0), PsciFunction.systemReset)).toBe(0n);
    expect(root.log).toEqual(['off 1 true']);
  });

  it('unknown ids: hvisor answers 0 for standard-service and unknown owners, NOT_SUPPORTED for arch ids', () => {
    const { z } = zone([0]);
    const psci = new PsciHandler(z);
    const cpu = new FakeCpu(0);
    expect(call(psci, cpu, 0x8400000f)).toBe(0n); // unknown PSCI
    expect(call(psci, cpu, PsciFunction.migrateInfoUpCpu32)).toBe(0n);
    expect(call(psci, cpu, (1n << 32n) | BigInt(PsciFunction.version))).toBe(0n); // whole x0 is matched
    expect(call(psci, cpu, 0x85000000)).toBe(0n); // OEM service
    expect(call(psci, cpu, 0x80001234)).toBe(PsciReturn.notSupported); // arch service
  });

  it('SiP and trusted-OS SMCs go to the firmware; without one they are NOT_SUPPORTED', () => {
    const withFw = zone([0], { firmware: true });
    const cpu = new FakeCpu(0);
    expect(call(new PsciHandler(withFw.z), cpu, 0xc2000001)).toBe(0x55n);
    expect(call(new PsciHandler(withFw.z), cpu, 0xb2000000)).toBe(0x55n);
    expect(withFw.log).toEqual(['firmware c2000001', 'firmware b2000000']);
    expect(call(new PsciHandler(zone([0]).z), cpu, 0xc2000001)).toBe(PsciReturn.notSupported);
  });

  it('every HVC is an hvisor hypercall, PSCI ids included', () => {
    const { z, log } = zone([0, 1], { hypercall: true });
    const psci = new PsciHandler(z);
    const cpu = new FakeCpu(0);
    expect(call(psci, cpu, 2, [0x1000n, 0x200n], 'hvc')).toBe(7n);
    expect(call(psci, cpu, PsciFunction.version, [0n, 0n], 'hvc')).toBe(7n);
    expect(log).toEqual(['hypercall 2 4096 512', `hypercall ${PsciFunction.version} 0 0`]);
    expect(call(new PsciHandler(zone([0]).z), cpu, PsciFunction.version, [], 'hvc')).toBe(0n);
  });
});

describe('PSCI workbench extensions', () => {
  it('CPU_ON passes the context id and reports ON_PENDING; AFFINITY_INFO reports ON_PENDING and checks the level', () => {
    const { z, state, log } = zone([0, 1], { ext: true });
    const psci = new PsciHandler(z);
    const cpu = new FakeCpu(0);
    expect(call(psci, cpu, PsciFunction.cpuOn64, [0x100n, 0x80200000n, 0x1234n])).toBe(0n);
    expect(log).toEqual(['start 1 80200000 1234']);
    expect(call(psci, cpu, PsciFunction.cpuOn64, [0x100n, 0x80200000n, 0n])).toBe(PsciReturn.onPending);
    expect(call(psci, cpu, PsciFunction.affinityInfo64, [0x100n, 0n])).toBe(AffinityState.onPending);
    expect(call(psci, cpu, PsciFunction.affinityInfo64, [0x100n, 1n])).toBe(PsciReturn.invalidParameters);
    state[1] = 'on';
    expect(call(psci, cpu, PsciFunction.cpuOn64, [0x100n, 0x80200000n, 0n])).toBe(PsciReturn.alreadyOn);
    expect(call(psci, cpu, PsciFunction.cpuOn32, [0x200n, 0x80200000n, 0n])).toBe(PsciReturn.invalidParameters);
  });

  it('CPU_OFF stops the caller, SYSTEM_RESET resets the zone (the board from root), unknown ids are NOT_SUPPORTED', () => {
    const { z, state, log } = zone([0, 1], { ext: true });
    const psci = new PsciHandler(z);
    state[1] = 'on';
    expect(call(psci, new FakeCpu(1), PsciFunction.cpuOff32)).toBe(BigInt(PsciFunction.cpuOff32));
    expect(state[1]).toBe('off');
    expect(call(psci, new FakeCpu(0), PsciFunction.systemReset)).toBe(BigInt(PsciFunction.systemReset));
    expect(log).toEqual(['stop 1', 'reset 0 false']);
    const root = zone([0], { ext: true, root: true });
    call(new PsciHandler(root.z), new FakeCpu(0), PsciFunction.systemReset);
    expect(root.log).toEqual(['reset 0 true']);
    const cpu = new FakeCpu(0);
    expect(call(psci, cpu, 0x8400000f)).toBe(PsciReturn.notSupported);
    expect(call(psci, cpu, PsciFunction.migrateInfoUpCpu64)).toBe(PsciReturn.notSupported);
    expect(call(psci, cpu, 0x85000000)).toBe(PsciReturn.notSupported);
    for (const id of [PsciFunction.migrateInfoType, PsciFunction.systemOff, PsciFunction.systemReset]) {
      expect(call(psci, cpu, PsciFunction.features, [BigInt(id)])).toBe(0n);
    }
  });

  it('PSCI and SMCCC fast calls also work over HVC; other HVCs stay hypercalls', () => {
    const { z, log } = zone([0], { ext: true, hypercall: true });
    const psci = new PsciHandler(z);
    const cpu = new FakeCpu(0);
    expect(call(psci, cpu, PsciFunction.version, [], 'hvc')).toBe(0x10001n);
    expect(call(psci, cpu, PsciFunction.smcccVersion, [], 'hvc')).toBe(0x10001n);
    expect(call(psci, cpu, 4, [0x1000n, 1n], 'hvc')).toBe(7n);
    expect(call(psci, cpu, 0xc2000001, [], 'hvc')).toBe(7n); // SiP over HVC is not PSCI
    expect(log).toEqual(['hypercall 4 4096 1', 'hypercall 3254779905 4096 1']);
  });
});
