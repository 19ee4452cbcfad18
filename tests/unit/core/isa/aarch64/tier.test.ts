/**
 * The A64 translation tier (src/core/isa/aarch64/tier.ts) against the interpreter: the C guests end
 * with the same checksums and instruction counts, seeded random integer programs leave the same
 * registers, flags and memory, code rewritten after it was translated runs as rewritten, and a fault
 * in the middle of a block is taken at the faulting instruction with the earlier ones done. Machines
 * with `tier: true` translate every block head the first time it is seen (harness.ts).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CpuWord } from '../../../../../src/core/cpu/cpu-core';
import { assembler, machine, RAM_BASE, runToEnd, tierBuffer } from './harness';
// After the harness: tier.ts and cpu.ts import each other, and cpu.ts must load first.
import { BATCH, HOT } from '../../../../../src/core/isa/aarch64/tier';
import { withJobCompiler } from '../../../../helpers/job-compiler';

const BIN = path.resolve(__dirname, '../../../../../guest/aarch64/bin');
const asm = assembler('tier');
afterAll(() => asm.save());

describe('A64 translation tier: the C guests', () => {
  for (const [name, fp] of [['isa-selftest', false], ['isa-compute-O0', false], ['isa-compute-O2', false], ['isa-float', true], ['bench-mips', false]] as const) {
    it(`${name}: the interpreter's results and instruction count`, () => {
      const bytes = new Uint8Array(readFileSync(path.join(BIN, `${name}.bin`)));
      const runs = [false, true].map((tier) => {
        const m = machine(bytes, { floatingPoint: fp, tier });
        const exit = runToEnd(m, 500_000_000);
        return { exit, x0: m.x(0), x1: m.x(1), retired: m.cpu.retired, faults: m.faults.length, blocks: m.cpu.tier?.stats.blocks ?? 0 };
      });
      expect(runs[1]!.blocks).toBeGreaterThan(10);
      expect({ ...runs[1]!, blocks: 0 }).toEqual({ ...runs[0]!, blocks: 0 });
      expect(runs[0]!.exit).toBe('wfi');
    });
  }
});

describe('A64 translation tier: modules written on the compiling thread', () => {
  it('blocks written from a copy of their job by the CPU model\'s writer (as that thread does) give isa-compute-O2\'s and isa-float\'s results', () => {
    const jobs = withJobCompiler('aarch64', () => {
      for (const [name, fp] of [['isa-compute-O2', false], ['isa-float', true]] as const) {
        const bytes = new Uint8Array(readFileSync(path.join(BIN, `${name}.bin`)));
        const runs = [false, true].map((tier) => {
          const m = machine(bytes, { floatingPoint: fp, tier });
          const exit = runToEnd(m, 500_000_000);
          return { exit, x0: m.x(0), x1: m.x(1), retired: m.cpu.retired, faults: m.faults.length, blocks: m.cpu.tier?.stats.blocks ?? 0 };
        });
        expect(runs[1]!.blocks, name).toBeGreaterThan(10);
        expect({ ...runs[1]!, blocks: 0 }, name).toEqual({ ...runs[0]!, blocks: 0 });
      }
    });
    expect(jobs).toBeGreaterThan(10);
  });
});

describe('A64 translation tier: when blocks are made', () => {
  it('a small program with fewer hot blocks than a batch gets them translated, and no blocks for the middle of its loops', () => {
    const bytes = new Uint8Array(readFileSync(path.join(BIN, 'bench-mips.bin')));
    const m = machine(bytes, { tier: true });
    const tier = m.cpu.tier!;
    tier.hot = HOT;
    tier.batch = BATCH;
    // As the vCPU loop runs it: budgets that do not divide into blocks.
    let exit: string;
    do exit = m.run(99_991);
    while (exit === 'budget' && m.cpu.retired < 400_000_000);
    expect(exit).toBe('wfi');
    // The benchmark's loops and calls are about a dozen blocks: all made, in partly filled batches.
    expect(tier.stats.blocks).toBeGreaterThanOrEqual(8);
    // A slice that stopped mid-loop would make the next one start there, and give every instruction of
    // the CRC and sort loops a block of its own (40 and more).
    expect(tier.stats.blocks).toBeLessThan(20);
  });

  it('a head is translated on its hot-th run as a head, not before', () => {
    // The loop's head is reached by the taken branch: iterations - 1 times. With hot = 50, 50 iterations
    // leave it interpreted (its heat is counted in its decode slot) and 51 translate it.
    const blocks = [50, 51].map((iterations) => {
      const m = machine(asm(`
  mov x6, #${iterations}
loop:
  add x5, x5, #1
  sub x6, x6, #1
  cbnz x6, loop
  wfi`), { tier: true });
      m.cpu.tier!.hot = 50;
      m.cpu.tier!.batch = 1;
      expect(m.run(100_000)).toBe('wfi');
      expect(m.x(5)).toBe(BigInt(iterations));
      return m.cpu.tier!.stats.blocks;
    });
    expect(blocks).toEqual([0, 1]);
  });
});

/** A small seeded generator (xorshift32). */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

const CONDS = ['eq', 'ne', 'cs', 'cc', 'mi', 'pl', 'vs', 'vc', 'hi', 'ls', 'ge', 'lt', 'gt', 'le'];

/** One random instruction on x0..x9 (w forms too), with the data area at x20 (256 bytes). */
function randomInstruction(r: () => number): string {
  const pick = <T,>(a: readonly T[]): T => a[Math.floor(r() * a.length)]!;
  const w = r() < 0.3;
  const R = () => `${w ? 'w' : 'x'}${Math.floor(r() * 10)}`;
  const X = () => `x${Math.floor(r() * 10)}`;
  const imm12 = () => (r() < 0.25 ? 0 : Math.floor(r() * 4096));
  const sh = (max: number) => Math.floor(r() * max);
  const bits = w ? 32 : 64;
  switch (Math.floor(r() * 20)) {
    case 0: return `${pick(['add', 'adds', 'sub', 'subs'])} ${R()}, ${R()}, #${imm12()}`;
    case 1: return `${pick(['add', 'adds', 'sub', 'subs'])} ${R()}, ${R()}, ${R()}, ${pick(['lsl', 'lsr', 'asr'])} #${sh(bits)}`;
    case 2: return `${pick(['and', 'orr', 'eor', 'ands', 'bic', 'orn', 'eon', 'bics'])} ${R()}, ${R()}, ${R()}, ${pick(['lsl', 'lsr', 'asr', 'ror'])} #${sh(bits)}`;
    case 3: return `${pick(['adc', 'adcs', 'sbc', 'sbcs'])} ${R()}, ${R()}, ${R()}`;
    case 4: return `${pick(['csel', 'csinc', 'csinv', 'csneg'])} ${R()}, ${R()}, ${R()}, ${pick(CONDS)}`;
    case 5: return `${pick(['ccmp', 'ccmn'])} ${R()}, ${r() < 0.5 ? R() : `#${sh(32)}`}, #${sh(16)}, ${pick(CONDS)}`;
    case 6: { const lsb = sh(bits); return `${pick(['ubfx', 'sbfx', 'bfxil'])} ${R()}, ${R()}, #${lsb}, #${1 + sh(bits - lsb)}`; }
    case 7: { const lsb = sh(bits); return `${pick(['bfi', 'ubfiz', 'sbfiz'])} ${R()}, ${R()}, #${lsb}, #${1 + sh(bits - lsb)}`; }
    case 8: return `${pick(['lsl', 'lsr', 'asr', 'ror'])} ${R()}, ${R()}, ${R()}`;
    case 9: return `${pick(['lsl', 'lsr', 'asr', 'ror'])} ${R()}, ${R()}, #${sh(bits)}`;
    case 10: return `${pick(['udiv', 'sdiv'])} ${R()}, ${R()}, ${R()}`;
    case 11: return `${pick(['madd', 'msub'])} ${R()}, ${R()}, ${R()}, ${R()}`;
    case 12: return `${pick(['umulh', 'smulh'])} ${X()}, ${X()}, ${X()}`;
    case 13: return `${pick(['smaddl', 'umaddl', 'smsubl', 'umsubl'])} ${X()}, w${sh(10)}, w${sh(10)}, ${X()}`;
    case 14: return `${pick(['rev', 'rev16', 'clz', 'cls', 'rbit'])} ${R()}, ${R()}`;
    case 15: return `${pick(['movz', 'movn', 'movk'])} ${R()}, #${Math.floor(r() * 65536)}, lsl #${w ? pick([0, 16]) : pick([0, 16, 32, 48])}`;
    case 16: return `extr ${w ? `w${sh(10)}, w${sh(10)}, w${sh(10)}, #${sh(32)}` : `x${sh(10)}, x${sh(10)}, x${sh(10)}, #${sh(64)}`}`;
    case 17: return `${pick(['str', 'ldr'])} ${R()}, [x20, #${8 * sh(30)}]`;
    case 18: return `${pick(['strb', 'ldrb', 'ldrsb', 'strh', 'ldrh', 'ldrsh'])} w${sh(10)}, [x20, #${2 * sh(100)}]`;
    default: return `${pick(['stp', 'ldp'])} x${sh(10)}, x${sh(10)}, [x20, #${16 * sh(15)}]`;
  }
}

/**
 * Random programs as the interpreter and the tier run them: ten registers with edge or random values,
 * then a loop of `length` random instructions run `passes` times. `extra` adds instructions to the mix;
 * `prologue` goes before the loop and `epilogue` after the program (an exception vector table).
 */
function compareRandomPrograms(seed: number, count: number, length: (r: () => number) => number, passes: number, extra: (r: () => number) => string | undefined, prologue: string[] = [], epilogue: string[] = []): void {
  const r = rng(seed);
  for (let p = 0; p < count; p++) {
    const body: string[] = [];
    // Edge values (zero, ones, the sign boundaries) as often as random ones: carries and overflows live there.
    const EDGES = ['0', '1', '0xffffffffffffffff', '0x7fffffffffffffff', '0x8000000000000000', '0xffffffff', '0x80000000', '0x7fffffff'];
    for (let i = 0; i < 10; i++) {
      const value = r() < 0.5 ? EDGES[Math.floor(r() * EDGES.length)]! : `0x${Math.floor(r() * 2 ** 32).toString(16)}${Math.floor(r() * 2 ** 32).toString(16).padStart(8, '0')}`;
      body.push(`  ldr x${i}, =${value}`);
    }
    body.push(...prologue.map((l) => `  ${l}`));
    body.push(`  ldr x20, =${RAM_BASE + 0x8000}`, `  mov x21, #${passes}`, 'loop:');
    const n = length(r);
    for (let i = 0; i < n; i++) body.push(`  ${extra(r) ?? randomInstruction(r)}`);
    body.push('  subs x21, x21, #1', '  b.ne loop', '  wfi', '  .ltorg', ...epilogue.map((l) => `  ${l}`));
    const source = ['  .arch_extension crc', ...body].join('\n');
    const bytes = asm(source);
    const states = [false, true].map((tier) => {
      const m = machine(bytes, { tier });
      for (let i = 0; i < 256; i += 8) m.ram.setBigUint64(0x8000 + i, BigInt(i) * 0x0101_0101_0101_0101n, true);
      const exit = m.run(100_000);
      const regs = Array.from({ length: 11 }, (_, i) => m.x(i).toString(16));
      const mem = Array.from({ length: 32 }, (_, i) => m.ram.getBigUint64(0x8000 + i * 8, true).toString(16));
      const v = Array.from(m.cpu.vI32, (w) => (w >>> 0).toString(16));
      // SP_EL1 and the stack below RAM_BASE + 0xc000 (the SP programs' pushes and pops).
      const sp = m.cpu.getSp().toString(16);
      const stack = Array.from({ length: 512 }, (_, i) => m.ram.getBigUint64(0xb000 + i * 8, true).toString(16));
      return { exit, regs, v, sp, stack, x21: m.x(21), x23: m.x(23), retired: m.cpu.retired, flags: m.flags(), mem, faults: m.faults.length, blocks: m.cpu.tier?.stats.blocks ?? 0 };
    });
    expect(states[1]!.blocks, `program ${p}`).toBeGreaterThan(0);
    expect({ ...states[1]!, blocks: 0 }, `program ${p}:\n${source}`).toEqual({ ...states[0]!, blocks: 0 });
  }
}

describe('A64 translation tier: seeded random programs', () => {
  it('40 programs of 60 integer instructions leave the interpreter\'s registers, flags and memory', () => {
    // Longer than a block: the loop runs as two blocks through the dispatcher.
    compareRandomPrograms(0x5eed, 40, () => 60, 3, () => undefined);
  });

  it('40 loops that fit in one block (a wasm loop), with calls to the interpreter\'s code inside', () => {
    // CRC32 and MRS NZCV run the interpreter's code from inside the block (registers and flags go out and
    // come back); the loads and stores miss the TLB on the first pass (the slow path inside the loop).
    compareRandomPrograms(0x10095, 40, (r) => 4 + Math.floor(r() * 37), 5, (r) => {
      const v = r();
      if (v < 0.04) return `crc32${['b', 'h', 'w'][Math.floor(r() * 3)]} w${Math.floor(r() * 10)}, w${Math.floor(r() * 10)}, w${Math.floor(r() * 10)}`;
      if (v < 0.08) return `mrs x${Math.floor(r() * 10)}, nzcv`;
      return undefined;
    });
  });

  it('40 loops that read SP_EL0 (which MSR in the loop changes) and ID registers, as translated code reads them at EL1', () => {
    // MRS of SP_EL0 and of the constant ID registers is done by the block itself at EL1 (system.ts mrsInline);
    // MSR SP_EL0 runs the interpreter's code from inside the block, and the MRS after it reads what it wrote.
    compareRandomPrograms(0x5b0e1, 40, (r) => 4 + Math.floor(r() * 30), 5, (r) => {
      const v = r();
      const x = `x${Math.floor(r() * 10)}`;
      if (v < 0.07) return `mrs ${x}, sp_el0`;
      if (v < 0.09) return `msr sp_el0, ${x}`;
      if (v < 0.12) return `mrs ${x}, ${['dczid_el0', 'ctr_el0', 'midr_el1', 'id_aa64isar0_el1'][Math.floor(r() * 4)]}`;
      return undefined;
    });
  });
});

describe('A64 translation tier: random programs with guest exceptions', () => {
  it('40 loops whose loads and stores fault on every other pass (a handler skips them), with MSR NZCV: the interpreter\'s registers, flags, exceptions taken and instructions retired', () => {
    // x24 is the data area on even passes and 2^40 above it (no memory) on odd ones; the handler at
    // VBAR_EL1 + 0x200 counts in x23 and returns past the access. A fault in a block's later pass must
    // be taken with that pass's instructions retired; MSR NZCV inside a block must set the flags.
    compareRandomPrograms(0xfa017, 40, (r) => 4 + Math.floor(r() * 30), 6, (r) => {
      const v = r();
      const x = Math.floor(r() * 10);
      if (v < 0.05) return `msr nzcv, x${x}`;
      if (v < 0.12) return ['and x26, x21, #1', 'lsl x26, x26, #40', 'add x24, x20, x26', `${r() < 0.5 ? 'ldr' : 'str'} x${x}, [x24, #${8 * Math.floor(r() * 30)}]`].join('\n  ');
      return undefined;
    }, ['adr x22, vectors', 'msr vbar_el1, x22', 'mov x23, #0'], [
      '.balign 2048', 'vectors:', '.org vectors + 0x200',
      'mrs x22, elr_el1', 'add x22, x22, #4', 'msr elr_el1, x22', 'add x23, x23, #1', 'eret',
    ]);
  });
});

describe('A64 translation tier: unaligned loads and stores', () => {
  it('40 loops of unaligned loads, stores and pairs inside a page, and at the end of RAM where the crossing ones fault: the interpreter\'s registers, memory and exceptions', () => {
    // Blocks do an unaligned access to RAM themselves when it lies in one page (as the interpreter, which
    // models no alignment faults); one that crosses the last page of RAM (x26 + 9..15 with 8 bytes) must
    // fault as the interpreter's byte by byte path does, which the handler counts in x23 and skips.
    compareRandomPrograms(0x0dd, 40, (r) => 4 + Math.floor(r() * 30), 4, (r) => {
      const v = r();
      const x = (): string => `x${Math.floor(r() * 10)}`;
      const w = (): string => `w${Math.floor(r() * 10)}`;
      if (v < 0.06) return `add x25, x20, #${1 + Math.floor(r() * 7)}`;
      if (v < 0.10) return `ldr ${x()}, [x25, #${8 * Math.floor(r() * 24)}]`;
      if (v < 0.14) return `str ${x()}, [x25, #${8 * Math.floor(r() * 24)}]`;
      if (v < 0.17) return `${['ldr', 'str', 'ldrsw'][Math.floor(r() * 3)]} ${v < 0.155 ? w() : x()}, [x25, #${4 * Math.floor(r() * 48)}]`.replace(/ldrsw w/, 'ldrsw x');
      if (v < 0.20) return `${['ldrh', 'strh', 'ldrsh'][Math.floor(r() * 3)]} ${w()}, [x25, #${2 * Math.floor(r() * 96)}]`;
      if (v < 0.24) return `${r() < 0.5 ? 'ldp' : 'stp'} ${x()}, ${x()}, [x25, #${16 * Math.floor(r() * 14)}]`;
      if (v < 0.26) return `${r() < 0.5 ? 'ldp' : 'stp'} ${w()}, ${w()}, [x25, #${8 * Math.floor(r() * 28)}]`;
      if (v < 0.30) return `${r() < 0.7 ? 'ldur' : 'stur'} ${x()}, [x26, #${Math.floor(r() * 16)}]`;
      return undefined;
    }, ['adr x22, vectors', 'msr vbar_el1, x22', 'mov x23, #0', `ldr x25, =${RAM_BASE + 0x8001}`, `ldr x26, =${RAM_BASE + (1 << 20) - 16}`], [
      '.balign 2048', 'vectors:', '.org vectors + 0x200',
      'mrs x22, elr_el1', 'add x22, x22, #4', 'msr elr_el1, x22', 'add x23, x23, #1', 'eret',
    ]);
  });
});

describe('A64 translation tier: the stack pointer in a block\'s locals', () => {
  it('40 loops pushing, popping and moving SP, with the interpreter\'s code and slow paths between', () => {
    // Blocks keep SP in a local like X0-X30: pre/post-indexed STP/LDP/STR/LDR on SP write it there, ADD and
    // SUB (immediate) on SP and MOV to and from it read and write it there; CRC32 and MRS NZCV (the
    // interpreter's code) and the loads' first-pass TLB misses (the slow path writes SP in memory) must
    // see it and be seen. The stack starts at RAM_BASE + 0xc000 and drifts at most a few KiB.
    compareRandomPrograms(0x57ac, 40, (r) => 6 + Math.floor(r() * 30), 5, (r) => {
      const v = r();
      const x = (): string => `x${Math.floor(r() * 10)}`;
      if (v < 0.07) return `stp ${x()}, ${x()}, [sp, #-16]!`;
      if (v < 0.13) return `ldp ${x()}, ${x()}, [sp], #16`;
      if (v < 0.16) return `str ${x()}, [sp, #-8]!`;
      if (v < 0.19) return `ldr ${x()}, [sp], #8`;
      if (v < 0.22) return `ldr ${x()}, [sp, #${8 * Math.floor(r() * 8)}]`;
      if (v < 0.24) return `str ${x()}, [sp, #${8 * Math.floor(r() * 8)}]`;
      if (v < 0.26) return `sub sp, sp, #${16 * Math.floor(r() * 4)}`;
      if (v < 0.28) return `add sp, sp, #${16 * Math.floor(r() * 4)}`;
      if (v < 0.30) return `mov ${x()}, sp`;
      if (v < 0.31) return 'mov x9, sp\n  mov sp, x9';
      if (v < 0.33) return `crc32w w${Math.floor(r() * 10)}, w${Math.floor(r() * 10)}, w${Math.floor(r() * 10)}`;
      if (v < 0.35) return `mrs ${x()}, nzcv`;
      return undefined;
    }, [`ldr x11, =${RAM_BASE + 0xc000}`, 'mov sp, x11']);
  });
});

describe('A64 translation tier: MSR and SYS inside blocks', () => {
  it('40 loops with DAIF masks, TPIDR_EL1, TCR_EL1, TLBI of a page (sometimes the code\'s own) and cache maintenance', () => {
    // They run the interpreter's code from inside the block and go on there, except a TLBI of the page the
    // code is in, which leaves the block and ends the slice (system.ts systemOperation). DAIF's writes and
    // reads and MRS of TPIDR_EL1 and TCR_EL1 are done by the block on the state region (cpu.ts SysSlot)
    // and must see what the interpreter's code before them wrote, and it what they wrote.
    compareRandomPrograms(0xda1f, 40, (r) => 4 + Math.floor(r() * 30), 5, (r) => {
      const v = r();
      const x = `x${Math.floor(r() * 10)}`;
      if (v < 0.03) return 'msr daifset, #2';
      if (v < 0.05) return 'msr daifclr, #2';
      if (v < 0.06) return `msr daif, ${x}`;
      if (v < 0.08) return `mrs ${x}, daif`;
      if (v < 0.10) return `msr tpidr_el1, ${x}`;
      if (v < 0.12) return `mrs ${x}, tpidr_el1`;
      if (v < 0.13) return `mrs ${x}, tcr_el1`;
      if (v < 0.135) return `msr tcr_el1, ${x}`;
      if (v < 0.14) return `tlbi vale1, ${x}`;
      if (v < 0.15) return 'adr x9, loop\n  lsr x9, x9, #12\n  tlbi vale1, x9';
      if (v < 0.17) return `dc cvau, ${x}`;
      return undefined;
    });
  });

  it('TPIDR_EL1 and TCR_EL1, which blocks read from the state region, come back with a restored snapshot', () => {
    // The second machine is a fresh CPU: its blocks can only read the values the restore put in the region.
    const save = machine(asm(`
  ldr x0, =0x8000000012345678
  msr tpidr_el1, x0
  ldr x1, =0x0000004080100010
  msr tcr_el1, x1
  wfi`), { tier: true });
    expect(runToEnd(save, 1000)).toBe('wfi');
    const state = save.cpu.saveState();
    const load = machine(asm(`
  mov x5, #0
  mov x6, #300
loop:
  mrs x2, tpidr_el1
  mrs x3, tcr_el1
  add x5, x5, #1
  cmp x5, x6
  b.ne loop
  wfi`), { tier: true });
    load.cpu.restoreState(state);
    load.cpu.setPc(BigInt(RAM_BASE));
    expect(runToEnd(load, 10_000)).toBe('wfi');
    expect(load.cpu.tier!.stats.blocks).toBeGreaterThan(0);
    expect([load.x(2), load.x(3)]).toEqual([0x8000000012345678n, 0x0000004080100010n]);
    expect([load.cpu.sys.tpidr1, load.cpu.sys.tcr]).toEqual([0x8000000012345678n, 0x0000004080100010n]);
  });

  it('40 loops interleaving NEON with integer code: vector-only helpers keep the cached general registers', () => {
    // add/eor/ushr/sli/ld1 write only V registers (the block keeps x0..x30 in its locals across them);
    // dup and fmov read a general register, umov writes one and ld1 with post-increment writes its base.
    compareRandomPrograms(0x5e0a, 40, (r) => 6 + Math.floor(r() * 30), 5, (r) => {
      const v = r();
      const V = (): string => `v${Math.floor(r() * 8)}`;
      const x = `x${Math.floor(r() * 10)}`;
      const w = `w${Math.floor(r() * 10)}`;
      if (v < 0.05) return `add ${V()}.4s, ${V()}.4s, ${V()}.4s`;
      if (v < 0.09) return `eor ${V()}.16b, ${V()}.16b, ${V()}.16b`;
      if (v < 0.12) return `ushr ${V()}.4s, ${V()}.4s, #${1 + Math.floor(r() * 31)}`;
      if (v < 0.14) return `sli ${V()}.4s, ${V()}.4s, #${Math.floor(r() * 32)}`;
      if (v < 0.17) return `dup ${V()}.4s, ${w}`;
      if (v < 0.19) return `fmov ${V().replace('v', 'd')}, ${x}`;
      if (v < 0.23) return `umov ${w}, ${V()}.s[${Math.floor(r() * 4)}]`;
      if (v < 0.25) return `ld1 {${V()}.4s}, [x20]`;
      if (v < 0.26) return `ld1 {${V()}.4s}, [x20], #16\n  sub x20, x20, #16`;
      return undefined;
    }, ['mov x11, #0x300000', 'msr cpacr_el1, x11', 'isb', ...Array.from({ length: 8 }, (_, i) => `dup v${i}.2d, x${i}`)]);
  });

  it('40 loops of NEON element-wise forms the block does itself, in every arrangement, with edge shifts', () => {
    // Logic (and, bic, orr, orn, eor, bsl, bit, bif), add and sub, shifts by immediate (sshr, ushr by 1..the
    // lane width, shl and sli by 0..width-1, sri) and EXT, on 64- and 128-bit vectors (tier.ts vector):
    // the V registers must end as the interpreter leaves them (a 64-bit form clears the upper half).
    const arrangements = [['16b', 8], ['8b', 8], ['8h', 16], ['4h', 16], ['4s', 32], ['2s', 32], ['2d', 64]] as const;
    compareRandomPrograms(0xe1e7, 40, (r) => 6 + Math.floor(r() * 30), 5, (r) => {
      const v = r();
      const V = (): string => `v${Math.floor(r() * 8)}`;
      const [t, bits] = arrangements[Math.floor(r() * arrangements.length)]!;
      const bytes = t === '8b' || t === '16b' ? t : ['8b', '16b'][Math.floor(r() * 2)]!;
      const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
      const edge = (lo: number, hi: number): number => (r() < 0.3 ? pick([lo, hi]) : lo + Math.floor(r() * (hi - lo + 1)));
      if (v < 0.15) return `${pick(['and', 'bic', 'orr', 'orn', 'eor', 'bsl', 'bit', 'bif'])} ${V()}.${bytes}, ${V()}.${bytes}, ${V()}.${bytes}`;
      if (v < 0.30) return `${pick(['add', 'sub'])} ${V()}.${t}, ${V()}.${t}, ${V()}.${t}`;
      if (v < 0.45) return `${pick(['ushr', 'sshr', 'sri'])} ${V()}.${t}, ${V()}.${t}, #${edge(1, bits)}`;
      if (v < 0.58) return `${pick(['shl', 'sli'])} ${V()}.${t}, ${V()}.${t}, #${edge(0, bits - 1)}`;
      if (v < 0.66) return bytes === '16b' ? `ext ${V()}.16b, ${V()}.16b, ${V()}.16b, #${edge(0, 15)}` : `ext ${V()}.8b, ${V()}.8b, ${V()}.8b, #${edge(0, 7)}`;
      return undefined;
    }, ['mov x11, #0x300000', 'msr cpacr_el1, x11', 'isb', ...Array.from({ length: 8 }, (_, i) => `dup v${i}.2d, x${i}`), 'ins v1.d[1], x7', 'ins v2.d[1], x3', 'ins v5.s[3], w9']);
  });

  it('40 loops of LSE atomics, CAS, LDAR/STLR and exclusives on RAM in every size and ordering leave the interpreter\'s registers and memory', () => {
    // ADD, CLR, EOR, SET, SWP and CAS are one wasm atomic operation in the block (tier.ts atomic), LDAR and
    // STLR an atomic load or store (ordered), LDXR/STXR open and close the monitor in the state region
    // (exclusive: a store-exclusive after a load of another size or address, or after CLREX, fails as in
    // the interpreter); the signed/unsigned max/min go to the interpreter's code.
    // Offsets 0..56 of x20 keep 8-byte alignment.
    compareRandomPrograms(0xa70c, 40, (r) => 6 + Math.floor(r() * 30), 5, (r) => {
      const v = r();
      const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
      const reg = (w: boolean): string => `${w ? 'w' : 'x'}${Math.floor(r() * 10)}`;
      const order = pick(['', 'a', 'al', 'l']);
      const [suffix, w] = pick([['', false], ['', true], ['b', true], ['h', true]] as const);
      const at = `[x${pick([20, 23])}]`;
      if (v < 0.25) return `ld${pick(['add', 'clr', 'eor', 'set', 'smax', 'umin'])}${order}${suffix} ${reg(w)}, ${reg(w)}, ${at}`;
      if (v < 0.32) return `st${pick(['add', 'clr', 'eor', 'set'])}${order === 'a' || order === 'al' ? 'l' : order}${suffix} ${reg(w)}, ${at}`;
      if (v < 0.40) return `swp${order}${suffix} ${reg(w)}, ${reg(w)}, ${at}`;
      if (v < 0.50) return `cas${order}${suffix} ${reg(w)}, ${reg(w)}, ${at}`;
      if (v < 0.53) return `add x23, x20, #${8 * Math.floor(r() * 8)}`;
      if (v < 0.60) return `${pick(['ldar', 'stlr'])}${suffix} ${reg(w)}, ${at}`;
      if (v < 0.68) return `${pick(['ldxr', 'ldaxr'])}${suffix} ${reg(w)}, ${at}`;
      if (v < 0.76) return `${pick(['stxr', 'stlxr'])}${suffix} w10, ${reg(w)}, ${at}`;
      if (v < 0.77) return 'clrex';
      return undefined;
    }, ['.arch_extension lse', 'ldr x23, =' + (RAM_BASE + 0x8008)]);
  });

  it('with FP/SIMD trapped at EL1 (CPACR_EL1.FPEN) a NEON instruction in a block traps as in the interpreter', () => {
    // The loop's block is made while FPEN lets SIMD run; FPEN is then cleared and the same block is
    // entered again: the EOR must now be an FP access trap (ESR class 0x07) at its own address.
    const m = machine(asm(`
  adr x0, vectors
  msr vbar_el1, x0
  mov x11, #0x300000
  msr cpacr_el1, x11
  isb
  mov x3, #0
again:
  mov x2, #300
  b loop
loop:
  eor v0.16b, v1.16b, v2.16b
  add x1, x1, #1
  subs x2, x2, #1
  b.ne loop
  add x3, x3, #1
  msr cpacr_el1, xzr
  isb
  b again
  .balign 2048
vectors:
  .org vectors + 0x200
  mrs x10, elr_el1
  mrs x12, esr_el1
1:
  wfi
  b 1b`), { tier: true });
    m.run(100_000);
    expect(m.faults.map((f) => f.message)).toEqual([]);
    expect(m.cpu.tier!.stats.blocks).toBeGreaterThan(0);
    expect([m.x(1), m.x(3)]).toEqual([300n, 1n]);
    expect(Number(m.x(12) >> 26n)).toBe(0x07);
    expect(m.x(10)).toBe(BigInt(RAM_BASE + 4 * 8));
  });

  for (const [form, unmask] of [
    ['msr daif', 'csel x5, x6, x7, eq\n  msr daif, x5'],
    ['msr daifclr', 'b.ne 1f\n  msr daifclr, #2\n1:'],
  ] as const) it(`a block that unmasks IRQs with one pending (${form}) leaves at the next instruction, where the IRQ is taken`, () => {
    // The IRQ is pending from the start; the loop (one block) keeps it masked for 39 passes (DAIF written
    // with everything masked goes on in the block) and unmasks it in the 40th. (WFI falls through while
    // it stays pending: the handler ends in a loop.)
    const m = machine(asm(`
  adr x0, vectors
  msr vbar_el1, x0
  mov x3, #40
  mov x6, #0x340
  mov x7, #0x3c0
loop:
  msr daifset, #2
  add x1, x1, #1
  cmp x3, #1
  ${unmask}
  add x2, x2, #1
  subs x3, x3, #1
  b.ne loop
  wfi
  .balign 2048
vectors:
  .org vectors + 0x280
  mrs x10, elr_el1
  mov x11, x2
1:
  wfi
  b 1b`), { tier: true });
    Atomics.or(m.header, CpuWord.pending, 1);
    m.run(100_000);
    expect(m.faults.map((f) => f.message)).toEqual([]);
    expect(m.cpu.tier!.stats.blocks).toBeGreaterThan(0);
    // Taken right after the unmasking MSR of the 40th pass: x1 counted it, x2 not; ELR at that add.
    expect([m.x(1), m.x(11)]).toEqual([40n, 39n]);
    expect(m.x(10)).toBe(BigInt(RAM_BASE + 4 * 10));
  });
});

/** A loop adding 1 to x1 five times at `loop` (the add the tests below patch), entered at `again`. */
const ADD_FIVE_TIMES = `again:
  mov x2, #5
loop:
  add x1, x1, #1
  subs x2, x2, #1
  b.ne loop`;

/**
 * ADD_FIVE_TIMES three times, its add patched to add 100 after the first run and to add 1000 after the
 * second (a second store into the code page, which must not have entered the write TLB); `beforeAgain`
 * runs before each jump back. x1 ends at 5 + 500 + 5000.
 */
const patchedTwice = (beforeAgain = '') => `
  mov x1, #0
  mov x3, #3
  mov x7, #0
  adr x4, loop
  ldr w5, =0x91019021
  ldr w6, =0x910fa021
${ADD_FIVE_TIMES}
  subs x3, x3, #1
  b.eq done
  str w5, [x4]
  mov w5, w6
${beforeAgain}
  b again
done:
  wfi
  .ltorg`;

describe('A64 translation tier: code that changes, faults inside a block', () => {
  it('an instruction rewritten after its block was translated runs as rewritten, each time it is rewritten', () => {
    const m = machine(asm(patchedTwice()), { tier: true });
    expect(m.run(10_000)).toBe('wfi');
    expect(m.faults).toEqual([]);
    expect(m.x(1)).toBe(5n + 500n + 5000n); // add x1, x1, #100 (0x91019021), then #1000 (0x910fa021)
    expect(m.cpu.tier!.stats.stale).toBeGreaterThan(1);
  });

  it('a block that goes straight on into a block whose code changed: the interpreter takes over there, with the work before done once', () => {
    // `mov w5, w6 .. b again` is translated after `again` and calls it directly; once the str has patched
    // the add inside `again`, that call finds `again` stale. The interpreter must go on at `again` with
    // x7 counted and the flags of the cmp as they were, not run the caller's instructions a second time.
    const source = patchedTwice(`
  add x7, x7, #1
  cmp x7, #1`);
    const runs = [false, true].map((tier) => {
      const m = machine(asm(source), { tier });
      const exit = m.run(10_000);
      return { exit, x1: m.x(1), x7: m.x(7), flags: m.flags(), retired: m.cpu.retired, faults: m.faults.length, stale: (m.cpu.tier?.stats.stale ?? 0) > 0 };
    });
    expect(runs[0]).toMatchObject({ exit: 'wfi', x1: 5n + 500n + 5000n, x7: 2n });
    expect(runs[1]).toEqual({ ...runs[0], stale: true });
  });

  it('a store into a later instruction of its own block: the rest of the block runs as rewritten', () => {
    // The store is in the same block as the add it patches: the block must leave after the store.
    const m = machine(asm(`
  adr x4, target
  ldr w5, =0x91019021
  mov x1, #0
  str w5, [x4]
target:
  add x1, x1, #1
  wfi
  .ltorg`), { tier: true });
    expect(m.run(1_000)).toBe('wfi');
    expect(m.faults).toEqual([]);
    expect(m.cpu.tier!.stats.blocks).toBeGreaterThan(0);
    expect(m.x(1)).toBe(100n); // 0x91019021 is add x1, x1, #100, as the interpreter runs it
  });

  it("code another CPU rewrote runs as rewritten after that CPU's IC IVAU, which reaches every CPU", async () => {
    const { AddressSpace } = await import('../../../../../src/core/bus/address-space');
    const { A64Cpu, A64_STATE_BYTES } = await import('../../../../../src/core/isa/aarch64/cpu');
    const ramSize = 1 << 16;
    const buffer = tierBuffer(ramSize + 2 * A64_STATE_BYTES);
    const bus = new AddressSpace(RAM_BASE, { buffer, byteOffset: 0, byteLength: ramSize });
    const headers = [0, 1].map((id) => new Int32Array(buffer, ramSize + id * A64_STATE_BYTES, 64));
    const cpus = [0, 1].map((id) => new A64Cpu({
      cpuId: id, mpidr: BigInt(id), bus, clock: { now: () => 0 }, timerFrequency: 1,
      fault: (r) => { throw new Error(r.message); },
      broadcastCodeChange: () => Atomics.or(headers[1 - id]!, CpuWord.fences, 4),
    }, { buffer, byteOffset: ramSize + id * A64_STATE_BYTES, byteLength: A64_STATE_BYTES }));
    for (const cpu of cpus) {
      cpu.tier!.hot = 1;
      cpu.tier!.batch = 1;
    }
    // CPU 0 runs a loop twice, waiting in between; CPU 1 patches the loop's add as Linux patches text.
    const code0 = asm(`
${ADD_FIVE_TIMES}
  wfi
  b again`);
    const code1 = asm(`
  ldr x4, =${RAM_BASE + 4}
  ldr w5, =0x91019021
  ic iallu
  str w5, [x4]
  dc cvau, x4
  dsb ish
  ic ivau, x4
  dsb ish
  isb
  wfi
  .ltorg`, RAM_BASE + 0x1000);
    new Uint8Array(buffer, 0, code0.length).set(code0);
    new Uint8Array(buffer, 0x1000, code1.length).set(code1);
    cpus[0]!.powerOn(BigInt(RAM_BASE), []);
    cpus[1]!.powerOn(BigInt(RAM_BASE + 0x1000), []);
    expect(cpus[0]!.run(1_000)).toBe('wfi');
    expect(cpus[0]!.getX(1)).toBe(5n);
    expect(cpus[0]!.tier!.stats.blocks).toBeGreaterThan(0);
    expect(cpus[1]!.run(1_000)).toBe('wfi');
    expect(cpus[0]!.run(1_000)).toBe('wfi');
    expect(cpus[0]!.getX(1)).toBe(505n); // 0x91019021 is add x1, x1, #100
    expect(cpus[0]!.tier!.stats.stale).toBeGreaterThan(0);
  });

  it("a load that faults in a looping block's fifth pass: ELR and the instructions retired are the interpreter's", () => {
    const source = `
  adr x0, vectors
  msr vbar_el1, x0
  ldr x9, =${RAM_BASE + 0x8000}
  ldr x8, =0x1000
  mov x3, #5
loop:
  add x1, x1, #1
  subs x3, x3, #1
  csel x10, x8, x9, eq
  ldr x6, [x10]
  b.ne loop
  wfi
  .ltorg
  .balign 2048
vectors:
  .org vectors + 0x200
  mrs x11, elr_el1
  wfi`;
    const runs = [false, true].map((tier) => {
      const m = machine(asm(source), { tier });
      const exit = m.run(10_000);
      return { exit, x1: m.x(1), elr: m.x(11), retired: m.cpu.retired, blocks: (m.cpu.tier?.stats.blocks ?? 0) > 0 };
    });
    expect(runs[0]).toEqual({ exit: 'wfi', x1: 5n, elr: BigInt(RAM_BASE + 4 * 8), retired: runs[0]!.retired, blocks: false });
    expect(runs[1]).toEqual({ ...runs[0], blocks: true });
  });

  it('a load that faults in the middle of a block: earlier instructions done, ELR at the load, later ones not', () => {
    const m = machine(asm(`
  adr x0, vectors
  msr vbar_el1, x0
  ldr x9, =0x1000
  mov x3, #3
loop:
  add x1, x1, #1
  add x2, x2, #2
  subs x3, x3, #1
  b.ne loop
  add x5, x5, #7
  ldr x6, [x9]
  add x7, x7, #9
  wfi
  .balign 2048
vectors:
  .org vectors + 0x200
  mrs x10, elr_el1
  mrs x11, esr_el1
  wfi`), { tier: true });
    m.run(10_000);
    expect(m.faults).toEqual([]);
    expect([m.x(1), m.x(2), m.x(5), m.x(7)]).toEqual([3n, 6n, 7n, 0n]);
    expect(m.x(10)).toBe(BigInt(RAM_BASE + 4 * 9));
    expect(m.x(11) >> 26n).toBe(0x25n); // data abort from the same EL
    expect(m.cpu.tier!.stats.blocks).toBeGreaterThan(0);
  });

  it('a fault in a block the dispatcher chained to on another page has that page in ELR', () => {
    // Round 1 translates both blocks; in round 2 the dispatcher goes from the first page's block to the
    // second page's without the interpreter, and the load there faults (x9 now points nowhere).
    const m = machine(asm(`
  adr x0, vectors
  msr vbar_el1, x0
  ldr x9, =${RAM_BASE + 0x8000}
  mov x3, #2
round:
  add x1, x1, #1
  b far
back:
  ldr x9, =0x1000
  subs x3, x3, #1
  b.ne round
  wfi
  .balign 2048
vectors:
  .org vectors + 0x200
  mrs x10, elr_el1
  wfi
  .org 0x1000
far:
  add x2, x2, #1
  ldr x6, [x9]
  add x7, x7, #1
  b back
  .ltorg`), { tier: true });
    m.run(10_000);
    expect(m.faults).toEqual([]);
    expect([m.x(1), m.x(2), m.x(7)]).toEqual([2n, 2n, 1n]);
    expect(m.x(10)).toBe(BigInt(RAM_BASE + 0x1000 + 4));
  });
});
