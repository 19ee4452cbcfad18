/**
 * The interrupt-controller view on qemu-aia with Debian's kernel as the root zone: the APLIC as the
 * physical controller (its sources, the root's UART source 10 as hw, aimed at guest file 1), the IMSIC's
 * interrupt files as a further table and the root's vAPLIC, all drawn from the protocol's tables by the
 * same view that draws the PLIC and the GICs. Runs only when the images are cached.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshot, waitForText, type LiveWorkbench, openLiveWorkbench, waitUntil } from './harness';

const cached = existsSync('examples/riscv64-linux-root/images/Image');

describe.skipIf(!cached)('interrupt controllers on qemu-aia', () => {
  let live: LiveWorkbench;

  beforeAll(async () => {
    live = await openLiveWorkbench('tests/boot/layouts/riscv64-linux-aia');
  }, 60_000);

  afterAll(async () => {
    await live?.close();
  });

  it('shows the APLIC with the IMSIC files and the root zone vAPLIC', async () => {
    const { page } = live.session;
    await page.getByTestId('zone-tab-0').click();
    await waitForText(page.getByTestId('zone-terminal-0'), 'hvwb-init: ready', 240_000);
    await page.getByTestId('main-view-interrupts').click();
    await page.getByTestId('controller-aplic').waitFor();
    await page.getByTestId('controller-vaplic.0').waitFor();
    await waitUntil('the UART source routed', async () => (await page.getByTestId('line-aplic-10').innerText()).toLowerCase().includes('level high'), 20_000);
    const uart = (await page.getByTestId('line-aplic-10').innerText()).toLowerCase();
    expect(uart).toContain('root');
    expect(uart).toContain('hw');
    expect(await page.getByTestId('imsic-files-aplic').isVisible()).toBe(true);
    await page.waitForTimeout(300);
    await screenshot(page, 'aia-interrupts');
    expect(live.session.errors).toEqual([]);
  }, 300_000);
});
