/**
 * The interrupt timeline on a real machine (examples/riscv64-zones on the vCPU workers): a second of
 * recording shows zoneR's timer interrupts delivered to hart 3, and a key typed into the root console
 * shows UART IRQ 10's whole path (raise -> pending -> hypervisor claim/inject -> delivered -> claim ->
 * complete) in the root zone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLayout } from '../../../src/host/layout-loader';
import { TimelineService, toTraceEvents } from '../../../src/host/timeline-service';
import type { TimelineSnapshot, TimelineStatus } from '../../../src/shared/protocol/index';
import { startMachine, type LiveMachine } from '../../helpers/live-machine';

const ZONE_R = 2;
const ZONE_R_HART = 3;
const UART_IRQ = 10;

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('timeline service on the zones example', () => {
  let machine: LiveMachine;
  let timeline: TimelineService;
  const statuses: TimelineStatus[] = [];

  beforeAll(async () => {
    machine = await startMachine(await loadLayout('examples/riscv64-zones'));
    timeline = new TimelineService(machine.host, (event, payload) => {
      if (event === 'timeline.status') statuses.push(payload as TimelineStatus);
    });
    await machine.waitFor('zoneR', 'zoneR: timer via', 30_000);
    await machine.waitFor('root-linux', 'root> ', 30_000);
  });

  afterAll(async () => {
    timeline?.dispose();
    await machine?.stop();
  });

  it('records nothing while off', async () => {
    expect(timeline.recording).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const snap = (await timeline.invoke('timeline.get', {})) as TimelineSnapshot;
    expect(snap.events).toHaveLength(0);
  });

  it("sees zoneR's timer interrupt delivered to hart 3 within a second of recording", async () => {
    const status = (await timeline.invoke('timeline.record', { on: true })) as TimelineStatus;
    expect(status.recording).toBe(true);
    expect(statuses.at(-1)?.recording).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const snap = (await timeline.invoke('timeline.get', {})) as TimelineSnapshot;
    const timer = snap.events.filter((e) => e.kind === 'delivered' && e.hart === ZONE_R_HART && e.cause === 5);
    // 1 kHz in zoneR: hundreds in a second even on a slow host.
    expect(timer.length).toBeGreaterThan(50);
    expect(timer[0]).toMatchObject({ zone: ZONE_R, vcpu: 0, causeName: 'supervisor timer', lane: 'zone.2.vcpu.0' });
    const episode = snap.episodes.find((e) => e.id === timer[0]!.episode);
    expect(episode).toMatchObject({ label: 'timer (hart 3)', zone: ZONE_R });
    expect(episode!.delivered! - episode!.raise!).toBeGreaterThanOrEqual(0);
    expect(snap.lanes.map((l) => l.id)).toEqual(expect.arrayContaining(['plic', 'zone.0.vcpu.0', 'zone.2.vcpu.0']));
    // Incremental answers carry only what is new.
    const next = (await timeline.invoke('timeline.get', { since: snap.cursor })) as TimelineSnapshot;
    expect(next.reset).toBe(false);
    expect(next.events.every((e) => e.id > snap.cursor)).toBe(true);
  });

  it("shows the root's UART IRQ 10 path after a key on the root console", async () => {
    const since = ((await timeline.invoke('timeline.get', {})) as TimelineSnapshot).cursor;
    const from = machine.output('root-linux').length;
    machine.host.input(Buffer.from('h'), 0);
    await machine.waitFor('root-linux', 'root> ', 10_000, from);
    let path: TimelineSnapshot | undefined;
    await until('a complete IRQ 10 episode', async () => {
      path = (await timeline.invoke('timeline.get', { since })) as TimelineSnapshot;
      return path.episodes.some((e) => e.irq === UART_IRQ && e.raise !== undefined && e.complete !== undefined);
    }).catch((e: Error) => {
      const seen = path?.events.filter((x) => x.irq === UART_IRQ).map((x) => `${x.kind}@${x.time.toFixed(1)}#${x.episode}`);
      throw new Error(`${e.message}; irq 10 events: ${seen?.join(' ')}; episodes ${JSON.stringify(path?.episodes.filter((x) => x.irq === UART_IRQ))}`);
    });
    const events = path!.events.filter((e) => e.irq === UART_IRQ || (e.kind === 'delivered' && e.cause === 9));
    const kinds = events.map((e) => e.kind);
    for (const kind of ['raise', 'pending', 'claim', 'inject', 'vpending', 'delivered', 'vclaim', 'vcomplete', 'complete'] as const) {
      expect(kinds, kind).toContain(kind);
    }
    expect(events.find((e) => e.kind === 'raise')).toMatchObject({ zone: 0, lane: 'plic' });
    expect(events.find((e) => e.kind === 'delivered')).toMatchObject({ zone: 0, hart: 0, causeName: 'supervisor external' });
    const episode = path!.episodes.find((e) => e.irq === UART_IRQ && e.raise !== undefined && e.complete !== undefined)!;
    expect(episode.zone).toBe(0);
    expect(episode.hart).toBe(0);
    const steps = [episode.raise, episode.pending, episode.injected, episode.delivered, episode.claim, episode.complete];
    expect(steps.every((t) => t !== undefined), JSON.stringify([episode, path!.events.filter((e) => e.irq === UART_IRQ || e.kind === "delivered" && e.hart === 0).map((e) => `${e.kind}@${e.time.toFixed(1)}#${e.episode}`)])).toBe(true);
    for (let i = 1; i < steps.length; i++) expect(steps[i]!).toBeGreaterThanOrEqual(steps[i - 1]!);
  });

  it('exports a Trace Event Format file with the recorded spans', async () => {
    const file = (await timeline.invoke('timeline.export', {})) as { fileName: string; json: string; events: number };
    expect(file.fileName).toMatch(/^irq-timeline-riscv64-zones-.*\.json$/);
    const trace = JSON.parse(file.json) as ReturnType<typeof toTraceEvents>;
    expect(trace.traceEvents.some((e) => e.ph === 'X' && e.name === 'irq 10 raise→delivery')).toBe(true);
    expect(trace.traceEvents.some((e) => e.ph === 'X' && e.name === 'timer (hart 3) raise→delivery' && e.pid === ZONE_R + 1)).toBe(true);
  });

  it('stops and clears', async () => {
    const off = (await timeline.invoke('timeline.record', { on: false })) as TimelineStatus;
    expect(off.recording).toBe(false);
    const before = ((await timeline.invoke('timeline.get', {})) as TimelineSnapshot).cursor;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(((await timeline.invoke('timeline.get', {})) as TimelineSnapshot).cursor).toBe(before);
    const cleared = (await timeline.invoke('timeline.clear', {})) as TimelineStatus;
    expect(cleared.events).toBe(0);
    const after = (await timeline.invoke('timeline.get', { since: before })) as TimelineSnapshot;
    expect(after.reset).toBe(true);
    expect(after.events).toHaveLength(0);
  });
});
