/**
 * The A64 decode table and disassembler against GNU objdump on a generated corpus covering every row
 * (see corpus.ts). Expectations are committed in objdump-corpus.json; where the cross toolchain is
 * installed objdump is asked again, so a table change is checked against the real thing.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decode } from '../../../../../src/core/isa/aarch64/decoder';
import { disassemble, FORMAT_TOKENS } from '../../../../../src/core/isa/aarch64/disassembler';
import { INSTRUCTIONS } from '../../../../../src/core/isa/aarch64/instructions';
import { buildCorpus, CORPUS_VMA, objdumpTexts } from './corpus';

const FIXTURE = path.join(__dirname, 'objdump-corpus.json');

describe('A64 disassembler vs objdump', () => {
  const corpus = buildCorpus();
  const live = objdumpTexts(corpus.map((e) => e.bits));
  if (!live) console.warn('aarch64-linux-gnu-objdump not available: comparing with the committed objdump-corpus.json');
  let expected: Record<string, string>;
  if (live) {
    expected = Object.fromEntries(corpus.map((e, i) => [e.bits.toString(16).padStart(8, '0'), live[i]!]));
    if (process.env.AARCH64_WRITE_CORPUS === '1' || !existsSync(FIXTURE)) writeFileSync(FIXTURE, `${JSON.stringify(expected, null, 0).replace(/,"/g, ',\n"')}\n`);
  } else {
    expected = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Record<string, string>;
  }

  it('covers every row and every class', () => {
    const rowsHit = new Set(corpus.map((e) => e.row + '/' + e.cls));
    const classes = new Set(corpus.map((e) => e.cls));
    expect([...classes].sort()).toEqual(['branch', 'data-imm', 'data-reg', 'fp', 'load-store', 'simd', 'system']);
    expect(corpus.length).toBeGreaterThan(3000);
    expect(rowsHit.size).toBeGreaterThan(150);
  });

  it('prints what objdump prints for every encoding of the corpus', () => {
    const mismatches: string[] = [];
    corpus.forEach((e, i) => {
      const pc = CORPUS_VMA + BigInt(i * 4);
      const want = expected[e.bits.toString(16).padStart(8, '0')];
      const got = disassemble(e.bits, pc);
      if (want !== got) mismatches.push(`${e.bits.toString(16).padStart(8, '0')} [${e.row}] objdump '${want}' ours '${got}'`);
    });
    expect(mismatches.slice(0, 40)).toEqual([]);
  });

  it('uses only known format tokens and gives every row a distinct mask/match or a condition', () => {
    for (const row of INSTRUCTIONS) {
      for (const t of row.fmt.split(',').filter(Boolean)) expect(FORMAT_TOKENS.has(t), `${row.name}: ${t}`).toBe(true);
      expect((row.match & ~row.mask) >>> 0).toBe(0);
    }
  });

  it('leaves unallocated and FP/SIMD encodings undecoded', () => {
    for (const bits of [0x00000000, 0xffffffff, 0xd50b7620 /* sys, not a named op */]) {
      expect(decode(bits)?.name ?? 'unallocated', bits.toString(16)).toMatch(/unallocated|sys/);
    }
  });
});
