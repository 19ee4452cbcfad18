/**
 * The UI keeps up with four zones running (tests/fixtures/four-zones: the root zone echoing typed lines
 * on hart 0, three copies of zoneR's latency program on harts 1-3): while the register inspector and
 * the interrupt-controller view refresh, the root terminal echoes a typed line quickly and every
 * zone terminal ends up with exactly the output the services produced.
 *
 * Two extra windows on the same server keep the inspectors polling the whole time (one on the
 * registers of rt2, one on the interrupt controllers), and the main window itself switches to the
 * inspectors between the typed lines, so that its hidden terminals receive output meanwhile.
 * Echo times are measured from handing the line to the terminal to the whole line showing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import type { CommandName } from '../../src/shared/protocol/index';
import type { WorkbenchServices } from '../../src/host/services';
import { createWorkbenchServices } from '../../src/host/workbench';
import { buildRenderer, openWorkbench, screenshot, terminalText, waitForText, type Session, waitUntil } from './harness';

const RT_ZONES = [1, 2, 3] as const;
const PERIOD_MS = 10_000;
// Echoes take 30-400 ms here, also with two CPU-heavy processes alongside; the first one after a view
// switch has been seen at 3 s on a loaded 2-core machine. A UI that blocks (the failure this guards
// against) takes far longer, and output lost or reordered is checked separately below.
const ECHO_LIMIT_MS = 5_000;


const count = (text: string, needle: string): number => text.split(needle).length - 1;

/** Milliseconds from the first keystroke of `line` until the terminal shows the whole line echoed. */
async function echoTime(page: Page, terminal: Locator, line: string): Promise<number> {
  await page.getByTestId('zone-tab-0').click();
  await terminal.locator('.xterm').click();
  const rows = await terminal.locator('.xterm-rows').elementHandle();
  // The whole line reaches xterm as one input event (as a paste would), then Enter.
  const started = Date.now();
  await page.keyboard.insertText(line);
  await page.keyboard.press('Enter');
  await page.waitForFunction(
    ({ element, expected }) => (element as HTMLElement).textContent?.includes(expected) ?? false,
    { element: rows, expected: line },
    { polling: 20, timeout: 10_000 },
  );
  return Date.now() - started;
}

describe('four zones running with the inspectors open', () => {
  let services: WorkbenchServices;
  let session: Session;
  const extraPages: Page[] = [];
  const extraErrors: string[] = [];
  /** Inspector requests the services answered, by command. */
  const calls = new Map<string, number>();

  beforeAll(async () => {
    await buildRenderer();
    services = await createWorkbenchServices({ layoutPath: 'tests/fixtures/four-zones', autoStart: true });
    const invoke = services.invoke.bind(services);
    services.invoke = ((command: CommandName, params: never) => {
      calls.set(command, (calls.get(command) ?? 0) + 1);
      return invoke(command, params);
    }) as WorkbenchServices['invoke'];
    // Tall, so that the screenshot shows each zone terminal's whole run; the checks read xterm's
    // buffer (terminalText), which also holds what scrolled away.
    session = await openWorkbench(services, { viewport: { width: 1440, height: 1600 } });
  });

  afterAll(async () => {
    for (const page of extraPages) await page.close().catch(() => undefined);
    await session?.close();
    await services?.dispose();
  });

  it('echoes typed lines quickly and loses no terminal output while the inspectors refresh', async () => {
    const { page, context, server } = session;
    for (const id of [0, ...RT_ZONES]) await page.getByTestId(`zone-item-${id}`).waitFor();
    // All the height for the zone terminals: hide the bottom panel if it is open.
    if (await page.getByTestId('bottom-panel').isVisible()) await page.keyboard.press('Control+Backquote');
    const root = page.getByTestId('zone-terminal-0');
    await waitForText(root, 'echo> ', 30_000);
    for (const id of RT_ZONES) await waitUntil(`zone ${id} running`, async () => (await page.getByTestId(`zone-state-${id}`).innerText()) === 'running');

    // Window 2: the register inspector on rt2; window 3: the interrupt-controller view.
    const registersPage = await context.newPage();
    const interruptsPage = await context.newPage();
    for (const extra of [registersPage, interruptsPage]) {
      extraPages.push(extra);
      extra.on('pageerror', (error) => extraErrors.push(error.message));
      extra.on('console', (message) => {
        if (message.type() === 'error') extraErrors.push(message.text());
      });
      await extra.goto(server.url);
      await extra.getByTestId('zone-item-3').waitFor();
    }
    await registersPage.getByTestId('main-view-registers').click();
    await registersPage.getByTestId('inspect-zone').selectOption('2');
    await registersPage.getByTestId('inspect-cpu-2').waitFor();
    await registersPage.getByTestId('pc-value').waitFor();
    await interruptsPage.getByTestId('main-view-interrupts').click();
    for (const id of ['plic', 'vplic.0', 'vplic.1', 'vplic.2', 'vplic.3']) await interruptsPage.getByTestId(`controller-${id}`).waitFor();
    // The main window in front, as the user's would be: Chromium runs requestAnimationFrame (which
    // xterm renders on) at about 1 Hz in background tabs. Their polling timers keep running.
    await page.bringToFront();

    // The period: the main window alternates between an inspector and the root console, where a
    // line is typed and its echo timed, while the two other windows keep polling.
    const before = { harts: calls.get('inspect.cpus') ?? 0, plic: calls.get('inspect.interrupts') ?? 0 };
    const echoes: number[] = [];
    const periodStart = Date.now();
    for (let round = 0; Date.now() - periodStart < PERIOD_MS || round < 2; round++) {
      if (round % 2 === 0) {
        await page.getByTestId('main-view-registers').click();
        await page.getByTestId('inspect-zone').selectOption(String(RT_ZONES[round % 3]));
        await page.getByTestId('pc-value').waitFor();
      } else {
        await page.getByTestId('main-view-interrupts').click();
        await page.getByTestId('controller-plic').waitFor();
      }
      await page.waitForTimeout(1000);
      await page.getByTestId('main-view-consoles').click();
      echoes.push(await echoTime(page, root, `four-zones ping ${round}`));
    }
    const periodMs = Date.now() - periodStart;
    const polls = { harts: (calls.get('inspect.cpus') ?? 0) - before.harts, plic: (calls.get('inspect.interrupts') ?? 0) - before.plic };
    console.log(`four-zones: ${echoes.length} echoes in ${periodMs} ms: ${echoes.join(', ')} ms; inspector polls ${JSON.stringify(polls)}`);

    // (1) The UI stayed responsive: every echo within ECHO_LIMIT_MS.
    expect(Math.max(...echoes)).toBeLessThan(ECHO_LIMIT_MS);
    // The inspectors really refreshed meanwhile (4 Hz per window when unloaded).
    expect(polls.harts).toBeGreaterThanOrEqual(10);
    expect(polls.plic).toBeGreaterThanOrEqual(10);
    // The typed lines all arrived, in order, after the root's prompt.
    const rootText = await terminalText(root);
    for (let round = 0; round < echoes.length; round++) expect(rootText).toContain(`four-zones ping ${round}`);

    // (3) All four zones listed as running.
    for (const id of [0, ...RT_ZONES]) expect(await page.getByTestId(`zone-state-${id}`).innerText()).toBe('running');
    for (const [id, name] of [[1, 'rt1'], [2, 'rt2'], [3, 'rt3']] as const) expect(await page.getByTestId(`zone-item-${id}`).innerText()).toContain(name);
    await page.getByTestId('zone-tab-1').click();
    await waitForText(page.getByTestId('zone-terminal-1'), 'latency min=');
    await page.waitForTimeout(300);
    await screenshot(page, 'four-zones');

    // (2) No output lost: hold the machine so the backlog stops growing, then each terminal must
    // show exactly the backlog's `latency min=` lines, at least five.
    await services.invoke('machine.pause', {});
    const lines = new Map<number, { terminal: number; backlog: number }>();
    for (const id of RT_ZONES) {
      await page.getByTestId(`zone-tab-${id}`).click();
      const terminal = page.getByTestId(`zone-terminal-${id}`);
      let seen = { terminal: -1, backlog: -2 };
      await waitUntil(
        `zone ${id}'s terminal to match its backlog`,
        async () => {
          const { data } = await services.invoke('serial.backlog', { zone: id });
          const text = await terminalText(terminal);
          seen = { terminal: count(text, 'latency min='), backlog: count(data, 'latency min=') };
          return text.includes(`zoneR: hart ${id} up`) && seen.terminal === seen.backlog;
        },
        10_000,
        async () => `${JSON.stringify(seen)}\n${await terminalText(terminal)}`,
      );
      lines.set(id, seen);
    }
    console.log(`four-zones: latency lines (terminal/backlog): ${[...lines].map(([id, l]) => `rt${id} ${l.terminal}/${l.backlog}`).join(', ')}`);
    for (const [, seen] of lines) {
      expect(seen.terminal).toBe(seen.backlog);
      expect(seen.terminal).toBeGreaterThanOrEqual(5);
    }
    expect(session.errors).toEqual([]);
    expect(extraErrors).toEqual([]);
    // The whole case (the 10 s period, then waiting for every terminal to hold its backlog) took 22-31 s
    // on a quiet machine and over 60 s with two CPU-heavy processes alongside; the bound that matters
    // is ECHO_LIMIT_MS per line.
  }, 240_000);
});
