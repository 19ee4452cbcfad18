/**
 * `hvwb bench linux-boot --arch loongarch64`'s QEMU half: the ELF that QEMU 7.2's virt machine loads
 * with -kernel (src/cli/arch/loongarch64/qemu-virt-kernel.ts) and the command line the CLI builds with it.
 * The ELF is checked against what QEMU 7.2's loader takes (ELF64 LE EM_LOONGARCH, PT_LOADs at physical
 * addresses in low RAM, none over its device-tree ROM at [1 MiB, 2 MiB), the entry inside a segment) and
 * its trampoline is run on the workbench's LA64 CPU: it must arrive at kernel_entry with the handoff the
 * kernel's env.c reads (a0 = 0, a1 = a command line, a2 = an EFI system table whose configuration table
 * holds the device tree with the layout's bootargs and the initramfs's range).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BOOT_PAGE, laQemuKernel, QEMU_FDT_ROM, QEMU_VIRT_LOW_RAM } from '../../../src/cli/arch/loongarch64/qemu-virt-kernel';
import { benchLinuxBoot, qemuBootCommand } from '../../../src/cli/bench-linux';
import { cells, readDtb, stringProperty, type FdtReadNode } from '../../../src/core/fdt/fdt-reader';
import { hvwbWith } from '../../helpers/cli';
import { machine, R } from '../core/isa/loongarch64/harness';

const KERNEL_LOAD = 0x20_0000;
const KERNEL_ENTRY = 0x20_0100;

/** A LoongArch Image header (arch/loongarch/kernel/head.S) over `size` bytes of body. */
function fakeImage(size = 0x1_0000, memorySize = 0x2_0000, entry = KERNEL_ENTRY): Uint8Array {
  const image = new Uint8Array(size);
  const view = new DataView(image.buffer);
  view.setUint16(0, 0x5a4d, true);
  view.setBigUint64(0x8, BigInt(entry), true);
  view.setBigUint64(0x10, BigInt(memorySize), true);
  view.setBigUint64(0x18, BigInt(KERNEL_LOAD), true);
  view.setUint32(0x38, 0x8182_23cd, true);
  for (let i = 0x40; i < size; i++) image[i] = (i * 7) & 0xff;
  return image;
}

const INITRD = Uint8Array.from({ length: 5000 }, (_, i) => (i * 13) & 0xff);
const BOOTARGS = 'console=uart8250,mmio,0x1fe001e0 earlycon mem=256M@0 cma=0';

interface Segment { type: number; offset: number; vaddr: number; paddr: number; filesz: number; memsz: number; align: number }

function readElf(elf: Uint8Array): { view: DataView; entry: number; segments: Segment[] } {
  const view = new DataView(elf.buffer, elf.byteOffset, elf.byteLength);
  const u64 = (at: number): number => Number(view.getBigUint64(at, true));
  const phoff = u64(32);
  const segments = Array.from({ length: view.getUint16(56, true) }, (_, i) => {
    const ph = phoff + i * view.getUint16(54, true);
    return { type: view.getUint32(ph, true), offset: u64(ph + 8), vaddr: u64(ph + 16), paddr: u64(ph + 24), filesz: u64(ph + 32), memsz: u64(ph + 40), align: u64(ph + 48) };
  });
  return { view, entry: u64(24), segments };
}

function child(node: FdtReadNode, name: string): FdtReadNode {
  const found = node.children.find((c) => c.name === name);
  if (!found) throw new Error(`no node ${name} under ${node.path}`);
  return found;
}

const u64Cells = (c: number[]): number => c[0]! * 2 ** 32 + c[1]!;

describe('bench linux-boot --arch loongarch64: the ELF QEMU 7.2 boots', () => {
  it('is an ELF64 LoongArch executable QEMU 7.2 virt loads: PT_LOADs in low RAM, none over its FDT ROM, the entry in the boot page', () => {
    const image = fakeImage();
    const built = laQemuKernel(image, INITRD, BOOTARGS);
    const { view, entry, segments } = readElf(built.elf);
    expect([...built.elf.subarray(0, 7)]).toEqual([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]); // ELF, 64-bit, little-endian, v1
    expect(view.getUint16(16, true)).toBe(2); // ET_EXEC
    expect(view.getUint16(18, true)).toBe(258); // EM_LOONGARCH: load_elf(..., EM_LOONGARCH, ...) refuses others
    expect(entry).toBe(BOOT_PAGE);
    expect(segments.map((s) => s.type)).toEqual([1, 1, 1]);
    for (const s of segments) {
      expect(s.paddr).toBe(s.vaddr);
      expect(s.paddr + s.memsz).toBeLessThanOrEqual(QEMU_VIRT_LOW_RAM);
      expect(s.paddr + s.memsz <= QEMU_FDT_ROM.start || s.paddr >= QEMU_FDT_ROM.end, `segment at 0x${s.paddr.toString(16)}`).toBe(true);
      expect(s.offset % s.align).toBe(s.paddr % s.align);
      expect(s.offset + s.filesz).toBeLessThanOrEqual(built.elf.length);
    }
    const [boot, kernel, initrd] = segments as [Segment, Segment, Segment];
    expect(entry >= boot.paddr && entry < boot.paddr + boot.filesz).toBe(true);
    // The Image at its header's load offset with its effective size (the rest zero-filled), the initramfs byte for byte.
    expect(kernel).toMatchObject({ paddr: KERNEL_LOAD, filesz: image.length, memsz: 0x2_0000 });
    expect(built.elf.subarray(kernel.offset, kernel.offset + kernel.filesz)).toEqual(image);
    expect(initrd.paddr).toBeGreaterThanOrEqual(KERNEL_LOAD + 0x2_0000);
    expect(initrd.paddr % 0x1_0000).toBe(0);
    expect(built.elf.subarray(initrd.offset, initrd.offset + initrd.filesz)).toEqual(INITRD);
    expect(built.initrd).toEqual({ start: initrd.paddr, end: initrd.paddr + INITRD.length });
  });

  it('its trampoline, run on the LA64 CPU, enters kernel_entry with a0 = 0, a1 = an empty command line, a2 = an EFI system table holding the device tree', () => {
    const built = laQemuKernel(fakeImage(), INITRD, BOOTARGS);
    const { segments } = readElf(built.elf);
    const boot = segments[0]!;
    const bootBytes = built.elf.subarray(boot.offset, boot.offset + boot.filesz);
    const m = machine(); // 1 MiB of RAM at 0: the boot page lies in it, the kernel (2 MiB) does not
    for (let i = 0; i < bootBytes.length; i++) m.bus.write(BOOT_PAGE + i, 1, bootBytes[i]!);
    m.cpu.setR(R.a0, 0x55n); // QEMU starts with zeros; the trampoline must not rely on it
    m.cpu.setPc(BigInt(BOOT_PAGE));
    m.cpu.run(10); // the trampoline: la.pcrel a2, a1 (4), move, li.d t1 (4), jr
    expect(m.faults).toEqual([]);
    expect(m.cpu.getPc()).toBe(BigInt(KERNEL_ENTRY));
    expect(m.r(R.a0)).toBe(0n);
    const at = (address: bigint): number => Number(address) - BOOT_PAGE;
    expect(bootBytes[at(m.r(R.a1))]).toBe(0); // the command line is empty: /chosen/bootargs carries it
    const view = new DataView(bootBytes.buffer, bootBytes.byteOffset, bootBytes.byteLength);
    const table = at(m.r(R.a2));
    expect(view.getBigUint64(table, true)).toBe(0x5453_5953_2049_4249n); // "IBI SYST"
    expect(view.getBigUint64(table + 88, true)).toBe(0n); // no runtime services
    expect(view.getBigUint64(table + 104, true)).toBe(1n);
    const config = at(view.getBigUint64(table + 112, true));
    expect([...bootBytes.subarray(config, config + 16)]).toEqual([0xd5, 0x21, 0xb6, 0xb1, 0x9c, 0xf1, 0xa5, 0x41, 0x83, 0x0b, 0xd9, 0x15, 0x2c, 0x69, 0xaa, 0xe0]);
    const dtbAddress = Number(view.getBigUint64(config + 16, true));
    expect(dtbAddress).toBe(built.dtbAddress);

    const tree = readDtb(bootBytes.subarray(dtbAddress - BOOT_PAGE), 'boot page');
    const chosen = child(tree, 'chosen');
    expect(stringProperty(chosen.properties.get('bootargs'))).toBe(BOOTARGS);
    expect(u64Cells(cells(chosen.properties.get('linux,initrd-start')))).toBe(built.initrd.start);
    expect(u64Cells(cells(chosen.properties.get('linux,initrd-end')))).toBe(built.initrd.end);
    expect(cells(child(tree, 'memory@0').properties.get('reg'))).toEqual([0, 0, 0, QEMU_VIRT_LOW_RAM]);
    // QEMU virt wires its UART to PCH-PIC input 2 (VIRT_UART_IRQ - VIRT_GSI_BASE), level high.
    const serial = child(child(tree, 'platform'), 'serial@1fe001e0');
    expect(cells(serial.properties.get('interrupts'))).toEqual([2, 4]);
  });

  it('refuses an Image that is not LoongArch\'s, and an initramfs that does not fit low RAM, naming the file', () => {
    const arm = fakeImage();
    new DataView(arm.buffer).setUint32(0x38, 0x644d5241, true); // arm64's "ARM\x64"
    expect(() => laQemuKernel(arm, INITRD, '', { image: '/x/Image', initrd: 'i' })).toThrow(/\/x\/Image: not a LoongArch Linux Image/);
    expect(() => laQemuKernel(fakeImage(0x1_0000, 0x2_0000, 0x10), INITRD, '', { image: '/x/Image', initrd: 'i' })).toThrow(/\/x\/Image: header kernel entry 0x10 lies outside the image/);
    expect(() => laQemuKernel(fakeImage(), new Uint8Array(QEMU_VIRT_LOW_RAM), '', { image: 'k', initrd: '/x/big.cpio' })).toThrow(/\/x\/big\.cpio: .* do not fit QEMU virt's 256 MiB of low RAM/);
  });
});

describe('bench linux-boot --arch loongarch64: the command line', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const temp = (): string => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hvwb-bench-la64-'));
    dirs.push(dir);
    return dir;
  };

  it('boots QEMU virt with the generated ELF as -kernel and no -initrd / -append (QEMU 7.2 gives those only to a firmware)', async () => {
    const dir = temp();
    writeFileSync(path.join(dir, 'Image'), fakeImage());
    writeFileSync(path.join(dir, 'initramfs.cpio.gz'), INITRD);
    const scratch = temp();
    const { binary, args } = await qemuBootCommand('loongarch64', { kernel: path.join(dir, 'Image'), initrd: path.join(dir, 'initramfs.cpio.gz'), bootargs: BOOTARGS }, 1, scratch);
    const elfFile = path.join(scratch, 'loongarch64-qemu-virt.elf');
    expect(binary).toBe('qemu-system-loongarch64');
    expect(args).toEqual(['-M', 'virt', '-cpu', 'la464', '-smp', '1', '-m', '1024M', '-nographic', '-nic', 'none', '-kernel', elfFile]);
    const elf = readFileSync(elfFile);
    expect(readElf(elf).entry).toBe(BOOT_PAGE);
    expect(elf.includes(Buffer.from(BOOTARGS))).toBe(true);
  });

  it('says which file is wrong when the layout\'s kernel is not a LoongArch Image', async () => {
    const dir = temp();
    writeFileSync(path.join(dir, 'Image'), 'not a kernel, but long enough to have a header at 0x38 ........................');
    writeFileSync(path.join(dir, 'initramfs.cpio.gz'), INITRD);
    await expect(qemuBootCommand('loongarch64', { kernel: path.join(dir, 'Image'), initrd: path.join(dir, 'initramfs.cpio.gz'), bootargs: '' }, 1, temp())).rejects.toThrow(
      /linux-boot: cannot prepare QEMU's boot files: .*Image: not a LoongArch Linux Image/,
    );
  });

  it('refuses --cpus above one and names the reason', async () => {
    const sink = { stdout: () => {}, stderr: () => {} };
    await expect(benchLinuxBoot({ arch: 'loongarch64', cpus: 2, ours: false }, sink)).rejects.toThrow(/--cpus 2: loongarch64 boots at most 1 CPU\(s\) here \(QEMU 7\.2 starts every CPU/);
  });

  const images = path.resolve('examples/loongarch64-linux-root/images');
  const haveQemu = spawnSync('qemu-system-loongarch64', ['--version'], { stdio: 'ignore' }).status === 0;
  const ready = haveQemu && existsSync(path.join(images, 'Image')) && existsSync(path.join(images, 'initramfs.cpio.gz'));
  it.skipIf(!ready)('--qemu-only boots Debian\'s loong64 kernel on QEMU 7.2 to "Run /init as init process" and says why that line', async () => {
    const r = await hvwbWith({}, 'bench', 'linux-boot', '--arch', 'loongarch64', '--qemu-only');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^timed to "Run \/init as init process" on both sides \(QEMU 7\.2 has no LSX[^\n]*\)\nqemu run 1: "Run \/init as init process" after \d+\.\d\d s\nqemu \d+\.\d\d s\n$/);
  }, 180_000);
});
