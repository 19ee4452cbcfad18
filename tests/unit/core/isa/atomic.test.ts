/** LR/SC and AMOs: results, reservation rules, misaligned and device cases, and two harts on one RAM. */
import { describe, expect, it } from 'vitest';
import { HART_STATE_BYTES } from '../../../../src/core/isa/riscv64/hart';
import { device, machine, RAM_BASE, type TestMachine } from './harness';

const M64 = (1n << 64n) - 1n;

function amo(line: string, memory: bigint, operand: bigint, word: boolean): [bigint, bigint] {
  const m = machine(['auipc a2, 0x1', line, 'ebreak']);
  if (word) m.ram.setUint32(0x1000, Number(memory & 0xffffffffn), true);
  else m.ram.setBigUint64(0x1000, memory, true);
  m.hart.setX(11, operand);
  m.run();
  const after = word ? BigInt(m.ram.getUint32(0x1000, true)) : m.ram.getBigUint64(0x1000, true);
  return [m.x(10), after];
}

describe('AMOs', () => {
  it.each([
    ['amoadd.w', 0x7fffffffn, 1n, 0x7fffffffn, 0x80000000n],
    ['amoswap.w', 0x80000000n, 5n, 0xffffffff80000000n, 5n],
    ['amoxor.w', 0xf0n, 0xffn, 0xf0n, 0x0fn],
    ['amoand.w', 0xf0n, 0x3cn, 0xf0n, 0x30n],
    ['amoor.w', 0xf0n, 0x0fn, 0xf0n, 0xffn],
    ['amomin.w', 0xffffffffn, 1n, M64, 0xffffffffn],
    ['amomax.w', 0xffffffffn, 1n, M64, 1n],
    ['amominu.w', 0xffffffffn, 1n, M64, 1n],
    ['amomaxu.w', 0xffffffffn, 1n, M64, 0xffffffffn],
  ])('%s', (name, mem, op, oldWant, memWant) => {
    expect(amo(`${name} a0,a1,(a2)`, mem, op, true)).toEqual([oldWant, memWant]);
  });

  it.each([
    ['amoadd.d', M64, 2n, M64, 1n],
    ['amomin.d', 1n << 63n, 1n, 1n << 63n, 1n << 63n],
    ['amominu.d', 1n << 63n, 1n, 1n << 63n, 1n],
    ['amomax.d', 5n, M64, 5n, 5n],
    ['amomaxu.d', 5n, M64, 5n, M64],
    ['amoswap.d', 0x123456789n, 7n, 0x123456789n, 7n],
  ])('%s', (name, mem, op, oldWant, memWant) => {
    expect(amo(`${name}.aqrl a0,a1,(a2)`, mem, op, false)).toEqual([oldWant, memWant]);
  });
});

describe('AMOs through the TLBs', () => {
  it('a page the hart already loaded from and stored to takes repeated AMOs with the right values', () => {
    // The first access of each kind fills a TLB entry; the AMOs after it take the TLB path.
    const m = machine(['auipc a2, 0x1', 'ld t0, 0(a2)', 'sd t0, 8(a2)', 'li a1, 3', 'amoadd.d a0, a1, (a2)', 'amoadd.d a3, a1, (a2)', 'addi a7, a2, 8', 'amoor.w a4, a1, (a7)', 'lr.d a5, (a2)', 'sc.d a6, a1, (a2)', 'ebreak']);
    m.ram.setBigUint64(0x1000, 40n, true);
    m.run();
    expect([m.x(10), m.x(13), m.x(15), m.x(16)]).toEqual([40n, 43n, 46n, 0n]);
    expect(m.ram.getBigUint64(0x1000, true)).toBe(3n);
    expect(m.ram.getUint32(0x1008, true)).toBe(40 | 3);
  });

  it('AMOs that rewrite an instruction the hart already ran make it run the new one, without FENCE.I', () => {
    // f runs (a0 = 1); amoswap.w puts "addi a0, zero, 2" over its first instruction, f runs (a0 = 2); a
    // second amoswap.w (now through the code page's TLB entry) puts the old one back, f runs (a0 = 1). The
    // hart forgets decoded code on its own stores, so no FENCE.I is needed here.
    const m = machine([
      'auipc s0, 0', 'addi s0, s0, 52', 'jal ra, f', 'addi s1, a0, 0', 'lw a1, -4(s0)', 'amoswap.w a2, a1, (s0)',
      'jal ra, f', 'addi s2, a0, 0', 'amoswap.w zero, a2, (s0)', 'jal ra, f', 'addi s3, a0, 0', 'ebreak',
      'addi a0, zero, 2', 'f: addi a0, zero, 1', 'jalr zero, 0(ra)',
    ]);
    m.run();
    expect([m.x(9), m.x(18), m.x(19)]).toEqual([1n, 2n, 1n]);
  });
});

describe('LR/SC', () => {
  it('succeeds with a reservation and fails without one', () => {
    const m = machine(['auipc a2, 0x1', 'li a1, 9', 'lr.d a0, (a2)', 'sc.d a3, a1, (a2)', 'sc.d a4, a1, (a2)', 'lr.w a5, (a2)', 'sc.w a6, a1, (a2)', 'ebreak']);
    m.ram.setBigUint64(0x1000, 0xffffffff00000005n, true);
    m.run();
    expect([m.x(10), m.x(13), m.x(14), m.x(15), m.x(16)]).toEqual([0xffffffff00000005n, 0n, 1n, 9n, 0n]);
    expect(m.ram.getBigUint64(0x1000, true)).toBe(9n);
  });

  it('fails after a trap (xRET and trap entry drop the reservation)', () => {
    const m = machine(['auipc a2, 0x1', 'lr.w a0, (a2)', 'ecall', 'sc.w a3, a1, (a2)', 'ebreak', 'h: csrr t0, mepc', 'addi t0, t0, 4', 'csrw mepc, t0', 'mret']);
    m.hart.writeCsr(0x305, m.program.labels.get('h')!);
    m.run();
    expect(m.x(13)).toBe(1n);
  });

  it('raises misaligned exceptions for AMOs and LR, access faults on devices', () => {
    const cause = (lines: string[]): bigint => {
      const m = machine([...lines, 'ebreak', 'h: csrr s9, mcause', 'csrw mtvec, zero', 'ebreak']);
      m.bus.map('dev', 0x10000000, 0x1000, device());
      m.hart.writeCsr(0x305, m.program.labels.get('h')!);
      m.run();
      return m.x(25);
    };
    expect(cause(['auipc a2, 0x1', 'addi a2, a2, 2', 'amoadd.w a0, a1, (a2)'])).toBe(6n);
    expect(cause(['auipc a2, 0x1', 'addi a2, a2, 4', 'lr.d a0, (a2)'])).toBe(4n);
    expect(cause(['auipc a2, 0x1', 'addi a2, a2, 4', 'sc.d a0, a1, (a2)'])).toBe(6n);
    expect(cause(['lui a2, 0x10000', 'amoswap.w a0, a1, (a2)'])).toBe(7n);
    expect(cause(['lui a2, 0x10000', 'lr.w a0, (a2)'])).toBe(5n);
  });
});

describe('two harts on one shared RAM', () => {
  const counterLoop = [
    'auipc s0, 0x1', 'li s1, 500',
    'retry: lr.w t0, (s0)', 'addi t0, t0, 1', 'sc.w t1, t0, (s0)', 'bnez t1, retry',
    'li t2, 1', 'amoadd.w zero, t2, 4(s0)',
    'addi s1, s1, -1', 'bnez s1, retry', 'ebreak',
  ].map((l) => l.replace('4(s0)', '(s2)'));

  function pair(): [TestMachine, TestMachine] {
    const buffer = new SharedArrayBuffer((1 << 20) + 2 * HART_STATE_BYTES);
    const a = machine(counterLoop, { buffer, stateOffset: 1 << 20 });
    const b = machine(counterLoop, { buffer, stateOffset: (1 << 20) + HART_STATE_BYTES });
    for (const m of [a, b]) m.hart.setX(18, BigInt(RAM_BASE + 0x1004));
    return [a, b];
  }

  it('keeps a LR/SC counter and an AMO counter exact under fine interleaving', () => {
    const [a, b] = pair();
    let steps = 0;
    while ((a.faults.length === 0 || b.faults.length === 0) && steps < 100_000) {
      if (a.faults.length === 0) a.hart.run(1 + (steps % 3));
      if (b.faults.length === 0) b.hart.run(1 + ((steps * 7) % 5));
      steps++;
    }
    expect(a.ram.getUint32(0x1000, true)).toBe(1000);
    expect(a.ram.getUint32(0x1004, true)).toBe(1000);
  });

  it('fails an SC when another hart changed the word after the LR', () => {
    const [a, b] = pair();
    a.load(['auipc s0, 0x1', 'li t0, 3', 'lr.w a0, (s0)', 'sc.w a1, t0, (s0)', 'ebreak']);
    b.load(['li t0, 7', 'sw t0, 0(s0)', 'ebreak'], RAM_BASE + 0x800);
    a.hart.reset(BigInt(RAM_BASE), 'machine');
    b.hart.reset(BigInt(RAM_BASE + 0x800), 'machine');
    b.hart.setX(8, BigInt(RAM_BASE + 0x1000));
    a.hart.run(3);
    b.hart.run(10);
    a.hart.run(10);
    expect(a.x(11)).toBe(1n);
    expect(a.ram.getUint32(0x1000, true)).toBe(7);
  });
});
