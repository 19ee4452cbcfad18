/**
 * The thread that compiles a vCPU's block modules (host/wasm-compiler.ts): a module handed over comes back
 * compiled, every function already compiled, through a port read without the event loop, in the order
 * asked; bytes that are not a module come back as an error for that ticket, and the thread goes on.
 */
import { describe, expect, it } from 'vitest';
import { WasmCompilerThread } from '../../../src/host/wasm-compiler';
import { FunctionBody, I32, ModuleBuilder } from '../../../src/core/jit/wasm-module';

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
