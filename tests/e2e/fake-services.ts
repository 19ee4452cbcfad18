/**
 * A stand-in for the host's WorkbenchServices (src/host/workbench.ts) for what the real emulator
 * cannot do on cue: two zones that print a hello line on start and echo their serial input, harts
 * whose retired counters tick, an optional zone fault, zone.list / zone.shutdown / zone.start, and
 * the real ShellService for shell.*. Test code only.
 */
import * as path from 'node:path';
import type {
  CommandName,
  CommandParams,
  CommandResult,
  EventName,
  Events,
  HartSnapshot,
  LayoutSnapshot,
  MachineState,
  ZoneSnapshot,
} from '../../src/shared/protocol/index';
import type { Disposable, EventListener, WorkbenchServices } from '../../src/host/services';
import { formatZoneList } from '../../src/shared/model/zone-list';
import { ShellService } from '../../src/host/shell-service';

export interface FakeOptions {
  readonly autoStart?: boolean;
  /** Zone 1 faults this many milliseconds after start. */
  readonly faultAfterMs?: number;
  readonly repoRoot?: string;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type FakeHart = Mutable<HartSnapshot>;

interface FakeZone {
  id: number;
  name: string;
  state: ZoneSnapshot['state'];
  harts: FakeHart[];
  error?: string;
  config?: string;
  backlog: string;
  line: string;
}

const BACKLOG_LIMIT = 64 * 1024;

export async function createFakeServices(options: FakeOptions = {}): Promise<WorkbenchServices> {
  const repoRoot = options.repoRoot ?? process.cwd();
  const listeners = new Set<EventListener>();
  const shell = new ShellService({ cwd: repoRoot, binDir: path.join(repoRoot, 'bin') });
  const shellSubscription = shell.onEvent((event, payload) => emit(event, payload));
  let state: MachineState = 'idle';
  let zones: FakeZone[] = [];
  const timers = new Set<ReturnType<typeof setTimeout>>();

  function freshZones(): FakeZone[] {
    const hart = (id: number): FakeHart => ({ id, status: 'stopped', retired: 0 });
    return [
      { id: 0, name: 'root-linux', state: 'stopped', harts: [hart(0), hart(1)], backlog: '', line: '' },
      { id: 1, name: 'rtos-guest', state: 'stopped', harts: [hart(2)], config: 'rtos-guest.json', backlog: '', line: '' },
    ];
  }
  zones = freshZones();

  function emit<E extends EventName>(event: E, payload: Events[E]): void {
    for (const listener of [...listeners]) listener(event, payload);
  }

  function snapshot(): LayoutSnapshot {
    return {
      name: 'riscv64-hello',
      path: path.join(repoRoot, 'examples/riscv64-hello'),
      board: 'qemu-virt',
      arch: 'riscv64',
      cpuNoun: 'hart',
      state,
      zones: zones.map((zone) => ({
        id: zone.id,
        name: zone.name,
        state: zone.state,
        harts: zone.harts.map((hart) => ({ ...hart })),
        ...(zone.error ? { error: zone.error } : {}),
        ...(zone.config ? { config: zone.config } : {}),
      })),
    };
  }

  function print(zone: FakeZone, data: string): void {
    zone.backlog = (zone.backlog + data).slice(-BACKLOG_LIMIT);
    emit('serial.output', { zone: zone.id, data });
  }

  function later(ms: number, action: () => void): void {
    const timer = setTimeout(() => {
      timers.delete(timer);
      action();
    }, ms);
    timers.add(timer);
  }

  function setZoneStates(zoneState: FakeZone['state'], hartStatus: HartSnapshot['status']): void {
    for (const zone of zones) {
      if (zone.state === 'error' || zone.state === 'stopped') continue;
      zone.state = zoneState;
      for (const hart of zone.harts) hart.status = hartStatus;
    }
  }

  const ticker = setInterval(() => {
    if (state !== 'running') return;
    for (const zone of zones) {
      if (zone.state !== 'running') continue;
      for (const hart of zone.harts) hart.retired += 1_000_000 + hart.id * 137_000;
    }
    emit('machine.state', snapshot());
  }, 500);

  function start(): void {
    state = 'running';
    for (const zone of zones) {
      zone.state = 'running';
      for (const hart of zone.harts) hart.status = 'running';
    }
    emit('machine.state', snapshot());
    later(50, () => zones.forEach(greet));
    if (options.faultAfterMs !== undefined) {
      later(options.faultAfterMs, () => {
        const zone = zones[1];
        if (!zone || state !== 'running') return;
        // The hypervisor's report format (core/hypervisor/zone-vcpu.ts describeFault).
        const message =
          'zone 1 (rtos-guest), hart 2, pc 0x80200a14: store/AMO guest-page fault; 8-byte write at guest address 0x90001000; nearest region: ram 0x80200000-0x803fffff';
        zone.state = 'error';
        zone.error = message;
        for (const hart of zone.harts) hart.status = 'faulted';
        print(zone, `\r\n\x1b[31m[hvisor] zone 1 stopped: ${message}\x1b[0m\r\n`);
        emit('machine.fault', { zone: zone.id, hart: zone.harts[0]?.id ?? 0, message });
        emit('machine.state', snapshot());
      });
    }
  }

  function greet(zone: FakeZone): void {
    print(zone, `\x1b[1mhvisor\x1b[0m zone ${zone.id} (${zone.name}) booting on hart ${zone.harts[0]?.id}\r\n`);
    print(zone, `Hello from zone ${zone.id}!\r\n${zone.name}> `);
  }

  function zoneById(id: number): FakeZone | undefined {
    return zones.find((candidate) => candidate.id === id);
  }

  function setZone(zone: FakeZone, zoneState: 'running' | 'stopped'): void {
    zone.state = zoneState;
    delete zone.error;
    for (const hart of zone.harts) hart.status = zoneState === 'running' ? 'running' : 'stopped';
    emit('machine.state', snapshot());
  }

  function input(zoneId: number, data: string): void {
    const zone = zones.find((candidate) => candidate.id === zoneId);
    if (!zone) throw new Error(`no zone ${zoneId}`);
    if (zone.state !== 'running') return;
    for (const char of data) {
      if (char === '\r') {
        const line = zone.line;
        zone.line = '';
        print(zone, `\r\n${line ? `echo: ${line}\r\n` : ''}${zone.name}> `);
      } else if (char === '\x7f') {
        if (zone.line) {
          zone.line = zone.line.slice(0, -1);
          print(zone, '\b \b');
        }
      } else if (char >= ' ') {
        zone.line += char;
        print(zone, char);
      }
    }
  }

  async function invoke<C extends CommandName>(command: C, params: CommandParams<C>): Promise<CommandResult<C>> {
    if (shell.handles(command)) return shell.invoke(command, params as never) as Promise<CommandResult<C>>;
    const result = (value: unknown): CommandResult<C> => value as CommandResult<C>;
    switch (command) {
      case 'layout.get':
        return result(snapshot());
      case 'machine.start':
        if (state === 'idle' || state === 'exited') start();
        return result(snapshot());
      case 'machine.pause':
        if (state === 'running') {
          state = 'paused';
          setZoneStates('paused', 'paused');
          emit('machine.state', snapshot());
        }
        return result(snapshot());
      case 'machine.resume':
        if (state === 'paused') {
          state = 'running';
          setZoneStates('running', 'running');
          emit('machine.state', snapshot());
        }
        return result(snapshot());
      case 'machine.reset':
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        zones = freshZones();
        state = 'idle';
        start();
        return result(snapshot());
      case 'serial.input': {
        const { zone, data } = params as CommandParams<'serial.input'>;
        input(zone, data);
        return result(undefined);
      }
      case 'serial.backlog': {
        const { zone } = params as CommandParams<'serial.backlog'>;
        return result({ data: zones.find((candidate) => candidate.id === zone)?.backlog ?? '' });
      }
      case 'zone.list': {
        const listed = zones
          .filter((zone) => zone.state !== 'stopped')
          .map((zone) => ({ zoneId: zone.id, cpus: zone.harts.map((hart) => hart.id), name: zone.name, status: zone.state === 'error' ? ('error' as const) : ('running' as const) }));
        return result({ zones: listed, table: formatZoneList(listed) });
      }
      case 'zone.shutdown': {
        const zone = zoneById((params as CommandParams<'zone.shutdown'>).id);
        if (!zone || zone.id === 0 || zone.state === 'stopped') return result({ code: -22, message: 'shutdown zone: ioctl failed: Invalid argument' });
        setZone(zone, 'stopped');
        return result({ code: 0, message: `zone ${zone.id} shut down` });
      }
      case 'zone.start': {
        const zone = zones.find((candidate) => candidate.config === (params as CommandParams<'zone.start'>).config);
        if (!zone || zone.state !== 'stopped') return result({ code: -22, message: 'start zone: ioctl failed: Invalid argument' });
        setZone(zone, 'running');
        greet(zone);
        return result({ code: 0, message: `${zone.name} started on cpu ${zone.harts.map((hart) => hart.id).join(', ')}` });
      }
      case 'disk.list':
        return result({ disks: [] });
      default:
        throw new Error(`unknown command: ${String(command)}`);
    }
  }

  if (options.autoStart ?? true) start();

  return {
    invoke,
    onEvent(listener: EventListener): Disposable {
      listeners.add(listener);
      return { dispose: () => listeners.delete(listener) };
    },
    async dispose() {
      clearInterval(ticker);
      for (const timer of timers) clearTimeout(timer);
      shellSubscription.dispose();
      shell.dispose();
      listeners.clear();
    },
  };
}
