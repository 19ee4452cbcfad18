/**
 * The workbench as a new user meets it, in a 1024x700 window on the real services: no table is cut
 * off or drawn over another in any view; editor placeholders read as hints, not values; F5 and
 * Shift+F5 are the browser's and never reset the machine; Reset asks first; the window says plainly
 * when its server is gone. And a layout with errors opens in the zone editor with its findings,
 * where it can be fixed and started.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { WorkbenchServices } from '../../src/host/services';
import { createWorkbenchServices } from '../../src/host/workbench';
import type { CommandName } from '../../src/shared/protocol/index';
import { buildRenderer, openWorkbench, repoRoot, screenshot, type Session, waitForText, waitUntil } from './harness';

const SMALL = { width: 1024, height: 700 };

/**
 * Tables cut off by a container that does not scroll (or by the window), and tables drawn over each
 * other, as "what: where" lines. A table inside a scrolling container is measured by that container.
 */
function tableProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const name = (element: Element): string => {
      const id = element.getAttribute('data-testid') ?? element.getAttribute('aria-label') ?? element.querySelector('caption')?.textContent;
      return `${element.tagName.toLowerCase()}${id ? ` "${id}"` : element.className ? `.${String(element.className).split(' ')[0]}` : ''}`;
    };
    const shown = Array.from(document.querySelectorAll('table')).filter((t) => t.getClientRects().length > 0 && getComputedStyle(t).visibility !== 'hidden');
    const problems: string[] = [];
    /** What of each table is on screen: its box cut by every scrolling ancestor. */
    const visible = new Map<Element, { left: number; right: number; top: number; bottom: number }>();
    for (const table of shown) {
      const r = table.getBoundingClientRect();
      const seen = { left: r.left, right: r.right, top: r.top, bottom: r.bottom };
      let box = r;
      for (let a = table.parentElement; a; a = a.parentElement) {
        const style = getComputedStyle(a);
        if (style.overflowX === 'visible' && style.overflowY === 'visible') continue;
        const outer = a.getBoundingClientRect();
        seen.left = Math.max(seen.left, outer.left);
        seen.right = Math.min(seen.right, outer.right);
        seen.top = Math.max(seen.top, outer.top);
        seen.bottom = Math.min(seen.bottom, outer.bottom);
        if (style.overflowX === 'auto' || style.overflowX === 'scroll') {
          box = outer;
          continue;
        }
        if (style.overflowX !== 'visible' && (box.right > outer.right + 1 || box.left < outer.left - 1)) {
          problems.push(`${name(table)} cut off by ${name(a)} (${Math.round(box.right - outer.right)} px)`);
          break;
        }
      }
      if (box.right > window.innerWidth + 1) problems.push(`${name(table)} runs out of the window`);
      visible.set(table, seen);
    }
    for (let i = 0; i < shown.length; i++) {
      for (let j = i + 1; j < shown.length; j++) {
        const a = shown[i]!;
        const b = shown[j]!;
        if (a.contains(b) || b.contains(a)) continue;
        const ra = visible.get(a)!;
        const rb = visible.get(b)!;
        const w = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
        const h = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
        if (w > 2 && h > 2) problems.push(`${name(a)} and ${name(b)} overlap`);
      }
    }
    return problems;
  });
}

async function expectTablesFit(page: Page, view: string): Promise<void> {
  await screenshot(page, `small-${view}`);
  expect(await tableProblems(page), `${view} at 1024x700`).toEqual([]);
}

describe('the zones demo in a 1024x700 window', () => {
  let services: WorkbenchServices;
  let session: Session;
  const commands: CommandName[] = [];

  beforeAll(async () => {
    await buildRenderer();
    services = await createWorkbenchServices({ layoutPath: path.join(repoRoot, 'examples/riscv64-zones'), autoStart: true });
    const invoke = services.invoke.bind(services);
    services.invoke = (command, params) => {
      commands.push(command);
      return invoke(command, params);
    };
    session = await openWorkbench(services, { viewport: SMALL });
  });

  afterAll(async () => {
    await session?.close();
    await services?.dispose();
  });

  it('shows every table whole in every view: consoles, zone list, registers, interrupt controllers, timeline, editor', async () => {
    const { page } = session;
    await page.getByTestId('zone-tab-2').click();
    await waitForText(page.getByTestId('zone-terminal-2'), 'zoneR: timer via', 30_000);
    if (!(await page.getByTestId('bottom-panel').isVisible())) await page.keyboard.press('Control+Backquote');
    await page.getByTestId('panel-tab-zones').click();
    await page.getByTestId('zone-list-table').waitFor().catch(() => undefined);
    await expectTablesFit(page, 'consoles');
    await page.keyboard.press('Control+Backquote');

    await page.getByTestId('main-view-registers').click();
    await page.getByTestId('registers-view').waitFor();
    await page.getByTestId('inspect-zone').selectOption('1');
    await page.getByTestId('inspect-cpu-1').waitFor();
    await waitUntil('the disassembly', async () => (await page.locator('[data-testid="registers-view"] table').count()) >= 2);
    await expectTablesFit(page, 'registers');

    await page.getByTestId('main-view-interrupts').click();
    await page.getByTestId('controller-plic').waitFor();
    await expectTablesFit(page, 'interrupts');

    await page.getByTestId('main-view-timeline').click();
    await page.getByTestId('timeline-record').click();
    await waitUntil('a delivered mark', async () => (await page.getByTestId('timeline-mark-delivered').count()) > 5);
    await page.getByTestId('timeline-record').click();
    await expectTablesFit(page, 'timeline');

    await page.getByTestId('main-view-consoles').click();
    await page.getByTestId('activity-editor').click();
    await page.getByTestId('editor-file-zone-r.json').click();
    await page.locator('[data-field="zone-r.json#cpus"]').waitFor();
    await expectTablesFit(page, 'editor');
  });

  it('shows placeholders as hints in brackets, in faint italics, never as a value', async () => {
    const { page } = session;
    await page.getByTestId('activity-editor').click();
    await page.getByTestId('editor-file-zone-r.json').click();
    const field = page.locator('[data-field="zone-r.json#interrupts"] input');
    expect(await field.inputValue()).toBe('');
    const placeholder = (await field.getAttribute('placeholder')) ?? '';
    expect(placeholder).toMatch(/^\(.*\)$/);
    const style = await field.evaluate((input) => {
      const hint = getComputedStyle(input, '::placeholder');
      return { fontStyle: hint.fontStyle, opacity: Number(hint.opacity) };
    });
    expect(style.fontStyle).toBe('italic');
    expect(style.opacity).toBeLessThan(1);
    // Every placeholder of the zone form is a bracketed hint.
    const all = await page.locator('[data-testid="layout-editor"] input[placeholder]').evaluateAll((inputs) => inputs.map((i) => i.getAttribute('placeholder')));
    expect(all.length).toBeGreaterThan(0);
    for (const text of all) expect(text).toMatch(/^\(.*\)$/);
    await page.getByTestId('activity-consoles').click();
  });

  it('leaves F5 and Shift+F5 to the browser: they never reset, start or resume the machine', async () => {
    const { page } = session;
    commands.length = 0;
    await page.getByTestId('main-view-consoles').click();
    await page.getByTestId('zone-tab-2').click();
    await page.getByTestId('zone-terminal-2').locator('.xterm').click();
    await page.keyboard.press('Shift+F5');
    await page.keyboard.press('F5');
    // Whether or not the browser reloaded the page, let it settle before looking.
    await page.waitForTimeout(1000);
    await page.waitForLoadState('load');
    await page.getByTestId('workbench').waitFor();
    await page.getByTestId('zone-state-2').waitFor();
    expect(commands.filter((c) => c.startsWith('machine.'))).toEqual([]);
    expect(await page.getByTestId('zone-state-2').innerText()).toBe('running');
  });

  it('asks before a reset, and resets only when confirmed', async () => {
    const { page } = session;
    commands.length = 0;
    await page.getByTestId('machine-reset').click();
    const dialog = page.getByTestId('confirm-dialog');
    await dialog.waitFor();
    expect(await dialog.innerText()).toContain('Reset riscv64-zones?');
    await screenshot(page, 'small-confirm-reset');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(commands).not.toContain('machine.reset');
    await page.getByTestId('machine-reset').click();
    await page.getByTestId('confirm-action').click();
    await waitUntil('the reset', async () => commands.includes('machine.reset'));
    await page.getByTestId('zone-tab-0').click();
    await waitForText(page.getByTestId('zone-terminal-0'), 'root> ', 30_000);
  });

  it('says plainly when its server is gone', async () => {
    const { page } = session;
    expect(await page.getByTestId('connection-lost').count()).toBe(0);
    await session.server.close();
    const banner = page.getByTestId('connection-lost');
    await banner.waitFor();
    expect(await banner.innerText()).toContain("The workbench's server is gone.");
    expect(await page.getByTestId('machine-state').innerText()).toBe('disconnected');
    await screenshot(page, 'small-server-gone');
  });
});

/** examples/riscv64-zones in a temporary folder with absolute image paths and zoneR on a hart the board lacks. */
function brokenLayout(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'hvwb-e2e-invalid-'));
  cpSync(path.join(repoRoot, 'examples/riscv64-zones'), dir, { recursive: true });
  for (const name of ['layout.json', 'zone-r.json', 'zone-u.json']) {
    const file = path.join(dir, name);
    writeFileSync(file, readFileSync(file, 'utf8').replaceAll('../../guest/', `${repoRoot}/guest/`));
  }
  const zoneR = path.join(dir, 'zone-r.json');
  writeFileSync(zoneR, readFileSync(zoneR, 'utf8').replace('"cpus": [3]', '"cpus": [3, 9]'));
  return dir;
}

describe('a layout with errors', () => {
  let services: WorkbenchServices;
  let session: Session;
  let dir: string;

  beforeAll(async () => {
    await buildRenderer();
    dir = brokenLayout();
    services = await createWorkbenchServices({ layoutPath: dir, autoStart: true });
    session = await openWorkbench(services, { viewport: SMALL });
  });

  afterAll(async () => {
    await session?.close();
    await services?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('opens in the zone editor with its findings; fixed and saved there, it starts', async () => {
    const { page } = session;
    const problem = page.getByTestId('layout-problem');
    await problem.waitFor({ timeout: 15_000 });
    expect(await problem.innerText()).toContain('cpus: hart 9 does not exist on qemu-plic');
    await page.getByTestId('editor-file-zone-r.json').click();
    const cpus = page.locator('[data-field="zone-r.json#cpus"]');
    await waitUntil('the finding at the cpus field', async () => (await cpus.getAttribute('data-severity')) === 'error');
    await screenshot(page, 'small-invalid-layout');
    expect(session.errors).toEqual([]);

    await cpus.locator('input').fill('3');
    await waitUntil('no error left', async () => (await cpus.getAttribute('data-severity')) !== 'error');
    await page.getByTestId('editor-save').click();
    await page.getByTestId('editor-report').waitFor();
    await page.getByTestId('machine-start').click();
    await waitUntil('the machine running', async () => (await page.getByTestId('machine-state').innerText()) === 'running', 30_000, async () =>
      `${await page.getByTestId('machine-state').innerText()}; ${await page.getByTestId('command-error').innerText().catch(() => 'no command error')}`,
    );
    await problem.waitFor({ state: 'detached' });
    await page.getByTestId('activity-consoles').click();
    await page.getByTestId('zone-tab-2').click();
    await waitForText(page.getByTestId('zone-terminal-2'), 'zoneR: hart 3 up', 30_000);
  });
});
