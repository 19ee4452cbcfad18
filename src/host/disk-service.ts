/**
 * Host folders as virtio-blk disks of non-root zones, from the workbench's "Attach folder" dialog.
 *
 * virtio-mmio has no hotplug (a zone's guest finds its devices in the device tree it boots with, and
 * hvisor-tool's dynamic attach is an open request), so attaching is a change of the layout: a blk
 * device entry in its virtio_cfg.json, in a free 0x200 window of the zone's virtio region(s) with a
 * free IRQ the zone owns. The FAT32 image is built at once, with progress events, and the file is
 * written only when the image was built, so a folder FAT cannot hold never reaches the config. The
 * running machine's virtio daemon gets the device for the zone's next start (VirtioService.stageDevice).
 */
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { CommandName, CommandParams, EventName, Events } from '../shared/protocol/index';
import type { BrowseResult, DiskAttachStarted, DiskTargetZone, FolderDiskInfo } from '../shared/protocol/disks';
import type { VirtioCfgDevice, VirtioCfgMemoryRegion, VirtioConfigFile } from '../shared/model/virtio-config';
import type { ZoneConfig } from '../shared/model/zone-config';
import { checkVirtioConfig, parseVirtioConfig } from '../shared/validate/virtio-config';
import { formatZoneReport } from '../shared/validate/zone-checks';
import { formatJsonError, isJsonObject, lookupKey, readJson, type JsonObject } from '../shared/validate/json-reader';
import { loadLayout } from './layout-loader';
import { saveLayoutFiles } from './layout-files';
import { readZoneFile, rootZoneForLayout } from './zone-loader';
import { buildFolderImage, FatImageError, type FolderImage } from './disk/folder-image';
import { userRuntimeDirectory, type VirtioService } from './virtio-service';
import type { MachineHost } from './machine-host';

/** Bytes of one virtio-mmio window (registers to 0xff, device configuration from 0x100). */
export const WINDOW_BYTES = 0x200;

export class DiskAttachError extends Error {}

const hex = (n: number): string => `0x${n.toString(16)}`;
const span = (start: number, size: number): string => `${hex(start)}-${hex(start + size - 1)}`;
const toSlashes = (p: string): string => p.split(path.sep).join('/');

function inside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** A device window as the planner sees it: every enabled device of the zone, whatever its type. */
export interface UsedWindow {
  readonly addr: number;
  readonly len: number;
  readonly irq: number;
  /** How to name it in a message, e.g. "blk@0x10001000 (zones[0].devices[1])". */
  readonly label: string;
}

export type PlanResult = { readonly ok: true; readonly addr: number; readonly irq: number } | { readonly ok: false; readonly reason: string };

function zoneLabel(zone: ZoneConfig): string {
  return `zone ${zone.zoneId} "${zone.name}" (${path.basename(zone.source)})`;
}

/**
 * The lowest free 0x200-aligned window inside the zone's virtio regions and the lowest IRQ of the
 * zone no device uses; or exactly why there is none (which region or which IRQ list is full).
 * `usedIrqs` holds the IRQs taken by any device of the config (a zone's IRQs are its own, but a
 * device of another zone naming one is still a conflict worth avoiding).
 */
export function planFolderDevice(zone: ZoneConfig, used: readonly UsedWindow[], usedIrqs: ReadonlyMap<number, string> = new Map()): PlanResult {
  const regions = zone.memoryRegions.filter((r) => r.type === 'virtio');
  if (regions.length === 0) {
    return {
      ok: false,
      reason: `${zoneLabel(zone)} has no virtio memory region: add one (type "virtio", e.g. 0x10001000 size 0x1000) to ${zone.source} so that its accesses trap to the virtio daemon`,
    };
  }
  let addr: number | undefined;
  for (const region of regions) {
    const first = Math.ceil(region.physicalStart / WINDOW_BYTES) * WINDOW_BYTES;
    for (let candidate = first; candidate + WINDOW_BYTES <= region.physicalStart + region.size; candidate += WINDOW_BYTES) {
      if (!used.some((w) => candidate < w.addr + w.len && w.addr < candidate + WINDOW_BYTES)) {
        addr = candidate;
        break;
      }
    }
    if (addr !== undefined) break;
  }
  if (addr === undefined) {
    const full = regions.map((r) => {
      const taken = used.filter((w) => w.addr < r.physicalStart + r.size && r.physicalStart < w.addr + w.len);
      const windows = Math.floor(r.size / WINDOW_BYTES);
      return `${span(r.physicalStart, r.size)} (${windows} window${windows === 1 ? '' : 's'} of 0x200; used by ${taken.map((w) => w.label).join(', ') || 'nothing, but it is smaller than 0x200'})`;
    });
    return {
      ok: false,
      reason: `no free 0x200 window in the virtio region${regions.length === 1 ? '' : 's'} of ${zoneLabel(zone)}: ${full.join('; ')} ${regions.length === 1 ? 'is' : 'are'} full; enlarge a region or detach a device`,
    };
  }
  const taken = new Map(usedIrqs);
  for (const w of used) if (!taken.has(w.irq)) taken.set(w.irq, w.label);
  const irq = zone.interrupts.find((i) => i !== 0 && !taken.has(i));
  if (irq === undefined) {
    const list = zone.interrupts.length === 0 ? 'it owns no interrupts ("interrupts": [])' : `its interrupts [${zone.interrupts.join(', ')}] are all in use (${zone.interrupts.map((i) => `${i} by ${taken.get(i) ?? 'reserved'}`).join(', ')})`;
    return { ok: false, reason: `no free IRQ for ${zoneLabel(zone)}: ${list}; add an IRQ to "interrupts" in ${zone.source}` };
  }
  return { ok: true, addr, irq };
}

/** What one job needs once its image is built. */
interface AttachPlan {
  readonly job: number;
  readonly zone: ZoneConfig;
  readonly folder: string;
  readonly readOnly: boolean;
  readonly addr: number;
  readonly irq: number;
}

interface LayoutState {
  readonly folder: string;
  readonly layoutDoc: Record<string, unknown>;
  readonly layoutText: string;
  /** virtio_cfg.json: absolute path, and whether the layout names it yet. */
  readonly virtioFile: string;
  readonly virtioNamed: boolean;
  readonly virtioDoc: { zones: Record<string, unknown>[] } & Record<string, unknown>;
  readonly virtioConfig: VirtioConfigFile | undefined;
  readonly root: ZoneConfig;
  readonly zones: readonly { config: ZoneConfig; file: string }[];
}

export interface DiskServiceOptions {
  /** The layout folder. */
  readonly folder: string;
  /** The running machine, when there is one (its virtio daemon gets the device for the zone's next start). */
  readonly host: () => MachineHost | undefined;
  readonly emit: <E extends EventName>(event: E, payload: Events[E]) => void;
  /** Where images are built (default: the user's runtime directory). */
  readonly cacheDir?: string;
}

export type DiskServiceCommand = 'disk.browse' | 'disk.targets' | 'disk.attach' | 'disk.detach' | 'disk.list';
const COMMANDS: readonly string[] = ['disk.browse', 'disk.targets', 'disk.attach', 'disk.detach', 'disk.list'];

export class DiskService {
  private nextJob = 1;
  private readonly jobs = new Map<number, Promise<void>>();
  /** Windows and IRQs of jobs still building, so that two attaches never pick the same. */
  private readonly reserved = new Map<number, AttachPlan>();
  /** Manifests of images built here, for the file counts of disks not served yet. */
  private readonly built = new Map<string, FolderImage>();
  private writes: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: DiskServiceOptions) {}

  handles(command: string): command is DiskServiceCommand {
    return COMMANDS.includes(command);
  }

  async invoke(command: DiskServiceCommand, params: unknown): Promise<unknown> {
    switch (command) {
      case 'disk.browse':
        return this.browse((params as CommandParams<'disk.browse'>)?.path ?? '');
      case 'disk.targets':
        return { zones: await this.targets() };
      case 'disk.attach':
        return this.attach(params as CommandParams<'disk.attach'>);
      case 'disk.detach': {
        const { zone, addr } = params as CommandParams<'disk.detach'>;
        return { message: await this.detach(zone, addr) };
      }
      case 'disk.list':
        return { disks: await this.list() };
    }
  }

  /** Resolves when the job's image is built and the config written (or the job failed). */
  whenDone(job: number): Promise<void> {
    return this.jobs.get(job) ?? Promise.resolve();
  }

  async browse(location: string): Promise<BrowseResult> {
    const target = path.resolve(this.options.folder, location.trim() === '' ? '.' : location.trim().replace(/^~(?=$|\/)/, os.homedir()));
    const info = await stat(target).catch((error: NodeJS.ErrnoException) => {
      throw new DiskAttachError(`${target}: ${error.code === 'ENOENT' ? 'no such folder' : `cannot open (${error.code ?? error.message})`}`);
    });
    if (!info.isDirectory()) throw new DiskAttachError(`${target}: not a folder`);
    const entries = await readdir(target, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
      throw new DiskAttachError(`${target}: cannot list (${error.code ?? error.message})`);
    });
    const folders: { name: string; path: string }[] = [];
    for (const e of entries) {
      const full = path.join(target, e.name);
      // A link to a folder is listed (the image builder resolves the folder itself, not links inside it).
      if (e.isDirectory() || (e.isSymbolicLink() && (await stat(full).then((s) => s.isDirectory(), () => false)))) folders.push({ name: e.name, path: full });
    }
    folders
      .sort((a, b) => Number(a.name.startsWith('.')) - Number(b.name.startsWith('.')) || a.name.localeCompare(b.name));
    const parent = path.dirname(target);
    return {
      path: target,
      parent: parent === target ? null : parent,
      folders,
      places: [
        { name: 'Layout folder', path: this.options.folder },
        { name: 'Home', path: os.homedir() },
      ],
    };
  }

  /** Reads the layout, its zone files and its virtio_cfg.json (or an empty one to create). */
  private async readLayout(): Promise<LayoutState> {
    const loaded = await loadLayout(this.options.folder);
    const folder = loaded.folder;
    const layoutText = await readFile(loaded.file, 'utf8');
    const layoutDoc = readDocument(layoutText, loaded.file) as Record<string, unknown>;
    const root = rootZoneForLayout(loaded.board, { ...loaded.layout.root, cpus: loaded.layout.root.cpus ?? loaded.board.rootZone.cpus });
    const zones: { config: ZoneConfig; file: string }[] = [];
    for (const entry of loaded.zoneFiles) {
      const zone = await readZoneFile(entry.path, loaded.board);
      zones.push({ config: zone.config, file: toSlashes(path.relative(folder, entry.path)) });
    }
    const virtioFile = loaded.virtioFile ?? path.join(folder, 'virtio_cfg.json');
    let virtioDoc: LayoutState['virtioDoc'] = { zones: [] };
    let virtioConfig: VirtioConfigFile | undefined;
    const text = await readFile(virtioFile, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw new DiskAttachError(`${virtioFile}: cannot read the virtio config (${error.code ?? error.message})`);
    });
    if (text !== undefined) {
      const parsed = parseVirtioConfig(text, virtioFile);
      if (!parsed.config) throw new DiskAttachError(formatZoneReport(parsed.findings));
      const doc = readDocument(text, virtioFile) as Record<string, unknown>;
      // hvisor-tool finds "zones" in any case; the rewritten file spells it as its reader documents it.
      const zonesKey = lookupKey(doc as JsonObject, 'zones')?.key;
      if (zonesKey !== undefined && zonesKey !== 'zones') {
        doc.zones = doc[zonesKey];
        delete doc[zonesKey];
      }
      if (!Array.isArray(doc.zones)) throw new DiskAttachError(`${virtioFile}: describes one zone without a "zones" list; give it a "zones" array to attach folders from the workbench`);
      virtioDoc = doc as LayoutState['virtioDoc'];
      virtioConfig = parsed.config;
    }
    return { folder, layoutDoc, layoutText, virtioFile, virtioNamed: loaded.virtioFile !== undefined, virtioDoc, virtioConfig, root, zones };
  }

  private usedWindows(state: LayoutState, zone: number, except?: number): { used: UsedWindow[]; irqs: Map<number, string> } {
    const used: UsedWindow[] = [];
    const irqs = new Map<number, string>();
    for (const entry of state.virtioConfig?.zones ?? []) {
      for (const device of entry.devices) {
        if (!device.enabled) continue;
        const label = `${device.type}@${hex(device.addr)} (${device.path})`;
        if (entry.zoneId === zone && device.addr === except) continue;
        if (!irqs.has(device.irq)) irqs.set(device.irq, label);
        if (entry.zoneId === zone) used.push({ addr: device.addr, len: device.len, irq: device.irq, label });
      }
    }
    for (const plan of this.reserved.values()) {
      if (plan.zone.zoneId !== zone) continue;
      const label = `a disk being attached (${plan.folder})`;
      used.push({ addr: plan.addr, len: WINDOW_BYTES, irq: plan.irq, label });
      irqs.set(plan.irq, label);
    }
    return { used, irqs };
  }

  async targets(): Promise<DiskTargetZone[]> {
    const state = await this.readLayout();
    return state.zones.map(({ config, file }) => {
      const { used, irqs } = this.usedWindows(state, config.zoneId);
      const plan = planFolderDevice(config, used, irqs);
      return {
        id: config.zoneId,
        name: config.name,
        config: file,
        regions: config.memoryRegions.filter((r) => r.type === 'virtio').map((r) => span(r.physicalStart, r.size)),
        interrupts: [...config.interrupts],
        ...(plan.ok ? {} : { problem: plan.reason }),
      };
    });
  }

  /** The blk device of the zone that serves this folder already (an attach then changes its mode). */
  private existingDevice(state: LayoutState, zone: number, realFolder: string, realOf: Map<string, string>): VirtioCfgDevice | undefined {
    const base = path.dirname(state.virtioFile);
    for (const entry of state.virtioConfig?.zones ?? []) {
      if (entry.zoneId !== zone) continue;
      for (const device of entry.devices) {
        if (device.enabled && device.type === 'blk' && device.img !== undefined && realOf.get(path.resolve(base, device.img)) === realFolder) return device;
      }
    }
    return undefined;
  }

  private async realPaths(state: LayoutState): Promise<Map<string, string>> {
    const base = path.dirname(state.virtioFile);
    const map = new Map<string, string>();
    for (const entry of state.virtioConfig?.zones ?? []) {
      for (const device of entry.devices) {
        if (device.type !== 'blk' || device.img === undefined) continue;
        const resolved = path.resolve(base, device.img);
        map.set(resolved, await realpath(resolved).catch(() => resolved));
      }
    }
    return map;
  }

  async attach(params: CommandParams<'disk.attach'>): Promise<DiskAttachStarted> {
    const { zone: zoneId, readOnly } = params;
    if (typeof params.folder !== 'string' || params.folder.trim() === '') throw new DiskAttachError('choose a host folder to attach');
    if (typeof readOnly !== 'boolean') throw new DiskAttachError('choose a mode: read-only, or write-back on explicit sync');
    const state = await this.readLayout();
    const requested = path.resolve(state.folder, params.folder.trim());
    const info = await stat(requested).catch(() => undefined);
    if (!info) throw new DiskAttachError(`${requested}: no such folder`);
    if (!info.isDirectory()) throw new DiskAttachError(`${requested}: not a folder (a disk image file goes into virtio_cfg.json by hand)`);
    const folder = await realpath(requested);
    const target = state.zones.find((z) => z.config.zoneId === zoneId);
    if (!target) {
      throw new DiskAttachError(`the layout has no non-root zone ${zoneId} (zones: ${state.zones.map((z) => `${z.config.zoneId} "${z.config.name}"`).join(', ') || 'none'})`);
    }
    const existing = this.existingDevice(state, zoneId, folder, await this.realPaths(state));
    let addr: number;
    let irq: number;
    if (existing) {
      ({ addr, irq } = existing);
    } else {
      const { used, irqs } = this.usedWindows(state, zoneId);
      const plan = planFolderDevice(target.config, used, irqs);
      if (!plan.ok) throw new DiskAttachError(plan.reason);
      ({ addr, irq } = plan);
    }
    const job = this.nextJob++;
    const plan: AttachPlan = { job, zone: target.config, folder, readOnly, addr, irq };
    this.reserved.set(job, plan);
    this.jobs.set(job, this.runJob(plan, existing !== undefined));
    return { job, addr, irq, folder, updated: existing !== undefined, configFile: toSlashes(path.relative(state.folder, state.virtioFile)) };
  }

  private async runJob(plan: AttachPlan, updated: boolean): Promise<void> {
    const { job } = plan;
    try {
      let lastPercent = -1;
      let lastAt = 0;
      this.options.emit('disk.progress', { job, percent: 0 });
      const image = await buildFolderImage({
        folder: plan.folder,
        cacheDir: this.options.cacheDir ?? path.join(userRuntimeDirectory(), 'disks'),
        imageName: `zone${plan.zone.zoneId}-${plan.addr.toString(16)}-${Date.now().toString(36)}-${job}.img`,
        onProgress: (progress) => {
          const percent = Math.min(99, Math.floor((progress.doneBytes / Math.max(1, progress.totalBytes)) * 100));
          const now = Date.now();
          if (percent === lastPercent || (now - lastAt < 50 && percent < lastPercent + 5)) return;
          lastPercent = percent;
          lastAt = now;
          this.options.emit('disk.progress', { job, percent, ...(progress.hostPath ? { file: progress.hostPath } : {}) });
        },
      });
      this.built.set(`${plan.zone.zoneId}:${plan.addr}`, image);
      this.options.emit('disk.progress', { job, percent: 100 });
      const disk = await this.serialized(() => this.writeDevice(plan, image));
      const skipped = image.manifest.skipped.length;
      const mode = plan.readOnly ? 'read-only' : 'write-back on explicit sync';
      const message =
        `${plan.folder} ${updated ? 'is now' : 'attached'} ${mode} to zone ${plan.zone.zoneId} "${plan.zone.name}" at ${hex(plan.addr)}, IRQ ${plan.irq} ` +
        `(${image.manifest.files.length} files${skipped ? `, ${skipped} left out: ${image.manifest.skipped.map((s) => `${s.hostPath}: ${s.reason}`).join('; ')}` : ''}). ` +
        `The zone sees the disk when it (re)starts.`;
      this.options.emit('disk.attached', { job, ok: true, message, disk });
    } catch (error) {
      this.options.emit('disk.attached', { job, ok: false, message: imageErrorMessage(error, plan.folder) });
    } finally {
      this.reserved.delete(job);
    }
  }

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const next = this.writes.then(work, work);
    this.writes = next.catch(() => undefined);
    return next;
  }

  /** Writes the device entry (re-reading the files: they may have changed while the image was built). */
  private async writeDevice(plan: AttachPlan, image: FolderImage): Promise<FolderDiskInfo> {
    const state = await this.readLayout();
    const base = path.dirname(state.virtioFile);
    const img = inside(state.folder, plan.folder) && inside(state.folder, base) ? toSlashes(path.relative(base, plan.folder)) || '.' : plan.folder;
    const zoneId = plan.zone.zoneId;
    const zones = state.virtioDoc.zones;
    let entry = zones.find((z) => entryZoneId(z) === zoneId);
    if (!entry) {
      entry = { id: zoneId, memory_region: ramRegions(plan.zone).map((r) => ({ zone0_ipa: hex(r.zone0Ipa), zonex_ipa: hex(r.zonexIpa), size: hex(r.size) })), devices: [] };
      zones.push(entry);
    }
    const devicesKey = lookupKey(entry as JsonObject, 'devices')?.key ?? 'devices';
    const devices = Array.isArray(entry[devicesKey]) ? (entry[devicesKey] as Record<string, unknown>[]) : (entry[devicesKey] = []);
    const fields = { type: 'blk', addr: hex(plan.addr), len: hex(WINDOW_BYTES), irq: plan.irq, img, read_only: plan.readOnly, status: 'enable' };
    const at = devices.findIndex((d) => d.status === 'enable' && Number(d.addr) === plan.addr);
    if (at >= 0) devices[at] = { ...devices[at], ...fields };
    else devices.push(fields);
    const text = `${JSON.stringify(state.virtioDoc, null, 2)}\n`;
    const parsed = parseVirtioConfig(text, state.virtioFile);
    const findings = parsed.config ? checkVirtioConfig(parsed.config, [state.root, ...state.zones.map((z) => z.config)], {}) : parsed.findings;
    const errors = findings.filter((f) => f.severity === 'error');
    if (!parsed.config || errors.length > 0) throw new DiskAttachError(`the new device entry would not be valid; nothing was written:\n${formatZoneReport(errors)}`);
    const files = [{ path: toSlashes(path.relative(state.folder, state.virtioFile)), text }];
    if (!state.virtioNamed) files.push({ path: 'layout.json', text: `${JSON.stringify({ ...state.layoutDoc, virtio: files[0]!.path }, null, 2)}\n` });
    await saveLayoutFiles(state.folder, files);

    const configZone = parsed.config.zones.find((z) => z.zoneId === zoneId)!;
    const device = configZone.devices.find((d) => d.enabled && d.addr === plan.addr)!;
    await this.stage(state, {
      zone: zoneId,
      addr: plan.addr,
      regions: parsed.config.zones.filter((z) => z.zoneId === zoneId).flatMap((z) => z.memoryRegions),
      device,
      image,
      source: state.virtioFile,
    });
    return { zone: zoneId, zoneName: plan.zone.name, addr: plan.addr, irq: plan.irq, folder: plan.folder, readOnly: plan.readOnly, files: image.manifest.files.length, status: this.statusOf(zoneId, plan.addr, true) };
  }

  /** Hands a change to the running machine's virtio daemon; starts the daemon if it was never started. */
  private async stage(state: LayoutState, change: Parameters<VirtioService['stageDevice']>[0]): Promise<void> {
    const host = this.options.host();
    const virtio = host?.virtioService;
    if (!host || !virtio) return;
    await virtio.stageDevice(change);
    // A layout without virtio_cfg.json when the machine started has no daemon yet: start it (prepare
    // adds the staged devices to the config). It serves the new device before the zone restarts,
    // which the guest cannot notice: its device tree does not list it.
    if (change.device && !virtio.running && (host.state === 'running' || host.state === 'paused')) {
      await virtio.start(virtio.config ?? { source: state.virtioFile, zones: [] }, path.dirname(state.virtioFile));
    }
  }

  async detach(zoneId: number, addr: number): Promise<string> {
    return this.serialized(async () => {
      const state = await this.readLayout();
      const entries = state.virtioDoc.zones.filter((z) => entryZoneId(z) === zoneId);
      let removed: Record<string, unknown> | undefined;
      for (const entry of entries) {
        const listed = lookupKey(entry as JsonObject, 'devices')?.value;
        const devices = Array.isArray(listed) ? (listed as Record<string, unknown>[]) : [];
        const at = devices.findIndex((d) => d.status === 'enable' && Number(d.addr) === addr);
        if (at >= 0) [removed] = devices.splice(at, 1);
      }
      if (!removed) throw new DiskAttachError(`${state.virtioFile}: zone ${zoneId} has no device at ${hex(addr)}`);
      const file = toSlashes(path.relative(state.folder, state.virtioFile));
      await saveLayoutFiles(state.folder, [{ path: file, text: `${JSON.stringify(state.virtioDoc, null, 2)}\n` }]);
      this.built.delete(`${zoneId}:${addr}`);
      await this.stage(state, { zone: zoneId, addr, regions: [], source: state.virtioFile });
      const running = this.options.host()?.virtioService?.folderDisks.some((d) => d.zone === zoneId && d.addr === addr);
      return `${String(removed.img ?? removed.type)} removed from zone ${zoneId} (${file}); ${running ? 'the zone keeps the disk until it stops' : 'the zone starts without it'}`;
    });
  }

  private statusOf(zone: number, addr: number, configured: boolean): FolderDiskInfo['status'] {
    const virtio = this.options.host()?.virtioService;
    const served = virtio?.folderDisks.some((d) => d.zone === zone && d.addr === addr) ?? false;
    const pending = virtio?.stagedChanges().some((s) => s.zone === zone && s.addr === addr) ?? false;
    if (!configured) return 'detached';
    return served && !pending ? 'attached' : 'next-start';
  }

  /** Folder disks in virtio_cfg.json, and those still served after being removed from it. */
  async list(): Promise<FolderDiskInfo[]> {
    const virtio = this.options.host()?.virtioService;
    const served = virtio?.folderDisks ?? [];
    const disks: FolderDiskInfo[] = [];
    let state: LayoutState | undefined;
    try {
      state = await this.readLayout();
    } catch {
      state = undefined;
    }
    const base = state ? path.dirname(state.virtioFile) : this.options.folder;
    for (const entry of state?.virtioConfig?.zones ?? []) {
      for (const device of entry.devices) {
        if (!device.enabled || device.type !== 'blk' || device.img === undefined) continue;
        const resolved = path.resolve(base, device.img);
        const isFolder = await stat(resolved).then((s) => s.isDirectory(), () => false);
        if (!isFolder) continue;
        const live = served.find((d) => d.zone === entry.zoneId && d.addr === device.addr);
        const files = live?.manifest.files.length ?? this.built.get(`${entry.zoneId}:${device.addr}`)?.manifest.files.length ?? 0;
        const name = state?.zones.find((z) => z.config.zoneId === entry.zoneId)?.config.name ?? (entry.zoneId === 0 ? state?.root.name : undefined);
        disks.push({
          zone: entry.zoneId,
          ...(name ? { zoneName: name } : {}),
          addr: device.addr,
          irq: device.irq,
          folder: await realpath(resolved).catch(() => resolved),
          readOnly: device.readOnly !== false,
          files,
          status: this.statusOf(entry.zoneId, device.addr, true),
        });
      }
    }
    for (const disk of served) {
      if (disks.some((d) => d.zone === disk.zone && d.addr === disk.addr)) continue;
      disks.push({ zone: disk.zone, addr: disk.addr, folder: disk.folder, readOnly: disk.readOnly, files: disk.manifest.files.length, status: 'detached' });
    }
    return disks.sort((a, b) => a.zone - b.zone || a.addr - b.addr);
  }
}

/** The zone's ram regions as virtio_cfg.json memory_region entries (the daemon maps the guest's RAM). */
function ramRegions(zone: ZoneConfig): VirtioCfgMemoryRegion[] {
  return zone.memoryRegions
    .filter((r) => r.type === 'ram')
    .map((r, i) => ({ zone0Ipa: r.physicalStart, zonexIpa: r.virtualStart, size: r.size, path: `memory_region[${i}]` }));
}

/** An image builder error, always naming the host path. */
export function imageErrorMessage(error: unknown, folder: string): string {
  const message = (error as Error).message ?? String(error);
  if (error instanceof FatImageError) {
    const where = error.hostPath && !message.includes(error.hostPath) ? `${error.hostPath}: ` : '';
    return `cannot build a FAT32 image of ${folder}: ${where}${message}`;
  }
  if (error instanceof DiskAttachError) return message;
  return `cannot attach ${folder}: ${message}`;
}

export function isDiskServiceCommand(command: CommandName): command is DiskServiceCommand {
  return COMMANDS.includes(command);
}

/**
 * A JSON document read as hvisor-tool reads it (cJSON: the first of repeated keys counts), for
 * rewriting: the file written back means what the file read meant.
 */
function readDocument(text: string, file: string): JsonObject {
  const read = readJson(text);
  if (!read.ok) throw new DiskAttachError(formatJsonError(file, read.error));
  if (!isJsonObject(read.value)) throw new DiskAttachError(`${file}: the top level is not a JSON object`);
  return read.value;
}

/** The zone a virtio_cfg.json entry is for: only `id` names it in hvisor-tool (tools/virtio/virtio.c). */
function entryZoneId(entry: Record<string, unknown>): number | undefined {
  const id = lookupKey(entry as JsonObject, 'id')?.value;
  return typeof id === 'number' ? id : undefined;
}
