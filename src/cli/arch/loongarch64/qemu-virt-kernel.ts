/**
 * The QEMU half of `hvwb bench linux-boot --arch loongarch64`: how QEMU 7.2 (Debian bookworm's
 * qemu-system-loongarch64) is made to boot Debian's loong64 kernel with the layout's initramfs and
 * command line, which it cannot do by itself.
 *
 * QEMU 7.2's virt machine (hw/loongarch/virt.c of v7.2) loads `-kernel` only as an ELF (load_elf with
 * EM_LOONGARCH, addresses masked to physical) and, without `-bios`, starts every CPU at the ELF's entry
 * with all registers zero in direct address mode. `-initrd` and `-append` reach only a firmware (through
 * fw_cfg); its own device tree (put at 1 MiB as a ROM, [1 MiB, 2 MiB)) has no memory, no CPU interrupt
 * controller and no bindings Linux knows (compatible "loongarch,ls7a"): it was written for the EDK2
 * firmware, which gives the kernel ACPI tables. QEMU 8.1 added the direct Linux boot (hw/loongarch/boot.c:
 * a0/a1/a2 = EFI flag, command line, system table); bookworm has 7.2, and Debian's kernel is a raw
 * EFI-stub Image (PE, LINUX_PE_MAGIC at 0x38), not an ELF.
 *
 * So this file writes an ELF that is the kernel, a boot page and the initramfs:
 *
 * - PT_LOAD 1, at BOOT_PAGE (inside the first 2 MiB, which arch/loongarch/kernel/mem.c memblock_init
 *   reserves, below QEMU's device-tree ROM): an LA64 trampoline, a minimal EFI system table whose one
 *   configuration table entry (DEVICE_TREE_GUID) points at a device tree, an empty command line, and the
 *   device tree itself at BOOT_PAGE + 0x1000. The trampoline sets a0 = 0 (not an EFI boot), a1 = the
 *   empty command line, a2 = the system table and jumps to kernel_entry: the handoff the workbench gives
 *   the same kernel (decision 0030), so efi_init() and fdt_setup() take the same path on both sides.
 * - PT_LOAD 2, the Image at the load offset its header asks for (le64 at 0x18; 2 MiB), memsz the image's
 *   effective size (le64 at 0x10); e_entry's target kernel_entry is le64 at 0x8 (arch/loongarch/kernel/
 *   head.S).
 * - PT_LOAD 3, the initramfs, where QEMU 8.1's boot.c puts it (kernel end + 4 x kernel size, 64 KiB
 *   aligned); the tree's /chosen linux,initrd-start/-end name it.
 *
 * The device tree describes QEMU virt's hardware in the bindings Linux takes (the same nodes QEMU 8.x's
 * virt.c writes): one la464 CPU, the CPU interrupt controller, the EIOINTC (IOCSR; parent line 3), the
 * PCH-PIC at 0x1000_0000 (vectors from 0, parent the EIOINTC), the NS16550A at 0x1fe0_01e0 on PCH-PIC
 * input 2 (VIRT_UART_IRQ - VIRT_GSI_BASE), RAM at 0 (256 MiB) and at 0x9000_0000 (the rest), and /chosen
 * with the layout's bootargs, so the command line is the layout's byte for byte, and an rng-seed as the
 * workbench's generated trees (and QEMU's riscv64 and aarch64 virt) have. The tree is QEMU's
 * machine, not the workbench's ls3a5000 board: each side gets a tree of its own hardware, as QEMU virt's
 * generated tree is for riscv64 and aarch64.
 *
 * Left out: secondary CPUs (QEMU 7.2 would start them all at the ELF entry; the trampoline has no
 * mailbox loop, so the benchmark boots one CPU), PCIe and PCH-MSI (the layout uses no PCI device), the
 * RTC, ACPI, an EFI memory map.
 */
import { cpuModel } from '../../../core/cpu-models';
import { FdtTree, writeDtb } from '../../../core/fdt/fdt-writer';
import { rngSeed } from '../../../host/root-dtb';

/** Where the trampoline, the EFI tables and (at +0x1000) the device tree go: below QEMU 7.2's FDT ROM at 1 MiB. */
export const BOOT_PAGE = 0x8_0000;
const DTB_OFFSET = 0x1000;
/** QEMU 7.2 virt puts its own device tree ROM here (fdt_base = 1 MiB, FDT_MAX_SIZE 1 MiB): no segment may overlap it. */
export const QEMU_FDT_ROM = { start: 0x10_0000, end: 0x20_0000 } as const;
/** QEMU virt's low RAM (loongarch.lowram: 256 MiB at 0) and where the rest of -m goes. */
export const QEMU_VIRT_LOW_RAM = 0x1000_0000;
const QEMU_VIRT_HIGH_RAM_BASE = 0x9000_0000;
/** The -m the benchmark gives QEMU (QEMU 7.2's virt refuses less than 1 GiB). */
export const QEMU_VIRT_RAM_BYTES = 0x4000_0000;

/** LINUX_PE_MAGIC (arch/loongarch/kernel/head.S), le32 at 0x38. */
const LINUX_PE_MAGIC = 0x8182_23cd;
const EM_LOONGARCH = 258;
/** EF_LOONGARCH_ABI_DOUBLE_FLOAT | EF_LOONGARCH_OBJABI_V1, as the kernel's own vmlinux has. */
const ELF_FLAGS = 0x43;

/** The header of a LoongArch Linux Image (head.S): entry (physical, for a load at loadOffset), effective size, load offset. */
export interface LaImageHeader {
  readonly entry: number;
  readonly memorySize: number;
  readonly loadOffset: number;
}

export function laImageHeader(image: Uint8Array, name: string): LaImageHeader {
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  if (image.length < 0x40 || view.getUint16(0, true) !== 0x5a4d || view.getUint32(0x38, true) !== LINUX_PE_MAGIC) {
    throw new Error(`${name}: not a LoongArch Linux Image (no "MZ" at 0 and LINUX_PE_MAGIC 0x818223cd at 0x38)`);
  }
  const field = (offset: number, what: string): number => {
    const value = view.getBigUint64(offset, true);
    if (value >= BigInt(QEMU_VIRT_LOW_RAM)) throw new Error(`${name}: header ${what} 0x${value.toString(16)} (le64 at 0x${offset.toString(16)}) does not fit QEMU virt's 256 MiB of low RAM`);
    return Number(value);
  };
  const header = { entry: field(0x8, 'kernel entry'), memorySize: field(0x10, 'effective size'), loadOffset: field(0x18, 'load offset') };
  if (header.entry < header.loadOffset || header.entry >= header.loadOffset + Math.max(header.memorySize, image.length)) {
    throw new Error(`${name}: header kernel entry 0x${header.entry.toString(16)} lies outside the image loaded at 0x${header.loadOffset.toString(16)}`);
  }
  return header;
}

/** QEMU virt's hardware as Linux's device-tree bindings describe it, with the layout's command line and initramfs. */
export function qemuVirtTree(bootargs: string, initrd: { start: number; end: number }, ramBytes = QEMU_VIRT_RAM_BYTES): FdtTree {
  const tree = new FdtTree();
  const root = tree.root;
  root.u32('#address-cells', 2).u32('#size-cells', 2);
  root.string('compatible', 'linux,dummy-loongson3').string('model', 'QEMU virt (hvwb bench linux-boot)');
  const chosen = root.addChild('chosen');
  chosen.string('bootargs', bootargs).string('stdout-path', '/platform/serial@1fe001e0');
  chosen.u64('linux,initrd-start', initrd.start).u64('linux,initrd-end', initrd.end);
  // As the workbench's own trees have it (host/root-dtb.ts rngSeed): both kernels start with their random pool ready.
  chosen.bytes('rng-seed', rngSeed(false, 0));
  const cpus = root.addChild('cpus').u32('#address-cells', 1).u32('#size-cells', 0);
  cpus.addChild('cpu@0').string('compatible', 'loongson,la464').string('device_type', 'cpu').u32('reg', 0);
  root.addChild('interrupt-controller', 'cpuintc').string('compatible', 'loongson,cpu-interrupt-controller').u32('#interrupt-cells', 1).empty('interrupt-controller');
  const low = Math.min(ramBytes, QEMU_VIRT_LOW_RAM);
  root.addChild('memory@0').string('device_type', 'memory').u64('reg', 0, low);
  if (ramBytes > low) root.addChild(`memory@${QEMU_VIRT_HIGH_RAM_BASE.toString(16)}`).string('device_type', 'memory').u64('reg', QEMU_VIRT_HIGH_RAM_BASE, ramBytes - low);
  const platform = root.addChild('platform').strings('compatible', ['simple-bus']).u32('#address-cells', 2).u32('#size-cells', 2).empty('ranges');
  platform.addChild('interrupt-controller@1fe01600', 'eiointc').string('compatible', 'loongson,ls2k2000-eiointc')
    .u64('reg', 0x1fe0_1600, 0xea00).empty('interrupt-controller').u32('#interrupt-cells', 1)
    .reference('interrupt-parent', 'cpuintc').u32('interrupts', 3);
  platform.addChild('interrupt-controller@10000000', 'pic').string('compatible', 'loongson,pch-pic-1.0')
    .u64('reg', 0x1000_0000, 0x400).empty('interrupt-controller').u32('#interrupt-cells', 2)
    .u32('loongson,pic-base-vec', 0).reference('interrupt-parent', 'eiointc');
  platform.addChild('serial@1fe001e0').string('compatible', 'ns16550a').u64('reg', 0x1fe0_01e0, 0x100)
    .u32('clock-frequency', 100_000_000).u32('interrupts', 2, 4).reference('interrupt-parent', 'pic');
  // QEMU virt's ISA I/O window (the system I/O space aliased at 0x1800_0000, 16 KiB; unassigned ports
  // read all ones), described as the workbench's ls3a5000 tree describes its LPC window: Linux maps its
  // legacy ports only for an isa node, and Debian's i8042 probe faults without that mapping.
  platform.addChild('isa@18000000').string('compatible', 'isa').string('device_type', 'isa')
    .u32('#address-cells', 2).u32('#size-cells', 1).u32('ranges', 1, 0, 0, 0x1800_0000, 0x4000);
  return tree;
}

export interface ElfSegment {
  readonly name: string;
  readonly address: number;
  readonly bytes: Uint8Array;
  /** Bytes in memory (the rest zero); at least bytes.length. */
  readonly memorySize: number;
}

export interface LaQemuKernel {
  /** The ELF QEMU 7.2 loads with -kernel. */
  readonly elf: Uint8Array;
  /** Where QEMU starts the CPU: the trampoline. */
  readonly entry: number;
  /** The kernel's own entry (kernel_entry) the trampoline jumps to. */
  readonly kernelEntry: number;
  readonly segments: readonly ElfSegment[];
  readonly initrd: { readonly start: number; readonly end: number };
  readonly dtbAddress: number;
}

const align = (value: number, to: number): number => Math.ceil(value / to) * to;

/** The ELF for QEMU 7.2 virt's -kernel: boot page and device tree, the Image, the initramfs. */
export function laQemuKernel(image: Uint8Array, initrd: Uint8Array, bootargs: string, names = { image: 'Image', initrd: 'initramfs' }): LaQemuKernel {
  const header = laImageHeader(image, names.image);
  const kernelBytes = Math.max(header.memorySize, image.length);
  const kernelEnd = header.loadOffset + kernelBytes;
  // QEMU 8.1's hw/loongarch/boot.c load_kernel_info: initrd_offset = ROUND_UP(kernel_high + 4 * kernel_size, 64 KiB).
  const initrdStart = align(kernelEnd + 4 * kernelBytes, 0x1_0000);
  const initrdRange = { start: initrdStart, end: initrdStart + initrd.length };
  if (initrdRange.end > QEMU_VIRT_LOW_RAM) {
    throw new Error(`${names.initrd}: ${initrd.length} bytes at 0x${initrdStart.toString(16)} (after the kernel) do not fit QEMU virt's 256 MiB of low RAM`);
  }
  const dtbAddress = BOOT_PAGE + DTB_OFFSET;
  const dtb = writeDtb(qemuVirtTree(bootargs, initrdRange));
  if (dtbAddress + dtb.length > QEMU_FDT_ROM.start) throw new Error(`the device tree (${dtb.length} bytes, bootargs included) does not fit below QEMU's FDT ROM at 1 MiB`);
  const boot = new Uint8Array(DTB_OFFSET + dtb.length);
  // The workbench's own handoff (trampoline, EFI system table, DEVICE_TREE_GUID entry: linux-image.ts),
  // placed in the boot page and loading the device tree's address itself: QEMU 7.2 zeroes every register.
  const handoff = cpuModel('loongarch64').linuxBoot!(image, header.loadOffset, { handoffAddress: BOOT_PAGE, dtbAddress })!;
  if (handoff.entry !== BOOT_PAGE || handoff.firmware.bytes.length > DTB_OFFSET) throw new Error('internal: the handoff does not fit the boot page');
  boot.set(handoff.firmware.bytes);
  boot.set(dtb, DTB_OFFSET);
  const segments: ElfSegment[] = [
    { name: 'boot page and device tree', address: BOOT_PAGE, bytes: boot, memorySize: boot.length },
    { name: names.image, address: header.loadOffset, bytes: image, memorySize: kernelBytes },
    { name: names.initrd, address: initrdStart, bytes: initrd, memorySize: initrd.length },
  ];
  for (const s of segments) {
    if (s.address < QEMU_FDT_ROM.end && s.address + s.memorySize > QEMU_FDT_ROM.start) {
      throw new Error(`${s.name} at 0x${s.address.toString(16)}..0x${(s.address + s.memorySize).toString(16)} overlaps QEMU 7.2's device-tree ROM at [1 MiB, 2 MiB)`);
    }
  }
  return { elf: elf64(BOOT_PAGE, segments), entry: BOOT_PAGE, kernelEntry: header.entry, segments, initrd: initrdRange, dtbAddress };
}

const ELF_HEADER = 64;
const PROGRAM_HEADER = 56;

/** A little-endian ELF64 executable of EM_LOONGARCH with one PT_LOAD (RWX) per segment, physical = virtual address. */
function elf64(entry: number, segments: readonly ElfSegment[]): Uint8Array {
  const offsets: number[] = [];
  let at = align(ELF_HEADER + PROGRAM_HEADER * segments.length, 0x1000);
  for (const s of segments) {
    offsets.push(at);
    at = align(at + s.bytes.length, 0x1000);
  }
  const out = new Uint8Array(at);
  const view = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, 2 /* ELFCLASS64 */, 1 /* ELFDATA2LSB */, 1 /* EV_CURRENT */]);
  view.setUint16(16, 2, true); // ET_EXEC
  view.setUint16(18, EM_LOONGARCH, true);
  view.setUint32(20, 1, true);
  view.setBigUint64(24, BigInt(entry), true);
  view.setBigUint64(32, BigInt(ELF_HEADER), true); // e_phoff
  view.setUint32(48, ELF_FLAGS, true);
  view.setUint16(52, ELF_HEADER, true);
  view.setUint16(54, PROGRAM_HEADER, true);
  view.setUint16(56, segments.length, true);
  view.setUint16(58, 64, true); // e_shentsize (no sections)
  segments.forEach((s, i) => {
    const ph = ELF_HEADER + i * PROGRAM_HEADER;
    view.setUint32(ph, 1, true); // PT_LOAD
    view.setUint32(ph + 4, 7, true); // PF_R | PF_W | PF_X
    view.setBigUint64(ph + 8, BigInt(offsets[i]!), true);
    view.setBigUint64(ph + 16, BigInt(s.address), true); // p_vaddr
    view.setBigUint64(ph + 24, BigInt(s.address), true); // p_paddr
    view.setBigUint64(ph + 32, BigInt(s.bytes.length), true);
    view.setBigUint64(ph + 40, BigInt(s.memorySize), true);
    view.setBigUint64(ph + 48, 0x1000n, true);
    out.set(s.bytes, offsets[i]!);
  });
  return out;
}
