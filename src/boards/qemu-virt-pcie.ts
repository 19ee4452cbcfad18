/**
 * QEMU's generic PCIe host (gpex, `pci-host-ecam-generic`) as board data, for every board that is a QEMU
 * `virt` machine: one `pci-host-ecam` device with QEMU's windows, given the four INTx lines of the
 * board's interrupt controller and, where the board has an MSI controller, the label of its node for
 * `msi-parent`. The machine model, the device tree and the management side's PCI functions all read
 * these props (core/devices/pci/pci-host-board.ts), so a board only states where the host is.
 *
 * riscv64 (hw/riscv/virt.c virt_memmap): ECAM 0x30000000 + 256 MiB (buses 0..255), PIO 0x03000000 +
 * 64 KiB, 32-bit MMIO 0x40000000 + 1 GiB, 64-bit MMIO of VIRT64_HIGH_PCIE_MMIO_SIZE (16 GiB) at the top
 * of RAM aligned to its size: 0x4_0000_0000 for hvisor's 2 GiB at 0x80000000, what hvisor's
 * qemu-plic board.rs ROOT_PCI_CONFIG says (mem64_base 0x400000000, mem64_size 0x400000000); INTx at
 * PLIC/APLIC sources 32..35 (VIRT_PCIE_IRQ 0x20).
 * aarch64 (hw/arm/virt.c base_memmap): ECAM 0x3f000000 + 16 MiB (buses 0..15), PIO 0x3eff0000 + 64 KiB,
 * MMIO 0x10000000 + 0x2eff0000; QEMU's high ECAM and high MMIO (extended_memmap) are left out here.
 */
import type { BoardDevice } from '../shared/model/board';

export interface QemuVirtPcieOptions {
  /** The controller's lines of INTA..INTD at slot 0. */
  readonly intx: readonly [number, number, number, number];
  /** The label of the MSI controller's node (an IMSIC, an ITS) for msi-parent; absent: INTx only. */
  readonly msiParent?: string;
  /** The 64-bit window, where the board has one (riscv64: above RAM). */
  readonly mmio64?: { readonly base: number; readonly size: number };
  readonly name?: string;
}

const props = (o: QemuVirtPcieOptions) => ({
  ...(o.mmio64 ? { mmio64Base: o.mmio64.base, mmio64Size: o.mmio64.size } : {}),
  ...(o.msiParent ? { msiParent: o.msiParent } : {}),
});

/** QEMU riscv64 virt's PCIe host. */
export function qemuVirtRiscvPcie(options: QemuVirtPcieOptions): BoardDevice {
  return {
    name: options.name ?? 'pcie', kind: 'pci-host-ecam', base: 0x3000_0000, size: 0x1000_0000, irq: [...options.intx],
    props: { busRange: [0, 0xff], pioBase: 0x0300_0000, pioSize: 0x1_0000, mmio32Base: 0x4000_0000, mmio32Size: 0x4000_0000, ...props(options) },
  };
}

/** QEMU aarch64 virt's PCIe host (its low ECAM and 32-bit window). */
export function qemuVirtArmPcie(options: QemuVirtPcieOptions): BoardDevice {
  return {
    name: options.name ?? 'pcie', kind: 'pci-host-ecam', base: 0x3f00_0000, size: 0x100_0000, irq: [...options.intx],
    props: { busRange: [0, 0x0f], pioBase: 0x3eff_0000, pioSize: 0x1_0000, mmio32Base: 0x1000_0000, mmio32Size: 0x2eff_0000, ...props(options) },
  };
}
