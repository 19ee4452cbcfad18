/**
 * The hypervisor's driver for the board's IOMMU, by the device's kind (hvisor's src/arch/<arch>/iommu.rs
 * for the hardware it supports): called at every zone creation, after the vPCI took the zone's
 * functions, as hvisor's zone_create does. A board without an IOMMU device gets none (riscv64 and
 * loongarch64 use the workbench's DMA isolation hook instead, dma-isolation.ts).
 */
import type { Board } from '../../shared/model/board';
import type { ZoneConfig } from '../../shared/model/zone-config';
import type { DmaMemory } from '../bus/dma';
import type { MmioDevice } from '../bus/types';
import { Smmuv3Driver } from './arch/aarch64/smmuv3';

export interface HypervisorIommuDriver {
  zoneCreated(config: ZoneConfig): void;
}

/** The driver for `device` (the board's IOMMU role), or undefined when the hypervisor has none for its kind. */
export function iommuDriverFor(board: Board, device: MmioDevice, memory: DmaMemory, log: (line: string) => void): HypervisorIommuDriver | undefined {
  switch (device.kind) {
    case 'arm-smmuv3':
      return new Smmuv3Driver({ registers: { read: (offset) => device.read(offset, 4), write: (offset, _size, value) => device.write(offset, 4, value) }, memory, frames: board.hypervisorReserved, log });
    default:
      return undefined;
  }
}
