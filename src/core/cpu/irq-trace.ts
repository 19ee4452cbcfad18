/**
 * The interrupt trace: a lock-free multi-producer ring of fixed-size records in the machine's shared
 * buffer. Producers are the interrupt paths of every thread (device lines into the physical PLIC,
 * claims and completions, vPLIC injections, traps taken on a hart); the host drains it.
 *
 * Recording is off by default. With it off, a record site costs one plain read of the enable word.
 * With it on, a producer reserves a slot with Atomics.add on the write counter, fills the record with
 * plain stores and publishes it by storing the slot's sequence number last (Atomics.store, a release).
 * The consumer reads a record only once its sequence number matches, and re-checks the number after
 * reading: a record overwritten meanwhile (the ring wrapped) is counted as lost instead of misread.
 *
 * Region: a 64-byte header (write counter, enable word) then `capacity` records of 32 bytes:
 *   word 0 sequence (reservation index + 1, modulo 2^32), word 1 kind, words 2-3 timestamp (float64,
 *   board ticks), word 4 irq, word 5 zone (-1 unknown), word 6 hart (-1 none), word 7 extra.
 * The counters are modulo 2^32; differences are taken with >>> 0.
 */
import type { Clock, SharedRegion } from '../bus/types';

export const IrqEventKind = {
  /** A device raised its line at the physical PLIC (irq = source). */
  raise: 1,
  /** A device lowered its line. */
  lower: 2,
  /** The physical PLIC's gateway made the source pending. */
  pending: 3,
  /** A physical context claimed the source (hart = context's hart, extra = context). */
  claim: 4,
  /** A physical context completed the source (extra = context). */
  complete: 5,
  /** The hypervisor injected the IRQ into a zone's vPLIC (extra = 1 for hw, 0 for virtual). */
  inject: 6,
  /** The vPLIC made the IRQ pending (it was not already). */
  vpending: 7,
  /** The guest claimed the IRQ from its vPLIC (hart = physical hart of the vcontext). */
  vclaim: 8,
  /** The guest completed the IRQ at its vPLIC. */
  vcomplete: 9,
  /** A hart took an interrupt trap (irq = 0, extra = cause | zone slot + 1 << 8). */
  delivered: 10,
  /** A timer deadline that a delivered timer interrupt answers (timestamp = the deadline; extra = cause). */
  timerDue: 11,
} as const;

export type IrqEventKindName = keyof typeof IrqEventKind;

export const IRQ_EVENT_KIND_NAMES: readonly (IrqEventKindName | undefined)[] = (() => {
  const names: (IrqEventKindName | undefined)[] = [];
  for (const [name, value] of Object.entries(IrqEventKind)) names[value] = name as IrqEventKindName;
  return names;
})();

export const IRQ_TRACE_HEADER_BYTES = 64;
export const IRQ_TRACE_RECORD_BYTES = 32;
/** Default ring size: 64K records, 2 MiB. */
export const IRQ_TRACE_CAPACITY = 65536;

const Header = { write: 0, enabled: 1 } as const;
const RECORD_WORDS = IRQ_TRACE_RECORD_BYTES / 4;

export function irqTraceBytes(capacity = IRQ_TRACE_CAPACITY): number {
  return IRQ_TRACE_HEADER_BYTES + capacity * IRQ_TRACE_RECORD_BYTES;
}

export interface IrqTraceRecord {
  /** Reservation index (modulo 2^32): the order producers reserved their slots in. */
  readonly seq: number;
  readonly kind: number;
  readonly time: number;
  readonly irq: number;
  readonly zone: number;
  readonly hart: number;
  readonly extra: number;
}

export interface DrainResult {
  readonly records: IrqTraceRecord[];
  /** Records overwritten before they could be read. */
  readonly lost: number;
}

export class IrqTrace {
  readonly capacity: number;
  private readonly header: Int32Array;
  private readonly words: Int32Array;
  private readonly times: Float64Array;
  private readonly mask: number;
  /** Consumer position (one consumer per ring: the host). */
  private readIndex: number;

  constructor(region: SharedRegion, private readonly clock: Clock) {
    const capacity = (region.byteLength - IRQ_TRACE_HEADER_BYTES) / IRQ_TRACE_RECORD_BYTES;
    if (!(capacity >= 2) || (capacity & (capacity - 1)) !== 0) throw new Error(`irq trace capacity ${capacity} is not a power of two`);
    this.capacity = capacity;
    this.mask = capacity - 1;
    this.header = new Int32Array(region.buffer, region.byteOffset, IRQ_TRACE_HEADER_BYTES / 4);
    this.words = new Int32Array(region.buffer, region.byteOffset + IRQ_TRACE_HEADER_BYTES, capacity * RECORD_WORDS);
    this.times = new Float64Array(region.buffer, region.byteOffset + IRQ_TRACE_HEADER_BYTES, capacity * (RECORD_WORDS / 2));
    this.readIndex = Atomics.load(this.header, Header.write) >>> 0;
  }

  /** The check every record site makes first: one plain read of the shared enable word. */
  get on(): boolean {
    return this.header[Header.enabled] !== 0;
  }

  setEnabled(on: boolean): void {
    Atomics.store(this.header, Header.enabled, on ? 1 : 0);
  }

  now(): number {
    return this.clock.now();
  }

  /** Appends one record (callers test `on` first). `time` defaults to the machine clock now. */
  record(kind: number, irq: number, zone: number, hart: number, extra: number, time = this.clock.now()): void {
    const index = Atomics.add(this.header, Header.write, 1);
    const slot = index & this.mask;
    const base = slot * RECORD_WORDS;
    const w = this.words;
    // Invalidate first, so that a consumer never pairs the old sequence number with new fields.
    Atomics.store(w, base, 0);
    w[base + 1] = kind;
    this.times[slot * (RECORD_WORDS / 2) + 1] = time;
    w[base + 4] = irq;
    w[base + 5] = zone;
    w[base + 6] = hart;
    w[base + 7] = extra;
    Atomics.store(w, base, (index + 1) | 0);
  }

  /**
   * Every record published since the last drain, in reservation order. Stops early at a slot whose
   * producer has reserved but not yet published it (the next drain resumes there), unless the ring
   * has since wrapped past it.
   */
  drain(): DrainResult {
    const records: IrqTraceRecord[] = [];
    let lost = 0;
    const write = Atomics.load(this.header, Header.write) >>> 0;
    let read = this.readIndex;
    let behind = (write - read) >>> 0;
    if (behind > this.capacity) {
      lost += behind - this.capacity;
      read = (write - this.capacity) >>> 0;
      behind = this.capacity;
    }
    const w = this.words;
    for (; behind > 0; behind--) {
      const slot = read & this.mask;
      const base = slot * RECORD_WORDS;
      const expected = (read + 1) | 0;
      const seq = Atomics.load(w, base);
      if (seq !== expected) {
        // Not published yet: wait for it, unless the producers are already a whole ring ahead.
        const now = Atomics.load(this.header, Header.write) >>> 0;
        if (((now - read) >>> 0) < this.capacity) break;
        lost++;
        read = (read + 1) >>> 0;
        continue;
      }
      const record: IrqTraceRecord = {
        seq: read,
        kind: w[base + 1]!,
        time: this.times[slot * (RECORD_WORDS / 2) + 1]!,
        irq: w[base + 4]!,
        zone: w[base + 5]!,
        hart: w[base + 6]!,
        extra: w[base + 7]!,
      };
      if (Atomics.load(w, base) !== expected) lost++;
      else records.push(record);
      read = (read + 1) >>> 0;
    }
    this.readIndex = read;
    return { records, lost };
  }

  /** Forgets everything recorded so far (the consumer skips to the write position). */
  skipAll(): void {
    this.readIndex = Atomics.load(this.header, Header.write) >>> 0;
  }
}

// The trace of each machine buffer in this thread, so that the interrupt paths (PLIC, vPLIC, harts)
// find it from the shared region they are built over without new constructor parameters.
const attached = new WeakMap<ArrayBufferLike, IrqTrace>();

export function attachIrqTrace(buffer: ArrayBufferLike, trace: IrqTrace): void {
  attached.set(buffer, trace);
}

export function irqTraceOf(buffer: ArrayBufferLike): IrqTrace | undefined {
  return attached.get(buffer);
}
