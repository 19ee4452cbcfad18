/**
 * The shipped Linux layout (examples/riscv64-linux) lets a new user try the folder-disk flow as it
 * is: zone 1's share/ is a write-back disk (Sync offers what the guest wrote), and zone 1 has a free
 * virtio window and a free IRQ, so "Attach folder" can add one more disk without editing any file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DiskService } from '../../../src/host/disk-service';

const layout = path.resolve(import.meta.dirname, '../../../examples/riscv64-linux');
const cacheDir = mkdtempSync(path.join(tmpdir(), 'hvwb-linux-example-'));
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

describe('examples/riscv64-linux as shipped', () => {
  const disks = new DiskService({ folder: layout, host: () => undefined, emit: () => undefined, cacheDir });

  it('gives zone 1 its share/ folder as a write-back disk', async () => {
    const listed = await disks.list();
    const share = listed.find((disk) => disk.zone === 1 && disk.folder.endsWith(`${path.sep}share`));
    expect(share, JSON.stringify(listed)).toBeDefined();
    expect(share!.readOnly).toBe(false);
  });

  it('leaves zone 1 room for one more folder: a free virtio window and a free IRQ', async () => {
    const zone1 = (await disks.targets()).find((zone) => zone.id === 1);
    expect(zone1).toBeDefined();
    expect(zone1!.problem).toBeUndefined();
    expect(zone1!.interrupts).toContain(5);
  });
});
