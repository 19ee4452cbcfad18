/**
 * hvisor's zones on loongarch64 (examples/loongarch64-zones on ls3a5000), end to end on the vCPU workers:
 * the root program makes hvisor's hypercalls with HVCL (config check, zone start with the 3056-byte
 * loongarch64 HvZoneConfig encoded from zone-u.json, zone list, shutdown); zoneU enters at its DMW-style
 * entry in direct address mode and reads the CPU name through its IOCSR window; zoneX reads IOCSR outside
 * the window and zoneY stores outside its RAM, and each is stopped alone with a report naming the pc, the
 * encoding and the address while the root goes on.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { assemble } from '../../src/core/isa/loongarch64/assembler';
import { elfImage } from '../../guest/loongarch64/build';
import { loadLayout } from '../../src/host/layout-loader';
import { InspectService } from '../../src/host/inspect-service';
import { startMachine, type LiveMachine } from '../helpers/live-machine';
import { la64ZonesBooted, la64ZoneURestarted } from '../helpers/shared-uart';

const ROOT = 'root-linux-la64';
let machine: LiveMachine | undefined;

afterEach(async () => {
  await machine?.stop();
  machine = undefined;
});

/** Types one key into UART0 and returns the root's output from then on, once `until` appears. */
async function key(m: LiveMachine, k: string, until: string | RegExp): Promise<string> {
  const from = m.output(ROOT).length;
  m.host.input(Buffer.from(k), 0);
  await m.waitFor(ROOT, until, 30_000, from);
  return m.output(ROOT).slice(from);
}

describe('loongarch64 zones', () => {
  it('the root starts zoneU by HVCL hypercall 2; zoneX and zoneY leave their partition and are stopped alone with pc and encoding; x shuts zone 1 down', async () => {
    machine = await startMachine(await loadLayout('examples/loongarch64-zones'));
    // zoneU prints on the same UART from its own CPU (thread): its characters interleave with the root's
    // from the moment hypercall 2 starts it, so the text from there is checked as an interleaving of both
    // streams (tests/helpers/shared-uart.ts), exactly: hypercall 2's result, the zone list, zoneU's entry pc
    // and CRMD, its IOCSR CPU name and its IPI to itself.
    await expect.poll(() => la64ZonesBooted(machine!.output(ROOT)), { timeout: 60_000 }).toBe(true);
    expect(machine.output(ROOT)).toContain('root: config check: hypercall 6 -> 0, config magic 0x5\r\n');
    expect(machine.faults).toEqual([]);

    // hvisor's inject_irq into zoneU, as its virtio daemon's completions make it: IRQ 4 is HWI2 on zoneU's CPU,
    // held until hvisor's next host timer tick (200 ms); IRQ 13 is refused as hvisor refuses it.
    const host = machine.host;
    const slot = [...host.runtime!.table.live()].find((s) => s.zoneId === 1)!;
    const gintc = host.runtime!.virtualIrqChipOf(slot)!;
    host.view.lock.acquire();
    const [four, thirteen] = [gintc.inject(4, false), gintc.inject(13, false)];
    host.view.lock.release();
    expect([four, thirteen]).toEqual([true, false]);
    await machine.waitFor(ROOT, 'zoneU: woken by an injected interrupt, ESTAT.IS & LIE 0x10\r\n', 30_000);
    const inspect = new InspectService(host, () => {});
    const zoneU = inspect.interruptControllers().controllers.find((c) => c.id === 'gintc.1');
    expect(zoneU?.title).toBe('GINTC of zone 1 (zoneU)');
    expect(zoneU?.targets?.rows[0]?.cells).toMatchObject({ cpu: 1, injections: 1 });
    await machine.waitFor(ROOT, 'zoneU: the injected interrupt was cleared\r\n', 30_000);
    expect(inspect.interruptControllers().controllers.find((c) => c.id === 'gintc.1')?.lines.rows.find((r) => r.key === '4')?.cells).toMatchObject({ line: 'HWI2', pending: false, owner: null });

    // zoneX: IOCSR 0x4000 is outside hvisor's 0x1fe0_0000 + 0x3000 window.
    await key(machine, 'i', 'root> ');
    await expect.poll(() => machine!.faults.length, { timeout: 30_000 }).toBe(1);
    const iocsr = machine.faults[0]!;
    expect(iocsr.zoneName).toBe('zoneX');
    expect(iocsr.message).toMatch(/^zone 2 \(zoneX\), cpu 2, pc 0x90000000c10000[0-9a-f]{2}: IOCSR read of 4 bytes at 0x4000 is outside the zone's IOCSR window 0x0-0x2fff .*encoding 0x06480984 \(iocsrrd\.w \$a0, \$t0\)$/);
    expect(machine.output(ROOT)).not.toContain('zoneX: still running');

    // zoneY: a store to guest-physical 0x8000_0000, which no region of the zone maps.
    await key(machine, 'm', 'root> ');
    await expect.poll(() => machine!.faults.length, { timeout: 30_000 }).toBe(2);
    const stage2 = machine.faults[1]!;
    expect(stage2.zoneName).toBe('zoneY');
    expect(stage2.message).toMatch(/^zone 3 \(zoneY\), cpu 3, pc 0x90000000c20000[0-9a-f]{2}: stage-2 fault: guest-physical 0x80000000 \(4-byte write\) is in no memory region of the zone, encoding 0x298001[0-9a-f]{2} \(st\.w \$t1, \$t0, 0\); guest virtual 0x80000000; nearest region: /);
    expect(machine.output(ROOT)).not.toContain('zoneY: still running');

    // The root and zoneU go on: the list shows both stopped zones as errors, then zone 1 shuts down.
    const list = await key(machine, 'l', 'root> ');
    expect(list).toContain(['root: zone list: hypercall 4 -> 4', '  zone 0 cpus 0x1 root-linux-la64 running', '  zone 1 cpus 0x2 zoneU running', '  zone 2 cpus 0x4 zoneX error', '  zone 3 cpus 0x8 zoneY error', ''].join('\r\n'));
    expect(await key(machine, 'x', 'root> ')).toContain('root: zone shutdown 1: hypercall 3 -> 0\r\n');
    expect(await key(machine, 'l', 'root> ')).not.toContain('zoneU');
    // Started again, zoneU runs from its entry once more (its lines may come before the root prints the result: one UART).
    // zoneU's characters interleave with the root's (one UART): checked as an interleaving, as at boot.
    const from = machine.output(ROOT).length;
    machine.host.input(Buffer.from('s'), 0);
    await expect.poll(() => la64ZoneURestarted(machine!.output(ROOT).slice(from)), { timeout: 30_000 }).toBe(true);
  }, 240_000);

  it('a CSR the CPU does not implement stops the root zone with the pc, the encoding and its disassembly', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hvwb-la64-csr-'));
    const program = assemble('nop\nnop\ncsrrd $a0, 0x7ff\nhalt:\nb halt\n', 0x20_0000n);
    writeFileSync(path.join(dir, 'csr.elf'), elfImage(program.bytes, 0x20_0000, program.labels));
    writeFileSync(path.join(dir, 'layout.json'), JSON.stringify({ name: 'la64-csr', board: 'ls3a5000', root: { image: 'csr.elf', mode: 'supervisor' } }));
    machine = await startMachine(await loadLayout(dir));
    await expect.poll(() => machine!.faults.length, { timeout: 30_000 }).toBe(1);
    expect(machine.faults[0]!.message).toMatch(/^zone 0 \(root-linux-la64\), cpu 0, pc 0x200008: .*encoding 0x04[0-9a-f]{6} \(csrrd \$a0, 0x7ff\)/);
  }, 60_000);
});
