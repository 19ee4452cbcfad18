/**
 * The snapshot file (docs/decisions/0024): "HVWBSNAP", a format version (u32 LE), the length of a JSON
 * header (u32 LE), the header, then the sections back to back as the header lists them. The header says
 * which workbench wrote it, which layout it is of (a hash of the layout's files and images, each file
 * listed), the board, the machine's plan (every shared region's name, offset and length) and the
 * machine time at the save; each section has its encoding, stored and decoded lengths and a SHA-256
 * of its stored bytes. Reading checks everything (magic, versions, lengths, hashes, the layout, the
 * plan) and decodes every section before the caller touches a running machine, and each refusal is
 * one SnapshotError naming the file and what differs.
 *
 * Encodings: `deflate` (zlib, level 1) for the machine's shared regions other than RAM; `pages` for
 * RAM: a bitmap of the 4 KiB pages that are not all zero, then those pages, deflated (guest RAM is
 * mostly zeros); `raw` for the CPUs' private states (small JSON).
 */
import { createHash } from 'node:crypto';
import { readFile, writeFile, rename, unlink } from 'node:fs/promises';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { HostFileError } from '../layout-loader';
import type { LayoutIdentity } from './layout-identity';

export const SNAPSHOT_MAGIC = 'HVWBSNAP';
export const SNAPSHOT_FORMAT = 1;
const PAGE = 4096;
const PREFIX_BYTES = 16;

export class SnapshotError extends HostFileError {}

export type SectionEncoding = 'deflate' | 'pages' | 'raw';

export interface SectionInfo {
  readonly name: string;
  readonly encoding: SectionEncoding;
  /** Bytes in the file. */
  readonly stored: number;
  /** Bytes once decoded. */
  readonly length: number;
  readonly sha256: string;
}

export interface SnapshotHeader {
  readonly format: number;
  /** The workbench version that wrote it (package.json). */
  readonly workbench: string;
  readonly createdAt: string;
  readonly layout: LayoutIdentity;
  readonly machine: {
    readonly board: string;
    readonly arch: string;
    readonly harts: number;
    readonly ramSize: number;
    readonly totalBytes: number;
    readonly regions: readonly { readonly name: string; readonly offset: number; readonly length: number }[];
  };
  /** Machine time (board ticks) when the machine was paused for the save; the restored clock starts there. */
  readonly machineTicks: number;
  readonly timebase: number;
  /** Whether the machine ran before the save (a restore resumes it then). */
  readonly wasRunning: boolean;
  readonly zoneNames: readonly (readonly [number, string])[];
  /** Instructions retired by all CPUs at the save. */
  readonly retired: number;
  readonly sections: readonly SectionInfo[];
}

/**
 * A section to write: its name, encoding and bytes, copied at the save point (for `pages`, the sparse
 * form sparsePages() made, with the region's length).
 */
export interface SectionInput {
  readonly name: string;
  readonly encoding: SectionEncoding;
  readonly bytes: Uint8Array;
  readonly length?: number;
}

const deflate = promisify(zlib.deflate) as (buffer: Uint8Array, options: zlib.ZlibOptions) => Promise<Buffer>;
const inflate = promisify(zlib.inflate) as (buffer: Uint8Array, options: zlib.ZlibOptions) => Promise<Buffer>;

/** Whether the words [start, end) are all zero (a tight loop: V8 keeps it fast over shared memory). */
function zeroWords(words: Int32Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (words[i] !== 0) return false;
  return true;
}

/** Whether a page (at most PAGE bytes, 4-byte aligned) is all zeros. */
function isZeroPage(bytes: Uint8Array, start: number, end: number): boolean {
  const words = new Int32Array(bytes.buffer, bytes.byteOffset + start, (end - start) >> 2);
  if (!zeroWords(words, 0, words.length)) return false;
  for (let i = start + (words.length << 2); i < end; i++) if (bytes[i] !== 0) return false;
  return true;
}

/**
 * RAM as the `pages` encoding stores it: the bitmap of non-zero pages, then those pages (a copy, taken
 * now). `resident`: per page, 0 where the host never committed it (resident-pages.ts), not read at all.
 */
export function sparsePages(ram: Uint8Array, resident?: Uint8Array): Uint8Array {
  const pages = Math.ceil(ram.length / PAGE);
  const bitmap = new Uint8Array(Math.ceil(pages / 8));
  let used = 0;
  for (let p = 0; p < pages; p++) {
    if (resident && resident[p] === 0) continue;
    if (isZeroPage(ram, p * PAGE, Math.min((p + 1) * PAGE, ram.length))) continue;
    bitmap[p >> 3]! |= 1 << (p & 7);
    used++;
  }
  const out = new Uint8Array(8 + bitmap.length + used * PAGE);
  new DataView(out.buffer).setUint32(0, pages, true);
  new DataView(out.buffer).setUint32(4, used, true);
  out.set(bitmap, 8);
  let at = 8 + bitmap.length;
  for (let p = 0; p < pages; p++) {
    if ((bitmap[p >> 3]! & (1 << (p & 7))) === 0) continue;
    out.set(ram.subarray(p * PAGE, Math.min((p + 1) * PAGE, ram.length)), at);
    at += PAGE;
  }
  return out;
}

/** The `pages` form of a `length`-byte object from its listed pages (page index and PAGE bytes, ascending), zero or not. */
export function encodePages(length: number, pages: readonly (readonly [number, Uint8Array])[]): Uint8Array {
  const count = Math.ceil(length / PAGE);
  const bitmapBytes = Math.ceil(count / 8);
  const out = new Uint8Array(8 + bitmapBytes + pages.length * PAGE);
  new DataView(out.buffer).setUint32(0, count, true);
  new DataView(out.buffer).setUint32(4, pages.length, true);
  let at = 8 + bitmapBytes;
  for (const [index, bytes] of pages) {
    out[8 + (index >> 3)]! |= 1 << (index & 7);
    out.set(bytes.subarray(0, PAGE), at);
    at += PAGE;
  }
  return out;
}

/** The pages a checked `pages` form holds: index and PAGE bytes each, ascending. */
export function* decodePages(sparse: Uint8Array): Generator<[number, Uint8Array]> {
  const pages = new DataView(sparse.buffer, sparse.byteOffset, sparse.byteLength).getUint32(0, true);
  let at = 8 + Math.ceil(pages / 8);
  for (let p = 0; p < pages; p++) {
    if ((sparse[8 + (p >> 3)]! & (1 << (p & 7))) === 0) continue;
    yield [p, sparse.subarray(at, at + PAGE)];
    at += PAGE;
  }
}

/** Checks the sparse form of a region of `length` bytes (throws naming `where`). */
function checkPages(sparse: Uint8Array, length: number, where: string): void {
  if (sparse.length < 8) throw new SnapshotError(`${where}: the page map is cut short`);
  const view = new DataView(sparse.buffer, sparse.byteOffset, sparse.byteLength);
  const pages = view.getUint32(0, true);
  const used = view.getUint32(4, true);
  const bitmapBytes = Math.ceil(pages / 8);
  let marked = 0;
  for (let i = 0; i < bitmapBytes; i++) for (let b = sparse[8 + i]!; b; b &= b - 1) marked++;
  if (pages !== Math.ceil(length / PAGE) || marked !== used || sparse.length !== 8 + bitmapBytes + used * PAGE) {
    throw new SnapshotError(`${where}: the page map says ${pages} pages (${used} used, ${marked} marked) in ${sparse.length} bytes, the region has ${Math.ceil(length / PAGE)} pages`);
  }
}

/**
 * Writes a checked sparse form into `target` (a region of the machine): its pages, and zeros over every
 * other page that is not zero already, unless the caller knows the target is untouched (reading a page
 * of a fresh machine's memory makes the host commit it).
 */
export function applyPages(sparse: Uint8Array, target: Uint8Array, targetIsZero = false): void {
  const pages = new DataView(sparse.buffer, sparse.byteOffset, sparse.byteLength).getUint32(0, true);
  const bitmapBytes = Math.ceil(pages / 8);
  let at = 8 + bitmapBytes;
  for (let p = 0; p < pages; p++) {
    const start = p * PAGE;
    const end = Math.min(start + PAGE, target.length);
    if ((sparse[8 + (p >> 3)]! & (1 << (p & 7))) !== 0) {
      target.set(sparse.subarray(at, at + (end - start)), start);
      at += PAGE;
    } else if (!targetIsZero && !isZeroPage(target, start, end)) target.fill(0, start, end);
  }
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Encodes the sections and writes the file (to a temporary name first, so a failed save leaves no half file). */
export async function writeSnapshot(file: string, header: Omit<SnapshotHeader, 'sections' | 'format'>, sections: readonly SectionInput[]): Promise<{ bytes: number }> {
  const stored: Uint8Array[] = [];
  const infos: SectionInfo[] = [];
  for (const section of sections) {
    const data = section.encoding === 'raw' ? section.bytes : await deflate(section.bytes, { level: 1 });
    stored.push(data);
    infos.push({ name: section.name, encoding: section.encoding, stored: data.length, length: section.length ?? section.bytes.length, sha256: sha256(data) });
  }
  const json = Buffer.from(JSON.stringify({ format: SNAPSHOT_FORMAT, ...header, sections: infos }), 'utf8');
  const prefix = Buffer.alloc(PREFIX_BYTES);
  prefix.write(SNAPSHOT_MAGIC, 0, 'latin1');
  prefix.writeUInt32LE(SNAPSHOT_FORMAT, 8);
  prefix.writeUInt32LE(json.length, 12);
  const temporary = `${file}.${process.pid}.part`;
  try {
    await writeFile(temporary, Buffer.concat([prefix, json, ...stored]));
    await rename(temporary, file);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw new SnapshotError(`${file}: cannot write the snapshot (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return { bytes: PREFIX_BYTES + json.length + stored.reduce((n, s) => n + s.length, 0) };
}

export interface ReadSnapshot {
  readonly header: SnapshotHeader;
  /** Decoded sections by name (`pages` sections in their checked sparse form: applyPages writes them). */
  readonly sections: ReadonlyMap<string, Uint8Array>;
  readonly bytes: number;
}

/** Reads the header only (for `hvwb snapshot info` and the checks before decoding). */
export function parseSnapshotHeader(file: string, data: Uint8Array): { header: SnapshotHeader; dataStart: number } {
  if (data.length < PREFIX_BYTES) throw new SnapshotError(`${file}: not a workbench snapshot (${data.length} bytes, too short for its header)`);
  const prefix = Buffer.from(data.buffer, data.byteOffset, PREFIX_BYTES);
  if (prefix.toString('latin1', 0, 8) !== SNAPSHOT_MAGIC) throw new SnapshotError(`${file}: not a workbench snapshot (it does not start with ${SNAPSHOT_MAGIC})`);
  const format = prefix.readUInt32LE(8);
  if (format !== SNAPSHOT_FORMAT) throw new SnapshotError(`${file}: snapshot format ${format}; this workbench reads format ${SNAPSHOT_FORMAT}`);
  const length = prefix.readUInt32LE(12);
  if (PREFIX_BYTES + length > data.length) throw new SnapshotError(`${file}: truncated: the header needs ${length} bytes, the file has ${data.length - PREFIX_BYTES} after the prefix`);
  let header: SnapshotHeader;
  try {
    header = JSON.parse(Buffer.from(data.buffer, data.byteOffset + PREFIX_BYTES, length).toString('utf8')) as SnapshotHeader;
  } catch (error) {
    throw new SnapshotError(`${file}: the snapshot header is corrupt (${(error as Error).message})`);
  }
  if (!header || typeof header !== 'object' || !Array.isArray(header.sections) || !header.layout || !header.machine) {
    throw new SnapshotError(`${file}: the snapshot header is corrupt (sections, layout or machine missing)`);
  }
  return { header, dataStart: PREFIX_BYTES + length };
}

/** Reads and checks the whole file, decoding every section; throws SnapshotError naming the file and the section. */
export async function readSnapshot(file: string): Promise<ReadSnapshot> {
  const data = await readFile(file).catch((error: NodeJS.ErrnoException) => {
    throw new SnapshotError(`${file}: cannot read the snapshot (${error.code ?? error.message})`);
  });
  const { header, dataStart } = parseSnapshotHeader(file, data);
  const needed = header.sections.reduce((n, s) => n + s.stored, 0);
  if (dataStart + needed > data.length) {
    throw new SnapshotError(`${file}: truncated: the sections need ${needed} bytes after the header, the file has ${data.length - dataStart}`);
  }
  if (dataStart + needed < data.length) throw new SnapshotError(`${file}: corrupt: ${data.length - dataStart - needed} bytes after the last section`);
  const sections = new Map<string, Uint8Array>();
  let at = dataStart;
  for (const section of header.sections) {
    const stored = data.subarray(at, at + section.stored);
    at += section.stored;
    const where = `${file}: section '${section.name}'`;
    if (sha256(stored) !== section.sha256) throw new SnapshotError(`${where} is corrupt (its SHA-256 differs from the header's)`);
    let decoded: Uint8Array;
    try {
      if (section.encoding === 'raw') decoded = stored;
      else if (section.encoding === 'deflate') decoded = await inflate(stored, {});
      else if (section.encoding === 'pages') {
        decoded = await inflate(stored, {});
        checkPages(decoded, section.length, where);
      }
      else throw new SnapshotError(`${where} has an unknown encoding '${String(section.encoding)}'`);
    } catch (error) {
      if (error instanceof SnapshotError) throw error;
      throw new SnapshotError(`${where} does not decode (${(error as Error).message})`);
    }
    if (section.encoding !== 'pages' && decoded.length !== section.length) throw new SnapshotError(`${where} decodes to ${decoded.length} bytes, the header says ${section.length}`);
    sections.set(section.name, decoded);
  }
  return { header, sections, bytes: data.length };
}
