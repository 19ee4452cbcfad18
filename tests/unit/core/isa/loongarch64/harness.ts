/**
 * A bare LA64 machine for the unit tests: 1 MiB of RAM at physical 0, one LaCpu in PLV0 direct address
 * mode, a settable test clock, an IOCSR space with one scratch register, and programs assembled by the
 * table-driven assembler (src/core/isa/loongarch64/assembler.ts).
 */
import { AddressSpace } from '../../../../../src/core/bus/address-space';
import type { RamHints } from '../../../../../src/core/bus/ram-hints';
import { CpuWord, type CpuFaultReport } from '../../../../../src/core/cpu/cpu-core';
import { assemble } from '../../../../../src/core/isa/loongarch64/assembler';
import { LaCpu, LA_STATE_BYTES } from '../../../../../src/core/isa/loongarch64/cpu';

export const RAM_SIZE = 1 << 20;

export interface Machine {
  readonly cpu: LaCpu;
  readonly bus: AddressSpace;
  readonly faults: CpuFaultReport[];
  readonly iocsr: Map<number, bigint>;
  time: number;
  /** Loads `source` at `base` (default 0x1000), sets the pc there, and runs up to `budget` instructions. */
  run(source: string, budget?: number, base?: number): ReturnType<LaCpu['run']>;
  /** Assembles `source` at virtual `base` and stores it at `physical` (default: the same). */
  load(source: string, base?: bigint | number, physical?: number): ReadonlyMap<string, bigint>;
  r(name: number): bigint;
  raise(mask: number, level: boolean): void;
}

/**
 * `buffer`: RAM and the CPU's state region there (a registered WebAssembly.Memory's buffer runs the
 * translation tier); `ramHints`: the prefaulter's notes (RAM is the span, at buffer offset 0).
 */
export function machine(buffer: ArrayBufferLike = new SharedArrayBuffer(RAM_SIZE + LA_STATE_BYTES), opts: { ramHints?: RamHints } = {}): Machine {
  const bus = new AddressSpace(0, { buffer, byteOffset: 0, byteLength: RAM_SIZE });
  const faults: CpuFaultReport[] = [];
  const iocsr = new Map<number, bigint>([[0x8, 0n]]);
  const m: Machine = {
    time: 0,
    bus,
    faults,
    iocsr,
    cpu: undefined as unknown as LaCpu,
    load(source, base = 0x1000, physical = Number(base)) {
      const program = assemble(source, BigInt(base));
      new Uint8Array(buffer, physical, program.bytes.length).set(program.bytes);
      return program.labels;
    },
    run(source, budget = 10_000, base = 0x1000) {
      m.load(source, base);
      m.cpu.setPc(BigInt(base));
      return m.cpu.run(budget);
    },
    r: (n) => m.cpu.getR(n),
    raise(mask, level) {
      if (level) Atomics.or(m.cpu.header, CpuWord.pending, mask);
      else Atomics.and(m.cpu.header, CpuWord.pending, ~mask);
    },
  };
  const cpu = new LaCpu(
    {
      cpuId: 0,
      bus,
      clock: { now: () => m.time },
      timerFrequency: 100_000_000,
      prid: 0x14c010,
      iocsr: {
        read: (address) => iocsr.get(address),
        write: (address, _size, value) => {
          if (!iocsr.has(address)) return false;
          iocsr.set(address, value);
          return true;
        },
      },
      fault: (r) => faults.push(r),
      ...(opts.ramHints ? { ramHints: opts.ramHints } : {}),
    },
    { buffer, byteOffset: RAM_SIZE, byteLength: LA_STATE_BYTES },
  );
  (m as { cpu: LaCpu }).cpu = cpu;
  cpu.powerOn(0x1000n, []);
  return m;
}

/** Register numbers by ABI name for readable assertions. */
export const R = { zero: 0, ra: 1, tp: 2, sp: 3, a0: 4, a1: 5, a2: 6, a3: 7, a4: 8, a5: 9, a6: 10, a7: 11, t0: 12, t1: 13, t2: 14, t3: 15 } as const;
