/**
 * hvisor's StandardVdev (dev_type 1): a virtual PCI function with no hardware behind it
 * (src/pci/vpci_dev/mod.rs, vpci_dev/standard.rs), as the zone's configuration accesses find it:
 *
 * - a 0x80-byte default space (mod.rs:37-64): vendor 0x110a, device 0x4106, Status.CAP_LIST, class 0xff,
 *   subsystem ids, nothing at 0x34;
 * - vdev_init (standard.rs:127-168) sets config_value id (0x110a, 0x4106) as (DeviceId, VendorId), so a
 *   dword read of the ID (standard.rs:50-55) answers 0x110a4106: vendor 0x4106, device 0x110a, which
 *   is what Linux prints; the 16-bit reads come from the default space;
 * - BAR 0: 4 KiB 32-bit memory; writing all-ones arms a size read, any other value is the BAR and hvisor
 *   registers an MMIO handler there that does nothing (standard.rs:91-112, 174-177);
 * - an MSI-X capability at 0x98 (VirtMsiXCap, mod.rs:332-400: 96 bytes, table BIR 1, PBA at 0x100 of
 *   BIR 1, no vectors behind it), reached through the capability path of handle_virt_pci_request
 *   (pci_handler.rs:57-147), and the capability pointer 0x98 only to a dword read of 0x34 (standard.rs:68);
 * - writes other than Command and the BARs are refused (Reject, a warning), and reads hvisor answers
 *   from the backend beyond the default space read the physical ECAM at the function's address.
 *
 * Left out: hvisor keeps the registered BAR handler when the BAR moves (a second one is added); here the
 * BAR is one window that follows the register.
 */
import { BarType, F } from './vpci-state';

export const STANDARD_CFG_SIZE = 0x80;
export const STANDARD_VENDOR_ID = 0x110a;
export const STANDARD_DEVICE_ID = 0x4106;
const MSIX_CAP = 0x98;
const MSIX_CAP_SIZE = 96;
const BAR0_SIZE = 0x1000;

/** DEFAULT_CSPACE_U32 (mod.rs:38-64). */
export const DEFAULT_CSPACE_U32: readonly number[] = (() => {
  const arr = new Array<number>(STANDARD_CFG_SIZE / 4).fill(0);
  arr[0] = ((STANDARD_DEVICE_ID << 16) | STANDARD_VENDOR_ID) >>> 0;
  arr[1] = (0x10 << 16) >>> 0;
  arr[2] = (0xff << 24) >>> 0;
  arr[0x2c / 4] = ((STANDARD_DEVICE_ID << 16) | STANDARD_VENDOR_ID) >>> 0;
  return arr;
})();

/** vdev_init's record fields (standard.rs:127-168) for a zone record starting at `at`. */
export function initStandardVdev(f: Float64Array, at: number): void {
  f[at + F.kind] = 3;
  f[at + F.devType] = 1;
  f[at + F.global] = -1;
  // (DeviceId, VendorId) = (0x110a, 0x4106); read_cfg's ID is id.0 << 16 | id.1.
  f[at + F.id] = ((0x110a << 16) | 0x4106) >>> 0;
  // class (0, 0, 0), revision 0xff: only read_emu would use it, and no read gets there.
  f[at + F.classRev] = 0xff;
  f[at + F.barType] = BarType.mem32;
  f[at + F.barSize] = BAR0_SIZE;
  f[at + F.msixControl] = 0;
  f[at + F.msixTable] = 1;
  f[at + F.msixPba] = (0x10 * 16) | 1;
}

export type VdevOutcome =
  | { readonly value: number }
  /** hvisor's warning: the access did nothing (a refused write, an odd capability access). */
  | { readonly value: number; readonly warning: string };

/** What hvisor reads for an offset it sends to the backend: the physical ECAM at the function's address. */
export type BackendRead = (offset: number, size: 1 | 2 | 4) => number;

/** A configuration read of a StandardVdev record at `at`. */
export function standardVdevRead(f: Float64Array, at: number, offset: number, size: 1 | 2 | 4, backend: BackendRead): VdevOutcome {
  // The capability path: the last capability at or below the offset (pci_handler.rs:76-123).
  if (offset >= MSIX_CAP) {
    if (offset < MSIX_CAP + MSIX_CAP_SIZE) {
      const rel = offset - MSIX_CAP;
      const control = f[at + F.msixControl]!;
      if (rel === 0 && size === 4) return { value: (0x11 | (control << 16)) >>> 0 };
      if (rel === 0 && size === 2) return { value: 0x11 };
      if (rel === 2 && size === 2) return { value: control };
      if (rel === 4 && size === 4) return { value: f[at + F.msixTable]! };
      if (rel === 8 && size === 4) return { value: f[at + F.msixPba]! };
      return { value: 0, warning: `VirtMsiXCap invalid read offset 0x${rel.toString(16)} size ${size}` };
    }
    // ERANGE from the capability path falls through to the device handler below.
  }
  // StandardHandler::read_cfg (standard.rs:38-71).
  if (offset === 0 && size === 4) return { value: f[at + F.id]! };
  if (offset === 0x10 && size === 4) {
    if (f[at + F.sizeRead] === 1) {
      f[at + F.sizeRead] = 0;
      return { value: (~(BAR0_SIZE - 1)) >>> 0 };
    }
    return { value: f[at + F.barVirt]! % 2 ** 32 };
  }
  if (offset === 0x34 && size === 4) return { value: MSIX_CAP };
  // PciConfigAccessStatus::Default (mod.rs:140-171).
  if (offset < STANDARD_CFG_SIZE) {
    const word = DEFAULT_CSPACE_U32[offset >> 2]!;
    const shift = (offset & 3) * 8;
    if (size === 1) return { value: (word >>> shift) & 0xff };
    if (size === 2) return { value: (word >>> shift) & 0xffff };
    return { value: word };
  }
  return { value: backend(offset, size) };
}

/** A configuration write; returns a warning when hvisor logs one. `mapBar` is called for a BAR 0 address. */
export function standardVdevWrite(f: Float64Array, at: number, offset: number, size: 1 | 2 | 4, value: number, mapBar: (address: number, size: number) => void): string | undefined {
  if (offset >= MSIX_CAP && offset < MSIX_CAP + MSIX_CAP_SIZE) {
    const rel = offset - MSIX_CAP;
    if (rel === 2 && size === 2) f[at + F.msixControl] = value & 0xffff;
    else if (rel === 4 && size === 4) f[at + F.msixTable] = value >>> 0;
    else if (rel === 8 && size === 4) f[at + F.msixPba] = value >>> 0;
    else return `VirtMsiXCap invalid write offset 0x${rel.toString(16)} size ${size}`;
    return undefined;
  }
  if (offset === 0x04 && size === 2) return undefined; // Command: Done, nothing kept
  if (offset === 0x10 && size === 4) {
    if (value >>> 0 === 0xffff_ffff) {
      f[at + F.sizeRead] = 1;
    } else {
      f[at + F.barVirt] = (value & ~0x6) >>> 0; // set_virtual_value of a non-prefetchable Mem32
      mapBar(value >>> 0, BAR0_SIZE);
    }
    return undefined;
  }
  if (offset >= 0x14 && offset <= 0x24 && (offset & 3) === 0 && size === 4) return undefined; // Bar(n): Done
  return `virt pci standard write_cfg, invalid offset 0x${offset.toString(16)}, size 0x${size.toString(16)}, value 0x${(value >>> 0).toString(16)} (Reject)`;
}
