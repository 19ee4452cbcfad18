/**
 * Reads a FAT32 volume through a read-sectors callback: the BPB, cluster chains, directories with
 * VFAT long names (falling back to 8.3 names, honouring the NTRes lower-case flags) and file bytes.
 * Used to find out what a guest did to a host folder's image, so it treats the image as untrusted:
 * chains that loop, leave the volume, run short or hit free clusters are errors, never truncations,
 * because a misread directory would look like deleted files. Names are returned as stored; callers
 * decide whether they are acceptable. 8.3 names with bytes above 0x7F are read as Latin-1, since the
 * OEM code page of the writer is unknown.
 */
import {
  ATTR_DEVICE,
  ATTR_DIRECTORY,
  ATTR_LONG_NAME,
  ATTR_VOLUME_ID,
  DELETED_ENTRY,
  DIR_ENTRY_BYTES,
  FAT32_MIN_CLUSTERS,
  FAT_BAD_CLUSTER,
  FAT_ENTRY_MASK,
  FAT_EOC_MIN,
  LFN_LAST_FLAG,
  LFN_UNIT_OFFSETS,
  SECTOR_BYTES,
  decodeFatDateTime,
  displayShortName,
  shortNameChecksum,
} from './fat32-format';

/** Reads `count` 512-byte device sectors starting at `lba`. */
export type ReadSectors = (lba: number, count: number) => Promise<Uint8Array> | Uint8Array;

export class Fat32FormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Fat32FormatError';
  }
}

export interface Fat32VolumeInfo {
  readonly bytesPerSector: number;
  readonly sectorsPerCluster: number;
  readonly clusterBytes: number;
  readonly reservedSectors: number;
  readonly fatCount: number;
  readonly fatSectors: number;
  readonly activeFat: number;
  readonly totalSectors: number;
  readonly rootCluster: number;
  readonly clusterCount: number;
  readonly dataStartSector: number;
  readonly volumeId: number;
  /** From the root directory's volume-label entry, else from the boot sector; '' when none. */
  volumeLabel: string;
}

interface FatNodeBase {
  /** The long name when a valid LFN precedes the entry, else the 8.3 name. */
  readonly name: string;
  /** The 8.3 name as NAME.EXT. */
  readonly shortName: string;
  /** Slash-separated path from the root ('' for the root itself). */
  readonly path: string;
  readonly attributes: number;
  readonly firstCluster: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
  readonly atimeMs: number;
}

export interface FatFileNode extends FatNodeBase {
  readonly kind: 'file';
  readonly size: number;
}

export interface FatDirectoryNode extends FatNodeBase {
  readonly kind: 'directory';
  readonly children: readonly FatNode[];
}

/** An entry that is neither a regular file nor a directory (device or stray volume-label entry). */
export interface FatOtherNode extends FatNodeBase {
  readonly kind: 'other';
  readonly reason: string;
}

export type FatNode = FatFileNode | FatDirectoryNode | FatOtherNode;

const FAT_BLOCK_SECTORS = 128;
const FAT_CACHE_BLOCKS = 256;
const MAX_READ_BYTES = 1 << 20;

function joinPath(parent: string, name: string): string {
  return parent === '' ? name : `${parent}/${name}`;
}

export class Fat32Reader {
  private readonly fatBlocks = new Map<number, DataView>();
  private readonly deviceSectorsPerSector: number;

  private constructor(
    private readonly readSectors: ReadSectors,
    readonly info: Fat32VolumeInfo,
  ) {
    this.deviceSectorsPerSector = info.bytesPerSector / SECTOR_BYTES;
  }

  static async open(readSectors: ReadSectors): Promise<Fat32Reader> {
    const boot = await readSectors(0, 1);
    if (boot.length < SECTOR_BYTES || boot[510] !== 0x55 || boot[511] !== 0xaa) {
      throw new Fat32FormatError('sector 0 is not a FAT boot sector (no 0x55AA signature)');
    }
    const v = new DataView(boot.buffer, boot.byteOffset, SECTOR_BYTES);
    const bytesPerSector = v.getUint16(11, true);
    const sectorsPerCluster = v.getUint8(13);
    const reservedSectors = v.getUint16(14, true);
    const fatCount = v.getUint8(16);
    const fatSectors = v.getUint16(22, true) || v.getUint32(36, true);
    const totalSectors = v.getUint16(19, true) || v.getUint32(32, true);
    if (![512, 1024, 2048, 4096].includes(bytesPerSector)) throw new Fat32FormatError(`unsupported sector size ${bytesPerSector}`);
    if (sectorsPerCluster === 0 || (sectorsPerCluster & (sectorsPerCluster - 1)) !== 0) {
      throw new Fat32FormatError(`invalid sectors per cluster ${sectorsPerCluster}`);
    }
    if (reservedSectors === 0 || fatCount === 0 || fatSectors === 0) throw new Fat32FormatError('invalid BPB (zero reserved sectors, FATs or FAT size)');
    if (v.getUint16(17, true) !== 0 || v.getUint16(22, true) !== 0) throw new Fat32FormatError('not FAT32 (the BPB has a FAT12/16 root directory or FAT size)');
    const dataStartSector = reservedSectors + fatCount * fatSectors;
    const clusterCount = Math.floor((totalSectors - dataStartSector) / sectorsPerCluster);
    if (!(clusterCount >= FAT32_MIN_CLUSTERS)) throw new Fat32FormatError(`${clusterCount} clusters is not a FAT32 volume`);
    if (clusterCount + 2 > (fatSectors * bytesPerSector) / 4) throw new Fat32FormatError('the FAT is too small for the cluster count');
    const extFlags = v.getUint16(40, true);
    const activeFat = extFlags & 0x80 ? extFlags & 0x0f : 0;
    const label = String.fromCharCode(...boot.subarray(71, 82)).trimEnd();
    const info: Fat32VolumeInfo = {
      bytesPerSector,
      sectorsPerCluster,
      clusterBytes: bytesPerSector * sectorsPerCluster,
      reservedSectors,
      fatCount,
      fatSectors,
      activeFat: activeFat < fatCount ? activeFat : 0,
      totalSectors,
      rootCluster: v.getUint32(44, true),
      clusterCount,
      dataStartSector,
      volumeId: v.getUint32(67, true),
      volumeLabel: label === 'NO NAME' ? '' : label,
    };
    return new Fat32Reader(readSectors, info);
  }

  private async readVolumeSectors(sector: number, count: number): Promise<Uint8Array> {
    const bytes = await this.readSectors(sector * this.deviceSectorsPerSector, count * this.deviceSectorsPerSector);
    if (bytes.length < count * this.info.bytesPerSector) throw new Fat32FormatError(`short read at sector ${sector}`);
    return bytes;
  }

  private isDataCluster(cluster: number): boolean {
    return cluster >= 2 && cluster < this.info.clusterCount + 2;
  }

  /** The FAT entry of `cluster`, from the active FAT. */
  async fatEntry(cluster: number): Promise<number> {
    const entriesPerBlock = (FAT_BLOCK_SECTORS * this.info.bytesPerSector) / 4;
    const block = Math.floor(cluster / entriesPerBlock);
    let view = this.fatBlocks.get(block);
    if (view === undefined) {
      const first = this.info.reservedSectors + this.info.activeFat * this.info.fatSectors + block * FAT_BLOCK_SECTORS;
      const count = Math.min(FAT_BLOCK_SECTORS, this.info.fatSectors - block * FAT_BLOCK_SECTORS);
      const bytes = await this.readVolumeSectors(first, count);
      view = new DataView(bytes.buffer, bytes.byteOffset, count * this.info.bytesPerSector);
      if (this.fatBlocks.size >= FAT_CACHE_BLOCKS) this.fatBlocks.clear();
      this.fatBlocks.set(block, view);
    }
    return view.getUint32((cluster % entriesPerBlock) * 4, true) & FAT_ENTRY_MASK;
  }

  /**
   * The clusters of the chain starting at `first`. `maxClusters` bounds it (files know their
   * length); a chain that is longer, loops, or meets a free or bad cluster is reported as damage.
   */
  async clusterChain(first: number, maxClusters: number, what: string): Promise<number[]> {
    const chain: number[] = [];
    let cluster = first;
    for (;;) {
      if (!this.isDataCluster(cluster)) throw new Fat32FormatError(`${what}: cluster ${cluster} is outside the volume`);
      chain.push(cluster);
      if (chain.length > maxClusters) throw new Fat32FormatError(`${what}: the cluster chain is longer than ${maxClusters} clusters (a loop?)`);
      const next = await this.fatEntry(cluster);
      if (next >= FAT_EOC_MIN) return chain;
      if (next === 0) throw new Fat32FormatError(`${what}: the cluster chain runs into a free cluster after cluster ${cluster}`);
      if (next === FAT_BAD_CLUSTER) throw new Fat32FormatError(`${what}: the cluster chain runs into a bad cluster`);
      cluster = next;
    }
  }

  private clusterSector(cluster: number): number {
    return this.info.dataStartSector + (cluster - 2) * this.info.sectorsPerCluster;
  }

  /** Reads a chain's clusters, merging consecutive clusters into larger reads. */
  private async *readChain(chain: readonly number[], bytes: number): AsyncGenerator<Uint8Array> {
    const clusterBytes = this.info.clusterBytes;
    const maxRun = Math.max(1, Math.floor(MAX_READ_BYTES / clusterBytes));
    let remaining = bytes;
    for (let i = 0; i < chain.length && remaining > 0; ) {
      let run = 1;
      while (i + run < chain.length && run < maxRun && chain[i + run] === chain[i]! + run) run++;
      const data = await this.readVolumeSectors(this.clusterSector(chain[i]!), run * this.info.sectorsPerCluster);
      const take = Math.min(remaining, run * clusterBytes);
      yield data.subarray(0, take);
      remaining -= take;
      i += run;
    }
  }

  /** The bytes of a file (by its first cluster and size), in chunks of up to 1 MiB. */
  async *readFile(firstCluster: number, size: number, what = `file at cluster ${firstCluster}`): AsyncGenerator<Uint8Array> {
    if (size === 0) return;
    const clusters = Math.ceil(size / this.info.clusterBytes);
    const chain = await this.clusterChain(firstCluster, clusters, what);
    if (chain.length < clusters) throw new Fat32FormatError(`${what}: ${size} bytes need ${clusters} clusters but the chain has ${chain.length}`);
    yield* this.readChain(chain, size);
  }

  async readFileBytes(node: FatFileNode): Promise<Uint8Array> {
    const out = new Uint8Array(node.size);
    let at = 0;
    for await (const piece of this.readFile(node.firstCluster, node.size, node.path)) {
      out.set(piece, at);
      at += piece.length;
    }
    return out;
  }

  /** The entries of one directory (without '.' and '..'); `path` names it in errors and child paths. */
  async readDirectory(firstCluster: number, path: string): Promise<(FatFileNode | FatOtherNode | Omit<FatDirectoryNode, 'children'>)[]> {
    const isRoot = path === '';
    const maxClusters = Math.ceil((65536 * DIR_ENTRY_BYTES) / this.info.clusterBytes);
    const chain = await this.clusterChain(firstCluster, maxClusters, isRoot ? 'root directory' : path);
    const out: (FatFileNode | FatOtherNode | Omit<FatDirectoryNode, 'children'>)[] = [];
    let lfnParts: string[] = [];
    let lfnExpected = 0;
    let lfnChecksum = -1;
    scan: for await (const data of this.readChain(chain, chain.length * this.info.clusterBytes)) {
      for (let at = 0; at < data.length; at += DIR_ENTRY_BYTES) {
        const entry = data.subarray(at, at + DIR_ENTRY_BYTES);
        const first = entry[0]!;
        if (first === 0) break scan;
        if (first === DELETED_ENTRY) {
          lfnParts = [];
          lfnExpected = 0;
          continue;
        }
        const v = new DataView(entry.buffer, entry.byteOffset, DIR_ENTRY_BYTES);
        const attributes = entry[11]!;
        if ((attributes & 0x3f) === ATTR_LONG_NAME) {
          const ordinal = first & 0x3f;
          if (first & LFN_LAST_FLAG) {
            lfnParts = [];
            lfnExpected = ordinal;
            lfnChecksum = entry[13]!;
          } else if (ordinal === 0 || ordinal !== lfnExpected || entry[13] !== lfnChecksum) {
            // An orphaned piece: the long name it belonged to is lost, the short name still counts.
            lfnParts = [];
            lfnExpected = 0;
            continue;
          }
          if (ordinal === 0) {
            lfnParts = [];
            continue;
          }
          let piece = '';
          for (const offset of LFN_UNIT_OFFSETS) piece += String.fromCharCode(v.getUint16(offset, true));
          lfnParts[ordinal - 1] = piece;
          lfnExpected = ordinal - 1;
          continue;
        }
        const name11 = entry.subarray(0, 11);
        const longComplete = lfnExpected === 0 && lfnParts.length > 0 && lfnParts[0] !== undefined && shortNameChecksum(name11) === lfnChecksum;
        const longName = longComplete ? lfnParts.join('').split('\0')[0]!.replace(/\uffff+$/, '') : undefined;
        lfnParts = [];
        lfnExpected = 0;
        const shortName = displayShortName(name11, entry[12]!);
        if (!isRoot && (shortName === '.' || shortName === '..') && attributes & ATTR_DIRECTORY) continue;
        if (isRoot && attributes & ATTR_VOLUME_ID && !(attributes & ATTR_DIRECTORY)) {
          this.info.volumeLabel = String.fromCharCode(...name11).trimEnd();
          continue;
        }
        const name = longName ?? shortName;
        const firstClusterOfEntry = (v.getUint16(20, true) << 16) | v.getUint16(26, true);
        const base = {
          name,
          shortName,
          path: joinPath(path, name),
          attributes,
          firstCluster: firstClusterOfEntry >>> 0,
          mtimeMs: decodeFatDateTime(v.getUint16(24, true), v.getUint16(22, true)),
          ctimeMs: decodeFatDateTime(v.getUint16(16, true), v.getUint16(14, true), entry[13]!),
          atimeMs: decodeFatDateTime(v.getUint16(18, true), 0),
        };
        if (attributes & ATTR_VOLUME_ID) out.push({ ...base, kind: 'other', reason: 'a volume-label entry inside a folder' });
        else if (attributes & ATTR_DEVICE) out.push({ ...base, kind: 'other', reason: 'a device entry, not a regular file' });
        else if (attributes & ATTR_DIRECTORY) out.push({ ...base, kind: 'directory' });
        else out.push({ ...base, kind: 'file', size: v.getUint32(28, true) });
      }
    }
    return out;
  }

  /** The whole tree. Directory cycles and nesting beyond `maxDepth` are reported as damage. */
  async readTree(maxDepth = 256): Promise<FatDirectoryNode> {
    const visited = new Set<number>();
    const walk = async (cluster: number, path: string, depth: number): Promise<FatNode[]> => {
      if (visited.has(cluster)) throw new Fat32FormatError(`${path}: directory cluster ${cluster} is reached twice (a loop)`);
      if (depth > maxDepth) throw new Fat32FormatError(`${path}: directories are nested deeper than ${maxDepth}`);
      visited.add(cluster);
      const entries = await this.readDirectory(cluster, path);
      const nodes: FatNode[] = [];
      for (const entry of entries) {
        if (entry.kind === 'directory') {
          if (entry.firstCluster === 0) throw new Fat32FormatError(`${entry.path}: directory without a cluster`);
          nodes.push({ ...entry, children: await walk(entry.firstCluster, entry.path, depth + 1) });
        } else {
          if (entry.kind === 'file' && entry.size > 0 && entry.firstCluster === 0) {
            throw new Fat32FormatError(`${entry.path}: ${entry.size}-byte file without a cluster`);
          }
          nodes.push(entry);
        }
      }
      return nodes;
    };
    const children = await walk(this.info.rootCluster, '', 0);
    const epoch = decodeFatDateTime(0, 0);
    return {
      kind: 'directory', name: '', shortName: '', path: '', attributes: ATTR_DIRECTORY, firstCluster: this.info.rootCluster,
      mtimeMs: epoch, ctimeMs: epoch, atimeMs: epoch, children,
    };
  }
}
