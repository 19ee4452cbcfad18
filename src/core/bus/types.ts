/**
 * The contracts between CPUs, devices and the machine.
 *
 * Every piece of mutable machine state (guest RAM, hart registers, device registers) lives in one
 * shared buffer so that each vCPU worker, and the main thread's inspectors, see the same machine.
 * Each thread builds its own device objects over the same shared regions; a device method therefore
 * never keeps guest-visible state in ordinary object fields, only in its region.
 */

export type AccessSize = 1 | 2 | 4 | 8;

/** A window of the shared buffer owned by one component. */
export interface SharedRegion {
  readonly buffer: ArrayBufferLike;
  readonly byteOffset: number;
  readonly byteLength: number;
}

export type RegisterAccess = 'rw' | 'ro' | 'wo' | 'w1c';

export interface RegisterField {
  readonly name: string;
  /** Lowest bit of the field. */
  readonly lsb: number;
  readonly width: number;
  readonly description?: string;
}

/** One register of a device, as data: read by the device tests and rendered by the inspector. */
export interface RegisterDef {
  readonly name: string;
  readonly offset: number;
  /** Width in bytes. */
  readonly width: 1 | 2 | 4 | 8;
  readonly access: RegisterAccess;
  readonly reset: number;
  readonly description?: string;
  readonly fields?: readonly RegisterField[];
  /** For register arrays (e.g. PLIC priorities): number of consecutive instances and their stride. */
  readonly count?: number;
  readonly stride?: number;
}

/**
 * A memory-mapped device. Offsets are relative to the device's base address. Accesses of 8 bytes are
 * split by the bus into two 4-byte accesses (low address first) unless the device sets `access64`.
 * Values are unsigned and fit the access size (at most 32 bits).
 */
export interface MmioDevice {
  readonly kind: string;
  readonly registers: readonly RegisterDef[];
  read(offset: number, size: 1 | 2 | 4): number;
  write(offset: number, size: 1 | 2 | 4, value: number): void;
  reset(): void;
  /**
   * Register values for the inspector, computed without side effects (reading a UART's RBR here must
   * not pop the FIFO).
   */
  peek(): Record<string, number>;
}

/** Something that receives the level of interrupt lines, e.g. an interrupt controller. */
export interface IrqSink {
  setLevel(line: number, level: boolean): void;
}

/** The CPU-facing signals of one hart, set by interrupt controllers and timers from any thread. */
export interface HartSignals {
  /** Atomically set (level=true) or clear bits of the hart's mip. Wakes the hart if it waits. */
  setPending(hart: number, mask: number, level: boolean): void;
}

/** Monotonic time in board timebase ticks (10 MHz on qemu-plic). Exact as a double below 2^53. */
export interface Clock {
  now(): number;
}
