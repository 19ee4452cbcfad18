/**
 * The CPU inspect region (core/cpu/cpu-inspect.ts): an A64 CPU's and a RISC-V hart's register groups
 * survive the round trip through shared memory, a reader on another thread never sees a half-written
 * snapshot while the writer keeps publishing, and a region too small for the snapshot keeps what fits
 * and says so instead of throwing.
 */
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import type { SharedRegion } from '../../../../src/core/bus/types';
import { hex64, type RegisterGroup } from '../../../../src/core/cpu/cpu-core';
import { CPU_INSPECT_BYTES, publishInspect, readInspect, type CpuInspectSnapshot } from '../../../../src/core/cpu/cpu-inspect';
import { VirtMachine } from '../aarch64-virt';
import { machine } from '../isa/harness';

function region(bytes = CPU_INSPECT_BYTES): SharedRegion {
  return { buffer: new SharedArrayBuffer(bytes), byteOffset: 0, byteLength: bytes };
}

/** The groups as the protocol carries them: bigints as hex strings. */
function asWire(groups: readonly RegisterGroup[]): unknown {
  return groups.map((g) => ({ ...g, registers: g.registers.map((r) => ({ ...r, value: typeof r.value === 'bigint' ? hex64(r.value) : r.value })) }));
}

function a64Snapshot(): CpuInspectSnapshot {
  const machine = new VirtMachine();
  machine.cpu.setX(5, 0x1234_5678_9abc_def0n);
  const groups = machine.cpu.inspect();
  return { arch: 'aarch64', cpu: 0, pc: hex64(machine.cpu.getPc()), groups, level: 'EL1h' };
}

describe('CPU inspect region', () => {
  it('reads back an A64 CPU snapshot: every group, register and decoded field', () => {
    const shared = region();
    expect(readInspect(shared)).toBeUndefined();
    const snapshot = a64Snapshot();
    publishInspect(shared, snapshot);
    const read = readInspect(shared)!;
    expect(read.seq).toBe(1);
    expect(read.truncated).toBeUndefined();
    expect(read.groups).toEqual(asWire(snapshot.groups));
    expect(read.groups.map((g) => g.name)).toContain('PSTATE');
    const general = read.groups.find((g) => g.name === 'General')!;
    expect(general.registers.find((r) => r.name === 'x5')!.value).toBe('0x123456789abcdef0');
    const pstate = read.groups.find((g) => g.name === 'PSTATE')!.registers[0]!;
    expect(pstate.fields!.length).toBeGreaterThan(0);
    expect(read.level).toBe('EL1h');

    // The next publication replaces it (and goes to the other buffer).
    publishInspect(shared, { ...snapshot, pc: hex64(0x4000_1000n) });
    expect(readInspect(shared)).toMatchObject({ seq: 2, pc: '0x0000000040001000' });
  });

  it("reads back a RISC-V hart's groups with their decoded CSRs, and non-ASCII text intact", () => {
    const { hart } = machine();
    hart.setX(10, 42n);
    const groups = hart.inspect();
    const shared = region();
    publishInspect(shared, { arch: 'riscv64', cpu: 3, pc: hex64(0x8000_0000n), groups, level: 'M-mode · hart', pcPhysical: hex64(0x8000_0000n) });
    const read = readInspect(shared)!;
    expect(read.groups).toEqual(asWire(groups));
    expect(read.groups[0]!.registers.find((r) => r.name === 'a0')!.value).toBe(hex64(42n));
    expect(read.level).toBe('M-mode · hart');
    expect(read.pcPhysical).toBe('0x0000000080000000');
  });

  it('cuts a snapshot that does not fit: whole groups first, then registers, and marks it truncated', () => {
    const snapshot = a64Snapshot();
    const small = region(4096);
    expect(() => publishInspect(small, snapshot)).not.toThrow();
    const read = readInspect(small)!;
    expect(read.truncated).toBe(true);
    expect(read.pc).toBe(snapshot.pc);
    // A prefix of the groups, in order; the last kept group may have lost registers at its end.
    const names = snapshot.groups.map((g) => g.name);
    expect(read.groups.length).toBeGreaterThan(0);
    expect(read.groups.length).toBeLessThan(names.length);
    read.groups.forEach((group, i) => {
      expect(group.name).toBe(names[i]);
      const full = asWire([snapshot.groups[i]!]) as RegisterGroup[];
      expect(group.registers).toEqual(full[0]!.registers.slice(0, group.registers.length));
    });
    // The smallest region: a disassembly too long for it goes first, the pc and the marker stay.
    const tiny = region(16 + 2 * 256);
    publishInspect(tiny, { ...snapshot, disassembly: Array.from({ length: 64 }, (_, i) => ({ address: hex64(BigInt(i * 4)), text: 'nop' })) });
    const cut = readInspect(tiny)!;
    expect(cut).toMatchObject({ pc: snapshot.pc, truncated: true });
    expect(cut.disassembly).toBeUndefined();
    expect(cut.groups.length).toBeLessThanOrEqual(1);
  });

  it('refuses a region that cannot hold even the marker, naming its size', () => {
    expect(() => publishInspect(region(128), a64Snapshot())).toThrow(/region of 128 bytes is too small/);
  });

  it('never hands a reader on another thread a torn snapshot while the writer keeps publishing', async () => {
    const shared = region();
    const base = a64Snapshot();
    // Each publication n has every General register equal to n: a torn copy would mix two values.
    const withValue = (n: number): CpuInspectSnapshot => ({
      ...base,
      pc: hex64(BigInt(n)),
      groups: base.groups.map((g) => (g.name === 'General' ? { ...g, registers: g.registers.map((r) => ({ ...r, value: hex64(BigInt(n)) })) } : g)),
    });
    publishInspect(shared, withValue(0));
    const stop = new Int32Array(new SharedArrayBuffer(4));
    const source = `
      const { parentPort, workerData } = require('node:worker_threads');
      const { buffer, stop } = workerData;
      const header = new Int32Array(buffer, 0, 4);
      const words = new Int32Array(buffer);
      const capacity = ((buffer.byteLength - 16) >> 1) & ~3;
      let n = 0;
      // The same writer protocol as publishInspect, with precomputed payloads (CommonJS worker, no TS).
      const payloads = workerData.payloads;
      while (Atomics.load(stop, 0) === 0) {
        n++;
        const json = payloads[n % payloads.length];
        const next = (Atomics.load(header, 0) + 1) | 0 || 2;
        const index = next & 1;
        Atomics.store(header, 1, next);
        const base = (16 + index * capacity) >> 2;
        for (let i = 0; i < json.length; i += 4) {
          const w = json.charCodeAt(i) | (json.charCodeAt(i + 1) << 8) | (json.charCodeAt(i + 2) << 16) | (json.charCodeAt(i + 3) << 24);
          Atomics.store(words, base + (i >> 2), w);
        }
        Atomics.store(header, index === 0 ? 2 : 3, json.length);
        Atomics.store(header, 0, next);
      }
      parentPort.postMessage(n);
    `;
    // Payloads of one length (hex64 values), so a torn copy would still parse, with mixed values.
    const payloads = [1, 2, 3, 4].map((n) => {
      // Publication 1 of a fresh region lands in buffer 1, its length in header word 3.
      const probe = region();
      publishInspect(probe, withValue(n * 1111));
      const length = new Int32Array(probe.buffer, 0, 4)[3]!;
      const capacity = ((CPU_INSPECT_BYTES - 16) >> 1) & ~3;
      return String.fromCharCode(...new Uint8Array(probe.buffer, 16 + capacity, length));
    });
    const worker = new Worker(source, { eval: true, workerData: { buffer: shared.buffer, stop, payloads } });
    const published = new Promise<number>((resolve) => worker.once('message', resolve));
    let reads = 0;
    const seen = new Set<string>();
    const deadline = Date.now() + 1500;
    while (Date.now() < deadline) {
      const read = readInspect(shared);
      if (!read) continue;
      reads++;
      const values = new Set(read.groups.find((g) => g.name === 'General')!.registers.map((r) => r.value));
      expect(values.size).toBe(1);
      expect([...values][0]).toBe(read.pc);
      seen.add(read.pc);
    }
    Atomics.store(stop, 0, 1);
    const writes = await published;
    await worker.terminate();
    expect(reads).toBeGreaterThan(100);
    expect(writes).toBeGreaterThan(100);
    // The reader saw several different publications, not one stale copy.
    expect(seen.size).toBeGreaterThan(1);
  });
});
