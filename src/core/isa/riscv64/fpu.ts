/**
 * The F and D extensions: loads/stores, arithmetic, fused multiply-add, conversions, sign injection,
 * min/max, compares and classify, with NaN-boxing of singles, canonical NaNs and fflags. With RNE
 * and operands in safe ranges, add/sub/mul/div/sqrt use native doubles and prove exactness with
 * error-free transformations (TwoSum, Dekker's TwoProduct); everything else goes to cpu/softfloat.ts.
 */
import { Cause, Mstatus } from './csr-numbers';
import type { Hart } from './hart';
import { raise, readVirt, toU64, writeVirt } from './mmu';
import * as sf from '../../cpu/softfloat';

const { F32, F64, Flag, fpStatus } = sf;
const SAFE_HI = 2 ** 900;
const SAFE_LO = 2 ** -900;
const SPLIT = 134217729;
const MIN_NORMAL_S = 2 ** -126;
const MAX_S = 3.4028234663852886e38;

function illegal(h: Hart, bits: number): never {
  raise(h, Cause.illegal, BigInt(((bits & 3) === 3 ? bits : bits & 0xffff) >>> 0));
}

/** Error of the rounded product p = a * b (exact when no operand or product is near the limits). */
function productError(a: number, b: number, p: number): number {
  let c = SPLIT * a;
  const ah = c - (c - a);
  const al = a - ah;
  c = SPLIT * b;
  const bh = c - (c - b);
  const bl = b - bh;
  return ah * bh - p + ah * bl + al * bh + al * bl;
}

const safe = (v: number): boolean => {
  const m = Math.abs(v);
  return m > SAFE_LO && m < SAFE_HI;
};

function readS(h: Hart, r: number): number {
  return h.fi[r + 1] === -1 ? h.fs[r]! : NaN;
}
function bitsS(h: Hart, r: number): bigint {
  return h.fi[r + 1] === -1 ? BigInt(h.fi[r]! >>> 0) : 0x7fc00000n;
}
function bitsD(h: Hart, r: number): bigint {
  return toU64(h.fi[r]!, h.fi[r + 1]!);
}
function writeS(h: Hart, d: number, v: number): void {
  if (v !== v) h.fi[d] = 0x7fc00000;
  else h.fs[d] = v;
  h.fi[d + 1] = -1;
}
function writeD(h: Hart, d: number, v: number): void {
  if (v !== v) {
    h.fi[d] = 0;
    h.fi[d + 1] = 0x7ff80000;
  } else h.fd[d >> 1] = v;
}
function writeBits(h: Hart, d: number, single: boolean, v: bigint): void {
  h.fi[d] = Number(BigInt.asIntN(32, v));
  h.fi[d + 1] = single ? -1 : Number(BigInt.asIntN(32, v >> 32n));
}
function setX(h: Hart, d: number, v: bigint): void {
  h.x[d] = Number(BigInt.asIntN(32, v));
  h.x[d + 1] = Number(BigInt.asIntN(32, v >> 32n));
}
function intOf(h: Hart, a: number, width: number, signed: boolean): bigint {
  if (width === 32) return BigInt(signed ? h.x[a]! : h.x[a]! >>> 0);
  const v = toU64(h.x[a]!, h.x[a + 1]!);
  return signed ? BigInt.asIntN(64, v) : v;
}

function roundInt(v: number, rm: number): number {
  switch (rm) {
    case 0: {
      let r = Math.floor(v);
      const diff = v - r;
      if (diff > 0.5 || (diff === 0.5 && r % 2 !== 0)) r += 1;
      return r;
    }
    case 1: return Math.trunc(v);
    case 2: return Math.floor(v);
    case 3: return Math.ceil(v);
    default: {
      const r = Math.trunc(v);
      return Math.abs(v - r) >= 0.5 ? r + Math.sign(v) : r;
    }
  }
}

/** fcvt.{w,wu,l,lu}.{s,d}: returns the integer result and ORs flags into h.fflags. */
function toInteger(h: Hart, v: number, rm: number, width: number, signed: boolean): bigint {
  const max = signed ? 2 ** (width - 1) - 1 : 2 ** width - 1;
  const min = signed ? -(2 ** (width - 1)) : 0;
  // 2^63 - 1 and 2^64 - 1 are not doubles, so the saturated 64-bit results are built as BigInts.
  const maxExact = width === 64 ? (signed ? (1n << 63n) - 1n : (1n << 64n) - 1n) : BigInt(max);
  if (v !== v) {
    h.fflags |= Flag.NV;
    return maxExact;
  }
  const r = roundInt(v, rm);
  if (r > max || r < min || (width === 64 && signed && r >= 2 ** 63) || (width === 64 && !signed && r >= 2 ** 64)) {
    h.fflags |= Flag.NV;
    return r < 0 ? BigInt(min) : maxExact;
  }
  if (r !== v) h.fflags |= Flag.NX;
  return BigInt(r);
}

function classify(f: sf.FloatFormat, v: bigint): number {
  const sign = Number(v >> BigInt(f.bits - 1));
  const expAll = (1n << BigInt(f.bits - f.p)) - 1n;
  const exp = (v >> BigInt(f.p - 1)) & expAll;
  const frac = v & ((1n << BigInt(f.p - 1)) - 1n);
  if (exp === expAll) {
    if (frac === 0n) return sign ? 1 << 0 : 1 << 7;
    return (frac >> BigInt(f.p - 2)) & 1n ? 1 << 9 : 1 << 8;
  }
  if (exp === 0n) {
    if (frac === 0n) return sign ? 1 << 3 : 1 << 4;
    return sign ? 1 << 2 : 1 << 5;
  }
  return sign ? 1 << 1 : 1 << 6;
}

function exact(h: Hart, d: number, single: boolean, compute: () => bigint): void {
  fpStatus.flags = 0;
  const r = compute();
  h.fflags |= fpStatus.flags;
  writeBits(h, d, single, r);
}

/** Tries the native RNE path for add/sub/mul/div/sqrt; false when softfloat must decide. */
function fastArith(h: Hart, rel: number, single: boolean, d: number, a: number, b: number): boolean {
  const va = single ? readS(h, a) : h.fd[a >> 1]!;
  const vb = rel === 10 ? 1 : single ? readS(h, b) : h.fd[b >> 1]!;
  if (!Number.isFinite(va) || !Number.isFinite(vb)) return false;
  let r: number;
  let inexact: boolean;
  switch (rel) {
    case 6: case 7: {
      const y = rel === 6 ? vb : -vb;
      r = va + y;
      if (!Number.isFinite(r)) return false;
      const bb = r - va;
      inexact = va - (r - bb) + (y - bb) !== 0;
      break;
    }
    case 8:
      r = va * vb;
      if (va === 0 || vb === 0) inexact = false;
      else if (safe(va) && safe(vb) && safe(r)) inexact = productError(va, vb, r) !== 0;
      else return false;
      break;
    case 9:
      if (vb === 0 || !safe(vb)) return false;
      r = va / vb;
      if (va === 0) inexact = false;
      else if (safe(va) && safe(r) && !single) inexact = r * vb !== va || productError(r, vb, r * vb) !== 0;
      else return false;
      break;
    default:
      if (single || !(va > SAFE_LO && va < SAFE_HI)) return false;
      r = Math.sqrt(va);
      inexact = r * r !== va || productError(r, r, r * r) !== 0;
      break;
  }
  if (single) {
    if (rel >= 9) return false;
    const rs = Math.fround(r);
    const mag = Math.abs(rs);
    if (mag > MAX_S || (mag < MIN_NORMAL_S && (rs !== 0 || r !== 0))) return false;
    inexact = inexact || rs !== r;
    r = rs;
  }
  if (inexact) h.fflags |= Flag.NX;
  if (single) writeS(h, d, r);
  else writeD(h, d, r);
  return true;
}

function minMax(h: Hart, f: sf.FloatFormat, single: boolean, d: number, a: number, b: number, isMax: boolean): void {
  const A = single ? bitsS(h, a) : bitsD(h, a);
  const B = single ? bitsS(h, b) : bitsD(h, b);
  if (sf.isSignaling(f, A) || sf.isSignaling(f, B)) h.fflags |= Flag.NV;
  const an = sf.isNaN(f, A);
  const bn = sf.isNaN(f, B);
  let r: bigint;
  if (an && bn) r = sf.canonicalNaN(f);
  else if (an) r = B;
  else if (bn) r = A;
  else {
    const va = single ? readS(h, a) : h.fd[a >> 1]!;
    const vb = single ? readS(h, b) : h.fd[b >> 1]!;
    if (va === vb) {
      const aNeg = A >> BigInt(f.bits - 1) === 1n;
      r = isMax ? (aNeg ? B : A) : aNeg ? A : B;
    } else r = (va < vb) !== isMax ? A : B;
  }
  writeBits(h, d, single, r);
}

function compare(h: Hart, f: sf.FloatFormat, single: boolean, a: number, b: number, kind: number): number {
  const A = single ? bitsS(h, a) : bitsD(h, a);
  const B = single ? bitsS(h, b) : bitsD(h, b);
  if (sf.isNaN(f, A) || sf.isNaN(f, B)) {
    if (kind !== 0 || sf.isSignaling(f, A) || sf.isSignaling(f, B)) h.fflags |= Flag.NV;
    return 0;
  }
  const va = single ? readS(h, a) : h.fd[a >> 1]!;
  const vb = single ? readS(h, b) : h.fd[b >> 1]!;
  return (kind === 0 ? va === vb : kind === 1 ? va < vb : va <= vb) ? 1 : 0;
}

function memAddress(h: Hart, a: number, imm: number): [number, number] {
  const alo = h.x[a]!;
  const lo = (alo + imm) | 0;
  return [lo, (h.x[a + 1]! + (imm >> 31) + ((lo >>> 0) < (alo >>> 0) ? 1 : 0)) | 0];
}

/** Executes F/D operation `op` (ids 100..161); d/a/b are register pair indices. */
export function executeFloat(h: Hart, op: number, d: number, a: number, b: number, imm: number, bits: number): void {
  if ((h.mstatus & Mstatus.FS) === 0) illegal(h, bits);
  const single = op < 130;
  const f = single ? F32 : F64;
  const rel = op - (single ? 100 : 130);
  let rm = (bits >>> 12) & 7;
  if (rm === 7) rm = h.frm;
  const needsRm = (rel >= 2 && rel <= 10) || [116, 117, 123, 124, 126, 127, 128, 129, 146, 152, 153, 156, 157, 159, 160].includes(op);
  if (needsRm && rm > 4) illegal(h, bits);
  switch (rel) {
    case 0: {
      const [lo, hi] = memAddress(h, a, imm);
      const v = readVirt(h, lo, hi, single ? 4 : 8);
      h.fi[d] = v;
      h.fi[d + 1] = single ? -1 : h.tmpHi;
      break;
    }
    case 1: {
      const [lo, hi] = memAddress(h, a, imm);
      writeVirt(h, lo, hi, single ? 4 : 8, h.fi[b]!, h.fi[b + 1]!);
      return;
    }
    case 2: case 3: case 4: case 5: {
      const c = ((bits >>> 27) & 31) * 2;
      const get = (r: number): bigint => (single ? bitsS(h, r) : bitsD(h, r));
      let x = get(a);
      let z = get(c);
      if (rel === 4 || rel === 5) x = sf.isNaN(f, x) ? x : sf.negate(f, x);
      if (rel === 3 || rel === 5) z = sf.isNaN(f, z) ? z : sf.negate(f, z);
      const y = get(b);
      exact(h, d, single, () => sf.fma(f, x, y, z, rm));
      break;
    }
    case 6: case 7: case 8: case 9: case 10: {
      if (rm === 0 && fastArith(h, rel, single, d, a, b)) break;
      const x = single ? bitsS(h, a) : bitsD(h, a);
      const y = single ? bitsS(h, b) : bitsD(h, b);
      exact(h, d, single, () => {
        switch (rel) {
          case 6: return sf.add(f, x, y, rm);
          case 7: return sf.add(f, x, sf.isNaN(f, y) ? y : sf.negate(f, y), rm);
          case 8: return sf.mul(f, x, y, rm);
          case 9: return sf.div(f, x, y, rm);
          default: return sf.sqrt(f, x, rm);
        }
      });
      break;
    }
    case 11: case 12: case 13: {
      const x = single ? bitsS(h, a) : bitsD(h, a);
      const y = single ? bitsS(h, b) : bitsD(h, b);
      const signBit = 1n << BigInt(f.bits - 1);
      const s = rel === 11 ? y & signBit : rel === 12 ? ~y & signBit : (x ^ y) & signBit;
      writeBits(h, d, single, (x & ~signBit) | s);
      break;
    }
    case 14: case 15:
      minMax(h, f, single, d, a, b, rel === 15);
      break;
    default:
      executeOther(h, op, d, a, b, rm);
      return;
  }
  h.mstatus |= Mstatus.FS;
}

function executeOther(h: Hart, op: number, d: number, a: number, b: number, rm: number): void {
  const single = op < 130;
  const f = single ? F32 : F64;
  const value = (): number => (single ? readS(h, a) : h.fd[a >> 1]!);
  switch (op) {
    case 116: case 117: case 126: case 127: case 152: case 153: case 156: case 157: {
      const width = op === 116 || op === 117 || op === 152 || op === 153 ? 32 : 64;
      const signed = op === 116 || op === 126 || op === 152 || op === 156;
      const r = toInteger(h, value(), rm, width, signed);
      setX(h, d, width === 32 ? BigInt.asIntN(32, r) : r);
      break;
    }
    case 118: h.x[d] = h.fi[a]!; h.x[d + 1] = h.fi[a]! >> 31; return;
    case 158: h.x[d] = h.fi[a]!; h.x[d + 1] = h.fi[a + 1]!; return;
    case 125: h.fi[d] = h.x[a]!; h.fi[d + 1] = -1; break;
    case 161: h.fi[d] = h.x[a]!; h.fi[d + 1] = h.x[a + 1]!; break;
    case 119: case 120: case 121: case 148: case 149: case 150:
      setX(h, d, BigInt(compare(h, f, single, a, b, op - (single ? 119 : 148))));
      break;
    case 122: case 151:
      setX(h, d, BigInt(classify(f, single ? bitsS(h, a) : bitsD(h, a))));
      return;
    case 123: case 124: case 128: case 129: case 154: case 155: case 159: case 160: {
      const width = op === 123 || op === 124 || op === 154 || op === 155 ? 32 : 64;
      const signed = op === 123 || op === 128 || op === 154 || op === 159;
      const v = intOf(h, a, width, signed);
      const small = v >= -(1n << 53n) && v <= 1n << 53n;
      if (!single && small) writeD(h, d, Number(v));
      else if (single && small && rm === 0) {
        const n = Number(v);
        const r = Math.fround(n);
        if (r !== n) h.fflags |= Flag.NX;
        writeS(h, d, r);
      } else exact(h, d, single, () => sf.fromInt(f, v, rm));
      break;
    }
    case 146: {
      const v = h.fd[a >> 1]!;
      const r = Math.fround(v);
      const mag = Math.abs(r);
      if (rm === 0 && v === v && mag <= MAX_S && (mag >= MIN_NORMAL_S || v === 0)) {
        if (r !== v) h.fflags |= Flag.NX;
        writeS(h, d, r);
      } else exact(h, d, true, () => sf.convert(F64, F32, bitsD(h, a), rm));
      break;
    }
    case 147: {
      const x = bitsS(h, a);
      if (sf.isNaN(F32, x)) {
        if (sf.isSignaling(F32, x)) h.fflags |= Flag.NV;
        writeD(h, d, NaN);
      } else writeD(h, d, readS(h, a));
      break;
    }
    default:
      throw new Error(`float operation ${op} has no implementation`);
  }
  h.mstatus |= Mstatus.FS;
}
