import { describe, expect, it } from 'vitest';
import { LayoutError, parseLayout } from '../../../src/shared/validate/layout';
import { layoutRootZone } from '../../../src/shared/model/layout-root-zone';
import { getBoard } from '../../../src/boards';

const ROOT = { image: 'Image', mode: 'supervisor' };
const parse = (pci: unknown) => parseLayout(JSON.stringify({ name: 'p', board: 'qemu-plic', root: ROOT, pci }), 'demo/layout.json');
const findings = (pci: unknown): string[] => {
  try {
    parse(pci);
  } catch (error) {
    if (error instanceof LayoutError) return [...error.findings];
    throw error;
  }
  return [];
};

describe('layout.json pci', () => {
  it('reads virtio-blk-pci functions with their slot, image and read_only', () => {
    const layout = parse([{ type: 'virtio-blk-pci', slot: 1, img: 'disk.img', read_only: true }, { type: 'virtio-blk-pci', slot: 3, img: 'b.img' }]);
    expect(layout.pci).toEqual([
      { type: 'virtio-blk-pci', slot: 1, img: 'disk.img', readOnly: true },
      { type: 'virtio-blk-pci', slot: 3, img: 'b.img', readOnly: false },
    ]);
  });

  it('reads a virtio-net-pci function with its switch port and MAC, and refuses a disk image or a multicast MAC on it', () => {
    expect(parse([{ type: 'virtio-net-pci', slot: 2, tap: 'lan', mac: [2, 0, 0, 0x50, 0, 2] }]).pci).toEqual([{ type: 'virtio-net-pci', slot: 2, readOnly: false, tap: 'lan', mac: [2, 0, 0, 0x50, 0, 2] }]);
    expect(findings([{ type: 'virtio-net-pci', slot: 2, img: 'x.img', mac: [1, 0, 0, 0, 0, 1] }])).toEqual([
      'demo/layout.json: pci[0].img: only a virtio-blk-pci function has a disk image',
      'demo/layout.json: pci[0].mac: must be 6 bytes 0..255 of a unicast address, on a virtio-net-pci function',
    ]);
    expect(findings([{ type: 'virtio-blk-pci', slot: 1, img: 'd', tap: 'lan' }])).toEqual(['demo/layout.json: pci[0].tap: must be a switch port name, on a virtio-net-pci function']);
  });

  it('reads a bochs-display function by its slot alone, and refuses a disk image, a port or a MAC on it', () => {
    expect(parse([{ type: 'bochs-display', slot: 1 }]).pci).toEqual([{ type: 'bochs-display', slot: 1, readOnly: false }]);
    expect(findings([{ type: 'bochs-display', slot: 1, img: 'x.img', tap: 'lan', mac: [2, 0, 0, 0, 0, 1] }])).toEqual([
      'demo/layout.json: pci[0].img: only a virtio-blk-pci function has a disk image',
      'demo/layout.json: pci[0].tap: must be a switch port name, on a virtio-net-pci function',
      'demo/layout.json: pci[0].mac: must be 6 bytes 0..255 of a unicast address, on a virtio-net-pci function',
    ]);
  });

  it('names the file, entry and field of each mistake', () => {
    expect(findings([{ type: 'e1000', slot: 0 }])).toEqual([
      'demo/layout.json: pci[0].type: must be one of "virtio-blk-pci", "virtio-net-pci", "bochs-display"',
      'demo/layout.json: pci[0].slot: must be a device number 1..31 on bus 0 (0 is the host bridge)',
    ]);
    expect(findings([{ type: 'virtio-blk-pci', slot: 1, img: '' }])).toEqual(['demo/layout.json: pci[0].img: must be the path of a disk image']);
    expect(findings([{ type: 'virtio-blk-pci', slot: 2, img: 'a' }, { type: 'virtio-blk-pci', slot: 2, img: 'b', bar: 4 }])).toEqual([
      'demo/layout.json: pci[1].bar: unknown key',
      'demo/layout.json: pci[1].slot: device 2 is already taken by an earlier entry',
    ]);
    expect(findings({ type: 'virtio-blk-pci' })[0]).toMatch(/pci: must be an array/);
    expect(findings(Array.from({ length: 40 }, (_, i) => ({ type: 'virtio-blk-pci', slot: i + 1, img: 'x' })))[0]).toMatch(/pci: 40 entries; a layout has at most 31/);
  });
});

describe('layout.json root.alloc_pci_devs (ROOT_PCI_DEVS for the layout)', () => {
  const rootParse = (alloc: unknown) => parseLayout(JSON.stringify({ name: 'p', board: 'qemu-aia', root: { ...ROOT, alloc_pci_devs: alloc } }), 'demo/layout.json');
  const rootFindings = (alloc: unknown): string[] => {
    try {
      rootParse(alloc);
    } catch (error) {
      if (error instanceof LayoutError) return [...error.findings];
      throw error;
    }
    return [];
  };

  it("replaces the board's list and takes the board's region over the ECAM away, so that the vPCI traps the root", () => {
    const layout = rootParse([{ domain: '0x0', bus: '0x0', device: '0x1', function: '0x0', dev_type: '0' }]);
    expect(layout.root.pciDevices).toEqual([{ domain: 0, bus: 0, device: 1, function: 0, vBus: 0, vDevice: 1, vFunction: 0, devType: 0 }]);
    const board = getBoard('qemu-aia');
    const root = layoutRootZone(board, layout.root);
    expect(root.allocPciDevs.map((d) => d.device)).toEqual([1]);
    const ecam = root.pciConfig[0]!;
    expect(ecam.ecamBase).toBe(0x3000_0000);
    // qemu-aia's board.rs passes the ECAM through as io; with the layout's list it is gone, the rest stays.
    expect(layoutRootZone(board, {}).memoryRegions.some((r) => r.physicalStart === 0x3000_0000)).toBe(true);
    expect(root.memoryRegions.some((r) => r.physicalStart === 0x3000_0000)).toBe(false);
    expect(root.memoryRegions.length).toBe(layoutRootZone(board, {}).memoryRegions.length - 1);
  });

  it('names the entry and field of each mistake', () => {
    expect(rootFindings([{ domain: 0, bus: 0, device: 32, function: 0, dev_type: 0, v_bus: 1 }])).toEqual([
      'demo/layout.json: root.alloc_pci_devs[0].v_bus: unknown key',
      'demo/layout.json: root.alloc_pci_devs[0].device: not a number from 0 to 31: 32',
    ]);
    expect(rootFindings({})[0]).toMatch(/root\.alloc_pci_devs: must be an array/);
    expect(rootFindings([{ domain: 0, bus: 0, device: 1, function: 8, dev_type: 2 }])).toEqual([
      'demo/layout.json: root.alloc_pci_devs[0].function: not a number from 0 to 7: 8',
      'demo/layout.json: root.alloc_pci_devs[0].dev_type: not a number from 0 to 1: 2',
    ]);
  });
});
