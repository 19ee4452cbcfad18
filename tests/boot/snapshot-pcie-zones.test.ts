/**
 * A snapshot of hvisor's vPCI state (decision 0024): examples/riscv64-pcie-zones, two Debian zones, zone 1
 * with the virtio-blk-pci at 00:02.0 assigned through alloc_pci_devs. Both zones read their disks, the
 * machine is saved and stopped; in the restored machine zone 1 reads its disk again through the BARs the
 * vPCI mapped over the function's (its per-zone records, BAR values and stage-2 windows come back with
 * the shared regions, the function's queues with the management state), and the root reads its own.
 * Needs the images of scripts/fetch-guest-images.sh.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TextDecoder } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadLayout } from '../../src/host/layout-loader';
import { MachineHost } from '../../src/host/machine-host';

const LAYOUT = 'examples/riscv64-pcie-zones';
const haveImages = existsSync('examples/riscv64-linux-root/images/Image') && existsSync('examples/riscv64-linux-root/images/initramfs.cpio.gz');
if (!haveImages) console.warn('snapshot-pcie-zones: no guest images; run `bash scripts/fetch-guest-images.sh` to enable this test');
const LOAD_BLK = 'grep -E "^virtio_blk " /etc/hvwb-modules | while read n ko; do insmod $ko; done; sleep 1';
const md5 = (file: string) => createHash('md5').update(readFileSync(`${LAYOUT}/${file}`)).digest('hex');

/** Each zone's console text (by zone id) and a shell command typed into one. */
function consoles(host: MachineHost) {
  const text = new Map<number, string>();
  const decoders = new Map<number, TextDecoder>();
  const faults: string[] = [];
  host.on({
    output(zone, _name, bytes) {
      if (!decoders.has(zone)) decoders.set(zone, new TextDecoder());
      text.set(zone, (text.get(zone) ?? '') + decoders.get(zone)!.decode(bytes, { stream: true }));
    },
    fault: (fault) => void faults.push(fault.message),
  });
  const of = (zone: number) => text.get(zone) ?? '';
  async function waitFor(zone: number, needle: RegExp | string, timeoutMs: number, from = 0): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const rest = of(zone).slice(from);
      if (typeof needle === 'string' ? rest.includes(needle) : needle.test(rest)) return rest;
      if (faults.length > 0) throw new Error(`guest fault: ${faults.join('; ')}`);
      if (Date.now() > deadline) throw new Error(`timeout waiting for zone ${zone}: ${String(needle)}\n${rest.slice(-2000)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return {
    faults,
    waitFor,
    async shell(zone: number, command: string, timeoutMs = 120_000): Promise<string> {
      const from = of(zone).length;
      host.input(Buffer.from(`${command}; echo DONE-$?\n`), zone);
      return waitFor(zone, /DONE-\d+/, timeoutMs, from);
    },
  };
}

describe.skipIf(!haveImages)('a snapshot of hvisor vPCI zones', () => {
  it('zone 1 and the root read their PCIe disks again after the restore', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hvwb-snapshot-vpci-'));
    const file = path.join(dir, 'vpci.hvsnap');
    const loaded = await loadLayout(LAYOUT);
    let host = await MachineHost.create(loaded);
    try {
      let c = consoles(host);
      await host.start();
      await c.waitFor(1, 'hvwb-init: ready', 600_000);
      await c.waitFor(0, 'hvwb-init: ready', 600_000);
      await c.waitFor(1, '# ', 30_000);
      expect(await c.shell(1, `${LOAD_BLK}; md5sum /dev/vda`)).toContain(md5('zone1.img'));
      expect(await c.shell(0, `${LOAD_BLK}; md5sum /dev/vda`)).toContain(md5('root.img'));
      const vpciBefore = host.runtime!.vpci!.devices(host.runtime!.table.byId(1)!).find((d) => d.bdf === '0000:00:02.0')!.bars;
      const saved = await host.saveSnapshot(file);
      await host.stop();

      const restored = await MachineHost.fromSnapshot(loaded, file);
      host = restored.host;
      c = consoles(host);
      await host.start(restored.restore);
      const slot = host.runtime!.table.byId(1)!;
      expect(host.runtime!.vpci!.devices(slot).find((d) => d.bdf === '0000:00:02.0')!.bars).toEqual(vpciBefore);
      expect(await c.shell(1, 'echo 3 > /proc/sys/vm/drop_caches; md5sum /dev/vda; grep -c . /proc/partitions')).toContain(md5('zone1.img'));
      expect(await c.shell(0, 'echo 3 > /proc/sys/vm/drop_caches; md5sum /dev/vda')).toContain(md5('root.img'));
      expect(c.faults).toEqual([]);
      console.log(`vpci snapshot: ${(saved.bytes / 2 ** 20).toFixed(1)} MiB (RAM ${(saved.ramUsedBytes / 2 ** 20).toFixed(1)} MiB in use), guest stopped ${(saved.pauseMs + saved.copyMs).toFixed(0)} ms, compress+write ${saved.writeMs.toFixed(0)} ms; restore read ${restored.readMs.toFixed(0)} ms`);
    } finally {
      await host.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 1_200_000);
});
