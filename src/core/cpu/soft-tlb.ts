/**
 * The layout of the CPUs' read and write TLBs (riscv64 mmu.ts, aarch64 memory.ts): direct mapped,
 * TLB_ENTRY words an entry, [tag = virtual page | privilege (or EL), high word of the virtual address,
 * RAM span offset of the page, unused]. A lookup touches one cache line, and translated code compares
 * tag and high word as one i64 with (address & -4096) | privilege. A tag of -1 matches no address (a
 * page's low 12 bits hold only the privilege).
 */
export const TLB_ENTRY = 4;

/** Fills the entry at word `e` of a read or write TLB. */
export function fillTlbEntry(tlb: Int32Array, e: number, tag: number, hi: number, host: number): void {
  tlb[e] = tag;
  tlb[e + 1] = hi;
  tlb[e + 2] = host;
}

/** Invalidates every entry of a read or write TLB. */
export function emptyTlb(tlb: Int32Array): void {
  for (let e = 0; e < tlb.length; e += TLB_ENTRY) tlb[e] = -1;
}
