/**
 * hvisor's vPCI records (src/pci/pci_struct.rs VirtualPciConfigSpace, ConfigValue, PciMem) in the
 * machine's shared 'vpci' region, so that every vCPU thread's handler and the thread that starts a zone
 * act on the same state: the global list (GLOBAL_PCIE_LIST, pci_config.rs:62) and one vpci_bus
 * (VirtualRootComplex, pci_struct.rs:1434) per zone slot. Each record is 64 float64 (every value below
 * 2^53: 64-bit BAR addresses, u32 register values). Writers hold the machine's device lock.
 *
 * Left out: the per-byte control/access bitmaps (VirtualPciConfigControl is all-ones for every kind and
 * the access bitmap is one of three fixed patterns, so the kind of record says which); capabilities of
 * physical functions (hvisor lists them but passes their registers through, pci_handler.rs:560-580).
 */
import type { SharedRegion } from '../../bus/types';
import { MAX_ZONES } from '../zone-table';

/** hvisor's PciMemType (pci_access.rs:91) as numbers. */
export const BarType = { unused: 0, mem32: 1, mem64Low: 2, mem64High: 3, io: 4, rom: 5 } as const;

/** Which configuration-space pattern a record has (VirtualPciAccessBits endpoint / bridge / virt_dev). */
export const RecordKind = { endpoint: 0, bridge: 1, unknown: 2, virtual: 3 } as const;

/** Float64 index of each field in a record. */
export const F = {
  used: 0,
  /** Physical BDF: bus << 8 | device << 3 | function. */
  bdf: 1,
  /** The BDF the zone's guest_pci_init computed (vbdf). */
  vbdf: 2,
  /** VpciDevType: 0 physical, 1 StandardVdev. */
  devType: 3,
  /** get_base(): the ECAM address the record answers at (the physical function's; the zone's window for virtual ones). */
  base: 4,
  kind: 5,
  /** config_value.id as read_emu gives it: device << 16 | vendor. */
  id: 6,
  /** config_value.class_and_revision_id as a dword: class << 8 | revision. */
  classRev: 7,
  /** Global list only: 0 while the function is in GLOBAL_PCIE_LIST, else the owning zone id + 1. */
  owner: 8,
  /** Zone records: index of the global record they came from, -1 for virtual devices. */
  global: 9,
  domain: 10,
  barType: 11,
  barPref: 17,
  barSize: 23,
  /** PciMem.value: the physical BAR address with its flag bits. */
  barValue: 29,
  /** PciMem.virtual_value: the address the zone gave, with flag bits. */
  barVirt: 35,
  /** config_value.bar_value: the raw register value the zone last wrote (u32). */
  barCfg: 41,
  /** PciMem.size_read (StandardVdev). */
  sizeRead: 47,
  romType: 53,
  romSize: 54,
  romValue: 55,
  romVirt: 56,
  romCfg: 57,
  /** StandardVdev's VirtMsiXCap (vpci_dev/mod.rs:332): control word, table, PBA. */
  msixControl: 58,
  msixTable: 59,
  msixPba: 60,
} as const;

export const RECORD_FLOATS = 64;
/** Functions the global list holds (bus 0 of QEMU virt has 32 slots; functions beyond are not modelled). */
export const MAX_GLOBAL = 64;
/** hvisor's CONFIG_MAX_PCI_DEV: alloc_pci_devs entries per zone. */
export const MAX_ZONE_DEVICES = 32;
const HEADER_FLOATS = 8;
export const VPCI_STATE_BYTES = (HEADER_FLOATS + (MAX_GLOBAL + MAX_ZONES * MAX_ZONE_DEVICES) * RECORD_FLOATS) * 8;

export class VpciState {
  readonly f: Float64Array;

  constructor(region: SharedRegion) {
    if (region.byteLength < VPCI_STATE_BYTES) throw new Error('vpci region too small');
    this.f = new Float64Array(region.buffer, region.byteOffset, VPCI_STATE_BYTES / 8);
  }

  /** hvisor_pci_init ran (main.rs:143): the global list is filled. */
  get enumerated(): boolean {
    return this.f[0] === 1;
  }
  set enumerated(on: boolean) {
    this.f[0] = on ? 1 : 0;
  }

  /** Start of global record i. */
  global(i: number): number {
    return HEADER_FLOATS + i * RECORD_FLOATS;
  }

  /** Start of record i of zone slot `slot`'s vpci_bus. */
  zone(slot: number, i: number): number {
    return HEADER_FLOATS + (MAX_GLOBAL + slot * MAX_ZONE_DEVICES + i) * RECORD_FLOATS;
  }

  copy(from: number, to: number): void {
    this.f.copyWithin(to, from, from + RECORD_FLOATS);
  }

  clear(at: number): void {
    this.f.fill(0, at, at + RECORD_FLOATS);
  }

  clearZone(slot: number): void {
    const start = this.zone(slot, 0);
    this.f.fill(0, start, start + MAX_ZONE_DEVICES * RECORD_FLOATS);
  }
}

/** Bits 0..3 of a BAR value and the address above them. */
function split(value: number): { base: number; low: number } {
  const low = value % 16;
  return { base: value - low, low };
}

/** PciMem::set_value / set_virtual_value (pci_access.rs:247-277, 310-340): the address with the type's flag bits. */
export function withBarFlags(type: number, prefetchable: boolean, address: number): number {
  const { base, low } = split(address);
  switch (type) {
    case BarType.io:
      return base + (low | 1);
    case BarType.mem32:
      return base + ((low & ~0x6) | (prefetchable ? 8 : 0));
    case BarType.mem64Low:
    case BarType.mem64High:
      return base + ((low & ~0x6) | 0x4 | (prefetchable ? 8 : 0));
    default:
      return address;
  }
}

/** An address without its low four bits (hvisor's `& !0xf`). */
export function withoutFlags(value: number): number {
  return split(value).base;
}

/** PciMem::get_size_with_flag (pci_access.rs:185-205), as the 32-bit register a sizing read answers. */
export function sizeWithFlag(type: number, size: number): number {
  if (type === BarType.unused || size === 0) return 0;
  const mask = 2n ** 64n - BigInt(size); // !(size - 1) in u64
  switch (type) {
    case BarType.mem64Low:
      return Number(mask & 0xffff_ffffn);
    case BarType.mem64High:
      // get_bits(32..64) >> 32: the bits are shifted down twice, so the high half reads 0 (hvisor's code as it is).
      return Number((mask >> 32n) >> 32n);
    default:
      return Number(mask & 0xffff_ffffn);
  }
}

export const hex = (value: number): string => `0x${value.toString(16)}`;

/** 0000:bb:dd.f */
export function bdfName(bdf: number, domain = 0): string {
  const two = (n: number): string => n.toString(16).padStart(2, '0');
  return `${domain.toString(16).padStart(4, '0')}:${two(bdf >> 8)}:${two((bdf >> 3) & 0x1f)}.${bdf & 7}`;
}
