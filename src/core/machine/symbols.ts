/**
 * Symbol tables for showing addresses as `name+0xoff`: read from an ELF64 image's .symtab/.dynsym
 * (functions, objects and labels placed in a section, with their sizes) or from a System.map
 * (`address type name` per line). Only the bytes the table needs are read (a reader callback), so a
 * vmlinux with hundreds of MiB of debug information costs its symbol table and no more. Every malformed
 * input is one SymbolError naming the file; the table keeps at most MAX_SYMBOLS entries.
 */

export class SymbolError extends Error {}

/** Bound on the symbols kept from one file (a vmlinux has ~100 k; a hostile file claims billions). */
export const MAX_SYMBOLS = 2_000_000;
/** An address this far past a symbol without a size is not taken as inside it. */
export const UNSIZED_BOUND = 0x10000;
const MAX_NAME = 256;
/** A System.map of 2 M symbols is ~100 MiB; a larger text file is not one. */
const MAX_MAP_BYTES = 192 * 1024 * 1024;

export interface SymbolEntry {
  readonly name: string;
  readonly address: bigint;
  /** Bytes; 0 when the file does not say (labels, System.map). */
  readonly size: number;
  readonly kind: 'function' | 'object' | 'label';
}

/** Reads `length` bytes at `offset` of the file; fewer at its end. */
export type ByteReader = (offset: number, length: number) => Uint8Array;

export class SymbolTable {
  private readonly addresses: BigUint64Array;
  private readonly order: readonly SymbolEntry[];
  private readonly byName = new Map<string, SymbolEntry>();

  constructor(
    /** The file the symbols came from, as the user named it. */
    readonly source: string,
    entries: readonly SymbolEntry[],
  ) {
    // At one address, a sized function or object beats a label, a global name the first one seen.
    const rank = (e: SymbolEntry): number => (e.size > 0 ? 2 : 0) + (e.kind === 'label' ? 0 : 1);
    const sorted = [...entries].sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : rank(b) - rank(a)));
    const unique: SymbolEntry[] = [];
    for (const entry of sorted) {
      const last = unique[unique.length - 1];
      if (!last || last.address !== entry.address) unique.push(entry);
      const known = this.byName.get(entry.name);
      if (!known || rank(entry) > rank(known)) this.byName.set(entry.name, entry);
    }
    this.order = unique;
    this.addresses = BigUint64Array.from(unique.map((e) => e.address));
  }

  get count(): number {
    return this.byName.size;
  }

  /** The symbol an address lies in and the offset into it, or undefined when none covers it. */
  lookup(address: bigint): { readonly symbol: SymbolEntry; readonly offset: bigint } | undefined {
    const a = BigInt.asUintN(64, address);
    let lo = 0;
    let hi = this.addresses.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.addresses[mid]! <= a) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found < 0) return undefined;
    const symbol = this.order[found]!;
    const offset = a - symbol.address;
    if (symbol.size > 0 ? offset >= BigInt(symbol.size) : offset >= BigInt(UNSIZED_BOUND)) return undefined;
    return { symbol, offset };
  }

  /** `name+0xoff` (`name` at offset 0), or undefined. */
  describe(address: bigint): string | undefined {
    const hit = this.lookup(address);
    if (!hit) return undefined;
    return hit.offset === 0n ? hit.symbol.name : `${hit.symbol.name}+0x${hit.offset.toString(16)}`;
  }

  find(name: string): SymbolEntry | undefined {
    return this.byName.get(name);
  }
}

/** Reads a symbol file: ELF when it starts with the ELF magic, else a System.map. */
export function parseSymbolFile(read: ByteReader, fileSize: number, name: string): SymbolTable {
  const magic = read(0, 4);
  if (magic.length === 4 && magic[0] === 0x7f && magic[1] === 0x45 && magic[2] === 0x4c && magic[3] === 0x46) return parseElfSymbols(read, fileSize, name);
  if (fileSize > MAX_MAP_BYTES) throw new SymbolError(`${name}: not an ELF file, and at ${fileSize} bytes too large for a System.map (at most ${MAX_MAP_BYTES >> 20} MiB)`);
  const bytes = read(0, fileSize);
  // Symbol names are ASCII; other bytes only need to fail the line format, so each is one character.
  let text = '';
  for (let at = 0; at < bytes.length; at += 0x8000) text += String.fromCharCode(...bytes.subarray(at, at + 0x8000));
  return parseSystemMap(text, name);
}

const SHT_SYMTAB = 2;
const SHT_DYNSYM = 11;
const SHN_UNDEF = 0;
const SHN_ABS = 0xfff1;
const STT_NOTYPE = 0;
const STT_OBJECT = 1;
const STT_FUNC = 2;
const SYM_BYTES = 24;
const SHDR_BYTES = 64;

export function parseElfSymbols(read: ByteReader, fileSize: number, name: string): SymbolTable {
  const fail = (message: string): never => {
    throw new SymbolError(`${name}: ${message}`);
  };
  const chunk = (offset: number, length: number, what: string): DataView => {
    if (!Number.isSafeInteger(offset) || offset < 0 || length < 0 || offset + length > fileSize) fail(`truncated ELF: ${what} at 0x${offset.toString(16)}+0x${length.toString(16)} lies past the end of the file (${fileSize} bytes)`);
    const bytes = read(offset, length);
    if (bytes.length < length) fail(`truncated ELF: ${what} at 0x${offset.toString(16)}`);
    return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  };
  const header = chunk(0, 64, 'the ELF header');
  if (header.getUint8(4) !== 2) fail(`only 64-bit ELF files carry symbols here (EI_CLASS=${header.getUint8(4)})`);
  if (header.getUint8(5) !== 1) fail('only little-endian ELF files are supported');
  const safe = (value: bigint, what: string): number => (value > BigInt(Number.MAX_SAFE_INTEGER) ? fail(`${what} 0x${value.toString(16)} out of range`) : Number(value));
  const shoff = safe(header.getBigUint64(0x28, true), 'e_shoff');
  const shentsize = header.getUint16(0x3a, true);
  const shnum = header.getUint16(0x3c, true);
  if (shoff === 0 || shnum === 0) fail('no section headers (a stripped or raw image has no symbols)');
  if (shentsize !== SHDR_BYTES) fail(`e_shentsize ${shentsize} is not ELF64's ${SHDR_BYTES}`);
  const sections = chunk(shoff, shnum * SHDR_BYTES, 'the section headers');
  const entries: SymbolEntry[] = [];
  let tables = 0;
  for (let i = 0; i < shnum; i++) {
    const at = i * SHDR_BYTES;
    const type = sections.getUint32(at + 4, true);
    if (type !== SHT_SYMTAB && type !== SHT_DYNSYM) continue;
    // .dynsym repeats .symtab's exported names: read it only when there is no .symtab.
    if (type === SHT_DYNSYM && tables > 0) continue;
    tables++;
    const offset = safe(sections.getBigUint64(at + 24, true), 'sh_offset');
    const size = safe(sections.getBigUint64(at + 32, true), 'sh_size');
    const link = sections.getUint32(at + 40, true);
    if (link >= shnum) fail(`symbol table ${i} links to section ${link} of ${shnum}`);
    const stroff = safe(sections.getBigUint64(link * SHDR_BYTES + 24, true), 'the string table offset');
    const strsize = safe(sections.getBigUint64(link * SHDR_BYTES + 32, true), 'the string table size');
    const count = Math.floor(size / SYM_BYTES);
    if (entries.length + count > MAX_SYMBOLS) fail(`more than ${MAX_SYMBOLS} symbols`);
    const symbols = chunk(offset, count * SYM_BYTES, 'the symbol table');
    const strings = chunk(stroff, strsize, 'the string table');
    const stringBytes = new Uint8Array(strings.buffer, strings.byteOffset, strsize);
    for (let s = 1; s < count; s++) {
      const base = s * SYM_BYTES;
      const info = symbols.getUint8(base + 4);
      const kind = info & 0xf;
      const shndx = symbols.getUint16(base + 6, true);
      if (shndx === SHN_UNDEF || shndx === SHN_ABS) continue;
      if (kind !== STT_FUNC && kind !== STT_OBJECT && kind !== STT_NOTYPE) continue;
      const nameOffset = symbols.getUint32(base, true);
      if (nameOffset >= strsize) fail(`symbol ${s} names string 0x${nameOffset.toString(16)} past its table (${strsize} bytes)`);
      let end = nameOffset;
      while (end < strsize && end - nameOffset < MAX_NAME && stringBytes[end] !== 0) end++;
      const symbolName = String.fromCharCode(...stringBytes.subarray(nameOffset, end));
      // Mapping symbols ($x, $d) and assembler-local labels say nothing to a reader.
      if (!symbolName || symbolName.startsWith('$') || symbolName.startsWith('.L')) continue;
      const sizeValue = symbols.getBigUint64(base + 16, true);
      entries.push({
        name: symbolName,
        address: symbols.getBigUint64(base + 8, true),
        size: sizeValue > 0xffff_ffffn ? 0 : Number(sizeValue),
        kind: kind === STT_FUNC ? 'function' : kind === STT_OBJECT ? 'object' : 'label',
      });
    }
  }
  if (tables === 0) fail('no symbol table (.symtab or .dynsym): the file is stripped');
  return new SymbolTable(name, entries);
}

/** System.map / `nm` output: `address type name` per line; absolute and undefined symbols are skipped. */
export function parseSystemMap(text: string, name: string): SymbolTable {
  const entries: SymbolEntry[] = [];
  let lineNumber = 0;
  for (const line of text.split('\n')) {
    lineNumber++;
    const trimmed = line.trim();
    if (!trimmed) continue;
    const match = /^([0-9a-fA-F]{1,16})\s+([A-Za-z?-])\s+(\S{1,256})(\s+\S+)?$/.exec(trimmed);
    if (!match) {
      const shown = trimmed.length > 40 ? `${trimmed.slice(0, 40)}…` : trimmed;
      throw new SymbolError(`${name}: line ${lineNumber} is not 'address type name' (System.map or nm output): ${JSON.stringify(shown)}`);
    }
    const type = match[2]!;
    if ('aAUuNw?-'.includes(type)) continue;
    if (entries.length >= MAX_SYMBOLS) throw new SymbolError(`${name}: more than ${MAX_SYMBOLS} symbols`);
    entries.push({ name: match[3]!, address: BigInt(`0x${match[1]}`), size: 0, kind: 'tTW'.includes(type) ? 'function' : 'object' });
  }
  if (entries.length === 0) throw new SymbolError(`${name}: no symbols (neither an ELF file nor a System.map)`);
  return new SymbolTable(name, entries);
}

/** Adds ` <name+0xoff>` after every `pc 0x...` of a report or an event's text that a symbol covers. */
export function annotatePcs(text: string, describe: (address: bigint) => string | undefined): string {
  return text.replace(/\bpc (0x[0-9a-fA-F]{1,16})\b(?! <)/g, (whole, hex: string) => {
    const name = describe(BigInt(hex));
    return name ? `${whole} <${name}>` : whole;
  });
}
