/**
 * The PCIe view's DMA section (decision 0027) on a running machine: zone 1 owns the virtio-blk-pci at
 * 00:02.0 (tests/helpers/dma-layout.ts); the test plays zone 1's driver and asks the disk for a read
 * into zoneR's RAM. The view lists the blocked device write for 0000:00:02.0 and zone 1 with its
 * address and count, and says what confines the DMA; zoneR's console keeps printing.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MachineHost } from '../../src/host/machine-host';
import { openLiveWorkbench, repoRoot, screenshot, waitUntil, type LiveWorkbench } from './harness';
import { dmaLayout, Driver, until, ZONE1_RAM, ZONER_RAM } from '../helpers/dma-layout';

describe('PCIe view: DMA report', () => {
  let live: LiveWorkbench;
  let dir: string;

  beforeAll(async () => {
    dir = dmaLayout(repoRoot);
    live = await openLiveWorkbench(dir);
  }, 120_000);

  afterAll(async () => {
    await live?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('lists the blocked DMA of 00:02.0 for zone 1 with address, direction and count', async () => {
    const { page } = live.session;
    // The machine the services run: the test is zone 1's driver (nothing in the protocol programs a BAR).
    const host = (live.services as unknown as { host: MachineHost }).host;
    await until('zone 1 and zoneR running', () => host.listZones().filter((z) => !z.isErr).length === 3, 60_000);
    await until('the PCIe functions served', () => host.virtioService?.pciBus !== undefined, 30_000);
    const ram = host.view.bus.ram;
    const driver = new Driver(host.virtioService!.pciBus!, ram.u8, ram.base);
    driver.probe();
    driver.read(ZONE1_RAM + 0x9_0000);
    await until('the read into zone 1', () => driver.usedIndex() === 1, 20_000);

    await page.getByTestId('main-view-pci').click();
    const dma = page.getByTestId('pcie-dma');
    await dma.waitFor();
    await waitUntil('the DMA guard', async () => /stage-2 RAM/.test(await dma.innerText()), 20_000, () => dma.innerText());
    expect(await dma.innerText()).toContain('No DMA access was blocked');

    driver.read(ZONER_RAM + 0x10_0000);
    const row = page.getByTestId('pcie-dma-0000:00:02.0');
    await waitUntil('the blocked write in the view', async () => (await row.count()) > 0, 20_000, () => dma.innerText());
    const text = await row.innerText();
    expect(text).toMatch(/0000:00:02\.0[\s\S]*virtio-blk-pci/);
    expect(text).toMatch(/zone 1 \(zoneDma\)/);
    expect(text).toContain('device write');
    expect(text).toContain('0x89100000');
    expect(text).toMatch(/not RAM of zone 1/);
    expect(text).toMatch(/\b1\b/);
    // The tree's owner column agrees: zone 1's file lists 00:02.0.
    const owners = page.getByTestId('pcie-fn-0000:00:02.0').getByTestId('pcie-owners');
    await waitUntil('the owners from the zone files', async () => /zoneDma/.test(await owners.innerText()), 20_000, () => owners.innerText());
    await page.waitForTimeout(200);
    await screenshot(page, 'pcie-dma');
  }, 120_000);
});
