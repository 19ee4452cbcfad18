/**
 * V8's tier-up of WebAssembly, set for the translation tiers' code (decision 0014). V8 compiles each
 * translated block with its baseline compiler (Liftoff) and recompiles a function with its optimizing
 * compiler (TurboFan) once the function has run through its tiering budget. Its default budget suits
 * long-lived application code; a guest boot makes ten thousand short blocks, most of which run a few
 * thousand times, and recompiling them costs more than they gain: with a budget 14 times the default a
 * riscv64 boot to init took 5 % less time and 13 % less CPU, an aarch64 boot 2 % and 7 % (bench linux-boot,
 * alternated). The flag is process-wide: it is set once, before the first vCPU worker compiles a block,
 * unless node was started with its own --wasm-tiering-budget.
 */
import { setFlagsFromString } from 'node:v8';

/** Roughly bytes of a function's code executed before V8 optimizes it (V8's default: 1,800,000). */
export const WASM_TIERING_BUDGET = 25_000_000;

let tuned = false;

export function tuneWasmTiering(): void {
  if (tuned) return;
  tuned = true;
  if (process.execArgv.some((a) => a.startsWith('--wasm-tiering-budget') || a.startsWith('--wasm_tiering_budget'))) return;
  setFlagsFromString(`--wasm-tiering-budget=${WASM_TIERING_BUDGET}`);
}
