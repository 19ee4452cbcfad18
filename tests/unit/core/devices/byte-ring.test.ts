import { describe, expect, it } from 'vitest';
import { ByteRing } from '../../../../src/core/devices/byte-ring';
import { sharedRegion } from './helpers';

describe('ByteRing', () => {
  it('rejects capacities that are not powers of two', () => {
    expect(() => ByteRing.stateBytes(100)).toThrow(/power of two/);
    expect(() => new ByteRing(sharedRegion(16 + 100))).toThrow();
  });

  it('passes bytes in order and reports fill level', () => {
    const ring = new ByteRing(sharedRegion(ByteRing.stateBytes(8)));
    expect(ring.capacity).toBe(8);
    expect(ring.pop()).toBe(-1);
    expect(ring.pushBytes([1, 2, 3])).toBe(3);
    expect(ring.available()).toBe(3);
    expect(ring.free()).toBe(5);
    expect(ring.peekByte()).toBe(1);
    expect(ring.pop()).toBe(1);
    expect([...ring.drain()]).toEqual([2, 3]);
    expect(ring.available()).toBe(0);
  });

  it('wraps around and counts bytes dropped when full', () => {
    const ring = new ByteRing(sharedRegion(ByteRing.stateBytes(4)));
    for (let round = 0; round < 5; round++) {
      expect(ring.pushBytes([round, round + 1, round + 2, round + 3, 99])).toBe(4);
      expect(ring.push(99)).toBe(false);
      expect([...ring.drain(2)]).toEqual([round, round + 1]);
      expect([...ring.drain()]).toEqual([round + 2, round + 3]);
    }
    expect(ring.dropped()).toBe(5);
  });

  it('is shared: a second view over the same memory sees the same ring', () => {
    const region = sharedRegion(ByteRing.stateBytes(16));
    const producer = new ByteRing(region);
    const consumer = new ByteRing(region);
    producer.pushBytes([0x68, 0x69]);
    expect([...consumer.drain()]).toEqual([0x68, 0x69]);
    expect(producer.available()).toBe(0);
  });
});
