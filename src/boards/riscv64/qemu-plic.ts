/**
 * hvisor's riscv64 `qemu-plic` board: QEMU's `virt` machine with `aclint=on` (memory map from QEMU
 * hw/riscv/virt.c) and the root-zone constants of hvisor's platform/riscv64/qemu-plic/board.rs, as
 * recorded in hvisor-reference.md section 10.
 *
 * Device props by kind:
 * - sifive-plic: `sources` (highest source id = riscv,ndev), `priorityBits`, `cpuInputs` (the wiring: the
 *   hart inputs each hart's contexts drive, in context order; QEMU virt's M then S context).
 * - ns16550a: `clockFrequency` (Hz), `regShift`, `regIoWidth`.
 * - aclint-mtimer: `mtimeOffset` (MTIME inside the window).
 * - pci-host-ecam: QEMU's generic PCIe host (boards/qemu-virt-pcie.ts): bus range, PIO/MMIO windows, INTx lines.
 */
import type { BoardDevice, RiscvBoard } from '../../shared/model/board';
import { qemuVirtRiscvPcie } from '../qemu-virt-pcie';

const GiB = 0x4000_0000;

const VIRTIO_SLOTS = 8;
const virtioSlots: BoardDevice[] = Array.from({ length: VIRTIO_SLOTS }, (_, i) => ({
  name: `virtio${i}`,
  kind: 'virtio-mmio' as const,
  base: 0x1000_1000 + 0x1000 * i,
  size: 0x1000,
  irq: 1 + i,
}));

/** hvisor's IRQ_WAKEUP_VIRTIO_DEVICE on this board (platform/riscv64/qemu-plic/board.rs:67, 0x20: PCIe INTA). */
export const QEMU_PLIC_VIRTIO_WAKEUP_IRQ = 32;

export const qemuPlic: RiscvBoard = {
  name: 'qemu-plic',
  description: 'QEMU riscv64 virt (aclint=on) with a PLIC, as hvisor runs on it',
  arch: 'riscv64',
  harts: 4,
  timebaseFrequency: 10_000_000,
  isa: 'rv64imafdc_zicntr_zicsr_zifencei_sstc',
  isaBase: 'rv64i',
  isaExtensions: ['i', 'm', 'a', 'f', 'd', 'c', 'zicntr', 'zicsr', 'zifencei', 'sstc'],
  // hvisor's zone device trees for this board say sv39.
  mmuType: 'riscv,sv39',
  ram: { base: 0x8000_0000, size: 2 * GiB },
  devices: [
    { name: 'test', kind: 'sifive-test', base: 0x0010_0000, size: 0x1000 },
    { name: 'rtc', kind: 'goldfish-rtc', base: 0x0010_1000, size: 0x1000, irq: 11 },
    { name: 'mswi', kind: 'aclint-mswi', base: 0x0200_0000, size: 0x4000 },
    { name: 'mtimer', kind: 'aclint-mtimer', base: 0x0200_4000, size: 0xc000, props: { mtimeOffset: 0x7ff8 } },
    { name: 'sswi', kind: 'aclint-sswi', base: 0x02f0_0000, size: 0x4000 },
    // QEMU sizes the PLIC window for its maximum of 512 harts (0x20_0000 + 1024 contexts * 0x1000).
    { name: 'plic', kind: 'sifive-plic', base: 0x0c00_0000, size: 0x60_0000, props: { sources: 95, priorityBits: 3, cpuInputs: ['MEIP', 'SEIP'] } },
    {
      name: 'uart0', kind: 'ns16550a', base: 0x1000_0000, size: 0x100, irq: 10,
      props: { clockFrequency: 3_686_400, regShift: 0, regIoWidth: 1 },
    },
    ...virtioSlots,
    // hw/riscv/virt.c: INTA..INTD at PLIC sources 32..35; no MSI controller on this board (INTx only).
    qemuVirtRiscvPcie({ intx: [32, 33, 34, 35], mmio64: { base: 0x4_0000_0000, size: 0x4_0000_0000 } }),
  ],
  rootZone: {
    name: 'root-linux',
    cpus: [0, 1],
    memoryRegions: [
      // It deliberately contains the non-root zones' RAM; the root's device tree reserves that part.
      { type: 'ram', physicalStart: 0x8300_0000, virtualStart: 0x8300_0000, size: 0x7d00_0000 },
      { type: 'io', physicalStart: 0x1000_0000, virtualStart: 0x1000_0000, size: 0x1000 },
      // virtio slot 7, passed through to the root zone.
      { type: 'io', physicalStart: 0x1000_8000, virtualStart: 0x1000_8000, size: 0x1000 },
    ],
    irqs: [10, 33],
    entry: 0x9000_0000,
    dtbAddress: 0x8f00_0000,
    kernelAddress: 0x9000_0000,
    // board.rs PLIC_BASE/PLIC_SIZE (ROOT_ARCH_ZONE_CONFIG): hvisor traps 64 MiB, more than QEMU's window.
    vplic: { base: 0x0c00_0000, size: 0x400_0000 },
    // board.rs ROOT_PCI_DEVS: the host bridge 00:00.0 and 00:01.0, both VpciDevType::Physical.
    pciDevices: [
      { domain: 0, bus: 0, device: 0, function: 0, devType: 0 },
      { domain: 0, bus: 0, device: 1, function: 0, devType: 0 },
    ],
  },
  hwIrqs: [10, 33, 34],
  // hvisor's memory from its load address (platform/riscv64/qemu-plic/linker.ld BASE_ADDRESS 0x80200000):
  // the image up to __core_end, then MAX_CPU_NUM (= BOARD_NCPUS 4) per-CPU areas of PER_CPU_SIZE 512 KiB
  // and the HV_MEM_POOL_SIZE 64 MiB frame allocator pool (src/consts.rs mem_pool_start, hv_end). With the
  // image's own size unknown here, that ends at least at 0x8020_0000 + 2 MiB + 64 MiB = 0x8440_0000; the
  // root's RAM (0x8300_0000) starts inside it, which hvisor's zone0.dts hides with reserved-memory.
  hypervisorReserved: { base: 0x8020_0000, size: 0x8440_0000 - 0x8020_0000 },
  virtioWakeupIrq: QEMU_PLIC_VIRTIO_WAKEUP_IRQ,
};
