/**
 * The vCPU loop single-threaded: a scripted CpuCore and a fake thread whose sleep advances a virtual
 * clock, so every decision the loop makes (sleep until the timer deadline, pause, step, breakpoint,
 * stop) is observable without workers or wall time.
 */
import { describe, expect, it } from 'vitest';
import { CpuWord, type CpuCore, type CpuExit } from '../../../../src/core/cpu/cpu-core';
import { HartStatus, RunRequest } from '../../../../src/core/cpu/hart-header';
import { DEBUG_WORDS, DebugWord, StopCode, getU64, putU64 } from '../../../../src/core/cpu/hart-snapshot';
import { ControlWord, MachineExit } from '../../../../src/core/machine/machine-control';
import { VcpuLoop, type VcpuArch, type VcpuThread } from '../../../../src/core/vcpu/vcpu-loop';

const TIMEBASE = 1_000_000; // 1 tick = 1 us

class ScriptedCpu implements CpuCore {
  readonly cpuId = 0;
  retired = 0;
  pc = 0x1000n;
  breakpoint: bigint | undefined;
  /** What each run() returns, in order; then 'budget'. */
  script: CpuExit[] = [];
  runs: { budget: number; stepping: boolean }[] = [];
  deadline = Infinity;
  work = false;
  flushes = 0;
  run(budget: number, stepping = false): CpuExit {
    this.runs.push({ budget, stepping });
    this.retired += stepping ? 1 : budget;
    this.pc += 4n;
    return this.script.shift() ?? 'budget';
  }
  hasWork(): boolean {
    return this.work;
  }
  nextDeadline(): number {
    return this.deadline;
  }
  powerOn(): void {}
  flushTlb(): void {
    this.flushes++;
  }
  setBreakpoint(address: bigint | undefined): void {
    this.breakpoint = address;
  }
  inspect() {
    return [];
  }
}

function setup(options: { siblings?: number } = {}) {
  const cpu = new ScriptedCpu();
  const headers = Array.from({ length: 1 + (options.siblings ?? 0) }, () => new Int32Array(new SharedArrayBuffer(256)));
  const header = headers[0]!;
  const control = new Int32Array(new SharedArrayBuffer(64));
  const debug = new Int32Array(new SharedArrayBuffer(DEBUG_WORDS * 4));
  let now = 0;
  let ms = 0;
  const waits: { index: number; ms: number }[] = [];
  const thread: VcpuThread = {
    wait: (_array, index, _value, timeout) => {
      waits.push({ index, ms: timeout });
      now += (timeout * TIMEBASE) / 1000;
      ms += timeout;
    },
    nowMs: () => ms,
  };
  let published = 0;
  const arch: VcpuArch = {
    cpu,
    debug,
    startsRunning: true,
    faulted: false,
    publishSnapshot: () => {
      published++;
    },
    getPc: () => cpu.pc,
    atBreakpoint: () => cpu.breakpoint === cpu.pc,
    siblings: () => headers.map((_, i) => i),
  };
  const loop = new VcpuLoop(arch, { header, headers, control, guestNow: () => now, timebase: TIMEBASE, slice: 1000 }, thread);
  return { cpu, header, headers, control, debug, loop, waits, published: () => published, now: () => now };
}

describe('VcpuLoop', () => {
  it('runs slices and publishes the retired count', () => {
    const t = setup();
    t.loop.turn();
    t.loop.turn();
    expect(t.cpu.runs).toEqual([{ budget: 1000, stepping: false }, { budget: 1000, stepping: false }]);
    expect(Atomics.load(t.header, CpuWord.retiredLo)).toBe(2000);
    expect(Atomics.load(t.header, CpuWord.status)).toBe(HartStatus.running);
  });

  it('sleeps in WFI until the next timer deadline, not longer', () => {
    const t = setup();
    t.cpu.script = ['wfi'];
    t.cpu.deadline = 2_000; // 2 ms of guest time away
    t.loop.turn();
    expect(Atomics.load(t.header, CpuWord.status)).toBe(HartStatus.waiting);
    expect(t.waits).toEqual([{ index: CpuWord.wake, ms: 2 }]);
  });

  it('does not sleep when an interrupt is already pending', () => {
    const t = setup();
    t.cpu.script = ['wfi'];
    t.cpu.work = true;
    t.loop.turn();
    expect(t.waits).toEqual([]);
  });

  it('announces a pause once with the pc, then waits', () => {
    const t = setup();
    Atomics.store(t.header, CpuWord.request, RunRequest.pause);
    t.loop.turn();
    t.loop.turn();
    expect(t.cpu.runs).toEqual([]);
    expect(Atomics.load(t.debug, DebugWord.stopSeq)).toBe(1);
    expect(Atomics.load(t.debug, DebugWord.stopReason)).toBe(StopCode.pause);
    expect(getU64(t.debug, DebugWord.stopPcLo)).toBe(0x1000n);
    expect(Atomics.load(t.header, CpuWord.status)).toBe(HartStatus.paused);
  });

  it('steps one instruction and pauses again', () => {
    const t = setup();
    Atomics.store(t.header, CpuWord.request, RunRequest.step);
    t.loop.turn();
    expect(t.cpu.runs).toEqual([{ budget: 1, stepping: true }]);
    expect(Atomics.load(t.header, CpuWord.request)).toBe(RunRequest.pause);
    expect(Atomics.load(t.debug, DebugWord.stopReason)).toBe(StopCode.step);
  });

  it('arms the breakpoint the host wrote, pauses the siblings when it hits, and executes it first on resume', () => {
    const t = setup({ siblings: 2 });
    putU64(t.debug, DebugWord.breakpointLo, 0x1004n);
    Atomics.store(t.debug, DebugWord.breakpointArmed, 1);
    Atomics.add(t.debug, DebugWord.breakpointGen, 1);
    t.cpu.script = ['breakpoint'];
    t.loop.turn();
    expect(t.cpu.breakpoint).toBe(0x1004n);
    expect(Atomics.load(t.debug, DebugWord.stopReason)).toBe(StopCode.breakpoint);
    for (const h of t.headers) expect(Atomics.load(h, CpuWord.request)).toBe(RunRequest.pause);
    // Resume: the instruction under the breakpoint runs alone first.
    Atomics.store(t.header, CpuWord.request, RunRequest.run);
    t.loop.turn();
    expect(t.cpu.runs.slice(1)).toEqual([{ budget: 1, stepping: true }, { budget: 1000, stepping: false }]);
  });

  it('flushes the TLB on a remote request', () => {
    const t = setup();
    Atomics.store(t.header, CpuWord.fences, 1);
    t.loop.turn();
    expect(t.cpu.flushes).toBe(1);
    expect(Atomics.load(t.header, CpuWord.fences)).toBe(0);
  });

  it('ends on a stop request or a machine exit, marking the CPU exited', () => {
    const t = setup();
    Atomics.store(t.header, CpuWord.request, RunRequest.stop);
    t.loop.run();
    expect(Atomics.load(t.header, CpuWord.status)).toBe(HartStatus.exited);
    const u = setup();
    Atomics.store(u.control, ControlWord.exit, MachineExit.poweroff);
    expect(u.loop.turn()).toBe(false);
  });
});
