/**
 * Warms the A64 interpreter on a thread before its guest runs, as riscv64's warm-up.ts does: a scratch
 * CPU (256 KiB of RAM of its own, no devices) has its translator emit blocks for a program of instances
 * of every row of the instruction table into a module it never compiles, runs a short program that
 * takes the interpreter's paths into translated code (tierProgram), then runs the first program with
 * a tier that never translates, so that V8 has type feedback for every case of `execute` and
 * executeOther, the loads and stores, FP and Advanced SIMD before it first optimizes them. Without it
 * one arm64 Linux boot compiled `execute` 23 times (3.5 s of background cores) as cold code met cases
 * one by one. It runs at every CPU thread's start, on a boot's critical path: its length counts.
 *
 * Rows an earlier alias row always takes (MOVZ is decoded as MOV) are met through that alias, which
 * executes the same operation. Instances are the row's match bits with the free bits drawn at random (a fixed seed: the same
 * program every time), kept when the decoder maps them back to that row. Made safe to run: branches
 * jump to the next instruction, register branches to a target set just before; loads and stores get
 * their base register (and register offset) set to the data area first; system register writes are
 * two fixed harmless ones, WFI/WFE and ERET are left out. Whatever still traps (undefined encodings,
 * unaligned or out-of-RAM accesses, SVC, BRK, HVC) goes to a handler at every vector that returns to
 * the instruction after. Nothing of the scratch CPU is kept.
 */
import { AddressSpace } from '../../bus/address-space';
import { xorshift32 } from '../../cpu/xorshift';
import { registeredWasmBuffer } from '../../jit/wasm-module';
import { A64Cpu, A64_STATE_BYTES, Slot } from './cpu';
import { decode } from './decoder';
import { INSTRUCTIONS, Op, type A64Row } from './instructions';
import type { ArmPlatform } from './platform';
import { RAM_HINT_WORDS, RamHints } from '../../bus/ram-hints';

/** Above 2 GiB, as a kernel's addresses are: their low words read as uint32 are not int32 (V8 must see that). */
const BASE = 0x8000_0000;
const RAM = 256 * 1024;
const VECTORS = 0;
const CODE = 0x1000;
/** The data area the memory instructions use: 64 KiB above it for the largest scaled offsets, more below. */
const DATA = 0x3_0000;
const COPIES = 4;
/** The tier phase's program (tierProgram), on a page of its own between the main program and the data. */
const TIER_CODE = 0x2_0000;

const SKIP_OPS = new Set<number>([Op.WFI, Op.WFE, Op.ERET, Op.MSR, Op.MSR_IMM]);
const EDGES = [0n, 1n, -1n, 0x7fff_ffff_ffff_ffffn, -0x8000_0000_0000_0000n, 0xffff_ffffn, 0x8000_0000n, 0x7fff_ffffn, 63n, 0x1234_5678_9abc_def0n];

// Fixed encodings.
const MRS_ELR = 0xd5384020; // mrs x0, elr_el1
const ADD_X0_4 = 0x91001000; // add x0, x0, #4
const MSR_ELR = 0xd5184020; // msr elr_el1, x0
const ERET = 0xd69f03e0;
const B_SELF = 0x14000000; // b .
const NOP = 0xd503201f;
const mrsTpidrEl1 = (t: number): number => (0xd538d080 | t) >>> 0; // mrs xt, tpidr_el1 (the data area)
const msrTpidrEl0 = (t: number): number => (0xd51bd040 | t) >>> 0; // msr tpidr_el0, xt
const MSR_DAIFSET = 0xd5034fdf; // msr daifset, #15
const MRS_CTR = 0xd53b0020; // mrs x0, ctr_el0 (a constant that blocks read inline, system.ts mrsInline)
/** A loop that is a block of its own (the translator's loop-back path): x1 = 2, b 1f, 1: subs x1, x1, #1, b.ne 1b. */
const LOOP = [0xd2800041, 0x14000001, 0xf1000421, 0x54ffffe1];
const movZero = (d: number): number => (0xaa1f03e0 | d) >>> 0; // mov xd, xzr
const addSp = (n: number): number => (0x9100001f | (n << 5)) >>> 0; // mov sp, xn
const adr8 = (d: number): number => (0x10000040 | d) >>> 0; // adr xd, .+8

function isMemory(row: A64Row): boolean {
  return row.cls === 'load-store' || (row.fmt.includes('[') && row.op !== Op.LDR_LIT && row.op !== Op.LDR_LIT_FP);
}

/** Words that run `bits` (an instance of `row`) safely: the setup it needs, then the instruction. */
function unit(row: A64Row, bits: number): number[] {
  const n = (bits >>> 5) & 31;
  switch (row.op) {
    case Op.B: case Op.BL: return [((bits & ~0x3ffffff) | 1) >>> 0];
    case Op.BCOND: case Op.CBZ: case Op.CBNZ: return [((bits & ~(0x7ffff << 5)) | (1 << 5)) >>> 0];
    case Op.TBZ: case Op.TBNZ: return [((bits & ~(0x3fff << 5)) | (1 << 5)) >>> 0];
    case Op.LDR_LIT: case Op.LDR_LIT_FP: return [((bits & ~(0x7ffff << 5)) | (2 << 5)) >>> 0];
    case Op.BR: case Op.BLR: case Op.RET: {
      const t = n === 31 ? 30 : n;
      return [adr8(t), ((bits & ~(31 << 5)) | (t << 5)) >>> 0];
    }
    // The preferred return of SVC is the next instruction: the handler's +4 skips the NOP after it.
    case Op.SVC: return [bits, NOP];
    case Op.SYS: return [mrsTpidrEl1(bits & 31), bits];
    default: break;
  }
  if (!isMemory(row)) return [bits];
  const setup: number[] = [];
  let w = bits;
  if (row.op === Op.LDST_REG) {
    let m = (w >>> 16) & 31;
    if (m === n || m === 31) {
      m = n === 9 ? 10 : 9;
      w = ((w & ~(31 << 16)) | (m << 16)) >>> 0;
    }
    setup.push(movZero(m));
  }
  if (n === 31) setup.push(mrsTpidrEl1(16), addSp(16));
  else setup.push(mrsTpidrEl1(n));
  return [...setup, w];
}

/** The instance words of every row the warm-up runs, `copies` times over with fresh random bits. */
export function warmUpWords(copies = COPIES): { words: number[]; rows: Set<A64Row> } {
  const r = xorshift32(0xa64a64);
  const words: number[] = [];
  const rows = new Set<A64Row>();
  const ops = new Set<number>();
  for (let c = 0; c < copies; c++) {
    for (const row of INSTRUCTIONS) {
      if (SKIP_OPS.has(row.op)) continue;
      // Bit 31 (sf in most rows: the 32- and 64-bit forms take different paths) alternates by copy.
      const free31 = (row.mask & 0x8000_0000) === 0;
      const form = 2 * row.op + (free31 ? c & 1 : row.match >>> 31);
      // A row an alias mostly shadows gets few tries once its operation (in this form) has an instance
      // (generating is part of every thread's start); one without an instance yet gets many.
      const attempts = ops.has(form) ? 16 : 1024;
      for (let attempt = 0; attempt < attempts; attempt++) {
        let bits = (row.match | (r() & ~row.mask)) >>> 0;
        if (free31) bits = (c & 1 ? bits | 0x8000_0000 : bits & 0x7fff_ffff) >>> 0;
        if (decode(bits) !== row) continue;
        const u = unit(row, bits);
        if (!u.some((word) => decode(word) === row)) continue;
        words.push(...u);
        // Register data processing again on XZR, in both widths: a zero operand takes the paths random
        // values seldom do (CLZ of a 64-bit value whose high word is zero deoptimized `execute` in boots).
        if (row.cls === 'data-reg' && c < 2) {
          const zero = (bits | (((~row.mask >>> 5) & 31) << 5) | (((~row.mask >>> 16) & 31) << 16)) >>> 0;
          if (zero !== bits && decode(zero) === row) words.push(zero);
        }
        rows.add(row);
        ops.add(form);
        break;
      }
    }
    words.push(msrTpidrEl0(3), MSR_DAIFSET, MRS_CTR, ...LOOP);
  }
  return { words, rows };
}

/**
 * The tier phase: the interpreter's paths into translated code, which the main program never takes (its
 * tier never translates). A loop is translated, compiled once it is very hot and dispatched; its first
 * word is then rewritten (NOP to MOV X3, X3) and the loop run again, so that its block finds its code
 * changed (the stale path); a second loop's TLBI VMALLE1 ends the slice from inside its block (the stop
 * path); a third runs across a page boundary, its blocks leaving to the other page. Without it V8
 * optimized `execute` before the guest's first block and deoptimized it at each of these paths once the
 * guest took them (an arm64 boot compiled `execute` 10-13 times, twice with it). Runs of words by byte offset.
 */
const TIER_PROGRAM: readonly (readonly [number, readonly number[]])[] = [
  [0, [
    0xd2800006, // mov x6, #0
    0xd2802581, // mov x1, #300
    0xd503201f, // 1: nop
    0xf1000421, // subs x1, x1, #1
    0x54ffffc1, // b.ne 1b
    0xb5000106, // cbnz x6, 2f
    0xd2800026, // mov x6, #1
    0x10ffff64, // adr x4, 1b
    0x52807c63, // mov w3, #0x3e3
    0x72b54063, // movk w3, #0xaa03, lsl #16 (w3: mov x3, x3)
    0xb9000083, // str w3, [x4]
    0xd2802581, // mov x1, #300
    0x17fffff6, // b 1b
    0xd2802581, // 2: mov x1, #300
    0xd508871f, // 3: tlbi vmalle1
    0xf1000421, // subs x1, x1, #1
    0x54ffffc1, // b.ne 3b
    0xd2802581, // mov x1, #300
    0x140003ec, // b 4f (0xff8)
  ]],
  [0xff8, [
    0xf1000421, // 4: subs x1, x1, #1
    0x14000001, // b 5f (the next page)
    0x54ffffc1, // 5: b.ne 4b
    B_SELF, // the end
  ]],
];
const TIER_END = 0x1004;

/** A scratch CPU with RAM of its own, the trap handler at its vectors, and a clock its runs advance. */
function scratchCpu(): { cpu: A64Cpu; ram: DataView; run: (end: bigint) => boolean } {
  const buffer = registeredWasmBuffer(RAM + A64_STATE_BYTES);
  const bus = new AddressSpace(BASE, { buffer, byteOffset: 0, byteLength: RAM });
  let now = 0;
  const platform: ArmPlatform = {
    cpuId: 0,
    mpidr: 0n,
    bus,
    clock: { now: () => now },
    // The real CPU's stores note their pages for the host's prefaulter and its decoded pages come from
    // the prefaulter's arena: the warm-up's too (an arena for one page, so the next are new arrays).
    ramHints: new RamHints(new SharedArrayBuffer(RAM_HINT_WORDS * 4), new SharedArrayBuffer(16 << 10)),
    timerFrequency: 62_500_000,
    unimplemented: () => 'deliver',
    fault: (report) => {
      throw new Error(`the interpreter's warm-up program faulted: ${report.message}`);
    },
  };
  const cpu = new A64Cpu(platform, { buffer, byteOffset: RAM, byteLength: A64_STATE_BYTES });
  const ram = new DataView(buffer, 0, RAM);
  // The same handler at each of the 16 vectors: return to the instruction after the one that trapped.
  for (let v = 0; v < 16; v++) [MRS_ELR, ADD_X0_4, MSR_ELR, ERET].forEach((word, i) => ram.setUint32(VECTORS + v * 0x80 + 4 * i, word, true));
  cpu.powerOn(BigInt(BASE + CODE));
  cpu.sys.vbar = BigInt(BASE + VECTORS);
  cpu.sys.tpidr1 = BigInt(BASE + DATA);
  cpu.sys.cpacr = 3n << 20n; // FP and Advanced SIMD do not trap
  const run = (end: bigint): boolean => {
    for (let slice = 0; slice < 4096 && cpu.getPc() !== end; slice++) {
      now += 1000;
      if (cpu.run(1024) === 'fault') break;
    }
    return cpu.getPc() === end;
  };
  return { cpu, ram, run };
}

/** Runs the tier phase (TIER_PROGRAM) on a scratch CPU; returns its tier's figures. */
function runTierPhase(scratch = scratchCpu()): { blocks: number; stale: number } {
  const { cpu, ram, run } = scratch;
  for (const [at, words] of TIER_PROGRAM) words.forEach((word, i) => ram.setUint32(TIER_CODE + at + 4 * i, word, true));
  const tier = cpu.tier!;
  tier.hot = 2;
  cpu.setPc(BigInt(BASE + TIER_CODE));
  if (!run(BigInt(BASE + TIER_CODE + TIER_END))) throw new Error(`the warm-up's tier phase did not reach its end (pc 0x${cpu.getPc().toString(16)})`);
  return { blocks: tier.stats.blocks, stale: tier.stats.stale };
}

/** Puts the warm-up program in the scratch CPU's RAM; returns its words. */
function loadProgram(ram: DataView): number[] {
  const { words } = warmUpWords();
  words.push(B_SELF);
  // The tier phase's page lies below the data area.
  if (CODE + 4 * words.length > TIER_CODE) throw new Error('the warm-up program runs into its tier phase');
  words.forEach((word, i) => ram.setUint32(CODE + 4 * i, word, true));
  return words;
}

/**
 * Has the CPU's translator write modules (never compiled) for the whole program, then for its first
 * page again (what it emitted before V8 gave it a feedback vector left no type feedback; the whole
 * program again cost ~95 ms of every CPU thread's start). Returns the instructions emitted.
 */
function emitProgram(cpu: A64Cpu, words: readonly number[]): number {
  let emitted = 0;
  for (let page = CODE; page < CODE + 4 * words.length; page += 4096) emitted += cpu.tier!.emitAll(page, 1, 2 * Slot.spEl1);
  cpu.tier!.emitAll(CODE, 1, 2 * Slot.spEl1);
  return emitted;
}

/**
 * The warm-up of a thread that writes block modules (CpuModel.warmUpWriter, host/wasm-compiler.ts): a
 * scratch CPU's translator writes the warm-up program as the CPU threads' warm-up has it do, so that
 * V8 has type feedback for every case of the writer there before the first job.
 */
export function warmUpWriter(): number {
  const { cpu, ram } = scratchCpu();
  return emitProgram(cpu, loadProgram(ram));
}

/**
 * Has a scratch CPU's translator emit the warm-up program, runs the tier phase on it and on a second
 * scratch CPU (their two dispatchers leave `execute`'s call of the dispatcher generic: with one, V8 tied
 * that call to the scratch CPU's and deoptimized `execute` at the guest's first block), then the program
 * on the first. Returns the instructions the first executed, what its translator emitted and its tier's
 * figures. `writer: false`: this thread will not write block modules (its compiling thread does, warmed
 * by warmUpWriter there): the translator's emitting of the whole program is left out.
 */
export function warmUpInterpreter(options: { readonly writer?: boolean } = {}): { executed: number; emitted: number; blocks: number; stale: number } {
  const scratch = scratchCpu();
  const { cpu, ram, run } = scratch;
  const words = loadProgram(ram);
  const tier = cpu.tier!;
  // The translator first, then the tier phases (as on riscv64): their blocks and paths out of translated
  // code are then in the type feedback when V8 optimizes the translator and `execute`.
  const emitted = options.writer === false ? 0 : emitProgram(cpu, words);
  const figures = runTierPhase(scratch);
  runTierPhase();
  tier.hot = 0x3fffffff; // never reached (and a small integer, as the real threshold: the field keeps its representation)
  const r = xorshift32(0x5eed);
  // One pass: more passes from fresh register values took a few of a boot's deoptimizations away
  // (paths one set of values leaves untaken), but each cost ~75 ms of every CPU thread's start, which is
  // on the boot's critical path; alternated arm64 boots: one pass ~75 ms faster than four in a quiet
  // hour, two and four even in a busy one.
  for (let i = 0; i < 31; i++) cpu.setX(i, EDGES[r() % EDGES.length]!);
  cpu.setPc(BigInt(BASE + CODE));
  if (!run(BigInt(BASE + CODE + 4 * (words.length - 1)))) throw new Error(`the interpreter's warm-up program did not reach its end (pc 0x${cpu.getPc().toString(16)})`);
  return { executed: cpu.retired, emitted, ...figures };
}
