import { describe, expect, it } from 'vitest';
import { PCI_CONFIG_BYTES, PciCapabilityId, PciCommand, PciReg } from '../../../../src/core/devices/pci/pci-config-space';
import { PciHostBridgeFunction, PciHostEcamGeneric } from '../../../../src/core/devices/pci/pci-host-ecam-generic';
import { RegionIommu } from '../../../../src/core/bus/dma';
import type { RamWindow } from '../../../../src/core/bus/address-space';
import type { MsiRequester, MsiSink } from '../../../../src/core/bus/msi';
import { BlkRequestType, BlkStatus, type BlockBackend, VirtioBlk } from '../../../../src/core/virtio/virtio-blk';
import { Reg, Status, type VirtioDeviceFault } from '../../../../src/core/virtio/virtio-mmio';
import { CommonCfg, VirtioPci, VirtioPciCapType, VirtioPciLayout } from '../../../../src/core/virtio/virtio-pci';
import { DescFlag } from '../../../../src/core/virtio/virtqueue';
import { VirtioNet } from '../../../../src/core/virtio/virtio-net';
import { DriverQueue, FakeGuestRam, ROOT_RAM_BASE, ZONE_GPA, ZONE_ROOT_PA, ZONE_SIZE } from './fake-driver';
import { RecordingSink } from '../devices/helpers';

class MemoryDisk implements BlockBackend {
  readonly data = new Uint8Array(64 * 512).map((_, i) => (i * 13 + (i >> 9)) & 0xff);
  readonly readOnly = false;
  get size(): number {
    return this.data.length;
  }
  async read(offset: number, length: number): Promise<Uint8Array> {
    return this.data.slice(offset, offset + length);
  }
  async write(offset: number, bytes: Uint8Array): Promise<void> {
    this.data.set(bytes, offset);
  }
  async flush(): Promise<void> {}
}

const BAR4 = 0x4_0000_0000;
const BAR1 = 0x4000_0000;
const ecam = (dev: number, reg: number) => (dev << 15) | reg;

/** The host with a virtio-blk-pci at 00:01.0; device DMA goes through a RegionIommu (the zone's window of root RAM). */
function setup(msi?: MsiSink) {
  const ram = new FakeGuestRam();
  const bank: RamWindow = { base: ROOT_RAM_BASE, size: ram.root.length, bufferOffset: 0, buffer: ram.root.buffer, u8: ram.root, view: new DataView(ram.root.buffer), spanOffset: 0 };
  const sink = new RecordingSink();
  const reports: string[] = [];
  const host = new PciHostEcamGeneric({
    busRange: [0, 0xff],
    io: { cpuBase: 0x0300_0000, pciBase: 0, size: 0x1_0000 },
    mem32: { cpuBase: 0x4000_0000, pciBase: 0x4000_0000, size: 0x4000_0000 },
    mem64: { cpuBase: 0x4_0000_0000, pciBase: 0x4_0000_0000, size: 0x4_0000_0000 },
    intxLines: [32, 33, 34, 35],
    irqSink: sink,
    dmaMemory: { bankAt: (a, s) => (a >= bank.base && a + s <= bank.base + bank.size ? bank : undefined) },
    iommu: new RegionIommu([{ deviceStart: ZONE_GPA, physicalStart: ZONE_ROOT_PA, size: ZONE_SIZE }]),
    ...(msi ? { msi } : {}),
    onReport: (m) => reports.push(m),
  });
  const bridge = new PciHostBridgeFunction(new Uint8Array(PCI_CONFIG_BYTES));
  bridge.config.reset();
  host.plug(0, 0, bridge);
  const disk = new MemoryDisk();
  const blk = new VirtioBlk(disk);
  const faults: VirtioDeviceFault[] = [];
  const pci = new VirtioPci(blk, { name: 'virtio-blk-pci', configBytes: new Uint8Array(PCI_CONFIG_BYTES), onFault: (f) => faults.push(f) });
  pci.config.reset();
  host.plug(1, 0, pci);
  const cfg = {
    read: (reg: number, size: 1 | 2 | 4 = 4) => host.ecam.read(ecam(1, reg), size),
    write: (reg: number, size: 1 | 2 | 4, value: number) => host.ecam.write(ecam(1, reg), size, value),
  };
  const bar4 = {
    read: (offset: number, size: 1 | 2 | 4) => host.mem64Window!.read(BAR4 - 0x4_0000_0000 + offset, size),
    write: (offset: number, size: 1 | 2 | 4, value: number) => host.mem64Window!.write(BAR4 - 0x4_0000_0000 + offset, size, value),
  };
  const bar1 = {
    read: (offset: number, size: 1 | 2 | 4) => host.mem32Window.read(BAR1 - 0x4000_0000 + offset, size),
    write: (offset: number, size: 1 | 2 | 4, value: number) => host.mem32Window.write(BAR1 - 0x4000_0000 + offset, size, value),
  };
  return { ram, host, sink, reports, disk, blk, pci, faults, cfg, bar4, bar1 };
}
type Setup = ReturnType<typeof setup>;

/** The virtio vendor capabilities as Linux's virtio_pci_find_capability walks them. */
function vendorCaps(s: Setup): Map<number, { bar: number; offset: number; length: number; extra: number }> {
  const out = new Map<number, { bar: number; offset: number; length: number; extra: number }>();
  let at = s.cfg.read(PciReg.capabilitiesPointer, 1);
  for (let guard = 0; at !== 0 && guard < 48; guard++) {
    if (s.cfg.read(at, 1) === PciCapabilityId.vendorSpecific) {
      out.set(s.cfg.read(at + 3, 1), { bar: s.cfg.read(at + 4, 1), offset: s.cfg.read(at + 8), length: s.cfg.read(at + 12), extra: s.cfg.read(at, 1) === 9 && s.cfg.read(at + 2, 1) >= 20 ? s.cfg.read(at + 16) : 0 });
    }
    at = s.cfg.read(at + 1, 1);
  }
  return out;
}

/** pci_enable_device + virtio_pci_modern probe + virtio_dev_probe + vp_modern setup of queue 0, condensed. */
function probe(s: Setup, options: { command?: number } = {}): DriverQueue {
  s.cfg.write(PciReg.bar0 + 4 * VirtioPciLayout.bar, 4, BAR4 % 0x1_0000_0000);
  s.cfg.write(PciReg.bar0 + 4 * VirtioPciLayout.bar + 4, 4, Math.floor(BAR4 / 0x1_0000_0000));
  s.cfg.write(PciReg.bar0 + 4 * VirtioPciLayout.msixBar, 4, BAR1);
  s.cfg.write(PciReg.command, 2, options.command ?? (PciCommand.memorySpace | PciCommand.busMaster));
  const c = s.bar4;
  c.write(CommonCfg.deviceStatus, 1, 0);
  c.write(CommonCfg.deviceStatus, 1, Status.acknowledge | Status.driver);
  c.write(CommonCfg.deviceFeatureSelect, 4, 1);
  const high = c.read(CommonCfg.deviceFeature, 4);
  c.write(CommonCfg.deviceFeatureSelect, 4, 0);
  const low = c.read(CommonCfg.deviceFeature, 4);
  c.write(CommonCfg.driverFeatureSelect, 4, 1);
  c.write(CommonCfg.driverFeature, 4, high);
  c.write(CommonCfg.driverFeatureSelect, 4, 0);
  c.write(CommonCfg.driverFeature, 4, low);
  c.write(CommonCfg.deviceStatus, 1, Status.acknowledge | Status.driver | Status.featuresOk);
  expect(c.read(CommonCfg.deviceStatus, 1) & Status.featuresOk).toBe(Status.featuresOk);
  c.write(CommonCfg.queueSelect, 2, 0);
  const max = c.read(CommonCfg.queueSize, 2);
  const notifyOff = c.read(CommonCfg.queueNotifyOff, 2);
  const queue = new DriverQueue(s.ram, {
    read: () => 0,
    write: (offset, _size, value) => {
      if (offset === Reg.queueNotify) c.write(VirtioPciLayout.notify + notifyOff * VirtioPciLayout.notifyOffMultiplier, 2, value);
    },
  }, 0, Math.min(max, 16));
  c.write(CommonCfg.queueSize, 2, queue.size);
  c.write(CommonCfg.queueDescLow, 4, queue.desc);
  c.write(CommonCfg.queueDescHigh, 4, 0);
  c.write(CommonCfg.queueDriverLow, 4, queue.avail);
  c.write(CommonCfg.queueDriverHigh, 4, 0);
  c.write(CommonCfg.queueDeviceLow, 4, queue.used);
  c.write(CommonCfg.queueDeviceHigh, 4, 0);
  c.write(CommonCfg.queueEnable, 2, 1);
  c.write(CommonCfg.deviceStatus, 1, Status.acknowledge | Status.driver | Status.featuresOk | Status.driverOk);
  return queue;
}

function readRequest(s: Setup, queue: DriverQueue, sector: number, bytes: number) {
  const header = s.ram.alloc(16);
  const hv = s.ram.view(header, 16);
  hv.setUint32(0, BlkRequestType.in, true);
  hv.setBigUint64(8, BigInt(sector), true);
  const data = s.ram.alloc(bytes);
  const status = s.ram.alloc(1);
  s.ram.put(status, [0xff]);
  const head = queue.submit([{ addr: header, len: 16 }, { addr: data, len: bytes, write: true }, { addr: status, len: 1, write: true }]);
  return { head, data, status };
}

describe('virtio-blk-pci (modern virtio-pci over the shared virtio core)', () => {
  it('identifies as a modern virtio block function with the four structures in BAR 4 and MSI-X in BAR 1', () => {
    const s = setup();
    expect(s.cfg.read(PciReg.vendorId)).toBe(0x1042_1af4);
    expect(s.cfg.read(PciReg.revision, 1)).toBe(1);
    expect(s.cfg.read(0x0a, 2)).toBe(0x0100);
    expect(s.cfg.read(PciReg.interruptPin, 1)).toBe(1);
    const caps = vendorCaps(s);
    expect(caps.get(VirtioPciCapType.common)).toEqual({ bar: 4, offset: 0, length: 0x1000, extra: 0 });
    expect(caps.get(VirtioPciCapType.isr)?.offset).toBe(0x1000);
    expect(caps.get(VirtioPciCapType.device)?.offset).toBe(0x2000);
    expect(caps.get(VirtioPciCapType.notify)).toEqual({ bar: 4, offset: 0x3000, length: 0x1000, extra: 4 });
    const msix = s.pci.config.capabilities.get(PciCapabilityId.msix)!;
    expect(s.cfg.read(msix + 2, 2) & 0x7ff).toBe(1); // two vectors: the queue and the configuration
    expect(s.cfg.read(msix + 4)).toBe(0x000 | 1);
    expect(s.cfg.read(msix + 8)).toBe(0x800 | 1);
    // A PCIe function (Root Complex Integrated Endpoint, capability version 2) with an empty extended space.
    const express = s.pci.config.capabilities.get(PciCapabilityId.pciExpress)!;
    expect(s.cfg.read(express + 2, 2)).toBe(0x92);
    expect(s.cfg.read(0x100)).toBe(0);
    // BAR 4 sizes as 16 KiB 64-bit prefetchable.
    s.cfg.write(PciReg.bar0 + 16, 4, 0xffff_ffff);
    expect(s.cfg.read(PciReg.bar0 + 16)).toBe(0xffff_c00c);
  });

  it('reads the disk through the shared virtio-blk, raises INTx on the swizzled line, and the ISR read drops it', async () => {
    const s = setup();
    const queue = probe(s);
    expect(s.bar4.read(CommonCfg.numQueues, 2)).toBe(1);
    expect(s.bar4.read(VirtioPciLayout.device, 4)).toBe(64); // capacity in sectors
    const r = readRequest(s, queue, 5, 1024);
    await s.blk.whenIdle();
    expect([...s.ram.bytes(r.data, 1024)]).toEqual([...s.disk.data.subarray(5 * 512, 7 * 512)]);
    expect(s.ram.bytes(r.status, 1)[0]).toBe(BlkStatus.ok);
    expect(queue.takeUsed()).toEqual([{ id: r.head, len: 1025 }]);
    expect(s.sink.level(33)).toBe(true); // slot 1 INTA -> PLIC 33 on qemu-plic
    expect(s.bar4.read(VirtioPciLayout.isr, 1)).toBe(1);
    expect(s.sink.level(33)).toBe(false);
    expect(s.bar4.read(VirtioPciLayout.isr, 1)).toBe(0);
    expect(s.ram.outsideUntouched()).toBe(true);
  });

  it('sends MSI-X messages to the MSI sink with the BDF as requester once MSI-X is enabled, and INTx stays low', async () => {
    const delivered: { requester: MsiRequester; address: number; data: number }[] = [];
    const s = setup({ deliver: (requester, address, data) => void delivered.push({ requester, address, data }) });
    const msix = s.pci.config.capabilities.get(PciCapabilityId.msix)!;
    s.cfg.write(msix + 2, 2, 0x8000);
    const queue = probe(s);
    s.bar1.write(16, 4, 0x2800_0000); // vector 1: IMSIC-like address
    s.bar1.write(20, 4, 0);
    s.bar1.write(24, 4, 42);
    s.bar1.write(28, 4, 0); // unmask
    s.bar4.write(CommonCfg.queueSelect, 2, 0);
    s.bar4.write(CommonCfg.queueMsixVector, 2, 1);
    expect(s.bar4.read(CommonCfg.queueMsixVector, 2)).toBe(1);
    readRequest(s, queue, 0, 512);
    await s.blk.whenIdle();
    expect(delivered).toEqual([{ requester: { device: 'virtio-blk-pci 00:01.0', requesterId: 0x08 }, address: 0x2800_0000, data: 42 }]);
    expect(s.sink.level(33)).toBe(false);
    // A vector out of the table's range reads back as NO_VECTOR.
    s.bar4.write(CommonCfg.queueMsixVector, 2, 7);
    expect(s.bar4.read(CommonCfg.queueMsixVector, 2)).toBe(0xffff);
  });

  it('without Bus Master the queue cannot be enabled, and the report names the device and address', () => {
    const s = setup();
    probe(s, { command: PciCommand.memorySpace });
    expect(s.bar4.read(CommonCfg.deviceStatus, 1) & Status.deviceNeedsReset).toBe(Status.deviceNeedsReset);
    expect(s.reports.some((r) => r.includes('virtio-blk-pci 00:01.0') && r.includes('Bus Master'))).toBe(true);
    expect(s.faults[0]?.message).toMatch(/virtio-blk-pci 00:01\.0 queue 0: descriptor table 0x40001000/);
  });

  it('a descriptor chain that loops is a device error naming the device, not a host exception', async () => {
    const s = setup();
    const queue = probe(s);
    const header = s.ram.alloc(16);
    queue.writeDesc(queue.desc, 0, header, 16, DescFlag.next, 1);
    queue.writeDesc(queue.desc, 1, header, 16, DescFlag.next, 0);
    queue.offer(0);
    queue.kick();
    await s.blk.whenIdle();
    expect(s.faults).toHaveLength(1);
    expect(s.faults[0]!.message).toMatch(/virtio-blk-pci 00:01\.0 queue 0/);
    expect(s.bar4.read(CommonCfg.deviceStatus, 1) & Status.deviceNeedsReset).toBe(Status.deviceNeedsReset);
  });

  it('DMA outside what the IOMMU hook allows is refused and reported with the BDF', () => {
    const s = setup();
    s.cfg.write(PciReg.bar0 + 4 * VirtioPciLayout.bar + 4, 4, Math.floor(BAR4 / 0x1_0000_0000));
    s.cfg.write(PciReg.command, 2, PciCommand.memorySpace | PciCommand.busMaster);
    const c = s.bar4;
    c.write(CommonCfg.deviceStatus, 1, Status.acknowledge | Status.driver);
    c.write(CommonCfg.driverFeatureSelect, 4, 1);
    c.write(CommonCfg.driverFeature, 4, 1);
    c.write(CommonCfg.deviceStatus, 1, Status.acknowledge | Status.driver | Status.featuresOk);
    c.write(CommonCfg.queueDescLow, 4, ROOT_RAM_BASE); // root RAM, outside the zone's window
    c.write(CommonCfg.queueDriverLow, 4, ZONE_GPA + 0x1000);
    c.write(CommonCfg.queueDeviceLow, 4, ZONE_GPA + 0x2000);
    c.write(CommonCfg.queueEnable, 2, 1);
    expect(c.read(CommonCfg.queueEnable, 2) & 1).toBe(0);
    expect(s.reports.some((r) => /at 0x80000000 by virtio-blk-pci 00:01\.0 of zone 0 \(stream 0x8\) refused/.test(r))).toBe(true);
  });

  it('gives a network device the modern id 1041, network class and a vector per queue plus one', () => {
    const net = new VirtioPci(new VirtioNet([2, 0, 0, 0, 0, 9]), { name: 'virtio-net-pci', configBytes: new Uint8Array(PCI_CONFIG_BYTES) });
    expect(net.config.read(PciReg.vendorId, 4)).toBe(0x1041_1af4);
    expect(net.config.read(0x08, 4) >>> 8).toBe(0x02_00_00);
    const msix = net.config.capabilities.get(PciCapabilityId.msix)!;
    expect((net.config.read(msix + 2, 2) & 0x7ff) + 1).toBe(net.model.queueSizes.length + 1);
    expect(net.barRead(VirtioPciLayout.bar, VirtioPciLayout.device, 4)).toBe(0x0000_0002); // MAC bytes 0..3
  });

  it('takes garbage in its BARs without throwing', () => {
    const s = setup();
    probe(s);
    let seed = 777;
    const next = () => (seed = (seed * 1664525 + 1013904223) >>> 0);
    for (let i = 0; i < 20000; i++) {
      const size = ([1, 2, 4] as const)[next() % 3]!;
      const offset = next() % 0x4000;
      if (offset >= VirtioPciLayout.notify) continue; // doorbells start real work; covered above
      s.bar4.write(offset, size, next());
      s.bar4.read(offset, size);
      s.bar1.write(next() % 0x1000, size, next());
    }
    expect(s.cfg.read(PciReg.vendorId)).toBe(0x1042_1af4);
  });
});
