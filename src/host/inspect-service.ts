/**
 * The inspectors' service on the main thread: reads the interrupt controllers (physical PLIC and each
 * live zone's vPLIC, under the device lock, without side effects) and the vCPUs' registers (from the
 * harts' shared regions and the snapshots their workers publish, core/cpu/hart-snapshot.ts), and
 * drives per-zone debug control: pause, single step, resume and a breakpoint. It watches the harts'
 * stop counters and reports each stop as a `zone.stopped` event.
 */
import type {
  CommandName,
  ControllerSource,
  DisassemblyLine,
  EventName,
  Events,
  FpRegisterValue,
  HartRegisterState,
  InterruptControllerState,
  InterruptControllersState,
  IntRegisterValue,
  RegisterDefData,
  StopReason,
  ZoneDebugState,
} from '../shared/protocol/index';
import type { ZoneConfig } from '../shared/model/zone-config';
import { HartWord, RunRequest } from '../core/cpu/hart-header';
import {
  DebugWord,
  debugWords,
  decodeSnapshotCsrs,
  getU64,
  hex64,
  putU64,
  readSnapshot,
  SNAPSHOT_F_OFFSET,
  SNAPSHOT_PC_OFFSET,
  SNAPSHOT_X_OFFSET,
  STOP_REASONS,
} from '../core/cpu/hart-snapshot';
import { wakeHart } from '../core/machine/signals';
import { disassemble } from '../core/isa/riscv64/disassembler';
import { ABI_NAMES, FP_ABI_NAMES } from '../core/isa/riscv64/instructions';
import { decodeZoneConfig } from '../core/hypervisor/zone-config-binary';
import type { MachineHost, ZoneStatus } from './machine-host';

const COMMANDS = new Set<CommandName>(['inspect.plic', 'inspect.harts', 'zone.pause', 'zone.resume', 'zone.step', 'zone.breakpoint']);
const PRIVILEGES = ['U', 'S', 'S', 'M'] as const;
const STOP_POLL_MS = 50;
/** Bytes of code shown before the pc (the start is found by decoding forward onto the pc). */
const DISASSEMBLY_BACK = 24;
const DISASSEMBLY_LINES = 16;
const DISASSEMBLY_BEFORE = 5;

export type InspectEmit = <E extends EventName>(event: E, payload: Events[E]) => void;

export class InspectService {
  private readonly stopSeqs = new Map<number, number>();
  private readonly breakpoints = new Map<number, bigint>();
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(
    private readonly host: MachineHost,
    private readonly emit: InspectEmit,
  ) {
    for (let h = 0; h < host.view.headers.length; h++) this.stopSeqs.set(h, Atomics.load(this.debugOf(h), DebugWord.stopSeq));
    this.timer = setInterval(() => this.pollStops(), STOP_POLL_MS);
  }

  handles(command: string): boolean {
    return COMMANDS.has(command as CommandName);
  }

  async invoke(command: CommandName, params: unknown): Promise<unknown> {
    const p = params as { zone: number; hart: number; address: string | number | null };
    switch (command) {
      case 'inspect.plic':
        return this.interruptControllers();
      case 'inspect.harts':
        return this.zoneState(p.zone);
      case 'zone.pause':
        return this.pause(p.zone);
      case 'zone.resume':
        return this.resume(p.zone);
      case 'zone.step':
        return this.step(p.zone, p.hart);
      case 'zone.breakpoint':
        return this.setBreakpoint(p.zone, p.address);
      default:
        throw new Error(`unknown command ${command}`);
    }
  }

  dispose(): void {
    clearInterval(this.timer);
  }

  // ---------------------------------------------------------------------------------------------
  // Interrupt controllers

  interruptControllers(): InterruptControllersState {
    const { host } = this;
    const board = host.loaded.board;
    const zones = this.liveConfigs();
    const owners = new Map<number, number>();
    for (const zone of zones) for (const irq of zone.config.interrupts) if (!owners.has(irq)) owners.set(irq, zone.id);
    const hwIrqs = new Set(board.hwIrqs);
    const plic = host.view.devices.plic;
    const controllers: InterruptControllerState[] = [];
    if (plic) {
      const base = host.view.bus.mappings.find((m) => m.device === plic)?.base;
      const lock = host.view.lock;
      lock.acquire();
      try {
        const physical = plic.inspect();
        controllers.push({
          id: 'plic',
          kind: 'sifive-plic',
          title: 'PLIC (physical)',
          zone: null,
          base: base !== undefined ? `0x${base.toString(16)}` : null,
          sources: physical.sources.map((s) => ({
            id: s.id,
            priority: s.priority,
            pending: s.pending,
            active: s.claimed,
            level: s.level,
            owner: owners.get(s.id) ?? null,
            hw: hwIrqs.has(s.id),
          })),
          contexts: physical.contexts.map((c) => ({
            id: c.context,
            label: `ctx ${c.context}`,
            hart: c.hart,
            mode: c.mode,
            enables: c.enabled,
            threshold: c.threshold,
            wouldClaim: c.wouldClaim,
          })),
          registers: plic.registers as readonly RegisterDefData[],
        });
        const runtime = host.runtime;
        for (const zone of runtime ? zones : []) {
          const vplic = runtime!.vplicOf(zone.slot!);
          const state = vplic.inspect();
          const sources: ControllerSource[] = state.sources
            .filter((s) => s.owned || s.pending || s.active)
            .map((s) => ({ id: s.irq, priority: s.priority, pending: s.pending, active: s.active, owner: s.owned ? zone.id : null, hw: s.hw }));
          controllers.push({
            id: `vplic.${zone.id}`,
            kind: 'vplic',
            title: `vPLIC of zone ${zone.id} (${zone.name})`,
            zone: zone.id,
            base: zone.config.archConfig?.plicBase !== undefined ? `0x${zone.config.archConfig.plicBase.toString(16)}` : null,
            sources,
            contexts: state.contexts.map((c) => ({
              id: c.vcontext,
              label: `vctx ${c.vcontext}`,
              hart: c.hart,
              mode: 'S' as const,
              enables: c.enables,
              threshold: c.threshold,
              wouldClaim: c.wouldClaim,
            })),
            registers: vplic.registers as readonly RegisterDefData[],
          });
        }
      } finally {
        lock.release();
      }
    }
    return { arch: board.arch, zones: zones.map((z) => ({ id: z.id, name: z.name })), controllers };
  }

  /** Live zones with their decoded configuration (the root alone when the layout runs no hypervisor). */
  private liveConfigs(): { id: number; name: string; config: ZoneConfig; slot?: NonNullable<MachineHost['runtime']>['table']['slots'][number] }[] {
    const runtime = this.host.runtime;
    if (!runtime) return [];
    const names = new Map(this.host.zoneStatuses().map((z) => [z.id, z.name]));
    return [...runtime.table.live()].sort((a, b) => a.zoneId - b.zoneId).map((slot) => {
      const config = decodeZoneConfig(slot.config(), `zone slot ${slot.index}`);
      return { id: slot.zoneId, name: names.get(slot.zoneId) ?? config.name, config, slot };
    });
  }

  // ---------------------------------------------------------------------------------------------
  // vCPUs

  private zoneOf(zone: number): ZoneStatus {
    const status = this.host.zoneStatuses().find((z) => z.id === zone);
    if (!status) throw new Error(`there is no zone ${zone}`);
    return status;
  }

  private debugOf(hart: number): Int32Array {
    const region = this.host.view.hartRegion(hart);
    return debugWords(region.buffer, region.byteOffset);
  }

  zoneState(zone: number): ZoneDebugState {
    const status = this.zoneOf(zone);
    const breakpoint = this.breakpoints.get(zone);
    const harts = status.cpus.map((hart, vcpu) => this.hartState(hart, vcpu, breakpoint));
    return {
      zone,
      name: status.name,
      paused: status.cpus.length > 0 && status.cpus.every((h) => this.host.heldHarts.has(h)),
      breakpoint: breakpoint !== undefined ? hex64(breakpoint) : null,
      harts,
    };
  }

  private hartState(hart: number, vcpu: number, breakpoint: bigint | undefined): HartRegisterState {
    const region = this.host.view.hartRegion(hart);
    const words = new Int32Array(region.buffer, region.byteOffset, region.byteLength >> 2);
    const debug = this.debugOf(hart);
    const snap = readSnapshot(debug);
    const pc = getU64(words, SNAPSHOT_PC_OFFSET >> 2);
    const x: IntRegisterValue[] = ABI_NAMES.map((abi, i) => ({ index: i, abi, value: hex64(i === 0 ? 0n : getU64(words, (SNAPSHOT_X_OFFSET >> 2) + 2 * i)) }));
    const fBytes = new DataView(region.buffer as ArrayBuffer, region.byteOffset + SNAPSHOT_F_OFFSET, 256);
    const f: FpRegisterValue[] = FP_ABI_NAMES.map((abi, i) => {
      const lo = fBytes.getUint32(i * 8, true);
      const hi = fBytes.getUint32(i * 8 + 4, true);
      const boxed = hi === 0xffff_ffff;
      return {
        index: i,
        abi,
        value: hex64((BigInt(hi) << 32n) | BigInt(lo)),
        double: formatFloat(fBytes.getFloat64(i * 8, true)),
        single: boxed ? formatFloat(fBytes.getFloat32(i * 8, true)) : '(not NaN-boxed)',
      };
    });
    const [status] = this.host.hartSnapshots([hart]);
    const stopCount = Atomics.load(debug, DebugWord.stopSeq);
    const reason = STOP_REASONS[Atomics.load(debug, DebugWord.stopReason)];
    let disassembly: DisassemblyLine[] = [];
    let disassemblyNote: string | undefined;
    if (!snap) disassemblyNote = 'no snapshot yet: the vCPU has not run';
    else if (snap.pcPhysical === undefined) disassemblyNote = `virtual: not translated (0x${snap.pc.toString(16)})`;
    // The snapshot's own pc, not the region's: that one moves on between snapshots.
    else disassembly = this.disassembleAround(snap.pcPhysical, snap.pc, breakpoint);
    return {
      hart,
      vcpu,
      status: status!.status,
      held: this.host.heldHarts.has(hart),
      retired: status!.retired,
      pc: hex64(pc),
      pcPhysical: snap?.pcPhysical !== undefined ? hex64(snap.pcPhysical) : null,
      privilege: PRIVILEGES[snap?.privilege ?? 3] ?? 'M',
      x,
      f,
      csrs: snap ? decodeSnapshotCsrs(snap.csrs) : [],
      disassembly,
      ...(disassemblyNote ? { disassemblyNote } : {}),
      snapshot: snap?.seq ?? 0,
      lastStop: stopCount > 0 && reason ? { reason, pc: hex64(getU64(debug, DebugWord.stopPcLo)), count: stopCount } : null,
    };
  }

  /** ~16 instructions around the pc, from RAM at the pc's physical page (the only page known to be mapped). */
  private disassembleAround(pcPhysical: bigint, pc: bigint, breakpoint: bigint | undefined): DisassemblyLine[] {
    const ram = this.host.view.bus.ram;
    const phys = Number(pcPhysical);
    const pageStart = Math.max(phys - (phys % 4096), ram.base);
    const pageEnd = Math.min(pageStart + 4096, ram.base + ram.size);
    if (phys < ram.base || phys >= pageEnd) return [];
    const half = (pa: number): number => ram.view.getUint16(pa - ram.base, true);
    const length = (pa: number): number => ((half(pa) & 3) === 3 ? 4 : 2);
    let start = phys;
    for (let back = DISASSEMBLY_BACK; back > 0; back -= 2) {
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
      lines.push({ address: hex64(address), bytes, text: disassemble(bits, address), current: a === phys, breakpoint: breakpoint === address });
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
    this.host.releaseHarts(this.zoneOf(zone).cpus);
    return this.zoneState(zone);
  }

  async step(zone: number, hart: number): Promise<ZoneDebugState> {
    const { cpus } = this.zoneOf(zone);
    if (!cpus.includes(hart)) throw new Error(`hart ${hart} does not belong to zone ${zone}`);
    const header = this.host.view.headers[hart]!;
    const debug = this.debugOf(hart);
    const before = Atomics.load(debug, DebugWord.stopSeq);
    if (Atomics.compareExchange(header, HartWord.request, RunRequest.pause, RunRequest.step) !== RunRequest.pause) {
      throw new Error(`hart ${hart} is not paused: pause zone ${zone} first`);
    }
    Atomics.notify(header, HartWord.request);
    wakeHart(header);
    await waitUntil(() => Atomics.load(debug, DebugWord.stopSeq) !== before);
    this.pollStops();
    return this.zoneState(zone);
  }

  async setBreakpoint(zone: number, address: string | number | null): Promise<ZoneDebugState> {
    const { cpus } = this.zoneOf(zone);
    const value = address === null || address === '' ? undefined : parseAddress(address);
    if (value === undefined) this.breakpoints.delete(zone);
    else this.breakpoints.set(zone, value);
    for (const h of cpus) {
      const debug = this.debugOf(h);
      putU64(debug, DebugWord.breakpointLo, value ?? 0n);
      Atomics.store(debug, DebugWord.breakpointArmed, value === undefined ? 0 : 1);
      Atomics.add(debug, DebugWord.breakpointGen, 1);
      wakeHart(this.host.view.headers[h]!);
    }
    return this.zoneState(zone);
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
      if (reason === 'breakpoint' && zone) this.host.holdHarts(zone.cpus);
      this.emit('zone.stopped', { zone: zone?.id ?? 0, hart, reason, pc: hex64(getU64(debug, DebugWord.stopPcLo)) });
    }
  }
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
