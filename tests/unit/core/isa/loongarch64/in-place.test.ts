/**
 * The in-place rows of the LA64 interpreter (interpreter.ts IN_PLACE: the hot integer instructions that
 * read and write the register file directly so V8 keeps their values unboxed) against the Handler form
 * of the same instruction, which the QEMU differential tests also check: for every in-place mnemonic,
 * random encodings and random register values (with edge values: 0, ±1, the 32- and 64-bit extremes),
 * the registers, the branch target and the bytes of memory must come out the same.
 */
import { describe, expect, it } from 'vitest';
import { decode } from '../../../../../src/core/isa/loongarch64/decoder';
import { execute, executeWithHandler, IN_PLACE_MNEMONICS } from '../../../../../src/core/isa/loongarch64/interpreter';
import { maskMatch, OPCODES } from '../../../../../src/core/isa/loongarch64/opcodes';
import { machine } from './harness';

const EDGES = [0n, 1n, -1n, 0x7fffffffn, -0x80000000n, 0xffffffffn, 0x7fffffffffffffffn, -0x8000000000000000n, 31n, 32n, 63n, 64n];

/** A small deterministic generator (xorshift32): the test is the same on every run. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

describe('LA64 in-place instruction rows', () => {
  it('give the same registers, branch target and memory as the Handler form for random operands', () => {
    const next = rng(0x1a64);
    const value = (): bigint => {
      const pick = next() % 4;
      if (pick === 0) return EDGES[next() % EDGES.length]!;
      return BigInt.asIntN(64, (BigInt(next()) << 32n) | BigInt(next()));
    };
    const a = machine();
    const b = machine();
    const memA = new Uint8Array(a.bus.ram.buffer, 0, 0x20000);
    const memB = new Uint8Array(b.bus.ram.buffer, 0, 0x20000);
    let checked = 0;
    expect(IN_PLACE_MNEMONICS.length).toBeGreaterThan(60);
    for (const mnemonic of IN_PLACE_MNEMONICS) {
      const row = OPCODES.find((r) => r.mnemonic === mnemonic)!;
      const { mask, match } = maskMatch(row);
      const memory = /^(ld|st)/.test(mnemonic);
      let samples = 0;
      for (let attempt = 0; attempt < 400 && samples < 60; attempt++) {
        const word = (match | (next() & ~mask)) >>> 0;
        const d = decode(word);
        if (!d || d.row.mnemonic !== mnemonic) continue;
        samples++;
        for (let i = 0; i < 0x20000; i += 4) {
          const v = next() | 0;
          memA[i] = memB[i] = v & 0xff;
          memA[i + 1] = memB[i + 1] = (v >> 8) & 0xff;
          memA[i + 2] = memB[i + 2] = (v >> 16) & 0xff;
          memA[i + 3] = memB[i + 3] = (v >>> 24) & 0xff;
        }
        for (let i = 1; i < 32; i++) a.cpu.r[i] = b.cpu.r[i] = value();
        a.cpu.r[0] = b.cpu.r[0] = 0n;
        if (memory) {
          // Addresses inside RAM (the CPU is in direct address mode): base 0x10000, index 0..0xfff.
          const index = BigInt(next() & 0xfff);
          a.cpu.r[d.rk] = b.cpu.r[d.rk] = index;
          a.cpu.r[d.rj] = b.cpu.r[d.rj] = 0x10000n;
          a.cpu.r[0] = b.cpu.r[0] = 0n;
          if (d.rj === 0) continue;
        }
        const pc = BigInt.asIntN(64, (BigInt(next()) << 32n) | BigInt(next() & ~3));
        const before = Array.from(a.cpu.r.subarray(0, 32));
        execute(a.cpu, d, pc);
        executeWithHandler(b.cpu, d, pc);
        a.cpu.r[0] = b.cpu.r[0] = 0n;
        const what = `${mnemonic} (0x${word.toString(16)}) on ${before.map((v) => v.toString(16)).join(',')} at pc ${pc.toString(16)}`;
        expect(Array.from(a.cpu.r.subarray(0, 32)), what).toEqual(Array.from(b.cpu.r.subarray(0, 32)));
        expect(a.cpu.takeJump(), what).toBe(b.cpu.takeJump());
        if (memory) expect(Buffer.compare(memA, memB), what).toBe(0);
        checked++;
      }
      expect(samples, mnemonic).toBeGreaterThan(0);
    }
    expect(a.faults).toEqual([]);
    expect(b.faults).toEqual([]);
    expect(checked).toBeGreaterThan(3000);
  });
});
