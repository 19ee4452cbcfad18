/**
 * A board as plain data: what hvisor keeps in a platform's `board.rs` plus the physical machine
 * around it (QEMU's memory map). The machine builds its devices from it and the device tree a zone
 * sees is generated from it, so a board is one JSON-serialisable value with no functions.
 * Addresses and sizes are numbers: every board address here is below 2^53.
 */

/** The architectures a board can have (hvisor's src/arch/<arch>/). */
export type BoardArch = 'riscv64' | 'aarch64' | 'loongarch64';

export type DeviceKind =
  | 'ns16550a'
  | 'sifive-plic'
  | 'riscv-aplic'
  | 'riscv-imsic'
  | 'aclint-mswi'
  | 'aclint-mtimer'
  | 'aclint-sswi'
  | 'sifive-test'
  | 'goldfish-rtc'
  | 'virtio-mmio'
  | 'pci-host-ecam'
  | 'arm-gicv3'
  | 'arm-gicv2'
  | 'pl011'
  | 'imx-uart'
  | 'cadence-uart'
  | 'dw-apb-uart'
  | 'loongson-liointc'
  | 'loongson-eiointc'
  | 'loongson-pch-pic'
  | 'loongson-pch-msi'
  | 'arm-smmuv3'
  | 'isa-io';

export type MmuType = 'riscv,sv39' | 'riscv,sv48' | 'riscv,sv57';

export type BoardPropValue = number | string | boolean | readonly number[] | readonly string[];

export interface AddressRange {
  readonly base: number;
  readonly size: number;
}

export interface BoardDevice {
  /** Unique name on the board, e.g. 'uart0', 'plic', 'virtio3'. */
  readonly name: string;
  readonly kind: DeviceKind;
  readonly base: number;
  readonly size: number;
  /** Interrupt source(s) at the board's interrupt controller (PLIC source ids). */
  readonly irq?: number | readonly number[];
  /** Kind-specific properties (documented per kind in the board file). */
  readonly props?: Readonly<Record<string, BoardPropValue>>;
}

/** hvisor's HvConfigMemoryRegion (MEM_TYPE_RAM / MEM_TYPE_IO / MEM_TYPE_VIRTIO). */
export interface MemoryRegion {
  readonly type: 'ram' | 'io' | 'virtio';
  readonly physicalStart: number;
  readonly virtualStart: number;
  readonly size: number;
}

/** A PCI function of ROOT_PCI_DEVS (board.rs pci_dev!): its BDF and hvisor's VpciDevType (0 = Physical). */
export interface RootPciDevice {
  readonly domain: number;
  readonly bus: number;
  readonly device: number;
  readonly function: number;
  readonly devType: number;
}

/** The zone hvisor starts at boot (ROOT_ZONE_* constants of board.rs). */
export interface RootZone {
  readonly name: string;
  readonly cpus: readonly number[];
  readonly memoryRegions: readonly MemoryRegion[];
  /** Interrupt sources routed to the root zone. */
  readonly irqs: readonly number[];
  readonly entry: number;
  readonly dtbAddress: number;
  readonly kernelAddress: number;
  /** ROOT_PCI_DEVS: the PCI functions the root zone owns. */
  readonly pciDevices: readonly RootPciDevice[];
}

/** The riscv64 root zone: ROOT_ARCH_ZONE_CONFIG adds where hvisor traps the root's vPLIC. */
export interface RiscvRootZone extends RootZone {
  /**
   * ROOT_ARCH_ZONE_CONFIG's plic_base/plic_size (PLIC_BASE/PLIC_SIZE): the window hvisor traps as the
   * root's vPLIC, which may be larger than the physical PLIC's register window.
   */
  readonly vplic: AddressRange;
  /**
   * ROOT_ARCH_ZONE_CONFIG's aplic_base/aplic_size on an AIA board (qemu-aia board.rs APLIC_S_BASE /
   * APLIC_S_SIZE): the window hvisor traps as the root's vAPLIC. Absent on PLIC boards.
   */
  readonly vaplic?: AddressRange;
}

/** hvisor's aarch64 GicConfig (src/arch/aarch64/zone.rs): the GIC windows of ROOT_ARCH_ZONE_CONFIG. */
export type ArmGicConfig =
  | {
      readonly version: 3;
      readonly gicd: AddressRange;
      /** All redistributor frames (GICR_BASE, GICR_SIZE: 0x20000 per CPU, QEMU reserves room for 123). */
      readonly gicr: AddressRange;
      readonly gits: AddressRange;
    }
  | {
      readonly version: 2;
      readonly gicd: AddressRange;
      readonly gicc: AddressRange;
      /** gicc_offset: where the zone's GICC page sits inside the GICC window (0 on QEMU). */
      readonly giccOffset: number;
      readonly gich: AddressRange;
      readonly gicv: AddressRange;
    };

/** The aarch64 root zone: ROOT_ARCH_ZONE_CONFIG (is_aarch32 = 0 and the GIC windows). */
export interface Aarch64RootZone extends RootZone {
  readonly gic: ArmGicConfig;
}

/** What every board has, whatever its architecture. */
export interface BoardCommon {
  readonly name: string;
  readonly description: string;
  readonly arch: BoardArch;
  /** Number of CPUs (physical CPU numbers 0..harts-1; the word is RISC-V's, kept for existing layouts). */
  readonly harts: number;
  /** Timer frequency in Hz: the RISC-V timebase (mtime), the Arm generic timer's CNTFRQ. */
  readonly timebaseFrequency: number;
  /** The first (boot) RAM bank: where firmware, kernels and device trees are loaded by default. */
  readonly ram: AddressRange;
  /**
   * Further RAM banks after `ram` (SoC boards with split DRAM), each page aligned, none overlapping
   * `ram`, a device or each other. Absent on boards with one bank (the QEMU boards here).
   */
  readonly extraRam?: readonly AddressRange[];
  readonly devices: readonly BoardDevice[];
  /** Interrupt sources that reach the physical interrupt controller (hvisor HW_IRQS). */
  readonly hwIrqs: readonly number[];
  /**
   * RAM hvisor occupies from its load address: image, per-CPU areas and frame allocator pool. A zone
   * whose RAM overlaps it can overwrite the hypervisor, unless its device tree keeps the guest away.
   */
  readonly hypervisorReserved: AddressRange;
  /**
   * hvisor's IRQ_WAKEUP_VIRTIO_DEVICE (platform/<arch>/<board>/board.rs): the virtual IRQ injected into
   * the root zone when a virtio request reaches the bridge page its daemon sleeps on. Without it the
   * root's daemon is not woken and has to poll.
   */
  readonly virtioWakeupIrq?: number;
}

/** A riscv64 board (hvisor platform/riscv64/<board>/board.rs). */
export interface RiscvBoard extends BoardCommon {
  readonly arch: 'riscv64';
  /** `riscv,isa` string of every hart. */
  readonly isa: string;
  /** `riscv,isa-base` and `riscv,isa-extensions` (the newer split form of the same information). */
  readonly isaBase: string;
  readonly isaExtensions: readonly string[];
  readonly mmuType: MmuType;
  readonly rootZone: RiscvRootZone;
}

/** An aarch64 board (hvisor platform/aarch64/<board>/board.rs). */
export interface Aarch64Board extends BoardCommon {
  readonly arch: 'aarch64';
  /** BOARD_MPIDR_MAPPINGS: MPIDR_EL1 affinity (Aff3..Aff0) of each CPU, indexed by CPU number. */
  readonly mpidrs: readonly number[];
  /** The `compatible` of the CPU nodes (the core QEMU models: cortex-a57 / a72). */
  readonly cpuCompatible: string;
  /** Generic timer PPIs (INTIDs): the four outputs of each CPU's timer as a GIC sees them. */
  readonly timerPpis: { readonly secure: number; readonly physical: number; readonly virtual: number; readonly hypervisor: number };
  readonly rootZone: Aarch64RootZone;
}

/** A loongarch64 board (hvisor platform/loongarch64/<board>/board.rs). */
export interface LoongarchBoard extends BoardCommon {
  readonly arch: 'loongarch64';
  /** CPUCFG word 0 (PRID) of every CPU. */
  readonly prid: number;
  /** The `compatible` of the CPU nodes. */
  readonly cpuCompatible: string;
  /** The IOCSR space's identity registers: vendor (IOCSR 0x10) and CPU name (0x20), 8 ASCII bytes each. */
  readonly iocsr: { readonly vendor: string; readonly name: string };
  readonly rootZone: RootZone;
}

/**
 * A board of any architecture. Shared code reads only BoardCommon; code in an arch folder narrows to
 * its own board type (boardOf below) and reads its arch-specific fields.
 */
export type Board = RiscvBoard | Aarch64Board | LoongarchBoard;

/** Every RAM bank of a board: `ram` first, then `extraRam`. */
export function ramBanks(board: BoardCommon): readonly AddressRange[] {
  return board.extraRam && board.extraRam.length > 0 ? [board.ram, ...board.extraRam] : [board.ram];
}

/** Narrows a board to the architecture an arch folder handles, or throws naming both. */
export function boardOf<A extends Board['arch']>(board: Board, arch: A): Extract<Board, { arch: A }> {
  if (board.arch !== arch) throw new Error(`board '${board.name}' is ${board.arch}, not ${arch}`);
  return board as Extract<Board, { arch: A }>;
}
