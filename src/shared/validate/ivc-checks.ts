/**
 * The ivc_configs of a layout's zones against what hvisor's ivc_init does with them (src/arch/aarch64/
 * ivc.rs at 6a3fb78), on an architecture where hvisor has IVC (or the layout opts in to the workbench's):
 * what makes it refuse an entry (the zone
 * then runs without it and the entries after it), what maps nothing or overlaps the zone's memory, and
 * whether each region has its other ends in the layout with the same shape.
 */
import type { ZoneConfig, ZoneRef } from '../model/zone-config';

const PAGE = 0x1000;
/** The workbench's limit (core/hypervisor/ivc.ts); hvisor has none. */
const MAX_PEERS = 8;
const hex = (n: number): string => '0x' + n.toString(16);

export interface IvcFindingSink {
  error(path: string, message: string, zones?: readonly [ZoneRef, ZoneRef]): void;
  warning(path: string, message: string, zones?: readonly [ZoneRef, ZoneRef]): void;
}

/** One zone's entries on their own. */
export function checkZoneIvc(zone: ZoneConfig, out: IvcFindingSink, doorbell?: (zone: ZoneConfig, irq: number) => string | undefined): void {
  zone.ivcConfigs.forEach((c, i) => {
    const path = `ivc_configs[${i}]`;
    const refused = "hvisor's ivc_init stops at this entry and the zone runs without it and the ones after it";
    if (c.rwSecSize % PAGE !== 0 || c.outSecSize % PAGE !== 0) {
      out.error(`${path}.${c.rwSecSize % PAGE !== 0 ? 'rw_sec_size' : 'out_sec_size'}`, `section sizes must be multiples of 4 KiB ("section size must be page aligned"); ${refused}`);
    }
    if (c.maxPeers === 0) out.error(`${path}.max_peers`, `max_peers 0: no peer can join (${refused})`);
    else if (c.maxPeers > MAX_PEERS) out.error(`${path}.max_peers`, `max_peers ${c.maxPeers}: the workbench keeps at most ${MAX_PEERS} peers per IVC region`);
    if (c.maxPeers > 0 && c.peerId >= c.maxPeers) {
      out.warning(`${path}.peer_id`, `peer_id ${c.peerId} is not below max_peers ${c.maxPeers}: hvisor maps out sections 0..${c.maxPeers - 1}, so this zone gets none it can write`);
    }
    const lost = doorbell?.(zone, c.interruptNum);
    if (lost) out.warning(`${path}.interrupt_num`, `doorbell IRQ ${c.interruptNum} ${lost}`);
    const total = c.rwSecSize + c.outSecSize * c.maxPeers;
    const windows: [string, number, number][] = [['control_table_ipa', c.controlTableIpa, PAGE], ['shared_mem_ipa', c.sharedMemIpa, total]];
    if (c.controlTableIpa % PAGE !== 0) out.error(`${path}.control_table_ipa`, `${hex(c.controlTableIpa)} is not 4 KiB aligned: hvisor traps the control table's page`);
    if (c.sharedMemIpa % PAGE !== 0) out.error(`${path}.shared_mem_ipa`, `${hex(c.sharedMemIpa)} is not 4 KiB aligned: hvisor maps whole pages there`);
    if (c.controlTableIpa < c.sharedMemIpa + total && c.sharedMemIpa < c.controlTableIpa + PAGE) {
      out.error(`${path}.control_table_ipa`, `the control table page ${hex(c.controlTableIpa)} overlaps the shared memory ${hex(c.sharedMemIpa)}+${hex(total)}`);
    }
    for (const [key, base, size] of windows) {
      zone.memoryRegions.forEach((r, j) => {
        if (base < r.virtualStart + r.size && r.virtualStart < base + size) {
          out.error(`${path}.${key}`, `${hex(base)}+${hex(size)} overlaps memory_regions[${j}] (${r.type} at ${hex(r.virtualStart)}): hvisor's stage-2 insert fails there and it panics`);
        }
      });
    }
  });
}

/** The regions across the zones: the same shape at every end, distinct peer ids, more than one end. */
export function checkIvcSet(zones: readonly ZoneConfig[], sinkOf: (zone: ZoneConfig) => IvcFindingSink): void {
  const ends = new Map<number, { zone: ZoneConfig; index: number }[]>();
  for (const zone of zones) zone.ivcConfigs.forEach((c, index) => ends.set(c.ivcId, [...(ends.get(c.ivcId) ?? []), { zone, index }]));
  const ref = (zone: ZoneConfig, path: string): ZoneRef => ({ file: zone.source, zoneId: zone.zoneId, name: zone.name, path });
  const label = (r: ZoneRef): string => `zone ${r.zoneId} ${JSON.stringify(r.name)} (${r.file}: ${r.path})`;
  for (const [ivcId, list] of ends) {
    const first = list[0]!;
    const a = first.zone.ivcConfigs[first.index]!;
    if (list.length === 1) {
      sinkOf(first.zone).warning(`ivc_configs[${first.index}]`, `IVC region ${ivcId} has no other end in this layout: no zone is there to ring or to ring this one`);
      continue;
    }
    list.forEach(({ zone, index }, k) => {
      if (k === 0) return;
      const c = zone.ivcConfigs[index]!;
      const path = `ivc_configs[${index}]`;
      const pair = [ref(zone, path), ref(first.zone, `ivc_configs[${first.index}]`)] as const;
      if (c.maxPeers !== a.maxPeers || c.rwSecSize !== a.rwSecSize || c.outSecSize !== a.outSecSize) {
        sinkOf(zone).error(path, `IVC region ${ivcId}: max_peers ${c.maxPeers}, rw_sec_size ${hex(c.rwSecSize)}, out_sec_size ${hex(c.outSecSize)} differ from ${label(pair[1])} (${a.maxPeers}, ${hex(a.rwSecSize)}, ${hex(a.outSecSize)}); hvisor refuses the later zone's entry ("ivc config conflicts")`, pair);
      }
      const same = list.slice(0, k).find((e) => e.zone.ivcConfigs[e.index]!.peerId === c.peerId);
      if (same) {
        const other = [ref(zone, `${path}.peer_id`), ref(same.zone, `ivc_configs[${same.index}].peer_id`)] as const;
        sinkOf(zone).error(`${path}.peer_id`, `IVC region ${ivcId}: peer_id ${c.peerId} is also ${label(other[1])}'s; hvisor replaces that peer, so its doorbell reaches this zone instead`, other);
      }
    });
    if (list.length > a.maxPeers && a.maxPeers > 0) {
      sinkOf(list[a.maxPeers]!.zone).error(`ivc_configs[${list[a.maxPeers]!.index}]`, `IVC region ${ivcId} has ${list.length} ends for max_peers ${a.maxPeers}: hvisor refuses the ones past it ("can't add more peers")`);
    }
  }
}
