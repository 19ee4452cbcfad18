/**
 * A single-threaded machine (qemu-plic unless told another board) with the hypervisor's zone runtime and
 * the root zone started, for tests of hypercalls, the virtual interrupt controllers and zone lifecycle
 * without vCPU workers.
 */
import { getBoard } from '../../src/boards/index';
import { encodeZoneConfig } from '../../src/core/hypervisor/zone-config-binary';
import { ZoneRuntime } from '../../src/core/hypervisor/zone-runtime';
import { MachineView, planMachine } from '../../src/core/machine/machine';
import { allocateShared } from '../../src/core/machine/shared-layout';
import type { Board } from '../../src/shared/model/board';
import { rootZoneConfig } from '../../src/shared/model/zone-config';

export function rootedRuntime(boardOrName: Board | string = 'qemu-plic') {
  const board = typeof boardOrName === 'string' ? getBoard(boardOrName) : boardOrName;
  const plan = planMachine(board, 0x1000_0000 + 0x1000_0000);
  const view = new MachineView(plan, allocateShared(plan.layout), { hostTicks: () => 0 }, 0);
  const logs: string[] = [];
  const runtime = new ZoneRuntime(view, { strict: false, shutdownWaitMs: 50 }, (m) => logs.push(m));
  const root = rootZoneConfig(board);
  const started = runtime.hypervisor.startZone(root, encodeZoneConfig(root));
  if (started.code !== 0) throw new Error(`the root zone did not start: ${started.message}`);
  return { board, plan, view, logs, runtime, root };
}
