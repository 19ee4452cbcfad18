/**
 * Host folders attached to zones as virtio-blk disks: the list (disk.list), attach jobs with their
 * progress (disk.progress / disk.attached events), detach, and the explicit write-back (disk.changes,
 * then disk.sync only after the user confirmed what was listed).
 */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { BrowseResult, CommandResult, DiskAttachParams, DiskAttachStarted, DiskTargetZone, FolderDiskInfo } from '../../shared/protocol/index';
import { useWorkbench } from '../api/workbench-api';
import { useMachineStore } from './machine';

export interface AttachJob {
  readonly started: DiskAttachStarted;
  percent: number;
  file?: string;
  done: boolean;
  ok?: boolean;
  message?: string;
}

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error)).replace(/^Error invoking remote method '[^']+': (Error: )?/, '');

export const useDisksStore = defineStore('disks', () => {
  const api = useWorkbench();
  const machine = useMachineStore();
  const disks = ref<FolderDiskInfo[]>([]);
  const loaded = ref(false);
  const listError = ref<string | null>(null);
  const jobs = ref(new Map<number, AttachJob>());

  /** Events that came before the disk.attach result named their job. */
  const early = new Map<number, Partial<AttachJob>>();

  api.on('disk.progress', ({ job, percent, file }) => {
    const entry = jobs.value.get(job);
    if (!entry) early.set(job, { ...early.get(job), percent, file });
    if (!entry || entry.done) return;
    entry.percent = Math.max(entry.percent, percent);
    entry.file = file;
  });
  api.on('disk.attached', ({ job, ok, message }) => {
    const entry = jobs.value.get(job);
    if (entry) Object.assign(entry, { done: true, ok, message, percent: ok ? 100 : entry.percent });
    else early.set(job, { ...early.get(job), done: true, ok, message, ...(ok ? { percent: 100 } : {}) });
    void refresh();
  });

  async function refresh(): Promise<void> {
    try {
      disks.value = (await api.invoke('disk.list', {})).disks;
      listError.value = null;
    } catch (error) {
      listError.value = errorText(error);
    } finally {
      loaded.value = true;
    }
  }

  async function targets(): Promise<DiskTargetZone[]> {
    return (await api.invoke('disk.targets', {})).zones;
  }

  function browse(path: string): Promise<BrowseResult> {
    return api.invoke('disk.browse', { path });
  }

  async function attach(params: DiskAttachParams): Promise<AttachJob> {
    const started = await api.invoke('disk.attach', params);
    jobs.value.set(started.job, { started, percent: 0, done: false, ...early.get(started.job) });
    early.delete(started.job);
    return jobs.value.get(started.job)!;
  }

  async function detach(disk: FolderDiskInfo): Promise<string> {
    const { message } = await api.invoke('disk.detach', { zone: disk.zone, addr: disk.addr });
    await refresh();
    return message;
  }

  function changes(disk: FolderDiskInfo): Promise<CommandResult<'disk.changes'>> {
    return api.invoke('disk.changes', { zone: disk.zone, addr: disk.addr });
  }

  async function sync(disk: FolderDiskInfo): Promise<CommandResult<'disk.sync'>> {
    const result = await api.invoke('disk.sync', { zone: disk.zone, addr: disk.addr });
    await refresh();
    return result;
  }

  /** `hvisor zone shutdown` (if it runs) then `hvisor zone start` with the zone's JSON: it boots with its new devices. */
  async function restartZone(zoneId: number, config: string): Promise<string> {
    const zone = machine.zones.find((z) => z.id === zoneId);
    if (zone && zone.state !== 'stopped') {
      const down = await api.invoke('zone.shutdown', { id: zoneId });
      if (down.code !== 0) throw new Error(down.message);
    }
    const up = await api.invoke('zone.start', { config });
    if (up.code !== 0) throw new Error(up.message);
    await refresh();
    return up.message;
  }

  return { disks, loaded, listError, jobs, refresh, targets, browse, attach, detach, changes, sync, restartZone, errorText };
});
