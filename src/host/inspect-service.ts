/**
 * The inspectors' service on the main thread, for any architecture. Interrupt controllers: the board's
 * physical controller and each live zone's virtual one, read under the device lock without side effects
 * through their inspectState() tables. CPUs: the snapshot each vCPU publishes in its inspect region
 * (core/cpu/cpu-inspect.ts: register groups with decoded fields), with the instructions around the pc
 * disassembled from guest RAM through the ISA registry (core/cpu/isa-inspect.ts). A RISC-V hart whose
 * loop still publishes only the older debug-area snapshot (core/cpu/hart-snapshot.ts) is read from that
 * one and converted into the same groups. Per-zone debug control: pause, single step, resume and a
 * breakpoint; the CPUs' stop counters are watched and each stop is reported as a `zone.stopped` event.
 */
import type {
  CommandName,
  CpuRegisterState,
  DebugPointKind,
  DisassemblyLine,
  EventName,
  Events,
  GdbStubInfo,
  InterruptControllerState,
  InterruptControllersState,
  RegisterGroupData,
  RegisterValueData,
  StopReason,
  ZoneDebugState,
} from '../shared/protocol/index';
import type { ZoneConfig } from '../shared/model/zone-config';
import type { SharedRegion } from '../core/bus/types';
import type { RegisterGroup } from '../core/cpu/cpu-core';
import { readInspect, type CpuInspectSnapshot } from '../core/cpu/cpu-inspect';
import { isaInspect } from '../core/cpu/isa-inspect';
import { cpuModel } from '../core/cpu-models';
import { deviceModel } from '../core/devices/device-registry';
import { HW_LEGEND, type ControllerInspectContext } from '../core/devices/intc/inspect-table';
import type { ControllerInspectData } from '../shared/protocol/inspect';
import { HartWord, RunRequest } from '../core/cpu/hart-header';
import {
  DebugTable,
  DebugWord,
  debugWords,
  decodeSnapshotCsrs,
  getU64,
  hex64,
  MAX_BREAKPOINTS,
  MAX_WATCHPOINTS,
  readSnapshot,
  SNAPSHOT_F_OFFSET,
  SNAPSHOT_PC_OFFSET,
  SNAPSHOT_X_OFFSET,
  STOP_REASONS,
  writeDebugTable,
} from '../core/cpu/hart-snapshot';
import type { SymbolTable } from '../core/machine/symbols';
import { ZoneDebugPointList } from './debug-points';
import { zoneSymbols } from './symbols';
import { wakeHart } from '../core/machine/signals';
import { decodeZoneConfig } from '../core/hypervisor/zone-config-binary';
import type { VirtualIrqChip } from '../core/hypervisor/irqchip';
import type { MachineHost, ZoneStatus } from './machine-host';
import { startGdbServer, symbolFile, zoneImage, type GdbServer } from './gdb/server';
import { MemoryService } from './memory-service';

const COMMANDS = new Set<CommandName>([
  'inspect.interrupts', 'inspect.cpus', 'zone.pause', 'zone.resume', 'zone.step', 'zone.breakpoint', 'zone.gdb',
  'zone.point.add', 'zone.point.enable', 'zone.point.remove', 'zone.symbols',
]);
/** Base64 of the largest file a user may drop for symbols (host/symbols.ts MAX_DROPPED_BYTES). */
const MAX_DROPPED_BASE64 = Math.ceil((256 * 1024 * 1024) / 3) * 4;
const STOP_POLL_MS = 50;
/** Bytes of code shown before the pc (the start is found by decoding forward onto the pc). */
const DISASSEMBLY_BACK = 24;
const DISASSEMBLY_LINES = 16;
const DISASSEMBLY_BEFORE = 5;

export type InspectEmit = <E extends EventName>(event: E, payload: Events[E]) => void;

/** Parts of the machine view that the machine may not offer yet (the generic per-CPU inspect region). */
interface CpuRegions {
  cpuInspectRegion?(cpu: number): SharedRegion;
  cpuDebugWords?(cpu: number): Int32Array;
}

interface Inspectable {
  inspectState(context?: ControllerInspectContext): ControllerInspectData;
}

const isInspectable = (value: unknown): value is Inspectable =>
  typeof value === 'object' && value !== null && typeof (value as Partial<Inspectable>).inspectState === 'function';

export class InspectService {
  private readonly stopSeqs = new Map<number, number>();
  /** The register view's breakpoints and watchpoints, by zone. */
  private readonly pointLists = new Map<number, ZoneDebugPointList>();
  /** The GDB stubs the workbench started, by zone (they live until the service is disposed). */
  private readonly gdbStubs = new Map<number, Promise<GdbServer>>();
  private readonly gdbServers = new Map<number, GdbServer>();
  /** Zones whose debug table a gdb client held at the last look (written back from the list when it leaves). */
  private readonly gdbOwned = new Set<number>();
  private readonly timer: ReturnType<typeof setInterval>;
  /** The memory and translation views (memory.* commands). */
  private readonly memory: MemoryService;

  constructor(
    private readonly host: MachineHost,
    private readonly emit: InspectEmit,
  ) {
    for (let cpu = 0; cpu < host.view.headers.length; cpu++) this.stopSeqs.set(cpu, Atomics.load(this.debugOf(cpu), DebugWord.stopSeq));
    this.timer = setInterval(() => this.pollStops(), STOP_POLL_MS);
    this.memory = new MemoryService(host);
  }

  handles(command: string): boolean {
    return COMMANDS.has(command as CommandName) || this.memory.handles(command);
  }

  async invoke(command: CommandName, params: unknown): Promise<unknown> {
    if (this.memory.handles(command)) return this.memory.invoke(command, params);
    const p = params as { zone: number; cpu: number; address: string | number | null; location: string; kind: DebugPointKind; length?: number; id: number; enabled: boolean; name: string; base64: string };
    switch (command) {
      case 'inspect.interrupts':
        return this.interruptControllers();
      case 'inspect.cpus':
        return this.zoneState(p.zone);
      case 'zone.pause':
        return this.pause(p.zone);
      case 'zone.resume':
        return this.resume(p.zone);
      case 'zone.step':
        return this.step(p.zone, p.cpu);
      case 'zone.breakpoint':
        return this.setBreakpoint(p.zone, p.address);
      case 'zone.gdb':
        return this.gdbStub(p.zone);
      case 'zone.point.add':
        this.editablePoints(p.zone).add(parseKind(p.kind), String(p.location ?? ''), p.length === undefined || p.length === null ? undefined : Number(p.length), this.symbolsOf(p.zone));
        return this.zoneState(p.zone);
      case 'zone.point.enable':
        this.editablePoints(p.zone).setEnabled(Number(p.id), p.enabled === true);
        return this.zoneState(p.zone);
      case 'zone.point.remove':
        this.editablePoints(p.zone).remove(Number(p.id));
        return this.zoneState(p.zone);
      case 'zone.symbols':
        return this.loadSymbols(p.zone, p.name, p.base64);
      default:
        throw new Error(`unknown command ${command}`);
    }
  }

  dispose(): void {
    clearInterval(this.timer);
    for (const stub of this.gdbStubs.values()) void stub.then((s) => s.close(), () => undefined);
    this.gdbStubs.clear();
  }

  /** The zone's GDB stub on 127.0.0.1, started on a free port the first time it is asked for. */
  async gdbStub(zone: number): Promise<GdbStubInfo> {
    this.zoneOf(zone);
    let stub = this.gdbStubs.get(zone);
    if (!stub) {
      stub = startGdbServer(this.host, zone, 0, symbolFile(zoneImage(this.host, zone)));
      this.gdbStubs.set(zone, stub);
      stub.then((server) => this.gdbServers.set(zone, server), () => this.gdbStubs.delete(zone));
    }
    const { port, commandLine } = await stub;
    return { zone, port, commandLine };
  }

  // ---------------------------------------------------------------------------------------------
  // Interrupt controllers

  interruptControllers(): InterruptControllersState {
    const { host } = this;
    const board = host.loaded.board;
    const zones = this.liveConfigs();
    const owners = new Map<number, number>();
    for (const zone of zones) for (const irq of zone.config.interrupts) if (!owners.has(irq)) owners.set(irq, zone.id);
    const cpuOwners = new Map<number, number>();
    for (const zone of host.zoneStatuses()) if (zone.state !== 'stopped') for (const cpu of zone.cpus) cpuOwners.set(cpu, zone.id);
    const hwIrqs = new Set(board.hwIrqs);
    const context: ControllerInspectContext = {
      ownerOf: (line) => owners.get(line) ?? null,
      ownerOfCpu: (cpu) => cpuOwners.get(cpu) ?? null,
      isHw: (line) => hwIrqs.has(line),
    };
    const chip = host.view.devices.irqChip;
    const spec = board.devices.find((d) => deviceModel(d.kind).interruptController === true);
    const controllers: InterruptControllerState[] = [];
    if (isInspectable(chip) && spec) {
      const lock = host.view.lock;
      lock.acquire();
      try {
        const physical = chip.inspectState(context);
        controllers.push({ ...physical, id: spec.name, title: `${physical.name} (physical)`, zone: null, base: `0x${spec.base.toString(16)}` });
      } finally {
        lock.release();
      }
    }
    // Second-level controllers (devices naming them in interruptParent), after the board's own.
    for (const [name, cascaded] of host.view.devices.cascadedIrqChips ?? []) {
      const device = board.devices.find((d) => d.name === name);
      if (!isInspectable(cascaded) || !device) continue;
      host.view.lock.acquire();
      try {
        const physical = cascaded.inspectState(context);
        controllers.push({ ...physical, id: name, title: `${physical.name} (physical)`, zone: null, base: `0x${device.base.toString(16)}` });
      } finally {
        host.view.lock.release();
      }
    }
    // Each zone's virtual controller (a vPLIC, a vGIC, loongarch64's GINTC injections), after the physical ones.
    for (const zone of zones) {
      const virtual = this.virtualController(zone.slot);
      if (!virtual) continue;
      host.view.lock.acquire();
      try {
        const state = virtual.inspectState(context);
        const window = virtual.traps[0];
        const base = window ? `0x${window.start.toString(16)}` : null;
        controllers.push({ ...state, id: `${state.kind}.${zone.id}`, title: `${state.name} of zone ${zone.id} (${zone.name})`, zone: zone.id, base });
      } finally {
        host.view.lock.release();
      }
    }
    const tagged = controllers.some((c) => c.lines.columns.some((col) => col.kind === 'tag'));
    return { arch: board.arch, zones: zones.map((z) => ({ id: z.id, name: z.name })), controllers, ...(tagged ? { legend: HW_LEGEND } : {}) };
  }

  /** The zone's virtual interrupt controller, whatever its kind (none on a GICv2 board yet). */
  private virtualController(slot: LiveZone['slot']): VirtualIrqChip | undefined {
    return this.host.runtime?.virtualIrqChipOf(slot);
  }

  /** Live zones with their decoded configuration. */
  private liveConfigs(): LiveZone[] {
    const runtime = this.host.runtime;
    if (!runtime) return [];
    const names = new Map(this.host.zoneStatuses().map((z) => [z.id, z.name]));
    return [...runtime.table.live()].sort((a, b) => a.zoneId - b.zoneId).map((slot) => {
      const config = decodeZoneConfig(slot.config(), `zone slot ${slot.index}`, this.host.loaded.board.arch);
      return { id: slot.zoneId, name: names.get(slot.zoneId) ?? config.name, config, slot };
    });
  }

  // ---------------------------------------------------------------------------------------------
  // CPUs

  private zoneOf(zone: number): ZoneStatus {
    const status = this.host.zoneStatuses().find((z) => z.id === zone);
    if (!status) throw new Error(`there is no zone ${zone}`);
    return status;
  }

  private debugOf(cpu: number): Int32Array {
    const own = (this.host.view as CpuRegions).cpuDebugWords?.(cpu);
    if (own) return own;
    const region = this.host.view.hartRegion(cpu);
    return debugWords(region.buffer, region.byteOffset);
  }

  zoneState(zone: number): ZoneDebugState {
    const status = this.zoneOf(zone);
    this.noticeGdb(zone);
    const list = this.pointLists.get(zone);
    const symbols = this.symbolsOf(zone);
    const isBreakpoint = (address: bigint): boolean => list?.breakpointAt(address) ?? false;
    const arch = this.host.loaded.board.arch;
    const cpus = status.cpus.map((cpu, vcpu) => this.cpuState(cpu, vcpu, isBreakpoint, symbols));
    const paused = status.cpus.length > 0 && status.cpus.every((h) => this.host.heldHarts.has(h));
    const emptyList = { points: [], limits: { breakpoints: MAX_BREAKPOINTS, watchpoints: MAX_WATCHPOINTS }, gdbOwns: this.gdbOwns(zone), hit: null };
    return {
      zone,
      name: status.name,
      arch,
      cpuNoun: cpuModel(arch).cpuNoun,
      paused,
      cpus,
      points: list ? list.data(symbols, this.gdbOwns(zone), paused) : emptyList,
      symbols: zoneSymbols(this.host).status(zone),
    };
  }

  private cpuState(cpu: number, vcpu: number, isBreakpoint: (address: bigint) => boolean, symbols: SymbolTable | undefined): CpuRegisterState {
    const debug = this.debugOf(cpu);
    const [status] = this.host.hartSnapshots([cpu]);
    const stopCount = Atomics.load(debug, DebugWord.stopSeq);
    const reason = STOP_REASONS[Atomics.load(debug, DebugWord.stopReason)];
    const view = this.readCpu(cpu);
    let disassembly: DisassemblyLine[] = [];
    let disassemblyNote: string | undefined;
    if (!view) disassemblyNote = 'no snapshot yet: the vCPU has not run';
    else if (view.disassembly) {
      disassembly = view.disassembly.map((line) => ({ address: line.address, bytes: '', text: line.text, current: BigInt(line.address) === BigInt(view.pc), breakpoint: isBreakpoint(BigInt(line.address)) }));
    } else if (view.pcPhysical === undefined) disassemblyNote = `virtual: not translated (0x${BigInt(view.pc).toString(16)})`;
    // The snapshot's own pc, not a live one: that moves on between snapshots.
    else disassembly = this.disassembleAround(BigInt(view.pcPhysical), BigInt(view.pc), isBreakpoint);
    if (symbols) disassembly = disassembly.map((line) => withSymbols(line, symbols));
    const pc = view?.livePc ?? view?.pc ?? hex64(0n);
    const pcSymbol = symbols?.describe(BigInt(pc));
    const stopPc = getU64(debug, DebugWord.stopPcLo);
    const stopSymbol = symbols?.describe(stopPc);
    return {
      cpu,
      vcpu,
      status: status!.status,
      held: this.host.heldHarts.has(cpu),
      retired: status!.retired,
      pc,
      ...(pcSymbol ? { pcSymbol } : {}),
      pcPhysical: view?.pcPhysical ?? null,
      level: view?.level ?? null,
      groups: view?.groups ?? [],
      ...(view?.truncated ? { truncated: true } : {}),
      disassembly,
      ...(disassemblyNote ? { disassemblyNote } : {}),
      snapshot: view?.seq ?? 0,
      lastStop: stopCount > 0 && reason ? { reason, pc: hex64(stopPc), count: stopCount, ...(stopSymbol ? { symbol: stopSymbol } : {}) } : null,
    };
  }

  /** The CPU's latest snapshot: the generic one when its loop publishes it, else the RISC-V debug area's. */
  private readCpu(cpu: number): CpuView | undefined {
    const region = (this.host.view as CpuRegions).cpuInspectRegion?.(cpu);
    const generic = region ? readInspect(region) : undefined;
    if (generic) return { ...generic, groups: generic.groups.map(groupData) };
    return this.readHartSnapshot(cpu);
  }

  /**
   * A RISC-V hart's debug-area snapshot as register groups, the same groups the hart's own inspect()
   * gives (isa/riscv64/inspect.ts) plus one-line summaries and the FP registers' readings. Goes once the
   * vCPU loop publishes the generic snapshot.
   */
  private readHartSnapshot(hart: number): CpuView | undefined {
    const snap = readSnapshot(this.debugOf(hart));
    const names = isaInspect(this.host.loaded.board.arch)?.registerNames;
    if (!snap || !names) return undefined;
    const region = this.host.view.hartRegion(hart);
    const words = new Int32Array(region.buffer, region.byteOffset, region.byteLength >> 2);
    const general: RegisterValueData[] = [{ name: 'pc', value: hex64(snap.pc) }];
    names.general.forEach((name, i) => general.push({ name, value: hex64(i === 0 ? 0n : getU64(words, (SNAPSHOT_X_OFFSET >> 2) + 2 * i)) }));
    const fBytes = new DataView(region.buffer as ArrayBuffer, region.byteOffset + SNAPSHOT_F_OFFSET, 256);
    const float: RegisterValueData[] = names.float.map((name, i) => {
      const lo = fBytes.getUint32(i * 8, true);
      const hi = fBytes.getUint32(i * 8 + 4, true);
      const boxed = hi === 0xffff_ffff;
      return {
        name,
        value: hex64((BigInt(hi) << 32n) | BigInt(lo)),
        readings: [
          { label: 'double', text: formatFloat(fBytes.getFloat64(i * 8, true)) },
          { label: 'single', text: boxed ? formatFloat(fBytes.getFloat32(i * 8, true)) : '(not NaN-boxed)' },
        ],
      };
    });
    const supervisor: RegisterValueData[] = [];
    const machine: RegisterValueData[] = [];
    for (const csr of decodeSnapshotCsrs(snap.csrs)) {
      const value: RegisterValueData = { name: csr.name, value: csr.value, ...(csr.fields.length > 0 ? { fields: csr.fields } : {}), summary: csr.summary };
      if (csr.name === 'fcsr') float.push(value);
      else (csr.name.startsWith('m') ? machine : supervisor).push(value);
    }
    const privilege = PRIVILEGES[snap.privilege] ?? 'M';
    const priv: RegisterValueData = {
      name: 'priv',
      value: hex64(BigInt(snap.privilege)),
      fields: [{ name: 'mode', lsb: 0, width: 2, value: String(snap.privilege), meaning: privilege }],
      summary: `${privilege}-mode`,
    };
    return {
      seq: snap.seq,
      pc: hex64(snap.pc),
      // The region's pc moves on with every slice; shown as the pc, as before, while the code is the snapshot's.
      livePc: hex64(getU64(words, SNAPSHOT_PC_OFFSET >> 2)),
      ...(snap.pcPhysical !== undefined ? { pcPhysical: hex64(snap.pcPhysical) } : {}),
      level: `${privilege}-mode`,
      groups: [
        { name: 'General', registers: general },
        { name: 'Privilege', registers: [priv] },
        { name: 'Supervisor', registers: supervisor },
        { name: 'Machine', registers: machine },
        { name: 'Float', registers: float },
      ],
    };
  }

  /** ~16 instructions around the pc, from RAM at the pc's physical page (the only page known to be mapped). */
  private disassembleAround(pcPhysical: bigint, pc: bigint, isBreakpoint: (address: bigint) => boolean): DisassemblyLine[] {
    const isa = isaInspect(this.host.loaded.board.arch);
    const ram = this.host.view.bus.ram;
    const phys = Number(pcPhysical);
    const pageStart = Math.max(phys - (phys % 4096), ram.base);
    const pageEnd = Math.min(pageStart + 4096, ram.base + ram.size);
    if (!isa || phys < ram.base || phys >= pageEnd) return [];
    const half = (pa: number): number => ram.view.getUint16(pa - ram.base, true);
    const length = (pa: number): number => isa.instructionBytes(half(pa));
    let start = phys;
    for (let back = DISASSEMBLY_BACK; back > 0; back -= isa.alignment) {
      let a = phys - back;
      if (a < pageStart) continue;
      while (a < phys) a += length(a);
      if (a === phys) {
        start = phys - back;
        break;
      }
    }
    const lines: DisassemblyLine[] = [];
    let before = 0;
    for (let a = start; a < phys; a += length(a)) before++;
    for (; before > DISASSEMBLY_BEFORE; before--) start += length(start);
    for (let a = start; a < pageEnd && lines.length < DISASSEMBLY_LINES; ) {
      const size = length(a);
      if (a + size > pageEnd) break;
      const bits = size === 4 ? ram.view.getUint32(a - ram.base, true) : half(a);
      const address = BigInt.asUintN(64, pc + BigInt(a - phys));
      const bytes = Array.from({ length: size }, (_, i) => ram.view.getUint8(a - ram.base + i).toString(16).padStart(2, '0')).join(' ');
      lines.push({ address: hex64(address), bytes, text: isa.disassemble(bits, address), current: a === phys, breakpoint: isBreakpoint(address) });
      a += size;
    }
    return lines;
  }

  // ---------------------------------------------------------------------------------------------
  // Debug control

  async pause(zone: number): Promise<ZoneDebugState> {
    const { cpus } = this.zoneOf(zone);
    const before = cpus.map((h) => Atomics.load(this.debugOf(h), DebugWord.stopSeq));
    this.host.holdHarts(cpus);
    // Wait for every hart that runs to reach its slice boundary (parked harts never run a slice).
    await waitUntil(() =>
      cpus.every((h, i) => {
        const status = this.host.hartSnapshots([h])[0]!.status;
        return Atomics.load(this.debugOf(h), DebugWord.stopSeq) !== before[i] || (status !== 'running' && status !== 'waiting');
      }),
    );
    return this.zoneState(zone);
  }

  async resume(zone: number): Promise<ZoneDebugState> {
    // A breakpoint stop announced but not yet polled would hold the zone again right after this
    // release: take every announced stop first, so that resume continues from all of them.
    this.pollStops();
    const { cpus } = this.zoneOf(zone);
    // A CPU standing on an enabled breakpoint would stop there again at once: it steps over it first.
    const list = this.pointLists.get(zone);
    if (list && !this.gdbOwns(zone)) {
      for (const cpu of cpus) {
        const view = this.readCpu(cpu);
        const pc = view?.livePc ?? view?.pc;
        const status = this.host.hartSnapshots([cpu])[0]?.status;
        if (pc !== undefined && status === 'paused' && this.host.heldHarts.has(cpu) && list.breakpointAt(BigInt(pc))) await this.step(zone, cpu);
      }
      list.clearHit();
    }
    this.host.releaseHarts(cpus);
    return this.zoneState(zone);
  }

  async step(zone: number, cpu: number): Promise<ZoneDebugState> {
    const { cpus } = this.zoneOf(zone);
    const hart = cpu;
    const noun = cpuModel(this.host.loaded.board.arch).cpuNoun;
    if (!cpus.includes(hart)) throw new Error(`${noun} ${hart} does not belong to zone ${zone}`);
    const header = this.host.view.headers[hart]!;
    const debug = this.debugOf(hart);
    const before = Atomics.load(debug, DebugWord.stopSeq);
    if (Atomics.compareExchange(header, HartWord.request, RunRequest.pause, RunRequest.step) !== RunRequest.pause) {
      throw new Error(`${noun} ${hart} is not paused: pause zone ${zone} first`);
    }
    Atomics.notify(header, HartWord.request);
    wakeHart(header);
    await waitUntil(() => Atomics.load(debug, DebugWord.stopSeq) !== before);
    this.pollStops();
    return this.zoneState(zone);
  }

  async setBreakpoint(zone: number, address: string | number | null): Promise<ZoneDebugState> {
    const list = this.editablePoints(zone);
    if (address === null || address === '') list.removeAllBreakpoints();
    else list.toggle(parseAddress(address));
    return this.zoneState(zone);
  }

  /** Replaces the zone's symbols by dropped bytes; a file that gives none is reported in the state. */
  private loadSymbols(zone: number, name: string, base64: string): ZoneDebugState {
    this.zoneOf(zone);
    if (typeof name !== 'string' || typeof base64 !== 'string') throw new Error('zone.symbols needs a file name and its bytes as base64');
    if (base64.length > MAX_DROPPED_BASE64) throw new Error(`${name}: larger than the 256 MiB a dropped symbol file may have`);
    zoneSymbols(this.host).loadBytes(zone, name, new Uint8Array(Buffer.from(base64, 'base64')));
    return this.zoneState(zone);
  }

  private symbolsOf(zone: number): SymbolTable | undefined {
    return zoneSymbols(this.host).table(zone);
  }

  /** The zone's list, refused while a gdb client owns the debug table. */
  private editablePoints(zone: number): ZoneDebugPointList {
    const status = this.zoneOf(zone);
    this.noticeGdb(zone);
    if (this.gdbOwns(zone)) throw new Error(`gdb is attached to ${status.name}: the breakpoints and watchpoints are gdb's until it detaches`);
    let list = this.pointLists.get(zone);
    if (!list) {
      list = new ZoneDebugPointList(status.name, (table) => {
        for (const cpu of this.zoneOf(zone).cpus) {
          writeDebugTable(this.debugOf(cpu), table);
          wakeHart(this.host.view.headers[cpu]!);
        }
      });
      this.pointLists.set(zone, list);
    }
    return list;
  }

  private gdbOwns(zone: number): boolean {
    return this.gdbServers.get(zone)?.connected() ?? false;
  }

  /** After a gdb client leaves (it clears the table), the view's list is armed again. */
  private noticeGdb(zone: number): void {
    const owns = this.gdbOwns(zone);
    if (owns) this.gdbOwned.add(zone);
    else if (this.gdbOwned.delete(zone)) this.pointLists.get(zone)?.apply();
  }

  /** Reports every stop the harts announced since the last look; a breakpoint hit holds the zone. */
  private pollStops(): void {
    const statuses = this.host.zoneStatuses();
    for (const [hart, seen] of this.stopSeqs) {
      const debug = this.debugOf(hart);
      const seq = Atomics.load(debug, DebugWord.stopSeq);
      if (seq === seen) continue;
      this.stopSeqs.set(hart, seq);
      const reason: StopReason | undefined = STOP_REASONS[Atomics.load(debug, DebugWord.stopReason)];
      if (!reason) continue;
      const zone = statuses.find((z) => z.state !== 'stopped' && z.cpus.includes(hart)) ?? statuses.find((z) => z.cpus.includes(hart));
      if (reason === 'breakpoint' && zone) {
        this.host.holdHarts(zone.cpus);
        const list = this.pointLists.get(zone.id);
        if (list && !this.gdbOwns(zone.id)) {
          const kind = Atomics.load(debug, DebugTable.stopWatchKind);
          list.recordStop(getU64(debug, DebugWord.stopPcLo), kind !== 0 ? { kind, address: getU64(debug, DebugTable.stopDataLo) } : undefined, this.symbolsOf(zone.id));
        }
      }
      this.emit('zone.stopped', { zone: zone?.id ?? 0, cpu: hart, reason, pc: hex64(getU64(debug, DebugWord.stopPcLo)) });
    }
  }
}

function parseKind(kind: unknown): DebugPointKind {
  if (kind === 'execute' || kind === 'read' || kind === 'write' || kind === 'access') return kind;
  throw new Error(`not a breakpoint or watchpoint kind: ${String(kind)} (execute, read, write or access)`);
}

/** A disassembly line with its address's symbol and the symbol of an address its text names. */
function withSymbols(line: DisassemblyLine, symbols: SymbolTable): DisassemblyLine {
  const symbol = symbols.describe(BigInt(line.address));
  const named = /0x[0-9a-fA-F]{4,16}\b/g;
  let target: string | undefined;
  for (const match of line.text.matchAll(named)) target = symbols.describe(BigInt(match[0])) ?? target;
  return { ...line, ...(symbol ? { symbol } : {}), ...(target ? { target } : {}) };
}

function parseAddress(address: string | number): bigint {
  try {
    const value = typeof address === 'number' ? BigInt(address) : BigInt(address.trim().replace(/_/g, ''));
    if (value < 0n || value >= 1n << 64n) throw new Error();
    return value;
  } catch {
    throw new Error(`not an address: ${String(address)}`);
  }
}

function formatFloat(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (Object.is(value, -0)) return '-0';
  return String(value);
}

async function waitUntil(done: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 2));
}

const PRIVILEGES = ['U', 'S', 'S', 'M'] as const;

interface LiveZone {
  readonly id: number;
  readonly name: string;
  readonly config: ZoneConfig;
  readonly slot: ReturnType<NonNullable<MachineHost['runtime']>['table']['live']> extends Iterable<infer S> ? S : never;
}

/** What the service reads of a CPU, whichever snapshot it came from. */
interface CpuView extends Omit<CpuInspectSnapshot, 'groups' | 'arch' | 'cpu'> {
  readonly seq: number;
  readonly groups: readonly RegisterGroupData[];
  /** The pc the CPU's region holds now, when newer than the snapshot's. */
  readonly livePc?: string;
}

/** A CPU's register group as the protocol carries it (values as hex strings). */
function groupData(group: RegisterGroup): RegisterGroupData {
  return {
    name: group.name,
    registers: group.registers.map((r) => ({
      name: r.name,
      value: typeof r.value === 'bigint' ? hex64(r.value) : r.value,
      ...(r.fields && r.fields.length > 0 ? { fields: r.fields } : {}),
    })),
  };
}
