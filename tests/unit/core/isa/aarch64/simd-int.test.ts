/**
 * Known-answer programs for the rest of the Advanced SIMD integer three-same group (simd-int.ts:
 * halving and saturating adds and subtracts, shifts by register, absolute differences, MUL/MLA/MLS,
 * PMUL, MUL/MLA/MLS by element) and the base-ISA CRC32/CRC32C instructions. Expected values are
 * worked out by hand from the Arm ARM's pseudocode; the CRCs are the standard check values of
 * "123456789" (CRC-32 0xcbf43926, CRC-32C 0xe3069283).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { assembler, machine, runWithFpSimd } from './harness';

const asm = assembler('simd-int');
afterAll(() => asm.save());

const run = (source: string, floatingPoint = true) => runWithFpSimd(asm, source, { floatingPoint });

const hex = (v: bigint) => `0x${v.toString(16)}`;
const xs = (m: ReturnType<typeof machine>, regs: number[]) => regs.map((r) => hex(m.x(r)));
/** Moves d[0] and d[1] of each V register to x(2i+1), x(2i+2). */
const dump = (vs: number[]) => vs.map((v, i) => `  mov x${2 * i + 1}, v${v}.d[0]\n  mov x${2 * i + 2}, v${v}.d[1]`).join('\n');

describe('A64 Advanced SIMD integer three-same (rest)', () => {
  it('halving adds and subtracts', () => {
    const m = run(`
  movi v0.16b, #0xff
  movi v1.16b, #0x01
  movi v2.16b, #0x02
  uhadd v3.16b, v0.16b, v1.16b
  shadd v4.8b, v0.8b, v1.8b
  urhadd v5.16b, v0.16b, v2.16b
  uhsub v6.16b, v1.16b, v0.16b
  shsub v7.8b, v1.8b, v0.8b
  srhadd v8.16b, v0.16b, v2.16b
${dump([3, 4, 5, 6, 7, 8])}`);
    expect(xs(m, [1, 2, 3, 4])).toEqual(['0x8080808080808080', '0x8080808080808080', '0x0', '0x0']);
    expect(xs(m, [5, 6, 7, 8, 9, 10])).toEqual(['0x8181818181818181', '0x8181818181818181', '0x8181818181818181', '0x8181818181818181', '0x101010101010101', '0x0']);
    expect(xs(m, [11, 12])).toEqual(['0x101010101010101', '0x101010101010101']); // (-1 + 2 + 1) >> 1
  });

  it('saturating adds and subtracts set FPSR.QC only when they clamp', () => {
    const m = run(`
  movi v0.16b, #0xff
  movi v1.16b, #0x01
  movi v8.16b, #0x7f
  sqsub v12.16b, v0.16b, v8.16b
  sqadd v13.8b, v0.8b, v1.8b
  mrs x20, fpsr
  sqadd v9.16b, v8.16b, v1.16b
  mrs x21, fpsr
  msr fpsr, xzr
  uqadd v10.16b, v0.16b, v1.16b
  mrs x22, fpsr
  msr fpsr, xzr
  uqsub v11.2d, v1.2d, v0.2d
  mrs x23, fpsr
${dump([12, 13, 9, 10, 11])}`);
    expect(xs(m, [1, 2, 3, 4])).toEqual(['0x8080808080808080', '0x8080808080808080', '0x0', '0x0']);
    expect(xs(m, [5, 6, 7, 8, 9, 10])).toEqual(['0x7f7f7f7f7f7f7f7f', '0x7f7f7f7f7f7f7f7f', '0xffffffffffffffff', '0xffffffffffffffff', '0x0', '0x0']);
    expect(xs(m, [20, 21, 22, 23])).toEqual(['0x0', '0x8000000', '0x8000000', '0x8000000']);
  });

  it('shifts by register: plain, rounding, saturating; the shift is the signed bottom byte', () => {
    const m = run(`
  mov w1, #0x80000001
  dup v13.4s, w1
  mov w2, #1
  mov v14.s[0], w2
  mov w2, #-1
  mov v14.s[1], w2
  mov w2, #-32
  mov v14.s[2], w2
  mov w2, #0x100
  mov v14.s[3], w2
  sshl v15.4s, v13.4s, v14.4s
  ushl v16.4s, v13.4s, v14.4s
  srshl v17.4s, v13.4s, v14.4s
  urshl v18.4s, v13.4s, v14.4s
  mrs x20, fpsr
  sqshl v19.4s, v13.4s, v14.4s
  mrs x21, fpsr
  msr fpsr, xzr
  uqshl v20.4s, v13.4s, v14.4s
  mrs x22, fpsr
  sqrshl v21.4s, v13.4s, v14.4s
  uqrshl v22.4s, v13.4s, v14.4s
${dump([15, 16, 17, 18, 19, 20, 21, 22])}`);
    expect(xs(m, [1, 2, 3, 4])).toEqual(['0xc000000000000002', '0x80000001ffffffff', '0x4000000000000002', '0x8000000100000000']);
    expect(xs(m, [5, 6, 7, 8])).toEqual(['0xc000000100000002', '0x8000000100000000', '0x4000000100000002', '0x8000000100000001']);
    expect(xs(m, [9, 10, 11, 12])).toEqual(['0xc000000080000000', '0x80000001ffffffff', '0x40000000ffffffff', '0x8000000100000000']);
    expect(xs(m, [13, 14, 15, 16])).toEqual(['0xc000000180000000', '0x8000000100000000', '0x40000001ffffffff', '0x8000000100000001']);
    expect(xs(m, [20, 21, 22])).toEqual(['0x0', '0x8000000', '0x8000000']);
  });

  it('absolute differences, MUL/MLA/MLS and PMUL', () => {
    const m = run(`
  mov w1, #5
  dup v21.8h, w1
  mov w1, #-3
  dup v22.8h, w1
  sabd v23.8h, v21.8h, v22.8h
  uabd v24.8h, v21.8h, v22.8h
  mov v25.16b, v23.16b
  saba v25.8h, v21.8h, v22.8h
  mov v26.16b, v24.16b
  uaba v26.4h, v21.4h, v22.4h
  mul v27.8h, v21.8h, v22.8h
  mov v28.16b, v23.16b
  mla v28.8h, v21.8h, v22.8h
  mov v29.16b, v23.16b
  mls v29.8h, v21.8h, v22.8h
  movi v0.16b, #3
  pmul v30.16b, v0.16b, v0.16b
  movi v0.16b, #0xff
  pmul v31.8b, v0.8b, v0.8b
${dump([23, 24, 25, 26, 27, 28, 29, 30, 31])}`);
    expect(xs(m, [1, 3, 5, 7, 8])).toEqual(['0x8000800080008', '0xfff8fff8fff8fff8', '0x10001000100010', '0xfff0fff0fff0fff0', '0x0']);
    expect(xs(m, [9, 11, 13])).toEqual(['0xfff1fff1fff1fff1', '0xfff9fff9fff9fff9', '0x17001700170017']);
    expect(xs(m, [15, 16, 17, 18])).toEqual(['0x505050505050505', '0x505050505050505', '0x5555555555555555', '0x0']);
  });

  it('MUL, MLA, MLS by element (.s with Rm up to 31, .h with Rm up to 15)', () => {
    const m = run(`
  mov w0, #1
  mov v1.s[0], w0
  mov w0, #2
  mov v1.s[1], w0
  mov w0, #3
  mov v1.s[2], w0
  mov w0, #4
  mov v1.s[3], w0
  mov w0, #10
  mov v31.s[0], w0
  mov w0, #20
  mov v31.s[1], w0
  mov w0, #30
  mov v31.s[2], w0
  mov w0, #40
  mov v31.s[3], w0
  mul v3.4s, v1.4s, v31.s[2]
  mov v4.16b, v1.16b
  mla v4.4s, v1.4s, v31.s[3]
  mov v5.16b, v31.16b
  mls v5.2s, v1.2s, v31.s[1]
  mov w0, #3
  dup v15.8h, w0
  mov w0, #7
  mov v15.h[7], w0
  mov w0, #0x1001
  dup v7.8h, w0
  mul v6.8h, v7.8h, v15.h[7]
  movi v8.2d, #0
  mla v8.4h, v7.4h, v15.h[5]
${dump([3, 4, 5, 6, 8])}`);
    expect(xs(m, [1, 2, 3, 4, 5, 6])).toEqual(['0x3c0000001e', '0x780000005a', '0x5200000029', '0xa40000007b', '0xffffffecfffffff6', '0x0']);
    expect(xs(m, [7, 8, 9, 10])).toEqual(['0x7007700770077007', '0x7007700770077007', '0x3003300330033003', '0x0']);
  });
});

describe('A64 CRC32 and CRC32C', () => {
  for (const [c, check] of [['', '0xcbf43926'], ['c', '0xe3069283']] as const) {
    it(`crc32${c}b/h/w/x give the ${c ? 'CRC-32C' : 'CRC-32'} check value of "123456789" (FP off)`, () => {
      const m = run(`
  .arch_extension crc
  ldr x1, =0x3837363534333231
  mov w2, #0x39
  mov w3, #-1
  crc32${c}x w3, w3, x1
  crc32${c}b w3, w3, w2
  mvn w3, w3
  mov w4, #-1
  ldr w5, =0x34333231
  crc32${c}w w4, w4, w5
  mov w5, #0x3635
  crc32${c}h w4, w4, w5
  mov w5, #0x3837
  crc32${c}h w4, w4, w5
  crc32${c}b w4, w4, w2
  mvn w4, w4`, false);
      expect(xs(m, [3, 4])).toEqual([check, check]);
    });
  }
});
