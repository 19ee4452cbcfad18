/**
 * The arch-neutral CpuCore contract (src/core/cpu/cpu-core.ts) exercised through the RISC-V hart, as
 * tests/unit/core/isa/aarch64/cpu-core.test.ts does for the A64 CPU: after the harness loads the program,
 * everything goes through CpuCore (power on, run slices, sleep to the next deadline, read registers
 * through inspect()). The guest counts three Sstc timer interrupts in M-mode, re-arming stimecmp each
 * time, then disables the timer and idles.
 */
import { describe, expect, it } from 'vitest';
import type { CpuCore, RegisterGroup } from '../../../../src/core/cpu/cpu-core';
import { machine, RAM_BASE } from './harness';

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

function register(groups: RegisterGroup[], group: string, name: string): string | bigint | undefined {
  return groups.find((g) => g.name === group)?.registers.find((r) => r.name === name)?.value;
}

const TIMER_GUEST = [
  // jal leaves the handler's address (the next instruction) in t0.
  'jal t0, start',
  'handler: addi s1, s1, 1',
  'csrr t1, stimecmp',
  'addi t1, t1, 1000',
  'csrw stimecmp, t1',
  'mret',
  'start: csrw mtvec, t0',
  'mv s3, a0',
  'mv s4, a1',
  'mv s5, a2',
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

describe('CpuCore contract on the RISC-V hart', () => {
  it('runs a timer-driven guest to idle through powerOn/run/hasWork/nextDeadline/inspect', () => {
    const m = machine(TIMER_GUEST);
    const core: CpuCore = m.hart;
    expect(core.cpuId).toBe(0);
    core.powerOn(BigInt(RAM_BASE), [0x8220_0000n, 7n, 9n], 'firmware');
    m.time.now = 5;
    const { exit, sleeps } = vcpuLoop(core, m.time, 100);
    expect(exit).toBe('idle');
    expect(sleeps).toEqual([1005, 2005, 3005]);
    const groups = core.inspect();
    expect(groups.map((g) => g.name)).toEqual(['General', 'Privilege', 'Supervisor', 'Machine', 'Float']);
    expect(register(groups, 'General', 's1')).toBe('0x0000000000000003');
    expect(register(groups, 'General', 's2')).toBe('0x0000000000000bbd');
    expect([register(groups, 'General', 's3'), register(groups, 'General', 's4'), register(groups, 'General', 's5')])
      .toEqual(['0x0000000082200000', '0x0000000000000007', '0x0000000000000009']);
    expect(register(groups, 'Supervisor', 'stimecmp')).toBe('0x0000000000000fa5');
    expect(groups.find((g) => g.name === 'Privilege')?.registers[0]?.fields?.[0]).toMatchObject({ name: 'mode', meaning: 'M' });
    const mcause = groups.find((g) => g.name === 'Machine')?.registers.find((r) => r.name === 'mcause');
    expect(mcause?.fields?.find((f) => f.name === 'Code')?.meaning).toBe('supervisor timer interrupt');
    expect(core.retired).toBeGreaterThan(30);
    // The pc inspect() reports is the idle loop's, without a publish to the shared words.
    const idle = BigInt(RAM_BASE) + 4n * BigInt(TIMER_GUEST.indexOf('idle: wfi'));
    expect(BigInt(register(groups, 'General', 'pc') as string) - idle).toBeLessThanOrEqual(4n);
  });

  it('powers on at kernel level in S-mode, and stops at a breakpoint armed through CpuCore', () => {
    const m = machine(['li a0, 1', 'target: li a1, 2', 'ebreak']);
    const core: CpuCore = m.hart;
    core.powerOn(BigInt(RAM_BASE), [], 'kernel');
    expect(core.inspect().find((g) => g.name === 'Privilege')?.registers[0]?.fields?.[0]?.meaning).toBe('S');
    core.setBreakpoint(BigInt(RAM_BASE) + 4n);
    expect(core.run(100)).toBe('breakpoint');
    expect(register(core.inspect(), 'General', 'pc')).toBe(`0x00000000${(RAM_BASE + 4).toString(16)}`);
    expect(register(core.inspect(), 'General', 'a1')).toBe('0x0000000000000000');
    core.setBreakpoint(undefined);
    core.flushTlb();
    core.run(1);
    expect(register(core.inspect(), 'General', 'a1')).toBe('0x0000000000000002');
  });

  it('refuses more boot arguments than a0..a7', () => {
    const core: CpuCore = machine(['wfi']).hart;
    expect(() => core.powerOn(BigInt(RAM_BASE), new Array<bigint>(9).fill(0n))).toThrow(/at most 8 boot arguments/);
  });
});
