/**
 * The A64 instruction table: the single source for the decoder, the disassembler and the tests. Each
 * row gives the bit pattern (mask/match), an optional condition on the other bits (reserved values and
 * the Arm ARM's alias conditions), the operation the interpreter executes, the instruction class and
 * the disassembly format. Alias rows (mov, cmp, lsl, cset, ...) come before the row they alias, as GNU
 * objdump prefers them; an alias row may name a faster operation for the interpreter (lsl #n is UBFM).
 *
 * Covered (ARMv8.0-A, AArch64, EL0/EL1): data processing immediate and register, branches, exception
 * generation, system (hints, barriers, PSTATE, MRS/MSR, SYS with AT/DC/IC/TLBI), integer loads and
 * stores in every addressing mode, pairs, exclusives, acquire/release, PRFM; the LSE atomics (FEAT_LSE,
 * permitted in v8.0: CAS, CASP, SWP, LD<op>/ST<op>); scalar single and double
 * precision FP and the FP/SIMD register loads and stores (B/H/S/D/Q); the first Advanced SIMD groups
 * (integer three-same, two-register compares against zero, NOT/NEG/ABS/CNT, across-lanes, copies,
 * LD1/ST1 of 1-4 registers) and, in instructions-simd.ts, modified immediates, shifts by immediate,
 * permutes and TBL/TBX, widening and narrowing arithmetic, LD2-LD4/ST2-ST4 and the single-structure
 * loads and stores; in instructions-simd2.ts the rest of integer three-same, MUL/MLA/MLS by element and
 * vector FP arithmetic, compares and integer conversions; in instructions-simd3.ts FP pairwise, across
 * lanes and by element, FMULX, FRINT* and FCVT* (vector), FCVTL/FCVTN and the common scalar forms;
 * in instructions-simd4.ts the rest of ARMv8.0 Advanced SIMD and FP (saturating doubling multiplies,
 * long multiplies by element, PMULL of bytes, the estimates, the remaining scalar forms, fixed-point
 * and half-precision conversions); CRC32/CRC32C. Left out: crypto (AES, SHA, 64-bit PMULL),
 * half-precision arithmetic and everything after v8.0 other than LSE (PAuth, BTI, MTE, SVE, ...).
 *
 * Operation ids are fixed numbers because the interpreter's hot `switch` needs literal case labels for
 * V8 to build a jump table; tests check that every id used here is handled.
 */
import { bfxPreferred, isWideConstant, logicalImmOf, sysKeyOf } from './fields';
import { addSimdRows, SIMD_OP } from './instructions-simd';
import { addSimdRows2, SIMD_OP2 } from './instructions-simd2';
import { addSimdRows3, SIMD_OP3 } from './instructions-simd3';
import { addSimdRows4, SIMD_OP4 } from './instructions-simd4';

export type InstrClass = 'data-imm' | 'data-reg' | 'branch' | 'system' | 'load-store' | 'fp' | 'simd';

export interface A64Row {
  readonly name: string;
  readonly mask: number;
  readonly match: number;
  /** Extra condition on the encoding: reserved values excluded, alias preconditions. */
  readonly when?: (bits: number) => boolean;
  readonly op: number;
  readonly cls: InstrClass;
  /** Comma-separated operand tokens (see disassembler.ts); empty for none. */
  readonly fmt: string;
}

/** Operation ids (the interpreter switches on these literals). */
export const Op = {
  ADR: 1, ADRP: 2, ADD_IMM: 3, ADDS_IMM: 4, SUB_IMM: 5, SUBS_IMM: 6, AND_IMM: 7, ORR_IMM: 8, EOR_IMM: 9, ANDS_IMM: 10,
  MOVN: 11, MOVZ: 12, MOVK: 13, SBFM: 14, BFM: 15, UBFM: 16, EXTR: 17, LSL_IMM: 18, LSR_IMM: 19, ASR_IMM: 20,
  B: 21, BL: 22, BCOND: 23, CBZ: 24, CBNZ: 25, TBZ: 26, TBNZ: 27, BR: 28, BLR: 29, RET: 30, ERET: 31,
  HINT: 32, WFE: 33, WFI: 34, SEV: 35, CLREX: 36, DSB: 37, DMB: 38, ISB: 39, MSR_IMM: 40, SYS: 41, MSR: 42, MRS: 43,
  SVC: 44, HVC: 45, SMC: 46, BRK: 47, HLT: 48,
  AND_SR: 50, BIC_SR: 51, ORR_SR: 52, ORN_SR: 53, EOR_SR: 54, EON_SR: 55, ANDS_SR: 56, BICS_SR: 57, MOV_REG: 58,
  ADD_SR: 60, ADDS_SR: 61, SUB_SR: 62, SUBS_SR: 63, ADD_EXT: 64, ADDS_EXT: 65, SUB_EXT: 66, SUBS_EXT: 67,
  ADC: 68, ADCS: 69, SBC: 70, SBCS: 71, CCMN: 72, CCMP: 73, CSEL: 74, CSINC: 75, CSINV: 76, CSNEG: 77,
  UDIV: 78, SDIV: 79, LSLV: 80, LSRV: 81, ASRV: 82, RORV: 83, RBIT: 84, REV16: 85, REV32: 86, REV: 87, CLZ: 88, CLS: 89,
  MADD: 90, MSUB: 91, SMADDL: 92, SMSUBL: 93, SMULH: 94, UMADDL: 95, UMSUBL: 96, UMULH: 97,
  LDR_LIT: 100, PRFM: 101, LDST_UIMM: 102, LDST_UNSCALED: 103, LDST_POST: 104, LDST_PRE: 105, LDST_UNPRIV: 106,
  LDST_REG: 107, LDSTP_OFF: 108, LDSTP_POST: 109, LDSTP_PRE: 110, STXR: 111, LDXR: 112, STXP: 113, LDXP: 114,
  STLR: 115, LDAR: 116, LDR64_UIMM: 117, STR64_UIMM: 118, LDR32_UIMM: 119, STR32_UIMM: 120,
  LSE_RMW: 121, CAS: 122, CASP: 123, CRC32: 124,
  FP_1SRC: 130, FCVT_PREC: 131, FP_2SRC: 132, FP_3SRC: 133, FCMP: 134, FCCMP: 135, FCSEL: 136, FMOV_IMM: 137,
  FCVT_TO_INT: 138, INT_TO_FP: 139, FMOV_TO_GP: 140, FMOV_FROM_GP: 141, LDST_FP: 142, LDSTP_FP: 143, LDR_LIT_FP: 144,
  SIMD_3SAME: 150, SIMD_ACROSS: 151, SIMD_COPY: 152, SIMD_LDST1: 153, SIMD_FMOV_TOP: 154, SIMD_2MISC: 155,
  ...SIMD_OP, ...SIMD_OP2, ...SIMD_OP3, ...SIMD_OP4,
} as const;

const rows: A64Row[] = [];

function add(name: string, mask: number, match: number, op: number, cls: InstrClass, fmt: string, when?: (b: number) => boolean): void {
  rows.push({ name, mask: mask >>> 0, match: match >>> 0, op, cls, fmt, ...(when ? { when } : {}) });
}

const rd = (b: number): number => b & 31;
const rn = (b: number): number => (b >>> 5) & 31;
const rm = (b: number): number => (b >>> 16) & 31;
const sf = (b: number): number => b >>> 31;
const immr = (b: number): number => (b >>> 16) & 63;
const imms = (b: number): number => (b >>> 10) & 63;
const cond = (b: number): number => (b >>> 12) & 15;

// ---------------------------------------------------------------- data processing, immediate
add('adr', 0x9f000000, 0x10000000, Op.ADR, 'data-imm', 'Xd,adr');
add('adrp', 0x9f000000, 0x90000000, Op.ADRP, 'data-imm', 'Xd,adrp');

add('mov', 0x7f800000, 0x11000000, Op.ADD_IMM, 'data-imm', 'Rd_sp,Rn_sp', (b) => ((b >>> 10) & 0x1fff) === 0 && (rd(b) === 31 || rn(b) === 31));
add('add', 0x7f800000, 0x11000000, Op.ADD_IMM, 'data-imm', 'Rd_sp,Rn_sp,aimm,ash');
add('cmn', 0x7f80001f, 0x3100001f, Op.ADDS_IMM, 'data-imm', 'Rn_sp,aimm,ash');
add('adds', 0x7f800000, 0x31000000, Op.ADDS_IMM, 'data-imm', 'Rd,Rn_sp,aimm,ash');
add('sub', 0x7f800000, 0x51000000, Op.SUB_IMM, 'data-imm', 'Rd_sp,Rn_sp,aimm,ash');
add('cmp', 0x7f80001f, 0x7100001f, Op.SUBS_IMM, 'data-imm', 'Rn_sp,aimm,ash');
add('subs', 0x7f800000, 0x71000000, Op.SUBS_IMM, 'data-imm', 'Rd,Rn_sp,aimm,ash');

const limmValid = (b: number): boolean => logicalImmOf(b) !== undefined;
add('and', 0x7f800000, 0x12000000, Op.AND_IMM, 'data-imm', 'Rd_sp,Rn,limm', limmValid);
add('mov', 0x7f8003e0, 0x320003e0, Op.ORR_IMM, 'data-imm', 'Rd_sp,limm', (b) => limmValid(b) && !isWideConstant(logicalImmOf(b)!, sf(b) ? 64 : 32));
add('orr', 0x7f800000, 0x32000000, Op.ORR_IMM, 'data-imm', 'Rd_sp,Rn,limm', limmValid);
add('eor', 0x7f800000, 0x52000000, Op.EOR_IMM, 'data-imm', 'Rd_sp,Rn,limm', limmValid);
add('tst', 0x7f80001f, 0x7200001f, Op.ANDS_IMM, 'data-imm', 'Rn,limm', limmValid);
add('ands', 0x7f800000, 0x72000000, Op.ANDS_IMM, 'data-imm', 'Rd,Rn,limm', limmValid);

const hwValid = (b: number): boolean => sf(b) === 1 || ((b >>> 22) & 1) === 0;
const imm16 = (b: number): number => (b >>> 5) & 0xffff;
const hw = (b: number): number => (b >>> 21) & 3;
add('mov', 0x7f800000, 0x12800000, Op.MOVN, 'data-imm', 'Rd,nimm', (b) => hwValid(b) && !(imm16(b) === 0 && hw(b) !== 0) && !(sf(b) === 0 && imm16(b) === 0xffff));
add('movn', 0x7f800000, 0x12800000, Op.MOVN, 'data-imm', 'Rd,imm16,hw', hwValid);
add('mov', 0x7f800000, 0x52800000, Op.MOVZ, 'data-imm', 'Rd,zimm', (b) => hwValid(b) && !(imm16(b) === 0 && hw(b) !== 0));
add('movz', 0x7f800000, 0x52800000, Op.MOVZ, 'data-imm', 'Rd,imm16,hw', hwValid);
add('movk', 0x7f800000, 0x72800000, Op.MOVK, 'data-imm', 'Rd,imm16,hw', hwValid);

/** Bitfield and extract: N must equal sf; 32-bit forms use 5-bit immr/imms. */
const bfValid = (b: number): boolean => ((b >>> 22) & 1) === sf(b) && (sf(b) === 1 || (immr(b) < 32 && imms(b) < 32));
const top = (b: number): number => (sf(b) ? 63 : 31);
add('asr', 0x7f800000, 0x13000000, Op.ASR_IMM, 'data-imm', 'Rd,Rn,immr', (b) => bfValid(b) && imms(b) === top(b));
add('sbfiz', 0x7f800000, 0x13000000, Op.SBFM, 'data-imm', 'Rd,Rn,bfiz_lsb,bfiz_width', (b) => bfValid(b) && imms(b) < immr(b));
add('sbfx', 0x7f800000, 0x13000000, Op.SBFM, 'data-imm', 'Rd,Rn,immr,bfx_width', (b) => bfValid(b) && bfxPreferred(sf(b), 0, imms(b), immr(b)));
add('sxtb', 0x7f800000, 0x13000000, Op.SBFM, 'data-imm', 'Rd,Wn', (b) => bfValid(b) && immr(b) === 0 && imms(b) === 7);
add('sxth', 0x7f800000, 0x13000000, Op.SBFM, 'data-imm', 'Rd,Wn', (b) => bfValid(b) && immr(b) === 0 && imms(b) === 15);
add('sxtw', 0xffc00000, 0x93400000, Op.SBFM, 'data-imm', 'Rd,Wn', (b) => bfValid(b) && immr(b) === 0 && imms(b) === 31);
add('sbfm', 0x7f800000, 0x13000000, Op.SBFM, 'data-imm', 'Rd,Rn,immr,imms', bfValid);
add('bfc', 0x7f8003e0, 0x330003e0, Op.BFM, 'data-imm', 'Rd,bfiz_lsb,bfiz_width', (b) => bfValid(b) && imms(b) < immr(b));
add('bfi', 0x7f800000, 0x33000000, Op.BFM, 'data-imm', 'Rd,Rn,bfiz_lsb,bfiz_width', (b) => bfValid(b) && imms(b) < immr(b));
add('bfxil', 0x7f800000, 0x33000000, Op.BFM, 'data-imm', 'Rd,Rn,immr,bfx_width', (b) => bfValid(b) && imms(b) >= immr(b));
add('lsl', 0x7f800000, 0x53000000, Op.LSL_IMM, 'data-imm', 'Rd,Rn,lsl_bf', (b) => bfValid(b) && imms(b) !== top(b) && imms(b) + 1 === immr(b));
add('lsr', 0x7f800000, 0x53000000, Op.LSR_IMM, 'data-imm', 'Rd,Rn,immr', (b) => bfValid(b) && imms(b) === top(b));
add('ubfiz', 0x7f800000, 0x53000000, Op.UBFM, 'data-imm', 'Rd,Rn,bfiz_lsb,bfiz_width', (b) => bfValid(b) && imms(b) < immr(b));
add('ubfx', 0x7f800000, 0x53000000, Op.UBFM, 'data-imm', 'Rd,Rn,immr,bfx_width', (b) => bfValid(b) && bfxPreferred(sf(b), 1, imms(b), immr(b)));
add('uxtb', 0xffc00000, 0x53000000, Op.UBFM, 'data-imm', 'Wd,Wn', (b) => bfValid(b) && immr(b) === 0 && imms(b) === 7);
add('uxth', 0xffc00000, 0x53000000, Op.UBFM, 'data-imm', 'Wd,Wn', (b) => bfValid(b) && immr(b) === 0 && imms(b) === 15);
add('ubfm', 0x7f800000, 0x53000000, Op.UBFM, 'data-imm', 'Rd,Rn,immr,imms', bfValid);

const extrValid = (b: number): boolean => ((b >>> 22) & 1) === sf(b) && (sf(b) === 1 || imms(b) < 32);
add('ror', 0x7fa00000, 0x13800000, Op.EXTR, 'data-imm', 'Rd,Rn,imms', (b) => extrValid(b) && rn(b) === rm(b));
add('extr', 0x7fa00000, 0x13800000, Op.EXTR, 'data-imm', 'Rd,Rn,Rm,imms', extrValid);

// ---------------------------------------------------------------- branches, exceptions, system
add('b', 0xfc000000, 0x14000000, Op.B, 'branch', 'label26');
add('bl', 0xfc000000, 0x94000000, Op.BL, 'branch', 'label26');
add('b.', 0xff000010, 0x54000000, Op.BCOND, 'branch', 'label19');
add('cbz', 0x7f000000, 0x34000000, Op.CBZ, 'branch', 'Rd,label19');
add('cbnz', 0x7f000000, 0x35000000, Op.CBNZ, 'branch', 'Rd,label19');
add('tbz', 0x7f000000, 0x36000000, Op.TBZ, 'branch', 'Rt_b5,bit,label14');
add('tbnz', 0x7f000000, 0x37000000, Op.TBNZ, 'branch', 'Rt_b5,bit,label14');
add('br', 0xfffffc1f, 0xd61f0000, Op.BR, 'branch', 'Xn');
add('blr', 0xfffffc1f, 0xd63f0000, Op.BLR, 'branch', 'Xn');
add('ret', 0xffffffff, 0xd65f03c0, Op.RET, 'branch', '');
add('ret', 0xfffffc1f, 0xd65f0000, Op.RET, 'branch', 'Xn');
add('eret', 0xffffffff, 0xd69f03e0, Op.ERET, 'branch', '');

add('svc', 0xffe0001f, 0xd4000001, Op.SVC, 'system', 'imm16');
add('hvc', 0xffe0001f, 0xd4000002, Op.HVC, 'system', 'imm16');
add('smc', 0xffe0001f, 0xd4000003, Op.SMC, 'system', 'imm16');
add('brk', 0xffe0001f, 0xd4200000, Op.BRK, 'system', 'imm16');
add('hlt', 0xffe0001f, 0xd4400000, Op.HLT, 'system', 'imm16');

add('nop', 0xffffffff, 0xd503201f, Op.HINT, 'system', '');
add('yield', 0xffffffff, 0xd503203f, Op.HINT, 'system', '');
add('wfe', 0xffffffff, 0xd503205f, Op.WFE, 'system', '');
add('wfi', 0xffffffff, 0xd503207f, Op.WFI, 'system', '');
add('sev', 0xffffffff, 0xd503209f, Op.SEV, 'system', '');
add('sevl', 0xffffffff, 0xd50320bf, Op.SEV, 'system', '');
add('hint', 0xfffff01f, 0xd503201f, Op.HINT, 'system', 'hint');
add('clrex', 0xffffffff, 0xd5033f5f, Op.CLREX, 'system', '');
add('clrex', 0xfffff0ff, 0xd503305f, Op.CLREX, 'system', 'crm');
add('dsb', 0xfffff0ff, 0xd503309f, Op.DSB, 'system', 'barrier');
add('dmb', 0xfffff0ff, 0xd50330bf, Op.DMB, 'system', 'barrier');
add('isb', 0xffffffff, 0xd5033fdf, Op.ISB, 'system', '');
add('isb', 0xfffff0ff, 0xd50330df, Op.ISB, 'system', 'crm');
add('msr', 0xfffff0ff, 0xd50040bf, Op.MSR_IMM, 'system', 'pstate,crm');
add('msr', 0xfffff0ff, 0xd50340df, Op.MSR_IMM, 'system', 'pstate,crm');
add('msr', 0xfffff0ff, 0xd50340ff, Op.MSR_IMM, 'system', 'pstate,crm');
/** SYS aliases: op1, CRn, CRm, op2 of bits 18..5 (sysKey without op0). */
const sysOp = (b: number): number => sysKeyOf(b) & 0x3fff;
add('at', 0xfff80000, 0xd5080000, Op.SYS, 'system', 'sysop,Xt', (b) => SYS_OPS.get(sysOp(b))?.[0] === 'at');
add('dc', 0xfff80000, 0xd5080000, Op.SYS, 'system', 'sysop,Xt', (b) => SYS_OPS.get(sysOp(b))?.[0] === 'dc');
add('ic', 0xfff80000, 0xd5080000, Op.SYS, 'system', 'sysop,optXt', (b) => SYS_OPS.get(sysOp(b))?.[0] === 'ic');
add('tlbi', 0xfff80000, 0xd5080000, Op.SYS, 'system', 'sysop,optXt', (b) => SYS_OPS.get(sysOp(b))?.[0] === 'tlbi');
add('sys', 0xfff80000, 0xd5080000, Op.SYS, 'system', 'sys,optXt');
add('msr', 0xfff00000, 0xd5100000, Op.MSR, 'system', 'sysreg,Xt');
add('mrs', 0xfff00000, 0xd5300000, Op.MRS, 'system', 'Xt,sysreg');

/** AT, DC, IC and TLBI operations of ARMv8.0 at EL1 and EL0, keyed by op1:CRn:CRm:op2. */
export const SYS_OPS = new Map<number, readonly [string, string]>();
function sysop(kind: string, name: string, op1: number, crn: number, crm: number, op2: number): void {
  SYS_OPS.set((op1 << 11) | (crn << 7) | (crm << 3) | op2, [kind, name]);
}
sysop('at', 's1e1r', 0, 7, 8, 0); sysop('at', 's1e1w', 0, 7, 8, 1); sysop('at', 's1e0r', 0, 7, 8, 2); sysop('at', 's1e0w', 0, 7, 8, 3);
sysop('dc', 'ivac', 0, 7, 6, 1); sysop('dc', 'isw', 0, 7, 6, 2); sysop('dc', 'csw', 0, 7, 10, 2); sysop('dc', 'cisw', 0, 7, 14, 2);
sysop('dc', 'zva', 3, 7, 4, 1); sysop('dc', 'cvac', 3, 7, 10, 1); sysop('dc', 'cvau', 3, 7, 11, 1); sysop('dc', 'civac', 3, 7, 14, 1);
sysop('ic', 'ialluis', 0, 7, 1, 0); sysop('ic', 'iallu', 0, 7, 5, 0); sysop('ic', 'ivau', 3, 7, 5, 1);
[['vmalle1is', 3, 0], ['vae1is', 3, 1], ['aside1is', 3, 2], ['vaae1is', 3, 3], ['vale1is', 3, 5], ['vaale1is', 3, 7],
  ['vmalle1', 7, 0], ['vae1', 7, 1], ['aside1', 7, 2], ['vaae1', 7, 3], ['vale1', 7, 5], ['vaale1', 7, 7]].forEach(([name, crm, op2]) =>
  sysop('tlbi', name as string, 0, 8, crm as number, op2 as number));

// ---------------------------------------------------------------- data processing, register
const shiftValid = (b: number): boolean => sf(b) === 1 || ((b >>> 15) & 1) === 0;
const noRor = (b: number): boolean => shiftValid(b) && ((b >>> 22) & 3) !== 3;
add('mov', 0x7fe0ffe0, 0x2a0003e0, Op.MOV_REG, 'data-reg', 'Rd,Rm', shiftValid);
add('mvn', 0x7f2003e0, 0x2a2003e0, Op.ORN_SR, 'data-reg', 'Rd,Rm,shift', shiftValid);
add('tst', 0x7f20001f, 0x6a00001f, Op.ANDS_SR, 'data-reg', 'Rn,Rm,shift', shiftValid);
(['and', 'bic', 'orr', 'orn', 'eor', 'eon', 'ands', 'bics'] as const).forEach((name, i) =>
  add(name, 0x7f200000, 0x0a000000 | ((i >> 1) << 29) | ((i & 1) << 21), Op.AND_SR + i, 'data-reg', 'Rd,Rn,Rm,shift', shiftValid));

add('add', 0x7f200000, 0x0b000000, Op.ADD_SR, 'data-reg', 'Rd,Rn,Rm,shift', noRor);
add('cmn', 0x7f20001f, 0x2b00001f, Op.ADDS_SR, 'data-reg', 'Rn,Rm,shift', noRor);
add('adds', 0x7f200000, 0x2b000000, Op.ADDS_SR, 'data-reg', 'Rd,Rn,Rm,shift', noRor);
add('neg', 0x7f2003e0, 0x4b0003e0, Op.SUB_SR, 'data-reg', 'Rd,Rm,shift', noRor);
add('sub', 0x7f200000, 0x4b000000, Op.SUB_SR, 'data-reg', 'Rd,Rn,Rm,shift', noRor);
add('cmp', 0x7f20001f, 0x6b00001f, Op.SUBS_SR, 'data-reg', 'Rn,Rm,shift', noRor);
add('negs', 0x7f2003e0, 0x6b0003e0, Op.SUBS_SR, 'data-reg', 'Rd,Rm,shift', noRor);
add('subs', 0x7f200000, 0x6b000000, Op.SUBS_SR, 'data-reg', 'Rd,Rn,Rm,shift', noRor);

const extValid = (b: number): boolean => ((b >>> 10) & 7) <= 4;
add('add', 0x7fe00000, 0x0b200000, Op.ADD_EXT, 'data-reg', 'Rd_sp,Rn_sp,Rm_ext,ext', extValid);
add('cmn', 0x7fe0001f, 0x2b20001f, Op.ADDS_EXT, 'data-reg', 'Rn_sp,Rm_ext,ext', extValid);
add('adds', 0x7fe00000, 0x2b200000, Op.ADDS_EXT, 'data-reg', 'Rd,Rn_sp,Rm_ext,ext', extValid);
add('sub', 0x7fe00000, 0x4b200000, Op.SUB_EXT, 'data-reg', 'Rd_sp,Rn_sp,Rm_ext,ext', extValid);
add('cmp', 0x7fe0001f, 0x6b20001f, Op.SUBS_EXT, 'data-reg', 'Rn_sp,Rm_ext,ext', extValid);
add('subs', 0x7fe00000, 0x6b200000, Op.SUBS_EXT, 'data-reg', 'Rd,Rn_sp,Rm_ext,ext', extValid);

add('adc', 0x7fe0fc00, 0x1a000000, Op.ADC, 'data-reg', 'Rd,Rn,Rm');
add('adcs', 0x7fe0fc00, 0x3a000000, Op.ADCS, 'data-reg', 'Rd,Rn,Rm');
add('ngc', 0x7fe0ffe0, 0x5a0003e0, Op.SBC, 'data-reg', 'Rd,Rm');
add('sbc', 0x7fe0fc00, 0x5a000000, Op.SBC, 'data-reg', 'Rd,Rn,Rm');
add('ngcs', 0x7fe0ffe0, 0x7a0003e0, Op.SBCS, 'data-reg', 'Rd,Rm');
add('sbcs', 0x7fe0fc00, 0x7a000000, Op.SBCS, 'data-reg', 'Rd,Rn,Rm');

add('ccmn', 0x7fe00c10, 0x3a400000, Op.CCMN, 'data-reg', 'Rn,Rm,nzcv,cond');
add('ccmn', 0x7fe00c10, 0x3a400800, Op.CCMN, 'data-reg', 'Rn,imm5,nzcv,cond');
add('ccmp', 0x7fe00c10, 0x7a400000, Op.CCMP, 'data-reg', 'Rn,Rm,nzcv,cond');
add('ccmp', 0x7fe00c10, 0x7a400800, Op.CCMP, 'data-reg', 'Rn,imm5,nzcv,cond');

const notAlNv = (b: number): boolean => (cond(b) & 14) !== 14;
add('csel', 0x7fe00c00, 0x1a800000, Op.CSEL, 'data-reg', 'Rd,Rn,Rm,cond');
add('cset', 0x7fe00c00, 0x1a800400, Op.CSINC, 'data-reg', 'Rd,invcond', (b) => rm(b) === 31 && rn(b) === 31 && notAlNv(b));
add('cinc', 0x7fe00c00, 0x1a800400, Op.CSINC, 'data-reg', 'Rd,Rn,invcond', (b) => rm(b) === rn(b) && rn(b) !== 31 && notAlNv(b));
add('csinc', 0x7fe00c00, 0x1a800400, Op.CSINC, 'data-reg', 'Rd,Rn,Rm,cond');
add('csetm', 0x7fe00c00, 0x5a800000, Op.CSINV, 'data-reg', 'Rd,invcond', (b) => rm(b) === 31 && rn(b) === 31 && notAlNv(b));
add('cinv', 0x7fe00c00, 0x5a800000, Op.CSINV, 'data-reg', 'Rd,Rn,invcond', (b) => rm(b) === rn(b) && rn(b) !== 31 && notAlNv(b));
add('csinv', 0x7fe00c00, 0x5a800000, Op.CSINV, 'data-reg', 'Rd,Rn,Rm,cond');
add('cneg', 0x7fe00c00, 0x5a800400, Op.CSNEG, 'data-reg', 'Rd,Rn,invcond', (b) => rm(b) === rn(b) && notAlNv(b));
add('csneg', 0x7fe00c00, 0x5a800400, Op.CSNEG, 'data-reg', 'Rd,Rn,Rm,cond');

add('udiv', 0x7fe0fc00, 0x1ac00800, Op.UDIV, 'data-reg', 'Rd,Rn,Rm');
// CRC32B/H/W/X, CRC32CB/H/W/X: sf 0011010110 Rm 010 C sz Rn Rd (sf = 1 only with sz = 11).
for (let c = 0; c < 2; c++) {
  for (let sz = 0; sz < 4; sz++) {
    add(`crc32${c ? 'c' : ''}${'bhwx'[sz]}`, 0xffe0fc00, 0x1ac04000 | (sz === 3 ? 0x80000000 : 0) | (c << 12) | (sz << 10), Op.CRC32, 'data-reg', sz === 3 ? 'Wd,Wn,Xm' : 'Wd,Wn,Wm');
  }
}
add('sdiv', 0x7fe0fc00, 0x1ac00c00, Op.SDIV, 'data-reg', 'Rd,Rn,Rm');
add('lsl', 0x7fe0fc00, 0x1ac02000, Op.LSLV, 'data-reg', 'Rd,Rn,Rm');
add('lsr', 0x7fe0fc00, 0x1ac02400, Op.LSRV, 'data-reg', 'Rd,Rn,Rm');
add('asr', 0x7fe0fc00, 0x1ac02800, Op.ASRV, 'data-reg', 'Rd,Rn,Rm');
add('ror', 0x7fe0fc00, 0x1ac02c00, Op.RORV, 'data-reg', 'Rd,Rn,Rm');

add('rbit', 0x7ffffc00, 0x5ac00000, Op.RBIT, 'data-reg', 'Rd,Rn');
add('rev16', 0x7ffffc00, 0x5ac00400, Op.REV16, 'data-reg', 'Rd,Rn');
add('rev', 0xfffffc00, 0x5ac00800, Op.REV, 'data-reg', 'Rd,Rn');
add('rev32', 0xfffffc00, 0xdac00800, Op.REV32, 'data-reg', 'Rd,Rn');
add('rev', 0xfffffc00, 0xdac00c00, Op.REV, 'data-reg', 'Rd,Rn');
add('clz', 0x7ffffc00, 0x5ac01000, Op.CLZ, 'data-reg', 'Rd,Rn');
add('cls', 0x7ffffc00, 0x5ac01400, Op.CLS, 'data-reg', 'Rd,Rn');

add('mul', 0x7fe0fc00, 0x1b007c00, Op.MADD, 'data-reg', 'Rd,Rn,Rm');
add('madd', 0x7fe08000, 0x1b000000, Op.MADD, 'data-reg', 'Rd,Rn,Rm,Ra');
add('mneg', 0x7fe0fc00, 0x1b00fc00, Op.MSUB, 'data-reg', 'Rd,Rn,Rm');
add('msub', 0x7fe08000, 0x1b008000, Op.MSUB, 'data-reg', 'Rd,Rn,Rm,Ra');
add('smull', 0xffe0fc00, 0x9b207c00, Op.SMADDL, 'data-reg', 'Xd,Wn,Wm');
add('smaddl', 0xffe08000, 0x9b200000, Op.SMADDL, 'data-reg', 'Xd,Wn,Wm,Xa');
add('smnegl', 0xffe0fc00, 0x9b20fc00, Op.SMSUBL, 'data-reg', 'Xd,Wn,Wm');
add('smsubl', 0xffe08000, 0x9b208000, Op.SMSUBL, 'data-reg', 'Xd,Wn,Wm,Xa');
add('smulh', 0xffe0fc00, 0x9b407c00, Op.SMULH, 'data-reg', 'Xd,Xn,Xm');
add('umull', 0xffe0fc00, 0x9ba07c00, Op.UMADDL, 'data-reg', 'Xd,Wn,Wm');
add('umaddl', 0xffe08000, 0x9ba00000, Op.UMADDL, 'data-reg', 'Xd,Wn,Wm,Xa');
add('umnegl', 0xffe0fc00, 0x9ba0fc00, Op.UMSUBL, 'data-reg', 'Xd,Wn,Wm');
add('umsubl', 0xffe08000, 0x9ba08000, Op.UMSUBL, 'data-reg', 'Xd,Wn,Wm,Xa');
add('umulh', 0xffe0fc00, 0x9bc07c00, Op.UMULH, 'data-reg', 'Xd,Xn,Xm');

// ---------------------------------------------------------------- loads and stores (integer registers)
/** [mnemonic suffix or '', register token] per size (bits 31..30) and opc (bits 23..22); undefined = unallocated. */
const LDST: readonly (readonly ([string, string] | undefined)[])[] = [
  [['strb', 'Wt'], ['ldrb', 'Wt'], ['ldrsb', 'Xt'], ['ldrsb', 'Wt']],
  [['strh', 'Wt'], ['ldrh', 'Wt'], ['ldrsh', 'Xt'], ['ldrsh', 'Wt']],
  [['str', 'Wt'], ['ldr', 'Wt'], ['ldrsw', 'Xt'], undefined],
  [['str', 'Xt'], ['ldr', 'Xt'], undefined, undefined],
];
/** ldr -> ldur / ldtr: the mnemonic with its infix after the first two letters. */
const infix = (name: string, ch: string): string => name.slice(0, 2) + ch + name.slice(2);

add('ldr', 0xff000000, 0x18000000, Op.LDR_LIT, 'load-store', 'Wt,label19');
add('ldr', 0xff000000, 0x58000000, Op.LDR_LIT, 'load-store', 'Xt,label19');
add('ldrsw', 0xff000000, 0x98000000, Op.LDR_LIT, 'load-store', 'Xt,label19');
add('prfm', 0xff000000, 0xd8000000, Op.PRFM, 'load-store', 'prfop,label19');
for (let size = 0; size < 4; size++) {
  for (let opc = 0; opc < 4; opc++) {
    const entry = LDST[size]![opc];
    const base = (size << 30) | (opc << 22);
    const prf = size === 3 && opc === 2;
    if (!entry && !prf) continue;
    const [name, t] = entry ?? ['prfm', 'prfop'];
    const fast = size === 3 ? [Op.STR64_UIMM, Op.LDR64_UIMM][opc] : size === 2 ? [Op.STR32_UIMM, Op.LDR32_UIMM][opc] : undefined;
    add(name, 0xffc00000, 0x39000000 | base, prf ? Op.PRFM : fast ?? Op.LDST_UIMM, 'load-store', `${t},mem_u`);
    add(prf ? 'prfum' : infix(name, 'u'), 0xffe00c00, 0x38000000 | base, prf ? Op.PRFM : Op.LDST_UNSCALED, 'load-store', `${t},mem_s9`);
    add(name, 0xffe00c00, 0x38200800 | base, prf ? Op.PRFM : Op.LDST_REG, 'load-store', `${t},mem_reg`, (b) => ((b >>> 13) & 2) !== 0);
    if (prf) continue;
    add(name, 0xffe00c00, 0x38000400 | base, Op.LDST_POST, 'load-store', `${t},mem_post,simm9`);
    add(name, 0xffe00c00, 0x38000c00 | base, Op.LDST_PRE, 'load-store', `${t},mem_pre`);
    add(infix(name, 't'), 0xffe00c00, 0x38000800 | base, Op.LDST_UNPRIV, 'load-store', `${t},mem_s9`);
  }
}

/** Pairs: opc 00 = 32-bit, 01 = LDPSW (loads only), 10 = 64-bit. */
for (const [opc, l, name, t] of [[0, 0, 'stp', 'W'], [0, 1, 'ldp', 'W'], [1, 1, 'ldpsw', 'X'], [2, 0, 'stp', 'X'], [2, 1, 'ldp', 'X']] as const) {
  const base = 0x28000000 | (opc << 30) | (l << 22);
  if (opc !== 1) add(name === 'stp' ? 'stnp' : 'ldnp', 0xffc00000, base, Op.LDSTP_OFF, 'load-store', `${t}t,${t}t2,mem_p`);
  add(name, 0xffc00000, base | (1 << 23), Op.LDSTP_POST, 'load-store', `${t}t,${t}t2,mem_p0,simm7`);
  add(name, 0xffc00000, base | (2 << 23), Op.LDSTP_OFF, 'load-store', `${t}t,${t}t2,mem_p`);
  add(name, 0xffc00000, base | (3 << 23), Op.LDSTP_PRE, 'load-store', `${t}t,${t}t2,mem_ppre`);
}

/** Exclusives and acquire/release: bits 23 (o2), 22 (L), 21 (o1), 15 (o0) select the instruction. */
for (let size = 0; size < 4; size++) {
  const sfx = ['b', 'h', '', ''][size]!;
  const t = size === 3 ? 'Xt' : 'Wt';
  const base = 0x08000000 | (size << 30);
  add(`stxr${sfx}`, 0xffe0fc00, base | 0x7c00, Op.STXR, 'load-store', `Ws,${t},mem0`);
  add(`stlxr${sfx}`, 0xffe0fc00, base | 0xfc00, Op.STXR, 'load-store', `Ws,${t},mem0`);
  add(`ldxr${sfx}`, 0xfffffc00, base | 0x5f7c00, Op.LDXR, 'load-store', `${t},mem0`);
  add(`ldaxr${sfx}`, 0xfffffc00, base | 0x5ffc00, Op.LDXR, 'load-store', `${t},mem0`);
  add(`stlr${sfx}`, 0xfffffc00, base | 0x9ffc00, Op.STLR, 'load-store', `${t},mem0`);
  add(`ldar${sfx}`, 0xfffffc00, base | 0xdffc00, Op.LDAR, 'load-store', `${t},mem0`);
  if (size < 2) continue;
  add('stxp', 0xffe08000, base | 0x200000, Op.STXP, 'load-store', `Ws,${t},${t}2,mem0`);
  add('stlxp', 0xffe08000, base | 0x208000, Op.STXP, 'load-store', `Ws,${t},${t}2,mem0`);
  add('ldxp', 0xffff8000, base | 0x7f0000, Op.LDXP, 'load-store', `${t},${t}2,mem0`);
  add('ldaxp', 0xffff8000, base | 0x7f8000, Op.LDXP, 'load-store', `${t},${t}2,mem0`);
}

/** LSE atomics: [size suffix, register token] by size; A (bit 23) and R (bit 22) pick the a/l suffixes. */
for (let size = 0; size < 4; size++) {
  const sfx = ['b', 'h', '', ''][size]!;
  const r = size === 3 ? 'X' : 'W';
  for (let ar = 0; ar < 4; ar++) {
    const order = ['', 'l', 'a', 'al'][ar]!;
    const base = 0x38200000 | (size << 30) | (ar << 22);
    (['add', 'clr', 'eor', 'set', 'smax', 'smin', 'umax', 'umin'] as const).forEach((name, opc) => {
      if (ar < 2) add(`st${name}${order}${sfx}`, 0xffe0fc1f, base | (opc << 12) | 31, Op.LSE_RMW, 'load-store', `${r}s,mem0`);
      add(`ld${name}${order}${sfx}`, 0xffe0fc00, base | (opc << 12), Op.LSE_RMW, 'load-store', `${r}s,${r}t,mem0`);
    });
    add(`swp${order}${sfx}`, 0xffe0fc00, base | 0x8000, Op.LSE_RMW, 'load-store', `${r}s,${r}t,mem0`);
    // CAS: L (bit 22) = acquire, o0 (bit 15) = release.
    const cas = 0x08a07c00 | (size << 30) | ((ar >> 1) << 22) | ((ar & 1) << 15);
    add(`cas${order}${sfx}`, 0xffe0fc00, cas, Op.CAS, 'load-store', `${r}s,${r}t,mem0`);
    if (size >= 2) {
      const even = (b: number): boolean => ((b >>> 16) & 1) === 0 && (b & 1) === 0;
      add(`casp${order}`, 0xffe0fc00, 0x08207c00 | ((size & 1) << 30) | ((ar >> 1) << 22) | ((ar & 1) << 15), Op.CASP, 'load-store', `${r}s_pair,${r}t_pair,mem0`, even);
    }
  }
}

// ---------------------------------------------------------------- scalar floating point (S and D)
for (const [type, f] of [[0, 'S'], [1, 'D']] as const) {
  const t = type << 22;
  const F = `${f}d,${f}n`;
  (['fmov', 'fabs', 'fneg', 'fsqrt'] as const).forEach((name, opc) => add(name, 0xfffffc00, 0x1e204000 | t | (opc << 15), Op.FP_1SRC, 'fp', F));
  add('fcvt', 0xfffffc00, 0x1e204000 | t | ((type ? 4 : 5) << 15), Op.FCVT_PREC, 'fp', `${type ? 'S' : 'D'}d,${f}n`);
  ([['frintn', 8], ['frintp', 9], ['frintm', 10], ['frintz', 11], ['frinta', 12], ['frintx', 14], ['frinti', 15]] as const).forEach(([name, opc]) =>
    add(name, 0xfffffc00, 0x1e204000 | t | (opc << 15), Op.FP_1SRC, 'fp', F));
  (['fmul', 'fdiv', 'fadd', 'fsub', 'fmax', 'fmin', 'fmaxnm', 'fminnm', 'fnmul'] as const).forEach((name, opc) =>
    add(name, 0xffe0fc00, 0x1e200800 | t | (opc << 12), Op.FP_2SRC, 'fp', `${F},${f}m`));
  (['fmadd', 'fmsub', 'fnmadd', 'fnmsub'] as const).forEach((name, i) =>
    add(name, 0xffe08000, 0x1f000000 | t | ((i >> 1) << 21) | ((i & 1) << 15), Op.FP_3SRC, 'fp', `${F},${f}m,${f}a`));
  // The zero forms' Rm field should be zero; other values compare with zero too (as objdump decodes them).
  add('fcmp', 0xffe0fc1f, 0x1e202008 | t, Op.FCMP, 'fp', `${f}n,fzero`);
  add('fcmp', 0xffe0fc1f, 0x1e202000 | t, Op.FCMP, 'fp', `${f}n,${f}m`);
  add('fcmpe', 0xffe0fc1f, 0x1e202018 | t, Op.FCMP, 'fp', `${f}n,fzero`);
  add('fcmpe', 0xffe0fc1f, 0x1e202010 | t, Op.FCMP, 'fp', `${f}n,${f}m`);
  add('fccmp', 0xffe00c10, 0x1e200400 | t, Op.FCCMP, 'fp', `${f}n,${f}m,nzcv,cond`);
  add('fccmpe', 0xffe00c10, 0x1e200410 | t, Op.FCCMP, 'fp', `${f}n,${f}m,nzcv,cond`);
  add('fcsel', 0xffe00c00, 0x1e200c00 | t, Op.FCSEL, 'fp', `${F},${f}m,cond`);
  add('fmov', 0xffe01fe0, 0x1e201000 | t, Op.FMOV_IMM, 'fp', `${f}d,fimm`);
  for (const sfBit of [0, 1]) {
    const b = (sfBit << 31) | 0x1e200000 | t;
    const r = sfBit ? 'X' : 'W';
    ([['fcvtns', 0, 0], ['fcvtnu', 0, 1], ['fcvtas', 0, 4], ['fcvtau', 0, 5], ['fcvtps', 1, 0], ['fcvtpu', 1, 1],
      ['fcvtms', 2, 0], ['fcvtmu', 2, 1], ['fcvtzs', 3, 0], ['fcvtzu', 3, 1]] as const).forEach(([name, rmode, opc]) =>
      add(name, 0xfffffc00, b | (rmode << 19) | (opc << 16), Op.FCVT_TO_INT, 'fp', `${r}d,${f}n`));
    add('scvtf', 0xfffffc00, b | (2 << 16), Op.INT_TO_FP, 'fp', `${f}d,${r}n`);
    add('ucvtf', 0xfffffc00, b | (3 << 16), Op.INT_TO_FP, 'fp', `${f}d,${r}n`);
    if (sfBit === type) {
      add('fmov', 0xfffffc00, b | (6 << 16), Op.FMOV_TO_GP, 'fp', `${r}d,${f}n`);
      add('fmov', 0xfffffc00, b | (7 << 16), Op.FMOV_FROM_GP, 'fp', `${f}d,${r}n`);
    }
  }
}

/** FP/SIMD register loads and stores: [register token, size bits 31..30, opc bit 23 (Q)] per access size. */
for (const [reg, size, q] of [['Bt', 0, 0], ['Ht', 1, 0], ['St', 2, 0], ['Dt', 3, 0], ['Qt', 0, 1]] as const) {
  for (const l of [0, 1]) {
    const base = 0x04000000 | (size << 30) | (q << 23) | (l << 22);
    const name = l ? 'ldr' : 'str';
    add(name, 0xffc00000, 0x39000000 | base, Op.LDST_FP, 'fp', `${reg},mem_u`);
    add(l ? 'ldur' : 'stur', 0xffe00c00, 0x38000000 | base, Op.LDST_FP, 'fp', `${reg},mem_s9`);
    add(name, 0xffe00c00, 0x38200800 | base, Op.LDST_FP, 'fp', `${reg},mem_reg`, (b) => ((b >>> 13) & 2) !== 0);
    add(name, 0xffe00c00, 0x38000400 | base, Op.LDST_FP, 'fp', `${reg},mem_post,simm9`);
    add(name, 0xffe00c00, 0x38000c00 | base, Op.LDST_FP, 'fp', `${reg},mem_pre`);
  }
}
for (const [opc, reg] of [[0, 'S'], [1, 'D'], [2, 'Q']] as const) {
  add('ldr', 0xff000000, 0x1c000000 | (opc << 30), Op.LDR_LIT_FP, 'fp', `${reg}t,label19`);
  for (const l of [0, 1]) {
    const base = 0x2c000000 | (opc << 30) | (l << 22);
    const [name, nt] = l ? ['ldp', 'ldnp'] : ['stp', 'stnp'];
    add(nt, 0xffc00000, base, Op.LDSTP_FP, 'fp', `${reg}t,${reg}t2,mem_p`);
    add(name, 0xffc00000, base | (1 << 23), Op.LDSTP_FP, 'fp', `${reg}t,${reg}t2,mem_p0,simm7`);
    add(name, 0xffc00000, base | (2 << 23), Op.LDSTP_FP, 'fp', `${reg}t,${reg}t2,mem_p`);
    add(name, 0xffc00000, base | (3 << 23), Op.LDSTP_FP, 'fp', `${reg}t,${reg}t2,mem_ppre`);
  }
}

// ---------------------------------------------------------------- Advanced SIMD (first groups)
const q = (b: number): number => (b >>> 30) & 1;
const vsize = (b: number): number => (b >>> 22) & 3;
const notQ0D = (b: number): boolean => !(vsize(b) === 3 && q(b) === 0);
const notD = (b: number): boolean => vsize(b) !== 3;
([['add', 0, 0x10, notQ0D], ['sub', 1, 0x10, notQ0D], ['cmtst', 0, 0x11, notQ0D], ['cmeq', 1, 0x11, notQ0D],
  ['cmgt', 0, 0x06, notQ0D], ['cmge', 0, 0x07, notQ0D], ['cmhi', 1, 0x06, notQ0D], ['cmhs', 1, 0x07, notQ0D],
  ['smax', 0, 0x0c, notD], ['smin', 0, 0x0d, notD], ['umax', 1, 0x0c, notD], ['umin', 1, 0x0d, notD],
  ['smaxp', 0, 0x14, notD], ['sminp', 0, 0x15, notD], ['umaxp', 1, 0x14, notD], ['uminp', 1, 0x15, notD], ['addp', 0, 0x17, notQ0D],
] as const).forEach(([name, u, opc, valid]) =>
  add(name, 0xbf20fc00, 0x0e200400 | (u << 29) | (opc << 11), Op.SIMD_3SAME, 'simd', 'Vd_T,Vn_T,Vm_T', valid));
add('mov', 0xbfe0fc00, 0x0ea01c00, Op.SIMD_3SAME, 'simd', 'Vd_B,Vn_B', (b) => ((b >>> 16) & 31) === ((b >>> 5) & 31));
(['and', 'bic', 'orr', 'orn', 'eor', 'bsl', 'bit', 'bif'] as const).forEach((name, i) =>
  add(name, 0xbfe0fc00, 0x0e201c00 | ((i >> 2) << 29) | ((i & 3) << 22), Op.SIMD_3SAME, 'simd', 'Vd_B,Vn_B,Vm_B'));
([['cmgt', 0, 0x08], ['cmeq', 0, 0x09], ['cmlt', 0, 0x0a], ['cmge', 1, 0x08], ['cmle', 1, 0x09], ['abs', 0, 0x0b], ['neg', 1, 0x0b]] as const).forEach(([name, u, opc]) =>
  add(name, 0xbf3ffc00, 0x0e208800 | (u << 29) | (opc << 12), Op.SIMD_2MISC, 'simd', name === 'abs' || name === 'neg' ? 'Vd_T,Vn_T' : 'Vd_T,Vn_T,zero', notQ0D));
add('cnt', 0xbffffc00, 0x0e205800, Op.SIMD_2MISC, 'simd', 'Vd_B,Vn_B');
add('mvn', 0xbffffc00, 0x2e205800, Op.SIMD_2MISC, 'simd', 'Vd_B,Vn_B');
const acrossValid = (b: number): boolean => vsize(b) !== 3 && !(vsize(b) === 2 && q(b) === 0);
([['addv', 0, 0x31b800], ['smaxv', 0, 0x30a800], ['sminv', 0, 0x31a800], ['umaxv', 1, 0x30a800], ['uminv', 1, 0x31a800]] as const).forEach(([name, u, bits]) =>
  add(name, 0xbf3ffc00, 0x0e000000 | (u << 29) | bits, Op.SIMD_ACROSS, 'simd', 'Vd_scalar,Vn_T', acrossValid));
/** Element size of a copy instruction's imm5 (lowest set bit), 4 = reserved. */
const esize = (b: number): number => { const i = (b >>> 16) & 31; return i & 1 ? 0 : i & 2 ? 1 : i & 4 ? 2 : i & 8 ? 3 : 4; };
add('dup', 0xbfe0fc00, 0x0e000400, Op.SIMD_COPY, 'simd', 'Vd_Tdup,Vn_elem', (b) => esize(b) < 4 && !(esize(b) === 3 && q(b) === 0));
add('dup', 0xbfe0fc00, 0x0e000c00, Op.SIMD_COPY, 'simd', 'Vd_Tdup,Rn_dup', (b) => esize(b) < 4 && !(esize(b) === 3 && q(b) === 0));
add('smov', 0xbfe0fc00, 0x0e002c00, Op.SIMD_COPY, 'simd', 'Rd_q,Vn_elem', (b) => esize(b) < 2 || (esize(b) === 2 && q(b) === 1));
add('mov', 0xbfe0fc00, 0x0e003c00, Op.SIMD_COPY, 'simd', 'Rd_q,Vn_elem', (b) => (esize(b) === 2 && q(b) === 0) || (esize(b) === 3 && q(b) === 1));
add('umov', 0xbfe0fc00, 0x0e003c00, Op.SIMD_COPY, 'simd', 'Rd_q,Vn_elem', (b) => esize(b) < 2 && q(b) === 0);
add('mov', 0xffe0fc00, 0x4e001c00, Op.SIMD_COPY, 'simd', 'Vd_elem,Rn_dup', (b) => esize(b) < 4);
add('mov', 0xffe08400, 0x6e000400, Op.SIMD_COPY, 'simd', 'Vd_elem,Vn_elem4', (b) => esize(b) < 4);
add('fmov', 0xfffffc00, 0x9eae0000, Op.SIMD_FMOV_TOP, 'simd', 'Xd,Vn_d1');
add('fmov', 0xfffffc00, 0x9eaf0000, Op.SIMD_FMOV_TOP, 'simd', 'Vd_d1,Xn');
/** LD1/ST1 (multiple structures): opcode 0111, 1010, 0110, 0010 = 1, 2, 3, 4 registers (every arrangement, .1d too). */
for (const opc of [0x7, 0xa, 0x6, 0x2]) {
  for (const l of [0, 1]) {
    const name = l ? 'ld1' : 'st1';
    const base = 0x0c000000 | (l << 22) | (opc << 12);
    add(name, 0xbffff000, base, Op.SIMD_LDST1, 'simd', 'vlist,mem0');
    add(name, 0xbffff000, base | 0x009f0000, Op.SIMD_LDST1, 'simd', 'vlist,mem0,post_imm');
    add(name, 0xbfe0f000, base | 0x00800000, Op.SIMD_LDST1, 'simd', 'vlist,mem0,Xm', (b) => ((b >>> 16) & 31) !== 31);
  }
}
addSimdRows(add);
addSimdRows2(add);
addSimdRows3(add);
addSimdRows4(add);

export const INSTRUCTIONS: readonly A64Row[] = rows;
