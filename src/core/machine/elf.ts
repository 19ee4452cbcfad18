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

export function parseElf(bytes: Uint8Array, name: string): ElfImage {
  if (!isElf(bytes)) throw new ImageError(`${name}: not an ELF file (no \\x7fELF magic)`);
  if (bytes.length < 64) throw new ImageError(`${name}: truncated ELF header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes[4] !== 2) throw new ImageError(`${name}: only 64-bit ELF images are supported (EI_CLASS=${bytes[4]})`);
  if (bytes[5] !== 1) throw new ImageError(`${name}: only little-endian ELF images are supported`);
  const u64 = (off: number): number => {
    if (off + 8 > bytes.length) throw new ImageError(`${name}: truncated ELF (offset 0x${off.toString(16)})`);
    const value = view.getBigUint64(off, true);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new ImageError(`${name}: address 0x${value.toString(16)} out of range`);
    return Number(value);
  };
  const u32 = (off: number): number => {
    if (off + 4 > bytes.length) throw new ImageError(`${name}: truncated ELF (offset 0x${off.toString(16)})`);
    return view.getUint32(off, true);
  };
  const u16 = (off: number): number => view.getUint16(off, true);
  const machine = u16(18);
  const entry = u64(24);
  const phoff = u64(32);
  const shoff = u64(40);
  const phentsize = u16(54);
  const phnum = u16(56);
  const shentsize = u16(58);
  const shnum = u16(60);

  const segments: ElfSegment[] = [];
  for (let i = 0; i < phnum; i++) {
    const ph = phoff + i * phentsize;
    if (u32(ph) !== PT_LOAD) continue;
    const segment = {
      fileOffset: u64(ph + 8),
      vaddr: u64(ph + 16),
      paddr: u64(ph + 24),
      fileSize: u64(ph + 32),
      memSize: u64(ph + 40),
    };
    if (segment.fileOffset + segment.fileSize > bytes.length) {
      throw new ImageError(`${name}: segment ${i} extends past the end of the file (truncated image?)`);
    }
    if (segment.memSize > 0) segments.push(segment);
  }
  if (segments.length === 0) throw new ImageError(`${name}: no loadable segments`);

  const symbols = new Map<string, number>();
  for (let i = 0; i < shnum && shoff > 0; i++) {
    const sh = shoff + i * shentsize;
    if (u32(sh + 4) !== SHT_SYMTAB) continue;
    const symOffset = u64(sh + 24);
    const symSize = u64(sh + 32);
    const link = u32(sh + 40);
    const entSize = u64(sh + 56) || 24;
    const strSh = shoff + link * shentsize;
    const strOffset = u64(strSh + 24);
    const strSize = u64(strSh + 32);
    for (let s = symOffset; s + entSize <= symOffset + symSize && s + entSize <= bytes.length; s += entSize) {
      const nameOff = u32(s);
      if (nameOff === 0 || nameOff >= strSize) continue;
      let end = strOffset + nameOff;
      while (end < bytes.length && bytes[end] !== 0) end++;
      const symName = String.fromCharCode(...bytes.subarray(strOffset + nameOff, Math.min(end, strOffset + nameOff + 256)));
      const value = view.getBigUint64(s + 8, true);
      if (value <= BigInt(Number.MAX_SAFE_INTEGER)) symbols.set(symName, Number(value));
    }
  }
  return { machine, entry, segments, symbols };
}

export interface LoadTarget {
  readonly base: number;
  readonly size: number;
  readonly u8: Uint8Array;
}

/** Copies an image's segments into RAM; every byte must land inside the window. */
export function loadElf(image: ElfImage, bytes: Uint8Array, ram: LoadTarget, name: string): void {
  for (const seg of image.segments) {
    if (seg.paddr < ram.base || seg.paddr + seg.memSize > ram.base + ram.size) {
      throw new ImageError(
        `${name}: segment at 0x${seg.paddr.toString(16)}..0x${(seg.paddr + seg.memSize).toString(16)} ` +
          `does not fit in RAM 0x${ram.base.toString(16)}..0x${(ram.base + ram.size).toString(16)}`,
      );
    }
    const dest = seg.paddr - ram.base;
    ram.u8.set(bytes.subarray(seg.fileOffset, seg.fileOffset + seg.fileSize), dest);
    ram.u8.fill(0, dest + seg.fileSize, dest + seg.memSize);
  }
}

/** Copies a raw binary (kernel Image, DTB, initrd) at a physical address. */
export function loadRaw(bytes: Uint8Array, address: number, ram: LoadTarget, name: string): void {
  if (address < ram.base || address + bytes.length > ram.base + ram.size) {
    throw new ImageError(
      `${name}: ${bytes.length} bytes at 0x${address.toString(16)} do not fit in RAM ` +
        `0x${ram.base.toString(16)}..0x${(ram.base + ram.size).toString(16)}`,
    );
  }
  ram.u8.set(bytes, address - ram.base);
}
