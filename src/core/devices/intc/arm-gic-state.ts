/**
 * The interrupt state and CPU-interface logic that GICv2 (arm-gicv2.ts) and GICv3 (arm-gicv3/) share,
 * in one shared region: per interrupt an enable, a pending latch, an active bit, a group, an edge/level
 * configuration, the input line level and a priority; per CPU interface the priority mask, binary
 * points, control, group enables, active-priority words and the output levels last driven.
 *
 * Interrupts are kept in "slots": INTIDs 0..31 (SGIs and PPIs) are banked, one bank of 32 per CPU, and
 * SPIs 32.. follow once. A slot's bitmap word is therefore the CPU number for banked INTIDs, so each
 * redistributor (or banked GICD word) is exactly one word of each bitmap.
 *
 * Pending follows the architecture: a level-sensitive interrupt is pending while its line is high or
 * its latch (set by ISPENDR) is set; an edge-triggered one only through the latch, set by a rising
 * edge. Acknowledging clears the latch; a level line still high keeps the interrupt pending (the GIC
 * makes it "active and pending", which is not signalled again until deactivation).
 *
 * Priorities have 5 bits (32 levels, values 0x00..0xf8 in steps of 8), as QEMU's GICv3 CPU interface
 * implements them, so one active-priority word per group covers every preemption level. Security is
 * not implemented (GICD_CTLR.DS = 1 on GICv3, no Security Extensions on GICv2): one security state,
 * group 0 and group 1, both reachable from EL1.
 *
 * Every register lives in the region, so instances in several threads over the same region agree.
 * Like the PLIC, callers serialise accesses with the machine lock; outputs are only signalled when a
 * level changes. An all-zero region is the reset state (binary points read as their minimum then).
 */
import type { HartSignals, SharedRegion } from '../../bus/types';
import { IrqEventKind, irqTraceOf, type IrqTrace } from '../../cpu/irq-trace';

/** Bits of a CPU's pending word driven by a GIC; they match the A64 CPU's CpuInterruptLine. */
export const GIC_IRQ = 1;
export const GIC_FIQ = 2;
export const SPURIOUS = 1023;
export const PRIORITY_MASK = 0xf8;
/** Lowest binary point values with 5 priority bits: BPR0 = 2 (7 - 5), BPR1 = BPR0 + 1. */
export const MIN_BPR0 = 2;
export const MIN_BPR1 = 3;
export const IDLE_PRIORITY = 0xff;

/** Per-CPU-interface words. Binary points are stored as written; reads clamp them to the minimum. */
export const CpuIfWord = {
  pmr: 0,
  bpr0: 1,
  bpr1: 2,
  /** ICC_CTLR_EL1 (GICv3) or GICC_CTLR (GICv2) bits as written. */
  ctlr: 3,
  igrpen0: 4,
  igrpen1: 5,
  /** Active priorities, group 0 and group 1: bit n = group priority n << 3 is active. */
  ap0: 6,
  ap1: 7,
  /** GIC_IRQ | GIC_FIQ as last signalled. */
  output: 8,
  /** GICv3: GICR_WAKER.ProcessorSleep cleared (the redistributor is awake); 0 = asleep, the reset value. */
  awake: 9,
} as const;
const CPU_IF_WORDS = 16;

export interface GicConfig {
  readonly cpus: number;
  /** INTIDs implemented: a multiple of 32 from 64 to 1024 (QEMU virt: 288); 1020..1023 are special. */
  readonly lines: number;
  /**
   * The board's wiring: the CPU pending-word bits the IRQ and the FIQ output of each CPU interface drive
   * (the device's `cpuInputs` prop); GIC_IRQ and GIC_FIQ, the A64 CPU's own bits, when absent.
   */
  readonly inputs?: { readonly irq: number; readonly fiq: number };
}

/** The highest-priority pending interrupt for a CPU, or intid = SPURIOUS. */
export interface Candidate {
  intid: number;
  priority: number;
  group: number;
}

/** One row of the inspector's interrupt table. */
export interface GicSourceState {
  readonly intid: number;
  readonly kind: 'SGI' | 'PPI' | 'SPI';
  /** The CPU a banked interrupt belongs to; -1 for SPIs. */
  readonly cpu: number;
  readonly priority: number;
  readonly pending: boolean;
  readonly active: boolean;
  readonly enabled: boolean;
  readonly group: number;
  readonly trigger: 'edge' | 'level';
  readonly level: boolean;
  /** Where an SPI goes (affinity or target list); the owning CPU for banked interrupts. */
  readonly target: string;
}

export interface GicCpuInterfaceState {
  readonly cpu: number;
  readonly priorityMask: number;
  readonly runningPriority: number;
  readonly highestPending: number;
  readonly irq: boolean;
  readonly fiq: boolean;
  readonly groupEnables: number;
}

export class GicState {
  readonly cpus: number;
  readonly lines: number;
  readonly words: Uint32Array;
  readonly bytes: Uint8Array;
  readonly slots: number;
  readonly bitmapWords: number;
  // Word offsets of each part; `global` holds version-specific distributor words.
  readonly global = 0;
  readonly cpuIf = 16;
  readonly enabled: number;
  readonly latch: number;
  readonly active: number;
  readonly group: number;
  readonly edge: number;
  readonly level: number;
  /** Two words per SPI: GICv3 IROUTER low/high, GICv2 ITARGETSR byte. */
  readonly route: number;
  /** GICv2: per CPU and SGI, the mask of source CPUs with the SGI pending. */
  readonly sgiSources: number;
  readonly priorityByte: number;
  readonly totalWords: number;

  static stateBytes(config: GicConfig): number {
    return new GicState(undefined, config).totalWords * 4;
  }

  /** The CPU input bits behind GIC_IRQ and GIC_FIQ (the board's wiring). */
  private readonly irqInput: number;
  private readonly fiqInput: number;

  constructor(region: SharedRegion | undefined, config: GicConfig, private readonly signals?: HartSignals) {
    this.irqInput = config.inputs?.irq ?? GIC_IRQ;
    this.fiqInput = config.inputs?.fiq ?? GIC_FIQ;
    if (config.cpus < 1 || config.cpus > 255) throw new Error(`GIC CPU count ${config.cpus} out of range`);
    if (config.lines < 64 || config.lines > 1024 || config.lines % 32 !== 0) throw new Error(`GIC line count ${config.lines} is not a multiple of 32 in 64..1024`);
    this.cpus = config.cpus;
    this.lines = config.lines;
    this.slots = config.cpus * 32 + config.lines - 32;
    this.bitmapWords = this.slots / 32;
    this.enabled = this.cpuIf + config.cpus * CPU_IF_WORDS;
    this.latch = this.enabled + this.bitmapWords;
    this.active = this.latch + this.bitmapWords;
    this.group = this.active + this.bitmapWords;
    this.edge = this.group + this.bitmapWords;
    this.level = this.edge + this.bitmapWords;
    this.route = this.level + this.bitmapWords;
    this.sgiSources = this.route + 2 * (config.lines - 32);
    this.priorityByte = (this.sgiSources + config.cpus * 16) * 4;
    this.totalWords = this.sgiSources + config.cpus * 16 + this.slots / 4;
    if (region === undefined) {
      this.words = new Uint32Array(0);
      this.bytes = new Uint8Array(0);
      return;
    }
    if (region.byteLength < this.totalWords * 4) throw new Error('GIC region too small');
    if (region.byteOffset % 4 !== 0) throw new Error('GIC region must be 4-byte aligned');
    this.words = new Uint32Array(region.buffer, region.byteOffset, this.totalWords);
    this.bytes = new Uint8Array(region.buffer, region.byteOffset, this.totalWords * 4);
    this.trace = irqTraceOf(region.buffer);
  }

  /**
   * The interrupt timeline's ring, when the machine has one (cpu/irq-trace.ts): input lines raised and
   * lowered, interrupts becoming pending, acknowledged (claim) and ended (complete), by INTID; the CPU
   * for banked ones and for acknowledge and EOI.
   */
  readonly trace: IrqTrace | undefined;

  /** Slot of an INTID as seen by `cpu` (the CPU only matters for banked INTIDs 0..31). */
  slot(cpu: number, intid: number): number {
    return intid < 32 ? cpu * 32 + intid : this.cpus * 32 + intid - 32;
  }

  getBit(base: number, slot: number): boolean {
    return ((this.words[base + (slot >> 5)]! >>> (slot & 31)) & 1) !== 0;
  }

  setBit(base: number, slot: number, value: boolean): void {
    const index = base + (slot >> 5);
    const bit = 1 << (slot & 31);
    this.words[index] = value ? this.words[index]! | bit : this.words[index]! & ~bit;
  }

  cpuWord(cpu: number, word: number): number {
    return this.words[this.cpuIf + cpu * CPU_IF_WORDS + word]!;
  }

  setCpuWord(cpu: number, word: number, value: number): void {
    this.words[this.cpuIf + cpu * CPU_IF_WORDS + word] = value >>> 0;
  }

  priority(slot: number): number {
    return this.bytes[this.priorityByte + slot]!;
  }

  setPriority(slot: number, value: number): void {
    this.bytes[this.priorityByte + slot] = value & PRIORITY_MASK;
  }

  /** Pending state of 32 slots: the latch, plus level-sensitive lines that are high. */
  pendingWord(word: number): number {
    const w = this.words;
    return (w[this.latch + word]! | (w[this.level + word]! & ~w[this.edge + word]!)) >>> 0;
  }

  isPending(slot: number): boolean {
    return ((this.pendingWord(slot >> 5) >>> (slot & 31)) & 1) !== 0;
  }

  /** An input line changed level: a rising edge latches an edge-triggered interrupt. */
  setLine(slot: number, high: boolean): void {
    if (high && !this.getBit(this.level, slot) && this.getBit(this.edge, slot)) this.setBit(this.latch, slot, true);
    this.setBit(this.level, slot, high);
  }

  /** SPI input (`line` is the INTID, 32..lines-1); false when no such SPI exists (the input is ignored). */
  setSpiLine(line: number, high: boolean): boolean {
    if (line < 32 || line >= this.lines) return false;
    const slot = this.slot(0, line);
    if (this.trace !== undefined && this.trace.on) this.traceLine(slot, line, -1, high);
    this.setLine(slot, high);
    return true;
  }

  private traceLine(slot: number, intid: number, cpu: number, high: boolean): void {
    if (this.getBit(this.level, slot) === high) return;
    this.trace!.record(high ? IrqEventKind.raise : IrqEventKind.lower, intid, -1, cpu, 0);
    if (high && !this.getBit(this.latch, slot) && !this.getBit(this.active, slot)) this.trace!.record(IrqEventKind.pending, intid, -1, cpu, 0);
  }

  /** An EOI for `intid` on `cpu` (GICC_EOIR, ICC_EOIR0/1), for the timeline. */
  ended(cpu: number, intid: number): void {
    if (this.trace !== undefined && this.trace.on) this.trace.record(IrqEventKind.complete, intid, -1, cpu, 0);
  }

  /** PPI input of one CPU (INTID 16..31, e.g. the generic timer's 27 and 30); false when out of range. */
  setPpiLine(cpu: number, intid: number, high: boolean): boolean {
    if (cpu < 0 || cpu >= this.cpus || intid < 16 || intid >= 32) return false;
    const slot = this.slot(cpu, intid);
    if (this.trace !== undefined && this.trace.on) this.traceLine(slot, intid, cpu, high);
    this.setLine(slot, high);
    return true;
  }

  /** Group priority mask for `group` on `cpu` (CBPR makes group 1 use BPR0, as the spec defines). */
  groupPriorityMask(cpu: number, group: number, commonBinaryPoint: boolean): number {
    if (group === 0 || commonBinaryPoint) return (0xff << (Math.max(this.cpuWord(cpu, CpuIfWord.bpr0), MIN_BPR0) + 1)) & 0xff;
    return (0xff << Math.max(this.cpuWord(cpu, CpuIfWord.bpr1), MIN_BPR1)) & 0xff;
  }

  /** The priority of the highest active group priority (ICC_RPR / GICC_RPR), or 0xff when idle. */
  runningPriority(cpu: number): number {
    const active = (this.cpuWord(cpu, CpuIfWord.ap0) | this.cpuWord(cpu, CpuIfWord.ap1)) >>> 0;
    if (active === 0) return IDLE_PRIORITY;
    return (31 - Math.clz32(active & -active)) << 3;
  }

  /**
   * The highest-priority interrupt pending, enabled, not active, in a group the distributor forwards
   * and routed to `cpu`; ties go to the lowest INTID as on Arm's GICs.
   */
  highestPending(cpu: number, groupForwarded: (group: number) => boolean, routedTo: (spi: number, cpu: number) => boolean, out: Candidate): Candidate {
    out.intid = SPURIOUS;
    out.priority = IDLE_PRIORITY + 1;
    out.group = 0;
    const w = this.words;
    const scan = (word: number, firstIntid: number, banked: boolean): void => {
      let candidates = this.pendingWord(word) & w[this.enabled + word]! & ~w[this.active + word]!;
      while (candidates !== 0) {
        const bit = 31 - Math.clz32(candidates & -candidates);
        candidates &= candidates - 1;
        const slot = word * 32 + bit;
        const priority = this.priority(slot);
        if (priority >= out.priority) continue;
        const group = this.getBit(this.group, slot) ? 1 : 0;
        if (!groupForwarded(group)) continue;
        const intid = firstIntid + bit;
        if (!banked && !routedTo(intid, cpu)) continue;
        out.intid = intid;
        out.priority = priority;
        out.group = group;
      }
    };
    scan(cpu, 0, true);
    for (let word = this.cpus; word < this.bitmapWords; word++) scan(word, 32 + (word - this.cpus) * 32, false);
    return out;
  }

  /**
   * Whether the candidate may be signalled and acknowledged on `cpu`: its group is enabled at the CPU
   * interface, its priority is above the mask, and its group priority preempts the running priority.
   */
  canSignal(cpu: number, candidate: Candidate, commonBinaryPoint: boolean): boolean {
    if (candidate.intid === SPURIOUS) return false;
    const enable = this.cpuWord(cpu, candidate.group === 0 ? CpuIfWord.igrpen0 : CpuIfWord.igrpen1);
    if ((enable & 1) === 0) return false;
    if (candidate.priority >= this.cpuWord(cpu, CpuIfWord.pmr)) return false;
    const groupPriority = candidate.priority & this.groupPriorityMask(cpu, candidate.group, commonBinaryPoint);
    return groupPriority < this.runningPriority(cpu);
  }

  /** Makes the candidate active on `cpu` and records its group priority as active. */
  activate(cpu: number, candidate: Candidate, commonBinaryPoint: boolean): void {
    if (this.trace !== undefined && this.trace.on) this.trace.record(IrqEventKind.claim, candidate.intid, -1, cpu, 0);
    // An LPI (GICv3, INTID 8192 and up) has no slot here and no active state: only its priority is recorded.
    if (candidate.intid < this.lines) {
      const slot = this.slot(cpu, candidate.intid);
      this.setBit(this.latch, slot, false);
      this.setBit(this.active, slot, true);
    }
    const groupPriority = candidate.priority & this.groupPriorityMask(cpu, candidate.group, commonBinaryPoint);
    const word = candidate.group === 0 ? CpuIfWord.ap0 : CpuIfWord.ap1;
    this.setCpuWord(cpu, word, this.cpuWord(cpu, word) | (1 << (groupPriority >> 3)));
  }

  /** Priority drop: clears the highest active priority of the group (EOIR). */
  dropPriority(cpu: number, group: number): void {
    const word = group === 0 ? CpuIfWord.ap0 : CpuIfWord.ap1;
    const active = this.cpuWord(cpu, word);
    this.setCpuWord(cpu, word, active & (active - 1));
  }

  /** Signals each CPU whose IRQ/FIQ level changed. `lineOf` maps a group to GIC_IRQ or GIC_FIQ. */
  updateOutputs(
    groupForwarded: (group: number) => boolean,
    routedTo: (spi: number, cpu: number) => boolean,
    commonBinaryPoint: (cpu: number) => boolean,
    lineOf: (cpu: number, group: number) => number,
    /** GICv3: lets interrupts kept outside this state (LPIs) replace the candidate. */
    refine?: (cpu: number, candidate: Candidate) => void,
  ): void {
    const candidate: Candidate = { intid: SPURIOUS, priority: 0, group: 0 };
    for (let cpu = 0; cpu < this.cpus; cpu++) {
      this.highestPending(cpu, groupForwarded, routedTo, candidate);
      refine?.(cpu, candidate);
      const level = this.canSignal(cpu, candidate, commonBinaryPoint(cpu)) ? lineOf(cpu, candidate.group) : 0;
      const previous = this.cpuWord(cpu, CpuIfWord.output);
      if (previous === level) continue;
      this.setCpuWord(cpu, CpuIfWord.output, level);
      if (this.signals === undefined) continue;
      if (((previous ^ level) & GIC_IRQ) !== 0) this.signals.setPending(cpu, this.irqInput, (level & GIC_IRQ) !== 0);
      if (((previous ^ level) & GIC_FIQ) !== 0) this.signals.setPending(cpu, this.fiqInput, (level & GIC_FIQ) !== 0);
    }
  }

  /** Clears everything and lowers every output that was high. */
  reset(): void {
    for (let cpu = 0; cpu < this.cpus; cpu++) {
      const output = this.cpuWord(cpu, CpuIfWord.output);
      if (this.signals === undefined) continue;
      if ((output & GIC_IRQ) !== 0) this.signals.setPending(cpu, this.irqInput, false);
      if ((output & GIC_FIQ) !== 0) this.signals.setPending(cpu, this.fiqInput, false);
    }
    this.words.fill(0);
  }

  /** Inspector rows for every INTID (banked ones once per CPU); `target` describes SPI routing. */
  sources(target: (spi: number) => string): GicSourceState[] {
    const rows: GicSourceState[] = [];
    const row = (cpu: number, intid: number): GicSourceState => {
      const slot = this.slot(cpu, intid);
      return {
        intid,
        kind: intid < 16 ? 'SGI' : intid < 32 ? 'PPI' : 'SPI',
        cpu: intid < 32 ? cpu : -1,
        priority: this.priority(slot),
        pending: this.isPending(slot),
        active: this.getBit(this.active, slot),
        enabled: this.getBit(this.enabled, slot),
        group: this.getBit(this.group, slot) ? 1 : 0,
        // SGIs are edge-triggered whatever ICFGR0 holds (the register reads them so too).
        trigger: intid < 16 || this.getBit(this.edge, slot) ? 'edge' : 'level',
        level: this.getBit(this.level, slot),
        target: intid < 32 ? `cpu ${cpu}` : target(intid),
      };
    };
    for (let cpu = 0; cpu < this.cpus; cpu++) for (let intid = 0; intid < 32; intid++) rows.push(row(cpu, intid));
    for (let intid = 32; intid < this.lines; intid++) rows.push(row(0, intid));
    return rows;
  }
}

/**
 * The 2-bit-per-interrupt ICFGR word for 16 slots starting at `slot`: bit 2n+1 = edge. SGIs read as
 * edge always (`sgiWord`), as the architecture fixes them.
 */
export function readConfig(state: GicState, slot: number, sgiWord: boolean): number {
  if (sgiWord) return 0xaaaa_aaaa;
  let value = 0;
  for (let i = 0; i < 16; i++) if (state.getBit(state.edge, slot + i)) value |= 2 << (2 * i);
  return value >>> 0;
}

export function writeConfig(state: GicState, slot: number, value: number): void {
  for (let i = 0; i < 16; i++) state.setBit(state.edge, slot + i, ((value >>> (2 * i + 1)) & 1) !== 0);
}

/** The 8 ID registers (PIDR4..7, PIDR0..3) and CIDR0..3 as QEMU presents them, read at 0xFD0..0xFFC of a frame. */
export function idRegister(ids: readonly number[], offsetInIdBlock: number): number {
  const index = offsetInIdBlock >> 2;
  return index >= 0 && index < ids.length ? ids[index]! : 0;
}

/** Offsets (within their 0x80-byte blocks) of the bitmap registers GICD and GICR share. */
export const BitmapRegister = {
  igroupr: 0x080,
  isenabler: 0x100,
  icenabler: 0x180,
  ispendr: 0x200,
  icpendr: 0x280,
  isactiver: 0x300,
  icactiver: 0x380,
} as const;

/** Reads the IGROUPR/IS*R/IC*R word of block `reg` for bitmap word `word`. */
export function readBitmapRegister(state: GicState, reg: number, word: number): number {
  switch (reg) {
    case BitmapRegister.igroupr: return state.words[state.group + word]!;
    case BitmapRegister.isenabler:
    case BitmapRegister.icenabler: return state.words[state.enabled + word]!;
    case BitmapRegister.ispendr:
    case BitmapRegister.icpendr: return state.pendingWord(word);
    case BitmapRegister.isactiver:
    case BitmapRegister.icactiver: return state.words[state.active + word]!;
    default: return 0;
  }
}

/**
 * Writes a bitmap register; `writable` masks bits that do not exist (INTIDs past the last line).
 * ICPENDR clears only the latch: a level line that is still high stays pending, as the spec says.
 */
export function writeBitmapRegister(state: GicState, reg: number, word: number, value: number, writable = 0xffff_ffff): void {
  const w = state.words;
  const bits = (value & writable) >>> 0;
  const set = (base: number) => { w[base + word] = w[base + word]! | bits; };
  const clear = (base: number) => { w[base + word] = w[base + word]! & ~bits; };
  switch (reg) {
    case BitmapRegister.igroupr: w[state.group + word] = (w[state.group + word]! & ~writable) | bits; return;
    case BitmapRegister.isenabler: set(state.enabled); return;
    case BitmapRegister.icenabler: clear(state.enabled); return;
    case BitmapRegister.ispendr: set(state.latch); return;
    case BitmapRegister.icpendr: clear(state.latch); return;
    case BitmapRegister.isactiver: set(state.active); return;
    case BitmapRegister.icactiver: clear(state.active); return;
    default: return;
  }
}

/** A priority register access of `size` bytes at byte `first` of a bank: byte lanes map to slots. */
export function readPriorities(state: GicState, firstSlot: number, size: number): number {
  let value = 0;
  for (let i = 0; i < size; i++) value |= state.priority(firstSlot + i) << (8 * i);
  return value >>> 0;
}

export function writePriorities(state: GicState, firstSlot: number, size: number, value: number): void {
  for (let i = 0; i < size; i++) state.setPriority(firstSlot + i, (value >>> (8 * i)) & 0xff);
}
