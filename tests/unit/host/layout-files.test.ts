/**
 * The zone editor's file service: it reads a layout's files as text with the board, writes only
 * inside the layout folder (no absolute paths, no "..", no symlink out), writes atomically, and
 * writes nothing when one path of a batch is refused.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { layoutFileCommand, readLayoutFiles, saveLayoutFiles } from '../../../src/host/layout-files';

const repo = path.resolve(import.meta.dirname, '../../..');
let dir: string;
let outside: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'hvwb-layout-files-'));
  outside = mkdtempSync(path.join(tmpdir(), 'hvwb-outside-'));
  cpSync(path.join(repo, 'examples/riscv64-linux'), dir, { recursive: true });
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

describe('readLayoutFiles', () => {
  it('returns layout.json, the zone files and virtio_cfg.json as text, with the board', async () => {
    const result = await readLayoutFiles(dir);
    expect(result.files.map((f) => [f.path, f.kind])).toEqual([
      ['layout.json', 'layout'],
      ['zone1.json', 'zone'],
      ['virtio_cfg.json', 'virtio'],
    ]);
    expect(result.files[1]!.text).toBe(readFileSync(path.join(dir, 'zone1.json'), 'utf8'));
    expect(result.board.name).toBe('qemu-plic');
    expect(result.board.harts).toBe(4);
    expect(result.problems).toEqual([]);
  });

  it('returns a zone file that is not valid JSON as it is, and names a missing one', async () => {
    writeFileSync(path.join(dir, 'zone1.json'), '{ "zone_id": 1,');
    const layout = JSON.parse(readFileSync(path.join(dir, 'layout.json'), 'utf8'));
    layout.zones.push({ config: 'gone.json', autostart: false });
    writeFileSync(path.join(dir, 'layout.json'), JSON.stringify(layout));
    const result = await readLayoutFiles(dir);
    expect(result.files.find((f) => f.path === 'zone1.json')!.text).toBe('{ "zone_id": 1,');
    expect(result.problems).toEqual(['layout.json: zones[1].config: cannot read gone.json (ENOENT)']);
  });

  it('applies the layout RAM size to the board', async () => {
    const layout = JSON.parse(readFileSync(path.join(dir, 'layout.json'), 'utf8'));
    writeFileSync(path.join(dir, 'layout.json'), JSON.stringify({ ...layout, ramSize: '0x40000000' }));
    expect((await readLayoutFiles(dir)).board.ram.size).toBe(0x4000_0000);
  });
});

describe('saveLayoutFiles', () => {
  it('writes files inside the folder, new ones included, and answers through layoutFileCommand', async () => {
    const result = await layoutFileCommand(dir, 'layout.save', {
      files: [
        { path: 'zone1.json', text: '{"zone_id": 1}\n' },
        { path: 'zone3.json', text: '{"zone_id": 3}\n' },
        { path: 'configs/zone4.json', text: '{"zone_id": 4}\n' },
      ],
    });
    expect(result).toEqual({ written: ['zone1.json', 'zone3.json', 'configs/zone4.json'] });
    expect(readFileSync(path.join(dir, 'zone3.json'), 'utf8')).toBe('{"zone_id": 3}\n');
    expect(readFileSync(path.join(dir, 'configs/zone4.json'), 'utf8')).toBe('{"zone_id": 4}\n');
    // No temporary file is left behind.
    expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it.each([
    ['an absolute path', () => path.join(outside, 'x.json'), /absolute path/],
    ['a path with ..', () => '../x.json', /leads out of the layout folder/],
    ['a hidden ..', () => 'share/../../x.json', /leads out of the layout folder/],
    ['the folder itself', () => '.', /not a file inside/],
  ])('refuses %s', async (_, target, message) => {
    await expect(saveLayoutFiles(dir, [{ path: target(), text: 'x' }])).rejects.toThrow(message);
    expect(readdirSync(outside)).toEqual([]);
  });

  it('refuses a symlink that leads out of the folder, as a file or as a directory on the way', async () => {
    writeFileSync(path.join(outside, 'victim.json'), 'original');
    symlinkSync(path.join(outside, 'victim.json'), path.join(dir, 'link.json'));
    symlinkSync(outside, path.join(dir, 'out'));
    await expect(saveLayoutFiles(dir, [{ path: 'link.json', text: 'x' }])).rejects.toThrow(/symbolic link leads out/);
    await expect(saveLayoutFiles(dir, [{ path: 'out/new.json', text: 'x' }])).rejects.toThrow(/symbolic link leads out/);
    expect(readFileSync(path.join(outside, 'victim.json'), 'utf8')).toBe('original');
    expect(existsSync(path.join(outside, 'new.json'))).toBe(false);
  });

  it('writes through a symlink that stays inside the folder, keeping the link', async () => {
    mkdirSync(path.join(dir, 'configs'));
    writeFileSync(path.join(dir, 'configs/real.json'), 'old');
    symlinkSync('configs/real.json', path.join(dir, 'alias.json'));
    expect(await saveLayoutFiles(dir, [{ path: 'alias.json', text: 'new' }])).toEqual(['configs/real.json']);
    expect(readFileSync(path.join(dir, 'configs/real.json'), 'utf8')).toBe('new');
  });

  it('writes nothing when one file of the batch is refused', async () => {
    const before = readFileSync(path.join(dir, 'zone1.json'), 'utf8');
    await expect(
      saveLayoutFiles(dir, [
        { path: 'zone1.json', text: 'changed' },
        { path: '../escape.json', text: 'x' },
      ]),
    ).rejects.toThrow(/\.\./);
    expect(readFileSync(path.join(dir, 'zone1.json'), 'utf8')).toBe(before);
  });

  it('replaces a file by rename, so a reader never sees half of it', async () => {
    const file = path.join(dir, 'zone1.json');
    const big = JSON.stringify({ pad: 'x'.repeat(4 << 20) });
    const before = readFileSync(file, 'utf8');
    const reads: string[] = [];
    let done = false;
    const reader = (async () => {
      while (!done) {
        reads.push(readFileSync(file, 'utf8'));
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    await saveLayoutFiles(dir, [{ path: 'zone1.json', text: big }]);
    done = true;
    await reader;
    reads.push(readFileSync(file, 'utf8'));
    expect(reads.every((text) => text === before || text === big)).toBe(true);
    expect(reads.at(-1)).toBe(big);
  });
});
