/**
 * The GICv3 redistributors: one 128 KiB pair of frames per CPU (RD_base, then SGI_base at +64 KiB),
 * laid out back to back as QEMU virt's GICR region is (CPU n at n * 0x20000). RD_base holds CTLR,
 * TYPER (affinity, processor number, Last on the final frame), WAKER (ProcessorSleep, ChildrenAsleep)
 * and the ID registers; SGI_base the group, enable, pending, active, priority and trigger registers of
 * that CPU's SGIs 0-15 (always edge) and PPIs 16-31. With an ITS (gicv3.ts), GICR_CTLR.EnableLPIs,
 * GICR_PROPBASER and GICR_PENDBASER are the LPI registers of lpis.ts and GICR_TYPER.PLPIS reads 1;
 * without one they read as zero and ignore writes.
 * One MmioDevice covers every frame, so a board maps a single window; each CPU's frame is its own.
 */
import type { MmioDevice, RegisterDef } from '../../../bus/types';
import {
  CpuIfWord, idRegister, readBitmapRegister, readConfig, readPriorities, writeBitmapRegister, writeConfig, writePriorities,
} from '../arm-gic-state';
import type { ArmGicv3 } from './gicv3';

export const GICR_FRAME_BYTES = 0x2_0000;
export const GICR_SGI_BASE = 0x1_0000;
export const GicrOffset = {
  ctlr: 0x0, iidr: 0x4, typer: 0x8, statusr: 0x10, waker: 0x14, propbaser: 0x70, pendbaser: 0x78, pidr2: 0xffe8,
  igroupr0: GICR_SGI_BASE + 0x80, isenabler0: GICR_SGI_BASE + 0x100, icenabler0: GICR_SGI_BASE + 0x180,
  ispendr0: GICR_SGI_BASE + 0x200, icpendr0: GICR_SGI_BASE + 0x280, isactiver0: GICR_SGI_BASE + 0x300, icactiver0: GICR_SGI_BASE + 0x380,
  ipriorityr: GICR_SGI_BASE + 0x400, icfgr0: GICR_SGI_BASE + 0xc00, icfgr1: GICR_SGI_BASE + 0xc04,
  igrpmodr0: GICR_SGI_BASE + 0xd00, nsacr: GICR_SGI_BASE + 0xe00,
} as const;
export const GicrWaker = { processorSleep: 2, childrenAsleep: 4 } as const;
/**
 * GICR_TYPER low-word bits. CommonLPIAff (25:24) = 1 as QEMU sets it for every redistributor in
 * arm_gicv3_common_realize() (hw/intc/arm_gicv3_common.c: `(cpu_affid << 32) | (1 << 24) | (i << 8)`).
 */
export const GicrTyper = { plpis: 1, last: 1 << 4, commonLpiAff: 1 << 24 } as const;

/** PIDR4..7, PIDR0..3, CIDR0..3 at 0xFFD0 of RD_base: QEMU's values, PIDR2 = 0x3B (ArchRev 3). */
export const GICR_IDS = [0x44, 0, 0, 0, 0x93, 0xb4, 0x3b, 0, 0x0d, 0xf0, 0x05, 0xb1] as const;
const GIC_IIDR = 0x43b;

function sgiBitmap(name: string, offset: number, description: string): RegisterDef {
  return { name, offset, width: 4, access: 'rw', reset: 0, description };
}

/** The registers of one CPU's frame pair (offsets from that CPU's RD_base). */
export const GICR_REGISTERS: readonly RegisterDef[] = [
  { name: 'GICR_CTLR', offset: GicrOffset.ctlr, width: 4, access: 'rw', reset: 0, description: 'EnableLPIs (RAZ/WI without an ITS)', fields: [{ name: 'EnableLPIs', lsb: 0, width: 1 }] },
  { name: 'GICR_IIDR', offset: GicrOffset.iidr, width: 4, access: 'ro', reset: GIC_IIDR },
  {
    name: 'GICR_TYPER', offset: GicrOffset.typer, width: 8, access: 'ro', reset: 0, description: 'Redistributor type',
    fields: [
      { name: 'PLPIS', lsb: 0, width: 1 }, { name: 'Last', lsb: 4, width: 1, description: 'last redistributor of the region' },
      { name: 'Processor_Number', lsb: 8, width: 16 }, { name: 'CommonLPIAff', lsb: 24, width: 2, description: '1, as QEMU' }, { name: 'Affinity_Value', lsb: 32, width: 32, description: 'Aff3.Aff2.Aff1.Aff0' },
    ],
  },
  { name: 'GICR_STATUSR', offset: GicrOffset.statusr, width: 4, access: 'rw', reset: 0 },
  {
    name: 'GICR_WAKER', offset: GicrOffset.waker, width: 4, access: 'rw', reset: GicrWaker.processorSleep | GicrWaker.childrenAsleep,
    fields: [{ name: 'ProcessorSleep', lsb: 1, width: 1 }, { name: 'ChildrenAsleep', lsb: 2, width: 1, description: 'follows ProcessorSleep at once' }],
  },
  {
    name: 'GICR_PROPBASER', offset: GicrOffset.propbaser, width: 8, access: 'rw', reset: 0, description: 'LPI configuration table (RAZ/WI without an ITS)',
    fields: [{ name: 'IDbits', lsb: 0, width: 5, description: 'LPI INTID bits - 1' }, { name: 'Physical_Address', lsb: 12, width: 40 }],
  },
  {
    name: 'GICR_PENDBASER', offset: GicrOffset.pendbaser, width: 8, access: 'rw', reset: 0, description: 'LPI pending table (RAZ/WI without an ITS)',
    fields: [{ name: 'Physical_Address', lsb: 16, width: 36 }, { name: 'PTZ', lsb: 62, width: 1, description: 'reads 0' }],
  },
  { name: 'GICR_PIDR2', offset: GicrOffset.pidr2, width: 4, access: 'ro', reset: 0x3b, fields: [{ name: 'ArchRev', lsb: 4, width: 4 }] },
  sgiBitmap('GICR_IGROUPR0', GicrOffset.igroupr0, 'SGI/PPI group: 1 = Group 1'),
  sgiBitmap('GICR_ISENABLER0', GicrOffset.isenabler0, 'SGI/PPI set-enable'),
  sgiBitmap('GICR_ICENABLER0', GicrOffset.icenabler0, 'SGI/PPI clear-enable'),
  sgiBitmap('GICR_ISPENDR0', GicrOffset.ispendr0, 'SGI/PPI set-pending'),
  sgiBitmap('GICR_ICPENDR0', GicrOffset.icpendr0, 'SGI/PPI clear-pending'),
  sgiBitmap('GICR_ISACTIVER0', GicrOffset.isactiver0, 'SGI/PPI set-active'),
  sgiBitmap('GICR_ICACTIVER0', GicrOffset.icactiver0, 'SGI/PPI clear-active'),
  { name: 'GICR_IPRIORITYR', offset: GicrOffset.ipriorityr, width: 4, access: 'rw', reset: 0, count: 8, stride: 4, description: 'SGI/PPI priorities' },
  { name: 'GICR_ICFGR0', offset: GicrOffset.icfgr0, width: 4, access: 'ro', reset: 0xaaaa_aaaa, description: 'SGIs: always edge' },
  { name: 'GICR_ICFGR1', offset: GicrOffset.icfgr1, width: 4, access: 'rw', reset: 0, description: 'PPIs: bit 2n+1 = edge' },
  { name: 'GICR_IGRPMODR0', offset: GicrOffset.igrpmodr0, width: 4, access: 'ro', reset: 0, description: 'RAZ/WI with DS = 1' },
  { name: 'GICR_NSACR', offset: GicrOffset.nsacr, width: 4, access: 'ro', reset: 0, description: 'RAZ/WI with DS = 1' },
];

export class Gicv3Redistributors implements MmioDevice {
  readonly kind = 'arm-gicv3-redistributor';
  readonly registers = GICR_REGISTERS;
  /** Bytes of the whole GICR window: one frame pair per CPU. */
  readonly size: number;

  constructor(private readonly gic: ArmGicv3) {
    this.size = gic.state.cpus * GICR_FRAME_BYTES;
  }

  read(offset: number, size: 1 | 2 | 4): number {
    const s = this.gic.state;
    const cpu = Math.floor(offset / GICR_FRAME_BYTES);
    if (cpu >= s.cpus) return 0;
    const at = offset % GICR_FRAME_BYTES;
    if (at >= GicrOffset.ipriorityr && at < GicrOffset.ipriorityr + 32) return readPriorities(s, s.slot(cpu, at - GicrOffset.ipriorityr), size);
    if (size !== 4 || (at & 3) !== 0) return 0;
    const lpis = this.gic.lpis;
    switch (at) {
      case GicrOffset.ctlr: return lpis?.enabled(cpu) ? 1 : 0;
      case GicrOffset.propbaser: case GicrOffset.propbaser + 4: return lpis ? lpis.readBaser(cpu, false, at !== GicrOffset.propbaser) : 0;
      case GicrOffset.pendbaser: case GicrOffset.pendbaser + 4: return lpis ? lpis.readBaser(cpu, true, at !== GicrOffset.pendbaser) : 0;
      case GicrOffset.iidr: return GIC_IIDR;
      case GicrOffset.typer: return (GicrTyper.commonLpiAff | (cpu << 8) | (cpu === s.cpus - 1 ? GicrTyper.last : 0) | (lpis ? GicrTyper.plpis : 0)) >>> 0;
      case GicrOffset.typer + 4: return this.gic.affinities[cpu]! >>> 0;
      case GicrOffset.waker: return s.cpuWord(cpu, CpuIfWord.awake) !== 0 ? 0 : GicrWaker.processorSleep | GicrWaker.childrenAsleep;
      case GicrOffset.icfgr0: return readConfig(s, s.slot(cpu, 0), true);
      case GicrOffset.icfgr1: return readConfig(s, s.slot(cpu, 16), false);
      default: break;
    }
    if (at >= GicrOffset.igroupr0 && at <= GicrOffset.icactiver0 && (at & 0x7f) === 0) {
      return readBitmapRegister(s, at - GICR_SGI_BASE, cpu);
    }
    if (at >= 0xffd0 && at < 0x1_0000) return idRegister(GICR_IDS, at - 0xffd0);
    return 0;
  }

  write(offset: number, size: 1 | 2 | 4, value: number): void {
    const s = this.gic.state;
    const cpu = Math.floor(offset / GICR_FRAME_BYTES);
    if (cpu >= s.cpus) return;
    const at = offset % GICR_FRAME_BYTES;
    if (at >= GicrOffset.ipriorityr && at < GicrOffset.ipriorityr + 32) {
      writePriorities(s, s.slot(cpu, at - GicrOffset.ipriorityr), size, value);
    } else if (size !== 4 || (at & 3) !== 0) {
      return;
    } else if (at === GicrOffset.ctlr) {
      // EnableLPIs: once on, the tables may be read, so what is pending can now be signalled.
      this.gic.lpis?.setEnabled(cpu, (value & 1) !== 0);
    } else if (at === GicrOffset.propbaser || at === GicrOffset.propbaser + 4 || at === GicrOffset.pendbaser || at === GicrOffset.pendbaser + 4) {
      this.gic.lpis?.writeBaser(cpu, at >= GicrOffset.pendbaser, (at & 4) !== 0, value);
      return;
    } else if (at === GicrOffset.waker) {
      s.setCpuWord(cpu, CpuIfWord.awake, (value & GicrWaker.processorSleep) === 0 ? 1 : 0);
    } else if (at === GicrOffset.icfgr1) {
      writeConfig(s, s.slot(cpu, 16), value);
    } else if (at >= GicrOffset.igroupr0 && at <= GicrOffset.icactiver0 && (at & 0x7f) === 0) {
      writeBitmapRegister(s, at - GICR_SGI_BASE, cpu, value);
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
    const out: Record<string, number> = {};
    for (let cpu = 0; cpu < s.cpus; cpu++) {
      out[`GICR${cpu}_WAKER`] = this.read(cpu * GICR_FRAME_BYTES + GicrOffset.waker, 4);
      out[`GICR${cpu}_TYPER`] = this.read(cpu * GICR_FRAME_BYTES + GicrOffset.typer, 4);
      out[`GICR${cpu}_IGROUPR0`] = s.words[s.group + cpu]!;
      out[`GICR${cpu}_ISENABLER0`] = s.words[s.enabled + cpu]!;
      out[`GICR${cpu}_ISPENDR0`] = s.pendingWord(cpu);
      out[`GICR${cpu}_ISACTIVER0`] = s.words[s.active + cpu]!;
      out[`GICR${cpu}_ICFGR1`] = readConfig(s, s.slot(cpu, 16), false);
    }
    return out;
  }
}
