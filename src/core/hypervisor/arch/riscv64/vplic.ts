/**
 * The per-zone virtual PLIC, as hvisor emulates it for RISC-V boards with a PLIC
 * (`src/device/irqchip/plic/{mod,vplic}.rs`): the zone's `plic_base/plic_size` window is trapped and
 * every 32-bit access lands here. The zone sees a PLIC whose harts are its own CPUs renumbered from 0:
 * vcontext 2*i+1 is the S-mode context of the i-th CPU of the zone (cpu_set order, i.e. ascending
 * physical ids), and maps to physical context 2*pCPU+1. M-mode contexts (even ids) are not emulated.
 *
 * IRQs come in two kinds. An IRQ is "hw" iff the zone owns it and the board lists it in HW_IRQS: its
 * priority, enables, the context thresholds and its completions are mirrored into the physical PLIC,
 * which really delivers it (see irq-routing.ts). Every other IRQ (virtio, injected by the management
 * side) lives only here. Like hvisor, the vPLIC has BOARD_PLIC_INTERRUPTS_NUM = 1023 sources whatever
 * the physical PLIC has (plic/mod.rs vplic_init), and an injection is checked only against the hw flag
 * (vplic.rs inject_irq): a virtio completion is delivered whether or not its IRQ is in `interrupts`.
 *
 * Where hvisor departs from the PLIC spec, this follows hvisor:
 * - priorities and thresholds keep the whole 32-bit value written (the spec's WARL priority bits are
 *   not modelled); the physical PLIC keeps its own 3 bits of a mirrored value;
 * - a completion is not checked against the context's enables or the claimed state; for a hw IRQ it
 *   is forwarded to the physical PLIC, which does apply those checks;
 * - the threshold of a context is mirrored to the physical context whatever IRQs the zone owns;
 * - bad accesses (wrong size, undefined offsets, M-mode or foreign contexts, writes to pending) are
 *   logged and ignored, reads return 0; the zone keeps running.
 * One deliberate difference: hvisor re-evaluates only some contexts' lines after a change (for
 * example only the claiming context after a claim, only the receiving hart after a hw injection);
 * here every change re-evaluates every vcontext, so SEIP is exactly "this context could claim
 * something" on each hart, as on a real PLIC. hvisor's cross-hart UPDATE_HART_LINE event is the
 * HartSignals.setPending call, which updates the other hart's mip atomically and wakes it.
 *
 * All mutable state lives in the shared region: any vCPU thread of the zone (and the inspector) may
 * build its own VirtualPlic over it and access it under the machine-wide device lock.
 *
 * It is the zone's VirtualIrqChip (core/hypervisor/irqchip.ts) on a PLIC board, and drives the physical
 * PLIC only through PhysicalIrqChip: the physical context of a zone hart is the one the board wires to
 * that hart's SEIP (hvisor runs in HS-mode and takes supervisor external interrupts).
 */
import type { HartSignals, RegisterDef, SharedRegion } from '../../../bus/types';
import type { AddressRange } from '../../../../shared/model/board';
import { PlicOffset } from '../../../devices/intc/sifive-plic';
import { Irq } from '../../../isa/riscv64/csr-numbers';
import type { TrapHandler, TrapRegion, TrappingCpu } from '../../stage2-map';
import type { PhysicalIrqChip, VirtualIrqChip } from '../../irqchip';
import { IrqEventKind, irqTraceOf, type IrqTrace } from '../../../cpu/irq-trace';
import type { ControllerInspectData } from '../../../../shared/protocol/inspect';
import { Column, hwTag, listCell, registerMap } from '../../../devices/intc/inspect-table';

/** hvisor's BOARD_PLIC_INTERRUPTS_NUM: the largest source count a (v)PLIC register map can hold. */
export const VPLIC_MAX_SOURCES = 1023;

/** The hart input a vPLIC vcontext drives: the guest's supervisor external interrupt (hvip.VSEIP in hvisor). */
export const MIP_SEIP = 1 << Irq.SEI;
/** The physical PLIC input hvisor takes a zone hart's external interrupts on (its HS-mode context). */
export const HYPERVISOR_INPUT = 'SEIP';

/** The pending array hvisor decodes: 0x1000..0x107C, 32 words whatever the source count. */
const PENDING_END = 0x1080;

export interface VirtualPlicConfig {
  /** For messages only; without it, log lines name the zone by its harts and guest errors carry no zone. */
  readonly zoneId?: number;
  /** Physical hart ids of the zone in ascending order (hvisor's cpu_set iteration order). */
  readonly zoneCpus: readonly number[];
  /** Highest source id (hvisor: BOARD_PLIC_INTERRUPTS_NUM = 1023; or the board PLIC's count). */
  readonly sources: number;
  /** The zone's interrupts (its irq_bitmap). */
  readonly ownedIrqs: readonly number[];
  /** The board's HW_IRQS: the lines that really reach the physical PLIC. */
  readonly hwIrqs: readonly number[];
  /** A guest access the vPLIC refuses (hvisor logs these with error!). */
  readonly onGuestError?: (message: string) => void;
  /** Hypervisor events, such as a dropped injection. */
  readonly log?: (message: string) => void;
  /** The zone's plic_base/plic_size: the window its stage 2 traps to this vPLIC (none: no traps). */
  readonly window?: AddressRange;
}

export interface VirtualPlicSourceState {
  readonly irq: number;
  readonly priority: number;
  readonly pending: boolean;
  /** Claimed by the guest and not yet completed. */
  readonly active: boolean;
  readonly owned: boolean;
  readonly hw: boolean;
}

export interface VirtualPlicContextState {
  /** The context id the guest uses (always odd: S-mode). */
  readonly vcontext: number;
  /** The physical hart behind it. */
  readonly hart: number;
  readonly enables: number[];
  readonly threshold: number;
  /** The IRQ a claim would return now (0 = none). */
  readonly wouldClaim: number;
}

/** Word offsets of each part of the shared state; `slot` is the index of a CPU in zoneCpus. */
class VirtualPlicLayout {
  readonly bitmapWords: number;
  readonly priority = 0;
  readonly pending: number;
  readonly active: number;
  readonly enables: number;
  readonly thresholds: number;
  /** SEIP level last driven per slot, so harts are only signalled (and woken) on changes. */
  readonly outputs: number;
  readonly totalWords: number;

  constructor(readonly sources: number, readonly slots: number) {
    this.bitmapWords = Math.ceil((sources + 1) / 32);
    this.pending = sources + 1;
    this.active = this.pending + this.bitmapWords;
    this.enables = this.active + this.bitmapWords;
    this.thresholds = this.enables + slots * this.bitmapWords;
    this.outputs = this.thresholds + slots;
    this.totalWords = this.outputs + slots;
  }
}

type Decoded =
  | { readonly kind: 'priority'; readonly irq: number }
  | { readonly kind: 'pending'; readonly word: number }
  | { readonly kind: 'enable'; readonly slot: number; readonly word: number }
  | { readonly kind: 'threshold'; readonly slot: number }
  | { readonly kind: 'claim'; readonly slot: number }
  | { readonly kind: 'invalid'; readonly reason: string };

export class VirtualPlic implements TrapHandler, VirtualIrqChip {
  readonly kind = 'vplic';
  readonly name = 'vPLIC';
  readonly registers: readonly RegisterDef[];
  readonly zoneCpus: readonly number[];
  readonly sources: number;
  readonly ownedIrqs: readonly number[];
  readonly traps: readonly TrapRegion[];
  /** The physical PLIC context behind each vcontext slot (wired to the hart's SEIP). */
  private readonly physicalTargets: readonly number[];
  private readonly layout: VirtualPlicLayout;
  private readonly words: Uint32Array;
  /** Configuration, not state: identical in every thread that builds this zone's vPLIC. */
  private readonly owned: Uint32Array;
  private readonly hw: Uint32Array;
  private readonly zoneName: string;
  /** The interrupt timeline's ring, when the machine has one (irq-trace.ts). */
  private readonly trace: IrqTrace | undefined;

  static stateBytes(config: Pick<VirtualPlicConfig, 'sources' | 'zoneCpus'> & Partial<VirtualPlicConfig>): number {
    return new VirtualPlicLayout(config.sources, config.zoneCpus.length).totalWords * 4;
  }

  constructor(
    region: SharedRegion,
    private readonly config: VirtualPlicConfig,
    private readonly physical: PhysicalIrqChip,
    private readonly signals: HartSignals,
  ) {
    const { sources, zoneCpus } = config;
    if (!Number.isInteger(sources) || sources < 1 || sources > VPLIC_MAX_SOURCES) {
      throw new Error(`vPLIC source count ${sources} out of range 1..${VPLIC_MAX_SOURCES}`);
    }
    this.zoneName = config.zoneId !== undefined ? `zone ${config.zoneId}` : `zone on harts ${zoneCpus.join(',')}`;
    if (zoneCpus.length === 0) throw new Error('vPLIC needs at least one CPU');
    for (let i = 1; i < zoneCpus.length; i++) {
      if (!(zoneCpus[i]! > zoneCpus[i - 1]!)) throw new Error(`${this.zoneName}: vPLIC CPUs must be ascending and unique`);
    }
    this.sources = sources;
    this.zoneCpus = [...zoneCpus];
    this.layout = new VirtualPlicLayout(sources, zoneCpus.length);
    if (region.byteLength < this.layout.totalWords * 4) throw new Error('vPLIC region too small');
    this.words = new Uint32Array(region.buffer, region.byteOffset, this.layout.totalWords);
    this.owned = new Uint32Array(this.layout.bitmapWords);
    this.hw = new Uint32Array(this.layout.bitmapWords);
    const hwSet = new Set(config.hwIrqs);
    for (const irq of config.ownedIrqs) {
      if (!Number.isInteger(irq) || irq < 1 || irq > sources) throw new Error(`${this.zoneName}: irq ${irq} outside the vPLIC's 1..${sources}`);
      this.owned[irq >> 5] = this.owned[irq >> 5]! | (1 << (irq & 31));
      if (hwSet.has(irq)) this.hw[irq >> 5] = this.hw[irq >> 5]! | (1 << (irq & 31));
    }
    this.ownedIrqs = [...config.ownedIrqs];
    this.physicalTargets = zoneCpus.map((cpu) => {
      const target = physical.targetOf(cpu, HYPERVISOR_INPUT);
      if (target === undefined) throw new Error(`${this.zoneName}: the board wires no ${physical.name} output to hart ${cpu}'s ${HYPERVISOR_INPUT} (cpuInputs of the interrupt controller)`);
      return target;
    });
    this.registers = virtualPlicRegisters(sources, zoneCpus.length);
    this.trace = irqTraceOf(region.buffer);
    const window = config.window;
    this.traps = window && window.size > 0 ? [{ start: window.base, size: window.size, handler: this }] : [];
  }

  owns(irq: number): boolean {
    return irq >= 1 && irq <= this.sources && testBit(this.owned, irq);
  }

  isHw(irq: number): boolean {
    return irq >= 1 && irq <= this.sources && testBit(this.hw, irq);
  }

  /** The guest's context id for a physical hart of the zone, or undefined if the hart is not the zone's. */
  vcontextOf(hart: number): number | undefined {
    const slot = this.zoneCpus.indexOf(hart);
    return slot < 0 ? undefined : 2 * slot + 1;
  }

  /**
   * Makes `irq` pending, as hvisor's inject_irq: `hw` says where it comes from (true: claimed from the
   * physical PLIC; false: a virtual device). Only the hw flag is checked (hvisor src/device/irqchip/
   * plic/vplic.rs inject_irq, lines 92-95): a physical IRQ that is not one of the zone's hw IRQs, or a
   * virtual injection of one, is dropped with a log line and false; a virtual IRQ is delivered whether
   * the zone lists it or not. Ids outside 1..sources are dropped too (hvisor indexes its bitmaps with
   * them and panics). Already pending: nothing changes (one request, like a level gateway). Pending
   * while active is allowed: it is delivered again after the completion.
   */
  inject(irq: number, hw: boolean): boolean {
    if (!Number.isInteger(irq) || irq < 1 || irq > this.sources) {
      this.log(`${this.zoneName}: irq ${irq} is not a vPLIC source (1..${this.sources}), dropped`);
      return false;
    }
    if (this.isHw(irq) !== hw) {
      const why = hw ? "not one of the zone's hw IRQs (interrupts and HW_IRQS)" : 'a hw IRQ of the zone, not a virtual one';
      this.log(`${this.zoneName}: irq ${irq} injected as ${hw ? 'hw' : 'virtual'} is ${why}, dropped`);
      return false;
    }
    const l = this.layout;
    const trace = this.trace;
    if (trace !== undefined && trace.on) {
      trace.record(IrqEventKind.inject, irq, this.config.zoneId ?? -1, -1, hw ? 1 : 0);
      if (!this.getBit(l.pending, irq)) trace.record(IrqEventKind.vpending, irq, this.config.zoneId ?? -1, -1, 0);
    }
    if (this.getBit(l.pending, irq)) return true;
    this.setBit(l.pending, irq, true);
    this.updateLines();
    return true;
  }

  read(hart: TrappingCpu, offset: number, size: 1 | 2 | 4 | 8): bigint {
    const reg = this.decodeAccess(hart, offset, size, 'read');
    if (!reg) return 0n;
    const l = this.layout;
    const w = this.words;
    switch (reg.kind) {
      case 'priority':
        return BigInt(w[l.priority + reg.irq]!);
      case 'pending':
        return reg.word < l.bitmapWords ? BigInt(w[l.pending + reg.word]!) : 0n;
      case 'enable':
        return reg.word < l.bitmapWords ? BigInt(w[l.enables + reg.slot * l.bitmapWords + reg.word]!) : 0n;
      case 'threshold':
        return BigInt(w[l.thresholds + reg.slot]!);
      case 'claim':
        return BigInt(this.claim(reg.slot));
      case 'invalid':
        return 0n;
    }
  }

  write(hart: TrappingCpu, offset: number, size: 1 | 2 | 4 | 8, value: bigint): void {
    const reg = this.decodeAccess(hart, offset, size, 'write');
    if (!reg) return;
    // A 32-bit store of a value with bit 31 set reaches us sign-extended (hvisor had to drop its
    // range check because Linux enabling sources 28..31 wrote 0xFFFFFFFF_F0000000): keep 32 bits.
    const v = Number(BigInt.asUintN(32, value));
    const l = this.layout;
    const w = this.words;
    switch (reg.kind) {
      case 'priority':
        w[l.priority + reg.irq] = v;
        if (this.isHw(reg.irq)) this.physical.setPriority(reg.irq, v);
        break;
      case 'pending':
        this.guestError(hart, offset, 'write', 'the pending array is read-only');
        return;
      case 'enable':
        this.writeEnable(reg.slot, reg.word, v);
        break;
      case 'threshold':
        w[l.thresholds + reg.slot] = v;
        this.physical.setThreshold(this.physicalTargets[reg.slot]!, v);
        break;
      case 'claim':
        this.complete(hart, offset, reg.slot, v);
        break;
      case 'invalid':
        return;
    }
    this.updateLines();
  }

  /**
   * Zone shutdown, as hvisor's arch_irqchip_reset: the zone's hw IRQs get physical priority 0 and are
   * disabled in the zone's physical S contexts, whose thresholds return to 0. Like hvisor, a hw IRQ
   * the guest had claimed and not completed is not completed physically, so it stays claimed on the
   * physical PLIC. Then every vPLIC register is cleared and the zone's SEIP lines are lowered.
   */
  reset(): void {
    const l = this.layout;
    for (let irq = 1; irq <= this.sources; irq++) {
      if (!this.isHw(irq)) continue;
      // hvisor leaves a hw IRQ that the zone held (claimed physically, not yet completed by the guest)
      // claimed on the physical PLIC, so the source is dead for the next zone. Complete it here, on
      // whichever of the zone's physical contexts holds it (completion elsewhere is ignored).
      const bit = 1 << (irq & 31);
      if ((this.words[l.pending + (irq >> 5)]! | this.words[l.active + (irq >> 5)]!) & bit) {
        for (const target of this.physicalTargets) this.physical.complete(target, irq);
      }
      this.physical.setPriority(irq, 0);
      for (const target of this.physicalTargets) this.physical.setEnabled(target, irq, false);
    }
    for (const target of this.physicalTargets) this.physical.setThreshold(target, 0);
    this.words.fill(0);
    for (const cpu of this.zoneCpus) this.signals.setPending(cpu, MIP_SEIP, false);
  }

  /** The IRQ a claim on the slot's context would return now, without claiming it (0 = none). */
  wouldClaim(slot: number): number {
    const l = this.layout;
    const w = this.words;
    const enableBase = l.enables + slot * l.bitmapWords;
    let best = 0;
    let bestPriority = w[l.thresholds + slot]!;
    for (let word = 0; word < l.bitmapWords; word++) {
      let candidates = w[l.pending + word]! & ~w[l.active + word]! & w[enableBase + word]!;
      while (candidates !== 0) {
        const bit = 31 - Math.clz32(candidates & -candidates);
        candidates &= candidates - 1;
        const irq = word * 32 + bit;
        const priority = w[l.priority + irq]!;
        // Strictly greater: the threshold masks equal priorities, and on ties the lowest id, met first, wins.
        if (priority > bestPriority) {
          best = irq;
          bestPriority = priority;
        }
      }
    }
    return best;
  }

  /** Structured state for the inspector; no side effects. */
  inspect(): { sources: VirtualPlicSourceState[]; contexts: VirtualPlicContextState[] } {
    const l = this.layout;
    const sources: VirtualPlicSourceState[] = [];
    for (let irq = 1; irq <= this.sources; irq++) {
      sources.push({
        irq,
        priority: this.words[l.priority + irq]!,
        pending: this.getBit(l.pending, irq),
        active: this.getBit(l.active, irq),
        owned: this.owns(irq),
        hw: this.isHw(irq),
      });
    }
    const contexts: VirtualPlicContextState[] = this.zoneCpus.map((hart, slot) => {
      const enables: number[] = [];
      for (let irq = 1; irq <= this.sources; irq++) if (this.getBit(l.enables + slot * l.bitmapWords, irq)) enables.push(irq);
      return { vcontext: 2 * slot + 1, hart, enables, threshold: this.words[l.thresholds + slot]!, wouldClaim: this.wouldClaim(slot) };
    });
    return { sources, contexts };
  }

  private claim(slot: number): number {
    const irq = this.wouldClaim(slot);
    if (irq !== 0) {
      this.setBit(this.layout.pending, irq, false);
      this.setBit(this.layout.active, irq, true);
      if (this.trace !== undefined && this.trace.on) this.trace.record(IrqEventKind.vclaim, irq, this.config.zoneId ?? -1, this.zoneCpus[slot]!, 2 * slot + 1);
      this.updateLines();
    }
    return irq;
  }

  private complete(hart: TrappingCpu, offset: number, slot: number, irq: number): void {
    if (irq < 1 || irq > this.sources) {
      // hvisor indexes its bitmaps with the value unchecked (a panic for ids past the end).
      this.guestError(hart, offset, 'write', `completion of invalid irq ${irq}`);
      return;
    }
    this.setBit(this.layout.active, irq, false);
    if (this.trace !== undefined && this.trace.on) this.trace.record(IrqEventKind.vcomplete, irq, this.config.zoneId ?? -1, this.zoneCpus[slot]!, 2 * slot + 1);
    if (this.isHw(irq)) this.physical.complete(this.physicalTargets[slot]!, irq);
  }

  private writeEnable(slot: number, word: number, value: number): void {
    const l = this.layout;
    if (word >= l.bitmapWords) return;
    const at = l.enables + slot * l.bitmapWords + word;
    const next = value & validMask(this.sources, word);
    // Like hvisor, only the bits that change touch the physical PLIC, and only hw ones at that.
    let hwChanged = (this.words[at]! ^ next) & this.hw[word]!;
    this.words[at] = next;
    const target = this.physicalTargets[slot]!;
    while (hwChanged !== 0) {
      const bit = 31 - Math.clz32(hwChanged & -hwChanged);
      hwChanged &= hwChanged - 1;
      this.physical.setEnabled(target, word * 32 + bit, ((next >>> bit) & 1) !== 0);
    }
  }

  /**
   * Whether this controller drives `hart`'s SEIP high now (its output word): what a thread that starts
   * running the zone on that hart must put back into mip after withdrawing the physical SEIP (a restored
   * snapshot's hart with an interrupt waiting; the vPLIC only signals changes of its outputs).
   */
  drivesSeip(hart: number): boolean {
    const slot = this.zoneCpus.indexOf(hart);
    return slot >= 0 && this.words[this.layout.outputs + slot] === 1;
  }

  /** Drives each zone hart's SEIP from "its context could claim something now". */
  private updateLines(): void {
    const l = this.layout;
    const w = this.words;
    for (let slot = 0; slot < this.zoneCpus.length; slot++) {
      const level = this.wouldClaim(slot) !== 0 ? 1 : 0;
      if (w[l.outputs + slot] === level) continue;
      w[l.outputs + slot] = level;
      this.signals.setPending(this.zoneCpus[slot]!, MIP_SEIP, level === 1);
    }
  }

  /** Checks the access and decodes the offset; reports and returns undefined for a refused access. */
  private decodeAccess(hart: TrappingCpu, offset: number, size: number, kind: 'read' | 'write'): Decoded | undefined {
    if (size !== 4 || (offset & 3) !== 0) {
      this.guestError(hart, offset, kind, `${size}-byte access; only aligned 32-bit accesses are allowed`);
      return undefined;
    }
    const reg = this.decode(offset);
    if (reg.kind === 'invalid') {
      this.guestError(hart, offset, kind, reg.reason);
      return undefined;
    }
    return reg;
  }

  private decode(offset: number): Decoded {
    if (offset < PlicOffset.pending) {
      const irq = offset >> 2;
      if (irq === 0) return { kind: 'invalid', reason: 'source 0 does not exist' };
      if (irq > this.sources) return { kind: 'invalid', reason: `source ${irq} beyond ${this.sources}` };
      return { kind: 'priority', irq };
    }
    if (offset < PENDING_END) return { kind: 'pending', word: (offset - PlicOffset.pending) >> 2 };
    if (offset < PlicOffset.enable) return { kind: 'invalid', reason: 'undefined PLIC offset' };
    if (offset < PlicOffset.context) {
      const relative = offset - PlicOffset.enable;
      const slot = this.slotOf(Math.floor(relative / PlicOffset.enableStride));
      if (typeof slot === 'string') return { kind: 'invalid', reason: slot };
      return { kind: 'enable', slot, word: (relative % PlicOffset.enableStride) >> 2 };
    }
    const relative = offset - PlicOffset.context;
    const slot = this.slotOf(Math.floor(relative / PlicOffset.contextStride));
    if (typeof slot === 'string') return { kind: 'invalid', reason: slot };
    switch (relative % PlicOffset.contextStride) {
      case 0: return { kind: 'threshold', slot };
      case 4: return { kind: 'claim', slot };
      default: return { kind: 'invalid', reason: 'undefined PLIC offset' };
    }
  }

  /** The CPU slot of a vcontext, or why the guest may not use it. */
  private slotOf(vcontext: number): number | string {
    if ((vcontext & 1) === 0) return `context ${vcontext} is an M-mode context; hvisor emulates S-mode contexts only`;
    const slot = vcontext >> 1;
    if (slot >= this.zoneCpus.length) return `context ${vcontext} beyond the zone's ${this.zoneCpus.length} hart(s)`;
    return slot;
  }

  private guestError(hart: TrappingCpu, offset: number, kind: 'read' | 'write', reason: string): void {
    const pc = BigInt.asUintN(64, hart.getPc()).toString(16);
    const zone = this.config.zoneId !== undefined ? `zone ${this.config.zoneId} ` : '';
    this.config.onGuestError?.(`${zone}hart ${hart.cpuId} pc 0x${pc}: vPLIC ${kind} at offset 0x${offset.toString(16)} ignored: ${reason}`);
  }

  private log(message: string): void {
    this.config.log?.(message);
  }

  private getBit(base: number, irq: number): boolean {
    return ((this.words[base + (irq >> 5)]! >>> (irq & 31)) & 1) !== 0;
  }

  private setBit(base: number, irq: number, value: boolean): void {
    const index = base + (irq >> 5);
    const bit = 1 << (irq & 31);
    this.words[index] = value ? this.words[index]! | bit : this.words[index]! & ~bit;
  }

  /**
   * The inspector's tables, without side effects: the sources the zone owns or that are pending or
   * active (the other of the 1023 have nothing to show), and the zone's S-mode vcontexts.
   */
  inspectState(): ControllerInspectData {
    const { sources, contexts } = this.inspect();
    const zone = this.config.zoneId ?? null;
    return {
      name: 'vPLIC',
      kind: 'vplic',
      lineNoun: 'sources',
      lines: {
        key: 'lines',
        title: 'Sources',
        columns: [Column.number('id', 'IRQ'), Column.number('priority', 'Priority'), Column.pending, Column.active, Column.owner, Column.hw],
        rows: sources
          .filter((s) => s.owned || s.pending || s.active)
          .map((s) => {
            const owner = s.owned ? zone : null;
            return {
              key: String(s.irq),
              cells: { id: s.irq, priority: s.priority, pending: s.pending, active: s.active, owner, hw: hwTag(s.hw) },
              owner,
              busy: s.pending || s.active,
              used: true,
            };
          }),
      },
      targets: {
        key: 'targets',
        title: 'Contexts',
        columns: [
          Column.text('context', 'Context'), Column.number('hart', 'Hart'), Column.text('mode', 'Mode'), Column.number('threshold', 'Threshold'),
          Column.text('enables', 'Enabled sources'), Column.number('claim', 'Would claim', 'The source a claim would return now'),
        ],
        rows: contexts.map((c) => ({
          key: String(c.vcontext),
          cells: { context: `vctx ${c.vcontext}`, hart: c.hart, mode: 'S', threshold: c.threshold, enables: listCell(c.enables), claim: c.wouldClaim || null },
          busy: c.wouldClaim !== 0,
        })),
      },
      registers: [],
      registerMap: registerMap(this.registers),
    };
  }
}

function testBit(bitmap: Uint32Array, irq: number): boolean {
  return ((bitmap[irq >> 5]! >>> (irq & 31)) & 1) !== 0;
}

/** Enable bits that exist: source 0 and sources past the last one are hardwired to 0. */
function validMask(sources: number, word: number): number {
  let mask = 0xffff_ffff;
  if (word === 0) mask &= ~1;
  const last = sources - word * 32;
  if (last < 31) mask &= last < 0 ? 0 : 2 ** (last + 1) - 1;
  return mask >>> 0;
}

/**
 * The guest-visible register map for the inspector: only the zone's S-mode contexts (vcontext 1, 3, ...),
 * hence the doubled strides.
 */
export function virtualPlicRegisters(sources: number, harts: number): RegisterDef[] {
  const bitmapWords = Math.ceil((sources + 1) / 32);
  return [
    {
      name: 'priority', offset: PlicOffset.priority + 4, width: 4, access: 'rw', reset: 0, count: sources, stride: 4,
      description: 'Priority of sources 1..N (0 = never interrupts); hw sources are mirrored to the physical PLIC',
    },
    { name: 'pending', offset: PlicOffset.pending, width: 4, access: 'ro', reset: 0, count: bitmapWords, stride: 4, description: 'Pending bit per source' },
    {
      name: 'enable', offset: PlicOffset.enable + PlicOffset.enableStride, width: 4, access: 'rw', reset: 0, count: harts,
      stride: 2 * PlicOffset.enableStride,
      description: `Enable bits of S-mode vcontext 2i+1 (${bitmapWords} word(s) each); hw sources are mirrored to physical context 2*pCPU+1`,
    },
    {
      name: 'threshold', offset: PlicOffset.context + PlicOffset.contextStride, width: 4, access: 'rw', reset: 0, count: harts,
      stride: 2 * PlicOffset.contextStride,
      description: 'Priority threshold of S-mode vcontext 2i+1 (mirrored to the physical context)',
    },
    {
      name: 'claim', offset: PlicOffset.context + PlicOffset.contextStride + 4, width: 4, access: 'rw', reset: 0, count: harts,
      stride: 2 * PlicOffset.contextStride,
      description: 'Read: claim the best pending, not active source (0 = none). Write: complete (hw sources complete physically)',
    },
  ];
}
