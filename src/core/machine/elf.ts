/**
 * ELF64 little-endian reader for guest images: loadable segments, entry point and the symbol table
 * (for HTIF's `tohost`). Relocations, dynamic linking and 32-bit ELF are out of scope: guests are
 * statically linked kernels and firmware.
 */

export const EM_RISCV = 243;
export const EM_AARCH64 = 183;
export const EM_LOONGARCH = 258;

export interface ElfSegment {
  /** Physical load address (p_paddr), which is where firmware-style loaders put the bytes. */
  readonly paddr: number;
  readonly vaddr: number;
  readonly fileOffset: number;
  readonly fileSize: number;
  readonly memSize: number;
}

export interface ElfImage {
  readonly machine: number;
  readonly entry: number;
  readonly segments: readonly ElfSegment[];
  readonly symbols: ReadonlyMap<string, number>;
}

export class ImageError extends Error {}

const PT_LOAD = 1;
const SHT_SYMTAB = 2;

export function isElf(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46;
}

/** ELF64 structure sizes: a header field that disagrees would make every later offset wrong. */
const EHDR_BYTES = 64;
const PHDR_BYTES = 56;
const SHDR_BYTES = 64;
const SYM_BYTES = 24;
/** Longest symbol name kept; the scan for its end stops there too, so a table cannot cost O(n^2). */
const MAX_SYMBOL_NAME = 256;

/**
 * Reads an ELF64 image. A malformed one (sizes that disagree with ELF64, tables past the end of the
 * file) is refused with one ImageError naming the file and the field, never with a RangeError.
 */
export function parseElf(bytes: Uint8Array, name: string): ElfImage {
  if (!isElf(bytes)) throw new ImageError(`${name}: not an ELF file (no \\x7fELF magic)`);
  if (bytes.length < EHDR_BYTES) throw new ImageError(`${name}: truncated ELF header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes[4] !== 2) throw new ImageError(`${name}: only 64-bit ELF images are supported (EI_CLASS=${bytes[4]})`);
  if (bytes[5] !== 1) throw new ImageError(`${name}: only little-endian ELF images are supported`);
  const fail = (message: string): never => {
    throw new ImageError(`${name}: ${message}`);
  };
  const u64 = (off: number, field: string): number => {
    if (off + 8 > bytes.length) fail(`truncated ELF (${field} at offset 0x${off.toString(16)})`);
    const value = view.getBigUint64(off, true);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) fail(`${field} 0x${value.toString(16)} out of range`);
    return Number(value);
  };
  const u32 = (off: number, field: string): number => {
    if (off + 4 > bytes.length) fail(`truncated ELF (${field} at offset 0x${off.toString(16)})`);
    return view.getUint32(off, true);
  };
  const u16 = (off: number): number => view.getUint16(off, true);
  /** A table of `count` entries of `size` bytes at `offset` must lie inside the file. */
  const checkTable = (what: string, offset: number, count: number, size: number): void => {
    if (offset + count * size > bytes.length) {
      fail(`${what} (0x${offset.toString(16)} + ${count} x ${size} bytes) extends past the end of the file (${bytes.length} bytes)`);
    }
  };
  const machine = u16(18);
  const entry = u64(24, 'e_entry');
  const phoff = u64(32, 'e_phoff');
  const shoff = u64(40, 'e_shoff');
  const phentsize = u16(54);
  const phnum = u16(56);
  const shentsize = u16(58);
  const shnum = u16(60);

  if (phnum > 0 && phentsize !== PHDR_BYTES) fail(`e_phentsize ${phentsize} is not ${PHDR_BYTES} (the size of an Elf64_Phdr)`);
  checkTable('the program headers (e_phoff, e_phnum)', phoff, phnum, PHDR_BYTES);
  const segments: ElfSegment[] = [];
  for (let i = 0; i < phnum; i++) {
    const ph = phoff + i * PHDR_BYTES;
    if (u32(ph, `p_type of segment ${i}`) !== PT_LOAD) continue;
    const segment = {
      fileOffset: u64(ph + 8, `p_offset of segment ${i}`),
      vaddr: u64(ph + 16, `p_vaddr of segment ${i}`),
      paddr: u64(ph + 24, `p_paddr of segment ${i}`),
      fileSize: u64(ph + 32, `p_filesz of segment ${i}`),
      memSize: u64(ph + 40, `p_memsz of segment ${i}`),
    };
    if (segment.fileOffset + segment.fileSize > bytes.length) {
      fail(`segment ${i} extends past the end of the file (truncated image?)`);
    }
    if (segment.fileSize > segment.memSize) fail(`p_filesz of segment ${i} is larger than its p_memsz`);
    if (segment.memSize > 0) segments.push(segment);
  }
  if (segments.length === 0) fail('no loadable segments');

  const symbols = new Map<string, number>();
  if (shoff > 0 && shnum > 0) {
    if (shentsize !== SHDR_BYTES) fail(`e_shentsize ${shentsize} is not ${SHDR_BYTES} (the size of an Elf64_Shdr)`);
    checkTable('the section headers (e_shoff, e_shnum)', shoff, shnum, SHDR_BYTES);
  }
  for (let i = 0; i < shnum && shoff > 0; i++) {
    const sh = shoff + i * SHDR_BYTES;
    if (u32(sh + 4, `sh_type of section ${i}`) !== SHT_SYMTAB) continue;
    const where = `symbol table (section ${i})`;
    const symOffset = u64(sh + 24, `${where} sh_offset`);
    const symSize = u64(sh + 32, `${where} sh_size`);
    const link = u32(sh + 40, `${where} sh_link`);
    const entSize = u64(sh + 56, `${where} sh_entsize`);
    if (entSize !== SYM_BYTES) fail(`${where}: sh_entsize ${entSize} is not ${SYM_BYTES} (the size of an Elf64_Sym)`);
    if (symSize % SYM_BYTES !== 0) fail(`${where}: sh_size ${symSize} is not a multiple of sh_entsize ${SYM_BYTES}`);
    checkTable(`${where}: sh_offset, sh_size`, symOffset, symSize / SYM_BYTES, SYM_BYTES);
    if (link === 0 || link >= shnum) fail(`${where}: sh_link ${link} names no string table (e_shnum ${shnum})`);
    const strSh = shoff + link * SHDR_BYTES;
    const strOffset = u64(strSh + 24, `string table (section ${link}) sh_offset`);
    const strSize = u64(strSh + 32, `string table (section ${link}) sh_size`);
    checkTable(`string table (section ${link}): sh_offset, sh_size`, strOffset, strSize, 1);
    for (let s = symOffset; s < symOffset + symSize; s += SYM_BYTES) {
      const nameOff = view.getUint32(s, true);
      if (nameOff === 0 || nameOff >= strSize) continue;
      const start = strOffset + nameOff;
      const limit = Math.min(strOffset + strSize, start + MAX_SYMBOL_NAME);
      let end = start;
      while (end < limit && bytes[end] !== 0) end++;
      const symName = String.fromCharCode(...bytes.subarray(start, end));
      const value = view.getBigUint64(s + 8, true);
      if (value <= BigInt(Number.MAX_SAFE_INTEGER)) symbols.set(symName, Number(value));
    }
  }
  return { machine, entry, segments, symbols };
}

/** One RAM window images can be copied into (AddressSpace.ram fits). */
export interface LoadWindow {
  readonly base: number;
  readonly size: number;
  readonly u8: Uint8Array;
}

/** Where images go: one RAM window, or every RAM bank of a machine (an AddressSpace fits). */
export type LoadTarget = LoadWindow | { readonly banks: readonly LoadWindow[] };

const hexRange = (w: LoadWindow): string => `0x${w.base.toString(16)}..0x${(w.base + w.size).toString(16)}`;

/** The window that holds all of [address, address + length), or an ImageError naming `what` and every bank. */
function windowFor(ram: LoadTarget, address: number, length: number, name: string, what: string): LoadWindow {
  const windows = 'banks' in ram ? ram.banks : [ram];
  const window = windows.find((w) => address >= w.base && address + length <= w.base + w.size);
  if (window) return window;
  throw new ImageError(`${name}: ${what} do${what.startsWith('segment') ? 'es' : ''} not fit in RAM ${windows.map(hexRange).join(', ')}`);
}

/** Copies an image's segments into RAM; every segment must land inside one bank. */
export function loadElf(image: ElfImage, bytes: Uint8Array, ram: LoadTarget, name: string): void {
  for (const seg of image.segments) {
    const window = windowFor(ram, seg.paddr, seg.memSize, name, `segment at 0x${seg.paddr.toString(16)}..0x${(seg.paddr + seg.memSize).toString(16)}`);
    const dest = seg.paddr - window.base;
    window.u8.set(bytes.subarray(seg.fileOffset, seg.fileOffset + seg.fileSize), dest);
    window.u8.fill(0, dest + seg.fileSize, dest + seg.memSize);
  }
}

/** Copies a raw binary (kernel Image, DTB, initrd) at a physical address, inside one bank. */
export function loadRaw(bytes: Uint8Array, address: number, ram: LoadTarget, name: string): void {
  rawDestination(ram, address, bytes.length, name).set(bytes);
}

/**
 * The RAM a raw binary of `length` bytes at `address` occupies, inside one bank (the same refusal as
 * loadRaw's), for a reader that puts the file's bytes there itself.
 */
export function rawDestination(ram: LoadTarget, address: number, length: number, name: string): Uint8Array {
  const window = windowFor(ram, address, length, name, `${length} bytes at 0x${address.toString(16)}`);
  return window.u8.subarray(address - window.base, address - window.base + length);
}
