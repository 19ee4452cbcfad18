/**
 * The RV64 translation tier (src/core/isa/riscv64/tier.ts) against the interpreter. Two harts run the
 * same program in lock step, one interpreting and one translating every block head the first time it
 * is seen (hot = 1, batches of one), in slices of a few hundred instructions; after every slice their
 * architectural state must agree: integer and FP registers, pc, privilege, the trap CSRs, instructions
 * retired and the data area. Programs: the ISA test ELFs (guest/riscv64/bin/isa-*.elf) that run on one
 * hart without interrupt devices, and seeded random integer sequences with edge values; then code
 * rewritten after its block was translated (by the hart itself and by another hart), a fault in the
 * middle of a block, and the jump cache after a page's mapping changes.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { machine, RAM_BASE, type TestMachine } from '../harness';
import { HART_STATE_BYTES } from '../../../../../src/core/isa/riscv64/hart';
import { registerWasmMemory } from '../../../../../src/core/jit/wasm-module';
import { loadElf, parseElf } from '../../../../../src/core/machine/elf';
import type { MmioDevice } from '../../../../../src/core/bus/types';
import { flushTlb, flushTlbPage } from '../../../../../src/core/isa/riscv64/mmu';
import { withJobCompiler } from '../../../../helpers/job-compiler';

const RAM = 16 << 20;

/** A buffer for RAM and two hart state regions in a registered WebAssembly.Memory (the tier runs over it). */
function wasmBuffer(bytes: number): SharedArrayBuffer {
  const pages = Math.ceil(bytes / 65536);
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
  registerWasmMemory(memory);
  return memory.buffer as unknown as SharedArrayBuffer;
}

/** A hart over a plain SharedArrayBuffer (interpreter) or a registered WebAssembly.Memory (tier, translating at once). */
function pair(source: string | string[] = []): [TestMachine, TestMachine] {
  const interp = machine(source, { ramSize: RAM });
  const tiered = machine(source, { ramSize: RAM, buffer: wasmBuffer(RAM + 2 * HART_STATE_BYTES) });
  expect(interp.hart.tier).toBeUndefined();
  const tier = tiered.hart.tier!;
  expect(tier).toBeDefined();
  tier.hot = 1;
  tier.batch = 1;
  return [interp, tiered];
}

/** UART (LSR says ready), the sifive test device and quiet CLINT/PLIC windows: what the ISA programs touch. */
function devices(m: TestMachine): { out: string[] } {
  const out: string[] = [];
  const stub = (kind: string, read: (offset: number) => number, write: (offset: number, value: number) => void): MmioDevice => ({
    kind, registers: [], read: (o) => read(o), write: (o, _s, v) => write(o, v), reset() {}, peek: () => ({}),
  });
  m.bus.map('test', 0x100000, 0x1000, stub('test', () => 0, (_o, v) => out.push(`test:${v.toString(16)}`)));
  m.bus.map('clint', 0x2000000, 0x10000, stub('clint', (o) => (o === 0xbff8 ? m.time.now : 0), () => {}));
  m.bus.map('plic', 0xc000000, 0x4000000, stub('plic', () => 0, () => {}));
  m.bus.map('uart', 0x10000000, 0x100, stub('uart', (o) => (o === 5 ? 0x60 : 0), (o, v) => { if (o === 0) out.push(String.fromCharCode(v)); }));
  return { out };
}

/** The architectural state compared after each slice. */
function state(m: TestMachine, data: [number, number]): Record<string, unknown> {
  const h = m.hart;
  return {
    pc: h.getPc().toString(16),
    x: Array.from({ length: 32 }, (_, i) => h.getX(i).toString(16)),
    f: Array.from({ length: 32 }, (_, i) => h.getF(i).toString(16)),
    priv: h.priv,
    retired: h.retired,
    csr: [h.mstatus, h.mcause, h.mepc, h.mtval, h.scause, h.sepc, h.stval, h.fflags].map(String),
    data: Array.from({ length: data[1] / 8 }, (_, i) => m.ram.getBigUint64(data[0] - RAM_BASE + 8 * i, true).toString(16)),
    faults: m.faults.length,
  };
}

/**
 * Runs `source` (its trap handler at label `handler`; x31 = 0x1000, where there is no RAM) on both harts
 * in one slice, as a block is entered only with a block's worth of budget left; returns the translating one.
 */
function runToFault(source: string, data: [number, number], setup: (m: TestMachine) => void = () => {}): TestMachine {
  const ms = pair(source);
  for (const m of ms) {
    m.hart.setX(30, BigInt(m.program.labels.get('handler')!));
    m.hart.setX(31, 0x1000n);
    setup(m);
  }
  expect(lockStep(ms, 1000, 1000, data, 'fault')).toBe('wfi');
  expect(ms[1].hart.tier!.stats.blocks).toBeGreaterThan(0);
  return ms[1];
}

/** Runs both in slices of `slice` instructions until the interpreter's hart stops; compares after each slice. */
function lockStep(ms: [TestMachine, TestMachine], slice: number, limit: number, data: [number, number], label: string): string {
  let exit = 'budget';
  for (let done = 0; done < limit && exit === 'budget'; done += slice) {
    const exits = ms.map((m) => {
      m.time.now += 1;
      return m.run(slice);
    });
    exit = exits[0]!;
    const [a, b] = ms.map((m) => state(m, data));
    expect({ exit: exits[1], ...b }, `${label}: after ${done + slice} instructions`).toEqual({ exit, ...a });
  }
  return exit;
}

/** Sv39 page tables at ROOT/L1/L0 mapping VA 0x40000000 + 4 KiB * i to pages[i], read and written by both machines. */
const SV39 = { ROOT: 0x80010000, L1: 0x80011000, L0: 0x80012000 };
const VRWXAD = 1n | 2n | 4n | 8n | 64n | 128n;

/** Points VA page `index` (of 0x40000000) at `pa` in `m`'s L0 table (the caller fences). */
function mapPage(m: TestMachine, index: number, pa: number): void {
  m.ram.setBigUint64(SV39.L0 - RAM_BASE + index * 8, ((BigInt(pa) >> 12n) << 10n) | VRWXAD, true);
}

/**
 * Both machines with Sv39 on and VA 0x40000000 + 4 KiB * i mapped to pages[i], entering S-mode at
 * `entry` once run (the program sets satp, mstatus.MPP and mepc from a0-a2, then MRET); `setup` loads
 * each machine's code and registers first.
 */
function sv39Pair(pages: number[], entry: bigint, setup: (m: TestMachine) => void): [TestMachine, TestMachine] {
  const ms = pair(['csrw satp, a0', 'csrw mstatus, a1', 'csrw mepc, a2', 'mret']);
  for (const m of ms) {
    m.ram.setBigUint64(SV39.ROOT - RAM_BASE + 8, ((BigInt(SV39.L1) >> 12n) << 10n) | 1n, true);
    m.ram.setBigUint64(SV39.L1 - RAM_BASE, ((BigInt(SV39.L0) >> 12n) << 10n) | 1n, true);
    pages.forEach((pa, i) => mapPage(m, i, pa));
    setup(m);
    m.hart.setX(10, (8n << 60n) | (BigInt(SV39.ROOT) >> 12n));
    m.hart.setX(11, 1n << 11n);
    m.hart.setX(12, entry);
  }
  return ms;
}

const BIN = path.resolve(__dirname, '../../../../../guest/riscv64/bin');

/** Runs ISA program `name` on both harts in lock step to its end; returns the translating hart's tier figures. */
function runIsaProgram(name: string): { blocks: number; codeBytes: number } {
  const bytes = new Uint8Array(readFileSync(path.join(BIN, `isa-${name}.elf`)));
  const image = parseElf(bytes, name);
  const ms = pair();
  const outs = ms.map((m) => {
    loadElf(image, bytes, { base: RAM_BASE, size: RAM, u8: new Uint8Array(m.buffer, 0, RAM) }, name);
    m.hart.reset(BigInt(image.entry), 'machine');
    return devices(m).out;
  });
  const tohost = image.symbols.get('tohost')!;
  const exit = lockStep(ms, 997, 20_000_000, [tohost, 8], name);
  expect(exit).toBe('wfi');
  expect(outs[1]).toEqual(outs[0]);
  expect(outs[0]!.join('')).toContain('PASS');
  return { blocks: ms[1].hart.tier!.stats.blocks, codeBytes: ms[1].hart.tier!.stats.codeBytes };
}

describe('RV64 translation tier: the ISA programs', () => {
  // rv64a needs its four harts and interrupts its devices; both run translated in tests/isa on the workers.
  for (const name of ['rv64i', 'rv64m', 'rv64c', 'rv64f', 'rv64d', 'csr', 'traps', 'paging']) {
    it(`isa-${name}: the interpreter's state after every slice, and PASS`, () => {
      expect(runIsaProgram(name).blocks).toBeGreaterThan(20);
    });
  }
});

describe('RV64 translation tier: modules written on the compiling thread', () => {
  it('blocks written from a copy of their job by the CPU model\'s writer (as that thread does) leave the interpreter\'s state in isa-rv64i and isa-rv64m', () => {
    const jobs = withJobCompiler('riscv64', () => {
      for (const name of ['rv64i', 'rv64m']) {
        const figures = runIsaProgram(name);
        expect(figures.blocks, name).toBeGreaterThan(20);
        expect(figures.codeBytes, name).toBeGreaterThan(0);
      }
    });
    expect(jobs).toBeGreaterThan(10);
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

const EDGES = [0n, 1n, -1n, 0x7fff_ffff_ffff_ffffn, -0x8000_0000_0000_0000n, 0xffff_ffffn, 0x8000_0000n, 0x7fff_ffffn, -0x8000_0000n, 31n, 32n, 63n, 64n];

/** One random instruction on x5..x15 with the data area at x28 (512 bytes). */
function randomInstruction(r: () => number, label: () => string): string {
  const pick = <T,>(a: readonly T[]): T => a[Math.floor(r() * a.length)]!;
  const R = () => `x${5 + Math.floor(r() * 11)}`;
  const RZ = () => (r() < 0.08 ? 'x0' : R());
  const imm12 = () => Math.floor(r() * 4096) - 2048;
  switch (Math.floor(r() * 16)) {
    case 0: case 1: return `${pick(['add', 'sub', 'sll', 'slt', 'sltu', 'xor', 'srl', 'sra', 'or', 'and'])} ${RZ()}, ${RZ()}, ${RZ()}`;
    case 2: return `${pick(['addw', 'subw', 'sllw', 'srlw', 'sraw'])} ${RZ()}, ${RZ()}, ${RZ()}`;
    case 3: case 4: return `${pick(['addi', 'slti', 'sltiu', 'xori', 'ori', 'andi'])} ${RZ()}, ${RZ()}, ${imm12()}`;
    case 5: return `${pick(['slli', 'srli', 'srai'])} ${RZ()}, ${RZ()}, ${Math.floor(r() * 64)}`;
    case 6: return `${pick(['addiw'])} ${RZ()}, ${RZ()}, ${imm12()}`;
    case 7: return `${pick(['slliw', 'srliw', 'sraiw'])} ${RZ()}, ${RZ()}, ${Math.floor(r() * 32)}`;
    case 8: return `${pick(['mul', 'mulh', 'mulhsu', 'mulhu', 'div', 'divu', 'rem', 'remu'])} ${RZ()}, ${RZ()}, ${RZ()}`;
    case 9: return `${pick(['mulw', 'divw', 'divuw', 'remw', 'remuw'])} ${RZ()}, ${RZ()}, ${RZ()}`;
    case 10: return `lui ${RZ()}, ${Math.floor(r() * 0x100000)}`;
    case 11: return `auipc ${RZ()}, ${Math.floor(r() * 0x100000)}`;
    case 12: { const s = pick([1, 2, 4, 8]); return `${pick(s === 8 ? ['ld', 'sd'] : s === 4 ? ['lw', 'lwu', 'sw'] : s === 2 ? ['lh', 'lhu', 'sh'] : ['lb', 'lbu', 'sb'])} ${RZ()}, ${s * Math.floor(r() * (512 / s))}(x28)`; }
    case 13: { const l = label(); return `${pick(['beq', 'bne', 'blt', 'bge', 'bltu', 'bgeu'])} ${RZ()}, ${RZ()}, ${l}\n  addi ${R()}, ${R()}, 1\n${l}:`; }
    case 14: return `${pick(['c.addi', 'c.slli'])} ${R()}, ${1 + Math.floor(r() * 30)}`;
    default: return `${pick(['c.mv', 'c.add'])} ${R()}, ${R()}`;
  }
}

describe('RV64 translation tier: seeded random programs', () => {
  it('60 loops of random RV64IM/C instructions with edge values leave the interpreter\'s registers and memory after every slice', () => {
    const r = rng(0x5eed);
    let labels = 0;
    for (let p = 0; p < 60; p++) {
      const body: string[] = [];
      const values = Array.from({ length: 11 }, () =>
        r() < 0.5 ? EDGES[Math.floor(r() * EDGES.length)]! : BigInt.asIntN(64, (BigInt(Math.floor(r() * 2 ** 32)) << 32n) | BigInt(Math.floor(r() * 2 ** 32))));
      body.push(`li x29, ${3 + Math.floor(r() * 5)}`, 'loop:');
      const n = 4 + Math.floor(r() * 70);
      for (let i = 0; i < n; i++) body.push(randomInstruction(r, () => `l${labels++}`));
      body.push('addi x29, x29, -1', 'bnez x29, loop', 'wfi');
      const source = body.join('\n');
      const ms = pair(source);
      for (const m of ms) {
        for (let i = 0; i < 512; i += 8) m.ram.setBigUint64(0x10000 + i, BigInt(i + 1) * 0x0102_0304_0506_0709n, true);
        values.forEach((v, i) => m.hart.setX(5 + i, v));
        m.hart.setX(28, BigInt(RAM_BASE + 0x10000));
      }
      expect(lockStep(ms, 61, 100_000, [RAM_BASE + 0x10000, 512], `program ${p}:\n${source}`)).toBe('wfi');
      expect(ms[1].hart.tier!.stats.blocks, `program ${p}`).toBeGreaterThan(0);
    }
  });
});

describe('RV64 translation tier: AMOs and LR/SC as wasm atomics', () => {
  it('40 loops of AMOSWAP/ADD/XOR/AND/OR and LR/SC (.W, .D) among integer code leave the interpreter\'s registers and memory', () => {
    // The block does these itself where the TLB holds the page (tier.ts amo, lrsc); the first pass of each
    // loop misses the TLB and goes through the interpreter's code, as AMOMIN/MAXU always do. LR/SC pairs
    // on one address, with a store or AMO between them sometimes (the SC then fails where the value changed).
    const r = rng(0xa70);
    let labels = 0;
    for (let p = 0; p < 40; p++) {
      const body: string[] = ['li x29, 4', 'loop:'];
      const n = 6 + Math.floor(r() * 30);
      for (let i = 0; i < n; i++) {
        if (r() < 0.2) {
          const d = r() < 0.5 ? 'd' : 'w';
          const offset = (d === 'd' ? 8 : 4) * Math.floor(r() * 16);
          const between = r() < 0.3 ? [`sw x${5 + Math.floor(r() * 11)}, ${offset}(x28)`] : r() < 0.3 ? [`amoadd.${d} x0, x6, (x30)`] : [];
          body.push(`addi x30, x28, ${offset}`, `lr.${d} x${5 + Math.floor(r() * 11)}, (x30)`, ...between, `sc.${d} x${5 + Math.floor(r() * 11)}, x${5 + Math.floor(r() * 11)}, (x30)`);
        } else if (r() < 0.5) {
          const d = r() < 0.5;
          const name = ['amoswap', 'amoadd', 'amoxor', 'amoand', 'amoor', 'amomin', 'amomaxu', 'lr'][Math.floor(r() * 8)]!;
          const offset = (d ? 8 : 4) * Math.floor(r() * (d ? 64 : 128));
          const rd = r() < 0.1 ? 'x0' : `x${5 + Math.floor(r() * 11)}`;
          body.push(`addi x30, x28, ${offset}`);
          body.push(name === 'lr' ? `lr.${d ? 'd' : 'w'} ${rd}, (x30)` : `${name}.${d ? 'd' : 'w'} ${rd}, x${5 + Math.floor(r() * 11)}, (x30)`);
        } else body.push(randomInstruction(r, () => `l${labels++}`));
      }
      body.push('addi x29, x29, -1', 'bnez x29, loop', 'wfi');
      const source = body.join('\n');
      const ms = pair(source);
      for (const m of ms) {
        for (let i = 0; i < 512; i += 8) m.ram.setBigUint64(0x10000 + i, BigInt(i + 1) * 0x8102_0304_0506_0709n, true);
        for (let i = 0; i < 11; i++) m.hart.setX(5 + i, EDGES[(p + i) % EDGES.length]!);
        m.hart.setX(28, BigInt(RAM_BASE + 0x10000));
      }
      expect(lockStep(ms, 61, 100_000, [RAM_BASE + 0x10000, 512], `program ${p}:\n${source}`)).toBe('wfi');
    }
  });
});

describe('RV64 translation tier: SC where the reservation is not', () => {
  it('fails at another address holding the same value, a second time, and after an LR of the other size', () => {
    const source = [
      'sd x0, 0(x28)', 'sd x0, 8(x28)', 'addi x30, x28, 0', 'addi x7, x28, 8', 'li x9, 77', 'li x29, 4',
      'loop: lr.d x5, (x30)', 'sc.d x6, x9, (x7)', 'lr.d x5, (x30)', 'sc.d x8, x9, (x30)', 'sc.d x10, x9, (x30)',
      'lr.w x11, (x30)', 'sc.d x12, x9, (x30)', 'sd x0, 0(x28)', 'addi x29, x29, -1', 'bnez x29, loop', 'wfi',
    ].join('\n');
    const ms = pair(source);
    for (const m of ms) m.hart.setX(28, BigInt(RAM_BASE + 0x10000));
    expect(lockStep(ms, 61, 10_000, [RAM_BASE + 0x10000, 16], source)).toBe('wfi');
    expect(ms[1].hart.tier!.stats.blocks).toBeGreaterThan(0);
    // Each pass: the SC elsewhere fails (and, as every SC, clears the reservation), the SC after a new LR
    // stores, the next one fails, and so does one after an LR of the other size.
    expect([6, 8, 10, 12].map((r) => ms[1].hart.getX(r))).toEqual([1n, 0n, 1n, 1n]);
    expect(ms[1].ram.getBigUint64(0x10008, true)).toBe(0n);
  });
});

describe('RV64 translation tier: an instruction across a page boundary', () => {
  /** bne x6, x0, -8 and bne x6, x5, -8 (a different rs2: only the upper half differs). */
  const BNE_X0 = 0xfe031ce3 | 0, BNE_X5 = 0xfe531ce3 | 0;
  /**
   * Both machines with a loop whose closing `bne` starts in the last halfword of a page: x5 += 3 and x6
   * counts down from `iterations`, then wfi after the bne (in the next page). Returns the machines and
   * the loop's address (`at`: where in RAM the page boundary is).
   */
  function crossing(iterations: number, at = RAM_BASE + 0x2000): { ms: [TestMachine, TestMachine]; loop: number } {
    const ms = pair('wfi');
    const loop = at - 10;
    for (const m of ms) {
      m.load('addi x5, x5, 3\naddi x6, x6, -1', loop);
      m.ram.setInt32(at - 2 - RAM_BASE, BNE_X0, true);
      m.load('wfi', at + 2);
      m.hart.reset(BigInt(loop), 'machine');
      m.hart.setX(6, BigInt(iterations));
    }
    // Heads translated at their second run, after the bne was fetched once: the tier takes its upper
    // half from the fetch TLB (it never walks the page tables itself).
    ms[1].hart.tier!.hot = 2;
    return { ms, loop };
  }

  it('belongs to the block before it: the loop runs in one block, with the interpreter\'s results', () => {
    const { ms, loop } = crossing(400);
    expect(lockStep(ms, 97, 5000, [RAM_BASE, 8], 'crossing loop')).toBe('wfi');
    expect([ms[1].x(5), ms[1].x(6)]).toEqual([1200n, 0n]);
    // The loop's block goes on through the bne, and where slices left the bne a head of its own (they
    // end mid-loop) it is a block too: not refused (-1) and left to the interpreter, as while blocks
    // stopped before an instruction that crosses a page.
    const page = ms[1].hart.tier!.page((loop - RAM_BASE) & -4096, (3 << 2) | 3);
    expect(page.fns[((loop - RAM_BASE) & 0xfff) >> 1]).toBeGreaterThan(0);
    expect(page.fns[2047]).toBeGreaterThan(0);
  });

  it('a block that starts with it, entered while the fetch TLB lacks the next page, hands it to the interpreter', () => {
    // The block of the crossing head can only check the next page's mapping in the fetch TLB: when the
    // entry is gone (evicted, or fenced as here), it must not leave at its own pc with nothing done,
    // where the dispatcher would call it again for ever.
    const { ms, loop } = crossing(1000);
    const crossPc = BigInt(loop + 8);
    expect(lockStep(ms, 101, 303, [RAM_BASE, 8], 'loop')).toBe('budget');
    for (let pass = 0; pass < 2; pass++) {
      for (const m of ms) m.hart.setPc(crossPc);
      expect(lockStep(ms, 101, 101, [RAM_BASE, 8], `entered at the bne (${pass})`)).toBe('budget');
    }
    const page = ms[1].hart.tier!.page((loop - RAM_BASE) & -4096, (3 << 2) | 3);
    expect(page.fns[2047]).toBeGreaterThan(0);
    for (const m of ms) {
      flushTlbPage(m.hart, RAM_BASE + 0x2000);
      m.hart.setPc(crossPc);
    }
    expect(lockStep(ms, 101, 5000, [RAM_BASE, 8], 'next page fenced')).toBe('wfi');
    expect(ms[1].x(6)).toBe(0n);
  });

  it('runs as rewritten when the next page\'s half of it changes without a FENCE.I (another writer)', () => {
    const { ms } = crossing(1000);
    expect(lockStep(ms, 101, 202, [RAM_BASE, 8], 'before the rewrite')).toBe('budget');
    // Another hart or a device rewrites the upper half: bne x6, x0 becomes bne x6, x5, which is taken
    // while x6 != x5 (x5 grows by 3, x6 shrinks by 1: they meet at 750, and the loop ends there).
    for (const m of ms) m.ram.setUint16(0x2000, BNE_X5 >>> 16, true);
    expect(lockStep(ms, 997, 5000, [RAM_BASE, 8], 'after the rewrite')).toBe('wfi');
    expect([ms[1].x(5), ms[1].x(6)]).toEqual([750n, 750n]);
    expect(ms[1].hart.tier!.stats.blocks).toBeGreaterThan(0);
  });

  it('runs what the next page holds after that page is mapped elsewhere and fenced', () => {
    // Sv39 in S-mode: VA 0x40000000 -> PAGE_A (the loop, bne in its last halfword), VA 0x40001000 ->
    // PAGE_B (its upper half: bne x6, x0) or PAGE_C (bne x6, x5), then wfi.
    const PAGE_A = 0x80020000, PAGE_B = 0x80021000, PAGE_C = 0x80022000;
    const ms = sv39Pair([PAGE_A, PAGE_B], 0x40000ff6n, (m) => {
      m.load('addi x5, x5, 3\naddi x6, x6, -1', PAGE_A + 0xff6);
      m.ram.setInt32(PAGE_A + 0xffe - RAM_BASE, BNE_X0, true);
      m.load('wfi', PAGE_B + 2);
      m.ram.setUint16(PAGE_C - RAM_BASE, BNE_X5 >>> 16, true);
      m.load('wfi', PAGE_C + 2);
      m.hart.setX(6, 1000n);
    });
    ms[0].ram.setUint16(PAGE_B - RAM_BASE, BNE_X0 >>> 16, true);
    ms[1].ram.setUint16(PAGE_B - RAM_BASE, BNE_X0 >>> 16, true);
    ms[1].hart.tier!.hot = 2;
    expect(lockStep(ms, 101, 303, [RAM_BASE, 8], 'mapped to PAGE_B')).toBe('budget');
    expect(ms[1].hart.priv).toBe(1);
    // The kernel's part: the PTE now points at PAGE_C, and SFENCE.VMA of that page. Both go on at the
    // loop's start, whose block is then entered before anything fetches from the next page again.
    for (const m of ms) {
      mapPage(m, 1, PAGE_C);
      flushTlbPage(m.hart, 0x40001000);
      m.hart.setPc(0x40000ff6n);
    }
    expect(lockStep(ms, 997, 5000, [RAM_BASE, 8], 'mapped to PAGE_C')).toBe('wfi');
    expect(ms[1].x(5)).toBe(ms[1].x(6));
    expect(ms[1].hart.tier!.stats.blocks).toBeGreaterThan(0);
  });
});

describe('RV64 translation tier: code that changes, faults inside a block', () => {
  // 0x06400293 is addi x5, x0, 100 ... the patch below is addi x5, x5, 100 (imm 100, rs1 5, rd 5).
  const ADDI_X5_100 = (100 << 20) | (5 << 15) | (5 << 7) | 0x13;
  /**
   * Both machines of `source` with `addi x5, x5, 100` at RAM + 0x10000, x28 pointing at it and x29 at
   * `label`: the program's `lw x8, 0(x28); sw x8, 0(x29)` rewrites the instruction there.
   */
  const rewriting = (source: string, label: string) => {
    const ms = pair(source);
    for (const m of ms) {
      m.ram.setInt32(0x10000, ADDI_X5_100, true);
      m.hart.setX(28, BigInt(RAM_BASE + 0x10000));
      m.hart.setX(29, BigInt(m.program.labels.get(label)!));
    }
    return ms;
  };

  it('an instruction the hart rewrites (then FENCE.I) after its block was translated runs as rewritten', () => {
    const source = `
  addi x5, x0, 0
  addi x7, x0, 4
again:
  addi x6, x0, 20
loop:
  addi x5, x5, 1
  addi x6, x6, -1
  bnez x6, loop
  addi x7, x7, -1
  beqz x7, done
  lw x8, 0(x28)
  sw x8, 0(x29)
  fence.i
  j again
done:
  wfi`;
    const ms = rewriting(source, 'loop');
    expect(lockStep(ms, 251, 10_000, [RAM_BASE + 0x10000, 8], 'self-modifying')).toBe('wfi');
    expect(ms[1].x(5)).toBe(20n + 3n * 20n * 100n);
    expect(ms[1].hart.tier!.stats.stale).toBeGreaterThan(0);
  });

  it('an instruction the hart rewrites without FENCE.I runs as rewritten, as in the interpreter', () => {
    // The interpreter forgets decoded slots on the hart's own stores; the tier hears of the same store
    // (a page with decoded code is never in the inline write TLB) and its block checks its code again.
    const source = `
  addi x5, x0, 0
  addi x7, x0, 4
again:
  addi x6, x0, 20
loop:
  addi x5, x5, 1
  addi x6, x6, -1
  bnez x6, loop
  addi x7, x7, -1
  beqz x7, done
  lw x8, 0(x28)
  sw x8, 0(x29)
  j again
done:
  wfi`;
    const ms = rewriting(source, 'loop');
    expect(lockStep(ms, 251, 10_000, [RAM_BASE + 0x10000, 8], 'self-modifying without fence.i')).toBe('wfi');
    expect(ms[1].x(5)).toBe(20n + 3n * 20n * 100n);
    expect(ms[1].hart.tier!.stats.stale).toBeGreaterThan(0);
  });

  it('a store that rewrites a later instruction of its own block runs the new instruction, as in the interpreter', () => {
    // The block holds the store and the instruction it overwrites; it must not go on with its old copy.
    const source = `
  addi x5, x0, 0
  lw x8, 0(x28)
  sw x8, 0(x29)
  addi x6, x0, 1
target:
  addi x5, x5, 1
  addi x7, x0, 2
  wfi`;
    const ms = rewriting(source, 'target');
    expect(lockStep(ms, 997, 1000, [RAM_BASE + 0x10000, 8], 'store into its own block')).toBe('wfi');
    expect([ms[0].x(5), ms[1].x(5), ms[1].x(7)]).toEqual([100n, 100n, 2n]);
    expect(ms[1].hart.tier!.stats.blocks).toBeGreaterThan(0);
  });

  /**
   * Hart A runs `source` for 3,000 instructions, hart B (same RAM) stores ADDI_X5_100 at the address
   * `at` gives, and A runs 3,000 more: interpreted, then with every head translated at once. A's x5
   * and x6 before and after, its instructions, and the tier's stale blocks and blocks.
   */
  function patchedByOtherHart(source: string, at: (a: TestMachine) => number) {
    return [false, true].map((tiered) => {
      const buffer = tiered ? wasmBuffer(RAM + 2 * HART_STATE_BYTES) : new SharedArrayBuffer(RAM + 2 * HART_STATE_BYTES);
      const a = machine(source, { ramSize: RAM, buffer });
      const b = machine([], { ramSize: RAM, buffer, stateOffset: RAM + HART_STATE_BYTES });
      b.load('sw x8, 0(x29)\nwfi', RAM_BASE + 0x20000);
      b.hart.reset(BigInt(RAM_BASE + 0x20000), 'machine');
      if (tiered) {
        a.hart.tier!.hot = 1;
        a.hart.tier!.batch = 1;
      }
      b.hart.setX(8, BigInt(ADDI_X5_100));
      b.hart.setX(29, BigInt(at(a)));
      a.run(3000);
      const before = a.x(5);
      expect(b.run(100)).toBe('wfi');
      a.run(3000);
      return { before, after: a.x(5), x6: a.x(6), retired: a.hart.retired, stale: a.hart.tier?.stats.stale ?? 0, blocks: a.hart.tier?.stats.blocks ?? 0 };
    });
  }

  it('a head is translated on its hot-th run as a head, not before', () => {
    // The loop's head is reached by the taken branch: iterations - 1 times. With hot = 50, 50 iterations
    // leave it interpreted (its heat is counted in its decode slot) and 51 translate it.
    const blocks = [50, 51].map((iterations) => {
      const m = machine(`
  li x6, ${iterations}
loop:
  addi x5, x5, 1
  addi x6, x6, -1
  bnez x6, loop
  wfi`, { ramSize: RAM, buffer: wasmBuffer(RAM + 2 * HART_STATE_BYTES) });
      m.hart.tier!.hot = 50;
      m.hart.tier!.batch = 1;
      expect(m.run(100_000)).toBe('wfi');
      expect(m.x(5)).toBe(BigInt(iterations));
      return m.hart.tier!.stats.blocks;
    });
    expect(blocks).toEqual([0, 1]);
  });

  it('code another hart rewrites is run as rewritten: the block finds its words changed', () => {
    // Hart A runs an endless loop that adds 1 to x5 in a block; hart B (same RAM) patches the add to add
    // 100. A's FENCE.I at the top of each round makes the interpreter see the patch at the same point (its
    // decode cache is checked on a fence); the tier's block sees it by comparing its words when entered.
    const source = `
loop:
  fence.i
  addi x5, x5, 1
  addi x6, x6, 1
  j loop`;
    const results = patchedByOtherHart(source, () => RAM_BASE + 4);
    expect(results[1]!.blocks).toBeGreaterThan(0);
    expect(results[1]!.stale).toBeGreaterThan(0);
    expect({ ...results[1]!, stale: 0, blocks: 0 }).toEqual({ ...results[0]!, stale: 0, blocks: 0 });
    // 750 rounds of four instructions before the patch, 750 after: x5 gained 100 a round after it.
    expect(results[1]!.before).toBe(750n);
    expect(results[1]!.after).toBe(750n + 100n * 750n);
  });

  it('a FENCE.I inside a block makes the interpreter check its page again: code after it that another hart rewrote runs as rewritten', () => {
    // The block at `loop` is [fence.i, addi x5] (ECALL ends it) and leaves after the fence; the addi is
    // then the interpreter's (a one-instruction head is not worth a block), from its decoded slot. Hart B
    // patches that addi between two runs of A; the first FENCE.I after the patch must make the
    // interpreter look at the page again, although the slice goes on after a fence and stays in the page.
    const source = `
  auipc x7, 0
  addi x7, x7, 32
  csrw mtvec, x7
loop:
  fence.i
  addi x5, x5, 1
  ecall
  addi x6, x6, 1
  j loop
handler:
  csrr x7, mepc
  addi x7, x7, 4
  csrw mepc, x7
  mret`;
    const results = patchedByOtherHart(source, (a) => Number(a.program.labels.get('loop')!) + 4);
    expect(results[1]!.blocks).toBeGreaterThan(0);
    expect({ ...results[1]!, stale: 0, blocks: 0 }).toEqual({ ...results[0]!, stale: 0, blocks: 0 });
    expect(results[1]!.after - results[1]!.before).toBeGreaterThan(100n * 200n);
  });

  it('a CSR write inside a block that enables a pending interrupt ends the slice there: the interrupt is taken at the next instruction', () => {
    // SSIP is pending (M-mode sets it in mip) and enabled in mie; MIE is cleared in the loop (a write that
    // does not end the slice) and set after it (one that must), both in translated blocks.
    const source = `
  csrw mtvec, x30
  li x5, 2
  csrs mie, x5
  csrs mip, x5
  li x7, 3
loop:
  addi x6, x6, 1
  csrci mstatus, 8
  addi x6, x6, 1
  addi x7, x7, -1
  bnez x7, loop
  addi x8, x8, 5
  csrsi mstatus, 8
after:
  addi x9, x9, 1
  addi x10, x10, 1
  wfi
handler:
  csrr x11, mepc
  csrr x12, mcause
  csrc mie, x5
  wfi`;
    const ms = pair(source);
    for (const m of ms) m.hart.setX(30, BigInt(m.program.labels.get('handler')!));
    expect(lockStep(ms, 251, 1000, [RAM_BASE, 8], 'csr')).toBe('wfi');
    const m = ms[1];
    expect([m.x(6), m.x(8), m.x(9), m.x(10)]).toEqual([6n, 5n, 0n, 0n]);
    expect(m.x(11)).toBe(BigInt(m.program.labels.get('after')!));
    expect(m.x(12)).toBe((1n << 63n) | 1n); // supervisor software interrupt, taken in M-mode
    expect(m.hart.tier!.stats.blocks).toBeGreaterThan(1);
  });

  it('a store that faults in the 5th pass of a loop inside one block: the registers of all passes written back, mepc at the store', () => {
    // The registers stay in the block's locals round its wasm loop; the faulting store leaves through the
    // block's tail, which must write back what the four passes before and this one changed.
    const source = `
  csrw mtvec, x30
  li x7, 5
loop:
  addi x5, x5, 1
  addi x7, x7, -1
  bnez x7, ok
  mv x28, x31
ok:
faulting:
  sd x5, 0(x28)
  addi x6, x6, 3
  j loop
handler:
  csrr x11, mepc
  csrr x12, mcause
  wfi`;
    const m = runToFault(source, [RAM_BASE + 0x10000, 8], (h) => h.hart.setX(28, BigInt(RAM_BASE + 0x10000)));
    expect([m.x(5), m.x(6), m.x(7), m.x(28)]).toEqual([5n, 12n, 0n, 0x1000n]);
    expect(m.x(11)).toBe(BigInt(m.program.labels.get('faulting')!));
    expect(m.x(12)).toBe(7n); // store access fault
  });

  it('a load that faults in the middle of a block: earlier instructions done, mepc at the load, later ones not', () => {
    const source = `
  csrw mtvec, x30
  addi x7, x0, 3
loop:
  addi x5, x5, 1
  addi x6, x6, 2
  addi x7, x7, -1
  bnez x7, loop
  addi x8, x8, 7
faulting:
  ld x9, 0(x31)
  addi x10, x10, 9
  wfi
handler:
  csrr x11, mepc
  csrr x12, mcause
  wfi`;
    const m = runToFault(source, [RAM_BASE, 8]);
    expect([m.x(5), m.x(6), m.x(8), m.x(10)]).toEqual([3n, 6n, 7n, 0n]);
    expect(m.x(11)).toBe(BigInt(m.program.labels.get('faulting')!));
    expect(m.x(12)).toBe(5n); // load access fault
  });

  // A TLB entry holds the page's low word with the privilege and the high word; translated code compares
  // both as one i64. An address 4 GiB above a cached page has the same slot and low word: it must miss
  // (here it lies beyond RAM, so the access faults) and not reach the cached page's RAM.
  for (const [access, cause] of [['ld x10, 8(x29)', 5n], ['sd x9, 8(x29)', 7n]] as const) {
    it(`\`${access}\` 4 GiB above a page in the TLBs misses it: access fault at that address`, () => {
      const source = `
  csrw mtvec, x30
  addi x7, x0, 3
loop:
  ld x9, 8(x28)
  sd x9, 16(x28)
  addi x7, x7, -1
  bnez x7, loop
faulting:
  ${access}
  addi x8, x8, 7
  wfi
handler:
  csrr x11, mepc
  csrr x12, mcause
  csrr x13, mtval
  wfi`;
      const data = RAM_BASE + 0x10000;
      const m = runToFault(source, [data, 32], (t) => {
        t.ram.setBigUint64(0x10008, 0x1122_3344_5566_7788n, true);
        t.hart.setX(28, BigInt(data));
        t.hart.setX(29, BigInt(data) + (1n << 32n));
      });
      expect([m.x(9), m.x(10), m.x(8)]).toEqual([0x1122_3344_5566_7788n, 0n, 0n]);
      expect(m.ram.getBigUint64(0x10008, true)).toBe(0x1122_3344_5566_7788n);
      expect(m.x(11)).toBe(BigInt(m.program.labels.get('faulting')!));
      expect(m.x(12)).toBe(cause);
      expect(m.x(13)).toBe(BigInt(data) + (1n << 32n) + 8n);
    });
  }
});

describe('RV64 translation tier: the jump cache after a full TLB flush', () => {
  it('a page mapped to other code and flushed whole (SFENCE.VMA x0, a satp write) runs the new code, not blocks of the old', () => {
    // Sv39 in S-mode: VA 0x40000000 -> PAGE_A, then PAGE_D: the same loop of two blocks (the first jumps
    // to the second), whose second block counts x6 down by 1 in PAGE_A and by 2 in PAGE_D. The first
    // block's exit reaches the second through the dispatcher's jump cache, whose entries for PAGE_A's
    // blocks must be gone after the flush (their code in RAM did not change: only the mapping did).
    const PAGE_A = 0x80020000, PAGE_D = 0x80023000;
    const loop = (step: number): string => `first: addi x5, x5, 3\njal x0, second\nsecond: addi x6, x6, -${step}\nbne x6, x0, first\nwfi`;
    const ms = sv39Pair([PAGE_A], 0x40000000n, (m) => {
      m.load(loop(1), PAGE_A);
      m.load(loop(2), PAGE_D);
      m.hart.setX(6, 100000n);
    });
    ms[1].hart.tier!.hot = 2;
    expect(lockStep(ms, 101, 1010, [RAM_BASE, 8], 'mapped to PAGE_A')).toBe('budget');
    expect(ms[1].hart.priv).toBe(1);
    const blocks = ms[1].hart.tier!.stats.blocks;
    expect(blocks).toBeGreaterThanOrEqual(2);
    for (const m of ms) {
      mapPage(m, 0, PAGE_D);
      flushTlb(m.hart);
      m.hart.setPc(0x40000000n);
      m.hart.setX(6, 400n);
    }
    expect(lockStep(ms, 97, 5000, [RAM_BASE, 8], 'mapped to PAGE_D')).toBe('wfi');
    expect(ms[1].x(6)).toBe(0n);
    // PAGE_D's blocks were translated and run (the loop ends through them, not the interpreter alone).
    expect(ms[1].hart.tier!.stats.blocks).toBeGreaterThan(blocks);
  });
});
