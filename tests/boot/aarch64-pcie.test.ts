/**
 * Debian's arm64 kernel finds QEMU virt's PCIe host on qemu-gicv3 where hvisor's board.rs
 * ROOT_PCI_CONFIG puts it (high ECAM 0x40_1000_0000, 32-bit window 0x10000000, 64-bit window
 * 0x80_0000_0000): pci-host-generic enumerates the host bridge and the virtio-blk-pci disk at 00:01.0,
 * virtio-pci binds it, and the disk read through virtio_blk gives the image's md5, its completions
 * counted on an MSI-X vector of the GICv3 ITS at 0x0808_0000 (the host's msi-map names it): an LPI
 * that hvisor's vITS mapped for the root (vits.ts), not INTx. Runs when the arm64 images are cached
 * (scripts/fetch-guest-images.sh --arch aarch64).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadLayout } from '../../src/host/layout-loader';
import { MachineHost } from '../../src/host/machine-host';
import { LinuxConsole } from '../helpers/linux-console';

const LAYOUT = 'examples/aarch64-pcie-root';
const DISK = 'examples/riscv64-pcie-root/disk.img';
const IMAGES = 'examples/aarch64-linux-root/images';
const BOOT_MS = 420_000;
const cached = existsSync(path.join(IMAGES, 'Image')) && existsSync(path.join(IMAGES, 'initramfs.cpio.gz'));
if (!cached) console.warn(`aarch64 PCIe boot test skipped: no Linux images in ${IMAGES}; run bash scripts/fetch-guest-images.sh --arch aarch64`);

describe.skipIf(!cached)('PCIe on qemu-gicv3', () => {
  it('Linux enumerates the ECAM host at 0x4010000000, binds virtio-pci to the disk and reads it with MSI-X through the ITS', async () => {
    const loaded = await loadLayout(LAYOUT);
    const host = await MachineHost.create(loaded);
    const console = new LinuxConsole(host);
    await host.start();
    try {
      const boot = await console.waitFor('hvwb-init: ready', BOOT_MS);
      expect(boot).toMatch(/pci-host-generic 4010000000\.pci: ECAM at \[mem 0x4010000000-0x401fffffff\] for \[bus 00-ff\]/);
      expect(boot).toMatch(/pci 0000:00:01\.0: BAR 4 \[mem 0x8000000000-0x8000003fff 64bit pref\]: assigned/);
      // Linux's ITS driver found the ITS (its@8080000) through hvisor's vITS.
      expect(boot).toMatch(/ITS \[mem 0x08080000-0x0809ffff\]/);
      await console.waitFor('# ', 20_000);
      const devices = await console.run('for d in /sys/bus/pci/devices/*; do echo "pci ${d##*/} $(cat $d/vendor):$(cat $d/device) $(cat $d/class) $(basename $(readlink $d/driver) 2>/dev/null) irq $(cat $d/irq)"; done');
      expect(devices).toMatch(/pci 0000:00:00\.0 0x1b36:0x0008 0x060000/);
      expect(devices).toMatch(/pci 0000:00:01\.0 0x1af4:0x1042 0x010000 virtio-pci/);
      // virtio_blk is a module of Debian's kernel; /init loads modules only for virtio-mmio devices.
      await console.run('grep -E "^virtio_blk " /etc/hvwb-modules | while read n ko; do insmod $ko; done');
      const disk = await console.run('cat /sys/block/vda/size; md5sum /dev/vda; grep -E "virtio|ITS" /proc/interrupts; dmesg | grep -E "ITS|GICv3|LPI"');
      globalThis.console.log(`aarch64 PCIe: ${disk}`);
      const image = readFileSync(DISK);
      expect(disk).toMatch(new RegExp(`^${image.length / 512}\\s*$`, 'm'));
      expect(disk).toContain(createHash('md5').update(image).digest('hex'));
      // The request queue's MSI-X vector (ITS-PCI-MSIX-0000:00:01.0, vector 1, edge) counts the disk's
      // completions; INTx (GICv3 36) is not used.
      expect(disk).toMatch(/^\s*\d+:\s+[1-9]\d*\s+ITS-PCI-MSIX-0000:00:01\.0\s+1\s+Edge\s+virtio0-req\.0/m);
      expect(disk).not.toMatch(/GICv3\s+36\s+Level/);
      expect(console.faults).toEqual([]);
    } finally {
      await host.stop();
    }
  }, BOOT_MS + 90_000);
});
