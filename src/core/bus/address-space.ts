/**
 * The physical address space of a board as one thread sees it: RAM banks backed by the shared buffer,
 * and device windows that can be mapped, unmapped and moved while the machine runs.
 *
 * RAM: one or more banks (the first is the boot bank, `ram`). The banks lie one after another in the
 * shared buffer, so the CPUs index all of them through one set of typed arrays over the "RAM span"
 * (from the first bank's first byte to the last bank's last byte): a bank's guest address `base` is
 * span offset `spanOffset`. CPUs take the RAM fast path themselves with span offsets in their TLBs and
 * come here (ramOffset, read/write) for everything else.
 *
 * Device windows: each thread declares the same windows in the same order over its own device objects
 * (MachineView does, from the plan); where each window is now lives in the shared WindowTable, so a
 * map/unmap/move made by one thread reaches every other thread's AddressSpace at its next device
 * access (the generation word is checked there). `onWindowsChanged` lets the machine tell the CPUs
 * (remote TLB flush). Left out: RAM that appears at run time, windows backed by RAM (a BAR over
 * shared memory), windows that overlap each other with priorities.
 */
import type { AccessSize, MmioDevice, SharedRegion } from './types';
import { WindowState, WindowTable, type WindowChange, type WindowSlot } from './window-table';

export interface RamWindow {
  /** Guest-physical base address. */
  readonly base: number;
  readonly size: number;
  /** Byte offset of guest address `base` inside `buffer`. */
  readonly bufferOffset: number;
  readonly buffer: ArrayBufferLike;
  /** Views over this bank only (index 0 = guest address `base`). */
  readonly u8: Uint8Array;
  readonly view: DataView;
  /** Offset of guest address `base` inside the RAM span (0 for the first bank). */
  readonly spanOffset: number;
}

/** The bytes of the buffer from the first bank's start to the last bank's end: the CPUs' RAM index space. */
export interface RamSpan {
  readonly buffer: ArrayBufferLike;
  readonly bufferOffset: number;
  readonly size: number;
}

/** A RAM bank to map: its guest-physical base and its region of the shared buffer. */
export interface RamBank {
  readonly base: number;
  readonly region: SharedRegion;
}

export interface DeviceMapping {
  readonly name: string;
  readonly base: number;
  readonly size: number;
  readonly device: MmioDevice;
}

const errorLimit = Error as { stackTraceLimit?: number };

/**
 * Result of an access to an address where nothing answers. Made without a stack trace: the CPUs catch it
 * and raise the guest's fault, and a guest touches nothing often (probing absent devices; the A64
 * warm-up's random addresses, 2,236 a thread start), where capturing the trace cost more than the rest.
 */
export class BusError extends Error {
  readonly address: number;
  readonly size: AccessSize;
  readonly isWrite: boolean;

  constructor(address: number, size: AccessSize, isWrite: boolean) {
    const limit = errorLimit.stackTraceLimit;
    errorLimit.stackTraceLimit = 0;
    super(`${isWrite ? 'write' : 'read'} of ${size} byte(s) at 0x${address.toString(16)}: no device or memory there`);
    errorLimit.stackTraceLimit = limit;
    this.address = address;
    this.size = size;
    this.isWrite = isWrite;
  }
}

/** Serialises device accesses across threads (devices keep their state in shared memory). */
export interface DeviceLock {
  acquire(): void;
  release(): void;
}

export interface AddressSpaceOptions {
  /** RAM banks after the first, each after the previous one in the same buffer. */
  readonly moreRam?: readonly RamBank[];
  /** The shared window table (windowTableBytes); without it the table is private to this object. */
  readonly windows?: SharedRegion;
  /** Called on the thread that changed a window, after the change (the machine flushes CPU TLBs). */
  readonly onWindowsChanged?: () => void;
}

/** A window as this thread declared it: its device and where it was first placed (-1: unmapped). */
interface Declared {
  readonly name: string;
  readonly device: MmioDevice;
  readonly base: number;
  readonly size: number;
}

const hex = (n: number): string => `0x${n.toString(16)}`;

export class AddressSpace {
  /** The first (boot) RAM bank. */
  readonly ram: RamWindow;
  /** Every RAM bank, the first one first. */
  readonly banks: readonly RamWindow[];
  readonly ramSpan: RamSpan;
  lock: DeviceLock | undefined;
  onWindowsChanged: (() => void) | undefined;
  private readonly table: WindowTable;
  private readonly generationWord: Int32Array;
  private seen = 0;
  private readonly declared: Declared[] = [];
  private readonly slotOf = new Map<string, number>();
  /** The mapped windows, sorted by base (rebuilt when the table's generation changes). */
  private devices: DeviceMapping[] = [];
  private last: DeviceMapping | undefined;
  private readonly extraBanks: readonly RamWindow[];

  constructor(ramBase: number, ram: SharedRegion, options: AddressSpaceOptions = {}) {
    const regions: RamBank[] = [{ base: ramBase, region: ram }, ...(options.moreRam ?? [])];
    const spanStart = ram.byteOffset;
    const banks: RamWindow[] = [];
    let end = spanStart;
    for (const [i, { base, region }] of regions.entries()) {
      if (region.buffer !== ram.buffer) throw new Error(`RAM bank ${i} at ${hex(base)} is not in the same buffer as the first bank`);
      if (i > 0 && region.byteOffset < end) throw new Error(`RAM bank ${i} at ${hex(base)} must lie after bank ${i - 1} in the buffer`);
      for (const other of banks) {
        if (base < other.base + other.size && other.base < base + region.byteLength) {
          throw new Error(`RAM bank ${i} at ${hex(base)}..${hex(base + region.byteLength)} overlaps the bank at ${hex(other.base)}`);
        }
      }
      banks.push({
        base,
        size: region.byteLength,
        bufferOffset: region.byteOffset,
        buffer: region.buffer,
        u8: new Uint8Array(region.buffer, region.byteOffset, region.byteLength),
        view: new DataView(region.buffer, region.byteOffset, region.byteLength),
        spanOffset: region.byteOffset - spanStart,
      });
      end = region.byteOffset + region.byteLength;
    }
    this.banks = banks;
    this.ram = banks[0]!;
    this.extraBanks = banks.slice(1);
    this.ramSpan = { buffer: ram.buffer, bufferOffset: spanStart, size: end - spanStart };
    this.table = new WindowTable(options.windows);
    this.generationWord = this.table.generationWord;
    this.onWindowsChanged = options.onWindowsChanged;
    this.refresh();
  }

  // --- RAM ---

  /** The bank holding [address, address + size), or undefined. */
  bankAt(address: number, size: number): RamWindow | undefined {
    const r = this.ram;
    if (address >= r.base && address + size <= r.base + r.size) return r;
    for (const b of this.extraBanks) {
      if (address >= b.base && address + size <= b.base + b.size) return b;
    }
    return undefined;
  }

  isRam(address: number, size: number): boolean {
    return this.bankAt(address, size) !== undefined;
  }

  /** Span offset of a physical RAM access that lies wholly in one bank, or -1. */
  ramOffset(address: number, size: number): number {
    const b = this.bankAt(address, size);
    return b ? b.spanOffset + (address - b.base) : -1;
  }

  /** Physical address of a span offset, or -1 if the offset is in no bank (a gap between banks). */
  ramAddress(spanOffset: number): number {
    for (const b of this.banks) {
      if (spanOffset >= b.spanOffset && spanOffset < b.spanOffset + b.size) return b.base + (spanOffset - b.spanOffset);
    }
    return -1;
  }

  // --- device windows ---

  /**
   * Declares a window and places it at [base, base + size). At build time every thread makes the same
   * calls in the same order; the placement is then "as declared" in the shared table. For a window
   * already declared, map(name, base, size) maps it at run time (it must be unmapped).
   */
  map(name: string, base: number, size: number, device?: MmioDevice): void {
    const slot = this.slotOf.get(name);
    if (slot === undefined) {
      if (!device) throw new Error(`device window '${name}' is not declared: map it with its device first`);
      this.refresh();
      this.checkPlacement(name, base, size, this.devices);
      this.declare(name, device, base, size);
      return;
    }
    if (device && device !== this.declared[slot]!.device) throw new Error(`device window '${name}' is already declared with another device`);
    this.changeWindow(name, (current) => {
      if (current) throw new Error(`device window '${name}' is already mapped at ${hex(current.base)}; move it instead`);
      return { state: WindowState.mapped, base, size };
    });
  }

  /** Declares a window that starts unmapped (a PCIe BAR before the guest programs it). */
  declareUnmapped(name: string, device: MmioDevice): void {
    if (this.slotOf.has(name)) throw new Error(`device window '${name}' is declared twice`);
    this.declare(name, device, -1, 0);
  }

  /** Takes a window off the bus (accesses there then fail as if nothing answered). */
  unmap(name: string): void {
    this.changeWindow(name, (current) => (current ? { state: WindowState.unmapped, base: 0, size: 0 } : undefined));
  }

  /** Moves a mapped window to `base` (keeping its size unless one is given). */
  move(name: string, base: number, size?: number): void {
    this.changeWindow(name, (current) => {
      if (!current) throw new Error(`device window '${name}' is not mapped; map it instead of moving it`);
      return { state: WindowState.mapped, base, size: size ?? current.size };
    });
  }

  /** Puts every window back where it was declared (machine reset). */
  resetWindows(): void {
    let changed = false;
    this.table.change(this.declared.length, (slots) => {
      const changes = slots.flatMap((s, slot): WindowChange[] => (s.state === WindowState.declared ? [] : [{ slot, state: WindowState.declared, base: 0, size: 0 }]));
      changed = changes.length > 0;
      return changes;
    });
    this.refresh();
    if (changed) this.onWindowsChanged?.();
  }

  /** Where a declared window is now, or undefined if it is unmapped (throws for an unknown name). */
  windowOf(name: string): DeviceMapping | undefined {
    if (!this.slotOf.has(name)) throw new Error(`no device window '${name}'`);
    this.sync();
    return this.devices.find((d) => d.name === name);
  }

  /** The mapped windows, by address. */
  get mappings(): readonly DeviceMapping[] {
    this.sync();
    return this.devices;
  }

  /** The shared table's generation this thread last read (changes by 2 per window change). */
  get windowGeneration(): number {
    return this.seen;
  }

  /** Re-reads the window table if another thread changed it; returns true if it did. */
  sync(): boolean {
    if (Atomics.load(this.generationWord, 0) === this.seen) return false;
    this.refresh();
    return true;
  }

  findDevice(address: number, size: number): DeviceMapping | undefined {
    if (Atomics.load(this.generationWord, 0) !== this.seen) this.refresh();
    const last = this.last;
    if (last && address >= last.base && address + size <= last.base + last.size) return last;
    const devices = this.devices;
    let lo = 0;
    let hi = devices.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const d = devices[mid]!;
      if (address < d.base) hi = mid - 1;
      else if (address >= d.base + d.size) lo = mid + 1;
      else {
        if (address + size > d.base + d.size) return undefined;
        this.last = d;
        return d;
      }
    }
    return undefined;
  }

  private declare(name: string, device: MmioDevice, base: number, size: number): void {
    const slot = this.declared.length;
    this.table.claim(slot, name);
    this.declared.push({ name, device, base, size });
    this.slotOf.set(name, slot);
    this.refresh();
  }

  /** Rebuilds the sorted window list from the declarations and the shared table. */
  private refresh(): void {
    const { generation, slots } = this.table.snapshot(this.declared.length);
    this.devices = this.placements(slots);
    this.last = undefined;
    this.seen = generation;
  }

  private placements(slots: readonly WindowSlot[]): DeviceMapping[] {
    const out: DeviceMapping[] = [];
    this.declared.forEach((d, slot) => {
      const s = slots[slot]!;
      if (s.state === WindowState.declared) {
        if (d.base >= 0) out.push({ name: d.name, base: d.base, size: d.size, device: d.device });
      } else if (s.state === WindowState.mapped) out.push({ name: d.name, base: s.base, size: s.size, device: d.device });
    });
    return out.sort((a, b) => a.base - b.base);
  }

  /** Changes one window in the shared table after checking the new placement against the current one. */
  private changeWindow(name: string, decide: (current: DeviceMapping | undefined) => { state: typeof WindowState.mapped | typeof WindowState.unmapped; base: number; size: number } | undefined): void {
    const slot = this.slotOf.get(name);
    if (slot === undefined) throw new Error(`no device window '${name}'`);
    let changed = false;
    this.table.change(this.declared.length, (slots) => {
      const now = this.placements(slots);
      const next = decide(now.find((d) => d.name === name));
      if (!next) return [];
      if (next.state === WindowState.mapped) this.checkPlacement(name, next.base, next.size, now.filter((d) => d.name !== name));
      changed = true;
      return [{ slot, ...next }];
    });
    this.refresh();
    if (changed) this.onWindowsChanged?.();
  }

  private checkPlacement(name: string, base: number, size: number, others: readonly DeviceMapping[]): void {
    if (!Number.isSafeInteger(base) || base < 0 || !Number.isSafeInteger(size) || size <= 0 || !Number.isSafeInteger(base + size)) {
      throw new Error(`device window '${name}': base ${base} and size ${size} must be non-negative integers below 2^53 (size > 0)`);
    }
    for (const other of others) {
      if (base < other.base + other.size && other.base < base + size) {
        throw new Error(`device '${name}' at ${hex(base)} overlaps '${other.name}'`);
      }
    }
    for (const bank of this.banks) {
      if (base < bank.base + bank.size && bank.base < base + size) {
        throw new Error(`device '${name}' at ${hex(base)} overlaps RAM${this.banks.length > 1 ? ` bank ${hex(bank.base)}..${hex(bank.base + bank.size)}` : ''}`);
      }
    }
  }

  /**
   * Reads `size` bytes at a physical address (RAM or device). For size 8 the result's low word is
   * returned and the high word is left in `high`. Throws BusError where nothing answers.
   */
  read(address: number, size: AccessSize): number {
    const bank = this.bankAt(address, size);
    if (bank) {
      const off = address - bank.base;
      const v = bank.view;
      switch (size) {
        case 1: return v.getUint8(off);
        case 2: return v.getUint16(off, true);
        case 4: return v.getUint32(off, true);
        default:
          this.high = v.getUint32(off + 4, true);
          return v.getUint32(off, true);
      }
    }
    const d = this.findDevice(address, size);
    if (!d) throw new BusError(address, size, false);
    const off = address - d.base;
    this.lock?.acquire();
    try {
      if (size === 8) {
        const lo = d.device.read(off, 4);
        this.high = d.device.read(off + 4, 4);
        return lo;
      }
      return d.device.read(off, size);
    } finally {
      this.lock?.release();
    }
  }

  /** High word of the last 8-byte read. */
  high = 0;

  /** Writes `size` bytes; for size 8, `high` is the upper word. Throws BusError where nothing answers. */
  write(address: number, size: AccessSize, value: number, high = 0): void {
    const bank = this.bankAt(address, size);
    if (bank) {
      const off = address - bank.base;
      const v = bank.view;
      switch (size) {
        case 1: v.setUint8(off, value); return;
        case 2: v.setUint16(off, value, true); return;
        case 4: v.setUint32(off, value, true); return;
        default:
          v.setUint32(off, value, true);
          v.setUint32(off + 4, high, true);
          return;
      }
    }
    const d = this.findDevice(address, size);
    if (!d) throw new BusError(address, size, true);
    const off = address - d.base;
    this.lock?.acquire();
    try {
      if (size === 8) {
        d.device.write(off, 4, value >>> 0);
        d.device.write(off + 4, 4, high >>> 0);
        return;
      }
      d.device.write(off, size, size === 4 ? value >>> 0 : value & (size === 1 ? 0xff : 0xffff));
    } finally {
      this.lock?.release();
    }
  }
}
