/**
 * The inspectors: which one the main area shows, the selected zone and hart, their latest state
 * (polled at 4 Hz while visible, and refreshed on zone.stopped events), and what changed so the views
 * can highlight it. Register changes are measured against the previous stop (step, pause, breakpoint),
 * as debuggers do; interrupt-controller cells against the previous poll.
 */
import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import type { HartRegisterState, InterruptControllersState, StopReason, ZoneDebugState } from '../../shared/protocol/index';
import { useConnection, useWorkbench } from '../api/workbench-api';
import { useMachineStore } from './machine';
import { createPolling } from '../composables/polling';

export type InspectView = 'registers' | 'interrupts' | 'timeline';
const POLL_MS = 250;

export interface StopNotice {
  readonly zone: number;
  readonly hart: number;
  readonly reason: StopReason;
  readonly pc: string;
  readonly at: number;
}

/** Every value of a hart that the view shows, by a stable key (x.a0, f.fa0, csr.sstatus, pc, priv). */
function hartValues(hart: HartRegisterState): Map<string, string> {
  const values = new Map<string, string>([['pc', hart.pc], ['priv', hart.privilege]]);
  for (const r of hart.x) values.set(`x.${r.abi}`, r.value);
  for (const r of hart.f) values.set(`f.${r.abi}`, r.value);
  for (const c of hart.csrs) {
    values.set(`csr.${c.name}`, c.value);
    for (const f of c.fields) values.set(`csr.${c.name}.${f.name}`, f.value);
  }
  return values;
}

function controllerValues(state: InterruptControllersState): Map<string, string> {
  const values = new Map<string, string>();
  for (const c of state.controllers) {
    for (const s of c.sources) {
      values.set(`${c.id}.src.${s.id}.priority`, String(s.priority));
      values.set(`${c.id}.src.${s.id}.pending`, String(s.pending));
      values.set(`${c.id}.src.${s.id}.active`, String(s.active));
      values.set(`${c.id}.src.${s.id}.level`, String(s.level));
    }
    for (const x of c.contexts) {
      values.set(`${c.id}.ctx.${x.id}.threshold`, String(x.threshold));
      values.set(`${c.id}.ctx.${x.id}.enables`, x.enables.join(','));
      values.set(`${c.id}.ctx.${x.id}.claim`, String(x.wouldClaim));
    }
  }
  return values;
}

function diff(before: Map<string, string> | undefined, after: Map<string, string>): Set<string> {
  const changed = new Set<string>();
  if (!before) return changed;
  for (const [key, value] of after) if (before.has(key) && before.get(key) !== value) changed.add(key);
  return changed;
}

export const useInspectStore = defineStore('inspect', () => {
  const api = useWorkbench();
  const connection = useConnection();
  const machine = useMachineStore();

  const view = ref<InspectView | null>(null);
  const zone = ref<number | null>(null);
  const hart = ref<number | null>(null);
  const debug = ref<ZoneDebugState | null>(null);
  const controllers = ref<InterruptControllersState | null>(null);
  const error = ref<string | null>(null);
  const busy = ref(false);
  const lastStop = ref<StopNotice | null>(null);

  /** Per hart: values at its previous stop, the latest stop count seen, and the keys that changed. */
  const stopBaseline = new Map<number, { count: number; values: Map<string, string> }>();
  const lastValues = new Map<number, Map<string, string>>();
  const changedRegisters = ref(new Map<number, Set<string>>());
  let lastControllerValues: Map<string, string> | undefined;
  const changedCells = ref(new Set<string>());
  const flashGeneration = ref(0);

  const zones = computed(() => machine.zones.filter((z) => z.harts.length > 0));
  const selectedHart = computed(() => debug.value?.harts.find((h) => h.hart === hart.value) ?? debug.value?.harts[0] ?? null);
  const changed = computed(() => changedRegisters.value.get(selectedHart.value?.hart ?? -1) ?? new Set<string>());

  watch(
    zones,
    (list) => {
      if (zone.value === null || !list.some((z) => z.id === zone.value)) zone.value = list.find((z) => z.id !== 0)?.id ?? list[0]?.id ?? null;
    },
    { immediate: true },
  );
  watch(zone, () => {
    debug.value = null;
    hart.value = null;
    void refresh();
  });

  function applyDebug(state: ZoneDebugState): void {
    if (state.zone !== zone.value) return;
    const next = new Map(changedRegisters.value);
    for (const h of state.harts) {
      const values = hartValues(h);
      const count = h.lastStop?.count ?? 0;
      const baseline = stopBaseline.get(h.hart);
      if (h.held) {
        // Stopped: highlight what the last step (or run up to this stop) changed.
        if (!baseline || baseline.count !== count) {
          next.set(h.hart, diff(baseline?.values ?? lastValues.get(h.hart), values));
          stopBaseline.set(h.hart, { count, values });
        }
      } else {
        next.set(h.hart, diff(lastValues.get(h.hart), values));
        stopBaseline.set(h.hart, { count, values });
      }
      lastValues.set(h.hart, values);
    }
    changedRegisters.value = next;
    debug.value = state;
    if (hart.value === null || !state.harts.some((h) => h.hart === hart.value)) hart.value = state.harts[0]?.hart ?? null;
  }

  function applyControllers(state: InterruptControllersState): void {
    const values = controllerValues(state);
    const changes = diff(lastControllerValues, values);
    lastControllerValues = values;
    if (changes.size > 0) {
      changedCells.value = changes;
      flashGeneration.value++;
    }
    controllers.value = state;
  }

  async function refresh(): Promise<void> {
    if (view.value === null || machine.state === 'idle' || machine.state === 'loading') return;
    try {
      if (view.value === 'registers' && zone.value !== null) applyDebug(await api.invoke('inspect.harts', { zone: zone.value }));
      else if (view.value === 'interrupts') applyControllers(await api.invoke('inspect.plic', {}));
      error.value = null;
    } catch (e) {
      error.value = e instanceof Error ? e.message : String(e);
    }
  }

  const polling = createPolling(refresh, POLL_MS);
  const startPolling = polling.start;
  const stopPolling = polling.stop;

  async function control(action: () => Promise<ZoneDebugState>): Promise<void> {
    if (busy.value) return;
    busy.value = true;
    try {
      applyDebug(await action());
      error.value = null;
    } catch (e) {
      error.value = e instanceof Error ? e.message.replace(/^Error: /, '') : String(e);
    } finally {
      busy.value = false;
    }
  }

  const pause = () => (zone.value === null ? Promise.resolve() : control(() => api.invoke('zone.pause', { zone: zone.value! })));
  const resume = () => (zone.value === null ? Promise.resolve() : control(() => api.invoke('zone.resume', { zone: zone.value! })));
  const step = () =>
    zone.value === null || selectedHart.value === null
      ? Promise.resolve()
      : control(() => api.invoke('zone.step', { zone: zone.value!, hart: selectedHart.value!.hart }));
  const setBreakpoint = (address: string | null) =>
    zone.value === null ? Promise.resolve() : control(() => api.invoke('zone.breakpoint', { zone: zone.value!, address }));

  function open(next: InspectView | null): void {
    view.value = next;
  }

  api.on('zone.stopped', (event) => {
    if (event.reason !== 'pause') lastStop.value = { ...event, at: Date.now() };
    if (event.zone === zone.value) {
      if (event.reason === 'breakpoint') hart.value = event.hart;
      void refresh();
    }
  });
  watch(connection.epoch, () => void refresh());

  return {
    view,
    zone,
    hart,
    zones,
    debug,
    selectedHart,
    changed,
    controllers,
    changedCells,
    flashGeneration,
    error,
    busy,
    lastStop,
    open,
    refresh,
    startPolling,
    stopPolling,
    pause,
    resume,
    step,
    setBreakpoint,
  };
});
