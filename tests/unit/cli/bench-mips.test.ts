/**
 * `hvwb bench mips`: the choice of layout and QEMU machine per architecture, both sides' start-up
 * measured with the same ELF doing no iterations and subtracted, the figures it prints, and what it
 * says when there is no ratio. The runs are fakes here (no timing); bench-mips-guest.test.ts runs the real
 * aarch64 guest on the workbench.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBench, type MipsRunners, type OursRun } from '../../../src/cli/bench';
import { ITERATIONS_SYMBOL, MIPS_QEMU, qemuMipsCommand, type MipsQemu } from '../../../src/cli/bench-qemu';
import { parseElf } from '../../../src/core/machine/elf';
import { hvwbWith } from '../../helpers/cli';

const hvwb = (...argv: string[]) => hvwbWith({}, ...argv);

/** The value of bench_iterations in an ELF file. */
function iterationsOf(file: string): number {
  const bytes = new Uint8Array(readFileSync(file));
  const elf = parseElf(bytes, file);
  const address = elf.symbols.get(ITERATIONS_SYMBOL)!;
  const segment = elf.segments.find((s) => address >= s.vaddr && address < s.vaddr + s.fileSize)!;
  return new DataView(bytes.buffer).getUint32(segment.fileOffset + address - segment.vaddr, true);
}

interface FakeCall { readonly binary: string; readonly image: string; readonly iterations: number }

/**
 * Ours takes `ours.seconds` (300 M instructions) on the guest as built and `oursIdle` with no iterations
 * (50,000); QEMU takes `full` s and `idle` s.
 */
function fakes(options: { ours?: Partial<OursRun>; oursIdle?: Partial<OursRun>; full?: number; idle?: number; installed?: boolean; qemuSum?: string } = {}) {
  const layouts: string[] = [];
  const oursImages: number[] = [];
  const calls: FakeCall[] = [];
  const runners: MipsRunners = {
    async ours(layout, image) {
      layouts.push(layout);
      const iterations = image === undefined ? 400 : iterationsOf(image);
      oursImages.push(iterations);
      if (iterations === 0) return { code: 0, retired: 50_000, seconds: 0.5, output: 'bench-mips: iterations=0 checksum=0x0\n', ...options.oursIdle };
      return { code: 0, retired: 300_050_000, seconds: 3.5, output: 'bench-mips: iterations=400 checksum=0x1234\n', ...options.ours };
    },
    qemuInstalled: () => options.installed ?? true,
    async qemu(spec: MipsQemu, image: string) {
      const iterations = iterationsOf(image);
      calls.push({ binary: spec.binary, image, iterations });
      const sum = options.qemuSum ?? '0x1234';
      return iterations === 0 ? { seconds: options.idle ?? 0.05, output: `checksum=${sum}\n` } : { seconds: options.full ?? 0.25, output: `x checksum=${sum} instret=1\n` };
    },
  };
  return { runners, layouts, oursImages, calls };
}

async function bench(args: { arch?: string; qemu?: boolean; runs?: number }, runners: MipsRunners) {
  let stdout = '';
  let stderr = '';
  const code = await runBench('mips', args.runs ?? 1, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) }, {
    ...(args.arch ? { arch: args.arch } : {}),
    ...(args.qemu === false ? { qemu: false } : {}),
  }, runners);
  return { code, stdout, stderr };
}

describe('hvwb bench mips', () => {
  it('runs the aarch64 layout and the same ELF on QEMU, subtracting each side\'s start-up measured with no iterations', async () => {
    const f = fakes();
    const r = await bench({ arch: 'aarch64', runs: 2 }, f.runners);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(f.layouts.map((l) => path.basename(l))).toEqual(['aarch64-mips', 'aarch64-mips', 'aarch64-mips', 'aarch64-mips']);
    // Ours per run: the layout as it is, then its ELF with no iterations.
    expect(f.oursImages).toEqual([400, 0, 400, 0]);
    // Per run: the layout's own ELF (400 iterations), then a copy with none.
    const image = path.resolve('guest/aarch64/bin/bench-mips-root.elf');
    expect(f.calls.map((c) => [c.binary, c.iterations])).toEqual([
      ['qemu-system-aarch64', 400], ['qemu-system-aarch64', 0], ['qemu-system-aarch64', 400], ['qemu-system-aarch64', 0],
    ]);
    expect(f.calls[0]!.image).toBe(image);
    expect(f.calls[1]!.image).not.toBe(image);
    expect(r.stdout).toBe(
      'run 1: 300050000 instructions in 3.500 s, start-up 0.500 s (50000 instructions)\n' +
        'run 2: 300050000 instructions in 3.500 s, start-up 0.500 s (50000 instructions)\n' +
        'hvwb 3.000 s for 300000000 instructions (best run 3.500 s minus the workbench\'s start-up 0.500 s: the same ELF with bench_iterations = 0, best of 2)\n' +
        'qemu run 1: 0.250 s, start-up 0.050 s\n' +
        'qemu run 2: 0.250 s, start-up 0.050 s\n' +
        'checksum 0x1234 on both\n' +
        'qemu 0.200 s for the same work (best run 0.250 s minus QEMU\'s start-up 0.050 s: the same ELF with bench_iterations = 0, best of 2)\n' +
        'MIPS ours 100.0\n' +
        'MIPS qemu 1500.0\n' +
        'ratio 15.00\n',
    );
  });

  it('uses riscv64 without --arch, on QEMU virt without firmware', async () => {
    const f = fakes({ full: 0.45, idle: 0.05 });
    const r = await bench({}, f.runners);
    expect(path.basename(f.layouts[0]!)).toBe('riscv64-mips');
    expect(f.calls.map((c) => c.binary)).toEqual(['qemu-system-riscv64', 'qemu-system-riscv64']);
    expect(f.calls[0]!.image).toBe(path.resolve('guest/riscv64/bin/bench-mips.elf'));
    expect(r.stdout).toMatch(/\nratio 7\.50\n$/);
    expect(qemuMipsCommand(MIPS_QEMU.riscv64!, 'g.elf').args.join(' ')).toMatch(/^-M virt -bios none .*-kernel g\.elf$/);
  });

  it('starts QEMU\'s aarch64 virt at EL1 with a GICv3 and RAM up to the root zone\'s address', () => {
    const { binary, args } = qemuMipsCommand(MIPS_QEMU.aarch64!, '/g/bench.elf');
    expect(binary).toBe('qemu-system-aarch64');
    expect(args.join(' ')).toBe('-M virt,gic-version=3,secure=off,virtualization=off -cpu cortex-a72 -smp 1 -m 2G -nographic -nic none -kernel /g/bench.elf');
  });

  it('--no-qemu prints our figures only and says why there is no ratio', async () => {
    const f = fakes();
    const r = await bench({ arch: 'aarch64', qemu: false }, f.runners);
    expect(f.calls).toEqual([]);
    expect(r.stdout).toBe(
      'run 1: 300050000 instructions in 3.500 s, start-up 0.500 s (50000 instructions)\n' +
        'hvwb 3.000 s for 300000000 instructions (best run 3.500 s minus the workbench\'s start-up 0.500 s: the same ELF with bench_iterations = 0, best of 1)\n' +
        'MIPS ours 100.0\nno ratio: --no-qemu\n',
    );
  });

  it('without QEMU installed, prints ours and names the package to install', async () => {
    const f = fakes({ installed: false });
    const r = await bench({ arch: 'aarch64' }, f.runners);
    expect(r.code).toBe(0);
    expect(f.calls).toEqual([]);
    expect(r.stdout).toMatch(/MIPS ours 100\.0\nno ratio: qemu-system-aarch64 is not installed \(apt-get install qemu-system-arm\)\n$/);
    expect(r.stdout).not.toMatch(/ratio \d/);
  });

  it('refuses a comparison when QEMU computed another checksum', async () => {
    const f = fakes({ qemuSum: '0x9999' });
    await expect(bench({ arch: 'aarch64' }, f.runners)).rejects.toThrow(/did not do the same work: checksum 0x1234 here, 0x9999 on QEMU/);
  });

  it('gives no ratio when QEMU\'s run is not longer than its start-up', async () => {
    const f = fakes({ full: 0.05, idle: 0.06 });
    const r = await bench({ arch: 'aarch64' }, f.runners);
    expect(r.stdout).toMatch(/no ratio: QEMU's run took no longer than its start-up/);
    expect(r.stdout).not.toMatch(/MIPS qemu|ratio \d/);
  });

  it('gives no figure when our run is not longer than our start-up', async () => {
    const f = fakes({ ours: { seconds: 0.4 } });
    const r = await bench({ arch: 'aarch64' }, f.runners);
    expect(r.stdout).toMatch(/no figure: the workbench's run took no longer than its start-up/);
    expect(r.stdout).not.toMatch(/MIPS ours|ratio \d/);
    expect(f.calls).toEqual([]);
  });

  it('stops with the status of the idle run when that one does not power off', async () => {
    const f = fakes({ oursIdle: { code: 1, message: 'no power-off within 600 s' } });
    const r = await bench({ arch: 'aarch64' }, f.runners);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('hvwb: the benchmark guest (bench_iterations = 0) did not power off: no power-off within 600 s\n');
  });

  it('stops with the guest\'s status when it does not power off, before running QEMU', async () => {
    const f = fakes({ ours: { code: 2, message: 'root hart 0: undefined instruction' } });
    const r = await bench({ arch: 'aarch64' }, f.runners);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('hvwb: the benchmark guest did not power off: root hart 0: undefined instruction\n');
    expect(f.calls).toEqual([]);
  });

  it('names the missing layout for an unknown --arch and refuses --qemu-only', async () => {
    const sparc = await hvwb('bench', 'mips', '--arch', 'sparc');
    expect(sparc.code).toBe(2);
    expect(sparc.stderr).toMatch(/bench mips --arch sparc: no benchmark layout bench\/layouts\/sparc-mips\/layout\.json/);
    const only = await hvwb('bench', 'mips', '--qemu-only');
    expect(only.code).toBe(2);
    expect(only.stderr).toMatch(/--qemu-only is for linux-boot/);
    expect((await hvwb('bench', 'mips', '--qemu')).stderr).toMatch(/unknown option --qemu/);
    expect((await hvwb('bench', 'mips', '--runs', '0')).stderr).toMatch(/--runs must be a positive number, got "0"/);
  });
});
