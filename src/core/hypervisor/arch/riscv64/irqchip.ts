/**
 * riscv64's row of the irqchip registry (core/hypervisor/irqchips.ts): on a PLIC board (hvisor's
 * feature "plic") the physical controller is the PLIC itself and a zone's virtual controller is a vPLIC
 * with hvisor's 1023 sources, trapped at the zone's arch_config plic_base/plic_size. On an AIA board
 * (feature "aia") the physical controller is the APLIC (MSI mode: nothing to claim, hardware interrupts
 * reach the zones' IMSIC guest files directly) and a zone's is a vAPLIC at aplic_base/aplic_size with
 * the zone's IMSIC pages (vaplic.ts).
 */
import type { Board } from '../../../../shared/model/board';
import type { IrqChipArch } from '../../irqchip';
import { RiscvAplic } from '../../../devices/intc/riscv-aplic';
import { VPLIC_MAX_SOURCES, VirtualPlic } from './vplic';
import { HVISOR_IMSIC_GUEST_INDEX, VirtualAplic } from './vaplic';

const isAia = (board: Board): boolean => board.devices.some((d) => d.kind === 'riscv-aplic');

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
  physicalOf: (devices) => devices.plic ?? devices.aplic,
  // hvisor's vplic_init passes BOARD_PLIC_INTERRUPTS_NUM (plic/mod.rs:201-217), whatever the physical PLIC has.
  virtualStateBytes: (board) =>
    isAia(board) ? VirtualAplic.stateBytes() : VirtualPlic.stateBytes({ zoneCpus: Array.from({ length: board.harts }, (_, i) => i), sources: VPLIC_MAX_SOURCES }),
  createVirtual(env) {
    const arch = env.config.archConfig;
    if (env.physical instanceof RiscvAplic) {
      const imsic = env.board.devices.find((d) => d.kind === 'riscv-imsic');
      if (!('aplicSize' in arch) || arch.aplicSize === 0 || !imsic) return undefined;
      return new VirtualAplic(env.region, {
        zoneId: env.config.zoneId,
        zoneCpus: env.cpus,
        ownedIrqs: env.config.interrupts,
        hwIrqs: env.board.hwIrqs,
        window: { base: arch.aplicBase, size: arch.aplicSize },
        imsicBase: imsic.base,
        onGuestError: env.onGuestError,
        log: env.log,
        panic: env.panic ?? env.log,
      }, env.physical);
    }
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
  // hvisor traps a zone's IMSIC page of cpu c (imsicBase + 0x1000 * c, vaplic.ts) and sends what the guest
  // writes there to guest file IMSIC_GUEST_INDEX of c; a device's MSI to the same address (the vector the
  // guest programmed) goes to the same file here, where a RISC-V IOMMU's MSI page table would send it.
  zoneMsiAddress(board, zoneCpus, address) {
    const imsic = board.devices.find((d) => d.kind === 'riscv-imsic');
    if (!imsic) return undefined;
    const cpu = zoneCpus.find((c) => address >= imsic.base + 0x1000 * c && address < imsic.base + 0x1000 * (c + 1));
    if (cpu === undefined) return undefined;
    const guests = typeof imsic.props?.['guests'] === 'number' ? (imsic.props['guests'] as number) : 0;
    const groupPages = 2 ** Math.ceil(Math.log2(1 + guests));
    return imsic.base + 0x1000 * (cpu * groupPages + HVISOR_IMSIC_GUEST_INDEX) + (address - (imsic.base + 0x1000 * cpu));
  },
};
