import { describe, expect, it } from 'vitest';
import { GIC_FIQ, GIC_IRQ } from '../../../../src/core/devices/intc/arm-gic-state';
import { Icc } from '../../../../src/core/devices/intc/arm-gicv3/cpu-interface';
import { GicdOffset as D } from '../../../../src/core/devices/intc/arm-gicv3/distributor';
import { ArmGicv3 } from '../../../../src/core/devices/intc/arm-gicv3/gicv3';
import { GICR_FRAME_BYTES, GicrOffset as R, GicrWaker } from '../../../../src/core/devices/intc/arm-gicv3/redistributor';
import { RecordingSignals, sharedRegion } from './helpers';

const CPUS = 2;
const LINES = 288; // QEMU virt: ITLinesNumber = 8
const UART_SPI = 33;
const TIMER_PPI = 27;

function setup() {
  const signals = new RecordingSignals(CPUS);
  const config = { cpus: CPUS, lines: LINES, affinities: [0x0000, 0x0001] };
  const region = sharedRegion(ArmGicv3.stateBytes(config));
  const gic = new ArmGicv3(region, config, signals);
  const gicd = (offset: number) => gic.distributor.read(offset, 4);
  const setGicd = (offset: number, value: number) => gic.distributor.write(offset, 4, value);
  const gicr = (cpu: number, offset: number) => gic.redistributors.read(cpu * GICR_FRAME_BYTES + offset, 4);
  const setGicr = (cpu: number, offset: number, value: number) => gic.redistributors.write(cpu * GICR_FRAME_BYTES + offset, 4, value);
  const icc = (cpu: number, key: number) => Number(gic.cpuInterface(cpu).access(key, false, 0n) as bigint);
  const setIcc = (cpu: number, key: number, value: number | bigint) => expect(gic.cpuInterface(cpu).access(key, true, BigInt(value))).toBe(true);
  return { gic, signals, region, config, gicd, setGicd, gicr, setGicr, icc, setIcc };
}

/** What Linux's irq-gic-v3 driver does at probe (gic_dist_init) and on each CPU (gic_cpu_init, gic_cpu_sys_reg_init). */
function linuxProbe(t: ReturnType<typeof setup>) {
  const { gicd, setGicd, gicr, setGicr, icc, setIcc } = t;
  expect(gicd(D.pidr2) & 0xf0).toBe(0x30);
  setGicd(D.ctlr, 0);
  const lines = ((gicd(D.typer) & 0x1f) + 1) * 32;
  for (let i = 32; i < lines; i += 32) {
    setGicd(D.igroupr + i / 8, 0xffff_ffff);
    setGicd(D.icactiver + i / 8, 0xffff_ffff);
    setGicd(D.icenabler + i / 8, 0xffff_ffff);
  }
  for (let i = 32; i < lines; i += 4) setGicd(D.ipriorityr + i, 0xa0a0_a0a0);
  setGicd(D.ctlr, (1 << 4) | 2); // ARE_NS | EnableGrp1NS
  for (let i = 32; i < lines; i++) setGicd(D.irouter + 8 * i, 0); // boot CPU affinity
  for (let cpu = 0; cpu < CPUS; cpu++) {
    // gic_populate_rdist: find this CPU's frame by TYPER affinity; the last has Last set.
    expect(gicr(cpu, R.pidr2) & 0xf0).toBe(0x30);
    expect(gicr(cpu, R.typer + 4)).toBe(cpu);
    expect((gicr(cpu, R.typer) >> 4) & 1).toBe(cpu === CPUS - 1 ? 1 : 0);
    expect(gicr(cpu, R.waker)).toBe(GicrWaker.processorSleep | GicrWaker.childrenAsleep);
    setGicr(cpu, R.waker, 0);
    expect(gicr(cpu, R.waker) & GicrWaker.childrenAsleep).toBe(0);
    setGicr(cpu, R.igroupr0, 0xffff_ffff);
    setGicr(cpu, R.icactiver0, 0xffff_ffff);
    setGicr(cpu, R.icenabler0, 0xffff_0000);
    setGicr(cpu, R.isenabler0, 0x0000_ffff);
    for (let i = 0; i < 32; i += 4) setGicr(cpu, R.ipriorityr + i, 0xa0a0_a0a0);
    setIcc(cpu, Icc.SRE, 7);
    expect(icc(cpu, Icc.SRE) & 1).toBe(1);
    setIcc(cpu, Icc.PMR, 0xf0);
    setIcc(cpu, Icc.BPR1, 0);
    setIcc(cpu, Icc.CTLR, 0); // EOImode 0 (no EL2 for the guest)
    expect((icc(cpu, Icc.CTLR) >> 8) & 7).toBe(4); // PRIbits - 1: 5 bits, only AP1R0
    setIcc(cpu, Icc.AP1R0, 0);
    setIcc(cpu, Icc.IGRPEN1, 1);
  }
}

describe('ArmGicv3', () => {
  it('describes itself as Linux probes it', () => {
    const t = setup();
    expect(t.gicd(D.typer) & 0x1f).toBe(8);
    expect((t.gicd(D.typer) >> 19) & 0x1f).toBe(15);
    expect(t.gicd(D.ctlr) & ((1 << 4) | (1 << 6))).toBe((1 << 4) | (1 << 6)); // ARE and DS read 1
    linuxProbe(t);
    expect(t.icc(0, Icc.BPR1)).toBe(3);
    expect(t.icc(0, Icc.PMR)).toBe(0xf0);
    expect(t.icc(0, Icc.RPR)).toBe(0xff);
    expect(t.gic.cpuInterface(0).access(Icc.IAR1, false, 0n)).toBe(1023n);
    expect(t.gic.cpuInterface(0).access(0x1234, false, 0n)).toBeUndefined();
  });

  it('reports the ID and type values of QEMU\'s GICv3', () => {
    const t = setup();
    // arm_gicv3_cpuif.c icc_reset: ICC_CTLR_EL1 = A3V | IDbits 1 (24-bit INTIDs) | PRIbits (pribits - 1 = 4).
    expect(t.icc(0, Icc.CTLR)).toBe((1 << 15) | (1 << 11) | (4 << 8));
    // arm_gicv3_dist.c gicd_readl GICD_TYPER: CPUNumber == 0 since ARE is always 1; IDbits 15, A3V,
    // ITLinesNumber = num_irq / 32 - 1 (288 -> 8); SecurityExtn 0 with DS = 1.
    const typer = t.gicd(D.typer);
    expect((typer >> 5) & 7).toBe(0);
    expect(typer & ~(1 << 25)).toBe((1 << 24) | (15 << 19) | 8);
    // arm_gicv3_common.c realize: GICR_TYPER = affinity << 32 | 1 << 24 (CommonLPIAff) | i << 8 | Last.
    expect(t.gicr(0, R.typer)).toBe((1 << 24) | (0 << 8));
    expect(t.gicr(1, R.typer)).toBe(((1 << 24) | (1 << 8) | (1 << 4)) >>> 0);
    expect(t.gicr(1, R.typer + 4)).toBe(1);
    // gicv3_internal.h gicv3_iidr / gicv3_idreg: IIDR 0x43b, PIDR0 0x92 (GICD) / 0x93 (GICR), PIDR2 0x3b.
    expect(t.gicd(D.iidr)).toBe(0x43b);
    expect(t.gicr(0, R.iidr)).toBe(0x43b);
    expect(t.gicd(0xffe0)).toBe(0x92);
    expect(t.gicr(0, 0xffe0)).toBe(0x93);
    expect(t.gicd(D.pidr2)).toBe(0x3b);
    expect(t.gicr(1, R.pidr2)).toBe(0x3b);
  });

  it('routes a level SPI to CPU 1, acknowledges, EOIs and re-pends while the line stays high', () => {
    const t = setup();
    linuxProbe(t);
    const { gic, signals, icc, setIcc, setGicd, gicd } = t;
    setGicd(D.irouter + 8 * UART_SPI, 1); // Aff0 = 1
    setGicd(D.isenabler + 4, 1 << (UART_SPI - 32));
    gic.setLevel(UART_SPI, true);
    expect(signals.mip).toEqual([0, GIC_IRQ]);
    expect(icc(1, Icc.HPPIR1)).toBe(UART_SPI);
    expect(icc(0, Icc.IAR1)).toBe(1023);
    expect(icc(1, Icc.IAR1)).toBe(UART_SPI);
    expect(signals.mip[1]).toBe(0);
    expect(icc(1, Icc.RPR)).toBe(0xa0);
    expect(gicd(D.isactiver + 4) & 2).toBe(2);
    setIcc(1, Icc.EOIR1, UART_SPI);
    expect(icc(1, Icc.RPR)).toBe(0xff);
    // The device has not been serviced: the level line still pends the SPI.
    expect(signals.mip[1]).toBe(GIC_IRQ);
    expect(icc(1, Icc.IAR1)).toBe(UART_SPI);
    gic.setLevel(UART_SPI, false);
    setIcc(1, Icc.EOIR1, UART_SPI);
    expect(signals.mip[1]).toBe(0);
    expect(gic.inspect().sources.find((s) => s.intid === UART_SPI)).toMatchObject({ pending: false, active: false, enabled: true, group: 1, priority: 0xa0, target: '0.0.0.1 (cpu 1)' });
  });

  it('splits priority drop and deactivation with EOImode = 1 (ICC_DIR_EL1)', () => {
    const t = setup();
    linuxProbe(t);
    const { gic, icc, setIcc, setGicd, gicd } = t;
    setIcc(0, Icc.CTLR, 2);
    setGicd(D.isenabler + 4, 1 << (UART_SPI - 32));
    gic.setLevel(UART_SPI, true);
    expect(icc(0, Icc.IAR1)).toBe(UART_SPI);
    gic.setLevel(UART_SPI, false);
    setIcc(0, Icc.EOIR1, UART_SPI);
    expect(icc(0, Icc.RPR)).toBe(0xff);
    expect(gicd(D.isactiver + 4) & 2).toBe(2);
    setIcc(0, Icc.DIR, UART_SPI);
    expect(gicd(D.isactiver + 4) & 2).toBe(0);
  });

  it('sends SGI 1 from CPU 0 to CPU 1 through ICC_SGI1R_EL1, and to all others with IRM', () => {
    const t = setup();
    linuxProbe(t);
    const { signals, icc, setIcc } = t;
    setIcc(0, Icc.SGI1R, (1n << 24n) | 0b10n); // INTID 1, Aff3.2.1 = 0, target list {Aff0 1}
    expect(signals.mip).toEqual([0, GIC_IRQ]);
    expect(icc(1, Icc.IAR1)).toBe(1);
    setIcc(1, Icc.EOIR1, 1);
    expect(signals.mip).toEqual([0, 0]);
    setIcc(1, Icc.SGI1R, (3n << 24n) | (1n << 40n));
    expect(signals.mip).toEqual([GIC_IRQ, 0]);
    expect(icc(0, Icc.IAR1)).toBe(3);
    // A target list in another cluster (Aff1 = 1) reaches nobody.
    setIcc(0, Icc.SGI1R, (2n << 24n) | (1n << 16n) | 0b11n);
    expect(signals.mip[1]).toBe(0);
  });

  it('masks by ICC_PMR_EL1 and lets a higher priority preempt a running one', () => {
    const t = setup();
    linuxProbe(t);
    const { gic, signals, icc, setIcc, setGicd } = t;
    setGicd(D.isenabler + 4, 0b110); // SPIs 33 and 34
    setGicd(D.ipriorityr + 32, 0x0040_80a0); // 33 at 0x80, 34 at 0x40
    setIcc(0, Icc.PMR, 0x80);
    gic.setLevel(33, true);
    expect(signals.mip[0]).toBe(0); // 0x80 is not below the mask
    expect(icc(0, Icc.IAR1)).toBe(1023);
    setIcc(0, Icc.PMR, 0xf0);
    expect(icc(0, Icc.IAR1)).toBe(33);
    expect(icc(0, Icc.RPR)).toBe(0x80);
    gic.setLevel(34, true);
    expect(signals.mip[0]).toBe(GIC_IRQ); // 0x40 preempts 0x80
    expect(icc(0, Icc.IAR1)).toBe(34);
    expect(icc(0, Icc.RPR)).toBe(0x40);
    expect(icc(0, Icc.AP1R0)).toBe((1 << (0x80 >> 3)) | (1 << (0x40 >> 3)));
    gic.setLevel(34, false);
    setIcc(0, Icc.EOIR1, 34);
    expect(icc(0, Icc.RPR)).toBe(0x80);
    gic.setLevel(33, false);
    setIcc(0, Icc.EOIR1, 33);
    expect(icc(0, Icc.RPR)).toBe(0xff);
    // A coarser binary point (BPR1 = 5: group priority bits 7:5) puts 0x90 and 0x88 in one group: no preemption.
    setGicd(D.ipriorityr + 36, 0x88);
    setGicd(D.ipriorityr + 40, 0x90);
    setGicd(D.isenabler + 4, (1 << 4) | (1 << 8));
    setIcc(0, Icc.BPR1, 5);
    gic.setLevel(40, true);
    expect(icc(0, Icc.IAR1)).toBe(40);
    expect(icc(0, Icc.RPR)).toBe(0x80);
    gic.setLevel(36, true);
    expect(signals.mip[0]).toBe(0);
    gic.setLevel(40, false);
    setIcc(0, Icc.EOIR1, 40);
    expect(signals.mip[0]).toBe(GIC_IRQ);
    expect(icc(0, Icc.IAR1)).toBe(36);
  });

  it('latches edge interrupts (PPI and SPI) and signals Group 0 as FIQ', () => {
    const t = setup();
    linuxProbe(t);
    const { gic, signals, icc, setIcc, setGicd, setGicr, gicr } = t;
    setGicr(0, R.icfgr1, 2 << (2 * (TIMER_PPI - 16)));
    setGicr(0, R.isenabler0, 1 << TIMER_PPI);
    gic.setPrivateLevel(0, TIMER_PPI, true);
    gic.setPrivateLevel(0, TIMER_PPI, false);
    expect(gicr(0, R.ispendr0) >>> TIMER_PPI & 1).toBe(1);
    expect(icc(0, Icc.IAR1)).toBe(TIMER_PPI);
    setIcc(0, Icc.EOIR1, TIMER_PPI);
    expect(signals.mip[0]).toBe(0); // the edge was consumed
    // Group 0 SPI: FIQ once group 0 is enabled in GICD_CTLR and ICC_IGRPEN0_EL1.
    setGicd(D.icfgr + 8, 2 << 2); // SPI 33 edge
    setGicd(D.igroupr + 4, 0xffff_fffd);
    setGicd(D.isenabler + 4, 2);
    setGicd(D.ctlr, (1 << 4) | 3);
    setIcc(0, Icc.IGRPEN0, 1);
    gic.setLevel(UART_SPI, true);
    expect(signals.mip[0]).toBe(GIC_FIQ);
    expect(icc(0, Icc.IAR1)).toBe(1023);
    expect(icc(0, Icc.IAR0)).toBe(UART_SPI);
    setIcc(0, Icc.EOIR0, UART_SPI);
    expect(signals.mip[0]).toBe(0);
  });

  it('keeps all state in the shared region: two instances (two threads) agree', () => {
    const t = setup();
    linuxProbe(t);
    const other = new ArmGicv3(t.region, t.config, new RecordingSignals(CPUS));
    t.setGicd(D.isenabler + 4, 2);
    t.setGicd(D.irouter + 8 * UART_SPI, 1);
    other.setLevel(UART_SPI, true);
    expect(t.signals.mip[1]).toBe(0); // the other thread's signals carried the edge
    expect(t.icc(1, Icc.HPPIR1)).toBe(UART_SPI);
    expect(Number(other.cpuInterface(1).access(Icc.IAR1, false, 0n))).toBe(UART_SPI);
    expect(t.icc(1, Icc.RPR)).toBe(0xa0);
    expect(t.gic.inspect().cpus[1]).toMatchObject({ runningPriority: 0xa0, priorityMask: 0xf0 });
    expect(other.distributor.peek()).toEqual(t.gic.distributor.peek());
  });
});
