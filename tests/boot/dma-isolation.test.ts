/**
 * DMA isolation on riscv64 qemu-plic (issue 11 item 4, decision 0027), on the vCPU workers: zone 1
 * (zoneDma) owns the virtio-blk-pci at 00:02.0 by its alloc_pci_devs, zoneR (zone 2) prints its timer
 * latency, the root echoes. The test plays zone 1's driver through the guest's memory: it programs the
 * function, puts a virtqueue in zone 1's RAM and asks for a disk read into a buffer. Into zone 1's RAM
 * the data arrives; into zoneR's RAM the device's write is blocked before it touches RAM, reported for
 * 00:02.0 and zone 1 (the DMA report, a hypervisor log line, a hypervisor trace record), while zoneR
 * keeps printing and its bytes stay as they were.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { HvEventKind } from '../../src/core/hypervisor/hv-trace';
import { loadLayout } from '../../src/host/layout-loader';
import { startMachine, type LiveMachine } from '../helpers/live-machine';
import { diskImage, dmaLayout, Driver, SECTOR_BYTES, SLOT, until, ZONE1_RAM, ZONER_RAM } from '../helpers/dma-layout';

let machine: LiveMachine | undefined;
afterEach(async () => {
  await machine?.stop();
  machine = undefined;
});

describe('DMA isolation (riscv64, the emulator IOMMU hook)', () => {
  it("a device of zone 1 reads the disk into zone 1's RAM; a read aimed at zoneR's RAM is blocked and reported while zoneR runs on", async () => {
    machine = await startMachine(await loadLayout(dmaLayout()));
    await machine.waitFor('zoneR', 'latency min=', 60_000);
    await until('zone 1 running', () => machine!.host.listZones().some((z) => z.zoneId === 1 && !z.isErr), 30_000);
    const host = machine.host;
    const bus = host.virtioService?.pciBus;
    expect(bus, 'the daemon serves the PCIe function').toBeDefined();
    const ram = host.view.bus.ram;
    const driver = new Driver(bus!, ram.u8, ram.base);
    driver.probe();
    const expected = diskImage().subarray(SECTOR_BYTES, 2 * SECTOR_BYTES);

    // Into zone 1's own RAM: the data arrives.
    const good = ZONE1_RAM + 0x9_0000;
    driver.read(good);
    await until('the first request to complete', () => driver.usedIndex() === 1, 20_000);
    expect(driver.statusByte()).toBe(0);
    expect(Buffer.from(ram.u8.subarray(good - ram.base, good - ram.base + SECTOR_BYTES))).toEqual(Buffer.from(expected));
    expect(host.virtioService!.dmaReport.list()).toEqual([]);

    // Into zoneR's RAM: blocked before RAM, reported for 00:02.0 and zone 1.
    const target = ZONER_RAM + 0x10_0000;
    const zoneRBytes = Buffer.from(ram.u8.subarray(target - ram.base, target - ram.base + SECTOR_BYTES));
    const trace = host.view.hvTrace!;
    trace.skipAll();
    trace.setEnabled(true);
    const zoneRFrom = machine.output('zoneR').length;
    driver.read(target);
    await until('a DMA report', () => host.virtioService!.dmaReport.list().length > 0, 20_000);
    trace.setEnabled(false);
    const [entry, ...others] = host.virtioService!.dmaReport.list();
    expect(others).toEqual([]);
    expect(entry).toMatchObject({ bdf: SLOT << 3, zone: 1, access: 'write', firstAddress: target });
    expect(entry!.lastReason).toContain('not RAM of zone 1 (zoneDma)');
    expect(Buffer.from(ram.u8.subarray(target - ram.base, target - ram.base + SECTOR_BYTES))).toEqual(zoneRBytes);
    expect(Buffer.from(ram.u8.subarray(target - ram.base, target - ram.base + SECTOR_BYTES))).not.toEqual(Buffer.from(expected));
    expect(machine.logs.some((l) => l.startsWith('DMA blocked: 00:02.0') && l.includes('of zone 1 write of 512 byte(s) at 0x89100000'))).toBe(true);
    const records = trace.drain().records.filter((r) => r.kind === HvEventKind.dma);
    expect(records.length).toBeGreaterThan(0);
    expect(records[0]).toMatchObject({ zone: 1, code: SLOT << 3, aux: 1, a: BigInt(target), b: BigInt(SECTOR_BYTES) });

    // zoneR prints on; nothing stopped.
    await machine.waitFor('zoneR', 'latency min=', 20_000, zoneRFrom);
    expect(machine.faults).toEqual([]);
    expect(machine.exits).toEqual([]);
    expect(host.listZones().map((z) => [z.zoneId, z.isErr])).toEqual(expect.arrayContaining([[0, false], [1, false], [2, false]]));
  }, 120_000);
});
