/**
 * `hvwb snapshot save [file]` against the running workbench or headless run (through its control
 * socket, as `hvwb zone` does), and `hvwb snapshot info <file>`: what a snapshot is of, without a machine.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { SnapshotSaved } from '../shared/protocol/snapshot';
import { parseSnapshotHeader } from '../host/snapshot/snapshot-file';
import { CliError, type Output } from './output';

export const SNAPSHOT_USAGE = `usage:
  hvwb snapshot save [file.hvsnap]   save the running machine (default: <layout>/snapshots/<name>-<time>.hvsnap)
  hvwb snapshot info <file.hvsnap>   show what a snapshot is of
  hvwb run <layout> --restore <file.hvsnap>   continue a saved machine
The save talks to the running workbench given by $HVWB_CONTROL, or the only one running.
`;

const mib = (n: number): string => `${(n / 1048576).toFixed(1)} MiB`;

/** One line a user reads after a save (the CLI and `hvwb run --snapshot`). */
export function describeSaved(saved: SnapshotSaved): string {
  return `snapshot saved to ${saved.file}: ${mib(saved.bytes)} (RAM ${mib(saved.ramBytes)}, ${mib(saved.ramUsedBytes)} in non-zero pages); ` +
    `the guest stood still ${Math.round(saved.pauseMs + saved.copyMs)} ms, compressing and writing took ${Math.round(saved.writeMs)} ms`;
}

export async function runSnapshot(args: readonly string[], out: Output): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'save' && rest.length <= 1) {
    const { findWorkbench, request } = await import('./zone');
    const socket = await findWorkbench();
    const saved = (await request(socket, 'snapshot.save', rest[0] ? { file: path.resolve(rest[0]) } : {}, 600_000)) as SnapshotSaved;
    out.stdout(`${describeSaved(saved)}\n`);
    return 0;
  }
  if (sub === 'info' && rest.length === 1) {
    const file = path.resolve(rest[0]!);
    const data = await readFile(file).catch((error: NodeJS.ErrnoException) => {
      throw new CliError(`${file}: cannot read the snapshot (${error.code ?? error.message})`);
    });
    const { header } = parseSnapshotHeader(file, data);
    out.stdout(
      `${file}: workbench ${header.workbench}, written ${header.createdAt}\n` +
        `layout ${header.layout.name} (${header.layout.folder}), board ${header.machine.board} (${header.machine.arch}), ${header.machine.harts} CPUs, RAM ${mib(header.machine.ramSize)}\n` +
        `machine time ${header.machineTicks} ticks at ${header.timebase} Hz, ${header.retired} instructions retired, ${header.wasRunning ? 'running' : 'paused'} when saved\n` +
        `layout files (sha256 ${header.layout.hash.slice(0, 16)}):\n` +
        header.layout.files.map((f) => `  ${f.role}: ${f.path} (${f.size} bytes, sha256 ${f.sha256.slice(0, 16)})\n`).join('') +
        `sections:\n` +
        header.sections.map((s) => `  ${s.name}: ${s.encoding}, ${s.stored} bytes stored, ${s.length} decoded\n`).join(''),
    );
    return 0;
  }
  out.stderr(SNAPSHOT_USAGE);
  return 1;
}
