/**
 * A zone that stops on a guest error shows its report in the sidebar, in a notification and as a
 * banner over its own terminal, in the light theme; shutting it down and starting it again clears
 * it. This one runs on the fake services on purpose: it needs a guest that faults on cue.
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

  it('shows the error report in the sidebar, a notification, and a banner over the zone terminal', async () => {
    const { page } = session;
    const report = page.getByTestId('zone-error-1');
    await report.waitFor();
    expect(await page.getByTestId('zone-state-1').innerText()).toBe('error');
    expect(await report.innerText()).toContain('0x90001000');
    expect(await report.innerText()).toMatch(/nearest\s+ram 0x80200000-0x803fffff/);

    const notification = page.locator('[data-testid="notification"][data-severity="error"]', { hasText: 'Zone 1 (rtos-guest)' });
    await notification.waitFor();
    await notification.getByRole('button', { name: 'Show console' }).click();

    const banner = page.locator('[data-testid="fault-banner"][data-zone="1"]');
    await banner.waitFor();
    const text = await banner.innerText();
    expect(text).toContain('store/AMO guest-page fault');
    expect(text).toContain('0x80200a14');
    await waitForText(page.getByTestId('zone-terminal-1'), 'zone 1 stopped');
    // The other zone is unaffected.
    expect(await page.getByTestId('zone-state-0').innerText()).toBe('running');
    await screenshot(page, 'workbench-fault-light');
  });

  it('switches to the dark theme from the toolbar', async () => {
    const { page } = session;
    await page.getByTestId('theme-toggle').click();
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    await page.getByTestId('terminal-layout-toggle').click();
    await screenshot(page, 'workbench-fault-split-dark');
    await page.getByTestId('terminal-layout-toggle').click();
  });

  it('shuts the errored zone down and starts it again; the root zone cannot be shut down', async () => {
    const { page } = session;
    expect(await page.getByTestId('zone-shutdown-0').getAttribute('aria-disabled')).toBe('true');
    await page.getByTestId('zone-shutdown-1').click();
    expect(await page.getByTestId('confirm-dialog').innerText()).toContain('Shut down zone 1 (rtos-guest)?');
    await page.getByTestId('confirm-action').click();
    await page.locator('[data-testid="zone-state-1"]', { hasText: 'stopped' }).waitFor();
    expect(await page.locator('[data-testid="fault-banner"]').count()).toBe(0);
    await page.getByTestId('zone-tab-1').click();
    await page.getByTestId('zone-stopped-1').waitFor();
    // The keyboard reaches the Start button.
    await page.getByTestId('zone-start-1').focus();
    await page.keyboard.press('Enter');
    await page.locator('[data-testid="zone-state-1"]', { hasText: 'running' }).waitFor();
    await waitForText(page.getByTestId('zone-terminal-1'), 'rtos-guest started again');
    expect(session.errors).toEqual([]);
  });
});
