/**
 * The translation tiers' shared bookkeeping (core/jit/block-cache.ts): heads queued per page and mode,
 * a batch taken with the table index its blocks will get, installed blocks callable through the table,
 * a stale block's head handed back to the interpreter, and the flush when the table is full.
 */
import { describe, expect, it } from 'vitest';
import { BlockCache, PENDING, type QueuedBlock } from '../../../../src/core/jit/block-cache';
import { FunctionBody, I32, ModuleBuilder } from '../../../../src/core/jit/wasm-module';

/** A module whose export b<i> returns `value + i`, as a tier's batch module exports its blocks. */
function moduleOf(count: number, value: number): Record<string, unknown> {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
  const mod = new ModuleBuilder(1);
  for (let i = 0; i < count; i++) {
    const f = new FunctionBody(0);
    f.i32(value + i);
    mod.addFunction(`b${i}`, [], [I32], f);
  }
  return new WebAssembly.Instance(new WebAssembly.Module(mod.encode()), { env: { memory } } as never).exports as Record<string, unknown>;
}

describe('BlockCache', () => {
  it('compiles a partial batch for a very hot head only when it holds 8 heads or at the 4th such event since the last module', () => {
    const cache = new BlockCache<QueuedBlock>({ slots: 1024, modes: 1, maxBlocks: 100, batch: 32, onFlush: () => {} });
    const p = cache.page(0, 0);
    for (let k = 0; k < 3; k++) cache.queue({ page: p, k });
    expect([cache.veryHot(), cache.veryHot(), cache.veryHot(), cache.veryHot()]).toEqual([false, false, false, true]);
    cache.take();
    // The count starts again with each module; 8 queued heads are worth one at once.
    for (let k = 0; k < 7; k++) cache.queue({ page: p, k: 10 + k });
    expect(cache.veryHot()).toBe(false);
    cache.queue({ page: p, k: 20 });
    expect(cache.veryHot()).toBe(true);
    cache.take();
    cache.queue({ page: p, k: 30 });
    expect([cache.veryHot(), cache.veryHot(), cache.veryHot(), cache.veryHot()]).toEqual([false, false, false, true]);
  });

  it('keeps heads per page and mode, batches them, and installs each block at the index take() said', () => {
    let flushed = 0;
    const cache = new BlockCache<QueuedBlock>({ slots: 1024, modes: 4, maxBlocks: 100, batch: 3, onFlush: () => flushed++ });
    const a = cache.page(0x3000, 1);
    expect(cache.page(0x3000, 1)).toBe(a);
    expect(cache.page(0x3000, 2)).not.toBe(a);
    expect(cache.page(0x4000, 1)).not.toBe(a);
    expect(a.fns.length).toBe(1024);
    expect(cache.queue({ page: a, k: 5 })).toBe(false);
    expect(a.fns[5]).toBe(PENDING);
    expect(cache.queue({ page: a, k: 9 })).toBe(false);
    expect(cache.queue({ page: a, k: 700 })).toBe(true);
    const taken = cache.take()!;
    expect(taken.firstIndex).toBe(1);
    expect(taken.batch.map((b) => b.k)).toEqual([5, 9, 700]);
    expect(cache.take()).toBeUndefined();
    cache.install(taken.batch, moduleOf(3, 40), 123, 0);
    expect([a.fns[5], a.fns[9], a.fns[700]]).toEqual([1, 2, 3]);
    expect((cache.table.get(2) as () => number)()).toBe(41);
    expect(cache.stats).toMatchObject({ blocks: 3, modules: 1, codeBytes: 123, stale: 0, flushes: 0 });
    // A stale block's head goes back to the interpreter, cold again; a later index for it stays.
    a.heat[9] = 200;
    cache.drop(2);
    expect([a.fns[9], a.heat[9], cache.stats.stale]).toEqual([0, 0, 1]);
    cache.queue({ page: a, k: 9 });
    const again = cache.take()!;
    expect(again.firstIndex).toBe(4);
    cache.install(again.batch, moduleOf(1, 90), 10, 0);
    expect(a.fns[9]).toBe(4);
    cache.drop(2); // the old index no longer owns the head
    expect(a.fns[9]).toBe(4);
    expect(flushed).toBe(0);
  });

  it('drops everything, and tells the tier, when a batch would not fit the table', () => {
    let flushed = 0;
    const cache = new BlockCache<QueuedBlock>({ slots: 1024, modes: 1, maxBlocks: 4, batch: 2, onFlush: () => flushed++ });
    const p = cache.page(0, 0);
    cache.queue({ page: p, k: 0 });
    cache.queue({ page: p, k: 1 });
    cache.install(cache.take()!.batch, moduleOf(2, 0), 1, 0);
    cache.queue({ page: p, k: 2 });
    cache.queue({ page: p, k: 3 });
    // Indices 1-2 are used, 3-4 would reach maxBlocks + 1: the table is emptied instead.
    expect(cache.take()).toBeUndefined();
    expect(flushed).toBe(1);
    expect(cache.stats.flushes).toBe(1);
    const fresh = cache.page(0, 0);
    expect(fresh).not.toBe(p);
    expect(fresh.fns[0]).toBe(0);
    cache.queue({ page: fresh, k: 7 });
    expect(cache.take()!.firstIndex).toBe(1);
  });
});
