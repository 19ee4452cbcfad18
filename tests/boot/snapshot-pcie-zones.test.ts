/**
 * hvisor's vPCI with two Debian zones on qemu-plic (examples/riscv64-pcie-zones), and a snapshot of it
 * (decision 0024). zone 1's zone JSON assigns the virtio-blk-pci at 00:02.0 (alloc_pci_devs); zone 1's
 * Linux enumerates through its trapped ECAM window and finds only the host bridge and that function,
 * programs its BARs (which the vPCI maps over the function's physical BARs) and reads its disk; the root
 * finds its own disk at 00:01.0 and no 00:02.0. (A zone's shutdown and restart with its functions is
 * tests/boot/pcie-demo.test.ts, on qemu-aia.) Then the machine is saved and stopped; in the restored machine zone 1 reads its disk again through the BARs the
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
const LIST_PCI = 'for d in /sys/bus/pci/devices/*; do echo "pci ${d##*/} $(cat $d/vendor):$(cat $d/device) $(cat $d/class)"; done';
const LOAD_BLK = 'grep -E "^virtio_blk " /etc/hvwb-modules | while read n ko; do insmod $ko; done; sleep 1';
const md5 = (file: string) => createHash('md5').update(readFileSync(`${LAYOUT}/${file}`)).digest('hex');

/** Each zone's console text (by zone id) and a shell command typed into one. */
function consoles(host: MachineHost) {
  const text = new Map<number, string>();
  const decoders = new Map<number, TextDecoder>();
  const faults: string[] = [];
  const logs: string[] = [];
  host.on({
    log: (line) => void logs.push(line),
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
    logs,
    waitFor,
    async shell(zone: number, command: string, timeoutMs = 120_000): Promise<string> {
      const from = of(zone).length;
      host.input(Buffer.from(`${command}; echo DONE-$?\n`), zone);
      return waitFor(zone, /DONE-\d+/, timeoutMs, from);
    },
  };
}

describe.skipIf(!haveImages)('hvisor vPCI: a virtio-blk-pci function assigned to zone 1, and a snapshot of it', () => {
  it('each zone finds and reads only its own function; both read their disks again after a restore', async () => {
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
      const boot = await c.shell(1, 'dmesg | grep -E "pci 0000:00:0|PCI host bridge|virtio-pci"');
      expect(boot).toMatch(/pci 0000:00:02\.0: \[1af4:1042\] type 00 class 0x010000/);
      expect(boot).not.toMatch(/pci 0000:00:01\.0: \[/);
      const list = await c.shell(1, LIST_PCI);
      expect(list).toMatch(/pci 0000:00:00\.0 0x1b36:0x0008 0x060000/);
      expect(list).toMatch(/pci 0000:00:02\.0 0x1af4:0x1042 0x010000/);
      expect(list).not.toMatch(/pci 0000:00:01\.0/);
      expect(c.logs.some((l) => l.includes('zone 1: set bdf 0000:00:02.0 to vbdf 0000:00:02.0'))).toBe(true);
      const zone1 = await c.shell(1, `${LOAD_BLK}; cat /sys/block/vda/size; md5sum /dev/vda; sed -n "2p;5p" /sys/bus/pci/devices/0000:00:02.0/resource`);
      expect(zone1).toMatch(/^512\s*$/m);
      expect(zone1).toContain(md5('zone1.img'));
      // zone 1's stage-2 maps its guest BARs over 00:02.0's physical BARs, which hvisor placed after 00:01.0's.
      const vpciBefore = host.runtime!.vpci!.devices(host.runtime!.table.byId(1)!).find((d) => d.bdf === '0000:00:02.0')!.bars;
      expect(vpciBefore.map((b) => [b.index, b.physical])).toEqual([[1, 0x4000_1000], [4, 0x4_0000_4000]]);
      for (const bar of vpciBefore) expect(zone1).toContain(`0x${bar.guest.toString(16).padStart(16, '0')}`);
      const root = await c.shell(0, LIST_PCI);
      expect(root).toMatch(/pci 0000:00:01\.0 0x1af4:0x1042/);
      expect(root).not.toMatch(/pci 0000:00:02\.0/);
      expect(await c.shell(0, `${LOAD_BLK}; md5sum /dev/vda`)).toContain(md5('root.img'));
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
