/**
 * The inspectors in the workbench on the real services: pause zoneR in the register inspector,
 * single-step it, see its timer interrupt pending (STIP in sip), and read the PLIC / vPLIC tables.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { WorkbenchServices } from '../../src/host/services';
import { screenshot, waitForText, type Session, waitUntil, openLiveWorkbench, type LiveWorkbench } from './harness';


const pcOf = (page: Page): Promise<string> => page.getByTestId('pc-value').innerText();

/** zoneR's timer handler (its trap entry calls it on every tick). */
function timerHandler(): string {
  const out = execFileSync('riscv64-unknown-elf-nm', ['guest/riscv64/bin/zones-r.elf'], { encoding: 'utf8' });
  return `0x${BigInt(`0x${out.split('\n').find((l) => l.endsWith(' zone_trap'))!.split(' ')[0]}`).toString(16)}`;
}

describe('register and interrupt-controller inspectors', () => {
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

  it('pauses zoneR, single-steps it and shows its timer interrupt pending', async () => {
    const { page } = session;
    await page.getByTestId('zone-tab-2').click();
    await waitForText(page.getByTestId('zone-terminal-2'), 'zoneR: timer via', 30_000);

    // More room for the inspectors: hide the bottom panel if it is open.
    if (await page.getByTestId('bottom-panel').isVisible()) await page.keyboard.press('Control+Backquote');
    // Keyboard: Ctrl+Shift+2 opens the register inspector.
    await page.keyboard.press('Control+Shift+Digit2');
    await page.getByTestId('registers-view').waitFor();
    await page.getByTestId('inspect-zone').selectOption('2');
    await page.getByTestId('inspect-cpu-3').waitFor();
    await page.getByTestId('zone-pause').click();
    await waitUntil('zoneR paused', async () => (await page.getByTestId('debug-status').innerText()).startsWith('Paused'));
    await waitUntil('zoneR shown as paused in the sidebar', async () => (await page.getByTestId('zone-state-2').innerText()) === 'paused');
    // zoneU keeps running.
    expect(await page.getByTestId('zone-state-1').innerText()).toBe('running');

    const before = await pcOf(page);
    await page.getByTestId('zone-step').click();
    await waitUntil('the pc to move', async () => (await pcOf(page)) !== before);
    await waitUntil('the status to say step', async () => (await page.getByTestId('debug-status').innerText()) === 'Paused after a step');
    // F10 steps again, from the keyboard.
    const second = await pcOf(page);
    await page.getByTestId('registers-view').focus();
    await page.keyboard.press('F10');
    await waitUntil('the pc to move again', async () => (await pcOf(page)) !== second);
    expect(await page.locator('[data-testid="disassembly"] tr.current').count()).toBe(1);

    // The timer keeps running while the zone is held: its interrupt shows pending in sip.
    await waitUntil('STIP in sip', async () => (await page.getByTestId('register-sip').innerText()).includes('STIP'), 5000);
    expect(await page.getByTestId('register-satp').innerText()).toContain('Bare');

    // A breakpoint in the timer handler: Continue runs into it on the next tick.
    const handler = timerHandler();
    await page.getByTestId('breakpoint-input').fill(handler);
    await page.getByTestId('breakpoint-input').press('Enter');
    await page.getByTestId('zone-continue').click();
    await waitUntil('the breakpoint hit', async () => (await page.getByTestId('debug-status').innerText()) === `Paused on breakpoint at ${handler}`);
    expect(await pcOf(page)).toBe(handler);
    expect(await page.locator('[data-testid="disassembly"] tr.current .bp-toggle.armed').count()).toBe(1);
    expect(await page.getByTestId('register-scause').innerText()).toContain('supervisor timer interrupt');
    await page.waitForTimeout(300);
    await screenshot(page, 'registers');

    await page.getByTestId('breakpoint-clear').click();
    await page.getByTestId('zone-continue').click();
    await waitUntil('zoneR running', async () => !(await page.getByTestId('debug-status').innerText()).startsWith('Paused'));
  });

  it('shows the PLIC and every zone vPLIC, with the UART source owned by the root as hw', async () => {
    const { page } = session;
    await page.getByTestId('main-view-interrupts').click();
    await page.getByTestId('controller-plic').waitFor();
    for (const id of ['vplic.0', 'vplic.1', 'vplic.2']) await page.getByTestId(`controller-${id}`).waitFor();
    const uart = await page.getByTestId('line-plic-10').innerText();
    expect(uart).toContain('0 · root');
    expect(uart.toLowerCase()).toContain('hw');
    // The root's S context on hart 0 has the UART enabled.
    expect(await page.getByTestId('targets-plic').innerText()).toMatch(/ctx 1\s+0\s+S\s+\d+\s+10/);

    await page.getByTestId('irq-owner-filter').selectOption('0');
    await waitUntil('only zone 0 controllers', async () => (await page.getByTestId('controller-vplic.1').count()) === 0);
    await page.getByTestId('irq-owner-filter').selectOption('all');
    await page.getByTestId('controller-vplic.1').waitFor();
    await page.waitForTimeout(300);
    await screenshot(page, 'plic');
    expect(session.errors).toEqual([]);
  });
});
