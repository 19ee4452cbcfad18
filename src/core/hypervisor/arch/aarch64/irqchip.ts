/**
 * aarch64's row of the irqchip registry (core/hypervisor/irqchips.ts), empty for now: the vCPU forwards a
 * zone's GIC windows to the physical GIC (arch/aarch64/vcpu.ts), so there is no virtual controller to
 * build, reset or inspect. The virtual GIC (issue 10) fills it in: physicalOf gives the GICv2/GICv3 as a
 * PhysicalIrqChip (targets: the CPU interfaces' IRQ lines from the board's wiring), createVirtual a vGIC
 * over the zone slot (trapped GICD and GICR/GICC windows with hvisor's ownership filter, vgic.rs; inject
 * through the list registers, gicv3/mod.rs:280; reset as arch_irqchip_reset, gicv3/mod.rs:480-491).
 */
import type { IrqChipArch } from '../../irqchip';

export const aarch64IrqChips: IrqChipArch = {
  physicalOf: () => undefined,
  virtualStateBytes: () => 0,
  createVirtual: () => undefined,
};
