/**
 * The GDB stub against Debian's gdb-multiarch (issue 12): zoneR of examples/riscv64-zones (hart 3)
 * debugged while zoneU and the root run on: connect, break at zoneR's timer handler, continue, read a
 * variable, watch a store, step, detach; zoneR keeps printing after the detach. Skipped with a message
 * when gdb-multiarch is not installed (scripts/install-deps.sh installs it).
 */
import { execFile, execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLayout } from '../../src/host/layout-loader';
import { startGdbServer, type GdbServer } from '../../src/host/gdb/server';
import { startMachine, type LiveMachine } from '../helpers/live-machine';

const ELF = 'guest/riscv64/bin/zones-r.elf';
const ZONE_R_HART = 3;

function hasGdb(): boolean {
  try {
    execFileSync('gdb-multiarch', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const gdbInstalled = hasGdb();
if (!gdbInstalled) console.warn('tests/boot/gdb.test.ts: skipped: gdb-multiarch is not installed (bash scripts/install-deps.sh installs it)');

/** Runs gdb-multiarch in batch mode with the given commands after connecting; resolves with its output. */
function gdb(port: number, commands: readonly string[]): Promise<string> {
  const args = ['-nx', '-batch', '-ex', 'set architecture riscv:rv64', '-ex', 'set pagination off', '-ex', `target remote 127.0.0.1:${port}`];
  for (const c of commands) args.push('-ex', c);
  args.push(ELF);
  return new Promise((resolve, reject) => {
    execFile('gdb-multiarch', args, { timeout: 60_000 }, (error, stdout, stderr) => {
      const text = `${stdout}${stderr}`;
      if (error && !text) reject(error);
      else resolve(text);
    });
  });
}

function symbol(name: string): bigint {
  const out = execFileSync('riscv64-unknown-elf-nm', [ELF], { encoding: 'utf8' });
  const line = out.split('\n').find((l) => l.endsWith(` ${name}`));
  if (!line) throw new Error(`${ELF} has no symbol ${name}`);
  return BigInt(`0x${line.split(' ')[0]}`);
}

describe.skipIf(!gdbInstalled)('GDB stub with gdb-multiarch on zoneR', () => {
  let machine: LiveMachine;
  let server: GdbServer;

  beforeAll(async () => {
    machine = await startMachine(await loadLayout('examples/riscv64-zones'));
    await machine.waitFor('zoneR', 'latency min=', 60_000);
    server = await startGdbServer(machine.host, 'zoneR', 0, ELF);
  });

  afterAll(async () => {
    await server?.close();
    await machine?.stop();
  });

  it('prints a ready command line on 127.0.0.1', () => {
    expect(server.zone).toBe(2);
    expect(server.commandLine).toBe(`gdb-multiarch -ex 'set architecture riscv:rv64' -ex 'target remote 127.0.0.1:${server.port}' ${ELF}`);
  });

  it('connects, breaks at a symbol, reads a variable, watches a store, steps and detaches', async () => {
    const transcript = await gdb(server.port, [
      'info threads',
      'break zone_trap',
      'continue',
      'print/x $pc',
      'print (unsigned long)count',
      'info registers sp',
      'info registers ft0',
      'delete',
      'watch *(unsigned long *)&deadline',
      'continue',
      'print/x $pc',
      'delete',
      'stepi',
      'print/x $pc',
      'detach',
    ]);
    console.log(transcript);
    const handler = symbol('zone_trap');
    // The hart as gdb's thread 1, stopped at the breakpoint on zone_trap.
    expect(transcript).toMatch(/\* 1\s+Thread 1/);
    // gdb puts the breakpoint after zone_trap's prologue.
    const placed = BigInt(/Breakpoint 1 at (0x[0-9a-f]+)/.exec(transcript)?.[1] ?? '0');
    expect(placed >= handler && placed < handler + 32n).toBe(true);
    expect(transcript).toMatch(new RegExp(`Breakpoint 1, 0x0*${placed.toString(16)} in zone_trap \\(\\)`));
    expect(transcript).toContain(`$1 = 0x${placed.toString(16)}`);
    expect(transcript).toMatch(/\$2 = \d+/);
    expect(transcript).toMatch(/sp\s+0x89[0-9a-f]+/);
    expect(transcript).toMatch(/ft0\s+\{float = /);
    // The store to deadline in zone_trap: a hardware watchpoint, with the old and new values.
    expect(transcript).toContain('Hardware watchpoint 2: *(unsigned long *)&deadline');
    expect(transcript).toMatch(/Old value = \d+\s+New value = \d+/);
    // Stopped after the store (gdb stepped over it), then one instruction further.
    const watched = BigInt(/\$3 = (0x[0-9a-f]+)/.exec(transcript)?.[1] ?? '0');
    const stepped = BigInt(/\$4 = (0x[0-9a-f]+)/.exec(transcript)?.[1] ?? '0');
    expect(watched > handler).toBe(true);
    expect(stepped - watched === 2n || stepped - watched === 4n).toBe(true);
    expect(transcript).toMatch(/Detaching from program|Detaching from process|\[Inferior 1 \(Remote target\) detached\]/);
    expect(transcript).not.toMatch(/Remote connection closed|Remote communication error/);
  });

  it('leaves zoneR running after the detach, without breakpoints', async () => {
    const from = machine.output('zoneR').length;
    await machine.waitFor('zoneR', 'latency min=', 10_000, from);
    expect(machine.host.heldHarts.has(ZONE_R_HART)).toBe(false);
    expect(server.connected()).toBe(false);
    expect(machine.faults).toEqual([]);
  });
});
