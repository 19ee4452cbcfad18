/**
 * hvisor's aarch64 `zcu102` board: AMD/Xilinx Zynq UltraScale+ MPSoC ZCU102 (4 x Cortex-A53), from hvisor
 * 6a3fb78 platform/aarch64/zcu102/board.rs and its root tree image/dts/zone0.dts.
 *
 * Modelled: the GIC-400 (a GICv2 with the virtualization extensions) with the ZynqMP's 64 KiB-aligned
 * frames (each 4 KiB page of GICC/GICV repeats over 64 KiB, hence hvisor's gicc_offset 0xF000), UART0 (a
 * Cadence UART, cadence-uart.ts), the generic timer and the low 2 GiB of DDR. Left out: the DDR above
 * 4 GiB (0x8_0000_0000; the workbench's CPUs address at most 2 GiB of RAM), and every other device the root
 * zone's io windows pass (SD, GEM ethernet, I2C, GPIO, the DDR controller hvisor maps as RAM): no models,
 * so accesses there are bus errors in the guest.
 */
import type { Aarch64Board } from '../../shared/model/board';

/** board.rs:119-120 ROOT_ZONE_IRQS_BITMAP (serial, mmc, PMU x4, the virtio wakeup, gpio, 2 x i2c, ethernet). */
const ROOT_IRQS = [53, 81, 175, 176, 177, 178, 64, 50, 48, 49, 95];

export const zcu102: Aarch64Board = {
  name: 'zcu102',
  description: 'Xilinx ZCU102, Zynq UltraScale+ MPSoC (4 x Cortex-A53, GIC-400, Cadence UART) as hvisor runs on it',
  arch: 'aarch64',
  // board.rs:27 BOARD_NCPUS = 4; :31-36 BOARD_MPIDR_MAPPINGS = Aff0 0..3.
  harts: 4,
  mpidrs: [0, 1, 2, 3],
  cpuCompatible: 'arm,cortex-a53',
  // The system counter TF-A programs on the ZynqMP (100 MHz); zone0.dts:84-88 gives the PPIs 13, 14, 11, 10.
  timebaseFrequency: 100_000_000,
  timerPpis: { secure: 29, physical: 30, virtual: 27, hypervisor: 26 },
  // DDR low: 2 GiB from 0 (board.rs:42-45 maps 0..0xF000_0000 as normal memory; the ZCU102's low DDR is 2 GiB).
  ram: { base: 0, size: 0x8000_0000 },
  devices: [
    {
      // zone0.dts:105-115 and board.rs:125-135: GICD 0xF901_0000, GICC 0xF902_0000 (128 KiB), GICH 0xF904_0000,
      // GICV 0xF906_0000; "arm,gic-400". 160 SPIs (the root's PMU interrupts are INTIDs 175-178).
      name: 'gic', kind: 'arm-gicv2', base: 0xf901_0000, size: 0x1_0000,
      props: {
        compatible: 'arm,gic-400',
        lines: 192,
        cpuInputs: ['IRQ', 'FIQ'],
        cpuInterfaceBase: 0xf902_0000, cpuInterfaceSize: 0x2_0000,
        cpuInterfacePageStride: 0x1_0000,
        hypervisorBase: 0xf904_0000, hypervisorSize: 0x2_0000,
        virtualCpuBase: 0xf906_0000, virtualCpuSize: 0x2_0000,
      },
    },
    {
      // board.rs:28 BOARD_UART_BASE 0xFF00_0000; zone0.dts:129-141: 4 KiB, SPI 21 (INTID 53).
      name: 'uart0', kind: 'cadence-uart', base: 0xff00_0000, size: 0x1000, irq: 32 + 21,
      props: { clockFrequency: 100_000_000 },
    },
  ],
  rootZone: {
    // board.rs:48-53.
    name: 'root-linux',
    cpus: [0, 1],
    entry: 0x0020_0000,
    dtbAddress: 0x0400_0000,
    kernelAddress: 0x0020_0000,
    // board.rs:55-116 ROOT_ZONE_MEMORY_REGIONS.
    memoryRegions: [
      { type: 'ram', physicalStart: 0x0, virtualStart: 0x0, size: 0x4000_0000 },
      { type: 'ram', physicalStart: 0x5000_0000, virtualStart: 0x5000_0000, size: 0x2500_0000 },
      { type: 'ram', physicalStart: 0xfd07_0000, virtualStart: 0xfd07_0000, size: 0x3_0000 },
      { type: 'io', physicalStart: 0xff00_0000, virtualStart: 0xff00_0000, size: 0x1000 },
      { type: 'io', physicalStart: 0xff17_0000, virtualStart: 0xff17_0000, size: 0x1000 },
      { type: 'io', physicalStart: 0xff0e_0000, virtualStart: 0xff0e_0000, size: 0x1000 },
      { type: 'io', physicalStart: 0xff02_0000, virtualStart: 0xff02_0000, size: 0x1000 },
      { type: 'io', physicalStart: 0xff03_0000, virtualStart: 0xff03_0000, size: 0x1000 },
      { type: 'io', physicalStart: 0xff0a_0000, virtualStart: 0xff0a_0000, size: 0x1000 },
    ],
    irqs: ROOT_IRQS,
    gic: {
      version: 2,
      gicd: { base: 0xf901_0000, size: 0x1_0000 },
      gicc: { base: 0xf902_0000, size: 0x2_0000 },
      giccOffset: 0xf000,
      gich: { base: 0xf904_0000, size: 0x2_0000 },
      gicv: { base: 0xf906_0000, size: 0x2_0000 },
    },
    pciDevices: [],
  },
  hwIrqs: ROOT_IRQS,
  // linker.ld BASE_ADDRESS 0x4040_0000 (platform.mk's mkimage -a 0x40400000), 2 MiB image, 4 x 512 KiB, 64 MiB pool.
  hypervisorReserved: { base: 0x4040_0000, size: 0x420_0000 },
  // board.rs:118.
  virtioWakeupIrq: 32 + 0x20,
};
