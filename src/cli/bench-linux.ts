/**
 * `hvwb bench linux-boot`: boots Debian's riscv64 kernel with the busybox initramfs
 * (examples/riscv64-linux-root, images from scripts/fetch-guest-images.sh) on one hart until the init
 * script prints its first line, and reports wall time and retired instructions. Where
 * qemu-system-riscv64 is installed it boots the same kernel, initramfs and command line on QEMU's
 * virt machine (OpenSBI as firmware) in the same run and prints the ratio of the two wall times.
 * Both times run from process/machine creation (image loading included) to the init line.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadLayout } from '../host/layout-loader';
import { MachineHost } from '../host/machine-host';
import { CliError, type Output } from './output';
import { repoRoot } from './index';

/** The init script's first line (guest/riscv64/linux/init). */
export const INIT_LINE = 'hvwb-init: starting';
const TIMEOUT_MS = 600_000;

export interface LinuxBootOptions {
  readonly runs?: number;
  /** Compare with QEMU when it is installed (default true). */
  readonly qemu?: boolean;
  readonly layout?: string;
}

export interface LinuxBootResult {
  readonly seconds: number;
  readonly retired: number;
  readonly qemuSeconds?: number;
}

async function bootOurs(layoutDir: string): Promise<{ seconds: number; retired: number }> {
  const started = performance.now();
  const loaded = await loadLayout(layoutDir);
  const layout = { ...loaded.layout, root: { ...loaded.layout.root, cpus: [0] } };
  const host = await MachineHost.create({ ...loaded, layout });
  const decoder = new TextDecoder();
  let text = '';
  try {
    const seconds = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new CliError(`linux-boot: no "${INIT_LINE}" within ${TIMEOUT_MS / 1000} s`)), TIMEOUT_MS);
      host.on({
        output(_zone, _name, bytes) {
          text += decoder.decode(bytes, { stream: true });
          if (text.includes(INIT_LINE)) {
            clearTimeout(timer);
            resolve((performance.now() - started) / 1000);
          }
        },
        fault(fault) {
          clearTimeout(timer);
          reject(new CliError(`linux-boot: hart ${fault.hart}: ${fault.message}\n${text.slice(-2000)}`));
        },
      });
      host.start();
    });
    await host.stop();
    return { seconds, retired: host.retired() };
  } catch (error) {
    await host.stop();
    throw error;
  }
}

function qemuInstalled(): boolean {
  return spawnSync('qemu-system-riscv64', ['--version'], { stdio: 'ignore' }).status === 0;
}

async function bootQemu(kernel: string, initrd: string, bootargs: string): Promise<number> {
  const started = performance.now();
  // 2 GiB like the qemu-plic board, whose root zone sees 0x8300_0000..0x1_0000_0000 of it.
  const args = ['-M', 'virt', '-smp', '1', '-m', '2G', '-nographic', '-bios', 'default', '-kernel', kernel, '-initrd', initrd, '-append', bootargs];
  const child = spawn('qemu-system-riscv64', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  try {
    return await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new CliError(`linux-boot: QEMU printed no "${INIT_LINE}" within ${TIMEOUT_MS / 1000} s`)), TIMEOUT_MS);
      child.stdout.on('data', (chunk: Buffer) => {
        text += chunk.toString('latin1');
        if (text.includes(INIT_LINE)) {
          clearTimeout(timer);
          resolve((performance.now() - started) / 1000);
        }
      });
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new CliError(`linux-boot: QEMU exited (${code}) before "${INIT_LINE}"\n${text.slice(-2000)}`));
      });
    });
  } finally {
    child.kill('SIGKILL');
  }
}

/** Runs the benchmark and prints its figures; returns the best (shortest) run. */
export async function benchLinuxBoot(options: LinuxBootOptions, out: Output): Promise<LinuxBootResult> {
  const layoutDir = options.layout ?? path.join(repoRoot(), 'examples/riscv64-linux-root');
  const images = path.join(layoutDir, 'images');
  if (!existsSync(path.join(images, 'Image')) || !existsSync(path.join(images, 'initramfs.cpio.gz'))) {
    throw new CliError(`linux-boot: no Linux images in ${images}; run bash scripts/fetch-guest-images.sh first`);
  }
  const loaded = await loadLayout(layoutDir);
  const runs = Math.max(1, options.runs ?? 1);
  let best: { seconds: number; retired: number } | undefined;
  for (let i = 0; i < runs; i++) {
    const r = await bootOurs(layoutDir);
    out.stdout(`run ${i + 1}: "${INIT_LINE}" after ${r.seconds.toFixed(2)} s, ${r.retired} instructions (${(r.retired / r.seconds / 1e6).toFixed(1)} MIPS)\n`);
    if (!best || r.seconds < best.seconds) best = r;
  }
  out.stdout(`hvwb ${best!.seconds.toFixed(2)} s, ${best!.retired} instructions\n`);
  if (options.qemu === false || !qemuInstalled()) {
    if (options.qemu !== false) out.stdout('qemu-system-riscv64 is not installed: no comparison\n');
    return best!;
  }
  let qemuBest = Infinity;
  for (let i = 0; i < runs; i++) {
    const s = await bootQemu(loaded.images.kernel, loaded.images.initrd!, loaded.layout.root.bootargs ?? '');
    out.stdout(`qemu run ${i + 1}: "${INIT_LINE}" after ${s.toFixed(2)} s\n`);
    qemuBest = Math.min(qemuBest, s);
  }
  out.stdout(`qemu ${qemuBest.toFixed(2)} s\n`);
  out.stdout(`ratio ${(best!.seconds / qemuBest).toFixed(2)}\n`);
  return { ...best!, qemuSeconds: qemuBest };
}
