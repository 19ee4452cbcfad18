/**
 * Cross-thread primitives over the shared buffer: the hart interrupt-pending words with wake-ups,
 * and the machine-wide device lock.
 */
import type { DeviceLock } from '../bus/address-space';
import type { HartSignals } from '../bus/types';
import { HartWord } from '../cpu/hart-header';

/** Sets and clears hart mip bits from any thread and wakes a hart sleeping in WFI. */
export class SharedHartSignals implements HartSignals {
  constructor(readonly headers: readonly Int32Array[]) {}

  setPending(hart: number, mask: number, level: boolean): void {
    const header = this.headers[hart];
    if (!header) return;
    if (level) {
      Atomics.or(header, HartWord.mip, mask);
      wakeHart(header);
    } else {
      Atomics.and(header, HartWord.mip, ~mask);
    }
  }
}

export function wakeHart(header: Int32Array): void {
  Atomics.store(header, HartWord.wake, 1);
  Atomics.notify(header, HartWord.wake);
}

/**
 * A spin-then-sleep lock in one Int32 word. Device accesses are short, so spinning first avoids the
 * cost of a futex round trip in the common case. Re-entrant for the owning thread, because a device
 * access may raise an interrupt line that reaches another device under the same lock.
 */
export class SharedDeviceLock implements DeviceLock {
  private depth = 0;

  constructor(
    private readonly words: Int32Array,
    private readonly index: number,
    private readonly owner: number,
  ) {}

  acquire(): void {
    if (this.depth > 0) {
      this.depth++;
      return;
    }
    const me = this.owner + 1;
    for (let spin = 0; ; spin++) {
      if (Atomics.compareExchange(this.words, this.index, 0, me) === 0) break;
      if (spin > 200) Atomics.wait(this.words, this.index, Atomics.load(this.words, this.index), 1);
    }
    this.depth = 1;
  }

  release(): void {
    if (--this.depth > 0) return;
    Atomics.store(this.words, this.index, 0);
    Atomics.notify(this.words, this.index, 1);
  }
}
