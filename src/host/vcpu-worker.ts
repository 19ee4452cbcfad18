/**
 * A vCPU thread's entry. A thread the host spawns before it has read the images (the CPUs that run at
 * once, MachineHost.create's startSoon) loads the emulator (vcpu-run.ts) while the host reads them, and
 * gets its setup in a message (decision 0014); the others get their setup at spawn.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { VcpuStart, VcpuWorkerData } from './vcpu-init';

const data = workerData as VcpuWorkerData;
if ('init' in data) (await import('./vcpu-run')).runVcpu(data.init);
else {
  // While the host reads the images, the thread loads the emulator and warms its interpreter.
  const loading = import('./vcpu-run').then((run) => {
    run.warmUp(data.arch);
    return run;
  });
  const message = await new Promise<VcpuStart>((resolve) => parentPort!.once('message', resolve));
  if (message.type === 'init') (await loading).runVcpu(message.init);
}
