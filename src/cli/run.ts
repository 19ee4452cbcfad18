/**
 * `hvwb run <layout>`: the headless runner. Streams every zone's console prefixed with the zone name
 * and decides success from expected texts, the guest's own exit status, a fault or a timeout.
 */
import { TextDecoder } from 'node:util';
import { loadLayout } from '../host/layout-loader';
import { MachineHost } from '../host/machine-host';
import { CliError, type Output } from './output';
import { startControlServer } from '../host/control-socket';
import { isZoneCommand, zoneCommand } from '../host/zone-commands';
import { findZone, startGdbServer, symbolFile, zoneImage, type GdbServer } from '../host/gdb/server';
import { zoneSymbols } from '../host/symbols';
import { cpuModel } from '../core/cpu-models';
import type { DeterministicOptions } from '../host/deterministic-host';
import { deterministicBanner } from './deterministic';
import path from 'node:path';
import { saveSnapshotCommand } from '../host/snapshot/snapshot-service';
import type { ParsedArgs } from './args';

/** Console kept per zone for --expect matching (at least 4x the longest expected text). */
const MIN_TAIL_CHARS = 64 * 1024;
/** A console line longer than this is printed in pieces. */
const MAX_LINE_CHARS = 64 * 1024;

export interface RunOptions {
  readonly layout: string;
  readonly expect: readonly { zone: string; text: string }[];
  readonly timeoutSeconds: number;
  readonly quiet: boolean;
  /** GDB stubs to start: a zone (name or id) and a port on 127.0.0.1 (0: any free port). */
  readonly gdb?: readonly { zone: string; port: number }[];
  /** Deterministic mode (--deterministic, --record FILE, --replay FILE). */
  readonly deterministic?: DeterministicOptions;
  /** Continue this snapshot of the layout instead of booting it. */
  readonly restore?: string;
  /** Save a snapshot to `file` once `zone` printed `text`. */
  readonly snapshotOn?: { readonly zone: string; readonly text: string; readonly file: string };
}

export interface RunResult {
  readonly code: number;
  readonly retired: number;
  readonly seconds: number;
}

export async function runLayout(options: RunOptions, out: Output): Promise<RunResult> {
  const loaded = await loadLayout(options.layout);
  // The layout's expected lines are its boot's: a restored machine has booted already.
  const expectations = options.expect.length > 0 || options.restore
    ? options.expect
    : Object.entries(loaded.layout.expect ?? {}).flatMap(([zone, lines]) => lines.map((text) => ({ zone, text })));
  const restored = options.restore ? await MachineHost.fromSnapshot(loaded, path.resolve(options.restore)) : undefined;
  const host = restored?.host ?? (await MachineHost.create(loaded, { startSoon: true, ...(options.deterministic ? { deterministic: options.deterministic } : {}) }));
  if (restored && !options.quiet) out.stderr(`hvwb: continuing ${options.restore} (read and checked in ${Math.round(restored.readMs)} ms)\n`);
  const banner = deterministicBanner(host.deterministicStatus, options.deterministic);
  if (banner && !options.quiet) out.stderr(banner);
  const stubs: GdbServer[] = [];
  try {
    for (const { zone, port } of options.gdb ?? []) {
      const { id } = findZone(host, zone);
      const stub = await startGdbServer(host, id, port, symbolFile(zoneImage(host, id)), process.cwd());
      stubs.push(stub);
      out.stdout(`hvwb: gdb stub for ${stub.zoneName} (zone ${stub.zone}) on 127.0.0.1:${stub.port}: ${stub.commandLine}\n`);
    }
  } catch (error) {
    await Promise.all(stubs.map((s) => s.close()));
    await host.stop();
    throw new CliError(`--gdb: ${(error as Error).message}`);
  }
  const control = await startControlServer(async (command, params) => {
    if (command === 'snapshot.save') return saveSnapshotCommand(host, loaded.folder, (params as { file?: string }).file);
    if (!isZoneCommand(command)) throw new Error(`the headless runner answers zone and snapshot.save commands only, not ${command}`);
    return zoneCommand(host, loaded.folder, command, params);
  });
  process.env.HVWB_CONTROL = control.path;
  if (!options.quiet) out.stderr(`hvwb: zone commands reach this run with HVWB_CONTROL=${control.path}\n`);
  // Only a bounded tail of each zone's console is kept: a guest printing forever must not grow the
  // host's memory, nor make each match scan everything printed so far.
  const tailChars = Math.max(MIN_TAIL_CHARS, 4 * Math.max(0, ...expectations.map((e) => e.text.length)));
  const tails = new Map<string, string>();
  const lineBuffers = new Map<string, string>();
  const textDecoders = new Map<string, TextDecoder>();
  const decoders = (zone: string): TextDecoder => {
    let decoder = textDecoders.get(zone);
    if (!decoder) textDecoders.set(zone, (decoder = new TextDecoder()));
    return decoder;
  };
  const pending = [...expectations];
  const started = performance.now();

  let snapshotTaken = false;
  // A save in progress is finished before the run ends (an expected text may come right after the trigger).
  let snapshotWork: Promise<unknown> = Promise.resolve();
  let snapTail = '';
  return await new Promise<RunResult>((resolve) => {
    let finished = false;
    const finish = (code: number, message?: string): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      void snapshotWork.then(() => Promise.all([...stubs.map((s) => s.close()), host.stop(), control.close()])).then(() => {
        for (const [zone, rest] of lineBuffers) if (rest && !options.quiet) out.stdout(`[${zone}] ${rest}\n`);
        if (message) (code === 0 ? out.stdout : out.stderr)(message + '\n');
        resolve({ code, retired: host.retired(), seconds: (performance.now() - started) / 1000 });
      });
    };
    const timer = setTimeout(() => {
      const missing = pending.map((p) => `${p.zone}: "${p.text}"`).join(', ');
      finish(1, `hvwb: timeout after ${options.timeoutSeconds} s${missing ? ` waiting for ${missing}` : ''}`);
    }, options.timeoutSeconds * 1000);

    host.on({
      output(zoneId, zone, bytes) {
        const text = decoders(zone).decode(bytes, { stream: true });
        if (!options.quiet) {
          const buffered = (lineBuffers.get(zone) ?? '') + text;
          const lines = buffered.split('\n');
          let rest = lines.pop() ?? '';
          // A line that never ends is printed in pieces rather than held.
          if (rest.length >= MAX_LINE_CHARS) {
            lines.push(rest);
            rest = '';
          }
          lineBuffers.set(zone, rest);
          for (const line of lines) out.stdout(`[${zone}] ${line.replace(/\r$/, '')}\n`);
        }
        const snap = options.snapshotOn;
        if (snap && !snapshotTaken && zoneMatches(snap.zone, zoneId, zone)) {
          snapTail = (snapTail + text).slice(-Math.max(4096, 4 * snap.text.length));
          if (stripAnsi(snapTail).includes(snap.text)) {
            snapshotTaken = true;
            snapshotWork = saveSnapshotCommand(host, loaded.folder, path.resolve(snap.file))
              .then(async (saved) => out.stdout(`hvwb: ${(await import('./snapshot')).describeSaved(saved)}\n`))
              .catch((error: Error) => {
                out.stderr(`hvwb: ${error.message}\n`);
                finish(2);
              });
          }
        }
        if (pending.length === 0) return;
        const recent = (tails.get(zone) ?? '') + text;
        tails.set(zone, recent.slice(-tailChars));
        const shown = stripAnsi(recent);
        for (let i = pending.length - 1; i >= 0; i--) {
          const p = pending[i]!;
          if (zoneMatches(p.zone, zoneId, zone) && shown.includes(p.text)) pending.splice(i, 1);
        }
        if (expectations.length > 0 && pending.length === 0) finish(0, `hvwb: all ${expectations.length} expected text(s) seen`);
      },
      fault(fault) {
        // A zone that stops on a guest error ends the run at once, quiet or not: waiting for other
        // zones' expected text would only turn the fault into a timeout that hides it.
        // The pc it names comes with its function when the zone has symbols (host/symbols.ts).
        const message = zoneSymbols(host).annotate(Math.max(fault.zone, 0), fault.message);
        finish(2, `hvwb: ${fault.zoneName}${fault.hart >= 0 ? ` ${cpuModel(loaded.board.arch).cpuNoun} ${fault.hart}` : ''}: ${message}`);
      },
      log(line) {
        if (!options.quiet) out.stderr(`${line}\n`);
      },
      exit(kind, code) {
        if (expectations.length > 0 && pending.length > 0) {
          finish(1, `hvwb: the guest ended (${kind}, code ${code}) before printing ${pending.map((p) => `${p.zone}: "${p.text}"`).join(', ')}`);
        } else if (kind === 'poweroff') finish(0, `hvwb: guest powered off (exit code 0)`);
        else if (kind === 'fail') finish(1, `hvwb: guest exited with failure code ${code}`);
        else if (kind === 'reset') finish(0, `hvwb: guest requested a reset`);
        else finish(2, `hvwb: machine stopped on a fault`);
      },
    });
    host.start(restored?.restore).catch((error: Error) => finish(2, `hvwb: ${error.message}`));
  });
}

/** An expectation's zone may be the zone's name, its id, or `root` for zone 0. */
function zoneMatches(wanted: string, zoneId: number, zoneName: string): boolean {
  return wanted === zoneName || wanted === String(zoneId) || (wanted === 'root' && zoneId === 0);
}

/** --gdb ZONE=PORT (zone by name or id; port 0 picks a free one). */
export function parseGdb(value: string): { zone: string; port: number } {
  const eq = value.lastIndexOf('=');
  const port = Number(value.slice(eq + 1));
  if (eq <= 0 || !/^\d+$/.test(value.slice(eq + 1)) || port > 65535) throw new CliError(`--gdb takes ZONE=PORT (e.g. zoneR=1234), got "${value}"`);
  return { zone: value.slice(0, eq), port };
}

export function parseExpect(value: string): { zone: string; text: string } {
  const colon = value.indexOf(':');
  if (colon <= 0) throw new CliError(`--expect takes ZONE:TEXT (e.g. root:Hello), got "${value}"`);
  return { zone: value.slice(0, colon), text: value.slice(colon + 1) };
}

function stripAnsi(text: string): string {
  return text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
}

/** --restore FILE; --snapshot FILE with --snapshot-on ZONE:TEXT (both or neither). */
export function snapshotFlags(args: ParsedArgs): Pick<RunOptions, 'restore' | 'snapshotOn'> {
  const restore = args.flags.get('restore')?.at(-1);
  const file = args.flags.get('snapshot')?.at(-1);
  const on = args.flags.get('snapshot-on')?.at(-1);
  if ((file === undefined) !== (on === undefined)) throw new CliError('--snapshot FILE and --snapshot-on ZONE:TEXT go together');
  return {
    ...(restore ? { restore } : {}),
    ...(file && on ? { snapshotOn: { ...parseExpect(on), file } } : {}),
  };
}
