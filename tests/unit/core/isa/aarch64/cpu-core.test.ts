/**
 * The arch-neutral CpuCore contract (src/core/cpu/cpu-core.ts) exercised through the A64 CPU by a
 * single-threaded vCPU loop that knows nothing of aarch64: run bounded slices; on 'wfi' without work,
 * sleep (advance the clock) to nextDeadline(); stop when idle with no deadline. The guest counts three
 * generic-timer interrupts, re-arming CNTV_TVAL each time, then disables the timer and idles.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { CpuCore } from '../../../../../src/core/cpu/cpu-core';
import { assembler, machine } from './harness';

const asm = assembler('cpu-core');
afterAll(() => asm.save());

/** The run / idle cycle of hvisor's vCPU, reduced to the CpuCore interface and a clock. */
function vcpuLoop(core: CpuCore, time: { now: number }, maxSlices: number): { exit: string; sleeps: number[] } {
  const sleeps: number[] = [];
  for (let i = 0; i < maxSlices; i++) {
    const exit = core.run(10_000);
    if (exit === 'fault' || exit === 'breakpoint') return { exit, sleeps };
    if (exit === 'wfi' && !core.hasWork()) {
      const deadline = core.nextDeadline();
      if (deadline === Infinity) return { exit: 'idle', sleeps };
      sleeps.push(deadline);
      time.now = Math.max(time.now, deadline);
    }
  }
  return { exit: 'slices', sleeps };
}

describe('CpuCore contract on the A64 CPU', () => {
  it('runs a timer-driven guest to idle through run/hasWork/nextDeadline', () => {
    const m = machine(asm(`
  adr x0, vectors
  msr vbar_el1, x0
  mov x19, #0
  mov x1, #1000
  msr cntv_tval_el0, x1
  mov x1, #1
  msr cntv_ctl_el0, x1
  msr daifclr, #2
1: wfi
  cmp x19, #3
  b.ne 1b
  msr cntv_ctl_el0, xzr
  mrs x20, cntvct_el0
2: wfi
  b 2b
  .balign 2048
vectors:
  .org vectors + 0x280
  add x19, x19, #1
  mov x1, #1000
  msr cntv_tval_el0, x1
  eret`), { timerIrq: true });
    m.time.now = 5;
    const core: CpuCore = m.cpu;
    const { exit, sleeps } = vcpuLoop(core, m.time, 100);
    expect(exit).toBe('idle');
    expect(sleeps).toEqual([1005, 2005, 3005]);
    expect(m.x(19)).toBe(3n);
    expect(m.x(20)).toBe(3005n);
    expect(core.retired).toBeGreaterThan(20);
    expect(core.inspect().find((g) => g.name === 'Timer')?.registers.find((r) => r.name === 'cntv_ctl_el0')?.value).toBe('0x0000000000000000');
  });

  it('powerOn passes boot arguments in x0..x3 and starts at EL1h with the MMU off', () => {
    const m = machine(asm('  mrs x4, currentel\n  mrs x5, sctlr_el1\n  mrs x6, daif\n  wfi'), { args: [0x4800_0000n, 1n, 2n, 3n] });
    m.run();
    expect([m.x(0), m.x(1), m.x(2), m.x(3), m.x(4), m.x(5) & 1n, m.x(6)]).toEqual([0x4800_0000n, 1n, 2n, 3n, 4n, 0n, 0x3c0n]);
  });
});
