/**
 * An aarch64 layout in the workbench as a user sees it: examples/aarch64-hello on qemu-gicv3. The root
 * zone's terminal shows the four CPUs' hellos and echoes typed text; the register inspector shows the
 * A64 CPU (X registers, SP_EL1, PSTATE and system registers with decoded fields, disassembly) after
 * a pause; the interrupt-controller view shows the physical GICv3 with the PL011's SPI 33 enabled, and
 * the root zone's vGICv3 with the root's own SPIs only; the timeline records the SPI's acknowledges.
 * The same views, driven by data, with no aarch64 case in the renderer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshot, waitForText, waitUntil, openLiveWorkbench, type LiveWorkbench } from './harness';

describe('an aarch64 layout in the workbench', () => {
  let live: LiveWorkbench;

  beforeAll(async () => {
    live = await openLiveWorkbench('examples/aarch64-hello');
  });

  afterAll(async () => {
    await live?.close();
  });

  it('runs the root zone on four CPUs, echoes, and shows the A64 registers and the GICv3', async () => {
    const { page } = live.session;
    const terminal = page.getByTestId('zone-terminal-0');
    await waitForText(terminal, 'Hello from aarch64 CPU 3', 30_000);
    await waitForText(terminal, 'echo> ', 10_000);
    await terminal.click();
    await page.keyboard.type('from the browser');
    await page.keyboard.press('Enter');
    await waitForText(terminal, 'from the browser', 10_000);

    if (await page.getByTestId('bottom-panel').isVisible()) await page.keyboard.press('Control+Backquote');
    await page.keyboard.press('Control+Shift+Digit2');
    await page.getByTestId('registers-view').waitFor();
    await page.getByTestId('inspect-zone').selectOption('0');
    await page.getByTestId('inspect-cpu-0').waitFor();
    await page.getByTestId('zone-pause').click();
    await waitUntil('the root zone paused', async () => (await page.getByTestId('debug-status').innerText()).startsWith('Paused'));
    // CPU 0 sleeps in WFI at EL1 between interrupts: the listing around the pc has the wfi.
    await waitUntil('an EL1 pc', async () => (await page.getByTestId('level-value').innerText()) === 'EL1');
    expect(await page.getByTestId('register-x30').innerText()).toMatch(/^0x|^[0-9a-f]/);
    await page.getByTestId('register-sp_el1').waitFor();
    expect(await page.getByTestId('disassembly').innerText()).toContain('wfi');
    // The CPU's noun on this architecture is "CPU", not "hart", in the inspector, the sidebar and the status bar.
    expect(await page.getByTestId('registers-view').innerText()).not.toMatch(/\bhart\b/i);
    expect(await page.locator('body').innerText()).not.toMatch(/\bharts?\b/i);
    await page.waitForTimeout(300);
    await screenshot(page, 'aarch64-registers');
    await page.getByTestId('zone-continue').click();
    await waitUntil('running again', async () => !(await page.getByTestId('debug-status').innerText()).startsWith('Paused'));

    await page.getByTestId('main-view-interrupts').click();
    await page.getByTestId('controller-gic').waitFor();
    const uart = await page.getByTestId('line-gic-33').innerText();
    expect(uart.toLowerCase()).toContain('spi');
    // The root zone's vGICv3: its own SPIs (the PL011's 33), not the board's others (48).
    const vgic = page.getByTestId('controller-vgicv3.0');
    await vgic.waitFor();
    expect(await vgic.innerText()).toContain('vGICv3 of zone 0');
    expect(await page.getByTestId('line-vgicv3.0-33').innerText()).toMatch(/spi/i);
    expect(await page.getByTestId('line-vgicv3.0-48').count()).toBe(0);
    await page.waitForTimeout(300);
    await screenshot(page, 'aarch64-gic');

    // The timeline records the GIC: the PL011's SPI 33 raised, acknowledged and ended for each key typed.
    await page.getByTestId('main-view-timeline').click();
    await page.getByTestId('timeline-view').waitFor();
    await page.getByTestId('timeline-record').click();
    await waitUntil('recording', async () => (await page.getByTestId('timeline-record').getAttribute('aria-pressed')) === 'true');
    await page.getByTestId('main-view-consoles').click();
    await terminal.click();
    // One key at a time, each echoed before the next: the guest drains the PL011's FIFO in one interrupt, so
    // keys that arrive together (a loaded host) would share one acknowledge.
    for (const typed of ['g', 'gi', 'gic']) {
      await page.keyboard.type(typed.at(-1) ?? '');
      await waitForText(terminal, `echo> ${typed}`, 10_000);
    }
    await page.keyboard.press('Enter');
    await page.getByTestId('main-view-timeline').click();
    // Stop and fit the recording into view: the keys were typed before the live window's 200 ms.
    await page.getByTestId('timeline-record').click();
    await waitUntil('stopped', async () => (await page.getByTestId('timeline-record').getAttribute('aria-pressed')) === 'false');
    await page.getByTestId('timeline-fit').click();
    await waitUntil('acknowledged SPIs', async () => (await page.getByTestId('timeline-mark-claim').count()) >= 3);
    // Lanes named after the GIC and the CPUs (the claims sit on CPU 0's: tests/unit/host/timeline-export.test.ts).
    const chart = await page.getByTestId('timeline-view').innerText();
    expect(chart).toContain('Devices / GICv3');
    expect(chart).not.toMatch(/PLIC|\bhart\b/);
    await page.waitForTimeout(300);
    await screenshot(page, 'aarch64-timeline');
    expect(live.session.errors).toEqual([]);
  });
});
