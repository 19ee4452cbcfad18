/**
 * One LA64 CPU (LoongArch Reference Manual Vol. 1) and its run loop: the base integer ISA, PLV0-3, the
 * CSRs of csr.ts, direct address mode, the direct-mapped windows (DMW0-3), the STLB/MTLB of tlb.ts with
 * the TLB refill exception and LDDIR/LDPTE, exceptions and interrupts (ESTAT.IS: SWI0-1, HWI0-7, PMI, TI,
 * IPI), the stable counter and constant timer, IOCSR accesses through the platform's IOCSR bus, LL/SC and
 * the AM* atomics (atomic between CPU threads on RAM), IDLE.
 *
 * Registers r0..r31 and the pc, the FPRs and the LSX registers' high halves live in the CPU's shared
 * region as little-endian 64-bit values after the common header (other threads and snapshots read them); CSRs, the TLB and the decode cache are private to the
 * running thread. The instruction semantics are in interpreter.ts.
 *
 * Bad input: an instruction with no row in the decode table, or a CSR number the table does not have,
 * stops the CPU with a report naming the pc, the encoding and its disassembly (never a host exception).
 *
 * FP (F and D) is fpu.ts; LSX (the 128-bit vectors over the FPRs, EUEN.SXE with SXD, CPUCFG2 bit 6) is
 * lsx.ts, which lists the vector instructions it leaves out (vector FP, saturating/averaging/narrowing
 * forms and other families Debian's guests do not use: their words are unallocated here). Left out (CPUCFG
 * says so): LASX and LBT (their EUEN bits read 0, their words are unallocated), FSCALEB/FLOGB,
 * the performance counters (PMI never rises), watchpoints, the machine-error exception, hardware
 * page-table walking beyond LDDIR/LDPTE, cache operations (CACOP is a no-op), memory access types.
 * This first interpreter uses BigInt registers; a faster path shared with the other ISAs is later work.
 */
import { restoreLaState, saveLaState } from './la-state';
import type { SharedRegion } from '../../bus/types';
import { BusError } from '../../bus/address-space';
import { CPU_HEADER_BYTES, CpuWord, decodeFields, hex64, type BootLevel, type CpuCore, type CpuExit, type RegisterGroup, type TierStats } from '../../cpu/cpu-core';
import { CSR_BY_NUMBER, CSRS, Csr, Ecode, IntBit, PALEN, SAVE_COUNT, TIMER_BITS, VALEN } from './csr';
import { decode, type Decoded } from './decoder';
import { disassemble } from './disassembler';
import { execute } from './interpreter';
import type { LaPlatform } from './platform';
import { GPR_NAMES } from './registers';
import { LaTlb, TLB_ENTRIES, type TlbEntry } from './tlb';
import { ENDS_BLOCK, LaTier, LA_TIER_BYTES } from './tier';
import { wasmMemoryOf } from '../../jit/wasm-module';
import { DOUBLE_FIELD } from '../../cpu/double-field';
import type { RamHints } from '../../bus/ram-hints';

/** Register slots (8 bytes each) after the header: r0..r31, then the pc. */
export const LA_GPR_OFFSET = CPU_HEADER_BYTES;
export const LA_PC_SLOT = 32;
/** FPRs f0..f31 (8 bytes each). */
export const LA_FPR_OFFSET = LA_GPR_OFFSET + 40 * 8;
/**
 * The IOCSR IPI block of this CPU (status, enable, then four 64-bit mailboxes as eight words), shared
 * so that another CPU's IPI_SEND / MAIL_SEND can reach it (hypervisor/arch/loongarch64/iocsr.ts).
 */
export const LA_IPI_OFFSET = LA_GPR_OFFSET + 72 * 8;
export const LA_IPI_WORDS = 16;
/** The high 64 bits of the LSX vector registers vr0..vr31 (8 bytes each; the low 64 bits are the FPRs). */
export const LA_VHI_OFFSET = LA_GPR_OFFSET + 80 * 8;
/** The translation tier's data TLB, stale word and jump cache (tier.ts), read by translated code. */
export const LA_TIER_OFFSET = LA_VHI_OFFSET + 32 * 8;
export const LA_STATE_BYTES = LA_TIER_OFFSET + LA_TIER_BYTES;

export const PA_MASK = (1n << BigInt(PALEN)) - 1n;
const M64 = (1n << 64n) - 1n;

const DECODE_SLOTS = 1 << 16;

export type Access = 0 | 1 | 2;
export const LOAD: Access = 0;
export const STORE: Access = 1;
export const FETCH: Access = 2;

/** A guest exception being raised (thrown by translation or an instruction, delivered by the run loop). */
export class LaTrap {
  constructor(
    readonly ecode: number,
    readonly subcode = 0,
    readonly badv?: bigint,
  ) {}
}

/** The CPU must stop (reported already): unwinds the current instruction. */
export class LaStop {}

/** CPUCFG words (what this CPU implements; manual table 2-2). */
function cpucfgWords(prid: number, timerHz: number): number[] {
  const w: number[] = new Array(0x15).fill(0);
  w[0] = prid;
  // ARCH = LA64, PGMMU, IOCSR, PALEN-1, VALEN-1, UAL (unaligned plain loads/stores), RPLV.
  w[1] = 2 | (1 << 2) | (1 << 3) | ((PALEN - 1) << 4) | ((VALEN - 1) << 12) | (1 << 20) | (1 << 23);
  // FP (single and double, version 1), LSX (lsx.ts; no LASX/LBT); LLFTP (constant timer) version 1; LAM
  // (AM* atomics).
  w[2] = 1 | (1 << 1) | (1 << 2) | (1 << 3) | (1 << 6) | (1 << 14) | (1 << 15) | (1 << 22);
  w[4] = timerHz >>> 0;
  // CC_MUL = 1, CC_DIV = 1: the constant timer counts at CPUCFG4 Hz.
  w[5] = 1 | (1 << 16);
  // The caches as the LA464 core has them (software sizes its cacheinfo from these; zero levels made
  // Debian's kernel index cache_desc[-1], a UBSAN report in cacheinfo.c): CPUCFG16 L1 I and D present,
  // L2 unified and private, L3 unified and inclusive; CPUCFG17-20 ways-1 (15..0), log2 sets (23..16),
  // log2 line size (30..24): L1I and L1D 64 KiB 4-way, L2 256 KiB 16-way, L3 16 MiB 16-way, 64-byte
  // lines (the values QEMU's la464 model gives).
  w[0x10] = (1 << 0) | (1 << 2) | (1 << 3) | (1 << 4) | (1 << 5) | (1 << 10) | (1 << 11) | (1 << 13);
  w[0x11] = 3 | (8 << 16) | (6 << 24);
  w[0x12] = 3 | (8 << 16) | (6 << 24);
  w[0x13] = 15 | (8 << 16) | (6 << 24);
  w[0x14] = 15 | (14 << 16) | (6 << 24);
  return w;
}

export class LaCpu implements CpuCore {
  readonly cpuId: number;
  readonly header: Int32Array;
  /** r0..r31 and the pc (slot 32), as signed 64-bit values. */
  readonly r: BigInt64Array;
  /** f0..f31 as 64-bit patterns (fpu.ts); also the low halves of the LSX registers vr0..vr31. */
  readonly fpr: BigInt64Array;
  /** The high 64 bits of vr0..vr31 (lsx.ts). */
  readonly vhi: BigInt64Array;
  /** FCC0..FCC7 as bits, and FCSR0. */
  fcc = 0;
  fcsr = 0;
  readonly csr = new Map<number, bigint>();
  readonly tlb = new LaTlb();
  /**
   * The translation cache: three banks (direct address mode, mapped at PLV0, mapped at the PLV in
   * tcUserPlv), each with per access type (LOAD, STORE, FETCH) 1024 direct-mapped 4 KiB pages: the
   * virtual page number (tag; -1 empty), the physical page, and the page's byte offset in the RAM buffer
   * (-1: not RAM, accesses go through the bus). Only successful translations are cached, so every fault
   * is still taken by translateSlow(). The direct-address bank is never emptied (the translation is the
   * identity there). The mapped banks are emptied when what they depend on changes (ASID, STLBPS, a DMW:
   * mappedChanged()); a TLB change drops only the slots a TLB entry filled (tcTlbSlots), so the kernel's
   * DMW pages survive the refill handler's TLBFILL. Switching between the banks (exception entry, ERTN,
   * the refill's direct address mode) empties nothing: Linux's TLB refill used to empty the whole cache
   * four times (decision 0030).
   */
  private readonly tcTag = new Float64Array(9 * 1024).fill(-1);
  private readonly tcPa = new Float64Array(9 * 1024);
  private readonly tcRam = new Float64Array(9 * 1024);
  /** Slots filled from a TLB entry (tcFromTlb marks them), dropped when the TLB changes. */
  private readonly tcFromTlb = new Uint8Array(9 * 1024);
  private readonly tcTlbSlots = new Int32Array(9 * 1024);
  private tcTlbCount = 0;
  /** The PLV whose mapped translations bank 2 holds (-1: none). */
  private tcUserPlv = -1;
  private tcGen = -1;
  private tcTlbGen = -1;
  /** The offset in its page of the address tcSlot() last looked up. */
  private tcOff = 0;
  /** Bumped whenever the bank in use may have changed or been emptied (the last-page check goes stale). */
  private xlateGen = 0;
  /** CRMD's translation bits, kept as numbers: direct address mode (DA = 1 or PG = 0) and the PLV. */
  private daMode = true;
  private curPlv = 0;
  /** Set by translateSlow(): the translation came from a TLB entry. */
  private slowFromTlb = false;
  /**
   * In front of it, the page each access type used last (its first virtual address, and its slot): code
   * runs and memset streams within one page. The host is little-endian (scratch32[0] is the low half),
   * as the RAM views are.
   */
  private readonly lastLo = new BigInt64Array(3);
  /** -1: the access type has no last page (after a flush). */
  private readonly lastSlot: number[] = [-1, -1, -1];
  /**
   * A 64-bit scratch word seen as two 32-bit halves: the last-page check stores va - lo into it and
   * reads the halves, which V8 compiles without allocating (a BigInt subtraction truncated by the typed
   * array store), where Number(va - lo) allocated and converted a BigInt for every fetch, load and store.
   */
  private readonly scratch64 = new BigInt64Array(1);
  private readonly scratch32 = new Int32Array(this.scratch64.buffer);
  readonly cpucfg: readonly number[];
  /**
   * The decode cache: decoded words, direct-mapped by a hash of the word (the tag is the word itself; a
   * decode is a pure function of the word, so stores need no invalidation). A Map keyed by the word was
   * the largest single cost of step() (words above 2^30 are not small integers for V8).
   */
  private readonly decodeTag = new Int32Array(DECODE_SLOTS);
  private readonly decodeVal: (Decoded | null | undefined)[] = new Array(DECODE_SLOTS).fill(undefined);
  private readonly i32: Int32Array;
  private readonly i64: BigInt64Array;

  retired = DOUBLE_FIELD;
  exit: CpuExit | '' = '';
  idle = false;
  faulted = false;
  /** The current instruction word (BADI, fault reports). */
  word = 0;
  /**
   * Set by a branch (or ERTN): the pc of the next instruction. Without one step() advances the pc in
   * place (pc + 4 without allocating a BigInt for every instruction).
   */
  set nextPc(target: bigint) {
    this.jumpTarget = target;
    this.branched = true;
  }
  private jumpTarget = 0n;
  private branched = false;

  /** The branch target the last execute() set, if any, and forget it (for callers of execute() outside step(): tests). */
  takeJump(): bigint | undefined {
    const target = this.branched ? this.jumpTarget : undefined;
    this.branched = false;
    return target;
  }
  /** LL/SC: the LLbit, the physical address and value the LL saw. */
  llbit = false;
  llAddr = -1;
  /** The LL address as a RAM buffer offset (the translation tier keeps its page out of the write TLB while the LLbit is set). */
  llHost = -1;
  llValue = 0n;
  /** The constant timer: deadline in clock ticks (Infinity when off) and the period for periodic mode. */
  timerDeadline = Infinity;
  timerPeriod = 0;
  /** ESTAT.IS bits the CPU holds itself (SWI0-1, TI); HWI and IPI come from the header's pending word. */
  ownIs = 0;
  private breakpoints: bigint[] = [];
  private resumeAt: bigint | undefined;
  private trapDepth = 0;
  /**
   * The translation tier (tier.ts), where the state and RAM lie in a registered WebAssembly.Memory
   * (vCPU workers register it unless HVWB_TIER=interp) and the platform does not turn it off.
   */
  readonly tier: LaTier | undefined;
  /** The next instruction is a block head: where a branch, exception or translated code left the pc. */
  private atHead = true;
  /** Calls of mappedChanged() (translated code stops after a CSR write that made one). */
  private mappedChanges = 0;
  /** The host's RAM prefaulter's notes (platform.ts), and the buffer offset of RAM span offset 0. */
  private readonly ramHints: RamHints | undefined;
  private readonly ramSpanStart: number;
  /** Set by tierDataPage(): the page came from a TLB entry (not a DMW or direct address mode). */
  tierFromTlb = false;

  constructor(
    readonly platform: LaPlatform,
    state: SharedRegion,
  ) {
    if (state.byteLength < LA_STATE_BYTES) throw new Error(`LA64 CPU state region needs ${LA_STATE_BYTES} bytes`);
    if (state.byteOffset % 8 !== 0) throw new Error('LA64 CPU state region must be 8-byte aligned');
    this.cpuId = platform.cpuId;
    this.header = new Int32Array(state.buffer, state.byteOffset, CPU_HEADER_BYTES / 4);
    this.r = new BigInt64Array(state.buffer, state.byteOffset + LA_GPR_OFFSET, 33);
    this.fpr = new BigInt64Array(state.buffer, state.byteOffset + LA_FPR_OFFSET, 32);
    this.vhi = new BigInt64Array(state.buffer, state.byteOffset + LA_VHI_OFFSET, 32);
    const buffer = platform.bus.ram.buffer;
    this.i32 = new Int32Array(buffer, 0, Math.floor(buffer.byteLength / 4));
    this.i64 = new BigInt64Array(buffer, 0, Math.floor(buffer.byteLength / 8));
    this.cpucfg = cpucfgWords(platform.prid, platform.timerFrequency);
    this.ramHints = platform.ramHints;
    this.ramSpanStart = platform.ramSpanStart ?? 0;
    const memory = wasmMemoryOf(state.buffer);
    this.tier = memory && buffer === state.buffer && platform.translate !== false
      ? new LaTier(this, memory, state.byteOffset, LA_GPR_OFFSET, LA_TIER_OFFSET)
      : undefined;
    this.resetCsrs();
  }

  // --- CpuCore ---

  powerOn(entry: bigint, args: readonly bigint[], _level?: BootLevel): void {
    this.r.fill(0n);
    this.fpr.fill(0n);
    this.vhi.fill(0n);
    this.fcc = 0;
    this.fcsr = 0;
    this.resetCsrs();
    this.tlb.invalidate(() => true);
    this.clearDecodeCache();
    args.slice(0, 8).forEach((v, i) => (this.r[4 + i] = v));
    this.r[LA_PC_SLOT] = entry;
    this.idle = false;
    this.faulted = false;
    this.llbit = false;
    this.timerDeadline = Infinity;
    this.ownIs = 0;
    this.atHead = true;
    this.tier?.forgetTranslations();
  }

  private clearDecodeCache(): void {
    this.decodeVal.fill(undefined);
  }

  private resetCsrs(): void {
    this.csr.clear();
    for (const def of CSRS) this.csr.set(def.number, 0n);
    // Reset: PLV0, interrupts off, direct address mode (manual 7.4.1).
    this.csr.set(Csr.CRMD, 0x8n);
    this.syncTranslation();
    this.csr.set(Csr.CPUID, BigInt(this.cpuId));
    this.csr.set(Csr.ASID, 10n << 16n);
    // PRCFG1: SAVENum 8 (a 4-bit field), TimerBits-1 = 47, VSMax 7 (the 3A5000 reads 0x72f8). PRCFG2: page sizes 4K..1G. PRCFG3: TLBType 2
    // (STLB + MTLB), MTLBEntries-1 = 63, STLBWays-1 = 7, STLBSets log2 = 8.
    this.csr.set(Csr.PRCFG1, BigInt(SAVE_COUNT) | (BigInt(TIMER_BITS - 1) << 4n) | (7n << 12n));
    this.csr.set(Csr.PRCFG2, 0x7ffff000n);
    this.csr.set(Csr.PRCFG3, 2n | (63n << 4n) | (7n << 12n) | (8n << 20n));
    this.csr.set(Csr.STLBPS, 14n);
    this.csr.set(Csr.TID, BigInt(this.cpuId));
  }

  run(budget: number, stepping = false): CpuExit {
    this.exit = '';
    const header = this.header;
    if (Atomics.load(header, CpuWord.fences) !== 0) {
      Atomics.store(header, CpuWord.fences, 0);
      this.clearDecodeCache();
      this.tier?.forgetTranslations();
    }
    let done = 0;
    const start = this.retired;
    try {
      while (done < budget) {
        if (!stepping && Atomics.load(header, CpuWord.request) !== 0) {
          this.exit = 'request';
          break;
        }
        this.updateTimer();
        if (this.idle) {
          if (!this.hasWork()) {
            this.exit = 'wfi';
            break;
          }
          this.idle = false;
        }
        if (!stepping) this.checkInterrupts();
        const chunk = stepping ? 1 : Math.min(budget - done, 256);
        // Translated code only without single-stepping and breakpoints (the interpreter checks those).
        const translate = !stepping && this.tier !== undefined && this.breakpoints.length === 0;
        for (let i = 0; i < chunk; i++) {
          const pc = this.r[LA_PC_SLOT]!;
          if (this.breakpoints.length > 0 && this.resumeAt !== pc && this.breakpoints.includes(BigInt.asUintN(64, pc))) {
            this.exit = 'breakpoint';
            break;
          }
          this.resumeAt = undefined;
          const n = this.step(pc, translate ? budget - done : 0);
          done += n;
          if (this.exit || this.idle) break;
          // After translated code: the request word, the timer and interrupts, as between chunks.
          if (n !== 1 || this.ranTier) break;
        }
        if ((this.exit as string) === 'fault' || this.exit === 'breakpoint') break;
        if (this.idle) {
          this.exit = 'wfi';
          break;
        }
        if (stepping) break;
      }
    } catch (e) {
      if (!(e instanceof LaStop)) {
        this.stop('internal', `internal error: ${(e as Error).message}`);
      }
    }
    if (this.faulted) this.exit = 'fault';
    const ran = this.retired - start;
    if (ran > 0) {
      Atomics.store(header, CpuWord.retiredLo, this.retired | 0);
      Atomics.store(header, CpuWord.retiredHi, Math.floor(this.retired / 2 ** 32) | 0);
    }
    if (this.exit === 'breakpoint') this.resumeAt = this.r[LA_PC_SLOT];
    return this.exit || 'budget';
  }

  hasWork(): boolean {
    this.updateTimer();
    return (this.interruptStatus() & Number(this.csr.get(Csr.ECFG)! & 0x1fffn)) !== 0;
  }

  nextDeadline(): number {
    return this.timerDeadline;
  }

  flushTlb(): void {
    this.clearDecodeCache();
    this.tier?.forgetTranslations();
  }

  tierStats(): TierStats | undefined {
    return this.tier?.stats;
  }

  setBreakpoint(address: bigint | undefined): void {
    this.breakpoints = address === undefined ? [] : [BigInt.asUintN(64, address)];
  }

  setBreakpoints(addresses: readonly bigint[]): void {
    this.breakpoints = addresses.map((a) => BigInt.asUintN(64, a));
  }

  getPc(): bigint {
    return BigInt.asUintN(64, this.r[LA_PC_SLOT]!);
  }

  setPc(value: bigint): void {
    this.r[LA_PC_SLOT] = BigInt.asIntN(64, value);
  }

  getR(i: number): bigint {
    return BigInt.asUintN(64, this.r[i]!);
  }

  setR(i: number, value: bigint): void {
    if (i !== 0) this.r[i] = BigInt.asIntN(64, value);
  }

  get plv(): number {
    return Number(this.csr.get(Csr.CRMD)! & 3n);
  }

  atBreakpoint(): boolean {
    return this.breakpoints.includes(this.getPc());
  }

  // --- one instruction ---

  /** Set by step() when translated code ran (it may have retired any number of instructions). */
  private ranTier = false;

  /**
   * One instruction, or at a block head with `room` instructions of budget left (0: the interpreter
   * only), translated blocks (tier.ts). Returns the instructions retired.
   */
  private step(pc: bigint, room: number): number {
    this.ranTier = false;
    try {
      let slot: number;
      try {
        slot = this.tcSlot(pc, FETCH);
      } catch (e) {
        // A misaligned pc is ADEF before any translation fault.
        if ((pc & 3n) !== 0n) throw new LaTrap(Ecode.ADE, 0, BigInt.asUintN(64, pc));
        throw e;
      }
      if ((this.tcOff & 3) !== 0) throw new LaTrap(Ecode.ADE, 0, BigInt.asUintN(64, pc));
      const ram = this.tcRam[slot]!;
      if (this.atHead) {
        this.atHead = false;
        if (room > 0 && ram >= 0) {
          const mode = this.daMode ? 0 : 1 + this.curPlv;
          const lo = Number(BigInt.asIntN(32, pc));
          const hi = Number(BigInt.asIntN(32, pc >> 32n));
          const n = this.tier!.run(ram, this.tcOff >> 2, lo, hi, mode, this.tcFromTlb[slot] === 1, this.tlb.generation, room);
          if (n > 0) {
            this.retired += n;
            this.atHead = true;
            this.ranTier = true;
            return n;
          }
        }
      }
      const pa = this.tcPa[slot]! + this.tcOff;
      let word: number;
      try {
        word = ram >= 0 ? this.i32[(ram + this.tcOff) / 4]! >>> 0 : this.platform.bus.read(pa, 4) >>> 0;
      } catch (e) {
        if (e instanceof BusError) this.stop('access', `instruction fetch from 0x${pa.toString(16)}: nothing answers there`, BigInt.asUintN(64, pc));
        throw e;
      }
      this.word = word;
      const d = this.decodeWord(word);
      if (d === null) {
        this.stop('undefined-instruction', 'unimplemented instruction');
      }
      this.branched = false;
      execute(this, d, pc);
      this.r[0] = 0n;
      if (this.branched) {
        this.r[LA_PC_SLOT] = this.jumpTarget;
        this.atHead = true;
      } else {
        this.r[LA_PC_SLOT] = BigInt.asIntN(64, pc + 4n);
        // After an instruction translated code leaves to the interpreter, the next one may start a block.
        if (ENDS_BLOCK[d.op] === 1) this.atHead = true;
      }
      this.retired++;
      this.trapDepth = 0;
    } catch (e) {
      if (e instanceof LaTrap) {
        this.retired++;
        this.raise(e, pc);
        return 1;
      }
      throw e;
    }
    return 1;
  }

  /** The decoded word from the decode cache (null: no row). */
  private decodeWord(word: number): Decoded | null {
    const h = (Math.imul(word, 0x9e3779b1) >>> 16);
    let d = this.decodeVal[h];
    if (d === undefined || this.decodeTag[h] !== (word | 0)) {
      d = decode(word) ?? null;
      this.decodeTag[h] = word | 0;
      this.decodeVal[h] = d;
    }
    return d;
  }

  // --- for the translation tier (tier.ts) ---

  /**
   * Runs one instruction through its interpreter handler for translated code (the pc slot holds its pc).
   * True when translated code must stop after it: a CSR write changed the translation mode (CRMD's PLV,
   * DA, PG), the mapping (ASID, STLBPS, a DMW) or enabled interrupts (CRMD.IE set).
   */
  tierExecute(word: number): boolean {
    this.word = word;
    const d = this.decodeWord(word)!;
    const crmd = this.csr.get(Csr.CRMD)!;
    const mapped = this.mappedChanges;
    execute(this, d, this.r[LA_PC_SLOT]!);
    this.r[0] = 0n;
    this.branched = false;
    const now = this.csr.get(Csr.CRMD)!;
    return mapped !== this.mappedChanges || ((crmd ^ now) & 0x1bn) !== 0n || (now & ~crmd & 4n) !== 0n;
  }

  /** A guest exception inside translated code (the pc slot holds the instruction's pc): taken there. False: not a trap. */
  tierTrap(e: unknown, word: number): boolean {
    if (!(e instanceof LaTrap)) return false;
    this.word = word;
    this.raise(e, this.r[LA_PC_SLOT]!);
    return true;
  }

  /** The RAM buffer offset of the page the last access to `va` used (LOAD 0, STORE 1), or -1; sets tierFromTlb. */
  tierDataPage(va: bigint, write: number): number {
    const slot = this.tcSlot(va, write ? STORE : LOAD);
    this.tierFromTlb = this.tcFromTlb[slot] === 1;
    return this.tcRam[slot]!;
  }

  /** Stops the CPU with a report (pc, encoding, disassembly) and unwinds the instruction. */
  stop(kind: 'undefined-instruction' | 'unimplemented-register' | 'access' | 'internal' | 'trap-loop', message: string, address?: bigint, isWrite?: boolean): never {
    const pc = this.getPc();
    this.faulted = true;
    this.exit = 'fault';
    this.platform.fault({
      cpu: this.cpuId, pc, kind, message,
      encoding: this.word,
      disassembly: disassemble(this.word, pc) ?? 'unallocated',
      ...(address !== undefined ? { address } : {}),
      ...(isWrite !== undefined ? { isWrite } : {}),
    });
    throw new LaStop();
  }

  // --- exceptions and interrupts ---

  /** ESTAT.IS as software reads it: the CPU's own bits and the lines from the header. */
  interruptStatus(): number {
    return (this.ownIs | (Atomics.load(this.header, CpuWord.pending) & 0x17fc)) & 0x1fff;
  }

  private checkInterrupts(): void {
    const crmd = this.csr.get(Csr.CRMD)!;
    if ((crmd & 4n) === 0n) return;
    const pending = this.interruptStatus() & Number(this.csr.get(Csr.ECFG)! & 0x1fffn);
    if (pending === 0) return;
    // The highest-numbered pending interrupt selects the vector (IPI > TI > PMI > HWI7 ... > SWI0).
    const number = 31 - Math.clz32(pending);
    this.enterException(Ecode.INT, 0, undefined, this.r[LA_PC_SLOT]!, 64 + number, false);
  }

  private raise(trap: LaTrap, pc: bigint): void {
    if (++this.trapDepth > 64) this.stop('trap-loop', `exception ${trap.ecode} repeats at the same instruction (no handler?)`);
    if (trap.ecode === Ecode.TLBR) {
      this.enterRefill(trap.badv ?? 0n, pc);
      return;
    }
    this.enterException(trap.ecode, trap.subcode, trap.badv, pc, trap.ecode, true);
  }

  private enterException(ecode: number, subcode: number, badv: bigint | undefined, era: bigint, vector: number, synchronous: boolean): void {
    const crmd = this.csr.get(Csr.CRMD)!;
    // PPLV, PIE (and PWE) from CRMD; PLV0 with interrupts off.
    this.csr.set(Csr.PRMD, (crmd & 0x7n) | ((crmd >> 6n) & 0x8n));
    this.setCrmd(crmd & ~0x207n);
    const estat = this.csr.get(Csr.ESTAT)! & 0x1fffn;
    this.csr.set(Csr.ESTAT, estat | (BigInt(ecode) << 16n) | (BigInt(subcode) << 22n));
    this.csr.set(Csr.ERA, era);
    if (synchronous) this.csr.set(Csr.BADI, BigInt(this.word >>> 0));
    if (badv !== undefined) {
      this.csr.set(Csr.BADV, badv);
      if (ecode >= Ecode.PIL && ecode <= Ecode.PPI) {
        this.csr.set(Csr.TLBEHI, badv & ((1n << BigInt(VALEN)) - 1n) & ~0x1fffn);
      }
    }
    const vs = Number((this.csr.get(Csr.ECFG)! >> 16n) & 7n);
    const offset = vs === 0 ? 0n : BigInt(vector) << BigInt(vs + 2);
    this.r[LA_PC_SLOT] = BigInt.asIntN(64, this.csr.get(Csr.EENTRY)! + offset);
    this.idle = false;
    this.atHead = true;
  }

  private enterRefill(badv: bigint, pc: bigint): void {
    const crmd = this.csr.get(Csr.CRMD)!;
    this.csr.set(Csr.TLBRPRMD, crmd & 0x7n);
    // PLV0, interrupts off, direct address mode.
    this.setCrmd((crmd & ~0x1fn) | 0x8n);
    this.csr.set(Csr.TLBRERA, (BigInt.asUintN(64, pc) & ~3n) | 1n);
    this.csr.set(Csr.TLBRBADV, badv);
    const ps = this.csr.get(Csr.TLBREHI)! & 0x3fn;
    this.csr.set(Csr.TLBREHI, (badv & ((1n << BigInt(VALEN)) - 1n) & ~0x1fffn) | ps);
    this.csr.set(Csr.BADI, BigInt(this.word >>> 0));
    this.r[LA_PC_SLOT] = BigInt.asIntN(64, this.csr.get(Csr.TLBRENTRY)!);
    this.atHead = true;
  }

  /** ERTN: back from the refill handler (TLBRERA.IsTLBR) or from an ordinary exception. */
  ertn(): void {
    const crmd = this.csr.get(Csr.CRMD)!;
    const tlbrera = this.csr.get(Csr.TLBRERA)!;
    if (tlbrera & 1n) {
      const prmd = this.csr.get(Csr.TLBRPRMD)!;
      // Back to mapped mode: DA = 0, PG = 1.
      this.setCrmd((crmd & ~0x1fn) | (prmd & 0x7n) | 0x10n);
      this.csr.set(Csr.TLBRERA, tlbrera & ~1n);
      this.nextPc = BigInt.asIntN(64, tlbrera & ~3n);
    } else {
      const prmd = this.csr.get(Csr.PRMD)!;
      this.setCrmd((crmd & ~0x207n) | (prmd & 0x7n) | ((prmd & 0x8n) << 6n));
      this.nextPc = this.csr.get(Csr.ERA)!;
    }
    const llbctl = this.csr.get(Csr.LLBCTL)!;
    if (llbctl & 4n) this.csr.set(Csr.LLBCTL, llbctl & ~4n);
    else this.llbit = false;
  }

  // --- timer ---

  updateTimer(): void {
    if (this.timerDeadline === Infinity) return;
    const now = this.platform.clock.now();
    if (now < this.timerDeadline) return;
    this.ownIs |= 1 << IntBit.TI;
    if (this.timerPeriod > 0) {
      const periods = Math.floor((now - this.timerDeadline) / this.timerPeriod) + 1;
      this.timerDeadline += periods * this.timerPeriod;
    } else {
      this.timerDeadline = Infinity;
    }
  }

  private writeTcfg(value: bigint): void {
    const init = Number(value & ~3n & ((1n << BigInt(TIMER_BITS)) - 1n));
    if ((value & 1n) === 0n) {
      this.timerDeadline = Infinity;
      this.timerPeriod = 0;
      return;
    }
    this.timerDeadline = this.platform.clock.now() + init;
    this.timerPeriod = value & 2n ? Math.max(init, 4) : 0;
  }

  private readTval(): bigint {
    if (this.timerDeadline === Infinity) return 0n;
    return BigInt(Math.max(0, Math.floor(this.timerDeadline - this.platform.clock.now())));
  }

  /** The stable counter plus CNTC. */
  counter(): bigint {
    return BigInt.asUintN(64, BigInt(Math.floor(this.platform.clock.now())) + this.csr.get(Csr.CNTC)!);
  }

  // --- CSRs ---

  csrRead(number: number): bigint {
    const def = CSR_BY_NUMBER.get(number);
    if (!def) this.stop('unimplemented-register', `unimplemented CSR 0x${number.toString(16)}`);
    switch (number) {
      case Csr.ESTAT:
        return (this.csr.get(Csr.ESTAT)! & ~0x1fffn) | BigInt(this.interruptStatus());
      case Csr.TVAL:
        this.updateTimer();
        return this.readTval();
      case Csr.PGD: {
        const badv = this.csr.get(Csr.TLBRERA)! & 1n ? this.csr.get(Csr.TLBRBADV)! : this.csr.get(Csr.BADV)!;
        return (badv >> BigInt(VALEN - 1)) & 1n ? this.csr.get(Csr.PGDH)! : this.csr.get(Csr.PGDL)!;
      }
      case Csr.LLBCTL:
        return (this.csr.get(Csr.LLBCTL)! & ~1n) | (this.llbit ? 1n : 0n);
      default:
        return this.csr.get(number)!;
    }
  }

  /** Writes the writable bits of a CSR (CSRWR/CSRXCHG with `mask` of the bits to change). */
  csrWrite(number: number, value: bigint, mask = M64): void {
    const def = CSR_BY_NUMBER.get(number);
    if (!def) this.stop('unimplemented-register', `unimplemented CSR 0x${number.toString(16)}`);
    const m = mask & def!.writable;
    const old = this.csr.get(number)!;
    const next = (old & ~m) | (BigInt.asUintN(64, value) & m);
    switch (number) {
      case Csr.CRMD:
        this.setCrmd(next);
        return;
      case Csr.ASID:
      case Csr.STLBPS:
      case Csr.DMW0:
      case Csr.DMW0 + 1:
      case Csr.DMW0 + 2:
      case Csr.DMW0 + 3:
        this.csr.set(number, next);
        if (next !== old) this.mappedChanged();
        return;
      case Csr.ESTAT:
        // Only SWI0-1 are writable.
        this.ownIs = (this.ownIs & ~3) | Number(next & 3n);
        this.csr.set(number, next & ~0x1fffn);
        return;
      case Csr.TCFG:
        this.csr.set(number, next);
        this.writeTcfg(next);
        return;
      case Csr.TICLR:
        if (next & 1n) this.ownIs &= ~(1 << IntBit.TI);
        return;
      case Csr.LLBCTL:
        if (next & 2n) this.llbit = false;
        this.csr.set(number, next & 4n);
        return;
      default:
        this.csr.set(number, next);
    }
  }

  // --- address translation ---

  /** Virtual to physical for an access of the current PLV, or throws the TLB exception. */
  translate(va: bigint, access: Access): number {
    const slot = this.tcSlot(va, access);
    return this.tcPa[slot]! + this.tcOff;
  }

  /** The translation cache's slot holding `va`'s page for `access` (filled by translateSlow when missing). */
  private tcSlot(va: bigint, access: Access): number {
    const fresh = this.tcGen === this.xlateGen && this.tcTlbGen === this.tlb.generation;
    const last = this.lastSlot[access]!;
    if (fresh && last >= 0) {
      // va - lo modulo 2^64: in [0, 4096) exactly when va is in the last page (either representation).
      this.scratch64[0] = va - this.lastLo[access]!;
      const off = this.scratch32[0]!;
      if (this.scratch32[1] === 0 && (off & ~0xfff) === 0) {
        this.tcOff = off;
        return last;
      }
    }
    const uva = BigInt.asUintN(64, va);
    const page = Number(uva >> 12n);
    this.tcOff = Number(uva & 0xfffn);
    if (!fresh) {
      if (this.tcTlbGen !== this.tlb.generation) {
        // Drop what TLB entries filled; DMW and direct-address pages do not depend on the TLB.
        for (let i = 0; i < this.tcTlbCount; i++) {
          const s = this.tcTlbSlots[i]!;
          this.tcTag[s] = -1;
          this.tcFromTlb[s] = 0;
        }
        this.tcTlbCount = 0;
        this.tcTlbGen = this.tlb.generation;
      }
      this.lastSlot.fill(-1);
      this.tcGen = this.xlateGen;
    }
    let bank = 0;
    if (!this.daMode) {
      bank = 1;
      if (this.curPlv !== 0) {
        bank = 2;
        if (this.tcUserPlv !== this.curPlv) {
          this.emptyBank(2);
          this.tcUserPlv = this.curPlv;
        }
      }
    }
    const slot = ((bank * 3 + access) << 10) | (page & 1023);
    if (this.tcTag[slot] !== page) {
      const pa = this.translateSlow(uva, access) - this.tcOff;
      const ram = this.platform.bus.bankAt(pa, 0x1000);
      this.tcTag[slot] = page;
      this.tcPa[slot] = pa;
      this.tcRam[slot] = ram ? ram.bufferOffset + (pa - ram.base) : -1;
      // A store's page the slot did not hold: news for the prefaulter (a page written before is cheap to note again).
      if (access === STORE && ram && this.ramHints !== undefined) this.ramHints.note(this.tcRam[slot]! - this.ramSpanStart);
      if (this.slowFromTlb && this.tcFromTlb[slot] === 0) {
        this.tcFromTlb[slot] = 1;
        this.tcTlbSlots[this.tcTlbCount++] = slot;
      }
    }
    this.lastLo[access] = uva - BigInt(this.tcOff);
    this.lastSlot[access] = slot;
    return slot;
  }

  /** Empties one bank of the translation cache (its TLB-filled marks go with it). */
  private emptyBank(bank: number): void {
    const from = bank * 3 * 1024;
    const to = from + 3 * 1024;
    this.tcTag.fill(-1, from, to);
    let n = 0;
    for (let i = 0; i < this.tcTlbCount; i++) {
      const s = this.tcTlbSlots[i]!;
      if (s >= from && s < to) this.tcFromTlb[s] = 0;
      else this.tcTlbSlots[n++] = s;
    }
    this.tcTlbCount = n;
    this.xlateGen++;
  }

  /** ASID, STLBPS or a DMW changed: the mapped banks are stale. */
  private mappedChanged(): void {
    this.mappedChanges++;
    this.emptyBank(1);
    this.emptyBank(2);
    this.tcUserPlv = -1;
    this.tier?.forgetTranslations();
  }

  /** Writes CRMD; a change of DA, PG or PLV switches the translation cache's bank. */
  private setCrmd(value: bigint): void {
    const old = this.csr.get(Csr.CRMD)!;
    this.csr.set(Csr.CRMD, value);
    if (((old ^ value) & 0x1fn) !== 0n) {
      this.daMode = (value & 0x18n) !== 0x10n;
      this.curPlv = Number(value & 3n);
      this.xlateGen++;
    }
  }

  /** Recomputes the translation state from the CSRs and empties the cache (reset, snapshot restore). */
  private syncTranslation(): void {
    const crmd = this.csr.get(Csr.CRMD)!;
    this.daMode = (crmd & 0x18n) !== 0x10n;
    this.curPlv = Number(crmd & 3n);
    this.tcTag.fill(-1);
    this.tcFromTlb.fill(0);
    this.tcTlbCount = 0;
    this.tcUserPlv = -1;
    this.xlateGen++;
    this.tier?.forgetTranslations();
  }

  private translateSlow(uva: bigint, access: Access): number {
    this.slowFromTlb = false;
    const crmd = this.csr.get(Csr.CRMD)!;
    if ((crmd & 0x18n) !== 0x10n) return Number(uva & PA_MASK);
    const plv = Number(crmd & 3n);
    const seg = uva >> 60n;
    for (let i = 0; i < 4; i++) {
      const dmw = this.csr.get(Csr.DMW0 + i)!;
      if ((dmw >> BigInt(plv)) & 1n && dmw >> 60n === seg) return Number(uva & PA_MASK);
    }
    // Outside the windows the address must be canonical (bits 63..VALEN-1 equal).
    const top = uva >> BigInt(VALEN - 1);
    if (top !== 0n && top !== (1n << BigInt(65 - VALEN)) - 1n) {
      throw new LaTrap(Ecode.ADE, access === FETCH ? 0 : 1, uva);
    }
    const asid = Number(this.csr.get(Csr.ASID)! & 0x3ffn);
    const index = this.tlb.find(uva, asid, Number(this.csr.get(Csr.STLBPS)! & 0x3fn));
    if (index < 0) throw new LaTrap(Ecode.TLBR, 0, uva);
    const e = this.tlb.entries[index]!;
    this.slowFromTlb = true;
    const lo = (uva >> BigInt(e.ps)) & 1n ? e.lo1 : e.lo0;
    if ((lo & 1n) === 0n) throw new LaTrap(access === LOAD ? Ecode.PIL : access === STORE ? Ecode.PIS : Ecode.PIF, 0, uva);
    const pagePlv = Number((lo >> 2n) & 3n);
    const rplv = (lo >> 63n) & 1n;
    if (rplv ? plv !== pagePlv : plv > pagePlv) throw new LaTrap(Ecode.PPI, 0, uva);
    if (access === LOAD && (lo >> 61n) & 1n) throw new LaTrap(Ecode.PNR, 0, uva);
    if (access === FETCH && (lo >> 62n) & 1n) throw new LaTrap(Ecode.PNX, 0, uva);
    if (access === STORE && (lo & 2n) === 0n) throw new LaTrap(Ecode.PME, 0, uva);
    const pageMask = (1n << BigInt(e.ps)) - 1n;
    const ppn = lo & PA_MASK & ~0xfffn;
    return Number(((ppn & ~pageMask) | (uva & pageMask)) & PA_MASK);
  }

  /** translate() for the inspector: the same walk of the DMWs and the TLB, throwing instead of faulting. */
  translatePeek(va: bigint): number {
    return this.translate(va, FETCH);
  }

  // --- memory ---

  load(va: bigint, size: 1 | 2 | 4 | 8, signed: boolean): bigint {
    // RAM, aligned words and doublewords: straight from the shared buffer.
    if (size >= 4) {
      const slot = this.tcSlot(va, LOAD);
      const ram = this.tcRam[slot]!;
      if (ram >= 0 && (this.tcOff & (size - 1)) === 0) {
        const byte = ram + this.tcOff;
        if (size === 8) {
          const v = this.i64[byte / 8]!;
          return signed ? v : BigInt.asUintN(64, v);
        }
        const w = this.i32[byte / 4]!;
        return BigInt(signed ? w : w >>> 0);
      }
    }
    if (size > 1 && Number(BigInt.asUintN(12, va)) + size > 0x1000) return this.loadSplit(va, size, signed);
    const pa = this.translateAccess(va, size, LOAD);
    let v: bigint;
    try {
      const lo = this.platform.bus.read(pa, size) >>> 0;
      v = size === 8 ? (BigInt(this.platform.bus.high >>> 0) << 32n) | BigInt(lo) : BigInt(lo);
    } catch (e) {
      if (e instanceof BusError) this.stop('access', `load of ${size} bytes at physical 0x${pa.toString(16)}: nothing answers there`, BigInt.asUintN(64, va), false);
      throw e;
    }
    return signed ? BigInt.asIntN(size * 8, v) : v;
  }

  store(va: bigint, size: 1 | 2 | 4 | 8, value: bigint): void {
    if (size >= 4) {
      const slot = this.tcSlot(va, STORE);
      const ram = this.tcRam[slot]!;
      if (ram >= 0 && (this.tcOff & (size - 1)) === 0) {
        const byte = ram + this.tcOff;
        if (size === 8) this.i64[byte / 8] = BigInt.asIntN(64, value);
        else this.i32[byte / 4] = Number(BigInt.asIntN(32, value));
        if (this.llbit) {
          const pa = this.tcPa[slot]! + this.tcOff;
          if (pa >= this.llAddr - 7 && pa < this.llAddr + 8) this.llbit = false;
        }
        return;
      }
    }
    if (size > 1 && Number(BigInt.asUintN(12, va)) + size > 0x1000) return this.storeSplit(va, size, value);
    const pa = this.translateAccess(va, size, STORE);
    const v = BigInt.asUintN(64, value);
    try {
      this.platform.bus.write(pa, size, Number(v & 0xffffffffn), Number(v >> 32n));
    } catch (e) {
      if (e instanceof BusError) this.stop('access', `store of ${size} bytes at physical 0x${pa.toString(16)}: nothing answers there`, BigInt.asUintN(64, va), true);
      throw e;
    }
    if (this.llbit && pa >= this.llAddr - 7 && pa < this.llAddr + 8) this.llbit = false;
  }

  /**
   * An unaligned access across a 4 KiB page boundary (UAL), byte by byte: both pages are translated first
   * (a fault on either is taken before anything is written), so the two pages need not be physically
   * contiguous (a user stack across a page boundary, seen in busybox's ash).
   */
  private loadSplit(va: bigint, size: 1 | 2 | 4 | 8, signed: boolean): bigint {
    this.translate(va, LOAD);
    this.translate(va + BigInt(size - 1), LOAD);
    let v = 0n;
    for (let i = size - 1; i >= 0; i--) v = (v << 8n) | this.load(va + BigInt(i), 1, false);
    return signed ? BigInt.asIntN(size * 8, v) : v;
  }

  private storeSplit(va: bigint, size: 1 | 2 | 4 | 8, value: bigint): void {
    this.translate(va, STORE);
    this.translate(va + BigInt(size - 1), STORE);
    for (let i = 0; i < size; i++) this.store(va + BigInt(i), 1, value >> BigInt(8 * i));
  }

  /** Translation of an access that may cross a page (UAL): both pages must translate; it must stay physically contiguous. */
  private translateAccess(va: bigint, size: number, access: Access): number {
    const pa = this.translate(va, access);
    if (size > 1 && this.tcOff + size > 0x1000) {
      const paEnd = this.translate(va + BigInt(size - 1), access);
      if (paEnd !== pa + size - 1) this.stop('access', `an unaligned access across pages that are not physically contiguous (0x${pa.toString(16)}, 0x${paEnd.toString(16)})`, BigInt.asUintN(64, va));
    }
    return pa;
  }

  /** Physical address of an aligned atomic access (ALE when misaligned), and its RAM word index. */
  atomicTarget(va: bigint, size: 4 | 8, access: Access): { pa: number; index: number } {
    if ((va & BigInt(size - 1)) !== 0n) throw new LaTrap(Ecode.ALE, 0, BigInt.asUintN(64, va));
    const pa = this.translate(va, access);
    const bank = this.platform.bus.bankAt(pa, size);
    if (!bank) this.stop('access', `atomic access at physical 0x${pa.toString(16)}: not RAM`, BigInt.asUintN(64, va));
    const byte = bank!.bufferOffset + (pa - bank!.base);
    return { pa, index: byte / size };
  }

  atomicLoad(index: number, size: 4 | 8): bigint {
    return size === 4 ? BigInt(Atomics.load(this.i32, index)) : Atomics.load(this.i64, index);
  }

  /** Compare-and-swap on RAM; true when memory held `expected` (sign-extended for words). */
  atomicCas(index: number, size: 4 | 8, expected: bigint, value: bigint): boolean {
    if (size === 4) {
      const e = Number(BigInt.asIntN(32, expected));
      return Atomics.compareExchange(this.i32, index, e, Number(BigInt.asIntN(32, value))) === e;
    }
    const e = BigInt.asIntN(64, expected);
    return Atomics.compareExchange(this.i64, index, e, BigInt.asIntN(64, value)) === e;
  }

  // --- TLB instructions ---

  /** In the refill handler (TLBRERA.IsTLBR) the TLB instructions use the TLBR* copies. */
  private inRefill(): boolean {
    return (this.csr.get(Csr.TLBRERA)! & 1n) !== 0n;
  }

  private entryFromCsrs(): TlbEntry {
    const refill = this.inRefill();
    const ehi = this.csr.get(refill ? Csr.TLBREHI : Csr.TLBEHI)!;
    const lo0 = this.csr.get(refill ? Csr.TLBRELO0 : Csr.TLBELO0)!;
    const lo1 = this.csr.get(refill ? Csr.TLBRELO1 : Csr.TLBELO1)!;
    const ps = refill ? Number(ehi & 0x3fn) : Number((this.csr.get(Csr.TLBIDX)! >> 24n) & 0x3fn);
    return {
      e: true, vpn: ehi & ((1n << BigInt(VALEN)) - 1n) & ~0x1fffn, ps,
      g: ((lo0 & lo1) >> 6n & 1n) === 1n,
      asid: Number(this.csr.get(Csr.ASID)! & 0x3ffn),
      lo0, lo1,
    };
  }

  tlbInstruction(m: string): void {
    const idx = this.csr.get(Csr.TLBIDX)!;
    const index = Number(idx & 0xfffn);
    const stlbPs = Number(this.csr.get(Csr.STLBPS)! & 0x3fn);
    switch (m) {
      case 'tlbsrch': {
        const ehi = this.csr.get(this.inRefill() ? Csr.TLBREHI : Csr.TLBEHI)!;
        const found = this.tlb.find(ehi & ~0x1fffn, Number(this.csr.get(Csr.ASID)! & 0x3ffn), stlbPs);
        this.csr.set(Csr.TLBIDX, found < 0 ? idx | (1n << 31n) : (idx & ~(0xfffn | (1n << 31n))) | BigInt(found));
        return;
      }
      case 'tlbrd': {
        // TLBRD writes ASID: the mapped translations change with it.
        this.mappedChanged();
        const e = index < TLB_ENTRIES ? this.tlb.entries[index]! : undefined;
        if (!e || !e.e) {
          this.csr.set(Csr.TLBIDX, (idx & 0xfffn) | (1n << 31n));
          this.csr.set(Csr.TLBEHI, 0n);
          this.csr.set(Csr.TLBELO0, 0n);
          this.csr.set(Csr.TLBELO1, 0n);
          this.csr.set(Csr.ASID, this.csr.get(Csr.ASID)! & ~0x3ffn);
          return;
        }
        this.csr.set(Csr.TLBIDX, (idx & 0xfffn) | (BigInt(e.ps) << 24n));
        this.csr.set(Csr.TLBEHI, e.vpn);
        const g = e.g ? 0x40n : 0n;
        this.csr.set(Csr.TLBELO0, (e.lo0 & ~0x40n) | g);
        this.csr.set(Csr.TLBELO1, (e.lo1 & ~0x40n) | g);
        this.csr.set(Csr.ASID, (this.csr.get(Csr.ASID)! & ~0x3ffn) | BigInt(e.asid));
        return;
      }
      case 'tlbwr': {
        if (index >= TLB_ENTRIES) return;
        if (idx & (1n << 31n) && !this.inRefill()) {
          this.tlb.invalidate(() => true, [index]);
          return;
        }
        this.tlb.write(index, this.entryFromCsrs());
        return;
      }
      case 'tlbfill': {
        const entry = this.entryFromCsrs();
        this.tlb.write(this.tlb.fillIndex(entry.vpn, entry.ps, stlbPs), entry);
        return;
      }
      case 'tlbclr': {
        const asid = Number(this.csr.get(Csr.ASID)! & 0x3ffn);
        this.tlb.invalidate((e) => !e.g && e.asid === asid, LaTlb.groupOf(index));
        return;
      }
      case 'tlbflush':
        this.tlb.invalidate(() => true, LaTlb.groupOf(index));
        return;
    }
  }

  invtlb(op: number, asid: number, va: bigint): void {
    const vaMatch = (e: TlbEntry) => LaTlb.matches({ ...e, g: true }, va, 0);
    const a = asid & 0x3ff;
    switch (op) {
      case 0:
      case 1: this.tlb.invalidate(() => true); return;
      case 2: this.tlb.invalidate((e) => e.g); return;
      case 3: this.tlb.invalidate((e) => !e.g); return;
      case 4: this.tlb.invalidate((e) => !e.g && e.asid === a); return;
      case 5: this.tlb.invalidate((e) => !e.g && e.asid === a && vaMatch(e)); return;
      case 6: this.tlb.invalidate((e) => (e.g || e.asid === a) && vaMatch(e)); return;
      default: throw new LaTrap(Ecode.INE);
    }
  }

  /** LDDIR rd, rj, level: the next-level directory entry for the faulting address (manual 4.2.5.1). */
  lddir(base: bigint, level: number): bigint {
    // A huge-page entry (bit 6) is passed on with its level in bits 14..13.
    if ((base >> 6n) & 1n) return (base & ~(3n << 13n)) | (BigInt(level & 3) << 13n);
    const [shift, width] = this.dirGeometry(level);
    const badv = this.csr.get(Csr.TLBRBADV)!;
    const index = (badv >> BigInt(shift)) & ((1n << BigInt(width)) - 1n);
    const pa = Number((BigInt.asUintN(64, base) & PA_MASK & ~0xfffn) + index * 8n);
    return this.physicalLoad64(pa);
  }

  /** LDPTE rj, seq: loads the even (seq 0) or odd (seq 1) PTE into TLBRELO0/1 (manual 4.2.5.2). */
  ldpte(base: bigint, seq: number): void {
    const pwcl = this.csr.get(Csr.PWCL)!;
    const ptBase = Number(pwcl & 0x1fn);
    const ptWidth = Number((pwcl >> 5n) & 0x1fn);
    let lo: bigint;
    let ps: number;
    if ((base >> 6n) & 1n) {
      // A huge page at directory level L covers 2^(Dir_L base) bytes: split into two halves. LDDIR
      // writes L into bits 14..13 when it passes a huge entry on; a huge entry LDDIR loaded from the
      // last directory level (Linux's huge PMD, reached by `lddir 1` then `ldpte`) has 0 there and is
      // a level-1 page, 2^(PTbase + PTwidth) bytes (QEMU's helper_ldpte does the same).
      const level = Number((base >> 13n) & 3n) || 1;
      const [dirShift] = this.dirGeometry(level);
      ps = dirShift - 1;
      const g = (base >> 12n) & 1n;
      lo = (base & ~((1n << 6n) | (1n << 12n) | (3n << 13n))) | (g << 6n);
      if (seq === 1) lo += 1n << BigInt(ps);
    } else {
      const badv = this.csr.get(Csr.TLBRBADV)!;
      const index = ((badv >> BigInt(ptBase)) & ((1n << BigInt(ptWidth)) - 1n)) & ~1n;
      const pa = Number((BigInt.asUintN(64, base) & PA_MASK & ~0xfffn) + (index + BigInt(seq & 1)) * 8n);
      lo = this.physicalLoad64(pa);
      ps = ptBase;
    }
    this.csr.set(seq & 1 ? Csr.TLBRELO1 : Csr.TLBRELO0, BigInt.asUintN(64, lo) & CSR_BY_NUMBER.get(Csr.TLBRELO0)!.writable);
    this.csr.set(Csr.TLBREHI, (this.csr.get(Csr.TLBREHI)! & ~0x3fn) | BigInt(ps));
  }

  private dirGeometry(level: number): [number, number] {
    const pwcl = this.csr.get(Csr.PWCL)!;
    const pwch = this.csr.get(Csr.PWCH)!;
    switch (level) {
      case 1: return [Number((pwcl >> 10n) & 0x1fn), Number((pwcl >> 15n) & 0x1fn)];
      case 2: return [Number((pwcl >> 20n) & 0x1fn), Number((pwcl >> 25n) & 0x1fn)];
      case 3: return [Number(pwch & 0x3fn), Number((pwch >> 6n) & 0x3fn)];
      case 4: return [Number((pwch >> 12n) & 0x3fn), Number((pwch >> 18n) & 0x3fn)];
      default: throw new LaTrap(Ecode.INE);
    }
  }

  private physicalLoad64(pa: number): bigint {
    try {
      const lo = this.platform.bus.read(pa, 8) >>> 0;
      return (BigInt(this.platform.bus.high >>> 0) << 32n) | BigInt(lo);
    } catch (e) {
      if (e instanceof BusError) this.stop('access', `page-table read at physical 0x${pa.toString(16)}: nothing answers there`, BigInt(pa));
      throw e;
    }
  }

  // --- snapshots (la-state.ts) ---

  saveState(): Uint8Array {
    return saveLaState(this);
  }

  restoreState(state: Uint8Array): void {
    restoreLaState(this, state);
    const bank = this.platform.bus.bankAt(this.llAddr, 8);
    this.llHost = bank ? bank.bufferOffset + (this.llAddr - bank.base) : -1;
    this.tlb.generation++;
    this.syncTranslation();
    this.clearDecodeCache();
    this.exit = '';
  }

  // --- inspector ---

  inspect(): RegisterGroup[] {
    const general = [
      { name: 'pc', value: hex64(this.getPc()) },
      ...GPR_NAMES.map((name, i) => ({ name: i === 21 ? 'r21' : name, value: hex64(this.getR(i)) })),
    ];
    const csrs = CSRS.map((def) => {
      const value = def.number === Csr.ESTAT || def.number === Csr.TVAL || def.number === Csr.LLBCTL ? this.peekCsr(def.number) : this.csr.get(def.number)!;
      return { name: def.name, value: hex64(value), ...(def.fields ? { fields: decodeFields(value, def.fields) } : {}) };
    });
    const plv = this.plv;
    const crmd = this.csr.get(Csr.CRMD)!;
    return [
      { name: 'General', registers: general },
      {
        name: 'Privilege',
        registers: [
          { name: 'PLV', value: `PLV${plv}` },
          { name: 'mode', value: (crmd & 8n) !== 0n ? 'direct address' : 'mapped' },
          { name: 'counter', value: hex64(this.counter()) },
        ],
      },
      { name: 'CSRs', registers: csrs },
      {
        name: 'Float',
        registers: [
          ...Array.from({ length: 32 }, (_, i) => ({ name: `f${i}`, value: hex64(BigInt.asUintN(64, this.fpr[i]!)) })),
          { name: 'fcc', value: `0x${this.fcc.toString(16)}` },
          { name: 'fcsr0', value: `0x${this.fcsr.toString(16).padStart(8, '0')}` },
        ],
      },
      {
        name: 'LSX',
        registers: Array.from({ length: 32 }, (_, i) => ({
          name: `vr${i}`,
          value: `0x${BigInt.asUintN(64, this.vhi[i]!).toString(16).padStart(16, '0')}${BigInt.asUintN(64, this.fpr[i]!).toString(16).padStart(16, '0')}`,
        })),
      },
    ];
  }

  private peekCsr(number: number): bigint {
    switch (number) {
      case Csr.ESTAT: return (this.csr.get(Csr.ESTAT)! & ~0x1fffn) | BigInt(this.interruptStatus());
      case Csr.TVAL: return this.readTval();
      case Csr.LLBCTL: return (this.csr.get(Csr.LLBCTL)! & ~1n) | (this.llbit ? 1n : 0n);
      default: return this.csr.get(number)!;
    }
  }
}
