/**
 * ACLINT machine timer device (MTIMER) as QEMU virt lays it out with `aclint=on`: one 64-bit MTIMECMP
 * per hart at 8*hart and the shared 64-bit MTIME at 0x7ff8, relative to the MTIMER base (0x0200_4000,
 * so MTIME is at 0x0200_bff8 like on the old CLINT). Time comes from the machine Clock; a guest write
 * to MTIME stores an offset to it in shared state instead of changing the clock.
 *
 * The MTIMER does not raise MTIP itself: each hart asks `compare(hart)` for its deadline in Clock
 * ticks and sets MTIP while `clock.now() >= deadline`, which keeps timer checks on the hart's own
 * thread. 64-bit registers arrive as two 32-bit accesses, low word first; reading MTIME's low word
 * latches the high word so that an 8-byte read is consistent across a carry.
 *
 * MTIMECMP is stored complemented so that an all-zero region is the reset state (all ones, no
 * deadline): threads may build the device over fresh shared memory without anyone calling reset().
 *
 * Left out: 8-bit and 16-bit accesses (ignored), and several MTIMERs sharing one MTIME.
 */
import type { Clock, MmioDevice, RegisterDef, SharedRegion } from '../../bus/types';

export const MIP_MTIP = 1 << 7;
/** MTIME offset inside the MTIMER window. */
export const MTIME_OFFSET = 0x7ff8;
export const ACLINT_MTIMER_SIZE = 0x8000;

const TWO_32 = 0x1_0000_0000;
const HEADER_BYTES = 16;
/** Uint32 word indices of the shared state (the BigInt64 time offset occupies words 0 and 1). */
const LATCHED_HIGH = 2;
const LATCH_VALID = 3;
const COMPARE_BASE = HEADER_BYTES / 4;

export class AclintMtimer implements MmioDevice {
  readonly kind = 'aclint-mtimer';
  readonly registers: readonly RegisterDef[];
  private readonly words: Uint32Array;
  /** MTIME minus clock ticks; read by hart threads without the lock, hence a BigInt64 and Atomics. */
  private readonly offset: BigInt64Array;

  static stateBytes(harts: number): number {
    return HEADER_BYTES + harts * 8;
  }

  constructor(region: SharedRegion, readonly harts: number, private readonly clock: Clock) {
    if (region.byteOffset % 8 !== 0) throw new Error('MTIMER region must be 8-byte aligned');
    this.words = new Uint32Array(region.buffer, region.byteOffset, COMPARE_BASE + harts * 2);
    this.offset = new BigInt64Array(region.buffer, region.byteOffset, 1);
    // 64-bit registers are listed as their two 32-bit halves, which is how accesses arrive and
    // keeps reset values exact.
    this.registers = [
      { name: 'mtimecmp_lo', offset: 0, width: 4, access: 'rw', reset: 0xffff_ffff, count: harts, stride: 8, description: 'Timer compare of hart i, low word: MTIP while mtime >= mtimecmp' },
      { name: 'mtimecmp_hi', offset: 4, width: 4, access: 'rw', reset: 0xffff_ffff, count: harts, stride: 8, description: 'Timer compare of hart i, high word' },
      { name: 'mtime_lo', offset: MTIME_OFFSET, width: 4, access: 'rw', reset: 0, description: 'Machine time in timebase ticks, low word (reading it latches the high word)' },
      { name: 'mtime_hi', offset: MTIME_OFFSET + 4, width: 4, access: 'rw', reset: 0, description: 'Machine time, high word' },
    ];
  }

  /** Current MTIME in ticks. */
  mtime(): number {
    return this.clock.now() + this.timeOffset();
  }

  /** What to add to `clock.now()` to get MTIME (and the `time` CSR). */
  timeOffset(): number {
    return Number(Atomics.load(this.offset, 0));
  }

  /** Hart `hart`'s deadline in Clock ticks (not MTIME ticks); Infinity when MTIMECMP is all ones. */
  compare(hart: number): number {
    const lo = this.compareWord(hart * 2);
    const hi = this.compareWord(hart * 2 + 1);
    if (lo === 0xffff_ffff && hi === 0xffff_ffff) return Infinity;
    return hi * TWO_32 + lo - this.timeOffset();
  }

  read(offset: number, size: 1 | 2 | 4): number {
    if (size !== 4 || (offset & 3) !== 0) return 0;
    if (offset === MTIME_OFFSET) {
      const time = this.mtime();
      this.words[LATCHED_HIGH] = Math.floor(time / TWO_32);
      this.words[LATCH_VALID] = 1;
      return time % TWO_32;
    }
    if (offset === MTIME_OFFSET + 4) {
      if (this.words[LATCH_VALID] === 1) {
        this.words[LATCH_VALID] = 0;
        return this.words[LATCHED_HIGH]!;
      }
      return Math.floor(this.mtime() / TWO_32);
    }
    const word = offset >> 2;
    if (word >= this.harts * 2) return 0;
    return this.compareWord(word);
  }

  write(offset: number, size: 1 | 2 | 4, value: number): void {
    if (size !== 4 || (offset & 3) !== 0) return;
    if (offset === MTIME_OFFSET || offset === MTIME_OFFSET + 4) {
      const current = this.mtime();
      const high = Math.floor(current / TWO_32);
      const low = current % TWO_32;
      const wanted = offset === MTIME_OFFSET ? high * TWO_32 + value : value * TWO_32 + low;
      Atomics.store(this.offset, 0, BigInt(this.timeOffset() + wanted - current));
      return;
    }
    const word = offset >> 2;
    if (word >= this.harts * 2) return;
    Atomics.store(this.words, COMPARE_BASE + word, ~value >>> 0);
  }

  reset(): void {
    Atomics.store(this.offset, 0, 0n);
    this.words[LATCHED_HIGH] = 0;
    this.words[LATCH_VALID] = 0;
    for (let i = 0; i < this.harts * 2; i++) Atomics.store(this.words, COMPARE_BASE + i, 0);
  }

  peek(): Record<string, number> {
    const out: Record<string, number> = { mtime: this.mtime() };
    for (let hart = 0; hart < this.harts; hart++) {
      out[`mtimecmp${hart}`] = this.compareWord(hart * 2 + 1) * TWO_32 + this.compareWord(hart * 2);
    }
    return out;
  }

  /** Word `index` of the MTIMECMP array (low/high pairs per hart), uncomplemented. */
  private compareWord(index: number): number {
    return ~Atomics.load(this.words, COMPARE_BASE + index) >>> 0;
  }
}
