/**
 * A single-producer, single-consumer byte ring in shared memory, used between a device (one side,
 * under the machine lock) and the host (the other side, on its own thread). It is lock-free: each
 * side owns one index and publishes it with Atomics, so the byte stores made before publishing are
 * visible to the other side once it sees the new index.
 *
 * Layout (little-endian words): [0] write count, [1] read count, [2] bytes dropped because the ring
 * was full, [3] reserved; the data follows at byte 16. The counts run freely (modulo 2^32), so
 * "full" and "empty" never need a spare slot. The capacity is a power of two, taken from the region
 * size, so a zero-filled region is an empty ring.
 */
import type { SharedRegion } from '../bus/types';

const HEADER_BYTES = 16;
const WRITE_INDEX = 0;
const READ_INDEX = 1;
const DROPPED_INDEX = 2;

export class ByteRing {
  /** Index of the write count in `words`: the consumer may `Atomics.waitAsync` on it. */
  static readonly writeIndexWord = WRITE_INDEX;

  readonly capacity: number;
  readonly words: Int32Array;
  private readonly data: Uint8Array;
  private readonly mask: number;

  /** Shared bytes needed for a ring of `capacity` bytes (a power of two). */
  static stateBytes(capacity: number): number {
    if (capacity < 1 || (capacity & (capacity - 1)) !== 0) throw new Error(`ring capacity ${capacity} is not a power of two`);
    return HEADER_BYTES + capacity;
  }

  constructor(region: SharedRegion) {
    const capacity = region.byteLength - HEADER_BYTES;
    if (capacity < 1 || (capacity & (capacity - 1)) !== 0) {
      throw new Error(`byte ring region of ${region.byteLength} bytes does not hold a power-of-two ring`);
    }
    if (region.byteOffset % 4 !== 0) throw new Error('byte ring region must be 4-byte aligned');
    this.capacity = capacity;
    this.mask = capacity - 1;
    this.words = new Int32Array(region.buffer, region.byteOffset, HEADER_BYTES / 4);
    this.data = new Uint8Array(region.buffer, region.byteOffset + HEADER_BYTES, capacity);
  }

  /** Bytes waiting to be consumed. */
  available(): number {
    return (Atomics.load(this.words, WRITE_INDEX) - Atomics.load(this.words, READ_INDEX)) >>> 0;
  }

  /** Bytes the producer can still push. */
  free(): number {
    return this.capacity - this.available();
  }

  /** Bytes pushed while the ring was full (counted by the producer, never reset by the consumer). */
  dropped(): number {
    return Atomics.load(this.words, DROPPED_INDEX) >>> 0;
  }

  /** Producer side: appends one byte, or counts it as dropped and returns false when full. */
  push(byte: number): boolean {
    const write = Atomics.load(this.words, WRITE_INDEX);
    const read = Atomics.load(this.words, READ_INDEX);
    if (((write - read) >>> 0) >= this.capacity) {
      Atomics.add(this.words, DROPPED_INDEX, 1);
      return false;
    }
    this.data[write & this.mask] = byte;
    Atomics.store(this.words, WRITE_INDEX, (write + 1) | 0);
    // A consumer sleeping on an empty ring needs a wake-up; later bytes find it awake or busy.
    if (write === read) Atomics.notify(this.words, WRITE_INDEX);
    return true;
  }

  /** Producer side: appends as many bytes as fit and returns how many were taken. */
  pushBytes(bytes: ArrayLike<number>): number {
    let count = 0;
    const write = Atomics.load(this.words, WRITE_INDEX);
    const read = Atomics.load(this.words, READ_INDEX);
    const room = this.capacity - ((write - read) >>> 0);
    while (count < bytes.length && count < room) {
      this.data[(write + count) & this.mask] = bytes[count]! & 0xff;
      count++;
    }
    if (count > 0) {
      Atomics.store(this.words, WRITE_INDEX, (write + count) | 0);
      if (write === read) Atomics.notify(this.words, WRITE_INDEX);
    }
    return count;
  }

  /** Consumer side: the next byte, or -1 when empty. */
  pop(): number {
    const read = Atomics.load(this.words, READ_INDEX);
    if (read === Atomics.load(this.words, WRITE_INDEX)) return -1;
    const byte = this.data[read & this.mask]!;
    Atomics.store(this.words, READ_INDEX, (read + 1) | 0);
    return byte;
  }

  /** Consumer side: the next byte without consuming it, or -1 when empty. */
  peekByte(): number {
    const read = Atomics.load(this.words, READ_INDEX);
    if (read === Atomics.load(this.words, WRITE_INDEX)) return -1;
    return this.data[read & this.mask]!;
  }

  /** Consumer side: takes up to `max` bytes. */
  drain(max = this.capacity): Uint8Array {
    const read = Atomics.load(this.words, READ_INDEX);
    const count = Math.min(max, (Atomics.load(this.words, WRITE_INDEX) - read) >>> 0);
    const out = new Uint8Array(count);
    for (let i = 0; i < count; i++) out[i] = this.data[(read + i) & this.mask]!;
    if (count > 0) Atomics.store(this.words, READ_INDEX, (read + count) | 0);
    return out;
  }

  /** Empties the ring. Only safe while neither side is using it (machine reset). */
  clear(): void {
    Atomics.store(this.words, READ_INDEX, Atomics.load(this.words, WRITE_INDEX));
    Atomics.store(this.words, DROPPED_INDEX, 0);
  }
}
