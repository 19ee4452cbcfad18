/**
 * hvisor's aarch64 `qemu-gicv2` board (platform/aarch64/qemu-gicv2/board.rs, hvisor 6a3fb78): QEMU virt
 * with `gic-version=2`: the GICv2 distributor at 0x0800_0000, the CPU interface at 0x0801_0000, the
 * virtual interface control (GICH) at 0x0803_0000 and the virtual CPU interface (GICV) at 0x0804_0000,
 * as ROOT_ARCH_ZONE_CONFIG's Gicv2Config names them. The shared virt map is in qemu-virt.ts.
 */
import type { Aarch64Board } from '../../shared/model/board';
import {
  QEMU_VIRT_RAM, QEMU_VIRT_VIRTIO_WAKEUP_IRQ, qemuVirtHypervisorReserved, qemuVirtMpidrs, qemuVirtPciGicv2, qemuVirtPcie,
  qemuVirtRootZoneCommon, qemuVirtTimerPpis, qemuVirtUart, qemuVirtVirtio,
} from './qemu-virt';

export const qemuGicv2: Aarch64Board = {
  name: 'qemu-gicv2',
  description: 'QEMU aarch64 virt (gic-version=2, cortex-a72 x4) as hvisor runs on it',
  arch: 'aarch64',
  harts: 4,
  mpidrs: qemuVirtMpidrs,
  cpuCompatible: 'arm,cortex-a72',
  timebaseFrequency: 62_500_000,
  timerPpis: qemuVirtTimerPpis,
  ram: QEMU_VIRT_RAM,
  devices: [
    {
      name: 'gic', kind: 'arm-gicv2', base: 0x0800_0000, size: 0x1_0000,
      props: {
        lines: 288,
        cpuInputs: ['IRQ', 'FIQ'],
        cpuInterfaceBase: 0x0801_0000, cpuInterfaceSize: 0x1_0000,
        hypervisorBase: 0x0803_0000, hypervisorSize: 0x1_0000,
        virtualCpuBase: 0x0804_0000, virtualCpuSize: 0x1_0000,
      },
    },
    qemuVirtUart,
    ...qemuVirtVirtio,
    qemuVirtPcie,
  ],
  rootZone: {
    ...qemuVirtRootZoneCommon,
    gic: {
      version: 2,
      gicd: { base: 0x0800_0000, size: 0x1_0000 },
      gicc: { base: 0x0801_0000, size: 0x1_0000 },
      giccOffset: 0,
      gich: { base: 0x0803_0000, size: 0x1_0000 },
      gicv: { base: 0x0804_0000, size: 0x1_0000 },
    },
    pciDevices: qemuVirtPciGicv2,
  },
  hwIrqs: qemuVirtRootZoneCommon.irqs,
  hypervisorReserved: qemuVirtHypervisorReserved,
  virtioWakeupIrq: QEMU_VIRT_VIRTIO_WAKEUP_IRQ,
};
