/**
 * The inline TLB check the tiers' blocks make before a load or store, against a read or write TLB laid
 * out as core/cpu/soft-tlb.ts says (riscv64 and aarch64): the entry's tag and high word compared as one
 * i64 with the address's page | privilege, then its RAM span offset.
 */
import { TLB_ENTRY } from '../cpu/soft-tlb';
import { type FunctionBody, Op as W } from './wasm-module';

const ENTRY_SHIFT = Math.log2(4 * TLB_ENTRY);

/**
 * Sets i32 local `lo` to the low word of the i64 address in local `addr` and `e` to its entry's byte
 * offset in a TLB of `entries` entries, and pushes (i32) whether the TLB at `base` holds the address's
 * page for `privilege` and an access of `size` bytes there is aligned (`unaligned`: lies in that page,
 * for an ISA whose ordinary loads and stores to RAM may be unaligned, as the interpreter does them).
 */
export function emitTlbHit(f: FunctionBody, base: number, entries: number, addr: number, lo: number, e: number, privilege: number, size: number, unaligned = false): void {
  f.get(addr).op(W.i32_wrap_i64).tee(lo);
  f.i32(12).op(W.i32_shr_u).i32(entries - 1).op(W.i32_and).i32(ENTRY_SHIFT).op(W.i32_shl).set(e);
  f.get(e).mem(W.i64_load, 3, base).get(addr).i64(-4096n).op(W.i64_and).i64Words(privilege, 0).op(W.i64_or).op(W.i64_eq);
  if (size <= 1) return;
  if (unaligned) f.get(lo).i32(0xfff).op(W.i32_and).i32(4096 - size).op(W.i32_le_u).op(W.i32_and);
  else f.get(lo).i32(size - 1).op(W.i32_and).op(W.i32_eqz).op(W.i32_and);
}

/** Pushes (i32) the RAM span offset of the address whose entry emitTlbHit found (locals `lo` and `e`). */
export function emitTlbOffset(f: FunctionBody, base: number, lo: number, e: number): void {
  f.get(e).mem(W.i32_load, 2, base + 8).get(lo).i32(0xfff).op(W.i32_and).op(W.i32_add);
}

