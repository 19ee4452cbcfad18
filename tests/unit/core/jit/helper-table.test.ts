/**
 * The helpers translated blocks call through one funcref table (core/jit/helper-table.ts): arguments and
 * results pass through the forwarders unchanged (i64 as BigInt), a helper's exception reaches the code
 * that entered the block (the tiers raise guest faults that way), and modules made later share the table.
 */
import { describe, expect, it } from 'vitest';
import { HelperTable } from '../../../../src/core/jit/helper-table';
import { FunctionBody, I32, I64, ModuleBuilder, Op } from '../../../../src/core/jit/wasm-module';

const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });

describe('HelperTable', () => {
  it('calls each helper with its arguments and gives back its result, from any number of block modules', () => {
    const seen: unknown[][] = [];
    const helpers = new HelperTable(memory, [
      { name: 'note', params: [I32, I32], results: [], fn: (...a: never[]) => void seen.push(a) },
      { name: 'wide', params: [I64, I32], results: [I64], fn: ((v: bigint, n: number) => v * BigInt(n) + 1n) as never },
      { name: 'pick', params: [I32, I32, I32], results: [I32], fn: ((a: number, b: number, c: number) => (c !== 0 ? a : b)) as never },
    ]);
    const run = (k: number): number => {
      const mod = new ModuleBuilder(1);
      const h = helpers.attach(mod);
      const f = new FunctionBody(1);
      f.get(0).i32(k).callIndirect(h.note);
      // (wide(x << 32, 3) >> 32) + pick(10, 20, x & 1)
      f.get(0).op(Op.i64_extend_i32_u).i64(32n).op(Op.i64_shl).i32(3).callIndirect(h.wide);
      f.i64(32n).op(Op.i64_shr_u).op(Op.i32_wrap_i64);
      f.i32(10).i32(20).get(0).i32(1).op(Op.i32_and).callIndirect(h.pick).op(Op.i32_add);
      mod.addFunction('b0', [I32], [I32], f);
      const exports = new WebAssembly.Instance(new WebAssembly.Module(mod.encode()), { env: { memory, table: helpers.table } } as never).exports;
      return (exports.b0 as (x: number) => number)(k);
    };
    expect(run(5)).toBe(5 * 3 + 10);
    expect(run(4)).toBe(4 * 3 + 20);
    expect(seen).toEqual([[5, 5], [4, 4]]);
  });

  it('lets an exception thrown by a helper unwind the block to its caller', () => {
    class Fault extends Error {}
    const helpers = new HelperTable(memory, [
      { name: 'ld', params: [I32], results: [I32], fn: ((a: number) => { if (a === 0) throw new Fault('page fault'); return a; }) as never },
    ]);
    const mod = new ModuleBuilder(1);
    const h = helpers.attach(mod);
    const f = new FunctionBody(1);
    f.get(0).callIndirect(h.ld).i32(1).op(Op.i32_add);
    mod.addFunction('b0', [I32], [I32], f);
    const b0 = new WebAssembly.Instance(new WebAssembly.Module(mod.encode()), { env: { memory, table: helpers.table } } as never).exports.b0 as (x: number) => number;
    expect(b0(41)).toBe(42);
    expect(() => b0(0)).toThrow(Fault);
  });
});
