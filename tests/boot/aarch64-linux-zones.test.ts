/**
 * Debian's arm64 Linux in two zones on qemu-gicv3, as hvisor's own qemu-gicv3 configs set them up: the
 * root zone on the PL011, zone 1 (hvisor's zone1-linux.json) on its virtio console, with a host folder
 * as its virtio-blk disk and a virtual Ethernet link to the root, all served from the management side
 * through hvisor's virtio bridge with the interrupts injected through the zone's vGIC. Zone 1 also has
 * its file's pci_config: hvisor's vPCI gives it the host bridge and a virtio-blk-pci disk at 00:02.0,
 * read with completions on an MSI-X vector, an LPI that zone 1's ITS driver mapped through hvisor's vITS
 * (its commands copied into the real queue, its collections on its own CPUs 2-3). Then zone 1 is shut
 * down and started again. Needs the images of scripts/fetch-guest-images.sh --arch aarch64.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLayout } from '../../src/host/layout-loader';
import { shell as runShell, startMachine, type LiveMachine } from '../helpers/live-machine';

const LAYOUT = 'examples/aarch64-linux';
const IMAGES = 'examples/aarch64-linux-root/images';
/** The block device of a virtio device, by its sysfs path (the virtio-pci disk and the virtio-mmio one probe in either order). */
const diskOf = (device: string) => `/dev/$(ls ${device}/virtio*/block)`;
const FOLDER_DISK = diskOf('/sys/bus/platform/devices/a003c00.virtio_mmio');
const PCI_DISK = diskOf('/sys/bus/pci/devices/0000:00:02.0');
const LIST_PCI = 'for d in /sys/bus/pci/devices/*; do echo "pci ${d##*/} $(cat $d/vendor):$(cat $d/device) $(cat $d/class)"; done';
const haveImages = existsSync(`${IMAGES}/Image`) && existsSync(`${IMAGES}/initramfs.cpio.gz`);
if (!haveImages) console.warn('aarch64-linux-zones: no guest images; run `bash scripts/fetch-guest-images.sh --arch aarch64` to enable this test');

describe.skipIf(!haveImages)('aarch64: Linux in two zones with virtio', () => {
  let machine: LiveMachine;
  const shell = (zone: string, command: string, timeoutMs?: number): Promise<string> =>
    runShell(machine, zone, zone === 'root-linux' ? 0 : 1, command, timeoutMs);

  beforeAll(async () => {
    machine = await startMachine(await loadLayout(LAYOUT));
    await machine.waitFor('root-linux', 'hvwb-init: ready', 300_000);
    // Zone 1 is started from outside once the root is up (its layout entry has autostart: false: the
    // root's Linux must have mapped its own PCIe function before zone 1's MSIs can land, decision 0031).
    const started = await machine.host.startZone(`${LAYOUT}/zone1.json`);
    expect(started.code, started.message).toBe(0);
    await machine.waitFor('linux2', 'hvwb-init: ready', 300_000);
    await machine.waitFor('linux2', '# ', 30_000);
  }, 660_000);

  afterAll(async () => {
    await machine?.stop();
  });

  it('each zone runs on its own two CPUs only (Linux names them by MPIDR)', async () => {
    const zone1 = await shell('linux2', 'grep -c ^processor /proc/cpuinfo; dmesg | grep -E "physical CPU|secondary processor"');
    expect(zone1).toMatch(/^2\r?$/m);
    expect(zone1).toMatch(/Booting Linux on physical CPU 0x0*2\b/);
    expect(zone1).toMatch(/Booted secondary processor 0x0*3\b/);
    const root = await shell('root-linux', 'grep -c ^processor /proc/cpuinfo; dmesg | grep -E "physical CPU|secondary processor"');
    expect(root).toMatch(/^2\r?$/m);
    expect(root).toMatch(/Booting Linux on physical CPU 0x0*0\b/);
    expect(root).toMatch(/Booted secondary processor 0x0*1\b/);
  }, 120_000);

  it('zone 1 mounts the host folder disk and reads a file with the same checksum', async () => {
    const expected = createHash('md5').update(readFileSync(`${LAYOUT}/share/hello.txt`)).digest('hex');
    const text = await shell('linux2', `mkdir -p /mnt && mount -t vfat -o ro ${FOLDER_DISK} /mnt && md5sum /mnt/hello.txt`);
    expect(text).toContain(`${expected}  /mnt/hello.txt`);
    const listing = await shell('linux2', 'ls /mnt/docs');
    expect(listing).toContain('A long file name in a subfolder.txt');
  }, 120_000);

  it("each zone finds only the host bridge and its own PCIe disk and reads it with MSI-X completions through its vITS", async () => {
    const list = await shell('linux2', LIST_PCI);
    expect(list).toMatch(/pci 0000:00:00\.0 0x1b36:0x0008 0x060000/);
    expect(list).toMatch(/pci 0000:00:02\.0 0x1af4:0x1042 0x010000/);
    expect(list.match(/^pci /gm)).toHaveLength(2);
    const root = await shell('root-linux', `${LIST_PCI}; md5sum ${diskOf('/sys/bus/pci/devices/0000:00:01.0')}; grep ITS-PCI-MSIX /proc/interrupts`, 120_000);
    expect(root).toMatch(/pci 0000:00:01\.0 0x1af4:0x1042 0x010000/);
    expect(root).not.toMatch(/pci 0000:00:02\.0/);
    expect(root).toContain(createHash('md5').update(readFileSync(`${LAYOUT}/root-pci-disk.img`)).digest('hex'));
    expect(root).toMatch(/ITS-PCI-MSIX-0000:00:01\.0\s+1\s+Edge/);
    // virtio_blk (a module /init loads for the virtio-mmio disk) drives it too. Its request queue's
    // vector counts the completions (ITS, edge), not INTx.
    const text = await shell('linux2', `cat /sys/bus/pci/devices/0000:00:02.0/virtio*/block/*/size; md5sum ${PCI_DISK}; grep ITS-PCI-MSIX /proc/interrupts`, 120_000);
    const disk = readFileSync(`${LAYOUT}/pci-disk.img`);
    expect(text).toMatch(new RegExp(`^${disk.length / 512}\\s*$`, 'm'));
    expect(text).toContain(createHash('md5').update(disk).digest('hex'));
    expect(text).toMatch(/^\s*\d+:(\s+\d+)*\s+[1-9]\d*(\s+\d+)*\s+ITS-PCI-MSIX-0000:00:02\.0\s+1\s+Edge\s+virtio\d+-req\.0/m);
  }, 180_000);

  it('the zones ping each other over the virtual switch', async () => {
    const text = await shell('linux2', 'ping -c 3 -W 5 10.0.0.1', 90_000);
    expect(text).toMatch(/3 packets transmitted, [1-3] packets received/);
  }, 120_000);

  it('zone 1 can be shut down and started again', async () => {
    expect(machine.host.shutdownZone(1).code).toBe(0);
    expect(machine.host.listZones().map((z) => z.zoneId)).toEqual([0]);
    const from = machine.output('linux2').length;
    const started = await machine.host.startZone(`${LAYOUT}/zone1.json`);
    expect(started.code, started.message).toBe(0);
    await machine.waitFor('linux2', 'hvwb-init: ready', 300_000, from);
    const again = await shell('linux2', 'echo zone1-is-back');
    expect(again).toContain('zone1-is-back');
    // The root zone kept running throughout.
    const root = await shell('root-linux', 'echo root-still-here');
    expect(root).toContain('root-still-here');
    expect(machine.faults).toEqual([]);
  }, 360_000);
});
