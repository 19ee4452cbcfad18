import { describe, expect, it } from 'vitest';
import { VirtioBlk } from '../../../../src/core/virtio/virtio-blk';
import { VirtioConsole } from '../../../../src/core/virtio/virtio-console';
import { VirtioNet } from '../../../../src/core/virtio/virtio-net';
import {
  Feature, Interrupt, Reg, Status, VIRTIO_MMIO_MAGIC, VIRTIO_MMIO_VENDOR, type VirtioDeviceFault, VirtioMmio,
} from '../../../../src/core/virtio/virtio-mmio';
import { FakeDriver, FakeGuestRam } from './fake-driver';

function setup() {
  const ram = new FakeGuestRam();
  const output: number[] = [];
  const faults: VirtioDeviceFault[] = [];
  let irqs = 0;
  let lowered = 0;
  const console = new VirtioConsole({ output: (bytes) => output.push(...bytes) });
  const mmio = new VirtioMmio(console, { zone: 1, name: 'virtio-console@0x10006000', memory: ram.memory, raiseIrq: () => void irqs++, lowerIrq: () => void lowered++, onFault: (f) => faults.push(f) });
  return { ram, mmio, console, output, faults, irqs: () => irqs, lowered: () => lowered };
}

describe('virtio-mmio transport', () => {
  it('identifies itself as hvisor-tool does: virt, version 2, HVIS, device id', () => {
    const { mmio } = setup();
    expect(mmio.read(Reg.magic, 4)).toBe(VIRTIO_MMIO_MAGIC);
    expect(mmio.read(Reg.version, 4)).toBe(2);
    expect(mmio.read(Reg.deviceId, 4)).toBe(3);
    expect(mmio.read(Reg.vendorId, 4)).toBe(VIRTIO_MMIO_VENDOR);
    expect(mmio.read(Reg.vendorId, 4)).toBe(0x48564953);
    // Registers answer only 32-bit accesses, like hvisor-tool.
    expect(mmio.read(Reg.magic, 2)).toBe(0);
    expect(mmio.read(Reg.magic + 1, 1)).toBe(0);
  });

  it('offers VERSION_1, INDIRECT_DESC and EVENT_IDX next to the device features, by selector word', () => {
    const { mmio } = setup();
    mmio.write(Reg.deviceFeaturesSel, 4, 0);
    const low = mmio.read(Reg.deviceFeatures, 4);
    mmio.write(Reg.deviceFeaturesSel, 4, 1);
    const high = mmio.read(Reg.deviceFeatures, 4);
    mmio.write(Reg.deviceFeaturesSel, 4, 2);
    expect(mmio.read(Reg.deviceFeatures, 4)).toBe(0);
    const offered = (BigInt(high) << 32n) | BigInt(low);
    expect(offered & Feature.version1).toBe(Feature.version1);
    expect(offered & Feature.indirectDesc).toBe(Feature.indirectDesc);
    expect(offered & Feature.eventIdx).toBe(Feature.eventIdx);
    expect(offered & 1n).toBe(1n); // VIRTIO_CONSOLE_F_SIZE
  });

  it('accepts FEATURES_OK for a subset with VERSION_1 and refuses unknown features or a legacy driver', () => {
    const { ram, mmio } = setup();
    expect(() => new FakeDriver(ram, mmio).init({ accept: (o) => o & ~Feature.eventIdx })).not.toThrow();
    expect(() => new FakeDriver(ram, mmio).init({ accept: (o) => o | (1n << 40n) })).toThrow(/refused/);
    expect(mmio.read(Reg.status, 4) & Status.featuresOk).toBe(0);
    expect(() => new FakeDriver(ram, mmio).init({ accept: (o) => o & ~Feature.version1 })).toThrow(/refused/);
  });

  it('freezes DriverFeatures once FEATURES_OK is set', () => {
    const { ram, mmio } = setup();
    new FakeDriver(ram, mmio).init({ accept: (o) => o & ~Feature.eventIdx, queues: 2 });
    mmio.write(Reg.driverFeaturesSel, 4, 1);
    mmio.write(Reg.driverFeatures, 4, 0);
    expect(mmio.peek().DriverFeaturesHigh).toBe(1);
  });

  it('resets everything when the driver writes status 0', () => {
    const { ram, mmio } = setup();
    new FakeDriver(ram, mmio).init({ queues: 2 });
    mmio.write(Reg.queueSel, 4, 1);
    expect(mmio.read(Reg.queueReady, 4)).toBe(1);
    mmio.write(Reg.status, 4, 0);
    expect(mmio.read(Reg.status, 4)).toBe(0);
    expect(mmio.read(Reg.queueReady, 4)).toBe(0);
    expect(mmio.peek().QueueSel).toBe(0);
    expect(mmio.peek().DriverFeaturesLow).toBe(0);
    expect(mmio.queues.every((q) => !q.ready && q.size === 0 && q.descAddr === 0)).toBe(true);
  });

  it('reports hvisor-tool\'s QueueNumMax per device (console 64, blk 512, net 256) and 0 for a queue it lacks', () => {
    const s = setup();
    const { mmio } = s;
    const queueNumMax = (transport: VirtioMmio, queue: number): number => {
      transport.write(Reg.queueSel, 4, queue);
      return transport.read(Reg.queueNumMax, 4);
    };
    expect([queueNumMax(mmio, 0), queueNumMax(mmio, 1)]).toEqual([64, 64]);
    const ram = new FakeGuestRam();
    const disk = { size: 4096, readOnly: true, read: async (_o: number, n: number) => new Uint8Array(n), write: async () => undefined, flush: async () => undefined };
    const blk = new VirtioMmio(new VirtioBlk(disk), { zone: 1, name: 'virtio-blk@0x10006200', memory: ram.memory, raiseIrq: () => undefined });
    expect(queueNumMax(blk, 0)).toBe(512);
    const net = new VirtioMmio(new VirtioNet([2, 0, 0, 0, 0, 1]), { zone: 1, name: 'virtio-net@0x10006400', memory: ram.memory, raiseIrq: () => undefined });
    expect([queueNumMax(net, 0), queueNumMax(net, 1)]).toEqual([256, 256]);
    mmio.write(Reg.queueSel, 4, 2);
    expect(mmio.read(Reg.queueNumMax, 4)).toBe(0);
    mmio.write(Reg.queueNum, 4, 16);
    expect(mmio.queues.map((q) => q.size)).toEqual([0, 0]);
    // A Linux driver sizes its rings from QueueNumMax: the console's are 64 entries.
    const driver = new FakeDriver(s.ram, mmio).init({ queues: 2, queueSize: 1024 });
    expect(driver.queues.map((q) => q.size)).toEqual([64, 64]);
  });

  it('takes 64-bit queue addresses in halves, and ignores them once the queue is ready', () => {
    const { mmio } = setup();
    mmio.write(Reg.queueSel, 4, 0);
    mmio.write(Reg.queueDescLow, 4, 0x1234_5000);
    mmio.write(Reg.queueDescHigh, 4, 0x1);
    expect(mmio.queues[0]!.descAddr).toBe(0x1_1234_5000);
    mmio.write(Reg.queueDescHigh, 4, 0);
    expect(mmio.queues[0]!.descAddr).toBe(0x1234_5000);
  });

  it('refuses a queue that is not a power of two or whose rings lie outside the zone', () => {
    const a = setup();
    const driver = new FakeDriver(a.ram, a.mmio);
    a.mmio.write(Reg.status, 4, Status.acknowledge | Status.driver);
    a.mmio.write(Reg.driverFeaturesSel, 4, 1);
    a.mmio.write(Reg.driverFeatures, 4, 1);
    a.mmio.write(Reg.status, 4, Status.acknowledge | Status.driver | Status.featuresOk);
    a.mmio.write(Reg.queueNum, 4, 12);
    a.mmio.write(Reg.queueReady, 4, 1);
    expect(driver.status & Status.deviceNeedsReset).toBe(Status.deviceNeedsReset);
    expect(a.faults[0]!.message).toMatch(/queue size 12 is not a power of 2/);

    const b = setup();
    b.mmio.write(Reg.status, 4, Status.acknowledge | Status.driver);
    b.mmio.write(Reg.driverFeaturesSel, 4, 1);
    b.mmio.write(Reg.driverFeatures, 4, 1);
    b.mmio.write(Reg.status, 4, Status.acknowledge | Status.driver | Status.featuresOk);
    b.mmio.write(Reg.queueNum, 4, 16);
    b.mmio.write(Reg.queueDescLow, 4, 0x8010_0000); // root-physical, not a guest address of the zone
    b.mmio.write(Reg.queueReady, 4, 1);
    expect(b.mmio.read(Reg.queueReady, 4)).toBe(0);
    expect(b.faults[0]).toMatchObject({ zone: 1, device: 'virtio-console@0x10006000', queue: 0, address: 0x8010_0000 });
  });

  it('does not let the driver set or clear DEVICE_NEEDS_RESET', () => {
    const { ram, mmio } = setup();
    new FakeDriver(ram, mmio).init({ queues: 2 });
    mmio.write(Reg.status, 4, 0x4f);
    expect(mmio.read(Reg.status, 4) & Status.deviceNeedsReset).toBe(0);
  });

  it('keeps InterruptStatus until the driver acknowledges the bits', () => {
    const s = setup();
    const driver = new FakeDriver(s.ram, s.mmio).init({ queues: 2 });
    const buffer = s.ram.alloc(4);
    s.ram.put(buffer, [0x68, 0x69, 0x0a, 0x00]);
    driver.queue(1).submit([{ addr: buffer, len: 3 }]);
    expect(s.irqs()).toBe(1);
    expect(s.mmio.read(Reg.interruptStatus, 4)).toBe(Interrupt.vring);
    s.mmio.write(Reg.interruptAck, 4, Interrupt.config);
    expect(s.mmio.read(Reg.interruptStatus, 4)).toBe(Interrupt.vring);
    expect(driver.ack()).toBe(Interrupt.vring);
    expect(s.mmio.read(Reg.interruptStatus, 4)).toBe(0);
  });

  it('lowers the line once an acknowledgement or a reset leaves InterruptStatus 0 (hvisor-tool\'s deassert)', () => {
    const s = setup();
    const driver = new FakeDriver(s.ram, s.mmio).init({ queues: 2 });
    const buffer = s.ram.alloc(4);
    s.ram.put(buffer, [0x68, 0x69, 0x0a, 0x00]);
    driver.queue(1).submit([{ addr: buffer, len: 3 }]);
    s.console.resize(100, 30);
    expect(s.mmio.read(Reg.interruptStatus, 4)).toBe(Interrupt.vring | Interrupt.config);
    // One bit left: the line stays up.
    s.mmio.write(Reg.interruptAck, 4, Interrupt.vring);
    expect(s.lowered()).toBe(0);
    s.mmio.write(Reg.interruptAck, 4, Interrupt.config);
    expect(s.lowered()).toBe(1);
    // Acknowledging nothing pending lowers nothing.
    s.mmio.write(Reg.interruptAck, 4, Interrupt.vring);
    expect(s.lowered()).toBe(1);
    // A reset with a bit pending lowers it too; without one it does not.
    s.console.resize(90, 30);
    s.mmio.write(Reg.status, 4, 0);
    expect(s.lowered()).toBe(2);
    s.mmio.write(Reg.status, 4, 0);
    expect(s.lowered()).toBe(2);
  });

  it('serves the device configuration from 0x100 at any width and bumps ConfigGeneration on change', () => {
    const s = setup();
    new FakeDriver(s.ram, s.mmio).init({ queues: 2 });
    expect(s.mmio.read(Reg.config, 2)).toBe(80);
    expect(s.mmio.read(Reg.config + 2, 2)).toBe(25);
    expect(s.mmio.read(Reg.config, 4)).toBe(80 | (25 << 16));
    expect(s.mmio.read(Reg.config + 1, 1)).toBe(0);
    expect(s.mmio.read(Reg.config + 0x40, 4)).toBe(0);
    s.console.resize(120, 40);
    expect(s.mmio.read(Reg.configGeneration, 4)).toBe(1);
    expect(s.mmio.read(Reg.interruptStatus, 4)).toBe(Interrupt.config);
    expect(s.mmio.read(Reg.config, 4)).toBe(120 | (40 << 16));
  });

  it('reports no shared memory regions and describes its registers for the inspector', () => {
    const { mmio } = setup();
    expect(mmio.read(Reg.shmLenLow, 4)).toBe(0xffff_ffff);
    expect(mmio.read(Reg.shmLenHigh, 4)).toBe(0xffff_ffff);
    const names = mmio.registers.map((r) => r.name);
    expect(names).toContain('QueueNotify');
    expect(mmio.registers.find((r) => r.name === 'Status')!.fields!.map((f) => f.name)).toContain('DEVICE_NEEDS_RESET');
  });

  it('ignores QueueNotify before DRIVER_OK', () => {
    const s = setup();
    const driver = new FakeDriver(s.ram, s.mmio).init({ queues: 2 });
    s.mmio.write(Reg.status, 4, Status.acknowledge | Status.driver | Status.featuresOk | Status.driverOk);
    const buffer = s.ram.alloc(2);
    s.ram.put(buffer, [0x41, 0x42]);
    s.mmio.write(Reg.status, 4, 0);
    driver.queue(1).submit([{ addr: buffer, len: 2 }]);
    expect(s.output).toEqual([]);
  });
});
