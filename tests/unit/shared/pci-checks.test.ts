/**
 * PCI assignment findings (pci-checks.ts through checkZones with the layout's bus) on the zone files of
 * tests/fixtures/pcie-zones: an endpoint in two zones, one the root keeps (ROOT_PCI_DEVS has 00:01.0),
 * a BDF not on the bus, an ECAM window outside the board's host; bridges shared without a finding;
 * the editor's validation and `hvwb validate` say the same; hostile values stay findings.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { getBoard } from '../../../src/boards/index';
import { layoutRootZone } from '../../../src/shared/model/layout-root-zone';
import type { LayoutPciDevice } from '../../../src/shared/model/layout';
import { checkZones } from '../../../src/shared/validate/zone-checks';
import { parseZoneConfig } from '../../../src/shared/validate/zone-config';
import { layoutPciBus } from '../../../src/shared/validate/pci-checks';
import { describePciHost } from '../../../src/core/devices/pci/pci-describe';
import { withPciFunctions } from '../../../src/core/devices/pci/pci-host-board';

const board = getBoard('qemu-plic');
const PCI: LayoutPciDevice[] = [
  { type: 'virtio-blk-pci', slot: 1, img: 'disk.img', readOnly: true },
  { type: 'virtio-net-pci', slot: 2, readOnly: false },
];
const fixture = (name: string): Record<string, unknown> => JSON.parse(readFileSync(`tests/fixtures/pcie-zones/${name}`, 'utf8'));
const dev = (device: number, fn = 0) => ({ domain: '0x0', bus: '0x0', device: `0x${device.toString(16)}`, function: `0x${fn}`, dev_type: '0' });

function findings(edit: (z1: Record<string, unknown>, z2: Record<string, unknown>) => void, pci: LayoutPciDevice[] = PCI) {
  const z1 = fixture('zone1.json');
  const z2 = fixture('zone2.json');
  edit(z1, z2);
  const zones = [['zone1.json', z1], ['zone2.json', z2]].map(([file, doc]) => {
    const parsed = parseZoneConfig(JSON.stringify(doc), file as string, 'riscv64');
    expect(parsed.findings.filter((f) => f.severity === 'error')).toEqual([]);
    return parsed.config!;
  });
  const root = layoutRootZone(board, {});
  return checkZones([root, ...zones], board, { pci }).filter((f) => /pci/.test(f.path));
}

describe('PCI assignment findings', () => {
  it("a region over the ECAM window hvisor's vPCI traps is a warning: the zone would reach every function past the vPCI", () => {
    const z1 = fixture('zone1.json');
    (z1.memory_regions as unknown[]).push({ type: 'io', physical_start: '0x30000000', virtual_start: '0x30000000', size: '0x10000000' });
    const zone = parseZoneConfig(JSON.stringify(z1), 'zone1.json', 'riscv64').config!;
    const list = checkZones([layoutRootZone(board, {}), zone], board, { pci: PCI }).filter((f) => /ECAM window/.test(f.message));
    expect(list.map((f) => [f.severity, f.file, f.path])).toEqual([['warning', 'zone1.json', `memory_regions[${(z1.memory_regions as unknown[]).length - 1}]`]]);
    expect(list[0]!.message).toContain('reaches every function on the bus directly');
    const clean = checkZones([layoutRootZone(board, {}), parseZoneConfig(JSON.stringify(fixture('zone1.json')), 'zone1.json', 'riscv64').config!], board, { pci: PCI });
    expect(clean.filter((f) => /ECAM window/.test(f.message))).toEqual([]);
  });

  it('the fixture as it is: the host bridge in all three zones, 00:02.0 in zone1 only, no finding', () => {
    expect(findings(() => {})).toEqual([]);
  });

  it('an endpoint in two zones is an error on the later zone naming both', () => {
    const list = findings((_z1, z2) => void (z2.alloc_pci_devs = [dev(0), dev(2)]));
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ severity: 'error', file: 'zone2.json', path: 'alloc_pci_devs[1]' });
    expect(list[0]!.message).toContain('0000:00:02.0 (virtio-net-pci) is also assigned to zone 1 "zone1" (zone1.json: alloc_pci_devs[1])');
    expect(list[0]!.zones?.map((z) => z.file)).toEqual(['zone2.json', 'zone1.json']);
  });

  it("an endpoint the root keeps (ROOT_PCI_DEVS' 00:01.0) is an error in a zone", () => {
    const list = findings((z1) => void (z1.alloc_pci_devs = [dev(0), dev(1)]));
    expect(list.map((f) => [f.severity, f.file, f.path])).toEqual([['error', 'zone1.json', 'alloc_pci_devs[1]']]);
    expect(list[0]!.message).toContain('the root zone keeps it');
  });

  it('a BDF not on the bus is an error listing what is on it; without the layout list the old rule stays', () => {
    const list = findings((z1) => void (z1.alloc_pci_devs = [dev(0), dev(7, 3)]));
    expect(list.map((f) => [f.severity, f.path])).toEqual([['error', 'alloc_pci_devs[1]']]);
    expect(list[0]!.message).toContain('PCI device 0000:00:07.3 is not on the board\'s bus (0000:00:00.0 (host bridge), 0000:00:01.0 (virtio-blk-pci), 0000:00:02.0 (virtio-net-pci))');
    // A layout without 00:02.0: zone1's entry for it is now off the bus.
    expect(findings(() => {}, PCI.slice(0, 1)).map((f) => [f.file, f.path])).toEqual([['zone1.json', 'alloc_pci_devs[1]']]);
  });

  it("a pci_config ECAM outside the board's host is an error; ecam_base 0 is skipped as hvisor does", () => {
    const list = findings((z1, z2) => {
      (z1.pci_config as Record<string, string>[])[0]!.ecam_base = '0x20000000';
      (z2.pci_config as Record<string, string>[])[0]!.ecam_base = '0x0';
    });
    expect(list.map((f) => [f.file, f.path])).toEqual([['zone1.json', 'pci_config[0].ecam_base']]);
    expect(list[0]!.message).toContain("outside the board's PCIe host ECAM 0x30000000+0x10000000");
  });

  it('the class the checks assume for each layout type is the one the device model builds', () => {
    const described = describePciHost(withPciFunctions(board, PCI).devices.find((d) => d.kind === 'pci-host-ecam')!);
    expect(layoutPciBus(board, PCI)!.map((f) => [f.device, f.classCode])).toEqual(described.map((f) => [f.device, f.classCode]));
  });
});
