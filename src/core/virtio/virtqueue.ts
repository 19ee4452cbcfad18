/**
 * Split virtqueues (virtio 1.2 section 2.7) as the device sees them: the descriptor table, the
 * available ring written by the driver, the used ring written by the device, indirect descriptor
 * tables (VIRTIO_F_INDIRECT_DESC) and notification suppression, both with VIRTIO_F_EVENT_IDX
 * (used_event / avail_event) and without (VRING_AVAIL_F_NO_INTERRUPT).
 *
 * Every guest address goes through GuestMemory. A chain the device cannot follow safely (an index
 * past the table, a loop or a chain longer than the table, a nested or malformed indirect table, a
 * readable buffer after a writable one, a buffer outside the zone) raises VirtqueueError; the
 * transport turns it into DEVICE_NEEDS_RESET. Nothing outside the zone is read or written.
 *
 * The work one chain can cost is bounded by the queue size, as virtio 1.2 section 2.7.5.3.1 bounds
 * the driver ("a driver MUST NOT create a descriptor chain longer than the Queue Size"): at most
 * `size` direct descriptors and an indirect table of at most `size` entries, checked from its length
 * before it is mapped (DPDK's vhost refuses `len / 16 > size` the same way; QEMU's virtqueue_pop
 * counts entries against the table). A linear walk of at most 2 x size descriptors is all a chain
 * costs, whatever a 2^32 - 16 byte table or a looping `next` says. Chains taken and not yet returned
 * are counted: a driver that makes more available while a whole queue is already in flight is
 * broken or hostile (QEMU: "Virtqueue size exceeded"), so its requests cannot pile up in the daemon.
 *
 * A kick's work is bounded too (a turn, begun by the device when notified): at most a queue of
 * chains, TURN_DESCRIPTORS descriptors and TURN_BYTES of buffers; a device that reaches the bound
 * with more available leaves the rest for its next turn (VirtioDeviceContext.more).
 *
 * Left out: packed virtqueues, VIRTIO_F_IN_ORDER, VIRTIO_F_NOTIFICATION_DATA, VIRTIO_F_RING_RESET.
 * The device never sets VRING_USED_F_NO_NOTIFY: every kick is welcome, they are cheap here.
 */
import type { GuestMemory } from './guest-memory';

export const DescFlag = { next: 1, write: 2, indirect: 4 } as const;
export const VRING_AVAIL_F_NO_INTERRUPT = 1;
const DESC_BYTES = 16;
/** Descriptors one turn may walk: a 512-entry queue of 512-entry chains would be 262,144. */
export const TURN_DESCRIPTORS = 8192;
/** Buffer bytes the chains of one turn may span. */
export const TURN_BYTES = 4 << 20;

export class VirtqueueError extends Error {
  constructor(
    message: string,
    /** Descriptor index in the table where the problem was found (in the indirect table if `indirect`). */
    readonly descriptor?: number,
    readonly address?: number,
    readonly indirect?: boolean,
  ) {
    super(message);
    this.name = 'VirtqueueError';
  }
}

/** One request: the device-readable buffers, then the device-writable ones, in chain order. */
export interface DescriptorChain {
  readonly head: number;
  readonly readable: readonly Uint8Array[];
  readonly writable: readonly Uint8Array[];
  readonly readableBytes: number;
  readonly writableBytes: number;
  /** Descriptors walked to find the buffers (the indirect one included). */
  readonly descriptors: number;
}

const hex = (n: number): string => '0x' + n.toString(16);
const u16 = (n: number): number => n & 0xffff;

/** The driver-side check of virtio: should an event fire for index moving from `old` to `next`? */
export function vringNeedEvent(eventIdx: number, next: number, old: number): boolean {
  return u16(next - eventIdx - 1) < u16(next - old);
}

/** A queue's position as a snapshot keeps it. */
export interface VirtqueueState {
  readonly size: number;
  readonly ready: boolean;
  readonly descAddr: number;
  readonly driverAddr: number;
  readonly deviceAddr: number;
  readonly eventIdx: boolean;
  readonly indirect: boolean;
  readonly lastAvail: number;
  readonly usedIdx: number;
  readonly inFlight: number;
  readonly signalledUsed: number;
}

export class SplitVirtqueue {
  /** QueueNum as the driver wrote it. */
  size = 0;
  ready = false;
  descAddr = 0;
  driverAddr = 0;
  deviceAddr = 0;
  /** Negotiated VIRTIO_F_EVENT_IDX / VIRTIO_F_INDIRECT_DESC; set by the transport at FEATURES_OK. */
  eventIdx = false;
  indirect = false;
  /** Next available-ring index the device will take. */
  lastAvail = 0;
  /** The device's used index (it alone writes used.idx). */
  usedIdx = 0;
  /** Chains popped and not yet pushed back (QEMU's `inuse`); never more than `size`. */
  inFlight = 0;
  private turnChains = 0;
  private turnDescriptors = 0;
  private turnBytes = 0;
  /** used.idx when an interrupt was last considered, for EVENT_IDX. */
  private signalledUsed = 0;
  private desc: DataView | undefined;
  private avail: DataView | undefined;
  private used: DataView | undefined;
  private memory: GuestMemory | undefined;

  constructor(
    readonly index: number,
    readonly maxSize: number,
  ) {}

  /** Snapshots (decision 0024): the queue's position; the ring views are rebuilt by restoreState. */
  saveState(): VirtqueueState {
    const { size, ready, descAddr, driverAddr, deviceAddr, eventIdx, indirect, lastAvail, usedIdx, inFlight, signalledUsed } = this;
    return { size, ready, descAddr, driverAddr, deviceAddr, eventIdx, indirect, lastAvail, usedIdx, inFlight, signalledUsed };
  }

  /** Puts a saved position back over `memory` (the ring areas are checked again, as QueueReady does). */
  restoreState(state: VirtqueueState, memory: GuestMemory): void {
    this.reset();
    this.size = state.size;
    this.descAddr = state.descAddr;
    this.driverAddr = state.driverAddr;
    this.deviceAddr = state.deviceAddr;
    this.eventIdx = state.eventIdx;
    this.indirect = state.indirect;
    this.lastAvail = state.lastAvail;
    this.usedIdx = state.usedIdx;
    this.inFlight = state.inFlight;
    this.signalledUsed = state.signalledUsed;
    if (state.ready) this.enable(memory);
  }

  reset(): void {
    this.size = 0;
    this.ready = false;
    this.descAddr = this.driverAddr = this.deviceAddr = 0;
    this.eventIdx = this.indirect = false;
    this.lastAvail = this.usedIdx = this.signalledUsed = this.inFlight = 0;
    this.beginTurn();
    this.desc = this.avail = this.used = undefined;
    this.memory = undefined;
  }

  /**
   * QueueReady = 1: checks the size and that the three areas lie in zone memory, and keeps views of
   * them (the zone's memory map does not change while it runs).
   */
  enable(memory: GuestMemory): void {
    const n = this.size;
    if (n === 0 || n > this.maxSize || (n & (n - 1)) !== 0) {
      throw new VirtqueueError(`queue size ${n} is not a power of 2 in 1..${this.maxSize}`);
    }
    const area = (what: string, address: number, bytes: number, align: number): DataView => {
      if (address % align !== 0) throw new VirtqueueError(`${what} at ${hex(address)} is not ${align}-byte aligned`, undefined, address);
      const view = memory.view(address, bytes);
      if (!view) throw new VirtqueueError(`${what} ${hex(address)}+${hex(bytes)} is outside the zone's memory`, undefined, address);
      return new DataView(view.buffer, view.byteOffset, view.byteLength);
    };
    this.desc = area('descriptor table', this.descAddr, DESC_BYTES * n, 16);
    this.avail = area('available ring', this.driverAddr, 6 + 2 * n, 2);
    this.used = area('used ring', this.deviceAddr, 6 + 8 * n, 4);
    this.memory = memory;
    this.ready = true;
  }

  get enabled(): boolean {
    return this.ready && this.desc !== undefined;
  }

  /** Buffers the driver made available that the device has not taken yet. */
  availableCount(): number {
    if (!this.avail) return 0;
    const pending = u16(this.avail.getUint16(2, true) - this.lastAvail);
    if (pending > this.size) {
      throw new VirtqueueError(`available index ${this.avail.getUint16(2, true)} is ${pending} entries ahead of the device (queue size ${this.size})`);
    }
    return pending;
  }

  /** Takes the next available chain, or undefined if there is none. */
  pop(): DescriptorChain | undefined {
    if (!this.avail || this.availableCount() === 0) return undefined;
    const head = this.avail.getUint16(4 + 2 * (this.lastAvail % this.size), true);
    if (this.inFlight >= this.size) {
      throw new VirtqueueError(`the driver made descriptor ${head} available while ${this.inFlight} requests were already in flight (queue size ${this.size})`, head);
    }
    this.lastAvail = u16(this.lastAvail + 1);
    const chain = this.walk(head);
    this.inFlight++;
    this.turnChains++;
    this.turnDescriptors += chain.descriptors;
    this.turnBytes += chain.readableBytes + chain.writableBytes;
    this.publishAvailEvent();
    return chain;
  }

  /** A kick (or other occasion to take chains) starts: the turn's bounds count from here. */
  beginTurn(): void {
    this.turnChains = this.turnDescriptors = this.turnBytes = 0;
  }

  /** This turn has taken what one turn may: leave the rest for the next. */
  get turnOver(): boolean {
    return this.turnChains >= this.size || this.turnDescriptors >= TURN_DESCRIPTORS || this.turnBytes >= TURN_BYTES;
  }

  /** Gives back the chain the driver handed us most recently (nothing was written to it). */
  unpop(): void {
    this.lastAvail = u16(this.lastAvail - 1);
    this.inFlight--;
  }

  /** Returns a chain to the driver with `written` bytes put into its writable buffers. */
  push(head: number, written: number): void {
    const used = this.used!;
    const slot = 4 + 8 * (this.usedIdx % this.size);
    used.setUint32(slot, head, true);
    used.setUint32(slot + 4, written, true);
    this.usedIdx = u16(this.usedIdx + 1);
    used.setUint16(2, this.usedIdx, true);
    if (this.inFlight > 0) this.inFlight--;
  }

  /**
   * After pushes: whether the driver wants a used-buffer notification. With EVENT_IDX it names the
   * used index it waits for (used_event at the end of the available ring); without, it may set
   * VRING_AVAIL_F_NO_INTERRUPT. Either way, nothing new means no interrupt.
   */
  shouldInterrupt(): boolean {
    if (!this.avail) return false;
    const old = this.signalledUsed;
    const next = this.usedIdx;
    this.signalledUsed = next;
    if (old === next) return false;
    if (this.eventIdx) return vringNeedEvent(this.avail.getUint16(4 + 2 * this.size, true), next, old);
    return (this.avail.getUint16(0, true) & VRING_AVAIL_F_NO_INTERRUPT) === 0;
  }

  /** With EVENT_IDX, ask for a kick as soon as the driver adds anything we have not taken. */
  private publishAvailEvent(): void {
    if (this.eventIdx && this.used) this.used.setUint16(4 + 8 * this.size, this.lastAvail, true);
  }

  /** Called when a kick arrives, so the driver learns where we are even if we take nothing. */
  kicked(): void {
    this.publishAvailEvent();
  }

  private walk(head: number): DescriptorChain {
    const memory = this.memory!;
    const readable: Uint8Array[] = [];
    const writable: Uint8Array[] = [];
    let readableBytes = 0;
    let writableBytes = 0;
    let table = this.desc!;
    let tableSize = this.size;
    let index = head;
    let indirect = false;
    let count = 0;
    let walked = 0;
    for (;;) {
      const where = indirect ? `indirect descriptor ${index}` : `descriptor ${index}`;
      if (index >= tableSize) {
        throw new VirtqueueError(`${where} is past the end of the ${indirect ? 'indirect table' : 'descriptor table'} (${tableSize} entries)`, index, undefined, indirect);
      }
      walked++;
      if (++count > tableSize) {
        throw new VirtqueueError(`chain from head ${head} loops or is longer than the ${indirect ? 'indirect table' : 'queue'} (${tableSize} entries)`, index, undefined, indirect);
      }
      const at = index * DESC_BYTES;
      const address = Number(table.getBigUint64(at, true));
      const length = table.getUint32(at + 8, true);
      const flags = table.getUint16(at + 12, true);
      const next = table.getUint16(at + 14, true);
      if (flags & DescFlag.indirect) {
        if (indirect) throw new VirtqueueError(`${where} points to another indirect table`, index, address, true);
        if (!this.indirect) throw new VirtqueueError(`${where} is indirect but VIRTIO_F_INDIRECT_DESC was not negotiated`, index, address);
        if (flags & DescFlag.next) throw new VirtqueueError(`${where} sets both INDIRECT and NEXT`, index, address);
        if (length === 0 || length % DESC_BYTES !== 0) throw new VirtqueueError(`${where} has an indirect table of ${length} bytes (not a multiple of 16)`, index, address);
        if (length / DESC_BYTES > this.size) {
          throw new VirtqueueError(`${where} has an indirect table of ${length} bytes (${length / DESC_BYTES} entries), longer than the queue (${this.size} entries)`, index, address);
        }
        const bytes = memory.view(address, length);
        if (!bytes) throw new VirtqueueError(`${where}: indirect table ${hex(address)}+${hex(length)} is outside the zone's memory`, index, address);
        table = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        tableSize = length / DESC_BYTES;
        index = 0;
        indirect = true;
        count = 0;
        continue;
      }
      const buffer = length === 0 ? new Uint8Array(0) : memory.view(address, length, flags & DescFlag.write ? 'write' : 'read');
      if (!buffer) {
        throw new VirtqueueError(`${where}: buffer ${hex(address)}+${hex(length)} is outside the zone's memory`, index, address, indirect);
      }
      if (flags & DescFlag.write) {
        writable.push(buffer);
        writableBytes += length;
      } else if (writable.length > 0) {
        throw new VirtqueueError(`${where} is device-readable but follows a device-writable descriptor`, index, address, indirect);
      } else {
        readable.push(buffer);
        readableBytes += length;
      }
      if (!(flags & DescFlag.next)) break;
      index = next;
    }
    return { head, readable, writable, readableBytes, writableBytes, descriptors: walked };
  }
}

/** Copies up to `length` bytes out of a chain's readable buffers, starting at byte `offset`. */
export function gather(buffers: readonly Uint8Array[], offset: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let filled = 0;
  let skip = offset;
  for (const buffer of buffers) {
    if (filled === length) break;
    if (skip >= buffer.length) {
      skip -= buffer.length;
      continue;
    }
    const take = Math.min(buffer.length - skip, length - filled);
    out.set(buffer.subarray(skip, skip + take), filled);
    filled += take;
    skip = 0;
  }
  return filled === length ? out : out.subarray(0, filled);
}

/** Copies `data` into writable buffers starting at byte `offset`; returns the bytes written. */
export function scatter(buffers: readonly Uint8Array[], offset: number, data: Uint8Array): number {
  let written = 0;
  let skip = offset;
  for (const buffer of buffers) {
    if (written === data.length) break;
    if (skip >= buffer.length) {
      skip -= buffer.length;
      continue;
    }
    const take = Math.min(buffer.length - skip, data.length - written);
    buffer.set(data.subarray(written, written + take), skip);
    written += take;
    skip = 0;
  }
  return written;
}
