/**
 * Device windows changed by two worker threads at once while the main thread reads: the window
 * table's writer lock lets one change in at a time, readers never see a half-written change, and
 * two windows never land on the same address. The workers run the modules themselves, transpiled
 * from their source.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { AddressSpace } from '../../../../src/core/bus/address-space';
import type { MmioDevice } from '../../../../src/core/bus/types';
import { WindowState, WindowTable, windowTableBytes } from '../../../../src/core/bus/window-table';

const RAM_BYTES = 0x1000;
const SPOTS = [0x1000, 0x2000, 0x3000];

function transpile(dir: string, name: string): void {
  const source = readFileSync(path.resolve(`src/core/bus/${name}.ts`), 'utf8');
  const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 } }).outputText;
  writeFileSync(path.join(dir, `${name}.mjs`), js.replace("from './window-table'", "from './window-table.mjs'"));
}

/** Every thread's view of the machine: the same RAM, table and windows, declared in the same order. */
const BUILD = `
  function build(AddressSpace, buffer, ramBytes, tableBytes) {
    const device = (tag) => ({ kind: 'tag', registers: [], read: () => tag, write: () => {}, reset: () => {}, peek: () => ({}) });
    const bus = new AddressSpace(0x8000_0000, { buffer, byteOffset: 0, byteLength: ramBytes }, { windows: { buffer, byteOffset: ramBytes, byteLength: tableBytes } });
    bus.map('w1', 0x1000, 0x1000, device(1));
    bus.map('w2', 0x2000, 0x1000, device(2));
    return bus;
  }`;

describe('device windows under concurrent changes', () => {
  it('two threads moving windows onto the same spots never overlap them, as a third thread sees it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'windows-'));
    try {
      transpile(dir, 'window-table');
      transpile(dir, 'address-space');
      const buffer = new SharedArrayBuffer(RAM_BYTES + windowTableBytes(16));
      const tableBytes = windowTableBytes(16);
      const code = `
        const { workerData, parentPort } = require('node:worker_threads');
        ${BUILD}
        import(${JSON.stringify(pathToFileURL(path.join(dir, 'address-space.mjs')).href)}).then(({ AddressSpace }) => {
          const { buffer, ramBytes, tableBytes, mine, spots, count } = workerData;
          const bus = build(AddressSpace, buffer, ramBytes, tableBytes);
          let moved = 0, refused = 0, seed = mine * 7919;
          for (let i = 0; i < count; i++) {
            seed = (seed * 1103515245 + 12345) & 0x7fffffff;
            try { bus.move(mine === 1 ? 'w1' : 'w2', spots[seed % spots.length]); moved++; }
            catch (e) { if (!/overlaps/.test(String(e))) throw e; refused++; }
          }
          parentPort.postMessage({ moved, refused });
        });`;
      const workers = [1, 2].map((mine) => new Worker(code, { eval: true, workerData: { buffer, ramBytes: RAM_BYTES, tableBytes, mine, spots: SPOTS, count: 20_000 } }));
      const results = Promise.all(workers.map((w) => new Promise<{ moved: number; refused: number }>((resolve, reject) => (w.on('message', resolve), w.on('error', reject)))));
      let finished = false;
      void results.then(() => (finished = true), () => (finished = true));

      const device = (tag: number): MmioDevice => ({ kind: 'tag', registers: [], read: () => tag, write: () => undefined, reset: () => undefined, peek: () => ({}) });
      const reader = new AddressSpace(0x8000_0000, { buffer, byteOffset: 0, byteLength: RAM_BYTES }, { windows: { buffer, byteOffset: RAM_BYTES, byteLength: tableBytes } });
      reader.map('w1', 0x1000, 0x1000, device(1));
      reader.map('w2', 0x2000, 0x1000, device(2));
      let looks = 0;
      const bad: string[] = [];
      while (!finished) {
        for (let i = 0; i < 200; i++) {
          const [a, b] = reader.mappings;
          looks++;
          if (!a || !b || a.base === b.base || !SPOTS.includes(a.base) || !SPOTS.includes(b.base) || a.size !== 0x1000 || b.size !== 0x1000) {
            bad.push(JSON.stringify(reader.mappings.map((m) => [m.name, m.base, m.size])));
          }
        }
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
      const [one, two] = await results;
      await Promise.all(workers.map((w) => w.terminate()));
      expect(bad).toEqual([]);
      expect(looks).toBeGreaterThan(0);
      // Both threads moved their window many times and were refused when the other held the spot.
      expect(one!.moved).toBeGreaterThan(1000);
      expect(two!.moved).toBeGreaterThan(1000);
      expect(one!.refused + two!.refused).toBeGreaterThan(0);
      const final = reader.mappings;
      expect(final[0]!.base).not.toBe(final[1]!.base);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);

  it('lets one writer in at a time and never shows a reader half of a change', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'windows-'));
    try {
      transpile(dir, 'window-table');
      const tableBytes = windowTableBytes(4);
      // The table, then one word counting the writers inside a change (must never exceed 1).
      const buffer = new SharedArrayBuffer(tableBytes + 4);
      const code = `
        const { workerData, parentPort } = require('node:worker_threads');
        import(${JSON.stringify(pathToFileURL(path.join(dir, 'window-table.mjs')).href)}).then(({ WindowTable }) => {
          const { buffer, tableBytes, mine, count } = workerData;
          const table = new WindowTable({ buffer, byteOffset: 0, byteLength: tableBytes });
          const inside = new Int32Array(buffer, tableBytes, 1);
          let overlapped = 0;
          for (let i = 1; i <= count; i++) {
            table.change(2, () => {
              if (Atomics.add(inside, 0, 1) !== 0) overlapped++;
              for (let spin = 0; spin < 200; spin++) Atomics.load(inside, 0);
              Atomics.sub(inside, 0, 1);
              // Both slots get the same value in one change: a reader must never see them differ.
              const base = (mine * 0x1_0000_0000 + i) * 0x1000;
              return [0, 1].map((slot) => ({ slot, state: 1, base, size: 0x1000 }));
            });
          }
          parentPort.postMessage(overlapped);
        });`;
      const workers = [1, 2].map((mine) => new Worker(code, { eval: true, workerData: { buffer, tableBytes, mine, count: 5_000 } }));
      const results = Promise.all(workers.map((w) => new Promise<number>((resolve, reject) => (w.on('message', resolve), w.on('error', reject)))));
      let finished = false;
      void results.then(() => (finished = true), () => (finished = true));
      const table = new WindowTable({ buffer, byteOffset: 0, byteLength: tableBytes });
      const torn: string[] = [];
      let reads = 0;
      while (!finished) {
        for (let i = 0; i < 500; i++) {
          const { slots } = table.snapshot(2);
          reads++;
          if (slots[0]!.base !== slots[1]!.base) torn.push(`${slots[0]!.base} / ${slots[1]!.base}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
      const overlapped = await results;
      await Promise.all(workers.map((w) => w.terminate()));
      expect(overlapped).toEqual([0, 0]);
      expect(torn).toEqual([]);
      expect(reads).toBeGreaterThan(0);
      // 10,000 changes: the generation moved by 2 for each.
      expect(table.generation()).toBe(20_000);
      expect(table.snapshot(2).slots[0]!.state).toBe(WindowState.mapped);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
