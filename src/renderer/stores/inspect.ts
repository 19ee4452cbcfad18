/**
 * The inspectors: which one the main area shows, the selected zone and CPU, their latest state
 * (polled at 4 Hz while visible, and refreshed on zone.stopped events), and what changed so the views
 * can highlight it. Register changes are measured against the previous stop (step, pause, breakpoint),
 * as debuggers do; interrupt-controller cells against the previous poll.
 */
import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import type { CpuRegisterState, DebugPointKind, GdbStubInfo, InterruptControllersState, StopReason, ZoneDebugState } from '../../shared/protocol/index';
import { useConnection, useWorkbench } from '../api/workbench-api';
import { useMachineStore } from './machine';
import { createPolling } from '../composables/polling';

export type InspectView = 'registers' | 'interrupts' | 'pci' | 'timeline' | 'memory' | 'display';
const POLL_MS = 250;

export interface StopNotice {
  readonly zone: number;
  readonly cpu: number;
  readonly reason: StopReason;
  readonly pc: string;
  readonly at: number;
}

/** Every value of a CPU that the view shows, by a stable key (pc, level, reg.<group>.<name>[.<field>]). */
export function cpuValues(cpu: CpuRegisterState): Map<string, string> {
  const values = new Map<string, string>([['pc', cpu.pc], ['level', cpu.level ?? '']]);
  for (const group of cpu.groups) {
    for (const r of group.registers) {
      const key = registerKey(group.name, r.name);
      values.set(key, r.value);
      for (const f of r.fields ?? []) values.set(`${key}.${f.name}`, f.value);
    }
  }
  return values;
}

export const registerKey = (group: string, name: string): string => `reg.${group}.${name}`;

/** Key of a controller table cell, for the flash of changed cells. */
export const cellKey = (controller: string, table: string, row: string, column: string): string => `${controller}.${table}.${row}.${column}`;

export function controllerValues(state: InterruptControllersState): Map<string, string> {
  const values = new Map<string, string>();
  for (const c of state.controllers) {
    for (const table of [c.lines, ...(c.targets ? [c.targets] : [])]) {
      for (const row of table.rows) {
        for (const column of table.columns) values.set(cellKey(c.id, table.key, row.key, column.key), String(row.cells[column.key] ?? null));
      }
    }
    for (const r of c.registers) values.set(`${c.id}.reg.${r.name}`, r.value);
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
  const cpu = ref<number | null>(null);
  const debug = ref<ZoneDebugState | null>(null);
  const controllers = ref<InterruptControllersState | null>(null);
  const error = ref<string | null>(null);
  const busy = ref(false);
  const lastStop = ref<StopNotice | null>(null);

  /** Per CPU: values at its previous stop, the latest stop count seen, and the keys that changed. */
  const stopBaseline = new Map<number, { count: number; values: Map<string, string> }>();
  const lastValues = new Map<number, Map<string, string>>();
  const changedRegisters = ref(new Map<number, Set<string>>());
  let lastControllerValues: Map<string, string> | undefined;
  const changedCells = ref(new Set<string>());
  const flashGeneration = ref(0);

  const zones = computed(() => machine.zones.filter((z) => z.harts.length > 0));
  const selectedCpu = computed(() => debug.value?.cpus.find((c) => c.cpu === cpu.value) ?? debug.value?.cpus[0] ?? null);
  const changed = computed(() => changedRegisters.value.get(selectedCpu.value?.cpu ?? -1) ?? new Set<string>());

  watch(
    zones,
    (list) => {
      if (zone.value === null || !list.some((z) => z.id === zone.value)) zone.value = list.find((z) => z.id !== 0)?.id ?? list[0]?.id ?? null;
    },
    { immediate: true },
  );
  watch(zone, () => {
    debug.value = null;
    cpu.value = null;
    void refresh();
  });

  function applyDebug(state: ZoneDebugState): void {
    if (state.zone !== zone.value) return;
    const next = new Map(changedRegisters.value);
    for (const c of state.cpus) {
      const values = cpuValues(c);
      const count = c.lastStop?.count ?? 0;
      const baseline = stopBaseline.get(c.cpu);
      if (c.held) {
        // Stopped: highlight what the last step (or run up to this stop) changed.
        if (!baseline || baseline.count !== count) {
          next.set(c.cpu, diff(baseline?.values ?? lastValues.get(c.cpu), values));
          stopBaseline.set(c.cpu, { count, values });
        }
      } else {
        next.set(c.cpu, diff(lastValues.get(c.cpu), values));
        stopBaseline.set(c.cpu, { count, values });
      }
      lastValues.set(c.cpu, values);
    }
    changedRegisters.value = next;
    debug.value = state;
    if (cpu.value === null || !state.cpus.some((c) => c.cpu === cpu.value)) cpu.value = state.cpus[0]?.cpu ?? null;
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
      if ((view.value === 'registers' || view.value === 'memory') && zone.value !== null) applyDebug(await api.invoke('inspect.cpus', { zone: zone.value }));
      else if (view.value === 'interrupts') applyControllers(await api.invoke('inspect.interrupts', {}));
      error.value = null;
    } catch (e) {
      error.value = e instanceof Error ? e.message : String(e);
    }
  }

  const polling = createPolling(refresh, POLL_MS);
  const startPolling = polling.start;
  const stopPolling = polling.stop;

  /** The control action in flight (busy), for the list edits that wait for it. */
  let inflight: Promise<void> = Promise.resolve();
  /**
   * Runs one control action at a time. Pause, resume and step while one is in flight are dropped (a
   * repeated key must not step twice); list edits (`queue`) wait for it instead, as each names its own
   * point: removing two breakpoints in quick succession removes both.
   */
  async function control(action: () => Promise<ZoneDebugState>, queue = false): Promise<void> {
    if (busy.value && !queue) return;
    while (busy.value) await inflight;
    busy.value = true;
    const run = (async () => {
      try {
        applyDebug(await action());
        error.value = null;
      } catch (e) {
        error.value = e instanceof Error ? e.message.replace(/^Error: /, '') : String(e);
      } finally {
        busy.value = false;
      }
    })();
    inflight = run;
    await run;
  }

  const pause = () => (zone.value === null ? Promise.resolve() : control(() => api.invoke('zone.pause', { zone: zone.value! })));
  const resume = () => (zone.value === null ? Promise.resolve() : control(() => api.invoke('zone.resume', { zone: zone.value! })));
  const step = () =>
    zone.value === null || selectedCpu.value === null
      ? Promise.resolve()
      : control(() => api.invoke('zone.step', { zone: zone.value!, cpu: selectedCpu.value!.cpu }));
  const setBreakpoint = (address: string | null) =>
    zone.value === null ? Promise.resolve() : control(() => api.invoke('zone.breakpoint', { zone: zone.value!, address }));
  /** Breakpoints and watchpoints of the list (by address or symbol name). */
  const addPoint = (location: string, kind: DebugPointKind, length?: number) =>
    zone.value === null ? Promise.resolve() : control(() => api.invoke('zone.point.add', { zone: zone.value!, location, kind, ...(length !== undefined ? { length } : {}) }), true);
  const enablePoint = (id: number, enabled: boolean) =>
    zone.value === null ? Promise.resolve() : control(() => api.invoke('zone.point.enable', { zone: zone.value!, id, enabled }), true);
  const removePoint = (id: number) => (zone.value === null ? Promise.resolve() : control(() => api.invoke('zone.point.remove', { zone: zone.value!, id }), true));
  /** A symbol file (ELF, vmlinux, System.map) the user dropped or picked, for the selected zone. */
  async function loadSymbols(file: File): Promise<void> {
    const z = zone.value;
    if (z === null) return;
    const bytes = new Uint8Array(await file.arrayBuffer());
    let binary = '';
    for (let at = 0; at < bytes.length; at += 0x8000) binary += String.fromCharCode(...bytes.subarray(at, at + 0x8000));
    await control(() => api.invoke('zone.symbols', { zone: z, name: file.name, base64: btoa(binary) }));
  }

  /** GDB stubs started from the workbench, by zone. */
  const gdbStubs = ref<Record<number, GdbStubInfo>>({});
  const gdbStub = computed(() => (zone.value === null ? null : gdbStubs.value[zone.value] ?? null));
  async function startGdb(): Promise<void> {
    const z = zone.value;
    if (z === null) return;
    try {
      const info = await api.invoke('zone.gdb', { zone: z });
      gdbStubs.value = { ...gdbStubs.value, [z]: info };
      error.value = null;
    } catch (e) {
      error.value = e instanceof Error ? e.message.replace(/^Error: /, '') : String(e);
    }
  }

  /** Bumped whenever a view is opened, so that the window shows it even from over the layout editor. */
  const opened = ref(0);
  function open(next: InspectView | null): void {
    view.value = next;
    if (next !== null) opened.value++;
  }

  api.on('zone.stopped', (event) => {
    if (event.reason !== 'pause') lastStop.value = { ...event, at: Date.now() };
    if (event.zone === zone.value) {
      if (event.reason === 'breakpoint') cpu.value = event.cpu;
      void refresh();
    }
  });
  watch(connection.epoch, () => void refresh());

  return {
    view,
    opened,
    zone,
    cpu,
    zones,
    debug,
    selectedCpu,
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
    addPoint,
    enablePoint,
    removePoint,
    loadSymbols,
    gdbStub,
    startGdb,
  };
});
