/**
 * What the copy-on-write overlay of a restored machine's disks costs (docs/decisions/0024): the same
 * guest-like requests (64 KiB writes over a span, then reads of it, then scattered 4 KiB writes) against
 * the image file directly (FileBlockBackend, as a machine booted from its layout writes) and through
 * OverlayBlockBackend (as a restored machine writes), and the size of the snapshot section that carries
 * the written pages (deflated as the snapshot file stores it).
 * Run: npx rolldown bench/overlay-disk.ts -o out/bench/overlay-disk.mjs --platform node && node out/bench/overlay-disk.mjs [MiB written=16]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import type { BlockBackend } from '../src/core/virtio/virtio-blk';
import { FileBlockBackend } from '../src/host/virtio/file-block-backend';
import { OverlayBlockBackend } from '../src/host/virtio/overlay-block-backend';
import { encodePages } from '../src/host/snapshot/snapshot-file';

const IMAGE_MIB = 64;
const writtenMiB = Number(process.argv[2] ?? 16);

async function run(name: string, disk: BlockBackend): Promise<void> {
  const chunk = new Uint8Array(64 * 1024).map((_, i) => (i * 31) & 0xff);
  let t = performance.now();
  for (let at = 0; at < writtenMiB * 1048576; at += chunk.length) await disk.write(at, chunk);
  const writeMs = performance.now() - t;
  t = performance.now();
  for (let at = 0; at < IMAGE_MIB * 1048576; at += chunk.length) await disk.read(at, chunk.length);
  const readMs = performance.now() - t;
  t = performance.now();
  const sector = new Uint8Array(512).fill(7);
  for (let i = 0; i < 4096; i++) await disk.write(((i * 7919) % (IMAGE_MIB * 2048)) * 512, sector);
  const scatterMs = performance.now() - t;
  console.log(
    `${name}: ${writtenMiB} MiB in 64 KiB writes ${writeMs.toFixed(0)} ms (${((writtenMiB * 1000) / writeMs).toFixed(0)} MiB/s); ` +
      `${IMAGE_MIB} MiB read ${readMs.toFixed(0)} ms (${((IMAGE_MIB * 1000) / readMs).toFixed(0)} MiB/s); 4096 scattered 512-byte writes ${scatterMs.toFixed(0)} ms`,
  );
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hvwb-overlay-bench-'));
  try {
    const image = path.join(dir, 'disk.img');
    writeFileSync(image, new Uint8Array(IMAGE_MIB * 1048576).map((_, i) => (i >> 9) & 0xff));
    const file = await FileBlockBackend.open(image);
    await run('image file (in place)', file);
    await file.close();
    const overlay = new OverlayBlockBackend(await FileBlockBackend.open(image, { readOnly: true }), false);
    await run('copy-on-write overlay', overlay);
    const t = performance.now();
    const pages = overlay.writtenPages();
    const section = deflateSync(encodePages(overlay.size, pages), { level: 1 });
    console.log(`snapshot section of the overlay: ${pages.length} pages (${((pages.length * 4096) / 1048576).toFixed(1)} MiB written), ${(section.length / 1048576).toFixed(2)} MiB deflated, ${(performance.now() - t).toFixed(0)} ms to encode`);
    await overlay.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
