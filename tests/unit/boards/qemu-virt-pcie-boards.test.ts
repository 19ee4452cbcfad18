/**
 * The PCIe host on the other QEMU virt boards (decision 0028): qemu-aia takes it from the shared board
 * data with msi-parent at its IMSIC (an msi-controller), so Linux gives virtio-pci MSI-X vectors; the
 * aarch64 qemu-gicv3 and qemu-gicv2 boards have it where hvisor's board.rs ROOT_PCI_CONFIG says, with
 * INTA..INTD on GIC SPIs 3..6 (INTIDs 35..38, level); qemu-gicv3's host has an msi-map to its ITS.
 */
import { describe, expect, it } from 'vitest';
import { buildBoardTree, wholeBoardInput } from '../../../src/core/fdt/board-dtb';
import type { FdtNode } from '../../../src/core/fdt/fdt-writer';
import { qemuAia } from '../../../src/boards/riscv64/qemu-aia';
import { qemuGicv3 } from '../../../src/boards/aarch64/qemu-gicv3';
import { qemuGicv2 } from '../../../src/boards/aarch64/qemu-gicv2';
import { pciHostWindows } from '../../../src/core/devices/pci/pci-host-board';
import type { Board } from '../../../src/shared/model/board';
import { qemuPlic } from '../../../src/boards/riscv64/qemu-plic';
import { rootZoneConfig } from '../../../src/shared/model/zone-config';
import { checkZone } from '../../../src/shared/validate/zone-checks';

const cells = (node: FdtNode, name: string) => {
  const v = node.property(name)?.value;
  if (v?.type !== 'cells') throw new Error(`${name} is not cells`);
  return v.cells;
};

function find(node: FdtNode, test: (n: FdtNode) => boolean): FdtNode | undefined {
  if (test(node)) return node;
  for (const c of node.children) {
    const hit = find(c, test);
    if (hit) return hit;
  }
  return undefined;
}

const pciNode = (board: Board) => find(buildBoardTree(wholeBoardInput(board)).root, (n) => n.name.startsWith('pci@'))!;

describe('QEMU virt PCIe host on qemu-aia and the aarch64 qemu boards', () => {
  it('qemu-aia: the shared riscv64 host data, msi-parent at the IMSIC, INTx at APLIC sources 32..35', () => {
    const tree = buildBoardTree(wholeBoardInput(qemuAia));
    const pci = find(tree.root, (n) => n.name === 'pci@30000000')!;
    expect(pci.property('msi-parent')?.value).toEqual({ type: 'cells', cells: [{ ref: 'imsics' }] });
    const imsic = find(tree.root, (n) => n.name.startsWith('imsics@'))!;
    expect(imsic.property('msi-controller')).toBeDefined();
    const map = cells(pci, 'interrupt-map');
    // slot 1 INTA -> APLIC source 33, level high (APLIC specifier: source, IRQ_TYPE_LEVEL_HIGH 4).
    const entry = map.slice(4 * (map.length / 16), 5 * (map.length / 16));
    expect(entry.slice(0, 4)).toEqual([1 << 11, 0, 0, 1]);
    expect(entry.slice(-2)).toEqual([33, 4]);
    const w = pciHostWindows(qemuAia.devices.find((d) => d.kind === 'pci-host-ecam')!);
    expect(w.mem64).toEqual({ cpuBase: 0x4_0000_0000, pciBase: 0x4_0000_0000, size: 0x4_0000_0000 });
  });

  for (const board of [qemuGicv3, qemuGicv2]) {
    it(`${board.name}: ROOT_PCI_CONFIG's windows, INTx on SPIs 3..6 with the swizzle, msi-map to the ITS on qemu-gicv3 only`, () => {
      const host = board.devices.find((d) => d.kind === 'pci-host-ecam')!;
      const w = pciHostWindows(host);
      expect([host.base, host.size]).toEqual([0x40_1000_0000, 0x1000_0000]);
      expect(w.io).toEqual({ cpuBase: 0x3eff_0000, pciBase: 0, size: 0x1_0000 });
      expect(w.mem32).toEqual({ cpuBase: 0x1000_0000, pciBase: 0x1000_0000, size: 0x2eff_0000 });
      expect(w.mem64).toEqual({ cpuBase: 0x80_0000_0000, pciBase: 0x80_0000_0000, size: 0x80_0000_0000 });
      const pci = pciNode(board);
      expect(pci.name).toBe('pci@4010000000');
      expect(pci.property('msi-parent')).toBeUndefined();
      if (board === qemuGicv3) {
        // The ITS: QEMU virt's identity msi-map over every requester ID, and the ITS node it names.
        expect(pci.property('msi-map')?.value).toEqual({ type: 'cells', cells: [0, { ref: 'its' }, 0, 0x1_0000] });
      } else {
        expect(pci.property('msi-map')).toBeUndefined();
      }
      const map = cells(pci, 'interrupt-map');
      const per = map.length / 16;
      // GIC specifier <GIC_SPI n IRQ_TYPE_LEVEL_HIGH> after the GIC's address cells: slot s pin p -> SPI 3 + (s + p - 1) mod 4.
      for (let slot = 0; slot < 4; slot++) {
        for (let pin = 1; pin <= 4; pin++) {
          const entry = map.slice((slot * 4 + pin - 1) * per, (slot * 4 + pin) * per);
          expect(entry.slice(0, 4)).toEqual([slot << 11, 0, 0, pin]);
          expect(entry.slice(-3)).toEqual([0, 3 + ((slot + pin - 1) % 4), 4]);
        }
      }
    });
  }

  it('a root io region over a host window (a display BAR lives there) is not "no device"; one beside every window is', () => {
    const root = rootZoneConfig(qemuPlic);
    const over = { ...root, memoryRegions: [...root.memoryRegions, { type: 'io' as const, physicalStart: 0x4000_0000, virtualStart: 0x4000_0000, size: 0x4000_0000 }] };
    expect(checkZone(over, qemuPlic).filter((f) => /covers no device/.test(f.message))).toEqual([]);
    const beside = { ...root, memoryRegions: [...root.memoryRegions, { type: 'io' as const, physicalStart: 0x2000_0000, virtualStart: 0x2000_0000, size: 0x1000 }] };
    expect(checkZone(beside, qemuPlic).map((f) => f.message)).toContain('io region 0x20000000+0x1000 covers no device of qemu-plic');
  });
});
