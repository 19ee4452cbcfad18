/**
 * Runs a layout in deterministic mode (decision 0025) until it pauses by itself (pauseAtRound or a
 * replay's end, or a pause the typing function asks for), and returns what two runs are compared on:
 * every console's bytes, the instructions each CPU retired, the register views of every zone's CPUs
 * (without publication counters) and the round it stopped at.
 */
import { loadLayout } from '../../src/host/layout-loader';
import { MachineHost } from '../../src/host/machine-host';
import { InspectService } from '../../src/host/inspect-service';
import { expect } from 'vitest';
import type { DeterministicOptions } from '../../src/host/deterministic-host';
import { DEFAULT_DETERMINISTIC } from '../../src/core/vcpu/deterministic-turns';

/** The round at which `seconds` of guest time have passed with the default parameters (quantum / rate a round). */
export function roundsFor(seconds: number): number {
  return Math.round((seconds * DEFAULT_DETERMINISTIC.rate) / DEFAULT_DETERMINISTIC.quantum);
}

export interface Finished {
  readonly consoles: Record<string, string>;
  readonly retired: number[];
  readonly registers: unknown[];
  readonly round: number;
  readonly logs: string[];
  /** Host milliseconds from start() to the pause. */
  readonly hostMs: number;
}

/** The machine a test is running, for its afterEach to stop when the test failed half way. */
export const current: { host: MachineHost | undefined } = { host: undefined };

export async function stopCurrent(): Promise<void> {
  await current.host?.stop();
  current.host = undefined;
}

export async function runUntilPaused(layout: string, options: DeterministicOptions, typing?: (host: MachineHost, consoles: Record<string, string>) => Promise<void>): Promise<Finished> {
  const host = await MachineHost.create(await loadLayout(layout), { deterministic: options });
  current.host = host;
  const consoles: Record<string, string> = {};
  const logs: string[] = [];
  let paused: () => void = () => undefined;
  const pausedNow = new Promise<void>((resolve) => (paused = resolve));
  host.on({
    output: (_zone, name, bytes) => {
      consoles[name] = (consoles[name] ?? '') + Buffer.from(bytes).toString('latin1');
    },
    log: (line) => logs.push(line),
    state: (state) => {
      if (state === 'paused') paused();
    },
  });
  const started = Date.now();
  await host.start();
  if (typing) await typing(host, consoles);
  await pausedNow;
  const hostMs = Date.now() - started;
  // The CPUs publish their registers in the paused round that follows; the management turn then holds.
  const deadline = Date.now() + 60_000;
  while (!host.deterministic!.settled) {
    if (Date.now() > deadline) throw new Error('the machine did not settle in its pause within 60 s');
    await new Promise((r) => setTimeout(r, 20));
  }
  const inspect = new InspectService(host, () => undefined);
  const registers: unknown[] = [];
  for (const zone of host.listZones()) registers.push(withoutSeq(await inspect.invoke('inspect.cpus', { zone: zone.zoneId } as never)));
  inspect.dispose();
  const retired = host.hartSnapshots(host.view.headers.map((_, i) => i)).map((h) => h.retired);
  const round = host.deterministic!.state.round;
  await host.stop();
  current.host = undefined;
  return { consoles, retired, registers, round, logs, hostMs };
}

/** The register views without the publication counters (how often a CPU published, not its state). */
function withoutSeq(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSeq);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).filter(([k]) => k !== 'snapshot' && k !== 'seq').map(([k, v]) => [k, withoutSeq(v)]));
}

export const waitFor = async (consoles: Record<string, string>, zone: string, text: string, ms: number): Promise<void> => {
  const end = Date.now() + ms;
  while (!(consoles[zone] ?? '').includes(text)) {
    if (Date.now() > end) throw new Error(`timeout waiting for ${zone}: ${text}\n${consoles[zone] ?? ''}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

/** Two runs that must be the same run: the same round, instructions per CPU, consoles and registers. */
export function expectSameRun(first: Finished, second: Finished): void {
  expect(second.round).toBe(first.round);
  expect(second.retired).toEqual(first.retired);
  expect(second.consoles).toEqual(first.consoles);
  expect(second.registers).toEqual(first.registers);
}
