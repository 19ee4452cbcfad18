/**
 * zone0's virtio daemon (hvisor-tool's `hvisor virtio start <virtio_cfg.json>`) for a running
 * machine: reads and cross-checks the config against the zones, serves the devices through the
 * shared virtio bridge, injects completion IRQs into the zones' virtual interrupt controllers (what
 * hypercall 1 does), connects net devices to a virtual switch with a pcap capture, and resets a zone's
 * devices when the zone goes away.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { open, readFile, realpath, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { VirtioCfgDevice, VirtioCfgMemoryRegion, VirtioConfigFile } from '../shared/model/virtio-config';
import type { ZoneConfig, ZoneFinding } from '../shared/model/zone-config';
import { checkVirtioConfig, parseVirtioConfig } from '../shared/validate/virtio-config';
import { formatZoneReport } from '../shared/validate/zone-checks';
import { regionOf } from '../core/machine/shared-layout';
import type { IrqSink } from '../core/bus/types';
import type { MsiSink } from '../core/bus/msi';
import { irqChipsOf } from '../core/hypervisor/irqchips';
import type { BoardDevice } from '../shared/model/board';
import { deviceRegionName } from '../core/devices/create-devices';
import { PCI_CONFIG_BYTES } from '../core/devices/pci/pci-config-space';
import { resetVirtioBridge } from '../core/virtio/virtio-bridge';
import type { MachineView } from '../core/machine/machine';
import type { ZoneRuntime } from '../core/hypervisor/zone-runtime';
import { VirtioDaemon, type VirtioDaemonOptions } from './virtio/virtio-daemon';
import type { PciBus } from './virtio/pci-bus';
import type { VirtioPci } from '../core/virtio/virtio-pci';
import { EthernetSwitch } from './virtio/ethernet-switch';
import { PcapWriter } from './virtio/pcap-writer';
import { HostFileError } from './layout-loader';
import { FileBlockBackend } from './virtio/file-block-backend';
import { OverlayBlockBackend } from './virtio/overlay-block-backend';
import { buildFolderImage, type FolderImage, type FolderImageManifest } from './disk/folder-image';
import { applySync, computeSyncChanges, type ApplySyncResult, type SyncChangeSet } from './disk/folder-sync';
import { ensurePrivateDirectory } from './private-directory';
import { attachDmaReport, DmaReport, type DmaReportEntry } from '../core/hypervisor/dma-report';
import type { LayoutPciDevice } from '../shared/model/layout';
import type { BlockBackend } from '../core/virtio/virtio-blk';
import { decodePages, encodePages, sparsePages } from './snapshot/snapshot-file';
import { ZoneDmaIsolation } from '../core/hypervisor/dma-isolation';
import type { Iommu } from '../core/bus/dma';

export interface VirtioServiceHooks {
  output(zone: number, bytes: Uint8Array): void;
  log(line: string): void;
  deviceError(zone: number, message: string): void;
  /** Progress of a long operation (imaging a folder), 0-100. */
  progress?(what: string, percent: number): void;
}

/** This user's runtime folder, created owner-only and checked (private-directory.ts). */
export function userRuntimeDirectory(): string {
  return ensurePrivateDirectory(path.join(os.tmpdir(), `hvwb-${typeof process.getuid === 'function' ? process.getuid() : 0}`));
}

/** Reads a virtio_cfg.json and checks it against the zones; errors refuse it with the full report. */
export async function readVirtioConfig(file: string, zones: readonly ZoneConfig[]): Promise<{ config: VirtioConfigFile; findings: ZoneFinding[] }> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new HostFileError(`${file}: cannot read the virtio config (${error.code ?? error.message})`);
  });
  const parsed = parseVirtioConfig(text, file);
  const findings = [...parsed.findings];
  if (parsed.config) {
    const folder = path.dirname(file);
    findings.push(...checkVirtioConfig(parsed.config, zones, { fileExists: (p) => existsSync(path.resolve(folder, p)) }));
  }
  if (!parsed.config || findings.some((f) => f.severity === 'error')) throw new HostFileError(formatZoneReport(findings));
  return { config: parsed.config, findings };
}

/** A folder disk as a snapshot keeps it (its image's bytes are a disk section). */
interface SavedFolderDisk {
  readonly zone: number;
  readonly addr: number;
  readonly readOnly: boolean;
  readonly manifest: FolderImageManifest;
}

/** A blk device's name in snapshots and their identity. */
const blkRole = (zone: number, addr: number): string => `zone ${zone} virtio-blk@0x${addr.toString(16)}`;
const diskSection = (role: string): string => `disk:${role}`;
const isDirectory = (file: string): boolean => {
  try {
    return statSync(file).isDirectory();
  } catch {
    return false;
  }
};

/** A host folder served as a FAT32 virtio-blk disk. */
export interface FolderDisk {
  readonly zone: number;
  readonly addr: number;
  readonly folder: string;
  readonly imagePath: string;
  readonly readOnly: boolean;
  readonly manifest: FolderImageManifest;
}

/**
 * A change to a zone's devices that waits until the zone is not running: virtio-mmio has no hotplug,
 * a zone finds its devices in the device tree it boots with (disk-service.ts makes these).
 */
export interface StagedDeviceChange {
  readonly zone: number;
  readonly addr: number;
  /** The zone's memory_region entries, for a zone the config does not describe yet. */
  readonly regions: readonly VirtioCfgMemoryRegion[];
  /** The device to serve at addr; absent to remove the one there. */
  readonly device?: VirtioCfgDevice;
  /** A folder image already built for the device, used instead of building it again. */
  readonly image?: FolderImage;
  /** The virtio_cfg.json the change was written to. */
  readonly source: string;
}

/** The config with one device added, replaced or removed (a zone entry is added when missing). */
export function withDeviceChange(config: VirtioConfigFile | undefined, change: StagedDeviceChange, source = change.source): VirtioConfigFile {
  const zones = [...(config?.zones ?? [])];
  let index = zones.findIndex((z) => z.zoneId === change.zone);
  if (index < 0 && change.device) {
    zones.push({ zoneId: change.zone, memoryRegions: change.regions, devices: [], path: `zones[${zones.length}]` });
    index = zones.length - 1;
  }
  if (index >= 0) {
    const zone = zones[index]!;
    const devices = zone.devices.filter((d) => !(d.enabled && d.addr === change.addr));
    zones[index] = { ...zone, devices: change.device ? [...devices, change.device] : devices };
  }
  return { source: config?.source ?? source, zones };
}

/** The enabled virtio devices a virtio_cfg.json gives a zone: guest window and IRQ. */
export function virtioWindowsOf(config: VirtioConfigFile | undefined, zoneId: number): { addr: number; len: number; irq: number }[] {
  return (config?.zones ?? [])
    .filter((z) => z.zoneId === zoneId)
    .flatMap((z) => z.devices.filter((d) => d.enabled).map((d) => ({ addr: d.addr, len: d.len, irq: d.irq })));
}

const ZONE_DMA_GUARD = "the workbench's IOMMU hook: a function's DMA reaches only its zone's stage-2 RAM (hvisor has no IOMMU on this architecture)";
const SMMU_DMA_GUARD = "the board's SMMUv3 as hvisor programs it: a zone's functions go through the zone's stage 2 (VMID = zone id), other streams bypass";

export class VirtioService {
  private daemon: VirtioDaemon | undefined;
  /** Changes waiting for their zone to stop, and every change made, to apply to a config given later. */
  private staged: StagedDeviceChange[] = [];
  private readonly edits = new Map<string, StagedDeviceChange>();
  private daemonWork: Promise<void> = Promise.resolve();
  readonly folderDisks: FolderDisk[] = [];
  /** Every blk backend the daemon opened, by role ("zone 1 virtio-blk@0x..."), for snapshots. */
  private readonly disks = new Map<string, FileBlockBackend | OverlayBlockBackend>();
  /** A snapshot being restored: its folder disks and disk sections (prepareRestore), until the daemon opened them. */
  private restoring: { folders: readonly SavedFolderDisk[]; sections: ReadonlyMap<string, Uint8Array> } | undefined;
  /** Images written for restored folder disks (deleted at stop). */
  private readonly restoredImages: string[] = [];
  private capture: PcapWriter | undefined;
  private liveZones = new Set<number>();
  private deterministic = false;
  config: VirtioConfigFile | undefined;

  constructor(
    private readonly view: MachineView,
    private readonly runtime: ZoneRuntime,
    private readonly hooks: VirtioServiceHooks,
  ) {
    resetVirtioBridge(regionOf(view.plan.layout, view.buffer, 'virtio-bridge'));
    this.dmaReport = new DmaReport({ log: (line) => hooks.log(line), ...(view.hvTrace ? { trace: view.hvTrace } : {}) });
    // The board's IOMMU when it has one (hvisor programs the SMMUv3 at zone start), else the workbench's hook.
    const smmu = view.devices.iommu;
    if (smmu) {
      this.dmaIommu = smmu;
      this.dmaGuard = SMMU_DMA_GUARD;
      smmu.listen((e) =>
        this.dmaReport.add({
          bdf: e.streamId, device: `StreamID 0x${e.streamId.toString(16)}`, zone: e.vmid ?? -1, address: e.inputAddress, length: 0,
          access: e.read ? 'read' : 'write', reason: `SMMUv3 ${e.name}: ${e.detail}`,
        }),
      );
    } else {
      this.dmaIommu = new ZoneDmaIsolation(runtime.table, view.plan.board.arch, (blocked) => this.dmaReport.add(blocked));
      this.dmaGuard = ZONE_DMA_GUARD;
    }
    attachDmaReport(view.plan.board, { guard: this.dmaGuard, report: this.dmaReport });
  }

  /** Every DMA access of a PCIe function an IOMMU refused (decision 0027). */
  readonly dmaReport: DmaReport;
  /** The IOMMU in front of the PCIe functions' DMA: the emulator's zone isolation hook. */
  readonly dmaIommu: Iommu;
  /** What confines the functions' DMA, for the PCIe view. */
  readonly dmaGuard: string;

  get running(): boolean {
    return this.daemon !== undefined;
  }

  /**
   * The root zone's hvisor-tool owns hvisor's bridge (its hypercall 0 moved it into the root's page):
   * no request reaches this daemon, and it must not raise completions for devices the root serves.
   * It serves again once the bridge comes back (the root zone restarts, or a new machine).
   */
  get standingDown(): boolean {
    return this.runtime.virtioBridge?.base.inRoot ?? false;
  }

  /** The virtio devices of a zone, for its generated device tree. */
  devicesOf(zoneId: number): { addr: number; len: number; irq: number }[] {
    // Called right before a zone starts: its staged changes take effect now at the latest.
    this.applyStaged(zoneId);
    return virtioWindowsOf(this.config, zoneId);
  }

  /** Remembers the config before the zones start, so their device trees can describe the devices. */
  prepare(config: VirtioConfigFile): void {
    if (this.daemon) throw new HostFileError('a virtio daemon is already running for this machine (hvisor-tool runs one)');
    for (const change of this.edits.values()) config = withDeviceChange(config, change, config.source);
    this.config = config;
  }

  /**
   * Adds, replaces or removes a device of a zone for its next start: at once when the zone is not
   * running, else when it stops. The caller has written the change to virtio_cfg.json.
   */
  async stageDevice(change: StagedDeviceChange): Promise<void> {
    const key = `${change.zone}:${change.addr}`;
    this.staged = this.staged.filter((s) => `${s.zone}:${s.addr}` !== key);
    this.staged.push(change);
    this.edits.set(key, change);
    this.applyStaged(change.zone);
    await this.daemonWork;
  }

  /** Device changes still waiting for their zone to stop. */
  stagedChanges(): readonly StagedDeviceChange[] {
    return this.staged;
  }

  private isLive(zone: number): boolean {
    return this.runtime.table.live().some((slot) => slot.zoneId === zone);
  }

  private applyStaged(zone: number): void {
    const changes = this.staged.filter((s) => s.zone === zone);
    if (changes.length === 0 || this.isLive(zone)) return;
    this.staged = this.staged.filter((s) => s.zone !== zone);
    for (const change of changes) this.config = withDeviceChange(this.config, change, change.source);
    const daemon = this.daemon;
    if (!daemon) return;
    this.daemonWork = this.daemonWork.then(async () => {
      for (const change of changes) {
        try {
          await daemon.removeDevice(change.zone, change.addr);
          const served = this.folderDisks.findIndex((d) => d.zone === change.zone && d.addr === change.addr);
          if (served >= 0) this.folderDisks.splice(served, 1);
          if (!change.device) continue;
          const regions = (this.config?.zones ?? []).filter((z) => z.zoneId === change.zone).flatMap((z) => z.memoryRegions);
          await daemon.addDevice(change.zone, regions, change.device);
        } catch (error) {
          this.hooks.log(`virtio: zone ${change.zone} device 0x${change.addr.toString(16)}: ${(error as Error).message}`);
        }
      }
    });
  }

  /**
   * `pci`: PCI functions of the board's PCIe host the daemon serves too (layout.json `pci`).
   * `deterministic`: deterministic mode (decision 0025): every request is served to the end before its
   * vCPU goes on (VirtioDaemon.startDeterministic) and disk images take writes in memory only.
   */
  async start(config: VirtioConfigFile, baseDir: string, pci?: VirtioDaemonOptions['pci'], options: { deterministic?: boolean } = {}): Promise<string[]> {
    this.prepare(config);
    this.deterministic = options.deterministic === true;
    const notes: string[] = [];
    const hasNet = config.zones.some((z) => z.devices.some((d) => d.enabled && d.type === 'net')) || (pci?.devices.some((d) => d.type === 'virtio-net-pci') ?? false);
    let netSwitch: EthernetSwitch | undefined;
    if (hasNet) {
      netSwitch = new EthernetSwitch();
      const dir = path.join(userRuntimeDirectory(), 'captures');
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const capture = new PcapWriter(path.join(dir, `net-${process.pid}-${Date.now().toString(36)}.pcap`));
      this.capture = capture;
      netSwitch.tap((frame) => capture.write(frame));
      notes.push(`virtual switch capture: ${capture.path}`);
    }
    this.daemon = await VirtioDaemon.create({
      config,
      bridge: regionOf(this.view.plan.layout, this.view.buffer, 'virtio-bridge'),
      // Every bank: a zone's RAM may be in one after the first (ls3a5000's at 0xc000_0000).
      ram: this.view.bus.banks,
      baseDir,
      openBlock: (device, resolved) => this.openBlock(device, resolved, (this.config ?? config).zones.find((z) => z.devices.includes(device))?.zoneId ?? -1),
      ...(netSwitch ? { netSwitch } : {}),
      consoleOutput: (zone, bytes) => this.hooks.output(zone, bytes),
      finishRequest: () => this.injectCompleted(),
      lowerIrq: (zone, irq) => this.lowerIrq(zone, irq),
      // The message names zone, device, queue and descriptor; the daemon has already rate-limited it.
      onFault: (fault) => this.hooks.deviceError(fault.zone, `virtio: ${fault.message}${fault.deviceNeedsReset ? ' (device error: DEVICE_NEEDS_RESET until the driver resets it)' : ''}`),
      onInternalError: (error) => this.hooks.log(`virtio daemon: internal error: ${(error as Error).message}`),
      ...(pci ? { pci: { ...pci, openBlock: (device) => this.openPciBlock(pci, device), irqSink: this.physicalIrqSink(), sharedConfig: this.sharedPciConfig(pci.host), iommu: this.dmaIommu, ...(this.view.devices.msi ? { msi: this.zoneMsiSink(this.view.devices.msi, pci.zone) } : {}) } } : {}),
    });
    if (this.deterministic) this.daemon.startDeterministic();
    else this.daemon.start();
    const count = this.daemon.devices.length;
    notes.unshift(`virtio daemon serving ${count} device${count === 1 ? '' : 's'} from ${config.source}`);
    for (const f of this.daemon.pciBus?.functions ?? []) notes.push(`PCIe: ${f.pci.name} at 00:${f.slot.toString(16).padStart(2, '0')}.0`);
    if (this.standingDown) {
      notes.push(`the root zone's hvisor-tool owns the virtio bridge (page 0x${this.runtime.virtioBridge!.base.address.toString(16)}): this daemon gets no requests until the root zone restarts`);
    }
    return notes;
  }

  /** The PCIe host's configuration blocks in the machine's shared buffer (the vCPUs' host decodes the same bytes). */
  private sharedPciConfig(host: BoardDevice): (block: number) => Uint8Array {
    const region = regionOf(this.view.plan.layout, this.view.buffer, deviceRegionName(host));
    return (block) => {
      if ((block + 1) * PCI_CONFIG_BYTES > region.byteLength) throw new Error(`PCIe host '${host.name}' has no configuration block ${block} in the machine's plan`);
      return new Uint8Array(region.buffer, region.byteOffset + block * PCI_CONFIG_BYTES, PCI_CONFIG_BYTES);
    };
  }

  /**
   * The board's MSI controller as the zone's functions reach it: an address in the zone's view of the
   * controller goes where the architecture sends it (riscv64 AIA: the zone's IMSIC page of a cpu is that
   * cpu's guest interrupt file), as an IOMMU's MSI translation would; anything else as it is. The zone is
   * the one that owns the requester now (the DMA hook's zoneOf: a function hvisor's vPCI moved to zone 1
   * signals zone 1's files), else the zone the bus serves.
   */
  private zoneMsiSink(msi: MsiSink, zone: number): MsiSink {
    const arch = irqChipsOf(this.view.plan.board.arch);
    if (!arch.zoneMsiAddress) return msi;
    const board = this.view.plan.board;
    return {
      deliver: (requester, address, data) => {
        const owner = this.dmaIommu.zoneOf?.(requester.requesterId) ?? zone;
        const cpus = this.runtime.table.byId(owner)?.cpuList() ?? [];
        return msi.deliver(requester, arch.zoneMsiAddress!(board, cpus, address) ?? address, data);
      },
    };
  }

  /** The board's interrupt controller as this thread sees it, each level change under the machine's device lock. */
  private physicalIrqSink(): IrqSink | undefined {
    const chip = this.view.devices.irqChip;
    if (!chip) return undefined;
    const lock = this.view.lock;
    return {
      setLevel: (line, level) => {
        lock.acquire();
        try {
          chip.setLevel(line, level);
        } finally {
          lock.release();
        }
      },
    };
  }

  /**
   * An image file is used as hvisor-tool would. A folder becomes a FAT32 image built into the cache;
   * it is read-only unless the device says `"read_only": false`, and even then nothing reaches the
   * folder except through an explicit sync.
   */
  private async openBlock(device: VirtioCfgDevice, resolved: string, zone: number): Promise<FileBlockBackend | OverlayBlockBackend> {
    const role = blkRole(zone, device.addr);
    const backend = await this.openBlockFile(device, resolved, zone);
    this.disks.set(role, backend);
    return backend;
  }

  /** A restored machine's image disk: a copy-on-write overlay (the image stays as the snapshot hashed it), with the snapshot's pages. */
  private restoredImage(role: string, base: FileBlockBackend, readOnly: boolean): OverlayBlockBackend {
    const overlay = new OverlayBlockBackend(base, readOnly);
    const pages = this.restoring?.sections.get(diskSection(role));
    if (pages) overlay.loadPages(decodePages(pages));
    if (!readOnly) this.hooks.log(`${role}: restored from a snapshot: writes go to a copy-on-write overlay in memory (${overlay.writtenCount} pages from the snapshot); ${base.path} stays as the snapshot recorded it`);
    return overlay;
  }

  private async openPciBlock(pci: NonNullable<VirtioDaemonOptions['pci']>, device: LayoutPciDevice): Promise<BlockBackend & { close?(): Promise<void> }> {
    const opened = await pci.openBlock(device);
    const role = `pci slot ${device.slot} ${device.type}`;
    const backend = this.restoring && opened instanceof FileBlockBackend ? this.restoredImage(role, opened, device.readOnly === true) : opened;
    if (backend instanceof FileBlockBackend || backend instanceof OverlayBlockBackend) this.disks.set(role, backend);
    return backend;
  }

  /**
   * A restored folder disk: the image the snapshot saved, written to a new file of the cache, with the
   * manifest it was built with (so a later sync compares with what the guest saw at the start).
   */
  private async restoredFolder(device: VirtioCfgDevice, resolved: string, zone: number): Promise<FileBlockBackend> {
    const role = blkRole(zone, device.addr);
    const saved = this.restoring!.folders.find((f) => f.zone === zone && f.addr === device.addr);
    const pages = this.restoring!.sections.get(diskSection(role));
    if (!saved || !pages) throw new HostFileError(`${role}: the snapshot has no image of the host-folder disk ${resolved}`);
    const imagePath = path.join(userRuntimeDirectory(), 'disks', `zone${zone}-${device.addr.toString(16)}-restored-${process.pid}-${Date.now().toString(36)}.img`);
    mkdirSync(path.dirname(imagePath), { recursive: true, mode: 0o700 });
    const handle = await open(imagePath, 'wx', 0o600);
    try {
      await handle.truncate(saved.manifest.imageBytes);
      for (const [page, bytes] of decodePages(pages)) await handle.write(bytes, 0, Math.min(bytes.length, saved.manifest.imageBytes - page * 4096), page * 4096);
    } finally {
      await handle.close();
    }
    this.restoredImages.push(imagePath);
    const manifest = { ...saved.manifest, imagePath };
    this.folderDisks.push({ zone, addr: device.addr, folder: resolved, imagePath, readOnly: saved.readOnly, manifest });
    this.hooks.log(`virtio-blk@0x${device.addr.toString(16)}: ${resolved} attached from the snapshot's image (${manifest.files.length} files when it was built)`);
    return FileBlockBackend.open(imagePath, { readOnly: saved.readOnly });
  }

  private async openBlockFile(device: VirtioCfgDevice, resolved: string, zone: number): Promise<FileBlockBackend | OverlayBlockBackend> {
    const info = await stat(resolved);
    if (this.restoring) {
      if (info.isDirectory()) return this.restoredFolder(device, resolved, zone);
      return this.restoredImage(blkRole(zone, device.addr), await FileBlockBackend.open(resolved, { readOnly: true }), device.readOnly === true);
    }
    // Deterministic mode: the image file stays as it is, the run's writes live in memory.
    if (!info.isDirectory() && this.deterministic) return new OverlayBlockBackend(await FileBlockBackend.open(resolved, { readOnly: true }), device.readOnly === true);
    if (!info.isDirectory()) return FileBlockBackend.open(resolved, { readOnly: device.readOnly === true });
    const readOnly = device.readOnly !== false;
    const prebuilt = this.edits.get(`${zone}:${device.addr}`)?.image;
    let lastPercent = -10;
    if (!prebuilt) this.hooks.log(`virtio-blk@0x${device.addr.toString(16)}: building a FAT32 image of ${resolved}`);
    const image = prebuilt?.manifest.folder === (await realpath(resolved)) ? prebuilt : await buildFolderImage({
      folder: resolved,
      cacheDir: path.join(userRuntimeDirectory(), 'disks'),
      imageName: `zone${zone}-${device.addr.toString(16)}.img`,
      onProgress: (progress) => {
        const percent = Math.floor((progress.doneBytes / Math.max(1, progress.totalBytes)) * 100);
        if (percent >= lastPercent + 10) {
          lastPercent = percent;
          this.hooks.progress?.(`imaging ${resolved}`, percent);
        }
      },
    });
    for (const item of image.manifest.skipped) this.hooks.log(`virtio-blk@0x${device.addr.toString(16)}: left out ${item.hostPath}: ${item.reason}`);
    this.folderDisks.push({ zone, addr: device.addr, folder: resolved, imagePath: image.imagePath, readOnly, manifest: image.manifest });
    this.hooks.log(`virtio-blk@0x${device.addr.toString(16)}: ${resolved} attached ${readOnly ? 'read-only' : 'with write-back on explicit sync'} (${image.manifest.files.length} files)`);
    if (this.deterministic) return new OverlayBlockBackend(await FileBlockBackend.open(image.imagePath, { readOnly: true }), readOnly);
    return FileBlockBackend.open(image.imagePath, { readOnly });
  }

  /**
   * Deterministic mode's management turn, after console input: the devices finish what the input started
   * (the interrupts included) before the next round.
   */
  async settle(): Promise<void> {
    if (this.daemon && this.deterministic && !this.standingDown) await this.daemon.settle();
  }

  private folderDisk(zone: number, addr: number): FolderDisk {
    const disk = this.folderDisks.find((d) => d.zone === zone && d.addr === addr);
    if (!disk) throw new HostFileError(`zone ${zone} has no host-folder disk at 0x${addr.toString(16)}`);
    return disk;
  }

  /** What the guest created, changed or deleted on a folder disk; nothing is written. */
  async folderChanges(zone: number, addr: number): Promise<SyncChangeSet> {
    return computeSyncChanges(this.folderDisk(zone, addr).manifest);
  }

  /** Writes a folder disk's changes back to the host folder (only files inside it, atomically each). */
  async syncFolder(zone: number, addr: number, changes: SyncChangeSet): Promise<ApplySyncResult> {
    const disk = this.folderDisk(zone, addr);
    if (disk.readOnly) throw new HostFileError(`the disk of ${disk.folder} is read-only: nothing to write back`);
    return applySync(changes, { folder: disk.folder });
  }

  /**
   * Snapshots (decision 0024): the daemon's devices once idle (undefined when it serves none), the
   * folder disks' manifests and the DMA report. The disks' bytes are `diskSections`.
   */
  async saveState(): Promise<unknown> {
    if (!this.daemon) return undefined;
    await this.daemonWork;
    const daemon = await this.daemon.saveState();
    const folders: SavedFolderDisk[] = this.folderDisks.map((d) => ({ zone: d.zone, addr: d.addr, readOnly: d.readOnly, manifest: d.manifest }));
    return { ...daemon, folders, dma: { entries: this.dmaReport.list(), dropped: this.dmaReport.dropped } };
  }

  /**
   * The disks' bytes a snapshot keeps, as `pages` sections (call after saveState, while the guest stands
   * still): a folder disk's whole image (it is rebuilt from the snapshot, not from the folder), and the
   * written pages of a restored machine's overlays. Image files written in place are in the identity.
   */
  async diskSections(): Promise<{ name: string; bytes: Uint8Array; length: number }[]> {
    const sections: { name: string; bytes: Uint8Array; length: number }[] = [];
    for (const disk of this.folderDisks) {
      const image = await readFile(disk.imagePath);
      sections.push({ name: diskSection(blkRole(disk.zone, disk.addr)), bytes: sparsePages(image), length: image.length });
    }
    for (const [role, backend] of this.disks) {
      if (backend instanceof OverlayBlockBackend) sections.push({ name: diskSection(role), bytes: encodePages(backend.size, backend.writtenPages()), length: backend.size });
    }
    return sections;
  }

  /** Before start(): the snapshot's management state and disk sections the devices are opened from. */
  prepareRestore(state: unknown, sections: ReadonlyMap<string, Uint8Array>): void {
    const folders = (state as { folders?: SavedFolderDisk[] } | undefined)?.folders ?? [];
    this.restoring = { folders, sections };
  }

  restoreState(state: unknown): void {
    if (!this.daemon) throw new HostFileError('the snapshot has virtio devices, but this machine serves none');
    this.restoring = undefined;
    const saved = state as Parameters<VirtioDaemon['restoreState']>[0] & { dma?: { entries: DmaReportEntry[]; dropped: number } };
    this.daemon.restoreState(saved);
    if (saved.dma) this.dmaReport.restore(saved.dma.entries, saved.dma.dropped);
  }

  /** The image files of the enabled blk devices (a snapshot records their size and SHA-256). */
  diskFiles(baseDir: string): { role: string; path: string }[] {
    // A host folder is not hashed: its disk is the image the snapshot keeps (diskSections).
    return (this.config?.zones ?? []).flatMap((z) =>
      z.devices
        .filter((d) => d.enabled && d.type === 'blk' && d.img && !isDirectory(path.resolve(baseDir, d.img)))
        .map((d) => ({ role: blkRole(z.zoneId, d.addr), path: path.resolve(baseDir, d.img!) })),
    );
  }

  /** hv_virtio_inject_irq: each completed request's IRQ goes into its zone's virtual interrupt controller. */
  private injectCompleted(): void {
    const daemon = this.daemon;
    if (!daemon) return;
    // Under the device lock: a root vCPU's hypercall 1 drains the same res_list (one drainer at a time).
    this.view.lock.acquire();
    try {
      for (const { zone, irq } of daemon.consumer.drainResults()) {
        const slot = this.runtime.table.byId(zone);
        if (!slot) continue;
        const chip = this.runtime.virtualIrqChipOf(slot);
        if (chip) chip.inject(irq, false);
        else this.hooks.log(`virtio: zone ${zone} has no virtual interrupt controller, irq ${irq} dropped`);
      }
    } finally {
      this.view.lock.release();
    }
  }

  /**
   * A device's InterruptStatus went back to 0: where the zone's virtual controller holds an injected
   * line (loongarch64's GINTC.HWIS), it drops now (VirtualIrqChip.deassert).
   */
  private lowerIrq(zone: number, irq: number): void {
    const slot = this.runtime.table.byId(zone);
    const chip = slot ? this.runtime.virtualIrqChipOf(slot) : undefined;
    if (!chip?.deassert) return;
    this.view.lock.acquire();
    try {
      chip.deassert(irq);
    } finally {
      this.view.lock.release();
    }
  }

  /** Console bytes for a zone's hvc0; false when the zone has no virtio console. */
  /** The PCIe functions the daemon serves (undefined while it serves none). */
  get pciBus(): PciBus | undefined {
    return this.daemon?.pciBus;
  }

  /** The MSI-X tables of the PCIe functions the daemon serves, by device number (empty while it serves none). */
  pciMsixTables(): Map<number, ReturnType<VirtioPci['msixVectors']>> {
    return new Map((this.daemon?.pciBus?.functions ?? []).map((f) => [f.slot, f.pci.msixVectors()] as const));
  }

  /** The virtio console that takes a zone's typed input (its name, e.g. virtio-console@0xa003800), if any. */
  consoleName(zone: number): string | undefined {
    if (this.standingDown) return undefined;
    return this.daemon?.devices.find((d) => d.zone === zone && d.model === this.daemon!.console(zone))?.name;
  }

  consoleInput(zone: number, bytes: Uint8Array): boolean {
    if (this.standingDown) return false;
    return this.daemon?.consoleInput(zone, bytes) ?? false;
  }

  /** Drops the device state of zones that went away (their queues pointed into memory now free). */
  zonesChanged(live: readonly number[]): void {
    for (const zone of this.liveZones) if (!live.includes(zone)) this.daemon?.resetZone(zone);
    this.liveZones = new Set(live);
    for (const zone of new Set(this.staged.map((s) => s.zone))) if (!live.includes(zone)) this.applyStaged(zone);
  }

  async stop(): Promise<void> {
    await this.daemonWork;
    await this.daemon?.stop();
    this.daemon = undefined;
    const capture = this.capture;
    await capture?.close();
    if (capture && capture.dropped > 0) this.hooks.log(`virtual switch capture ${capture.path}: ${capture.dropped} frames left out (the disk was behind)`);
    this.capture = undefined;
    this.disks.clear();
    for (const image of this.restoredImages.splice(0)) await rm(image, { force: true });
  }
}
