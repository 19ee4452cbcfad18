/**
 * QEMU's half of `hvwb bench mips`: the benchmark guest's ELF on QEMU's virt machine (the machine each
 * mips layout's board models), timed from spawning QEMU to its exit when the guest powers the machine
 * off, and the same ELF with `bench_iterations` patched to 0 to time what is not the workload (QEMU's
 * start-up, loading, the guest's start and power-off), which the benchmark subtracts. Leaves out any
 * reading of QEMU's own counters: the instruction count is the workbench's (same binary, same work).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ImageError, parseElf } from '../core/machine/elf';
import { CliError } from './output';

/** The guest's iteration count, a volatile 32-bit word in .data of both bench-mips guests. */
export const ITERATIONS_SYMBOL = 'bench_iterations';
const QEMU_TIMEOUT_MS = 300_000;

export interface MipsQemu {
  readonly binary: string;
  /** The Debian package that has the binary, for the "not installed" message. */
  readonly package: string;
  /** Machine options; `-kernel <image>` follows. */
  readonly machine: readonly string[];
}

/**
 * Per architecture: the QEMU machine its mips layout's board models, started the way the guest expects.
 * riscv64: virt without firmware enters the ELF in M-mode; the guest ends on the sifive test finisher
 * (QEMU exits with the guest's status). aarch64: virt with a GICv3 and neither EL3 nor EL2 enters the
 * ELF at EL1 like hvisor's root zone; PSCI is over HVC there, and the guest falls back to HVC when its
 * SMC is undefined (guest/aarch64/bench/root.c); 2 GiB so that RAM reaches the root zone's 0xa0400000.
 * virt's default NIC needs an option ROM and is no part of the layout: none.
 */
export const MIPS_QEMU: Readonly<Record<string, MipsQemu>> = {
  riscv64: {
    binary: 'qemu-system-riscv64',
    package: 'qemu-system-misc',
    machine: ['-M', 'virt', '-bios', 'none', '-smp', '1', '-m', '256M', '-nographic', '-nic', 'none'],
  },
  aarch64: {
    binary: 'qemu-system-aarch64',
    package: 'qemu-system-arm',
    machine: ['-M', 'virt,gic-version=3,secure=off,virtualization=off', '-cpu', 'cortex-a72', '-smp', '1', '-m', '2G', '-nographic', '-nic', 'none'],
  },
};

export function qemuMipsCommand(spec: MipsQemu, image: string): { binary: string; args: string[] } {
  return { binary: spec.binary, args: [...spec.machine, '-kernel', image] };
}

export function qemuInstalled(binary: string): boolean {
  return spawnSync(binary, ['--version'], { stdio: 'ignore' }).status === 0;
}

/**
 * A copy of the ELF `image` with its `bench_iterations` word set to `iterations`, written into `dir`.
 * Refused, naming the file, when the symbol is missing or not in the file's bytes (e.g. in .bss).
 */
export function writeWithIterations(image: string, iterations: number, dir: string): string {
  const bytes = new Uint8Array(readFileSync(image));
  let elf;
  try {
    elf = parseElf(bytes, image);
  } catch (error) {
    if (error instanceof ImageError) throw new CliError(error.message);
    throw error;
  }
  const address = elf.symbols.get(ITERATIONS_SYMBOL);
  if (address === undefined) throw new CliError(`${image}: no symbol ${ITERATIONS_SYMBOL}: not a bench-mips guest`);
  const segment = elf.segments.find((s) => address >= s.vaddr && address + 4 <= s.vaddr + s.fileSize);
  if (!segment) throw new CliError(`${image}: ${ITERATIONS_SYMBOL} (0x${address.toString(16)}) has no bytes in the file`);
  new DataView(bytes.buffer).setUint32(segment.fileOffset + (address - segment.vaddr), iterations >>> 0, true);
  const out = path.join(dir, `${path.basename(image, '.elf')}-${iterations}.elf`);
  writeFileSync(out, bytes);
  return out;
}

/** A scratch folder for patched images, removed by the returned function. */
export function scratchDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'hvwb-bench-mips-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface QemuRun {
  readonly seconds: number;
  /** What the guest printed (QEMU's console on stdout). */
  readonly output: string;
}

/** Seconds from spawning QEMU on `image` to its exit; an exit status other than 0 is an error. */
export async function runQemuGuest(spec: MipsQemu, image: string): Promise<QemuRun> {
  const { binary, args } = qemuMipsCommand(spec, image);
  const started = performance.now();
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let errors = '';
  child.stdout.on('data', (chunk: Buffer) => void (output += chunk.toString('latin1')));
  child.stderr.on('data', (chunk: Buffer) => void (errors += chunk.toString('latin1')));
  try {
    return await new Promise<QemuRun>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new CliError(`bench mips: ${binary} did not exit within ${QEMU_TIMEOUT_MS / 1000} s (the guest never powered off)\n${output.slice(-2000)}`)),
        QEMU_TIMEOUT_MS,
      );
      child.on('error', (error) => {
        clearTimeout(timer);
        reject(new CliError(`bench mips: cannot run ${binary}: ${error.message}`));
      });
      // The time is taken when QEMU exits; its output is complete once the pipes close after that.
      let seconds = 0;
      child.on('exit', () => void (seconds = (performance.now() - started) / 1000));
      child.on('close', (code) => {
        clearTimeout(timer);
        if (code === 0) resolve({ seconds, output: output.replace(/\r/g, '') });
        else reject(new CliError(`bench mips: ${binary} ${args.join(' ')} exited with status ${code}\n${(output + errors).slice(-2000)}`));
      });
    });
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}
