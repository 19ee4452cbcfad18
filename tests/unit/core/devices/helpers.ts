import type { Clock, HartSignals, IrqSink, SharedRegion } from '../../../../src/core/bus/types';

/** A zero-filled shared region of `bytes` bytes, as fresh shared memory would be. */
export function sharedRegion(bytes: number, byteOffset = 64): SharedRegion {
  return { buffer: new SharedArrayBuffer(byteOffset + bytes + 64), byteOffset, byteLength: bytes };
}

/** Records the mip bits devices drive, per hart. */
export class RecordingSignals implements HartSignals {
  readonly mip: number[];
  calls = 0;
  constructor(harts: number) {
    this.mip = new Array<number>(harts).fill(0);
  }
  setPending(hart: number, mask: number, level: boolean): void {
    this.calls++;
    this.mip[hart] = level ? this.mip[hart]! | mask : this.mip[hart]! & ~mask;
  }
}

/** Records interrupt line levels. */
export class RecordingSink implements IrqSink {
  readonly levels = new Map<number, boolean>();
  changes = 0;
  setLevel(line: number, level: boolean): void {
    this.changes++;
    this.levels.set(line, level);
  }
  level(line: number): boolean {
    return this.levels.get(line) ?? false;
  }
}

export class ManualClock implements Clock {
  ticks = 0;
  now(): number {
    return this.ticks;
  }
}
