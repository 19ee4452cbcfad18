/**
 * Debian's unmodified Linux kernels with the busybox initramfs boot to a shell in the root zone, and
 * the shell answers: /proc/cpuinfo lists the zone's CPUs as the architecture describes them, uname
 * names the kernel. riscv64 on qemu-plic (S-mode, SBI), aarch64 on qemu-gicv3 (EL1, PSCI over SMC,
 * GICv3, generic timer, PL011). The images are large and fetched from the apt mirror by
 * scripts/fetch-guest-images.sh [--arch aarch64], so each row runs only when its images are cached
 * (examples/<arch>-linux-root/images) and says so otherwise.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadLayout } from '../../src/host/layout-loader';
import { MachineHost } from '../../src/host/machine-host';
import { LinuxConsole } from '../helpers/linux-console';

const BOOT_MS = 150_000;

interface LinuxRow {
  readonly arch: string;
  readonly layout: string;
  /** The folder with Image and initramfs.cpio.gz (the layout's images/ unless it borrows another's). */
  readonly images?: string;
  /** What /proc/cpuinfo must show for two CPUs of this architecture. */
  readonly cpuinfo: readonly RegExp[];
  readonly uname: RegExp;
  /** A further command and what it must print. */
  readonly extra?: { readonly command: string; readonly expect: readonly RegExp[] };
}

const ROWS: readonly LinuxRow[] = [
  {
    arch: 'riscv64',
    layout: 'examples/riscv64-linux-root',
    cpuinfo: [/processor\s*: 0/, /processor\s*: 1/, /hart\s*: 0/, /hart\s*: 1/, /isa\s*: rv64imafdc/, /mmu\s*: sv39/],
    uname: /Linux \S+ \S+-riscv64 .* riscv64/,
  },
  {
    arch: 'aarch64',
    layout: 'examples/aarch64-linux-root',
    // FP and AdvSIMD, CRC32 and LSE atomics, exactly what the ID registers announce.
    cpuinfo: [/processor\s*: 0/, /processor\s*: 1/, /Features\s*: fp asimd .*crc32 atomics/, /CPU architecture: 8/],
    uname: /Linux \S+ \S+-arm64 .* aarch64/,
    // The GICv3 delivers the timer PPI and the PL011's SPI to both CPUs' Linux.
    extra: { command: 'cat /proc/interrupts', expect: [/GICv3\s+27 Level\s+arch_timer/, /GICv3\s+33 Level\s+(uart-pl011|9000000\.pl011)/] },
  },
  {
    // The same kernel on qemu-gicv2: the GICv2 distributor and memory-mapped CPU interface.
    arch: 'aarch64 (GICv2)',
    layout: 'tests/boot/layouts/aarch64-linux-gicv2',
    images: 'examples/aarch64-linux-root/images',
    cpuinfo: [/processor\s*: 0/, /processor\s*: 1/, /Features\s*: fp asimd .*crc32 atomics/],
    uname: /Linux \S+ \S+-arm64 .* aarch64/,
    extra: { command: 'cat /proc/interrupts', expect: [/GIC-0\s+27 Level\s+arch_timer/, /GIC-0\s+33 Level\s+(uart-pl011|9000000\.pl011)/] },
  },
];

const cachedRows = ROWS.filter((row) => {
  const images = row.images ?? path.join(row.layout, 'images');
  const cached = existsSync(path.join(images, 'Image')) && existsSync(path.join(images, 'initramfs.cpio.gz'));
  if (!cached) console.warn(`linux boot test (${row.arch}) skipped: no Linux images in ${images}; run bash scripts/fetch-guest-images.sh --arch ${row.arch.split(' ')[0]}`);
  return cached;
});

/** Drives a console: waits for texts after the last consumed point, types lines. */
describe.skipIf(cachedRows.length === 0)('Debian Linux on the root zone', () => {
  for (const row of cachedRows) {
    it(`${row.arch}: boots to a busybox shell on two CPUs and runs commands`, async () => {
      const loaded = await loadLayout(row.layout);
      const layout = { ...loaded.layout, root: { ...loaded.layout.root, cpus: [0, 1] } };
      const host = await MachineHost.create({ ...loaded, layout });
      const console = new LinuxConsole(host);
      host.start();
      try {
        const boot = await console.waitFor('hvwb-init: ready', BOOT_MS);
        // The generated device tree's /chosen/rng-seed: the kernel's random pool is ready from the start, as on QEMU.
        expect(boot).toContain('random: crng init done');
        await console.waitFor('# ', 10_000);
        console.type('cat /proc/cpuinfo');
        const cpuinfo = await console.waitFor('\n# ', 20_000);
        for (const line of row.cpuinfo) expect(cpuinfo).toMatch(line);
        console.type('uname -a');
        const uname = await console.waitFor('\n# ', 20_000);
        expect(uname).toMatch(row.uname);
        if (row.extra) {
          console.type(row.extra.command);
          const out = await console.waitFor('\n# ', 20_000);
          for (const line of row.extra.expect) expect(out).toMatch(line);
        }
        expect(console.faults).toEqual([]);
      } finally {
        await host.stop();
      }
    }, BOOT_MS + 60_000);
  }
});
