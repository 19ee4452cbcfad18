/**
 * The zone.* commands against a running machine, shared by the workbench services and the headless
 * runner (both answer `hvwb zone ...` on their control socket).
 */
import path from 'node:path';
import type { CommandParams } from '../shared/protocol/index';
import type { ZoneCommandResult, ZoneListEntry } from '../shared/protocol/zones';
import { formatZoneList } from '../shared/model/zone-list';
import type { MachineHost } from './machine-host';

export type ZoneCommandName = 'zone.start' | 'zone.shutdown' | 'zone.list' | 'virtio.start';

export function isZoneCommand(command: string): command is ZoneCommandName {
  return command === 'zone.start' || command === 'zone.shutdown' || command === 'zone.list' || command === 'virtio.start';
}

export async function zoneCommand(host: MachineHost, folder: string, command: ZoneCommandName, params: unknown): Promise<unknown> {
  switch (command) {
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
      const result: ZoneCommandResult = host.shutdownZone(id);
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

function cpuList(mask: number): number[] {
  const cpus: number[] = [];
  for (let cpu = 0; cpu < 32; cpu++) if ((mask >>> cpu) & 1) cpus.push(cpu);
  return cpus;
}
