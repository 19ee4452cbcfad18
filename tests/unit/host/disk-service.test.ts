/** The "Attach folder" service: free windows and IRQs, exact refusals, atomic config writes, progress, image errors. */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DiskService, planFolderDevice, type UsedWindow } from '../../../src/host/disk-service';
import type { ZoneConfig } from '../../../src/shared/model/zone-config';
import type { EventName, Events } from '../../../src/shared/protocol/index';

const repo = path.resolve(import.meta.dirname, '../../..');
const temporaries: string[] = [];

function temp(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  temporaries.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of temporaries.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function zone(regions: { start: number; size: number }[], interrupts: number[]): ZoneConfig {
  return {
    source: '/layouts/zone-u.json',
    root: false,
    zoneId: 1,
    name: 'zoneU',
    cpus: [1],
    memoryRegions: regions.map((r) => ({ type: 'virtio', physicalStart: r.start, virtualStart: r.start, size: r.size })),
    interrupts,
  } as unknown as ZoneConfig;
}

const used = (addr: number, irq: number, label = `console@0x${addr.toString(16)}`): UsedWindow => ({ addr, len: 0x200, irq, label });

describe('planFolderDevice', () => {
  it('takes the lowest free 0x200 window and the lowest IRQ of the zone no device uses', () => {
    const plan = planFolderDevice(zone([{ start: 0x10001000, size: 0x1000 }], [1, 2, 3]), [used(0x10001000, 1), used(0x10001400, 2)]);
    expect(plan).toEqual({ ok: true, addr: 0x10001200, irq: 3 });
  });

  it('looks in the next virtio region when the first is full', () => {
    const plan = planFolderDevice(zone([{ start: 0x10001000, size: 0x200 }, { start: 0x10008000, size: 0x1000 }], [1, 2]), [used(0x10001000, 1)]);
    expect(plan).toEqual({ ok: true, addr: 0x10008000, irq: 2 });
  });

  it('says which region is full and what fills it', () => {
    const plan = planFolderDevice(zone([{ start: 0x10001000, size: 0x400 }], [1, 2, 3]), [used(0x10001000, 1), used(0x10001200, 2, 'blk@0x10001200 (zones[0].devices[1])')]);
    expect(plan.ok).toBe(false);
    expect(!plan.ok && plan.reason).toBe(
      'no free 0x200 window in the virtio region of zone 1 "zoneU" (zone-u.json): 0x10001000-0x100013ff (2 windows of 0x200; used by console@0x10001000, blk@0x10001200 (zones[0].devices[1])) is full; enlarge a region or detach a device',
    );
  });

  it('says which IRQ list is full and who uses each IRQ', () => {
    const plan = planFolderDevice(zone([{ start: 0x10001000, size: 0x1000 }], [1]), [used(0x10001000, 1)]);
    expect(!plan.ok && plan.reason).toBe(
      'no free IRQ for zone 1 "zoneU" (zone-u.json): its interrupts [1] are all in use (1 by console@0x10001000); add an IRQ to "interrupts" in /layouts/zone-u.json',
    );
    const irqOfOtherZone = planFolderDevice(zone([{ start: 0x10001000, size: 0x1000 }], [4]), [], new Map([[4, 'net@0x10004000 (zones[1].devices[0])']]));
    expect(!irqOfOtherZone.ok && irqOfOtherZone.reason).toContain('4 by net@0x10004000 (zones[1].devices[0])');
  });

  it('refuses a zone without a virtio region, naming its file', () => {
    const plan = planFolderDevice(zone([], [1]), []);
    expect(!plan.ok && plan.reason).toMatch(/zone 1 "zoneU" \(zone-u.json\) has no virtio memory region: add one .* to \/layouts\/zone-u.json/);
  });
});

/** A copy of examples/riscv64-zones whose zoneU has a virtio region and IRQ 1, with absolute image paths. */
function zonesLayout(interrupts = [1]): string {
  const dir = temp('hvwb-disks-layout-');
  cpSync(path.join(repo, 'examples/riscv64-zones'), dir, { recursive: true });
  const layout = JSON.parse(readFileSync(path.join(dir, 'layout.json'), 'utf8'));
  layout.root.image = path.resolve(repo, 'examples/riscv64-zones', layout.root.image);
  writeFileSync(path.join(dir, 'layout.json'), JSON.stringify(layout, null, 2));
  for (const file of ['zone-u.json', 'zone-r.json']) {
    const zoneJson = JSON.parse(readFileSync(path.join(dir, file), 'utf8'));
    zoneJson.kernel_filepath = path.resolve(repo, 'examples/riscv64-zones', zoneJson.kernel_filepath);
    if (file === 'zone-u.json') {
      zoneJson.memory_regions.push({ type: 'virtio', physical_start: '0x10001000', virtual_start: '0x10001000', size: '0x1000' });
      zoneJson.interrupts = interrupts;
    }
    writeFileSync(path.join(dir, file), JSON.stringify(zoneJson, null, 2));
  }
  return dir;
}

function service(folder: string): { disks: DiskService; events: { event: EventName; payload: unknown }[] } {
  const events: { event: EventName; payload: unknown }[] = [];
  const disks = new DiskService({
    folder,
    host: () => undefined,
    emit: <E extends EventName>(event: E, payload: Events[E]) => void events.push({ event, payload }),
    cacheDir: temp('hvwb-disks-cache-'),
  });
  return { disks, events };
}

function hostFolder(files: Record<string, string>): string {
  const dir = temp('hvwb-disks-share-');
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

describe('DiskService', () => {
  it('attaches a folder: image built with progress, then virtio_cfg.json and the layout written atomically', async () => {
    const layout = zonesLayout();
    const share = hostFolder({ 'readme.txt': 'hello\n', 'data/numbers.bin': 'x'.repeat(200_000) });
    const { disks, events } = service(layout);

    const targets = await disks.targets();
    expect(targets.find((z) => z.id === 1)).toMatchObject({ name: 'zoneU', config: 'zone-u.json', regions: ['0x10001000-0x10001fff'], interrupts: [1] });
    expect(targets.find((z) => z.id === 2)?.problem).toMatch(/has no virtio memory region/);

    const started = await disks.attach({ folder: share, zone: 1, readOnly: false });
    expect(started).toMatchObject({ addr: 0x10001000, irq: 1, updated: false, configFile: 'virtio_cfg.json' });
    // Nothing is in the layout before the image is built.
    expect(existsSync(path.join(layout, 'virtio_cfg.json'))).toBe(false);
    await disks.whenDone(started.job);

    const progress = events.filter((e) => e.event === 'disk.progress').map((e) => (e.payload as Events['disk.progress']).percent);
    expect(progress[0]).toBe(0);
    expect(progress.at(-1)).toBe(100);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);
    expect(events.some((e) => e.event === 'disk.progress' && (e.payload as Events['disk.progress']).file?.endsWith('numbers.bin'))).toBe(true);
    const done = events.find((e) => e.event === 'disk.attached')!.payload as Events['disk.attached'];
    expect(done.ok, done.message).toBe(true);
    expect(done.message).toContain('sees the disk when it (re)starts');
    expect(done.disk).toMatchObject({ zone: 1, addr: 0x10001000, irq: 1, readOnly: false, files: 2 });

    const config = JSON.parse(readFileSync(path.join(layout, 'virtio_cfg.json'), 'utf8'));
    expect(config.zones).toEqual([
      {
        id: 1,
        memory_region: [{ zone0_ipa: '0x88000000', zonex_ipa: '0x88000000', size: '0x1000000' }],
        devices: [{ type: 'blk', addr: '0x10001000', len: '0x200', irq: 1, img: share, read_only: false, status: 'enable' }],
      },
    ]);
    expect(JSON.parse(readFileSync(path.join(layout, 'layout.json'), 'utf8')).virtio).toBe('virtio_cfg.json');
    // Written through temporary files renamed into place: none is left behind.
    expect(readdirSync(layout).filter((name) => name.endsWith('.tmp'))).toEqual([]);

    expect(await disks.list()).toEqual([{ zone: 1, zoneName: 'zoneU', addr: 0x10001000, irq: 1, folder: share, readOnly: false, files: 2, status: 'next-start' }]);

    // Attaching the same folder again changes its mode in place.
    const again = await disks.attach({ folder: share, zone: 1, readOnly: true });
    expect(again).toMatchObject({ addr: 0x10001000, irq: 1, updated: true });
    await disks.whenDone(again.job);
    expect(JSON.parse(readFileSync(path.join(layout, 'virtio_cfg.json'), 'utf8')).zones[0].devices).toHaveLength(1);
    expect((await disks.list())[0]!.readOnly).toBe(true);

    // zoneU owns only IRQ 1: a second folder is refused with the reason.
    await expect(disks.attach({ folder: hostFolder({ 'b.txt': 'b' }), zone: 1, readOnly: true })).rejects.toThrow(
      /no free IRQ for zone 1 "zoneU" \(zone-u.json\): its interrupts \[1\] are all in use \(1 by blk@0x10001000 \(zones\[0\]\.devices\[0\]\)\)/,
    );

    expect(await disks.detach(1, 0x10001000)).toMatch(/removed from zone 1/);
    expect(JSON.parse(readFileSync(path.join(layout, 'virtio_cfg.json'), 'utf8')).zones[0].devices).toEqual([]);
    expect(await disks.list()).toEqual([]);
  });

  it('writes a folder inside the layout as a relative path', async () => {
    const layout = zonesLayout([1, 2]);
    mkdirSync(path.join(layout, 'share'));
    writeFileSync(path.join(layout, 'share', 'a.txt'), 'a');
    const { disks } = service(layout);
    const started = await disks.attach({ folder: 'share', zone: 1, readOnly: true });
    await disks.whenDone(started.job);
    const device = JSON.parse(readFileSync(path.join(layout, 'virtio_cfg.json'), 'utf8')).zones[0].devices[0];
    expect(device).toMatchObject({ img: 'share', read_only: true });
  });

  it('reports a folder FAT cannot hold with the host path, and writes nothing', async () => {
    const layout = zonesLayout();
    const share = hostFolder({ 'Notes.txt': 'one', 'NOTES.TXT': 'two' });
    const { disks, events } = service(layout);
    const started = await disks.attach({ folder: share, zone: 1, readOnly: true });
    await disks.whenDone(started.job);
    const done = events.find((e) => e.event === 'disk.attached')!.payload as Events['disk.attached'];
    expect(done.ok).toBe(false);
    expect(done.message).toContain(`cannot build a FAT32 image of ${share}`);
    expect(done.message).toMatch(new RegExp(`${share.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/(Notes.txt|NOTES.TXT)`));
    expect(done.message).toMatch(/collides/);
    expect(existsSync(path.join(layout, 'virtio_cfg.json'))).toBe(false);
    expect(JSON.parse(readFileSync(path.join(layout, 'layout.json'), 'utf8')).virtio).toBeUndefined();
  });

  it('reads virtio_cfg.json as hvisor-tool does when it adds a disk: keys in any case, the first of repeated keys', async () => {
    const layout = zonesLayout([1, 2]);
    // "Zones" in another case, and zone 1's entry with a repeated id (hvisor-tool takes the first: 1, not 2).
    writeFileSync(
      path.join(layout, 'virtio_cfg.json'),
      '{"Zones": [{"id": 1, "id": 2, "memory_region": [{"zone0_ipa": "0x88000000", "zonex_ipa": "0x88000000", "size": "0x1000000"}],' +
        ' "Devices": [{"type": "console", "addr": "0x10001000", "len": "0x200", "irq": 1, "status": "enable"}]}]}',
    );
    const layoutJson = JSON.parse(readFileSync(path.join(layout, 'layout.json'), 'utf8'));
    writeFileSync(path.join(layout, 'layout.json'), JSON.stringify({ ...layoutJson, virtio: 'virtio_cfg.json' }));
    const { disks } = service(layout);
    const started = await disks.attach({ folder: hostFolder({ 'a.txt': 'a' }), zone: 1, readOnly: true });
    expect(started).toMatchObject({ addr: 0x10001200, irq: 2 });
    await disks.whenDone(started.job);
    const written = JSON.parse(readFileSync(path.join(layout, 'virtio_cfg.json'), 'utf8'));
    expect(written.zones).toHaveLength(1);
    expect(written.zones[0].id).toBe(1);
    expect(written.zones[0].Devices.map((d: { type: string }) => d.type)).toEqual(['console', 'blk']);
  });

  it('browses subfolders on the host', async () => {
    const share = hostFolder({ 'b/x.txt': 'x', 'a/y.txt': 'y', '.hidden/z': 'z', 'file.txt': 'f' });
    const { disks } = service(zonesLayout());
    const listed = await disks.browse(share);
    expect(listed.folders.map((f) => f.name)).toEqual(['a', 'b', '.hidden']);
    expect(listed.parent).toBe(path.dirname(share));
    await expect(disks.browse(path.join(share, 'file.txt'))).rejects.toThrow(/not a folder/);
  });
});
