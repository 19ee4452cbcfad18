/**
 * The layout's configuration files for the zone editor: read them as text (with the board they are
 * checked against) and write them back atomically, only inside the layout folder. The editor works on
 * text so that a file that does not parse is shown, not lost.
 */
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readFile, realpath, rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { withRamSize } from '../boards/index';
import type { Board } from '../shared/model/board';
import { LAYOUT_LIMITS } from '../shared/model/layout';
import type { CommandParams } from '../shared/protocol/index';
import type { LayoutFileText, LayoutFilesResult, LayoutSaveFile } from '../shared/protocol/layout-files';
import { parseConfigNumber } from '../shared/validate/json-number';
import { isJsonObject, jsonErrorMessage, readJson } from '../shared/validate/json-reader';
import { boardOfLayout } from './layout-loader';

export class LayoutFileError extends Error {}

const LAYOUT_FILE = 'layout.json';

/** The folder of a layout given as its folder or its layout.json. */
async function layoutFolder(location: string): Promise<string> {
  const resolved = path.resolve(location);
  const info = await stat(resolved).catch(() => undefined);
  if (!info) throw new LayoutFileError(`${location}: no such layout folder`);
  return info.isDirectory() ? resolved : path.dirname(resolved);
}

const toSlashes = (file: string): string => file.split(path.sep).join('/');

/**
 * Reads layout.json, the zone JSON files it lists and its virtio_cfg.json. Only what the editor needs
 * to find the files is taken from layout.json here (board, zones[].config, virtio); the editor reports
 * the rest of its problems itself.
 */
export async function readLayoutFiles(location: string): Promise<LayoutFilesResult> {
  const folder = await layoutFolder(location);
  const layoutPath = path.join(folder, LAYOUT_FILE);
  const layoutText = await readFile(layoutPath, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new LayoutFileError(`${layoutPath}: cannot read the layout (${error.code ?? error.message})`);
  });
  // The same reader as validation's, so a hostile layout.json costs one message here too.
  const read = readJson(layoutText);
  if (!read.ok) throw new LayoutFileError(`${layoutPath}: ${jsonErrorMessage(read.error)}`);
  if (!isJsonObject(read.value)) throw new LayoutFileError(`${layoutPath}: the layout must be a JSON object`);
  const doc = read.value;
  let board: Board;
  try {
    board = boardOfLayout(typeof doc.board === 'string' ? doc.board : '', layoutPath);
  } catch (error) {
    throw new LayoutFileError((error as Error).message);
  }
  const ramSize = doc.ramSize === undefined ? undefined : parseConfigNumber(doc.ramSize);
  // A size over the limit is the editor's finding on ramSize; the board keeps its own RAM meanwhile.
  if (ramSize && ramSize <= LAYOUT_LIMITS.ramSize) board = withRamSize(board, ramSize);

  const files: LayoutFileText[] = [{ path: LAYOUT_FILE, kind: 'layout', text: layoutText }];
  const problems: string[] = [];
  const readListed = async (relative: unknown, kind: 'zone' | 'virtio', field: string): Promise<void> => {
    if (typeof relative !== 'string' || relative === '') return;
    const full = path.resolve(folder, relative);
    const shown = toSlashes(path.relative(folder, full));
    try {
      files.push({ path: shown, kind, text: await readFile(full, 'utf8') });
    } catch (error) {
      problems.push(`${LAYOUT_FILE}: ${field}: cannot read ${shown} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
      files.push({ path: shown, kind, text: '' });
    }
  };
  let zones = Array.isArray(doc.zones) ? doc.zones : [];
  if (zones.length > LAYOUT_LIMITS.zones) {
    problems.push(`${LAYOUT_FILE}: zones: ${zones.length} entries; a layout has at most ${LAYOUT_LIMITS.zones} zones, so none of them is read`);
    zones = [];
  }
  for (const [i, zone] of zones.entries()) {
    const config = typeof zone === 'object' && zone !== null ? (zone as Record<string, unknown>).config : undefined;
    await readListed(config, 'zone', `zones[${i}].config`);
  }
  await readListed(doc.virtio, 'virtio', 'virtio');
  return { folder, board, files, problems };
}

/** A real path inside the real folder (or the folder itself)? */
function inside(realFolder: string, target: string): boolean {
  const relative = path.relative(realFolder, target);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** The nearest existing ancestor of a path (the path itself when it exists). */
async function existingAncestor(target: string): Promise<string> {
  let current = target;
  for (;;) {
    if (await lstat(current).then(() => true, () => false)) return current;
    const parent = path.dirname(current);
    if (parent === current) return current;
    current = parent;
  }
}

/** Where a relative path lands, or an error naming why it may not be written. */
async function resolveTarget(folder: string, realFolder: string, relative: string): Promise<string> {
  if (typeof relative !== 'string' || relative.trim() === '') throw new LayoutFileError('an empty path');
  if (relative.includes('\0')) throw new LayoutFileError(`${JSON.stringify(relative)}: a NUL character in the path`);
  if (path.isAbsolute(relative) || path.win32.isAbsolute(relative) || /^[a-zA-Z]:/.test(relative)) {
    throw new LayoutFileError(`${relative}: an absolute path; give a path relative to the layout folder`);
  }
  if (relative.split(/[\\/]+/).includes('..')) throw new LayoutFileError(`${relative}: ".." leads out of the layout folder`);
  const target = path.resolve(folder, relative);
  if (!inside(folder, target) || target === folder) throw new LayoutFileError(`${relative}: not a file inside the layout folder`);
  // A symlink anywhere on the way (the file itself included) must not lead out of the folder.
  const ancestor = await existingAncestor(target);
  const realAncestor = await realpath(ancestor);
  if (!inside(realFolder, realAncestor)) throw new LayoutFileError(`${relative}: a symbolic link leads out of the layout folder`);
  if (ancestor === target) {
    const info = await stat(target);
    if (!info.isFile()) throw new LayoutFileError(`${relative}: not a regular file`);
  }
  return ancestor === target ? realAncestor : target;
}

/**
 * Writes the files atomically: each goes to a temporary file next to it, then replaces the old one
 * by rename, so a reader sees the old text or the new, never half of it. Every path is checked
 * before anything is written. Returns the relative paths written.
 */
export async function saveLayoutFiles(location: string, files: readonly LayoutSaveFile[]): Promise<string[]> {
  const folder = await layoutFolder(location);
  const realFolder = await realpath(folder);
  if (!Array.isArray(files) || files.length === 0) return [];
  const targets: { file: LayoutSaveFile; target: string }[] = [];
  for (const file of files) {
    if (typeof file?.text !== 'string') throw new LayoutFileError(`${String(file?.path)}: no text to write`);
    const target = await resolveTarget(folder, realFolder, file.path);
    if (targets.some((t) => t.target === target)) throw new LayoutFileError(`${file.path}: given twice`);
    targets.push({ file, target });
  }
  const written: string[] = [];
  for (const { file, target } of targets) {
    await mkdir(path.dirname(target), { recursive: true });
    const temporary = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    try {
      await writeFile(temporary, file.text, { encoding: 'utf8', flag: 'wx' });
      await rename(temporary, target);
    } catch (error) {
      await unlink(temporary).catch(() => undefined);
      throw new LayoutFileError(`${file.path}: cannot write (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
    written.push(toSlashes(path.relative(realFolder, await realpath(target))));
  }
  return written;
}

export type LayoutFileCommandName = 'layout.files' | 'layout.save';

export function isLayoutFileCommand(command: string): command is LayoutFileCommandName {
  return command === 'layout.files' || command === 'layout.save';
}

/** The layout.* file commands for the services: `layoutFileCommand(this.loaded.folder, command, params)`. */
export async function layoutFileCommand(folder: string, command: LayoutFileCommandName, params: unknown): Promise<unknown> {
  if (command === 'layout.files') return readLayoutFiles(folder);
  const { files } = (params ?? {}) as CommandParams<'layout.save'>;
  return { written: await saveLayoutFiles(folder, files) };
}
