/**
 * hvisor's vPCI with two Debian zones (examples/riscv64-pcie-zones): zone 1's zone JSON assigns the
 * virtio-blk-pci at 00:02.0 (alloc_pci_devs); zone 1's Linux enumerates through its trapped ECAM window
 * and finds only the host bridge and that function, programs its BARs (which the vPCI maps over the
 * function's physical BARs) and reads its disk; the root finds its own disk at 00:01.0 and no 00:02.0.
 * After zone 1 shuts down the function is back in hvisor's list (workbench addition; the root's list
 * does not name it, so the root still does not see it) and a restarted zone 1 gets it again. Needs the images of scripts/fetch-guest-images.sh.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLayout } from '../../src/host/layout-loader';
import { shell as runShell, startMachine, type LiveMachine } from '../helpers/live-machine';

const LAYOUT = 'examples/riscv64-pcie-zones';
const haveImages = existsSync('examples/riscv64-linux-root/images/Image') && existsSync('examples/riscv64-linux-root/images/initramfs.cpio.gz');
if (!haveImages) console.warn('pcie-zones: no guest images; run `bash scripts/fetch-guest-images.sh` to enable this test');

const LIST_PCI = 'for d in /sys/bus/pci/devices/*; do echo "pci ${d##*/} $(cat $d/vendor):$(cat $d/device) $(cat $d/class)"; done';
const LOAD_BLK = 'grep -E "^virtio_blk " /etc/hvwb-modules | while read n ko; do insmod $ko; done; sleep 1';
const md5 = (file: string) => createHash('md5').update(readFileSync(`${LAYOUT}/${file}`)).digest('hex');

describe.skipIf(!haveImages)('hvisor vPCI: a virtio-blk-pci function assigned to zone 1', () => {
  let machine: LiveMachine;
  let started = 0;
  let ready = 0;

  const shell = (zone: string, command: string, timeoutMs?: number): Promise<string> =>
    runShell(machine, zone, zone === 'root-linux' ? 0 : 1, command, timeoutMs);

  beforeAll(async () => {
    started = Date.now();
    machine = await startMachine(await loadLayout(LAYOUT));
    await machine.waitFor('linux1', 'hvwb-init: ready', 600_000);
    ready = Date.now();
    await machine.waitFor('root-linux', 'hvwb-init: ready', 600_000);
    await machine.waitFor('linux1', '# ', 30_000);
  }, 720_000);

  afterAll(async () => {
    await machine?.stop();
  });

  it("zone 1's Linux enumerates only the host bridge and its function, at the vBDF hvisor gives it", async () => {
    console.log(`pcie-zones: zone 1 ready ${((ready - started) / 1000).toFixed(1)} s after the start`);
    const boot = await shell('linux1', 'dmesg | grep -E "pci 0000:00:0|PCI host bridge|virtio-pci"');
    console.log(`pcie-zones: zone 1's kernel log:\n${boot}`);
    expect(boot).toMatch(/pci 0000:00:02\.0: \[1af4:1042\] type 00 class 0x010000/);
    expect(boot).not.toMatch(/pci 0000:00:01\.0: \[/);
    const list = await shell('linux1', LIST_PCI);
    expect(list).toMatch(/pci 0000:00:00\.0 0x1b36:0x0008 0x060000/);
    expect(list).toMatch(/pci 0000:00:02\.0 0x1af4:0x1042 0x010000/);
    expect(list).not.toMatch(/pci 0000:00:01\.0/);
    expect(machine.logs.some((l) => l.includes('zone 1: set bdf 0000:00:02.0 to vbdf 0000:00:02.0'))).toBe(true);
  }, 120_000);

  it('zone 1 reads its disk through the BARs the vPCI mapped over the physical ones', async () => {
    const text = await shell('linux1', `${LOAD_BLK}; cat /sys/block/vda/size; md5sum /dev/vda; sed -n "2p;5p" /sys/bus/pci/devices/0000:00:02.0/resource`, 120_000);
    expect(text).toMatch(/^512\s*$/m);
    expect(text).toContain(md5('zone1.img'));
    // zone 1's stage-2 maps its guest BARs over 00:02.0's physical BARs, which hvisor placed after 00:01.0's.
    const slot = machine.host.runtime?.table.byId(1);
    const vpci = machine.host.runtime?.vpci;
    expect(slot && vpci).toBeTruthy();
    const bars = vpci!.devices(slot!).find((d) => d.bdf === '0000:00:02.0')!.bars;
    expect(bars.map((b) => [b.index, b.physical])).toEqual([[1, 0x4000_1000], [4, 0x4_0000_4000]]);
    for (const bar of bars) expect(text).toContain(`0x${bar.guest.toString(16).padStart(16, '0')}`);
    console.log(`pcie-zones: zone 1's stage-2 changes so far: ${slot!.stage2Log.generation}`);
  }, 180_000);

  it('the root sees its own disk and not zone 1\'s while zone 1 runs', async () => {
    const list = await shell('root-linux', LIST_PCI);
    expect(list).toMatch(/pci 0000:00:01\.0 0x1af4:0x1042/);
    expect(list).not.toMatch(/pci 0000:00:02\.0/);
    const text = await shell('root-linux', `${LOAD_BLK}; md5sum /dev/vda`, 120_000);
    expect(text).toContain(md5('root.img'));
    expect(machine.faults).toEqual([]);
  }, 180_000);

  it("zone 1's shutdown returns the function to hvisor's list and a restarted zone 1 gets it again", async () => {
    expect(machine.host.shutdownZone(1).code).toBe(0);
    const vpci = machine.host.runtime!.vpci!;
    expect(vpci.globalFunctions().find((g) => g.bdf === '0000:00:02.0')!.owner).toBeUndefined();
    // The root's list (board.rs ROOT_PCI_DEVS) does not name 00:02.0: its rescan still finds nothing there.
    const root = await shell('root-linux', `echo 1 > /sys/bus/pci/rescan; sleep 1; ${LIST_PCI}`, 60_000);
    expect(root).not.toMatch(/pci 0000:00:02\.0/);
    const from = machine.output('linux1').length;
    const started = await machine.host.startZone(`${LAYOUT}/zone1.json`);
    expect(started.code, started.message).toBe(0);
    await machine.waitFor('linux1', 'hvwb-init: ready', 600_000, from);
    await machine.waitFor('linux1', '# ', 30_000, from);
    const text = await shell('linux1', `${LIST_PCI}; md5sum /dev/vda`, 60_000);
    expect(text).toMatch(/pci 0000:00:02\.0 0x1af4:0x1042 0x010000/);
    expect(text).toContain(md5('zone1.img'));
    expect(vpci.globalFunctions().find((g) => g.bdf === '0000:00:02.0')!.owner).toBe(1);
  }, 720_000);
});
