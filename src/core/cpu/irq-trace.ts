/**
 * The interrupt trace: a ring (trace-ring.ts) of fixed-size records in the machine's shared buffer.
 * Producers are the interrupt paths of every thread (device lines into the physical PLIC, claims and
 * completions, vPLIC injections, traps taken on a hart); the host drains it. Off by default: a record
 * site then costs one plain read of the enable word.
 *
 * Record (32 bytes): word 0 sequence, word 1 kind, words 2-3 timestamp (float64, board ticks),
 * word 4 irq, word 5 zone (-1 unknown), word 6 hart (-1 none), word 7 extra.
 */
import type { Clock, SharedRegion } from '../bus/types';
import { kindNames, RingTrace, TRACE_RING_HEADER_BYTES } from './trace-ring';

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

export const IRQ_EVENT_KIND_NAMES: readonly (IrqEventKindName | undefined)[] = kindNames(IrqEventKind);

export const IRQ_TRACE_HEADER_BYTES = TRACE_RING_HEADER_BYTES;
export const IRQ_TRACE_RECORD_BYTES = 32;
/** Default ring size: 64K records, 2 MiB. */
export const IRQ_TRACE_CAPACITY = 65536;

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

export class IrqTrace extends RingTrace {
  constructor(region: SharedRegion, private readonly clock: Clock) {
    super(region, IRQ_TRACE_RECORD_BYTES, 'irq trace');
  }

  now(): number {
    return this.clock.now();
  }

  /** Appends one record (callers test `on` first). `time` defaults to the machine clock now. */
  record(kind: number, irq: number, zone: number, hart: number, extra: number, time = this.clock.now()): void {
    const ring = this.ring;
    const index = ring.reserve();
    const base = ring.slotWord(index);
    const w = ring.words;
    w[base + 1] = kind;
    ring.floats[(base >> 1) + 1] = time;
    w[base + 4] = irq;
    w[base + 5] = zone;
    w[base + 6] = hart;
    w[base + 7] = extra;
    ring.publish(index);
  }

  /**
   * Every record published since the last drain, in reservation order. Stops early at a slot whose
   * producer has reserved but not yet published it (the next drain resumes there), unless the ring
   * has since wrapped past it.
   */
  drain(): DrainResult {
    const w = this.ring.words;
    const f = this.ring.floats;
    return this.ring.drain((base, seq) => ({
      seq,
      kind: w[base + 1]!,
      time: f[(base >> 1) + 1]!,
      irq: w[base + 4]!,
      zone: w[base + 5]!,
      hart: w[base + 6]!,
      extra: w[base + 7]!,
    }));
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
