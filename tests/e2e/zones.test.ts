/**
 * The Zones demo in the workbench, on the real services: the root zone starts zoneU by hypercall,
 * zoneR runs from the layout, and the user shuts zoneU down and starts it again from the sidebar.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import type { WorkbenchServices } from '../../src/host/services';
import { screenshot, terminalText, waitForText, type Session, waitUntil, openLiveWorkbench, type LiveWorkbench } from './harness';

const ZONE_U_ROW = /\|\s+1 \|\s+1, 2 \|\s+zoneU \|\s+running \|/;
const ZONE_R_ROW = /\|\s+2 \|\s+3 \|\s+zoneR \|\s+running \|/;


/** Lets the notification's entry transition finish, so that the screenshot shows it as the user does. */
function settle(page: Page): Promise<void> {
  return page.waitForTimeout(300);
}

function zoneListTable(page: Page): Locator {
  return page.getByTestId('zone-list-table');
}

async function waitForState(page: Page, zone: number, state: string): Promise<void> {
  await waitUntil(`zone ${zone} to be ${state}`, async () => (await page.getByTestId(`zone-state-${zone}`).innerText()) === state);
}

describe('zones in the workbench', () => {
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

  it('shows every zone with its harts, the root zone listing zoneU as running, and zoneR measuring', async () => {
    const { page } = session;
    for (const id of [0, 1, 2]) await page.getByTestId(`zone-item-${id}`).waitFor();
    await waitForText(page.getByTestId('zone-terminal-0'), ZONE_U_ROW, 30_000);
    await page.getByTestId('hart-1-2').waitFor();
    await page.getByTestId('hart-2-3').waitFor();
    await waitForState(page, 1, 'running');
    await waitForState(page, 2, 'running');

    await page.getByTestId('zone-tab-2').click();
    await waitForText(page.getByTestId('zone-terminal-2'), 'latency min=', 30_000);
    await page.getByTestId('zone-tab-1').click();
    await waitForText(page.getByTestId('zone-terminal-1'), 'zoneU: hart 2 up');

    // The root zone cannot be shut down; the button says why instead of acting.
    const rootShutdown = page.getByTestId('zone-shutdown-0');
    expect(await rootShutdown.getAttribute('aria-disabled')).toBe('true');
    expect(await rootShutdown.getAttribute('title')).toContain('root zone cannot be shut down');
  });

  it("lists zone 1 in the Zones panel's `hvisor zone list` table", async () => {
    const { page } = session;
    await page.getByTestId('panel-tab-zones').click();
    await waitUntil('zoneU in the zone list', async () => ZONE_U_ROW.test(await zoneListTable(page).innerText()));
    const table = await zoneListTable(page).innerText();
    expect(table).toContain('|     zone_id     |       cpus        |      name       |     status |');
    expect(table).toMatch(ZONE_R_ROW);
  });

  it('shuts zoneU down from the sidebar: it becomes stopped, keeps its output and leaves the zone list', async () => {
    const { page } = session;
    await page.getByTestId('zone-shutdown-1').click();
    await page.getByTestId('confirm-action').click();
    await waitForState(page, 1, 'stopped');
    await waitUntil('zone 1 gone from the zone list', async () => {
      const table = await zoneListTable(page).innerText();
      return !/\|\s+1 \|/.test(table) && ZONE_R_ROW.test(table);
    });
    await page.locator('[data-testid="notification"]', { hasText: 'zone 1 shut down' }).waitFor();
    await page.getByTestId('zone-stopped-1').waitFor();
    // Whatever the viewport shows of the last run is still there (early lines may have scrolled up).
    expect(await terminalText(page.getByTestId('zone-terminal-1'))).toMatch(/zoneU: hart \d/);
    expect(await page.getByTestId('zone-tab-1').getAttribute('data-state')).toBe('stopped');
    // zoneR keeps running while zoneU is gone.
    expect(await page.getByTestId('zone-state-2').innerText()).toBe('running');
    await settle(page);
    await screenshot(page, 'zones');

    // The root zone's own `l` key lists the zones by hypercall: zone 1 is gone there too.
    await page.getByTestId('zone-tab-0').click();
    const root = page.getByTestId('zone-terminal-0');
    await root.locator('.xterm').click();
    await page.keyboard.type('l');
    await waitUntil("the root's list without zone 1", async () => {
      const text = await terminalText(root);
      const last = text.slice(text.lastIndexOf('root> l'));
      return ZONE_R_ROW.test(last) && !/\|\s+1 \|/.test(last);
    }, 20_000, () => terminalText(root));
  });

  it("records the hypervisor trace in the log's Trace view: the root's zone-list hypercall, zoneR's SBI calls, filtered by kind", async () => {
    const { page } = session;
    await page.getByTestId('panel-tab-log').click();
    await page.getByTestId('log-mode-trace').click();
    try {
      await recordTrace(page);
    } finally {
      // The next tests read the Zones table and the messages.
      await page.getByTestId('log-mode-messages').click();
      await page.getByTestId('panel-tab-zones').click();
    }
  });

  async function recordTrace(page: Page): Promise<void> {
    const trace = page.getByTestId('hypervisor-trace');
    await trace.waitFor();
    await page.getByTestId('log-trace-record').click();
    await waitUntil('recording', async () => (await page.getByTestId('log-trace-record').innerText()).includes('Recording'));
    // zoneR prints its latency reports through the SBI console.
    await waitUntil("zoneR's SBI calls in the trace", async () => /zoneR vCPU 0\s*SBI \w+/.test(await trace.innerText()), 30_000, () => trace.innerText());
    // The root's `l` key asks for the zone list by hypercall 4; its result is the number of zones.
    await page.getByTestId('zone-tab-0').click();
    const root = page.getByTestId('zone-terminal-0');
    const listed = async () => (await terminalText(root)).split('root> l').length;
    const before = await listed();
    await root.locator('.xterm').click();
    await page.keyboard.type('l');
    await waitUntil('the root listing the zones again', async () => (await listed()) > before, 20_000, () => terminalText(root));
    await waitUntil("the root's zoneList hypercall in the trace", async () => /root-linux vCPU 0\s*zoneList\(0x[0-9a-f]+, 0x[0-9a-f]+\) = 2/.test(await trace.innerText()), 30_000, async () => {
      const text = await trace.innerText();
      const lines = text.split('\n');
      const at = lines.findIndex((line) => line.includes('zoneList'));
      return at >= 0 ? lines.slice(Math.max(0, at - 2), at + 2).join('\n') : `no zoneList line; the last lines:\n${lines.slice(-12).join('\n')}`;
    });
    // Hiding SBI/PSCI calls leaves the hypercall and no SBI line; the timeline's legend shares the filter.
    await page.getByTestId('log-trace-firmware').uncheck();
    await waitUntil('no SBI lines', async () => !(await trace.innerText()).includes('SBI '));
    expect(await trace.innerText()).toMatch(/zoneList\(/);
    await settle(page);
    await screenshot(page, 'log-trace');
    await page.getByTestId('log-trace-firmware').check();
    await page.getByTestId('log-trace-record').click();
    await waitUntil('recording stopped', async () => (await page.getByTestId('log-trace-record').innerText()).trim() === 'Record');
  }

  it('starts zoneU again from the sidebar', async () => {
    const { page } = session;
    await page.getByTestId('zone-tab-1').click();
    await page.getByTestId('zone-start-1').click();
    await waitForState(page, 1, 'running');
    await waitUntil('zoneU back in the zone list', async () => ZONE_U_ROW.test(await zoneListTable(page).innerText()));
    const terminal = page.getByTestId('zone-terminal-1');
    await waitUntil('the new run after the separator', async () => {
      const text = await terminalText(terminal);
      const start = text.lastIndexOf('zoneU started again');
      return start >= 0 && text.slice(start).includes('zoneU: hart 1 up');
    });
    expect(await page.getByTestId('zone-stopped-1').count()).toBe(0);
    await page.locator('[data-testid="notification"]', { hasText: 'Zone 1 (zoneU) started' }).waitFor();
    await settle(page);
    await screenshot(page, 'zones-running');
  });

  it("follows the root zone's own shutdown hypercall and shows it in the hypervisor log, in the light theme", async () => {
    const { page } = session;
    await page.getByTestId('panel-tab-log').click();
    const log = page.getByTestId('hypervisor-log');
    await log.waitFor();
    await page.getByTestId('zone-tab-0').click();
    await page.getByTestId('zone-terminal-0').locator('.xterm').click();
    await page.keyboard.type('x');
    await waitForState(page, 1, 'stopped');
    // Once: hvisor's "zone 1 shut down" or the workbench's "zone 1 (zoneU) shut down", whichever came first.
    await waitUntil('the shutdown in the hypervisor log', async () => /zone 1( \(zoneU\))? shut down/.test(await log.innerText()));
    await page.getByTestId('theme-toggle').click();
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('light');
    await settle(page);
    await screenshot(page, 'zones-log-light');
    expect(session.errors).toEqual([]);
  });
});
