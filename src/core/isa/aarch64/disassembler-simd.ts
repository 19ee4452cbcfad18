/**
 * Disassembly tokens of the Advanced SIMD groups in instructions-simd.ts (modified immediates, shifts
 * by immediate, widening/narrowing arrangements, TBL lists, single-structure lane lists), in GNU
 * objdump's syntax; merged into the token table of disassembler.ts.
 */
import { byElement, fpElement } from './instructions-simd2';
import { advSimdExpandImm, fpImmediate, LDST_MULTIPLE, rdOf, rmOf, rnOf, shiftSizeOf, singleStructureOf } from './fields';

type Token = (b: number) => string | undefined;

const ARRANGEMENTS = ['8b', '16b', '4h', '8h', '2s', '4s', '1d', '2d'];
const arr = (size: number, q: number): string => ARRANGEMENTS[size * 2 + q]!;
const qOf = (b: number): number => (b >>> 30) & 1;
const sizeOf = (b: number): number => (b >>> 22) & 3;
/** Element size of a copy's imm5: its lowest set bit. */
const copySize = (b: number): number => { const i = (b >>> 16) & 31; return i & 1 ? 0 : i & 2 ? 1 : i & 4 ? 2 : 3; };
const imm8Of = (b: number): number => (((b >>> 16) & 7) << 5) | ((b >>> 5) & 31);

/** objdump's FP immediate text: 19 significant digits, two-digit exponent. */
export const fpText = (v: number): string => `#${v.toExponential(18).replace(/e([+-])(\d)$/, 'e$10$2')}`;

/** `{v0.16b, v1.16b}` for up to two registers, `{v0.16b-v3.16b}` for more unless the list wraps past v31. */
export function registerList(first: number, count: number, suffix: string): string {
  const regs = Array.from({ length: count }, (_, i) => `v${(first + i) & 31}${suffix}`);
  return count > 2 && first + count <= 32 ? `{${regs[0]}-${regs[count - 1]}}` : `{${regs.join(', ')}}`;
}

/** Vector register `r` of element size `size` and Q `q`. */
const vec = (field: (b: number) => number, size: (b: number) => number, q: (b: number) => number): Token => (b) => `v${field(b)}.${arr(size(b), q(b))}`;
const full = (): number => 1;
const wide = (b: number): number => sizeOf(b) + 1;
const fpSize = (b: number): number => 2 + ((b >>> 22) & 1);
const shW = (b: number): number => shiftSizeOf(b) + 1;

export const SIMD_TOKENS: Readonly<Record<string, Token>> = {
  Vd_mi: (b) => {
    const op = (b >>> 29) & 1;
    const cmode = (b >>> 12) & 15;
    const d = rdOf(b);
    if (op && cmode >= 14) return cmode === 14 && !qOf(b) ? `d${d}` : `v${d}.2d`;
    if (cmode === 14) return `v${d}.${arr(0, qOf(b))}`;
    return `v${d}.${arr((cmode & 12) === 8 ? 1 : 2, qOf(b))}`;
  },
  mi_imm: (b) => {
    const cmode = (b >>> 12) & 15;
    if (cmode === 14 && (b >>> 29) & 1) return `#0x${advSimdExpandImm(1, 14, imm8Of(b)).toString(16)}`;
    return `#0x${imm8Of(b).toString(16)}`;
  },
  mi_fimm: (b) => fpText(fpImmediate(imm8Of(b))),
  mi_shift: (b) => {
    const cmode = (b >>> 12) & 15;
    if (cmode < 8) return cmode >>> 1 ? `lsl #${8 * (cmode >>> 1)}` : undefined;
    if (cmode < 12) return cmode & 2 ? 'lsl #8' : undefined;
    return `msl #${8 * ((cmode & 1) + 1)}`;
  },
  Vd_sh: vec(rdOf, shiftSizeOf, qOf),
  Vn_sh: vec(rnOf, shiftSizeOf, qOf),
  Vd_shN: vec(rdOf, shiftSizeOf, qOf),
  Vn_shN: vec(rnOf, shiftSizeOf, qOf),
  Vd_shW: vec(rdOf, shW, full),
  Vn_shW: vec(rnOf, shW, full),
  shr_imm: (b) => `#${(16 << shiftSizeOf(b)) - ((b >>> 16) & 127)}`,
  shl_imm: (b) => `#${((b >>> 16) & 127) - (8 << shiftSizeOf(b))}`,
  Vd_W: vec(rdOf, wide, full),
  Vn_W: vec(rnOf, wide, full),
  Vm_W: vec(rmOf, wide, full),
  Vd_N: vec(rdOf, sizeOf, qOf),
  Vn_N: vec(rnOf, sizeOf, qOf),
  Vm_N: vec(rmOf, sizeOf, qOf),
  Vd_Wp: vec(rdOf, wide, qOf),
  Vd_scalarW: (b) => `${'hsd'[sizeOf(b)]}${rdOf(b)}`,
  Vd_F: vec(rdOf, fpSize, qOf),
  Vn_F: vec(rnOf, fpSize, qOf),
  Vm_F: vec(rmOf, fpSize, qOf),
  Vm_idx: (b) => {
    const { m, index } = byElement(b);
    return `v${m}.${sizeOf(b) === 1 ? 'h' : 's'}[${index}]`;
  },
  Fd_sc: (b) => `${(b >>> 22) & 1 ? 'd' : 's'}${rdOf(b)}`,
  Fn_sc: (b) => `${(b >>> 22) & 1 ? 'd' : 's'}${rnOf(b)}`,
  Fm_sc: (b) => `${(b >>> 22) & 1 ? 'd' : 's'}${rmOf(b)}`,
  Vn_F2: (b) => `v${rnOf(b)}.${(b >>> 22) & 1 ? '2d' : '2s'}`,
  Vn_2d: (b) => `v${rnOf(b)}.2d`,
  Vd_2d: (b) => `v${rdOf(b)}.2d`,
  Vn_Sq: (b) => `v${rnOf(b)}.${qOf(b) ? '4s' : '2s'}`,
  Vd_Sq: (b) => `v${rdOf(b)}.${qOf(b) ? '4s' : '2s'}`,
  Vm_Fidx: (b) => {
    const { m, index } = fpElement(b);
    return `v${m}.${(b >>> 22) & 1 ? 'd' : 's'}[${index}]`;
  },
  Vd_esc: (b) => `${'bhsd'[copySize(b)]}${rdOf(b)}`,
  // Scalar forms (instructions-simd4.ts): element size from bits 23..22 or from a shift's immh.
  Sc_d: (b) => `${'bhsd'[sizeOf(b)]}${rdOf(b)}`,
  Sc_n: (b) => `${'bhsd'[sizeOf(b)]}${rnOf(b)}`,
  Sc_m: (b) => `${'bhsd'[sizeOf(b)]}${rmOf(b)}`,
  Sc_nW: (b) => `${'bhsd'[sizeOf(b) + 1]}${rnOf(b)}`,
  Sh_d: (b) => `${'bhsd'[shiftSizeOf(b)]}${rdOf(b)}`,
  Sh_n: (b) => `${'bhsd'[shiftSizeOf(b)]}${rnOf(b)}`,
  Sh_nW: (b) => `${'bhsd'[shiftSizeOf(b) + 1]}${rnOf(b)}`,
  shll_imm: (b) => `#${8 << sizeOf(b)}`,
  fbits: (b) => `#${64 - ((b >>> 10) & 63)}`,
  Hd: (b) => `h${rdOf(b)}`,
  Hn: (b) => `h${rnOf(b)}`,
  Vd_Hq: (b) => `v${rdOf(b)}.${qOf(b) ? '8h' : '4h'}`,
  Vn_Hq: (b) => `v${rnOf(b)}.${qOf(b) ? '8h' : '4h'}`,
  Vd_4s: (b) => `v${rdOf(b)}.4s`,
  Vn_4s: (b) => `v${rnOf(b)}.4s`,
  ext_imm: (b) => `#${(b >>> 11) & 15}`,
  tlist: (b) => registerList(rnOf(b), ((b >>> 13) & 3) + 1, '.16b'),
  vlist: (b) => registerList(rdOf(b), LDST_MULTIPLE[(b >>> 12) & 15]![0], `.${arr((b >>> 10) & 3, qOf(b))}`),
  post_imm: (b) => `#${LDST_MULTIPLE[(b >>> 12) & 15]![0] * (qOf(b) ? 16 : 8)}`,
  vlane: (b) => {
    const s = singleStructureOf(b);
    return `${registerList(rdOf(b), s.selem, `.${'bhsd'[s.es]}`)}[${s.index}]`;
  },
  vrep: (b) => registerList(rdOf(b), singleStructureOf(b).selem, `.${arr((b >>> 10) & 3, qOf(b))}`),
  post_single: (b) => {
    const s = singleStructureOf(b);
    return `#${s.selem << s.es}`;
  },
};
