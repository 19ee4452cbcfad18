/**
 * New zones for the editor: a template with the next free zone id, the free harts and a free 16 MiB
 * of RAM, or a copy of an existing zone with a new id; and the layout.json entries that list them.
 */
import type { Board } from '../../../../shared/model/board';
import { ARCH_ZONE_MODELS } from '../../../../shared/model/arch/registry';
import { getAt, type EditorFile } from './documents';
import { isObject, type Json, type JsonObject } from './json-format';
import type { MapZone } from './partition';

const hex = (n: number): string => '0x' + n.toString(16);
const ZONE_RAM = 0x100_0000;
/** hvisor's zone ids live in a u32 but hvisor-tool's virtio daemon and zone list stop at 32. */
const MAX_ZONES = 32;

export function nextZoneId(zones: readonly MapZone[]): number {
  const used = new Set(zones.map((z) => z.zoneId));
  for (let id = 1; id < MAX_ZONES; id++) if (!used.has(id)) return id;
  return MAX_ZONES;
}

export function freeHarts(board: Board, zones: readonly MapZone[]): number[] {
  const used = new Set(zones.flatMap((z) => z.cpus));
  return Array.from({ length: board.harts }, (_, hart) => hart).filter((hart) => !used.has(hart));
}

/**
 * A 16 MiB RAM slot no non-root zone and not hvisor uses, after the last one that is used (the root
 * zone's RAM holds the other zones' RAM on purpose, as in hvisor's shipped layouts).
 */
export function freeRam(board: Board, zones: readonly MapZone[]): number | undefined {
  const taken = [board.hypervisorReserved, ...zones.filter((z) => !z.root).flatMap((z) => z.regions.filter((r) => r.type === 'ram').map((r) => ({ base: r.start, size: r.size })))];
  const end = board.ram.base + board.ram.size;
  const clash = (base: number): boolean => taken.some((t) => base < t.base + t.size && t.base < base + ZONE_RAM);
  const lastUsed = Math.max(board.ram.base, ...taken.map((t) => t.base + t.size));
  const aligned = (n: number): number => Math.ceil(n / ZONE_RAM) * ZONE_RAM;
  for (const from of [aligned(lastUsed), aligned(board.ram.base)]) {
    for (let base = from; base + ZONE_RAM <= end; base += ZONE_RAM) if (!clash(base)) return base;
  }
  return undefined;
}

/** The arch_config other zones of the layout use, else the one the board's architecture makes from the board (its interrupt controller). */
function archConfig(board: Board, files: readonly EditorFile[]): JsonObject {
  for (const file of files) {
    const arch = getAt(file.doc, 'arch_config');
    if (file.kind === 'zone' && isObject(arch)) return { ...arch };
  }
  return { ...ARCH_ZONE_MODELS[board.arch].templateArchConfig(board) };
}

/** A zone JSON with every field hvisor-tool requires, in hvisor's key order. */
export function zoneTemplate(board: Board, zones: readonly MapZone[], files: readonly EditorFile[]): JsonObject {
  const id = nextZoneId(zones);
  const hart = freeHarts(board, zones)[0];
  const base = freeRam(board, zones) ?? board.ram.base;
  return {
    zone_id: id,
    name: `zone${id}`,
    cpus: hart === undefined ? [] : [hart],
    memory_regions: [{ type: 'ram', physical_start: hex(base), virtual_start: hex(base), size: hex(ZONE_RAM) }],
    interrupts: [],
    ivc_configs: [],
    kernel_filepath: 'null',
    dtb_filepath: 'null',
    kernel_load_paddr: hex(base),
    dtb_load_paddr: hex(base + ZONE_RAM - 0x10_0000),
    entry_point: hex(base),
    arch_config: archConfig(board, files),
    pci_config: [],
  };
}

/** A copy of a zone with the next free id and a free hart; memory stays the same for the user to move. */
export function duplicateZone(doc: Json, board: Board, zones: readonly MapZone[]): JsonObject {
  const source = isObject(doc) ? doc : {};
  const id = nextZoneId(zones);
  const hart = freeHarts(board, zones)[0];
  const name = typeof source.name === 'string' ? source.name : 'zone';
  return { ...structuredClone(source), zone_id: id, name: `${name}-copy`.slice(0, 32), cpus: hart === undefined ? [] : [hart] };
}

/** A file name for a new zone that no file of the layout has. */
export function newZonePath(id: number, files: readonly EditorFile[]): string {
  const taken = new Set(files.map((f) => f.path));
  let candidate = `zone${id}.json`;
  for (let n = 2; taken.has(candidate); n++) candidate = `zone${id}-${n}.json`;
  return candidate;
}

/** layout.json with a zone file added to (or removed from) its `zones` list. */
export function layoutWithZone(layout: Json, path: string, add: boolean): Json {
  const doc = isObject(layout) ? layout : {};
  const zones = Array.isArray(doc.zones) ? doc.zones : [];
  const kept = zones.filter((z) => !(isObject(z) && z.config === path));
  return { ...doc, zones: add ? [...kept, { config: path, autostart: false }] : kept };
}
