/**
 * Known-answer programs for the first Advanced SIMD groups (simd.ts, behind the floatingPoint option):
 * lane arithmetic and compares, pairwise and across-lanes reductions, bitwise select, copies between
 * general and vector registers, the upper half cleared by 64-bit forms, LD1/ST1 with write-back, and
 * a strlen-shaped loop as glibc writes it.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { assembler, machine, RAM_BASE, runWithFpSimd } from './harness';

const asm = assembler('simd');
afterAll(() => asm.save());

const DATA = RAM_BASE + 0x8000;

const run = (source: string, setup?: (m: ReturnType<typeof machine>) => void) => runWithFpSimd(asm, source, { prologue: `  ldr x20, =${DATA}\n`, ...(setup ? { setup } : {}) });

const hex = (v: bigint) => `0x${v.toString(16)}`;
const M64 = (1n << 64n) - 1n;

describe('A64 Advanced SIMD (first groups)', () => {
  it('lane arithmetic, compares, reductions, select and copies', () => {
    const m = run(`
  ldr x1, =0x0807060504030201
  ldr x2, =0x100f0e0d0c0b0a09
  fmov d0, x1
  mov v0.d[1], x2
  mov w3, #5
  dup v1.16b, w3
  add v2.16b, v0.16b, v1.16b
  umov w4, v2.b[15]
  cmhi v3.16b, v0.16b, v1.16b
  umaxv b4, v3.16b
  fmov w5, s4
  addv b5, v0.16b
  umov w6, v5.b[0]
  uminv h6, v0.8h
  umov w7, v6.h[0]
  addp v8.2d, v0.2d, v0.2d
  mov x8, v8.d[0]
  sub v9.4s, v1.4s, v0.4s
  mov w9, v9.s[0]
  smov x10, v3.b[0]
  smov x11, v3.b[15]
  cnt v10.8b, v0.8b
  fmov x12, d10
  mvn v11.16b, v0.16b
  mov x13, v11.d[1]
  mov v12.16b, v3.16b
  bsl v12.16b, v2.16b, v1.16b
  mov x14, v12.d[0]
  dup v13.4s, v0.s[3]
  mov w15, v13.s[2]
  mov w16, #-1
  dup v14.8h, w16
  smax v15.8h, v14.8h, v0.8h
  mov x17, v15.d[0]
  umax v16.8h, v14.8h, v0.8h
  mov x18, v16.d[0]
  add v17.8b, v0.8b, v0.8b
  mov x19, v17.d[1]
  cmeq v18.16b, v0.16b, #0
  umaxv b18, v18.16b
  fmov w21, s18
  uminp v19.16b, v0.16b, v1.16b
  mov x22, v19.d[1]
  mov v20.s[1], v0.s[3]
  mov x23, v20.d[0]`);
    const lo = 0x0807060504030201n, hi = 0x100f0e0d0c0b0a09n;
    expect([m.x(4), m.x(5), m.x(6), m.x(7), m.x(8)].map(hex)).toEqual(['0x15', '0xff', '0x88', '0x201', hex(lo + hi)]);
    expect(hex(m.x(9))).toBe(hex(BigInt.asUintN(32, 0x05050505n - 0x04030201n)));
    expect([m.x(10), m.x(11)]).toEqual([0n, M64]);
    expect([m.x(12), m.x(13), m.x(14), m.x(15)].map(hex)).toEqual(['0x103020201020101', hex(~hi & M64), '0xd0c0b0505050505', '0x100f0e0d']);
    expect([m.x(17), m.x(18), m.x(19), m.x(21)].map(hex)).toEqual([hex(lo), hex(M64), '0x0', '0x0']);
    expect(hex(m.x(22))).toBe('0x505050505050505');
    expect(hex(m.x(23))).toBe('0x100f0e0d00000000');
  });

  it('ld1/st1 of several registers with immediate and register write-back', () => {
    const m = run(`
  ldr x1, =0x1111111111111111
  ldr x2, =0x2222222222222222
  stp x1, x2, [x20]
  stp x2, x1, [x20, #16]
  mov x3, x20
  ld1 {v0.16b, v1.16b}, [x3], #32
  add x4, x20, #64
  mov x5, #48
  st1 {v0.2d, v1.2d}, [x4], x5
  ld1 {v2.8b}, [x20]
  mov x6, v2.d[1]
  fmov x7, d2
  add x8, x20, #128
  st1 {v0.4s-v3.4s}, [x8]
  add x9, x20, #256
  mov x10, #-48
  ld1 {v4.16b}, [x9], x10`);
    expect(m.x(3)).toBe(BigInt(DATA + 32));
    // A negative register offset carries into the high word as 64-bit arithmetic does.
    expect(m.x(9)).toBe(BigInt(DATA + 256 - 48));
    expect(m.x(4)).toBe(BigInt(DATA + 64 + 48));
    const at = (off: number) => hex(m.ram.getBigUint64(DATA - RAM_BASE + off, true));
    expect([at(64), at(72), at(80), at(88)]).toEqual(['0x1111111111111111', '0x2222222222222222', '0x2222222222222222', '0x1111111111111111']);
    expect([m.x(6), m.x(7)].map(hex)).toEqual(['0x0', '0x1111111111111111']);
    expect([at(128), at(152), at(160), at(168)]).toEqual(['0x1111111111111111', '0x1111111111111111', '0x1111111111111111', '0x0']);
  });

  it('a glibc-shaped strlen: 16 bytes at a time with cmeq/umaxv, then the tail byte by byte', () => {
    const text = 'hello, simd world, and more text past sixteen bytes!';
    const m = run(`
  mov x1, x20
1: ld1 {v0.16b}, [x1], #16
  cmeq v1.16b, v0.16b, #0
  umaxv b2, v1.16b
  fmov w3, s2
  cbz w3, 1b
  sub x1, x1, #16
2: ldrb w4, [x1], #1
  cbnz w4, 2b
  sub x0, x1, x20
  sub x0, x0, #1`, (mm) => new TextEncoder().encodeInto(`${text}\0`, new Uint8Array(mm.ram.buffer, DATA - RAM_BASE, 64)));
    expect(m.x(0)).toBe(BigInt(text.length));
  });
});
