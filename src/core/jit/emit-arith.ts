/**
 * Arithmetic the tiers' block emitters share, written with the wasm-module.ts opcode helpers: what
 * WebAssembly has no instruction for and every 64-bit ISA does.
 */
import { type FunctionBody, I64, Op as W } from './wasm-module';

const MASK32 = 0xffff_ffffn;

/** Per function body: the i64 scratch local emitMulHigh keeps a partial product in. */
const mulScratch = new WeakMap<FunctionBody, number>();

/**
 * Sets local `out` to the high 64 bits of the 128-bit product of i64 locals `a` and `b`, from the four
 * 32-bit limb products (each computed once). `signedA` / `signedB` read that operand as signed (RISC-V's
 * MULH both, MULHSU `a` only; A64 SMULH, LoongArch mulh.d both). `tmp` is an i64 scratch local (it may be
 * `out`); a second one is added to the function on first use.
 */
export function emitMulHigh(f: FunctionBody, a: number, b: number, tmp: number, out: number, signedA: boolean, signedB: boolean): void {
  let s = mulScratch.get(f);
  if (s === undefined) {
    s = f.local(I64);
    mulScratch.set(f, s);
  }
  const lo32 = (l: number) => f.get(l).i64(MASK32).op(W.i64_and);
  const hi32 = (l: number) => f.get(l).i64(32n).op(W.i64_shr_u);
  // s = aL*bH; tmp = (aL*bL >> 32) + lo(s) + aH*bL (at most 2^64 - 1: no carry is lost)
  lo32(a); hi32(b); f.op(W.i64_mul).set(s);
  lo32(a); lo32(b); f.op(W.i64_mul).i64(32n).op(W.i64_shr_u);
  f.get(s).i64(MASK32).op(W.i64_and).op(W.i64_add);
  hi32(a); lo32(b); f.op(W.i64_mul).op(W.i64_add).set(tmp);
  // high = aH*bH + hi(s) + hi(tmp)
  hi32(a); hi32(b); f.op(W.i64_mul);
  f.get(s).i64(32n).op(W.i64_shr_u).op(W.i64_add);
  f.get(tmp).i64(32n).op(W.i64_shr_u).op(W.i64_add);
  // signed = unsigned - (a < 0 ? b : 0) - (b < 0 ? a : 0), for the operands read as signed
  if (signedA) f.get(a).i64(63n).op(W.i64_shr_s).get(b).op(W.i64_and).op(W.i64_sub);
  if (signedB) f.get(b).i64(63n).op(W.i64_shr_s).get(a).op(W.i64_and).op(W.i64_sub);
  f.set(out);
}
