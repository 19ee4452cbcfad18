/**
 * The A extension on shared RAM: AMOs are Atomics operations (or compare-exchange loops for min/max)
 * on Int32Array/BigInt64Array views, so harts in different worker threads see each other's atomics.
 * LR records the address and the value it read; SC succeeds iff the reservation matches and a
 * compare-exchange from that value succeeds (QEMU's scheme: an ABA store in between is not noticed).
 * AMOs and LR/SC outside RAM raise access faults; misaligned ones raise misaligned exceptions.
 */
import { Cause } from './csr-numbers';
import type { Hart } from './hart';
import { invalidateCode, raise, READ, resolveVirt, TLB_MASK, toU64, WRITE } from './mmu';
import { TLB_ENTRY } from '../../cpu/soft-tlb';

function setRd32(h: Hart, d: number, v: number): void {
  h.x[d] = v;
  h.x[d + 1] = v >> 31;
}

function setRd64(h: Hart, d: number, v: bigint): void {
  h.x[d] = Number(BigInt.asIntN(32, v));
  h.x[d + 1] = Number(BigInt.asIntN(32, v >> 32n));
}

/**
 * The RAM offset of an aligned atomic access: from the hart's read TLB for LR, its write TLB (or the
 * code-page write TLB, which forgets decoded code there) for SC and AMOs, as loads and stores do, and
 * through the page walk otherwise. A write TLB entry exists only where a store was allowed (the
 * walk set D), which is what an AMO needs; watched pages are never in the TLBs.
 */
function ramOffset(h: Hart, lo: number, hi: number, size: number, acc: number): number {
  if ((lo & (size - 1)) !== 0) raise(h, acc === READ ? Cause.misalignedLoad : Cause.misalignedStore, toU64(lo, hi));
  const t = (lo >>> 12) & TLB_MASK;
  const tag = (lo & -4096) | h.dprv;
  const e = t * TLB_ENTRY;
  if (acc === READ) {
    const r = h.rTlb;
    if (r[e] === tag && r[e + 1] === hi) return r[e + 2]! + (lo & 0xfff);
  } else {
    const w = h.wTlb;
    if (w[e] === tag && w[e + 1] === hi) return w[e + 2]! + (lo & 0xfff);
    if (h.cTag[t] === tag && h.cHi[t] === hi) {
      const off = h.cHost[t]! + (lo & 0xfff);
      invalidateCode(h, off, size);
      return off;
    }
  }
  const off = resolveVirt(h, lo, hi, acc, size);
  if (off < 0) raise(h, acc === READ ? Cause.loadAccess : Cause.storeAccess, toU64(lo, hi), 'atomic access outside RAM');
  if (acc === WRITE && h.codePage[off >>> 12] !== 0) invalidateCode(h, off, size);
  return off;
}

/** LR/SC/AMO ops 77..87 (.W) and 88..98 (.D). */
export function executeAtomic(h: Hart, op: number, d: number, a: number, b: number, _bits: number): void {
  const x = h.x;
  const lo = x[a]!;
  const hi = x[a + 1]!;
  const word = op < 88;
  const size = word ? 4 : 8;
  const kind = op - (word ? 77 : 88);
  if (kind === 0) {
    const off = ramOffset(h, lo, hi, size, READ);
    const v = word ? BigInt(Atomics.load(h.i32, off >> 2)) : Atomics.load(h.i64, off >> 3);
    h.resAddr = off;
    h.resSize = size;
    h.resValue = v;
    setRd64(h, d, v);
    return;
  }
  const off = ramOffset(h, lo, hi, size, WRITE);
  if (kind === 1) {
    let ok = false;
    if (h.resAddr === off && h.resSize === size) {
      if (word) ok = Atomics.compareExchange(h.i32, off >> 2, Number(h.resValue), x[b]!) === Number(h.resValue);
      else {
        const nv = (BigInt(x[b + 1]!) << 32n) | BigInt(x[b]! >>> 0);
        ok = Atomics.compareExchange(h.i64, off >> 3, h.resValue, nv) === h.resValue;
      }
    }
    h.resAddr = -1;
    x[d] = ok ? 0 : 1;
    x[d + 1] = 0;
    return;
  }
  if (word) setRd32(h, d, amoWord(h.i32, off >> 2, kind, x[b]!));
  else setRd64(h, d, amoDouble(h.i64, off >> 3, kind, (BigInt(x[b + 1]!) << 32n) | BigInt(x[b]! >>> 0)));
}

function amoWord(m: Int32Array, i: number, kind: number, v: number): number {
  switch (kind) {
    case 2: return Atomics.exchange(m, i, v);
    case 3: return Atomics.add(m, i, v);
    case 4: return Atomics.xor(m, i, v);
    case 5: return Atomics.and(m, i, v);
    case 6: return Atomics.or(m, i, v);
    default: {
      for (;;) {
        const old = Atomics.load(m, i);
        let pick: number;
        switch (kind) {
          case 7: pick = old < v ? old : v; break;
          case 8: pick = old > v ? old : v; break;
          case 9: pick = old >>> 0 < v >>> 0 ? old : v; break;
          default: pick = old >>> 0 > v >>> 0 ? old : v; break;
        }
        if (Atomics.compareExchange(m, i, old, pick) === old) return old;
      }
    }
  }
}

function amoDouble(m: BigInt64Array, i: number, kind: number, v: bigint): bigint {
  switch (kind) {
    case 2: return Atomics.exchange(m, i, v);
    case 3: return Atomics.add(m, i, v);
    case 4: return Atomics.xor(m, i, v);
    case 5: return Atomics.and(m, i, v);
    case 6: return Atomics.or(m, i, v);
    default: {
      for (;;) {
        const old = Atomics.load(m, i);
        const uo = BigInt.asUintN(64, old);
        const uv = BigInt.asUintN(64, v);
        let pick: bigint;
        switch (kind) {
          case 7: pick = old < v ? old : v; break;
          case 8: pick = old > v ? old : v; break;
          case 9: pick = uo < uv ? old : v; break;
          default: pick = uo > uv ? old : v; break;
        }
        if (Atomics.compareExchange(m, i, old, pick) === old) return old;
      }
    }
  }
}
