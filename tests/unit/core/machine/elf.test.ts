import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EM_RISCV, ImageError, loadElf, parseElf } from '../../../../src/core/machine/elf';

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
});
