import { describe, expect, it } from 'vitest';
import { AddressSpace } from '../../../../src/core/bus/address-space';
import { MIP_MEIP, MIP_SEIP, PlicOffset, SifivePlic } from '../../../../src/core/devices/intc/sifive-plic';
import { RecordingSignals, sharedRegion } from './helpers';

const HARTS = 2;
const SOURCES = 95;

function setup() {
  const signals = new RecordingSignals(HARTS);
  const region = sharedRegion(SifivePlic.stateBytes({ sources: SOURCES, harts: HARTS }));
  const plic = new SifivePlic(region, { sources: SOURCES, harts: HARTS }, signals);
  const ram = new SharedArrayBuffer(4096);
  const bus = new AddressSpace(0x8000_0000, { buffer: ram, byteOffset: 0, byteLength: 4096 });
  const base = 0x0c00_0000;
  bus.map('plic', base, 0x60_0000, plic);
  const rd = (offset: number) => bus.read(base + offset, 4);
  const wr = (offset: number, value: number) => bus.write(base + offset, 4, value);
  const priority = (id: number, value: number) => wr(PlicOffset.priority + 4 * id, value);
  const enable = (ctx: number, ...ids: number[]) => {
    for (const id of ids) {
      const at = PlicOffset.enable + PlicOffset.enableStride * ctx + 4 * (id >> 5);
      wr(at, rd(at) | (1 << (id & 31)));
    }
  };
  const threshold = (ctx: number, value: number) => wr(PlicOffset.context + PlicOffset.contextStride * ctx, value);
  const claim = (ctx: number) => rd(PlicOffset.context + PlicOffset.contextStride * ctx + 4);
  const complete = (ctx: number, id: number) => wr(PlicOffset.context + PlicOffset.contextStride * ctx + 4, id);
  return { plic, signals, region, rd, wr, priority, enable, threshold, claim, complete };
}

describe('SifivePlic', () => {
  it('keeps 3 priority bits and ignores source 0', () => {
    const { rd, priority } = setup();
    priority(5, 0xff);
    expect(rd(4 * 5)).toBe(7);
    priority(0, 3);
    expect(rd(0)).toBe(0);
  });

  it('claims the pending source and lowers the context output until completion', () => {
    const { plic, signals, priority, enable, claim, complete, rd } = setup();
    priority(10, 1);
    enable(1, 10); // hart 0 S-mode
    plic.setLevel(10, true);
    expect(signals.mip[0]).toBe(MIP_SEIP);
    expect(rd(PlicOffset.pending) & (1 << 10)).not.toBe(0);
    expect(claim(1)).toBe(10);
    expect(signals.mip[0]).toBe(0);
    expect(rd(PlicOffset.pending) & (1 << 10)).toBe(0);
    // Still high while claimed: not pending again until completed.
    expect(claim(1)).toBe(0);
    complete(1, 10);
    expect(signals.mip[0]).toBe(MIP_SEIP);
    plic.setLevel(10, false);
    expect(signals.mip[0]).toBe(0);
    expect(claim(1)).toBe(0);
  });

  it('is level-triggered: a line lowered before the claim withdraws the request', () => {
    const { plic, priority, enable, claim, complete } = setup();
    priority(3, 2);
    enable(0, 3);
    plic.setLevel(3, true);
    expect(claim(0)).toBe(3);
    plic.setLevel(3, false);
    complete(0, 3);
    expect(claim(0)).toBe(0);
  });

  it('masks sources whose priority is not above the threshold', () => {
    const { plic, signals, priority, enable, threshold, claim } = setup();
    priority(7, 3);
    enable(2, 7); // hart 1 M-mode
    threshold(2, 3);
    plic.setLevel(7, true);
    expect(signals.mip[1]).toBe(0);
    expect(claim(2)).toBe(0);
    threshold(2, 2);
    expect(signals.mip[1]).toBe(MIP_MEIP);
    expect(claim(2)).toBe(7);
  });

  it('never delivers priority 0 sources', () => {
    const { plic, enable, claim } = setup();
    enable(0, 4);
    plic.setLevel(4, true);
    expect(claim(0)).toBe(0);
  });

  it('picks the highest priority, and the lowest id on ties', () => {
    const { plic, priority, enable, claim, complete } = setup();
    for (const id of [40, 9, 33, 70]) {
      enable(1, id);
      plic.setLevel(id, true);
    }
    priority(40, 2);
    priority(9, 2);
    priority(33, 5);
    priority(70, 5);
    expect(claim(1)).toBe(33);
    expect(claim(1)).toBe(70);
    expect(claim(1)).toBe(9);
    expect(claim(1)).toBe(40);
    expect(claim(1)).toBe(0);
    complete(1, 9);
    expect(claim(1)).toBe(9);
  });

  it('delivers per context enables only', () => {
    const { plic, signals, priority, enable, claim, complete } = setup();
    priority(1, 1);
    priority(2, 1);
    enable(1, 1);
    enable(3, 2);
    plic.setLevel(2, true);
    expect(signals.mip).toEqual([0, MIP_SEIP]);
    expect(claim(1)).toBe(0);
    plic.setLevel(1, true);
    expect(signals.mip).toEqual([MIP_SEIP, MIP_SEIP]);
    // A completion from a context where the source is not enabled is ignored.
    expect(claim(3)).toBe(2);
    complete(1, 2);
    expect(claim(3)).toBe(0);
    complete(3, 2);
    expect(claim(3)).toBe(2);
  });

  it('hardwires enable bits of source 0 and of sources past the last one', () => {
    const { rd, wr } = setup();
    wr(PlicOffset.enable, 0xffff_ffff);
    expect(rd(PlicOffset.enable)).toBe(0xffff_fffe);
    wr(PlicOffset.enable + 8, 0xffff_ffff);
    expect(rd(PlicOffset.enable + 8)).toBe(0xffff_ffff);
    wr(PlicOffset.enable + 12, 0xffff_ffff);
    expect(rd(PlicOffset.enable + 12)).toBe(0);
  });

  it('exposes the inspector view without claiming', () => {
    const { plic, priority, enable, threshold } = setup();
    priority(11, 4);
    enable(1, 11);
    threshold(1, 1);
    plic.setLevel(11, true);
    const view = plic.inspect();
    expect(view.sources[10]).toEqual({ id: 11, priority: 4, pending: true, claimed: false, level: true });
    expect(view.contexts[1]).toEqual({ context: 1, hart: 0, mode: 'S', enabled: [11], threshold: 1, wouldClaim: 11 });
    expect(plic.peek().claim1).toBe(11);
    expect(plic.inspect().sources[10]!.pending).toBe(true);
  });

  it('keeps state shared between instances and clears outputs on reset', () => {
    const { plic, region, signals, priority, enable } = setup();
    priority(1, 1);
    enable(0, 1);
    plic.setLevel(1, true);
    const other = new SifivePlic(region, { sources: SOURCES, harts: HARTS }, signals);
    expect(other.read(PlicOffset.context + 4, 4)).toBe(1);
    other.reset();
    expect(signals.mip).toEqual([0, 0]);
    expect(plic.read(4, 4)).toBe(0);
  });
});
