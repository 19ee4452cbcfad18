/**
 * The per-zone virtual APLIC and the zone's IMSIC pages, as hvisor emulates them on AIA boards (feature
 * "aia", hvisor src/device/irqchip/aia/{mod,vaplic,vimsic}.rs; only MSI mode). The zone's aplic_base /
 * aplic_size window is trapped; every access lands in `access`, which follows vaplic_emul_access
 * (vaplic.rs:100-352) register by register:
 * - an IRQ is "hw" iff the zone owns it and the board lists it in HW_IRQS (mod.rs irq_bitmap_init); its
 *   sourcecfg, setienum/clrie/clrienum, setipnum_le and target writes are mirrored into the physical
 *   APLIC's S domain, the target aimed at guest file IMSIC_GUEST_INDEX of the physical hart (the written
 *   hart index plus the zone's first CPU). Every other IRQ lives only here;
 * - domaincfg keeps IE, DM and BE of the value written; msiaddrcfg writes are compared with the host's;
 *   setip, setipnum, in_clrip, clripnum, setie, setipnum_be and genmsi are refused (logged) as hvisor does;
 * - a sourcecfg read returns the sourcecfg of the IRQ before (hvisor indexes with (offset - 4) / 4);
 * - an access that is not a 32-bit word, or outside every register, stops the zone: hvisor panics there.
 * A virtual injection (virtio, IVC) is hvisor's inject_irq (mod.rs:89-118): the identity the guest put in
 * the IRQ's target goes to that hart's guest file, whatever the enables say; a hw injection is refused.
 *
 * The zone's guests see one IMSIC S-file page per CPU at imsic_base + 4 KiB * cpu (vimsic.rs:34-52
 * maps them onto the CPUs' guest files); here those pages are trapped and a write to seteipnum_le
 * becomes an MSI to the CPU's guest file.
 *
 * One difference, on purpose: hvisor does not check a target's hart index, so a zone could aim its hw
 * IRQ at another zone's hart; here a hart index beyond the zone's CPUs is refused with a guest error.
 */
import type { SharedRegion } from '../../../bus/types';
import type { AddressRange } from '../../../../shared/model/board';
import { AplicOffset, SourceMode, type RiscvAplic } from '../../../devices/intc/riscv-aplic';
import type { TrapHandler, TrapRegion, TrappingCpu } from '../../stage2-map';
import type { VirtualIrqChip } from '../../irqchip';
import { IrqEventKind, irqTraceOf, type IrqTrace } from '../../../cpu/irq-trace';
import type { ControllerInspectData } from '../../../../shared/protocol/inspect';
import { Column, hwTag, registerMap } from '../../../devices/intc/inspect-table';
import type { ControllerInspectContext } from '../../../devices/intc/inspect-table';

/** hvisor's BOARD_APLIC_INTERRUPTS_NUM (qemu-aia board.rs): the vAPLIC's sources whatever the APLIC has. */
export const VAPLIC_MAX_SOURCES = 1023;
/** hvisor's IMSIC_GUEST_INDEX (qemu-aia board.rs; vaplic.rs GUEST_INDEX): the guest file every zone's guest uses. */
export const HVISOR_IMSIC_GUEST_INDEX = 1;

const BIT_WORDS = Math.ceil((VAPLIC_MAX_SOURCES + 1) / 32);
const Layout = {
  domaincfg: 0,
  sourcecfg: 1,
  target: 1 + VAPLIC_MAX_SOURCES + 1,
  pending: 1 + 2 * (VAPLIC_MAX_SOURCES + 1),
  enable: 1 + 2 * (VAPLIC_MAX_SOURCES + 1) + BIT_WORDS,
  words: 1 + 2 * (VAPLIC_MAX_SOURCES + 1) + 2 * BIT_WORDS,
} as const;

export interface VirtualAplicConfig {
  readonly zoneId: number;
  /** Physical CPUs of the zone, ascending (hvisor's cpu_set; first_cpu() is the first). */
  readonly zoneCpus: readonly number[];
  readonly ownedIrqs: readonly number[];
  /** The board's HW_IRQS. */
  readonly hwIrqs: readonly number[];
  /** The zone's aplic_base/aplic_size. */
  readonly window: AddressRange;
  /** The guest-physical base of the zone's IMSIC pages (hvisor's IMSIC_S_BASE). */
  readonly imsicBase: number;
  onGuestError(message: string): void;
  log(message: string): void;
  /** hvisor panics: the zone stops with the report. */
  panic(message: string): void;
}

export class VirtualAplic implements VirtualIrqChip, TrapHandler {
  readonly kind = 'vaplic';
  readonly name = 'vAPLIC';
  readonly traps: readonly TrapRegion[];
  readonly ownedIrqs: readonly number[];
  private readonly owned: ReadonlySet<number>;
  private readonly hw: ReadonlySet<number>;
  private readonly words: Uint32Array;
  private readonly trace: IrqTrace | undefined;

  static stateBytes(): number {
    return Layout.words * 4;
  }

  constructor(region: SharedRegion, private readonly config: VirtualAplicConfig, private readonly physical: RiscvAplic) {
    if (region.byteLength < Layout.words * 4) throw new Error('vAPLIC region too small');
    this.words = new Uint32Array(region.buffer, region.byteOffset, Layout.words);
    this.trace = irqTraceOf(region.buffer);
    this.ownedIrqs = [...config.ownedIrqs];
    this.owned = new Set(config.ownedIrqs);
    const hwIrqs = new Set(config.hwIrqs);
    this.hw = new Set(config.ownedIrqs.filter((irq) => hwIrqs.has(irq)));
    const imsicPages: TrapRegion[] = config.zoneCpus.map((cpu) => ({
      start: config.imsicBase + 0x1000 * cpu,
      size: 0x1000,
      handler: {
        read: () => 0n,
        write: (who: TrappingCpu, offset: number, size: number, value: bigint) => {
          if (offset !== 0 || size !== 4) return;
          this.physical.hypervisorInitOnce(this.config.zoneCpus[0]!);
          const refused = this.physical.sendMsi(`zone ${config.zoneId} IMSIC page of cpu ${cpu} (written by cpu ${who.cpuId})`, cpu, HVISOR_IMSIC_GUEST_INDEX, Number(value & 0xffffffffn));
          if (refused) this.config.onGuestError(refused.refused);
        },
      },
    }));
    this.traps = [{ start: config.window.base, size: config.window.size, handler: this }, ...imsicPages];
  }

  owns(irq: number): boolean {
    return this.owned.has(irq);
  }

  isHw(irq: number): boolean {
    return this.hw.has(irq);
  }

  private bit(base: number, irq: number): boolean {
    return (this.words[base + (irq >>> 5)]! & (1 << (irq & 31))) !== 0;
  }

  private setBit(base: number, irq: number, on: boolean): void {
    if (on) this.words[base + (irq >>> 5)]! |= 1 << (irq & 31);
    else this.words[base + (irq >>> 5)]! &= ~(1 << (irq & 31));
  }

  private get firstCpu(): number {
    return this.config.zoneCpus[0]!;
  }

  inject(irq: number, hw: boolean): boolean {
    if (hw) {
      this.config.log(`zone ${this.config.zoneId}: hw irq ${irq} injected into the vAPLIC refused: on AIA hardware interrupts go to the IMSIC files directly (hvisor aia/mod.rs inject_irq)`);
      return false;
    }
    if (irq < 1 || irq > VAPLIC_MAX_SOURCES) return false;
    this.physical.hypervisorInitOnce(this.firstCpu);
    const target = this.words[Layout.target + irq]!;
    const hart = ((target >>> 18) & 0x3fff) + this.firstCpu;
    const eiid = target & 0x3ff;
    if (this.trace?.on) this.trace.record(IrqEventKind.inject, irq, this.config.zoneId, hart, 0);
    if (eiid === 0) {
      this.config.log(`zone ${this.config.zoneId}: irq ${irq} injected before the guest set its target (EIID 0): dropped`);
      return false;
    }
    const refused = this.physical.sendMsi(`zone ${this.config.zoneId} vAPLIC irq ${irq}`, hart, HVISOR_IMSIC_GUEST_INDEX, eiid);
    if (refused) this.config.log(`zone ${this.config.zoneId}: injection of irq ${irq} dropped: ${refused.refused}`);
    return refused === undefined;
  }

  read(cpu: TrappingCpu, offset: number, size: 1 | 2 | 4 | 8): bigint {
    return BigInt(this.access(cpu, offset, size, 0, false) >>> 0);
  }

  write(cpu: TrappingCpu, offset: number, size: 1 | 2 | 4 | 8, value: bigint): void {
    this.access(cpu, offset, size, Number(BigInt.asUintN(32, value)), true);
  }

  private refuse(cpu: TrappingCpu, offset: number, isWrite: boolean, reason: string): number {
    const pc = BigInt.asUintN(64, cpu.getPc()).toString(16);
    this.config.onGuestError(`zone ${this.config.zoneId} cpu ${cpu.cpuId} pc 0x${pc}: vAPLIC ${isWrite ? 'write' : 'read'} at offset 0x${offset.toString(16)} ignored: ${reason}`);
    return 0;
  }

  /** vaplic_emul_access (hvisor vaplic.rs:100-352). Under the device lock. */
  access(cpu: TrappingCpu, offset: number, size: number, value: number, isWrite: boolean): number {
    const w = this.words;
    if (size !== 4 || (offset & 3) !== 0) {
      this.config.panic(`zone ${this.config.zoneId} cpu ${cpu.cpuId}: vAPLIC ${size}-byte access at offset 0x${offset.toString(16)}: hvisor panics ("only allowed word accesses", vaplic.rs:107)`);
      return 0;
    }
    this.physical.hypervisorInitOnce(this.firstCpu);
    const refused = (what: string): number => this.refuse(cpu, offset, isWrite, `${what} is not supported by hvisor's vAPLIC`);
    if (offset === AplicOffset.domaincfg) {
      if (!isWrite) return w[Layout.domaincfg]!;
      w[Layout.domaincfg] = value & 0x105;
      return 0;
    }
    if (offset >= AplicOffset.sourcecfg && offset <= 0x0ffc) {
      const irq = (offset - AplicOffset.sourcecfg) / 4 + 1;
      if (!isWrite) return w[Layout.sourcecfg + irq - 1]!;
      if ((value >>> 10) & 1) return this.refuse(cpu, offset, true, 'sourcecfg delegation is not supported by hvisor');
      if (![SourceMode.inactive, SourceMode.detached, SourceMode.edge1, SourceMode.edge0, SourceMode.level1, SourceMode.level0].includes(value as 0)) {
        return this.refuse(cpu, offset, true, `unknown source mode ${value}`);
      }
      if (this.isHw(irq)) this.physical.writeRegister(1, offset, value);
      w[Layout.sourcecfg + irq] = value;
      return 0;
    }
    if (offset === AplicOffset.smsiaddrcfg || offset === AplicOffset.smsiaddrcfgh) {
      if (!isWrite) return refused('reading msiaddrcfg');
      const host = this.physical.readRegister(1, AplicOffset.smsiaddrcfg);
      if (host !== value) this.refuse(cpu, offset, true, `msiaddrcfg 0x${value.toString(16)} differs from the host APLIC's 0x${host.toString(16)}`);
      return 0;
    }
    if (offset >= AplicOffset.setip && offset <= 0x1c7c) return refused('setip');
    if (offset === AplicOffset.setipnum) return refused('setipnum');
    if (offset >= AplicOffset.inClrip && offset <= 0x1d7c) return refused('in_clrip');
    if (offset === AplicOffset.clripnum) return refused('clripnum');
    if (offset >= AplicOffset.setie && offset <= 0x1e7c) return refused('setie');
    if (offset === AplicOffset.setienum || offset === AplicOffset.clrienum) {
      if (!isWrite) return 0;
      const irq = value;
      if (irq > VAPLIC_MAX_SOURCES) {
        this.config.panic(`zone ${this.config.zoneId} cpu ${cpu.cpuId}: vAPLIC ${offset === AplicOffset.setienum ? 'setienum' : 'clrienum'} of IRQ ${irq}: hvisor indexes its bitmap out of range and panics`);
        return 0;
      }
      if (this.isHw(irq)) this.physical.writeRegister(1, offset, irq);
      this.setBit(Layout.enable, irq, offset === AplicOffset.setienum);
      return 0;
    }
    if (offset >= AplicOffset.clrie && offset <= 0x1f7c) {
      if (!isWrite) return refused('reading clrie');
      const base = ((offset - AplicOffset.clrie) / 4) * 32;
      for (let b = 0; b < 32; b++) {
        const irq = base + b;
        if (irq > VAPLIC_MAX_SOURCES) break;
        if ((value & (1 << b)) === 0) continue;
        if (this.isHw(irq)) this.physical.writeRegister(1, AplicOffset.clrienum, irq);
        this.setBit(Layout.enable, irq, false);
      }
      return 0;
    }
    if (offset === AplicOffset.setipnumLe) {
      if (!isWrite) return 0;
      if (value > VAPLIC_MAX_SOURCES) {
        this.config.panic(`zone ${this.config.zoneId} cpu ${cpu.cpuId}: vAPLIC setipnum_le of IRQ ${value}: hvisor indexes its bitmap out of range and panics`);
        return 0;
      }
      if (this.isHw(value)) this.physical.writeRegister(1, AplicOffset.setipnumLe, value);
      this.setBit(Layout.pending, value, true);
      return 0;
    }
    if (offset === AplicOffset.setipnumBe) return refused('setipnum_be');
    if (offset === AplicOffset.genmsi) return refused('genmsi');
    if (offset >= AplicOffset.target && offset <= 0x3ffc) {
      const irq = (offset - AplicOffset.target) / 4 + 1;
      if (!isWrite) return w[Layout.target + irq]!;
      const hart = (value >>> 18) & 0x3fff;
      const eiid = value & 0x7ff;
      if (this.isHw(irq)) {
        if (hart >= this.config.zoneCpus.length) {
          return this.refuse(cpu, offset, true, `IRQ ${irq} aimed at hart index ${hart}, beyond the zone's ${this.config.zoneCpus.length} CPU(s) (hvisor would aim it at physical hart ${hart + this.firstCpu})`);
        }
        this.physical.writeRegister(1, offset, ((hart + this.firstCpu) << 18) | (HVISOR_IMSIC_GUEST_INDEX << 12) | eiid);
      }
      w[Layout.target + irq] = value;
      return 0;
    }
    this.config.panic(`zone ${this.config.zoneId} cpu ${cpu.cpuId}: vAPLIC ${isWrite ? 'write' : 'read'} at offset 0x${offset.toString(16)}: hvisor panics ("Invalid vAPLIC access", vaplic.rs:346)`);
    return 0;
  }

  /** arch_irqchip_reset (hvisor aia/mod.rs:157-196): the zone's hw IRQs disabled, inactive and not pending on the APLIC. */
  reset(): void {
    for (const irq of this.hw) {
      this.physical.writeRegister(1, AplicOffset.clrienum, irq);
      this.physical.writeRegister(1, AplicOffset.sourcecfg + 4 * (irq - 1), SourceMode.inactive);
      this.physical.writeRegister(1, AplicOffset.clripnum, irq);
    }
    this.words.fill(0);
  }

  inspectState(context: ControllerInspectContext = {}): ControllerInspectData {
    const modes = ['inactive', 'detached', '?', '?', 'edge rising', 'edge falling', 'level high', 'level low'];
    const columns = [
      Column.number('id', 'IRQ'), Column.text('mode', 'Mode'), Column.pending, Column.enabled,
      Column.number('hart', 'Hart', 'Target hart index in the zone'), Column.number('eiid', 'EIID', 'Identity sent to the guest file'),
      Column.hw,
    ];
    if (context.ownerOf) columns.push(Column.owner);
    const rows = [];
    for (let irq = 1; irq <= VAPLIC_MAX_SOURCES; irq++) {
      const cfg = this.words[Layout.sourcecfg + irq]!;
      const target = this.words[Layout.target + irq]!;
      const pending = this.bit(Layout.pending, irq);
      const enabled = this.bit(Layout.enable, irq);
      const mine = this.owns(irq);
      if (!mine && cfg === 0 && target === 0 && !pending && !enabled) continue;
      const owner = context.ownerOf?.(irq) ?? null;
      rows.push({
        key: String(irq),
        cells: {
          id: irq, mode: modes[cfg & 7] ?? '?', pending, enabled, hart: target >>> 18, eiid: target & 0x7ff, hw: hwTag(this.isHw(irq)),
          ...(context.ownerOf ? { owner } : {}),
        },
        owner,
        busy: pending,
        used: true,
      });
    }
    return {
      name: 'vAPLIC',
      kind: this.kind,
      lineNoun: 'IRQs',
      lines: { key: 'lines', title: 'IRQs', columns, rows },
      registers: [{ name: 'domaincfg', value: `0x${this.words[Layout.domaincfg]!.toString(16).padStart(8, '0')}` }],
      registerMap: registerMap(this.physical.registers),
    };
  }
}
