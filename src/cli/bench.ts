/**
 * `hvwb bench <name>`: benchmarks that print figures. `mips` runs the instruction-rate guest of
 * bench/layouts/<arch>-mips (riscv64 by default) on one CPU until it powers the board off, and the same
 * ELF on QEMU's virt machine in the same run (bench-qemu.ts): it prints our instruction count and time,
 * QEMU's time for the same work (its start-up subtracted, measured with the same ELF doing no
 * iterations), both instruction rates and `ratio <ours/qemu>` of the times. `--no-qemu` runs ours only.
 * Our time runs from starting the machine (vCPU workers included, layout and image loading not) to the
 * power-off. `linux-boot` is in bench-linux.ts.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { TextDecoder } from 'node:util';
import { loadLayout } from '../host/layout-loader';
import { MachineHost } from '../host/machine-host';
import { parseLayout } from '../shared/validate/layout';
import { MIPS_QEMU, ITERATIONS_SYMBOL, qemuInstalled, runQemuGuest, scratchDir, writeWithIterations, type MipsQemu, type QemuRun } from './bench-qemu';
import { CliError, type Output } from './output';
import { repoRoot } from './index';

export interface BenchOptions {
  /** --arch; riscv64 when absent. */
  readonly arch?: string;
  /** Compare with QEMU (false: --no-qemu). */
  readonly qemu?: boolean;
  /** linux-boot: boot on the workbench (false: --qemu-only). */
  readonly ours?: boolean;
}

/** One run of the benchmark layout on the workbench. */
export interface OursRun {
  /** 0 when the guest powered the board off; otherwise `message` says how it ended. */
  readonly code: number;
  readonly message?: string;
  readonly retired: number;
  readonly seconds: number;
  /** What the guest printed. */
  readonly output: string;
}

/** What `bench mips` runs; the tests pass fakes. */
export interface MipsRunners {
  ours(layout: string): Promise<OursRun>;
  qemuInstalled(binary: string): boolean;
  qemu(spec: MipsQemu, image: string): Promise<QemuRun>;
}

const OUR_TIMEOUT_MS = 600_000;

export const realMipsRunners: MipsRunners = { ours: runOurs, qemuInstalled, qemu: runQemuGuest };

export async function runBench(name: string | undefined, runs: number, out: Output, options: BenchOptions = {}, runners: MipsRunners = realMipsRunners): Promise<number> {
  if (name === 'linux-boot') {
    const { benchLinuxBoot, linuxBenchArch } = await import('./bench-linux');
    await benchLinuxBoot({ runs, arch: linuxBenchArch(options.arch), qemu: options.qemu, ours: options.ours }, out);
    return 0;
  }
  if (name !== 'mips') throw new CliError(`unknown benchmark "${name ?? ''}" (known: mips, linux-boot)`);
  // The QEMU half's rate is the workbench's instruction count over QEMU's time: nothing to show alone.
  if (options.ours === false) throw new CliError('bench mips has no QEMU comparison without the workbench\'s run (it counts the instructions): --qemu-only is for linux-boot');
  return benchMips(options.arch ?? 'riscv64', Math.max(1, runs), options.qemu !== false, out, runners);
}

async function benchMips(arch: string, runs: number, withQemu: boolean, out: Output, runners: MipsRunners): Promise<number> {
  const layout = path.join(repoRoot(), 'bench/layouts', `${arch}-mips`);
  const layoutFile = path.join(layout, 'layout.json');
  if (!existsSync(layoutFile)) {
    throw new CliError(`bench mips --arch ${arch}: no benchmark layout ${path.relative(repoRoot(), layout)}/layout.json`);
  }
  const image = path.resolve(layout, parseLayout(await readFile(layoutFile, 'utf8'), layoutFile).root.image);

  let best: OursRun | undefined;
  for (let i = 0; i < runs; i++) {
    const r = await runners.ours(layout);
    if (r.code !== 0) {
      out.stderr(`hvwb: the benchmark guest did not power off: ${r.message ?? `status ${r.code}`}\n`);
      return r.code;
    }
    out.stdout(`run ${i + 1}: ${r.retired} instructions in ${r.seconds.toFixed(2)} s (${mips(r.retired, r.seconds)} MIPS)\n`);
    if (!best || r.seconds < best.seconds) best = r;
  }
  const ours = best!;
  out.stdout(`hvwb ${ours.retired} instructions in ${ours.seconds.toFixed(2)} s (best of ${runs})\n`);

  const spec = MIPS_QEMU[arch];
  const why = !withQemu ? '--no-qemu'
    : !spec ? `no QEMU machine is known for ${arch}`
    : !runners.qemuInstalled(spec.binary) ? `${spec.binary} is not installed (apt-get install ${spec.package})`
    : undefined;
  if (why !== undefined || !spec) {
    out.stdout(`MIPS ours ${mips(ours.retired, ours.seconds)}\nno ratio: ${why}\n`);
    return 0;
  }

  const scratch = scratchDir();
  let full = Infinity;
  let startup = Infinity;
  let qemuOutput = '';
  try {
    const idle = writeWithIterations(image, 0, scratch.dir);
    for (let i = 0; i < runs; i++) {
      const run = await runners.qemu(spec, image);
      const empty = await runners.qemu(spec, idle);
      out.stdout(`qemu run ${i + 1}: ${run.seconds.toFixed(3)} s, start-up ${empty.seconds.toFixed(3)} s\n`);
      full = Math.min(full, run.seconds);
      startup = Math.min(startup, empty.seconds);
      qemuOutput = run.output;
    }
  } finally {
    scratch.remove();
  }

  const ourSum = checksum(ours.output);
  const qemuSum = checksum(qemuOutput);
  if (ourSum !== qemuSum) {
    throw new CliError(`bench mips: the workbench and QEMU did not do the same work: checksum ${ourSum ?? '(none printed)'} here, ${qemuSum ?? '(none printed)'} on QEMU`);
  }
  const work = full - startup;
  out.stdout(`checksum ${ourSum ?? '(none printed)'} on both\n`);
  out.stdout(
    `qemu ${work.toFixed(3)} s for the same work (best run ${full.toFixed(3)} s minus QEMU's start-up ${startup.toFixed(3)} s: ` +
      `the same ELF with ${ITERATIONS_SYMBOL} = 0, best of ${runs})\n`,
  );
  out.stdout(`MIPS ours ${mips(ours.retired, ours.seconds)}\n`);
  if (!(work > 0)) {
    out.stdout(`no ratio: QEMU's run took no longer than its start-up (increase the guest's ${ITERATIONS_SYMBOL})\n`);
    return 0;
  }
  out.stdout(`MIPS qemu ${mips(ours.retired, work)}\n`);
  out.stdout(`ratio ${(ours.seconds / work).toFixed(2)}\n`);
  return 0;
}

function mips(instructions: number, seconds: number): string {
  return (instructions / seconds / 1e6).toFixed(1);
}

/** The guest's `checksum=...` (both bench-mips guests print one before powering off). */
function checksum(output: string): string | undefined {
  return /checksum=(\S+)/.exec(output)?.[1];
}

/** The layout on the workbench from starting the machine to the guest's power-off. */
async function runOurs(layout: string): Promise<OursRun> {
  const host = await MachineHost.create(await loadLayout(layout));
  const decoder = new TextDecoder();
  let output = '';
  const started = performance.now();
  const ended = await new Promise<{ code: number; message?: string; seconds: number }>((resolve) => {
    const timer = setTimeout(() => resolve({ code: 1, message: `no power-off within ${OUR_TIMEOUT_MS / 1000} s`, seconds: 0 }), OUR_TIMEOUT_MS);
    const done = (code: number, message?: string): void => {
      const seconds = (performance.now() - started) / 1000;
      clearTimeout(timer);
      resolve({ code, ...(message ? { message } : {}), seconds });
    };
    host.on({
      output(_zone, _name, bytes) {
        output += decoder.decode(bytes, { stream: true });
      },
      fault(fault) {
        done(2, `${fault.zoneName}${fault.hart >= 0 ? ` hart ${fault.hart}` : ''}: ${fault.message}`);
      },
      exit(kind, code) {
        if (kind === 'poweroff') done(0);
        else done(kind === 'fault' ? 2 : 1, `the guest ended with ${kind} (code ${code})`);
      },
    });
    host.start().catch((error: Error) => done(2, error.message));
  });
  await host.stop();
  return { ...ended, retired: host.retired(), output };
}
