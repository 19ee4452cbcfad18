/**
 * What hvisor's two vGICs share (src/device/irqchip/gicv3/vgic.rs and gicv2/vgic.rs at 6a3fb78): the
 * zone's irq_bitmap (zone.irq_bitmap_init, from the zone config's `interrupts`), the access mask of
 * restrict_bitmask_access (the fields of a distributor register's interrupts the zone owns), and, for the
 * inspector, a record of the writes the filter dropped: per INTID how many and the last register, per
 * CPU the writes to another zone's redistributor. hvisor drops them without a word (debug!/trace!).
 * HvisorVgic is the VirtualIrqChip part both build on: ownership, injection, arch_irqchip_reset's loop,
 * the inspector's view of the zone, and hvisor's panics as zone stops.
 *
 * State: a few words in the zone slot (stateBytes), so that every vCPU thread's object agrees.
 */
import type { ControllerInspectData, ControllerRow, ControllerTable, RegisterDefData } from '../../../../shared/protocol/inspect';
import type { ZoneConfig } from '../../../../shared/model/zone-config';
import type { SharedRegion } from '../../../bus/types';
import { gicInspectData } from '../../../devices/intc/arm-gic-inspect';
import type { GicCpuInterfaceState, GicSourceState } from '../../../devices/intc/arm-gic-state';
import { Column, type ControllerInspectContext } from '../../../devices/intc/inspect-table';
import type { ArmCpuApi } from '../../../isa/aarch64/platform';
import type { TrapRegion } from '../../stage2-map';
import type { VirtualIrqChip, VirtualIrqChipEnv } from '../../irqchip';

/**
 * Shared words: ten for the vGIC's own use (GICv3: PROPBASER in 0-1, hvisor's per-zone vITS registers
 * in 2-9, vits.ts), per INTID refused writes and the last register, per CPU the same.
 */
const OWN_WORDS = 10;
const WORDS = { own: 0, refused: OWN_WORDS, refusedAt: OWN_WORDS + 1024, frames: OWN_WORDS + 2048 } as const;
/** A refused access's register: a distributor offset, or a redistributor frame's offset with this flag. */
export const FRAME_REGISTER = 0x8000_0000;

export class VgicFilter {
  /** Bytes of a zone's filter state on a board with `cpus` CPUs. */
  static stateBytes(cpus: number): number {
    return 4 * (WORDS.frames + 2 * cpus);
  }

  readonly ownedIrqs: readonly number[];
  /** irq_bitmap: 32 words of 32 bits. */
  private readonly bitmap = new Uint32Array(32);
  readonly words: Uint32Array;

  /** `privateOwned`: every SGI and PPI counts as the zone's (GICv2's irq_bitmap[0] = 0xffff_ffff, gicv2/vgic.rs:99). */
  constructor(config: ZoneConfig, region: SharedRegion, private readonly cpus: number, privateOwned: boolean) {
    this.words = new Uint32Array(region.buffer, region.byteOffset, VgicFilter.stateBytes(cpus) / 4);
    if (privateOwned) this.bitmap[0] = 0xffff_ffff;
    for (const irq of config.interrupts) if (irq >= 0 && irq < 1024) this.bitmap[irq >>> 5]! |= 1 << (irq & 31);
    const owned: number[] = [];
    for (let irq = 0; irq < 1024; irq++) if (this.owns(irq)) owned.push(irq);
    this.ownedIrqs = owned;
  }

  owns(irq: number): boolean {
    return irq >= 0 && irq < 1024 && ((this.bitmap[irq >>> 5]! >>> (irq & 31)) & 1) === 1;
  }

  /** Bitmap word `word` (arch_irqchip_reset writes them to ICENABLER/ICACTIVER). */
  bitmapWord(word: number): number {
    return this.bitmap[word]! >>> 0;
  }

  /** restrict_bitmask_access's access_mask: the fields of register `index`'s interrupts the zone owns. */
  accessMask(index: number, bitsPerIrq: number): number {
    const perReg = 32 / bitsPerIrq;
    const ones = (1 << bitsPerIrq) - 1;
    let mask = 0;
    for (let i = 0; i < perReg; i++) if (this.owns(index * perReg + i)) mask |= ones << (i * bitsPerIrq);
    return mask >>> 0;
  }

  /** Records the fields of `refused` (bits of register `index`, not the zone's) a write would have changed. */
  refuseFields(refused: number, index: number, bitsPerIrq: number, register: number): void {
    if (refused === 0) return;
    const perReg = 32 / bitsPerIrq;
    const ones = (1 << bitsPerIrq) - 1;
    for (let i = 0; i < perReg; i++) if (((refused >>> (i * bitsPerIrq)) & ones) !== 0) this.refuse(index * perReg + i, register);
  }

  refuse(irq: number, register: number): void {
    if (irq < 0 || irq >= 1024) return;
    this.words[WORDS.refused + irq]!++;
    this.words[WORDS.refusedAt + irq] = register >>> 0;
  }

  /** A write to CPU `cpu`'s redistributor, which runs another zone (or none). */
  refuseFrame(cpu: number, offset: number): void {
    this.words[WORDS.frames + 2 * cpu]!++;
    this.words[WORDS.frames + 2 * cpu + 1] = (FRAME_REGISTER | offset) >>> 0;
  }

  /** The vGIC's own words (`i` < 2). */
  own(i: number): number {
    return this.words[WORDS.own + i]!;
  }

  setOwn(i: number, value: number): void {
    this.words[WORDS.own + i] = value >>> 0;
  }

  /** The inspector's table of refused writes; `registerName` names a recorded register. */
  refusedTable(context: ControllerInspectContext, registerName: (code: number) => string): ControllerTable {
    const rows: ControllerRow[] = [];
    for (let irq = 0; irq < 1024; irq++) {
      const writes = this.words[WORDS.refused + irq]!;
      if (writes === 0) continue;
      const kind = irq < 16 ? 'SGI' : irq < 32 ? 'PPI' : 'SPI';
      rows.push({
        key: String(irq),
        cells: { what: `INTID ${irq} (${kind})`, register: registerName(this.words[WORDS.refusedAt + irq]!), writes, owner: context.ownerOf?.(irq) ?? null },
      });
    }
    for (let cpu = 0; cpu < this.cpus; cpu++) {
      const writes = this.words[WORDS.frames + 2 * cpu]!;
      if (writes === 0) continue;
      rows.push({
        key: `cpu${cpu}`,
        cells: { what: `redistributor of cpu ${cpu}`, register: registerName(this.words[WORDS.frames + 2 * cpu + 1]!), writes, owner: context.ownerOfCpu?.(cpu) ?? null },
      });
    }
    return {
      key: 'refused',
      title: "Writes hvisor's filter dropped",
      columns: [
        Column.text('what', 'Interrupt', "Another zone's interrupt, or another zone's CPU's redistributor"),
        Column.text('register', 'Last register'),
        Column.number('writes', 'Writes', 'Writes that would have changed it'),
        { ...Column.owner, description: 'The zone it belongs to (none: no zone lists it or runs on that CPU)' },
      ],
      rows,
    };
  }
}

/** A distributor register by name (GICD_ISENABLER1, GICD_IROUTER48...), from its offset. */
export function distributorRegisterName(offset: number): string {
  const word = (base: number): number => (offset - base) >>> 2;
  if (offset >= 0x6000 && offset < 0x8000) return `GICD_IROUTER${(offset - 0x6000) >>> 3}`;
  const banks: [string, number, number][] = [
    ['IGROUPR', 0x80, 0x80], ['ISENABLER', 0x100, 0x80], ['ICENABLER', 0x180, 0x80], ['ISPENDR', 0x200, 0x80], ['ICPENDR', 0x280, 0x80],
    ['ISACTIVER', 0x300, 0x80], ['ICACTIVER', 0x380, 0x80], ['IPRIORITYR', 0x400, 0x400], ['ITARGETSR', 0x800, 0x400], ['ICFGR', 0xc00, 0x100],
  ];
  for (const [name, base, length] of banks) if (offset >= base && offset < base + length) return `GICD_${name}${word(base)}`;
  return `GICD + 0x${offset.toString(16)}`;
}

/** The VirtualIrqChip both vGICs are: what differs is how they reach the physical GIC and their windows. */
export abstract class HvisorVgic implements VirtualIrqChip<ArmCpuApi> {
  abstract readonly kind: string;
  abstract readonly name: string;
  abstract readonly traps: readonly TrapRegion<ArmCpuApi>[];
  readonly ownedIrqs: readonly number[];
  protected readonly filter: VgicFilter;
  /** "zone N (name)", for reports. */
  protected readonly zone: string;

  constructor(protected readonly env: VirtualIrqChipEnv, cpuCount: number, privateOwned: boolean) {
    this.zone = `zone ${env.config.zoneId} (${env.config.name})`;
    this.filter = new VgicFilter(env.config, env.region, cpuCount, privateOwned);
    this.ownedIrqs = this.filter.ownedIrqs;
  }

  /** GICD_ISPENDR of an SPI on the physical GIC. */
  protected abstract setSpiPending(irq: number): void;
  /** GICD_ICENABLER and GICD_ICACTIVER word `word` with `mask` on the physical GIC. */
  protected abstract disableSpis(word: number, mask: number): void;
  /** The physical GIC's interrupts and CPU interfaces, for the inspector. */
  protected abstract physicalState(): { sources: GicSourceState[]; cpus: GicCpuInterfaceState[] };
  protected abstract readonly registerMap: readonly RegisterDefData[];
  protected abstract registerName(code: number): string;

  owns(irq: number): boolean {
    return this.filter.owns(irq);
  }

  isHw(irq: number): boolean {
    return irq >= 32 && this.owns(irq);
  }

  /**
   * hvisor's inject_irq (virtio, IRQ_WAKEUP_VIRTIO_DEVICE): a list register there, the SPI pending in the
   * distributor here (a hw interrupt already is).
   */
  inject(irq: number, hw: boolean): boolean {
    if (!this.owns(irq) || irq < 32) {
      this.env.log(`${this.zone}: irq ${irq} injected as ${hw ? 'hw' : 'virtual'} is not an SPI of the zone, dropped`);
      return false;
    }
    if (!hw) this.setSpiPending(irq);
    return true;
  }

  /** arch_irqchip_reset (gicv3/mod.rs:479-491): the zone's SPIs disabled and deactivated. */
  reset(): void {
    for (let word = 1; word < 32; word++) {
      const mask = this.filter.bitmapWord(word);
      if (mask !== 0) this.disableSpis(word, mask);
    }
  }

  /** The zone's view: its SPIs and its CPUs' SGIs and PPIs as the physical GIC holds them, and what the filter refused. */
  inspectState(context: ControllerInspectContext = {}): ControllerInspectData {
    const state = this.physicalState();
    const cpus = new Set(this.env.cpus);
    // The zone's CPUs' own SGIs and PPIs, and the SPIs it owns.
    const sources = state.sources.filter((s) => (s.cpu >= 0 ? cpus.has(s.cpu) : this.owns(s.intid)));
    const data = gicInspectData(this.name, this.kind, { sources, cpus: state.cpus.filter((c) => cpus.has(c.cpu)) }, [], this.registerMap, context);
    return { ...data, extra: [this.filter.refusedTable(context, (code) => this.registerName(code))] };
  }

  /** An access hvisor panics on: the zone stops with the report (the machine, with `strict`). */
  protected panic(cpu: number, message: string): void {
    const text = `${this.zone}, cpu ${cpu}: ${message}`;
    if (this.env.panic) this.env.panic(text);
    else this.env.onGuestError(text);
  }
}
