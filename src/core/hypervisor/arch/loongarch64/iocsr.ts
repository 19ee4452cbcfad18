/**
 * The IOCSR space of a Loongson 3A5000 board as each CPU sees it (IOCSRRD/IOCSRWR): the identity
 * registers (features, vendor, CPU name) from the board's data, and the per-core IPI block of
 * arch/loongarch/include/asm/loongarch.h: IPI_STATUS 0x1000, IPI_EN 0x1004, IPI_SET 0x1008, IPI_CLEAR
 * 0x100c, four 64-bit mailboxes MBUF0-3 at 0x1020..0x1038, IPI_SEND 0x1040 (bits 4..0 the vector, 25..16
 * the target CPU) and MBUF_SEND 0x1048 (bits 4..2 the 32-bit mailbox word, 25..16 the CPU, 30..27 bytes
 * left unwritten, 63..32 the data). A core's IPI line (ESTAT.IS bit 12) is high while STATUS & EN != 0.
 *
 * The IPI state of each core lives in that core's shared CPU region (cpu.ts LA_IPI_OFFSET), so any
 * thread's IPI_SEND reaches it. A board with an EIOINTC (devices/intc/loongson-eiointc.ts) answers its
 * block and MISC_FUNC (0x420) through it, and FEATURES then has EXTIOI. Left out (later sessions): the
 * node counter, frequency and temperature registers; an access there is answered by nothing, and the
 * CPU stops with a report naming the address.
 */
import type { SharedRegion } from '../../../bus/types';
import type { IocsrResponder } from '../../../devices/device-model';
import { LA_IPI_OFFSET, LA_IPI_WORDS } from '../../../isa/loongarch64/cpu';
import { LaInterruptLine, type IocsrBus } from '../../../isa/loongarch64/platform';

export const Iocsr = {
  FEATURES: 0x8, VENDOR: 0x10, CPUNAME: 0x20,
  IPI_STATUS: 0x1000, IPI_EN: 0x1004, IPI_SET: 0x1008, IPI_CLEAR: 0x100c, MBUF0: 0x1020,
  IPI_SEND: 0x1040, MBUF_SEND: 0x1048,
} as const;

/** IOCSR_FEATURES bits this board model has: CSRIPI (IPIs through IOCSR); EXTIOI with an EIOINTC. */
const FEATURE_CSRIPI = 1n << 4n;
const FEATURE_EXTIOI = 1n << 3n;

const IpiWord = { status: 0, enable: 1, mailbox: 2 } as const;

export interface IocsrBoard {
  readonly vendor: string;
  readonly name: string;
}

/** ASCII bytes of `s`, zero-padded to 8, as a little-endian doubleword. */
function asciiWord(s: string): bigint {
  let v = 0n;
  for (let i = 0; i < Math.min(8, s.length); i++) v |= BigInt(s.charCodeAt(i) & 0x7f) << BigInt(8 * i);
  return v;
}

export class Loongson3Iocsr {
  private readonly ipi: Int32Array[];

  /** `regions`: every CPU's shared state region; `setIpi` drives a core's IPI line. */
  constructor(
    private readonly board: IocsrBoard,
    regions: readonly SharedRegion[],
    private readonly setIpi: (cpu: number, level: boolean) => void,
    private readonly devices?: IocsrResponder,
  ) {
    this.ipi = regions.map((r) => new Int32Array(r.buffer, r.byteOffset + LA_IPI_OFFSET, LA_IPI_WORDS));
  }

  /** The IOCSR bus of CPU `cpu`. */
  busFor(cpu: number): IocsrBus {
    return {
      read: (address, size) => this.read(cpu, address, size),
      write: (address, size, value) => this.write(cpu, address, size, value),
    };
  }

  private update(cpu: number): void {
    const w = this.ipi[cpu]!;
    this.setIpi(cpu, (Atomics.load(w, IpiWord.status) & Atomics.load(w, IpiWord.enable)) !== 0);
  }

  read(cpu: number, address: number, size: 1 | 2 | 4 | 8): bigint | undefined {
    const w = this.ipi[cpu]!;
    const sized = (v: bigint, base: number): bigint => (v >> BigInt(8 * (address - base))) & ((1n << BigInt(8 * size)) - 1n);
    const features = FEATURE_CSRIPI | (this.devices ? FEATURE_EXTIOI : 0n);
    if (address >= Iocsr.FEATURES && address + size <= Iocsr.FEATURES + 8) return sized(features, Iocsr.FEATURES);
    if (address >= Iocsr.VENDOR && address + size <= Iocsr.VENDOR + 8) return sized(asciiWord(this.board.vendor), Iocsr.VENDOR);
    if (address >= Iocsr.CPUNAME && address + size <= Iocsr.CPUNAME + 8) return sized(asciiWord(this.board.name), Iocsr.CPUNAME);
    if (size === 4 || size === 8) {
      switch (address) {
        case Iocsr.IPI_STATUS: return BigInt(Atomics.load(w, IpiWord.status) >>> 0);
        case Iocsr.IPI_EN: return BigInt(Atomics.load(w, IpiWord.enable) >>> 0);
        case Iocsr.IPI_SET: case Iocsr.IPI_CLEAR: return 0n;
      }
      if (address >= Iocsr.MBUF0 && address + size <= Iocsr.MBUF0 + 32 && (address & (size - 1)) === 0) {
        const i = IpiWord.mailbox + ((address - Iocsr.MBUF0) >> 2);
        const lo = BigInt(Atomics.load(w, i) >>> 0);
        return size === 4 ? lo : lo | (BigInt(Atomics.load(w, i + 1) >>> 0) << 32n);
      }
    }
    return this.devices?.read(cpu, address, size);
  }

  write(cpu: number, address: number, size: 1 | 2 | 4 | 8, value: bigint): boolean {
    const w = this.ipi[cpu]!;
    const low = Number(value & 0xffff_ffffn) | 0;
    if (this.devices?.write(cpu, address, size, value)) return true;
    if (size !== 4 && size !== 8) return false;
    switch (address) {
      case Iocsr.IPI_EN:
        Atomics.store(w, IpiWord.enable, low);
        this.update(cpu);
        return true;
      case Iocsr.IPI_SET:
        Atomics.or(w, IpiWord.status, low);
        this.update(cpu);
        return true;
      case Iocsr.IPI_CLEAR:
        Atomics.and(w, IpiWord.status, ~low);
        this.update(cpu);
        return true;
      case Iocsr.IPI_SEND: {
        const target = Number((value >> 16n) & 0x3ffn);
        if (target >= this.ipi.length) return true; // no such core: the send goes nowhere
        Atomics.or(this.ipi[target]!, IpiWord.status, 1 << Number(value & 0x1fn));
        this.update(target);
        return true;
      }
      case Iocsr.MBUF_SEND: {
        const target = Number((value >> 16n) & 0x3ffn);
        if (target >= this.ipi.length) return true;
        const t = this.ipi[target]!;
        const i = IpiWord.mailbox + Number((value >> 2n) & 7n);
        const keep = Number((value >> 27n) & 0xfn);
        const data = Number((value >> 32n) & 0xffff_ffffn);
        let mask = 0;
        for (let b = 0; b < 4; b++) if (((keep >> b) & 1) === 0) mask |= 0xff << (8 * b);
        for (;;) {
          const old = Atomics.load(t, i);
          if (Atomics.compareExchange(t, i, old, (old & ~mask) | (data & mask)) === old) break;
        }
        return true;
      }
    }
    if (address >= Iocsr.MBUF0 && address + size <= Iocsr.MBUF0 + 32 && (address & (size - 1)) === 0) {
      const i = IpiWord.mailbox + ((address - Iocsr.MBUF0) >> 2);
      Atomics.store(w, i, low);
      if (size === 8) Atomics.store(w, i + 1, Number((value >> 32n) & 0xffff_ffffn) | 0);
      return true;
    }
    return false;
  }
}

/** The CPU input an IPI drives. */
export const IPI_LINE = LaInterruptLine.IPI;
