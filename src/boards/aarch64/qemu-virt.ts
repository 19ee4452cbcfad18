/**
 * What hvisor's two QEMU aarch64 boards share: QEMU's `virt` machine memory map (hw/arm/virt.c
 * base_memmap and a15irqmap, `-machine virt,secure=on,virtualization=on -cpu cortex-a72 -smp 4 -m 2G`
 * as platform/aarch64/qemu-gicv{2,3}/platform.mk run it) and the root-zone constants both board.rs
 * files have in common (hvisor 6a3fb78). The GIC-specific parts are in qemu-gicv3.ts / qemu-gicv2.ts.
 *
 * IRQ numbers are GIC INTIDs, as hvisor's board.rs and zone JSON files write them (SPI n = INTID 32+n).
 * Device props by kind:
 * - pl011: `clockFrequency` (Hz, the apb-pclk fixed clock QEMU describes: 24 MHz).
 * - arm-gicv3: `lines` (INTIDs the distributor implements), `cpuInputs` (the wiring: the CPU inputs a
 *   CPU interface's IRQ and FIQ outputs drive), `redistributorBase/Size`, `itsBase/Size`.
 * - arm-gicv2: `lines`, `cpuInputs`, `cpuInterfaceBase/Size`, `hypervisorBase/Size` (GICH), `virtualCpuBase/Size` (GICV).
 * - pci-host-ecam: bus range and the PIO/MMIO windows, data only for now (the PCIe issue models it).
 */
import type { BoardDevice, MemoryRegion, RootPciDevice } from '../../shared/model/board';

const GiB = 0x4000_0000;
export const QEMU_VIRT_RAM = { base: 0x4000_0000, size: 2 * GiB } as const;

/** QEMU virt: 32 virtio-mmio transports of 0x200 bytes from 0x0a00_0000 on SPIs 16..47. */
const VIRTIO_SLOTS = 32;
export const qemuVirtVirtio: BoardDevice[] = Array.from({ length: VIRTIO_SLOTS }, (_, i) => ({
  name: `virtio${i}`,
  kind: 'virtio-mmio' as const,
  base: 0x0a00_0000 + 0x200 * i,
  size: 0x200,
  irq: 32 + 16 + i,
}));

export const qemuVirtUart: BoardDevice = {
  name: 'uart0', kind: 'pl011', base: 0x0900_0000, size: 0x1000, irq: 32 + 1,
  props: { clockFrequency: 24_000_000 },
};

/** The high ECAM window QEMU uses with highmem (VIRT_HIGH_PCIE_ECAM), as ROOT_PCI_CONFIG names it. */
/**
 * QEMU virt's SMMUv3 (hw/arm/virt.c VIRT_SMMU, with `-machine iommu=smmuv3`), which hvisor's aarch64
 * driver programs at this fixed address (src/arch/aarch64/iommu.rs SMMU_BASE_ADDR); its PCIe functions'
 * StreamID is the BDF. hvisor's qemu-gicv3 build enables the driver (cargo feature iommu).
 */
export const qemuVirtSmmu: BoardDevice = { name: 'smmu', kind: 'arm-smmuv3', base: 0x0905_0000, size: 0x2_0000 };

export const qemuVirtPcie: BoardDevice = {
  name: 'pcie', kind: 'pci-host-ecam', base: 0x40_1000_0000, size: 0x1000_0000, irq: [35, 36, 37, 38],
  props: {
    busRange: [0, 0xff],
    pioBase: 0x3eff_0000,
    pioSize: 0x1_0000,
    mmio32Base: 0x1000_0000,
    mmio32Size: 0x2eff_0000,
    mmio64Base: 0x80_0000_0000,
    mmio64Size: 0x80_0000_0000,
  },
};

/**
 * qemu-gicv3's host: QEMU virt with an ITS writes `msi-map = <0 &its 0 0x10000>` on it (hw/arm/virt.c
 * create_pcie), so Linux gives PCI functions ITS-MSI vectors with DeviceID = requester ID. The label is
 * the ITS node's (fdt/nodes/arm-gicv3.ts GICV3_ITS_LABEL).
 */
export const qemuVirtPcieGicv3: BoardDevice = { ...qemuVirtPcie, props: { ...qemuVirtPcie.props, msiMap: 'its' } };

/** board.rs ROOT_ZONE_MEMORY_REGIONS (identical on both GIC boards). */
export const qemuVirtRootRegions: MemoryRegion[] = [
  { type: 'ram', physicalStart: 0x5000_0000, virtualStart: 0x5000_0000, size: 0x7000_0000 },
  { type: 'io', physicalStart: 0x0900_0000, virtualStart: 0x0900_0000, size: 0x1000 },
  { type: 'io', physicalStart: 0x0a00_0000, virtualStart: 0x0a00_0000, size: 0x4000 },
];

/**
 * board.rs ROOT_ZONE_IRQS_BITMAP: UART (33), the virtio wakeup (64), 77 and 79 (virtio-mmio slots 29
 * and 31), PCIe INTA..D (35-38) and the IVC doorbell (65).
 */
export const qemuVirtRootIrqs = [33, 64, 77, 79, 35, 36, 37, 38, 65];

/** board.rs IRQ_WAKEUP_VIRTIO_DEVICE = 32 + 0x20. */
export const QEMU_VIRT_VIRTIO_WAKEUP_IRQ = 32 + 0x20;

export const qemuVirtRootZoneCommon = {
  name: 'root-linux',
  // ROOT_ZONE_CPUS = (1 << 0) | (1 << 1)
  cpus: [0, 1],
  memoryRegions: qemuVirtRootRegions,
  irqs: qemuVirtRootIrqs,
  entry: 0xa040_0000,
  dtbAddress: 0xa000_0000,
  kernelAddress: 0xa040_0000,
} as const;

export const qemuVirtPciGicv3: RootPciDevice[] = [
  { domain: 0, bus: 0, device: 0, function: 0, devType: 0 },
  { domain: 0, bus: 0, device: 1, function: 0, devType: 0 },
  // VpciDevType::StandardVdev
  { domain: 0, bus: 0, device: 5, function: 0, devType: 1 },
];

export const qemuVirtPciGicv2: RootPciDevice[] = [0, 1, 2].map((device) => ({ domain: 0, bus: 0, device, function: 0, devType: 0 }));

/** Generic timer PPIs of QEMU virt (ARCH_TIMER_*_IRQ + 16). */
export const qemuVirtTimerPpis = { secure: 29, physical: 30, virtual: 27, hypervisor: 26 } as const;

/**
 * hvisor from its load address (linker.ld BASE_ADDRESS 0x40400000): the image, then MAX_CPU_NUM (4) per-CPU
 * areas of PER_CPU_SIZE 512 KiB and HV_MEM_POOL_SIZE 64 MiB (src/consts.rs). With the image's own size
 * unknown here, at least 0x4040_0000 + 2 MiB + 64 MiB; the root's RAM starts well above it.
 */
export const qemuVirtHypervisorReserved = { base: 0x4040_0000, size: 0x4460_0000 - 0x4040_0000 } as const;

/** hvisor's boards name 4 CPUs with MPIDR Aff0 = CPU number (BOARD_MPIDR_MAPPINGS). */
export const qemuVirtMpidrs = [0, 1, 2, 3];
