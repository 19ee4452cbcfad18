/**
 * A vCPU thread's entry. A thread the host spawns before it has read the images (the CPUs that run at
 * once) loads the emulator (vcpu-run.ts) while the host reads them, and gets its setup in a message
 * (decision 0014). Other threads get their setup at spawn and load the emulator at once, except a CPU
 * that no zone runs yet (under the hypervisor: a CPU outside the root zone and the zones started with
 * it): loading the emulator's code and building the CPU costs a thread ~0.35 s of CPU, and three such
 * idle CPUs took it from the booting one on a 2-core host (decision 0014: riscv64 linux-boot 5.42 ->
 * 5.00 s). It polls its header instead, and loads the emulator when another thread has written any word
 * of it since the host spawned the thread (a zone start binding it, an SBI HSM or PSCI start, an
 * interrupt, a snapshot's save request): the emulator then reads the header as it finds it, as every
 * CPU thread does when it starts. A stop request or the machine's exit before then ends the thread
 * without loading anything.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { CpuWord } from '../core/cpu/cpu-core';
import { RunRequest } from '../core/cpu/hart-header';
import { ControlWord, MachineExit } from '../core/machine/machine-control';
import type { VcpuInit, VcpuMessage, VcpuStart, VcpuWorkerData } from './vcpu-init';

/** Header words a waiting CPU's own thread or every CPU's remote flush write: not a request to it. */
const IGNORED = new Set<number>([CpuWord.wake, CpuWord.status, CpuWord.retiredLo, CpuWord.retiredHi, CpuWord.fences]);
/** How often a waiting thread looks at its header (the wake word's notify ends a wait early). */
const POLL_MS = 20;

/**
 * Run requests a CPU that no zone runs answers the same loaded or not: the hypervisor's turn keeps such
 * a CPU stopped whether the machine runs or is paused (vcpu-loop.ts), so a pause costs no loading.
 */
const UNBOUND_ANSWERS = new Set<number>([RunRequest.run, RunRequest.pause, RunRequest.yield]);

function waitUntilNeeded(init: VcpuInit, deferred: NonNullable<VcpuInit['deferred']>): boolean {
  const { buffer } = init.memory;
  const header = new Int32Array(buffer, deferred.headerOffset, deferred.atSpawn.length);
  const control = new Int32Array(buffer, deferred.controlOffset, ControlWord.exit + 1);
  for (;;) {
    if (Atomics.load(control, ControlWord.exit) !== MachineExit.none) return false;
    const request = Atomics.load(header, CpuWord.request);
    if (request === RunRequest.stop) return false;
    if (!UNBOUND_ANSWERS.has(request)) return true;
    for (let i = 0; i < header.length; i++) {
      if (i !== CpuWord.request && !IGNORED.has(i) && Atomics.load(header, i) !== deferred.atSpawn[i]) return true;
    }
    Atomics.wait(header, CpuWord.wake, Atomics.load(header, CpuWord.wake), POLL_MS);
  }
}

async function start(init: VcpuInit, loading?: Promise<typeof import('./vcpu-run')>): Promise<void> {
  if (!init.deferred || waitUntilNeeded(init, init.deferred)) (await (loading ?? import('./vcpu-run'))).runVcpu(init);
  else parentPort!.postMessage({ type: 'exit', hart: init.hart } satisfies VcpuMessage);
}

const data = workerData as VcpuWorkerData;
if ('init' in data) await start(data.init);
else {
  // Spawned while the host still reads the images: the emulator loads meanwhile, the CPU's setup follows.
  const loading = import('./vcpu-run');
  const message = await new Promise<VcpuStart>((resolve) => parentPort!.once('message', resolve));
  if (message.type === 'init') await start(message.init, loading);
}
