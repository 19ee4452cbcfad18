/**
 * The LA64 CPU running a zone's guest through the zone's stage-2 (stage2-bus.ts), as hvisor's LVZ second
 * stage maps it: loads, stores, LL/SC and AM* atomics at guest-physical addresses land at the host
 * addresses the zone's regions give; an address no region maps stops the CPU with a report, and the bus
 * says which guest-physical access it was. Prints the interpreter's rate with and without the stage-2
 * (figures for decision 0029; nothing is asserted about speed).
 */
import { describe, expect, it } from 'vitest';
import { AddressSpace } from '../../../../../../src/core/bus/address-space';
import type { CpuFaultReport } from '../../../../../../src/core/cpu/cpu-core';
import { assemble } from '../../../../../../src/core/isa/loongarch64/assembler';
import { LaCpu, LA_STATE_BYTES } from '../../../../../../src/core/isa/loongarch64/cpu';
import type { LaBus } from '../../../../../../src/core/isa/loongarch64/platform';
import { Stage2Map } from '../../../../../../src/core/hypervisor/stage2-map';
import { Stage2Bus } from '../../../../../../src/core/hypervisor/arch/loongarch64/stage2-bus';

const RAM = 1 << 20;
/** The zone's RAM: guest-physical 0x8000_0000 is host 0x4_0000 (256 KiB). */
const GUEST = 0x8000_0000;
const HOST = 0x4_0000;

function rig(zoned: boolean) {
  const buffer = new SharedArrayBuffer(RAM + LA_STATE_BYTES);
  const host = new AddressSpace(0, { buffer, byteOffset: 0, byteLength: RAM });
  const faults: CpuFaultReport[] = [];
  const map = new Stage2Map<LaCpu>([{ kind: 'ram', guestStart: GUEST, hostStart: HOST, size: 0x4_0000 }], []);
  let cpu: LaCpu;
  const stage2 = new Stage2Bus<LaCpu>(host, () => map, () => cpu);
  const bus: LaBus = zoned ? stage2 : host;
  cpu = new LaCpu(
    { cpuId: 0, bus, clock: { now: () => 0 }, timerFrequency: 100_000_000, prid: 0x14c010, iocsr: { read: () => undefined, write: () => false }, fault: (r) => faults.push(r) },
    { buffer, byteOffset: RAM, byteLength: LA_STATE_BYTES },
  );
  const base = zoned ? GUEST : HOST;
  const load = (source: string): void => {
    const program = assemble(source, BigInt(base));
    new Uint8Array(buffer, HOST, program.bytes.length).set(program.bytes);
    cpu.powerOn(BigInt(base), []);
  };
  return { host, stage2, cpu, faults, load, base, u32: (hpa: number) => new DataView(buffer).getUint32(hpa, true) };
}

describe('LA64 guest through a zone stage-2', () => {
  it('maps loads, stores and atomics to the host addresses of the zone region', () => {
    const r = rig(true);
    r.load(`
      li.d $t0, 0x80001000
      li.w $t1, 0x1234
      st.w $t1, $t0, 0
      ld.w $a0, $t0, 0
      ll.w $t2, $t0, 0
      addi.w $t2, $t2, 1
      sc.w $t2, $t0, 0
      li.w $t3, 0x10
      amadd.w $a1, $t3, $t0
      ld.w $a2, $t0, 0
    halt:
      b halt
    `);
    r.cpu.run(40);
    expect(r.faults).toEqual([]);
    expect(r.cpu.getR(4)).toBe(0x1234n);
    expect(r.cpu.getR(5)).toBe(0x1235n); // sc succeeded: amadd saw 0x1235
    expect(r.cpu.getR(6)).toBe(0x1245n);
    expect(r.u32(HOST + 0x1000)).toBe(0x1245); // host-physical 0x4_1000
    expect(r.u32(0x1000)).toBe(0); // not the identity address
  });

  it('stops on a guest-physical address outside the zone, naming it', () => {
    const r = rig(true);
    r.load(`
      li.d $t0, 0x90000000
      st.w $t0, $t0, 0
    `);
    r.cpu.run(10);
    expect(r.faults).toHaveLength(1);
    expect(r.faults[0]).toMatchObject({ kind: 'access', pc: BigInt(GUEST + 16), disassembly: 'st.w $t0, $t0, 0' });
    expect(r.stage2.lastFault).toEqual({ gpa: 0x9000_0000, size: 4, isWrite: true });
  });

  it('runs a tight loop at a rate printed for the decision (bare bus and stage-2)', () => {
    const loop = `
      li.d $t0, 0x${(0x1000).toString(16)}
      li.w $t1, 200000
    loop:
      ld.d $t2, $t3, 0
      addi.d $t2, $t2, 1
      st.d $t2, $t3, 0
      addi.w $t1, $t1, -1
      bnez $t1, loop
    done:
      b done
    `;
    const rates: Record<string, number> = {};
    for (const zoned of [false, true, false, true, false, true]) {
      const r = rig(zoned);
      r.load(loop.replace('$t0, 0x1000', `$t0, 0x${(r.base + 0x2000).toString(16)}`).replace('ld.d $t2, $t3', 'ld.d $t2, $t0').replace('st.d $t2, $t3', 'st.d $t2, $t0'));
      const start = process.hrtime.bigint();
      let retired = 0;
      while (retired < 1_000_000) {
        r.cpu.run(10_000);
        retired += 10_000;
      }
      const mips = retired / (Number(process.hrtime.bigint() - start) / 1e3);
      rates[zoned ? 'stage-2' : 'bare'] = Math.max(rates[zoned ? 'stage-2' : 'bare'] ?? 0, mips);
      expect(r.faults).toEqual([]);
      expect(r.u32(HOST + 0x2000)).toBeGreaterThan(0);
    }
    console.log(`LA64 tight loop (ld/addi/st/addi/bnez), best of 3: bare ${rates['bare']!.toFixed(2)} MIPS, through the zone stage-2 ${rates['stage-2']!.toFixed(2)} MIPS`);
  });
});
