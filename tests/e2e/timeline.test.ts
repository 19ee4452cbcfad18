/**
 * The interrupt timeline in the workbench on the real services (examples/riscv64-zones): open the
 * Timeline tab, start recording, see zoneR's timer interrupts appear on hart 3's lane, hover one for
 * its zone and latencies, and read the latency histogram; then the hypervisor's lane of zoneU (its SBI
 * calls and IPIs), a call explained on hover, and the filter hiding kinds of hypervisor event.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkbenchServices } from '../../src/host/services';
import { screenshot, waitForText, type Session, waitUntil, openLiveWorkbench, type LiveWorkbench } from './harness';


describe('interrupt timeline', () => {
  let live: LiveWorkbench;
  let services: WorkbenchServices;
  let session: Session;

  beforeAll(async () => {
    live = await openLiveWorkbench('examples/riscv64-zones');
    ({ services, session } = live);
  });

  afterAll(async () => {
    await live?.close();
  });

  it('records, shows a timer IRQ on zoneR, and explains it on hover', async () => {
    const { page } = session;
    await page.getByTestId('zone-tab-2').click();
    await waitForText(page.getByTestId('zone-terminal-2'), 'zoneR: timer via', 30_000);
    if (await page.getByTestId('bottom-panel').isVisible()) await page.keyboard.press('Control+Backquote');

    // The tab is reachable from the keyboard: focus the tab strip and arrow over to it.
    await page.getByTestId('main-view-pci').click();
    await page.getByTestId('main-view-pci').press('ArrowRight');
    await page.getByTestId('timeline-view').waitFor();
    expect(await page.getByTestId('main-view-timeline').getAttribute('aria-selected')).toBe('true');

    await page.getByTestId('timeline-record').click();
    await waitUntil('recording', async () => (await page.getByTestId('timeline-record').getAttribute('aria-pressed')) === 'true');
    const timerMarks = page.locator('[data-lane="zone.2.vcpu.0"]');
    await timerMarks.waitFor();
    // Timer deliveries on zoneR's vCPU lane.
    await waitUntil('a delivered mark', async () => (await page.getByTestId('timeline-mark-delivered').count()) > 10);
    // Stop so the picture holds still, then zoom in on the most recent events.
    await page.getByTestId('timeline-record').click();
    await waitUntil('stopped', async () => (await page.getByTestId('timeline-record').getAttribute('aria-pressed')) === 'false');
    // Stopping leaves live mode and shows what was recorded; it stays in view while machine time runs on.
    await waitUntil('live mode left', async () => (await page.getByTestId('timeline-live').getAttribute('aria-pressed')) === 'false');
    // The view fits the recording once its last events are in (asynchronously): wait for that, then it holds.
    let shown = -1;
    await waitUntil('the recording fitted', async () => {
      const before = await page.getByTestId('timeline-mark-delivered').count();
      await page.waitForTimeout(400);
      const after = await page.getByTestId('timeline-mark-delivered').count();
      shown = after;
      return before === after;
    });
    expect(shown).toBeGreaterThan(10);
    await page.waitForTimeout(1500);
    expect(await page.getByTestId('timeline-mark-delivered').count()).toBe(shown);
    await page.getByTestId('timeline-fit').click();
    await page.getByTestId('timeline-chart').focus();

    // Hover a delivered timer mark on hart 3's lane.
    const box = await page.locator('[data-lane="zone.2.vcpu.0"] rect.lane').boundingBox();
    const marks = page.locator('rect.mark[data-kind="delivered"]');
    let hovered = false;
    for (let i = (await marks.count()) - 1; i >= 0 && !hovered; i--) {
      const mark = await marks.nth(i).boundingBox();
      if (!mark || !box || Math.abs(mark.y + mark.height / 2 - (box.y + box.height / 2)) > 2) continue;
      await page.mouse.move(mark.x + mark.width / 2, mark.y + mark.height / 2);
      hovered = await page.getByTestId('timeline-tooltip').isVisible();
    }
    expect(hovered).toBe(true);
    const tooltip = await page.getByTestId('timeline-tooltip').innerText();
    expect(tooltip).toContain('supervisor timer');
    expect(tooltip).toContain('2 · zoneR');
    expect(tooltip).toContain('raise → delivery');
    // The histogram has zoneR's timer.
    expect(await page.getByTestId('timeline-histogram').innerText()).toContain('timer (hart 3)');
    await screenshot(page, 'timeline');
  });

  it("shows what the hypervisor did on each zone's lane, explained on hover and filtered by kind", async () => {
    const { page } = session;
    if ((await page.getByTestId('timeline-record').getAttribute('aria-pressed')) !== 'true') await page.getByTestId('timeline-record').click();
    await page.mouse.move(5, 5);
    await page.keyboard.press('Escape');
    await page.getByTestId('timeline-live').click();
    // zoneU's harts ping each other through the SBI: calls and IPIs on zone 1's hypervisor lane.
    await waitUntil('IPI marks', async () => (await page.locator('rect.mark.hv-ipi').count()) > 3);
    const lane = await page.locator('[data-lane="zone.1.hv"] rect.lane').boundingBox();
    const marks = page.locator('rect.mark.hv-firmware');
    let tooltip = '';
    const count = await marks.count();
    // zoneU also prints through the SBI console (legacyPutchar marks on the same lane): look for a send_ipi.
    for (let i = count - 1; i >= Math.max(0, count - 200) && !tooltip.includes('SBI ipi fid 0'); i--) {
      const mark = await marks.nth(i).boundingBox();
      if (!mark || !lane || Math.abs(mark.y + mark.height / 2 - (lane.y + lane.height / 2)) > 2) continue;
      await page.mouse.move(mark.x + mark.width / 2, mark.y + mark.height / 2);
      if (await page.getByTestId('timeline-tooltip').isVisible()) tooltip = await page.getByTestId('timeline-tooltip').innerText();
    }
    expect(tooltip).toContain('SBI ipi fid 0');
    expect(tooltip).toMatch(/= error 0, value 0x0/);
    expect(tooltip).toContain('1 · zoneU');
    await screenshot(page, 'timeline-hypervisor');
    // Hiding IPIs and SBI/PSCI calls removes their marks; the interrupts stay.
    await page.getByTestId('timeline-hv-ipi').uncheck();
    await page.getByTestId('timeline-hv-firmware').uncheck();
    const hidden = () => page.evaluate(() => document.querySelectorAll('rect.mark.hv-ipi, rect.mark.hv-firmware').length === 0);
    await waitUntil('IPI marks hidden', hidden, 40_000, () =>
      page.evaluate(() => {
        const boxes = Array.from(document.querySelectorAll('[data-testid^="timeline-hv-"]')).map((b) => `${b.getAttribute('data-testid')}=${(b as HTMLInputElement).checked}`);
        const marks = Array.from(document.querySelectorAll('rect.mark.hv-ipi, rect.mark.hv-firmware')).slice(0, 3).map((m) => m.outerHTML);
        return `${boxes.join(' ')}\n${document.querySelectorAll('rect.mark.hv-ipi, rect.mark.hv-firmware').length} marks: ${marks.join('\n')}`;
      }),
    );
    expect(await page.getByTestId('timeline-mark-delivered').count()).toBeGreaterThan(0);
    await page.getByTestId('timeline-hv-ipi').check();
    await waitUntil('IPI marks back', async () => (await page.locator('rect.mark.hv-ipi').count()) > 0, 40_000);
  }, 150_000);
});
