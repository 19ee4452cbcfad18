/**
 * hvisor's virtio bridge served from inside the root zone (tests/fixtures/virtio-bridge): the root's
 * program moves the bridge into its own RAM with hypercall 0 (twice), is woken by
 * IRQ_WAKEUP_VIRTIO_DEVICE for each of the non-root zone's virtio accesses, answers them in its page,
 * completes the QueueNotify through res_list and hypercall 1, and the zone gets its virtio IRQ. The
 * workbench's own daemon stands down meanwhile.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadLayout } from '../../src/host/layout-loader';
import { startMachine, type LiveMachine } from '../helpers/live-machine';

const LAYOUT = 'tests/fixtures/virtio-bridge';
let machine: LiveMachine | undefined;

afterEach(async () => {
  await machine?.stop();
  machine = undefined;
});

describe('virtio bridge in the root zone', () => {
  it('a root zone program serves a non-root zone\'s virtio accesses from its own page', async () => {
    const loaded = await loadLayout(LAYOUT);
    machine = await startMachine(loaded);
    for (const [zone, lines] of Object.entries(loaded.layout.expect ?? {})) {
      const name = zone === 'root' ? 'root-linux' : zone;
      for (const line of lines) await machine.waitFor(name, line, 30_000);
    }
    const root = machine.output('root-linux');
    const pageA = /page A (0x[0-9a-f]+)\) -> 0/.exec(root)![1];
    const pageB = /page B (0x[0-9a-f]+)\) -> 0/.exec(root)![1];
    // One wakeup per request: two loads and the notify.
    expect(root).toContain('vroot: request zone 1 cpu 1: read 0x10006004 size 4 -> 0x2');
    expect(root).toContain('vroot: wakeup IRQ 32 (IRQ_WAKEUP_VIRTIO_DEVICE), 3 so far');
    expect(root).not.toContain('WRONG');
    expect(machine.logs).toContain(
      `hvisor: virtio bridge moved to the root's page ${pageA}: the root zone's hvisor-tool serves virtio from now on; the workbench's daemon stands down`,
    );
    expect(machine.logs).toContain(`hvisor: virtio bridge moved from the root's page ${pageA} to ${pageB} (hypercall 0 again): requests go to the new page from now on`);
    expect(machine.host.runtime!.virtioBridge!.base.address).toBe(Number(pageB));
    expect(machine.host.virtioService!.standingDown).toBe(true);
    expect(machine.faults).toEqual([]);
  }, 60_000);
});
