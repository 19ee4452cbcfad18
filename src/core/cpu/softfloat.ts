/**
 * Exact IEEE-754 binary32/binary64 arithmetic on raw bit patterns with BigInt significands: every
 * result is computed exactly (or with a sticky bit) and rounded once, in any of the five RISC-V
 * rounding modes, with the five exception flags (tininess detected after rounding, as RISC-V
 * specifies) and RISC-V NaN rules (canonical NaN results). This is the correct-but-slow path; the FPU
 * uses native doubles when it can prove the result and flags equal.
 *
 * Shared by the ISAs whose FPUs round and flag this way (moved from isa/riscv64 for LoongArch, which also
 * returns the default NaN 0x7fc00000 / 0x7ff8000000000000 and has the same four directed modes).
 */

export const Flag = { NX: 1, UF: 2, OF: 4, DZ: 8, NV: 16 } as const;
export const Rm = { RNE: 0, RTZ: 1, RDN: 2, RUP: 3, RMM: 4 } as const;

export interface FloatFormat {
  readonly bits: number;
  /** Precision including the hidden bit. */
  readonly p: number;
  readonly emin: number;
  readonly emax: number;
}

export const F32: FloatFormat = { bits: 32, p: 24, emin: -126, emax: 127 };
export const F64: FloatFormat = { bits: 64, p: 53, emin: -1022, emax: 1023 };

/** Flags raised by the operations since the caller last cleared it. */
export const fpStatus = { flags: 0 };

const big = BigInt;

export function canonicalNaN(f: FloatFormat): bigint {
  return f.bits === 32 ? 0x7fc00000n : 0x7ff8000000000000n;
}

function expMask(f: FloatFormat): bigint {
  return (1n << big(f.bits - f.p)) - 1n;
}
function fracMask(f: FloatFormat): bigint {
  return (1n << big(f.p - 1)) - 1n;
}

export function isNaN(f: FloatFormat, a: bigint): boolean {
  return ((a >> big(f.p - 1)) & expMask(f)) === expMask(f) && (a & fracMask(f)) !== 0n;
}
export function isSignaling(f: FloatFormat, a: bigint): boolean {
  return isNaN(f, a) && ((a >> big(f.p - 2)) & 1n) === 0n;
}
function isInf(f: FloatFormat, a: bigint): boolean {
  return ((a >> big(f.p - 1)) & expMask(f)) === expMask(f) && (a & fracMask(f)) === 0n;
}
function signOf(f: FloatFormat, a: bigint): number {
  return Number((a >> big(f.bits - 1)) & 1n);
}
function isZero(f: FloatFormat, a: bigint): boolean {
  return (a & ((1n << big(f.bits - 1)) - 1n)) === 0n;
}
function inf(f: FloatFormat, sign: number): bigint {
  return (big(sign) << big(f.bits - 1)) | (expMask(f) << big(f.p - 1));
}
function zero(f: FloatFormat, sign: number): bigint {
  return big(sign) << big(f.bits - 1);
}

interface Unpacked {
  sign: number;
  mant: bigint;
  exp: number;
}

/** value = (-1)^sign * mant * 2^exp for a finite encoding. */
function unpack(f: FloatFormat, a: bigint): Unpacked {
  const biased = Number((a >> big(f.p - 1)) & expMask(f));
  const frac = a & fracMask(f);
  const bias = f.emax;
  if (biased === 0) return { sign: signOf(f, a), mant: frac, exp: f.emin - (f.p - 1) };
  return { sign: signOf(f, a), mant: frac | (1n << big(f.p - 1)), exp: biased - bias - (f.p - 1) };
}

export function bitLength(v: bigint): number {
  return v === 0n ? 0 : v.toString(2).length;
}

function roundsUp(rm: number, sign: number, rem: bigint, half: bigint, sticky: boolean, odd: boolean): boolean {
  const inexact = rem !== 0n || sticky;
  switch (rm) {
    case Rm.RNE: return rem > half || (rem === half && (sticky || odd));
    case Rm.RTZ: return false;
    case Rm.RDN: return inexact && sign === 1;
    case Rm.RUP: return inexact && sign === 0;
    default: return rem >= half;
  }
}

/** Rounds mant * 2^shift away at `shift` bits: returns [rounded, inexact]. */
function roundShift(mant: bigint, shift: number, rm: number, sign: number, sticky: boolean): [bigint, boolean] {
  if (shift <= 0) return [mant << big(-shift), sticky];
  const s = big(shift);
  let m = mant >> s;
  const rem = mant & ((1n << s) - 1n);
  const half = 1n << (s - 1n);
  const inexact = rem !== 0n || sticky;
  if (roundsUp(rm, sign, rem, half, sticky, (m & 1n) === 1n)) m += 1n;
  return [m, inexact];
}

/**
 * Rounds (-1)^sign * (mant * 2^exp + a sticky bit below it) to format f. mant must carry at least
 * p + 1 significant bits whenever sticky is set.
 */
export function roundPack(f: FloatFormat, sign: number, mant: bigint, exp: number, sticky: boolean, rm: number): bigint {
  if (mant === 0n) return zero(f, sign);
  const len = bitLength(mant);
  const e = exp + len - 1;
  const qNormal = e - (f.p - 1);
  const q = e < f.emin ? f.emin - (f.p - 1) : qNormal;
  let [m, inexact] = roundShift(mant, q - exp, rm, sign, sticky);
  let quantum = q;
  if (m === 1n << big(f.p)) {
    m >>= 1n;
    quantum += 1;
  }
  if (e < f.emin && inexact) {
    const mu = roundShift(mant, qNormal - exp, rm, sign, sticky)[0];
    const eu = qNormal + bitLength(mu) - 1;
    if (eu < f.emin) fpStatus.flags |= Flag.UF;
  }
  if (m === 0n) {
    if (inexact) fpStatus.flags |= Flag.NX;
    return zero(f, sign);
  }
  const eFinal = quantum + bitLength(m) - 1;
  if (eFinal > f.emax) {
    fpStatus.flags |= Flag.OF | Flag.NX;
    const toInf = rm === Rm.RNE || rm === Rm.RMM || (rm === Rm.RUP && sign === 0) || (rm === Rm.RDN && sign === 1);
    if (toInf) return inf(f, sign);
    return (big(sign) << big(f.bits - 1)) | ((expMask(f) - 1n) << big(f.p - 1)) | fracMask(f);
  }
  if (inexact) fpStatus.flags |= Flag.NX;
  const signBit = big(sign) << big(f.bits - 1);
  if (m < 1n << big(f.p - 1)) return signBit | m;
  return signBit | (big(eFinal + f.emax) << big(f.p - 1)) | (m & fracMask(f));
}

function nanResult(f: FloatFormat, ...inputs: bigint[]): bigint {
  if (inputs.some((v) => isSignaling(f, v))) fpStatus.flags |= Flag.NV;
  return canonicalNaN(f);
}

function invalid(f: FloatFormat): bigint {
  fpStatus.flags |= Flag.NV;
  return canonicalNaN(f);
}

/** Exact sum of two unpacked values, rounded; zeroSign decides the sign of an exact zero. */
function addUnpacked(f: FloatFormat, a: Unpacked, b: Unpacked, rm: number): bigint {
  const e = Math.min(a.exp, b.exp);
  const va = (a.mant << big(a.exp - e)) * (a.sign ? -1n : 1n);
  const vb = (b.mant << big(b.exp - e)) * (b.sign ? -1n : 1n);
  const sum = va + vb;
  if (sum === 0n) {
    const bothZero = a.mant === 0n && b.mant === 0n;
    if (bothZero && a.sign === b.sign) return zero(f, a.sign);
    return zero(f, rm === Rm.RDN ? 1 : 0);
  }
  return roundPack(f, sum < 0n ? 1 : 0, sum < 0n ? -sum : sum, e, false, rm);
}

export function add(f: FloatFormat, a: bigint, b: bigint, rm: number): bigint {
  if (isNaN(f, a) || isNaN(f, b)) return nanResult(f, a, b);
  if (isInf(f, a) || isInf(f, b)) {
    if (isInf(f, a) && isInf(f, b) && signOf(f, a) !== signOf(f, b)) return invalid(f);
    return isInf(f, a) ? a : b;
  }
  return addUnpacked(f, unpack(f, a), unpack(f, b), rm);
}

export function negate(f: FloatFormat, a: bigint): bigint {
  return a ^ (1n << big(f.bits - 1));
}

export function mul(f: FloatFormat, a: bigint, b: bigint, rm: number): bigint {
  if (isNaN(f, a) || isNaN(f, b)) return nanResult(f, a, b);
  const sign = signOf(f, a) ^ signOf(f, b);
  if (isInf(f, a) || isInf(f, b)) {
    if (isZero(f, a) || isZero(f, b)) return invalid(f);
    return inf(f, sign);
  }
  const ua = unpack(f, a);
  const ub = unpack(f, b);
  return roundPack(f, sign, ua.mant * ub.mant, ua.exp + ub.exp, false, rm);
}

export function fma(f: FloatFormat, a: bigint, b: bigint, c: bigint, rm: number): bigint {
  const infTimesZero = (isInf(f, a) && isZero(f, b)) || (isZero(f, a) && isInf(f, b));
  if (isNaN(f, a) || isNaN(f, b) || isNaN(f, c)) {
    if (infTimesZero) fpStatus.flags |= Flag.NV;
    return nanResult(f, a, b, c);
  }
  if (infTimesZero) return invalid(f);
  const ps = signOf(f, a) ^ signOf(f, b);
  if (isInf(f, a) || isInf(f, b)) {
    if (isInf(f, c) && signOf(f, c) !== ps) return invalid(f);
    return inf(f, ps);
  }
  if (isInf(f, c)) return c;
  const ua = unpack(f, a);
  const ub = unpack(f, b);
  const product: Unpacked = { sign: ps, mant: ua.mant * ub.mant, exp: ua.exp + ub.exp };
  return addUnpacked(f, product, unpack(f, c), rm);
}

export function div(f: FloatFormat, a: bigint, b: bigint, rm: number): bigint {
  if (isNaN(f, a) || isNaN(f, b)) return nanResult(f, a, b);
  const sign = signOf(f, a) ^ signOf(f, b);
  if (isInf(f, a)) return isInf(f, b) ? invalid(f) : inf(f, sign);
  if (isInf(f, b)) return zero(f, sign);
  if (isZero(f, b)) {
    if (isZero(f, a)) return invalid(f);
    fpStatus.flags |= Flag.DZ;
    return inf(f, sign);
  }
  if (isZero(f, a)) return zero(f, sign);
  const ua = unpack(f, a);
  const ub = unpack(f, b);
  const k = Math.max(0, f.p + 3 + bitLength(ub.mant) - bitLength(ua.mant));
  const num = ua.mant << big(k);
  return roundPack(f, sign, num / ub.mant, ua.exp - ub.exp - k, num % ub.mant !== 0n, rm);
}

export function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = 1n << big((bitLength(n) + 1) >> 1);
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

export function sqrt(f: FloatFormat, a: bigint, rm: number): bigint {
  if (isNaN(f, a)) return nanResult(f, a);
  if (isZero(f, a)) return a;
  if (signOf(f, a) === 1) return invalid(f);
  if (isInf(f, a)) return a;
  let { mant, exp } = unpack(f, a);
  if (exp & 1) {
    mant <<= 1n;
    exp -= 1;
  }
  const k = Math.max(0, Math.ceil((2 * (f.p + 3) - bitLength(mant)) / 2));
  const n = mant << big(2 * k);
  const r = isqrt(n);
  return roundPack(f, 0, r, (exp - 2 * k) / 2, r * r !== n, rm);
}

export function convert(from: FloatFormat, to: FloatFormat, a: bigint, rm: number): bigint {
  if (isNaN(from, a)) {
    nanResult(from, a);
    return canonicalNaN(to);
  }
  const sign = signOf(from, a);
  if (isInf(from, a)) return inf(to, sign);
  const u = unpack(from, a);
  return roundPack(to, sign, u.mant, u.exp, false, rm);
}

export function fromInt(f: FloatFormat, value: bigint, rm: number): bigint {
  if (value === 0n) return 0n;
  const sign = value < 0n ? 1 : 0;
  return roundPack(f, sign, sign ? -value : value, 0, false, rm);
}

/** Float to integer with rounding and saturation; width 32 or 64. Returns the integer (signed range or unsigned). */
export function toInt(f: FloatFormat, a: bigint, rm: number, width: number, signed: boolean): bigint {
  const max = signed ? (1n << big(width - 1)) - 1n : (1n << big(width)) - 1n;
  const min = signed ? -(1n << big(width - 1)) : 0n;
  if (isNaN(f, a)) {
    fpStatus.flags |= Flag.NV;
    return max;
  }
  const sign = signOf(f, a);
  if (isInf(f, a)) {
    fpStatus.flags |= Flag.NV;
    return sign ? min : max;
  }
  const u = unpack(f, a);
  const [mag, inexact] = roundShift(u.mant, -u.exp, rm, sign, false);
  const v = sign ? -mag : mag;
  if (v > max || v < min) {
    fpStatus.flags |= Flag.NV;
    return sign ? min : max;
  }
  if (inexact) fpStatus.flags |= Flag.NX;
  return v;
}
