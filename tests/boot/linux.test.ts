/**
 * Debian's unmodified riscv64 Linux kernel with the busybox initramfs boots to a shell on the root
 * zone, and the shell answers: /proc/cpuinfo lists the zone's harts, uname names the kernel.
 * The images are large and fetched from the apt mirror by scripts/fetch-guest-images.sh, so the test
 * runs only when they are cached (examples/riscv64-linux-root/images) and says so otherwise.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadLayout } from '../../src/host/layout-loader';
import { MachineHost } from '../../src/host/machine-host';

const LAYOUT = 'examples/riscv64-linux-root';
const images = path.join(LAYOUT, 'images');
const cached = existsSync(path.join(images, 'Image')) && existsSync(path.join(images, 'initramfs.cpio.gz'));
const BOOT_MS = 120_000;

if (!cached) {
  console.warn(`linux boot test skipped: no Linux images in ${images}; run bash scripts/fetch-guest-images.sh to fetch them`);
}

/** Drives a console: waits for texts after the last consumed point, types lines. */
class Console {
  private text = '';
  private consumed = 0;
  private waiters: (() => void)[] = [];
  readonly faults: string[] = [];

  constructor(private readonly host: MachineHost) {
    const decoder = new TextDecoder();
    host.on({
      output: (_zone, _name, bytes) => {
        this.text += decoder.decode(bytes, { stream: true });
        for (const w of this.waiters.splice(0)) w();
      },
      fault: (fault) => {
        this.faults.push(`hart ${fault.hart}: ${fault.message}`);
        for (const w of this.waiters.splice(0)) w();
      },
    });
  }

  get output(): string {
    return this.text;
  }

  /** Resolves with the output from the last consumed point up to and including `needle`. */
  async waitFor(needle: string, timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const at = this.text.indexOf(needle, this.consumed);
      if (at >= 0) {
        const chunk = this.text.slice(this.consumed, at + needle.length);
        this.consumed = at + needle.length;
        return chunk;
      }
      if (this.faults.length > 0) throw new Error(`guest fault: ${this.faults.join('; ')}\n${this.text}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timeout waiting for ${JSON.stringify(needle)}; output:\n${this.text}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  type(line: string): void {
    this.host.input(new TextEncoder().encode(`${line}\r`));
  }
}

describe.skipIf(!cached)('Debian Linux on the root zone', () => {
  it('boots to a busybox shell on two harts and runs commands', async () => {
    const loaded = await loadLayout(LAYOUT);
    const layout = { ...loaded.layout, root: { ...loaded.layout.root, cpus: [0, 1] } };
    const host = await MachineHost.create({ ...loaded, layout });
    const console = new Console(host);
    host.start();
    try {
      await console.waitFor('hvwb-init: ready', BOOT_MS);
      await console.waitFor('# ', 10_000);
      console.type('cat /proc/cpuinfo');
      const cpuinfo = await console.waitFor('\n# ', 20_000);
      expect(cpuinfo).toMatch(/processor\s*: 0/);
      expect(cpuinfo).toMatch(/processor\s*: 1/);
      expect(cpuinfo).toMatch(/hart\s*: 0/);
      expect(cpuinfo).toMatch(/hart\s*: 1/);
      expect(cpuinfo).toMatch(/isa\s*: rv64imafdc/);
      expect(cpuinfo).toMatch(/mmu\s*: sv39/);
      console.type('uname -a');
      const uname = await console.waitFor('\n# ', 20_000);
      expect(uname).toMatch(/Linux \S+ \S+-riscv64 .* riscv64/);
      expect(console.faults).toEqual([]);
    } finally {
      await host.stop();
    }
  }, BOOT_MS + 60_000);
});
