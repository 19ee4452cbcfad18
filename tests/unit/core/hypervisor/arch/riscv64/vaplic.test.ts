/**
 * hvisor's vAPLIC (aia/vaplic.rs) over the physical APLIC and IMSIC: what a zone's guest writes reaches
 * the physical APLIC only for its hw IRQs, aimed at its own harts' guest files; virtual IRQs go by
 * injection; what hvisor panics on stops the zone.
 */
import { describe, expect, it } from 'vitest';
import { AplicOffset, RiscvAplic, SourceMode } from '../../../../../../src/core/devices/intc/riscv-aplic';
import { ImsicSelect, RiscvImsic } from '../../../../../../src/core/devices/intc/riscv-imsic';
import { HVISOR_IMSIC_GUEST_INDEX, VirtualAplic } from '../../../../../../src/core/hypervisor/arch/riscv64/vaplic';
import { RecordingSignals, sharedRegion } from '../../../devices/helpers';

const HARTS = 4;
const IMSIC = { harts: HARTS, ids: 255, guests: 1, machineBase: 0x2400_0000, supervisorBase: 0x2800_0000 };
const cpu = (cpuId: number) => ({ cpuId, getPc: () => 0x8000_0000n });

function setup(zoneCpus: number[], ownedIrqs: number[]) {
  const signals = new RecordingSignals(HARTS);
  const imsic = new RiscvImsic(sharedRegion(RiscvImsic.stateBytes(IMSIC)), IMSIC, signals);
  const aplic = new RiscvAplic(sharedRegion(RiscvAplic.stateBytes({ sources: 96 })), {
    sources: 96, harts: HARTS, imsic: { machineBase: IMSIC.machineBase, supervisorBase: IMSIC.supervisorBase, guestBits: 1 },
  }, () => imsic);
  const errors: string[] = [];
  const panics: string[] = [];
  const vaplic = new VirtualAplic(sharedRegion(VirtualAplic.stateBytes()), {
    zoneId: 1, zoneCpus, ownedIrqs, hwIrqs: [1, 2, 3, 4, 5, 8, 10, 33, 34, 35, 36],
    window: { base: 0x0d00_0000, size: 0x8000 }, imsicBase: 0x2800_0000,
    onGuestError: (m) => errors.push(m), log: (m) => errors.push(m), panic: (m) => panics.push(m),
  }, aplic);
  const w = (offset: number, value: number, who = zoneCpus[0]!) => vaplic.write(cpu(who), offset, 4, BigInt(value));
  const r = (offset: number) => Number(vaplic.read(cpu(zoneCpus[0]!), offset, 4));
  for (const hart of zoneCpus) {
    imsic.selectGuestFile(hart, HVISOR_IMSIC_GUEST_INDEX);
    imsic.indirectWrite(hart, 'S', ImsicSelect.eidelivery, 1n);
    imsic.indirectWrite(hart, 'S', ImsicSelect.eie0, ~0n);
  }
  return { imsic, aplic, vaplic, errors, panics, w, r };
}

describe("hvisor's vAPLIC", () => {
  it("mirrors a hw IRQ to the physical APLIC aimed at guest file 1 of the zone's hart, and the line then reaches the guest", () => {
    const { aplic, imsic, w, r } = setup([2, 3], [6, 10]);
    w(AplicOffset.domaincfg, 0x104);
    expect(r(AplicOffset.domaincfg)).toBe(0x104);
    w(AplicOffset.sourcecfg + 4 * 9, SourceMode.level1);
    w(AplicOffset.target + 4 * 9, (1 << 18) | 21);
    w(AplicOffset.setienum, 10);
    const physical = aplic.sourceState(1, 10);
    expect(physical).toMatchObject({ active: true, enabled: true, mode: SourceMode.level1 });
    // Zone hart index 1 = physical hart 3 (first CPU 2 + 1), guest file IMSIC_GUEST_INDEX.
    expect(physical.target).toBe((3 << 18) | (1 << 12) | 21);
    aplic.setLevel(10, true);
    expect(imsic.topei(3, 'S') >>> 16).toBe(21);
    expect(imsic.topei(2, 'S')).toBe(0);
  });

  it('keeps a virtual IRQ to itself and delivers its injection to the hart and identity the guest programmed', () => {
    const { aplic, imsic, vaplic, w } = setup([2, 3], [6, 10]);
    w(AplicOffset.sourcecfg + 4 * 5, SourceMode.edge1);
    w(AplicOffset.target + 4 * 5, (0 << 18) | 40);
    expect(aplic.sourceState(1, 6).active).toBe(false);
    expect(vaplic.inject(6, false)).toBe(true);
    expect(imsic.topei(2, 'S') >>> 16).toBe(40);
    expect(vaplic.inject(10, true)).toBe(false);
  });

  it("refuses a hw IRQ aimed beyond the zone's harts and an IRQ it does not own never reaches the APLIC", () => {
    const { aplic, errors, w } = setup([3], [6]);
    w(AplicOffset.sourcecfg + 4 * 5, SourceMode.level1);
    w(AplicOffset.target + 4 * 5, 21);
    expect(aplic.sourceState(1, 6).active).toBe(false);
    const root = setup([0, 1, 2], [10]);
    root.w(AplicOffset.sourcecfg + 4 * 9, SourceMode.level1);
    root.w(AplicOffset.target + 4 * 9, (3 << 18) | 21);
    expect(root.errors.join('\n')).toMatch(/hart index 3, beyond the zone's 3 CPU/);
    expect(root.aplic.sourceState(1, 10).target >>> 18).not.toBe(3);
    expect(errors).toEqual([]);
  });

  it("the zone's IMSIC page of a CPU is that CPU's guest file (an IPI)", () => {
    const { imsic, vaplic } = setup([0, 1, 2], [10]);
    const page = vaplic.traps.find((t) => t.start === 0x2800_0000 + 0x1000 * 2)!;
    page.handler.write(cpu(0), 0, 4, 1n);
    expect(imsic.topei(2, 'S') >>> 16).toBe(1);
  });

  it('reports an identity the interrupt file does not have, naming the zone and the CPU, and delivers nothing', () => {
    const { imsic, vaplic, errors } = setup([0, 1], [10]);
    vaplic.traps.find((t) => t.start === 0x2800_1000)!.handler.write(cpu(0), 0, 4, 4000n);
    expect(errors.join('\n')).toMatch(/zone 1 IMSIC page of cpu 1 \(written by cpu 0\): MSI identity 4000 .* outside 1\.\.255/);
    expect(imsic.topei(1, 'S')).toBe(0);
  });

  it('stops the zone where hvisor panics and logs the registers it refuses', () => {
    const { vaplic, panics, errors, w } = setup([0], [10]);
    vaplic.read(cpu(0), 2, 2);
    w(0x4000, 0);
    expect(panics).toHaveLength(2);
    w(AplicOffset.genmsi, 5);
    expect(errors.join('\n')).toMatch(/genmsi is not supported/);
  });

  it('reset disables, deactivates and clears its hw IRQs on the physical APLIC', () => {
    const { aplic, vaplic, w } = setup([0], [10]);
    w(AplicOffset.sourcecfg + 4 * 9, SourceMode.level1);
    w(AplicOffset.setienum, 10);
    vaplic.reset();
    expect(aplic.sourceState(1, 10)).toMatchObject({ active: false, enabled: false, pending: false });
  });
});
