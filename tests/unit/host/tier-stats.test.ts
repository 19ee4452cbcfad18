/**
 * Each CPU's translation-tier figures reach the host when the machine stops (what `hvwb bench
 * linux-boot` prints after a boot): on the riscv64 zones example, zoneU's busy hart translated blocks
 * into WebAssembly modules and spent time compiling them.
 */
import { describe, expect, it } from 'vitest';
import { loadLayout } from '../../../src/host/layout-loader';
import { describeTier } from '../../../src/cli/bench-linux';
import { startMachine } from '../../helpers/live-machine';

describe('translation tier figures', () => {
  it('come back from every CPU thread when the machine stops', async () => {
    const machine = await startMachine(await loadLayout('examples/riscv64-zones'));
    try {
      await machine.waitFor('zoneR', 'latency min=', 60_000);
    } finally {
      await machine.stop();
    }
    const stats = machine.host.tierStats;
    expect([...stats.keys()].sort()).toEqual([0, 1, 2, 3]);
    const busy = stats.get(2)!;
    expect(busy.blocks).toBeGreaterThan(0);
    expect(busy.modules).toBeGreaterThan(0);
    expect(busy.modules).toBeLessThanOrEqual(busy.blocks);
    expect(busy.codeBytes).toBeGreaterThan(busy.blocks * 8);
    expect(busy.compileMs).toBeGreaterThan(0);
    expect(describeTier(busy, 10)).toMatch(/^tier: \d+ blocks in \d+ modules, compile \d+\.\d\d s \(\d+\.\d% of the boot\), \d+\.\d MiB of WebAssembly, \d+ blocks dropped as stale, \d+ cache flushes$/);
  }, 90_000);
});
