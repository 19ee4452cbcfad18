/**
 * The root zone of a layout as a ZoneConfig: the board's root-zone constants (board.rs) with the
 * layout's `root.cpus`, extra `memory_regions` and `interrupts`, and `ivc_configs` (ROOT_ZONE_IVC_CONFIG). Shared by the host (the zone the
 * machine runs) and the renderer's zone editor (the zone it checks against).
 */
import type { Board } from './board';
import type { RootGuest } from './layout';
import { rootZoneConfig, type ZoneConfig } from './zone-config';

export function layoutRootZone(board: Board, root: Pick<RootGuest, 'cpus' | 'memoryRegions' | 'interrupts' | 'ivcConfigs'>): ZoneConfig {
  const base = rootZoneConfig(board);
  return {
    ...base,
    cpus: [...(root.cpus ?? base.cpus)].sort((a, b) => a - b),
    memoryRegions: [...base.memoryRegions, ...(root.memoryRegions ?? [])],
    interrupts: [...new Set([...base.interrupts, ...(root.interrupts ?? [])])].sort((a, b) => a - b),
    ivcConfigs: root.ivcConfigs ?? base.ivcConfigs,
  };
}
