/**
 * The GICv3 CPU interface of one CPU, reached through the ICC_*_EL1 system registers: acknowledge
 * (IAR0/IAR1), end of interrupt (EOIR0/EOIR1: priority drop, plus deactivation unless EOImode), DIR,
 * priority mask, binary points, running priority, highest pending, active priorities (AP0R0/AP1R0, the
 * only ones with 5 priority bits), group enables, control, SRE, and SGI generation (SGI0R/SGI1R/ASGI1R,
 * with Aff3.Aff2.Aff1 + target list, RS and IRM). A CPU's Supervisor.systemRegister hook forwards the
 * encoding here (`access`); anything else returns undefined so the CPU raises Undefined.
 *
 * Left out: the EL2/EL3 registers (ICC_*_EL3, ICH_*), ICC_SRE_EL1 enables (SRE, DFB and DIB read as 1
 * and ignore writes: only the system-register interface exists, as in QEMU), ICC_CTLR_EL1.PMHE and the
 * NMI extension; ASGI1R generates nothing (it targets the other security state, which does not exist).
 */
import { CpuIfWord, MIN_BPR0, MIN_BPR1, PRIORITY_MASK, SPURIOUS } from '../arm-gic-state';
import { IccCtlr, type ArmGicv3 } from './gicv3';

/** A system register encoding as the A64 CPU keys it: op0 << 14 | op1 << 11 | CRn << 7 | CRm << 3 | op2. */
export function sysRegKey(op0: number, op1: number, crn: number, crm: number, op2: number): number {
  return (op0 << 14) | (op1 << 11) | (crn << 7) | (crm << 3) | op2;
}

export const Icc = {
  PMR: sysRegKey(3, 0, 4, 6, 0),
  IAR0: sysRegKey(3, 0, 12, 8, 0),
  EOIR0: sysRegKey(3, 0, 12, 8, 1),
  HPPIR0: sysRegKey(3, 0, 12, 8, 2),
  BPR0: sysRegKey(3, 0, 12, 8, 3),
  AP0R0: sysRegKey(3, 0, 12, 8, 4),
  AP1R0: sysRegKey(3, 0, 12, 9, 0),
  DIR: sysRegKey(3, 0, 12, 11, 1),
  RPR: sysRegKey(3, 0, 12, 11, 3),
  SGI1R: sysRegKey(3, 0, 12, 11, 5),
  ASGI1R: sysRegKey(3, 0, 12, 11, 6),
  SGI0R: sysRegKey(3, 0, 12, 11, 7),
  IAR1: sysRegKey(3, 0, 12, 12, 0),
  EOIR1: sysRegKey(3, 0, 12, 12, 1),
  HPPIR1: sysRegKey(3, 0, 12, 12, 2),
  BPR1: sysRegKey(3, 0, 12, 12, 3),
  CTLR: sysRegKey(3, 0, 12, 12, 4),
  SRE: sysRegKey(3, 0, 12, 12, 5),
  IGRPEN0: sysRegKey(3, 0, 12, 12, 6),
  IGRPEN1: sysRegKey(3, 0, 12, 12, 7),
} as const;

/** The ICC registers' names and fields as data, for the inspector's system-register view. */
export const ICC_REGISTERS: readonly { name: string; key: number; access: 'rw' | 'ro' | 'wo'; description: string }[] = [
  { name: 'ICC_PMR_EL1', key: Icc.PMR, access: 'rw', description: 'Priority mask: only priorities below it are signalled' },
  { name: 'ICC_IAR0_EL1', key: Icc.IAR0, access: 'ro', description: 'Acknowledge a Group 0 interrupt' },
  { name: 'ICC_EOIR0_EL1', key: Icc.EOIR0, access: 'wo', description: 'End of a Group 0 interrupt' },
  { name: 'ICC_HPPIR0_EL1', key: Icc.HPPIR0, access: 'ro', description: 'Highest pending Group 0 interrupt' },
  { name: 'ICC_BPR0_EL1', key: Icc.BPR0, access: 'rw', description: 'Binary point, Group 0 (minimum 2)' },
  { name: 'ICC_AP0R0_EL1', key: Icc.AP0R0, access: 'rw', description: 'Active Group 0 priorities' },
  { name: 'ICC_AP1R0_EL1', key: Icc.AP1R0, access: 'rw', description: 'Active Group 1 priorities' },
  { name: 'ICC_DIR_EL1', key: Icc.DIR, access: 'wo', description: 'Deactivate an interrupt (EOImode = 1)' },
  { name: 'ICC_RPR_EL1', key: Icc.RPR, access: 'ro', description: 'Running priority' },
  { name: 'ICC_SGI1R_EL1', key: Icc.SGI1R, access: 'wo', description: 'Generate a Group 1 SGI' },
  { name: 'ICC_ASGI1R_EL1', key: Icc.ASGI1R, access: 'wo', description: 'SGI for the other security state (ignored)' },
  { name: 'ICC_SGI0R_EL1', key: Icc.SGI0R, access: 'wo', description: 'Generate a Group 0 SGI' },
  { name: 'ICC_IAR1_EL1', key: Icc.IAR1, access: 'ro', description: 'Acknowledge a Group 1 interrupt' },
  { name: 'ICC_EOIR1_EL1', key: Icc.EOIR1, access: 'wo', description: 'End of a Group 1 interrupt' },
  { name: 'ICC_HPPIR1_EL1', key: Icc.HPPIR1, access: 'ro', description: 'Highest pending Group 1 interrupt' },
  { name: 'ICC_BPR1_EL1', key: Icc.BPR1, access: 'rw', description: 'Binary point, Group 1 (minimum 3)' },
  { name: 'ICC_CTLR_EL1', key: Icc.CTLR, access: 'rw', description: 'CBPR (0), EOImode (1), PRIbits (10:8) = 4, IDbits (13:11) = 1 (24 bits), A3V (15)' },
  { name: 'ICC_SRE_EL1', key: Icc.SRE, access: 'rw', description: 'SRE, DFB, DIB: read as 1' },
  { name: 'ICC_IGRPEN0_EL1', key: Icc.IGRPEN0, access: 'rw', description: 'Group 0 enable' },
  { name: 'ICC_IGRPEN1_EL1', key: Icc.IGRPEN1, access: 'rw', description: 'Group 1 enable' },
];

/**
 * ICC_CTLR_EL1 read-only part: PRIbits = 5 - 1, IDbits = 1 (24-bit INTIDs), A3V. IDbits follows QEMU's
 * icc_reset() in hw/intc/arm_gicv3_cpuif.c (`1 << ICC_CTLR_EL1_IDBITS_SHIFT`): the CPU interface takes
 * 24-bit INTIDs (hence EOIR/DIR keep bits 23:0) even though GICD_TYPER.IDbits reports 16.
 */
const CTLR_FIXED = (4 << 8) | (1 << 11) | (1 << 15);

export class Gicv3CpuInterface {
  constructor(private readonly gic: ArmGicv3, readonly cpu: number) {}

  /**
   * The Supervisor.systemRegister shape: the value read (bigint), true for a handled write, or
   * undefined when `key` is not an ICC register this interface implements.
   */
  access(key: number, write: boolean, value: bigint): bigint | boolean | undefined {
    if (write) return this.write(key, value) ? true : undefined;
    return this.read(key);
  }

  read(key: number): bigint | undefined {
    const s = this.gic.state;
    const cpu = this.cpu;
    switch (key) {
      case Icc.PMR: return BigInt(s.cpuWord(cpu, CpuIfWord.pmr));
      case Icc.IAR0: return BigInt(this.acknowledge(0));
      case Icc.IAR1: return BigInt(this.acknowledge(1));
      case Icc.HPPIR0: return BigInt(this.highestPending(0));
      case Icc.HPPIR1: return BigInt(this.highestPending(1));
      case Icc.BPR0: return BigInt(Math.max(s.cpuWord(cpu, CpuIfWord.bpr0), MIN_BPR0));
      case Icc.BPR1:
        // With CBPR set, BPR1 reads as BPR0 + 1 (capped at 7), as the spec describes for the NS view.
        if (this.gic.usesCommonBinaryPoint(cpu)) return BigInt(Math.min(Math.max(s.cpuWord(cpu, CpuIfWord.bpr0), MIN_BPR0) + 1, 7));
        return BigInt(Math.max(s.cpuWord(cpu, CpuIfWord.bpr1), MIN_BPR1));
      case Icc.AP0R0: return BigInt(s.cpuWord(cpu, CpuIfWord.ap0));
      case Icc.AP1R0: return BigInt(s.cpuWord(cpu, CpuIfWord.ap1));
      case Icc.RPR: return BigInt(s.runningPriority(cpu));
      case Icc.CTLR: return BigInt(((s.cpuWord(cpu, CpuIfWord.ctlr) & 3) | CTLR_FIXED) >>> 0);
      case Icc.SRE: return 7n;
      case Icc.IGRPEN0: return BigInt(s.cpuWord(cpu, CpuIfWord.igrpen0) & 1);
      case Icc.IGRPEN1: return BigInt(s.cpuWord(cpu, CpuIfWord.igrpen1) & 1);
      default: return undefined;
    }
  }

  write(key: number, value: bigint): boolean {
    const s = this.gic.state;
    const cpu = this.cpu;
    const low = Number(value & 0xffff_ffffn);
    switch (key) {
      case Icc.PMR: s.setCpuWord(cpu, CpuIfWord.pmr, low & PRIORITY_MASK); break;
      case Icc.EOIR0: this.endOfInterrupt(0, low & 0xff_ffff); break;
      case Icc.EOIR1: this.endOfInterrupt(1, low & 0xff_ffff); break;
      case Icc.DIR: this.deactivate(low & 0xff_ffff); break;
      case Icc.BPR0: s.setCpuWord(cpu, CpuIfWord.bpr0, low & 7); break;
      case Icc.BPR1: if (!this.gic.usesCommonBinaryPoint(cpu)) s.setCpuWord(cpu, CpuIfWord.bpr1, low & 7); break;
      case Icc.AP0R0: s.setCpuWord(cpu, CpuIfWord.ap0, low); break;
      case Icc.AP1R0: s.setCpuWord(cpu, CpuIfWord.ap1, low); break;
      case Icc.CTLR: s.setCpuWord(cpu, CpuIfWord.ctlr, low & (IccCtlr.cbpr | IccCtlr.eoiMode)); break;
      case Icc.SRE: return true;
      case Icc.IGRPEN0: s.setCpuWord(cpu, CpuIfWord.igrpen0, low & 1); break;
      case Icc.IGRPEN1: s.setCpuWord(cpu, CpuIfWord.igrpen1, low & 1); break;
      case Icc.SGI0R: this.generateSgi(value, 0); break;
      case Icc.SGI1R: this.generateSgi(value, 1); break;
      case Icc.ASGI1R: return true;
      default: return false;
    }
    this.gic.update();
    return true;
  }

  /** IAR: the highest-priority pending interrupt of `group` that may preempt now, made active; else 1023. */
  private acknowledge(group: number): number {
    const candidate = this.gic.highestPending(this.cpu);
    if (candidate.group !== group || !this.gic.canSignal(this.cpu, candidate)) return SPURIOUS;
    const intid = candidate.intid;
    this.gic.state.activate(this.cpu, candidate, this.gic.usesCommonBinaryPoint(this.cpu));
    // An LPI has no active state: acknowledging it only takes its pending bit.
    if (intid >= this.gic.state.lines) this.gic.lpis?.acknowledge(this.cpu, intid);
    this.gic.update();
    return intid;
  }

  /** HPPIR: not filtered by the priority mask or running priority, only by group and its enable. */
  private highestPending(group: number): number {
    const candidate = this.gic.highestPending(this.cpu);
    if (candidate.intid === SPURIOUS || candidate.group !== group) return SPURIOUS;
    const enable = this.gic.state.cpuWord(this.cpu, group === 0 ? CpuIfWord.igrpen0 : CpuIfWord.igrpen1);
    return (enable & 1) !== 0 ? candidate.intid : SPURIOUS;
  }

  private endOfInterrupt(group: number, intid: number): void {
    if (intid >= 1020 && intid <= 1023) return;
    const s = this.gic.state;
    s.ended(this.cpu, intid);
    s.dropPriority(this.cpu, group);
    if ((s.cpuWord(this.cpu, CpuIfWord.ctlr) & IccCtlr.eoiMode) === 0) this.deactivate(intid);
  }

  private deactivate(intid: number): void {
    const s = this.gic.state;
    if (intid >= s.lines) return;
    if (intid >= 32) {
      // An SPI is deactivated wherever it is active (it may have been routed elsewhere since).
      s.setBit(s.active, s.slot(0, intid), false);
    } else {
      s.setBit(s.active, s.slot(this.cpu, intid), false);
    }
  }

  /**
   * ICC_SGI0R/SGI1R_EL1: TargetList (15:0), Aff1 (23:16), INTID (27:24), Aff2 (39:32), IRM (40),
   * RS (47:44), Aff3 (55:48). A target takes the SGI only if it configured that SGI in the same group.
   */
  private generateSgi(value: bigint, group: number): void {
    const s = this.gic.state;
    const low = Number(value & 0xffff_ffffn);
    const high = Number((value >> 32n) & 0xffff_ffffn);
    const targets = low & 0xffff;
    const intid = (low >>> 24) & 0xf;
    const allOthers = ((high >>> 8) & 1) !== 0;
    const rangeSelector = (high >>> 12) & 0xf;
    const cluster = (((high >>> 16) & 0xff) << 16) | ((high & 0xff) << 8) | ((low >>> 16) & 0xff);
    for (let cpu = 0; cpu < s.cpus; cpu++) {
      const affinity = this.gic.affinities[cpu]!;
      if (allOthers) {
        if (cpu === this.cpu) continue;
      } else {
        const aff0 = affinity & 0xff;
        if (affinity >>> 8 !== cluster || aff0 >> 4 !== rangeSelector || ((targets >>> (aff0 & 15)) & 1) === 0) continue;
      }
      const slot = s.slot(cpu, intid);
      if ((s.getBit(s.group, slot) ? 1 : 0) === group) s.setBit(s.latch, slot, true);
    }
  }
}
