/**
 * Differential check of FP and Advanced SIMD against QEMU: a seeded random set of operations (scalar FP
 * arithmetic, conversions, compares, estimates on operands biased towards zeros, subnormals, infinities,
 * NaNs and the overflow/underflow edges, plus the saturating, long, narrowing, fixed-point and
 * half-precision SIMD forms on random lanes) runs as one program; V0 and FPSR after each operation must
 * equal what qemu-aarch64 (-cpu cortex-a53) computed for the same program, recorded in
 * fp-differential.json. With qemu-user and the cross toolchain installed, AARCH64_QEMU_RECORD=1
 * re-records the file.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assembler, RAM_BASE, runWithFpSimd } from './harness';

const asm = assembler('fp-differential');
afterAll(() => asm.save());
const FIXTURE = path.join(__dirname, 'fp-differential.json');

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s;
  };
}

const hex = (v: bigint): string => `0x${BigInt.asUintN(64, v).toString(16)}`;

const SCALAR: [string, 1 | 2 | 3 | 'int' | 'fromint' | 'cmp' | 'half' | 'cvt'][] = [
  ['fadd', 2], ['fsub', 2], ['fmul', 2], ['fdiv', 2], ['fnmul', 2], ['fmax', 2], ['fminnm', 2], ['fsqrt', 1], ['fmadd', 3], ['fnmsub', 3],
  ['frintx', 1], ['frinta', 1], ['fcvt', 'cvt'], ['fcvtzs', 'int'], ['fcvtau', 'int'], ['scvtf', 'fromint'], ['fcmpe', 'cmp'], ['fcmp', 'cmp'],
  ['frecpe', 1], ['frsqrte', 1], ['frecps', 2], ['frsqrts', 2], ['fcvth', 'half'], ['fabd', 2], ['facgt', 2], ['fmulx', 2],
];
const VECTOR = ['sqdmulh v0.8h, v1.8h, v2.8h', 'sqrdmulh v0.4s, v1.4s, v2.4s', 'sqdmulh h0, h1, h2', 'sqrdmulh s0, s1, v2.s[3]',
  'sqdmlal v0.4s, v1.4h, v2.4h', 'sqdmlsl2 v0.2d, v1.4s, v2.4s', 'sqdmull d0, s1, s2', 'sqdmlal s0, h1, v2.h[7]', 'sqdmull2 v0.4s, v1.8h, v2.h[2]',
  'smlal2 v0.4s, v1.8h, v2.h[3]', 'umlsl v0.2d, v1.2s, v2.s[1]', 'umull2 v0.2d, v1.4s, v2.s[2]', 'pmull v0.8h, v1.8b, v2.8b', 'pmull2 v0.8h, v1.16b, v2.16b',
  'sqabs v0.8h, v1.8h', 'sqneg s0, s1', 'suqadd v0.16b, v1.16b', 'usqadd d0, d1', 'rbit v0.8b, v1.8b', 'shll2 v0.4s, v1.8h, #16',
  'sqadd h0, h1, h2', 'uqsub b0, b1, b2', 'sqrshl s0, s1, s2', 'uqshl d0, d1, d2', 'srshl d0, d1, d2', 'urshl d0, d1, d2', 'sshl d0, d1, d2',
  'srsra d0, d1, #7', 'urshr d0, d1, #64', 'sqshlu s0, s1, #5', 'uqshl h0, h1, #9', 'sqrshrn h0, s1, #3', 'uqshrn b0, h1, #1', 'sqshrun s0, d1, #17',
  'sqxtun b0, h1', 'sqxtn s0, d1', 'uqxtn h0, s1',
  'frecpe v0.4s, v1.4s', 'frsqrte v0.2d, v1.2d', 'frecps v0.4s, v1.4s, v2.4s', 'frsqrts v0.2s, v1.2s, v2.2s', 'frecpx d0, d1', 'urecpe v0.2s, v1.2s',
  'ursqrte v0.4s, v1.4s', 'fcvtxn2 v0.4s, v1.2d', 'scvtf v0.2d, v1.2d, #13', 'ucvtf s0, s1, #32', 'fcvtzs v0.4s, v1.4s, #1', 'fcvtzu d0, d1, #50',
  'fcvtn2 v0.8h, v1.4s', 'fcvtl2 v0.4s, v1.8h', 'fcvtl v0.4s, v1.4h', 'fcvt s0, h1', 'fcvt d0, h1',
  'fadd v0.4s, v1.4s, v2.4s', 'fmul v0.2d, v1.2d, v2.2d', 'fdiv v0.4s, v1.4s, v2.4s', 'fmla v0.2d, v1.2d, v2.d[1]', 'fsqrt v0.4s, v1.4s',
  'fcmge v0.4s, v1.4s, v2.4s', 'fcmeq v0.2d, v1.2d, #0.0', 'faddp v0.4s, v1.4s, v2.4s', 'fminnmv s0, v1.4s', 'frintx v0.2d, v1.2d',
  'fcvtns v0.4s, v1.4s', 'fcvtn v0.2s, v1.2d'];

/** The case list: instruction(s) leaving the result in V0, and V0-V2 (lo, hi) and X1 inputs. */
function cases(): { ins: string; regs: [string, string][]; x1: string }[] {
  const next = rng(0x0fd1ff);
  const randBits = (double: boolean): bigint => {
    const exps = double
      ? [0, 1, 2, 0x3ff, 0x3fe, 0x400, 0x7fe, 0x7fd, 0x7ff, 1 + (next() % 60), 0x3c0 + (next() % 128), next() % 0x7ff]
      : [0, 1, 2, 0x7f, 0x7e, 0x80, 0xfe, 0xfd, 0xff, 1 + (next() % 30), 0x60 + (next() % 64), next() % 0xff];
    const sparse = next() % 10 < 3;
    const e = BigInt(exps[next() % exps.length]!);
    if (double) {
      let f = ((BigInt(next()) << 20n) | BigInt(next() & 0xfffff)) & ((1n << 52n) - 1n);
      if (sparse) f &= ~((1n << 40n) - 1n);
      return (BigInt(next() & 1) << 63n) | (e << 52n) | f;
    }
    let f = BigInt(next() & 0x7fffff);
    if (sparse) f &= ~0xfffn;
    return (BigInt(next() & 1) << 31n) | (e << 23n) | f;
  };
  const out: { ins: string; regs: [string, string][]; x1: string }[] = [];
  for (let i = 0; i < 160; i++) {
    const ins = VECTOR[next() % VECTOR.length]!;
    const fp = /^f|scvtf|ucvtf/.test(ins) && !/fcvtl|fcvt [sd]0, h/.test(ins);
    const d = /\.2d|d0|d1/.test(ins);
    const lane = (): bigint => (fp ? (d ? randBits(true) : randBits(false) | (randBits(false) << 32n)) : (BigInt(next()) << 32n) | BigInt(next()));
    out.push({ ins, regs: [0, 1, 2].map(() => [hex(lane()), hex(lane())] as [string, string]), x1: '0x0' });
  }
  for (let i = 0; i < 320; i++) {
    const [op, kind] = SCALAR[next() % SCALAR.length]!;
    const double = (next() & 1) === 1;
    const r = double ? 'd' : 's';
    const v = [randBits(double), randBits(double), randBits(double)];
    let x1 = '0x0';
    let ins: string;
    switch (kind) {
      case 1: ins = `${op} ${r}0, ${r}1`; break;
      case 2: ins = `${op} ${r}0, ${r}1, ${r}2`; break;
      case 3: ins = `${op} ${r}0, ${r}1, ${r}2, ${r}0`; break;
      case 'int': ins = `${op} x5, ${r}1\n  fmov d0, x5`; break;
      case 'fromint': x1 = hex((BigInt(next()) << 32n) | BigInt(next())); ins = `scvtf ${r}0, x1`; break;
      case 'cmp': ins = `${op} ${r}1, ${r}2\n  mrs x5, nzcv\n  fmov d0, x5`; break;
      case 'cvt': ins = `fcvt ${double ? 's' : 'd'}0, ${r}1`; break;
      default: ins = `fcvt h0, ${r}1`;
    }
    out.push({ ins, regs: v.map((x) => [hex(x), '0x0'] as [string, string]), x1 });
  }
  return out;
}

/** The program body: for each case, inputs, FPSR cleared, the operation, V0 and FPSR stored at [x20], 32 bytes a case. */
function body(list: ReturnType<typeof cases>): string {
  return list.map((c) => `${c.regs.map(([lo, hi], r) => `  ldr x9, =${lo}\n  fmov d${r}, x9\n  ldr x9, =${hi}\n  mov v${r}.d[1], x9\n`).join('')}`
    + `  ldr x1, =${c.x1}\n  msr fpsr, xzr\n  ${c.ins}\n  mrs x10, fpsr\n  str q0, [x20], #16\n  str x10, [x20], #16\n  b 1f\n  .ltorg\n1:\n`).join('');
}

/** Runs the body under qemu-aarch64 as a static Linux program (writes the results to stdout). */
function recordWithQemu(list: ReturnType<typeof cases>): string[] {
  const dir = mkdtempSync(path.join(tmpdir(), 'a64-qemu-'));
  try {
    const size = list.length * 32;
    writeFileSync(path.join(dir, 't.s'), `.text\n.globl _start\n_start:\n  adr x20, buf\n${body(list)}  mov x0, #1\n  adr x1, buf\n  ldr x2, =${size}\n`
      + `  mov x8, #64\n  svc #0\n  mov x0, #0\n  mov x8, #93\n  svc #0\n.ltorg\n.bss\n.balign 16\nbuf: .space ${size}\n`);
    execFileSync('/usr/bin/aarch64-linux-gnu-as', ['-march=armv8-a', '-o', 't.o', 't.s'], { cwd: dir });
    execFileSync('/usr/bin/aarch64-linux-gnu-ld', ['-static', '-o', 't', 't.o'], { cwd: dir });
    const out = execFileSync('qemu-aarch64', ['-cpu', 'cortex-a53', path.join(dir, 't')], { maxBuffer: 1 << 26 });
    return list.map((_, i) => [0, 8, 16].map((o) => out.readBigUInt64LE(i * 32 + o).toString(16)).join(' '));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('A64 FP and Advanced SIMD against QEMU (seeded random operands)', () => {
  const list = cases();
  if (process.env.AARCH64_QEMU_RECORD === '1') writeFileSync(FIXTURE, `${JSON.stringify(recordWithQemu(list), null, 0).replace(/","/g, '",\n"')}\n`);
  const expected = existsSync(FIXTURE) ? (JSON.parse(readFileSync(FIXTURE, 'utf8')) as string[]) : [];

  it('gives the V0 and FPSR values QEMU gave, operation by operation', () => {
    expect(expected.length).toBe(list.length);
    const out = RAM_BASE + 0x80000;
    const m = runWithFpSimd(asm, `  ldr x20, =${out}\n${body(list)}`);
    const mismatches: string[] = [];
    list.forEach((c, i) => {
      const got = [0, 8, 16].map((o) => m.ram.getBigUint64(0x80000 + i * 32 + o, true).toString(16)).join(' ');
      if (got !== expected[i]) mismatches.push(`${c.ins.replace(/\n\s*/g, '; ')} [${c.regs.map((r) => r.join(':')).join(', ')}] x1=${c.x1}: got ${got}, qemu ${expected[i]}`);
    });
    expect(mismatches.slice(0, 20)).toEqual([]);
  });
});
