/** A running layout for tests that interact with it: per-zone console text and waits on it. */
import { TextDecoder } from 'node:util';
import type { LoadedLayout } from '../../src/host/layout-loader';
import { MachineHost, type MachineFault } from '../../src/host/machine-host';

export interface LiveMachine {
  readonly host: MachineHost;
  readonly faults: MachineFault[];
  readonly exits: { kind: string; code: number }[];
  /** The hypervisor log lines so far. */
  readonly logs: string[];
  /** Everything a zone printed so far (by zone name). */
  output(zone: string): string;
  /** Resolves with the zone's output once it contains `text` after position `from`. */
  waitFor(zone: string, text: string | RegExp, timeoutMs: number, from?: number): Promise<string>;
  stop(): Promise<void>;
}

export async function startMachine(loaded: LoadedLayout): Promise<LiveMachine> {
  const host = await MachineHost.create(loaded);
  const outputs = new Map<string, string>();
  const decoders = new Map<string, TextDecoder>();
  const faults: MachineFault[] = [];
  const exits: { kind: string; code: number }[] = [];
  const logs: string[] = [];
  const waiters = new Set<() => void>();
  host.on({
    output(_id, name, bytes) {
      let decoder = decoders.get(name);
      if (!decoder) decoders.set(name, (decoder = new TextDecoder()));
      outputs.set(name, (outputs.get(name) ?? '') + decoder.decode(bytes, { stream: true }));
      for (const w of waiters) w();
    },
    fault(fault) {
      faults.push(fault);
      for (const w of waiters) w();
    },
    exit(kind, code) {
      exits.push({ kind, code });
    },
    log(line) {
      logs.push(line);
    },
  });
  await host.start();
  const output = (zone: string): string => outputs.get(zone) ?? '';
  return {
    host,
    faults,
    exits,
    logs,
    output,
    waitFor(zone, text, timeoutMs, from = 0) {
      const found = (): boolean => {
        const rest = output(zone).slice(from);
        return typeof text === 'string' ? rest.includes(text) : text.test(rest);
      };
      return new Promise((resolve, reject) => {
        if (found()) return resolve(output(zone));
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timeout waiting for ${zone}: ${String(text)}\n--- ${zone} printed:\n${output(zone).slice(-2000)}\n--- faults: ${faults.map((f) => f.message).join('; ')}\n--- log (last 40 lines):\n${logs.slice(-40).join('\n')}`));
        }, timeoutMs);
        const check = (): void => {
          if (!found()) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(output(zone));
        };
        waiters.add(check);
      });
    },
    stop: () => host.stop(),
  };
}

/**
 * Types a command into a zone's console (`zoneId` names its input) and returns what it printed up to
 * its exit status. The marker is only matched once expanded (`$?` becomes digits), so the echoed
 * command line cannot end the wait early.
 */
export async function shell(machine: LiveMachine, zone: string, zoneId: number, command: string, timeoutMs = 60_000): Promise<string> {
  const from = machine.output(zone).length;
  machine.host.input(Buffer.from(`${command}; echo DONE-$?\n`), zoneId);
  const text = await machine.waitFor(zone, /DONE-\d+/, timeoutMs, from);
  return text.slice(from);
}
