/**
 * A lock-free multi-producer ring of fixed-size records in the machine's shared buffer, one consumer
 * (the host). The interrupt trace (irq-trace.ts) and the hypervisor trace (hypervisor/hv-trace.ts) are
 * both rings of this kind with their own record layouts.
 *
 * Recording is off by default; a record site tests `on` (one plain read of the enable word) first.
 * A producer reserves a slot with Atomics.add on the write counter, fills the record's words with plain
 * stores and publishes it by storing the slot's sequence number (word 0) last (Atomics.store, a release).
 * The consumer reads a record only once its sequence number matches, and re-checks the number after
 * reading: a record overwritten meanwhile (the ring wrapped) is counted as lost instead of misread.
 *
 * Region: a 64-byte header (write counter, enable word) then `capacity` records of `recordBytes`
 * (a multiple of 8, so that every record can hold float64 words). Word 0 of a record is its sequence
 * number (reservation index + 1, modulo 2^32). The counters are modulo 2^32; differences are taken with >>> 0.
 */
import type { SharedRegion } from '../bus/types';

export const TRACE_RING_HEADER_BYTES = 64;

const Header = { write: 0, enabled: 1 } as const;

/** A trace's kind numbers back to their names (index = kind), for the consumer. */
export function kindNames<T extends Readonly<Record<string, number>>>(kinds: T): readonly (keyof T | undefined)[] {
  const names: (keyof T | undefined)[] = [];
  for (const [name, value] of Object.entries(kinds)) names[value] = name as keyof T;
  return names;
}

export function traceRingBytes(capacity: number, recordBytes: number): number {
  return TRACE_RING_HEADER_BYTES + capacity * recordBytes;
}

export class TraceRing {
  readonly capacity: number;
  readonly recordWords: number;
  /** The records as int32 words and as float64 words (record r starts at r * recordWords, r * recordWords / 2). */
  readonly words: Int32Array;
  readonly floats: Float64Array;
  private readonly header: Int32Array;
  private readonly mask: number;
  /** Consumer position. */
  private readIndex: number;

  constructor(region: SharedRegion, recordBytes: number, what: string) {
    if (recordBytes % 8 !== 0) throw new Error(`${what}: record size ${recordBytes} is not a multiple of 8`);
    const capacity = (region.byteLength - TRACE_RING_HEADER_BYTES) / recordBytes;
    if (!(capacity >= 2) || (capacity & (capacity - 1)) !== 0) throw new Error(`${what} capacity ${capacity} is not a power of two`);
    this.capacity = capacity;
    this.recordWords = recordBytes / 4;
    this.mask = capacity - 1;
    this.header = new Int32Array(region.buffer, region.byteOffset, TRACE_RING_HEADER_BYTES / 4);
    this.words = new Int32Array(region.buffer, region.byteOffset + TRACE_RING_HEADER_BYTES, capacity * this.recordWords);
    this.floats = new Float64Array(region.buffer, region.byteOffset + TRACE_RING_HEADER_BYTES, capacity * (this.recordWords / 2));
    this.readIndex = Atomics.load(this.header, Header.write) >>> 0;
  }

  get on(): boolean {
    return this.header[Header.enabled] !== 0;
  }

  setEnabled(on: boolean): void {
    Atomics.store(this.header, Header.enabled, on ? 1 : 0);
  }

  /**
   * Reserves the next record and invalidates it; returns its reservation index. The caller fills
   * words base+1.. (base = slotWord(index)) and then calls publish(index).
   */
  reserve(): number {
    const index = Atomics.add(this.header, Header.write, 1);
    // Invalidate first, so that a consumer never pairs the old sequence number with new fields.
    Atomics.store(this.words, this.slotWord(index), 0);
    return index;
  }

  /** The first int32 word of the record with reservation index `index`. */
  slotWord(index: number): number {
    return (index & this.mask) * this.recordWords;
  }

  publish(index: number): void {
    Atomics.store(this.words, this.slotWord(index), (index + 1) | 0);
  }

  /**
   * Every record published since the last drain, in reservation order, read by `read(base, seq)`.
   * Stops early at a slot whose producer has reserved but not yet published it (the next drain
   * resumes there), unless the ring has since wrapped past it.
   */
  drain<T>(read: (base: number, seq: number) => T): { readonly records: T[]; readonly lost: number } {
    const records: T[] = [];
    let lost = 0;
    const write = Atomics.load(this.header, Header.write) >>> 0;
    let index = this.readIndex;
    let behind = (write - index) >>> 0;
    if (behind > this.capacity) {
      lost += behind - this.capacity;
      index = (write - this.capacity) >>> 0;
      behind = this.capacity;
    }
    const w = this.words;
    for (; behind > 0; behind--) {
      const base = this.slotWord(index);
      const expected = (index + 1) | 0;
      if (Atomics.load(w, base) !== expected) {
        // Not published yet: wait for it, unless the producers are already a whole ring ahead.
        const now = Atomics.load(this.header, Header.write) >>> 0;
        if (((now - index) >>> 0) < this.capacity) break;
        lost++;
        index = (index + 1) >>> 0;
        continue;
      }
      const record = read(base, index);
      if (Atomics.load(w, base) !== expected) lost++;
      else records.push(record);
      index = (index + 1) >>> 0;
    }
    this.readIndex = index;
    return { records, lost };
  }

  /** Forgets everything recorded so far (the consumer skips to the write position). */
  skipAll(): void {
    this.readIndex = Atomics.load(this.header, Header.write) >>> 0;
  }
}

/**
 * A trace over a ring: the switch every record site reads, the capacity, and forgetting what is
 * recorded. The interrupt and hypervisor traces add their record layouts.
 */
export abstract class RingTrace {
  readonly capacity: number;
  protected readonly ring: TraceRing;

  constructor(region: SharedRegion, recordBytes: number, what: string) {
    this.ring = new TraceRing(region, recordBytes, what);
    this.capacity = this.ring.capacity;
  }

  /** The check every record site makes first: one plain read of the shared enable word. */
  get on(): boolean {
    return this.ring.on;
  }

  setEnabled(on: boolean): void {
    this.ring.setEnabled(on);
  }

  /** Forgets everything recorded so far (the consumer skips to the write position). */
  skipAll(): void {
    this.ring.skipAll();
  }
}
