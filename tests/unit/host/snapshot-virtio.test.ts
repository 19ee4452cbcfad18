/**
 * Snapshots of a machine whose virtio daemon serves devices (decision 0024): the aarch64 zones demo,
 * where zoneU and zoneR print through virtio consoles served by the management side. The save keeps the
 * daemon's devices (transport registers, queue positions, console state) in a 'management' section; the
 * restored machine's daemon serves them from there, so zoneR's console goes on printing new lines (a
 * queue restored at the wrong position would replay old output or stop with a queue error).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadLayout } from '../../../src/host/layout-loader';
import { MachineHost } from '../../../src/host/machine-host';
import { parseSnapshotHeader } from '../../../src/host/snapshot/snapshot-file';

function zoneText(host: MachineHost, zone: number): () => string {
  let text = '';
  const decoder = new TextDecoder();
  host.on({ output: (z, _name, bytes) => void (z === zone ? (text += decoder.decode(bytes, { stream: true })) : undefined) });
  return () => text;
}

async function until(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('a snapshot with virtio devices', () => {
  it('restores the daemon\'s consoles where their queues were', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hvwb-snapshot-virtio-'));
    const file = path.join(dir, 'a64-zones.hvsnap');
    const loaded = await loadLayout('examples/aarch64-zones');
    let host = await MachineHost.create(loaded);
    try {
      const zoneR = zoneText(host, 2);
      await host.start();
      await until('zoneR to report through its virtio console', () => zoneR().includes('latency min='), 120_000);
      await host.saveSnapshot(file);
      await host.stop();
      const { header } = parseSnapshotHeader(file, readFileSync(file));
      expect(header.sections.map((s) => s.name)).toContain('management');

      const restored = await MachineHost.fromSnapshot(loaded, file);
      host = restored.host;
      const after = zoneText(host, 2);
      const faults: string[] = [];
      host.on({ fault: (f) => faults.push(f.message), log: (line) => (/virtio: /.test(line) ? faults.push(line) : undefined) });
      await host.start(restored.restore);
      await until('zoneR to report again after the restore', () => (after().match(/latency min=/g) ?? []).length >= 2, 120_000);
      // Only new lines: nothing the console printed before the save comes again.
      expect(after()).not.toContain('zoneR: CPU 3 up');
      expect(faults).toEqual([]);
    } finally {
      await host.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
