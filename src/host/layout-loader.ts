/**
 * Opens a layout folder: reads layout.json, resolves the board and the guest images, and reports
 * every problem with the file it is about.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { boardNames, getBoard } from '../boards/index';
import type { Board } from '../shared/model/board';
import { HVISOR_BOARD_ARCHES, type Layout } from '../shared/model/layout';
import type { ZoneConfig, ZoneFinding } from '../shared/model/zone-config';
import { parseLayout } from '../shared/validate/layout';

export class HostFileError extends Error {}

export interface LayoutZoneFile {
  readonly path: string;
  readonly autostart: boolean;
  readonly generateDtb: boolean;
  readonly bootargs?: string;
  /** The zone's symbol file as layout.json names it (relative to the layout folder). */
  readonly symbols?: string;
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
  /**
   * Files the layout names that do not exist, as findings on layout.json (only with
   * `collectMissing`; otherwise the first one is thrown). Such a zone or virtio file is left out.
   */
  readonly missing: readonly ZoneFinding[];
}

export interface LoadLayoutOptions {
  /** Report missing files as findings instead of stopping at the first (`hvwb validate`). */
  readonly collectMissing?: boolean;
}

/** The board a layout names, or one message saying which architecture a foreign board is for. */
export function boardOfLayout(name: string, file: string): Board {
  try {
    return getBoard(name);
  } catch (error) {
    const arch = HVISOR_BOARD_ARCHES[name];
    const known = `the workbench emulates ${boardNames.join(', ')}`;
    if (arch) throw new HostFileError(`${file}: board: "${name}" is one of hvisor's ${arch} boards, which the workbench does not emulate (${known})`);
    throw new HostFileError(`${file}: board: ${(error as Error).message}`);
  }
}

export async function loadLayout(location: string, options: LoadLayoutOptions = {}): Promise<LoadedLayout> {
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
  const board = boardOfLayout(layout.board, file);
  const missing: ZoneFinding[] = [];
  /** The absolute path, or undefined (with a finding) when it is not a file and findings are collected. */
  const resolveFile = async (field: string, value: string): Promise<string | undefined> => {
    const full = path.resolve(folder, value);
    const s = await stat(full).catch(() => undefined);
    if (s?.isFile()) return full;
    const message = `${field.startsWith('zones') ? 'zone config' : field === 'virtio' ? 'virtio config' : 'image'} file not found: ${full}`;
    if (!options.collectMissing) throw new HostFileError(`${file}: ${field}: ${message}`);
    missing.push({ severity: 'error', file, path: field, message });
    return undefined;
  };
  // A missing root image is reported like the others; the path stays so that the layout reads whole.
  const kernel = (await resolveFile('root.image', layout.root.image)) ?? path.resolve(folder, layout.root.image);
  const dtb = layout.root.dtb ? await resolveFile('root.dtb', layout.root.dtb) : undefined;
  const initrd = layout.root.initrd ? await resolveFile('root.initrd', layout.root.initrd) : undefined;
  const zoneFiles: LayoutZoneFile[] = [];
  for (const [i, zone] of layout.zones.entries()) {
    const found = await resolveFile(`zones[${i}]`, zone.config);
    if (found) zoneFiles.push({ ...zone, path: found });
  }
  const virtioFile = layout.virtio ? await resolveFile('virtio', layout.virtio) : undefined;
  return {
    folder,
    file,
    layout,
    board,
    images: { kernel, ...(dtb ? { dtb } : {}), ...(initrd ? { initrd } : {}) },
    zoneFiles,
    ...(virtioFile ? { virtioFile } : {}),
    missing,
  };
}

/** One file a zone JSON makes hvisor-tool load into root-physical memory. */
export interface ZoneImageFile {
  /** The zone JSON field that names it: "kernel_filepath", "dtb_filepath", "modules[0].filepath". */
  readonly field: string;
  /** Absolute path. */
  readonly path: string;
  /** Bytes on disk, i.e. what hvisor-tool copies (an ELF kernel is placed by its segments instead). */
  readonly size: number;
  /** Root-physical address hvisor-tool copies it to. */
  readonly loadPaddr: number;
}

/**
 * The images a zone JSON names, with their sizes, for checks that need them (does an image fit the
 * zone's RAM?), and a finding for each that cannot be loaded. Paths are relative to the JSON's
 * folder, as the workbench's zone start reads them. `generatedDtb`: the workbench generates the
 * zone's device tree, so dtb_filepath is not read.
 */
export async function zoneImageFiles(zoneFile: string, config: ZoneConfig, options: { readonly generatedDtb?: boolean } = {}): Promise<{ images: ZoneImageFile[]; findings: ZoneFinding[] }> {
  const folder = path.dirname(zoneFile);
  const wanted: { field: string; file: string; loadPaddr: number }[] = [];
  if (config.kernelFilepath) wanted.push({ field: 'kernel_filepath', file: config.kernelFilepath, loadPaddr: config.kernelLoadPaddr });
  if (config.dtbFilepath && !options.generatedDtb) wanted.push({ field: 'dtb_filepath', file: config.dtbFilepath, loadPaddr: config.dtbLoadPaddr });
  config.modules.forEach((m, i) => wanted.push({ field: `modules[${i}].filepath`, file: m.filepath, loadPaddr: m.loadPaddr }));
  const images: ZoneImageFile[] = [];
  const findings: ZoneFinding[] = [];
  for (const { field, file, loadPaddr } of wanted) {
    const full = path.resolve(folder, file);
    const info = await stat(full).catch((error: NodeJS.ErrnoException) => error);
    if (info instanceof Error || !info.isFile()) {
      const why = info instanceof Error ? (info.code === 'ENOENT' ? 'file not found' : `cannot read it (${info.code ?? info.message})`) : 'not a regular file';
      findings.push({ severity: 'error', file: zoneFile, path: field, message: `${why}: ${full}; hvisor-tool cannot load it, so the zone does not start` });
    } else if (info.size === 0) {
      findings.push({ severity: 'error', file: zoneFile, path: field, message: `${full} is empty; there is nothing to load` });
    } else {
      images.push({ field, path: full, size: info.size, loadPaddr });
    }
  }
  return { images, findings };
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
    workbenchSbiExtensions: false,
    workbenchPsciExtensions: false,
    workbenchIvc: false,
  };
  return { folder: path.dirname(kernel), file: kernel, layout, board, images: { kernel }, zoneFiles: [], missing: [] };
}
