/**
 * Known-answer programs for A64 integer data processing and branches, assembled by GNU as (cached in
 * programs/integer.json) and run on the interpreter: results, NZCV after carry/overflow edges, shifts
 * by 0 and 63, division by zero, bitfield aliases, conditional select/compare and every branch kind.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { assembler, machine, RAM_BASE, u64 } from './harness';

const asm = assembler('integer');
afterAll(() => asm.save());

/** Runs a program that ends in WFI and returns the machine. */
function run(source: string) {
  const m = machine(asm(`${source}\n  wfi\n`));
  const exit = m.run(100_000);
  expect(m.faults).toEqual([]);
  expect(m.reports).toEqual([]);
  expect(exit).toBe('wfi');
  return m;
}

const M64 = (1n << 64n) - 1n;

// [title, program, expected registers, expected flags (NZCV letters) or undefined]
const CASES: [string, string, Record<number, bigint>, string?][] = [
  ['add/sub immediate with shift', 'mov x1, #100\n add x0, x1, #0xfff\n sub x2, x1, #1, lsl #12\n add w3, w1, #1', { 0: 4195n, 2: u64(100n - 4096n), 3: 101n }],
  ['adds: signed overflow', 'mov x1, #0x7fffffffffffffff\n adds x0, x1, #1', { 0: 1n << 63n }, 'N--V'],
  ['adds: unsigned carry to zero', 'mov x1, #-1\n adds x0, x1, #1', { 0: 0n }, '-ZC-'],
  ['subs equal sets Z and C', 'mov x1, #5\n subs x0, x1, #5', { 0: 0n }, '-ZC-'],
  ['subs borrow clears C', 'mov x1, #4\n subs x0, x1, #5', { 0: M64 }, 'N---'],
  ['32-bit adds overflow, upper half cleared', 'mov x1, #0xffffffff7fffffff\n adds w0, w1, #1', { 0: 0x8000_0000n }, 'N--V'],
  ['cmp w with negative immediate alias (cmn)', 'mov w1, #-3\n cmn w1, #3', {}, '-ZC-'],
  ['logical immediates', 'mov x1, #-1\n and x0, x1, #0xff00ff00ff00ff00\n orr w2, wzr, #0x55555555\n eor x3, x1, #0x1', { 0: 0xff00ff00ff00ff00n, 2: 0x55555555n, 3: M64 - 1n }],
  ['ands sets N, clears C and V', 'mov x1, #-1\n cmp x1, #0\n ands x0, x1, #0x8000000000000000', { 0: 1n << 63n }, 'N---'],
  ['movz/movk build a 64-bit constant', 'movz x0, #0xdef0\n movk x0, #0x9abc, lsl #16\n movk x0, #0x5678, lsl #32\n movk x0, #0x1234, lsl #48', { 0: 0x123456789abcdef0n }],
  ['movn 32 and 64 bits', 'movn w0, #0\n movn x1, #0\n movn x2, #0x1234, lsl #16\n movk w3, #1, lsl #16', { 0: 0xffffffffn, 1: M64, 2: u64(~(0x1234n << 16n)), 3: 0x10000n }],
  ['shift immediates by 0 and 63', 'mov x1, #0x8000000000000001\n lsl x0, x1, #0\n lsl x2, x1, #63\n lsr x3, x1, #63\n asr x4, x1, #63\n ror x5, x1, #63\n ror x6, x1, #0',
    { 0: 0x8000000000000001n, 2: 1n << 63n, 3: 1n, 4: M64, 5: 3n, 6: 0x8000000000000001n }],
  ['32-bit shifts', 'mov w1, #0x80000001\n lsl w0, w1, #31\n lsr w2, w1, #31\n asr w3, w1, #31\n ror w4, w1, #1', { 0: 0x80000000n, 2: 1n, 3: 0xffffffffn, 4: 0xc0000000n }],
  ['variable shifts take the amount modulo the width', 'mov x1, #0xf0\n mov x2, #64\n mov x3, #63\n mov x4, #36\n lsl x0, x1, x2\n lsr x5, x1, x3\n asr w6, w1, w4\n lsl x7, x1, x4\n ror x8, x1, x2',
    { 0: 0xf0n, 5: 0n, 6: 0xfn, 7: 0xf0n << 36n, 8: 0xf0n }],
  ['bitfield aliases', 'movz x1, #0x5678\n movk x1, #0x1234, lsl #16\n movk x1, #0x80ff, lsl #48\n ubfx x0, x1, #4, #8\n sbfx x2, x1, #60, #4\n bfi x3, x1, #8, #16\n ubfiz x4, x1, #60, #4\n sxtb x5, w1\n uxth w6, w1\n sxtw x7, w1\n sbfiz w8, w1, #28, #4\n bfxil x9, x1, #56, #8',
    { 0: 0x67n, 2: M64 - 7n, 3: 0x567800n, 4: 0x8000000000000000n, 5: 0x78n, 6: 0x5678n, 7: 0x12345678n, 8: 0x80000000n, 9: 0x80n }],
  ['bfi keeps the other bits; sxtb sign', 'mov x3, #-1\n mov x1, #0\n bfi x3, x1, #4, #8\n mov w2, #0x80\n sxtb x4, w2\n sxth w5, w2', { 3: M64 ^ 0xff0n, 4: u64(-128n), 5: 0x80n }],
  ['extr and ror', 'mov x1, #0x1111111111111111\n mov x2, #0x2222222222222222\n extr x0, x1, x2, #4\n extr w3, w1, w2, #0', { 0: 0x1222222222222222n, 3: 0x22222222n }],
  ['add/sub shifted and extended registers', 'mov x1, #1000\n mov x2, #-2\n add x0, x1, x2, lsl #3\n add x3, x1, w2, sxtw #2\n add x4, x1, w2, uxtw\n sub x5, x1, x2, asr #1\n mov x6, sp\n add sp, sp, #16\n add x7, sp, w1, uxtb\n mov sp, x6',
    { 0: 984n, 3: 992n, 4: 1000n + 0xfffffffen, 5: 1001n, 7: 16n + 0xe8n }],
  ['adc/sbc carry a 128-bit add and subtract', 'mov x1, #-1\n mov x2, #0\n mov x3, #1\n mov x4, #0\n adds x5, x1, x3\n adc x6, x2, x4\n subs x7, x5, x3\n sbc x8, x6, x4\n ngc x9, xzr',
    { 5: 0n, 6: 1n, 7: M64, 8: 0n, 9: M64 }],
  ['csel family and aliases', 'mov x1, #10\n mov x2, #20\n cmp x1, x2\n csel x0, x1, x2, lt\n csinc x3, x1, x2, ge\n cset w4, lt\n csetm x5, ne\n cneg x6, x1, lt\n cinv x7, x1, ge',
    { 0: 10n, 3: 21n, 4: 1n, 5: M64, 6: u64(-10n), 7: 10n }],
  ['ccmp chains conditions', 'mov x1, #5\n mov x2, #5\n cmp x1, #5\n ccmp x2, #6, #0, eq\n cset x0, lt\n cmp x1, #4\n ccmp x2, #6, #4, eq\n cset x3, eq', { 0: 1n, 3: 1n }],
  ['multiply', 'mov x1, #-3\n mov x2, #7\n mul x0, x1, x2\n mov x3, #100\n madd x4, x1, x2, x3\n msub x5, x1, x2, x3\n smull x6, w1, w2\n umull x7, w1, w2\n smulh x8, x1, x2\n umulh x9, x1, x2\n mul w10, w1, w2',
    { 0: u64(-21n), 4: 79n, 5: 121n, 6: u64(-21n), 7: 0xfffffffdn * 7n, 8: M64, 9: 6n, 10: 0xffffffebn }],
  ['divide: by zero gives 0, INT_MIN / -1 wraps', 'mov x1, #100\n mov x2, #0\n udiv x0, x1, x2\n sdiv x3, x1, x2\n mov x4, #0x8000000000000000\n mov x5, #-1\n sdiv x6, x4, x5\n mov x7, #-7\n mov x8, #2\n sdiv x9, x7, x8\n udiv w10, w7, w8\n mov w11, #0x80000000\n sdiv w12, w11, w5',
    { 0: 0n, 3: 0n, 6: 1n << 63n, 9: u64(-3n), 10: 0x7ffffffcn, 12: 0x80000000n }],
  ['clz, cls, rbit, rev', 'mov x1, #0\n clz x0, x1\n mov x2, #0x00ff\n clz w3, w2\n mov x4, #-1\n cls x5, x4\n mov x6, #1\n rbit x7, x6\n ldr x8, =0x0102030405060708\n rev x9, x8\n rev32 x10, x8\n rev16 x11, x8\n rev w12, w8',
    { 0: 64n, 3: 24n, 5: 63n, 7: 1n << 63n, 9: 0x0807060504030201n, 10: 0x0403020108070605n, 11: 0x0201040306050807n, 12: 0x08070605n }],
  ['adr and adrp', 'adr x0, here\n adrp x1, here\n nop\nhere: nop', { 0: BigInt(RAM_BASE + 12), 1: BigInt(RAM_BASE) }],
];

describe('A64 integer known answers', () => {
  for (const [title, source, regs, flags] of CASES) {
    it(title, () => {
      const m = run(source);
      for (const [r, v] of Object.entries(regs)) expect(m.x(Number(r)), `x${r}`).toBe(v);
      if (flags !== undefined) expect(m.flags()).toBe(flags);
    });
  }
});

describe('A64 branches', () => {
  it('counts a loop with b.cond, cbz/cbnz and tbz/tbnz', () => {
    const m = run(`
      mov x0, #0
      mov x1, #10
    1: add x0, x0, #3
      subs x1, x1, #1
      b.ne 1b
      mov x2, #0
      cbz x2, 2f
      mov x0, #0
    2: cbnz x2, 3f
      mov x3, #0x8000000000000000
      tbnz x3, #63, 4f
    3: mov x0, #0
    4: tbz x3, #0, 5f
      mov x0, #0
    5: nop`);
    expect(m.x(0)).toBe(30n);
  });

  it('calls and returns with bl/ret, blr and br', () => {
    const m = run(`
      mov x0, #1
      bl f
      adr x5, g
      blr x5
      adr x6, out
      br x6
      mov x0, #0
    f: add x0, x0, #10
      ret
    g: add x0, x0, #100
      ret
    out: nop`);
    expect(m.x(0)).toBe(111n);
    expect(m.x(30)).toBe(BigInt(RAM_BASE + 16));
  });

  it('branches across pages', () => {
    const m = run(`
      mov x0, #7
      b far
      .space 8192
    far: add x0, x0, #1
      b back
    back: nop`);
    expect(m.x(0)).toBe(8n);
  });
});
