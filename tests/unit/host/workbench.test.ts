/**
 * The workbench's services as a new user meets them: its own shell reaches it with `hvwb zone`, the
 * hypervisor log keeps zone starts, shutdowns and faults for a view that opens late, the harts'
 * counters move and restart with their zone, a faulted vCPU's disassembly shows the faulting
 * instruction, the SBI console writes CR LF as OpenSBI does, and a layout with errors still opens.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkbenchServices } from '../../../src/host/services';
import { createWorkbenchServices } from '../../../src/host/workbench';
import type { EventName, Events, LayoutSnapshot } from '../../../src/shared/protocol/index';

const repo = path.resolve(import.meta.dirname, '../../..');

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function record(services: WorkbenchServices): { of<E extends EventName>(event: E): Events[E][] } {
  const seen: { event: EventName; payload: unknown }[] = [];
  services.onEvent((event, payload) => seen.push({ event, payload }));
  return { of: <E extends EventName>(event: E) => seen.filter((e) => e.event === event).map((e) => e.payload as Events[E]) };
}

/** Runs a command line in a new shell of the workbench and returns what it printed up to `done`. */
async function inShell(services: WorkbenchServices, line: string, done: RegExp): Promise<string> {
  let output = '';
  const subscription = services.onEvent((event, payload) => {
    if (event === 'shell.output') output += (payload as Events['shell.output']).data;
  });
  const { id } = await services.invoke('shell.open', { cols: 200, rows: 50 });
  try {
    await services.invoke('shell.input', { id, data: `${line}; echo "__done $?"\r` });
    await until(`"${line}" in the shell`, () => done.test(output), 60_000).catch((error: Error) => {
      throw new Error(`${error.message}; the shell shows:\n${output}`);
    });
    return output;
  } finally {
    await services.invoke('shell.close', { id });
    subscription.dispose();
  }
}

describe('the workbench on the zones example', () => {
  let zones: WorkbenchServices;
  let other: WorkbenchServices;
  let events: ReturnType<typeof record>;

  beforeAll(async () => {
    zones = await createWorkbenchServices({ layoutPath: path.join(repo, 'examples/riscv64-zones'), autoStart: true });
    events = record(zones);
    // A second workbench in the same process: each one's shell must still reach its own.
    other = await createWorkbenchServices({ layoutPath: path.join(repo, 'examples/riscv64-hello'), autoStart: false });
    await until('zoneU to run', async () => (await zones.invoke('layout.get', {})).zones.some((z) => z.id === 1 && z.state === 'running'));
  }, 60_000);

  afterAll(async () => {
    await other?.dispose();
    await zones?.dispose();
  });

  it("sets HVWB_CONTROL in its own shell, so `hvwb zone list` there lists this workbench's zones", async () => {
    const mine = await inShell(zones, 'hvwb zone list', /__done \d/);
    expect(mine).toMatch(/\|\s+2 \|\s+3 \|\s+zoneR \|\s+running \|/);
    const theirs = await inShell(other, 'hvwb zone list', /__done \d/);
    expect(theirs).not.toContain('zoneR');
  }, 90_000);

  it('keeps zone starts, shutdowns and faults in the hypervisor log for a view that opens late', async () => {
    const shut = await zones.invoke('zone.shutdown', { id: 1 });
    expect(shut.code).toBe(0);
    const started = await zones.invoke('zone.start', { config: 'zone-u.json' });
    expect(started.code, started.message).toBe(0);
    const { lines } = await zones.invoke('hypervisor.backlog', {});
    const text = lines.map((l) => l.line);
    // Each event once, in hvisor's words or the workbench's, whichever reported it first.
    const count = (pattern: RegExp): number => text.filter((l) => pattern.test(l)).length;
    expect(count(/zone 0 \(root-linux\) started on (cpu|hart) 0$/), text.join('\n')).toBe(1);
    expect(count(/zone 2 \(zoneR\) started on (cpu|hart) 3$/), text.join('\n')).toBe(1);
    expect(count(/zone 1 \(zoneU\) started on (cpus|harts) 1, 2$/), text.join('\n')).toBe(2);
    expect(count(/zone 1( \(zoneU\))? shut down$/), text.join('\n')).toBe(1);
    // The backlog and the events are one sequence: a late view can join them without duplicates.
    const live = events.of('hypervisor.log');
    expect(live.length).toBeGreaterThan(0);
    for (const line of live) expect(lines.find((l) => l.seq === line.seq)?.line).toBe(line.line);
  }, 60_000);

  it("republishes the harts' counters while they run, and counts a restarted zone from its start", async () => {
    const before = events.of('machine.state').length;
    const hartOf = (snapshot: LayoutSnapshot, zone: number, hart: number): number => snapshot.zones.find((z) => z.id === zone)!.harts.find((h) => h.id === hart)!.retired;
    // Two events may come close together (a state change and a refresh), so wait for a later one that
    // shows zoneR's hart 3 further on than the first: counters are republished while they move.
    await until('a later state event with zoneR\'s counter moved on', () => {
      const states = events.of('machine.state').slice(before);
      return states.length >= 2 && hartOf(states.at(-1)!, 2, 3) > hartOf(states[0]!, 2, 3);
    }, 20_000);

    // zoneU's hart 2 busy-loops: millions of instructions a second.
    await until('zoneU to count three million', async () => hartOf(await zones.invoke('layout.get', {}), 1, 2) > 3_000_000);
    const shut = await zones.invoke('zone.shutdown', { id: 1 });
    expect(shut.code).toBe(0);
    const stopped = await zones.invoke('layout.get', {});
    expect(stopped.zones.find((z) => z.id === 1)!.harts.map((h) => h.retired)).toEqual([0, 0]);
    expect((await zones.invoke('zone.start', { config: 'zone-u.json' })).code).toBe(0);
    // Counted since the restart: the first state after it is far below three million.
    const again = await zones.invoke('layout.get', {});
    expect(hartOf(again, 1, 2)).toBeLessThan(3_000_000);
  }, 60_000);
});

/**
 * A supervisor-mode root program, hand-assembled (riscv64-unknown-elf-as -march=rv64imac, no C):
 *   li a7,1; li a0,'A'; ecall; li a0,'\n'; ecall; li a0,'B'; ecall; li a0,'\n'; ecall   (legacy putchar)
 *   li t0,0x100; nop; sd zero,8(t0)   <- 0x2c: no zone mapping at 0x108, a stage-2 fault
 *   nop; j .
 */
const FAULTING_PROGRAM = [
  0x00100893, 0x04100513, 0x00000073, 0x00a00513, 0x00000073, 0x04200513, 0x00000073, 0x00a00513, 0x00000073, 0x10000293, 0x00000013,
  0x0002b423, 0x00000013, 0x0000006f,
];
const FAULT_OFFSET = 0x2c;

describe('a root program that prints with SBI putchar, then faults', () => {
  let dir: string;
  let services: WorkbenchServices;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'hvwb-fault-'));
    await writeFile(path.join(dir, 'program.bin'), new Uint8Array(new Uint32Array(FAULTING_PROGRAM).buffer));
    await writeFile(path.join(dir, 'layout.json'), JSON.stringify({ name: 'faulting', board: 'qemu-plic', root: { image: 'program.bin', mode: 'supervisor', cpus: [0] }, zones: [] }));
    services = await createWorkbenchServices({ layoutPath: dir, autoStart: true });
    await until('the fault', async () => (await services.invoke('layout.get', {})).zones[0]?.state === 'error');
  }, 60_000);

  afterAll(async () => {
    await services?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('writes each LF as CR LF, as OpenSBI does', async () => {
    const { data } = await services.invoke('serial.backlog', { zone: 0 });
    // What the program printed, then the fault: in the order it happened.
    expect(data.startsWith('A\r\nB\r\n'), JSON.stringify(data)).toBe(true);
    expect(data.replaceAll('\r\n', ''), 'no bare LF').not.toContain('\n');
  });

  it("shows the faulting instruction as the faulted vCPU's current line", async () => {
    // The zone's error state is set from the vCPU's fault callback, just before the vCPU publishes its own
    // status and snapshot: under load a view may ask in between, so wait for the vCPU's side too.
    await until("the vCPU's faulted status", async () => (await services.invoke('inspect.cpus', { zone: 0 })).cpus[0]?.status === 'faulted', 10_000);
    const hart = (await services.invoke('inspect.cpus', { zone: 0 })).cpus[0]!;
    const current = hart.disassembly.find((line) => line.current);
    expect(current?.text).toBe('sd zero,8(t0)');
    expect(BigInt(current!.address)).toBe(BigInt(hart.pc));
    expect(Number(BigInt(hart.pc) & 0xfffn)).toBe(FAULT_OFFSET);
  });

  it('logs the fault in the hypervisor log', async () => {
    const { lines } = await services.invoke('hypervisor.backlog', {});
    expect(lines.some((l) => /^zone 0 \(root-linux\) stopped on an error: .*stage-2 write fault at guest-physical address 0x108/.test(l.line))).toBe(true);
  });
});

describe('a layout with errors', () => {
  let dir: string;
  let services: WorkbenchServices;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'hvwb-invalid-'));
    await cp(path.join(repo, 'examples/riscv64-zones'), dir, { recursive: true });
    for (const name of ['layout.json', 'zone-r.json', 'zone-u.json']) {
      const file = path.join(dir, name);
      await writeFile(file, (await readFile(file, 'utf8')).replaceAll('../../guest/', `${repo}/guest/`));
    }
    const zoneR = path.join(dir, 'zone-r.json');
    await writeFile(zoneR, (await readFile(zoneR, 'utf8')).replace('"cpus": [3]', '"cpus": [3, 9]'));
  });

  afterAll(async () => {
    await services?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('opens with its findings instead of failing, lets the editor read it, and starts once fixed', async () => {
    services = await createWorkbenchServices({ layoutPath: dir, autoStart: true });
    const snapshot = await services.invoke('layout.get', {});
    expect(snapshot.state).toBe('idle');
    expect(snapshot.name).toBe('riscv64-zones');
    expect(snapshot.problem).toContain('zone-r.json');
    expect(snapshot.problem).toContain('cpus: hart 9 does not exist on qemu-plic');
    const files = await services.invoke('layout.files', {});
    expect(files.files.map((f) => f.path)).toEqual(['layout.json', 'zone-u.json', 'zone-r.json']);
    await expect(services.invoke('zone.list', {})).rejects.toThrow(/hart 9 does not exist/);
    await expect(services.invoke('machine.start', {})).rejects.toThrow(/still cannot start[\s\S]*hart 9/);

    const zoneR = files.files.find((f) => f.path === 'zone-r.json')!;
    await services.invoke('layout.save', { files: [{ path: 'zone-r.json', text: zoneR.text.replace('"cpus": [3, 9]', '"cpus": [3]') }] });
    const started = await services.invoke('machine.start', {});
    expect(started.problem).toBeUndefined();
    expect(started.state).toBe('running');
    expect(started.zones.map((z) => z.name)).toEqual(['root-linux', 'zoneU', 'zoneR']);
  }, 60_000);
});
