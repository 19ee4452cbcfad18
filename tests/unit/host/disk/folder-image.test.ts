import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, readFile, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FatFileNode } from '../../../../src/core/disk/fat32-reader';
import { FatImageError, buildFolderImage, readManifest } from '../../../../src/host/disk/folder-image';
import { openImageFile } from '../../../../src/host/disk/image-file';
import { flatten, fsckFat, mtools, mtoolsRun, runFsck, withTempDir } from './helpers';

const LONG = 'A rather long file name, with commas; and [brackets] + spaces.text';
const UNICODE = 'Überraschung – 日本語のファイル.md';
/** Outside the BMP: stored as a surrogate pair (mtools shows it as '__', Linux vfat reads it). */
const EMOJI = 'smile 😀.txt';
const FIXED_MTIME = new Date(Date.UTC(2021, 2, 4, 5, 6, 9, 500));

async function makeFolder(root: string): Promise<{ big: Buffer }> {
  const big = randomBytes(3 * 1024 * 1024 + 123);
  await mkdir(path.join(root, 'one/two/three'), { recursive: true });
  await mkdir(path.join(root, 'empty folder'));
  await writeFile(path.join(root, 'README.TXT'), 'exact 8.3\n');
  await writeFile(path.join(root, LONG), 'long\n');
  await writeFile(path.join(root, UNICODE), 'ünïcode\n');
  await writeFile(path.join(root, EMOJI), 'emoji\n');
  await writeFile(path.join(root, 'empty.dat'), '');
  await writeFile(path.join(root, 'one/two/three/deep.txt'), 'deep\n');
  await writeFile(path.join(root, 'one/big.bin'), big);
  await utimes(path.join(root, 'README.TXT'), FIXED_MTIME, FIXED_MTIME);
  return { big };
}

describe('host folder to FAT32 image', () => {
  it('builds a sparse image whose manifest, names, contents and times match the folder', async () => {
    await withTempDir(async (tmp) => {
      const folder = path.join(tmp, 'shared folder');
      await mkdir(folder);
      const { big } = await makeFolder(folder);
      const progress: number[] = [];
      const built = await buildFolderImage({ folder, cacheDir: path.join(tmp, 'cache'), onProgress: (p) => progress.push(p.doneBytes / p.totalBytes) });
      expect(progress.at(-1)).toBe(1);
      expect(path.basename(built.imagePath)).toMatch(/^shared_folder-[0-9a-f]{12}\.img$/);
      const info = await stat(built.imagePath);
      expect(info.size).toBe(64 * 1024 * 1024);
      expect(info.blocks * 512).toBeLessThan(16 * 1024 * 1024);
      expect(await readManifest(built.manifestPath)).toEqual(built.manifest);

      const { manifest } = built;
      expect(manifest.skipped).toEqual([]);
      expect(manifest.files.map((f) => f.imagePath).sort()).toEqual(['README.TXT', LONG, 'empty.dat', 'one/big.bin', 'one/two/three/deep.txt', UNICODE, EMOJI].sort());
      expect(manifest.directories.map((d) => d.imagePath).sort()).toEqual(['', 'empty folder', 'one', 'one/two', 'one/two/three']);

      const image = await openImageFile(built.imagePath);
      try {
        const nodes = flatten(await image.reader.readTree());
        for (const entry of manifest.files) {
          const node = nodes.get(entry.imagePath) as FatFileNode;
          expect(node.kind).toBe('file');
          expect(node.firstCluster).toBe(entry.firstCluster);
          expect(node.size).toBe(entry.size);
          const bytes = await image.reader.readFileBytes(node);
          expect(createHash('sha256').update(bytes).digest('hex')).toBe(entry.sha256);
          expect(Buffer.from(bytes).equals(await readFile(entry.hostPath))).toBe(true);
        }
        const bigEntry = manifest.files.find((f) => f.imagePath === 'one/big.bin')!;
        expect(bigEntry.sha256).toBe(createHash('sha256').update(big).digest('hex'));
        expect(Math.ceil(big.length / manifest.clusterBytes)).toBeGreaterThan(6000);
        expect(nodes.get('README.TXT')!.mtimeMs).toBe(Date.UTC(2021, 2, 4, 5, 6, 8));
        expect(nodes.get('README.TXT')!.shortName).toBe('README.TXT');
        expect(nodes.get('empty folder')!.kind).toBe('directory');
      } finally {
        await image.close();
      }

      if (fsckFat) {
        const fsck = runFsck(built.imagePath);
        expect(fsck.status, fsck.output).toBe(0);
        expect(fsck.output).toMatch(/12 files, \d+\/\d+ clusters/);
      }
    });
  });

  it.skipIf(!mtools)('lists and copies out long and unicode names with mtools (requires mtools)', async () => {
    await withTempDir(async (tmp) => {
      const folder = path.join(tmp, 'f');
      await mkdir(folder);
      const { big } = await makeFolder(folder);
      const { imagePath } = await buildFolderImage({ folder, cacheDir: tmp });
      const listing = mtoolsRun(mtools!.mdir, ['-i', imagePath, '-/', '::/']);
      for (const name of [LONG, UNICODE, 'deep.txt', 'big.bin', 'empty folder']) expect(listing).toContain(name);
      expect(listing).toMatch(/README\s+TXT\s+10 2021-03-04\s+5:06/);
      const out = path.join(tmp, 'out.bin');
      mtoolsRun(mtools!.mcopy, ['-i', imagePath, '::/one/big.bin', out]);
      expect((await readFile(out)).equals(big)).toBe(true);
      mtoolsRun(mtools!.mcopy, ['-i', imagePath, `::/${UNICODE}`, out]);
      expect(await readFile(out, 'utf8')).toBe('ünïcode\n');
    });
  });

  it('builds a valid image of an empty folder', async () => {
    await withTempDir(async (tmp) => {
      const folder = path.join(tmp, 'empty');
      await mkdir(folder);
      const built = await buildFolderImage({ folder, cacheDir: tmp, imageName: 'empty.img' });
      expect(built.manifest.files).toEqual([]);
      const image = await openImageFile(built.imagePath);
      expect((await image.reader.readTree()).children).toEqual([]);
      await image.close();
      if (fsckFat) expect(runFsck(built.imagePath).status).toBe(0);
    });
  });

  it('lists links that leave the folder, links to folders, broken links, FIFOs and non-UTF-8 names as skipped', async () => {
    await withTempDir(async (tmp) => {
      const folder = path.join(tmp, 'f');
      await mkdir(path.join(folder, 'dir'), { recursive: true });
      await writeFile(path.join(tmp, 'secret.txt'), 'outside');
      await writeFile(path.join(folder, 'dir/target.txt'), 'inside');
      await symlink(path.join(tmp, 'secret.txt'), path.join(folder, 'escape.txt'));
      await symlink('dir/target.txt', path.join(folder, 'inner-link.txt'));
      await symlink('dir', path.join(folder, 'dir-link'));
      await symlink('missing', path.join(folder, 'broken'));
      execFileSync('mkfifo', [path.join(folder, 'pipe')]);
      await writeFile(Buffer.concat([Buffer.from(`${folder}/bad-`), Buffer.from([0xff, 0xfe]), Buffer.from('.txt')]), 'x');
      const built = await buildFolderImage({ folder, cacheDir: tmp, imageName: 'skip.img' });
      const reasons = Object.fromEntries(built.manifest.skipped.map((s) => [path.basename(s.hostPath), s.reason]));
      expect(reasons['escape.txt']).toMatch(/pointing outside the folder/);
      expect(reasons['dir-link']).toMatch(/link to a folder/);
      expect(reasons['broken']).toMatch(/broken symbolic link/);
      expect(reasons['pipe']).toMatch(/FIFO/);
      expect(Object.values(reasons).some((r) => /not valid UTF-8/.test(r))).toBe(true);
      expect(built.manifest.skipped).toHaveLength(5);
      const inner = built.manifest.files.find((f) => f.imagePath === 'inner-link.txt')!;
      expect(inner.viaSymlink).toBe(true);
      expect(inner.size).toBe(6);
      await expect(buildFolderImage({ folder, cacheDir: tmp, imageName: 'strict.img', strict: true })).rejects.toThrow(/escape\.txt|broken|pipe|bad-/);
    });
  });

  it('fails with the host path for names FAT cannot hold and case collisions', async () => {
    await withTempDir(async (tmp) => {
      const bad = path.join(tmp, 'bad');
      await mkdir(path.join(bad, 'sub'), { recursive: true });
      await writeFile(path.join(bad, 'sub', 'why?.txt'), '');
      await expect(buildFolderImage({ folder: bad, cacheDir: tmp })).rejects.toThrow(`${bad}/sub/why?.txt: the name contains '?', which FAT forbids`);
      const clash = path.join(tmp, 'clash');
      await mkdir(clash);
      await writeFile(path.join(clash, 'Makefile'), '');
      await writeFile(path.join(clash, 'makefile'), '');
      await expect(buildFolderImage({ folder: clash, cacheDir: tmp })).rejects.toThrow(FatImageError);
      await expect(buildFolderImage({ folder: clash, cacheDir: tmp })).rejects.toThrow(/clash\/makefile: the name collides with 'Makefile'/);
    });
  });

  it('builds into an owner-only folder it checks, and writes images and manifests only the owner can read', async () => {
    await withTempDir(async (tmp) => {
      const folder = path.join(tmp, 'src');
      await mkdir(folder);
      await writeFile(path.join(folder, 'secret.txt'), 'the user\'s file');
      const cacheDir = path.join(tmp, 'runtime', 'disks');
      const built = await buildFolderImage({ folder, cacheDir, imageName: 'p.img' });
      expect((await stat(cacheDir)).mode & 0o777).toBe(0o700);
      expect((await stat(path.join(tmp, 'runtime'))).mode & 0o777).toBe(0o700);
      expect((await stat(built.imagePath)).mode & 0o777).toBe(0o600);
      expect((await stat(built.manifestPath)).mode & 0o777).toBe(0o600);

      // Another local user created the folder first, or left it open to everyone: refused, by name.
      const open = path.join(tmp, 'open');
      await mkdir(open);
      await chmod(open, 0o777);
      await expect(buildFolderImage({ folder, cacheDir: open })).rejects.toThrow(`${open} is writable by group or others (mode 0777)`);
      const linked = path.join(tmp, 'linked');
      await symlink(cacheDir, linked);
      await expect(buildFolderImage({ folder, cacheDir: linked })).rejects.toThrow(`${linked} is a symbolic link`);
      let foreign = '/';
      if (process.getuid?.() === 0) {
        foreign = path.join(tmp, 'foreign');
        await mkdir(foreign, { mode: 0o700 });
        await chown(foreign, 65534, 65534);
      }
      await expect(buildFolderImage({ folder, cacheDir: foreign })).rejects.toThrow(new RegExp(`^${foreign.replace(/[/.]/g, '\\$&')} belongs to another user`));
    });
  });
});
