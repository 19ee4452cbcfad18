/**
 * `hvwb bench linux-boot --arch ...`: the choice of architecture, the QEMU half on its own
 * (--qemu-only, which needs nothing of the workbench but the layout's file names) and the messages
 * for what is missing. The QEMU boot itself runs where qemu-system-aarch64 and the images of
 * scripts/fetch-guest-images.sh --arch aarch64 are there.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { benchLinuxBoot, bootPhases, qemuCommand, StampedConsole } from '../../../src/cli/bench-linux';
import { hvwbWith } from '../../helpers/cli';

const hvwb = (...argv: string[]) => hvwbWith({}, ...argv);
const sink = { stdout: () => {}, stderr: () => {} };

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function layout(board: string, files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'hvwb-bench-linux-'));
  dirs.push(dir);
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), content);
  const root = { image: 'Image', initrd: 'initramfs.cpio.gz', mode: 'supervisor', bootargs: 'console=ttyAMA0' };
  writeFileSync(path.join(dir, 'layout.json'), JSON.stringify({ name: 'bench', board, root }));
  return dir;
}

describe('hvwb bench linux-boot --arch', () => {
  const panicImages = path.resolve('examples/riscv64-linux-root/images');
  const haveRiscvQemu = spawnSync('qemu-system-riscv64', ['--version'], { stdio: 'ignore' }).status === 0;
  it.skipIf(!existsSync(`${panicImages}/Image`) || !haveRiscvQemu)('stops each side at a kernel panic with its console, instead of waiting out the timeout', async () => {
    // No init in the initramfs by this name and no root device: both kernels panic in their first seconds.
    const dir = mkdtempSync(path.join(tmpdir(), 'hvwb-bench-panic-'));
    dirs.push(dir);
    const root = { image: `${panicImages}/Image`, initrd: `${panicImages}/initramfs.cpio.gz`, mode: 'supervisor', cpus: [0], bootargs: 'console=ttyS0 rdinit=/no-such-init root=/dev/no-such-disk' };
    writeFileSync(path.join(dir, 'layout.json'), JSON.stringify({ name: 'panic', board: 'qemu-plic', root }));
    const started = performance.now();
    await expect(benchLinuxBoot({ layout: dir, qemu: false }, sink)).rejects.toThrow(/the kernel panicked before "hvwb-init: \S+"[\s\S]*Kernel panic - not syncing/);
    await expect(benchLinuxBoot({ layout: dir, ours: false }, sink)).rejects.toThrow(/QEMU's kernel panicked before[\s\S]*Kernel panic - not syncing/);
    // Each side's timeout is 600 s.
    expect(performance.now() - started).toBeLessThan(300_000);
  }, 360_000);

  it('boots the layout\'s kernel, initramfs and command line on QEMU virt with a GICv3 for aarch64', () => {
    const { binary, args } = qemuCommand('aarch64', '/k/Image', '/k/initramfs.cpio.gz', 'console=ttyAMA0 quiet');
    expect(binary).toBe('qemu-system-aarch64');
    expect(args.join(' ')).toContain('-M virt,gic-version=3 -cpu cortex-a57 -smp 1 -m 1G -nographic');
    expect(args.slice(-6)).toEqual(['-kernel', '/k/Image', '-initrd', '/k/initramfs.cpio.gz', '-append', 'console=ttyAMA0 quiet']);
    // riscv64 stays as it was: OpenSBI as firmware, 2 GiB.
    expect(qemuCommand('riscv64', 'a', 'b', 'c').binary).toBe('qemu-system-riscv64');
    expect(qemuCommand('riscv64', 'a', 'b', 'c').args).toContain('default');
  });

  it('--cpus boots QEMU with as many CPUs, and is refused where it means nothing', async () => {
    expect(qemuCommand('riscv64', 'a', 'b', 'c', 4).args.join(' ')).toContain('-smp 4 ');
    expect(qemuCommand('aarch64', 'a', 'b', 'c', 2).args.join(' ')).toContain('-smp 2 ');
    const zero = await hvwb('bench', 'linux-boot', '--cpus', '0', '--qemu-only');
    expect(zero.code).toBe(2);
    expect(zero.stderr).toContain('--cpus');
    const mips = await hvwb('bench', 'mips', '--cpus', '2');
    expect(mips.code).toBe(2);
    expect(mips.stderr).toContain('--cpus is for bench linux-boot');
  });

  it('--console stamps every console line once with the host seconds at which it began, across chunks', () => {
    const log = new StampedConsole(performance.now() - 1500);
    log.add('Booting Linux');
    log.add(' on hart 0\nsecond line\nthi');
    log.add('rd\n\n');
    const lines = log.toString().split('\n');
    expect(lines.slice(0, 4).map((l) => l.replace(/^\[ +(\d+\.\d{3})\] /, ''))).toEqual(['Booting Linux on hart 0', 'second line', 'third', '']);
    expect(lines.slice(0, 4).every((l) => /^\[ +\d+\.\d{3}\] /.test(l))).toBe(true);
    const first = Number(/^\[ *([\d.]+)\]/.exec(lines[0]!)![1]);
    expect(first).toBeGreaterThanOrEqual(1.5);
    expect(first).toBeLessThan(60);
    expect(lines[4]).toBe('');
  });

  it('--console splits a boot into start-up to the kernel\'s clock, the clock to "Run /init", and init to the marker', () => {
    // The first kernel lines come late, when the console registers (their host stamps are after their
    // kernel time), and lines at 0.000000 were printed before the clock ran (an early console): the
    // live lines give the clock's start, 3.000 - 0.700 = 2.3 s.
    const console = [
      '[   0.289] (hvwb: machine built, the CPUs start now)',
      '[   0.300] [    0.000000] Booting Linux on hartid 0',
      '[   3.490] [    0.012167] Calibrating delay loop (skipped)',
      '[   3.500] [    1.200000] clocksource: Switched to clocksource riscv_clocksource',
      '[   3.000] [    0.700000] printk: console [ttyS0] enabled',
      '[   6.150] [    3.837695] Run /init as init process',
      '[   6.540] hvwb-init: starting',
    ].join('\n');
    const p = bootPhases(console, 'hvwb-init: starting')!;
    expect(p.toKernelClock).toBeCloseTo(2.3, 6);
    expect(p.toInit).toBeCloseTo(3.85, 6);
    expect(p.initToMarker).toBeCloseTo(0.39, 6);
    expect(p.toKernelClock + p.toInit + p.initToMarker).toBeCloseTo(6.54, 6);
    expect(bootPhases(console.replace('Run /init', 'Run /sbin/init'), 'hvwb-init: starting')).toBeUndefined();
    expect(bootPhases(console, 'no such marker')).toBeUndefined();
  });

  it('names the known architectures for an unknown one', async () => {
    const r = await hvwb('bench', 'linux-boot', '--arch', 'sparc');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--arch: unknown architecture "sparc" \(known: riscv64, aarch64, loongarch64\)/);
  });

  it('refuses --qemu-only with --no-qemu, and those options for bench mips', async () => {
    expect((await hvwb('bench', 'linux-boot', '--qemu-only', '--no-qemu')).stderr).toMatch(/leave nothing to run/);
    expect((await hvwb('bench', 'mips', '--qemu-only')).stderr).toMatch(/bench mips has no QEMU comparison/);
    expect((await hvwb('bench', 'mips', '--console', '/tmp/x')).stderr).toMatch(/--console is for bench linux-boot/);
    expect((await hvwb('bench', 'mips', '--arch', 'sparc')).stderr).toMatch(/bench mips --arch sparc: no benchmark layout bench\/layouts\/sparc-mips\/layout\.json/);
  });

  it('says how to fetch the images when the layout\'s kernel is missing', async () => {
    const dir = layout('qemu-gicv3', { 'initramfs.cpio.gz': 'x' });
    await expect(benchLinuxBoot({ arch: 'aarch64', layout: dir, ours: false }, sink)).rejects.toThrow(
      /layout\.json: root\.image: no such file .*Image; run bash scripts\/fetch-guest-images\.sh --arch aarch64 first/,
    );
  });

  it('says once that the workbench cannot boot a board it does not have, and how to run QEMU\'s half alone', async () => {
    const dir = layout('pdp-11', { Image: 'x', 'initramfs.cpio.gz': 'x' });
    await expect(benchLinuxBoot({ arch: 'aarch64', layout: dir, qemu: false }, sink)).rejects.toThrow(
      /the workbench cannot boot .*pdp-11[\s\S]*--qemu-only runs QEMU's half alone/,
    );
  });

  const images = path.resolve('examples/aarch64-linux-root/images');
  const haveQemu = spawnSync('qemu-system-aarch64', ['--version'], { stdio: 'ignore' }).status === 0;
  const ready = haveQemu && existsSync(path.join(images, 'Image')) && existsSync(path.join(images, 'initramfs.cpio.gz'));
  it.skipIf(!ready)('--qemu-only boots Debian\'s arm64 kernel on QEMU to the init line and prints its time; --console keeps its console', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hvwb-bench-console-'));
    dirs.push(dir);
    const r = await hvwb('bench', 'linux-boot', '--arch', 'aarch64', '--qemu-only', '--console', path.join(dir, 'logs'));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^qemu run 1: "hvwb-init: starting" after \d+\.\d\d s\n  phases: \d+\.\d\d s to the kernel's clock, \d+\.\d\d s on to "Run \/init", \d+\.\d\d s on to the marker\nqemu \d+\.\d\d s\n$/);
    const text = readFileSync(path.join(dir, 'logs', 'qemu-1.log'), 'latin1');
    expect(text).toMatch(/^\[ +\d+\.\d{3}\] \[ +0\.000000\] Booting Linux on physical CPU 0x0/m);
    expect(text).toMatch(/^\[ +\d+\.\d{3}\] hvwb-init: starting/m);
    // The three phases cover the boot: they add up to its time (to the stamps' and the print's rounding).
    const [total, ...phases] = [/after (\d+\.\d\d) s/, /phases: (\d+\.\d\d) s/, /, (\d+\.\d\d) s on to "Run/, /(\d+\.\d\d) s on to the marker/].map((re) => Number(re.exec(r.stdout)![1]));
    expect(phases.every((p) => p > 0)).toBe(true);
    expect(Math.abs(phases.reduce((a, b) => a + b) - total!)).toBeLessThan(0.05);
  }, 180_000);
});
