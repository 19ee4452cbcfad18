/**
 * Instruction rate of a running machine in two modes, measured in alternating windows (off, on, on,
 * off, ...) so that host noise falls on both; used by the trace benchmarks.
 */
import type { MachineHost } from '../../src/host/machine-host';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface Alternation {
  /** Switches the mode under test. */
  set(on: boolean): Promise<void> | void;
  /** After each "on" window: how many events it made (the benchmark drains them). */
  events?(): number;
}

export async function alternate(host: MachineHost, mode: Alternation, windowSeconds: number, rounds: number): Promise<{ off: number; on: number; eventsPerSecond: number }> {
  const rates = { off: [] as number[], on: [] as number[] };
  let events = 0;
  for (let round = 0; round < rounds; round++) {
    for (const on of round % 2 === 0 ? [false, true] : [true, false]) {
      await mode.set(on);
      const before = host.retired();
      const start = performance.now();
      await sleep(windowSeconds * 1000);
      const rate = ((host.retired() - before) * 1000) / (performance.now() - start);
      (on ? rates.on : rates.off).push(rate);
      if (on) events += mode.events?.() ?? 0;
      console.log(`round ${round + 1} ${on ? 'on ' : 'off'} ${(rate / 1e6).toFixed(2)} MIPS`);
    }
  }
  await mode.set(false);
  const mean = (list: number[]) => list.reduce((a, b) => a + b, 0) / list.length;
  return { off: mean(rates.off), on: mean(rates.on), eventsPerSecond: events / (rates.on.length * windowSeconds) };
}

export function report(what: string, result: { off: number; on: number; eventsPerSecond: number }, windowSeconds: number, rounds: number): void {
  console.log(`${what} off: ${(result.off / 1e6).toFixed(2)} MIPS (mean of ${rounds} x ${windowSeconds} s)`);
  console.log(`${what} on:  ${(result.on / 1e6).toFixed(2)} MIPS (mean of ${rounds} x ${windowSeconds} s), ${Math.round(result.eventsPerSecond)} events/s`);
  console.log(`slowdown: ${(((result.off - result.on) / result.off) * 100).toFixed(1)} %`);
}
