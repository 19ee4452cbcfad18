/**
 * Size and time of a snapshot (docs/decisions/0024): boots a layout until its console prints `ready`,
 * saves the whole machine (prints file size, RAM and its non-zero part, pause / copy / compress+write
 * times), stops it, restores the file into a new machine of the layout (read+check+decode, then the
 * start) and waits until the restored guest answers: Linux echoes a typed command, the zones demo's
 * zoneR prints its next latency line.
 * Run: node scripts/build-node.mjs && npx rolldown bench/snapshot.ts -o out/bench/snapshot.mjs --platform node \
 *        && node out/bench/snapshot.mjs [layout=examples/riscv64-linux-root] [ready-text] [probe: "type:<line>:<answer>" | "wait:<text>"]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadLayout } from '../src/host/layout-loader';
import { MachineHost } from '../src/host/machine-host';

const layoutPath = process.argv[2] ?? 'examples/riscv64-linux-root';
const linux = /linux/.test(layoutPath);
const ready = process.argv[3] ?? (linux ? 'hvwb-init: ready' : 'latency min=');
const probe = process.argv[4] ?? (linux ? 'type:echo snap-$((6*7)):snap-42' : 'wait:latency min=');

function watch(host: MachineHost): { text: () => string; waitFor: (needle: string, from: number, ms: number) => Promise<number> } {
  let text = '';
  const decoder = new TextDecoder();
  host.on({ output: (_zone, _name, bytes) => (text += decoder.decode(bytes, { stream: true })) });
  return {
    text: () => text,
    async waitFor(needle, from, ms) {
      const deadline = Date.now() + ms;
      for (;;) {
        const at = text.indexOf(needle, from);
        if (at >= 0) return at + needle.length;
        if (Date.now() > deadline) throw new Error(`no ${JSON.stringify(needle)} within ${ms} ms; output:\n${text.slice(-2000)}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
  };
}

const mib = (n: number): string => `${(n / 1048576).toFixed(1)} MiB`;

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hvwb-snapshot-bench-'));
  const file = path.join(dir, 'machine.hvsnap');
  try {
    const loaded = await loadLayout(layoutPath);
    const host = await MachineHost.create(loaded);
    const out = watch(host);
    const booted = Date.now();
    await host.start();
    await out.waitFor(ready, 0, 300_000);
    if (linux) await out.waitFor('# ', 0, 30_000);
    console.log(`layout ${layoutPath}: ${ready.trim()} after ${((Date.now() - booted) / 1000).toFixed(1)} s`);
    const saved = await host.saveSnapshot(file);
    console.log(
      `save: file ${mib(saved.bytes)} (RAM ${mib(saved.ramBytes)}, ${mib(saved.ramUsedBytes)} in non-zero pages); ` +
        `pause ${saved.pauseMs.toFixed(0)} ms, copy ${saved.copyMs.toFixed(0)} ms (the guest stopped ${(saved.pauseMs + saved.copyMs).toFixed(0)} ms), ` +
        `compress+write ${saved.writeMs.toFixed(0)} ms, total ${saved.totalMs.toFixed(0)} ms`,
    );
    await host.stop();
    const t0 = performance.now();
    const restored = await MachineHost.fromSnapshot(loaded, file);
    const t1 = performance.now();
    const again = watch(restored.host);
    await restored.host.start(restored.restore);
    const t2 = performance.now();
    const [kind, ...rest] = probe.split(':');
    if (kind === 'type') {
      const [line, answer] = [rest.slice(0, -1).join(':'), rest[rest.length - 1]!];
      restored.host.input(new TextEncoder().encode(`${line}\r`));
      await again.waitFor(answer, 0, 60_000);
    } else {
      await again.waitFor(rest.join(':'), 0, 60_000);
    }
    const t3 = performance.now();
    console.log(
      `restore: read+check+decode ${restored.readMs.toFixed(0)} ms, new machine with the snapshot applied ${(t1 - t0).toFixed(0)} ms, ` +
        `workers started ${(t2 - t1).toFixed(0)} ms, guest answered ${JSON.stringify(probe)} ${(t3 - t2).toFixed(0)} ms later`,
    );
    await restored.host.stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error((error as Error).message);
  process.exit(1);
});
