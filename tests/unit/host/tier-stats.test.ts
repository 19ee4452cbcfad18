/**
 * Each CPU's translation-tier figures reach the host when the machine stops (what `hvwb bench
 * linux-boot` prints after a boot): on the riscv64 zones example, the harts (zoneU's spinning one at
 * least) translated blocks into WebAssembly modules and spent time compiling them.
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
      await machine.waitFor('zoneU', 'zoneU: hart 2 up', 60_000);
      // zoneU's hart 2 spins from here on: give it time to make its loop hot.
      await new Promise((resolve) => setTimeout(resolve, 1500));
    } finally {
      await machine.stop();
    }
    const stats = machine.host.tierStats;
    expect([...stats.keys()].sort()).toEqual([0, 1, 2, 3]);
    const all = [...stats.values()];
    const busy = { blocks: 0, modules: 0, compileMs: 0, codeBytes: 0, stale: 0, flushes: 0 };
    for (const t of all) for (const k of Object.keys(busy) as (keyof typeof busy)[]) busy[k] += t[k];
    expect(busy.blocks).toBeGreaterThan(0);
    expect(busy.modules).toBeGreaterThan(0);
    expect(busy.modules).toBeLessThanOrEqual(busy.blocks);
    expect(busy.codeBytes).toBeGreaterThan(busy.blocks * 8);
    expect(busy.compileMs).toBeGreaterThan(0);
    expect(describeTier(busy, 10)).toMatch(/^tier: \d+ blocks in \d+ modules, compile \d+\.\d\d s \(\d+\.\d% of the boot\), \d+\.\d MiB of WebAssembly, \d+ blocks dropped as stale, \d+ cache flushes$/);
  }, 90_000);
});
