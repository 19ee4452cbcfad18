import { describe, expect, it } from 'vitest';
import { MIP_SEIP, PlicOffset, SifivePlic } from '../../../../../../src/core/devices/intc/sifive-plic';
import type { HartApi } from '../../../../../../src/core/isa/riscv64/platform';
import { VirtualPlic, virtualPlicRegisters, type VirtualPlicConfig } from '../../../../../../src/core/hypervisor/arch/riscv64/vplic';
import { RecordingSignals, sharedRegion } from '../../../devices/helpers';

class FakeHart implements HartApi {
  constructor(readonly hartId: number, private readonly pc = 0x8020_0000n) {}
  get cpuId(): number {
    return this.hartId;
  }
  getX(): bigint { return 0n; }
  setX(): void {}
  getPc(): bigint { return this.pc; }
  setPc(): void {}
  getPrivilege(): number { return 1; }
}

const BOARD_HARTS = 4;
const PHYSICAL_SOURCES = 95;
const HW_IRQS = [10, 33, 34];

/** qemu-plic: a non-root zone on harts 2 and 3 owning virtio IRQs 7, 8, 9 and the PCIe INTx line 33. */
function setup(overrides: Partial<VirtualPlicConfig> = {}) {
  const signals = new RecordingSignals(BOARD_HARTS);
  const physical = new SifivePlic(sharedRegion(SifivePlic.stateBytes({ sources: PHYSICAL_SOURCES, harts: BOARD_HARTS })),
    { sources: PHYSICAL_SOURCES, harts: BOARD_HARTS }, signals);
  const guestErrors: string[] = [];
  const logs: string[] = [];
  const config: VirtualPlicConfig = {
    zoneId: 1,
    zoneCpus: [2, 3],
    sources: 1023,
    ownedIrqs: [7, 8, 9, 33],
    hwIrqs: HW_IRQS,
    onGuestError: (m) => guestErrors.push(m),
    log: (m) => logs.push(m),
    ...overrides,
  };
  const region = sharedRegion(VirtualPlic.stateBytes(config));
  const vplic = new VirtualPlic(region, config, physical, signals);
  const hart = new FakeHart(2);
  const rd = (offset: number, size: 1 | 2 | 4 | 8 = 4) => Number(vplic.read(hart, offset, size));
  const wr = (offset: number, value: number | bigint, size: 1 | 2 | 4 | 8 = 4) => vplic.write(hart, offset, size, BigInt(value));
  const priority = (irq: number, value: number) => wr(4 * irq, value);
  const enable = (vctx: number, ...irqs: number[]) => {
    for (const irq of irqs) {
      const at = PlicOffset.enable + PlicOffset.enableStride * vctx + 4 * (irq >> 5);
      wr(at, (rd(at) | (1 << (irq & 31))) >>> 0);
    }
  };
  const threshold = (vctx: number, value: number) => wr(PlicOffset.context + PlicOffset.contextStride * vctx, value);
  const claim = (vctx: number) => rd(PlicOffset.context + PlicOffset.contextStride * vctx + 4);
  const complete = (vctx: number, irq: number) => wr(PlicOffset.context + PlicOffset.contextStride * vctx + 4, irq);
  const phys = {
    priority: (irq: number) => physical.read(4 * irq, 4),
    enabled: (pctx: number, irq: number) => ((physical.read(PlicOffset.enable + PlicOffset.enableStride * pctx + 4 * (irq >> 5), 4) >>> (irq & 31)) & 1) === 1,
    threshold: (pctx: number) => physical.read(PlicOffset.context + PlicOffset.contextStride * pctx, 4),
    claim: (pctx: number) => physical.read(PlicOffset.context + PlicOffset.contextStride * pctx + 4, 4),
    source: (irq: number) => physical.inspect().sources[irq - 1]!,
  };
  return { vplic, physical, signals, region, config, guestErrors, logs, rd, wr, priority, enable, threshold, claim, complete, phys };
}

describe('VirtualPlic', () => {
  it('maps vcontext 2i+1 to the i-th zone CPU', () => {
    const { vplic, signals, priority, enable, phys } = setup();
    expect(vplic.vcontextOf(2)).toBe(1);
    expect(vplic.vcontextOf(3)).toBe(3);
    expect(vplic.vcontextOf(0)).toBeUndefined();
    priority(7, 1);
    enable(3, 7);
    vplic.inject(7, false);
    expect(signals.mip).toEqual([0, 0, 0, MIP_SEIP]);
    // hw enables land in the physical S context of the matching hart: vcontext 1 -> pcontext 5, 3 -> 7.
    enable(1, 33);
    enable(3, 33);
    expect(phys.enabled(5, 33)).toBe(true);
    expect(phys.enabled(7, 33)).toBe(true);
    expect(phys.enabled(1, 33) || phys.enabled(3, 33) || phys.enabled(4, 33) || phys.enabled(6, 33)).toBe(false);
    expect(vplic.inspect().contexts.map((c) => [c.vcontext, c.hart])).toEqual([[1, 2], [3, 3]]);
  });

  it('refuses M-mode contexts and contexts beyond the zone, without stopping the zone', () => {
    const { vplic, guestErrors, rd, wr, priority, enable, claim, threshold } = setup();
    priority(7, 1);
    vplic.inject(7, false);
    wr(PlicOffset.enable, 0xffff_ffff); // vcontext 0: M-mode
    wr(PlicOffset.enable + 2 * PlicOffset.enableStride, 0xffff_ffff); // vcontext 2: M-mode
    threshold(5, 0); // vcontext 5 would be a third hart
    expect(rd(PlicOffset.enable)).toBe(0);
    expect(claim(0)).toBe(0);
    expect(claim(5)).toBe(0);
    expect(guestErrors).toHaveLength(6);
    expect(guestErrors[0]).toMatch(/zone 1 hart 2 pc 0x80200000: vPLIC write at offset 0x2000 ignored: context 0 is an M-mode context/);
    expect(guestErrors[2]).toMatch(/context 5 beyond the zone's 2 hart/);
    // Nothing leaked into the real contexts; the zone goes on working.
    expect(vplic.inspect().contexts.map((c) => c.enables)).toEqual([[], []]);
    enable(1, 7);
    expect(claim(1)).toBe(7);
  });

  it('accepts only aligned 32-bit accesses to defined registers', () => {
    const { vplic, guestErrors, rd, wr, priority } = setup();
    priority(7, 3);
    expect(rd(4 * 7, 8)).toBe(0);
    expect(rd(4 * 7, 1)).toBe(0);
    wr(4 * 7 + 2, 5);
    wr(4 * 7, 5, 2);
    expect(rd(4 * 7)).toBe(3);
    expect(rd(0)).toBe(0); // source 0 does not exist
    wr(0x1080, 1); // between the pending array and the enables
    wr(PlicOffset.context + PlicOffset.contextStride + 8, 1); // past claim/complete
    vplic.inject(7, false);
    wr(PlicOffset.pending, 0); // pending is read-only
    expect(rd(PlicOffset.pending)).toBe(1 << 7);
    expect(guestErrors).toHaveLength(8);
    expect(guestErrors[0]).toMatch(/8-byte access/);
    expect(guestErrors[7]).toMatch(/read-only/);
  });

  it('claims the highest priority above the threshold, lowest id on ties, and tracks active sources', () => {
    const { vplic, signals, priority, enable, threshold, claim, complete } = setup();
    enable(1, 7, 8, 9);
    priority(7, 2);
    priority(8, 5);
    priority(9, 5);
    threshold(1, 2);
    for (const irq of [7, 8, 9]) expect(vplic.inject(irq, false)).toBe(true);
    expect(signals.mip[2]).toBe(MIP_SEIP);
    expect(claim(1)).toBe(8);
    expect(claim(1)).toBe(9);
    // 7 is pending but its priority does not exceed the threshold: SEIP falls.
    expect(claim(1)).toBe(0);
    expect(signals.mip[2]).toBe(0);
    threshold(1, 1);
    expect(signals.mip[2]).toBe(MIP_SEIP);
    expect(claim(1)).toBe(7);
    expect(signals.mip[2]).toBe(0);
    // Injected again while active: held back until the completion.
    vplic.inject(8, false);
    expect(claim(1)).toBe(0);
    expect(signals.mip[2]).toBe(0);
    complete(1, 8);
    expect(signals.mip[2]).toBe(MIP_SEIP);
    expect(claim(1)).toBe(8);
    expect(vplic.inspect().sources.filter((s) => s.active).map((s) => s.irq)).toEqual([7, 8, 9]);
  });

  it('never delivers priority 0 and re-evaluates lines on priority and enable changes', () => {
    const { vplic, signals, priority, enable, wr, rd, claim } = setup();
    enable(3, 9);
    vplic.inject(9, false);
    expect(signals.mip[3]).toBe(0);
    expect(claim(3)).toBe(0);
    priority(9, 1);
    expect(signals.mip[3]).toBe(MIP_SEIP);
    const at = PlicOffset.enable + 3 * PlicOffset.enableStride;
    wr(at, rd(at) & ~(1 << 9));
    expect(signals.mip[3]).toBe(0);
  });

  it('signals both harts for an IRQ enabled in both contexts; the second claim is spurious', () => {
    const { vplic, signals, priority, enable, claim } = setup();
    priority(8, 1);
    enable(1, 8);
    enable(3, 8);
    vplic.inject(8, false);
    expect(signals.mip).toEqual([0, 0, MIP_SEIP, MIP_SEIP]);
    expect(claim(3)).toBe(8);
    expect(signals.mip).toEqual([0, 0, 0, 0]);
    expect(claim(1)).toBe(0);
  });

  it('mirrors hw priority, enable and threshold to the physical PLIC and keeps virtio IRQs virtual', () => {
    const { priority, enable, threshold, phys, physical } = setup();
    priority(33, 3);
    priority(7, 4);
    enable(1, 33, 7, 10); // 10 is hw on the board but not the zone's
    threshold(1, 2);
    threshold(3, 1);
    expect(phys.priority(33)).toBe(3);
    expect(phys.priority(7)).toBe(0);
    expect(phys.enabled(5, 33)).toBe(true);
    expect(phys.enabled(5, 7)).toBe(false);
    expect(phys.enabled(5, 10)).toBe(false);
    expect(phys.threshold(5)).toBe(2);
    expect(phys.threshold(7)).toBe(1);
    expect(physical.inspect().contexts.filter((c) => c.enabled.length > 0).map((c) => c.context)).toEqual([5]);
  });

  it('keeps the physical enables of other bits in the same word when mirroring', () => {
    const { physical, enable, wr, rd, phys } = setup();
    // Something else (another zone's vPLIC on this hart cannot exist, but the word is shared) set bit 34.
    physical.write(PlicOffset.enable + 5 * PlicOffset.enableStride + 4, 4, 1 << 2);
    enable(1, 33);
    expect(phys.enabled(5, 34)).toBe(true);
    expect(phys.enabled(5, 33)).toBe(true);
    const at = PlicOffset.enable + PlicOffset.enableStride + 4;
    wr(at, rd(at) & ~(1 << 1));
    expect(phys.enabled(5, 33)).toBe(false);
    expect(phys.enabled(5, 34)).toBe(true);
  });

  it('forwards the completion of a hw IRQ to the physical claim/complete register', () => {
    const { vplic, physical, signals, priority, enable, claim, complete, phys } = setup();
    priority(33, 1);
    enable(1, 33);
    physical.setLevel(33, true);
    expect(signals.mip[2]).toBe(MIP_SEIP); // physical output of pcontext 5 (no routing here)
    expect(phys.claim(5)).toBe(33);
    expect(vplic.inject(33, true)).toBe(true);
    expect(claim(1)).toBe(33);
    expect(phys.source(33).claimed).toBe(true);
    physical.setLevel(33, false);
    complete(1, 33);
    expect(phys.source(33).claimed).toBe(false);
    expect(vplic.inspect().sources[32]!.active).toBe(false);
    // Completing a virtio IRQ touches nothing physical.
    physical.setLevel(7, true);
    physical.write(PlicOffset.enable + 5 * PlicOffset.enableStride, 4, 1 << 7);
    physical.write(4 * 7, 4, 1);
    expect(phys.claim(5)).toBe(7);
    complete(1, 7);
    expect(phys.source(7).claimed).toBe(true);
  });

  it('delivers a virtual injection (a virtio completion) whether or not the zone lists the IRQ, as hvisor does', () => {
    // hvisor's inject_irq checks only the hw flag: virtio_cfg.json IRQs need not be in `interrupts`,
    // and the vPLIC has 1023 sources however few the physical PLIC has (95 here).
    const { vplic, logs, signals, enable, priority, claim, complete } = setup();
    for (const irq of [12, 500]) {
      priority(irq, 1);
      enable(1, irq);
    }
    expect(vplic.inject(12, false)).toBe(true);
    expect(signals.mip[2]! & MIP_SEIP).toBe(MIP_SEIP);
    expect(claim(1)).toBe(12);
    complete(1, 12);
    expect(vplic.inject(500, false)).toBe(true);
    expect(claim(1)).toBe(500);
    complete(1, 500);
    expect(signals.mip[2]! & MIP_SEIP).toBe(0);
    expect(logs).toEqual([]);
  });

  it('drops and logs physical injections of IRQs that are not its hw IRQs, and ids outside 1..1023', () => {
    const { vplic, logs, signals, enable, priority } = setup();
    priority(10, 1);
    enable(1, 10);
    expect(vplic.inject(10, true)).toBe(false);
    expect(vplic.inject(0, false)).toBe(false);
    expect(vplic.inject(1024, false)).toBe(false);
    expect(logs).toEqual([
      "zone 1: irq 10 injected as hw is not one of the zone's hw IRQs (interrupts and HW_IRQS), dropped",
      'zone 1: irq 0 is not a vPLIC source (1..1023), dropped',
      'zone 1: irq 1024 is not a vPLIC source (1..1023), dropped',
    ]);
    expect(signals.mip).toEqual([0, 0, 0, 0]);
    expect(vplic.inspect().sources.some((s) => s.pending)).toBe(false);
  });

  it('drops injections whose hw flag does not match the IRQ', () => {
    const { vplic, logs } = setup();
    expect(vplic.inject(33, false)).toBe(false);
    expect(vplic.inject(7, true)).toBe(false);
    expect(logs).toEqual([
      'zone 1: irq 33 injected as virtual is a hw IRQ of the zone, not a virtual one, dropped',
      "zone 1: irq 7 injected as hw is not one of the zone's hw IRQs (interrupts and HW_IRQS), dropped",
    ]);
    expect(vplic.inspect().sources.some((s) => s.pending)).toBe(false);
  });

  it('reset() returns the zone hw IRQs to a quiet physical state and clears the vPLIC', () => {
    const { vplic, physical, signals, priority, enable, threshold, claim, phys } = setup({ ownedIrqs: [7, 33, 34] });
    physical.write(4 * 10, 4, 6); // the root zone's UART, untouched by this zone's reset
    physical.write(PlicOffset.enable + 3 * PlicOffset.enableStride, 4, 1 << 10);
    priority(33, 2);
    priority(34, 2);
    priority(7, 2);
    enable(1, 33, 7);
    enable(3, 34);
    threshold(1, 1);
    threshold(3, 1);
    vplic.inject(7, false);
    vplic.inject(34, true);
    expect(claim(3)).toBe(34);
    expect(signals.mip[2]).toBe(MIP_SEIP);
    vplic.reset();
    expect([phys.priority(33), phys.priority(34), phys.priority(10)]).toEqual([0, 0, 6]);
    expect([phys.enabled(5, 33), phys.enabled(7, 34), phys.enabled(3, 10)]).toEqual([false, false, true]);
    expect([phys.threshold(5), phys.threshold(7)]).toEqual([0, 0]);
    expect(signals.mip).toEqual([0, 0, 0, 0]);
    const view = vplic.inspect();
    expect(view.sources.some((s) => s.pending || s.active || s.priority !== 0)).toBe(false);
    expect(view.contexts).toEqual([
      { vcontext: 1, hart: 2, enables: [], threshold: 0, wouldClaim: 0 },
      { vcontext: 3, hart: 3, enables: [], threshold: 0, wouldClaim: 0 },
    ]);
    // The zone can be started again from a clean vPLIC.
    priority(7, 1);
    enable(1, 7);
    vplic.inject(7, false);
    expect(claim(1)).toBe(7);
  });

  it('reset() completes a hw IRQ the zone still held, so the source works for the next zone', () => {
    const { vplic, physical, priority, enable, phys } = setup({ ownedIrqs: [33] });
    priority(33, 1);
    enable(1, 33);
    physical.setLevel(33, true);
    expect(phys.claim(5)).toBe(33); // what the hypervisor does on the physical SEI
    vplic.inject(33, true);
    physical.setLevel(33, false);
    expect(phys.source(33).claimed).toBe(true);
    vplic.reset();
    expect(phys.source(33).claimed).toBe(false);
  });

  it('keeps the low 32 bits of sign-extended values and hardwires nonexistent enable bits', () => {
    const { rd, wr } = setup();
    const word0 = PlicOffset.enable + PlicOffset.enableStride;
    wr(word0 + 4, 0xffff_ffff_f000_0000n); // sources 60..63, as a sign-extended 32-bit store brings them
    expect(rd(word0 + 4)).toBe(0xf000_0000);
    wr(word0, 0xffff_ffff);
    expect(rd(word0)).toBe(0xffff_fffe);
    wr(word0 + 4 * 31, 0xffff_ffff); // sources 992..1023: 1023 is the last one
    expect(rd(word0 + 4 * 31)).toBe(0xffff_ffff);
    wr(4 * 5, 0x1234_5678_9n);
    expect(rd(4 * 5)).toBe(0x2345_6789); // hvisor keeps the whole 32-bit priority
  });

  it('shares all state through the region between instances (one per vCPU thread)', () => {
    const { vplic, region, config, physical, signals, priority, enable, claim } = setup();
    priority(9, 1);
    enable(3, 9);
    const other = new VirtualPlic(region, config, physical, signals);
    other.inject(9, false);
    expect(signals.mip[3]).toBe(MIP_SEIP);
    expect(vplic.inspect().sources[8]!.pending).toBe(true);
    expect(claim(3)).toBe(9);
    expect(other.inspect().sources[8]!.active).toBe(true);
  });

  it('describes sources and contexts for the inspector without claiming', () => {
    const { vplic, priority, enable, threshold } = setup();
    priority(33, 3);
    priority(8, 2);
    enable(3, 8, 33);
    threshold(3, 1);
    vplic.inject(8, false);
    const view = vplic.inspect();
    expect(view.sources).toHaveLength(1023);
    expect(view.sources[7]).toEqual({ irq: 8, priority: 2, pending: true, active: false, owned: true, hw: false });
    expect(view.sources[32]).toEqual({ irq: 33, priority: 3, pending: false, active: false, owned: true, hw: true });
    expect(view.sources[9]).toEqual({ irq: 10, priority: 0, pending: false, active: false, owned: false, hw: false });
    expect(view.contexts[1]).toEqual({ vcontext: 3, hart: 3, enables: [8, 33], threshold: 1, wouldClaim: 8 });
    expect(vplic.inspect().contexts[1]!.wouldClaim).toBe(8);
  });

  it('publishes its register map as data, with S-mode contexts only', () => {
    const { vplic } = setup();
    const byName = Object.fromEntries(vplic.registers.map((r) => [r.name, r]));
    expect(byName.priority).toMatchObject({ offset: 4, count: 1023, stride: 4 });
    expect(byName.pending).toMatchObject({ offset: 0x1000, count: 32, access: 'ro' });
    expect(byName.enable).toMatchObject({ offset: 0x2080, count: 2, stride: 0x100 });
    expect(byName.threshold).toMatchObject({ offset: 0x20_1000, count: 2, stride: 0x2000 });
    expect(byName.claim).toMatchObject({ offset: 0x20_1004, count: 2, stride: 0x2000 });
    expect(virtualPlicRegisters(95, 1).find((r) => r.name === 'pending')!.count).toBe(3);
  });

  it('names the zone by its harts when no zone id is given', () => {
    const { vplic, guestErrors, logs, rd } = setup({ zoneId: undefined });
    vplic.inject(10, true);
    rd(0);
    expect(logs).toEqual(["zone on harts 2,3: irq 10 injected as hw is not one of the zone's hw IRQs (interrupts and HW_IRQS), dropped"]);
    expect(guestErrors[0]).toMatch(/^hart 2 pc 0x80200000: vPLIC read at offset 0x0 ignored: source 0 does not exist$/);
  });

  it('rejects configurations that break its invariants', () => {
    expect(() => setup({ zoneCpus: [3, 2] })).toThrow(/ascending/);
    expect(() => setup({ zoneCpus: [] })).toThrow(/at least one CPU/);
    expect(() => setup({ ownedIrqs: [0] })).toThrow(/outside/);
    expect(() => setup({ sources: 1024 })).toThrow(/out of range/);
  });
});
