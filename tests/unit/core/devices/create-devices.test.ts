import { describe, expect, it } from 'vitest';
import { AddressSpace, BusError } from '../../../../src/core/bus/address-space';
import { instantiateDevices, mapDevices, planDevices, resetDevices } from '../../../../src/core/devices/create-devices';
import { MIP_SEIP, PlicOffset } from '../../../../src/core/devices/intc/sifive-plic';
import { Ier } from '../../../../src/core/devices/uart/ns16550a';
import { SharedLayoutPlanner, allocateShared, regionOf } from '../../../../src/core/machine/shared-layout';
import { qemuPlic } from '../../../../src/boards/riscv64/qemu-plic';
import type { PowerRequestKind } from '../../../../src/core/devices/misc/sifive-test';
import { ManualClock, RecordingSignals } from './helpers';

function machine() {
  const planner = new SharedLayoutPlanner();
  planDevices(qemuPlic, planner);
  planner.reserve('ram', 0x1_0000, 65536);
  const layout = planner.finish();
  const buffer = allocateShared(layout);
  const signals = new RecordingSignals(qemuPlic.harts);
  const clock = new ManualClock();
  const requests: [PowerRequestKind, number][] = [];
  /** One "thread": its own device objects and bus over the shared buffer. */
  const thread = () => {
    const devices = instantiateDevices(qemuPlic, layout, buffer, { signals, clock, onPowerRequest: (k, c) => requests.push([k, c]) });
    const bus = new AddressSpace(0x8000_0000, regionOf(layout, buffer, 'ram'));
    mapDevices(bus, devices);
    return { devices, bus };
  };
  return { layout, thread, signals, clock, requests };
}

describe('createDevices', () => {
  it('reserves shared state for modelled devices only', () => {
    const { layout } = machine();
    const names = layout.regions.map((r) => r.name);
    expect(names).toContain('device:uart0');
    expect(names).toContain('device:plic');
    expect(names.some((n) => n.includes('virtio'))).toBe(false);
    expect(names).toContain('device:pcie');
  });

  it('maps every modelled device and leaves the virtio slots unmapped', () => {
    const { thread } = machine();
    const { devices, bus } = thread();
    expect(bus.mappings.map((m) => m.name)).toEqual(['test', 'rtc', 'mswi', 'mtimer', 'sswi', 'pcie.io', 'plic', 'uart0', 'pcie', 'pcie.mem32', 'pcie.mem64']);
    expect(devices.unmodelled.map((d) => d.name)).toEqual(Array.from({ length: 8 }, (_, i) => `virtio${i}`));
    // The PCIe host bridge answers at 00:00.0 of the ECAM window; an empty slot and an unclaimed BAR window read all-ones.
    expect(bus.read(0x3000_0000, 4)).toBe(0x0008_1b36);
    expect(bus.read(0x3000_8000, 4)).toBe(0xffff_ffff);
    expect(bus.read(0x4000_0000, 4)).toBe(0xffff_ffff);
    expect(() => bus.read(0x1000_1000, 4)).toThrow(BusError);
    expect(devices.mtimer!.compare(0)).toBe(Infinity);
  });

  it('gives every thread the same machine: UART IRQ through the PLIC to a hart', () => {
    const { thread, signals } = machine();
    const main = thread();
    const worker = thread();
    // The guest on a worker enables UART receive interrupts and routes source 10 to hart 0 S-mode.
    worker.bus.write(0x0c00_0000 + 4 * 10, 4, 1);
    worker.bus.write(0x0c00_0000 + PlicOffset.enable + PlicOffset.enableStride * 1, 4, 1 << 10);
    worker.bus.write(0x1000_0001, 1, Ier.receivedData);
    // The host types on the main thread.
    main.devices.uart!.inputRing.pushBytes([0x6c]);
    main.devices.uart!.poll();
    expect(signals.mip[0]).toBe(MIP_SEIP);
    expect(worker.bus.read(0x0c00_0000 + PlicOffset.context + PlicOffset.contextStride + 4, 4)).toBe(10);
    expect(worker.bus.read(0x1000_0000, 1)).toBe(0x6c);
    worker.bus.write(0x0c00_0000 + PlicOffset.context + PlicOffset.contextStride + 4, 4, 10);
    expect(signals.mip[0]).toBe(0);
    // Output written on the worker is drained on the main thread.
    worker.bus.write(0x1000_0000, 1, 0x21);
    expect([...main.devices.uart!.outputRing.drain()]).toEqual([0x21]);
  });

  it('reports power requests and resets all devices', () => {
    const { thread, requests } = machine();
    const { devices, bus } = thread();
    bus.write(0x0010_0000, 4, 0x5555);
    expect(requests).toEqual([['pass', 0]]);
    bus.write(0x0200_4000, 8, 5, 0);
    expect(devices.mtimer!.compare(0)).toBe(5);
    resetDevices(devices);
    expect(devices.mtimer!.compare(0)).toBe(Infinity);
    expect(devices.test!.request()).toBeUndefined();
  });
});
