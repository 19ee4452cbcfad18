/**
 * Further Advanced SIMD floating point (rows in instructions-simd3.ts), single and double precision:
 * pairwise FADDP/FMAXP/FMINP/FMAXNMP/FMINNMP (vector and scalar) and ADDP (scalar), FMAXV/FMINV/
 * FMAXNMV/FMINNMV (Arm's recursive halving order), FMUL/FMLA/FMLS/FMULX by element, FMULX (0 * inf
 * gives 2.0), FRINT* (FRINTX/FRINTI use FPCR.RMode), FCVT[NMAPZ][SU] with their rounding modes,
 * SCVTF/UCVTF and compares against zero (scalar), FCVTL/FCVTN, and MOV (scalar) from a lane.
 * Same limits as fpu.ts: no flush-to-zero; cumulative exception flags as the scalar forms raise them.
 */
import type { A64Cpu } from './cpu';
import {
  binaryBits, bitsToValue, compareNaNFlags, convertPrecision, fromInteger, fusedBits, processNaNs, roundIntegralBits, toInteger, valueBits,
} from './fpu';
import { fpElement } from './instructions-simd2';
import { lanes, permuteBytes, setLanes } from './simd-lanes';
import { asUint } from './uint';

interface Shape { d: number; n: number; m: number; double: boolean; size: number; count: number; sign: bigint; ones: bigint; scalar: boolean }

function shape(raw: number): Shape {
  const double = ((raw >>> 22) & 1) === 1;
  const size = double ? 3 : 2;
  const bits = double ? 64n : 32n;
  const scalar = ((raw >>> 28) & 1) === 1;
  return {
    d: raw & 31, n: (raw >>> 5) & 31, m: (raw >>> 16) & 31, double, size, scalar,
    count: scalar ? 1 : (((raw >>> 30) & 1) ? 16 : 8) >> size, sign: 1n << (bits - 1n), ones: (1n << bits) - 1n,
  };
}

/** FMULX: FMUL except that zero times infinity is 2.0 with the sign of the product. */
function mulxBits(cpu: A64Cpu, x: bigint, y: bigint, s: Shape): bigint {
  const nan = processNaNs(cpu, s.double, [x, y]);
  if (nan !== undefined) return nan;
  const a = bitsToValue(x, s.double), b = bitsToValue(y, s.double);
  if ((a === 0 && !Number.isFinite(b)) || (b === 0 && !Number.isFinite(a))) return valueBits(2, s.double) | ((x ^ y) & s.sign);
  return binaryBits(cpu, 0, x, y, s.double);
}

/** Pairwise and across-lanes operations, and ADDP (scalar). */
export function fpPairwise(cpu: A64Cpu, raw: number): void {
  const s = shape(raw);
  if (s.scalar && ((raw >>> 29) & 1) === 0) { // addp d, v.2d
    const [a, b] = lanes(cpu, s.n, 3, 2);
    setLanes(cpu, s.d, 3, [asUint(64, a! + b!)]);
    return;
  }
  const min = (raw >>> 23) & 1;
  const threeSame = ((raw >>> 10) & 1) === 1;
  const opc = threeSame ? (raw >>> 11) & 31 : (raw >>> 12) & 31;
  const kind = opc === 0x1a || opc === 0x0d ? 2 : opc === 0x18 || opc === 0x0c ? 6 + min : 4 + min; // add, max/minnm, max/min
  const op = (x: bigint, y: bigint): bigint => binaryBits(cpu, kind, x, y, s.double);
  if (s.scalar) {
    const [a, b] = lanes(cpu, s.n, s.size, 2);
    setLanes(cpu, s.d, s.size, [op(a!, b!)]);
  } else if (threeSame) {
    const all = [...lanes(cpu, s.n, s.size, s.count), ...lanes(cpu, s.m, s.size, s.count)];
    setLanes(cpu, s.d, s.size, Array.from({ length: s.count }, (_, i) => op(all[2 * i]!, all[2 * i + 1]!)));
  } else {
    const reduce = (v: bigint[]): bigint => (v.length === 1 ? v[0]! : op(reduce(v.slice(0, v.length / 2)), reduce(v.slice(v.length / 2))));
    setLanes(cpu, s.d, 2, [reduce(lanes(cpu, s.n, 2, 4))]);
  }
}

/** FMLA, FMLS, FMUL, FMULX by element, vector and scalar. */
export function fpByElement(cpu: A64Cpu, raw: number): void {
  const s = shape(raw);
  const { m, index } = fpElement(raw);
  const e = lanes(cpu, m, s.size, 16 >> s.size)[index]!;
  const acc = lanes(cpu, s.d, s.size, s.count);
  const opc = ((raw >>> 12) & 15) | (((raw >>> 29) & 1) << 4);
  setLanes(cpu, s.d, s.size, lanes(cpu, s.n, s.size, s.count).map((x, i) => {
    switch (opc) {
      case 0x1: return fusedBits(cpu, x, e, acc[i]!, s.double);
      case 0x5: return fusedBits(cpu, x ^ s.sign, e, acc[i]!, s.double);
      case 0x9: return binaryBits(cpu, 0, x, e, s.double);
      default: return mulxBits(cpu, x, e, s); // 0x19 fmulx
    }
  }));
}

/** FMULX (three same), FP two-register miscellaneous (FRINT*, FCVT*, SCVTF/UCVTF, FCM* #0.0), FCVTL/FCVTN. */
export function fpMisc(cpu: A64Cpu, raw: number): void {
  const s = shape(raw);
  if ((raw >>> 10) & 1) {
    const b = lanes(cpu, s.m, s.size, s.count);
    setLanes(cpu, s.d, s.size, lanes(cpu, s.n, s.size, s.count).map((x, i) => mulxBits(cpu, x, b[i]!, s)));
    return;
  }
  const q = (raw >>> 30) & 1;
  const opc = (raw >>> 12) & 31;
  if (opc === 0x16) { // fcvtn{2}: double lanes to the lower or upper half of Vd
    const narrow = lanes(cpu, s.n, 3, 2).map((x) => convertPrecision(cpu, x, true));
    setLanes(cpu, s.d, 2, q ? [...lanes(cpu, s.d, 2, 2), ...narrow] : narrow);
    return;
  }
  if (opc === 0x17) { // fcvtl{2}: single lanes of the lower or upper half to double
    setLanes(cpu, s.d, 3, lanes(cpu, s.n, 2, 4).slice(2 * q, 2 * q + 2).map((x) => convertPrecision(cpu, x, false)));
    return;
  }
  const key = (((raw >>> 29) & 1) << 6) | (((raw >>> 23) & 1) << 5) | opc;
  const width = s.double ? 64 : 32;
  const rmode = (cpu.fpcr >>> 22) & 3;
  const mask = (t: boolean): bigint => (t ? s.ones : 0n);
  const round = (x: bigint, mode: number, exact = false): bigint => roundIntegralBits(cpu, x, mode, s.double, exact);
  setLanes(cpu, s.d, s.size, lanes(cpu, s.n, s.size, s.count).map((x) => {
    const v = bitsToValue(x, s.double);
    if (opc >= 0x0c && opc <= 0x0e) compareNaNFlags(cpu, x, 0n, s.double, key !== 0x2d);
    switch (key) {
      case 0x18: return round(x, 0); // frintn
      case 0x19: return round(x, 2); // frintm
      case 0x38: return round(x, 1); // frintp
      case 0x39: return round(x, 3); // frintz
      case 0x58: return round(x, 4); // frinta
      case 0x59: return round(x, rmode, true); // frintx
      case 0x79: return round(x, rmode); // frinti
      case 0x2c: return mask(v > 0); // fcmgt #0.0
      case 0x2d: return mask(v === 0); // fcmeq #0.0
      case 0x2e: return mask(v < 0); // fcmlt #0.0
      case 0x6c: return mask(v >= 0); // fcmge #0.0
      case 0x6d: return mask(v <= 0); // fcmle #0.0
      case 0x1d: return fromInteger(cpu, BigInt.asIntN(width, x), s.double); // scvtf
      case 0x5d: return fromInteger(cpu, x, s.double); // ucvtf
      default: { // fcvt[nmapz][su]: opcode 11010 n/p, 11011 m/z, 11100 a; a selects p/z
        const mode = opc === 0x1c ? 4 : (opc - 0x1a) * 2 + ((key >>> 5) & 1);
        return toInteger(cpu, v, mode, ((key >>> 6) & 1) === 1, width);
      }
    }
  }));
}

/** MOV (scalar): element imm5 of Vn into element 0 of Vd, the rest cleared. */
export function dupScalar(cpu: A64Cpu, raw: number): void {
  const imm5 = (raw >>> 16) & 31;
  const size = imm5 & 1 ? 0 : imm5 & 2 ? 1 : imm5 & 4 ? 2 : 3;
  const src = ((raw >>> 5) & 31) * 16 + (imm5 >>> (size + 1)) * (1 << size);
  permuteBytes(cpu, raw & 31, 1 << size, (j) => src + j);
}
