/**
 * A layout for DMA isolation tests (decision 0027) and the driver the tests play for its zone 1: qemu-plic
 * with the root echoing (hello.elf), zone 1 "zoneDma" (hart 1, 1 MiB at 0x88000000, spinning) owning the
 * virtio-blk-pci at 00:02.0 by its alloc_pci_devs, and zoneR (hart 3, 0x89000000) printing its timer
 * latency. The driver programs the function through the management side's PciBus (the accesses the
 * root's BAR windows would forward) and keeps its virtqueue in zone 1's RAM.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { PciCommand, PciReg } from '../../src/core/devices/pci/pci-config-space';
import { CommonCfg, VirtioPciLayout } from '../../src/core/virtio/virtio-pci';
import { Status } from '../../src/core/virtio/virtio-mmio';
import type { PciBus } from '../../src/host/virtio/pci-bus';

export const ECAM = 0x3000_0000;
export const BAR4 = 0x4_0000_0000;
export const BAR1 = 0x4000_0000;
export const SLOT = 2;
export const ZONE1_RAM = 0x8800_0000;
export const ZONER_RAM = 0x8900_0000;
export const SECTOR_BYTES = 512;

export function diskImage(): Buffer {
  const bytes = Buffer.alloc(64 * 1024);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7 + (i >> 9)) & 0xff;
  return bytes;
}

export function dmaLayout(repoRoot = process.cwd()): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'hvwb-dma-'));
  writeFileSync(path.join(dir, 'disk.img'), diskImage());
  // j . (zone 1 idles; the test is its driver)
  writeFileSync(path.join(dir, 'spin.bin'), Buffer.from([0x6f, 0, 0, 0]));
  const pciConfig = {
    ecam_base: '0x30000000', ecam_size: '0x10000000', io_base: '0x3000000', io_size: '0x10000', pci_io_base: '0x0',
    mem32_base: '0x40000000', mem32_size: '0x40000000', pci_mem32_base: '0x40000000',
    mem64_base: '0x400000000', mem64_size: '0x400000000', pci_mem64_base: '0x400000000',
    bus_range_begin: '0x0', bus_range_end: '0x1f', domain: '0x0',
  };
  writeFileSync(
    path.join(dir, 'zone-dma.json'),
    JSON.stringify({
      zone_id: 1,
      name: 'zoneDma',
      cpus: [1],
      memory_regions: [{ type: 'ram', physical_start: '0x88000000', virtual_start: '0x88000000', size: '0x100000' }],
      interrupts: [],
      ivc_configs: [],
      kernel_filepath: './spin.bin',
      dtb_filepath: 'null',
      kernel_load_paddr: '0x88000000',
      dtb_load_paddr: '0x880f0000',
      entry_point: '0x88000000',
      arch_config: { plic_base: '0xc000000', plic_size: '0x4000000', aplic_base: '0xd000000', aplic_size: '0x8000' },
      pci_config: [pciConfig],
      alloc_pci_devs: [
        { domain: '0x0', bus: '0x0', device: '0x0', function: '0x0', dev_type: '0' },
        { domain: '0x0', bus: '0x0', device: '0x2', function: '0x0', dev_type: '0' },
      ],
    }),
  );
  // zoneR as examples/riscv64-zones has it, copied into the folder (the layout editor reads only the folder's files).
  const zoneR = JSON.parse(readFileSync(path.join(repoRoot, 'examples/riscv64-zones/zone-r.json'), 'utf8')) as { kernel_filepath: string };
  zoneR.kernel_filepath = path.resolve(repoRoot, 'examples/riscv64-zones', zoneR.kernel_filepath);
  writeFileSync(path.join(dir, 'zone-r.json'), JSON.stringify(zoneR, null, 2));
  writeFileSync(
    path.join(dir, 'layout.json'),
    JSON.stringify({
      name: 'dma-isolation',
      board: 'qemu-plic',
      root: {
        image: path.resolve(repoRoot, 'guest/riscv64/bin/hello.elf'),
        mode: 'supervisor',
        cpus: [0],
        memory_regions: [
          { type: 'virtio', physical_start: '0x3000000', virtual_start: '0x3000000', size: '0x10000' },
          { type: 'io', physical_start: '0x30000000', virtual_start: '0x30000000', size: '0x10000000' },
          { type: 'virtio', physical_start: '0x40000000', virtual_start: '0x40000000', size: '0x40000000' },
          { type: 'virtio', physical_start: '0x400000000', virtual_start: '0x400000000', size: '0x400000000' },
        ],
      },
      pci: [{ type: 'virtio-blk-pci', slot: SLOT, img: 'disk.img', read_only: true }],
      zones: [{ config: 'zone-dma.json', autostart: true }, { config: 'zone-r.json', autostart: true }],
    }),
  );
  return dir;
}

/** Zone 1's driver, as the test plays it: config and BAR accesses through the PCIe bus, rings in zone 1's RAM. */
export class Driver {
  private readonly q: number;
  private get desc(): number { return this.q; }
  private get avail(): number { return this.q + 0x100; }
  private get used(): number { return this.q + 0x200; }
  private get header(): number { return this.q + 0x400; }
  private get status(): number { return this.q + 0x500; }
  private head = 0;
  private notifyAt = 0;

  /** `at`: the machine's PCIe geometry and where zone 1's RAM is (riscv64 qemu-plic's by default). */
  constructor(
    private readonly bus: PciBus,
    private readonly ram: Uint8Array,
    private readonly ramBase: number,
    private readonly at: { ecam: number; bar4: number; bar1: number; slot: number; zoneRam: number } = { ecam: ECAM, bar4: BAR4, bar1: BAR1, slot: SLOT, zoneRam: ZONE1_RAM },
  ) {
    this.q = at.zoneRam + 0x8_0000;
  }

  private access(address: number, size: 1 | 2 | 4, value?: number): number {
    return Number(this.bus.handle({ cpu: 1, zone: 0, address, size, value: BigInt(value ?? 0), isWrite: value !== undefined, needInterrupt: false }));
  }
  private cfg(reg: number, size: 1 | 2 | 4, value?: number): number {
    return this.access(this.at.ecam + (this.at.slot << 15) + reg, size, value);
  }
  private common(offset: number, size: 1 | 2 | 4, value?: number): number {
    return this.access(this.at.bar4 + offset, size, value);
  }
  private view(address: number, length: number): DataView {
    return new DataView(this.ram.buffer, this.ram.byteOffset + address - this.ramBase, length);
  }

  probe(): void {
    this.cfg(PciReg.bar0 + 4 * VirtioPciLayout.bar, 4, this.at.bar4 % 0x1_0000_0000);
    this.cfg(PciReg.bar0 + 4 * VirtioPciLayout.bar + 4, 4, Math.floor(this.at.bar4 / 0x1_0000_0000));
    this.cfg(PciReg.bar0 + 4 * VirtioPciLayout.msixBar, 4, this.at.bar1);
    this.cfg(PciReg.command, 2, PciCommand.memorySpace | PciCommand.busMaster);
    this.common(CommonCfg.deviceStatus, 1, 0);
    this.common(CommonCfg.deviceStatus, 1, Status.acknowledge | Status.driver);
    for (const select of [1, 0]) {
      this.common(CommonCfg.deviceFeatureSelect, 4, select);
      const features = this.common(CommonCfg.deviceFeature, 4);
      this.common(CommonCfg.driverFeatureSelect, 4, select);
      this.common(CommonCfg.driverFeature, 4, features);
    }
    this.common(CommonCfg.deviceStatus, 1, Status.acknowledge | Status.driver | Status.featuresOk);
    expect(this.common(CommonCfg.deviceStatus, 1) & Status.featuresOk).toBe(Status.featuresOk);
    this.common(CommonCfg.queueSelect, 2, 0);
    this.notifyAt = this.at.bar4 + VirtioPciLayout.notify + this.common(CommonCfg.queueNotifyOff, 2) * VirtioPciLayout.notifyOffMultiplier;
    new Uint8Array(this.ram.buffer, this.ram.byteOffset + this.q - this.ramBase, 0x600).fill(0);
    this.common(CommonCfg.queueSize, 2, 8);
    this.common(CommonCfg.queueDescLow, 4, this.desc);
    this.common(CommonCfg.queueDescHigh, 4, 0);
    this.common(CommonCfg.queueDriverLow, 4, this.avail);
    this.common(CommonCfg.queueDriverHigh, 4, 0);
    this.common(CommonCfg.queueDeviceLow, 4, this.used);
    this.common(CommonCfg.queueDeviceHigh, 4, 0);
    this.common(CommonCfg.queueEnable, 2, 1);
    this.common(CommonCfg.deviceStatus, 1, Status.acknowledge | Status.driver | Status.featuresOk | Status.driverOk);
  }

  /** A read of sector 1 into `buffer`: header, data (device writes), status (device writes); notifies. */
  read(buffer: number): void {
    const h = this.view(this.header, 16);
    h.setUint32(0, 0, true); // VIRTIO_BLK_T_IN
    h.setUint32(4, 0, true);
    h.setBigUint64(8, 1n, true);
    this.view(this.status, 1).setUint8(0, 0xff);
    const d = this.view(this.desc, 16 * 3);
    const chain = [
      { addr: this.header, len: 16, flags: 1 },
      { addr: buffer, len: SECTOR_BYTES, flags: 1 | 2 },
      { addr: this.status, len: 1, flags: 2 },
    ];
    chain.forEach((c, i) => {
      d.setBigUint64(i * 16, BigInt(c.addr), true);
      d.setUint32(i * 16 + 8, c.len, true);
      d.setUint16(i * 16 + 12, c.flags, true);
      d.setUint16(i * 16 + 14, i + 1, true);
    });
    const a = this.view(this.avail, 4 + 2 * 8);
    const index = this.head++;
    a.setUint16(4 + 2 * (index % 8), 0, true);
    a.setUint16(2, index + 1, true);
    this.access(this.notifyAt, 2, 0);
  }

  usedIndex(): number {
    return this.view(this.used, 4).getUint16(2, true);
  }
  statusByte(): number {
    return this.view(this.status, 1).getUint8(0);
  }
}

export async function until(what: string, check: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

