/** The open layout, the machine state and its zones: a snapshot from layout.get, then machine.state events. */
import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import type { LayoutSnapshot, MachineState, ZoneSnapshot } from '../../shared/protocol/index';
import { useConnection, useWorkbench } from '../api/workbench-api';

export type MachineAction = 'machine.start' | 'machine.pause' | 'machine.resume' | 'machine.reset';

export interface FaultReport {
  readonly key: string;
  readonly zone: number;
  readonly zoneName: string;
  readonly hart?: number;
  readonly message: string;
}

export const useMachineStore = defineStore('machine', () => {
  const api = useWorkbench();
  const connection = useConnection();
  const layout = ref<LayoutSnapshot | null>(null);
  const busy = ref<MachineAction | 'layout.get' | null>(null);
  const commandError = ref<string | null>(null);
  /**
   * Faults reported by machine.fault events (they name the hart), kept until the zone leaves the
   * error state. A dismissed report hides the banner over the zone's terminal, not the zone's state.
   */
  const faultEvents = ref(new Map<number, { hart: number; message: string }>());
  const dismissed = ref(new Set<string>());

  /**
   * Zones that left the snapshot (started by a hypercall from a JSON the layout does not list, then
   * shut down), kept as stopped so that their terminal and its output stay until the next reset.
   */
  const departed = ref(new Map<number, ZoneSnapshot>());

  const state = computed<MachineState | 'loading'>(() => layout.value?.state ?? 'loading');
  const zones = computed<readonly ZoneSnapshot[]>(() => {
    const live = layout.value?.zones ?? [];
    if (departed.value.size === 0) return live;
    return [...live, ...departed.value.values()].sort((a, b) => a.id - b.id);
  });
  const hartCount = computed(() => zones.value.reduce((sum, zone) => sum + zone.harts.length, 0));
  /** The board's word for a CPU ("hart" on RISC-V). */
  const cpuNoun = computed(() => layout.value?.cpuNoun ?? 'CPU');

  const canStart = computed(() => !busy.value && (state.value === 'idle' || state.value === 'exited'));
  const canPause = computed(() => !busy.value && state.value === 'running');
  const canResume = computed(() => !busy.value && state.value === 'paused');
  const canReset = computed(() => !busy.value && layout.value !== null && state.value !== 'idle');

  const faults = computed<FaultReport[]>(() => {
    const reports: FaultReport[] = [];
    for (const zone of zones.value) {
      const event = faultEvents.value.get(zone.id);
      if (zone.state !== 'error' && !event) continue;
      const message = zone.error ?? event?.message ?? 'zone stopped on an error';
      const key = `${zone.id}:${message}`;
      if (dismissed.value.has(key)) continue;
      reports.push({ key, zone: zone.id, zoneName: zone.name, hart: event?.hart, message });
    }
    return reports;
  });

  function faultOf(zone: number): FaultReport | undefined {
    return faults.value.find((fault) => fault.zone === zone);
  }

  function apply(snapshot: LayoutSnapshot): void {
    const present = new Set(snapshot.zones.map((zone) => zone.id));
    for (const zone of layout.value?.zones ?? []) {
      if (!present.has(zone.id)) {
        departed.value.set(zone.id, { id: zone.id, name: zone.name, state: 'stopped', harts: [], ...(zone.config ? { config: zone.config } : {}) });
      }
    }
    for (const id of present) departed.value.delete(id);
    layout.value = snapshot;
    // A zone that left the error state (reset, restart) no longer has a fault to report.
    for (const zone of snapshot.zones) {
      if (zone.state !== 'error') faultEvents.value.delete(zone.id);
    }
  }

  async function load(): Promise<void> {
    busy.value = 'layout.get';
    try {
      apply(await api.invoke('layout.get', {}));
      commandError.value = null;
    } catch (error) {
      commandError.value = messageOf(error);
    } finally {
      busy.value = null;
    }
  }

  async function run(action: MachineAction): Promise<void> {
    if (busy.value) return;
    busy.value = action;
    commandError.value = null;
    try {
      apply(await api.invoke(action, {}));
      if (action === 'machine.reset') {
        dismissed.value.clear();
        departed.value.clear();
      }
    } catch (error) {
      commandError.value = `${action.replace('machine.', '')} failed: ${messageOf(error)}`;
    } finally {
      busy.value = null;
    }
  }

  function dismissFault(key: string): void {
    dismissed.value.add(key);
  }

  function dismissCommandError(): void {
    commandError.value = null;
  }

  api.on('machine.state', apply);
  api.on('machine.fault', ({ zone, hart, message }) => {
    faultEvents.value.set(zone, { hart, message });
  });
  watch(connection.epoch, () => void load());

  return {
    layout,
    state,
    zones,
    hartCount,
    cpuNoun,
    busy,
    commandError,
    faults,
    faultOf,
    canStart,
    canPause,
    canResume,
    canReset,
    load,
    run,
    dismissFault,
    dismissCommandError,
  };
});

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
