/**
 * `hvwb bench linux-boot [--arch riscv64|aarch64|loongarch64] [--cpus N]`: boots Debian's kernel with the
 * busybox initramfs (examples/<arch>-linux-root, images from scripts/fetch-guest-images.sh [--arch ...]) on
 * one CPU (N) until the architecture's marker line (the init script's first line; loongarch64: the
 * kernel's `Run /init as init process`), and reports wall time and retired instructions. Our half runs in
 * the layout's mode (deterministic where layout.json says so, and then the output says it). Where QEMU for
 * the architecture is installed it boots the same kernel, initramfs and command line on QEMU's virt
 * machine in the same run, the two sides taking turns (our run, then QEMU's), and prints the ratio of the
 * best wall times and of each pair of runs. Both times run from
 * process/machine creation (image loading included) to the marker. `--no-qemu` runs only our half,
 * `--qemu-only` only QEMU's (which needs nothing of the workbench but the layout's file names, so it
 * also works for a board the workbench cannot boot yet).
 */
import type { TierStats } from '../core/cpu/cpu-core';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { loadLayout } from '../host/layout-loader';
import { MachineHost } from '../host/machine-host';
import { profilesEnabled, ramProfileDirectory } from '../host/ram-profile';
import { parseLayout } from '../shared/validate/layout';
import { CliError, type Output } from './output';
import { repoRoot } from './index';
import { LOONGARCH64_LINUX_BENCH } from './arch/loongarch64/bench-linux';

/** The init script's first line (guest/<arch>/linux/init). */
export const INIT_LINE = 'hvwb-init: starting';
/**
 * A side whose kernel panics stops there instead of waiting out its timeout (up to 1800 s), once the
 * lines after the panic (the stack) had PANIC_TAIL_MS to arrive.
 */
const PANIC_LINE = 'Kernel panic - not syncing';
const PANIC_TAIL_MS = 1000;
export const panicked = (console: string): boolean => console.includes(PANIC_LINE);

/** How long a side may take to its marker, unless the architecture's spec says otherwise. */
const TIMEOUT_SECONDS = 600;

/** The layout's kernel, initramfs and command line. */
export interface LinuxBenchImages {
  readonly kernel: string;
  readonly initrd: string;
  readonly bootargs: string;
}

/**
 * One architecture's benchmark: its layout, the QEMU machine the layout's board models, the console
 * line both sides are timed to (`marker`, with `markerWhy` where it is not the init script's line),
 * `qemuBoot` where QEMU cannot take the images as `-kernel -initrd -append` (it may write files into
 * `scratch`, a folder removed after the run) and `maxCpus` where --cpus has a limit.
 */
export interface LinuxBenchSpec {
  readonly layout: string;
  readonly fetch: string;
  readonly qemu: string;
  readonly qemuPackage: string;
  readonly machine: readonly string[];
  readonly marker: string;
  readonly markerWhy?: string;
  readonly qemuBoot?: (images: LinuxBenchImages, scratch: string) => Promise<string[]>;
  readonly maxCpus?: { readonly count: number; readonly why: string };
  /** Seconds each side may take to the marker (default 600). */
  readonly timeoutSeconds?: number;
}

/**
 * Each architecture's benchmark. The kernel, initramfs and command line come from the layout, so both
 * sides boot the same bytes.
 */
export const LINUX_BENCH = {
  riscv64: {
    layout: 'examples/riscv64-linux-root',
    fetch: 'bash scripts/fetch-guest-images.sh',
    qemu: 'qemu-system-riscv64',
    qemuPackage: 'qemu-system-misc',
    // 2 GiB like the qemu-plic board, whose root zone sees 0x8300_0000..0x1_0000_0000 of it; OpenSBI
    // (QEMU's default firmware) enters the kernel in S-mode.
    machine: ['-M', 'virt', '-smp', '1', '-m', '2G', '-nographic', '-bios', 'default'],
    marker: INIT_LINE,
  },
  aarch64: {
    layout: 'examples/aarch64-linux-root',
    fetch: 'bash scripts/fetch-guest-images.sh --arch aarch64',
    qemu: 'qemu-system-aarch64',
    qemuPackage: 'qemu-system-arm',
    // The qemu-gicv3 board: virt with a GICv3; QEMU loads the Image at RAM + text_offset and enters it
    // at EL1 with x0 = its device tree. virt's default NIC (virtio-net-pci) needs an option ROM from
    // ipxe-qemu and is no part of the layout: none.
    machine: ['-M', 'virt,gic-version=3', '-cpu', 'cortex-a57', '-smp', '1', '-m', '1G', '-nographic', '-nic', 'none'],
    marker: INIT_LINE,
  },
  loongarch64: LOONGARCH64_LINUX_BENCH,
} as const satisfies Record<string, LinuxBenchSpec>;

export type LinuxBenchArch = keyof typeof LINUX_BENCH;

export const linuxBenchArches = Object.keys(LINUX_BENCH) as LinuxBenchArch[];

/** The architecture named by --arch (riscv64 without it), or one message listing the known ones. */
export function linuxBenchArch(name: string | undefined): LinuxBenchArch {
  if (name === undefined) return 'riscv64';
  if (!Object.hasOwn(LINUX_BENCH, name)) throw new CliError(`--arch: unknown architecture "${name}" (known: ${linuxBenchArches.join(', ')})`);
  return name as LinuxBenchArch;
}

export interface LinuxBootOptions {
  readonly runs?: number;
  readonly arch?: LinuxBenchArch;
  /** Compare with QEMU when it is installed (default true). */
  readonly qemu?: boolean;
  /** Boot on the workbench (default true); false with qemu true is --qemu-only. */
  readonly ours?: boolean;
  /** Layout folder; defaults to the architecture's example. */
  readonly layout?: string;
  /** CPUs the kernel boots on, on both sides (default 1): how the figures scale with vCPUs. */
  readonly cpus?: number;
  /**
   * --console DIR: each run's console up to the marker goes to DIR/hvwb-N.log and DIR/qemu-N.log, every
   * line stamped with the host seconds since that side started, so that where the two boots spend
   * their time can be compared phase by phase (the kernel's own timestamps are guest time); each run
   * also prints its three phases (bootPhases).
   */
  readonly consoleDir?: string;
}

/** A console's text with the host time at which each line began ("[  1.234] "). */
export class StampedConsole {
  private text = '';
  private atLineStart = true;
  constructor(private readonly started: number) {}
  add(chunk: string): void {
    const seconds = ((performance.now() - this.started) / 1000).toFixed(3).padStart(8);
    for (const piece of chunk.split(/(?<=\n)/)) {
      if (piece === '') continue;
      if (this.atLineStart) this.text += `[${seconds}] `;
      this.text += piece;
      this.atLineStart = piece.endsWith('\n');
    }
  }
  toString(): string {
    return this.text;
  }
}

/** Where a boot's time went, from its stamped console (see bootPhases). */
export interface BootPhases {
  /** Host seconds from the side's start to the kernel's clock reading 0: start-up, firmware, the kernel's early boot. */
  readonly toKernelClock: number;
  /** Host seconds from the kernel's clock starting to its "Run /init" line (mostly the initcalls). */
  readonly toInit: number;
  /** Host seconds from "Run /init" to the marker (init's own start). */
  readonly initToMarker: number;
}

const KERNEL_STAMP = /^\[\s*([\d.]+)\] \[\s*(\d+\.\d+)\] /;

/**
 * The three phases of a boot from a StampedConsole's text, which add up to the time to the marker: a
 * line "[host] [kernel]" was printed at the host time or later (the kernel prints its early lines when
 * the console registers, with their old stamps), so the kernel's clock started at the least
 * host - kernel over its lines; lines stamped 0.000000 were printed before the clock ran and say
 * nothing. Undefined when the text has no such stamps, no "Run /init" or no marker line.
 */
export function bootPhases(stamped: string, marker: string): BootPhases | undefined {
  let clockStart = Infinity;
  let initHost: number | undefined;
  let markerHost: number | undefined;
  for (const line of stamped.split('\n')) {
    const host = /^\[\s*([\d.]+)\] /.exec(line);
    if (!host) continue;
    const kernel = KERNEL_STAMP.exec(line);
    if (kernel && Number(kernel[2]) > 0) {
      clockStart = Math.min(clockStart, Number(kernel[1]) - Number(kernel[2]));
      if (initHost === undefined && line.includes('Run /init')) initHost = Number(kernel[1]);
    }
    if (markerHost === undefined && line.includes(marker)) markerHost = Number(host[1]);
  }
  if (clockStart === Infinity || initHost === undefined || markerHost === undefined) return undefined;
  return { toKernelClock: clockStart, toInit: initHost - clockStart, initToMarker: markerHost - initHost };
}

function describePhases(log: StampedConsole, marker: string): string {
  const p = bootPhases(log.toString(), marker);
  if (!p) return '  phases: no kernel timestamps or no "Run /init" in the console';
  return `  phases: ${p.toKernelClock.toFixed(2)} s to the kernel's clock, ${p.toInit.toFixed(2)} s on to "Run /init", ${p.initToMarker.toFixed(2)} s on to the marker`;
}

function saveConsole(dir: string | undefined, name: string, log: StampedConsole): void {
  if (dir === undefined) return;
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, name), log.toString());
  } catch (error) {
    throw new CliError(`linux-boot: --console ${dir}: cannot write ${name} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

export interface LinuxBootResult {
  /** Our best wall time and its instruction count (absent with --qemu-only). */
  readonly seconds?: number;
  readonly retired?: number;
  readonly qemuSeconds?: number;
}

const specOf = (arch: LinuxBenchArch): LinuxBenchSpec => LINUX_BENCH[arch];

/** QEMU's command line for the architecture, booting `kernel` with `initrd` and `bootargs` as -kernel, -initrd, -append. */
export function qemuCommand(arch: LinuxBenchArch, kernel: string, initrd: string, bootargs: string, cpus = 1): { binary: string; args: string[] } {
  return { binary: LINUX_BENCH[arch].qemu, args: [...qemuMachine(arch, cpus), '-kernel', kernel, '-initrd', initrd, '-append', bootargs] };
}

function qemuMachine(arch: LinuxBenchArch, cpus: number): string[] {
  return LINUX_BENCH[arch].machine.map((a, i, all) => (all[i - 1] === '-smp' ? String(cpus) : a));
}

/**
 * QEMU's command line for the layout's images: qemuCommand's, or the machine and what the architecture's
 * `qemuBoot` makes of the images (files it writes go into `scratch`).
 */
export async function qemuBootCommand(arch: LinuxBenchArch, images: LinuxBenchImages, cpus: number, scratch: string): Promise<{ binary: string; args: string[] }> {
  const boot = specOf(arch).qemuBoot;
  if (!boot) return qemuCommand(arch, images.kernel, images.initrd, images.bootargs, cpus);
  let args: string[];
  try {
    args = await boot(images, scratch);
  } catch (error) {
    throw new CliError(`linux-boot: cannot prepare QEMU's boot files: ${(error as Error).message}`);
  }
  return { binary: LINUX_BENCH[arch].qemu, args: [...qemuMachine(arch, cpus), ...args] };
}

/**
 * The kernel, initramfs and command line of the layout's root zone, read from layout.json alone (no
 * board needed), with a clear message when the images are not there.
 */
export async function linuxBenchImages(layoutDir: string, arch: LinuxBenchArch): Promise<LinuxBenchImages> {
  const file = path.join(layoutDir, 'layout.json');
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new CliError(`linux-boot: cannot read ${file} (${error.code ?? error.message})`);
  });
  const layout = parseLayout(text, file);
  if (!layout.root.initrd) throw new CliError(`linux-boot: ${file}: root.initrd: the benchmark needs an initramfs`);
  const kernel = path.resolve(layoutDir, layout.root.image);
  const initrd = path.resolve(layoutDir, layout.root.initrd);
  for (const [field, full] of [['root.image', kernel], ['root.initrd', initrd]] as const) {
    if (!existsSync(full)) throw new CliError(`linux-boot: ${file}: ${field}: no such file ${full}; run ${LINUX_BENCH[arch].fetch} first`);
  }
  return { kernel, initrd, bootargs: layout.root.bootargs ?? '' };
}

/**
 * One boot of ours: its time, instructions and tier figures, and which profiles of the boot before its
 * CPUs replayed (RAM, translation: host/ram-profile.ts) or that it only learned them (undefined: none kept).
 */
interface OurBoot {
  readonly seconds: number;
  readonly retired: number;
  readonly tier: TierStats | undefined;
  readonly profile?: 'learned' | 'replayed';
  /** The kinds of profile replayed ("RAM", "translation"). */
  readonly replayed?: readonly string[];
}

async function bootOurs(layoutDir: string, cpus: number, spec: LinuxBenchSpec, onMode: (deterministic: boolean) => void, log?: StampedConsole): Promise<OurBoot> {
  const { marker } = spec;
  const timeout = spec.timeoutSeconds ?? TIMEOUT_SECONDS;
  const started = performance.now();
  let host: MachineHost;
  try {
    const loaded = await loadLayout(layoutDir);
    if (cpus > loaded.board.harts) throw new CliError(`linux-boot: --cpus ${cpus}: board ${loaded.board.name} has ${loaded.board.harts} CPUs`);
    const first = loaded.layout.root.cpus?.[0] ?? 0;
    const layout = { ...loaded.layout, root: { ...loaded.layout.root, cpus: Array.from({ length: cpus }, (_, i) => (first + i) % loaded.board.harts) } };
    host = await MachineHost.create({ ...loaded, layout }, { startSoon: true });
    onMode(host.deterministicStatus !== undefined);
  } catch (error) {
    if (error instanceof CliError) throw error;
    // Typically a board or CPU the workbench does not have yet: say so once, and how to get QEMU's half.
    throw new CliError(`linux-boot: the workbench cannot boot ${layoutDir}: ${(error as Error).message}\n(--qemu-only runs QEMU's half alone)`);
  }
  const decoder = new TextDecoder();
  let text = '';
  try {
    // The instructions are counted when the marker arrives, not after the stop: the CPUs run on meanwhile.
    let retired = 0;
    let seen = false;
    let panicking = false;
    const seconds = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new CliError(`linux-boot: no "${marker}" within ${timeout} s\n${text.slice(-2000)}`)), timeout * 1000);
      host.on({
        output(_zone, _name, bytes) {
          if (seen) return;
          const chunk = decoder.decode(bytes, { stream: true });
          text += chunk;
          log?.add(chunk);
          if (text.includes(marker)) {
            seen = true;
            retired = host.retired();
            clearTimeout(timer);
            resolve((performance.now() - started) / 1000);
          } else if (!panicking && panicked(text)) {
            panicking = true;
            clearTimeout(timer);
            setTimeout(() => reject(new CliError(`linux-boot: the kernel panicked before "${marker}"\n${text.slice(-3000)}`)), PANIC_TAIL_MS);
          }
        },
        fault(fault) {
          clearTimeout(timer);
          reject(new CliError(`linux-boot: hart ${fault.hart}: ${fault.message}\n${text.slice(-2000)}`));
        },
      });
      log?.add('(hvwb: machine built, the CPUs start now)\n');
      host.start();
    });
    await host.stop();
    const replayed = [...(host.ramProfileReplayed.size > 0 ? ['RAM'] : []), ...(host.translationProfileReplayed.size > 0 ? ['translation'] : [])];
    const profile = host.ramProfiles + host.translationProfiles === 0 ? undefined : replayed.length > 0 ? 'replayed' : 'learned';
    return { seconds, retired, tier: sumTier([...host.tierStats.values()]), ...(profile ? { profile, replayed } : {}) };
  } catch (error) {
    await host.stop();
    throw error;
  }
}

function qemuInstalled(binary: string): boolean {
  return spawnSync(binary, ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Seconds from spawning QEMU to the architecture's marker line on its console (`scratch`: see qemuBootCommand). */
export async function bootQemu(arch: LinuxBenchArch, images: LinuxBenchImages, cpus: number, scratch: string, log?: StampedConsole): Promise<number> {
  const { binary, args } = await qemuBootCommand(arch, images, cpus, scratch);
  const { marker } = specOf(arch);
  const timeout = specOf(arch).timeoutSeconds ?? TIMEOUT_SECONDS;
  const started = performance.now();
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  let panicking = false;
  try {
    return await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new CliError(`linux-boot: QEMU printed no "${marker}" within ${timeout} s`)), timeout * 1000);
      const collect = (chunk: Buffer): void => {
        text += chunk.toString('latin1');
        log?.add(chunk.toString('latin1'));
        if (text.includes(marker)) {
          clearTimeout(timer);
          resolve((performance.now() - started) / 1000);
        } else if (!panicking && panicked(text)) {
          panicking = true;
          clearTimeout(timer);
          setTimeout(() => reject(new CliError(`linux-boot: QEMU's kernel panicked before "${marker}"\n${text.slice(-3000)}`)), PANIC_TAIL_MS);
        }
      };
      child.stdout.on('data', collect);
      // QEMU's own complaints (a missing ROM, a bad option) come on stderr: keep them for the message.
      child.stderr.on('data', (chunk: Buffer) => void (text += chunk.toString('latin1')));
      child.on('error', (error) => {
        clearTimeout(timer);
        reject(new CliError(`linux-boot: cannot run ${binary}: ${error.message}`));
      });
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new CliError(`linux-boot: ${binary} exited (${code}) before "${marker}"\n${text.slice(-2000)}`));
      });
    });
  } finally {
    child.kill('SIGKILL');
  }
}

/** The translation tier's share of a boot: blocks, compile time and its share of the CPUs' time, code bytes. */
export function describeTier(t: TierStats, seconds: number, cpus = 1): string {
  const share = `${((t.compileMs / 10) / (seconds * cpus)).toFixed(1)}% of ${cpus === 1 ? 'the boot' : `${cpus} CPUs' boot time`}`;
  return (
    `tier: ${t.blocks} blocks in ${t.modules} modules, compile ${(t.compileMs / 1000).toFixed(2)} s ` +
    `(${share}), ${(t.codeBytes / 1048576).toFixed(1)} MiB of WebAssembly, ` +
    `${t.stale} blocks dropped as stale, ${t.flushes} cache flushes`
  );
}

/** Every CPU's tier figures added up (undefined when none ran the tier). */
function sumTier(all: readonly TierStats[]): TierStats | undefined {
  if (all.length === 0) return undefined;
  const sum = (k: keyof TierStats): number => all.reduce((a, t) => a + t[k], 0);
  return { blocks: sum('blocks'), modules: sum('modules'), compileMs: sum('compileMs'), codeBytes: sum('codeBytes'), stale: sum('stale'), flushes: sum('flushes') };
}

/**
 * Our boots, one per boot() call, each line printed. RAM and translation profiles (host/ram-profile.ts)
 * come from a folder of the benchmark's own, so that its first run is a first boot, which learns one, and each run
 * after it replays the one before (said on the run's line); finish() removes the folder.
 */
class OurRuns {
  private readonly profileDir: string | undefined;
  private readonly previousProfileDir = process.env.HVWB_RAM_PROFILE_DIR;
  private modeSaid = false;
  best: OurBoot | undefined;
  first: OurBoot | undefined;

  constructor(
    private readonly layoutDir: string,
    private readonly cpus: number,
    private readonly spec: LinuxBenchSpec,
    private readonly consoleDir: string | undefined,
    private readonly out: Output,
  ) {
    this.profileDir = profilesEnabled() && this.previousProfileDir === undefined ? mkdtempSync(path.join(ramProfileDirectory(), 'bench-')) : undefined;
    if (this.profileDir) process.env.HVWB_RAM_PROFILE_DIR = this.profileDir;
  }

  async boot(i: number): Promise<OurBoot> {
    const { out, cpus } = this;
    const sayMode = (deterministic: boolean): void => {
      if (deterministic && !this.modeSaid) out.stdout('hvwb: deterministic mode (the layout\'s "deterministic": guest time follows retired instructions)\n');
      this.modeSaid = true;
    };
    const log = this.consoleDir !== undefined ? new StampedConsole(performance.now()) : undefined;
    const r = await bootOurs(this.layoutDir, cpus, this.spec, sayMode, log);
    if (log) saveConsole(this.consoleDir, `hvwb-${i + 1}.log`, log);
    const kinds = r.replayed ?? [];
    const profile = r.profile === 'replayed' ? `, ${kinds.join(' and ')} profile${kinds.length > 1 ? 's' : ''} of the run before replayed` : r.profile === 'learned' ? ', a first boot (no profiles)' : '';
    out.stdout(`run ${i + 1}: "${this.spec.marker}" after ${r.seconds.toFixed(2)} s, ${r.retired} instructions (${(r.retired / r.seconds / 1e6).toFixed(1)} MIPS)${profile}\n`);
    if (r.tier) out.stdout(`  ${describeTier(r.tier, r.seconds, cpus)}\n`);
    if (log) out.stdout(`${describePhases(log, this.spec.marker)}\n`);
    if (!this.best || r.seconds < this.best.seconds) this.best = r;
    this.first ??= r;
    return r;
  }

  finish(): void {
    if (!this.profileDir) return;
    if (this.previousProfileDir === undefined) delete process.env.HVWB_RAM_PROFILE_DIR;
    rmSync(this.profileDir, { recursive: true, force: true });
  }
}

/** The middle value (the mean of the two middle ones for an even count). */
function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Runs the benchmark and prints its figures; returns the best (shortest) run of each side. */
export async function benchLinuxBoot(options: LinuxBootOptions, out: Output): Promise<LinuxBootResult> {
  const arch = options.arch ?? 'riscv64';
  const spec = specOf(arch);
  const ours = options.ours !== false;
  const qemu = options.qemu !== false;
  if (!ours && !qemu) throw new CliError('linux-boot: --qemu-only and --no-qemu leave nothing to run');
  const runs = Math.max(1, options.runs ?? 1);
  const cpus = options.cpus ?? 1;
  if (!Number.isInteger(cpus) || cpus < 1) throw new CliError(`linux-boot: --cpus: not a CPU count: ${cpus}`);
  if (spec.maxCpus && cpus > spec.maxCpus.count) throw new CliError(`linux-boot: --cpus ${cpus}: ${arch} boots at most ${spec.maxCpus.count} CPU(s) here (${spec.maxCpus.why})`);
  const layoutDir = options.layout ?? path.join(repoRoot(), spec.layout);
  const images = await linuxBenchImages(layoutDir, arch);
  const marker = spec.marker;
  if (spec.markerWhy) out.stdout(`timed to "${marker}" on both sides (${spec.markerWhy})\n`);
  let compare = qemu;
  if (qemu && !qemuInstalled(spec.qemu)) {
    const message = `${spec.qemu} is not installed (apt-get install ${spec.qemuPackage})`;
    if (!ours) throw new CliError(`linux-boot: --qemu-only: ${message}`);
    out.stdout(`${message}: no comparison\n`);
    compare = false;
  }
  // The two sides take turns, ours then QEMU's, so that a pair's boots share the minutes they ran in:
  // on a machine whose speed drifts (other tenants), three of ours followed by three of QEMU's measured
  // the drift as much as the emulators.
  const mine = ours ? new OurRuns(layoutDir, cpus, spec, options.consoleDir, out) : undefined;
  const scratch = compare ? mkdtempSync(path.join(tmpdir(), 'hvwb-bench-linux-')) : undefined;
  const pairs: number[] = [];
  let qemuBest = Infinity;
  try {
    for (let i = 0; i < runs; i++) {
      const r = await mine?.boot(i);
      if (!scratch) continue;
      const log = options.consoleDir !== undefined ? new StampedConsole(performance.now()) : undefined;
      const s = await bootQemu(arch, images, cpus, scratch, log);
      if (log) saveConsole(options.consoleDir, `qemu-${i + 1}.log`, log);
      out.stdout(`qemu run ${i + 1}: "${marker}" after ${s.toFixed(2)} s\n`);
      if (log) out.stdout(`${describePhases(log, marker)}\n`);
      qemuBest = Math.min(qemuBest, s);
      if (r) pairs.push(r.seconds / s);
    }
  } finally {
    mine?.finish();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
  const best = mine?.best;
  const first = mine?.first;
  if (best) out.stdout(`hvwb ${best.seconds.toFixed(2)} s, ${best.retired} instructions\n`);
  if (!compare) return { ...best };
  out.stdout(`qemu ${qemuBest.toFixed(2)} s\n`);
  if (best) out.stdout(`ratio ${(best.seconds / qemuBest).toFixed(2)}\n`);
  if (pairs.length > 1) out.stdout(`ratio of each run to the QEMU run after it: ${pairs.map((p) => p.toFixed(2)).join(', ')} (median ${median(pairs).toFixed(2)})\n`);
  // The first run's against QEMU's best, where the best run replayed profiles: a first boot's figure.
  if (best && first && first !== best && best.profile === 'replayed' && first.profile === 'learned') {
    out.stdout(`ratio of run 1 (a first boot, no profiles) ${(first.seconds / qemuBest).toFixed(2)}\n`);
  }
  return { ...best, qemuSeconds: qemuBest };
}
