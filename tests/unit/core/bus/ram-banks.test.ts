/** Several RAM banks in one AddressSpace: bank lookup, span offsets, bus reads and writes, bad layouts. */
import { describe, expect, it } from 'vitest';
import { AddressSpace, BusError } from '../../../../src/core/bus/address-space';

const LOW = 0x8000_0000;
const HIGH = 0x1_0000_0000;

/** Bank 0: 64 KiB at LOW (buffer 0); bank 1: 16 KiB at HIGH, 4 KiB after bank 0 in the buffer (a gap). */
function twoBanks(): { bus: AddressSpace; buffer: SharedArrayBuffer } {
  const buffer = new SharedArrayBuffer(0x20000);
  const bus = new AddressSpace(LOW, { buffer, byteOffset: 0, byteLength: 0x10000 }, {
    moreRam: [{ base: HIGH, region: { buffer, byteOffset: 0x11000, byteLength: 0x4000 } }],
  });
  return { bus, buffer };
}

describe('RAM banks', () => {
  it('keeps `ram` as the first bank and spans every bank in the buffer', () => {
    const { bus } = twoBanks();
    expect(bus.ram.base).toBe(LOW);
    expect(bus.banks.map((b) => [b.base, b.size, b.spanOffset])).toEqual([[LOW, 0x10000, 0], [HIGH, 0x4000, 0x11000]]);
    expect(bus.ramSpan.size).toBe(0x15000);
  });

  it('finds the bank of an access and answers span offsets and back', () => {
    const { bus } = twoBanks();
    expect(bus.isRam(HIGH + 0x3ff8, 8)).toBe(true);
    expect(bus.isRam(HIGH + 0x3ffc, 8)).toBe(false);
    expect(bus.isRam(LOW + 0x10000, 1)).toBe(false);
    expect(bus.ramOffset(LOW + 0x10, 4)).toBe(0x10);
    expect(bus.ramOffset(HIGH + 0x10, 4)).toBe(0x11010);
    expect(bus.ramOffset(HIGH - 4, 4)).toBe(-1);
    expect(bus.ramAddress(0x11010)).toBe(HIGH + 0x10);
    // The gap between the banks in the buffer is no guest address.
    expect(bus.ramAddress(0x10800)).toBe(-1);
  });

  it('reads and writes every bank through the bus, at the bank region in the buffer', () => {
    const { bus, buffer } = twoBanks();
    bus.write(HIGH + 0x100, 8, 0x1122_3344, 0x5566_7788);
    expect(new DataView(buffer).getUint32(0x11100, true)).toBe(0x1122_3344);
    expect(bus.read(HIGH + 0x100, 8)).toBe(0x1122_3344);
    expect(bus.high).toBe(0x5566_7788);
    bus.write(LOW + 4, 2, 0xbeef);
    expect(bus.read(LOW + 4, 2)).toBe(0xbeef);
    expect(() => bus.read(HIGH + 0x4000, 4)).toThrow(BusError);
  });

  it('refuses banks that overlap, lie before the previous one in the buffer, or sit in another buffer', () => {
    const buffer = new SharedArrayBuffer(0x20000);
    const first = { buffer, byteOffset: 0x8000, byteLength: 0x8000 };
    expect(() => new AddressSpace(LOW, first, { moreRam: [{ base: LOW + 0x4000, region: { buffer, byteOffset: 0x10000, byteLength: 0x1000 } }] }))
      .toThrow('RAM bank 1 at 0x80004000..0x80005000 overlaps the bank at 0x80000000');
    expect(() => new AddressSpace(LOW, first, { moreRam: [{ base: HIGH, region: { buffer, byteOffset: 0, byteLength: 0x1000 } }] }))
      .toThrow('RAM bank 1 at 0x100000000 must lie after bank 0 in the buffer');
    expect(() => new AddressSpace(LOW, first, { moreRam: [{ base: HIGH, region: { buffer: new SharedArrayBuffer(0x1000), byteOffset: 0, byteLength: 0x1000 } }] }))
      .toThrow('RAM bank 1 at 0x100000000 is not in the same buffer as the first bank');
  });

  it('refuses a device window over any bank', () => {
    const { bus } = twoBanks();
    const dev = { kind: 'x', registers: [], read: () => 0, write: () => undefined, reset: () => undefined, peek: () => ({}) };
    expect(() => bus.map('dev', HIGH + 0x3000, 0x2000, dev)).toThrow("device 'dev' at 0x100003000 overlaps RAM bank 0x100000000..0x100004000");
    bus.map('dev', HIGH + 0x4000, 0x1000, dev);
    expect(bus.findDevice(HIGH + 0x4000, 4)?.name).toBe('dev');
  });
});
