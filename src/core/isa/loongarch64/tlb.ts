/**
 * The LA64 TLB as the 3A5000 has it (LoongArch Reference Manual Vol. 1, 5.4): an STLB of 2048 entries
 * (256 sets of 8 ways, every entry of page size STLBPS.PS) and a fully associative MTLB of 64 entries of
 * any page size. TLBIDX.Index numbers STLB entries 0..2047 as way * 256 + set and MTLB entries 2048..2111.
 * Each entry maps an even/odd page pair: VPPN = VA[47:13] of the pair, PS, G, ASID, E and two halves
 * in TLBELO format (V, D, PLV, MAT, G, PPN, NR, NX, RPLV).
 *
 * Left out: the hardware's own replacement policy (TLBFILL picks the way/entry round-robin, which the
 * manual leaves implementation-defined) and the ITLB/DTLB micro-TLBs (invisible to software).
 */

export const STLB_SETS = 256;
export const STLB_WAYS = 8;
export const STLB_ENTRIES = STLB_SETS * STLB_WAYS;
export const MTLB_ENTRIES = 64;
export const TLB_ENTRIES = STLB_ENTRIES + MTLB_ENTRIES;

const VA_MASK = (1n << 48n) - 1n;

export interface TlbEntry {
  e: boolean;
  /** VA[47:13] << 13 of the page pair. */
  vpn: bigint;
  ps: number;
  g: boolean;
  asid: number;
  lo0: bigint;
  lo1: bigint;
}

export class LaTlb {
  readonly entries: TlbEntry[] = Array.from({ length: TLB_ENTRIES }, () => ({ e: false, vpn: 0n, ps: 12, g: false, asid: 0, lo0: 0n, lo1: 0n }));
  private fillNext = 0;
  /** Bumped on every change: translation caches compare it. */
  generation = 0;

  static setOf(va: bigint, stlbPs: number): number {
    return Number((va >> BigInt(stlbPs + 1)) & BigInt(STLB_SETS - 1));
  }

  static matches(entry: TlbEntry, va: bigint, asid: number): boolean {
    if (!entry.e || !(entry.g || entry.asid === asid)) return false;
    const shift = BigInt(entry.ps + 1);
    return ((va & VA_MASK) >> shift) === (entry.vpn >> shift);
  }

  /** The index of the entry translating `va` for `asid`, or -1. */
  find(va: bigint, asid: number, stlbPs: number): number {
    const set = LaTlb.setOf(va, stlbPs);
    for (let way = 0; way < STLB_WAYS; way++) {
      const i = way * STLB_SETS + set;
      if (LaTlb.matches(this.entries[i]!, va, asid)) return i;
    }
    for (let i = STLB_ENTRIES; i < TLB_ENTRIES; i++) {
      if (LaTlb.matches(this.entries[i]!, va, asid)) return i;
    }
    return -1;
  }

  /** TLBFILL: an STLB way of the VA's set when the page size is STLBPS, else an MTLB entry. */
  fillIndex(va: bigint, ps: number, stlbPs: number): number {
    this.fillNext = (this.fillNext + 1) >>> 0;
    if (ps === stlbPs) return (this.fillNext % STLB_WAYS) * STLB_SETS + LaTlb.setOf(va, stlbPs);
    return STLB_ENTRIES + (this.fillNext % MTLB_ENTRIES);
  }

  write(index: number, entry: TlbEntry): void {
    this.entries[index] = entry;
    this.generation++;
  }

  invalidate(pred: (e: TlbEntry) => boolean, indices?: Iterable<number>): void {
    for (const i of indices ?? this.entries.keys()) {
      const e = this.entries[i]!;
      if (e.e && pred(e)) e.e = false;
    }
    this.generation++;
  }

  /** The entries TLBCLR/TLBFLUSH cover for an Index: its STLB set (all ways), or the whole MTLB. */
  static groupOf(index: number): number[] {
    if (index >= STLB_ENTRIES) return Array.from({ length: MTLB_ENTRIES }, (_, i) => STLB_ENTRIES + i);
    const set = index % STLB_SETS;
    return Array.from({ length: STLB_WAYS }, (_, way) => way * STLB_SETS + set);
  }
}
