/**
 * The GICv3 distributor (GICD, a 64 KiB frame): global enables, and for SPIs 32..lines-1 the group,
 * enable, pending, active, priority and trigger registers and the IROUTER affinity routes. With affinity
 * routing on (always, see gicv3.ts) the registers of INTIDs 0..31 read as zero and ignore writes (the
 * redistributors hold them), and ITARGETSR and SGIR do nothing. Register map as data in GICD_REGISTERS.
 */
import type { MmioDevice, RegisterDef } from '../../../bus/types';
import {
  idRegister, readBitmapRegister, readConfig, readPriorities, writeBitmapRegister, writeConfig, writePriorities,
} from '../arm-gic-state';
import { GICD_CTLR_WORD, type ArmGicv3 } from './gicv3';

export const GicdOffset = {
  ctlr: 0x0, typer: 0x4, iidr: 0x8, typer2: 0xc, statusr: 0x10,
  igroupr: 0x80, isenabler: 0x100, icenabler: 0x180, ispendr: 0x200, icpendr: 0x280, isactiver: 0x300, icactiver: 0x380,
  ipriorityr: 0x400, itargetsr: 0x800, icfgr: 0xc00, igrpmodr: 0xd00, nsacr: 0xe00, sgir: 0xf00,
  irouter: 0x6000, pidr2: 0xffe8,
} as const;

export const GicdCtlr = { enableGrp0: 1, enableGrp1: 2, are: 1 << 4, ds: 1 << 6 } as const;

/** PIDR4..7, PIDR0..3, CIDR0..3 at 0xFFD0: QEMU's values, PIDR2 = 0x3B (ArchRev 3). */
export const GICD_IDS = [0x44, 0, 0, 0, 0x92, 0xb4, 0x3b, 0, 0x0d, 0xf0, 0x05, 0xb1] as const;
const GIC_IIDR = 0x43b;

function bitmap(name: string, offset: number, description: string): RegisterDef {
  return { name, offset, width: 4, access: 'rw', reset: 0, count: 32, stride: 4, description };
}

export const GICD_REGISTERS: readonly RegisterDef[] = [
  {
    name: 'GICD_CTLR', offset: GicdOffset.ctlr, width: 4, access: 'rw', reset: GicdCtlr.are | GicdCtlr.ds, description: 'Distributor control (single security state)',
    fields: [
      { name: 'EnableGrp0', lsb: 0, width: 1 }, { name: 'EnableGrp1', lsb: 1, width: 1 },
      { name: 'ARE', lsb: 4, width: 1, description: 'affinity routing, always on' }, { name: 'DS', lsb: 6, width: 1, description: 'security disabled, reads 1' },
      { name: 'RWP', lsb: 31, width: 1, description: 'register write pending, reads 0' },
    ],
  },
  {
    name: 'GICD_TYPER', offset: GicdOffset.typer, width: 4, access: 'ro', reset: 0, description: 'Interrupt controller type',
    fields: [
      { name: 'ITLinesNumber', lsb: 0, width: 5, description: 'SPI count = 32 * (N + 1) - 32' }, { name: 'CPUNumber', lsb: 5, width: 3 },
      { name: 'SecurityExtn', lsb: 10, width: 1 }, { name: 'MBIS', lsb: 16, width: 1 }, { name: 'LPIS', lsb: 17, width: 1 },
      { name: 'IDbits', lsb: 19, width: 5, description: 'INTID bits - 1' }, { name: 'A3V', lsb: 24, width: 1 },
    ],
  },
  { name: 'GICD_IIDR', offset: GicdOffset.iidr, width: 4, access: 'ro', reset: GIC_IIDR, description: 'Implementer: Arm (0x43B)' },
  { name: 'GICD_TYPER2', offset: GicdOffset.typer2, width: 4, access: 'ro', reset: 0 },
  { name: 'GICD_STATUSR', offset: GicdOffset.statusr, width: 4, access: 'rw', reset: 0 },
  bitmap('GICD_IGROUPR', GicdOffset.igroupr, 'Group: 1 = Group 1 (IRQ), 0 = Group 0 (FIQ)'),
  bitmap('GICD_ISENABLER', GicdOffset.isenabler, 'Set-enable (read: enabled)'),
  bitmap('GICD_ICENABLER', GicdOffset.icenabler, 'Clear-enable (read: enabled)'),
  bitmap('GICD_ISPENDR', GicdOffset.ispendr, 'Set-pending (read: pending)'),
  bitmap('GICD_ICPENDR', GicdOffset.icpendr, 'Clear-pending latch (read: pending)'),
  bitmap('GICD_ISACTIVER', GicdOffset.isactiver, 'Set-active (read: active)'),
  bitmap('GICD_ICACTIVER', GicdOffset.icactiver, 'Clear-active (read: active)'),
  { name: 'GICD_IPRIORITYR', offset: GicdOffset.ipriorityr, width: 4, access: 'rw', reset: 0, count: 255, stride: 4, description: 'Priorities, one byte per INTID, top 5 bits kept' },
  { name: 'GICD_ITARGETSR', offset: GicdOffset.itargetsr, width: 4, access: 'ro', reset: 0, count: 255, stride: 4, description: 'RAZ/WI with affinity routing' },
  { name: 'GICD_ICFGR', offset: GicdOffset.icfgr, width: 4, access: 'rw', reset: 0, count: 64, stride: 4, description: 'Trigger, 2 bits per INTID: bit 1 = edge' },
  { name: 'GICD_IGRPMODR', offset: GicdOffset.igrpmodr, width: 4, access: 'ro', reset: 0, count: 32, stride: 4, description: 'RAZ/WI with DS = 1' },
  { name: 'GICD_NSACR', offset: GicdOffset.nsacr, width: 4, access: 'ro', reset: 0, count: 64, stride: 4, description: 'RAZ/WI with DS = 1' },
  { name: 'GICD_SGIR', offset: GicdOffset.sgir, width: 4, access: 'wo', reset: 0, description: 'WI with affinity routing (use ICC_SGI1R_EL1)' },
  {
    name: 'GICD_IROUTER', offset: GicdOffset.irouter + 8 * 32, width: 8, access: 'rw', reset: 0, count: 988, stride: 8, description: 'SPI routing, from INTID 32',
    fields: [
      { name: 'Aff0', lsb: 0, width: 8 }, { name: 'Aff1', lsb: 8, width: 8 }, { name: 'Aff2', lsb: 16, width: 8 },
      { name: 'IRM', lsb: 31, width: 1, description: '1 = any participating CPU (1 of N)' }, { name: 'Aff3', lsb: 32, width: 8 },
    ],
  },
  { name: 'GICD_PIDR2', offset: GicdOffset.pidr2, width: 4, access: 'ro', reset: 0x3b, fields: [{ name: 'ArchRev', lsb: 4, width: 4, description: '3 = GICv3' }] },
];

export class Gicv3Distributor implements MmioDevice {
  readonly kind = 'arm-gicv3-distributor';
  readonly registers = GICD_REGISTERS;

  constructor(private readonly gic: ArmGicv3) {}

  read(offset: number, size: 1 | 2 | 4): number {
    const s = this.gic.state;
    if (offset >= GicdOffset.ipriorityr && offset < GicdOffset.itargetsr) {
      const intid = offset - GicdOffset.ipriorityr;
      return intid >= 32 && intid + size <= s.lines ? readPriorities(s, s.slot(0, intid), size) : 0;
    }
    if (size !== 4 || (offset & 3) !== 0) return 0;
    if (offset === GicdOffset.ctlr) return (s.words[GICD_CTLR_WORD]! & 3) | GicdCtlr.are | GicdCtlr.ds;
    if (offset === GicdOffset.typer) return this.typer();
    if (offset === GicdOffset.iidr) return GIC_IIDR;
    if (offset >= GicdOffset.igroupr && offset < GicdOffset.ipriorityr) {
      const word = this.spiWord((offset & 0x7f) >> 2);
      return word < 0 ? 0 : readBitmapRegister(s, offset & 0x780, word);
    }
    if (offset >= GicdOffset.icfgr && offset < GicdOffset.igrpmodr) {
      const first = ((offset - GicdOffset.icfgr) >> 2) * 16;
      return first >= 32 && first < s.lines ? readConfig(s, s.slot(0, first), false) : 0;
    }
    if (offset >= GicdOffset.irouter && offset < GicdOffset.irouter + 8 * 1024) {
      const intid = (offset - GicdOffset.irouter) >> 3;
      if (intid < 32 || intid >= s.lines) return 0;
      return s.words[s.route + 2 * (intid - 32) + ((offset >> 2) & 1)]!;
    }
    if (offset >= 0xffd0) return idRegister(GICD_IDS, offset - 0xffd0);
    return 0;
  }

  write(offset: number, size: 1 | 2 | 4, value: number): void {
    const s = this.gic.state;
    if (offset >= GicdOffset.ipriorityr && offset < GicdOffset.itargetsr) {
      const intid = offset - GicdOffset.ipriorityr;
      if (intid >= 32 && intid + size <= s.lines) writePriorities(s, s.slot(0, intid), size, value);
    } else if (size !== 4 || (offset & 3) !== 0) {
      return;
    } else if (offset === GicdOffset.ctlr) {
      s.words[GICD_CTLR_WORD] = value & 3;
    } else if (offset >= GicdOffset.igroupr && offset < GicdOffset.ipriorityr) {
      const word = this.spiWord((offset & 0x7f) >> 2);
      if (word >= 0) writeBitmapRegister(s, offset & 0x780, word, value);
    } else if (offset >= GicdOffset.icfgr && offset < GicdOffset.igrpmodr) {
      const first = ((offset - GicdOffset.icfgr) >> 2) * 16;
      if (first >= 32 && first < s.lines) writeConfig(s, s.slot(0, first), value);
    } else if (offset >= GicdOffset.irouter && offset < GicdOffset.irouter + 8 * 1024) {
      const intid = (offset - GicdOffset.irouter) >> 3;
      if (intid < 32 || intid >= s.lines) return;
      const high = (offset >> 2) & 1;
      // Low word: Aff2.Aff1.Aff0 and IRM (bit 31); high word: Aff3. Other bits are reserved.
      s.words[s.route + 2 * (intid - 32) + high] = high === 1 ? value & 0xff : value & 0x80ff_ffff;
    } else {
      return;
    }
    this.gic.update();
  }

  reset(): void {
    this.gic.reset();
  }

  peek(): Record<string, number> {
    const s = this.gic.state;
    const out: Record<string, number> = { GICD_CTLR: this.read(GicdOffset.ctlr, 4), GICD_TYPER: this.typer(), GICD_IIDR: GIC_IIDR, GICD_PIDR2: 0x3b };
    for (let n = 1; n < s.lines / 32; n++) {
      const word = s.cpus + n - 1;
      out[`GICD_IGROUPR${n}`] = s.words[s.group + word]!;
      out[`GICD_ISENABLER${n}`] = s.words[s.enabled + word]!;
      out[`GICD_ISPENDR${n}`] = s.pendingWord(word);
      out[`GICD_ISACTIVER${n}`] = s.words[s.active + word]!;
    }
    return out;
  }

  /**
   * ITLinesNumber = lines / 32 - 1, IDbits = 15, A3V, LPIS when the board has an ITS. CPUNumber (7:5) is 0: QEMU's gicd_readl()
   * (hw/intc/arm_gicv3_dist.c, GICD_TYPER) reports "CPUNumber == 0 since for us ARE is always 1"; the
   * field only counts PEs usable with affinity routing off, which this GIC never offers. No1N stays 0
   * (unlike QEMU, which sets it): this model implements IROUTER.IRM 1-of-N routing (gicv3.ts routeOf).
   */
  private typer(): number {
    const s = this.gic.state;
    return ((s.lines / 32 - 1) | (15 << 19) | (1 << 24) | (this.gic.lpis ? 1 << 17 : 0)) >>> 0;
  }

  /** Bitmap word for register index n (32 INTIDs each); -1 for n = 0 (banked, RAZ/WI here) or past the end. */
  private spiWord(n: number): number {
    if (n === 0 || n >= this.gic.state.lines / 32) return -1;
    return this.gic.state.cpus + n - 1;
  }
}
