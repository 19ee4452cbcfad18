/**
 * Guest images are sized before they are read: a FIFO, an empty file or a file larger than the RAM it
 * must fit (or than one read can hold) ends in one message naming the field and the file.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ImageError } from '../../../src/core/machine/elf';
import { readImageFile } from '../../../src/host/image-file';

describe('reading a guest image', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'hvwb-image-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a regular file whole', async () => {
    writeFileSync(path.join(dir, 'k.bin'), Uint8Array.of(1, 2, 3));
    expect(Array.from(await readImageFile(path.join(dir, 'k.bin'), 'zone1.json: kernel_filepath', 4096))).toEqual([1, 2, 3]);
  });

  it('reads into the memory the caller places it in once the size is known, and a refusal there stops it', async () => {
    writeFileSync(path.join(dir, 'k.bin'), Uint8Array.of(1, 2, 3, 4, 5));
    const ram = new Uint8Array(16).fill(0xee);
    const sizes: number[] = [];
    const bytes = await readImageFile(path.join(dir, 'k.bin'), 'layout.json: root.image', 16, (size) => {
      sizes.push(size);
      return ram.subarray(8, 8 + size);
    });
    expect(sizes).toEqual([5]);
    expect(Array.from(ram)).toEqual([...Array(8).fill(0xee), 1, 2, 3, 4, 5, 0xee, 0xee, 0xee]);
    // The bytes returned are the placed ones, not a copy.
    expect(bytes.buffer).toBe(ram.buffer);
    await expect(
      readImageFile(path.join(dir, 'k.bin'), 'layout.json: root.initrd', 16, () => {
        throw new ImageError('initrd: 5 bytes at 0xfffffffe do not fit in RAM 0x0..0x10');
      }),
    ).rejects.toThrow('initrd: 5 bytes at 0xfffffffe do not fit in RAM 0x0..0x10');
  });

  it('refuses a file larger than its limit before reading a byte, and anything over 2 GiB whatever the limit', async () => {
    const file = path.join(dir, 'huge.bin');
    writeFileSync(file, '');
    truncateSync(file, 3 * 2 ** 30);
    await expect(readImageFile(file, 'zone1.json: modules[0].filepath', 0x100_0000)).rejects.toThrow(
      `zone1.json: modules[0].filepath: ${file} is 3221225472 bytes (0xc0000000), larger than the 0x1000000 bytes it can occupy`,
    );
    await expect(readImageFile(file, 'layout.json: root.image', Number.MAX_SAFE_INTEGER)).rejects.toThrow('larger than the 0x7fffffff bytes');
  });

  it('refuses a FIFO at once instead of waiting for a writer, and an empty file', async () => {
    const fifo = path.join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    writeFileSync(path.join(dir, 'empty'), '');
    // No writer ever opens it: a plain open for reading would wait forever.
    await expect(readImageFile(fifo, 'zone1.json: dtb_filepath', 4096)).rejects.toThrow(`zone1.json: dtb_filepath: ${fifo} is not a regular file`);
    await expect(readImageFile(path.join(dir, 'empty'), 'zone1.json: kernel_filepath', 4096)).rejects.toThrow('the image is empty');
  });
});
