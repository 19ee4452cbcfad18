/**
 * The zone.* commands against a running machine, shared by the workbench services and the headless
 * runner (both answer `hvwb zone ...` on their control socket).
 */
import path from 'node:path';
import type { CommandParams } from '../shared/protocol/index';
import type { ZoneCommandResult, ZoneListEntry } from '../shared/protocol/zones';
import { formatZoneList } from '../shared/model/zone-list';
import type { MachineHost } from './machine-host';
import type { VirtioService } from './virtio-service';
import type { FolderChangeEntry } from '../shared/protocol/disks';
import type { FolderChange, SyncChangeSet } from './disk/folder-sync';

export type ZoneCommandName = 'zone.start' | 'zone.shutdown' | 'zone.list' | 'virtio.start' | 'disk.list' | 'disk.changes' | 'disk.sync';

const NAMES: readonly string[] = ['zone.start', 'zone.shutdown', 'zone.list', 'virtio.start', 'disk.list', 'disk.changes', 'disk.sync'];

export function isZoneCommand(command: string): command is ZoneCommandName {
  return NAMES.includes(command);
}

/** The last change list shown for each disk: a sync writes exactly what the user saw. */
const shownChanges = new Map<string, SyncChangeSet>();

function entry(change: FolderChange): FolderChangeEntry {
  return { kind: change.kind, path: change.path, ...('size' in change ? { size: change.size } : {}) };
}

export async function zoneCommand(host: MachineHost, folder: string, command: ZoneCommandName, params: unknown): Promise<unknown> {
  switch (command) {
    case 'disk.list': {
      const disks = host.virtioService?.folderDisks ?? [];
      return { disks: disks.map((d) => ({ zone: d.zone, addr: d.addr, folder: d.folder, readOnly: d.readOnly, files: d.manifest.files.length })) };
    }
    case 'disk.changes': {
      const { zone, addr } = params as CommandParams<'disk.changes'>;
      const set = await requireVirtio(host).folderChanges(zone, addr);
      shownChanges.set(`${zone}:${addr}`, set);
      return { changes: set.changes.map(entry), refused: set.refused.map((r) => `${r.path}: ${r.reason}`) };
    }
    case 'disk.sync': {
      const { zone, addr } = params as CommandParams<'disk.sync'>;
      const set = shownChanges.get(`${zone}:${addr}`);
      if (!set) throw new Error('list the changes first (disk.changes): a sync writes only what was shown');
      shownChanges.delete(`${zone}:${addr}`);
      const result = await requireVirtio(host).syncFolder(zone, addr, set);
      const problems = [
        ...result.refused.map((r) => `refused ${r.change.path}: ${r.reason}`),
        ...result.conflicts.map((r) => `conflict ${r.change.path}: ${r.reason}`),
        ...result.failed.map((r) => `failed ${r.change.path}: ${r.error}`),
      ];
      return { applied: result.applied.map(entry), problems };
    }
    case 'virtio.start': {
      const { config } = params as CommandParams<'virtio.start'>;
      return { messages: await host.startVirtio(path.resolve(folder, config)) };
    }
    case 'zone.start': {
      const { config } = params as CommandParams<'zone.start'>;
      const result: ZoneCommandResult = await host.startZone(path.resolve(folder, config));
      return result;
    }
    case 'zone.shutdown': {
      const { id } = params as CommandParams<'zone.shutdown'>;
      const result: ZoneCommandResult = await host.requestShutdown(id);
      return result;
    }
    case 'zone.list': {
      const zones: ZoneListEntry[] = host.listZones().map((z) => ({
        zoneId: z.zoneId,
        cpus: cpuList(z.cpus),
        name: z.name,
        status: z.isErr ? 'error' : 'running',
      }));
      return { zones, table: formatZoneList(zones) };
    }
  }
}

function requireVirtio(host: MachineHost): VirtioService {
  const service = host.virtioService;
  if (!service) throw new Error('this layout runs without the hypervisor: it has no virtio disks');
  return service;
}

function cpuList(mask: number): number[] {
  const cpus: number[] = [];
  for (let cpu = 0; cpu < 32; cpu++) if ((mask >>> cpu) & 1) cpus.push(cpu);
  return cpus;
}
