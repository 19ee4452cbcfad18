/**
 * Zones on the riscv64 board, end to end on the vCPU workers: the root program driving hvisor's
 * hypercalls, per-zone consoles, SBI confinement, isolation of a faulting zone, the strict mode,
 * and repeated start/shutdown (zoneR's latency is in tests/timing); and when CPUs in no zone get their threads.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HartWord, HsmState } from '../../src/core/cpu/hart-header';
import { PlicOffset } from '../../src/core/devices/intc/sifive-plic';
import { loadLayout } from '../../src/host/layout-loader';
import { startMachine, type LiveMachine } from '../helpers/live-machine';

const ZONES = 'examples/riscv64-zones';
let machine: LiveMachine | undefined;

afterEach(async () => {
  await machine?.stop();
  machine = undefined;
});

function words(...instructions: number[]): Buffer {
  const bytes = Buffer.alloc(instructions.length * 4);
  instructions.forEach((w, i) => bytes.writeUInt32LE(w >>> 0, i * 4));
  return bytes;
}

/** A layout whose root runs the hello demo on hart 0 and whose zone 1 makes the given access. */
function faultingLayout(options: { strict?: boolean } = {}): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'hvwb-zones-'));
  // lui t0, 0x20000 ; lw t1, 0(t0) ; j .
  writeFileSync(path.join(dir, 'bad.bin'), words(0x200002b7, 0x0002a303, 0x0000006f));
  writeFileSync(
    path.join(dir, 'zone-bad.json'),
    JSON.stringify({
      zone_id: 1,
      name: 'zoneBad',
      cpus: [1],
      memory_regions: [{ type: 'ram', physical_start: '0x88000000', virtual_start: '0x88000000', size: '0x100000' }],
      interrupts: [],
      ivc_configs: [],
      kernel_filepath: './bad.bin',
      dtb_filepath: 'null',
      kernel_load_paddr: '0x88000000',
      dtb_load_paddr: '0x880f0000',
      entry_point: '0x88000000',
      arch_config: { plic_base: '0xc000000', plic_size: '0x4000000', aplic_base: '0xd000000', aplic_size: '0x8000' },
      pci_config: [],
    }),
  );
  writeFileSync(
    path.join(dir, 'layout.json'),
    JSON.stringify({
      name: 'faulting-zone',
      board: 'qemu-plic',
      strict: options.strict ?? false,
      root: { image: path.resolve('guest/riscv64/bin/hello.elf'), mode: 'supervisor', cpus: [0] },
      zones: ['zone-bad.json', path.resolve(ZONES, 'zone-r.json')],
    }),
  );
  return dir;
}

describe('zones', () => {
  it('the root zone starts zoneU by hypercall, each zone prints in its own console, and `x` shuts zoneU down', async () => {
    machine = await startMachine(await loadLayout(ZONES));
    await machine.waitFor('root-linux', 'config magic 0x5', 20_000);
    await machine.waitFor('root-linux', '|               1 |              1, 2 |           zoneU |    running |', 20_000);
    await machine.waitFor('zoneU', 'zoneU: hart 2 up', 20_000);
    // Harts 1 and 2 print concurrently, so the refusal may come after hart 2's line.
    await machine.waitFor('zoneU', 'zoneU: hart_start(3) -> -3 (SBI_ERR_INVALID_PARAM)', 20_000);
    await machine.waitFor('zoneR', 'latency min=', 20_000);
    expect(machine.output('root-linux')).not.toContain('zoneR: hart');
    expect(machine.host.listZones().map((z) => [z.zoneId, z.name, z.cpus])).toEqual([
      [0, 'root-linux', 0b0001],
      [2, 'zoneR', 0b1000],
      [1, 'zoneU', 0b0110],
    ]);
    await machine.waitFor('root-linux', 'root> ', 20_000);
    const before = machine.output('root-linux').length;
    machine.host.input(Buffer.from('x'), 0);
    await machine.waitFor('root-linux', /zone shutdown .*-> 0/, 20_000, before);
    expect(machine.host.listZones().map((z) => z.zoneId)).toEqual([0, 2]);
    const harts = machine.host.hartSnapshots([1, 2]);
    expect(harts.map((h) => h.status)).toEqual(['stopped', 'stopped']);
    const afterList = machine.output('root-linux').length;
    machine.host.input(Buffer.from('l'), 0);
    const listed = await machine.waitFor('root-linux', /\|\s+2 \|\s+3 \|\s+zoneR \|\s+running \|/, 20_000, afterList);
    expect(listed.slice(afterList)).not.toContain('zoneU');
  }, 60_000);

  it('a zone that leaves its partition stops with a report while the other zones keep running', async () => {
    machine = await startMachine(await loadLayout(faultingLayout()));
    await machine.waitFor('root-linux', 'echo> ', 20_000);
    const deadline = Date.now() + 20_000;
    while (!machine.faults.some((f) => f.zone === 1) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const fault = machine.faults.find((f) => f.zone === 1)!;
    expect(fault.message).toContain('zone 1 (zoneBad), hart 1, pc 0x88000004');
    expect(fault.message).toContain('4-byte access at guest address 0x20000000');
    expect(fault.message).toContain('nearest region: ram 0x88000000-0x880fffff');
    expect(machine.host.listZones().find((z) => z.zoneId === 1)?.isErr).toBe(true);
    expect(machine.host.zoneStatuses().find((z) => z.id === 1)?.state).toBe('error');
    // The root still echoes and zoneR still reports.
    const echoFrom = machine.output('root-linux').length;
    machine.host.input(Buffer.from('still alive\r'), 0);
    await machine.waitFor('root-linux', 'still alive\r\n', 10_000, echoFrom);
    const zoneRFrom = machine.output('zoneR').length;
    await machine.waitFor('zoneR', 'latency min=', 10_000, zoneRFrom);
    expect(machine.exits).toEqual([]);
    expect(machine.host.shutdownZone(1).code).toBe(0);
    expect(machine.host.listZones().map((z) => z.zoneId)).toEqual([0, 2]);
  }, 60_000);

  it('in strict mode the same fault stops the whole machine, as hvisor panics on riscv', async () => {
    machine = await startMachine(await loadLayout(faultingLayout({ strict: true })));
    const deadline = Date.now() + 20_000;
    while (machine.exits.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(machine.exits).toEqual([{ kind: 'fault', code: 1 }]);
    expect(machine.host.state).toBe('faulted');
  }, 60_000);

  it('a CPU in no zone gets its thread only when first needed: here when the machine is paused', async () => {
    // aarch64-hello's root on CPU 0 alone: CPUs 1-3 stay parked (its PSCI CPU_ON of them is refused).
    const loaded = await loadLayout('examples/aarch64-hello');
    machine = await startMachine({ ...loaded, layout: { ...loaded.layout, root: { ...loaded.layout.root, cpus: [0] } } });
    const printed = await machine.waitFor('root-linux', 'echo> ', 20_000);
    expect(printed).toContain('Hello from aarch64 CPU 0');
    expect(printed).not.toContain('Hello from aarch64 CPU 1');
    expect(machine.host.workerCount).toBe(1);
    machine.host.pause();
    // The pause reaches the parked CPUs' words: each gets its thread, which answers as a parked CPU would.
    const deadline = Date.now() + 10_000;
    while (machine.host.workerCount < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(machine.host.workerCount).toBe(4);
    machine.host.resume();
    const from = machine.output('root-linux').length;
    await new Promise((r) => setTimeout(r, 200));
    expect(machine.faults).toEqual([]);
    expect(machine.output('root-linux').slice(from)).toBe('');
  }, 60_000);

  it('start -> shutdown -> start of a zone twenty times leaves no worker, slot or IRQ state behind', async () => {
    machine = await startMachine(await loadLayout(ZONES));
    await machine.waitFor('zoneR', 'zoneR: hart 3 up', 20_000);
    // Every CPU is in a zone now (zoneU's harts 1 and 2 too), so each has its thread (parked CPUs get
    // theirs when first needed).
    await machine.waitFor('zoneU', 'zoneU: hart 2 up', 20_000);
    const host = machine.host;
    const workers = host.workerCount;
    expect(workers).toBe(host.view.headers.length);
    const plic = host.view.devices.plic!;
    const header3 = host.view.headers[3]!;
    for (let round = 0; round < 20; round++) {
      expect(host.shutdownZone(2)).toMatchObject({ code: 0 });
      expect(Atomics.load(header3, HartWord.zoneSlot)).toBe(0);
      expect(Atomics.load(header3, HartWord.hsm)).toBe(HsmState.stopped);
      const from = machine.output('zoneR').length;
      const started = await host.startZone(path.join(ZONES, 'zone-r.json'));
      expect(started, started.message).toMatchObject({ code: 0 });
      await machine.waitFor('zoneR', 'zoneR: hart 3 up', 10_000, from);
    }
    expect(host.shutdownZone(2).code).toBe(0);
    expect(host.workerCount).toBe(workers);
    // Only the root and zoneU (started by the root program) still hold zone slots.
    expect(host.runtime!.table.live().map((s) => s.zoneId).sort()).toEqual([0, 1]);
    // Hart 3 is off, with nothing pending and no enables or threshold left in its physical S context.
    expect(Atomics.load(header3, HartWord.mip)).toBe(0);
    const pcontext = 2 * 3 + 1;
    for (let word = 0; word < 3; word++) expect(plic.read(PlicOffset.enable + PlicOffset.enableStride * pcontext + 4 * word, 4)).toBe(0);
    expect(plic.read(PlicOffset.context + PlicOffset.contextStride * pcontext, 4)).toBe(0);
    // A second shutdown of the same id is refused the way hvisor does.
    expect(host.shutdownZone(2)).toMatchObject({ code: -22 });
  }, 120_000);
});
