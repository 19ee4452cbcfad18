/**
 * The A64 decoder (src/core/isa/aarch64/decoder.ts) finds rows by a word's top bits: it must still give
 * the first row of the table that matches, as a plain scan of the table would (an alias row before the
 * row it aliases), for every row's encodings and for arbitrary words.
 */
import { describe, expect, it } from 'vitest';
import { decode } from '../../../../../src/core/isa/aarch64/decoder';
import { INSTRUCTIONS, type A64Row } from '../../../../../src/core/isa/aarch64/instructions';

/** The table's first row for `w`, by reading it top to bottom. */
function firstRow(w: number): A64Row | undefined {
  return INSTRUCTIONS.find((row) => ((w & row.mask) >>> 0) === row.match && (!row.when || row.when(w)));
}

describe('A64 decoder', () => {
  it('gives the table\'s first matching row for every row\'s encodings and for random words', () => {
    let s = 0x2545f491;
    const next = (): number => {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      return s >>> 0;
    };
    const words: number[] = [];
    for (const row of INSTRUCTIONS) {
      words.push(row.match);
      for (let i = 0; i < 24; i++) words.push(((row.match & row.mask) | (next() & ~row.mask)) >>> 0);
    }
    for (let i = 0; i < 50_000; i++) words.push(next());
    let decoded = 0;
    for (const w of words) {
      const row = decode(w);
      expect(row?.name, w.toString(16)).toBe(firstRow(w)?.name);
      expect(row).toBe(firstRow(w));
      if (row) decoded++;
    }
    // Most of the table's own encodings decode (a random word mostly does not).
    expect(decoded).toBeGreaterThan(INSTRUCTIONS.length * 20);
  });
});
