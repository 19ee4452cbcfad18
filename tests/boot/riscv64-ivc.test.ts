/**
 * IVC on riscv64, the workbench's opt-in (hvisor has IVC on aarch64 only): examples/riscv64-ivc with
 * "workbenchIvc": true exchanges messages through the shared sections and vPLIC doorbells; the same
 * files without the opt-in get what hvisor 6a3fb78 gives a riscv64 zone: hypercall 5 answers 0 without
 * writing anything, and the control table is no mapping at all, so the first access faults.
 */
import { describe, expect, it } from 'vitest';
import { loadLayout } from '../../src/host/layout-loader';
import { startMachine } from '../helpers/live-machine';

const LAYOUT = 'examples/riscv64-ivc';
const rounds = [1, 2, 3].map((n) => `ivc: zone 1 says: ping ${n} from zone 1, peer 1 (shared counter ${n})`);

describe('IVC on riscv64 (workbenchIvc)', () => {
  it('two zones exchange three pings and pongs through the shared sections and each other\'s doorbell', async () => {
    const loaded = await loadLayout(LAYOUT);
    expect(loaded.layout.workbenchIvc).toBe(true);
    // Each zone's console on its own: the two zones' output interleaves in chunks, not whole lines.
    const root = [
      'ivc: HvIvcInfo -> 0: 1 region, ivc_id 0, control table 0x20000000, shared memory 0x20001000, irq 40',
      'ivc: control table: ivc_id 0, max_peers 2, rw_sec_size 0x1000, out_sec_size 0x1000, peer_id 0',
      ...rounds,
      'ivc: zone 1 says: done: 3 pongs received (shared counter 3)',
    ];
    const peer = ['ivc-peer: zone 1 on hart 1 is IVC peer 1', ...[1, 2, 3].map((n) => `ivc-peer: pong ${n} received`), 'ivc-peer: done'];
    const machine = await startMachine(loaded);
    try {
      await machine.waitFor('root-linux', root.at(-1)!, 20_000);
      await machine.waitFor('zone1-ivc', peer.at(-1)!, 20_000);
      expect(machine.faults).toEqual([]);
      for (const line of root) expect(machine.output('root-linux')).toContain(line);
      for (const line of peer) expect(machine.output('zone1-ivc')).toContain(line);
    } finally {
      await machine.stop();
    }
  }, 30_000);

  it('without the opt-in the zones get hvisor\'s riscv64: no IVC info, and the control table is outside both zones', async () => {
    const loaded = await loadLayout(LAYOUT);
    const machine = await startMachine({ ...loaded, layout: { ...loaded.layout, workbenchIvc: false } });
    try {
      // hvisor's riscv64 hv_ivc_info warns and returns 0 without writing the caller's IvcInfo.
      const line = 'ivc: HvIvcInfo -> 0: 0 region, ivc_id 0, control table 0x0, shared memory 0x0, irq 0';
      const root = await machine.waitFor('root-linux', /ivc: HvIvcInfo[^\n]*\n/, 20_000);
      expect(root).toContain(line);
      await until(() => new Set(machine.faults.map((f) => f.zone)).size === 2, 20_000);
      for (const zone of [0, 1]) {
        const fault = machine.faults.find((f) => f.zone === zone)!;
        expect(fault.message).toMatch(/stage-2 (read|write) fault at guest-physical address 0x200000(00|10|14)/);
      }
      expect(machine.output('root-linux')).not.toContain('ivc: zone 1 says');
    } finally {
      await machine.stop();
    }
  }, 30_000);
});

async function until(test: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}
