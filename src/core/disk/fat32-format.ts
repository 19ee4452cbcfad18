/**
 * On-disk constants and encodings of FAT32 shared by the image builder and the reader, after the
 * Microsoft FAT specification (fatgen103): directory entry attributes, date/time fields, the long
 * file name (VFAT) layout and checksum, which names FAT can hold, and 8.3 short-name generation.
 *
 * Timestamps are encoded as UTC. FAT stores local time without a zone; a Linux guest mounts with the
 * kernel's time zone, which is UTC unless someone sets it, so UTC round-trips with the usual guest.
 */

export const SECTOR_BYTES = 512;
export const DIR_ENTRY_BYTES = 32;

export const ATTR_READ_ONLY = 0x01;
export const ATTR_HIDDEN = 0x02;
export const ATTR_SYSTEM = 0x04;
export const ATTR_VOLUME_ID = 0x08;
export const ATTR_DIRECTORY = 0x10;
export const ATTR_ARCHIVE = 0x20;
export const ATTR_DEVICE = 0x40;
/** READ_ONLY | HIDDEN | SYSTEM | VOLUME_ID: no real entry has all four, so it marks LFN entries. */
export const ATTR_LONG_NAME = 0x0f;

/** Below this many clusters a volume is FAT16 by definition, whatever the BPB says. */
export const FAT32_MIN_CLUSTERS = 65525;
/** Cluster numbers run from 2 to 0x0FFFFFF6; 0x0FFFFFF7 marks a bad cluster. */
export const FAT32_MAX_CLUSTERS = 0x0ffffff5;
export const FAT_ENTRY_MASK = 0x0fffffff;
export const FAT_BAD_CLUSTER = 0x0ffffff7;
/** Any entry at or above this ends a chain. */
export const FAT_EOC_MIN = 0x0ffffff8;
export const FAT_EOC = 0x0fffffff;

export const MAX_FILE_BYTES = 0xffffffff;
export const MAX_NAME_UNITS = 255;
/** A directory is at most 2 MiB of entries (the spec caps it at 65536 entries). */
export const MAX_DIRECTORY_ENTRIES = 65536;
export const LFN_UNITS_PER_ENTRY = 13;
export const LFN_LAST_FLAG = 0x40;
export const DELETED_ENTRY = 0xe5;
/** A short name whose first byte is really 0xE5 is stored with 0x05 so it is not read as deleted. */
export const KANJI_E5_ESCAPE = 0x05;
/** NTRes bits that Windows NT and Linux use to show an all-lowercase 8.3 base or extension. */
export const NTRES_LOWER_BASE = 0x08;
export const NTRES_LOWER_EXT = 0x10;

/** Byte offsets of the 13 UTF-16 units inside an LFN entry (5 + 6 + 2). */
export const LFN_UNIT_OFFSETS: readonly number[] = [1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30];

const FAT_EPOCH_MS = Date.UTC(1980, 0, 1);
const FAT_LAST_MS = Date.UTC(2107, 11, 31, 23, 59, 58);

export interface FatDateTime {
  readonly date: number;
  readonly time: number;
  /** Hundredths of a second beyond `time` (0..199): FAT time has 2-second resolution otherwise. */
  readonly hundredths: number;
}

/** Encodes a host time; times outside 1980..2107 are clamped because FAT cannot express them. */
export function encodeFatDateTime(ms: number): FatDateTime {
  const clamped = Math.min(Math.max(Number.isFinite(ms) ? ms : FAT_EPOCH_MS, FAT_EPOCH_MS), FAT_LAST_MS);
  const d = new Date(clamped);
  const seconds = d.getUTCSeconds();
  return {
    date: ((d.getUTCFullYear() - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(),
    time: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | (seconds >> 1),
    hundredths: (seconds & 1) * 100 + Math.floor(d.getUTCMilliseconds() / 10),
  };
}

export function decodeFatDateTime(date: number, time: number, hundredths = 0): number {
  if (date === 0) return FAT_EPOCH_MS;
  const year = 1980 + (date >> 9);
  const month = Math.max(1, (date >> 5) & 0x0f) - 1;
  const day = Math.max(1, date & 0x1f);
  const ms = Math.min(hundredths, 199) * 10;
  return Date.UTC(year, month, day, time >> 11, (time >> 5) & 0x3f, (time & 0x1f) * 2) + ms;
}

/** Checksum of the 11-byte short name that every LFN entry of the same file repeats. */
export function shortNameChecksum(name11: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < 11; i++) sum = ((((sum & 1) << 7) | (sum >> 1)) + name11[i]!) & 0xff;
  return sum;
}

const FORBIDDEN = new Set(['"', '*', '/', ':', '<', '>', '?', '\\', '|']);

function describeUnit(unit: string): string {
  const code = unit.charCodeAt(0);
  return code < 0x20 ? `control character U+${code.toString(16).padStart(4, '0').toUpperCase()}` : `'${unit}'`;
}

/** Why FAT (with VFAT long names) cannot store `name`, or undefined when it can. */
export function fatNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'the name is empty';
  if (name === '.' || name === '..') return `'${name}' is reserved`;
  if (name.length > MAX_NAME_UNITS) return `the name is ${name.length} UTF-16 units long; FAT allows ${MAX_NAME_UNITS}`;
  for (let i = 0; i < name.length; i++) {
    const unit = name[i]!;
    const code = unit.charCodeAt(0);
    if (code < 0x20 || FORBIDDEN.has(unit)) return `the name contains ${describeUnit(unit)}, which FAT forbids`;
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = name.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return 'the name contains an unpaired UTF-16 surrogate';
      i++;
    } else if (code >= 0xdc00 && code <= 0xdfff) {
      return 'the name contains an unpaired UTF-16 surrogate';
    }
  }
  // FAT drivers (Windows, Linux vfat) strip trailing dots on lookup, so such a name could never be opened.
  if (name.endsWith('.')) return 'the name ends with a dot, which FAT drivers strip';
  if (name.endsWith(' ')) return 'the name ends with a space, which FAT drivers strip';
  return undefined;
}

/**
 * Upper-cases one UTF-16 unit at a time, like the FAT up-case table: FAT compares names this way, so
 * two names with the same fold cannot share a folder. Expanding mappings (ß -> SS) are left alone.
 */
export function foldName(name: string): string {
  let out = '';
  for (const unit of name.split('')) {
    const upper = unit.toUpperCase();
    out += upper.length === 1 ? upper : unit;
  }
  return out;
}

const SHORT_SPECIALS = "$%'-_@~`!(){}^#&";

function isShortChar(ch: string): boolean {
  return (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || SHORT_SPECIALS.includes(ch);
}

function pad(text: string, width: number): string {
  return text.padEnd(width, ' ');
}

/** The 11-character short name when `name` already is a valid upper-case 8.3 name, else undefined. */
export function exactShortName(name: string): string | undefined {
  const dot = name.indexOf('.');
  const base = dot < 0 ? name : name.slice(0, dot);
  const ext = dot < 0 ? '' : name.slice(dot + 1);
  if (base.length < 1 || base.length > 8 || ext.length > 3 || (dot >= 0 && ext.length === 0)) return undefined;
  if (![...base, ...ext].every(isShortChar)) return undefined;
  return pad(base, 8) + pad(ext, 3);
}

/**
 * Hands out unique 8.3 names inside one directory, following the spec's basis-name algorithm:
 * upper-case, drop spaces and leading dots, keep the last extension, replace what 8.3 cannot hold
 * with '_', truncate to 8+3, and add a numeric tail (~1, ~2, ...) when the result is lossy or taken.
 */
export class ShortNameAllocator {
  private readonly used = new Set<string>();
  private readonly nextTail = new Map<string, number>();

  /** Claims a name that must stay as it is (a long name that is already 8.3); false when taken. */
  reserve(name11: string): boolean {
    if (this.used.has(name11)) return false;
    this.used.add(name11);
    return true;
  }

  allocate(longName: string): string {
    let lossy = false;
    let text = foldName(longName);
    const withoutSpaces = text.replaceAll(' ', '');
    if (withoutSpaces !== text) lossy = true;
    if (withoutSpaces.startsWith('.')) lossy = true;
    text = withoutSpaces.replace(/^\.+/, '');
    const dot = text.lastIndexOf('.');
    let base = dot < 0 ? text : text.slice(0, dot);
    const ext = dot < 0 ? '' : text.slice(dot + 1);
    if (base.includes('.')) {
      base = base.replaceAll('.', '');
      lossy = true;
    }
    const mapChars = (part: string): string =>
      [...part]
        .map((ch) => {
          if (isShortChar(ch)) return ch;
          lossy = true;
          return '_';
        })
        .join('');
    const shortBase = mapChars(base) || '_';
    const shortExt = mapChars(ext);
    const truncated = shortBase.length > 8 || shortExt.length > 3;
    const base8 = shortBase.slice(0, 8);
    const ext3 = shortExt.slice(0, 3);
    const plain = pad(base8, 8) + pad(ext3, 3);
    if (!lossy && !truncated && this.reserve(plain)) return plain;
    const key = `${base8}.${ext3}`;
    for (let n = this.nextTail.get(key) ?? 1; n <= 999_999; n++) {
      const tail = `~${n}`;
      const candidate = pad(base8.slice(0, 8 - tail.length) + tail, 8) + pad(ext3, 3);
      if (this.reserve(candidate)) {
        this.nextTail.set(key, n + 1);
        return candidate;
      }
    }
    throw new Error(`no free 8.3 name left for '${longName}'`);
  }
}

/** Splits a long name into the UTF-16 units of its LFN entries: NUL-terminated, padded with 0xFFFF. */
export function lfnUnits(name: string): Uint16Array {
  const count = Math.ceil(name.length / LFN_UNITS_PER_ENTRY);
  const units = new Uint16Array(count * LFN_UNITS_PER_ENTRY).fill(0xffff);
  for (let i = 0; i < name.length; i++) units[i] = name.charCodeAt(i);
  if (name.length < units.length) units[name.length] = 0;
  return units;
}

/** Shows an 11-byte short name as NAME.EXT, lower-casing parts the NTRes flags mark as lower case. */
export function displayShortName(name11: Uint8Array, ntRes: number): string {
  const chars = Array.from(name11, (byte, i) => String.fromCharCode(i === 0 && byte === KANJI_E5_ESCAPE ? DELETED_ENTRY : byte));
  let base = chars.slice(0, 8).join('').trimEnd();
  let ext = chars.slice(8, 11).join('').trimEnd();
  if (ntRes & NTRES_LOWER_BASE) base = base.toLowerCase();
  if (ntRes & NTRES_LOWER_EXT) ext = ext.toLowerCase();
  return ext ? `${base}.${ext}` : base;
}
