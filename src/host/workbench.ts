/**
 * The services behind the protocol: the machine running a layout, its consoles, and host shells.
 * Transports (Electron IPC, browser-mode WebSocket) only forward to this.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CommandName, CommandParams, CommandResult, EventName, Events, LayoutSnapshot, ZoneSnapshot } from '../shared/protocol/index';
import { loadLayout, type LoadedLayout } from './layout-loader';
import { MachineHost } from './machine-host';
import type { Disposable, EventListener, WorkbenchOptions, WorkbenchServices } from './services';
import { ShellService } from './shell-service';

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
  if (options.autoStart) services.startMachine();
  return services;
}

class MachineServices implements WorkbenchServices {
  private host: MachineHost | undefined;
  private readonly listeners = new Set<EventListener>();
  private readonly backlog = new Map<number, string>();
  private readonly decoder = new TextDecoder();
  private readonly shell: ShellService;
  private faultMessage: string | undefined;
  private statusTimer: ReturnType<typeof setInterval>;
  private lastStatus = '';

  constructor(private readonly loaded: LoadedLayout) {
    const root = projectRoot();
    this.shell = new ShellService({ cwd: loaded.folder, binDir: path.join(root, 'bin') });
    this.shell.onEvent((event, payload) => this.emit(event, payload));
    // Hart states change without events of their own (WFI, HSM starts); publish them when they do.
    this.statusTimer = setInterval(() => this.publishIfChanged(), 250);
  }

  async prepare(): Promise<void> {
    const host = await MachineHost.create(this.loaded);
    host.on({
      output: (_zone, bytes) => {
        const text = this.decoder.decode(bytes, { stream: true });
        const previous = this.backlog.get(0) ?? '';
        this.backlog.set(0, (previous + text).slice(-BACKLOG_BYTES));
        this.emit('serial.output', { zone: 0, data: text });
      },
      state: () => this.publish(),
      fault: (fault) => {
        this.faultMessage = `hart ${fault.hart}: ${fault.message}`;
        const notice = `\r\n\x1b[31m[hvwb] zone ${fault.zone} stopped: ${this.faultMessage}\x1b[0m\r\n`;
        this.backlog.set(0, ((this.backlog.get(0) ?? '') + notice).slice(-BACKLOG_BYTES));
        this.emit('serial.output', { zone: 0, data: notice });
        this.emit('machine.fault', { zone: 0, hart: fault.hart, message: fault.message });
        this.publish();
      },
    });
    this.host = host;
  }

  startMachine(): void {
    this.host?.start();
    this.publish();
  }

  async invoke<C extends CommandName>(command: C, params: CommandParams<C>): Promise<CommandResult<C>> {
    if (this.shell.handles(command)) return this.shell.invoke(command, params as never) as Promise<CommandResult<C>>;
    const result = await this.machineCommand(command, params);
    return result as CommandResult<C>;
  }

  private async machineCommand(command: CommandName, params: unknown): Promise<unknown> {
    const host = this.host!;
    switch (command) {
      case 'layout.get':
        return this.snapshot();
      case 'machine.start':
        if (host.state === 'idle') this.startMachine();
        return this.snapshot();
      case 'machine.pause':
        host.pause();
        return this.snapshot();
      case 'machine.resume':
        host.resume();
        return this.snapshot();
      case 'machine.reset': {
        await host.stop();
        this.faultMessage = undefined;
        this.backlog.clear();
        await this.prepare();
        this.startMachine();
        return this.snapshot();
      }
      case 'serial.input': {
        const { data } = params as CommandParams<'serial.input'>;
        host.input(new TextEncoder().encode(data));
        return undefined;
      }
      case 'serial.backlog': {
        const { zone } = params as CommandParams<'serial.backlog'>;
        return { data: this.backlog.get(zone) ?? '' };
      }
      default:
        throw new Error(`unknown command ${command}`);
    }
  }

  private snapshot(): LayoutSnapshot {
    const host = this.host!;
    const harts = host.hartSnapshots();
    const zoneState: ZoneSnapshot['state'] =
      host.state === 'faulted' ? 'error' : host.state === 'paused' ? 'paused' : host.state === 'running' ? 'running' : 'stopped';
    const zone: ZoneSnapshot = {
      id: 0,
      name: 'root',
      state: zoneState,
      harts,
      ...(this.faultMessage ? { error: this.faultMessage } : {}),
    };
    return {
      name: this.loaded.layout.name,
      path: this.loaded.folder,
      board: this.loaded.board.name,
      arch: this.loaded.board.arch,
      state: host.state,
      zones: [zone],
    };
  }

  private publish(): void {
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
    this.shell.dispose();
    await this.host?.stop();
    this.listeners.clear();
  }
}

function statusKey(snapshot: LayoutSnapshot): string {
  return snapshot.state + snapshot.zones.map((z) => z.state + z.harts.map((h) => h.status).join(',')).join(';');
}
