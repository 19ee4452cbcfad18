/**
 * `hvwb bench <name>`: benchmarks that print figures. `mips` runs the instruction-rate guest on one
 * hart and reports instructions retired per second of wall time.
 */
import path from 'node:path';
import { runLayout } from './run';
import { CliError, type Output } from './output';
import { repoRoot } from './index';

export async function runBench(name: string | undefined, runs: number, out: Output): Promise<number> {
  if (name === 'linux-boot') {
    const { benchLinuxBoot } = await import('./bench-linux');
    await benchLinuxBoot({ runs }, out);
    return 0;
  }
  if (name !== 'mips') throw new CliError(`unknown benchmark "${name ?? ''}" (known: mips, linux-boot)`);
  const layout = path.join(repoRoot(), 'bench/layouts/riscv64-mips');
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
