/**
 * zone0's virtio daemon (hvisor-tool's `hvisor virtio start <virtio_cfg.json>`) for a running
 * machine: reads and cross-checks the config against the zones, serves the devices through the
 * shared virtio bridge, injects completion IRQs into the zones' vPLICs (what hypercall 1 does),
 * connects net devices to a virtual switch with a pcap capture, and resets a zone's devices when the
 * zone goes away.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { VirtioCfgDevice, VirtioConfigFile } from '../shared/model/virtio-config';
import type { ZoneConfig, ZoneFinding } from '../shared/model/zone-config';
import { checkVirtioConfig, parseVirtioConfig } from '../shared/validate/virtio-config';
import { formatZoneReport } from '../shared/validate/zone-checks';
import { regionOf } from '../core/machine/shared-layout';
import { resetVirtioBridge } from '../core/virtio/virtio-bridge';
import type { MachineView } from '../core/machine/machine';
import type { ZoneRuntime } from '../core/hypervisor/zone-runtime';
import { VirtioDaemon } from './virtio/virtio-daemon';
import { EthernetSwitch } from './virtio/ethernet-switch';
import { PcapWriter } from './virtio/pcap-writer';
import { HostFileError } from './layout-loader';
import { FileBlockBackend } from './virtio/file-block-backend';
import { buildFolderImage, type FolderImageManifest } from './disk/folder-image';
import { applySync, computeSyncChanges, type ApplySyncResult, type SyncChangeSet } from './disk/folder-sync';

export interface VirtioServiceHooks {
  output(zone: number, bytes: Uint8Array): void;
  log(line: string): void;
  deviceError(zone: number, message: string): void;
  /** Progress of a long operation (imaging a folder), 0-100. */
  progress?(what: string, percent: number): void;
}

function userRuntimeDirectory(): string {
  return path.join(os.tmpdir(), `hvwb-${typeof process.getuid === 'function' ? process.getuid() : 0}`);
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

/** A host folder served as a FAT32 virtio-blk disk. */
export interface FolderDisk {
  readonly zone: number;
  readonly addr: number;
  readonly folder: string;
  readonly imagePath: string;
  readonly readOnly: boolean;
  readonly manifest: FolderImageManifest;
}

export class VirtioService {
  private daemon: VirtioDaemon | undefined;
  readonly folderDisks: FolderDisk[] = [];
  private capture: PcapWriter | undefined;
  private liveZones = new Set<number>();
  config: VirtioConfigFile | undefined;

  constructor(
    private readonly view: MachineView,
    private readonly runtime: ZoneRuntime,
    private readonly hooks: VirtioServiceHooks,
  ) {
    resetVirtioBridge(regionOf(view.plan.layout, view.buffer, 'virtio-bridge'));
  }

  get running(): boolean {
    return this.daemon !== undefined;
  }

  /** The virtio devices of a zone, for its generated device tree. */
  devicesOf(zoneId: number): { addr: number; len: number; irq: number }[] {
    return (this.config?.zones ?? [])
      .filter((z) => z.zoneId === zoneId)
      .flatMap((z) => z.devices.filter((d) => d.enabled).map((d) => ({ addr: d.addr, len: d.len, irq: d.irq })));
  }

  /** Remembers the config before the zones start, so their device trees can describe the devices. */
  prepare(config: VirtioConfigFile): void {
    if (this.daemon) throw new HostFileError('a virtio daemon is already running for this machine (hvisor-tool runs one)');
    this.config = config;
  }

  async start(config: VirtioConfigFile, baseDir: string): Promise<string[]> {
    this.prepare(config);
    const notes: string[] = [];
    const hasNet = config.zones.some((z) => z.devices.some((d) => d.enabled && d.type === 'net'));
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
      ram: this.view.bus.ram,
      baseDir,
      openBlock: (device, resolved) => this.openBlock(device, resolved, config.zones.find((z) => z.devices.includes(device))?.zoneId ?? -1),
      ...(netSwitch ? { netSwitch } : {}),
      consoleOutput: (zone, bytes) => this.hooks.output(zone, bytes),
      finishRequest: () => this.injectCompleted(),
      onFault: (fault) => this.hooks.deviceError(fault.zone, `virtio ${fault.device}: ${fault.message}`),
      onInternalError: (error) => this.hooks.log(`virtio daemon: internal error: ${(error as Error).message}`),
    });
    this.daemon.start();
    const count = this.daemon.devices.length;
    notes.unshift(`virtio daemon serving ${count} device${count === 1 ? '' : 's'} from ${config.source}`);
    return notes;
  }

  /**
   * An image file is used as hvisor-tool would. A folder becomes a FAT32 image built into the cache;
   * it is read-only unless the device says `"read_only": false`, and even then nothing reaches the
   * folder except through an explicit sync.
   */
  private async openBlock(device: VirtioCfgDevice, resolved: string, zone: number): Promise<FileBlockBackend> {
    const info = await stat(resolved);
    if (!info.isDirectory()) return FileBlockBackend.open(resolved, { readOnly: device.readOnly === true });
    const readOnly = device.readOnly !== false;
    this.hooks.log(`virtio-blk@0x${device.addr.toString(16)}: building a FAT32 image of ${resolved}`);
    let lastPercent = -10;
    const image = await buildFolderImage({
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
    return FileBlockBackend.open(image.imagePath, { readOnly });
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

  /** hv_virtio_inject_irq: each completed request's IRQ goes into its zone's vPLIC. */
  private injectCompleted(): void {
    const daemon = this.daemon;
    if (!daemon) return;
    const results = daemon.consumer.drainResults();
    if (results.length === 0) return;
    this.view.lock.acquire();
    try {
      for (const { zone, irq } of results) {
        const slot = this.runtime.table.byId(zone);
        if (!slot) continue;
        this.runtime.vplicOf(slot).inject(irq, false);
      }
    } finally {
      this.view.lock.release();
    }
  }

  /** Console bytes for a zone's hvc0; false when the zone has no virtio console. */
  consoleInput(zone: number, bytes: Uint8Array): boolean {
    return this.daemon?.consoleInput(zone, bytes) ?? false;
  }

  /** Drops the device state of zones that went away (their queues pointed into memory now free). */
  zonesChanged(live: readonly number[]): void {
    for (const zone of this.liveZones) if (!live.includes(zone)) this.daemon?.resetZone(zone);
    this.liveZones = new Set(live);
  }

  async stop(): Promise<void> {
    await this.daemon?.stop();
    this.daemon = undefined;
    await this.capture?.close();
    this.capture = undefined;
  }
}
