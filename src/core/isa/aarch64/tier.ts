/**
 * The A64 translation tier: hot straight-line runs of instructions (a block ends at a branch, at the
 * end of the page, after 48 instructions, or before an instruction it leaves to the interpreter) become
 * WebAssembly functions over the machine's shared memory. Registers stay in the CPU's state region
 * (constant addresses), NZCV is a local, loads and stores check the CPU's TLB inline (the TLBs live in
 * the state region) and call the interpreter's load/store code on a miss, which also raises the guest's
 * faults with the pc of the instruction. Each block entered in a new code epoch (codeChanged: this CPU's
 * store into a page it made blocks of, an IC here or on another CPU, a host write, a reset) first
 * compares its instruction words with RAM and returns -1 when one changed: the interpreter then runs
 * that code and may translate it again. A dispatcher (one per CPU) chains blocks through a
 * function table while the jump cache in the state region knows the next pc; the cache is emptied with
 * the TLBs, so a block is only reached through the translation it was entered with.
 *
 * Translated to WebAssembly: ADR/ADRP, add/sub (immediate, shifted, extended, with carry, flags),
 * logical (immediate, shifted), MOVN/MOVZ/MOVK, bitfield moves, EXTR, shifts, conditional select and
 * compare, division, RBIT/REV/REV16/REV32/CLZ/CLS, the multiplies (UMULH/SMULH on 32-bit limbs), LDR/STR
 * of every size and addressing mode the interpreter inlines, LDP/STP/LDPSW, hints and barriers, the
 * branches; on RAM, LSE atomics (not max/min), CAS, LDAR/STLR and LDXR/STXR as wasm atomics on the shared
 * memory; at EL1, MRS of SP_EL0, TPIDR_EL1, TCR_EL1, DAIF and the ID registers, and writes of DAIF; where
 * FP/SIMD does not trap, Advanced SIMD's element-wise logic, add/sub, shifts by immediate and EXT as
 * v128. Called from inside a block (the interpreter's own code, helperOp): literal loads, the other
 * atomics and exclusives, CRC32, other MRS, SEV, CLREX and the rest of FP/SIMD; and MSR (register and
 * immediate) and SYS (DC, IC, AT, TLBI), which go on with the next instruction unless the interpreter's
 * code says its loop must end there (a stack pointer, translation or interrupt change: endingOp), and
 * then leave the block at the next instruction with the stop word raised. Left to the interpreter,
 * ending a block: WFI/WFE, exception-generating instructions and ERET.
 */
import { leavePage, TLB_SIZE, vaPageOf } from './memory';
import type { A64Cpu } from './cpu';
import { A64_JC_OFFSET, A64_LIVE_OFFSET, A64_MAX_BLOCKS, A64_TLB_BYTES, A64_TLB_OFFSET, A64_V_OFFSET, A64_X_OFFSET, JC_ENTRIES, SysSlot } from './cpu';
import { decode } from './decoder';
import { fpEnabled } from './fpu';
import { logicalImmOf, sysKeyOf } from './fields';
import { END, executeOther } from './execute-other';
import { TRAP } from './exceptions';
import { daifWriteOf, mrsInline, nothingAtEl1, type DaifWrite } from './system';
import { loadStore, loadStorePair } from './load-store';
import { CpuWord } from '../../cpu/cpu-core';
import { TLB_ENTRY } from '../../cpu/soft-tlb';
import { AtomicOp, atomicWidth, FunctionBody, I32, I64, ModuleBuilder, Op as W, SimdOp, VOID } from '../../jit/wasm-module';
import { emitMulHigh } from '../../jit/emit-arith';
import { emitTlbHit, emitTlbOffset } from '../../jit/emit-tlb';
import { attachHelpers, type HelperCall, type HelperSignature, HelperTable } from '../../jit/helper-table';
import { BlockCache, now, type QueuedBlock, type TierPage } from '../../jit/block-cache';
import { applyLinks, emitLinkedCall, type Link, type LinkPlan, linkImports, planLinks } from '../../jit/block-links';
import { DOUBLE_FIELD } from '../../cpu/double-field';

export { IN_FLIGHT, PENDING, VERY_HOT, type TierPage } from '../../jit/block-cache';

/** A translated block: returns the instruction count after it (or -1 if its code changed in RAM). */
export type BlockFn = (count: number, pageLo: number, pageHi: number, nzcv: number, budget: number) => number;

/** Executions of a block head before it is translated. */
export const HOT = 64;
/** Blocks per compiled module (see A64Tier.batch). */
export const BATCH = 64;
/** Longest block, in instructions; the interpreter enters blocks only with at least this much budget. */
export const MAX_BLOCK = 48;

/** Register slot numbers (cpu.ts Slot) used by translated code. */
const SLOT_PC = 33;
const SLOT_NZCV = 37;

/** A head queued for translation: where it is, the EL and stack pointer it runs with, its words and ops. */
interface A64Queued extends QueuedBlock {
  readonly host: number;
  readonly el: number;
  readonly spIdx: number;
  readonly words: number[];
  readonly ops: number[];
}

/**
 * Slot 38: in its low word the table index of a block that found its code changed (set by the
 * dispatcher); in its high word the code epoch, advanced whenever code this CPU may have translated can
 * have changed in a way it is told of (codeChanged). A block compares its code with RAM only when
 * entered in an epoch it has not checked yet.
 */
const SLOT_STALE = 38;
/** Slot 39 (low word): raised by the ending helper when a block's MSR or SYS ended the slice (endingOp); the interpreter clears it. */
const SLOT_STOP = 39;

/**
 * Leaves the block that called an import at page index `k` (`count` instructions done before it) once the
 * instruction is done: the run loop goes on at the next instruction, without an exception (A64Cpu.codeStop).
 */
function leaveAfter(cpu: A64Cpu, k: number, count: number): never {
  cpu.count = count + 1;
  leavePage(cpu, cpu.pageLo, cpu.pageHi, 4 * (k + 1));
  cpu.codeStop = true;
  throw TRAP;
}

export class A64Tier {
  /** Executions of a block head before it is translated (tests lower it to translate everything). */
  hot = HOT;
  /**
   * Heads per (RAM page, mode), batches, the function table and the figures (core/jit/block-cache.ts).
   * A WebAssembly module has a fixed cost (about 0.5 ms for one tiny function here) that a batch shares;
   * heads wait, interpreted, until the batch is full.
   */
  private readonly cache: BlockCache<A64Queued>;
  /** Figures for the benchmarks: blocks translated, modules compiled, translation time (ms), stale-code exits, flushes. */
  get stats(): BlockCache<A64Queued>['stats'] {
    return this.cache.stats;
  }
  /** Blocks compiled together in one module (tests lower it). */
  get batch(): number {
    return this.cache.batch;
  }
  set batch(n: number) {
    this.cache.batch = n;
  }
  /**
   * Runs translated blocks one after another while the jump cache knows the next pc: (count, budget, mode,
   * nzcv) -> the count after them, or -1 - count when a block found its code changed (see dropStale).
   */
  readonly dispatch: (count: number, budget: number, mode: number, nzcv: number) => number;

  private readonly xBase: number;
  private readonly tlbBase: number;
  private readonly ramBase: number;
  private readonly liveBase: number;
  /** The helpers blocks call (the interpreter's code for loads, stores and other instructions), through one table. */
  private readonly helpers: HelperTable<'slow' | 'other' | 'ending'>;

  constructor(private readonly cpu: A64Cpu, private readonly memory: WebAssembly.Memory, stateOffset: number, ramOffset: number) {
    this.xBase = stateOffset + A64_X_OFFSET;
    this.tlbBase = stateOffset + A64_TLB_OFFSET;
    this.ramBase = ramOffset;
    this.liveBase = stateOffset + A64_LIVE_OFFSET;
    this.cache = new BlockCache<A64Queued>({
      slots: 1024, modes: 4, maxBlocks: A64_MAX_BLOCKS, batch: BATCH,
      onFlush: () => this.forgetJumps(),
      live: new Uint8Array(memory.buffer, this.liveBase, A64_MAX_BLOCKS + 1).fill(0),
    });
    // The imports put the pc where the interpreter's code expects it (page and index: a block reached
    // through the dispatcher may lie in another page than the one the interpreter entered it from), so
    // that a fault they raise has the instruction's address in ELR_EL1.
    const at = (k: number, count: number, nzcv: number, pageLo: number, pageHi: number): void => {
      cpu.nzcv = nzcv;
      cpu.pageLo = pageLo;
      cpu.pageHi = pageHi;
      cpu.k = k;
      cpu.count = count;
    };
    // The code epoch (codeChanged): an import whose store went into a page this CPU made blocks of may
    // have rewritten the rest of the block that called it, which then must not go on.
    const x = cpu.x;
    const epoch = SLOT_STALE * 2 + 1;
    const slow = (op: number, raw: number, k: number, count: number, nzcv: number, pageLo: number, pageHi: number): void => {
      at(k, count, nzcv, pageLo, pageHi);
      const before = x[epoch];
      if (op >= 108) {
        if (op <= 110) loadStorePair(cpu, op, raw);
        else loadStore(cpu, 102, raw);
      } else loadStore(cpu, op, raw);
      if (x[epoch] !== before) leaveAfter(cpu, k, count);
    };
    // Instructions the tier leaves to the interpreter's code but keeps inside a block: they always go on
    // with the next instruction (or raise). NZCV goes in and comes back (FCMP sets it, FCSEL reads it).
    const other = (op: number, raw: number, k: number, count: number, nzcv: number, pageLo: number, pageHi: number): number => {
      at(k, count, nzcv, pageLo, pageHi);
      const before = x[epoch];
      executeOther(cpu, op, raw, pageLo, pageHi, k);
      if (x[epoch] !== before) leaveAfter(cpu, k, count);
      return cpu.nzcv;
    };
    // MSR and SYS (endingOp): NZCV back (MSR NZCV writes it) with bit 0 set when the slice must end here.
    const ending = (op: number, raw: number, k: number, count: number, nzcv: number, pageLo: number, pageHi: number): number => {
      at(k, count, nzcv, pageLo, pageHi);
      const before = x[epoch];
      // NZCV read after the instruction ran: MSR NZCV writes it. Bit 0: the block leaves at the next
      // instruction, because the slice ends there (the stop slot, raised here) or because an IC or a DC ZVA
      // into code moved the code epoch (the blocks after it check their code; the slice goes on).
      const end = executeOther(cpu, op, raw, pageLo, pageHi, k) === END;
      if (end) x[2 * SLOT_STOP] = 1;
      return cpu.nzcv | (end || x[epoch] !== before ? 1 : 0);
    };
    const fn = { slow, other, ending };
    this.helpers = new HelperTable(memory, A64_HELPERS.map((h) => ({ ...h, fn: fn[h.name] })));
    this.dispatch = this.buildDispatcher(stateOffset);
  }

  /** The tables of RAM page `host` (its span offset) for the mode (EL and stack pointer). */
  page(host: number, mode: number): TierPage {
    return this.cache.page(host, mode);
  }

  /**
   * Virtual pages (VA[43:12], as a TLBI operand's low word names them) that may have jump cache entries:
   * only the interpreter adds entries (enter), so a TLBI of a page that has none costs nothing (Linux's
   * fixmap, twice for each of the 56,000 instructions ftrace patches at boot, is a data page).
   */
  private readonly jcPages = new Set<number>();
  /** No entry was made since the jump cache was last emptied by forgetJumps (false at first: whatever the state region held). */
  private jcClean = false;

  /**
   * Empties the jump cache (with the TLBs): 256 KiB written, so not again while nothing entered it since
   * (a TLB flush after a flush; the warm-up's tier phase flushed ~1,000 times, 12 ms of a CPU thread's start).
   */
  forgetJumps(): void {
    if (this.jcClean) return;
    this.cpu.jc.fill(0);
    this.jcPages.clear();
    this.jcClean = true;
  }

  /** Empties the jump cache entries of pcs in the virtual page `vaPage` (VA[43:12]) and the slots they share. */
  forgetJumpsInPage(vaPage: number): void {
    if (!this.jcPages.delete(vaPage)) return;
    // Indexed by pc bits 15..2: a page's instructions have 1,024 entries in a row (other pages' entries there go too).
    const first = (vaPage & (JC_ENTRIES / 1024 - 1)) << 10;
    this.cpu.jc.fill(0, first * 4, (first + 1024) * 4);
  }

  /** Puts block `index` in the jump cache for the pc lo/hi in `mode`. */
  enter(lo: number, hi: number, mode: number, index: number): void {
    this.jcClean = false;
    this.jcPages.add(vaPageOf(lo, hi));
    const e = ((lo >>> 2) & (JC_ENTRIES - 1)) * 4;
    const jc = this.cpu.jc;
    jc[e] = lo | mode;
    jc[e + 1] = hi;
    jc[e + 2] = index;
  }

  /** Whether the blocks just run ended the slice (an MSR or SYS that must: endingOp); clears it. */
  takeStop(): boolean {
    const x = this.cpu.x;
    if (x[2 * SLOT_STOP] === 0) return false;
    x[2 * SLOT_STOP] = 0;
    return true;
  }

  /** After dispatch returned a stale block: forget it, so the interpreter runs that code again first. */
  dropStale(): void {
    this.cache.drop(this.cpu.x[SLOT_STALE * 2]!);
  }

  /** Drops every translation (the code cache is full). */
  flush(): void {
    this.cache.flush();
    // No block is left to protect: those pages' stores may use the write TLB again.
    this.cpu.codePage.fill(0);
  }

  /**
   * Code may have changed (a store of this CPU into a page it made blocks of, an IC instruction here or
   * broadcast by another CPU, the host writing guest memory, a reset or restore): every block compares its
   * code with RAM again when it is next entered. Another CPU's or a device's store that no IC follows is
   * not seen (CTR_EL0.DIC is 0: Arm requires the IC, and Linux issues it).
   */
  codeChanged(): void {
    const x = this.cpu.x;
    x[SLOT_STALE * 2 + 1] = (x[SLOT_STALE * 2 + 1]! + 1) | 0;
  }

  /** Page `host` holds code a block is made of: its stores must reach translate() (codeChanged). */
  private markCode(host: number): void {
    const cpu = this.cpu;
    if (cpu.codePage[host >>> 12] !== 0) return;
    cpu.codePage[host >>> 12] = 1;
    const w = cpu.wTlb;
    for (let e = 0; e < w.length; e += TLB_ENTRY) {
      if (w[e + 2] === host) w[e] = -1;
    }
  }

  /** Translates the block at instruction `k` of RAM page `host` for EL `el` with the stack pointer at x[spIdx]. */
  translate(page: TierPage, host: number, k: number, el: number, spIdx: number): void {
    const { words, ops } = this.collect(host, k);
    // Not worth a block (or nothing translatable here): the interpreter keeps this head.
    page.fns[k] = -1;
    if (words.length < 2 && !(words.length === 1 && ops[0]! >= 21 && ops[0]! <= 30)) return;
    this.markCode(host);
    this.cpu.headProfile?.note(host >>> 12, k);
    if (this.cache.queue({ page, host, k, el, spIdx, words, ops })) this.compilePending();
  }

  /** The translatable run of instructions from word `k` of RAM page `host`: a block's body. */
  private collect(host: number, k: number): { words: number[]; ops: number[] } {
    const words: number[] = [];
    const ops: number[] = [];
    const i32 = this.cpu.i32;
    for (let i = k; i < 1024 && words.length < MAX_BLOCK; i++) {
      const raw = i32[(host >>> 2) + i]!;
      const op = decode(raw)?.op ?? 0;
      if (!translatable(op, raw)) break;
      words.push(raw);
      ops.push(op);
      // Conditional branches leave by a side exit (or loop back to the start); the others end the block.
      if (op === 21 || op === 22 || (op >= 28 && op <= 30)) break;
    }
    return { words, ops };
  }

  /**
   * The interpreter warm-up's use of the translator (warm-up.ts): emits blocks for the code of RAM page
   * `host`, one after another from its first word, into a module that is never compiled or run, so that
   * V8 has type feedback for every case of BlockGen before the guest's first block. Returns the
   * instructions emitted.
   */
  emitAll(host: number, el: number, spIdx: number): number {
    const blocks: PackedBlock[] = [];
    let emitted = 0;
    for (let k = 0; k < 1024;) {
      const { words, ops } = this.collect(host, k);
      if (words.length === 0) {
        k++;
        continue;
      }
      blocks.push({ host, k, el, spIdx, words, ops });
      emitted += words.length;
      k += words.length;
    }
    // Through a job, as the compiling thread writes modules (the same code gets the type feedback).
    writeA64Module({ memoryPages: this.memory.buffer.byteLength / 65536, layout: this.layout, firstIndex: 1, links: { imports: [], wants: blocks.map(() => []) }, blocks: this.packBlocks(blocks) });
    return emitted;
  }

  /** Compiles the queued blocks into one module and installs them. */
  compilePending(): void {
    const t0 = now();
    const taken = this.cache.take();
    if (!taken) return;
    const { batch, firstIndex } = taken;
    const env: Record<string, unknown> = { memory: this.memory, table: this.helpers.table };
    const links = planLinks(batch, (b) => exitTargets(b.words, b.ops, b.k));
    linkImports(links, this.cache.table, env);
    const job: A64ModuleJob = { memoryPages: this.memory.buffer.byteLength / 65536, layout: this.layout, firstIndex, links, blocks: this.packBlocks(batch) };
    this.cache.compileJob(batch, job, [job.blocks.buffer as ArrayBuffer], writeA64Module, { env }, t0);
  }

  /** A job's blocks (A64ModuleJob.blocks); whether FP/SIMD traps is read from the CPU now, as emitting did. */
  private packBlocks(batch: readonly PackedBlock[]): Float64Array {
    let size = 0;
    for (const b of batch) size += 6 + 2 * b.words.length;
    const out = new Float64Array(size);
    let at = 0;
    for (const b of batch) {
      out.set([b.host, b.k, b.el, b.spIdx, fpEnabled(this.cpu.sys.cpacr, b.el) ? 1 : 0, b.words.length], at);
      at += 6;
      out.set(b.words, at);
      out.set(b.ops, at + b.words.length);
      at += 2 * b.words.length;
    }
    return out;
  }

  /** Installs the blocks compiled on another thread since the last call (BlockCache.poll); true if any. */
  poll(): boolean {
    return this.cache.poll();
  }

  private buildDispatcher(stateOffset: number): A64Tier['dispatch'] {
    const mod = new ModuleBuilder(this.memory.buffer.byteLength / 65536);
    mod.importTable(A64_MAX_BLOCKS + 1);
    const f = new FunctionBody(4);
    const [count, budget, mode, nz] = [0, 1, 2, 3];
    const lo = f.local(I32), hi = f.local(I32), ent = f.local(I32), fn = f.local(I32), r = f.local(I32);
    const X = this.xBase;
    const JC = stateOffset + A64_JC_OFFSET;
    const blockType = mod.typeIndex([I32, I32, I32, I32, I32], [I32]);
    f.op(W.block, VOID, W.loop, VOID);
    f.i32(0).mem(W.i32_load, 2, X + 8 * SLOT_PC).set(lo);
    f.i32(0).mem(W.i32_load, 2, X + 8 * SLOT_PC + 4).set(hi);
    f.get(lo).i32(2).op(W.i32_shr_u).i32(JC_ENTRIES - 1).op(W.i32_and).i32(4).op(W.i32_shl).set(ent);
    f.get(ent).mem(W.i32_load, 2, JC).get(lo).get(mode).op(W.i32_or).op(W.i32_ne);
    f.get(ent).mem(W.i32_load, 2, JC + 4).get(hi).op(W.i32_ne).op(W.i32_or).op(W.br_if).u(1);
    f.get(ent).mem(W.i32_load, 2, JC + 8).tee(fn).op(W.i32_eqz).op(W.br_if).u(1);
    f.get(count).get(lo).i32(-4096).op(W.i32_and).get(hi).get(nz).get(budget).get(fn).op(W.call_indirect).u(blockType).u(0);
    // A block that found its code changed wrote its index to the stale slot and returned -1 - count.
    f.tee(r).i32(0).op(W.i32_lt_s).op(W.if, VOID);
    f.get(ent).i32(0).mem(W.i32_store, 2, JC + 8);
    f.get(r).op(W.return);
    f.op(W.end);
    f.get(r).set(count);
    f.i32(0).mem(W.i32_load, 2, X + 8 * SLOT_NZCV).set(nz);
    f.i32(0).mem(W.i32_load, 2, X + 8 * SLOT_STOP).op(W.br_if).u(1);
    f.get(count).get(budget).op(W.i32_lt_s).op(W.br_if).u(0);
    f.op(W.end, W.end);
    f.get(count);
    mod.addFunction('dispatch', [I32, I32, I32, I32], [I32], f);
    const instance = new WebAssembly.Instance(new WebAssembly.Module(mod.encode()), { env: { memory: this.memory, table: this.cache.table } } as never);
    return instance.exports.dispatch as A64Tier['dispatch'];
  }

  /** Addresses the generator bakes in. */
  get layout(): A64Layout {
    return { x: this.xBase, tlb: this.tlbBase, ram: this.ramBase, epoch: this.xBase + 8 * SLOT_STALE + 4, live: this.liveBase };
  }
}

/** What a job packs of a block. */
type PackedBlock = Pick<A64Queued, 'host' | 'k' | 'el' | 'spIdx' | 'words' | 'ops'>;

/** Addresses the generator bakes in: the registers, TLBs, RAM, the code epoch word and the live bytes. */
interface A64Layout {
  readonly x: number;
  readonly tlb: number;
  readonly ram: number;
  readonly epoch: number;
  readonly live: number;
}

/** The helpers' signatures, in their table's order (the tier gives each its function). */
const A64_HELPER_PARAMS = [I32, I32, I32, I32, I32, I32, I32] as const;
const A64_HELPERS: readonly HelperSignature<'slow' | 'other' | 'ending'>[] = [
  { name: 'slow', params: A64_HELPER_PARAMS, results: [] },
  { name: 'other', params: A64_HELPER_PARAMS, results: [I32] },
  { name: 'ending', params: A64_HELPER_PARAMS, results: [I32] },
];

/**
 * A block module to write (writeA64Module), as plain data, so that the compiling thread can write it
 * (CpuModel.writeBlockModule): the memory's size in pages, the layout, the first block's table index,
 * the links (core/jit/block-links.ts) and the blocks packed in one array: per block its RAM page, first
 * word, EL, stack pointer index, FP/SIMD enabled (1) and instruction count, then its words and their ops.
 */
export interface A64ModuleJob {
  readonly memoryPages: number;
  readonly layout: A64Layout;
  readonly firstIndex: number;
  readonly links: LinkPlan;
  readonly blocks: Float64Array;
}

/** Writes the module of a job (on the compiling thread, or on the CPU's when that cannot). */
export function writeA64Module(job: A64ModuleJob): Uint8Array {
  const mod = new ModuleBuilder(job.memoryPages);
  const { slow, other, ending } = attachHelpers(mod, A64_HELPERS);
  const links = applyLinks(job.links, job.firstIndex, mod, [I32, I32, I32, I32, I32], [I32]);
  const d = job.blocks;
  for (let i = 0, at = 0; at < d.length; i++) {
    const n = d[at + 5]!;
    const words: number[] = [];
    const ops: number[] = [];
    for (let j = 0; j < n; j++) {
      words.push(d[at + 6 + j]!);
      ops.push(d[at + 6 + n + j]!);
    }
    const g = new BlockGen(job.layout, d[at]!, d[at + 1]!, d[at + 2]!, d[at + 3]!, slow, other, ending, d[at + 4] === 1, mod.addGlobal(-1), job.firstIndex + i, links[i]!);
    g.emit(words, ops);
    mod.addFunction(`b${i}`, [I32, I32, I32, I32, I32], [I32], g.f);
    at += 6 + 2 * n;
  }
  return mod.encode();
}

/** The page indices (other than the block's start) the block's exits to a fixed pc of its page go to. */
function exitTargets(words: readonly number[], ops: readonly number[], k0: number): Set<number> {
  const out = new Set<number>();
  words.forEach((raw, i) => {
    const t = branchTarget(raw, ops[i]!, k0 + i);
    if (t !== undefined && t !== k0) out.add(t);
  });
  const last = ops[ops.length - 1]!;
  if (!(last === 21 || last === 22 || (last >= 28 && last <= 30)) && k0 + words.length < 1024) out.add(k0 + words.length);
  return out;
}

/** The page index a direct branch at page index k goes to (undefined for other ops or outside the page). */
function branchTarget(raw: number, op: number, k: number): number | undefined {
  let off: number;
  if (op === 21) off = (raw << 6) >> 4;
  else if (op >= 23 && op <= 25) off = ((raw << 8) >> 11) & ~3;
  else if (op === 26 || op === 27) off = ((raw << 13) >> 16) & ~3;
  else return undefined;
  const t = k * 4 + off;
  return t >= 0 && t < 4096 ? t >> 2 : undefined;
}

/**
 * Ops run by the interpreter's own code (executeOther) from inside a block: literal loads, exclusives,
 * acquire/release, LSE atomics, CRC32, MRS, SEV, CLREX and FP/SIMD. Each always goes on with the next
 * instruction or raises, never ends the block by itself.
 */
function helperOp(op: number): boolean {
  return op === 100 || (op >= 111 && op <= 116) || (op >= 121 && op <= 124) || op === 35 || op === 36 || op === 43 ||
    (op >= 130 && op <= 144) || (op >= 150 && op <= 183);
}

/** DC ZVA with Rt = 0 (SYS #3, C7, C4, #1). */
const DC_ZVA = 0xd50b7420;

/**
 * Ops run by the interpreter's own code from inside a block that may end the block after them: MSR
 * (immediate: SPSel, DAIFSet/Clr), SYS (DC, IC, AT, TLBI) and MSR (register) also end the slice when
 * system.ts says so; an IC or a DC ZVA into code ends only the block (the code epoch moved).
 */
function endingOp(op: number): boolean {
  return op === 40 || op === 41 || op === 42;
}

/**
 * Whether the instruction's results are FP/SIMD registers (or NZCV) only, no general register: its row's
 * first operand is a vector or FP register, or a register list without a written-back base.
 */
function vectorOnly(raw: number): boolean {
  const fmt = decode(raw)?.fmt ?? '';
  // A base written back (post- and pre-index forms, LD1/ST1's register or immediate post-increment).
  if (/mem_post|mem_pre|mem_ppre|mem_p0|post_imm|Xm/.test(fmt)) return false;
  const first = fmt.split(',')[0] ?? '';
  return first === 'vlist' || /^[VFSDHBQ]/.test(first);
}

/** The ops this tier translates (the hot integer set; see the file comment). */
function translatable(op: number, raw: number): boolean {
  if (helperOp(op) || endingOp(op)) return true;
  if (op >= 1 && op <= 30) return true;
  if (op >= 50 && op <= 83) return op !== 59;
  if (op >= 84 && op <= 97) return true;
  if (op === 32 || op === 37 || op === 38 || op === 39 || op === 101) return true;
  if (op >= 117 && op <= 120) return true;
  if (op === 102 || op === 103 || op === 104 || op === 105 || op === 107) {
    const opc = (raw >>> 22) & 3;
    const sizeLog = raw >>> 30;
    return opc <= 1 || sizeLog < 2 || (opc === 2 && sizeLog === 2);
  }
  if (op >= 108 && op <= 110) return true;
  return false;
}

const MASK32 = 0xffff_ffffn;

/** Ones in the low `n` bits (1..64) as a bigint. */
const ones = (n: number): bigint => (n >= 64 ? (1n << 64n) - 1n : (1n << BigInt(n)) - 1n);
const ror64 = (v: bigint, r: number): bigint => (r === 0 ? v : ((v >> BigInt(r)) | (v << BigInt(64 - r))) & ones(64));
const ror32 = (v: number, r: number): number => (r === 0 ? v : ((v >>> r) | (v << (32 - r))) | 0);

/** The 16 bytes of a v128 with `value` (the low 8 << es bits) in every lane of 8 << es bits, little-endian. */
function laneBytes(es: number, value: bigint): number[] {
  const size = 1 << es;
  return Array.from({ length: 16 }, (_, j) => Number((value >> BigInt(8 * (j % size))) & 0xffn));
}

/** Writes one block's function body. */
class BlockGen {
  readonly f = new FunctionBody(5);
  // Parameters.
  private readonly pCount = 0;
  private readonly pLo = 1;
  private readonly pHi = 2;
  private readonly nz = 3;
  private readonly pBudget = 4;
  /** Instructions done before the current pass through the block (a block may loop to its start). */
  private readonly cnt: number;
  /** The block branches back to its first instruction somewhere: its body is a wasm loop. */
  private loops = false;
  // Locals.
  private readonly pg: number;
  private readonly a: number;
  private readonly b: number;
  private readonly r: number;
  private readonly c: number;
  private readonly lo: number;
  private readonly e: number;
  private readonly a32: number;
  private readonly b32: number;
  private readonly r32: number;
  /** Operands and result of the flag-setting instruction whose flags are deferred (see `pending`). */
  private readonly fa: number;
  private readonly fb: number;
  private readonly fr: number;
  private readonly fa32: number;
  private readonly fb32: number;
  private readonly fr32: number;
  // Offsets in the machine's memory (above 2 GiB in a real machine's, not in the warm-up's): doubles
  // from the start (core/cpu/double-field.ts).
  private readonly X: number = DOUBLE_FIELD;
  private readonly TLB: number = DOUBLE_FIELD;
  private readonly RAM: number = DOUBLE_FIELD;
  private readonly EPOCH: number = DOUBLE_FIELD;
  private readonly LIVE: number = DOUBLE_FIELD;

  constructor(
    layout: A64Layout, private readonly host: number, private readonly k0: number, private readonly el: number, private readonly spIdx: number,
    private readonly slowFn: HelperCall, private readonly otherFn: HelperCall, private readonly endingFn: HelperCall,
    /** FP/SIMD does not trap at the block's EL (CPACR_EL1.FPEN): Advanced SIMD may be done inline. */
    private readonly fp: boolean,
    /** The module global holding the code epoch this block last found its code unchanged in (-1: never). */
    private readonly checked: number,
    /** This block's table index (written to the stale slot when its code changed). */
    private readonly index: number,
    /** Blocks this one calls directly at exits to their pcs (core/jit/block-links.ts). */
    private readonly links: ReadonlyMap<number, Link>,
  ) {
    const f = this.f;
    this.pg = f.local(I64);
    this.cnt = f.local(I32);
    this.a = f.local(I64);
    this.b = f.local(I64);
    this.r = f.local(I64);
    this.c = f.local(I64);
    this.lo = f.local(I32);
    this.e = f.local(I32);
    this.a32 = f.local(I32);
    this.b32 = f.local(I32);
    this.r32 = f.local(I32);
    this.fa = f.local(I64);
    this.fb = f.local(I64);
    this.fr = f.local(I64);
    this.fa32 = f.local(I32);
    this.fb32 = f.local(I32);
    this.fr32 = f.local(I32);
    const l = layout;
    this.X = l.x;
    this.TLB = l.tlb;
    this.RAM = l.ram;
    this.EPOCH = l.epoch;
    this.LIVE = l.live;
  }

  // ---- registers (values on the wasm stack) ----
  //
  // X0..X30 are cached in locals while a block runs: loaded on first use, written back before anything
  // that reads them from memory (the interpreter's helpers; the slow path of a load or store, on that
  // path only) and at the exits. Inside a conditional body (direct > 0) nothing new is cached and writes go to
  // memory, and the caller forgets those registers after the body; the stack pointer is not cached.

  private readonly regLocal: number[] = new Array<number>(31).fill(-1);
  private readonly cached: boolean[] = new Array<boolean>(31).fill(false);
  private readonly dirty: boolean[] = new Array<boolean>(31).fill(false);
  private direct = 0;

  /** Byte address of register r (r = 31 is XZR: the zero slot for reads). */
  private addr(r: number): number { return this.X + 8 * r; }
  private spAddr(): number { return this.X + 4 * this.spIdx; }
  private localOf(r: number): number {
    if (this.regLocal[r]! < 0) this.regLocal[r] = this.f.local(I64);
    return this.regLocal[r]!;
  }
  /** Pushes Xr (31 = XZR). */
  private x(r: number): void {
    const f = this.f;
    if (r === 31) f.i64(0n);
    else if (this.cached[r]) f.get(this.regLocal[r]!);
    else if (this.direct > 0) f.i32(0).mem(W.i64_load, 3, this.addr(r));
    else {
      f.i32(0).mem(W.i64_load, 3, this.addr(r)).tee(this.localOf(r));
      this.cached[r] = true;
    }
  }
  /** Pushes Xr or SP for r = 31. */
  private xsp(r: number): void {
    if (r === 31) this.f.i32(0).mem(W.i64_load, 3, this.spAddr());
    else this.x(r);
  }
  /** Pushes Wr as i32 (31 = WZR). */
  private w(r: number): void {
    if (r === 31) this.f.i32(0);
    else {
      this.x(r);
      this.f.op(W.i32_wrap_i64);
    }
  }
  /** Sets Xr from local `l` (i64); r = 31 is the sink (XZR) or SP. */
  private setX(r: number, l: number, sp = false): void {
    const f = this.f;
    if (r === 31 || this.direct > 0) {
      const at = r === 31 ? (sp ? this.spAddr() : this.X + 8 * 32) : this.addr(r);
      f.i32(0).get(l).mem(W.i64_store, 3, at);
      return;
    }
    f.get(l).set(this.localOf(r));
    this.cached[r] = true;
    this.dirty[r] = true;
  }
  /** Sets Xr from local `l` (i32) zero-extended. */
  private setW(r: number, l: number, sp = false): void {
    const f = this.f;
    if (r === 31 || this.direct > 0) {
      const at = r === 31 ? (sp ? this.spAddr() : this.X + 8 * 32) : this.addr(r);
      f.i32(0).get(l).op(W.i64_extend_i32_u).mem(W.i64_store, 3, at);
      return;
    }
    f.get(l).op(W.i64_extend_i32_u).set(this.localOf(r));
    this.cached[r] = true;
    this.dirty[r] = true;
  }
  /** Writes every changed cached register back to memory on this path only (a side exit or the loop back). */
  private storeDirty(): void {
    for (let r = 0; r < 31; r++) {
      if (this.dirty[r]) this.f.i32(0).get(this.regLocal[r]!).mem(W.i64_store, 3, this.addr(r));
    }
  }
  /** Writes every changed cached register back to memory, on every path from here on. */
  private flushAll(): void {
    this.storeDirty();
    this.dirty.fill(false);
  }
  /**
   * A load's destination or a written-back base inside the fast path of a load or store: into the
   * register's local (X0-X30; SP and XZR go to memory). reload() does the same on the slow path from
   * what the interpreter wrote, and bound() then records the registers as cached and changed.
   */
  private bindLocal(r: number, l: number, sp = false): void {
    if (r === 31) this.setX(r, l, sp);
    else this.f.get(l).set(this.localOf(r));
  }
  private reload(regs: number[]): void {
    for (const r of regs) if (r < 31) this.f.i32(0).mem(W.i64_load, 3, this.addr(r)).set(this.localOf(r));
  }
  private bound(regs: number[]): void {
    for (const r of regs) {
      if (r === 31) continue;
      this.cached[r] = true;
      this.dirty[r] = true;
    }
  }
  /** Forgets every cached register (after code that may have written them in memory; flushAll first). */
  private forgetAll(): void {
    this.cached.fill(false);
  }

  // ---- flags ----
  //
  // A flag-setting instruction outside a conditional body (ADDS, SUBS, CMP, CMN, ANDS, TST, BICS) only
  // records its operands and result in fa/fb/fr (or the 32-bit three) and which kind it was (`pending`);
  // NZCV goes into nz when something reads it: a condition that cannot be read straight off the operands
  // (cond: B.cond, CSEL and CCMP usually can), a carry-in, the interpreter's code, or an exit (there on
  // that path only, so the way on keeps the flags pending). CMP + B.cond becomes one wasm compare instead
  // of NZCV built bit by bit and taken apart again.

  /** Kind of the deferred flags: an add with carry-in 0 or 1 (a subtract adds ~b + 1), or a logical op. */
  private pending: 'add64c0' | 'add64c1' | 'add32c0' | 'add32c1' | 'logic64' | 'logic32' | undefined;
  /** Inside a conditional body (CCMP's): flags are computed at once. */
  private noDefer = 0;

  /** Computes the pending flags into nz on this path; they stay pending for the code after it. */
  private materializeHere(): void {
    switch (this.pending) {
      case undefined: return;
      case 'logic64': this.logicNz64(this.fr); return;
      case 'logic32': this.logicNz32(this.fr32); return;
      case 'add64c0': case 'add64c1': this.addNz64(this.fa, this.fb, this.fr, this.pending === 'add64c1' ? 1 : 0); return;
      default: this.addNz32(this.fa32, this.fb32, this.fr32, this.pending === 'add32c1' ? 1 : 0);
    }
  }
  /** Computes the pending flags into nz for good (in straight-line code only). */
  private settle(): void {
    this.materializeHere();
    this.pending = undefined;
  }

  /** nz = N and Z of the 64-bit local l, C = V = 0 (deferred where allowed). */
  private logicFlags64(l: number): void {
    if (this.noDefer === 0) {
      this.f.get(l).set(this.fr);
      this.pending = 'logic64';
    } else this.logicNz64(l);
  }
  private logicFlags32(l: number): void {
    if (this.noDefer === 0) {
      this.f.get(l).set(this.fr32);
      this.pending = 'logic32';
    } else this.logicNz32(l);
  }
  private logicNz64(l: number): void {
    const f = this.f;
    f.get(l).i64(63n).op(W.i64_shr_u).op(W.i32_wrap_i64).i32(31).op(W.i32_shl);
    f.get(l).op(W.i64_eqz).i32(30).op(W.i32_shl).op(W.i32_or).set(this.nz);
  }
  private logicNz32(l: number): void {
    const f = this.f;
    f.get(l).i32(-0x8000_0000).op(W.i32_and);
    f.get(l).op(W.i32_eqz).i32(30).op(W.i32_shl).op(W.i32_or).set(this.nz);
  }

  /**
   * r = a + b + carry (64-bit locals a, b; carry: 0, 1 or 'flag' for C). With flags, sets nz (or defers them).
   */
  private add64(carry: 0 | 1 | 'flag', flags: boolean): void {
    const f = this.f;
    if (carry === 'flag') this.settle();
    f.get(this.a).get(this.b).op(W.i64_add);
    if (carry === 1) f.i64(1n).op(W.i64_add);
    else if (carry === 'flag') this.carryIn64().op(W.i64_add);
    f.set(this.r);
    if (!flags) return;
    if (carry !== 'flag' && this.noDefer === 0) {
      f.get(this.a).set(this.fa).get(this.b).set(this.fb).get(this.r).set(this.fr);
      this.pending = carry === 1 ? 'add64c1' : 'add64c0';
      return;
    }
    this.addNz64(this.a, this.b, this.r, carry);
  }

  /** nz = the flags of r = a + b + carry (64-bit locals). */
  private addNz64(a: number, b: number, r: number, carry: 0 | 1 | 'flag'): void {
    const f = this.f;
    // N, Z
    f.get(r).i64(63n).op(W.i64_shr_u).op(W.i32_wrap_i64).i32(31).op(W.i32_shl);
    f.get(r).op(W.i64_eqz).i32(30).op(W.i32_shl).op(W.i32_or);
    // C: carry out of a + b + cin: r < a, or r == a with a carry in of 1 (then b was all ones or cin made it wrap).
    if (carry === 0) f.get(r).get(a).op(W.i64_lt_u);
    else if (carry === 1) f.get(r).get(a).op(W.i64_le_u);
    else {
      f.get(r).get(a).op(W.i64_le_u).get(r).get(a).op(W.i64_lt_u);
      f.get(this.nz).i32(29).op(W.i32_shr_u).i32(1).op(W.i32_and).op(W.select);
    }
    f.i32(29).op(W.i32_shl).op(W.i32_or);
    // V: the operands have the same sign and the result another.
    f.get(a).get(r).op(W.i64_xor).get(b).get(r).op(W.i64_xor).op(W.i64_and);
    f.i64(63n).op(W.i64_shr_u).op(W.i32_wrap_i64).i32(28).op(W.i32_shl).op(W.i32_or);
    f.set(this.nz);
  }

  /** Pushes C as an i64 0/1 (the flags settled). */
  private carryIn64(): FunctionBody {
    return this.f.get(this.nz).i32(29).op(W.i32_shr_u).i32(1).op(W.i32_and).op(W.i64_extend_i32_u);
  }

  /** r32 = a32 + b32 + carry (32-bit), with flags into nz (or deferred). */
  private add32(carry: 0 | 1 | 'flag', flags: boolean): void {
    const f = this.f;
    if (carry === 'flag') this.settle();
    if (!flags || (carry !== 'flag' && this.noDefer === 0)) {
      f.get(this.a32).get(this.b32).op(W.i32_add);
      if (carry === 1) f.i32(1).op(W.i32_add);
      else if (carry === 'flag') f.get(this.nz).i32(29).op(W.i32_shr_u).i32(1).op(W.i32_and).op(W.i32_add);
      f.set(this.r32);
      if (!flags) return;
      f.get(this.a32).set(this.fa32).get(this.b32).set(this.fb32).get(this.r32).set(this.fr32);
      this.pending = carry === 1 ? 'add32c1' : 'add32c0';
      return;
    }
    // The sum in 64 bits gives the carry.
    f.get(this.a32).op(W.i64_extend_i32_u).get(this.b32).op(W.i64_extend_i32_u).op(W.i64_add);
    if (carry === 1) f.i64(1n).op(W.i64_add);
    else if (carry === 'flag') this.carryIn64().op(W.i64_add);
    f.tee(this.c).op(W.i32_wrap_i64).set(this.r32);
    this.addNz32(this.a32, this.b32, this.r32, carry);
  }

  /** nz = the flags of r = a + b + carry (32-bit locals; with carry 'flag', after add32 left the 64-bit sum in c). */
  private addNz32(a: number, b: number, r: number, carry: 0 | 1 | 'flag'): void {
    const f = this.f;
    f.get(r).i32(-0x8000_0000).op(W.i32_and);
    f.get(r).op(W.i32_eqz).i32(30).op(W.i32_shl).op(W.i32_or);
    // C: from the 64-bit sum; for a deferred add, the same test as addNz64 on the 32-bit values.
    if (carry === 'flag') f.get(this.c).i64(32n).op(W.i64_shr_u).op(W.i32_wrap_i64);
    else f.get(r).get(a).op(carry === 0 ? W.i32_lt_u : W.i32_le_u);
    f.i32(29).op(W.i32_shl).op(W.i32_or);
    f.get(a).get(r).op(W.i32_xor).get(b).get(r).op(W.i32_xor).op(W.i32_and);
    f.i32(31).op(W.i32_shr_u).i32(28).op(W.i32_shl).op(W.i32_or);
    f.set(this.nz);
  }

  /**
   * Pushes a condition of deferred flags straight from the operands, when the kind allows (EQ..LE of a
   * subtract, EQ/NE/MI/PL of an add, all but VS/VC-free ones of a logical op); false if it cannot.
   */
  private pendingCond(cond: number): boolean {
    const f = this.f;
    const kind = this.pending;
    if (kind === undefined) return false;
    if (cond >= 14) {
      f.i32(1);
      return true;
    }
    const wide = kind === 'add64c0' || kind === 'add64c1' || kind === 'logic64';
    const r = wide ? this.fr : this.fr32;
    const zero = (): void => void (wide ? f.i64(0n) : f.i32(0));
    const c = cond >> 1;
    let op: number;
    if (c === 0) op = wide ? W.i64_eq : W.i32_eq; // EQ: Z
    else if (c === 2) op = wide ? W.i64_lt_s : W.i32_lt_s; // MI: N
    else if (kind === 'logic64' || kind === 'logic32') {
      // C = V = 0: HS, VS, HI never; GE/LT/GT/LE read N and Z only.
      if (c === 1 || c === 3 || c === 4) {
        f.i32(cond & 1);
        return true;
      }
      op = c === 5 ? (wide ? W.i64_ge_s : W.i32_ge_s) : wide ? W.i64_gt_s : W.i32_gt_s;
    } else if (kind === 'add64c1' || kind === 'add32c1') {
      // a - b (fb holds ~b): the unsigned and signed comparisons of a and b.
      if (c === 3) return false; // VS/VC
      const sub = [0, wide ? W.i64_ge_u : W.i32_ge_u, 0, 0, wide ? W.i64_gt_u : W.i32_gt_u, wide ? W.i64_ge_s : W.i32_ge_s, wide ? W.i64_gt_s : W.i32_gt_s][c]!;
      f.get(wide ? this.fa : this.fa32);
      f.get(wide ? this.fb : this.fb32);
      if (wide) f.i64(-1n).op(W.i64_xor); else f.i32(-1).op(W.i32_xor);
      f.op(sub);
      if (cond & 1) f.op(W.i32_eqz);
      return true;
    } else return false; // an add's C and V
    f.get(r);
    zero();
    f.op(op);
    if (cond & 1) f.op(W.i32_eqz);
    return true;
  }

  /** Pushes the condition `cond` (0..15) of the flags as i32 0/1. */
  private cond(cond: number): void {
    const f = this.f;
    if (this.pendingCond(cond)) return;
    this.settle();
    const nz = () => f.get(this.nz);
    switch (cond >> 1) {
      case 0: nz().i32(30).op(W.i32_shr_u).i32(1).op(W.i32_and); break; // Z
      case 1: nz().i32(29).op(W.i32_shr_u).i32(1).op(W.i32_and); break; // C
      case 2: nz().i32(31).op(W.i32_shr_u); break; // N
      case 3: nz().i32(28).op(W.i32_shr_u).i32(1).op(W.i32_and); break; // V
      case 4: nz().i32(0x6000_0000).op(W.i32_and).i32(0x2000_0000).op(W.i32_eq); break; // C && !Z
      case 5: nz().i32(31).op(W.i32_shr_u).get(this.nz).i32(28).op(W.i32_shr_u).op(W.i32_xor).i32(1).op(W.i32_and).op(W.i32_eqz); break; // N == V
      case 6: // !Z && N == V
        nz().i32(31).op(W.i32_shr_u).get(this.nz).i32(28).op(W.i32_shr_u).op(W.i32_xor);
        f.get(this.nz).i32(30).op(W.i32_shr_u).op(W.i32_or).i32(1).op(W.i32_and).op(W.i32_eqz);
        break;
      default: f.i32(1); return; // AL, NV
    }
    if (cond & 1) f.op(W.i32_eqz);
  }

  // ---- control ----

  /** Returns from the block with the pc in local `pcLocal`, `done` instructions of this pass after cnt. */
  private exit(pcLocal: number, done: number): void {
    const f = this.f;
    this.materializeHere();
    this.storeDirty();
    f.i32(0).get(pcLocal).mem(W.i64_store, 3, this.X + 8 * SLOT_PC);
    f.i32(0).get(this.nz).mem(W.i32_store, 2, this.X + 8 * SLOT_NZCV);
    f.get(this.cnt).i32(done).op(W.i32_add).op(W.return);
  }

  /**
   * Leaves for instruction `t` of the page, `done` instructions of this pass after cnt: straight into the
   * block there when this one links to it (core/jit/block-links.ts), it is live, the budget lasts and no
   * helper raised the stop slot (what the dispatcher checks before calling it), else back to the
   * dispatcher. The callee runs in this block's page and mode, which the jump cache entry that led here
   * vouched for.
   */
  private leaveTo(t: number, done: number): void {
    const link = this.links.get(t);
    if (link === undefined) {
      this.pcOf(this.r, t);
      this.exit(this.r, done);
      return;
    }
    const f = this.f;
    this.materializeHere();
    this.storeDirty();
    f.get(this.cnt).i32(done).op(W.i32_add);
    emitLinkedCall(f, link, this.e, this.pBudget, this.X + 8 * SLOT_STOP, this.LIVE, () => f.get(this.e).get(this.pLo).get(this.pHi).get(this.nz).get(this.pBudget));
    this.pcOf(this.r, t);
    f.i32(0).get(this.r).mem(W.i64_store, 3, this.X + 8 * SLOT_PC);
    f.i32(0).get(this.nz).mem(W.i32_store, 2, this.X + 8 * SLOT_NZCV);
    f.get(this.e).op(W.return);
  }

  /**
   * A taken branch at block index `i` back to the block's first instruction: round the wasm loop again
   * while the budget lasts, else out at the start. Emitted where the branch is taken, inside `nesting`
   * constructs.
   */
  private loopBack(i: number, nesting: number): void {
    const f = this.f;
    // The loop's start reads the flags from nz.
    this.materializeHere();
    this.storeDirty();
    f.get(this.cnt).i32(i + 1).op(W.i32_add).tee(this.cnt).get(this.pBudget).op(W.i32_lt_s);
    // br from inside this if to the loop: past this if and the `nesting` constructs around the branch.
    f.op(W.if, VOID).op(W.br).u(1 + nesting).op(W.end);
    // Out of budget: leave at the start with the instructions counted so far (cnt has this pass).
    this.pcOf(this.r, this.k0);
    this.exit(this.r, 0);
  }

  /** Sets local l to the address of instruction index j of the page (j may be 1024: the next page). */
  private pcOf(l: number, j: number): void {
    this.f.get(this.pg).i64(BigInt(j * 4)).op(W.i64_add).set(l);
  }

  /**
   * Returns as stale, before running anything: the pc at this block's start and NZCV as it came in (a
   * block that called this one directly wrote neither), this block's index in the stale slot for the
   * interpreter to forget it, and -1 - count.
   */
  private stale(): void {
    const f = this.f;
    f.i32(0).get(this.pLo).i32(4 * this.k0).op(W.i32_or).mem(W.i32_store, 2, this.X + 8 * SLOT_PC);
    f.i32(0).get(this.pHi).mem(W.i32_store, 2, this.X + 8 * SLOT_PC + 4);
    f.i32(0).get(this.nz).mem(W.i32_store, 2, this.X + 8 * SLOT_NZCV);
    f.i32(0).i32(this.index).mem(W.i32_store, 2, this.X + 8 * SLOT_STALE);
    f.i32(-1).get(this.pCount).op(W.i32_sub).op(W.return);
  }

  emit(words: number[], ops: number[]): void {
    const f = this.f;
    // The code is still what was translated: compared in 8-byte pieces (two instructions a load), once
    // per code epoch (codeChanged).
    f.i32(0).mem(W.i32_load, 2, this.EPOCH).op(W.global_get).u(this.checked).op(W.i32_ne).op(W.if, VOID);
    for (let i = 0; i < words.length; i += 2) {
      const at = this.RAM + this.host + 4 * (this.k0 + i);
      if (i + 1 < words.length) f.i32(0).mem(W.i64_load, 0, at).i64Words(words[i]!, words[i + 1]!).op(W.i64_ne);
      else f.i32(0).mem(W.i32_load, 2, at).i32(words[i]!).op(W.i32_ne);
      if (i > 0) f.op(W.i32_or);
    }
    f.op(W.if, VOID);
    this.stale();
    f.op(W.end);
    f.i32(0).mem(W.i32_load, 2, this.EPOCH).op(W.global_set).u(this.checked);
    f.op(W.end);
    // And FP/SIMD still does not trap at this EL, where the block does Advanced SIMD itself (vector):
    // on every entry (CPACR_EL1 changes without the code changing).
    if (this.fp && words.some((raw, i) => this.vectorForm(raw, ops[i]!) !== undefined)) {
      const need = this.el === 0 ? 3 : 1;
      f.i32(0).mem(W.i32_load, 2, this.X + 8 * SysSlot.cpacrEl1).i32(20).op(W.i32_shr_u).i32(need).op(W.i32_and).i32(need).op(W.i32_ne);
      f.op(W.if, VOID);
      this.stale();
      f.op(W.end);
    }
    f.get(this.pHi).op(W.i64_extend_i32_u).i64(32n).op(W.i64_shl).get(this.pLo).op(W.i64_extend_i32_u).op(W.i64_or).set(this.pg);
    f.get(this.pCount).set(this.cnt);
    this.loops = words.some((raw, i) => branchTarget(raw, ops[i]!, this.k0 + i) === this.k0);
    // The loop header: registers are reloaded from memory on each pass (the back edge stores them).
    if (this.loops) f.op(W.loop, VOID);
    let ended = false;
    for (let i = 0; i < words.length; i++) {
      ended = this.instruction(words[i]!, ops[i]!, this.k0 + i, i);
    }
    if (!ended) this.leaveTo(this.k0 + words.length, words.length);
    if (this.loops) f.op(W.end);
    // Every path returned; the function's end still needs a value for validation.
    f.i32(0);
  }

  /** One instruction at page index `k`, the `i`th of the block. Returns true if it ended the block. */
  private instruction(raw: number, op: number, k: number, i: number): boolean {
    const f = this.f;
    const d = raw & 31;
    const n = (raw >>> 5) & 31;
    const m = (raw >>> 16) & 31;
    const sf = raw < 0;
    switch (op) {
      case 1: case 2: { // adr adrp
        const imm = (((raw << 8) >> 13) << 2) | ((raw >>> 29) & 3);
        if (op === 1) f.get(this.pg).i64(BigInt(k * 4 + imm)).op(W.i64_add).set(this.r);
        else f.get(this.pg).i64(BigInt(imm) * 4096n).op(W.i64_add).set(this.r);
        this.setX(d, this.r);
        return false;
      }
      case 3: case 4: case 5: case 6: { // add adds sub subs (immediate)
        let imm = (raw >>> 10) & 0xfff;
        if (raw & 0x400000) imm *= 4096;
        const sub = op >= 5;
        const flags = op === 4 || op === 6;
        if (sf) {
          this.xsp(n); f.set(this.a);
          f.i64(sub ? ~BigInt(imm) : BigInt(imm)).set(this.b);
          this.add64(sub ? 1 : 0, flags);
          this.setX(d, this.r, !flags);
        } else {
          this.xsp(n); f.op(W.i32_wrap_i64).set(this.a32);
          f.i32(sub ? ~imm : imm).set(this.b32);
          this.add32(sub ? 1 : 0, flags);
          this.setW(d, this.r32, !flags);
        }
        return false;
      }
      case 7: case 8: case 9: case 10: { // and orr eor ands (immediate)
        const v = logicalImmOf(raw)!;
        const bin = op === 8 ? W.i64_or : op === 9 ? W.i64_xor : W.i64_and;
        if (sf) {
          this.x(n); f.i64(v).op(bin).set(this.r);
          if (op === 10) this.logicFlags64(this.r);
          this.setX(d, this.r, op !== 10);
        } else {
          const b32 = op === 8 ? W.i32_or : op === 9 ? W.i32_xor : W.i32_and;
          this.w(n); f.i32(Number(BigInt.asIntN(32, v))).op(b32).set(this.r32);
          if (op === 10) this.logicFlags32(this.r32);
          this.setW(d, this.r32, op !== 10);
        }
        return false;
      }
      case 11: case 12: case 13: { // movn movz movk
        const imm = BigInt((raw >>> 5) & 0xffff);
        const shift = BigInt(((raw >>> 21) & 3) * 16);
        if (op === 13) {
          this.x(d); f.i64(~(0xffffn << shift)).op(W.i64_and).i64(imm << shift).op(W.i64_or);
          if (!sf) f.i64(MASK32).op(W.i64_and);
          f.set(this.r);
        } else {
          let v = imm << shift;
          if (op === 11) v = ~v;
          f.i64(sf ? BigInt.asIntN(64, v) : BigInt.asIntN(64, v & MASK32)).set(this.r);
        }
        this.setX(d, this.r);
        return false;
      }
      case 14: case 15: case 16: { // sbfm bfm ubfm
        const R = (raw >>> 16) & 63;
        const S = (raw >>> 10) & 63;
        if (sf) {
          const wmask = ror64(ones(S + 1), R);
          const tmask = ones(((S - R) & 63) + 1);
          this.x(n); f.i64(BigInt(R)).op(W.i64_rotr).i64(BigInt.asIntN(64, wmask)).op(W.i64_and);
          if (op === 15) { this.x(d); f.i64(BigInt.asIntN(64, ~wmask)).op(W.i64_and).op(W.i64_or); }
          f.i64(BigInt.asIntN(64, tmask)).op(W.i64_and);
          if (op === 14) { this.x(n); f.i64(BigInt(63 - S)).op(W.i64_shl).i64(63n).op(W.i64_shr_s); }
          else if (op === 15) this.x(d);
          else f.i64(0n);
          f.i64(BigInt.asIntN(64, ~tmask)).op(W.i64_and).op(W.i64_or).set(this.r);
          this.setX(d, this.r);
        } else {
          const R5 = R & 31, S5 = S & 31;
          const wmask = ror32(S5 === 31 ? -1 : ((1 << (S5 + 1)) - 1) | 0, R5);
          const tl = ((S5 - R5) & 31) + 1;
          const tmask = tl === 32 ? -1 : ((1 << tl) - 1) | 0;
          this.w(n); f.i32(R5).op(W.i32_rotr).i32(wmask).op(W.i32_and);
          if (op === 15) { this.w(d); f.i32(~wmask).op(W.i32_and).op(W.i32_or); }
          f.i32(tmask).op(W.i32_and);
          if (op === 14) { this.w(n); f.i32(31 - S5).op(W.i32_shl).i32(31).op(W.i32_shr_s); }
          else if (op === 15) this.w(d);
          else f.i32(0);
          f.i32(~tmask).op(W.i32_and).op(W.i32_or).set(this.r32);
          this.setW(d, this.r32);
        }
        return false;
      }
      case 17: { // extr
        const lsb = (raw >>> 10) & 63;
        if (sf) {
          this.x(m);
          if (lsb !== 0) { f.i64(BigInt(lsb)).op(W.i64_shr_u); this.x(n); f.i64(BigInt(64 - lsb)).op(W.i64_shl).op(W.i64_or); }
          f.set(this.r);
          this.setX(d, this.r);
        } else {
          this.w(m);
          if (lsb !== 0) { f.i32(lsb).op(W.i32_shr_u); this.w(n); f.i32(32 - lsb).op(W.i32_shl).op(W.i32_or); }
          f.set(this.r32);
          this.setW(d, this.r32);
        }
        return false;
      }
      case 18: case 19: case 20: { // lsl lsr asr (immediate)
        const imms = (raw >>> 10) & 63;
        const immr = (raw >>> 16) & 63;
        if (sf) {
          const amount = op === 18 ? 63 - imms : immr;
          this.x(n); f.i64(BigInt(amount)).op(op === 18 ? W.i64_shl : op === 19 ? W.i64_shr_u : W.i64_shr_s).set(this.r);
          this.setX(d, this.r);
        } else {
          const amount = op === 18 ? 31 - imms : immr;
          this.w(n); f.i32(amount).op(op === 18 ? W.i32_shl : op === 19 ? W.i32_shr_u : W.i32_shr_s).set(this.r32);
          this.setW(d, this.r32);
        }
        return false;
      }
      case 21: case 22: { // b bl
        if (op === 22) { this.pcOf(this.r, k + 1); this.setX(30, this.r); }
        const off = (raw << 6) >> 4;
        if (op === 21 && branchTarget(raw, op, k) === this.k0) {
          this.loopBack(i, 0);
          return true;
        }
        const target = branchTarget(raw, op, k);
        if (target !== undefined) {
          this.leaveTo(target, i + 1);
          return true;
        }
        f.get(this.pg).i64(BigInt(k * 4 + off)).op(W.i64_add).set(this.r);
        this.exit(this.r, i + 1);
        return true;
      }
      case 23: case 24: case 25: case 26: case 27: { // b.cond cbz cbnz tbz tbnz
        let off: number;
        if (op === 23) {
          this.cond(raw & 15);
          off = (raw << 8) >> 11;
        } else if (op <= 25) {
          if (sf) { this.x(d); f.op(W.i64_eqz); } else { this.w(d); f.op(W.i32_eqz); }
          if (op === 25) f.op(W.i32_eqz);
          off = (raw << 8) >> 11;
        } else {
          const bit = ((raw >>> 26) & 32) | ((raw >>> 19) & 31);
          this.x(d); f.i64(BigInt(bit)).op(W.i64_shr_u).i64(1n).op(W.i64_and).op(W.i32_wrap_i64);
          if (op === 26) f.op(W.i32_eqz);
          off = (raw << 13) >> 16;
        }
        // Taken: out by a side exit (or back to the start); not taken: on with the next instruction.
        f.op(W.if, VOID);
        const target = branchTarget(raw, op, k);
        if (target === this.k0) this.loopBack(i, 1);
        else if (target !== undefined) this.leaveTo(target, i + 1);
        else {
          f.get(this.pg).i64(BigInt(k * 4 + (off & ~3))).op(W.i64_add).set(this.r);
          this.exit(this.r, i + 1);
        }
        f.op(W.end);
        return false;
      }
      case 28: case 29: case 30: { // br blr ret
        this.x(n); f.set(this.r);
        if (op === 29) { this.pcOf(this.a, k + 1); this.setX(30, this.a); }
        this.exit(this.r, i + 1);
        return true;
      }
      case 50: case 51: case 52: case 53: case 54: case 55: case 56: case 57: case 58: { // logical (shifted register), mov
        const type = (raw >>> 22) & 3;
        const amount = (raw >>> 10) & 63;
        const sub = op - 50;
        if (sf) {
          this.shifted64(m, type, amount);
          if (op !== 58) {
            if (sub & 1) f.i64(-1n).op(W.i64_xor);
            f.set(this.b);
            this.x(n); f.get(this.b);
            f.op((sub >> 1) === 1 ? W.i64_or : (sub >> 1) === 2 ? W.i64_xor : W.i64_and);
          }
          f.set(this.r);
          if (sub >= 6 && op !== 58) this.logicFlags64(this.r);
          this.setX(d, this.r);
        } else {
          this.shifted32(m, type, amount);
          if (op !== 58) {
            if (sub & 1) f.i32(-1).op(W.i32_xor);
            f.set(this.b32);
            this.w(n); f.get(this.b32);
            f.op((sub >> 1) === 1 ? W.i32_or : (sub >> 1) === 2 ? W.i32_xor : W.i32_and);
          }
          f.set(this.r32);
          if (sub >= 6 && op !== 58) this.logicFlags32(this.r32);
          this.setW(d, this.r32);
        }
        return false;
      }
      case 60: case 61: case 62: case 63: case 64: case 65: case 66: case 67: { // add/sub shifted and extended
        const extended = op >= 64;
        const sub = (op & 2) === 2;
        const flags = (op & 1) === 1;
        // Operand b.
        if (extended) this.extendedOperand(m, (raw >>> 13) & 7, (raw >>> 10) & 7);
        else if (sf) this.shifted64(m, (raw >>> 22) & 3, (raw >>> 10) & 63);
        else { this.shifted32(m, (raw >>> 22) & 3, (raw >>> 10) & 63); f.op(W.i64_extend_i32_u); }
        if (sub) f.i64(-1n).op(W.i64_xor);
        f.set(this.b);
        if (extended) this.xsp(n); else this.x(n);
        f.set(this.a);
        const toSp = extended && !flags;
        if (sf) {
          this.add64(sub ? 1 : 0, flags);
          this.setX(d, this.r, toSp);
        } else {
          f.get(this.a).op(W.i32_wrap_i64).set(this.a32);
          f.get(this.b).op(W.i32_wrap_i64).set(this.b32);
          this.add32(sub ? 1 : 0, flags);
          this.setW(d, this.r32, toSp);
        }
        return false;
      }
      case 68: case 69: case 70: case 71: { // adc adcs sbc sbcs
        const sub = op >= 70;
        const flags = (op & 1) === 1;
        if (sf) {
          this.x(n); f.set(this.a);
          this.x(m); if (sub) f.i64(-1n).op(W.i64_xor);
          f.set(this.b);
          this.add64('flag', flags);
          this.setX(d, this.r);
        } else {
          this.w(n); f.set(this.a32);
          this.w(m); if (sub) f.i32(-1).op(W.i32_xor);
          f.set(this.b32);
          this.add32('flag', flags);
          this.setW(d, this.r32);
        }
        return false;
      }
      case 72: case 73: { // ccmn ccmp
        const imm = (raw & 0x800) !== 0;
        const sub = op === 73;
        // Operands first: the conditional body reads only locals.
        if (sf) {
          this.x(n); f.set(this.a);
          if (imm) f.i64(BigInt(m)); else this.x(m);
          if (sub) f.i64(-1n).op(W.i64_xor);
          f.set(this.b);
        } else {
          this.w(n); f.set(this.a32);
          if (imm) f.i32(m); else this.w(m);
          if (sub) f.i32(-1).op(W.i32_xor);
          f.set(this.b32);
        }
        this.cond((raw >>> 12) & 15);
        f.op(W.if, VOID);
        this.noDefer++;
        if (sf) this.add64(sub ? 1 : 0, true);
        else this.add32(sub ? 1 : 0, true);
        this.noDefer--;
        f.op(W.else).i32((raw & 15) << 28).set(this.nz).op(W.end);
        // nz holds CCMP's flags on both paths now.
        this.pending = undefined;
        return false;
      }
      case 74: case 75: case 76: case 77: { // csel csinc csinv csneg
        this.x(n);
        this.x(m);
        if (op === 76 || op === 77) f.i64(-1n).op(W.i64_xor);
        if (op === 75 || op === 77) f.i64(1n).op(W.i64_add);
        this.cond((raw >>> 12) & 15);
        f.op(W.select);
        if (!sf) f.i64(MASK32).op(W.i64_and);
        f.set(this.r);
        this.setX(d, this.r);
        return false;
      }
      case 78: case 79: { // udiv sdiv
        const signed = op === 79;
        if (sf) {
          this.x(n); f.set(this.a);
          this.x(m); f.set(this.b);
          f.get(this.b).op(W.i64_eqz).op(W.if, I64).i64(0n).op(W.else);
          if (signed) {
            f.get(this.b).i64(-1n).op(W.i64_eq).op(W.if, I64).i64(0n).get(this.a).op(W.i64_sub).op(W.else);
            f.get(this.a).get(this.b).op(W.i64_div_s).op(W.end);
          } else f.get(this.a).get(this.b).op(W.i64_div_u);
          f.op(W.end).set(this.r);
          this.setX(d, this.r);
        } else {
          this.w(n); f.set(this.a32);
          this.w(m); f.set(this.b32);
          f.get(this.b32).op(W.i32_eqz).op(W.if, I32).i32(0).op(W.else);
          if (signed) {
            f.get(this.b32).i32(-1).op(W.i32_eq).op(W.if, I32).i32(0).get(this.a32).op(W.i32_sub).op(W.else);
            f.get(this.a32).get(this.b32).op(W.i32_div_s).op(W.end);
          } else f.get(this.a32).get(this.b32).op(W.i32_div_u);
          f.op(W.end).set(this.r32);
          this.setW(d, this.r32);
        }
        return false;
      }
      case 80: case 81: case 82: case 83: { // lslv lsrv asrv rorv
        const bin64 = [W.i64_shl, W.i64_shr_u, W.i64_shr_s, W.i64_rotr][op - 80]!;
        const bin32 = [W.i32_shl, W.i32_shr_u, W.i32_shr_s, W.i32_rotr][op - 80]!;
        if (sf) { this.x(n); this.x(m); f.op(bin64).set(this.r); this.setX(d, this.r); }
        else { this.w(n); this.w(m); f.op(bin32).set(this.r32); this.setW(d, this.r32); }
        return false;
      }
      case 84: { // rbit: swap bits, pairs, nibbles, bytes, halfwords, words; a W register's lands in the high half
        this.x(n);
        if (!sf) f.i64(MASK32).op(W.i64_and);
        f.set(this.a);
        for (const [s, mask] of [[1n, 0x5555555555555555n], [2n, 0x3333333333333333n], [4n, 0x0f0f0f0f0f0f0f0fn], [8n, 0x00ff00ff00ff00ffn], [16n, 0x0000ffff0000ffffn]] as const) {
          f.get(this.a).i64(s).op(W.i64_shr_u).i64(mask).op(W.i64_and);
          f.get(this.a).i64(mask).op(W.i64_and).i64(s).op(W.i64_shl).op(W.i64_or).set(this.a);
        }
        f.get(this.a).i64(32n).op(W.i64_rotr);
        if (!sf) f.i64(32n).op(W.i64_shr_u);
        f.set(this.a);
        this.setX(d, this.a);
        return false;
      }
      case 85: case 86: case 87: case 88: case 89: { // rev16 rev32 rev clz cls
        if (op === 88 || op === 89) {
          if (sf) {
            this.x(n);
            if (op === 89) { f.set(this.a).get(this.a).get(this.a).i64(1n).op(W.i64_shr_s).op(W.i64_xor); }
            f.op(W.i64_clz);
            if (op === 89) f.i64(1n).op(W.i64_sub);
            f.set(this.r);
            this.setX(d, this.r);
          } else {
            this.w(n);
            if (op === 89) { f.set(this.a32).get(this.a32).get(this.a32).i32(1).op(W.i32_shr_s).op(W.i32_xor); }
            f.op(W.i32_clz);
            if (op === 89) f.i32(1).op(W.i32_sub);
            f.set(this.r32);
            this.setW(d, this.r32);
          }
          return false;
        }
        // Byte swaps: within halfwords, then halfwords within words, then the words (REV of an X register).
        this.x(n);
        if (!sf) f.i64(MASK32).op(W.i64_and);
        f.set(this.a);
        f.get(this.a).i64(8n).op(W.i64_shr_u).i64(0x00ff00ff00ff00ffn).op(W.i64_and);
        f.get(this.a).i64(0x00ff00ff00ff00ffn).op(W.i64_and).i64(8n).op(W.i64_shl).op(W.i64_or).set(this.a);
        if (op !== 85) {
          f.get(this.a).i64(16n).op(W.i64_shr_u).i64(0x0000ffff0000ffffn).op(W.i64_and);
          f.get(this.a).i64(0x0000ffff0000ffffn).op(W.i64_and).i64(16n).op(W.i64_shl).op(W.i64_or).set(this.a);
          if (op === 87 && sf) f.get(this.a).i64(32n).op(W.i64_rotr).set(this.a);
        }
        this.setX(d, this.a);
        return false;
      }
      case 90: case 91: case 92: case 93: case 94: case 95: case 96: case 97: { // madd msub smaddl smsubl smulh umaddl umsubl umulh
        const ra = (raw >>> 10) & 31;
        if (op === 94 || op === 97) {
          this.x(n); f.set(this.a);
          this.x(m); f.set(this.b);
          emitMulHigh(f, this.a, this.b, this.c, this.r, op === 94, op === 94);
          this.setX(d, this.r);
          return false;
        }
        if (op <= 91 && !sf) {
          this.w(ra); this.w(n); this.w(m); f.op(W.i32_mul).op(op === 90 ? W.i32_add : W.i32_sub).set(this.r32);
          this.setW(d, this.r32);
          return false;
        }
        this.x(ra);
        if (op <= 91) { this.x(n); this.x(m); }
        else {
          const ext = op <= 93 ? W.i64_extend_i32_s : W.i64_extend_i32_u;
          this.w(n); f.op(ext); this.w(m); f.op(ext);
        }
        f.op(W.i64_mul).op(op === 90 || op === 92 || op === 95 ? W.i64_add : W.i64_sub).set(this.r);
        this.setX(d, this.r);
        return false;
      }
      case 32: case 37: case 38: case 39: case 101: // hints, barriers, prfm
        return false;
      case 117: case 118: case 119: case 120: case 102: case 103: case 104: case 105: case 107:
        this.loadStore(raw, op, k, i);
        return false;
      case 108: case 109: case 110:
        this.loadStorePair(raw, op, k, i);
        return false;
      case 111: case 112: // STXR, LDXR (not the pairs): on RAM here, the rest by the interpreter
        this.exclusive(raw, op, k, i);
        return false;
      case 115: case 116: // STLR, LDAR: on RAM here, the rest by the interpreter
        this.ordered(raw, op, k, i);
        return false;
      case 121: case 122: // LD<op>/ST<op>/SWP and CAS: ADD, CLR, EOR, SET, SWP and CAS on RAM here, the rest by the interpreter
        if (this.atomic(raw, op, k, i)) return false;
        return this.helper(raw, op, k, i);
      case 150: case 157: case 159: // Advanced SIMD three same, shift by immediate, EXT: the element-wise forms here
        if (this.fp && this.vector(raw, op)) return false;
        return this.helper(raw, op, k, i);
      case 43: { // mrs: SP_EL0 and the constant ID registers read here at EL1 (system.ts mrsInline), the rest by the interpreter
        const inline = this.el === 1 ? mrsInline(sysKeyOf(raw)) : undefined;
        if (inline === undefined) return this.helper(raw, op, k, i);
        if (inline.slot >= 0) f.i32(0).mem(W.i64_load, 3, this.X + 8 * inline.slot);
        else f.i64(BigInt.asIntN(64, inline.value));
        f.set(this.r);
        this.setX(raw & 31, this.r);
        return false;
      }
      case 40: case 41: case 42: { // msr (immediate), sys, msr: DAIF, DC ZVA and DC maintenance (nothing) at EL1 here (system.ts daifWriteOf, nothingAtEl1), the rest by the interpreter
        if (this.el === 1 && (raw & ~31) >>> 0 === DC_ZVA) {
          this.zeroBlock(raw, op, k, i);
          return false;
        }
        if (this.el === 1 && op === 41 && nothingAtEl1(raw)) return false;
        const daif = this.el === 1 ? daifWriteOf(op, raw) : undefined;
        if (daif === undefined) return this.endingHelper(raw, op, k, i);
        this.daifWrite(daif, k, i);
        return false;
      }
      default:
        return this.helper(raw, op, k, i);
    }
  }

  // ---- Advanced SIMD ----
  //
  // V0..V31 stay in the state region (A64_V_OFFSET): the element-wise instructions Linux's NEON code is
  // made of (SHA-256's rounds: USHR, SLI, EOR, ADD, EXT) are v128 loads, one v128 operation and a store
  // instead of a call of the interpreter's code. Only where FP/SIMD does not trap at the block's EL
  // (this.fp, from CPACR_EL1 when the batch was compiled); such a block checks CPACR_EL1.FPEN again
  // each time it is entered and, if SIMD traps now, returns as stale (the interpreter runs the code and
  // translates it again). A 64-bit form (Q = 0) clears the upper half of Vd, as the interpreter does.

  /** The memory address of Vr. */
  private vAddr(r: number): number {
    return this.X + (A64_V_OFFSET - A64_X_OFFSET) + 16 * r;
  }

  /** Pushes Vr (v128). */
  private v(r: number): void {
    this.f.i32(0).simdMem(SimdOp.v128_load, this.vAddr(r));
  }

  /**
   * Emits the instruction if it is an element-wise form done here (true); otherwise emits nothing (false)
   * and the interpreter's code runs it.
   */
  private vector(raw: number, op: number): boolean {
    const emit = this.vectorForm(raw, op);
    if (emit === undefined) return false;
    const f = this.f;
    f.i32(0);
    emit();
    if (((raw >>> 30) & 1) === 0) f.i64(0n).simd(SimdOp.i64x2_replace_lane, 1);
    f.simdMem(SimdOp.v128_store, this.vAddr(raw & 31));
    return true;
  }

  /** For an element-wise form done here: what pushes its result (v128); undefined for the rest. */
  private vectorForm(raw: number, op: number): (() => void) | undefined {
    const f = this.f;
    const q = (raw >>> 30) & 1;
    const u = (raw >>> 29) & 1;
    const d = raw & 31, n = (raw >>> 5) & 31, m = (raw >>> 16) & 31;
    let emit: (() => void) | undefined;
    if (op === 150 && (raw >>> 21 & 0x4f9) === 0x071 && ((raw >>> 10) & 1) === 1 && (raw >>> 31) === 0) {
      // Three same (vector): 0 Q U 01110 size 1 Rm opcode 1 Rn Rd.
      const size = (raw >>> 22) & 3;
      const opcode = (raw >>> 11) & 31;
      if (opcode === 0x03) {
        const logic = u * 4 + size;
        emit = () => {
          if (logic === 5) { this.v(n); this.v(m); this.v(d); f.simd(SimdOp.v128_bitselect); return; } // bsl
          if (logic === 6) { this.v(n); this.v(d); this.v(m); f.simd(SimdOp.v128_bitselect); return; } // bit
          if (logic === 7) { this.v(d); this.v(n); this.v(m); f.simd(SimdOp.v128_bitselect); return; } // bif
          this.v(n); this.v(m);
          if (logic === 3) f.simd(SimdOp.v128_not).simd(SimdOp.v128_or); // orn
          else f.simd([SimdOp.v128_and, SimdOp.v128_andnot, SimdOp.v128_or, 0, SimdOp.v128_xor][logic]!);
        };
      } else if (opcode === 0x10 && (size < 3 || q === 1)) {
        emit = () => {
          this.v(n); this.v(m);
          f.simd(u === 0
            ? [SimdOp.i8x16_add, SimdOp.i16x8_add, SimdOp.i32x4_add, SimdOp.i64x2_add][size]!
            : [SimdOp.i8x16_sub, SimdOp.i16x8_sub, SimdOp.i32x4_sub, SimdOp.i64x2_sub][size]!);
        };
      }
    } else if (op === 157 && (raw >>> 23 & 0x13f) === 0x01e && ((raw >>> 10) & 1) === 1 && (raw >>> 19 & 15) !== 0 && (raw >>> 31) === 0) {
      // Shift by immediate (vector): 0 Q U 011110 immh immb opcode 1 Rn Rd.
      const immh = (raw >>> 19) & 15;
      const es = immh >= 8 ? 3 : immh >= 4 ? 2 : immh >= 2 ? 1 : 0;
      const bits = 8 << es;
      const immhb = (raw >>> 16) & 127;
      const opcode = (raw >>> 11) & 31;
      const right = 2 * bits - immhb;
      const left = immhb - bits;
      const shl = [SimdOp.i8x16_shl, SimdOp.i16x8_shl, SimdOp.i32x4_shl, SimdOp.i64x2_shl][es]!;
      const shrU = [SimdOp.i8x16_shr_u, SimdOp.i16x8_shr_u, SimdOp.i32x4_shr_u, SimdOp.i64x2_shr_u][es]!;
      const shrS = [SimdOp.i8x16_shr_s, SimdOp.i16x8_shr_s, SimdOp.i32x4_shr_s, SimdOp.i64x2_shr_s][es]!;
      if (es === 3 && q === 0) emit = undefined;
      else if (opcode === 0x00) {
        // SSHR, USHR by 1..bits (wasm takes the count modulo the lane width: a shift by bits is spelt out).
        emit = () => {
          if (u === 1 && right === bits) f.simd(SimdOp.v128_const, ...new Array<number>(16).fill(0));
          else { this.v(n); f.i32(u === 0 && right === bits ? bits - 1 : right).simd(u ? shrU : shrS); }
        };
      } else if (opcode === 0x0a) {
        // SHL, SLI (keeps Vd's bits below the shift) by 0..bits-1.
        emit = () => {
          if (u === 1) { this.v(d); f.simd(SimdOp.v128_const, ...laneBytes(es, (1n << BigInt(left)) - 1n)).simd(SimdOp.v128_and); }
          this.v(n); f.i32(left).simd(shl);
          if (u === 1) f.simd(SimdOp.v128_or);
        };
      } else if (opcode === 0x08 && u === 1) {
        // SRI by 1..bits (keeps Vd's bits above what it inserts; by bits, all of Vd).
        emit = () => {
          this.v(d);
          if (right < bits) {
            const kept = ((1n << BigInt(bits)) - 1n) ^ (((1n << BigInt(bits)) - 1n) >> BigInt(right));
            f.simd(SimdOp.v128_const, ...laneBytes(es, kept)).simd(SimdOp.v128_and);
            this.v(n); f.i32(right).simd(shrU).simd(SimdOp.v128_or);
          }
        };
      }
    } else if (op === 159 && (raw & 0xbfe08400) === 0x2e000000) {
      // EXT: 0 Q 101110 000 Rm 0 imm4 0 Rn Rd, bytes imm4.. of Vm:Vn (of the low halves for Q = 0).
      const imm4 = (raw >>> 11) & 15;
      if (q === 1) emit = () => { this.v(n); this.v(m); f.simd(SimdOp.i8x16_shuffle, ...Array.from({ length: 16 }, (_, j) => imm4 + j)); };
      else if (imm4 < 8) {
        emit = () => {
          this.v(n); this.v(m);
          f.simd(SimdOp.i8x16_shuffle, ...Array.from({ length: 16 }, (_, j) => (j >= 8 ? 0 : imm4 + j < 8 ? imm4 + j : 16 + imm4 + j - 8)));
        };
      }
    }
    return emit;
  }

  /**
   * A write of PSTATE.DAIF (MSR DAIF, DAIFSet, DAIFClr) on its word in the state region (cpu.ts SysSlot).
   * As the interpreter's code does (system.ts unmasksPending): when it unmasks something while an
   * interrupt is pending (the CPU header's pending word), the block leaves at the next instruction with
   * the stop word raised, so that the run loop takes the interrupt there; otherwise it goes on.
   */
  private daifWrite(write: DaifWrite, k: number, i: number): void {
    const f = this.f;
    const at = this.X + 8 * SysSlot.daif;
    f.i32(0).mem(W.i32_load, 2, at).set(this.a32);
    if (write.kind === 'register') {
      this.w(write.rt);
      f.i32(0x3c0).op(W.i32_and);
    } else if (write.kind === 'set') f.get(this.a32).i32(write.mask).op(W.i32_or);
    else f.get(this.a32).i32(~write.mask).op(W.i32_and);
    f.set(this.b32);
    f.i32(0).get(this.b32).mem(W.i32_store, 2, at);
    if (write.kind === 'set') return;
    f.get(this.a32).get(this.b32).i32(-1).op(W.i32_xor).op(W.i32_and).i32(0).op(W.i32_ne);
    f.i32(0).mem(W.i32_load, 2, this.X - A64_X_OFFSET + 4 * CpuWord.pending).i32(3).op(W.i32_and).i32(0).op(W.i32_ne);
    f.op(W.i32_and).op(W.if, VOID);
    f.i32(0).i32(1).mem(W.i32_store, 2, this.X + 8 * SLOT_STOP);
    this.pcOf(this.r, k + 1);
    this.exit(this.r, i + 1);
    f.op(W.end);
  }

  /**
   * MSR or SYS by the interpreter's own code from inside the block (endingOp): registers out and back, and
   * out of the block at the next instruction when the helper says so (it raised the stop word if the
   * slice ends there).
   */
  private endingHelper(raw: number, op: number, k: number, i: number): boolean {
    const f = this.f;
    this.settle();
    this.flushAll();
    this.forgetAll();
    this.callInterpreter(this.endingFn, raw, op, k, i);
    f.tee(this.e).i32(-2).op(W.i32_and).set(this.nz);
    f.get(this.e).i32(1).op(W.i32_and).op(W.if, VOID);
    this.pcOf(this.r, k + 1);
    this.exit(this.r, i + 1);
    f.op(W.end);
    return false;
  }

  /** An instruction run by the interpreter's own code from inside the block (helperOp): registers out and back. */
  private helper(raw: number, op: number, k: number, i: number): boolean {
    if (!helperOp(op)) throw new Error(`A64 tier: op ${op} is not translatable`);
    this.settle();
    this.flushAll();
    // FP and SIMD that write only V registers (or NZCV): the general registers cached in locals stay valid
    // (SHA-256's NEON rounds interleave ~150 of them with ~600 integer instructions).
    if (!vectorOnly(raw)) this.forgetAll();
    this.callInterpreter(this.otherFn, raw, op, k, i);
    this.f.set(this.nz);
    return false;
  }

  /** Pushes Xm shifted (type 0..3: LSL, LSR, ASR, ROR) as i64. */
  private shifted64(m: number, type: number, amount: number): void {
    this.x(m);
    if (amount !== 0) this.f.i64(BigInt(amount)).op([W.i64_shl, W.i64_shr_u, W.i64_shr_s, W.i64_rotr][type]!);
  }
  /** Pushes Wm shifted as i32. */
  private shifted32(m: number, type: number, amount: number): void {
    this.w(m);
    if (amount !== 0) this.f.i32(amount & 31).op([W.i32_shl, W.i32_shr_u, W.i32_shr_s, W.i32_rotr][type]!);
  }
  /** Pushes Xm extended (UXTB..SXTX) and shifted left by `amount` as i64. */
  private extendedOperand(m: number, option: number, amount: number): void {
    const f = this.f;
    this.x(m);
    switch (option) {
      case 0: f.i64(0xffn).op(W.i64_and); break;
      case 1: f.i64(0xffffn).op(W.i64_and); break;
      case 2: f.i64(MASK32).op(W.i64_and); break;
      case 4: f.op(W.i64_extend8_s); break;
      case 5: f.op(W.i64_extend16_s); break;
      case 6: f.op(W.i64_extend32_s); break;
      default: break;
    }
    if (amount !== 0) f.i64(BigInt(amount)).op(W.i64_shl);
  }

  /**
   * Sets lo and e from the address in local a, and pushes whether the TLB (read or write) holds its
   * page for this EL and the access of `size` bytes is aligned (core/jit/emit-tlb.ts), or with
   * `unaligned` lies in the page: ordinary loads and stores to RAM need no alignment (SCTLR_EL1.A is not
   * modelled, memory.ts), exclusives and atomics do (and wasm's atomics trap without it).
   */
  private tlbHit(write: boolean, size: number, unaligned = false): void {
    emitTlbHit(this.f, this.TLB + (write ? A64_TLB_BYTES : 0), TLB_SIZE, this.a, this.lo, this.e, this.el, size, unaligned);
  }

  /** Pushes the RAM span offset of the address in lo (after tlbHit). */
  private hostAddress(write: boolean): void {
    emitTlbOffset(this.f, this.TLB + (write ? A64_TLB_BYTES : 0), this.lo, this.e);
  }

  /** Calls an import running the interpreter's code for the instruction at index `i`: (op, raw, k, count, nzcv, page). */
  private callInterpreter(fn: HelperCall, raw: number, op: number, k: number, i: number): void {
    // The interpreter's code sees NZCV (a fault saves it in SPSR_EL1): on this path at least.
    this.materializeHere();
    this.f.i32(op).i32(raw).i32(k).get(this.cnt).i32(i).op(W.i32_add).get(this.nz).get(this.pLo).get(this.pHi).callIndirect(fn);
  }


  private loadStore(raw: number, op: number, k: number, i: number): void {
    const f = this.f;
    const n = (raw >>> 5) & 31;
    const t = raw & 31;
    const sizeLog = raw >>> 30;
    const size = 1 << sizeLog;
    const opc = op >= 117 ? (op === 117 || op === 119 ? 1 : 0) : (raw >>> 22) & 3;
    const store = opc === 0;
    // Address into a.
    this.xsp(n);
    if (op === 102 || op >= 117) f.i64(BigInt(((raw >>> 10) & 0xfff) << sizeLog)).op(W.i64_add);
    else if (op === 103 || op === 105) f.i64(BigInt((raw << 11) >> 23)).op(W.i64_add);
    else if (op === 107) { this.extendedOperand((raw >>> 16) & 31, (raw >>> 13) & 7, (raw >>> 12) & 1 ? sizeLog : 0); f.op(W.i64_add); }
    f.set(this.a);
    this.tlbHit(store, size, true);
    // The fast path needs no register in memory; the slow path (the interpreter's code) stores them first.
    this.direct++;
    f.op(W.if, VOID);
    if (store) {
      this.hostAddress(true);
      this.x(t);
      f.mem([W.i64_store8, W.i64_store16, W.i64_store32, W.i64_store][sizeLog]!, sizeLog, this.RAM);
    } else {
      this.hostAddress(false);
      if (opc === 1 || sizeLog === 3) f.mem([W.i64_load8_u, W.i64_load16_u, W.i64_load32_u, W.i64_load][sizeLog]!, sizeLog, this.RAM);
      else if (opc === 2) f.mem([W.i64_load8_s, W.i64_load16_s, W.i64_load32_s][sizeLog]!, sizeLog, this.RAM);
      else f.mem([W.i32_load8_s, W.i32_load16_s][sizeLog]!, sizeLog, this.RAM).op(W.i64_extend_i32_u);
      f.set(this.r);
      this.bindLocal(t, this.r);
    }
    // Write-back of the base (post: base + imm; pre: the address).
    if (op === 104) { f.get(this.a).i64(BigInt((raw << 11) >> 23)).op(W.i64_add).set(this.c); this.bindLocal(n, this.c, true); }
    else if (op === 105) this.bindLocal(n, this.a, true);
    const written = [...(store ? [] : [t]), ...(op === 104 || op === 105 ? [n] : [])];
    f.op(W.else);
    this.storeDirty();
    this.callInterpreter(this.slowFn, raw, op, k, i);
    this.reload(written);
    f.op(W.end);
    this.direct--;
    this.bound(written);
  }

  /**
   * An access to [Xn|SP] the block does itself (`fast`, with the RAM offset on the stack, then setting
   * `dest` from local r) when the read or write TLB has the page and the address is aligned to `size`;
   * the interpreter's code otherwise (device memory, faults). `dest`: the register it writes, if any.
   */
  private ramAccess(raw: number, op: number, k: number, i: number, write: boolean, size: number, dest: number | undefined, fast: () => void): void {
    const f = this.f;
    this.xsp((raw >>> 5) & 31);
    f.set(this.a);
    this.tlbHit(write, size);
    this.direct++;
    f.op(W.if, VOID);
    this.hostAddress(write);
    fast();
    if (dest !== undefined) this.bindLocal(dest, this.r);
    f.op(W.else);
    this.storeDirty();
    this.callInterpreter(this.otherFn, raw, op, k, i);
    f.op(W.drop); // NZCV: these leave it as it went in
    if (dest !== undefined) this.reload([dest]);
    f.op(W.end);
    this.direct--;
    if (dest !== undefined) this.bound([dest]);
  }

  /**
   * DC ZVA at EL1 (Linux's clear_page and memset): the 64-byte block holding Xt's address zeroed here
   * when the write TLB holds its page (RAM, not a page of code, no watchpoint), as eight stores; else
   * the interpreter's code (memory.ts zeroBlock: a fault, MMIO, a code page). EL0 goes to the
   * interpreter, which checks SCTLR_EL1.DZE.
   */
  private zeroBlock(raw: number, op: number, k: number, i: number): void {
    const f = this.f;
    this.x(raw & 31);
    f.i64(-64n).op(W.i64_and).set(this.a);
    this.tlbHit(true, 1);
    this.direct++;
    f.op(W.if, VOID);
    this.hostAddress(true);
    f.set(this.a32);
    for (let b = 0; b < 64; b += 8) f.get(this.a32).i64(0n).mem(W.i64_store, 3, this.RAM + b);
    f.op(W.else);
    this.storeDirty();
    this.callInterpreter(this.otherFn, raw, op, k, i);
    f.op(W.drop); // NZCV: DC ZVA leaves it as it went in
    f.op(W.end);
    this.direct--;
  }

  /**
   * LD<op>/ST<op> (ADD, CLR, EOR, SET), SWP and CAS as one wasm atomic read-modify-write on the shared
   * memory (so atomic against the other vCPUs' threads and sequentially consistent, as the interpreter's
   * Atomics loops are); the signed and unsigned max/min by the interpreter's code (atomics.ts). Returns
   * false, having emitted nothing, for those.
   */
  private atomic(raw: number, op: number, k: number, i: number): boolean {
    const f = this.f;
    const sizeLog = raw >>> 30;
    const s = (raw >>> 16) & 31, t = raw & 31;
    let group: number;
    if (op === 122) group = AtomicOp.cmpxchg;
    else {
      const opc = (raw >>> 15) & 1 ? -1 : (raw >>> 12) & 7;
      const g = opc === -1 ? AtomicOp.xchg : [AtomicOp.add, AtomicOp.and, AtomicOp.xor, AtomicOp.or][opc];
      if (g === undefined) return false;
      group = g;
    }
    // The old value, zero-extended, goes to Rt (XZR for ST<op>), or to Rs for CAS.
    this.ramAccess(raw, op, k, i, true, 1 << sizeLog, op === 122 ? s : t, () => {
      if (op === 122) { this.x(s); this.x(t); } // expected, new value
      else {
        this.x(s);
        if (group === AtomicOp.and) f.i64(-1n).op(W.i64_xor); // LDCLR: memory & ~Rs
      }
      f.atomic(group + atomicWidth(1 << sizeLog), sizeLog, this.RAM).set(this.r);
    });
    return true;
  }

  /**
   * LDXR/LDAXR and STXR/STLXR (one register, every size) on RAM, as the interpreter's code does them
   * (load-store.ts) on the monitor's words in the state region (cpu.ts SysSlot.monitor): the load opens
   * the monitor on the RAM offset with the value it saw; the store succeeds (Ws = 0) if the monitor is
   * open on the same offset and size and memory still holds that value, swapped in with one wasm
   * compare-exchange, and closes it either way.
   */
  private exclusive(raw: number, op: number, k: number, i: number): void {
    const f = this.f;
    const load = op === 112;
    const sizeLog = raw >>> 30;
    const size = 1 << sizeLog;
    const t = raw & 31, s = (raw >>> 16) & 31;
    const monitor = this.X + 8 * SysSlot.monitor;
    const seen = this.X + 8 * SysSlot.monitorValue;
    this.ramAccess(raw, op, k, i, !load, size, load ? t : s, () => {
      f.set(this.a32);
      if (load) {
        f.get(this.a32).atomic(AtomicOp.load + atomicWidth(size), sizeLog, this.RAM).set(this.r);
        f.i32(0).get(this.a32).mem(W.i32_store, 2, monitor);
        f.i32(0).i32(size).mem(W.i32_store, 2, monitor + 4);
        f.i32(0).get(this.r).mem(W.i64_store, 3, seen);
        return;
      }
      f.i32(0).mem(W.i32_load, 2, monitor).get(this.a32).op(W.i32_eq);
      f.i32(0).mem(W.i32_load, 2, monitor + 4).i32(size).op(W.i32_eq).op(W.i32_and);
      f.op(W.if, I32);
      // (The value seen is zero-extended already: only a load of this size opened the monitor.)
      f.i32(0).mem(W.i64_load, 3, seen).set(this.c);
      f.get(this.a32).get(this.c);
      this.x(t);
      f.atomic(AtomicOp.cmpxchg + atomicWidth(size), sizeLog, this.RAM).get(this.c).op(W.i64_eq);
      f.op(W.else).i32(0).op(W.end);
      f.set(this.b32);
      f.i32(0).i32(-1).mem(W.i32_store, 2, monitor);
      f.i32(1).get(this.b32).op(W.i32_sub).op(W.i64_extend_i32_u).set(this.r);
    });
  }

  /**
   * LDAR/STLR (and their narrow forms) as a wasm atomic load or store, sequentially consistent as the
   * interpreter's Atomics.load/store are.
   */
  private ordered(raw: number, op: number, k: number, i: number): void {
    const f = this.f;
    const load = op === 116;
    const sizeLog = raw >>> 30;
    const size = 1 << sizeLog;
    const t = raw & 31;
    this.ramAccess(raw, op, k, i, !load, size, load ? t : undefined, () => {
      if (load) f.atomic(AtomicOp.load + atomicWidth(size), sizeLog, this.RAM).set(this.r);
      else {
        this.x(t);
        f.atomic(AtomicOp.store + atomicWidth(size), sizeLog, this.RAM);
      }
    });
  }

  private loadStorePair(raw: number, op: number, k: number, i: number): void {
    const f = this.f;
    const n = (raw >>> 5) & 31;
    const t = raw & 31;
    const t2 = (raw >>> 10) & 31;
    const opc = raw >>> 30;
    const scale = opc === 2 ? 3 : 2;
    const size = 1 << scale;
    const off = ((raw << 10) >> 25) << scale;
    const load = (raw & 0x400000) !== 0;
    this.xsp(n);
    if (op !== 109) f.i64(BigInt(off)).op(W.i64_add);
    f.set(this.a);
    this.tlbHit(!load, 2 * size, true);
    // The fast path needs no register in memory; the slow path (the interpreter's code) stores them first.
    this.direct++;
    f.op(W.if, VOID);
    this.hostAddress(!load);
    f.set(this.b32);
    if (!load) {
      f.get(this.b32); this.x(t); f.mem(scale === 3 ? W.i64_store : W.i64_store32, scale, this.RAM);
      f.get(this.b32); this.x(t2); f.mem(scale === 3 ? W.i64_store : W.i64_store32, scale, this.RAM + size);
    } else {
      const ld = scale === 3 ? W.i64_load : opc === 1 ? W.i64_load32_s : W.i64_load32_u;
      f.get(this.b32).mem(ld, scale, this.RAM).set(this.r);
      f.get(this.b32).mem(ld, scale, this.RAM + size).set(this.c);
      this.bindLocal(t, this.r);
      this.bindLocal(t2, this.c);
    }
    if (op === 109) { f.get(this.a).i64(BigInt(off)).op(W.i64_add).set(this.c); this.bindLocal(n, this.c, true); }
    else if (op === 110) this.bindLocal(n, this.a, true);
    const written = [...(load ? [t, t2] : []), ...(op === 109 || op === 110 ? [n] : [])];
    f.op(W.else);
    this.storeDirty();
    this.callInterpreter(this.slowFn, raw, op, k, i);
    this.reload(written);
    f.op(W.end);
    this.direct--;
    this.bound(written);
  }
}
