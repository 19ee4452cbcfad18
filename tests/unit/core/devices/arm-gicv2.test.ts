import { describe, expect, it } from 'vitest';
import { GIC_FIQ, GIC_IRQ } from '../../../../src/core/devices/intc/arm-gic-state';
import { ArmGicv2, GiccCtlr, GiccOffset as C, GicV2DistOffset as D } from '../../../../src/core/devices/intc/arm-gicv2';
import { RecordingSignals, sharedRegion } from './helpers';

const CPUS = 2;
const LINES = 288;
const SPI = 33;

function setup() {
  const signals = new RecordingSignals(CPUS);
  const config = { cpus: CPUS, lines: LINES };
  const region = sharedRegion(ArmGicv2.stateBytes(config));
  const gic = new ArmGicv2(region, config, signals);
  const dist = [0, 1].map((cpu) => gic.distributorFor(cpu));
  const cpuif = [0, 1].map((cpu) => gic.cpuInterfaceFor(cpu));
  const gicd = (cpu: number, offset: number) => dist[cpu]!.read(offset, 4);
  const setGicd = (cpu: number, offset: number, value: number) => dist[cpu]!.write(offset, 4, value);
  const gicc = (cpu: number, offset: number) => cpuif[cpu]!.read(offset, 4);
  const setGicc = (cpu: number, offset: number, value: number) => cpuif[cpu]!.write(offset, 4, value);
  return { gic, signals, region, config, dist, gicd, setGicd, gicc, setGicc };
}

/** Linux's irq-gic driver: gic_dist_init on the boot CPU, gic_cpu_init + gic_cpu_if_up on each. */
function linuxProbe(t: ReturnType<typeof setup>) {
  const { gicd, setGicd, setGicc, gicc } = t;
  expect(gicd(0, D.pidr2) & 0xf0).toBe(0x20);
  setGicd(0, D.ctlr, 0);
  const lines = ((gicd(0, D.typer) & 0x1f) + 1) * 32;
  expect(lines).toBe(LINES);
  expect(((gicd(0, D.typer) >> 5) & 7) + 1).toBe(CPUS);
  // QEMU arm_gic.c gic_dist_readb: GICD_IIDR bytes 0x3b, 0x04, the rest RAZ (Arm, r0p0, ProductID 0).
  expect(gicd(0, D.iidr)).toBe(0x43b);
  // gic_get_cpumask: ITARGETSR0..7 read as the accessing CPU's bit.
  expect(gicd(1, D.itargetsr)).toBe(0x0202_0202);
  for (let i = 32; i < lines; i += 4) setGicd(0, D.itargetsr + i, 0x0101_0101);
  for (let i = 32; i < lines; i += 4) setGicd(0, D.ipriorityr + i, 0xa0a0_a0a0);
  for (let i = 32; i < lines; i += 32) setGicd(0, D.icenabler + i / 8, 0xffff_ffff);
  setGicd(0, D.ctlr, 1);
  for (let cpu = 0; cpu < CPUS; cpu++) {
    setGicd(cpu, D.icenabler, 0xffff_0000);
    setGicd(cpu, D.isenabler, 0x0000_ffff);
    for (let i = 0; i < 32; i += 4) setGicd(cpu, D.ipriorityr + i, 0xa0a0_a0a0);
    setGicc(cpu, C.pmr, 0xf0);
    setGicc(cpu, C.ctlr, GiccCtlr.enableGrp0);
    // QEMU arm_gic.c gic_cpu_read 0xfc: (revision << 16) | 0x43b; gic_check_gicv2 masks 0xff0fff.
    expect(gicc(cpu, C.iidr)).toBe(0x0002_043b);
    expect(gicc(cpu, C.iidr) & 0xff0fff).toBe(0x02043b);
  }
}

describe('ArmGicv2', () => {
  it('routes an SPI to CPU 1 by ITARGETSR, acknowledges, EOIs and deactivates', () => {
    const t = setup();
    linuxProbe(t);
    const { gic, signals, gicd, setGicd, gicc, setGicc } = t;
    setGicd(0, D.itargetsr + SPI, 0x02);
    expect(gicd(0, D.itargetsr + SPI) & 0xff).toBe(0x02);
    setGicd(0, D.isenabler + 4, 1 << (SPI - 32));
    gic.setLevel(SPI, true);
    expect(signals.mip).toEqual([0, GIC_IRQ]);
    expect(gicc(0, C.iar)).toBe(1023);
    expect(gicc(1, C.hppir)).toBe(SPI);
    expect(gicc(1, C.iar)).toBe(SPI);
    expect(gicc(1, C.rpr)).toBe(0xa0);
    expect(signals.mip[1]).toBe(0);
    gic.setLevel(SPI, false);
    setGicc(1, C.eoir, SPI);
    expect(gicc(1, C.rpr)).toBe(0xff);
    expect(gicd(0, D.isactiver + 4)).toBe(0);
    expect(gic.inspect().sources.find((s) => s.intid === SPI)).toMatchObject({ target: 'cpu 1', enabled: true, pending: false, group: 0 });
  });

  it('sends an SGI from CPU 0 to CPU 1 with the source in GICC_IAR, and filters by list, others and self', () => {
    const t = setup();
    linuxProbe(t);
    const { signals, gicd, setGicd, gicc, setGicc } = t;
    setGicd(0, D.sgir, (0x02 << 16) | 5);
    expect(signals.mip).toEqual([0, GIC_IRQ]);
    expect(gicd(1, D.spendsgir + 4) >> 8 & 0xff).toBe(0x01); // SGI 5: source CPU 0
    const iar = gicc(1, C.iar);
    expect(iar).toBe(5 | (0 << 10));
    setGicc(1, C.eoir, iar);
    expect(signals.mip).toEqual([0, 0]);
    setGicd(1, D.sgir, (1 << 24) | 7); // all but self
    expect(gicc(0, C.iar)).toBe(7 | (1 << 10));
    setGicc(0, C.eoir, 7 | (1 << 10));
    setGicd(1, D.sgir, (2 << 24) | 3); // self
    expect(signals.mip).toEqual([0, GIC_IRQ]);
    setGicd(1, D.cpendsgir, 0x02 << 24);
    expect(signals.mip).toEqual([0, 0]);
  });

  it('masks by GICC_PMR, preempts by priority, and uses GICC_DIR with EOImode', () => {
    const t = setup();
    linuxProbe(t);
    const { gic, signals, setGicd, gicc, setGicc, gicd } = t;
    setGicd(0, D.isenabler + 4, 0b110);
    setGicd(0, D.ipriorityr + 32, 0x0040_80a0);
    setGicc(0, C.pmr, 0x80);
    gic.setLevel(33, true);
    expect(signals.mip[0]).toBe(0);
    setGicc(0, C.pmr, 0xf0);
    setGicc(0, C.ctlr, GiccCtlr.enableGrp0 | GiccCtlr.eoiMode);
    expect(gicc(0, C.iar)).toBe(33);
    gic.setLevel(34, true);
    expect(signals.mip[0]).toBe(GIC_IRQ);
    expect(gicc(0, C.iar)).toBe(34);
    expect(gicc(0, C.rpr)).toBe(0x40);
    setGicc(0, C.eoir, 34);
    expect(gicc(0, C.rpr)).toBe(0x80);
    expect(gicd(0, D.isactiver + 4) & 0b110).toBe(0b110); // EOImode: still active
    setGicc(0, C.dir, 34);
    expect(gicd(0, D.isactiver + 4) & 0b110).toBe(0b010);
  });

  it('latches edge SPIs, and signals Group 0 as FIQ with FIQEn', () => {
    const t = setup();
    linuxProbe(t);
    const { gic, signals, setGicd, gicc, setGicc, gicd } = t;
    setGicd(0, D.icfgr + 8, 2 << 2); // SPI 33 edge
    setGicd(0, D.isenabler + 4, 2);
    gic.setLevel(SPI, true);
    gic.setLevel(SPI, false);
    expect(gicd(0, D.ispendr + 4) & 2).toBe(2);
    setGicc(0, C.ctlr, GiccCtlr.enableGrp0 | GiccCtlr.fiqEn);
    expect(signals.mip[0]).toBe(GIC_FIQ);
    expect(gicc(0, C.iar)).toBe(SPI);
    setGicc(0, C.eoir, SPI);
    expect(signals.mip[0]).toBe(0);
  });

  it('keeps state shared: a second instance (another thread) acknowledges what the first raised', () => {
    const t = setup();
    linuxProbe(t);
    const other = new ArmGicv2(t.region, t.config, new RecordingSignals(CPUS));
    t.setGicd(0, D.isenabler + 4, 2);
    t.gic.setLevel(SPI, true);
    expect(other.cpuInterfaceFor(0).read(C.iar, 4)).toBe(SPI);
    expect(t.gicc(0, C.rpr)).toBe(0xa0);
    expect(other.inspect()).toEqual(t.gic.inspect());
  });

  it('refuses more than 8 CPUs', () => {
    expect(() => new ArmGicv2(sharedRegion(1 << 16), { cpus: 9, lines: 64 }, new RecordingSignals(9))).toThrow(/at most 8/);
  });
});
