/**
 * Decode-table rows of the further Advanced SIMD groups (executed by simd-*.ts): modified immediate
 * (MOVI, MVNI, ORR, BIC, FMOV vector), shifts by immediate (SHL, SSHR/USHR and their rounding and
 * accumulating forms, SRI/SLI, the saturating left shifts, SHRN/RSHRN and the saturating narrowing
 * shifts, SSHLL/USHLL with the SXTL/UXTL aliases), permutes (UZP, TRN, ZIP, EXT, TBL/TBX), three
 * registers of different widths (ADDL/ADDW/SUBL/SUBW, ADDHN/SUBHN, ABAL/ABDL, MLAL/MLSL, MULL), the
 * narrowing moves (XTN, SQXTN, UQXTN, SQXTUN), REV16/32/64, CLZ/CLS, ADDLP/ADALP, SADDLV/UADDLV and
 * the structure loads and stores (LD2-LD4/ST2-ST4 multiple, LD1-LD4/ST1-ST4 single lane, LD1R-LD4R).
 * Rows with a Q = 1 "2" form (SHRN2, UADDL2, XTN2, ...) are separate rows so that the name is fixed.
 * The saturating doubling multiplies, PMULL, the long by-element multiplies and the scalar forms of
 * these groups are in instructions-simd4.ts; floating point in instructions-simd2.ts and -simd3.ts.
 */

type Add = (name: string, mask: number, match: number, op: number, cls: 'simd', fmt: string, when?: (b: number) => boolean) => void;

/** Operation ids of these groups (spread into Op of instructions.ts). */
export const SIMD_OP = {
  SIMD_MODIMM: 156, SIMD_SHIFT_IMM: 157, SIMD_PERMUTE: 158, SIMD_EXT: 159, SIMD_TBL: 160, SIMD_3DIFF: 161,
  SIMD_NARROW: 162, SIMD_ACROSS_LONG: 163, SIMD_LDST_MULTI: 164, SIMD_LDST_SINGLE: 165, SIMD_2MISC_MORE: 166,
} as const;

const q = (b: number): number => (b >>> 30) & 1;
const size = (b: number): number => (b >>> 22) & 3;
const immh = (b: number): number => (b >>> 19) & 15;
const immhb = (b: number): number => (b >>> 16) & 127;

export function addSimdRows(add: Add): void {
  const O = SIMD_OP;
  // Modified immediate: 0 Q op 0111100000 abc cmode o2=0 1 defgh Rd.
  ([['movi', 0, 0b1001, 0b0000], ['orr', 0, 0b1001, 0b0001], ['movi', 0, 0b1101, 0b1000], ['orr', 0, 0b1101, 0b1001],
    ['movi', 0, 0b1110, 0b1100], ['movi', 0, 0b1111, 0b1110], ['fmov', 0, 0b1111, 0b1111],
    ['mvni', 1, 0b1001, 0b0000], ['bic', 1, 0b1001, 0b0001], ['mvni', 1, 0b1101, 0b1000], ['bic', 1, 0b1101, 0b1001],
    ['mvni', 1, 0b1110, 0b1100], ['movi', 1, 0b1111, 0b1110], ['fmov', 1, 0b1111, 0b1111],
  ] as const).forEach(([name, op, cmMask, cmMatch]) => {
    const fmt = name === 'fmov' ? 'Vd_mi,mi_fimm' : cmMatch === 0b1110 ? 'Vd_mi,mi_imm' : 'Vd_mi,mi_imm,mi_shift';
    add(name, 0xbff80c00 | (cmMask << 12), 0x0f000400 | (op << 29) | (cmMatch << 12), O.SIMD_MODIMM, 'simd', fmt,
      name === 'fmov' && op === 1 ? (b) => q(b) === 1 : undefined);
  });

  // Shift by immediate: 0 Q U 011110 immh immb opcode 1 Rn Rd, immh != 0.
  const same = (b: number): boolean => immh(b) !== 0 && !(immh(b) & 8 && q(b) === 0);
  ([['sshr', 0, 0x00, 'r'], ['ushr', 1, 0x00, 'r'], ['ssra', 0, 0x02, 'r'], ['usra', 1, 0x02, 'r'], ['srshr', 0, 0x04, 'r'], ['urshr', 1, 0x04, 'r'],
    ['srsra', 0, 0x06, 'r'], ['ursra', 1, 0x06, 'r'], ['sri', 1, 0x08, 'r'], ['shl', 0, 0x0a, 'l'], ['sli', 1, 0x0a, 'l'],
    ['sqshlu', 1, 0x0c, 'l'], ['sqshl', 0, 0x0e, 'l'], ['uqshl', 1, 0x0e, 'l'],
  ] as const).forEach(([name, u, opc, dir]) =>
    add(name, 0xbf80fc00, 0x0f000400 | (u << 29) | (opc << 11), O.SIMD_SHIFT_IMM, 'simd', `Vd_sh,Vn_sh,${dir === 'r' ? 'shr_imm' : 'shl_imm'}`, same));
  const narrowOrLong = (b: number): boolean => immh(b) !== 0 && !(immh(b) & 8);
  for (const qq of [0, 1]) {
    const two = qq ? '2' : '';
    ([['shrn', 0, 0x10], ['sqshrun', 1, 0x10], ['rshrn', 0, 0x11], ['sqrshrun', 1, 0x11], ['sqshrn', 0, 0x12], ['uqshrn', 1, 0x12],
      ['sqrshrn', 0, 0x13], ['uqrshrn', 1, 0x13]] as const).forEach(([name, u, opc]) =>
      add(name + two, 0xff80fc00, 0x0f000400 | (qq << 30) | (u << 29) | (opc << 11), O.SIMD_SHIFT_IMM, 'simd', 'Vd_shN,Vn_shW,shr_imm', narrowOrLong));
    for (const u of [0, 1]) {
      const match = 0x0f00a400 | (qq << 30) | (u << 29);
      add((u ? 'uxtl' : 'sxtl') + two, 0xff80fc00, match, O.SIMD_SHIFT_IMM, 'simd', 'Vd_shW,Vn_shN',
        (b) => narrowOrLong(b) && immhb(b) === 8 << ((immh(b) & 4) ? 2 : (immh(b) & 2) ? 1 : 0));
      add((u ? 'ushll' : 'sshll') + two, 0xff80fc00, match, O.SIMD_SHIFT_IMM, 'simd', 'Vd_shW,Vn_shN,shl_imm', narrowOrLong);
    }
  }

  // Permutes: 0 Q 001110 size 0 Rm 0 opcode 10 Rn Rd; EXT; TBL/TBX.
  const notQ0D = (b: number): boolean => !(size(b) === 3 && q(b) === 0);
  ([['uzp1', 1], ['trn1', 2], ['zip1', 3], ['uzp2', 5], ['trn2', 6], ['zip2', 7]] as const).forEach(([name, opc]) =>
    add(name, 0xbf20fc00, 0x0e000800 | (opc << 12), O.SIMD_PERMUTE, 'simd', 'Vd_T,Vn_T,Vm_T', notQ0D));
  add('ext', 0xbfe08400, 0x2e000000, O.SIMD_EXT, 'simd', 'Vd_B,Vn_B,Vm_B,ext_imm', (b) => q(b) === 1 || ((b >>> 14) & 1) === 0);
  for (let len = 0; len < 4; len++) {
    add('tbl', 0xbfe0fc00, 0x0e000000 | (len << 13), O.SIMD_TBL, 'simd', 'Vd_B,tlist,Vm_B');
    add('tbx', 0xbfe0fc00, 0x0e001000 | (len << 13), O.SIMD_TBL, 'simd', 'Vd_B,tlist,Vm_B');
  }

  // Three registers of different widths: 0 Q U 01110 size 1 Rm opcode 00 Rn Rd.
  const notSize3 = (b: number): boolean => size(b) !== 3;
  for (const qq of [0, 1]) {
    const two = qq ? '2' : '';
    ([[0, 'saddl', 'uaddl', 'L'], [1, 'saddw', 'uaddw', 'W'], [2, 'ssubl', 'usubl', 'L'], [3, 'ssubw', 'usubw', 'W'],
      [4, 'addhn', 'raddhn', 'H'], [5, 'sabal', 'uabal', 'L'], [6, 'subhn', 'rsubhn', 'H'], [7, 'sabdl', 'uabdl', 'L'],
      [8, 'smlal', 'umlal', 'L'], [10, 'smlsl', 'umlsl', 'L'], [12, 'smull', 'umull', 'L']] as const).forEach(([opc, sName, uName, kind]) => {
      const fmt = kind === 'L' ? 'Vd_W,Vn_N,Vm_N' : kind === 'W' ? 'Vd_W,Vn_W,Vm_N' : 'Vd_N,Vn_W,Vm_W';
      for (const u of [0, 1]) {
        add((u ? uName : sName) + two, 0xff20fc00, 0x0e200000 | (qq << 30) | (u << 29) | (opc << 12), O.SIMD_3DIFF, 'simd', fmt, notSize3);
      }
    });
    // Narrowing moves (two-register miscellaneous, opcodes 10010 and 10100).
    ([['xtn', 0, 0x12], ['sqxtun', 1, 0x12], ['sqxtn', 0, 0x14], ['uqxtn', 1, 0x14]] as const).forEach(([name, u, opc]) =>
      add(name + two, 0xff3ffc00, 0x0e200800 | (qq << 30) | (u << 29) | (opc << 12), O.SIMD_NARROW, 'simd', 'Vd_N,Vn_W', notSize3));
  }

  // More two-register miscellaneous: REV64/REV32/REV16, CLS/CLZ, SADDLP/UADDLP, SADALP/UADALP.
  ([['rev64', 0, 0x00, 'Vd_T,Vn_T', (b: number) => size(b) !== 3], ['rev32', 1, 0x00, 'Vd_T,Vn_T', (b: number) => size(b) < 2],
    ['rev16', 0, 0x01, 'Vd_T,Vn_T', (b: number) => size(b) === 0], ['cls', 0, 0x04, 'Vd_T,Vn_T', notSize3], ['clz', 1, 0x04, 'Vd_T,Vn_T', notSize3],
    ['saddlp', 0, 0x02, 'Vd_Wp,Vn_T', notSize3], ['uaddlp', 1, 0x02, 'Vd_Wp,Vn_T', notSize3],
    ['sadalp', 0, 0x06, 'Vd_Wp,Vn_T', notSize3], ['uadalp', 1, 0x06, 'Vd_Wp,Vn_T', notSize3],
  ] as const).forEach(([name, u, opc, fmt, valid]) =>
    add(name, 0xbf3ffc00, 0x0e200800 | (u << 29) | (opc << 12), O.SIMD_2MISC_MORE, 'simd', fmt, valid));

  // Across lanes, long: SADDLV/UADDLV.
  const acrossValid = (b: number): boolean => size(b) !== 3 && !(size(b) === 2 && q(b) === 0);
  add('saddlv', 0xbf3ffc00, 0x0e303800, O.SIMD_ACROSS_LONG, 'simd', 'Vd_scalarW,Vn_T', acrossValid);
  add('uaddlv', 0xbf3ffc00, 0x2e303800, O.SIMD_ACROSS_LONG, 'simd', 'Vd_scalarW,Vn_T', acrossValid);

  // LD2-LD4/ST2-ST4 (multiple structures): opcode 1000, 0100, 0000; size (bits 11..10) 11 needs Q = 1.
  const structValid = (b: number): boolean => !(((b >>> 10) & 3) === 3 && q(b) === 0);
  for (const opc of [0x8, 0x4, 0x0]) {
    for (const l of [0, 1]) {
      const name = `${l ? 'ld' : 'st'}${opc === 8 ? 2 : opc === 4 ? 3 : 4}`;
      const base = 0x0c000000 | (l << 22) | (opc << 12);
      add(name, 0xbffff000, base, O.SIMD_LDST_MULTI, 'simd', 'vlist,mem0', structValid);
      add(name, 0xbffff000, base | 0x009f0000, O.SIMD_LDST_MULTI, 'simd', 'vlist,mem0,post_imm', structValid);
      add(name, 0xbfe0f000, base | 0x00800000, O.SIMD_LDST_MULTI, 'simd', 'vlist,mem0,Xm', (b) => structValid(b) && ((b >>> 16) & 31) !== 31);
    }
  }

  // Single structure: 0 Q 0011010 L R 00000 opcode S size Rn Rt (post-indexed: 0011011, Rm).
  for (const l of [0, 1]) {
    for (const r of [0, 1]) {
      for (let opc = 0; opc < 8; opc++) {
        const scale = opc >>> 1;
        if (scale === 3 && !l) continue;
        const selem = (((opc & 1) << 1) | r) + 1;
        const name = `${l ? 'ld' : 'st'}${selem}${scale === 3 ? 'r' : ''}`;
        const valid = (b: number): boolean => {
          const sz = (b >>> 10) & 3;
          const s = (b >>> 12) & 1;
          return scale === 0 || (scale === 1 && !(sz & 1)) || (scale === 2 && (sz === 0 || (sz === 1 && !s))) || (scale === 3 && !s);
        };
        const list = scale === 3 ? 'vrep' : 'vlane';
        const base = 0x0d000000 | (l << 22) | (r << 21) | (opc << 13);
        add(name, 0xbfffe000, base, O.SIMD_LDST_SINGLE, 'simd', `${list},mem0`, valid);
        add(name, 0xbfffe000, base | 0x009f0000, O.SIMD_LDST_SINGLE, 'simd', `${list},mem0,post_single`, valid);
        add(name, 0xbfe0e000, base | 0x00800000, O.SIMD_LDST_SINGLE, 'simd', `${list},mem0,Xm`, (b) => valid(b) && ((b >>> 16) & 31) !== 31);
      }
    }
  }
}
