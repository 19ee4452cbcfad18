/**
 * The LA64 decode table drives decoder, disassembler and assembler: words every LoongArch toolchain
 * emits (nop, ret, ertn, idle, syscall, break), one word per row round-tripping through disassembly and
 * assembly, and the table's internal consistency (no two rows accept the same word).
 */
import { describe, expect, it } from 'vitest';
import { assembleWords } from '../../../../../src/core/isa/loongarch64/assembler';
import { decode } from '../../../../../src/core/isa/loongarch64/decoder';
import { disassemble } from '../../../../../src/core/isa/loongarch64/disassembler';
import { OPCODES, maskMatch } from '../../../../../src/core/isa/loongarch64/opcodes';

/** CSRXCHG with rj = 0 or 1 is CSRRD / CSRWR by definition (manual 4.2.1.1): use rj = 2 for it. */
const carve = (mnemonic: string, word: number): number => (mnemonic === 'csrxchg' && ((word >>> 5) & 0x1e) === 0 ? (word | (2 << 5)) >>> 0 : word);

describe('LA64 decode table', () => {
  it('encodes the words binutils and Linux use for nop, ret, ertn, idle 0, syscall 0, break 0', () => {
    expect(assembleWords('nop\nret\nertn\nidle 0\nsyscall 0\nbreak 0\n')).toEqual([0x03400000, 0x4c000020, 0x06483800, 0x06488000, 0x002b0000, 0x002a0000]);
  });

  it('disassembles in binutils syntax with its aliases', () => {
    expect(disassemble(0x03400000)).toBe('nop');
    expect(disassemble(0x4c000020)).toBe('ret');
    const [add, ld, csr, beq, bl, move, am] = assembleWords(`
      add.d $a0, $a1, $a2
      ld.d $sp, $sp, -16
      csrwr $t0, 0x180
      beq $a0, $zero, -8
      bl 16
      move $a0, $s0
      amswap_db.w $t0, $t1, $a0
    `);
    expect(disassemble(add!)).toBe('add.d $a0, $a1, $a2');
    expect(disassemble(ld!)).toBe('ld.d $sp, $sp, -16');
    expect(disassemble(csr!)).toBe('csrwr $t0, 0x180');
    expect(disassemble(beq!, 0x1000n)).toBe('beq $a0, $zero, -8\t# 0xff8');
    expect(disassemble(bl!, 0x9000000000200000n)).toBe('bl 16\t# 0x9000000000200010');
    expect(disassemble(move!)).toBe('move $a0, $s0');
    expect(disassemble(am!)).toBe('amswap_db.w $t0, $t1, $a0');
    expect(disassemble(0xffffffff)).toBeUndefined();
  });

  it('every row: a word with varied operand bits decodes to that row and assembles back from its disassembly', () => {
    const aliases = new Set(['nop', 'move', 'ret', 'jr', 'li.w', 'li.d']);
    for (const [op, row] of OPCODES.entries()) {
      const { mask, match } = maskMatch(row);
      for (const fill of [0x0badf00d, 0x12345678, 0x7ffffffe]) {
        let word = carve(row.mnemonic, (match | (fill & ~mask)) >>> 0);
        const d = decode(word);
        expect(d?.op, `${row.mnemonic} 0x${word.toString(16)}`).toBe(op);
        const text = disassemble(word)!;
        if (aliases.has(text.split(' ')[0]!)) continue;
        word = assembleWords(text.split('\t')[0]!)[0]!;
        expect(word.toString(16), `${row.mnemonic}: ${text}`).toBe(carve(row.mnemonic, (match | (fill & ~mask)) >>> 0).toString(16));
      }
    }
  });

  it('no two rows accept the same word (each row is reached by its own encoding)', () => {
    for (const [op, row] of OPCODES.entries()) {
      expect(decode(carve(row.mnemonic, maskMatch(row).match))?.op, row.mnemonic).toBe(op);
    }
  });

  it('assembler errors name the line and the problem', () => {
    expect(() => assembleWords('nop\naddi.d $a0, $a0, 4096\n')).toThrow(/line 2: si12: 4096 does not fit/);
    expect(() => assembleWords('frob $a0\n')).toThrow(/line 1: unknown instruction 'frob'/);
    expect(() => assembleWords('b nowhere\n')).toThrow(/undefined symbol 'nowhere'/);
  });
});
