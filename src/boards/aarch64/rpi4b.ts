/**
 * Raspberry Pi 4 Model B (BCM2711, 4 x Cortex-A72, 2 GB). hvisor has no rpi4b platform (none at 6a3fb78
 * nor in its history; its README lists the Raspberry Pi 5 as planned), so this board is not hvisor's: the
 * hardware facts come from the BCM2711 as Linux describes it (arch/arm/boot/dts/broadcom/bcm2711.dtsi,
 * the firmware's "low peripheral" map), and the root zone follows hvisor's conventions for its other
 * boards, chosen here:
 * - GIC-400 (a GICv2): GICD 0xFF84_1000, GICC 0xFF84_2000, GICH 0xFF84_4000, GICV 0xFF84_6000;
 * - UART0, a PL011 at 0xFE20_1000 on SPI 121 (INTID 153) with its 48 MHz clock;
 * - RAM as the firmware reports it for 2 GB: 0..0x3B40_0000 (the VideoCore keeps the rest of the first
 *   GiB) and 0x4000_0000..0x8000_0000; the generic timer at 54 MHz with PPIs 13, 14, 11, 10.
 * - root zone (no board.rs to copy): CPUs 0 and 1, the first RAM bank and UART0, the kernel at 0x20_0000
 *   and the device tree at 0x400_0000 as on zcu102; hvisor at 0x4040_0000 (its other boards' linker.ld).
 * Left out: every other BCM2711 device (mailbox, GPIO, EMMC2, GENET, PCIe, the legacy interrupt
 * controller); the root zone is given no window onto them.
 */
import type { Aarch64Board } from '../../shared/model/board';

const ROOT_IRQS = [32 + 121, 32 + 0x20];

export const rpi4b: Aarch64Board = {
  name: 'rpi4b',
  description: 'Raspberry Pi 4 Model B, BCM2711 (4 x Cortex-A72, GIC-400, PL011); not an hvisor platform, modelled from the BCM2711',
  arch: 'aarch64',
  harts: 4,
  mpidrs: [0, 1, 2, 3],
  cpuCompatible: 'arm,cortex-a72',
  timebaseFrequency: 54_000_000,
  timerPpis: { secure: 29, physical: 30, virtual: 27, hypervisor: 26 },
  ram: { base: 0, size: 0x3b40_0000 },
  extraRam: [{ base: 0x4000_0000, size: 0x4000_0000 }],
  devices: [
    {
      // bcm2711.dtsi gicv2: "arm,gic-400" at 0x40041000 (VPU bus) = 0xFF84_1000 for the ARM. 256 INTIDs.
      name: 'gic', kind: 'arm-gicv2', base: 0xff84_1000, size: 0x1000,
      props: {
        compatible: 'arm,gic-400',
        lines: 256,
        cpuInputs: ['IRQ', 'FIQ'],
        cpuInterfaceBase: 0xff84_2000, cpuInterfaceSize: 0x2000,
        hypervisorBase: 0xff84_4000, hypervisorSize: 0x2000,
        virtualCpuBase: 0xff84_6000, virtualCpuSize: 0x2000,
      },
    },
    {
      // bcm2711.dtsi uart0: "arm,pl011" at 0x7e201000 (0xFE20_1000), GIC_SPI 121; the firmware's 48 MHz UART clock.
      // A 4 KiB window with the PrimeCell ID at 0xFE0, where Linux's AMBA bus reads it (the Pi's tree says 0x200
      // bytes and gives arm,primecell-periphid instead; UART2-5 at 0xFE20_1400.. are not modelled).
      name: 'uart0', kind: 'pl011', base: 0xfe20_1000, size: 0x1000, irq: 32 + 121,
      props: { clockFrequency: 48_000_000 },
    },
  ],
  rootZone: {
    name: 'root-linux',
    cpus: [0, 1],
    entry: 0x20_0000,
    dtbAddress: 0x400_0000,
    kernelAddress: 0x20_0000,
    memoryRegions: [
      { type: 'ram', physicalStart: 0, virtualStart: 0, size: 0x3b40_0000 },
      { type: 'io', physicalStart: 0xfe20_1000, virtualStart: 0xfe20_1000, size: 0x1000 },
    ],
    irqs: ROOT_IRQS,
    gic: {
      version: 2,
      gicd: { base: 0xff84_1000, size: 0x1000 },
      gicc: { base: 0xff84_2000, size: 0x2000 },
      giccOffset: 0,
      gich: { base: 0xff84_4000, size: 0x2000 },
      gicv: { base: 0xff84_6000, size: 0x2000 },
    },
    pciDevices: [],
  },
  hwIrqs: ROOT_IRQS,
  hypervisorReserved: { base: 0x4040_0000, size: 0x420_0000 },
  virtioWakeupIrq: 32 + 0x20,
};
