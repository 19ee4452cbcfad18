/** DMA ports: identity over every RAM bank, an IOMMU that translates or refuses, and faults that name who asked. */
import { describe, expect, it } from 'vitest';
import { AddressSpace } from '../../../../src/core/bus/address-space';
import { DmaFault, DmaPort, RegionIommu, type DmaRequester, type Iommu } from '../../../../src/core/bus/dma';

const LOW = 0x8000_0000;
const HIGH = 0x1_0000_0000;
const blk: DmaRequester = { zone: 1, device: 'virtio-blk@0x10001000' };

function banks(): AddressSpace {
  const buffer = new SharedArrayBuffer(0x30000);
  return new AddressSpace(LOW, { buffer, byteOffset: 0, byteLength: 0x10000 }, {
    moreRam: [{ base: LOW + 0x10000, region: { buffer, byteOffset: 0x10000, byteLength: 0x10000 } }, { base: HIGH, region: { buffer, byteOffset: 0x20000, byteLength: 0x10000 } }],
  });
}

describe('DmaPort', () => {
  it('reads and writes any bank with the identity IOMMU, also across two banks that touch', () => {
    const bus = banks();
    const port = new DmaPort(bus, blk);
    port.write(HIGH + 0x10, Uint8Array.of(1, 2, 3));
    expect(bus.read(HIGH + 0x10, 2)).toBe(0x0201);
    const across = Uint8Array.from({ length: 16 }, (_, i) => i + 1);
    port.write(LOW + 0x10000 - 8, across);
    expect(port.read(LOW + 0x10000 - 8, 16)).toEqual(across);
    expect(bus.read(LOW + 0x10000, 1)).toBe(9);
  });

  it('gives a zero-copy view inside one bank and refuses one across banks', () => {
    const bus = banks();
    const port = new DmaPort(bus, blk);
    port.view(HIGH, 4, 'write').set([0xaa, 0xbb, 0xcc, 0xdd]);
    expect(bus.read(HIGH, 4)).toBe(0xddccbbaa);
    expect(() => port.view(LOW + 0x10000 - 8, 16)).toThrow(/is not inside one RAM bank/);
  });

  it('refuses what is not RAM, naming the device, the zone and the address, and writes nothing', () => {
    const bus = banks();
    const faults: DmaFault[] = [];
    const port = new DmaPort(bus, blk, { onFault: (f) => faults.push(f) });
    // Starts in RAM, runs past the last bank: no byte may be written.
    expect(() => port.write(HIGH + 0x10000 - 2, Uint8Array.of(7, 7, 7, 7))).toThrow(
      'DMA write of 4 byte(s) at 0x10000fffe by virtio-blk@0x10001000 of zone 1 refused: physical 0x100010000 is not RAM',
    );
    expect(bus.read(HIGH + 0x10000 - 2, 2)).toBe(0);
    expect(port.tryView(0x1000_0000, 4)).toBeUndefined();
    expect(faults.map((f) => [f.access, f.address, f.requester.zone])).toEqual([['write', HIGH + 0x10000 - 2, 1], ['read', 0x1000_0000, 1]]);
  });

  it('goes through the IOMMU first: a region table translates zone addresses and refuses the rest', () => {
    const bus = banks();
    // The zone's guest-physical 0x9000_0000.. is root-physical HIGH..
    const port = new DmaPort(bus, blk, { iommu: new RegionIommu([{ deviceStart: 0x9000_0000, physicalStart: HIGH, size: 0x1000 }]) });
    port.write(0x9000_0100, Uint8Array.of(0x5a));
    expect(bus.read(HIGH + 0x100, 1)).toBe(0x5a);
    expect(() => port.read(0x9000_0ff0, 0x20)).toThrow(/refused: not inside one of the memory regions the device may reach \(at 0x90000ff0\)/);
    // The identity address of the same RAM is not the zone's to use.
    expect(() => port.read(HIGH + 0x100, 1)).toThrow(DmaFault);
  });

  it('asks the IOMMU again for the rest of a range it translates page by page, with the requester', () => {
    const bus = banks();
    const asked: string[] = [];
    // Swaps two pages: device page 0 is physical LOW + 0x1000 and device page 1 is physical LOW.
    const swap: Iommu = {
      translate(requester, address, length, access) {
        asked.push(`${requester.device} ${access} 0x${address.toString(16)}+${length}`);
        const page = Math.floor(address / 0x1000);
        if (page > 1) return { refused: 'no mapping' };
        return { physical: LOW + (1 - page) * 0x1000 + (address % 0x1000), length: Math.min(length, 0x1000 - (address % 0x1000)) };
      },
    };
    const port = new DmaPort(bus, blk, { iommu: swap });
    bus.write(LOW + 0x1ffe, 2, 0x2211);
    bus.write(LOW, 2, 0x4433);
    expect(Array.from(port.read(0xffe, 4))).toEqual([0x11, 0x22, 0x33, 0x44]);
    expect(asked).toEqual(['virtio-blk@0x10001000 read 0xffe+4', 'virtio-blk@0x10001000 read 0x1000+2']);
    expect(() => port.view(0xffe, 4)).toThrow(/not contiguous after translation/);
  });

  it('views a buffer across an IOMMU page or block boundary when the next translation continues it (an SMMU mapping a zone in 2 MiB blocks)', () => {
    const bus = banks();
    // Device address 0x4000_0000 + x is physical LOW + x, answered one 4 KiB page at a time.
    const paged: Iommu = {
      translate(_requester, address, length) {
        if (address < 0x4000_0000 || address >= 0x4001_0000) return { refused: 'no mapping' };
        return { physical: LOW + address - 0x4000_0000, length: Math.min(length, 0x1000 - (address % 0x1000)) };
      },
    };
    const port = new DmaPort(bus, blk, { iommu: paged });
    bus.write(LOW + 0x1ffe, 4, 0x4433_2211);
    const view = port.view(0x4000_1ffe, 0x2004, 'write');
    expect(view.length).toBe(0x2004);
    expect(Array.from(view.subarray(0, 4))).toEqual([0x11, 0x22, 0x33, 0x44]);
    view[0x2003] = 0x77;
    expect(bus.read(LOW + 0x1ffe + 0x2003, 1)).toBe(0x77);
    // A range whose last page has no mapping is refused, naming where.
    expect(() => port.view(0x4000_fff0, 0x20)).toThrow(/no mapping \(at 0x40010000\)/);
  });

  it('refuses negative, fractional and unsafe addresses before asking the IOMMU', () => {
    const port = new DmaPort(banks(), { zone: 2, device: 'virtio-net', streamId: 0x10 });
    expect(() => port.read(-1, 4)).toThrow('DMA read of 4 byte(s) at -1 by virtio-net of zone 2 (stream 0x10) refused: address or length is not a non-negative integer below 2^53');
    expect(() => port.read(2 ** 53, 1)).toThrow(DmaFault);
  });
});
