/**
 * The tier's WebAssembly writer (core/jit/wasm-module.ts): the constants every translated block is full of
 * (immediates, addresses, page offsets) must come out of a compiled module with the value they went in
 * with, at every LEB128 length and on both sides of the 32-bit boundary the writer encodes fast.
 */
import { describe, expect, it } from 'vitest';
import { FunctionBody, I32, I64, ModuleBuilder } from '../../../../src/core/jit/wasm-module';

function constants(values: readonly bigint[], type: typeof I32 | typeof I64): (() => bigint | number)[] {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
  const mod = new ModuleBuilder(1);
  values.forEach((v, i) => {
    const f = new FunctionBody(0);
    if (type === I64) f.i64(v);
    else f.i32(Number(v));
    mod.addFunction(`c${i}`, [], [type], f);
  });
  const exports = new WebAssembly.Instance(new WebAssembly.Module(mod.encode()), { env: { memory } } as never).exports;
  return values.map((_, i) => exports[`c${i}`] as () => bigint | number);
}

describe('wasm-module constants', () => {
  // Each power of two and its neighbours: every LEB128 length, the sign bit of each 7-bit group, and
  // the 32-bit edges (-2^31 - 1, -2^31, 2^31 - 1, 2^31) between the writer's two encoders.
  const edges = [0n, -1n, 63n, 64n, -64n, -65n];
  for (let b = 1n; b < 64n; b++) edges.push(1n << b, (1n << b) - 1n, (1n << b) + 1n, -(1n << b), -(1n << b) - 1n, -(1n << b) + 1n);
  const i64 = edges.map((v) => BigInt.asIntN(64, v));

  it('i64.const keeps every value from -2^63 to 2^63 - 1', () => {
    const fns = constants(i64, I64);
    expect(fns.map((f) => f())).toEqual(i64);
  });

  it('i64.const from two 32-bit words keeps every value as i64.const from a BigInt does', () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    const mod = new ModuleBuilder(1);
    i64.forEach((v, i) => {
      const f = new FunctionBody(0);
      f.i64Words(Number(BigInt.asIntN(32, v)), Number(v >> 32n));
      mod.addFunction(`w${i}`, [], [I64], f);
    });
    const exports = new WebAssembly.Instance(new WebAssembly.Module(mod.encode()), { env: { memory } } as never).exports;
    expect(i64.map((_, i) => (exports[`w${i}`] as () => bigint)())).toEqual(i64);
  });

  it('i32.const keeps every 32-bit value', () => {
    const i32 = [...new Set(i64.map((v) => BigInt.asIntN(32, v)))];
    const fns = constants(i32, I32);
    expect(fns.map((f) => BigInt(f() as number))).toEqual(i32);
  });
});
