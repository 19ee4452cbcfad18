/**
 * Turns a host folder into a FAT32 disk image in a cache directory, plus a manifest recording where
 * every file went and its SHA-256, so that changes made by the guest can be found later
 * (folder-sync.ts).
 *
 * What the walk does with things FAT cannot or should not hold:
 * - names FAT forbids, case-insensitive collisions, files over 4 GiB - 1, too deep nesting, content
 *   beyond the volume: the build fails with a FatImageError naming the host path (the user must fix
 *   the folder; silently leaving a file out would make a later sync look like a deletion);
 * - symbolic links pointing outside the folder, broken links, links to directories (which could
 *   loop), special files (FIFOs, sockets, devices), unreadable files and folders, and names that are
 *   not valid UTF-8: left out and listed in `skipped` with the reason, or an error with `strict`.
 *   A link to a regular file inside the folder is copied as a file; sync never writes through it.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { access, constants, lstat, open, readdir, readFile, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ensurePrivateDirectory } from '../private-directory';
import { FatImageError, fat32ImageChunks, planFat32Volume, type BuildProgress, type FatSourceDirectory, type FatSourceEntry } from '../../core/disk/fat32-builder';

export interface SkippedItem {
  readonly hostPath: string;
  readonly reason: string;
}

export interface ManifestFile {
  readonly hostPath: string;
  /** Slash-separated path inside the volume. */
  readonly imagePath: string;
  /** First cluster of the file's contiguous run (0 for an empty file). */
  readonly firstCluster: number;
  readonly size: number;
  /** Host modification time when the image was built, ms since the epoch. */
  readonly mtimeMs: number;
  readonly sha256: string;
  /** The host entry is a symbolic link to a file inside the folder; sync does not write it back. */
  readonly viaSymlink?: boolean;
}

export interface ManifestDirectory {
  readonly hostPath: string;
  readonly imagePath: string;
  readonly firstCluster: number;
  readonly mtimeMs: number;
}

export interface FolderImageManifest {
  readonly version: 1;
  /** Real path of the folder the image was built from. */
  readonly folder: string;
  readonly imagePath: string;
  readonly imageBytes: number;
  readonly clusterBytes: number;
  readonly builtAtMs: number;
  readonly directories: readonly ManifestDirectory[];
  readonly files: readonly ManifestFile[];
  readonly skipped: readonly SkippedItem[];
}

export interface BuildFolderImageOptions {
  readonly folder: string;
  readonly cacheDir: string;
  /** File name of the image inside cacheDir; by default derived from the folder's path. */
  readonly imageName?: string;
  readonly totalBytes?: number;
  readonly volumeLabel?: string;
  readonly maxDepth?: number;
  /** Fail instead of listing skipped items. */
  readonly strict?: boolean;
  readonly onProgress?: (progress: BuildProgress) => void;
}

export interface FolderImage {
  readonly imagePath: string;
  readonly manifestPath: string;
  readonly manifest: FolderImageManifest;
}

export { FatImageError };

const READ_CHUNK_BYTES = 1 << 20;

function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? String(error);
}

interface ScanResult {
  readonly root: FatSourceDirectory;
  readonly skipped: SkippedItem[];
  readonly hashes: Map<string, Hash>;
  readonly symlinks: Set<string>;
}

function hashedContent(hostPath: string, hashes: Map<string, Hash>): () => AsyncIterable<Uint8Array> {
  return async function* () {
    const hash = createHash('sha256');
    hashes.set(hostPath, hash);
    for await (const chunk of createReadStream(hostPath, { highWaterMark: READ_CHUNK_BYTES })) {
      hash.update(chunk as Buffer);
      yield chunk as Buffer;
    }
  };
}

/** Walks `folder` into the builder's source tree; nothing is read until the image is written. */
export async function scanHostFolder(folder: string, strict = false): Promise<ScanResult> {
  const root = await realpath(folder);
  const rootStat = await stat(root);
  if (!rootStat.isDirectory()) throw new FatImageError(`${folder}: not a folder`, folder);
  const skipped: SkippedItem[] = [];
  const hashes = new Map<string, Hash>();
  const symlinks = new Set<string>();
  const skip = (hostPath: string, reason: string): void => {
    if (strict) throw new FatImageError(`${hostPath}: ${reason}`, hostPath);
    skipped.push({ hostPath, reason });
  };

  const walk = async (dir: string): Promise<FatSourceEntry[]> => {
    let rawNames: Buffer[];
    try {
      rawNames = await readdir(dir, { encoding: 'buffer' });
    } catch (error) {
      skip(dir, `the folder cannot be read (${errorCode(error)})`);
      return [];
    }
    const names = rawNames
      .filter((raw) => {
        const name = raw.toString('utf8');
        if (Buffer.from(name, 'utf8').equals(raw)) return true;
        skip(path.join(dir, name), 'the name is not valid UTF-8, so it has no FAT long name');
        return false;
      })
      .map((raw) => raw.toString('utf8'))
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const entries: FatSourceEntry[] = [];
    for (const name of names) {
      const hostPath = path.join(dir, name);
      let info = await lstat(hostPath);
      if (info.isSymbolicLink()) {
        let target: string;
        try {
          target = await realpath(hostPath);
        } catch {
          skip(hostPath, 'a broken symbolic link');
          continue;
        }
        if (!isInside(root, target)) {
          skip(hostPath, `a symbolic link pointing outside the folder (to ${target})`);
          continue;
        }
        info = await stat(hostPath);
        if (!info.isFile()) {
          skip(hostPath, info.isDirectory() ? 'a symbolic link to a folder (not followed: links can loop)' : 'a symbolic link to a special file');
          continue;
        }
        symlinks.add(hostPath);
      }
      const times = { mtimeMs: info.mtimeMs, birthtimeMs: info.birthtimeMs || info.mtimeMs, atimeMs: info.atimeMs, hostPath };
      if (info.isDirectory()) {
        entries.push({ kind: 'directory', name, ...times, entries: await walk(hostPath) });
      } else if (info.isFile()) {
        try {
          await access(hostPath, constants.R_OK);
        } catch (error) {
          skip(hostPath, `the file cannot be read (${errorCode(error)})`);
          continue;
        }
        entries.push({ kind: 'file', name, size: info.size, ...times, content: hashedContent(hostPath, hashes) });
      } else {
        skip(hostPath, info.isFIFO() ? 'a FIFO' : info.isSocket() ? 'a socket' : 'a device or other special file');
      }
    }
    return entries;
  };

  const tree: FatSourceDirectory = { kind: 'directory', name: '', mtimeMs: rootStat.mtimeMs, hostPath: root, entries: await walk(root) };
  return { root: tree, skipped, hashes, symlinks };
}

/** The default image name: readable folder name plus a hash of its real path, so two folders never share one. */
function defaultImageName(folder: string): string {
  const base = path.basename(folder).replace(/[^A-Za-z0-9._-]/g, '_') || 'root';
  return `${base}-${createHash('sha256').update(folder).digest('hex').slice(0, 12)}.img`;
}

async function writeAtomically(target: string, write: (tempPath: string) => Promise<void>): Promise<void> {
  const tempPath = `${target}.partial-${process.pid}-${Date.now().toString(36)}`;
  try {
    await write(tempPath);
    await rename(tempPath, target);
  } catch (error) {
    await rm(tempPath, { force: true });
    throw error;
  }
}

/**
 * Builds the image of `folder` into `cacheDir` (written to a temporary name and renamed, so a failed
 * build never leaves a half image in place) and saves the manifest next to it as `<image>.manifest.json`.
 */
export async function buildFolderImage(options: BuildFolderImageOptions): Promise<FolderImage> {
  const scan = await scanHostFolder(options.folder, options.strict ?? false);
  const folder = scan.root.hostPath!;
  const plan = planFat32Volume(scan.root, {
    ...(options.totalBytes === undefined ? {} : { totalBytes: options.totalBytes }),
    ...(options.volumeLabel === undefined ? {} : { volumeLabel: options.volumeLabel }),
    ...(options.maxDepth === undefined ? {} : { maxDepth: options.maxDepth }),
  });
  // Images hold the user's files: an owner-only folder, owner-only files.
  ensurePrivateDirectory(options.cacheDir);
  const imagePath = path.join(path.resolve(options.cacheDir), options.imageName ?? defaultImageName(folder));
  await writeAtomically(imagePath, async (tempPath) => {
    const handle = await open(tempPath, 'w', 0o600);
    try {
      const progress = options.onProgress === undefined ? {} : { onProgress: options.onProgress };
      for await (const chunk of fat32ImageChunks(plan, progress)) {
        await handle.write(chunk.data, 0, chunk.data.length, chunk.offset);
      }
      // Extending with truncate leaves the free space as a hole: a 64 MiB image of a small folder takes little disk.
      await handle.truncate(plan.totalBytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
  });

  const emptyHash = createHash('sha256').digest('hex');
  const manifest: FolderImageManifest = {
    version: 1,
    folder,
    imagePath,
    imageBytes: plan.totalBytes,
    clusterBytes: plan.geometry.clusterBytes,
    builtAtMs: Date.now(),
    directories: plan.directories.map((dir) => ({
      hostPath: dir.hostPath!,
      imagePath: dir.imagePath,
      firstCluster: dir.firstCluster,
      mtimeMs: dir.source.mtimeMs,
    })),
    files: plan.files.map((file) => ({
      hostPath: file.hostPath!,
      imagePath: file.imagePath,
      firstCluster: file.firstCluster,
      size: file.source.size,
      mtimeMs: file.source.mtimeMs,
      sha256: scan.hashes.get(file.hostPath!)?.digest('hex') ?? emptyHash,
      ...(scan.symlinks.has(file.hostPath!) ? { viaSymlink: true } : {}),
    })),
    skipped: scan.skipped,
  };
  const manifestPath = `${imagePath}.manifest.json`;
  await writeAtomically(manifestPath, (tempPath) => writeFile(tempPath, JSON.stringify(manifest, null, 1), { mode: 0o600 }));
  return { imagePath, manifestPath, manifest };
}

export async function readManifest(manifestPath: string): Promise<FolderImageManifest> {
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as FolderImageManifest;
  if (manifest.version !== 1 || !Array.isArray(manifest.files) || !Array.isArray(manifest.directories)) {
    throw new Error(`${manifestPath}: not a folder-image manifest (version 1)`);
  }
  return manifest;
}
