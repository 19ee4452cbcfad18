/**
 * `hvwb bench <name>`: benchmarks that print figures. `mips` runs the instruction-rate guest of
 * bench/layouts/<arch>-mips (riscv64 by default) on one CPU until it powers the board off, and the same
 * ELF on QEMU's virt machine in the same run (bench-qemu.ts). Both sides are measured the same way: the
 * time of the guest as built minus the start-up, measured with the same ELF doing no iterations (ours:
 * from starting the machine, vCPU workers included, to the power-off; QEMU: from spawning it to its
 * exit). It prints both runs of each side, the instructions of the iterations (our count with the idle
 * run's subtracted), both instruction rates and `ratio <ours/qemu>` of the work times. `--no-qemu`
 * runs ours only. `linux-boot` is in bench-linux.ts.
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
  /** linux-boot: CPUs the kernel boots on, both sides (default 1). */
  readonly cpus?: number;
  /** linux-boot: --console DIR, each run's console with host timestamps per line. */
  readonly consoleDir?: string;
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
  /** The layout, with `image` as the root image when given. */
  ours(layout: string, image?: string): Promise<OursRun>;
  qemuInstalled(binary: string): boolean;
  qemu(spec: MipsQemu, image: string): Promise<QemuRun>;
}

const OUR_TIMEOUT_MS = 600_000;

export const realMipsRunners: MipsRunners = { ours: runOurs, qemuInstalled, qemu: runQemuGuest };

export async function runBench(name: string | undefined, runs: number, out: Output, options: BenchOptions = {}, runners: MipsRunners = realMipsRunners): Promise<number> {
  if (name === 'linux-boot') {
    const { benchLinuxBoot, linuxBenchArch } = await import('./bench-linux');
    await benchLinuxBoot({
      runs, arch: linuxBenchArch(options.arch), qemu: options.qemu, ours: options.ours,
      ...(options.cpus !== undefined ? { cpus: options.cpus } : {}),
      ...(options.consoleDir !== undefined ? { consoleDir: options.consoleDir } : {}),
    }, out);
    return 0;
  }
  if (options.cpus !== undefined) throw new CliError('--cpus is for bench linux-boot (the mips guest runs on one CPU)');
  if (options.consoleDir !== undefined) throw new CliError('--console is for bench linux-boot');
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

  const spec = MIPS_QEMU[arch];
  const why = !withQemu ? '--no-qemu'
    : !spec ? `no QEMU machine is known for ${arch}`
    : !runners.qemuInstalled(spec.binary) ? `${spec.binary} is not installed (apt-get install ${spec.package})`
    : undefined;

  const scratch = scratchDir();
  try {
    const idle = writeWithIterations(image, 0, scratch.dir);
    // Ours: per run the guest as built, then the same ELF with no iterations (the start-up).
    let full: OursRun | undefined;
    let startup: OursRun | undefined;
    for (let i = 0; i < runs; i++) {
      const r = await runners.ours(layout);
      const e = r.code === 0 ? await runners.ours(layout, idle) : r;
      const failed = r.code !== 0 ? r : e.code !== 0 ? e : undefined;
      if (failed) {
        out.stderr(`hvwb: the benchmark guest${failed === e && e !== r ? ` (${ITERATIONS_SYMBOL} = 0)` : ''} did not power off: ${failed.message ?? `status ${failed.code}`}\n`);
        return failed.code;
      }
      out.stdout(`run ${i + 1}: ${r.retired} instructions in ${r.seconds.toFixed(3)} s, start-up ${e.seconds.toFixed(3)} s (${e.retired} instructions)\n`);
      if (!full || r.seconds < full.seconds) full = r;
      if (!startup || e.seconds < startup.seconds) startup = e;
    }
    const ourWork = full!.seconds - startup!.seconds;
    const instructions = full!.retired - startup!.retired;
    out.stdout(
      `hvwb ${ourWork.toFixed(3)} s for ${instructions} instructions (best run ${full!.seconds.toFixed(3)} s minus the workbench's start-up ` +
        `${startup!.seconds.toFixed(3)} s: the same ELF with ${ITERATIONS_SYMBOL} = 0, best of ${runs})\n`,
    );
    if (!(ourWork > 0)) {
      out.stdout(`no figure: the workbench's run took no longer than its start-up (increase the guest's ${ITERATIONS_SYMBOL})\n`);
      return 0;
    }
    if (why !== undefined || !spec) {
      out.stdout(`MIPS ours ${mips(instructions, ourWork)}\nno ratio: ${why}\n`);
      return 0;
    }

    let qemuFull = Infinity;
    let qemuStartup = Infinity;
    let qemuOutput = '';
    for (let i = 0; i < runs; i++) {
      const run = await runners.qemu(spec, image);
      const empty = await runners.qemu(spec, idle);
      out.stdout(`qemu run ${i + 1}: ${run.seconds.toFixed(3)} s, start-up ${empty.seconds.toFixed(3)} s\n`);
      qemuFull = Math.min(qemuFull, run.seconds);
      qemuStartup = Math.min(qemuStartup, empty.seconds);
      qemuOutput = run.output;
    }

    const ourSum = checksum(full!.output);
    const qemuSum = checksum(qemuOutput);
    if (ourSum !== qemuSum) {
      throw new CliError(`bench mips: the workbench and QEMU did not do the same work: checksum ${ourSum ?? '(none printed)'} here, ${qemuSum ?? '(none printed)'} on QEMU`);
    }
    const work = qemuFull - qemuStartup;
    out.stdout(`checksum ${ourSum ?? '(none printed)'} on both\n`);
    out.stdout(
      `qemu ${work.toFixed(3)} s for the same work (best run ${qemuFull.toFixed(3)} s minus QEMU's start-up ${qemuStartup.toFixed(3)} s: ` +
        `the same ELF with ${ITERATIONS_SYMBOL} = 0, best of ${runs})\n`,
    );
    out.stdout(`MIPS ours ${mips(instructions, ourWork)}\n`);
    if (!(work > 0)) {
      out.stdout(`no ratio: QEMU's run took no longer than its start-up (increase the guest's ${ITERATIONS_SYMBOL})\n`);
      return 0;
    }
    out.stdout(`MIPS qemu ${mips(instructions, work)}\n`);
    out.stdout(`ratio ${(ourWork / work).toFixed(2)}\n`);
    return 0;
  } finally {
    scratch.remove();
  }
}

function mips(instructions: number, seconds: number): string {
  return (instructions / seconds / 1e6).toFixed(1);
}

/** The guest's `checksum=...` (both bench-mips guests print one before powering off). */
function checksum(output: string): string | undefined {
  return /checksum=(\S+)/.exec(output)?.[1];
}

/** The layout (with another root image when `image` is given) on the workbench from starting the machine to the guest's power-off. */
async function runOurs(layout: string, image?: string): Promise<OursRun> {
  const loaded = await loadLayout(layout);
  const host = await MachineHost.create(image === undefined ? loaded : { ...loaded, images: { ...loaded.images, kernel: image } }, { startSoon: true });
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
