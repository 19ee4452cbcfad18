/**
 * A zone's memory as a debugger sees it (the memory and translation views, issue 12): its stage-2 map as
 * installed (the config's regions, what the hypervisor adds at start — IVC sections and control tables,
 * the virtual interrupt controller's windows, virtio windows — and every logged run-time change), and
 * bytes by guest-virtual, guest-physical or host-physical address.
 *
 * The rules: only RAM the zone's stage-2 maps is read or written, so a zone never reaches another zone's
 * memory or the hypervisor's through these views; I/O windows and trapped regions are reported as
 * unreadable and never accessed (a device read has side effects); a host-physical address is accepted
 * only where one of the zone's RAM regions maps it. Guest-virtual addresses go through a vCPU's stage-1
 * walk, whose table reads obey the same rules.
 */
import type { ZoneConfig } from '../../shared/model/zone-config';
import type { Stage1Walk } from '../cpu/translation-walk';
import type { ZoneRuntime } from './zone-runtime';
import type { ZoneSlot } from './zone-table';
import { currentStage2Regions, stage2RegionsOf, type Stage2Region } from './stage2-map';

export type AddressView = 'gva' | 'gpa' | 'hpa';

/** One entry of a zone's live stage-2 map. */
export interface InstalledRegion {
  /** ram and io are mapped; virtio and trapped regions are emulated by the hypervisor or the root's daemon. */
  readonly kind: 'ram' | 'io' | 'virtio' | 'trapped';
  readonly guestStart: number;
  /** Host-physical start of a mapped region (undefined: emulated, nothing behind it). */
  readonly hostStart?: number;
  readonly size: number;
  /** Rights the zone has: "rwx", "rw-" (data only), "r--", "rw- (I/O)", "emulated". */
  readonly access: string;
  /** Where the entry comes from: "zone config", "IVC section", "vPLIC", "virtio (root daemon)", "stage-2 change". */
  readonly source: string;
  /** IVC sections: written by the zone, or another peer's out section (read-only). */
  readonly data?: 'rw' | 'ro';
}

const sameRegion = (a: Stage2Region, b: Stage2Region): boolean => a.guestStart === b.guestStart && a.hostStart === b.hostStart && a.size === b.size;

/**
 * The zone's stage-2 map as its vCPUs have it now (the same inputs the arch vCPUs bind:
 * riscv64 zone-vcpu.ts, aarch64 vcpu.ts). Read without side effects on the host thread.
 */
export function installedStage2(runtime: ZoneRuntime, slot: ZoneSlot, config: ZoneConfig): InstalledRegion[] {
  const configured = stage2RegionsOf(config);
  const ivc = runtime.ivc?.mappingsOf(config.zoneId, config.ivcConfigs) ?? { regions: [], controlTables: [] };
  const ivcRegions: Stage2Region[] = ivc.regions.map((m) => ({ kind: 'ram', guestStart: m.ipa, hostStart: m.pa, size: m.size, data: m.readOnly ? 'ro' : 'rw' }));
  const memory = currentStage2Regions([...configured, ...ivcRegions], slot.stage2Log);
  const out: InstalledRegion[] = memory.map((r) => {
    const fromIvc = ivcRegions.find((i) => sameRegion(i, r));
    const source = fromIvc ? (fromIvc.data === 'ro' ? "IVC section (a peer's out, read-only)" : 'IVC section') : configured.some((c) => sameRegion(c, r)) ? 'zone config' : 'stage-2 change';
    const data = fromIvc?.data ?? r.data;
    const access = data === 'ro' ? 'r--' : data === 'rw' ? 'rw-' : r.kind === 'io' ? 'rw- (I/O)' : 'rwx';
    return { kind: r.kind, guestStart: r.guestStart, hostStart: r.hostStart, size: r.size, access, source, ...(data ? { data } : {}) };
  });
  const chip = runtime.virtualIrqChipOf(slot);
  for (const t of chip?.traps ?? []) out.push({ kind: 'trapped', guestStart: t.start, size: t.size, access: 'emulated', source: chip!.name });
  for (const base of ivc.controlTables) out.push({ kind: 'trapped', guestStart: base, size: 0x1000, access: 'emulated', source: 'IVC control table' });
  if (runtime.virtioBridge) {
    for (const r of config.memoryRegions) {
      if (r.type === 'virtio') out.push({ kind: 'virtio', guestStart: r.physicalStart, size: r.size, access: 'emulated', source: "virtio-mmio (root's daemon)" });
    }
  }
  return out.sort((a, b) => a.guestStart - b.guestStart);
}

/** A range of a read that could not be read, and why. */
export interface UnreadableRange {
  readonly offset: number;
  readonly length: number;
  readonly reason: string;
}

export interface MemoryRead {
  /** Unreadable bytes are 0 here and listed in `unreadable`. */
  readonly bytes: Uint8Array;
  readonly unreadable: readonly UnreadableRange[];
}

/** Where a guest-physical address leads. */
export interface Stage2Resolution {
  readonly region?: InstalledRegion;
  /** Host-physical address of a mapped address. */
  readonly hostPhysical?: number;
  /** Why the bytes cannot be read here (unmapped, I/O, emulated); undefined: RAM. */
  readonly refused?: string;
}

export interface ZoneTranslation {
  readonly stage1?: Stage1Walk;
  readonly guestPhysical?: bigint;
  readonly stage2?: Stage2Resolution;
}

/** The largest read or write of one request (a page). */
export const MAX_MEMORY_ACCESS = 4096;
const PAGE = 4096;
const hex = (value: number | bigint): string => `0x${value.toString(16)}`;

export interface ZoneMemoryOptions {
  readonly zone: string;
  readonly regions: readonly InstalledRegion[];
  /** The host RAM bytes of host-physical [hpa, hpa + length) when they lie in one bank. */
  readonly ram: (hpa: number, length: number) => Uint8Array | undefined;
  /** The chosen vCPU's stage-1 walk (its registers bound), or undefined when there is no vCPU to walk with. */
  readonly walk?: (va: bigint, read64: (gpa: bigint) => bigint | undefined) => Stage1Walk;
}

export class ZoneMemory {
  constructor(private readonly options: ZoneMemoryOptions) {}

  /** Where guest-physical `gpa` leads in the zone's stage-2 (for `length` bytes from it). */
  resolve(gpa: bigint, length = 1): Stage2Resolution {
    if (gpa < 0n || gpa + BigInt(length) > 1n << 53n) return { refused: `guest-physical ${hex(gpa)} is not mapped in stage 2` };
    const address = Number(gpa);
    const region = this.options.regions.find((r) => address >= r.guestStart && address < r.guestStart + r.size);
    if (!region) return { refused: `guest-physical ${hex(gpa)} is not mapped in zone ${this.options.zone}'s stage 2 (a guest access faults)` };
    if (address + length > region.guestStart + region.size) return { region, refused: `${hex(gpa)}+${length} runs past the region at ${hex(region.guestStart)}` };
    if (region.kind !== 'ram' || region.hostStart === undefined) {
      const what = region.kind === 'io' ? 'an I/O window (not read: device reads have side effects)' : `emulated by ${region.source} (not read: accesses are trapped)`;
      return { region, ...(region.hostStart !== undefined ? { hostPhysical: region.hostStart + (address - region.guestStart) } : {}), refused: `${hex(gpa)} is ${what}` };
    }
    return { region, hostPhysical: region.hostStart + (address - region.guestStart) };
  }

  /** Host-physical `hpa` back to the zone's RAM region that maps it (undefined: not the zone's memory). */
  private hostRegion(hpa: bigint, length: number): InstalledRegion | undefined {
    if (hpa < 0n || hpa + BigInt(length) > 1n << 53n) return undefined;
    const address = Number(hpa);
    return this.options.regions.find((r) => r.kind === 'ram' && r.hostStart !== undefined && address >= r.hostStart && address + length <= r.hostStart + r.size);
  }

  private read64 = (gpa: bigint): bigint | undefined => {
    const r = this.resolve(gpa, 8);
    if (r.refused !== undefined || r.hostPhysical === undefined) return undefined;
    const bytes = this.options.ram(r.hostPhysical, 8);
    if (!bytes) return undefined;
    let v = 0n;
    for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]!);
    return v;
  };

  /** The stage-1 walk (guest-virtual view) and the stage-2 result of `address` in `view`. */
  translate(view: AddressView, address: bigint): ZoneTranslation {
    if (view === 'hpa') {
      const region = this.hostRegion(address, 1);
      if (!region) return { stage2: { refused: `host-physical ${hex(address)} is not memory of zone ${this.options.zone}` } };
      const gpa = BigInt(region.guestStart) + (address - BigInt(region.hostStart!));
      return { guestPhysical: gpa, stage2: this.resolve(gpa) };
    }
    if (view === 'gpa') return { guestPhysical: address, stage2: this.resolve(address) };
    const walk = this.options.walk;
    if (!walk) return { stage2: { refused: 'no vCPU to translate guest-virtual addresses with' } };
    const stage1 = walk(address, this.read64);
    if (stage1.output === undefined) return { stage1 };
    return { stage1, guestPhysical: stage1.output, stage2: this.resolve(stage1.output) };
  }

  /**
   * The host bytes of [address, address + length) in `view`, piece by piece (a piece never crosses a
   * page): each piece is the RAM's own bytes (a subarray), or a reason it cannot be reached.
   */
  private pieces(view: AddressView, address: bigint, length: number, write: boolean): { offset: number; length: number; bytes?: Uint8Array; reason?: string }[] {
    if (!Number.isSafeInteger(length) || length < 0 || length > MAX_MEMORY_ACCESS) throw new Error(`zone ${this.options.zone}: ${length} bytes at ${hex(address)}: at most ${MAX_MEMORY_ACCESS} bytes per request`);
    if (address < 0n || address + BigInt(length) > 1n << 64n) throw new Error(`zone ${this.options.zone}: ${hex(address)}+${length} is outside the 64-bit address space`);
    const out: { offset: number; length: number; bytes?: Uint8Array; reason?: string }[] = [];
    let done = 0;
    while (done < length) {
      const at = address + BigInt(done);
      const chunk = Math.min(length - done, PAGE - Number(at & BigInt(PAGE - 1)));
      let hpa: number | undefined;
      let reason: string | undefined;
      if (view === 'hpa') {
        const region = this.hostRegion(at, chunk);
        if (region) {
          hpa = Number(at);
          if (write && region.data === 'ro') reason = `${hex(at)} is a read-only IVC section`;
        } else reason = `host-physical ${hex(at)} is not memory of zone ${this.options.zone}`;
      } else {
        const t = this.translate(view, at);
        if (t.guestPhysical === undefined) reason = t.stage1?.fault ?? t.stage2?.refused ?? 'not translated';
        else {
          const r = this.resolve(t.guestPhysical, chunk);
          if (r.refused !== undefined) reason = r.refused;
          else if (write && r.region?.data === 'ro') reason = `${hex(t.guestPhysical)} is a read-only IVC section`;
          else hpa = r.hostPhysical;
        }
      }
      const bytes = hpa !== undefined && reason === undefined ? this.options.ram(hpa, chunk) : undefined;
      if (hpa !== undefined && reason === undefined && !bytes) reason = `host-physical ${hex(hpa)} is not RAM`;
      out.push({ offset: done, length: chunk, ...(bytes ? { bytes } : {}), ...(reason !== undefined ? { reason } : {}) });
      done += chunk;
    }
    return out;
  }

  read(view: AddressView, address: bigint, length: number): MemoryRead {
    // pieces() checks the length before anything is allocated for it.
    const pieces = this.pieces(view, address, length, false);
    const bytes = new Uint8Array(length);
    const unreadable: UnreadableRange[] = [];
    for (const p of pieces) {
      if (p.bytes) bytes.set(p.bytes, p.offset);
      else unreadable.push({ offset: p.offset, length: p.length, reason: p.reason ?? 'unreadable' });
    }
    return { bytes, unreadable };
  }

  /** Writes all of `data` or nothing (throws naming the zone, the address and why); returns the bytes it replaced. */
  write(view: AddressView, address: bigint, data: Uint8Array): Uint8Array {
    const pieces = this.pieces(view, address, data.length, true);
    const refused = pieces.find((p) => !p.bytes);
    if (refused) throw new Error(`zone ${this.options.zone}: cannot write ${hex(address + BigInt(refused.offset))}: ${refused.reason ?? 'unreadable'}`);
    const previous = new Uint8Array(data.length);
    for (const p of pieces) {
      previous.set(p.bytes!, p.offset);
      p.bytes!.set(data.subarray(p.offset, p.offset + p.length));
    }
    return previous;
  }
}
