/** Shared helpers for the folder-disk tests: temp folders, in-memory images, fsck and mtools. */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  fat32ImageChunks,
  planFat32Volume,
  type Fat32BuildOptions,
  type FatSourceDirectory,
  type FatSourceEntry,
  type FatSourceFile,
} from '../../../../src/core/disk/fat32-builder';
import { ATTR_LONG_NAME, DIR_ENTRY_BYTES, LFN_UNIT_OFFSETS, SECTOR_BYTES, lfnUnits } from '../../../../src/core/disk/fat32-format';
import { Fat32Reader, type FatDirectoryNode, type FatNode } from '../../../../src/core/disk/fat32-reader';

function findTool(name: string): string | undefined {
  for (const dir of ['/usr/sbin', '/sbin', '/usr/bin', '/bin']) {
    const full = path.join(dir, name);
    if (existsSync(full)) return full;
  }
  return undefined;
}

export const fsckFat = findTool('fsck.fat');
export const mtools = findTool('mdir') && findTool('mcopy') ? { mdir: findTool('mdir')!, mcopy: findTool('mcopy')! } : undefined;
if (!fsckFat) console.warn('fsck.fat not found: image checks with fsck.fat are skipped (apt-get install dosfstools)');
if (!mtools) console.warn('mtools not found: cross-checks with mdir/mcopy are skipped (apt-get install mtools)');

/** Runs `fsck.fat -n -v`; returns its output and exit status (0 = no errors found). */
export function runFsck(imagePath: string): { status: number; output: string } {
  const run = spawnSync(fsckFat!, ['-n', '-v', imagePath], { encoding: 'utf8' });
  return { status: run.status ?? -1, output: `${run.stdout}${run.stderr}` };
}

export function mtoolsRun(tool: string, args: string[]): string {
  return execFileSync(tool, args, { encoding: 'utf8', env: { ...process.env, MTOOLS_SKIP_CHECK: '1', LC_ALL: 'C.UTF-8' } });
}

export async function withTempDir<T>(body: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(tmpdir(), 'hvwb-disk-'));
  try {
    return await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export const T2021 = Date.UTC(2021, 2, 4, 5, 6, 8, 500);

export function memFile(name: string, bytes: Uint8Array | string, mtimeMs = T2021): FatSourceFile {
  const data = typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes;
  return {
    kind: 'file',
    name,
    size: data.length,
    mtimeMs,
    async *content() {
      // Odd-sized pieces, to check that offsets inside a file add up.
      for (let at = 0; at < data.length; at += 7777) yield data.subarray(at, at + 7777);
    },
  };
}

export function memDir(name: string, entries: FatSourceEntry[], mtimeMs = T2021): FatSourceDirectory {
  return { kind: 'directory', name, mtimeMs, entries };
}

/** Builds a whole image in memory (fine for tests; real use streams to a file). */
export async function buildInMemory(root: FatSourceDirectory, options: Fat32BuildOptions = {}): Promise<Uint8Array> {
  const plan = planFat32Volume(root, options);
  const image = new Uint8Array(plan.totalBytes);
  for await (const chunk of fat32ImageChunks(plan)) image.set(chunk.data, chunk.offset);
  return image;
}

export function memReader(image: Uint8Array): Promise<Fat32Reader> {
  return Fat32Reader.open((lba, count) => image.subarray(lba * SECTOR_BYTES, (lba + count) * SECTOR_BYTES));
}

/** Path -> node for every entry under `root`. */
export function flatten(root: FatDirectoryNode): Map<string, FatNode> {
  const out = new Map<string, FatNode>();
  const visit = (dir: FatDirectoryNode): void => {
    for (const child of dir.children) {
      out.set(child.path, child);
      if (child.kind === 'directory') visit(child);
    }
  };
  visit(root);
  return out;
}

/**
 * Rewrites the long name of a one-LFN-entry name in a raw image, keeping its checksum, as a hostile
 * or buggy guest could. Both names must fit in 13 UTF-16 units. Returns the byte offset changed.
 */
export function patchLongName(image: Uint8Array, oldName: string, newName: string): number {
  const oldUnits = lfnUnits(oldName);
  const newUnits = lfnUnits(newName);
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  for (let at = 0; at + DIR_ENTRY_BYTES <= image.length; at += DIR_ENTRY_BYTES) {
    if (image[at + 11] !== ATTR_LONG_NAME || image[at] !== 0x41) continue;
    if (!LFN_UNIT_OFFSETS.every((offset, i) => view.getUint16(at + offset, true) === oldUnits[i])) continue;
    LFN_UNIT_OFFSETS.forEach((offset, i) => view.setUint16(at + offset, newUnits[i]!, true));
    return at;
  }
  throw new Error(`no LFN entry for '${oldName}'`);
}
