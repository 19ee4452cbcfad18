/**
 * `hvwb validate` and the editor on a layout's ivc_configs (src/shared/validate/ivc-checks.ts) on
 * qemu-gicv3, from the IVC demo's files (examples/aarch64-ivc): what hvisor's ivc_init refuses, what
 * maps nothing or lands on the zone's memory, and regions whose ends disagree or have no other end.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { getBoard } from '../../../src/boards/index';
import { layoutRootZone } from '../../../src/shared/model/layout-root-zone';
import type { ZoneConfig } from '../../../src/shared/model/zone-config';
import { parseLayout } from '../../../src/shared/validate/layout';
import { checkZone, checkZones } from '../../../src/shared/validate/zone-checks';
import { parseZoneConfig } from '../../../src/shared/validate/zone-config';

const board = getBoard('qemu-gicv3');
const DIR = 'examples/aarch64-ivc';
const layout = parseLayout(readFileSync(`${DIR}/layout.json`, 'utf8'), `${DIR}/layout.json`);
const root = { ...layoutRootZone(board, layout.root), source: 'layout.json' };

function zone1(edit?: (doc: Record<string, any>) => void): ZoneConfig {
  const doc = JSON.parse(readFileSync(`${DIR}/zone1-ivc.json`, 'utf8'));
  edit?.(doc);
  const parsed = parseZoneConfig(JSON.stringify(doc), 'zone1-ivc.json', 'aarch64');
  if (!parsed.config) throw new Error(JSON.stringify(parsed.findings));
  return parsed.config;
}

const ivcFindings = (zones: ZoneConfig[]) => [...zones.flatMap((z) => checkZone(z, board)), ...checkZones(zones, board)]
  .filter((f) => f.path.startsWith('ivc_configs'))
  .map((f) => `${f.severity} ${f.file} ${f.path}: ${f.message}`);

describe('IVC checks on an aarch64 board', () => {
  it("finds nothing to say about the demo's two ends", () => {
    expect(ivcFindings([root, zone1()])).toEqual([]);
  });

  it("names what hvisor's ivc_init refuses or maps badly in one zone's entry", () => {
    const findings = ivcFindings([root, zone1((d) => {
      d.ivc_configs[0].rw_sec_size = '0x800';
      d.ivc_configs[0].interrupt_num = 70;
      d.ivc_configs[0].peer_id = 2;
      d.ivc_configs[0].shared_mem_ipa = '0x70100000';
    })]);
    expect(findings).toEqual(expect.arrayContaining([
      expect.stringMatching(/^error zone1-ivc.json ivc_configs\[0\].rw_sec_size: section sizes must be multiples of 4 KiB .*runs without it/),
      expect.stringMatching(/^warning zone1-ivc.json ivc_configs\[0\].interrupt_num: doorbell IRQ 70 is not in this zone's interrupts/),
      expect.stringMatching(/^warning zone1-ivc.json ivc_configs\[0\].peer_id: peer_id 2 is not below max_peers 2/),
      expect.stringMatching(/^error zone1-ivc.json ivc_configs\[0\].shared_mem_ipa: 0x70100000\+0x2800 overlaps memory_regions\[0\] \(ram at 0x70000000\)/),
    ]));
  });

  it('checks both ends: the same shape, distinct peer ids, and an end on the other side', () => {
    expect(ivcFindings([root, zone1((d) => (d.ivc_configs[0].max_peers = 3))])).toEqual([
      expect.stringMatching(/^error zone1-ivc.json ivc_configs\[0\]: IVC region 0: max_peers 3, .* differ from zone 0 "root-linux" .*\("ivc config conflicts"\)/),
    ]);
    expect(ivcFindings([root, zone1((d) => (d.ivc_configs[0].peer_id = 0))])).toEqual([
      expect.stringMatching(/^error zone1-ivc.json ivc_configs\[0\].peer_id: IVC region 0: peer_id 0 is also zone 0 "root-linux" .*'s; hvisor replaces that peer/),
    ]);
    expect(ivcFindings([root, zone1((d) => (d.ivc_configs[0].ivc_id = 5))])).toEqual([
      expect.stringMatching(/^warning layout.json ivc_configs\[0\]: IVC region 0 has no other end in this layout/),
      expect.stringMatching(/^warning zone1-ivc.json ivc_configs\[0\]: IVC region 5 has no other end in this layout/),
    ]);
  });
});
