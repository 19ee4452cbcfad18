/**
 * hvisor's virtual GICv2 for one zone (src/device/irqchip/gicv2/vgic.rs at 6a3fb78): the zone's
 * distributor window trapped and filtered by its interrupts (vgicv2_dist_handler, :274-351), the CPU
 * interface window given to the guest (vgicv2_remap_init, :63-94: hvisor maps the zone's gicc_base to
 * the GICV frame, the virtual CPU interface its list registers feed; the guest here gets the physical CPU
 * interface of the CPU it runs on, which every physical interrupt of that CPU reaches as hvisor's
 * injection would).
 *
 * Distributor, in hvisor's order:
 * - GICD_SGIR: reads 0, writes go to the physical SGIR unfiltered (a zone can send SGIs to any CPU).
 * - ITARGETSR and IPRIORITYR (8 bits per interrupt), IGROUPR (1), ICFGR (2): read masked, written by
 *   read-modify-write keeping the other interrupts' fields; the enable, pending and active set/clear
 *   registers: read masked, written masked. Unlike the GICv3 code, byte and halfword accesses are masked
 *   with the fields of the bytes they touch (restrict_bitmask_access, :139-233). Every SGI and PPI counts
 *   as the zone's (irq_bitmap[0] = 0xffff_ffff, :99): a zone may disable SGI 7 and PPI 25 on its CPU.
 * - CTLR, TYPER, IIDR and 0xfe0-0x100f (GICD_IDENTIFICATION_OFFSET, gicd.rs:66-67): read through,
 *   writes ignored. Anything else (NSACR, CPENDSGIR, SPENDSGIR, PIDR4-7 at 0xfd0) is hvisor's todo!():
 *   hvisor panics; here the zone stops with a report (the machine, with `strict`).
 *
 * reset: hvisor's GICv2 arch_irqchip_reset is `panic!("todo")` (gicv2/mod.rs:120-124), so hvisor panics
 * when any zone shuts down on a GICv2 board. The workbench logs that and disables and deactivates the
 * zone's SPIs as the GICv3 code does (a convenience beyond hvisor, so that zones can restart).
 * inject: a pending SPI in the physical distributor, as for GICv3 (vgic-v3.ts).
 */
import type { ArmGicv2 } from '../../../devices/intc/arm-gicv2';
import { GICV2_DISTRIBUTOR_REGISTERS, GicV2DistOffset } from '../../../devices/intc/arm-gicv2';
import type { ArmCpuApi } from '../../../isa/aarch64/platform';
import type { TrapHandler, TrapRegion } from '../../stage2-map';
import type { VirtualIrqChipEnv } from '../../irqchip';
import type { Gicv2Physical } from './gicv2-physical';
import { HvisorVgic, distributorRegisterName } from './vgic-filter';

type Size = 1 | 2 | 4 | 8;

/** hvisor's GICD_IDENTIFICATION_OFFSET and _NUM (gicd.rs:66-67): 12 words from 0xFE0. */
const IDENTIFICATION = { start: 0xfe0, end: 0xfe0 + 12 * 4 } as const;

export interface Vgicv2Env extends VirtualIrqChipEnv {
  readonly physical: Gicv2Physical;
  readonly cpuCount: number;
}

export class Vgicv2 extends HvisorVgic {
  readonly kind = 'vgicv2';
  readonly name = 'vGICv2';
  readonly traps: readonly TrapRegion<ArmCpuApi>[];
  protected readonly registerMap = GICV2_DISTRIBUTOR_REGISTERS;
  private readonly physical: Gicv2Physical;
  private readonly gic: ArmGicv2;

  constructor(protected override readonly env: Vgicv2Env) {
    super(env, env.cpuCount, true);
    this.physical = env.physical;
    this.gic = env.physical.gic;
    const arch = env.config.archConfig;
    const gic = arch.arch === 'aarch64' && arch.gic.version === 'v2' ? arch.gic : undefined;
    const traps: TrapRegion<ArmCpuApi>[] = [];
    if (gic && gic.gicdSize > 0) traps.push({ start: gic.gicdBase, size: gic.gicdSize, handler: this.distributor() });
    if (gic && gic.giccSize > 0) traps.push({ start: gic.giccBase, size: gic.giccSize, handler: this.cpuInterface() });
    this.traps = traps;
    // hvisor's primary_init_late sets GICD_CTLR.En before any zone (gicd.rs:112-117); guests' writes are ignored.
    const ctlr = this.gic.readDistributor(0, GicV2DistOffset.ctlr, 4);
    if ((ctlr & 1) === 0) this.gic.writeDistributor(0, GicV2DistOffset.ctlr, 4, ctlr | 1);
  }

  override reset(): void {
    this.env.log(
      `${this.zone}: hvisor panics when a zone shuts down on a GICv2 board (arch_irqchip_reset is todo!(), gicv2/mod.rs:120-124); ` +
        "the workbench disables and deactivates the zone's SPIs instead",
    );
    super.reset();
  }

  protected setSpiPending(irq: number): void {
    this.physical.setPending(irq);
  }

  protected disableSpis(word: number, mask: number): void {
    if (32 * word >= this.gic.state.lines) return;
    const cpu = this.env.cpus[0] ?? 0;
    this.gic.writeDistributor(cpu, GicV2DistOffset.icenabler + 4 * word, 4, mask);
    this.gic.writeDistributor(cpu, GicV2DistOffset.icactiver + 4 * word, 4, mask);
  }

  protected physicalState() {
    return this.gic.inspect();
  }

  protected registerName(code: number): string {
    return distributorRegisterName(code);
  }

  /**
   * restrict_bitmask_access as the GICv2 code has it: widened to the aligned word, masked with the owned
   * fields of the bytes the access touches.
   */
  private restricted(cpu: number, offset: number, size: Size, write: boolean, value: number, index: number, bitsPerIrq: number, poke: boolean): bigint {
    const shift = (offset & 3) * 8;
    let bytes = 0;
    for (let i = 0; i < size && i < 4; i++) bytes |= 0xff << (((offset + i) & 3) * 8);
    const mask = (this.filter.accessMask(index, bitsPerIrq) & bytes) >>> 0;
    const aligned = offset & ~3;
    if (!write) return BigInt(((this.gic.readDistributor(cpu, aligned, 4) & mask) >>> shift) >>> 0);
    const v = (value << shift) >>> 0;
    if (poke) {
      this.filter.refuseFields((v & ~mask & bytes) >>> 0, index, bitsPerIrq, offset);
      this.gic.writeDistributor(cpu, aligned, 4, (v & mask) >>> 0);
    } else {
      const current = this.gic.readDistributor(cpu, aligned, 4);
      this.filter.refuseFields(((v ^ current) & ~mask & bytes) >>> 0, index, bitsPerIrq, offset);
      this.gic.writeDistributor(cpu, aligned, 4, ((current & ~mask) | (v & mask)) >>> 0);
    }
    return 0n;
  }

  private dist(who: ArmCpuApi, offset: number, size: Size, write: boolean, value: bigint): bigint {
    const cpu = who.cpuId;
    const o = GicV2DistOffset;
    const v = Number(value & 0xffff_ffffn);
    if (offset === o.sgir) {
      if (write) this.gic.writeDistributor(cpu, offset, 4, v);
      return 0n;
    }
    if (offset >= o.itargetsr && offset < o.itargetsr + 0x400) return this.restricted(cpu, offset, size, write, v, (offset & 0x3ff) >>> 2, 8, false);
    if (offset >= o.isenabler && offset < o.icactiver + 0x80) return this.restricted(cpu, offset, size, write, v, (offset & 0x7f) >>> 2, 1, true);
    if (offset >= o.igroupr && offset < o.igroupr + 0x80) return this.restricted(cpu, offset, size, write, v, (offset & 0x7f) >>> 2, 1, false);
    if (offset >= o.icfgr && offset < o.icfgr + 0x100) return this.restricted(cpu, offset, size, write, v, (offset & 0xff) >>> 2, 2, false);
    if (offset >= o.ipriorityr && offset < o.ipriorityr + 0x400) return this.restricted(cpu, offset, size, write, v, (offset & 0x3ff) >>> 2, 8, false);
    const misc = offset === o.ctlr || offset === o.typer || offset === o.iidr || (offset >= IDENTIFICATION.start && offset < IDENTIFICATION.end);
    if (misc) return write ? 0n : BigInt(this.gic.readDistributor(cpu, offset, size === 8 ? 4 : size) >>> 0);
    this.panic(cpu, `GICD offset 0x${offset.toString(16)} (${write ? 'write' : 'read'}) is not emulated by hvisor's vGICv2: hvisor panics here (todo!() in vgicv2_dist_misc_access, gicv2/vgic.rs:253)`);
    return 0n;
  }

  private distributor(): TrapHandler<ArmCpuApi> {
    return {
      read: (cpu, offset, size) => this.dist(cpu, offset, size, false, 0n),
      write: (cpu, offset, size, value) => void this.dist(cpu, offset, size, true, value),
    };
  }

  /** The accessing CPU's own CPU interface (hvisor: that CPU's GICV frame). */
  private cpuInterface(): TrapHandler<ArmCpuApi> {
    return {
      // The GICV window repeats its pages as the board's GICC does (ZynqMP: 64 KiB frames), so the same decoding applies.
      read: (cpu, offset, size) => BigInt(this.gic.readCpuInterface(cpu.cpuId, this.gic.cpuInterfaceRegister(offset), size === 8 ? 4 : size) >>> 0),
      write: (cpu, offset, size, value) => this.gic.writeCpuInterface(cpu.cpuId, this.gic.cpuInterfaceRegister(offset), size === 8 ? 4 : size, Number(value & 0xffff_ffffn)),
    };
  }
}
