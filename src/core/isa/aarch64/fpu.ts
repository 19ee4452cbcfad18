/**
 * Scalar floating point of the A64 CPU (single and double precision) and the FP/SIMD register file's
 * loads and stores, on the V0..V31 registers in the CPU's shared region. Arithmetic is IEEE 754 with
 * round-to-nearest-even, Arm's NaN rules (signalling before quiet, first operand first, FPCR.DN for the
 * default NaN), FMAX/FMIN/FMAXNM/FMINNM zero and NaN cases, fused multiply-add rounded once (exact
 * bigint arithmetic), saturating conversions to integers in every rounding mode, and FRINT*.
 * Writing an S or D register clears the rest of its V register, as the architecture does.
 * The FPSR cumulative exception flags IOC, DZC, OFC, UFC (tininess detected before rounding, as Arm
 * does) and IXC are raised by arithmetic, conversions, compares and FRINTX; half-precision values are
 * converted to and from single and double precision (FCVT, IEEE format; FPCR.AHP's alternative format
 * is not), and fixed-point conversions take an fbits scale.
 * Left out: FPCR rounding modes other than nearest for arithmetic (FRINTX/FRINTI and conversions do
 * follow FPCR.RMode), flush-to-zero (FPCR.FZ, and so FPSR.IDC), trapped exceptions (FPCR enable bits
 * read as zero). The lane helpers (binaryBits, fusedBits, sqrtBits, valueBits, toInteger) also serve
 * the vector forms in simd-fp*.ts.
 */
import type { A64Cpu } from './cpu';
import { fpImmediate } from './disassembler';
import { conditionHolds } from './alu';
import { load, store } from './memory';
import { baseAddress, writeBack } from './load-store';
import { asUint } from './uint';

const F32_QNAN = 0x7fc0_0000;

/** FPSR cumulative exception flags (bits 0..4). */
export const FpExc = { IOC: 1, DZC: 2, OFC: 4, UFC: 8, IXC: 16 } as const;

/** Exact value of a finite double as mantissa * 2^exponent (mantissa a signed bigint). */
function decompose(v: number): [bigint, number] {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, v);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const exp = (hi >>> 20) & 0x7ff;
  let m = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (exp !== 0) m |= 1n << 52n;
  const e = (exp === 0 ? 1 : exp) - 1075;
  return [hi >>> 31 ? -m : m, e];
}

function bitLength(v: bigint): number {
  return v === 0n ? 0 : v.toString(2).length;
}

/** Sign of |m1 * 2^e1| - |m2 * 2^e2| (exact). */
function compareMagnitude(m1: bigint, e1: number, m2: bigint, e2: number): number {
  let a = m1 < 0n ? -m1 : m1;
  let b = m2 < 0n ? -m2 : m2;
  if (e1 > e2) a <<= BigInt(e1 - e2);
  else b <<= BigInt(e2 - e1);
  return a === b ? 0 : a > b ? 1 : -1;
}

/**
 * Flags of a rounded result `r` whose exact value is m * 2^e (finite operands): OFC and IXC when it
 * overflowed to infinity, IXC when it differs from the exact value, and UFC as well when the exact
 * value is below the smallest normal number (tininess before rounding).
 */
export function roundingFlags(m: bigint, e: number, r: number, double: boolean): number {
  if (!Number.isFinite(r)) return FpExc.OFC | FpExc.IXC;
  const [rm, re] = decompose(r);
  if ((m < 0n) === (rm < 0n) && compareMagnitude(m, e, rm, re) === 0) return 0;
  if (m === 0n) return 0;
  return compareMagnitude(m, e, 1n, double ? -1022 : -126) < 0 ? FpExc.IXC | FpExc.UFC : FpExc.IXC;
}

/** Rounds mantissa * 2^exponent to the nearest double (single: float) value, ties to even. */
export function roundExact(mantissa: bigint, exponent: number, single: boolean): number {
  if (mantissa === 0n) return 0;
  const negative = mantissa < 0n;
  let m = negative ? -mantissa : mantissa;
  let e = exponent;
  const precision = single ? 24 : 53;
  const minExp = single ? -126 : -1022;
  const msb = e + bitLength(m) - 1;
  const lsb = Math.max(msb - precision + 1, minExp - precision + 1);
  if (lsb > e) {
    const shift = BigInt(lsb - e);
    const rest = m & ((1n << shift) - 1n);
    const half = 1n << (shift - 1n);
    m >>= shift;
    if (rest > half || (rest === half && (m & 1n) === 1n)) m += 1n;
    e = lsb;
  }
  // m has at most `precision` bits (or one more after a carry, still exact in a double).
  let value = Number(m) * 2 ** Math.max(e, -1000);
  if (e < -1000) value *= 2 ** (e + 1000);
  if (single) value = Math.fround(value);
  return negative ? -value : value;
}

// ------------------------------------------------------------------ register file access

/** Bits of Sn (number) or Dn (bigint) as stored. */
function readBits(cpu: A64Cpu, n: number, double: boolean): bigint {
  const w = cpu.vI32;
  return double ? (BigInt(w[n * 4 + 1]! >>> 0) << 32n) | BigInt(w[n * 4]! >>> 0) : BigInt(w[n * 4]! >>> 0);
}

function writeBits(cpu: A64Cpu, n: number, double: boolean, bits: bigint): void {
  const w = cpu.vI32;
  w[n * 4] = Number(BigInt.asIntN(32, bits));
  w[n * 4 + 1] = double ? Number(BigInt.asIntN(32, bits >> 32n)) : 0;
  w[n * 4 + 2] = 0;
  w[n * 4 + 3] = 0;
}

function readValue(cpu: A64Cpu, n: number, double: boolean): number {
  return double ? cpu.vF64[n * 2]! : cpu.vF32[n * 4]!;
}

function writeValue(cpu: A64Cpu, n: number, double: boolean, v: number): void {
  if (Number.isNaN(v)) {
    writeBits(cpu, n, double, double ? 0x7ff8_0000_0000_0000n : BigInt(F32_QNAN));
    return;
  }
  const w = cpu.vI32;
  if (double) cpu.vF64[n * 2] = v;
  else {
    cpu.vF32[n * 4] = v;
    w[n * 4 + 1] = 0;
  }
  w[n * 4 + 2] = 0;
  w[n * 4 + 3] = 0;
}

export function isNaNBits(bits: bigint, double: boolean): boolean {
  return double ? (bits & 0x7fff_ffff_ffff_ffffn) > 0x7ff0_0000_0000_0000n : (bits & 0x7fff_ffffn) > 0x7f80_0000n;
}

function isSignalling(bits: bigint, double: boolean): boolean {
  return isNaNBits(bits, double) && (bits & (double ? 1n << 51n : 1n << 22n)) === 0n;
}

export function defaultNaN(double: boolean): bigint {
  return double ? 0x7ff8_0000_0000_0000n : BigInt(F32_QNAN);
}

/** FPProcessNaNs over operands in priority order: the NaN result's bits, or undefined if none is a NaN. */
export function processNaNs(cpu: A64Cpu, double: boolean, ops: readonly bigint[]): bigint | undefined {
  const quiet = double ? 1n << 51n : 1n << 22n;
  const dn = (cpu.fpcr & (1 << 25)) !== 0;
  for (const b of ops) {
    if (isSignalling(b, double)) {
      cpu.fpsr |= FpExc.IOC;
      return dn ? defaultNaN(double) : b | quiet;
    }
  }
  for (const b of ops) if (isNaNBits(b, double)) return dn ? defaultNaN(double) : b;
  return undefined;
}

export function bitsToValue(bits: bigint, double: boolean): number {
  const view = new DataView(new ArrayBuffer(8));
  if (double) {
    view.setBigUint64(0, bits);
    return view.getFloat64(0);
  }
  view.setUint32(0, Number(bits));
  return view.getFloat32(0);
}

// ------------------------------------------------------------------ arithmetic

export function roundToIntegral(v: number, mode: number): number {
  if (!Number.isFinite(v)) return v;
  let r: number;
  switch (mode) {
    case 0: { // nearest, ties to even
      r = Math.round(v);
      if (Math.abs(v - Math.trunc(v)) === 0.5) r = 2 * Math.round(v / 2);
      break;
    }
    case 1: r = Math.ceil(v); break;
    case 2: r = Math.floor(v); break;
    case 3: r = Math.trunc(v); break;
    default: r = v < 0 ? -Math.round(-v) : Math.round(v); break; // ties away from zero
  }
  return r === 0 ? (v < 0 || Object.is(v, -0) ? -0 : 0) : r;
}

/** Exception flags of the last fusedMultiplyAdd (finite operands: rounding only). */
let fusedFlags = 0;

/** Fused multiply-add (n * m + a) * 2^scale, rounded once (scale is 0 but for FRSQRTS). */
function fusedMultiplyAdd(n: number, m: number, a: number, double: boolean, scale = 0): number {
  const product = n * m;
  fusedFlags = 0;
  if (!Number.isFinite(n) || !Number.isFinite(m) || !Number.isFinite(a)) return product + a;
  if (n === 0 || m === 0) {
    return a === 0 ? (Object.is(product, -0) && Object.is(a, -0) ? -0 : 0) : a * 2 ** scale;
  }
  const [mn, en] = decompose(n);
  const [mm, em] = decompose(m);
  const [ma, ea] = decompose(a);
  let pm = mn * mm;
  let pe = en + em;
  let am = ma;
  let ae = ea;
  if (pe > ae) {
    pm <<= BigInt(pe - ae);
    pe = ae;
  } else {
    am <<= BigInt(ae - pe);
    ae = pe;
  }
  const sum = pm + am;
  if (sum === 0n) return 0;
  const r = roundExact(sum, pe + scale, !double);
  fusedFlags = roundingFlags(sum, pe + scale, r, double);
  return r;
}

/** IOC, DZC, OFC, UFC, IXC of FMUL FDIV FADD FSUB FNMUL (opc 0..3, 8) on non-NaN operands with result r. */
function arithmeticFlags(opc: number, n: number, m: number, r: number, double: boolean): number {
  if (Number.isNaN(r)) return FpExc.IOC; // inf - inf, 0 * inf, 0 / 0, inf / inf
  if (opc === 1 && m === 0) return Number.isFinite(n) ? FpExc.DZC : 0;
  if (!Number.isFinite(n) || !Number.isFinite(m)) return 0;
  if (!Number.isFinite(r)) return FpExc.OFC | FpExc.IXC;
  // Fast paths without bigints. Sums: TwoSum's error term is exact, and a sum never underflows
  // inexactly. Single precision: products and quotients checked in double arithmetic, where the
  // product of two singles is exact.
  if (opc === 2 || opc === 3) {
    const b = opc === 3 ? -m : m;
    const s = n + b;
    const bb = s - n;
    const exact = (n - (s - bb)) + (b - bb) === 0 && (double || Math.fround(s) === s);
    return exact ? 0 : FpExc.IXC;
  }
  if (!double) {
    const tiny = 2 ** -126;
    if (opc === 1) {
      if (n === 0) return 0;
      if (r * m === n) return 0;
      return Math.abs(n) < Math.abs(m) * tiny ? FpExc.IXC | FpExc.UFC : FpExc.IXC;
    }
    const p = n * m; // exact
    if ((opc === 8 ? -r : r) === p) return 0;
    return Math.abs(p) < tiny ? FpExc.IXC | FpExc.UFC : FpExc.IXC;
  }
  const [mn, en] = decompose(n);
  const [mm, em] = decompose(m);
  if (opc === 1) {
    if (n === 0) return 0;
    // Exact iff r * m == n; tiny iff |n| < 2^emin * |m|.
    const [mr, er] = decompose(r);
    const exact = r !== 0 && (mr < 0n) === ((mn < 0n) !== (mm < 0n)) && compareMagnitude(mr * mm, er + em, mn, en) === 0;
    if (exact) return 0;
    return compareMagnitude(mn, en, mm, em - 1022) < 0 ? FpExc.IXC | FpExc.UFC : FpExc.IXC;
  }
  return roundingFlags(mn * mm, en + em, opc === 8 ? -r : r, double); // fmul fnmul
}

function binary(op: number, n: number, m: number, double: boolean): number {
  const r = (v: number): number => (double ? v : Math.fround(v));
  switch (op) {
    case 0: return r(n * m);
    case 1: return r(n / m);
    case 2: return r(n + m);
    case 3: return r(n - m);
    case 4: case 6: return Math.max(n, m);
    case 5: case 7: return Math.min(n, m);
    default: return -r(n * m);
  }
}

/** FCMP flags: unordered 0011, equal 0110, less 1000, greater 0010 (NZCV in bits 31..28). */
function compareFlags(n: number, m: number): number {
  if (Number.isNaN(n) || Number.isNaN(m)) return 0x3000_0000;
  if (n === m) return 0x6000_0000;
  return n < m ? 0x8000_0000 | 0 : 0x2000_0000;
}

/**
 * FCVT* to a signed or unsigned integer of `width` bits, saturating (IOC) with NaN giving 0 (IOC);
 * a value that was rounded raises IXC. `fbits` scales by 2^fbits first (fixed-point forms).
 */
export function toInteger(cpu: A64Cpu, v: number, mode: number, unsigned: boolean, width: number, fbits = 0): bigint {
  if (Number.isNaN(v)) {
    cpu.fpsr |= FpExc.IOC;
    return 0n;
  }
  const min = unsigned ? 0n : -(1n << BigInt(width - 1));
  const max = unsigned ? (1n << BigInt(width)) - 1n : (1n << BigInt(width - 1)) - 1n;
  if (!Number.isFinite(v)) {
    cpu.fpsr |= FpExc.IOC;
    return asUint(width, v > 0 ? max : min);
  }
  const scaled = fbits ? v * 2 ** fbits : v; // exact unless it overflows: a power-of-two scale (fbits <= 64)
  if (!Number.isFinite(scaled)) {
    cpu.fpsr |= FpExc.IOC;
    return asUint(width, v > 0 ? max : min);
  }
  const rounded = roundToIntegral(scaled, mode);
  let r = BigInt(rounded);
  if (r < min || r > max) {
    cpu.fpsr |= FpExc.IOC;
    r = r < min ? min : max;
  } else if (rounded !== scaled) cpu.fpsr |= FpExc.IXC;
  return asUint(width, r);
}

/** SCVTF/UCVTF: the integer `value` / 2^fbits rounded to single or double precision (IXC when inexact). */
export function fromInteger(cpu: A64Cpu, value: bigint, double: boolean, fbits = 0): bigint {
  const r = roundExact(value, -fbits, !double);
  const flags = roundingFlags(value, -fbits, r, double);
  if (flags) cpu.fpsr |= flags;
  return valueBits(r, double);
}

/** FRINT* on operand bits: `exact` (FRINTX) raises IXC when the value changes; NaN rules included. */
export function roundIntegralBits(cpu: A64Cpu, bits: bigint, mode: number, double: boolean, exact: boolean): bigint {
  const nan = processNaNs(cpu, double, [bits]);
  if (nan !== undefined) return nan;
  const v = bitsToValue(bits, double);
  const r = roundToIntegral(v, mode);
  if (exact && r !== v) cpu.fpsr |= FpExc.IXC;
  return valueBits(r, double);
}

/** FCMP/FCMPE and the vector compares: IOC for a signalling NaN, or for any NaN when `signalling`. */
export function compareNaNFlags(cpu: A64Cpu, a: bigint, b: bigint, double: boolean, signalling: boolean): void {
  if (signalling ? isNaNBits(a, double) || isNaNBits(b, double) : isSignalling(a, double) || isSignalling(b, double)) cpu.fpsr |= FpExc.IOC;
}

/** Bits of a result value; a NaN result (from operands that were not NaNs) is the default NaN. */
export function valueBits(v: number, double: boolean): bigint {
  if (Number.isNaN(v)) return defaultNaN(double);
  const view = new DataView(new ArrayBuffer(8));
  if (double) {
    view.setFloat64(0, v);
    return view.getBigUint64(0);
  }
  view.setFloat32(0, v);
  return BigInt(view.getUint32(0));
}

/** FMUL FDIV FADD FSUB FMAX FMIN FMAXNM FMINNM FNMUL (opc 0..8) on operand bits, with Arm's NaN rules. */
export function binaryBits(cpu: A64Cpu, opc: number, bn: bigint, bm: bigint, double: boolean): bigint {
  if (opc === 6 || opc === 7) {
    // NM forms: a quiet NaN loses against a number.
    const qn = isNaNBits(bn, double) && !isSignalling(bn, double);
    const qm = isNaNBits(bm, double) && !isSignalling(bm, double);
    if (qn && !isNaNBits(bm, double)) return bm;
    if (qm && !isNaNBits(bn, double)) return bn;
  }
  const nan = processNaNs(cpu, double, [bn, bm]);
  if (nan !== undefined) return opc === 8 ? nan ^ (double ? 1n << 63n : 1n << 31n) : nan; // FNMUL negates whatever FMUL gives
  const n = bitsToValue(bn, double), m = bitsToValue(bm, double);
  const r = binary(opc, n, m, double);
  if (opc < 4 || opc === 8) {
    const flags = arithmeticFlags(opc, n, m, r, double);
    if (flags) cpu.fpsr |= flags;
  }
  return valueBits(r, double);
}

/** ba + bn * bm rounded once (FPMulAdd), NaN rules included; negations are applied by the caller. */
export function fusedBits(cpu: A64Cpu, bn: bigint, bm: bigint, ba: bigint, double: boolean): bigint {
  const vn = bitsToValue(bn, double), vm = bitsToValue(bm, double), va = bitsToValue(ba, double);
  const invalidProduct = (vn === 0 && !Number.isFinite(vm) && !Number.isNaN(vm)) || (vm === 0 && !Number.isFinite(vn) && !Number.isNaN(vn));
  const nan = processNaNs(cpu, double, [ba, bn, bm]);
  if (nan !== undefined) {
    if (isNaNBits(ba, double) && !isSignalling(ba, double) && invalidProduct) {
      cpu.fpsr |= FpExc.IOC;
      return defaultNaN(double);
    }
    return nan;
  }
  const r = fusedMultiplyAdd(vn, vm, va, double);
  if (Number.isNaN(r)) cpu.fpsr |= FpExc.IOC;
  else if (fusedFlags) cpu.fpsr |= fusedFlags;
  return valueBits(r, double);
}

/**
 * FRECPS (2 - n * m) and FRSQRTS ((3 - n * m) / 2), fused, on operand bits: infinity times zero gives
 * 2.0 or 1.5 exactly, NaNs propagate with the first operand negated (FPRecipStepFused, FPRSqrtStepFused).
 */
export function recipStepBits(cpu: A64Cpu, bn: bigint, bm: bigint, double: boolean, sqrt: boolean): bigint {
  const sign = double ? 1n << 63n : 1n << 31n;
  const negN = bn ^ sign;
  const nan = processNaNs(cpu, double, [negN, bm]);
  if (nan !== undefined) return nan;
  const vn = bitsToValue(negN, double), vm = bitsToValue(bm, double);
  const infN = !Number.isFinite(vn), infM = !Number.isFinite(vm);
  if ((infN && vm === 0) || (vn === 0 && infM)) return valueBits(sqrt ? 1.5 : 2, double);
  if (infN || infM) return ((negN ^ bm) & sign) | (double ? 0x7ff0_0000_0000_0000n : 0x7f80_0000n);
  const r = fusedMultiplyAdd(vn, vm, sqrt ? 3 : 2, double, sqrt ? -1 : 0);
  if (fusedFlags) cpu.fpsr |= fusedFlags;
  return valueBits(r, double);
}

/** FSQRT on operand bits. */
export function sqrtBits(cpu: A64Cpu, bits: bigint, double: boolean): bigint {
  const nan = processNaNs(cpu, double, [bits]);
  if (nan !== undefined) return nan;
  const a = bitsToValue(bits, double);
  const v = double ? Math.sqrt(a) : Math.fround(Math.sqrt(a));
  if (Number.isNaN(v)) cpu.fpsr |= FpExc.IOC;
  else if (Number.isFinite(v) && v !== 0) {
    const [mr, er] = decompose(v);
    const [ma, ea] = decompose(a);
    if (compareMagnitude(mr * mr, 2 * er, ma, ea) !== 0) cpu.fpsr |= FpExc.IXC;
  }
  return valueBits(v, double);
}

/** FCVT between single and double precision on operand bits (`double`: the source is double); NaNs keep sign and payload top bits. */
export function convertPrecision(cpu: A64Cpu, bits: bigint, double: boolean): bigint {
  if (isNaNBits(bits, double)) {
    if (isSignalling(bits, double)) cpu.fpsr |= FpExc.IOC;
    if ((cpu.fpcr & (1 << 25)) !== 0) return defaultNaN(!double);
    const sign = double ? bits >> 63n : bits >> 31n;
    const payload = double ? (bits >> 29n) & 0x3f_ffffn : (bits & 0x3f_ffffn) << 29n;
    return double ? (sign << 31n) | 0x7fc0_0000n | payload : (sign << 63n) | 0x7ff8_0000_0000_0000n | payload;
  }
  const v = bitsToValue(bits, double);
  if (!double) return valueBits(v, true);
  const r = Math.fround(v);
  if (Number.isFinite(v) && v !== 0) {
    const [m, e] = decompose(v);
    const flags = roundingFlags(m, e, r, false);
    if (flags) cpu.fpsr |= flags;
  }
  return valueBits(r, false);
}

/** Executes one scalar FP operation (ops 130..141 of instructions.ts). */
export function executeFloat(cpu: A64Cpu, op: number, raw: number): void {
  const double = ((raw >>> 22) & 3) === 1;
  const d = raw & 31;
  const n = (raw >>> 5) & 31;
  const m = (raw >>> 16) & 31;
  switch (op) {
    case 130: { // fmov fabs fneg fsqrt frint*
      const opc = (raw >>> 15) & 63;
      const bits = readBits(cpu, n, double);
      const sign = double ? 1n << 63n : 1n << 31n;
      if (opc <= 2) {
        writeBits(cpu, d, double, opc === 0 ? bits : opc === 1 ? bits & ~sign : bits ^ sign);
        return;
      }
      if (opc === 3) return writeBits(cpu, d, double, sqrtBits(cpu, bits, double));
      const mode = opc === 14 || opc === 15 ? cpu.fpcr >>> 22 & 3 : [0, 1, 2, 3, 4][opc - 8]!;
      return writeBits(cpu, d, double, roundIntegralBits(cpu, bits, mode, double, opc === 14));
    }
    case 131: { // fcvt between single and double
      return writeBits(cpu, d, !double, convertPrecision(cpu, readBits(cpu, n, double), double));
    }
    case 132: { // fmul fdiv fadd fsub fmax fmin fmaxnm fminnm fnmul
      writeBits(cpu, d, double, binaryBits(cpu, (raw >>> 12) & 15, readBits(cpu, n, double), readBits(cpu, m, double), double));
      return;
    }
    case 133: { // fmadd fmsub fnmadd fnmsub: a + n*m with n and/or a negated
      const a = (raw >>> 10) & 31;
      const sign = double ? 1n << 63n : 1n << 31n;
      // o1 (bit 21) negates the addend; FMSUB and FNMADD (o1 != o0) negate the product.
      const negAddend = ((raw >>> 21) & 1) === 1;
      const negProduct = (((raw >>> 21) ^ (raw >>> 15)) & 1) === 1;
      const bn = readBits(cpu, n, double) ^ (negProduct ? sign : 0n);
      const bm = readBits(cpu, m, double);
      const ba = readBits(cpu, a, double) ^ (negAddend ? sign : 0n);
      writeBits(cpu, d, double, fusedBits(cpu, bn, bm, ba, double));
      return;
    }
    case 134: { // fcmp fcmpe (with zero when bit 3 of opc2 is set)
      const bm = raw & 8 ? 0n : readBits(cpu, m, double);
      compareNaNFlags(cpu, readBits(cpu, n, double), bm, double, (raw & 16) !== 0);
      cpu.nzcv = compareFlags(readValue(cpu, n, double), bitsToValue(bm, double));
      return;
    }
    case 135: // fccmp fccmpe
      if (!conditionHolds((raw >>> 12) & 15, cpu.nzcv)) {
        cpu.nzcv = (raw & 15) << 28;
        return;
      }
      compareNaNFlags(cpu, readBits(cpu, n, double), readBits(cpu, m, double), double, (raw & 16) !== 0);
      cpu.nzcv = compareFlags(readValue(cpu, n, double), readValue(cpu, m, double));
      return;
    case 136: // fcsel
      writeBits(cpu, d, double, readBits(cpu, conditionHolds((raw >>> 12) & 15, cpu.nzcv) ? n : m, double));
      return;
    case 137: // fmov (immediate)
      writeValue(cpu, d, double, fpImmediate((raw >>> 13) & 0xff));
      return;
    case 138: { // fcvt[nazpm][su]
      const rmode = (raw >>> 19) & 3;
      const opc = (raw >>> 16) & 7;
      const mode = rmode === 0 ? (opc >= 4 ? 4 : 0) : rmode;
      const width = raw < 0 ? 64 : 32;
      cpu.setX(d, toInteger(cpu, readValue(cpu, n, double), mode, (opc & 1) === 1, width));
      return;
    }
    case 139: { // scvtf ucvtf
      const width = raw < 0 ? 64 : 32;
      const x = asUint(width, cpu.getX(n));
      const value = ((raw >>> 16) & 1) === 1 ? x : BigInt.asIntN(width, x);
      writeBits(cpu, d, double, fromInteger(cpu, value, double));
      return;
    }
    case 140: // fmov to a general register
      cpu.setX(d, readBits(cpu, n, double));
      return;
    default: // 141: fmov from a general register
      writeBits(cpu, d, double, double ? cpu.getX(n) : cpu.getX(n) & 0xffff_ffffn);
  }
}

/** Log2 of the access size of a single FP/SIMD register load/store: B H S D by size, Q by opc bit 1. */
function fpScale(raw: number): number {
  return (raw >>> 23) & 1 ? 4 : raw >>> 30;
}

function transferV(cpu: A64Cpu, t: number, scale: number, isLoad: boolean, lo: number, hi: number): void {
  const w = cpu.vI32;
  const el = cpu.el;
  if (isLoad) {
    const words = [0, 0, 0, 0];
    if (scale <= 3) {
      words[0] = load(cpu, lo, hi, (1 << scale) as 1 | 2 | 4 | 8, el);
      if (scale === 3) words[1] = cpu.tmpHi;
    } else {
      words[0] = load(cpu, lo, hi, 8, el);
      words[1] = cpu.tmpHi;
      const s = (lo >>> 0) + 8;
      words[2] = load(cpu, s | 0, (hi + (s >= 4294967296 ? 1 : 0)) | 0, 8, el);
      words[3] = cpu.tmpHi;
    }
    for (let i = 0; i < 4; i++) w[t * 4 + i] = words[i]!;
    return;
  }
  if (scale <= 3) {
    store(cpu, lo, hi, (1 << scale) as 1 | 2 | 4 | 8, w[t * 4]!, w[t * 4 + 1]!, el);
    return;
  }
  // Two 64-bit accesses: the architecture does not make a 128-bit store single-copy atomic, and a
  // fault on the second half may leave the first written.
  const s = (lo >>> 0) + 8;
  const hi2 = (hi + (s >= 4294967296 ? 1 : 0)) | 0;
  store(cpu, lo, hi, 8, w[t * 4]!, w[t * 4 + 1]!, el);
  store(cpu, s | 0, hi2, 8, w[t * 4 + 2]!, w[t * 4 + 3]!, el);
}

/** Whether CPACR_EL1.FPEN traps FP/SIMD at the current EL (EL0 needs 0b11, EL1 needs bit 20). */
export function floatTrapped(cpu: A64Cpu): boolean {
  return !fpEnabled(cpu.sys.cpacr, cpu.el);
}

/** Whether CPACR_EL1.FPEN lets FP/SIMD run at `el` (0 or 1) without trapping. */
export function fpEnabled(cpacr: bigint, el: number): boolean {
  const fpen = Number((cpacr >> 20n) & 3n);
  return el === 0 ? fpen === 3 : (fpen & 1) === 1;
}

/** LDR/STR of B/H/S/D/Q registers in every addressing mode (op 142), literal loads (op 144), pairs (op 143). */
export function loadStoreFloat(cpu: A64Cpu, op: number, raw: number, pcLo: number, pcHi: number): void {
  const t = raw & 31;
  const n = (raw >>> 5) & 31;
  if (op === 144) {
    const off = ((raw << 8) >> 13) * 4;
    const s = (pcLo >>> 0) + off;
    transferV(cpu, t, 2 + (raw >>> 30), true, s | 0, (pcHi + (s >= 4294967296 ? 1 : s < 0 ? -1 : 0)) | 0);
    return;
  }
  if (op === 143) {
    const scale = 2 + (raw >>> 30);
    const type = (raw >>> 23) & 3;
    const off = ((raw << 10) >> 25) << scale;
    const lo = baseAddress(cpu, n, type === 1 ? 0 : off);
    const hi = cpu.tmpHi;
    const isLoad = ((raw >>> 22) & 1) === 1;
    transferV(cpu, t, scale, isLoad, lo, hi);
    const s = (lo >>> 0) + (1 << scale);
    transferV(cpu, (raw >>> 10) & 31, scale, isLoad, s | 0, (hi + (s >= 4294967296 ? 1 : 0)) | 0);
    if (type === 1) writeBack(cpu, n, baseAddress(cpu, n, off), cpu.tmpHi);
    else if (type === 3) writeBack(cpu, n, lo, hi);
    return;
  }
  const scale = fpScale(raw);
  const isLoad = ((raw >>> 22) & 1) === 1;
  const simm9 = (raw << 11) >> 23;
  let lo: number;
  let mode = 'offset';
  if ((raw >>> 24) & 1) lo = baseAddress(cpu, n, ((raw >>> 10) & 0xfff) << scale);
  else if ((raw >>> 21) & 1) {
    const m = (raw >>> 16) & 31;
    const amount = (raw >>> 12) & 1 ? scale : 0;
    const option = (raw >>> 13) & 7;
    let v = cpu.getX(m);
    if (option === 2) v &= 0xffff_ffffn;
    else if (option === 6) v = asUint(64, BigInt.asIntN(32, v));
    const addr = asUint(64, (BigInt(cpu.x[n === 31 ? cpu.spIdx : n << 1]! >>> 0) | (BigInt(cpu.x[(n === 31 ? cpu.spIdx : n << 1) + 1]! >>> 0) << 32n)) + (v << BigInt(amount)));
    lo = Number(BigInt.asIntN(32, addr));
    cpu.tmpHi = Number(BigInt.asIntN(32, addr >> 32n));
  } else {
    const kind = (raw >>> 10) & 3;
    mode = ['offset', 'post', 'offset', 'pre'][kind]!;
    lo = baseAddress(cpu, n, kind === 1 ? 0 : simm9);
  }
  const hi = cpu.tmpHi;
  transferV(cpu, t, scale, isLoad, lo, hi);
  if (mode === 'post') writeBack(cpu, n, baseAddress(cpu, n, simm9), cpu.tmpHi);
  else if (mode === 'pre') writeBack(cpu, n, lo, hi);
}
