import { describe, expect, it } from 'vitest';
import { buildBoardTree, wholeBoardInput } from '../../../../src/core/fdt/board-dtb';
import { qemuPlic } from '../../../../src/boards/riscv64/qemu-plic';
import type { FdtNode } from '../../../../src/core/fdt/fdt-writer';

const cells = (node: FdtNode, name: string) => {
  const v = node.property(name)?.value;
  if (v?.type !== 'cells') throw new Error(`${name} is not cells`);
  return v.cells;
};

describe('pci-host-ecam-generic device-tree node (qemu-plic)', () => {
  const tree = buildBoardTree(wholeBoardInput(qemuPlic));
  const soc = tree.root.children.find((c) => c.children.some((n) => n.name.startsWith('pci@')))!;
  const pci = soc.children.find((n) => n.name === 'pci@30000000')!;

  it('describes the ECAM window, the bus range and the three windows of QEMU virt', () => {
    const compatible = pci.property('compatible')?.value;
    expect(compatible).toEqual({ type: 'strings', strings: ['pci-host-ecam-generic'] });
    expect(cells(pci, 'reg')).toEqual([0, 0x3000_0000, 0, 0x1000_0000]);
    expect(cells(pci, 'bus-range')).toEqual([0, 0xff]);
    expect(cells(pci, 'ranges')).toEqual([
      0x0100_0000, 0, 0, 0, 0x0300_0000, 0, 0x1_0000,
      0x0200_0000, 0, 0x4000_0000, 0, 0x4000_0000, 0, 0x4000_0000,
      0x0300_0000, 4, 0, 4, 0, 4, 0,
    ]);
    expect(pci.property('msi-parent')).toBeUndefined();
  });

  it('maps INTA..INTD of four slots to PLIC sources 32..35 with the swizzle', () => {
    const map = cells(pci, 'interrupt-map');
    // Entry: 3 cells child address, 1 cell pin, the PLIC's phandle, 0 address cells, 1 cell source.
    expect(map.length).toBe(16 * 6);
    const entry = (slot: number, pin: number) => map.slice((slot * 4 + pin - 1) * 6, (slot * 4 + pin) * 6);
    expect(entry(0, 1)).toEqual([0, 0, 0, 1, { ref: 'plic' }, 32]);
    expect(entry(1, 1)).toEqual([1 << 11, 0, 0, 1, { ref: 'plic' }, 33]);
    expect(entry(2, 4)).toEqual([2 << 11, 0, 0, 4, { ref: 'plic' }, 33]);
    expect(entry(3, 2)).toEqual([3 << 11, 0, 0, 2, { ref: 'plic' }, 32]);
    expect(cells(pci, 'interrupt-map-mask')).toEqual([0x1800, 0, 0, 7]);
  });
});
