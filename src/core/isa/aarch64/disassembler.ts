/**
 * A64 disassembly in GNU objdump's syntax (binutils 2.40, the preferred aliases, hex immediates,
 * decimal memory offsets, branch targets as absolute addresses), driven by the format tokens of the
 * decode table's rows. Used by the inspector and by fault reports; the tests compare it with objdump
 * on a generated corpus. Left out: objdump's trailing comments ("// #255", "// b.any").
 */
import { decode } from './decoder';
import {
  adrImmOf, CONDITIONS, fpImmediate, EXTENDS, imm14Of, imm19Of, imm26Of, immrOf, immsOf, logicalImmOf, rdOf, rmOf, rnOf, raOf, sext, sfOf, SHIFTS, sysKeyOf,
} from './fields';
import { SIMD_TOKENS } from './disassembler-simd';
import { SYS_OPS } from './instructions';
import { SYSREG_BY_KEY } from './sysregs';
import { asUint } from './uint';

type Token = (b: number, pc: bigint) => string | undefined;

const hex = (v: number | bigint): string => `#0x${v.toString(16)}`;
/** objdump prints unnamed barrier and prefetch operands with two hex digits. */
const hex2 = (v: number): string => `#0x${v.toString(16).padStart(2, '0')}`;
const addr = (v: bigint): string => `0x${asUint(64, v).toString(16)}`;

function reg(n: number, x: boolean, sp: boolean): string {
  if (n === 31) return sp ? (x ? 'sp' : 'wsp') : x ? 'xzr' : 'wzr';
  return (x ? 'x' : 'w') + n;
}

/** Register size of a load/store's Rt, from the row's token. */
const x64 = (b: number): boolean => sfOf(b) === 1;
const width = (b: number): number => (sfOf(b) ? 64 : 32);
/** Access size log2 of a single-register load/store: bits 31..30, or 4 for an FP/SIMD Q register. */
const ldstScale = (b: number): number => ((b >>> 26) & 1 && (b >>> 23) & 1 ? 4 : b >>> 30);
/** Pairs: W/X (opc 00/10, LDPSW 01) or S/D/Q (opc 00/01/10) for FP/SIMD registers. */
const pairScale = (b: number): number => ((b >>> 26) & 1 ? 2 + (b >>> 30) : 2 + (b >>> 31));

export { fpImmediate } from './fields';

const ARRANGEMENTS = ['8b', '16b', '4h', '8h', '2s', '4s', '1d', '2d'];
/** Registers transferred by LD1/ST1 (multiple structures) per opcode. */
export const LD1_REGISTERS: Readonly<Record<number, number>> = { 7: 1, 10: 2, 6: 3, 2: 4 };
/** Element size of a copy instruction: the lowest set bit of imm5 (bits 20..16). */
export function copySize(b: number): number {
  const imm5 = (b >>> 16) & 31;
  return imm5 & 1 ? 0 : imm5 & 2 ? 1 : imm5 & 4 ? 2 : 3;
}

const fpReg = (prefix: string, field: (b: number) => number): Token => (b) => prefix + field(b);

const BARRIERS: Readonly<Record<number, string>> = {
  1: 'oshld', 2: 'oshst', 3: 'osh', 5: 'nshld', 6: 'nshst', 7: 'nsh', 9: 'ishld', 10: 'ishst', 11: 'ish', 13: 'ld', 14: 'st', 15: 'sy',
};
const PRF_TYPES = ['pld', 'pli', 'pst'];

export function sysRegName(key: number): string {
  const def = SYSREG_BY_KEY.get(key);
  if (def) return def.name;
  return `s${(key >>> 14) & 3}_${(key >>> 11) & 7}_c${(key >>> 7) & 15}_c${(key >>> 3) & 15}_${key & 7}`;
}

function memOffset(b: number, offset: number): string {
  return offset === 0 ? `[${reg(rnOf(b), true, true)}]` : `[${reg(rnOf(b), true, true)}, #${offset}]`;
}

const TOKENS: Readonly<Record<string, Token>> = {
  ...SIMD_TOKENS,
  Rd: (b) => reg(rdOf(b), x64(b), false),
  Rn: (b) => reg(rnOf(b), x64(b), false),
  Rm: (b) => reg(rmOf(b), x64(b), false),
  Ra: (b) => reg(raOf(b), x64(b), false),
  Rd_sp: (b) => reg(rdOf(b), x64(b), true),
  Rn_sp: (b) => reg(rnOf(b), x64(b), true),
  Xd: (b) => reg(rdOf(b), true, false),
  Xn: (b) => reg(rnOf(b), true, false),
  Xm: (b) => reg(rmOf(b), true, false),
  Xa: (b) => reg(raOf(b), true, false),
  Wd: (b) => reg(rdOf(b), false, false),
  Wn: (b) => reg(rnOf(b), false, false),
  Wm: (b) => reg(rmOf(b), false, false),
  Xt: (b) => reg(rdOf(b), true, false),
  Wt: (b) => reg(rdOf(b), false, false),
  Xt2: (b) => reg(raOf(b), true, false),
  Wt2: (b) => reg(raOf(b), false, false),
  Ws: (b) => reg(rmOf(b), false, false),
  Xs: (b) => reg(rmOf(b), true, false),
  Ws_pair: (b) => `${reg(rmOf(b), false, false)}, ${reg(rmOf(b) + 1, false, false)}`,
  Xs_pair: (b) => `${reg(rmOf(b), true, false)}, ${reg(rmOf(b) + 1, true, false)}`,
  Wt_pair: (b) => `${reg(rdOf(b), false, false)}, ${reg(rdOf(b) + 1, false, false)}`,
  Xt_pair: (b) => `${reg(rdOf(b), true, false)}, ${reg(rdOf(b) + 1, true, false)}`,
  Rt_b5: (b) => reg(rdOf(b), (b >>> 31) === 1, false),
  Sd: fpReg('s', rdOf), Sn: fpReg('s', rnOf), Sm: fpReg('s', rmOf), Sa: fpReg('s', raOf),
  Dd: fpReg('d', rdOf), Dn: fpReg('d', rnOf), Dm: fpReg('d', rmOf), Da: fpReg('d', raOf),
  Bt: fpReg('b', rdOf), Ht: fpReg('h', rdOf), St: fpReg('s', rdOf), Dt: fpReg('d', rdOf), Qt: fpReg('q', rdOf),
  St2: fpReg('s', raOf), Dt2: fpReg('d', raOf), Qt2: fpReg('q', raOf),
  fzero: () => '#0.0',
  zero: () => '#0',
  Vd_T: (b) => `v${rdOf(b)}.${ARRANGEMENTS[((b >>> 22) & 3) * 2 + ((b >>> 30) & 1)]}`,
  Vn_T: (b) => `v${rnOf(b)}.${ARRANGEMENTS[((b >>> 22) & 3) * 2 + ((b >>> 30) & 1)]}`,
  Vm_T: (b) => `v${rmOf(b)}.${ARRANGEMENTS[((b >>> 22) & 3) * 2 + ((b >>> 30) & 1)]}`,
  Vd_B: (b) => `v${rdOf(b)}.${(b >>> 30) & 1 ? '16b' : '8b'}`,
  Vn_B: (b) => `v${rnOf(b)}.${(b >>> 30) & 1 ? '16b' : '8b'}`,
  Vm_B: (b) => `v${rmOf(b)}.${(b >>> 30) & 1 ? '16b' : '8b'}`,
  Vd_scalar: (b) => `${'bhsd'[(b >>> 22) & 3]}${rdOf(b)}`,
  Vd_Tdup: (b) => `v${rdOf(b)}.${ARRANGEMENTS[copySize(b) * 2 + ((b >>> 30) & 1)]}`,
  Vn_elem: (b) => `v${rnOf(b)}.${'bhsd'[copySize(b)]}[${(b >>> 16) >>> (copySize(b) + 1) & 15}]`,
  Vd_elem: (b) => `v${rdOf(b)}.${'bhsd'[copySize(b)]}[${(b >>> 16) >>> (copySize(b) + 1) & 15}]`,
  Vn_elem4: (b) => `v${rnOf(b)}.${'bhsd'[copySize(b)]}[${((b >>> 11) & 15) >>> copySize(b)}]`,
  Rn_dup: (b) => reg(rnOf(b), copySize(b) === 3, false),
  Rd_q: (b) => reg(rdOf(b), ((b >>> 30) & 1) === 1, false),
  Vn_d1: (b) => `v${rnOf(b)}.d[1]`,
  Vd_d1: (b) => `v${rdOf(b)}.d[1]`,
  fimm: (b) => `#${fpImmediate((b >>> 13) & 0xff).toExponential(18).replace(/e([+-])(\d)$/, 'e$10$2')}`,
  optXt: (b) => (rdOf(b) === 31 ? undefined : reg(rdOf(b), true, false)),
  aimm: (b) => hex((b >>> 10) & 0xfff),
  ash: (b) => ((b >>> 22) & 1 ? 'lsl #12' : undefined),
  limm: (b) => hex(logicalImmOf(b)!),
  imm16: (b) => hex((b >>> 5) & 0xffff),
  hw: (b) => ((b >>> 21) & 3 ? `lsl #${((b >>> 21) & 3) * 16}` : undefined),
  zimm: (b) => hex(BigInt((b >>> 5) & 0xffff) << BigInt(((b >>> 21) & 3) * 16)),
  nimm: (b) => {
    const v = ~(BigInt((b >>> 5) & 0xffff) << BigInt(((b >>> 21) & 3) * 16));
    return hex(asUint(width(b), v));
  },
  immr: (b) => `#${immrOf(b)}`,
  imms: (b) => `#${immsOf(b)}`,
  lsl_bf: (b) => `#${width(b) - 1 - immsOf(b)}`,
  bfiz_lsb: (b) => `#${(width(b) - immrOf(b)) & (width(b) - 1)}`,
  bfiz_width: (b) => `#${immsOf(b) + 1}`,
  bfx_width: (b) => `#${immsOf(b) - immrOf(b) + 1}`,
  shift: (b) => {
    const type = (b >>> 22) & 3;
    const amount = (b >>> 10) & 63;
    return type === 0 && amount === 0 ? undefined : `${SHIFTS[type]} #${amount}`;
  },
  Rm_ext: (b) => reg(rmOf(b), x64(b) && ((b >>> 13) & 3) === 3, false),
  ext: (b) => {
    const option = (b >>> 13) & 7;
    const amount = (b >>> 10) & 7;
    const s = (b >>> 29) & 1;
    const spForm = rnOf(b) === 31 || (s === 0 && rdOf(b) === 31);
    if (spForm && option === (x64(b) ? 3 : 2)) return amount === 0 ? undefined : `lsl #${amount}`;
    return amount === 0 ? EXTENDS[option] : `${EXTENDS[option]} #${amount}`;
  },
  adr: (b, pc) => addr(pc + BigInt(adrImmOf(b))),
  adrp: (b, pc) => addr((pc & ~0xfffn) + (BigInt(adrImmOf(b)) << 12n)),
  label26: (b, pc) => addr(pc + BigInt(imm26Of(b))),
  label19: (b, pc) => addr(pc + BigInt(imm19Of(b))),
  label14: (b, pc) => addr(pc + BigInt(imm14Of(b))),
  bit: (b) => `#${((b >>> 31) << 5) | ((b >>> 19) & 31)}`,
  cond: (b) => CONDITIONS[(b >>> 12) & 15],
  invcond: (b) => CONDITIONS[((b >>> 12) & 15) ^ 1],
  nzcv: (b) => hex(b & 15),
  imm5: (b) => hex((b >>> 16) & 31),
  hint: (b) => hex((b >>> 5) & 0x7f),
  crm: (b) => hex((b >>> 8) & 15),
  barrier: (b) => BARRIERS[(b >>> 8) & 15] ?? hex2((b >>> 8) & 15),
  pstate: (b) => pstateName(b),
  sysop: (b) => SYS_OPS.get(sysKeyOf(b) & 0x3fff)![1],
  sys: (b) => {
    const k = sysKeyOf(b);
    return `#${(k >>> 11) & 7}, C${(k >>> 7) & 15}, C${(k >>> 3) & 15}, #${k & 7}`;
  },
  sysreg: (b) => sysRegName(sysKeyOf(b)),
  prfop: (b) => {
    const op = b & 31;
    const type = op >>> 3;
    const target = (op >>> 1) & 3;
    if (type > 2 || target > 2) return hex2(op);
    return `${PRF_TYPES[type]}l${target + 1}${op & 1 ? 'strm' : 'keep'}`;
  },
  mem0: (b) => `[${reg(rnOf(b), true, true)}]`,
  mem_u: (b) => memOffset(b, ((b >>> 10) & 0xfff) << ldstScale(b)),
  mem_s9: (b) => memOffset(b, sext(b, 12, 9)),
  mem_pre: (b) => `[${reg(rnOf(b), true, true)}, #${sext(b, 12, 9)}]!`,
  mem_post: (b) => `[${reg(rnOf(b), true, true)}]`,
  simm9: (b) => `#${sext(b, 12, 9)}`,
  mem_p: (b) => memOffset(b, sext(b, 15, 7) << pairScale(b)),
  mem_p0: (b) => `[${reg(rnOf(b), true, true)}]`,
  mem_ppre: (b) => `[${reg(rnOf(b), true, true)}, #${sext(b, 15, 7) << pairScale(b)}]!`,
  simm7: (b) => `#${sext(b, 15, 7) << pairScale(b)}`,
  mem_reg: (b) => {
    const option = (b >>> 13) & 7;
    const s = (b >>> 12) & 1;
    const base = `[${reg(rnOf(b), true, true)}, ${reg(rmOf(b), (option & 1) === 1, false)}`;
    const amount = s ? ldstScale(b) : 0;
    if (option === 3) return s ? `${base}, lsl #${amount}]` : `${base}]`;
    return s ? `${base}, ${EXTENDS[option]} #${amount}]` : `${base}, ${EXTENDS[option]}]`;
  },
};

function pstateName(b: number): string {
  const op1 = (b >>> 16) & 7;
  const op2 = (b >>> 5) & 7;
  if (op1 === 0 && op2 === 5) return 'spsel';
  if (op1 === 3 && op2 === 6) return 'daifset';
  if (op1 === 3 && op2 === 7) return 'daifclr';
  return `pstatefield_${op1}_${op2}`;
}

/** Token names every row format may use (the tests check each row's tokens exist). */
export const FORMAT_TOKENS: ReadonlySet<string> = new Set(Object.keys(TOKENS));

/** Disassembles one instruction word at `pc`; undefined when the table has no row for it. */
export function disassemble(bits: number, pc = 0n): string | undefined {
  const row = decode(bits);
  if (!row) return undefined;
  const w = bits >>> 0;
  let name = row.name;
  if (name === 'b.') name = `b.${CONDITIONS[w & 15]}`;
  if (row.fmt === '') return name;
  const ops: string[] = [];
  for (const t of row.fmt.split(',')) {
    const v = TOKENS[t]!(w, pc);
    if (v !== undefined) ops.push(v);
  }
  return `${name}\t${ops.join(', ')}`;
}
