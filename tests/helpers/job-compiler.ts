/**
 * A block compiler for tests that stands for the compiling thread (host/wasm-compiler.ts): each job the
 * tier hands over is copied as postMessage would (structured clone) and written with the CPU model's
 * writer (CpuModel.writeBlockModule), at once; the module comes back at the tier's next poll. Bytes
 * handed over instead would mean the tier wrote the module itself: an error.
 */
import type { BoardArch } from '../../src/shared/model/board';
import { cpuModel } from '../../src/core/cpu-models';
import { CompiledModule, useBackgroundCompiler } from '../../src/core/jit/block-cache';

/** Runs `fn` with such a compiler for `arch`'s tier; returns how many jobs it wrote. */
export function withJobCompiler(arch: BoardArch, fn: () => void): number {
  const write = cpuModel(arch).writeBlockModule!;
  const done: CompiledModule[] = [];
  let jobs = 0;
  useBackgroundCompiler({
    available: () => true,
    writesModules: () => true,
    submit: () => {
      throw new Error('bytes submitted where the thread writes modules');
    },
    submitJob(job) {
      const bytes = write(structuredClone(job));
      done.push(new CompiledModule(++jobs, new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>), '', bytes.length));
      return jobs;
    },
    take: () => done.splice(0),
  });
  try {
    fn();
  } finally {
    useBackgroundCompiler(undefined);
  }
  return jobs;
}
