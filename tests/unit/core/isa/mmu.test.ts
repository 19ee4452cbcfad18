/** Sv39/Sv48 translation: A/D updates, U/SUM, MXR, X-only pages, superpage alignment, MPRV, fault causes. */
import { describe, expect, it } from 'vitest';
import { machine, RAM_BASE, type TestMachine } from './harness';

const ROOT = 0x80010000, L1 = 0x80011000, L0 = 0x80012000, ROOT48 = 0x80013000, DATA = 0x80020000;
const V = 1n, R = 2n, W = 4n, X = 8n, U = 16n, A = 64n, D = 128n;
const pte = (pa: number, flags: bigint): bigint => ((BigInt(pa) >> 12n) << 10n) | flags;

function setPte(m: TestMachine, table: number, index: number, value: bigint): void {
  m.ram.setBigUint64(table - RAM_BASE + index * 8, value, true);
}
function getPte(m: TestMachine, table: number, index: number): bigint {
  return m.ram.getBigUint64(table - RAM_BASE + index * 8, true);
}

/**
 * Maps code (gigapage at 0x80000000) and VA 0x40000000 -> DATA with `flags`, enters S-mode (mstatus
 * extra bits in `status`) and runs `body`, which ends with ecall; the M handler saves mcause/mtval.
 */
function run(body: string[], flags: bigint, opts: { status?: bigint; mode?: 8n | 9n; l1?: bigint } = {}): TestMachine {
  const m = machine([
    'csrw satp, a0', 'csrw mstatus, a1', 'csrw mepc, a2', 'mret',
    'handler: csrr s10, mcause', 'csrr s11, mtval', 'csrw mtvec, zero', 'ebreak',
    'sbody: lui t0, 0x40000', ...body, 'ecall',
  ]);
  setPte(m, ROOT, 2, pte(0x80000000, V | R | W | X | A | D));
  setPte(m, ROOT, 1, pte(L1, V));
  setPte(m, L1, 0, opts.l1 ?? pte(L0, V));
  setPte(m, L0, 0, pte(DATA, flags));
  setPte(m, ROOT48, 0, pte(ROOT, V));
  m.ram.setBigUint64(DATA - RAM_BASE, 0x1122334455667788n, true);
  const mode = opts.mode ?? 8n;
  m.hart.setX(10, (mode << 60n) | (BigInt(mode === 9n ? ROOT48 : ROOT) >> 12n));
  m.hart.setX(11, (1n << 11n) | (opts.status ?? 0n));
  m.hart.setX(12, m.program.labels.get('sbody')!);
  m.hart.writeCsr(0x305, m.program.labels.get('handler')!);
  m.run(1000);
  return m;
}

describe('Sv39', () => {
  it('translates, sets A on read and D on write', () => {
    const m = run(['ld a0, 0(t0)', 'sd a0, 8(t0)'], V | R | W);
    expect(m.x(26)).toBe(9n);
    expect(m.x(10)).toBe(0x1122334455667788n);
    expect(m.ram.getBigUint64(DATA - RAM_BASE + 8, true)).toBe(0x1122334455667788n);
    expect(getPte(m, L0, 0) & (A | D)).toBe(A | D);
  });

  it('sets only A when the page is just read', () => {
    const m = run(['ld a0, 0(t0)'], V | R | W);
    expect(getPte(m, L0, 0) & (A | D)).toBe(A);
  });

  it('faults S-mode access to U pages unless SUM is set', () => {
    const denied = run(['ld a0, 0(t0)'], V | R | W | U);
    expect([denied.x(26), denied.x(27)]).toEqual([13n, 0x40000000n]);
    const allowed = run(['ld a0, 0(t0)'], V | R | W | U, { status: 1n << 18n });
    expect(allowed.x(26)).toBe(9n);
  });

  it('raises store page faults on read-only pages', () => {
    const m = run(['sd a0, 16(t0)'], V | R | A);
    expect([m.x(26), m.x(27)]).toEqual([15n, 0x40000010n]);
  });

  it('reads execute-only pages only with MXR', () => {
    expect(run(['ld a0, 0(t0)'], V | X).x(26)).toBe(13n);
    const m = run(['ld a0, 0(t0)'], V | X, { status: 1n << 19n });
    expect(m.x(26)).toBe(9n);
  });

  it('raises instruction page faults on non-executable pages', () => {
    const m = run(['jalr ra, 0(t0)'], V | R | W);
    expect([m.x(26), m.x(27)]).toEqual([12n, 0x40000000n]);
  });

  it('rejects misaligned superpages and reserved encodings', () => {
    const m = run(['ld a0, 0(t0)'], V | R, { l1: pte(DATA, V | R | W | A) });
    expect(m.x(26)).toBe(13n);
    expect(run(['ld a0, 0(t0)'], V | W).x(26)).toBe(13n);
    expect(run(['ld a0, 0(t0)'], V | R | (1n << 62n)).x(26)).toBe(13n);
  });

  it('faults on non-canonical addresses', () => {
    const m = run(['li t1, 1', 'slli t1, t1, 40', 'ld a0, 0(t1)'], V | R);
    expect([m.x(26), m.x(27)]).toEqual([13n, 1n << 40n]);
  });

  it('raises access faults when the page table points outside memory', () => {
    const m = run(['ld a0, 0(t0)'], V | R, { l1: pte(0x10000000, V) });
    expect(m.x(26)).toBe(5n);
  });
});

describe('Sv48 and MPRV', () => {
  it('walks four levels', () => {
    const m = run(['ld a0, 0(t0)'], V | R, { mode: 9n });
    expect(m.x(26)).toBe(9n);
    expect(m.x(10)).toBe(0x1122334455667788n);
  });

  it('translates M-mode loads through MPP when MPRV is set', () => {
    const m = machine(['csrw satp, a0', 'li t1, 1', 'slli t1, t1, 17', 'csrs mstatus, t1', 'lui t0, 0x40000', 'ld a0, 0(t0)', 'ebreak']);
    setPte(m, ROOT, 1, pte(L1, V));
    setPte(m, L1, 0, pte(L0, V));
    setPte(m, L0, 0, pte(DATA, V | R));
    m.ram.setBigUint64(DATA - RAM_BASE, 42n, true);
    m.hart.writeCsr(0x300, 1n << 11n);
    m.hart.setX(10, (8n << 60n) | (BigInt(ROOT) >> 12n));
    m.run();
    expect(m.x(10)).toBe(42n);
  });

  it('ignores satp writes with unsupported modes', () => {
    const m = machine();
    m.hart.writeCsr(0x180, 10n << 60n);
    expect(m.hart.readCsr(0x180)).toBe(0n);
    m.hart.writeCsr(0x180, (9n << 60n) | 5n);
    expect(m.hart.readCsr(0x180)).toBe((9n << 60n) | 5n);
  });
});
