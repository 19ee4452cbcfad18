/**
 * `hvwb zone start <config.json> | shutdown -id <id> | list`: hvisor-tool's zone commands, with its
 * syntax and its output, sent to a running workbench or headless run through its control socket.
 */
import path from 'node:path';
import { controlRequest, liveControlSockets } from '../host/control-socket';
import { formatZoneList, ioctlFailure } from '../shared/model/zone-list';
import type { ZoneCommandResult } from '../shared/protocol/zones';
import type { CommandResult } from '../shared/protocol/index';
import type { FolderChangeEntry } from '../shared/protocol/disks';
import { CliError, type Output } from './output';

export const ZONE_USAGE = `usage (as hvisor-tool):
  hvwb zone start <config.json>     start a zone from an hvisor zone JSON
  hvwb zone shutdown -id <zone_id>  shut a zone down
  hvwb zone list                    list the zones (exit status 1 when any zone is listed, as hvisor-tool)
The command talks to the running workbench given by $HVWB_CONTROL, or the only one running.
`;

/** A refused command is the user's to fix (a bad file, a busy zone): one message, no stack trace. */
export async function request(socket: string, command: string, params: unknown, timeoutMs?: number): Promise<unknown> {
  try {
    return await controlRequest(socket, command, params, timeoutMs);
  } catch (error) {
    throw new CliError((error as Error).message);
  }
}

export async function findWorkbench(): Promise<string> {
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
  const result = (await request(socket, 'virtio.start', { config: path.resolve(args[1]!) })) as { messages: string[] };
  for (const line of result.messages) out.stdout(`${line}\n`);
  return 0;
}

export async function runZone(args: readonly string[], out: Output): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'start' && rest.length === 1) {
    const socket = await findWorkbench();
    const result = (await request(socket, 'zone.start', { config: path.resolve(rest[0]!) })) as ZoneCommandResult;
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
    const result = (await request(socket, 'zone.shutdown', { id })) as ZoneCommandResult;
    if (result.code === 0) return 0;
    out.stderr(`${ioctlFailure('zone_shutdown', result.code)}\n`);
    return 1;
  }
  if (sub === 'list' && rest.length === 0) return listZones(await findWorkbench(), out);
  out.stderr(ZONE_USAGE);
  return 1;
}

/**
 * hvisor-tool's `zone_list` returns what the ioctl returned, the number of zones, and `main` exits
 * with `err ? 1 : 0` (tools/hvisor.c:1073-1099 and 1138): the status is 1 whenever a zone is listed
 * (always, since the root zone is), 0 only for an empty list. On a failed ioctl it prints perror's
 * line, then the header anyway, and exits 1. Scripts should read the table, not the status.
 */
async function listZones(socket: string, out: Output): Promise<number> {
  let result: { zones: unknown[]; table: string };
  try {
    result = (await controlRequest(socket, 'zone.list', {})) as { zones: unknown[]; table: string };
  } catch (error) {
    out.stderr(`zone_list: ioctl failed: ${(error as Error).message}\n`);
    out.stdout(formatZoneList([]));
    return 1;
  }
  out.stdout(result.table);
  return result.zones.length > 0 ? 1 : 0;
}

/**
 * `hvwb disk list | changes <zone> <addr> | sync <zone> <addr> [--yes]`: host-folder disks. A sync
 * always shows the change list first and writes only after the user confirms it.
 */
export async function runDisk(args: readonly string[], out: Output, confirm: (question: string) => Promise<boolean>): Promise<number> {
  const [sub, ...rest] = args;
  const socket = await findWorkbench();
  if (sub === 'list' && rest.length === 0) {
    const { disks } = (await request(socket, 'disk.list', {})) as CommandResult<'disk.list'>;
    if (disks.length === 0) out.stdout('no host-folder disks attached\n');
    for (const d of disks) out.stdout(`zone ${d.zone} 0x${d.addr.toString(16)} ${d.readOnly ? 'ro' : 'rw'} ${d.files} files  ${d.folder}\n`);
    return 0;
  }
  const yes = rest.includes('--yes');
  const positional = rest.filter((a) => a !== '--yes');
  if ((sub === 'changes' || sub === 'sync') && positional.length === 2) {
    const zone = Number(positional[0]);
    const addr = Number(positional[1]);
    if (!Number.isInteger(zone) || !Number.isInteger(addr)) throw new CliError(`disk ${sub} takes a zone id and a device address, e.g. 1 0x10002000`);
    const listed = (await request(socket, 'disk.changes', { zone, addr })) as CommandResult<'disk.changes'>;
    for (const change of listed.changes) out.stdout(`${CHANGE_MARK[change.kind]} ${change.path}${change.size !== undefined ? ` (${change.size} bytes)` : ''}\n`);
    for (const note of listed.refused) out.stdout(`! ${note} (never written)\n`);
    if (listed.changes.length === 0) out.stdout('no changes\n');
    if (sub === 'changes' || listed.changes.length === 0) return 0;
    if (!yes && !(await confirm(`write these ${listed.changes.length} change(s) to the host folder? [y/N] `))) {
      out.stdout('nothing written\n');
      return 1;
    }
    const result = (await request(socket, 'disk.sync', { zone, addr })) as CommandResult<'disk.sync'>;
    out.stdout(`${result.applied.length} change(s) written\n`);
    for (const problem of result.problems) out.stderr(`${problem}\n`);
    return result.problems.length > 0 ? 1 : 0;
  }
  out.stderr('usage: hvwb disk list | hvwb disk changes <zone> <addr> | hvwb disk sync <zone> <addr> [--yes]\n');
  return 1;
}

const CHANGE_MARK: Record<FolderChangeEntry['kind'], string> = {
  'directory-created': '+ dir ',
  'file-created': '+     ',
  'file-changed': '~     ',
  'file-deleted': '-     ',
  'directory-deleted': '- dir ',
};
