/**
 * The memory and translation views in the workbench on the real services (decision 0019), on a riscv64
 * and an aarch64 layout: zoneR's latency format string read at its guest-physical, guest-virtual and
 * host-physical address; its translation walked down to the stage-2 region; an edit refused while the
 * zone runs; then, paused, its first byte changed to 'L' and the guest printing "Latency min=" with it,
 * and Undo putting the 'l' back; a trapped window shown as unreadable; the live stage-2 map with the
 * regions hvisor adds at start, in the memory view and next to the editor's static map. On the root
 * Linux layouts of both ISAs (when scripts/fetch-guest-images.sh fetched the kernels): the kernel's
 * banner read at its guest-virtual address through Linux's own page tables (Sv39; TTBR1 with a 48-bit
 * VA), the levels of the walk with the leaf's bits, and the same bytes at the guest-physical address it
 * ends at. Screenshots: test-results/screenshots/memory-riscv64.png, memory-linux-*.png.
 */
import { existsSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { openLiveWorkbench, screenshot, terminalText, waitForText, waitUntil, type LiveWorkbench } from './harness';

const FORMAT = 'latency min=';

/** Guest-physical address of zoneR's latency format string: its flat image is loaded at `load`. */
function formatAddress(bin: string, load: number): bigint {
  const offset = readFileSync(bin).indexOf(Buffer.from(FORMAT));
  if (offset < 0) throw new Error(`${bin} has no "${FORMAT}"`);
  return BigInt(load + offset);
}

/** The ASCII column of the whole dump, row after row. */
const ascii = (page: Page): Promise<string> => page.locator('[data-testid="memory-dump"] .ascii').allInnerTexts().then((rows) => rows.join(''));

async function show(page: Page, view: 'gva' | 'gpa' | 'hpa', address: bigint, text = FORMAT): Promise<void> {
  await page.getByTestId(`memory-view-${view}`).click();
  // Typed key by key: hex digits in the address box must not edit the selected byte.
  await page.getByTestId('memory-address').fill('');
  await page.getByTestId('memory-address').pressSequentially(`0x${address.toString(16)}`);
  await page.getByTestId('memory-go').click();
  await waitUntil(`the dump at ${view} 0x${address.toString(16)}`, async () => (await ascii(page)).includes(text) && (await page.getByTestId('translation-address').innerText()).startsWith(`${view.toUpperCase()} 0x${address.toString(16)}`), 10_000, () => ascii(page));
}

interface Case {
  readonly layout: string;
  readonly bin: string;
  readonly load: number;
  /** What the stage-1 regime says for zoneR, which runs with translation off. */
  readonly regime: RegExp;
  /** A window the zone's stage 2 traps, and the name of what emulates it. */
  readonly trapped: { readonly address: bigint; readonly source: string };
  /** Sources the live map must list besides the zone config. */
  readonly sources: readonly string[];
  readonly screenshot?: string;
}

const CASES: readonly Case[] = [
  {
    layout: 'examples/riscv64-zones',
    bin: 'guest/riscv64/bin/zones-r.bin',
    load: 0x8900_0000,
    regime: /Bare: not translated/,
    trapped: { address: 0xc00_0000n, source: 'vPLIC' },
    sources: ['vPLIC'],
    screenshot: 'memory-riscv64',
  },
  {
    layout: 'examples/aarch64-zones',
    bin: 'guest/aarch64/bin/zones-r.bin',
    load: 0x7100_0000,
    regime: /SCTLR_EL1\.M = 0/,
    trapped: { address: 0x800_0000n, source: 'vGIC' },
    sources: ['vGIC', "virtio-mmio (root's daemon)"],
  },
];

/** A root Linux zone with its MMU on: the kernel's banner, at the kernel image's virtual base + its offset in the Image. */
interface LinuxCase {
  readonly layout: string;
  readonly image: string;
  readonly kernelBase: bigint;
  readonly regime: RegExp;
  /** Bits of the leaf entry the view must name. */
  readonly bits: readonly string[];
  readonly screenshot?: string;
}

const BANNER = 'Linux version';
const LINUX: readonly LinuxCase[] = [
  { layout: 'examples/riscv64-linux-root', image: 'examples/riscv64-linux-root/images/Image', kernelBase: 0xffff_ffff_8000_0000n, regime: /^Sv39/, bits: ['V', 'R', 'W', 'X', 'U', 'G', 'A', 'D'], screenshot: 'memory-linux-riscv64' },
  { layout: 'examples/aarch64-linux-root', image: 'examples/aarch64-linux-root/images/Image', kernelBase: 0xffff_8000_8000_0000n, regime: /^TTBR1_EL1 .*48-bit VA/, bits: ['AF', 'nG', 'UXN', 'PXN'], screenshot: 'memory-linux-aarch64' },
];

describe('memory and translation views', () => {
  let live: LiveWorkbench | undefined;
  afterEach(async () => {
    await live?.close();
    live = undefined;
  });

  for (const c of CASES) {
    it(`reads, walks and edits zoneR's memory on ${c.layout}`, async () => {
      live = await openLiveWorkbench(c.layout);
      const { page } = live.session;
      const zoneR = page.getByTestId('zone-terminal-2');
      await page.getByTestId('zone-tab-2').click();
      await waitForText(zoneR, /latency min=\d+/, 40_000);
      if (await page.getByTestId('bottom-panel').isVisible()) await page.keyboard.press('Control+Backquote');

      await page.getByTestId('main-view-memory').click();
      await page.getByTestId('memory-view').waitFor();
      await page.getByTestId('memory-zone').selectOption('2');
      const gpa = formatAddress(c.bin, c.load);

      // The same string by guest-physical, guest-virtual (stage 1 off: the same number) and host-physical address.
      await show(page, 'gpa', gpa);
      expect(await page.getByTestId('translation-gpa').innerText()).toBe(`0x${gpa.toString(16)}`);
      await show(page, 'gva', gpa);
      expect(await page.getByTestId('stage1-regime').innerText()).toMatch(c.regime);
      await show(page, 'hpa', gpa);

      // Walk the string's address: the zone's RAM region from its config, and the host address.
      await show(page, 'gpa', gpa);
      const offset = Number(gpa & 0xfn);
      await page.getByTestId(`byte-${offset}`).click();
      await waitUntil('the walk of the selected byte', async () => (await page.getByTestId('translation-hpa').innerText()) === `0x${gpa.toString(16)}`);
      const stage2 = await page.getByTestId('stage2').innerText();
      expect(stage2).toContain('ram');
      expect(stage2).toContain('zone config');

      // Running: the view is read-only, and the service refuses a write too.
      expect(await page.getByTestId('memory-status').innerText()).toContain('Running');
      await page.getByTestId('memory-view').press('4');
      await page.getByTestId('memory-view').press('c');
      expect(await page.getByTestId('memory-error').innerText()).toContain('is running: pause it');
      await expect(live.services.invoke('memory.write', { zone: 2, view: 'gpa', address: `0x${gpa.toString(16)}`, bytes: '4c' })).rejects.toThrow(/zone 2 is running: pause it before editing its memory/);

      // Paused: 'l' becomes 'L', and zoneR prints its next line with it.
      await page.getByTestId('memory-pause').click();
      await waitUntil('the zone paused', async () => (await page.getByTestId('memory-status').innerText()).startsWith('Paused'));
      await page.getByTestId(`byte-${offset}`).click();
      await page.getByTestId('memory-view').press('4');
      await page.getByTestId('memory-view').press('c');
      await waitUntil('the edit written', async () => (await page.getByTestId('memory-notice').innerText()).includes(`Wrote 0x4c at 0x${gpa.toString(16)} (was 0x6c)`));
      await waitUntil('the dump showing the edit', async () => (await ascii(page)).includes('Latency min='));
      const printedBefore = (await terminalText(zoneR)).length;
      await page.getByTestId('memory-pause').click();
      await waitForText(zoneR, /Latency min=\d+/, 20_000);

      // Undo (paused again) puts the 'l' back, and the guest prints it so.
      await page.getByTestId('memory-pause').click();
      await waitUntil('the zone paused again', async () => (await page.getByTestId('memory-status').innerText()).startsWith('Paused'));
      await page.getByTestId('memory-undo').click();
      await waitUntil('the undo', async () => (await page.getByTestId('memory-notice').innerText()).includes('Undid the edit'));
      await page.getByTestId('memory-pause').click();
      const afterUndo = (await terminalText(zoneR)).length;
      await waitUntil('a latency line after the undo', async () => /latency min=\d+/.test((await terminalText(zoneR)).slice(afterUndo)), 20_000);
      expect(afterUndo).toBeGreaterThan(printedBefore);

      // A trapped window reads as unreadable, with the reason; the live map lists what hvisor added.
      await page.getByTestId('memory-view-gpa').click();
      await page.getByTestId('memory-address').fill(`0x${c.trapped.address.toString(16)}`);
      await page.getByTestId('memory-go').click();
      await waitUntil('the trapped window marked unreadable', async () => (await page.getByTestId('memory-unreadable').innerText()).includes(`emulated by ${c.trapped.source}`), 10_000);
      const map = await page.getByTestId('stage2-map').innerText();
      for (const source of ['zone config', ...c.sources]) expect(map).toContain(source);

      // The same live map next to the editor's static one; a row there opens the memory view at it.
      await page.getByTestId('activity-editor').click();
      const editorMap = page.getByTestId('live-stage2');
      await page.getByTestId('live-stage2-zone').selectOption('2');
      await waitUntil('the live map in the editor', async () => (await editorMap.innerText()).includes(c.sources[0]!));
      await page.getByTestId('memory-map').waitFor();
      if (c.screenshot) await screenshot(page, `${c.screenshot}-editor`);
      await editorMap.getByTestId(`stage2-region-0x${c.load.toString(16)}`).click();
      await waitUntil('the memory view at the zone RAM', async () => (await page.getByTestId('translation-address').innerText()).startsWith(`GPA 0x${c.load.toString(16)}`));

      // Back to the string for the picture.
      await show(page, 'gpa', gpa);
      await page.getByTestId(`byte-${offset}`).click();
      await page.waitForTimeout(300);
      if (c.screenshot) await screenshot(page, c.screenshot);
      expect(live.session.errors).toEqual([]);
    }, 180_000);
  }

  for (const c of LINUX) {
    it.skipIf(!existsSync(c.image))(`walks Linux's page tables to its banner on ${c.layout}`, async () => {
      live = await openLiveWorkbench(c.layout);
      const { page } = live.session;
      // The banner is printed from start_kernel, after the kernel turned its MMU on.
      await waitForText(page.getByTestId('zone-terminal-0'), BANNER, 60_000);
      if (await page.getByTestId('bottom-panel').isVisible()) await page.keyboard.press('Control+Backquote');
      await page.getByTestId('main-view-memory').click();
      await page.getByTestId('memory-zone').selectOption('0');
      const gva = c.kernelBase + BigInt(readFileSync(c.image).indexOf(Buffer.from(`${BANNER} `)));

      await show(page, 'gva', gva, BANNER);
      expect(await page.getByTestId('stage1-regime').innerText()).toMatch(c.regime);
      const levels = page.locator('[data-testid="stage1-levels"] tbody tr');
      expect(await levels.count()).toBeGreaterThanOrEqual(2);
      expect(await levels.last().getAttribute('class')).toBe('leaf');
      const bits = await levels.last().locator('.bit').allInnerTexts();
      for (const bit of c.bits) expect(bits).toContain(bit);
      expect(await page.getByTestId('stage1-permissions').innerText()).not.toBe('');
      const gpa = BigInt(await page.getByTestId('translation-gpa').innerText());
      expect(gpa).not.toBe(gva);
      expect(await page.getByTestId('translation-hpa').innerText()).toBe(`0x${gpa.toString(16)}`);
      await page.waitForTimeout(300);
      if (c.screenshot) await screenshot(page, c.screenshot);

      // The same bytes at the guest-physical address the walk ended at.
      await show(page, 'gpa', gpa, BANNER);
      expect(live.session.errors).toEqual([]);
    }, 180_000);
  }
});
