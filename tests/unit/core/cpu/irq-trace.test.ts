/**
 * The interrupt trace ring: off costs nothing and records nothing, records come out in reservation
 * order, a wrapped ring reports what it lost, a slot reserved but not yet published holds the drain
 * back, and two worker threads producing at once lose nothing and mix nothing up.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { IrqEventKind, IrqTrace, IRQ_TRACE_HEADER_BYTES, IRQ_TRACE_RECORD_BYTES, irqTraceBytes } from '../../../../src/core/cpu/irq-trace';

function ring(capacity: number, clock = { now: () => 0 }): { trace: IrqTrace; buffer: SharedArrayBuffer } {
  const buffer = new SharedArrayBuffer(irqTraceBytes(capacity) + 64);
  // An offset region, as in the machine's shared buffer.
  return { trace: new IrqTrace({ buffer, byteOffset: 64, byteLength: irqTraceBytes(capacity) }, clock), buffer };
}

describe('IrqTrace', () => {
  it('is off until enabled and keeps fields intact', () => {
    let t = 100;
    const { trace } = ring(8, { now: () => t++ });
    expect(trace.on).toBe(false);
    expect(trace.capacity).toBe(8);
    trace.setEnabled(true);
    trace.record(IrqEventKind.raise, 10, -1, -1, 0);
    trace.record(IrqEventKind.delivered, 0, 2, 3, 5 | (3 << 8));
    trace.record(IrqEventKind.timerDue, 5, -1, 3, 5, 42.5);
    const { records, lost } = trace.drain();
    expect(lost).toBe(0);
    expect(records).toEqual([
      { seq: 0, kind: IrqEventKind.raise, time: 100, irq: 10, zone: -1, hart: -1, extra: 0 },
      { seq: 1, kind: IrqEventKind.delivered, time: 101, irq: 0, zone: 2, hart: 3, extra: 5 | (3 << 8) },
      { seq: 2, kind: IrqEventKind.timerDue, time: 42.5, irq: 5, zone: -1, hart: 3, extra: 5 },
    ]);
    expect(trace.drain().records).toHaveLength(0);
  });

  it('wraps around: the newest capacity records survive, in order, and the rest count as lost', () => {
    const { trace } = ring(16);
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 40; i++) trace.record(IrqEventKind.pending, round * 100 + i, -1, -1, 0);
      const { records, lost } = trace.drain();
      expect(lost).toBe(24);
      expect(records.map((r) => r.irq)).toEqual(Array.from({ length: 16 }, (_, i) => round * 100 + 24 + i));
    }
    // Short bursts never lose anything.
    for (let i = 0; i < 100; i++) {
      trace.record(IrqEventKind.claim, i, -1, 0, 1);
      if (i % 10 === 9) expect(trace.drain().records.map((r) => r.irq)).toEqual(Array.from({ length: 10 }, (_, k) => i - 9 + k));
    }
  });

  it('waits for a slot that is reserved but not yet published', () => {
    const { trace, buffer } = ring(8);
    const header = new Int32Array(buffer, 64, IRQ_TRACE_HEADER_BYTES / 4);
    trace.record(IrqEventKind.raise, 1, -1, -1, 0);
    // A producer that reserved slot 1 and has not stored its sequence number yet.
    Atomics.add(header, 0, 1);
    trace.record(IrqEventKind.raise, 3, -1, -1, 0);
    expect(trace.drain().records.map((r) => r.irq)).toEqual([1]);
    // It publishes: the drain goes on from there.
    const words = new Int32Array(buffer, 64 + IRQ_TRACE_HEADER_BYTES + IRQ_TRACE_RECORD_BYTES, 8);
    words.set([0, IrqEventKind.raise, 0, 0, 2, -1, -1, 0]);
    Atomics.store(words, 0, 2);
    expect(trace.drain().records.map((r) => r.irq)).toEqual([2, 3]);
  });

  it('keeps the counters right across the 2^31 and 2^32 wrap of the write counter', () => {
    const { trace, buffer } = ring(8);
    const header = new Int32Array(buffer, 64, IRQ_TRACE_HEADER_BYTES / 4);
    header[0] = -3; // 2^32 - 3
    const fresh = new IrqTrace({ buffer, byteOffset: 64, byteLength: irqTraceBytes(8) }, { now: () => 0 });
    for (let i = 0; i < 6; i++) fresh.record(IrqEventKind.pending, i, -1, -1, 0);
    const { records, lost } = fresh.drain();
    expect(lost).toBe(0);
    expect(records.map((r) => r.irq)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(trace.capacity).toBe(8);
  });

  it('takes records from two worker threads at once without losing or tearing any', async () => {
    // The workers run the same modules (the trace and its ring), transpiled from the TypeScript source.
    const dir = mkdtempSync(path.join(tmpdir(), 'irq-trace-'));
    for (const name of ['irq-trace', 'trace-ring']) {
      const source = readFileSync(path.resolve(`src/core/cpu/${name}.ts`), 'utf8');
      const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 } }).outputText;
      writeFileSync(path.join(dir, `${name}.mjs`), js.replace("from './trace-ring'", "from './trace-ring.mjs'"));
    }
    const file = path.join(dir, 'irq-trace.mjs');
    const capacity = 1 << 16;
    const perWorker = 20_000;
    const buffer = new SharedArrayBuffer(irqTraceBytes(capacity));
    const trace = new IrqTrace({ buffer, byteOffset: 0, byteLength: buffer.byteLength }, { now: () => 0 });
    trace.setEnabled(true);
    const code = `
      const { workerData, parentPort } = require('node:worker_threads');
      import(${JSON.stringify(pathToFileURL(file).href)}).then(({ IrqTrace }) => {
        const { buffer, producer, count } = workerData;
        const trace = new IrqTrace({ buffer, byteOffset: 0, byteLength: buffer.byteLength }, { now: () => 0 });
        // Every field says who wrote it, so that a torn record shows.
        for (let i = 0; i < count; i++) trace.record(producer, i, producer, producer, i * 7, i);
        parentPort.postMessage('done');
      });`;
    const drained: { kind: number; irq: number; zone: number; hart: number; extra: number; time: number }[] = [];
    const workers = [1, 2].map((producer) => new Worker(code, { eval: true, workerData: { buffer, producer, count: perWorker } }));
    const done = Promise.all(workers.map((w) => new Promise((resolve, reject) => (w.on('message', resolve), w.on('error', reject)))));
    let finished = false;
    void done.then(() => (finished = true));
    // Drain while they produce, as the host does.
    while (!finished) {
      drained.push(...trace.drain().records);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    const last = trace.drain();
    drained.push(...last.records);
    await Promise.all(workers.map((w) => w.terminate()));
    expect(last.lost).toBe(0);
    expect(drained).toHaveLength(2 * perWorker);
    for (const producer of [1, 2]) {
      const mine = drained.filter((r) => r.kind === producer);
      // Each producer's records come out in its own order, whole.
      expect(mine.map((r) => r.irq)).toEqual(Array.from({ length: perWorker }, (_, i) => i));
      expect(mine.every((r) => r.zone === producer && r.hart === producer && r.extra === r.irq * 7 && r.time === r.irq)).toBe(true);
    }
  });
});
