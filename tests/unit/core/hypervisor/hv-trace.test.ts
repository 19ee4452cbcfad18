/**
 * The hypervisor trace ring and how its records read: what the timeline's tooltip and the Perfetto
 * export show for each kind of event.
 */
import { describe, expect, it } from 'vitest';
import { HvEventKind, HvTrace, hvTraceBytes, TrapKind } from '../../../../src/core/hypervisor/hv-trace';
import { describeHvRecord } from '../../../../src/core/hypervisor/hv-trace-format';

function ring(capacity = 8, now = () => 1000): HvTrace {
  const buffer = new SharedArrayBuffer(hvTraceBytes(capacity));
  return new HvTrace({ buffer, byteOffset: 0, byteLength: buffer.byteLength }, { now });
}

describe('hypervisor trace', () => {
  it('keeps 64-bit arguments and results whole, in order, and records nothing while off', () => {
    const trace = ring();
    expect(trace.on).toBe(false);
    trace.setEnabled(true);
    trace.record(HvEventKind.hypercall, 0, 3, 2, 0, 0x8_1234_5678n, 3080n, -22n);
    trace.record(HvEventKind.mmio, 1, 2, TrapKind.virtio, 4 | 0x100, 0xa003e50n, 0xffff_ffff_ffff_ffffn, 0x8020_0000n);
    const { records, lost } = trace.drain();
    expect(lost).toBe(0);
    expect(records.map((r) => [r.kind, r.zone, r.cpu, r.code])).toEqual([[HvEventKind.hypercall, 0, 3, 2], [HvEventKind.mmio, 1, 2, TrapKind.virtio]]);
    expect(records[0]!.a).toBe(0x8_1234_5678n);
    expect(BigInt.asIntN(64, records[0]!.c)).toBe(-22n);
    expect(records[1]!.b).toBe(0xffff_ffff_ffff_ffffn);
    expect(records[0]!.time).toBe(1000);
    expect(trace.drain().records).toEqual([]);
  });

  it('counts what the ring overwrote before the host drained it as lost', () => {
    const trace = ring(4);
    trace.setEnabled(true);
    for (let i = 0; i < 10; i++) trace.record(HvEventKind.ipi, 0, 0, 0, 0, BigInt(i));
    const { records, lost } = trace.drain();
    expect(lost).toBe(6);
    expect(records.map((r) => r.a)).toEqual([6n, 7n, 8n, 9n]);
  });

  it('names the calls and accesses by the tables of the code that answers them', () => {
    const trace = ring(16);
    trace.setEnabled(true);
    trace.record(HvEventKind.hypercall, 0, 0, 3, 0, 1n, 0n, 0n);
    trace.record(HvEventKind.sbi, 2, 3, 0x54494d45, 0 | ((0 & 0xffff) << 16), 0x1234n, 0n, 0n, 0n);
    trace.record(HvEventKind.sbi, 1, 1, 0x48534d, 0 | ((-3 & 0xffff) << 16), 3n, 0x8000_0000n, 0n, 0n);
    trace.record(HvEventKind.psci, 1, 1, 0xc4000003 | 0, 0, 0x3n, 0x4008_0000n, 0n, 0n);
    trace.record(HvEventKind.mmio, 1, 1, TrapKind.irqchip, 4, 0xc200004n, 9n, 0x8020_1000n);
    trace.record(HvEventKind.fault, 1, 1, 0, 1, 0x2000_0000n, 0x8800_0004n);
    trace.record(HvEventKind.zoneStop, 1, 0, 0, 0, 0n);
    const text = trace.drain().records.map((r) => describeHvRecord(r));
    expect(text[0]).toEqual({ category: 'hypercall', name: 'zoneShutdown', detail: 'zoneShutdown(0x1, 0x0) = 0' });
    expect(text[1]).toMatchObject({ category: 'firmware', name: 'SBI time fid 0' });
    expect(text[2]!.detail).toBe('SBI hsm fid 0(0x3, 0x80000000, 0x0) = error -3, value 0x0');
    expect(text[3]).toMatchObject({ category: 'firmware', name: 'PSCI cpuOn64' });
    expect(text[4]!.detail).toBe('interrupt controller read 4 bytes at 0xc200004 -> 0x9 (pc 0x80201000)');
    expect(text[5]).toEqual({ category: 'fault', name: 'zone fault', detail: 'zone fault: write at 0x20000000 (pc 0x88000004)' });
    expect(text[6]).toMatchObject({ category: 'zone', name: 'zone shutdown', detail: 'zone 1 shut down from CPU 0' });
  });
});
