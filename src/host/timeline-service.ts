/**
 * The interrupt timeline's service: drains the machine's interrupt trace ring (core/cpu/irq-trace.ts)
 * while recording, resolves each record's zone and vCPU, ties the steps of each interrupt into an
 * episode (raise -> pending -> [hypervisor claim + inject] -> delivered -> claim -> complete), keeps a
 * bounded history and exports it in the Trace Event Format that ui.perfetto.dev and chrome://tracing load.
 */
import type {
  CommandName,
  EventName,
  Events,
  TimelineEpisode,
  TimelineEvent,
  TimelineEventKind,
  TimelineExport,
  TimelineLane,
  TimelineSnapshot,
  TimelineStatus,
} from '../shared/protocol/index';
import { IRQ_EVENT_KIND_NAMES, type IrqTrace, type IrqTraceRecord } from '../core/cpu/irq-trace';
import type { HvTrace, HvTraceRecord } from '../core/hypervisor/hv-trace';
import { describeHvRecord, type HvDescription } from '../core/hypervisor/hv-trace-format';
import { zoneSymbols } from './symbols';
import { decodeZoneConfig } from '../core/hypervisor/zone-config-binary';
import { irqChipsOf } from '../core/hypervisor/irqchips';
import { cpuModel, type InterruptCauses } from '../core/cpu-models';
import type { MachineHost } from './machine-host';

const COMMANDS = new Set<CommandName>(['timeline.get', 'timeline.record', 'timeline.clear', 'timeline.export']);
const DRAIN_MS = 50;
/** Events kept; the oldest go first. */
export const TIMELINE_HISTORY = 200_000;
/** Events in one timeline.get answer at most (the newest). */
const MAX_ANSWER = 50_000;
/** An episode not finished after this long (µs) is left open no longer. */
const EPISODE_TIMEOUT_US = 2_000_000;


/** What the correlator needs to know about the machine; the service answers from MachineHost. */
export interface TimelineMachine {
  readonly timebase: number;
  /** Whether harts run under the hypervisor. */
  readonly zoned: boolean;
  /**
   * Physical claims are the hypervisor's, which then injects into the zone's virtual controller (riscv64's
   * vPLIC); false where the guest acknowledges the physical controller itself (aarch64's GIC).
   */
  readonly hypervisorClaims: boolean;
  /**
   * INTIDs below this are each CPU's own (a GIC's SGIs and PPIs: 32); their episodes are per CPU. 0 where
   * every source is shared (a PLIC).
   */
  readonly privateIrqs: number;
  /** The interrupt causes the board's CPUs record when they take an interrupt (cpu-models.ts). */
  readonly causes: InterruptCauses;
  /** The words of this board: the physical and virtual controllers' names and what a CPU is called. */
  readonly labels: { readonly physical: string; readonly virtual: string; readonly cpu: string };
  zones(): readonly { readonly id: number; readonly name: string; readonly cpus: readonly number[] }[];
  /** Zone that owns a physical source (null: nobody's). */
  ownerOf(irq: number): number | null;
  /** Zone in a zone-table slot index. */
  zoneOfSlot(slot: number): number | null;
  /** The text with `<name+0xoff>` after each `pc 0x...` the zone's symbols name (host/symbols.ts). */
  symbolize?(zone: number, text: string): string;
}

interface MutableEpisode {
  id: number;
  label: string;
  irq: number;
  zone: number | null;
  hart: number | null;
  vcpu: number | null;
  raise?: number;
  pending?: number;
  injected?: number;
  delivered?: number;
  claim?: number;
  complete?: number;
  /** The event id that last changed it. */
  touched: number;
}

/** Records in, events and episodes out: the part of the service that does not need a machine. */
export class TimelineHistory {
  readonly events: TimelineEvent[] = [];
  private readonly episodes = new Map<number, MutableEpisode>();
  private nextEvent = 1;
  private nextEpisode = 1;
  /** The event id below which everything was cleared (a reset for clients that hold older ones). */
  private clearedAt = 0;
  lost = 0;
  /** Open episodes: "p:<irq>" at the physical PLIC, "v:<zone>:<irq>" at a vPLIC. */
  private readonly open = new Map<string, MutableEpisode>();
  /** Per hart: the episode of the timer deadline recorded just before its delivery. */
  private readonly timerDue = new Map<number, MutableEpisode>();
  /** Per physical source: the last episode the hypervisor completed at the vPLIC (its physical completion follows). */
  private readonly lastClosed = new Map<number, MutableEpisode>();
  private readonly lanes = new Map<string, TimelineLane>();

  constructor(
    private readonly machine: TimelineMachine,
    private readonly limit = TIMELINE_HISTORY,
  ) {}

  get cursor(): number {
    return this.nextEvent - 1;
  }

  toMicros(ticks: number): number {
    return (ticks * 1e6) / this.machine.timebase;
  }

  clear(): void {
    this.events.length = 0;
    this.episodes.clear();
    this.open.clear();
    this.timerDue.clear();
    this.lastClosed.clear();
    this.lost = 0;
    // Skip one id so that every cursor handed out before the clear is below clearedAt (a reset).
    this.clearedAt = this.nextEvent++;
  }

  add(records: readonly IrqTraceRecord[]): void {
    if (records.length === 0) return;
    const zones = this.machine.zones();
    const zoneOfHart = new Map<number, { zone: number; vcpu: number }>();
    for (const z of zones) z.cpus.forEach((hart, vcpu) => zoneOfHart.set(hart, { zone: z.id, vcpu }));
    const vcpuOf = (zone: number | null, hart: number): number | null => {
      if (zone === null) return null;
      const cpus = zones.find((z) => z.id === zone)?.cpus;
      const index = cpus ? cpus.indexOf(hart) : -1;
      return index >= 0 ? index : null;
    };
    for (const r of records) {
      const kind = IRQ_EVENT_KIND_NAMES[r.kind];
      if (!kind) continue;
      const time = this.toMicros(r.time);
      const hart = r.hart >= 0 ? r.hart : null;
      let zone: number | null = r.zone >= 0 ? r.zone : null;
      let cause: number | undefined;
      let context: number | undefined;
      if (kind === 'delivered' || kind === 'timerDue') {
        cause = r.extra & 0xff;
        const slot = (r.extra >> 8) & 0xff;
        zone = slot > 0 ? this.machine.zoneOfSlot(slot - 1) : (zoneOfHart.get(r.hart)?.zone ?? (this.machine.zoned ? null : 0));
      } else if (kind === 'claim' || kind === 'complete' || kind === 'vclaim' || kind === 'vcomplete') {
        context = r.extra;
      }
      if (zone === null && (kind === 'raise' || kind === 'lower' || kind === 'pending' || kind === 'claim' || kind === 'complete')) {
        zone = this.machine.ownerOf(r.irq) ?? (this.machine.zoned ? null : 0);
      }
      // An interrupt file's events (an IMSIC's) name the hart, not the zone: the zone running there.
      if (zone === null && hart !== null && (kind === 'vpending' || kind === 'vclaim')) zone = zoneOfHart.get(hart)?.zone ?? null;
      const vcpu = hart !== null ? vcpuOf(zone, hart) : null;
      const lane = this.laneOf(kind, zone, hart, vcpu);
      const id = this.nextEvent++;
      const episode = this.correlate(kind, id, time, r.irq, zone, hart, vcpu, cause);
      this.events.push({
        id,
        kind,
        time,
        lane,
        irq: r.irq,
        zone,
        hart,
        vcpu,
        ...(cause !== undefined ? { cause, causeName: this.machine.causes.names[cause] ?? `interrupt ${cause}` } : {}),
        ...(context !== undefined ? { context } : {}),
        ...(episode ? { episode: episode.id } : {}),
      });
    }
    this.trim(this.toMicros(latest(records)));
  }

  private withSymbols(zone: number | null, hv: HvDescription): HvDescription {
    return zone === null || !this.machine.symbolize ? hv : { ...hv, detail: this.machine.symbolize(zone, hv.detail) };
  }

  /** What the hypervisor did (hv-trace.ts records): one lane per zone, each event with its vCPU. */
  addHypervisor(records: readonly HvTraceRecord[]): void {
    if (records.length === 0) return;
    const zones = this.machine.zones();
    for (const r of records) {
      const zone = r.zone >= 0 ? r.zone : null;
      const hart = r.cpu >= 0 ? r.cpu : null;
      const index = zone !== null && hart !== null ? (zones.find((z) => z.id === zone)?.cpus.indexOf(hart) ?? -1) : -1;
      const vcpu = index >= 0 ? index : null;
      const lane = zone !== null ? this.hypervisorLane(zone) : { id: 'hv', label: 'hypervisor', zone: null, hart: null, vcpu: null };
      if (!this.lanes.has(lane.id)) this.lanes.set(lane.id, lane);
      this.events.push({ id: this.nextEvent++, kind: 'hv', time: this.toMicros(r.time), lane: lane.id, irq: 0, zone, hart, vcpu, hv: this.withSymbols(zone, describeHvRecord(r)) });
    }
    let max = 0;
    for (const r of records) if (r.time > max) max = r.time;
    this.trim(this.toMicros(max));
  }

  private hypervisorLane(zone: number): TimelineLane {
    return { id: `zone.${zone}.hv`, label: 'hypervisor', zone, hart: null, vcpu: null };
  }

  private laneOf(kind: TimelineEventKind, zone: number | null, hart: number | null, vcpu: number | null): string {
    const physical = kind === 'raise' || kind === 'lower' || kind === 'pending' || kind === 'claim' || kind === 'complete';
    let lane: TimelineLane;
    const words = this.machine.labels;
    if (physical && this.machine.hypervisorClaims) lane = this.physicalLane();
    else if (hart !== null && zone !== null && (!physical || kind === 'claim' || kind === 'complete')) {
      lane = { id: `zone.${zone}.vcpu.${vcpu ?? `h${hart}`}`, label: `vCPU ${vcpu ?? '?'} (${words.cpu} ${hart})`, zone, hart, vcpu };
    } else if (physical) lane = this.physicalLane();
    else if (zone !== null) lane = { id: `zone.${zone}.vplic`, label: words.virtual, zone, hart: null, vcpu: null };
    else lane = { id: `hart.${hart ?? '?'}`, label: `${words.cpu} ${hart ?? '?'} (no zone)`, zone: null, hart, vcpu: null };
    if (!this.lanes.has(lane.id)) this.lanes.set(lane.id, lane);
    return lane.id;
  }

  /** The lane of the devices' lines and the physical controller (id 'plic' whatever the controller). */
  private physicalLane(): TimelineLane {
    return { id: 'plic', label: `Devices / ${this.machine.labels.physical}`, zone: null, hart: null, vcpu: null };
  }

  private newEpisode(id: number, label: string, irq: number, zone: number | null, hart: number | null, vcpu: number | null): MutableEpisode {
    const episode: MutableEpisode = { id: this.nextEpisode++, label, irq, zone, hart, vcpu, touched: id };
    this.episodes.set(episode.id, episode);
    return episode;
  }

  private correlate(
    kind: TimelineEventKind,
    id: number,
    time: number,
    irq: number,
    zone: number | null,
    hart: number | null,
    vcpu: number | null,
    cause: number | undefined,
  ): MutableEpisode | undefined {
    // A CPU's own interrupts (GIC SGIs and PPIs) make one episode per CPU.
    const physicalKey = irq < this.machine.privateIrqs && hart !== null ? `p:${irq}:${hart}` : `p:${irq}`;
    const virtualKey = `v:${zone}:${irq}`;
    const touch = (episode: MutableEpisode | undefined): MutableEpisode | undefined => {
      if (episode) episode.touched = id;
      return episode;
    };
    const fresh = (key: string): MutableEpisode => {
      const episode = this.newEpisode(id, `irq ${irq}`, irq, zone, hart, vcpu);
      this.open.set(key, episode);
      return episode;
    };
    switch (kind) {
      case 'raise': {
        const episode = fresh(physicalKey);
        episode.raise = time;
        return episode;
      }
      case 'lower':
        return touch(this.open.get(physicalKey));
      case 'pending': {
        const current = this.open.get(physicalKey);
        const episode = current && current.pending === undefined ? current : fresh(physicalKey);
        episode.pending = time;
        return touch(episode);
      }
      case 'claim': {
        const episode = this.open.get(physicalKey);
        if (!episode) return undefined;
        if (this.machine.hypervisorClaims) {
          // The hypervisor claims, then injects into the owner's vPLIC: the episode moves there.
          episode.injected = time;
          this.open.delete(physicalKey);
          this.open.set(`v:${episode.zone}:${irq}`, episode);
        } else {
          episode.claim = time;
          if (hart !== null) Object.assign(episode, { hart, vcpu });
        }
        return touch(episode);
      }
      case 'complete': {
        if (this.machine.hypervisorClaims) return touch(this.lastClosed.get(irq));
        const episode = this.open.get(physicalKey);
        if (!episode) return undefined;
        episode.complete = time;
        this.open.delete(physicalKey);
        return touch(episode);
      }
      case 'inject': {
        // A hw injection continues the physical episode (moved at its claim); a virtual one starts here.
        const current = this.open.get(virtualKey);
        if (current && current.delivered === undefined) return touch(current);
        const episode = fresh(virtualKey);
        episode.raise = time;
        return episode;
      }
      case 'vpending': {
        const episode = this.open.get(virtualKey);
        if (episode && episode.pending === undefined) episode.pending = time;
        return touch(episode);
      }
      case 'timerDue': {
        const episode = this.newEpisode(id, `timer (${this.machine.labels.cpu} ${hart})`, 0, zone, hart, vcpu);
        episode.raise = time;
        if (hart !== null) this.timerDue.set(hart, episode);
        return episode;
      }
      case 'delivered': {
        const causes = this.machine.causes;
        if (cause !== undefined && causes.timer.includes(cause)) {
          const episode = hart !== null ? this.timerDue.get(hart) : undefined;
          if (!episode) return undefined;
          this.timerDue.delete(hart!);
          episode.delivered = time;
          return touch(episode);
        }
        if (cause === undefined || !causes.external.includes(cause)) return undefined;
        // An external interrupt trap serves whatever the hart's zone had pending and not yet delivered: on a
        // controller the guest acknowledges itself, that CPU's own interrupts and its zone's shared ones
        // not yet acknowledged.
        let first: MutableEpisode | undefined;
        for (const episode of this.open.values()) {
          if (episode.delivered !== undefined || episode.pending === undefined) continue;
          if (this.machine.hypervisorClaims) {
            if (episode.zone !== zone) continue;
            if (episode.injected === undefined && episode.irq !== 0 && this.isHwEpisode(episode)) continue;
          } else {
            if (episode.claim !== undefined) continue;
            if (episode.irq < this.machine.privateIrqs ? episode.hart !== hart : episode.zone !== zone) continue;
          }
          episode.delivered = time;
          episode.hart = hart;
          episode.vcpu = vcpu;
          episode.touched = id;
          first ??= episode;
        }
        return first;
      }
      case 'vclaim': {
        const episode = this.open.get(virtualKey);
        if (!episode) return undefined;
        episode.claim = time;
        if (hart !== null) Object.assign(episode, { hart, vcpu });
        return touch(episode);
      }
      case 'vcomplete': {
        const episode = this.open.get(virtualKey);
        if (!episode) return undefined;
        episode.complete = time;
        this.open.delete(virtualKey);
        this.lastClosed.set(irq, episode);
        return touch(episode);
      }
    }
  }

  /** A physical episode not yet injected stays at the PLIC: a trap on the hart cannot be its delivery. */
  private isHwEpisode(episode: MutableEpisode): boolean {
    return this.open.get(`p:${episode.irq}`) === episode;
  }

  private trim(now: number): void {
    for (const [key, episode] of this.open) {
      const last = episode.claim ?? episode.delivered ?? episode.injected ?? episode.pending ?? episode.raise ?? now;
      if (now - last > EPISODE_TIMEOUT_US) this.open.delete(key);
    }
    const excess = this.events.length - this.limit;
    if (excess <= 0) return;
    this.events.splice(0, excess);
    this.lost += excess;
    const firstId = this.events[0]?.id ?? 0;
    for (const [id, episode] of this.episodes) if (episode.touched < firstId) this.episodes.delete(id);
  }

  snapshot(since: number | undefined, status: TimelineStatus, now: number, only?: 'hv'): TimelineSnapshot {
    const reset = since !== undefined && since < this.clearedAt;
    const from = since === undefined || reset ? 0 : since;
    let start = lowerBound(this.events, from);
    let events: TimelineEvent[];
    if (only === 'hv') {
      // The hypervisor's events are a small part of a busy recording (zoneR's 1 kHz timer alone is thousands
      // of interrupt steps a second): filter, then bound the answer.
      events = [];
      for (let i = start; i < this.events.length; i++) if (this.events[i]!.kind === 'hv') events.push(this.events[i]!);
      if (events.length > MAX_ANSWER) events = events.slice(events.length - MAX_ANSWER);
    } else {
      if (this.events.length - start > MAX_ANSWER) start = this.events.length - MAX_ANSWER;
      events = this.events.slice(start);
    }
    const episodes = only === 'hv' ? [] : [...this.episodes.values()].filter((e) => e.touched > from).map(publicEpisode);
    const zones = this.machine.zones().map((z) => ({ id: z.id, name: z.name }));
    return { status, zones, lanes: this.laneList(), events, episodes, cursor: this.cursor, now, reset: since === undefined ? true : reset };
  }

  allEpisodes(): TimelineEpisode[] {
    return [...this.episodes.values()].map(publicEpisode);
  }

  /** The physical controller first, then each zone's virtual controller and vCPUs (every vCPU of a live zone, even without events). */
  laneList(): TimelineLane[] {
    const lanes = new Map(this.lanes);
    const words = this.machine.labels;
    const ordered: TimelineLane[] = [this.physicalLane()];
    for (const zone of this.machine.zones()) {
      ordered.push(lanes.get(`zone.${zone.id}.vplic`) ?? { id: `zone.${zone.id}.vplic`, label: words.virtual, zone: zone.id, hart: null, vcpu: null });
      zone.cpus.forEach((hart, vcpu) => ordered.push({ id: `zone.${zone.id}.vcpu.${vcpu}`, label: `vCPU ${vcpu} (${words.cpu} ${hart})`, zone: zone.id, hart, vcpu }));
      if (this.machine.zoned) ordered.push(this.hypervisorLane(zone.id));
    }
    const seen = new Set(ordered.map((l) => l.id));
    for (const lane of lanes.values()) if (!seen.has(lane.id)) ordered.push(lane);
    return ordered;
  }
}

function latest(records: readonly IrqTraceRecord[]): number {
  let max = 0;
  for (const r of records) if (r.time > max) max = r.time;
  return max;
}

function publicEpisode(e: MutableEpisode): TimelineEpisode {
  const { touched: _touched, ...rest } = e;
  return rest;
}

function lowerBound(events: readonly TimelineEvent[], afterId: number): number {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (events[mid]!.id <= afterId) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// -------------------------------------------------------------------------------------------------
// Trace Event Format export (https://docs.google.com/document/d/1CvAClvFfyA5R-PhYUmn5OOQtYMH4h6I0nSsKchNAySU)

export interface TraceEvent {
  name: string;
  ph: 'X' | 'i' | 'M';
  ts: number;
  pid: number;
  tid: number;
  cat?: string;
  dur?: number;
  s?: 't' | 'p' | 'g';
  args?: Record<string, unknown>;
}

export interface TraceFile {
  traceEvents: TraceEvent[];
  displayTimeUnit: 'ms' | 'ns';
  otherData?: Record<string, unknown>;
}

/** Process of the physical PLIC and its devices; zones are processes zone id + 1. */
const DEVICES_PID = 1000;

/**
 * The history as a Trace Event Format file: one process per zone (plus one for the devices and the
 * physical PLIC), one thread per lane; every event an instant, every episode's raise -> delivery and
 * claim -> complete a complete ("X") event. Complete events of one thread must nest, so each span
 * kind gets its own threads, and spans that overlap without nesting move to an extra thread.
 */
export function toTraceEvents(
  events: readonly TimelineEvent[],
  episodes: readonly TimelineEpisode[],
  lanes: readonly TimelineLane[],
  zones: readonly { readonly id: number; readonly name: string }[],
  meta: Record<string, unknown> = {},
): TraceFile {
  const out: TraceEvent[] = [];
  const pidOf = (zone: number | null): number => (zone === null ? DEVICES_PID : zone + 1);
  const threads = new Map<string, { pid: number; tid: number }>();
  let nextTid = 1;
  const thread = (key: string, zone: number | null, name: string, sort: number): { pid: number; tid: number } => {
    let t = threads.get(key);
    if (!t) {
      t = { pid: pidOf(zone), tid: nextTid++ };
      threads.set(key, t);
      out.push({ name: 'thread_name', ph: 'M', ts: 0, pid: t.pid, tid: t.tid, args: { name } });
      out.push({ name: 'thread_sort_index', ph: 'M', ts: 0, pid: t.pid, tid: t.tid, args: { sort_index: sort } });
    }
    return t;
  };
  out.push({ name: 'process_name', ph: 'M', ts: 0, pid: DEVICES_PID, tid: 0, args: { name: 'Devices / physical PLIC' } });
  out.push({ name: 'process_sort_index', ph: 'M', ts: 0, pid: DEVICES_PID, tid: 0, args: { sort_index: -1 } });
  for (const zone of zones) {
    out.push({ name: 'process_name', ph: 'M', ts: 0, pid: pidOf(zone.id), tid: 0, args: { name: `zone ${zone.id} (${zone.name})` } });
    out.push({ name: 'process_sort_index', ph: 'M', ts: 0, pid: pidOf(zone.id), tid: 0, args: { sort_index: zone.id } });
  }
  const laneById = new Map(lanes.map((l, i) => [l.id, { lane: l, sort: i }]));
  for (const e of events) {
    const info = laneById.get(e.lane);
    const t = thread(`lane:${e.lane}`, info ? info.lane.zone : e.zone, info?.lane.label ?? e.lane, info?.sort ?? 999);
    if (e.hv) {
      out.push({ name: e.hv.name, cat: `hypervisor,${e.hv.category}`, ph: 'i', s: 't', ts: round(e.time), pid: t.pid, tid: t.tid, args: { detail: e.hv.detail, zone: e.zone, cpu: e.hart, vcpu: e.vcpu } });
      continue;
    }
    const args: Record<string, unknown> = { irq: e.irq, zone: e.zone, hart: e.hart, vcpu: e.vcpu };
    if (e.cause !== undefined) args.cause = `${e.cause} (${e.causeName})`;
    if (e.context !== undefined) args.context = e.context;
    if (e.episode !== undefined) args.episode = e.episode;
    out.push({ name: eventName(e), cat: 'irq', ph: 'i', s: 't', ts: round(e.time), pid: t.pid, tid: t.tid, args });
  }
  // Span threads: per (zone, span kind, label), each split into non-overlapping rows.
  const rows = new Map<string, number[]>();
  const span = (episode: TimelineEpisode, what: string, from: number | undefined, to: number | undefined): void => {
    if (from === undefined || to === undefined || to < from) return;
    const key = `${episode.zone}:${what}:${episode.label}`;
    const ends = rows.get(key) ?? [];
    rows.set(key, ends);
    let row = ends.findIndex((end) => end <= from);
    if (row < 0) row = ends.push(0) - 1;
    ends[row] = to;
    const t = thread(`span:${key}:${row}`, episode.zone, `${episode.label} ${what}${row > 0 ? ` #${row + 1}` : ''}`, 500 + row);
    out.push({
      name: `${episode.label} ${what}`,
      cat: 'irq-latency',
      ph: 'X',
      ts: round(from),
      dur: round(to - from),
      pid: t.pid,
      tid: t.tid,
      args: { episode: episode.id, irq: episode.irq, zone: episode.zone, hart: episode.hart, vcpu: episode.vcpu, latency_us: round(to - from) },
    });
  };
  for (const episode of [...episodes].sort((a, b) => (a.raise ?? a.claim ?? 0) - (b.raise ?? b.claim ?? 0))) {
    span(episode, 'raise→delivery', episode.raise, episode.delivered);
    span(episode, 'claim→complete', episode.claim, episode.complete);
  }
  return { traceEvents: out, displayTimeUnit: 'ns', otherData: { producer: 'hvisor-workbench interrupt timeline', ...meta } };
}

function eventName(e: TimelineEvent): string {
  switch (e.kind) {
    case 'delivered': return `delivered: ${e.causeName ?? 'interrupt'}`;
    case 'timerDue': return `timer due (${e.causeName ?? 'timer'})`;
    default: return `${e.kind} irq ${e.irq}`;
  }
}

function round(us: number): number {
  return Math.round(us * 1000) / 1000;
}

// -------------------------------------------------------------------------------------------------

export type TimelineEmit = <E extends EventName>(event: E, payload: Events[E]) => void;

export class TimelineService {
  private readonly trace: IrqTrace | undefined;
  /** The hypervisor trace records with the interrupt trace (one switch for both). */
  private readonly hvTrace: HvTrace | undefined;
  readonly history: TimelineHistory;
  private timer: ReturnType<typeof setInterval> | undefined;
  private owners: { key: string; map: Map<number, number> } | undefined;

  constructor(
    private readonly host: MachineHost,
    private readonly emit: TimelineEmit,
  ) {
    this.trace = host.view.irqTrace;
    this.hvTrace = host.zoned ? host.view.hvTrace : undefined;
    const machine: TimelineMachine = {
      timebase: host.loaded.board.timebaseFrequency,
      zoned: host.zoned,
      hypervisorClaims: host.zoned && irqChipsOf(host.loaded.board.arch).hypervisorClaims,
      privateIrqs: irqChipsOf(host.loaded.board.arch).privateIrqs,
      causes: cpuModel(host.loaded.board.arch).interruptCauses,
      labels: {
        physical: host.runtime?.physicalIrqChip?.name ?? 'interrupt controller',
        virtual: host.runtime?.physicalIrqChip ? `v${host.runtime.physicalIrqChip.name}` : 'virtual controller',
        cpu: cpuModel(host.loaded.board.arch).cpuNoun,
      },
      zones: () => host.zoneStatuses().filter((z) => z.state !== 'stopped').map((z) => ({ id: z.id, name: z.name, cpus: z.cpus })),
      ownerOf: (irq) => this.ownerMap().get(irq) ?? null,
      zoneOfSlot: (slot) => {
        const s = host.runtime?.table.slots[slot];
        return s && s.cpus !== 0 ? s.zoneId : null;
      },
      symbolize: (zone, text) => zoneSymbols(host).annotate(zone, text),
    };
    this.history = new TimelineHistory(machine);
    // A machine reset builds a new service over fresh memory: stay in step with the ring's switch.
    if (this.trace?.on) this.startDrain();
  }

  handles(command: string): boolean {
    return COMMANDS.has(command as CommandName);
  }

  get recording(): boolean {
    return this.trace?.on ?? false;
  }

  async invoke(command: CommandName, params: unknown): Promise<unknown> {
    switch (command) {
      case 'timeline.get':
        this.drain();
      {
        const { since, only } = (params ?? {}) as { since?: number; only?: 'hv' };
        return this.history.snapshot(since, this.status(), this.nowMicros(), only);
      }
      case 'timeline.record':
        return this.record((params as { on: boolean }).on);
      case 'timeline.clear':
        this.drain();
        this.history.clear();
        return this.publish();
      case 'timeline.export':
        return this.exportTrace();
      default:
        throw new Error(`unknown command ${command}`);
    }
  }

  record(on: boolean): TimelineStatus {
    if (!this.trace) throw new Error('this machine has no interrupt trace ring');
    if (on && !this.trace.on) {
      this.trace.skipAll();
      this.hvTrace?.skipAll();
      this.trace.setEnabled(true);
      this.hvTrace?.setEnabled(true);
      this.startDrain();
    } else if (!on && this.trace.on) {
      this.trace.setEnabled(false);
      this.hvTrace?.setEnabled(false);
      this.stopDrain();
      this.take();
    }
    return this.publish();
  }

  exportTrace(): TimelineExport {
    this.drain();
    const file = toTraceEvents(this.history.events, this.history.allEpisodes(), this.history.laneList(), this.history.snapshot(0, this.status(), 0).zones, {
      layout: this.host.loaded.layout.name,
      board: this.host.loaded.board.name,
      timebase: this.host.loaded.board.timebaseFrequency,
    });
    const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
    return { fileName: `irq-timeline-${this.host.loaded.layout.name}-${stamp}.json`, json: JSON.stringify(file), events: this.history.events.length };
  }

  status(): TimelineStatus {
    return { recording: this.recording, events: this.history.events.length, lost: this.history.lost, capacity: this.trace?.capacity ?? 0 };
  }

  /**
   * Moves everything the ring holds into the history while recording. Once recording stopped (record
   * took what was there), what a CPU that saw it on just before wrote after it is dropped: a stopped
   * timeline does not grow (the suite caught one such record on a busy machine).
   */
  drain(): void {
    if (!this.trace) return;
    if (!this.trace.on) {
      this.trace.skipAll();
      this.hvTrace?.skipAll();
      return;
    }
    this.take();
  }

  /** Moves everything the ring holds into the history. */
  private take(): void {
    if (!this.trace) return;
    const { records, lost } = this.trace.drain();
    this.history.lost += lost;
    this.history.add(records);
    if (this.hvTrace) {
      const hv = this.hvTrace.drain();
      this.history.lost += hv.lost;
      this.history.addHypervisor(hv.records);
    }
  }

  private nowMicros(): number {
    return this.history.toMicros(this.host.view.clock.now());
  }

  private publish(): TimelineStatus {
    const status = this.status();
    this.emit('timeline.status', status);
    return status;
  }

  private startDrain(): void {
    this.stopDrain();
    this.timer = setInterval(() => this.drain(), DRAIN_MS);
  }

  private stopDrain(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Physical sources by owning zone, recomputed when the set of live zones changes. */
  private ownerMap(): Map<number, number> {
    const runtime = this.host.runtime;
    if (!runtime) return new Map();
    const live = [...runtime.table.live()];
    const key = live.map((s) => `${s.index}.${s.generation}`).join(',');
    if (this.owners?.key === key) return this.owners.map;
    const map = new Map<number, number>();
    for (const slot of live.sort((a, b) => a.zoneId - b.zoneId)) {
      for (const irq of decodeZoneConfig(slot.config(), `zone slot ${slot.index}`, runtime.view.plan.board.arch).interrupts) if (!map.has(irq)) map.set(irq, slot.zoneId);
    }
    this.owners = { key, map };
    return map;
  }

  dispose(): void {
    this.stopDrain();
    // Recording stays as it was: the ring belongs to the machine; a new service picks it up.
  }
}
