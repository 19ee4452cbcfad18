/**
 * hvisor's loongarch64 `ls3a5000` board (platform/loongarch64/ls3a5000/board.rs and image/dts/include/
 * loongson-3a5000.dtsi, hvisor HEAD): a Loongson 3A5000 (4 LA464 cores, PRID 0x14c010) with the 7A2000
 * bridge. As data: the low 256 MiB of DRAM, the CPU-side NS16550A UART at 0x1fe0_01e0 (100 MHz input
 * clock, the dtsi's uart0 and the root zone's console), the legacy I/O interrupt controller at
 * 0x1fe0_1400 that routes it to the CPUs' HWI lines (the dtsi's commented-out liointc node: UART0 is
 * its input 10, INT0 reaches the CPU's HWI0), the stable counter at 100 MHz, IPIs through IOCSR. The
 * 7A2000 interrupt path Linux uses, as the dtsi has it: the EIOINTC (IOCSR; the dtsi's reg is its MMIO
 * alias at 0x1fe0_1600), the PCH-PIC at 0x1000_0000 sending to it, and the bridge's UART (the dtsi's
 * uart1 at 0x1008_0000, 50 MHz) on PCH-PIC input 8, and the PCH-MSI doorbell the dtsi has commented out
 * (0x1fe0_1140, vectors 64..111).
 *
 * Left out for now (later sessions of issue 14): the DRAM of board.rs's root regions at 0x9000_0000,
 * 0xf000_0000 and 0x1_6000_0000 (no zone config uses them), the 7A2000's RTC, a PCIe model (the host is data only, so nothing sends to the PCH-MSI frame yet but a guest's own writes). The LIOINTC drives HWI0 only
 * (its INT0, what the dtsi uses): the CPU's pending word takes one level per line, so two controllers
 * driving the same HWI would lower each other's level. The root zone's regions are board.rs's as they stand; its entry is given physically (see
 * rootZone.entry).
 */
import type { LoongarchBoard, MemoryRegion } from '../../shared/model/board';

const ram = (physicalStart: number, size: number, virtualStart = physicalStart): MemoryRegion => ({ type: 'ram', physicalStart, virtualStart, size });
const io = (physicalStart: number, size: number): MemoryRegion => ({ type: 'io', physicalStart, virtualStart: physicalStart, size });

export const ls3a5000: LoongarchBoard = {
  name: 'ls3a5000',
  description: 'Loongson 3A5000 + 7A2000 (LA464 x4) as hvisor runs on it (UART0 on the LIOINTC, the 7A2000 UART on PCH-PIC -> EIOINTC, IOCSR IPIs)',
  arch: 'loongarch64',
  harts: 4,
  prid: 0x0014_c010,
  cpuCompatible: 'loongson,la464',
  iocsr: { vendor: 'Loongson', name: '3A5000' },
  // The stable counter and constant timer: 100 MHz (CPUCFG4 on the 3A5000).
  timebaseFrequency: 100_000_000,
  // DRAM's low window; board.rs's first RAM region starts at 2 MiB above firmware.
  ram: { base: 0, size: 0x1000_0000 },
  // The DRAM hvisor's shipped zone configs give their zones (configs/zone{1,2,3}-linux.json: 0xc000_0000,
  // 0xa000_0000 and 0x1_0000_0000, 512 MiB each, and the 8 MiB pieces at 0x1_4000_0000), so those files
  // validate and run (decision 0029). The rest of board.rs's root RAM (0x9000_0000, 0xf000_0000,
  // 0x1_6000_0000) stays out: a workbench machine has at most 2 GiB (1816 MiB here).
  extraRam: [
    { base: 0xa000_0000, size: 0x4000_0000 },
    { base: 0x1_0000_0000, size: 0x2000_0000 },
    { base: 0x1_4000_0000, size: 0x180_0000 },
  ],
  devices: [
    { name: 'liointc', kind: 'loongson-liointc', base: 0x1fe0_1400, size: 0x60, props: { cpuInputs: ['HWI0'] } },
    { name: 'eiointc', kind: 'loongson-eiointc', base: 0x1fe0_1600, size: 0xea00, props: { cpuInputs: ['HWI0', 'HWI1', 'HWI2', 'HWI3'] } },
    // The dtsi's (commented-out) root MSI frame: vectors 64..111.
    { name: 'msi', kind: 'loongson-pch-msi', base: 0x1fe0_1140, size: 0x8, props: { interruptParent: 'eiointc', baseVector: 64, vectors: 48 } },
    { name: 'pic', kind: 'loongson-pch-pic', base: 0x1000_0000, size: 0x400, props: { interruptParent: 'eiointc', baseVector: 0 } },
    { name: 'uart0', kind: 'ns16550a', base: 0x1fe0_01e0, size: 0x20, irq: 10, props: { clockFrequency: 100_000_000 } },
    { name: 'uart1', kind: 'ns16550a', base: 0x1008_0000, size: 0x100, irq: 8, props: { clockFrequency: 50_000_000, interruptParent: 'pic' } },
    // The 7A2000's LPC I/O space (LoongArch's legacy port base, ISA_PHY_IOBASE = LOONGSON_LIO_BASE =
    // 0x1800_0000 in Linux's loongarch headers), 16 KiB of ports with no device behind them. Not in
    // hvisor's root zone regions (board.rs), so zone trees leave it out as hvisor's zone0.dts does.
    { name: 'lpc', kind: 'isa-io', base: 0x1800_0000, size: 0x4000 },
    {
      // board.rs ROOT_PCI_CONFIG (hvisor's ls3a5000 build has the pci feature): the 7A2000's HT configuration
      // space as ECAM, its I/O window and the 64-bit memory window. Data only (no interrupt, no model yet),
      // as rk3588's: it lets the zone configs' pci_config be checked against the board's windows.
      name: 'pcie', kind: 'pci-host-ecam', base: 0xfe_0000_0000, size: 0x2000_0000,
      props: {
        busRange: [0, 0xff],
        pioBase: 0x1840_8000, pioSize: 0x8000,
        mmio32Base: 0, mmio32Size: 0,
        mmio64Base: 0x6000_0000, mmio64Size: 0x3000_0000,
      },
    },
  ],
  rootZone: {
    name: 'root-linux-la64',
    cpus: [0],
    // board.rs ROOT_ZONE_MEMORY_REGIONS, in its order.
    memoryRegions: [
      ram(0x0020_0000, 0x0ee0_0000),
      ram(0x9000_0000, 0x1000_0000),
      ram(0xf000_0000, 0x1000_0000),
      ram(0x1_6000_0000, 0x1000_0000),
      ram(0xc000_0000, 0x3000_0000),
      ram(0xa000_0000, 0x2000_0000),
      ram(0x1_0000_0000, 0x2000_0000),
      io(0x1fe0_0000, 0x1000),
      io(0x1008_0000, 0x1000),
      io(0x100d_0000, 0x1000),
      io(0x1000_0000, 0x1000),
      io(0x1840_8000, 0x8000),
      io(0x6000_0000, 0x2000_0000),
      io(0x1001_0000, 0x1_0000),
      ram(0x1000, 0x1_0000, 0x0),
      ram(0xf_0000, 0x1_0000),
      ram(0x1_4000_0000, 0x80_0000),
    ],
    irqs: [],
    // ROOT_ZONE_ENTRY is 0x9000_0000_00d8_c000, the DMW0 (cached, segment 0x9) alias of physical 0xd8c000;
    // board addresses stay below 2^53, so the physical address is kept here.
    entry: 0x00d8_c000,
    dtbAddress: 0x1_0000_f000,
    kernelAddress: 0x0020_0000,
    pciDevices: [],
  },
  hwIrqs: [],
  // hvisor's image from linker.ld BASE_ADDRESS 0x9000_0001_f000_0000 (physical 0x1_f000_0000), then 4
  // per-CPU areas of 512 KiB and the 64 MiB pool (src/consts.rs): at least 2 MiB + 64 MiB past the image.
  hypervisorReserved: { base: 0x1_f000_0000, size: 0x0460_0000 },
  // board.rs IRQ_WAKEUP_VIRTIO_DEVICE = 32 + 0x20.
  virtioWakeupIrq: 64,
};
