/**
 * A snapshot of the LoongArch zones demo (decision 0024): the LA64 CPU's private state (CSRs, the
 * software-managed TLB, the constant timer) saved on its thread and restored into a new machine, whose
 * root zone then answers a key it is sent: `l` lists zoneU as running, printed by the restored root
 * through the restored hypervisor (HVCL hypercall 4), without the zones booting again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadLayout } from '../../../src/host/layout-loader';
import { MachineHost } from '../../../src/host/machine-host';
import { readInspect } from '../../../src/core/cpu/cpu-inspect';
import { la64ZonesBooted } from '../../helpers/shared-uart';

/** CPU 1's CSRs as its thread last published them for the register view (zoneU's CPU, which takes interrupts). */
function csrsOf(host: MachineHost, cpu: number): Map<string, string> {
  const snapshot = readInspect(host.view.cpuInspectRegion(cpu));
  const groups = snapshot?.groups ?? [];
  return new Map(groups.filter((g) => g.name !== 'General').flatMap((g) => g.registers.map((r) => [`${g.name}.${r.name}`, String(r.value)] as const)));
}

function consoleText(host: MachineHost): () => string {
  let text = '';
  const decoder = new TextDecoder();
  host.on({ output: (_zone, _name, bytes) => void (text += decoder.decode(bytes, { stream: true })) });
  return () => text;
}

async function until(what: string, check: () => boolean, timeoutMs: number, shown: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; console:\n${shown()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('a snapshot of the loongarch64 zones demo', () => {
  it('restores the root zone, which lists zoneU when asked', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hvwb-snapshot-la64-'));
    const file = path.join(dir, 'la64-zones.hvsnap');
    const loaded = await loadLayout('examples/loongarch64-zones');
    let host = await MachineHost.create(loaded);
    try {
      const before = consoleText(host);
      await host.start();
      await until('the root prompt after zoneU went idle', () => la64ZonesBooted(before()), 120_000, before);
      host.pause();
      await new Promise((resolve) => setTimeout(resolve, 500));
      const saved = csrsOf(host, 1);
      await host.saveSnapshot(file);
      await host.stop();

      const restored = await MachineHost.fromSnapshot(loaded, file);
      host = restored.host;
      const after = consoleText(host);
      const faults: string[] = [];
      host.on({ fault: (f) => faults.push(f.message) });
      await host.start({ ...restored.restore, wasRunning: false });
      // Paused as saved: each CPU publishes its registers when it stops.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const back = csrsOf(host, 1);
      // The exception entry, the timer configuration, the TLB refill entry and the rest of the CSRs the
      // zone's program set are back as they were (a restore without the CPU's state would show reset values).
      expect(saved.size).toBeGreaterThan(10);
      for (const name of ['EENTRY', 'TCFG', 'ECFG', 'CRMD']) {
        const key = [...saved.keys()].find((k) => k.endsWith(`.${name}`));
        expect(key, `CSR ${name} in the register view`).toBeDefined();
        expect(back.get(key!), name).toBe(saved.get(key!));
      }
      host.resume();
      host.input(new TextEncoder().encode('l'));
      await until('the zone list', () => after().includes('zone 1 cpus 0x2 zoneU running'), 120_000, after);
      expect(after()).not.toContain('config magic');
      expect(faults).toEqual([]);
    } finally {
      await host.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
