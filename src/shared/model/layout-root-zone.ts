/**
 * The root zone of a layout as a ZoneConfig: the board's root-zone constants (board.rs) with the
 * layout's `root.cpus`, extra `memory_regions` and `interrupts`, `ivc_configs` (ROOT_ZONE_IVC_CONFIG) and
 * `alloc_pci_devs` (ROOT_PCI_DEVS). Shared by the host (the zone the machine runs) and the renderer's
 * zone editor (the zone it checks against).
 */
import type { Board } from './board';
import type { RootGuest } from './layout';
import { rootZoneConfig, type ZoneConfig } from './zone-config';

export function layoutRootZone(board: Board, root: Pick<RootGuest, 'cpus' | 'memoryRegions' | 'interrupts' | 'ivcConfigs' | 'pciDevices'>): ZoneConfig {
  const base = rootZoneConfig(board);
  // A layout's ROOT_PCI_DEVS gives the root hvisor's vPCI: the board's regions over the ECAM window go,
  // so that the trap sees the root's accesses (qemu-aia's board.rs passes the ECAM through as io).
  const insideEcam = (r: { physicalStart: number; size: number }): boolean =>
    base.pciConfig.some((c) => c.ecamSize > 0 && r.physicalStart >= c.ecamBase && r.physicalStart + r.size <= c.ecamBase + c.ecamSize);
  const boardRegions = root.pciDevices ? base.memoryRegions.filter((r) => r.type === 'ram' || !insideEcam(r)) : base.memoryRegions;
  return {
    ...base,
    cpus: [...(root.cpus ?? base.cpus)].sort((a, b) => a - b),
    memoryRegions: [...boardRegions, ...(root.memoryRegions ?? [])],
    interrupts: [...new Set([...base.interrupts, ...(root.interrupts ?? [])])].sort((a, b) => a - b),
    ivcConfigs: root.ivcConfigs ?? base.ivcConfigs,
    ...(root.pciDevices ? { allocPciDevs: root.pciDevices } : {}),
  };
}
