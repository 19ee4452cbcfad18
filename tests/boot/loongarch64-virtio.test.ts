/**
 * virtio in a loongarch64 zone (examples/loongarch64-virtio on ls3a5000), end to end on the vCPU workers:
 * the root program starts zoneV by HVCL hypercall 2; zoneV's virtio-mmio windows (hvisor's ls3a5000
 * addresses and IRQs) are trapped by the zone's stage-2 and served by the workbench's daemon for the root;
 * each completion is injected with hvisor's inject_irq, an ESTAT.IS bit (irq 4/5/6 = bits 4/5/6), which
 * zoneV waits for. zoneV prints on its virtio console, reads a file of the host folder share/ through
 * virtio-blk (a FAT32 image built from it), sends a frame the virtual switch's capture records, then
 * gives the blk device a buffer outside its memory: the daemon reports the zone and the address, the
 * device goes to DEVICE_NEEDS_RESET, and zoneV and the root go on. Shut down (hypercall 3) and started
 * again, zoneV runs the same sequence on the devices the daemon reset.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { loadLayout } from '../../src/host/layout-loader';
import { InspectService } from '../../src/host/inspect-service';
import { startMachine, type LiveMachine } from '../helpers/live-machine';

const ROOT = 'root-linux-la64';
const ZONE = 'zoneV';
let machine: LiveMachine | undefined;

afterEach(async () => {
  await machine?.stop();
  machine = undefined;
});

/** The frames of a classic little-endian pcap file. */
function pcapFrames(bytes: Buffer): Buffer[] {
  expect(bytes.readUInt32LE(0)).toBe(0xa1b2c3d4);
  const frames: Buffer[] = [];
  for (let at = 24; at + 16 <= bytes.length; ) {
    const length = bytes.readUInt32LE(at + 8);
    frames.push(bytes.subarray(at + 16, at + 16 + length));
    at += 16 + length;
  }
  return frames;
}

describe('loongarch64 virtio', () => {
  it('zoneV drives virtio console, blk (a host folder) and net through hvisor\'s trap and inject_irq; a buffer outside its memory is reported and the root goes on', async () => {
    machine = await startMachine(await loadLayout('examples/loongarch64-virtio'));
    await machine.waitFor(ROOT, 'root> ', 60_000);
    await machine.waitFor(ZONE, 'zoneV: done; the console still works\r\n', 60_000);
    expect(machine.output(ROOT)).toMatch(/root: zone start zoneV \(id 1\): image 8192 bytes, hypercall 2 \(config 0x2[0-9a-f]{5}, 3056 bytes\) -> 0\r\n/);
    expect(machine.output(ROOT)).toContain('  zone 1 cpus 0x2 zoneV running\r\n');
    const zone = machine.output(ZONE);
    // Every line below came through the virtio console; each completion raised the device's line.
    expect(zone).toContain('zoneV: CPU 0 up; console on virtio-mmio 0x30001000 (irq 4)\r\n');
    expect(zone).toContain('zoneV: console completion: ESTAT.IS bit seen 0x10\r\n');
    // blk: the boot sector of the FAT32 image of share/, then the file's directory entry and its text.
    expect(zone).toContain("zoneV: virtio-blk 0x30002000 (irq 5) sector 0: status 0, ESTAT.IS bit seen 0x20, OEM 'MSWIN4.1', file system 'FAT32   '\r\n");
    const text = readFileSync('examples/loongarch64-virtio/share/hello.txt', 'utf8');
    expect(zone).toMatch(new RegExp(`zoneV: root directory: 'HELLO   TXT', ${text.length} bytes at cluster \\d+\\r\\n`));
    expect(zone).toContain(`zoneV: file: ${text.trimEnd()}\r\n`);
    // net: the MAC of virtio_cfg.json, the frame completed and its line raised.
    expect(zone).toContain('zoneV: virtio-net 0x30003000 (irq 6) MAC 02:00:00:00:00:02; sent a 79-byte frame (ethertype 0x88b5): done, ESTAT.IS bit seen 0x40\r\n');
    // Bad input: the daemon names the zone, the device and the address; the zone reads DEVICE_NEEDS_RESET.
    expect(zone).toContain('zoneV: virtio-blk Status 0x4f (DEVICE_NEEDS_RESET), InterruptStatus 0x2\r\n');
    expect(machine.logs.join('\n')).toMatch(/zone 1: virtio: zone 1 virtio-blk@0x30002000 queue 0: descriptor 1: buffer 0x80000000\+0x200 is outside the zone's memory \(device error: DEVICE_NEEDS_RESET/);
    expect(machine.faults).toEqual([]);

    // The frame reached the switch: the capture holds it as sent (broadcast, zoneV's MAC, 0x88b5).
    const capture = /virtual switch capture: (\S+)/.exec(machine.logs.join('\n'))?.[1];
    expect(capture).toBeDefined();
    let frames: Buffer[] = [];
    for (let i = 0; i < 50 && frames.length === 0; i++) {
      frames = pcapFrames(readFileSync(capture!));
      if (frames.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(frames).toHaveLength(1);
    const frame = frames[0]!;
    expect([...frame.subarray(0, 14)]).toEqual([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 2, 0x88, 0xb5]);
    expect(frame.subarray(14).toString()).toBe('hvisor-workbench: zoneV on loongarch64 says hello over virtio-net');

    // The injections are hvisor's inject_irq into zoneV's GINTC: its three lines, on its CPU (1), and none
    // was refused or dropped (vgintc.ts logs an IRQ above 12 or a SWI/TI bit as hvisor's inject_irq does).
    const gintc = new InspectService(machine.host, () => {}).interruptControllers().controllers.find((c) => c.id === 'gintc.1');
    expect(gintc?.title).toBe('GINTC of zone 1 (zoneV)');
    expect(['4', '5', '6'].map((irq) => gintc?.lines.rows.find((r) => r.key === irq)?.cells)).toMatchObject([
      { line: 'HWI2', owner: 1 }, { line: 'HWI3', owner: 1 }, { line: 'HWI4', owner: 1 },
    ]);
    expect(gintc?.targets?.rows[0]?.cells['cpu']).toBe(1);
    expect(Number(gintc?.targets?.rows[0]?.cells['injections'])).toBeGreaterThanOrEqual(3);
    expect(machine.logs.join('\n')).not.toMatch(/inject_irq/);

    // The root goes on: it still answers, and zone 1 is still in hvisor's list.
    const from = machine.output(ROOT).length;
    machine.host.input(Buffer.from('l'), 0);
    await machine.waitFor(ROOT, /zone 1 cpus 0x2 zoneV running\r\nroot> /, 30_000, from);
    expect(machine.output(ROOT).slice(from)).toContain('root: zone list: hypercall 4 -> 2\r\n');

    // `x` shuts zone 1 down (the daemon resets its devices, the blk one out of DEVICE_NEEDS_RESET); `s`
    // starts it again and the whole sequence runs on the reset devices: a second frame in the capture.
    const beforeX = machine.output(ROOT).length;
    machine.host.input(Buffer.from('x'), 0);
    await machine.waitFor(ROOT, 'root: zone shutdown 1: hypercall 3 -> 0\r\nroot> ', 30_000, beforeX);
    expect(machine.host.listZones().map((z) => z.zoneId)).toEqual([0]);
    const zoneFrom = machine.output(ZONE).length;
    machine.host.input(Buffer.from('s'), 0);
    await machine.waitFor(ZONE, 'zoneV: done; the console still works\r\n', 60_000, zoneFrom);
    const again = machine.output(ZONE).slice(zoneFrom);
    expect(again).toContain("sector 0: status 0, ESTAT.IS bit seen 0x20, OEM 'MSWIN4.1'");
    expect(again).toContain(`zoneV: file: ${text.trimEnd()}\r\n`);
    expect(again).toContain('sent a 79-byte frame (ethertype 0x88b5): done, ESTAT.IS bit seen 0x40\r\n');
    expect(again).toContain('zoneV: virtio-blk Status 0x4f (DEVICE_NEEDS_RESET), InterruptStatus 0x2\r\n');
    await expect.poll(() => pcapFrames(readFileSync(capture!)).length, { timeout: 10_000 }).toBe(2);
    expect(machine.faults).toEqual([]);
  }, 180_000);
});
