/** Builds a bare machine (RAM + optional devices + one Hart) for the RV64 unit tests. */
import { AddressSpace } from '../../../../src/core/bus/address-space';
import type { MmioDevice } from '../../../../src/core/bus/types';
import { assembleProgram, type Program } from '../../../../src/core/isa/riscv64/assembler';
import { Hart, HART_STATE_BYTES } from '../../../../src/core/isa/riscv64/hart';
import type { FaultReport, HartPlatform, InterruptFiles, Supervisor } from '../../../../src/core/isa/riscv64/platform';
import type { RamHints } from '../../../../src/core/bus/ram-hints';
import type { HeadProfile } from '../../../../src/core/jit/head-profile';

export const RAM_BASE = 0x80000000;

export interface TestMachine {
  hart: Hart;
  bus: AddressSpace;
  ram: DataView;
  buffer: SharedArrayBuffer;
  faults: FaultReport[];
  time: { now: number; mtimecmp: number };
  program: Program;
  load(source: string | string[], at?: number): Program;
  run(budget?: number): ReturnType<Hart['run']>;
  x(name: number): bigint;
}

export function machine(
  source: string | string[] = [],
  opts: { ramSize?: number; supervisor?: Supervisor; mode?: 'machine' | 'supervisor'; buffer?: SharedArrayBuffer; stateOffset?: number; interruptFiles?: InterruptFiles; ramHints?: RamHints; headProfile?: HeadProfile } = {},
): TestMachine {
  const ramSize = opts.ramSize ?? 1 << 20;
  const buffer = opts.buffer ?? new SharedArrayBuffer(ramSize + 4 * HART_STATE_BYTES);
  const bus = new AddressSpace(RAM_BASE, { buffer, byteOffset: 0, byteLength: ramSize });
  const faults: FaultReport[] = [];
  const time = { now: 0, mtimecmp: Infinity };
  const platform: HartPlatform = {
    hartId: 0,
    bus,
    clock: { now: () => time.now },
    machineTimerCompare: () => time.mtimecmp,
    ...(opts.supervisor ? { supervisor: opts.supervisor } : {}),
    ...(opts.interruptFiles ? { interruptFiles: opts.interruptFiles } : {}),
    ...(opts.ramHints ? { ramHints: opts.ramHints } : {}),
    ...(opts.headProfile ? { headProfile: opts.headProfile } : {}),
    fault: (r) => faults.push(r),
  };
  const hart = new Hart(platform, { buffer, byteOffset: opts.stateOffset ?? ramSize, byteLength: HART_STATE_BYTES });
  const ram = new DataView(buffer, 0, ramSize);
  const m: TestMachine = {
    hart, bus, ram, buffer, faults, time,
    program: { bytes: new Uint8Array(0), labels: new Map() },
    load(src, at = RAM_BASE) {
      const p = assembleProgram(src, BigInt(at));
      new Uint8Array(buffer, at - RAM_BASE, p.bytes.length).set(p.bytes);
      return p;
    },
    run(budget = 10_000) {
      return hart.run(budget);
    },
    x(r) {
      return hart.getX(r);
    },
  };
  m.program = m.load(source);
  hart.reset(BigInt(RAM_BASE), opts.mode ?? 'machine');
  return m;
}

export function device(kind = 'test'): MmioDevice & { log: string[]; regs: Map<number, number> } {
  const log: string[] = [];
  const regs = new Map<number, number>();
  return {
    kind, registers: [], log, regs,
    read(offset, size) { log.push(`r${size}@${offset}`); return regs.get(offset) ?? 0; },
    write(offset, size, value) { log.push(`w${size}@${offset}=${value}`); regs.set(offset, value); },
    reset() {},
    peek() { return {}; },
  };
}
