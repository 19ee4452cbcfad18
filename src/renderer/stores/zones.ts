/**
 * Zone lifecycle from the workbench, as hvisor-tool offers it: start a stopped zone from its JSON,
 * shut a zone down, and the `hvisor zone list` table. Results go to the notification area.
 */
import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import type { ZoneCommandResult, ZoneListEntry, ZoneSnapshot } from '../../shared/protocol/index';
import { useConnection, useWorkbench } from '../api/workbench-api';
import { useConfirmStore } from './confirm';
import { useMachineStore } from './machine';
import { useNotificationsStore } from './notifications';
import { useSerialStore } from './serial';

export type ZoneAction = 'start' | 'shutdown';

/** Whether an action applies to a zone, and if not, why (shown as the disabled button's tooltip). */
export interface ActionAvailability {
  readonly shown: boolean;
  readonly enabled: boolean;
  readonly reason: string;
}

const ROOT_ZONE = 0;

export const useZonesStore = defineStore('zones', () => {
  const api = useWorkbench();
  const connection = useConnection();
  const machine = useMachineStore();
  const serial = useSerialStore();
  const notifications = useNotificationsStore();
  const confirm = useConfirmStore();

  const pending = ref(new Map<number, ZoneAction>());
  const table = ref('');
  const entries = ref<ZoneListEntry[]>([]);
  const listedAt = ref<number | null>(null);
  const listError = ref<string | null>(null);
  const listing = ref(false);

  function availability(zone: ZoneSnapshot, action: ZoneAction): ActionAvailability {
    const busy = pending.value.get(zone.id);
    const machineUp = machine.state === 'running' || machine.state === 'paused';
    if (action === 'start') {
      const shown = zone.state === 'stopped' && zone.id !== ROOT_ZONE && zone.config !== undefined;
      if (!zone.config) return { shown, enabled: false, reason: 'This zone has no hvisor zone JSON in the layout to start it from' };
      if (!machineUp) return { shown, enabled: false, reason: 'Start the machine first' };
      if (busy) return { shown, enabled: false, reason: 'Starting…' };
      return { shown, enabled: true, reason: `hvisor zone start ${zone.config}` };
    }
    const shown = zone.state !== 'stopped' || zone.id === ROOT_ZONE;
    if (zone.id === ROOT_ZONE) {
      return { shown, enabled: false, reason: 'The root zone cannot be shut down: it runs the management side (zone0) that starts and stops the other zones' };
    }
    if (busy) return { shown, enabled: false, reason: 'Shutting down…' };
    if (zone.state === 'paused') return { shown, enabled: false, reason: 'Resume the machine first' };
    return { shown, enabled: zone.state === 'running' || zone.state === 'error', reason: `hvisor zone shutdown -id ${zone.id}` };
  }

  async function run(zone: ZoneSnapshot, action: ZoneAction): Promise<void> {
    const can = availability(zone, action);
    if (!can.enabled || pending.value.has(zone.id)) return;
    pending.value.set(zone.id, action);
    const source = action === 'start' ? `hvisor zone start ${zone.config}` : `hvisor zone shutdown -id ${zone.id}`;
    try {
      const result: ZoneCommandResult =
        action === 'start' ? await api.invoke('zone.start', { config: zone.config! }) : await api.invoke('zone.shutdown', { id: zone.id });
      const ok = result.code === 0;
      const label = `zone ${zone.id} (${zone.name})`;
      const done = action === 'start' ? 'started' : 'shut down';
      notifications.notify({
        severity: ok ? 'info' : 'error',
        title: ok ? `Zone ${zone.id} (${zone.name}) ${done}` : `Could not ${action === 'start' ? 'start' : 'shut down'} ${label}: error ${result.code}`,
        detail: result.message,
        source,
      });
    } catch (error) {
      notifications.notify({ severity: 'error', title: `${source} failed`, detail: messageOf(error), source });
    } finally {
      pending.value.delete(zone.id);
      void refreshList();
    }
  }

  /** Shutting a zone down stops its guest where it is (like pulling its power): ask first. */
  async function confirmShutdown(zone: ZoneSnapshot): Promise<void> {
    if (!availability(zone, 'shutdown').enabled) return;
    const confirmed = await confirm.ask({
      title: `Shut down zone ${zone.id} (${zone.name})?`,
      detail: `hvisor zone shutdown -id ${zone.id}: its harts stop at once, without the guest's own shutdown; what it has not written to its disks is lost. You can start it again from ${zone.config ?? 'its zone JSON'}.`,
      action: 'Shut down',
    });
    if (confirmed) await run(zone, 'shutdown');
  }

  let listRequest = 0;
  async function refreshList(): Promise<void> {
    const request = ++listRequest;
    listing.value = true;
    try {
      const result = await api.invoke('zone.list', {});
      // An older answer must not overwrite a newer one.
      if (request !== listRequest) return;
      table.value = result.table;
      entries.value = result.zones;
      listedAt.value = Date.now();
      listError.value = null;
    } catch (error) {
      if (request === listRequest) listError.value = messageOf(error);
    } finally {
      if (request === listRequest) listing.value = false;
    }
  }

  /** Zone membership and states, without hart states (those change many times a second). */
  const zoneKey = computed(() => machine.state + machine.zones.map((zone) => `${zone.id}:${zone.state}`).join(','));
  watch(zoneKey, () => void refreshList());
  watch(connection.epoch, () => void refreshList());

  /**
   * One notification per zone error, raised by the snapshot rather than by machine.fault: an error
   * that happened before this window connected is only in the snapshot.
   */
  const notified = new Set<string>();
  watch(
    () => machine.zones,
    (list) => {
      for (const zone of list) {
        const prefix = `${zone.id}:`;
        if (zone.state !== 'error') {
          for (const key of [...notified]) if (key.startsWith(prefix)) notified.delete(key);
          continue;
        }
        const key = prefix + (zone.error ?? '');
        if (notified.has(key)) continue;
        notified.add(key);
        notifications.notify({
          severity: 'error',
          title: `Zone ${zone.id} (${zone.name}) stopped on a guest error`,
          detail: zone.error ?? machine.faultOf(zone.id)?.message ?? 'no report',
          actions: [{ label: 'Show console', run: () => serial.activate(zone.id) }],
        });
      }
    },
    { immediate: true },
  );

  return { pending, table, entries, listedAt, listError, listing, availability, run, confirmShutdown, refreshList };
});

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
