/**
 * The inspectors on a real machine (examples/riscv64-zones on the vCPU workers): pausing zoneR while
 * zoneU runs on, single steps, a breakpoint in zoneR's timer handler, and the PLIC / vPLIC state.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLayout } from '../../../src/host/layout-loader';
import { InspectService } from '../../../src/host/inspect-service';
import type { Events } from '../../../src/shared/protocol/index';
import { startMachine, type LiveMachine } from '../../helpers/live-machine';

const ZONE_R = 2;
const ZONE_U = 1;
const ZONE_R_HART = 3;

/** The address of a symbol of zoneR's image, as the toolchain's nm reports it. */
function symbol(name: string): bigint {
  const out = execFileSync('riscv64-unknown-elf-nm', ['guest/riscv64/bin/zones-r.elf'], { encoding: 'utf8' });
  const line = out.split('\n').find((l) => l.endsWith(` ${name}`));
  if (!line) throw new Error(`zones-r.elf has no symbol ${name}`);
  return BigInt(`0x${line.split(' ')[0]}`);
}

async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('inspector service on the zones example', () => {
  let machine: LiveMachine;
  let inspect: InspectService;
  const stops: Events['zone.stopped'][] = [];

  beforeAll(async () => {
    machine = await startMachine(await loadLayout('examples/riscv64-zones'));
    inspect = new InspectService(machine.host, (event, payload) => {
      if (event === 'zone.stopped') stops.push(payload as Events['zone.stopped']);
    });
    await machine.waitFor('zoneR', 'zoneR: timer via', 30_000);
    await machine.waitFor('zoneU', 'zoneU: hart 2 enters a busy loop', 30_000);
  });

  afterAll(async () => {
    inspect?.dispose();
    await machine?.stop();
  });

  const retired = (hart: number): number => machine.host.hartSnapshots([hart])[0]!.retired;

  it('pauses zoneR while zoneU keeps retiring instructions', async () => {
    const state = await inspect.pause(ZONE_R);
    expect(state.paused).toBe(true);
    expect(state.harts.map((h) => h.status)).toEqual(['paused']);
    expect(state.harts[0]!.held).toBe(true);
    expect(state.harts[0]!.privilege).toBe('S');
    expect(state.harts[0]!.csrs.find((c) => c.name === 'satp')!.summary).toMatch(/^Bare/);
    const frozen = retired(ZONE_R_HART);
    const busy = retired(2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(retired(ZONE_R_HART)).toBe(frozen);
    expect(retired(2)).toBeGreaterThan(busy + 1_000_000);
    await until('the pause event', () => stops.some((s) => s.zone === ZONE_R && s.reason === 'pause'));
    // zoneU's harts were never held.
    expect((await inspect.zoneState(ZONE_U)).harts.every((h) => !h.held && h.status !== 'paused')).toBe(true);
  });

  it('single-steps one instruction: the pc moves by the instruction length or to a branch target', async () => {
    let sequential = 0;
    for (let i = 0; i < 12; i++) {
      const before = (await inspect.zoneState(ZONE_R)).harts[0]!;
      const line = before.disassembly.find((l) => l.current)!;
      expect(line, 'the pc is in the disassembly').toBeDefined();
      const after = (await inspect.step(ZONE_R, ZONE_R_HART)).harts[0]!;
      expect(after.lastStop?.reason).toBe('step');
      expect(after.pc).not.toBe(before.pc);
      const delta = BigInt(after.pc) - BigInt(before.pc);
      if (delta === BigInt(line.bytes.split(' ').length)) sequential++;
      expect(retired(ZONE_R_HART)).toBeLessThanOrEqual(before.retired + 1);
    }
    expect(sequential).toBeGreaterThan(0);
    await until('the step event', () => stops.some((s) => s.zone === ZONE_R && s.reason === 'step'));
  });

  it('shows a timer interrupt pending in the paused hart (STIP in sip)', async () => {
    await until('STIP', () => {
      const sip = inspect.zoneState(ZONE_R).harts[0]!.csrs.find((c) => c.name === 'sip');
      return sip?.summary.includes('STIP') ?? false;
    }, 3000);
  });

  it('stops zoneR at a breakpoint in its timer handler and continues from it', async () => {
    const handler = symbol('zone_trap');
    stops.length = 0;
    await inspect.setBreakpoint(ZONE_R, `0x${handler.toString(16)}`);
    await inspect.resume(ZONE_R);
    await until('the breakpoint', () => stops.some((s) => s.reason === 'breakpoint'));
    const hit = stops.find((s) => s.reason === 'breakpoint')!;
    expect(hit).toMatchObject({ zone: ZONE_R, hart: ZONE_R_HART, pc: `0x${handler.toString(16).padStart(16, '0')}` });
    await until('the zone held', () => inspect.zoneState(ZONE_R).paused);
    const state = inspect.zoneState(ZONE_R);
    expect(state.breakpoint).toBe(hit.pc);
    expect(state.harts[0]!.pc).toBe(hit.pc);
    expect(state.harts[0]!.disassembly.find((l) => l.current)?.breakpoint).toBe(true);
    expect(state.harts[0]!.csrs.find((c) => c.name === 'scause')!.summary).toContain('supervisor timer interrupt');

    // Continue: it runs the handler and comes back on the next tick.
    const count = state.harts[0]!.lastStop!.count;
    await inspect.resume(ZONE_R);
    await until('the next hit', () => (inspect.zoneState(ZONE_R).harts[0]!.lastStop?.count ?? 0) > count);
    expect(inspect.zoneState(ZONE_R).harts[0]!.pc).toBe(hit.pc);

    await inspect.setBreakpoint(ZONE_R, null);
    await inspect.resume(ZONE_R);
    const running = retired(ZONE_R_HART);
    await until('zoneR running again', () => retired(ZONE_R_HART) > running + 1000);
    expect(inspect.zoneState(ZONE_R).paused).toBe(false);
  });

  it("inspects the PLIC: the root's UART source 10 is zone 0's and hw; every live zone has a vPLIC", () => {
    const state = inspect.interruptControllers();
    const plic = state.controllers.find((c) => c.id === 'plic')!;
    expect(plic.kind).toBe('sifive-plic');
    const uart = plic.sources.find((s) => s.id === 10)!;
    expect(uart).toMatchObject({ owner: 0, hw: true });
    expect(plic.contexts).toHaveLength(8);
    expect(plic.contexts[1]).toMatchObject({ hart: 0, mode: 'S' });
    expect(plic.registers.map((r) => r.name)).toEqual(['priority', 'pending', 'enable', 'threshold', 'claim']);
    expect(state.controllers.map((c) => c.id)).toEqual(['plic', 'vplic.0', 'vplic.1', 'vplic.2']);
    const root = state.controllers.find((c) => c.id === 'vplic.0')!;
    expect(root.sources.find((s) => s.id === 10)).toMatchObject({ owner: 0, hw: true });
    expect(root.contexts).toEqual([expect.objectContaining({ label: 'vctx 1', hart: 0 })]);
    expect(state.controllers.find((c) => c.id === 'vplic.1')!.contexts.map((c) => c.hart)).toEqual([1, 2]);
  });
});
