/**
 * The timeline's history and its Trace Event Format export, without a machine: synthetic records for a
 * zoned machine (a hw UART IRQ through the hypervisor, a timer, a virtual IRQ) become episodes with
 * every step, and the export follows the documented format (ph, ts in µs, pid, tid, name, args;
 * metadata names for processes and threads; complete events nested per thread).
 */
import { describe, expect, it } from 'vitest';
import { IrqEventKind, type IrqTraceRecord } from '../../../src/core/cpu/irq-trace';
import { TimelineHistory, toTraceEvents, type TimelineMachine, type TraceEvent } from '../../../src/host/timeline-service';
import { cpuModel } from '../../../src/core/cpu-models';
import { A64InterruptCause } from '../../../src/core/isa/aarch64/exceptions';

const machine: TimelineMachine = {
  timebase: 10_000_000,
  zoned: true,
  hypervisorClaims: true,
  privateIrqs: 0,
  causes: cpuModel('riscv64').interruptCauses,
  labels: { physical: 'PLIC', virtual: 'vPLIC', cpu: 'hart' },
  zones: () => [
    { id: 0, name: 'root', cpus: [0] },
    { id: 2, name: 'zoneR', cpus: [3] },
  ],
  ownerOf: (irq) => (irq === 10 ? 0 : null),
  zoneOfSlot: (slot) => (slot === 0 ? 0 : slot === 1 ? 2 : null),
};

let seq = 0;
const rec = (kind: number, us: number, irq: number, zone: number, hart: number, extra: number): IrqTraceRecord => ({
  seq: seq++,
  kind,
  time: us * 10,
  irq,
  zone,
  hart,
  extra,
});

function sample(): IrqTraceRecord[] {
  return [
    rec(IrqEventKind.raise, 100, 10, -1, -1, 0),
    rec(IrqEventKind.pending, 101, 10, -1, -1, 0),
    rec(IrqEventKind.claim, 110, 10, -1, 0, 1),
    rec(IrqEventKind.inject, 111, 10, 0, -1, 1),
    rec(IrqEventKind.vpending, 112, 10, 0, -1, 0),
    rec(IrqEventKind.delivered, 120, 0, -1, 0, 9 | (1 << 8)),
    rec(IrqEventKind.vclaim, 125, 10, 0, 0, 1),
    rec(IrqEventKind.lower, 126, 10, -1, -1, 0),
    rec(IrqEventKind.vcomplete, 140, 10, 0, 0, 1),
    rec(IrqEventKind.complete, 141, 10, -1, 0, 1),
    rec(IrqEventKind.timerDue, 200, 5, -1, 3, 5 | (2 << 8)),
    rec(IrqEventKind.delivered, 203, 0, -1, 3, 5 | (2 << 8)),
    rec(IrqEventKind.inject, 300, 7, 2, -1, 0),
    rec(IrqEventKind.vpending, 300, 7, 2, -1, 0),
    rec(IrqEventKind.delivered, 310, 0, -1, 3, 9 | (2 << 8)),
    rec(IrqEventKind.vclaim, 312, 7, 2, 3, 1),
    rec(IrqEventKind.vcomplete, 330, 7, 2, 3, 1),
  ];
}

describe('TimelineHistory', () => {
  it('ties each interrupt into an episode with its steps and lanes', () => {
    const history = new TimelineHistory(machine);
    history.add(sample());
    const episodes = history.allEpisodes();
    expect(episodes).toEqual([
      { id: 1, label: 'irq 10', irq: 10, zone: 0, hart: 0, vcpu: 0, raise: 100, pending: 101, injected: 110, delivered: 120, claim: 125, complete: 140 },
      { id: 2, label: 'timer (hart 3)', irq: 0, zone: 2, hart: 3, vcpu: 0, raise: 200, delivered: 203 },
      { id: 3, label: 'irq 7', irq: 7, zone: 2, hart: 3, vcpu: 0, raise: 300, pending: 300, delivered: 310, claim: 312, complete: 330 },
    ]);
    const lanes = new Map(history.events.map((e) => [e.kind + e.irq + '@' + e.time, e.lane]));
    expect(lanes.get('raise10@100')).toBe('plic');
    expect(lanes.get('inject10@111')).toBe('zone.0.vplic');
    expect(lanes.get('delivered0@120')).toBe('zone.0.vcpu.0');
    expect(lanes.get('delivered0@203')).toBe('zone.2.vcpu.0');
    expect(history.events.find((e) => e.time === 203)).toMatchObject({ cause: 5, causeName: 'supervisor timer', zone: 2, hart: 3, vcpu: 0, episode: 2 });
    // Each zone's vCPUs, then what the hypervisor did for it.
    expect(history.laneList().map((l) => l.id)).toEqual(['plic', 'zone.0.vplic', 'zone.0.vcpu.0', 'zone.0.hv', 'zone.2.vplic', 'zone.2.vcpu.0', 'zone.2.hv']);
  });

  it("on a GIC board the guest's acknowledge and EOI close the physical episode on its vCPU's lane, in the board's words", () => {
    const gic: TimelineMachine = { ...machine, hypervisorClaims: false, privateIrqs: 32, causes: cpuModel('aarch64').interruptCauses, labels: { physical: 'GICv3', virtual: 'vGICv3', cpu: 'CPU' }, zones: () => [{ id: 0, name: 'root', cpus: [0, 1] }], ownerOf: (irq) => (irq === 33 ? 0 : null) };
    const history = new TimelineHistory(gic);
    history.add([
      rec(IrqEventKind.raise, 100, 33, -1, -1, 0),
      rec(IrqEventKind.pending, 100, 33, -1, -1, 0),
      rec(IrqEventKind.claim, 130, 33, -1, 1, 0),
      rec(IrqEventKind.complete, 150, 33, -1, 1, 0),
    ]);
    expect(history.allEpisodes()).toEqual([{ id: 1, label: 'irq 33', irq: 33, zone: 0, hart: 1, vcpu: 1, raise: 100, pending: 100, claim: 130, complete: 150 }]);
    expect(history.events.map((e) => e.lane)).toEqual(['plic', 'plic', 'zone.0.vcpu.1', 'zone.0.vcpu.1']);
    expect(history.laneList().map((l) => l.label)).toEqual(['Devices / GICv3', 'vGICv3', 'vCPU 0 (CPU 0)', 'vCPU 1 (CPU 1)', 'hypervisor']);
  });

  it('on a GIC board the IRQ exception a CPU takes is the delivery: of its own PPI (one episode per CPU) and of its zone\'s SPI', () => {
    const gic: TimelineMachine = {
      ...machine, hypervisorClaims: false, privateIrqs: 32, causes: cpuModel('aarch64').interruptCauses,
      labels: { physical: 'GICv3', virtual: 'vGICv3', cpu: 'CPU' },
      zones: () => [{ id: 0, name: 'root', cpus: [0, 1] }, { id: 1, name: 'z1', cpus: [2] }],
      ownerOf: (irq) => (irq === 33 ? 0 : irq === 75 ? 1 : null),
      zoneOfSlot: (slot) => slot,
    };
    const irqTaken = (us: number, cpu: number, slot: number) => rec(IrqEventKind.delivered, us, 0, -1, cpu, A64InterruptCause.irq | ((slot + 1) << 8));
    const history = new TimelineHistory(gic);
    history.add([
      // The virtual timer's PPI 27 on CPUs 0 and 2 at once: two episodes, each delivered on its own CPU.
      rec(IrqEventKind.raise, 100, 27, -1, 0, 0),
      rec(IrqEventKind.pending, 100, 27, -1, 0, 0),
      rec(IrqEventKind.raise, 101, 27, -1, 2, 0),
      rec(IrqEventKind.pending, 101, 27, -1, 2, 0),
      // Zone 1's SPI 75, pending before CPU 2 takes its IRQ.
      rec(IrqEventKind.raise, 102, 75, -1, -1, 0),
      rec(IrqEventKind.pending, 102, 75, -1, -1, 0),
      irqTaken(110, 2, 1),
      irqTaken(120, 0, 0),
      rec(IrqEventKind.claim, 125, 27, -1, 0, 0),
      rec(IrqEventKind.claim, 126, 27, -1, 2, 0),
      rec(IrqEventKind.claim, 127, 75, -1, 2, 0),
      rec(IrqEventKind.complete, 130, 27, -1, 0, 0),
      rec(IrqEventKind.complete, 131, 27, -1, 2, 0),
      rec(IrqEventKind.complete, 132, 75, -1, 2, 0),
    ]);
    const episodes = history.allEpisodes().map((e) => ({ irq: e.irq, hart: e.hart, raise: e.raise, delivered: e.delivered, claim: e.claim, complete: e.complete }));
    expect(episodes).toEqual([
      { irq: 27, hart: 0, raise: 100, delivered: 120, claim: 125, complete: 130 },
      { irq: 27, hart: 2, raise: 101, delivered: 110, claim: 126, complete: 131 },
      { irq: 75, hart: 2, raise: 102, delivered: 110, claim: 127, complete: 132 },
    ]);
    expect(history.events.find((e) => e.kind === 'delivered')).toMatchObject({ cause: A64InterruptCause.irq, causeName: 'IRQ', zone: 1, hart: 2 });
  });

  it('answers incrementally and drops the oldest events beyond its bound', () => {
    const history = new TimelineHistory(machine, 10);
    history.add(sample());
    expect(history.events).toHaveLength(10);
    expect(history.lost).toBe(7);
    const status = { recording: true, events: 10, lost: 7, capacity: 8 };
    const all = history.snapshot(undefined, status, 0);
    expect(all.reset).toBe(true);
    const later = history.snapshot(all.cursor - 2, status, 0);
    expect(later.events.map((e) => e.id)).toEqual([all.cursor - 1, all.cursor]);
    expect(later.reset).toBe(false);
    history.clear();
    expect(history.snapshot(all.cursor, status, 0)).toMatchObject({ reset: true, events: [] });
  });
});

describe('Trace Event Format export', () => {
  const history = new TimelineHistory(machine);
  history.add(sample());
  const file = toTraceEvents(history.events, history.allEpisodes(), history.laneList(), machine.zones(), { timebase: 10_000_000 });
  const json = JSON.parse(JSON.stringify(file)) as { traceEvents: TraceEvent[]; displayTimeUnit: string };

  it('is a JSON object with a traceEvents array of well-formed events', () => {
    expect(Object.keys(json)).toEqual(expect.arrayContaining(['traceEvents', 'displayTimeUnit']));
    expect(['ms', 'ns']).toContain(json.displayTimeUnit);
    for (const e of json.traceEvents) {
      expect(typeof e.name).toBe('string');
      expect(['X', 'i', 'M']).toContain(e.ph);
      expect(Number.isFinite(e.ts)).toBe(true);
      expect(Number.isInteger(e.pid)).toBe(true);
      expect(Number.isInteger(e.tid)).toBe(true);
      if (e.ph === 'X') expect(e.dur).toBeGreaterThanOrEqual(0);
      if (e.ph === 'i') expect(e.s).toBe('t');
      if (e.ph === 'M') expect(['process_name', 'thread_name', 'process_sort_index', 'thread_sort_index']).toContain(e.name);
      if (e.args !== undefined) expect(typeof e.args).toBe('object');
    }
  });

  it('names a process per zone plus the devices, and a thread per lane', () => {
    const names = json.traceEvents.filter((e) => e.name === 'process_name').map((e) => [e.pid, e.args!.name]);
    expect(names).toEqual([[1000, 'Devices / physical PLIC'], [1, 'zone 0 (root)'], [3, 'zone 2 (zoneR)']]);
    const threads = json.traceEvents.filter((e) => e.name === 'thread_name').map((e) => `${e.pid}/${e.args!.name}`);
    expect(threads).toEqual(expect.arrayContaining(['1000/Devices / PLIC', '1/vPLIC', '1/vCPU 0 (hart 0)', '3/vCPU 0 (hart 3)']));
    // Every (pid, tid) an event uses has a name.
    const named = new Set(json.traceEvents.filter((e) => e.name === 'thread_name').map((e) => `${e.pid}/${e.tid}`));
    for (const e of json.traceEvents.filter((x) => x.ph !== 'M')) expect(named.has(`${e.pid}/${e.tid}`)).toBe(true);
  });

  it('has instant events in µs and complete events raise -> delivery and claim -> complete', () => {
    const raise = json.traceEvents.find((e) => e.ph === 'i' && e.name === 'raise irq 10')!;
    expect(raise).toMatchObject({ ts: 100, pid: 1000, cat: 'irq', args: { irq: 10, zone: 0 } });
    const spans = json.traceEvents.filter((e) => e.ph === 'X').map((e) => [e.name, e.ts, e.dur, e.pid]);
    expect(spans).toEqual(
      expect.arrayContaining([
        ['irq 10 raise→delivery', 100, 20, 1],
        ['irq 10 claim→complete', 125, 15, 1],
        ['timer (hart 3) raise→delivery', 200, 3, 3],
        ['irq 7 raise→delivery', 300, 10, 3],
        ['irq 7 claim→complete', 312, 18, 3],
      ]),
    );
  });

  it('never overlaps complete events on one thread without nesting', () => {
    const overlapping = new TimelineHistory(machine);
    const records: IrqTraceRecord[] = [];
    // Two injections of different virtual IRQs whose spans cross: 7 [0, 20], 8 [10, 30] share labels' threads only per IRQ.
    for (let k = 0; k < 3; k++) {
      records.push(rec(IrqEventKind.inject, 1000 + k * 5, 7, 2, -1, 0), rec(IrqEventKind.vpending, 1000 + k * 5, 7, 2, -1, 0));
      records.push(rec(IrqEventKind.vclaim, 1001 + k * 5, 7, 2, 3, 1));
    }
    records.push(rec(IrqEventKind.delivered, 1030, 0, -1, 3, 9 | (2 << 8)));
    overlapping.add(records);
    const trace = toTraceEvents(overlapping.events, overlapping.allEpisodes(), overlapping.laneList(), machine.zones());
    const byThread = new Map<string, TraceEvent[]>();
    for (const e of trace.traceEvents.filter((x) => x.ph === 'X')) {
      const key = `${e.pid}/${e.tid}`;
      byThread.set(key, [...(byThread.get(key) ?? []), e]);
    }
    for (const spans of byThread.values()) {
      spans.sort((a, b) => a.ts - b.ts);
      for (let i = 1; i < spans.length; i++) expect(spans[i]!.ts).toBeGreaterThanOrEqual(spans[i - 1]!.ts + spans[i - 1]!.dur!);
    }
  });
});
