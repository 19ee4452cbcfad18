import { describe, expect, it } from 'vitest';
import { BlkFeature, BlkRequestType, BlkStatus, type BlockBackend, VirtioBlk } from '../../../../src/core/virtio/virtio-blk';
import { Reg, type VirtioDeviceFault, VirtioMmio } from '../../../../src/core/virtio/virtio-mmio';
import { FakeDriver, FakeGuestRam } from './fake-driver';

/** A disk in memory that records what the device did to it. */
class MemoryDisk implements BlockBackend {
  readonly data: Uint8Array;
  flushes = 0;
  writes = 0;
  /** When set, reads wait for this promise (to test resets during I/O). */
  gate: Promise<void> | undefined;
  constructor(sectors: number, readonly readOnly = false) {
    this.data = new Uint8Array(sectors * 512);
    for (let i = 0; i < this.data.length; i++) this.data[i] = (i * 7 + (i >> 9)) & 0xff;
  }
  get size(): number {
    return this.data.length;
  }
  async read(offset: number, length: number): Promise<Uint8Array> {
    if (this.gate) await this.gate;
    return this.data.slice(offset, offset + length);
  }
  async write(offset: number, bytes: Uint8Array): Promise<void> {
    this.writes++;
    this.data.set(bytes, offset);
  }
  async flush(): Promise<void> {
    this.flushes++;
  }
}

function setup(disk = new MemoryDisk(64), options: { readOnly?: boolean; discard?: boolean } = {}) {
  const ram = new FakeGuestRam();
  const faults: VirtioDeviceFault[] = [];
  let irqs = 0;
  const blk = new VirtioBlk(disk, options);
  const mmio = new VirtioMmio(blk, { zone: 1, name: 'virtio-blk@0x10006000', memory: ram.memory, raiseIrq: () => void irqs++, onFault: (f) => faults.push(f) });
  const driver = new FakeDriver(ram, mmio).init();
  return { ram, disk, blk, mmio, driver, faults, irqs: () => irqs };
}

type Setup = ReturnType<typeof setup>;

/** Header, data and status buffers of one request, laid out like Linux's virtio_blk does. */
function request(s: Setup, type: number, sector: number, dataBytes: number) {
  const header = s.ram.alloc(16);
  const hv = s.ram.view(header, 16);
  hv.setUint32(0, type, true);
  hv.setBigUint64(8, BigInt(sector), true);
  const data = s.ram.alloc(Math.max(dataBytes, 1));
  const status = s.ram.alloc(1);
  s.ram.put(status, [0xff]);
  return { header, data, status };
}

describe('virtio-blk', () => {
  it('reports capacity, SEG_MAX and SIZE_MAX in its configuration space and offers FLUSH', async () => {
    const s = setup(new MemoryDisk(2048 + 3));
    expect(s.mmio.read(Reg.deviceId, 4)).toBe(2);
    expect(s.mmio.read(Reg.config, 4)).toBe(2051);
    expect(s.mmio.read(Reg.config + 4, 4)).toBe(0);
    expect(s.mmio.read(Reg.config + 12, 4)).toBe(510);
    expect(s.mmio.read(Reg.config + 8, 4)).toBe(1 << 20);
    const offered = s.driver.offered;
    expect(offered & (BlkFeature.segMax | BlkFeature.sizeMax | BlkFeature.flush)).toBe(BlkFeature.segMax | BlkFeature.sizeMax | BlkFeature.flush);
    expect(offered & BlkFeature.ro).toBe(0n);
    expect(offered & BlkFeature.discard).toBe(0n);
  });

  it('reads sectors into a direct three-descriptor chain', async () => {
    const s = setup();
    const r = request(s, BlkRequestType.in, 3, 1024);
    const head = s.driver.queue(0).submit([{ addr: r.header, len: 16 }, { addr: r.data, len: 1024, write: true }, { addr: r.status, len: 1, write: true }]);
    await s.blk.whenIdle();
    expect([...s.ram.bytes(r.data, 1024)]).toEqual([...s.disk.data.subarray(3 * 512, 5 * 512)]);
    expect(s.ram.bytes(r.status, 1)[0]).toBe(BlkStatus.ok);
    expect(s.driver.queue(0).takeUsed()).toEqual([{ id: head, len: 1025 }]);
    expect(s.irqs()).toBe(1);
  });

  it('writes sectors from a chain whose data is split over several descriptors', async () => {
    const s = setup();
    const r = request(s, BlkRequestType.out, 10, 0);
    const a = s.ram.alloc(512);
    const b = s.ram.alloc(512);
    s.ram.bytes(a, 512).fill(0x11);
    s.ram.bytes(b, 512).fill(0x22);
    const head = s.driver.queue(0).submit([{ addr: r.header, len: 16 }, { addr: a, len: 512 }, { addr: b, len: 512 }, { addr: r.status, len: 1, write: true }]);
    await s.blk.whenIdle();
    expect(s.disk.data.subarray(10 * 512, 11 * 512).every((x) => x === 0x11)).toBe(true);
    expect(s.disk.data.subarray(11 * 512, 12 * 512).every((x) => x === 0x22)).toBe(true);
    expect(s.ram.bytes(r.status, 1)[0]).toBe(BlkStatus.ok);
    expect(s.driver.queue(0).takeUsed()).toEqual([{ id: head, len: 1 }]);
  });

  it('reads through an indirect table and does not assume the header has its own descriptor', async () => {
    const s = setup();
    // Header and data in one readable-then-writable layout: header+first half of a write request in one buffer.
    const combined = s.ram.alloc(16 + 512);
    const hv = s.ram.view(combined, 16);
    hv.setUint32(0, BlkRequestType.out, true);
    hv.setBigUint64(8, 0n, true);
    s.ram.bytes(combined + 16, 512).fill(0x5a);
    const status = s.ram.alloc(1);
    s.driver.queue(0).submit([{ addr: combined, len: 16 + 512 }, { addr: status, len: 1, write: true }], { indirect: true });
    await s.blk.whenIdle();
    expect(s.disk.data.subarray(0, 512).every((x) => x === 0x5a)).toBe(true);

    const r = request(s, BlkRequestType.in, 0, 512);
    s.driver.queue(0).submit([{ addr: r.header, len: 16 }, { addr: r.data, len: 512, write: true }, { addr: r.status, len: 1, write: true }], { indirect: true });
    await s.blk.whenIdle();
    expect(s.ram.bytes(r.data, 512).every((x) => x === 0x5a)).toBe(true);
  });

  it('flushes the backend and answers GET_ID with "hvisor-virblk"', async () => {
    const s = setup();
    const f = request(s, BlkRequestType.flush, 0, 0);
    s.driver.queue(0).submit([{ addr: f.header, len: 16 }, { addr: f.status, len: 1, write: true }]);
    const id = request(s, BlkRequestType.getId, 0, 20);
    s.driver.queue(0).submit([{ addr: id.header, len: 16 }, { addr: id.data, len: 20, write: true }, { addr: id.status, len: 1, write: true }]);
    await s.blk.whenIdle();
    expect(s.disk.flushes).toBe(1);
    expect(s.ram.bytes(f.status, 1)[0]).toBe(BlkStatus.ok);
    expect(String.fromCharCode(...s.ram.bytes(id.data, 13))).toBe('hvisor-virblk');
    expect(s.ram.bytes(id.data, 20)[13]).toBe(0);
    expect(s.driver.queue(0).takeUsed().map((u) => u.len)).toEqual([1, 21]);
  });

  it('fails requests beyond the disk, of partial sectors, and of unknown types', async () => {
    const s = setup(new MemoryDisk(8));
    const past = request(s, BlkRequestType.in, 7, 1024);
    s.driver.queue(0).submit([{ addr: past.header, len: 16 }, { addr: past.data, len: 1024, write: true }, { addr: past.status, len: 1, write: true }]);
    const partial = request(s, BlkRequestType.out, 0, 0);
    const data = s.ram.alloc(100);
    s.driver.queue(0).submit([{ addr: partial.header, len: 16 }, { addr: data, len: 100 }, { addr: partial.status, len: 1, write: true }]);
    const unknown = request(s, 99, 0, 0);
    s.driver.queue(0).submit([{ addr: unknown.header, len: 16 }, { addr: unknown.status, len: 1, write: true }]);
    await s.blk.whenIdle();
    expect(s.ram.bytes(past.status, 1)[0]).toBe(BlkStatus.ioError);
    expect(s.ram.bytes(partial.status, 1)[0]).toBe(BlkStatus.ioError);
    expect(s.ram.bytes(unknown.status, 1)[0]).toBe(BlkStatus.unsupported);
    expect(s.disk.writes).toBe(0);
  });

  it('offers RO for a read-only disk and fails writes without touching it', async () => {
    const s = setup(new MemoryDisk(8, true));
    expect(s.driver.offered & BlkFeature.ro).toBe(BlkFeature.ro);
    const before = s.disk.data.slice();
    const r = request(s, BlkRequestType.out, 0, 0);
    const data = s.ram.alloc(512);
    s.driver.queue(0).submit([{ addr: r.header, len: 16 }, { addr: data, len: 512 }, { addr: r.status, len: 1, write: true }]);
    await s.blk.whenIdle();
    expect(s.ram.bytes(r.status, 1)[0]).toBe(BlkStatus.ioError);
    expect(s.disk.writes).toBe(0);
    expect(s.disk.data).toEqual(before);
    expect(setup(new MemoryDisk(8), { readOnly: true }).driver.offered & BlkFeature.ro).toBe(BlkFeature.ro);
  });

  it('discards with zeros when asked to offer DISCARD', async () => {
    const s = setup(new MemoryDisk(16), { discard: true });
    expect(s.driver.offered & BlkFeature.discard).toBe(BlkFeature.discard);
    const r = request(s, BlkRequestType.discard, 0, 0);
    const segment = s.ram.alloc(16);
    const v = s.ram.view(segment, 16);
    v.setBigUint64(0, 2n, true);
    v.setUint32(8, 3, true);
    s.driver.queue(0).submit([{ addr: r.header, len: 16 }, { addr: segment, len: 16 }, { addr: r.status, len: 1, write: true }]);
    await s.blk.whenIdle();
    expect(s.ram.bytes(r.status, 1)[0]).toBe(BlkStatus.ok);
    expect(s.disk.data.subarray(1024, 2560).every((x) => x === 0)).toBe(true);
    expect(s.disk.data[2560]).not.toBe(undefined);
  });

  it('refuses a request without a status byte as a device error', async () => {
    const s = setup();
    const r = request(s, BlkRequestType.in, 0, 512);
    s.driver.queue(0).submit([{ addr: r.header, len: 16 }, { addr: r.data, len: 512 }]);
    await s.blk.whenIdle();
    expect(s.faults[0]!.message).toMatch(/no writable status byte/);
  });

  it('drops the completion of a request in flight when the driver resets the device', async () => {
    const disk = new MemoryDisk(8);
    let open!: () => void;
    disk.gate = new Promise((resolve) => (open = resolve));
    const s = setup(disk);
    const r = request(s, BlkRequestType.in, 0, 512);
    s.driver.queue(0).submit([{ addr: r.header, len: 16 }, { addr: r.data, len: 512, write: true }, { addr: r.status, len: 1, write: true }]);
    expect(s.blk.pendingRequests).toBe(1);
    s.mmio.write(Reg.status, 4, 0);
    open();
    await s.blk.whenIdle();
    expect(s.ram.bytes(r.data, 512).every((x) => x === 0)).toBe(true);
    expect(s.ram.bytes(r.status, 1)[0]).toBe(0xff);
    expect(s.irqs()).toBe(0);
  });
});

describe('virtio-blk before DRIVER_OK', () => {
  it('serves a request kicked before DRIVER_OK once the driver sets it', async () => {
    const disk = new MemoryDisk(8);
    const ram = new FakeGuestRam();
    const blk = new VirtioBlk(disk);
    const mmio = new VirtioMmio(blk, { zone: 1, name: 'virtio-blk@0x10006000', memory: ram.memory, raiseIrq: () => undefined });
    const driver = new FakeDriver(ram, mmio).init();
    mmio.write(Reg.status, 4, 0x0b);
    const s = { ram } as Setup;
    const r = request(s, BlkRequestType.in, 1, 512);
    driver.queue(0).submit([{ addr: r.header, len: 16 }, { addr: r.data, len: 512, write: true }, { addr: r.status, len: 1, write: true }]);
    await blk.whenIdle();
    expect(ram.bytes(r.status, 1)[0]).toBe(0xff);
    mmio.write(Reg.status, 4, 0x0f);
    await blk.whenIdle();
    expect(ram.bytes(r.status, 1)[0]).toBe(BlkStatus.ok);
    expect([...ram.bytes(r.data, 512)]).toEqual([...disk.data.subarray(512, 1024)]);
  });
});
