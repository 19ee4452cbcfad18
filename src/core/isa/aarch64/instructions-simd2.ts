/**
 * Decode-table rows of the rest of the Advanced SIMD integer three-same group (executed by
 * simd-int.ts): halving adds and subtracts (SHADD/UHADD, SRHADD/URHADD, SHSUB/UHSUB), saturating
 * adds and subtracts (SQADD/UQADD/SQSUB/UQSUB), shifts by register (SSHL/USHL, SRSHL/URSHL and the
 * saturating SQSHL/UQSHL/SQRSHL/UQRSHL), absolute differences (SABD/UABD/SABA/UABA), MUL/MLA/MLS,
 * PMUL, and MUL/MLA/MLS by element; and single and double precision vector floating point
 * (simd-fp.ts): FADD/FSUB/FMUL/FDIV/FMAX/FMIN/FMAXNM/FMINNM/FABD/FMLA/FMLS, FCMEQ/FCMGE/FCMGT and
 * FACGE/FACGT, the compares against zero, FABS/FNEG/FSQRT, SCVTF/UCVTF/FCVTZS/FCVTZU (integer).
 * FP pairwise, across lanes and by element, FMULX, FRINT* and the other conversion rounding modes are
 * in instructions-simd3.ts; SQDMULH/SQRDMULH, FRECPS/FRSQRTS and the estimates in instructions-simd4.ts.
 */

type Add = (name: string, mask: number, match: number, op: number, cls: 'simd', fmt: string, when?: (b: number) => boolean) => void;

/** Operation ids of these groups (spread into Op of instructions.ts). */
export const SIMD_OP2 = { SIMD_3SAME_MORE: 167, SIMD_BY_ELEMENT: 168, SIMD_FP_3SAME: 169, SIMD_FP_2MISC: 170 } as const;

const q = (b: number): number => (b >>> 30) & 1;
const size = (b: number): number => (b >>> 22) & 3;

export function addSimdRows2(add: Add): void {
  const notD = (b: number): boolean => size(b) !== 3;
  const notQ0D = (b: number): boolean => !(size(b) === 3 && q(b) === 0);
  // Three same: 0 Q U 01110 size 1 Rm opcode 1 Rn Rd.
  ([['shadd', 'uhadd', 0x00, notD], ['sqadd', 'uqadd', 0x01, notQ0D], ['srhadd', 'urhadd', 0x02, notD],
    ['shsub', 'uhsub', 0x04, notD], ['sqsub', 'uqsub', 0x05, notQ0D], ['sshl', 'ushl', 0x08, notQ0D],
    ['sqshl', 'uqshl', 0x09, notQ0D], ['srshl', 'urshl', 0x0a, notQ0D], ['sqrshl', 'uqrshl', 0x0b, notQ0D],
    ['sabd', 'uabd', 0x0e, notD], ['saba', 'uaba', 0x0f, notD], ['mla', 'mls', 0x12, notD],
  ] as const).forEach(([sName, uName, opc, valid]) => {
    for (const u of [0, 1]) add(u ? uName : sName, 0xbf20fc00, 0x0e200400 | (u << 29) | (opc << 11), SIMD_OP2.SIMD_3SAME_MORE, 'simd', 'Vd_T,Vn_T,Vm_T', valid);
  });
  add('mul', 0xbf20fc00, 0x0e209c00, SIMD_OP2.SIMD_3SAME_MORE, 'simd', 'Vd_T,Vn_T,Vm_T', notD);
  add('pmul', 0xbf20fc00, 0x2e209c00, SIMD_OP2.SIMD_3SAME_MORE, 'simd', 'Vd_T,Vn_T,Vm_T', (b) => size(b) === 0);

  // By element: 0 Q U 01111 size L M Rm opcode H 0 Rn Rd; size 01 (.h, Rm 0-15) or 10 (.s).
  const hs = (b: number): boolean => size(b) === 1 || size(b) === 2;
  ([['mul', 0, 0x8], ['mla', 1, 0x0], ['mls', 1, 0x4]] as const).forEach(([name, u, opc]) =>
    add(name, 0xbf00f400, 0x0f000000 | (u << 29) | (opc << 12), SIMD_OP2.SIMD_BY_ELEMENT, 'simd', 'Vd_T,Vn_T,Vm_idx', hs));

  // FP three same: 0 Q U 01110 a sz 1 Rm opcode 1 Rn Rd (sz = 1 needs Q = 1).
  const fpValid = (b: number): boolean => !(((b >>> 22) & 1) === 1 && q(b) === 0);
  ([['fmaxnm', 0, 0, 0x18], ['fmla', 0, 0, 0x19], ['fadd', 0, 0, 0x1a], ['fcmeq', 0, 0, 0x1c], ['fmax', 0, 0, 0x1e],
    ['fminnm', 0, 1, 0x18], ['fmls', 0, 1, 0x19], ['fsub', 0, 1, 0x1a], ['fmin', 0, 1, 0x1e],
    ['fmul', 1, 0, 0x1b], ['fcmge', 1, 0, 0x1c], ['facge', 1, 0, 0x1d], ['fdiv', 1, 0, 0x1f],
    ['fabd', 1, 1, 0x1a], ['fcmgt', 1, 1, 0x1c], ['facgt', 1, 1, 0x1d],
  ] as const).forEach(([name, u, a, opc]) =>
    add(name, 0xbfa0fc00, 0x0e200400 | (u << 29) | (a << 23) | (opc << 11), SIMD_OP2.SIMD_FP_3SAME, 'simd', 'Vd_F,Vn_F,Vm_F', fpValid));

  // FP two-register miscellaneous: 0 Q U 01110 a sz 10000 opcode 10 Rn Rd.
  ([['fcmgt', 0, 1, 0x0c], ['fcmeq', 0, 1, 0x0d], ['fcmlt', 0, 1, 0x0e], ['fcmge', 1, 1, 0x0c], ['fcmle', 1, 1, 0x0d],
    ['fabs', 0, 1, 0x0f], ['fneg', 1, 1, 0x0f], ['fsqrt', 1, 1, 0x1f],
    ['scvtf', 0, 0, 0x1d], ['ucvtf', 1, 0, 0x1d], ['fcvtzs', 0, 1, 0x1b], ['fcvtzu', 1, 1, 0x1b],
  ] as const).forEach(([name, u, a, opc]) =>
    add(name, 0xbfbffc00, 0x0e200800 | (u << 29) | (a << 23) | (opc << 12), SIMD_OP2.SIMD_FP_2MISC, 'simd',
      opc >= 0x0c && opc <= 0x0e ? 'Vd_F,Vn_F,fzero' : 'Vd_F,Vn_F', fpValid));
}

/** Register and index of a by-element operand: H:L:M with Rm 0-15 for .h, H:L with M:Rm for .s. */
export function byElement(b: number): { m: number; index: number } {
  const h = (b >>> 11) & 1, l = (b >>> 21) & 1, mBit = (b >>> 20) & 1;
  return size(b) === 1 ? { m: (b >>> 16) & 15, index: (h << 2) | (l << 1) | mBit } : { m: (b >>> 16) & 31, index: (h << 1) | l };
}

/** Register and index of an FP by-element operand: M:Rm, index H:L (single) or H (double). */
export function fpElement(b: number): { m: number; index: number } {
  const h = (b >>> 11) & 1, l = (b >>> 21) & 1;
  return { m: (b >>> 16) & 31, index: (b >>> 22) & 1 ? h : (h << 1) | l };
}
