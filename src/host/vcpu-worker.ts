/**
 * A vCPU thread's entry. A thread the host spawns before it has read the images (the CPUs that run at
 * once, MachineHost.create's startSoon) loads the emulator (vcpu-run.ts) while the host reads them, and
 * gets its setup in a message (decision 0014); the others get their setup at spawn. A vCPU thread also
 * spawns this entry for its block compiler (wasm-compiler.ts), which loads the CPU model's module writer.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { VcpuStart, VcpuWorkerData } from './vcpu-init';

const data = workerData as VcpuWorkerData;
if ('compiler' in data) {
  (await import('./wasm-compiler')).serveCompiler(data.compiler, async (arch) => (await import('../core/cpu-models')).cpuModel(arch));
} else if ('init' in data) (await import('./vcpu-run')).runVcpu(data.init);
else {
  // While the host reads the images, the thread loads the emulator and warms its interpreter, and its
  // block compiler's thread (this entry again) loads and warms the module writer.
  // That thread starts at once (loaded after the emulator, it was ready ~0.2-0.3 s later), and ends
  // when the CPU model turns out to have no writer.
  const { WasmCompilerThread } = await import('./wasm-compiler');
  let compiler: InstanceType<typeof WasmCompilerThread> | undefined = new WasmCompilerThread({ entry: new URL(import.meta.url), arch: data.arch });
  compiler.start();
  const loading = import('./vcpu-run').then((run) => {
    const writer = run.writesModules(data.arch);
    if (!writer) {
      compiler?.stop();
      compiler = undefined;
    }
    // Where the compiling thread writes the modules, this thread's translator is not warmed up for it.
    run.warmUp(data.arch, !writer);
    return run;
  });
  const message = await new Promise<VcpuStart>((resolve) => parentPort!.once('message', resolve));
  const run = await loading;
  if (message.type === 'init') run.runVcpu(message.init, compiler);
  else compiler?.stop();
}
