/**
 * aarch64's row of the irqchip registry (core/hypervisor/irqchips.ts), as hvisor picks its GIC code with
 * cfg(feature = "gicv3"): the board's GICv3 as the physical controller (gicv3-physical.ts) and hvisor's
 * vGICv3 per zone (vgic-v3.ts). A GICv2 board has neither yet: its zones' distributor and CPU-interface
 * windows are forwarded to the physical GIC unchanged (arch/aarch64/vcpu.ts).
 */
import { boardOf } from '../../../../shared/model/board';
import { numericProp } from '../../../devices/device-model';
import type { IrqChipArch } from '../../irqchip';
import { Gicv3Physical } from './gicv3-physical';
import { Vgicv3, vgicv3StateBytes } from './vgic-v3';

export const aarch64IrqChips: IrqChipArch = {
  physicalOf: (devices) => (devices.gicv3 ? new Gicv3Physical(devices.gicv3) : undefined),
  virtualStateBytes: (board) => (board.devices.some((d) => d.kind === 'arm-gicv3') ? vgicv3StateBytes(boardOf(board, 'aarch64').mpidrs.length) : 0),
  createVirtual: (env) => {
    if (!(env.physical instanceof Gicv3Physical)) return undefined;
    const board = boardOf(env.board, 'aarch64');
    const spec = board.devices.find((d) => d.kind === 'arm-gicv3');
    if (!spec) return undefined;
    return new Vgicv3({ ...env, gic: env.physical, gicrBase: numericProp(spec, 'redistributorBase'), mpidrs: board.mpidrs });
  },
};
