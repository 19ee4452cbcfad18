/**
 * The partition map of a layout: which zone owns each physical hart, where every zone's memory
 * regions lie in the physical address space next to the board's RAM, devices and hvisor's own
 * memory, and which zone owns each IRQ. Read leniently from the documents (a field that does not
 * parse is left out), so the map follows the user's typing even while other fields are invalid.
 */
import type { Board } from '../../../../shared/model/board';
import type { ZoneConfig } from '../../../../shared/model/zone-config';
import { parseConfigNumber } from '../../../../shared/validate/json-number';
import { getAt, joinPath, type EditorFile } from './documents';
import { isObject } from './json-format';

export interface MapRegion {
  readonly type: 'ram' | 'io' | 'virtio';
  readonly start: number;
  readonly size: number;
  /** JSON path of the region in the zone's file ("" for the root zone's board regions). */
  readonly path: string;
}

export interface MapZone {
  /** The zone's file, or "" for the root zone. */
  readonly file: string;
  readonly zoneId: number | undefined;
  readonly name: string;
  readonly root: boolean;
  readonly cpus: readonly number[];
  readonly regions: readonly MapRegion[];
  readonly interrupts: readonly number[];
  /** Index into the zone colour palette. */
  readonly color: number;
}

const numberOf = (value: unknown): number | undefined => parseConfigNumber(value);

function numbers(value: unknown): number[] {
  if (!Array.isArray(value)) return [];
  const out: number[] = [];
  for (const item of value) {
    const n = numberOf(item);
    if (n !== undefined && !out.includes(n)) out.push(n);
  }
  return out.sort((a, b) => a - b);
}

/** What the map shows of a zone file, whatever state its fields are in. */
export function mapZoneOf(file: EditorFile, color: number): MapZone {
  const doc = file.doc;
  const regions: MapRegion[] = [];
  const list = getAt(doc, 'memory_regions');
  if (Array.isArray(list)) {
    list.forEach((item, i) => {
      if (!isObject(item)) return;
      const type = item.type;
      const start = numberOf(item.physical_start);
      const size = numberOf(item.size);
      if ((type === 'ram' || type === 'io' || type === 'virtio') && start !== undefined && size !== undefined && size > 0) {
        regions.push({ type, start, size, path: joinPath('memory_regions', i) });
      }
    });
  }
  const id = getAt(doc, 'zone_id');
  const name = getAt(doc, 'name');
  return {
    file: file.path,
    zoneId: typeof id === 'number' ? id : undefined,
    name: typeof name === 'string' && name !== '' ? name : file.path,
    root: false,
    cpus: numbers(getAt(doc, 'cpus')),
    regions,
    interrupts: numbers(getAt(doc, 'interrupts')),
    color,
  };
}

export function mapZones(root: ZoneConfig, files: readonly EditorFile[]): MapZone[] {
  const rootZone: MapZone = {
    file: '',
    zoneId: 0,
    name: root.name,
    root: true,
    cpus: root.cpus,
    regions: root.memoryRegions.map((r) => ({ type: r.type, start: r.physicalStart, size: r.size, path: '' })),
    interrupts: root.interrupts,
    color: 0,
  };
  return [rootZone, ...files.filter((f) => f.kind === 'zone').map((f, i) => mapZoneOf(f, i + 1))];
}

export interface HartRow {
  readonly hart: number;
  readonly onBoard: boolean;
  /** Files ("" for the root) of the zones that list this hart. */
  readonly owners: readonly string[];
  readonly conflict: boolean;
}

export function hartRows(board: Board, zones: readonly MapZone[]): HartRow[] {
  const claimed = zones.flatMap((z) => z.cpus);
  const last = Math.max(board.harts - 1, ...claimed);
  const rows: HartRow[] = [];
  for (let hart = 0; hart <= last; hart++) {
    const owners = zones.filter((z) => z.cpus.includes(hart)).map((z) => z.file);
    const onBoard = hart < board.harts;
    if (!onBoard && owners.length === 0) continue;
    rows.push({ hart, onBoard, owners, conflict: owners.length > 1 || (!onBoard && owners.length > 0) });
  }
  return rows;
}

const overlaps = (a: number, aSize: number, b: number, bSize: number): boolean => a < b + bSize && b < a + aSize;
const mapped = (r: MapRegion): boolean => r.type !== 'virtio';

export type BandKind = 'ram' | 'io' | 'virtio' | 'board-ram' | 'device' | 'reserved';

export interface Band {
  readonly kind: BandKind;
  readonly start: number;
  readonly size: number;
  readonly label: string;
  /** The zone's file for zone regions. */
  readonly file?: string;
  readonly path?: string;
  readonly color?: number;
  /** error: another zone or hvisor uses the same memory; warning: the root zone's RAM holds it (hvisor's usual layout). */
  readonly overlap?: 'error' | 'warning';
  readonly overlapWith?: string;
}

export interface Lane {
  readonly id: string;
  readonly label: string;
  readonly color?: number;
  readonly bands: readonly Band[];
}

const hex = (n: number): string => '0x' + n.toString(16);

/** 16 MiB, 4 KiB, 0x200 B: the largest binary unit that divides the size. */
export function formatSize(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1 && value % 1024 === 0) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${hex(bytes)} B` : `${value} ${units[unit]}`;
}

/** Lanes of the memory map: the board first, then each zone. */
export function memoryLanes(board: Board, zones: readonly MapZone[]): Lane[] {
  const reserved = board.hypervisorReserved;
  const boardBands: Band[] = [
    { kind: 'board-ram', start: board.ram.base, size: board.ram.size, label: 'RAM' },
    { kind: 'reserved', start: reserved.base, size: reserved.size, label: 'hvisor' },
    ...board.devices.map((d): Band => ({ kind: 'device', start: d.base, size: d.size, label: d.name })),
  ];
  const lanes: Lane[] = [{ id: 'board', label: board.name, bands: boardBands }];
  for (const zone of zones) {
    const bands = zone.regions.map((region): Band => {
      let overlap: Band['overlap'];
      let overlapWith: string | undefined;
      if (mapped(region) && overlaps(region.start, region.size, reserved.base, reserved.size)) {
        // Amber, as the validator reports it (zone-checks.ts): hvisor's own root RAM starts inside it.
        overlap = 'warning';
        overlapWith = "hvisor's memory";
      }
      for (const other of zones) {
        if (other === zone || overlap === 'error') continue;
        for (const theirs of other.regions) {
          if (!mapped(region) || !mapped(theirs) || !overlaps(region.start, region.size, theirs.start, theirs.size)) continue;
          const rootRam = region.type === 'ram' && theirs.type === 'ram' && zone.root !== other.root;
          overlap = rootRam ? (overlap ?? 'warning') : 'error';
          overlapWith = other.name;
          if (overlap === 'error') break;
        }
      }
      return {
        kind: region.type,
        start: region.start,
        size: region.size,
        label: `${region.type} ${formatSize(region.size)}`,
        file: zone.file,
        path: region.path,
        color: zone.color,
        ...(overlap ? { overlap, overlapWith: overlapWith! } : {}),
      };
    });
    lanes.push({ id: zone.file || 'root', label: zone.name, color: zone.color, bands });
  }
  return lanes;
}

export interface AxisSegment {
  readonly start: number;
  readonly end: number;
  /** Left edge and width in percent of the bar. */
  readonly left: number;
  readonly width: number;
  /** Nothing lies here: drawn as a narrow break. */
  readonly gap: boolean;
}

/**
 * A compressed address axis: the span between consecutive band edges gets a width that grows with the
 * logarithm of its size, and empty stretches shrink to a narrow break, so a 4 KiB device window and
 * 2 GiB of RAM are both visible on one bar.
 */
export function addressAxis(lanes: readonly Lane[]): AxisSegment[] {
  const bands = lanes.flatMap((l) => l.bands);
  const edges = [...new Set(bands.flatMap((b) => [b.start, b.start + b.size]))].sort((a, b) => a - b);
  const raw: { start: number; end: number; weight: number; gap: boolean }[] = [];
  for (let i = 0; i + 1 < edges.length; i++) {
    const start = edges[i]!;
    const end = edges[i + 1]!;
    const covering = bands.filter((b) => overlaps(b.start, b.size, start, end - start));
    const gap = covering.length === 0;
    const pages = Math.max(0, Math.log2((end - start) / 0x1000));
    // Zone regions are what the user edits: they get the room; board-only stretches get less.
    const zoned = covering.some((b) => b.file !== undefined);
    const weight = gap ? 0.6 : zoned ? 1 + pages : 0.5 + pages / 3;
    raw.push({ start, end, weight, gap });
  }
  const total = raw.reduce((sum, s) => sum + s.weight, 0) || 1;
  let left = 0;
  return raw.map((s) => {
    const width = (s.weight / total) * 100;
    const segment = { start: s.start, end: s.end, left, width, gap: s.gap };
    left += width;
    return segment;
  });
}

/** Where an address falls on the compressed axis, in percent. */
export function axisPosition(axis: readonly AxisSegment[], address: number): number {
  for (const s of axis) {
    if (address >= s.start && address <= s.end) return s.left + ((address - s.start) / (s.end - s.start || 1)) * s.width;
  }
  return address < (axis[0]?.start ?? 0) ? 0 : 100;
}

export interface IrqOwner {
  readonly file: string;
  readonly name: string;
  readonly color: number;
}

export interface IrqRow {
  readonly irq: number;
  /** In hvisor's HW_IRQS: forwarded from the physical PLIC to one zone. */
  readonly hw: boolean;
  /** Board devices wired to this line. */
  readonly devices: readonly string[];
  /** virtio_cfg.json devices raising it, as "blk (zone 1)". */
  readonly virtio: readonly string[];
  /** IVC regions it is a doorbell of, as "IVC 0 doorbell (zone1-ivc)". */
  readonly ivc: readonly string[];
  readonly owners: readonly IrqOwner[];
  /** conflict: a hardware IRQ owned twice; shared: a virtual IRQ listed by several zones. */
  readonly status: 'ok' | 'conflict' | 'shared' | 'unowned';
}

/** The IRQ ownership table: every IRQ a zone owns, hvisor forwards, or a virtio device raises. */
export function irqRows(board: Board, zones: readonly MapZone[], virtioFiles: readonly EditorFile[], links: readonly IvcLink[] = []): IrqRow[] {
  const ivcOf = new Map<number, string[]>();
  for (const link of links) {
    for (const end of link.ends) if (end.irq !== undefined) ivcOf.set(end.irq, [...(ivcOf.get(end.irq) ?? []), `IVC ${link.ivcId} doorbell (${end.zoneName})`]);
  }
  const devicesOf = new Map<number, string[]>();
  for (const device of board.devices) {
    const lines = device.irq === undefined ? [] : typeof device.irq === 'number' ? [device.irq] : device.irq;
    for (const line of lines) devicesOf.set(line, [...(devicesOf.get(line) ?? []), device.name]);
  }
  const virtioOf = new Map<number, string[]>();
  for (const file of virtioFiles) {
    const list = getAt(file.doc, 'zones');
    const entries = Array.isArray(list) ? list : file.doc !== undefined ? [file.doc] : [];
    for (const entry of entries) {
      if (!isObject(entry)) continue;
      const devices = Array.isArray(entry.devices) ? entry.devices : [];
      for (const device of devices) {
        if (!isObject(device) || device.status === 'disable') continue;
        const irq = numberOf(device.irq);
        if (irq !== undefined) virtioOf.set(irq, [...(virtioOf.get(irq) ?? []), `${String(device.type)} (zone ${String(entry.id ?? entry.zone_id)})`]);
      }
    }
  }
  const irqs = [...new Set([...zones.flatMap((z) => z.interrupts), ...board.hwIrqs, ...virtioOf.keys()])].sort((a, b) => a - b);
  return irqs.map((irq) => {
    const owners = zones.filter((z) => z.interrupts.includes(irq)).map((z) => ({ file: z.file, name: z.name, color: z.color }));
    const hw = board.hwIrqs.includes(irq);
    const status: IrqRow['status'] = owners.length === 0 ? 'unowned' : owners.length === 1 ? 'ok' : hw ? 'conflict' : 'shared';
    return { irq, hw, devices: devicesOf.get(irq) ?? [], virtio: virtioOf.get(irq) ?? [], ivc: ivcOf.get(irq) ?? [], owners, status };
  });
}

/** One end of an IVC region: a zone's ivc_configs entry. */
export interface IvcEnd {
  /** The zone's file ("" for the root zone, whose entries are the layout's root.ivc_configs). */
  readonly file: string;
  readonly zoneName: string;
  readonly zoneId: number | undefined;
  /** JSON path of the entry in the zone's file. */
  readonly path: string;
  readonly peerId: number | undefined;
  readonly irq: number | undefined;
  /** The zone lists its doorbell IRQ in its interrupts (else hvisor's vGIC keeps it from enabling it). */
  readonly ownsIrq: boolean;
  readonly controlTable: number | undefined;
  readonly sharedMem: number | undefined;
  /** rw_sec_size, out_sec_size, max_peers as this end gives them. */
  readonly shape: string;
}

/** An IVC region of the layout (one ivc_id) with its ends; `problem` when hvisor would not link them as written. */
export interface IvcLink {
  readonly ivcId: number;
  readonly ends: readonly IvcEnd[];
  readonly problem: string | undefined;
}

/** The IVC regions the zones name, read leniently (the root's from its ZoneConfig, the others from their files). */
export function ivcLinks(root: ZoneConfig, rootName: string, files: readonly EditorFile[]): IvcLink[] {
  const ends = new Map<number, IvcEnd[]>();
  const add = (ivcId: number | undefined, end: IvcEnd): void => {
    if (ivcId !== undefined) ends.set(ivcId, [...(ends.get(ivcId) ?? []), end]);
  };
  root.ivcConfigs.forEach((c, i) => add(c.ivcId, {
    file: '', zoneName: rootName, zoneId: 0, path: joinPath('ivc_configs', i), peerId: c.peerId, irq: c.interruptNum,
    ownsIrq: root.interrupts.includes(c.interruptNum), controlTable: c.controlTableIpa, sharedMem: c.sharedMemIpa,
    shape: shapeOf(c.rwSecSize, c.outSecSize, c.maxPeers),
  }));
  for (const file of files.filter((f) => f.kind === 'zone')) {
    const list = getAt(file.doc, 'ivc_configs');
    if (!Array.isArray(list)) continue;
    const zone = mapZoneOf(file, 0);
    list.forEach((item, i) => {
      if (!isObject(item)) return;
      const irq = numberOf(item.interrupt_num);
      add(numberOf(item.ivc_id), {
        file: file.path, zoneName: zone.name, zoneId: zone.zoneId, path: joinPath('ivc_configs', i), peerId: numberOf(item.peer_id), irq,
        ownsIrq: irq !== undefined && zone.interrupts.includes(irq), controlTable: numberOf(item.control_table_ipa), sharedMem: numberOf(item.shared_mem_ipa),
        shape: shapeOf(numberOf(item.rw_sec_size), numberOf(item.out_sec_size), numberOf(item.max_peers)),
      });
    });
  }
  return [...ends].sort(([a], [b]) => a - b).map(([ivcId, list]) => {
    const peers = list.map((e) => e.peerId);
    const problem = list.length < 2 ? 'no other end in this layout'
      : new Set(list.map((e) => e.shape)).size > 1 ? 'the ends give different sizes or max_peers: hvisor refuses the later ones ("ivc config conflicts")'
      : new Set(peers).size < peers.length ? 'two ends have the same peer_id: hvisor replaces the first'
      : list.some((e) => !e.ownsIrq) ? "a doorbell IRQ is not in its zone's interrupts: that zone never gets rung"
      : undefined;
    return { ivcId, ends: list, problem };
  });
}

function shapeOf(rw: number | undefined, out: number | undefined, maxPeers: number | undefined): string {
  const h = (n: number | undefined): string => (n === undefined ? '?' : '0x' + n.toString(16));
  return `rw ${h(rw)}, out ${h(out)} x ${maxPeers ?? '?'}`;
}
