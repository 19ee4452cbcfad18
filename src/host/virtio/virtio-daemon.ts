/**
 * The management side of virtio, in the role of hvisor-tool's `hvisor virtio start` daemon in
 * zone0: it owns the devices of one virtio_cfg.json, consumes the virtio bridge, dispatches each
 * request by (src_zone, address in [addr, addr + len)) to a virtio-mmio transport, answers the
 * waiting vCPU, and on completions pushes {zone, irq} results and calls `finishRequest` (hvisor-tool's
 * FINISH_REQ ioctl, i.e. hypercall 1, which makes the hypervisor drain the results and inject them).
 *
 * Runs on the main thread. When the ring is empty it sleeps with Atomics.waitAsync on the bridge's
 * req_rear word (need_wakeup = 1), so an idle machine costs nothing and a trapped access wakes it.
 *
 * It shares that thread with the workbench, so a guest must not be able to hold it: one turn
 * handles at most PUMP_BUDGET bridge requests, and stops early once PUMP_TIME_BUDGET_MS have gone
 * (vCPUs keep pushing while it drains, and one kick may carry a queue of 64 KiB console writes or
 * 65550-byte frames), then gives each device's deferred work one more turn, and yields to
 * the event loop before the next turn. Reports
 * are limited per device (REPORTS_PER_SECOND, then one line saying how many were left out), and
 * only the last MAX_KEPT_FAULTS are kept, so a guest that breaks and resets its device in a loop
 * cannot flood the log or grow memory.
 */
import path from 'node:path';
import type { SharedRegion } from '../../core/bus/types';
import { firstBank, type HostRamBanks, type VirtioMemoryRegion, ZoneGuestMemory } from '../../core/virtio/guest-memory';
import { type BlockBackend, VirtioBlk } from '../../core/virtio/virtio-blk';
import { type BridgeRequest, MAX_REQ, VirtioBridgeConsumer } from '../../core/virtio/virtio-bridge';
import { VirtioConsole } from '../../core/virtio/virtio-console';
import { type VirtioDeviceFault, type VirtioDeviceModel, type VirtioMmioState, Reg, VirtioMmio } from '../../core/virtio/virtio-mmio';
import { VirtioNet } from '../../core/virtio/virtio-net';
import type { VirtioCfgDevice, VirtioConfigFile } from '../../shared/model/virtio-config';
import type { EthernetSwitch, SwitchPort } from './ethernet-switch';
import { FileBlockBackend } from './file-block-backend';
import { PciBus, type PciBusOptions } from './pci-bus';

export interface VirtioDaemonOptions {
  readonly config: VirtioConfigFile;
  /** The bridge page (BRIDGE_PAGE_BYTES, 8-byte aligned) shared with the vCPU workers. */
  readonly bridge: SharedRegion;
  /** Board RAM as root-physical bytes: MachineView.bus.banks (or .ram, the first bank) fits. */
  readonly ram: HostRamBanks;
  /** Where relative `img` paths start (hvisor-tool: its working directory). */
  readonly baseDir?: string;
  /** Opens a blk image; default: a FileBlockBackend on the resolved path. */
  readonly openBlock?: (device: VirtioCfgDevice, resolvedPath: string) => Promise<BlockBackend & { close?(): Promise<void> }>;
  /** The switch net devices plug into, under their `tap` name; without one, transmitted frames vanish. */
  readonly netSwitch?: EthernetSwitch;
  /** Bytes a zone wrote to its virtio console (hvc0). */
  readonly consoleOutput?: (zone: number, bytes: Uint8Array) => void;
  /** Hypercall 1: the hypervisor drains `consumer.drainResults()` and injects the IRQs. */
  readonly finishRequest?: () => void;
  /** A device's InterruptStatus went back to 0 (VirtioMmioOptions.lowerIrq): its zone's line may drop. */
  readonly lowerIrq?: (zone: number, irq: number) => void;
  readonly onFault?: (fault: VirtioDeviceFault) => void;
  /**
   * A failure of our own code while handling a request (the vCPU has been answered 0). Without
   * this handler the background loop stops and stop() rejects with the error.
   */
  readonly onInternalError?: (error: unknown) => void;
  /** PCI functions of the board's PCIe host served for one zone (layout.json `pci`, decision 0017). */
  readonly pci?: Pick<PciBusOptions, 'host' | 'zone' | 'devices' | 'openBlock' | 'irqSink' | 'msi' | 'sharedConfig' | 'iommu'>;
  /** The longest single sleep before the loop looks again (ms). */
  readonly idleTimeoutMs?: number;
  /** Milliseconds of a monotonic clock, for the turn's time budget and the report limit (default performance.now). */
  readonly now?: () => number;
}

/** The daemon's part of a snapshot (JSON). */
export interface VirtioDaemonState {
  readonly devices: { zone: number; addr: number; name: string; state: VirtioMmioState }[];
  readonly backlog: { zone: number; irq: number }[];
  readonly pci?: Awaited<ReturnType<PciBus['saveState']>>;
  readonly netSwitch?: ReturnType<EthernetSwitch['saveState']>;
}

export interface DaemonDevice {
  readonly zone: number;
  readonly addr: number;
  readonly len: number;
  readonly irq: number;
  readonly name: string;
  readonly config: VirtioCfgDevice;
  readonly transport: VirtioMmio;
  readonly model: VirtioDeviceModel;
}

/** Bridge requests one turn of the loop handles before it yields. */
export const PUMP_BUDGET = 4 * MAX_REQ;
/** Time after which a turn takes no further bridge request (checked between requests). */
export const PUMP_TIME_BUDGET_MS = 10;
/** Reports per device per second before further ones are counted instead of logged. */
export const REPORTS_PER_SECOND = 10;
const MAX_KEPT_FAULTS = 64;

type WaitAsync = (array: Int32Array, index: number, value: number, timeout?: number) => { async: boolean; value: Promise<string> | string };

const hex = (n: number): string => '0x' + n.toString(16);

export class VirtioDaemon {
  readonly consumer: VirtioBridgeConsumer;
  readonly devices: DaemonDevice[] = [];
  /** The most recent reports (at most MAX_KEPT_FAULTS), including ones the rate limit kept from onFault. */
  readonly faults: VirtioDeviceFault[] = [];
  /** Reports left out by the rate limit so far. */
  suppressedReports = 0;
  private readonly reportWindows = new Map<string, { start: number; count: number; suppressed: number }>();
  /** Requests no device window matched (answered 0). */
  unmatched = 0;
  private readonly closers: (() => Promise<void>)[] = [];
  private readonly deviceClosers = new Map<DaemonDevice, () => Promise<void>>();
  private readonly ports: SwitchPort[] = [];
  /** Results that found res_list full even after a drain; pushed on the next occasion. */
  private backlog: { zone: number; irq: number }[] = [];
  private running = false;
  /** The device whose deferred work goes first in the next turn. */
  private deferredStart = 0;
  private loop: Promise<void> | undefined;
  /** The PCIe functions, when the options name some. */
  pciBus: PciBus | undefined;

  private constructor(private readonly options: VirtioDaemonOptions) {
    this.consumer = new VirtioBridgeConsumer(options.bridge);
  }

  /** Builds every enabled device of the file; fails (closing what it opened) if an image cannot be opened. */
  static async create(options: VirtioDaemonOptions): Promise<VirtioDaemon> {
    const daemon = new VirtioDaemon(options);
    try {
      await daemon.build();
    } catch (error) {
      await daemon.closeBackends();
      throw error;
    }
    daemon.consumer.publishMmioAddresses(daemon.devices.map((d) => d.addr));
    return daemon;
  }

  private async build(): Promise<void> {
    const { config, ram } = this.options;
    const regions = new Map<number, VirtioMemoryRegion[]>();
    for (const zone of config.zones) regions.set(zone.zoneId, [...(regions.get(zone.zoneId) ?? []), ...zone.memoryRegions]);
    for (const zone of config.zones) {
      const memory = new ZoneGuestMemory(regions.get(zone.zoneId)!, ram);
      for (const device of zone.devices) {
        if (device.enabled) await this.addModel(zone.zoneId, memory, device);
      }
    }
    const pci = this.options.pci;
    if (pci) {
      this.pciBus = await PciBus.create({
        ...pci,
        // The PCIe functions' DMA reaches the first bank, as before the daemon took every bank.
        ram: firstBank(ram),
        raise: (zone, irq) => this.raise(zone, irq),
        onFault: (fault) => this.report(fault),
        ...(this.options.netSwitch ? { netSwitch: this.options.netSwitch } : {}),
        report: (message) => this.report({ zone: pci.zone, device: pci.host.name, message: `zone ${pci.zone} ${message}`, deviceNeedsReset: false }),
      });
      const bus = this.pciBus;
      this.closers.push(() => bus.close());
    }
  }

  private async addModel(zone: number, memory: ZoneGuestMemory, device: VirtioCfgDevice): Promise<void> {
    const closers = this.closers.length;
    const model = await this.createModel(zone, device);
    if (!model) return;
    const name = `${model.kind}@${hex(device.addr)}`;
    const transport = new VirtioMmio(model, {
      zone,
      name,
      memory,
      raiseIrq: () => this.raise(zone, device.irq),
      lowerIrq: () => this.options.lowerIrq?.(zone, device.irq),
      onFault: (fault) => this.report(fault),
    });
    const entry: DaemonDevice = { zone, addr: device.addr, len: device.len, irq: device.irq, name, config: device, transport, model };
    this.devices.push(entry);
    const close = this.closers[closers];
    if (close) this.deviceClosers.set(entry, close);
  }

  private now(): number {
    return this.options.now ? this.options.now() : performance.now();
  }

  private report(fault: VirtioDeviceFault): void {
    this.faults.push(fault);
    if (this.faults.length > MAX_KEPT_FAULTS) this.faults.shift();
    const now = this.now();
    const key = `${fault.zone}:${fault.device}`;
    let window = this.reportWindows.get(key);
    if (!window || now - window.start >= 1000) {
      const left = window?.suppressed ?? 0;
      window = { start: now, count: 0, suppressed: 0 };
      this.reportWindows.set(key, window);
      if (left > 0) {
        this.options.onFault?.({ ...fault, message: `zone ${fault.zone} ${fault.device}: ${left} more report${left === 1 ? '' : 's'} left out (at most ${REPORTS_PER_SECOND} a second)` });
      }
    }
    if (window.count >= REPORTS_PER_SECOND) {
      window.suppressed++;
      this.suppressedReports++;
      return;
    }
    window.count++;
    this.options.onFault?.(fault);
  }

  /**
   * Serves one more device while running, for a zone that is not running (a zone finds its
   * virtio-mmio devices in its device tree at boot; there is no hotplug). `regions` is the zone's
   * memory_region list.
   */
  async addDevice(zone: number, regions: readonly VirtioMemoryRegion[], device: VirtioCfgDevice): Promise<void> {
    await this.addModel(zone, new ZoneGuestMemory(regions, this.options.ram), device);
    this.consumer.publishMmioAddresses(this.devices.map((d) => d.addr));
  }

  /** Stops serving a device (its zone is not running) and closes its backend. */
  async removeDevice(zone: number, addr: number): Promise<void> {
    const index = this.devices.findIndex((d) => d.zone === zone && d.addr === addr);
    if (index < 0) return;
    const [device] = this.devices.splice(index, 1);
    this.consumer.publishMmioAddresses(this.devices.map((d) => d.addr));
    if (device!.model instanceof VirtioBlk) await device!.model.whenIdle();
    const close = this.deviceClosers.get(device!);
    this.deviceClosers.delete(device!);
    if (!close) return;
    this.closers.splice(this.closers.indexOf(close), 1);
    await close();
  }

  private async createModel(zone: number, device: VirtioCfgDevice): Promise<VirtioDeviceModel | undefined> {
    switch (device.type) {
      case 'blk': {
        const resolved = path.resolve(this.options.baseDir ?? process.cwd(), device.img ?? '');
        const backend = this.options.openBlock
          ? await this.options.openBlock(device, resolved)
          : await FileBlockBackend.open(resolved, { readOnly: device.readOnly === true });
        if (backend.close) this.closers.push(() => backend.close!());
        return new VirtioBlk(backend, { readOnly: device.readOnly === true, discard: device.discard === true });
      }
      case 'net': {
        const net = new VirtioNet(device.mac ?? [0x02, 0, 0, 0, zone, this.devices.length]);
        if (this.options.netSwitch) {
          const port = this.options.netSwitch.connect(device.tap ?? `zone${zone}-${hex(device.addr)}`, net);
          this.ports.push(port);
          net.connect(port);
        }
        return net;
      }
      case 'console':
        return new VirtioConsole({ output: (bytes) => this.options.consoleOutput?.(zone, bytes) });
      default:
        // gpu and scmi are not emulated: their windows answer like an unmatched address.
        return undefined;
    }
  }

  /** The device whose window holds the access, as virtio_handle_req finds it. */
  find(zone: number, address: number): DaemonDevice | undefined {
    return this.devices.find((d) => d.zone === zone && address >= d.addr && address < d.addr + d.len);
  }

  /**
   * One bridge request. Returns the load value (0 for writes). With no matching device the answer
   * is 0, so the guest's probe sees a magic value other than 'virt' and skips the window (hvisor-tool
   * HEAD passes offset 0 to its NULL-device read and so answers the magic; the reference keeps 0).
   */
  handle(request: BridgeRequest): bigint {
    if (this.pciBus?.serves(request)) return this.pciBus.handle(request);
    const device = this.find(request.zone, request.address);
    if (!device) {
      this.unmatched++;
      return 0n;
    }
    const offset = request.address - device.addr;
    const transport = device.transport;
    if (request.isWrite) {
      if (request.size === 1 || request.size === 2 || request.size === 4) transport.write(offset, request.size, Number(request.value & 0xffff_ffffn));
      return 0n;
    }
    if (request.size === 8) {
      // Only the configuration space answers 8-byte loads (two halves, low first), as a 64-bit field there is.
      if (offset < Reg.config) return 0n;
      return BigInt(transport.read(offset, 4)) | (BigInt(transport.read(offset + 4, 4)) << 32n);
    }
    if (request.size !== 1 && request.size !== 2 && request.size !== 4) return 0n;
    return BigInt(transport.read(offset, request.size));
  }

  /**
   * One turn: at most `budget` bridge requests, then one more turn of the work devices deferred,
   * while the turn's time lasts (at least one device's).
   * Returns how many requests it handled.
   */
  pump(budget = PUMP_BUDGET): number {
    this.flushBacklog();
    const deadline = this.now() + PUMP_TIME_BUDGET_MS;
    let total = 0;
    while (total < budget && this.now() < deadline) {
      if (this.consumer.drain((r) => this.handle(r), 1) === 0) break;
      total++;
    }
    // Deferred device work shares the turn's time; a rotating start keeps one device from starving the others.
    const count = this.devices.length;
    let serviced = false;
    for (let i = 0; i < count; i++) {
      const device = this.devices[(this.deferredStart + i) % count]!;
      if (!device.transport.hasDeferredWork) continue;
      if (serviced && this.now() >= deadline) break;
      device.transport.serviceDeferred();
      serviced = true;
    }
    this.deferredStart = count === 0 ? 0 : (this.deferredStart + 1) % count;
    if (this.pciBus?.hasDeferredWork) this.pciBus.serviceDeferred();
    return total;
  }

  /** Something is left for another turn: requests in the bridge or deferred device work. */
  get busy(): boolean {
    return this.consumer.pendingRequests() > 0 || this.devices.some((d) => d.transport.hasDeferredWork) || this.pciBus?.hasDeferredWork === true;
  }

  /** Starts consuming the bridge in the background until stop(). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /**
   * Deterministic mode (decision 0025) instead of start(): the trapping vCPU holds the baton and waits
   * for the answer to every request, QueueNotify included (HypervisorOptions.answerEveryVirtioRequest),
   * so each request is served to the end before it is answered: the register access, then every piece
   * of work it started (queue turns the device deferred, disk reads and writes, frames the switch passed
   * to another zone's device) and the interrupts they raise. Nothing else touches the guest between
   * requests: no time budget, no background turns, so a completion lands at the instruction of its kick
   * on every run. Inputs from outside (console bytes) come in the management turn, followed by settle().
   */
  startDeterministic(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.runDeterministic();
  }

  private async runDeterministic(): Promise<void> {
    const waitAsync = (Atomics as unknown as { waitAsync?: WaitAsync }).waitAsync;
    while (this.running) {
      let request: BridgeRequest | undefined;
      let value = 0n;
      let failure: unknown;
      this.consumer.drain((r) => {
        request = r;
        try {
          value = this.handle(r);
        } catch (error) {
          failure = error;
        }
        return undefined;
      }, 1);
      if (request) {
        try {
          if (failure !== undefined) throw failure;
          await this.settle();
        } catch (error) {
          if (!this.options.onInternalError) throw error;
          this.options.onInternalError(error);
        } finally {
          // The vCPU waits on cfg_flags for this answer whatever the request was.
          this.consumer.complete(request.cpu, value);
        }
        continue;
      }
      if (!this.consumer.prepareSleep()) continue;
      const target = this.consumer.sleepTarget();
      if (waitAsync) {
        const result = waitAsync(target.array, target.index, target.value, this.options.idleTimeoutMs ?? 1000);
        if (result.async) await result.value;
      } else {
        await new Promise<void>((resolve) => setTimeout(resolve, 1));
      }
      this.consumer.awake();
    }
  }

  /**
   * Finishes all work the devices have (deterministic mode): deferred queue turns, every disk request in
   * flight (and those it lets start), then the interrupts still waiting for res_list.
   */
  async settle(): Promise<void> {
    for (;;) {
      while (this.devices.some((d) => d.transport.hasDeferredWork) || this.pciBus?.hasDeferredWork) {
        for (const device of this.devices) if (device.transport.hasDeferredWork) device.transport.serviceDeferred();
        if (this.pciBus?.hasDeferredWork) this.pciBus.serviceDeferred();
      }
      const models = [...this.devices.map((d) => d.model), ...(this.pciBus?.functions.map((f) => f.model) ?? [])];
      if (!models.some((m) => m instanceof VirtioBlk && m.pendingRequests > 0)) break;
      await this.whenIdle();
      await this.pciBus?.whenIdle();
    }
    this.flushBacklog();
  }

  private async run(): Promise<void> {
    const waitAsync = (Atomics as unknown as { waitAsync?: WaitAsync }).waitAsync;
    const timeout = this.options.idleTimeoutMs ?? 1000;
    while (this.running) {
      try {
        this.pump();
      } catch (error) {
        if (!this.options.onInternalError) throw error;
        this.options.onInternalError(error);
      }
      if (this.devices.some((d) => d.transport.hasDeferredWork) || this.pciBus?.hasDeferredWork || !this.consumer.prepareSleep()) {
        // Work is left for another turn, or arrived as we were about to sleep: let timers and I/O run first.
        await new Promise<void>((resolve) => setImmediate(resolve));
        continue;
      }
      const target = this.consumer.sleepTarget();
      if (waitAsync) {
        const result = waitAsync(target.array, target.index, target.value, timeout);
        if (result.async) await result.value;
      } else {
        await new Promise<void>((resolve) => setTimeout(resolve, 1));
      }
      this.consumer.awake();
    }
  }

  /** The console of a zone (the first one if it has several). */
  console(zone: number): VirtioConsole | undefined {
    return this.devices.find((d) => d.zone === zone && d.model instanceof VirtioConsole)?.model as VirtioConsole | undefined;
  }

  /** Keyboard input for a zone's hvc0. False if the zone has no virtio console. */
  consoleInput(zone: number, bytes: Uint8Array): boolean {
    const console = this.console(zone);
    console?.input(bytes);
    return console !== undefined;
  }

  /** A zone was shut down: its devices return to reset state, in-flight completions are dropped. */
  resetZone(zone: number): void {
    for (const device of this.devices) if (device.zone === zone) device.transport.reset();
  }

  /**
   * Snapshots (decision 0024): once every blk request has completed, each device's transport, queues
   * and model state, the PCIe functions' and the switch's address table; refused (naming the device)
   * for a model that cannot be saved.
   */
  async saveState(): Promise<VirtioDaemonState> {
    await this.whenIdle();
    await this.pciBus?.whenIdle();
    return {
      devices: this.devices.map((d) => ({ zone: d.zone, addr: d.addr, name: d.name, state: d.transport.saveState() })),
      backlog: [...this.backlog],
      ...(this.pciBus ? { pci: await this.pciBus.saveState() } : {}),
      ...(this.options.netSwitch ? { netSwitch: this.options.netSwitch.saveState() } : {}),
    };
  }

  /** Puts saved device states back; every saved device must be served here under the same name. */
  restoreState(saved: VirtioDaemonState): void {
    for (const entry of saved.devices) {
      const device = this.devices.find((d) => d.zone === entry.zone && d.addr === entry.addr);
      if (!device || device.name !== entry.name) throw new Error(`zone ${entry.zone}: the snapshot has ${entry.name}, this daemon serves ${device?.name ?? 'nothing'} there`);
    }
    if (saved.devices.length !== this.devices.length) throw new Error(`the snapshot has ${saved.devices.length} virtio devices, this daemon serves ${this.devices.length}`);
    if ((saved.pci !== undefined) !== (this.pciBus !== undefined)) throw new Error(`the snapshot ${saved.pci ? 'has' : 'has no'} PCIe functions, this daemon serves ${this.pciBus ? 'some' : 'none'}`);
    for (const entry of saved.devices) this.devices.find((d) => d.zone === entry.zone && d.addr === entry.addr)!.transport.restoreState(entry.state);
    if (saved.pci) this.pciBus!.restoreState(saved.pci);
    if (saved.netSwitch) this.options.netSwitch?.restoreState(saved.netSwitch);
    this.backlog = [...saved.backlog];
  }

  /** Resolves when no blk request is in flight. */
  async whenIdle(): Promise<void> {
    await Promise.all(this.devices.map((d) => (d.model instanceof VirtioBlk ? d.model.whenIdle() : undefined)));
  }

  async stop(): Promise<void> {
    this.running = false;
    this.consumer.interruptSleep();
    await this.loop;
    this.loop = undefined;
    await this.whenIdle();
    for (const port of this.ports.splice(0)) port.disconnect();
    await this.closeBackends();
  }

  private async closeBackends(): Promise<void> {
    for (const close of this.closers.splice(0)) await close();
  }

  private raise(zone: number, irq: number): void {
    // An interrupt already waiting for res_list covers this one: the backlog never exceeds the devices.
    if (!this.backlog.some((b) => b.zone === zone && b.irq === irq)) this.backlog.push({ zone, irq });
    this.flushBacklog();
  }

  private flushBacklog(): void {
    if (this.backlog.length === 0) return;
    let drained = false;
    while (this.backlog.length > 0) {
      const next = this.backlog[0]!;
      if (this.consumer.pushResult(next.zone, next.irq)) {
        this.backlog.shift();
        continue;
      }
      if (drained) break;
      // res_list full: let the hypervisor take what is there, then try once more.
      this.options.finishRequest?.();
      drained = true;
    }
    this.options.finishRequest?.();
  }
}
