/**
 * The workbench in browser mode, driven through Chromium as a user would: the zone console shows
 * the guest's output and echoes typed input, and the host shell works.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkbenchServices } from '../../src/host/services';
import { createWorkbenchServices } from '../../src/host/workbench';
import { buildRenderer, openWorkbench, screenshot, waitForText, type Session } from './harness';

/** The real services on the demo layout: the guest runs on vCPU workers. */
const createServices = (): Promise<WorkbenchServices> =>
  createWorkbenchServices({ layoutPath: 'examples/riscv64-hello', autoStart: true });

/** What the demo's last hart prints once every hart is up. */
const BOOT_LINE = /Hello from riscv64 hart 3/;

describe('workbench in browser mode', () => {
  let services: WorkbenchServices;
  let session: Session;

  beforeAll(async () => {
    await buildRenderer();
    services = await createServices();
    session = await openWorkbench(services);
  });

  afterAll(async () => {
    await session?.close();
    await services?.dispose();
  });

  it('shows the layout, its zones and the machine state', async () => {
    const { page } = session;
    await page.getByTestId('zone-item-0').waitFor();
    const layout = await services.invoke('layout.get', {});
    expect(await page.getByTestId('layout-name').innerText()).toBe(layout.name);
    for (const zone of layout.zones) {
      expect(await page.getByTestId(`zone-item-${zone.id}`).innerText()).toContain(zone.name);
      await page.getByTestId(`hart-${zone.id}-${zone.harts[0]?.id}`).waitFor();
    }
    await page.locator('[data-testid="machine-state"]', { hasText: 'running' }).waitFor();
  });

  it("shows the zone's output in its terminal and echoes a typed line", async () => {
    const { page } = session;
    const terminal = page.getByTestId('zone-terminal-0');
    await waitForText(terminal, BOOT_LINE);
    // The guest drops what was typed before its prompt (guest/riscv64/hello/echo.c), which comes after
    // every hart's line: on a busy host hart 3's line came well before it.
    await waitForText(terminal, 'echo> ');
    await terminal.locator('.xterm').click();
    await page.keyboard.type('hello workbench');
    await page.keyboard.press('Enter');
    await waitForText(terminal, 'hello workbench');
  });

  it('opens a host shell in the bottom panel', async () => {
    const { page } = session;
    const shell = page.getByTestId('shell-terminal');
    await page.locator('[data-testid="shell-status"]', { hasText: 'pty' }).waitFor();
    await shell.locator('.xterm').click();
    await page.keyboard.type('echo shell-says-$((6*7))');
    await page.keyboard.press('Enter');
    await waitForText(shell, 'shell-says-42');
  });

  it('pauses and resumes the machine from the toolbar', async () => {
    const { page } = session;
    await page.getByTestId('machine-pause').click();
    await page.locator('[data-testid="machine-state"]', { hasText: 'paused' }).waitFor();
    await page.getByTestId('machine-resume').click();
    await page.locator('[data-testid="machine-state"]', { hasText: 'running' }).waitFor();
  });

  it('keeps its token out of cookies, the address bar and the history', async () => {
    const { page, context, server } = session;
    const token = new URL(server.url.replace('#', '?')).searchParams.get('token');
    expect(token).toBeTruthy();
    expect(await context.cookies()).toEqual([]);
    expect(page.url()).not.toContain(token!);
    expect(await page.evaluate(() => document.cookie)).toBe('');
  });

  it('renders without page errors, and keeps a screenshot', async () => {
    const { page } = session;
    await page.getByTestId('zone-terminal-0').locator('.xterm').click();
    await screenshot(page, 'workbench');
    expect(session.errors).toEqual([]);
  });
});
