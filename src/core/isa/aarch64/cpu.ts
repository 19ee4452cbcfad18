/**
 * One ARMv8.0-A CPU in AArch64 at EL0/EL1 and its run loop. X0-X30, SP_EL0, SP_EL1, the pc and PSTATE
 * live in the CPU's shared region as little-endian 64-bit values (int32 lo/hi pairs, as the RV64 hart,
 * see docs/decisions/0001) so that other threads and a later WebAssembly tier read them; the pc and
 * PSTATE words are published at slice boundaries. System registers, TLBs and the decode cache are
 * private to the running thread. EL2 is the TypeScript hypervisor (platform.ts Supervisor).
 * FP and Advanced SIMD (ARMv8.0: fpu.ts, simd*.ts) are on unless ArmPlatform.floatingPoint is false.
 * Left out: AArch32, crypto, half-precision arithmetic, debug (breakpoint/watchpoint
 * registers, single-step), PMU, alignment checks of SCTLR.A/SA, big-endian data.
 */
import type { SharedRegion } from '../../bus/types';
import { CPU_HEADER_BYTES, CpuWord, hex64, type BootLevel, type CpuCore, type CpuExit, type RegisterGroup, type TierStats } from '../../cpu/cpu-core';
import { checkInterrupts, deliverException, TRAP } from './exceptions';
import { execute, newDecodePage, OP_BREAKPOINT } from './interpreter';
import { flushTlb as flushAllTlb, resolveFetch, TLB_SIZE } from './memory';
import { emptyTlb, TLB_ENTRY } from '../../cpu/soft-tlb';
import type { ArmCpuApi, ArmPlatform, Supervisor } from './platform';
import { restoreA64State, saveA64State } from './a64-state';
import { inspectGroups, resetSystemRegisters, updateTimers, nextTimerDeadline, type SystemState } from './system';
import { asUint } from './uint';
import { A64Tier, MAX_BLOCK } from './tier';
import { wasmMemoryOf } from '../../jit/wasm-module';
import { irqTraceOf, type IrqTrace } from '../../cpu/irq-trace';
import { DOUBLE_FIELD } from '../../cpu/double-field';
import { PageSlots } from '../../cpu/page-slots';
import type { RamHints } from '../../bus/ram-hints';
import type { HeadProfile } from '../../jit/head-profile';

/** Register slots (64-bit each) after the header: X0..X30, then these; slot 37 holds NZCV for the translation tier (tier.ts). */
export const Slot = { zero: 31, sink: 32, pc: 33, spEl0: 34, spEl1: 35, pstate: 36 } as const;
export const A64_X_OFFSET = CPU_HEADER_BYTES;
/** Advanced SIMD/FP registers V0..V31 (16 bytes each), reserved for the FP tier. */
export const A64_V_OFFSET = A64_X_OFFSET + 40 * 8;
/**
 * System state Linux reads in its hot paths, kept in the shared region (64 bits each, as register slots
 * counted from X0) so that a translated block reads them with a load instead of calling the interpreter
 * (system.ts mrsInline, tier.ts daifWrite): TPIDR_EL1 (the per-CPU offset, every this_cpu access),
 * TCR_EL1 (lpa2_is_enabled, every page table entry the kernel converts) and PSTATE.DAIF in the low word
 * of its slot (local_irq_save/restore); CPACR_EL1, which a block doing Advanced SIMD inline checks
 * when entered (tier.ts vector); and the exclusive monitor, which blocks open and close (LDXR/STXR).
 * SystemState's `tpidr1`, `tcr` and `cpacr` and the CPU's `daif`, `exAddr`, `exSize`, `exLo` and `exHi`
 * are these words.
 */
export const SysSlot = {
  tpidrEl1: 40 + 64, tcrEl1: 40 + 64 + 1, daif: 40 + 64 + 2, cpacrEl1: 40 + 64 + 3,
  /** The exclusive monitor: its RAM offset (-1: open) in the low word, its size in the high word; then the value the load saw. */
  monitor: 40 + 64 + 4, monitorValue: 40 + 64 + 5,
} as const;
/**
 * The TLBs (tier.ts reads the first two from translated code): the read and write TLBs, TLB_SIZE
 * entries of TLB_ENTRY words each (core/cpu/soft-tlb.ts), then the fetch TLB's xTag, xHi and xHost,
 * TLB_SIZE words each. Private to the CPU's thread, like the decode cache.
 */
export const A64_TLB_OFFSET = 2048;
/** Bytes of the read TLB (the write TLB follows it). */
export const A64_TLB_BYTES = 4 * TLB_ENTRY * TLB_SIZE;
/**
 * The translation tier's jump cache (tier.ts): JC_ENTRIES entries of four words (pc low word | mode,
 * pc high word, block index, unused), indexed by pc bits 15..2 (16 pages' worth). Emptied with the TLBs.
 */
export const A64_JC_OFFSET = A64_TLB_OFFSET + 2 * A64_TLB_BYTES + 3 * 4 * TLB_SIZE;
export const JC_ENTRIES = 16384;
/** Translated blocks the tier keeps before it empties its cache (a guest that keeps writing code stays bounded). */
export const A64_MAX_BLOCKS = 60000;
/** One byte per block table index: whether the block there may be called directly (the tier's BlockCache live). */
export const A64_LIVE_OFFSET = A64_JC_OFFSET + 16 * JC_ENTRIES;
export const A64_STATE_BYTES = A64_LIVE_OFFSET + ((A64_MAX_BLOCKS + 16) & -16);

/** Makes `tpidr1`, `tcr` and `cpacr` of `sys` the slots SysSlot names in `slots` (X0's slot first), keeping their values. */
function mirrorSystemRegisters(sys: SystemState, slots: BigInt64Array): SystemState {
  for (const [field, slot] of [['tpidr1', SysSlot.tpidrEl1], ['tcr', SysSlot.tcrEl1], ['cpacr', SysSlot.cpacrEl1]] as const) {
    slots[slot] = sys[field];
    Object.defineProperty(sys, field, {
      enumerable: true,
      get: () => asUint(64, slots[slot]!),
      // A BigInt64Array keeps the low 64 bits of what it is given.
      set: (v: bigint) => { slots[slot] = v; },
    });
  }
  return sys;
}

/**
 * Instructions between interrupt/timer/request checks when nothing ends a block earlier, as on riscv64
 * (decision 0011: `bench mips` 936 -> 983 and 799 -> 832 MIPS from 4,096 to 16,384, alternated runs).
 */
const SLICE = 16384;
export const PAGE_SLOTS = 1024;

export class A64Cpu implements CpuCore, ArmCpuApi {
  readonly cpuId: number;
  readonly supervisor: Supervisor | undefined;
  readonly header: Int32Array;
  /** The interrupt timeline's ring, when the machine has one (cpu/irq-trace.ts): interrupts taken are recorded. */
  readonly trace: IrqTrace | undefined;
  /** Register slots as lo/hi pairs: x[2i] low word, x[2i + 1] high word (see Slot). */
  readonly x: Int32Array;
  /** V0..V31 (16 bytes each) as words, singles and doubles: Sn is vF32[4n], Dn is vF64[2n]. */
  readonly vI32: Int32Array;
  readonly vF32: Float32Array;
  readonly vF64: Float64Array;
  readonly vU8: Uint8Array;
  /** FPCR (DN, FZ, RMode as the guest wrote them) and FPSR (cumulative flags IOC..IXC and QC, see fpu.ts). */
  fpcr = 0;
  fpsr = 0;
  /** FP and Advanced SIMD are implemented (ArmPlatform.floatingPoint, on unless false). */
  readonly floatingPoint: boolean;

  /** The first RAM bank (checked inline on TLB misses; its span offset is 0). */
  readonly ramBase: number = DOUBLE_FIELD;
  readonly ramSize: number = DOUBLE_FIELD;
  /** Bytes of the bus's RAM span (all banks), which the typed arrays below cover. */
  readonly spanSize: number = DOUBLE_FIELD;
  /** The bus has RAM banks beyond the first (translation then asks the bus). */
  readonly moreBanks: boolean;
  readonly u8: Uint8Array;
  readonly u16: Uint16Array;
  readonly i32: Int32Array;
  readonly i64: BigInt64Array;
  readonly view: DataView;

  // TLBs (read, write, fetch): tag = page | EL, high word of the VA, RAM span offset of the page.
  // In the state region at A64_TLB_OFFSET, used only by this CPU's thread. The read and write TLBs
  // keep the three in one entry (TLB_ENTRY words, core/cpu/soft-tlb.ts).
  readonly rTlb: Int32Array;
  readonly wTlb: Int32Array;
  readonly xTag: Int32Array;
  readonly xHi: Int32Array;
  readonly xHost: Int32Array;
  /** The jump cache (A64_JC_OFFSET). */
  readonly jc: Int32Array;
  /**
   * Decoded instructions per RAM page: 4 words per slot (instruction word, op id, two operand words).
   * A slot is valid while its first word equals the word in RAM, so code that rewrites itself is
   * re-decoded without tracking writes to code pages.
   */
  readonly decPages: PageSlots<Int32Array>;
  /**
   * RAM pages (span offset / 4096) holding code the translation tier made blocks of: their stores never
   * enter the write TLB, so each one goes through translate(), which tells the tier the code may have
   * changed (A64Tier.codeChanged). Marked by the tier; cleared with its cache.
   */
  readonly codePage: Uint8Array;

  // Execution position: virtual page of the pc and instruction index inside it.
  pageLo = 0;
  pageHi = 0;
  k = 0;
  /** RAM offset of the current fetch page. */
  curHost = 0;
  /** Instructions completed in the current execute() call (valid when a slow path runs). */
  count = 0;

  /** PSTATE pieces: EL (0/1), SPSel, NZCV in bits 31..28, DAIF in bits 9..6, IL. */
  el = 1;
  spsel = 1;
  nzcv = 0;
  /** PSTATE.DAIF (bits 9..6), in the state region (SysSlot.daif). */
  private readonly daifWord: Int32Array;
  /** The register slots (Slot) and the system register slots after them (SysSlot), as words. */
  readonly slots: Int32Array;
  get daif(): number {
    return this.daifWord[0]!;
  }
  set daif(value: number) {
    this.daifWord[0] = value;
  }
  illegal = 0;
  /** Word index in `x` of the current stack pointer (SP_EL0 or SP_EL1). */
  spIdx = Slot.spEl1 * 2;
  /** Event register for WFE/SEV. */
  eventRegister = false;
  readonly sys: SystemState;
  /**
   * The block mappings the TLBs may hold slices of, by VA[55:21] (2 MiB blocks) and VA[55:30] (1 GiB):
   * added by the walk, emptied by a full flush (see flushTlbPage).
   */
  readonly blocks2M = new Set<number>();
  readonly blocks1G = new Set<number>();
  /**
   * SCTLR_EL1.M and .WXN, TCR_EL1's two words and the TTBRs' table addresses, decoded from the system
   * registers when one is written (decodeTranslationControl), as numbers: the walk reads them on every
   * TLB miss, where BigInt arithmetic allocated.
   */
  mmuOn = false;
  wxn = false;
  tcrLo = 0;
  tcrHi = 0;
  ttbr0Table = DOUBLE_FIELD;
  ttbr1Table = DOUBLE_FIELD;

  /** The translation tier (tier.ts), where the state and RAM lie in a registered WebAssembly.Memory. */
  readonly tier: A64Tier | undefined;
  /** The host's RAM prefaulter's hints (platform.ramHints): translate() notes write-TLB fills. */
  readonly ramHints: RamHints | undefined;
  /** The translation profile (platform.headProfile): heads seeded as hot in new decode pages, translated heads noted. */
  readonly headProfile: HeadProfile | undefined;

  /**
   * Exclusive monitor: RAM offset (-1 = open), size and the value the load saw (lo, hi), in the state
   * region (SysSlot.monitor, monitorValue); the second value of a pair (lo2, hi2) here.
   */
  private readonly monitorWords: Int32Array;
  get exAddr(): number { return this.monitorWords[0]!; }
  set exAddr(v: number) { this.monitorWords[0] = v; }
  get exSize(): number { return this.monitorWords[1]!; }
  set exSize(v: number) { this.monitorWords[1] = v; }
  get exLo(): number { return this.monitorWords[2]!; }
  set exLo(v: number) { this.monitorWords[2] = v; }
  get exHi(): number { return this.monitorWords[3]!; }
  set exHi(v: number) { this.monitorWords[3] = v; }
  exLo2 = 0;
  exHi2 = 0;

  retired = DOUBLE_FIELD;
  exit: CpuExit | 'yield' | '' = '';
  faulted = false;
  /** High word of the last 64-bit value returned by a helper. */
  tmpHi = 0;

  // Exception being raised (set right before TRAP is thrown): class, syndrome, fault address.
  excClass = 0;
  excIss = 0;
  excFar: bigint | undefined;
  /** Where the exception returns to: the faulting instruction, or the next one for SVC/HVC/SMC. */
  excNext = false;
  /** Return address overriding the pc (PC alignment faults return to the misaligned target). */
  excElr: bigint | undefined;
  loopCount = 0;
  loopPc = -1n;
  /** Set while the inspector or the breakpoint translates: faults are neither delivered nor reported. */
  quiet = false;

  // Breakpoints on guest-virtual pcs, armed for each slice as a special op in the decode cache slot
  // each translates to (and disarmed after it), so that the interpreter never compares the pc.
  bpArmed = false;
  private bpAddrs: bigint[] = [];
  /** The slots armed for the current slice, in arming order, with the op each replaced. */
  private bpSlots: { dec: Int32Array; slot: number; op: number }[] = [];
  /** Armed data watchpoints (memory.ts checks them on the slow path; their pages never enter the TLBs). */
  wpCount = 0;
  wpStart: bigint[] = [];
  wpEnd: bigint[] = [];
  wpKind: number[] = [];
  /** The watched access that ended the slice, and the pc whose next access is let through once. */
  wpHit: { address: bigint; kind: number } | undefined;
  wpPass: bigint | undefined;
  /** Set with a TRAP that is a watchpoint stop, not a guest exception. */
  watchStop = false;
  /**
   * Set with a TRAP that is not a guest exception either: a translated block's store (or IC) may have
   * changed the code after it, so the block was left with the pc on the next instruction (tier.ts leaveAfter).
   */
  codeStop = false;

  constructor(
    readonly platform: ArmPlatform,
    state: SharedRegion,
  ) {
    if (state.byteLength < A64_STATE_BYTES) throw new Error(`A64 CPU state region needs ${A64_STATE_BYTES} bytes`);
    if (state.byteOffset % 16 !== 0) throw new Error('A64 CPU state region must be 16-byte aligned');
    this.cpuId = platform.cpuId;
    this.ramHints = platform.ramHints;
    this.headProfile = platform.headProfile;
    this.supervisor = platform.supervisor;
    this.floatingPoint = platform.floatingPoint !== false;
    this.header = new Int32Array(state.buffer, state.byteOffset, CPU_HEADER_BYTES / 4);
    this.trace = irqTraceOf(state.buffer);
    this.x = new Int32Array(state.buffer, state.byteOffset + A64_X_OFFSET, 40 * 2);
    this.daifWord = new Int32Array(state.buffer, state.byteOffset + A64_X_OFFSET + 8 * SysSlot.daif, 1);
    this.slots = new Int32Array(state.buffer, state.byteOffset + A64_X_OFFSET, 2 * (SysSlot.monitorValue + 1));
    this.daif = 0x3c0;
    this.monitorWords = new Int32Array(state.buffer, state.byteOffset + A64_X_OFFSET + 8 * SysSlot.monitor, 4);
    this.exAddr = -1;
    this.vI32 = new Int32Array(state.buffer, state.byteOffset + A64_V_OFFSET, 128);
    this.vF32 = new Float32Array(state.buffer, state.byteOffset + A64_V_OFFSET, 128);
    this.vF64 = new Float64Array(state.buffer, state.byteOffset + A64_V_OFFSET, 64);
    this.vU8 = new Uint8Array(state.buffer, state.byteOffset + A64_V_OFFSET, 512);
    const entries = (i: number) => new Int32Array(state.buffer, state.byteOffset + A64_TLB_OFFSET + i * A64_TLB_BYTES, TLB_ENTRY * TLB_SIZE);
    this.rTlb = entries(0);
    this.wTlb = entries(1);
    emptyTlb(this.rTlb);
    emptyTlb(this.wTlb);
    const fetch = (i: number) => new Int32Array(state.buffer, state.byteOffset + A64_TLB_OFFSET + 2 * A64_TLB_BYTES + i * 4 * TLB_SIZE, TLB_SIZE);
    [this.xTag, this.xHi, this.xHost] = [0, 1, 2].map(fetch) as [Int32Array, Int32Array, Int32Array];
    this.xTag.fill(-1);
    this.jc = new Int32Array(state.buffer, state.byteOffset + A64_JC_OFFSET, 4 * JC_ENTRIES);
    this.jc.fill(0);
    // RAM: typed arrays over the bus's RAM span (every bank), indexed by span offset (TLBs, decode
    // cache, exclusive monitor). The first bank is checked inline, the others through the bus.
    const bus = platform.bus;
    for (const bank of bus.banks) {
      if (bank.base % 4096 !== 0 || bank.size % 4096 !== 0 || bank.bufferOffset % 8 !== 0) {
        throw new Error(`RAM bank at 0x${bank.base.toString(16)} must be page aligned (base, size) and 8-byte aligned in its buffer`);
      }
    }
    const span = bus.ramSpan;
    if (span.size > 0x8000_0000) throw new Error('RAM (all banks, as laid out in the buffer) above 2 GiB is not supported by the A64 interpreter');
    this.ramBase = bus.ram.base;
    this.ramSize = bus.ram.size;
    this.spanSize = span.size;
    this.moreBanks = bus.banks.length > 1;
    this.u8 = new Uint8Array(span.buffer, span.bufferOffset, span.size);
    this.u16 = new Uint16Array(span.buffer, span.bufferOffset, span.size / 2);
    this.i32 = new Int32Array(span.buffer, span.bufferOffset, span.size / 4);
    this.i64 = new BigInt64Array(span.buffer, span.bufferOffset, span.size / 8);
    this.view = new DataView(span.buffer, span.bufferOffset, span.size);
    this.decPages = new PageSlots(Math.ceil(span.size / 4096));
    this.codePage = new Uint8Array(Math.ceil(span.size / 4096));
    this.sys = mirrorSystemRegisters(resetSystemRegisters(platform), new BigInt64Array(state.buffer, state.byteOffset + A64_X_OFFSET, SysSlot.cpacrEl1 + 1));
    const memory = wasmMemoryOf(state.buffer);
    this.tier = memory && span.buffer === state.buffer && platform.translate !== false
      ? new A64Tier(this, memory, state.byteOffset, span.bufferOffset)
      : undefined;
  }

  /** Resets the CPU and starts it at EL1h with DAIF masked, the MMU off and X0..X3 = args (Linux's arm64 boot protocol). */
  powerOn(entry: bigint, args: readonly bigint[] = [], level: BootLevel = 'kernel'): void {
    if (level !== 'kernel') throw new Error('the A64 CPU starts at EL1 only: EL2 is the hypervisor, EL3 is not implemented');
    this.x.fill(0);
    this.vI32.fill(0);
    this.fpcr = this.fpsr = 0;
    Object.assign(this.sys, resetSystemRegisters(this.platform));
    this.decodeTranslationControl();
    this.el = 1;
    this.spsel = 1;
    this.spIdx = Slot.spEl1 * 2;
    this.nzcv = 0;
    this.daif = 0x3c0;
    this.illegal = 0;
    this.eventRegister = false;
    this.exAddr = -1;
    this.exit = '';
    this.faulted = false;
    this.loopCount = 0;
    args.slice(0, 8).forEach((v, i) => this.setX(i, v));
    this.setPc(entry);
    this.flushTlb();
    this.decPages.clear();
    this.tier?.codeChanged();
    this.publishPstate();
  }

  getX(index: number): bigint {
    if (index >= 31) return 0n;
    return (BigInt(this.x[index * 2 + 1]! >>> 0) << 32n) | BigInt(this.x[index * 2]! >>> 0);
  }

  setX(index: number, value: bigint): void {
    if (index >= 31) return;
    this.setSlot(index, value);
  }

  getSlot(slot: number): bigint {
    return (BigInt(this.x[slot * 2 + 1]! >>> 0) << 32n) | BigInt(this.x[slot * 2]! >>> 0);
  }

  setSlot(slot: number, value: bigint): void {
    this.x[slot * 2] = Number(BigInt.asIntN(32, value));
    this.x[slot * 2 + 1] = Number(BigInt.asIntN(32, value >> 32n));
  }

  /** The current stack pointer (SP_EL0 or SP_EL1 as PSTATE selects). */
  getSp(): bigint {
    return this.getSlot(this.spIdx >> 1);
  }

  /** The pc; k may be 1024 right after the last instruction of a page. */
  getPc(): bigint {
    return asUint(64, ((BigInt(this.pageHi >>> 0) << 32n) | BigInt(this.pageLo >>> 0)) + BigInt(this.k << 2));
  }

  setPc(value: bigint): void {
    const lo = Number(BigInt.asIntN(32, value));
    this.pageLo = lo & -4096;
    this.pageHi = Number(BigInt.asIntN(32, value >> 32n));
    this.k = (lo & 0xfff) >>> 2;
  }

  getExceptionLevel(): number {
    return this.el;
  }

  /** PSTATE in SPSR format (M[3:0] = EL and SPSel, DAIF, IL, NZCV). */
  pstate(): number {
    return (this.nzcv | this.daif | (this.illegal << 20) | (this.el << 2) | this.spsel) >>> 0;
  }

  /** Applies a PSTATE value in SPSR format (ERET and the inspector); returns false for an illegal mode. */
  setPstate(value: number): boolean {
    const m = value & 0x1f;
    const ok = m === 0 || m === 4 || m === 5;
    this.nzcv = value & 0xf000_0000;
    this.daif = value & 0x3c0;
    if (ok) {
      this.el = m >> 2;
      this.spsel = m & 1;
      this.illegal = (value >>> 20) & 1;
    } else {
      this.illegal = 1;
    }
    this.spIdx = (this.spsel ? Slot.spEl1 : Slot.spEl0) * 2;
    return ok;
  }

  /** Publishes the pc and PSTATE to their shared slots. */
  publishPstate(): void {
    this.setSlot(Slot.pc, this.getPc());
    this.x[Slot.pstate * 2] = this.pstate() | 0;
    this.x[Slot.pstate * 2 + 1] = 0;
  }

  flushTlb(): void {
    flushAllTlb(this);
  }

  nextDeadline(): number {
    return nextTimerDeadline(this);
  }

  hasWork(): boolean {
    return (Atomics.load(this.header, CpuWord.pending) & 3) !== 0;
  }

  run(budget: number, stepping = false): CpuExit {
    if (this.faulted) return 'fault';
    const header = this.header;
    let remaining = budget;
    let result: CpuExit = 'budget';
    while (remaining > 0) {
      if (!stepping && Atomics.load(header, CpuWord.request) !== 0) {
        result = 'request';
        break;
      }
      if (header[CpuWord.fences] !== 0) this.serviceFences();
      this.exit = '';
      updateTimers(this);
      if (!stepping && Atomics.load(header, CpuWord.pending) !== 0) {
        try {
          checkInterrupts(this);
        } catch (e) {
          if (e !== TRAP) throw e;
          if (!this.faulted) deliverException(this);
        }
      }
      if (this.faulted) {
        result = 'fault';
        break;
      }
      // With the translation tier, a budget too small for a block is left unspent (the slice before ended
      // at a block head): running it would stop mid-block and make the next run start there.
      if (remaining < MAX_BLOCK && budget >= SLICE && remaining < budget && this.tier !== undefined && !stepping) break;
      let slice = remaining < SLICE ? remaining : SLICE;
      const atBreakpoint = this.atBreakpoint();
      if (atBreakpoint) slice = 1;
      else if (this.bpArmed) this.armBreakpoint();
      let done: number;
      try {
        done = execute(this, slice);
      } catch (e) {
        if (e !== TRAP) throw e;
        done = this.count;
        if (this.watchStop) {
          // A watched access: stop before it, the pc on its instruction (memory.ts checkWatch).
          this.watchStop = false;
          this.exit = 'breakpoint';
        } else if (this.codeStop) this.codeStop = false;
        else if (!this.faulted) deliverException(this);
      }
      this.disarmBreakpoint();
      remaining -= done;
      this.retired += done;
      this.count = 0;
      if (this.faulted) {
        result = 'fault';
        break;
      }
      const exit = this.exit as CpuExit | 'yield' | '';
      if (exit === 'breakpoint' || exit === 'wfi') {
        result = exit;
        break;
      }
      if (exit === 'yield' || stepping) break;
    }
    this.publishPstate();
    Atomics.store(header, CpuWord.retiredLo, this.retired | 0);
    Atomics.store(header, CpuWord.retiredHi, Math.floor(this.retired / 4294967296));
    return result;
  }

  setBreakpoint(address: bigint | undefined): void {
    this.setBreakpoints(address === undefined ? [] : [address]);
  }

  /** Arms breakpoints on guest-virtual pcs (replacing the previous ones). */
  setBreakpoints(addresses: readonly bigint[]): void {
    this.disarmBreakpoint();
    this.bpAddrs = [...new Set(addresses.map((a) => asUint(64, a)))];
    this.bpArmed = this.bpAddrs.length > 0;
  }

  /** Arms data watchpoints; every cached translation goes, so that watched pages take the slow path. */
  setWatchpoints(watchpoints: readonly { readonly address: bigint; readonly length: number; readonly kind: number }[]): void {
    const live = watchpoints.filter((w) => w.kind !== 0 && w.length > 0);
    this.wpStart = live.map((w) => asUint(64, w.address));
    this.wpEnd = live.map((w) => asUint(64, w.address) + BigInt(w.length));
    this.wpKind = live.map((w) => w.kind);
    this.wpCount = live.length;
    this.wpHit = undefined;
    this.wpPass = undefined;
    flushAllTlb(this);
  }

  tierStats(): TierStats | undefined {
    return this.tier?.stats;
  }

  takeWatchHit(): { address: bigint; kind: number } | undefined {
    const hit = this.wpHit;
    this.wpHit = undefined;
    return hit;
  }

  /** The pc is a breakpoint's address. */
  atBreakpoint(): boolean {
    return this.bpArmed && this.bpAddrs.includes(this.getPc());
  }

  /** CpuCore: PSTATE, system registers and monitors kept in this object, for a snapshot (a64-state.ts). */
  saveState(): Uint8Array {
    return saveA64State(this);
  }

  /** Decodes the translation controls the walk reads (see mmuOn) from SCTLR_EL1, TCR_EL1 and the TTBRs. */
  decodeTranslationControl(): void {
    const s = this.sys;
    this.mmuOn = (s.sctlr & 1n) === 1n;
    this.wxn = (s.sctlr & (1n << 19n)) !== 0n;
    this.tcrLo = Number(BigInt.asIntN(32, s.tcr));
    this.tcrHi = Number(s.tcr >> 32n);
    this.ttbr0Table = Number(s.ttbr0 & 0x0000_ffff_ffff_fffen);
    this.ttbr1Table = Number(s.ttbr1 & 0x0000_ffff_ffff_fffen);
  }

  restoreState(state: Uint8Array): void {
    restoreA64State(this, state);
  }

  inspect(): RegisterGroup[] {
    this.publishPstate();
    const general = Array.from({ length: 31 }, (_, i) => ({ name: `x${i}`, value: hex64(this.getX(i)) }));
    general.push({ name: 'sp_el0', value: hex64(this.getSlot(Slot.spEl0)) }, { name: 'sp_el1', value: hex64(this.getSlot(Slot.spEl1)) });
    general.push({ name: 'pc', value: hex64(this.getPc()) });
    const groups: RegisterGroup[] = [{ name: 'General', registers: general }, ...inspectGroups(this)];
    if (this.floatingPoint) {
      const w = this.vI32;
      const hex = (i: number): string => `0x${[3, 2, 1, 0].map((j) => (w[i * 4 + j]! >>> 0).toString(16).padStart(8, '0')).join('')}`;
      groups.push({ name: 'Floating point', registers: Array.from({ length: 32 }, (_, i) => ({ name: `v${i}`, value: hex(i) })) });
    }
    return groups;
  }

  /** Puts the breakpoint op into the decode slot each breakpoint's address translates to now. */
  private armBreakpoint(): void {
    for (const address of this.bpAddrs) {
      const off = resolveFetch(this, address);
      if (off < 0) continue;
      const page = off >>> 12;
      const dec = this.decPages.get(page) ?? newDecodePage(this, page);
      const slot = ((off & 0xfff) >>> 2) * 4;
      // An alias of a slot armed already keeps its raw word (the op saved first is put back last).
      if (dec[slot + 1] !== OP_BREAKPOINT) dec[slot] = this.i32[off >>> 2]!;
      this.bpSlots.push({ dec, slot, op: dec[slot + 1]! });
      dec[slot + 1] = OP_BREAKPOINT;
    }
  }

  /** Puts back the ops of the armed slots, in reverse order, so that shared slots end as they began. */
  private disarmBreakpoint(): void {
    for (let i = this.bpSlots.length - 1; i >= 0; i--) {
      const { dec, slot, op } = this.bpSlots[i]!;
      if (dec[slot + 1] === OP_BREAKPOINT) dec[slot + 1] = op;
    }
    this.bpSlots.length = 0;
  }

  private serviceFences(): void {
    const f = Atomics.exchange(this.header, CpuWord.fences, 0);
    if (f & 1) this.flushTlb();
    if (f & 2) this.decPages.clear();
    if (f & 6) this.tier?.codeChanged();
  }
}
