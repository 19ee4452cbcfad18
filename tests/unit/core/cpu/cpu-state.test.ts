/**
 * A CPU's private state through CpuCore.saveState/restoreState (decision 0024), on the RISC-V hart: a
 * timer-driven guest stopped after its first interrupt is saved, its shared bytes and state copied into
 * a second machine, which finishes the run exactly as the first one does (same interrupts at the same
 * deadlines, same registers and CSRs); a state with other fields or of another ISA is refused by name.
 */
import { describe, expect, it } from 'vitest';
import { readFields, saveFields, CpuStateError } from '../../../../src/core/cpu/cpu-state';
import { machine, RAM_BASE } from '../isa/harness';

const GUEST = [
  'jal t0, start',
  'handler: addi s1, s1, 1',
  'csrr t1, stimecmp',
  'addi t1, t1, 1000',
  'csrw stimecmp, t1',
  'mret',
  'start: csrw mtvec, t0',
  'li t0, 1',
  'slli t0, t0, 63',
  'csrw menvcfg, t0',
  'csrr t1, time',
  'addi t1, t1, 1000',
  'csrw stimecmp, t1',
  'li t0, 32',
  'csrw mie, t0',
  'csrsi mstatus, 8',
  'li t2, 3',
  'wait: wfi',
  'bne s1, t2, wait',
  'csrw mie, zero',
  'csrr s2, time',
  'idle: wfi',
  'j idle',
];

/** Runs to idle, moving time to each deadline; returns the deadlines slept to. */
function finish(m: ReturnType<typeof machine>): number[] {
  const sleeps: number[] = [];
  for (let i = 0; i < 100; i++) {
    const exit = m.hart.run(10_000);
    if (exit === 'wfi' && !m.hart.hasWork()) {
      const deadline = m.hart.nextDeadline();
      if (deadline === Infinity) return sleeps;
      sleeps.push(deadline);
      m.time.now = Math.max(m.time.now, deadline);
    }
  }
  throw new Error('the guest did not reach idle');
}

describe('CPU state for snapshots', () => {
  it('a restored hart continues the run exactly as the saved one', () => {
    const a = machine(GUEST);
    a.time.now = 5;
    // Up to the first interrupt taken, then stop in the middle of the run.
    for (let i = 0; i < 10 && a.hart.getX(9) === 0n; i++) {
      const exit = a.hart.run(10_000);
      if (exit === 'wfi' && !a.hart.hasWork()) a.time.now = Math.max(a.time.now, a.hart.nextDeadline());
    }
    expect(a.hart.getX(9)).toBe(1n);
    const state = a.hart.saveState();

    const b = machine([]);
    new Uint8Array(b.buffer).set(new Uint8Array(a.buffer));
    b.time.now = a.time.now;
    b.hart.restoreState(state);
    expect(b.hart.inspect()).toEqual(a.hart.inspect());

    const sleepsA = finish(a);
    const sleepsB = finish(b);
    expect(sleepsB).toEqual(sleepsA);
    expect(sleepsB.length).toBeGreaterThan(0);
    expect(b.hart.getX(9)).toBe(3n);
    expect(b.hart.inspect()).toEqual(a.hart.inspect());
    expect(b.hart.retired).toBe(a.hart.retired);
  });

  it('refuses a state with other fields or of another ISA, naming them', () => {
    const state = machine(GUEST).hart.saveState();
    const fields = JSON.parse(new TextDecoder().decode(state)) as { values: Record<string, unknown> };
    delete fields.values['satp'];
    fields.values['hgatp'] = 0;
    const other = new TextEncoder().encode(JSON.stringify(fields));
    expect(() => machine([]).hart.restoreState(other)).toThrow(CpuStateError);
    expect(() => machine([]).hart.restoreState(other)).toThrow(/missing: satp\) \(unknown: hgatp\)/);
    expect(() => readFields('aarch64', state, [])).toThrow(/the CPU state is of a riscv64 CPU, this CPU is aarch64/);
    expect(() => machine([]).hart.restoreState(new TextEncoder().encode('{"format'))).toThrow(/does not parse/);
  });

  it('keeps bigints, non-finite numbers and Maps', () => {
    const cpu = { a: -5n, b: Infinity, c: new Map([[1, 2n]]), d: [1n, 2n], e: { nested: 0xffff_ffff_ffff_ffffn } };
    const values = readFields('x', saveFields('x', cpu, ['a', 'b', 'c', 'd', 'e']), ['a', 'b', 'c', 'd', 'e']);
    expect(values).toEqual(cpu);
  });
});
