/**
 * Known-answer programs for the further Advanced SIMD floating point (simd-fp2.ts): pairwise and
 * across-lanes max/min/add (with the NM forms against a quiet NaN), FMUL/FMLA/FMLS/FMULX by element,
 * FMULX's zero times infinity, FRINT* in every rounding mode, FCVT*[SU] vector and scalar, SCVTF/UCVTF
 * and the compares against zero (scalar), FCVTL/FCVTN. Expected bit patterns are worked out by hand.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { assembler, machine, runWithFpSimd } from './harness';

const asm = assembler('simd-fp2');
afterAll(() => asm.save());

const run = (source: string) => runWithFpSimd(asm, source);

const lanesOf = (vs: number[]): string => vs.map((v, i) => `  mov x${2 * i + 1}, v${v}.d[0]\n  mov x${2 * i + 2}, v${v}.d[1]`).join('\n');
const read = (m: ReturnType<typeof machine>, count: number) => Array.from({ length: count }, (_, i) => [m.x(2 * i + 1), m.x(2 * i + 2)].map((v) => `0x${v.toString(16)}`).join(':'));
const s4 = (w: string) => `0x${w}${w}:0x${w}${w}`.replace(/0x0+(?=[0-9a-f])/g, '0x');
const d2 = (v: string) => `0x${v}:0x${v}`;

/** v0 = [1.0, -2.0, 3.0, 0.5], v2 = [4.0, 5.0, -1.0, 8.0] (lane 0 first). */
const SETUP = `
  fmov s0, #1.0
  fmov s1, #-2.0
  mov v0.s[1], v1.s[0]
  fmov s1, #3.0
  mov v0.s[2], v1.s[0]
  fmov s1, #0.5
  mov v0.s[3], v1.s[0]
  fmov s2, #4.0
  fmov s1, #5.0
  mov v2.s[1], v1.s[0]
  fmov s1, #-1.0
  mov v2.s[2], v1.s[0]
  fmov s1, #8.0
  mov v2.s[3], v1.s[0]`;

describe('A64 Advanced SIMD floating point: pairwise, across lanes, by element, rounding', () => {
  it('FADDP/FMAXP/FMINP/FMAXNMP/FMINNMP vector, scalar pairwise, a quiet NaN against a number', () => {
    const m = run(`${SETUP}
  faddp v3.4s, v0.4s, v2.4s
  fmaxp v4.4s, v0.4s, v2.4s
  fminp v5.4s, v0.4s, v2.4s
  fmaxnmp v6.2s, v0.2s, v2.2s
  movi v7.2d, #0xffffffffffffffff
  fminnmp v8.4s, v7.4s, v0.4s
  fmov v9.4s, #2.0
  mov v9.s[0], v7.s[0]
  fmaxnmp s10, v9.2s
  fmaxp s11, v9.2s
  faddp s12, v0.2s
  fmov v13.2d, #1.5
  fmov d14, #-0.25
  mov v13.d[1], v14.d[0]
  faddp d15, v13.2d
  fminp d16, v13.2d
  faddp v17.2d, v13.2d, v13.2d
${lanesOf([3, 4, 5, 6, 8, 10, 11, 12, 15, 16, 17])}`);
    expect(read(m, 11)).toEqual(['0x40600000bf800000:0x40e0000041100000', '0x404000003f800000:0x4100000040a00000',
      '0x3f000000c0000000:0xbf80000040800000', '0x40a000003f800000:0x0', '0xffffffffffffffff:0x3f000000c0000000',
      '0x40000000:0x0', '0xffffffff:0x0', '0xbf800000:0x0', '0x3ff4000000000000:0x0', '0xbfd0000000000000:0x0', d2('3ff4000000000000')]);
  });

  it('FMAXV/FMINV/FMAXNMV/FMINNMV', () => {
    const m = run(`${SETUP}
  movi v7.2d, #0xffffffffffffffff
  fmov v9.4s, #2.0
  mov v9.s[0], v7.s[0]
  fmaxv s18, v0.4s
  fminv s19, v0.4s
  fmaxnmv s20, v9.4s
  fminv s21, v9.4s
  fminnmv s22, v0.4s
${lanesOf([18, 19, 20, 21, 22])}`);
    expect(read(m, 5)).toEqual(['0x40400000:0x0', '0xc0000000:0x0', '0x40000000:0x0', '0xffffffff:0x0', '0xc0000000:0x0']);
  });

  it('FMUL/FMLA/FMLS by element (vector and scalar, single and double)', () => {
    const m = run(`${SETUP}
  fmul v3.4s, v0.4s, v2.s[1]
  fmov v4.4s, #1.0
  fmla v4.4s, v0.4s, v2.s[3]
  fmov v5.2s, #1.0
  fmls v5.2s, v0.2s, v2.s[2]
  fmul s6, s0, v2.s[3]
  fmov v7.2d, #1.5
  fmov v9.2d, #-0.5
  fmul v10.2d, v7.2d, v9.d[1]
  fmov d11, #1.0
  fmla d11, d7, v9.d[0]
${lanesOf([3, 4, 5, 6, 10, 11])}`);
    expect(read(m, 6)).toEqual(['0xc120000040a00000:0x4020000041700000', '0xc170000041100000:0x40a0000041c80000',
      '0xbf80000040000000:0x0', '0x41000000:0x0', d2('bfe8000000000000'), '0x3fd0000000000000:0x0']);
  });

  it('FMULX: zero times infinity is 2.0 with the product sign, otherwise FMUL (vector, scalar, by element)', () => {
    const m = run(`${SETUP}
  movi v12.2d, #0
  mov w0, #0x7f800000
  dup v13.4s, w0
  fmulx v14.4s, v12.4s, v13.4s
  fneg v15.4s, v13.4s
  fmulx v16.2s, v12.2s, v15.2s
  fmulx s17, s0, s2
  fmulx v18.4s, v0.4s, v13.s[0]
  fmulx v19.4s, v13.4s, v12.s[2]
  mov x0, #0x7ff0000000000000
  fmov d21, x0
  fmulx d20, d12, d21
${lanesOf([14, 16, 17, 18, 19, 20])}`);
    expect(read(m, 6)).toEqual([s4('40000000'), '0xc0000000c0000000:0x0', '0x40800000:0x0', '0xff8000007f800000:0x7f8000007f800000',
      s4('40000000'), '0x4000000000000000:0x0']);
  });

  it('FRINTN/A/P/M/Z, FRINTX and FRINTI with FPCR.RMode', () => {
    const m = run(`
  fmov s0, #2.5
  fmov s1, #-2.5
  mov v0.s[1], v1.s[0]
  fmov s1, #1.5
  mov v0.s[2], v1.s[0]
  fmov s1, #-0.75
  mov v0.s[3], v1.s[0]
  frintn v2.4s, v0.4s
  frinta v3.4s, v0.4s
  frintp v4.4s, v0.4s
  frintm v5.4s, v0.4s
  frintz v6.4s, v0.4s
  frintx v7.4s, v0.4s
  mov x0, #(2 << 22)
  msr fpcr, x0
  frinti v8.4s, v0.4s
  msr fpcr, xzr
  fmov v9.2d, #-1.5
  frintn v10.2d, v9.2d
  frintz v11.2s, v0.2s
${lanesOf([2, 3, 4, 5, 6, 7, 8, 10, 11])}`);
    expect(read(m, 9)).toEqual(['0xc000000040000000:0xbf80000040000000', '0xc040000040400000:0xbf80000040000000',
      '0xc000000040400000:0x8000000040000000', '0xc040000040000000:0xbf8000003f800000', '0xc000000040000000:0x800000003f800000',
      '0xc000000040000000:0xbf80000040000000', '0xc040000040000000:0xbf8000003f800000', d2('c000000000000000'), '0xc000000040000000:0x0']);
  });

  it('FCVTNS/AS/PS/MS/NU/MU vector, FCVT* and SCVTF/UCVTF scalar', () => {
    const m = run(`
  fmov s0, #2.5
  fmov s1, #-2.5
  mov v0.s[1], v1.s[0]
  fmov s1, #1.5
  mov v0.s[2], v1.s[0]
  fmov s1, #-0.75
  mov v0.s[3], v1.s[0]
  fcvtns v2.4s, v0.4s
  fcvtas v3.4s, v0.4s
  fcvtps v4.4s, v0.4s
  fcvtms v5.4s, v0.4s
  fcvtnu v6.4s, v0.4s
  fcvtmu v7.2s, v0.2s
  fmov v9.2d, #-1.5
  fcvtas v10.2d, v9.2d
  fcvtpu v11.2d, v9.2d
  fcvtms s12, s0
  fcvtas d13, d9
  fcvtau d14, d9
  mov w0, #-3
  fmov s20, w0
  scvtf s15, s20
  mov x0, #-1
  fmov d8, x0
  ucvtf d16, d8
${lanesOf([2, 3, 4, 5, 6, 7, 10, 11, 12, 13, 14, 15, 16])}`);
    expect(read(m, 13)).toEqual(['0xfffffffe00000002:0xffffffff00000002', '0xfffffffd00000003:0xffffffff00000002',
      '0xfffffffe00000003:0x2', '0xfffffffd00000002:0xffffffff00000001', '0x2:0x2', '0x2:0x0', d2('fffffffffffffffe'), '0x0:0x0',
      '0x2:0x0', '0xfffffffffffffffe:0x0', '0x0:0x0', '0xc0400000:0x0', '0x43f0000000000000:0x0']);
  });

  it('FCM* against zero (scalar, -0.0 equals zero), FCVTL/FCVTL2, FCVTN/FCVTN2', () => {
    const m = run(`
  fmov s0, #2.5
  fmov s1, #-2.5
  mov v0.s[1], v1.s[0]
  fmov s1, #1.5
  mov v0.s[2], v1.s[0]
  fmov s1, #-0.75
  mov v0.s[3], v1.s[0]
  fmov d1, #-1.5
  fcmlt s2, s0, #0.0
  fcmge s3, s0, #0.0
  movi d10, #0
  fneg d10, d10
  fcmeq d11, d10, #0.0
  fcmle d12, d1, #0.0
  fcmgt d13, d1, #0.0
  fcvtl v14.2d, v0.2s
  fcvtl2 v15.2d, v0.4s
  fcvtn v16.2s, v14.2d
  fcvtn2 v16.4s, v15.2d
${lanesOf([2, 3, 11, 12, 13, 14, 15, 16])}`);
    expect(read(m, 8)).toEqual(['0x0:0x0', '0xffffffff:0x0', '0xffffffffffffffff:0x0', '0xffffffffffffffff:0x0', '0x0:0x0',
      '0x4004000000000000:0xc004000000000000', '0x3ff8000000000000:0xbfe8000000000000', '0xc020000040200000:0xbf4000003fc00000']);
  });
});
