/**
 * The PCIe assignment view's protocol (issue 11 item 5, decision 0022): the board's PCI bus as data,
 * read from the functions' configuration spaces (the running machine's shared bytes, or a bus built
 * fresh while it is stopped), and which zone each function is assigned to by the zones'
 * `alloc_pci_devs`. Addresses and sizes travel as "0x" hex strings (64-bit BARs pass 2^53).
 */

export interface PciBarData {
  readonly index: number;
  readonly kind: 'memory32' | 'memory64' | 'io';
  readonly prefetchable: boolean;
  readonly size: string;
  /** The address programmed in the BAR now ("0x0" before the OS places it). */
  readonly address: string;
  /** Whether the function decodes it now (its command register's I/O or Memory Space bit). */
  readonly enabled: boolean;
}

export interface PciMsixVectorData {
  readonly vector: number;
  readonly address: string;
  readonly data: string;
  readonly masked: boolean;
  readonly pending: boolean;
  readonly use: readonly string[];
}

export interface PciFunctionData {
  /** "0000:00:01.0" as lspci prints it. */
  readonly bdf: string;
  readonly domain: number;
  readonly bus: number;
  readonly device: number;
  readonly function: number;
  /** The layout's name of the function ("virtio-blk-pci", "pcie-host-bridge"). */
  readonly name: string;
  readonly vendorId: number;
  readonly deviceId: number;
  /** 24-bit class code (base, sub-class, programming interface). */
  readonly classCode: number;
  /** The PCI class name ("SCSI storage controller", "Host bridge"). */
  readonly className: string;
  readonly headerType: number;
  /** True for class 0x06 (bridges): hvisor clones them into every zone that lists them. */
  readonly bridge: boolean;
  readonly bars: readonly PciBarData[];
  /** 1..4 = INTA..INTD, 0 none. */
  readonly interruptPin: number;
  /** The board's interrupt line the pin reaches after the host's swizzle. */
  readonly interruptLine: number | null;
  readonly command: number;
  readonly capabilities: {
    readonly msi: boolean;
    /** MSI-X table size (vectors), null without MSI-X. */
    readonly msixVectors: number | null;
    readonly msixEnabled: boolean;
    readonly pcie: boolean;
  };
  /**
   * The MSI-X table as the driver programmed it (message address and data per vector, masked, pending,
   * and what uses it: "config", "queue 0"), while the management side serves the function; else null.
   */
  readonly msixTable: readonly PciMsixVectorData[] | null;
  /** The zones whose alloc_pci_devs list this BDF (ids), in layout order; the root first. */
  readonly owners: readonly number[];
  /**
   * The function's DMA accesses the IOMMU refused while the machine ran (decision 0027), one entry per
   * zone and direction; empty when none was refused, absent while no machine runs.
   */
  readonly dma?: readonly PciDmaBlockedData[];
}

/** Refused DMA accesses of one function for one zone and direction. */
export interface PciDmaBlockedData {
  /** The zone the function's DMA was made for (its owner then); -1: none. */
  readonly zone: number;
  readonly access: 'read' | 'write';
  readonly count: number;
  readonly firstAddress: string;
  readonly lastAddress: string;
  readonly lastLength: number;
  /** Why the last one was refused, as the IOMMU said it. */
  readonly reason: string;
}

export interface PciBusState {
  /** The host's board device name and its ECAM window; null when the board has no PCIe host. */
  readonly host: { readonly name: string; readonly ecamBase: string; readonly ecamSize: string } | null;
  /** True when read from the running machine's configuration spaces (BAR addresses are live). */
  readonly live: boolean;
  readonly functions: readonly PciFunctionData[];
  /** What confines the functions' DMA while the machine runs (decision 0027); null without a machine. */
  readonly dmaGuard?: string | null;
  /** Zones that can own functions: the root and the layout's zone files. */
  readonly zones: readonly { readonly id: number; readonly name: string; readonly file: string | null }[];
}

export interface PciCommands {
  'pci.bus': { params: Record<string, never>; result: PciBusState };
}
