/**
 * hvisor's boot enumeration of a root complex (src/pci/pci_config.rs:69-164 hvisor_pci_init, the
 * PciIterator of pci_struct.rs:934-1302) with its BAR allocator (mem_alloc.rs BaseAllocator): every
 * function found on the configured buses goes into the global list with its BARs sized the way
 * parse_bar sizes them (pci_access.rs:573-658) and, unless the board keeps firmware BARs
 * (no_pcie_bar_realloc), placed by a bump allocator over the root's mem32/mem64 windows, memory decode
 * switched off first (pci_struct.rs:1116-1120).
 *
 * Left out: descending behind PCI-PCI bridges (the workbench's host decodes bus 0 only, decision 0017;
 * a bridge is recorded, its secondary bus is not walked); hvisor's alloc_io (it allocates nothing for
 * I/O BARs either: "alloc io not supported", mem_alloc.rs:110).
 */
import type { PciBusConfig } from '../../../shared/model/zone-config';
import { BarType, F, RecordKind, withBarFlags, hex, bdfName } from './vpci-state';

/** Physical configuration reads and writes of one root complex, by BDF (the ECAM as hvisor maps it). */
export interface PciConfigAccess {
  read(bdf: number, offset: number, size: 1 | 2 | 4): number;
  write(bdf: number, offset: number, size: 1 | 2 | 4, value: number): void;
}

/** A physical ECAM window as the hypervisor's accessor sees it (config_accessors/ecam.rs: base + bus << 20 | dev << 15 | fn << 12). */
export function ecamAccess(ecamBase: number, bus: { read(address: number, size: 1 | 2 | 4): number; write(address: number, size: 1 | 2 | 4, value: number): void }): PciConfigAccess {
  return {
    read: (bdf, offset, size) => bus.read(ecamBase + bdf * 0x1000 + offset, size) >>> 0,
    write: (bdf, offset, size, value) => bus.write(ecamBase + bdf * 0x1000 + offset, size, value >>> 0),
  };
}

/** mem_alloc.rs:47-104: one bump pointer per window, each allocation aligned to its size. */
export class BaseAllocator {
  private mem32Used: number;
  private mem64Used: number;

  constructor(private readonly config: PciBusConfig) {
    this.mem32Used = config.mem32Base;
    this.mem64Used = config.mem64Base;
  }

  private static alignUp(value: number, align: number): number {
    return Math.ceil(value / align) * align;
  }

  alloc32(size: number): number | undefined {
    const ptr = BaseAllocator.alignUp(this.mem32Used, size);
    const end = this.config.mem32Base + this.config.mem32Size;
    if (ptr >= this.config.mem32Base && ptr < end && ptr + size <= end) {
      this.mem32Used = ptr + size;
      return ptr;
    }
    return undefined;
  }

  alloc64(size: number): number | undefined {
    const ptr = BaseAllocator.alignUp(this.mem64Used, size);
    const end = this.config.mem64Base + this.config.mem64Size;
    if (ptr >= this.config.mem64Base && ptr < end && ptr + size <= end) {
      this.mem64Used = ptr + size;
      return ptr;
    }
    return undefined;
  }
}

/** One function as hvisor's iterator made it: a global-list record (vpci-state.ts F) and what it did. */
export interface EnumeratedFunction {
  readonly bdf: number;
  readonly record: Float64Array;
}

const trailingZeros = (value: number): number => (value === 0 ? 32 : 31 - Math.clz32(value & -value));

/**
 * Walks bus `busRangeBegin` of `config` (pci_struct.rs get_node / next: devices 0..31, functions 1..7
 * only when function 0 says multi-function) and returns the records in the order found. `problems`
 * gets what hvisor would panic or warn about (an allocation that does not fit: BaseAllocator returns
 * None and bar_mem_init unwraps it, pci_struct.rs:1125).
 */
export function enumerateRootComplex(access: PciConfigAccess, config: PciBusConfig, realloc: boolean, problems: string[]): EnumeratedFunction[] {
  const allocator = realloc ? new BaseAllocator(config) : undefined;
  const bus = config.busRangeBegin & 0xff;
  const found: EnumeratedFunction[] = [];
  for (let device = 0; device <= 31; device++) {
    let multi = false;
    for (let fn = 0; fn <= 7; fn++) {
      if (fn > 0 && !multi) break;
      const bdf = (bus << 8) | (device << 3) | fn;
      const id = access.read(bdf, 0, 4);
      if ((id & 0xffff) === 0xffff) {
        if (fn === 0) break;
        continue;
      }
      const headerByte = access.read(bdf, 0x0e, 1);
      if (fn === 0) multi = (headerByte & 0x80) !== 0;
      const r = new Float64Array(64);
      r[F.used] = 1;
      r[F.bdf] = bdf;
      r[F.vbdf] = bdf;
      r[F.domain] = config.domain;
      r[F.base] = config.ecamBase + bdf * 0x1000;
      r[F.id] = id;
      r[F.classRev] = access.read(bdf, 0x08, 4);
      r[F.global] = -1;
      const header = headerByte & 0x7f;
      if (header === 0 || header === 1) {
        r[F.kind] = header === 0 ? RecordKind.endpoint : RecordKind.bridge;
        romInit(access, bdf, header === 0 ? 0x30 : 0x38, r);
        barMemInit(access, bdf, header === 0 ? 6 : 2, allocator, r, problems);
      } else {
        r[F.kind] = RecordKind.unknown; // VirtualPciConfigSpace::unknown (pci_struct.rs:734), class 0xff
        r[F.classRev] = 0xff00_0000;
      }
      // config_value_init (pci_struct.rs:818): the cached register values start as the physical ones.
      for (let slot = 0; slot < 6; slot++) r[F.barCfg + slot] = barRegister(r[F.barType + slot]!, r[F.barValue + slot]!);
      found.push({ bdf, record: r });
    }
  }
  return found;
}

/** PciMem::get_value (pci_access.rs:231): the register's 32 bits (the high half for Mem64High). */
export function barRegister(type: number, value: number): number {
  if (type === BarType.mem64High) return Math.floor(value / 2 ** 32) >>> 0;
  return value % 2 ** 32 >>> 0;
}

/** parse_rom (pci_access.rs:677-692) and rom_init (pci_struct.rs:1097-1104). */
function romInit(access: PciConfigAccess, bdf: number, offset: number, r: Float64Array): void {
  const value = access.read(bdf, offset, 4);
  access.write(bdf, offset, 4, 0xffff_f800);
  let readback = access.read(bdf, offset, 4);
  access.write(bdf, offset, 4, value);
  if (readback === 0) return;
  readback = (readback & ~0xf) >>> 0;
  r[F.romType] = BarType.rom;
  r[F.romSize] = 2 ** trailingZeros(readback);
  r[F.romValue] = value;
  r[F.romVirt] = value;
  r[F.romCfg] = value;
}

/** parse_bar (pci_access.rs:573-658), then bar_mem_init (pci_struct.rs:1106-1179). */
function barMemInit(access: PciConfigAccess, bdf: number, limit: number, allocator: BaseAllocator | undefined, r: Float64Array, problems: string[]): void {
  const readBar = (slot: number) => access.read(bdf, 0x10 + slot * 4, 4);
  const writeBar = (slot: number, value: number) => access.write(bdf, 0x10 + slot * 4, 4, value);
  const set = (slot: number, type: number, pref: boolean, size: number, value: number) => {
    r[F.barType + slot] = type;
    r[F.barPref + slot] = pref ? 1 : 0;
    r[F.barSize + slot] = size;
    r[F.barValue + slot] = value;
  };
  for (let slot = 0; slot < limit; slot++) {
    const value = readBar(slot);
    if ((value & 1) === 0) {
      const pre = (value & 8) !== 0;
      const kind = (value >> 1) & 3;
      if (kind === 0) {
        writeBar(slot, 0xffff_ffff);
        let readback = readBar(slot);
        writeBar(slot, value);
        if (readback === 0) continue;
        readback = (readback & ~0xf) >>> 0;
        set(slot, BarType.mem32, pre, 2 ** trailingZeros(readback), value);
      } else if (kind === 2) {
        if (slot === 5) break; // "read bar64 in last bar"
        const high = readBar(slot + 1);
        writeBar(slot, 0xffff_ffff);
        writeBar(slot + 1, 0xffff_ffff);
        const low = (readBar(slot) & ~0xf) >>> 0;
        const highBack = readBar(slot + 1);
        writeBar(slot, value);
        writeBar(slot + 1, high);
        const size = low !== 0 ? 2 ** trailingZeros(low) : 2 ** (trailingZeros(highBack) + 32);
        const value64 = value + high * 2 ** 32;
        set(slot, BarType.mem64Low, pre, size, value64);
        set(slot + 1, BarType.mem64High, pre, size, value64);
        slot++;
      }
    } else {
      writeBar(slot, 0xffff_ffff);
      let readback = readBar(slot);
      writeBar(slot, readback); // hvisor writes the readback back, not the old value (pci_access.rs:644)
      readback = (readback & ~1) >>> 0;
      if (readback === 0) continue;
      set(slot, BarType.io, false, 2 ** trailingZeros(readback), value);
    }
  }
  if (allocator) {
    const command = access.read(bdf, 0x04, 2);
    access.write(bdf, 0x04, 2, command & ~0x3);
  }
  for (let i = 0; i < limit; i++) {
    const type = r[F.barType + i]!;
    const pref = r[F.barPref + i] === 1;
    const size = r[F.barSize + i]!;
    if (type === BarType.mem32) {
      let value = r[F.barValue + i]!;
      if (allocator) {
        const placed = allocator.alloc32(size);
        if (placed === undefined) {
          problems.push(`${bdfName(bdf)} BAR ${i}: ${hex(size)} bytes do not fit the 32-bit window (hvisor unwraps BaseAllocator's None and panics, pci_struct.rs:1125)`);
          continue;
        }
        value = placed;
        r[F.barValue + i] = withBarFlags(type, pref, value);
      }
      r[F.barVirt + i] = withBarFlags(type, pref, value);
      writeBar(i, value % 2 ** 32);
    } else if (type === BarType.mem64Low) {
      if (allocator) {
        const placed = allocator.alloc64(size);
        if (placed === undefined) {
          problems.push(`${bdfName(bdf)} BAR ${i}: ${hex(size)} bytes do not fit the 64-bit window (hvisor unwraps BaseAllocator's None and panics, pci_struct.rs:1131)`);
          i++;
          continue;
        }
        r[F.barValue + i] = withBarFlags(type, pref, placed);
        r[F.barVirt + i] = withBarFlags(type, pref, placed);
        writeBar(i, placed % 2 ** 32);
        i++;
        r[F.barValue + i] = withBarFlags(BarType.mem64High, pref, placed);
        r[F.barVirt + i] = withBarFlags(BarType.mem64High, pref, placed);
        writeBar(i, Math.floor(placed / 2 ** 32));
      } else {
        const value = r[F.barValue + i]!;
        r[F.barVirt + i] = withBarFlags(type, pref, value);
        i++;
        r[F.barVirt + i] = withBarFlags(BarType.mem64High, pref, value);
      }
    } else if (type === BarType.io) {
      const value = r[F.barValue + i]!;
      r[F.barValue + i] = withBarFlags(type, false, value);
      r[F.barVirt + i] = withBarFlags(type, false, value);
      writeBar(i, value % 2 ** 32);
    }
  }
}
