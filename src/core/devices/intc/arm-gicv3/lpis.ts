/**
 * The LPI part of the GICv3 redistributors (locality-specific peripheral interrupts, INTIDs 8192 and
 * up), as QEMU's hw/intc/arm_gicv3_redist.c has it and Linux's irq-gic-v3-its driver uses it: per CPU
 * GICR_CTLR.EnableLPIs, GICR_PROPBASER (the LPI configuration table in guest memory: one byte per LPI,
 * priority in bits 7:2, enable in bit 0) and GICR_PENDBASER, and the pending state of every LPI. An LPI
 * is only made pending (by the ITS: a translated GITS_TRANSLATER write or an INT command) while its
 * redistributor has EnableLPIs set and both tables programmed, and only if its INTID is below the
 * PROPBASER's IDbits limit; it is signalled when its configuration byte says enabled and its priority
 * wins against the SPIs, SGIs and PPIs (gicv3.ts). LPIs are always Group 1 and have no active state:
 * acknowledging one clears its pending bit and raises the running priority, EOI drops it.
 *
 * The configuration byte is read from guest memory each time the pending LPIs are scanned, as QEMU
 * does (it keeps no cache), so INV and INVALL only ask for a new scan. The pending state is kept in the
 * GIC's shared bytes (one bitmap per CPU, with a count so that a CPU with nothing pending costs one
 * word); the pending table at PENDBASER is not written back (Linux only zeroes it and never reads it).
 *
 * Left out: GICR_SETLPIR/CLRLPIR/INVLPIR/INVALLR (GICR_TYPER.DirectLPI = 0: Linux then uses the ITS's
 * INV/INVALL commands), GICv4 virtual LPIs, reading back a pending table a previous owner left.
 */
import type { DmaMemory } from '../../../bus/dma';

/** The first LPI INTID. */
export const LPI_FIRST = 8192;
/** GICD_TYPER.IDbits = 15: INTIDs have 16 bits, so LPIs are 8192..65535 (QEMU's GICD_TYPER_IDBITS). */
export const LPI_ID_BITS = 16;
export const LPI_COUNT = (1 << LPI_ID_BITS) - LPI_FIRST;
const BITMAP_WORDS = LPI_COUNT / 32;
/** Per-CPU words: EnableLPIs, PROPBASER low/high, PENDBASER low/high, pending count. */
const HEADER_WORDS = 8;
const PER_CPU_WORDS = HEADER_WORDS + BITMAP_WORDS;
const Word = { ctlr: 0, propLow: 1, propHigh: 2, pendLow: 3, pendHigh: 4, count: 5 } as const;
/** LPI configuration byte: bit 0 enable, bits 7:2 priority (5 of them kept, as for every other INTID). */
const CONFIG_ENABLE = 1;

/** PROPBASER/PENDBASER bits a write keeps: PA 51:12 and the attributes, IDbits 4:0 (PROPBASER). */
const PROPBASER_LOW_MASK = 0xffff_f000 | 0xf9f;
const PENDBASER_LOW_MASK = 0xffff_0000 | 0xf80;
const BASER_HIGH_MASK = 0x000f_ffff | (7 << 24) | (1 << 30);
const PENDBASER_PTZ = 1 << 30;

export class Gicv3Lpis {
  readonly cpus: number;
  private readonly words: Uint32Array;
  private memory: DmaMemory = { bankAt: () => undefined };

  static stateBytes(cpus: number): number {
    return cpus * PER_CPU_WORDS * 4;
  }

  constructor(words: Uint32Array, cpus: number) {
    if (words.length < cpus * PER_CPU_WORDS) throw new Error('GICv3 LPI state too small');
    this.words = words;
    this.cpus = cpus;
  }

  /** Guest memory the configuration tables are read from (the machine attaches its bus). */
  attachMemory(memory: DmaMemory): void {
    this.memory = memory;
  }

  private base(cpu: number): number {
    return cpu * PER_CPU_WORDS;
  }

  enabled(cpu: number): boolean {
    return (this.words[this.base(cpu) + Word.ctlr]! & 1) !== 0;
  }

  /** GICR_CTLR bit 0. Clearing it leaves the pending bits (the spec makes that IMPLEMENTATION DEFINED). */
  setEnabled(cpu: number, on: boolean): void {
    this.words[this.base(cpu) + Word.ctlr] = on ? 1 : 0;
  }

  /** GICR_PROPBASER (word 0 = low) / GICR_PENDBASER (word 2 = low) as read. */
  readBaser(cpu: number, pend: boolean, high: boolean): number {
    const b = this.base(cpu);
    return this.words[b + (pend ? (high ? Word.pendHigh : Word.pendLow) : (high ? Word.propHigh : Word.propLow))]! >>> 0;
  }

  /** A write of one half: ignored while EnableLPIs is set, as QEMU does (the spec: UNPREDICTABLE). */
  writeBaser(cpu: number, pend: boolean, high: boolean, value: number): void {
    if (this.enabled(cpu)) return;
    const b = this.base(cpu);
    if (!high) this.words[b + (pend ? Word.pendLow : Word.propLow)] = (value & (pend ? PENDBASER_LOW_MASK : PROPBASER_LOW_MASK)) >>> 0;
    // PENDBASER.PTZ (bit 62) says the table is zero; it reads as 0.
    else this.words[b + (pend ? Word.pendHigh : Word.propHigh)] = (value & BASER_HIGH_MASK & (pend ? ~PENDBASER_PTZ : ~0)) >>> 0;
  }

  /** Address of the configuration table, 0 when PROPBASER is not programmed. */
  private propertyTable(cpu: number): number {
    const b = this.base(cpu);
    return (this.words[b + Word.propHigh]! & 0xf_ffff) * 0x1_0000_0000 + ((this.words[b + Word.propLow]! & 0xffff_f000) >>> 0);
  }

  private pendingTable(cpu: number): number {
    const b = this.base(cpu);
    return (this.words[b + Word.pendHigh]! & 0xf_ffff) * 0x1_0000_0000 + ((this.words[b + Word.pendLow]! & 0xffff_0000) >>> 0);
  }

  /** One past the highest LPI INTID PROPBASER.IDbits allows (capped at GICD_TYPER's 16 bits). */
  private limit(cpu: number): number {
    const idBits = Math.min((this.words[this.base(cpu) + Word.propLow]! & 0x1f) + 1, LPI_ID_BITS);
    return 2 ** idBits;
  }

  /**
   * Why an LPI cannot be made pending at `cpu` now, or undefined when it can (QEMU's checks in
   * gicv3_redist_process_lpi: EnableLPIs, both tables, the INTID in range).
   */
  refusal(cpu: number, intid: number): string | undefined {
    if (cpu < 0 || cpu >= this.cpus) return `no redistributor ${cpu}`;
    if (!this.enabled(cpu)) return `redistributor ${cpu} has GICR_CTLR.EnableLPIs clear`;
    if (this.propertyTable(cpu) === 0 || this.pendingTable(cpu) === 0) return `redistributor ${cpu} has no LPI tables (GICR_PROPBASER/PENDBASER)`;
    if (intid < LPI_FIRST || intid >= this.limit(cpu)) return `INTID ${intid} is not an LPI below GICR_PROPBASER.IDbits' limit ${this.limit(cpu)}`;
    return undefined;
  }

  /** Sets or clears an LPI's pending bit at `cpu`; false (nothing changed) when `refusal` says no. */
  setPending(cpu: number, intid: number, pending: boolean): boolean {
    if (this.refusal(cpu, intid) !== undefined) return false;
    return this.setBit(cpu, intid, pending);
  }

  isPending(cpu: number, intid: number): boolean {
    if (cpu < 0 || cpu >= this.cpus || intid < LPI_FIRST || intid >= LPI_FIRST + LPI_COUNT) return false;
    const index = intid - LPI_FIRST;
    return ((this.words[this.base(cpu) + HEADER_WORDS + (index >>> 5)]! >>> (index & 31)) & 1) !== 0;
  }

  private setBit(cpu: number, intid: number, pending: boolean): boolean {
    const index = intid - LPI_FIRST;
    const b = this.base(cpu);
    const at = b + HEADER_WORDS + (index >>> 5);
    const bit = 1 << (index & 31);
    const was = (this.words[at]! & bit) !== 0;
    if (was === pending) return false;
    this.words[at] = pending ? this.words[at]! | bit : this.words[at]! & ~bit;
    this.words[b + Word.count] = this.words[b + Word.count]! + (pending ? 1 : -1);
    return true;
  }

  /** Acknowledge: the pending bit goes (LPIs have no active state). */
  acknowledge(cpu: number, intid: number): void {
    if (intid >= LPI_FIRST && intid < LPI_FIRST + LPI_COUNT && cpu >= 0 && cpu < this.cpus) this.setBit(cpu, intid, false);
  }

  /** The configuration byte of an LPI from the table at PROPBASER, or undefined when it is not in RAM. */
  config(cpu: number, intid: number): number | undefined {
    const address = this.propertyTable(cpu) + (intid - LPI_FIRST);
    const bank = this.memory.bankAt(address, 1);
    return bank ? bank.u8[address - bank.base] : undefined;
  }

  /**
   * The best pending, enabled LPI of `cpu` with a priority value below `below` (strictly higher
   * priority), as [intid, priority], or undefined. Ties go to the lowest INTID.
   */
  best(cpu: number, below: number): [number, number] | undefined {
    if (cpu < 0 || cpu >= this.cpus || !this.enabled(cpu)) return undefined;
    const b = this.base(cpu);
    let remaining = this.words[b + Word.count]!;
    if (remaining === 0) return undefined;
    let found: [number, number] | undefined;
    let limit = below;
    for (let w = 0; w < BITMAP_WORDS && remaining > 0; w++) {
      let bits = this.words[b + HEADER_WORDS + w]!;
      while (bits !== 0) {
        const bit = 31 - Math.clz32(bits & -bits);
        bits &= bits - 1;
        remaining--;
        const intid = LPI_FIRST + w * 32 + bit;
        const config = this.config(cpu, intid);
        if (config === undefined || (config & CONFIG_ENABLE) === 0) continue;
        const priority = config & 0xf8;
        if (priority < limit) {
          found = [intid, priority];
          limit = priority;
        }
      }
    }
    return found;
  }

  /** Pending LPIs of a CPU (for the inspector): INTID, and the configuration byte when readable. */
  pendingList(cpu: number, max = 64): { intid: number; config: number | undefined }[] {
    const out: { intid: number; config: number | undefined }[] = [];
    const b = this.base(cpu);
    for (let w = 0; w < BITMAP_WORDS && out.length < max; w++) {
      let bits = this.words[b + HEADER_WORDS + w]!;
      while (bits !== 0 && out.length < max) {
        const bit = 31 - Math.clz32(bits & -bits);
        bits &= bits - 1;
        const intid = LPI_FIRST + w * 32 + bit;
        out.push({ intid, config: this.config(cpu, intid) });
      }
    }
    return out;
  }

  pendingCount(cpu: number): number {
    return this.words[this.base(cpu) + Word.count]!;
  }

  /** Moves every pending LPI of `from` to `to` (MOVALL). */
  moveAll(from: number, to: number): void {
    if (from === to) return;
    for (const { intid } of this.pendingList(from, LPI_COUNT)) {
      this.setBit(from, intid, false);
      this.setBit(to, intid, true);
    }
  }

  reset(): void {
    this.words.fill(0);
  }
}
