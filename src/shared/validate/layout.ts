/**
 * Reads a layout.json document into a Layout, reporting every problem with the file and field.
 */
import type { GuestMode, Layout, LayoutZone, RootGuest } from '../model/layout';
import { parseConfigNumber } from './json-number';

export class LayoutError extends Error {
  constructor(readonly findings: readonly string[]) {
    super(findings.join('\n'));
  }
}

const LAYOUT_KEYS = ['name', 'board', 'description', 'ramSize', 'root', 'zones', 'virtio', 'strict', 'expect'];
const ZONE_KEYS = ['config', 'autostart', 'generateDtb', 'bootargs'];
const ROOT_KEYS = ['image', 'mode', 'cpus', 'entry', 'loadAddress', 'dtb', 'bootargs', 'initrd', 'memory_regions', 'interrupts'];

export function parseLayout(text: string, file: string): Layout {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new LayoutError([`${file}: not valid JSON: ${(error as Error).message}`]);
  }
  const findings: string[] = [];
  const at = (path: string, message: string): void => {
    findings.push(`${file}: ${path}: ${message}`);
  };
  if (!isObject(doc)) throw new LayoutError([`${file}: the layout must be a JSON object`]);
  for (const key of Object.keys(doc)) if (!LAYOUT_KEYS.includes(key)) at(key, 'unknown key');

  const name = typeof doc.name === 'string' && doc.name ? doc.name : (at('name', 'required string'), '');
  const board = typeof doc.board === 'string' && doc.board ? doc.board : (at('board', 'required string'), '');
  let ramSize: number | undefined;
  if (doc.ramSize !== undefined) {
    ramSize = parseConfigNumber(doc.ramSize);
    if (ramSize === undefined || ramSize === 0 || ramSize % 4096 !== 0) {
      at('ramSize', 'must be a positive multiple of 4096 (number or "0x..." string)');
    }
  }

  let root: RootGuest | undefined;
  if (!isObject(doc.root)) at('root', 'required object');
  else {
    const r = doc.root;
    for (const key of Object.keys(r)) if (!ROOT_KEYS.includes(key)) at(`root.${key}`, 'unknown key');
    const image = typeof r.image === 'string' && r.image ? r.image : (at('root.image', 'required string'), '');
    const mode = r.mode === undefined ? 'supervisor' : r.mode;
    if (mode !== 'machine' && mode !== 'supervisor') at('root.mode', `must be "machine" or "supervisor", not ${JSON.stringify(r.mode)}`);
    let cpus: number[] | undefined;
    if (r.cpus !== undefined) {
      if (!Array.isArray(r.cpus) || r.cpus.length === 0) at('root.cpus', 'must be a non-empty array of hart ids');
      else {
        cpus = [];
        r.cpus.forEach((c, i) => {
          const n = parseConfigNumber(c);
          if (n === undefined) at(`root.cpus[${i}]`, `not a hart id: ${JSON.stringify(c)}`);
          else if (cpus!.includes(n)) at(`root.cpus[${i}]`, `hart ${n} listed twice`);
          else cpus!.push(n);
        });
      }
    }
    const optionalNumber = (key: string): number | undefined => {
      if (r[key] === undefined) return undefined;
      const n = parseConfigNumber(r[key]);
      if (n === undefined) at(`root.${key}`, `not a number: ${JSON.stringify(r[key])}`);
      return n;
    };
    const optionalString = (key: string): string | undefined => {
      if (r[key] === undefined) return undefined;
      if (typeof r[key] !== 'string') at(`root.${key}`, 'must be a string');
      return r[key] as string;
    };
    const memoryRegions: NonNullable<RootGuest['memoryRegions']>[number][] = [];
    if (r.memory_regions !== undefined) {
      if (!Array.isArray(r.memory_regions)) at('root.memory_regions', 'must be an array of hvisor memory regions');
      else {
        r.memory_regions.forEach((region, i) => {
          const where = `root.memory_regions[${i}]`;
          if (!isObject(region)) return at(where, 'must be an object');
          const type = region.type;
          if (type !== 'ram' && type !== 'io' && type !== 'virtio') at(`${where}.type`, 'must be "ram", "io" or "virtio"');
          const field = (key: string): number => {
            const n = parseConfigNumber(region[key]);
            if (n === undefined) at(`${where}.${key}`, `not a number: ${JSON.stringify(region[key])}`);
            return n ?? 0;
          };
          memoryRegions.push({ type: type as 'ram' | 'io' | 'virtio', physicalStart: field('physical_start'), virtualStart: field('virtual_start'), size: field('size') });
        });
      }
    }
    const interrupts: number[] = [];
    if (r.interrupts !== undefined) {
      if (!Array.isArray(r.interrupts)) at('root.interrupts', 'must be an array of IRQ numbers');
      else {
        r.interrupts.forEach((irq, i) => {
          const n = parseConfigNumber(irq);
          if (n === undefined || n >= 1024) at(`root.interrupts[${i}]`, `not an IRQ below 1024: ${JSON.stringify(irq)}`);
          else interrupts.push(n);
        });
      }
    }
    root = {
      ...(memoryRegions.length ? { memoryRegions } : {}),
      ...(interrupts.length ? { interrupts } : {}),
      image,
      mode: mode as GuestMode,
      ...(cpus ? { cpus } : {}),
      ...defined('entry', optionalNumber('entry')),
      ...defined('loadAddress', optionalNumber('loadAddress')),
      ...defined('dtb', optionalString('dtb')),
      ...defined('bootargs', optionalString('bootargs')),
      ...defined('initrd', optionalString('initrd')),
    };
  }

  const zones: LayoutZone[] = [];
  if (doc.zones !== undefined) {
    if (!Array.isArray(doc.zones)) at('zones', 'must be an array of zone JSON paths or { "config", "autostart" } objects');
    else {
      doc.zones.forEach((entry, i) => {
        if (typeof entry === 'string' && entry) zones.push({ config: entry, autostart: true, generateDtb: false });
        else if (isObject(entry) && typeof entry.config === 'string' && entry.config) {
          for (const key of Object.keys(entry)) if (!ZONE_KEYS.includes(key)) at(`zones[${i}].${key}`, 'unknown key');
          for (const key of ['autostart', 'generateDtb']) {
            if (entry[key] !== undefined && typeof entry[key] !== 'boolean') at(`zones[${i}].${key}`, 'must be true or false');
          }
          if (entry.bootargs !== undefined && typeof entry.bootargs !== 'string') at(`zones[${i}].bootargs`, 'must be a string');
          zones.push({
            config: entry.config,
            autostart: entry.autostart !== false,
            generateDtb: entry.generateDtb === true,
            ...(typeof entry.bootargs === 'string' ? { bootargs: entry.bootargs } : {}),
          });
        } else at(`zones[${i}]`, 'must be a zone JSON path or an object with a "config" path');
      });
    }
  }
  if (doc.strict !== undefined && typeof doc.strict !== 'boolean') at('strict', 'must be true or false');
  if (doc.virtio !== undefined && (typeof doc.virtio !== 'string' || !doc.virtio)) at('virtio', 'must be the path of a virtio_cfg.json');
  if (zones.length > 0 && root && root.mode === 'machine') at('zones', 'zones need the hypervisor: root.mode must be "supervisor"');

  let expect: Record<string, string[]> | undefined;
  if (doc.expect !== undefined) {
    if (!isObject(doc.expect)) at('expect', 'must be an object of zone name -> array of lines');
    else {
      expect = {};
      for (const [zone, lines] of Object.entries(doc.expect)) {
        if (!Array.isArray(lines) || !lines.every((l) => typeof l === 'string')) at(`expect.${zone}`, 'must be an array of strings');
        else expect[zone] = lines as string[];
      }
    }
  }

  if (findings.length > 0 || !root) throw new LayoutError(findings);
  return {
    name,
    board,
    root,
    zones,
    strict: doc.strict === true,
    ...defined('virtio', typeof doc.virtio === 'string' && doc.virtio ? doc.virtio : undefined),
    ...defined('description', typeof doc.description === 'string' ? doc.description : undefined),
    ...defined('ramSize', ramSize),
    ...defined('expect', expect),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function defined<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
