/**
 * The Display view on examples/riscv64-display (Debian's kernel with QEMU's bochs-display on qemu-plic's
 * PCIe host): after boot the Display tab draws the framebuffer fbcon writes into a canvas, with the
 * mode bochs-drm set; a line typed on tty1 shows up in the canvas (the view keeps asking while open).
 * The canvas's pixels are read back from the page: the console is there (black with grey glyphs).
 * Runs only when the images are cached.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshot, waitForText, type LiveWorkbench, openLiveWorkbench, waitUntil } from './harness';

const cached = existsSync('examples/riscv64-linux-root/images/Image');

/** Pixels of one colour (fbcon's palette: grey 0xaaaaaa text, red 0xaa0000 background) in the canvas, counted in the page. */
const pixels = (r: number, g: number, b: number) => `(() => {
  const c = document.querySelector('[data-testid="display-canvas"]');
  if (!c || c.width < 100) return -1;
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 0; i < d.length; i += 4) if (d[i] === ${r} && d[i + 1] === ${g} && d[i + 2] === ${b}) n++;
  return n;
})()`;
const greyPixels = pixels(170, 170, 170);
const redPixels = pixels(170, 0, 0);

describe.skipIf(!cached)('Display view', () => {
  let live: LiveWorkbench;

  beforeAll(async () => {
    live = await openLiveWorkbench('examples/riscv64-display');
  }, 60_000);

  afterAll(async () => {
    await live?.close();
  });

  it('draws the zone console fbcon writes into the bochs-display framebuffer, live', async () => {
    const { page } = live.session;
    await page.getByTestId('zone-tab-0').click();
    const terminal = page.getByTestId('zone-terminal-0');
    await waitForText(terminal, 'hvwb-init: ready', 300_000);
    await page.getByTestId('main-view-display').click();
    await page.getByTestId('display-canvas').waitFor();
    await waitUntil('the mode', async () => /1024×768, 32 bpp XRGB8888 little-endian/.test(await page.getByTestId('display-mode').innerText()), 20_000);
    await waitUntil('console text in the canvas', async () => ((await page.evaluate(greyPixels)) as number) > 5_000, 20_000);
    expect(await page.evaluate(redPixels)).toBe(0);

    // Type on tty1 through the serial console: the canvas gets the new text, on red.
    await page.getByTestId('main-view-consoles').click();
    await page.getByTestId('zone-tab-0').click();
    await terminal.click();
    await page.keyboard.type("printf '\\033[41m  HVWB DISPLAY VIEW  \\033[0m\\n' > /dev/tty1\n");
    await page.getByTestId('main-view-display').click();
    await page.getByTestId('display-canvas').waitFor();
    // 20 character cells of 8x16 on red, less the glyphs' own pixels.
    await waitUntil('the red line in the canvas', async () => ((await page.evaluate(redPixels)) as number) > 1_500, 30_000);
    expect(await page.getByTestId('display-rate').innerText()).toMatch(/frames\/s/);
    await page.waitForTimeout(500);
    await screenshot(page, 'display');
    expect(live.session.errors).toEqual([]);
  }, 420_000);
});
