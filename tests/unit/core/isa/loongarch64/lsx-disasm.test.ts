/**
 * The LSX rows of the LA64 decode table against LLVM: lsx-llvm-objdump.txt holds two words per LSX
 * mnemonic the table has, with random operands, as `llvm-mc-19 -triple=loongarch64 -mattr=+lsx`
 * assembled them and `llvm-objdump-19 -d --mattr=+lsx` printed them (word in hex, tab, text). Every
 * word must disassemble to LLVM's text, and LLVM's text must assemble back to the word.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assembleWords } from '../../../../../src/core/isa/loongarch64/assembler';
import { decode } from '../../../../../src/core/isa/loongarch64/decoder';
import { disassemble } from '../../../../../src/core/isa/loongarch64/disassembler';
import { OPCODES } from '../../../../../src/core/isa/loongarch64/opcodes';

const lines = readFileSync(join(__dirname, 'lsx-llvm-objdump.txt'), 'utf8').trim().split('\n');
const cases = lines.map((line) => {
  const [hex, text] = line.split('\t');
  return { word: parseInt(hex!, 16) >>> 0, text: text! };
});

describe('LA64 LSX rows against llvm-objdump-19', () => {
  it('has a row for each LSX mnemonic in the LLVM listing and an LLVM case for each LSX row', () => {
    const llvm = new Set(cases.map((c) => c.text.split(' ')[0]!));
    const table = new Set(OPCODES.filter((r) => r.format.startsWith('V') || ['RVUI1', 'RVUI2', 'RVUI3', 'RVUI4', 'CV'].includes(r.format)).map((r) => r.mnemonic));
    expect([...table].sort()).toEqual([...llvm].sort());
    expect(table.size).toBeGreaterThan(300);
  });

  it.each(cases)('$text', ({ word, text }) => {
    expect(decode(word)?.row.mnemonic).toBe(text.split(' ')[0]);
    expect(disassemble(word)).toBe(text);
    expect(assembleWords(text)).toEqual([word]);
  });
});
