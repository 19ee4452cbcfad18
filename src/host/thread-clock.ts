/**
 * Board time from the host's monotonic clock, with one origin for every thread: the main thread
 * takes `process.hrtime` as the epoch and each worker anchors its cheap `performance.now()` to it.
 */
import type { ThreadClock } from '../core/machine/machine';

export function newEpoch(): string {
  return process.hrtime.bigint().toString();
}

export function threadClock(epoch: string, timebase: number): ThreadClock {
  const sinceEpochMs = Number(process.hrtime.bigint() - BigInt(epoch)) / 1e6;
  const anchor = performance.now() - sinceEpochMs;
  const ticksPerMs = timebase / 1000;
  return { hostTicks: () => Math.floor((performance.now() - anchor) * ticksPerMs) };
}
