/**
 * Arm GICv3 as QEMU's virt machine has it (`arm,gic-v3`, gic-version=3, security off): one distributor
 * (distributor.ts), one redistributor per CPU (redistributor.ts) and the ICC_* system-register CPU
 * interface of each CPU (cpu-interface.ts), over one shared state (../arm-gic-state.ts). SGIs 0-15 and
 * PPIs 16-31 are banked per redistributor, SPIs 32..lines-1 are routed by GICD_IROUTER affinity (or
 * 1-of-N). Each CPU interface drives its CPU's IRQ (group 1) and FIQ (group 0) bits through HartSignals,
 * with the A64 CPU's CpuInterruptLine values (GIC_IRQ = 1, GIC_FIQ = 2).
 *
 * Modelled as Linux's irq-gic-v3 driver uses it: affinity routing always on (GICD_CTLR.ARE reads 1,
 * legacy mode is not offered, as in QEMU), a single security state (GICD_CTLR.DS reads 1), 5 priority
 * bits, 16-bit INTIDs, GICR_WAKER, GICR_TYPER with Last, the PIDR2 ArchRev 3 ID registers.
 *
 * With an ITS on the board (`its` in the config; qemu-gicv3 has one at 0x0808_0000), the redistributors
 * take LPIs (lpis.ts: GICR_CTLR.EnableLPIs, PROPBASER, PENDBASER; GICD_TYPER.LPIS and GICR_TYPER.PLPIS
 * read 1) and the ITS (its.ts) translates MSIs into them; an LPI competes with the other interrupts of
 * its CPU by the priority in its configuration byte. Without one, LPIs do not exist (the registers read
 * as zero), as before.
 *
 * Left out: message-based SPIs (GICD_SETSPI_*), extended SPI/PPI ranges, GICv4 virtual LPIs, the virtualization interface
 * (ICH_* registers: the hypervisor in TypeScript keeps virtual GIC state itself), the Secure state
 * and its Group 1 Secure, and more than one SGI source per target (SGIs are edge-latched).
 */
import type { HartSignals, IrqSink, SharedRegion } from '../../../bus/types';
import {
  CpuIfWord, GIC_FIQ, GIC_IRQ, GicState, SPURIOUS,
  type Candidate, type GicConfig, type GicCpuInterfaceState, type GicSourceState,
} from '../arm-gic-state';
import { Gicv3CpuInterface } from './cpu-interface';
import { GICD_REGISTERS, Gicv3Distributor } from './distributor';
import { GICR_REGISTERS, Gicv3Redistributors } from './redistributor';
import type { ControllerInspectData } from '../../../../shared/protocol/inspect';
import { gicInspectData } from '../arm-gic-inspect';
import { registerValue, type ControllerInspectContext } from '../inspect-table';
import type { DmaMemory } from '../../../bus/dma';
import { Gicv3Lpis } from './lpis';
import { GITS_REGISTERS, Gicv3Its, ITS_STATE_BYTES } from './its';

export interface Gicv3Config extends GicConfig {
  /**
   * MPIDR affinity of each CPU packed as Aff3 << 24 | Aff2 << 16 | Aff1 << 8 | Aff0, from the board's
   * CPU list; defaults to Aff0 = CPU index. GICR_TYPER, IROUTER and ICC_SGI1R_EL1 match on it.
   */
  readonly affinities?: readonly number[];
  /** The board's ITS: its window's physical address (GITS_TRANSLATER is at +0x10040). LPIs exist only with it. */
  readonly its?: { readonly base: number };
}

/** Word of the state's `global` block holding GICD_CTLR's group enables (bits 0 and 1). */
export const GICD_CTLR_WORD = 0;
/** ICC_CTLR_EL1 bits kept: CBPR (0) and EOImode (1). */
export const IccCtlr = { cbpr: 1, eoiMode: 2 } as const;

export class ArmGicv3 implements IrqSink {
  readonly kind = 'arm-gicv3';
  readonly state: GicState;
  readonly affinities: readonly number[];
  readonly distributor: Gicv3Distributor;
  readonly redistributors: Gicv3Redistributors;
  /** The redistributors' LPIs and the ITS, when the board has an ITS. */
  readonly lpis: Gicv3Lpis | undefined;
  readonly its: Gicv3Its | undefined;
  private readonly interfaces: Gicv3CpuInterface[] = [];
  private readonly forwarded = (group: number): boolean => ((this.state.words[GICD_CTLR_WORD]! >>> group) & 1) !== 0;
  private readonly routed = (spi: number, cpu: number): boolean => this.routeOf(spi) === cpu;
  private readonly commonBinaryPoint = (cpu: number): boolean => (this.state.cpuWord(cpu, CpuIfWord.ctlr) & IccCtlr.cbpr) !== 0;
  private readonly lineOf = (_cpu: number, group: number): number => (group === 0 ? GIC_FIQ : GIC_IRQ);
  private readonly scratch: Candidate = { intid: SPURIOUS, priority: 0, group: 0 };

  /** Shared bytes for the whole GIC (distributor, redistributors and CPU interfaces). */
  static stateBytes(config: Gicv3Config): number {
    return GicState.stateBytes(config) + (config.its ? Gicv3Lpis.stateBytes(config.cpus) + ITS_STATE_BYTES : 0);
  }

  constructor(region: SharedRegion, config: Gicv3Config, signals: HartSignals) {
    this.state = new GicState(region, config, signals);
    this.affinities = config.affinities ?? Array.from({ length: config.cpus }, (_, cpu) => cpu);
    if (this.affinities.length !== config.cpus) throw new Error(`GICv3 has ${config.cpus} CPUs but ${this.affinities.length} affinities`);
    if (config.its) {
      // After the shared GIC state: the LPI words, then the ITS's.
      const lpiOffset = region.byteOffset + GicState.stateBytes(config);
      const lpiBytes = Gicv3Lpis.stateBytes(config.cpus);
      if (region.byteLength < ArmGicv3.stateBytes(config)) throw new Error('GICv3 region too small for its LPIs and ITS');
      this.lpis = new Gicv3Lpis(new Uint32Array(region.buffer, lpiOffset, lpiBytes / 4), config.cpus);
      this.its = new Gicv3Its({ words: new Uint32Array(region.buffer, lpiOffset + lpiBytes, ITS_STATE_BYTES / 4), lpis: this.lpis, base: config.its.base, update: () => this.update() });
    } else {
      this.lpis = undefined;
      this.its = undefined;
    }
    this.distributor = new Gicv3Distributor(this);
    this.redistributors = new Gicv3Redistributors(this);
    for (let cpu = 0; cpu < config.cpus; cpu++) this.interfaces.push(new Gicv3CpuInterface(this, cpu));
  }

  /** The ICC_* system registers of one CPU (what its Supervisor.systemRegister forwards to). */
  cpuInterface(cpu: number): Gicv3CpuInterface {
    const cpuInterface = this.interfaces[cpu];
    if (cpuInterface === undefined) throw new Error(`GICv3 has no CPU ${cpu}`);
    return cpuInterface;
  }

  /** SPI input: `line` is the INTID (32..lines-1), i.e. the device tree's SPI number + 32. */
  setLevel(line: number, level: boolean): void {
    if (this.state.setSpiLine(line, level)) this.update();
  }

  /** PPI input of one redistributor (e.g. the generic timer: virtual 27, physical 30). */
  setPrivateLevel(cpu: number, intid: number, level: boolean): void {
    if (this.state.setPpiLine(cpu, intid, level)) this.update();
  }

  /** The CPU an SPI is delivered to now, or -1 (IROUTER matches no CPU, or 1-of-N finds none ready). */
  routeOf(spi: number): number {
    const s = this.state;
    const index = s.route + 2 * (spi - 32);
    const low = s.words[index]!;
    if ((low & 0x8000_0000) !== 0) {
      // 1-of-N: the lowest-numbered awake CPU that accepts the interrupt's group.
      const enable = s.getBit(s.group, s.slot(0, spi)) ? CpuIfWord.igrpen1 : CpuIfWord.igrpen0;
      for (let cpu = 0; cpu < s.cpus; cpu++) if (s.cpuWord(cpu, CpuIfWord.awake) !== 0 && (s.cpuWord(cpu, enable) & 1) !== 0) return cpu;
      return -1;
    }
    const affinity = (((s.words[index + 1]! & 0xff) << 24) | (low & 0xff_ffff)) >>> 0;
    return this.affinities.indexOf(affinity);
  }

  /** The highest-priority pending interrupt for `cpu` (scratch object, valid until the next call). */
  highestPending(cpu: number): Candidate {
    this.state.highestPending(cpu, this.forwarded, this.routed, this.scratch);
    this.withLpis(cpu, this.scratch);
    return this.scratch;
  }

  /** An LPI of `cpu` replaces the candidate when its priority is strictly higher (LPIs are Group 1). */
  private readonly withLpis = (cpu: number, candidate: Candidate): void => {
    if (this.lpis === undefined || !this.forwarded(1)) return;
    const best = this.lpis.best(cpu, candidate.priority);
    if (best === undefined) return;
    candidate.intid = best[0];
    candidate.priority = best[1];
    candidate.group = 1;
  };

  /** Guest memory for the LPI configuration tables and the ITS's queue and tables. */
  attachMemory(memory: DmaMemory): void {
    this.attached = memory;
    this.lpis?.attachMemory(memory);
    this.its?.attachMemory(memory);
  }

  /** The physical memory this thread's GIC reads its tables from (the hypervisor's vITS writes there too). */
  get memory(): DmaMemory | undefined {
    return this.attached;
  }

  private attached: DmaMemory | undefined;

  canSignal(cpu: number, candidate: Candidate): boolean {
    return this.state.canSignal(cpu, candidate, this.commonBinaryPoint(cpu));
  }

  usesCommonBinaryPoint(cpu: number): boolean {
    return this.commonBinaryPoint(cpu);
  }

  /** Recomputes every CPU's IRQ/FIQ level after a state change. */
  update(): void {
    this.state.updateOutputs(this.forwarded, this.routed, this.commonBinaryPoint, this.lineOf, this.lpis ? this.withLpis : undefined);
  }

  reset(): void {
    this.state.reset();
    this.lpis?.reset();
    this.its?.reset();
  }

  /** Inspector state: every interrupt with its routing, and each CPU interface. */
  inspect(): { sources: GicSourceState[]; cpus: GicCpuInterfaceState[] } {
    const s = this.state;
    const sources = s.sources((spi) => {
      const index = s.route + 2 * (spi - 32);
      if ((s.words[index]! & 0x8000_0000) !== 0) return '1-of-N';
      const cpu = this.routeOf(spi);
      const aff = `${s.words[index + 1]! & 0xff}.${(s.words[index]! >>> 16) & 0xff}.${(s.words[index]! >>> 8) & 0xff}.${s.words[index]! & 0xff}`;
      return cpu < 0 ? `${aff} (no CPU)` : `${aff} (cpu ${cpu})`;
    });
    const cpus: GicCpuInterfaceState[] = [];
    for (let cpu = 0; cpu < s.cpus; cpu++) {
      const candidate = this.highestPending(cpu);
      const output = s.cpuWord(cpu, CpuIfWord.output);
      cpus.push({
        cpu,
        priorityMask: s.cpuWord(cpu, CpuIfWord.pmr),
        runningPriority: s.runningPriority(cpu),
        highestPending: candidate.intid,
        irq: (output & GIC_IRQ) !== 0,
        fiq: (output & GIC_FIQ) !== 0,
        groupEnables: (s.cpuWord(cpu, CpuIfWord.igrpen0) & 1) | ((s.cpuWord(cpu, CpuIfWord.igrpen1) & 1) << 1),
      });
    }
    return { sources, cpus };
  }

  /** The inspector's tables (every INTID, each CPU interface) and GICD_CTLR / GICD_TYPER decoded; no side effects. */
  inspectState(context: ControllerInspectContext = {}): ControllerInspectData {
    const values = this.distributor.peek();
    const registers = GICD_REGISTERS.filter((def) => def.name === 'GICD_CTLR' || def.name === 'GICD_TYPER').map((def) => registerValue(def, values[def.name] ?? 0));
    if (this.its) {
      const its = this.its.peek();
      for (const def of GITS_REGISTERS) {
        if (def.name === 'GITS_TRANSLATER' || def.name === 'GITS_IIDR' || def.name === 'GITS_PIDR2') continue;
        const suffix = def.name === 'GITS_BASER' ? ['0', '1'] : [''];
        for (const n of suffix) {
          const low = its[`${def.name}${n}`] ?? 0;
          const high = its[`${def.name}${n}_HI`] ?? 0;
          registers.push(registerValue({ ...def, name: `${def.name}${n}`, count: 1 }, def.width === 8 ? (BigInt(high >>> 0) << 32n) | BigInt(low >>> 0) : low));
        }
      }
    }
    const map = this.its ? [...GICD_REGISTERS, ...GICR_REGISTERS, ...GITS_REGISTERS] : [...GICD_REGISTERS, ...GICR_REGISTERS];
    return gicInspectData('GICv3', this.kind, this.inspect(), registers, map, context);
  }
}
