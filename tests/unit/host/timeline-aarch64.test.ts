/**
 * The interrupt timeline on a real aarch64 machine (examples/aarch64-zones on the vCPU workers): zoneR's
 * 1 ms virtual-timer PPI 27 on CPU 3 makes whole episodes (raise -> pending -> the IRQ exception the CPU
 * takes -> acknowledge -> EOI), one per CPU for a PPI, with the delivery in the CPU's words.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLayout } from '../../../src/host/layout-loader';
import { TimelineService, toTraceEvents } from '../../../src/host/timeline-service';
import type { TimelineSnapshot } from '../../../src/shared/protocol/index';
import { startMachine, type LiveMachine } from '../../helpers/live-machine';

const ZONE_R = 2;
const ZONE_R_CPU = 3;
const VIRTUAL_TIMER_PPI = 27;

describe('timeline service on the aarch64 zones example', () => {
  let machine: LiveMachine;
  let timeline: TimelineService;

  beforeAll(async () => {
    machine = await startMachine(await loadLayout('examples/aarch64-zones'));
    timeline = new TimelineService(machine.host, () => {});
    await machine.waitFor('zoneR', 'latency min=', 60_000);
  }, 90_000);

  afterAll(async () => {
    timeline?.dispose();
    await machine?.stop();
  });

  it("shows zoneR's timer PPI taken as an IRQ on CPU 3: raise, pending, delivery, acknowledge and EOI in order", async () => {
    await timeline.invoke('timeline.record', { on: true });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const snap = (await timeline.invoke('timeline.get', {})) as TimelineSnapshot;
    const taken = snap.events.filter((e) => e.kind === 'delivered' && e.hart === ZONE_R_CPU);
    expect(taken.length).toBeGreaterThan(20);
    expect(taken[0]).toMatchObject({ zone: ZONE_R, vcpu: 0, causeName: 'IRQ', lane: 'zone.2.vcpu.0' });
    const whole = snap.episodes.filter((e) => e.irq === VIRTUAL_TIMER_PPI && e.hart === ZONE_R_CPU && e.complete !== undefined && e.delivered !== undefined);
    expect(whole.length, JSON.stringify(snap.episodes.slice(0, 5))).toBeGreaterThan(10);
    for (const e of whole.slice(0, 10)) {
      const steps = [e.raise, e.pending, e.delivered, e.claim, e.complete];
      expect(steps.every((t) => t !== undefined), JSON.stringify(e)).toBe(true);
      for (let i = 1; i < steps.length; i++) expect(steps[i]!).toBeGreaterThanOrEqual(steps[i - 1]!);
    }
    // Another CPU's PPI 27 (zoneU's ticks) never lands in zoneR's episodes.
    expect(snap.episodes.filter((e) => e.irq === VIRTUAL_TIMER_PPI && e.zone === ZONE_R).every((e) => e.hart === ZONE_R_CPU || e.hart === null)).toBe(true);
    const file = (await timeline.invoke('timeline.export', {})) as { json: string };
    const trace = JSON.parse(file.json) as ReturnType<typeof toTraceEvents>;
    expect(trace.traceEvents.some((e) => e.ph === 'X' && e.name === `irq ${VIRTUAL_TIMER_PPI} raise→delivery`)).toBe(true);
  }, 30_000);
});
