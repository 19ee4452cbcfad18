/**
 * riscv64's row of the irqchip registry (core/hypervisor/irqchips.ts): on a PLIC board (hvisor's
 * feature "plic") the physical controller is the PLIC itself and a zone's virtual controller is a vPLIC
 * with hvisor's 1023 sources, trapped at the zone's arch_config plic_base/plic_size.
 *
 * Left out: the AIA (feature "aia": APLIC and IMSIC), which no workbench board has.
 */
import type { IrqChipArch } from '../../irqchip';
import { VPLIC_MAX_SOURCES, VirtualPlic } from './vplic';

export const riscvIrqChips: IrqChipArch = {
  hypervisorClaims: true,
  privateIrqs: 0,
  // hvisor 6a3fb78 has no IVC on riscv64 (hv_ivc_info warns and returns 0, arch/riscv64/hypercall.rs:24-27);
  // the layout's workbenchIvc sets it up as aarch64's ivc.rs does. A PLIC has no software-set pending
  // bit, so the doorbell is a virtual injection into the peer's vPLIC (as virtio's interrupts are).
  ivc: {
    byHvisor: false,
    ring: (irq, { peer }) => {
      if (!peer) return 'the peer zone is not running';
      return peer.inject(irq, false) ? undefined : `the peer's vPLIC refused IRQ ${irq} (a hw IRQ of the peer zone)`;
    },
  },
  physicalOf: (devices) => devices.plic,
  // hvisor's vplic_init passes BOARD_PLIC_INTERRUPTS_NUM (plic/mod.rs:201-217), whatever the physical PLIC has.
  virtualStateBytes: (board) =>
    VirtualPlic.stateBytes({ zoneCpus: Array.from({ length: board.harts }, (_, i) => i), sources: VPLIC_MAX_SOURCES }),
  createVirtual(env) {
    const arch = env.config.archConfig;
    const window = 'plicBase' in arch ? { base: arch.plicBase, size: arch.plicSize } : undefined;
    return new VirtualPlic(
      env.region,
      {
        zoneId: env.config.zoneId,
        zoneCpus: env.cpus,
        sources: VPLIC_MAX_SOURCES,
        ownedIrqs: env.config.interrupts,
        hwIrqs: env.board.hwIrqs,
        onGuestError: env.onGuestError,
        log: env.log,
        ...(window ? { window } : {}),
      },
      env.physical,
      env.signals,
    );
  },
};
