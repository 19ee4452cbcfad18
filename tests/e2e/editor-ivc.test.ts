/**
 * The layout editor on a copy of the IVC demo (examples/aarch64-ivc): the IVC links card shows region
 * 0 with its two ends (the root's and zone 1's peer ids and doorbell IRQs); an end opens the zone's
 * ivc_configs entry; a max_peers that differs from the other end breaks the link, with hvisor's refusal
 * at the field and on the card.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkbenchServices } from '../../src/host/services';
import { createWorkbenchServices } from '../../src/host/workbench';
import { buildRenderer, openWorkbench, repoRoot, screenshot, type Session, waitUntil } from './harness';

function copyLayout(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'hvwb-editor-ivc-'));
  cpSync(path.join(repoRoot, 'examples/aarch64-ivc'), dir, { recursive: true });
  const guest = path.join(repoRoot, 'guest');
  for (const name of ['layout.json', 'zone1-ivc.json']) {
    const file = path.join(dir, name);
    writeFileSync(file, readFileSync(file, 'utf8').replaceAll('"../../guest/', `"${guest}/`));
  }
  return dir;
}

describe('layout editor: IVC links', () => {
  let services: WorkbenchServices;
  let session: Session;
  let dir: string;

  beforeAll(async () => {
    await buildRenderer();
    dir = copyLayout();
    services = await createWorkbenchServices({ layoutPath: dir, autoStart: false });
    session = await openWorkbench(services, { viewport: { width: 1440, height: 1000 } });
  });

  afterAll(async () => {
    await session?.close();
    await services?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('shows both ends of the region, opens an end, and flags ends that hvisor would not link', async () => {
    const { page } = session;
    await page.getByTestId('activity-editor').click();
    await page.getByTestId('layout-editor').waitFor();
    await page.getByRole('button', { name: 'Hide panel' }).click();
    const link = page.getByTestId('ivc-0');
    await link.waitFor();
    await waitUntil('the linked region', async () => /linked/.test(await link.innerText()));
    expect(await page.getByTestId('ivc-0-end-0').innerText()).toMatch(/root-linux[\s\S]*peer 0 · IRQ 65/);
    expect(await page.getByTestId('ivc-0-end-1').innerText()).toMatch(/zone1-ivc[\s\S]*peer 1 · IRQ 66[\s\S]*table 0xd0000000 · memory 0xd0001000/);
    // The IRQ table names the doorbells.
    expect(await page.getByTestId('irq-66').innerText()).toContain('IVC 0 doorbell (zone1-ivc)');

    await link.scrollIntoViewIfNeeded();
    await screenshot(page, 'editor-ivc-links');
    await page.getByTestId('ivc-0-end-1').click();
    const maxPeers = page.locator('[data-field="zone1-ivc.json#ivc_configs[0].max_peers"]');
    await maxPeers.waitFor();
    // The form speaks the board's words: a GIC board's interrupts are INTIDs, not PLIC sources.
    expect(await page.locator('[data-field="zone1-ivc.json#interrupts"]').innerText()).toContain('GIC INTIDs');
    await maxPeers.locator('input').fill('3');
    await waitUntil('the broken link', async () => /different sizes or max_peers/.test(await link.innerText()));
    await waitUntil('the finding at the field', async () => /ivc config conflicts/.test(await page.getByTestId('layout-editor').innerText()));
    await page.waitForTimeout(200);
    await screenshot(page, 'editor-ivc');
    expect(session.errors).toEqual([]);
  });
});
