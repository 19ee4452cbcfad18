/**
 * An image built for another architecture than the board's is refused before anything runs, naming
 * what the image is for and what the board is: an aarch64 ELF on qemu-plic, a riscv64 ELF on
 * qemu-gicv3, and a raw arm64 Linux Image (recognised by its header) on qemu-plic.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadLayout } from '../../../src/host/layout-loader';
import { MachineHost } from '../../../src/host/machine-host';

const repo = path.resolve(__dirname, '../../..');

function layoutWith(board: string, image: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hvwb-arch-'));
  writeFileSync(path.join(dir, 'layout.json'), JSON.stringify({ name: 'wrong-arch', board, root: { image, mode: 'supervisor', cpus: [0] } }));
  return dir;
}

async function refusal(board: string, image: string): Promise<string> {
  const loaded = await loadLayout(layoutWith(board, image));
  try {
    const host = await MachineHost.create(loaded);
    await host.stop();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('the image was accepted');
}

describe('an image for another architecture', () => {
  it('refuses an aarch64 ELF on the riscv64 board, naming its ELF machine and the board', async () => {
    const message = await refusal('qemu-plic', path.join(repo, 'guest/aarch64/bin/hello.elf'));
    expect(message).toContain('hello.elf: ELF machine 183 (AArch64, aarch64) does not run on board qemu-plic, which is riscv64 (ELF machine 243, RISC-V)');
  });

  it('refuses a riscv64 ELF on an aarch64 board', async () => {
    const message = await refusal('qemu-gicv3', path.join(repo, 'guest/riscv64/bin/hello.elf'));
    expect(message).toContain('ELF machine 243 (RISC-V, riscv64) does not run on board qemu-gicv3, which is aarch64 (ELF machine 183, AArch64)');
  });

  it('refuses a raw arm64 Linux Image on the riscv64 board by its header', async () => {
    const image = new Uint8Array(0x10000);
    image.set([0x41, 0x52, 0x4d, 0x64], 0x38); // "ARM\x64"
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hvwb-image-'));
    writeFileSync(path.join(dir, 'Image'), image);
    const message = await refusal('qemu-plic', path.join(dir, 'Image'));
    expect(message).toContain('Image: a Linux Image for aarch64 does not run on board qemu-plic, which is riscv64');
  });
});
