/**
 * The device tree an aarch64 zone is given, as hvisor's platform/aarch64/qemu-gicv3/image/dts/zone0.dts
 * describes the root zone: only the zone's CPUs and RAM, the devices its io regions pass through, its
 * virtio devices and the GIC at the zone's arch_config windows. The zone DTB checker reads the GIC's
 * three-cell specifiers as INTIDs.
 */
import { describe, expect, it } from 'vitest';
import { qemuGicv2 } from '../../../../src/boards/aarch64/qemu-gicv2';
import { qemuGicv3 } from '../../../../src/boards/aarch64/qemu-gicv3';
import { boardDtb, buildBoardTree } from '../../../../src/core/fdt/board-dtb';
import { cells, readDtb, walk, type FdtReadNode } from '../../../../src/core/fdt/fdt-reader';
import { zoneTreeInput } from '../../../../src/core/hypervisor/zone-dtb';
import { checkZoneDtb } from '../../../../src/core/hypervisor/zone-dtb-check';
import { rootZoneConfig, type Aarch64ArchConfig, type ZoneConfig } from '../../../../src/shared/model/zone-config';

const root = rootZoneConfig(qemuGicv3);
const zone1: ZoneConfig = {
  ...root, root: false, zoneId: 1, name: 'linux1', source: 'zone1.json', cpus: [2, 3], interrupts: [], allocPciDevs: [],
  memoryRegions: [{ type: 'ram', physicalStart: 0x5000_0000, virtualStart: 0x5000_0000, size: 0x3000_0000 }],
};
// The root's virtio disk (QEMU's last transport, which the root's io region passes through, on INTID 79)
// and zone 1's virtio device, served by the root's daemon.
const rootVirtio = [{ addr: 0x0a00_3e00, len: 0x200, irq: 79 }];
const virtio = [{ addr: 0x0a00_3c00, len: 0x200, irq: 78 }];

function paths(tree: FdtReadNode): string[] {
  const out: string[] = [];
  walk(tree, (n) => out.push(n.path));
  return out;
}

const prop = (tree: FdtReadNode, path: string, name: string): number[] => {
  let found: FdtReadNode | undefined;
  walk(tree, (n) => {
    if (n.path === path) found = n;
  });
  if (!found) throw new Error(`no node ${path}`);
  return cells(found.properties.get(name));
};

describe('the root zone tree of qemu-gicv3', () => {
  const input = zoneTreeInput(qemuGicv3, root, [root, zone1], { bootargs: 'console=ttyAMA0', virtio: rootVirtio });
  const tree = readDtb(boardDtb(input), 'zone0');

  it("has the root's CPUs, RAM, PL011, GIC with the ITS at its gits_base, timer, PSCI and virtio device, and nothing else", () => {
    expect(paths(tree)).toEqual([
      '/', '/chosen', '/cpus', '/cpus/cpu@0', '/cpus/cpu@1', '/memory@50000000', '/psci', '/timer',
      '/intc@8000000', '/intc@8000000/its@8080000', '/apb-pclk', '/pl011@9000000', '/virtio_mmio@a003e00',
    ]);
    expect(prop(tree, '/intc@8000000/its@8080000', 'reg')).toEqual([0, 0x0808_0000, 0, 0x2_0000]);
    expect(prop(tree, '/memory@50000000', 'reg')).toEqual([0, 0x5000_0000, 0, 0x7000_0000]);
    expect(prop(tree, '/intc@8000000', 'reg')).toEqual([0, 0x0800_0000, 0, 0x1_0000, 0, 0x080a_0000, 0, 0xf6_0000]);
    expect(prop(tree, '/pl011@9000000', 'interrupts')).toEqual([0, 1, 4]);
    expect(prop(tree, '/virtio_mmio@a003e00', 'interrupts')).toEqual([0, 79 - 32, 1]);
  });

  it("reserves zone 1's RAM inside the root's, as zone0.dts's nonroot@50000000 does", () => {
    expect(buildBoardTree(input).reservations).toEqual([{ address: 0x5000_0000, size: 0x3000_0000 }]);
  });

  it('passes the zone DTB check, which reads GIC specifiers as INTIDs', () => {
    const blob = boardDtb(input);
    expect(checkZoneDtb(blob, 'zone0.dtb', root, rootVirtio)).toEqual([]);
    const without33: ZoneConfig = { ...root, interrupts: root.interrupts.filter((irq) => irq !== 33) };
    expect(checkZoneDtb(blob, 'zone0.dtb', without33, rootVirtio).map((f) => `${f.path}: ${f.message}`)).toEqual([
      "/pl011@9000000: interrupts = <0 1 4> (SPI 1, INTID 33): IRQ 33 is not in the zone's interrupts, so the vGIC never delivers it",
    ]);
  });
});

describe('a non-root aarch64 zone tree', () => {
  it('describes the GIC at the windows of its arch_config', () => {
    const arch = root.archConfig as Aarch64ArchConfig;
    const moved: ZoneConfig = { ...zone1, archConfig: { ...arch, gic: { ...arch.gic, gicdBase: 0x0810_0000 } as Aarch64ArchConfig['gic'] } };
    const tree = readDtb(boardDtb(zoneTreeInput(qemuGicv3, moved, [root, moved], { virtio })), 'zone1');
    expect(paths(tree)).toContain('/intc@8100000');
    expect(paths(tree)).not.toContain('/pl011@9000000');
    expect(prop(tree, '/cpus/cpu@2', 'reg')).toEqual([2]);
    expect(paths(tree).filter((p) => p.startsWith('/cpus/'))).toEqual(['/cpus/cpu@2', '/cpus/cpu@3']);
    expect(prop(tree, '/virtio_mmio@a003c00', 'interrupts')).toEqual([0, 78 - 32, 1]);
  });

  it('has no ITS node when its gits_size is 0 (hvisor-tool leaves gits out)', () => {
    const arch = root.archConfig as Aarch64ArchConfig;
    const noIts: ZoneConfig = { ...zone1, archConfig: { ...arch, gic: { ...arch.gic, gitsBase: 0, gitsSize: 0 } as Aarch64ArchConfig['gic'] } };
    const tree = readDtb(boardDtb(zoneTreeInput(qemuGicv3, noIts, [root, noIts], { virtio })), 'zone1');
    expect(paths(tree).some((p) => p.includes('its@'))).toBe(false);
  });

  it("passes the zone DTB check with its virtio device's INTID, and names a disagreeing one", () => {
    const blob = boardDtb(zoneTreeInput(qemuGicv3, zone1, [root, zone1], { virtio }));
    expect(checkZoneDtb(blob, 'zone1.dtb', zone1, virtio)).toEqual([]);
    expect(checkZoneDtb(blob, 'zone1.dtb', zone1, [{ ...virtio[0]!, irq: 79 }]).map((f) => f.message)).toEqual([
      'interrupts = <0 46 1> (SPI 46, INTID 78) but virtio_cfg.json gives this device irq 79',
    ]);
  });

  it("refuses an arch_config whose GIC version is not the board's", () => {
    const v2 = rootZoneConfig(qemuGicv2);
    const wrong: ZoneConfig = { ...zone1, archConfig: v2.archConfig };
    expect(() => zoneTreeInput(qemuGicv3, wrong, [root, wrong])).toThrow("zone 1 (linux1): arch_config gic_version is v2, but the board's 'gic' is arm-gicv3");
  });

  it("masks a GICv2 zone's PPIs to its own CPUs", () => {
    const rootV2 = rootZoneConfig(qemuGicv2);
    const tree = readDtb(boardDtb(zoneTreeInput(qemuGicv2, rootV2, [rootV2])), 'zone0');
    expect(prop(tree, '/timer', 'interrupts')).toEqual([1, 13, 0x304, 1, 14, 0x304, 1, 11, 0x304, 1, 10, 0x304]);
    expect(prop(tree, '/intc@8000000', 'reg')).toHaveLength(16);
  });
});
