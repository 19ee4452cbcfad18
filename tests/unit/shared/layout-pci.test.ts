import { describe, expect, it } from 'vitest';
import { LayoutError, parseLayout } from '../../../src/shared/validate/layout';

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
