/**
 * Translation profiles on aarch64 (core/jit/head-profile.ts, interpreter.ts newDecodePage, tier.ts
 * translate): a loop head a previous boot translated is translated the first time this boot runs it as a
 * head, not after `hot` runs, with the interpreter's result; a profile of another machine is not replayed.
 */
import { describe, expect, it } from 'vitest';
import { machine, type TestMachine } from './harness';
import { HeadProfile } from '../../../../../src/core/jit/head-profile';

const RAM = 1 << 20;
const PAGES = RAM / 4096;
const HOT = 50;

/** mov x0, #n; mov x1, #0; loop: add x1, x1, #1; sub x0, x0, #1; cbnz x0, loop; wfi (encoded by hand). */
function loop(n: number): Uint8Array {
  const words = [0xd2800000 | (n << 5), 0xd2800001, 0x91000421, 0xd1000400, 0xb5ffffc0, 0xd503207f];
  return new Uint8Array(new Uint32Array(words).buffer);
}

function tiered(n: number, profile?: HeadProfile): TestMachine {
  const m = machine(loop(n), { ramSize: RAM, tier: true, ...(profile ? { headProfile: profile } : {}) });
  m.cpu.tier!.hot = HOT;
  m.cpu.tier!.batch = 1;
  expect(m.run(100_000)).toBe('wfi');
  expect(m.x(1)).toBe(BigInt(n));
  return m;
}

describe('aarch64 translation profiles', () => {
  it('translates a head of the previous boot\'s profile the first time it runs, with the same result', () => {
    const first = new HeadProfile(PAGES, 1024);
    expect(tiered(HOT + 10, first).cpu.tier!.stats.blocks).toBeGreaterThan(0);
    expect(first.heads).toBeGreaterThan(0);
    const second = new HeadProfile(PAGES, 1024, first.encode());
    expect(second.replayed).toBe(first.heads);
    expect(tiered(5, second).cpu.tier!.stats.blocks).toBeGreaterThan(0);
    expect(tiered(5).cpu.tier!.stats.blocks).toBe(0);
    expect(second.encode()).toEqual(first.encode());
  });

  it('does not replay a profile of a machine with another RAM size', () => {
    const first = new HeadProfile(PAGES, 1024);
    tiered(HOT + 10, first);
    const foreign = new HeadProfile(PAGES / 2, 1024, first.encode());
    expect(foreign.replayed).toBe(0);
    expect(tiered(5, foreign).cpu.tier!.stats.blocks).toBe(0);
  });
});
