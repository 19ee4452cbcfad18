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

    // zoneR's symbols come from its ELF: the pc is named by its function, and so is every line.
    expect(await page.getByTestId('symbols-info').innerText()).toMatch(/^\d+ symbols from .*zones-r\.elf$/);
    expect(await page.getByTestId('pc-symbol').innerText()).toMatch(/^<\w+(\+0x[0-9a-f]+)?>$/);
    expect(await page.locator('[data-testid="disassembly"] tr.current [data-testid="line-symbol"]').innerText()).toBe(await page.getByTestId('pc-symbol').innerText());

    // A breakpoint by name in the timer handler: Continue runs into it on the next tick.
    const handler = timerHandler();
    await page.getByTestId('breakpoint-input').fill('zone_trap');
    await page.getByTestId('breakpoint-input').press('Enter');
    await page.getByTestId('point-1').waitFor();
    expect(await page.getByTestId('point-1').innerText()).toContain('zone_trap');
    await page.getByTestId('zone-continue').click();
    await waitUntil('the breakpoint hit', async () => (await page.getByTestId('debug-status').innerText()) === 'Paused on breakpoint 1 at zone_trap');
    expect(await pcOf(page)).toBe(handler);
    expect(await page.getByTestId('pc-symbol').innerText()).toBe('<zone_trap>');
    await page.getByTestId('point-hit-1').waitFor();
    expect(await page.getByTestId('point-1').innerText()).toMatch(/1 hit/);
    expect(await page.locator('[data-testid="disassembly"] tr.current .bp-toggle.armed').count()).toBe(1);
    expect(await page.getByTestId('register-scause').innerText()).toContain('supervisor timer interrupt');

    // Disabled, it stays listed; a write watchpoint on the timer's deadline stops the handler's store.
    await page.getByTestId('point-enabled-1').uncheck();
    await waitUntil('breakpoint 1 disabled', async () => (await page.locator('[data-testid="disassembly"] tr.current .bp-toggle.armed').count()) === 0);
    await page.getByTestId('point-kind').selectOption('write');
    await page.getByTestId('breakpoint-input').fill('deadline');
    await page.getByTestId('breakpoint-input').press('Enter');
    await page.getByTestId('point-2').waitFor();
    expect(await page.getByTestId('point-2').innerText()).toMatch(/watch write\s+deadline 0x[0-9a-f]+ · 8 bytes/);
    await page.getByTestId('zone-continue').click();
    await waitUntil('the watchpoint hit', async () => /^Paused on watchpoint 2 \(write\) on deadline: written at deadline by pc \w+\+0x[0-9a-f]+$/.test(await page.getByTestId('debug-status').innerText()));
    await page.getByTestId('point-hit-2').waitFor();
    expect(await page.getByTestId('point-counts').innerText()).toBe('0/16 breakpoints · 1/4 watchpoints');
    await page.waitForTimeout(300);
    await screenshot(page, 'registers');

    await page.getByTestId('point-remove-2').click();
    await page.getByTestId('point-remove-1').click();
    await waitUntil('the list empty', async () => (await page.getByTestId('point-list').count()) === 0);
    await page.getByTestId('zone-continue').click();
    await waitUntil('zoneR running', async () => !(await page.getByTestId('debug-status').innerText()).startsWith('Paused'));

    // A symbol file picked in the view replaces the zone's symbols; a bad one is named with its problem.
    await page.getByTestId('symbols-file').setInputFiles({ name: 'bad.map', mimeType: 'text/plain', buffer: Buffer.from('hello world\n') });
    await waitUntil('the bad file reported', async () => (await page.getByTestId('symbols-info').innerText()).startsWith("bad.map: line 1 is not 'address type name'"));
    const nm = execFileSync('riscv64-unknown-elf-nm', ['guest/riscv64/bin/zones-r.elf'], { encoding: 'utf8' });
    const map = nm.split('\n').filter((l) => / [tT] /.test(l)).map((l) => l.replace(/ ([tT]) (\S+)$/, ' $1 map_$2')).join('\n');
    await page.getByTestId('symbols-file').setInputFiles({ name: 'System.map', mimeType: 'text/plain', buffer: Buffer.from(map) });
    await waitUntil('the map loaded', async () => /^\d+ symbols from System\.map$/.test(await page.getByTestId('symbols-info').innerText()));
    await waitUntil('the pc named from the map', async () => (await page.getByTestId('pc-symbol').innerText()).startsWith('<map_'));
    await page.getByTestId('symbols-file').setInputFiles('guest/riscv64/bin/zones-r.elf');
    await waitUntil('the ELF again', async () => /^\d+ symbols from zones-r\.elf$/.test(await page.getByTestId('symbols-info').innerText()));
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
