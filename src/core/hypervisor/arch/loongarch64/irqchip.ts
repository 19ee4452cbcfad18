/**
 * loongarch64's row of the irqchip registry (core/hypervisor/irqchips.ts), as hvisor's loongarch64 code
 * has it: the EIOINTC as the physical controller, which hvisor never claims from (every HWI passes through
 * to the guest: eiointc-physical.ts), and per zone LVZ's GINTC injection (vgintc.ts: hvisor's inject_irq,
 * what virtio's interrupts use). IVC: hvisor has none on loongarch64 (hypercall.rs hv_ivc_info only warns).
 */
import { LoongsonEiointc } from '../../../devices/intc/loongson-eiointc';
import type { IrqChipArch } from '../../irqchip';
import { EiointcPhysical } from './eiointc-physical';
import { LoongarchVirtualGintc } from './vgintc';

export const loongarch64IrqChips: IrqChipArch = {
  hypervisorClaims: false,
  privateIrqs: 0,
  ivc: {
    byHvisor: false,
    ring: () => 'IVC doorbells are not implemented on loongarch64 (hvisor has no IVC there)',
  },
  physicalOf: (devices) => {
    const eiointc = [...(devices.cascadedIrqChips?.values() ?? [])].find((c): c is LoongsonEiointc => c instanceof LoongsonEiointc);
    return eiointc ? new EiointcPhysical(eiointc) : undefined;
  },
  virtualStateBytes: (board) => LoongarchVirtualGintc.stateBytes(board.harts),
  createVirtual: (env) => new LoongarchVirtualGintc(env),
};
