/**
 * A board as plain data: what hvisor keeps in a platform's `board.rs` plus the physical machine
 * around it (QEMU's memory map). The machine builds its devices from it and the device tree a zone
 * sees is generated from it, so a board is one JSON-serialisable value with no functions.
 * Addresses and sizes are numbers: every board address here is below 2^53.
 */

export type BoardArch = 'riscv64';

export type DeviceKind =
  | 'ns16550a'
  | 'sifive-plic'
  | 'aclint-mswi'
  | 'aclint-mtimer'
  | 'aclint-sswi'
  | 'sifive-test'
  | 'goldfish-rtc'
  | 'virtio-mmio'
  | 'pci-host-ecam';

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
  /**
   * ROOT_ARCH_ZONE_CONFIG's plic_base/plic_size (PLIC_BASE/PLIC_SIZE): the window hvisor traps as the
   * root's vPLIC, which may be larger than the physical PLIC's register window.
   */
  readonly vplic: AddressRange;
  /** ROOT_PCI_DEVS: the PCI functions the root zone owns. */
  readonly pciDevices: readonly RootPciDevice[];
}

export interface Board {
  readonly name: string;
  readonly description: string;
  readonly arch: BoardArch;
  readonly harts: number;
  /** Timebase (mtime) frequency in Hz. */
  readonly timebaseFrequency: number;
  /** `riscv,isa` string of every hart. */
  readonly isa: string;
  /** `riscv,isa-base` and `riscv,isa-extensions` (the newer split form of the same information). */
  readonly isaBase: string;
  readonly isaExtensions: readonly string[];
  readonly mmuType: MmuType;
  readonly ram: AddressRange;
  readonly devices: readonly BoardDevice[];
  readonly rootZone: RootZone;
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
