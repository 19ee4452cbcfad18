/**
 * The real desktop app: where Electron's binary is installed (`npm run install:electron`, which needs
 * the internet), build main, preload and renderer with electron-vite, launch the app on the demo layout
 * through Playwright's Electron support and wait for the demo's hello line in the zone terminal.
 * Where the binary is absent (this project's CI machines cannot download it) the test is skipped and
 * says why; browser mode, which the other e2e tests drive, serves the same renderer and services.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { _electron as electron, type ElectronApplication } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot, screenshot, waitForText } from './harness';

/** Where node_modules/electron says its binary is (path.txt is written only by a completed download). */
function electronBinary(): string | undefined {
  const override = process.env.HVWB_ELECTRON;
  if (override) return existsSync(override) ? override : undefined;
  const packageDir = path.join(repoRoot, 'node_modules/electron');
  const pathFile = path.join(packageDir, 'path.txt');
  if (!existsSync(pathFile)) return undefined;
  const binary = path.join(packageDir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? binary : undefined;
}

const binary = electronBinary();
const reason = 'Electron binary not installed (run `npm run install:electron` on a machine with internet access)';
if (!binary) console.warn(`skipping the Electron app test: ${reason}`);

describe.skipIf(!binary)(`the Electron app${binary ? '' : ` (skipped: ${reason})`}`, () => {
  let app: ElectronApplication | undefined;
  let userData: string | undefined;

  afterAll(async () => {
    await app?.close();
    if (userData) await rm(userData, { recursive: true, force: true });
  });

  it('opens a window on the demo layout and shows the hello line of every hart', async () => {
    execFileSync(process.execPath, [path.join(repoRoot, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], {
      cwd: repoRoot,
      stdio: 'inherit',
    });
    userData = await mkdtemp(path.join(tmpdir(), 'hvwb-electron-'));
    app = await electron.launch({
      executablePath: binary!,
      // Root (as in CI) cannot use Chromium's setuid sandbox; the renderer's own sandbox flag still applies.
      args: ['--no-sandbox', `--user-data-dir=${userData}`, path.join(repoRoot, 'out/main/index.js'), path.join(repoRoot, 'examples/riscv64-hello')],
      cwd: repoRoot,
      timeout: 60_000,
    });
    const window = await app.firstWindow();
    const terminal = window.getByTestId('zone-terminal-0');
    const text = await waitForText(terminal, /Hello from riscv64 hart 3/, 45_000);
    for (const hart of [0, 1, 2, 3]) expect(text).toContain(`Hello from riscv64 hart ${hart}`);
    // The renderer runs isolated: no Node in the page, only the typed API from the preload.
    expect(await window.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
    expect(await window.evaluate(() => typeof (globalThis as { workbench?: unknown }).workbench)).toBe('object');
    await screenshot(window, 'electron-app');
  });
});
