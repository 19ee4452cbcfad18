/**
 * The services behind the protocol: the machine running a layout, its zones and their consoles, and
 * host shells. Transports (Electron IPC, browser-mode WebSocket, the local control socket) only
 * forward to this.
 *
 * A layout that cannot start (a finding, a missing image) still opens: the snapshot carries the
 * problem, the zone editor can read and save the files, and Start or Reset reads them again.
 */
import { stat } from 'node:fs/promises';
import { TextDecoder } from 'node:util';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CommandName, CommandParams, CommandResult, EventName, Events, HypervisorLogLine, LayoutSnapshot, ZoneSnapshot } from '../shared/protocol/index';
import { HostFileError, loadLayout, type LoadedLayout } from './layout-loader';
import { MachineHost, type ZoneStatus } from './machine-host';
import type { Disposable, EventListener, WorkbenchOptions, WorkbenchServices } from './services';
import { ShellService } from './shell-service';
import { startControlServer, type ControlServer } from './control-socket';
import { zoneCommand } from './zone-commands';
import { layoutFileCommand } from './layout-files';
import { InspectService } from './inspect-service';
import { DiskService } from './disk-service';
import { TimelineService } from './timeline-service';
import { zoneSymbols } from './symbols';
import { machinePciBlocks, pciBusState } from './pci-service';
import { DisplayService } from './display-service';
import { cpuModel } from '../core/cpu-models';
import { listSnapshots, saveSnapshotCommand, snapshotPath } from './snapshot/snapshot-service';

/** Console backlog kept per zone for terminals that attach late. */
const BACKLOG_BYTES = 256 * 1024;
/** Hypervisor log lines kept for views that open late (as many as the renderer keeps). */
const LOG_BACKLOG_LINES = 2000;
/** Instruction counters move all the time: republish them this often even when no state changed. */
const COUNTER_REFRESH_MS = 1000;
/** hvisor's own line and the workbench's about one zone start or shutdown arrive this close together. */
const SAME_EVENT_MS = 1500;

function projectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (dir !== path.dirname(dir)) {
    if (['out', 'src'].includes(path.basename(dir))) return path.dirname(dir);
    dir = path.dirname(dir);
  }
  return process.cwd();
}

export async function createWorkbenchServices(options: WorkbenchOptions): Promise<WorkbenchServices> {
  const services = new MachineServices(await layoutLocation(options.layoutPath));
  await services.openControl();
  await services.open();
  if (options.autoStart && services.ready) await services.startMachine();
  return services;
}

/** The layout folder and its layout.json; only a path that does not exist at all is refused here. */
async function layoutLocation(location: string): Promise<{ folder: string; file: string }> {
  const resolved = path.resolve(location);
  const info = await stat(resolved).catch(() => undefined);
  if (!info) throw new HostFileError(`${location}: no such layout folder or file`);
  const file = info.isDirectory() ? path.join(resolved, 'layout.json') : resolved;
  return { folder: path.dirname(file), file };
}

class MachineServices implements WorkbenchServices {
  private host: MachineHost | undefined;
  /** The Display view's frames, for the machine `host` it was built over. */
  private display: { host: MachineHost; service: DisplayService } | undefined;
  private loaded: LoadedLayout | undefined;
  /** Why the layout cannot run (undefined once it loaded). */
  private problem: string | undefined;
  private inspect: InspectService | undefined;
  private timeline: TimelineService | undefined;
  private readonly listeners = new Set<EventListener>();
  private readonly backlog = new Map<number, string>();
  private readonly decoders = new Map<number, TextDecoder>();
  private readonly shell: ShellService;
  /** The environment of shells opened from the workbench (HVWB_CONTROL names this workbench). */
  private readonly shellEnv: NodeJS.ProcessEnv = { ...process.env };
  private readonly disks: DiskService;
  private control: ControlServer | undefined;
  private machineFault: string | undefined;
  private statusTimer: ReturnType<typeof setInterval>;
  private lastStatus = '';
  private lastCounters = '';
  private lastPublished = 0;
  private readonly log: HypervisorLogLine[] = [];
  private logSeq = 0;
  /** Zone states last seen, to log starts and shutdowns however they happened (hypercall, command, layout). */
  private readonly zoneStates = new Map<number, ZoneStatus['state']>();
  /** Per hart: its retired count when its zone last started or stopped (the sidebar counts from there). */
  private readonly retiredBase = new Map<number, number>();
  /** When a zone's start or shutdown ("1:start") was last logged, so that it is logged once. */
  private readonly lifecycleLogged = new Map<string, number>();

  constructor(private readonly location: { readonly folder: string; readonly file: string }) {
    const root = projectRoot();
    this.disks = new DiskService({ folder: location.folder, host: () => this.host, emit: (event, payload) => this.emit(event, payload) });
    this.shell = new ShellService({ cwd: location.folder, binDir: path.join(root, 'bin'), env: this.shellEnv });
    this.shell.onEvent((event, payload) => this.emit(event, payload));
    // Hart states change without events of their own (WFI, HSM starts); publish them when they do.
    this.statusTimer = setInterval(() => this.publishIfChanged(), 250);
  }

  get ready(): boolean {
    return this.host !== undefined;
  }

  async openControl(): Promise<void> {
    this.control = await startControlServer((command, params) => this.invoke(command as CommandName, params as never));
    // The workbench's own shells reach this workbench with `hvwb zone ...` (not whichever else runs).
    this.shellEnv.HVWB_CONTROL = this.control.path;
  }

  /** Reads the layout and prepares its machine; a layout that cannot run is kept as the problem to show. */
  async open(): Promise<void> {
    try {
      this.loaded = await loadLayout(this.location.file);
      await this.prepare();
      this.problem = undefined;
    } catch (error) {
      this.host = undefined;
      this.inspect?.dispose();
      this.inspect = undefined;
      this.timeline?.dispose();
      this.timeline = undefined;
      this.problem = (error as Error).message;
      this.appendLog(`the layout ${this.location.file} cannot start:\n${this.problem}`);
    }
  }

  /** `restored`: a machine built from a snapshot (snapshot.restore) instead of a new one. */
  private async prepare(restored?: MachineHost): Promise<void> {
    const host = restored ?? (await MachineHost.create(this.loaded!));
    host.on({
      output: (zone, _name, bytes) => this.appendConsole(zone, this.decoderOf(zone).decode(bytes, { stream: true })),
      state: () => this.publish(),
      fault: (reported) => {
        // The report names the pc; the zone's symbols say which function it is in.
        const fault = { ...reported, message: zoneSymbols(host).annotate(Math.max(reported.zone, 0), reported.message) };
        if (fault.zone < 0 || !host.zoned) this.machineFault = `hart ${fault.hart}: ${fault.message}`;
        const where = fault.zone >= 0 ? `zone ${fault.zone} (${fault.zoneName})` : 'the machine';
        this.appendConsole(Math.max(fault.zone, 0), `\r\n\x1b[31m[hvwb] ${where} stopped: ${fault.message}\x1b[0m\r\n`);
        this.appendLog(`${where} stopped on an error: ${fault.message}`);
        this.emit('machine.fault', { zone: fault.zone, hart: fault.hart, message: fault.message });
        this.publish();
      },
      zones: () => this.publish(),
      log: (line) => {
        const event = lifecycleEvent(line);
        if (!event || this.firstReport(event)) this.appendLog(line);
      },
    });
    this.host = host;
    this.zoneStates.clear();
    this.retiredBase.clear();
    for (const zone of host.zoneStatuses()) this.zoneStates.set(zone.id, zone.state);
    this.inspect?.dispose();
    this.inspect = new InspectService(host, (event, payload) => this.emit(event, payload));
    this.timeline?.dispose();
    this.timeline = new TimelineService(host, (event, payload) => this.emit(event, payload));
  }

  private appendLog(line: string): void {
    const entry: HypervisorLogLine = { seq: ++this.logSeq, time: Date.now(), line };
    this.log.push(entry);
    if (this.log.length > LOG_BACKLOG_LINES) this.log.splice(0, this.log.length - LOG_BACKLOG_LINES);
    this.emit('hypervisor.log', entry);
  }

  /** False for the second report of one zone start or shutdown (hvisor's line and the workbench's). */
  private firstReport(event: string): boolean {
    const now = Date.now();
    const last = this.lifecycleLogged.get(event);
    if (last !== undefined && now - last < SAME_EVENT_MS) {
      this.lifecycleLogged.delete(event);
      return false;
    }
    this.lifecycleLogged.set(event, now);
    return true;
  }

  /**
   * Logs zone starts and shutdowns, however they happened (hypercall, command, layout), and restarts
   * their harts' counters.
   */
  private noteZoneChanges(host: MachineHost): void {
    for (const zone of host.zoneStatuses()) {
      const before = this.zoneStates.get(zone.id) ?? 'stopped';
      if (before === zone.state) continue;
      this.zoneStates.set(zone.id, zone.state);
      const label = `zone ${zone.id} (${zone.name})`;
      if (before === 'stopped' && this.firstReport(`${zone.id}:start`)) {
        this.appendLog(`${label} started on hart${zone.cpus.length === 1 ? '' : 's'} ${zone.cpus.join(', ')}`);
      } else if (zone.state === 'stopped' && this.firstReport(`${zone.id}:shutdown`)) this.appendLog(`${label} shut down`);
      if (before === 'stopped' || zone.state === 'stopped') {
        for (const hart of host.hartSnapshots(zone.cpus)) this.retiredBase.set(hart.id, hart.retired);
      }
    }
  }

  private decoderOf(zone: number): TextDecoder {
    let decoder = this.decoders.get(zone);
    if (!decoder) this.decoders.set(zone, (decoder = new TextDecoder()));
    return decoder;
  }

  private appendConsole(zone: number, text: string): void {
    this.backlog.set(zone, ((this.backlog.get(zone) ?? '') + text).slice(-BACKLOG_BYTES));
    this.emit('serial.output', { zone, data: text });
  }

  async startMachine(): Promise<void> {
    await this.host?.start();
    this.publish();
  }

  /** Reads the layout again (the editor may have fixed it) and starts it. */
  private async reopen(): Promise<void> {
    await this.host?.stop();
    this.machineFault = undefined;
    this.backlog.clear();
    this.decoders.clear();
    await this.open();
    if (this.host) await this.startMachine();
    else this.publish();
  }

  async invoke<C extends CommandName>(command: C, params: CommandParams<C>): Promise<CommandResult<C>> {
    if (this.shell.handles(command)) return this.shell.invoke(command, params as never) as Promise<CommandResult<C>>;
    if (this.disks.handles(command)) return this.disks.invoke(command, params) as Promise<CommandResult<C>>;
    if (this.inspect?.handles(command)) {
      const result = await this.inspect.invoke(command, params);
      if (command.startsWith('zone.')) this.publish();
      return result as CommandResult<C>;
    }
    if (this.timeline?.handles(command)) return (await this.timeline.invoke(command, params)) as CommandResult<C>;
    const result = await this.machineCommand(command, params);
    return result as CommandResult<C>;
  }

  private displayService(): DisplayService | undefined {
    const host = this.host;
    if (!host) return undefined;
    if (this.display?.host !== host) {
      this.display = { host, service: new DisplayService(host.plan.board, host.plan.layout, host.view.buffer, () => host.state === 'running' || host.state === 'paused') };
    }
    return this.display.service;
  }

  private async machineCommand(command: CommandName, params: unknown): Promise<unknown> {
    switch (command) {
      case 'pci.bus': {
        if (!this.loaded) throw new Error(this.problem ?? 'no layout is loaded');
        const host = this.host;
        const machine = host
          ? { board: host.plan.board, block: machinePciBlocks(host.plan, host.view.buffer, host.plan.board), live: host.state === 'running' || host.state === 'paused', msix: () => host.pciMsixTables() }
          : undefined;
        return pciBusState({ loaded: this.loaded, ...(machine ? { machine } : {}) });
      }
      case 'display.list':
        return { displays: this.displayService()?.list() ?? [] };
      case 'display.frame': {
        const service = this.displayService();
        if (!service) throw new Error('no machine is built: nothing to display');
        const { id, since } = params as CommandParams<'display.frame'>;
        return service.frame(id, since);
      }
      case 'layout.get':
        return this.snapshot();
      case 'hypervisor.backlog':
        return { lines: [...this.log] };
      case 'layout.files':
      case 'layout.save':
        return layoutFileCommand(this.location.folder, command, params);
      case 'serial.backlog': {
        const { zone } = params as CommandParams<'serial.backlog'>;
        return { data: this.backlog.get(zone) ?? '' };
      }
      default:
        break;
    }
    const host = this.host;
    if (!host) {
      if (command !== 'machine.start' && command !== 'machine.reset') throw new Error(`the layout cannot start: ${this.problem ?? 'it is not loaded'}`);
      await this.reopen();
      if (!this.host) throw new Error(`the layout still cannot start:\n${this.problem ?? ''}`);
      return this.snapshot();
    }
    switch (command) {
      case 'machine.start':
        if (host.state === 'idle') await this.startMachine();
        return this.snapshot();
      case 'machine.pause':
        host.pause();
        return this.snapshot();
      case 'machine.resume':
        host.resume();
        return this.snapshot();
      case 'machine.reset':
        // Read the layout again: the editor or an attached folder disk may have changed its files.
        await this.reopen();
        return this.snapshot();
      case 'snapshot.save': {
        const saved = await saveSnapshotCommand(host, this.location.folder, (params as CommandParams<'snapshot.save'>).file);
        this.appendLog(`snapshot saved to ${saved.file}: ${saved.bytes} bytes in ${Math.round(saved.totalMs)} ms (the guest stood still ${Math.round(saved.pauseMs + saved.copyMs)} ms)`);
        return saved;
      }
      case 'snapshot.restore':
        return this.restoreSnapshot((params as CommandParams<'snapshot.restore'>).file);
      case 'snapshot.list':
        return { files: await listSnapshots(this.location.folder) };
      case 'serial.input': {
        const { zone, data } = params as CommandParams<'serial.input'>;
        host.input(new TextEncoder().encode(data), zone);
        return undefined;
      }
      case 'zone.start':
      case 'zone.shutdown':
      case 'zone.list':
      case 'virtio.start':
      case 'disk.list':
      case 'disk.changes':
      case 'disk.sync': {
        const result = await zoneCommand(host, this.location.folder, command, params);
        this.publish();
        return result;
      }
      default:
        throw new Error(`unknown command ${command}`);
    }
  }

  /**
   * Builds a machine from the snapshot and checks it against the layout as it is on disk now; only
   * then is the running machine stopped and replaced. Any refusal leaves it as it was.
   */
  private async restoreSnapshot(file: string): Promise<CommandResult<'snapshot.restore'>> {
    const started = performance.now();
    const target = snapshotPath(this.location.folder, file, this.loaded?.layout.name ?? '');
    const loaded = await loadLayout(this.location.file);
    const restored = await MachineHost.fromSnapshot(loaded, target);
    await this.host?.stop();
    this.loaded = loaded;
    this.problem = undefined;
    this.machineFault = undefined;
    await this.prepare(restored.host);
    await restored.host.start(restored.restore);
    for (const zone of restored.host.zoneStatuses()) this.appendConsole(zone.id, `\r\n\x1b[36m[hvwb] restored from ${path.basename(target)}\x1b[0m\r\n`);
    const totalMs = performance.now() - started;
    this.appendLog(`snapshot ${target} restored in ${Math.round(totalMs)} ms`);
    this.publish();
    return { file: target, bytes: restored.bytes, readMs: restored.readMs, totalMs };
  }

  private snapshot(): LayoutSnapshot {
    const host = this.host;
    if (!host || !this.loaded) return this.problemSnapshot();
    const zones = host.zoneStatuses().map((zone) => this.zoneSnapshot(host, zone));
    return {
      name: this.loaded.layout.name,
      path: this.loaded.folder,
      board: this.loaded.board.name,
      arch: this.loaded.board.arch,
      cpuNoun: cpuModel(this.loaded.board.arch).cpuNoun,
      state: host.state,
      ...(host.deterministicStatus ? { deterministic: host.deterministicStatus } : {}),
      zones,
    };
  }

  /** A layout that cannot start: what layout.json names, no zones, and the problem. */
  private problemSnapshot(): LayoutSnapshot {
    return {
      name: this.problemName,
      path: this.location.folder,
      board: this.loaded?.board.name ?? '',
      arch: this.loaded?.board.arch ?? '',
      cpuNoun: this.loaded ? cpuModel(this.loaded.board.arch).cpuNoun : 'CPU',
      state: 'idle',
      zones: [],
      problem: this.problem ?? 'the layout is not loaded',
    };
  }

  private get problemName(): string {
    return this.loaded?.layout.name ?? path.basename(this.location.folder);
  }

  private zoneSnapshot(host: MachineHost, zone: ZoneStatus): ZoneSnapshot {
    const paused = host.state === 'paused' || (zone.cpus.length > 0 && zone.cpus.every((h) => host.heldHarts.has(h)));
    const state: ZoneSnapshot['state'] =
      zone.state === 'error' ? 'error' : zone.state === 'stopped' || host.state === 'idle' ? 'stopped' : paused ? 'paused' : host.state === 'faulted' ? 'error' : 'running';
    const error = zone.error !== undefined ? zoneSymbols(host).annotate(zone.id, zone.error) : zone.id === 0 ? this.machineFault : undefined;
    const config = host.layoutZones.find((z) => z.config.zoneId === zone.id)?.file;
    const folder = this.location.folder;
    const harts = host.hartSnapshots(zone.cpus).map((hart) => ({ ...hart, retired: Math.max(0, hart.retired - (this.retiredBase.get(hart.id) ?? 0)) }));
    return {
      id: zone.id,
      name: zone.name,
      state,
      harts,
      ...(error ? { error } : {}),
      ...(config ? { config: path.relative(folder, config) } : {}),
    };
  }

  private publish(): void {
    if (this.host) this.noteZoneChanges(this.host);
    const snapshot = this.snapshot();
    this.lastStatus = statusKey(snapshot);
    this.lastCounters = countersKey(snapshot);
    this.lastPublished = Date.now();
    this.emit('machine.state', snapshot);
  }

  /** Publishes when a state changed, and about once a second while instruction counters move. */
  private publishIfChanged(): void {
    if (!this.host) return;
    this.noteZoneChanges(this.host);
    const snapshot = this.snapshot();
    const key = statusKey(snapshot);
    const counters = countersKey(snapshot);
    const countersDue = counters !== this.lastCounters && Date.now() - this.lastPublished >= COUNTER_REFRESH_MS;
    if (key === this.lastStatus && !countersDue) return;
    this.lastStatus = key;
    this.lastCounters = counters;
    this.lastPublished = Date.now();
    this.emit('machine.state', snapshot);
  }

  onEvent(listener: EventListener): Disposable {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  private emit<E extends EventName>(event: E, payload: Events[E]): void {
    for (const listener of this.listeners) listener(event, payload);
  }

  async dispose(): Promise<void> {
    clearInterval(this.statusTimer);
    this.inspect?.dispose();
    this.timeline?.dispose();
    this.shell.dispose();
    await this.control?.close();
    await this.host?.stop();
    this.listeners.clear();
  }
}

/** "1:start" or "1:shutdown" for hvisor's own lines about a zone (core/hypervisor/hypervisor.ts startZone / shutdownZone). */
function lifecycleEvent(line: string): string | undefined {
  const started = /\bzone (\d+)\b[^:]* started on cpus? /.exec(line);
  if (started) return `${started[1]}:start`;
  const shut = /\bzone (\d+) shut down\b/.exec(line);
  return shut ? `${shut[1]}:shutdown` : undefined;
}

function countersKey(snapshot: LayoutSnapshot): string {
  return snapshot.zones.map((z) => z.harts.map((h) => h.retired).join(',')).join(';');
}

function statusKey(snapshot: LayoutSnapshot): string {
  return snapshot.state + snapshot.zones.map((z) => z.id + z.state + (z.error ?? '') + z.harts.map((h) => h.status).join(',')).join(';');
}
