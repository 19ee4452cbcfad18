/**
 * The LA64 translation tier (src/core/isa/loongarch64/tier.ts) against the interpreter. Two CPUs run the
 * same program in lock step, one interpreting and one translating every block head the first time it is
 * seen (hot = 1, batches of one), in slices of a few hundred instructions; after every slice their
 * architectural state must agree: r0-r31, the pc, every CSR, instructions retired, the data area and the
 * console output. Programs: the integer differential program (its output must also be QEMU's), seeded
 * random integer sequences with edge values (loads and stores of every width, aligned or not, forward
 * branches, the bit reversals and CSR reads and writes the tier hands to the interpreter's handlers), code rewritten by the CPU itself after
 * its block was translated and by another party between slices, loads and stores through a DMW with
 * paging on, and a load that faults (TLB refill) in the middle of a block.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { machine, RAM_SIZE, type Machine } from './harness';
import { intDifferentialSource } from './int-differential';
import { assemble } from '../../../../../src/core/isa/loongarch64/assembler';
import { LA_STATE_BYTES } from '../../../../../src/core/isa/loongarch64/cpu';
import { registerWasmMemory } from '../../../../../src/core/jit/wasm-module';

/** A buffer for RAM and the CPU's state region in a registered WebAssembly.Memory (the tier runs over it). */
function wasmBuffer(): ArrayBufferLike {
  const pages = Math.ceil((RAM_SIZE + LA_STATE_BYTES) / 65536);
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
  registerWasmMemory(memory);
  return memory.buffer;
}

interface Pair {
  readonly ms: [Machine, Machine];
  readonly outs: [string[], string[]];
}

/** An interpreting CPU and a translating one (every head at first sight), each with a UART at 0x1fe001e0. */
function pair(): Pair {
  const interp = machine();
  const tiered = machine(wasmBuffer());
  expect(interp.cpu.tier).toBeUndefined();
  const tier = tiered.cpu.tier!;
  expect(tier).toBeDefined();
  tier.hot = 1;
  tier.batch = 1;
  const outs: [string[], string[]] = [[], []];
  [interp, tiered].forEach((m, i) => {
    m.bus.map('uart0', 0x1fe0_01e0, 8, {
      kind: 'test-uart', registers: [], reset() {}, peek: () => ({}),
      read: (offset) => (offset === 5 ? 0x20 : 0),
      write: (offset, _size, value) => {
        if (offset === 0) outs[i]!.push(String.fromCharCode(value));
      },
    });
  });
  return { ms: [interp, tiered], outs };
}

const DATA = 0x8000;

/** The architectural state compared after each slice. */
function state(m: Machine, data: [number, number]): Record<string, unknown> {
  const c = m.cpu;
  const view = new DataView(m.bus.ram.buffer, m.bus.ram.bufferOffset + data[0], data[1]);
  return {
    pc: c.getPc().toString(16),
    r: Array.from({ length: 32 }, (_, i) => c.getR(i).toString(16)),
    csr: [...c.csr].map(([n, v]) => `${n.toString(16)}=${v.toString(16)}`),
    retired: c.retired,
    idle: c.idle,
    data: Array.from({ length: data[1] / 8 }, (_, i) => view.getBigUint64(8 * i, true).toString(16)),
    faults: m.faults.map((f) => f.message),
  };
}

/** Runs both in slices of `slice` instructions until the interpreter's CPU stops; compares after each slice. */
function lockStep(p: Pair, slice: number, limit: number, data: [number, number], label: string): string {
  let exit = 'budget';
  for (let done = 0; done < limit && exit === 'budget'; done += slice) {
    const exits = p.ms.map((m) => m.cpu.run(slice));
    exit = exits[0]!;
    const [a, b] = p.ms.map((m) => state(m, data));
    expect({ exit: exits[1], ...b }, `${label}: after ${done + slice} instructions`).toEqual({ exit, ...a });
  }
  expect(p.outs[1].join('')).toBe(p.outs[0].join(''));
  return exit;
}

function start(p: Pair, source: string, base = 0x1000): ReadonlyMap<string, bigint> {
  let labels: ReadonlyMap<string, bigint> = new Map();
  for (const m of p.ms) {
    labels = m.load(source, base);
    m.cpu.setPc(BigInt(base));
  }
  return labels;
}

describe('LA64 translation tier: the integer differential program', () => {
  it('prints what QEMU printed, with the interpreter\'s state after every slice', () => {
    const { cases, source } = intDifferentialSource();
    const qemu = gunzipSync(readFileSync(path.join(__dirname, 'int-differential.qemu.gz'))).toString('latin1').replace(/\r/g, '').split('\n');
    const p = pair();
    start(p, source);
    const exit = lockStep(p, 997, 30_000_000, [DATA, 64], 'int-differential');
    expect(exit).toBe('wfi');
    const ours = p.outs[1].join('').split('\n');
    const differences = cases.flatMap((c, i) => (ours[i] === qemu[i] ? [] : [`${c}: QEMU ${qemu[i]}, tier ${ours[i]}`]));
    expect(differences.slice(0, 20), `${differences.length} of ${cases.length} cases differ`).toEqual([]);
    expect(p.ms[1].cpu.tier!.stats.blocks).toBeGreaterThan(100);
  }, 300_000);
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

const EDGES = [0n, 1n, -1n, 0x7fff_ffff_ffff_ffffn, -0x8000_0000_0000_0000n, 0xffff_ffffn, 0x8000_0000n, 0x7fff_ffffn, -0x8000_0000n, 31n, 32n, 63n, 64n, 0x1234_5678_9abc_def0n];

const THREE_R = [
  'add.w', 'add.d', 'sub.w', 'sub.d', 'slt', 'sltu', 'maskeqz', 'masknez', 'nor', 'and', 'or', 'xor', 'orn', 'andn',
  'sll.w', 'srl.w', 'sra.w', 'rotr.w', 'sll.d', 'srl.d', 'sra.d', 'rotr.d', 'mul.w', 'mulh.w', 'mulh.wu', 'mul.d',
  'mulh.d', 'mulh.du', 'mulw.d.w', 'mulw.d.wu', 'div.w', 'mod.w', 'div.wu', 'mod.wu', 'div.d', 'mod.d', 'div.du', 'mod.du',
];

/** One random instruction on $a0-$a7/$t0-$t7 with the data area (512 bytes) at $s0. */
function randomInstruction(r: () => number, label: () => string): string {
  const pick = <T,>(a: readonly T[]): T => a[Math.floor(r() * a.length)]!;
  const R = () => pick(['$a0', '$a1', '$a2', '$a3', '$a4', '$a5', '$a6', '$a7', '$t0', '$t1', '$t2', '$t3', '$t4', '$t5', '$t6', '$t7']);
  const RZ = () => (r() < 0.08 ? '$zero' : R());
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  switch (int(0, 21)) {
    case 0: case 1: case 2: return `${pick(THREE_R)} ${RZ()}, ${RZ()}, ${RZ()}`;
    case 3: return `${pick(['addi.w', 'addi.d', 'slti', 'sltui', 'lu52i.d'])} ${RZ()}, ${RZ()}, ${int(-2048, 2047)}`;
    case 4: return `${pick(['andi', 'ori', 'xori'])} ${RZ()}, ${RZ()}, ${int(0, 4095)}`;
    case 5: return `${pick(['slli.w', 'srli.w', 'srai.w', 'rotri.w'])} ${RZ()}, ${RZ()}, ${int(0, 31)}`;
    case 6: return `${pick(['slli.d', 'srli.d', 'srai.d', 'rotri.d'])} ${RZ()}, ${RZ()}, ${int(0, 63)}`;
    case 7: return `${pick(['lu12i.w', 'lu32i.d', 'pcaddi', 'pcaddu12i', 'pcaddu18i', 'pcalau12i'])} ${RZ()}, ${int(-524288, 524287)}`;
    case 8: return `addu16i.d ${RZ()}, ${RZ()}, ${int(-32768, 32767)}`;
    case 9: return `${pick(['alsl.w', 'alsl.wu', 'alsl.d'])} ${RZ()}, ${RZ()}, ${RZ()}, ${int(1, 4)}`;
    case 10: {
      const w = r() < 0.5;
      const msb = int(0, w ? 31 : 63);
      const lsb = int(0, msb);
      return `${pick(w ? ['bstrins.w', 'bstrpick.w'] : ['bstrins.d', 'bstrpick.d'])} ${RZ()}, ${RZ()}, ${msb}, ${lsb}`;
    }
    case 11: return `${pick(['ext.w.b', 'ext.w.h', 'clz.w', 'clo.w', 'ctz.w', 'cto.w', 'clz.d', 'clo.d', 'ctz.d', 'cto.d', 'revb.2h', 'revb.4h', 'revb.2w', 'revb.d', 'revh.2w', 'revh.d', 'bitrev.w', 'bitrev.d'])} ${RZ()}, ${RZ()}`;
    case 12: case 13: {
      const s = pick([1, 2, 4, 8]);
      const names = s === 8 ? ['ld.d', 'st.d'] : s === 4 ? ['ld.w', 'ld.wu', 'st.w'] : s === 2 ? ['ld.h', 'ld.hu', 'st.h'] : ['ld.b', 'ld.bu', 'st.b'];
      // Aligned mostly; some unaligned (LA64 has UAL), inside the area.
      const off = r() < 0.8 ? s * int(0, 512 / s - 1) : int(0, 512 - s);
      return `${pick(names)} ${RZ()}, $s0, ${off}`;
    }
    case 14: {
      const s = pick([1, 2, 4, 8]);
      const suffix = { 1: ['b', 'bu'], 2: ['h', 'hu'], 4: ['w', 'wu'], 8: ['d'] }[s]!;
      const ld = r() < 0.5;
      const op = ld ? `ldx.${pick(suffix)}` : `stx.${suffix[0]}`;
      return `li.w $s1, ${s * int(0, 512 / s - 1)}\n  ${op} ${RZ()}, $s0, $s1`;
    }
    case 15: return `${pick(['ldptr.w', 'ldptr.d', 'stptr.w', 'stptr.d'])} ${RZ()}, $s0, ${8 * int(0, 63)}`;
    case 20: {
      // B/BL forward over an instruction (BL sets $ra, which is compared too).
      const l = label();
      return `${pick(['b', 'bl'])} ${l}\n  addi.d ${R()}, ${R()}, 1\n${l}:`;
    }
    case 16: case 17: {
      const l = label();
      const br = pick(['beq', 'bne', 'blt', 'bge', 'bltu', 'bgeu', 'beqz', 'bnez']);
      const head = br.endsWith('z') ? `${br} ${RZ()}, ${l}` : `${br} ${RZ()}, ${RZ()}, ${l}`;
      return `${head}\n  addi.d ${R()}, ${R()}, 1\n${l}:`;
    }
    case 18: return r() < 0.5 ? `bytepick.d ${RZ()}, ${RZ()}, ${RZ()}, ${int(0, 7)}` : `bytepick.w ${RZ()}, ${RZ()}, ${RZ()}, ${int(0, 3)}`;
    case 19: return pick([
      `csrwr ${RZ()}, 0x30`, `csrxchg ${RZ()}, ${R()}, 0x31`, `csrrd ${RZ()}, 0x30`,
      // CRMD.IE on and off (ECFG enables no interrupt: the write goes on or stops the block, nothing is taken).
      `csrxchg ${RZ()}, $s3, 0x0`,
    ]);
    default: return `masknez ${RZ()}, ${RZ()}, ${RZ()}`;
  }
}

describe('LA64 translation tier: seeded random programs', () => {
  it('60 loops of random integer instructions with edge values leave the interpreter\'s registers and memory after every slice', () => {
    const r = rng(0x1a64);
    let labels = 0;
    let blocks = 0;
    for (let n = 0; n < 60; n++) {
      const regs = ['$a0', '$a1', '$a2', '$a3', '$a4', '$a5', '$a6', '$a7', '$t0', '$t1', '$t2', '$t3', '$t4', '$t5', '$t6', '$t7'];
      const init = regs.map((reg) => `li.d ${reg}, ${BigInt.asUintN(64, EDGES[Math.floor(r() * EDGES.length)]!)}`);
      const body = Array.from({ length: 10 + Math.floor(r() * 40) }, () => randomInstruction(r, () => `l${labels++}`));
      const source = [
        `li.d $s0, ${DATA}`, 'li.w $s2, 40', 'li.w $s3, 4', ...init,
        'loop:', ...body,
        'addi.d $s2, $s2, -1', 'bnez $s2, loop',
        'idle 0',
      ].join('\n  ');
      const p = pair();
      for (const m of p.ms) new Uint8Array(m.bus.ram.buffer, DATA, 512).fill(0xa5);
      start(p, source);
      const slice = [997, 251, 61, 53][n % 4]!;
      const exit = lockStep(p, slice, 200_000, [DATA, 512], `program ${n} (slices of ${slice})`);
      expect(exit, `program ${n}`).toBe('wfi');
      expect(p.ms[1].cpu.tier!.stats.blocks, `program ${n}`).toBeGreaterThan(0);
      blocks += p.ms[1].cpu.tier!.stats.blocks;
    }
    expect(blocks).toBeGreaterThan(200);
  }, 300_000);
});

describe('LA64 translation tier: code that changes', () => {
  it('a block rewritten by the CPU itself runs the new code (the interpreter\'s result, every slice)', () => {
    const p = pair();
    const two = new DataView(assemble('addi.d $a0, $a0, 2').bytes.buffer).getUint32(0, true);
    const labels = start(p, `
      li.w $a0, 0
      li.w $a3, 0
      li.w $t1, ${two}
      la.pcrel $t2, target
    again:
      li.w $a1, 200
    loop:
    target:
      addi.d $a0, $a0, 1
      addi.d $a1, $a1, -1
      bnez $a1, loop
      bnez $a3, done
      st.w $t1, $t2, 0
      ibar 0
      li.w $a3, 1
      b again
    done:
      idle 0
    `);
    expect(labels.get('target')).toBeDefined();
    const exit = lockStep(p, 61, 100_000, [DATA, 8], 'self-modifying');
    expect(exit).toBe('wfi');
    expect(p.ms[1].r(4)).toBe(600n);
    expect(p.ms[1].cpu.tier!.stats.stale).toBeGreaterThan(0);
  });

  it('a block rewritten between slices (as by another CPU or a device) runs the new code', () => {
    const p = pair();
    const labels = start(p, `
      li.w $a0, 0
      li.w $a1, 3000
    loop:
    target:
      addi.d $a0, $a0, 1
      addi.d $a1, $a1, -1
      bnez $a1, loop
      idle 0
    `);
    const target = Number(labels.get('target')!);
    const two = new DataView(assemble('addi.d $a0, $a0, 2').bytes.buffer).getUint32(0, true);
    let exit = lockStep(p, 997, 997, [DATA, 8], 'before the rewrite');
    for (const m of p.ms) new DataView(m.bus.ram.buffer).setUint32(target, two, true);
    exit = lockStep(p, 997, 100_000, [DATA, 8], 'after the rewrite');
    expect(exit).toBe('wfi');
    expect(p.ms[1].r(4)).toBe(p.ms[0].r(4));
    expect(p.ms[1].r(4)).toBeGreaterThan(3000n);
    expect(p.ms[1].cpu.tier!.stats.stale).toBeGreaterThan(0);
  });
});

describe('LA64 translation tier: code at a B target', () => {
  it('code rewritten at the target of a B runs the new code; its block is dropped once, not at every entry', () => {
    const p = pair();
    const labels = start(p, `
      li.w $a0, 0
      li.w $a1, 3000
    loop:
      addi.d $a1, $a1, -1
      b over
      addi.d $a0, $a0, 100
    over:
    target:
      addi.d $a0, $a0, 1
      bnez $a1, loop
      idle 0
    `);
    const target = Number(labels.get('target')!);
    const two = new DataView(assemble('addi.d $a0, $a0, 2').bytes.buffer).getUint32(0, true);
    lockStep(p, 997, 997, [DATA, 8], 'before the rewrite');
    for (const m of p.ms) new DataView(m.bus.ram.buffer).setUint32(target, two, true);
    const exit = lockStep(p, 997, 100_000, [DATA, 8], 'after the rewrite');
    expect(exit).toBe('wfi');
    expect(p.ms[1].r(4)).toBeGreaterThan(3000n);
    const stats = p.ms[1].cpu.tier!.stats;
    expect(stats.stale).toBeGreaterThan(0);
    expect(stats.stale).toBeLessThan(4);
  });
});

describe('LA64 translation tier: LL/SC', () => {
  it('a translated store to the LL address between LL and SC clears the LLbit: the SC fails, as in the interpreter', () => {
    const p = pair();
    start(p, `
      li.d $s0, ${DATA}
      li.w $t0, 5
      st.w $t0, $s0, 0
      st.w $t0, $s0, 64
      li.w $a1, 20
      li.w $a3, 0
    loop:
      ll.w $a0, $s0, 0
      st.w $a0, $s0, 0
      st.w $a0, $s0, 64
      addi.d $a2, $a2, 1
      sc.w $t1, $s0, 0
      add.d $a3, $a3, $t1
      ll.w $a0, $s0, 0
      st.w $a0, $s0, 64
      addi.d $a2, $a2, 1
      sc.w $t2, $s0, 0
      add.d $a4, $a4, $t2
      addi.d $a1, $a1, -1
      bnez $a1, loop
      idle 0
    `);
    const exit = lockStep(p, 251, 100_000, [DATA, 128], 'LL/SC');
    expect(exit).toBe('wfi');
    // The first SC of each pass follows a store to its word (fails), the second one a store elsewhere (succeeds).
    expect([p.ms[1].r(7), p.ms[1].r(8)]).toEqual([0n, 20n]);
    expect(p.ms[1].cpu.tier!.stats.blocks).toBeGreaterThan(3);
  });
});

describe('LA64 translation tier: breakpoints and single steps', () => {
  it('a breakpoint in translated code stops there, and single steps go one instruction, as in the interpreter', () => {
    const p = pair();
    const labels = start(p, `
      li.w $a0, 0
      li.w $a1, 100000
    loop:
      addi.d $a0, $a0, 3
    mid:
      xori $a2, $a0, 5
      addi.d $a1, $a1, -1
      bnez $a1, loop
      idle 0
    `);
    lockStep(p, 997, 5 * 997, [DATA, 8], 'before the breakpoint');
    expect(p.ms[1].cpu.tier!.stats.blocks).toBeGreaterThan(0);
    // The pc is at mid now (4985 instructions): a breakpoint there stops at once, and the next run stops
    // there again after one pass through the loop, whose head (loop) has a translated block.
    const mid = labels.get('mid')!;
    const loop = labels.get('loop')!;
    expect(p.ms[1].cpu.getPc()).toBe(mid);
    for (const m of p.ms) m.cpu.setBreakpoint(mid);
    expect(p.ms.map((m) => m.cpu.run(100_000))).toEqual(['breakpoint', 'breakpoint']);
    const exits = p.ms.map((m) => m.cpu.run(100_000));
    expect(exits).toEqual(['breakpoint', 'breakpoint']);
    expect(p.ms.map((m) => m.cpu.getPc())).toEqual([mid, mid]);
    expect(p.ms[1].cpu.retired).toBe(4989);
    expect(state(p.ms[1], [DATA, 8])).toEqual(state(p.ms[0], [DATA, 8]));
    for (const m of p.ms) m.cpu.setBreakpoint(undefined);
    for (let i = 0; i < 3; i++) {
      for (const m of p.ms) expect(m.cpu.run(1, true)).toBe('budget');
      expect(state(p.ms[1], [DATA, 8])).toEqual(state(p.ms[0], [DATA, 8]));
    }
    expect(p.ms[1].cpu.getPc()).toBe(loop);
    expect(lockStep(p, 997, 1_000_000, [DATA, 8], 'after the breakpoint')).toBe('wfi');
  });
});

/** Sets DMW1 over 0x9000... (cached, PLV0) and jumps to `entry` (a physical address) through it; the code there turns paging on. */
const TO_WINDOW = (entry: number) => `
      li.d $t0, 0x9000000000000011
      csrwr $t0, 0x181
      li.d $t1, ${0x9000_0000_0000_0000n + BigInt(entry)}
      jr $t1
`;

describe('LA64 translation tier: paging', () => {
  it('loads and stores through a DMW with paging on, and a TLB refill at a load in the middle of a block', () => {
    const p = pair();
    // 0x1000: turn paging on, go to 0x2000 through DMW1. 0x2000: a loop over the data area through DMW1,
    // then a block whose third instruction loads from an address no window or TLB entry maps.
    // 0x3000: the refill handler (TLBRENTRY), which reads TLBRBADV and stops.
    for (const m of p.ms) {
      m.load(`
        li.w $t0, 0x3000
        csrwr $t0, 0x88
        ${TO_WINDOW(0x2000)}
      `, 0x1000);
      m.load(`
        li.w $t0, 0xb0
        csrwr $t0, 0x0
        li.d $s0, ${0x9000_0000_0000_0000n + BigInt(DATA)}
        li.w $a5, 100
      loop:
        ld.d $a6, $s0, 0
        addi.d $a6, $a6, 3
        st.d $a6, $s0, 8
        st.w $a5, $s0, 16
        ld.hu $a7, $s0, 17
        add.d $a6, $a6, $a7
        st.b $a6, $s0, 24
        addi.d $a5, $a5, -1
        bnez $a5, loop
        li.w $t3, 0x10000
        b faulting
      faulting:
        addi.d $a0, $zero, 1
        addi.d $a1, $zero, 2
        ld.d $a2, $t3, 0
        addi.d $a3, $zero, 3
        idle 0
      `, 0x9000_0000_0000_2000n, 0x2000);
      m.load(`
        csrrd $t5, 0x89
        idle 0
      `, 0x3000);
      m.cpu.setPc(0x1000n);
    }
    const exit = lockStep(p, 251, 100_000, [DATA, 64], 'paging');
    expect(exit).toBe('wfi');
    const c = p.ms[1];
    expect([c.r(4), c.r(5), c.r(7)]).toEqual([1n, 2n, 0n]);
    expect(c.r(17)).toBe(0x10000n);
    expect(p.ms[1].cpu.tier!.stats.blocks).toBeGreaterThan(3);
  });

  it('loads and stores through TLB pages follow the mapping as TLBFILL, INVTLB and TLBWR change it', () => {
    const p = pair();
    // VA 0x40000 (4 KiB pages, PS 12 in an MTLB entry) maps to PA 0x8000, then 0x9000, then 0xb000; its odd
    // page to 0xa000. Each time the same translated loop reads, adds and writes through it.
    const fill = (even: number) => `
        li.w $t0, 0x0c000000
        csrwr $t0, 0x10
        li.w $t0, 0x40000
        csrwr $t0, 0x11
        li.w $t0, ${even | 0x53}
        csrwr $t0, 0x12
        li.w $t0, ${0xa000 | 0x53}
        csrwr $t0, 0x13
        tlbfill`;
    for (const m of p.ms) {
      m.load(`
        li.w $t0, 0x3000
        csrwr $t0, 0x88
        csrwr $t0, 0xc
        ${TO_WINDOW(0x2000)}
      `, 0x1000);
      m.load(`
        li.w $t0, 0xb0
        csrwr $t0, 0x0
        li.d $s0, 0x40000
        ${fill(0x8000)}
        bl work
        invtlb 0, $zero, $zero
        ${fill(0x9000)}
        bl work
        li.w $t0, 0x40000
        csrwr $t0, 0x11
        tlbsrch
        li.w $t0, ${0xb000 | 0x53}
        csrwr $t0, 0x12
        tlbwr
        bl work
        idle 0
      work:
        li.w $a1, 50
      wl:
        ld.d $a2, $s0, 8
        addi.d $a2, $a2, 1
        st.d $a2, $s0, 8
        ld.w $a3, $s0, 0x100
        ldptr.w $a5, $s0, 0x1008
        add.d $a4, $a4, $a3
        stptr.w $a4, $s0, 0x1010
        addi.d $a1, $a1, -1
        bnez $a1, wl
        jr $ra
      `, 0x9000_0000_0000_2000n, 0x2000);
      m.load(`
        csrrd $t5, 0x7
        idle 0
      `, 0x3000);
      const view = new DataView(m.bus.ram.buffer);
      for (const [pa, v] of [[0x8100, 3], [0x9100, 5], [0xb100, 7]]) view.setUint32(pa!, v!, true);
      m.cpu.setPc(0x1000n);
    }
    const exit = lockStep(p, 251, 100_000, [0x8000, 0x4000], 'TLB pages');
    expect(exit).toBe('wfi');
    const view = new DataView(p.ms[1].bus.ram.buffer);
    expect([0x8008, 0x9008, 0xb008].map((pa) => view.getBigUint64(pa, true))).toEqual([50n, 50n, 50n]);
    expect(view.getUint32(0xa010, true)).toBe(50 * (3 + 5 + 7));
    expect(p.ms[1].r(17)).toBe(0n); // no exception handler ran ($t5)
    expect(p.ms[1].cpu.tier!.stats.blocks).toBeGreaterThan(3);
  });

  it('data TLB entries filled at PLV0 are not used at PLV3: a PLV3 load through a PLV0-only window raises ADE in the block', () => {
    const p = pair();
    for (const m of p.ms) {
      m.load(`
        li.d $t0, 0x9000000000003000
        csrwr $t0, 0xc
        li.d $t0, 0x8000000000000019
        csrwr $t0, 0x180
        ${TO_WINDOW(0x2000)}
      `, 0x1000);
      m.load(`
        li.w $t0, 0xb0
        csrwr $t0, 0x0
        li.d $s0, ${0x9000_0000_0000_0000n + BigInt(DATA)}
        li.w $a1, 50
      loop:
        ld.d $a2, $s0, 0
        addi.d $a2, $a2, 1
        st.d $a2, $s0, 0
        addi.d $a1, $a1, -1
        bnez $a1, loop
        li.w $t0, 3
        csrwr $t0, 0x1
        li.d $t0, 0x8000000000004000
        csrwr $t0, 0x6
        ertn
      `, 0x9000_0000_0000_2000n, 0x2000);
      m.load(`
        addi.d $a3, $zero, 1
        ld.d $a2, $s0, 0
        addi.d $a3, $zero, 2
        idle 0
      `, 0x8000_0000_0000_4000n, 0x4000);
      m.load(`
        csrrd $t5, 0x7
        csrrd $t6, 0x5
        csrrd $t7, 0x6
        idle 0
      `, 0x9000_0000_0000_3000n, 0x3000);
      m.cpu.setPc(0x1000n);
    }
    const exit = lockStep(p, 251, 10_000, [DATA, 8], 'PLV3');
    expect(exit).toBe('wfi');
    const c = p.ms[1];
    expect(c.r(6)).toBe(50n);
    expect(c.r(7)).toBe(1n);
    expect(c.r(17)).toBe(0x9000_0000_0000_0000n + BigInt(DATA)); // BADV
    expect(Number((c.r(18) >> 16n) & 0x3fn)).toBe(8); // ESTAT.Ecode: ADE
    expect(c.r(19)).toBe(0x8000_0000_0000_4004n); // ERA: the load
    expect(c.cpu.tier!.stats.blocks).toBeGreaterThan(2);
  });

  it('a CSR write inside a block that removes its own window stops the block: the next fetch faults, as in the interpreter', () => {
    const p = pair();
    for (const m of p.ms) {
      m.load(`
        li.w $t0, 0x3000
        csrwr $t0, 0x88
        csrwr $t0, 0xc
        ${TO_WINDOW(0x2000)}
      `, 0x1000);
      m.load(`
        li.w $t0, 0xb0
        csrwr $t0, 0x0
        li.w $a0, 7
        li.w $t1, 0
        csrwr $t1, 0x181
        li.w $a0, 8
        idle 0
      `, 0x9000_0000_0000_2000n, 0x2000);
      m.load(`
        csrrd $t5, 0x7
        idle 0
      `, 0x3000);
      m.cpu.setPc(0x1000n);
    }
    const exit = lockStep(p, 251, 10_000, [DATA, 8], 'DMW write');
    expect(exit).toBe('wfi');
    expect(p.ms[1].r(4)).toBe(7n);
    expect(p.ms[1].cpu.tier!.stats.blocks).toBeGreaterThan(1);
  });
});
