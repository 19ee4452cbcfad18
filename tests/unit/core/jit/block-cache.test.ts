/**
 * The translation tiers' shared bookkeeping (core/jit/block-cache.ts): heads queued per page and mode,
 * a batch taken with the table index its blocks will get, installed blocks callable through the table,
 * a stale block's head handed back to the interpreter, and the flush when the table is full.
 */
import { describe, expect, it } from 'vitest';
import { BlockCache, CompiledModule, IN_FLIGHT, PENDING, useBackgroundCompiler, type BackgroundCompiler, type QueuedBlock } from '../../../../src/core/jit/block-cache';
import { FunctionBody, I32, ModuleBuilder } from '../../../../src/core/jit/wasm-module';

const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });

/** The bytes of a module whose export b<i> returns `value + i`, as a tier's batch module exports its blocks. */
function bytesOf(count: number, value: number): Uint8Array {
  const mod = new ModuleBuilder(1);
  for (let i = 0; i < count; i++) {
    const f = new FunctionBody(0);
    f.i32(value + i);
    mod.addFunction(`b${i}`, [], [I32], f);
  }
  return mod.encode();
}

function moduleOf(count: number, value: number): Record<string, unknown> {
  return new WebAssembly.Instance(new WebAssembly.Module(bytesOf(count, value) as Uint8Array<ArrayBuffer>), { env: { memory } } as never).exports as Record<string, unknown>;
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

  it('compiles on another thread when one is given: the heads wait in flight, each batch lands at the indices take() reserved, and none after a flush', () => {
    // A compiler that compiles only when the test says, in the order asked.
    const queue: { ticket: number; bytes: Uint8Array }[] = [];
    const done: CompiledModule[] = [];
    let up = false;
    const compiler: BackgroundCompiler = {
      available: () => up,
      submit: (bytes) => queue.push({ ticket: queue.length + 1, bytes }),
      take: () => done.splice(0),
    };
    const finish = () => {
      for (const q of queue.splice(0)) done.push(new CompiledModule(q.ticket, new WebAssembly.Module(q.bytes as Uint8Array<ArrayBuffer>), '', -1));
    };
    useBackgroundCompiler(compiler);
    try {
      const cache = new BlockCache<QueuedBlock>({ slots: 1024, modes: 1, maxBlocks: 8, batch: 2, onFlush: () => {} });
      const p = cache.page(0, 0);
      // Until the thread is up, batches compile here.
      cache.queue({ page: p, k: 0 });
      cache.compile(cache.take()!.batch, bytesOf(1, 0), { env: { memory } }, 0, true);
      expect([p.fns[0], cache.waiting]).toEqual([1, false]);
      up = true;
      cache.queue({ page: p, k: 1 });
      cache.queue({ page: p, k: 2 });
      const first = cache.take()!;
      cache.compile(first.batch, bytesOf(2, 10), { env: { memory } }, 0, true);
      expect([p.fns[1], p.fns[2], cache.waiting]).toEqual([IN_FLIGHT, IN_FLIGHT, true]);
      // A second batch is taken while the first is in flight: it gets the next indices, not the same ones.
      cache.queue({ page: p, k: 3 });
      cache.queue({ page: p, k: 4 });
      const second = cache.take()!;
      expect(second.firstIndex).toBe(4);
      cache.compile(second.batch, bytesOf(2, 20), { env: { memory } }, 0, true);
      expect(cache.poll()).toBe(false);
      finish();
      expect(cache.poll()).toBe(true);
      expect([p.fns[1], p.fns[2], p.fns[3], p.fns[4], cache.waiting]).toEqual([2, 3, 4, 5, false]);
      expect([2, 3, 4, 5].map((i) => (cache.table.get(i) as () => number)())).toEqual([10, 11, 20, 21]);
      // A batch still in flight when the cache is emptied is not installed: its indices belong to others now.
      cache.queue({ page: p, k: 5 });
      const third = cache.take()!;
      cache.compile(third.batch, bytesOf(1, 30), { env: { memory } }, 0, true);
      cache.queue({ page: p, k: 6 });
      cache.queue({ page: p, k: 7 });
      cache.queue({ page: p, k: 8 });
      expect(cache.take()).toBeUndefined(); // 7 to 9 would not fit: flushed
      finish();
      expect(cache.poll()).toBe(false);
      expect(cache.page(0, 0).fns[5]).toBe(0);
      expect(cache.stats.blocks).toBe(5);
      // Asked to compile here (a deterministic run, a tier that cannot wait), it does, with the compiler there.
      const q = cache.page(0, 0);
      cache.queue({ page: q, k: 8 });
      cache.compile(cache.take()!.batch, bytesOf(1, 40), { env: { memory } }, 0, false);
      expect(q.fns[8]).toBe(1);
    } finally {
      useBackgroundCompiler(undefined);
    }
  });
});
