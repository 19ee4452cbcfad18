/**
 * Arm GICv2 as QEMU's virt machine has it with gic-version=2 (`arm,cortex-a15-gic`, no Security
 * Extensions): a distributor (GICD, 4 KiB) and a memory-mapped CPU interface (GICC, 8 KiB, GICC_DIR at
 * 0x1000), for up to 8 CPUs. SGIs 0-15 carry their source CPU (one pending bit per source, GICD_SGIR
 * with target list filter, CPENDSGIR/SPENDSGIR, the CPU ID in GICC_IAR bits 12:10); PPIs 16-31 are
 * banked per CPU; SPIs go to the CPUs set in their GICD_ITARGETSR byte, the first to acknowledge takes
 * them. Groups exist as in any GICv2 (Linux leaves everything in Group 0): Group 0 is signalled as IRQ
 * unless GICC_CTLR.FIQEn, Group 1 always as IRQ; GICC_CTLR.AckCtl lets GICC_IAR acknowledge Group 1.
 *
 * Banked registers (GICD words for INTIDs 0..31, ITARGETSR0..7, the whole GICC) depend on the CPU that
 * accesses them. Until the bus passes the requesting CPU, each vCPU thread maps the views bound to its
 * own CPU (`distributorFor(cpu)`, `cpuInterfaceFor(cpu)`); the views share the one state region.
 *
 * Left out: the Security Extensions (GICD_CTLR/GICC_CTLR Secure banking, NSACR, NSATT), the
 * virtualization extensions (GICH/GICV: the TypeScript hypervisor keeps virtual GIC state itself),
 * interrupt bypass and wake-up signals, and GICC_APR1..3 (5 priority bits need only APR0, as in QEMU's
 * GICv3; QEMU's GICv2 has 8).
 */
import type { HartSignals, IrqSink, MmioDevice, RegisterDef, SharedRegion } from '../../bus/types';
import {
  CpuIfWord, GIC_FIQ, GIC_IRQ, GicState, MIN_BPR0, MIN_BPR1, PRIORITY_MASK, SPURIOUS, idRegister, readBitmapRegister,
  readConfig, readPriorities, writeBitmapRegister, writeConfig, writePriorities,
  type Candidate, type GicConfig, type GicCpuInterfaceState, type GicSourceState,
} from './arm-gic-state';
import type { ControllerInspectData } from '../../../shared/protocol/inspect';
import { gicInspectData } from './arm-gic-inspect';
import { registerValue, type ControllerInspectContext } from './inspect-table';

export const GicV2DistOffset = {
  ctlr: 0x0, typer: 0x4, iidr: 0x8, igroupr: 0x80, isenabler: 0x100, icenabler: 0x180, ispendr: 0x200, icpendr: 0x280,
  isactiver: 0x300, icactiver: 0x380, ipriorityr: 0x400, itargetsr: 0x800, icfgr: 0xc00, sgir: 0xf00,
  cpendsgir: 0xf10, spendsgir: 0xf20, pidr2: 0xfe8,
} as const;
export const GiccOffset = {
  ctlr: 0x0, pmr: 0x4, bpr: 0x8, iar: 0xc, eoir: 0x10, rpr: 0x14, hppir: 0x18, abpr: 0x1c, aiar: 0x20, aeoir: 0x24,
  ahppir: 0x28, apr0: 0xd0, nsapr0: 0xe0, iidr: 0xfc, dir: 0x1000,
} as const;
export const GiccCtlr = { enableGrp0: 1, enableGrp1: 2, ackCtl: 4, fiqEn: 8, cbpr: 16, eoiMode: 1 << 9 } as const;
export const GICV2_MAX_CPUS = 8;
/** The CPU interface's register pages (GICC_DIR opens the second). */
const GICC_PAGE = 0x1000;

export interface ArmGicv2Config extends GicConfig {
  /** Bytes from one CPU interface page to the next in its window (see cpuInterfaceRegister); 4 KiB when absent. */
  readonly cpuInterfacePageStride?: number;
}
/** PIDR4..7, PIDR0..3, CIDR0..3 at 0xFD0: QEMU's GICv2 values, PIDR2 = 0x2B (ArchRev 2). */
export const GICV2_IDS = [0x04, 0, 0, 0, 0x90, 0xb4, 0x2b, 0, 0x0d, 0xf0, 0x05, 0xb1] as const;
/**
 * QEMU's hw/intc/arm_gic.c: GICD_IIDR is 0x43B (gic_dist_readb: bytes 0x3b, 0x04, rest RAZ: Arm, r0p0,
 * ProductID 0) and GICC_IIDR is (revision << 16) | 0x43B (gic_cpu_read, offset 0xfc), i.e. architecture
 * version 2, ProductID 0. Linux's gic_check_gicv2() (irq-gic.c) accepts it: (IIDR & 0xff0fff) == 0x02043b.
 */
const GICD_IIDR = 0x0000_043b;
const GICC_IIDR = 0x0002_043b;
const GICD_CTLR_WORD = 0;
const SPURIOUS_OTHER_GROUP = 1022;

function bitmap(name: string, offset: number, description: string): RegisterDef {
  return { name, offset, width: 4, access: 'rw', reset: 0, count: 32, stride: 4, description };
}

export const GICV2_DISTRIBUTOR_REGISTERS: readonly RegisterDef[] = [
  { name: 'GICD_CTLR', offset: GicV2DistOffset.ctlr, width: 4, access: 'rw', reset: 0, fields: [{ name: 'EnableGrp0', lsb: 0, width: 1 }, { name: 'EnableGrp1', lsb: 1, width: 1 }] },
  {
    name: 'GICD_TYPER', offset: GicV2DistOffset.typer, width: 4, access: 'ro', reset: 0,
    fields: [{ name: 'ITLinesNumber', lsb: 0, width: 5 }, { name: 'CPUNumber', lsb: 5, width: 3 }, { name: 'SecurityExtn', lsb: 10, width: 1 }],
  },
  { name: 'GICD_IIDR', offset: GicV2DistOffset.iidr, width: 4, access: 'ro', reset: GICD_IIDR },
  bitmap('GICD_IGROUPR', GicV2DistOffset.igroupr, 'Group: 0 = Group 0, 1 = Group 1; word 0 banked'),
  bitmap('GICD_ISENABLER', GicV2DistOffset.isenabler, 'Set-enable; word 0 banked'),
  bitmap('GICD_ICENABLER', GicV2DistOffset.icenabler, 'Clear-enable; word 0 banked'),
  bitmap('GICD_ISPENDR', GicV2DistOffset.ispendr, 'Set-pending (SGI bits read-only: use SPENDSGIR)'),
  bitmap('GICD_ICPENDR', GicV2DistOffset.icpendr, 'Clear-pending (SGI bits read-only: use CPENDSGIR)'),
  bitmap('GICD_ISACTIVER', GicV2DistOffset.isactiver, 'Set-active; word 0 banked'),
  bitmap('GICD_ICACTIVER', GicV2DistOffset.icactiver, 'Clear-active; word 0 banked'),
  { name: 'GICD_IPRIORITYR', offset: GicV2DistOffset.ipriorityr, width: 4, access: 'rw', reset: 0, count: 255, stride: 4, description: 'One byte per INTID, top 5 bits kept; 0..7 banked' },
  { name: 'GICD_ITARGETSR', offset: GicV2DistOffset.itargetsr, width: 4, access: 'rw', reset: 0, count: 255, stride: 4, description: 'CPU target bytes; 0..7 read-only, the accessing CPU' },
  { name: 'GICD_ICFGR', offset: GicV2DistOffset.icfgr, width: 4, access: 'rw', reset: 0, count: 64, stride: 4, description: 'Bit 2n+1 = edge; word 0 (SGIs) reads 0xAAAAAAAA' },
  {
    name: 'GICD_SGIR', offset: GicV2DistOffset.sgir, width: 4, access: 'wo', reset: 0, description: 'Software-generated interrupt',
    fields: [{ name: 'SGIINTID', lsb: 0, width: 4 }, { name: 'CPUTargetList', lsb: 16, width: 8 }, { name: 'TargetListFilter', lsb: 24, width: 2, description: '0 list, 1 all others, 2 self' }],
  },
  { name: 'GICD_CPENDSGIR', offset: GicV2DistOffset.cpendsgir, width: 4, access: 'rw', reset: 0, count: 4, stride: 4, description: 'Per SGI byte: source CPUs pending, write 1 to clear' },
  { name: 'GICD_SPENDSGIR', offset: GicV2DistOffset.spendsgir, width: 4, access: 'rw', reset: 0, count: 4, stride: 4, description: 'Per SGI byte: source CPUs pending, write 1 to set' },
  { name: 'GICD_PIDR2', offset: GicV2DistOffset.pidr2, width: 4, access: 'ro', reset: 0x2b, fields: [{ name: 'ArchRev', lsb: 4, width: 4, description: '2 = GICv2' }] },
];

export const GICV2_CPU_INTERFACE_REGISTERS: readonly RegisterDef[] = [
  {
    name: 'GICC_CTLR', offset: GiccOffset.ctlr, width: 4, access: 'rw', reset: 0,
    fields: [
      { name: 'EnableGrp0', lsb: 0, width: 1 }, { name: 'EnableGrp1', lsb: 1, width: 1 }, { name: 'AckCtl', lsb: 2, width: 1 },
      { name: 'FIQEn', lsb: 3, width: 1 }, { name: 'CBPR', lsb: 4, width: 1 }, { name: 'EOImode', lsb: 9, width: 1 },
    ],
  },
  { name: 'GICC_PMR', offset: GiccOffset.pmr, width: 4, access: 'rw', reset: 0, description: 'Priority mask, top 5 bits' },
  { name: 'GICC_BPR', offset: GiccOffset.bpr, width: 4, access: 'rw', reset: MIN_BPR0, description: 'Binary point (minimum 2)' },
  { name: 'GICC_IAR', offset: GiccOffset.iar, width: 4, access: 'ro', reset: SPURIOUS, fields: [{ name: 'INTID', lsb: 0, width: 10 }, { name: 'CPUID', lsb: 10, width: 3 }] },
  { name: 'GICC_EOIR', offset: GiccOffset.eoir, width: 4, access: 'wo', reset: 0 },
  { name: 'GICC_RPR', offset: GiccOffset.rpr, width: 4, access: 'ro', reset: 0xff },
  { name: 'GICC_HPPIR', offset: GiccOffset.hppir, width: 4, access: 'ro', reset: SPURIOUS },
  { name: 'GICC_ABPR', offset: GiccOffset.abpr, width: 4, access: 'rw', reset: MIN_BPR1, description: 'Group 1 binary point (minimum 3)' },
  { name: 'GICC_AIAR', offset: GiccOffset.aiar, width: 4, access: 'ro', reset: SPURIOUS, description: 'Acknowledge Group 1' },
  { name: 'GICC_AEOIR', offset: GiccOffset.aeoir, width: 4, access: 'wo', reset: 0 },
  { name: 'GICC_AHPPIR', offset: GiccOffset.ahppir, width: 4, access: 'ro', reset: SPURIOUS },
  { name: 'GICC_APR0', offset: GiccOffset.apr0, width: 4, access: 'rw', reset: 0, description: 'Active Group 0 priorities' },
  { name: 'GICC_NSAPR0', offset: GiccOffset.nsapr0, width: 4, access: 'rw', reset: 0, description: 'Active Group 1 priorities' },
  { name: 'GICC_IIDR', offset: GiccOffset.iidr, width: 4, access: 'ro', reset: GICC_IIDR },
  { name: 'GICC_DIR', offset: GiccOffset.dir, width: 4, access: 'wo', reset: 0, description: 'Deactivate (EOImode = 1)' },
];

export class ArmGicv2 implements IrqSink {
  readonly kind = 'arm-gicv2';
  readonly state: GicState;
  private readonly forwarded = (group: number): boolean => ((this.state.words[GICD_CTLR_WORD]! >>> group) & 1) !== 0;
  private readonly routed = (spi: number, cpu: number): boolean => ((this.targets(spi) >>> cpu) & 1) !== 0;
  private readonly commonBinaryPoint = (cpu: number): boolean => (this.state.cpuWord(cpu, CpuIfWord.ctlr) & GiccCtlr.cbpr) !== 0;
  private readonly lineOf = (cpu: number, group: number): number =>
    (group === 0 && (this.state.cpuWord(cpu, CpuIfWord.ctlr) & GiccCtlr.fiqEn) !== 0 ? GIC_FIQ : GIC_IRQ);
  private readonly scratch: Candidate = { intid: SPURIOUS, priority: 0, group: 0 };

  static stateBytes(config: GicConfig): number {
    return GicState.stateBytes(config);
  }

  private readonly pageStride: number;

  constructor(region: SharedRegion, config: ArmGicv2Config, signals: HartSignals) {
    if (config.cpus > GICV2_MAX_CPUS) throw new Error(`GICv2 supports at most ${GICV2_MAX_CPUS} CPUs, not ${config.cpus}`);
    const stride = config.cpuInterfacePageStride ?? GICC_PAGE;
    if (!Number.isInteger(stride) || stride < GICC_PAGE || stride % GICC_PAGE !== 0) {
      throw new Error(`GICv2 cpuInterfacePageStride must be a multiple of 4 KiB, not ${stride}`);
    }
    this.pageStride = stride;
    this.state = new GicState(region, config, signals);
  }

  /**
   * The CPU interface register an offset into its window names. Its two 4 KiB pages (GICC_DIR is on the
   * second) follow each other, unless the SoC places each page in a frame of `cpuInterfacePageStride`
   * bytes that repeats it: a GIC-400 on 64 KiB-aligned AXI ports (the ZynqMP's, whose GICC window
   * 0xF902_0000 is 128 KiB, so that page 0's last copy at +0xF000 and page 1 at +0x1_0000 form the
   * contiguous 8 KiB hvisor's gicc_offset 0xF000 and Linux's gic_check_eoimode use).
   */
  cpuInterfaceRegister(windowOffset: number): number {
    if (this.pageStride === GICC_PAGE) return windowOffset;
    return Math.floor(windowOffset / this.pageStride) * GICC_PAGE + (windowOffset % GICC_PAGE);
  }

  /** The distributor as CPU `cpu` sees it (banked registers are that CPU's). */
  distributorFor(cpu: number): MmioDevice {
    return {
      kind: 'arm-gicv2-distributor',
      registers: GICV2_DISTRIBUTOR_REGISTERS,
      read: (offset, size) => this.readDistributor(cpu, offset, size),
      write: (offset, size, value) => this.writeDistributor(cpu, offset, size, value),
      reset: () => this.reset(),
      peek: () => this.peekDistributor(cpu),
    };
  }

  /** The memory-mapped CPU interface of CPU `cpu`. */
  cpuInterfaceFor(cpu: number): MmioDevice {
    return {
      kind: 'arm-gicv2-cpu-interface',
      registers: GICV2_CPU_INTERFACE_REGISTERS,
      read: (offset, size) => this.readCpuInterface(cpu, this.cpuInterfaceRegister(offset), size),
      write: (offset, size, value) => this.writeCpuInterface(cpu, this.cpuInterfaceRegister(offset), size, value),
      reset: () => this.reset(),
      peek: () => this.peekCpuInterface(cpu),
    };
  }

  /** SPI input: `line` is the INTID (32..lines-1), i.e. the device tree's SPI number + 32. */
  setLevel(line: number, level: boolean): void {
    if (this.state.setSpiLine(line, level)) this.update();
  }

  /** PPI input of one CPU (e.g. the generic timer: virtual 27, physical 30). */
  setPrivateLevel(cpu: number, intid: number, level: boolean): void {
    if (this.state.setPpiLine(cpu, intid, level)) this.update();
  }

  reset(): void {
    this.state.reset();
  }

  update(): void {
    this.state.updateOutputs(this.forwarded, this.routed, this.commonBinaryPoint, this.lineOf);
  }

  readDistributor(cpu: number, offset: number, size: 1 | 2 | 4): number {
    const s = this.state;
    if (offset >= GicV2DistOffset.ipriorityr && offset < GicV2DistOffset.itargetsr) {
      const intid = offset - GicV2DistOffset.ipriorityr;
      return intid + size <= s.lines ? readPriorities(s, s.slot(cpu, intid), size) : 0;
    }
    if (offset >= GicV2DistOffset.itargetsr && offset < GicV2DistOffset.icfgr) {
      const intid = offset - GicV2DistOffset.itargetsr;
      let value = 0;
      for (let i = 0; i < size && intid + i < s.lines; i++) value |= (intid + i < 32 ? 1 << cpu : this.targets(intid + i)) << (8 * i);
      return value >>> 0;
    }
    if (offset >= GicV2DistOffset.cpendsgir && offset < GicV2DistOffset.spendsgir + 16) {
      const first = (offset & 0xf) & ~(size - 1);
      let value = 0;
      for (let i = 0; i < size; i++) value |= (s.words[s.sgiSources + cpu * 16 + first + i]! & 0xff) << (8 * i);
      return value >>> 0;
    }
    if (size !== 4 || (offset & 3) !== 0) return 0;
    if (offset === GicV2DistOffset.ctlr) return s.words[GICD_CTLR_WORD]! & 3;
    if (offset === GicV2DistOffset.typer) return (s.lines / 32 - 1) | ((s.cpus - 1) << 5);
    if (offset === GicV2DistOffset.iidr) return GICD_IIDR;
    if (offset >= GicV2DistOffset.igroupr && offset < GicV2DistOffset.ipriorityr) {
      const word = this.bitmapWord(cpu, (offset & 0x7f) >> 2);
      return word < 0 ? 0 : readBitmapRegister(s, offset & 0x780, word);
    }
    if (offset >= GicV2DistOffset.icfgr && offset < GicV2DistOffset.icfgr + s.lines / 4) {
      const first = ((offset - GicV2DistOffset.icfgr) >> 2) * 16;
      return readConfig(s, s.slot(cpu, first), first === 0);
    }
    if (offset >= 0xfd0) return idRegister(GICV2_IDS, offset - 0xfd0);
    return 0;
  }

  writeDistributor(cpu: number, offset: number, size: 1 | 2 | 4, value: number): void {
    const s = this.state;
    if (offset >= GicV2DistOffset.ipriorityr && offset < GicV2DistOffset.itargetsr) {
      const intid = offset - GicV2DistOffset.ipriorityr;
      if (intid + size <= s.lines) writePriorities(s, s.slot(cpu, intid), size, value);
    } else if (offset >= GicV2DistOffset.itargetsr && offset < GicV2DistOffset.icfgr) {
      const intid = offset - GicV2DistOffset.itargetsr;
      const cpuMask = (1 << s.cpus) - 1;
      for (let i = 0; i < size; i++) {
        if (intid + i >= 32 && intid + i < s.lines) s.words[s.route + 2 * (intid + i - 32)] = (value >>> (8 * i)) & cpuMask;
      }
    } else if (offset >= GicV2DistOffset.cpendsgir && offset < GicV2DistOffset.spendsgir + 16) {
      const set = offset >= GicV2DistOffset.spendsgir;
      const first = (offset & 0xf) & ~(size - 1);
      for (let i = 0; i < size; i++) {
        const bits = (value >>> (8 * i)) & ((1 << s.cpus) - 1);
        const index = s.sgiSources + cpu * 16 + first + i;
        s.words[index] = set ? s.words[index]! | bits : s.words[index]! & ~bits;
        s.setBit(s.latch, s.slot(cpu, first + i), s.words[index] !== 0);
      }
    } else if (size !== 4 || (offset & 3) !== 0) {
      return;
    } else if (offset === GicV2DistOffset.ctlr) {
      s.words[GICD_CTLR_WORD] = value & 3;
    } else if (offset >= GicV2DistOffset.igroupr && offset < GicV2DistOffset.ipriorityr) {
      const n = (offset & 0x7f) >> 2;
      const word = this.bitmapWord(cpu, n);
      const reg = offset & 0x780;
      // SGI pending state is per source and only changes through SGIR, SPENDSGIR and CPENDSGIR.
      const sgiPendingLocked = n === 0 && (reg === 0x200 || reg === 0x280);
      if (word >= 0) writeBitmapRegister(s, reg, word, value, sgiPendingLocked ? 0xffff_0000 : 0xffff_ffff);
    } else if (offset >= GicV2DistOffset.icfgr + 4 && offset < GicV2DistOffset.icfgr + s.lines / 4) {
      writeConfig(s, s.slot(cpu, ((offset - GicV2DistOffset.icfgr) >> 2) * 16), value);
    } else if (offset === GicV2DistOffset.sgir) {
      this.generateSgi(cpu, value);
    } else {
      return;
    }
    this.update();
  }

  readCpuInterface(cpu: number, offset: number, size: 1 | 2 | 4): number {
    if (size !== 4 || (offset & 3) !== 0) return 0;
    const s = this.state;
    switch (offset) {
      case GiccOffset.ctlr: return s.cpuWord(cpu, CpuIfWord.ctlr);
      case GiccOffset.pmr: return s.cpuWord(cpu, CpuIfWord.pmr);
      case GiccOffset.bpr: return Math.max(s.cpuWord(cpu, CpuIfWord.bpr0), MIN_BPR0);
      case GiccOffset.abpr: return Math.max(s.cpuWord(cpu, CpuIfWord.bpr1), MIN_BPR1);
      case GiccOffset.iar: return this.acknowledge(cpu, false);
      case GiccOffset.aiar: return this.acknowledge(cpu, true);
      case GiccOffset.rpr: return s.runningPriority(cpu);
      case GiccOffset.hppir: return this.highestPendingValue(cpu, false);
      case GiccOffset.ahppir: return this.highestPendingValue(cpu, true);
      case GiccOffset.apr0: return s.cpuWord(cpu, CpuIfWord.ap0);
      case GiccOffset.nsapr0: return s.cpuWord(cpu, CpuIfWord.ap1);
      case GiccOffset.iidr: return GICC_IIDR;
      default: return 0;
    }
  }

  writeCpuInterface(cpu: number, offset: number, size: 1 | 2 | 4, value: number): void {
    if (size !== 4 || (offset & 3) !== 0) return;
    const s = this.state;
    switch (offset) {
      case GiccOffset.ctlr: {
        const ctlr = value & (GiccCtlr.enableGrp0 | GiccCtlr.enableGrp1 | GiccCtlr.ackCtl | GiccCtlr.fiqEn | GiccCtlr.cbpr | GiccCtlr.eoiMode);
        s.setCpuWord(cpu, CpuIfWord.ctlr, ctlr);
        s.setCpuWord(cpu, CpuIfWord.igrpen0, ctlr & GiccCtlr.enableGrp0);
        s.setCpuWord(cpu, CpuIfWord.igrpen1, (ctlr & GiccCtlr.enableGrp1) >> 1);
        break;
      }
      case GiccOffset.pmr: s.setCpuWord(cpu, CpuIfWord.pmr, value & PRIORITY_MASK); break;
      case GiccOffset.bpr: s.setCpuWord(cpu, CpuIfWord.bpr0, value & 7); break;
      case GiccOffset.abpr: s.setCpuWord(cpu, CpuIfWord.bpr1, value & 7); break;
      case GiccOffset.eoir: this.endOfInterrupt(cpu, value, false); break;
      case GiccOffset.aeoir: this.endOfInterrupt(cpu, value, true); break;
      case GiccOffset.dir: this.deactivate(cpu, value & 0x3ff); break;
      case GiccOffset.apr0: s.setCpuWord(cpu, CpuIfWord.ap0, value); break;
      case GiccOffset.nsapr0: s.setCpuWord(cpu, CpuIfWord.ap1, value); break;
      default: return;
    }
    this.update();
  }

  /** Inspector state: every interrupt with its targets, and each CPU interface. */
  inspect(): { sources: GicSourceState[]; cpus: GicCpuInterfaceState[] } {
    const s = this.state;
    const sources = s.sources((spi) => {
      const targets = this.targets(spi);
      const cpus: number[] = [];
      for (let cpu = 0; cpu < s.cpus; cpu++) if ((targets >>> cpu) & 1) cpus.push(cpu);
      return cpus.length === 0 ? 'none' : `cpu ${cpus.join(', ')}`;
    });
    const cpus: GicCpuInterfaceState[] = [];
    for (let cpu = 0; cpu < s.cpus; cpu++) {
      const output = s.cpuWord(cpu, CpuIfWord.output);
      cpus.push({
        cpu,
        priorityMask: s.cpuWord(cpu, CpuIfWord.pmr),
        runningPriority: s.runningPriority(cpu),
        highestPending: s.highestPending(cpu, this.forwarded, this.routed, this.scratch).intid,
        irq: (output & GIC_IRQ) !== 0,
        fiq: (output & GIC_FIQ) !== 0,
        groupEnables: s.cpuWord(cpu, CpuIfWord.ctlr) & 3,
      });
    }
    return { sources, cpus };
  }

  private targets(spi: number): number {
    return this.state.words[this.state.route + 2 * (spi - 32)]!;
  }

  /** Bitmap word of register index n as seen by `cpu` (word 0 is banked), or -1 past the last INTID. */
  private bitmapWord(cpu: number, n: number): number {
    if (n >= this.state.lines / 32) return -1;
    return n === 0 ? cpu : this.state.cpus + n - 1;
  }

  /**
   * GICC_IAR (or AIAR for Group 1): 1022 when the winner is Group 1 and IAR may not take it (AckCtl = 0),
   * 1023 when nothing may be acknowledged. SGIs report their lowest pending source in bits 12:10.
   */
  private acknowledge(cpu: number, aliased: boolean): number {
    const s = this.state;
    const candidate = s.highestPending(cpu, this.forwarded, this.routed, this.scratch);
    if (!s.canSignal(cpu, candidate, this.commonBinaryPoint(cpu))) return SPURIOUS;
    if (aliased && candidate.group !== 1) return SPURIOUS;
    if (!aliased && candidate.group === 1 && (s.cpuWord(cpu, CpuIfWord.ctlr) & GiccCtlr.ackCtl) === 0) return SPURIOUS_OTHER_GROUP;
    const intid = candidate.intid;
    s.activate(cpu, candidate, this.commonBinaryPoint(cpu));
    let value = intid;
    if (intid < 16) {
      const index = s.sgiSources + cpu * 16 + intid;
      const sources = s.words[index]!;
      const source = 31 - Math.clz32(sources & -sources);
      s.words[index] = sources & (sources - 1);
      // Other sources keep the SGI pending (it becomes active and pending).
      s.setBit(s.latch, s.slot(cpu, intid), s.words[index] !== 0);
      value |= source << 10;
    }
    this.update();
    return value;
  }

  private highestPendingValue(cpu: number, aliased: boolean): number {
    const s = this.state;
    const candidate = s.highestPending(cpu, this.forwarded, this.routed, this.scratch);
    if (candidate.intid === SPURIOUS) return SPURIOUS;
    if (aliased && candidate.group !== 1) return SPURIOUS;
    if (!aliased && candidate.group === 1 && (s.cpuWord(cpu, CpuIfWord.ctlr) & GiccCtlr.ackCtl) === 0) return SPURIOUS_OTHER_GROUP;
    if (candidate.intid < 16) {
      const sources = s.words[s.sgiSources + cpu * 16 + candidate.intid]!;
      return candidate.intid | ((31 - Math.clz32(sources & -sources)) << 10);
    }
    return candidate.intid;
  }

  private endOfInterrupt(cpu: number, value: number, aliased: boolean): void {
    const intid = value & 0x3ff;
    if (intid >= 1020) return;
    const s = this.state;
    const group = aliased ? 1 : s.getBit(s.group, s.slot(cpu, intid)) ? 1 : 0;
    s.ended(cpu, intid);
    s.dropPriority(cpu, group);
    if ((s.cpuWord(cpu, CpuIfWord.ctlr) & GiccCtlr.eoiMode) === 0) this.deactivate(cpu, intid);
  }

  private deactivate(cpu: number, intid: number): void {
    const s = this.state;
    if (intid >= s.lines) return;
    s.setBit(s.active, s.slot(cpu, intid), false);
  }

  /** GICD_SGIR: TargetListFilter 0 = the list, 1 = every other CPU, 2 = the writer itself. */
  private generateSgi(source: number, value: number): void {
    const s = this.state;
    const intid = value & 0xf;
    const filter = (value >>> 24) & 3;
    let targets: number;
    if (filter === 0) targets = (value >>> 16) & 0xff;
    else if (filter === 1) targets = ~(1 << source) & 0xff;
    else if (filter === 2) targets = 1 << source;
    else return;
    for (let cpu = 0; cpu < s.cpus; cpu++) {
      if (((targets >>> cpu) & 1) === 0) continue;
      const index = s.sgiSources + cpu * 16 + intid;
      s.words[index] = s.words[index]! | (1 << source);
      s.setBit(s.latch, s.slot(cpu, intid), true);
    }
  }

  private peekDistributor(cpu: number): Record<string, number> {
    const out: Record<string, number> = {
      GICD_CTLR: this.readDistributor(cpu, GicV2DistOffset.ctlr, 4),
      GICD_TYPER: this.readDistributor(cpu, GicV2DistOffset.typer, 4),
      GICD_IIDR: GICD_IIDR,
      GICD_PIDR2: 0x2b,
    };
    for (let n = 0; n < this.state.lines / 32; n++) {
      for (const [name, reg] of [['IGROUPR', 0x80], ['ISENABLER', 0x100], ['ISPENDR', 0x200], ['ISACTIVER', 0x300]] as const) {
        out[`GICD_${name}${n}`] = this.readDistributor(cpu, reg + 4 * n, 4);
      }
    }
    return out;
  }

  private peekCpuInterface(cpu: number): Record<string, number> {
    const s = this.state;
    return {
      GICC_CTLR: s.cpuWord(cpu, CpuIfWord.ctlr),
      GICC_PMR: s.cpuWord(cpu, CpuIfWord.pmr),
      GICC_BPR: Math.max(s.cpuWord(cpu, CpuIfWord.bpr0), MIN_BPR0),
      GICC_ABPR: Math.max(s.cpuWord(cpu, CpuIfWord.bpr1), MIN_BPR1),
      GICC_RPR: s.runningPriority(cpu),
      // HPPIR without side effects (reading IAR here would acknowledge).
      GICC_HPPIR: this.highestPendingValue(cpu, false),
      GICC_APR0: s.cpuWord(cpu, CpuIfWord.ap0),
      GICC_NSAPR0: s.cpuWord(cpu, CpuIfWord.ap1),
      GICC_IIDR: GICC_IIDR,
    };
  }

  /** The inspector's tables (every INTID, each CPU interface) and GICD_CTLR / GICD_TYPER decoded; no side effects. */
  inspectState(context: ControllerInspectContext = {}): ControllerInspectData {
    const values = this.peekDistributor(0);
    const registers = GICV2_DISTRIBUTOR_REGISTERS.filter((def) => def.name === 'GICD_CTLR' || def.name === 'GICD_TYPER').map((def) => registerValue(def, values[def.name] ?? 0));
    return gicInspectData('GICv2', this.kind, this.inspect(), registers, [...GICV2_DISTRIBUTOR_REGISTERS, ...GICV2_CPU_INTERFACE_REGISTERS], context);
  }
}
