/**
 * Translation profiles on riscv64 (core/jit/head-profile.ts, mmu.ts enterPage, tier.ts translate): a loop
 * head a previous boot translated is translated the first time this boot runs it, not after HOT runs; the
 * program's result is the interpreter's either way; a profile of another machine is not replayed.
 */
import { describe, expect, it } from 'vitest';
import { machine, type TestMachine } from '../harness';
import { HART_STATE_BYTES } from '../../../../../src/core/isa/riscv64/hart';
import { HOT } from '../../../../../src/core/isa/riscv64/tier';
import { registerWasmMemory } from '../../../../../src/core/jit/wasm-module';
import { HeadProfile } from '../../../../../src/core/jit/head-profile';

const RAM = 1 << 20;
const PAGES = RAM / 4096;

/** A loop of `n` trips that counts them in x6, then stops at WFI. */
function loop(n: number): string {
  return [`li x5, ${n}`, 'li x6, 0', 'loop:', 'addi x6, x6, 1', 'xori x7, x6, 5', 'addi x5, x5, -1', 'bnez x5, loop', 'wfi'].join('\n');
}

/** A hart over a registered WebAssembly.Memory, compiling each block as it is queued, with `profile`. */
function tiered(source: string, profile?: HeadProfile): TestMachine {
  const pages = Math.ceil((RAM + 2 * HART_STATE_BYTES) / 65536);
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
  registerWasmMemory(memory);
  const m = machine(source, { ramSize: RAM, buffer: memory.buffer as unknown as SharedArrayBuffer, ...(profile ? { headProfile: profile } : {}) });
  m.hart.tier!.batch = 1;
  return m;
}

function runToWfi(m: TestMachine): void {
  let exit = '';
  for (let i = 0; i < 100 && exit !== 'wfi'; i++) exit = m.run(4096);
  expect(exit).toBe('wfi');
}

describe('riscv64 translation profiles', () => {
  it('translates a head of the previous boot\'s profile the first time it runs, with the same result', () => {
    // The first boot runs the loop past HOT trips: its head is translated and noted.
    const first = new HeadProfile(PAGES, 2048);
    const learn = tiered(loop(HOT + 40), first);
    runToWfi(learn);
    expect(learn.hart.tier!.stats.blocks).toBeGreaterThan(0);
    expect(first.heads).toBeGreaterThan(0);
    const saved = first.encode();

    // A later boot of the same machine, 20 trips: far from HOT, yet its loop runs translated.
    const second = new HeadProfile(PAGES, 2048, saved);
    expect(second.replayed).toBe(first.heads);
    const replay = tiered(loop(20), second);
    runToWfi(replay);
    const without = tiered(loop(20));
    runToWfi(without);
    expect(replay.hart.tier!.stats.blocks).toBeGreaterThan(0);
    expect(without.hart.tier!.stats.blocks).toBe(0);
    expect(replay.x(6)).toBe(20n);
    expect(without.x(6)).toBe(20n);
    // This boot's profile names the heads this boot translated again.
    expect(second.heads).toBeGreaterThan(0);
    expect(second.encode()).toEqual(saved);
  });

  it('does not replay a profile of a machine with another RAM size', () => {
    const first = new HeadProfile(PAGES, 2048);
    runToWfi(tiered(loop(HOT + 40), first));
    const foreign = new HeadProfile(PAGES * 2, 2048, first.encode());
    expect(foreign.replayed).toBe(0);
    const m = tiered(loop(20), foreign);
    runToWfi(m);
    expect(m.hart.tier!.stats.blocks).toBe(0);
    expect(m.x(6)).toBe(20n);
  });
});
