/**
 * The board's GICv2 as the hypervisor drives it (irqchip.ts PhysicalIrqChip), as hvisor's gicv2 code
 * does: a target is a CPU interface (output `cpu` drives that CPU's IRQ input); claim/complete are that
 * CPU's GICC_IAR/GICC_EOIR (+ GICC_DIR with EOImode, gicc.rs), enables and priorities the distributor's
 * registers as that CPU sees them (SGIs and PPIs are banked), the threshold its priority mask.
 */
import type { ControllerInspectData } from '../../../../shared/protocol/inspect';
import type { ArmGicv2 } from '../../../devices/intc/arm-gicv2';
import { GiccCtlr, GiccOffset, GicV2DistOffset } from '../../../devices/intc/arm-gicv2';
import type { ControllerInspectContext } from '../../../devices/intc/inspect-table';
import type { PhysicalIrqChip } from '../../irqchip';

export class Gicv2Physical implements PhysicalIrqChip {
  readonly kind = 'arm-gicv2';
  readonly name = 'GICv2';

  constructor(readonly gic: ArmGicv2) {}

  targetOf(cpu: number, input: string): number | undefined {
    return input === 'IRQ' && cpu >= 0 && cpu < this.gic.state.cpus ? cpu : undefined;
  }

  claim(target: number): number {
    const intid = this.gic.readCpuInterface(target, GiccOffset.iar, 4) & 0x3ff;
    return intid >= 1020 ? 0 : intid;
  }

  complete(target: number, irq: number): void {
    this.gic.writeCpuInterface(target, GiccOffset.eoir, 4, irq);
    if ((this.gic.readCpuInterface(target, GiccOffset.ctlr, 4) & GiccCtlr.eoiMode) !== 0) this.gic.writeCpuInterface(target, GiccOffset.dir, 4, irq);
  }

  setEnabled(target: number, irq: number, enabled: boolean): void {
    const offset = (enabled ? GicV2DistOffset.isenabler : GicV2DistOffset.icenabler) + 4 * (irq >>> 5);
    this.gic.writeDistributor(target, offset, 4, (1 << (irq & 31)) >>> 0);
  }

  isEnabled(target: number, irq: number): boolean {
    return ((this.gic.readDistributor(target, GicV2DistOffset.isenabler + 4 * (irq >>> 5), 4) >>> (irq & 31)) & 1) === 1;
  }

  setPriority(irq: number, priority: number): void {
    if (irq >= 32) this.gic.writeDistributor(0, GicV2DistOffset.ipriorityr + irq, 1, priority & 0xff);
  }

  /** set_ispender (gicv2/gicd.rs:207-209): GICD_ISPENDR of an SPI. */
  setPending(irq: number): void {
    if (irq >= 32 && irq < this.gic.state.lines) this.gic.writeDistributor(0, GicV2DistOffset.ispendr + 4 * (irq >>> 5), 4, (1 << (irq & 31)) >>> 0);
  }

  setThreshold(target: number, threshold: number): void {
    this.gic.writeCpuInterface(target, GiccOffset.pmr, 4, threshold & 0xff);
  }

  reset(): void {
    this.gic.reset();
  }

  inspectState(context?: ControllerInspectContext): ControllerInspectData {
    return this.gic.inspectState(context);
  }
}
