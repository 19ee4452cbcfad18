/**
 * RISC-V Advanced Platform-Level Interrupt Controller (APLIC, AIA 1.0 chapter 4) as QEMU's virt machine
 * has it with aia=aplic-imsic (hw/intc/riscv_aplic.c, hw/riscv/virt.c): a machine-level root domain
 * (window `machineBase`) whose sources can be delegated to one supervisor-level child domain (the
 * board device's own window), both in MSI delivery mode. Wired sources come in through setLevel; a
 * pending and enabled source of a domain with IE set is forwarded as an MSI to the interrupt file its
 * target register names (hart index, guest index, EIID) at the address the root's mmsiaddrcfg /
 * smsiaddrcfg compute (AIA 4.9.3), through the MSI sink (the IMSIC), and its pending bit is cleared.
 *
 * The machine starts as OpenSBI leaves QEMU virt for a supervisor-mode kernel (no M-mode firmware runs
 * here): the root domain in MSI mode with IE set, every source delegated to the S domain, and the MSI
 * address registers pointing at the M and S IMSIC windows. That setup is made on first use (the shared
 * state starts zeroed); the S domain is left at reset for its kernel or hypervisor.
 *
 * Left out: direct delivery mode (domaincfg.DM = 0: nothing is delivered, the IDC windows are absent),
 * big-endian domains, the msiaddrcfg lock bit, setipnum_be, more than one child domain.
 */
import type { IrqSink, MmioDevice, RegisterDef, SharedRegion } from '../../bus/types';
import type { MsiRefusal, MsiSink } from '../../bus/msi';
import type { PhysicalIrqChip } from '../../hypervisor/irqchip';
import type { ControllerInspectData } from '../../../shared/protocol/inspect';
import { IrqEventKind, irqTraceOf, type IrqTrace } from '../../cpu/irq-trace';
import { RiscvImsic } from './riscv-imsic';
import { Column, hwTag, registerMap, registerValue, type ControllerInspectContext } from './inspect-table';

/** Register offsets of a domain (AIA table 4.1). */
export const AplicOffset = {
  domaincfg: 0x0000, sourcecfg: 0x0004, mmsiaddrcfg: 0x1bc0, mmsiaddrcfgh: 0x1bc4, smsiaddrcfg: 0x1bc8, smsiaddrcfgh: 0x1bcc,
  setip: 0x1c00, setipnum: 0x1cdc, inClrip: 0x1d00, clripnum: 0x1ddc, setie: 0x1e00, setienum: 0x1edc, clrie: 0x1f00, clrienum: 0x1fdc,
  setipnumLe: 0x2000, setipnumBe: 0x2004, genmsi: 0x3000, target: 0x3004,
} as const;

export const DOMAINCFG_IE = 1 << 8;
export const DOMAINCFG_DM = 1 << 2;
/** domaincfg bits 31:24 read 0x80 (AIA 4.5.1: a reader can tell the byte order). */
const DOMAINCFG_READ_ONE = 0x8000_0000;
const SOURCECFG_D = 1 << 10;

/** sourcecfg source modes (SM). */
export const SourceMode = { inactive: 0, detached: 1, edge1: 4, edge0: 5, level1: 6, level0: 7 } as const;

export type AplicDomain = 0 | 1;
const M: AplicDomain = 0;
const S: AplicDomain = 1;

export interface AplicConfig {
  /** riscv,num-sources: source ids 1..sources. */
  readonly sources: number;
  readonly harts: number;
  /** Physical bases of the IMSIC windows the root's MSI address registers point at after firmware. */
  readonly imsic: { readonly machineBase: number; readonly supervisorBase: number; readonly guestBits: number };
}

class AplicLayout {
  readonly bitWords: number;
  readonly inputs = 8;
  readonly domainWords: number;
  constructor(readonly sources: number) {
    this.bitWords = Math.ceil((sources + 1) / 32);
    this.domainWords = 1 + 2 * (sources + 1) + 2 * this.bitWords;
  }
  get total(): number {
    return this.inputs + this.bitWords + 2 * this.domainWords;
  }
  domaincfg(d: AplicDomain): number {
    return this.inputs + this.bitWords + d * this.domainWords;
  }
  sourcecfg(d: AplicDomain, s: number): number {
    return this.domaincfg(d) + 1 + s;
  }
  target(d: AplicDomain, s: number): number {
    return this.domaincfg(d) + 1 + (this.sources + 1) + s;
  }
  ip(d: AplicDomain): number {
    return this.domaincfg(d) + 1 + 2 * (this.sources + 1);
  }
  ie(d: AplicDomain): number {
    return this.ip(d) + this.bitWords;
  }
}

/** Global words: 0 firmware setup done, 1 hypervisor setup done, 2..5 mmsiaddrcfg(h), smsiaddrcfg(h), 6 genmsi. */
const Word = { firmware: 0, hypervisor: 1, mmsiaddrcfg: 2, mmsiaddrcfgh: 3, smsiaddrcfg: 4, smsiaddrcfgh: 5, genmsi: 6 } as const;

export class RiscvAplic implements IrqSink, PhysicalIrqChip {
  readonly kind = 'riscv-aplic';
  readonly name = 'APLIC';
  readonly sources: number;
  readonly registers: readonly RegisterDef[];
  /** The machine-level (root) domain's window and the supervisor-level domain's window. */
  readonly machineWindow: MmioDevice;
  readonly supervisorWindow: MmioDevice;
  private readonly layout: AplicLayout;
  private readonly words: Uint32Array;
  private readonly trace: IrqTrace | undefined;

  static stateBytes(config: Pick<AplicConfig, 'sources'>): number {
    return new AplicLayout(config.sources).total * 4;
  }

  constructor(region: SharedRegion, readonly config: AplicConfig, private readonly msi: () => MsiSink) {
    if (config.sources < 1 || config.sources > 1023) throw new Error(`APLIC source count ${config.sources} out of range 1..1023`);
    this.sources = config.sources;
    this.layout = new AplicLayout(config.sources);
    if (region.byteLength < this.layout.total * 4) throw new Error('APLIC region too small');
    this.words = new Uint32Array(region.buffer, region.byteOffset, this.layout.total);
    this.trace = irqTraceOf(region.buffer);
    this.registers = aplicRegisters(config.sources);
    this.machineWindow = this.window(M);
    this.supervisorWindow = this.window(S);
  }

  private window(d: AplicDomain): MmioDevice {
    return {
      kind: this.kind,
      registers: this.registers,
      read: (offset, size) => (size === 4 && (offset & 3) === 0 ? this.readRegister(d, offset) : 0),
      write: (offset, size, value) => {
        if (size === 4 && (offset & 3) === 0) this.writeRegister(d, offset, value >>> 0);
      },
      reset: () => this.reset(),
      peek: () => ({ domaincfg: this.readRegister(d, 0) }),
    };
  }

  /** OpenSBI's setup of QEMU virt's APLIC (lib/utils/irqchip/aplic.c), made once on first use. */
  private ready(): void {
    if (this.words[Word.firmware] !== 0) return;
    const w = this.words;
    const { imsic, harts } = this.config;
    const lhxw = Math.max(0, Math.ceil(Math.log2(harts)));
    w[Word.mmsiaddrcfg] = Math.floor(imsic.machineBase / 0x1000) >>> 0;
    w[Word.mmsiaddrcfgh] = (lhxw << 12) | Math.floor(imsic.machineBase / 2 ** 44);
    w[Word.smsiaddrcfg] = Math.floor(imsic.supervisorBase / 0x1000) >>> 0;
    w[Word.smsiaddrcfgh] = (imsic.guestBits << 20) | Math.floor(imsic.supervisorBase / 2 ** 44);
    for (let s = 1; s <= this.sources; s++) w[this.layout.sourcecfg(M, s)] = SOURCECFG_D;
    w[this.layout.domaincfg(M)] = DOMAINCFG_IE | DOMAINCFG_DM;
    w[Word.firmware] = 1;
  }

  /**
   * hvisor's Aplic::init_global on the S domain (src/device/irqchip/aia/aplic.rs:101-139, called by
   * primary_init_early before any zone runs): every source inactive, disabled, not pending, aimed at
   * `hart` with EIID = source, then MSI mode with IE set. Done once; the vAPLIC calls it before its first use.
   */
  hypervisorInitOnce(hart: number): void {
    this.ready();
    if (this.words[Word.hypervisor] !== 0) return;
    this.words[Word.hypervisor] = 1;
    this.writeRegister(S, AplicOffset.domaincfg, 0);
    for (let i = 0; i < this.layout.bitWords; i++) {
      this.words[this.layout.ip(S) + i] = 0;
      this.words[this.layout.ie(S) + i] = 0;
    }
    for (let s = 1; s <= this.sources; s++) {
      this.writeRegister(S, AplicOffset.sourcecfg + 4 * (s - 1), SourceMode.inactive);
      this.writeRegister(S, AplicOffset.target + 4 * (s - 1), (hart << 18) | s);
    }
    this.writeRegister(S, AplicOffset.domaincfg, DOMAINCFG_IE | DOMAINCFG_DM);
  }

  private bit(base: number, s: number): boolean {
    return (this.words[base + (s >>> 5)]! & (1 << (s & 31))) !== 0;
  }

  private setBit(base: number, s: number, on: boolean): void {
    const mask = 1 << (s & 31);
    if (on) this.words[base + (s >>> 5)]! |= mask;
    else this.words[base + (s >>> 5)]! &= ~mask;
  }

  /** The domain that handles source `s` (undefined: none, i.e. inactive in the domain that has it). */
  private domainOf(s: number): AplicDomain | undefined {
    if (s < 1 || s > this.sources) return undefined;
    const root = this.words[this.layout.sourcecfg(M, s)]!;
    const d: AplicDomain = (root & SOURCECFG_D) !== 0 ? S : M;
    return this.mode(d, s) === SourceMode.inactive ? undefined : d;
  }

  private mode(d: AplicDomain, s: number): number {
    const cfg = this.words[this.layout.sourcecfg(d, s)]!;
    return (cfg & SOURCECFG_D) !== 0 ? SourceMode.inactive : cfg & 7;
  }

  private rectified(d: AplicDomain, s: number): boolean {
    const mode = this.mode(d, s);
    const input = this.bit(this.layout.inputs, s);
    if (mode === SourceMode.edge1 || mode === SourceMode.level1) return input;
    if (mode === SourceMode.edge0 || mode === SourceMode.level0) return !input;
    return false;
  }

  /** A wired source's input line, from a device. */
  setLevel(line: number, level: boolean): void {
    if (line < 1 || line > this.sources) return;
    this.ready();
    const d = this.domainOf(line);
    const before = d === undefined ? false : this.rectified(d, line);
    const was = this.bit(this.layout.inputs, line);
    if (was !== level && this.trace?.on) this.trace.record(level ? IrqEventKind.raise : IrqEventKind.lower, line, -1, -1, 0);
    this.setBit(this.layout.inputs, line, level);
    if (d === undefined) return;
    const mode = this.mode(d, line);
    if (mode === SourceMode.detached) return;
    const after = this.rectified(d, line);
    if (!before && after) this.markPending(d, line, true);
    else if (before && !after && (mode === SourceMode.level1 || mode === SourceMode.level0)) this.markPending(d, line, false);
  }

  private markPending(d: AplicDomain, s: number, on: boolean): void {
    if (on && !this.bit(this.layout.ip(d), s) && this.trace?.on) this.trace.record(IrqEventKind.pending, s, -1, -1, d);
    this.setBit(this.layout.ip(d), s, on);
    if (on) this.forward(d, s);
  }

  /** A write to setip/setipnum: level sources become pending only while their rectified input is high. */
  private softwarePending(d: AplicDomain, s: number): void {
    if (this.domainOf(s) !== d) return;
    const mode = this.mode(d, s);
    if ((mode === SourceMode.level1 || mode === SourceMode.level0) && !this.rectified(d, s)) return;
    this.markPending(d, s, true);
  }

  private enableSource(d: AplicDomain, s: number, on: boolean): void {
    if (this.domainOf(s) !== d) return;
    this.setBit(this.layout.ie(d), s, on);
    if (on) this.forward(d, s);
  }

  /** MSI delivery: a pending, enabled source of an enabled MSI-mode domain goes out and stops pending. */
  private forward(d: AplicDomain, s: number): void {
    const cfg = this.words[this.layout.domaincfg(d)]!;
    if ((cfg & DOMAINCFG_IE) === 0 || (cfg & DOMAINCFG_DM) === 0) return;
    if (!this.bit(this.layout.ip(d), s) || !this.bit(this.layout.ie(d), s)) return;
    this.setBit(this.layout.ip(d), s, false);
    const target = this.words[this.layout.target(d, s)]!;
    const hart = target >>> 18;
    const guest = d === S ? (target >>> 12) & 0x3f : 0;
    const eiid = target & 0x7ff;
    if (this.trace?.on) this.trace.record(IrqEventKind.claim, s, -1, hart, eiid);
    this.msi().deliver({ device: `APLIC ${d === M ? 'M' : 'S'} domain source ${s}`, requesterId: -1 }, this.msiAddress(d, hart, guest), eiid);
  }

  /** An MSI to the S-level file `guest` of `hart` (0 = its S file), as the hypervisor writes one (hvisor's imsic_trigger). */
  sendMsi(device: string, hart: number, guest: number, eiid: number): MsiRefusal | undefined {
    return this.msi().deliver({ device, requesterId: -1 }, this.msiAddress(S, hart, guest), eiid);
  }

  /** The interrupt file address of hart index `hart`, guest `guest`, for domain `d` (AIA 4.9.3). */
  msiAddress(d: AplicDomain, hart: number, guest: number): number {
    this.ready();
    const w = this.words;
    const mh = w[Word.mmsiaddrcfgh]!;
    const lhxw = (mh >>> 12) & 0xf;
    const hhxw = (mh >>> 16) & 0x7;
    const hhxs = (mh >>> 24) & 0x1f;
    const lo = d === M ? w[Word.mmsiaddrcfg]! : w[Word.smsiaddrcfg]!;
    const hi = d === M ? mh : w[Word.smsiaddrcfgh]!;
    const lhxs = (hi >>> 20) & 0x7;
    const ppn = (hi & 0xfff) * 2 ** 32 + lo;
    const lhx = hart & ((1 << lhxw) - 1);
    const hhx = (hart >>> lhxw) & ((1 << hhxw) - 1);
    const page = ppn + hhx * 2 ** (hhxs + 12) + lhx * 2 ** lhxs + guest;
    return page * 0x1000;
  }

  readRegister(d: AplicDomain, offset: number): number {
    this.ready();
    const l = this.layout;
    const w = this.words;
    if (offset === AplicOffset.domaincfg) return (w[l.domaincfg(d)]! | DOMAINCFG_READ_ONE) >>> 0;
    if (offset >= AplicOffset.sourcecfg && offset < AplicOffset.sourcecfg + 4 * this.sources) {
      const s = (offset - AplicOffset.sourcecfg) / 4 + 1;
      if (d === S && (w[l.sourcecfg(M, s)]! & SOURCECFG_D) === 0) return 0;
      return w[l.sourcecfg(d, s)]!;
    }
    if (offset >= AplicOffset.mmsiaddrcfg && offset <= AplicOffset.smsiaddrcfgh) {
      // Only the root domain has the MSI address registers.
      return d === M ? w[Word.mmsiaddrcfg + (offset - AplicOffset.mmsiaddrcfg) / 4]! : 0;
    }
    if (offset >= AplicOffset.setip && offset < AplicOffset.setip + 4 * l.bitWords) return this.activeBits(d, l.ip(d), (offset - AplicOffset.setip) / 4);
    if (offset >= AplicOffset.inClrip && offset < AplicOffset.inClrip + 4 * l.bitWords) {
      const i = (offset - AplicOffset.inClrip) / 4;
      let v = 0;
      for (let b = 0; b < 32; b++) {
        const s = i * 32 + b;
        if (this.domainOf(s) === d && this.rectified(d, s)) v |= 1 << b;
      }
      return v >>> 0;
    }
    if (offset >= AplicOffset.setie && offset < AplicOffset.setie + 4 * l.bitWords) return this.activeBits(d, l.ie(d), (offset - AplicOffset.setie) / 4);
    if (offset === AplicOffset.genmsi) return w[Word.genmsi]!;
    if (offset >= AplicOffset.target && offset < AplicOffset.target + 4 * this.sources) {
      const s = (offset - AplicOffset.target) / 4 + 1;
      return this.domainOf(s) === d ? w[l.target(d, s)]! : 0;
    }
    return 0;
  }

  private activeBits(d: AplicDomain, base: number, i: number): number {
    let v = 0;
    for (let b = 0; b < 32; b++) {
      const s = i * 32 + b;
      if (this.domainOf(s) === d && this.bit(base, s)) v |= 1 << b;
    }
    return v >>> 0;
  }

  writeRegister(d: AplicDomain, offset: number, value: number): void {
    this.ready();
    const l = this.layout;
    const w = this.words;
    if (offset === AplicOffset.domaincfg) {
      w[l.domaincfg(d)] = value & (DOMAINCFG_IE | DOMAINCFG_DM);
      if ((value & DOMAINCFG_IE) !== 0) for (let s = 1; s <= this.sources; s++) if (this.domainOf(s) === d) this.forward(d, s);
      return;
    }
    if (offset >= AplicOffset.sourcecfg && offset < AplicOffset.sourcecfg + 4 * this.sources) {
      const s = (offset - AplicOffset.sourcecfg) / 4 + 1;
      if (d === S && (w[l.sourcecfg(M, s)]! & SOURCECFG_D) === 0) return;
      // The S domain has no children: D is read-only zero there, and only the defined modes stick.
      let cfg = (value & SOURCECFG_D) !== 0 ? (d === M ? SOURCECFG_D : 0) : value & 7;
      if (cfg === 2 || cfg === 3) cfg = SourceMode.inactive;
      w[l.sourcecfg(d, s)] = cfg;
      if (this.mode(d, s) === SourceMode.inactive) {
        this.setBit(l.ip(d), s, false);
        this.setBit(l.ie(d), s, false);
        w[l.target(d, s)] = 0;
      } else if ((this.mode(d, s) === SourceMode.level1 || this.mode(d, s) === SourceMode.level0) && !this.rectified(d, s)) {
        this.setBit(l.ip(d), s, false);
      }
      return;
    }
    if (offset >= AplicOffset.mmsiaddrcfg && offset <= AplicOffset.smsiaddrcfgh) {
      if (d === M) w[Word.mmsiaddrcfg + (offset - AplicOffset.mmsiaddrcfg) / 4] = value;
      return;
    }
    const each = (base: number, fn: (s: number) => void): void => {
      const i = (offset - base) / 4;
      for (let b = 0; b < 32; b++) if (value & (1 << b)) fn(i * 32 + b);
    };
    if (offset >= AplicOffset.setip && offset < AplicOffset.setip + 4 * l.bitWords) return each(AplicOffset.setip, (s) => this.softwarePending(d, s));
    if (offset === AplicOffset.setipnum || offset === AplicOffset.setipnumLe) return this.softwarePending(d, value);
    if (offset >= AplicOffset.inClrip && offset < AplicOffset.inClrip + 4 * l.bitWords) {
      return each(AplicOffset.inClrip, (s) => {
        if (this.domainOf(s) === d) this.setBit(l.ip(d), s, false);
      });
    }
    if (offset === AplicOffset.clripnum) {
      if (this.domainOf(value) === d) this.setBit(l.ip(d), value, false);
      return;
    }
    if (offset >= AplicOffset.setie && offset < AplicOffset.setie + 4 * l.bitWords) return each(AplicOffset.setie, (s) => this.enableSource(d, s, true));
    if (offset === AplicOffset.setienum) return this.enableSource(d, value, true);
    if (offset >= AplicOffset.clrie && offset < AplicOffset.clrie + 4 * l.bitWords) return each(AplicOffset.clrie, (s) => this.enableSource(d, s, false));
    if (offset === AplicOffset.clrienum) return this.enableSource(d, value, false);
    if (offset === AplicOffset.genmsi) {
      // Sent at once: the busy bit (12) never reads set.
      w[Word.genmsi] = value & 0xfffc07ff;
      const hart = value >>> 18;
      if ((w[l.domaincfg(d)]! & DOMAINCFG_DM) !== 0) {
        this.msi().deliver({ device: `APLIC ${d === M ? 'M' : 'S'} domain genmsi`, requesterId: -1 }, this.msiAddress(d, hart, 0), value & 0x7ff);
      }
      return;
    }
    if (offset >= AplicOffset.target && offset < AplicOffset.target + 4 * this.sources) {
      const s = (offset - AplicOffset.target) / 4 + 1;
      if (this.domainOf(s) !== d) return;
      // MSI mode: hart index, guest index (S level only), EIID.
      w[l.target(d, s)] = (value & (d === M ? 0xfffc07ff : 0xfffff7ff)) >>> 0;
      this.forward(d, s);
    }
  }

  reset(): void {
    this.words.fill(0);
  }

  // --- PhysicalIrqChip: in MSI mode nothing is claimed at the APLIC (hvisor leaves external interrupts to the IMSIC files) ---

  targetOf(): number | undefined {
    return undefined;
  }
  claim(): number {
    return 0;
  }
  complete(): void {}
  setEnabled(_target: number, irq: number, enabled: boolean): void {
    this.writeRegister(S, enabled ? AplicOffset.setienum : AplicOffset.clrienum, irq);
  }
  isEnabled(_target: number, irq: number): boolean {
    return this.domainOf(irq) === S && this.bit(this.layout.ie(S), irq);
  }
  setPriority(): void {}
  setThreshold(): void {}
  setPending(irq: number): void {
    this.writeRegister(S, AplicOffset.setipnumLe, irq);
  }

  /** The S domain's state of a source, for the inspector and the vAPLIC. */
  sourceState(d: AplicDomain, s: number): { mode: number; pending: boolean; enabled: boolean; input: boolean; target: number; active: boolean } {
    const active = this.domainOf(s) === d;
    return {
      mode: active ? this.mode(d, s) : 0,
      pending: active && this.bit(this.layout.ip(d), s),
      enabled: active && this.bit(this.layout.ie(d), s),
      input: this.bit(this.layout.inputs, s),
      target: active ? this.words[this.layout.target(d, s)]! : 0,
      active,
    };
  }

  inspectState(context: ControllerInspectContext = {}): ControllerInspectData {
    this.ready();
    const modes = ['inactive', 'detached', '?', '?', 'edge rising', 'edge falling', 'level high', 'level low'];
    const columns = [
      Column.number('id', 'Source'), Column.text('domain', 'Domain'), Column.text('mode', 'Mode'), Column.pending, Column.enabled, Column.level,
      Column.number('hart', 'Hart', 'Target hart index'), Column.number('guest', 'Guest', 'Target guest file (0 = the S file)'), Column.number('eiid', 'EIID', 'Identity sent to the interrupt file'),
    ];
    if (context.ownerOf) columns.push(Column.owner);
    if (context.isHw) columns.push(Column.hw);
    const rows = [];
    for (let s = 1; s <= this.sources; s++) {
      const d = (this.words[this.layout.sourcecfg(M, s)]! & SOURCECFG_D) !== 0 ? S : M;
      const st = this.sourceState(d, s);
      const owner = context.ownerOf?.(s) ?? null;
      rows.push({
        key: String(s),
        cells: {
          id: s, domain: d === M ? 'M' : 'S', mode: modes[st.mode] ?? '?', pending: st.pending, enabled: st.enabled, level: st.input,
          hart: st.active ? st.target >>> 18 : null, guest: st.active ? (st.target >>> 12) & 0x3f : null, eiid: st.active ? st.target & 0x7ff : null,
          ...(context.ownerOf ? { owner } : {}),
          ...(context.isHw ? { hw: hwTag(context.isHw(s)) } : {}),
        },
        owner,
        busy: st.pending,
        used: owner !== null || st.active || st.input,
      });
    }
    const imsic = this.msi();
    const globals = this.registers.filter((r) => r.offset === AplicOffset.domaincfg || (r.offset >= AplicOffset.mmsiaddrcfg && r.offset <= AplicOffset.smsiaddrcfgh));
    return {
      name: 'APLIC',
      kind: this.kind,
      lineNoun: 'sources',
      lines: { key: 'lines', title: 'Sources', columns, rows },
      // The interrupt files the sources go to: the IMSIC has no inspector entry of its own.
      ...(imsic instanceof RiscvImsic ? { extra: [imsic.filesTable()] } : {}),
      registers: [
        registerValue({ ...globals[0]!, name: 'M domaincfg' }, this.readRegister(M, AplicOffset.domaincfg)),
        registerValue({ ...globals[0]!, name: 'S domaincfg' }, this.readRegister(S, AplicOffset.domaincfg)),
        ...globals.slice(1).map((r) => registerValue(r, this.readRegister(M, r.offset))),
      ],
      registerMap: registerMap(this.registers),
    };
  }
}

function aplicRegisters(sources: number): RegisterDef[] {
  const bitWords = Math.ceil((sources + 1) / 32);
  const msiFields = [
    { name: 'PPN[43:32]', lsb: 0, width: 12 }, { name: 'LHXW', lsb: 12, width: 4 }, { name: 'HHXW', lsb: 16, width: 3 },
    { name: 'LHXS', lsb: 20, width: 3 }, { name: 'HHXS', lsb: 24, width: 5 }, { name: 'L', lsb: 31, width: 1 },
  ];
  return [
    {
      name: 'domaincfg', offset: AplicOffset.domaincfg, width: 4, access: 'rw', reset: DOMAINCFG_READ_ONE, description: 'Domain configuration',
      fields: [{ name: 'BE', lsb: 0, width: 1 }, { name: 'DM', lsb: 2, width: 1, description: '1: MSI delivery mode' }, { name: 'IE', lsb: 8, width: 1, description: 'interrupt enable' }],
    },
    {
      name: 'sourcecfg', offset: AplicOffset.sourcecfg, width: 4, access: 'rw', reset: 0, count: sources, stride: 4, description: 'Source mode of sources 1..N, or delegation to the child domain',
      fields: [{ name: 'SM', lsb: 0, width: 3, description: '0 inactive, 1 detached, 4/5 edge, 6/7 level' }, { name: 'D', lsb: 10, width: 1, description: 'delegated (root domain)' }],
    },
    { name: 'mmsiaddrcfg', offset: AplicOffset.mmsiaddrcfg, width: 4, access: 'rw', reset: 0, description: 'M-level MSI address PPN[31:0] (root domain only)' },
    { name: 'mmsiaddrcfgh', offset: AplicOffset.mmsiaddrcfgh, width: 4, access: 'rw', reset: 0, description: 'M-level MSI address high part and geometry', fields: msiFields },
    { name: 'smsiaddrcfg', offset: AplicOffset.smsiaddrcfg, width: 4, access: 'rw', reset: 0, description: 'S-level MSI address PPN[31:0] (root domain only)' },
    { name: 'smsiaddrcfgh', offset: AplicOffset.smsiaddrcfgh, width: 4, access: 'rw', reset: 0, description: 'S-level MSI address high part, LHXS', fields: [msiFields[0]!, msiFields[3]!] },
    { name: 'setip', offset: AplicOffset.setip, width: 4, access: 'rw', reset: 0, count: bitWords, stride: 4, description: 'Pending bits; write 1 to set' },
    { name: 'setipnum', offset: AplicOffset.setipnum, width: 4, access: 'wo', reset: 0, description: 'Write a source number to make it pending' },
    { name: 'in_clrip', offset: AplicOffset.inClrip, width: 4, access: 'rw', reset: 0, count: bitWords, stride: 4, description: 'Read: rectified inputs; write 1 to clear pending' },
    { name: 'clripnum', offset: AplicOffset.clripnum, width: 4, access: 'wo', reset: 0, description: 'Write a source number to clear its pending bit' },
    { name: 'setie', offset: AplicOffset.setie, width: 4, access: 'rw', reset: 0, count: bitWords, stride: 4, description: 'Enable bits; write 1 to set' },
    { name: 'setienum', offset: AplicOffset.setienum, width: 4, access: 'wo', reset: 0, description: 'Write a source number to enable it' },
    { name: 'clrie', offset: AplicOffset.clrie, width: 4, access: 'wo', reset: 0, count: bitWords, stride: 4, description: 'Write 1 to clear enable bits' },
    { name: 'clrienum', offset: AplicOffset.clrienum, width: 4, access: 'wo', reset: 0, description: 'Write a source number to disable it' },
    { name: 'setipnum_le', offset: AplicOffset.setipnumLe, width: 4, access: 'wo', reset: 0, description: 'Little-endian setipnum' },
    {
      name: 'genmsi', offset: AplicOffset.genmsi, width: 4, access: 'rw', reset: 0, description: 'Send an MSI to a hart (MSI mode)',
      fields: [{ name: 'EIID', lsb: 0, width: 11 }, { name: 'Busy', lsb: 12, width: 1 }, { name: 'Hart Index', lsb: 18, width: 14 }],
    },
    {
      name: 'target', offset: AplicOffset.target, width: 4, access: 'rw', reset: 0, count: sources, stride: 4, description: 'Where source i is sent (MSI mode)',
      fields: [{ name: 'EIID', lsb: 0, width: 11 }, { name: 'Guest Index', lsb: 12, width: 6 }, { name: 'Hart Index', lsb: 18, width: 14 }],
    },
  ];
}
