/**
 * Debian's unmodified loong64 kernel (an EFI-stub Image) on ls3a5000, started the way firmware starts it
 * after its EFI stub (src/core/isa/loongarch64/linux-image.ts): the kernel must find the workbench's EFI
 * system table in a2, the generated device tree through its configuration table, its command line in
 * /chosen, print through earlycon and then ttyS1 (uart0, named by address in the bootargs), get through
 * its init calls without a UBSAN report or an oops, unpack the busybox initramfs and run /init. The
 * layout runs in deterministic mode (guest time follows retired instructions, decision 0030): with the
 * host's clock, the interpreter on a loaded machine spent its instructions on timer ticks.
 *
 * Then busybox (Debian's busybox-static, built for LA64 v1.0 with LSX: glibc's string routines and
 * GCC's vector loops run on the LSX model of src/core/isa/loongarch64/lsx.ts, with Linux's lazy LSX
 * switch taking SXD first) runs /init to the shell's prompt, and the shell answers a command typed on
 * the console: `uname -m` and an arithmetic expansion. The images come from
 * scripts/fetch-guest-images.sh --arch loongarch64; without them the test says so and is skipped.
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

/**
 * ~870 M interpreted instructions to /init (9.5 min at load averages of 20-27 on two cores), then /init
 * and the shell (decision 0030).
 */
const BOOT_MS = 1_800_000;
/** Typed at the shell's first prompt; the marker is printed only if the shell evaluated the expansion. */
const COMMAND = 'uname -m; echo hvwb-$((6*7))-done\n';

describe.skipIf(!cached)('loongarch64 Linux (Debian loong64) on ls3a5000', () => {
  it('boots through the EFI system table handoff and its init calls to /init, and busybox to a shell that answers', async () => {
    const loaded = await loadLayout(LAYOUT);
    expect(loaded.layout.deterministic).toBe(true);
    let seen = '';
    let typed = false;
    // When each stage of the boot was reached: retired instructions and wall time (decision 0030).
    const started = Date.now();
    const stages = new Map<string, string>();
    const run = await runGuest(loaded, {
      timeoutMs: BOOT_MS,
      until: ['hvwb-42-done'],
      onHost: (host) => {
        host.on({
          output(_zone, _name, bytes) {
            seen += new TextDecoder().decode(bytes);
            for (const stage of ['Run /init as init process', 'hvwb-init: starting', 'hvwb-init: ready', 'hvwb-42-done']) {
              if (!stages.has(stage) && seen.includes(stage)) stages.set(stage, `${(host.retired() / 1e6).toFixed(0)} M instructions, ${((Date.now() - started) / 1000).toFixed(0)} s`);
            }
            // The first prompt after /init's last line ("# " and ash's cursor query ESC [6n): the shell
            // reads the console now.
            if (!typed && /hvwb-init: ready[\s\S]*built-in shell \(ash\)[\s\S]*\n# /.test(seen)) {
              typed = true;
              host.input(new TextEncoder().encode(COMMAND));
            }
          },
        });
      },
    });
    console.log(`loongarch64 Linux boot stages: ${[...stages].map(([stage, at]) => `${stage}: ${at}`).join('; ')}`);
    const detail = `output:\n${run.output.slice(-4000)}\nfaults: ${run.faults.join('; ')}`;
    for (const text of [
      'efi: EFI v2.7 by hvwb', 'efi: FDTPTR=', 'earlycon: uart8250 at MMIO 0x000000001fe001e0', 'Initmem setup node 0',
      '1fe001e0.serial: ttyS1 at MMIO 0x1fe001e0', 'smp: Brought up 1 node, 1 CPU', 'Freeing initrd memory', 'Run /init as init process',
      'hvwb-init: starting', 'hvwb-init: ready', 'built-in shell (ash)',
      // The legacy port window the tree's isa node maps: i8042 reads all ones there and finds nothing.
      'ISA Bridge: /platform/isa@18000000', 'i8042: No controller found',
    ]) {
      expect(run.output, detail).toContain(text);
    }
    expect(run.output, detail).toMatch(/Linux version \S+-loong64 /);
    expect(run.output, detail).toContain('Loongson-64bit Processor probed (LA464 Core)');
    expect(run.output, detail).toMatch(/Kernel command line: .*console=uart8250,mmio,0x1fe001e0 earlycon mem=256M@0/);
    expect(run.output, detail).toMatch(/Memory: \d+K\/262144K available .* 0K cma-reserved/);
    for (const bad of ['UBSAN', 'Oops', 'Kernel panic', 'soft lockup', 'oom-killer', 'Illegal instruction', 'Segmentation fault']) {
      expect(run.output, detail).not.toContain(bad);
    }
    expect(run.faults, detail).toEqual([]);
    expect(run.timedOut, detail).toBe(false);
    // The shell's answer: the machine name, then the evaluated expansion.
    const answer = run.output.slice(run.output.lastIndexOf('uname -m;'));
    expect(answer, detail).toMatch(/\r?\nloongarch64\r?\nhvwb-42-done/);
  }, BOOT_MS + 60_000);
});
