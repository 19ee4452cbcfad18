/**
 * DMA isolation on aarch64 qemu-gicv3 through the SMMUv3 hvisor programs (decision 0027), on the vCPU
 * workers: zone 1 (zoneDma, CPU 1, spinning) owns the virtio-blk-pci at 00:03.0; zoneR (examples/
 * aarch64-zones, CPU 3) prints its timer latency on its virtio console; the root echoes. The test plays
 * zone 1's driver (tests/helpers/dma-layout.ts' Driver with qemu-gicv3's windows): a disk read into zone
 * 1's RAM arrives through the SMMU's stage 2 (VMID 1); one aimed at zoneR's RAM is refused with
 * F_TRANSLATION, reported for 00:03.0 and zone 1, and zoneR's bytes stay while it keeps printing.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadLayout } from '../../src/host/layout-loader';
import { startMachine, type LiveMachine } from '../helpers/live-machine';
import { diskImage, Driver, SECTOR_BYTES, until } from '../helpers/dma-layout';

let machine: LiveMachine | undefined;
afterEach(async () => {
  await machine?.stop();
  machine = undefined;
});

const ECAM = 0x40_1000_0000;
const MEM32 = 0x1000_0000;
const MEM64 = 0x80_0000_0000;
const SLOT = 3;
const ZONE1_RAM = 0x6000_0000;
const ZONER_RAM = 0x7100_0000;

function layout(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'hvwb-dma-a64-'));
  const repo = process.cwd();
  writeFileSync(path.join(dir, 'disk.img'), diskImage());
  writeFileSync(path.join(dir, 'spin.bin'), Buffer.from([0x00, 0x00, 0x00, 0x14])); // b .
  const zones = path.join(repo, 'examples/aarch64-zones');
  const zoneR = JSON.parse(readFileSync(path.join(zones, 'zone-r.json'), 'utf8')) as { kernel_filepath: string };
  zoneR.kernel_filepath = path.resolve(zones, zoneR.kernel_filepath);
  writeFileSync(path.join(dir, 'zone-r.json'), JSON.stringify(zoneR, null, 2));
  // zoneR's virtio console only (zone 1 of the example is zoneU, not here).
  const virtio = JSON.parse(readFileSync(path.join(zones, 'virtio_cfg.json'), 'utf8')) as { zones: { id: number }[] };
  virtio.zones = virtio.zones.filter((z) => z.id === 2);
  writeFileSync(path.join(dir, 'virtio_cfg.json'), JSON.stringify(virtio, null, 2));
  const hex = (n: number) => `0x${n.toString(16)}`;
  writeFileSync(
    path.join(dir, 'zone-dma.json'),
    JSON.stringify({
      zone_id: 1,
      name: 'zoneDma',
      cpus: [1],
      memory_regions: [{ type: 'ram', physical_start: hex(ZONE1_RAM), virtual_start: hex(ZONE1_RAM), size: '0x100000' }],
      interrupts: [],
      ivc_configs: [],
      kernel_filepath: './spin.bin',
      dtb_filepath: 'null',
      kernel_load_paddr: hex(ZONE1_RAM),
      dtb_load_paddr: hex(ZONE1_RAM + 0xf_0000),
      entry_point: hex(ZONE1_RAM),
      arch_config: (zoneR as unknown as { arch_config: unknown }).arch_config,
      pci_config: [{
        ecam_base: hex(ECAM), ecam_size: '0x10000000', io_base: '0x3eff0000', io_size: '0x10000', pci_io_base: '0x0',
        mem32_base: hex(MEM32), mem32_size: '0x2eff0000', pci_mem32_base: hex(MEM32),
        mem64_base: hex(MEM64), mem64_size: '0x8000000000', pci_mem64_base: hex(MEM64),
        bus_range_begin: '0x0', bus_range_end: '0xff', domain: '0x0',
      }],
      alloc_pci_devs: [
        { domain: '0x0', bus: '0x0', device: '0x0', function: '0x0', dev_type: '0' },
        { domain: '0x0', bus: '0x0', device: hex(SLOT), function: '0x0', dev_type: '0' },
      ],
    }),
  );
  writeFileSync(
    path.join(dir, 'layout.json'),
    JSON.stringify({
      name: 'dma-isolation-aarch64',
      board: 'qemu-gicv3',
      root: {
        image: path.join(repo, 'guest/aarch64/bin/hello.elf'),
        mode: 'supervisor',
        cpus: [0],
        memory_regions: [
          { type: 'virtio', physical_start: hex(MEM32), virtual_start: hex(MEM32), size: '0x2eff0000' },
          { type: 'io', physical_start: hex(ECAM), virtual_start: hex(ECAM), size: '0x10000000' },
          { type: 'virtio', physical_start: hex(MEM64), virtual_start: hex(MEM64), size: '0x8000000000' },
        ],
      },
      pci: [{ type: 'virtio-blk-pci', slot: SLOT, img: 'disk.img', read_only: true }],
      virtio: 'virtio_cfg.json',
      zones: [{ config: 'zone-dma.json', autostart: true }, { config: 'zone-r.json', autostart: true }],
    }),
  );
  return dir;
}

describe('DMA isolation (aarch64, the SMMUv3 hvisor programs)', () => {
  it("zone 1's device reads into zone 1's RAM through stage 2; a read aimed at zoneR's RAM is refused with F_TRANSLATION while zoneR runs on", async () => {
    machine = await startMachine(await loadLayout(layout()));
    await machine.waitFor('zoneR', 'latency min=', 60_000);
    await until('zone 1 running', () => machine!.host.listZones().some((z) => z.zoneId === 1 && !z.isErr), 30_000);
    expect(machine.logs.some((l) => /write ste, sid: 0x18, vmid: 0x1,/.test(l))).toBe(true);
    const host = machine.host;
    const bus = host.virtioService!.pciBus!;
    const ram = host.view.bus.ram;
    const driver = new Driver(bus, ram.u8, ram.base, { ecam: ECAM, bar4: MEM64, bar1: MEM32, slot: SLOT, zoneRam: ZONE1_RAM });
    driver.probe();
    const expected = diskImage().subarray(SECTOR_BYTES, 2 * SECTOR_BYTES);
    const good = ZONE1_RAM + 0x9_0000;
    driver.read(good);
    await until('the first request to complete', () => driver.usedIndex() === 1, 20_000);
    expect(Buffer.from(ram.u8.subarray(good - ram.base, good - ram.base + SECTOR_BYTES))).toEqual(Buffer.from(expected));

    const target = ZONER_RAM + 0x10_0000;
    const before = Buffer.from(ram.u8.subarray(target - ram.base, target - ram.base + SECTOR_BYTES));
    const zoneRFrom = machine.output('zoneR').length;
    driver.read(target);
    await until('a DMA report', () => host.virtioService!.dmaReport.list().length > 0, 20_000);
    expect(host.virtioService!.dmaReport.list()).toMatchObject([{ bdf: SLOT << 3, zone: 1, access: 'write', firstAddress: target }]);
    expect(host.virtioService!.dmaReport.list()[0]!.lastReason).toContain('F_TRANSLATION');
    expect(Buffer.from(ram.u8.subarray(target - ram.base, target - ram.base + SECTOR_BYTES))).toEqual(before);
    await machine.waitFor('zoneR', 'latency min=', 20_000, zoneRFrom);
    expect(machine.faults).toEqual([]);
  }, 120_000);
});
