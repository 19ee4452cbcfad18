/**
 * How an Arm GIC (v2 or v3) describes the interrupts wired to it, from the bindings
 * interrupt-controller/arm,gic.yaml and arm,gic-v3.yaml: three cells <type number flags>, type 0 for an
 * SPI (number = INTID - 32), 1 for a PPI (number = INTID - 16); flags bits [3:0] the trigger (1 edge
 * rising, 4 level high). On a GICv2, a PPI's flags bits [15:8] name the CPU interfaces it reaches
 * (here the tree's CPUs, CPU n on interface n as on QEMU); GICv3 has no such mask. SGIs (INTID 0..15)
 * and LPIs are not wired to devices and cannot be described.
 */
import type { BoardDevice } from '../../../shared/model/board';
import type { FdtCell } from '../fdt-writer';
import { numberProp, type InterruptControllerKind, type IrqRequest, type IrqTrigger, type TreeContext } from '../tree-context';

const SPI = 0;
const PPI = 1;
const FIRST_PPI = 16;
const FIRST_SPI = 32;
/** The GIC architecture's maximum SPI INTID + 1 (1020..1023 are special). */
const MAX_LINES = 1020;
const TRIGGER_FLAGS: Record<IrqTrigger, number> = { 'edge-rising': 1, 'level-high': 4 };
/** A GICv2 has at most 8 CPU interfaces. */
const GICV2_CPU_INTERFACES = 8;

/** INTIDs the distributor implements (GICD_TYPER.ITLinesNumber), from the board's `lines`. */
export function gicLines(gic: BoardDevice): number {
  return Math.min(numberProp(gic, 'lines', MAX_LINES), MAX_LINES);
}

function gicInterrupts(title: string, label: string, version: 2 | 3): InterruptControllerKind {
  return {
    title,
    label,
    specifier(ctx: TreeContext, gic: BoardDevice, request: IrqRequest, owner: string): FdtCell[] {
      const { irq } = request;
      const where = `${title} '${gic.name}'`;
      const flags = TRIGGER_FLAGS[request.trigger];
      if (Number.isInteger(irq) && irq >= FIRST_PPI && irq < FIRST_SPI) {
        if (version === 3) return [PPI, irq - FIRST_PPI, flags];
        const far = ctx.harts.find((hart) => hart >= GICV2_CPU_INTERFACES);
        if (far !== undefined) throw new Error(`${owner}: PPI ${irq} of ${where} cannot name CPU ${far}: a GICv2 has ${GICV2_CPU_INTERFACES} CPU interfaces`);
        const mask = ctx.harts.reduce((bits, hart) => bits | (1 << hart), 0);
        return [PPI, irq - FIRST_PPI, (mask << 8) | flags];
      }
      if (request.perCpu) throw new Error(`${owner}: interrupt ${irq} is not a PPI of ${where} (per-CPU interrupts are INTIDs 16..31)`);
      const lines = gicLines(gic);
      if (!Number.isInteger(irq) || irq < FIRST_SPI || irq >= lines) {
        throw new Error(`${owner}: interrupt ${irq} is not an INTID ${where} can deliver to a device (PPIs 16..31, SPIs 32..${lines - 1})`);
      }
      return [SPI, irq - FIRST_SPI, flags];
    },
  };
}

export const gicv3Interrupts = gicInterrupts('GICv3', 'gic', 3);
export const gicv2Interrupts = gicInterrupts('GICv2', 'gic', 2);

/**
 * The virtual interface's maintenance interrupt, as a GIC node gives it to a hypervisor: the board's
 * `maintenanceIrq`, else INTID 25, what QEMU's virt machine wires and the Arm BSA recommends.
 */
export function maintenanceIrq(gic: BoardDevice): IrqRequest {
  return { irq: numberProp(gic, 'maintenanceIrq', 25), trigger: 'level-high', perCpu: true };
}
