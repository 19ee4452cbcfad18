/**
 * The GDB stub on aarch64 (issue 12): zoneR of examples/aarch64-zones (CPU 3, the translation tier on)
 * debugged with Debian's gdb-multiarch while the root and zoneU run on: connect, the A64 target
 * description (core and fpu), two breakpoints (the timer handler and a function it calls), continue, read a
 * variable, watch a store, step, detach; zoneR
 * keeps printing afterwards. Skipped with a message when gdb-multiarch is not installed.
 */
import { execFile, execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLayout } from '../../src/host/layout-loader';
import { startGdbServer, type GdbServer } from '../../src/host/gdb/server';
import { startMachine, type LiveMachine } from '../helpers/live-machine';

const ELF = 'guest/aarch64/bin/zones-r.elf';

function hasGdb(): boolean {
  try {
    execFileSync('gdb-multiarch', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const gdbInstalled = hasGdb();
if (!gdbInstalled) console.warn('tests/boot/gdb-aarch64.test.ts: skipped: gdb-multiarch is not installed (bash scripts/install-deps.sh installs it)');

function gdb(port: number, commands: readonly string[]): Promise<string> {
  const args = ['-nx', '-batch', '-ex', 'set architecture aarch64', '-ex', 'set pagination off', '-ex', `target remote 127.0.0.1:${port}`];
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

describe.skipIf(!gdbInstalled)('GDB stub with gdb-multiarch on aarch64 zoneR', () => {
  let machine: LiveMachine;
  let server: GdbServer;

  beforeAll(async () => {
    machine = await startMachine(await loadLayout('examples/aarch64-zones'));
    await machine.waitFor('zoneR', 'latency min=', 60_000);
    server = await startGdbServer(machine.host, 'zoneR', 0, ELF);
  });

  afterAll(async () => {
    await server?.close();
    await machine?.stop();
  });

  it('connects, breaks at the timer handler, reads a variable, steps and detaches', async () => {
    expect(server.commandLine).toBe(`gdb-multiarch -ex 'set architecture aarch64' -ex 'target remote 127.0.0.1:${server.port}' ${path.resolve(ELF)}`);
    const transcript = await gdb(server.port, [
      'info threads',
      'break zone_irq',
      'break vtimer_set',
      'continue',
      'print/x $pc',
      'print (unsigned long)count',
      'info registers sp cpsr',
      'info registers esr_el1 vbar_el1 currentel',
      'print $v0.d[0]',
      'continue',
      'delete',
      'watch *(unsigned long *)&deadline',
      'continue',
      'delete',
      'stepi',
      'print/x $pc',
      'detach',
    ]);
    console.log(transcript);
    expect(transcript).toMatch(/\* 1\s+Thread 1/);
    const placed = BigInt(/Breakpoint 1 at (0x[0-9a-f]+)/.exec(transcript)?.[1] ?? '0');
    expect(transcript).toMatch(new RegExp(`Breakpoint 1, 0x0*${placed.toString(16)} in zone_irq \\(\\)`));
    expect(transcript).toContain(`$1 = 0x${placed.toString(16)}`);
    expect(transcript).toMatch(/\$2 = \d+/);
    expect(transcript).toMatch(/sp\s+0x710[0-9a-f]+/);
    expect(transcript).toMatch(/cpsr\s+0x[0-9a-f]+/);
    // EL1 system registers by name: zoneR's vector table is in its image, it runs at EL1.
    expect(transcript).toMatch(/vbar_el1\s+0x710[0-9a-f]+/);
    expect(transcript).toMatch(/currentel\s+0x4\s/);
    expect(transcript).toMatch(/esr_el1\s+0x[0-9a-f]+/);
    expect(transcript).toMatch(/\$3 = /);
    // The second breakpoint, in the function the handler calls.
    expect(transcript).toMatch(/Breakpoint 2, 0x[0-9a-f]+ in vtimer_set \(\)/);
    const second = BigInt(/Breakpoint 2 at (0x[0-9a-f]+)/.exec(transcript)?.[1] ?? '0');
    // The store to deadline in the handler: a hardware watchpoint with the old and new values.
    expect(transcript).toContain('Hardware watchpoint 3: *(unsigned long *)&deadline');
    expect(transcript).toMatch(/Old value = \d+\s+New value = \d+/);
    expect(transcript).toMatch(/\$4 = 0x710[0-9a-f]+/);
    expect(transcript).toMatch(/\[Inferior 1 \(Remote target\) detached\]/);
    expect(transcript).not.toMatch(/Remote connection closed|Remote communication error|Truncated register/);
  });

  it('leaves zoneR running after the detach', async () => {
    const from = machine.output('zoneR').length;
    await machine.waitFor('zoneR', 'latency min=', 10_000, from);
    expect(machine.host.heldHarts.has(3)).toBe(false);
    expect(machine.faults).toEqual([]);
  });
});
