/**
 * MSI-X of virtio-pci on qemu-aia: the board's PCIe host names the IMSIC as msi-parent, so Debian's
 * kernel gives the virtio-blk-pci function MSI-X vectors (IMSIC identities at its IMSIC page) instead of
 * INTx, and each completion's message reaches the root's guest interrupt file (the file hvisor's vIMSIC
 * sends that page's writes to). The disk is read through them (md5 of the image) and /proc/interrupts
 * counts the request queue's vector. Runs when the Linux images are cached.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadLayout } from '../../src/host/layout-loader';
import { MachineHost } from '../../src/host/machine-host';
import { LinuxConsole } from '../helpers/linux-console';

const LAYOUT = 'tests/boot/layouts/riscv64-pcie-aia';
const DISK = 'examples/riscv64-pcie-root/disk.img';
const IMAGES = 'examples/riscv64-linux-root/images';
const BOOT_MS = 300_000;
const cached = existsSync(path.join(IMAGES, 'Image')) && existsSync(path.join(IMAGES, 'initramfs.cpio.gz'));
if (!cached) console.warn(`qemu-aia PCIe boot test skipped: no Linux images in ${IMAGES}; run bash scripts/fetch-guest-images.sh`);

describe.skipIf(!cached)('PCIe MSI-X on qemu-aia', () => {
  it('virtio-blk-pci gets MSI-X vectors in the IMSIC and the disk reads through them', async () => {
    const loaded = await loadLayout(LAYOUT);
    const host = await MachineHost.create(loaded);
    const console = new LinuxConsole(host);
    await host.start();
    try {
      await console.waitFor('hvwb-init: ready', BOOT_MS);
      await console.waitFor('# ', 20_000);
      await console.run('grep -E "^virtio_blk " /etc/hvwb-modules | while read n ko; do insmod $ko; done');
      const disk = await console.run('cat /sys/block/vda/size; md5sum /dev/vda; ls /sys/bus/pci/devices/0000:00:01.0/msi_irqs; grep -i msi /proc/interrupts');
      const image = readFileSync(DISK);
      expect(disk).toMatch(new RegExp(`^${image.length / 512}\\s*$`, 'm'));
      expect(disk).toContain(createHash('md5').update(image).digest('hex'));
      // Two MSI-X vectors (configuration and the request queue); the queue's counted the reads.
      expect(disk).toMatch(/^\s*\d+:\s+[1-9]\d*\s.*MSI.*virtio\d+-req/m);
      expect(console.faults).toEqual([]);
    } finally {
      await host.stop();
    }
  }, BOOT_MS + 90_000);
});
