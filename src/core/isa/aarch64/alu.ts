/**
 * Integer arithmetic of the A64 interpreter on int32 lo/hi pairs: add with carry and NZCV exactly as
 * the Arm ARM's AddWithCarry, shifts and rotates, register extension, condition codes, and the
 * operations that are rare enough to go through BigInt (64-bit multiply, divide, bit reversal,
 * count leading bits, bitfield moves). Functions that produce 64 bits return the low word and leave
 * the high word in cpu.tmpHi.
 */
import type { A64Cpu } from './cpu';
import { asUint } from './uint';

const TWO32 = 4294967296;

/** AddWithCarry on 64 bits; sets NZCV when `flags`. */
export function add64(cpu: A64Cpu, alo: number, ahi: number, blo: number, bhi: number, cin: number, flags: boolean): number {
  const sl = (alo >>> 0) + (blo >>> 0) + cin;
  const sh = (ahi >>> 0) + (bhi >>> 0) + (sl >= TWO32 ? 1 : 0);
  const rlo = sl | 0;
  const rhi = sh | 0;
  if (flags) {
    const v = ((ahi ^ rhi) & (bhi ^ rhi)) < 0 ? 0x1000_0000 : 0;
    cpu.nzcv = (rhi & 0x8000_0000) | ((rlo | rhi) === 0 ? 0x4000_0000 : 0) | (sh >= TWO32 ? 0x2000_0000 : 0) | v;
  }
  cpu.tmpHi = rhi;
  return rlo;
}

/** AddWithCarry on 32 bits; sets NZCV when `flags`. */
export function add32(cpu: A64Cpu, a: number, b: number, cin: number, flags: boolean): number {
  const s = (a >>> 0) + (b >>> 0) + cin;
  const r = s | 0;
  if (flags) {
    const v = ((a ^ r) & (b ^ r)) < 0 ? 0x1000_0000 : 0;
    cpu.nzcv = (r & 0x8000_0000) | (r === 0 ? 0x4000_0000 : 0) | (s >= TWO32 ? 0x2000_0000 : 0) | v;
  }
  return r;
}

/** NZCV of a logical result (C and V cleared). */
export function logicFlags(cpu: A64Cpu, lo: number, hi: number, sf: boolean): void {
  if (sf) cpu.nzcv = (hi & 0x8000_0000) | ((lo | hi) === 0 ? 0x4000_0000 : 0);
  else cpu.nzcv = (lo & 0x8000_0000) | (lo === 0 ? 0x4000_0000 : 0);
}

function conditionSlow(cond: number, flags: number): boolean {
  const n = (flags >>> 3) & 1;
  const z = (flags >>> 2) & 1;
  const c = (flags >>> 1) & 1;
  const v = flags & 1;
  let r: boolean;
  switch (cond >>> 1) {
    case 0: r = z === 1; break;
    case 1: r = c === 1; break;
    case 2: r = n === 1; break;
    case 3: r = v === 1; break;
    case 4: r = c === 1 && z === 0; break;
    case 5: r = n === v; break;
    case 6: r = n === v && z === 0; break;
    default: return true;
  }
  return (cond & 1) === 1 ? !r : r;
}

/** ConditionHolds precomputed for every condition (high nibble) and NZCV value (low nibble). */
const CONDITION_TABLE = Uint8Array.from({ length: 256 }, (_, i) => (conditionSlow(i >>> 4, i & 15) ? 1 : 0));

/** ConditionHolds for the 4-bit condition and NZCV in bits 31..28. */
export function conditionHolds(cond: number, nzcv: number): boolean {
  return CONDITION_TABLE[(cond << 4) | (nzcv >>> 28)] === 1;
}

/** Shift type 0 LSL, 1 LSR, 2 ASR, 3 ROR of a 64-bit pair by 0..63; the high word goes to cpu.tmpHi. */
export function shift64(cpu: Pick<A64Cpu, 'tmpHi'>, type: number, lo: number, hi: number, s: number): number {
  if (s === 0) {
    cpu.tmpHi = hi;
    return lo;
  }
  switch (type) {
    case 0:
      if (s < 32) {
        cpu.tmpHi = (hi << s) | (lo >>> (32 - s));
        return lo << s;
      }
      cpu.tmpHi = lo << (s - 32);
      return 0;
    case 1:
      if (s < 32) {
        cpu.tmpHi = hi >>> s;
        return (lo >>> s) | (hi << (32 - s));
      }
      cpu.tmpHi = 0;
      return (hi >>> (s - 32)) | 0;
    case 2:
      if (s < 32) {
        cpu.tmpHi = hi >> s;
        return (lo >>> s) | (hi << (32 - s));
      }
      cpu.tmpHi = hi >> 31;
      return hi >> (s - 32);
    default: {
      if (s >= 32) {
        const t = lo;
        lo = hi;
        hi = t;
        s -= 32;
        if (s === 0) {
          cpu.tmpHi = hi;
          return lo;
        }
      }
      cpu.tmpHi = (hi >>> s) | (lo << (32 - s));
      return (lo >>> s) | (hi << (32 - s));
    }
  }
}

/** Shift type of a 32-bit value by 0..31. */
export function shift32(type: number, v: number, s: number): number {
  switch (type) {
    case 0: return v << s;
    case 1: return (v >>> s) | 0;
    case 2: return v >> s;
    default: return s === 0 ? v : (v >>> s) | (v << (32 - s));
  }
}

/** ExtendReg: option 0..7 (UXTB..SXTX) of a register pair, then shifted left by 0..4. */
export function extend(cpu: A64Cpu, lo: number, hi: number, option: number, amount: number): number {
  switch (option) {
    case 0: lo &= 0xff; hi = 0; break;
    case 1: lo &= 0xffff; hi = 0; break;
    case 2: hi = 0; break;
    case 3: break;
    case 4: lo = (lo << 24) >> 24; hi = lo >> 31; break;
    case 5: lo = (lo << 16) >> 16; hi = lo >> 31; break;
    case 6: hi = lo >> 31; break;
    default: break;
  }
  return shift64(cpu, 0, lo, hi, amount);
}

// ------------------------------------------------------------------ BigInt paths (rare operations)

const M64 = (1n << 64n) - 1n;

export function pair(lo: number, hi: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

/** Writes a 64-bit value to a register pair at word index `i` (32-bit results are zero-extended by the caller). */
export function setPair(x: Int32Array, i: number, v: bigint): void {
  x[i] = Number(BigInt.asIntN(32, v));
  x[i + 1] = Number(BigInt.asIntN(32, v >> 32n));
}

function reverseBits(v: bigint, width: number): bigint {
  let r = 0n;
  for (let i = 0; i < width; i++) r = (r << 1n) | ((v >> BigInt(i)) & 1n);
  return r;
}

/** Reverses bytes within each `container`-byte group of a `width`-bit value. */
function reverseBytes(v: bigint, width: number, container: number): bigint {
  let r = 0n;
  for (let c = 0; c < width / 8; c += container) {
    for (let i = 0; i < container; i++) {
      const byte = (v >> BigInt((c + i) * 8)) & 0xffn;
      r |= byte << BigInt((c + container - 1 - i) * 8);
    }
  }
  return r;
}

function countLeadingZeros(v: bigint, width: number): number {
  let n = 0;
  for (let i = width - 1; i >= 0 && ((v >> BigInt(i)) & 1n) === 0n; i--) n++;
  return n;
}

/** RBIT, REV16, REV32, REV, CLZ, CLS (op ids 84..89) of a `width`-bit value. */
export function dataProcessing1(op: number, v: bigint, width: number): bigint {
  switch (op) {
    case 84: return reverseBits(v, width);
    case 85: return reverseBytes(v, width, 2);
    case 86: return reverseBytes(v, width, 4);
    case 87: return reverseBytes(v, width, width / 8);
    case 88: return BigInt(countLeadingZeros(v, width));
    default: {
      const sign = (v >> BigInt(width - 1)) & 1n;
      const mask = (1n << BigInt(width)) - 1n;
      const x = (v ^ (sign ? mask : 0n)) & mask;
      return BigInt(countLeadingZeros(x, width) - 1);
    }
  }
}

/** UDIV/SDIV: division by zero gives zero, INT_MIN / -1 wraps to INT_MIN (no exception in A64). */
export function divide(signed: boolean, a: bigint, b: bigint, width: number): bigint {
  if (b === 0n) return 0n;
  if (!signed) return a / b;
  const sa = BigInt.asIntN(width, a);
  const sb = BigInt.asIntN(width, b);
  return asUint(width, sa / sb);
}

/** MADD, MSUB, SMADDL, SMSUBL, SMULH, UMADDL, UMSUBL, UMULH (op ids 90..97) with operands n, m, a. */
export function multiply(op: number, n: bigint, m: bigint, a: bigint, width: number): bigint {
  switch (op) {
    case 90: return asUint(width, a + n * m);
    case 91: return asUint(width, a - n * m);
    case 92: return asUint(64, a + BigInt.asIntN(32, n) * BigInt.asIntN(32, m));
    case 93: return asUint(64, a - BigInt.asIntN(32, n) * BigInt.asIntN(32, m));
    case 94: return asUint(64, (BigInt.asIntN(64, n) * BigInt.asIntN(64, m)) >> 64n);
    case 95: return asUint(64, a + (n & 0xffff_ffffn) * (m & 0xffff_ffffn));
    case 96: return asUint(64, a - (n & 0xffff_ffffn) * (m & 0xffff_ffffn));
    default: return ((n * m) >> 64n) & M64;
  }
}

/**
 * SBFM, BFM, UBFM (op ids 14..16) for W registers on plain int32s. With imms >= immr the field
 * src[imms:immr] is extracted to bit 0; otherwise src[imms:0] is inserted at bit 32 - immr. UBFM
 * zero-fills, BFM keeps the destination's other bits, SBFM fills above the field with src[imms]. Here
 * lsb + len <= 32 always (an insert has imms < immr, so lsb + len = 32 - immr + imms + 1 <= 32).
 * Returns the int32 result.
 */
export function bitfieldMove32(op: number, dst: number, src: number, immr: number, imms: number): number {
  const extract = imms >= immr;
  const len = extract ? imms - immr + 1 : imms + 1;
  const lsb = extract ? 0 : 32 - immr;
  const ones = (len >= 32 ? -1 : (1 << len) - 1) << lsb;
  const field = extract ? (src >>> immr) & ones : (src << lsb) & ones;
  if (op === 16) return field | 0;
  if (op === 15) return (dst & ~ones) | field;
  const used = lsb + len;
  return ((src >>> imms) & 1) !== 0 && used < 32 ? field | (-1 << used) : field | 0;
}

/** The low word, then (maskHi) the high word, of 2^n - 1 for 0 <= n <= 64. */
const maskLo = (n: number): number => (n >= 32 ? -1 : n === 0 ? 0 : ((1 << n) - 1) | 0);
const maskHi = (n: number): number => (n <= 32 ? 0 : n >= 64 ? -1 : (1 << (n - 32)) - 1);

/**
 * The same for X registers on int32 halves (no BigInt): SBFM, BFM, UBFM (and so LSL, LSR, ASR,
 * UBFX, SBFX, BFI, SXTW ... by immediate). Returns the low word; the high word goes to cpu.tmpHi.
 */
export function bitfieldMove64(cpu: Pick<A64Cpu, 'tmpHi'>, op: number, dlo: number, dhi: number, slo: number, shi: number, immr: number, imms: number): number {
  const extract = imms >= immr;
  const len = extract ? imms - immr + 1 : imms + 1;
  const lsb = extract ? 0 : 64 - immr;
  // ones = (2^len - 1) << lsb; field = the source's bits moved there.
  const onesLo = shift64(cpu, 0, maskLo(len), maskHi(len), lsb);
  const onesHi = cpu.tmpHi;
  let rlo = shift64(cpu, extract ? 1 : 0, slo, shi, extract ? immr : lsb) & onesLo;
  let rhi = cpu.tmpHi & onesHi;
  if (op === 15) {
    rlo |= dlo & ~onesLo;
    rhi |= dhi & ~onesHi;
  } else if (op === 14 && ((imms < 32 ? slo >>> imms : shi >>> (imms - 32)) & 1) !== 0) {
    // SBFM: the field's top bit (the source's bit imms) fills every bit above it.
    const used = lsb + len;
    rlo |= ~maskLo(used);
    rhi |= ~maskHi(used);
  }
  cpu.tmpHi = rhi;
  return rlo;
}

/** EXTR for X registers on int32 halves: bits lsb..lsb+63 of hi:lo (128 bits); the high word goes to cpu.tmpHi. */
export function extract64(cpu: Pick<A64Cpu, 'tmpHi'>, hiLo: number, hiHi: number, loLo: number, loHi: number, lsb: number): number {
  if (lsb === 0) {
    cpu.tmpHi = loHi;
    return loLo;
  }
  const rlo = shift64(cpu, 1, loLo, loHi, lsb);
  const rhi = cpu.tmpHi;
  const tlo = shift64(cpu, 0, hiLo, hiHi, 64 - lsb);
  cpu.tmpHi |= rhi;
  return rlo | tlo;
}

const limbsA = new Float64Array(4);
const limbsB = new Float64Array(4);
const limbsR = new Float64Array(8);

/**
 * The 128-bit product of two 64-bit values given as int32 halves, without BigInt: 16-bit limbs, every
 * partial product below 2^32 and every column sum below 2^35, so doubles hold them exactly. Writes the
 * product's four int32 words, lowest first, to `out`. Unsigned; SMULH corrects the high half.
 */
export function multiplyWide(alo: number, ahi: number, blo: number, bhi: number, out: Int32Array): void {
  limbsA[0] = alo & 0xffff; limbsA[1] = alo >>> 16; limbsA[2] = ahi & 0xffff; limbsA[3] = ahi >>> 16;
  limbsB[0] = blo & 0xffff; limbsB[1] = blo >>> 16; limbsB[2] = bhi & 0xffff; limbsB[3] = bhi >>> 16;
  limbsR.fill(0);
  for (let i = 0; i < 4; i++) {
    const a = limbsA[i]!;
    if (a === 0) continue;
    for (let j = 0; j < 4; j++) limbsR[i + j] += a * limbsB[j]!;
  }
  let carry = 0;
  for (let k = 0; k < 8; k += 2) {
    const v0 = limbsR[k]! + carry;
    const c0 = Math.floor(v0 / 65536);
    const v1 = limbsR[k + 1]! + c0;
    carry = Math.floor(v1 / 65536);
    out[k >> 1] = (v0 - c0 * 65536) | ((v1 - carry * 65536) << 16);
  }
}

/**
 * MADD, MSUB, SMADDL, SMSUBL, SMULH, UMADDL, UMSUBL, UMULH (op ids 90..97) of X registers on int32
 * halves, what multiply() computes with BigInts: n * m (the 32x32 -> 64 forms widen W operands first)
 * added to or subtracted from a, or the product's high half. Writes the result's low and high words to
 * out[0] and out[1] (out needs 4 words: it also holds the product).
 */
export function multiply64(op: number, nlo: number, nhi: number, mlo: number, mhi: number, alo: number, ahi: number, out: Int32Array): void {
  if (op === 92 || op === 93) { nhi = nlo >> 31; mhi = mlo >> 31; } // smaddl smsubl: sign-extend W
  else if (op === 95 || op === 96) { nhi = 0; mhi = 0; } // umaddl umsubl: zero-extend W
  multiplyWide(nlo, nhi, mlo, mhi, out);
  if (op === 94 || op === 97) {
    let hlo = out[2]!;
    let hhi = out[3]!;
    if (op === 94) {
      // SMULH: the unsigned high half minus m if n < 0 and minus n if m < 0 (mod 2^64).
      if (nhi < 0) { const l = (hlo >>> 0) - (mlo >>> 0); hhi = (hhi - mhi - (l < 0 ? 1 : 0)) | 0; hlo = l | 0; }
      if (mhi < 0) { const l = (hlo >>> 0) - (nlo >>> 0); hhi = (hhi - nhi - (l < 0 ? 1 : 0)) | 0; hlo = l | 0; }
    }
    out[0] = hlo;
    out[1] = hhi;
    return;
  }
  const plo = out[0]!;
  const phi = out[1]!;
  const sub = op === 91 || op === 93 || op === 96;
  const l = sub ? (alo >>> 0) - (plo >>> 0) : (alo >>> 0) + (plo >>> 0);
  const carry = sub ? (l < 0 ? 1 : 0) : (l >= 4294967296 ? 1 : 0);
  out[0] = l | 0;
  out[1] = (sub ? ahi - phi - carry : ahi + phi + carry) | 0;
}

/** Byte swap of an int32 (REV of a W register). */
export function bswap32(v: number): number {
  return ((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24);
}

/** RBIT of a 32-bit word (int32): bits, pairs and nibbles swapped, then the bytes. */
export function rbit32(v: number): number {
  let r = ((v >>> 1) & 0x55555555) | ((v & 0x55555555) << 1);
  r = ((r >>> 2) & 0x33333333) | ((r & 0x33333333) << 2);
  r = ((r >>> 4) & 0x0f0f0f0f) | ((r & 0x0f0f0f0f) << 4);
  return bswap32(r);
}

/** REV16 of a 32-bit word (int32): the bytes of each halfword swapped. */
export function rev16of32(v: number): number {
  return ((v >>> 8) & 0x00ff00ff) | ((v & 0x00ff00ff) << 8);
}

/** CLS of a 64-bit value as int32 halves (`hi` = 0 and `sf` false for a W register). */
export function countLeadingSign(lo: number, hi: number, sf: boolean): number {
  if (!sf) return Math.clz32(lo ^ (lo >> 31)) - 1;
  const s = hi >> 31;
  const h = hi ^ s;
  return (h !== 0 ? Math.clz32(h) : 32 + Math.clz32(lo ^ s)) - 1;
}

/** Byte tables of the reflected CRC-32 (0x04C11DB7) and CRC-32C (0x1EDC6F41) polynomials. */
const CRC_TABLES = [0xedb88320, 0x82f63b78].map((poly) => Uint32Array.from({ length: 256 }, (_, i) => {
  let c = i;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ poly : c >>> 1;
  return c;
}));

/** CRC32B/H/W/X and CRC32CB/H/W/X: Wd = CRC of the low 1 << sz bytes of Rm, from Wn (no inversion). */
export function crc32(cpu: A64Cpu, raw: number): void {
  const table = CRC_TABLES[(raw >>> 12) & 1]!;
  const bytes = 1 << ((raw >>> 10) & 3);
  let crc = Number(cpu.getX((raw >>> 5) & 31) & 0xffffffffn) >>> 0;
  let v = cpu.getX((raw >>> 16) & 31);
  for (let i = 0; i < bytes; i++, v >>= 8n) crc = (table[(crc ^ Number(v & 0xffn)) & 0xff]! ^ (crc >>> 8)) >>> 0;
  cpu.setX(raw & 31, BigInt(crc));
}
