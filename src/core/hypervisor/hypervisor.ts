/**
 * hvisor's zone lifecycle (src/zone.rs, src/hypercall/mod.rs) over the shared zone table: create and
 * start a zone, shut it down, list zones, and stop a zone that made a guest error. Any thread may call
 * it: a root-zone vCPU executing a hypercall, or the host acting like hvisor-tool in zone0.
 *
 * Where hvisor v0.4 panics on a bad config (misaligned or overlapping regions), this refuses the zone
 * with EINVAL and a message, unless `strict` asks for hvisor's behaviour: the whole machine stops.
 */
import type { HartSignals } from '../bus/types';
import type { Board } from '../../shared/model/board';
import type { ZoneConfig } from '../../shared/model/zone-config';
import type { DeviceLock } from '../bus/address-space';
import { HartEvent, HartStatus, HartWord, HsmState, RunRequest } from '../cpu/hart-header';
import { wakeHart } from '../machine/signals';
import { decodeZoneConfig, ZONE_CONFIG_OFFSETS } from './zone-config-binary';
import { applyStage2Change, currentStage2Regions, stage2RegionsOf, type Stage2Change } from './stage2-map';
import { ZoneState, type ZoneSlot, type ZoneTable } from './zone-table';
import { HvEventKind, hvTraceOf, type HvTrace } from './hv-trace';

export const Errno = {
  EPERM: 1,
  ENOENT: 2,
  EIO: 5,
  ENOMEM: 12,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  ENODEV: 19,
  EINVAL: 22,
  ERANGE: 34,
  ENOSYS: 38,
} as const;

export function errnoName(code: number): string {
  const entry = Object.entries(Errno).find(([, value]) => value === Math.abs(code));
  return entry ? entry[0] : `errno ${Math.abs(code)}`;
}

/** Outcome of a lifecycle operation: hvisor's return value plus the reason, for people. */
export interface ZoneResult {
  readonly code: number;
  readonly message: string;
}

/** hvisor's `ZoneInfo` as the zone list hypercall writes it. */
export interface ZoneInfo {
  readonly zoneId: number;
  readonly cpus: number;
  readonly name: string;
  readonly isErr: boolean;
}

export interface HypervisorOptions {
  /** Reproduce hvisor v0.4 on riscv exactly: configs that make it panic, and guest stage-2 faults, stop the machine. */
  readonly strict: boolean;
  /** How long a shutdown waits for each hart to leave (hvisor gives up after MAX_WAIT_TIMES spins). */
  readonly shutdownWaitMs: number;
  /** The layout's `workbenchSbiExtensions`: SBI calls hvisor does not offer (see sbi.ts). */
  readonly workbenchSbiExtensions?: boolean;
  /** The layout's `workbenchPsciExtensions`: PSCI/SMCCC as the Arm spec has them (see arch/aarch64/psci.ts). */
  readonly workbenchPsciExtensions?: boolean;
  /** The layout's `workbenchIvc`: hvisor's aarch64 IVC on an architecture where hvisor has none (riscv64). */
  readonly workbenchIvc?: boolean;
  /**
   * Deterministic mode (decision 0025): a vCPU that traps a virtio access waits for the daemon's answer
   * even to a QueueNotify (hvisor does not wait for those), so the device's work is done at that instruction.
   */
  readonly answerEveryVirtioRequest?: boolean;
  /**
   * Deterministic mode (decision 0025): every CPU but the one in its turn waits for the baton, between
   * two turns, so a shutdown takes the zone's other CPUs out at once instead of waiting for them to
   * notice (they would get no turn while the caller holds it: the wait could only time out).
   */
  readonly cpusBetweenTurns?: boolean;
}

export interface HypervisorHooks {
  /** hvisor panicked (strict mode): the machine stops with this message. */
  panic(message: string): void;
  /** hvisor's log lines (warnings, dropped IRQs). */
  log(message: string): void;
  /** Clears a zone's interrupt state (vPLIC and the physical sources it owns): arch_irqchip_reset. */
  resetIrqs(slot: ZoneSlot): void;
  /** The root zone (id 0) was created or went away: whatever it set up with hypercalls is gone. */
  rootZoneChanged?(): void;
  /** A zone was created, before its boot CPU runs: hvisor's arch_zone_pre_configuration (IVC). */
  zoneCreated?(slot: ZoneSlot, config: ZoneConfig): void;
  /** A zone's slot is about to be freed (under the device lock, its CPUs gone): the vPCI takes its functions back. */
  zoneReleased?(slot: ZoneSlot): void;
}

const PAGE = 0x1000;

export class Hypervisor {
  constructor(
    readonly board: Board,
    readonly table: ZoneTable,
    private readonly headers: readonly Int32Array[],
    private readonly signals: HartSignals,
    private readonly lock: DeviceLock,
    private readonly hooks: HypervisorHooks,
    readonly options: HypervisorOptions,
  ) {}

  private traceCache: HvTrace | null | undefined;

  /** The machine's hypervisor trace (hv-trace.ts), if it has one. */
  get trace(): HvTrace | undefined {
    if (this.traceCache === undefined) this.traceCache = (this.headers[0] ? hvTraceOf(this.headers[0].buffer) : undefined) ?? null;
    return this.traceCache ?? undefined;
  }

  /** The slot of the zone a hart belongs to. */
  slotOfHart(hart: number): ZoneSlot | undefined {
    const header = this.headers[hart];
    if (!header) return undefined;
    const index = Atomics.load(header, HartWord.zoneSlot) - 1;
    return index >= 0 ? this.table.slots[index] : undefined;
  }

  /** hv_zone_start: create the zone and release its boot hart. `config` is the decoded form of `bytes`. */
  startZone(config: ZoneConfig, bytes: Uint8Array): ZoneResult {
    this.lock.acquire();
    try {
      return this.startLocked(config, bytes);
    } finally {
      this.lock.release();
    }
  }

  private startLocked(config: ZoneConfig, bytes: Uint8Array): ZoneResult {
    const name = `zone ${config.zoneId} (${config.name})`;
    if (this.table.byId(config.zoneId)) return fail(Errno.EINVAL, `${name}: a zone with id ${config.zoneId} already exists`);
    const panic = this.checkRegions(config);
    if (panic) {
      if (this.options.strict) {
        this.hooks.panic(`hvisor panic while creating ${name}: ${panic}`);
        return fail(Errno.EINVAL, panic);
      }
      return fail(Errno.EINVAL, `${name}: ${panic} (hvisor would panic here)`);
    }
    if (config.cpus.length === 0) return fail(Errno.EINVAL, `${name}: the zone has no CPUs`);
    for (const cpu of config.cpus) {
      if (cpu >= this.board.harts) return fail(Errno.EINVAL, `${name}: cpu ${cpu} does not exist (the board has ${this.board.harts})`);
      const owner = this.slotOfHart(cpu);
      if (owner) return fail(Errno.EBUSY, `${name}: cpu ${cpu} already belongs to zone ${owner.zoneId}`);
    }
    const slot = this.table.free();
    if (!slot) return fail(Errno.ENOMEM, `${name}: no free zone slot (at most ${this.table.slots.length} zones)`);
    const cpus = [...config.cpus].sort((a, b) => a - b);
    const boot = cpus[0]!;
    slot.occupy(config.zoneId, cpus, bytes);
    this.hooks.resetIrqs(slot);
    this.hooks.zoneCreated?.(slot, config);
    slot.consoleOut.clear();
    for (const cpu of cpus) {
      const header = this.headers[cpu]!;
      Atomics.store(header, HartWord.events, 0);
      Atomics.store(header, HartWord.hsm, HsmState.stopped);
      Atomics.store(header, HartWord.sbiTimerLo, -1);
      Atomics.store(header, HartWord.sbiTimerHi, -1);
      Atomics.store(header, HartWord.zoneSlot, slot.index + 1);
    }
    slot.setState(ZoneState.running);
    if (config.zoneId === 0) this.hooks.rootZoneChanged?.();
    const header = this.headers[boot]!;
    const dtbIpa = dtbGuestAddress(config);
    const entry = BigInt(config.entryPoint);
    storePair(header, HartWord.hsmStartAddrLo, entry);
    storePair(header, HartWord.hsmOpaqueLo, dtbIpa);
    Atomics.store(header, HartWord.hsm, HsmState.startPending);
    wakeHart(header);
    const trace = this.trace;
    if (trace?.on) trace.record(HvEventKind.zoneStart, config.zoneId, -1, 0, 0, 0n, cpus.reduce((m, c) => m | (1n << BigInt(c)), 0n));
    return { code: 0, message: `${name} started on cpu${cpus.length > 1 ? 's' : ''} ${cpus.join(', ')}` };
  }

  /** What makes hvisor v0.4 panic in pt_init: misaligned or overlapping memory regions. */
  private checkRegions(config: ZoneConfig): string | undefined {
    const regions = config.memoryRegions;
    for (let i = 0; i < regions.length; i++) {
      const r = regions[i]!;
      if (r.type === 'virtio') continue;
      if (r.physicalStart % PAGE || r.virtualStart % PAGE || r.size % PAGE) {
        return `memory_regions[${i}] is not 4 KiB aligned (start 0x${r.physicalStart.toString(16)}, size 0x${r.size.toString(16)})`;
      }
      for (let j = 0; j < i; j++) {
        const o = regions[j]!;
        if (o.type === 'virtio') continue;
        if (r.virtualStart < o.virtualStart + o.size && o.virtualStart < r.virtualStart + r.size) {
          return `memory_regions[${i}] overlaps memory_regions[${j}] in the guest address space`;
        }
      }
    }
    return undefined;
  }

  /**
   * hv_zone_shutdown: every hart of the zone leaves and powers off, the zone's IRQs are reset and the
   * slot is freed. `callerHart` is a hart that must not be waited for (it is the one calling).
   */
  shutdownZone(zoneId: number, callerHart = -1): ZoneResult {
    if (zoneId === 0) return fail(Errno.EINVAL, 'the root zone (id 0) cannot be shut down');
    const slot = this.table.byId(zoneId);
    if (!slot || slot.state === ZoneState.stopping) return fail(Errno.EINVAL, `no zone with id ${zoneId}`);
    return this.stopSlot(slot, callerHart);
  }

  /** Takes every hart out of a zone and frees it; used by shutdown and by a zone's own SRST. */
  stopSlot(slot: ZoneSlot, callerHart = -1): ZoneResult {
    const cpus = slot.cpuList();
    const trace = this.trace;
    if (trace?.on) trace.record(HvEventKind.zoneStop, slot.zoneId, callerHart, 0, 0, BigInt(callerHart >= 0 ? (this.slotOfHart(callerHart)?.zoneId ?? -1) : -1));
    slot.setState(ZoneState.stopping);
    for (const cpu of cpus) {
      const header = this.headers[cpu]!;
      Atomics.or(header, HartWord.events, HartEvent.shutdown);
      Atomics.compareExchange(header, HartWord.request, RunRequest.run, RunRequest.yield);
      wakeHart(header);
    }
    const stuck: number[] = [];
    for (const cpu of cpus) {
      const header = this.headers[cpu]!;
      if (cpu === callerHart || this.options.cpusBetweenTurns) {
        leaveZone(header);
        continue;
      }
      const deadline = Date.now() + this.options.shutdownWaitMs;
      while (Atomics.load(header, HartWord.zoneSlot) === slot.index + 1) {
        const left = deadline - Date.now();
        if (left <= 0) break;
        Atomics.wait(header, HartWord.zoneSlot, slot.index + 1, Math.min(left, 50));
      }
      if (Atomics.load(header, HartWord.zoneSlot) === slot.index + 1) {
        stuck.push(cpu);
        this.hooks.log(`cpu ${cpu} cannot be shut down`);
        leaveZone(header);
      }
    }
    const zoneId = slot.zoneId;
    this.lock.acquire();
    try {
      this.hooks.resetIrqs(slot);
      this.hooks.zoneReleased?.(slot);
      slot.release();
    } finally {
      this.lock.release();
    }
    if (zoneId === 0) this.hooks.rootZoneChanged?.();
    return { code: 0, message: `zone ${zoneId} shut down${stuck.length ? ` (cpu ${stuck.join(', ')} did not stop in time)` : ''}` };
  }

  /** A guest error: the zone stops (or, strict, the machine) and keeps its report until shut down. */
  zoneError(slot: ZoneSlot, report: string): void {
    slot.setError(report);
    const trace = this.trace;
    if (trace?.on) trace.record(HvEventKind.zoneError, slot.zoneId, -1, 0, 0);
    if (this.options.strict) {
      this.hooks.panic(`hvisor panic: zone ${slot.zoneId}: ${report}`);
      return;
    }
    if (slot.state === ZoneState.running) slot.setState(ZoneState.error);
    for (const cpu of slot.cpuList()) {
      const header = this.headers[cpu]!;
      Atomics.or(header, HartWord.events, HartEvent.halt);
      Atomics.compareExchange(header, HartWord.request, RunRequest.run, RunRequest.yield);
      wakeHart(header);
    }
  }

  /** A request hvisor answers with a panic: the machine stops when strict, else the call fails with EINVAL. */
  guestPanic(reason: string): ZoneResult {
    if (this.options.strict) {
      this.hooks.panic(`hvisor panic: ${reason}`);
      return fail(Errno.EINVAL, reason);
    }
    return fail(Errno.EINVAL, `${reason} (hvisor would panic here)`);
  }

  /** hv_zone_list: every zone, in creation (slot) order. */
  list(): ZoneInfo[] {
    return this.table.live().map((slot) => ({
      zoneId: slot.zoneId,
      cpus: slot.cpus,
      name: zoneNameOf(slot.config()),
      isErr: slot.state === ZoneState.error,
    }));
  }

  /**
   * Changes a running zone's stage-2 map (a PCIe BAR moved, a window was mapped or unmapped): the change
   * is checked against the zone's regions now, appended to the slot's change log that every CPU's map
   * replays, and every CPU of the zone is asked to flush its TLB (bit 0 of CpuWord.fences) and woken, so
   * that no translation of the old map is used after its next slice. EINVAL with the reason when the
   * change does not fit (an overlap, no region there, the log is full).
   */
  changeStage2(slot: ZoneSlot, change: Stage2Change): ZoneResult {
    this.lock.acquire();
    try {
      if (slot.state === ZoneState.free) return fail(Errno.EINVAL, `zone slot ${slot.index} holds no zone`);
      const name = `zone ${slot.zoneId}`;
      const initial = stage2RegionsOf(decodeZoneConfig(slot.config(), `zone slot ${slot.index}`, this.board.arch));
      let generation: number;
      try {
        applyStage2Change(currentStage2Regions(initial, slot.stage2Log), change);
        generation = slot.stage2Log.append(change);
      } catch (error) {
        return fail(Errno.EINVAL, `${name}: ${(error as Error).message}`);
      }
      for (const cpu of slot.cpuList()) {
        const header = this.headers[cpu]!;
        Atomics.or(header, HartWord.fences, 1);
        wakeHart(header);
      }
      return { code: 0, message: `${name}: stage-2 ${change.op} applied (generation ${generation})` };
    } finally {
      this.lock.release();
    }
  }

  /** Wakes every hart of a zone (e.g. after an interrupt was injected). */
  kick(slot: ZoneSlot): void {
    for (const cpu of slot.cpuList()) wakeHart(this.headers[cpu]!);
  }

  get hartSignals(): HartSignals {
    return this.signals;
  }
}

/** The worker's side of leaving a zone: unbind, power off, and tell a waiting shutdown. */
export function leaveZone(header: Int32Array): void {
  Atomics.and(header, HartWord.events, ~(HartEvent.shutdown | HartEvent.halt | HartEvent.externalInterrupt));
  Atomics.store(header, HartWord.hsm, HsmState.stopped);
  Atomics.store(header, HartWord.status, HartStatus.stopped);
  Atomics.and(header, HartWord.mip, 0);
  Atomics.store(header, HartWord.zoneSlot, 0);
  Atomics.notify(header, HartWord.zoneSlot);
}

export function zoneNameOf(config: Uint8Array): string {
  const bytes = config.subarray(ZONE_CONFIG_OFFSETS.name, ZONE_CONFIG_OFFSETS.name + 32);
  const end = bytes.indexOf(0);
  return String.fromCharCode(...bytes.subarray(0, end < 0 ? 32 : end));
}

/** A root-physical address as the zone sees it, through its RAM regions; undefined outside them. */
export function guestAddressOf(config: ZoneConfig, physical: number): number | undefined {
  const region = config.memoryRegions.find((r) => r.type === 'ram' && physical >= r.physicalStart && physical < r.physicalStart + r.size);
  return region ? physical - region.physicalStart + region.virtualStart : undefined;
}

/** hvisor's INVALID_ADDRESS (src/consts.rs:48, usize::MAX): what a zone's boot CPU gets as dtb_ipa when no region holds the DTB. */
export const INVALID_ADDRESS = (1n << 64n) - 1n;

/**
 * hvisor's dtb_ipa (src/zone.rs:365-373): every memory region is looked at, whatever its type, and the
 * last one whose physical range holds dtb_load_paddr gives virtual_start + (dtb_load_paddr -
 * physical_start); with none the boot CPU gets INVALID_ADDRESS in a1. hvisor aligns nothing here.
 */
export function dtbGuestAddress(config: ZoneConfig): bigint {
  let ipa = INVALID_ADDRESS;
  const paddr = BigInt(config.dtbLoadPaddr);
  for (const region of config.memoryRegions) {
    const start = BigInt(region.physicalStart);
    if (start <= paddr && start + BigInt(region.size) > paddr) ipa = (BigInt(region.virtualStart) + paddr - start) & INVALID_ADDRESS;
  }
  return ipa;
}

function storePair(header: Int32Array, loIndex: number, value: bigint): void {
  Atomics.store(header, loIndex, Number(value & 0xffffffffn) | 0);
  Atomics.store(header, loIndex + 1, Number((value >> 32n) & 0xffffffffn) | 0);
}

function fail(errno: number, message: string): ZoneResult {
  return { code: -errno, message };
}
