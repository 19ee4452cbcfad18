import { describe, expect, it } from 'vitest';
import { PCI_CONFIG_BYTES, PCI_TYPE0_REGISTERS, PCI_TYPE1_REGISTERS, PciCapabilityId, PciCommand, PciConfigSpace, PciReg, type PciFunctionSpec } from '../../../../../src/core/devices/pci/pci-config-space';
import { GPEX_DEVICE_ID, GPEX_VENDOR_ID, PciHostBridgeFunction, PciHostEcamGeneric } from '../../../../../src/core/devices/pci/pci-host-ecam-generic';
import type { PciEndpoint, PciSlot } from '../../../../../src/core/devices/pci/pci-endpoint';
import type { RamWindow } from '../../../../../src/core/bus/address-space';
import { RecordingSink } from '../helpers';

const ENDPOINT: PciFunctionSpec = {
  vendorId: 0x1234, deviceId: 0x5678, revision: 2, classCode: 0x01_00_00, headerType: 0, interruptPin: 1,
  bars: [
    { index: 0, kind: 'io', size: 0x20 },
    { index: 1, kind: 'memory32', size: 0x1000 },
    { index: 2, kind: 'memory64', size: 0x4000, prefetchable: true },
  ],
};

const space = (spec: PciFunctionSpec = ENDPOINT) => {
  const config = new PciConfigSpace(spec, new Uint8Array(PCI_CONFIG_BYTES));
  return config;
};

/** A function that records BAR accesses and can drive its INTx. */
class TestFunction implements PciEndpoint {
  readonly name = 'test-fn';
  readonly config: PciConfigSpace;
  slot!: PciSlot;
  readonly writes: [number, number, number][] = [];
  constructor(spec: PciFunctionSpec = ENDPOINT) {
    this.config = space(spec);
    this.config.reset();
  }
  plug(slot: PciSlot): void {
    this.slot = slot;
  }
  barRead(bar: number, offset: number): number {
    return (bar << 16) | offset;
  }
  barWrite(bar: number, offset: number, _size: 1 | 2 | 4, value: number): void {
    this.writes.push([bar, offset, value]);
  }
  reset(): void {}
}

const RAM_BASE = 0x8000_0000;
function makeHost(reports: string[] = []) {
  const ram = new Uint8Array(0x10000);
  const bank: RamWindow = { base: RAM_BASE, size: ram.length, bufferOffset: 0, buffer: ram.buffer, u8: ram, view: new DataView(ram.buffer), spanOffset: 0 };
  const sink = new RecordingSink();
  const host = new PciHostEcamGeneric({
    busRange: [0, 0xff],
    io: { cpuBase: 0x0300_0000, pciBase: 0, size: 0x1_0000 },
    mem32: { cpuBase: 0x4000_0000, pciBase: 0x4000_0000, size: 0x4000_0000 },
    mem64: { cpuBase: 0x4_0000_0000, pciBase: 0x4_0000_0000, size: 0x4_0000_0000 },
    intxLines: [32, 33, 34, 35],
    irqSink: sink,
    dmaMemory: { bankAt: (a, s) => (a >= RAM_BASE && a + s <= RAM_BASE + ram.length ? bank : undefined) },
    onReport: (m) => reports.push(m),
  });
  const bridge = new PciHostBridgeFunction(new Uint8Array(PCI_CONFIG_BYTES));
  bridge.config.reset();
  host.plug(0, 0, bridge);
  return { host, sink, ram };
}

const ecamOffset = (dev: number, fn: number, reg: number) => (dev << 15) | (fn << 12) | reg;

describe('PCI configuration space', () => {
  it('has the identity, class, header type and pin the function declares, and ones where nothing is writable', () => {
    const c = space();
    c.reset();
    expect(c.read(PciReg.vendorId, 4)).toBe(0x5678_1234);
    expect(c.read(0x08, 4)).toBe(0x01_00_00_02);
    expect(c.read(PciReg.interruptPin, 1)).toBe(1);
    c.write(PciReg.vendorId, 4, 0);
    expect(c.read(PciReg.vendorId, 2)).toBe(0x1234);
    expect(c.read(PciReg.interruptLine, 1)).toBe(0xff);
    c.write(PciReg.interruptLine, 1, 33);
    expect(c.read(PciReg.interruptLine, 1)).toBe(33);
    // The 4 KiB extended space exists and is empty; unaligned accesses read ones.
    expect(c.read(0x100, 4)).toBe(0);
    expect(c.read(0xffc, 4)).toBe(0);
    expect(c.read(0x102, 4)).toBe(0xffff_ffff);
  });

  it('sizes BARs the way software probes them: all-ones written, ~(size-1) | type bits read back', () => {
    const c = space();
    c.reset();
    for (let i = 0; i < 6; i++) c.write(PciReg.bar0 + 4 * i, 4, 0xffff_ffff);
    expect(c.read(PciReg.bar0, 4)).toBe(0xffff_ffe1); // I/O, 32 bytes
    expect(c.read(PciReg.bar0 + 4, 4)).toBe(0xffff_f000); // 32-bit memory, 4 KiB
    expect(c.read(PciReg.bar0 + 8, 4)).toBe(0xffff_c00c); // 64-bit prefetchable, 16 KiB
    expect(c.read(PciReg.bar0 + 12, 4)).toBe(0xffff_ffff); // its upper half
    expect(c.read(PciReg.bar0 + 16, 4)).toBe(0); // not implemented
    c.write(PciReg.bar0 + 8, 4, 0x1234_5678);
    c.write(PciReg.bar0 + 12, 4, 0x4);
    expect(c.barAddress(c.barSpec(2)!)).toBe(0x4_1234_4000);
  });

  it('decodes a BAR only while its space is enabled in the command register', () => {
    const c = space();
    c.reset();
    c.write(PciReg.bar0 + 4, 4, 0x4000_1000);
    expect(c.decodedBars()).toEqual([]);
    c.write(PciReg.command, 2, PciCommand.memorySpace);
    expect(c.decodedBars()).toEqual([{ index: 1, space: 'memory', base: 0x4000_1000, size: 0x1000 }, { index: 2, space: 'memory', base: 0, size: 0x4000 }]);
    c.write(PciReg.command, 2, PciCommand.ioSpace);
    expect(c.decodedBars().map((b) => b.space)).toEqual(['io']);
    // Bits that are not command bits stay 0.
    c.write(PciReg.command, 2, 0xffff);
    expect(c.command).toBe(0x0547);
  });

  it('keeps the status register read-only except its write-1-to-clear error bits', () => {
    const c = space();
    c.reset();
    c.write(PciReg.status, 2, 0xffff);
    expect(c.read(PciReg.status, 2)).toBe(0);
    c.setInterruptStatus(true);
    c.write(PciReg.status, 2, 0x0008);
    expect(c.read(PciReg.status, 2)).toBe(0x0008);
  });

  it('links capabilities from 0x34 and sets the capability-list status bit', () => {
    const c = space();
    const first = c.addCapability({ id: PciCapabilityId.vendorSpecific, body: new Uint8Array([14, 1, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]) });
    const second = c.addCapability({ id: PciCapabilityId.msix, body: new Uint8Array([3, 0, 1, 0, 0, 0, 1, 0, 0, 0]), writeMask: new Uint8Array([0, 0xc0]) });
    c.reset();
    expect(c.read(PciReg.status, 2) & 0x10).toBe(0x10);
    expect(c.read(PciReg.capabilitiesPointer, 1)).toBe(first);
    expect(c.read(first, 1)).toBe(PciCapabilityId.vendorSpecific);
    expect(c.read(first + 1, 1)).toBe(second);
    expect(c.read(second + 1, 1)).toBe(0);
    // Only the enable and function-mask bits of the MSI-X message control are writable.
    c.write(second + 2, 2, 0xffff);
    expect(c.read(second + 2, 2)).toBe(0xc003);
  });

  it('has a type 1 header with writable bus numbers and windows', () => {
    const c = space({ vendorId: 0x1b36, deviceId: 0x000c, revision: 0, classCode: 0x06_04_00, headerType: 1, interruptPin: 1, bars: [] });
    c.reset();
    expect(c.read(PciReg.headerType, 1)).toBe(1);
    c.write(PciReg.primaryBus, 4, 0x00ff_0100);
    expect(c.read(PciReg.secondaryBus, 1)).toBe(1);
    expect(c.read(PciReg.subordinateBus, 1)).toBe(0xff);
    c.write(PciReg.memoryBase, 4, 0xffff_ffff);
    expect(c.read(PciReg.memoryBase, 4)).toBe(0xfff0_fff0);
    expect(PCI_TYPE1_REGISTERS.some((r) => r.name === 'SubordinateBus')).toBe(true);
    expect(PCI_TYPE0_REGISTERS.find((r) => r.name === 'BAR')?.count).toBe(6);
  });

  it('is its reset state over fresh zero bytes, and a second object over the same bytes (another thread) sees the first one\'s writes', () => {
    const shared = new Uint8Array(new SharedArrayBuffer(PCI_CONFIG_BYTES));
    const a = new PciConfigSpace(ENDPOINT, shared);
    const b = new PciConfigSpace(ENDPOINT, shared);
    expect(b.read(PciReg.vendorId, 4)).toBe(0x5678_1234);
    expect(b.read(PciReg.interruptLine, 1)).toBe(0xff);
    a.write(PciReg.bar0 + 4, 4, 0x4000_3000);
    a.write(PciReg.command, 2, PciCommand.memorySpace);
    expect(b.decodedBars()[0]).toEqual({ index: 1, space: 'memory', base: 0x4000_3000, size: 0x1000 });
    b.reset();
    expect(a.command).toBe(0);
    expect(a.read(PciReg.vendorId, 2)).toBe(0x1234);
  });

  it('refuses a BAR declaration that cannot exist', () => {
    expect(() => space({ ...ENDPOINT, bars: [{ index: 5, kind: 'memory64', size: 0x1000 }] })).toThrow(/BAR 5/);
    expect(() => space({ ...ENDPOINT, bars: [{ index: 0, kind: 'memory32', size: 0x1800 }] })).toThrow(/power of two/);
  });
});

describe('generic ECAM host bridge', () => {
  it('answers 00:00.0 as the QEMU host bridge and all-ones where no function is', () => {
    const { host } = makeHost();
    expect(host.ecam.read(ecamOffset(0, 0, 0), 4)).toBe((GPEX_DEVICE_ID << 16) | GPEX_VENDOR_ID);
    expect(host.ecam.read(ecamOffset(0, 0, 0x0a), 2)).toBe(0x0600);
    expect(host.ecam.read(ecamOffset(2, 0, 0), 4)).toBe(0xffff_ffff);
    expect(host.ecam.read(ecamOffset(0, 0, 0) + (1 << 20), 4)).toBe(0xffff_ffff); // bus 1
    host.ecam.write(ecamOffset(2, 0, 4), 2, 0xffff);
    expect(host.ecam.read(ecamOffset(2, 0, 4), 2)).toBe(0xffff);
  });

  it('routes a BAR window access to the function once memory decode is on, and follows a moved BAR', () => {
    const { host } = makeHost();
    const fn = new TestFunction();
    host.plug(1, 0, fn);
    host.ecam.write(ecamOffset(1, 0, PciReg.bar0 + 4), 4, 0x4000_2000);
    expect(host.mem32Window.read(0x2004, 4)).toBe(0xffff_ffff);
    host.ecam.write(ecamOffset(1, 0, PciReg.command), 2, PciCommand.memorySpace);
    expect(host.mem32Window.read(0x2004, 4)).toBe((1 << 16) | 4);
    host.mem32Window.write(0x2010, 4, 7);
    expect(fn.writes).toEqual([[1, 0x10, 7]]);
    host.ecam.write(ecamOffset(1, 0, PciReg.bar0 + 4), 4, 0x4001_0000);
    expect(host.mem32Window.read(0x2004, 4)).toBe(0xffff_ffff);
    expect(host.mem32Window.read(0x1_0ffc, 4)).toBe((1 << 16) | 0xffc);
    // An access that runs past the BAR's end is not the BAR's.
    expect(host.mem32Window.read(0x1_0ffe, 4)).toBe(0xffff_ffff);
  });

  it('routes the 64-bit window and the I/O window (I/O decode separate from memory decode)', () => {
    const { host } = makeHost();
    host.plug(1, 0, new TestFunction());
    host.ecam.write(ecamOffset(1, 0, PciReg.bar0 + 8), 4, 0x0000_0000);
    host.ecam.write(ecamOffset(1, 0, PciReg.bar0 + 12), 4, 0x4);
    host.ecam.write(ecamOffset(1, 0, PciReg.bar0), 4, 0x1000);
    host.ecam.write(ecamOffset(1, 0, PciReg.command), 2, PciCommand.memorySpace);
    expect(host.mem64Window!.read(0x8, 4)).toBe((2 << 16) | 8);
    expect(host.ioWindow.read(0x1004, 4)).toBe(0xffff_ffff);
    host.ecam.write(ecamOffset(1, 0, PciReg.command), 2, PciCommand.memorySpace | PciCommand.ioSpace);
    expect(host.ioWindow.read(0x1004, 4)).toBe(4);
  });

  it('swizzles INTx by slot onto the four lines and honours Interrupt Disable', () => {
    const { host, sink } = makeHost();
    const slot1 = new TestFunction();
    const slot2 = new TestFunction({ ...ENDPOINT, interruptPin: 2 });
    host.plug(1, 0, slot1);
    host.plug(2, 0, slot2);
    slot1.slot.setIntx(true);
    expect(sink.level(33)).toBe(true); // slot 1 INTA -> INTB line
    slot2.slot.setIntx(true);
    expect(sink.level(35)).toBe(true); // slot 2 INTB -> (2 + 1) % 4 = INTD line
    expect(host.ecam.read(ecamOffset(1, 0, PciReg.status), 2) & 0x8).toBe(0x8);
    host.ecam.write(ecamOffset(1, 0, PciReg.command), 2, PciCommand.interruptDisable);
    expect(sink.level(33)).toBe(false);
    host.ecam.write(ecamOffset(1, 0, PciReg.command), 2, 0);
    expect(sink.level(33)).toBe(true);
    slot1.slot.setIntx(false);
    expect(sink.level(33)).toBe(false);
    expect(sink.level(35)).toBe(true);
  });

  it('refuses DMA while Bus Master is off and names the function in the report', () => {
    const reports: string[] = [];
    const { host, ram } = makeHost(reports);
    const fn = new TestFunction();
    host.plug(1, 0, fn);
    expect(fn.slot.dma.tryView(RAM_BASE, 16)).toBeUndefined();
    expect(reports.at(-1)).toMatch(/test-fn 00:01\.0.*Bus Master/);
    host.ecam.write(ecamOffset(1, 0, PciReg.command), 2, PciCommand.busMaster);
    ram[0] = 0x5a;
    expect(fn.slot.dma.tryView(RAM_BASE, 16)?.[0]).toBe(0x5a);
    expect(fn.slot.dma.tryView(0x1000, 16)).toBeUndefined();
    expect(reports.at(-1)).toMatch(/0x1000.*not inside one RAM bank/);
  });

  it('reports a BAR placed over RAM once, and it decodes nowhere', () => {
    const reports: string[] = [];
    const { host } = makeHost(reports);
    host.plug(1, 0, new TestFunction());
    host.ecam.write(ecamOffset(1, 0, PciReg.bar0 + 4), 4, RAM_BASE);
    host.ecam.write(ecamOffset(1, 0, PciReg.command), 2, PciCommand.memorySpace);
    host.ecam.write(ecamOffset(1, 0, PciReg.command), 2, PciCommand.memorySpace);
    expect(reports.filter((r) => r.includes('BAR 1 at 0x80000000'))).toHaveLength(1);
    expect(reports[0]).toMatch(/00:01\.0.*outside the host's memory windows/);
  });

  it('takes garbage in configuration space without throwing', () => {
    const { host } = makeHost();
    host.plug(1, 0, new TestFunction());
    let seed = 12345;
    const next = () => (seed = (seed * 1103515245 + 12345) >>> 0);
    for (let i = 0; i < 20000; i++) {
      const size = ([1, 2, 4] as const)[next() % 3]!;
      const offset = next() % 0x20_0000;
      host.ecam.write(offset, size, next());
      host.ecam.read(offset, size);
      host.mem32Window.read(next() % 0x10_0000, size);
      host.mem32Window.write(next() % 0x10_0000, size, next());
    }
    expect(host.ecam.read(ecamOffset(1, 0, 0), 4)).toBe(0x5678_1234);
  });
});
