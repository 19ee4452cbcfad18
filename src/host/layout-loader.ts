/**
 * Opens a layout folder: reads layout.json, resolves the board and the guest images, and reports
 * every problem with the file it is about.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { getBoard } from '../boards/index';
import type { Board } from '../shared/model/board';
import type { Layout } from '../shared/model/layout';
import { parseLayout } from '../shared/validate/layout';

export class HostFileError extends Error {}

export interface LayoutZoneFile {
  readonly path: string;
  readonly autostart: boolean;
  readonly generateDtb: boolean;
  readonly bootargs?: string;
}

export interface LoadedLayout {
  readonly folder: string;
  readonly file: string;
  readonly layout: Layout;
  readonly board: Board;
  /** Absolute paths of the images named by the layout. */
  readonly images: { readonly kernel: string; readonly dtb?: string; readonly initrd?: string };
  /** The layout's zone JSON files (absolute paths) with their layout options, in layout order. */
  readonly zoneFiles: readonly LayoutZoneFile[];
  /** Absolute path of the layout's virtio_cfg.json, if any. */
  readonly virtioFile?: string;
}

export async function loadLayout(location: string): Promise<LoadedLayout> {
  const resolved = path.resolve(location);
  let file = resolved;
  const info = await stat(resolved).catch(() => undefined);
  if (!info) throw new HostFileError(`${location}: no such layout folder or file`);
  if (info.isDirectory()) file = path.join(resolved, 'layout.json');
  const folder = path.dirname(file);
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new HostFileError(`${file}: cannot read the layout (${error.code ?? error.message})`);
  });
  const layout = parseLayout(text, file);
  let board: Board;
  try {
    board = getBoard(layout.board);
  } catch (error) {
    throw new HostFileError(`${file}: board: ${(error as Error).message}`);
  }
  const resolveImage = async (field: string, value: string): Promise<string> => {
    const full = path.resolve(folder, value);
    const s = await stat(full).catch(() => undefined);
    if (!s || !s.isFile()) throw new HostFileError(`${file}: ${field}: ${field.startsWith('zones') ? 'zone config' : field === 'virtio' ? 'virtio config' : 'image'} file not found: ${full}`);
    return full;
  };
  const kernel = await resolveImage('root.image', layout.root.image);
  const dtb = layout.root.dtb ? await resolveImage('root.dtb', layout.root.dtb) : undefined;
  const initrd = layout.root.initrd ? await resolveImage('root.initrd', layout.root.initrd) : undefined;
  const zoneFiles: LayoutZoneFile[] = [];
  for (const [i, zone] of layout.zones.entries()) {
    zoneFiles.push({ ...zone, path: await resolveImage(`zones[${i}]`, zone.config) });
  }
  const virtioFile = layout.virtio ? await resolveImage('virtio', layout.virtio) : undefined;
  return {
    folder,
    file,
    layout,
    board,
    images: { kernel, ...(dtb ? { dtb } : {}), ...(initrd ? { initrd } : {}) },
    zoneFiles,
    ...(virtioFile ? { virtioFile } : {}),
  };
}

/** A layout for one image without a folder on disk (tests, benchmarks, `hvwb` one-off runs). */
export async function layoutForImage(
  image: string,
  options: { board?: string; mode?: 'machine' | 'supervisor'; cpus?: number[]; name?: string } = {},
): Promise<LoadedLayout> {
  const kernel = path.resolve(image);
  const s = await stat(kernel).catch(() => undefined);
  if (!s || !s.isFile()) throw new HostFileError(`${image}: image file not found`);
  const boardName = options.board ?? 'qemu-plic';
  let board: Board;
  try {
    board = getBoard(boardName);
  } catch (error) {
    throw new HostFileError(`board: ${(error as Error).message}`);
  }
  const layout: Layout = {
    name: options.name ?? path.basename(kernel),
    board: boardName,
    root: { image: kernel, mode: options.mode ?? 'machine', ...(options.cpus ? { cpus: options.cpus } : {}) },
    zones: [],
    strict: false,
  };
  return { folder: path.dirname(kernel), file: kernel, layout, board, images: { kernel }, zoneFiles: [] };
}
