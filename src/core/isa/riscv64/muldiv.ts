/**
 * 64-bit multiply and divide on int32 lo/hi register pairs (RV64M semantics: division by zero gives
 * all ones / the dividend, the overflow case -2^63 / -1 gives the dividend / zero). Operands that fit
 * in 32 bits take exact double arithmetic; 64-bit division uses BigInt.
 */
function pair(x: Int32Array, r: number): bigint {
  return (BigInt(x[r + 1]!) << 32n) | BigInt(x[r]! >>> 0);
}

function upair(x: Int32Array, r: number): bigint {
  return (BigInt(x[r + 1]! >>> 0) << 32n) | BigInt(x[r]! >>> 0);
}

function put(x: Int32Array, d: number, v: bigint): void {
  x[d] = Number(BigInt.asIntN(32, v));
  x[d + 1] = Number(BigInt.asIntN(32, v >> 32n));
}

/** Unsigned high word of a 32 x 32 bit product. */
export function mulhu32(a: number, b: number): number {
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const b0 = b & 0xffff;
  const b1 = b >>> 16;
  const p01 = a0 * b1;
  const p10 = a1 * b0;
  const mid = ((a0 * b0) >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  return (a1 * b1 + (p01 >>> 16) + (p10 >>> 16) + Math.floor(mid / 65536)) | 0;
}

export function mul(x: Int32Array, d: number, a: number, b: number): void {
  const alo = x[a]!;
  const blo = x[b]!;
  const hi = (mulhu32(alo, blo) + Math.imul(alo, x[b + 1]!) + Math.imul(x[a + 1]!, blo)) | 0;
  x[d] = Math.imul(alo, blo);
  x[d + 1] = hi;
}

/**
 * MULH (65), MULHSU (66), MULHU (67) from 32-bit limbs: the unsigned high half first, then the
 * two's-complement corrections (subtract b when a is negative, a when b is negative). Linux divides
 * by constants with mulhu all over its time keeping, where the BigInt version allocated per call.
 */
export function mulh(x: Int32Array, d: number, a: number, b: number, op: number): void {
  const a0 = x[a]!, a1 = x[a + 1]!, b0 = x[b]!, b1 = x[b + 1]!;
  const s1 = (mulhu32(a0, b0) >>> 0) + (Math.imul(a0, b1) >>> 0) + (Math.imul(a1, b0) >>> 0);
  const s2 = (mulhu32(a0, b1) >>> 0) + (mulhu32(a1, b0) >>> 0) + (Math.imul(a1, b1) >>> 0) + Math.floor(s1 / 4294967296);
  let lo = s2 | 0;
  let hi = ((mulhu32(a1, b1) >>> 0) + Math.floor(s2 / 4294967296)) | 0;
  if (op !== 67 && a1 < 0) {
    hi = (hi - b1 - ((lo >>> 0) < (b0 >>> 0) ? 1 : 0)) | 0;
    lo = (lo - b0) | 0;
  }
  if (op === 65 && b1 < 0) {
    hi = (hi - a1 - ((lo >>> 0) < (a0 >>> 0) ? 1 : 0)) | 0;
    lo = (lo - a0) | 0;
  }
  x[d] = lo;
  x[d + 1] = hi;
}

const fitsI32 = (x: Int32Array, r: number): boolean => x[r + 1] === x[r]! >> 31;

/** DIV (68), DIVU (69), REM (70), REMU (71). */
export function divrem(x: Int32Array, d: number, a: number, b: number, op: number): void {
  const signed = op === 68 || op === 70;
  const isRem = op >= 70;
  if (signed ? fitsI32(x, a) && fitsI32(x, b) : x[a + 1] === 0 && x[b + 1] === 0) {
    const va = signed ? x[a]! : x[a]! >>> 0;
    const vb = signed ? x[b]! : x[b]! >>> 0;
    let r: number;
    if (vb === 0) r = isRem ? va : -1;
    else r = isRem ? va % vb : Math.trunc(va / vb);
    x[d] = r | 0;
    x[d + 1] = Math.floor(r / 4294967296) | 0;
    return;
  }
  const va = signed ? pair(x, a) : upair(x, a);
  const vb = signed ? pair(x, b) : upair(x, b);
  let r: bigint;
  if (vb === 0n) r = isRem ? va : -1n;
  else if (signed && vb === -1n && va === -(1n << 63n)) r = isRem ? 0n : va;
  else r = isRem ? va % vb : va / vb;
  put(x, d, r);
}

/** DIVW (73), DIVUW (74), REMW (75), REMUW (76): 32-bit operation, result sign-extended. */
export function divremw(x: Int32Array, d: number, a: number, b: number, op: number): void {
  const signed = op === 73 || op === 75;
  const isRem = op >= 75;
  const va = signed ? x[a]! : x[a]! >>> 0;
  const vb = signed ? x[b]! : x[b]! >>> 0;
  let r: number;
  if (vb === 0) r = isRem ? va : -1;
  else if (signed && vb === -1 && va === -2147483648) r = isRem ? 0 : va;
  else r = isRem ? va % vb : Math.trunc(va / vb);
  x[d] = r | 0;
  x[d + 1] = (r | 0) >> 31;
}
