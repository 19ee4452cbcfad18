/**
 * A layout: a folder whose `layout.json` names the board and what runs on it. Zones described by
 * hvisor zone JSON files are added by the zones work; here the board's root zone runs one guest.
 */
import type { IvcConfig, PciDeviceAssignment } from './zone-config';

export type GuestMode = 'machine' | 'supervisor';

/**
 * Limits of a layout.json. The machine (RAM, harts, devices) lives in one shared WebAssembly memory
 * of at most 4 GiB (65536 pages of 64 KiB), so RAM may take all of it but the 256 MiB kept for the
 * rest; the list limits are hvisor's (CONFIG_MAX_MEMORY_REGIONS, 1024 IRQs, a u64 CPU bitmap, 32
 * zone ids) and keep a hostile file from costing more than one message.
 */
export const LAYOUT_LIMITS = {
  ramSize: 0xf000_0000,
  cpus: 64,
  memoryRegions: 64,
  interrupts: 1024,
  zones: 32,
  expectZones: 64,
  /** Functions on the PCIe host's bus 0 besides the host bridge (device numbers 1..31). */
  pciDevices: 31,
} as const;

/**
 * The PCI endpoint kinds a layout can plug into the board's PCIe host: modern virtio-pci functions
 * (served by the management side) and QEMU's bochs-display (registers and VRAM in shared memory, served
 * in every vCPU thread; the workbench's Display view shows its framebuffer).
 */
export type LayoutPciDeviceType = 'virtio-blk-pci' | 'virtio-net-pci' | 'bochs-display';

/**
 * A PCI function on the board's PCIe host (bus 0, function 0 of `slot`), served by the management side
 * like the virtio devices of virtio_cfg.json, but physical: it is on the board's bus, and a zone sees it
 * through the host's ECAM and BAR windows (decision 0017).
 */
export interface LayoutPciDevice {
  readonly type: LayoutPciDeviceType;
  /** Device number on bus 0 (1..31; 0 is the host bridge). */
  readonly slot: number;
  /** virtio-blk-pci: the disk image, relative to the layout folder. */
  readonly img?: string;
  readonly readOnly: boolean;
  /** virtio-net-pci: the port name on the machine's virtual switch (default "pci-<slot>") and the MAC. */
  readonly tap?: string;
  readonly mac?: readonly number[];
}

/** Architectures of hvisor's boards (hvisor platform/<arch>/<board>), to say what a layout is for. */
export const HVISOR_BOARD_ARCHES: Readonly<Record<string, string>> = {
  'imx8mp': 'aarch64', 'ok6254-c': 'aarch64', 'phytium-pi': 'aarch64', 'qemu-gicv2': 'aarch64', 'qemu-gicv3': 'aarch64',
  'rk3568': 'aarch64', 'rk3588': 'aarch64', 'zcu102': 'aarch64',
  'ls3a5000': 'loongarch64', 'ls3a6000': 'loongarch64',
  'hifive-premier-p550': 'riscv64', 'megrez': 'riscv64', 'qemu-aia': 'riscv64', 'qemu-plic': 'riscv64', 'ur-dp1000': 'riscv64',
  'ecx-2300f-peg': 'x86_64', 'nuc14mnk': 'x86_64', 'qemu': 'x86_64',
};

export interface RootGuest {
  /** Image path as written in layout.json (relative to the layout folder). */
  readonly image: string;
  /** 'machine': firmware style, every hart starts in M-mode at the entry. 'supervisor': hvisor style. */
  readonly mode: GuestMode;
  /** Physical harts of the root zone; defaults to the board's root-zone CPUs. */
  readonly cpus?: readonly number[];
  /** Entry point; defaults to the ELF entry, or the board's kernel address for raw images. */
  readonly entry?: number;
  /** Load address of a raw (non-ELF) image; defaults to the board's kernel address. */
  readonly loadAddress?: number;
  /** Device tree blob path; when absent one is generated from the board data. */
  readonly dtb?: string;
  readonly bootargs?: string;
  readonly initrd?: string;
  /**
   * Regions and IRQs added to the root zone's board.rs constants (ROOT_ZONE_MEMORY_REGIONS and
   * ROOT_ZONE_IRQS), e.g. a `virtio` window served by the management side for the root itself.
   */
  readonly memoryRegions?: readonly { readonly type: 'ram' | 'io' | 'virtio'; readonly physicalStart: number; readonly virtualStart: number; readonly size: number }[];
  readonly interrupts?: readonly number[];
  /**
   * The root zone's PCI functions: board.rs ROOT_PCI_DEVS for this layout, as one rebuilding hvisor for a
   * setup writes it (the board's list otherwise). Given, the root's ECAM is hvisor's vPCI's: board root
   * regions inside the pci_config's ECAM window are left out, as on qemu-plic, whose board.rs has
   * ROOT_PCI_DEVS and no region over the ECAM (a workbench convenience, decision 0026).
   */
  readonly pciDevices?: readonly PciDeviceAssignment[];
  /** The root zone's IVC regions: board.rs ROOT_ZONE_IVC_CONFIG (empty on hvisor's shipped boards). */
  readonly ivcConfigs?: readonly IvcConfig[];
  /**
   * An ELF (vmlinux) or System.map whose symbols name the root's addresses in the register view, fault
   * reports and the timeline (a workbench convenience; by default the image itself when it is an ELF).
   */
  readonly symbols?: string;
}

/** A non-root zone of the layout: an hvisor-tool zone JSON file. */
export interface LayoutZone {
  /** Path of the zone JSON, relative to the layout folder. */
  readonly config: string;
  /** Start the zone when the layout starts (as if zone0 ran `hvisor zone start` at boot). */
  readonly autostart: boolean;
  /**
   * Generate the zone's device tree from its config, the board and the virtio devices, and place it
   * at dtb_load_paddr instead of loading dtb_filepath (a workbench convenience; hvisor-tool always
   * loads a file).
   */
  readonly generateDtb: boolean;
  /** /chosen/bootargs of a generated device tree. */
  readonly bootargs?: string;
  /**
   * An ELF (vmlinux) or System.map for the zone's symbols, relative to the layout folder (a workbench
   * convenience kept here so the hvisor zone JSON stays hvisor's; by default the zone's kernel_filepath
   * when it is an ELF, or the ELF next to its .bin).
   */
  readonly symbols?: string;
}

export interface Layout {
  readonly name: string;
  readonly board: string;
  readonly description?: string;
  /** RAM size override in bytes. */
  readonly ramSize?: number;
  readonly root: RootGuest;
  /** Non-root zones (hvisor zone JSON files). */
  readonly zones: readonly LayoutZone[];
  /** PCI functions plugged into the board's PCIe host. */
  readonly pci?: readonly LayoutPciDevice[];
  /** hvisor-tool's virtio_cfg.json for the devices zone0 serves, relative to the layout folder. */
  readonly virtio?: string;
  /** Reproduce hvisor v0.4 on riscv exactly: a guest stage-2 fault or a bad zone config stops the machine. */
  readonly strict: boolean;
  /**
   * SBI calls hvisor does not have (SRST, DBCN, HSM hart_stop / get_status / suspend, legacy IPI and
   * shutdown), a workbench convenience; off, zones see exactly hvisor's SBI.
   */
  readonly workbenchSbiExtensions: boolean;
  /**
   * aarch64: PSCI and SMCCC as Arm's specification has them where hvisor differs (unknown function ids
   * answer NOT_SUPPORTED instead of 0, CPU_OFF, SYSTEM_RESET; hypervisor/arch/aarch64/psci.ts), a
   * workbench convenience; off, zones see exactly hvisor's PSCI.
   */
  readonly workbenchPsciExtensions: boolean;
  /**
   * Inter-VM communication (ivc_configs, the control table, HvIvcInfo) on an architecture where hvisor
   * has none (riscv64), set up as hvisor's aarch64 ivc.rs does; the doorbell is a virtual interrupt in
   * the peer's controller. A workbench convenience: off, ivc_configs are ignored there, as in hvisor.
   */
  readonly workbenchIvc: boolean;
  /**
   * Deterministic mode (decision 0025): time follows retired instructions, the CPUs take turns in a
   * fixed order and outside inputs arrive at recorded instruction counts, so two runs print the same.
   */
  readonly deterministic?: boolean;
  /** Lines each zone must print for the layout to count as booted (used by tests and `hvwb run`). */
  readonly expect?: Readonly<Record<string, readonly string[]>>;
}
