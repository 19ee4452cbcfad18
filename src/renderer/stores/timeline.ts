/**
 * The interrupt and hypervisor timeline: recording on/off, the events and episodes fetched incrementally
 * (a cursor) at 4 Hz while the view is open, kept bounded, which hypervisor events are shown, and the
 * Perfetto export as a download.
 */
import { defineStore } from 'pinia';
import { computed, ref, shallowRef, watch } from 'vue';
import type { HvCategory, TimelineEpisode, TimelineEvent, TimelineLane, TimelineStatus } from '../../shared/protocol/index';
import { HV_CATEGORIES } from '../../shared/protocol/timeline';
import { useConnection, useWorkbench } from '../api/workbench-api';
import { createPolling } from '../composables/polling';

const POLL_MS = 250;
/** Events kept by the view (the service keeps more; export takes the service's). */
const MAX_EVENTS = 60_000;

const byTime = (a: TimelineEvent, b: TimelineEvent): number => a.time - b.time || a.id - b.id;

/** `base` (in time order) with `batch` merged in by time: the batch is sorted, and only the part of base it overlaps is merged. */
export function mergeByTime(base: readonly TimelineEvent[], batch: readonly TimelineEvent[]): TimelineEvent[] {
  const sorted = [...batch].sort(byTime);
  if (sorted.length === 0) return [...base];
  const first = sorted[0]!.time;
  if (base.length === 0 || base[base.length - 1]!.time <= first) return base.concat(sorted);
  let lo = 0;
  let hi = base.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (base[mid]!.time <= first) lo = mid + 1;
    else hi = mid;
  }
  const out = base.slice(0, lo);
  let i = lo;
  let j = 0;
  while (i < base.length && j < sorted.length) out.push(byTime(base[i]!, sorted[j]!) <= 0 ? base[i++]! : sorted[j++]!);
  while (i < base.length) out.push(base[i++]!);
  while (j < sorted.length) out.push(sorted[j++]!);
  return out;
}

/** Which kinds of hypervisor event the timeline shows (all by default). */
export type HvFilter = Record<HvCategory, boolean>;

export const useTimelineStore = defineStore('timeline', () => {
  const api = useWorkbench();
  const connection = useConnection();

  const status = ref<TimelineStatus>({ recording: false, events: 0, lost: 0, capacity: 0 });
  const zones = shallowRef<readonly { readonly id: number; readonly name: string }[]>([]);
  const lanes = shallowRef<readonly TimelineLane[]>([]);
  const events = shallowRef<TimelineEvent[]>([]);
  const episodes = shallowRef(new Map<number, TimelineEpisode>());
  /** Machine time of the latest answer (µs). */
  const now = ref(0);
  const error = ref<string | null>(null);
  const busy = ref(false);
  let cursor: number | undefined;

  const episodeList = computed(() => [...episodes.value.values()]);
  const hvFilter = ref<HvFilter>(Object.fromEntries(HV_CATEGORIES.map((c) => [c.id, true])) as HvFilter);
  /** The events the view draws: hypervisor events only of the kinds the filter shows. */
  const shownEvents = computed(() => {
    const filter = hvFilter.value;
    if (HV_CATEGORIES.every((c) => filter[c.id])) return events.value;
    return events.value.filter((e) => !e.hv || filter[e.hv.category]);
  });

  /**
   * One answer at a time: two refreshes in flight (the 4 Hz poll, a button's, the stop's) asked with the
   * same cursor and merged the same events twice, and the view's duplicate keys left stale marks behind
   * (a filtered kind stayed drawn). A refresh asked for while one runs is queued once.
   */
  let running: Promise<void> | undefined;
  let queued: Promise<void> | undefined;
  function refresh(): Promise<void> {
    if (queued) return queued;
    if (running) {
      queued = running.then(() => {
        queued = undefined;
        return refresh();
      });
      return queued;
    }
    running = fetchOnce().finally(() => (running = undefined));
    return running;
  }

  async function fetchOnce(): Promise<void> {
    try {
      const snap = await api.invoke('timeline.get', cursor === undefined ? {} : { since: cursor });
      status.value = snap.status;
      zones.value = snap.zones;
      lanes.value = snap.lanes;
      now.value = snap.now;
      const base = snap.reset ? [] : events.value;
      const map = snap.reset ? new Map<number, TimelineEpisode>() : new Map(episodes.value);
      if (snap.events.length > 0 || snap.reset) {
        // The view searches by time: the interrupt and hypervisor traces are drained one after the
        // other, and threads record a little out of order, so order the batch into what is there.
        const merged = mergeByTime(base, snap.events as TimelineEvent[]);
        events.value = merged.length > MAX_EVENTS ? merged.slice(merged.length - MAX_EVENTS) : merged;
      }
      if (snap.episodes.length > 0 || snap.reset) {
        for (const e of snap.episodes) map.set(e.id, e);
        if (map.size > MAX_EVENTS / 2) {
          const oldest = events.value[0]?.time ?? 0;
          for (const [id, e] of map) if ((e.complete ?? e.delivered ?? e.raise ?? 0) < oldest) map.delete(id);
        }
        episodes.value = map;
      }
      cursor = snap.cursor;
      error.value = null;
    } catch (e) {
      error.value = e instanceof Error ? e.message : String(e);
    }
  }

  async function act(action: () => Promise<unknown>): Promise<void> {
    if (busy.value) return;
    busy.value = true;
    try {
      await action();
      await refresh();
    } catch (e) {
      error.value = e instanceof Error ? e.message.replace(/^Error: /, '') : String(e);
    } finally {
      busy.value = false;
    }
  }

  const setRecording = (on: boolean) => act(async () => (status.value = await api.invoke('timeline.record', { on })));
  const clear = () => act(async () => (status.value = await api.invoke('timeline.clear', {})));

  /** Asks the service for the Perfetto JSON and saves it through the browser's download. */
  async function exportTrace(): Promise<string | null> {
    try {
      const file = await api.invoke('timeline.export', {});
      const url = URL.createObjectURL(new Blob([file.json], { type: 'application/json' }));
      const link = document.createElement('a');
      link.href = url;
      link.download = file.fileName;
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      return file.fileName;
    } catch (e) {
      error.value = e instanceof Error ? e.message : String(e);
      return null;
    }
  }

  // Counted: the timeline view and the hypervisor log's trace both poll, and one closing must not stop
  // the other's updates.
  const polling = createPolling(refresh, POLL_MS);
  let pollers = 0;
  function startPolling(): void {
    if (pollers++ === 0) polling.start();
  }
  function stopPolling(): void {
    if (pollers === 0) return;
    if (--pollers === 0) polling.stop();
  }

  api.on('timeline.status', (next) => (status.value = next));
  // A new connection (or a machine reset) may have a new history: start over.
  watch(connection.epoch, () => {
    cursor = undefined;
    void refresh();
  });

  return { status, zones, lanes, events, shownEvents, hvFilter, episodes, episodeList, now, error, busy, refresh, setRecording, clear, exportTrace, startPolling, stopPolling };
});
