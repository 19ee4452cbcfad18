/**
 * The RV64 translation tier: hot straight-line runs of instructions in one 4 KiB page (a block ends at
 * JAL/JALR, at the end of the page, after 48 instructions, or before an instruction it leaves to the
 * interpreter) become WebAssembly functions over the machine's shared memory, on the writer
 * core/jit/wasm-module.ts and the patterns of the A64 tier (isa/aarch64/tier.ts, decision 0011):
 * registers in locals (loaded on first use, written back before the interpreter's code runs and at
 * every exit), loads and stores checked inline against the hart's read/write TLBs (which live in the
 * hart's state region, see hart.ts), conditional branches as side exits or, forward to an instruction of
 * the same block, as a jump inside it (decision 0014), a branch back to the block's first instruction as
 * a wasm loop while the slice budget lasts, batches of blocks per module, and a
 * dispatcher in WebAssembly that chains blocks through a function table while the jump cache knows the
 * next pc. The jump cache is emptied with the TLBs (SFENCE.VMA, satp, SUM/MXR changes, stage-2 changes),
 * so a block is only reached through the translation it was entered with. Each block compares its
 * instruction bits with RAM when entered and returns -1 when one changed (self-modifying code, FENCE.I,
 * another hart or a device rewrote it); the interpreter then runs that code and may translate it again.
 *
 * Translated: RV64I (LUI, AUIPC, JAL, JALR, branches, loads and stores of every width, the immediate and
 * register ALU ops and their W forms, FENCE as a no-op), RV64M, the compressed forms (the decoder expands
 * them to base operations), and AMOSWAP/ADD/XOR/AND/OR and LR/SC as wasm atomics where the TLB holds the
 * page (LR/SC on the reservation words in the state region). Called from inside a block (the
 * interpreter's own code, helperOp): F/D, AMOMIN/MAX, the A instructions a block cannot do itself (a TLB
 * miss, a device, a code page) and CSR reads, which always go on with the next instruction or raise; CSR
 * writes, SFENCE.VMA and FENCE.I, which go on too unless the interpreter's code says the slice must end there (an interrupt
 * may have been enabled, translation or data privilege changed: endingOp), and then leave the block at
 * the next instruction with the stop word raised. Left to the interpreter, ending a block: ECALL/EBREAK,
 * xRET and WFI. A 32-bit instruction that crosses the page end is its block's last, translated when the
 * fetch TLB holds the next page at translation time; the block checks that page's mapping and halfword
 * each time before it (crossGuard) and otherwise leaves it to the interpreter. Decision 0014: a crypto
 * self-test loop of the riscv64 boot closes with such a branch, 175 K trips back to the interpreter.
 */
import type { Hart } from './hart';
import { HART_HEADER_BYTES } from '../../cpu/hart-header';
import { decodeInto, newDecoded } from './decoder';
import { BASE_ROW, writesIntRd } from './instructions';
import { loadSlow, TLB_MASK, TLB_SIZE, writeVirt } from './mmu';
import { TLB_ENTRY } from '../../cpu/soft-tlb';
import { emitTlbHit, emitTlbOffset } from '../../jit/emit-tlb';
import { executeSlow, SLOW_CONTINUE, SLOW_REENTER } from './system';
import { AtomicOp, atomicWidth, FunctionBody, I32, I64, ModuleBuilder, Op as W, VOID } from '../../jit/wasm-module';
import { emitMulHigh } from '../../jit/emit-arith';
import { attachHelpers, type HelperCall, type HelperSignature, HelperTable } from '../../jit/helper-table';
import { RegisterLocals } from '../../jit/register-locals';
import { BlockCache, now, VERY_HOT, type QueuedBlock, type TierPage } from '../../jit/block-cache';
import { applyLinks, emitLinkedCall, type Link, type LinkPlan, linkImports, planLinks } from '../../jit/block-links';
import { DOUBLE_FIELD } from '../../cpu/double-field';

export { IN_FLIGHT, PENDING, VERY_HOT, VERY_HOT_AGAIN, type TierPage } from '../../jit/block-cache';

/**
 * Executions of a block head before it is translated (decision 0014: 160 -> 384 took 2.5-3.5 % off a
 * boot to init, a third fewer blocks compiled for code that runs a few hundred times; 512 no better).
 */
export const HOT = 384;
/** Blocks per compiled module. */
export const BATCH = 32;
/** Longest block, in instructions; the interpreter enters blocks only with at least this much budget. */
export const MAX_BLOCK = 48;
/** Translated blocks kept before the cache is emptied. */
const MAX_BLOCKS = 60000;

/** Where the tier's words lie in the hart's state region (after the registers and the debug snapshot). */
export const RV_TLB_OFFSET = 2048;
/**
 * Four words just before the TLBs: the LR reservation (the RAM span offset LR read, -1 for none; its size;
 * the value it saw as low and high words), kept here so that translated LR/SC (BlockGen.lrsc) and the
 * interpreter's code (amo.ts, through Hart's resAddr, resSize and resValue) share it.
 */
export const RV_RES_OFFSET = RV_TLB_OFFSET - 16;
/** Bytes of the read TLB in the state region (the write TLB follows it): TLB_SIZE entries of TLB_ENTRY words. */
export const RV_TLB_BYTES = 4 * TLB_ENTRY * TLB_SIZE;
/** One word: the table index of a block that found its code changed (set by the dispatcher). */
export const RV_STALE_OFFSET = RV_TLB_OFFSET + 2 * RV_TLB_BYTES;
/** One word: set by a block whose system instruction ended the slice (endingOp); the interpreter clears it. */
export const RV_STOP_OFFSET = RV_STALE_OFFSET + 4;
/**
 * One word: the code epoch, advanced whenever code this hart may have translated can have changed in a
 * way it is told of (FENCE.I, local or remote; its own store into a page it decoded; a reset or restore).
 * A block compares its code with RAM only when entered in an epoch it has not checked yet.
 */
export const RV_EPOCH_OFFSET = RV_STALE_OFFSET + 8;
/**
 * One word: the jump cache's generation, kept in bits 4 and up of each entry's mode word (modes are 0-15).
 * The dispatcher matches only entries of the current one, so emptying the cache is advancing it: Linux
 * writes satp at every switch between processes, and clearing the 1 MiB cache each time cost ~60 ms of a
 * boot's vCPU thread (perf) and evicted the host's caches. It is cleared for real when the word wraps.
 */
export const RV_JC_GEN_OFFSET = RV_STALE_OFFSET + 12;
/**
 * The jump cache: JC_ENTRIES entries of four words (pc low, pc high, mode, block index), indexed by pc
 * >> 1: 128 KiB of code before two pcs share an entry (decision 0014: with 16,384 entries ~90 K of a
 * boot's dispatcher returns were a translated block pushed out by another; 1 MiB per hart).
 */
export const RV_JC_OFFSET = RV_STALE_OFFSET + 16;
export const JC_ENTRIES = 65536;
/** One byte per block table index: whether the block there may be called directly (BlockCache's live). */
export const RV_LIVE_OFFSET = RV_JC_OFFSET + 16 * JC_ENTRIES;
/**
 * The fetch TLB: TLB_SIZE tags (virtual page | privilege), then TLB_SIZE high words, then TLB_SIZE RAM
 * span offsets of the pages (Hart's xTag, xHi and xHost). In the state region so that a block ending
 * in an instruction that crosses into the next page can look that page up (BlockGen.crossGuard).
 */
export const RV_XTLB_OFFSET = RV_LIVE_OFFSET + ((MAX_BLOCKS + 8) & -8);
export const RV_TIER_END = RV_XTLB_OFFSET + 3 * 4 * TLB_SIZE;

const X_OFFSET = HART_HEADER_BYTES;
const PC_SLOT = 33;

const INT_RD = new Uint8Array(256);
for (const [op, row] of BASE_ROW) INT_RD[op] = writesIntRd(row) ? 1 : 0;

/** A head queued for translation: where it is, the data privilege its accesses use, its decoded run. */
interface RvQueued extends QueuedBlock {
  readonly host: number;
  readonly prv: number;
  readonly insns: Insn[];
}

/** The halfword indices in the page (other than the block's start) the block's exits to a fixed pc go to. */
function exitTargets(insns: readonly Insn[], k0: number): Set<number> {
  const out = new Set<number>();
  for (const ins of insns) {
    const t = BlockGen.target(ins);
    if (t !== undefined && t !== k0) out.add(t);
  }
  const last = insns[insns.length - 1]!;
  if (last.op !== 3 && last.op !== 4 && last.hw + last.len < 2048) out.add(last.hw + last.len);
  return out;
}

/** The helpers' calls in a block module (HelperTable.attach). */
interface RvHelpers {
  readonly ld: HelperCall;
  readonly st: HelperCall;
  readonly other: HelperCall;
}

/** The helpers' signatures, in their table's order (the tier gives each its function). */
const RV_HELPERS: readonly HelperSignature<keyof RvHelpers>[] = [
  { name: 'ld', params: [I32, I32, I32, I32, I32, I32, I32, I32], results: [] },
  { name: 'st', params: [I32, I32, I32, I32, I32, I32, I32, I32, I32], results: [] },
  { name: 'other', params: [I32, I32, I32, I32, I32, I32, I32], results: [I32] },
];

/** Where in the machine's memory the blocks find the hart's registers, TLBs, RAM and the tier's words. */
interface RvLayout {
  readonly xBase: number;
  readonly tlbBase: number;
  readonly xTlbBase: number;
  readonly ramBase: number;
  readonly epochAddress: number;
  readonly liveBase: number;
  readonly staleAddress: number;
  readonly resAddress: number;
  readonly stopAddress: number;
}

/**
 * A block module to write (writeRvModule), as plain data, so that the compiling thread can write it
 * (CpuModel.writeBlockModule): the memory's size in pages, the layout, the first block's table index,
 * the links (core/jit/block-links.ts) and the blocks packed in one array: per block its RAM page, first
 * halfword, data privilege and instruction count, then INSN_WORDS numbers per instruction.
 */
export interface RvModuleJob {
  readonly memoryPages: number;
  readonly layout: RvLayout;
  readonly firstIndex: number;
  readonly links: LinkPlan;
  readonly blocks: Float64Array;
}

const INSN_WORDS = 10;

/** What a job packs of a block. */
type PackedBlock = Pick<RvQueued, 'host' | 'k' | 'prv' | 'insns'>;

function packBlocks(batch: readonly PackedBlock[]): Float64Array {
  let size = 0;
  for (const b of batch) size += 4 + INSN_WORDS * b.insns.length;
  const out = new Float64Array(size);
  let at = 0;
  for (const b of batch) {
    out[at] = b.host;
    out[at + 1] = b.k;
    out[at + 2] = b.prv;
    out[at + 3] = b.insns.length;
    at += 4;
    for (const ins of b.insns) {
      out[at] = ins.bits;
      out[at + 1] = ins.op;
      out[at + 2] = ins.rd;
      out[at + 3] = ins.rs1;
      out[at + 4] = ins.rs2;
      out[at + 5] = ins.imm;
      out[at + 6] = ins.hw;
      out[at + 7] = ins.len;
      out[at + 8] = ins.cross ? ins.cross.upper : -1;
      out[at + 9] = ins.cross ? ins.cross.priv : -1;
      at += INSN_WORDS;
    }
  }
  return out;
}

/** Writes the module of a job (on the compiling thread, or on the CPU's when that cannot). */
export function writeRvModule(job: RvModuleJob): Uint8Array {
  const mod = new ModuleBuilder(job.memoryPages);
  const fns = attachHelpers(mod, RV_HELPERS);
  const links = applyLinks(job.links, job.firstIndex, mod, [I32, I32, I32, I32], [I32]);
  const d = job.blocks;
  for (let i = 0, at = 0; at < d.length; i++) {
    const host = d[at]!, k = d[at + 1]!, prv = d[at + 2]!, n = d[at + 3]!;
    at += 4;
    const insns: Insn[] = [];
    for (let j = 0; j < n; j++, at += INSN_WORDS) {
      const cross = d[at + 8]! >= 0 ? { upper: d[at + 8]!, priv: d[at + 9]! } : undefined;
      insns.push(new Insn(d[at]!, d[at + 1]!, d[at + 2]!, d[at + 3]!, d[at + 4]!, d[at + 5]!, d[at + 6]!, d[at + 7]!, cross));
    }
    const g = new BlockGen(job.layout, host, k, prv, fns, mod.addGlobal(-1), job.firstIndex + i, links[i]!);
    g.emit(insns);
    mod.addFunction(`b${i}`, [I32, I32, I32, I32], [I32], g.f);
  }
  return mod.encode();
}

/**
 * One decoded instruction of a block. A class, so that every instruction has one hidden class (an
 * optional field gave BlockGen two and threw its optimized code away) and V8 keeps no literal site for
 * these queued, long-lived objects (block-cache.ts PageTables).
 */
class Insn {
  constructor(
    readonly bits: number,
    readonly op: number,
    readonly rd: number,
    readonly rs1: number,
    readonly rs2: number,
    readonly imm: number,
    /** Halfword index in the page and length in halfwords. */
    readonly hw: number,
    readonly len: number,
    /**
     * A 32-bit instruction in the page's last halfword: its upper half as the next virtual page held it
     * when translated, and the privilege the block runs in (the fetch TLB's tag). The block checks both
     * again before it runs the instruction (BlockGen.crossGuard).
     */
    readonly cross: { readonly upper: number; readonly priv: number } | undefined,
  ) {}
}

/**
 * Instructions run by the interpreter's own code (executeSlow) from inside a block: F/D, A, and CSR
 * instructions that only read (CSRRS/CSRRC with rs1 = x0, CSRRSI/CSRRCI with zimm = 0: no CSR reads has a
 * side effect here, so they go on with the next instruction or raise). Kernel delay loops poll `time`.
 */
function helperOp(op: number, rs1: number): boolean {
  return (op >= 100 && op <= 161) || (op >= 77 && op <= 98) || ((op === 59 || op === 60 || op === 62 || op === 63) && rs1 === 0) || endingOp(op, rs1);
}

/**
 * Instructions called through the interpreter's executeSlow that may end the block: CSR writes
 * (csrInstruction says which ones end the slice: those that can enable an interrupt or change
 * translation or data privilege), SFENCE.VMA and FENCE.I. When one does, the block leaves at the next
 * instruction; unless it was FENCE.I (SLOW_REENTER), the helper raises the stop word, so the dispatcher
 * returns and the interpreter ends the slice. After FENCE.I the dispatcher goes on (each block checks its
 * code once per epoch) and the interpreter checks the page it runs in again.
 */
function endingOp(op: number, rs1: number): boolean {
  return op === 51 || op === 57 || op === 58 || op === 61 || ((op === 59 || op === 60 || op === 62 || op === 63) && rs1 !== 0);
}

/**
 * An instruction as the interpreter's decode slot holds it, for the `other` helper: op, rd (x0 as the
 * sink pair 32 where the instruction writes an integer rd), rs1, rs2 and its length.
 */
function helperWord(ins: Insn): number {
  const rd = ins.rd === 0 && INT_RD[ins.op] === 1 ? 32 : ins.rd;
  return ins.op | (rd << 9) | (ins.rs1 << 16) | (ins.rs2 << 23) | (ins.len << 29);
}

/** Instructions the block does itself, not through the interpreter's code (helperOp). */
function translatedHere(op: number): boolean {
  return (op >= 1 && op <= 50) || (op >= 64 && op <= 76);
}

/** The instructions translated to WebAssembly (see the file comment). */
function translatable(op: number, rs1: number): boolean {
  return translatedHere(op) || helperOp(op, rs1);
}

export class RvTier {
  /** Executions of a block head before it is translated (tests lower it to translate everything). */
  hot = HOT;
  /** Heads per (RAM page, mode), batches, the function table and the figures (core/jit/block-cache.ts). */
  private readonly cache: BlockCache<RvQueued>;
  /** Runs translated blocks while the jump cache knows the next pc: (count, budget, mode) -> count, or -1 - count (stale block). */
  readonly dispatch: (count: number, budget: number, mode: number) => number;
  /** Figures: blocks translated, modules compiled, translation time (ms), stale-code exits, flushes, wasm bytes. */
  get stats(): BlockCache<RvQueued>['stats'] {
    return this.cache.stats;
  }
  /** Blocks compiled together in one module (tests lower it to compile each block at once). */
  get batch(): number {
    return this.cache.batch;
  }
  set batch(n: number) {
    this.cache.batch = n;
  }

  readonly xBase: number;
  readonly tlbBase: number;
  readonly xTlbBase: number;
  readonly ramBase: number;
  private readonly staleWord: number;
  private readonly stopWord: number;
  readonly stopAddress: number;
  private readonly epochWord: number;
  private readonly jcGenWord: number;
  readonly epochAddress: number;
  readonly liveBase: number;
  readonly staleAddress: number;
  readonly resAddress: number;
  private readonly words: Int32Array;
  /** The helpers blocks call (slow loads and stores, the interpreter's code), through one table. */
  private readonly helpers: HelperTable<keyof RvHelpers>;
  /** The offsets above, as the plain data a module job carries. */
  private readonly layout: RvLayout;

  constructor(private readonly hart: Hart, private readonly memory: WebAssembly.Memory, stateOffset: number, ramOffset: number) {
    this.xBase = stateOffset + X_OFFSET;
    this.tlbBase = stateOffset + RV_TLB_OFFSET;
    this.xTlbBase = stateOffset + RV_XTLB_OFFSET;
    this.ramBase = ramOffset;
    this.staleAddress = stateOffset + RV_STALE_OFFSET;
    this.staleWord = this.staleAddress >> 2;
    this.resAddress = stateOffset + RV_RES_OFFSET;
    this.stopAddress = stateOffset + RV_STOP_OFFSET;
    this.stopWord = this.stopAddress >> 2;
    this.epochAddress = stateOffset + RV_EPOCH_OFFSET;
    this.epochWord = this.epochAddress >> 2;
    this.jcGenWord = (stateOffset + RV_JC_GEN_OFFSET) >> 2;
    this.words = new Int32Array(memory.buffer);
    this.liveBase = stateOffset + RV_LIVE_OFFSET;
    this.cache = new BlockCache<RvQueued>({
      slots: 2048, modes: 16, maxBlocks: MAX_BLOCKS, batch: BATCH,
      onFlush: () => {
        this.hart.jc.fill(0);
        this.jcPages.clear();
      },
      live: new Uint8Array(memory.buffer, this.liveBase, MAX_BLOCKS + 1).fill(0),
    });
    const h = hart;
    // The imports put the pc where the interpreter's code expects it (page and halfword index: a block
    // reached through the dispatcher may lie in another page than the interpreter's), so that a fault
    // they raise is taken at the instruction with the instructions before it counted.
    const at = (hh: number, count: number, pageLo: number, pageHi: number): void => {
      h.pageLo = pageLo;
      h.pageHi = pageHi;
      h.h = hh;
      h.count = count;
    };
    const ld = (lo: number, hi: number, kind: number, d: number, hh: number, count: number, pageLo: number, pageHi: number): void => {
      at(hh, count, pageLo, pageHi);
      loadSlow(h, lo, hi, kind & 15, (kind & 16) !== 0, d);
    };
    const st = (lo: number, hi: number, size: number, vlo: number, vhi: number, hh: number, count: number, pageLo: number, pageHi: number): void => {
      at(hh, count, pageLo, pageHi);
      writeVirt(h, lo, hi, size, vlo, vhi);
    };
    const other = (w: number, imm: number, bits: number, hh: number, count: number, pageLo: number, pageHi: number): number => {
      at(hh, count, pageLo, pageHi);
      const r = executeSlow(h, w, imm, bits);
      if (r === SLOW_CONTINUE) return 0;
      // The block leaves at the next instruction; after FENCE.I (SLOW_REENTER) the slice goes on.
      if (r !== SLOW_REENTER) this.words[this.stopWord] = 1;
      return 1;
    };
    const fn = { ld, st, other };
    this.helpers = new HelperTable(memory, RV_HELPERS.map((sig) => ({ ...sig, fn: fn[sig.name] })));
    this.layout = {
      xBase: this.xBase, tlbBase: this.tlbBase, xTlbBase: this.xTlbBase, ramBase: this.ramBase, epochAddress: this.epochAddress,
      liveBase: this.liveBase, staleAddress: this.staleAddress, resAddress: this.resAddress, stopAddress: this.stopAddress,
    };
    this.dispatch = this.buildDispatcher(stateOffset);
  }

  /** The tables of RAM page `host` (its span offset) for `mode` ((priv << 2) | data privilege). */
  page(host: number, mode: number): TierPage {
    return this.cache.page(host, mode);
  }

  /**
   * Virtual pages (low word) that may have jump cache entries: only the interpreter adds entries (enter),
   * so SFENCE.VMA of a page that has none (Linux's fixmap and PTE updates: data pages) costs nothing.
   */
  private readonly jcPages = new Set<number>();

  /** Puts block `index` in the jump cache for the pc lo/hi in `mode`. */
  enter(lo: number, hi: number, mode: number, index: number): void {
    const e = ((lo >>> 1) & (JC_ENTRIES - 1)) * 4;
    const jc = this.hart.jc;
    this.jcPages.add(lo & -4096);
    jc[e] = lo;
    jc[e + 1] = hi;
    jc[e + 2] = mode | this.words[this.jcGenWord]!;
    jc[e + 3] = index;
  }

  /** Empties the jump cache (with the TLBs): the next generation (RV_JC_GEN_OFFSET). */
  forgetJumps(): void {
    if (this.jcPages.size === 0) return;
    this.jcPages.clear();
    const gen = (this.words[this.jcGenWord]! + 16) & 0x7fff_fff0;
    this.words[this.jcGenWord] = gen;
    if (gen === 0) this.hart.jc.fill(0);
  }

  /** Empties the jump cache entries of pcs in the virtual page of `lo` (SFENCE.VMA of one page). */
  forgetJumpsInPage(lo: number): void {
    const page = lo & -4096;
    if (!this.jcPages.delete(page)) return;
    // Indexed by pc >> 1, a page's entries fill one half of the cache; other pages' entries there go too.
    const jc = this.hart.jc;
    const first = ((page >>> 1) & (JC_ENTRIES - 1)) * 4;
    for (let e = first; e < first + 2048 * 4; e += 4) {
      if ((jc[e]! & -4096) === page) jc[e + 3] = 0;
    }
  }

  /** Code may have changed (FENCE.I, a store into a decoded page, a reset): each block checks its code again once. */
  codeChanged(): void {
    this.words[this.epochWord] = (this.words[this.epochWord]! + 1) | 0;
  }

  /** Whether the blocks just run ended the slice (a CSR write, SFENCE.VMA or FENCE.I that must); clears it. */
  takeStop(): boolean {
    if (this.words[this.stopWord] === 0) return false;
    this.words[this.stopWord] = 0;
    return true;
  }

  /** After dispatch returned a stale block: forget it, so the interpreter runs that code again first. */
  dropStale(): void {
    this.cache.drop(this.words[this.staleWord]!);
  }

  /** Drops every translation (the code cache is full). */
  flush(): void {
    this.cache.flush();
  }

  /** Looks at the code from halfword `k` of RAM page `host` and queues a block for it (or marks the head not worth one). */
  translate(page: TierPage, host: number, k: number, prv: number): void {
    const insns = this.collect(host, k);
    page.fns[k] = -1;
    if (insns.length < 2 && !(insns.length === 1 && insns[0]!.op >= 3 && insns[0]!.op <= 10)) return;
    // Queued: 96 more runs make it very hot (its batch is then compiled early), as when HOT was 160.
    page.heat[k] = VERY_HOT - 96;
    this.hart.headProfile?.note(host >>> 12, k);
    if (this.cache.queue({ page, host, k, prv, insns })) this.compilePending();
  }

  /** The translatable run of instructions from halfword `k` of RAM page `host`: a block's body. */
  private collect(host: number, k: number): Insn[] {
    const insns: Insn[] = [];
    const u16 = this.hart.u16;
    const d = newDecoded();
    let j = k;
    while (j < 2048 && insns.length < MAX_BLOCK) {
      const low = u16[(host >>> 1) + j]!;
      let bits = low;
      let len = 1;
      let cross: Insn['cross'];
      if ((low & 3) === 3) {
        if (j === 2047) {
          // Its upper half is in the next virtual page: taken from there if the hart fetched from it.
          cross = this.nextPageHalf();
          if (!cross) break;
          bits = (low | (cross.upper << 16)) | 0;
        } else bits = (low | (u16[(host >>> 1) + j + 1]! << 16)) | 0;
        len = 2;
      }
      if (!decodeInto(bits, d) || !translatable(d.op, d.rs1) || (cross && !translatedHere(d.op))) break;
      insns.push(new Insn(bits, d.op, d.rd, d.rs1, d.rs2, d.imm, j, len, cross));
      j += len;
      if (d.op === 3 || d.op === 4) break;
    }
    return insns;
  }

  /**
   * The interpreter warm-up's use of the translator (warm-up.ts): emits blocks for the code of RAM page
   * `host`, one after another from its first halfword, into a module that is never compiled or run, so
   * that V8 has type feedback for every case of BlockGen before the guest's first block. Returns the
   * instructions emitted.
   */
  emitAll(host: number, prv: number): number {
    const blocks: PackedBlock[] = [];
    let emitted = 0;
    for (let k = 0; k < 2048;) {
      const insns = this.collect(host, k);
      if (insns.length === 0) {
        k++;
        continue;
      }
      blocks.push({ host, k, prv, insns });
      emitted += insns.length;
      const last = insns[insns.length - 1]!;
      k = last.hw + last.len;
    }
    // Through a job, as the compiling thread writes modules (the same code gets the type feedback).
    writeRvModule({ memoryPages: this.memory.buffer.byteLength / 65536, layout: this.layout, firstIndex: 1, links: { imports: [], wants: blocks.map(() => []) }, blocks: packBlocks(blocks) });
    return emitted;
  }

  /**
   * The first halfword of the virtual page after the hart's current one, if its fetch TLB holds that page
   * now (nothing is walked: translating must not fault or set accessed bits), with the privilege it was
   * fetched in.
   */
  private nextPageHalf(): Insn['cross'] {
    const h = this.hart;
    const lo = (h.pageLo + 4096) | 0;
    const hi = (h.pageHi + (lo === 0 ? 1 : 0)) | 0;
    const t = (lo >>> 12) & TLB_MASK;
    if (h.xTag[t] !== (lo | h.priv) || h.xHi[t] !== hi) return undefined;
    return { upper: h.u16[h.xHost[t]! >>> 1]!, priv: h.priv };
  }

  /**
   * A queued head reached VERY_HOT: compiles its batch as it is when that is worth a module (true), else
   * counts a strike and leaves the head to the interpreter a while longer (false).
   */
  veryHot(): boolean {
    if (!this.cache.veryHot()) return false;
    this.compilePending();
    return true;
  }

  /** Compiles the queued blocks into one module and installs them. */
  compilePending(): void {
    const t0 = now();
    const taken = this.cache.take();
    if (!taken) return;
    const { batch, firstIndex } = taken;
    const env: Record<string, unknown> = { memory: this.memory, table: this.helpers.table };
    const links = planLinks(batch, (b) => exitTargets(b.insns, b.k));
    linkImports(links, this.cache.table, env);
    const job: RvModuleJob = { memoryPages: this.memory.buffer.byteLength / 65536, layout: this.layout, firstIndex, links, blocks: packBlocks(batch) };
    this.cache.compileJob(batch, job, [job.blocks.buffer as ArrayBuffer], writeRvModule, { env }, t0);
  }

  /** Installs the blocks compiled on another thread since the last call (BlockCache.poll); true if any. */
  poll(): boolean {
    return this.cache.poll();
  }

  private buildDispatcher(stateOffset: number): RvTier['dispatch'] {
    const mod = new ModuleBuilder(this.memory.buffer.byteLength / 65536);
    mod.importTable(MAX_BLOCKS + 1);
    const f = new FunctionBody(3);
    const [count, budget, mode] = [0, 1, 2];
    const lo = f.local(I32), hi = f.local(I32), ent = f.local(I32), fn = f.local(I32), r = f.local(I32);
    const PC = this.xBase + 8 * PC_SLOT;
    const JC = stateOffset + RV_JC_OFFSET;
    const blockType = mod.typeIndex([I32, I32, I32, I32], [I32]);
    f.op(W.block, VOID, W.loop, VOID);
    f.i32(0).mem(W.i32_load, 2, PC).set(lo);
    f.i32(0).mem(W.i32_load, 2, PC + 4).set(hi);
    f.get(lo).i32(1).op(W.i32_shr_u).i32(JC_ENTRIES - 1).op(W.i32_and).i32(4).op(W.i32_shl).set(ent);
    f.get(ent).mem(W.i32_load, 2, JC).get(lo).op(W.i32_ne);
    f.get(ent).mem(W.i32_load, 2, JC + 4).get(hi).op(W.i32_ne).op(W.i32_or);
    // An entry of this mode in the current generation (RV_JC_GEN_OFFSET: read each time, a block's helper may advance it).
    f.get(ent).mem(W.i32_load, 2, JC + 8).get(mode).i32(0).mem(W.i32_load, 2, stateOffset + RV_JC_GEN_OFFSET).op(W.i32_or).op(W.i32_ne).op(W.i32_or).op(W.br_if).u(1);
    f.get(ent).mem(W.i32_load, 2, JC + 12).tee(fn).op(W.i32_eqz).op(W.br_if).u(1);
    f.get(count).get(lo).i32(-4096).op(W.i32_and).get(hi).get(budget).get(fn).op(W.call_indirect).u(blockType).u(0);
    // A block that found its code changed wrote its index to the stale word and returned -1 - count.
    f.tee(r).i32(0).op(W.i32_lt_s).op(W.if, VOID);
    f.get(ent).i32(0).mem(W.i32_store, 2, JC + 12);
    f.get(r).op(W.return);
    f.op(W.end);
    f.get(r).set(count);
    f.i32(0).mem(W.i32_load, 2, this.stopAddress).op(W.br_if).u(1);
    f.get(count).get(budget).op(W.i32_lt_s).op(W.br_if).u(0);
    f.op(W.end, W.end);
    f.get(count);
    mod.addFunction('dispatch', [I32, I32, I32], [I32], f);
    const instance = new WebAssembly.Instance(new WebAssembly.Module(mod.encode()), { env: { memory: this.memory, table: this.cache.table } } as never);
    return instance.exports.dispatch as RvTier['dispatch'];
  }
}

/** Writes one block's function body: (count, pageLo, pageHi, budget) -> count after it, or -1 if its code changed. */
class BlockGen {
  readonly f = new FunctionBody(4);
  private readonly pCount = 0;
  private readonly pLo = 1;
  private readonly pHi = 2;
  private readonly pBudget = 3;
  /** Instructions done before the current pass through the block (a block may loop to its start). */
  private readonly cnt: number;
  private readonly pg: number;
  private readonly a: number;
  private readonly b: number;
  private readonly r: number;
  private readonly lo: number;
  private readonly e: number;
  // Offsets in the machine's memory (above 2 GiB in a real machine's, not in the warm-up's): doubles
  // from the start (core/cpu/double-field.ts).
  private readonly X: number = DOUBLE_FIELD;
  private readonly TLB: number = DOUBLE_FIELD;
  private readonly XTLB: number = DOUBLE_FIELD;
  private readonly RAM: number = DOUBLE_FIELD;
  private readonly EPOCH: number = DOUBLE_FIELD;
  private readonly LIVE: number = DOUBLE_FIELD;
  private readonly STALE: number = DOUBLE_FIELD;
  private readonly RES: number = DOUBLE_FIELD;
  private readonly STOP: number = DOUBLE_FIELD;
  /** The guest registers in locals (core/jit/register-locals.ts). */
  private readonly regs: RegisterLocals;

  constructor(
    tier: RvLayout, private readonly host: number, private readonly k0: number, private readonly prv: number,
    private readonly fns: RvHelpers,
    /** The module global holding the code epoch this block last found its code unchanged in (-1: never). */
    private readonly checked: number,
    /** This block's table index (written to the stale word when its code changed). */
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
    this.lo = f.local(I32);
    this.e = f.local(I32);
    this.X = tier.xBase;
    this.regs = new RegisterLocals(f, this.X);
    this.EPOCH = tier.epochAddress;
    this.TLB = tier.tlbBase;
    this.XTLB = tier.xTlbBase;
    this.RAM = tier.ramBase;
    this.LIVE = tier.liveBase;
    this.STALE = tier.staleAddress;
    this.RES = tier.resAddress;
    this.STOP = tier.stopAddress;
  }

  // ---- registers (x1..x31 in locals while the block runs; x0 reads as 0 and writes are dropped) ----

  private addr(r: number): number { return this.regs.addr(r); }
  private localOf(r: number): number { return this.regs.localOf(r); }
  /** Pushes xr (i64). */
  private x(r: number): void { this.regs.push(r); }
  /** Pushes the low word of xr (i32). */
  private w(r: number): void {
    if (r === 0) this.f.i32(0);
    else {
      this.x(r);
      this.f.op(W.i32_wrap_i64);
    }
  }
  /** Sets xr from the i64 on the stack (dropped for x0). */
  private set(r: number): void { this.regs.set(r); }
  /** Sets xr from the i32 on the stack, sign-extended (the W forms). */
  private setW(r: number): void {
    this.f.op(W.i64_extend_i32_s);
    this.set(r);
  }
  /** Writes every changed register back to memory on this path only. */
  private storeDirty(): void { this.regs.storeDirty(); }

  // ---- control ----

  /** Sets local l to the address of halfword j of the page (j may be 2048: the next page). */
  private pcOf(l: number, j: number): void {
    this.f.get(this.pg).i64(BigInt(j * 2)).op(W.i64_add).set(l);
  }

  /**
   * Pushes the instructions retired after the first `done` of this pass: cnt + done, less those a
   * forward branch inside the block jumped over (the skip local, when the block has such branches).
   */
  private count(done: number): void {
    const f = this.f;
    f.get(this.cnt);
    if (done !== 0) f.i32(done).op(W.i32_add);
    if (this.skip >= 0) f.get(this.skip).op(W.i32_sub);
  }

  /** Returns from the block with the pc in local `pcLocal`, `done` instructions of this pass after cnt. */
  private exit(pcLocal: number, done: number): void {
    const f = this.f;
    this.storeDirty();
    f.i32(0).get(pcLocal).mem(W.i64_store, 3, this.X + 8 * PC_SLOT);
    this.count(done);
    f.op(W.return);
  }

  /**
   * Leaves for halfword `t` of the page (2048: the next page's start), `done` instructions of this pass
   * after cnt: straight into the block there when this one links to it (core/jit/block-links.ts), it is
   * live, the budget lasts and no helper raised the stop word (what the dispatcher would check before
   * calling it), else back to the dispatcher. The callee runs in this block's page and mode, which the
   * jump cache entry that led here vouched for.
   */
  private leaveTo(t: number, done: number): void {
    const link = this.links.get(t);
    if (link === undefined) {
      this.pcOf(this.r, t);
      this.exit(this.r, done);
      return;
    }
    const f = this.f;
    this.storeDirty();
    this.count(done);
    emitLinkedCall(f, link, this.e, this.pBudget, this.STOP, this.LIVE, () => f.get(this.e).get(this.pLo).get(this.pHi).get(this.pBudget));
    this.pcOf(this.r, t);
    f.i32(0).get(this.r).mem(W.i64_store, 3, this.X + 8 * PC_SLOT);
    f.get(this.e).op(W.return);
  }

  /**
   * Before the `i`th instruction, which crosses into the next virtual page (Insn.cross): unless the fetch
   * TLB maps that page for the block's privilege and the halfword there is still the translated one, the
   * block leaves at the instruction (the interpreter fetches it, faulting or filling the TLB). Checked on
   * every run: the next page's mapping and code can change without this block's page changing.
   */
  private crossGuard(hw: number, i: number, cross: NonNullable<Insn['cross']>): void {
    const f = this.f;
    // lo: the next page's low word; e: the byte offset of its slot in each of the fetch TLB's arrays.
    f.get(this.pLo).i32(4096).op(W.i32_add).set(this.lo);
    f.get(this.lo).i32(12).op(W.i32_shr_u).i32(TLB_MASK).op(W.i32_and).i32(2).op(W.i32_shl).set(this.e);
    f.get(this.e).mem(W.i32_load, 2, this.XTLB).get(this.lo).i32(cross.priv).op(W.i32_or).op(W.i32_eq);
    f.get(this.e).mem(W.i32_load, 2, this.XTLB + 4 * TLB_SIZE).get(this.pHi).get(this.lo).op(W.i32_eqz).op(W.i32_add).op(W.i32_eq);
    f.op(W.i32_and);
    // The host offset is read only for a live entry (a stale one may point anywhere).
    f.op(W.if, I32);
    f.get(this.e).mem(W.i32_load, 2, this.XTLB + 8 * TLB_SIZE).mem(W.i32_load16_u, 1, this.RAM).i32(cross.upper).op(W.i32_ne);
    f.op(W.else).i32(1).op(W.end);
    f.op(W.if, VOID);
    if (i === 0) {
      // Nothing done yet in this block: it is handed back like a changed one, so that the interpreter
      // runs the instruction (filling the fetch TLB) instead of the dispatcher calling this block again
      // at the same pc, where it would leave again at once, for ever.
      f.get(this.cnt).get(this.pCount).op(W.i32_eq).op(W.if, VOID);
      this.handBack();
      f.op(W.end);
    }
    this.pcOf(this.r, hw);
    this.exit(this.r, i);
    f.op(W.end);
  }

  /**
   * Returns -1 - count with the pc at this block's start and its index in the stale word: the
   * interpreter forgets the block and runs its code itself. Only where none of it has run.
   */
  private handBack(): void {
    const f = this.f;
    f.i32(0).get(this.pLo).i32(2 * this.k0).op(W.i32_or).mem(W.i32_store, 2, this.X + 8 * PC_SLOT);
    f.i32(0).get(this.pHi).mem(W.i32_store, 2, this.X + 8 * PC_SLOT + 4);
    f.i32(0).i32(this.index).mem(W.i32_store, 2, this.STALE);
    f.i32(-1).get(this.pCount).op(W.i32_sub).op(W.return);
  }

  /** A taken branch (the `i`th instruction) back to the block's start: loop while the budget lasts, else out at the start. */
  private loopBack(i: number, nesting: number): void {
    const f = this.f;
    this.storeDirty();
    this.count(i + 1);
    f.set(this.cnt);
    if (this.skip >= 0) f.i32(0).set(this.skip);
    f.get(this.cnt).get(this.pBudget).op(W.i32_lt_s);
    f.op(W.if, VOID).op(W.br).u(1 + nesting + this.open.length).op(W.end);
    this.pcOf(this.r, this.k0);
    this.exit(this.r, 0);
  }

  /**
   * Conditional branches (index -> target index) that go forward to an instruction of this block: a wasm
   * `br` out of a `block` that ends before the target, not an exit. A block opened for each target at the
   * start (the farthest outermost) ends where its target starts; a range that holds an instruction run
   * by the interpreter's code (which writes registers back and forgets them) is not one of them.
   */
  private internal = new Map<number, number>();
  /** Target indices whose `block` is open here, nearest last. */
  private open: number[] = [];
  /** The i32 local counting instructions jumped over in this pass (-1: the block jumps over none). */
  private skip = -1;

  private findForwardBranches(insns: Insn[]): void {
    const index = new Map<number, number>();
    insns.forEach((ins, i) => index.set(ins.hw, i));
    insns.forEach((ins, i) => {
      if (ins.op < 5 || ins.op > 10) return;
      const t = BlockGen.target(ins);
      const j = t === undefined || t === this.k0 ? undefined : index.get(t);
      if (j === undefined || j <= i) return;
      for (let m = i + 1; m < j; m++) if (!translatedHere(insns[m]!.op)) return;
      this.internal.set(i, j);
    });
    if (this.internal.size === 0) return;
    this.skip = this.f.local(I32);
    this.open = [...new Set(this.internal.values())].sort((a, b) => b - a);
  }

  /** The halfword index a jal or branch goes to, if inside the page. */
  static target(ins: Insn): number | undefined {
    if (ins.op !== 3 && !(ins.op >= 5 && ins.op <= 10)) return undefined;
    const t = ins.hw * 2 + ins.imm;
    return t >= 0 && t < 4096 ? t >> 1 : undefined;
  }

  emit(insns: Insn[]): void {
    const f = this.f;
    // The code is still what was translated: its bytes compared in 8-, 4- and 2-byte pieces, once per
    // code epoch (the hart is told of every change it must see: FENCE.I, its own stores, a reset).
    f.i32(0).mem(W.i32_load, 2, this.EPOCH).op(W.global_get).u(this.checked).op(W.i32_ne).op(W.if, VOID);
    const start = this.RAM + this.host + 2 * this.k0;
    const halves: number[] = [];
    for (const ins of insns) {
      halves.push(ins.bits & 0xffff);
      // A crossing instruction's upper half is in another page: crossGuard compares it on every run.
      if (ins.len === 2 && !ins.cross) halves.push(ins.bits >>> 16);
    }
    let first = true;
    for (let i = 0; i < halves.length;) {
      const left = halves.length - i;
      const take = left >= 4 ? 4 : left >= 2 ? 2 : 1;
      if (take === 4) {
        let v = 0n;
        for (let j = 3; j >= 0; j--) v = (v << 16n) | BigInt(halves[i + j]!);
        f.i32(0).mem(W.i64_load, 0, start + 2 * i).i64(BigInt.asIntN(64, v)).op(W.i64_ne);
      } else if (take === 2) {
        f.i32(0).mem(W.i32_load, 0, start + 2 * i).i32((halves[i]! | (halves[i + 1]! << 16)) | 0).op(W.i32_ne);
      } else {
        f.i32(0).mem(W.i32_load16_u, 0, start + 2 * i).i32(halves[i]!).op(W.i32_ne);
      }
      if (!first) f.op(W.i32_or);
      first = false;
      i += take;
    }
    // Changed: back to the interpreter at this block's start (a block that called this one directly did
    // not write the pc), with this block's index in the stale word for the interpreter to forget it.
    f.op(W.if, VOID);
    this.handBack();
    f.op(W.end);
    f.i32(0).mem(W.i32_load, 2, this.EPOCH).op(W.global_set).u(this.checked);
    f.op(W.end);
    f.get(this.pHi).op(W.i64_extend_i32_u).i64(32n).op(W.i64_shl).get(this.pLo).op(W.i64_extend_i32_u).op(W.i64_or).set(this.pg);
    f.get(this.pCount).set(this.cnt);
    const loops = insns.some((ins) => BlockGen.target(ins) === this.k0);
    this.findForwardBranches(insns); // the skip local starts at 0, as every wasm local does
    if (loops) f.op(W.loop, VOID);
    for (let n = 0; n < this.open.length; n++) f.op(W.block, VOID);
    // Instructions some forward branch may jump over: registers not yet in locals are read from and
    // written to memory there, so that every path reaches the target with the same locals valid.
    const over = new Int32Array(insns.length + 1);
    for (const [i, j] of this.internal) {
      over[i + 1]!++;
      over[j]!--;
    }
    let ended = false;
    let depth = 0;
    insns.forEach((ins, i) => {
      while (this.open.length > 0 && this.open[this.open.length - 1] === i) {
        f.op(W.end);
        this.open.pop();
      }
      depth += over[i]!;
      this.regs.conditional = depth > 0;
      if (ins.cross) this.crossGuard(ins.hw, i, ins.cross);
      ended = this.instruction(ins, i);
    });
    this.regs.conditional = false;
    if (!ended) {
      const last = insns[insns.length - 1]!;
      this.leaveTo(last.hw + last.len, insns.length);
    }
    if (loops) f.op(W.end);
    f.i32(0);
  }

  /** One instruction, the `i`th of the block. Returns true if it ended the block. */
  private instruction(ins: Insn, i: number): boolean {
    const f = this.f;
    const { op, rd, rs1, rs2, imm } = ins;
    const imm64 = BigInt(imm | 0);
    switch (op) {
      case 1: f.i64(imm64); this.set(rd); return false; // lui
      case 2: f.get(this.pg).i64(BigInt(ins.hw * 2) + imm64).op(W.i64_add); this.set(rd); return false; // auipc
      case 3: { // jal
        const t = BlockGen.target(ins);
        if (t === this.k0) {
          this.pcOf(this.a, ins.hw + ins.len);
          f.get(this.a); this.set(rd);
          this.loopBack(i, 0);
          return true;
        }
        this.pcOf(this.a, ins.hw + ins.len);
        f.get(this.a); this.set(rd);
        if (t !== undefined) {
          this.leaveTo(t, i + 1);
          return true;
        }
        f.get(this.pg).i64(BigInt(ins.hw * 2) + imm64).op(W.i64_add).set(this.r);
        this.exit(this.r, i + 1);
        return true;
      }
      case 4: { // jalr
        this.x(rs1); f.i64(imm64).op(W.i64_add).i64(-2n).op(W.i64_and).set(this.r);
        this.pcOf(this.a, ins.hw + ins.len);
        f.get(this.a); this.set(rd);
        this.exit(this.r, i + 1);
        return true;
      }
      case 5: case 6: case 7: case 8: case 9: case 10: { // beq bne blt bge bltu bgeu
        this.x(rs1); this.x(rs2);
        f.op([W.i64_eq, W.i64_ne, W.i64_lt_s, W.i64_ge_s, W.i64_lt_u, W.i64_ge_u][op - 5]!);
        f.op(W.if, VOID);
        const j = this.internal.get(i);
        if (j !== undefined) {
          // Forward inside the block: out of the `block` that ends at instruction j.
          f.get(this.skip).i32(j - i - 1).op(W.i32_add).set(this.skip);
          f.op(W.br).u(1 + this.open.filter((o) => o < j).length);
        } else if (BlockGen.target(ins) === this.k0) this.loopBack(i, 1);
        else if (BlockGen.target(ins) !== undefined) this.leaveTo(BlockGen.target(ins)!, i + 1);
        else {
          f.get(this.pg).i64(BigInt(ins.hw * 2) + imm64).op(W.i64_add).set(this.r);
          this.exit(this.r, i + 1);
        }
        f.op(W.end);
        return false;
      }
      case 11: case 12: case 13: case 14: case 15: case 16: case 17:
        this.load(ins, i);
        return false;
      case 18: case 19: case 20: case 21:
        this.store(ins, i);
        return false;
      case 22: this.x(rs1); f.i64(imm64).op(W.i64_add); this.set(rd); return false; // addi
      case 23: this.x(rs1); f.i64(imm64).op(W.i64_lt_s).op(W.i64_extend_i32_u); this.set(rd); return false; // slti
      case 24: this.x(rs1); f.i64(imm64).op(W.i64_lt_u).op(W.i64_extend_i32_u); this.set(rd); return false; // sltiu
      case 25: this.x(rs1); f.i64(imm64).op(W.i64_xor); this.set(rd); return false; // xori
      case 26: this.x(rs1); f.i64(imm64).op(W.i64_or); this.set(rd); return false; // ori
      case 27: this.x(rs1); f.i64(imm64).op(W.i64_and); this.set(rd); return false; // andi
      case 28: case 29: case 30: // slli srli srai
        this.x(rs1); f.i64(BigInt(imm & 63)).op(op === 28 ? W.i64_shl : op === 29 ? W.i64_shr_u : W.i64_shr_s); this.set(rd);
        return false;
      case 31: case 32: case 33: case 36: case 37: case 38: case 39: case 40: { // add sub sll xor srl sra or and
        const bin = op === 31 ? W.i64_add : op === 32 ? W.i64_sub : op === 33 ? W.i64_shl : op === 36 ? W.i64_xor
          : op === 37 ? W.i64_shr_u : op === 38 ? W.i64_shr_s : op === 39 ? W.i64_or : W.i64_and;
        this.x(rs1); this.x(rs2); f.op(bin); this.set(rd); // wasm shifts take the count mod 64, as RV64 does
        return false;
      }
      case 34: case 35: // slt sltu
        this.x(rs1); this.x(rs2); f.op(op === 34 ? W.i64_lt_s : W.i64_lt_u).op(W.i64_extend_i32_u); this.set(rd);
        return false;
      case 41: this.w(rs1); f.i32(imm).op(W.i32_add); this.setW(rd); return false; // addiw
      case 42: case 43: case 44: // slliw srliw sraiw
        this.w(rs1); f.i32(imm & 31).op(op === 42 ? W.i32_shl : op === 43 ? W.i32_shr_u : W.i32_shr_s); this.setW(rd);
        return false;
      case 45: case 46: case 47: case 48: case 49: { // addw subw sllw srlw sraw
        const bin = [W.i32_add, W.i32_sub, W.i32_shl, W.i32_shr_u, W.i32_shr_s][op - 45]!;
        this.w(rs1); this.w(rs2); f.op(bin); this.setW(rd);
        return false;
      }
      case 50: return false; // fence: one thread performs its accesses in order
      case 64: this.x(rs1); this.x(rs2); f.op(W.i64_mul); this.set(rd); return false; // mul
      case 65: case 66: case 67: // mulh mulhsu mulhu
        this.x(rs1); f.set(this.a);
        this.x(rs2); f.set(this.b);
        emitMulHigh(f, this.a, this.b, this.r, this.r, op !== 67, op === 65);
        f.get(this.r); this.set(rd);
        return false;
      case 68: case 69: case 70: case 71: // div divu rem remu
        this.x(rs1); f.set(this.a);
        this.x(rs2); f.set(this.b);
        this.divide64(op);
        f.get(this.r); this.set(rd);
        return false;
      case 72: this.w(rs1); this.w(rs2); f.op(W.i32_mul); this.setW(rd); return false; // mulw
      case 73: case 74: case 75: case 76: // divw divuw remw remuw
        this.divide32(op, rs1, rs2);
        this.setW(rd);
        return false;
      case 79: case 80: case 81: case 82: case 83: case 90: case 91: case 92: case 93: case 94: // amoswap amoadd amoxor amoand amoor (.w, .d)
        this.amo(ins, i);
        return false;
      case 77: case 78: case 88: case 89: // lr sc (.w, .d)
        this.lrsc(ins, i);
        return false;
      default:
        if (!helperOp(op, rs1)) throw new Error(`RV64 tier: op ${op} is not translatable`);
        this.callInterpreter(ins, i);
        return false;
    }
  }

  /** r = a / b or a % b with RISC-V's answers for division by zero and overflow (no wasm trap). */
  private divide64(op: number): void {
    const f = this.f;
    const signed = op === 68 || op === 70;
    const rem = op >= 70;
    f.get(this.b).op(W.i64_eqz).op(W.if, I64);
    if (rem) f.get(this.a); else f.i64(-1n);
    f.op(W.else);
    if (signed) {
      // MIN / -1: quotient MIN, remainder 0.
      f.get(this.b).i64(-1n).op(W.i64_eq).op(W.if, I64);
      if (rem) f.i64(0n); else f.i64(0n).get(this.a).op(W.i64_sub);
      f.op(W.else).get(this.a).get(this.b).op(rem ? 0x81 /* i64.rem_s */ : W.i64_div_s).op(W.end);
    } else f.get(this.a).get(this.b).op(rem ? 0x82 /* i64.rem_u */ : W.i64_div_u);
    f.op(W.end).set(this.r);
  }

  /** Pushes the i32 result of divw/divuw/remw/remuw on x[rs1], x[rs2]. */
  private divide32(op: number, rs1: number, rs2: number): void {
    const f = this.f;
    const a = this.lo, b = this.e;
    this.w(rs1); f.set(a);
    this.w(rs2); f.set(b);
    const signed = op === 73 || op === 75;
    const rem = op >= 75;
    f.get(b).op(W.i32_eqz).op(W.if, I32);
    if (rem) f.get(a); else f.i32(-1);
    f.op(W.else);
    if (signed) {
      f.get(b).i32(-1).op(W.i32_eq).op(W.if, I32);
      if (rem) f.i32(0); else f.i32(0).get(a).op(W.i32_sub);
      f.op(W.else).get(a).get(b).op(rem ? 0x6f /* i32.rem_s */ : W.i32_div_s).op(W.end);
    } else f.get(a).get(b).op(rem ? 0x70 /* i32.rem_u */ : W.i32_div_u);
    f.op(W.end);
  }

  /**
   * Sets lo and e from the address in local a, and pushes whether the TLB (read or write) holds its page
   * for the block's data privilege and the access of `size` bytes is aligned (core/jit/emit-tlb.ts).
   */
  private tlbHit(write: boolean, size: number): void {
    emitTlbHit(this.f, this.TLB + (write ? RV_TLB_BYTES : 0), TLB_SIZE, this.a, this.lo, this.e, this.prv, size);
  }

  /** Pushes the RAM span offset of the address in lo (after tlbHit). */
  private hostAddress(write: boolean): void {
    emitTlbOffset(this.f, this.TLB + (write ? RV_TLB_BYTES : 0), this.lo, this.e);
  }

  /** Pushes where the instruction is for an import: (halfword index, count, pageLo, pageHi). */
  private position(ins: Insn, i: number): void {
    this.f.i32(ins.hw);
    this.count(i);
    this.f.get(this.pLo).get(this.pHi);
  }

  /** Sets local a to a load's or store's address, rs1 + imm. */
  private address(ins: Insn): void {
    this.x(ins.rs1);
    if (ins.imm !== 0) this.f.i64Words(ins.imm | 0, ins.imm >> 31).op(W.i64_add);
    this.f.set(this.a);
  }

  private load(ins: Insn, i: number): void {
    const f = this.f;
    const { op, rd } = ins;
    const size = op === 14 ? 8 : 1 << ((op - 11) & 3);
    const signed = op < 15;
    this.address(ins);
    if (rd !== 0) this.localOf(rd);
    this.tlbHit(false, size);
    f.op(W.if, VOID);
    this.hostAddress(false);
    const ld = op === 14 ? W.i64_load : [W.i64_load8_s, W.i64_load16_s, W.i64_load32_s, 0, W.i64_load8_u, W.i64_load16_u, W.i64_load32_u][op - 11]!;
    f.mem(ld, Math.log2(size), this.RAM);
    if (rd !== 0) f.set(this.localOf(rd)); else f.op(W.drop);
    f.op(W.else);
    this.storeDirty();
    f.get(this.lo).get(this.a).i64(32n).op(W.i64_shr_u).op(W.i32_wrap_i64).i32(size | (signed ? 16 : 0)).i32(rd === 0 ? 64 : rd * 2);
    this.position(ins, i);
    f.callIndirect(this.fns.ld);
    if (rd !== 0) f.i32(0).mem(W.i64_load, 3, this.addr(rd)).set(this.localOf(rd));
    f.op(W.end);
    if (rd !== 0) this.regs.written(rd);
  }

  private store(ins: Insn, i: number): void {
    const f = this.f;
    const size = 1 << (ins.op - 18);
    this.address(ins);
    this.x(ins.rs2); f.set(this.b);
    this.tlbHit(true, size);
    f.op(W.if, VOID);
    this.hostAddress(true);
    f.get(this.b).mem([W.i64_store8, W.i64_store16, W.i64_store32, W.i64_store][ins.op - 18]!, Math.log2(size), this.RAM);
    f.op(W.else);
    this.storeDirty();
    f.get(this.lo).get(this.a).i64(32n).op(W.i64_shr_u).op(W.i32_wrap_i64).i32(size);
    f.get(this.b).op(W.i32_wrap_i64).get(this.b).i64(32n).op(W.i64_shr_u).op(W.i32_wrap_i64);
    this.position(ins, i);
    f.callIndirect(this.fns.st);
    this.leaveIfCodeChanged(ins, i);
    f.op(W.end);
  }

  /**
   * AMOSWAP, AMOADD, AMOXOR, AMOAND and AMOOR (.W, .D) as one wasm atomic read-modify-write on the shared
   * memory where the write TLB holds the page and the address is aligned (so RAM, no decoded code there,
   * stores allowed): atomic against the other harts' threads and sequentially consistent, as amo.ts's
   * Atomics operations are. Elsewhere (a TLB miss, misaligned, a device, a code page) the interpreter's
   * code does it, as for any A instruction. A riscv64 boot runs ~270 K of these (AMOADD.W alone 138 K):
   * each was a call of the interpreter's code.
   */
  private amo(ins: Insn, i: number): void {
    const f = this.f;
    const { op, rd } = ins;
    const word = op < 88;
    const size = word ? 4 : 8;
    const group = [AtomicOp.xchg, AtomicOp.add, AtomicOp.xor, AtomicOp.and, AtomicOp.or][op - (word ? 79 : 90)]!;
    this.x(ins.rs1); f.set(this.a);
    this.x(ins.rs2); f.set(this.b);
    if (rd !== 0) this.localOf(rd);
    this.tlbHit(true, size);
    f.op(W.if, VOID);
    this.hostAddress(true);
    f.get(this.b).atomic(group + atomicWidth(size), Math.log2(size), this.RAM);
    // The old value, a word's sign-extended (the i64 form of a 32-bit access zero-extends it).
    if (word) f.op(W.i32_wrap_i64).op(W.i64_extend_i32_s);
    if (rd !== 0) f.set(this.localOf(rd)); else f.op(W.drop);
    f.op(W.else);
    this.atomicByInterpreter(ins, i, true);
    f.op(W.end);
    if (rd !== 0) this.regs.written(rd);
  }

  /**
   * LR and SC (.W, .D) on the reservation words (RV_RES_OFFSET), as amo.ts does them: LR loads atomically
   * and records the RAM span offset, size and the value it saw; SC succeeds (rd = 0) when the reservation
   * is on the same offset and size and memory still holds that value, swapped in with one wasm
   * compare-exchange, and clears the reservation either way. Through the read (LR) or write (SC) TLB;
   * elsewhere the interpreter's code (amo's slow path). ~370 K of a riscv64 boot's LR.D and SC.D were calls
   * of the interpreter's code before.
   */
  private lrsc(ins: Insn, i: number): void {
    const f = this.f;
    const { op, rd } = ins;
    const word = op < 88;
    const size = word ? 4 : 8;
    const log = Math.log2(size);
    const lr = op === 77 || op === 88;
    const res = this.RES;
    this.x(ins.rs1); f.set(this.a);
    if (!lr) { this.x(ins.rs2); f.set(this.b); }
    if (rd !== 0) this.localOf(rd);
    this.tlbHit(!lr, size);
    f.op(W.if, VOID);
    this.hostAddress(!lr);
    f.set(this.e);
    if (lr) {
      // The value a word's LR saw is kept sign-extended, as its rd gets it.
      f.get(this.e).atomic(AtomicOp.load + atomicWidth(size), log, this.RAM);
      if (word) f.op(W.i32_wrap_i64).op(W.i64_extend_i32_s);
      f.set(this.r);
      f.i32(0).get(this.e).mem(W.i32_store, 2, res);
      f.i32(0).i32(size).mem(W.i32_store, 2, res + 4);
      f.i32(0).get(this.r).mem(W.i64_store, 3, res + 8);
      f.get(this.r);
    } else {
      f.i32(0).mem(W.i32_load, 2, res).get(this.e).op(W.i32_eq);
      f.i32(0).mem(W.i32_load, 2, res + 4).i32(size).op(W.i32_eq).op(W.i32_and);
      f.op(W.if, I64);
      f.get(this.e).i32(0).mem(W.i64_load, 3, res + 8).get(this.b).atomic(AtomicOp.cmpxchg + atomicWidth(size), log, this.RAM);
      // Stored if memory held what LR saw (a word's compare is of the low 32 bits): rd = 0, else 1.
      if (word) f.op(W.i32_wrap_i64).i32(0).mem(W.i32_load, 2, res + 8).op(W.i32_ne).op(W.i64_extend_i32_u);
      else f.i32(0).mem(W.i64_load, 3, res + 8).op(W.i64_ne).op(W.i64_extend_i32_u);
      f.op(W.else).i64(1n).op(W.end);
      f.i32(0).i32(-1).mem(W.i32_store, 2, res);
    }
    if (rd !== 0) f.set(this.localOf(rd)); else f.op(W.drop);
    f.op(W.else);
    this.atomicByInterpreter(ins, i, !lr);
    f.op(W.end);
    if (rd !== 0) this.regs.written(rd);
  }

  /**
   * The other path of an A instruction a block does itself: the interpreter's code does it (registers
   * written out first on this path), rd is read back; after a write (`writes`), leaveIfCodeChanged.
   */
  private atomicByInterpreter(ins: Insn, i: number, writes: boolean): void {
    const f = this.f;
    const { rd } = ins;
    this.storeDirty();
    f.i32(helperWord(ins)).i32(ins.imm | 0).i32(ins.bits);
    this.position(ins, i);
    f.callIndirect(this.fns.other).op(W.drop);
    if (rd !== 0) f.i32(0).mem(W.i64_load, 3, this.addr(rd)).set(this.localOf(rd));
    if (writes) this.leaveIfCodeChanged(ins, i);
  }

  /**
   * After a write through the interpreter's code: if it went into a page with decoded code (the epoch
   * moved), the rest of this block may be what it overwrote, so leave at the next instruction; the block
   * checks its code when entered again.
   */
  private leaveIfCodeChanged(ins: Insn, i: number): void {
    const f = this.f;
    f.i32(0).mem(W.i32_load, 2, this.EPOCH).op(W.global_get).u(this.checked).op(W.i32_ne).op(W.if, VOID);
    this.pcOf(this.r, ins.hw + ins.len);
    this.exit(this.r, i + 1);
    f.op(W.end);
  }

  /** F/D and A through executeSlow: registers go out to memory before and are read again after. */
  private callInterpreter(ins: Insn, i: number): void {
    const f = this.f;
    this.storeDirty();
    this.regs.clean();
    f.i32(helperWord(ins)).i32(ins.imm | 0).i32(ins.bits);
    this.position(ins, i);
    f.callIndirect(this.fns.other);
    this.regs.forget();
    if (!endingOp(ins.op, ins.rs1)) {
      f.op(W.drop);
      return;
    }
    // Leave at the next instruction (the helper raised the stop word if the slice must end here).
    f.op(W.if, VOID);
    this.pcOf(this.r, ins.hw + ins.len);
    this.exit(this.r, i + 1);
    f.op(W.end);
  }
}
