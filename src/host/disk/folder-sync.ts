/**
 * Explicit write-back of a guest's changes to the host folder an image was built from.
 *
 * `computeSyncChanges` reads the image after the guest ran and compares it with the build manifest:
 * it only reads (the image and, to flag conflicts, the host folder), so the change list can be shown
 * to the user first. `applySync` is the only thing that changes the host. It writes each file to a
 * temporary file in the same folder and renames it over the target (atomic per file), creates
 * folders first and deletes last, and never deletes a folder that still holds anything.
 *
 * Safety: every path is checked again at apply time, because a change list may come back from the UI
 * and the image is guest-controlled. Refused: '..', absolute paths, backslashes, names FAT cannot hold,
 * paths through a symbolic link on the host, targets that are links or special files, and image
 * entries that are neither files nor folders. There is no check-then-use: each folder on the way is
 * opened once, without following links, and held (held-directory.ts); the file is written, renamed or
 * deleted inside the held folder, so a folder swapped for a link to elsewhere meanwhile changes nothing. A host file that changed since the image was built is
 * a conflict and is left alone unless `overwriteConflicts` is set. Damage in the image (bad chains,
 * loops) aborts the comparison instead of reading as deletions.
 */
import { createHash, randomBytes } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { lstat, mkdir, open, realpath, rename, rm, rmdir, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { fatNameProblem, foldName } from '../../core/disk/fat32-format';
import type { Fat32Reader, FatDirectoryNode, FatFileNode } from '../../core/disk/fat32-reader';
import type { FolderImageManifest } from './folder-image';
import { openImageFile } from './image-file';
import { HeldDirectory, NotAFolderError, withFolder } from './held-directory';

/** What the host file looked like when the image was built. */
export interface HostExpectation {
  readonly size: number;
  readonly mtimeMs: number;
  readonly sha256: string;
}

export type FolderChange = (
  | { readonly kind: 'directory-created'; readonly path: string; readonly mtimeMs: number }
  | { readonly kind: 'file-created'; readonly path: string; readonly size: number; readonly mtimeMs: number; readonly firstCluster: number }
  | {
      readonly kind: 'file-changed';
      readonly path: string;
      readonly size: number;
      readonly mtimeMs: number;
      readonly firstCluster: number;
      readonly previous: HostExpectation;
    }
  | { readonly kind: 'file-deleted'; readonly path: string; readonly previous: HostExpectation }
  | { readonly kind: 'directory-deleted'; readonly path: string }
) & {
  /** Set when the host side changed too since the image was built (shown to the user; apply skips it by default). */
  readonly conflict?: string;
};

export interface SyncItemNote {
  readonly path: string;
  readonly reason: string;
}

export interface SyncChangeSet {
  readonly folder: string;
  readonly imagePath: string;
  /** The image's size and mtime when compared; apply refuses to run if the image changed since. */
  readonly imageStamp: { readonly size: number; readonly mtimeMs: number };
  /** In apply order: folders created, files created, files changed, files deleted, folders deleted. */
  readonly changes: readonly FolderChange[];
  /** Things in the image that will never be written to the host, with the reason. */
  readonly refused: readonly SyncItemNote[];
}

export interface ApplySyncOptions {
  readonly folder: string;
  readonly overwriteConflicts?: boolean;
  /**
   * Runs when a change's folder is held and checked, just before the host is changed (a seam for tests
   * that swap folders for links at the worst moment).
   */
  readonly beforeChange?: (change: FolderChange) => void | Promise<void>;
}

export interface ApplySyncResult {
  readonly applied: FolderChange[];
  readonly refused: { readonly change: FolderChange; readonly reason: string }[];
  readonly conflicts: { readonly change: FolderChange; readonly reason: string }[];
  readonly failed: { readonly change: FolderChange; readonly error: string }[];
}

class SyncRefusal extends Error {}
class SyncConflict extends Error {}

const KIND_ORDER: Record<FolderChange['kind'], number> = {
  'directory-created': 0,
  'file-created': 1,
  'file-changed': 2,
  'file-deleted': 3,
  'directory-deleted': 4,
};

/** True when the change creates something at or under a path the same set deletes (a type change). */
function replacesDeleted(change: FolderChange, deleted: ReadonlySet<string>): boolean {
  if (change.kind.endsWith('-deleted')) return false;
  const parts = change.path.split('/');
  return parts.some((_, i) => deleted.has(parts.slice(0, i + 1).join('/')));
}

function depth(p: string): number {
  return p.split('/').length;
}

function compareChanges(a: FolderChange, b: FolderChange): number {
  const byKind = KIND_ORDER[a.kind] - KIND_ORDER[b.kind];
  if (byKind !== 0) return byKind;
  // Folders are deleted deepest first; everything else in path order, which puts parents first.
  if (a.kind === 'directory-deleted') return depth(b.path) - depth(a.path) || (a.path < b.path ? -1 : 1);
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

/** Why one path component from the image must not reach the host, or undefined. */
function componentProblem(name: string): string | undefined {
  if (name === '..' || name === '.') return `the name '${name}' would leave its folder`;
  if (name.includes('/') || name.includes('\\')) return 'the name contains a path separator';
  return fatNameProblem(name);
}

async function hashImageFile(reader: Fat32Reader, file: FatFileNode): Promise<string> {
  const hash = createHash('sha256');
  for await (const piece of reader.readFile(file.firstCluster, file.size, file.path)) hash.update(piece);
  return hash.digest('hex');
}

async function hashHostFile(hostPath: string): Promise<string> {
  const hash = createHash('sha256');
  const handle = await open(hostPath, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    for await (const chunk of handle.createReadStream({ autoClose: false })) hash.update(chunk as Buffer);
  } finally {
    await handle.close();
  }
  return hash.digest('hex');
}

async function lstatOrUndefined(target: string): Promise<Stats | undefined> {
  try {
    return await lstat(target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function matchesExpectation(target: string, info: Stats, expected: HostExpectation): Promise<boolean> {
  if (!info.isFile() || info.size !== expected.size) return false;
  // Copies and some file systems round mtimes to the millisecond; only a real difference costs a hash.
  if (Math.abs(info.mtimeMs - expected.mtimeMs) < 1) return true;
  return (await hashHostFile(target)) === expected.sha256;
}

/**
 * Splits a change's slash-separated path into checked names, refusing anything that could leave the
 * folder: '..', absolute paths, separators and names FAT cannot hold. Links are refused while walking.
 */
function checkedParts(relative: string): string[] {
  if (typeof relative !== 'string' || relative === '') throw new SyncRefusal('the path is empty');
  if (relative.startsWith('/') || path.isAbsolute(relative) || /^[A-Za-z]:/.test(relative)) throw new SyncRefusal('the path is absolute');
  const parts = relative.split('/');
  for (const part of parts) {
    const problem = componentProblem(part);
    if (problem) throw new SyncRefusal(problem);
  }
  return parts;
}

/** Runs `use` with the held folder that contains the change's entry, and the entry's name. */
async function inParentFolder<T>(root: HeldDirectory, relative: string, use: (dir: HeldDirectory, name: string) => Promise<T>): Promise<T> {
  const parts = checkedParts(relative);
  try {
    return await withFolder(root, parts.slice(0, -1), (dir) => use(dir, parts.at(-1)!));
  } catch (error) {
    if (error instanceof NotAFolderError) throw new SyncRefusal(error.message);
    throw error;
  }
}

function noteConflict(info: Stats | undefined, change: FolderChange, matches: boolean | undefined): string | undefined {
  switch (change.kind) {
    case 'directory-created':
      return info && !info.isDirectory() ? 'something that is not a folder exists at this path on the host' : undefined;
    case 'file-created':
      return info ? 'the host has an entry at this path that was not there when the image was built' : undefined;
    case 'file-changed':
    case 'file-deleted':
      if (info === undefined) return change.kind === 'file-changed' ? 'the host file was deleted since the image was built' : undefined;
      return matches ? undefined : 'the host file changed since the image was built';
    case 'directory-deleted':
      return undefined;
  }
}

async function hostConflict(root: HeldDirectory, change: FolderChange): Promise<string | undefined> {
  try {
    return await inParentFolder(root, change.path, async (dir, name) => {
      const target = dir.entry(name);
      const info = await lstatOrUndefined(target);
      const matches = info !== undefined && 'previous' in change ? await matchesExpectation(target, info, change.previous) : undefined;
      return noteConflict(info, change, matches);
    });
  } catch (error) {
    // A missing parent folder: the entry is not there either.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return noteConflict(undefined, change, undefined);
    return undefined; // apply refuses it; the preview does not look through it
  }
}

/** Compares the image after the guest ran with the manifest. Reads only; changes nothing. */
export async function computeSyncChanges(manifest: FolderImageManifest, options: { imagePath?: string } = {}): Promise<SyncChangeSet> {
  const imagePath = options.imagePath ?? manifest.imagePath;
  const imageInfo = await stat(imagePath);
  const image = await openImageFile(imagePath);
  try {
    const tree = await image.reader.readTree();
    const refused: SyncItemNote[] = [];
    const refusedPrefixes: string[] = [];
    const imageFiles = new Map<string, FatFileNode>();
    const imageDirs = new Set<string>();
    const dirTimes = new Map<string, number>();
    const visit = (dir: FatDirectoryNode): void => {
      const seen = new Set<string>();
      for (const child of dir.children) {
        const problem =
          componentProblem(child.name) ??
          (seen.has(foldName(child.name)) ? 'the name appears twice in its folder' : undefined) ??
          (child.kind === 'other' ? child.reason : undefined);
        seen.add(foldName(child.name));
        const childPath = dir.path === '' ? child.name : `${dir.path}/${child.name}`;
        if (problem) {
          refused.push({ path: childPath, reason: problem });
          refusedPrefixes.push(childPath);
          continue;
        }
        if (child.kind === 'directory') {
          imageDirs.add(childPath);
          dirTimes.set(childPath, child.mtimeMs);
          visit(child);
        } else if (child.kind === 'file') {
          imageFiles.set(childPath, child);
        }
      }
    };
    visit(tree);
    const underRefused = (p: string): boolean => refusedPrefixes.some((r) => p === r || p.startsWith(`${r}/`));

    const manifestFiles = new Map(manifest.files.map((file) => [file.imagePath, file]));
    const manifestDirs = new Set(manifest.directories.map((dir) => dir.imagePath).filter((p) => p !== ''));
    const changes: FolderChange[] = [];
    for (const dir of imageDirs) {
      if (!manifestDirs.has(dir)) changes.push({ kind: 'directory-created', path: dir, mtimeMs: dirTimes.get(dir)! });
    }
    for (const [filePath, file] of imageFiles) {
      const known = manifestFiles.get(filePath);
      const placed = { path: filePath, size: file.size, mtimeMs: file.mtimeMs, firstCluster: file.firstCluster };
      if (known === undefined) {
        changes.push({ kind: 'file-created', ...placed });
      } else if (file.size !== known.size || (await hashImageFile(image.reader, file)) !== known.sha256) {
        if (known.viaSymlink) refused.push({ path: filePath, reason: 'the host entry is a symbolic link; changes are not written through it' });
        else changes.push({ kind: 'file-changed', ...placed, previous: known });
      }
    }
    for (const [filePath, known] of manifestFiles) {
      if (imageFiles.has(filePath) || underRefused(filePath)) continue;
      if (known.viaSymlink) refused.push({ path: filePath, reason: 'the host entry is a symbolic link; it is not deleted' });
      else changes.push({ kind: 'file-deleted', path: filePath, previous: known });
    }
    for (const dir of manifestDirs) {
      if (!imageDirs.has(dir) && !underRefused(dir)) changes.push({ kind: 'directory-deleted', path: dir });
    }
    const annotated: FolderChange[] = [];
    const deleted = new Set(changes.filter((c) => c.kind.endsWith('-deleted')).map((c) => c.path));
    const root = HeldDirectory.open(manifest.folder);
    try {
      for (const change of changes) {
        // A creation that replaces something this set deletes (file became folder) finds the path free.
        const conflict = replacesDeleted(change, deleted) ? undefined : await hostConflict(root, change);
        annotated.push(conflict === undefined ? change : { ...change, conflict });
      }
    } finally {
      root.close();
    }
    annotated.sort(compareChanges);
    return { folder: manifest.folder, imagePath, imageStamp: { size: imageInfo.size, mtimeMs: imageInfo.mtimeMs }, changes: annotated, refused };
  } finally {
    await image.close();
  }
}

/**
 * Writes a file as a temporary file in the held folder and renames it over `name` there. The
 * temporary name is short, so a 255-byte name still fits. Returns the new file's identity.
 */
async function writeFileAtomically(
  reader: Fat32Reader,
  dir: HeldDirectory,
  name: string,
  change: { path: string; size: number; mtimeMs: number; firstCluster: number },
  mode: number | undefined,
): Promise<string> {
  const tempPath = dir.entry(`.hvwb-sync-${randomBytes(8).toString('hex')}`);
  // O_EXCL|O_NOFOLLOW: fails if anything, a planted symbolic link included, already has the name.
  const handle = await open(tempPath, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
  try {
    let identity: string;
    try {
      let written = 0;
      for await (const piece of reader.readFile(change.firstCluster, change.size, change.path)) {
        await handle.write(piece, 0, piece.length, written);
        written += piece.length;
      }
      await handle.sync();
      if (mode !== undefined) await handle.chmod(mode & 0o7777);
      await handle.utimes(new Date(), new Date(change.mtimeMs));
      const info = await handle.stat();
      identity = `${info.dev}:${info.ino}`;
    } finally {
      await handle.close();
    }
    await rename(tempPath, dir.entry(name));
    return identity;
  } catch (error) {
    await rm(tempPath, { force: true });
    throw error;
  }
}

/**
 * Writes the changes of `changeSet` into `options.folder` (normally the folder the image was built
 * from). Each change succeeds, is refused, is a conflict, or fails on its own; the result lists all.
 */
export async function applySync(changeSet: SyncChangeSet, options: ApplySyncOptions): Promise<ApplySyncResult> {
  const root = await realpath(options.folder);
  const imageInfo = await stat(changeSet.imagePath);
  if (imageInfo.size !== changeSet.imageStamp.size || imageInfo.mtimeMs !== changeSet.imageStamp.mtimeMs) {
    throw new Error(`${changeSet.imagePath} changed after the change list was made; compute the changes again`);
  }
  const result: ApplySyncResult = { applied: [], refused: [], conflicts: [], failed: [] };
  const overwrite = options.overwriteConflicts ?? false;
  // Identities of files written in this run: on a case-insensitive host, 'A.txt' written and 'a.txt'
  // deleted can be the same file, and the deletion must not undo the write.
  const written = new Set<string>();
  const deletedPaths = new Set(changeSet.changes.filter((c) => c.kind.endsWith('-deleted')).map((c) => c.path));
  const ordered = [...changeSet.changes].sort(compareChanges);
  // Deletions go last, except where an entry changes type: the new one needs the old one gone first.
  const replacing = (c: FolderChange): boolean => replacesDeleted(c, deletedPaths);
  const sequence = [
    ...ordered.filter((c) => !c.kind.endsWith('-deleted') && !replacing(c)),
    ...ordered.filter((c) => c.kind.endsWith('-deleted')),
    ...ordered.filter(replacing),
  ];

  const image = await openImageFile(changeSet.imagePath);
  const rootDir = HeldDirectory.open(root);
  try {
    for (const change of sequence) {
      try {
        await inParentFolder(rootDir, change.path, async (dir, name) => {
          const target = dir.entry(name);
          const info = await lstatOrUndefined(target);
          if (info?.isSymbolicLink()) throw new SyncRefusal('the host entry is a symbolic link');
          const matches = info !== undefined && 'previous' in change ? await matchesExpectation(target, info, change.previous) : undefined;
          const conflict = noteConflict(info, change, matches);
          if (conflict !== undefined && !(overwrite && change.kind !== 'directory-created')) throw new SyncConflict(conflict);
          await options.beforeChange?.(change);
          switch (change.kind) {
            case 'directory-created':
              if (info === undefined) {
                await mkdir(target);
                const created = dir.child(name);
                try {
                  created.setModified(change.mtimeMs);
                } finally {
                  created.close();
                }
              }
              break;
            case 'file-created':
            case 'file-changed': {
              if (info !== undefined && !info.isFile()) throw new SyncRefusal('the host entry is not a regular file');
              written.add(await writeFileAtomically(image.reader, dir, name, change, info?.mode));
              break;
            }
            case 'file-deleted':
              if (info === undefined) break;
              if (!info.isFile()) throw new SyncRefusal('the host entry is not a regular file');
              if (written.has(`${info.dev}:${info.ino}`)) throw new SyncRefusal('the host file was just written under another case of its name');
              await unlink(target);
              break;
            case 'directory-deleted':
              if (info === undefined) break;
              if (!info.isDirectory()) throw new SyncRefusal('the host entry is not a folder');
              try {
                await rmdir(target);
              } catch (error) {
                const code = (error as NodeJS.ErrnoException).code;
                if (code === 'ENOTEMPTY' || code === 'EEXIST') throw new Error('the folder still holds entries the image does not know; left in place');
                throw error;
              }
              break;
          }
        });
        result.applied.push(change);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (error instanceof SyncRefusal) result.refused.push({ change, reason: message });
        else if (error instanceof SyncConflict) result.conflicts.push({ change, reason: message });
        else result.failed.push({ change, error: message });
      }
    }
  } finally {
    rootDir.close();
    await image.close();
  }
  return result;
}
