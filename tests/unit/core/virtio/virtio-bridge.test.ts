import { describe, expect, it } from 'vitest';
import {
  BRIDGE_ABORTED, BRIDGE_PAGE_BYTES, BRIDGE_STRUCT_BYTES, BridgeOffset, type BridgeRequest, MAX_REQ, REQ_BYTES, RES_BYTES,
  VirtioBridgeConsumer, VirtioBridgeProducer,
} from '../../../../src/core/virtio/virtio-bridge';
import { VirtioTrapHandler, virtioTrapRegions } from '../../../../src/core/virtio/virtio-trap';
import type { HartApi } from '../../../../src/core/isa/riscv64/platform';

function bridge() {
  const region = { buffer: new SharedArrayBuffer(BRIDGE_PAGE_BYTES + 64), byteOffset: 64, byteLength: BRIDGE_PAGE_BYTES };
  return { region, producer: new VirtioBridgeProducer(region), consumer: new VirtioBridgeConsumer(region), view: new DataView(region.buffer, 64) };
}

const read = (address: number, cpu = 2, size = 4): BridgeRequest => ({ cpu, zone: 1, address, size, value: 0n, isWrite: false, needInterrupt: false });

describe('virtio bridge', () => {
  it('uses the exact VirtioBridge layout of hvisor (2136 bytes)', () => {
    expect(BridgeOffset.reqList).toBe(16);
    expect(REQ_BYTES).toBe(40);
    expect(BridgeOffset.resList).toBe(16 + 32 * 40);
    expect(RES_BYTES).toBe(8);
    expect(BridgeOffset.cfgFlags).toBe(BridgeOffset.resList + 32 * 8);
    expect(BridgeOffset.cfgValues).toBe(BridgeOffset.cfgFlags + 32 * 8);
    expect(BridgeOffset.mmioAddrs).toBe(BridgeOffset.cfgValues + 32 * 8);
    expect(BridgeOffset.needWakeup).toBe(BridgeOffset.mmioAddrs + 8 * 8 + 1);
    expect(Math.ceil((BridgeOffset.needWakeup + 1) / 8) * 8).toBe(BRIDGE_STRUCT_BYTES);
  });

  it('writes a request exactly where hvisor-tool reads it', () => {
    const { producer, view } = bridge();
    producer.submit({ cpu: 3, zone: 1, address: 0x1000_6050, size: 4, value: 0x1_0000_0002n, isWrite: true, needInterrupt: true });
    expect(view.getUint32(BridgeOffset.reqRear, true)).toBe(1);
    const at = BridgeOffset.reqList;
    expect(view.getBigUint64(at, true)).toBe(3n);
    expect(view.getBigUint64(at + 8, true)).toBe(0x1000_6050n);
    expect(view.getBigUint64(at + 16, true)).toBe(4n);
    expect(view.getBigUint64(at + 24, true)).toBe(0x1_0000_0002n);
    expect(view.getUint32(at + 32, true)).toBe(1);
    expect(view.getUint8(at + 36)).toBe(1);
    expect(view.getUint8(at + 37)).toBe(1);
  });

  it('answers a waiting access through cfg_values and cfg_flags of the cpu', () => {
    const { producer, consumer, view } = bridge();
    const ticket = producer.submit(read(0x1000_6000));
    expect(consumer.drain((r) => (r.address === 0x1000_6000 ? 0x74726976 : 0))).toBe(1);
    expect(view.getBigUint64(BridgeOffset.cfgFlags + 2 * 8, true)).toBe(1n);
    expect(view.getBigUint64(BridgeOffset.cfgValues + 2 * 8, true)).toBe(0x74726976n);
    expect(producer.waitAnswer(2, ticket)).toEqual({ kind: 'answered', value: 0x74726976n });
    expect(producer.pendingRequests()).toBe(0);
  });

  it('lets a handler answer later with complete()', () => {
    const { producer, consumer } = bridge();
    const ticket = producer.submit(read(0x1000_6070, 1));
    consumer.drain(() => undefined);
    expect(producer.waitAnswer(1, ticket, { sliceMs: 1, abort: () => true })).toEqual({ kind: 'aborted' });
    consumer.complete(1, 0xfn);
    expect(producer.waitAnswer(1, ticket)).toEqual({ kind: 'answered', value: 0xfn });
  });

  it('does not wait for QueueNotify writes', () => {
    const { producer, consumer } = bridge();
    const notify: BridgeRequest = { cpu: 2, zone: 1, address: 0x1000_6050, size: 4, value: 1n, isWrite: true, needInterrupt: true };
    expect(producer.access(notify)).toBe(0n);
    const seen: BridgeRequest[] = [];
    consumer.drain((r) => void seen.push(r));
    expect(seen).toEqual([notify]);
  });

  it('wraps the request ring, holds at most 31 requests, and lets the abort check end a full wait', () => {
    const { producer, consumer } = bridge();
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < MAX_REQ - 1; i++) expect(producer.submit(read(0x1000_6000 + i, i))).toBeGreaterThanOrEqual(0);
      expect(producer.pendingRequests()).toBe(MAX_REQ - 1);
      expect(producer.submit(read(0x1000_6000), { sliceMs: 1, abort: () => true })).toBe(BRIDGE_ABORTED);
      const order: number[] = [];
      consumer.drain((r) => void order.push(r.address - 0x1000_6000));
      expect(order).toEqual([...Array(MAX_REQ - 1).keys()]);
    }
  });

  it('queues interrupt results for the hypervisor and refuses them when res_list is full', () => {
    const { consumer } = bridge();
    expect(consumer.pushResult(1, 6)).toBe(true);
    expect(consumer.pushResult(2, 7)).toBe(true);
    expect(consumer.drainResults()).toEqual([{ zone: 1, irq: 6 }, { zone: 2, irq: 7 }]);
    for (let i = 0; i < MAX_REQ - 1; i++) expect(consumer.pushResult(1, i)).toBe(true);
    expect(consumer.pushResult(1, 99)).toBe(false);
    expect(consumer.drainResults()).toHaveLength(MAX_REQ - 1);
  });

  it('goes to sleep only when the ring is empty, with the Dekker re-check', () => {
    const { producer, consumer } = bridge();
    expect(consumer.prepareSleep()).toBe(true);
    expect(consumer.needWakeup).toBe(true);
    const target = consumer.sleepTarget();
    producer.submit(read(0x1000_6000));
    // The pushed request moved the word the sleeper waits on, so a wait would not block.
    expect(Atomics.wait(target.array, target.index, target.value, 0)).toBe('not-equal');
    consumer.awake();
    expect(consumer.needWakeup).toBe(false);
    expect(consumer.prepareSleep()).toBe(false);
    expect(consumer.needWakeup).toBe(false);
  });

  it('releases the vCPU when a handler throws', () => {
    const { producer, consumer } = bridge();
    const ticket = producer.submit(read(0x1000_6000, 4));
    expect(() => consumer.drain(() => { throw new Error('bug'); })).toThrow('bug');
    expect(producer.waitAnswer(4, ticket)).toEqual({ kind: 'answered', value: 0n });
    expect(producer.pendingRequests()).toBe(0);
  });

  it('turns trapped accesses into requests stamped with the hart and zone (the worker trap path)', () => {
    const { producer, consumer } = bridge();
    const hart = { hartId: 3, cpuId: 3 } as HartApi;
    const trap = new VirtioTrapHandler({ bridge: producer, zone: 1, regionBase: 0x1000_6000, sliceMs: 1, abort: () => true, abortedValue: 0xdeadn });
    // Nothing answers yet: the abort check ends the wait and the read returns the aborted value.
    expect(trap.read(hart, 0, 4)).toBe(0xdeadn);
    const seen: BridgeRequest[] = [];
    consumer.drain((r) => void seen.push(r));
    expect(seen[0]).toMatchObject({ cpu: 3, zone: 1, address: 0x1000_6000, size: 4, isWrite: false, needInterrupt: false });
    trap.write(hart, 0x50, 4, 0n);
    consumer.drain((r) => void seen.push(r));
    expect(seen[1]).toMatchObject({ address: 0x1000_6050, isWrite: true, needInterrupt: true });
  });
});

describe('virtio trap regions', () => {
  it('traps every virtio region of a zone at physical_start', () => {
    const { producer, consumer } = bridge();
    const regions = virtioTrapRegions(
      { zoneId: 1, memoryRegions: [
        { type: 'ram', physicalStart: 0x8500_0000, virtualStart: 0x8500_0000, size: 0x100_0000 },
        { type: 'virtio', physicalStart: 0x1000_7000, virtualStart: 0x2000_0000, size: 0x1000 },
      ] },
      { bridge: producer, sliceMs: 1, abort: () => true },
    );
    expect(regions.map((r) => [r.start, r.size])).toEqual([[0x1000_7000, 0x1000]]);
    regions[0]!.handler.write({ hartId: 2, cpuId: 2 } as HartApi, 0x50, 4, 1n);
    const seen: BridgeRequest[] = [];
    consumer.drain((r) => void seen.push(r));
    expect(seen).toEqual([{ cpu: 2, zone: 1, address: 0x1000_7050, size: 4, value: 1n, isWrite: true, needInterrupt: true }]);
  });
});

describe('virtio bridge wake-up hook', () => {
  it('calls onWakeup only for pushes that find the consumer asleep', () => {
    const region = { buffer: new SharedArrayBuffer(BRIDGE_PAGE_BYTES), byteOffset: 0, byteLength: BRIDGE_PAGE_BYTES };
    let wakeups = 0;
    const producer = new VirtioBridgeProducer(region, () => void wakeups++);
    const consumer = new VirtioBridgeConsumer(region);
    producer.submit(read(0x1000_6000));
    expect(wakeups).toBe(0);
    consumer.drain(() => 0);
    expect(consumer.prepareSleep()).toBe(true);
    producer.submit(read(0x1000_6000));
    expect(wakeups).toBe(1);
  });
});
