/** RV64IMC semantics: a differential check of the ALU against a BigInt model plus targeted edge cases. */
import { describe, expect, it } from 'vitest';
import { assemble } from '../../../../src/core/isa/riscv64/assembler';
import { machine, RAM_BASE, type TestMachine } from './harness';

const M64 = (1n << 64n) - 1n;
const s64 = (v: bigint): bigint => BigInt.asIntN(64, v);
const u64 = (v: bigint): bigint => BigInt.asUintN(64, v);
const s32 = (v: bigint): bigint => BigInt.asIntN(32, v);
const sx32 = (v: bigint): bigint => u64(s32(v));

/** Runs one instruction at RAM_BASE with a1/a2 preset, returns a0 as unsigned. */
function runOne(m: TestMachine, line: string, a1: bigint, a2: bigint): bigint {
  m.ram.setUint32(0, assemble(line), true);
  m.hart.reset(BigInt(RAM_BASE), 'machine');
  m.hart.setX(11, a1);
  m.hart.setX(12, a2);
  m.hart.run(1);
  return m.x(10);
}

const MODEL: Record<string, (a: bigint, b: bigint) => bigint> = {
  add: (a, b) => u64(a + b),
  sub: (a, b) => u64(a - b),
  sll: (a, b) => u64(a << (b & 63n)),
  slt: (a, b) => (s64(a) < s64(b) ? 1n : 0n),
  sltu: (a, b) => (a < b ? 1n : 0n),
  xor: (a, b) => a ^ b,
  srl: (a, b) => a >> (b & 63n),
  sra: (a, b) => u64(s64(a) >> (b & 63n)),
  or: (a, b) => a | b,
  and: (a, b) => a & b,
  addw: (a, b) => sx32(a + b),
  subw: (a, b) => sx32(a - b),
  sllw: (a, b) => sx32(a << (b & 31n)),
  srlw: (a, b) => sx32((a & 0xffffffffn) >> (b & 31n)),
  sraw: (a, b) => u64(s32(a) >> (b & 31n)),
  mul: (a, b) => u64(a * b),
  mulh: (a, b) => u64((s64(a) * s64(b)) >> 64n),
  mulhsu: (a, b) => u64((s64(a) * b) >> 64n),
  mulhu: (a, b) => (a * b) >> 64n,
  div: (a, b) => (b === 0n ? M64 : s64(a) === -(1n << 63n) && s64(b) === -1n ? a : u64(s64(a) / s64(b))),
  divu: (a, b) => (b === 0n ? M64 : a / b),
  rem: (a, b) => (b === 0n ? a : s64(a) === -(1n << 63n) && s64(b) === -1n ? 0n : u64(s64(a) % s64(b))),
  remu: (a, b) => (b === 0n ? a : a % b),
  mulw: (a, b) => sx32(a * b),
  divw: (a, b) => {
    const x = s32(a), y = s32(b);
    return y === 0n ? M64 : x === -(1n << 31n) && y === -1n ? sx32(x) : sx32(x / y);
  },
  divuw: (a, b) => {
    const x = a & 0xffffffffn, y = b & 0xffffffffn;
    return y === 0n ? M64 : sx32(x / y);
  },
  remw: (a, b) => {
    const x = s32(a), y = s32(b);
    return y === 0n ? sx32(x) : x === -(1n << 31n) && y === -1n ? 0n : sx32(x % y);
  },
  remuw: (a, b) => {
    const x = a & 0xffffffffn, y = b & 0xffffffffn;
    return y === 0n ? sx32(x) : sx32(x % y);
  },
};

const EDGE = [0n, 1n, 2n, 31n, 32n, 63n, 64n, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0x100000000n, (1n << 63n) - 1n, 1n << 63n, M64, M64 - 1n, 0x123456789abcdef0n];

function random64(seed: { s: number }): bigint {
  let v = 0n;
  for (let i = 0; i < 4; i++) {
    seed.s = (Math.imul(seed.s, 1103515245) + 12345) >>> 0;
    v = (v << 16n) | BigInt(seed.s >>> 16);
  }
  const shape = seed.s % 4;
  return shape === 0 ? v : shape === 1 ? v & 0xffffffffn : shape === 2 ? u64(s32(v)) : v >> BigInt(seed.s % 64);
}

describe('ALU against a BigInt model', () => {
  const m = machine();
  for (const [name, model] of Object.entries(MODEL)) {
    it(name, () => {
      const seed = { s: name.length * 7919 };
      const pairs: [bigint, bigint][] = [];
      for (const a of EDGE) for (const b of EDGE) pairs.push([a, b]);
      for (let i = 0; i < 200; i++) pairs.push([random64(seed), random64(seed)]);
      for (const [a, b] of pairs) {
        const got = runOne(m, `${name} a0,a1,a2`, a, b);
        if (got !== model(a, b)) expect(`${name}(${a.toString(16)}, ${b.toString(16)}) = ${got.toString(16)}`).toBe(model(a, b).toString(16));
      }
    });
  }
});

describe('immediates and upper immediates', () => {
  const m = machine();
  it.each([
    ['addi a0,a1,-1', 0n, M64],
    ['addi a0,a1,1', 0xffffffffn, 0x100000000n],
    ['slti a0,a1,-1', M64 - 1n, 1n],
    ['sltiu a0,a1,-1', 5n, 1n],
    ['xori a0,a1,-1', 0n, M64],
    ['andi a0,a1,-16', M64, M64 - 15n],
    ['slli a0,a1,63', 1n, 1n << 63n],
    ['srli a0,a1,63', M64, 1n],
    ['srai a0,a1,63', 1n << 63n, M64],
    ['addiw a0,a1,1', 0x7fffffffn, 0xffffffff80000000n],
    ['addiw a0,a1,0', 0x1ffffffffn, M64],
    ['slliw a0,a1,31', 1n, 0xffffffff80000000n],
    ['srliw a0,a1,0', 0x80000000n, 0xffffffff80000000n],
    ['srliw a0,a1,4', 0xffffffff80000000n, 0x08000000n],
    ['sraiw a0,a1,4', 0x80000000n, 0xfffffffff8000000n],
    ['lui a0,0x80000', 0n, 0xffffffff80000000n],
    ['lui a0,0x7ffff', 0n, 0x7ffff000n],
    ['auipc a0,0x80000', 0n, 0n],
  ])('%s', (line, a1, want) => {
    expect(runOne(m, line, a1, 0n)).toBe(want);
  });
});

function program(lines: string[]): TestMachine {
  const m = machine([...lines, 'ebreak']);
  return m;
}

function runToBreak(m: TestMachine, budget = 100_000): void {
  m.hart.run(budget);
  expect(m.faults.at(-1)?.message ?? 'no fault').toMatch(/^breakpoint/);
}

describe('control flow and memory', () => {
  it('links jal/jalr and ignores writes to x0', () => {
    const m = program(['jal ra, f', 'li a1, 7', 'j end', 'f: addi zero, zero, 5', 'jalr t0, 0(ra)', 'end: addi a2, zero, 1']);
    runToBreak(m);
    expect(m.x(1)).toBe(0x80000004n);
    expect(m.x(5)).toBe(0x80000014n);
    expect(m.x(0)).toBe(0n);
    expect(m.x(11)).toBe(7n);
  });

  it('sign- and zero-extends loads, stores every width', () => {
    const m = program([
      'auipc s0, 0x1', 'li t0, -2', 'sd t0, 0(s0)', 'lb a0, 0(s0)', 'lbu a1, 0(s0)', 'lh a2, 0(s0)', 'lhu a3, 0(s0)',
      'lw a4, 0(s0)', 'lwu a5, 0(s0)', 'ld a6, 0(s0)', 'li t1, 0x12', 'sb t1, 1(s0)', 'sh t1, 2(s0)', 'ld a7, 0(s0)',
    ]);
    runToBreak(m);
    expect([m.x(10), m.x(11), m.x(12), m.x(13), m.x(14), m.x(15), m.x(16)]).toEqual([M64 - 1n, 0xfen, M64 - 1n, 0xfffen, M64 - 1n, 0xfffffffen, M64 - 1n]);
    expect(m.x(17)).toBe(0xffffffff001212fen);
  });

  it('performs misaligned loads and stores in hardware, also across a page boundary', () => {
    const m = program(['auipc s0, 0x1', 'addi s0, s0, -3', 'li t0, -1', 'slli t1, t0, 8', 'sd t1, 0(s0)', 'ld a0, 0(s0)', 'lw a1, 1(s0)', 'lhu a2, 3(s0)']);
    runToBreak(m);
    expect(m.x(10)).toBe(0xffffffffffffff00n);
    expect(m.x(11)).toBe(M64);
    expect(m.x(12)).toBe(0xffffn);
  });

  it('runs compressed code and mixes 16- and 32-bit instructions', () => {
    const m = program(['c.li a0, 0', 'c.li a1, 10', 'loop: c.addi a0, 3', 'addi a1, a1, -1', 'c.bnez a1, loop', 'c.mv a2, a0', 'c.slli a2, 1', 'c.addiw a2, -1']);
    runToBreak(m);
    expect(m.x(10)).toBe(30n);
    expect(m.x(12)).toBe(59n);
  });

  it('executes a 32-bit instruction that straddles two pages', () => {
    const m = machine();
    m.load(['li a0, 1', 'c.nop'], RAM_BASE + 0xff8);
    const p = m.load(['addi a0, a0, 41', 'ebreak'], RAM_BASE + 0xffe);
    expect(p.bytes.length).toBe(8);
    m.load(['j 0x80000ff8'], RAM_BASE);
    m.hart.reset(BigInt(RAM_BASE), 'machine');
    runToBreak(m);
    expect(m.x(10)).toBe(42n);
  });

  it('sees its own stores to code (self-modifying code without fence.i on the same hart)', () => {
    const m = program(['auipc t0, 0', 'lw t1, 20(t0)', 'sw t1, 16(t0)', 'li a0, 0', 'li a0, 1', 'li a0, 2']);
    runToBreak(m);
    expect(m.x(10)).toBe(2n);
  });

  it('counts retired instructions and honours the budget', () => {
    const m = program(['loop: addi a0, a0, 1', 'j loop']);
    expect(m.hart.run(1001)).toBe('budget');
    expect(m.hart.retired).toBe(1001);
    expect(m.x(10)).toBe(501n);
  });

  it('keeps registers readable as little-endian 64-bit values in the shared region', () => {
    const m = program(['li a0, -5']);
    runToBreak(m);
    const view = new DataView(m.buffer, (1 << 20) + 256 + 10 * 8, 8);
    expect(view.getBigInt64(0, true)).toBe(-5n);
  });
});
