/**
 * An idle guest must not burn a host core: once the demo sits in WFI waiting for input, the whole
 * process (main thread and four vCPU workers) should use a small fraction of one core.
 */
import { describe, expect, it } from 'vitest';
import { loadLayout } from '../../src/host/layout-loader';
import { MachineHost } from '../../src/host/machine-host';

describe('idle guests', () => {
  it('the demo waiting for input uses under a quarter of one host core', async () => {
    const host = await MachineHost.create(await loadLayout('examples/riscv64-hello'));
    let output = '';
    const prompt = new Promise<void>((resolve) => {
      host.on({
        output(_zone, _name, bytes) {
          output += new TextDecoder().decode(bytes);
          if (output.includes('echo> ')) resolve();
        },
      });
    });
    await host.start();
    try {
      await prompt;
      await new Promise((r) => setTimeout(r, 300));
      const before = process.cpuUsage();
      const started = performance.now();
      await new Promise((r) => setTimeout(r, 2000));
      const used = process.cpuUsage(before);
      const share = (used.user + used.system) / 1000 / (performance.now() - started);
      expect(host.hartSnapshots().map((h) => h.status)).toEqual(['waiting', 'waiting', 'waiting', 'waiting']);
      expect(share).toBeLessThan(0.25);
    } finally {
      await host.stop();
    }
  }, 30_000);
});
