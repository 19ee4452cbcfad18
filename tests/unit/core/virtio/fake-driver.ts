/**
 * A fake guest for the virtio tests: a zone's RAM inside a larger root RAM (guest-physical 0x40000000
 * lives at root-physical 0x80100000), and a driver that negotiates, lays out split queues and builds
 * descriptor chains the way Linux's virtio_mmio + virtio_ring do, through any MMIO accessor (the
 * transport directly, or the bridge and daemon).
 */
import { ZoneGuestMemory, type VirtioMemoryRegion } from '../../../../src/core/virtio/guest-memory';
import { Feature, Reg, Status } from '../../../../src/core/virtio/virtio-mmio';
import { DescFlag } from '../../../../src/core/virtio/virtqueue';

export const ROOT_RAM_BASE = 0x8000_0000;
export const ZONE_GPA = 0x4000_0000;
export const ZONE_ROOT_PA = 0x8010_0000;
export const ZONE_SIZE = 0x10_0000;

export interface MmioAccessor {
  read(offset: number, size: 1 | 2 | 4): number;
  write(offset: number, size: 1 | 2 | 4, value: number): void;
}

export class FakeGuestRam {
  readonly root = new Uint8Array(0x40_0000);
  readonly regions: VirtioMemoryRegion[] = [{ zone0Ipa: ZONE_ROOT_PA, zonexIpa: ZONE_GPA, size: ZONE_SIZE }];
  readonly memory = new ZoneGuestMemory(this.regions, { base: ROOT_RAM_BASE, u8: this.root });
  private next = ZONE_GPA + 0x1000;

  constructor() {
    // Memory outside the zone holds a pattern so a test can see it was never written.
    this.root.fill(0xa5);
    this.root.fill(0, ZONE_ROOT_PA - ROOT_RAM_BASE, ZONE_ROOT_PA - ROOT_RAM_BASE + ZONE_SIZE);
  }

  alloc(bytes: number, align = 16): number {
    this.next = Math.ceil(this.next / align) * align;
    const at = this.next;
    this.next += bytes;
    if (this.next > ZONE_GPA + ZONE_SIZE) throw new Error('fake guest out of memory');
    return at;
  }

  bytes(gpa: number, length: number): Uint8Array {
    const start = gpa - ZONE_GPA + ZONE_ROOT_PA - ROOT_RAM_BASE;
    return this.root.subarray(start, start + length);
  }

  view(gpa: number, length: number): DataView {
    const b = this.bytes(gpa, length);
    return new DataView(b.buffer, b.byteOffset, length);
  }

  put(gpa: number, data: ArrayLike<number>): void {
    this.bytes(gpa, data.length).set(data);
  }

  /** Root RAM outside the zone still holds the fill pattern. */
  outsideUntouched(): boolean {
    const start = ZONE_ROOT_PA - ROOT_RAM_BASE;
    for (let i = 0; i < this.root.length; i++) {
      if ((i < start || i >= start + ZONE_SIZE) && this.root[i] !== 0xa5) return false;
    }
    return true;
  }
}

export interface BufferSpec {
  readonly addr: number;
  readonly len: number;
  readonly write?: boolean;
}

export class DriverQueue {
  readonly desc: number;
  readonly avail: number;
  readonly used: number;
  private freeDesc = 0;
  private availIdx = 0;
  private lastUsed = 0;

  constructor(
    private readonly ram: FakeGuestRam,
    private readonly mmio: MmioAccessor,
    readonly index: number,
    readonly size: number,
  ) {
    this.desc = ram.alloc(16 * size, 16);
    this.avail = ram.alloc(6 + 2 * size, 2);
    this.used = ram.alloc(6 + 8 * size, 4);
  }

  /** Writes descriptor `i` of `table` (a guest address). */
  writeDesc(table: number, i: number, addr: number, len: number, flags: number, next: number): void {
    const v = this.ram.view(table + 16 * i, 16);
    v.setBigUint64(0, BigInt(addr), true);
    v.setUint32(8, len, true);
    v.setUint16(12, flags, true);
    v.setUint16(14, next, true);
  }

  /** Puts a chain into the descriptor table (or one indirect table) and returns its head. */
  addChain(buffers: readonly BufferSpec[], options: { indirect?: boolean } = {}): number {
    if (options.indirect) {
      const table = this.ram.alloc(16 * buffers.length, 16);
      buffers.forEach((b, i) => this.writeDesc(table, i, b.addr, b.len, (b.write ? DescFlag.write : 0) | (i + 1 < buffers.length ? DescFlag.next : 0), i + 1));
      const head = this.take();
      this.writeDesc(this.desc, head, table, 16 * buffers.length, DescFlag.indirect, 0);
      return head;
    }
    const ids = buffers.map(() => this.take());
    buffers.forEach((b, i) => this.writeDesc(this.desc, ids[i]!, b.addr, b.len, (b.write ? DescFlag.write : 0) | (i + 1 < buffers.length ? DescFlag.next : 0), ids[i + 1] ?? 0));
    return ids[0]!;
  }

  /** Makes heads available (without notifying). */
  offer(...heads: number[]): void {
    const v = this.ram.view(this.avail, 6 + 2 * this.size);
    for (const head of heads) {
      v.setUint16(4 + 2 * (this.availIdx % this.size), head, true);
      this.availIdx = (this.availIdx + 1) & 0xffff;
    }
    v.setUint16(2, this.availIdx, true);
  }

  kick(): void {
    this.mmio.write(Reg.queueNotify, 4, this.index);
  }

  submit(buffers: readonly BufferSpec[], options: { indirect?: boolean } = {}): number {
    const head = this.addChain(buffers, options);
    this.offer(head);
    this.kick();
    return head;
  }

  /** New used entries since the last call. */
  takeUsed(): { id: number; len: number }[] {
    const v = this.ram.view(this.used, 6 + 8 * this.size);
    const idx = v.getUint16(2, true);
    const out: { id: number; len: number }[] = [];
    while (this.lastUsed !== idx) {
      const slot = 4 + 8 * (this.lastUsed % this.size);
      out.push({ id: v.getUint32(slot, true), len: v.getUint32(slot + 4, true) });
      this.lastUsed = (this.lastUsed + 1) & 0xffff;
    }
    return out;
  }

  get usedIdx(): number {
    return this.ram.view(this.used, 4).getUint16(2, true);
  }

  /** EVENT_IDX: interrupt me once used.idx passes `value`. */
  setUsedEvent(value: number): void {
    this.ram.view(this.avail, 6 + 2 * this.size).setUint16(4 + 2 * this.size, value, true);
  }

  get availEvent(): number {
    return this.ram.view(this.used, 6 + 8 * this.size).getUint16(4 + 8 * this.size, true);
  }

  setAvailFlags(flags: number): void {
    this.ram.view(this.avail, 2).setUint16(0, flags, true);
  }

  private take(): number {
    if (this.freeDesc >= this.size) throw new Error('fake driver out of descriptors');
    return this.freeDesc++;
  }
}

export interface InitOptions {
  /** Features to accept (default: all offered). */
  readonly accept?: (offered: bigint) => bigint;
  readonly queueSize?: number;
  readonly queues?: number;
}

/** Linux's virtio_mmio probe + virtio_dev_probe + vm_setup_vq, condensed. */
export class FakeDriver {
  readonly queues: DriverQueue[] = [];
  offered = 0n;
  accepted = 0n;

  constructor(
    readonly ram: FakeGuestRam,
    readonly mmio: MmioAccessor,
  ) {}

  init(options: InitOptions = {}): this {
    const m = this.mmio;
    m.write(Reg.status, 4, 0);
    m.write(Reg.status, 4, Status.acknowledge);
    m.write(Reg.status, 4, Status.acknowledge | Status.driver);
    m.write(Reg.deviceFeaturesSel, 4, 1);
    const high = BigInt(m.read(Reg.deviceFeatures, 4));
    m.write(Reg.deviceFeaturesSel, 4, 0);
    this.offered = (high << 32n) | BigInt(m.read(Reg.deviceFeatures, 4));
    this.accepted = options.accept ? options.accept(this.offered) : this.offered;
    m.write(Reg.driverFeaturesSel, 4, 1);
    m.write(Reg.driverFeatures, 4, Number(this.accepted >> 32n));
    m.write(Reg.driverFeaturesSel, 4, 0);
    m.write(Reg.driverFeatures, 4, Number(this.accepted & 0xffff_ffffn));
    m.write(Reg.status, 4, Status.acknowledge | Status.driver | Status.featuresOk);
    if (!(m.read(Reg.status, 4) & Status.featuresOk)) throw new Error('device refused the features');
    for (let q = 0; q < (options.queues ?? 1); q++) {
      m.write(Reg.queueSel, 4, q);
      const max = m.read(Reg.queueNumMax, 4);
      const size = Math.min(max, options.queueSize ?? 16);
      const queue = new DriverQueue(this.ram, m, q, size);
      m.write(Reg.queueNum, 4, size);
      m.write(Reg.queueDescLow, 4, queue.desc);
      m.write(Reg.queueDescHigh, 4, 0);
      m.write(Reg.queueDriverLow, 4, queue.avail);
      m.write(Reg.queueDriverHigh, 4, 0);
      m.write(Reg.queueDeviceLow, 4, queue.used);
      m.write(Reg.queueDeviceHigh, 4, 0);
      m.write(Reg.queueReady, 4, 1);
      this.queues.push(queue);
    }
    m.write(Reg.status, 4, Status.acknowledge | Status.driver | Status.featuresOk | Status.driverOk);
    return this;
  }

  queue(i: number): DriverQueue {
    return this.queues[i]!;
  }

  get status(): number {
    return this.mmio.read(Reg.status, 4);
  }

  /** Reads and acknowledges InterruptStatus, as vm_interrupt does. */
  ack(): number {
    const status = this.mmio.read(Reg.interruptStatus, 4);
    this.mmio.write(Reg.interruptAck, 4, status);
    return status;
  }
}

export const withoutEventIdx = (offered: bigint): bigint => offered & ~Feature.eventIdx;
