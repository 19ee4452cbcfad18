/**
 * hvisor's riscv64 `qemu-aia` board: QEMU's `virt` machine with `aia=aplic-imsic,aia-guests=1` and four
 * harts (hvisor platform/riscv64/qemu-aia/platform.mk), memory map from QEMU hw/riscv/virt.c, root zone
 * from platform/riscv64/qemu-aia/board.rs. Interrupts: wired sources go to the APLIC, whose machine
 * domain (firmware's) delegates them to the supervisor domain at APLIC_S_BASE; both deliver MSIs to
 * the IMSIC, which has per hart an M file, an S file and one guest file (IMSIC_GUEST_NUM 1), the file
 * hvisor gives a zone's guest (IMSIC_GUEST_INDEX 1). QEMU creates no MSWI with an IMSIC (IPIs are MSIs),
 * only the CLINT's MTIMER; board.rs names the SSWI window (ACLINT_SSWI_BASE).
 *
 * Device props by kind (beyond qemu-plic.ts's):
 * - riscv-aplic: `sources` (riscv,num-sources), `machineBase`/`machineSize` (the M domain's window;
 *   the device's own window is the S domain's).
 * - riscv-imsic: `ids` (riscv,num-ids), `guests` (guest files per hart), `machineBase` (the M files;
 *   the device's own window is the S-level files, 2^ceil(log2(1 + guests)) pages per hart).
 */
import type { BoardDevice, RiscvBoard } from '../../shared/model/board';
import { qemuVirtRiscvPcie } from '../qemu-virt-pcie';

const GiB = 0x4000_0000;
const HARTS = 4;
const IMSIC_GUESTS = 1;

const virtioSlots: BoardDevice[] = Array.from({ length: 8 }, (_, i) => ({
  name: `virtio${i}`,
  kind: 'virtio-mmio' as const,
  base: 0x1000_1000 + 0x1000 * i,
  size: 0x1000,
  irq: 1 + i,
}));

/** board.rs IRQ_WAKEUP_VIRTIO_DEVICE (0x20). */
export const QEMU_AIA_VIRTIO_WAKEUP_IRQ = 0x20;
/** board.rs HW_IRQS, which is also the root zone's IRQ list (ROOT_ZONE_IRQS_BITMAP). */
const HW_IRQS = [1, 2, 3, 4, 5, 8, 10, 33, 34, 35, 36];

export const qemuAia: RiscvBoard = {
  name: 'qemu-aia',
  description: 'QEMU riscv64 virt (aia=aplic-imsic, aia-guests=1) with an APLIC in MSI mode and an IMSIC per hart, as hvisor runs on it',
  arch: 'riscv64',
  harts: HARTS,
  timebaseFrequency: 10_000_000,
  // hvisor's zone0.dts: rv64imafdcsu_ssaia_sstc.
  isa: 'rv64imafdc_zicntr_zicsr_zifencei_ssaia_sstc',
  isaBase: 'rv64i',
  isaExtensions: ['i', 'm', 'a', 'f', 'd', 'c', 'zicntr', 'zicsr', 'zifencei', 'ssaia', 'sstc'],
  mmuType: 'riscv,sv39',
  ram: { base: 0x8000_0000, size: 2 * GiB },
  devices: [
    { name: 'test', kind: 'sifive-test', base: 0x0010_0000, size: 0x1000 },
    { name: 'rtc', kind: 'goldfish-rtc', base: 0x0010_1000, size: 0x1000, irq: 11 },
    // virt.c: with an IMSIC the CLINT window keeps only the MTIMER (after the MSWI's 0x4000).
    { name: 'mtimer', kind: 'aclint-mtimer', base: 0x0200_4000, size: 0xc000, props: { mtimeOffset: 0x7ff8 } },
    { name: 'sswi', kind: 'aclint-sswi', base: 0x02f0_0000, size: 0x4000 },
    // The board's interrupt controller (first: the one the devices' irq numbers and the inspector name).
    // VIRT_APLIC_S (board.rs APLIC_S_BASE/APLIC_S_SIZE) and VIRT_APLIC_M; VIRT_IRQCHIP_NUM_SOURCES 96.
    { name: 'aplic', kind: 'riscv-aplic', base: 0x0d00_0000, size: 0x8000, props: { sources: 96, machineBase: 0x0c00_0000, machineSize: 0x8000 } },
    // VIRT_IMSIC_S / VIRT_IMSIC_M; one group of 2^ceil(log2(1 + guests)) pages per hart.
    { name: 'imsic', kind: 'riscv-imsic', base: 0x2800_0000, size: HARTS * 0x2000, props: { ids: 255, guests: IMSIC_GUESTS, machineBase: 0x2400_0000 } },
    {
      name: 'uart0', kind: 'ns16550a', base: 0x1000_0000, size: 0x100, irq: 10,
      props: { clockFrequency: 3_686_400, regShift: 0, regIoWidth: 1 },
    },
    ...virtioSlots,
    // QEMU virt's PCIe host (boards/qemu-virt-pcie.ts) with MSIs to the IMSIC (the label of its node,
    // riscv-imsic.ts IMSIC_LABEL): a function's MSI-X message lands in the interrupt file it names.
    qemuVirtRiscvPcie({ intx: [32, 33, 34, 35], mmio64: { base: 0x4_0000_0000, size: 0x4_0000_0000 }, msiParent: 'imsics' }),
  ],
  rootZone: {
    name: 'root-linux',
    cpus: [0, 1, 2],
    memoryRegions: [
      { type: 'ram', physicalStart: 0x8300_0000, virtualStart: 0x8300_0000, size: 0x1d00_0000 },
      { type: 'io', physicalStart: 0x1000_0000, virtualStart: 0x1000_0000, size: 0x1000 },
      { type: 'io', physicalStart: 0x3000_0000, virtualStart: 0x3000_0000, size: 0x1000_0000 },
      ...[0x1000_1000, 0x1000_2000, 0x1000_3000, 0x1000_4000, 0x1000_5000, 0x1000_8000].map((base) => ({
        type: 'io' as const, physicalStart: base, virtualStart: base, size: 0x1000,
      })),
    ],
    irqs: HW_IRQS,
    entry: 0x9000_0000,
    dtbAddress: 0x8f00_0000,
    kernelAddress: 0x9000_0000,
    // ROOT_ARCH_ZONE_CONFIG: plic_base/plic_size 0, the vAPLIC at APLIC_S_BASE.
    vplic: { base: 0, size: 0 },
    vaplic: { base: 0x0d00_0000, size: 0x8000 },
    pciDevices: [],
  },
  hwIrqs: HW_IRQS,
  // As qemu-plic: hvisor loads at 0x80200000 (platform.mk HVISOR_ENTRY_PA), image, per-CPU areas, 64 MiB pool.
  hypervisorReserved: { base: 0x8020_0000, size: 0x8440_0000 - 0x8020_0000 },
  virtioWakeupIrq: QEMU_AIA_VIRTIO_WAKEUP_IRQ,
};
