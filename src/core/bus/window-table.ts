/**
 * Where each device window of the machine is mapped right now, shared by every thread. Each thread
 * has its own AddressSpace and its own device objects, declared in the same order from the same plan,
 * so a window is known everywhere by its declaration index (its slot here). A slot says "as declared"
 * (fresh memory: the placement every thread built), "mapped at base/size" or "unmapped"; a thread
 * that moves a window writes its slot, and the others re-read the table when the generation word
 * changes (AddressSpace checks it on every device access).
 *
 * Word 0 is a generation counter used as a sequence lock: even = stable, odd = a writer is changing
 * slots. Writers take it by compare-exchange from even to odd and release it at the next even value;
 * readers copy the slots and retry if the generation moved meanwhile. Changes are rare (a BAR
 * programmed, a window switched off) and short, so readers just spin.
 * Left out: windows that are not in every thread (a device only one thread built cannot be named here).
 */
import type { SharedRegion } from './types';

const HEADER_WORDS = 4;
const SLOT_WORDS = 8;
/** Slot words: state, the window's name hash (checks that every thread declared the same window there), base, size. */
const S_STATE = 0;
const S_NAME = 1;
const S_BASE_LO = 2;
const S_BASE_HI = 3;
const S_SIZE_LO = 4;
const S_SIZE_HI = 5;

export const WindowState = { declared: 0, mapped: 1, unmapped: 2 } as const;
export type WindowStateValue = (typeof WindowState)[keyof typeof WindowState];

/** Windows a machine's table has room for: the board's devices plus room for PCIe BARs. */
export const DEFAULT_WINDOW_CAPACITY = 256;

export function windowTableBytes(capacity = DEFAULT_WINDOW_CAPACITY): number {
  return (HEADER_WORDS + capacity * SLOT_WORDS) * 4;
}

/** One slot as read from the table. */
export interface WindowSlot {
  readonly state: WindowStateValue;
  readonly base: number;
  readonly size: number;
}

/** A change to one slot, made by WindowTable.change. */
export interface WindowChange {
  readonly slot: number;
  readonly state: WindowStateValue;
  readonly base: number;
  readonly size: number;
}

/** FNV-1a of the window's name, never 0 (0 = slot not claimed yet). */
function nameHash(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h | 1;
}

export class WindowTable {
  private readonly words: Int32Array;
  readonly capacity: number;

  /** Over a shared region (windowTableBytes long), or a private table for a single-threaded bus. */
  constructor(region?: SharedRegion, capacity = DEFAULT_WINDOW_CAPACITY) {
    if (region) {
      if (region.byteOffset % 4 !== 0) throw new Error('window table: the region must be 4-byte aligned');
      this.capacity = Math.floor((region.byteLength / 4 - HEADER_WORDS) / SLOT_WORDS);
      if (this.capacity <= 0) throw new Error(`window table: a region of ${region.byteLength} bytes holds no window`);
      this.words = new Int32Array(region.buffer, region.byteOffset, HEADER_WORDS + this.capacity * SLOT_WORDS);
    } else {
      this.capacity = capacity;
      this.words = new Int32Array(HEADER_WORDS + capacity * SLOT_WORDS);
    }
  }

  /** The generation word; it changes (by 2) with every completed change. */
  get generationWord(): Int32Array {
    return this.words;
  }

  generation(): number {
    return Atomics.load(this.words, 0);
  }

  /**
   * Records that this thread declares `name` at `slot`; throws if another thread declared a different
   * window there (the threads built different device lists) or the table is full.
   */
  claim(slot: number, name: string): void {
    if (slot >= this.capacity) throw new Error(`device window '${name}': the window table holds ${this.capacity} windows, all taken`);
    const at = HEADER_WORDS + slot * SLOT_WORDS + S_NAME;
    const hash = nameHash(name);
    const previous = Atomics.compareExchange(this.words, at, 0, hash);
    if (previous !== 0 && previous !== hash) {
      throw new Error(`device window '${name}': slot ${slot} of the shared window table belongs to another window (threads declared different windows)`);
    }
  }

  /** A consistent copy of the first `count` slots and the generation it belongs to. */
  snapshot(count: number): { generation: number; slots: WindowSlot[] } {
    for (;;) {
      const generation = Atomics.load(this.words, 0);
      if ((generation & 1) !== 0) continue;
      const slots = this.readSlots(count);
      if (Atomics.load(this.words, 0) === generation) return { generation, slots };
    }
  }

  /**
   * Changes slots under the writer lock. `decide` sees a consistent copy of the first `count` slots
   * and returns the changes (or throws to change nothing). Returns the new generation.
   */
  change(count: number, decide: (slots: readonly WindowSlot[]) => readonly WindowChange[]): number {
    let generation: number;
    for (;;) {
      generation = Atomics.load(this.words, 0);
      if ((generation & 1) === 0 && Atomics.compareExchange(this.words, 0, generation, (generation + 1) | 0) === generation) break;
    }
    let changes: readonly WindowChange[] = [];
    try {
      changes = decide(this.readSlots(count));
      for (const c of changes) {
        const at = HEADER_WORDS + c.slot * SLOT_WORDS;
        Atomics.store(this.words, at + S_BASE_LO, c.base % 4294967296);
        Atomics.store(this.words, at + S_BASE_HI, Math.floor(c.base / 4294967296));
        Atomics.store(this.words, at + S_SIZE_LO, c.size % 4294967296);
        Atomics.store(this.words, at + S_SIZE_HI, Math.floor(c.size / 4294967296));
        Atomics.store(this.words, at + S_STATE, c.state);
      }
    } finally {
      // Nothing changed: back to the same even value, so readers need not refresh.
      Atomics.store(this.words, 0, changes.length > 0 ? (generation + 2) | 0 : generation);
    }
    return Atomics.load(this.words, 0);
  }

  private readSlots(count: number): WindowSlot[] {
    const w = this.words;
    const slots: WindowSlot[] = [];
    for (let slot = 0; slot < count; slot++) {
      const at = HEADER_WORDS + slot * SLOT_WORDS;
      slots.push({
        state: Atomics.load(w, at + S_STATE) as WindowStateValue,
        base: (Atomics.load(w, at + S_BASE_HI) >>> 0) * 4294967296 + (Atomics.load(w, at + S_BASE_LO) >>> 0),
        size: (Atomics.load(w, at + S_SIZE_HI) >>> 0) * 4294967296 + (Atomics.load(w, at + S_SIZE_LO) >>> 0),
      });
    }
    return slots;
  }
}
