/**
 * Debian's unmodified loong64 kernel (an EFI-stub Image) on ls3a5000, started the way firmware starts it
 * after its EFI stub (src/core/isa/loongarch64/linux-image.ts): the kernel must find the workbench's EFI
 * system table in a2, the generated device tree through its configuration table, its command line in
 * /chosen, and print through earlycon on UART0. The interpreter does not reach the shell in a test's time
 * yet (decision 0030), so this test holds the boot to what it reaches: the banner, the EFI and FDT
 * handoff, earlycon, the command line, the CPU probe without a UBSAN report, and the memory setup past
 * the first TLB refill through a huge PMD. The images come from scripts/fetch-guest-images.sh --arch
 * loongarch64; without them the test says so and is skipped.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadLayout } from '../../src/host/layout-loader';
import { runGuest } from '../helpers/run-guest';

const LAYOUT = 'examples/loongarch64-linux-root';
const images = path.join(LAYOUT, 'images');
const cached = existsSync(path.join(images, 'Image')) && existsSync(path.join(images, 'initramfs.cpio.gz'));
if (!cached) console.warn(`loongarch64 linux boot test skipped: no Linux images in ${images}; run bash scripts/fetch-guest-images.sh --arch loongarch64`);

describe.skipIf(!cached)('loongarch64 Linux (Debian loong64) on ls3a5000', () => {
  it('boots through the EFI system table handoff to the kernel memory setup', async () => {
    const loaded = await loadLayout(LAYOUT);
    // "Initmem setup" comes after the vmemmap's huge-PMD refills, the command line right after it
    // (about 40 million instructions in; RCU's setup, which the CLI run reaches, is too far for a
    // bound that must hold on a loaded machine).
    const milestones = [
      'Linux version', 'efi: EFI v2.7 by hvwb', 'efi: FDTPTR=', 'earlycon: ns16550a0 at MMIO 0x000000001fe001e0',
      'Initmem setup node 0', 'Kernel command line:',
    ];
    const run = await runGuest(loaded, { timeoutMs: 270_000, until: milestones });
    const detail = `output:\n${run.output.slice(-4000)}\nfaults: ${run.faults.join('; ')}`;
    expect(run.faults, detail).toEqual([]);
    for (const text of milestones) expect(run.output, detail).toContain(text);
    expect(run.output, detail).toMatch(/Linux version \S+-loong64 /);
    expect(run.output, detail).toContain('Loongson-64bit Processor probed (LA464 Core)');
    expect(run.output, detail).toMatch(/Kernel command line: .*console=ttyS0 earlycon mem=256M@0/);
    expect(run.output, detail).not.toContain('UBSAN');
  }, 320_000);
});
