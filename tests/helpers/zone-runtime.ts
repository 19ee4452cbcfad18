/**
 * A single-threaded qemu-plic machine with the hypervisor's zone runtime and the root zone started, for
 * tests of hypercalls, the vPLIC and zone lifecycle without vCPU workers.
 */
import { getBoard } from '../../src/boards/index';
import { encodeZoneConfig } from '../../src/core/hypervisor/zone-config-binary';
import { ZoneRuntime } from '../../src/core/hypervisor/zone-runtime';
import { MachineView, planMachine } from '../../src/core/machine/machine';
import { allocateShared } from '../../src/core/machine/shared-layout';
import { rootZoneConfig } from '../../src/shared/model/zone-config';

export function rootedRuntime() {
  const board = getBoard('qemu-plic');
  const plan = planMachine(board, 0x1000_0000 + 0x1000_0000);
  const view = new MachineView(plan, allocateShared(plan.layout), { hostTicks: () => 0 }, 0);
  const logs: string[] = [];
  const runtime = new ZoneRuntime(view, { strict: false, shutdownWaitMs: 50 }, (m) => logs.push(m));
  const root = rootZoneConfig(board);
  const started = runtime.hypervisor.startZone(root, encodeZoneConfig(root));
  if (started.code !== 0) throw new Error(`the root zone did not start: ${started.message}`);
  return { board, plan, view, logs, runtime, root };
}
