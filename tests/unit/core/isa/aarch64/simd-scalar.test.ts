/**
 * Known-answer programs for the scalar integer Advanced SIMD forms (instructions-simd3.ts, executed as
 * one-lane vector operations): ADD/SUB, the register compares and compares against zero, ABS/NEG,
 * SSHR/USHR/SHL/SRI/SLI, ADDP and MOV from a lane. Every result clears the rest of its V register.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { assembler, machine, runWithFpSimd } from './harness';

const asm = assembler('simd-scalar');
afterAll(() => asm.save());

const run = (source: string) => runWithFpSimd(asm, source);

/** d[0] and d[1] of each V register, read through x1, x2, ... */
const lanesOf = (vs: number[]): string => vs.map((v, i) => `  mov x${2 * i + 1}, v${v}.d[0]\n  mov x${2 * i + 2}, v${v}.d[1]`).join('\n');
const read = (m: ReturnType<typeof machine>, count: number) => Array.from({ length: count }, (_, i) => [m.x(2 * i + 1), m.x(2 * i + 2)].map((v) => `0x${v.toString(16)}`).join(':'));
const ONES = '0xffffffffffffffff:0x0';

describe('A64 Advanced SIMD scalar integer forms', () => {
  it('ADD/SUB and the register compares (d registers, upper half cleared)', () => {
    const m = run(`
  mov x0, #5
  fmov d0, x0
  mov x0, #-3
  fmov d1, x0
  movi v2.2d, #0xffffffffffffffff
  add d2, d0, d1
  sub d3, d0, d1
  movi v4.2d, #0xffffffffffffffff
  cmgt d4, d0, d1
  cmhi d5, d0, d1
  cmge d6, d1, d1
  cmhs d7, d1, d0
  cmeq d8, d0, d1
  cmtst d9, d0, d1
${lanesOf([2, 3, 4, 5, 6, 7, 8, 9])}`);
    expect(read(m, 8)).toEqual(['0x2:0x0', '0x8:0x0', ONES, '0x0:0x0', ONES, ONES, '0x0:0x0', ONES]);
  });

  it('compares against zero, ABS, NEG', () => {
    const m = run(`
  mov x0, #5
  fmov d0, x0
  mov x0, #-3
  fmov d1, x0
  cmlt d10, d1, #0
  cmgt d11, d1, #0
  cmeq d12, d0, #0
  cmge d13, d0, #0
  cmle d14, d1, #0
  abs d15, d1
  neg d16, d0
${lanesOf([10, 11, 12, 13, 14, 15, 16])}`);
    expect(read(m, 7)).toEqual([ONES, '0x0:0x0', '0x0:0x0', ONES, ONES, '0x3:0x0', '0xfffffffffffffffb:0x0']);
  });

  it('SSHR/USHR/SHL (#64 right shifts), SRI/SLI keep the destination bits not shifted into', () => {
    const m = run(`
  mov x0, #0x10
  movk x0, #0x8000, lsl #48
  fmov d17, x0
  sshr d18, d17, #4
  ushr d19, d17, #4
  shl d20, d17, #4
  sshr d21, d17, #64
  ushr d25, d17, #64
  mov x0, #-1
  fmov d22, x0
  sri d22, d17, #8
  fmov d23, x0
  sli d23, d17, #8
${lanesOf([18, 19, 20, 21, 25, 22, 23])}`);
    expect(read(m, 7)).toEqual(['0xf800000000000001:0x0', '0x800000000000001:0x0', '0x100:0x0', ONES, '0x0:0x0',
      '0xff80000000000000:0x0', '0x10ff:0x0']);
  });

  it('ADDP (scalar) and MOV b/h/s/d from a lane', () => {
    const m = run(`
  mov x0, #0x10
  movk x0, #0x8000, lsl #48
  fmov d17, x0
  mov x0, #5
  fmov d24, x0
  mov x0, #-3
  mov v24.d[1], x0
  addp d25, v24.2d
  movi v26.2d, #0xffffffffffffffff
  mov b26, v17.b[7]
  mov h27, v17.h[0]
  mov s28, v24.s[2]
  mov d29, v24.d[1]
${lanesOf([25, 26, 27, 28, 29])}`);
    expect(read(m, 5)).toEqual(['0x2:0x0', '0x80:0x0', '0x10:0x0', '0xfffffffd:0x0', '0xfffffffffffffffd:0x0']);
  });
});
