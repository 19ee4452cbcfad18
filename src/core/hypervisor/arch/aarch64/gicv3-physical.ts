/**
 * The board's GICv3 as the hypervisor drives it (irqchip.ts PhysicalIrqChip), and the register-level
 * access hvisor's vGIC makes to it (mmio_perform_access on host_gicd_base() / host_gicr_base(cpu),
 * src/device/irqchip/gicv3/vgic.rs at 6a3fb78). A target is a CPU interface: output `cpu` drives that
 * CPU's IRQ input (the board's wiring does the rest). claim/complete are IAR1/EOIR1 (+ DIR with EOImode)
 * on that CPU's interface, enables and priorities the distributor's (SPIs) or the CPU's redistributor's
 * (SGIs, PPIs) registers, the threshold the CPU interface's priority mask.
 *
 * Left out: LPIs and the ITS (the GIC model has none).
 */
import type { ControllerInspectData } from '../../../../shared/protocol/inspect';
import type { ControllerInspectContext } from '../../../devices/intc/inspect-table';
import type { ArmGicv3 } from '../../../devices/intc/arm-gicv3/gicv3';
import { GicdCtlr, GicdOffset } from '../../../devices/intc/arm-gicv3/distributor';
import { Icc } from '../../../devices/intc/arm-gicv3/cpu-interface';
import { GICR_FRAME_BYTES, GICR_SGI_BASE as SGI_FRAME } from '../../../devices/intc/arm-gicv3/redistributor';
import type { PhysicalIrqChip } from '../../irqchip';


export class Gicv3Physical implements PhysicalIrqChip {
  readonly kind = 'arm-gicv3';
  readonly name = 'GICv3';

  constructor(readonly gic: ArmGicv3) {}

  /** A distributor register access as the guest made it (8-byte accesses as two words, low first). */
  gicd(offset: number, size: 1 | 2 | 4 | 8, write: boolean, value = 0n): bigint {
    return access(this.gic.distributor, offset, size, write, value);
  }

  /** A register of CPU `cpu`'s redistributor frames (offset within its 128 KiB). */
  gicr(cpu: number, offset: number, size: 1 | 2 | 4 | 8, write: boolean, value = 0n): bigint {
    return access(this.gic.redistributors, cpu * GICR_FRAME_BYTES + offset, size, write, value);
  }

  /**
   * Before any zone runs: hvisor's enable_gic_are_ns (gicd.rs:55-60), affinity routing and Group 1 on; and
   * every interrupt in Group 1. hvisor hands each physical interrupt to the guest through a list register
   * with the Group 1 bit set (gicv3/mod.rs:318), so a guest sees all of them as Group 1 (IRQs) whatever
   * the physical group, and its writes to GICR_IGROUPR0 are ignored (vgic.rs:257). The guest uses the
   * physical CPU interface here, so the physical groups must say the same.
   */
  enableGroup1(): void {
    const ctlr = Number(this.gicd(GicdOffset.ctlr, 4, false));
    if ((ctlr & GicdCtlr.enableGrp1) !== 0) return;
    this.gicd(GicdOffset.ctlr, 4, true, BigInt(ctlr | GicdCtlr.are | GicdCtlr.enableGrp1));
    for (let cpu = 0; cpu < this.gic.state.cpus; cpu++) this.gicr(cpu, SGI_FRAME + GicdOffset.igroupr, 4, true, 0xffff_ffffn);
    for (let word = 1; word < this.gic.state.lines / 32; word++) this.gicd(GicdOffset.igroupr + 4 * word, 4, true, 0xffff_ffffn);
  }

  targetOf(cpu: number, input: string): number | undefined {
    return input === 'IRQ' && cpu >= 0 && cpu < this.gic.state.cpus ? cpu : undefined;
  }

  claim(target: number): number {
    const intid = Number(this.gic.cpuInterface(target).read(Icc.IAR1) ?? 1023n);
    return intid >= 1020 ? 0 : intid;
  }

  complete(target: number, irq: number): void {
    const cpuIf = this.gic.cpuInterface(target);
    cpuIf.write(Icc.EOIR1, BigInt(irq));
    // hvisor runs with EOImode = 1 (gicc_init): EOIR drops the priority, DIR deactivates.
    if ((Number(cpuIf.read(Icc.CTLR) ?? 0n) & 2) !== 0) cpuIf.write(Icc.DIR, BigInt(irq));
  }

  setEnabled(target: number, irq: number, enabled: boolean): void {
    const offset = (enabled ? GicdOffset.isenabler : GicdOffset.icenabler) + 4 * (irq >>> 5);
    const bit = BigInt(1 << (irq & 31)) & 0xffff_ffffn;
    if (irq < 32) this.gicr(target, SGI_FRAME + offset, 4, true, bit);
    else this.gicd(offset, 4, true, bit);
  }

  isEnabled(target: number, irq: number): boolean {
    const offset = GicdOffset.isenabler + 4 * (irq >>> 5);
    const word = irq < 32 ? this.gicr(target, SGI_FRAME + offset, 4, false) : this.gicd(offset, 4, false);
    return ((Number(word) >>> (irq & 31)) & 1) === 1;
  }

  setPriority(irq: number, priority: number): void {
    if (irq >= 32) this.gicd(GicdOffset.ipriorityr + irq, 1, true, BigInt(priority & 0xff));
  }

  /** set_ispender (gicd.rs:62-69): GICD_ISPENDR of an SPI. */
  setPending(irq: number): void {
    if (irq >= 32 && irq < this.gic.state.lines) this.gicd(GicdOffset.ispendr + 4 * (irq >>> 5), 4, true, BigInt((1 << (irq & 31)) >>> 0));
  }

  setThreshold(target: number, threshold: number): void {
    this.gic.cpuInterface(target).write(Icc.PMR, BigInt(threshold & 0xff));
  }

  reset(): void {
    this.gic.reset();
  }

  inspectState(context?: ControllerInspectContext): ControllerInspectData {
    return this.gic.inspectState(context);
  }
}

interface Registers {
  read(offset: number, size: 1 | 2 | 4): number;
  write(offset: number, size: 1 | 2 | 4, value: number): void;
}

function access(device: Registers, offset: number, size: 1 | 2 | 4 | 8, write: boolean, value: bigint): bigint {
  if (size === 8) {
    if (write) {
      device.write(offset, 4, Number(value & 0xffff_ffffn));
      device.write(offset + 4, 4, Number((value >> 32n) & 0xffff_ffffn));
      return 0n;
    }
    return (BigInt(device.read(offset + 4, 4) >>> 0) << 32n) | BigInt(device.read(offset, 4) >>> 0);
  }
  if (write) {
    device.write(offset, size, Number(value & 0xffff_ffffn));
    return 0n;
  }
  return BigInt(device.read(offset, size) >>> 0);
}
