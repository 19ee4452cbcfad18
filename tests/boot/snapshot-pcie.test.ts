/**
 * Snapshots of PCIe functions served by the management side (decision 0024): Debian's riscv64 kernel as
 * the root of a copy of examples/riscv64-pcie-root, with its virtio-blk-pci disk made writable and its
 * virtio-net-pci up, is saved and stopped. The restored machine's functions go on where they were
 * (configuration space, BARs and queues: no re-probe, no queue error): the guest reads its whole disk
 * again through virtio-blk (page cache dropped) and sends frames that reach the virtual switch's capture.
 * The restored guest writes a sector: the image file keeps its bytes (a copy-on-write overlay), so the
 * first snapshot restores again with the old sector, and a snapshot of the restored machine carries the
 * written one. Runs when the Linux images are cached (scripts/fetch-guest-images.sh).
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadLayout } from '../../src/host/layout-loader';
import { MachineHost } from '../../src/host/machine-host';
import { LinuxConsole } from '../helpers/linux-console';

const EXAMPLE = 'examples/riscv64-pcie-root';
const IMAGES = path.resolve('examples/riscv64-linux-root/images');
const BOOT_MS = 300_000;
const cached = existsSync(path.join(IMAGES, 'Image')) && existsSync(path.join(IMAGES, 'initramfs.cpio.gz'));
if (!cached) console.warn(`PCIe snapshot test skipped: no Linux images in ${IMAGES}; run bash scripts/fetch-guest-images.sh`);

const md5 = (bytes: Uint8Array): string => createHash('md5').update(bytes).digest('hex');
const MAC = Buffer.from([2, 0, 0, 0x50, 0, 2]);

/** A started machine with its console and the path of its switch capture. */
async function boot(host: MachineHost, restore?: Parameters<MachineHost['start']>[0]): Promise<{ shell: LinuxConsole; capture: () => string | undefined }> {
  const shell = new LinuxConsole(host, 60_000);
  let capture: string | undefined;
  host.on({ log: (line) => void (line.startsWith('virtual switch capture: ') ? (capture = line.slice('virtual switch capture: '.length)) : undefined) });
  await host.start(restore);
  return { shell, capture: () => capture };
}

/** Sector 8 as the guest reads it from the device (page cache dropped first). */
const SECTOR = 'echo 3 > /proc/sys/vm/drop_caches; echo "s8=[$(dd if=/dev/vda bs=512 skip=8 count=1 2>/dev/null | head -c 24)]"';

async function untilCaptured(file: () => string | undefined, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const at = file();
    const bytes = at && existsSync(at) ? readFileSync(at) : Buffer.alloc(0);
    // A frame from eth0: its MAC as the source address (an ARP request or the ping).
    const frames = bytes.length > 24 ? bytes.subarray(24).indexOf(MAC) : -1;
    if (frames >= 0) return bytes.length;
    if (Date.now() > deadline) throw new Error(`no frame from ${[...MAC].map((b) => b.toString(16)).join(':')} in the capture ${at ?? '(none logged)'} (${bytes.length} bytes)`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe.skipIf(!cached)('a snapshot of PCIe functions (riscv64-pcie-root)', () => {
  it('restores virtio-blk-pci and virtio-net-pci where they were; a restored guest writing its disk leaves the snapshot valid', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hvwb-snapshot-pcie-'));
    const layout = JSON.parse(readFileSync(path.join(EXAMPLE, 'layout.json'), 'utf8'));
    layout.root.image = path.join(IMAGES, 'Image');
    layout.root.initrd = path.join(IMAGES, 'initramfs.cpio.gz');
    layout.pci[0].read_only = false;
    writeFileSync(path.join(dir, 'layout.json'), JSON.stringify(layout, null, 2));
    copyFileSync(path.join(EXAMPLE, 'disk.img'), path.join(dir, 'disk.img'));
    const image = readFileSync(path.join(dir, 'disk.img'));
    const first = path.join(dir, 'first.hvsnap');
    const second = path.join(dir, 'second.hvsnap');
    const loaded = await loadLayout(dir);
    let host = await MachineHost.create(loaded);
    try {
      let { shell, capture } = await boot(host);
      await shell.waitFor('hvwb-init: ready', BOOT_MS);
      await shell.waitFor('# ', 30_000);
      await shell.run('grep -E "^(virtio_blk|failover|net_failover|virtio_net) " /etc/hvwb-modules | while read n ko; do insmod $ko; done');
      await shell.run('ip link set eth0 up; ip addr add 10.0.2.15/24 dev eth0');
      expect(await shell.run('md5sum /dev/vda')).toContain(md5(image));
      const sectorBefore = (await shell.run(SECTOR)).match(/s8=\[[^\]]*\]/)![0];
      const saved = await host.saveSnapshot(first);
      await host.stop();

      // Restored: the functions answer from where they were; the guest reads its disk and sends frames.
      let restored = await MachineHost.fromSnapshot(loaded, first);
      host = restored.host;
      ({ shell, capture } = await boot(host, restored.restore));
      const reread = await shell.run('echo 3 > /proc/sys/vm/drop_caches; md5sum /dev/vda; ping -c 2 -W 1 10.0.2.2 >/dev/null 2>&1; cat /sys/class/net/eth0/statistics/tx_packets');
      expect(reread).toContain(md5(image));
      expect(Number(/^(\d+)\s*$/m.exec(reread)![1])).toBeGreaterThan(0);
      await untilCaptured(capture, 30_000);
      // The restored guest writes its disk: the image file keeps its bytes, the guest sees the new sector.
      await shell.run('printf written-after-restore | dd of=/dev/vda bs=512 seek=8 conv=notrunc,sync 2>/dev/null; sync');
      expect(await shell.run(SECTOR)).toContain('s8=[written-after-restore');
      expect(md5(readFileSync(path.join(dir, 'disk.img')))).toBe(md5(image));
      const savedAgain = await host.saveSnapshot(second);
      await host.stop();
      expect(shell.faults).toEqual([]);

      // The first snapshot is still valid: its disk has the old sector.
      restored = await MachineHost.fromSnapshot(loaded, first);
      host = restored.host;
      ({ shell } = await boot(host, restored.restore));
      expect(await shell.run(SECTOR)).toContain(sectorBefore);
      await host.stop();

      // The second one carries the restored guest's write.
      restored = await MachineHost.fromSnapshot(loaded, second);
      host = restored.host;
      ({ shell } = await boot(host, restored.restore));
      expect(await shell.run(SECTOR)).toContain('s8=[written-after-restore');
      expect(shell.faults).toEqual([]);
      console.log(`pcie snapshot: ${(saved.bytes / 2 ** 20).toFixed(1)} MiB, pause ${saved.pauseMs.toFixed(0)} + copy ${saved.copyMs.toFixed(0)} + write ${saved.writeMs.toFixed(0)} ms; after the restored guest wrote: ${(savedAgain.bytes / 2 ** 20).toFixed(1)} MiB`);
    } finally {
      await host.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 3 * BOOT_MS);
});
