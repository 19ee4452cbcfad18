/**
 * The PCIe demo (examples/riscv64-pcie, issue 11 item 6): root Linux (hart 0) and zone 1 Linux (hart 3)
 * on qemu-aia share QEMU virt's PCIe host through hvisor's vPCI. The root's list (the layout's
 * ROOT_PCI_DEVS) holds the host bridge and its disk at 00:01.0; zone 1's alloc_pci_devs the host bridge,
 * the bochs-display at 00:02.0, its disk at 00:03.0 and a virtio-net-pci at 00:04.0. Each zone lists only
 * its functions at their vBDFs (hvisor's computed vBDFs equal the physical BDFs on bus 0), mounts its own
 * FAT disk, zone 1's bochs-drm drives the display (fbcon's text arrives in the framebuffer the Display
 * tab shows), and zone 1's shutdown puts its functions back in hvisor's list, from which a restarted
 * zone 1 takes them again. Needs the images of scripts/fetch-guest-images.sh.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLayout } from '../../src/host/layout-loader';
import { DisplayService } from '../../src/host/display-service';
import { shell as runShell, startMachine, type LiveMachine } from '../helpers/live-machine';

const LAYOUT = 'examples/riscv64-pcie';
const haveImages = existsSync('examples/riscv64-linux-root/images/Image') && existsSync('examples/riscv64-linux-root/images/initramfs.cpio.gz');
if (!haveImages) console.warn('pcie-demo: no guest images; run `bash scripts/fetch-guest-images.sh` to enable this test');

/**
 * Debian's busybox-static has no lspci applet: this prints busybox lspci's line format
 * ("00:02.0 Class 0100: 1af4:1042") from sysfs, which is where busybox's lspci reads it too.
 */
const LSPCI =
  'lspci() { for d in /sys/bus/pci/devices/*; do echo "${d##*/0000:} Class $(cut -c3-6 $d/class): $(cut -c3- $d/vendor):$(cut -c3- $d/device)"; done; }; lspci';
/** The disk's driver and the FAT modules, in /etc/hvwb-modules' dependency order, unless loaded. */
const LOAD_DISK = 'grep -E "^(virtio_blk|fat|vfat|nls_cp437|nls_ascii) " /etc/hvwb-modules | while read n ko; do [ -d /sys/module/$n ] || insmod $ko; done; sleep 1';
const MOUNT = 'mkdir -p /mnt/disk; mount -t vfat -o ro /dev/vda /mnt/disk && cat /mnt/disk/whoami.txt; umount /mnt/disk';
const ROOT_DISK = "this is the root zone's disk of examples/riscv64-pcie";
const ZONE1_DISK = "this is the zone 1's disk of examples/riscv64-pcie";

/** Pixels of a frame's bands that are not the background (black). */
function litPixels(bands: readonly { rgba: string }[]): number {
  let lit = 0;
  for (const band of bands) {
    const px = Buffer.from(band.rgba, 'base64');
    for (let i = 0; i < px.length; i += 4) if (px[i]! | px[i + 1]! | px[i + 2]!) lit++;
  }
  return lit;
}

describe.skipIf(!haveImages)('the PCIe demo: two Linux zones on qemu-aia, each with its own PCIe functions', () => {
  let machine: LiveMachine;
  let started = 0;

  const shell = (zone: 'root-linux' | 'linux1', command: string, timeoutMs?: number): Promise<string> =>
    runShell(machine, zone, zone === 'root-linux' ? 0 : 1, command, timeoutMs);

  beforeAll(async () => {
    started = Date.now();
    machine = await startMachine(await loadLayout(LAYOUT));
    await Promise.all([machine.waitFor('linux1', 'hvwb-init: ready', 600_000), machine.waitFor('root-linux', 'hvwb-init: ready', 600_000)]);
    console.log(`pcie-demo: both zones ready ${((Date.now() - started) / 1000).toFixed(1)} s after the start`);
    await machine.waitFor('linux1', '# ', 30_000);
  }, 720_000);

  afterAll(async () => {
    await machine?.stop();
  });

  it('lspci in each zone lists only its own functions, at their vBDFs', async () => {
    const zone1 = await shell('linux1', LSPCI);
    const root = await shell('root-linux', LSPCI);
    console.log(`pcie-demo: zone 1's lspci:\n${zone1}\nroot's lspci:\n${root}`);
    const lines = (text: string) => text.split(/\r?\n/).filter((l) => /^[0-9a-f]{2}:[0-9a-f]{2}\.\d Class /.test(l)).sort();
    expect(lines(zone1)).toEqual(['00:00.0 Class 0600: 1b36:0008', '00:02.0 Class 0380: 1234:1111', '00:03.0 Class 0100: 1af4:1042', '00:04.0 Class 0200: 1af4:1041']);
    expect(lines(root)).toEqual(['00:00.0 Class 0600: 1b36:0008', '00:01.0 Class 0100: 1af4:1042']);
    for (const [bdf, vbdf] of [['00:02.0', '00:02.0'], ['00:03.0', '00:03.0'], ['00:04.0', '00:04.0']]) {
      expect(machine.logs.some((l) => l.includes(`zone 1: set bdf 0000:${bdf} to vbdf 0000:${vbdf}`))).toBe(true);
    }
  }, 120_000);

  it('each zone mounts its own disk; zone 1 has its network interface', async () => {
    const zone1 = await shell('linux1', `${LOAD_DISK}; ${MOUNT}; cat /sys/class/net/eth0/address; readlink -f /sys/class/net/eth0/device`, 120_000);
    expect(zone1).toContain(ZONE1_DISK);
    expect(zone1).toContain('02:00:00:50:00:04');
    expect(zone1).toMatch(/0000:00:04\.0/);
    const root = await shell('root-linux', `${LOAD_DISK}; ${MOUNT}; ls /sys/class/net`, 120_000);
    expect(root).toContain(ROOT_DISK);
    expect(root).not.toContain('eth0');
    expect(machine.faults).toEqual([]);
  }, 300_000);

  it("the display shows zone 1's console: bochs-drm binds in zone 1 and fbcon's text reaches the framebuffer", async () => {
    const drm = await shell('linux1', 'dmesg | grep -E "bochs|fb0|frame buffer device"');
    expect(drm).toMatch(/\[drm\] Initialized bochs-drm .* for 0000:00:02\.0/);
    expect(drm).toMatch(/switching to colour frame buffer device 128x48/);
    const host = machine.host;
    const display = new DisplayService(host.plan.board, host.plan.layout, host.view.buffer, () => true);
    expect(display.list().map((d) => d.id)).toEqual(['pcie/00:02.0']);
    const first = display.frame('pcie/00:02.0', 0);
    expect(first.mode).toMatchObject({ width: 1024, height: 768, bpp: 32 });
    const before = litPixels(first.bands);
    await shell('linux1', 'echo "zone 1 (linux1) on hvisor: $(uname -r)" > /dev/tty1; lspci > /dev/tty1');
    // fbcon's damage worker copies its shadow buffer into the VRAM a moment later.
    let frame = display.frame('pcie/00:02.0', 0);
    for (let i = 0; i < 100 && litPixels(frame.bands) < before + 2000; i++) {
      await new Promise((r) => setTimeout(r, 200));
      frame = display.frame('pcie/00:02.0', 0);
    }
    console.log(`pcie-demo: lit pixels before ${before}, after the lines ${litPixels(frame.bands)}`);
    expect(litPixels(frame.bands)).toBeGreaterThan(before + 2000);
  }, 120_000);

  it("zone 1's shutdown returns its functions to hvisor's list and a restarted zone 1 gets them back", async () => {
    const vpci = machine.host.runtime!.vpci!;
    const owner = (bdf: string) => vpci.globalFunctions().find((g) => g.bdf === bdf)!.owner;
    expect(['0000:00:02.0', '0000:00:03.0', '0000:00:04.0'].map(owner)).toEqual([1, 1, 1]);
    expect(machine.host.shutdownZone(1).code).toBe(0);
    expect(['0000:00:02.0', '0000:00:03.0', '0000:00:04.0'].map(owner)).toEqual([undefined, undefined, undefined]);
    expect(machine.logs.some((l) => /zone 1 shut down; 0000:00:02\.0 0000:00:03\.0 0000:00:04\.0 back in the global list/.test(l))).toBe(true);
    // The root's list does not name them: its rescan still finds only its own.
    const root = await shell('root-linux', `echo 1 > /sys/bus/pci/rescan; sleep 1; ${LSPCI}`, 60_000);
    expect(root).not.toMatch(/00:0[234]\.0/);
    const from = machine.output('linux1').length;
    const restarted = Date.now();
    const result = await machine.host.startZone(`${LAYOUT}/zone1.json`);
    expect(result.code, result.message).toBe(0);
    await machine.waitFor('linux1', 'hvwb-init: ready', 600_000, from);
    await machine.waitFor('linux1', '# ', 30_000, from);
    console.log(`pcie-demo: zone 1 ready again ${((Date.now() - restarted) / 1000).toFixed(1)} s after the restart`);
    const text = await shell('linux1', `${LSPCI}; ${LOAD_DISK}; ${MOUNT}`, 120_000);
    expect(text).toMatch(/00:02\.0 Class 0380: 1234:1111/);
    expect(text).toMatch(/00:03\.0 Class 0100: 1af4:1042/);
    expect(text).toMatch(/00:04\.0 Class 0200: 1af4:1041/);
    expect(text).toContain(ZONE1_DISK);
    expect(['0000:00:02.0', '0000:00:03.0', '0000:00:04.0'].map(owner)).toEqual([1, 1, 1]);
  }, 720_000);
});
