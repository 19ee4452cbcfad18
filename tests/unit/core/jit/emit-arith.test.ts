/**
 * The high half of a 64 x 64-bit product as the tiers emit it (core/jit/emit-arith.ts): RISC-V MULH,
 * MULHSU and MULHU, A64 SMULH/UMULH and LoongArch mulh.d(u) all come from it, so every guest's bignum
 * and division-by-constant code depends on it. Checked against BigInt on edge and random operands.
 */
import { describe, expect, it } from 'vitest';
import { emitMulHigh } from '../../../../src/core/jit/emit-arith';
import { FunctionBody, I64, ModuleBuilder } from '../../../../src/core/jit/wasm-module';

type MulHigh = (a: bigint, b: bigint) => bigint;

function compile(): Record<'uu' | 'su' | 'ss', MulHigh> {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
  const mod = new ModuleBuilder(1);
  for (const [name, signedA, signedB] of [['uu', false, false], ['su', true, false], ['ss', true, true]] as const) {
    const f = new FunctionBody(2);
    const out = f.local(I64);
    // tmp and out the same local, as the riscv64 tier passes them.
    emitMulHigh(f, 0, 1, out, out, signedA, signedB);
    f.get(out);
    mod.addFunction(name, [I64, I64], [I64], f);
  }
  return new WebAssembly.Instance(new WebAssembly.Module(mod.encode()), { env: { memory } } as never).exports as never;
}

const high = (a: bigint, b: bigint, signedA: boolean, signedB: boolean): bigint => {
  const x = signedA ? BigInt.asIntN(64, a) : BigInt.asUintN(64, a);
  const y = signedB ? BigInt.asIntN(64, b) : BigInt.asUintN(64, b);
  return BigInt.asIntN(64, (x * y) >> 64n);
};

describe('emitMulHigh', () => {
  const fns = compile();
  const edges = [0n, 1n, 2n, -1n, -2n, 0xffff_ffffn, 0x1_0000_0000n, 0x7fff_ffff_ffff_ffffn, -0x8000_0000_0000_0000n, 0xffff_ffff_0000_0001n, 0x8000_0000_8000_0000n];
  let seed = 0x2545f491;
  const random = (): bigint => {
    let v = 0n;
    for (let i = 0; i < 4; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      v = (v << 16n) | BigInt(seed >>> 16);
    }
    return BigInt.asIntN(64, v);
  };
  const operands = [...edges, ...Array.from({ length: 40 }, random)];

  it('gives the high 64 bits of the unsigned, signed x unsigned and signed products', () => {
    const wrong: string[] = [];
    for (const a of operands) {
      for (const b of operands) {
        for (const [name, sa, sb] of [['uu', false, false], ['su', true, false], ['ss', true, true]] as const) {
          const got = fns[name](a, b);
          const want = high(a, b, sa, sb);
          if (got !== want) wrong.push(`${name} 0x${BigInt.asUintN(64, a).toString(16)} * 0x${BigInt.asUintN(64, b).toString(16)}: 0x${BigInt.asUintN(64, got).toString(16)}, not 0x${BigInt.asUintN(64, want).toString(16)}`);
        }
      }
    }
    expect(wrong.slice(0, 5)).toEqual([]);
  });
});
