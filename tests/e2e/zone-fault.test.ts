/**
 * A faulted zone shows its error in the sidebar and as a banner, in the light theme. This one runs
 * on the fake services on purpose: it needs a guest that faults on cue.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkbenchServices } from '../../src/host/services';
import { createFakeServices } from './fake-services';
import { buildRenderer, openWorkbench, screenshot, waitForText, type Session } from './harness';

describe('zone fault reporting', () => {
  let services: WorkbenchServices;
  let session: Session;

  beforeAll(async () => {
    await buildRenderer();
    services = await createFakeServices({ autoStart: true, faultAfterMs: 300 });
    session = await openWorkbench(services, { colorScheme: 'light' });
  });

  afterAll(async () => {
    await session?.close();
    await services?.dispose();
  });

  it('shows the error in the sidebar and a banner that leads to the console', async () => {
    const { page } = session;
    const banner = page.getByTestId('fault-banner');
    await banner.waitFor();
    expect(await banner.innerText()).toContain('stage-2 store fault');
    expect(await page.getByTestId('zone-state-1').innerText()).toBe('error');
    expect(await page.getByTestId('zone-error-1').innerText()).toContain('0x0000000090001000');
    await banner.getByRole('button', { name: 'Show console' }).click();
    await waitForText(page.getByTestId('zone-terminal-1'), 'zone 1 stopped');
    await screenshot(page, 'workbench-fault-light');
  });

  it('switches to the dark theme from the toolbar', async () => {
    const { page } = session;
    await page.getByTestId('theme-toggle').click();
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    await page.getByTestId('terminal-layout-toggle').click();
    await screenshot(page, 'workbench-fault-split-dark');
    expect(session.errors).toEqual([]);
  });
});
