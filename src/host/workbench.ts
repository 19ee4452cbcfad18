/**
 * The services behind the protocol: the machine running a layout, its zones and their consoles, and
 * host shells. Transports (Electron IPC, browser-mode WebSocket, the local control socket) only
 * forward to this.
 */
import { TextDecoder } from 'node:util';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CommandName, CommandParams, CommandResult, EventName, Events, LayoutSnapshot, ZoneSnapshot } from '../shared/protocol/index';
import { loadLayout, type LoadedLayout } from './layout-loader';
import { MachineHost, type ZoneStatus } from './machine-host';
import type { Disposable, EventListener, WorkbenchOptions, WorkbenchServices } from './services';
import { ShellService } from './shell-service';
import { startControlServer, type ControlServer } from './control-socket';
import { zoneCommand } from './zone-commands';
import { layoutFileCommand } from './layout-files';
import { InspectService } from './inspect-service';
import { DiskService } from './disk-service';
import { TimelineService } from './timeline-service';

/** Console backlog kept per zone for terminals that attach late. */
const BACKLOG_BYTES = 256 * 1024;

function projectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (dir !== path.dirname(dir)) {
    if (['out', 'src'].includes(path.basename(dir))) return path.dirname(dir);
    dir = path.dirname(dir);
  }
  return process.cwd();
}

export async function createWorkbenchServices(options: WorkbenchOptions): Promise<WorkbenchServices> {
  const loaded = await loadLayout(options.layoutPath);
  const services = new MachineServices(loaded);
  await services.prepare();
  await services.openControl();
  if (options.autoStart) await services.startMachine();
  return services;
}

class MachineServices implements WorkbenchServices {
  private host: MachineHost | undefined;
  private inspect: InspectService | undefined;
  private timeline: TimelineService | undefined;
  private readonly listeners = new Set<EventListener>();
  private readonly backlog = new Map<number, string>();
  private readonly decoders = new Map<number, TextDecoder>();
  private readonly shell: ShellService;
  private readonly disks: DiskService;
  private control: ControlServer | undefined;
  private machineFault: string | undefined;
  private statusTimer: ReturnType<typeof setInterval>;
  private lastStatus = '';

  constructor(private loaded: LoadedLayout) {
    const root = projectRoot();
    this.disks = new DiskService({ folder: loaded.folder, host: () => this.host, emit: (event, payload) => this.emit(event, payload) });
    this.shell = new ShellService({ cwd: loaded.folder, binDir: path.join(root, 'bin'), env: { ...process.env } });
    this.shell.onEvent((event, payload) => this.emit(event, payload));
    // Hart states change without events of their own (WFI, HSM starts); publish them when they do.
    this.statusTimer = setInterval(() => this.publishIfChanged(), 250);
  }

  async openControl(): Promise<void> {
    this.control = await startControlServer((command, params) => this.invoke(command as CommandName, params as never));
    // Shells opened from now on reach this workbench with `hvwb zone ...`.
    process.env.HVWB_CONTROL = this.control.path;
  }

  async prepare(): Promise<void> {
    const host = await MachineHost.create(this.loaded);
    host.on({
      output: (zone, _name, bytes) => this.appendConsole(zone, this.decoderOf(zone).decode(bytes, { stream: true })),
      state: () => this.publish(),
      fault: (fault) => {
        if (fault.zone < 0 || !host.zoned) this.machineFault = `hart ${fault.hart}: ${fault.message}`;
        const where = fault.zone >= 0 ? `zone ${fault.zone} (${fault.zoneName})` : 'the machine';
        this.appendConsole(Math.max(fault.zone, 0), `\r\n\x1b[31m[hvwb] ${where} stopped: ${fault.message}\x1b[0m\r\n`);
        this.emit('machine.fault', { zone: fault.zone, hart: fault.hart, message: fault.message });
        this.publish();
      },
      zones: () => this.publish(),
      log: (line) => this.emit('hypervisor.log', { line }),
    });
    this.host = host;
    this.inspect?.dispose();
    this.inspect = new InspectService(host, (event, payload) => this.emit(event, payload));
    this.timeline?.dispose();
    this.timeline = new TimelineService(host, (event, payload) => this.emit(event, payload));
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

  private async machineCommand(command: CommandName, params: unknown): Promise<unknown> {
    const host = this.host!;
    switch (command) {
      case 'layout.get':
        return this.snapshot();
      case 'machine.start':
        if (host.state === 'idle') await this.startMachine();
        return this.snapshot();
      case 'machine.pause':
        host.pause();
        return this.snapshot();
      case 'machine.resume':
        host.resume();
        return this.snapshot();
      case 'machine.reset': {
        await host.stop();
        this.machineFault = undefined;
        this.backlog.clear();
        this.decoders.clear();
        // Read the layout again: an attached folder disk may have given it a virtio_cfg.json.
        this.loaded = await loadLayout(this.loaded.file).catch(() => this.loaded);
        await this.prepare();
        await this.startMachine();
        return this.snapshot();
      }
      case 'serial.input': {
        const { zone, data } = params as CommandParams<'serial.input'>;
        host.input(new TextEncoder().encode(data), zone);
        return undefined;
      }
      case 'serial.backlog': {
        const { zone } = params as CommandParams<'serial.backlog'>;
        return { data: this.backlog.get(zone) ?? '' };
      }
      case 'zone.start':
      case 'zone.shutdown':
      case 'zone.list':
      case 'virtio.start':
      case 'disk.list':
      case 'disk.changes':
      case 'disk.sync': {
        const result = await zoneCommand(host, this.loaded.folder, command, params);
        this.publish();
        return result;
      }
      case 'layout.files':
      case 'layout.save':
        return layoutFileCommand(this.loaded.folder, command, params);
      default:
        throw new Error(`unknown command ${command}`);
    }
  }

  private snapshot(): LayoutSnapshot {
    const host = this.host!;
    const zones = host.zoneStatuses().map((zone) => this.zoneSnapshot(host, zone));
    return {
      name: this.loaded.layout.name,
      path: this.loaded.folder,
      board: this.loaded.board.name,
      arch: this.loaded.board.arch,
      state: host.state,
      zones,
    };
  }

  private zoneSnapshot(host: MachineHost, zone: ZoneStatus): ZoneSnapshot {
    const paused = host.state === 'paused' || (zone.cpus.length > 0 && zone.cpus.every((h) => host.heldHarts.has(h)));
    const state: ZoneSnapshot['state'] =
      zone.state === 'error' ? 'error' : zone.state === 'stopped' || host.state === 'idle' ? 'stopped' : paused ? 'paused' : host.state === 'faulted' ? 'error' : 'running';
    const error = zone.error ?? (zone.id === 0 ? this.machineFault : undefined);
    const config = host.layoutZones.find((z) => z.config.zoneId === zone.id)?.file;
    return {
      id: zone.id,
      name: zone.name,
      state,
      harts: host.hartSnapshots(zone.cpus),
      ...(error ? { error } : {}),
      ...(config ? { config: path.relative(this.loaded.folder, config) } : {}),
    };
  }

  private publish(): void {
    if (!this.host) return;
    const snapshot = this.snapshot();
    this.lastStatus = statusKey(snapshot);
    this.emit('machine.state', snapshot);
  }

  private publishIfChanged(): void {
    if (!this.host) return;
    const snapshot = this.snapshot();
    const key = statusKey(snapshot);
    if (key === this.lastStatus) return;
    this.lastStatus = key;
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

function statusKey(snapshot: LayoutSnapshot): string {
  return snapshot.state + snapshot.zones.map((z) => z.id + z.state + (z.error ?? '') + z.harts.map((h) => h.status).join(',')).join(';');
}
