/**
 * The host's RAM prefaulter (host/ram-prefaulter.ts): a page a CPU notes gets its neighbours written on
 * another thread (the process's resident memory grows by about the windows around the notes), and the
 * guest's memory reads the same afterwards, even where the guest stored into those pages meanwhile.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PREFAULT_WINDOW, RamPrefaulter } from '../../../src/host/ram-prefaulter';

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
