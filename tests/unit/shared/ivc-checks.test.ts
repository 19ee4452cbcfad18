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

describe('IVC checks on riscv64, where only the layout\'s workbenchIvc sets IVC up', () => {
  const plic = getBoard('qemu-plic');
  const RV = 'examples/riscv64-ivc';
  const rvLayout = parseLayout(readFileSync(`${RV}/layout.json`, 'utf8'), `${RV}/layout.json`);
  const rvRoot = { ...layoutRootZone(plic, rvLayout.root), source: 'layout.json' };
  const rvZone1 = (edit?: (doc: Record<string, any>) => void): ZoneConfig => {
    const doc = JSON.parse(readFileSync(`${RV}/zone1-ivc.json`, 'utf8'));
    edit?.(doc);
    return parseZoneConfig(JSON.stringify(doc), 'zone1-ivc.json', 'riscv64').config!;
  };
  const findings = (zones: ZoneConfig[], workbenchIvc: boolean) =>
    [...zones.flatMap((z) => checkZone(z, plic, { workbenchIvc })), ...checkZones(zones, plic, { workbenchIvc })]
      .filter((f) => f.path.startsWith('ivc_configs'))
      .map((f) => `${f.severity} ${f.file} ${f.path}: ${f.message}`);

  it('says the entries are ignored without the opt-in, as hvisor ignores them', () => {
    expect(rvLayout.workbenchIvc).toBe(true);
    expect(findings([rvRoot, rvZone1()], false)).toEqual([
      'warning layout.json ivc_configs: hvisor has no IVC on riscv64 (only aarch64 sets ivc_configs up); these entries are ignored unless the layout opts in to the workbench\'s IVC ("workbenchIvc": true)',
      'warning zone1-ivc.json ivc_configs: hvisor has no IVC on riscv64 (only aarch64 sets ivc_configs up); these entries are ignored unless the layout opts in to the workbench\'s IVC ("workbenchIvc": true)',
    ]);
  });

  it('checks both ends with the opt-in: nothing to say about the demo, the vPLIC\'s rule for a doorbell, ends that disagree', () => {
    expect(findings([rvRoot, rvZone1()], true)).toEqual([]);
    // A doorbell on a hw IRQ of the zone (UART0's source 10, listed): the vPLIC drops the virtual injection.
    const hw = findings([rvRoot, rvZone1((d) => { d.ivc_configs[0].interrupt_num = 10; d.interrupts = [10]; })], true);
    expect(hw).toEqual([
      'warning zone1-ivc.json ivc_configs[0].interrupt_num: doorbell IRQ 10 is a hardware IRQ of this zone (in its interrupts and in HW_IRQS): the vPLIC refuses the doorbell\'s virtual injection, so it never arrives',
    ]);
    // A doorbell the zone does not list is fine on a vPLIC (unlike on a vGIC): virtual injections are delivered.
    expect(findings([rvRoot, rvZone1((d) => { d.interrupts = []; })], true)).toEqual([]);
    const sizes = findings([rvRoot, rvZone1((d) => { d.ivc_configs[0].out_sec_size = '0x2000'; })], true);
    expect(sizes.some((f) => f.startsWith('error zone1-ivc.json ivc_configs[0]') && f.includes('0x2000'))).toBe(true);
  });
});
