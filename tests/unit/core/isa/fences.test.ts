/**
 * FENCE.I and SFENCE.VMA against the hart's caches: the decoded-instruction cache must follow code
 * changed by another writer once the hart fences (the cache is now checked lazily, not dropped), and a
 * single-page SFENCE.VMA must drop that page's translations from every TLB (read, write, code write,
 * fetch) while a full one drops all of them.
 */
import { describe, expect, it } from 'vitest';
import { assemble } from '../../../../src/core/isa/riscv64/assembler';
import { fenceInstructions } from '../../../../src/core/isa/riscv64/mmu';
import { machine, RAM_BASE, type TestMachine } from './harness';

function runToBreak(m: TestMachine, budget = 10_000): void {
  m.faults.length = 0;
  m.hart.run(budget);
  expect(m.faults.at(-1)?.message ?? 'no fault').toMatch(/^breakpoint/);
}

/** Restarts at RAM_BASE without the full reset (which would drop the decode cache). */
function rerun(m: TestMachine): void {
  m.hart.faulted = false;
  m.hart.setPc(BigInt(RAM_BASE));
  runToBreak(m);
}

describe('FENCE.I', () => {
  it('re-decodes code another writer changed, after the hart fences', () => {
    const m = machine(['li a0, 1', 'li a1, 5', 'ebreak']);
    runToBreak(m);
    expect(m.x(10)).toBe(1n);
    // Another hart (here: the host) rewrites the first instruction; this hart has it decoded.
    m.ram.setUint32(0, assemble('li a0, 2'), true);
    fenceInstructions(m.hart);
    rerun(m);
    expect(m.x(10)).toBe(2n);
    expect(m.x(11)).toBe(5n);
  });

  it('re-decodes a compressed slot replaced by a 32-bit instruction and the reverse', () => {
    const m = machine(['c.li a0, 3', 'c.li a1, 4', 'li a2, 9', 'ebreak']);
    runToBreak(m);
    m.ram.setUint32(0, assemble('li a0, 7'), true);
    m.ram.setUint16(4, assemble('c.li a2, 1') & 0xffff, true);
    m.ram.setUint16(6, assemble('c.nop') & 0xffff, true);
    m.hart.setX(11, 0n);
    fenceInstructions(m.hart);
    rerun(m);
    expect([m.x(10), m.x(11), m.x(12)]).toEqual([7n, 0n, 1n]);
  });

  it('runs a fence.i instruction the same way', () => {
    const m = machine(['j start', 'patched: li a0, 1', 'ret', 'start: jal ra, patched', 'fence.i', 'jal ra, patched', 'ebreak']);
    const patched = Number(m.program.labels.get('patched')!) - RAM_BASE;
    m.hart.run(3);
    m.ram.setUint32(patched, assemble('li a0, 8'), true);
    m.hart.setX(10, 0n);
    runToBreak(m);
    expect(m.x(10)).toBe(8n);
  });

  it('still sees its own stores to a code page through the code-write TLB', () => {
    // The store page holds decoded code, so the store translation lives in the code-write TLB; the
    // second store goes through it and must still invalidate the decoded slot.
    const m = machine([
      'auipc t0, 0', 'lw t1, 40(t0)', 'lw t2, 44(t0)',
      'sw t1, 32(t0)', 'jal ra, f', 'sw t2, 32(t0)', 'jal ra, f', 'ebreak',
      'f: li a0, 0', 'ret', 'li a0, 1', 'li a0, 2',
    ]);
    m.hart.run(100);
    expect(m.faults.at(-1)?.message ?? '').toMatch(/^breakpoint/);
    expect(m.x(10)).toBe(2n);
  });
});

const ROOT = 0x80010000, L1 = 0x80011000, L0 = 0x80012000, PAGE_A = 0x80020000, PAGE_B = 0x80021000;
const V = 1n, R = 2n, W = 4n, X = 8n, A = 64n, D = 128n;
const pte = (pa: number, flags: bigint): bigint => ((BigInt(pa) >> 12n) << 10n) | flags;

/** Sv39: code identity-mapped by a gigapage, VA 0x40000000 and 0x40001000 through L0 entries 0 and 1. */
function paged(body: string[]): TestMachine {
  const m = machine([
    'csrw satp, a0', 'csrw mstatus, a1', 'csrw mepc, a2', 'mret',
    'sbody: lui t0, 0x40000', 'lui t1, 0x40001', ...body, 'ebreak',
  ]);
  const set = (table: number, index: number, value: bigint): void => m.ram.setBigUint64(table - RAM_BASE + index * 8, value, true);
  set(ROOT, 2, pte(0x80000000, V | R | W | X | A | D));
  set(ROOT, 1, pte(L1, V));
  set(L1, 0, pte(L0, V));
  set(L0, 0, pte(PAGE_A, V | R | W | A | D));
  set(L0, 1, pte(PAGE_B, V | R | W | A | D));
  m.ram.setBigUint64(PAGE_A - RAM_BASE, 0xaan, true);
  m.ram.setBigUint64(PAGE_B - RAM_BASE, 0xbbn, true);
  m.hart.setX(10, (8n << 60n) | (BigInt(ROOT) >> 12n));
  m.hart.setX(11, 1n << 11n);
  m.hart.setX(12, m.program.labels.get('sbody')!);
  return m;
}

/** Swaps the two L0 entries, so VA 0x40000000 maps PAGE_B and 0x40001000 maps PAGE_A. */
const swap = ['li t2, 1', 'slli t2, t2, 31', 'lui t5, 0x12', 'add t2, t2, t5', 'ld t3, 0(t2)', 'ld t4, 8(t2)', 'sd t4, 0(t2)', 'sd t3, 8(t2)'];

describe('SFENCE.VMA', () => {
  it('with an address drops only that page: the other keeps its cached translation', () => {
    const m = paged(['ld s2, 0(t0)', 'ld s3, 0(t1)', ...swap, 'sfence.vma t0', 'ld s4, 0(t0)', 'ld s5, 0(t1)', 'sd s2, 8(t0)']);
    runToBreak(m);
    expect([m.x(18), m.x(19)]).toEqual([0xaan, 0xbbn]);
    // t0's page was fenced and now reads PAGE_B; t1's page still uses the old translation (PAGE_B),
    // which the architecture allows until it is fenced too.
    expect([m.x(20), m.x(21)]).toEqual([0xbbn, 0xbbn]);
    expect(m.ram.getBigUint64(PAGE_B - RAM_BASE + 8, true)).toBe(0xaan);
  });

  it('with an address drops the write translation of that page', () => {
    const m = paged(['sd zero, 16(t0)', ...swap, 'li s2, 0x77', 'sfence.vma t0', 'sd s2, 16(t0)']);
    runToBreak(m);
    expect(m.ram.getBigUint64(PAGE_B - RAM_BASE + 16, true)).toBe(0x77n);
    expect(m.ram.getBigUint64(PAGE_A - RAM_BASE + 16, true)).toBe(0n);
  });

  it('without an address drops every page', () => {
    const m = paged(['ld s2, 0(t0)', 'ld s3, 0(t1)', ...swap, 'sfence.vma', 'ld s4, 0(t0)', 'ld s5, 0(t1)']);
    runToBreak(m);
    expect([m.x(20), m.x(21)]).toEqual([0xbbn, 0xaan]);
  });
});
