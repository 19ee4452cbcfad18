/**
 * The aarch64 Zones demo (examples/aarch64-zones) on qemu-gicv3, end to end on the vCPU workers: the
 * root program on the PL011 drives hvisor's hypercalls over HVC (config check, zone list in
 * hvisor-tool's format, zone start of zoneU with the 3136-byte aarch64 HvZoneConfig it built in C,
 * shutdown), zoneU and zoneR print on their virtio consoles, zoneU's PSCI CPU_ON of zoneR's CPU is
 * refused, and zoneR reports its timer latency. Bounds on the latency figures are in tests/timing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadLayout } from '../../src/host/layout-loader';
import { startMachine, type LiveMachine } from '../helpers/live-machine';

const ZONES = 'examples/aarch64-zones';
const ROOT = 'root-linux';
const HEADER = '|     zone_id     |       cpus        |      name       |     status |';
const ROOT_ROW = '|               0 |                 0 |      root-linux |    running |';
const ZONE_R_ROW = '|               2 |                 3 |           zoneR |    running |';
const ZONE_U_ROW = '|               1 |              1, 2 |           zoneU |    running |';
const LATENCY = /latency min=(\d+) mean=(\d+) max=(\d+) ticks/g;

let machine: LiveMachine | undefined;

afterEach(async () => {
  await machine?.stop();
  machine = undefined;
});

/** Types one key into the root's PL011 and returns the root's output from the key's echo on. */
async function key(m: LiveMachine, k: string, until: string | RegExp): Promise<string> {
  const from = m.output(ROOT).length;
  m.host.input(Buffer.from(k), 0);
  await m.waitFor(ROOT, until, 20_000, from);
  return m.output(ROOT).slice(from);
}

describe('aarch64 zones', () => {
  it('the root starts zoneU by hypercall 2, zoneU cannot start zoneR\'s CPU, zoneR reports latency, and `x` then `l` shows zone 1 gone', async () => {
    machine = await startMachine(await loadLayout(ZONES));
    await machine.waitFor(ROOT, 'config magic 0x5', 20_000);
    await machine.waitFor(ROOT, 'root> ', 30_000);
    const boot = machine.output(ROOT);
    // The config the root wrote into its own RAM, passed by address with aarch64's sizeof(HvZoneConfig).
    expect(boot).toMatch(/root: zone start zoneU \(id 1\): hypercall 2 \(config 0xa0[0-9a-f]{6}, 3136 bytes\) -> 0\r\n/);
    // After the start, hvisor-tool's table with zone 1 on CPUs 1 and 2 (zoneR came from the layout).
    const afterStart = boot.slice(boot.indexOf('hypercall 2'));
    expect(afterStart).toContain(['root: zone list: hypercall 4 -> 3', HEADER, ROOT_ROW, ZONE_R_ROW, ZONE_U_ROW, ''].join('\r\n'));
    expect(boot).toContain('root: PSCI v1.1, SMCCC v1.1; CNTFRQ_EL0 62500000 Hz; console pl011');

    // zoneU on its own virtio console: its second CPU started, zoneR's CPU refused.
    await machine.waitFor('zoneU', 'zoneU: CPU 2 up', 20_000);
    await machine.waitFor('zoneU', 'zoneU: CPU_ON(3) -> -2 (INVALID_PARAMETERS): refused, as it must be: CPU 3 is not zoneU\'s', 20_000);
    const zoneU = machine.output('zoneU');
    expect(zoneU).toContain('zoneU: CPU 1 up\r\n');
    expect(zoneU).toContain('console virtio-mmio 0xa003800');
    expect(zoneU).toContain('zoneU: CPU_ON(2) -> 0 (SUCCESS)');
    expect(zoneU).not.toContain('WRONG');
    // Both CPUs take their timer and each other's SGIs (whichever reports first).
    await machine.waitFor('zoneU', /zoneU: CPU 1 ticks=\d+ sgis=[1-9]\d*/, 20_000);
    await machine.waitFor('zoneU', /zoneU: CPU 2 ticks=\d+ sgis=[1-9]\d*/, 20_000);

    // zoneR: a line per second in the documented format, with sane figures.
    await machine.waitFor('zoneR', /(latency min=\d+ mean=\d+ max=\d+ ticks[\s\S]*){2}/, 20_000);
    const zoneR = machine.output('zoneR');
    expect(zoneR).toContain('zoneR: CPU 3 up\r\n');
    expect(zoneR).toContain('period 62500 ticks (1 ms at 62500000 Hz)');
    for (const [, min, mean, max] of zoneR.matchAll(LATENCY)) {
      expect(Number(min)).toBeLessThanOrEqual(Number(mean));
      expect(Number(mean)).toBeLessThanOrEqual(Number(max));
      // Sane, not tight (tests/timing has the bounds): under 10 s, no wrapped subtraction.
      expect(Number(max), zoneR).toBeLessThan(625_000_000);
    }
    // Each zone's console is its own: nothing of the others' in the root's PL011.
    expect(boot).not.toMatch(/zone[UR]: CPU/);
    expect(machine.host.listZones().map((z) => [z.zoneId, z.name, z.cpus])).toEqual([
      [0, 'root-linux', 0b0001],
      [2, 'zoneR', 0b1000],
      [1, 'zoneU', 0b0110],
    ]);

    // `x`: hypercall 3 for zone 1; CPUs 1 and 2 stop, zoneR runs on.
    expect(await key(machine, 'x', /zone shutdown zone 1: hypercall 3 \(zone_id 1\) -> .*\r\nroot> /)).toContain('-> 0\r\n');
    expect(machine.host.listZones().map((z) => z.zoneId)).toEqual([0, 2]);
    expect(machine.host.hartSnapshots([1, 2]).map((c) => c.status)).toEqual(['stopped', 'stopped']);
    // `l`: the table without zone 1.
    const listed = await key(machine, 'l', /\r\nroot> /);
    expect(listed).toContain([HEADER, ROOT_ROW, ZONE_R_ROW, 'root> '].join('\r\n'));
    expect(listed).not.toContain('zoneU');
    const zoneRFrom = machine.output('zoneR').length;
    await machine.waitFor('zoneR', 'latency min=', 10_000, zoneRFrom);
    // A second `x` is refused the way hvisor does.
    expect(await key(machine, 'x', /hypercall 3 \(zone_id 1\) -> .*\r\n/)).toContain('-> -EINVAL (-22)');
    expect(machine.faults).toEqual([]);
  }, 90_000);

  it('`s` reloads zoneU\'s image and starts it again on a reset virtio console; a second `s` is refused', async () => {
    machine = await startMachine(await loadLayout(ZONES));
    await machine.waitFor('zoneU', 'zoneU: CPU 2 up', 30_000);
    await machine.waitFor(ROOT, 'root> ', 20_000);
    await key(machine, 'x', /hypercall 3 \(zone_id 1\) -> 0\r\n/);
    const from = machine.output('zoneU').length;
    const started = await key(machine, 's', /hypercall 2 \(config 0x[0-9a-f]+, 3136 bytes\) -> .*\r\n/);
    expect(started).toMatch(/root: loaded zoneU's image \(\d+ bytes from zones-u.bin, kernel_size 0x[0-9a-f]+000\) to 0x70000000/);
    expect(started).toContain('3136 bytes) -> 0');
    await machine.waitFor('zoneU', 'zoneU: CPU 2 up', 20_000, from);
    expect(machine.output('zoneU').slice(from)).toContain('zoneU: CPU 1 up\r\n');
    expect(machine.host.listZones().map((z) => z.zoneId)).toEqual([0, 2, 1]);
    // Zone 1 exists: the root leaves its image alone and hvisor refuses the id.
    const again = await key(machine, 's', /hypercall 2 \(config 0x[0-9a-f]+, 3136 bytes\) -> .*\r\n/);
    expect(again).toContain('root: zone 1 is in the zone list');
    expect(again).not.toContain('loaded zoneU');
    expect(again).toMatch(/-> -E[A-Z]+ \(-\d+\)\r\n/);
    expect(machine.faults).toEqual([]);
  }, 90_000);
});
