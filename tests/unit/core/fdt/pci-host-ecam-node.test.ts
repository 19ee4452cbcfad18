import { describe, expect, it } from 'vitest';
import { buildBoardTree, wholeBoardInput } from '../../../../src/core/fdt/board-dtb';
import { qemuPlic } from '../../../../src/boards/riscv64/qemu-plic';
import type { FdtNode } from '../../../../src/core/fdt/fdt-writer';
import { qemuVirtArmPcie, qemuVirtRiscvPcie } from '../../../../src/boards/qemu-virt-pcie';
import { pciHostWindows } from '../../../../src/core/devices/pci/pci-host-board';

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

describe('QEMU virt PCIe host as reusable board data', () => {
  it('writes msi-parent only for a board that names its MSI controller', () => {
    const pcie = qemuVirtRiscvPcie({ intx: [32, 33, 34, 35], msiParent: 'plic' });
    const board = { ...qemuPlic, devices: qemuPlic.devices.map((d) => (d.kind === 'pci-host-ecam' ? pcie : d)) };
    const tree = buildBoardTree(wholeBoardInput(board));
    const pci = tree.root.children.flatMap((c) => c.children).find((n) => n.name === 'pci@30000000')!;
    expect(pci.property('msi-parent')?.value).toEqual({ type: 'cells', cells: [{ ref: 'plic' }] });
  });

  it('gives the aarch64 virt windows and refuses props that cannot be a host', () => {
    const arm = pciHostWindows(qemuVirtArmPcie({ intx: [35, 36, 37, 38] }));
    expect(arm.busRange).toEqual([0, 15]);
    expect(arm.io).toEqual({ cpuBase: 0x3eff_0000, pciBase: 0, size: 0x1_0000 });
    expect(arm.mem32).toEqual({ cpuBase: 0x1000_0000, pciBase: 0x1000_0000, size: 0x2eff_0000 });
    expect(arm.mem64).toBeUndefined();
    const bad = { ...qemuVirtArmPcie({ intx: [35, 36, 37, 38] }), props: { busRange: [0, 0xff], pioBase: 0, pioSize: 1, mmio32Base: 0, mmio32Size: 1 } };
    expect(() => pciHostWindows(bad)).toThrow(/device 'pcie' \(pci-host-ecam\): the ECAM window of 16777216 bytes is smaller than 256 buses/);
    expect(() => pciHostWindows({ ...bad, irq: [1, 2] })).toThrow(/busRange|needs 4 interrupts|smaller/);
  });
});
