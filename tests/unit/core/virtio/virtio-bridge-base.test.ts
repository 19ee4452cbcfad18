import { describe, expect, it } from 'vitest';
import { BRIDGE_PAGE_BYTES, BridgeOffset, type BridgeRequest, VirtioBridgeConsumer } from '../../../../src/core/virtio/virtio-bridge';
import { bridgePageAt, VirtioBridgeBase, VirtioBridgeRouter } from '../../../../src/core/virtio/virtio-bridge-base';
import { VirtioTrapHandler } from '../../../../src/core/virtio/virtio-trap';
import type { HartApi } from '../../../../src/core/isa/riscv64/platform';

const RAM_BASE = 0x8000_0000;
const RAM_SIZE = 0x10_0000;

/** The workbench's page followed by 1 MiB of "RAM" at 0x8000_0000, in one shared buffer. */
function setup() {
  const buffer = new SharedArrayBuffer(BRIDGE_PAGE_BYTES + RAM_SIZE);
  const home = { buffer, byteOffset: 0, byteLength: BRIDGE_PAGE_BYTES };
  const ram = { base: RAM_BASE, size: RAM_SIZE, buffer, bufferOffset: BRIDGE_PAGE_BYTES };
  let wakeups = 0;
  const router = new VirtioBridgeRouter({ home, ram, wakeRoot: () => void wakeups++ });
  const page = (address: number) => new VirtioBridgeConsumer(bridgePageAt(ram, address)!);
  const ramView = new DataView(buffer, BRIDGE_PAGE_BYTES);
  return { buffer, home, ram, router, page, ramView, homeConsumer: new VirtioBridgeConsumer(home), wakeups: () => wakeups };
}

const notify: BridgeRequest = { cpu: 1, zone: 1, address: 0x1000_6050, size: 4, value: 0n, isWrite: true, needInterrupt: true };

describe('virtio bridge base (hvisor VIRTIO_BRIDGE.base_address)', () => {
  it('is one shared word: 0 is the workbench\'s page, otherwise the root page\'s address', () => {
    const s = setup();
    const other = new VirtioBridgeBase(s.home);
    expect(s.router.base.address).toBe(0);
    expect(s.router.base.move(0x8000_3000)).toBe(0);
    // Another thread's view of the same word sees the move at once.
    expect(other.address).toBe(0x8000_3000);
    expect(other.inRoot).toBe(true);
    expect(other.move(0xfff0_0000)).toBe(0x8000_3000);
    expect(s.router.base.address).toBe(0xfff0_0000);
    expect(s.router.base.takeBack()).toBe(true);
    expect(other.takeBack()).toBe(false);
    expect(() => other.move(0x8000_3010)).toThrow(/not a page address/);
  });

  it('finds a bridge page only wholly inside RAM', () => {
    const s = setup();
    expect(bridgePageAt(s.ram, RAM_BASE + 0x1000)).toEqual({ buffer: s.buffer, byteOffset: BRIDGE_PAGE_BYTES + 0x1000, byteLength: BRIDGE_PAGE_BYTES });
    expect(bridgePageAt(s.ram, RAM_BASE + RAM_SIZE - 0x1000)).toBeDefined();
    expect(bridgePageAt(s.ram, RAM_BASE + RAM_SIZE)).toBeUndefined();
    expect(bridgePageAt(s.ram, RAM_BASE - 0x1000)).toBeUndefined();
    expect(bridgePageAt(s.ram, RAM_BASE + 0x10)).toBeUndefined();
  });

  it('routes every producer to the page the base names now, and back', () => {
    const s = setup();
    s.router.access(notify);
    expect(s.homeConsumer.pendingRequests()).toBe(1);
    s.router.base.move(RAM_BASE + 0x2000);
    s.router.access(notify);
    s.router.access(notify);
    expect(s.page(RAM_BASE + 0x2000).pendingRequests()).toBe(2);
    expect(s.homeConsumer.pendingRequests()).toBe(1);
    s.router.base.takeBack();
    s.router.access(notify);
    expect(s.homeConsumer.pendingRequests()).toBe(2);
  });

  it('wakes the root only for its own page, and only while need_wakeup is 1', () => {
    const s = setup();
    // The workbench's daemon sleeps on its page's word instead of an IRQ.
    new DataView(s.buffer).setUint8(BridgeOffset.needWakeup, 1);
    s.router.access(notify);
    expect(s.wakeups()).toBe(0);
    s.router.base.move(RAM_BASE + 0x2000);
    s.router.access(notify);
    expect(s.wakeups()).toBe(0);
    s.ramView.setUint8(0x2000 + BridgeOffset.needWakeup, 1);
    s.router.access(notify);
    expect(s.wakeups()).toBe(1);
  });

  it('keeps the producers\' lock in the workbench\'s page and stays inside the ring whatever the root wrote', () => {
    const s = setup();
    s.router.base.move(RAM_BASE + 0x2000);
    s.ramView.setUint32(0x2000 + BridgeOffset.reqRear, 0xffff_ffe1, true);
    s.router.access(notify);
    // hvisor's req_rear % MAX_REQ: slot 1, then req_rear 2.
    expect(s.ramView.getUint32(0x2000 + BridgeOffset.reqRear, true)).toBe(2);
    expect(s.ramView.getUint32(0x2000 + BridgeOffset.reqList + 40 + 8, true)).toBe(0x1000_6050);
    expect(s.ramView.getUint32(0x2000 + BridgeOffset.producerLock, true)).toBe(0);
    expect(s.ramView.getUint32(0x2000 + BridgeOffset.basePage, true)).toBe(0);
  });

  it('is what a virtio trap handler pushes to', () => {
    const s = setup();
    s.router.base.move(RAM_BASE + 0x2000);
    const hart = { hartId: 1, cpuId: 1 } as HartApi;
    new VirtioTrapHandler({ bridge: s.router, zone: 1, regionBase: 0x1000_6000, deviceStride: 0x200 }).write(hart, 0x250, 4, 3n);
    const seen: BridgeRequest[] = [];
    s.page(RAM_BASE + 0x2000).drain((r) => void seen.push(r));
    expect(seen).toEqual([{ ...notify, address: 0x1000_6250, value: 3n }]);
  });
});
