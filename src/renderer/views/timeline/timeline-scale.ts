/** Pure helpers of the timeline view: time formatting, tick steps, mark styles, latency statistics. */
import type { TimelineEpisode, TimelineEventKind } from '../../../shared/protocol/index';

export function formatMicros(us: number): string {
  const abs = Math.abs(us);
  if (abs >= 1_000_000) return `${(us / 1_000_000).toFixed(3)} s`;
  if (abs >= 1000) return `${(us / 1000).toFixed(abs >= 100_000 ? 1 : 3)} ms`;
  return `${us.toFixed(abs >= 100 ? 0 : 1)} µs`;
}

/** A round tick step (1, 2, 5 × 10^n µs) giving about `count` ticks over `span`. */
export function tickStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * power >= raw) return m * power;
  return 10 * power;
}

export const KIND_LABELS: Record<TimelineEventKind, string> = {
  raise: 'line raised',
  lower: 'line lowered',
  pending: 'pending at PLIC',
  claim: 'claimed (PLIC)',
  complete: 'completed (PLIC)',
  inject: 'injected into vPLIC',
  vpending: 'pending at vPLIC',
  vclaim: 'claimed by guest',
  vcomplete: 'completed by guest',
  delivered: 'delivered (trap)',
  timerDue: 'timer deadline',
  hv: 'hypervisor',
};

/** Marks group into the five steps of an interrupt; each step has one colour. */
export type Step = 'raise' | 'pending' | 'delivered' | 'claim' | 'complete' | 'other';

export function stepOf(kind: TimelineEventKind): Step {
  switch (kind) {
    case 'raise':
    case 'timerDue':
    case 'inject':
      return 'raise';
    case 'pending':
    case 'vpending':
      return 'pending';
    case 'delivered':
      return 'delivered';
    case 'claim':
    case 'vclaim':
      return 'claim';
    case 'complete':
    case 'vcomplete':
      return 'complete';
    default:
      return 'other';
  }
}

export const STEP_LABELS: Record<Step, string> = {
  raise: 'raise / due / inject',
  pending: 'pending',
  delivered: 'delivered',
  claim: 'claim',
  complete: 'complete',
  other: 'line lowered',
};

/** The latencies between an episode's steps, in order, for the hover card. */
export function episodeSteps(e: TimelineEpisode): { label: string; at: number; delta: number | null }[] {
  const steps: { label: string; at: number | undefined }[] = [
    { label: e.irq === 0 ? 'deadline' : 'raise', at: e.raise },
    { label: 'pending', at: e.pending },
    { label: 'hypervisor claim → inject', at: e.injected },
    { label: 'delivered', at: e.delivered },
    { label: 'claim', at: e.claim },
    { label: 'complete', at: e.complete },
  ];
  const out: { label: string; at: number; delta: number | null }[] = [];
  let previous: number | undefined;
  for (const s of steps) {
    if (s.at === undefined) continue;
    out.push({ label: s.label, at: s.at, delta: previous === undefined ? null : s.at - previous });
    previous = s.at;
  }
  return out;
}

export interface LatencyStats {
  readonly label: string;
  readonly count: number;
  readonly min: number;
  readonly median: number;
  readonly p99: number;
  readonly max: number;
  readonly bins: readonly number[];
  readonly binWidth: number;
}

/** Raise -> delivery latency per episode label (IRQ or timer), with a histogram up to the 99th percentile. */
export function latencyByLabel(episodes: readonly TimelineEpisode[], binCount = 24): LatencyStats[] {
  const groups = new Map<string, number[]>();
  for (const e of episodes) {
    if (e.raise === undefined || e.delivered === undefined) continue;
    const list = groups.get(e.label) ?? [];
    list.push(Math.max(0, e.delivered - e.raise));
    groups.set(e.label, list);
  }
  const stats: LatencyStats[] = [];
  for (const [label, values] of groups) {
    values.sort((a, b) => a - b);
    const at = (q: number): number => values[Math.min(values.length - 1, Math.floor(q * values.length))]!;
    const top = Math.max(at(0.99), 1e-3);
    const binWidth = top / binCount;
    const bins = new Array<number>(binCount).fill(0);
    for (const v of values) bins[Math.min(binCount - 1, Math.floor(v / binWidth))]!++;
    stats.push({ label, count: values.length, min: values[0]!, median: at(0.5), p99: at(0.99), max: values[values.length - 1]!, bins, binWidth });
  }
  return stats.sort((a, b) => b.count - a.count);
}
