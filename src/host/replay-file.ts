/**
 * The record/replay file of deterministic mode (decision 0025): JSON lines, a header with the format
 * version, the layout's identity (a SHA-256 of every file the run reads: layout.json, zone files, images,
 * virtio file, the virtio and PCIe disks' images or folders) and the scheduler's parameters, then one line per external input stamped with the round
 * and the instructions retired when it was applied, then an end line. Like QEMU's -icount rr=record
 * file, it holds only what came from outside the machine; the machine itself is recomputed.
 *
 * An input that went to a zone's virtio console names the device (`"device": "virtio-console@0xa003800"`);
 * a replay checks that the layout's virtio_cfg.json has that console and that the input reaches it again.
 * Virtio completions (disk, frames between zones) are not inputs: in deterministic mode they happen at the
 * kick, a function of the machine and the disk image (hashed in the identity), and are recomputed.
 *
 * Left out: compression (console input is a few bytes per line) and inputs other than console bytes
 * pause/resume and zone commands from outside (no frames come from outside the machine, its virtual
 * switch connects only zones).
 */
import { createHash } from 'node:crypto';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { DeterministicParams } from '../core/vcpu/deterministic-turns';
import { HostFileError, type LoadedLayout } from './layout-loader';
import type { VirtioConfigFile } from '../shared/model/virtio-config';

export const REPLAY_FORMAT = 'hvwb-replay';
export const REPLAY_VERSION = 1;

export interface LayoutIdentity {
  readonly name: string;
  /** SHA-256 over the per-file hashes, in name order. */
  readonly sha256: string;
  /** SHA-256 of each file the run reads, by path relative to the layout's folder. */
  readonly files: Readonly<Record<string, string>>;
}

export interface ReplayHeader {
  readonly format: typeof REPLAY_FORMAT;
  readonly version: number;
  readonly layout: LayoutIdentity;
  readonly board: string;
  readonly params: DeterministicParams;
  /** 'tier' or 'interp': the translation tier changes where turns end, so it is part of the run. */
  readonly cpu: string;
}

export type ReplayEvent =
  | { readonly kind: 'input'; readonly round: number; readonly retired: number; readonly zone: number; readonly hex: string; readonly device?: string }
  | { readonly kind: 'pause' | 'resume'; readonly round: number; readonly retired: number }
  /** `hvwb zone start <file>` / `zone shutdown -id` from outside (the control socket, the workbench's buttons). */
  | { readonly kind: 'zone-start'; readonly round: number; readonly retired: number; readonly file: string }
  | { readonly kind: 'zone-shutdown'; readonly round: number; readonly retired: number; readonly zone: number }
  | { readonly kind: 'end'; readonly round: number; readonly retired: number };

export interface ReplayFile {
  readonly file: string;
  readonly header: ReplayHeader;
  readonly events: readonly ReplayEvent[];
}

async function hashFile(file: string): Promise<string> {
  if ((await stat(file)).isDirectory()) return hashFolder(file);
  return createHash('sha256').update(await readFile(file)).digest('hex');
}

/**
 * A host folder served as a disk (its FAT32 image is built at start): every entry's path, kind,
 * modification time (the image carries it) and contents, in name order.
 */
async function hashFolder(folder: string): Promise<string> {
  const hash = createHash('sha256');
  const walk = async (dir: string): Promise<void> => {
    for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const full = path.join(dir, entry.name);
      const info = await stat(full);
      hash.update(`${path.relative(folder, full)}\0${entry.isDirectory() ? 'dir' : 'file'}\0${Math.floor(info.mtimeMs)}\n`);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) hash.update(await readFile(full));
    }
  };
  await walk(folder);
  return hash.digest('hex');
}

/** The disk images (and folders) the layout's virtio_cfg.json and `pci` functions serve. */
async function diskImages(loaded: LoadedLayout): Promise<string[]> {
  const images = (loaded.layout.pci ?? []).filter((d) => d.img).map((d) => path.resolve(loaded.folder, d.img!));
  if (!loaded.virtioFile) return images;
  try {
    const doc = JSON.parse(await readFile(loaded.virtioFile, 'utf8')) as { zones?: { devices?: { type?: unknown; img?: unknown; status?: unknown }[] }[] };
    for (const zone of doc.zones ?? []) {
      for (const device of zone.devices ?? []) {
        if (device.type === 'blk' && device.status !== 'disable' && typeof device.img === 'string') images.push(path.resolve(path.dirname(loaded.virtioFile), device.img));
      }
    }
  } catch {
    // A malformed virtio file is reported when the machine reads it; its own hash is in the identity.
  }
  return images;
}

/** The files a zone's JSON names (kernel, device tree, initrd), resolved from its folder. */
function zoneImages(zoneFile: string, text: string): string[] {
  try {
    const doc = JSON.parse(text) as Record<string, unknown>;
    return ['kernel_filepath', 'dtb_filepath', 'ramdisk_filepath']
      .map((key) => doc[key])
      .filter((v): v is string => typeof v === 'string' && v !== '' && v !== 'null')
      .map((v) => path.resolve(path.dirname(zoneFile), v));
  } catch {
    return [];
  }
}

/** The identity of a loaded layout: what a replay file must have been recorded on. */
export async function layoutIdentity(loaded: LoadedLayout): Promise<LayoutIdentity> {
  const files = new Set<string>([loaded.file, loaded.images.kernel]);
  if (loaded.images.dtb) files.add(loaded.images.dtb);
  if (loaded.images.initrd) files.add(loaded.images.initrd);
  if (loaded.virtioFile) files.add(loaded.virtioFile);
  // The disks: deterministic mode keeps the run's writes in memory, so each run starts from these bytes.
  for (const image of await diskImages(loaded)) files.add(image);
  for (const zone of loaded.zoneFiles) {
    files.add(zone.path);
    const text = await readFile(zone.path, 'utf8').catch(() => '');
    for (const image of zoneImages(zone.path, text)) files.add(image);
  }
  const hashes: Record<string, string> = {};
  for (const file of [...files].sort()) {
    const name = path.relative(loaded.folder, file) || path.basename(file);
    hashes[name] = await hashFile(file).catch(() => 'missing');
  }
  const all = createHash('sha256');
  for (const name of Object.keys(hashes).sort()) all.update(`${name}\0${hashes[name]}\n`);
  return { name: loaded.layout.name, sha256: all.digest('hex'), files: hashes };
}

/** Starts a recording: writes the header line (replacing the file). */
export function startRecording(file: string, header: ReplayHeader): void {
  try {
    writeFileSync(file, `${JSON.stringify(header)}\n`);
  } catch (error) {
    throw new HostFileError(`${file}: cannot write the recording: ${(error as Error).message}`);
  }
}

export function appendEvent(file: string, event: ReplayEvent): void {
  appendFileSync(file, `${JSON.stringify(event)}\n`);
}

const short = (hash: string): string => hash.slice(0, 12);

/**
 * Reads a replay file and checks it against the layout about to run; any problem is one HostFileError
 * naming the file and what differs, thrown before a machine exists.
 */
export function readReplayFile(file: string, identity: LayoutIdentity, board: string, cpu: string): ReplayFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new HostFileError(`${file}: cannot read the replay file: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const parse = (line: string, n: number): Record<string, unknown> => {
    try {
      const value = JSON.parse(line) as unknown;
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
      return value as Record<string, unknown>;
    } catch (error) {
      throw new HostFileError(`${file}:${n}: not a replay file line (${(error as Error).message})`);
    }
  };
  if (lines.length === 0) throw new HostFileError(`${file}: empty, not a replay file`);
  const header = parse(lines[0]!, 1);
  if (header.format !== REPLAY_FORMAT) throw new HostFileError(`${file}: not a replay file (format is ${JSON.stringify(header.format)}, expected "${REPLAY_FORMAT}")`);
  if (header.version !== REPLAY_VERSION) throw new HostFileError(`${file}: replay format version ${String(header.version)}, this workbench reads version ${REPLAY_VERSION}`);
  const layout = header.layout as LayoutIdentity | undefined;
  const params = header.params as DeterministicParams | undefined;
  if (!layout || typeof layout.sha256 !== 'string' || typeof layout.files !== 'object' || !params || typeof params.quantum !== 'number' || typeof params.rate !== 'number' || typeof params.mainEvery !== 'number') {
    throw new HostFileError(`${file}:1: the header lacks the layout identity or the scheduler parameters`);
  }
  if (header.board !== board) throw new HostFileError(`${file}: recorded on board '${String(header.board)}', this layout runs board '${board}'`);
  if (layout.sha256 !== identity.sha256) {
    const names = new Set([...Object.keys(layout.files), ...Object.keys(identity.files)]);
    const differences = [...names].sort().flatMap((name) => {
      const theirs = layout.files[name];
      const ours = identity.files[name];
      if (theirs === ours) return [];
      if (theirs === undefined) return [`${name} is not in the recording`];
      if (ours === undefined) return [`${name} was recorded but this layout does not read it`];
      return [`${name} differs (recorded ${short(theirs)}, now ${short(ours)})`];
    });
    throw new HostFileError(
      `${file}: recorded for layout '${layout.name}' (sha256 ${short(layout.sha256)}), not this layout '${identity.name}' (sha256 ${short(identity.sha256)}): ${differences.join('; ') || 'the file lists differ'}`,
    );
  }
  if (header.cpu !== cpu) throw new HostFileError(`${file}: recorded with the CPU ${String(header.cpu)} (HVWB_TIER), this run uses ${cpu}: instruction counts would differ`);
  const events: ReplayEvent[] = [];
  lines.slice(1).forEach((line, i) => {
    const event = parse(line, i + 2);
    const kind = event.kind;
    if ((kind !== 'input' && kind !== 'pause' && kind !== 'resume' && kind !== 'end' && kind !== 'zone-start' && kind !== 'zone-shutdown') || typeof event.round !== 'number' || typeof event.retired !== 'number') {
      throw new HostFileError(`${file}:${i + 2}: not a replay event (needs kind input/pause/resume/end/zone-start/zone-shutdown, round and retired)`);
    }
    if (kind === 'zone-start' && typeof event.file !== 'string') throw new HostFileError(`${file}:${i + 2}: a zone-start event needs the zone file`);
    if (kind === 'zone-shutdown' && (typeof event.zone !== 'number' || !Number.isInteger(event.zone))) throw new HostFileError(`${file}:${i + 2}: a zone-shutdown event needs a zone id`);
    if (kind === 'input' && (typeof event.zone !== 'number' || typeof event.hex !== 'string' || !/^([0-9a-f]{2})*$/.test(event.hex))) {
      throw new HostFileError(`${file}:${i + 2}: an input event needs a zone number and hex bytes`);
    }
    if (kind === 'input' && event.device !== undefined && (typeof event.device !== 'string' || !/^virtio-console@0x[0-9a-f]+$/.test(event.device))) {
      throw new HostFileError(`${file}:${i + 2}: an input event's device must be a virtio console such as "virtio-console@0xa003800", not ${JSON.stringify(event.device)}`);
    }
    const last = events[events.length - 1];
    if (last && event.round < last.round) throw new HostFileError(`${file}:${i + 2}: round ${event.round} comes after round ${last.round}`);
    events.push(event as unknown as ReplayEvent);
  });
  return { file, header: header as unknown as ReplayHeader, events };
}

/** The name the virtio daemon gives a console device (VirtioDaemon.addModel). */
export function virtioConsoleName(addr: number): string {
  return `virtio-console@0x${addr.toString(16)}`;
}

/**
 * A replay's console inputs that went to a virtio console must find that console, enabled, in the zone
 * the layout's virtio_cfg.json gives it (`config` undefined: the layout has no virtio file). Refused with
 * the replay file's line, the zone and the device otherwise.
 */
export function checkReplayDevices(replay: ReplayFile, config: VirtioConfigFile | undefined, virtioFile: string | undefined): void {
  replay.events.forEach((event, i) => {
    if (event.kind !== 'input' || event.device === undefined) return;
    const consoles = (config?.zones ?? [])
      .filter((z) => z.zoneId === event.zone)
      .flatMap((z) => z.devices.filter((d) => d.enabled && d.type === 'console').map((d) => virtioConsoleName(d.addr)));
    if (consoles.includes(event.device)) return;
    const has = consoles.length > 0 ? `zone ${event.zone} has ${consoles.join(', ')}` : `zone ${event.zone} has no virtio console`;
    throw new HostFileError(
      `${replay.file}:${i + 2}: the recording typed into zone ${event.zone}'s ${event.device}, but ${virtioFile ? `${virtioFile} gives no such device (${has})` : 'this layout has no virtio devices'}`,
    );
  });
}
