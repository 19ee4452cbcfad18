/**
 * Decode-table rows of further Advanced SIMD groups: vector FP pairwise (FADDP, FMAXP, FMINP,
 * FMAXNMP, FMINNMP) and their scalar pairwise forms, FP across lanes (FMAXV, FMINV, FMAXNMV, FMINNMV),
 * FMUL/FMLA/FMLS/FMULX by element (vector and scalar), FMULX (executed by simd-fp2.ts); the scalar
 * integer forms gcc uses (ADDP, ADD/SUB, CMEQ/CMGE/CMGT/CMHI/CMHS/CMTST and the compares against zero,
 * ABS/NEG, SSHR/USHR/SHL/SRI/SLI, MOV from a lane), executed as the one-lane vector operation of
 * simd.ts; FCM* against zero (scalar), FRINT* (vector), FCVT[NMAPZ][SU] and SCVTF/UCVTF (scalar),
 * FCVT[NMAP][SU] (vector), FCVTL/FCVTN (single <-> double only).
 * The half-precision conversions, FCVTXN, the saturating and rounding scalar shifts, scalar three-same
 * FP (FABD, FCMxx registers, FRECPS, ...) and the estimates are in instructions-simd4.ts.
 */

type Add = (name: string, mask: number, match: number, op: number, cls: 'simd', fmt: string, when?: (b: number) => boolean) => void;

/** Operation ids of these groups (spread into Op of instructions.ts). */
export const SIMD_OP3 = {
  SIMD_FP_PAIR: 171, SIMD_FP_ELEM: 172, SIMD_SCALAR_3SAME: 173, SIMD_SCALAR_2MISC: 174, SIMD_SCALAR_SHIFT: 175,
  SIMD_DUP_SCALAR: 176, SIMD_FP_MISC: 177,
} as const;

const q = (b: number): number => (b >>> 30) & 1;
const sz = (b: number): number => (b >>> 22) & 1;

export function addSimdRows3(add: Add): void {
  const O = SIMD_OP3;
  const fpValid = (b: number): boolean => !(sz(b) === 1 && q(b) === 0);
  // FP pairwise (three same, U = 1): 0 Q 1 01110 a sz 1 Rm opcode 1 Rn Rd.
  ([['fmaxnmp', 0, 0x18], ['faddp', 0, 0x1a], ['fmaxp', 0, 0x1e], ['fminnmp', 1, 0x18], ['fminp', 1, 0x1e]] as const).forEach(([name, a, opc]) =>
    add(name, 0xbfa0fc00, 0x2e200400 | (a << 23) | (opc << 11), O.SIMD_FP_PAIR, 'simd', 'Vd_F,Vn_F,Vm_F', fpValid));
  // Scalar pairwise: 01 1 11110 a sz 11000 opcode 10 Rn Rd; ADDP (scalar) is U = 0, size 11.
  ([['fmaxnmp', 0, 0x0c], ['faddp', 0, 0x0d], ['fmaxp', 0, 0x0f], ['fminnmp', 1, 0x0c], ['fminp', 1, 0x0f]] as const).forEach(([name, a, opc]) =>
    add(name, 0xffbffc00, 0x7e300800 | (a << 23) | (opc << 12), O.SIMD_FP_PAIR, 'simd', 'Fd_sc,Vn_F2'));
  add('addp', 0xfffffc00, 0x5ef1b800, O.SIMD_FP_PAIR, 'simd', 'Dd,Vn_2d');
  // Across lanes: 0 1 1 01110 a 0 11000 opcode 10 Rn Rd (4S only in v8.0).
  ([['fmaxnmv', 0, 0x0c], ['fmaxv', 0, 0x0f], ['fminnmv', 1, 0x0c], ['fminv', 1, 0x0f]] as const).forEach(([name, a, opc]) =>
    add(name, 0xfffffc00, 0x6e300800 | (a << 23) | (opc << 12), O.SIMD_FP_PAIR, 'simd', 'Sd,Vn_F'));

  // By element: 0 Q U 01111 1 sz L M Rm opcode H 0 Rn Rd (scalar: 01 U 11111); sz = 1 needs L = 0.
  ([['fmla', 0, 0x1], ['fmls', 0, 0x5], ['fmul', 0, 0x9], ['fmulx', 1, 0x9]] as const).forEach(([name, u, opc]) => {
    const lOk = (b: number): boolean => !(sz(b) === 1 && ((b >>> 21) & 1) === 1);
    add(name, 0xbf80f400, 0x0f800000 | (u << 29) | (opc << 12), O.SIMD_FP_ELEM, 'simd', 'Vd_F,Vn_F,Vm_Fidx', (b) => lOk(b) && fpValid(b));
    add(name, 0xff80f400, 0x5f800000 | (u << 29) | (opc << 12), O.SIMD_FP_ELEM, 'simd', 'Fd_sc,Fn_sc,Vm_Fidx', lOk);
  });
  add('fmulx', 0xbfa0fc00, 0x0e20dc00, O.SIMD_FP_MISC, 'simd', 'Vd_F,Vn_F,Vm_F', fpValid);
  add('fmulx', 0xffa0fc00, 0x5e20dc00, O.SIMD_FP_MISC, 'simd', 'Fd_sc,Fn_sc,Fm_sc');

  // Scalar integer three same, size 11: 01 U 11110 11 1 Rm opcode 1 Rn Rd.
  ([['add', 0, 0x10], ['sub', 1, 0x10], ['cmtst', 0, 0x11], ['cmeq', 1, 0x11], ['cmgt', 0, 0x06], ['cmge', 0, 0x07],
    ['cmhi', 1, 0x06], ['cmhs', 1, 0x07]] as const).forEach(([name, u, opc]) =>
    add(name, 0xffe0fc00, 0x5ee00400 | (u << 29) | (opc << 11), O.SIMD_SCALAR_3SAME, 'simd', 'Dd,Dn,Dm'));
  // Scalar two-register miscellaneous, size 11: compares against zero, ABS, NEG.
  ([['cmgt', 0, 0x8], ['cmeq', 0, 0x9], ['cmlt', 0, 0xa], ['cmge', 1, 0x8], ['cmle', 1, 0x9], ['abs', 0, 0xb], ['neg', 1, 0xb]] as const).forEach(([name, u, opc]) =>
    add(name, 0xfffffc00, 0x5ee00800 | (u << 29) | (opc << 12), O.SIMD_SCALAR_2MISC, 'simd', opc === 0xb ? 'Dd,Dn' : 'Dd,Dn,zero'));
  // Scalar shifts by immediate, immh = 1xxx: 01 U 111110 immh immb opcode 1 Rn Rd.
  ([['sshr', 0, 0x00, 'shr_imm'], ['ushr', 1, 0x00, 'shr_imm'], ['sri', 1, 0x08, 'shr_imm'], ['shl', 0, 0x0a, 'shl_imm'],
    ['sli', 1, 0x0a, 'shl_imm']] as const).forEach(([name, u, opc, imm]) =>
    add(name, 0xffc0fc00, 0x5f400400 | (u << 29) | (opc << 11), O.SIMD_SCALAR_SHIFT, 'simd', `Dd,Dn,${imm}`));
  // DUP (element, scalar), always shown as MOV: 01 0 11110000 imm5 000001 Rn Rd.
  add('mov', 0xffe0fc00, 0x5e000400, O.SIMD_DUP_SCALAR, 'simd', 'Vd_esc,Vn_elem', (b) => ((b >>> 16) & 15) !== 0);

  // FP two-register miscellaneous: 0 Q U 01110 a sz 10000 opcode 10 Rn Rd (scalar: 01 U 11110).
  const vector = [['frintn', 0, 0, 0x18], ['frintm', 0, 0, 0x19], ['frintp', 0, 1, 0x18], ['frintz', 0, 1, 0x19],
    ['frinta', 1, 0, 0x18], ['frintx', 1, 0, 0x19], ['frinti', 1, 1, 0x19]] as const;
  const convert = [['fcvtns', 0, 0, 0x1a], ['fcvtms', 0, 0, 0x1b], ['fcvtas', 0, 0, 0x1c], ['fcvtps', 0, 1, 0x1a],
    ['fcvtnu', 1, 0, 0x1a], ['fcvtmu', 1, 0, 0x1b], ['fcvtau', 1, 0, 0x1c], ['fcvtpu', 1, 1, 0x1a]] as const;
  [...vector, ...convert].forEach(([name, u, a, opc]) =>
    add(name, 0xbfbffc00, 0x0e200800 | (u << 29) | (a << 23) | (opc << 12), O.SIMD_FP_MISC, 'simd', 'Vd_F,Vn_F', fpValid));
  ([...convert, ['fcvtzs', 0, 1, 0x1b], ['fcvtzu', 1, 1, 0x1b], ['scvtf', 0, 0, 0x1d], ['ucvtf', 1, 0, 0x1d],
    ['fcmgt', 0, 1, 0x0c], ['fcmeq', 0, 1, 0x0d], ['fcmlt', 0, 1, 0x0e], ['fcmge', 1, 1, 0x0c], ['fcmle', 1, 1, 0x0d]] as const).forEach(([name, u, a, opc]) =>
    add(name, 0xffbffc00, 0x5e200800 | (u << 29) | (a << 23) | (opc << 12), O.SIMD_FP_MISC, 'simd', opc <= 0x0e ? 'Fd_sc,Fn_sc,fzero' : 'Fd_sc,Fn_sc'));
  // FCVTN/FCVTN2 (double to single) and FCVTL/FCVTL2 (single to double).
  for (const qq of [0, 1]) {
    add(qq ? 'fcvtn2' : 'fcvtn', 0xfffffc00, 0x0e616800 | (qq << 30), O.SIMD_FP_MISC, 'simd', 'Vd_Sq,Vn_2d');
    add(qq ? 'fcvtl2' : 'fcvtl', 0xfffffc00, 0x0e617800 | (qq << 30), O.SIMD_FP_MISC, 'simd', 'Vd_2d,Vn_Sq');
  }
}
