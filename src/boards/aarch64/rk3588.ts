/**
 * hvisor's aarch64 `rk3588` board: Rockchip RK3588 (4 x Cortex-A55 + 4 x Cortex-A76), from hvisor 6a3fb78
 * platform/aarch64/rk3588/board.rs and its root tree image/dts/zone0.dts.
 *
 * Modelled: the GICv3 (GIC-600: distributor and eight redistributors; the ITS window is data only, as on
 * qemu-gicv3), UART2 at 0xFEB5_0000, the console hvisor and Linux use (a DesignWare APB UART,
 * dw-apb-uart.ts), the generic timer, and the first 2 GiB of DDR. Left out: the rest of the DDR (the
 * workbench's CPUs address at most 2 GiB of RAM, so the root zone's RAM regions above 0x8000_0000 are
 * mapped to nothing and fault when touched), the PCIe host hvisor's ROOT_PCI_CONFIG describes, and the other SoC devices
 * behind the root's io windows (no models; accesses there are bus errors). The CPU nodes all say
 * cortex-a55: the workbench runs one core type.
 */
import type { Aarch64Board } from '../../shared/model/board';

/** board.rs:177-180 ROOT_ZONE_IRQS_BITMAP. */
const ROOT_IRQS = [39, 41, 42, 43, 45, 46, 64, 120, 121, 235, 237, 247, 248, 250, 251, 252, 265, 266, 309, 312, 313, 355, 360, 365, 423, 424, 425, 429, 455];

export const rk3588: Aarch64Board = {
  name: 'rk3588',
  description: 'Rockchip RK3588 (8 CPUs, GICv3, DesignWare APB UART) as hvisor runs on it',
  arch: 'aarch64',
  // board.rs:37 BOARD_NCPUS = 8; :41-50 BOARD_MPIDR_MAPPINGS: the CPU number in Aff1 (0x000, 0x100, ..., 0x700).
  harts: 8,
  mpidrs: [0x000, 0x100, 0x200, 0x300, 0x400, 0x500, 0x600, 0x700],
  cpuCompatible: 'arm,cortex-a55',
  // The RK3588's 24 MHz system counter; zone0.dts:206-209 gives the PPIs 13, 14, 11, 10.
  timebaseFrequency: 24_000_000,
  timerPpis: { secure: 29, physical: 30, virtual: 27, hypervisor: 26 },
  // board.rs:56-61 BOARD_PHYSMEM_LIST: normal memory 0..0xF000_0000 and 0x1_0000_0000..0x3_FC00_0000; the
  // workbench's CPUs address at most 2 GiB of RAM, so the machine has 0..0x8000_0000.
  ram: { base: 0, size: 0x8000_0000 },
  devices: [
    {
      // zone0.dts:726-736 and board.rs:184-191: GICD 0xFE60_0000, GICR 0xFE68_0000 (1 MiB, 8 frames), ITS
      // 0x0808_0000 in ROOT_ARCH_ZONE_CONFIG. 480 SPIs (the root's highest INTID is 455). No ITS is
      // modelled: ROOT_ARCH_ZONE_CONFIG's 0x0808_0000 (QEMU virt's address) lies inside this board's RAM.
      name: 'gic', kind: 'arm-gicv3', base: 0xfe60_0000, size: 0x1_0000,
      props: { lines: 512, cpuInputs: ['IRQ', 'FIQ'], redistributorBase: 0xfe68_0000, redistributorSize: 0x10_0000 },
    },
    {
      // board.rs:38 BOARD_UART_BASE 0xFEB5_0000; zone0.dts:1557-1569: 0x100 bytes, SPI 333 (INTID 365), reg-shift 2.
      name: 'uart2', kind: 'dw-apb-uart', base: 0xfeb5_0000, size: 0x100, irq: 32 + 333,
      props: { clockFrequency: 24_000_000 },
    },
    {
      // board.rs:194-209 ROOT_PCI_CONFIG, data only (no model, as on the QEMU boards): hvisor's values are QEMU
      // virt's high ECAM and windows, kept as hvisor ships them.
      name: 'pcie', kind: 'pci-host-ecam', base: 0x40_1000_0000, size: 0x1000_0000,
      props: {
        busRange: [0, 0x1f],
        pioBase: 0x3eff_0000, pioSize: 0x1_0000,
        mmio32Base: 0x1000_0000, mmio32Size: 0x2eff_0000,
        mmio64Base: 0x80_0000_0000, mmio64Size: 0x80_0000_0000,
      },
    },
  ],
  rootZone: {
    // board.rs:63-68.
    name: 'root-linux',
    cpus: [0, 1],
    entry: 0x0940_0000,
    dtbAddress: 0x1000_0000,
    kernelAddress: 0x0940_0000,
    // board.rs:70-124 ROOT_ZONE_MEMORY_REGIONS.
    memoryRegions: [
      { type: 'ram', physicalStart: 0x10_0000, virtualStart: 0x10_0000, size: 0xf_0000 },
      { type: 'ram', physicalStart: 0x20_0000, virtualStart: 0x20_0000, size: 0x820_0000 },
      { type: 'ram', physicalStart: 0x940_0000, virtualStart: 0x940_0000, size: 0xe6c0_0000 },
      { type: 'ram', physicalStart: 0x1_0000_0000, virtualStart: 0x1_0000_0000, size: 0x2_fc00_0000 },
      { type: 'ram', physicalStart: 0x3_fc50_0000, virtualStart: 0x3_fc50_0000, size: 0x3a0_0000 },
      { type: 'ram', physicalStart: 0x4_f000_0000, virtualStart: 0x4_f000_0000, size: 0x1000_0000 },
      { type: 'io', physicalStart: 0xfc00_0000, virtualStart: 0xfc00_0000, size: 0x200_0000 },
      { type: 'io', physicalStart: 0xfe80_0000, virtualStart: 0xfe80_0000, size: 0x80_0000 },
      { type: 'io', physicalStart: 0xfe00_0000, virtualStart: 0xfe00_0000, size: 0x60_0000 },
    ],
    irqs: ROOT_IRQS,
    gic: {
      version: 3,
      gicd: { base: 0xfe60_0000, size: 0x1_0000 },
      gicr: { base: 0xfe68_0000, size: 0x10_0000 },
      gits: { base: 0x0808_0000, size: 0x2_0000 },
    },
    // board.rs:213-216 ROOT_PCI_DEVS.
    pciDevices: [
      { domain: 0, bus: 0, device: 0, function: 0, devType: 0 },
      { domain: 0, bus: 0, device: 1, function: 0, devType: 0 },
    ],
  },
  hwIrqs: ROOT_IRQS,
  // linker.ld BASE_ADDRESS 0x50_0000, then 2 MiB for the image, 8 x PER_CPU_SIZE 512 KiB and the 64 MiB pool.
  hypervisorReserved: { base: 0x50_0000, size: 0x460_0000 },
  // board.rs:175.
  virtioWakeupIrq: 32 + 0x20,
};
