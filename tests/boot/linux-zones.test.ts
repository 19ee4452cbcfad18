/**
 * Debian Linux in two zones at once: the root zone on UART0 and zone 1 on its virtio console, with a
 * host folder as zone 1's virtio-blk disk and a virtual Ethernet link between the zones; then zone 1
 * is shut down and started again. Needs the images of scripts/fetch-guest-images.sh.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLayout } from '../../src/host/layout-loader';
import { shell as runShell, startMachine, type LiveMachine } from '../helpers/live-machine';

const LAYOUT = 'examples/riscv64-linux';
const haveImages = existsSync('examples/riscv64-linux-root/images/Image') && existsSync('examples/riscv64-linux-root/images/initramfs.cpio.gz');
if (!haveImages) console.warn('linux-zones: no guest images; run `bash scripts/fetch-guest-images.sh` to enable this test');

describe.skipIf(!haveImages)('Linux in two zones', () => {
  let machine: LiveMachine;

  const shell = (zone: string, command: string, timeoutMs?: number): Promise<string> =>
    runShell(machine, zone, zone === 'root-linux' ? 0 : 1, command, timeoutMs);

  beforeAll(async () => {
    machine = await startMachine(await loadLayout(LAYOUT));
    await machine.waitFor('root-linux', 'hvwb-init: ready', 240_000);
    await machine.waitFor('linux1', 'hvwb-init: ready', 240_000);
    await machine.waitFor('linux1', '# ', 30_000);
  }, 300_000);

  afterAll(async () => {
    await machine?.stop();
  });

  it('zone 1 sees only its own two harts', async () => {
    const text = await shell('linux1', 'cat /proc/cpuinfo');
    expect(text).toMatch(/hart\s+: 3/);
    expect(text).toMatch(/hart\s+: 2/);
    expect(text).not.toMatch(/hart\s+: [01]\b/);
  }, 120_000);

  it('zone 1 mounts the host folder disk and reads a file with the same checksum', async () => {
    const expected = createHash('md5').update(readFileSync(`${LAYOUT}/share/hello.txt`)).digest('hex');
    const text = await shell('linux1', 'mkdir -p /mnt && mount -t vfat -o ro /dev/vda /mnt && md5sum /mnt/hello.txt');
    expect(text).toContain(`${expected}  /mnt/hello.txt`);
    const listing = await shell('linux1', 'ls /mnt/docs');
    expect(listing).toContain('A long file name in a subfolder.txt');
  }, 120_000);

  it('the zones ping each other over the virtual switch', async () => {
    const text = await shell('linux1', 'ping -c 3 -W 5 10.0.0.1', 90_000);
    expect(text).toMatch(/3 packets transmitted, [1-3] packets received/);
  }, 120_000);

  it('zone 1 can be shut down and started again', async () => {
    expect(machine.host.shutdownZone(1).code).toBe(0);
    expect(machine.host.listZones().map((z) => z.zoneId)).toEqual([0]);
    const from = machine.output('linux1').length;
    const started = await machine.host.startZone(`${LAYOUT}/zone1.json`);
    expect(started.code, started.message).toBe(0);
    await machine.waitFor('linux1', 'hvwb-init: ready', 240_000, from);
    // The root zone kept running throughout.
    const root = await shell('root-linux', 'echo root-still-here');
    expect(root).toContain('root-still-here');
  }, 300_000);
});
