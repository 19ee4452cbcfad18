/**
 * Warms the interpreter on a thread before its guest runs: a scratch hart (64 KiB of RAM of its own,
 * no devices) first runs a short program that takes the interpreter's paths into translated code
 * (tierSource), then, with a tier that counts heads but never translates, a program that holds every
 * row of the instruction table a guest can reach without leaving M-mode, a few times over with
 * changing register values, so that V8 has type feedback for every case of `execute` (and of
 * executeSlow, the FPU and the atomics) before it first optimizes them.
 *
 * Why: V8 compiles the cases it has never seen run as deoptimization points. A riscv64 Linux boot
 * meets shifts by register, MULH, DIV and the like in cold code only after the loop was optimized,
 * and each such case threw the whole loop back to unoptimized code until V8 had compiled it again:
 * 19 compiles of `execute` in one boot, 1.7 s of a second core and ~0.2 s of the vCPU thread in
 * unoptimized code (decision 0014). Last, the tier emits blocks for all of the program's code into a
 * module it never compiles, for the same reason: the translator met cases late too (5 compiles of it).
 * Nothing of the scratch hart is kept; the guest's hart never sees it. It runs at every CPU thread's
 * start, on a boot's critical path (~90-130 ms, most of it the tier phase's modules).
 *
 * Left out: WFI (it would wait), SRET (M-mode only here), and what needs a device or paging (MMIO
 * accesses, page faults): those go through functions of their own, which are small to compile again.
 */
import { AddressSpace } from '../../bus/address-space';
import { xorshiftFraction } from '../../cpu/xorshift';
import { registeredWasmBuffer } from '../../jit/wasm-module';
import { assembleProgram } from './assembler';
import { Hart, HART_STATE_BYTES } from './hart';
import { INSTRUCTIONS, type CRegSource, type InstructionDef } from './instructions';
import type { HartPlatform } from './platform';
import { RAM_HINT_WORDS, RamHints } from '../../bus/ram-hints';

const BASE = 0x80000000;
const RAM = 64 * 1024;
/**
 * The program starts half a KiB before a page end, so that it runs on across the boundary and its second
 * half (from `far`) lies in the next page: jumps and branches between the halves leave their page.
 */
const START = 0xe00;
/** Where the program is assembled and run. */
export const WARM_UP_ORIGIN = BigInt(BASE + START);
/** Data for loads, stores and atomics; x8, x28 and sp point here. */
const DATA = 0x8000;
const PASSES = 4;
/** The tier phase's program (tierSource): its last loop runs across the page end at TIER + 0x1000. */
const TIER = 0xc000;

const SKIP = new Set(['wfi', 'sret', 'mret', 'jal', 'jalr', 'c.j', 'c.jr', 'c.jalr', 'c.addi16sp', 'c.addi4spn']);
/** Registers the random operands use: x8 (compressed memory base), sp, x28 (memory base), x29 (jump base) and x30 (pass count) are kept. */
const FREE = [5, 6, 7, 9, 10, 11, 12, 13, 14, 15];
const FREE_P = [9, 10, 11, 12, 13, 14, 15];
const EDGES = [0n, 1n, -1n, 0x7fff_ffff_ffff_ffffn, -0x8000_0000_0000_0000n, 0xffff_ffffn, 0x8000_0000n, 0x7fff_ffffn, -0x8000_0000n, 63n, 0x1234_5678_9abc_def0n];

/** The byte size of a memory row's access (for an aligned offset). */
function accessSize(row: InstructionDef): number {
  const n = row.name.replace(/^c\./, '');
  if (/^(lb|lbu|sb)$/.test(n)) return 1;
  if (/^(lh|lhu|sh)$/.test(n)) return 2;
  if (/^(lw|lwu|sw|flw|fsw|lwsp|swsp)$/.test(n) || n.endsWith('.w')) return 4;
  return 8;
}

/**
 * The comparisons whose second test (low words, when the high words are equal) random operands seldom
 * reach: each also runs on x0 and x0 (or x0 and a small immediate), where it does.
 */
const COMPARES = new Set(['slt', 'sltu', 'slti', 'sltiu', 'beq', 'bne', 'blt', 'bge', 'bltu', 'bgeu']);

/**
 * One line per row: operands drawn at random where the row allows, memory on the data area, branches to
 * `target`; with `zero`, x0 for rs1 and rs2 and an immediate of 0..2047 (high words equal).
 */
function line(row: InstructionDef, r: () => number, target = '', zero = false): string {
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)]!;
  const compressed = row.ext === 'C';
  const regFor = (source: CRegSource | undefined): string => {
    if (typeof source === 'number') return `x${source}`;
    return `x${pick(source === 'p7' || source === 'p2' ? FREE_P : FREE)}`;
  };
  const c = row.c ?? {};
  const nonzero = row.when?.includes('nzimm') ?? false;
  const ops = (row.syntax ? row.syntax.split(',') : []).map((token) => {
    switch (token) {
      case 'rd': return compressed ? regFor(c.rd) : `x${pick(FREE)}`;
      case 'rs1': return compressed ? regFor(c.rs1) : zero ? 'x0' : `x${pick(FREE)}`;
      case 'rs2': return compressed ? regFor(c.rs2) : zero ? 'x0' : `x${pick(FREE)}`;
      case 'frd': case 'frs2': {
        const source = token === 'frd' ? c.rd : c.rs2;
        return `f${compressed && (source === 'p7' || source === 'p2') ? 8 + Math.floor(r() * 8) : Math.floor(r() * 32)}`;
      }
      case 'frs1': case 'frs3': return `f${Math.floor(r() * 32)}`;
      case 'imm': {
        if (!compressed) return String(zero ? Math.floor(r() * 2048) : Math.floor(r() * 4096) - 2048);
        const v = Math.floor(r() * 63) - 31;
        return String(nonzero && v === 0 ? 1 : v);
      }
      case 'shamt': return String(1 + Math.floor(r() * (row.imm === 'SH5' ? 31 : 63)));
      case 'uimm20': return String(compressed ? 1 + Math.floor(r() * 31) : Math.floor(r() * 0x100000));
      case 'imm(rs1)': {
        const size = accessSize(row);
        const base = !compressed ? 'x28' : c.rs1 === 2 ? 'sp' : 'x8';
        const slots = compressed ? 8 : 64;
        return `${size * Math.floor(r() * slots)}(${base})`;
      }
      case '(rs1)': return '(x28)';
      case 'csr': return pick(['mscratch', 'sscratch']);
      case 'zimm': return String(Math.floor(r() * 32));
      case 'pred': case 'succ': return 'iorw';
      case 'rm': return pick(['rne', 'rtz', 'dyn']);
      case 'target': return target;
      default: throw new Error(`warm-up: no operand for '${token}' (${row.name})`);
    }
  });
  return `${row.name} ${ops.join(', ')}`.trim();
}

/** The program's lines: every reachable row, then branches and jumps both ways and across the page end. */
export function warmUpSource(): string[] {
  const r = xorshiftFraction(0x5eed1);
  const body: string[] = [];
  let labels = 0;
  for (const row of INSTRUCTIONS) {
    if (SKIP.has(row.name)) continue;
    if (row.syntax.includes('target')) {
      // Over one instruction, so that taken and not taken both go on.
      const l = `w${labels++}`;
      body.push(line(row, r, l), 'addi x5, x5, 1', `${l}:`);
      if (COMPARES.has(row.name)) {
        const z = `w${labels++}`;
        body.push(line(row, r, z, true), 'addi x5, x5, 1', `${z}:`);
      }
      continue;
    }
    // Memory rows also once with the TLBs flushed first: the interpreter's slow path (a TLB miss) for each size.
    if (row.syntax.includes('imm(rs1)')) body.push('sfence.vma x0, x0', line(row, r));
    body.push(line(row, r));
    if (COMPARES.has(row.name)) body.push(line(row, r, '', true));
    // The handler returns 4 bytes on: over C.EBREAK and the C.NOP after it.
    if (row.name === 'c.ebreak') body.push('c.nop');
  }
  body.push('csrr x5, cycle', 'csrr x6, time', 'csrr x7, instret');
  // Jumps: in the page and out of it (the second half of the body lies past the page end), linking and not.
  const jumps = (): string[] => {
    const l = `w${labels++}`;
    return [
      `jal x1, ${l}`, 'addi x5, x5, 1', `${l}:`,
      `c.j ${l}b`, 'addi x6, x6, 1', `${l}b:`,
      'auipc x29, 0', 'jalr x1, 8(x29)',
      'auipc x29, 0', 'addi x29, x29, 10', 'c.jr x29',
      'auipc x29, 0', 'addi x29, x29, 10', 'c.jalr x29',
      'c.addi16sp sp, 16', 'c.addi16sp sp, -16', 'c.addi4spn x9, sp, 8',
    ];
  };
  const half = body.length >> 1;
  return [
    'lui x29, 6', 'csrs mstatus, x29', // FS = dirty: the FP rows run
    'auipc x29, 0', 'addi x29, x29, 20', 'csrw mtvec, x29', // the trap handler five instructions on
    `li x30, ${PASSES}`, 'j loop',
    'trap: csrr x29, mepc', 'addi x29, x29, 4', 'csrw mepc, x29', 'mret',
    // Called from the other page: JAL there, JALR back.
    'back: jalr x0, 0(x1)',
    'loop:', ...jumps(), ...body.slice(0, half), 'j far', ...jumps(),
    'far:', 'jal x1, back', ...body.slice(half), ...jumps(),
    'addi x30, x30, -1', 'bnez x30, loop',
    'end: j end',
  ];
}

/**
 * The tier phase's program: the interpreter's paths into translated code, which the main program never
 * takes (its tier never translates). A loop is translated, compiled once it is very hot and dispatched;
 * its first word is then rewritten (NOP to ADDI X7, X7, 0) and the loop run again after FENCE.I, so that
 * its block finds its code changed (the stale path); a second loop's SFENCE.VMA ends the slice from inside
 * its block (the stop word); a third runs across the page end, its blocks leaving to the other page.
 * Without it V8 optimized `execute` before the guest's first block and deoptimized it on each of these
 * paths once the guest took them (a riscv64 boot compiled `execute` 11 times, 6-7 with it).
 */
function tierSource(): string[] {
  const loops = 'li x11, 1000'; // enough runs of a head to be queued, very hot four times and compiled
  const lines = [
    'li x6, 0', loops,
    't1: addi x0, x0, 0', 'addi x11, x11, -1', 'bne x11, x0, t1',
    'bne x6, x0, t2', 'li x6, 1',
    'auipc x7, 0', 'addi x7, x7, -20', // t1
    'lui x29, 0x38', 'addi x29, x29, 0x393', 'sw x29, 0(x7)', 'fence.i', // addi x7, x7, 0 over the NOP
    loops, 'j t1',
    't2:', loops,
    't3: sfence.vma x0, x0', 'addi x11, x11, -1', 'bne x11, x0, t3',
    loops,
  ];
  // NOPs up to the page end, where the third loop starts.
  while (4 * lines.length < 0x1000 - 8) lines.push('addi x0, x0, 0');
  return [...lines, 't4: addi x11, x11, -1', 'j t5', 't5: bne x11, x0, t4', 'tend: j tend'];
}

/** A hart over RAM of its own (a registered WebAssembly.Memory: it has a tier); `tick` moves its clock on. */
function scratchHart(): { hart: Hart; buffer: SharedArrayBuffer; tick: () => void } {
  const buffer = registeredWasmBuffer(RAM + HART_STATE_BYTES);
  const bus = new AddressSpace(BASE, { buffer, byteOffset: 0, byteLength: RAM });
  let now = 0;
  const platform: HartPlatform = {
    hartId: 0,
    bus,
    clock: { now: () => now },
    // The real hart's stores note their pages for the host's prefaulter and its decoded pages come from
    // the prefaulter's arena: the warm-up's too (an arena for one page, so the second is a new array).
    ramHints: new RamHints(new SharedArrayBuffer(RAM_HINT_WORDS * 4), new SharedArrayBuffer(40 << 10)),
    machineTimerCompare: () => Infinity,
    fault: (report) => {
      throw new Error(`the interpreter's warm-up program faulted: ${report.message}`);
    },
  };
  const hart = new Hart(platform, { buffer, byteOffset: RAM, byteLength: HART_STATE_BYTES });
  return { hart, buffer, tick: () => void (now += 1000) };
}

/** Assembles the warm-up program into the scratch hart's RAM. */
function loadProgram(buffer: SharedArrayBuffer): ReturnType<typeof assembleProgram> {
  const program = assembleProgram(warmUpSource(), WARM_UP_ORIGIN);
  if (START + program.bytes.length > DATA) throw new Error('the warm-up program runs into its data');
  new Uint8Array(buffer, START, program.bytes.length).set(program.bytes);
  return program;
}

/** Has the hart's translator write modules (never compiled) for the program's pages, twice (see below). */
function emitProgram(hart: Hart, program: { bytes: Uint8Array }): number {
  let emitted = 0;
  // Twice: the translator's first instructions ran before V8 gave it a feedback vector, and left no
  // type feedback (the A64 warm-up's translator goes over its first page again for the same reason).
  for (let pass = 0; pass < 2; pass++) {
    emitted = 0;
    for (let page = START & -4096; page < START + program.bytes.length; page += 4096) emitted += hart.tier!.emitAll(page, 3);
  }
  return emitted;
}

/**
 * The warm-up of a thread that writes block modules (CpuModel.warmUpWriter, host/wasm-compiler.ts): a
 * scratch hart's translator writes the warm-up program as the CPU threads' warm-up has it do, so that
 * V8 has type feedback for every case of the writer there before the first job. Returns the
 * instructions emitted.
 */
export function warmUpWriter(): number {
  const { hart, buffer } = scratchHart();
  const program = loadProgram(buffer);
  hart.reset(WARM_UP_ORIGIN, 'machine');
  return emitProgram(hart, program);
}

/**
 * Runs the warm-up program on a scratch hart; returns the instructions it executed and the translator
 * emitted. `writer: false`: this thread will not write block modules (its compiling thread does, warmed
 * by warmUpWriter there), so the translator's emitting is left out (~25 ms of the CPU thread's start).
 */
export function warmUpInterpreter(options: { readonly writer?: boolean } = {}): { executed: number; emitted: number; blocks: number; stale: number } {
  const { hart, buffer, tick } = scratchHart();
  const program = loadProgram(buffer);
  /** Runs slices of `budget` instructions until the hart reaches `end` (at most `slices` of them). */
  const reaches = (end: bigint, slices: number, budget: number): boolean => {
    for (let slice = 0; slice < slices && hart.getPc() !== end; slice++) {
      tick();
      if (hart.run(budget) === 'fault') break;
    }
    return hart.getPc() === end;
  };
  hart.reset(WARM_UP_ORIGIN, 'machine');
  const tier = hart.tier!;
  // The tier phase first: V8 optimizes `execute` during the main program, which should then have seen
  // the paths out of translated code too (run after it, they threw that code away at once).
  const tierProgram = assembleProgram(tierSource(), BigInt(BASE + TIER));
  new Uint8Array(buffer, TIER, tierProgram.bytes.length).set(tierProgram.bytes);
  tier.hot = 2;
  hart.setPc(BigInt(BASE + TIER));
  if (!reaches(tierProgram.labels.get('tend')!, 4096, 1024)) throw new Error(`the warm-up's tier phase did not reach its end (pc 0x${hart.getPc().toString(16)})`);
  hart.setPc(WARM_UP_ORIGIN);
  tier.hot = 0x3fffffff; // never reached (and a small integer, as the real threshold: the field keeps its representation)
  const r = xorshiftFraction(0xfeed5);
  for (let i = 1; i < 32; i++) hart.setX(i, EDGES[Math.floor(r() * EDGES.length)]!);
  for (const reg of [2, 8, 28]) hart.setX(reg, BigInt(BASE + DATA));
  if (!reaches(program.labels.get('end')!, 1024, 256)) throw new Error(`the interpreter's warm-up program did not reach its end (pc 0x${hart.getPc().toString(16)})`);
  const emitted = options.writer === false ? 0 : emitProgram(hart, program);
  return { executed: Number(hart.retired), emitted, blocks: tier.stats.blocks, stale: tier.stats.stale };
}
