/**
 * Known-answer programs for Advanced SIMD floating point (simd-fp.ts, behind the floatingPoint
 * option): arithmetic, fused multiply-accumulate, compares (NaN compares false), FMAXNM/FMINNM
 * against a quiet NaN, FABS/FNEG/FSQRT, and the integer conversions with rounding and saturation.
 * Expected bit patterns are worked out by hand (IEEE 754, Arm's NaN rules).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { assembler, machine, runWithFpSimd } from './harness';

const asm = assembler('simd-fp');
afterAll(() => asm.save());

const run = (source: string) => runWithFpSimd(asm, source);

/** d[0] and d[1] of each V register, as hex, read through x1, x2. */
function lanesOf(vs: number[]): string {
  return vs.map((v, i) => `  mov x${2 * i + 1}, v${v}.d[0]\n  mov x${2 * i + 2}, v${v}.d[1]`).join('\n');
}
const read = (m: ReturnType<typeof machine>, count: number) => Array.from({ length: count }, (_, i) => [m.x(2 * i + 1), m.x(2 * i + 2)].map((v) => `0x${v.toString(16)}`).join(':'));
const s4 = (w: string) => `0x${w}${w}:0x${w}${w}`.replace(/0x0+(?=[0-9a-f])/g, '0x');

describe('A64 Advanced SIMD floating point', () => {
  it('single precision arithmetic, FMLA/FMLS, FABD (2s clears the top)', () => {
    const m = run(`
  fmov v0.4s, #1.5
  fmov v1.4s, #-2.0
  fadd v2.4s, v0.4s, v1.4s
  fsub v3.4s, v0.4s, v1.4s
  fmul v4.4s, v0.4s, v1.4s
  fdiv v5.4s, v0.4s, v1.4s
  fmax v6.4s, v0.4s, v1.4s
  fmin v7.4s, v0.4s, v1.4s
  fabd v8.2s, v0.2s, v1.2s
  fmov v9.4s, #1.0
  fmla v9.4s, v0.4s, v1.4s
  fmov v10.4s, #1.0
  fmls v10.4s, v0.4s, v1.4s
${lanesOf([2, 3, 4, 5, 6, 7, 8, 9, 10])}`);
    expect(read(m, 9)).toEqual([s4('bf000000'), s4('40600000'), s4('c0400000'), s4('bf400000'), s4('3fc00000'), s4('c0000000'),
      '0x4060000040600000:0x0', s4('c0000000'), s4('40800000')]);
  });

  it('compares, compares against zero, FABS, FNEG, FSQRT (a negative operand gives the default NaN)', () => {
    const m = run(`
  fmov v0.4s, #1.5
  fmov v1.4s, #-2.0
  fcmeq v11.4s, v0.4s, v0.4s
  fcmgt v12.4s, v1.4s, v0.4s
  fcmge v13.4s, v0.4s, v1.4s
  facge v14.4s, v0.4s, v1.4s
  facgt v15.4s, v1.4s, v0.4s
  fcmlt v16.4s, v1.4s, #0.0
  fcmgt v17.4s, v1.4s, #0.0
  fcmle v18.2s, v1.2s, #0.0
  fabs v19.4s, v1.4s
  fneg v20.4s, v0.4s
  fmov v21.4s, #4.0
  fsqrt v22.4s, v21.4s
  fsqrt v23.4s, v1.4s
${lanesOf([11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 22, 23])}`);
    const ones = '0xffffffffffffffff:0xffffffffffffffff';
    expect(read(m, 12)).toEqual([ones, '0x0:0x0', ones, '0x0:0x0', ones, ones, '0x0:0x0', '0xffffffffffffffff:0x0',
      s4('40000000'), s4('bfc00000'), s4('40000000'), s4('7fc00000')]);
  });

  it('double precision: arithmetic, FMLA, NaN operands of FMAX/FMAXNM/FMINNM, NaN and -0.0 compares', () => {
    const m = run(`
  fmov v0.2d, #1.5
  fmov v1.2d, #-2.0
  fadd v2.2d, v0.2d, v1.2d
  fdiv v3.2d, v0.2d, v1.2d
  fmov v4.2d, #1.0
  fmla v4.2d, v0.2d, v1.2d
  movi v5.2d, #0xffffffffffffffff
  fmaxnm v6.2d, v5.2d, v0.2d
  fmax v7.2d, v5.2d, v0.2d
  fminnm v8.2d, v0.2d, v5.2d
  fcmeq v9.2d, v5.2d, v5.2d
  movi v10.2d, #0
  fneg v10.2d, v10.2d
  fcmeq v11.2d, v10.2d, #0.0
${lanesOf([2, 3, 4, 6, 7, 8, 9, 11])}`);
    const d = (v: string) => `0x${v}:0x${v}`;
    expect(read(m, 8)).toEqual([d('bfe0000000000000'), d('bfe8000000000000'), d('c000000000000000'), d('3ff8000000000000'),
      d('ffffffffffffffff'), d('3ff8000000000000'), '0x0:0x0', d('ffffffffffffffff')]);
  });

  it('SCVTF/UCVTF round to nearest even; FCVTZS/FCVTZU truncate and saturate, NaN gives 0', () => {
    const m = run(`
  mov x0, #-3
  dup v10.2d, x0
  scvtf v9.2d, v10.2d
  ucvtf v11.2d, v10.2d
  fmov v1.2d, #-2.0
  fcvtzs v12.2d, v1.2d
  fcvtzu v13.2d, v1.2d
  movi v5.2d, #0xffffffffffffffff
  fcvtzs v14.2d, v5.2d
  fmov v15.4s, #-2.5
  fcvtzs v16.4s, v15.4s
  fcvtzu v17.4s, v15.4s
  ldr w0, =0x1000001
  dup v18.4s, w0
  scvtf v19.4s, v18.4s
  mov w0, #-1
  dup v18.4s, w0
  ucvtf v20.4s, v18.4s
  fmov v21.2s, #3.75
  fcvtzu v22.2s, v21.2s
${lanesOf([9, 11, 12, 13, 14, 16, 17, 19, 20, 22])}`);
    const d = (v: string) => `0x${v}:0x${v}`;
    expect(read(m, 10)).toEqual([d('c008000000000000'), d('43f0000000000000'), d('fffffffffffffffe'), '0x0:0x0', '0x0:0x0',
      s4('fffffffe'), '0x0:0x0', s4('4b800000'), s4('4f800000'), '0x300000003:0x0']);
  });

  it('is Undefined with floatingPoint off', () => {
    const m = machine(asm(`  fadd v0.4s, v1.4s, v2.4s\n  wfi\n`), { floatingPoint: false });
    m.run(1000);
    expect(m.faults.length + m.reports.length).toBeGreaterThan(0);
  });
});
