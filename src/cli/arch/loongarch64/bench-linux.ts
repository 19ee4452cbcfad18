/**
 * loongarch64's entry of `hvwb bench linux-boot` (LINUX_BENCH in src/cli/bench-linux.ts): the
 * examples/loongarch64-linux-root layout against Debian bookworm's qemu-system-loongarch64 (QEMU 7.2),
 * which is given the layout's kernel, initramfs and command line as one generated ELF
 * (qemu-virt-kernel.ts says why and how).
 *
 * The benchmark's end is the kernel's `Run /init as init process`, not the init script's first line:
 * QEMU 7.2 implements no LSX (it came in QEMU 8.1) and Debian's loong64 busybox uses LSX instructions in
 * ordinary code (decision 0030), so on QEMU 7.2 /init dies at its first vector load and never prints a
 * line. Both sides stop at the same kernel line.
 *
 * One CPU: QEMU 7.2 starts every CPU at the ELF's entry and the trampoline has no mailbox loop for
 * secondaries; the workbench's handoff starts only CPU 0 as well (decision 0030).
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { laQemuKernel, QEMU_VIRT_RAM_BYTES } from './qemu-virt-kernel';

/** The images the QEMU half boots, from the layout. */
export interface BenchImages {
  readonly kernel: string;
  readonly initrd: string;
  readonly bootargs: string;
}

/**
 * QEMU's boot arguments for the layout's images: writes the ELF of qemu-virt-kernel.ts into `scratch` and
 * returns `-kernel <it>` (no -initrd / -append: QEMU 7.2 gives those only to a firmware; both are in the ELF).
 */
export async function loongarch64QemuBoot(images: BenchImages, scratch: string): Promise<string[]> {
  const [image, initrd] = await Promise.all([readFile(images.kernel), readFile(images.initrd)]);
  const built = laQemuKernel(image, initrd, images.bootargs, { image: images.kernel, initrd: images.initrd });
  const file = path.join(scratch, 'loongarch64-qemu-virt.elf');
  await writeFile(file, built.elf);
  return ['-kernel', file];
}

export const LOONGARCH64_LINUX_BENCH = {
  layout: 'examples/loongarch64-linux-root',
  fetch: 'bash scripts/fetch-guest-images.sh --arch loongarch64',
  qemu: 'qemu-system-loongarch64',
  qemuPackage: 'qemu-system-misc',
  // QEMU 7.2's virt wants at least 1 GiB; its first 256 MiB are at 0, where the layout's mem=256M@0 is.
  // No NIC: virt's default needs an option ROM (efi-virtio.rom) Debian's package does not ship for it.
  machine: ['-M', 'virt', '-cpu', 'la464', '-smp', '1', '-m', `${QEMU_VIRT_RAM_BYTES / 0x10_0000}M`, '-nographic', '-nic', 'none'],
  marker: 'Run /init as init process',
  markerWhy: 'QEMU 7.2 has no LSX, which busybox needs before the init script prints',
  qemuBoot: loongarch64QemuBoot,
  maxCpus: { count: 1, why: 'QEMU 7.2 starts every CPU at the boot ELF and the workbench hands off to CPU 0 only' },
  // The LA64 CPU is an interpreter (no translation tier yet): 1.22 G instructions to the marker took
  // 146-202 s at load 3-8 and up to 10 minutes at load ~20 on the shared machine (decisions 0030, 0032).
  timeoutSeconds: 1800,
} as const;
