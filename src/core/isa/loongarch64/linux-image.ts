/**
 * Debian's (and any) LoongArch Linux kernel as a raw EFI-stub `Image`, started the way firmware starts
 * it without running its EFI stub: arch/loongarch/kernel/head.S's header says where the kernel wants to
 * be (le64 at 0x8: the entry's physical address, at 0x10: the image's memory size, at 0x18: its load
 * offset from the start of RAM; LINUX_PE_MAGIC at 0x38), and kernel_entry takes a0 = the EFI boot flag,
 * a1 = the command line's address, a2 = the EFI system table's address (arch/loongarch/kernel/env.c
 * init_environ). The device tree reaches the kernel only through that system table: efi_init() parses
 * its configuration table, and fdt_setup() takes the DEVICE_TREE_GUID entry (efi_fdt_pointer()) when the
 * kernel has no built-in one.
 *
 * So the workbench places a small handoff next to the kernel: an LA64 trampoline (assembled by our own
 * assembler) that stores the device tree's address it receives in a1 (the vCPU's firmware-style start)
 * into a one-entry configuration table, points a2 at a minimal EFI system table (signature, vendor
 * string, no boot or runtime services: runtime = 0, so efi_runtime_init() does nothing) and a1 at an
 * empty command line (an FDT system appends it to /chosen/bootargs, which carries the layout's
 * bootargs), clears a0 (not an EFI boot: nothing will call back into a firmware that is not there) and
 * jumps to kernel_entry in direct address mode.
 *
 * Left out: the EFI memory map (LINUX_EFI_BOOT_MEMMAP_GUID; memory comes from the device tree's memory
 * nodes), ACPI tables, SMBIOS, a screen_info table, booting through the PE entry point.
 */
import { assemble } from './assembler';

/** LINUX_PE_MAGIC (arch/loongarch/kernel/head.S), le32 at 0x38. */
export const LA_LINUX_PE_MAGIC = 0x8182_23cd;

export interface LaLinuxImage {
  /** Physical entry for the kernel linked to run `loadOffset` bytes above RAM's start. */
  readonly entry: number;
  readonly memorySize: number;
  readonly loadOffset: number;
}

/** The header of a LoongArch Linux Image, or undefined when `bytes` is none. */
export function parseLaLinuxImage(bytes: Uint8Array): LaLinuxImage | undefined {
  if (bytes.length < 0x40) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint16(0, true) !== 0x5a4d || view.getUint32(0x38, true) !== LA_LINUX_PE_MAGIC) return undefined;
  return {
    entry: Number(view.getBigUint64(0x8, true)),
    memorySize: Number(view.getBigUint64(0x10, true)),
    loadOffset: Number(view.getBigUint64(0x18, true)),
  };
}

/** DEVICE_TREE_GUID b1b621d5-f19c-41a5-830b-d9152c69aae0 in EFI's byte order (data1-3 little-endian). */
const DEVICE_TREE_GUID = [0xd5, 0x21, 0xb6, 0xb1, 0x9c, 0xf1, 0xa5, 0x41, 0x83, 0x0b, 0xd9, 0x15, 0x2c, 0x69, 0xaa, 0xe0];
/** EFI_SYSTEM_TABLE_SIGNATURE "IBI SYST". */
const EFI_SYSTEM_TABLE_SIGNATURE = 0x5453_5953_2049_4249n;
/** The revision the table claims (2.70) and its 64-bit size (efi_system_table_64_t). */
const EFI_REVISION = (2 << 16) | 70;
const EFI_SYSTEM_TABLE_BYTES = 120;

export interface LaLinuxHandoff {
  /** Where the trampoline starts: the CPU's entry. */
  readonly entry: number;
  readonly address: number;
  readonly bytes: Uint8Array;
}

/**
 * The handoff at physical `address` for a kernel entered at physical `kernelEntry`. Its trampoline
 * stores the device tree's physical address it finds in a1 into the configuration table, or the table
 * holds `dtbAddress` from the start when given (a machine that starts the CPU with every register zero,
 * as QEMU 7.2's virt does).
 */
export function laLinuxHandoff(address: number, kernelEntry: number, dtbAddress?: number): LaLinuxHandoff {
  const vendor = 'hvwb'.split('').map((c) => `.byte ${c.charCodeAt(0)}\n.byte 0`).join('\n');
  const source = `
start:
    ${dtbAddress === undefined ? 'la.pcrel    $t0, fdt_pointer\n    st.d        $a1, $t0, 0' : ''}
    la.pcrel    $a2, system_table
    la.pcrel    $a1, command_line
    move        $a0, $zero
    li.d        $t1, ${kernelEntry}
    jr          $t1
    .align 3
system_table:
    .dword ${EFI_SYSTEM_TABLE_SIGNATURE}
    .word ${EFI_REVISION}
    .word ${EFI_SYSTEM_TABLE_BYTES}
    .word 0
    .word 0
    .dword vendor
    .word 0x10000
    .word 0
    .dword 0
    .dword 0
    .dword 0
    .dword 0
    .dword 0
    .dword 0
    .dword 0
    .dword 0
    .dword 1
    .dword config_table
config_table:
${DEVICE_TREE_GUID.map((b) => `    .byte ${b}`).join('\n')}
fdt_pointer:
    .dword ${dtbAddress ?? 0}
vendor:
${vendor}
    .byte 0
    .byte 0
command_line:
    .byte 0
`;
  const program = assemble(source, BigInt(address));
  if (program.labels.get('config_table')! - program.labels.get('system_table')! !== BigInt(EFI_SYSTEM_TABLE_BYTES)) {
    throw new Error('internal: the EFI system table is not 120 bytes');
  }
  return { entry: address, address, bytes: program.bytes };
}
