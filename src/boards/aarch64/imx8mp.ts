/**
 * hvisor's aarch64 `imx8mp` board: NXP i.MX 8M Plus (Forlinx OK8MPlus-C, 4 x Cortex-A53), from hvisor
 * 6a3fb78 platform/aarch64/imx8mp/board.rs and its root tree image/dts/zone0.dts.
 *
 * Modelled: the GICv3 (distributor and redistributors, no ITS: gits_base/size are 0, board.rs:121-126),
 * UART2, the console hvisor and Linux use (an i.MX UART, imx-uart.ts), the generic timer, and RAM. Left
 * out: every other SoC device behind the root zone's io windows (clock controller, GPIO, USDHC, FEC/EQOS,
 * HDMI, ...), which the workbench has no models for; the root's io regions are still mapped as hvisor
 * maps them, so accesses there are bus errors in the guest. RAM is the first 2 GiB of DDR (the most a
 * workbench machine has).
 */
import type { Aarch64Board } from '../../shared/model/board';

export const imx8mp: Aarch64Board = {
  name: 'imx8mp',
  description: 'NXP i.MX 8M Plus (4 x Cortex-A53, GICv3, i.MX UART) as hvisor runs on it',
  arch: 'aarch64',
  // board.rs:26 BOARD_NCPUS = 4; :30-35 BOARD_MPIDR_MAPPINGS = Aff0 0..3.
  harts: 4,
  mpidrs: [0, 1, 2, 3],
  cpuCompatible: 'arm,cortex-a53',
  // zone0.dts:485-490: the timer node's clock-frequency 0x7a1200 (8 MHz) and PPIs 13, 14, 11, 10.
  timebaseFrequency: 8_000_000,
  timerPpis: { secure: 29, physical: 30, virtual: 27, hypervisor: 26 },
  // board.rs:41-45 BOARD_PHYSMEM_LIST: normal memory from 0x4000_0000 to 0x1_0000_0000; the workbench's CPUs
  // address at most 2 GiB of RAM, so the machine has 0x4000_0000..0xC000_0000 and the root's RAM region
  // (0x5000_0000 + 2 GiB) reaches 256 MiB past it.
  ram: { base: 0x4000_0000, size: 0x8000_0000 },
  devices: [
    {
      // zone0.dts:139-147 and board.rs:120-127: GICD 0x3880_0000 (64 KiB), GICR 0x3888_0000 (0xC0000). The SoC
      // has 160 SPIs (INTIDs up to 191; the root's highest is 162, board.rs:114-115).
      name: 'gic', kind: 'arm-gicv3', base: 0x3880_0000, size: 0x1_0000,
      props: { lines: 192, cpuInputs: ['IRQ', 'FIQ'], redistributorBase: 0x3888_0000, redistributorSize: 0xc_0000 },
    },
    {
      // board.rs:27 BOARD_UART_BASE 0x3089_0000; zone0.dts:1271-1283: 64 KiB window, SPI 27 (INTID 59).
      name: 'uart2', kind: 'imx-uart', base: 0x3089_0000, size: 0x1_0000, irq: 32 + 27,
      props: { clockFrequency: 24_000_000 },
    },
  ],
  rootZone: {
    // board.rs:47-52.
    name: 'root-linux',
    cpus: [0, 1],
    entry: 0xa040_0000,
    dtbAddress: 0xa000_0000,
    kernelAddress: 0xa040_0000,
    // board.rs:54-110 ROOT_ZONE_MEMORY_REGIONS: RAM, bus@30000000, 0x30c0_0000, bus@30800000 (UART2 inside),
    // 0x3800_0000, 0x3800_8000, 0x3850_0000 and the HDMI block.
    memoryRegions: [
      { type: 'ram', physicalStart: 0x5000_0000, virtualStart: 0x5000_0000, size: 0x8000_0000 },
      { type: 'io', physicalStart: 0x3000_0000, virtualStart: 0x3000_0000, size: 0x40_0000 },
      { type: 'io', physicalStart: 0x30c0_0000, virtualStart: 0x30c0_0000, size: 0x40_0000 },
      { type: 'io', physicalStart: 0x3080_0000, virtualStart: 0x3080_0000, size: 0x40_0000 },
      { type: 'io', physicalStart: 0x3800_0000, virtualStart: 0x3800_0000, size: 0x8000 },
      { type: 'io', physicalStart: 0x3800_8000, virtualStart: 0x3800_8000, size: 0x8000 },
      { type: 'io', physicalStart: 0x3850_0000, virtualStart: 0x3850_0000, size: 0x2_0000 },
      { type: 'io', physicalStart: 0x32c0_0000, virtualStart: 0x32c0_0000, size: 0x40_0000 },
    ],
    // board.rs:113-116 ROOT_ZONE_IRQS_BITMAP.
    irqs: [35, 36, 37, 38, 45, 52, 55, 56, 57, 59, 64, 67, 75, 96, 97, 98, 99, 100, 101, 102, 103, 104, 105, 135, 150, 151, 152, 162],
    gic: {
      version: 3,
      gicd: { base: 0x3880_0000, size: 0x1_0000 },
      gicr: { base: 0x3888_0000, size: 0xc_0000 },
      gits: { base: 0, size: 0 },
    },
    pciDevices: [],
  },
  hwIrqs: [35, 36, 37, 38, 45, 52, 55, 56, 57, 59, 64, 67, 75, 96, 97, 98, 99, 100, 101, 102, 103, 104, 105, 135, 150, 151, 152, 162],
  // linker.ld BASE_ADDRESS 0x4040_0000, then 2 MiB for the image, 4 x PER_CPU_SIZE 512 KiB and HV_MEM_POOL_SIZE
  // 64 MiB (src/consts.rs), as on the QEMU boards.
  hypervisorReserved: { base: 0x4040_0000, size: 0x420_0000 },
  // board.rs:112 IRQ_WAKEUP_VIRTIO_DEVICE = 32 + 0x20.
  virtioWakeupIrq: 32 + 0x20,
};
