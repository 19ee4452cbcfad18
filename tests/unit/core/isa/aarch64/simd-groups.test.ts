/**
 * Known-answer programs for the further Advanced SIMD groups (simd-imm.ts, simd-perm.ts, simd-wide.ts,
 * simd-ldst.ts, behind the floatingPoint option): modified immediates, shifts by immediate, permutes
 * and table lookups, widening and narrowing arithmetic, across-lanes long sums, and the structure
 * loads and stores (and LD1 of .1d registers). Expected values are worked out by hand from the Arm ARM's pseudocode.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { assembler, machine, RAM_BASE, runWithFpSimd } from './harness';

const asm = assembler('simd-groups');
afterAll(() => asm.save());

const DATA = RAM_BASE + 0x8000;

const run = (source: string, setup?: (m: ReturnType<typeof machine>) => void) => runWithFpSimd(asm, source, { prologue: `  ldr x20, =${DATA}\n`, ...(setup ? { setup } : {}) });

const hex = (v: bigint) => `0x${v.toString(16)}`;
/** Reads x1..x(n) as hex strings. */
const xs = (m: ReturnType<typeof machine>, regs: number[]) => regs.map((r) => hex(m.x(r)));

describe('A64 Advanced SIMD (further groups)', () => {
  it('modified immediates: movi, mvni, orr, bic, fmov (vector)', () => {
    const m = run(`
  movi v0.16b, #0xab
  mov x1, v0.d[1]
  movi v1.4s, #0x12, lsl #8
  mov x2, v1.d[0]
  mvni v2.8h, #0x1, lsl #8
  mov x3, v2.d[1]
  movi v3.4s, #0x12, msl #8
  mov x4, v3.d[0]
  movi v4.16b, #1
  movi d4, #0xff00ff0000ff00ff
  fmov x5, d4
  mov x6, v4.d[1]
  movi v5.2d, #0xffffffff00000000
  mov x7, v5.d[1]
  fmov v6.4s, #1.5
  mov x8, v6.d[1]
  fmov v7.2d, #-2.0
  mov x9, v7.d[1]
  movi v8.16b, #0xff
  bic v8.4s, #0xff, lsl #8
  mov x10, v8.d[1]
  movi v9.16b, #0x01
  orr v9.4h, #0x80, lsl #8
  mov x11, v9.d[0]
  mov x12, v9.d[1]
  mvni v10.2s, #0x7f, msl #16
  mov x13, v10.d[0]`);
    expect(xs(m, [1, 2, 3, 4])).toEqual(['0xabababababababab', '0x120000001200', '0xfefffefffefffeff', '0x12ff000012ff']);
    expect(xs(m, [5, 6, 7, 8, 9])).toEqual(['0xff00ff0000ff00ff', '0x0', '0xffffffff00000000', '0x3fc000003fc00000', '0xc000000000000000']);
    expect(xs(m, [10, 11, 12, 13])).toEqual(['0xffff00ffffff00ff', '0x8101810181018101', '0x0', '0xff800000ff800000']);
  });

  it('32-bit lanes as SHA-256 uses them (done on the register words): ushr/sshr/usra/ssra/sri/shl/sli and add/sub, .4s and .2s', () => {
    // Each lane against the Arm ARM's pseudocode worked on bigints here; lanes with the sign bit set, the
    // edge shifts (#32 right, #0 and #31 left), and .2s, which clears the upper half of the destination.
    const SRC = [0x8000_0001n, 0x7fff_ffffn, 0xdead_beefn, 0x10n];
    const DST = [0x1234_5678n, 0xffff_ffffn, 0x8000_0000n, 0x0f0f_0f0fn];
    const M32 = 0xffff_ffffn;
    const s32 = (v: bigint) => BigInt.asIntN(32, v);
    const lane: Record<string, (x: bigint, d: bigint, sh: number) => bigint> = {
      ushr: (x, _d, sh) => x >> BigInt(sh),
      sshr: (x, _d, sh) => (s32(x) >> BigInt(sh)) & M32,
      usra: (x, d, sh) => (d + (x >> BigInt(sh))) & M32,
      ssra: (x, d, sh) => (d + (s32(x) >> BigInt(sh))) & M32,
      sri: (x, d, sh) => (d & ~(M32 >> BigInt(sh)) & M32) | (x >> BigInt(sh)),
      shl: (x, _d, sh) => (x << BigInt(sh)) & M32,
      sli: (x, d, sh) => (d & ((1n << BigInt(sh)) - 1n)) | ((x << BigInt(sh)) & M32),
      add: (x, d) => (x + d) & M32,
      sub: (x, d) => (x - d) & M32,
    };
    const pack = (l: bigint[], i: number) => `0x${((l[i + 1]! << 32n) | l[i]!).toString(16)}`;
    const cases: [string, number][] = [
      ['ushr', 1], ['ushr', 7], ['ushr', 32], ['sshr', 1], ['sshr', 31], ['sshr', 32], ['usra', 3], ['usra', 32], ['ssra', 5], ['ssra', 32],
      ['sri', 8], ['sri', 32], ['sri', 1], ['shl', 0], ['shl', 31], ['sli', 0], ['sli', 10], ['sli', 31], ['add', 0], ['sub', 0],
    ];
    for (const [op, sh] of cases) {
      for (const arr of ['4s', '2s']) {
        const ins = op === 'add' || op === 'sub' ? `${op} v1.${arr}, v0.${arr}, v1.${arr}` : `${op} v1.${arr}, v0.${arr}, #${sh}`;
        const m = run(`
  ldr x1, =${pack(SRC, 0)}
  ldr x2, =${pack(SRC, 2)}
  fmov d0, x1
  mov v0.d[1], x2
  ldr x3, =${pack(DST, 0)}
  ldr x4, =${pack(DST, 2)}
  fmov d1, x3
  mov v1.d[1], x4
  ${ins}
  mov x5, v1.d[0]
  mov x6, v1.d[1]`);
        const want = SRC.map((x, i) => (arr === '2s' && i >= 2 ? 0n : lane[op]!(x, DST[i]!, sh)));
        expect(xs(m, [5, 6]), ins).toEqual([pack(want, 0), pack(want, 2)]);
      }
    }
  });

  it('shifts by immediate: ushr/sshr, shl, sli/sri, usra/ssra, urshr, shrn/rshrn/sqshrn, ushll/sxtl/uxtl', () => {
    const m = run(`
  ldr x1, =0x8070605040302010
  ldr x2, =0xf0e0d0c0b0a09080
  fmov d0, x1
  mov v0.d[1], x2
  ushr v1.16b, v0.16b, #4
  mov x1, v1.d[0]
  mov x2, v1.d[1]
  sshr v2.8h, v0.8h, #4
  mov x3, v2.d[0]
  shl v3.4s, v0.4s, #8
  mov x4, v3.d[0]
  mov v4.16b, v0.16b
  sli v4.2d, v1.2d, #56
  mov x5, v4.d[0]
  mov v5.16b, v0.16b
  sri v5.4s, v1.4s, #8
  mov x6, v5.d[0]
  mov v6.16b, v1.16b
  usra v6.16b, v0.16b, #4
  mov x7, v6.d[0]
  movi v7.2d, #0
  ssra v7.8h, v0.8h, #15
  mov x8, v7.d[0]
  urshr v8.16b, v0.16b, #5
  mov x9, v8.d[0]
  shrn v9.8b, v0.8h, #4
  shrn2 v9.16b, v0.8h, #8
  mov x10, v9.d[0]
  mov x11, v9.d[1]
  movi v10.16b, #0xff
  rshrn v10.8b, v0.8h, #8
  mov x12, v10.d[0]
  mov x13, v10.d[1]
  mrs x18, fpsr
  sqshrn v11.8b, v0.8h, #4
  mov x14, v11.d[0]
  mrs x19, fpsr
  ushll v12.8h, v0.8b, #4
  mov x15, v12.d[0]
  sxtl2 v13.4s, v0.8h
  mov x16, v13.d[0]
  uxtl v14.2d, v0.2s
  mov x17, v14.d[1]`);
    expect(xs(m, [1, 2, 3, 4])).toEqual(['0x807060504030201', '0xf0e0d0c0b0a0908', '0xf807060504030201', '0x7060500030201000']);
    expect(xs(m, [5, 6, 7, 8, 9])).toEqual(['0x170605040302010', '0x8008070640040302', '0x100e0c0a08060402', '0xffff000000000000', '0x404030302020101']);
    expect(xs(m, [10, 11, 12, 13, 14])).toEqual(['0xe0c0a0807050301', '0xf0d0b09080604020', '0xf1d1b19180604020', '0x0', '0x80808080807f7f7f']);
    expect(xs(m, [15, 16, 17])).toEqual(['0x400030002000100', '0xffffb0a0ffff9080', '0x80706050']);
    expect(xs(m, [18, 19])).toEqual(['0x0', '0x8000000']); // FPSR.QC set by the saturating sqshrn
  });

  it('permutes: zip, uzp, trn, ext, and tbl/tbx of one to four registers (a table that wraps from V31 to V0)', () => {
    const m = run(`
  ldr x1, =0x0706050403020100
  ldr x2, =0x0f0e0d0c0b0a0908
  fmov d0, x1
  mov v0.d[1], x2
  movi v31.16b, #0x10
  add v1.16b, v0.16b, v31.16b
  zip1 v2.16b, v0.16b, v1.16b
  mov x1, v2.d[0]
  zip2 v3.8h, v0.8h, v1.8h
  mov x2, v3.d[0]
  uzp1 v4.4s, v0.4s, v1.4s
  mov x3, v4.d[0]
  mov x4, v4.d[1]
  uzp2 v5.16b, v0.16b, v1.16b
  mov x5, v5.d[0]
  mov x6, v5.d[1]
  trn1 v6.8b, v0.8b, v1.8b
  mov x7, v6.d[0]
  trn2 v7.2d, v0.2d, v1.2d
  mov x8, v7.d[0]
  ext v8.16b, v0.16b, v1.16b, #3
  mov x9, v8.d[0]
  mov x10, v8.d[1]
  ext v9.8b, v0.8b, v1.8b, #7
  mov x11, v9.d[0]
  ldr x19, =0x303f10ff05201f00
  fmov d10, x19
  tbl v11.8b, {v0.16b, v1.16b}, v10.8b
  mov x12, v11.d[0]
  mov v12.16b, v0.16b
  mov v13.16b, v1.16b
  add v14.16b, v13.16b, v31.16b
  add v15.16b, v14.16b, v31.16b
  tbl v16.8b, {v12.16b-v15.16b}, v10.8b
  mov x13, v16.d[0]
  movi v17.16b, #0xee
  tbx v17.8b, {v0.16b}, v10.8b
  mov x14, v17.d[0]
  mov x15, v17.d[1]
  tbl v18.8b, {v31.16b, v0.16b}, v10.8b
  mov x16, v18.d[0]`);
    expect(xs(m, [1, 2, 3, 4, 5, 6])).toEqual(['0x1303120211011000', '0x1b1a0b0a19180908', '0xb0a090803020100', '0x1b1a191813121110', '0xf0d0b0907050301', '0x1f1d1b1917151311']);
    expect(xs(m, [7, 8, 9, 10, 11])).toEqual(['0x1606140412021000', '0xf0e0d0c0b0a0908', '0xa09080706050403', '0x1211100f0e0d0c0b', '0x1615141312111007']);
    expect(xs(m, [12, 13, 14, 15])).toEqual(['0x100005001f00', '0x303f100005201f00', '0xeeeeeeee05eeee00', '0x0']);
    // Indices 0x00 and 0x05 pick V31's bytes (0x10), 0x1f and 0x10 V0's bytes 15 and 0; the rest are out of range.
    expect(xs(m, [16])).toEqual(['0x10000f10']);
  });

  it('widening and narrowing: addl/addw/mull/mlal/abdl, xtn/xtn2/uqxtn/sqxtn, addhn, addlv, addlp, rev64, clz/cls', () => {
    const m = run(`
  ldr x1, =0x050403027f8001ff
  fmov d0, x1
  movi v1.16b, #2
  uaddl v2.8h, v0.8b, v1.8b
  mov x1, v2.d[0]
  mov x2, v2.d[1]
  saddl v3.8h, v0.8b, v1.8b
  mov x3, v3.d[0]
  umull v4.8h, v0.8b, v1.8b
  mov x4, v4.d[0]
  smull v5.8h, v0.8b, v1.8b
  mov x5, v5.d[0]
  uaddw v6.8h, v2.8h, v0.8b
  mov x6, v6.d[0]
  mov v7.16b, v2.16b
  umlal v7.8h, v0.8b, v1.8b
  mov x7, v7.d[0]
  uabdl v8.8h, v0.8b, v1.8b
  mov x8, v8.d[0]
  xtn v9.8b, v2.8h
  xtn2 v9.16b, v4.8h
  mov x9, v9.d[0]
  mov x10, v9.d[1]
  uqxtn v10.8b, v2.8h
  mov x11, v10.d[0]
  sqxtn v11.8b, v5.8h
  mov x12, v11.d[0]
  uaddlv h12, v0.8b
  umov w13, v12.h[0]
  saddlv h13, v0.8b
  umov w14, v13.h[0]
  addhn v14.8b, v2.8h, v4.8h
  mov x15, v14.d[0]
  uaddlp v15.4h, v0.8b
  mov x16, v15.d[0]
  rev64 v16.8b, v0.8b
  mov x17, v16.d[0]
  clz v17.8b, v0.8b
  mov x18, v17.d[0]
  cls v18.8b, v0.8b
  mov x19, v18.d[0]`);
    expect(xs(m, [1, 2, 3, 4, 5])).toEqual(['0x81008200030101', '0x7000600050004', '0x81ff8200030001', '0xfe0100000201fe', '0xfeff000002fffe']);
    expect(xs(m, [6, 7, 8, 9, 10])).toEqual(['0x100010200040200', '0x17f0182000502ff', '0x7d007e000100fd', '0x706050481820301', '0xa080604fe0002fe']);
    expect(xs(m, [11, 12, 13, 14, 15, 16])).toEqual(['0x7060504818203ff', '0xa0806047f8002fe', '0x20d', '0xd', '0x1010002', '0x9000500ff0100']);
    expect(xs(m, [17, 18, 19])).toEqual(['0xff01807f02030405', '0x505060601000700', '0x404050500000607']);
  });

  it('structure loads and stores: ld2-ld4/st2/st4, lane ld1/st1/ld3/st3, ld1r/ld2r, with write-back', () => {
    const m = run(`
  ld2 {v0.8b, v1.8b}, [x20]
  fmov x1, d0
  fmov x2, d1
  ld3 {v2.4h, v3.4h, v4.4h}, [x20]
  fmov x3, d2
  mov x21, x20
  ld4 {v5.16b-v8.16b}, [x21], #64
  mov x4, v5.d[0]
  mov x5, v5.d[1]
  add x22, x20, #128
  st2 {v0.8b, v1.8b}, [x22]
  add x23, x20, #192
  mov x24, #64
  st4 {v5.16b, v6.16b, v7.16b, v8.16b}, [x23], x24
  movi v9.16b, #0xaa
  ld1 {v9.s}[1], [x20]
  mov x6, v9.d[0]
  mov x7, v9.d[1]
  ld1r {v10.8h}, [x20]
  mov x8, v10.d[1]
  mov x25, x20
  ld2r {v11.4s, v12.4s}, [x25], #8
  mov x9, v11.d[1]
  mov x10, v12.d[0]
  ld3 {v13.b, v14.b, v15.b}[15], [x20]
  mov x11, v14.d[1]
  mov x12, v15.d[1]
  add x26, x20, #296
  st1 {v9.s}[1], [x26]
  add x27, x20, #320
  st3 {v0.b, v1.b, v2.b}[2], [x27], #3
  add x28, x20, #8
  ld1 {v16.1d}, [x28], #8
  fmov x13, d16`, (mm) => new Uint8Array(mm.ram.buffer, DATA - RAM_BASE, 64).set(Array.from({ length: 64 }, (_, i) => i)));
    const at = (off: number) => hex(m.ram.getBigUint64(DATA - RAM_BASE + off, true));
    expect(xs(m, [1, 2, 3, 4, 5])).toEqual(['0xe0c0a0806040200', '0xf0d0b0907050301', '0x13120d0c07060100', '0x1c1814100c080400', '0x3c3834302c282420']);
    expect([m.x(21), m.x(23), m.x(25), m.x(27)]).toEqual([BigInt(DATA + 64), BigInt(DATA + 256), BigInt(DATA + 8), BigInt(DATA + 323)]);
    expect([at(128), at(136), at(192), at(248)]).toEqual(['0x706050403020100', '0xf0e0d0c0b0a0908', '0x706050403020100', '0x3f3e3d3c3b3a3938']);
    expect(xs(m, [6, 7, 8, 9, 10, 11, 12])).toEqual(['0x3020100aaaaaaaa', '0xaaaaaaaaaaaaaaaa', '0x100010001000100', '0x302010003020100', '0x706050407060504', '0x100000000000000', '0x200000000000000']);
    expect(hex(BigInt(m.ram.getUint32(DATA - RAM_BASE + 296, true)))).toBe('0x3020100');
    expect(hex(BigInt(m.ram.getUint32(DATA - RAM_BASE + 320, true) & 0xffffff))).toBe('0x60504');
    expect([hex(m.x(13)), m.x(28)]).toEqual(['0xf0e0d0c0b0a0908', BigInt(DATA + 16)]); // ld1 {.1d} post-indexed (was undecoded)
  });

  it('a glibc-shaped memchr: cmeq, then shrn #4 to a 64-bit nibble syndrome, rbit/clz for the index', () => {
    const text = 'hello, simd world, and more text past sixteen bytes!';
    const m = run(`
  mov w1, #'x'
  dup v1.16b, w1
  mov x2, x20
1: ld1 {v0.16b}, [x2], #16
  cmeq v2.16b, v0.16b, v1.16b
  shrn v3.8b, v2.8h, #4
  fmov x3, d3
  cbz x3, 1b
  sub x2, x2, #16
  rbit x3, x3
  clz x3, x3
  add x0, x2, x3, lsr #2
  sub x0, x0, x20`, (mm) => new TextEncoder().encodeInto(`${text}\0`, new Uint8Array(mm.ram.buffer, DATA - RAM_BASE, 64)));
    expect(m.x(0)).toBe(BigInt(text.indexOf('x')));
  });
});
