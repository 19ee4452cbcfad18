/**
 * `hvwb zone start <config.json> | shutdown -id <id> | list`: hvisor-tool's zone commands, with its
 * syntax and its output, sent to a running workbench or headless run through its control socket.
 */
import path from 'node:path';
import { controlRequest, liveControlSockets } from '../host/control-socket';
import { ioctlFailure } from '../shared/model/zone-list';
import type { ZoneCommandResult } from '../shared/protocol/zones';
import { CliError, type Output } from './output';

export const ZONE_USAGE = `usage (as hvisor-tool):
  hvwb zone start <config.json>     start a zone from an hvisor zone JSON
  hvwb zone shutdown -id <zone_id>  shut a zone down
  hvwb zone list                    list the zones
The command talks to the running workbench given by $HVWB_CONTROL, or the only one running.
`;

async function findWorkbench(): Promise<string> {
  const fromEnv = process.env.HVWB_CONTROL;
  if (fromEnv) return fromEnv;
  const live = await liveControlSockets();
  if (live.length === 1) return live[0]!;
  if (live.length === 0) throw new CliError('no running workbench or headless run found (start one with `hvwb ui` or `hvwb run`)');
  throw new CliError(`${live.length} workbenches are running; choose one with HVWB_CONTROL=<socket>:\n  ${live.join('\n  ')}`);
}

/** `hvwb virtio start <virtio_cfg.json>`: hvisor-tool's daemon start, against the running workbench. */
export async function runVirtio(args: readonly string[], out: Output): Promise<number> {
  if (args[0] !== 'start' || args.length !== 2) {
    out.stderr('usage (as hvisor-tool): hvwb virtio start <virtio_cfg.json>\n');
    return 1;
  }
  const socket = await findWorkbench();
  const result = (await controlRequest(socket, 'virtio.start', { config: path.resolve(args[1]!) })) as { messages: string[] };
  for (const line of result.messages) out.stdout(`${line}\n`);
  return 0;
}

export async function runZone(args: readonly string[], out: Output): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'start' && rest.length === 1) {
    const socket = await findWorkbench();
    const result = (await controlRequest(socket, 'zone.start', { config: path.resolve(rest[0]!) })) as ZoneCommandResult;
    if (result.code === 0) {
      out.stdout(`${result.message}\n`);
      return 0;
    }
    out.stderr(`${result.message}\n${ioctlFailure('zone_start', result.code)}\n`);
    return 1;
  }
  if (sub === 'shutdown' && rest.length === 2 && rest[0] === '-id') {
    const id = Number(rest[1]);
    if (!Number.isInteger(id) || id < 0) throw new CliError(`zone shutdown: "${rest[1]}" is not a zone id`);
    const socket = await findWorkbench();
    const result = (await controlRequest(socket, 'zone.shutdown', { id })) as ZoneCommandResult;
    if (result.code === 0) return 0;
    out.stderr(`${ioctlFailure('zone_shutdown', result.code)}\n`);
    return 1;
  }
  if (sub === 'list' && rest.length === 0) {
    const socket = await findWorkbench();
    const result = (await controlRequest(socket, 'zone.list', {})) as { table: string };
    out.stdout(result.table);
    return 0;
  }
  out.stderr(ZONE_USAGE);
  return 1;
}
