/**
 * Decode-table rows of the last ARMv8.0 Advanced SIMD and FP groups: the saturating doubling
 * multiplies (SQDMULH/SQRDMULH, SQDMULL/SQDMLAL/SQDMLSL: vector, scalar, by element), the long
 * multiplies by element (SMULL/UMULL/SMLAL/UMLAL/SMLSL/UMLSL), PMULL/PMULL2 of bytes, SQABS/SQNEG/
 * SUQADD/USQADD, RBIT, SHLL, the scalar forms of the saturating three-same, shift-by-immediate and
 * narrowing groups, the scalar FP compares and FABD, the estimates and Newton-Raphson steps (FRECPE,
 * FRSQRTE, URECPE, URSQRTE, FRECPS, FRSQRTS, FRECPX), FCVTXN, the fixed-point conversions (vector,
 * scalar and to/from general registers) and the half-precision conversions (FCVT to and from H,
 * FCVTL/FCVTN with 4H/8H). Scalar rows that are the one-lane form of a vector group name that group's
 * operation (its executor reads bit 28, the scalar bit).
 * Left out, as ID_AA64ISAR0 and ID_AA64PFR0 do not announce them: AES, SHA, PMULL of 64-bit lanes,
 * half-precision arithmetic (FEAT_FP16), RDM (SQRDMLAH), dot products, complex FP and later extensions.
 */

type Add = (name: string, mask: number, match: number, op: number, cls: 'simd' | 'fp', fmt: string, when?: (b: number) => boolean) => void;

/** Operation ids of these groups (spread into Op of instructions.ts). */
export const SIMD_OP4 = { SIMD_SAT_LONG: 178, SIMD_LONG_ELEM: 179, SIMD_2MISC_SAT: 180, SIMD_FP_EST: 181, FP_FIXED: 182, FP_HALF: 183 } as const;

/** Operation ids of existing groups that execute the scalar rows added here. */
const THREE_SAME_MORE = 167;
const SHIFT_IMM = 157;
const NARROW = 162;
const FP_3SAME = 169;

const q = (b: number): number => (b >>> 30) & 1;
const size = (b: number): number => (b >>> 22) & 3;
const sz = (b: number): number => (b >>> 22) & 1;
const immh = (b: number): number => (b >>> 19) & 15;

export function addSimdRows4(add: Add): void {
  const O = SIMD_OP4;
  const hs = (b: number): boolean => size(b) === 1 || size(b) === 2;
  const notQ0D = (b: number): boolean => !(size(b) === 3 && q(b) === 0);
  const fpValid = (b: number): boolean => !(sz(b) === 1 && q(b) === 0);

  // SQDMULH/SQRDMULH (three same, vector and scalar): opcode 10110.
  for (const u of [0, 1]) {
    const name = u ? 'sqrdmulh' : 'sqdmulh';
    add(name, 0xbf20fc00, 0x0e20b400 | (u << 29), THREE_SAME_MORE, 'simd', 'Vd_T,Vn_T,Vm_T', hs);
    add(name, 0xff20fc00, 0x5e20b400 | (u << 29), THREE_SAME_MORE, 'simd', 'Sc_d,Sc_n,Sc_m', hs);
  }
  // Scalar three same: SQADD/UQADD/SQSUB/UQSUB/SQSHL/UQSHL/SQRSHL/UQRSHL (any size), SSHL/USHL/SRSHL/URSHL (D).
  ([['sqadd', 'uqadd', 0x01, true], ['sqsub', 'uqsub', 0x05, true], ['sqshl', 'uqshl', 0x09, true], ['sqrshl', 'uqrshl', 0x0b, true],
    ['sshl', 'ushl', 0x08, false], ['srshl', 'urshl', 0x0a, false]] as const).forEach(([sName, uName, opc, anySize]) => {
    for (const u of [0, 1]) {
      add(u ? uName : sName, 0xff20fc00, 0x5e200400 | (u << 29) | (opc << 11), THREE_SAME_MORE, 'simd', 'Sc_d,Sc_n,Sc_m',
        anySize ? undefined : (b) => size(b) === 3);
    }
  });
  // Scalar FP three same: FABD, FCMEQ/FCMGE/FCMGT, FACGE/FACGT, FRECPS/FRSQRTS; vector FRECPS/FRSQRTS.
  ([['fabd', 1, 1, 0x1a], ['fcmeq', 0, 0, 0x1c], ['fcmge', 1, 0, 0x1c], ['fcmgt', 1, 1, 0x1c], ['facge', 1, 0, 0x1d],
    ['facgt', 1, 1, 0x1d], ['frecps', 0, 0, 0x1f], ['frsqrts', 0, 1, 0x1f]] as const).forEach(([name, u, a, opc]) => {
    add(name, 0xffa0fc00, 0x5e200400 | (u << 29) | (a << 23) | (opc << 11), FP_3SAME, 'simd', 'Fd_sc,Fn_sc,Fm_sc');
    if (opc === 0x1f) add(name, 0xbfa0fc00, 0x0e200400 | (u << 29) | (a << 23) | (opc << 11), FP_3SAME, 'simd', 'Vd_F,Vn_F,Vm_F', fpValid);
  });

  // Three different: SQDMLAL/SQDMLSL/SQDMULL (vector, "2" forms, scalar) and PMULL/PMULL2 of bytes.
  for (const qq of [0, 1]) {
    const two = qq ? '2' : '';
    ([['sqdmlal', 0x9], ['sqdmlsl', 0xb], ['sqdmull', 0xd]] as const).forEach(([name, opc]) =>
      add(name + two, 0xff20fc00, 0x0e200000 | (qq << 30) | (opc << 12), O.SIMD_SAT_LONG, 'simd', 'Vd_W,Vn_N,Vm_N', hs));
    add(`pmull${two}`, 0xffe0fc00, 0x0e20e000 | (qq << 30), O.SIMD_SAT_LONG, 'simd', 'Vd_W,Vn_N,Vm_N');
  }
  ([['sqdmlal', 0x9], ['sqdmlsl', 0xb], ['sqdmull', 0xd]] as const).forEach(([name, opc]) =>
    add(name, 0xff20fc00, 0x5e200000 | (opc << 12), O.SIMD_SAT_LONG, 'simd', 'Vd_scalarW,Sc_n,Sc_m', hs));

  // By element: 0 Q U 01111 size L M Rm opcode H 0 Rn Rd (scalar: 01 U 11111).
  for (const qq of [0, 1]) {
    const two = qq ? '2' : '';
    ([['smlal', 0, 0x2], ['smlsl', 0, 0x6], ['smull', 0, 0xa], ['umlal', 1, 0x2], ['umlsl', 1, 0x6], ['umull', 1, 0xa],
      ['sqdmlal', 0, 0x3], ['sqdmlsl', 0, 0x7], ['sqdmull', 0, 0xb]] as const).forEach(([name, u, opc]) =>
      add(name + two, 0xff00f400, 0x0f000000 | (qq << 30) | (u << 29) | (opc << 12), O.SIMD_LONG_ELEM, 'simd', 'Vd_W,Vn_N,Vm_idx', hs));
  }
  ([['sqdmulh', 0xc], ['sqrdmulh', 0xd]] as const).forEach(([name, opc]) => {
    add(name, 0xbf00f400, 0x0f000000 | (opc << 12), O.SIMD_LONG_ELEM, 'simd', 'Vd_T,Vn_T,Vm_idx', hs);
    add(name, 0xff00f400, 0x5f000000 | (opc << 12), O.SIMD_LONG_ELEM, 'simd', 'Sc_d,Sc_n,Vm_idx', hs);
  });
  ([['sqdmlal', 0x3], ['sqdmlsl', 0x7], ['sqdmull', 0xb]] as const).forEach(([name, opc]) =>
    add(name, 0xff00f400, 0x5f000000 | (opc << 12), O.SIMD_LONG_ELEM, 'simd', 'Vd_scalarW,Sc_n,Vm_idx', hs));

  // Two-register miscellaneous: SUQADD/USQADD/SQABS/SQNEG (vector and scalar), RBIT, SHLL/SHLL2.
  ([['suqadd', 0, 0x03], ['usqadd', 1, 0x03], ['sqabs', 0, 0x07], ['sqneg', 1, 0x07]] as const).forEach(([name, u, opc]) => {
    add(name, 0xbf3ffc00, 0x0e200800 | (u << 29) | (opc << 12), O.SIMD_2MISC_SAT, 'simd', 'Vd_T,Vn_T', notQ0D);
    add(name, 0xff3ffc00, 0x5e200800 | (u << 29) | (opc << 12), O.SIMD_2MISC_SAT, 'simd', 'Sc_d,Sc_n');
  });
  add('rbit', 0xbffffc00, 0x2e605800, O.SIMD_2MISC_SAT, 'simd', 'Vd_B,Vn_B');
  for (const qq of [0, 1]) {
    add(qq ? 'shll2' : 'shll', 0xff3ffc00, 0x2e213800 | (qq << 30), O.SIMD_2MISC_SAT, 'simd', 'Vd_W,Vn_N,shll_imm', (b) => size(b) !== 3);
  }
  // Scalar narrowing moves: SQXTN, UQXTN, SQXTUN (size = destination size).
  ([['sqxtn', 0, 0x14], ['uqxtn', 1, 0x14], ['sqxtun', 1, 0x12]] as const).forEach(([name, u, opc]) =>
    add(name, 0xff3ffc00, 0x5e200800 | (u << 29) | (opc << 12), NARROW, 'simd', 'Sc_d,Sc_nW', (b) => size(b) !== 3));

  // Scalar shifts by immediate beyond those of instructions-simd3.ts.
  const dOnly = (b: number): boolean => (immh(b) & 8) !== 0;
  ([['ssra', 0, 0x02], ['usra', 1, 0x02], ['srshr', 0, 0x04], ['urshr', 1, 0x04], ['srsra', 0, 0x06], ['ursra', 1, 0x06]] as const).forEach(([name, u, opc]) =>
    add(name, 0xff80fc00, 0x5f000400 | (u << 29) | (opc << 11), SHIFT_IMM, 'simd', 'Sh_d,Sh_n,shr_imm', dOnly));
  ([['sqshl', 0, 0x0e], ['uqshl', 1, 0x0e], ['sqshlu', 1, 0x0c]] as const).forEach(([name, u, opc]) =>
    add(name, 0xff80fc00, 0x5f000400 | (u << 29) | (opc << 11), SHIFT_IMM, 'simd', 'Sh_d,Sh_n,shl_imm', (b) => immh(b) !== 0));
  const narrowImm = (b: number): boolean => immh(b) !== 0 && !(immh(b) & 8);
  ([['sqshrn', 0, 0x12], ['uqshrn', 1, 0x12], ['sqrshrn', 0, 0x13], ['uqrshrn', 1, 0x13], ['sqshrun', 1, 0x10], ['sqrshrun', 1, 0x11]] as const).forEach(([name, u, opc]) =>
    add(name, 0xff80fc00, 0x5f000400 | (u << 29) | (opc << 11), SHIFT_IMM, 'simd', 'Sh_d,Sh_nW,shr_imm', narrowImm));

  // Fixed-point conversions by immediate (immh 01xx single, 1xxx double; 001x is half precision).
  const fixedValid = (b: number): boolean => (immh(b) & 12) !== 0;
  ([['scvtf', 0, 0x1c], ['ucvtf', 1, 0x1c], ['fcvtzs', 0, 0x1f], ['fcvtzu', 1, 0x1f]] as const).forEach(([name, u, opc]) => {
    add(name, 0xbf80fc00, 0x0f000400 | (u << 29) | (opc << 11), O.FP_FIXED, 'simd', 'Vd_sh,Vn_sh,shr_imm', (b) => fixedValid(b) && !(immh(b) & 8 && q(b) === 0));
    add(name, 0xff80fc00, 0x5f000400 | (u << 29) | (opc << 11), O.FP_FIXED, 'simd', 'Sh_d,Sh_n,shr_imm', fixedValid);
  });
  // Fixed-point conversions to and from general registers: sf 0 0 11110 type 0 rmode opcode scale Rn Rd.
  for (const [type, f] of [[0, 'S'], [1, 'D']] as const) {
    for (const sfBit of [0, 1]) {
      const r = sfBit ? 'X' : 'W';
      const scaleOk = (b: number): boolean => sfBit === 1 || ((b >>> 15) & 1) === 1;
      ([['scvtf', 0, 2, `${f}d,${r}n,fbits`], ['ucvtf', 0, 3, `${f}d,${r}n,fbits`], ['fcvtzs', 3, 0, `${r}d,${f}n,fbits`], ['fcvtzu', 3, 1, `${r}d,${f}n,fbits`]] as const)
        .forEach(([name, rmode, opc, fmt]) =>
          add(name, 0xffff0000, (sfBit << 31) | 0x1e000000 | (type << 22) | (rmode << 19) | (opc << 16), O.FP_FIXED, 'fp', fmt, scaleOk));
    }
  }

  // Estimates: FRECPE/FRSQRTE (vector, scalar), FRECPX (scalar), URECPE/URSQRTE (2S/4S).
  ([['frecpe', 0, 0x1d], ['frsqrte', 1, 0x1d]] as const).forEach(([name, u, opc]) => {
    add(name, 0xbfbffc00, 0x0ea00800 | (u << 29) | (opc << 12), O.SIMD_FP_EST, 'simd', 'Vd_F,Vn_F', fpValid);
    add(name, 0xffbffc00, 0x5ea00800 | (u << 29) | (opc << 12), O.SIMD_FP_EST, 'simd', 'Fd_sc,Fn_sc');
  });
  add('frecpx', 0xffbffc00, 0x5ea1f800, O.SIMD_FP_EST, 'simd', 'Fd_sc,Fn_sc');
  add('urecpe', 0xbffffc00, 0x0ea1c800, O.SIMD_FP_EST, 'simd', 'Vd_T,Vn_T');
  add('ursqrte', 0xbffffc00, 0x2ea1c800, O.SIMD_FP_EST, 'simd', 'Vd_T,Vn_T');
  // FCVTXN (round to odd), vector and scalar.
  add('fcvtxn', 0xfffffc00, 0x2e616800, O.SIMD_FP_EST, 'simd', 'Vd_Sq,Vn_2d');
  add('fcvtxn2', 0xfffffc00, 0x6e616800, O.SIMD_FP_EST, 'simd', 'Vd_Sq,Vn_2d');
  add('fcvtxn', 0xfffffc00, 0x7e616800, O.SIMD_FP_EST, 'simd', 'Sd,Dn');

  // Half precision conversions: FCVT between H and S/D, FCVTN/FCVTL with 4H/8H.
  add('fcvt', 0xfffffc00, 0x1e23c000, O.FP_HALF, 'fp', 'Hd,Sn');
  add('fcvt', 0xfffffc00, 0x1e63c000, O.FP_HALF, 'fp', 'Hd,Dn');
  add('fcvt', 0xfffffc00, 0x1ee24000, O.FP_HALF, 'fp', 'Sd,Hn');
  add('fcvt', 0xfffffc00, 0x1ee2c000, O.FP_HALF, 'fp', 'Dd,Hn');
  for (const qq of [0, 1]) {
    add(qq ? 'fcvtn2' : 'fcvtn', 0xfffffc00, 0x0e216800 | (qq << 30), O.FP_HALF, 'simd', 'Vd_Hq,Vn_4s');
    add(qq ? 'fcvtl2' : 'fcvtl', 0xfffffc00, 0x0e217800 | (qq << 30), O.FP_HALF, 'simd', 'Vd_4s,Vn_Hq');
  }
}
