import { describe, expect, it } from 'vitest';
import { PciBus } from '../../../../src/host/virtio/pci-bus';
import { qemuVirtRiscvPcie } from '../../../../src/boards/qemu-virt-pcie';
import type { BlockBackend } from '../../../../src/core/virtio/virtio-blk';
import type { BridgeRequest } from '../../../../src/core/virtio/virtio-bridge';
import type { VirtioDeviceFault } from '../../../../src/core/virtio/virtio-mmio';

const HOST = qemuVirtRiscvPcie({ intx: [32, 33, 34, 35], mmio64: { base: 0x4_0000_0000, size: 0x4_0000_0000 } });
const disk = (bytes: number): BlockBackend & { closed: boolean; close(): Promise<void> } => ({
  size: bytes, readOnly: true, closed: false,
  async read(offset, length) { return new Uint8Array(length).fill(offset & 0xff); },
  async write() {},
  async flush() {},
  async close() { this.closed = true; },
});

async function bus(options: { raise?: (zone: number, irq: number) => void; levels?: Map<number, boolean> } = {}) {
  const reports: string[] = [];
  const faults: VirtioDeviceFault[] = [];
  const backend = disk(64 * 512);
  const b = await PciBus.create({
    host: HOST, zone: 0, ram: { base: 0x8000_0000, u8: new Uint8Array(0x10000) },
    devices: [{ type: 'virtio-blk-pci', slot: 1, img: 'disk.img', readOnly: true }],
    openBlock: async () => backend,
    ...(options.levels ? { irqSink: { setLevel: (line: number, level: boolean) => void options.levels!.set(line, level) } } : {}),
    raise: options.raise ?? (() => undefined),
    onFault: (f) => faults.push(f),
    report: (m) => reports.push(m),
  });
  return { b, reports, faults, backend };
}

const req = (address: number, size: number, write?: bigint, zone = 0): BridgeRequest => ({ cpu: 0, zone, address, size, value: write ?? 0n, isWrite: write !== undefined, needInterrupt: false });

describe('PciBus (the management side of the board\'s PCIe functions)', () => {
  it('answers the zone\'s ECAM accesses through the host decode, and only that zone\'s', async () => {
    const { b } = await bus();
    expect(b.serves(req(0x3000_0000, 4))).toBe(true);
    expect(b.serves(req(0x3000_0000, 4, undefined, 1))).toBe(false);
    expect(b.serves(req(0x1000_1000, 4))).toBe(false);
    expect(b.handle(req(0x3000_0000, 4))).toBe(0x0008_1b36n);
    expect(b.handle(req(0x3000_8000, 4))).toBe(0x1042_1af4n);
    expect(b.handle(req(0x3001_0000, 4))).toBe(0xffff_ffffn);
    // An 8-byte load is two 4-byte ones, low first.
    expect(b.handle(req(0x3000_8000, 8))).toBe(0x0010_0000_1042_1af4n);
  });

  it('routes a programmed 64-bit BAR in the 64-bit window, 8-byte stores split, and INTx drives the board line', async () => {
    const levels = new Map<number, boolean>();
    const { b } = await bus({ levels });
    b.handle(req(0x3000_8000 + 0x20, 8, 0x4_0000_0000n | 0xcn)); // BAR 4 + BAR 5 in one store
    b.handle(req(0x3000_8000 + 0x04, 2, 0x6n)); // memory space + bus master
    expect(b.handle(req(0x4_0000_0000 + 0x12, 2))).toBe(1n); // num_queues
    expect(b.handle(req(0x4_0000_0000 + 0x2000, 4))).toBe(64n); // capacity in sectors
    (b.functions[0]!.pci as unknown as { slot: { setIntx(l: boolean): void } }).slot.setIntx(true);
    expect(levels.get(33)).toBe(true);
    b.handle(req(0x4_0000_0000 + 0x1000, 1)); // the driver reads the ISR: the line goes low
    expect(levels.get(33)).toBe(false);
  });

  it('without the board controller raises the zone\'s interrupt on a rising edge, and closes its backends', async () => {
    const raised: [number, number][] = [];
    const { b, backend } = await bus({ raise: (zone, irq) => raised.push([zone, irq]) });
    b.host.plugged.find((f) => f.bdf === 8)!.endpoint.config.write(4, 2, 0);
    // The slot's INTx (via its config space status) reaches the swizzled line 33.
    (b.functions[0]!.pci as unknown as { slot: { setIntx(l: boolean): void } }).slot.setIntx(true);
    expect(raised).toEqual([[0, 33]]);
    await b.close();
    expect(backend.closed).toBe(true);
  });
});

describe('one configuration space for the vCPUs\' host and the management side', () => {
  it('the board model built from a layout\'s functions and the PciBus agree on 00:01.0 through shared bytes', async () => {
    const { pciHostEcamModel } = await import('../../../../src/core/devices/pci/pci-host-model');
    const { withPciFunctions } = await import('../../../../src/core/devices/pci/pci-host-board');
    const { qemuPlic } = await import('../../../../src/boards/riscv64/qemu-plic');
    const board = withPciFunctions(qemuPlic, [{ type: 'virtio-blk-pci', slot: 1 }]);
    const spec = board.devices.find((d) => d.kind === 'pci-host-ecam')!;
    const bytes = pciHostEcamModel.stateBytes(board, spec, {})!;
    expect(bytes).toBe(2 * 4096);
    const region = { buffer: new SharedArrayBuffer(bytes), byteOffset: 0, byteLength: bytes };
    const levels = new Map<number, boolean>();
    const built = pciHostEcamModel.build({
      board, spec, options: {}, region: () => region, irqSink: () => ({ setLevel: (l: number, v: boolean) => void levels.set(l, v) }),
      msiSink: () => ({ deliver: () => undefined }), signals: { setPending: () => undefined }, clock: { now: () => 0 }, onPowerRequest: () => undefined,
    } as unknown as Parameters<typeof pciHostEcamModel.build>[0]);
    const ecam = built.windows.find((w) => w.name === 'pcie')!.device;
    // The vCPUs' host lists the function and takes the guest's BAR and command writes.
    expect(ecam.read(0x8000, 4)).toBe(0x1042_1af4);
    ecam.write(0x8000 + 0x20, 4, 0);
    ecam.write(0x8000 + 0x24, 4, 4);
    ecam.write(0x8000 + 0x04, 2, 0x6);
    const b = await PciBus.create({
      host: spec, zone: 0, ram: { base: 0x8000_0000, u8: new Uint8Array(0x1000) },
      devices: [{ type: 'virtio-blk-pci', slot: 1, img: 'disk.img', readOnly: true }],
      openBlock: async () => disk(8 * 512),
      sharedConfig: (block) => new Uint8Array(region.buffer, block * 4096, 4096),
      irqSink: { setLevel: (l, v) => void levels.set(l, v) },
      raise: () => undefined, onFault: () => undefined, report: () => undefined,
    });
    // ... and the management side decodes the BAR the guest placed there: the device's capacity.
    expect(b.handle(req(0x4_0000_0000 + 0x2000, 4))).toBe(8n);
    // INTx set by the management side is seen by the vCPUs' host (Interrupt Status in the shared bytes).
    (b.functions[0]!.pci as unknown as { slot: { setIntx(l: boolean): void } }).slot.setIntx(true);
    expect(ecam.read(0x8000 + 0x06, 2) & 0x8).toBe(0x8);
    expect(() => withPciFunctions({ ...qemuPlic, devices: [] }, [{ type: 'virtio-blk-pci', slot: 1 }])).toThrow(/no PCIe host/);
  });
});
