/**
 * aarch64's row of the irqchip registry (core/hypervisor/irqchips.ts), as hvisor picks its GIC code with
 * cfg(feature = "gicv3" / "gicv2"): the board's GIC as the physical controller (gicv3-physical.ts,
 * gicv2-physical.ts) and hvisor's vGIC per zone (vgic-v3.ts, vgic-v2.ts).
 */
import { boardOf, type Board } from '../../../../shared/model/board';
import { numericProp } from '../../../devices/device-model';
import type { IrqChipArch } from '../../irqchip';
import { Gicv2Physical } from './gicv2-physical';
import { Gicv3Physical } from './gicv3-physical';
import { VgicFilter } from './vgic-filter';
import { Vgicv2 } from './vgic-v2';
import { Vgicv3 } from './vgic-v3';

const hasGic = (board: Board): boolean => board.devices.some((d) => d.kind === 'arm-gicv3' || d.kind === 'arm-gicv2');

export const aarch64IrqChips: IrqChipArch = {
  hypervisorClaims: false,
  privateIrqs: 32,
  // src/arch/aarch64/ivc.rs; the doorbell writes GICD_ISPENDR of the peer's interrupt_num (:229-235), which
  // the physical GIC routes to whichever CPU the peer's guest routed it to.
  ivc: {
    byHvisor: true,
    ring: (irq, { physical }) => {
      if (!physical?.setPending) return 'the board has no GIC to set the doorbell pending in';
      physical.setPending(irq);
      return undefined;
    },
  },
  physicalOf: (devices) => (devices.gicv3 ? new Gicv3Physical(devices.gicv3) : devices.gicv2 ? new Gicv2Physical(devices.gicv2) : undefined),
  virtualStateBytes: (board) => (hasGic(board) ? VgicFilter.stateBytes(boardOf(board, 'aarch64').mpidrs.length) : 0),
  createVirtual: (env) => {
    const board = boardOf(env.board, 'aarch64');
    if (env.physical instanceof Gicv2Physical) return new Vgicv2({ ...env, physical: env.physical, cpuCount: board.mpidrs.length });
    if (!(env.physical instanceof Gicv3Physical)) return undefined;
    const spec = board.devices.find((d) => d.kind === 'arm-gicv3');
    if (!spec) return undefined;
    return new Vgicv3({ ...env, gic: env.physical, gicrBase: numericProp(spec, 'redistributorBase'), mpidrs: board.mpidrs });
  },
};
