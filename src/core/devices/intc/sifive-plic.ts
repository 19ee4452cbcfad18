/**
 * RISC-V Platform-Level Interrupt Controller as QEMU's virt machine configures it (`riscv,plic0`,
 * `sifive,plic-1.0.0`): sources 1..N with 3-bit priorities (7 levels, writes keep the low 3 bits like
 * QEMU's WARL handling), a pending bit array, and one context per hart and wired CPU input, each with
 * enable bits, a priority threshold and a claim/complete register. Which CPU inputs a hart's contexts
 * drive is the board's wiring (the device's `cpuInputs` prop, resolved to pending-word bits by the CPU
 * model registry): on QEMU virt context 2*hart drives the hart's MEIP (mip bit 11) and 2*hart+1 its SEIP
 * (bit 9).
 *
 * It is also the hypervisor's physical controller (PhysicalIrqChip, core/hypervisor/irqchip.ts): claim,
 * complete, enables, priorities and thresholds by context, as hvisor's host_plic() offers them.
 *
 * Gateways are level-triggered as on QEMU virt: a source is pending while its line is high and not
 * claimed; lowering the line before the claim withdraws the request (QEMU does the same); a claimed
 * source is not pending again until the completion, after which a line still high re-pends it.
 *
 * Left out: edge-triggered gateways, the per-source interrupt-type registers of newer PLICs, and
 * access-permission checks (any context may touch any register).
 */
import type { HartSignals, IrqSink, MmioDevice, RegisterDef, SharedRegion } from '../../bus/types';
import { IrqEventKind, irqTraceOf, type IrqTrace } from '../../cpu/irq-trace';
import type { ControllerInspectData } from '../../../shared/protocol/inspect';
import { Column, hwTag, listCell, registerMap, type ControllerInspectContext } from './inspect-table';
import type { PhysicalIrqChip } from '../../hypervisor/irqchip';

export const PlicOffset = {
  priority: 0x0,
  pending: 0x1000,
  enable: 0x2000,
  enableStride: 0x80,
  context: 0x20_0000,
  contextStride: 0x1000,
} as const;

/** The mip bits of QEMU virt's wiring (the device-tree writer's hart-local interrupt numbers). */
export const MIP_MEIP = 1 << 11;
export const MIP_SEIP = 1 << 9;
const PRIORITY_MASK = 7;

/** One of a hart's contexts: the CPU input it drives, by name and as bits of the CPU's pending word. */
export interface PlicInput {
  readonly name: string;
  readonly mask: number;
}

/** QEMU virt's wiring, for a PLIC built without board data (unit tests): M-mode then S-mode context. */
const QEMU_VIRT_INPUTS: readonly PlicInput[] = [{ name: 'MEIP', mask: MIP_MEIP }, { name: 'SEIP', mask: MIP_SEIP }];

export interface PlicConfig {
  /** Number of the highest source (QEMU virt: 95, `riscv,ndev`); source 0 does not exist. */
  readonly sources: number;
  readonly harts: number;
  /** The CPU input each of a hart's contexts drives, in context order (board wiring); QEMU virt's when absent. */
  readonly inputs?: readonly PlicInput[];
}

export interface PlicSourceState {
  readonly id: number;
  readonly priority: number;
  readonly pending: boolean;
  readonly claimed: boolean;
  readonly level: boolean;
}

export interface PlicContextState {
  readonly context: number;
  readonly hart: number;
  readonly mode: 'M' | 'S';
  readonly enabled: number[];
  readonly threshold: number;
  /** The source a claim would return now (0 = none). */
  readonly wouldClaim: number;
}

/** Word offsets of each part of the shared state, derived from the configuration. */
class PlicLayout {
  readonly bitmapWords: number;
  readonly priority = 0;
  readonly pending: number;
  readonly claimed: number;
  readonly level: number;
  readonly enables: number;
  readonly thresholds: number;
  /** Output level last driven per context, so hart signals are only touched on changes. */
  readonly outputs: number;
  readonly totalWords: number;

  constructor(readonly sources: number, readonly contexts: number) {
    this.bitmapWords = Math.ceil((sources + 1) / 32);
    this.pending = sources + 1;
    this.claimed = this.pending + this.bitmapWords;
    this.level = this.claimed + this.bitmapWords;
    this.enables = this.level + this.bitmapWords;
    this.thresholds = this.enables + contexts * this.bitmapWords;
    this.outputs = this.thresholds + contexts;
    this.totalWords = this.outputs + contexts;
  }
}

export class SifivePlic implements MmioDevice, IrqSink, PhysicalIrqChip {
  readonly kind = 'sifive-plic';
  readonly name = 'PLIC';
  readonly registers: readonly RegisterDef[];
  readonly sources: number;
  readonly contexts: number;
  /** The wiring: context c drives input inputs[c % inputs.length] of hart c / inputs.length. */
  readonly inputs: readonly PlicInput[];
  private readonly layout: PlicLayout;
  private readonly words: Uint32Array;
  /** The interrupt timeline's ring, when the machine has one (irq-trace.ts). */
  readonly trace: IrqTrace | undefined;

  static stateBytes(config: PlicConfig): number {
    return new PlicLayout(config.sources, config.harts * (config.inputs ?? QEMU_VIRT_INPUTS).length).totalWords * 4;
  }

  constructor(region: SharedRegion, config: PlicConfig, private readonly signals: HartSignals) {
    if (config.sources < 1 || config.sources > 1023) throw new Error(`PLIC source count ${config.sources} out of range 1..1023`);
    this.inputs = config.inputs ?? QEMU_VIRT_INPUTS;
    if (this.inputs.length === 0) throw new Error('PLIC wiring: a hart needs at least one context (cpuInputs is empty)');
    this.sources = config.sources;
    this.contexts = config.harts * this.inputs.length;
    this.layout = new PlicLayout(this.sources, this.contexts);
    if (region.byteLength < this.layout.totalWords * 4) throw new Error('PLIC region too small');
    this.words = new Uint32Array(region.buffer, region.byteOffset, this.layout.totalWords);
    this.registers = plicRegisters(this.sources, this.contexts, this.layout.bitmapWords, this.inputs);
    this.trace = irqTraceOf(region.buffer);
  }

  /** Incoming interrupt line `line` (a source id) from a device. */
  setLevel(line: number, level: boolean): void {
    if (line < 1 || line > this.sources) return;
    const { level: levelBase, pending, claimed } = this.layout;
    // --- interrupt timeline: line edges and new pending requests ---
    const trace = this.trace;
    if (trace !== undefined && trace.on) {
      if (this.getBit(levelBase, line) !== level) trace.record(level ? IrqEventKind.raise : IrqEventKind.lower, line, -1, -1, 0);
      if (level && !this.getBit(claimed, line) && !this.getBit(pending, line)) trace.record(IrqEventKind.pending, line, -1, -1, 0);
    }
    this.setBit(levelBase, line, level);
    if (level) {
      if (!this.getBit(claimed, line)) this.setBit(pending, line, true);
    } else {
      this.setBit(pending, line, false);
    }
    this.updateOutputs();
  }

  read(offset: number, size: 1 | 2 | 4): number {
    if (size !== 4 || (offset & 3) !== 0) return 0;
    const l = this.layout;
    const w = this.words;
    if (offset < PlicOffset.pending) {
      const id = offset >> 2;
      return id >= 1 && id <= this.sources ? w[l.priority + id]! : 0;
    }
    if (offset < PlicOffset.enable) {
      const word = (offset - PlicOffset.pending) >> 2;
      return word < l.bitmapWords ? w[l.pending + word]! : 0;
    }
    if (offset < PlicOffset.context) {
      const ctx = Math.floor((offset - PlicOffset.enable) / PlicOffset.enableStride);
      const word = ((offset - PlicOffset.enable) % PlicOffset.enableStride) >> 2;
      if (ctx >= this.contexts || word >= l.bitmapWords) return 0;
      return w[l.enables + ctx * l.bitmapWords + word]!;
    }
    const ctx = Math.floor((offset - PlicOffset.context) / PlicOffset.contextStride);
    if (ctx >= this.contexts) return 0;
    switch ((offset - PlicOffset.context) % PlicOffset.contextStride) {
      case 0: return w[l.thresholds + ctx]!;
      case 4: return this.claimContext(ctx);
      default: return 0;
    }
  }

  write(offset: number, size: 1 | 2 | 4, value: number): void {
    if (size !== 4 || (offset & 3) !== 0) return;
    const l = this.layout;
    const w = this.words;
    if (offset < PlicOffset.pending) {
      const id = offset >> 2;
      if (id >= 1 && id <= this.sources) w[l.priority + id] = value & PRIORITY_MASK;
    } else if (offset < PlicOffset.enable) {
      return; // The pending array is read-only.
    } else if (offset < PlicOffset.context) {
      const ctx = Math.floor((offset - PlicOffset.enable) / PlicOffset.enableStride);
      const word = ((offset - PlicOffset.enable) % PlicOffset.enableStride) >> 2;
      if (ctx >= this.contexts || word >= l.bitmapWords) return;
      // Source 0 does not exist and sources past the last one are hardwired to 0.
      w[l.enables + ctx * l.bitmapWords + word] = value & this.validMask(word);
    } else {
      const ctx = Math.floor((offset - PlicOffset.context) / PlicOffset.contextStride);
      if (ctx >= this.contexts) return;
      const reg = (offset - PlicOffset.context) % PlicOffset.contextStride;
      if (reg === 0) w[l.thresholds + ctx] = value & PRIORITY_MASK;
      else if (reg === 4) this.completeContext(ctx, value);
      else return;
    }
    this.updateOutputs();
  }

  reset(): void {
    this.words.fill(0);
    for (let ctx = 0; ctx < this.contexts; ctx++) this.signals.setPending(this.hartOf(ctx), this.inputOf(ctx).mask, false);
  }

  // --- PhysicalIrqChip: the hypervisor's side, by context ---

  targetOf(cpu: number, input: string): number | undefined {
    const index = this.inputs.findIndex((i) => i.name === input);
    if (index < 0 || !Number.isInteger(cpu) || cpu < 0 || cpu >= this.contexts / this.inputs.length) return undefined;
    return cpu * this.inputs.length + index;
  }

  claim(target: number): number {
    return target >= 0 && target < this.contexts ? this.claimContext(target) : 0;
  }

  complete(target: number, irq: number): void {
    if (target < 0 || target >= this.contexts) return;
    this.completeContext(target, irq);
    this.updateOutputs();
  }

  setEnabled(target: number, irq: number, enabled: boolean): void {
    if (target < 0 || target >= this.contexts || irq < 1 || irq > this.sources) return;
    this.setBit(this.layout.enables + target * this.layout.bitmapWords, irq, enabled);
    this.updateOutputs();
  }

  isEnabled(target: number, irq: number): boolean {
    if (target < 0 || target >= this.contexts || irq < 1 || irq > this.sources) return false;
    return this.getBit(this.layout.enables + target * this.layout.bitmapWords, irq);
  }

  setPriority(irq: number, priority: number): void {
    if (irq < 1 || irq > this.sources) return;
    this.words[this.layout.priority + irq] = priority & PRIORITY_MASK;
    this.updateOutputs();
  }

  setThreshold(target: number, threshold: number): void {
    if (target < 0 || target >= this.contexts) return;
    this.words[this.layout.thresholds + target] = threshold & PRIORITY_MASK;
    this.updateOutputs();
  }

  /** The hart a context belongs to. */
  hartOf(ctx: number): number {
    return (ctx / this.inputs.length) | 0;
  }

  /** The CPU input a context drives. */
  inputOf(ctx: number): PlicInput {
    return this.inputs[ctx % this.inputs.length]!;
  }

  /** The source the context would get from a claim now, without claiming it (0 = none). */
  bestFor(ctx: number): number {
    const l = this.layout;
    const w = this.words;
    const threshold = w[l.thresholds + ctx]!;
    const enableBase = l.enables + ctx * l.bitmapWords;
    let best = 0;
    let bestPriority = threshold;
    for (let word = 0; word < l.bitmapWords; word++) {
      // Claimed sources are never pending, so pending & enabled is the whole candidate set.
      let candidates = w[l.pending + word]! & w[enableBase + word]!;
      while (candidates !== 0) {
        const bit = 31 - Math.clz32(candidates & -candidates);
        candidates &= candidates - 1;
        const id = word * 32 + bit;
        const priority = w[l.priority + id]!;
        // Strictly greater: on ties the lowest id, met first, wins.
        if (priority > bestPriority) {
          best = id;
          bestPriority = priority;
        }
      }
    }
    return best;
  }

  peek(): Record<string, number> {
    const l = this.layout;
    const w = this.words;
    const out: Record<string, number> = {};
    for (let id = 1; id <= this.sources; id++) out[`priority${id}`] = w[l.priority + id]!;
    for (let word = 0; word < l.bitmapWords; word++) {
      out[`pending${word}`] = w[l.pending + word]!;
      out[`claimed${word}`] = w[l.claimed + word]!;
    }
    for (let ctx = 0; ctx < this.contexts; ctx++) {
      for (let word = 0; word < l.bitmapWords; word++) out[`enable${ctx}_${word}`] = w[l.enables + ctx * l.bitmapWords + word]!;
      out[`threshold${ctx}`] = w[l.thresholds + ctx]!;
      out[`claim${ctx}`] = this.bestFor(ctx);
    }
    return out;
  }

  /** Structured state for the inspector. */
  inspect(): { sources: PlicSourceState[]; contexts: PlicContextState[] } {
    const l = this.layout;
    const sources: PlicSourceState[] = [];
    for (let id = 1; id <= this.sources; id++) {
      sources.push({
        id,
        priority: this.words[l.priority + id]!,
        pending: this.getBit(l.pending, id),
        claimed: this.getBit(l.claimed, id),
        level: this.getBit(l.level, id),
      });
    }
    const contexts: PlicContextState[] = [];
    for (let ctx = 0; ctx < this.contexts; ctx++) {
      const enabled: number[] = [];
      for (let id = 1; id <= this.sources; id++) if (this.getBit(l.enables + ctx * l.bitmapWords, id)) enabled.push(id);
      contexts.push({
        context: ctx,
        hart: this.hartOf(ctx),
        mode: privilegeOf(this.inputOf(ctx)),
        enabled,
        threshold: this.words[l.thresholds + ctx]!,
        wouldClaim: this.bestFor(ctx),
      });
    }
    return { sources, contexts };
  }

  private claimContext(ctx: number): number {
    const id = this.bestFor(ctx);
    if (id !== 0) {
      this.setBit(this.layout.pending, id, false);
      this.setBit(this.layout.claimed, id, true);
      if (this.trace !== undefined && this.trace.on) this.trace.record(IrqEventKind.claim, id, -1, this.hartOf(ctx), ctx);
      this.updateOutputs();
    }
    return id;
  }

  private completeContext(ctx: number, id: number): void {
    const l = this.layout;
    if (id < 1 || id > this.sources) return;
    // The spec ignores completions for sources not enabled in the completing context; QEMU agrees.
    if (!this.getBit(l.enables + ctx * l.bitmapWords, id)) return;
    if (!this.getBit(l.claimed, id)) return;
    this.setBit(l.claimed, id, false);
    const trace = this.trace;
    if (trace !== undefined && trace.on) {
      trace.record(IrqEventKind.complete, id, -1, this.hartOf(ctx), ctx);
      if (this.getBit(l.level, id)) trace.record(IrqEventKind.pending, id, -1, -1, 0);
    }
    if (this.getBit(l.level, id)) this.setBit(l.pending, id, true);
  }

  /** Recomputes every context's output and signals the harts whose level changed. */
  private updateOutputs(): void {
    const l = this.layout;
    const w = this.words;
    for (let ctx = 0; ctx < this.contexts; ctx++) {
      const level = this.bestFor(ctx) !== 0 ? 1 : 0;
      if (w[l.outputs + ctx] === level) continue;
      w[l.outputs + ctx] = level;
      this.signals.setPending(this.hartOf(ctx), this.inputOf(ctx).mask, level === 1);
    }
  }

  private validMask(word: number): number {
    let mask = 0xffff_ffff;
    if (word === 0) mask &= ~1;
    const last = this.sources - word * 32;
    if (last < 31) mask &= last < 0 ? 0 : (2 ** (last + 1) - 1);
    return mask >>> 0;
  }

  private getBit(base: number, id: number): boolean {
    return ((this.words[base + (id >> 5)]! >>> (id & 31)) & 1) !== 0;
  }

  private setBit(base: number, id: number, value: boolean): void {
    const index = base + (id >> 5);
    const bit = 1 << (id & 31);
    this.words[index] = value ? this.words[index]! | bit : this.words[index]! & ~bit;
  }

  /**
   * The inspector's tables, from the shared state without side effects: sources (with the owner zone
   * and hw/virtual kind when the machine tells them) and contexts with what each would claim now.
   */
  inspectState(context: ControllerInspectContext = {}): ControllerInspectData {
    const { sources, contexts } = this.inspect();
    const lineColumns = [Column.number('id', 'IRQ'), Column.number('priority', 'Priority'), Column.pending, Column.active, Column.level];
    if (context.ownerOf) lineColumns.push(Column.owner);
    if (context.isHw) lineColumns.push(Column.hw);
    return {
      name: 'PLIC',
      kind: this.kind,
      lineNoun: 'sources',
      lines: {
        key: 'lines',
        title: 'Sources',
        columns: lineColumns,
        rows: sources.map((s) => {
          const owner = context.ownerOf?.(s.id) ?? null;
          return {
            key: String(s.id),
            cells: {
              id: s.id, priority: s.priority, pending: s.pending, active: s.claimed, level: s.level,
              ...(context.ownerOf ? { owner } : {}),
              ...(context.isHw ? { hw: hwTag(context.isHw(s.id)) } : {}),
            },
            owner,
            busy: s.pending || s.claimed,
            used: owner !== null || s.priority > 0 || s.pending || s.claimed || s.level,
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
          key: String(c.context),
          cells: { context: `ctx ${c.context}`, hart: c.hart, mode: c.mode, threshold: c.threshold, enables: listCell(c.enabled), claim: c.wouldClaim || null },
          busy: c.wouldClaim !== 0,
        })),
      },
      registers: [],
      registerMap: registerMap(this.registers),
    };
  }
}

/** The privilege level a context serves, for the inspector: RISC-V's external-interrupt inputs are named by it (MEIP, SEIP). */
function privilegeOf(input: PlicInput): 'M' | 'S' {
  return input.name.startsWith('M') ? 'M' : 'S';
}

function plicRegisters(sources: number, contexts: number, bitmapWords: number, inputs: readonly PlicInput[]): RegisterDef[] {
  const wiring = inputs.map((input, i) => `${inputs.length}h+${i} = hart h ${input.name}`).join(', ');
  const threshold = { name: 'threshold', lsb: 0, width: 3, description: 'interrupts with priority <= threshold are masked' };
  return [
    {
      name: 'priority', offset: 4, width: 4, access: 'rw', reset: 0, count: sources, stride: 4,
      description: 'Priority of sources 1..N (0 = never interrupts)',
      fields: [{ name: 'priority', lsb: 0, width: 3 }],
    },
    { name: 'pending', offset: PlicOffset.pending, width: 4, access: 'ro', reset: 0, count: bitmapWords, stride: 4, description: 'Pending bit per source' },
    {
      name: 'enable', offset: PlicOffset.enable, width: 4, access: 'rw', reset: 0, count: contexts, stride: PlicOffset.enableStride,
      description: `Enable bits per context (${bitmapWords} word(s) each); context ${wiring}`,
    },
    {
      name: 'threshold', offset: PlicOffset.context, width: 4, access: 'rw', reset: 0, count: contexts, stride: PlicOffset.contextStride,
      description: 'Priority threshold per context', fields: [threshold],
    },
    {
      name: 'claim', offset: PlicOffset.context + 4, width: 4, access: 'rw', reset: 0, count: contexts, stride: PlicOffset.contextStride,
      description: 'Read: claim the best pending source (0 = none). Write: complete a source',
    },
  ];
}
