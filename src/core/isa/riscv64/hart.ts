/**
 * One RV64IMAFDC hart (M/S/U, Sv39/Sv48, Sstc, Zicntr) and its run loop. Integer and float
 * registers and the pc live in the hart's shared region as little-endian 64-bit values at fixed
 * offsets (int32 lo/hi pairs, see docs/decisions/0001) so that other threads and a later WebAssembly
 * tier can read them; CSRs, TLBs and the decoded-instruction cache are private to the running thread.
 * Left out: PMP enforcement, hpm counters that count, Svpbmt/Svnapot, the H extension, debug mode.
 * It is a CpuCore (cpu/cpu-core.ts) through thin aliases (cpuId, hasWork, powerOn, inspect) added
 * next to the RISC-V names the rest of the machine still uses; the run loop is the same code for both.
 */
import type { BootLevel, CpuCore, CpuExit, RegisterGroup, TierStats } from '../../cpu/cpu-core';
import { HART_HEADER_BYTES, HartWord } from '../../cpu/hart-header';
import type { SharedRegion } from '../../bus/types';
import type { HartApi, HartPlatform, Supervisor } from './platform';
import { Cause, Irq } from './csr-numbers';
import { readCsr, writeCsr, MISA } from './csr';
import { execute } from './interpreter';
import { checkInterrupts, deliverException, nextTimerDeadline, pendingAndEnabled } from './trap';
import { enterPage, FETCH, fenceInstructions, flushDecodeCache, flushTlb as flushAllTlb, prepareSlot, resolveVirt, TLB_MASK, TLB_SIZE } from './mmu';
import { emptyTlb, TLB_ENTRY } from '../../cpu/soft-tlb';
import { DEBUG_OFFSET, DEBUG_WORDS, writeSnapshot } from '../../cpu/hart-snapshot';
import { TRAP_SIGNAL, WATCH_CAUSE } from './trap-signal';
import { irqTraceOf, type IrqTrace } from '../../cpu/irq-trace';
import { inspectHart } from './inspect';
import { JC_ENTRIES, MAX_BLOCK, RvTier, RV_JC_OFFSET, RV_RES_OFFSET, RV_TIER_END, RV_TLB_BYTES, RV_TLB_OFFSET, RV_XTLB_OFFSET } from './tier';
import { wasmMemoryOf } from '../../jit/wasm-module';
import { restoreHartState, saveHartState } from './hart-state';
import { DOUBLE_FIELD } from '../../cpu/double-field';
import { PageSlots } from '../../cpu/page-slots';
import type { RamHints } from '../../bus/ram-hints';
import type { HeadProfile } from '../../jit/head-profile';

export const X_OFFSET = HART_HEADER_BYTES;
/** x0 writes land in this extra slot so that the interpreter never tests rd for zero. */
const X_SINK_OFFSET = X_OFFSET + 32 * 8;
export const PC_OFFSET = X_SINK_OFFSET + 8;
export const F_OFFSET = PC_OFFSET + 8;
/**
 * The registers and the debug snapshot (first 2048 bytes), then the read and write TLBs and the
 * translation tier's jump cache (tier.ts reads them from translated code).
 */
export const HART_STATE_BYTES = RV_TIER_END;

/**
 * Instructions between interrupt/timer/request checks when nothing ends a block earlier (a CSR write
 * that may enable an interrupt ends the slice itself). Each check leaves the translated code for the
 * run loop, ~0.4 us: `bench mips` 944 / 1,113 / 1,216 MIPS at 1,024 / 4,096 / 16,384 in one run;
 * 16,384 instructions are 15-50 us of guest time (decision 0014).
 */
const SLICE = 16384;

/** Why run() returned: the arch-neutral CpuExit, under the name the RISC-V code has always used. */
export type RunExit = CpuExit;

/** The decode-cache op id of EBREAK: an armed breakpoint's slot holds it (see armBreakpoint). */
const OP_EBREAK = 53;
export type Privilege = 0 | 1 | 3;

/** One armed breakpoint: its address (lo/hi words) and where its EBREAK sits in the decode cache. */
interface HartBreakpoint {
  readonly lo: number;
  readonly hi: number;
  dec: Int32Array | undefined;
  k: number;
  page: number;
  saved: number;
}

/** a0..a7: the most boot arguments powerOn can pass (SBI and Linux use a0/a1). */
const MAX_BOOT_ARGS = 8;

export class Hart implements HartApi, CpuCore {
  readonly hartId: number;
  readonly supervisor: Supervisor | undefined;
  readonly header: Int32Array;
  /** Integer registers as lo/hi pairs: x[2i] low word, x[2i + 1] high word; slot 32 is the x0 sink. */
  readonly x: Int32Array;
  readonly pcWords: Int32Array;
  /** Float registers: fi as lo/hi pairs, fd as doubles, fs as singles (index 2i = low word). */
  readonly fi: Int32Array;
  readonly fd: Float64Array;
  readonly fs: Float32Array;

  /** The first RAM bank (checked inline on TLB misses; its span offset is 0). */
  readonly ramBase: number = DOUBLE_FIELD;
  readonly ramSize: number = DOUBLE_FIELD;
  /** The bus has RAM banks beyond the first (resolvePhys then asks the bus). */
  readonly moreBanks: boolean;
  /** Views over the bus's RAM span: every bank, indexed by span offset. */
  readonly u8: Uint8Array;
  readonly i8: Int8Array;
  readonly u16: Uint16Array;
  readonly i16: Int16Array;
  readonly i32: Int32Array;
  readonly i64: BigInt64Array;

  // Per-thread TLBs (read, write, fetch): tag = page | privilege, high word, RAM span offset of the page.
  // The read and write TLBs lie in the state region (RV_TLB_OFFSET), where translated code reads them;
  // only this hart's thread uses them. Their entries are four words, [tag, high word, offset, unused]
  // at TLB_ENTRY * index (core/cpu/soft-tlb.ts): one cache line per lookup, and tag and high word one
  // i64 compare in translated code.
  readonly rTlb: Int32Array;
  readonly wTlb: Int32Array;
  /** The translation tier's jump cache (RV_JC_OFFSET; tier.ts), emptied with the TLBs. */
  readonly jc: Int32Array;
  /** The translation tier, where the state and RAM lie in a registered WebAssembly.Memory (tier.ts). */
  readonly tier: RvTier | undefined;
  /** The host's RAM prefaulter's hints (platform.ramHints): resolveVirt notes write-TLB fills. */
  readonly ramHints: RamHints | undefined;
  /** The translation profile (platform.headProfile): heads seeded as hot in new decode pages, translated heads noted. */
  readonly headProfile: HeadProfile | undefined;
  /** Writes to pages that hold decoded code: translation cached, but stores take the slow path. */
  readonly cTag = new Int32Array(TLB_SIZE).fill(-1);
  readonly cHi = new Int32Array(TLB_SIZE);
  readonly cHost = new Int32Array(TLB_SIZE);
  /** The fetch TLB (RV_XTLB_OFFSET; tier.ts): tags (page | privilege), high words, RAM span offsets. */
  readonly xTag: Int32Array;
  readonly xHi: Int32Array;
  readonly xHost: Int32Array;
  /** Decoded instructions per RAM page (4 words per halfword slot: op word, imm, bits, listed); codePage marks pages that have one. */
  readonly decPages: PageSlots<Int32Array>;
  readonly codePage: Uint8Array;
  readonly codePageList: number[] = [];
  /** FENCE.I generation, and per RAM page the generation its decoded slots were last checked at. */
  fenceGen = 0;
  readonly decGen: Int32Array;
  /** Per code page: count, then the halfword slots decoded since the page was last verified. */
  readonly decList: PageSlots<Uint16Array>;

  // Execution position: virtual page of the pc and halfword index inside it.
  pageLo = 0;
  pageHi = 0;
  h = 0;
  /** Instructions completed in the current execute() call (valid when a slow path runs). */
  count = 0;
  crossDec: Int32Array | undefined;
  crossK = 0;

  priv: Privilege = 3;
  /** Privilege used for loads and stores (MPP when MPRV is set in M-mode). */
  dprv: Privilege = 3;

  mstatus = 0;
  medeleg = 0;
  mideleg = 0;
  mie = 0;
  mtvec = 0n;
  stvec = 0n;
  mepc = 0n;
  sepc = 0n;
  mcause = 0n;
  scause = 0n;
  mtval = 0n;
  stval = 0n;
  mscratch = 0n;
  sscratch = 0n;
  satp = 0n;
  /** satp MODE (0 bare, 8 Sv39, 9 Sv48) and root page number, decoded once per satp write. */
  vmMode = 0;
  rootPpn = 0;
  mcounteren = 0;
  scounteren = 0;
  menvcfg = 0n;
  senvcfg = 0n;
  stimecmp = -1n;
  stimecmpTicks = Infinity;
  mcountinhibit = 0;
  /** AIA's miselect / siselect (the indirect register window of mireg / sireg). */
  miselect = 0;
  siselect = 0;
  cycleOffset = 0n;
  instretOffset = 0n;
  /** Values of mcycle / minstret while mcountinhibit stops them. */
  cycleFrozen = 0n;
  instretFrozen = 0n;
  readonly pmpcfg: bigint[] = new Array<bigint>(16).fill(0n);
  readonly pmpaddr: bigint[] = new Array<bigint>(64).fill(0n);
  frm = 0;
  fflags = 0;

  /** The LR reservation's words in the state region (tier.ts RV_RES_OFFSET), which translated LR/SC use too. */
  private readonly res: Int32Array;
  /** LR reservation: RAM span offset (-1 = none), size and the value LR saw. */
  get resAddr(): number { return this.res[0]!; }
  set resAddr(v: number) { this.res[0] = v; }
  get resSize(): number { return this.res[1]!; }
  set resSize(v: number) { this.res[1] = v; }
  get resValue(): bigint { return (BigInt(this.res[3]!) << 32n) | BigInt(this.res[2]! >>> 0); }
  set resValue(v: bigint) {
    this.res[2] = Number(BigInt.asIntN(32, v));
    this.res[3] = Number(BigInt.asIntN(32, v >> 32n));
  }

  retired = DOUBLE_FIELD;
  exit: RunExit | '' = '';
  faulted = false;

  // Exception being raised (set right before TRAP_SIGNAL is thrown).
  excCause = 0;
  excTval = 0n;
  excDetail = '';
  loopCause = -1;
  loopTarget = -1;
  /** High word of the last 64-bit value returned by a slow-path read. */
  tmpHi = 0;
  /** RAM offset of the current fetch page. */
  curHost = 0;
  /** Where a resolved non-RAM physical access goes (see mmu.resolvePhys). */
  busPa = DOUBLE_FIELD;
  mmioGpa = DOUBLE_FIELD;

  // --- debugger (inspector, GDB stub): snapshot area, breakpoints on guest-virtual pcs, watchpoints ---
  /** The debug words after the registers (core/cpu/hart-snapshot.ts). */
  readonly debug: Int32Array;
  bpArmed = false;
  /** The armed breakpoints: address, and the decoded page and slot holding its EBREAK with the op word it replaced. */
  private bps: HartBreakpoint[] = [];
  /** Let the next slice run the slots unarmed (an alias of a breakpoint's page was hit). */
  private bpSkip = false;
  /** Armed data watchpoints (mmu.ts checks them on the slow path; their pages never enter the TLBs). */
  wpCount = 0;
  /** Per watchpoint: start and end (exclusive) as unsigned 64-bit values, and its WatchKind bits. */
  wpStart: bigint[] = [];
  wpEnd: bigint[] = [];
  wpKind: number[] = [];
  /** The watched access that ended the slice (set by mmu.ts), and the pc whose next access is let through once. */
  wpHit: { address: bigint; kind: number } | undefined;
  wpPass: bigint | undefined;
  /** The interrupt timeline's ring (irq-trace.ts): interrupt traps taken are recorded in trap.ts. */
  readonly trace: IrqTrace | undefined;

  constructor(
    readonly platform: HartPlatform,
    state: SharedRegion,
  ) {
    if (state.byteLength < HART_STATE_BYTES) throw new Error(`hart state region needs ${HART_STATE_BYTES} bytes`);
    if (state.byteOffset % 8 !== 0) throw new Error('hart state region must be 8-byte aligned');
    this.hartId = platform.hartId;
    this.ramHints = platform.ramHints;
    this.headProfile = platform.headProfile;
    this.supervisor = platform.supervisor;
    const buf = state.buffer;
    const base = state.byteOffset;
    this.header = new Int32Array(buf, base, HART_HEADER_BYTES / 4);
    this.x = new Int32Array(buf, base + X_OFFSET, 66);
    this.pcWords = new Int32Array(buf, base + PC_OFFSET, 2);
    this.res = new Int32Array(buf, base + RV_RES_OFFSET, 4);
    this.res[0] = -1;
    this.fi = new Int32Array(buf, base + F_OFFSET, 64);
    this.fd = new Float64Array(buf, base + F_OFFSET, 32);
    this.fs = new Float32Array(buf, base + F_OFFSET, 64);
    this.debug = new Int32Array(buf, base + DEBUG_OFFSET, DEBUG_WORDS);
    this.trace = irqTraceOf(buf);
    const tlb = (i: number) => new Int32Array(buf, base + RV_TLB_OFFSET + i * RV_TLB_BYTES, TLB_ENTRY * TLB_SIZE);
    this.rTlb = tlb(0);
    this.wTlb = tlb(1);
    emptyTlb(this.rTlb);
    emptyTlb(this.wTlb);
    this.jc = new Int32Array(buf, base + RV_JC_OFFSET, 4 * JC_ENTRIES).fill(0);
    const fetch = (i: number) => new Int32Array(buf, base + RV_XTLB_OFFSET + 4 * TLB_SIZE * i, TLB_SIZE);
    this.xTag = fetch(0).fill(-1);
    this.xHi = fetch(1);
    this.xHost = fetch(2);
    // RAM: typed arrays over the bus's RAM span (every bank); TLBs and the decode cache index it by
    // span offset. The first bank is checked inline on TLB misses, the others through the bus.
    const bus = platform.bus;
    for (const bank of bus.banks) {
      if (bank.base % 4096 !== 0 || bank.size % 4096 !== 0 || bank.bufferOffset % 8 !== 0) {
        throw new Error(`RAM bank at 0x${bank.base.toString(16)} must be page aligned (base, size) and 8-byte aligned in its buffer`);
      }
    }
    const span = bus.ramSpan;
    // RAM offsets are kept in int32 slots (TLB host offsets, typed-array indices): at most 2 GiB.
    if (span.size > 0x8000_0000) throw new Error('RAM (all banks, as laid out in the buffer) above 2 GiB is not supported by the RV64 interpreter');
    this.ramBase = bus.ram.base;
    this.ramSize = bus.ram.size;
    this.moreBanks = bus.banks.length > 1;
    const rb = span.buffer;
    const ro = span.bufferOffset;
    this.u8 = new Uint8Array(rb, ro, span.size);
    this.i8 = new Int8Array(rb, ro, span.size);
    this.u16 = new Uint16Array(rb, ro, span.size / 2);
    this.i16 = new Int16Array(rb, ro, span.size / 2);
    this.i32 = new Int32Array(rb, ro, span.size / 4);
    this.i64 = new BigInt64Array(rb, ro, span.size / 8);
    const pages = Math.ceil(span.size / 4096);
    this.decPages = new PageSlots(pages);
    this.codePage = new Uint8Array(pages);
    this.decGen = new Int32Array(pages);
    this.decList = new PageSlots(pages);
    const memory = wasmMemoryOf(buf);
    this.tier = memory && rb === buf && platform.translate !== false ? new RvTier(this, memory, base, ro) : undefined;
  }

  /** Puts the hart at `entry` in the given mode with clean registers (a0/a1 as a boot protocol passes them). */
  reset(entry: bigint, mode: 'machine' | 'supervisor', a0 = 0n, a1 = 0n): void {
    this.x.fill(0);
    this.fi.fill(0);
    this.priv = mode === 'machine' && !this.supervisor ? 3 : 1;
    this.dprv = this.priv;
    this.mstatus = 0;
    this.medeleg = this.supervisor ? 0xb3ff : 0;
    this.mideleg = this.supervisor ? (1 << Irq.SSI) | (1 << Irq.STI) | (1 << Irq.SEI) : 0;
    this.mie = 0;
    this.mtvec = this.stvec = this.mepc = this.sepc = 0n;
    this.mcause = this.scause = this.mtval = this.stval = this.mscratch = this.sscratch = 0n;
    this.satp = 0n;
    this.vmMode = 0;
    this.rootPpn = 0;
    // All 32 bits (read back as 0xffffffff), as an int32: the field stays a small integer (double-field.ts).
    this.mcounteren = this.supervisor ? -1 : 0;
    this.scounteren = 0;
    this.menvcfg = this.supervisor ? 1n << 63n : 0n;
    this.senvcfg = 0n;
    this.stimecmp = -1n;
    this.stimecmpTicks = Infinity;
    this.mcountinhibit = 0;
    this.miselect = this.siselect = 0;
    this.cycleOffset = this.instretOffset = 0n;
    this.cycleFrozen = this.instretFrozen = 0n;
    this.pmpcfg.fill(0n);
    this.pmpaddr.fill(0n);
    this.frm = this.fflags = 0;
    this.resAddr = -1;
    this.exit = '';
    this.faulted = false;
    this.loopCause = -1;
    this.setX(10, a0);
    this.setX(11, a1);
    this.setPc(entry);
    this.flushTlb();
    flushDecodeCache(this);
  }

  /** CpuCore: the hart id under the arch-neutral name. A getter, so the object's shape is unchanged. */
  get cpuId(): number {
    return this.hartId;
  }

  /**
   * CpuCore: reset() with the boot convention's argument registers a0..a7 filled from `args`.
   * `firmware` is M-mode (S-mode when the hypervisor stands in for M-mode, as reset() decides), `kernel` S-mode.
   */
  powerOn(entry: bigint, args: readonly bigint[] = [], level: BootLevel = 'kernel'): void {
    if (args.length > MAX_BOOT_ARGS) throw new Error(`a RISC-V hart takes at most ${MAX_BOOT_ARGS} boot arguments (a0..a7), got ${args.length}`);
    this.reset(entry, level === 'firmware' ? 'machine' : 'supervisor', args[0] ?? 0n, args[1] ?? 0n);
    for (let i = 2; i < args.length; i++) this.setX(10 + i, args[i]!);
  }

  /** CpuCore: the registers as named groups (isa/riscv64/inspect.ts), side-effect free. */
  inspect(): RegisterGroup[] {
    return inspectHart(this);
  }

  /** CpuCore: the CSRs and privilege kept in this object, for a snapshot (hart-state.ts). */
  saveState(): Uint8Array {
    return saveHartState(this);
  }

  restoreState(state: Uint8Array): void {
    restoreHartState(this, state);
    flushDecodeCache(this);
  }

  getX(index: number): bigint {
    if (index === 0) return 0n;
    return (BigInt(this.x[index * 2 + 1]! >>> 0) << 32n) | BigInt(this.x[index * 2]! >>> 0);
  }

  setX(index: number, value: bigint): void {
    if (index === 0) return;
    this.x[index * 2] = Number(BigInt.asIntN(32, value));
    this.x[index * 2 + 1] = Number(BigInt.asIntN(32, value >> 32n));
  }

  getF(index: number): bigint {
    return (BigInt(this.fi[index * 2 + 1]! >>> 0) << 32n) | BigInt(this.fi[index * 2]! >>> 0);
  }

  setF(index: number, value: bigint): void {
    this.fi[index * 2] = Number(BigInt.asIntN(32, value));
    this.fi[index * 2 + 1] = Number(BigInt.asIntN(32, value >> 32n));
  }

  /** The pc as an unsigned 64-bit value. */
  getPc(): bigint {
    this.syncPcWords();
    return (BigInt(this.pcWords[1]! >>> 0) << 32n) | BigInt(this.pcWords[0]! >>> 0);
  }

  setPc(value: bigint): void {
    const lo = Number(BigInt.asIntN(32, value));
    this.pageLo = lo & -4096;
    this.pageHi = Number(BigInt.asIntN(32, value >> 32n));
    this.h = (lo & 0xfff) >> 1;
    this.syncPcWords();
  }

  /** Publishes the pc (page + halfword index, which may point one page further) to the shared words. */
  syncPcWords(): void {
    const lo = (this.pageLo + (this.h << 1)) | 0;
    this.pcWords[0] = lo;
    this.pcWords[1] = (this.pageHi + ((lo >>> 0) < (this.pageLo >>> 0) ? 1 : 0)) | 0;
  }

  getPrivilege(): number {
    return this.priv;
  }

  readCsr(n: number): bigint {
    const v = readCsr(this, n);
    if (v === undefined) throw new Error(`CSR 0x${n.toString(16)} is not implemented`);
    return v;
  }

  writeCsr(n: number, value: bigint): void {
    if (!writeCsr(this, n, value)) throw new Error(`CSR 0x${n.toString(16)} is not implemented or read-only`);
  }

  flushTlb(): void {
    flushAllTlb(this);
  }

  /** Earliest clock tick at which an enabled timer interrupt becomes pending (Infinity if none). */
  nextDeadline(): number {
    return nextTimerDeadline(this);
  }

  /** misa as the hart reports it (RV64IMAFDC, S and U). */
  get misa(): bigint {
    return MISA;
  }

  /**
   * Runs up to `budget` instructions. `stepping` (the debugger's single step) ignores the run request,
   * masks interrupts and steps over an armed breakpoint, as QEMU's gdbstub steps by default.
   */
  run(budget: number, stepping = false): RunExit {
    if (this.faulted) return 'fault';
    const header = this.header;
    let remaining = budget;
    let result: RunExit = 'budget';
    while (remaining > 0) {
      if (!stepping && Atomics.load(header, HartWord.request) !== 0) {
        result = 'request';
        break;
      }
      if (header[HartWord.fences] !== 0) this.serviceFences();
      this.exit = '';
      if (stepping) this.disarmBreakpoint();
      else {
        try {
          checkInterrupts(this);
        } catch (e) {
          if (e !== TRAP_SIGNAL) throw e;
        }
        if (this.bpArmed) this.armBreakpoint();
      }
      if (this.faulted) {
        result = 'fault';
        break;
      }
      const slice = remaining < SLICE ? remaining : SLICE;
      let done: number;
      try {
        done = execute(this, slice);
      } catch (e) {
        if (e !== TRAP_SIGNAL) throw e;
        done = this.count;
        if (this.excCause === WATCH_CAUSE) {
          // A watched access: stop before it, the pc on its instruction (mmu.ts checkWatch).
          remaining -= done;
          this.retired += done;
          this.count = 0;
          result = 'breakpoint';
          break;
        }
        if (this.excCause === Cause.breakpoint && this.bps.length > 0 && this.atBreakpointSlot()) {
          remaining -= done;
          this.retired += done;
          this.count = 0;
          if (this.atBreakpoint()) {
            result = 'breakpoint';
            break;
          }
          // Another virtual alias of the breakpoint's physical slot: run it unarmed.
          this.disarmBreakpoint();
          this.bpSkip = true;
          continue;
        }
        if (!this.faulted) deliverException(this);
      }
      remaining -= done;
      this.retired += done;
      this.count = 0;
      if (this.faulted) {
        result = 'fault';
        break;
      }
      if ((this.exit as RunExit | '') === 'wfi') {
        result = 'wfi';
        break;
      }
      // With the translation tier, a remainder too small for a block is left unspent (the slice before
      // ended at a block head; interpreting the rest would start the next slice mid-block). Short budgets
      // (tests, stepping) stay exact.
      if (remaining < MAX_BLOCK && budget >= SLICE && remaining < budget && this.tier !== undefined && !stepping) break;
      if (stepping) break;
    }
    this.syncPcWords();
    Atomics.store(header, HartWord.retiredLo, this.retired | 0);
    Atomics.store(header, HartWord.retiredHi, Math.floor(this.retired / 4294967296));
    return result;
  }

  /** Publishes privilege, the inspected CSRs and the pc's physical address (core/cpu/hart-snapshot.ts). */
  publishSnapshot(): void {
    this.syncPcWords();
    writeSnapshot(this.debug, this.priv, this.pcPhysical(), (n) => readCsr(this, n));
  }

  /** Arms (or with undefined, clears) the breakpoint on a guest-virtual pc. */
  setBreakpoint(address: bigint | undefined): void {
    this.setBreakpoints(address === undefined ? [] : [address]);
  }

  /** Arms breakpoints on guest-virtual pcs (replacing the previous ones). */
  setBreakpoints(addresses: readonly bigint[]): void {
    this.disarmBreakpoint();
    const unique = [...new Set(addresses.map((a) => BigInt.asUintN(64, a)))];
    this.bps = unique.map((a) => ({ lo: Number(BigInt.asIntN(32, a)), hi: Number(BigInt.asIntN(32, a >> 32n)), dec: undefined, k: 0, page: -1, saved: 0 }));
    this.bpArmed = this.bps.length > 0;
  }

  /** Arms data watchpoints; every cached translation goes, so that watched pages take the slow path. */
  setWatchpoints(watchpoints: readonly { readonly address: bigint; readonly length: number; readonly kind: number }[]): void {
    const live = watchpoints.filter((w) => w.kind !== 0 && w.length > 0);
    this.wpStart = live.map((w) => BigInt.asUintN(64, w.address));
    this.wpEnd = live.map((w) => BigInt.asUintN(64, w.address) + BigInt(w.length));
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
    if (!this.bpArmed || this.h >= 2048) return false;
    const lo = this.pageLo | (this.h << 1);
    return this.bps.some((bp) => bp.lo === lo && bp.hi === this.pageHi);
  }

  private atBreakpointSlot(): boolean {
    const dec = this.decPages.get(this.curHost >>> 12);
    const k = this.h << 2;
    return this.bps.some((bp) => bp.dec !== undefined && bp.dec === dec && bp.k === k);
  }

  /** Physical address of the pc through this hart's own translation (undefined if it cannot be translated). */
  private pcPhysical(): bigint | undefined {
    const pc = this.getPc();
    const lo = Number(BigInt.asIntN(32, pc));
    const hi = Number(BigInt.asIntN(32, pc >> 32n));
    const t = (lo >>> 12) & TLB_MASK;
    let off: number;
    if (this.xTag[t] === ((lo & -4096) | this.priv) && this.xHi[t] === hi) off = this.xHost[t]! + (lo & 0xfff);
    else off = this.quietly(() => resolveVirt(this, lo, hi, FETCH, 2), -1);
    const pa = off >= 0 ? this.platform.bus.ramAddress(off) : -1;
    return pa >= 0 ? BigInt(pa) : undefined;
  }

  /** Runs an MMU helper for the debugger: a fault it raises is not the guest's and is forgotten. */
  private quietly<T>(action: () => T, failed: T): T {
    const { excCause, excTval, excDetail } = this;
    try {
      return action();
    } catch (e) {
      if (e !== TRAP_SIGNAL) throw e;
      return failed;
    } finally {
      this.excCause = excCause;
      this.excTval = excTval;
      this.excDetail = excDetail;
    }
  }

  /**
   * While a breakpoint is armed, once per interpreter slice: makes sure the decoded slot at the
   * breakpoint's current translation holds an EBREAK op (the original op word is kept and put back).
   * The interpreter then stops there with no per-instruction check; run() tells it from a guest EBREAK.
   */
  private armBreakpoint(): void {
    if (this.bpSkip) {
      this.bpSkip = false;
      return;
    }
    for (const bp of this.bps) this.armOne(bp);
  }

  private armOne(bp: HartBreakpoint): void {
    const dec = bp.dec;
    if (dec !== undefined && this.decPages.get(bp.page) === dec && dec[bp.k]! === (OP_EBREAK | (bp.saved & ~255))) {
      // Still in place; re-arm only if the fetch TLB knows the address now maps to another page.
      const t = (bp.lo >>> 12) & TLB_MASK;
      if (this.xTag[t] !== ((bp.lo & -4096) | this.priv) || this.xHi[t] !== bp.hi || this.xHost[t]! >>> 12 === bp.page) return;
    }
    this.disarmOne(bp);
    const { pageLo, pageHi, h, curHost } = this;
    this.pageLo = bp.lo & -4096;
    this.pageHi = bp.hi;
    this.h = (bp.lo & 0xfff) >> 1;
    const hh = this.h;
    const page = this.quietly(() => enterPage(this), undefined);
    let w = page ? page[hh << 2]! : 0;
    if (page && w < 256 && hh < 2047) w = this.quietly(() => prepareSlot(this, page, hh), 0);
    const bpPage = this.curHost >>> 12;
    this.pageLo = pageLo;
    this.pageHi = pageHi;
    this.h = h;
    this.curHost = curHost;
    if (!page || w < 256) return;
    bp.dec = page;
    bp.page = bpPage;
    bp.k = hh << 2;
    bp.saved = w;
    page[bp.k] = OP_EBREAK | (w & ~255);
  }

  /** Puts back every armed slot's op word (in reverse order of arming, so shared slots end as they began). */
  private disarmBreakpoint(): void {
    for (let i = this.bps.length - 1; i >= 0; i--) this.disarmOne(this.bps[i]!);
  }

  private disarmOne(bp: HartBreakpoint): void {
    const dec = bp.dec;
    if (dec !== undefined && dec[bp.k] === (OP_EBREAK | (bp.saved & ~255))) dec[bp.k] = bp.saved;
    bp.dec = undefined;
  }

  /** Whether an interrupt is pending and enabled in mie, ignoring the global enables (WFI wake-up rule). */
  hasWakeup(): boolean {
    return pendingAndEnabled(this) !== 0;
  }

  /** CpuCore: hasWakeup() under the arch-neutral name. */
  hasWork(): boolean {
    return pendingAndEnabled(this) !== 0;
  }

  private serviceFences(): void {
    const f = Atomics.exchange(this.header, HartWord.fences, 0);
    if (f & 1) this.flushTlb();
    if (f & 2) fenceInstructions(this);
  }
}
