/**
 * The last ARMv8.0 floating-point groups (rows in instructions-simd4.ts): the reciprocal and reciprocal
 * square root estimates FRECPE/FRSQRTE (the Arm ARM's 8-bit RecipEstimate/RecipSqrtEstimate tables,
 * computed), URECPE/URSQRTE, FRECPX, FCVTXN (round to odd), the fixed-point conversions (SIMD shift by
 * immediate forms and to/from general registers) and the half-precision conversions (scalar FCVT to
 * and from H, FCVTN/FCVTL with 4H/8H; IEEE half precision, FPCR.AHP's alternative format is not
 * modelled). Exceptions are raised into FPSR as fpu.ts does; rounding is to nearest except where the
 * instruction fixes it (FCVTZ*, FCVTXN).
 */
import type { A64Cpu } from './cpu';
import { bitsToValue, defaultNaN, FpExc, fromInteger, isNaNBits, processNaNs, roundToIntegral, toInteger, valueBits } from './fpu';
import { shiftSizeOf } from './fields';
import { lanes, setLanes } from './simd-lanes';
import { asUint } from './uint';

const F52 = (1n << 52n) - 1n;

/** RecipEstimate: a in 256..511 (0.5 <= x < 1 in 1/512 steps) to 256..511 (1 <= 1/x < 2). */
export function recipEstimate(a: number): number {
  const b = Math.floor(2 ** 19 / (a * 2 + 1));
  return (b + 1) >> 1;
}

/** RecipSqrtEstimate: a in 128..511 (0.25 <= x < 1) to 256..511 (1 <= 1/sqrt(x) < 2). */
export function recipSqrtEstimate(a: number): number {
  const x = a < 256 ? a * 2 + 1 : ((a >> 1) << 1) * 2 + 2;
  let b = 512;
  while (x * (b + 1) * (b + 1) < 2 ** 28) b++;
  return (b + 1) >> 1;
}

/** Sign, biased exponent and the fraction as 52 bits (single fractions shifted up) of an operand. */
function unpack(x: bigint, double: boolean): { sign: bigint; exp: number; fraction: bigint } {
  return double
    ? { sign: x >> 63n, exp: Number((x >> 52n) & 0x7ffn), fraction: x & F52 }
    : { sign: x >> 31n, exp: Number((x >> 23n) & 0xffn), fraction: (x & 0x7f_ffffn) << 29n };
}

function pack(sign: bigint, exp: number, fraction: bigint, double: boolean): bigint {
  return double ? (sign << 63n) | (BigInt(exp) << 52n) | fraction : (sign << 31n) | (BigInt(exp) << 23n) | (fraction >> 29n);
}

const infinity = (sign: bigint, double: boolean): bigint => pack(sign, double ? 0x7ff : 0xff, 0n, double);
const maxNormal = (sign: bigint, double: boolean): bigint => pack(sign, double ? 0x7fe : 0xfe, F52, double);

/** FPRecipEstimate. */
function recipEstimateBits(cpu: A64Cpu, x: bigint, double: boolean): bigint {
  const nan = processNaNs(cpu, double, [x]);
  if (nan !== undefined) return nan;
  const { sign, exp: e0, fraction: f0 } = unpack(x, double);
  const v = Math.abs(bitsToValue(x, double));
  if (v === Infinity) return pack(sign, 0, 0n, double);
  if (v === 0) {
    cpu.fpsr |= FpExc.DZC;
    return infinity(sign, double);
  }
  if (v < 2 ** (double ? -1024 : -128)) {
    cpu.fpsr |= FpExc.OFC | FpExc.IXC;
    const rmode = (cpu.fpcr >>> 22) & 3;
    const toInf = rmode === 0 || (rmode === 1 && sign === 0n) || (rmode === 2 && sign === 1n);
    return toInf ? infinity(sign, double) : maxNormal(sign, double);
  }
  let exp = e0, fraction = f0;
  if (exp === 0) {
    if (((fraction >> 51n) & 1n) === 0n) {
      exp = -1;
      fraction = (fraction << 2n) & F52;
    } else fraction = (fraction << 1n) & F52;
  }
  const scaled = 256 | Number((fraction >> 44n) & 0xffn);
  let resultExp = (double ? 2045 : 253) - exp;
  let out = BigInt(recipEstimate(scaled) & 0xff) << 44n;
  if (resultExp === 0) out = (1n << 51n) | (out >> 1n);
  else if (resultExp === -1) {
    out = (1n << 50n) | (out >> 2n);
    resultExp = 0;
  }
  return pack(sign, resultExp, out, double);
}

/** FPRSqrtEstimate. */
function rsqrtEstimateBits(cpu: A64Cpu, x: bigint, double: boolean): bigint {
  const nan = processNaNs(cpu, double, [x]);
  if (nan !== undefined) return nan;
  const { sign, exp: e0, fraction: f0 } = unpack(x, double);
  const v = bitsToValue(x, double);
  if (v === 0) {
    cpu.fpsr |= FpExc.DZC;
    return infinity(sign, double);
  }
  if (sign === 1n) {
    cpu.fpsr |= FpExc.IOC;
    return defaultNaN(double);
  }
  if (v === Infinity) return 0n;
  let exp = e0, fraction = f0;
  if (exp === 0) {
    while (((fraction >> 51n) & 1n) === 0n) {
      fraction = (fraction << 1n) & F52;
      exp--;
    }
    fraction = (fraction << 1n) & F52;
  }
  const scaled = (exp & 1) === 0 ? 256 | Number((fraction >> 44n) & 0xffn) : 128 | Number((fraction >> 45n) & 0x7fn);
  const resultExp = Math.floor(((double ? 3068 : 380) - exp) / 2);
  return pack(0n, resultExp, BigInt(recipSqrtEstimate(scaled) & 0xff) << 44n, double);
}

/** FPRecpX: the exponent inverted (zero and denormals give the largest normal exponent), fraction zero. */
function recpxBits(cpu: A64Cpu, x: bigint, double: boolean): bigint {
  const nan = processNaNs(cpu, double, [x]);
  if (nan !== undefined) return nan;
  const { sign, exp } = unpack(x, double);
  const ones = double ? 0x7ff : 0xff;
  return pack(sign, exp === 0 ? ones - 1 : ~exp & ones, 0n, double);
}

/** FCVTXN: double to single, rounding to odd (inexact results get the lowest fraction bit set). */
function roundToOddBits(cpu: A64Cpu, x: bigint): bigint {
  if (isNaNBits(x, true)) {
    const nan = processNaNs(cpu, true, [x])!;
    if ((cpu.fpcr & (1 << 25)) !== 0) return defaultNaN(false);
    return ((nan >> 63n) << 31n) | 0x7fc0_0000n | ((nan >> 29n) & 0x3f_ffffn);
  }
  const v = bitsToValue(x, true);
  if (!Number.isFinite(v) || v === 0) return valueBits(v, false);
  let r = Math.fround(v);
  if (Math.abs(r) > Math.abs(v)) { // step back toward zero: truncation
    const b = valueBits(r, false);
    r = bitsToValue(b - 1n, false);
  }
  let bits = valueBits(r, false);
  if (r !== v) {
    bits |= 1n;
    cpu.fpsr |= FpExc.IXC;
    if (Math.abs(v) < 2 ** -126) cpu.fpsr |= FpExc.UFC;
    if (Math.abs(v) >= 2 ** 128) cpu.fpsr |= FpExc.OFC; // the largest normal, as rounding to odd never overflows to infinity
  }
  return bits;
}

/** FRECPE, FRSQRTE, FRECPX, URECPE, URSQRTE, FCVTXN (vector and scalar). */
export function fpEstimate(cpu: A64Cpu, raw: number): void {
  const d = raw & 31, n = (raw >>> 5) & 31;
  const q = (raw >>> 30) & 1;
  const u = (raw >>> 29) & 1;
  const opc = (raw >>> 12) & 31;
  const scalar = ((raw >>> 28) & 1) === 1;
  if (opc === 0x16) { // fcvtxn{2}
    const narrow = lanes(cpu, n, 3, scalar ? 1 : 2).map((x) => roundToOddBits(cpu, x));
    setLanes(cpu, d, 2, q && !scalar ? [...lanes(cpu, d, 2, 2), ...narrow] : narrow);
    return;
  }
  const double = ((raw >>> 22) & 1) === 1;
  const size = double ? 3 : 2;
  const count = scalar ? 1 : (q ? 16 : 8) >> size;
  setLanes(cpu, d, size, lanes(cpu, n, size, count).map((x) => {
    switch (opc === 0x1d ? u : opc === 0x1f ? 2 : 3 + u) {
      case 0: return recipEstimateBits(cpu, x, double);
      case 1: return rsqrtEstimateBits(cpu, x, double);
      case 2: return recpxBits(cpu, x, double);
      case 3: return (x >> 31n) === 0n ? 0xffff_ffffn : BigInt(recipEstimate(Number(x >> 23n)) & 0x1ff) << 23n; // urecpe
      default: return (x >> 30n) === 0n ? 0xffff_ffffn : BigInt(recipSqrtEstimate(Number(x >> 23n)) & 0x1ff) << 23n; // ursqrte
    }
  }));
}

/** SCVTF/UCVTF/FCVTZS/FCVTZU with a fraction-bits scale: SIMD (vector, scalar) and general-register forms. */
export function fixedPoint(cpu: A64Cpu, raw: number): void {
  const d = raw & 31, n = (raw >>> 5) & 31;
  if (((raw >>> 24) & 0x1f) === 0x1e) { // general register forms
    const double = ((raw >>> 22) & 1) === 1;
    const width = raw < 0 ? 64 : 32;
    const fbits = 64 - ((raw >>> 10) & 63);
    const opc = (raw >>> 16) & 7;
    if (opc >= 2) {
      const x = asUint(width, cpu.getX(n));
      setLanes(cpu, d, double ? 3 : 2, [fromInteger(cpu, opc === 3 ? x : BigInt.asIntN(width, x), double, fbits)]);
    } else {
      cpu.setX(d, toInteger(cpu, bitsToValue(lanes(cpu, n, double ? 3 : 2, 1)[0]!, double), 3, opc === 1, width, fbits));
    }
    return;
  }
  const es = shiftSizeOf(raw);
  const double = es === 3;
  const width = double ? 64 : 32;
  const fbits = 2 * width - ((raw >>> 16) & 127);
  const u = ((raw >>> 29) & 1) === 1;
  const toFloat = ((raw >>> 11) & 31) === 0x1c;
  const count = (raw >>> 28) & 1 ? 1 : (((raw >>> 30) & 1) ? 16 : 8) >> es;
  setLanes(cpu, d, es, lanes(cpu, n, es, count).map((x) => toFloat
    ? fromInteger(cpu, u ? x : BigInt.asIntN(width, x), double, fbits)
    : toInteger(cpu, bitsToValue(x, double), 3, u, width, fbits)));
}

// ------------------------------------------------------------------ half precision

/** A half-precision value's bits to single (double = false) or double precision bits. */
function halfToBits(cpu: A64Cpu, h: number, double: boolean): bigint {
  const sign = BigInt(h >>> 15);
  const exp = (h >>> 10) & 31;
  const frac = h & 0x3ff;
  if (exp === 31 && frac !== 0) {
    if (!(frac & 0x200)) cpu.fpsr |= FpExc.IOC;
    if ((cpu.fpcr & (1 << 25)) !== 0) return defaultNaN(double);
    return double
      ? (sign << 63n) | 0x7ff8_0000_0000_0000n | (BigInt(frac & 0x1ff) << 42n)
      : (sign << 31n) | 0x7fc0_0000n | (BigInt(frac & 0x1ff) << 13n);
  }
  const magnitude = exp === 31 ? Infinity : exp === 0 ? frac * 2 ** -24 : (1024 + frac) * 2 ** (exp - 25);
  return valueBits(sign ? -magnitude : magnitude, double);
}

/** Single or double precision bits to half precision (round to nearest even), with FPSR flags. */
function bitsToHalf(cpu: A64Cpu, x: bigint, double: boolean): number {
  const sign = Number(double ? x >> 63n : x >> 31n) << 15;
  if (isNaNBits(x, double)) {
    const quiet = double ? 1n << 51n : 1n << 22n;
    if ((x & quiet) === 0n) cpu.fpsr |= FpExc.IOC;
    if ((cpu.fpcr & (1 << 25)) !== 0) return 0x7e00;
    return sign | 0x7e00 | Number(double ? (x >> 42n) & 0x1ffn : (x >> 13n) & 0x1ffn);
  }
  const v = bitsToValue(x, double);
  const a = Math.abs(v);
  if (a === Infinity) return sign | 0x7c00;
  if (a === 0) return sign;
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  const q = Math.max(e, -14) - 10; // exponent of the last fraction bit
  const r = roundToIntegral(a / 2 ** q, 0) * 2 ** q;
  if (r > 65504) {
    cpu.fpsr |= FpExc.OFC | FpExc.IXC;
    return sign | 0x7c00;
  }
  if (r !== a) cpu.fpsr |= a < 2 ** -14 ? FpExc.IXC | FpExc.UFC : FpExc.IXC;
  if (r < 2 ** -14) return sign | (r / 2 ** -24);
  let re = Math.floor(Math.log2(r));
  if (2 ** re > r) re--;
  return sign | ((re + 15) << 10) | (r / 2 ** (re - 10) - 1024);
}

/** FCVT between H and S/D (scalar), FCVTN/FCVTN2 (4S to 4H/8H), FCVTL/FCVTL2 (4H/8H to 4S). */
export function halfPrecision(cpu: A64Cpu, raw: number): void {
  const d = raw & 31, n = (raw >>> 5) & 31;
  if (((raw >>> 24) & 0x1f) === 0x1e) {
    const type = (raw >>> 22) & 3;
    const opc = (raw >>> 15) & 3;
    if (type === 3) { // half to single/double
      setLanes(cpu, d, opc === 1 ? 3 : 2, [halfToBits(cpu, Number(lanes(cpu, n, 1, 1)[0]!), opc === 1)]);
    } else {
      setLanes(cpu, d, 1, [BigInt(bitsToHalf(cpu, lanes(cpu, n, type === 1 ? 3 : 2, 1)[0]!, type === 1))]);
    }
    return;
  }
  const q = (raw >>> 30) & 1;
  if (((raw >>> 12) & 31) === 0x16) { // fcvtn{2}
    const narrow = lanes(cpu, n, 2, 4).map((x) => BigInt(bitsToHalf(cpu, x, false)));
    setLanes(cpu, d, 1, q ? [...lanes(cpu, d, 1, 4), ...narrow] : narrow);
    return;
  }
  setLanes(cpu, d, 2, lanes(cpu, n, 1, 8).slice(4 * q, 4 * q + 4).map((h) => halfToBits(cpu, Number(h), false))); // fcvtl{2}
}
