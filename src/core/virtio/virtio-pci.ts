/**
 * The modern virtio PCI transport (virtio 1.2 section 4.1) as QEMU lays it out for virtio-*-pci with
 * disable-legacy=on: vendor 1af4, device 1040 + virtio id, revision 1, and five vendor capabilities
 * pointing into BAR 4 (64-bit prefetchable memory, 16 KiB): common configuration at 0x0000, ISR at
 * 0x1000, device configuration at 0x2000, notifications at 0x3000 (notify_off_multiplier 4, queue q's
 * doorbell at 0x3000 + 4q); an MSI-X capability with its table at BAR 1 offset 0 and the PBA at 0x800;
 * a PCI Express capability (Root Complex Integrated Endpoint, as QEMU on a PCIe root bus).
 *
 * It is a transport, not a second virtio: the feature negotiation, device status, queue setup and
 * every queue's processing are the virtio-mmio transport's (virtio-mmio.ts) over the same device
 * models (virtio-blk.ts, virtio-net.ts) and virtqueue.ts. This file maps the common configuration
 * structure onto those registers and adds what PCI has on its own: the ISR that clears on read and
 * drops INTx, per-queue and configuration MSI-X vectors, and DMA through the function's one port
 * (its stream id is the BDF, so an IOMMU hook sees every access; no Bus Master, no DMA).
 *
 * Interrupts: with MSI-X enabled a cause sends its vector's message to the board's MSI sink (masked:
 * the PBA bit is set and the message goes when unmasked; VIRTIO_MSI_NO_VECTOR: nothing). Without it,
 * the ISR gets the cause and INTx goes up until the driver reads the ISR. On a board without an MSI
 * controller there is no msi-parent, Linux does not enable MSI-X and uses INTx.
 *
 * Snapshots (decision 0024): the configuration space is shared machine state (saved with the regions);
 * saveState keeps what is this object's: the common configuration's selectors and driver feature words,
 * the configuration and queue MSI-X vectors, the MSI-X table and pending bits, and the transport's
 * registers and queues.
 *
 * Left out: the legacy interface (no I/O BAR), the PCI configuration access capability
 * (VIRTIO_PCI_CAP_PCI_CFG), shared memory capabilities, VIRTIO_F_NOTIFICATION_DATA, queue reset,
 * per-access direction on DMA (queue areas are mapped once, when the queue is enabled, and checked then).
 */
import type { DmaPort } from '../bus/dma';
import { PCI_CONFIG_BYTES, PciCapabilityId, PciConfigSpace, PcieDeviceType, pciExpressCapability, type PciFunctionSpec } from '../devices/pci/pci-config-space';
import { formatBdf, type PciEndpoint, type PciSlot } from '../devices/pci/pci-endpoint';
import type { RegisterDef } from '../bus/types';
import type { GuestMemory } from './guest-memory';
import { Interrupt, Reg, VirtioMmio, type VirtioDeviceFault, type VirtioDeviceModel, type VirtioMmioState } from './virtio-mmio';

export const VIRTIO_PCI_VENDOR_ID = 0x1af4;
/** Modern device ids: 0x1040 + the virtio device id. */
export const VIRTIO_PCI_MODERN_DEVICE_BASE = 0x1040;
export const VIRTIO_MSI_NO_VECTOR = 0xffff;

export const VirtioPciCapType = { common: 1, notify: 2, isr: 3, device: 4, pciCfg: 5 } as const;

/** Where the structures are: BAR and offsets (QEMU's virtio-pci defaults). */
export const VirtioPciLayout = {
  bar: 4,
  barSize: 0x4000,
  common: 0x0000,
  isr: 0x1000,
  device: 0x2000,
  notify: 0x3000,
  regionSize: 0x1000,
  notifyOffMultiplier: 4,
  msixBar: 1,
  msixBarSize: 0x1000,
  msixTable: 0x000,
  msixPba: 0x800,
} as const;

/** The common configuration structure (virtio 1.2 section 4.1.4.3). */
export const CommonCfg = {
  deviceFeatureSelect: 0x00,
  deviceFeature: 0x04,
  driverFeatureSelect: 0x08,
  driverFeature: 0x0c,
  configMsixVector: 0x10,
  numQueues: 0x12,
  deviceStatus: 0x14,
  configGeneration: 0x15,
  queueSelect: 0x16,
  queueSize: 0x18,
  queueMsixVector: 0x1a,
  queueEnable: 0x1c,
  queueNotifyOff: 0x1e,
  queueDescLow: 0x20,
  queueDescHigh: 0x24,
  queueDriverLow: 0x28,
  queueDriverHigh: 0x2c,
  queueDeviceLow: 0x30,
  queueDeviceHigh: 0x34,
} as const;

/** The common configuration as data for the inspector. */
export const VIRTIO_PCI_COMMON_REGISTERS: readonly RegisterDef[] = [
  { name: 'device_feature_select', offset: CommonCfg.deviceFeatureSelect, width: 4, access: 'rw', reset: 0 },
  { name: 'device_feature', offset: CommonCfg.deviceFeature, width: 4, access: 'ro', reset: 0 },
  { name: 'driver_feature_select', offset: CommonCfg.driverFeatureSelect, width: 4, access: 'rw', reset: 0 },
  { name: 'driver_feature', offset: CommonCfg.driverFeature, width: 4, access: 'rw', reset: 0 },
  { name: 'config_msix_vector', offset: CommonCfg.configMsixVector, width: 2, access: 'rw', reset: VIRTIO_MSI_NO_VECTOR },
  { name: 'num_queues', offset: CommonCfg.numQueues, width: 2, access: 'ro', reset: 0 },
  { name: 'device_status', offset: CommonCfg.deviceStatus, width: 1, access: 'rw', reset: 0, description: 'Writing 0 resets the device' },
  { name: 'config_generation', offset: CommonCfg.configGeneration, width: 1, access: 'ro', reset: 0 },
  { name: 'queue_select', offset: CommonCfg.queueSelect, width: 2, access: 'rw', reset: 0 },
  { name: 'queue_size', offset: CommonCfg.queueSize, width: 2, access: 'rw', reset: 0, description: 'The maximum until the driver writes a smaller power of two' },
  { name: 'queue_msix_vector', offset: CommonCfg.queueMsixVector, width: 2, access: 'rw', reset: VIRTIO_MSI_NO_VECTOR },
  { name: 'queue_enable', offset: CommonCfg.queueEnable, width: 2, access: 'rw', reset: 0 },
  { name: 'queue_notify_off', offset: CommonCfg.queueNotifyOff, width: 2, access: 'ro', reset: 0, description: 'The queue index (doorbell at notify + 4 * this)' },
  { name: 'queue_desc', offset: CommonCfg.queueDescLow, width: 8, access: 'rw', reset: 0 },
  { name: 'queue_driver', offset: CommonCfg.queueDriverLow, width: 8, access: 'rw', reset: 0 },
  { name: 'queue_device', offset: CommonCfg.queueDeviceLow, width: 8, access: 'rw', reset: 0 },
];

/**
 * What a virtio-pci function's configuration space depends on, by the layout's type: its device id and
 * queue count (the MSI-X table size). Every thread builds the same space from this; the management
 * side's device model must agree (checked when it plugs the function: see VirtioPci's constructor).
 */
export const VIRTIO_PCI_KINDS: Readonly<Record<string, { readonly deviceId: number; readonly queueSizes: readonly number[] }>> = {
  'virtio-blk-pci': { deviceId: 2, queueSizes: [512] },
  'virtio-net-pci': { deviceId: 1, queueSizes: [256, 256] },
};

/** PCI class of each virtio device id (QEMU virtio-pci): net 02 00 00, blk 01 00 00, console 07 80 00. */
const CLASS_BY_DEVICE: Readonly<Record<number, number>> = { 1: 0x02_00_00, 2: 0x01_00_00, 3: 0x07_80_00 };

const MSIX_ENABLE = 0x8000;
const MSIX_FUNCTION_MASK = 0x4000;
const MSIX_ENTRY_BYTES = 16;

/** A virtio-pci function as a snapshot keeps it (JSON; the pending bits as a decimal string). */
export interface VirtioPciState {
  readonly common: { deviceFeatureSelect: number; driverFeatureSelect: number; queueSelect: number; driverFeatureWords: number[] };
  readonly configVector: number;
  readonly queueVectors: number[];
  readonly msixTable: number[];
  readonly pending: string;
  readonly transport: VirtioMmioState;
}

export interface VirtioPciOptions {
  /** Name for reports before the function is plugged (then the BDF is added). */
  readonly name: string;
  /** The function's 4 KiB of configuration space (shared with other threads' hosts). */
  readonly configBytes: Uint8Array;
  readonly onFault?: (fault: VirtioDeviceFault) => void;
}

/** The configuration space of a modern virtio-pci function for `model`, before plugging (also what other threads build). */
export function virtioPciConfigSpace(model: Pick<VirtioDeviceModel, 'deviceId' | 'queueSizes'>, bytes: Uint8Array): PciConfigSpace {
  const spec: PciFunctionSpec = {
    vendorId: VIRTIO_PCI_VENDOR_ID,
    deviceId: VIRTIO_PCI_MODERN_DEVICE_BASE + model.deviceId,
    revision: 1,
    classCode: CLASS_BY_DEVICE[model.deviceId] ?? 0xff_00_00,
    headerType: 0,
    subsystemVendorId: VIRTIO_PCI_VENDOR_ID,
    subsystemId: 0x1100,
    interruptPin: 1,
    bars: [
      { index: VirtioPciLayout.msixBar, kind: 'memory32', size: VirtioPciLayout.msixBarSize },
      { index: VirtioPciLayout.bar, kind: 'memory64', size: VirtioPciLayout.barSize, prefetchable: true },
    ],
  };
  const config = new PciConfigSpace(spec, bytes);
  const vendorCap = (type: number, offset: number, extra: number[] = []) => {
    const body = new Uint8Array(14 + extra.length * 4);
    const view = new DataView(body.buffer);
    body[0] = 2 + body.length; // cap_len counts the id and next bytes
    body[1] = type;
    body[2] = VirtioPciLayout.bar;
    view.setUint32(6, offset, true);
    view.setUint32(10, VirtioPciLayout.regionSize, true);
    extra.forEach((word, i) => view.setUint32(14 + 4 * i, word, true));
    config.addCapability({ id: PciCapabilityId.vendorSpecific, body });
  };
  vendorCap(VirtioPciCapType.common, VirtioPciLayout.common);
  vendorCap(VirtioPciCapType.isr, VirtioPciLayout.isr);
  vendorCap(VirtioPciCapType.device, VirtioPciLayout.device);
  vendorCap(VirtioPciCapType.notify, VirtioPciLayout.notify, [VirtioPciLayout.notifyOffMultiplier]);
  // MSI-X: one vector per queue plus the configuration vector.
  const vectors = model.queueSizes.length + 1;
  const msix = new Uint8Array(10);
  const mv = new DataView(msix.buffer);
  mv.setUint16(0, vectors - 1, true);
  mv.setUint32(2, VirtioPciLayout.msixTable | VirtioPciLayout.msixBar, true);
  mv.setUint32(6, VirtioPciLayout.msixPba | VirtioPciLayout.msixBar, true);
  config.addCapability({ id: PciCapabilityId.msix, body: msix, writeMask: new Uint8Array([0, 0xc0]) });
  // A PCIe function on the host's root bus, as QEMU makes virtio-pci there: the OS then uses the 4 KiB space.
  config.addCapability(pciExpressCapability(PcieDeviceType.rootComplexIntegratedEndpoint));
  return config;
}

export class VirtioPci implements PciEndpoint {
  readonly name: string;
  readonly config: PciConfigSpace;
  readonly transport: VirtioMmio;
  private slot: PciSlot | undefined;
  private readonly msixCap: number;
  private readonly vectorCount: number;
  private configVector = VIRTIO_MSI_NO_VECTOR;
  private readonly queueVectors: number[];
  /** The MSI-X table (16 bytes per vector) and pending bits. */
  private readonly table: DataView;
  private pending = 0n;
  /** The function's DMA port once plugged; before that no memory is reachable. */
  private dma: DmaPort | undefined;

  constructor(
    readonly model: VirtioDeviceModel,
    private readonly options: VirtioPciOptions,
  ) {
    this.name = `${model.kind}-pci`;
    this.config = virtioPciConfigSpace(model, options.configBytes);
    this.msixCap = this.config.capabilities.get(PciCapabilityId.msix)!;
    this.vectorCount = model.queueSizes.length + 1;
    this.queueVectors = model.queueSizes.map(() => VIRTIO_MSI_NO_VECTOR);
    this.table = new DataView(new ArrayBuffer(this.vectorCount * MSIX_ENTRY_BYTES));
    this.resetTable();
    const pci = this;
    const memory: GuestMemory = {
      view: (gpa, length, access) => pci.dma?.tryView(gpa, length, access),
    };
    this.transport = new VirtioMmio(model, {
      zone: 0,
      get name() {
        return pci.reportName;
      },
      memory,
      raiseIrq: (queue) => this.raise(queue),
      ...(options.onFault ? { onFault: options.onFault } : {}),
    });
  }

  private get reportName(): string {
    return this.slot ? `${this.name} ${formatBdf(this.slot.bdf)}` : this.options.name;
  }

  plug(slot: PciSlot): void {
    this.slot = slot;
    this.dma = slot.dma;
  }

  reset(): void {
    this.transport.reset();
    this.resetVectors();
    this.resetTable();
    this.slot?.setIntx(false);
  }

  /** Snapshots: this function's own state (the configuration space is in the machine's shared bytes). */
  saveState(): VirtioPciState {
    return {
      common: { deviceFeatureSelect: this.deviceFeatureSelect, driverFeatureSelect: this.driverFeatureSelect, queueSelect: this.queueSelect, driverFeatureWords: [...this.driverFeatureWords] },
      configVector: this.configVector,
      queueVectors: [...this.queueVectors],
      msixTable: Array.from(new Uint8Array(this.table.buffer)),
      pending: this.pending.toString(),
      transport: this.transport.saveState(),
    };
  }

  /** Puts a saved state back once plugged (its queues are reached through the function's DMA port). */
  restoreState(state: VirtioPciState): void {
    const table = new Uint8Array(this.table.buffer);
    if (state.msixTable.length !== table.length || state.queueVectors.length !== this.queueVectors.length) {
      throw new Error(`${this.reportName}: the snapshot's function has ${state.msixTable.length / MSIX_ENTRY_BYTES} MSI-X vectors and ${state.queueVectors.length} queues, this one ${this.vectorCount} and ${this.queueVectors.length}`);
    }
    const c = state.common;
    this.deviceFeatureSelect = c.deviceFeatureSelect;
    this.driverFeatureSelect = c.driverFeatureSelect;
    this.queueSelect = c.queueSelect;
    c.driverFeatureWords.forEach((w, i) => (this.driverFeatureWords[i] = w));
    this.configVector = state.configVector;
    state.queueVectors.forEach((v, i) => (this.queueVectors[i] = v));
    table.set(state.msixTable);
    this.pending = BigInt(state.pending);
    this.transport.restoreState(state.transport);
  }

  private resetVectors(): void {
    this.configVector = VIRTIO_MSI_NO_VECTOR;
    this.queueVectors.fill(VIRTIO_MSI_NO_VECTOR);
  }

  private resetTable(): void {
    for (let v = 0; v < this.vectorCount; v++) this.table.setUint32(v * MSIX_ENTRY_BYTES + 12, 1, true);
    this.pending = 0n;
  }

  private get msixControl(): number {
    return this.config.u16(this.msixCap + 2);
  }

  get msixEnabled(): boolean {
    return (this.msixControl & MSIX_ENABLE) !== 0;
  }

  barRead(bar: number, offset: number, size: 1 | 2 | 4): number {
    if (bar === VirtioPciLayout.msixBar) return this.msixRead(offset, size);
    if (bar !== VirtioPciLayout.bar) return ones(size);
    const region = offset & ~(VirtioPciLayout.regionSize - 1);
    const at = offset - region;
    switch (region) {
      case VirtioPciLayout.common: return this.commonRead(at, size);
      case VirtioPciLayout.isr: return at === 0 ? this.isrRead() : 0;
      case VirtioPciLayout.device: return this.transport.read(Reg.config + at, size);
      default: return 0;
    }
  }

  barWrite(bar: number, offset: number, size: 1 | 2 | 4, value: number): void {
    if (bar === VirtioPciLayout.msixBar) {
      this.msixWrite(offset, size, value);
      return;
    }
    if (bar !== VirtioPciLayout.bar) return;
    const region = offset & ~(VirtioPciLayout.regionSize - 1);
    const at = offset - region;
    if (region === VirtioPciLayout.common) this.commonWrite(at, size, value >>> 0);
    else if (region === VirtioPciLayout.notify && at % VirtioPciLayout.notifyOffMultiplier === 0) {
      // The doorbell of the queue whose notify_off (its index) the offset names; the value is the index too.
      this.transport.write(Reg.queueNotify, 4, at / VirtioPciLayout.notifyOffMultiplier);
    }
  }

  configWritten(offset: number, size: number): void {
    // MSI-X enable or function mask changed: pending unmasked vectors go out.
    if (offset <= this.msixCap + 3 && offset + size > this.msixCap + 2) this.sendPending();
  }

  private commonRead(at: number, size: 1 | 2 | 4): number {
    const t = this.transport;
    const queue = t.queues[this.queueSelect];
    const value = (() => {
      switch (at & ~3) {
        case CommonCfg.deviceFeatureSelect: return this.deviceFeatureSelect;
        case CommonCfg.deviceFeature: return t.read(Reg.deviceFeatures, 4);
        case CommonCfg.driverFeatureSelect: return this.driverFeatureSelect;
        case CommonCfg.driverFeature: return this.driverFeatureWords[this.driverFeatureSelect] ?? 0;
        case CommonCfg.configMsixVector: return this.configVector | (this.model.queueSizes.length << 16);
        case CommonCfg.deviceStatus: return (t.read(Reg.status, 4) & 0xff) | ((t.read(Reg.configGeneration, 4) & 0xff) << 8) | (this.queueSelect << 16);
        case CommonCfg.queueSize: return (queue ? queue.size || queue.maxSize : 0) | ((queue ? this.queueVectors[queue.index]! : VIRTIO_MSI_NO_VECTOR) << 16);
        case CommonCfg.queueEnable: return (queue?.ready ? 1 : 0) | ((queue ? queue.index : 0) << 16);
        case CommonCfg.queueDescLow: return queue ? queue.descAddr % 0x1_0000_0000 : 0;
        case CommonCfg.queueDescHigh: return queue ? Math.floor(queue.descAddr / 0x1_0000_0000) : 0;
        case CommonCfg.queueDriverLow: return queue ? queue.driverAddr % 0x1_0000_0000 : 0;
        case CommonCfg.queueDriverHigh: return queue ? Math.floor(queue.driverAddr / 0x1_0000_0000) : 0;
        case CommonCfg.queueDeviceLow: return queue ? queue.deviceAddr % 0x1_0000_0000 : 0;
        case CommonCfg.queueDeviceHigh: return queue ? Math.floor(queue.deviceAddr / 0x1_0000_0000) : 0;
        default: return 0;
      }
    })();
    return extract(value >>> 0, at & 3, size);
  }

  private deviceFeatureSelect = 0;
  private driverFeatureSelect = 0;
  private queueSelect = 0;
  private readonly driverFeatureWords: number[] = [0, 0];

  private commonWrite(at: number, size: 1 | 2 | 4, value: number): void {
    const t = this.transport;
    const field = (offset: number, width: number) => at === offset && size === width;
    if (field(CommonCfg.deviceFeatureSelect, 4)) {
      this.deviceFeatureSelect = value;
      t.write(Reg.deviceFeaturesSel, 4, value);
    } else if (field(CommonCfg.driverFeatureSelect, 4)) {
      this.driverFeatureSelect = value;
      t.write(Reg.driverFeaturesSel, 4, value);
    } else if (field(CommonCfg.driverFeature, 4)) {
      t.write(Reg.driverFeatures, 4, value);
      // Kept as the driver wrote it for reading back (the transport ignores it after FEATURES_OK).
      if (this.driverFeatureSelect < 2 && !(t.read(Reg.status, 4) & 8)) this.driverFeatureWords[this.driverFeatureSelect] = value;
    } else if (field(CommonCfg.configMsixVector, 2)) {
      this.configVector = value < this.vectorCount ? value : VIRTIO_MSI_NO_VECTOR;
    } else if (field(CommonCfg.deviceStatus, 1)) {
      t.write(Reg.status, 4, value & 0xff);
      if ((value & 0xff) === 0) {
        this.resetVectors();
        this.driverFeatureWords.fill(0);
        this.deviceFeatureSelect = this.driverFeatureSelect = 0;
        this.queueSelect = 0;
        this.slot?.setIntx(false);
      }
    } else if (field(CommonCfg.queueSelect, 2)) {
      this.queueSelect = value;
      t.write(Reg.queueSel, 4, value);
    } else if (field(CommonCfg.queueSize, 2)) {
      t.write(Reg.queueNum, 4, value);
    } else if (field(CommonCfg.queueMsixVector, 2)) {
      const queue = t.queues[this.queueSelect];
      if (queue) this.queueVectors[queue.index] = value < this.vectorCount ? value : VIRTIO_MSI_NO_VECTOR;
    } else if (field(CommonCfg.queueEnable, 2)) {
      const queue = t.queues[this.queueSelect];
      // queue_size reads the maximum until written: a queue enabled without a size write has that size.
      if (queue && !queue.ready && queue.size === 0) t.write(Reg.queueNum, 4, queue.maxSize);
      if (value === 1) t.write(Reg.queueReady, 4, 1);
    } else if (size === 4 && at >= CommonCfg.queueDescLow && at <= CommonCfg.queueDeviceHigh && at % 4 === 0) {
      const reg = { [CommonCfg.queueDescLow]: Reg.queueDescLow, [CommonCfg.queueDescHigh]: Reg.queueDescHigh, [CommonCfg.queueDriverLow]: Reg.queueDriverLow, [CommonCfg.queueDriverHigh]: Reg.queueDriverHigh, [CommonCfg.queueDeviceLow]: Reg.queueDeviceLow, [CommonCfg.queueDeviceHigh]: Reg.queueDeviceHigh }[at];
      if (reg !== undefined) t.write(reg, 4, value);
    }
    // Other widths and read-only fields are ignored, as the specification lets a device do.
  }

  /** Reading the ISR returns the causes and clears them, which also drops INTx (virtio 1.2 section 4.1.4.5). */
  private isrRead(): number {
    const status = this.transport.read(Reg.interruptStatus, 4);
    if (status) this.transport.write(Reg.interruptAck, 4, status);
    this.slot?.setIntx(false);
    return status;
  }

  private raise(queue: number | undefined): void {
    if (this.msixEnabled) {
      // With MSI-X the ISR is not used for queue interrupts; the vector says where the message goes.
      const vector = queue === undefined ? this.configVector : this.queueVectors[queue]!;
      if (queue !== undefined) this.transport.write(Reg.interruptAck, 4, Interrupt.vring);
      if (vector === VIRTIO_MSI_NO_VECTOR) return;
      this.pending |= 1n << BigInt(vector);
      this.sendPending();
      return;
    }
    this.slot?.setIntx(true);
  }

  private sendPending(): void {
    if (!this.msixEnabled || this.msixControl & MSIX_FUNCTION_MASK || this.pending === 0n || !this.slot) return;
    for (let v = 0; v < this.vectorCount; v++) {
      const bit = 1n << BigInt(v);
      if (!(this.pending & bit)) continue;
      const entry = v * MSIX_ENTRY_BYTES;
      if (this.table.getUint32(entry + 12, true) & 1) continue;
      this.pending &= ~bit;
      if (!this.config.busMaster) {
        this.slot.report(`MSI-X vector ${v} with Bus Master off: message dropped`);
        continue;
      }
      const address = this.table.getUint32(entry + 4, true) * 0x1_0000_0000 + this.table.getUint32(entry, true);
      const refusal = this.slot.msi.deliver({ device: this.reportName, requesterId: this.slot.bdf }, address, this.table.getUint32(entry + 8, true));
      if (refusal) this.slot.report(`MSI-X vector ${v} to 0x${address.toString(16)}: ${refusal.refused}`);
    }
  }

  /**
   * The MSI-X table as the driver wrote it, for the assignment view: each vector's message address and
   * data, mask and pending bits, and what uses it (the configuration change or queue n). Reading changes nothing.
   */
  msixVectors(): { vector: number; address: number; data: number; masked: boolean; pending: boolean; use: string[] }[] {
    return Array.from({ length: this.vectorCount }, (_, v) => {
      const at = v * MSIX_ENTRY_BYTES;
      const use = [
        ...(this.configVector === v ? ['config'] : []),
        ...this.queueVectors.flatMap((q, i) => (q === v ? [`queue ${i}`] : [])),
      ];
      return {
        vector: v,
        address: this.table.getUint32(at + 4, true) * 0x1_0000_0000 + this.table.getUint32(at, true),
        data: this.table.getUint32(at + 8, true),
        masked: (this.table.getUint32(at + 12, true) & 1) !== 0,
        pending: ((this.pending >> BigInt(v)) & 1n) !== 0n,
        use,
      };
    });
  }

  private msixRead(offset: number, size: 1 | 2 | 4): number {
    const tableBytes = this.vectorCount * MSIX_ENTRY_BYTES;
    if (offset >= VirtioPciLayout.msixTable && offset + size <= tableBytes && offset % size === 0) {
      return size === 4 ? this.table.getUint32(offset, true) : size === 2 ? this.table.getUint16(offset, true) : this.table.getUint8(offset);
    }
    if (offset >= VirtioPciLayout.msixPba && offset < VirtioPciLayout.msixPba + 8) {
      const word = Number((this.pending >> BigInt(8 * (offset - VirtioPciLayout.msixPba))) & 0xffff_ffffn);
      return extract(word, 0, size);
    }
    return 0;
  }

  private msixWrite(offset: number, size: 1 | 2 | 4, value: number): void {
    const tableBytes = this.vectorCount * MSIX_ENTRY_BYTES;
    if (!(offset + size <= tableBytes && offset % size === 0)) return;
    if (size === 4) this.table.setUint32(offset, value >>> 0, true);
    else if (size === 2) this.table.setUint16(offset, value & 0xffff, true);
    else this.table.setUint8(offset, value & 0xff);
    // Vector control bit 0 (mask) cleared: a pending message goes.
    if (offset % MSIX_ENTRY_BYTES >= 12) this.sendPending();
  }
}

const ones = (size: 1 | 2 | 4): number => (size === 4 ? 0xffff_ffff : (1 << (8 * size)) - 1);

function extract(word: number, byte: number, size: 1 | 2 | 4): number {
  const shifted = Math.floor(word / 2 ** (8 * byte));
  return size === 4 ? shifted >>> 0 : shifted & ((1 << (8 * size)) - 1);
}

/** How many bytes of the machine's shared buffer one function's configuration space takes. */
export const VIRTIO_PCI_CONFIG_BYTES = PCI_CONFIG_BYTES;
