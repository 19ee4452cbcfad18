/**
 * The layout editor on the real services, on a copy of the Zones demo: the user creates a zone from
 * the template, gives it zoneR's hart, sees the conflict at the cpus field and on the hart grid, is
 * refused a save, fixes the conflict (undo/redo included), saves, and finds hvisor-style files on disk.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import type { WorkbenchServices } from '../../src/host/services';
import { createWorkbenchServices } from '../../src/host/workbench';
import { buildRenderer, openWorkbench, repoRoot, screenshot, type Session, waitUntil } from './harness';


/** A copy of the Zones demo whose image paths point back into the repository. */
function copyLayout(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'hvwb-editor-'));
  const source = path.join(repoRoot, 'examples/riscv64-zones');
  cpSync(source, dir, { recursive: true });
  const guest = path.join(repoRoot, 'guest');
  for (const name of ['layout.json', 'zone-u.json', 'zone-r.json']) {
    const file = path.join(dir, name);
    writeFileSync(file, readFileSync(file, 'utf8').replaceAll('"../../guest/', `"${guest}/`));
  }
  return dir;
}

const field = (page: Page, file: string, at: string): Locator => page.locator(`[data-field="${file}#${at}"]`);

describe('layout editor', () => {
  let services: WorkbenchServices;
  let session: Session;
  let dir: string;
  let zoneUBefore: string;

  beforeAll(async () => {
    await buildRenderer();
    dir = copyLayout();
    zoneUBefore = readFileSync(path.join(dir, 'zone-u.json'), 'utf8');
    services = await createWorkbenchServices({ layoutPath: dir, autoStart: false });
    session = await openWorkbench(services, { viewport: { width: 1440, height: 900 } });
  });

  afterAll(async () => {
    await session?.close();
    await services?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("opens the layout's files with the partition map", async () => {
    const { page } = session;
    await page.getByTestId('activity-editor').click();
    await page.getByTestId('layout-editor').waitFor();
    // The shell panel is not needed here; the editor gets the whole main area.
    await page.getByRole('button', { name: 'Hide panel' }).click();
    for (const file of ['layout.json', 'zone-u.json', 'zone-r.json']) await page.getByTestId(`editor-file-${file}`).waitFor();
    await page.getByTestId('hart-cell-zone-r.json-3').waitFor();
    expect(await page.getByTestId('hart-cell-zone-r.json-3').getAttribute('aria-pressed')).toBe('true');
    await waitUntil('the first check', async () => /0 errors/.test(await page.getByTestId('editor-status').innerText()));
    expect(await page.getByTestId('memory-map').locator('[data-lane="zone-r.json"] .band').count()).toBe(1);
  });

  it('creates a zone from the template and flags a hart zoneR owns at the cpus field and on the hart grid', async () => {
    const { page } = session;
    await page.getByTestId('editor-new-zone').click();
    await page.getByTestId('editor-file-zone3.json').waitFor();
    const cpus = field(page, 'zone3.json', 'cpus');
    // Every hart is taken, so the template has none; the check says so at the field.
    await waitUntil('the empty cpus finding', async () => /no CPU/.test(await cpus.innerText()));
    expect(await field(page, 'zone3.json', 'zone_id').locator('input').inputValue()).toBe('3');

    await cpus.locator('input').fill('3');
    await waitUntil('the conflict at cpus', async () => /hart 3 also belongs to zone 2 "zoneR"/.test(await cpus.innerText()));
    expect(await cpus.getAttribute('data-severity')).toBe('error');
    expect(await page.getByTestId('hart-3').getAttribute('data-conflict')).toBe('true');
    expect(await page.getByTestId('hart-cell-zone3.json-3').getAttribute('data-conflict')).toBe('true');
    expect(await page.getByTestId('hart-cell-zone-r.json-3').getAttribute('data-conflict')).toBe('true');
    await screenshot(page, 'editor-conflict');

    await page.getByTestId('editor-save').click();
    await waitUntil('the refusal', async () => /Not saved: \d+ errors? must be fixed/.test(await page.getByTestId('editor-report').innerText()));
    expect(await page.getByTestId('editor-report').innerText()).toContain('hart 3 also belongs');
    expect(() => readFileSync(path.join(dir, 'zone3.json'))).toThrow();
  });

  it('fixes the conflict: hart 2 moves from zoneU to the new zone on the grid, with undo and redo', async () => {
    const { page } = session;
    const cpus = field(page, 'zone3.json', 'cpus');
    await cpus.locator('input').fill('2');
    await waitUntil('the conflict with zoneU', async () => /hart 2 also belongs to zone 1 "zoneU"/.test(await cpus.innerText()));
    await page.getByTestId('hart-cell-zone-u.json-2').click();
    await waitUntil('no conflict left', async () => (await page.locator('[data-testid^="hart-"][data-conflict]').count()) === 0);
    await waitUntil('no finding at cpus', async () => (await cpus.getAttribute('data-severity')) === null);

    await cpus.locator('input').focus();
    await page.keyboard.press('Control+z');
    await waitUntil('the undone release', async () => (await page.getByTestId('hart-2').getAttribute('data-conflict')) === 'true');
    await page.keyboard.press('Control+Shift+z');
    await waitUntil('the redone release', async () => (await page.getByTestId('hart-2').getAttribute('data-conflict')) === null);
    await waitUntil('0 errors', async () => /^0 errors/.test(await page.getByTestId('editor-status').innerText()));
  });

  it('saves hvisor-native files into the layout folder', async () => {
    const { page } = session;
    await page.getByTestId('editor-save').click();
    await waitUntil('the save report', async () => /^Saved /.test(await page.getByTestId('editor-report').innerText()));
    const report = await page.getByTestId('editor-report').innerText();
    expect(report).toContain('zone3.json');

    const zone3 = readFileSync(path.join(dir, 'zone3.json'), 'utf8');
    const doc = JSON.parse(zone3);
    expect(doc).toMatchObject({ zone_id: 3, name: 'zone3', cpus: [2], kernel_filepath: 'null', pci_config: [] });
    expect(zone3).toContain('  "cpus": [2],\n');
    expect(zone3).toContain('    { "type": "ram", "physical_start": "0x8a000000", "virtual_start": "0x8a000000", "size": "0x1000000" }\n');
    expect(zone3).toContain('  "arch_config": {\n    "plic_base": "0xc000000",\n');
    expect(Object.keys(doc).slice(0, 4)).toEqual(['zone_id', 'name', 'cpus', 'memory_regions']);

    // zoneU's file changes in its cpus line only.
    const zoneU = readFileSync(path.join(dir, 'zone-u.json'), 'utf8');
    expect(zoneU).toBe(zoneUBefore.replace('"cpus": [1, 2]', '"cpus": [1]'));
    const layout = JSON.parse(readFileSync(path.join(dir, 'layout.json'), 'utf8'));
    expect(layout.zones.at(-1)).toEqual({ config: 'zone3.json', autostart: false });
    // What the services read back is what the editor saved.
    const files = await services.invoke('layout.files', {});
    expect(files.files.map((f) => f.path)).toEqual(['layout.json', 'zone-u.json', 'zone-r.json', 'zone3.json']);

    await page.getByTestId('editor-file-zone3.json').click();
    await page.mouse.move(0, 0);
    await screenshot(page, 'editor');
  });

  it('reads the same in the light theme', async () => {
    const { page } = session;
    await page.getByTestId('theme-toggle').click();
    await waitUntil('the light theme', async () => (await page.evaluate(() => document.documentElement.dataset.theme)) === 'light');
    await page.getByRole('button', { name: 'Dismiss' }).click();
    await page.getByTestId('editor-file-zone-u.json').click();
    await page.mouse.move(0, 0);
    await screenshot(page, 'editor-light');
    expect(session.errors).toEqual([]);
  });
});
