/**
 * The copy-on-write overlay (overlay-block-backend.ts): the guest sees its writes, the image file keeps
 * its bytes (a snapshot's SHA-256 of it stays true), and the written pages carried to a new overlay
 * give the same disk.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileBlockBackend } from '../../../../src/host/virtio/file-block-backend';
import { OVERLAY_PAGE, OverlayBlockBackend } from '../../../../src/host/virtio/overlay-block-backend';

describe('OverlayBlockBackend', () => {
  it('takes writes (partial pages too) without changing the image, and its pages rebuild the same disk', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hvwb-overlay-'));
    try {
      const image = path.join(dir, 'disk.img');
      const original = new Uint8Array(5 * OVERLAY_PAGE + 1024).map((_, i) => (i * 7 + (i >> 12)) & 0xff);
      writeFileSync(image, original);
      const hash = () => createHash('sha256').update(readFileSync(image)).digest('hex');
      const before = hash();
      const disk = new OverlayBlockBackend(await FileBlockBackend.open(image, { readOnly: true }), false);
      // One sector inside page 1, one spanning pages 2 and 3, and the image's short last page.
      await disk.write(OVERLAY_PAGE + 512, new Uint8Array(512).fill(0xaa));
      await disk.write(3 * OVERLAY_PAGE - 256, new Uint8Array(512).fill(0xbb));
      await disk.write(5 * OVERLAY_PAGE, new Uint8Array(1024).fill(0xcc));
      const expected = original.slice();
      expected.fill(0xaa, OVERLAY_PAGE + 512, OVERLAY_PAGE + 1024);
      expected.fill(0xbb, 3 * OVERLAY_PAGE - 256, 3 * OVERLAY_PAGE + 256);
      expected.fill(0xcc, 5 * OVERLAY_PAGE);
      expect(await disk.read(0, expected.length)).toEqual(expected);
      expect(await disk.read(OVERLAY_PAGE + 500, 30)).toEqual(expected.subarray(OVERLAY_PAGE + 500, OVERLAY_PAGE + 530));
      expect(disk.writtenCount).toBe(4);
      expect(hash()).toBe(before);
      const pages = disk.writtenPages();
      expect(pages.map(([p]) => p)).toEqual([1, 2, 3, 5]);
      await disk.close();

      const again = new OverlayBlockBackend(await FileBlockBackend.open(image, { readOnly: true }), false);
      again.loadPages(pages);
      expect(await again.read(0, expected.length)).toEqual(expected);
      expect(() => again.loadPages([[6, new Uint8Array(OVERLAY_PAGE)]])).toThrow(/disk\.img: the snapshot's overlay has page 6, the 21504-byte image has 6/);
      await expect(again.read(expected.length - 10, 20)).rejects.toThrow(/outside the 21504-byte image/);
      await again.close();
      const readOnly = new OverlayBlockBackend(await FileBlockBackend.open(image, { readOnly: true }), true);
      await expect(readOnly.write(0, new Uint8Array(512))).rejects.toThrow(/disk\.img is read-only/);
      await readOnly.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
