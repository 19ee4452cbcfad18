/**
 * `hvwb bench <name>`: benchmarks that print figures. `mips` runs the instruction-rate guest on one
 * hart and reports instructions retired per second of wall time; `linux-boot` is in bench-linux.ts.
 * `--arch` picks the guest architecture (riscv64 by default): bench/layouts/<arch>-mips for `mips`.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { runLayout } from './run';
import { CliError, type Output } from './output';
import { repoRoot } from './index';

export interface BenchOptions {
  /** --arch; riscv64 when absent. */
  readonly arch?: string;
  /** linux-boot: compare with QEMU (false: --no-qemu). */
  readonly qemu?: boolean;
  /** linux-boot: boot on the workbench (false: --qemu-only). */
  readonly ours?: boolean;
}

export async function runBench(name: string | undefined, runs: number, out: Output, options: BenchOptions = {}): Promise<number> {
  if (name === 'linux-boot') {
    const { benchLinuxBoot, linuxBenchArch } = await import('./bench-linux');
    await benchLinuxBoot({ runs, arch: linuxBenchArch(options.arch), qemu: options.qemu, ours: options.ours }, out);
    return 0;
  }
  if (name !== 'mips') throw new CliError(`unknown benchmark "${name ?? ''}" (known: mips, linux-boot)`);
  if (options.qemu === false || options.ours === false) throw new CliError('bench mips has no QEMU comparison: --no-qemu and --qemu-only are for linux-boot');
  const arch = options.arch ?? 'riscv64';
  const layout = path.join(repoRoot(), 'bench/layouts', `${arch}-mips`);
  if (!existsSync(path.join(layout, 'layout.json'))) {
    throw new CliError(`bench mips --arch ${arch}: no benchmark layout ${path.relative(repoRoot(), layout)}/layout.json`);
  }
  const rates: number[] = [];
  for (let i = 0; i < runs; i++) {
    const result = await runLayout({ layout, expect: [], timeoutSeconds: 600, quiet: true }, { stdout: () => {}, stderr: out.stderr });
    if (result.code !== 0) {
      out.stderr(`hvwb: the benchmark guest did not finish cleanly (status ${result.code})\n`);
      return result.code;
    }
    rates.push(result.retired / result.seconds / 1e6);
    out.stdout(`run ${i + 1}: ${result.retired} instructions in ${result.seconds.toFixed(2)} s\n`);
  }
  const best = Math.max(...rates);
  out.stdout(`MIPS ${best.toFixed(1)}\n`);
  return 0;
}
