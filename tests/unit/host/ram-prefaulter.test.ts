/**
 * The host's RAM prefaulter (host/ram-prefaulter.ts): a page a CPU notes gets its neighbours written on
 * another thread (the process's resident memory grows by about the windows around the notes), and the
 * guest's memory reads the same afterwards, even where the guest stored into those pages meanwhile.
 * With a RAM profile it writes down the order of a boot's first notes, and a later boot's thread writes
 * those pages from its start, before any note; a file that is not a profile is not replayed.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PREFAULT_WINDOW, RAM_PROFILE_HEADER_BYTES, RAM_PROFILE_MAGIC, RamPrefaulter } from '../../../src/host/ram-prefaulter';

/** The process's resident anonymous memory in bytes (Linux). */
function rssAnon(): number {
  const line = readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith('RssAnon:'))!;
  return Number(line.split(/\s+/)[1]) * 1024;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe.runIf(RamPrefaulter.supported())('RamPrefaulter', () => {
  it('writes the pages around noted ones on its own thread, and changes no byte of them', { timeout: 60_000 }, async () => {
    const ramBytes = 256 << 20;
    const offset = 4096;
    const memory = new SharedArrayBuffer(offset + ramBytes);
    const words = new Int32Array(memory);
    const prefaulter = new RamPrefaulter(memory, offset, ramBytes);
    // 40 notes 1 MiB apart: each gets up to 2 * PREFAULT_WINDOW pages written around it.
    const notes = Array.from({ length: 40 }, (_, i) => (i + 1) * 256);
    const expected = notes.length * 2 * PREFAULT_WINDOW * 4096;
    // The guest's stores: a value in each window's first page after the note, stored before and while it runs.
    const mark = (page: number, value: number): void => {
      Atomics.store(words, (offset + (page + 1) * 4096 + 8) / 4, value);
    };
    for (const page of notes.slice(0, 20)) mark(page, page);
    const before = rssAnon();
    prefaulter.start();
    for (const page of notes) {
      prefaulter.hints.note(page * 4096);
      mark(page, page + 1);
    }
    const deadline = Date.now() + 30_000;
    while (rssAnon() - before < 0.8 * expected && Date.now() < deadline) await sleep(20);
    prefaulter.stop();
    expect(rssAnon() - before).toBeGreaterThanOrEqual(0.8 * expected);
    for (const page of notes) expect(Atomics.load(words, (offset + (page + 1) * 4096 + 8) / 4)).toBe(page + 1);
    // Everything else is as it was: zero.
    let nonzero = 0;
    for (let i = offset / 4; i < words.length; i += 997) if (words[i] !== 0 && (i * 4 - offset) % 4096 !== 8) nonzero++;
    expect(nonzero).toBe(0);
  });
});

/** The threads of this process (Linux task ids). */
function tasks(): Set<string> {
  return new Set(readdirSync('/proc/self/task'));
}

/**
 * Page faults taken so far by this process's threads that are not in `before` (the prefaulter's thread
 * started since): each page it writes first is one, whatever the garbage collector does meanwhile.
 */
function faultsSince(before: Set<string>): number {
  let faults = 0;
  for (const task of tasks()) {
    if (before.has(task)) continue;
    try {
      const stat = readFileSync(`/proc/self/task/${task}/stat`, 'utf8');
      faults += Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[7]);
    } catch {
      // The thread ended meanwhile.
    }
  }
  return faults;
}

/** A profile file's contents: header for `pages` of RAM, then the page indices. */
function profileBytes(pages: number, indices: readonly number[], magic = RAM_PROFILE_MAGIC): Buffer {
  const out = Buffer.alloc(RAM_PROFILE_HEADER_BYTES + 4 * indices.length);
  out.write(magic, 0, 'latin1');
  out.writeUInt32LE(pages, 8);
  indices.forEach((p, i) => out.writeInt32LE(p, RAM_PROFILE_HEADER_BYTES + 4 * i));
  return out;
}

/** The page indices of the profile at `file` (its header checked). */
function readProfile(file: string, pages: number): number[] {
  const bytes = readFileSync(file);
  expect(bytes.toString('latin1', 0, 8)).toBe(RAM_PROFILE_MAGIC);
  expect(bytes.readUInt32LE(8)).toBe(pages);
  return Array.from({ length: (bytes.length - RAM_PROFILE_HEADER_BYTES) / 4 }, (_, i) => bytes.readInt32LE(RAM_PROFILE_HEADER_BYTES + 4 * i));
}

describe.runIf(RamPrefaulter.supported())('RamPrefaulter with a RAM profile', () => {
  const dirs: string[] = [];
  const folder = (): string => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hvwb-ram-profile-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('writes down the order of a boot\'s first notes when stopped', async () => {
    const ramBytes = 60 << 20;
    const pages = ramBytes / 4096;
    const file = path.join(folder(), 'cpu0.bin');
    const prefaulter = new RamPrefaulter(new SharedArrayBuffer(ramBytes), 0, ramBytes, file);
    prefaulter.start();
    // Notes far apart, one twice: the profile keeps the first of each, in order.
    const order = [9000, 300, 12000, 300, 4000, 15000];
    for (const page of order) {
      prefaulter.hints.note(page * 4096);
      await sleep(5);
    }
    prefaulter.stop(5000);
    expect(readProfile(file, pages)).toEqual([9000, 300, 12000, 4000, 15000]);
  });

  it('writes a previous boot\'s pages from its start, before any note, and keeps them in the profile after this boot\'s', { timeout: 60_000 }, async () => {
    const ramBytes = 192 << 20;
    const pages = ramBytes / 4096;
    const file = path.join(folder(), 'cpu0.bin');
    // 128 MiB of pages the previous boot touched, none of them noted in this one.
    const previous = Array.from({ length: 32768 }, (_, i) => 8192 + i);
    writeFileSync(file, profileBytes(pages, previous));
    const prefaulter = new RamPrefaulter(new SharedArrayBuffer(ramBytes), 0, ramBytes, file);
    const before = tasks();
    prefaulter.start();
    // Its thread's faults: ~2 K of its own start, and about one per page written (fewer where the kernel
    // maps a larger folio at once).
    const deadline = Date.now() + 30_000;
    while (faultsSince(before) < 0.75 * previous.length && Date.now() < deadline) await sleep(20);
    expect(faultsSince(before)).toBeGreaterThanOrEqual(0.75 * previous.length);
    // This boot's one note comes first in the profile it writes, the previous boot's pages after it.
    prefaulter.hints.note(100 * 4096);
    await sleep(50);
    prefaulter.stop(5000);
    expect(readProfile(file, pages)).toEqual([100, ...previous]);
  });

  it.each([
    ['another magic', (pages: number, list: number[]) => profileBytes(pages, list, 'NOTRAM01')],
    ['another RAM size', (pages: number, list: number[]) => profileBytes(pages * 2, list)],
    ['a torn length', (pages: number, list: number[]) => profileBytes(pages, list).subarray(0, RAM_PROFILE_HEADER_BYTES + 4 * list.length - 1)],
  ])('does not replay a file with %s, and replaces it with this boot\'s profile', { timeout: 60_000 }, async (_what, make) => {
    const ramBytes = 192 << 20;
    const pages = ramBytes / 4096;
    const file = path.join(folder(), 'cpu0.bin');
    writeFileSync(file, make(pages, Array.from({ length: 32768 }, (_, i) => 8192 + i)));
    const prefaulter = new RamPrefaulter(new SharedArrayBuffer(ramBytes), 0, ramBytes, file);
    const before = tasks();
    prefaulter.start();
    await sleep(1500);
    prefaulter.hints.note(100 * 4096);
    await sleep(50);
    prefaulter.stop(5000);
    // The thread's own start (~2 K) and the note's window, not the file's 32 K pages.
    expect(faultsSince(before)).toBeLessThan(8192);
    expect(readProfile(file, pages)).toEqual([100]);
  });
});
