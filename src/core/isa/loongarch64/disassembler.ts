/**
 * The LA64 disassembler, driven by the decode table (opcodes.ts): "mnemonic operands" in GNU objdump's
 * words: registers as $ABI names, signed immediates in decimal, unsigned ones in hex, branch offsets in
 * bytes with the target after '#' when the pc is known; LSX operands as llvm-objdump-19 prints them ($vrN,
 * lane indexes and vector immediates in decimal). Aliases as binutils prints them: nop
 * (andi $zero, $zero, 0), move (or rd, rj, $zero), ret (jirl $zero, $ra, 0), li.w (addi.w rd, $zero, si),
 * jr (jirl $zero, rj, 0). Returns undefined for a word with no row (the caller says "unallocated").
 */
import { decode } from './decoder';
import { FIELDS, operandOrder, type FieldName } from './opcodes';
import { FPR_NAMES, GPR_NAMES } from './registers';

const reg = (n: number | undefined): string => `$${GPR_NAMES[n ?? 0]}`;

export function disassemble(word: number, pc?: bigint): string | undefined {
  const d = decode(word);
  if (!d) return undefined;
  const { row, f } = d;
  const m = row.mnemonic;
  // binutils aliases.
  if (m === 'andi' && f.rd === 0 && f.rj === 0 && f.ui12 === 0) return 'nop';
  if (m === 'or' && f.rk === 0) return `move ${reg(f.rd)}, ${reg(f.rj)}`;
  if (m === 'jirl' && f.rd === 0 && f.offs16 === 0) return f.rj === 1 ? 'ret' : `jr ${reg(f.rj)}`;
  if (m === 'addi.w' && f.rj === 0) return `li.w ${reg(f.rd)}, ${f.si12}`;
  if (m === 'addi.d' && f.rj === 0) return `li.d ${reg(f.rd)}, ${f.si12}`;
  const parts = operandOrder(row).map((name) => operand(name, f[name] ?? 0));
  let text = parts.length > 0 ? `${m} ${parts.join(', ')}` : m;
  const branch = (['offs16', 'offs21', 'offs26'] as const).find((n) => f[n] !== undefined);
  if (branch && pc !== undefined && m !== 'jirl') {
    text += `\t# 0x${BigInt.asUintN(64, pc + BigInt(f[branch]!)).toString(16)}`;
  }
  return text;
}

function operand(name: FieldName, value: number): string {
  const field = FIELDS[name];
  if (field.kind === 'gpr') return reg(value);
  if (field.kind === 'fpr') return `$${FPR_NAMES[value]}`;
  if (field.kind === 'fcc') return `$fcc${value}`;
  if (field.kind === 'fcsr') return `$fcsr${value}`;
  if (field.kind === 'vr') return `$vr${value}`;
  if (field.kind === 'index') return value.toString();
  if (field.kind === 'signed') return value.toString();
  return `0x${value.toString(16)}`;
}
