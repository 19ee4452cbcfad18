/**
 * Goldfish real-time clock (`google,goldfish-rtc`), QEMU virt's RTC: nanoseconds since the Unix
 * epoch in TIME_LOW/TIME_HIGH, taken from the host wall clock. Reading TIME_LOW latches the high
 * word for the following TIME_HIGH read (Linux's driver reads low then high). Writing the time
 * stores an offset to the host clock in shared state, so every thread sees the guest's setting.
 *
 * Left out: the alarm. ALARM_LOW/HIGH and IRQ_ENABLED are stored and read back, but the alarm never
 * fires (ALARM_STATUS reads 0) and the interrupt line is never raised; Linux only needs the alarm for
 * wake-up alarms, which a zone never uses here.
 */
import type { MmioDevice, RegisterDef, SharedRegion } from '../../bus/types';

export const GoldfishRtcOffset = {
  timeLow: 0x00,
  timeHigh: 0x04,
  alarmLow: 0x08,
  alarmHigh: 0x0c,
  irqEnabled: 0x10,
  clearAlarm: 0x14,
  alarmStatus: 0x18,
  clearInterrupt: 0x1c,
} as const;

/** Host wall clock in nanoseconds since the Unix epoch. */
export type WallClockNs = () => bigint;

/** Layout: BigInt64 offset (ns) at byte 0, then Uint32 words 2.. below. */
const Word = { latchedHigh: 2, alarmLow: 3, alarmHigh: 4, irqEnabled: 5 } as const;
const STATE_BYTES = 24;
const MASK_32 = 0xffff_ffffn;

const REGISTERS: readonly RegisterDef[] = [
  { name: 'TIME_LOW', offset: 0x00, width: 4, access: 'rw', reset: 0, description: 'ns since the epoch, low word (read latches TIME_HIGH)' },
  { name: 'TIME_HIGH', offset: 0x04, width: 4, access: 'rw', reset: 0, description: 'ns since the epoch, high word' },
  { name: 'ALARM_LOW', offset: 0x08, width: 4, access: 'rw', reset: 0, description: 'Alarm time, low word (stored, never fires)' },
  { name: 'ALARM_HIGH', offset: 0x0c, width: 4, access: 'rw', reset: 0, description: 'Alarm time, high word' },
  { name: 'IRQ_ENABLED', offset: 0x10, width: 4, access: 'rw', reset: 0, description: 'Alarm interrupt enable (stored only)' },
  { name: 'CLEAR_ALARM', offset: 0x14, width: 4, access: 'wo', reset: 0 },
  { name: 'ALARM_STATUS', offset: 0x18, width: 4, access: 'ro', reset: 0, description: 'Always 0: no alarm is ever armed' },
  { name: 'CLEAR_INTERRUPT', offset: 0x1c, width: 4, access: 'wo', reset: 0 },
];

export class GoldfishRtc implements MmioDevice {
  readonly kind = 'goldfish-rtc';
  readonly registers = REGISTERS;
  private readonly words: Uint32Array;
  private readonly offset: BigInt64Array;

  static stateBytes(): number {
    return STATE_BYTES;
  }

  constructor(region: SharedRegion, private readonly wallClockNs: WallClockNs) {
    if (region.byteOffset % 8 !== 0) throw new Error('goldfish RTC region must be 8-byte aligned');
    this.words = new Uint32Array(region.buffer, region.byteOffset, STATE_BYTES / 4);
    this.offset = new BigInt64Array(region.buffer, region.byteOffset, 1);
  }

  /** Guest time in ns since the epoch. */
  now(): bigint {
    return BigInt.asUintN(64, this.wallClockNs() + Atomics.load(this.offset, 0));
  }

  read(offset: number, size: 1 | 2 | 4): number {
    if (size !== 4) return 0;
    switch (offset) {
      case GoldfishRtcOffset.timeLow: {
        const time = this.now();
        this.words[Word.latchedHigh] = Number(time >> 32n);
        return Number(time & MASK_32);
      }
      case GoldfishRtcOffset.timeHigh: return this.words[Word.latchedHigh]!;
      case GoldfishRtcOffset.alarmLow: return this.words[Word.alarmLow]!;
      case GoldfishRtcOffset.alarmHigh: return this.words[Word.alarmHigh]!;
      case GoldfishRtcOffset.irqEnabled: return this.words[Word.irqEnabled]!;
      default: return 0;
    }
  }

  write(offset: number, size: 1 | 2 | 4, value: number): void {
    if (size !== 4) return;
    const v = BigInt(value >>> 0);
    switch (offset) {
      case GoldfishRtcOffset.timeLow:
        this.setTime((this.now() & ~MASK_32) | v);
        return;
      case GoldfishRtcOffset.timeHigh:
        this.setTime((this.now() & MASK_32) | (v << 32n));
        return;
      case GoldfishRtcOffset.alarmLow: this.words[Word.alarmLow] = value; return;
      case GoldfishRtcOffset.alarmHigh: this.words[Word.alarmHigh] = value; return;
      case GoldfishRtcOffset.irqEnabled: this.words[Word.irqEnabled] = value & 1; return;
      default: return;
    }
  }

  reset(): void {
    Atomics.store(this.offset, 0, 0n);
    this.words.fill(0, 2);
  }

  peek(): Record<string, number> {
    const time = this.now();
    return {
      TIME_LOW: Number(time & MASK_32),
      TIME_HIGH: Number(time >> 32n),
      ALARM_LOW: this.words[Word.alarmLow]!,
      ALARM_HIGH: this.words[Word.alarmHigh]!,
      IRQ_ENABLED: this.words[Word.irqEnabled]!,
    };
  }

  private setTime(wanted: bigint): void {
    Atomics.store(this.offset, 0, BigInt.asIntN(64, wanted - this.wallClockNs()));
  }
}
