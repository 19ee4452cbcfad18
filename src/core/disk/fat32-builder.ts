/**
 * Builds a FAT32 volume from a tree of directories and files (a host folder, already walked), so the
 * folder can be attached to a zone as a virtio-blk disk.
 *
 * Layout: 32+ reserved sectors (boot sector, FSInfo, backup boot sector and FSInfo at 6 and 7), two
 * mirrored FATs, then the data region with the root directory at cluster 2, the other directories
 * after it, then every file in one contiguous cluster run. Nothing is fragmented, so a file's place
 * is its first cluster and its size.
 *
 * Output is a sequence of (offset, bytes) chunks in increasing offset order: metadata is generated a
 * piece at a time and file contents are streamed from their sources, so an image of a large folder
 * never sits in memory. Free space is never emitted: the consumer leaves holes (a sparse file).
 *
 * Not supported: sector sizes other than 512 bytes, partition tables (the disk is the volume),
 * hidden/system/read-only attributes, and boot code beyond a halt loop.
 */
import {
  ATTR_ARCHIVE,
  ATTR_DIRECTORY,
  ATTR_LONG_NAME,
  ATTR_VOLUME_ID,
  DIR_ENTRY_BYTES,
  FAT32_MAX_CLUSTERS,
  FAT32_MIN_CLUSTERS,
  FAT_EOC,
  LFN_LAST_FLAG,
  LFN_UNIT_OFFSETS,
  LFN_UNITS_PER_ENTRY,
  MAX_DIRECTORY_ENTRIES,
  MAX_FILE_BYTES,
  SECTOR_BYTES,
  ShortNameAllocator,
  encodeFatDateTime,
  exactShortName,
  fatNameProblem,
  foldName,
  lfnUnits,
  shortNameChecksum,
} from './fat32-format';

export interface FatSourceTimes {
  /** Last modification, ms since the epoch. Also used for creation and access when those are absent. */
  readonly mtimeMs: number;
  readonly birthtimeMs?: number;
  readonly atimeMs?: number;
  /** Where the entry comes from; named in error messages and carried into the plan. */
  readonly hostPath?: string;
}

export interface FatSourceFile extends FatSourceTimes {
  readonly kind: 'file';
  readonly name: string;
  readonly size: number;
  /** Exactly `size` bytes, read once while the image is written. */
  content(): AsyncIterable<Uint8Array>;
}

export interface FatSourceDirectory extends FatSourceTimes {
  readonly kind: 'directory';
  /** Ignored for the root. */
  readonly name: string;
  readonly entries: readonly FatSourceEntry[];
}

export type FatSourceEntry = FatSourceFile | FatSourceDirectory;

/** Something in the source tree that FAT32 cannot represent, or a source that misbehaved. */
export class FatImageError extends Error {
  constructor(
    message: string,
    readonly hostPath?: string,
  ) {
    super(message);
    this.name = 'FatImageError';
  }
}

export interface Fat32BuildOptions {
  /** Fixed volume size in bytes; by default max(64 MiB, content * 1.5 + 32 MiB), rounded up to 1 MiB. */
  readonly totalBytes?: number;
  /** Up to 11 characters of A-Z 0-9 and 8.3 punctuation; default 'HVWB'. Empty for no label. */
  readonly volumeLabel?: string;
  /** Serial number; by default derived from the tree so the same folder gives the same image. */
  readonly volumeId?: number;
  /** Deepest directory nesting accepted (root = 0); default 64. */
  readonly maxDepth?: number;
}

export interface Fat32Geometry {
  readonly totalSectors: number;
  readonly sectorsPerCluster: number;
  readonly reservedSectors: number;
  readonly fatSectors: number;
  readonly clusterCount: number;
  readonly clusterBytes: number;
  readonly dataStartSector: number;
}

interface PlannedEntry {
  readonly imagePath: string;
  readonly hostPath: string | undefined;
  /** 11 characters, space padded, as stored. */
  readonly shortName: string;
  /** The long name, when the entry needs LFN entries. */
  readonly longName: string | undefined;
  firstCluster: number;
  clusterCount: number;
}

export interface PlannedFile extends PlannedEntry {
  readonly kind: 'file';
  readonly source: FatSourceFile;
}

export interface PlannedDirectory extends PlannedEntry {
  readonly kind: 'directory';
  readonly source: FatSourceDirectory;
  readonly parent: PlannedDirectory | undefined;
  readonly children: (PlannedFile | PlannedDirectory)[];
  entryCount: number;
}

export interface Fat32Plan {
  readonly geometry: Fat32Geometry;
  readonly totalBytes: number;
  /** Root first, then the other directories in cluster order. */
  readonly directories: readonly PlannedDirectory[];
  /** In cluster order; empty files have firstCluster 0. */
  readonly files: readonly PlannedFile[];
  readonly usedClusters: number;
  readonly volumeLabel: string;
  readonly volumeId: number;
  /** Bytes the chunks will carry (metadata + file contents): the progress total. */
  readonly writtenBytes: number;
}

export interface ImageChunk {
  readonly offset: number;
  readonly data: Uint8Array;
}

export interface BuildProgress {
  readonly doneBytes: number;
  readonly totalBytes: number;
  /** The file being copied, when the chunk was file content. */
  readonly hostPath?: string;
}

export interface Fat32WriteOptions {
  readonly onProgress?: (progress: BuildProgress) => void;
}

const MIB = 1024 * 1024;
const MIN_AUTO_BYTES = 64 * MIB;
const BASE_RESERVED_SECTORS = 32;
const FSINFO_SECTOR = 1;
const BACKUP_BOOT_SECTOR = 6;
/** 0xFFFFFFFF sectors of 512 bytes: the 32-bit sector count caps a volume just under 2 TiB. */
const MAX_TOTAL_BYTES = Math.floor((0xffffffff * SECTOR_BYTES) / MIB) * MIB;
const FAT_CHUNK_ENTRIES = 16384;
const MEDIA_FIXED_DISK = 0xf8;

function describe(path: string, hostPath: string | undefined): string {
  return hostPath ?? (path === '' ? '/' : path);
}

/** Cluster size by volume size, after the spec's FAT32 table: small volumes keep 512-byte clusters. */
function sectorsPerClusterFor(totalSectors: number): number {
  if (totalSectors <= 532_480) return 1;
  if (totalSectors <= 16_777_216) return 8;
  if (totalSectors <= 33_554_432) return 16;
  if (totalSectors <= 67_108_864) return 32;
  return 64;
}

export function chooseGeometry(totalBytes: number): Fat32Geometry {
  const totalSectors = Math.floor(totalBytes / SECTOR_BYTES);
  if (totalSectors > 0xffffffff) {
    throw new FatImageError(`a ${totalBytes}-byte volume is larger than FAT32 with 512-byte sectors can address (2 TiB)`);
  }
  const sectorsPerCluster = sectorsPerClusterFor(totalSectors);
  // Sized for every sector being data, so it always covers the real (smaller) cluster count.
  const fatSectors = Math.ceil(((Math.ceil(totalSectors / sectorsPerCluster) + 2) * 4) / SECTOR_BYTES);
  // Pad the reserved area so clusters start on a cluster-size boundary (aligned guest I/O).
  const misalign = (BASE_RESERVED_SECTORS + 2 * fatSectors) % sectorsPerCluster;
  const reservedSectors = BASE_RESERVED_SECTORS + (misalign === 0 ? 0 : sectorsPerCluster - misalign);
  const dataStartSector = reservedSectors + 2 * fatSectors;
  const clusterCount = Math.min(Math.floor((totalSectors - dataStartSector) / sectorsPerCluster), FAT32_MAX_CLUSTERS);
  if (!(clusterCount >= FAT32_MIN_CLUSTERS)) {
    throw new FatImageError(
      `a ${totalBytes}-byte volume has ${Math.max(clusterCount, 0)} clusters; FAT32 needs at least ${FAT32_MIN_CLUSTERS} (about 33 MiB)`,
    );
  }
  return {
    totalSectors,
    sectorsPerCluster,
    reservedSectors,
    fatSectors,
    clusterCount,
    clusterBytes: sectorsPerCluster * SECTOR_BYTES,
    dataStartSector,
  };
}

function validateLabel(label: string): string {
  const valid = label.length <= 11 && !label.startsWith(' ') && [...label].every((ch) => ch === ' ' || exactShortName(ch) !== undefined);
  if (!valid) throw new FatImageError(`volume label '${label}' must be at most 11 characters of A-Z, 0-9 and $%'-_@~\`!(){}^#&`);
  return label;
}

/** Walks the tree: checks names and limits, assigns 8.3 names, counts directory entries. */
function planTree(root: FatSourceDirectory, maxDepth: number): { directories: PlannedDirectory[]; files: PlannedFile[] } {
  const directories: PlannedDirectory[] = [];
  const files: PlannedFile[] = [];
  const visit = (source: FatSourceDirectory, path: string, parent: PlannedDirectory | undefined, depth: number, shortName: string, longName: string | undefined): PlannedDirectory => {
    if (depth > maxDepth) {
      throw new FatImageError(`${describe(path, source.hostPath)}: folders are nested deeper than the ${maxDepth} levels supported`, source.hostPath);
    }
    const seen = new Map<string, string>();
    for (const entry of source.entries) {
      const where = describe(path === '' ? entry.name : `${path}/${entry.name}`, entry.hostPath);
      const problem = fatNameProblem(entry.name);
      if (problem) throw new FatImageError(`${where}: ${problem}`, entry.hostPath);
      const folded = foldName(entry.name);
      const other = seen.get(folded);
      if (other !== undefined) {
        throw new FatImageError(`${where}: the name collides with '${other}' in the same folder (FAT names ignore case)`, entry.hostPath);
      }
      seen.set(folded, entry.name);
      if (entry.kind === 'file' && !(Number.isInteger(entry.size) && entry.size >= 0 && entry.size <= MAX_FILE_BYTES)) {
        throw new FatImageError(`${where}: ${entry.size} bytes is more than the 4 GiB - 1 a FAT32 file can hold`, entry.hostPath);
      }
    }
    const allocator = new ShortNameAllocator();
    const shortNames = new Map<FatSourceEntry, string>();
    for (const entry of source.entries) {
      const exact = exactShortName(entry.name);
      if (exact !== undefined && allocator.reserve(exact)) shortNames.set(entry, exact);
    }
    let entryCount = parent === undefined ? 0 : 2;
    const children: (PlannedFile | PlannedDirectory)[] = [];
    const dir: PlannedDirectory = {
      kind: 'directory', source, imagePath: path, hostPath: source.hostPath, shortName, longName,
      parent, children, firstCluster: 0, clusterCount: 0, entryCount: 0,
    };
    directories.push(dir);
    const pending: [FatSourceDirectory, string, string, string | undefined][] = [];
    for (const entry of source.entries) {
      let short = shortNames.get(entry);
      const long = short === undefined ? entry.name : undefined;
      short ??= allocator.allocate(entry.name);
      entryCount += 1 + (long === undefined ? 0 : Math.ceil(long.length / LFN_UNITS_PER_ENTRY));
      const childPath = path === '' ? entry.name : `${path}/${entry.name}`;
      if (entry.kind === 'file') {
        const file: PlannedFile = {
          kind: 'file', source: entry, imagePath: childPath, hostPath: entry.hostPath, shortName: short, longName: long,
          firstCluster: 0, clusterCount: 0,
        };
        children.push(file);
        files.push(file);
      } else {
        pending.push([entry, childPath, short, long]);
      }
    }
    if (entryCount > MAX_DIRECTORY_ENTRIES) {
      throw new FatImageError(
        `${describe(path, source.hostPath)}: the folder needs ${entryCount} directory entries; FAT allows ${MAX_DIRECTORY_ENTRIES} (long names use several)`,
        source.hostPath,
      );
    }
    dir.entryCount = entryCount;
    for (const [child, childPath, short, long] of pending) children.push(visit(child, childPath, dir, depth + 1, short, long));
    return dir;
  };
  visit(root, '', undefined, 0, '', undefined);
  return { directories, files };
}

function clustersFor(bytes: number, clusterBytes: number): number {
  return Math.ceil(bytes / clusterBytes);
}

function neededClusters(directories: readonly PlannedDirectory[], files: readonly PlannedFile[], clusterBytes: number): number {
  let clusters = 0;
  for (const dir of directories) clusters += Math.max(1, clustersFor(dir.entryCount * DIR_ENTRY_BYTES, clusterBytes));
  for (const file of files) clusters += clustersFor(file.source.size, clusterBytes);
  return clusters;
}

function treeVolumeId(directories: readonly PlannedDirectory[]): number {
  let hash = 0x811c9dc5;
  const mix = (text: string): void => {
    for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  };
  for (const dir of directories) {
    mix(dir.imagePath);
    for (const child of dir.children) mix(`${child.imagePath}:${child.kind === 'file' ? child.source.size : 'd'}:${child.source.mtimeMs}`);
  }
  return hash >>> 0;
}

/** Checks the tree and decides the volume size, cluster size and where every entry goes. */
export function planFat32Volume(root: FatSourceDirectory, options: Fat32BuildOptions = {}): Fat32Plan {
  const volumeLabel = validateLabel(options.volumeLabel ?? 'HVWB');
  const { directories, files } = planTree(root, options.maxDepth ?? 64);
  let contentBytes = 0;
  for (const file of files) contentBytes += file.source.size;
  for (const dir of directories) contentBytes += dir.entryCount * DIR_ENTRY_BYTES;

  let totalBytes = options.totalBytes ?? Math.max(MIN_AUTO_BYTES, Math.ceil((contentBytes * 1.5 + 32 * MIB) / MIB) * MIB);
  if (options.totalBytes === undefined) totalBytes = Math.min(totalBytes, MAX_TOTAL_BYTES);
  let geometry = chooseGeometry(totalBytes);
  let needed = neededClusters(directories, files, geometry.clusterBytes);
  // Larger volumes get larger clusters, so slack in the last cluster of each file can outgrow the 1.5x margin.
  while (needed > geometry.clusterCount && options.totalBytes === undefined && totalBytes < MAX_TOTAL_BYTES) {
    totalBytes = Math.min(Math.ceil((totalBytes * 1.25) / MIB) * MIB, MAX_TOTAL_BYTES);
    geometry = chooseGeometry(totalBytes);
    needed = neededClusters(directories, files, geometry.clusterBytes);
  }
  if (needed > geometry.clusterCount) {
    throw new FatImageError(
      `${describe('', root.hostPath)}: the content needs ${needed} clusters of ${geometry.clusterBytes} bytes but a ${totalBytes}-byte FAT32 volume holds ${geometry.clusterCount}`,
      root.hostPath,
    );
  }

  let next = 2;
  for (const dir of directories) {
    dir.firstCluster = next;
    dir.clusterCount = Math.max(1, clustersFor(dir.entryCount * DIR_ENTRY_BYTES, geometry.clusterBytes));
    next += dir.clusterCount;
  }
  for (const file of files) {
    file.clusterCount = clustersFor(file.source.size, geometry.clusterBytes);
    file.firstCluster = file.clusterCount === 0 ? 0 : next;
    next += file.clusterCount;
  }
  const usedClusters = next - 2;
  const fatUsedBytes = next * 4;
  let writtenBytes = BACKUP_BOOT_SECTOR * SECTOR_BYTES + 2 * SECTOR_BYTES + 2 * fatUsedBytes;
  for (const dir of directories) writtenBytes += dir.clusterCount * geometry.clusterBytes;
  for (const file of files) writtenBytes += file.source.size;
  return {
    geometry,
    totalBytes: geometry.totalSectors * SECTOR_BYTES,
    directories,
    files,
    usedClusters,
    volumeLabel,
    volumeId: options.volumeId ?? treeVolumeId(directories),
    writtenBytes,
  };
}

function ascii(view: Uint8Array, offset: number, text: string, width: number): void {
  const padded = text.padEnd(width, ' ');
  for (let i = 0; i < width; i++) view[offset + i] = padded.charCodeAt(i);
}

function bootSector(plan: Fat32Plan): Uint8Array {
  const g = plan.geometry;
  const sector = new Uint8Array(SECTOR_BYTES);
  const v = new DataView(sector.buffer);
  sector.set([0xeb, 0x58, 0x90], 0);
  ascii(sector, 3, 'MSWIN4.1', 8);
  v.setUint16(11, SECTOR_BYTES, true);
  v.setUint8(13, g.sectorsPerCluster);
  v.setUint16(14, g.reservedSectors, true);
  v.setUint8(16, 2);
  v.setUint8(21, MEDIA_FIXED_DISK);
  v.setUint16(24, 63, true);
  v.setUint16(26, 255, true);
  v.setUint32(32, g.totalSectors, true);
  v.setUint32(36, g.fatSectors, true);
  v.setUint32(44, 2, true);
  v.setUint16(48, FSINFO_SECTOR, true);
  v.setUint16(50, BACKUP_BOOT_SECTOR, true);
  v.setUint8(64, 0x80);
  v.setUint8(66, 0x29);
  v.setUint32(67, plan.volumeId, true);
  ascii(sector, 71, plan.volumeLabel || 'NO NAME', 11);
  ascii(sector, 82, 'FAT32', 8);
  // The jump lands at 0x5A: cli; hlt; jmp back to the hlt, because the volume is not bootable.
  sector.set([0xfa, 0xf4, 0xeb, 0xfd], 0x5a);
  sector[510] = 0x55;
  sector[511] = 0xaa;
  return sector;
}

function fsInfoSector(plan: Fat32Plan): Uint8Array {
  const sector = new Uint8Array(SECTOR_BYTES);
  const v = new DataView(sector.buffer);
  v.setUint32(0, 0x41615252, true);
  v.setUint32(484, 0x61417272, true);
  v.setUint32(488, plan.geometry.clusterCount - plan.usedClusters, true);
  v.setUint32(492, plan.usedClusters + 2 <= plan.geometry.clusterCount + 1 ? plan.usedClusters + 2 : 0xffffffff, true);
  v.setUint32(508, 0xaa550000, true);
  return sector;
}

function reservedArea(plan: Fat32Plan): Uint8Array {
  const area = new Uint8Array((BACKUP_BOOT_SECTOR + 2) * SECTOR_BYTES);
  const boot = bootSector(plan);
  const info = fsInfoSector(plan);
  area.set(boot, 0);
  area.set(info, FSINFO_SECTOR * SECTOR_BYTES);
  area.set(boot, BACKUP_BOOT_SECTOR * SECTOR_BYTES);
  area.set(info, (BACKUP_BOOT_SECTOR + 1) * SECTOR_BYTES);
  return area;
}

/** The used prefix of one FAT, in chunks: every allocation is one run ending in EOC. */
function* fatChunks(plan: Fat32Plan): Generator<Uint8Array> {
  const runs: [number, number][] = [];
  for (const item of [...plan.directories, ...plan.files]) {
    if (item.clusterCount > 0) runs.push([item.firstCluster, item.firstCluster + item.clusterCount - 1]);
  }
  const entryCount = plan.usedClusters + 2;
  let run = 0;
  for (let start = 0; start < entryCount; start += FAT_CHUNK_ENTRIES) {
    const count = Math.min(FAT_CHUNK_ENTRIES, entryCount - start);
    const chunk = new Uint8Array(count * 4);
    const v = new DataView(chunk.buffer);
    for (let i = 0; i < count; i++) {
      const cluster = start + i;
      let value: number;
      if (cluster === 0) value = 0x0fffff00 | MEDIA_FIXED_DISK;
      else if (cluster === 1) value = FAT_EOC; // also the clean-shutdown and no-error bits
      else {
        while (runs[run]![1] < cluster) run++;
        value = cluster === runs[run]![1] ? FAT_EOC : cluster + 1;
      }
      v.setUint32(i * 4, value, true);
    }
    yield chunk;
  }
}

function writeShortEntry(view: Uint8Array, offset: number, name11: string, attributes: number, cluster: number, size: number, times: FatSourceTimes): void {
  const v = new DataView(view.buffer, view.byteOffset + offset, DIR_ENTRY_BYTES);
  ascii(view, offset, name11, 11);
  const modified = encodeFatDateTime(times.mtimeMs);
  const created = encodeFatDateTime(times.birthtimeMs ?? times.mtimeMs);
  const accessed = encodeFatDateTime(times.atimeMs ?? times.mtimeMs);
  v.setUint8(11, attributes);
  v.setUint8(13, created.hundredths);
  v.setUint16(14, created.time, true);
  v.setUint16(16, created.date, true);
  v.setUint16(18, accessed.date, true);
  v.setUint16(20, cluster >>> 16, true);
  v.setUint16(22, modified.time, true);
  v.setUint16(24, modified.date, true);
  v.setUint16(26, cluster & 0xffff, true);
  v.setUint32(28, size, true);
}

function writeLongEntries(view: Uint8Array, offset: number, longName: string, name11: string): number {
  const units = lfnUnits(longName);
  const count = units.length / LFN_UNITS_PER_ENTRY;
  const checksum = shortNameChecksum(Uint8Array.from(name11, (ch) => ch.charCodeAt(0)));
  // The piece with the highest ordinal comes first on disk and carries the LAST flag.
  for (let k = 0; k < count; k++) {
    const ordinal = count - k;
    const at = offset + k * DIR_ENTRY_BYTES;
    const v = new DataView(view.buffer, view.byteOffset + at, DIR_ENTRY_BYTES);
    v.setUint8(0, ordinal | (k === 0 ? LFN_LAST_FLAG : 0));
    v.setUint8(11, ATTR_LONG_NAME);
    v.setUint8(13, checksum);
    LFN_UNIT_OFFSETS.forEach((unitOffset, i) => v.setUint16(unitOffset, units[(ordinal - 1) * LFN_UNITS_PER_ENTRY + i]!, true));
  }
  return offset + count * DIR_ENTRY_BYTES;
}

function directoryContents(plan: Fat32Plan, dir: PlannedDirectory): Uint8Array {
  const bytes = new Uint8Array(dir.clusterCount * plan.geometry.clusterBytes);
  let at = 0;
  if (dir.parent === undefined) {
    if (plan.volumeLabel) {
      writeShortEntry(bytes, 0, plan.volumeLabel, ATTR_VOLUME_ID, 0, 0, dir.source);
      at += DIR_ENTRY_BYTES;
    }
  } else {
    writeShortEntry(bytes, 0, '.', ATTR_DIRECTORY, dir.firstCluster, 0, dir.source);
    // '..' of a first-level folder points at cluster 0, not at the root's cluster, per the spec.
    const parentCluster = dir.parent.parent === undefined ? 0 : dir.parent.firstCluster;
    writeShortEntry(bytes, DIR_ENTRY_BYTES, '..', ATTR_DIRECTORY, parentCluster, 0, dir.source);
    at = 2 * DIR_ENTRY_BYTES;
  }
  for (const child of dir.children) {
    if (child.longName !== undefined) at = writeLongEntries(bytes, at, child.longName, child.shortName);
    const isDir = child.kind === 'directory';
    writeShortEntry(bytes, at, child.shortName, isDir ? ATTR_DIRECTORY : ATTR_ARCHIVE, child.firstCluster, isDir ? 0 : child.source.size, child.source);
    at += DIR_ENTRY_BYTES;
  }
  return bytes;
}

/**
 * The image as (offset, bytes) chunks in increasing offset order. Regions not emitted are zero.
 * Throws FatImageError when a file source yields a different number of bytes than it declared.
 */
export async function* fat32ImageChunks(plan: Fat32Plan, options: Fat32WriteOptions = {}): AsyncGenerator<ImageChunk> {
  const g = plan.geometry;
  let doneBytes = 0;
  const report = (bytes: number, hostPath?: string): void => {
    doneBytes += bytes;
    options.onProgress?.({ doneBytes, totalBytes: plan.writtenBytes, ...(hostPath === undefined ? {} : { hostPath }) });
  };
  const reserved = reservedArea(plan);
  yield { offset: 0, data: reserved };
  report(reserved.length);
  for (let copy = 0; copy < 2; copy++) {
    let offset = (g.reservedSectors + copy * g.fatSectors) * SECTOR_BYTES;
    for (const chunk of fatChunks(plan)) {
      yield { offset, data: chunk };
      offset += chunk.length;
      report(chunk.length);
    }
  }
  const clusterOffset = (cluster: number): number => (g.dataStartSector + (cluster - 2) * g.sectorsPerCluster) * SECTOR_BYTES;
  for (const dir of plan.directories) {
    const data = directoryContents(plan, dir);
    yield { offset: clusterOffset(dir.firstCluster), data };
    report(data.length);
  }
  for (const file of plan.files) {
    const { source } = file;
    const where = describe(file.imagePath, file.hostPath);
    let copied = 0;
    for await (const piece of source.content()) {
      if (copied + piece.length > source.size) {
        throw new FatImageError(`${where}: the file grew while the image was built (expected ${source.size} bytes)`, file.hostPath);
      }
      if (piece.length === 0) continue;
      yield { offset: clusterOffset(file.firstCluster) + copied, data: piece };
      copied += piece.length;
      report(piece.length, file.hostPath);
    }
    if (copied !== source.size) {
      throw new FatImageError(`${where}: the file shrank while the image was built (${copied} of ${source.size} bytes)`, file.hostPath);
    }
  }
}

/** Runs the chunks into a sink (a file handle, a stream); the sink must leave skipped ranges zero. */
export async function writeFat32Image(plan: Fat32Plan, sink: (chunk: ImageChunk) => Promise<void> | void, options: Fat32WriteOptions = {}): Promise<void> {
  for await (const chunk of fat32ImageChunks(plan, options)) await sink(chunk);
}
