/**
 * The physical address space of a board: one RAM window backed by the shared buffer, and device
 * windows. CPUs take the RAM fast path themselves (see `ram`) and come here for everything else.
 */
import type { AccessSize, MmioDevice, SharedRegion } from './types';

export interface RamWindow {
  /** Guest-physical base address. */
  readonly base: number;
  readonly size: number;
  /** Byte offset of guest address `base` inside `buffer`. */
  readonly bufferOffset: number;
  readonly buffer: ArrayBufferLike;
  /** Views over the RAM window only (index 0 = guest address `base`). */
  readonly u8: Uint8Array;
  readonly view: DataView;
}

export interface DeviceMapping {
  readonly name: string;
  readonly base: number;
  readonly size: number;
  readonly device: MmioDevice;
}

/** Result of an access to an address where nothing answers. */
export class BusError extends Error {
  constructor(
    readonly address: number,
    readonly size: AccessSize,
    readonly isWrite: boolean,
  ) {
    super(`${isWrite ? 'write' : 'read'} of ${size} byte(s) at 0x${address.toString(16)}: no device or memory there`);
  }
}

/** Serialises device accesses across threads (devices keep their state in shared memory). */
export interface DeviceLock {
  acquire(): void;
  release(): void;
}

export class AddressSpace {
  readonly ram: RamWindow;
  lock: DeviceLock | undefined;
  private readonly devices: DeviceMapping[] = [];
  private last: DeviceMapping | undefined;

  constructor(ramBase: number, ram: SharedRegion) {
    this.ram = {
      base: ramBase,
      size: ram.byteLength,
      bufferOffset: ram.byteOffset,
      buffer: ram.buffer,
      u8: new Uint8Array(ram.buffer, ram.byteOffset, ram.byteLength),
      view: new DataView(ram.buffer, ram.byteOffset, ram.byteLength),
    };
  }

  map(name: string, base: number, size: number, device: MmioDevice): void {
    for (const other of this.devices) {
      if (base < other.base + other.size && other.base < base + size) {
        throw new Error(`device '${name}' at 0x${base.toString(16)} overlaps '${other.name}'`);
      }
    }
    if (base < this.ram.base + this.ram.size && this.ram.base < base + size) {
      throw new Error(`device '${name}' at 0x${base.toString(16)} overlaps RAM`);
    }
    this.devices.push({ name, base, size, device });
    this.devices.sort((a, b) => a.base - b.base);
  }

  get mappings(): readonly DeviceMapping[] {
    return this.devices;
  }

  isRam(address: number, size: number): boolean {
    return address >= this.ram.base && address + size <= this.ram.base + this.ram.size;
  }

  findDevice(address: number, size: number): DeviceMapping | undefined {
    const last = this.last;
    if (last && address >= last.base && address + size <= last.base + last.size) return last;
    let lo = 0;
    let hi = this.devices.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const d = this.devices[mid]!;
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

  /**
   * Reads `size` bytes at a physical address (RAM or device). For size 8 the result's low word is
   * returned and the high word is left in `high`. Throws BusError where nothing answers.
   */
  read(address: number, size: AccessSize): number {
    if (this.isRam(address, size)) {
      const off = address - this.ram.base;
      const v = this.ram.view;
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
    if (this.isRam(address, size)) {
      const off = address - this.ram.base;
      const v = this.ram.view;
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
