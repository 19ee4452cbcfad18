/**
 * The snapshot commands as the workbench and the headless runner answer them (snapshot.save,
 * snapshot.restore, snapshot.list): where files go (the layout folder's snapshots/ unless a path is
 * given; always a .hvsnap file, so that a command cannot overwrite some other file), and the figures
 * a user sees. The machine work is in machine-snapshot.ts.
 */
import { mkdir, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { SnapshotFileInfo, SnapshotSaved } from '../../shared/protocol/snapshot';
import type { MachineHost } from '../machine-host';
import { SnapshotError } from './snapshot-file';

export const SNAPSHOT_EXTENSION = '.hvsnap';
const FOLDER = 'snapshots';

/** The file a save writes or a restore reads: relative paths from the layout folder, .hvsnap only. */
export function snapshotPath(layoutFolder: string, file: string | undefined, layoutName: string): string {
  if (file === undefined || file === '') {
    const stamp = new Date().toISOString().replace(/[:.]/g, '-').replace(/Z$/, '');
    return path.join(layoutFolder, FOLDER, `${layoutName.replace(/[^A-Za-z0-9._-]/g, '_')}-${stamp}${SNAPSHOT_EXTENSION}`);
  }
  const resolved = path.resolve(layoutFolder, file);
  if (path.extname(resolved) !== SNAPSHOT_EXTENSION) throw new SnapshotError(`${resolved}: a snapshot file's name ends in ${SNAPSHOT_EXTENSION}`);
  return resolved;
}

/** Saves the host's machine; the file's folder is created when missing. */
export async function saveSnapshotCommand(host: MachineHost, layoutFolder: string, file: string | undefined): Promise<SnapshotSaved> {
  const target = snapshotPath(layoutFolder, file, host.loaded.layout.name);
  await mkdir(path.dirname(target), { recursive: true });
  const figures = await host.saveSnapshot(target);
  const relative = path.relative(layoutFolder, target);
  return { ...figures, ...(relative.startsWith('..') || path.isAbsolute(relative) ? {} : { relative: relative.split(path.sep).join('/') }) };
}

/** The .hvsnap files in the layout folder's snapshots/, newest first. */
export async function listSnapshots(layoutFolder: string): Promise<SnapshotFileInfo[]> {
  const dir = path.join(layoutFolder, FOLDER);
  const names = await readdir(dir).catch(() => [] as string[]);
  const files: SnapshotFileInfo[] = [];
  for (const name of names.filter((n) => n.endsWith(SNAPSHOT_EXTENSION))) {
    const info = await stat(path.join(dir, name)).catch(() => undefined);
    if (info?.isFile()) files.push({ file: `${FOLDER}/${name}`, bytes: info.size, modified: info.mtime.toISOString() });
  }
  return files.sort((a, b) => b.modified.localeCompare(a.modified));
}
