/**
 * Each interrupt controller's inspectState(): the PLIC, a zone's vPLIC, the GICv3 and the GICv2 describe
 * their state as tables (the columns named by the data) that the one generic inspector view draws. The
 * state comes from the shared region as the guest left it, and reading it changes nothing: a pending
 * interrupt is still claimable afterwards.
 */
import { describe, expect, it } from 'vitest';
import type { ControllerInspectData, ControllerTable } from '../../../../src/shared/protocol/inspect';
import { PlicOffset, SifivePlic } from '../../../../src/core/devices/intc/sifive-plic';
import { VirtualPlic } from '../../../../src/core/hypervisor/arch/riscv64/vplic';
import { ArmGicv3 } from '../../../../src/core/devices/intc/arm-gicv3/gicv3';
import { GICR_FRAME_BYTES, GicrOffset } from '../../../../src/core/devices/intc/arm-gicv3/redistributor';
import { GicdOffset } from '../../../../src/core/devices/intc/arm-gicv3/distributor';
import { ArmGicv2, GiccOffset, GicV2DistOffset } from '../../../../src/core/devices/intc/arm-gicv2';
import type { HartApi } from '../../../../src/core/isa/riscv64/platform';
import { RecordingSignals, sharedRegion } from './helpers';

const row = (table: ControllerTable, key: string) => {
  const found = table.rows.find((r) => r.key === key);
  if (!found) throw new Error(`${table.title} has no row ${key}`);
  return found;
};

/** Every cell's column is declared, so a generic view can draw each row. */
function expectWellFormed(state: ControllerInspectData): void {
  for (const table of [state.lines, ...(state.targets ? [state.targets] : [])]) {
    const keys = new Set(table.columns.map((c) => c.key));
    expect(keys.size).toBe(table.columns.length);
    for (const r of table.rows) for (const key of Object.keys(r.cells)) expect(keys.has(key), `${table.title}: column ${key}`).toBe(true);
    expect(new Set(table.rows.map((r) => r.key)).size).toBe(table.rows.length);
  }
}

describe('PLIC inspectState', () => {
  it('shows a pending UART source with its owner and kind, and the context that would claim it, without claiming it', () => {
    const signals = new RecordingSignals(2);
    const plic = new SifivePlic(sharedRegion(SifivePlic.stateBytes({ sources: 95, harts: 2 })), { sources: 95, harts: 2 }, signals);
    plic.write(4 * 10, 4, 5);
    plic.write(PlicOffset.enable + PlicOffset.enableStride * 1, 4, 1 << 10);
    plic.setLevel(10, true);
    const state = plic.inspectState({ ownerOf: (line) => (line === 10 ? 0 : null), isHw: (line) => line === 10 });
    expectWellFormed(state);
    expect(state).toMatchObject({ name: 'PLIC', kind: 'sifive-plic' });
    expect(state.lines.columns.map((c) => c.label)).toEqual(['IRQ', 'Priority', 'Pending', 'Active', 'Level', 'Owner', 'Kind']);
    expect(row(state.lines, '10')).toMatchObject({ cells: { id: 10, priority: 5, pending: true, active: false, level: true, owner: 0, hw: 'hw' }, owner: 0, busy: true, used: true });
    expect(row(state.lines, '11')).toMatchObject({ cells: { owner: null, hw: 'virtual' }, used: false });
    expect(row(state.targets!, '1').cells).toEqual({ context: 'ctx 1', hart: 0, mode: 'S', threshold: 0, enables: '10', claim: 10 });
    expect(row(state.targets!, '0').cells).toMatchObject({ mode: 'M', enables: null, claim: null });
    expect(state.registerMap.map((r) => r.name)).toEqual(['priority', 'pending', 'enable', 'threshold', 'claim']);
    // Nothing was claimed by looking.
    expect(plic.read(PlicOffset.context + PlicOffset.contextStride + 4, 4)).toBe(10);
    expect(row(plic.inspectState().lines, '10').cells).toMatchObject({ pending: false, active: true });
  });

  it('leaves out the owner and kind columns when the machine does not say', () => {
    const plic = new SifivePlic(sharedRegion(SifivePlic.stateBytes({ sources: 31, harts: 1 })), { sources: 31, harts: 1 }, new RecordingSignals(1));
    expect(plic.inspectState().lines.columns.map((c) => c.key)).toEqual(['id', 'priority', 'pending', 'active', 'level']);
  });
});

describe('vPLIC inspectState', () => {
  it("lists the zone's own sources as its, hw or virtual, and its S-mode vcontexts on their physical harts", () => {
    const signals = new RecordingSignals(4);
    const physical = new SifivePlic(sharedRegion(SifivePlic.stateBytes({ sources: 95, harts: 4 })), { sources: 95, harts: 4 }, signals);
    const config = { zoneId: 1, zoneCpus: [2, 3], sources: 1023, ownedIrqs: [7, 33], hwIrqs: [10, 33] };
    const vplic = new VirtualPlic(sharedRegion(VirtualPlic.stateBytes(config)), config, physical, signals);
    const hart: HartApi = { cpuId: 2, hartId: 2, getX: () => 0n, setX: () => undefined, getPc: () => 0n, setPc: () => undefined, getPrivilege: () => 1 };
    vplic.write(hart, 4 * 7, 4, 3n);
    vplic.write(hart, PlicOffset.enable + PlicOffset.enableStride, 4, BigInt(1 << 7));
    vplic.inject(7, false);
    // An IRQ the zone does not own, injected by the management side, shows too (pending).
    vplic.inject(40, false);
    const state = vplic.inspectState();
    expectWellFormed(state);
    expect(state).toMatchObject({ name: 'vPLIC', kind: 'vplic' });
    expect(state.lines.rows.map((r) => r.key)).toEqual(['7', '33', '40']);
    expect(row(state.lines, '7')).toMatchObject({ cells: { priority: 3, pending: true, owner: 1, hw: 'virtual' }, busy: true });
    expect(row(state.lines, '33').cells).toMatchObject({ owner: 1, hw: 'hw', pending: false });
    expect(row(state.lines, '40')).toMatchObject({ owner: null, cells: { owner: null } });
    expect(state.targets!.rows.map((r) => r.cells)).toEqual([
      { context: 'vctx 1', hart: 2, mode: 'S', threshold: 0, enables: '7', claim: 7 },
      { context: 'vctx 3', hart: 3, mode: 'S', threshold: 0, enables: null, claim: null },
    ]);
  });
});

describe('GICv3 inspectState', () => {
  it('shows an enabled, pending SPI routed to CPU 1 with its owner, banked PPIs per CPU, and what each CPU interface would acknowledge', () => {
    const signals = new RecordingSignals(2);
    const config = { cpus: 2, lines: 96 };
    const gic = new ArmGicv3(sharedRegion(ArmGicv3.stateBytes(config)), config, signals);
    gic.distributor.write(GicdOffset.ctlr, 4, 3);
    gic.distributor.write(GicdOffset.igroupr + 4, 4, 0xffff_ffff);
    gic.distributor.write(GicdOffset.ipriorityr + 33, 1, 0xa0);
    gic.distributor.write(GicdOffset.isenabler + 4, 4, 1 << 1);
    gic.distributor.write(GicdOffset.irouter + 8 * 33, 4, 1);
    gic.redistributors.write(1 * GICR_FRAME_BYTES + GicrOffset.isenabler0, 4, 1 << 27);
    gic.setLevel(33, true);
    const before = gic.distributor.peek();
    const state = gic.inspectState({ ownerOf: (line) => (line === 33 ? 1 : null), ownerOfCpu: (cpu) => (cpu === 1 ? 1 : 0) });
    expectWellFormed(state);
    expect(gic.distributor.peek()).toEqual(before);
    expect(state).toMatchObject({ name: 'GICv3', kind: 'arm-gicv3', lineNoun: 'lines (SGIs and PPIs once per CPU)' });
    expect(state.lines.columns.map((c) => c.label)).toEqual(['INTID', 'Type', 'Enabled', 'Pending', 'Active', 'Priority', 'Group', 'Trigger', 'Level', 'Target', 'Owner']);
    // 32 banked INTIDs per CPU, then the SPIs 32..95.
    expect(state.lines.rows).toHaveLength(2 * 32 + 64);
    expect(row(state.lines, '33')).toMatchObject({
      cells: { intid: 33, type: 'SPI', enabled: true, pending: true, active: false, priority: '0xa0', group: 1, trigger: 'level', level: true, target: '0.0.0.1 (cpu 1)', owner: 1 },
      owner: 1, busy: true, used: true,
    });
    expect(row(state.lines, 'cpu1.27')).toMatchObject({ cells: { type: 'PPI', enabled: true, target: 'cpu 1', owner: 1 }, used: true });
    expect(row(state.lines, 'cpu0.27')).toMatchObject({ cells: { enabled: false, owner: 0 }, used: false });
    expect(state.targets!.columns.map((c) => c.label)).toEqual(['CPU', 'Priority mask', 'Running priority', 'Would acknowledge', 'IRQ', 'FIQ', 'Groups enabled']);
    expect(row(state.targets!, '1').cells).toMatchObject({ cpu: 1, pending: 33, running: '0xff' });
    expect(row(state.targets!, '0').cells).toMatchObject({ pending: null });
    const ctlr = state.registers.find((r) => r.name === 'GICD_CTLR')!;
    expect(ctlr.fields?.find((f) => f.name === 'EnableGrp1')?.value).toBe('1');
    expect(ctlr.fields?.find((f) => f.name === 'ARE')?.value).toBe('1');
    expect(state.registers.find((r) => r.name === 'GICD_TYPER')!.fields?.find((f) => f.name === 'ITLinesNumber')?.value).toBe('2');
    expect(state.registerMap.some((r) => r.name === 'GICR_WAKER')).toBe(true);
    // Looking acknowledged nothing: the interrupt is still pending, not active.
    expect(row(gic.inspectState().lines, '33').cells).toMatchObject({ pending: true, active: false });
  });
});

describe('GICv2 inspectState', () => {
  it('shows an SPI with its CPU targets, and the CPU interface that would take it', () => {
    const signals = new RecordingSignals(2);
    const config = { cpus: 2, lines: 64 };
    const gic = new ArmGicv2(sharedRegion(ArmGicv2.stateBytes(config)), config, signals);
    const dist = gic.distributorFor(0);
    dist.write(GicV2DistOffset.ctlr, 4, 1);
    dist.write(GicV2DistOffset.ipriorityr + 40, 1, 0x80);
    dist.write(GicV2DistOffset.itargetsr + 40, 1, 0b10);
    dist.write(GicV2DistOffset.isenabler + 4, 4, 1 << 8);
    gic.cpuInterfaceFor(1).write(GiccOffset.ctlr, 4, 1);
    gic.cpuInterfaceFor(1).write(GiccOffset.pmr, 4, 0xf0);
    gic.setLevel(40, true);
    const state = gic.inspectState();
    expectWellFormed(state);
    expect(state).toMatchObject({ name: 'GICv2', kind: 'arm-gicv2' });
    expect(state.lines.columns.some((c) => c.key === 'owner')).toBe(false);
    expect(row(state.lines, '40').cells).toMatchObject({ type: 'SPI', enabled: true, pending: true, priority: '0x80', group: 0, target: 'cpu 1' });
    expect(row(state.targets!, '1').cells).toMatchObject({ pmr: '0xf0', pending: 40, irq: true, groups: '0' });
    expect(state.registers.find((r) => r.name === 'GICD_CTLR')!.fields?.find((f) => f.name === 'EnableGrp0')?.value).toBe('1');
    expect(state.registerMap.map((r) => r.name)).toContain('GICC_IAR');
    // Still pending for CPU 1: the inspector's read acknowledged nothing.
    expect(gic.cpuInterfaceFor(1).read(GiccOffset.iar, 4) & 0x3ff).toBe(40);
  });
});
