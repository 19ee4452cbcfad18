/**
 * Snapshots in the workbench (decision 0024), on a copy of the zones example in test-results/: the
 * toolbar's Snapshot menu saves the running machine and shows the file, its size and the time it took;
 * a corrupt file's restore is refused with the file and the section named while the machine runs on;
 * the good file restores, and zoneR's terminal goes on reporting after the "[hvwb] restored" line
 * without the zones booting again.
 */
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { WorkbenchServices } from '../../src/host/services';
import { createWorkbenchServices } from '../../src/host/workbench';
import { buildRenderer, openWorkbench, repoRoot, screenshot, terminalText, waitForText, waitUntil, type Session } from './harness';

// Two levels below the repository, so that the example's ../../guest paths still reach the guests.
const folder = path.join(repoRoot, 'test-results', `snapshot-e2e-${process.pid}`);

async function openMenu(page: Page): Promise<void> {
  if (!(await page.getByTestId('snapshot-popover').isVisible().catch(() => false))) await page.getByTestId('snapshot-menu').click();
  await page.getByTestId('snapshot-popover').waitFor();
}

describe('snapshots in the workbench', () => {
  let services: WorkbenchServices;
  let session: Session;

  beforeAll(async () => {
    await rm(folder, { recursive: true, force: true });
    await cp(path.join(repoRoot, 'examples/riscv64-zones'), folder, { recursive: true });
    await buildRenderer();
    services = await createWorkbenchServices({ layoutPath: folder, autoStart: true });
    session = await openWorkbench(services, { viewport: { width: 1440, height: 900 } });
  }, 180_000);

  afterAll(async () => {
    await session?.close();
    await services?.dispose();
    await rm(folder, { recursive: true, force: true });
  });

  it('saves the running machine and shows the file, its size and the time it took', async () => {
    const { page } = session;
    await page.getByTestId('zone-tab-2').click();
    await waitForText(page.getByTestId('zone-terminal-2'), 'latency min=', 90_000);
    await openMenu(page);
    await page.getByTestId('snapshot-save').click();
    const saved = page.getByTestId('snapshot-saved');
    await saved.waitFor({ timeout: 120_000 });
    expect(await saved.innerText()).toMatch(/Saved snapshots\/riscv64-zones-[0-9T-]+\.hvsnap: \d+ KiB in \d+\.\d+ s \(the guest stood still \d+\.\d+ s; RAM 2048\.0 MiB, \d+ KiB in use\)/);
    await waitUntil('the saved file in the list', async () => (await page.getByTestId('snapshot-file').count()) === 1);
    await screenshot(page, 'snapshot-saved');
  }, 180_000);

  it('refuses a corrupt file with one message and leaves the machine running', async () => {
    const { page } = session;
    const [good] = (await services.invoke('snapshot.list', {})).files;
    const bytes = Buffer.from(await readFile(path.join(folder, good!.file)));
    bytes[bytes.length - 100]! ^= 1;
    await writeFile(path.join(folder, 'snapshots/broken.hvsnap'), bytes);
    // Reopen the menu: the list is read when it opens.
    await page.getByTestId('snapshot-menu').click();
    await openMenu(page);
    const broken = page.getByTestId('snapshot-file').filter({ hasText: 'broken.hvsnap' });
    await broken.waitFor();
    const before = (await terminalText(page.getByTestId('zone-terminal-2'))).split('latency min=').length;
    await broken.getByTestId('snapshot-restore').click();
    const error = page.getByTestId('snapshot-error');
    await error.waitFor({ timeout: 60_000 });
    expect(await error.innerText()).toMatch(/Restore refused: .*broken\.hvsnap: section '[^']+' is corrupt/);
    expect(await page.getByTestId('machine-state').innerText()).toBe('running');
    await waitUntil('zoneR to report again', async () => (await terminalText(page.getByTestId('zone-terminal-2'))).split('latency min=').length > before, 60_000);
    await screenshot(page, 'snapshot-refused');
  }, 120_000);

  it('restores the saved machine: zoneR goes on reporting, nothing boots again', async () => {
    const { page } = session;
    await openMenu(page);
    const good = page.getByTestId('snapshot-file').filter({ hasNotText: 'broken.hvsnap' });
    await good.getByTestId('snapshot-restore').click();
    const restored = page.getByTestId('snapshot-restored');
    await restored.waitFor({ timeout: 120_000 });
    expect(await restored.innerText()).toMatch(/Restored riscv64-zones-[0-9T-]+\.hvsnap \(\d+ KiB\) in \d+\.\d+ s/);
    const terminal = page.getByTestId('zone-terminal-2');
    await waitForText(terminal, /\[hvwb\] restored from riscv64-zones-[0-9T-]+\.hvsnap[\s\S]*latency min=/, 90_000);
    expect((await terminalText(terminal)).split('zoneR: hart 3 up').length - 1).toBe(1);
    await waitUntil('zone 1 to run', async () => (await page.getByTestId('zone-state-1').innerText()) === 'running', 30_000);
    expect(await page.getByTestId('machine-state').innerText()).toBe('running');
    await screenshot(page, 'snapshot-restored');
  }, 180_000);
});
