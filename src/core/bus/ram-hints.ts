/**
 * Where a CPU's stores reach RAM pages, told to a thread that writes pages near them first (the host's
 * RAM prefaulter, host/ram-prefaulter.ts), so that the operating system's first-touch work for guest RAM
 * is done on a spare core instead of the CPU's.
 *
 * A page of guest RAM costs the host a page fault the first time it is written (the memory is the
 * machine's WebAssembly.Memory, which the host maps lazily). On the 2-core VM the benchmarks run on a
 * fault costs the vCPU thread ~15-20 us, and a riscv64 Linux boot writes ~27 K fresh pages: its
 * memblock allocations, struct pages, page tables, the page cache (decision 0014). Guests write fresh
 * memory in runs (a page allocator hands out neighbours, memset sweeps), so the pages next to one just
 * written are likely next.
 *
 * The CPU notes the RAM page of every write-TLB fill (a TLB miss on a store, at most once per page
 * between flushes) in a ring of its own in a SharedArrayBuffer; the reader keeps up or skips what it
 * missed. Nothing the guest sees depends on it: the reader's writes add zero atomically.
 */
export const RAM_HINT_SLOTS = 1024;
/** Words of one CPU's ring: the count of notes so far, the reader's stop word, padding to a cache line, the slots. */
export const RAM_HINT_HEADER = 16;
export const RAM_HINT_WORDS = RAM_HINT_HEADER + RAM_HINT_SLOTS;
/** Ring words: notes written so far, and 1 once the reader should stop. */
export const RamHintWord = {
  count: 0,
  stop: 1,
} as const;

export class RamHints {
  private readonly ring: Int32Array;
  private count = 0;

  constructor(buffer: SharedArrayBuffer, byteOffset = 0) {
    this.ring = new Int32Array(buffer, byteOffset, RAM_HINT_WORDS);
  }

  /** A store filled a write-TLB entry for the RAM page at span offset `host` (a multiple of 4096). */
  note(host: number): void {
    const n = this.count;
    this.ring[RAM_HINT_HEADER + (n & (RAM_HINT_SLOTS - 1))] = host >>> 12;
    this.count = (n + 1) | 0;
    Atomics.store(this.ring, RamHintWord.count, this.count);
  }
}
