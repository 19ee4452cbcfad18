/**
 * `hvwb zone list` exits as hvisor-tool's `hvisor zone list` does (tools/hvisor.c: zone_list returns
 * the zone count and main exits `err ? 1 : 0`), against a control socket that answers like a workbench.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startControlServer, type ControlServer } from '../../../src/host/control-socket';
import { formatZoneList } from '../../../src/shared/model/zone-list';
import type { ZoneListEntry } from '../../../src/shared/protocol/zones';
import { hvwbWith as hvwb } from '../../helpers/cli';

const HEADER = '|     zone_id     |       cpus        |      name       |     status |\n';

let server: ControlServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function workbench(answer: () => unknown): Promise<string> {
  server = await startControlServer(async (command) => {
    if (command !== 'zone.list') throw new Error(`unexpected ${command}`);
    return answer();
  });
  return server.path;
}

describe('hvwb zone list exit status', () => {
  it('prints the table and exits 1 when zones are listed, as hvisor-tool does', async () => {
    const zones: ZoneListEntry[] = [{ zoneId: 0, cpus: [0, 1], name: 'root-linux', status: 'running' }];
    const control = await workbench(() => ({ zones, table: formatZoneList(zones) }));
    const r = await hvwb({ HVWB_CONTROL: control }, 'zone', 'list');
    expect(r.stdout).toBe(`${HEADER}|               0 |              0, 1 |      root-linux |    running |\n`);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
  });

  it('exits 0 for an empty list', async () => {
    const control = await workbench(() => ({ zones: [], table: formatZoneList([]) }));
    const r = await hvwb({ HVWB_CONTROL: control }, 'zone', 'list');
    expect([r.code, r.stdout]).toEqual([0, HEADER]);
  });

  it('on a failed request prints the perror line, then the header, and exits 1', async () => {
    const control = await workbench(() => {
      throw new Error('Invalid argument');
    });
    const r = await hvwb({ HVWB_CONTROL: control }, 'zone', 'list');
    expect(r.stderr).toBe('zone_list: ioctl failed: Invalid argument\n');
    expect(r.stdout).toBe(HEADER);
    expect(r.code).toBe(1);
  });
});
