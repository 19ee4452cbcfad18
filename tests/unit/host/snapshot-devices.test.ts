/**
 * Snapshots of a machine whose virtio daemon serves a host-folder disk, an image disk and a virtio-net
 * device beside the consoles (decision 0024): a copy of the aarch64 zones demo with those three added to
 * zoneU in virtio_cfg.json. The save keeps the folder disk's built image (not the folder: it changes
 * after the save here, and the restored disk is still the saved one, byte for byte), the net device's
 * state and the image disk's identity; a restore after the image file changed is refused naming the
 * device and file, with the running machine going on; the restored machine runs on and saves again.
 */
import { cp, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkbenchServices } from '../../../src/host/services';
import { createWorkbenchServices } from '../../../src/host/workbench';
import { decodePages, parseSnapshotHeader, readSnapshot } from '../../../src/host/snapshot/snapshot-file';

const repo = path.resolve(import.meta.dirname, '../../..');
// Two levels below the repository, so that the example's ../../guest paths still reach the guests.
const folder = path.join(repo, 'test-results', `snapshot-devices-${process.pid}`);
const FOLDER_DISK = 'disk:zone 1 virtio-blk@0xa003a00';
const disksDir = path.join(os.tmpdir(), `hvwb-${process.getuid?.() ?? 0}`, 'disks');

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('snapshots with a host-folder disk, an image disk and virtio-net', () => {
  let services: WorkbenchServices;
  let zoneR = '';
  const reports = (): number => (zoneR.match(/latency min=/g) ?? []).length;

  beforeAll(async () => {
    await rm(folder, { recursive: true, force: true });
    await cp(path.join(repo, 'examples/aarch64-zones'), folder, { recursive: true });
    const zoneU = JSON.parse(await readFile(path.join(folder, 'zone-u.json'), 'utf8'));
    zoneU.memory_regions.find((r: { type: string }) => r.type === 'virtio').size = '0x800';
    zoneU.interrupts = [76, 70, 71, 72];
    await writeFile(path.join(folder, 'zone-u.json'), JSON.stringify(zoneU, null, 2));
    const cfg = JSON.parse(await readFile(path.join(folder, 'virtio_cfg.json'), 'utf8'));
    cfg.zones[0].devices.push(
      { type: 'blk', addr: '0xa003a00', len: '0x200', irq: 70, img: 'share', read_only: false, status: 'enable' },
      { type: 'blk', addr: '0xa003c00', len: '0x200', irq: 71, img: 'data.img', status: 'enable' },
      { type: 'net', addr: '0xa003e00', len: '0x200', irq: 72, tap: 'tap7', mac: ['0x02', '0x00', '0x00', '0x00', '0x01', '0x07'], status: 'enable' },
    );
    await writeFile(path.join(folder, 'virtio_cfg.json'), JSON.stringify(cfg, null, 2));
    await mkdir(path.join(folder, 'share'));
    await writeFile(path.join(folder, 'share', 'hello.txt'), 'saved with the snapshot\n');
    await writeFile(path.join(folder, 'data.img'), new Uint8Array(64 * 1024).map((_, i) => i & 0xff));
    services = await createWorkbenchServices({ layoutPath: folder, autoStart: true });
    services.onEvent((event, payload) => {
      if (event === 'serial.output' && (payload as { zone: number }).zone === 2) zoneR += (payload as { data: string }).data;
    });
    await until('zoneR to report its latency', () => reports() > 0, 120_000);
  }, 240_000);

  afterAll(async () => {
    await services?.dispose();
    await rm(folder, { recursive: true, force: true });
  });

  it('saves the folder disk\'s image and the net device, refuses a changed image disk, restores the same folder disk', async () => {
    const saved = await services.invoke('snapshot.save', { file: 'snapshots/devices.hvsnap' });
    const bytes = await readFile(saved.file);
    const { header } = parseSnapshotHeader(saved.file, bytes);
    expect(header.sections.map((s) => s.name)).toContain(FOLDER_DISK);
    expect(header.layout.files.map((f) => [f.role, f.path])).toContainEqual(['zone 1 virtio-blk@0xa003c00', 'data.img']);
    const snapshot = await readSnapshot(saved.file);
    const management = JSON.parse(Buffer.from(snapshot.sections.get('management')!).toString('utf8')) as { devices: { name: string; state: { device: { config: number[] } } }[]; folders: unknown[] };
    expect(management.devices.map((d) => d.name)).toEqual(['virtio-console@0xa003800', 'virtio-blk@0xa003a00', 'virtio-blk@0xa003c00', 'virtio-net@0xa003e00', 'virtio-console@0xa003600']);
    expect(management.devices[3]!.state.device.config.slice(0, 6)).toEqual([2, 0, 0, 0, 1, 7]);
    expect(management.folders).toHaveLength(1);
    // The image as the snapshot has it: the pages of the built FAT32 image.
    const savedImage = new Map(decodePages(snapshot.sections.get(FOLDER_DISK)!));
    expect(savedImage.size).toBeGreaterThan(0);

    // The folder changes after the save: the restored disk is still the one saved.
    await writeFile(path.join(folder, 'share', 'later.txt'), 'written after the snapshot\n');
    // An image disk that changed since is refused by name, and the running machine goes on.
    const data = await readFile(path.join(folder, 'data.img'));
    const changed = Buffer.from(data);
    changed[100]! ^= 1;
    await writeFile(path.join(folder, 'data.img'), changed);
    const error = await services.invoke('snapshot.restore', { file: 'snapshots/devices.hvsnap' }).then(() => undefined, (e: Error) => e);
    expect(error?.message).toMatch(/devices\.hvsnap: the snapshot is of another layout .*zone 1 virtio-blk@0xa003c00 data\.img changed since the snapshot/);
    const before = reports();
    await until('zoneR to report on after the refusal', () => reports() > before, 60_000);
    expect((await services.invoke('layout.get', {})).state).toBe('running');
    await writeFile(path.join(folder, 'data.img'), data);

    const since = Date.now();
    const restoredAt = reports();
    await services.invoke('snapshot.restore', { file: 'snapshots/devices.hvsnap' });
    await until('zoneR to report after the restore', () => reports() > restoredAt + 1, 90_000);
    // The restored folder disk: an image file written from the snapshot, the same bytes page by page.
    const names = (await readdir(disksDir)).filter((n) => n.startsWith('zone1-a003a00-restored-'));
    const fresh = [];
    for (const name of names) if ((await stat(path.join(disksDir, name))).mtimeMs >= since - 1000) fresh.push(name);
    expect(fresh).toHaveLength(1);
    const image = await readFile(path.join(disksDir, fresh[0]!));
    for (let page = 0; page < image.length / 4096; page++) {
      const want = savedImage.get(page) ?? new Uint8Array(4096);
      if (Buffer.compare(image.subarray(page * 4096, (page + 1) * 4096), want) !== 0) throw new Error(`page ${page} of the restored folder disk differs from the snapshot's`);
    }
    // The restored machine saves again (its devices, the folder disk's image included).
    const again = await services.invoke('snapshot.save', { file: 'snapshots/again.hvsnap' });
    expect(parseSnapshotHeader(again.file, await readFile(again.file)).header.sections.map((s) => s.name)).toContain(FOLDER_DISK);
  }, 300_000);
});
