/**
 * A zone's stage-2 map as every architecture's hypervisor uses it (hvisor's `Zone::gpm` and its
 * `mmio_region_register` list, src/zone.rs): memory regions from guest-physical to host-physical (I/O
 * never executable) and the regions the hypervisor traps and emulates (the virtual interrupt
 * controller's windows, virtio).
 *
 * The map can change while the zone runs (PCIe BAR remapping moves a passed-through window): every
 * vCPU thread of the zone builds its own map from the slot's config bytes, so a change is appended to
 * the zone slot's shared change log (Stage2ChangeLog) and each map replays the entries it has not seen
 * when it next translates; the writer then asks every CPU of the zone to flush its TLB (bit 0 of
 * CpuWord.fences), so no translation of the old map survives (Hypervisor.changeStage2).
 *
 * A region of kind 'virtio' in the map (only run-time changes add them: stage2RegionsOf traps a config's
 * virtio regions instead) is MMIO served by the management side: hvisor's vPCI maps a passed-through
 * BAR there (vpci/vpci.ts), and since the workbench's PCI functions answer in the virtio daemon rather
 * than on the vCPUs' bus, translate answers trap and the access goes to the map's `forward` handler
 * with its host-physical address (offset = host address).
 *
 * Left out: changing trapped regions at run time (they come from the zone config and the virtio
 * wiring), and removing log entries: the log holds every change since the zone started, up to
 * STAGE2_LOG_CAPACITY of them, so that a CPU binding the zone later sees the same map.
 */
import { HvEventKind, type HvTrace } from './hv-trace';
import type { SharedRegion } from '../bus/types';
import type { ZoneConfig } from '../../shared/model/zone-config';

/** What Stage2Map.translate answers besides a host-physical address; both ISAs' Stage2 have these values. */
export const Stage2Outcome = {
  /** The access must be emulated: call mmioRead/mmioWrite. */
  trap: -2,
  /** The zone has no mapping there: the zone is stopped with a report. */
  fault: -1,
} as const;

export type GuestAccess = 'read' | 'write' | 'fetch';

export interface Stage2Region {
  readonly kind: 'ram' | 'io' | 'virtio';
  /** Guest-physical start. */
  readonly guestStart: number;
  /** Host-physical start. */
  readonly hostStart: number;
  readonly size: number;
  /**
   * Data only, as hvisor maps IVC sections (MemFlags READ | WRITE, or READ alone for another peer's out
   * section): never executed; 'ro' refuses writes too. Absent: the kind's usual rights.
   */
  readonly data?: 'rw' | 'ro';
}

/** The CPU that trapped, as every architecture's CPU API offers it (RISC-V HartApi, Arm ArmCpuApi). */
export interface TrappingCpu {
  readonly cpuId: number;
  getPc(): bigint;
}

export interface TrapHandler<C extends TrappingCpu = TrappingCpu> {
  read(cpu: C, offset: number, size: 1 | 2 | 4 | 8): bigint;
  write(cpu: C, offset: number, size: 1 | 2 | 4 | 8, value: bigint): void;
}

export interface TrapRegion<C extends TrappingCpu = TrappingCpu> {
  readonly start: number;
  readonly size: number;
  readonly handler: TrapHandler<C>;
  /** What the window emulates (hv-trace.ts TrapKind), named in the hypervisor trace. */
  readonly kind?: number;
}

/** Where a zone's map records its trapped accesses (the hypervisor trace) and the zone id it gives them. */
export interface Stage2Trace {
  readonly trace: HvTrace;
  readonly zoneId: number;
}

/** A run-time change of a zone's memory regions. */
export type Stage2Change =
  /** A new region (hvisor's gpm.insert). */
  | { readonly op: 'map'; readonly region: Stage2Region }
  /** The region starting at guest address `guestStart` goes away (gpm.delete). */
  | { readonly op: 'unmap'; readonly guestStart: number }
  /** The region starting at `guestStart` now starts at guest address `to`; its host range stays (a BAR moved). */
  | { readonly op: 'move'; readonly guestStart: number; readonly to: number };

const PAGE = 0x1000;
const hex = (value: number): string => `0x${value.toString(16)}`;

/** The memory regions of a zone config as its stage-2 map starts with them (virtio regions are trapped instead). */
export function stage2RegionsOf(config: ZoneConfig): Stage2Region[] {
  return config.memoryRegions
    .filter((r) => r.type !== 'virtio')
    .map((r) => ({ kind: r.type, guestStart: r.virtualStart, hostStart: r.physicalStart, size: r.size }));
}

/**
 * The regions after `change`, sorted by guest address; throws an Error saying what is wrong (an address
 * no region starts at, an overlap, a misaligned range). Pure: the writer checks a change with it and every
 * map replays the log with it.
 */
export function applyStage2Change(regions: readonly Stage2Region[], change: Stage2Change): Stage2Region[] {
  const overlapping = (list: readonly Stage2Region[], start: number, size: number): Stage2Region | undefined =>
    list.find((r) => start < r.guestStart + r.size && r.guestStart < start + size);
  const aligned = (what: string, ...values: number[]): void => {
    if (values.some((v) => !Number.isSafeInteger(v) || v < 0 || v % PAGE !== 0)) throw new Error(`stage-2 ${what}: ${values.map(hex).join(', ')} not 4 KiB aligned`);
  };
  const startingAt = (guestStart: number): number => {
    const index = regions.findIndex((r) => r.guestStart === guestStart);
    if (index < 0) throw new Error(`stage-2 ${change.op}: no region starts at guest address ${hex(guestStart)}`);
    return index;
  };
  let next: Stage2Region[];
  switch (change.op) {
    case 'map': {
      const r = change.region;
      aligned('map', r.guestStart, r.hostStart, r.size);
      if (r.size === 0) throw new Error(`stage-2 map at ${hex(r.guestStart)}: empty region`);
      const other = overlapping(regions, r.guestStart, r.size);
      if (other) throw new Error(`stage-2 map ${hex(r.guestStart)}-${hex(r.guestStart + r.size - 1)} overlaps the region at ${hex(other.guestStart)}`);
      next = [...regions, { ...r }];
      break;
    }
    case 'unmap': {
      const index = startingAt(change.guestStart);
      next = regions.filter((_, i) => i !== index);
      break;
    }
    case 'move': {
      const index = startingAt(change.guestStart);
      aligned('move', change.to);
      const moved = { ...regions[index]!, guestStart: change.to };
      const rest = regions.filter((_, i) => i !== index);
      const other = overlapping(rest, moved.guestStart, moved.size);
      if (other) throw new Error(`stage-2 move of ${hex(change.guestStart)} to ${hex(change.to)} overlaps the region at ${hex(other.guestStart)}`);
      next = [...rest, moved];
      break;
    }
  }
  return next.sort((a, b) => a.guestStart - b.guestStart);
}

/** Entries the change log holds: every change since the zone started (4 KiB with the count). */
export const STAGE2_LOG_CAPACITY = 127;
const ENTRY_FLOATS = 4;
const ENTRIES_OFFSET = 8;
export const STAGE2_LOG_BYTES = ENTRIES_OFFSET + STAGE2_LOG_CAPACITY * ENTRY_FLOATS * 8;

const OP_CODES = { map: 1, unmap: 2, move: 3 } as const;
const KIND_CODES = { ram: 0, io: 1, virtio: 2 } as const;
const KINDS = ['ram', 'io', 'virtio'] as const;

/**
 * The append-only log of a zone's stage-2 changes in its slot's shared memory. Word 0 counts the entries
 * (the map's generation); entry i is four float64 (every address below 2^53): op | kind << 4, then
 * guestStart and two operands. An entry is written before the count that publishes it, with Atomics,
 * so a reader that sees count n can read entries 0..n-1. Writers hold the machine's device lock.
 */
export class Stage2ChangeLog {
  private readonly count: Int32Array;
  private readonly entries: Float64Array;

  constructor(region: SharedRegion) {
    if (region.byteLength < STAGE2_LOG_BYTES) throw new Error('stage-2 change log region too small');
    if (region.byteOffset % 8 !== 0) throw new Error('stage-2 change log region not 8-byte aligned');
    this.count = new Int32Array(region.buffer, region.byteOffset, 1);
    this.entries = new Float64Array(region.buffer, region.byteOffset + ENTRIES_OFFSET, STAGE2_LOG_CAPACITY * ENTRY_FLOATS);
  }

  /** Changes logged so far: a map that replayed this many is current. */
  get generation(): number {
    return Atomics.load(this.count, 0);
  }

  /** A new zone starts with the regions of its config (the slot's owner calls this before publishing the zone). */
  clear(): void {
    Atomics.store(this.count, 0, 0);
  }

  /** Appends a change (already checked with applyStage2Change); returns the new generation. */
  append(change: Stage2Change): number {
    const n = this.generation;
    if (n >= STAGE2_LOG_CAPACITY) throw new Error(`stage-2 change log full (${STAGE2_LOG_CAPACITY} changes since the zone started)`);
    const e = this.entries;
    const at = n * ENTRY_FLOATS;
    switch (change.op) {
      case 'map':
        e[at] = OP_CODES.map | (KIND_CODES[change.region.kind] << 4);
        e[at + 1] = change.region.guestStart;
        e[at + 2] = change.region.hostStart;
        e[at + 3] = change.region.size;
        break;
      case 'unmap':
        e[at] = OP_CODES.unmap;
        e[at + 1] = change.guestStart;
        break;
      case 'move':
        e[at] = OP_CODES.move;
        e[at + 1] = change.guestStart;
        e[at + 2] = change.to;
        break;
    }
    // Atomics.store orders the entry's plain stores before the count (sequentially consistent).
    Atomics.store(this.count, 0, n + 1);
    return n + 1;
  }

  /** Entry `index` (below generation). */
  entry(index: number): Stage2Change {
    const e = this.entries;
    const at = index * ENTRY_FLOATS;
    const code = e[at]!;
    const op = code & 0xf;
    if (op === OP_CODES.map) {
      return { op: 'map', region: { kind: KINDS[code >> 4]!, guestStart: e[at + 1]!, hostStart: e[at + 2]!, size: e[at + 3]! } };
    }
    if (op === OP_CODES.unmap) return { op: 'unmap', guestStart: e[at + 1]! };
    return { op: 'move', guestStart: e[at + 1]!, to: e[at + 2]! };
  }
}

/** A zone's regions with every logged change applied (what each CPU's map converges to). */
export function currentStage2Regions(initial: readonly Stage2Region[], log: Stage2ChangeLog): Stage2Region[] {
  let regions = [...initial].sort((a, b) => a.guestStart - b.guestStart);
  const n = log.generation;
  for (let i = 0; i < n; i++) regions = applyStage2Change(regions, log.entry(i));
  return regions;
}

/**
 * A zone's stage-2 map in one thread: its memory regions (guest-physical to host-physical, I/O never
 * executable), kept current with the slot's change log when given one, and the regions it traps.
 */
export class Stage2Map<C extends TrappingCpu = TrappingCpu> {
  private current: Stage2Region[];
  private last: Stage2Region | undefined;
  /** Log entries applied so far. */
  private applied = 0;

  constructor(
    regions: readonly Stage2Region[],
    private readonly traps: readonly TrapRegion<C>[],
    private readonly changes?: Stage2ChangeLog,
    private readonly tracing?: Stage2Trace,
    /** Where accesses to 'virtio' regions of the map go, with their host-physical address as the offset. */
    private readonly forward?: { readonly handler: TrapHandler<C>; readonly kind?: number },
  ) {
    this.current = [...regions].sort((a, b) => a.guestStart - b.guestStart);
    this.catchUp();
  }

  /** The memory regions now, in guest address order. */
  get regions(): readonly Stage2Region[] {
    this.catchUp();
    return this.current;
  }

  /** Changes applied: equal to the log's generation once this map is current. */
  get generation(): number {
    return this.applied;
  }

  translate(gpa: number, size: number, access: GuestAccess): number {
    const changes = this.changes;
    if (changes !== undefined && changes.generation !== this.applied) this.catchUp();
    const region = this.lookup(gpa, size);
    if (region) {
      if (region.kind === 'virtio') return access === 'fetch' || !this.forward ? Stage2Outcome.fault : Stage2Outcome.trap;
      if (region.kind === 'io' && access === 'fetch') return Stage2Outcome.fault;
      if (region.data !== undefined && (access === 'fetch' || (access === 'write' && region.data === 'ro'))) return Stage2Outcome.fault;
      return gpa - region.guestStart + region.hostStart;
    }
    if (this.trapAt(gpa, size)) return Stage2Outcome.trap;
    return Stage2Outcome.fault;
  }

  mmioRead(hart: C, gpa: number, size: 1 | 2 | 4 | 8): bigint {
    const trap = this.trapAt(gpa, size);
    if (!trap) {
      const forwarded = this.forwardedAt(gpa, size);
      if (!forwarded) return 0n;
      const value = forwarded.handler.read(hart, forwarded.host, size);
      const tracing = this.tracing;
      if (tracing?.trace.on) tracing.trace.record(HvEventKind.mmio, tracing.zoneId, hart.cpuId, forwarded.kind, size, BigInt(gpa), value, hart.getPc());
      return value;
    }
    const value = trap.handler.read(hart, gpa - trap.start, size);
    const tracing = this.tracing;
    if (tracing?.trace.on) tracing.trace.record(HvEventKind.mmio, tracing.zoneId, hart.cpuId, trap.kind ?? 0, size, BigInt(gpa), value, hart.getPc());
    return value;
  }

  mmioWrite(hart: C, gpa: number, size: 1 | 2 | 4 | 8, value: bigint): void {
    const trap = this.trapAt(gpa, size);
    if (!trap) {
      const forwarded = this.forwardedAt(gpa, size);
      if (!forwarded) return;
      const tracing = this.tracing;
      if (tracing?.trace.on) tracing.trace.record(HvEventKind.mmio, tracing.zoneId, hart.cpuId, forwarded.kind, size | 0x100, BigInt(gpa), value, hart.getPc());
      forwarded.handler.write(hart, forwarded.host, size, value);
      return;
    }
    const tracing = this.tracing;
    // Recorded before the handler runs: a virtio notify waits for the backend, whose answer follows it.
    if (tracing?.trace.on) tracing.trace.record(HvEventKind.mmio, tracing.zoneId, hart.cpuId, trap.kind ?? 0, size | 0x100, BigInt(gpa), value, hart.getPc());
    trap.handler.write(hart, gpa - trap.start, size, value);
  }

  /** A 'virtio' region of the map holding the access, with the host-physical address it forwards to. */
  private forwardedAt(gpa: number, size: number): { handler: TrapHandler<C>; host: number; kind: number } | undefined {
    const forward = this.forward;
    if (!forward) return undefined;
    this.catchUp();
    const region = this.lookup(gpa, size);
    if (!region || region.kind !== 'virtio') return undefined;
    return { handler: forward.handler, host: gpa - region.guestStart + region.hostStart, kind: forward.kind ?? 0 };
  }

  /** The memory region holding [gpa, gpa + size), if any. */
  regionAt(gpa: number, size: number): Stage2Region | undefined {
    this.catchUp();
    return this.lookup(gpa, size);
  }

  /** The region nearest to an address, for fault reports. */
  nearest(gpa: number): Stage2Region | undefined {
    let best: Stage2Region | undefined;
    let distance = Infinity;
    for (const r of this.regions) {
      const d = gpa < r.guestStart ? r.guestStart - gpa : Math.max(0, gpa - (r.guestStart + r.size - 1));
      if (d < distance) {
        distance = d;
        best = r;
      }
    }
    return best;
  }

  private lookup(gpa: number, size: number): Stage2Region | undefined {
    const last = this.last;
    if (last && gpa >= last.guestStart && gpa + size <= last.guestStart + last.size) return last;
    for (const r of this.current) {
      if (gpa >= r.guestStart && gpa + size <= r.guestStart + r.size) {
        this.last = r;
        return r;
      }
    }
    return undefined;
  }

  /** Replays the log entries this map has not applied yet. */
  private catchUp(): void {
    const changes = this.changes;
    if (changes === undefined) return;
    const n = changes.generation;
    if (n === this.applied) return;
    let regions = this.current;
    for (let i = this.applied; i < n; i++) regions = applyStage2Change(regions, changes.entry(i));
    this.current = regions;
    this.applied = n;
    this.last = undefined;
  }

  /** The trapped region an access falls in, if any. */
  trapAt(gpa: number, size: number): TrapRegion<C> | undefined {
    for (const t of this.traps) if (gpa >= t.start && gpa + size <= t.start + t.size) return t;
    return undefined;
  }
}
