/**
 * The interrupt timeline's protocol: what the machine's interrupt paths recorded (core/cpu/irq-trace.ts),
 * drained by the host into a bounded history, with each interrupt's steps tied into an episode
 * (raise -> pending -> delivered -> claim -> complete) so that views can show latencies.
 *
 * Times are microseconds of the machine clock (board ticks / timebase), the unit of the Trace Event Format.
 */

export type TimelineEventKind =
  | 'raise'
  | 'lower'
  | 'pending'
  | 'claim'
  | 'complete'
  | 'inject'
  | 'vpending'
  | 'vclaim'
  | 'vcomplete'
  | 'delivered'
  | 'timerDue'
  /** Something the hypervisor did for the zone (its hypervisor trace): see `hv`. */
  | 'hv';

/** The hypervisor trace's kinds of event, for the timeline's filter. */
export type HvCategory = 'hypercall' | 'firmware' | 'mmio' | 'fault' | 'ipi' | 'zone';

export const HV_CATEGORIES: readonly { readonly id: HvCategory; readonly label: string }[] = [
  { id: 'hypercall', label: 'Hypercalls' },
  { id: 'firmware', label: 'SBI / PSCI' },
  { id: 'mmio', label: 'Trapped MMIO' },
  { id: 'fault', label: 'Faults' },
  { id: 'ipi', label: 'IPIs' },
  { id: 'zone', label: 'Zone lifecycle' },
];

/**
 * A row of the timeline: the physical PLIC with its device lines, a zone's vPLIC, one vCPU of a zone, or
 * what the hypervisor did for a zone.
 */
export interface TimelineLane {
  /** "plic", "zone.<id>.vplic", "zone.<id>.vcpu.<index>" or "zone.<id>.hv". */
  readonly id: string;
  readonly label: string;
  readonly zone: number | null;
  readonly hart: number | null;
  readonly vcpu: number | null;
}

export interface TimelineEvent {
  /** Increasing id in drain order (the `since` cursor of timeline.get). */
  readonly id: number;
  readonly kind: TimelineEventKind;
  /** Microseconds of machine time. */
  readonly time: number;
  readonly lane: string;
  /** The source (0 for a trap, whose cause says what it is). */
  readonly irq: number;
  readonly zone: number | null;
  readonly hart: number | null;
  readonly vcpu: number | null;
  /** Interrupt cause of a delivered trap or timer deadline (5 = supervisor timer, 9 = supervisor external, ...). */
  readonly cause?: number;
  readonly causeName?: string;
  /** PLIC context of a claim or completion. */
  readonly context?: number;
  /** The episode this step belongs to. */
  readonly episode?: number;
  /** A hypervisor event: its kind, a short name and the call or access with its arguments and result. */
  readonly hv?: { readonly category: HvCategory; readonly name: string; readonly detail: string };
}

/** One interrupt from its first step to its last; absent steps did not happen (yet) or do not apply. */
export interface TimelineEpisode {
  readonly id: number;
  /** "irq 10", "timer (hart 3)". */
  readonly label: string;
  /** The source id, 0 for a timer. */
  readonly irq: number;
  readonly zone: number | null;
  readonly hart: number | null;
  readonly vcpu: number | null;
  /** Line raised (device), deadline (timer) or injection (virtual IRQ). */
  readonly raise?: number;
  /** Pending at the physical PLIC (or at the vPLIC for a virtual IRQ). */
  readonly pending?: number;
  /** Claimed physically by the hypervisor and injected into the zone's vPLIC (hw IRQs of zones). */
  readonly injected?: number;
  /** The interrupt trap taken on the hart. */
  readonly delivered?: number;
  /** Claimed by the guest. */
  readonly claim?: number;
  /** Completed by the guest. */
  readonly complete?: number;
}

export interface TimelineStatus {
  readonly recording: boolean;
  /** Events held in the history now. */
  readonly events: number;
  /** Events the ring overwrote before the host could drain them, plus those the history dropped. */
  readonly lost: number;
  readonly capacity: number;
}

export interface TimelineSnapshot {
  readonly status: TimelineStatus;
  readonly zones: readonly { readonly id: number; readonly name: string }[];
  readonly lanes: readonly TimelineLane[];
  /** Events with id > since (the newest ones if there are too many for one answer). */
  readonly events: readonly TimelineEvent[];
  /** Episodes that changed since `since` (replace the ones with the same id). */
  readonly episodes: readonly TimelineEpisode[];
  /** Pass as `since` next time. */
  readonly cursor: number;
  /** Machine time now, in microseconds (the right edge of a live view). */
  readonly now: number;
  /** Set when the history was cleared since `since`: drop what you hold. */
  readonly reset: boolean;
}

/** A trace in the Trace Event Format (Chrome tracing / Perfetto): `json` is the file's text. */
export interface TimelineExport {
  readonly fileName: string;
  readonly json: string;
  readonly events: number;
}

export interface TimelineCommands {
  /** `only: 'hv'`: the hypervisor trace's events alone, without the interrupt steps and episodes (the log's Trace view). */
  'timeline.get': { params: { since?: number; only?: 'hv' }; result: TimelineSnapshot };
  'timeline.record': { params: { on: boolean }; result: TimelineStatus };
  'timeline.clear': { params: Record<string, never>; result: TimelineStatus };
  'timeline.export': { params: Record<string, never>; result: TimelineExport };
}

export interface TimelineEvents {
  'timeline.status': TimelineStatus;
}
