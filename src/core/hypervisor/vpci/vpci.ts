/**
 * hvisor's vPCI (syswonder/hvisor 6a3fb78, src/pci/) over the workbench's PCIe host, arch-neutral:
 *
 * - Boot enumeration: hvisor_pci_init (pci_config.rs:69-164, called at main.rs:143 with the root's
 *   ROOT_PCI_CONFIG) walks each root complex and fills the global list, reallocating BARs unless the
 *   board keeps firmware BARs (vpci-enumerate.ts). Here it runs when the first zone is created.
 * - Zone start: guest_pci_init (pci_config.rs:166-316) takes the zone's alloc_pci_devs per pci_config
 *   domain, sorted by BDF, computes each vBDF (pci_config.rs:207-252), clones host bridges and class
 *   0x06 functions into the zone (:274-281), moves any other function out of the global list (:283-286),
 *   logs "can not find dev" for a physical BDF that is not there (:295), and makes a StandardVdev for
 *   dev_type 1 (:297-305; standard-vdev.ts).
 * - The zone's ECAM window is trapped (virtual_pci_mmio_init, pci_config.rs:318-338, handler
 *   mmio_vpci_handler pci_handler.rs:663-684). A function is found by the ECAM address accessed, which
 *   is the record's get_base(): the *physical* function's address (VirtualRootComplex::insert keys by
 *   dev.get_base(), pci_struct.rs:1447-1457), so in this generation of hvisor a guest finds a device at
 *   its physical BDF and the computed vBDF is recorded only. Absent functions read ID 0xffffffff and 0
 *   elsewhere (handle_device_not_found, pci_handler.rs:648-661); offsets from BIT_LENTH 0x400 read 0
 *   (pci_handler.rs:546-552).
 * - Per register (handle_config_space_access, pci_handler.rs:535-646): for an endpoint the ID (0x00),
 *   class/revision (0x08) and BARs/ROM (0x10..0x33) are emulated (VirtualPciAccessBits::endpoint,
 *   pci_struct.rs:308-314) when the access lies wholly inside them; everything else, and every register
 *   of a bridge, goes to the physical function. Emulated fields as handle_endpoint_access
 *   (pci_handler.rs:149-519): cached ID and class, the BAR register the zone wrote, a sizing read
 *   (all-ones written) answering get_size_with_flag, and a BAR write that is not a sizing one remapping
 *   the zone's stage-2 from the old guest BAR to the new one (Mem32, Mem64High, I/O; a 64-bit BAR's low
 *   half only waits for its high half), size at least a page, the root identity-mapped, then a TLB
 *   flush on every CPU of the zone (Hypervisor.changeStage2; hvisor does `tlbi vmalls12e1is` on aarch64
 *   and no fence on riscv64 for BARs, pci_handler.rs:339-358, only hfence.gvma for the ROM, :484-488).
 *
 * What hvisor does and the workbench does too, with a report instead of silence or a panic: an
 * allocation that does not fit (hvisor panics), a zone's write to a read-only emulated register, to an
 * absent function, beyond 0x400, a BAR placed where its zone's stage-2 cannot take it. Each report names
 * the zone and the function and never touches another zone's state.
 *
 * Workbench additions (labelled): at zone shutdown its functions return to the global list (hvisor never
 * puts them back, pci_config.rs fills the list only at :159); `strict` keeps hvisor's behaviour. BAR
 * windows are 'virtio' regions of the stage-2 map: the functions answer in the management side's
 * virtio daemon, so the map forwards their accesses with the host-physical address (stage2-map.ts).
 *
 * Left out: dwc and loongarch64 accessors (the "direct" mode with ROOT_UNUSED_DEVICE_ID); PCI-PCI bridge
 * secondary buses; hvisor-tool's explicit v_bus/v_device/v_function (the HvZoneConfig the workbench
 * builds is hvisor v0.4's and has no room for them; zone-config.ts virtualBdfProblem refuses a differing one).
 */
import type { SharedRegion } from '../../bus/types';
import type { PciBusConfig, PciDeviceAssignment, ZoneConfig } from '../../../shared/model/zone-config';
import type { Stage2Change, Stage2Region, TrapRegion, TrappingCpu } from '../stage2-map';
import type { ZoneSlot } from '../zone-table';
import { BarType, F, MAX_GLOBAL, MAX_ZONE_DEVICES, RecordKind, VpciState, bdfName, hex, sizeWithFlag, withBarFlags, withoutFlags } from './vpci-state';
import { ecamAccess, enumerateRootComplex } from './vpci-enumerate';
import { initStandardVdev, standardVdevRead, standardVdevWrite } from './standard-vdev';

const PAGE = 0x1000;
/** BIT_LENTH (pci_struct.rs:146): 1024 bytes of configuration space are handled. */
export const VPCI_CONFIG_LIMIT = 0x400;
/** Reports a thread logs per zone before it goes quiet (they stay in `reports`). */
const REPORT_LOG_LIMIT = 50;

/** The machine's physical bus as hvisor's MMIO reaches it (the ECAM of the board's PCIe host). */
export interface PhysicalBus {
  read(address: number, size: 1 | 2 | 4): number;
  write(address: number, size: 1 | 2 | 4, value: number): void;
}

export interface VpciHooks {
  /** Applies a stage-2 change to the zone in `slot` and flushes its CPUs' TLBs (Hypervisor.changeStage2). */
  changeStage2(slot: ZoneSlot, change: Stage2Change): { code: number; message: string };
  /** The zone's stage-2 memory regions now. */
  regions(slot: ZoneSlot): readonly Stage2Region[];
  /** hvisor's log (info!/warn! lines) and the workbench's reports. */
  log(message: string): void;
}

export interface VpciOptions {
  /** The root complexes hvisor_pci_init walks: the board's ROOT_PCI_CONFIG. */
  readonly rootPciConfig: readonly PciBusConfig[];
  /** Feature no_pcie_bar_realloc: keep the firmware's BARs (pci_config.rs:93-96). */
  readonly noBarRealloc?: boolean;
  /** hvisor as it is: functions never return to the global list at shutdown. */
  readonly strict?: boolean;
  /**
   * Physical BDFs (bus << 8 | device << 3 | function) whose BARs every vCPU thread's PCIe host serves
   * over shared bytes (bochs-display, decision 0028): their windows are mapped as 'io' regions, so the
   * zone's accesses reach the host's window on the machine bus instead of the virtio daemon.
   */
  readonly servedInThread?: readonly number[];
}

/** A finding about a zone's configuration access: which zone, which function, what happened. */
export interface VpciReport {
  readonly zoneId: number;
  readonly bdf: string;
  readonly message: string;
}

export interface VpciBarInfo {
  readonly index: number;
  readonly type: 'mem32' | 'mem64' | 'io';
  readonly prefetchable: boolean;
  readonly size: number;
  /** The physical BAR (hvisor's PciMem.value, flags dropped). */
  readonly physical: number;
  /** The zone's BAR (virtual_value, flags dropped). */
  readonly guest: number;
}

export interface VpciFunctionInfo {
  readonly bdf: string;
  readonly vbdf: string;
  readonly devType: number;
  readonly vendor: number;
  readonly device: number;
  readonly classCode: number;
  readonly bars: readonly VpciBarInfo[];
}

const TYPE_NAMES: Record<number, VpciBarInfo['type']> = { [BarType.mem32]: 'mem32', [BarType.mem64Low]: 'mem64', [BarType.io]: 'io' };

export class Vpci {
  private readonly state: VpciState;
  /** This thread's recent reports, newest last (the log gets each too). */
  readonly reports: VpciReport[] = [];

  constructor(
    region: SharedRegion,
    private readonly physical: PhysicalBus,
    private readonly hooks: VpciHooks,
    private readonly options: VpciOptions,
  ) {
    this.state = new VpciState(region);
  }

  private get f(): Float64Array {
    return this.state.f;
  }

  /** Log lines written per zone id by this thread: a guest writing garbage in a loop cannot flood the log. */
  private readonly logged = new Map<number, number>();

  private report(zoneId: number, bdf: string, message: string): void {
    this.reports.push({ zoneId, bdf, message });
    if (this.reports.length > 64) this.reports.shift();
    const n = (this.logged.get(zoneId) ?? 0) + 1;
    this.logged.set(zoneId, n);
    if (n <= REPORT_LOG_LIMIT) this.hooks.log(`vpci: zone ${zoneId}, ${bdf}: ${message}`);
    if (n === REPORT_LOG_LIMIT) this.hooks.log(`vpci: zone ${zoneId}: ${REPORT_LOG_LIMIT} reports from this CPU; further ones are not logged`);
  }

  /** hvisor_pci_init, once (main.rs:140-144). */
  ensureEnumerated(): void {
    if (this.state.enumerated) return;
    this.state.enumerated = true;
    let next = 0;
    for (const config of this.options.rootPciConfig) {
      if (config.ecamBase === 0) continue; // "empty pcie config" (pci_config.rs:78)
      const problems: string[] = [];
      const found = enumerateRootComplex(ecamAccess(config.ecamBase, this.physical), config, !this.options.noBarRealloc, problems);
      for (const p of problems) this.hooks.log(`vpci: ${p}`);
      for (const fn of found) {
        if (next >= MAX_GLOBAL) {
          this.hooks.log(`vpci: more than ${MAX_GLOBAL} functions; ${bdfName(fn.bdf)} is left out`);
          break;
        }
        const at = this.state.global(next++);
        this.f.set(fn.record, at);
      }
    }
    this.hooks.log(`vpci: hvisor pci init done, ${next} function${next === 1 ? '' : 's'}: ${this.globalFunctions().map((g) => g.bdf).join(' ')}`);
  }

  /** The global list: every enumerated function and the zone that holds it (undefined: in the list). */
  globalFunctions(): { bdf: string; owner: number | undefined; id: number }[] {
    const out: { bdf: string; owner: number | undefined; id: number }[] = [];
    for (let i = 0; i < MAX_GLOBAL; i++) {
      const at = this.state.global(i);
      if (this.f[at + F.used] !== 1) continue;
      const owner = this.f[at + F.owner]!;
      out.push({ bdf: bdfName(this.f[at + F.bdf]!, this.f[at + F.domain]!), owner: owner === 0 ? undefined : owner - 1, id: this.f[at + F.id]! });
    }
    return out;
  }

  private findGlobal(bdf: number): number | undefined {
    for (let i = 0; i < MAX_GLOBAL; i++) {
      const at = this.state.global(i);
      if (this.f[at + F.used] === 1 && this.f[at + F.bdf] === bdf) return at;
    }
    return undefined;
  }

  /** Zone.guest_pci_init (pci_config.rs:166-316) for the zone now in `slot`. */
  attach(slot: ZoneSlot, config: Pick<ZoneConfig, 'zoneId' | 'pciConfig' | 'allocPciDevs'>): void {
    this.ensureEnumerated();
    this.state.clearZone(slot.index);
    const zoneId = config.zoneId;
    for (const target of config.pciConfig) {
      if (target.ecamBase === 0) continue;
      const devs = config.allocPciDevs.filter((d) => d.domain === target.domain);
      if (devs.length === 0) continue;
      const sorted = [...devs].sort((a, b) => a.bus - b.bus || a.device - b.device || a.function - b.function);
      let vbusPre = target.busRangeBegin & 0xff;
      let busPre = target.busRangeBegin & 0xff;
      let devicePre = 0;
      for (const dev of sorted) {
        const vfunction = dev.bus !== busPre || dev.device !== devicePre ? 0 : dev.function;
        const vbus = dev.bus > busPre ? ++vbusPre : vbusPre;
        const bdf = (dev.bus << 8) | (dev.device << 3) | dev.function;
        const vbdf = (vbus << 8) | (dev.device << 3) | vfunction;
        devicePre = dev.device;
        busPre = dev.bus;
        this.hooks.log(`vpci: zone ${zoneId}: set bdf ${bdfName(bdf, dev.domain)} to vbdf ${bdfName(vbdf, dev.domain)}`);
        this.insert(slot, zoneId, target, dev, bdf, vbdf);
      }
    }
  }

  private insert(slot: ZoneSlot, zoneId: number, target: PciBusConfig, dev: PciDeviceAssignment, bdf: number, vbdf: number): void {
    const global = this.findGlobal(bdf);
    if (global !== undefined && this.f[global + F.owner] === 0) {
      const hostBridge = dev.device === 0 && dev.function === 0 && dev.bus === (target.busRangeBegin & 0xff);
      const bridge = Math.floor(this.f[global + F.classRev]! / 2 ** 24) === 0x06;
      const at = this.zoneRecordFor(slot, vbdf);
      if (at === undefined) return this.report(zoneId, bdfName(bdf), `more than ${MAX_ZONE_DEVICES} functions in one zone`);
      this.state.copy(global, at);
      this.f[at + F.vbdf] = vbdf;
      this.f[at + F.global] = (global - this.state.global(0)) / 64;
      // Host bridges and class 0x06 stay in the list, shared (pci_config.rs:274-281); others move (:283).
      if (!hostBridge && !bridge) this.f[global + F.owner] = zoneId + 1;
      return;
    }
    if (dev.devType === 0) {
      const holder = global !== undefined ? ` (zone ${this.f[global + F.owner]! - 1} holds it)` : '';
      this.hooks.log(`vpci: zone ${zoneId}: can not find dev ${bdfName(bdf, dev.domain)}${holder}`);
      return;
    }
    if (dev.devType !== 1) {
      this.hooks.log(`vpci: zone ${zoneId}: can not find dev ${bdfName(bdf, dev.domain)}, unknown device type ${dev.devType}`);
      return;
    }
    const at = this.zoneRecordFor(slot, vbdf);
    if (at === undefined) return this.report(zoneId, bdfName(bdf), `more than ${MAX_ZONE_DEVICES} functions in one zone`);
    this.state.clear(at);
    this.f[at + F.used] = 1;
    this.f[at + F.bdf] = bdf;
    this.f[at + F.vbdf] = vbdf;
    this.f[at + F.domain] = dev.domain;
    // The vdev answers at the zone's ECAM address of its (physical) BDF (pci_config.rs:299-302).
    this.f[at + F.base] = target.ecamBase + bdf * 0x1000;
    initStandardVdev(this.f, at);
  }

  /** The zone record for `vbdf`: the one already there (VirtualRootComplex::insert replaces it) or a free one. */
  private zoneRecordFor(slot: ZoneSlot, vbdf: number): number | undefined {
    let free: number | undefined;
    for (let i = 0; i < MAX_ZONE_DEVICES; i++) {
      const at = this.state.zone(slot.index, i);
      if (this.f[at + F.used] !== 1) free ??= at;
      else if (this.f[at + F.vbdf] === vbdf) return at;
    }
    return free;
  }

  /**
   * The zone in `slot` went away. Workbench addition: its functions go back to the global list, so a
   * restarted zone gets them again; hvisor (and `strict`) never returns them.
   */
  release(slot: ZoneSlot): void {
    const zoneId = slot.zoneId;
    if (!this.options.strict) {
      const returned: string[] = [];
      for (let i = 0; i < MAX_GLOBAL; i++) {
        const at = this.state.global(i);
        if (this.f[at + F.used] === 1 && this.f[at + F.owner] === zoneId + 1) {
          this.f[at + F.owner] = 0;
          returned.push(bdfName(this.f[at + F.bdf]!));
        }
      }
      this.logged.delete(zoneId);
      if (returned.length) this.hooks.log(`vpci: zone ${zoneId} shut down; ${returned.join(' ')} back in the global list (a workbench addition: hvisor keeps them out)`);
    }
    this.state.clearZone(slot.index);
  }

  /** The trapped ECAM windows of a zone (virtual_pci_mmio_init, pci_config.rs:318-338); handlers need the device lock. */
  trapsOf<C extends TrappingCpu>(slot: ZoneSlot, config: Pick<ZoneConfig, 'zoneId' | 'pciConfig'>): TrapRegion<C>[] {
    if (!this.state.enumerated) return [];
    return config.pciConfig
      .filter((c) => c.ecamBase !== 0 && c.ecamSize > 0)
      .map((c) => ({
        start: c.ecamBase,
        size: c.ecamSize,
        handler: {
          read: (_cpu: C, offset: number, size: 1 | 2 | 4 | 8) => BigInt(this.configRead(slot, config.zoneId, c.ecamBase, offset, size)),
          write: (_cpu: C, offset: number, size: 1 | 2 | 4 | 8, value: bigint) => this.configWrite(slot, config.zoneId, c.ecamBase, offset, size, Number(value & 0xffff_ffffn)),
        },
      }));
  }

  private zoneRecordAt(slot: ZoneSlot, address: number): number | undefined {
    for (let i = 0; i < MAX_ZONE_DEVICES; i++) {
      const at = this.state.zone(slot.index, i);
      if (this.f[at + F.used] === 1 && this.f[at + F.base] === address) return at;
    }
    return undefined;
  }

  /** A load from the zone's ECAM window at `offset` (mmio_vpci_handler). */
  configRead(slot: ZoneSlot, zoneId: number, ecamBase: number, offset: number, size: 1 | 2 | 4 | 8): number {
    const off = offset & 0xfff;
    const at = this.zoneRecordAt(slot, ecamBase + offset - off);
    if (at === undefined) return off === 0 && size === 4 ? 0xffff_ffff : 0;
    const name = bdfName(this.f[at + F.bdf]!, this.f[at + F.domain]!);
    if (off >= VPCI_CONFIG_LIMIT) return 0; // "invalid pci offset" (a warning in hvisor; reads are not reported here)
    if (size === 8) {
      this.report(zoneId, name, `8-byte configuration read at 0x${off.toString(16)}: not a configuration access; it reads 0`);
      return 0;
    }
    const kind = this.f[at + F.kind]!;
    if (kind === RecordKind.virtual) {
      const r = standardVdevRead(this.f, at, off, size, (o, s) => this.physical.read(this.f[at + F.base]! + o, s));
      if ('warning' in r) this.report(zoneId, name, r.warning);
      return r.value >>> 0;
    }
    if (!emulated(kind, off, size)) return this.physical.read(this.f[at + F.base]! + off, size) >>> 0;
    return this.endpointRead(at, off, size);
  }

  /** A store to the zone's ECAM window. */
  configWrite(slot: ZoneSlot, zoneId: number, ecamBase: number, offset: number, size: 1 | 2 | 4 | 8, value: number): void {
    const off = offset & 0xfff;
    const address = ecamBase + offset - off;
    const at = this.zoneRecordAt(slot, address);
    if (at === undefined) {
      this.report(zoneId, absentName(offset), `write of 0x${(value >>> 0).toString(16)} at 0x${off.toString(16)} to a function the zone does not have; dropped`);
      return;
    }
    const name = bdfName(this.f[at + F.bdf]!, this.f[at + F.domain]!);
    if (off >= VPCI_CONFIG_LIMIT) {
      this.report(zoneId, name, `invalid pci offset 0x${off.toString(16)} (hvisor handles the first 0x${VPCI_CONFIG_LIMIT.toString(16)} bytes); write dropped`);
      return;
    }
    if (size === 8) {
      this.report(zoneId, name, `8-byte configuration write at 0x${off.toString(16)}; dropped`);
      return;
    }
    const kind = this.f[at + F.kind]!;
    if (kind === RecordKind.virtual) {
      const warning = standardVdevWrite(this.f, at, off, size, value, (bar, length) => this.mapVdevBar(slot, zoneId, name, at, bar, length));
      if (warning) this.report(zoneId, name, warning);
      return;
    }
    if (!emulated(kind, off, size)) {
      this.physical.write(this.f[at + F.base]! + off, size, value >>> 0);
      return;
    }
    this.endpointWrite(slot, zoneId, name, at, off, size, value >>> 0);
  }

  /** handle_endpoint_access, reads (pci_handler.rs:158-194, 363-383, 492-512). */
  private endpointRead(at: number, off: number, size: number): number {
    const f = this.f;
    if (off === 0 && size === 4) return f[at + F.id]! >>> 0;
    if (off === 0x08 && size === 4) return f[at + F.classRev]! >>> 0;
    if (off >= 0x10 && off <= 0x24 && (off & 3) === 0 && size === 4) {
      const slotIndex = (off - 0x10) / 4;
      const type = f[at + F.barType + slotIndex]!;
      if (type === BarType.unused) return 0;
      const cached = f[at + F.barCfg + slotIndex]! >>> 0;
      if (((cached & 0xffff_fff0) >>> 0) === 0xffff_fff0) return sizeWithFlag(type, f[at + F.barSize + slotIndex]!);
      return cached;
    }
    if (off === 0x30 && size === 4) {
      if (f[at + F.romType] !== BarType.rom) return 0;
      const cached = f[at + F.romCfg]! >>> 0;
      if (((cached & 0xffff_f800) >>> 0) === 0xffff_f800) return sizeWithFlag(BarType.rom, f[at + F.romSize]!);
      return cached;
    }
    return 0; // a field handle_endpoint_access does not answer: the access value stays 0
  }

  /** handle_endpoint_access, writes (pci_handler.rs:159-178, 195-362, 388-491). */
  private endpointWrite(slot: ZoneSlot, zoneId: number, name: string, at: number, off: number, size: number, value: number): void {
    const f = this.f;
    if (off >= 0x10 && off <= 0x24 && (off & 3) === 0 && size === 4) {
      const index = (off - 0x10) / 4;
      const type = f[at + F.barType + index]!;
      if (type === BarType.unused) {
        if (value !== 0 && value !== 0xffff_ffff) this.report(zoneId, name, `BAR ${index} is not implemented; write of ${hex(value)} dropped`);
        return;
      }
      f[at + F.barCfg + index] = value;
      if (((value & 0xffff_fff0) >>> 0) === 0xffff_fff0) return; // sizing
      if (type !== BarType.mem32 && type !== BarType.mem64High && type !== BarType.io) return; // Mem64Low waits for the high half
      const pref = f[at + F.barPref + index] === 1;
      const oldGuest = withoutFlags(f[at + F.barVirt + index]!);
      const newGuest = type === BarType.mem64High ? withoutFlags((f[at + F.barCfg + index - 1]! >>> 0) + value * 2 ** 32) : withoutFlags(value);
      f[at + F.barVirt + index] = withBarFlags(type, pref, newGuest);
      if (type === BarType.mem64High) f[at + F.barVirt + index - 1] = withBarFlags(BarType.mem64Low, pref, newGuest);
      let host: number;
      if (zoneId === 0) {
        f[at + F.barValue + index] = withBarFlags(type, pref, newGuest);
        if (type === BarType.mem64High) f[at + F.barValue + index - 1] = withBarFlags(BarType.mem64Low, pref, newGuest);
        host = newGuest;
      } else {
        host = f[at + F.barValue + index]!;
      }
      this.remap(slot, zoneId, name, `BAR ${type === BarType.mem64High ? index - 1 : index}`, f[at + F.barSize + index]!, oldGuest, newGuest, host, this.windowKind(at));
      return;
    }
    if (off === 0x30 && size === 4) {
      if (f[at + F.romType] !== BarType.rom) {
        if (value !== 0 && value !== 0xffff_f800 && value !== 0xffff_fffe) this.report(zoneId, name, `no expansion ROM; write of ${hex(value)} dropped`);
        return;
      }
      f[at + F.romCfg] = value;
      if (((value & 0xffff_f800) >>> 0) === 0xffff_f800) return;
      const oldGuest = withoutFlags(f[at + F.romVirt]!);
      const newGuest = withoutFlags(value);
      f[at + F.romVirt] = newGuest;
      let host: number;
      if (zoneId === 0) {
        f[at + F.romValue] = newGuest;
        host = newGuest;
      } else host = f[at + F.romValue]!;
      this.remap(slot, zoneId, name, 'ROM', f[at + F.romSize]!, oldGuest, newGuest, host, this.windowKind(at));
      return;
    }
    if (off === 0x08 && size === 4) {
      this.report(zoneId, name, `class/revision is read-only; write of ${hex(value)} dropped (hvisor: "unhandled RevisionIDAndClassCode write")`);
      return;
    }
    this.report(zoneId, name, `${size}-byte write of ${hex(value)} at 0x${off.toString(16)} inside the emulated ID/class/BAR registers matches no register; dropped`);
  }

  /**
   * The stage-2 part of a BAR write (pci_handler.rs:296-337): delete the old guest window, insert the new
   * one over the physical BAR, size at least a page, the guest address aligned up to a page. hvisor's
   * page tables drop the BAR's flag bits from the host address (a PTE holds a page number); so does this.
   */
  /** How a function's BAR windows are mapped: 'io' for one every vCPU thread serves (servedInThread), else 'virtio'. */
  private windowKind(at: number): 'io' | 'virtio' {
    return this.options.servedInThread?.includes(this.f[at + F.bdf]!) ? 'io' : 'virtio';
  }

  private remap(slot: ZoneSlot, zoneId: number, name: string, what: string, barSize: number, oldGuest: number, newGuestRaw: number, hostRaw: number, kind: 'io' | 'virtio'): void {
    const size = barSize % PAGE === 0 && barSize > 0 ? barSize : PAGE;
    const guest = Math.ceil(newGuestRaw / PAGE) * PAGE;
    const host = Math.floor(hostRaw / PAGE) * PAGE;
    const regions = this.hooks.regions(slot);
    const old = regions.find((r) => r.kind === kind && r.guestStart === oldGuest && r.size === size);
    if (old && old.guestStart === guest && old.hostStart === host) return; // deleting and inserting the same window changes nothing
    if (old) this.hooks.changeStage2(slot, { op: 'unmap', guestStart: old.guestStart });
    const result = this.hooks.changeStage2(slot, { op: 'map', region: { kind, guestStart: guest, hostStart: host, size } });
    if (result.code !== 0) {
      this.report(zoneId, name, `${what} at ${hex(guest)} (${hex(size)} bytes over the function's ${hex(host)}) is not mapped: ${result.message}`);
    }
  }

  /** StandardVdev BAR 0: hvisor registers a handler that does nothing there (standard.rs:106-111). */
  private mapVdevBar(slot: ZoneSlot, zoneId: number, name: string, at: number, address: number, size: number): void {
    const previous = this.f[at + F.barValue]!;
    const regions = this.hooks.regions(slot);
    const old = previous ? regions.find((r) => r.kind === 'virtio' && r.guestStart === previous && r.size === size) : undefined;
    if (old) this.hooks.changeStage2(slot, { op: 'unmap', guestStart: old.guestStart });
    this.f[at + F.barValue] = 0;
    if (address % PAGE !== 0) {
      this.report(zoneId, name, `virtual BAR 0 at ${hex(address)} is not page aligned; not mapped`);
      return;
    }
    const result = this.hooks.changeStage2(slot, { op: 'map', region: { kind: 'virtio', guestStart: address, hostStart: address, size } });
    if (result.code !== 0) this.report(zoneId, name, `virtual BAR 0 at ${hex(address)} is not mapped: ${result.message}`);
    else this.f[at + F.barValue] = address;
  }

  /** A StandardVdev BAR of the zone in `slot` covers host address `address` (its accesses do nothing). */
  vdevBarAt(slot: ZoneSlot, address: number): boolean {
    for (let i = 0; i < MAX_ZONE_DEVICES; i++) {
      const at = this.state.zone(slot.index, i);
      if (this.f[at + F.used] !== 1 || this.f[at + F.kind] !== RecordKind.virtual) continue;
      const base = this.f[at + F.barValue]!;
      if (base && address >= base && address < base + this.f[at + F.barSize]!) return true;
    }
    return false;
  }

  /** The zone's vpci_bus, in vBDF order. */
  devices(slot: ZoneSlot): VpciFunctionInfo[] {
    const out: { vbdf: number; info: VpciFunctionInfo }[] = [];
    for (let i = 0; i < MAX_ZONE_DEVICES; i++) {
      const at = this.state.zone(slot.index, i);
      const f = this.f;
      if (f[at + F.used] !== 1) continue;
      const bars: VpciBarInfo[] = [];
      for (let b = 0; b < 6; b++) {
        const type = f[at + F.barType + b]!;
        const name = TYPE_NAMES[type];
        if (!name) continue;
        bars.push({ index: b, type: name, prefetchable: f[at + F.barPref + b] === 1, size: f[at + F.barSize + b]!, physical: withoutFlags(f[at + F.barValue + b]!), guest: withoutFlags(f[at + F.barVirt + b]!) });
      }
      const id = f[at + F.id]! >>> 0;
      const domain = f[at + F.domain]!;
      out.push({
        vbdf: f[at + F.vbdf]!,
        info: { bdf: bdfName(f[at + F.bdf]!, domain), vbdf: bdfName(f[at + F.vbdf]!, domain), devType: f[at + F.devType]!, vendor: id & 0xffff, device: id >>> 16, classCode: Math.floor(f[at + F.classRev]! / 256), bars },
      });
    }
    return out.sort((a, b) => a.vbdf - b.vbdf).map((o) => o.info);
  }
}

/** VirtualPciAccessBits: an access is emulated when every byte lies in an emulated range (pci_struct.rs:308-314, 546-550). */
function emulated(kind: number, off: number, size: number): boolean {
  if (kind !== RecordKind.endpoint && kind !== RecordKind.unknown) return false;
  const inside = (lo: number, hi: number) => off >= lo && off + size <= hi;
  return inside(0x00, 0x04) || inside(0x08, 0x0c) || inside(0x10, 0x34);
}

/** The BDF an ECAM offset addresses (bus << 20 | device << 15 | function << 12). */
function absentName(offset: number): string {
  return bdfName(Math.floor(offset / 0x1000) & 0xffff);
}
