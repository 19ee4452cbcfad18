/**
 * Known-answer programs for scalar floating point on the A64 CPU (ArmPlatform.floatingPoint): IEEE
 * results as bit patterns, NaN propagation and the default NaN, FMAXNM with a quiet NaN, a fused
 * multiply-add that differs from multiply-then-add, saturating conversions in every rounding mode,
 * FRINT*, precision conversion, FCMP/FCCMP/FCSEL flags, FP register loads and stores (S/D/Q, pairs,
 * write-back, upper bits cleared), the CPACR_EL1.FPEN trap, and FP off reported as unimplemented.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { assembler, machine, RAM_BASE, runWithFpSimd } from './harness';

const asm = assembler('float');
afterAll(() => asm.save());

const DATA = RAM_BASE + 0x8000;
const ENABLE_FP = '  mov x0, #(3 << 20)\n  msr cpacr_el1, x0\n  ldr x20, =' + DATA + '\n';

const run = (source: string) => runWithFpSimd(asm, source, { prologue: `  ldr x20, =${DATA}\n` });

const hex = (v: bigint) => `0x${v.toString(16)}`;

describe('A64 scalar floating point', () => {
  it('arithmetic in single and double precision', () => {
    const m = run(`
  fmov d0, #1.5
  fmov d1, #-0.25
  fadd d2, d0, d1
  fmov x1, d2
  fmul d3, d0, d1
  fmov x2, d3
  fmov s4, #3.0
  fmov s5, #10.0
  fdiv s6, s4, s5
  fmov w3, s6
  fsqrt d7, d0
  fmov x4, d7
  fnmul s8, s4, s5
  fmov w5, s8
  fsub d9, d1, d0
  fabs d10, d9
  fmov x6, d10
  fneg s11, s4
  fmov w7, s11`);
    expect([m.x(1), m.x(2), m.x(3), m.x(4), m.x(5), m.x(6), m.x(7)].map(hex)).toEqual([
      '0x3ff4000000000000', '0xbfd8000000000000', '0x3e99999a', '0x3ff3988e1409212e', '0xc1f00000', '0x3ffc000000000000', '0xc0400000']);
  });

  it('NaNs: 0/0 is the default NaN, a signalling NaN comes out quiet, FMAXNM prefers the number, FPCR.DN', () => {
    const m = run(`
  fmov d0, xzr
  fdiv d1, d0, d0
  fmov x1, d1
  ldr x2, =0x7ff0000000000123
  fmov d2, x2
  fadd d3, d0, d2
  fmov x3, d3
  ldr x4, =0x7ff8000000000456
  fmov d4, x4
  fmov d5, #2.0
  fmaxnm d6, d4, d5
  fmov x5, d6
  fmax d7, d4, d5
  fmov x6, d7
  mov x9, #(1 << 25)
  msr fpcr, x9
  fadd d8, d2, d5
  fmov x7, d8
  mrs x8, fpcr`);
    expect([m.x(1), m.x(3), m.x(5), m.x(6), m.x(7), m.x(8)].map(hex)).toEqual([
      '0x7ff8000000000000', '0x7ff8000000000123', '0x4000000000000000', '0x7ff8000000000456', '0x7ff8000000000000', '0x2000000']);
  });

  it('fmadd, fmsub, fnmadd of an exact product give +0; single precision fmadd', () => {
    const m = run(`
  ldr x1, =0x3ff0000004000000
  fmov d1, x1
  fmul d2, d1, d1
  fneg d3, d2
  fmadd d4, d1, d1, d3
  fmov x2, d4
  fmsub d5, d1, d1, d2
  fmov x3, d5
  fnmadd d6, d1, d1, d3
  fmov x4, d6
  fmov s7, #1.0
  fmov s8, #0.5
  fmadd s9, s7, s8, s8
  fmov w5, s9`);
    // x = 1 + 2^-26: x*x = 1 + 2^-25 + 2^-52 is exact in a double, so every fused difference is +0.
    expect(hex(m.x(2))).toBe('0x0');
    expect(hex(m.x(3))).toBe('0x0');
    expect(hex(m.x(4))).toBe('0x0');
    expect(hex(m.x(5))).toBe('0x3f800000');
  });

  it('fmadd keeps the bits a separate multiply loses', () => {
    const m = run(`
  ldr x1, =0x3ff0000000000001
  fmov d1, x1
  fmul d2, d1, d1
  fneg d3, d2
  fmadd d4, d1, d1, d3
  fmov x2, d4
  fmul d5, d1, d1
  fadd d6, d5, d3
  fmov x3, d6`);
    // x = 1 + 2^-52: x*x = 1 + 2^-51 + 2^-104; the product rounds to 1 + 2^-51, the fused result is 2^-104.
    expect(hex(m.x(2))).toBe('0x3970000000000000');
    expect(hex(m.x(3))).toBe('0x0');
  });

  it('conversions to integers saturate and follow their rounding mode', () => {
    const m = run(`
  ldr x1, =0x44b52d02c7e14af6
  fmov d1, x1
  fcvtzs x2, d1
  fmov d3, #-1.5
  fcvtzs x3, d3
  fcvtzu x4, d3
  fcvtms x5, d3
  fcvtps x6, d3
  fmov d7, #2.5
  fcvtns w7, d7
  fcvtas w8, d7
  fdiv d9, d7, d7
  fsub d9, d9, d9
  fdiv d9, d9, d9
  fcvtzs w9, d9
  fmov s10, #-2.5
  fcvtns x10, s10
  fcvtzs w11, d1`);
    expect([m.x(2), m.x(3), m.x(4), m.x(5), m.x(6), m.x(7), m.x(8), m.x(9), m.x(10), m.x(11)].map(hex)).toEqual([
      '0x7fffffffffffffff', '0xffffffffffffffff', '0x0', '0xfffffffffffffffe', '0xffffffffffffffff', '0x2', '0x3', '0x0', '0xfffffffffffffffe', '0x7fffffff']);
  });

  it('conversions from integers round once, frint*, fcvt between precisions', () => {
    const m = run(`
  ldr x1, =0x7fffffffffffffff
  scvtf d1, x1
  fmov x2, d1
  mov w3, #-1
  ucvtf s2, w3
  fmov w4, s2
  scvtf s3, w3
  fmov w5, s3
  ldr x6, =0x1000001000000001
  ucvtf s4, x6
  fmov w7, s4
  fmov d5, #2.5
  frintn d6, d5
  frinta d7, d5
  fmov d8, #-0.5
  frintm d9, d8
  frintz d10, d8
  fmov x8, d6
  fmov x9, d7
  fmov x10, d9
  fmov x11, d10
  ldr x12, =0x3ff0000010000001
  fmov d11, x12
  fcvt s12, d11
  fmov w13, s12
  fcvt d13, s12
  fmov x14, d13`);
    expect([m.x(2), m.x(4), m.x(5), m.x(7), m.x(8), m.x(9), m.x(10), m.x(11), m.x(13), m.x(14)].map(hex)).toEqual([
      '0x43e0000000000000', '0x4f800000', '0xbf800000', '0x5d800001', '0x4000000000000000', '0x4008000000000000',
      '0xbff0000000000000', '0x8000000000000000', '0x3f800001', '0x3ff0000020000000']);
  });

  it('fcmp, fccmp and fcsel', () => {
    const m = run(`
  fmov d0, #1.0
  fmov d1, #2.0
  fcmp d0, d1
  mrs x1, nzcv
  fcmp d1, d0
  mrs x2, nzcv
  fcmp d0, d0
  mrs x3, nzcv
  fmov d2, xzr
  fdiv d2, d2, d2
  fcmpe d0, d2
  mrs x4, nzcv
  fcmp d2, #0.0
  mrs x5, nzcv
  fcmp d0, d1
  fccmp d1, d0, #0, lt
  mrs x6, nzcv
  fcsel d3, d0, d1, gt
  fmov x7, d3`);
    expect([m.x(1), m.x(2), m.x(3), m.x(4), m.x(5), m.x(6)].map(hex)).toEqual(['0x80000000', '0x20000000', '0x60000000', '0x30000000', '0x30000000', '0x20000000']);
    expect(hex(m.x(7))).toBe('0x3ff0000000000000');
  });

  it('FP register loads and stores: S/D/Q, pairs, write-back, upper bits cleared', () => {
    const m = run(`
  ldr x1, =0x1122334455667788
  ldr x2, =0x99aabbccddeeff00
  stp x1, x2, [x20]
  ldr q0, [x20]
  str q0, [x20, #32]
  ldr d1, [x20, #8]
  fmov x3, d1
  ldr s2, [x20]
  fmov x4, d2
  add x5, x20, #64
  stp d1, d1, [x5, #-16]!
  ldp s3, s4, [x20], #8
  fmov w6, s3
  fmov w7, s4
  ldr b5, [x5, #1]
  fmov w8, s5
  ldur h6, [x5, #2]
  fmov w9, s6
  ldr q7, lit
  str q7, [x5, #32]
  b over
  .balign 16
lit: .quad 0x0123456789abcdef, 0xfedcba9876543210
over: nop`);
    const at = (off: number) => hex(m.ram.getBigUint64(DATA - RAM_BASE + off, true));
    expect([at(32), at(40)]).toEqual(['0x1122334455667788', '0x99aabbccddeeff00']);
    expect([m.x(3), m.x(4), m.x(6), m.x(7), m.x(8), m.x(9)].map(hex)).toEqual(['0x99aabbccddeeff00', '0x55667788', '0x55667788', '0x11223344', '0xff', '0xddee']);
    expect(m.x(5)).toBe(BigInt(DATA + 48));
    expect(m.x(20)).toBe(BigInt(DATA + 8));
    expect([at(80), at(88)]).toEqual(['0x123456789abcdef', '0xfedcba9876543210']);
  });

  it('CPACR_EL1.FPEN traps FP with EC 0x07; with FP disabled on the CPU FP encodings are reported as unimplemented', () => {
    const trap = machine(asm(`
  adr x0, v
  msr vbar_el1, x0
  fmov d0, #1.0
  wfi
  .balign 2048
v: .space 0x200
  mrs x10, esr_el1
  wfi`), { floatingPoint: true });
    trap.run();
    expect(hex(trap.x(10))).toBe(hex(BigInt(((0x07 << 26) | (1 << 25) | 0x1e00000) >>> 0)));
    const off = machine(asm(`${ENABLE_FP}  fmov d0, #1.0\n  wfi`), { floatingPoint: false });
    off.run();
    expect(off.reports[0]).toMatchObject({ kind: 'undefined-instruction', disassembly: 'fmov\td0, #1.000000000000000000e+00' });
  });
});
