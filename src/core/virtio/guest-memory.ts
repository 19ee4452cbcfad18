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

/** The board's RAM as the root sees it: `u8[0]` is root-physical `base` (AddressSpace.ram fits). */
export interface HostRam {
  readonly base: number;
  readonly u8: Uint8Array;
}

export class ZoneGuestMemory implements GuestMemory {
  constructor(
    readonly regions: readonly VirtioMemoryRegion[],
    private readonly ram: HostRam,
  ) {}

  view(gpa: number, length: number): Uint8Array | undefined {
    if (!Number.isSafeInteger(gpa) || gpa < 0 || length < 0) return undefined;
    for (const region of this.regions) {
      if (gpa < region.zonexIpa || gpa + length > region.zonexIpa + region.size) continue;
      const start = gpa - region.zonexIpa + region.zone0Ipa - this.ram.base;
      if (start < 0 || start + length > this.ram.u8.length) return undefined;
      return this.ram.u8.subarray(start, start + length);
    }
    return undefined;
  }
}
