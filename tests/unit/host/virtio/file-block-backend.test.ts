import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileBlockBackend } from '../../../../src/host/virtio/file-block-backend';

function image(bytes: number): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'hvwb-blk-'));
  const file = path.join(dir, 'disk.img');
  writeFileSync(file, Buffer.alloc(bytes, 0x11));
  return file;
}

describe('FileBlockBackend', () => {
  it('reads and writes inside the image and flushes', async () => {
    const file = image(4096);
    const disk = await FileBlockBackend.open(file);
    expect(disk.size).toBe(4096);
    expect(disk.readOnly).toBe(false);
    await disk.write(512, new Uint8Array(512).fill(0x22));
    await disk.flush();
    expect([...(await disk.read(510, 4))]).toEqual([0x11, 0x11, 0x22, 0x22]);
    await disk.close();
    expect(readFileSync(file)[512]).toBe(0x22);
  });

  it('never grows the image or touches bytes outside it', async () => {
    const file = image(1024);
    const disk = await FileBlockBackend.open(file);
    await expect(disk.write(1024, new Uint8Array(512))).rejects.toThrow(/outside the 1024-byte image/);
    await expect(disk.read(1000, 100)).rejects.toThrow(/outside/);
    await expect(disk.write(-512, new Uint8Array(512))).rejects.toThrow(/outside/);
    await disk.close();
    expect(statSync(file).size).toBe(1024);
  });

  it('refuses writes when opened read-only, and opens the file without write access', async () => {
    const file = image(1024);
    const disk = await FileBlockBackend.open(file, { readOnly: true });
    await expect(disk.write(0, new Uint8Array(512))).rejects.toThrow(/read-only/);
    await disk.flush();
    await disk.close();
    expect(readFileSync(file).every((x) => x === 0x11)).toBe(true);
  });

  it('does not create a missing image and refuses a directory', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hvwb-blk-'));
    await expect(FileBlockBackend.open(path.join(dir, 'missing.img'))).rejects.toThrow(/ENOENT/);
    mkdirSync(path.join(dir, 'folder'));
    await expect(FileBlockBackend.open(path.join(dir, 'folder'), { readOnly: true })).rejects.toThrow(/not a regular file/);
  });
});
