/**
 * The LA64 translation tier: hot straight-line runs of instructions in one 4 KiB page (a block ends at
 * B/BL/JIRL, at the end of the page, after MAX_BLOCK instructions, or before an instruction it leaves to
 * the interpreter) become WebAssembly functions over the machine's shared memory, on the writer
 * core/jit/wasm-module.ts and the shape of the RV64 tier (isa/riscv64/tier.ts, decision 0014): r1-r31 in
 * i64 locals (loaded on first use, written back before the interpreter's code runs and at every exit),
 * loads and stores checked inline against a small data TLB in the CPU's state region (read and write,
 * filled here from the CPU's own translation after a slow access: the direct address mode, the DMWs and
 * TLB pages, tagged with the translation mode), conditional branches as side exits, a branch back to the
 * block's first instruction as a wasm loop while the budget lasts, batches of blocks per module, and a
 * dispatcher in WebAssembly that chains blocks through a function table while the jump cache knows the
 * next pc. Each block compares its instruction words with RAM when entered and returns -1 when one
 * changed (the CPU's own stores, another CPU, a device); the interpreter then runs that code and may
 * translate it again.
 *
 * Translated: the base integer ISA (arithmetic, logic, shifts and rotates, SLT*, LU12I/LU32I/LU52I,
 * PCADDI/PCADDU12I/PCADDU18I/PCALAU12I, ALSL, BSTRINS/BSTRPICK, BYTEPICK, REVB/REVH, EXT, CLZ/CLO/CTZ/CTO, MUL/MULH/MULW,
 * DIV/MOD with the interpreter's answers for zero divisors), loads and stores of every width (LD/ST,
 * LDX/STX, LDPTR/STPTR), the branches, B/BL/JIRL, PRELD and DBAR as no-ops. Called through the
 * interpreter's own handler from inside a block (registers out and back; they go on with the next
 * instruction or raise): FP and LSX, the AM* atomics, CSRRD, IOCSRRD, RDTIME, CPUCFG, CACOP and the
 * bit reversals; CSRWR/CSRXCHG and IOCSRWR too, which leave the block at the next instruction with the
 * stop word raised (the dispatcher returns) when the write changed the translation mode (CRMD's PLV, DA,
 * PG), the mapping (ASID, STLBPS, a DMW) or set CRMD.IE (LaCpu.tierExecute says which). Left to the
 * interpreter, ending a block (the next instruction is a head again): TLB instructions, LDDIR/LDPTE, LL/SC, IBAR, ERTN, IDLE, SYSCALL/BREAK/HVCL/DBCL,
 * the FP branches, and words without a row. While the LLbit is set, the LL address's page stays out of
 * the write TLB, so a store there takes the interpreter's path, which clears the LLbit.
 *
 * The budget: a dispatch runs at most SLICE instructions and stops before the limit a block could
 * overrun (each block runs at most MAX_BLOCK); with less left than that, only a block that fits runs
 * (once, no loop back), so a run retires exactly its budget, as deterministic mode needs. The run loop
 * looks at the request word, the timer and interrupts after each dispatch, as between its chunks.
 */
import type { LaCpu } from './cpu';
import { decode, type Decoded } from './decoder';
import { OPCODES } from './opcodes';
import { emitMulHigh } from '../../jit/emit-arith';
import { RegisterLocals } from '../../jit/register-locals';
import { BlockCache, now, PENDING, VERY_HOT, type QueuedBlock, type TierPage } from '../../jit/block-cache';
import { FunctionBody, I32, I64, ModuleBuilder, Op as W, VOID } from '../../jit/wasm-module';
import { type HelperCall, HelperTable } from '../../jit/helper-table';
import { DOUBLE_FIELD } from '../../cpu/double-field';

/** Runs of a block head before it is translated. */
export const HOT = 32;
/** Blocks per compiled module. */
export const BATCH = 32;
/** Longest block, in instructions; blocks run only with more budget than this left. */
export const MAX_BLOCK = 48;
/**
 * Most instructions one dispatch runs: the run loop then looks at the request word, the timer and
 * pending interrupts (the interpreter looks every 256 instructions).
 */
export const SLICE = 4096;
/** Translated blocks kept before the cache is emptied. */
const MAX_BLOCKS = 60000;

/** Entries of the inline data TLB (per access type: read, write). */
export const DATA_TLB = 256;
/** The tier's words in the CPU's state region, from its start (LA_TIER_OFFSET in cpu.ts): rTag, rHi, rHost, wTag, wHi, wHost. */
const TLB_BYTES = 6 * 4 * DATA_TLB;
const STALE = TLB_BYTES;
/** Set by a block whose CSR write changed the translation mode or mapping or enabled interrupts: the dispatcher returns. */
const STOP = TLB_BYTES + 4;
export const JC_ENTRIES = 16384;
const JC = TLB_BYTES + 16;
/** Bytes of the tier's part of the state region. */
export const LA_TIER_BYTES = JC + 16 * JC_ENTRIES;

/** A trap taken inside a block: the CPU has entered the exception; `count` instructions retired (the trapping one included). */
const TIER_TRAP = { tierTrap: true };

/** What the tier does with each decode-table row. */
const enum Kind { Stop = 0, Inline = 1, Helper = 2, Branch = 3, End = 4, Nop = 5, Ending = 6 }

const INLINE = new Set([
  'add.w', 'add.d', 'sub.w', 'sub.d', 'slt', 'sltu', 'slti', 'sltui', 'maskeqz', 'masknez', 'nor', 'and', 'or', 'xor', 'orn', 'andn',
  'addi.w', 'addi.d', 'addu16i.d', 'andi', 'ori', 'xori', 'lu12i.w', 'lu32i.d', 'lu52i.d', 'pcaddi', 'pcaddu12i', 'pcaddu18i', 'pcalau12i',
  'alsl.w', 'alsl.wu', 'alsl.d', 'mul.w', 'mulh.w', 'mulh.wu', 'mul.d', 'mulh.d', 'mulh.du', 'mulw.d.w', 'mulw.d.wu',
  'div.w', 'mod.w', 'div.wu', 'mod.wu', 'div.d', 'mod.d', 'div.du', 'mod.du',
  'sll.w', 'srl.w', 'sra.w', 'rotr.w', 'sll.d', 'srl.d', 'sra.d', 'rotr.d',
  'slli.w', 'srli.w', 'srai.w', 'rotri.w', 'slli.d', 'srli.d', 'srai.d', 'rotri.d',
  'ext.w.h', 'ext.w.b', 'clo.w', 'clz.w', 'cto.w', 'ctz.w', 'clo.d', 'clz.d', 'cto.d', 'ctz.d',
  'bstrins.w', 'bstrins.d', 'bstrpick.w', 'bstrpick.d', 'bytepick.w', 'bytepick.d',
  'revb.2h', 'revb.4h', 'revb.2w', 'revb.d', 'revh.2w', 'revh.d',
  'ld.b', 'ld.h', 'ld.w', 'ld.d', 'ld.bu', 'ld.hu', 'ld.wu', 'ldx.b', 'ldx.h', 'ldx.w', 'ldx.d', 'ldx.bu', 'ldx.hu', 'ldx.wu',
  'st.b', 'st.h', 'st.w', 'st.d', 'stx.b', 'stx.h', 'stx.w', 'stx.d', 'ldptr.w', 'ldptr.d', 'stptr.w', 'stptr.d',
]);
const BRANCH = new Set(['beqz', 'bnez', 'beq', 'bne', 'blt', 'bge', 'bltu', 'bgeu']);
const END = new Set(['b', 'bl', 'jirl']);
const NOP = new Set(['preld', 'dbar']);
const HELPER_NAMES = new Set([
  'bitrev.4b', 'bitrev.8b', 'bitrev.w', 'bitrev.d',
  'rdtimel.w', 'rdtimeh.w', 'rdtime.d', 'cpucfg', 'csrrd', 'iocsrrd.b', 'iocsrrd.h', 'iocsrrd.w', 'iocsrrd.d', 'cacop',
]);

const KIND: Uint8Array = Uint8Array.from(OPCODES, ({ mnemonic: m }) => {
  if (INLINE.has(m)) return Kind.Inline;
  if (BRANCH.has(m)) return Kind.Branch;
  if (END.has(m)) return Kind.End;
  if (NOP.has(m)) return Kind.Nop;
  if (HELPER_NAMES.has(m)) return Kind.Helper;
  if (m === 'csrwr' || m === 'csrxchg' || m.startsWith('iocsrwr')) return Kind.Ending;
  if (/^am(swap|add|and|or|xor|max|min)/.test(m)) return Kind.Helper;
  // FP and LSX, except the FP branches (bceqz/bcnez).
  if (m === 'bceqz' || m === 'bcnez') return Kind.Stop;
  if (/^(f|movgr2f|movfr2|movfrh2|movcf2|movgr2cf|movfcsr2gr|v)/.test(m)) return Kind.Helper;
  return Kind.Stop;
});

/** 1 for the rows translated code leaves to the interpreter (a block ends before them): the next instruction is a head. */
export const ENDS_BLOCK: Uint8Array = KIND.map((k) => (k === Kind.Stop ? 1 : 0));


/** One decoded instruction of a block. */
interface Insn {
  readonly word: number;
  readonly d: Decoded;
  /** Word index in the page. */
  readonly k: number;
}

/** A head queued for translation: where it is, its translation mode, its decoded run. */
interface LaQueued extends QueuedBlock {
  readonly host: number;
  readonly mode: number;
  readonly insns: Insn[];
}

export class LaTier {
  /** Runs of a block head before it is translated (tests lower it to translate everything). */
  hot = HOT;
  /** Heads per (RAM page, mode), batches, the function table and the figures (core/jit/block-cache.ts). */
  private readonly cache = new BlockCache<LaQueued>({
    slots: 1024, modes: 8, maxBlocks: MAX_BLOCKS, batch: BATCH,
    onFlush: () => this.jc.fill(0),
  });
  /** Figures: blocks translated, modules compiled, translation time (ms), stale-code exits, flushes, wasm bytes. */
  get stats(): BlockCache<LaQueued>['stats'] {
    return this.cache.stats;
  }
  /** Dispatches and the instructions they ran, slow-path loads and stores, helper calls from blocks. */
  readonly counters = { entries: 0, instructions: 0, slowLoads: 0, slowStores: 0, helpers: 0 };
  /** Blocks compiled together in one module (tests lower it). */
  get batch(): number {
    return this.cache.batch;
  }
  set batch(n: number) {
    this.cache.batch = n;
  }
  /** Instructions in each block (by table index). */
  private readonly lengths = new Uint8Array(MAX_BLOCKS + 1);
  /** (count, limit, modeDirect, modeTlb) -> count, or -1 - count (a stale block). */
  private readonly dispatch: (count: number, limit: number, modeA: number, modeB: number) => number;
  private readonly imports: Record<string, Record<string, unknown>>;
  /** The helpers blocks call (slow loads and stores, the interpreter's code), through one table. */
  private readonly helpers: HelperTable<'ld' | 'st' | 'other'>;
  readonly rBase: number;
  readonly tlbBase: number;
  readonly requestAddress: number;
  private readonly words: Int32Array;
  private readonly staleWord: number;
  private readonly stopWord: number;
  private readonly jc: Int32Array;
  private readonly tags: Int32Array[];
  /** Inline data TLB entries filled from TLB pages (index | 256 for the write TLB): dropped when the TLB changes. */
  private tlbSlots: number[] = [];
  private tlbGen = -1;
  /** Bumped when the TLB changed: jump cache entries of TLB-mapped code carry it in their mode word. */
  private epoch = 0;
  /** Whether the jump cache has entries (its fill is skipped when empty). */
  private jcUsed = false;
  /** Instructions retired by the dispatch a trap ended. */
  private trapCount = 0;
  /** The translation mode of the current dispatch (0 direct address, 1 + PLV mapped). */
  private mode = 0;

  constructor(private readonly cpu: LaCpu, private readonly memory: WebAssembly.Memory, stateOffset: number, gprOffset: number, tierOffset: number) {
    this.rBase = stateOffset + gprOffset;
    this.tlbBase = stateOffset + tierOffset;
    this.requestAddress = stateOffset + 4 * 2;
    const buffer = memory.buffer;
    this.words = new Int32Array(buffer);
    this.staleWord = (this.tlbBase + STALE) >> 2;
    this.stopWord = (this.tlbBase + STOP) >> 2;
    this.jc = new Int32Array(buffer, this.tlbBase + JC, 4 * JC_ENTRIES).fill(0);
    this.tags = Array.from({ length: 6 }, (_, i) => new Int32Array(buffer, this.tlbBase + i * 4 * DATA_TLB, DATA_TLB));
    this.tags[0]!.fill(-1);
    this.tags[3]!.fill(-1);
    const c = cpu;
    const ld = (va: bigint, kind: number, word: number, count: number): bigint => {
      let v: bigint;
      this.counters.slowLoads++;
      try {
        v = c.load(va, (kind & 15) as 1 | 2 | 4 | 8, (kind & 16) !== 0);
      } catch (e) {
        return this.fault(e, word, count);
      }
      this.fill(va, 0);
      return v;
    };
    const st = (va: bigint, size: number, value: bigint, word: number, count: number): void => {
      this.counters.slowStores++;
      try {
        c.store(va, size as 1 | 2 | 4 | 8, value);
      } catch (e) {
        this.fault(e, word, count);
      }
      this.fill(va, 1);
    };
    const other = (word: number, count: number): number => {
      this.counters.helpers++;
      try {
        return c.tierExecute(word) ? 1 : 0;
      } catch (e) {
        return this.fault(e, word, count);
      }
    };
    this.helpers = new HelperTable(memory, [
      { name: 'ld', params: [I64, I32, I32, I32], results: [I64], fn: ld },
      { name: 'st', params: [I64, I32, I64, I32, I32], results: [], fn: st },
      { name: 'other', params: [I32, I32], results: [I32], fn: other },
    ]);
    this.imports = { env: { memory, table: this.helpers.table } };
    this.dispatch = this.buildDispatcher();
  }

  /** A guest exception from a slow access or a helper: taken at that instruction; unwinds the blocks. */
  private fault(e: unknown, word: number, count: number): never {
    if (!this.cpu.tierTrap(e, word)) throw e;
    this.trapCount = count + 1;
    throw TIER_TRAP;
  }

  /** Fills the inline data TLB with the page of `va` the CPU just accessed (RAM only). */
  private fill(va: bigint, write: number): void {
    const host = this.cpu.tierDataPage(va, write);
    if (host < 0 || (write && this.cpu.llbit && this.linkedPage(host))) return;
    const lo = Number(BigInt.asIntN(32, va));
    const i = (lo >>> 12) & (DATA_TLB - 1);
    const t = write * 3;
    this.tags[t]![i] = (lo & -4096) | this.mode;
    this.tags[t + 1]![i] = Number(BigInt.asIntN(32, va >> 32n));
    this.tags[t + 2]![i] = host;
    if (this.cpu.tierFromTlb) this.tlbSlots.push(i | (write << 8));
  }

  /** The buffer offset of the LL address whose pages left the write TLB (-1: none). */
  private llScrubbed = -1;

  /** Whether host page `page` may hold a store that clears the LLbit (the LL's word, or the 7 bytes before it). */
  private linkedPage(page: number): boolean {
    const ll = this.cpu.llHost;
    return page === (ll & -4096) || page === ((ll - 7) & -4096);
  }

  /**
   * While the LLbit is set, stores to the LL address's page take the slow path (cpu.store clears the
   * LLbit there, as the interpreter does): its write TLB entries go and are not filled again.
   */
  private scrubLinked(): void {
    const tag = this.tags[3]!, host = this.tags[5]!;
    for (let i = 0; i < DATA_TLB; i++) if (tag[i] !== -1 && this.linkedPage(host[i]!)) tag[i] = -1;
    this.llScrubbed = this.cpu.llHost;
  }

  /** The TLB changed since the last dispatch: its pages leave the data TLB and the jump cache. */
  private syncTlb(generation: number): void {
    if (generation === this.tlbGen) return;
    this.tlbGen = generation;
    this.epoch = (this.epoch + 1) & 0xffffff;
    for (const s of this.tlbSlots) this.tags[(s >> 8) * 3]![s & 0xff] = -1;
    this.tlbSlots = [];
  }

  /** Translation changed (ASID, a DMW, STLBPS, a stage-2 change, reset): the data TLB and jump cache go. */
  forgetTranslations(): void {
    this.tags[0]!.fill(-1);
    this.tags[3]!.fill(-1);
    this.tlbSlots = [];
    if (this.jcUsed) this.jc.fill(0);
    this.jcUsed = false;
  }

  private page(host: number, mode: number): TierPage {
    return this.cache.page(host, mode);
  }

  /**
   * At a block head: the pc (lo/hi words) lies at word k of the RAM page at buffer offset `host`, in
   * translation `mode`, reached through a TLB entry or not. Runs translated blocks for at most `room`
   * instructions and returns how many retired (0: none ran, the interpreter runs this instruction).
   */
  run(host: number, k: number, lo: number, hi: number, mode: number, fromTlb: boolean, generation: number, room: number): number {
    const p = this.page(host, mode);
    const f = p.fns[k]!;
    if (f <= 0) {
      if (f === 0 && ++p.heat[k]! >= this.hot) this.translate(p, host, k, mode);
      // Queued and still running hot: its batch is compiled as it is (the riscv64 rule of waiting for a
      // fuller batch, block-cache.ts veryHot, made boots 3 % slower here: decision 0014).
      else if (f === PENDING && ++p.heat[k]! >= VERY_HOT) this.compilePending();
      if (p.fns[k]! <= 0) return 0;
    }
    // With less budget than a block's longest run left, only this block, and only if it fits (limit 1:
    // one pass, no loop back).
    const limit = room > MAX_BLOCK ? (room < SLICE ? room : SLICE) - MAX_BLOCK : this.lengths[p.fns[k]!]! <= room ? 1 : 0;
    if (limit === 0) return 0;
    this.syncTlb(generation);
    if (!this.cpu.llbit) this.llScrubbed = -1;
    else if (this.llScrubbed !== this.cpu.llHost) this.scrubLinked();
    this.mode = mode;
    const modeA = mode;
    const modeB = mode | 8 | (this.epoch << 4);
    const e = ((lo >>> 2) & (JC_ENTRIES - 1)) * 4;
    this.jc[e] = lo;
    this.jc[e + 1] = hi;
    this.jc[e + 2] = fromTlb ? modeB : modeA;
    this.jc[e + 3] = p.fns[k]!;
    this.jcUsed = true;
    let r: number;
    try {
      r = this.dispatch(0, limit, modeA, modeB);
    } catch (err) {
      if (err !== TIER_TRAP) throw err;
      return this.trapCount;
    } finally {
      this.words[this.stopWord] = 0;
    }
    if (r < 0) {
      this.dropStale();
      r = -1 - r;
    }
    this.counters.entries++;
    this.counters.instructions += r;
    return r;
  }

  /** After dispatch met a stale block: forget it, so the interpreter runs that code again first. */
  private dropStale(): void {
    this.cache.drop(this.words[this.staleWord]!);
  }

  /** Looks at the code from word k of RAM page `host` and queues a block for it (or marks the head not worth one). */
  private translate(page: TierPage, host: number, k: number, mode: number): void {
    const insns: Insn[] = [];
    const u32 = new Int32Array(this.memory.buffer, host, 1024);
    for (let j = k; j < 1024 && insns.length < MAX_BLOCK; j++) {
      const word = u32[j]!;
      const d = decode(word);
      if (!d) break;
      const kind = KIND[d.op]!;
      if (kind === Kind.Stop) break;
      // BSTRINS/BSTRPICK with msb < lsb raise INE: the interpreter's handler does.
      insns.push({ word, d, k: j });
      if (kind === Kind.End) break;
    }
    page.fns[k] = -1;
    if (insns.length === 0) return;
    if (this.cache.queue({ page, host, k, mode, insns })) this.compilePending();
  }

  /** Compiles the queued blocks into one module and installs them. */
  compilePending(): void {
    const t0 = now();
    const taken = this.cache.take();
    if (!taken) return;
    const { batch, firstIndex } = taken;
    const mod = new ModuleBuilder(this.memory.buffer.byteLength / 65536);
    const fns = this.helpers.attach(mod);
    batch.forEach((b, i) => {
      const g = new BlockGen(this, b.host, b.k, b.mode, fns);
      g.emit(b.insns);
      mod.addFunction(`b${i}`, [I32, I32, I32, I32], [I32], g.f);
    });
    const bytes = mod.encode();
    const exports = new WebAssembly.Instance(new WebAssembly.Module(bytes), this.imports as never).exports;
    batch.forEach((b, i) => {
      this.lengths[firstIndex + i] = b.insns.length;
    });
    this.cache.install(batch, exports, bytes.length, t0);
  }

  private buildDispatcher(): LaTier['dispatch'] {
    const mod = new ModuleBuilder(this.memory.buffer.byteLength / 65536);
    mod.importTable(MAX_BLOCKS + 1);
    const f = new FunctionBody(4);
    const [count, limit, modeA, modeB] = [0, 1, 2, 3];
    const lo = f.local(I32), hi = f.local(I32), ent = f.local(I32), fn = f.local(I32), r = f.local(I32), m = f.local(I32);
    const PC = this.rBase + 8 * 32;
    const JCA = this.tlbBase + JC;
    const blockType = mod.typeIndex([I32, I32, I32, I32], [I32]);
    f.op(W.block, VOID, W.loop, VOID);
    f.i32(0).mem(W.i32_load, 2, PC).set(lo);
    f.i32(0).mem(W.i32_load, 2, PC + 4).set(hi);
    f.get(lo).i32(2).op(W.i32_shr_u).i32(JC_ENTRIES - 1).op(W.i32_and).i32(4).op(W.i32_shl).set(ent);
    f.get(ent).mem(W.i32_load, 2, JCA).get(lo).op(W.i32_ne);
    f.get(ent).mem(W.i32_load, 2, JCA + 4).get(hi).op(W.i32_ne).op(W.i32_or);
    f.get(ent).mem(W.i32_load, 2, JCA + 8).tee(m).get(modeA).op(W.i32_ne);
    f.get(m).get(modeB).op(W.i32_ne).op(W.i32_and).op(W.i32_or).op(W.br_if).u(1);
    f.get(ent).mem(W.i32_load, 2, JCA + 12).tee(fn).op(W.i32_eqz).op(W.br_if).u(1);
    f.get(count).get(lo).i32(-4096).op(W.i32_and).get(hi).get(limit).get(fn).op(W.call_indirect).u(blockType).u(0);
    f.tee(r).i32(0).op(W.i32_lt_s).op(W.if, VOID);
    f.i32(0).get(fn).mem(W.i32_store, 2, this.tlbBase + STALE);
    f.get(ent).i32(0).mem(W.i32_store, 2, JCA + 12);
    f.i32(-1).get(count).op(W.i32_sub).op(W.return);
    f.op(W.end);
    f.get(r).set(count);
    // The host asked the CPU to leave its slice (pause, a remote fence, the end of a turn).
    f.i32(0).mem(W.i32_load, 2, this.requestAddress).op(W.br_if).u(1);
    f.i32(0).mem(W.i32_load, 2, this.tlbBase + STOP).op(W.br_if).u(1);
    f.get(count).get(limit).op(W.i32_lt_s).op(W.br_if).u(0);
    f.op(W.end, W.end);
    f.get(count);
    mod.addFunction('dispatch', [I32, I32, I32, I32], [I32], f);
    const instance = new WebAssembly.Instance(new WebAssembly.Module(mod.encode()), { env: { memory: this.memory, table: this.cache.table } } as never);
    return instance.exports.dispatch as LaTier['dispatch'];
  }
}

const MASK32 = 0xffff_ffffn;

/** Writes one block's function body: (count, pageLo, pageHi, limit) -> count after it, or -1 if its code changed. */
class BlockGen {
  readonly f = new FunctionBody(4);
  private readonly pCount = 0;
  private readonly pLo = 1;
  private readonly pHi = 2;
  private readonly pLimit = 3;
  private readonly cnt: number;
  private readonly pg: number;
  private readonly a: number;
  private readonly b: number;
  private readonly r: number;
  private readonly lo: number;
  private readonly e: number;
  private readonly ia: number;
  private readonly ib: number;
  // Offsets in the machine's memory (above 2 GiB in a real machine's): doubles from the start
  // (core/cpu/double-field.ts).
  private readonly R: number = DOUBLE_FIELD;
  private readonly TLB: number = DOUBLE_FIELD;
  private readonly STOP: number = DOUBLE_FIELD;
  /** The guest registers in locals (core/jit/register-locals.ts). */
  private readonly regs: RegisterLocals;

  constructor(
    tier: LaTier, private readonly host: number, private readonly k0: number, private readonly mode: number,
    private readonly fns: Record<'ld' | 'st' | 'other', HelperCall>,
  ) {
    const f = this.f;
    this.pg = f.local(I64);
    this.cnt = f.local(I32);
    this.a = f.local(I64);
    this.b = f.local(I64);
    this.r = f.local(I64);
    this.lo = f.local(I32);
    this.e = f.local(I32);
    this.ia = f.local(I32);
    this.ib = f.local(I32);
    this.R = tier.rBase;
    this.regs = new RegisterLocals(f, this.R);
    this.TLB = tier.tlbBase;
    this.STOP = tier.tlbBase + STOP;
  }

  // ---- registers (r1..r31 in locals while the block runs; r0 reads as 0 and writes are dropped) ----

  private localOf(r: number): number { return this.regs.localOf(r); }
  /** Pushes r (i64). */
  private x(r: number): void { this.regs.push(r); }
  /** Pushes the low word of r (i32). */
  private w(r: number): void {
    this.x(r);
    this.f.op(W.i32_wrap_i64);
  }
  /** Sets r from the i64 on the stack (dropped for r0). */
  private set(r: number): void { this.regs.set(r); }
  /** Sets r from the i64 on the stack, its low word sign-extended (the .W results). */
  private setW(r: number): void {
    this.f.op(W.i64_extend32_s);
    this.set(r);
  }
  /** Sets r from the i32 on the stack, sign-extended. */
  private setI32(r: number): void {
    this.f.op(W.i64_extend_i32_s);
    this.set(r);
  }
  /** Writes every changed register back to memory on this path only. */
  private storeDirty(): void { this.regs.storeDirty(); }

  // ---- control ----

  /** Pushes the address of word j of the page (j may be 1024: the next page). */
  private pcPush(j: number): void {
    this.f.get(this.pg).i64(BigInt(j * 4)).op(W.i64_add);
  }

  /** Stores the pc of word j in the CPU's pc slot (before an import that may fault or read it). */
  private storePc(j: number): void {
    this.f.i32(0);
    this.pcPush(j);
    this.f.mem(W.i64_store, 3, this.R + 8 * 32);
  }

  /** Returns from the block with the pc in local `pcLocal`, `done` instructions of this pass after cnt. */
  private exit(pcLocal: number, done: number): void {
    const f = this.f;
    this.storeDirty();
    f.i32(0).get(pcLocal).mem(W.i64_store, 3, this.R + 8 * 32);
    f.get(this.cnt).i32(done).op(W.i32_add).op(W.return);
  }

  /** A taken branch (the `i`th instruction) back to the block's start: loop while the limit lasts, else out at the start. */
  private loopBack(i: number, nesting: number): void {
    const f = this.f;
    this.storeDirty();
    f.get(this.cnt).i32(i + 1).op(W.i32_add).tee(this.cnt).get(this.pLimit).op(W.i32_lt_s);
    f.op(W.if, VOID).op(W.br).u(1 + nesting).op(W.end);
    this.pcPush(this.k0);
    f.set(this.r);
    this.exit(this.r, 0);
  }

  /** The word index a branch or B/BL goes to, if inside the page. */
  private static target(ins: Insn): number | undefined {
    const m = ins.d.row.mnemonic;
    const off = m === 'b' || m === 'bl' ? ins.d.f.offs26! : m === 'beqz' || m === 'bnez' ? ins.d.f.offs21! : BRANCH.has(m) ? ins.d.f.offs16! : undefined;
    if (off === undefined) return undefined;
    const t = ins.k * 4 + off;
    return t >= 0 && t < 4096 ? t >> 2 : undefined;
  }

  emit(insns: Insn[]): void {
    const f = this.f;
    // The code is still what was translated: compared in 8- and 4-byte pieces.
    const start = this.host + 4 * this.k0;
    let first = true;
    for (let i = 0; i < insns.length;) {
      if (i + 1 < insns.length) {
        const v = (BigInt(insns[i + 1]!.word >>> 0) << 32n) | BigInt(insns[i]!.word >>> 0);
        f.i32(0).mem(W.i64_load, 0, start + 4 * i).i64(BigInt.asIntN(64, v)).op(W.i64_ne);
        i += 2;
      } else {
        f.i32(0).mem(W.i32_load, 0, start + 4 * i).i32(insns[i]!.word | 0).op(W.i32_ne);
        i += 1;
      }
      if (!first) f.op(W.i32_or);
      first = false;
    }
    f.op(W.if, VOID).i32(-1).op(W.return, W.end);
    f.get(this.pHi).op(W.i64_extend_i32_u).i64(32n).op(W.i64_shl).get(this.pLo).op(W.i64_extend_i32_u).op(W.i64_or).set(this.pg);
    f.get(this.pCount).set(this.cnt);
    const loops = insns.some((ins) => BlockGen.target(ins) === this.k0);
    if (loops) f.op(W.loop, VOID);
    let ended = false;
    insns.forEach((ins, i) => {
      ended = this.instruction(ins, i);
    });
    if (!ended) {
      const last = insns[insns.length - 1]!;
      this.pcPush(last.k + 1);
      f.set(this.r);
      this.exit(this.r, insns.length);
    }
    if (loops) f.op(W.end);
    f.i32(0);
  }

  /** One instruction, the `i`th of the block. Returns true if it ended the block. */
  private instruction(ins: Insn, i: number): boolean {
    const f = this.f;
    const d = ins.d;
    const m = d.row.mnemonic;
    const { rd, rj, rk } = d;
    const F = d.f;
    const kind = KIND[d.op]!;
    if (kind === Kind.Nop) return false;
    if (kind === Kind.Helper || kind === Kind.Ending) {
      this.callInterpreter(ins, i);
      return false;
    }
    if (kind === Kind.Branch) {
      this.branch(ins, i);
      return false;
    }
    const pcConst = (off: bigint): void => {
      f.get(this.pg).i64(BigInt(ins.k * 4) + off).op(W.i64_add);
    };
    switch (m) {
      case 'b': case 'bl': {
        if (m === 'bl') { pcConst(4n); this.set(1); }
        if (BlockGen.target(ins) === this.k0) {
          this.loopBack(i, 0);
          return true;
        }
        pcConst(BigInt(F.offs26!));
        f.set(this.r);
        this.exit(this.r, i + 1);
        return true;
      }
      case 'jirl':
        this.x(rj); f.i64(BigInt(F.offs16!)).op(W.i64_add).set(this.r);
        pcConst(4n); this.set(rd);
        this.exit(this.r, i + 1);
        return true;
      case 'add.w': this.x(rj); this.x(rk); f.op(W.i64_add); this.setW(rd); return false;
      case 'add.d': this.x(rj); this.x(rk); f.op(W.i64_add); this.set(rd); return false;
      case 'sub.w': this.x(rj); this.x(rk); f.op(W.i64_sub); this.setW(rd); return false;
      case 'sub.d': this.x(rj); this.x(rk); f.op(W.i64_sub); this.set(rd); return false;
      case 'slt': this.x(rj); this.x(rk); f.op(W.i64_lt_s, W.i64_extend_i32_u); this.set(rd); return false;
      case 'sltu': this.x(rj); this.x(rk); f.op(W.i64_lt_u, W.i64_extend_i32_u); this.set(rd); return false;
      case 'slti': this.x(rj); f.i64(BigInt(F.si12!)).op(W.i64_lt_s, W.i64_extend_i32_u); this.set(rd); return false;
      case 'sltui': this.x(rj); f.i64(BigInt(F.si12!)).op(W.i64_lt_u, W.i64_extend_i32_u); this.set(rd); return false;
      case 'maskeqz': f.i64(0n); this.x(rj); this.x(rk); f.op(W.i64_eqz, W.select); this.set(rd); return false;
      case 'masknez': this.x(rj); f.i64(0n); this.x(rk); f.op(W.i64_eqz, W.select); this.set(rd); return false;
      case 'nor': this.x(rj); this.x(rk); f.op(W.i64_or).i64(-1n).op(W.i64_xor); this.set(rd); return false;
      case 'and': this.x(rj); this.x(rk); f.op(W.i64_and); this.set(rd); return false;
      case 'or': this.x(rj); this.x(rk); f.op(W.i64_or); this.set(rd); return false;
      case 'xor': this.x(rj); this.x(rk); f.op(W.i64_xor); this.set(rd); return false;
      case 'orn': this.x(rj); this.x(rk); f.i64(-1n).op(W.i64_xor, W.i64_or); this.set(rd); return false;
      case 'andn': this.x(rj); this.x(rk); f.i64(-1n).op(W.i64_xor, W.i64_and); this.set(rd); return false;
      case 'addi.w': this.x(rj); f.i64(BigInt(F.si12!)).op(W.i64_add); this.setW(rd); return false;
      case 'addi.d': this.x(rj); f.i64(BigInt(F.si12!)).op(W.i64_add); this.set(rd); return false;
      case 'addu16i.d': this.x(rj); f.i64(BigInt(F.si16!) << 16n).op(W.i64_add); this.set(rd); return false;
      case 'andi': this.x(rj); f.i64(BigInt(F.ui12!)).op(W.i64_and); this.set(rd); return false;
      case 'ori': this.x(rj); f.i64(BigInt(F.ui12!)).op(W.i64_or); this.set(rd); return false;
      case 'xori': this.x(rj); f.i64(BigInt(F.ui12!)).op(W.i64_xor); this.set(rd); return false;
      case 'lu12i.w': f.i64(BigInt(F.si20!) << 12n); this.set(rd); return false;
      case 'lu32i.d': this.x(rd); f.i64(MASK32).op(W.i64_and).i64(BigInt.asIntN(64, BigInt(F.si20!) << 32n)).op(W.i64_or); this.set(rd); return false;
      case 'lu52i.d': this.x(rj); f.i64(0xf_ffff_ffff_ffffn).op(W.i64_and).i64(BigInt.asIntN(64, BigInt(F.si12!) << 52n)).op(W.i64_or); this.set(rd); return false;
      case 'pcaddi': pcConst(BigInt(F.si20!) << 2n); this.set(rd); return false;
      case 'pcaddu12i': pcConst(BigInt(F.si20!) << 12n); this.set(rd); return false;
      case 'pcaddu18i': pcConst(BigInt(F.si20!) << 18n); this.set(rd); return false;
      // The page is 4 KiB aligned and the offset a multiple of 4 KiB: (pc + off) & ~0xfff is page + off.
      case 'pcalau12i': f.get(this.pg).i64(BigInt(F.si20!) << 12n).op(W.i64_add); this.set(rd); return false;
      case 'alsl.w': case 'alsl.wu': case 'alsl.d':
        this.x(rj); f.i64(BigInt(F.sa2p1!)).op(W.i64_shl); this.x(rk); f.op(W.i64_add);
        if (m === 'alsl.w') this.setW(rd);
        else {
          if (m === 'alsl.wu') f.i64(MASK32).op(W.i64_and);
          this.set(rd);
        }
        return false;
      case 'mul.w': this.x(rj); this.x(rk); f.op(W.i64_mul); this.setW(rd); return false;
      case 'mul.d': this.x(rj); this.x(rk); f.op(W.i64_mul); this.set(rd); return false;
      case 'mulh.w': this.x(rj); f.op(W.i64_extend32_s); this.x(rk); f.op(W.i64_extend32_s, W.i64_mul).i64(32n).op(W.i64_shr_s); this.set(rd); return false;
      case 'mulh.wu': this.x(rj); f.i64(MASK32).op(W.i64_and); this.x(rk); f.i64(MASK32).op(W.i64_and, W.i64_mul).i64(32n).op(W.i64_shr_u); this.setW(rd); return false;
      case 'mulw.d.w': this.x(rj); f.op(W.i64_extend32_s); this.x(rk); f.op(W.i64_extend32_s, W.i64_mul); this.set(rd); return false;
      case 'mulw.d.wu': this.x(rj); f.i64(MASK32).op(W.i64_and); this.x(rk); f.i64(MASK32).op(W.i64_and, W.i64_mul); this.set(rd); return false;
      case 'mulh.d': case 'mulh.du':
        this.x(rj); f.set(this.a);
        this.x(rk); f.set(this.b);
        emitMulHigh(f, this.a, this.b, this.r, this.r, m === 'mulh.d', m === 'mulh.d');
        f.get(this.r); this.set(rd);
        return false;
      case 'div.d': case 'mod.d': case 'div.du': case 'mod.du':
        this.x(rj); f.set(this.a);
        this.x(rk); f.set(this.b);
        this.divide64(m.endsWith('u'), m.startsWith('div'));
        f.get(this.r); this.set(rd);
        return false;
      case 'div.w': case 'mod.w': case 'div.wu': case 'mod.wu':
        this.w(rj); f.set(this.ia);
        this.w(rk); f.set(this.ib);
        this.divide32(m.endsWith('u'), m.startsWith('div'));
        this.setI32(rd);
        return false;
      case 'sll.w': case 'srl.w': case 'sra.w': case 'rotr.w':
        this.w(rj); this.w(rk); f.op(m === 'sll.w' ? W.i32_shl : m === 'srl.w' ? W.i32_shr_u : m === 'sra.w' ? W.i32_shr_s : W.i32_rotr); this.setI32(rd);
        return false;
      case 'sll.d': case 'srl.d': case 'sra.d': case 'rotr.d': // wasm takes the count mod 64, as LA64 does
        this.x(rj); this.x(rk); f.op(m === 'sll.d' ? W.i64_shl : m === 'srl.d' ? W.i64_shr_u : m === 'sra.d' ? W.i64_shr_s : W.i64_rotr); this.set(rd);
        return false;
      case 'slli.w': case 'srli.w': case 'srai.w': case 'rotri.w':
        this.w(rj); f.i32(F.ui5!).op(m === 'slli.w' ? W.i32_shl : m === 'srli.w' ? W.i32_shr_u : m === 'srai.w' ? W.i32_shr_s : W.i32_rotr); this.setI32(rd);
        return false;
      case 'slli.d': case 'srli.d': case 'srai.d': case 'rotri.d':
        this.x(rj); f.i64(BigInt(F.ui6!)).op(m === 'slli.d' ? W.i64_shl : m === 'srli.d' ? W.i64_shr_u : m === 'srai.d' ? W.i64_shr_s : W.i64_rotr); this.set(rd);
        return false;
      case 'ext.w.h': this.x(rj); f.op(W.i64_extend16_s); this.set(rd); return false;
      case 'ext.w.b': this.x(rj); f.op(W.i64_extend8_s); this.set(rd); return false;
      case 'clz.w': case 'clo.w': case 'ctz.w': case 'cto.w':
        this.w(rj);
        if (m === 'clo.w' || m === 'cto.w') f.i32(-1).op(W.i32_xor);
        f.op(m === 'clz.w' || m === 'clo.w' ? W.i32_clz : 0x68 /* i32.ctz */, W.i64_extend_i32_u); this.set(rd);
        return false;
      case 'clz.d': case 'clo.d': case 'ctz.d': case 'cto.d':
        this.x(rj);
        if (m === 'clo.d' || m === 'cto.d') f.i64(-1n).op(W.i64_xor);
        f.op(m === 'clz.d' || m === 'clo.d' ? W.i64_clz : 0x7a /* i64.ctz */); this.set(rd);
        return false;
      case 'bstrins.w': case 'bstrins.d': case 'bstrpick.w': case 'bstrpick.d': {
        const word = m.endsWith('.w');
        const msb = word ? F.msbw! : F.msbd!;
        const lsb = word ? F.lsbw! : F.lsbd!;
        if (msb < lsb) {
          this.callInterpreter(ins, i); // INE, raised by the interpreter's handler
          return false;
        }
        const width = BigInt(msb - lsb + 1);
        const ones = width === 64n ? -1n : (1n << width) - 1n;
        if (m.startsWith('bstrpick')) {
          this.x(rj); f.i64(BigInt(lsb)).op(W.i64_shr_u).i64(ones).op(W.i64_and);
        } else {
          const mask = BigInt.asIntN(64, ones << BigInt(lsb));
          this.x(rd); f.i64(~mask).op(W.i64_and);
          this.x(rj); f.i64(BigInt(lsb)).op(W.i64_shl).i64(mask).op(W.i64_and, W.i64_or);
        }
        if (word) this.setW(rd); else this.set(rd);
        return false;
      }
      case 'bytepick.d': case 'bytepick.w': {
        const sa = m === 'bytepick.d' ? F.sa3! * 8 : F.sa2! * 8;
        const bits = m === 'bytepick.d' ? 64 : 32;
        if (sa === 0) this.x(rk);
        else if (bits === 64) {
          this.x(rk); f.i64(BigInt(sa)).op(W.i64_shl);
          this.x(rj); f.i64(BigInt(64 - sa)).op(W.i64_shr_u, W.i64_or);
        } else {
          this.x(rk); f.i64(BigInt(sa)).op(W.i64_shl);
          this.x(rj); f.i64(MASK32).op(W.i64_and).i64(BigInt(32 - sa)).op(W.i64_shr_u, W.i64_or);
        }
        if (bits === 32) this.setW(rd); else this.set(rd);
        return false;
      }
      case 'revb.2h': case 'revb.4h': case 'revb.2w': case 'revb.d': case 'revh.2w': case 'revh.d': {
        this.x(rj); f.set(this.a);
        // Swap the bytes of each halfword (S8), then the halfwords of each word (S16), then the words.
        const swap = (bits: number, mask: bigint): void => {
          f.get(this.a).i64(BigInt(bits)).op(W.i64_shr_u).i64(mask).op(W.i64_and);
          f.get(this.a).i64(mask).op(W.i64_and).i64(BigInt(bits)).op(W.i64_shl, W.i64_or).set(this.a);
        };
        if (m.startsWith('revb')) swap(8, 0x00ff_00ff_00ff_00ffn);
        if (m === 'revb.2w' || m === 'revb.d' || m.startsWith('revh')) swap(16, 0x0000_ffff_0000_ffffn);
        f.get(this.a);
        if (m === 'revb.d' || m === 'revh.d') f.i64(32n).op(W.i64_rotr);
        if (m === 'revb.2h') this.setW(rd); else this.set(rd);
        return false;
      }
      default:
        if (m.startsWith('ld')) this.load(ins, i);
        else if (m.startsWith('st')) this.store(ins, i);
        else throw new Error(`LA64 tier: ${m} is not translated`);
        return false;
    }
  }

  /** A conditional branch: a side exit (or the loop back to the block's start) when taken. */
  private branch(ins: Insn, i: number): void {
    const f = this.f;
    const d = ins.d;
    const m = d.row.mnemonic;
    let off: number;
    if (m === 'beqz' || m === 'bnez') {
      off = d.f.offs21!;
      this.x(d.rj);
      f.i64(0n).op(m === 'beqz' ? W.i64_eq : W.i64_ne);
    } else {
      off = d.f.offs16!;
      this.x(d.rj); this.x(d.rd);
      f.op({ beq: W.i64_eq, bne: W.i64_ne, blt: W.i64_lt_s, bge: W.i64_ge_s, bltu: W.i64_lt_u, bgeu: W.i64_ge_u }[m as 'beq']);
    }
    f.op(W.if, VOID);
    if (BlockGen.target(ins) === this.k0) this.loopBack(i, 1);
    else {
      f.get(this.pg).i64(BigInt(ins.k * 4 + off)).op(W.i64_add).set(this.r);
      this.exit(this.r, i + 1);
    }
    f.op(W.end);
  }

  /** r = a / b or a % b with the interpreter's answers: divisor 0 gives the dividend (div) or 0 (mod); MIN / -1 wraps. */
  private divide64(unsigned: boolean, div: boolean): void {
    const f = this.f;
    f.get(this.b).op(W.i64_eqz).op(W.if, I64);
    if (div) f.get(this.a); else f.i64(0n);
    f.op(W.else);
    if (!unsigned) {
      f.get(this.b).i64(-1n).op(W.i64_eq).op(W.if, I64);
      if (div) f.i64(0n).get(this.a).op(W.i64_sub); else f.i64(0n);
      f.op(W.else).get(this.a).get(this.b).op(div ? W.i64_div_s : 0x81 /* i64.rem_s */).op(W.end);
    } else f.get(this.a).get(this.b).op(div ? W.i64_div_u : 0x82 /* i64.rem_u */);
    f.op(W.end).set(this.r);
  }

  /** Pushes the i32 result of div.w/mod.w/div.wu/mod.wu on ia, ib. */
  private divide32(unsigned: boolean, div: boolean): void {
    const f = this.f;
    const a = this.ia, b = this.ib;
    f.get(b).op(W.i32_eqz).op(W.if, I32);
    if (div) f.get(a); else f.i32(0);
    f.op(W.else);
    if (!unsigned) {
      f.get(b).i32(-1).op(W.i32_eq).op(W.if, I32);
      if (div) f.i32(0).get(a).op(W.i32_sub); else f.i32(0);
      f.op(W.else).get(a).get(b).op(div ? W.i32_div_s : 0x6f /* i32.rem_s */).op(W.end);
    } else f.get(a).get(b).op(div ? W.i32_div_u : 0x70 /* i32.rem_u */);
    f.op(W.end);
  }

  /** Local a = the access's address (rj + offset, or rj + rk). */
  private address(ins: Insn): void {
    const f = this.f;
    const d = ins.d;
    const m = d.row.mnemonic;
    this.x(d.rj);
    if (m.startsWith('ldx') || m.startsWith('stx')) this.x(d.rk);
    else f.i64(BigInt(m.startsWith('ldptr') || m.startsWith('stptr') ? d.f.si14s2! : d.f.si12!));
    f.op(W.i64_add).set(this.a);
  }

  /**
   * Sets lo and e from the address in local a, and pushes whether the data TLB (read or write) holds
   * its page in this block's mode with the access inside the page.
   */
  private tlbHit(write: boolean, size: number): void {
    const f = this.f;
    const base = this.TLB + (write ? 3 : 0) * 4 * DATA_TLB;
    f.get(this.a).op(W.i32_wrap_i64).set(this.lo);
    f.get(this.lo).i32(12).op(W.i32_shr_u).i32(DATA_TLB - 1).op(W.i32_and).i32(2).op(W.i32_shl).set(this.e);
    f.get(this.e).mem(W.i32_load, 2, base).get(this.lo).i32(-4096).op(W.i32_and).i32(this.mode).op(W.i32_or).op(W.i32_eq);
    f.get(this.e).mem(W.i32_load, 2, base + 4 * DATA_TLB);
    f.get(this.a).i64(32n).op(W.i64_shr_u).op(W.i32_wrap_i64).op(W.i32_eq).op(W.i32_and);
    if (size > 1) f.get(this.lo).i32(0xfff).op(W.i32_and).i32(4096 - size).op(W.i32_le_u).op(W.i32_and);
  }

  /** Pushes the buffer offset of the address in lo (after tlbHit). */
  private hostAddress(write: boolean): void {
    const base = this.TLB + (write ? 3 : 0) * 4 * DATA_TLB;
    this.f.get(this.e).mem(W.i32_load, 2, base + 8 * DATA_TLB).get(this.lo).i32(0xfff).op(W.i32_and).op(W.i32_add);
  }

  private load(ins: Insn, i: number): void {
    const f = this.f;
    const d = ins.d;
    const m = d.row.mnemonic;
    const suffix = m.slice(m.indexOf('.') + 1);
    const size = { b: 1, h: 2, w: 4, d: 8, bu: 1, hu: 2, wu: 4 }[suffix]!;
    const signed = !suffix.endsWith('u');
    this.address(ins);
    const rd = d.rd;
    if (rd !== 0) this.localOf(rd);
    this.tlbHit(false, size);
    f.op(W.if, VOID);
    this.hostAddress(false);
    const op = size === 8 ? W.i64_load : signed ? [W.i64_load8_s, W.i64_load16_s, 0, W.i64_load32_s][size - 1]! : [W.i64_load8_u, W.i64_load16_u, 0, W.i64_load32_u][size - 1]!;
    f.mem(op, 0, 0);
    if (rd !== 0) f.set(this.localOf(rd)); else f.op(W.drop);
    f.op(W.else);
    this.storeDirty();
    this.storePc(ins.k);
    f.get(this.a).i32(size | (signed ? 16 : 0)).i32(ins.word | 0).get(this.cnt).i32(i).op(W.i32_add);
    f.callIndirect(this.fns.ld);
    if (rd !== 0) f.set(this.localOf(rd)); else f.op(W.drop);
    f.op(W.end);
    if (rd !== 0) this.regs.written(rd);
  }

  private store(ins: Insn, i: number): void {
    const f = this.f;
    const d = ins.d;
    const m = d.row.mnemonic;
    const size = { b: 1, h: 2, w: 4, d: 8 }[m.slice(m.indexOf('.') + 1)]!;
    this.address(ins);
    this.x(d.rd); f.set(this.b);
    this.tlbHit(true, size);
    f.op(W.if, VOID);
    this.hostAddress(true);
    f.get(this.b).mem([W.i64_store8, W.i64_store16, 0, W.i64_store32, 0, 0, 0, W.i64_store][size - 1]!, 0, 0);
    f.op(W.else);
    this.storeDirty();
    this.storePc(ins.k);
    f.get(this.a).i32(size).get(this.b).i32(ins.word | 0).get(this.cnt).i32(i).op(W.i32_add);
    f.callIndirect(this.fns.st);
    f.op(W.end);
  }

  /** An instruction run by the interpreter's own handler: registers go out to memory before and are read again after. */
  private callInterpreter(ins: Insn, i: number): void {
    const f = this.f;
    this.storeDirty();
    this.regs.clean();
    this.storePc(ins.k);
    f.i32(ins.word | 0).get(this.cnt).i32(i).op(W.i32_add);
    f.callIndirect(this.fns.other);
    this.regs.forget();
    if (KIND[ins.d.op] !== Kind.Ending) {
      f.op(W.drop);
      return;
    }
    // A CSR write that changed the translation mode or mapping, or enabled interrupts: leave at the
    // next instruction with the stop word raised (the dispatcher returns, the run loop looks again).
    f.op(W.if, VOID);
    f.i32(0).i32(1).mem(W.i32_store, 2, this.STOP);
    this.pcPush(ins.k + 1);
    f.set(this.r);
    this.exit(this.r, i + 1);
    f.op(W.end);
  }
}
