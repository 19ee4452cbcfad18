/**
 * One zone as the GDB stub debugs it, on top of the machine host: the zone's CPUs are the threads;
 * stopping holds every CPU of the zone (MachineHost.holdHarts, as the register inspector's pause does)
 * while the rest of the machine runs on; breakpoints and watchpoints go into each CPU's debug table
 * (hart-snapshot.ts DebugTable), which the vCPU loop hands to its CPU at its next turn; memory is read
 * and written in the zone's guest-physical view, through its stage-2 RAM regions only (never device
 * windows, whose reads have side effects), or in the guest-virtual view of a CPU through its page tables.
 */
import { CpuWord } from '../../core/cpu/cpu-core';
import { HartWord, RunRequest } from '../../core/cpu/hart-header';
import { DebugTable, DebugWord, getU64, StopCode, writeDebugTable, type Watchpoint } from '../../core/cpu/hart-snapshot';
import { decodeZoneConfig } from '../../core/hypervisor/zone-config-binary';
import { currentStage2Regions, stage2RegionsOf, type Stage2Region } from '../../core/hypervisor/stage2-map';
import { wakeHart } from '../../core/machine/signals';
import { readInspect } from '../../core/cpu/cpu-inspect';
import type { MachineHost } from '../machine-host';
import type { GdbArch, GdbCpu } from './arch';

export type MemoryView = 'virtual' | 'physical';

export interface StopEvent {
  /** The zone's CPU that stopped (an index into threads()). */
  readonly index: number;
  readonly watch?: { readonly kind: number; readonly address: bigint };
}

/** What the protocol session needs of a zone (a fake implements it in the unit tests). */
export interface GdbTarget {
  readonly arch: GdbArch;
  /** The physical CPU numbers of the zone, in vCPU order. */
  cpus(): readonly number[];
  cpu(index: number): GdbCpu;
  /** Holds every CPU of the zone and waits until they are stopped. */
  pause(): Promise<void>;
  /** Lets the zone run; stops after this are reported by waitStop. */
  resume(): void;
  /** Single-steps one CPU (the others stay held). */
  step(index: number): Promise<void>;
  /** Polls for a breakpoint or watchpoint stop of any CPU since the last resume (undefined: none yet). */
  pollStop(): StopEvent | undefined;
  readMemory(index: number, address: bigint, length: number, view: MemoryView): Uint8Array | undefined;
  writeMemory(index: number, address: bigint, bytes: Uint8Array, view: MemoryView): boolean;
  setTable(breakpoints: readonly bigint[], watchpoints: readonly Watchpoint[]): void;
}

const WAIT_MS = 2000;

async function waitUntil(done: () => boolean, timeoutMs = WAIT_MS): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return true;
}

export class ZoneTarget implements GdbTarget {
  private baseline: number[] = [];

  constructor(
    private readonly host: MachineHost,
    readonly zone: number,
    readonly arch: GdbArch,
  ) {}

  cpus(): readonly number[] {
    return this.host.zoneStatuses().find((z) => z.id === this.zone)?.cpus ?? [];
  }

  private debugOf(cpu: number): Int32Array {
    return this.host.view.cpuDebugWords(cpu);
  }

  cpu(index: number): GdbCpu {
    const cpu = this.cpus()[index]!;
    let values: Map<string, bigint> | undefined;
    const published = (name: string): bigint | undefined => {
      if (!values) {
        values = new Map();
        const snapshot = readInspect(this.host.view.cpuInspectRegion(cpu));
        for (const group of snapshot?.groups ?? []) {
          for (const r of group.registers) if (typeof r.value === 'string' && /^0x[0-9a-f]+$/i.test(r.value)) values.set(r.name, BigInt(r.value));
        }
      }
      return values.get(name);
    };
    return { region: this.host.view.hartRegion(cpu), debug: this.debugOf(cpu), published };
  }

  async pause(): Promise<void> {
    const cpus = this.cpus();
    const before = cpus.map((h) => Atomics.load(this.debugOf(h), DebugWord.stopSeq));
    this.host.holdHarts(cpus);
    await waitUntil(() =>
      cpus.every((h, i) => {
        const status = this.host.hartSnapshots([h])[0]!.status;
        return Atomics.load(this.debugOf(h), DebugWord.stopSeq) !== before[i] || (status !== 'running' && status !== 'waiting');
      }),
    );
  }

  resume(): void {
    const cpus = this.cpus();
    this.baseline = cpus.map((h) => Atomics.load(this.debugOf(h), DebugWord.stopSeq));
    this.host.releaseHarts(cpus);
  }

  async step(index: number): Promise<void> {
    const cpu = this.cpus()[index];
    if (cpu === undefined) return;
    const header = this.host.view.headers[cpu]!;
    const debug = this.debugOf(cpu);
    const before = Atomics.load(debug, DebugWord.stopSeq);
    if (Atomics.compareExchange(header, HartWord.request, RunRequest.pause, RunRequest.step) !== RunRequest.pause) return;
    Atomics.notify(header, HartWord.request);
    wakeHart(header);
    await waitUntil(() => Atomics.load(debug, DebugWord.stopSeq) !== before);
  }

  pollStop(): StopEvent | undefined {
    const cpus = this.cpus();
    for (const [index, cpu] of cpus.entries()) {
      const debug = this.debugOf(cpu);
      const seq = Atomics.load(debug, DebugWord.stopSeq);
      if (seq === this.baseline[index] || Atomics.load(debug, DebugWord.stopReason) !== StopCode.breakpoint) continue;
      this.baseline[index] = seq;
      const kind = Atomics.load(debug, DebugTable.stopWatchKind);
      return kind !== 0 ? { index, watch: { kind, address: getU64(debug, DebugTable.stopDataLo) } } : { index };
    }
    return undefined;
  }

  setTable(breakpoints: readonly bigint[], watchpoints: readonly Watchpoint[]): void {
    for (const cpu of this.cpus()) {
      writeDebugTable(this.debugOf(cpu), { breakpoints, watchpoints });
      wakeHart(this.host.view.headers[cpu]!);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Memory

  /** The zone's guest-physical RAM regions now (stage-2 changes included); identity without a hypervisor. */
  private regions(): readonly Stage2Region[] {
    const runtime = this.host.runtime;
    const slot = runtime?.table.byId(this.zone);
    if (!runtime || !slot) {
      return this.host.view.bus.banks.map((b) => ({ kind: 'ram' as const, guestStart: b.base, hostStart: b.base, size: b.size }));
    }
    const config = decodeZoneConfig(slot.config(), `zone ${this.zone}`, this.host.loaded.board.arch);
    return currentStage2Regions(stage2RegionsOf(config), slot.stage2Log);
  }

  /** The bytes of guest-physical [gpa, gpa + length) when they lie in one RAM region and bank. */
  private physical(regions: readonly Stage2Region[], gpa: bigint, length: number, write: boolean): Uint8Array | undefined {
    if (gpa < 0n || gpa + BigInt(length) > 1n << 53n) return undefined;
    const address = Number(gpa);
    const region = regions.find((r) => r.kind === 'ram' && address >= r.guestStart && address + length <= r.guestStart + r.size);
    if (!region || (write && region.data === 'ro')) return undefined;
    const hpa = region.hostStart + (address - region.guestStart);
    const bank = this.host.view.bus.bankAt(hpa, length);
    return bank ? bank.u8.subarray(hpa - bank.base, hpa - bank.base + length) : undefined;
  }

  /** Walks [address, address + length) page by page in the chosen view, calling `each` with the host bytes. */
  private access(index: number, address: bigint, length: number, view: MemoryView, write: boolean, each: (bytes: Uint8Array, done: number) => void): boolean {
    if (length < 0 || address < 0n || address + BigInt(length) > 1n << 64n || index >= this.cpus().length) return false;
    const regions = this.regions();
    const cpu = view === 'virtual' ? this.cpu(index) : undefined;
    const read64 = (gpa: bigint): bigint | undefined => {
      const bytes = this.physical(regions, gpa, 8, false);
      if (!bytes) return undefined;
      let v = 0n;
      for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]!);
      return v;
    };
    let done = 0;
    while (done < length) {
      const va = address + BigInt(done);
      const chunk = Math.min(length - done, 4096 - Number(va & 0xfffn));
      const gpa = cpu ? this.arch.translate(cpu, va, read64) : va;
      if (gpa === undefined) return false;
      const bytes = this.physical(regions, gpa, chunk, write);
      if (!bytes) return false;
      each(bytes, done);
      done += chunk;
    }
    return true;
  }

  readMemory(index: number, address: bigint, length: number, view: MemoryView): Uint8Array | undefined {
    const out = new Uint8Array(length);
    const ok = this.access(index, address, length, view, false, (bytes, done) => out.set(bytes, done));
    return ok ? out : undefined;
  }

  writeMemory(index: number, address: bigint, data: Uint8Array, view: MemoryView): boolean {
    // Checked whole first, so that a write that fails half-way changes nothing.
    if (!this.access(index, address, data.length, view, true, () => undefined)) return false;
    this.access(index, address, data.length, view, true, (bytes, done) => bytes.set(data.subarray(done, done + bytes.length)));
    // The zone's CPUs may hold decoded instructions of these bytes: they drop them before running on.
    for (const cpu of this.cpus()) Atomics.or(this.host.view.headers[cpu]!, CpuWord.fences, 2);
    return true;
  }
}
