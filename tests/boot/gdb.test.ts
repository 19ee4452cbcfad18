/**
 * The GDB stub against Debian's gdb-multiarch (issue 12): zoneR of examples/riscv64-zones (hart 3)
 * debugged while zoneU and the root run on: connect, break at zoneR's timer handler, continue, read a
 * variable, watch a store, step, detach; zoneR keeps printing after the detach. Skipped with a message
 * when gdb-multiarch is not installed (scripts/install-deps.sh installs it).
 */
import { execFile, execFileSync } from 'node:child_process';
import net from 'node:net';
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

/** A raw protocol client: what gdb's own Ctrl-C sends, which batch-mode gdb cannot. */
class RawClient {
  private text = '';
  private readonly socket: net.Socket;
  constructor(port: number) {
    this.socket = net.connect(port, '127.0.0.1');
    this.socket.on('data', (chunk: Buffer) => (this.text += chunk.toString('latin1')));
  }
  send(bytes: string): void {
    this.socket.write(Buffer.from(bytes, 'latin1'));
  }
  packet(payload: string): void {
    const sum = [...payload].reduce((s, c) => s + c.charCodeAt(0), 0) & 0xff;
    this.send(`$${payload}#${sum.toString(16).padStart(2, '0')}`);
  }
  /** Waits for a reply packet matching `pattern` among what arrived since the last call. */
  async expect(pattern: RegExp, timeoutMs = 10_000): Promise<string> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(this.text);
      if (match) {
        this.text = this.text.slice(match.index + match[0].length);
        return match[0];
      }
      if (Date.now() > until) throw new Error(`no ${pattern} from the stub; got ${JSON.stringify(this.text)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  close(): void {
    this.socket.destroy();
  }
}

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
    server = await startGdbServer(machine.host, 'zoneR', 0, ELF, process.cwd());
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
      'info registers satp scause priv',
      'set $sepc = 0',
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
    // The CSRs and privilege the hart published when it stopped: zoneR runs bare (satp 0) in S-mode,
    // in its timer interrupt's trap (scause: interrupt bit + 5).
    expect(transcript).toMatch(/satp\s+0x0\s/);
    expect(transcript).toMatch(/scause\s+0x8000000000000005\s/);
    expect(transcript).toMatch(/priv\s+0x1\s+prv:1 \[Supervisor\]/);
    // CSRs are read-only through the stub.
    expect(transcript).toMatch(/Could not write register "sepc"|Could not set register|E16/i);
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

  it('reports a watchpoint reached by a single step as that watchpoint, in gdb and on the wire', async () => {
    const transcript = await gdb(server.port, ['break zone_trap', 'continue', 'delete', 'watch *(unsigned long *)&deadline', 'stepi 200', 'print/x $pc', 'delete', 'detach']);
    // gdb stops stepping at the store and shows both values.
    expect(transcript).toMatch(/Hardware watchpoint 2: \*\(unsigned long \*\)&deadline\s+Old value = \d+\s+New value = \d+/);
    const pc = BigInt(/\$1 = (0x[0-9a-f]+)/.exec(transcript)?.[1] ?? '0');
    expect(pc > symbol('zone_trap') && pc < symbol('zone_trap') + 0x100n).toBe(true);

    // On the wire: the step that reaches the store answers with the watchpoint's stop reply (what any
    // client needs to tell a data stop from a completed step), not a plain T05.
    const client = new RawClient(server.port);
    try {
      const hex = (n: bigint): string => n.toString(16);
      client.packet(`Z0,${hex(symbol('zone_trap'))},4`);
      await client.expect(/\$OK#9a/);
      client.packet('c');
      await client.expect(/\$T05thread:1;swbreak:;#[0-9a-f]{2}/);
      client.packet(`z0,${hex(symbol('zone_trap'))},4`);
      await client.expect(/\$OK#9a/);
      client.packet(`Z2,${hex(symbol('deadline'))},8`);
      await client.expect(/\$OK#9a/);
      let reply = '';
      for (let i = 0; i < 200 && !reply.includes('watch:'); i++) {
        client.packet('s');
        reply = await client.expect(/\$T05[^#]*#[0-9a-f]{2}/);
      }
      expect(reply).toBe(`$T05thread:1;watch:${hex(symbol('deadline'))};#${reply.slice(-2)}`);
      client.packet('D');
      await client.expect(/\$OK#9a/);
    } finally {
      client.close();
    }
  });

  it('stops the running zone on Ctrl-C with SIGINT, and runs it again after the detach', async () => {
    const client = new RawClient(server.port);
    try {
      client.packet('c');
      await client.expect(/\+/);
      // Running: zoneR prints on.
      await machine.waitFor('zoneR', 'latency min=', 10_000, machine.output('zoneR').length);
      client.send('\x03');
      expect(await client.expect(/\$T02thread:1;#[0-9a-f]{2}/)).toContain('T02');
      expect(machine.host.heldHarts.has(ZONE_R_HART)).toBe(true);
      // A second Ctrl-C while stopped is ignored; '?' repeats the SIGINT stop.
      client.send('\x03');
      client.packet('?');
      expect(await client.expect(/\$T02thread:1;#[0-9a-f]{2}/)).toContain('T02');
      client.packet('D');
      await client.expect(/\$OK#9a/);
    } finally {
      client.close();
    }
  });

  it('leaves zoneR running after the detach, without breakpoints', async () => {
    const from = machine.output('zoneR').length;
    await machine.waitFor('zoneR', 'latency min=', 10_000, from);
    expect(machine.host.heldHarts.has(ZONE_R_HART)).toBe(false);
    expect(server.connected()).toBe(false);
    expect(machine.faults).toEqual([]);
  });
});
