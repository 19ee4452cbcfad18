/**
 * The loongarch64 hello layout on ls3a5000: four LA64 CPUs started firmware style pass a baton with
 * IOCSR IPIs (each prints its line in turn), then CPU 0 echoes console input, woken from IDLE by UART0's
 * receive interrupt through the LIOINTC and the CPU's HWI0 line.
 */
import { describe, expect, it } from 'vitest';
import { loadLayout } from '../../src/host/layout-loader';
import { runGuest } from '../helpers/run-guest';

const lines = [0, 1, 2, 3].map((n) => `Hello from loongarch64 CPU ${n}`);

describe('loongarch64 hello', () => {
  it('prints a hello line from every CPU in CPU order, then echoes typed input', async () => {
    const loaded = await loadLayout('examples/loongarch64-hello');
    const run = await runGuest(loaded, {
      timeoutMs: 20_000,
      until: [...lines, 'echo> ', 'typed words\r\necho> '],
      input: { after: 'echo> ', text: 'typed words\r' },
    });
    const detail = `output:\n${run.output}\nfaults: ${run.faults.join('; ')}`;
    expect(run.faults, detail).toEqual([]);
    // The baton makes the order deterministic: CPU n prints only after CPU n-1's IPI.
    const positions = lines.map((l) => run.output.indexOf(l));
    expect(positions.every((p) => p >= 0), detail).toBe(true);
    expect([...positions].sort((a, b) => a - b), detail).toEqual(positions);
    expect(run.output.slice(run.output.indexOf('echo> ')), detail).toContain('typed words\r\necho> ');
  }, 30_000);
});
