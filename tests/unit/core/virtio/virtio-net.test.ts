import { describe, expect, it } from 'vitest';
import { Reg, VirtioMmio } from '../../../../src/core/virtio/virtio-mmio';
import { NET_HEADER_BYTES, NetFeature, NetQueue, VirtioNet } from '../../../../src/core/virtio/virtio-net';
import { FakeDriver, FakeGuestRam } from './fake-driver';

function setup(mac: number[]) {
  const ram = new FakeGuestRam();
  let irqs = 0;
  const net = new VirtioNet(mac);
  const mmio = new VirtioMmio(net, { zone: 1, name: 'virtio-net@0x10008000', memory: ram.memory, raiseIrq: () => void irqs++ });
  const sent: Uint8Array[] = [];
  net.connect({ send: (frame) => sent.push(frame) });
  const driver = new FakeDriver(ram, mmio);
  return { ram, net, mmio, driver, sent, irqs: () => irqs };
}

const frame = (length: number): Uint8Array => Uint8Array.from({ length }, (_, i) => (i < 6 ? 0xff : i & 0xff));

describe('virtio-net', () => {
  it('exposes its MAC and link status and offers MAC and STATUS', () => {
    const s = setup([0x02, 0, 0, 0, 1, 1]);
    s.driver.init({ queues: 2 });
    expect(s.mmio.read(Reg.deviceId, 4)).toBe(1);
    expect([0, 1, 2, 3, 4, 5].map((i) => s.mmio.read(Reg.config + i, 1))).toEqual([2, 0, 0, 0, 1, 1]);
    expect(s.mmio.read(Reg.config + 6, 2)).toBe(1);
    expect(s.driver.offered & (NetFeature.mac | NetFeature.status)).toBe(NetFeature.mac | NetFeature.status);
    expect(s.mmio.read(Reg.queueNumMax, 4)).toBe(256);
    s.net.setLink(false);
    expect(s.mmio.read(Reg.config + 6, 2)).toBe(0);
  });

  it('strips the 12-byte header from transmitted frames', () => {
    const s = setup([0x02, 0, 0, 0, 1, 1]);
    s.driver.init({ queues: 2 });
    const header = s.ram.alloc(NET_HEADER_BYTES);
    const data = s.ram.alloc(60);
    s.ram.put(data, frame(60));
    const head = s.driver.queue(NetQueue.transmit).submit([{ addr: header, len: NET_HEADER_BYTES }, { addr: data, len: 60 }]);
    expect(s.sent).toHaveLength(1);
    expect([...s.sent[0]!]).toEqual([...frame(60)]);
    expect(s.driver.queue(NetQueue.transmit).takeUsed()).toEqual([{ id: head, len: 0 }]);
  });

  it('puts received frames behind a header with num_buffers = 1, waiting for buffers if needed', () => {
    const s = setup([0x02, 0, 0, 0, 1, 2]);
    s.driver.init({ queues: 2 });
    s.net.receive(frame(42));
    expect(s.net.pendingFrames).toBe(1);
    const rx = s.driver.queue(NetQueue.receive);
    const buffer = s.ram.alloc(1526);
    const head = rx.submit([{ addr: buffer, len: 1526, write: true }]);
    expect(rx.takeUsed()).toEqual([{ id: head, len: NET_HEADER_BYTES + 42 }]);
    const header = s.ram.view(buffer, NET_HEADER_BYTES);
    expect(header.getUint16(10, true)).toBe(1);
    expect(header.getUint8(0)).toBe(0);
    expect([...s.ram.bytes(buffer + NET_HEADER_BYTES, 42)]).toEqual([...frame(42)]);
    expect(s.irqs()).toBe(1);
  });

  it('drops a frame that does not fit the posted buffer and keeps the buffer', () => {
    const s = setup([0x02, 0, 0, 0, 1, 3]);
    s.driver.init({ queues: 2 });
    const rx = s.driver.queue(NetQueue.receive);
    const small = s.ram.alloc(64);
    rx.submit([{ addr: small, len: 64, write: true }]);
    s.net.receive(frame(100));
    expect(s.net.dropped).toBe(1);
    s.net.receive(frame(50));
    expect(rx.takeUsed().map((u) => u.len)).toEqual([NET_HEADER_BYTES + 50]);
  });
});
