/**
 * The renderer's zone stores against a scripted WorkbenchApi (no DOM needed): zones that leave the
 * snapshot keep their terminal, a restarted zone's terminal gets a separator, and zone actions
 * say why they are unavailable and report hvisor's answer.
 */
import { createPinia, setActivePinia } from 'pinia';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { nextTick } from 'vue';
import type { CommandName, EventName, Events, LayoutSnapshot, WorkbenchApi, ZoneSnapshot } from '../../../src/shared/protocol/index';

type Handler = (params: unknown) => unknown;

class ScriptedApi implements WorkbenchApi {
  listeners = new Map<string, Set<(payload: never) => void>>();
  handlers = new Map<string, Handler>();

  invoke(command: CommandName, params: unknown): Promise<never> {
    const handler = this.handlers.get(command);
    return handler ? Promise.resolve(handler(params) as never) : Promise.reject(new Error(`unexpected ${command}`));
  }

  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void {
    const set = this.listeners.get(event) ?? new Set();
    set.add(listener as (payload: never) => void);
    this.listeners.set(event, set);
    return () => set.delete(listener as (payload: never) => void);
  }

  emit<E extends EventName>(event: E, payload: Events[E]): void {
    for (const listener of this.listeners.get(event) ?? []) (listener as (payload: Events[E]) => void)(payload);
  }
}

const api = new ScriptedApi();

function zone(id: number, state: ZoneSnapshot['state'], extra: Partial<ZoneSnapshot> = {}): ZoneSnapshot {
  return { id, name: id === 0 ? 'root-linux' : `zone${id}`, state, harts: [{ id, status: state === 'running' ? 'running' : 'stopped', retired: 0 }], ...extra };
}

function layout(zones: ZoneSnapshot[]): LayoutSnapshot {
  return { name: 'test', path: '/tmp/test', board: 'qemu-plic', arch: 'riscv64', cpuNoun: 'hart', state: 'running', zones };
}

const flush = async (): Promise<void> => {
  await new Promise((resolve) => setTimeout(resolve, 0));
  await nextTick();
};

let stores: typeof import('./stores-under-test');

beforeAll(async () => {
  Object.assign(globalThis, { window: { workbench: api } });
  const { connectWorkbench } = await import('../../../src/renderer/api/workbench-api');
  connectWorkbench();
  stores = await import('./stores-under-test');
});

beforeEach(() => {
  api.listeners.clear();
  api.handlers.clear();
  api.handlers.set('zone.list', () => ({ zones: [], table: '' }));
  setActivePinia(createPinia());
});

describe('machine store', () => {
  it('keeps a zone that left the snapshot as stopped, without harts, until a reset', async () => {
    const machine = stores.useMachineStore();
    api.emit('machine.state', layout([zone(0, 'running'), zone(5, 'running')]));
    api.emit('machine.state', layout([zone(0, 'running')]));
    expect(machine.zones.map((z) => [z.id, z.state, z.harts.length])).toEqual([
      [0, 'running', 1],
      [5, 'stopped', 0],
    ]);
    api.handlers.set('machine.reset', () => layout([zone(0, 'running')]));
    await machine.run('machine.reset');
    expect(machine.zones.map((z) => z.id)).toEqual([0]);
  });
});

describe('serial store', () => {
  function terminal(): { text: string; sink: { write(data: string): void; clear(): void } } {
    const record = { text: '', sink: { write: (data: string) => void (record.text += data), clear: () => void (record.text = '') } };
    return record;
  }

  it('marks where a stopped zone starts again, once, whichever of output and state comes first', async () => {
    api.handlers.set('serial.backlog', () => ({ data: '' }));
    const serial = stores.useSerialStore();
    const term = terminal();
    serial.attach(1, term.sink);
    await flush();
    api.emit('machine.state', layout([zone(0, 'running'), zone(1, 'running')]));
    await flush();
    api.emit('serial.output', { zone: 1, data: 'first run\r\n' });
    expect(term.text).not.toContain('started again');

    api.emit('machine.state', layout([zone(0, 'running'), zone(1, 'stopped')]));
    await flush();
    api.emit('serial.output', { zone: 1, data: 'second run\r\n' });
    api.emit('machine.state', layout([zone(0, 'running'), zone(1, 'running')]));
    await flush();
    expect(term.text.match(/zone1 started again/g)).toHaveLength(1);
    expect(term.text.indexOf('started again')).toBeLessThan(term.text.indexOf('second run'));

    api.emit('machine.state', layout([zone(0, 'running'), zone(1, 'stopped')]));
    await flush();
    api.emit('machine.state', layout([zone(0, 'running'), zone(1, 'running')]));
    await flush();
    expect(term.text.match(/zone1 started again/g)).toHaveLength(2);
  });
});

describe('zones store', () => {
  it('explains why an action is unavailable', () => {
    const zones = stores.useZonesStore();
    api.emit('machine.state', layout([zone(0, 'running'), zone(1, 'stopped', { config: 'zone-u.json' }), zone(2, 'stopped')]));
    const root = zones.availability(zone(0, 'running'), 'shutdown');
    expect(root).toMatchObject({ shown: true, enabled: false });
    expect(root.reason).toContain('root zone cannot be shut down');
    expect(zones.availability(zone(1, 'stopped', { config: 'zone-u.json' }), 'start')).toMatchObject({ shown: true, enabled: true });
    expect(zones.availability(zone(2, 'stopped'), 'start').shown).toBe(false);
    expect(zones.availability(zone(1, 'error'), 'shutdown')).toMatchObject({ shown: true, enabled: true });
    expect(zones.availability(zone(1, 'stopped'), 'shutdown').shown).toBe(false);
  });

  it("reports hvisor's answer in a notification: the message, or the validation report", async () => {
    const zones = stores.useZonesStore();
    const notifications = stores.useNotificationsStore();
    api.emit('machine.state', layout([zone(0, 'running'), zone(1, 'running', { config: 'zone-u.json' })]));
    api.handlers.set('zone.shutdown', () => ({ code: 0, message: 'zone 1 shut down' }));
    await zones.run(zone(1, 'running'), 'shutdown');
    api.handlers.set('zone.start', () => ({ code: -22, message: 'zone-u.json\n  error: cpus: hart 1 also belongs to zone 3\n1 error, 0 warnings' }));
    await zones.run(zone(1, 'stopped', { config: 'zone-u.json' }), 'start');
    expect(notifications.items.map((item) => [item.severity, item.title, item.detail])).toEqual([
      ['info', 'Zone 1 (zone1) shut down', 'zone 1 shut down'],
      ['error', 'Could not start zone 1 (zone1): error -22', 'zone-u.json\n  error: cpus: hart 1 also belongs to zone 3\n1 error, 0 warnings'],
    ]);
  });

  it('raises one notification per zone error, also for an error that predates the window', async () => {
    const notifications = stores.useNotificationsStore();
    stores.useZonesStore();
    const error = 'zone 1 (zone1), hart 1, pc 0x88000000: illegal instruction';
    api.emit('machine.state', layout([zone(0, 'running'), zone(1, 'error', { error })]));
    api.emit('machine.state', layout([zone(0, 'running'), zone(1, 'error', { error })]));
    await flush();
    expect(notifications.items.filter((item) => item.severity === 'error').map((item) => item.detail)).toEqual([error]);
  });
});

describe('zone shutdown confirmation', () => {
  it('shuts a zone down only after the user confirmed, and not when they cancel', async () => {
    const zones = stores.useZonesStore();
    const confirm = stores.useConfirmStore();
    const calls: unknown[] = [];
    api.handlers.set('zone.shutdown', (params) => (calls.push(params), { code: 0, message: 'zone 1 shut down' }));
    const zoneU = zone(1, 'running', { config: 'zone-u.json' });
    api.emit('machine.state', layout([zone(0, 'running'), zoneU]));

    const cancelled = zones.confirmShutdown(zoneU);
    expect(confirm.pending?.title).toBe('Shut down zone 1 (zone1)?');
    expect(confirm.pending?.action).toBe('Shut down');
    confirm.answer(false);
    await cancelled;
    expect(calls).toEqual([]);

    const confirmed = zones.confirmShutdown(zoneU);
    confirm.answer(true);
    await confirmed;
    expect(calls).toEqual([{ id: 1 }]);
    expect(confirm.pending).toBeNull();
  });
});

describe('hypervisor log store', () => {
  const line = (seq: number, text: string) => ({ seq, time: 1_700_000_000_000 + seq, line: text });

  it("starts with the service's backlog, so a late window sees the zone starts and faults it missed", async () => {
    api.handlers.set('hypervisor.backlog', () => ({ lines: [line(1, 'zone 0 (root-linux) started on hart 0'), line(2, 'zone 2 (zoneR) stopped on an error: stage-2 fault')] }));
    const log = stores.useHypervisorLogStore();
    // An event that arrives while the backlog is on its way, and one the backlog also holds.
    api.emit('hypervisor.log', line(2, 'zone 2 (zoneR) stopped on an error: stage-2 fault'));
    api.emit('hypervisor.log', line(3, 'zone 1 (zoneU) shut down'));
    await flush();
    expect(log.lines.map((l) => l.text)).toEqual(['zone 0 (root-linux) started on hart 0', 'zone 2 (zoneR) stopped on an error: stage-2 fault', 'zone 1 (zoneU) shut down']);
    expect(log.unseen).toBe(3);
  });

  it('keeps cleared lines cleared', async () => {
    api.handlers.set('hypervisor.backlog', () => ({ lines: [line(1, 'zone 0 (root-linux) started on hart 0')] }));
    const log = stores.useHypervisorLogStore();
    await flush();
    log.clear();
    api.emit('hypervisor.log', line(1, 'zone 0 (root-linux) started on hart 0'));
    api.emit('hypervisor.log', line(2, 'zone 1 (zoneU) started on harts 1, 2'));
    expect(log.lines.map((l) => l.text)).toEqual(['zone 1 (zoneU) started on harts 1, 2']);
  });
});
