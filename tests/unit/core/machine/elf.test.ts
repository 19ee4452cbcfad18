import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EM_RISCV, ImageError, loadElf, loadRaw, parseElf } from '../../../../src/core/machine/elf';

const image = new Uint8Array(readFileSync('guest/riscv64/bin/isa-rv64i.elf'));

describe('ELF loader', () => {
  it('reads the entry, loadable segments and the HTIF symbols of a guest', () => {
    const elf = parseElf(image, 'isa-rv64i.elf');
    expect(elf.machine).toBe(EM_RISCV);
    expect(elf.entry).toBe(0x8000_0000);
    expect(elf.segments[0]!.paddr).toBe(0x8000_0000);
    expect(elf.symbols.get('tohost')).toBeGreaterThan(0x8000_0000);
    expect(elf.symbols.has('fromhost')).toBe(true);
  });

  it('copies segments into RAM and zero-fills the rest', () => {
    const elf = parseElf(image, 'g.elf');
    const ram = { base: 0x8000_0000, size: 1 << 20, u8: new Uint8Array(1 << 20).fill(0xaa) };
    loadElf(elf, image, ram, 'g.elf');
    const first = elf.segments[0]!;
    expect(ram.u8.subarray(0, 16)).toEqual(image.subarray(first.fileOffset, first.fileOffset + 16));
    const last = elf.segments.at(-1)!;
    if (last.memSize > last.fileSize) expect(ram.u8[last.paddr - ram.base + last.fileSize]).toBe(0);
  });

  it('refuses what is not a loadable 64-bit ELF, naming the file', () => {
    expect(() => parseElf(new TextEncoder().encode('#!/bin/sh\n'), 'boot.sh')).toThrow(/boot\.sh: not an ELF file/);
    const elf32 = image.slice();
    elf32[4] = 1;
    expect(() => parseElf(elf32, 'a32.elf')).toThrow(/a32\.elf: only 64-bit/);
    expect(() => parseElf(image.subarray(0, 0x1100), 'cut.elf')).toThrow(/cut\.elf: .*(truncated|past the end)/);
  });

  it('refuses an image that does not fit in RAM, naming both ranges', () => {
    const elf = parseElf(image, 'big.elf');
    const small = { base: 0x9000_0000, size: 4096, u8: new Uint8Array(4096) };
    expect(() => loadElf(elf, image, small, 'big.elf')).toThrow(ImageError);
    expect(() => loadElf(elf, image, small, 'big.elf')).toThrow(/big\.elf: segment at 0x80000000.*does not fit in RAM 0x90000000/);
  });

  it('loads into whichever RAM bank holds the range, and names every bank when none does', () => {
    const low = { base: 0x8000_0000, size: 4096, u8: new Uint8Array(4096) };
    const high = { base: 0x1_0000_0000, size: 8192, u8: new Uint8Array(8192) };
    loadRaw(Uint8Array.of(1, 2, 3), 0x1_0000_1000, { banks: [low, high] }, 'Image');
    expect(Array.from(high.u8.subarray(0x1000, 0x1003))).toEqual([1, 2, 3]);
    expect(low.u8.every((b) => b === 0)).toBe(true);
    // A range that starts in one bank and ends past it is refused whole.
    expect(() => loadRaw(new Uint8Array(16), 0x8000_0ff8, { banks: [low, high] }, 'initrd')).toThrow(
      'initrd: 16 bytes at 0x80000ff8 do not fit in RAM 0x80000000..0x80001000, 0x100000000..0x100002000',
    );
  });
});

/**
 * A minimal ELF64 with one PT_LOAD segment and sections [null, .symtab, .strtab], laid out as
 * header | phdr | segment bytes | strtab | symtab | section headers, so each field can be broken.
 */
function syntheticElf(options: { symbols?: number; nameOffset?: (i: number) => number; strtab?: Uint8Array } = {}): {
  bytes: Uint8Array;
  symtabHeader: number;
  shoff: number;
} {
  const strtab = options.strtab ?? new TextEncoder().encode('\0tohost\0fromhost\0');
  const symbols = options.symbols ?? 2;
  const phoff = 64;
  const code = phoff + 56;
  const strOffset = code + 16;
  const symOffset = Math.ceil((strOffset + strtab.length) / 8) * 8;
  const shoff = symOffset + (symbols + 1) * 24;
  const bytes = new Uint8Array(shoff + 3 * 64);
  const view = new DataView(bytes.buffer);
  bytes.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
  view.setUint16(18, EM_RISCV, true);
  view.setBigUint64(24, 0x8000_0000n, true);
  view.setBigUint64(32, BigInt(phoff), true);
  view.setBigUint64(40, BigInt(shoff), true);
  view.setUint16(54, 56, true);
  view.setUint16(56, 1, true);
  view.setUint16(58, 64, true);
  view.setUint16(60, 3, true);
  view.setUint32(phoff, 1, true);
  view.setBigUint64(phoff + 8, BigInt(code), true);
  view.setBigUint64(phoff + 16, 0x8000_0000n, true);
  view.setBigUint64(phoff + 24, 0x8000_0000n, true);
  view.setBigUint64(phoff + 32, 16n, true);
  view.setBigUint64(phoff + 40, 16n, true);
  bytes.set(strtab, strOffset);
  for (let i = 0; i < symbols; i++) {
    const sym = symOffset + (i + 1) * 24;
    view.setUint32(sym, options.nameOffset?.(i) ?? (i === 0 ? 1 : 8), true);
    view.setBigUint64(sym + 8, BigInt(0x8000_1000 + i * 8), true);
  }
  const symtabHeader = shoff + 64;
  view.setUint32(symtabHeader + 4, 2, true);
  view.setBigUint64(symtabHeader + 24, BigInt(symOffset), true);
  view.setBigUint64(symtabHeader + 32, BigInt((symbols + 1) * 24), true);
  view.setUint32(symtabHeader + 40, 2, true);
  view.setBigUint64(symtabHeader + 56, 24n, true);
  const strHeader = shoff + 128;
  view.setUint32(strHeader + 4, 3, true);
  view.setBigUint64(strHeader + 24, BigInt(strOffset), true);
  view.setBigUint64(strHeader + 32, BigInt(strtab.length), true);
  return { bytes, symtabHeader, shoff };
}

describe('ELF loader: hostile symbol tables', () => {
  const broken = (edit: (view: DataView, at: { symtabHeader: number; shoff: number }) => void): Uint8Array => {
    const elf = syntheticElf();
    edit(new DataView(elf.bytes.buffer), elf);
    return elf.bytes;
  };

  it('reads the symbols of a well-formed table', () => {
    const elf = parseElf(syntheticElf().bytes, 'ok.elf');
    expect(elf.symbols.get('tohost')).toBe(0x8000_1000);
    expect(elf.symbols.get('fromhost')).toBe(0x8000_1008);
  });

  it('refuses sh_entsize 0 or huge with one message naming the file and the field', () => {
    for (const entsize of [0n, 1n << 40n, 0xffff_ffff_ffffn]) {
      const bytes = broken((view, at) => view.setBigUint64(at.symtabHeader + 56, entsize, true));
      expect(() => parseElf(bytes, 'k.elf')).toThrow(ImageError);
      expect(() => parseElf(bytes, 'k.elf')).toThrow(`k.elf: symbol table (section 1): sh_entsize ${entsize} is not 24`);
    }
  });

  it('refuses an sh_size that is not a whole number of entries', () => {
    const bytes = broken((view, at) => view.setBigUint64(at.symtabHeader + 32, 24n * 3n - 5n, true));
    expect(() => parseElf(bytes, 'k.elf')).toThrow(/^k\.elf: symbol table \(section 1\): sh_size 67 is not a multiple of sh_entsize 24$/);
  });

  it('refuses tables whose offsets lie past the end of the file', () => {
    const pastEnd = broken((view, at) => view.setBigUint64(at.symtabHeader + 24, 1n << 40n, true));
    expect(() => parseElf(pastEnd, 'k.elf')).toThrow(/k\.elf: symbol table \(section 1\): sh_offset, sh_size .* extends past the end of the file/);
    const hugeSize = broken((view, at) => view.setBigUint64(at.symtabHeader + 32, 24n << 40n, true));
    expect(() => parseElf(hugeSize, 'k.elf')).toThrow(/k\.elf: symbol table .* extends past the end of the file/);
    const strtab = broken((view, at) => view.setBigUint64(at.shoff + 128 + 32, 1n << 32n, true));
    expect(() => parseElf(strtab, 'k.elf')).toThrow(/k\.elf: string table \(section 2\): sh_offset, sh_size .* extends past the end of the file/);
    const link = broken((view, at) => view.setUint32(at.symtabHeader + 40, 9, true));
    expect(() => parseElf(link, 'k.elf')).toThrow('k.elf: symbol table (section 1): sh_link 9 names no string table');
    const shoff = broken((view) => view.setBigUint64(40, 1n << 45n, true));
    expect(() => parseElf(shoff, 'k.elf')).toThrow(/k\.elf: the section headers \(e_shoff, e_shnum\) .* extends past the end/);
    const shentsize = broken((view) => view.setUint16(58, 0, true));
    expect(() => parseElf(shentsize, 'k.elf')).toThrow('k.elf: e_shentsize 0 is not 64');
    const phentsize = broken((view) => view.setUint16(54, 0xffff, true));
    expect(() => parseElf(phentsize, 'k.elf')).toThrow('k.elf: e_phentsize 65535 is not 56');
  });

  it('reads a table of many symbols whose names never end in linear time, keeping 256 characters each', () => {
    const strtab = new Uint8Array(4 << 20).fill(0x41);
    strtab[0] = 0;
    const symbols = 20_000;
    const { bytes } = syntheticElf({ strtab, symbols, nameOffset: (i) => 1 + i });
    const started = performance.now();
    const elf = parseElf(bytes, 'names.elf');
    const ms = performance.now() - started;
    expect(elf.symbols.size).toBe(1);
    expect([...elf.symbols.keys()][0]).toHaveLength(256);
    // Scanning each name to the end of the table would be 20 000 x 4 MiB: minutes, not this.
    expect(ms).toBeLessThan(4000);
  });
});
