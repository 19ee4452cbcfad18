/**
 * The device tree a zone is given keeps its guest away from hvisor's own memory where the zone's RAM
 * overlaps it, as hvisor's qemu-plic zone0.dts does with its "opensbi+hvisor" reserved-memory node
 * (the validator only warns about such RAM, issue 8 item 2).
 */
import { describe, expect, it } from 'vitest';
import { qemuPlic } from '../../../../src/boards/riscv64/qemu-plic';
import { buildBoardTree } from '../../../../src/core/fdt/board-dtb';
import { zoneTreeInput } from '../../../../src/core/hypervisor/zone-dtb';
import { rootZoneConfig, type ZoneConfig } from '../../../../src/shared/model/zone-config';

describe('a zone device tree and hvisor memory', () => {
  const root = rootZoneConfig(qemuPlic);
  const zone: ZoneConfig = {
    ...root, root: false, zoneId: 1, name: 'z', source: 'z.json', cpus: [2], interrupts: [], allocPciDevs: [],
    memoryRegions: [{ type: 'ram', physicalStart: 0x8800_0000, virtualStart: 0x8800_0000, size: 0x100_0000 }],
  };

  it("reserves the part of the root's RAM that hvisor's image and frame allocator use (0x83000000..0x84400000)", () => {
    const tree = buildBoardTree(zoneTreeInput(qemuPlic, root, [root, zone]));
    expect(tree.reservations).toEqual([
      { address: 0x8300_0000, size: 0x140_0000 },
      { address: 0x8800_0000, size: 0x100_0000 },
    ]);
  });

  it('reserves nothing for a zone whose RAM is clear of hvisor, and translates to guest addresses otherwise', () => {
    expect(buildBoardTree(zoneTreeInput(qemuPlic, zone, [root, zone])).reservations).toEqual([]);
    const low: ZoneConfig = { ...zone, memoryRegions: [{ type: 'ram', physicalStart: 0x8420_0000, virtualStart: 0x4000_0000, size: 0x100_0000 }] };
    expect(buildBoardTree(zoneTreeInput(qemuPlic, low, [root, low])).reservations).toEqual([{ address: 0x4000_0000, size: 0x20_0000 }]);
  });
});
