/**
 * loongarch64's row of the irqchip registry (core/hypervisor/irqchips.ts). This first step has no
 * hypervisor-side interrupt controller yet: the ls3a5000 board runs bare ('machine' mode) and its LIOINTC
 * drives the CPUs' HWI lines directly. hvisor's 7A2000 handling (EIOINTC, PCH-PIC, the zones' injected
 * interrupts) and IVC come with the zones (issue 14 item 3); until then no zone slot keeps virtual state.
 */
import type { IrqChipArch } from '../../irqchip';

export const loongarch64IrqChips: IrqChipArch = {
  hypervisorClaims: false,
  privateIrqs: 0,
  ivc: {
    byHvisor: false,
    ring: () => 'IVC doorbells are not implemented on loongarch64 yet',
  },
  physicalOf: () => undefined,
  virtualStateBytes: () => 0,
  createVirtual: () => undefined,
};
