/**
 * The memory and translation views' service (issue 12 item 3, decision 0019), for any architecture: a
 * zone's bytes by guest-virtual, guest-physical or host-physical address, writes while the zone is
 * paused, a translation walk through a vCPU's stage 1 (the ISA registry's walk, fed with the registers
 * the vCPU last published) and the zone's stage 2, and the zone's live stage-2 map. The rules of what
 * may be reached are core/hypervisor/zone-memory.ts's; this file binds them to the running machine.
 */
import type { AddressView, MemoryBlock, MemoryWriteResult, Stage2MapState, Stage2RegionData, TranslationState } from '../shared/protocol/index';
import { readInspect } from '../core/cpu/cpu-inspect';
import { isaInspect } from '../core/cpu/isa-inspect';
import { CpuWord } from '../core/cpu/cpu-core';
import { readSnapshot } from '../core/cpu/hart-snapshot';
import { cpuModel } from '../core/cpu-models';
import { decodeZoneConfig } from '../core/hypervisor/zone-config-binary';
import { installedStage2, MAX_MEMORY_ACCESS, ZoneMemory, type InstalledRegion } from '../core/hypervisor/zone-memory';
import type { MachineHost } from './machine-host';

const VIEWS: readonly AddressView[] = ['gva', 'gpa', 'hpa'];
const hex = (value: number | bigint): string => `0x${value.toString(16)}`;

export function regionData(r: InstalledRegion): Stage2RegionData {
  return {
    kind: r.kind,
    guestStart: hex(r.guestStart),
    size: hex(r.size),
    hostStart: r.hostStart === undefined ? null : hex(r.hostStart),
    access: r.access,
    source: r.source,
  };
}

function parseAddress(zone: number, address: unknown): bigint {
  try {
    const value = typeof address === 'number' ? BigInt(address) : BigInt(String(address).trim().replace(/_/g, ''));
    if (value >= 0n && value < 1n << 64n) return value;
  } catch {
    // Reported below.
  }
  throw new Error(`zone ${zone}: not an address: ${JSON.stringify(address)}`);
}

function parseBytes(zone: number, text: unknown): Uint8Array {
  if (typeof text !== 'string' || !/^(?:[0-9a-fA-F]{2})*$/.test(text)) throw new Error(`zone ${zone}: bytes must be hex digits, two per byte`);
  if (text.length === 0 || text.length / 2 > MAX_MEMORY_ACCESS) throw new Error(`zone ${zone}: write 1 to ${MAX_MEMORY_ACCESS} bytes (got ${text.length / 2})`);
  return Uint8Array.from({ length: text.length / 2 }, (_, i) => parseInt(text.slice(2 * i, 2 * i + 2), 16));
}

const toHex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

export class MemoryService {
  constructor(private readonly host: MachineHost) {}

  handles(command: string): boolean {
    return command.startsWith('memory.');
  }

  invoke(command: string, params: unknown): unknown {
    const p = (params ?? {}) as { zone: number; view: AddressView; address: string; length: number; cpu?: number; bytes: string };
    switch (command) {
      case 'memory.read':
        return this.read(p.zone, p.view, p.address, p.length, p.cpu);
      case 'memory.write':
        return this.write(p.zone, p.view, p.address, p.bytes, p.cpu);
      case 'memory.translate':
        return this.translate(p.zone, p.view, p.address, p.cpu);
      case 'memory.stage2':
        return this.stage2(p.zone);
      default:
        throw new Error(`unknown command ${command}`);
    }
  }

  private zone(zone: number): { cpus: readonly number[]; name: string } {
    const status = this.host.zoneStatuses().find((z) => z.id === zone);
    if (!status) throw new Error(`there is no zone ${String(zone)}`);
    if (status.state === 'stopped') throw new Error(`zone ${zone} (${status.name}) is not running: its memory belongs to nobody now`);
    return status;
  }

  private paused(cpus: readonly number[]): boolean {
    return cpus.length > 0 && cpus.every((c) => this.host.heldHarts.has(c));
  }

  /** The zone's stage-2 map as installed now; without a hypervisor, the board's RAM as it is. */
  regions(zone: number): { regions: InstalledRegion[]; changes: number } {
    const runtime = this.host.runtime;
    const slot = runtime?.table.byId(zone);
    if (!runtime || !slot) {
      const regions = this.host.view.bus.banks.map((b): InstalledRegion => ({ kind: 'ram', guestStart: b.base, hostStart: b.base, size: b.size, access: 'rwx', source: 'board RAM' }));
      return { regions, changes: 0 };
    }
    const config = decodeZoneConfig(slot.config(), `zone ${zone}`, this.host.loaded.board.arch);
    return { regions: installedStage2(runtime, slot, config), changes: slot.stage2Log.generation };
  }

  /** The vCPU's registers by lower-case name, from the snapshot it published last (current while it is held). */
  private registers(cpu: number): (name: string) => bigint | undefined {
    const values = new Map<string, bigint>();
    for (const group of readInspect(this.host.view.cpuInspectRegion(cpu))?.groups ?? []) {
      for (const r of group.registers) {
        const v = typeof r.value === 'bigint' ? r.value : /^0x[0-9a-f]+$/i.test(r.value) ? BigInt(r.value) : undefined;
        if (v !== undefined) values.set(r.name.toLowerCase(), v);
      }
    }
    if (values.size === 0) {
      // A RISC-V hart that publishes only its debug-area snapshot.
      const snap = readSnapshot(this.host.view.cpuDebugWords(cpu));
      for (const [name, value] of snap?.csrs ?? []) values.set(name, value);
      if (snap) values.set('priv', BigInt(snap.privilege));
    }
    return (name) => values.get(name);
  }

  private memory(zone: number, cpu: number | undefined): { memory: ZoneMemory; cpu: number; cpus: readonly number[] } {
    const status = this.zone(zone);
    const noun = cpuModel(this.host.loaded.board.arch).cpuNoun;
    if (cpu !== undefined && !status.cpus.includes(cpu)) throw new Error(`${noun} ${String(cpu)} does not belong to zone ${zone} (${status.name})`);
    const chosen = cpu ?? status.cpus[0] ?? -1;
    const isa = isaInspect(this.host.loaded.board.arch);
    const bus = this.host.view.bus;
    const register = chosen >= 0 ? this.registers(chosen) : undefined;
    const memory = new ZoneMemory({
      zone: `${zone} (${status.name})`,
      regions: this.regions(zone).regions,
      ram: (hpa, length) => {
        const bank = bus.bankAt(hpa, length);
        return bank ? bank.u8.subarray(hpa - bank.base, hpa - bank.base + length) : undefined;
      },
      ...(isa?.walk && register ? { walk: (va: bigint, read64: (gpa: bigint) => bigint | undefined) => isa.walk!(va, register, read64) } : {}),
    });
    return { memory, cpu: chosen, cpus: status.cpus };
  }

  private view(zone: number, view: unknown): AddressView {
    if (!VIEWS.includes(view as AddressView)) throw new Error(`zone ${zone}: unknown address view ${JSON.stringify(view)} (gva, gpa or hpa)`);
    return view as AddressView;
  }

  read(zone: number, view: AddressView, address: string, length: number, cpu?: number): MemoryBlock {
    const v = this.view(zone, view);
    const at = parseAddress(zone, address);
    const { memory, cpu: chosen, cpus } = this.memory(zone, cpu);
    const result = memory.read(v, at, length);
    return { zone, view: v, cpu: chosen, address: hex(at), bytes: toHex(result.bytes), unreadable: result.unreadable, paused: this.paused(cpus) };
  }

  write(zone: number, view: AddressView, address: string, bytes: string, cpu?: number): MemoryWriteResult {
    const v = this.view(zone, view);
    const at = parseAddress(zone, address);
    const data = parseBytes(zone, bytes);
    const { memory, cpus } = this.memory(zone, cpu);
    if (!this.paused(cpus)) throw new Error(`zone ${zone} is running: pause it before editing its memory (${hex(at)})`);
    const previous = memory.write(v, at, data);
    // The zone's CPUs may hold decoded instructions of these bytes: they drop them before running on.
    for (const c of cpus) Atomics.or(this.host.view.headers[c]!, CpuWord.fences, 2);
    return { address: hex(at), previous: toHex(previous) };
  }

  translate(zone: number, view: AddressView, address: string, cpu?: number): TranslationState {
    const v = this.view(zone, view);
    const at = parseAddress(zone, address);
    const { memory, cpu: chosen } = this.memory(zone, cpu);
    const t = memory.translate(v, at);
    const s1 = t.stage1;
    return {
      zone,
      cpu: chosen,
      view: v,
      address: hex(at),
      stage1: s1
        ? {
            regime: s1.regime,
            enabled: s1.enabled,
            levels: s1.levels.map((l) => ({
              level: l.level,
              label: l.label,
              table: hex(l.table),
              index: l.index,
              entryAddress: hex(l.entryAddress),
              entry: l.entry === undefined ? null : `0x${l.entry.toString(16).padStart(16, '0')}`,
              kind: l.kind,
              fields: l.fields,
              ...(l.pageSize !== undefined ? { pageSize: hex(l.pageSize) } : {}),
            })),
            output: s1.output === undefined ? null : hex(s1.output),
            fault: s1.fault ?? null,
            permissions: s1.permissions ?? null,
          }
        : null,
      guestPhysical: t.guestPhysical === undefined ? null : hex(t.guestPhysical),
      stage2: t.stage2
        ? {
            region: t.stage2.region ? regionData(t.stage2.region) : null,
            hostPhysical: t.stage2.hostPhysical === undefined ? null : hex(t.stage2.hostPhysical),
            refused: t.stage2.refused ?? null,
          }
        : null,
    };
  }

  stage2(zone: number): Stage2MapState {
    const status = this.zone(zone);
    const { regions, changes } = this.regions(zone);
    return { zone, name: status.name, changes, regions: regions.map(regionData) };
  }
}
