/**
 * How V8 compiles the translation tiers' WebAssembly (decision 0014), set once for the process before the
 * first vCPU worker compiles a block (the flags are process-wide); a flag node was started with wins.
 *
 * - The tiering budget. V8 compiles each translated block with its baseline compiler (Liftoff) and
 *   recompiles a function with its optimizing compiler (TurboFan) once the function has run through its
 *   budget. The default suits long-lived application code; a guest boot makes ten thousand short blocks,
 *   most of which run a few thousand times, and recompiling them costs more than they gain: with a budget
 *   14 times the default a riscv64 boot to init took 5 % less time and 13 % less CPU, an aarch64 boot 2 %
 *   and 7 % (bench linux-boot, alternated).
 * - Eager compilation. By default V8 compiles a module's functions lazily, each on its first call, on the
 *   calling thread: the vCPU's, in the middle of running the guest (8 % of a riscv64 boot's vCPU thread in
 *   perf). Every function of a batch is a block that was hot when queued, so nearly all are called; compiled
 *   when the module is made, the work goes to V8's compile threads as well, and the tier's compile figure
 *   counts it. A small gain, within the noise for aarch64: riscv64 boots to init 3.95/3.92/3.97 ->
 *   3.84/3.78/3.73 s with the node flag, 3.86/3.86/3.83 -> 3.79/3.85/3.76 s set here; aarch64
 *   5.94/5.99/6.00 -> 5.96/5.86/5.92 s; loongarch64 6.67 -> 6.48 s.
 */
import { setFlagsFromString } from 'node:v8';

/** Roughly bytes of a function's code executed before V8 optimizes it (V8's default: 1,800,000). */
export const WASM_TIERING_BUDGET = 25_000_000;

let tuned = false;

/** Whether node was started with the flag (either spelling, or its --no- form). */
const given = (flag: string): boolean =>
  process.execArgv.some((a) => {
    const dashed = a.replaceAll('_', '-');
    return dashed.startsWith(`--${flag}`) || dashed.startsWith(`--no-${flag}`);
  });

export function tuneWasmTiering(): void {
  if (tuned) return;
  tuned = true;
  if (!given('wasm-tiering-budget')) setFlagsFromString(`--wasm-tiering-budget=${WASM_TIERING_BUDGET}`);
  if (!given('wasm-lazy-compilation')) setFlagsFromString('--no-wasm-lazy-compilation');
}
