/**
 * How the daemon reaches a zone's memory: hvisor-tool mmaps each virtio_cfg.json `memory_region`
 * (zone0_ipa, i.e. root-physical, for `size` bytes) and translates every guest address through that
 * table (get_virt_addr). Here the root-physical range is a window of the board's RAM in the shared
 * buffer. Unlike get_virt_addr, which checks only the first byte, a range must lie wholly inside one
 * region and inside RAM: anything else is refused, so a guest cannot make the daemon touch memory
 * outside its zone.
 */

export interface GuestMemory {
  /**
   * A view of guest-physical [gpa, gpa + length), or undefined if it is not wholly zone memory. `access`
   * says whether the device will write it (a device-writable descriptor), for an IOMMU's fault report.
   */
  view(gpa: number, length: number, access?: 'read' | 'write'): Uint8Array | undefined;
}

/** One `memory_region` entry of virtio_cfg.json. */
export interface VirtioMemoryRegion {
  /** Root-physical start (what hvisor-tool mmaps). */
  readonly zone0Ipa: number;
  /** Guest-physical start in the zone. */
  readonly zonexIpa: number;
  readonly size: number;
}

/** A RAM bank as the root sees it: `u8[0]` is root-physical `base` (AddressSpace.ram fits). */
export interface HostRam {
  readonly base: number;
  readonly u8: Uint8Array;
}

/**
 * The board's RAM: one bank, or every bank (AddressSpace.banks). A zone's RAM may lie in a bank after
 * the first: ls3a5000's zones run at 0xc000_0000, in its second bank (hvisor's configs/virtio.json).
 */
export type HostRamBanks = HostRam | readonly HostRam[];

export class ZoneGuestMemory implements GuestMemory {
  private readonly banks: readonly HostRam[];

  constructor(
    readonly regions: readonly VirtioMemoryRegion[],
    ram: HostRamBanks,
  ) {
    this.banks = isBankList(ram) ? ram : [ram];
  }

  view(gpa: number, length: number): Uint8Array | undefined {
    if (!Number.isSafeInteger(gpa) || gpa < 0 || length < 0) return undefined;
    for (const region of this.regions) {
      if (gpa < region.zonexIpa || gpa + length > region.zonexIpa + region.size) continue;
      const pa = gpa - region.zonexIpa + region.zone0Ipa;
      const bank = this.banks.find((b) => pa >= b.base && pa + length <= b.base + b.u8.length);
      if (!bank) return undefined;
      return bank.u8.subarray(pa - bank.base, pa - bank.base + length);
    }
    return undefined;
  }
}

function isBankList(ram: HostRamBanks): ram is readonly HostRam[] {
  return Array.isArray(ram);
}

/** The first (boot) bank of `ram`. */
export function firstBank(ram: HostRamBanks): HostRam {
  if (!isBankList(ram)) return ram;
  const first = ram[0];
  if (!first) throw new Error('a machine without RAM');
  return first;
}
