/**
 * Saves a running machine to a snapshot file and builds a fresh machine from one (docs/decisions/0024).
 *
 * Save: every vCPU is paused at an instruction boundary (the debugger's pause), the management side's
 * virtio work is drained, each CPU hands over its private state on its own thread (CpuCore.saveState,
 * RunRequest.save), then, in one synchronous step, every shared region of the machine is copied: RAM
 * (zero pages left out), the CPUs' shared registers and headers, every device's state, the zone table
 * with each zone's virtual interrupt controller and console rings, IVC, the virtio bridge and the bus
 * windows. Compression and the write run after the copy; the machine then runs on as it did.
 *
 * Restore: the file is read and checked completely, a new machine of the layout is built (nothing
 * running is touched until then), its identity (files and images, board, plan) compared with the
 * snapshot's, and only then are the regions written, the clock set to the saved machine time (guest
 * timers continue, they do not jump) and the vCPU workers started from their saved states.
 * Disks: image files are in the layout identity (a restored machine writes them through a copy-on-write
 * overlay, whose pages a further snapshot keeps); a host-folder disk's whole image is a section.
 * Left out: the debugger's
 * held CPUs (a restored machine runs every CPU), the interrupt timeline's and hypervisor trace's
 * readers (their rings are restored, the views start reading anew).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import type { DeviceLock } from '../../core/bus/address-space';
import type { MachinePlan } from '../../core/machine/machine';
import { ControlWord, MachineExit } from '../../core/machine/machine';
import { CpuWord } from '../../core/cpu/cpu-core';
import { RunRequest } from '../../core/cpu/hart-header';
import type { LoadedLayout } from '../layout-loader';
import type { ZoneFile } from '../zone-loader';
import { residentPages } from './resident-pages';
import { identityDifference, layoutIdentity, withFiles, type LayoutIdentity } from './layout-identity';
import { applyPages, readSnapshot, SnapshotError, sparsePages, writeSnapshot, type ReadSnapshot, type SectionInput } from './snapshot-file';

/** What a save or a restore reaches inside the machine host (MachineHost.snapshotPort). */
export interface SnapshotPort {
  readonly loaded: LoadedLayout;
  readonly layoutZones: readonly ZoneFile[];
  readonly plan: MachinePlan;
  readonly buffer: ArrayBufferLike;
  readonly headers: readonly Int32Array[];
  readonly controlF64: Float64Array;
  readonly control: Int32Array;
  /** The machine's device lock: the copy holds it, so no thread is half-way through a device's state. */
  readonly lock: DeviceLock;
  readonly timebase: number;
  state(): string;
  /** Machine time (board ticks) now, and when the machine was paused. */
  now(): number;
  pausedAt(): number;
  pause(): void;
  resume(): void;
  zoneNames(): ReadonlyMap<number, string>;
  retired(): number;
  /** The management side's state (the virtio daemon's devices, once their requests completed), or undefined. */
  managementState(): Promise<unknown>;
  /** Disk bytes the snapshot keeps (folder disks' images, restored machines' overlays), read while the guest stands still. */
  diskSections(): Promise<{ name: string; bytes: Uint8Array; length: number }[]>;
  /** Disk image files the machine's devices use (their size and SHA-256 join the layout identity). */
  diskFiles(): { role: string; path: string }[];
  /** Asks every vCPU worker for its private state (the machine is paused); rejects naming a CPU that fails. */
  cpuStates(timeoutMs: number): Promise<Uint8Array[]>;
}

export interface SnapshotFigures {
  readonly file: string;
  /** Bytes of the file. */
  readonly bytes: number;
  /** Guest RAM bytes, and how many of them were in non-zero pages. */
  readonly ramBytes: number;
  readonly ramUsedBytes: number;
  /** Milliseconds: quiescing the CPUs, copying the state, compressing and writing (save) or reading, checking and decoding (restore). */
  readonly pauseMs: number;
  readonly copyMs: number;
  readonly writeMs: number;
  readonly totalMs: number;
}

/** The workbench version a snapshot records (package.json). */
export function workbenchVersion(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (dir !== path.dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'hvisor-workbench' && pkg.version) return pkg.version;
    } catch {
      // Not here: look further up.
    }
    dir = path.dirname(dir);
  }
  return 'unknown';
}

const isRam = (name: string): boolean => name === 'ram' || name.startsWith('ram.');
const STOPPED = new Set([0, 3, 4, 5]); // HartStatus stopped, paused, faulted, exited

/** Waits until no CPU executes guest code (paused, parked without a zone, faulted or exited). */
async function quiesce(port: SnapshotPort, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const busy = port.headers.findIndex((h) => !STOPPED.has(Atomics.load(h, CpuWord.status)) || Atomics.load(h, CpuWord.request) === RunRequest.run);
    if (busy < 0) return;
    if (performance.now() > deadline) throw new SnapshotError(`the machine did not pause for the snapshot: CPU ${busy} is still ${['stopped', 'running', 'waiting', 'paused', 'faulted', 'exited'][Atomics.load(port.headers[busy]!, CpuWord.status)] ?? 'busy'} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** Saves the machine to `file`; a running machine runs on afterwards, a paused one stays paused. */
export async function saveMachine(port: SnapshotPort, file: string): Promise<SnapshotFigures> {
  const state = port.state();
  if (state !== 'running' && state !== 'paused') throw new SnapshotError(`${file}: cannot save a snapshot of a machine that is ${state} (start it first)`);
  // The layout's own files are hashed before the pause; the disk images, which the guest writes, during it.
  const layoutFiles = await layoutIdentity(port.loaded, port.layoutZones);
  const started = performance.now();
  const wasRunning = state === 'running';
  if (wasRunning) port.pause();
  try {
    await quiesce(port, 10_000);
    const management = await port.managementState().catch((error: Error) => {
      throw new SnapshotError(`${file}: cannot save this machine yet: ${error.message}`);
    });
    // Disk images are hashed while the guest stands still: they cannot change under the hash.
    const identity = await withFiles(layoutFiles, port.diskFiles());
    const disks = await port.diskSections();
    const states = await port.cpuStates(10_000);
    const paused = performance.now();
    // One synchronous step from here to the end of the copy: nothing else on this thread changes the buffer
    // meanwhile. A paused CPU's thread still takes the device lock now and then (a physical interrupt
    // routed to its zone): the regions other than RAM are copied holding the lock, so that no device is
    // caught half-way through a change; RAM (which paused CPUs do not write) after it is released.
    const regions = port.plan.layout.regions;
    const copies: (SectionInput | undefined)[] = [];
    let ramBytes = 0;
    let ramUsed = 0;
    port.lock.acquire();
    try {
      regions.forEach((region, i) => {
        if (isRam(region.name)) return;
        const copy = new Uint8Array(port.buffer, region.offset, region.length).slice();
        // The lock word names this thread as the holder: the saved machine's lock is free.
        if (region.offset === port.control.byteOffset) new DataView(copy.buffer).setInt32(ControlWord.deviceLock * 4, 0, true);
        copies[i] = { name: `region:${region.name}`, encoding: 'deflate', bytes: copy };
      });
    } finally {
      port.lock.release();
    }
    regions.forEach((region, i) => {
      if (!isRam(region.name)) return;
      const bytes = new Uint8Array(port.buffer, region.offset, region.length);
      const sparse = sparsePages(bytes, residentPages(port.buffer, port.plan.layout.totalBytes, region.offset, region.length));
      ramBytes += region.length;
      ramUsed += new DataView(sparse.buffer).getUint32(4, true) * 4096;
      copies[i] = { name: `region:${region.name}`, encoding: 'pages', bytes: sparse, length: region.length };
    });
    const sections: SectionInput[] = copies.filter((c): c is SectionInput => c !== undefined);
    states.forEach((bytes, cpu) => sections.push({ name: `cpu:${cpu}`, encoding: 'raw', bytes }));
    if (management !== undefined) sections.push({ name: 'management', encoding: 'deflate', bytes: Buffer.from(JSON.stringify(management), 'utf8') });
    for (const disk of disks) sections.push({ name: disk.name, encoding: 'pages', bytes: disk.bytes, length: disk.length });
    const header = {
      workbench: workbenchVersion(),
      createdAt: new Date().toISOString(),
      layout: identity,
      machine: machineOf(port.plan),
      machineTicks: port.pausedAt(),
      timebase: port.timebase,
      wasRunning,
      zoneNames: [...port.zoneNames()],
      retired: port.retired(),
    };
    const copied = performance.now();
    if (wasRunning) port.resume();
    const { bytes } = await writeSnapshot(file, header, sections);
    const written = performance.now();
    return { file, bytes, ramBytes, ramUsedBytes: ramUsed, pauseMs: paused - started, copyMs: copied - paused, writeMs: written - copied, totalMs: written - started };
  } finally {
    if (wasRunning && port.state() === 'paused') port.resume();
  }
}

function machineOf(plan: MachinePlan): ReadSnapshot['header']['machine'] {
  return {
    board: plan.board.name,
    arch: plan.board.arch,
    harts: plan.board.harts,
    ramSize: plan.ramSize,
    totalBytes: plan.layout.totalBytes,
    regions: plan.layout.regions.map((r) => ({ name: r.name, offset: r.offset, length: r.length })),
  };
}

/** A snapshot read and checked against a new machine of the layout, ready to be applied to it. */
export interface CheckedSnapshot {
  readonly file: string;
  readonly snapshot: ReadSnapshot;
  readonly readMs: number;
}

/** Reads and checks the file on its own (magic, format, version, lengths, hashes, sections). */
export async function readCheckedSnapshot(file: string): Promise<CheckedSnapshot> {
  const started = performance.now();
  const snapshot = await readSnapshot(file);
  const version = workbenchVersion();
  if (snapshot.header.workbench !== version) {
    throw new SnapshotError(`${file}: written by workbench ${snapshot.header.workbench}, this is workbench ${version}; CPU and device state differ between versions`);
  }
  return { file, snapshot, readMs: performance.now() - started };
}

/** Why the snapshot is not of this machine (layout files, board, plan, CPUs); undefined when it is. */
export async function checkAgainst(checked: CheckedSnapshot, port: SnapshotPort): Promise<void> {
  const { header, sections } = checked.snapshot;
  const file = checked.file;
  const current = await layoutIdentity(port.loaded, port.layoutZones, port.diskFiles());
  const difference = identityDifference(header.layout as LayoutIdentity, current);
  if (difference) throw new SnapshotError(`${file}: the snapshot is of another layout (${header.layout.name} in ${header.layout.folder}): ${difference}`);
  const mine = machineOf(port.plan);
  const saved = header.machine;
  for (const key of ['board', 'arch', 'harts', 'ramSize', 'totalBytes'] as const) {
    if (saved[key] !== mine[key]) throw new SnapshotError(`${file}: the snapshot's machine has ${key} ${String(saved[key])}, this machine has ${String(mine[key])}`);
  }
  for (const region of mine.regions) {
    const theirs = saved.regions.find((r) => r.name === region.name);
    if (!theirs || theirs.offset !== region.offset || theirs.length !== region.length) {
      throw new SnapshotError(`${file}: the snapshot's machine places region '${region.name}' ${theirs ? `at 0x${theirs.offset.toString(16)}+0x${theirs.length.toString(16)}` : 'nowhere'}, this machine at 0x${region.offset.toString(16)}+0x${region.length.toString(16)}`);
    }
    const section = header.sections.find((s) => s.name === `region:${region.name}`);
    if (!section || !sections.has(section.name)) throw new SnapshotError(`${file}: the snapshot has no section for region '${region.name}'`);
    if (section.length !== region.length || (section.encoding === 'pages') !== isRam(region.name)) {
      throw new SnapshotError(`${file}: section '${section.name}' holds ${section.length} bytes as ${section.encoding}, the region has ${region.length}`);
    }
  }
  for (let cpu = 0; cpu < mine.harts; cpu++) if (!sections.has(`cpu:${cpu}`)) throw new SnapshotError(`${file}: the snapshot has no state of CPU ${cpu}`);
}

/**
 * Writes a checked snapshot into a machine that has not started: its regions, the clock at the saved
 * machine time, every CPU paused with its caches to flush. Returns the CPUs' private states.
 */
export function applySnapshot(checked: CheckedSnapshot, port: SnapshotPort): { states: Uint8Array[]; wasRunning: boolean; machineTicks: number; management?: unknown; disks: Map<string, Uint8Array> } {
  const { header, sections } = checked.snapshot;
  for (const region of port.plan.layout.regions) {
    const target = new Uint8Array(port.buffer, region.offset, region.length);
    const bytes = sections.get(`region:${region.name}`)!;
    // MachineHost.fromSnapshot's machine loaded no image: its RAM is untouched zeros.
    if (isRam(region.name)) applyPages(bytes, target, true);
    else target.set(bytes);
  }
  // Nothing runs in the new machine yet, so nobody holds its device lock. Files written before the save
  // took the lock can hold the id of a CPU thread that had it during the copy: a machine restored with
  // it would wait forever for that thread at its first device access.
  Atomics.store(port.control, ControlWord.deviceLock, 0);
  // The machine clock reads hostTicks - pausedTicks: start it at the saved machine time.
  port.controlF64[ControlWord.pausedTicksF64] = 0;
  port.controlF64[ControlWord.pausedTicksF64] = port.now() - header.machineTicks;
  Atomics.store(port.control, ControlWord.exit, MachineExit.none);
  for (const h of port.headers) {
    Atomics.store(h, CpuWord.request, RunRequest.pause);
    Atomics.store(h, CpuWord.wake, 0);
    Atomics.or(h, CpuWord.fences, 3);
  }
  const states = Array.from({ length: port.plan.board.harts }, (_, cpu) => sections.get(`cpu:${cpu}`)!);
  const management = sections.get('management');
  const disks = new Map([...sections].filter(([name]) => name.startsWith('disk:')));
  return { states, wasRunning: header.wasRunning, machineTicks: header.machineTicks, disks, ...(management ? { management: JSON.parse(Buffer.from(management).toString('utf8')) as unknown } : {}) };
}
