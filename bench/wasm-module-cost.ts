/**
 * What one module of translated blocks costs V8 to make, before any block runs: `new WebAssembly.Module`
 * plus `new WebAssembly.Instance` plus putting its blocks in the dispatcher's table, per module, for
 * modules shaped like the tiers' batches (blocks with a TLB-style load, a compare and a slow-path call).
 * Two ways of reaching the helpers are compared (decision 0014): three JavaScript functions imported by
 * every module (how the tiers did it until 2026-12-04), and the shared table of WebAssembly forwarders
 * (core/jit/helper-table.ts, how they do it now). Every module differs (V8 caches identical ones: every round and variant has its own constants).
 * Run: npx rolldown bench/wasm-module-cost.ts -o /tmp/wasm-module-cost.mjs --platform node && node /tmp/wasm-module-cost.mjs [modules] [blocks]
 */
import { HelperTable } from '../src/core/jit/helper-table';
import { FunctionBody, I32, I64, ModuleBuilder, Op as W, type ValType, VOID } from '../src/core/jit/wasm-module';

const MODULES = Number(process.argv[2] ?? 300);
const BLOCKS = Number(process.argv[3] ?? 32);
const PAGES = 64;
const memory = new WebAssembly.Memory({ initial: PAGES, maximum: PAGES, shared: true });
const table = new WebAssembly.Table({ element: 'anyfunc', initial: MODULES * BLOCKS + 1 });
const SIG: ValType[] = [I32, I32, I32, I32, I32, I32, I32];
const noop = (): number => 0;

type Call = (f: FunctionBody, which: number) => void;

/** A block of `n` loads: address from a register, a tag compare, the fast load or a helper call. */
function block(salt: number, n: number, call: Call): FunctionBody {
  const f = new FunctionBody(4);
  const a = f.local(I64), r = f.local(I64), e = f.local(I32);
  for (let i = 0; i < n; i++) {
    f.i32(0).mem(W.i64_load, 3, 8 * ((salt + i) % 31)).i64(BigInt(salt * 8 + i)).op(W.i64_add).set(a);
    f.get(a).op(W.i32_wrap_i64).i32(12).op(W.i32_shr_u).i32(63).op(W.i32_and).i32(2).op(W.i32_shl).set(e);
    f.get(e).mem(W.i32_load, 2, 4096).get(a).op(W.i32_wrap_i64).i32(-4096).op(W.i32_and).op(W.i32_eq);
    f.op(W.if, VOID).get(a).op(W.i32_wrap_i64).i32(0xfff).op(W.i32_and).mem(W.i64_load, 3, 8192).set(r);
    f.op(W.else);
    for (let p = 0; p < SIG.length; p++) f.i32(p + i);
    call(f, i % 3);
    f.op(W.drop).op(W.end);
    f.i32(0).get(r).mem(W.i64_store, 3, 8 * ((salt + i + 7) % 31));
  }
  f.get(0).i32(n).op(W.i32_add);
  return f;
}

function run(kind: 'imports' | 'table', round: number): { module: number; instance: number; install: number; bytes: number } {
  const helpers = kind === 'table'
    ? new HelperTable(memory, ['slow', 'other', 'ending'].map((name) => ({ name, params: SIG, results: [I32], fn: noop })))
    : undefined;
  const mods: Uint8Array[] = [];
  for (let m = 0; m < MODULES; m++) {
    const mod = new ModuleBuilder(PAGES);
    let call: Call;
    if (helpers) {
      const h = helpers.attach(mod);
      const slots = [h.slow, h.other, h.ending];
      call = (f, which) => void f.callIndirect(slots[which]!);
    } else {
      const fns = ['slow', 'other', 'ending'].map((name) => mod.importFunction(name, SIG, [I32]));
      call = (f, which) => void f.call(fns[which]!);
    }
    for (let b = 0; b < BLOCKS; b++) mod.addFunction(`b${b}`, [I32, I32, I32, I32], [I32], block((round * 2 + (kind === 'table' ? 1 : 0)) * MODULES * BLOCKS + m * BLOCKS + b, 12, call));
    mods.push(mod.encode());
  }
  const env = helpers ? { memory, table: helpers.table } : { memory, slow: noop, other: noop, ending: noop };
  let module = 0, instance = 0, install = 0, index = 1;
  for (const bytes of mods) {
    const t0 = performance.now();
    const compiled = new WebAssembly.Module(bytes);
    const t1 = performance.now();
    const exports = new WebAssembly.Instance(compiled, { env } as never).exports;
    const t2 = performance.now();
    for (let b = 0; b < BLOCKS; b++) table.set(index++, exports[`b${b}`] as never);
    install += performance.now() - t2;
    module += t1 - t0;
    instance += t2 - t1;
  }
  return { module: module / MODULES, instance: instance / MODULES, install: install / MODULES, bytes: mods[0]!.length };
}

const rounds = 3;
const totals = { imports: [] as number[], table: [] as number[] };
for (let round = 0; round < rounds; round++) {
  for (const kind of ['imports', 'table'] as const) {
    const r = run(kind, round);
    const total = r.module + r.instance + r.install;
    totals[kind].push(total);
    console.log(`${kind.padEnd(7)} round ${round + 1}: ${MODULES} modules of ${BLOCKS} blocks (${(r.bytes / 1024).toFixed(1)} KiB each): ` +
      `Module ${r.module.toFixed(3)} ms, Instance ${r.instance.toFixed(3)} ms, table ${r.install.toFixed(3)} ms = ${total.toFixed(3)} ms per module`);
  }
}
const best = (xs: number[]) => Math.min(...xs);
console.log(`per module, best of ${rounds}: JS imports ${best(totals.imports).toFixed(3)} ms, helper table ${best(totals.table).toFixed(3)} ms ` +
  `(${(best(totals.imports) / best(totals.table)).toFixed(2)}x)`);
