/**
 * The layout editor on a copy of examples/loongarch64-zones: the zone files open with the arch_config
 * form the loongarch64 schema describes (hvisor-tool does not read arch_config there; no fields), the
 * partition map shows each zone's CPU, and the check finds no errors (the shared UART page and the
 * root's RAM around the zones are warnings, as hvisor's own loongarch64 configs have them).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkbenchServices } from '../../src/host/services';
import { createWorkbenchServices } from '../../src/host/workbench';
import { buildRenderer, openWorkbench, repoRoot, screenshot, type Session, waitUntil } from './harness';

const FILES = ['layout.json', 'zone-u.json', 'zone-x.json', 'zone-y.json'];

function copyLayout(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'hvwb-editor-la64-'));
  cpSync(path.join(repoRoot, 'examples/loongarch64-zones'), dir, { recursive: true });
  const guest = path.join(repoRoot, 'guest');
  for (const name of FILES) {
    const file = path.join(dir, name);
    writeFileSync(file, readFileSync(file, 'utf8').replaceAll('"../../guest/', `"${guest}/`));
  }
  return dir;
}

describe('layout editor on loongarch64', () => {
  let services: WorkbenchServices;
  let session: Session;
  let dir: string;

  beforeAll(async () => {
    await buildRenderer();
    dir = copyLayout();
    services = await createWorkbenchServices({ layoutPath: dir, autoStart: false });
    session = await openWorkbench(services, { viewport: { width: 1440, height: 900 } });
  }, 120_000);

  afterAll(async () => {
    await session?.close();
    await services?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("shows the zones' arch_config form from the loongarch64 schema and no errors", async () => {
    const { page } = session;
    await page.getByTestId('activity-editor').click();
    await page.getByTestId('layout-editor').waitFor();
    for (const file of FILES) await page.getByTestId(`editor-file-${file}`).waitFor();
    await page.getByTestId('hart-cell-zone-y.json-3').waitFor();
    expect(await page.getByTestId('hart-cell-zone-y.json-3').getAttribute('aria-pressed')).toBe('true');
    await waitUntil('the first check', async () => /\b0 errors/.test(await page.getByTestId('editor-status').innerText()), 30_000);
    await page.getByTestId('editor-file-zone-u.json').click();
    const form = page.getByTestId('arch-config-form');
    await form.waitFor();
    expect(await form.getAttribute('data-arch')).toBe('loongarch64');
    expect(await form.innerText()).toContain('loongarch64: hvisor-tool does not read arch_config on loongarch64');
    await page.waitForTimeout(300);
    await screenshot(page, 'loongarch64-editor');
    expect(session.errors).toEqual([]);
  }, 120_000);
});
