/**
 * Device windows that appear, disappear and move at run time, seen by two AddressSpaces over one
 * shared buffer (as two threads each have their own): a change made through one reaches the other.
 */
import { describe, expect, it } from 'vitest';
import { AddressSpace, BusError } from '../../../../src/core/bus/address-space';
import type { MmioDevice } from '../../../../src/core/bus/types';
import { windowTableBytes } from '../../../../src/core/bus/window-table';

const RAM = 0x8000_0000;
const RAM_BYTES = 0x10000;

/** A device whose registers live in the shared buffer, as the machine's devices do; it answers its own tag. */
function device(tag: number): MmioDevice {
  return { kind: 'tagged', registers: [], read: () => tag, write: () => undefined, reset: () => undefined, peek: () => ({}) };
}

/** What one thread builds: its AddressSpace over the shared RAM and window table, the same windows declared. */
function thread(buffer: SharedArrayBuffer, changes: string[] = []): AddressSpace {
  const bus = new AddressSpace(RAM, { buffer, byteOffset: 0, byteLength: RAM_BYTES }, {
    windows: { buffer, byteOffset: RAM_BYTES, byteLength: windowTableBytes(16) },
    onWindowsChanged: () => changes.push('flush'),
  });
  bus.map('uart', 0x1000_0000, 0x100, device(1));
  bus.map('virtio0', 0x1000_1000, 0x1000, device(2));
  bus.declareUnmapped('bar0', device(3));
  return bus;
}

function shared(): SharedArrayBuffer {
  return new SharedArrayBuffer(RAM_BYTES + windowTableBytes(16));
}

describe('device windows shared between threads', () => {
  it('a window mapped at run time by one thread answers on the other', () => {
    const buffer = shared();
    const a = thread(buffer);
    const b = thread(buffer);
    expect(() => b.read(0x4000_0000, 4)).toThrow(BusError);
    a.map('bar0', 0x4000_0000, 0x1000);
    expect(b.read(0x4000_0010, 4)).toBe(3);
    expect(b.windowOf('bar0')).toMatchObject({ base: 0x4000_0000, size: 0x1000 });
  });

  it('a move on one thread is seen on the other: old place empty, new place answers', () => {
    const buffer = shared();
    const a = thread(buffer);
    const b = thread(buffer);
    expect(b.read(0x1000_1000, 4)).toBe(2); // b's last-hit cache now holds virtio0
    a.move('virtio0', 0x2000_0000);
    expect(() => b.read(0x1000_1000, 4)).toThrow(BusError);
    expect(b.read(0x2000_0004, 4)).toBe(2);
    expect(b.mappings.map((m) => [m.name, m.base])).toEqual([['uart', 0x1000_0000], ['virtio0', 0x2000_0000]]);
  });

  it('an unmap removes the window everywhere, and a thread built later sees the current placement', () => {
    const buffer = shared();
    const a = thread(buffer);
    a.map('bar0', 0x4000_0000, 0x1000);
    a.unmap('uart');
    const late = thread(buffer);
    expect(() => late.read(0x1000_0000, 1)).toThrow(BusError);
    expect(late.read(0x4000_0000, 4)).toBe(3);
  });

  it('checks a new placement against the windows and RAM as they are now, on every thread', () => {
    const buffer = shared();
    const a = thread(buffer);
    const b = thread(buffer);
    a.map('bar0', 0x3000_0000, 0x1000);
    expect(() => b.move('virtio0', 0x3000_0800)).toThrow("device 'virtio0' at 0x30000800 overlaps 'bar0'");
    expect(() => b.move('virtio0', RAM + 0x1000)).toThrow("device 'virtio0' at 0x80001000 overlaps RAM");
    // A refused change changes nothing: the generation stays and virtio0 is where it was.
    const generation = a.windowGeneration;
    expect(a.sync()).toBe(false);
    expect(a.windowGeneration).toBe(generation);
    expect(a.read(0x1000_1000, 4)).toBe(2);
  });

  it('tells the machine about a change on the changing thread only, and not for a no-op', () => {
    const buffer = shared();
    const changesA: string[] = [];
    const changesB: string[] = [];
    const a = thread(buffer, changesA);
    thread(buffer, changesB);
    a.unmap('bar0'); // already unmapped: nothing to do
    expect(changesA).toEqual([]);
    a.move('uart', 0x1100_0000);
    expect(changesA).toEqual(['flush']);
    expect(changesB).toEqual([]);
  });

  it('resetWindows puts every window back where it was declared', () => {
    const buffer = shared();
    const a = thread(buffer);
    const b = thread(buffer);
    a.move('uart', 0x1100_0000);
    a.map('bar0', 0x4000_0000, 0x1000);
    b.resetWindows();
    expect(a.mappings.map((m) => [m.name, m.base])).toEqual([['uart', 0x1000_0000], ['virtio0', 0x1000_1000]]);
  });

  it('names the window in errors: unknown, mapped twice, moved while unmapped, declared differently', () => {
    const buffer = shared();
    const a = thread(buffer);
    expect(() => a.move('nope', 0)).toThrow("no device window 'nope'");
    expect(() => a.map('uart', 0x2000_0000, 0x100)).toThrow("device window 'uart' is already mapped at 0x10000000; move it instead");
    expect(() => a.move('bar0', 0x2000_0000)).toThrow("device window 'bar0' is not mapped; map it instead of moving it");
    expect(() => a.map('bar1', 0x2000_0000, 0x100)).toThrow("device window 'bar1' is not declared: map it with its device first");
    const other = new AddressSpace(RAM, { buffer, byteOffset: 0, byteLength: RAM_BYTES }, {
      windows: { buffer, byteOffset: RAM_BYTES, byteLength: windowTableBytes(16) },
    });
    expect(() => other.map('rtc', 0x10_1000, 0x1000, device(9))).toThrow(/'rtc': slot 0 of the shared window table belongs to another window/);
  });

  it('a private table (no shared region) behaves the same on its own', () => {
    const bus = new AddressSpace(RAM, { buffer: new SharedArrayBuffer(RAM_BYTES), byteOffset: 0, byteLength: RAM_BYTES });
    bus.map('dev', 0x1000, 0x100, device(7));
    bus.move('dev', 0x2000);
    expect(bus.read(0x2000, 4)).toBe(7);
    expect(bus.findDevice(0x1000, 4)).toBeUndefined();
  });
});
