/**
 * DMA: how a device backend (a virtio device, later a PCIe function) reads and writes guest memory on
 * behalf of a requester (the zone the device serves and the device's name). Every access first goes
 * through an IOMMU hook that translates the device's address to a physical one, or refuses it; only
 * then is RAM touched, and only RAM: a range that is not wholly inside the machine's RAM banks is
 * refused too. A refusal is a DmaFault naming the device, the zone, the address and the reason.
 *
 * The default IOMMU is the identity (device addresses are physical addresses, any bank). RegionIommu
 * is the table form hvisor-tool's daemon uses (virtio_cfg.json memory_region: zone guest-physical to
 * root-physical), refusing everything outside the table.
 * Left out: DMA to device windows (peer-to-peer), IOMMU page tables and their caches, ATS/PRI, and
 * atomicity beyond what a typed-array access gives (the guest must not race the device on a buffer).
 */
import type { RamWindow } from './address-space';

/** Who a DMA access is made for. */
export interface DmaRequester {
  /** The zone the device belongs to (0 = root). */
  readonly zone: number;
  /** The device, as faults name it (e.g. 'virtio-blk@0x10001000'). */
  readonly device: string;
  /** PCI requester id / IOMMU stream id, when the device has one. */
  readonly streamId?: number;
}

export type DmaAccess = 'read' | 'write';

/** An IOMMU's answer: the physical address of `address` and how many bytes from there are contiguous (>= 1). */
export interface DmaTranslation {
  readonly physical: number;
  readonly length: number;
}

/** An IOMMU's refusal, with the reason a fault report shows. */
export interface DmaRefusal {
  readonly refused: string;
}

/** The hook every DMA access goes through before RAM is touched. */
export interface Iommu {
  /** Translates [address, address + length) for `requester`; may cover only a prefix (then it is asked again for the rest). */
  translate(requester: DmaRequester, address: number, length: number, access: DmaAccess): DmaTranslation | DmaRefusal;
  /** The zone a stream's DMA is made for now, when the IOMMU knows (zone isolation); faults name it. */
  zoneOf?(streamId: number): number | undefined;
}

/** Device addresses are physical addresses. */
export const identityIommu: Iommu = {
  translate: (_requester, address, length) => ({ physical: address, length }),
};

/** One entry of a RegionIommu: device-visible [deviceStart, +size) is physical [physicalStart, +size). */
export interface DmaRegion {
  readonly deviceStart: number;
  readonly physicalStart: number;
  readonly size: number;
}

/**
 * A fixed table of regions (hvisor-tool's memory_region list: zonex_ipa to zone0_ipa), the same for
 * every requester it is given to. A range must lie wholly inside one region.
 */
export class RegionIommu implements Iommu {
  constructor(readonly regions: readonly DmaRegion[]) {}

  translate(_requester: DmaRequester, address: number, length: number): DmaTranslation | DmaRefusal {
    for (const r of this.regions) {
      if (address >= r.deviceStart && address + length <= r.deviceStart + r.size) {
        return { physical: address - r.deviceStart + r.physicalStart, length };
      }
    }
    return { refused: 'not inside one of the memory regions the device may reach' };
  }
}

/** A DMA access that was refused (by the IOMMU, or because it does not reach RAM). */
export class DmaFault extends Error {
  constructor(
    readonly requester: DmaRequester,
    readonly address: number,
    readonly length: number,
    readonly access: DmaAccess,
    readonly reason: string,
  ) {
    super(
      `DMA ${access} of ${length} byte(s) at ${Number.isSafeInteger(address) && address >= 0 ? `0x${address.toString(16)}` : String(address)} by ${requester.device} of zone ${requester.zone}` +
        `${requester.streamId !== undefined ? ` (stream 0x${requester.streamId.toString(16)})` : ''} refused: ${reason}`,
    );
  }
}

/** What DmaPort needs of the bus: the RAM banks (an AddressSpace fits). */
export interface DmaMemory {
  bankAt(address: number, size: number): RamWindow | undefined;
}

export interface DmaPortOptions {
  readonly iommu?: Iommu;
  /** Told about every refusal before it is thrown (or, for tryView, instead of throwing). */
  readonly onFault?: (fault: DmaFault) => void;
}

/** One device's way into guest memory. */
export class DmaPort {
  readonly iommu: Iommu;
  private readonly onFault: ((fault: DmaFault) => void) | undefined;

  constructor(
    private readonly memory: DmaMemory,
    readonly requester: DmaRequester,
    options: DmaPortOptions = {},
  ) {
    this.iommu = options.iommu ?? identityIommu;
    this.onFault = options.onFault;
  }

  /**
   * The guest bytes [address, address + length) without a copy, when they are one contiguous piece of
   * one RAM bank after translation. Throws DmaFault otherwise (use read/write for scattered ranges).
   */
  view(address: number, length: number, access: DmaAccess = 'read'): Uint8Array {
    const result = this.resolveView(address, length, access);
    if (result instanceof DmaFault) {
      this.onFault?.(result);
      throw result;
    }
    return result;
  }

  /** view() that returns undefined instead of throwing (the fault still goes to onFault). */
  tryView(address: number, length: number, access: DmaAccess = 'read'): Uint8Array | undefined {
    const result = this.resolveView(address, length, access);
    if (result instanceof DmaFault) {
      this.onFault?.(result);
      return undefined;
    }
    return result;
  }

  /** Copies guest bytes out. Nothing is read unless the whole range is allowed. */
  read(address: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    this.readInto(address, out);
    return out;
  }

  readInto(address: number, dest: Uint8Array): void {
    let done = 0;
    for (const piece of this.pieces(address, dest.length, 'read')) {
      dest.set(piece, done);
      done += piece.length;
    }
  }

  /** Copies bytes into guest memory. Nothing is written unless the whole range is allowed. */
  write(address: number, bytes: Uint8Array): void {
    let done = 0;
    for (const piece of this.pieces(address, bytes.length, 'write')) {
      piece.set(bytes.subarray(done, done + piece.length));
      done += piece.length;
    }
  }

  private resolveView(address: number, length: number, access: DmaAccess): Uint8Array | DmaFault {
    const bad = this.checkRange(address, length, access);
    if (bad) return bad;
    if (length === 0) return new Uint8Array(0);
    const t = this.iommu.translate(this.requester, address, length, access);
    if ('refused' in t) return new DmaFault(this.requester, address, length, access, t.refused);
    // An IOMMU answers one page or block at a time: a buffer that crosses into the next one is still one
    // view when the next translation continues where this one ended (an SMMU's 2 MiB blocks over a zone's
    // contiguous RAM). Only a range that really scatters must be copied.
    let mapped = Math.min(t.length, length);
    while (mapped < length) {
      const next = this.iommu.translate(this.requester, address + mapped, length - mapped, access);
      if ('refused' in next) return new DmaFault(this.requester, address, length, access, `${next.refused} (at 0x${(address + mapped).toString(16)})`);
      if (next.physical !== t.physical + mapped || !(next.length >= 1)) {
        return new DmaFault(this.requester, address, length, access, 'the range is not contiguous after translation; it can be copied, not viewed');
      }
      mapped += Math.min(next.length, length - mapped);
    }
    return this.ramView(t.physical, length) ?? new DmaFault(this.requester, address, length, access, `physical 0x${t.physical.toString(16)}..0x${(t.physical + length).toString(16)} is not inside one RAM bank`);
  }

  /** The RAM pieces of a range, all resolved before any is used; throws DmaFault (after onFault). */
  private pieces(address: number, length: number, access: DmaAccess): Uint8Array[] {
    const fail = (reason: string): never => {
      const fault = new DmaFault(this.requester, address, length, access, reason);
      this.onFault?.(fault);
      throw fault;
    };
    const bad = this.checkRange(address, length, access);
    if (bad) fail(bad.reason);
    const out: Uint8Array[] = [];
    let at = address;
    let left = length;
    while (left > 0) {
      const t = this.iommu.translate(this.requester, at, left, access);
      if ('refused' in t) return fail(`${t.refused} (at 0x${at.toString(16)})`);
      const n = Math.min(t.length, left);
      if (!(n >= 1)) return fail(`the IOMMU translated 0x${at.toString(16)} to an empty range`);
      // A piece may run over the end of one bank into the next one at the next address: split it there.
      let phys = t.physical;
      let rest = n;
      while (rest > 0) {
        const bank = this.memory.bankAt(phys, 1);
        if (!bank) return fail(`physical 0x${phys.toString(16)} is not RAM`);
        const take = Math.min(rest, bank.base + bank.size - phys);
        out.push(bank.u8.subarray(phys - bank.base, phys - bank.base + take));
        phys += take;
        rest -= take;
      }
      at += n;
      left -= n;
    }
    return out;
  }

  private checkRange(address: number, length: number, access: DmaAccess): DmaFault | undefined {
    if (!Number.isSafeInteger(address) || address < 0 || !Number.isSafeInteger(length) || length < 0 || !Number.isSafeInteger(address + length)) {
      return new DmaFault(this.requester, address, length, access, 'address or length is not a non-negative integer below 2^53');
    }
    return undefined;
  }

  private ramView(physical: number, length: number): Uint8Array | undefined {
    const bank = this.memory.bankAt(physical, length);
    return bank ? bank.u8.subarray(physical - bank.base, physical - bank.base + length) : undefined;
  }
}
