/**
 * Snapshots through the workbench's commands on the zones example (a copy in test-results/, so its
 * files can be changed): a saved machine restored into a new one continues (zoneU and zoneR run on,
 * zoneR's 1 ms timer keeps its latency small across a 10 s gap, so guest time neither jumps nor
 * stops), and every bad file is refused with one message naming the file and what differs while the
 * running machine runs on: truncated, corrupt, another workbench version, another layout (a changed
 * zone file), not a snapshot, not a .hvsnap name. Needs the built vCPU worker (out/node).
 */
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkbenchServices } from '../../../src/host/services';
import { createWorkbenchServices } from '../../../src/host/workbench';
import { applyPages, readSnapshot, sparsePages, writeSnapshot } from '../../../src/host/snapshot/snapshot-file';
import { MachineHost } from '../../../src/host/machine-host';
import { loadLayout } from '../../../src/host/layout-loader';
import { ControlWord } from '../../../src/core/machine/machine';

const repo = path.resolve(import.meta.dirname, '../../..');
// Two levels below the repository, so that the example's ../../guest paths still reach the guests.
const folder = path.join(repo, 'test-results', `snapshot-${process.pid}`);

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('snapshots of the zones example', () => {
  let services: WorkbenchServices;
  let zoneR = '';
  const latencyLines = (): { max: number }[] => [...zoneR.matchAll(/latency min=\d+ mean=\d+ max=(\d+) ticks/g)].map((m) => ({ max: Number(m[1]) }));
  let saved = '';

  beforeAll(async () => {
    await rm(folder, { recursive: true, force: true });
    await cp(path.join(repo, 'examples/riscv64-zones'), folder, { recursive: true });
    services = await createWorkbenchServices({ layoutPath: folder, autoStart: true });
    services.onEvent((event, payload) => {
      if (event === 'serial.output' && (payload as { zone: number }).zone === 2) zoneR += (payload as { data: string }).data;
    });
    await until('zoneR to report its latency', () => latencyLines().length > 0, 120_000);
    await until('zoneU to run', async () => (await services.invoke('layout.get', {})).zones.some((z) => z.id === 1 && z.state === 'running'), 60_000);
    const result = await services.invoke('snapshot.save', { file: 'snapshots/zones.hvsnap' });
    saved = result.file;
  }, 240_000);

  afterAll(async () => {
    await services?.dispose();
    await rm(folder, { recursive: true, force: true });
  });

  it('saves a small file and lists it', async () => {
    const { files } = await services.invoke('snapshot.list', {});
    expect(files.map((f) => f.file)).toContain('snapshots/zones.hvsnap');
    const size = (await readFile(saved)).length;
    // 2 GiB of RAM, of which the bare-metal zones use a few pages.
    expect(size).toBeGreaterThan(1000);
    expect(size).toBeLessThan(8 * 1024 * 1024);
  });

  /** The machine still runs the same zones and zoneR still reports, after a refused restore. */
  async function stillRunning(): Promise<void> {
    const state = await services.invoke('layout.get', {});
    expect(state.state).toBe('running');
    expect(state.zones.filter((z) => z.state === 'running').map((z) => z.id)).toEqual([0, 1, 2]);
    const before = latencyLines().length;
    await until('zoneR to report again', () => latencyLines().length > before, 60_000);
  }

  async function refused(file: string): Promise<string> {
    const error = await services.invoke('snapshot.restore', { file }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error, `restoring ${file} must fail`).toBeInstanceOf(Error);
    return error!.message;
  }

  it('refuses a truncated file, a corrupt one and one that is not a snapshot; the machine runs on', async () => {
    const bytes = await readFile(saved);
    await writeFile(path.join(folder, 'snapshots/cut.hvsnap'), bytes.subarray(0, Math.floor(bytes.length * 0.7)));
    expect(await refused('snapshots/cut.hvsnap')).toMatch(/cut\.hvsnap: truncated: the sections need \d+ bytes after the header, the file has \d+/);

    const corrupt = Buffer.from(bytes);
    corrupt[corrupt.length - 200]! ^= 0x40;
    await writeFile(path.join(folder, 'snapshots/corrupt.hvsnap'), corrupt);
    expect(await refused('snapshots/corrupt.hvsnap')).toMatch(/corrupt\.hvsnap: section '[^']+' is corrupt \(its SHA-256 differs/);

    await writeFile(path.join(folder, 'snapshots/text.hvsnap'), 'hello\n');
    expect(await refused('snapshots/text.hvsnap')).toMatch(/text\.hvsnap: not a workbench snapshot/);
    expect(await refused('layout.json')).toMatch(/layout\.json: a snapshot file's name ends in \.hvsnap/);
    await stillRunning();
  }, 120_000);

  it('refuses a snapshot of another workbench version', async () => {
    const bytes = await readFile(saved);
    const length = bytes.readUInt32LE(12);
    const header = JSON.parse(bytes.subarray(16, 16 + length).toString('utf8')) as { workbench: string };
    header.workbench = '0.0.1-other';
    const json = Buffer.from(JSON.stringify(header));
    const prefix = Buffer.from(bytes.subarray(0, 16));
    prefix.writeUInt32LE(json.length, 12);
    await writeFile(path.join(folder, 'snapshots/old.hvsnap'), Buffer.concat([prefix, json, bytes.subarray(16 + length)]));
    expect(await refused('snapshots/old.hvsnap')).toMatch(/old\.hvsnap: written by workbench 0\.0\.1-other, this is workbench \d+\.\d+\.\d+/);
    await stillRunning();
  }, 120_000);

  it('refuses it once a zone file of the layout changed, naming the file', async () => {
    const zoneFile = path.join(folder, 'zone-r.json');
    const original = await readFile(zoneFile, 'utf8');
    await writeFile(zoneFile, original.replace('"name": "zoneR"', '"name":  "zoneR"'));
    try {
      expect(await refused('snapshots/zones.hvsnap')).toMatch(/zones\.hvsnap: the snapshot is of another layout .*zones\[\d\] zone-r\.json changed since the snapshot/);
    } finally {
      await writeFile(zoneFile, original);
    }
    await stillRunning();
  }, 120_000);

  it('saves the device lock free, and frees it in a file saved while a CPU held it', async () => {
    const { header, sections } = await readSnapshot(saved);
    const lockWord = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset).getInt32(ControlWord.deviceLock * 4, true);
    const control = sections.get('region:control')!;
    expect(lockWord(control)).toBe(0);
    // A file an earlier workbench wrote while CPU 1's thread (lock owner 1 + 1 + hart) was in a device.
    const held = control.slice();
    new DataView(held.buffer).setInt32(ControlWord.deviceLock * 4, 3, true);
    const file = path.join(folder, 'snapshots/held.hvsnap');
    const { format: _format, sections: infos, ...rest } = header;
    await writeSnapshot(file, rest, infos.map((info) => ({ name: info.name, encoding: info.encoding, bytes: info.name === 'region:control' ? held : sections.get(info.name)!, length: info.length })));
    const { host } = await MachineHost.fromSnapshot(await loadLayout(folder), file);
    const holder = Atomics.load(host.view.control, ControlWord.deviceLock);
    // Free it whatever the result, or stopping the host would wait for a thread that does not exist.
    Atomics.store(host.view.control, ControlWord.deviceLock, 0);
    await host.stop();
    expect(holder, 'a restored machine starts with its device lock held').toBe(0);
  }, 120_000);

  it('restores into a new machine that continues where it was, its timers on time', async () => {
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    const before = latencyLines().length;
    const result = await services.invoke('snapshot.restore', { file: 'snapshots/zones.hvsnap' });
    expect(result.file).toBe(saved);
    const state = await services.invoke('layout.get', {});
    expect(state.state).toBe('running');
    // zoneU was started by the root's hypercall before the save: it is back without being started again.
    expect(state.zones.filter((z) => z.state === 'running').map((z) => z.id)).toEqual([0, 1, 2]);
    await until('zoneR to report after the restore', () => latencyLines().length > before + 1, 90_000);
    // A clock that jumped over the 10 s gap would make the first deadline 10 s (100,000,000 ticks) late.
    const after = latencyLines().slice(before);
    expect(Math.max(...after.map((l) => l.max))).toBeLessThan(30_000_000);
    // Nothing was booted again: the root's banner does not come back.
    const root = (await services.invoke('serial.backlog', { zone: 0 })).data;
    expect(root.split('config magic').length - 1).toBe(1);
  }, 240_000);
});

describe('the RAM encoding', () => {
  it('keeps non-zero pages and zeroes the rest of a used target', () => {
    const ram = new Uint8Array(64 * 4096);
    ram[5] = 1;
    ram[10 * 4096 + 4095] = 2;
    const sparse = sparsePages(ram);
    expect(sparse.length).toBe(8 + 8 + 2 * 4096);
    const target = new Uint8Array(ram.length).fill(7);
    applyPages(sparse, target);
    expect(target).toEqual(ram);
  });
});
