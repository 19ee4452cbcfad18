/**
 * How translated blocks call the tier's helpers (the JavaScript functions for slow loads and stores and
 * for instructions left to the interpreter's code): not as imports of every block module, but through
 * a small funcref table, made once per tier, of WebAssembly functions that forward to the JavaScript
 * ones. Each block module imports that table (never written after it is made, so V8 has no dispatch
 * tables to update) and calls `call_indirect` on it.
 *
 * Why (decision 0014): V8 11.3 (Node 20) compiles a wasm-to-JS wrapper for each JavaScript import
 * signature of a module when it compiles the module, and again when it instantiates it; with three
 * JavaScript imports that was 0.4-0.5 ms of the 0.7-1.1 ms a 32-block module cost, with the
 * vCPU thread waiting for V8's compile threads. The forwarders' wrappers are compiled once here.
 */
import { FunctionBody, ModuleBuilder, type ValType } from './wasm-module';

/** A helper's name and WebAssembly signature. */
export interface HelperSignature<N extends string = string> {
  readonly name: N;
  readonly params: readonly ValType[];
  readonly results: readonly ValType[];
}

/** A helper: its name, WebAssembly signature and the JavaScript function it calls. */
export interface Helper<N extends string = string> extends HelperSignature<N> {
  // i64 parameters and results are BigInts, i32 ones numbers (the JS API's conversions).
  readonly fn: (...args: never[]) => unknown;
}

/** What a block module needs to call one helper: its type index in that module and its table slot. */
export interface HelperCall {
  readonly type: number;
  readonly slot: number;
}

export class HelperTable<N extends string> {
  /** The forwarders, in the order of the helpers given. */
  readonly table: WebAssembly.Table;

  constructor(memory: WebAssembly.Memory, private readonly helpers: readonly Helper<N>[]) {
    const mod = new ModuleBuilder(memory.buffer.byteLength / 65536);
    const imported = helpers.map((h) => mod.importFunction(h.name, [...h.params], [...h.results]));
    helpers.forEach((h, i) => {
      const f = new FunctionBody(h.params.length);
      for (let p = 0; p < h.params.length; p++) f.get(p);
      f.call(imported[i]!);
      mod.addFunction(h.name, [...h.params], [...h.results], f);
    });
    const env: Record<string, unknown> = { memory };
    for (const h of helpers) env[h.name] = h.fn;
    const exports = new WebAssembly.Instance(new WebAssembly.Module(mod.encode()), { env } as never).exports;
    this.table = new WebAssembly.Table({ element: 'anyfunc', initial: helpers.length });
    helpers.forEach((h, i) => this.table.set(i, exports[h.name] as never));
  }

  /**
   * Declares the table as table 0 of a block module (instantiate it with `{ env: { memory, table } }`)
   * and returns each helper's call by name.
   */
  attach(mod: ModuleBuilder): Record<N, HelperCall> {
    return attachHelpers(mod, this.helpers);
  }
}

/**
 * HelperTable.attach from the helpers' names and signatures alone, for a thread that writes block modules
 * without the helpers' functions (they stay with the tier that instantiates the module).
 */
export function attachHelpers<N extends string>(mod: ModuleBuilder, helpers: readonly HelperSignature<N>[]): Record<N, HelperCall> {
  mod.importTable(helpers.length);
  const calls = {} as Record<N, HelperCall>;
  helpers.forEach((h, slot) => {
    calls[h.name] = { type: mod.typeIndex([...h.params], [...h.results]), slot };
  });
  return calls;
}
