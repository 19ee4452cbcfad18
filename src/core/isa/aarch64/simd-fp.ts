/**
 * Advanced SIMD floating point, single (2S/4S) and double (2D) precision, lane by lane with the scalar
 * helpers of fpu.ts (rounding, Arm's NaN rules, FPCR.DN): FADD/FSUB/FMUL/FDIV/FMAX/FMIN/FMAXNM/FMINNM,
 * FABD, FMLA/FMLS (fused), FCMEQ/FCMGE/FCMGT/FACGE/FACGT and the compares against zero (a NaN compares
 * false), FRECPS/FRSQRTS (the three-same forms also scalar), FABS/FNEG (sign bit only), FSQRT, SCVTF/UCVTF and FCVTZS/FCVTZU (saturating, NaN gives 0).
 * Same limits as fpu.ts: round to nearest for arithmetic, no flush-to-zero; the cumulative exception
 * flags are raised as by the scalar forms (FCMEQ is a quiet compare, the others signal on any NaN).
 */
import type { A64Cpu } from './cpu';
import { binaryBits, bitsToValue, compareNaNFlags, fromInteger, fusedBits, recipStepBits, sqrtBits, toInteger } from './fpu';
import { lanes, setLanes } from './simd-lanes';

interface Shape { d: number; n: number; m: number; double: boolean; size: number; count: number; sign: bigint; ones: bigint }

function shape(raw: number): Shape {
  const double = ((raw >>> 22) & 1) === 1;
  const size = double ? 3 : 2;
  const bits = double ? 64n : 32n;
  return {
    d: raw & 31, n: (raw >>> 5) & 31, m: (raw >>> 16) & 31, double, size,
    // Scalar forms (bit 28) have one lane.
    count: (raw >>> 28) & 1 ? 1 : (((raw >>> 30) & 1) ? 16 : 8) >> size, sign: 1n << (bits - 1n), ones: (1n << bits) - 1n,
  };
}

export function fpThreeSame(cpu: A64Cpu, raw: number): void {
  const s = shape(raw);
  const key = (((raw >>> 29) & 1) << 6) | (((raw >>> 23) & 1) << 5) | ((raw >>> 11) & 31);
  const a = lanes(cpu, s.n, s.size, s.count);
  const b = lanes(cpu, s.m, s.size, s.count);
  const acc = lanes(cpu, s.d, s.size, s.count);
  const value = (x: bigint): number => bitsToValue(x, s.double);
  const mask = (t: boolean): bigint => (t ? s.ones : 0n);
  setLanes(cpu, s.d, s.size, a.map((x, i) => {
    const y = b[i]!;
    if ((key & 0x1e) === 0x1c) compareNaNFlags(cpu, x, y, s.double, key !== 0x1c);
    switch (key) {
      case 0x18: return binaryBits(cpu, 6, x, y, s.double); // fmaxnm
      case 0x38: return binaryBits(cpu, 7, x, y, s.double); // fminnm
      case 0x19: return fusedBits(cpu, x, y, acc[i]!, s.double); // fmla
      case 0x39: return fusedBits(cpu, x ^ s.sign, y, acc[i]!, s.double); // fmls
      case 0x1a: return binaryBits(cpu, 2, x, y, s.double); // fadd
      case 0x3a: return binaryBits(cpu, 3, x, y, s.double); // fsub
      case 0x1e: return binaryBits(cpu, 4, x, y, s.double); // fmax
      case 0x3e: return binaryBits(cpu, 5, x, y, s.double); // fmin
      case 0x5b: return binaryBits(cpu, 0, x, y, s.double); // fmul
      case 0x5f: return binaryBits(cpu, 1, x, y, s.double); // fdiv
      case 0x7a: return binaryBits(cpu, 3, x, y, s.double) & ~s.sign; // fabd
      case 0x1c: return mask(value(x) === value(y)); // fcmeq
      case 0x5c: return mask(value(x) >= value(y)); // fcmge
      case 0x7c: return mask(value(x) > value(y)); // fcmgt
      case 0x5d: return mask(Math.abs(value(x)) >= Math.abs(value(y))); // facge
      case 0x1f: return recipStepBits(cpu, x, y, s.double, false); // frecps
      case 0x3f: return recipStepBits(cpu, x, y, s.double, true); // frsqrts
      default: return mask(Math.abs(value(x)) > Math.abs(value(y))); // 0x7d facgt
    }
  }));
}

export function fpTwoMisc(cpu: A64Cpu, raw: number): void {
  const s = shape(raw);
  const u = (raw >>> 29) & 1;
  const opc = (raw >>> 12) & 31;
  const width = s.double ? 64 : 32;
  const mask = (t: boolean): bigint => (t ? s.ones : 0n);
  setLanes(cpu, s.d, s.size, lanes(cpu, s.n, s.size, s.count).map((x) => {
    const v = bitsToValue(x, s.double);
    if (opc >= 0x0c && opc <= 0x0e) compareNaNFlags(cpu, x, 0n, s.double, opc !== 0x0d || u === 1);
    switch ((u << 5) | opc) {
      case 0x0c: return mask(v > 0); // fcmgt #0.0
      case 0x0d: return mask(v === 0); // fcmeq #0.0
      case 0x0e: return mask(v < 0); // fcmlt #0.0
      case 0x2c: return mask(v >= 0); // fcmge #0.0
      case 0x2d: return mask(v <= 0); // fcmle #0.0
      case 0x0f: return x & ~s.sign; // fabs
      case 0x2f: return x ^ s.sign; // fneg
      case 0x3f: return sqrtBits(cpu, x, s.double); // fsqrt
      case 0x1d: return fromInteger(cpu, BigInt.asIntN(width, x), s.double); // scvtf
      case 0x3d: return fromInteger(cpu, x, s.double); // ucvtf
      case 0x1b: return toInteger(cpu, v, 3, false, width); // fcvtzs
      default: return toInteger(cpu, v, 3, true, width); // 0x3b fcvtzu
    }
  }));
}
