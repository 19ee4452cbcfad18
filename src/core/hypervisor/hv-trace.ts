/**
 * The hypervisor trace: what the hypervisor did on behalf of each zone, as the vCPU that trapped
 * recorded it: hypercalls, SBI and PSCI calls with their arguments and results, accesses to trapped
 * windows (the virtual interrupt controller, virtio, IVC control tables) with their values, faults
 * that stopped a zone, IPIs, and zone starts, shutdowns and errors. A ring (cpu/trace-ring.ts) in the
 * machine's shared buffer, drained by the host into the timeline (host/timeline-service.ts) and its
 * Perfetto export. Off unless the timeline records: a record site then costs one plain read.
 *
 * Record (64 bytes): word 0 sequence, word 1 kind (HvEventKind), words 2-3 timestamp (float64, board
 * ticks), word 4 zone id (-1 none), word 5 physical CPU (-1 none), word 6 code, word 7 aux, words
 * 8-15 four 64-bit values a, b, c, d (lo, hi). What code, aux and the values mean, per kind:
 *   hypercall  code = hypercall number, a = arg0, b = arg1, c = result (signed)
 *   sbi        code = EID, aux = FID | (error & 0xffff) << 16, a-c = a0-a2, d = value
 *   psci       code = function id, a-c = x1-x3, d = result (x0)
 *   mmio       code = TrapKind, aux = size | 0x100 for a write, a = guest-physical address, b = value, c = pc
 *   fault      aux = 1 for a write, a = guest address (-1 none), b = pc
 *   ipi        a = target mask or the SGI register's value, b = the interrupt (SGI id; 0 on RISC-V)
 *   zoneStart / zoneStop / zoneError: the zone; a = the calling CPU's zone (stop), b = its CPU mask (start)
 *   dma        a DMA access an IOMMU refused (dma-report.ts): zone = the device's zone, code = BDF, aux = 1
 *              for a write, a = the device's address, b = length
 */
import type { Clock, SharedRegion } from '../bus/types';
import { kindNames, RingTrace, traceRingBytes } from '../cpu/trace-ring';

export const HvEventKind = {
  hypercall: 1,
  sbi: 2,
  psci: 3,
  mmio: 4,
  fault: 5,
  ipi: 6,
  zoneStart: 7,
  zoneStop: 8,
  zoneError: 9,
  dma: 10,
} as const;

export type HvEventKindName = keyof typeof HvEventKind;

export const HV_EVENT_KIND_NAMES: readonly (HvEventKindName | undefined)[] = kindNames(HvEventKind);

/** What a trapped window emulates (TrapRegion.kind), for the trace's mmio records. */
export const TrapKind = { other: 0, irqchip: 1, virtio: 2, ivc: 3 } as const;
export const TRAP_KIND_NAMES = ['trapped window', 'interrupt controller', 'virtio', 'IVC'] as const;

export const HV_TRACE_RECORD_BYTES = 64;
/** Default ring: 32K records, 2 MiB. */
export const HV_TRACE_CAPACITY = 32768;

export function hvTraceBytes(capacity = HV_TRACE_CAPACITY): number {
  return traceRingBytes(capacity, HV_TRACE_RECORD_BYTES);
}

export interface HvTraceRecord {
  readonly seq: number;
  readonly kind: number;
  readonly time: number;
  readonly zone: number;
  readonly cpu: number;
  readonly code: number;
  readonly aux: number;
  readonly a: bigint;
  readonly b: bigint;
  readonly c: bigint;
  readonly d: bigint;
}

export class HvTrace extends RingTrace {
  constructor(region: SharedRegion, private readonly clock: Clock) {
    super(region, HV_TRACE_RECORD_BYTES, 'hypervisor trace');
  }

  /** The machine clock now (board ticks), for a record stamped when its call began. */
  now(): number {
    return this.clock.now();
  }

  /** Appends one record (callers test `on` first), stamped `time` (default: now). */
  record(kind: number, zone: number, cpu: number, code: number, aux: number, a = 0n, b = 0n, c = 0n, d = 0n, time = this.clock.now()): void {
    const ring = this.ring;
    const index = ring.reserve();
    const base = ring.slotWord(index);
    const w = ring.words;
    w[base + 1] = kind;
    ring.floats[(base >> 1) + 1] = time;
    w[base + 4] = zone;
    w[base + 5] = cpu;
    w[base + 6] = code;
    w[base + 7] = aux;
    put(w, base + 8, a);
    put(w, base + 10, b);
    put(w, base + 12, c);
    put(w, base + 14, d);
    ring.publish(index);
  }

  drain(): { readonly records: HvTraceRecord[]; readonly lost: number } {
    const w = this.ring.words;
    const f = this.ring.floats;
    return this.ring.drain((base, seq) => ({
      seq,
      kind: w[base + 1]!,
      time: f[(base >> 1) + 1]!,
      zone: w[base + 4]!,
      cpu: w[base + 5]!,
      code: w[base + 6]!,
      aux: w[base + 7]!,
      a: get(w, base + 8),
      b: get(w, base + 10),
      c: get(w, base + 12),
      d: get(w, base + 14),
    }));
  }

}

function put(w: Int32Array, at: number, value: bigint): void {
  w[at] = Number(BigInt.asIntN(32, value));
  w[at + 1] = Number(BigInt.asIntN(32, value >> 32n));
}

function get(w: Int32Array, at: number): bigint {
  return (BigInt(w[at + 1]! >>> 0) << 32n) | BigInt(w[at]! >>> 0);
}

// The trace of each machine buffer in this thread, found by the hypervisor's paths from any shared
// region they hold (as irq-trace.ts does for the interrupt paths).
const attached = new WeakMap<ArrayBufferLike, HvTrace>();

export function attachHvTrace(buffer: ArrayBufferLike, trace: HvTrace): void {
  attached.set(buffer, trace);
}

export function hvTraceOf(buffer: ArrayBufferLike): HvTrace | undefined {
  return attached.get(buffer);
}
