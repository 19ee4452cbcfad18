/**
 * Debian's riscv64 kernel drives QEMU's bochs-display on qemu-plic's PCIe host (examples/riscv64-display):
 * the PCI core enumerates 1234:1111 class 0x038000 and places its BARs, bochs-drm binds and registers
 * fb0, fbcon switches tty0 to it, and the framebuffer, read as the Display view reads it (the shared
 * VRAM, through DisplayService), holds the console's text: mostly black, with fbcon's light grey
 * (0xaaaaaa) glyph pixels. Text written to tty1 afterwards arrives as dirty rows in the next frame.
 * Runs when the Linux images are cached (scripts/fetch-guest-images.sh).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadLayout } from '../../src/host/layout-loader';
import { MachineHost } from '../../src/host/machine-host';
import { LinuxConsole } from '../helpers/linux-console';
import { DisplayService } from '../../src/host/display-service';

const LAYOUT = 'examples/riscv64-display';
const IMAGES = 'examples/riscv64-linux-root/images';
const BOOT_MS = 300_000;
const cached = existsSync(path.join(IMAGES, 'Image')) && existsSync(path.join(IMAGES, 'initramfs.cpio.gz'));
if (!cached) console.warn(`display boot test skipped: no Linux images in ${IMAGES}; run node scripts/guest-images.mjs`);

/** Pixel colours of a frame's bands, counted (RGB as 0xrrggbb). */
function histogram(bands: readonly { rgba: string }[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const band of bands) {
    const px = Buffer.from(band.rgba, 'base64');
    for (let i = 0; i < px.length; i += 4) {
      const rgb = (px[i]! << 16) | (px[i + 1]! << 8) | px[i + 2]!;
      counts.set(rgb, (counts.get(rgb) ?? 0) + 1);
    }
  }
  return counts;
}

describe.skipIf(!cached)('bochs-display on qemu-plic', () => {
  it('bochs-drm binds, fbcon draws the console into the framebuffer, and new text arrives as dirty rows', async () => {
    const loaded = await loadLayout(LAYOUT);
    const host = await MachineHost.create(loaded);
    const console = new LinuxConsole(host, 60_000);
    await host.start();
    try {
      const boot = await console.waitFor('hvwb-init: ready', BOOT_MS);
      expect(boot).toMatch(/pci 0000:00:01\.0: \[1234:1111\] type 00 class 0x038000/);
      expect(boot).toMatch(/\[drm\] Found bochs VGA, ID 0xb0c5/);
      expect(boot).toMatch(/\[drm\] Initialized bochs-drm .* for 0000:00:01\.0/);
      expect(boot).toMatch(/Console: switching to colour frame buffer device 128x48/);
      await console.waitFor('# ', 20_000);
      const out = await console.run('cat /sys/class/graphics/fb0/virtual_size /sys/class/drm/card0-Virtual-1/modes | head -2');
      expect(out).toMatch(/1024,\d+/);

      const display = new DisplayService(host.plan.board, host.plan.layout, host.view.buffer, () => true);
      expect(display.list().map((d) => d.id)).toEqual(['pcie/00:01.0']);
      const first = display.frame('pcie/00:01.0', 0);
      expect(first.mode).toMatchObject({ width: 1024, height: 768, bpp: 32, format: 'XRGB8888 little-endian' });
      expect(first.full).toBe(true);
      expect(first.bytes).toBe(1024 * 768 * 4);
      const colours = histogram(first.bands);
      const black = colours.get(0) ?? 0;
      const grey = colours.get(0xaaaaaa) ?? 0;
      // Text on black: most pixels black, tens of thousands of glyph pixels in fbcon's grey.
      expect(black).toBeGreaterThan(1024 * 768 * 0.6);
      expect(grey).toBeGreaterThan(5_000);

      // On a busy host fbcon's damage worker may still be copying the boot's last lines when the first
      // frame is read: wait (at most 10 s) for a frame that brings no more than the cursor's line.
      let settled = first.generation;
      for (let i = 0; i < 50; i++) {
        const later = display.frame('pcie/00:01.0', settled);
        if (later.bytes <= 16 * 1024 * 4) break;
        settled = later.generation;
        await new Promise((r) => setTimeout(r, 200));
      }
      // Nothing but fbcon's blinking cursor written since: at most its text line (16 rows). Then text on
      // tty1 comes back as a few dirty rows with its glyphs.
      const idle = display.frame('pcie/00:01.0', settled);
      expect(idle.full).toBe(false);
      expect(idle.bytes).toBeLessThanOrEqual(16 * 1024 * 4);
      await console.run('echo HVWB DISPLAY TEST > /dev/tty1');
      // fbcon's damage worker copies the shadow buffer to the VRAM a moment later; the cursor's blinks
      // come in between, so wait for a frame with the line's glyphs.
      let changed = display.frame('pcie/00:01.0', idle.generation);
      for (let i = 0; i < 100 && (histogram(changed.bands).get(0xaaaaaa) ?? 0) <= 200; i++) {
        await new Promise((r) => setTimeout(r, 200));
        changed = display.frame('pcie/00:01.0', idle.generation);
      }
      expect(changed.full).toBe(false);
      expect(histogram(changed.bands).get(0xaaaaaa) ?? 0).toBeGreaterThan(200);
      // Only rows that changed travel (a scroll of a full console is all of them); the figures go to the decision.
      process.stdout.write(`display figures: full frame ${first.bytes} bytes; idle (cursor blink) ${idle.bytes} bytes; after a line ${changed.bytes} bytes in ${changed.bands.length} bands\n`);
    } finally {
      await host.stop();
    }
  }, BOOT_MS + 120_000);
});
