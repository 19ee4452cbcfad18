/**
 * What the i.MX, Cadence and DesignWare UART models share: their state region split into a header
 * (Int32 register words, then the receive and transmit FIFOs' bytes) and the two host rings, and a
 * FIFO over header words and bytes. Not a device: each UART file owns its registers and interrupts.
 * Every FIFO lives in the shared region (count and head words, bytes), so every thread sees one FIFO.
 */
import type { SharedRegion } from '../../bus/types';
import { ByteRing } from '../byte-ring';

export interface UartState {
  readonly words: Int32Array;
  readonly bytes: Uint8Array;
  /** Bytes the guest transmitted; the host drains it. */
  readonly outputRing: ByteRing;
  /** Bytes for the guest; the host fills it and then calls `poll()` under the machine lock. */
  readonly inputRing: ByteRing;
}

/** Shared bytes of a UART with a `headerBytes` header and two host rings of `ringCapacity` bytes. */
export function uartStateBytes(headerBytes: number, ringCapacity: number): number {
  return headerBytes + 2 * ByteRing.stateBytes(ringCapacity);
}

export function uartState(region: SharedRegion, headerBytes: number, kind: string): UartState {
  const ringBytes = (region.byteLength - headerBytes) / 2;
  if (!Number.isInteger(ringBytes) || ringBytes <= 16) throw new Error(`${kind} region of ${region.byteLength} bytes is too small`);
  const ringBase = region.byteOffset + headerBytes;
  return {
    words: new Int32Array(region.buffer, region.byteOffset, headerBytes / 4),
    bytes: new Uint8Array(region.buffer, region.byteOffset, headerBytes),
    outputRing: new ByteRing({ buffer: region.buffer, byteOffset: ringBase, byteLength: ringBytes }),
    inputRing: new ByteRing({ buffer: region.buffer, byteOffset: ringBase + ringBytes, byteLength: ringBytes }),
  };
}

/** A FIFO of `capacity` bytes at header byte `byteOffset`, its count and head in header words. */
export class SharedFifo {
  constructor(
    private readonly state: UartState,
    private readonly countWord: number,
    private readonly headWord: number,
    private readonly byteOffset: number,
    readonly capacity: number,
  ) {}

  get count(): number {
    return this.state.words[this.countWord]!;
  }

  /** The oldest byte without taking it (the inspector's view), or 0 when empty. */
  peek(): number {
    return this.count > 0 ? this.state.bytes[this.byteOffset + this.state.words[this.headWord]!]! : 0;
  }

  /** Appends a byte; false (nothing stored) when `limit` bytes are already held. */
  push(byte: number, limit = this.capacity): boolean {
    const w = this.state.words;
    const count = w[this.countWord]!;
    if (count >= Math.min(limit, this.capacity)) return false;
    this.state.bytes[this.byteOffset + ((w[this.headWord]! + count) % this.capacity)] = byte;
    w[this.countWord] = count + 1;
    return true;
  }

  /** Takes the oldest byte, or -1 when empty. */
  pop(): number {
    const w = this.state.words;
    const count = w[this.countWord]!;
    if (count === 0) return -1;
    const head = w[this.headWord]!;
    const byte = this.state.bytes[this.byteOffset + head]!;
    w[this.headWord] = (head + 1) % this.capacity;
    w[this.countWord] = count - 1;
    return byte;
  }

  clear(): void {
    this.state.words[this.countWord] = 0;
    this.state.words[this.headWord] = 0;
  }

  /** Moves bytes to `ring` while it has room; returns how many moved. */
  drainTo(ring: ByteRing): number {
    let moved = 0;
    while (this.count > 0 && ring.free() > 0) {
      ring.push(this.pop());
      moved++;
    }
    return moved;
  }
}
