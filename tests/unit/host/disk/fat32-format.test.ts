import { describe, expect, it } from 'vitest';
import {
  ShortNameAllocator,
  decodeFatDateTime,
  displayShortName,
  encodeFatDateTime,
  exactShortName,
  fatNameProblem,
  foldName,
  lfnUnits,
  shortNameChecksum,
} from '../../../../src/core/disk/fat32-format';

const bytes = (text: string): Uint8Array => Uint8Array.from(text, (ch) => ch.charCodeAt(0));

describe('FAT32 encodings', () => {
  it('computes the LFN checksum by rotate-right-and-add over the 11 short-name bytes', () => {
    let expected = 0;
    for (const b of bytes('README  TXT')) expected = (((expected & 1) << 7) + (expected >> 1) + b) & 0xff;
    expect(shortNameChecksum(bytes('README  TXT'))).toBe(expected);
    expect(shortNameChecksum(bytes('README  TXT'))).not.toBe(shortNameChecksum(bytes('README~1TXT')));
  });

  it('encodes dates and times with 2-second resolution plus hundredths, in UTC', () => {
    const ms = Date.UTC(2021, 2, 4, 5, 6, 9, 730);
    const encoded = encodeFatDateTime(ms);
    expect(encoded.date).toBe(((2021 - 1980) << 9) | (3 << 5) | 4);
    expect(encoded.time).toBe((5 << 11) | (6 << 5) | 4);
    expect(encoded.hundredths).toBe(173);
    expect(decodeFatDateTime(encoded.date, encoded.time)).toBe(Date.UTC(2021, 2, 4, 5, 6, 8));
    expect(decodeFatDateTime(encoded.date, encoded.time, encoded.hundredths)).toBe(Date.UTC(2021, 2, 4, 5, 6, 9, 730));
  });

  it('clamps times FAT cannot express to 1980 and 2107', () => {
    expect(decodeFatDateTime(...spread(encodeFatDateTime(Date.UTC(1970, 0, 1))))).toBe(Date.UTC(1980, 0, 1));
    expect(decodeFatDateTime(...spread(encodeFatDateTime(Date.UTC(2200, 0, 1))))).toBe(Date.UTC(2107, 11, 31, 23, 59, 58));
  });

  it('names the reason a name cannot be stored', () => {
    expect(fatNameProblem('ok name (1).txt')).toBeUndefined();
    expect(fatNameProblem('名前.md')).toBeUndefined();
    expect(fatNameProblem('a?b')).toMatch(/'\?'/);
    expect(fatNameProblem('tab\there')).toMatch(/control character U\+0009/);
    expect(fatNameProblem('x'.repeat(256))).toMatch(/256 UTF-16 units/);
    expect(fatNameProblem('x'.repeat(255))).toBeUndefined();
    expect(fatNameProblem('trailing.')).toMatch(/ends with a dot/);
    expect(fatNameProblem('..')).toMatch(/reserved/);
    expect(fatNameProblem('\ud800x')).toMatch(/surrogate/);
  });

  it('folds case per UTF-16 unit', () => {
    expect(foldName('Straße.txt')).toBe('STRAßE.TXT');
    expect(foldName('ÄbC')).toBe('ÄBC');
  });

  it('keeps exact 8.3 names and generates unique ~N names for the rest', () => {
    expect(exactShortName('README.TXT')).toBe('README  TXT');
    expect(exactShortName('readme.txt')).toBeUndefined();
    expect(exactShortName('TOOLONGNAME.TXT')).toBeUndefined();
    const names = new ShortNameAllocator();
    expect(names.allocate('readme.txt')).toBe('README  TXT');
    expect(names.allocate('Readme.txt ')).toBe('README~1TXT');
    expect(names.allocate('a long file name.text')).toBe('ALONGF~1TEX');
    expect(names.allocate('a long file name.textile')).toBe('ALONGF~2TEX');
    expect(names.allocate('.bashrc')).toBe('BASHRC~1   ');
    expect(names.allocate('a+b.c')).toBe('A_B~1   C  ');
    expect(names.allocate('ünï.md')).toBe('_N_~1   MD ');
    const many = new ShortNameAllocator();
    const seen = new Set<string>();
    for (let i = 0; i < 120; i++) seen.add(many.allocate(`long common prefix ${i}.dat`));
    expect(seen.size).toBe(120);
    expect(seen.has('LONGC~10DAT')).toBe(true);
    expect(seen.has('LONG~100DAT')).toBe(true);
  });

  it('splits long names into NUL-terminated, 0xFFFF-padded 13-unit pieces and shows short names with case flags', () => {
    expect(Array.from(lfnUnits('abc'))).toEqual([0x61, 0x62, 0x63, 0, ...new Array(9).fill(0xffff)]);
    expect(lfnUnits('x'.repeat(13)).length).toBe(13);
    expect(lfnUnits('x'.repeat(14)).length).toBe(26);
    expect(displayShortName(bytes('README  TXT'), 0x18)).toBe('readme.txt');
    expect(displayShortName(bytes('MAKEFILE   '), 0)).toBe('MAKEFILE');
  });
});

function spread(value: { date: number; time: number }): [number, number] {
  return [value.date, value.time];
}
