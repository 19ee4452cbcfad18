/**
 * Direct calls between translated blocks (decision 0014, "chained exits"): a block that leaves for a fixed
 * pc in its own page calls the block there itself, as a wasm tail call, instead of returning to the
 * dispatcher, which would look the pc up in the jump cache and call it through the table. Only blocks in
 * the caller's page and mode are linked: the jump cache entry (or interpreter) that led to the caller
 * vouched for that page's translation, and the callee runs on it. A callee is linked when the caller is
 * compiled: in the same batch (a call by function index) or already installed (imported from its
 * module); blocks compiled later are reached through the dispatcher as before. Before the call the
 * caller checks the callee's live byte (BlockCache's `live`), so a callee dropped as stale is not called
 * again; the ISA's emitter also checks the budget and the stop word there, as the dispatcher does.
 */
import type { QueuedBlock, TierPage } from './block-cache';
import { type FunctionBody, type ModuleBuilder, Op as W, type ValType, VOID } from './wasm-module';

/** A block another calls directly: its function index in the caller's module and its table index. */
export interface Link {
  readonly fn: number;
  readonly index: number;
}

/**
 * Which blocks each block of a batch may call at its exits, as plain data (it may go to the thread that
 * writes the module): `imports`, the table indices of installed callees in the order the module imports
 * them; `wants[i]`, block i's exit slots with the callee there, a table index (> 0) or -1 - j for batch
 * block j. `targets(b)` names the slots b's exits to fixed pcs of its page go to.
 */
export interface LinkPlan {
  readonly imports: number[];
  readonly wants: [slot: number, callee: number][][];
}

export function planLinks<Q extends QueuedBlock>(batch: readonly Q[], targets: (b: Q) => Iterable<number>): LinkPlan {
  const inBatch = new Map<TierPage, Map<number, number>>();
  batch.forEach((b, i) => {
    let m = inBatch.get(b.page);
    if (!m) inBatch.set(b.page, (m = new Map()));
    m.set(b.k, i);
  });
  const imported = new Set<number>();
  const imports: number[] = [];
  const wants = batch.map((b) => {
    const want: [number, number][] = [];
    for (const t of targets(b)) {
      const i = inBatch.get(b.page)?.get(t);
      if (i !== undefined) {
        want.push([t, -1 - i]);
        continue;
      }
      const index = b.page.fns[t]!;
      if (index <= 0) continue;
      if (!imported.has(index)) {
        imported.add(index);
        imports.push(index);
      }
      want.push([t, index]);
    }
    return want;
  });
  return { imports, wants };
}

/** The functions a module written from `plan` imports for its installed callees, by import name (`c<index>`). */
export function linkImports(plan: LinkPlan, table: WebAssembly.Table, env: Record<string, unknown>): void {
  for (const index of plan.imports) env[`c${index}`] = table.get(index);
}

/**
 * Declares `plan`'s imports in `mod` (call before the first addFunction) and returns each block's links:
 * slot -> Link, batch block i being the module's i-th defined function with table index firstIndex + i;
 * the blocks have the signature `params` -> `results`.
 */
export function applyLinks(plan: LinkPlan, firstIndex: number, mod: ModuleBuilder, params: ValType[], results: ValType[]): Map<number, Link>[] {
  const fnOf = new Map<number, number>();
  for (const index of plan.imports) fnOf.set(index, mod.importFunction(`c${index}`, params, results));
  const functions = plan.imports.length;
  return plan.wants.map((want) => {
    const links = new Map<number, Link>();
    for (const [t, v] of want) links.set(t, v < 0 ? { fn: functions - 1 - v, index: firstIndex - 1 - v } : { fn: fnOf.get(v)!, index: v });
    return links;
  });
}

/**
 * At a linked exit, with the instruction count after it on the stack: keeps it in local `count` and, if
 * it is below the `budget` parameter, no helper raised the stop word at `stopAddress` and the callee's
 * live byte (at liveBase + its index) is set, tail-calls the callee with the arguments `args` pushes.
 * Otherwise falls through to the ISA's exit to the dispatcher.
 */
export function emitLinkedCall(f: FunctionBody, link: Link, count: number, budget: number, stopAddress: number, liveBase: number, args: () => void): void {
  f.tee(count).get(budget).op(W.i32_lt_s);
  f.i32(0).mem(W.i32_load, 2, stopAddress).op(W.i32_eqz).op(W.i32_and);
  f.i32(0).mem(W.i32_load8_u, 0, liveBase + link.index).op(W.i32_and);
  f.op(W.if, VOID);
  args();
  f.op(W.return_call).u(link.fn);
  f.op(W.end);
}
