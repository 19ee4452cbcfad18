/**
 * The thread that compiles a vCPU's block modules (host/wasm-compiler.ts): a module handed over comes back
 * compiled, every function already compiled, through a port read without the event loop, in the order
 * asked; bytes that are not a module come back as an error for that ticket, and the thread goes on.
 * Spawned from the vCPU entry (the built out/node/vcpu-worker.js), it also writes the riscv64 tier's
 * modules from their jobs, and the hart runs them.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { WasmCompilerThread } from '../../../src/host/wasm-compiler';
import { FunctionBody, I32, ModuleBuilder, registerWasmMemory } from '../../../src/core/jit/wasm-module';
import { useBackgroundCompiler } from '../../../src/core/jit/block-cache';
import { HART_STATE_BYTES } from '../../../src/core/isa/riscv64/hart';
import { machine } from '../core/isa/harness';

function bytesOf(value: number): Uint8Array {
  const mod = new ModuleBuilder(1);
  const f = new FunctionBody(0);
  f.i32(value);
  mod.addFunction('b0', [], [I32], f);
  return mod.encode();
}

/** Polls as the vCPU does, without giving the event loop a turn, until `count` results are back. */
function collect(compiler: WasmCompilerThread, count: number): ReturnType<WasmCompilerThread['take']> {
  const out: ReturnType<WasmCompilerThread['take']> = [];
  const sleep = new Int32Array(new SharedArrayBuffer(4));
  const deadline = Date.now() + 20_000;
  while (out.length < count && Date.now() < deadline) {
    out.push(...compiler.take());
    Atomics.wait(sleep, 0, 0, 5);
  }
  return out;
}

describe('WasmCompilerThread', () => {
  it('compiles modules on its own thread and hands them back in order, an error for bytes that are not a module', () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    const compiler = new WasmCompilerThread();
    expect(compiler.take()).toEqual([]);
    // Asked first, it starts its thread; up a moment later.
    const sleep = new Int32Array(new SharedArrayBuffer(4));
    const deadline = Date.now() + 20_000;
    while (!compiler.available() && Date.now() < deadline) Atomics.wait(sleep, 0, 0, 5);
    expect(compiler.available()).toBe(true);
    const tickets = [compiler.submit(bytesOf(7)), compiler.submit(new Uint8Array([0, 97, 115, 109, 9, 9, 9, 9])), compiler.submit(bytesOf(8))];
    const back = collect(compiler, 3);
    expect(back.map((b) => b.ticket)).toEqual(tickets);
    expect(back[1]!.error).toMatch(/version|magic|expected/i);
    const values = [back[0]!, back[2]!].map((b) => (new WebAssembly.Instance(b.module!, { env: { memory } } as never).exports.b0 as () => number)());
    expect(values).toEqual([7, 8]);
    expect(compiler.take()).toEqual([]);
  });
});

describe('WasmCompilerThread from the vCPU entry', () => {
  it('writes the riscv64 tier\'s modules from their jobs once it has loaded the writer, and the hart runs them with the interpreter\'s results', () => {
    const entry = pathToFileURL(path.resolve(import.meta.dirname, '../../../out/node/vcpu-worker.js'));
    const compiler = new WasmCompilerThread({ entry, arch: 'riscv64' });
    compiler.start();
    const sleep = new Int32Array(new SharedArrayBuffer(4));
    const deadline = Date.now() + 30_000;
    while (!compiler.writesModules() && Date.now() < deadline) Atomics.wait(sleep, 0, 0, 5);
    expect(compiler.writesModules()).toBe(true);
    // The same loop on a hart that translates (its modules written on the thread) and on one that interprets.
    const source = ['li t0, 0', 'li t1, 0', 'li t2, 2000', 'loop:', 'add t0, t0, t1', 'slli t3, t1, 3', 'xor t0, t0, t3', 'addi t1, t1, 1', 'blt t1, t2, loop', 'wfi'];
    const ram = 1 << 20;
    const pages = Math.ceil((ram + 2 * HART_STATE_BYTES) / 65536);
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
    registerWasmMemory(memory);
    const tiered = machine(source, { ramSize: ram, buffer: memory.buffer as unknown as SharedArrayBuffer });
    const plain = machine(source, { ramSize: ram });
    const tier = tiered.hart.tier!;
    tier.hot = 4;
    tier.batch = 1;
    useBackgroundCompiler(compiler);
    try {
      // The first run queues the loop's block and sends its job; the hart interprets until it is back.
      let exit = 'budget';
      while (exit === 'budget' && Date.now() < deadline) {
        exit = tiered.run(1000);
        Atomics.wait(sleep, 0, 0, 1);
      }
      expect(exit).toBe('wfi');
    } finally {
      useBackgroundCompiler(undefined);
    }
    expect(plain.run(100_000)).toBe('wfi');
    expect(tiered.hart.getX(5)).toBe(plain.hart.getX(5));
    expect(tiered.hart.retired).toBe(plain.hart.retired);
    expect(tier.stats.blocks).toBeGreaterThan(0);
    // A module written there: its size came back with it.
    expect(tier.stats.codeBytes).toBeGreaterThan(0);
  });
});
