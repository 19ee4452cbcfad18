/**
 * The device tree a zone sees, derived from its config and the board: only its harts, its RAM, the
 * devices its `io` regions pass through, the (virtual) PLIC naming only its harts' contexts, and
 * reservations for RAM of other zones that lies inside its own (hvisor's root layouts do that on
 * purpose, and the root's tree must keep the root's kernel away from it) and for hvisor's own memory.
 */
import type { AddressRange, Board, BoardDevice } from '../../shared/model/board';
import type { ZoneConfig } from '../../shared/model/zone-config';
import type { BoardTreeInput } from '../fdt/board-dtb';

/** Device kinds a zone may see through an `io` region (those with a model that a guest can drive). */
const PASSTHROUGH_KINDS: readonly BoardDevice['kind'][] = ['ns16550a', 'goldfish-rtc', 'sifive-test'];

export interface ZoneTreeExtras {
  readonly bootargs?: string;
  /** Guest-physical range of the initial ramdisk. */
  readonly initrd?: { readonly start: number; readonly end: number };
  /** The zone's virtio-mmio devices (from virtio_cfg.json): guest window and PLIC source. */
  readonly virtio?: readonly { readonly addr: number; readonly len: number; readonly irq: number }[];
}

export function zoneTreeInput(board: Board, zone: ZoneConfig, others: readonly ZoneConfig[], extras: ZoneTreeExtras = {}): BoardTreeInput {
  // Virtio devices live wherever virtio_cfg.json puts them, not only in the board's slots: describe
  // them as devices of a board variant, in place of any slot they cover.
  const virtio: BoardDevice[] = (extras.virtio ?? []).map((d) => ({
    name: `virtio@${d.addr.toString(16)}`,
    kind: 'virtio-mmio',
    base: d.addr,
    size: d.len,
    irq: d.irq,
  }));
  const covered = (d: BoardDevice): boolean => virtio.some((v) => d.base < v.base + v.size && v.base < d.base + d.size);
  board = { ...board, devices: [...board.devices.filter((d) => !covered(d)), ...virtio] };
  const ram = zone.memoryRegions.filter((r) => r.type === 'ram');
  const memory: AddressRange[] = ram.map((r) => ({ base: r.virtualStart, size: r.size }));
  const devices = board.devices.filter((d) => {
    if (d.kind === 'sifive-plic') return zone.archConfig.plicSize > 0;
    if (virtio.includes(d)) return true;
    if (!PASSTHROUGH_KINDS.includes(d.kind)) return false;
    return zone.memoryRegions.some((r) => r.type === 'io' && d.base >= r.physicalStart && d.base + d.size <= r.physicalStart + r.size);
  });
  const reservations: AddressRange[] = [];
  // hvisor's own memory, where a zone's RAM overlaps it (the qemu-plic root's does): reserved as hvisor's
  // zone0.dts does (reserved-memory "opensbi+hvisor", no-map), so that the guest never allocates it.
  const hv = board.hypervisorReserved;
  for (const mine of ram) {
    const start = Math.max(mine.physicalStart, hv.base);
    const end = Math.min(mine.physicalStart + mine.size, hv.base + hv.size);
    if (start < end) reservations.push({ base: start - mine.physicalStart + mine.virtualStart, size: end - start });
  }
  for (const other of others) {
    if (other.zoneId === zone.zoneId) continue;
    // The root's RAM covers the other zones' RAM on purpose; it is the root that must keep away.
    if (other.root && !zone.root) continue;
    for (const theirs of other.memoryRegions) {
      if (theirs.type !== 'ram') continue;
      for (const mine of ram) {
        const start = Math.max(mine.physicalStart, theirs.physicalStart);
        const end = Math.min(mine.physicalStart + mine.size, theirs.physicalStart + theirs.size);
        if (start < end) reservations.push({ base: start - mine.physicalStart + mine.virtualStart, size: end - start });
      }
    }
  }
  return {
    board,
    harts: [...zone.cpus],
    memory,
    devices: devices.map((d) => d.name),
    reservations,
    ...(extras.bootargs ? { bootargs: extras.bootargs } : {}),
    ...(extras.initrd ? { initrd: extras.initrd } : {}),
  };
}
