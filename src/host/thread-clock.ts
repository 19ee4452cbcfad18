/**
 * Board time from the host's monotonic clock, with one origin for every thread: the main thread
 * takes `process.hrtime` as the epoch and each worker anchors its cheap `performance.now()` to it.
 */
import type { ThreadClock } from '../core/machine/machine';

export function newEpoch(): string {
  return process.hrtime.bigint().toString();
}

export function threadClock(epoch: string, timebase: number): ThreadClock {
  // Anchor on the tightest of a few performance.now() brackets around an hrtime read: a single
  // unbracketed read (first calls, a preemption) put threads' clocks up to ~0.5 ms apart, which the
  // interrupt timeline shows as steps out of order across threads.
  const origin = BigInt(epoch);
  let anchor = 0;
  let bracket = Infinity;
  for (let i = 0; i < 16; i++) {
    const before = performance.now();
    const hr = process.hrtime.bigint();
    const after = performance.now();
    if (after - before < bracket) {
      bracket = after - before;
      anchor = (before + after) / 2 - Number(hr - origin) / 1e6;
    }
  }
  const ticksPerMs = timebase / 1000;
  return { hostTicks: () => Math.floor((performance.now() - anchor) * ticksPerMs) };
}
