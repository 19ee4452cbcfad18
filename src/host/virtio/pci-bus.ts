/**
 * The board's PCIe functions that have host backends (virtio-blk-pci over a disk image), served by the
 * management side as every virtio backend is (decision 0005), for the zone whose `virtio` regions cover
 * the host's windows: the daemon hands it every bridge request in the ECAM or a BAR window, and it
 * answers through the same PciHostEcamGeneric decode the vCPUs' board model uses, over its own
 * configuration spaces. INTx is a wire to the board's interrupt controller (`irqSink`): the line the
 * slot's swizzle gives (00:01.0 INTA: PLIC 33 on qemu-plic) is high from a completion until the driver
 * reads the ISR, and the hypervisor forwards it as the physical interrupt the zone owns (board.rs
 * ROOT_ZONE_IRQS has 33). Without a sink the line's rising edges become the daemon's {zone, irq}
 * results instead, what virtio-mmio completions do.
 * DMA goes through each function's port: stream id = BDF, refused while Bus Master is off, refused
 * outside RAM, then the IOMMU the options give (zone isolation, decision 0027), else the identity.
 *
 * Snapshots (decision 0024): every function's own state (VirtioPci.saveState) by slot; the configuration
 * spaces are the machine's shared bytes and come back with its regions.
 *
 * Left out: functions for zones other than the one the layout gives the host to; hot plug.
 */
import type { BoardDevice } from '../../shared/model/board';
import type { LayoutPciDevice } from '../../shared/model/layout';
import type { RamWindow } from '../../core/bus/address-space';
import type { IrqSink } from '../../core/bus/types';
import type { MsiSink } from '../../core/bus/msi';
import type { Iommu } from '../../core/bus/dma';
import { PCI_CONFIG_BYTES } from '../../core/devices/pci/pci-config-space';
import { PciHostBridgeFunction, PciHostEcamGeneric } from '../../core/devices/pci/pci-host-ecam-generic';
import { pciHostWindows } from '../../core/devices/pci/pci-host-board';
import type { HostRam } from '../../core/virtio/guest-memory';
import { type BlockBackend, VirtioBlk } from '../../core/virtio/virtio-blk';
import type { VirtioDeviceFault } from '../../core/virtio/virtio-mmio';
import { VIRTIO_PCI_KINDS, VirtioPci, type VirtioPciState } from '../../core/virtio/virtio-pci';
import type { BridgeRequest } from '../../core/virtio/virtio-bridge';
import type { VirtioDeviceModel } from '../../core/virtio/virtio-mmio';
import { VirtioNet } from '../../core/virtio/virtio-net';
import type { EthernetSwitch } from './ethernet-switch';

export interface PciBusOptions {
  /** The board's pci-host-ecam device. */
  readonly host: BoardDevice;
  /** The zone whose accesses reach it (the root). */
  readonly zone: number;
  readonly devices: readonly LayoutPciDevice[];
  readonly ram: HostRam;
  /**
   * The board device's shared configuration blocks (block 0 the bridge's, block i + 1 that of
   * `devices[i]`), which the vCPUs' host decodes too; without it the bus keeps private ones.
   */
  readonly sharedConfig?: (block: number) => Uint8Array;
  /** The machine's virtual switch, where virtio-net-pci functions plug in; without one their frames vanish. */
  readonly netSwitch?: EthernetSwitch;
  /** Opens a function's disk image. */
  openBlock(device: LayoutPciDevice): Promise<BlockBackend & { close?(): Promise<void> }>;
  /** The board's interrupt controller (the physical PLIC), for INTx as a wire; see above. */
  readonly irqSink?: IrqSink;
  /** The board's MSI controller (an IMSIC), where MSI-X messages of the functions go. */
  readonly msi?: MsiSink;
  /** The IOMMU in front of every function's DMA port (zone isolation); without one, the identity. */
  readonly iommu?: Iommu;
  /** The zone's interrupt `irq` is to be raised (a result for the hypervisor to inject). */
  raise(zone: number, irq: number): void;
  onFault(fault: VirtioDeviceFault): void;
  /** A guest error that is not a virtio device fault (a BAR over RAM, DMA refused). */
  report(message: string): void;
}

interface Window {
  readonly base: number;
  readonly size: number;
  readonly device: { read(offset: number, size: 1 | 2 | 4): number; write(offset: number, size: 1 | 2 | 4, value: number): void };
}

export class PciBus {
  readonly host: PciHostEcamGeneric;
  readonly functions: { readonly slot: number; readonly pci: VirtioPci; readonly model: VirtioDeviceModel }[] = [];
  private readonly windows: Window[];
  private readonly closers: (() => Promise<void>)[] = [];

  private constructor(private readonly options: PciBusOptions) {
    const w = pciHostWindows(options.host);
    if (!w.intxLines) throw new Error(`device '${options.host.name}' (pci-host-ecam) has no INTx lines`);
    const ram = options.ram;
    const bank: RamWindow = {
      base: ram.base, size: ram.u8.length, bufferOffset: ram.u8.byteOffset, buffer: ram.u8.buffer, u8: ram.u8,
      view: new DataView(ram.u8.buffer, ram.u8.byteOffset, ram.u8.byteLength), spanOffset: 0,
    };
    this.host = new PciHostEcamGeneric({
      busRange: w.busRange,
      io: w.io,
      mem32: w.mem32,
      ...(w.mem64 ? { mem64: w.mem64 } : {}),
      intxLines: w.intxLines,
      // Without the board's controller: the zone's vPLIC latches an injected source until claimed, so a
      // level going low needs no message.
      irqSink: options.irqSink ?? { setLevel: (line, level) => level && options.raise(options.zone, line) },
      dmaMemory: { bankAt: (address, size) => (address >= bank.base && address + size <= bank.base + bank.size ? bank : undefined) },
      onReport: (message) => options.report(message),
      ...(options.msi ? { msi: options.msi } : {}),
      ...(options.iommu ? { iommu: options.iommu } : {}),
    });
    this.host.plug(0, 0, new PciHostBridgeFunction(this.configBytes(0)));
    this.windows = [
      { base: options.host.base, size: options.host.size, device: this.host.ecam },
      { base: w.io.cpuBase, size: w.io.size, device: this.host.ioWindow },
      { base: w.mem32.cpuBase, size: w.mem32.size, device: this.host.mem32Window },
      ...(w.mem64 && this.host.mem64Window ? [{ base: w.mem64.cpuBase, size: w.mem64.size, device: this.host.mem64Window }] : []),
    ];
  }

  static async create(options: PciBusOptions): Promise<PciBus> {
    const bus = new PciBus(options);
    try {
      for (const [i, device] of options.devices.entries()) {
        // bochs-display is registers and VRAM in shared bytes, served by the board's host in each vCPU
        // thread; a root reaching the windows through virtio regions does not reach it (decision 0028).
        if (device.type === 'bochs-display') continue;
        const model = await bus.model(device);
        const kind = VIRTIO_PCI_KINDS[device.type];
        if (!kind || kind.deviceId !== model.deviceId || kind.queueSizes.length !== model.queueSizes.length) {
          throw new Error(`${device.type} at slot ${device.slot}: the device model (id ${model.deviceId}, ${model.queueSizes.length} queues) is not the one the board's configuration space was built for`);
        }
        const pci = new VirtioPci(model, { name: `${device.type} slot ${device.slot}`, configBytes: bus.configBytes(i + 1), onFault: (f) => options.onFault(f) });
        bus.host.plug(device.slot, 0, pci);
        bus.functions.push({ slot: device.slot, pci, model });
      }
    } catch (error) {
      await bus.close();
      throw error;
    }
    return bus;
  }

  private configBytes(block: number): Uint8Array {
    return this.options.sharedConfig?.(block) ?? new Uint8Array(PCI_CONFIG_BYTES);
  }

  private async model(device: LayoutPciDevice): Promise<VirtioDeviceModel> {
    if (device.type === 'virtio-net-pci') {
      const net = new VirtioNet(device.mac ?? [0x02, 0, 0, 0x50, 0, device.slot]);
      const port = this.options.netSwitch?.connect(device.tap ?? `pci-${device.slot}`, net);
      if (port) {
        net.connect(port);
        this.closers.push(async () => port.disconnect());
      }
      return net;
    }
    const backend = await this.options.openBlock(device);
    if (backend.close) this.closers.push(() => backend.close!());
    return new VirtioBlk(backend, { readOnly: device.readOnly });
  }

  /**
   * The request is this bus's: from its zone, inside the ECAM or a window; from another zone, inside a
   * memory or I/O window, where hvisor's vPCI maps that zone's passed-through BARs and the zone's map
   * forwards the host-physical address (core/hypervisor/vpci/vpci.ts).
   */
  serves(request: BridgeRequest): boolean {
    const window = this.windowAt(request.address);
    return window !== undefined && (request.zone === this.options.zone || window !== this.windows[0]);
  }

  private windowAt(address: number): Window | undefined {
    return this.windows.find((w) => address >= w.base && address < w.base + w.size);
  }

  /** One access: a load's value, 0 for a store; 8-byte accesses are two 4-byte ones, low first. */
  handle(request: BridgeRequest): bigint {
    const window = this.windowAt(request.address);
    if (!window) return 0n;
    const offset = request.address - window.base;
    const { size } = request;
    if (request.isWrite) {
      if (size === 8) {
        window.device.write(offset, 4, Number(request.value & 0xffff_ffffn));
        window.device.write(offset + 4, 4, Number((request.value >> 32n) & 0xffff_ffffn));
      } else if (size === 1 || size === 2 || size === 4) window.device.write(offset, size, Number(request.value & 0xffff_ffffn));
      return 0n;
    }
    if (size === 8) return BigInt(window.device.read(offset, 4)) | (BigInt(window.device.read(offset + 4, 4)) << 32n);
    if (size === 1 || size === 2 || size === 4) return BigInt(window.device.read(offset, size));
    return 0n;
  }

  get hasDeferredWork(): boolean {
    return this.functions.some((f) => f.pci.transport.hasDeferredWork);
  }

  serviceDeferred(): void {
    for (const f of this.functions) if (f.pci.transport.hasDeferredWork) f.pci.transport.serviceDeferred();
  }

  /** Snapshots: each function's state by slot, once no blk request is in flight. */
  async saveState(): Promise<{ slot: number; name: string; state: VirtioPciState }[]> {
    await this.whenIdle();
    return this.functions.map((f) => ({ slot: f.slot, name: f.pci.name, state: f.pci.saveState() }));
  }

  /** Puts saved function states back; the snapshot must have the same functions in the same slots. */
  restoreState(saved: readonly { slot: number; name: string; state: VirtioPciState }[]): void {
    const have = this.functions.map((f) => `${f.pci.name} in slot ${f.slot}`).join(', ') || 'none';
    const want = saved.map((f) => `${f.name} in slot ${f.slot}`).join(', ') || 'none';
    if (have !== want) throw new Error(`PCIe host '${this.options.host.name}': the snapshot has functions ${want}, this machine serves ${have}`);
    saved.forEach((f, i) => this.functions[i]!.pci.restoreState(f.state));
  }

  async whenIdle(): Promise<void> {
    for (const f of this.functions) if (f.model instanceof VirtioBlk) await f.model.whenIdle();
  }

  async close(): Promise<void> {
    await this.whenIdle();
    for (const close of this.closers.splice(0)) await close();
  }
}
