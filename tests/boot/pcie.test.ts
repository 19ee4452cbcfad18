/**
 * Debian's riscv64 kernel finds QEMU virt's PCIe host on qemu-plic and the virtio-blk-pci disk behind
 * it: the host bridge (1b36:0008), the disk (1af4:1042) and a network function (1af4:1041) in
 * /sys/bus/pci/devices, eth0 with the layout's MAC, the built-in
 * virtio-pci driver bound at 00:01.0 with INTx (no MSI controller on this board), and the disk read
 * through virtio_blk gives the image's md5. Runs when the Linux images are cached
 * (scripts/fetch-guest-images.sh).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadLayout } from '../../src/host/layout-loader';
import { MachineHost } from '../../src/host/machine-host';
import { LinuxConsole } from '../helpers/linux-console';
import { machinePciBlocks, pciBusState } from '../../src/host/pci-service';

const LAYOUT = 'examples/riscv64-pcie-root';
const IMAGES = 'examples/riscv64-linux-root/images';
const BOOT_MS = 120_000;
const cached = existsSync(path.join(IMAGES, 'Image')) && existsSync(path.join(IMAGES, 'initramfs.cpio.gz'));
if (!cached) console.warn(`PCIe boot test skipped: no Linux images in ${IMAGES}; run bash scripts/fetch-guest-images.sh`);

describe.skipIf(!cached)('PCIe on qemu-plic', () => {
  it('Linux enumerates the host bridge, a virtio-blk-pci disk and a virtio-net-pci function, binds virtio-pci, reads the disk and names eth0', async () => {
    const loaded = await loadLayout(LAYOUT);
    const host = await MachineHost.create(loaded);
    const console = new LinuxConsole(host);
    await host.start();
    try {
      await console.waitFor('hvwb-init: ready', BOOT_MS);
      await console.waitFor('# ', 10_000);
      const devices = await console.run('for d in /sys/bus/pci/devices/*; do echo "pci ${d##*/} $(cat $d/vendor):$(cat $d/device) $(cat $d/class) $(basename $(readlink $d/driver) 2>/dev/null) cfg $(wc -c < $d/config)"; done');
      expect(devices).toMatch(/pci 0000:00:00\.0 0x1b36:0x0008 0x060000/);
      // The virtio functions are PCIe (an Express capability), so Linux uses their 4 KiB configuration space.
      expect(devices).toMatch(/pci 0000:00:01\.0 0x1af4:0x1042 0x010000 virtio-pci cfg 4096/);
      expect(devices).toMatch(/pci 0000:00:02\.0 0x1af4:0x1041 0x020000 virtio-pci cfg 4096/);
      // The assignment view's live data (pci.bus) reads the BARs Linux programmed: its sysfs resource lines agree.
      const resources = await console.run('for f in 1 2; do sed -n "2p;5p" /sys/bus/pci/devices/0000:00:0$f.0/resource; done');
      const live = await pciBusState({ loaded, machine: { board: host.plan.board, block: machinePciBlocks(host.plan, host.view.buffer, host.plan.board), live: true } });
      for (const bdf of ['0000:00:01.0', '0000:00:02.0']) {
        for (const bar of live.functions.find((f) => f.bdf === bdf)!.bars) {
          expect(bar.enabled).toBe(true);
          expect(bar.address).not.toBe('0x0');
          const end = Number(bar.address) + Number(bar.size) - 1;
          expect(resources).toContain(`0x${bar.address.slice(2).padStart(16, '0')} 0x${end.toString(16).padStart(16, '0')}`);
        }
      }
      // virtio_blk and virtio_net are modules of Debian's kernel; /init loads modules only for virtio-mmio devices.
      await console.run('grep -E "^(virtio_blk|failover|net_failover|virtio_net) " /etc/hvwb-modules | while read n ko; do insmod $ko; done');
      const net = await console.run('ip link set eth0 up; cat /sys/class/net/eth0/address; basename $(readlink /sys/class/net/eth0/device/driver)');
      expect(net).toContain('02:00:00:50:00:02');
      expect(net).toMatch(/^virtio_net\s*$/m);
      const disk = await console.run('cat /sys/block/vda/size; md5sum /dev/vda; grep virtio /proc/interrupts');
      const image = readFileSync(path.join(LAYOUT, 'disk.img'));
      expect(disk).toMatch(new RegExp(`^${image.length / 512}\\s*$`, 'm'));
      expect(disk).toContain(createHash('md5').update(image).digest('hex'));
      // The completions came as INTx: 00:01.0's INTA is swizzled to PLIC source 33, and it counted.
      expect(disk).toMatch(/^\s*\d+:\s+[1-9]\d*\s.*\b33\b.*virtio/m);
      expect(console.faults).toEqual([]);
    } finally {
      await host.stop();
    }
  }, BOOT_MS + 60_000);
});
