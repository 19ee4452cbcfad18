/**
 * hvisor's virtual GICv3 for one zone (src/device/irqchip/gicv3/vgic.rs and mod.rs at 6a3fb78): the
 * zone's distributor window and every CPU's redistributor frames trapped and filtered by the zone's
 * interrupts (its irq_bitmap, from the zone config's `interrupts`), register by register as hvisor does,
 * over the physical GICv3 (gicv3-physical.ts). The guest keeps the CPU interface (hvisor leaves the
 * ICC/ICV registers to it and injects every physical interrupt that reaches a CPU into the zone running
 * there, so here the physical CPU interface answers the guest directly).
 *
 * Distributor (vgicv3_dist_handler, vgic.rs:301-341), in hvisor's order:
 * - IROUTER (0x6000 + 8n) and ITARGETSR (0x800 + n): passed through for an SPI the zone owns, else
 *   reads 0 and writes are dropped (vgicv3_handle_irq_ops, :263-278). The route is not checked: an owned
 *   SPI can be sent to any CPU, as in hvisor.
 * - I/C ENABLER, PENDR, ACTIVER: reads masked to the owned interrupts' bits, writes masked ("poke").
 *   IGROUPR, ICFGR (2 bits per interrupt), IPRIORITYR (8 bits): reads masked, writes read-modify-write
 *   keeping the other interrupts' fields (restrict_bitmask_access, :110-167). Like hvisor, the mask is
 *   computed for the 32-bit register whatever the access size: a byte access to IPRIORITYR + 1 is
 *   masked with the field of the register's first interrupt.
 * - IGRPMODR: ignored (hvisor warns). CTLR, TYPER, IIDR, TYPER2 and the ID registers: read through,
 *   writes ignored. Anything else is hvisor's todo!() (:295): hvisor panics; here the zone stops with a
 *   report naming the offset (the machine, with `strict`).
 *
 * Redistributors (vgicv3_redist_handler, :169-260): hvisor traps every CPU's frames at the host's GICR
 * addresses for every zone. CTLR: read through, written only for a CPU of this zone. TYPER: read
 * through, with Last on the board's highest MPIDR. IIDR, the ID registers, PENDBASER, SETLPIR, CLRLPIR,
 * INVALLR: through. PROPBASER: a per-zone value (hvisor keeps one table for all). SYNCR reads 0.
 * INVLPIR: hvisor enables that LPI in its own property table (vits.ts). STATUSR, WAKER and the SGI
 * frame's enables, pendings, actives, priorities and configuration: through for a CPU of this zone
 * (ICENABLER0 never clears SGI 7 or PPI 25, hvisor's own), ignored for another zone's CPU, and for a CPU
 * no zone runs on hvisor's unwrap() panics (the zone stops here). Anything else: ignored.
 *
 * The inspector shows the zone's view (its SPIs, its CPUs' SGIs and PPIs) and what the filter refused:
 * per INTID the writes that tried to change an interrupt the zone does not own (and the last register),
 * per CPU the writes to another zone's redistributor; hvisor drops them without a word (debug!/trace!).
 *
 * inject (hvisor's inject_irq for virtio and IRQ_WAKEUP_VIRTIO_DEVICE, gicv3/mod.rs:280-330): hvisor
 * writes a list register of the zone's first CPU; this model has no list registers and sets the SPI
 * pending in the physical distributor instead, which reaches the guest the same way (IAR1, EOIR1) as
 * long as the guest enabled and routed the interrupt to one of its CPUs, as Linux does when it requests
 * it. reset is arch_irqchip_reset (mod.rs:479-491): the zone's SPIs disabled and deactivated.
 */
import { GICD_REGISTERS, GicdOffset } from '../../../devices/intc/arm-gicv3/distributor';
import { GICR_FRAME_BYTES, GICR_REGISTERS, GICR_SGI_BASE, GicrOffset } from '../../../devices/intc/arm-gicv3/redistributor';
import type { ArmCpuApi } from '../../../isa/aarch64/platform';
import type { TrapHandler, TrapRegion } from '../../stage2-map';
import type { VirtualIrqChipEnv } from '../../irqchip';
import type { Gicv3Physical } from './gicv3-physical';
import { FRAME_REGISTER, HvisorVgic, distributorRegisterName } from './vgic-filter';
import { HvisorVits } from './vits';

type Size = 1 | 2 | 4 | 8;

/** hvisor's SGI_IPI_ID (hypercall/mod.rs:48) and the maintenance PPI (gicv3/mod.rs). */
const SGI_IPI = 7;
const MAINTENANCE_PPI = 25;
const GICR_TYPER_LAST = 1n << 4n;

/** What the vGIC needs beyond the common environment. */
export interface Vgicv3Env extends VirtualIrqChipEnv {
  readonly gic: Gicv3Physical;
  /** Where the board's redistributor frames start (host GICR base: hvisor traps them there). */
  readonly gicrBase: number;
  /** MPIDR affinity of each CPU (BOARD_MPIDR_MAPPINGS). */
  readonly mpidrs: readonly number[];
}

export class Vgicv3 extends HvisorVgic {
  readonly kind = 'vgicv3';
  readonly name = 'vGICv3';
  readonly traps: readonly TrapRegion<ArmCpuApi>[];
  protected readonly registerMap = [...GICD_REGISTERS, ...GICR_REGISTERS];
  private readonly gic: Gicv3Physical;
  /** The CPU with the board's highest MPIDR: its GICR_TYPER says Last (hvisor's BOARD_MPIDR_MAPPINGS max). */
  private readonly lastFrame: number;
  /** hvisor's vITS for this zone (vits.ts), when its config has a gits window and the board an ITS. */
  private readonly vits: HvisorVits | undefined;

  /** The filter's own words 0-1 hold GICR_PROPBASER as this zone wrote it (hvisor's baser_list[zone_id]). */
  constructor(protected override readonly env: Vgicv3Env) {
    super(env, env.mpidrs.length, false);
    this.gic = env.gic;
    this.lastFrame = env.mpidrs.indexOf(Math.max(...env.mpidrs));
    const gic = env.config.archConfig.arch === 'aarch64' ? env.config.archConfig.gic : undefined;
    const traps: TrapRegion<ArmCpuApi>[] = [];
    if (gic && gic.gicdSize > 0) traps.push({ start: gic.gicdBase, size: gic.gicdSize, handler: this.distributor() });
    for (let cpu = 0; cpu < env.mpidrs.length; cpu++) {
      traps.push({ start: env.gicrBase + cpu * GICR_FRAME_BYTES, size: GICR_FRAME_BYTES, handler: this.redistributor(cpu) });
    }
    // vgicv3_mmio_init registers vgicv3_its_handler at gits_base for every zone (vgic.rs:57-62).
    const its = env.gic.gic.its;
    const memory = env.gic.gic.memory;
    let vits: HvisorVits | undefined;
    if (gic && gic.version === 'v3' && gic.gitsSize > 0 && its && memory) {
      try {
        vits = new HvisorVits({
          gic: env.gic, its, memory, config: env.config, cpus: env.cpus, frames: env.board.hypervisorReserved,
          own: (i) => this.filter.own(i), setOwn: (i, v) => this.filter.setOwn(i, v), log: env.log,
          panic: (cpu, message) => this.panic(cpu, message),
        });
        traps.push({ start: gic.gitsBase, size: gic.gitsSize, handler: vits.handler() });
      } catch (e) {
        // A board whose hypervisor memory cannot hold hvisor's frames: no vITS, said once per zone.
        env.log(`${env.config.name}: no vITS: ${(e as Error).message}`);
        vits = undefined;
      }
    }
    this.vits = vits;
    this.traps = traps;
    // hvisor's primary_init_late enables the distributor before any zone; the guest cannot (CTLR writes are ignored).
    env.gic.enableGroup1();
    // gic init (mod.rs:459-462): init_lpi_prop, then gits_init when the board has an ITS.
    this.vits?.initOnce();
  }

  /** arch_irqchip_reset, and the zone's vITS registers cleared (a workbench deviation, vits.ts forgetZone). */
  override reset(): void {
    super.reset();
    this.vits?.forgetZone();
  }

  protected setSpiPending(irq: number): void {
    this.gic.setPending(irq);
  }

  protected disableSpis(word: number, mask: number): void {
    this.gic.gicd(GicdOffset.icenabler + 4 * word, 4, true, BigInt(mask));
    this.gic.gicd(GicdOffset.icactiver + 4 * word, 4, true, BigInt(mask));
  }

  protected physicalState() {
    return this.gic.gic.inspect();
  }

  /** A refused access's register by name: GICD_ISENABLER1, GICD_IROUTER48, GICR_ISENABLER0... */
  protected registerName(code: number): string {
    if ((code & FRAME_REGISTER) === 0) return distributorRegisterName(code);
    const offset = code & 0x3_ffff;
    const named = Object.entries(GicrOffset).find(([, o]) => o === offset);
    return named ? `GICR_${named[0].toUpperCase()}` : `GICR + 0x${offset.toString(16)}`;
  }

  /**
   * restrict_bitmask_access (vgic.rs:110-167): the mask is computed for the 32-bit register whatever the
   * access's size and address (hvisor's GICv2 copy corrects that; its GICv3 one does not).
   */
  private restricted(offset: number, size: Size, write: boolean, value: bigint, index: number, bitsPerIrq: number, poke: boolean): bigint {
    const mask = BigInt(this.filter.accessMask(index, bitsPerIrq));
    if (!write) return this.gic.gicd(offset, size, false) & mask;
    let refused: bigint;
    if (poke) {
      refused = value & ~mask;
      this.gic.gicd(offset, size, true, value & mask);
    } else {
      const current = this.gic.gicd(offset, size, false);
      refused = (value ^ current) & ~mask;
      this.gic.gicd(offset, size, true, (current & ~mask) | (value & mask));
    }
    this.filter.refuseFields(Number(refused & 0xffff_ffffn), index, bitsPerIrq, offset);
    return 0n;
  }

  private dist(cpu: ArmCpuApi, offset: number, size: Size, write: boolean, value: bigint): bigint {
    const gic = this.gic;
    const o = GicdOffset;
    if (offset >= o.irouter && offset < o.irouter + 8 * 1024) return this.spiOp(offset, size, write, value, (offset - o.irouter) >>> 3);
    if (offset >= o.itargetsr && offset < o.itargetsr + 1024) return this.spiOp(offset, size, write, value, offset - o.itargetsr);
    if (offset >= o.isenabler && offset < o.icactiver + 128) return this.restricted(offset, size, write, value, (offset & 0x7f) >>> 2, 1, true);
    if (offset >= o.igroupr && offset < o.igroupr + 128) return this.restricted(offset, size, write, value, (offset & 0x7f) >>> 2, 1, false);
    if (offset >= o.icfgr && offset < o.icfgr + 256) return this.restricted(offset, size, write, value, (offset & 0xff) >>> 2, 2, false);
    if (offset >= o.ipriorityr && offset < o.ipriorityr + 4 * 255) return this.restricted(offset, size, write, value, (offset & 0x3ff) >>> 2, 8, false);
    if (offset >= o.igrpmodr && offset < o.igrpmodr + 128) {
      this.env.log(`${this.zone}: GICD_IGRPMODR (0x${offset.toString(16)}) is not supported by hvisor, ignored`);
      return 0n;
    }
    const misc = offset === o.ctlr || offset === o.typer || offset === o.iidr || offset === o.typer2
      || (offset >= 0xffd0 && offset < 0x10000);
    if (misc) return write ? 0n : gic.gicd(offset, size, false);
    this.panic(cpu.cpuId, `GICD offset 0x${offset.toString(16)} (${write ? 'write' : 'read'}) is not emulated by hvisor's vGICv3: hvisor panics here (todo!() in vgicv3_dist_misc_access, gicv3/vgic.rs:295)`);
    return 0n;
  }

  /** vgicv3_handle_irq_ops: only an SPI the zone owns reaches the distributor. */
  private spiOp(offset: number, size: Size, write: boolean, value: bigint, irq: number): bigint {
    if (irq < 32 || irq > 1019 || !this.owns(irq)) {
      if (write) this.filter.refuse(irq, offset);
      return 0n;
    }
    return this.gic.gicd(offset, size, write, value);
  }

  private redist(cpu: ArmCpuApi, frame: number, offset: number, size: Size, write: boolean, value: bigint): bigint {
    const gic = this.gic;
    const r = GicrOffset;
    // hvisor compares the frame's CPU's zone now (get_cpu_data(cpu).zone) with the calling zone.
    const owner = this.env.zoneOfCpu ? this.env.zoneOfCpu(frame) : this.env.cpus.includes(frame) ? this.env.config.zoneId : undefined;
    const mine = owner === this.env.config.zoneId;
    switch (offset) {
      case r.ctlr:
        if (!write) return gic.gicr(frame, offset, size, false);
        if (mine) gic.gicr(frame, offset, size, true, value);
        else this.filter.refuseFrame(frame, offset);
        return 0n;
      case r.typer: case r.typer + 4: {
        const v = gic.gicr(frame, offset, size, write, value);
        return !write && offset === r.typer && frame === this.lastFrame ? v | GICR_TYPER_LAST : v;
      }
      case r.iidr: case r.pendbaser: case 0x40: case 0x48: case 0xb0: // ... GICR_SETLPIR, CLRLPIR, INVALLR
        return gic.gicr(frame, offset, size, write, value);
      case r.propbaser:
        if (!write) return (BigInt(this.filter.own(1)) << 32n) | BigInt(this.filter.own(0));
        this.filter.setOwn(0, Number(value & 0xffff_ffffn));
        if (size === 8) this.filter.setOwn(1, Number((value >> 32n) & 0xffff_ffffn));
        return 0n;
      case 0xc0: // GICR_SYNCR
        return 0n;
      case 0xa0: // GICR_INVLPIR: hvisor "presumes that this write is to enable an LPI" (vgic.rs:229-233)
        if (write) this.vits?.enableOneLpi(Number(value & 0xffff_ffffn));
        return 0n;
    }
    if (offset >= 0xffd0 && offset <= 0xfffc) return gic.gicr(frame, offset, size, write, value);
    const guarded = offset === r.statusr || offset === r.waker
      || offset === r.isenabler0 || offset === r.icenabler0 || offset === r.ispendr0 || offset === r.icpendr0
      || offset === r.isactiver0 || offset === r.icactiver0
      || (offset >= GICR_SGI_BASE + GicdOffset.ipriorityr && offset < GICR_SGI_BASE + GicdOffset.ipriorityr + 32)
      || (offset >= GICR_SGI_BASE + GicdOffset.icfgr && offset < GICR_SGI_BASE + GicdOffset.icfgr + 8);
    if (!guarded) return 0n;
    if (owner === undefined) {
      this.panic(cpu.cpuId, `redistributor of cpu ${frame} (offset 0x${offset.toString(16)}) while no zone runs on that cpu: hvisor panics here (unwrap() in vgicv3_redist_handler, gicv3/vgic.rs:244)`);
      return 0n;
    }
    if (!mine) {
      if (write) this.filter.refuseFrame(frame, offset);
      return 0n;
    }
    if (write && offset === r.icenabler0) value &= ~BigInt((1 << MAINTENANCE_PPI) | (1 << SGI_IPI));
    return gic.gicr(frame, offset, size, write, value);
  }

  private distributor(): TrapHandler<ArmCpuApi> {
    return {
      read: (cpu, offset, size) => this.dist(cpu, offset, size, false, 0n),
      write: (cpu, offset, size, value) => void this.dist(cpu, offset, size, true, value),
    };
  }

  private redistributor(frame: number): TrapHandler<ArmCpuApi> {
    return {
      read: (cpu, offset, size) => this.redist(cpu, frame, offset, size, false, 0n),
      write: (cpu, offset, size, value) => void this.redist(cpu, frame, offset, size, true, value),
    };
  }
}
