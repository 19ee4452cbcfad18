/**
 * A malicious guest driving the virtio devices directly through its memory: every attack must end
 * as a device error of that zone (DEVICE_NEEDS_RESET and a report naming zone, device, queue and
 * descriptor) or a refused request, never as an exception, a loop the daemon cannot leave, work
 * piling up without bound, or an allocation the guest chooses the size of.
 */
import { describe, expect, it } from 'vitest';
import type { GuestMemory } from '../../../../src/core/virtio/guest-memory';
import { BLK_MAX_DISCARD_SECTORS, BlkRequestType, BlkStatus, type BlockBackend, VirtioBlk } from '../../../../src/core/virtio/virtio-blk';
import { CONSOLE_MAX_REQUEST_BYTES, ConsoleQueue, VirtioConsole } from '../../../../src/core/virtio/virtio-console';
import { Reg, Status, type VirtioDeviceFault, type VirtioDeviceModel, VirtioMmio } from '../../../../src/core/virtio/virtio-mmio';
import { NET_HEADER_BYTES, NET_MAX_FRAME_BYTES, NetQueue, VirtioNet } from '../../../../src/core/virtio/virtio-net';
import { DescFlag, TURN_DESCRIPTORS } from '../../../../src/core/virtio/virtqueue';
import { FakeDriver, FakeGuestRam, ZONE_GPA } from './fake-driver';

/** The zone's memory, recording the longest range the device asked to map. */
class WatchedMemory implements GuestMemory {
  longest = 0;
  /** Runs on every mapping: a guest vCPU acting while the device works. */
  onView: ((gpa: number) => void) | undefined;
  constructor(private readonly inner: GuestMemory) {}
  view(gpa: number, length: number): Uint8Array | undefined {
    this.longest = Math.max(this.longest, length);
    this.onView?.(gpa);
    return this.inner.view(gpa, length);
  }
}

function attach<T extends VirtioDeviceModel>(device: T, name: string) {
  const ram = new FakeGuestRam();
  const memory = new WatchedMemory(ram.memory);
  const faults: VirtioDeviceFault[] = [];
  let irqs = 0;
  const mmio = new VirtioMmio(device, { zone: 3, name, memory, raiseIrq: () => void irqs++, onFault: (f) => faults.push(f) });
  const driver = new FakeDriver(ram, mmio);
  const failed = (): boolean => (mmio.read(Reg.status, 4) & Status.deviceNeedsReset) !== 0;
  return { ram, memory, mmio, driver, device, faults, failed, irqs: () => irqs };
}

function consoleGuest(queueSize = 16) {
  const output: Uint8Array[] = [];
  const s = attach(new VirtioConsole({ output: (bytes) => output.push(bytes) }), 'virtio-console@0x10007000');
  s.driver.init({ queues: 2, queueSize });
  return { ...s, output };
}

/** A disk whose reads hang until released, counting what reaches it. */
class SlowDisk implements BlockBackend {
  readonly data = new Uint8Array(64 * 512).fill(0x5a);
  readonly readOnly = false;
  reads = 0;
  writes = 0;
  discards = 0;
  private release!: () => void;
  private readonly gate = new Promise<void>((resolve) => (this.release = resolve));
  constructor(private hung = true) {}
  get size(): number {
    return this.data.length;
  }
  open(): void {
    this.hung = false;
    this.release();
  }
  async read(offset: number, length: number): Promise<Uint8Array> {
    this.reads++;
    if (this.hung) await this.gate;
    return this.data.slice(offset, offset + length);
  }
  async write(offset: number, bytes: Uint8Array): Promise<void> {
    this.writes++;
    this.data.set(bytes, offset);
  }
  async flush(): Promise<void> {}
  async discard(offset: number, length: number): Promise<void> {
    this.discards++;
    this.data.fill(0, offset, offset + length);
  }
}

function blkGuest(disk: SlowDisk, options: { discard?: boolean; queueSize?: number } = {}) {
  const s = attach(new VirtioBlk(disk, { discard: options.discard === true }), 'virtio-blk@0x10006000');
  s.driver.init({ queueSize: options.queueSize ?? 16 });
  return s;
}

type Guest = ReturnType<typeof blkGuest>;

/** Header, payload and status of one blk request in the guest's memory. */
function blkRequest(s: Guest, type: number, sector: bigint, payload: { read?: number; write?: number; segments?: Uint8Array } = {}) {
  const header = s.ram.alloc(16);
  const view = s.ram.view(header, 16);
  view.setUint32(0, type, true);
  view.setBigUint64(8, sector, true);
  const status = s.ram.alloc(1);
  s.ram.put(status, [0xff]);
  const buffers: { addr: number; len: number; write?: boolean }[] = [{ addr: header, len: 16 }];
  if (payload.segments) {
    const at = s.ram.alloc(payload.segments.length);
    s.ram.put(at, payload.segments);
    buffers.push({ addr: at, len: payload.segments.length });
  }
  if (payload.write) buffers.push({ addr: s.ram.alloc(payload.write), len: payload.write });
  if (payload.read) buffers.push({ addr: s.ram.alloc(payload.read), len: payload.read, write: true });
  buffers.push({ addr: status, len: 1, write: true });
  return { buffers, status: () => s.ram.bytes(status, 1)[0] };
}

function discardSegment(sector: bigint, sectors: number, flags = 0): Uint8Array {
  const bytes = new Uint8Array(16);
  const view = new DataView(bytes.buffer);
  view.setBigUint64(0, sector, true);
  view.setUint32(8, sectors, true);
  view.setUint32(12, flags, true);
  return bytes;
}

describe('a hostile guest against the split virtqueue', () => {
  it('refuses an indirect table of 2^32 - 16 bytes from its length, without mapping it', () => {
    const s = consoleGuest();
    const tx = s.driver.queue(ConsoleQueue.transmit);
    const table = s.ram.alloc(16);
    tx.writeDesc(tx.desc, 0, table, 0xffff_fff0, DescFlag.indirect, 0);
    tx.offer(0);
    tx.kick();
    expect(s.failed()).toBe(true);
    expect(s.faults).toHaveLength(1);
    expect(s.faults[0]).toMatchObject({ zone: 3, device: 'virtio-console@0x10007000', queue: 1, descriptor: 0, address: table, deviceNeedsReset: true });
    expect(s.faults[0]!.message).toMatch(/descriptor 0 has an indirect table of 4294967280 bytes \(268435455 entries\), longer than the queue \(16 entries\)/);
    expect(s.memory.longest).toBeLessThan(0x1000);
    expect(s.output).toEqual([]);
  });

  it('takes an indirect table of exactly the queue size and refuses one entry more', () => {
    const build = (entries: number) => {
      const s = consoleGuest();
      const tx = s.driver.queue(ConsoleQueue.transmit);
      const byte = s.ram.alloc(1);
      s.ram.put(byte, [0x41]);
      const table = s.ram.alloc(16 * entries);
      for (let i = 0; i < entries; i++) tx.writeDesc(table, i, byte, 1, i + 1 < entries ? DescFlag.next : 0, i + 1);
      tx.writeDesc(tx.desc, 0, table, 16 * entries, DescFlag.indirect, 0);
      tx.offer(0);
      tx.kick();
      return s;
    };
    const fits = build(16);
    expect(fits.failed()).toBe(false);
    expect(fits.output.map((b) => b.length)).toEqual([16]);
    const over = build(17);
    expect(over.failed()).toBe(true);
    expect(over.faults[0]!.message).toMatch(/indirect table of 272 bytes \(17 entries\), longer than the queue \(16 entries\)/);
    expect(over.output).toEqual([]);
  });

  it('refuses a chain that loops through a whole 512-entry queue before any request reaches the disk', () => {
    const disk = new SlowDisk(false);
    const s = blkGuest(disk, { queueSize: 512 });
    const q = s.driver.queue(0);
    const buffer = s.ram.alloc(16);
    for (let i = 0; i < 512; i++) q.writeDesc(q.desc, i, buffer, 16, DescFlag.next, (i + 1) % 512);
    q.offer(0);
    q.kick();
    expect(s.failed()).toBe(true);
    expect(s.faults[0]!.message).toMatch(/zone 3 virtio-blk@0x10006000 queue 0: chain from head 0 loops or is longer than the queue \(512 entries\)/);
    expect(disk.reads + disk.writes).toBe(0);
  });

  it('refuses a buffer of 0xFFFFFFFF bytes, naming the descriptor and its address, and writes nothing', () => {
    const s = consoleGuest();
    const rx = s.driver.queue(ConsoleQueue.receive);
    rx.writeDesc(rx.desc, 0, ZONE_GPA + 0x2000, 0xffff_ffff, DescFlag.write, 0);
    rx.offer(0);
    rx.kick();
    s.device.input(Uint8Array.of(0x61, 0x62));
    expect(s.faults[0]).toMatchObject({ queue: 0, descriptor: 0, address: ZONE_GPA + 0x2000, deviceNeedsReset: true });
    expect(s.faults[0]!.message).toMatch(/buffer 0x40002000\+0xffffffff is outside the zone's memory/);
    expect(s.ram.outsideUntouched()).toBe(true);
    expect(s.device.pendingInput).toBe(2);
  });

  it('reports a broken device once, however often the guest kicks it afterwards', () => {
    const s = consoleGuest();
    const tx = s.driver.queue(ConsoleQueue.transmit);
    tx.writeDesc(tx.desc, 0, ZONE_GPA, 1, DescFlag.next, 99);
    tx.offer(0);
    for (let i = 0; i < 5000; i++) tx.kick();
    expect(s.faults).toHaveLength(1);
    expect(s.irqs()).toBe(1);
  });
});

describe('a hostile guest against bounded requests', () => {
  it('refuses a console transmit of more than 64 KiB and sends one of exactly 64 KiB', () => {
    const s = consoleGuest();
    const tx = s.driver.queue(ConsoleQueue.transmit);
    const big = s.ram.alloc(CONSOLE_MAX_REQUEST_BYTES + 1);
    tx.submit([{ addr: big, len: CONSOLE_MAX_REQUEST_BYTES }]);
    expect(s.output.map((b) => b.length)).toEqual([CONSOLE_MAX_REQUEST_BYTES]);
    const head = tx.submit([{ addr: big, len: CONSOLE_MAX_REQUEST_BYTES }, { addr: big, len: 1 }]);
    expect(s.failed()).toBe(true);
    expect(s.faults[0]).toMatchObject({ queue: ConsoleQueue.transmit, descriptor: head });
    expect(s.faults[0]!.message).toMatch(/transmit request at descriptor \d+ carries 65537 bytes \(at most 65536\)/);
    expect(s.output).toHaveLength(1);
  });

  it('refuses a network frame over 65550 bytes, sends one of exactly 65550, and drops an oversized frame from the switch', () => {
    const net = new VirtioNet([2, 0, 0, 0, 3, 1]);
    const sent: Uint8Array[] = [];
    net.connect({ send: (frame) => sent.push(frame) });
    const s = attach(net, 'virtio-net@0x10006400');
    s.driver.init({ queues: 2 });
    const tx = s.driver.queue(NetQueue.transmit);
    const header = s.ram.alloc(NET_HEADER_BYTES);
    const data = s.ram.alloc(NET_MAX_FRAME_BYTES + 1);
    tx.submit([{ addr: header, len: NET_HEADER_BYTES }, { addr: data, len: NET_MAX_FRAME_BYTES }]);
    expect(sent.map((f) => f.length)).toEqual([NET_MAX_FRAME_BYTES]);
    tx.submit([{ addr: header, len: NET_HEADER_BYTES }, { addr: data, len: NET_MAX_FRAME_BYTES + 1 }]);
    expect(s.failed()).toBe(true);
    expect(s.faults[0]!.message).toMatch(/zone 3 virtio-net@0x10006400 queue 1: transmit request at descriptor \d+ carries a 65551-byte frame \(at most 65550\)/);
    expect(sent).toHaveLength(1);
    net.receive(new Uint8Array(NET_MAX_FRAME_BYTES + 1));
    expect(net.pendingFrames).toBe(0);
    expect(net.dropped).toBe(1);
  });

  it('answers a discard at sector 2^63 and one over max_discard_sectors with IOERR and reports both', async () => {
    const disk = new SlowDisk(false);
    const s = blkGuest(disk, { discard: true });
    const far = blkRequest(s, BlkRequestType.discard, 0n, { segments: discardSegment(1n << 63n, 8) });
    const huge = blkRequest(s, BlkRequestType.discard, 0n, { segments: discardSegment(0n, 0xffff_ffff) });
    const q = s.driver.queue(0);
    const farHead = q.submit(far.buffers);
    const hugeHead = q.submit(huge.buffers);
    await (s.device as VirtioBlk).whenIdle();
    expect([far.status(), huge.status()]).toEqual([BlkStatus.ioError, BlkStatus.ioError]);
    expect(disk.discards).toBe(0);
    expect(s.failed()).toBe(false);
    expect(s.faults.map((f) => [f.descriptor, f.deviceNeedsReset])).toEqual([[farHead, false], [hugeHead, false]]);
    expect(s.faults[0]!.message).toMatch(/zone 3 virtio-blk@0x10006000 queue 0: request at descriptor \d+: discard of 8 sectors at sector 9223372036854775808 is past the end of the disk \(64 sectors\)/);
    expect(s.faults[1]!.message).toMatch(new RegExp(`discard of 4294967295 sectors at sector 0 is over max_discard_sectors \\(${BLK_MAX_DISCARD_SECTORS}\\)`));
    // The device goes on: a discard inside the disk works.
    const fine = blkRequest(s, BlkRequestType.discard, 0n, { segments: discardSegment(4n, 2) });
    q.submit(fine.buffers);
    await (s.device as VirtioBlk).whenIdle();
    expect(fine.status()).toBe(BlkStatus.ok);
    expect(disk.data.subarray(4 * 512, 6 * 512).every((b) => b === 0)).toBe(true);
  });

  it('refuses a discard with more segments than max_discard_seg as a device error, and a discard with the unmap flag as UNSUPP', async () => {
    const disk = new SlowDisk(false);
    const s = blkGuest(disk, { discard: true });
    const q = s.driver.queue(0);
    const unmap = blkRequest(s, BlkRequestType.discard, 0n, { segments: discardSegment(0n, 1, 1) });
    q.submit(unmap.buffers);
    await (s.device as VirtioBlk).whenIdle();
    expect(unmap.status()).toBe(BlkStatus.unsupported);
    const segments = new Uint8Array(16 * 1000);
    for (let i = 0; i < 1000; i++) segments.set(discardSegment(BigInt(i * 8), 8), 16 * i);
    const many = blkRequest(s, BlkRequestType.discard, 0n, { segments });
    const head = q.submit(many.buffers);
    await (s.device as VirtioBlk).whenIdle();
    expect(s.failed()).toBe(true);
    expect(s.faults.at(-1)).toMatchObject({ descriptor: head, deviceNeedsReset: true });
    expect(s.faults.at(-1)!.message).toMatch(/a discard carries 16000 bytes of segments \(1 segment of 16 bytes allowed, max_discard_seg\)/);
    expect(many.status()).toBe(0xff);
    expect(disk.discards).toBe(0);
  });
});

describe('a hostile guest against requests in flight', () => {
  it('holds at most a queue of requests for a disk that never answers, however often the guest kicks', () => {
    const disk = new SlowDisk();
    const s = blkGuest(disk);
    const q = s.driver.queue(0);
    const head = q.addChain(blkRequest(s, BlkRequestType.in, 0n, { read: 512 }).buffers);
    for (let i = 0; i < 16; i++) q.offer(head);
    q.kick();
    const blk = s.device as VirtioBlk;
    expect(blk.pendingRequests).toBe(16);
    // The same request made available again and again, with thousands of kicks.
    for (let round = 0; round < 1000; round++) {
      for (let i = 0; i < 16; i++) q.offer(head);
      for (let k = 0; k < 5; k++) q.kick();
    }
    expect(blk.pendingRequests).toBe(16);
    expect(s.failed()).toBe(true);
    expect(s.faults).toHaveLength(1);
    expect(s.faults[0]).toMatchObject({ zone: 3, device: 'virtio-blk@0x10006000', queue: 0, descriptor: head });
    expect(s.faults[0]!.message).toMatch(/made descriptor 0 available while 16 requests were already in flight \(queue size 16\)/);
  });

  it('cancels requests taken before a reset: none reaches the disk or the guest afterwards, and the device works again', async () => {
    const disk = new SlowDisk();
    const s = blkGuest(disk);
    const q = s.driver.queue(0);
    const read = blkRequest(s, BlkRequestType.in, 0n, { read: 512 });
    const write = blkRequest(s, BlkRequestType.out, 2n, { write: 512 });
    q.submit(read.buffers);
    q.submit(write.buffers);
    const blk = s.device as VirtioBlk;
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(blk.pendingRequests).toBe(2);
    expect(disk.reads).toBe(1);
    const irqs = s.irqs();
    s.mmio.write(Reg.status, 4, 0);
    disk.open();
    await blk.whenIdle();
    expect(disk.writes).toBe(0);
    expect(disk.data.subarray(1024, 1536).every((b) => b === 0x5a)).toBe(true);
    expect([read.status(), write.status()]).toEqual([0xff, 0xff]);
    expect(q.usedIdx).toBe(0);
    expect(s.irqs()).toBe(irqs);
    expect(blk.pendingRequests).toBe(0);

    s.driver.queues.length = 0;
    s.driver.init();
    const again = blkRequest(s, BlkRequestType.out, 2n, { write: 512 });
    s.driver.queue(0).submit(again.buffers);
    await blk.whenIdle();
    expect(again.status()).toBe(BlkStatus.ok);
    expect(disk.writes).toBe(1);
  });
});

describe('a hostile guest against the daemon\'s thread', () => {
  it('takes at most one queue of chains per kick while the guest keeps refilling the ring, and finishes them in later turns', () => {
    let refills = 0;
    const output: number[] = [];
    const s = attach(new VirtioConsole({ output: (bytes) => {
      output.push(bytes.length);
      // Another vCPU of the guest makes the same buffer available again while the device works.
      if (refills < 10_000) {
        refills++;
        tx.offer(0);
      }
    } }), 'virtio-console@0x10007000');
    s.driver.init({ queues: 2 });
    const tx = s.driver.queue(ConsoleQueue.transmit);
    const byte = s.ram.alloc(1);
    tx.submit([{ addr: byte, len: 1 }]);
    expect(output).toHaveLength(16);
    expect(s.mmio.hasDeferredWork).toBe(true);
    let turns = 1;
    while (s.mmio.hasDeferredWork) {
      const before = output.length;
      s.mmio.serviceDeferred();
      expect(output.length - before).toBeLessThanOrEqual(16);
      turns++;
    }
    expect(s.failed()).toBe(false);
    expect(output).toHaveLength(10_001);
    expect(turns).toBeGreaterThanOrEqual(Math.ceil(10_001 / 16));
    expect(tx.takeUsed()).toHaveLength(10_001);
  });

  it('ends the turn at one queue of receive buffers that take nothing while the guest keeps posting them', () => {
    const s = consoleGuest();
    const rx = s.driver.queue(ConsoleQueue.receive);
    // A receive "buffer" with no writable byte, posted again each time the device looks at it.
    const byte = s.ram.alloc(1);
    rx.writeDesc(rx.desc, 0, byte, 1, 0, 0);
    let posts = 0;
    s.memory.onView = (gpa) => {
      if (gpa === byte && posts < 10_000) {
        posts++;
        rx.offer(0);
      }
    };
    rx.offer(0);
    s.device.input(Uint8Array.of(0x61));
    expect(rx.takeUsed()).toHaveLength(16);
    expect(s.device.pendingInput).toBe(1);
    expect(s.mmio.hasDeferredWork).toBe(true);
    s.mmio.serviceDeferred();
    expect(rx.takeUsed()).toHaveLength(16);
    s.mmio.write(Reg.status, 4, 0);
    expect(s.mmio.hasDeferredWork).toBe(false);
  });

  it('ends a kick after TURN_DESCRIPTORS descriptors of long chains and takes the rest in later turns', async () => {
    const disk = new SlowDisk(false);
    const s = blkGuest(disk, { queueSize: 512 });
    const q = s.driver.queue(0);
    const buffer = s.ram.alloc(512);
    s.ram.view(buffer, 16).setUint32(0, BlkRequestType.in, true);
    // 64 requests, each an indirect table of 512 entries: header, 510 sectors, status.
    for (let head = 0; head < 64; head++) {
      const table = s.ram.alloc(16 * 512);
      for (let i = 0; i < 512; i++) q.writeDesc(table, i, buffer, i === 0 ? 16 : i === 511 ? 1 : 512, (i > 0 ? DescFlag.write : 0) | (i < 511 ? DescFlag.next : 0), i + 1);
      q.writeDesc(q.desc, head, table, 16 * 512, DescFlag.indirect, 0);
      q.offer(head);
    }
    q.kick();
    const blk = s.device as VirtioBlk;
    const perTurn = Math.ceil(TURN_DESCRIPTORS / 513);
    expect(blk.pendingRequests).toBeLessThanOrEqual(perTurn);
    expect(s.mmio.hasDeferredWork).toBe(true);
    let turns = 1;
    while (s.mmio.hasDeferredWork) {
      s.mmio.serviceDeferred();
      turns++;
    }
    await blk.whenIdle();
    expect(q.takeUsed()).toHaveLength(64);
    expect(turns).toBeGreaterThanOrEqual(64 / perTurn);
    expect(s.failed()).toBe(false);
  });
});
