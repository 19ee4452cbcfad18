/**
 * A Linux root zone saved and restored continues where it was (decision 0024): Debian's kernel boots
 * to its busybox shell, a file is written and /proc/uptime read, the machine is saved and stopped, and
 * after a gap a new machine is built from the file: the shell answers at once (no boot banner again),
 * the file is still there, and the kernel's uptime went on from where it was, without the gap.
 * Rows run when their images are cached (scripts/fetch-guest-images.sh [--arch aarch64]).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadLayout } from '../../src/host/layout-loader';
import { MachineHost } from '../../src/host/machine-host';

const BOOT_MS = 300_000;
const GAP_S = 15;

const ROWS = [
  { arch: 'riscv64', layout: 'examples/riscv64-linux-root' },
  { arch: 'aarch64', layout: 'examples/aarch64-linux-root' },
].filter((row) => {
  const cached = existsSync(path.join(row.layout, 'images/Image')) && existsSync(path.join(row.layout, 'images/initramfs.cpio.gz'));
  if (!cached) console.warn(`snapshot boot test (${row.arch}) skipped: no Linux images in ${row.layout}/images; run bash scripts/fetch-guest-images.sh --arch ${row.arch}`);
  return cached;
});

/** A console's text from a point on, typed lines, and waits for a text. */
class Console {
  text = '';
  consumed = 0;
  readonly faults: string[] = [];

  constructor(private readonly host: MachineHost) {
    const decoder = new TextDecoder();
    host.on({
      output: (_zone, _name, bytes) => (this.text += decoder.decode(bytes, { stream: true })),
      fault: (fault) => this.faults.push(`hart ${fault.hart}: ${fault.message}`),
    });
  }

  async waitFor(needle: string | RegExp, timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const rest = this.text.slice(this.consumed);
      const match = typeof needle === 'string' ? (rest.includes(needle) ? { index: rest.indexOf(needle), 0: needle } : null) : needle.exec(rest);
      if (match) {
        const end = this.consumed + match.index + match[0].length;
        const chunk = this.text.slice(this.consumed, end);
        this.consumed = end;
        return chunk;
      }
      if (this.faults.length > 0) throw new Error(`guest fault: ${this.faults.join('; ')}\n${this.text.slice(-3000)}`);
      if (Date.now() > deadline) throw new Error(`timeout waiting for ${String(needle)}; output:\n${this.text.slice(-3000)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  type(line: string): void {
    this.host.input(new TextEncoder().encode(`${line}\r`));
  }
}

const uptimeOf = (chunk: string): number => Number(/up=(\d+\.\d+)/.exec(chunk)![1]);

describe.skipIf(ROWS.length === 0)('a Linux root zone restored from a snapshot', () => {
  for (const row of ROWS) {
    it(`${row.arch}: continues where it was saved`, async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'hvwb-snapshot-linux-'));
      const file = path.join(dir, 'linux.hvsnap');
      const loaded = await loadLayout(row.layout);
      let host = await MachineHost.create(loaded);
      try {
        let shell = new Console(host);
        await host.start();
        await shell.waitFor('hvwb-init: ready', BOOT_MS);
        await shell.waitFor('# ', 30_000);
        shell.type('echo written-before-the-snapshot > /tmp/mark; echo up=$(cut -d" " -f1 /proc/uptime)');
        const before = uptimeOf(await shell.waitFor(/up=\d+\.\d+/, 60_000));
        const t1 = Date.now();
        await shell.waitFor('# ', 30_000);
        const saved = await host.saveSnapshot(file);
        expect(saved.bytes).toBeGreaterThan(1 << 20);
        expect(saved.ramUsedBytes).toBeLessThan(saved.ramBytes / 2);
        await host.stop();
        await new Promise((resolve) => setTimeout(resolve, GAP_S * 1000));

        const restored = await MachineHost.fromSnapshot(loaded, file);
        host = restored.host;
        shell = new Console(host);
        await host.start(restored.restore);
        shell.type('cat /tmp/mark; echo up=$(cut -d" " -f1 /proc/uptime) answered-$((6*7))');
        const answer = await shell.waitFor(/up=\d+\.\d+ answered-42/, 120_000);
        const t4 = Date.now();
        expect(answer).toContain('written-before-the-snapshot');
        expect(shell.text).not.toContain('Linux version');
        const after = uptimeOf(answer);
        // Guest time ran while a machine ran, not during the gap: at most the wall time from the first
        // answer to the second minus the gap (plus a second of slack for the printing).
        expect(after).toBeGreaterThan(before);
        expect(after - before).toBeLessThan((t4 - t1) / 1000 - GAP_S + 1);
        expect(shell.faults).toEqual([]);
      } finally {
        await host.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    }, 2 * BOOT_MS);
  }
});
