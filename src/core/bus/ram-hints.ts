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
/** Ring words: notes written so far, 1 once the reader should stop, and the bytes of the table arena in use. */
export const RamHintWord = {
  count: 0,
  stop: 1,
  arenaUsed: 2,
  /** Set by the thread that reads the notes once it has stopped (and written what it keeps). */
  stopped: 3,
} as const;

export class RamHints {
  private readonly ring: Int32Array;
  private count = 0;
  private arenaUsed = 0;

  /**
   * `arena`: memory for the CPU's own tables (its pages of decoded instructions: ~1,600 of 36 KiB in a
   * riscv64 Linux boot), which the reader also writes ahead of the part in use. Made with the CPU's
   * other allocations they cost the CPU's thread ~5 K faults in malloc and ~10 K more at first use.
   */
  constructor(buffer: SharedArrayBuffer, private readonly arena?: SharedArrayBuffer) {
    this.ring = new Int32Array(buffer, 0, RAM_HINT_WORDS);
  }

  /** A store filled a write-TLB entry for the RAM page at span offset `host` (a multiple of 4096). */
  note(host: number): void {
    const n = this.count;
    this.ring[RAM_HINT_HEADER + (n & (RAM_HINT_SLOTS - 1))] = host >>> 12;
    this.count = (n + 1) | 0;
    Atomics.store(this.ring, RamHintWord.count, this.count);
  }

  /** A zeroed Int32Array of `length` from the arena (a new one once the arena is used up). */
  int32(length: number): Int32Array {
    const at = this.take(length * 4);
    return at < 0 ? new Int32Array(length) : new Int32Array(this.arena!, at, length);
  }

  /** A zeroed Uint16Array of `length` from the arena (a new one once the arena is used up). */
  uint16(length: number): Uint16Array {
    const at = this.take(length * 2);
    return at < 0 ? new Uint16Array(length) : new Uint16Array(this.arena!, at, length);
  }

  /** The arena offset of `bytes` more (16-byte aligned), or -1. Arena memory is never handed out twice. */
  private take(bytes: number): number {
    const at = this.arenaUsed;
    const end = at + ((bytes + 15) & -16);
    if (this.arena === undefined || end > this.arena.byteLength) return -1;
    this.arenaUsed = end;
    Atomics.store(this.ring, RamHintWord.arenaUsed, end);
    return at;
  }
}

/** A CPU's zeroed table of `length`: from its hints' arena where it has hints (RamHints.int32), else a new array. */
export function int32Table(hints: RamHints | undefined, length: number): Int32Array {
  return hints !== undefined ? hints.int32(length) : new Int32Array(length);
}

/** As int32Table, 16-bit (RamHints.uint16). */
export function uint16Table(hints: RamHints | undefined, length: number): Uint16Array {
  return hints !== undefined ? hints.uint16(length) : new Uint16Array(length);
}
