/**
 * The inspectors on a real machine (examples/riscv64-zones on the vCPU workers): pausing zoneR while
 * zoneU runs on, single steps, a breakpoint in zoneR's timer handler, and the PLIC / vPLIC state.
 */
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLayout } from '../../../src/host/layout-loader';
import { InspectService } from '../../../src/host/inspect-service';
import type { CpuRegisterState, Events, RegisterValueData } from '../../../src/shared/protocol/index';
import { startMachine, type LiveMachine } from '../../helpers/live-machine';
import type { SharedRegion } from '../../../src/core/bus/types';
import { CPU_INSPECT_BYTES, publishInspect } from '../../../src/core/cpu/cpu-inspect';
import { debugWords, readDebugTable } from '../../../src/core/cpu/hart-snapshot';

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

/** A register of a CPU's state, by name, in whichever group holds it. */
function register(cpu: CpuRegisterState, name: string): RegisterValueData {
  const found = cpu.groups.flatMap((g) => g.registers).find((r) => r.name === name);
  if (!found) throw new Error(`no register ${name} in ${cpu.groups.map((g) => g.name).join(', ')}`);
  return found;
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
    expect(state.cpuNoun).toBe('hart');
    expect(state.cpus.map((h) => h.status)).toEqual(['paused']);
    expect(state.cpus[0]!.held).toBe(true);
    expect(state.cpus[0]!.level).toBe('S-mode');
    expect(state.cpus[0]!.groups.map((g) => g.name)).toEqual(['General', 'Privilege', 'Supervisor', 'Machine', 'Float']);
    expect(register(state.cpus[0]!, 'satp').summary).toMatch(/^Bare/);
    expect(register(state.cpus[0]!, 'satp').fields?.find((f) => f.name === 'MODE')?.meaning).toBe('Bare');
    // FP registers carry their readings as double and single.
    expect(register(state.cpus[0]!, 'fa0').readings?.map((r) => r.label)).toEqual(['double', 'single']);
    const frozen = retired(ZONE_R_HART);
    const busy = retired(2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(retired(ZONE_R_HART)).toBe(frozen);
    expect(retired(2)).toBeGreaterThan(busy + 1_000_000);
    await until('the pause event', () => stops.some((s) => s.zone === ZONE_R && s.reason === 'pause'));
    // zoneU's harts were never held.
    expect((await inspect.zoneState(ZONE_U)).cpus.every((h) => !h.held && h.status !== 'paused')).toBe(true);
  });

  it('single-steps one instruction: the pc moves by the instruction length or to a branch target', async () => {
    let sequential = 0;
    for (let i = 0; i < 12; i++) {
      const before = (await inspect.zoneState(ZONE_R)).cpus[0]!;
      const line = before.disassembly.find((l) => l.current)!;
      expect(line, 'the pc is in the disassembly').toBeDefined();
      const after = (await inspect.step(ZONE_R, ZONE_R_HART)).cpus[0]!;
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
      const sip = register(inspect.zoneState(ZONE_R).cpus[0]!, 'sip');
      return sip.summary?.includes('STIP') ?? false;
    }, 3000);
  });

  it('stops zoneR at a breakpoint in its timer handler and continues from it', async () => {
    const handler = symbol('zone_trap');
    stops.length = 0;
    await inspect.setBreakpoint(ZONE_R, `0x${handler.toString(16)}`);
    await inspect.resume(ZONE_R);
    await until('the breakpoint', () => stops.some((s) => s.reason === 'breakpoint'));
    const hit = stops.find((s) => s.reason === 'breakpoint')!;
    expect(hit).toMatchObject({ zone: ZONE_R, cpu: ZONE_R_HART, pc: `0x${handler.toString(16).padStart(16, '0')}` });
    await until('the zone held', () => inspect.zoneState(ZONE_R).paused);
    const state = inspect.zoneState(ZONE_R);
    expect(state.points.points.map((p) => [p.kind, p.address, p.symbol, p.hit])).toEqual([['execute', hit.pc, 'zone_trap', true]]);
    expect(state.cpus[0]!.pc).toBe(hit.pc);
    expect(state.cpus[0]!.disassembly.find((l) => l.current)?.breakpoint).toBe(true);
    expect(register(state.cpus[0]!, 'scause').summary).toContain('supervisor timer interrupt');

    // Continue: it steps over the breakpoint (a step stop of its own), runs the handler and comes back
    // on the next tick.
    const count = state.cpus[0]!.lastStop!.count;
    await inspect.resume(ZONE_R);
    await until('the next hit', () => {
      const stop = inspect.zoneState(ZONE_R).cpus[0]!.lastStop;
      return stop?.reason === 'breakpoint' && stop.count > count;
    });
    expect(inspect.zoneState(ZONE_R).cpus[0]!.pc).toBe(hit.pc);

    await inspect.setBreakpoint(ZONE_R, null);
    await inspect.resume(ZONE_R);
    const running = retired(ZONE_R_HART);
    await until('zoneR running again', () => retired(ZONE_R_HART) > running + 1000);
    expect(inspect.zoneState(ZONE_R).paused).toBe(false);
  });

  it("names zoneR's addresses from its ELF: the pc and every disassembly line", async () => {
    const state = await inspect.pause(ZONE_R);
    expect(state.symbols.file).toMatch(/zones-r\.elf$/);
    expect(state.symbols.count).toBeGreaterThan(50);
    const cpu = state.cpus[0]!;
    const pc = BigInt(cpu.pc);
    // Whatever function the pc is in, the name and offset agree with nm's address for it.
    const [name, offset] = cpu.pcSymbol!.split('+');
    expect(symbol(name!) + BigInt(offset ?? '0')).toBe(pc);
    for (const line of cpu.disassembly) expect(line.symbol, line.address).toMatch(/^[\w.]+(\+0x[0-9a-f]+)?$/);
    await inspect.resume(ZONE_R);
  });

  it('a list of breakpoints and watchpoints by symbol: hits say which, limits are refused with a message', async () => {
    stops.length = 0;
    const execute = inspect.invoke('zone.point.add', { zone: ZONE_R, location: 'zone_trap', kind: 'execute' });
    let state = (await execute) as Awaited<ReturnType<InspectService['zoneState']>>;
    const bp = state.points.points.find((p) => p.symbol === 'zone_trap')!;
    expect(BigInt(bp.address)).toBe(symbol('zone_trap'));
    await until('the breakpoint by name', () => inspect.zoneState(ZONE_R).points.hit !== null);
    expect(inspect.zoneState(ZONE_R).points.hit).toBe(`breakpoint ${bp.id} at zone_trap`);
    await inspect.invoke('zone.point.enable', { zone: ZONE_R, id: bp.id, enabled: false });

    // A write watchpoint on the timer deadline (zoneR stores the next deadline on every tick).
    state = (await inspect.invoke('zone.point.add', { zone: ZONE_R, location: 'deadline', kind: 'write' })) as typeof state;
    const wp = state.points.points.find((p) => p.kind === 'write')!;
    expect(wp).toMatchObject({ symbol: 'deadline', length: 8, enabled: true });
    await inspect.resume(ZONE_R);
    await until('the watchpoint', () => inspect.zoneState(ZONE_R).points.points.find((p) => p.id === wp.id)!.hit);
    state = inspect.zoneState(ZONE_R);
    expect(state.points.hit).toMatch(new RegExp(`^watchpoint ${wp.id} \\(write\\) on deadline: written at deadline by pc \\w+\\+0x[0-9a-f]+$`));
    expect(state.cpus[0]!.pcSymbol).toBe(state.points.hit!.split(' by pc ')[1]);

    // Four watchpoints fit the table; a fifth is refused and not listed.
    for (const name of ['count', 'sum', 'min']) await inspect.invoke('zone.point.add', { zone: ZONE_R, location: name, kind: 'access' });
    await expect(inspect.invoke('zone.point.add', { zone: ZONE_R, location: 'max', kind: 'read' })).rejects.toThrow(/already has 4 watchpoints enabled/);
    await expect(inspect.invoke('zone.point.add', { zone: ZONE_R, location: 'no_such_thing', kind: 'execute' })).rejects.toThrow(/no symbol 'no_such_thing' in .*zones-r\.elf/);
    state = inspect.zoneState(ZONE_R);
    expect(state.points.points).toHaveLength(5);
    for (const point of state.points.points) await inspect.invoke('zone.point.remove', { zone: ZONE_R, id: point.id });
    await inspect.resume(ZONE_R);
    const running = retired(ZONE_R_HART);
    await until('zoneR running again', () => retired(ZONE_R_HART) > running + 1000);
    expect(inspect.zoneState(ZONE_R).points.points).toEqual([]);
  });

  it("while gdb is attached the debug table is gdb's: the list is read-only, and armed again when gdb leaves", async () => {
    const words = (): Int32Array => {
      const own = (machine.host.view as { cpuDebugWords?: (cpu: number) => Int32Array }).cpuDebugWords?.(ZONE_R_HART);
      if (own) return own;
      const region = machine.host.view.hartRegion(ZONE_R_HART);
      return debugWords(region.buffer, region.byteOffset);
    };
    // zone_main's entry runs once at boot: armed, it never stops the zone here.
    const state = (await inspect.invoke('zone.point.add', { zone: ZONE_R, location: 'zone_main', kind: 'execute' })) as ReturnType<InspectService['zoneState']>;
    const id = state.points.points[0]!.id;
    expect(readDebugTable(words()).breakpoints).toEqual([symbol('zone_main')]);
    const stub = await inspect.gdbStub(ZONE_R);
    const client = net.connect(stub.port, '127.0.0.1');
    await once(client, 'connect');
    await until('gdb to own the table', () => inspect.zoneState(ZONE_R).points.gdbOwns);
    // A new client starts from an empty table; the view's entry stays listed.
    expect(readDebugTable(words()).breakpoints).toEqual([]);
    expect(inspect.zoneState(ZONE_R).points.points.map((p) => p.id)).toEqual([id]);
    await expect(inspect.invoke('zone.point.add', { zone: ZONE_R, location: 'zone_trap', kind: 'execute' })).rejects.toThrow(/^gdb is attached to zoneR/);
    await expect(inspect.invoke('zone.point.remove', { zone: ZONE_R, id })).rejects.toThrow(/^gdb is attached to zoneR/);
    client.destroy();
    await until('gdb to leave', () => !inspect.zoneState(ZONE_R).points.gdbOwns);
    expect(readDebugTable(words()).breakpoints).toEqual([symbol('zone_main')]);
    await inspect.invoke('zone.point.remove', { zone: ZONE_R, id });
    expect(readDebugTable(words()).breakpoints).toEqual([]);
    // gdb's detach leaves the zone running.
    const running = retired(ZONE_R_HART);
    await until('zoneR running', () => retired(ZONE_R_HART) > running + 1000);
  });

  it("inspects the PLIC: the root's UART source 10 is zone 0's and hw; every live zone has a vPLIC", () => {
    const state = inspect.interruptControllers();
    const plic = state.controllers.find((c) => c.id === 'plic')!;
    expect(plic).toMatchObject({ kind: 'sifive-plic', title: 'PLIC (physical)', zone: null });
    const uart = plic.lines.rows.find((r) => r.key === '10')!;
    expect(uart.cells).toMatchObject({ id: 10, owner: 0, hw: 'hw' });
    expect(uart.owner).toBe(0);
    expect(plic.lines.columns.map((c) => c.label)).toEqual(['IRQ', 'Priority', 'Pending', 'Active', 'Level', 'Owner', 'Kind']);
    expect(plic.targets!.rows).toHaveLength(8);
    expect(plic.targets!.rows[1]!.cells).toMatchObject({ context: 'ctx 1', hart: 0, mode: 'S' });
    expect(plic.registerMap.map((r) => r.name)).toEqual(['priority', 'pending', 'enable', 'threshold', 'claim']);
    expect(state.controllers.map((c) => c.id)).toEqual(['plic', 'vplic.0', 'vplic.1', 'vplic.2']);
    expect(state.legend?.map((l) => l.label)).toEqual(['hw', 'virtual']);
    const root = state.controllers.find((c) => c.id === 'vplic.0')!;
    expect(root.title).toBe('vPLIC of zone 0 (root-linux)');
    expect(root.lines.rows.find((r) => r.key === '10')?.cells).toMatchObject({ owner: 0, hw: 'hw' });
    expect(root.targets!.rows.map((r) => r.cells)).toEqual([expect.objectContaining({ context: 'vctx 1', hart: 0 })]);
    expect(state.controllers.find((c) => c.id === 'vplic.1')!.targets!.rows.map((r) => r.cells.hart)).toEqual([1, 2]);
  });

  it('serves the generic snapshot once a vCPU publishes one in its inspect region, disassembling RAM at its physical pc', () => {
    const legacy = inspect.zoneState(ZONE_R).cpus[0]!;
    const current = legacy.disassembly.find((l) => l.current)!;
    const regions = new Map<number, SharedRegion>();
    const view = machine.host.view as unknown as { cpuInspectRegion?: (cpu: number) => SharedRegion };
    view.cpuInspectRegion = (cpu) => {
      const region = regions.get(cpu) ?? { buffer: new SharedArrayBuffer(CPU_INSPECT_BYTES), byteOffset: 0, byteLength: CPU_INSPECT_BYTES };
      regions.set(cpu, region);
      return region;
    };
    try {
      // Nothing published there yet: the hart's own debug-area snapshot still serves.
      expect(inspect.zoneState(ZONE_R).cpus[0]!.groups[0]!.name).toBe('General');
      publishInspect(view.cpuInspectRegion(ZONE_R_HART), {
        arch: 'riscv64',
        cpu: ZONE_R_HART,
        pc: current.address,
        pcPhysical: legacy.pcPhysical!,
        level: 'S-mode',
        groups: [{ name: 'Custom', registers: [{ name: 'r0', value: 5n, fields: [{ name: 'low', lsb: 0, width: 4, value: '5' }] }] }],
      });
      const cpu = inspect.zoneState(ZONE_R).cpus[0]!;
      expect(cpu.snapshot).toBe(1);
      expect(cpu.level).toBe('S-mode');
      expect(cpu.groups).toEqual([{ name: 'Custom', registers: [{ name: 'r0', value: '0x0000000000000005', fields: [{ name: 'low', lsb: 0, width: 4, value: '5' }] }] }]);
      const line = cpu.disassembly.find((l) => l.current)!;
      expect(line.address).toBe(current.address);
      expect(line.text).toBe(current.text);
    } finally {
      delete view.cpuInspectRegion;
    }
  });
});
