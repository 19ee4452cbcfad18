/**
 * Debian's riscv64 kernel on hvisor's qemu-aia board, as the root zone (harts 0-1) and as hvisor's zone 1
 * (zone1-linux.json, CPU 3; examples/riscv64-aia-linux). The root's UART interrupt goes through its vAPLIC
 * to the physical APLIC (MSI mode), which sends it as an MSI to the IMSIC guest file hvisor gives the
 * zone, and the guest claims it through stopei; its IPIs are MSIs to the zone's IMSIC pages. Zone 1's
 * virtio console interrupt is a virtual injection through its own vAPLIC to CPU 3's guest file. One
 * boot of both, then /proc/interrupts, the inspector's tables, the timeline, and zone 1 shut down and
 * started again. Runs only when the
 * images of examples/riscv64-linux-root are cached (scripts/fetch-guest-images.sh).
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadLayout } from '../../src/host/layout-loader';
import { MachineHost } from '../../src/host/machine-host';
import { InspectService } from '../../src/host/inspect-service';
import { TimelineService } from '../../src/host/timeline-service';
import type { TimelineSnapshot } from '../../src/shared/protocol/index';

const IMAGES = 'examples/riscv64-linux-root/images';
const cached = existsSync(`${IMAGES}/Image`) && existsSync(`${IMAGES}/initramfs.cpio.gz`);
if (!cached) console.warn(`qemu-aia linux boot test skipped: no Linux images in ${IMAGES}; run bash scripts/fetch-guest-images.sh`);
const BOOT_MS = 150_000;

/** The count of the /proc/interrupts line naming `what`, summed over the CPUs. */
function countOf(table: string, what: RegExp): number {
  const line = table.split('\n').find((l) => what.test(l));
  if (!line) throw new Error(`no /proc/interrupts line matches ${what}:\n${table}`);
  const cells = line.trim().split(/\s+/).slice(1);
  let sum = 0;
  for (const cell of cells) {
    if (!/^\d+$/.test(cell)) break;
    sum += Number(cell);
  }
  return sum;
}

describe.skipIf(!cached)('Linux on qemu-aia (APLIC -> IMSIC)', () => {
  it('boots the root and zone 1, whose UART, IPIs and virtio interrupts count through APLIC-MSI and IMSIC', async () => {
    // hvisor's qemu-aia zone 1 on CPU 3 next to the root, which gets harts 0 and 1 (IPIs between them).
    const loaded = await loadLayout('examples/riscv64-aia-linux');
    const layout = { ...loaded.layout, root: { ...loaded.layout.root, cpus: [0, 1] } };
    const host = await MachineHost.create({ ...loaded, layout });
    const texts = new Map<number, string>([[0, ''], [1, '']]);
    const faults: string[] = [];
    const decoders = new Map<number, TextDecoder>();
    host.on({
      output: (zone, _name, bytes) => {
        const decoder = decoders.get(zone) ?? new TextDecoder();
        decoders.set(zone, decoder);
        texts.set(zone, (texts.get(zone) ?? '') + decoder.decode(bytes, { stream: true }));
      },
      fault: (fault) => faults.push(fault.message),
    });
    const waitFor = async (needle: string, from: number, ms: number, zone = 0): Promise<string> => {
      const deadline = Date.now() + ms;
      const text = (): string => texts.get(zone) ?? '';
      while (text().indexOf(needle, from) < 0) {
        if (faults.length > 0) throw new Error(`guest fault: ${faults.join('; ')}\n${text()}`);
        if (Date.now() > deadline) throw new Error(`timeout waiting for ${JSON.stringify(needle)} in zone ${zone}:\n${text()}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      return text().slice(from, text().indexOf(needle, from) + needle.length);
    };
    const run = async (command: string, zone = 0): Promise<string> => {
      const from = (texts.get(zone) ?? '').length;
      host.input(new TextEncoder().encode(`${command}\r`), zone);
      return waitFor('\n# ', from, 30_000, zone);
    };
    let text = '';
    host.start();
    try {
      await waitFor('hvwb-init: ready', 0, BOOT_MS);
      text = texts.get(0)!;
      await waitFor('# ', text.indexOf('hvwb-init: ready'), 10_000);
      text = texts.get(0)!;
      expect(text).toMatch(/riscv-aplic d000000\.aplic: 96 interrupts forwarded to MSI base 0x0+28000000/);
      const first = await run('cat /proc/interrupts');
      const uart = /APLIC-MSI-d000000\.aplic\s+10\s+Level\s+(\S+\s+)?ttyS0/;
      expect(first).toMatch(uart);
      // The IPIs are IMSIC identity 1 (the kernel says so at boot), sent as MSIs to the zone's IMSIC pages.
      expect(text).toMatch(/riscv-imsic: imsics@28000000: providing IPIs using interrupt 1/);
      expect(countOf(first, /Function call interrupts/)).toBeGreaterThan(0);
      const before = countOf(first, uart);
      expect(before).toBeGreaterThan(0);
      // Typing is UART receive interrupts: the count goes up.
      await run('echo one two three four five six seven eight nine ten');
      const second = await run('cat /proc/interrupts');
      expect(countOf(second, uart)).toBeGreaterThan(before);
      // The physical APLIC as hvisor's vAPLIC programmed it: source 10 active in the S domain, enabled,
      // aimed at guest file 1 (IMSIC_GUEST_INDEX) of a root-zone hart.
      const aplic = host.view.devices.aplic!;
      const source = aplic.sourceState(1, 10);
      expect(source).toMatchObject({ active: true, enabled: true, mode: 6 });
      expect((source.target >>> 12) & 0x3f).toBe(1);
      expect([0, 1]).toContain(source.target >>> 18);

      // The inspector: the APLIC as the physical controller (sources, the IMSIC files), the root's vAPLIC.
      const inspect = new InspectService(host, () => undefined);
      const controllers = inspect.interruptControllers().controllers;
      const physical = controllers.find((c) => c.zone === null)!;
      expect(physical).toMatchObject({ id: 'aplic', name: 'APLIC', base: '0xd000000' });
      expect(physical.lines.rows.find((r) => r.key === '10')?.cells).toMatchObject({ domain: 'S', mode: 'level high', guest: 1, owner: 0, hw: 'hw' });
      const files = physical.extra?.find((t) => t.key === 'imsic-files');
      expect(files?.rows.find((r) => r.key === '0.guest 1')?.cells).toMatchObject({ eidelivery: 1 });
      expect(controllers.find((c) => c.zone === 0)).toMatchObject({ kind: 'vaplic', base: '0xd000000' });

      // The timeline: a key typed is UART source 10 raised, pending, sent (the APLIC's MSI), then delivered
      // as the hart's supervisor external interrupt, and the guest file's identity claimed through stopei.
      const timeline = new TimelineService(host, () => undefined);
      try {
        await timeline.invoke('timeline.record', { on: true });
        const since = ((await timeline.invoke('timeline.get', {})) as TimelineSnapshot).cursor;
        await run('echo timeline');
        await new Promise((r) => setTimeout(r, 300));
        const snap = (await timeline.invoke('timeline.get', { since })) as TimelineSnapshot;
        const kinds = new Set(snap.events.filter((e) => e.irq === 10).map((e) => e.kind));
        for (const kind of ['raise', 'pending', 'claim'] as const) expect([...kinds], kind).toContain(kind);
        const episode = snap.episodes.find((e) => e.irq === 10 && e.raise !== undefined && e.delivered !== undefined);
        expect(episode, JSON.stringify(snap.episodes.filter((e) => e.irq === 10).slice(0, 3))).toBeDefined();
        expect(episode!.zone).toBe(0);
        expect(snap.events.some((e) => e.kind === 'vclaim' && e.zone === 0)).toBe(true);
      } finally {
        timeline.dispose();
      }
      // Zone 1: its virtio console's IRQ 6 is virtual (injected by the virtio backend through its vAPLIC's
      // target, an MSI to CPU 3's guest file) and counts in its Linux, on hart 3 only.
      await waitFor('hvwb-init: ready', 0, BOOT_MS, 1);
      await waitFor('# ', 0, 30_000, 1);
      const zone1 = await run('cat /proc/interrupts; grep ^hart /proc/cpuinfo', 1);
      expect(countOf(zone1, /APLIC-MSI-d000000\.aplic\s+6\s+\S+\s+(\S+\s+)?virtio0/)).toBeGreaterThan(0);
      expect(zone1).toMatch(/hart\s+: 3/);
      expect(zone1).not.toMatch(/hart\s+: [012]\b/);

      // Shut down (hvisor's arch_irqchip_reset on its vAPLIC) and started again, zone 1's interrupts count anew.
      expect(host.shutdownZone(1).code).toBe(0);
      const from = texts.get(1)!.length;
      const started = await host.startZone('examples/riscv64-aia-linux/zone1.json');
      expect(started.code, started.message).toBe(0);
      await waitFor('hvwb-init: ready', from, BOOT_MS, 1);
      await waitFor('# ', texts.get(1)!.indexOf('hvwb-init: ready', from), 30_000, 1);
      const again = await run('cat /proc/interrupts', 1);
      expect(countOf(again, /APLIC-MSI-d000000\.aplic\s+6\s+\S+\s+(\S+\s+)?virtio0/)).toBeGreaterThan(0);
      const rootAfter = await run('cat /proc/interrupts');
      expect(countOf(rootAfter, uart)).toBeGreaterThan(countOf(second, uart));
      expect(faults).toEqual([]);
    } finally {
      await host.stop();
    }
  }, BOOT_MS + 60_000);
});
