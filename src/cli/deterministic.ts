/** `hvwb run --deterministic / --record FILE / --replay FILE` (decision 0025) as MachineHost options. */
import path from 'node:path';
import type { ParsedArgs } from './args';
import type { DeterministicOptions } from '../host/deterministic-host';
import { CliError } from './output';

export function deterministicFlags(args: ParsedArgs): { deterministic?: DeterministicOptions } {
  const record = args.flags.get('record')?.at(-1);
  const replay = args.flags.get('replay')?.at(-1);
  if (record && replay) throw new CliError('--record and --replay exclude each other: a replay reruns a recording');
  if (!record && !replay && !args.flags.has('deterministic')) return {};
  return { deterministic: { ...(record ? { record: path.resolve(record) } : {}), ...(replay ? { replay: path.resolve(replay) } : {}) } };
}

/** The line `hvwb run` prints when the run is deterministic. */
export function deterministicBanner(status: string | undefined, options: DeterministicOptions | undefined): string | undefined {
  if (!status) return undefined;
  if (status === 'recording') return `hvwb: deterministic mode, recording the run's input to ${options?.record}\n`;
  if (status === 'replaying') return `hvwb: deterministic mode, replaying ${options?.replay} (live input is ignored)\n`;
  return 'hvwb: deterministic mode: time follows retired instructions, the CPUs take turns\n';
}
