/**
 * Host folders as disks in the workbench on the real services: attach a folder to zoneU of a copy of
 * the zones demo (given a virtio region), watch the image build to 100 %, restart the zone so it
 * boots with the disk, see it listed, and open its write-back dialog.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { WorkbenchServices } from '../../src/host/services';
import { createWorkbenchServices } from '../../src/host/workbench';
import { buildRenderer, openWorkbench, repoRoot, screenshot, type Session, waitUntil } from './harness';


/** examples/riscv64-zones in a temporary folder, image paths absolute, zoneU with a virtio region and IRQ 1. */
function layoutCopy(): string {
  const source = path.join(repoRoot, 'examples/riscv64-zones');
  const dir = mkdtempSync(path.join(tmpdir(), 'hvwb-e2e-disks-'));
  cpSync(source, dir, { recursive: true });
  const layout = JSON.parse(readFileSync(path.join(dir, 'layout.json'), 'utf8'));
  layout.root.image = path.resolve(source, layout.root.image);
  writeFileSync(path.join(dir, 'layout.json'), JSON.stringify(layout, null, 2));
  for (const file of ['zone-u.json', 'zone-r.json']) {
    const zone = JSON.parse(readFileSync(path.join(dir, file), 'utf8'));
    zone.kernel_filepath = path.resolve(source, zone.kernel_filepath);
    if (file === 'zone-u.json') {
      zone.memory_regions.push({ type: 'virtio', physical_start: '0x10001000', virtual_start: '0x10001000', size: '0x1000' });
      zone.interrupts = [1];
    }
    writeFileSync(path.join(dir, file), JSON.stringify(zone, null, 2));
  }
  return dir;
}

function hostFolder(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'hvwb-e2e-share-'));
  writeFileSync(path.join(dir, 'README.txt'), 'shared with zoneU\n');
  writeFileSync(path.join(dir, 'config.ini'), '[zone]\nname = zoneU\n');
  mkdirSync(path.join(dir, 'data'));
  writeFileSync(path.join(dir, 'data', 'samples.bin'), Buffer.alloc(3 * 1024 * 1024, 7));
  return dir;
}

const diskRow = (page: Page) => page.getByTestId('disk-1-10001000');

describe('host folders as disks', () => {
  let services: WorkbenchServices;
  let session: Session;
  let layout: string;
  let share: string;

  beforeAll(async () => {
    await buildRenderer();
    layout = layoutCopy();
    share = hostFolder();
    services = await createWorkbenchServices({ layoutPath: layout, autoStart: true });
    session = await openWorkbench(services, { viewport: { width: 1440, height: 900 } });
  });

  afterAll(async () => {
    await session?.close();
    await services?.dispose();
    for (const dir of [layout, share]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('attaches a folder to zoneU with a progress bar, restarts the zone with it and lists it', async () => {
    const { page } = session;
    await page.getByTestId('disks-section').waitFor();
    await waitUntil('the empty disk list', async () => (await page.getByTestId('disks-section').innerText()).includes('No host folders attached'));

    // Keyboard: the section's Attach button, then Enter.
    await page.getByTestId('disk-attach-open').focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByTestId('attach-dialog');
    await dialog.waitFor();
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('disk-folder');
    // The server-side browser lists the layout folder first.
    await expect.poll(() => page.getByTestId('disk-browser').innerText()).toContain(layout);
    await page.getByTestId('disk-folder').fill(share);
    await page.getByTestId('disk-zone').selectOption('1');
    await page.getByTestId('disk-mode-rw').check();
    await page.getByTestId('disk-attach').click();

    const progress = page.getByTestId('disk-progress');
    await progress.waitFor();
    await waitUntil('the image built', async () => (await progress.getAttribute('aria-valuenow')) === '100', 30_000);
    const result = page.getByTestId('disk-job-result');
    await result.waitFor();
    expect(await result.innerText()).toMatch(new RegExp(`${share}.* attached write-back on explicit sync to zone 1 "zoneU" at 0x10001000, IRQ 1 \\(3 files\\)`));
    expect(await dialog.innerText()).toContain('The zone sees the disk when it (re)starts');

    const config = JSON.parse(readFileSync(path.join(layout, 'virtio_cfg.json'), 'utf8'));
    expect(config.zones[0].devices).toEqual([{ type: 'blk', addr: '0x10001000', len: '0x200', irq: 1, img: share, read_only: false, status: 'enable' }]);
    expect(JSON.parse(readFileSync(path.join(layout, 'layout.json'), 'utf8')).virtio).toBe('virtio_cfg.json');

    await expect.poll(() => diskRow(page).innerText()).toContain('gets this disk when it (re)starts');
    await screenshot(page, 'disks-attach');

    // zoneU restarts with its new device: the daemon serves it.
    await page.getByTestId('disk-restart-zone').click();
    await waitUntil('zoneU restarted with the disk', async () => (await diskRow(page).innerText()).includes('the zone has this disk'), 30_000).catch(async (error) => {
      throw new Error(`${(error as Error).message}; the dialog shows:\n${await dialog.innerText()}\nthe row shows:\n${await diskRow(page).innerText()}`);
    });
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });

    const row = await diskRow(page).innerText();
    expect(row).toContain(path.basename(share));
    expect(row).toContain('RW');
    expect(row).toMatch(/0x10001000 · IRQ 1 · 3\s+files/);

    // Write-back: the bare-metal zoneU did not touch the disk, and nothing is written.
    await page.getByTestId('disk-sync-1-10001000').click();
    await page.getByTestId('sync-nothing').waitFor();
    await page.keyboard.press('Escape');
    await screenshot(page, 'disks');
    expect(session.errors).toEqual([]);
  });

  it('refuses a second folder for zoneU, saying which IRQ list is full', async () => {
    const { page } = session;
    await page.getByTestId('disk-attach-open').click();
    await page.getByTestId('disk-zone').selectOption('1');
    await expect.poll(() => page.getByTestId('disk-zone-problem').innerText()).toMatch(/no free IRQ for zone 1 "zoneU" \(zone-u.json\): its interrupts \[1\] are all in use \(1 by blk@0x10001000/);
    await page.keyboard.press('Escape');
  });

  it('detaches the folder: the zone keeps it until it stops', async () => {
    const { page } = session;
    await page.getByTestId('disk-detach-1-10001000').click();
    // Detaching asks first; Cancel keeps the disk.
    await page.getByTestId('confirm-cancel').click();
    expect(await diskRow(page).innerText()).not.toContain('detached');
    await page.getByTestId('disk-detach-1-10001000').click();
    expect(await page.getByTestId('confirm-dialog').innerText()).toContain('Detach');
    await page.getByTestId('confirm-action').click();
    await expect.poll(() => diskRow(page).innerText()).toContain('detached');
    expect(JSON.parse(readFileSync(path.join(layout, 'virtio_cfg.json'), 'utf8')).zones[0].devices).toEqual([]);
  });
});
