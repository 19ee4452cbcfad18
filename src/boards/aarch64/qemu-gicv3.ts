/**
 * hvisor's aarch64 `qemu-gicv3` board (platform/aarch64/qemu-gicv3/board.rs, hvisor 6a3fb78): QEMU virt
 * with `gic-version=3`. The GICv3 distributor at 0x0800_0000, the ITS at 0x0808_0000 (the MSI
 * controller: the PCIe host's msi-map names it) and the redistributor frames from 0x080A_0000; ROOT_ARCH_ZONE_CONFIG's
 * Gicv3Config names the same windows. The shared virt map is in qemu-virt.ts.
 */
import type { Aarch64Board } from '../../shared/model/board';
import {
  QEMU_VIRT_RAM, QEMU_VIRT_VIRTIO_WAKEUP_IRQ, qemuVirtHypervisorReserved, qemuVirtMpidrs, qemuVirtPciGicv3, qemuVirtPcieGicv3, qemuVirtSmmu,
  qemuVirtRootZoneCommon, qemuVirtTimerPpis, qemuVirtUart, qemuVirtVirtio,
} from './qemu-virt';

export const qemuGicv3: Aarch64Board = {
  name: 'qemu-gicv3',
  description: 'QEMU aarch64 virt (gic-version=3, cortex-a72 x4) as hvisor runs on it',
  arch: 'aarch64',
  harts: 4,
  mpidrs: qemuVirtMpidrs,
  cpuCompatible: 'arm,cortex-a72',
  // QEMU virt's CNTFRQ_EL0 (62.5 MHz until QEMU 9.0; the workbench keeps it for both boards).
  timebaseFrequency: 62_500_000,
  timerPpis: qemuVirtTimerPpis,
  ram: QEMU_VIRT_RAM,
  devices: [
    {
      // QEMU virt with 4 CPUs: the distributor implements 288 INTIDs (ITLinesNumber 8).
      name: 'gic', kind: 'arm-gicv3', base: 0x0800_0000, size: 0x1_0000,
      props: { lines: 288, cpuInputs: ['IRQ', 'FIQ'], redistributorBase: 0x080a_0000, redistributorSize: 0xf6_0000, itsBase: 0x0808_0000, itsSize: 0x2_0000 },
    },
    qemuVirtUart,
    ...qemuVirtVirtio,
    qemuVirtPcieGicv3,
    qemuVirtSmmu,
  ],
  rootZone: {
    ...qemuVirtRootZoneCommon,
    gic: {
      version: 3,
      gicd: { base: 0x0800_0000, size: 0x1_0000 },
      gicr: { base: 0x080a_0000, size: 0xf6_0000 },
      gits: { base: 0x0808_0000, size: 0x2_0000 },
    },
    pciDevices: qemuVirtPciGicv3,
  },
  // The root's IRQs are all the physical ones hvisor enables on this board.
  hwIrqs: qemuVirtRootZoneCommon.irqs,
  hypervisorReserved: qemuVirtHypervisorReserved,
  virtioWakeupIrq: QEMU_VIRT_VIRTIO_WAKEUP_IRQ,
};
