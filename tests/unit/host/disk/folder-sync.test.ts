import { cp, lstat, mkdir, readFile, readdir, rename, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildFolderImage, type FolderImageManifest } from '../../../../src/host/disk/folder-image';
import { applySync, computeSyncChanges, type FolderChange, type SyncChangeSet } from '../../../../src/host/disk/folder-sync';
import { mtools, mtoolsRun, patchLongName, withTempDir } from './helpers';

/** Relative path -> file contents, or '<dir>' for folders. */
async function snapshot(root: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      const rel = path.relative(root, full);
      if (entry.isDirectory()) {
        out.set(rel, '<dir>');
        await walk(full);
      } else {
        out.set(rel, await readFile(full, 'utf8'));
      }
    }
  };
  await walk(root);
  return out;
}

async function files(root: string, contents: Record<string, string | null>): Promise<void> {
  for (const [rel, text] of Object.entries(contents)) {
    const full = path.join(root, rel);
    if (text === null) {
      await mkdir(full, { recursive: true });
    } else {
      await mkdir(path.dirname(full), { recursive: true });
      await writeFile(full, text);
    }
  }
}

const summary = (changes: readonly FolderChange[]): string[] => changes.map((c) => `${c.kind} ${c.path}${c.conflict ? ' (conflict)' : ''}`);

async function buildPair(tmp: string, v1: Record<string, string | null>, edit: (v2: string) => Promise<void>): Promise<{ folder: string; v2: string; manifest: FolderImageManifest; set: SyncChangeSet }> {
  const folder = path.join(tmp, 'v1');
  await files(folder, v1);
  const a = await buildFolderImage({ folder, cacheDir: path.join(tmp, 'cache'), imageName: 'a.img' });
  const v2 = path.join(tmp, 'v2');
  await cp(folder, v2, { recursive: true, preserveTimestamps: true });
  await edit(v2);
  // The second image plays the part of the disk after the guest ran: same volume, other contents.
  const b = await buildFolderImage({ folder: v2, cacheDir: path.join(tmp, 'cache'), imageName: 'b.img' });
  const set = await computeSyncChanges(a.manifest, { imagePath: b.imagePath });
  return { folder, v2, manifest: a.manifest, set };
}

const V1 = {
  'keep.txt': 'keep',
  'change.txt': 'before',
  'same-size.txt': 'aaaa',
  'delete me.txt': 'bye',
  'old/inner.txt': 'inner',
  'old/sub/deep.txt': 'deep',
  'becomes-folder': 'was a file',
  'empty.dat': '',
};

describe('folder sync', () => {
  it('lists created, changed and deleted files and folders without touching the host, then applies them', async () => {
    await withTempDir(async (tmp) => {
      const { folder, v2, set } = await buildPair(tmp, V1, async (v2) => {
        await writeFile(path.join(v2, 'change.txt'), 'after, and longer');
        await writeFile(path.join(v2, 'same-size.txt'), 'bbbb');
        await rm(path.join(v2, 'delete me.txt'));
        await rm(path.join(v2, 'old'), { recursive: true });
        await rm(path.join(v2, 'becomes-folder'));
        await files(v2, {
          'new.txt': 'new',
          'Ünïcödé long name, created by the guest.md': 'unicode',
          'made/nested/n.txt': 'nested',
          'made/empty': null,
          'becomes-folder/f.txt': 'inside',
        });
        await utimes(path.join(v2, 'new.txt'), new Date(Date.UTC(2022, 1, 2, 3, 4, 7)), new Date(Date.UTC(2022, 1, 2, 3, 4, 7)));
      });
      expect(summary(set.changes)).toEqual([
        'directory-created becomes-folder',
        'directory-created made',
        'directory-created made/empty',
        'directory-created made/nested',
        'file-created becomes-folder/f.txt',
        'file-created made/nested/n.txt',
        'file-created new.txt',
        'file-created Ünïcödé long name, created by the guest.md',
        'file-changed change.txt',
        'file-changed same-size.txt',
        'file-deleted becomes-folder',
        'file-deleted delete me.txt',
        'file-deleted old/inner.txt',
        'file-deleted old/sub/deep.txt',
        'directory-deleted old/sub',
        'directory-deleted old',
      ]);
      expect(set.refused).toEqual([]);
      expect(await snapshot(folder)).toEqual(new Map(Object.entries(V1).map(([k, v]) => [k, v ?? '<dir>'])).set('old', '<dir>').set('old/sub', '<dir>'));

      const copy = path.join(tmp, 'copy');
      await cp(folder, copy, { recursive: true, preserveTimestamps: true });
      const result = await applySync(set, { folder: copy });
      expect(result.failed).toEqual([]);
      expect(result.refused).toEqual([]);
      expect(result.conflicts).toEqual([]);
      expect(result.applied).toHaveLength(set.changes.length);
      expect(await snapshot(copy)).toEqual(await snapshot(v2));
      expect((await stat(path.join(copy, 'new.txt'))).mtimeMs).toBe(Date.UTC(2022, 1, 2, 3, 4, 6));
      const leftovers = (await readdir(copy)).filter((name) => name.includes('hvwb-sync'));
      expect(leftovers).toEqual([]);
    });
  });

  it('flags host files changed since the build as conflicts and leaves them unless told to overwrite', async () => {
    await withTempDir(async (tmp) => {
      const { folder, set: first } = await buildPair(tmp, V1, async (v2) => {
        await writeFile(path.join(v2, 'change.txt'), 'guest version');
        await rm(path.join(v2, 'old'), { recursive: true });
      });
      await writeFile(path.join(folder, 'change.txt'), 'host version!');
      await writeFile(path.join(folder, 'old/host-only.txt'), 'host only');
      const set = await computeSyncChanges(JSON.parse(await readFile(path.join(tmp, 'cache/a.img.manifest.json'), 'utf8')), { imagePath: first.imagePath });
      expect(summary(set.changes)).toContain('file-changed change.txt (conflict)');
      const result = await applySync(set, { folder });
      expect(result.conflicts.map((c) => c.change.path)).toEqual(['change.txt']);
      expect(await readFile(path.join(folder, 'change.txt'), 'utf8')).toBe('host version!');
      expect(result.failed.map((f) => [f.change.path, f.error])).toEqual([['old', 'the folder still holds entries the image does not know; left in place']]);
      expect(await readFile(path.join(folder, 'old/host-only.txt'), 'utf8')).toBe('host only');
      await expect(lstat(path.join(folder, 'old/inner.txt'))).rejects.toThrow(/ENOENT/);

      const forced = await applySync(set, { folder, overwriteConflicts: true });
      expect(forced.applied.map((c) => c.path)).toContain('change.txt');
      expect(await readFile(path.join(folder, 'change.txt'), 'utf8')).toBe('guest version');
    });
  });

  it('refuses to apply a change list once the image has changed', async () => {
    await withTempDir(async (tmp) => {
      const { folder, set } = await buildPair(tmp, { 'a.txt': 'a' }, async (v2) => writeFile(path.join(v2, 'b.txt'), 'b'));
      await utimes(set.imagePath, new Date(), new Date(Date.now() + 5000));
      await expect(applySync(set, { folder })).rejects.toThrow(/changed after the change list was made/);
      await expect(lstat(path.join(folder, 'b.txt'))).rejects.toThrow(/ENOENT/);
    });
  });

  it('refuses names with .. or separators and entries that are not files or folders', async () => {
    await withTempDir(async (tmp) => {
      const { folder, manifest } = await buildPair(tmp, { 'a.txt': 'a' }, async (v2) => {
        await files(v2, { 'dotdot1.txt': 'escape', 'slash12.txt': 'slash', 'device.txt': 'dev', 'evildir/x.txt': 'x' });
      });
      const imagePath = path.join(tmp, 'cache/b.img');
      const image = new Uint8Array(await readFile(imagePath));
      patchLongName(image, 'dotdot1.txt', '..');
      patchLongName(image, 'slash12.txt', 'etc/passwd');
      patchLongName(image, 'evildir', '..');
      const deviceLfn = patchLongName(image, 'device.txt', 'device.txt');
      image[deviceLfn + 32 + 11] = 0x40 | 0x20;
      await writeFile(imagePath, image);

      const set = await computeSyncChanges(manifest, { imagePath });
      expect(set.refused.map((r) => `${r.path}: ${r.reason}`).sort()).toEqual([
        "..: the name '..' would leave its folder",
        "..: the name '..' would leave its folder",
        'device.txt: a device entry, not a regular file',
        'etc/passwd: the name contains a path separator',
      ]);
      expect(summary(set.changes)).toEqual([]);
      const result = await applySync(set, { folder });
      expect(result.applied).toEqual([]);
      expect([...(await snapshot(folder)).keys()]).toEqual(['a.txt']);
      expect((await readdir(tmp)).sort()).toEqual(['cache', 'v1', 'v2']);
    });
  });

  it('refuses hand-made changes that leave the folder or go through symbolic links', async () => {
    await withTempDir(async (tmp) => {
      const { folder, set } = await buildPair(tmp, { 'a.txt': 'a', 'inner-target.txt': 't' }, async (v2) => {
        await writeFile(path.join(v2, 'new.txt'), 'payload');
        await writeFile(path.join(v2, 'inner-target.txt'), 'changed');
      });
      const outside = path.join(tmp, 'outside');
      await mkdir(outside);
      await symlink(outside, path.join(folder, 'link'));
      await rm(path.join(folder, 'inner-target.txt'));
      await symlink(path.join(outside, 'victim.txt'), path.join(folder, 'inner-target.txt'));
      const created = set.changes.find((c) => c.kind === 'file-created')!;
      const hostile: FolderChange[] = ['../escape.txt', '/etc/hvwb-escape', 'link/x.txt', 'a\\..\\b.txt', 'ok/../../x.txt', 'C:/x.txt', ''].map((p) => ({ ...created, path: p }));
      const changed = set.changes.find((c) => c.kind === 'file-changed')!;
      const result = await applySync({ ...set, changes: [...hostile, changed] }, { folder, overwriteConflicts: true });
      expect(result.applied).toEqual([]);
      expect(result.failed).toEqual([]);
      expect(result.refused.map((r) => `${r.change.path} -> ${r.reason}`).sort()).toEqual([
        '../escape.txt -> the name \'..\' would leave its folder',
        '/etc/hvwb-escape -> the path is absolute',
        `link/x.txt -> the path goes through the symbolic link ${path.join(folder, 'link')}`,
        'a\\..\\b.txt -> the name contains a path separator',
        "ok/../../x.txt -> the name '..' would leave its folder",
        'C:/x.txt -> the path is absolute',
        ' -> the path is empty',
        'inner-target.txt -> the host entry is a symbolic link',
      ].sort());
      expect(await readdir(outside)).toEqual([]);
      await expect(lstat(path.join(tmp, 'escape.txt'))).rejects.toThrow(/ENOENT/);
    });
  });

  it.skipIf(!mtools)('picks up changes an independent FAT driver (mtools) made in place', async () => {
    await withTempDir(async (tmp) => {
      const folder = path.join(tmp, 'f');
      await files(folder, { 'keep.txt': 'keep', 'gone.txt': 'gone', 'edit.txt': 'old', 'docs/readme.md': 'docs' });
      const built = await buildFolderImage({ folder, cacheDir: tmp, imageName: 'm.img' });
      const img = built.imagePath;
      const payload = path.join(tmp, 'payload.bin');
      await writeFile(payload, Buffer.alloc(70_000, 0x5a));
      await writeFile(path.join(tmp, 'edit.txt'), 'edited by the guest');
      mtoolsRun('mdel', ['-i', img, '::/gone.txt']);
      mtoolsRun('mmd', ['-i', img, '::/New Folder']);
      mtoolsRun(mtools!.mcopy, ['-i', img, payload, '::/New Folder/payload with long name.bin']);
      mtoolsRun(mtools!.mcopy, ['-o', '-i', img, path.join(tmp, 'edit.txt'), '::/edit.txt']);
      const set = await computeSyncChanges(built.manifest);
      expect(summary(set.changes)).toEqual([
        'directory-created New Folder',
        'file-created New Folder/payload with long name.bin',
        'file-changed edit.txt',
        'file-deleted gone.txt',
      ]);
      const result = await applySync(set, { folder });
      expect(result.applied).toHaveLength(4);
      expect(await readFile(path.join(folder, 'edit.txt'), 'utf8')).toBe('edited by the guest');
      expect((await readFile(path.join(folder, 'New Folder/payload with long name.bin'))).equals(Buffer.alloc(70_000, 0x5a))).toBe(true);
      await expect(lstat(path.join(folder, 'gone.txt'))).rejects.toThrow(/ENOENT/);
    });
  });

  it('cannot be redirected outside the folder by a folder swapped for a symbolic link during the sync', async () => {
    await withTempDir(async (tmp) => {
      const { folder, set } = await buildPair(tmp, { 'sub/keep.txt': 'keep', 'sub/edit.txt': 'old', 'other/x.txt': 'x' }, async (v2) => {
        await writeFile(path.join(v2, 'sub/new.txt'), 'payload');
        await writeFile(path.join(v2, 'sub/edit.txt'), 'new contents');
        await writeFile(path.join(v2, 'other/late.txt'), 'late');
      });
      expect(summary(set.changes)).toEqual(['file-created other/late.txt', 'file-created sub/new.txt', 'file-changed sub/edit.txt']);
      const outside = path.join(tmp, 'outside');
      await mkdir(outside);
      await writeFile(path.join(outside, 'edit.txt'), 'victim');
      const swap = async (name: string): Promise<void> => {
        await rename(path.join(folder, name), path.join(folder, `${name}-moved`));
        await symlink(outside, path.join(folder, name));
      };
      const result = await applySync(set, {
        folder,
        // The worst moment: after the checks of 'sub/new.txt', before anything is written.
        beforeChange: async (change) => {
          if (change.path === 'sub/new.txt') await swap('sub');
        },
      });
      expect(await readdir(outside)).toEqual(['edit.txt']);
      expect(await readFile(path.join(outside, 'edit.txt'), 'utf8')).toBe('victim');
      // The write went to the folder that was checked, now under its new name, inside the folder.
      expect(await readFile(path.join(folder, 'sub-moved/new.txt'), 'utf8')).toBe('payload');
      // Changes after the swap do not walk through the link.
      expect(result.refused.map((r) => `${r.change.path} -> ${r.reason}`)).toEqual([
        `sub/edit.txt -> the path goes through the symbolic link ${path.join(folder, 'sub')}`,
      ]);
      expect(result.applied.map((c) => c.path)).toEqual(['other/late.txt', 'sub/new.txt']);
    });
  });

  it('syncs 255-byte names in deep folders', async () => {
    await withTempDir(async (tmp) => {
      const level = (i: number): string => `${String(i).padStart(2, '0')}-${'d'.repeat(197)}`;
      const deep = Array.from({ length: 12 }, (_, i) => level(i)).join('/');
      const longName = `${'n'.repeat(251)}.txt`;
      expect(Buffer.byteLength(longName)).toBe(255);
      const { folder, set } = await buildPair(tmp, { [`${deep}/${longName}`]: 'v1', [`${deep}/short.txt`]: 's' }, async (v2) => {
        await writeFile(path.join(v2, deep, longName), 'changed by the guest');
        await writeFile(path.join(v2, deep, `${'m'.repeat(251)}.txt`), 'created by the guest');
      });
      expect(summary(set.changes)).toEqual([`file-created ${deep}/${'m'.repeat(251)}.txt`, `file-changed ${deep}/${longName}`]);
      const result = await applySync(set, { folder });
      expect(result.failed).toEqual([]);
      expect(result.applied).toHaveLength(2);
      expect(await readFile(path.join(folder, deep, longName), 'utf8')).toBe('changed by the guest');
      expect(await readFile(path.join(folder, deep, `${'m'.repeat(251)}.txt`), 'utf8')).toBe('created by the guest');
    });
  });
});
