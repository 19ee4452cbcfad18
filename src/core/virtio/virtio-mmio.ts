/**
 * The virtio-mmio transport, version 2 (virtio 1.2 section 4.2), as hvisor-tool's daemon presents it
 * (tools/virtio/virtio.c virtio_mmio_read / virtio_mmio_write): magic 'virt', version 2, vendor
 * 'HVIS', the feature and queue registers, interrupt status and ACK, device status with reset on 0,
 * and the device's configuration space from 0x100.
 *
 * Where hvisor-tool departs from the specification this follows the specification, because Linux is
 * written against it and the differences only show after a second negotiation or a reset:
 * - DriverFeatures replaces the selected word (hvisor-tool ORs it in);
 * - the queue address registers replace their half (hvisor-tool ORs, so stale bits survive);
 * - QueueSel of a queue the device lacks selects it, and QueueNumMax then reads 0 (hvisor-tool
 *   ignores the write, so the driver would configure the previous queue);
 * - InterruptACK clears the acknowledged bits (hvisor-tool computes `status &= !value`);
 * - FEATURES_OK is refused when the driver accepts a feature that was not offered or leaves out
 *   VIRTIO_F_VERSION_1 (hvisor-tool takes anything).
 * A device error (a descriptor outside the zone, a broken chain) sets DEVICE_NEEDS_RESET and raises
 * a configuration-change interrupt, as the specification asks; hvisor-tool logs and carries on.
 * It is reported once per reset: a failed device ignores kicks, so a guest cannot turn one broken
 * chain into a stream of reports. A request the device can parse but must refuse (a sector past the
 * disk) is answered with an error status by the device and reported without a reset.
 *
 * A kick costs at most one turn (virtqueue.ts: a queue of chains, TURN_DESCRIPTORS descriptors,
 * TURN_BYTES of buffers): a device that reached the bound with more available asks for another
 * turn (`more`), which the daemon gives after other work (`serviceDeferred`). Without
 * this, a guest vCPU that keeps refilling the ring while the daemon works would hold the daemon's
 * thread forever (QEMU bounds its transmit flush with tx_burst for the same reason).
 *
 * Left out: legacy (version 1) registers, shared memory regions (none exist: SHMLen reads all ones),
 * VIRTIO_F_RING_RESET, VIRTIO_F_NOTIFICATION_DATA, config writes (no offered feature needs one).
 */
import type { MmioDevice, RegisterDef } from '../bus/types';
import type { GuestMemory } from './guest-memory';
import { SplitVirtqueue, VirtqueueError, type VirtqueueState } from './virtqueue';

export const VIRTIO_MMIO_MAGIC = 0x74726976;
export const VIRTIO_MMIO_VERSION = 2;
/** 'HVIS', hvisor-tool's VIRT_VENDOR. */
export const VIRTIO_MMIO_VENDOR = 0x48564953;
/** hvisor-tool's VIRT_QUEUE_SIZE. */
export const VIRT_QUEUE_SIZE = 512;

export const Reg = {
  magic: 0x000,
  version: 0x004,
  deviceId: 0x008,
  vendorId: 0x00c,
  deviceFeatures: 0x010,
  deviceFeaturesSel: 0x014,
  driverFeatures: 0x020,
  driverFeaturesSel: 0x024,
  queueSel: 0x030,
  queueNumMax: 0x034,
  queueNum: 0x038,
  queueReady: 0x044,
  queueNotify: 0x050,
  interruptStatus: 0x060,
  interruptAck: 0x064,
  status: 0x070,
  queueDescLow: 0x080,
  queueDescHigh: 0x084,
  queueDriverLow: 0x090,
  queueDriverHigh: 0x094,
  queueDeviceLow: 0x0a0,
  queueDeviceHigh: 0x0a4,
  shmSel: 0x0ac,
  shmLenLow: 0x0b0,
  shmLenHigh: 0x0b4,
  shmBaseLow: 0x0b8,
  shmBaseHigh: 0x0bc,
  configGeneration: 0x0fc,
  config: 0x100,
} as const;

export const Status = { acknowledge: 1, driver: 2, driverOk: 4, featuresOk: 8, deviceNeedsReset: 0x40, failed: 0x80 } as const;
export const Interrupt = { vring: 1, config: 2 } as const;

/** Transport feature bits (virtio 1.2 section 6). */
export const Feature = {
  indirectDesc: 1n << 28n,
  eventIdx: 1n << 29n,
  version1: 1n << 32n,
} as const;
const TRANSPORT_FEATURES = Feature.indirectDesc | Feature.eventIdx | Feature.version1;

const REGISTERS: readonly RegisterDef[] = [
  { name: 'MagicValue', offset: Reg.magic, width: 4, access: 'ro', reset: VIRTIO_MMIO_MAGIC, description: "'virt'" },
  { name: 'Version', offset: Reg.version, width: 4, access: 'ro', reset: VIRTIO_MMIO_VERSION },
  { name: 'DeviceID', offset: Reg.deviceId, width: 4, access: 'ro', reset: 0, description: 'net 1, blk 2, console 3' },
  { name: 'VendorID', offset: Reg.vendorId, width: 4, access: 'ro', reset: VIRTIO_MMIO_VENDOR, description: "'HVIS'" },
  { name: 'DeviceFeatures', offset: Reg.deviceFeatures, width: 4, access: 'ro', reset: 0, description: 'Word DeviceFeaturesSel of the offered features' },
  { name: 'DeviceFeaturesSel', offset: Reg.deviceFeaturesSel, width: 4, access: 'wo', reset: 0 },
  { name: 'DriverFeatures', offset: Reg.driverFeatures, width: 4, access: 'wo', reset: 0, description: 'Word DriverFeaturesSel of the accepted features' },
  { name: 'DriverFeaturesSel', offset: Reg.driverFeaturesSel, width: 4, access: 'wo', reset: 0 },
  { name: 'QueueSel', offset: Reg.queueSel, width: 4, access: 'wo', reset: 0 },
  { name: 'QueueNumMax', offset: Reg.queueNumMax, width: 4, access: 'ro', reset: 0, description: '0 for a queue the device lacks' },
  { name: 'QueueNum', offset: Reg.queueNum, width: 4, access: 'wo', reset: 0 },
  { name: 'QueueReady', offset: Reg.queueReady, width: 4, access: 'rw', reset: 0 },
  { name: 'QueueNotify', offset: Reg.queueNotify, width: 4, access: 'wo', reset: 0, description: 'Queue index; fire-and-forget through the bridge' },
  {
    name: 'InterruptStatus', offset: Reg.interruptStatus, width: 4, access: 'ro', reset: 0,
    fields: [{ name: 'VRING', lsb: 0, width: 1 }, { name: 'CONFIG', lsb: 1, width: 1 }],
  },
  { name: 'InterruptACK', offset: Reg.interruptAck, width: 4, access: 'wo', reset: 0 },
  {
    name: 'Status', offset: Reg.status, width: 4, access: 'rw', reset: 0, description: 'Writing 0 resets the device',
    fields: [
      { name: 'ACKNOWLEDGE', lsb: 0, width: 1 }, { name: 'DRIVER', lsb: 1, width: 1 }, { name: 'DRIVER_OK', lsb: 2, width: 1 },
      { name: 'FEATURES_OK', lsb: 3, width: 1 }, { name: 'DEVICE_NEEDS_RESET', lsb: 6, width: 1 }, { name: 'FAILED', lsb: 7, width: 1 },
    ],
  },
  { name: 'QueueDescLow', offset: Reg.queueDescLow, width: 4, access: 'wo', reset: 0 },
  { name: 'QueueDescHigh', offset: Reg.queueDescHigh, width: 4, access: 'wo', reset: 0 },
  { name: 'QueueDriverLow', offset: Reg.queueDriverLow, width: 4, access: 'wo', reset: 0 },
  { name: 'QueueDriverHigh', offset: Reg.queueDriverHigh, width: 4, access: 'wo', reset: 0 },
  { name: 'QueueDeviceLow', offset: Reg.queueDeviceLow, width: 4, access: 'wo', reset: 0 },
  { name: 'QueueDeviceHigh', offset: Reg.queueDeviceHigh, width: 4, access: 'wo', reset: 0 },
  { name: 'ConfigGeneration', offset: Reg.configGeneration, width: 4, access: 'ro', reset: 0 },
];

/** What went wrong, with everything a user needs to find it. */
export interface VirtioDeviceFault {
  readonly zone: number;
  readonly device: string;
  readonly queue?: number;
  readonly descriptor?: number;
  readonly address?: number;
  readonly message: string;
  /** True for a device error (the device is in DEVICE_NEEDS_RESET); false for one refused request. */
  readonly deviceNeedsReset: boolean;
}

/** What a device model may do to its transport. */
export interface VirtioDeviceContext {
  readonly memory: GuestMemory;
  queue(index: number): SplitVirtqueue;
  readonly driverFeatures: bigint;
  /** DRIVER_OK is set and no device error is pending. */
  readonly live: boolean;
  /** Increments on every reset; asynchronous work started in an older epoch must be dropped. */
  readonly epoch: number;
  /** After pushing used buffers: interrupt the driver if the queue's suppression allows it. */
  usedBuffers(queue: number): void;
  /** A chain could not be processed: enter DEVICE_NEEDS_RESET and report it. */
  fail(queue: number, error: unknown): void;
  /** A request was refused with an error status (the device goes on): report it. */
  refused(queue: number, error: VirtqueueError): void;
  /** The device ended its turn (virtqueue.ts) with chains still available: notify it again later. */
  more(queue: number): void;
  /** The configuration space changed (bump ConfigGeneration, raise a config interrupt). */
  configChanged(): void;
}

/** A virtio device behind the transport. */
export interface VirtioDeviceModel {
  readonly deviceId: number;
  /** Short name for reports: "virtio-blk". */
  readonly kind: string;
  /** Device-specific feature bits; the transport adds VERSION_1, INDIRECT_DESC and EVENT_IDX. */
  readonly features: bigint;
  /** QueueNumMax of each queue. */
  readonly queueSizes: readonly number[];
  attach(context: VirtioDeviceContext): void;
  /** Byte `offset` of the configuration space (little-endian fields). */
  readConfig(offset: number, size: 1 | 2 | 4): number;
  /** QueueNotify for a ready queue while the driver is live. */
  notify(queue: number): void;
  /** DRIVER_OK was set: the device may start delivering (console input, received frames). */
  start?(): void;
  /** Status 0: drop everything in flight. */
  reset(): void;
  /** Snapshots (decision 0024): the device's own state as JSON values; absent where it cannot be saved yet. */
  saveState?(): unknown;
  restoreState?(state: unknown): void;
}

/** A virtio-mmio device as a snapshot keeps it (JSON: the driver's features as a decimal string). */
export interface VirtioMmioState {
  readonly registers: { deviceFeaturesSel: number; driverFeaturesSel: number; driverFeatures: string; queueSel: number; interruptStatus: number; status: number; configGeneration: number; epoch: number; deferred: number };
  readonly queues: readonly VirtqueueState[];
  readonly device: unknown;
}

export interface VirtioMmioOptions {
  readonly zone: number;
  /** Name for reports, e.g. "virtio-blk@0x10006000". */
  readonly name: string;
  readonly memory: GuestMemory;
  /**
   * Called when InterruptStatus gains a bit: the daemon pushes {zone, irq} to the bridge. `queue` is
   * the queue whose used buffers caused it (undefined for a configuration change), which a transport
   * with a vector per queue (virtio-pci's MSI-X) needs.
   */
  readonly raiseIrq: (queue?: number) => void;
  /**
   * Called when the driver's InterruptACK (or a reset) leaves InterruptStatus 0 after it had bits: the
   * line may drop. hvisor-tool's daemon deasserts the line there (tools/virtio/virtio.c:950-985, 318-330)
   * on loongarch64, where an injected interrupt is a level the hypervisor holds.
   */
  readonly lowerIrq?: () => void;
  readonly onFault?: (fault: VirtioDeviceFault) => void;
}

export class VirtioMmio implements MmioDevice {
  readonly kind = 'virtio-mmio';
  readonly registers = REGISTERS;
  readonly queues: SplitVirtqueue[];
  readonly offered: bigint;
  private deviceFeaturesSel = 0;
  private driverFeaturesSel = 0;
  private driverFeatures = 0n;
  private queueSel = 0;
  private interruptStatus = 0;
  private status = 0;
  private configGeneration = 0;
  private epoch = 0;
  private lastFault: VirtioDeviceFault | undefined;
  /** Bit q: queue q has chains left over from a kick (see `more`). */
  private deferred = 0;

  constructor(
    readonly device: VirtioDeviceModel,
    private readonly options: VirtioMmioOptions,
  ) {
    this.queues = device.queueSizes.map((max, i) => new SplitVirtqueue(i, max));
    this.offered = device.features | TRANSPORT_FEATURES;
    const transport = this;
    device.attach({
      memory: options.memory,
      queue: (index) => transport.queues[index]!,
      get driverFeatures() {
        return transport.driverFeatures;
      },
      get live() {
        return transport.live;
      },
      get epoch() {
        return transport.epoch;
      },
      usedBuffers: (queue) => transport.usedBuffers(queue),
      fail: (queue, error) => transport.fail(queue, error),
      refused: (queue, error) => transport.report(queue, error, false),
      more: (queue) => void (transport.deferred |= 1 << queue),
      configChanged: () => transport.configChanged(),
    });
  }

  get live(): boolean {
    return (this.status & (Status.driverOk | Status.deviceNeedsReset | Status.failed)) === Status.driverOk;
  }

  /** The last device error, until the driver resets the device. */
  get fault(): VirtioDeviceFault | undefined {
    return this.lastFault;
  }

  /** Some queue has chains left over from an earlier kick. */
  get hasDeferredWork(): boolean {
    return this.deferred !== 0;
  }

  /** Gives each queue with left-over chains its next turn. */
  serviceDeferred(): void {
    const pending = this.deferred;
    this.deferred = 0;
    for (const queue of this.queues) {
      if (pending & (1 << queue.index) && queue.enabled && this.live) this.device.notify(queue.index);
    }
  }

  read(offset: number, size: 1 | 2 | 4): number {
    if (offset >= Reg.config) return this.device.readConfig(offset - Reg.config, size);
    // hvisor-tool answers a register access of another width with 0 (and logs it).
    if (size !== 4 || offset % 4 !== 0) return 0;
    const queue = this.queues[this.queueSel];
    switch (offset) {
      case Reg.magic: return VIRTIO_MMIO_MAGIC;
      case Reg.version: return VIRTIO_MMIO_VERSION;
      case Reg.deviceId: return this.device.deviceId;
      case Reg.vendorId: return VIRTIO_MMIO_VENDOR;
      case Reg.deviceFeatures: return this.deviceFeaturesSel < 2 ? Number((this.offered >> BigInt(32 * this.deviceFeaturesSel)) & 0xffff_ffffn) : 0;
      case Reg.queueNumMax: return queue ? queue.maxSize : 0;
      case Reg.queueReady: return queue?.ready ? 1 : 0;
      case Reg.interruptStatus: return this.interruptStatus;
      case Reg.status: return this.status;
      case Reg.configGeneration: return this.configGeneration;
      case Reg.shmLenLow: case Reg.shmLenHigh: case Reg.shmBaseLow: case Reg.shmBaseHigh: return 0xffff_ffff;
      default: return 0;
    }
  }

  write(offset: number, size: 1 | 2 | 4, value: number): void {
    if (offset >= Reg.config || size !== 4 || offset % 4 !== 0) return;
    value >>>= 0;
    const queue = this.queues[this.queueSel];
    switch (offset) {
      case Reg.deviceFeaturesSel: this.deviceFeaturesSel = value; break;
      case Reg.driverFeaturesSel: this.driverFeaturesSel = value; break;
      case Reg.driverFeatures: this.writeDriverFeatures(value); break;
      case Reg.queueSel: this.queueSel = value; break;
      case Reg.queueNum: if (queue && !queue.ready) queue.size = value; break;
      case Reg.queueReady: this.writeQueueReady(value); break;
      case Reg.queueNotify: this.queueNotify(value); break;
      case Reg.interruptAck: {
        const before = this.interruptStatus;
        this.interruptStatus &= ~value;
        if (before !== 0 && this.interruptStatus === 0) this.options.lowerIrq?.();
        break;
      }
      case Reg.status: this.writeStatus(value); break;
      case Reg.queueDescLow: if (queue && !queue.ready) queue.descAddr = low(queue.descAddr, value); break;
      case Reg.queueDescHigh: if (queue && !queue.ready) queue.descAddr = high(queue.descAddr, value); break;
      case Reg.queueDriverLow: if (queue && !queue.ready) queue.driverAddr = low(queue.driverAddr, value); break;
      case Reg.queueDriverHigh: if (queue && !queue.ready) queue.driverAddr = high(queue.driverAddr, value); break;
      case Reg.queueDeviceLow: if (queue && !queue.ready) queue.deviceAddr = low(queue.deviceAddr, value); break;
      case Reg.queueDeviceHigh: if (queue && !queue.ready) queue.deviceAddr = high(queue.deviceAddr, value); break;
      default: break;
    }
  }

  /** Snapshots: refuses (naming the device) a model that cannot be saved or a request still in flight. */
  saveState(): VirtioMmioState {
    const name = this.options.name;
    if (!this.device.saveState) throw new Error(`zone ${this.options.zone} ${name}: a ${this.device.kind} cannot be saved in a snapshot yet`);
    const busy = this.queues.find((q) => q.inFlight > 0);
    if (busy) throw new Error(`zone ${this.options.zone} ${name}: queue ${busy.index} has ${busy.inFlight} request(s) in flight`);
    return {
      registers: {
        deviceFeaturesSel: this.deviceFeaturesSel, driverFeaturesSel: this.driverFeaturesSel, driverFeatures: this.driverFeatures.toString(),
        queueSel: this.queueSel, interruptStatus: this.interruptStatus, status: this.status, configGeneration: this.configGeneration,
        epoch: this.epoch, deferred: this.deferred,
      },
      queues: this.queues.map((q) => q.saveState()),
      device: this.device.saveState(),
    };
  }

  restoreState(state: VirtioMmioState): void {
    if (state.queues.length !== this.queues.length) throw new Error(`zone ${this.options.zone} ${this.options.name}: the snapshot has ${state.queues.length} queues, the device ${this.queues.length}`);
    const r = state.registers;
    this.deviceFeaturesSel = r.deviceFeaturesSel;
    this.driverFeaturesSel = r.driverFeaturesSel;
    this.driverFeatures = BigInt(r.driverFeatures);
    this.queueSel = r.queueSel;
    this.interruptStatus = r.interruptStatus;
    this.status = r.status;
    this.configGeneration = r.configGeneration;
    this.epoch = r.epoch;
    this.deferred = r.deferred;
    state.queues.forEach((q, i) => this.queues[i]!.restoreState(q, this.options.memory));
    this.device.restoreState?.(state.device);
  }

  reset(): void {
    this.deviceFeaturesSel = this.driverFeaturesSel = 0;
    this.driverFeatures = 0n;
    this.queueSel = 0;
    if (this.interruptStatus !== 0) this.options.lowerIrq?.();
    this.interruptStatus = 0;
    this.status = 0;
    this.lastFault = undefined;
    this.deferred = 0;
    this.epoch++;
    for (const queue of this.queues) queue.reset();
    this.device.reset();
  }

  peek(): Record<string, number> {
    const queue = this.queues[this.queueSel];
    return {
      DeviceID: this.device.deviceId,
      DeviceFeaturesLow: Number(this.offered & 0xffff_ffffn),
      DeviceFeaturesHigh: Number(this.offered >> 32n),
      DriverFeaturesLow: Number(this.driverFeatures & 0xffff_ffffn),
      DriverFeaturesHigh: Number(this.driverFeatures >> 32n),
      QueueSel: this.queueSel,
      QueueNum: queue?.size ?? 0,
      QueueReady: queue?.ready ? 1 : 0,
      InterruptStatus: this.interruptStatus,
      Status: this.status,
      ConfigGeneration: this.configGeneration,
    };
  }

  private writeDriverFeatures(value: number): void {
    if (this.status & Status.featuresOk || this.driverFeaturesSel > 1) return;
    const shift = BigInt(32 * this.driverFeaturesSel);
    this.driverFeatures = (this.driverFeatures & ~(0xffff_ffffn << shift)) | (BigInt(value) << shift);
  }

  private writeStatus(value: number): void {
    if (value === 0) {
      this.reset();
      return;
    }
    const before = this.status;
    // DEVICE_NEEDS_RESET belongs to the device; the driver cannot set or clear it.
    let next = (value & ~Status.deviceNeedsReset) | (before & Status.deviceNeedsReset);
    if (next & Status.featuresOk && !(before & Status.featuresOk)) {
      const unknown = this.driverFeatures & ~this.offered;
      if (unknown !== 0n || !(this.driverFeatures & Feature.version1)) {
        next &= ~Status.featuresOk;
      } else {
        for (const queue of this.queues) {
          queue.eventIdx = (this.driverFeatures & Feature.eventIdx) !== 0n;
          queue.indirect = (this.driverFeatures & Feature.indirectDesc) !== 0n;
        }
      }
    }
    this.status = next;
    if (next & Status.driverOk && !(before & Status.driverOk) && this.live) {
      this.device.start?.();
      this.replayEarlyKicks();
    }
  }

  /** The device must not use buffers before DRIVER_OK, so kicks that came earlier are served now. */
  private replayEarlyKicks(): void {
    for (const queue of this.queues) {
      if (!queue.enabled || !this.live) continue;
      try {
        if (queue.availableCount() > 0) this.device.notify(queue.index);
      } catch (error) {
        this.fail(queue.index, error);
      }
    }
  }

  private writeQueueReady(value: number): void {
    const queue = this.queues[this.queueSel];
    if (!queue) return;
    if (value === 0) {
      queue.ready = false;
      return;
    }
    if (queue.ready) return;
    try {
      queue.enable(this.options.memory);
    } catch (error) {
      this.fail(queue.index, error);
    }
  }

  private queueNotify(index: number): void {
    const queue = this.queues[index];
    if (!queue?.enabled || !this.live) return;
    queue.kicked();
    this.device.notify(index);
  }

  private usedBuffers(index: number): void {
    const queue = this.queues[index];
    if (!queue?.enabled || !(this.status & Status.driverOk)) return;
    if (!queue.shouldInterrupt()) return;
    this.interrupt(Interrupt.vring, index);
  }

  private interrupt(bit: number, queue?: number): void {
    this.interruptStatus |= bit;
    this.options.raiseIrq(queue);
  }

  private configChanged(): void {
    this.configGeneration = (this.configGeneration + 1) >>> 0;
    if (this.status & Status.driverOk) this.interrupt(Interrupt.config);
  }

  private fail(queue: number, error: unknown): void {
    if (!(error instanceof VirtqueueError)) throw error;
    if (this.status & Status.deviceNeedsReset) return;
    this.status |= Status.deviceNeedsReset;
    this.lastFault = this.report(queue, error, true);
    if (this.status & Status.driverOk) this.interrupt(Interrupt.config);
  }

  private report(queue: number, error: VirtqueueError, deviceNeedsReset: boolean): VirtioDeviceFault {
    const fault: VirtioDeviceFault = {
      zone: this.options.zone,
      device: this.options.name,
      queue,
      ...(error.descriptor !== undefined ? { descriptor: error.descriptor } : {}),
      ...(error.address !== undefined ? { address: error.address } : {}),
      message: `zone ${this.options.zone} ${this.options.name} queue ${queue}: ${error.message}`,
      deviceNeedsReset,
    };
    this.options.onFault?.(fault);
    return fault;
  }
}

const low = (current: number, value: number): number => Math.floor(current / 0x1_0000_0000) * 0x1_0000_0000 + value;
/** Addresses above 2^53 stay unsafe integers, which GuestMemory refuses. */
const high = (current: number, value: number): number => value * 0x1_0000_0000 + (current % 0x1_0000_0000);

/** A little-endian read of a device's configuration bytes; bytes past the end read as 0. */
export function readConfigBytes(config: Uint8Array, offset: number, size: 1 | 2 | 4): number {
  let value = 0;
  for (let i = size - 1; i >= 0; i--) value = value * 256 + (config[offset + i] ?? 0);
  return value;
}
