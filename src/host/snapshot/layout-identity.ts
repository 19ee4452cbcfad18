/**
 * Which layout a snapshot is of: every file the machine was built from (layout.json, the root's images,
 * the zone JSON files and the images they name, virtio_cfg.json and the disk images or folders it
 * serves), each with its size and SHA-256, and one hash over all of them. A restore compares the list
 * with the layout as it is now and names the first file that differs, so "changed since the snapshot"
 * is never a silent mismatch of RAM and images.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { LoadedLayout } from '../layout-loader';
import { zoneImageFiles } from '../layout-loader';
import type { ZoneFile } from '../zone-loader';
import { SnapshotError } from './snapshot-file';

export interface IdentityFile {
  /** What the file is to the layout ("layout.json", "root.image", "zones[0] kernel_filepath"). */
  readonly role: string;
  /** Path relative to the layout folder (slashes). */
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
}

export interface LayoutIdentity {
  readonly name: string;
  readonly folder: string;
  readonly board: string;
  readonly arch: string;
  readonly hash: string;
  readonly files: readonly IdentityFile[];
}

async function fileHash(file: string): Promise<{ size: number; sha256: string }> {
  const info = await stat(file);
  const hash = createHash('sha256');
  await new Promise<void>((resolve, reject) => {
    createReadStream(file).on('data', (chunk) => hash.update(chunk)).on('end', () => resolve()).on('error', reject);
  });
  return { size: info.size, sha256: hash.digest('hex') };
}

/** The files of a loaded layout (with its parsed zone files) and their hashes. */
export async function layoutIdentity(loaded: LoadedLayout, zones: readonly ZoneFile[], extra: readonly { role: string; path: string }[] = []): Promise<LayoutIdentity> {
  const wanted: { role: string; path: string }[] = [{ role: 'layout', path: loaded.file }, { role: 'root.image', path: loaded.images.kernel }];
  if (loaded.images.initrd) wanted.push({ role: 'root.initrd', path: loaded.images.initrd });
  if (loaded.images.dtb) wanted.push({ role: 'root.dtb', path: loaded.images.dtb });
  for (const [i, zone] of zones.entries()) {
    wanted.push({ role: `zones[${i}]`, path: zone.file });
    const generated = loaded.zoneFiles.find((z) => path.resolve(z.path) === path.resolve(zone.file))?.generateDtb === true;
    const { images } = await zoneImageFiles(zone.file, zone.config, { generatedDtb: generated });
    for (const image of images) wanted.push({ role: `zones[${i}] ${image.field}`, path: image.path });
  }
  if (loaded.virtioFile) wanted.push({ role: 'virtio', path: loaded.virtioFile });
  wanted.push(...extra);
  const base = { name: loaded.layout.name, folder: loaded.folder, board: loaded.board.name, arch: loaded.board.arch, hash: '', files: [] };
  return withFiles(base, wanted);
}

/**
 * The identity with more files hashed in (a save hashes the disk images the guest may write while
 * the guest stands still, the rest before it pauses).
 */
export async function withFiles(identity: LayoutIdentity, wanted: readonly { role: string; path: string }[]): Promise<LayoutIdentity> {
  const files: IdentityFile[] = [...identity.files];
  const seen = new Set(files.map((f) => path.resolve(identity.folder, f.path)));
  for (const entry of wanted) {
    const full = path.resolve(entry.path);
    if (seen.has(full)) continue;
    seen.add(full);
    const { size, sha256 } = await fileHash(full).catch((error: NodeJS.ErrnoException) => {
      throw new SnapshotError(`${full} (${entry.role}): cannot read it to identify the layout (${error.code ?? error.message})`);
    });
    files.push({ role: entry.role, path: path.relative(identity.folder, full).split(path.sep).join('/'), size, sha256 });
  }
  const all = createHash('sha256');
  for (const f of files) all.update(`${f.role}\0${f.path}\0${f.size}\0${f.sha256}\n`);
  return { ...identity, hash: all.digest('hex'), files };
}

/** Why a snapshot's layout is not this one (undefined: the same), naming the first difference. */
export function identityDifference(saved: LayoutIdentity, current: LayoutIdentity): string | undefined {
  if (saved.board !== current.board) return `it is of board ${saved.board}, this layout's board is ${current.board}`;
  if (saved.hash === current.hash) return undefined;
  if (saved.name !== current.name) return `it is of layout '${saved.name}', this is layout '${current.name}'`;
  for (const file of saved.files) {
    const now = current.files.find((f) => f.role === file.role);
    if (!now) return `it was saved with ${file.role} ${file.path}, which this layout does not have`;
    if (now.path !== file.path) return `${file.role} was ${file.path}, it is ${now.path} now`;
    if (now.size !== file.size || now.sha256 !== file.sha256) {
      return `${file.role} ${file.path} changed since the snapshot (${file.size} bytes, sha256 ${file.sha256.slice(0, 12)}; now ${now.size} bytes, sha256 ${now.sha256.slice(0, 12)})`;
    }
  }
  const added = current.files.find((f) => !saved.files.some((s) => s.role === f.role));
  if (added) return `this layout has ${added.role} ${added.path}, which the snapshot's layout did not`;
  return `its layout '${saved.name}' is not this layout '${current.name}'`;
}
