/**
 * Integer loads and stores of the A64 interpreter outside its inline fast path: every addressing
 * mode (unsigned offset, unscaled, pre/post-index, unprivileged, register offset with extend, literal),
 * pairs (including LDPSW and the non-temporal forms), exclusives with a local monitor, and
 * load-acquire/store-release. Memory goes through memory.ts (TLB, MMU, stage 2, devices).
 *
 * The exclusive monitor remembers the RAM offset, size and value a load-exclusive saw; a
 * store-exclusive succeeds only if the monitor still holds that address and memory still holds that
 * value, and writes with a compare-and-swap so that another CPU thread's store in between makes it
 * fail. The 128-bit pair of LDXP/STXP X registers is compared and written as two halves.
 */
import { extend, pair, setPair } from './alu';
import type { A64Cpu } from './cpu';
import { exclusiveOffset, load, READ, store, WRITE } from './memory';
import { asUint } from './uint';

/** Base register (SP-capable) plus a signed byte offset; the high word goes to cpu.tmpHi. */
export function baseAddress(cpu: A64Cpu, n: number, off: number): number {
  const i = n === 31 ? cpu.spIdx : n << 1;
  const lo = cpu.x[i]!;
  const s = (lo >>> 0) + off;
  cpu.tmpHi = (cpu.x[i + 1]! + (s >= 4294967296 ? 1 : s < 0 ? -1 : 0)) | 0;
  return s | 0;
}

export function writeBack(cpu: A64Cpu, n: number, lo: number, hi: number): void {
  const i = n === 31 ? cpu.spIdx : n << 1;
  cpu.x[i] = lo;
  cpu.x[i + 1] = hi;
}

/** Transfers Rt for size/opc (bits 31..30, 23..22) at the address lo/hi with the permissions of `el`. */
function transfer(cpu: A64Cpu, bits: number, lo: number, hi: number, el: number): void {
  const sizeLog = bits >>> 30;
  const size = (1 << sizeLog) as 1 | 2 | 4 | 8;
  const opc = (bits >>> 22) & 3;
  const t = bits & 31;
  const x = cpu.x;
  if (opc === 0) {
    store(cpu, lo, hi, size, x[t << 1]!, x[(t << 1) + 1]!, el);
    return;
  }
  let v = load(cpu, lo, hi, size, el);
  let vh = size === 8 ? cpu.tmpHi : 0;
  if (opc >= 2 && size < 8) {
    if (size === 1) v = (v << 24) >> 24;
    else if (size === 2) v = (v << 16) >> 16;
    vh = opc === 2 ? v >> 31 : 0;
  }
  const di = t === 31 ? 64 : t << 1;
  x[di] = v;
  x[di + 1] = vh;
}

/** Op ids 102..107: LDST_UIMM, LDST_UNSCALED, LDST_POST, LDST_PRE, LDST_UNPRIV, LDST_REG. */
export function loadStore(cpu: A64Cpu, op: number, bits: number): void {
  const n = (bits >>> 5) & 31;
  const simm9 = (bits << 11) >> 23;
  let lo: number;
  let hi: number;
  switch (op) {
    case 102:
      lo = baseAddress(cpu, n, ((bits >>> 10) & 0xfff) << (bits >>> 30));
      break;
    case 103: case 105: case 106:
      lo = baseAddress(cpu, n, simm9);
      break;
    case 104:
      lo = baseAddress(cpu, n, 0);
      break;
    default: {
      const m = (bits >>> 16) & 31;
      const amount = (bits >>> 12) & 1 ? bits >>> 30 : 0;
      const olo = extend(cpu, cpu.x[m << 1]!, cpu.x[(m << 1) + 1]!, (bits >>> 13) & 7, amount);
      const ohi = cpu.tmpHi;
      const b = n === 31 ? cpu.spIdx : n << 1;
      const s = (cpu.x[b]! >>> 0) + (olo >>> 0);
      lo = s | 0;
      cpu.tmpHi = (cpu.x[b + 1]! + ohi + (s >= 4294967296 ? 1 : 0)) | 0;
    }
  }
  hi = cpu.tmpHi;
  transfer(cpu, bits, lo, hi, op === 106 && cpu.el === 1 ? 0 : cpu.el);
  if (op === 104) {
    const wlo = baseAddress(cpu, n, simm9);
    writeBack(cpu, n, wlo, cpu.tmpHi);
  } else if (op === 105) {
    writeBack(cpu, n, lo, hi);
  }
}

/** LDR (literal): opc 0 = 32-bit, 1 = 64-bit, 2 = LDRSW, from pc + imm19 * 4. */
export function loadLiteral(cpu: A64Cpu, bits: number, pcLo: number, pcHi: number): void {
  const off = ((bits << 8) >> 13) * 4;
  const s = (pcLo >>> 0) + off;
  const lo = s | 0;
  const hi = (pcHi + (s >= 4294967296 ? 1 : s < 0 ? -1 : 0)) | 0;
  const opc = bits >>> 30;
  const v = load(cpu, lo, hi, opc === 1 ? 8 : 4, cpu.el);
  const vh = opc === 1 ? cpu.tmpHi : opc === 2 ? v >> 31 : 0;
  const t = bits & 31;
  const di = t === 31 ? 64 : t << 1;
  cpu.x[di] = v;
  cpu.x[di + 1] = vh;
}

/** Op ids 108..110: LDP/STP/LDPSW/LDNP/STNP with signed offset, post-index, pre-index. */
export function loadStorePair(cpu: A64Cpu, op: number, bits: number): void {
  const opc = bits >>> 30;
  const scale = opc === 2 ? 3 : 2;
  const size = (1 << scale) as 4 | 8;
  const off = ((bits << 10) >> 25) << scale;
  const n = (bits >>> 5) & 31;
  const t = bits & 31;
  const t2 = (bits >>> 10) & 31;
  let lo = baseAddress(cpu, n, op === 109 ? 0 : off);
  let hi = cpu.tmpHi;
  const x = cpu.x;
  if (((bits >>> 22) & 1) === 0) {
    const a1 = x[t << 1]!, a2 = x[(t << 1) + 1]!, b1 = x[t2 << 1]!, b2 = x[(t2 << 1) + 1]!;
    store(cpu, lo, hi, size, a1, a2, cpu.el);
    const s = (lo >>> 0) + size;
    store(cpu, s | 0, (hi + (s >= 4294967296 ? 1 : 0)) | 0, size, b1, b2, cpu.el);
  } else {
    const v1 = load(cpu, lo, hi, size, cpu.el);
    const h1 = size === 8 ? cpu.tmpHi : opc === 1 ? v1 >> 31 : 0;
    const s = (lo >>> 0) + size;
    const v2 = load(cpu, s | 0, (hi + (s >= 4294967296 ? 1 : 0)) | 0, size, cpu.el);
    const h2 = size === 8 ? cpu.tmpHi : opc === 1 ? v2 >> 31 : 0;
    const d1 = t === 31 ? 64 : t << 1;
    const d2 = t2 === 31 ? 64 : t2 << 1;
    x[d1] = v1; x[d1 + 1] = h1;
    x[d2] = v2; x[d2 + 1] = h2;
  }
  if (op === 109) {
    lo = baseAddress(cpu, n, off);
    hi = cpu.tmpHi;
    writeBack(cpu, n, lo, hi);
  } else if (op === 110) {
    writeBack(cpu, n, lo, hi);
  }
}

function readRam(cpu: A64Cpu, off: number, size: number): bigint {
  switch (size) {
    case 1: return BigInt(Atomics.load(cpu.u8, off));
    case 2: return BigInt(Atomics.load(cpu.u16, off >>> 1));
    case 4: return BigInt(Atomics.load(cpu.i32, off >>> 2) >>> 0);
    default: return asUint(64, Atomics.load(cpu.i64, off >>> 3));
  }
}

function compareAndSwap(cpu: A64Cpu, off: number, size: number, expected: bigint, value: bigint): boolean {
  switch (size) {
    case 1: return Atomics.compareExchange(cpu.u8, off, Number(expected), Number(value & 0xffn)) === Number(expected);
    case 2: return Atomics.compareExchange(cpu.u16, off >>> 1, Number(expected), Number(value & 0xffffn)) === Number(expected);
    case 4: return Atomics.compareExchange(cpu.i32, off >>> 2, Number(BigInt.asIntN(32, expected)), Number(BigInt.asIntN(32, value))) === Number(BigInt.asIntN(32, expected));
    default: return Atomics.compareExchange(cpu.i64, off >>> 3, BigInt.asIntN(64, expected), BigInt.asIntN(64, value)) === BigInt.asIntN(64, expected);
  }
}

/** Address and access size of an exclusive or ordered access: size of one register, or of the pair. */
function exclusiveTarget(cpu: A64Cpu, bits: number, pairs: boolean, access: 0 | 1): [number, number, number, number] {
  const size = (1 << (bits >>> 30)) * (pairs ? 2 : 1);
  const lo = baseAddress(cpu, (bits >>> 5) & 31, 0);
  const hi = cpu.tmpHi;
  return [exclusiveOffset(cpu, lo, hi, size, access), size, lo, hi];
}

/** LDXR/LDAXR (pairs: LDXP/LDAXP): load and open the monitor on the address. */
export function loadExclusive(cpu: A64Cpu, bits: number, pairs: boolean): void {
  const [off, size, lo, hi] = exclusiveTarget(cpu, bits, pairs, READ);
  const regSize = 1 << (bits >>> 30);
  const x = cpu.x;
  const t = bits & 31;
  const t2 = (bits >>> 10) & 31;
  let value: bigint;
  let value2 = 0n;
  if (off < 0) {
    // Device memory: a plain load; the monitor stays closed, so the store-exclusive fails.
    cpu.exAddr = -1;
    // Both halves are unsigned, so the value is already in 0..2^64-1.
    value = BigInt(load(cpu, lo, hi, regSize as 1 | 2 | 4 | 8, cpu.el) >>> 0) | (BigInt(cpu.tmpHi >>> 0) << 32n);
    if (regSize < 8) value &= (1n << BigInt(regSize * 8)) - 1n;
  } else if (size === 16) {
    value = readRam(cpu, off, 8);
    value2 = readRam(cpu, off + 8, 8);
  } else {
    value = readRam(cpu, off, size);
  }
  if (off >= 0) {
    cpu.exAddr = off;
    cpu.exSize = size;
    cpu.exLo = Number(BigInt.asIntN(32, value));
    cpu.exHi = Number(BigInt.asIntN(32, value >> 32n));
    cpu.exLo2 = Number(BigInt.asIntN(32, value2));
    cpu.exHi2 = Number(BigInt.asIntN(32, value2 >> 32n));
  }
  const d1 = t === 31 ? 64 : t << 1;
  if (!pairs) {
    setPair(x, d1, value);
    return;
  }
  const d2 = t2 === 31 ? 64 : t2 << 1;
  if (regSize === 4) {
    setPair(x, d1, value & 0xffff_ffffn);
    setPair(x, d2, value >> 32n);
  } else {
    setPair(x, d1, value);
    setPair(x, d2, value2);
  }
}

/** STXR/STLXR (pairs: STXP/STLXP): store if the monitor holds the address; Ws = 0 on success, 1 on failure. */
export function storeExclusive(cpu: A64Cpu, bits: number, pairs: boolean): void {
  const [off, size] = exclusiveTarget(cpu, bits, pairs, WRITE);
  const x = cpu.x;
  const t = bits & 31;
  const t2 = (bits >>> 10) & 31;
  const s = (bits >>> 16) & 31;
  const regSize = 1 << (bits >>> 30);
  const v1 = pair(x[t << 1]!, x[(t << 1) + 1]!);
  const v2 = pairs ? pair(x[t2 << 1]!, x[(t2 << 1) + 1]!) : 0n;
  let ok = off >= 0 && cpu.exAddr === off && cpu.exSize === size;
  if (ok) {
    const expected = pair(cpu.exLo, cpu.exHi);
    if (size === 16) {
      ok = compareAndSwap(cpu, off, 8, expected, v1) && (compareAndSwap(cpu, off + 8, 8, pair(cpu.exLo2, cpu.exHi2), v2) || (compareAndSwap(cpu, off, 8, v1, expected), false));
    } else {
      const value = pairs ? (v1 & 0xffff_ffffn) | ((v2 & 0xffff_ffffn) << 32n) : v1 & ((1n << BigInt(regSize * 8)) - 1n);
      const mask = size === 8 ? (1n << 64n) - 1n : (1n << BigInt(size * 8)) - 1n;
      ok = compareAndSwap(cpu, off, size, expected & mask, value);
    }
  }
  cpu.exAddr = -1;
  const di = s === 31 ? 64 : s << 1;
  x[di] = ok ? 0 : 1;
  x[di + 1] = 0;
}

/** LDAR/STLR: aligned single-copy-atomic accesses (Atomics order them against other CPU threads). */
export function loadStoreOrdered(cpu: A64Cpu, bits: number, isLoad: boolean): void {
  const [off, size, lo, hi] = exclusiveTarget(cpu, bits, false, isLoad ? READ : WRITE);
  const t = bits & 31;
  const x = cpu.x;
  if (off < 0) {
    if (isLoad) {
      const v = load(cpu, lo, hi, size as 1 | 2 | 4 | 8, cpu.el);
      const di = t === 31 ? 64 : t << 1;
      x[di] = v;
      x[di + 1] = size === 8 ? cpu.tmpHi : 0;
    } else {
      store(cpu, lo, hi, size as 1 | 2 | 4 | 8, x[t << 1]!, x[(t << 1) + 1]!, cpu.el);
    }
    return;
  }
  if (isLoad) {
    setPair(x, t === 31 ? 64 : t << 1, readRam(cpu, off, size));
    return;
  }
  const v = pair(x[t << 1]!, x[(t << 1) + 1]!);
  switch (size) {
    case 1: Atomics.store(cpu.u8, off, Number(v & 0xffn)); break;
    case 2: Atomics.store(cpu.u16, off >>> 1, Number(v & 0xffffn)); break;
    case 4: Atomics.store(cpu.i32, off >>> 2, Number(BigInt.asIntN(32, v))); break;
    default: Atomics.store(cpu.i64, off >>> 3, BigInt.asIntN(64, v));
  }
}
