/**
 * Reads a layout.json document into a Layout, reporting every problem with the file and field.
 */
import { type GuestMode, type Layout, type LayoutPciDevice, type LayoutZone, type RootGuest, LAYOUT_LIMITS } from '../model/layout';
import { parseConfigNumber } from './json-number';
import { ZONE_LIMITS, type IvcConfig, type PciDeviceAssignment } from '../model/zone-config';
import { isJsonObject, jsonErrorMessage, readJson } from './json-reader';

export class LayoutError extends Error {
  constructor(readonly findings: readonly string[]) {
    super(findings.join('\n'));
  }
}

const LAYOUT_KEYS = ['name', 'board', 'description', 'ramSize', 'root', 'zones', 'virtio', 'strict', 'workbenchSbiExtensions', 'workbenchPsciExtensions', 'workbenchIvc', 'expect', 'pci', 'deterministic'];
const PCI_KEYS = ['type', 'slot', 'img', 'read_only', 'tap', 'mac'];
const PCI_TYPES: readonly string[] = ['virtio-blk-pci', 'virtio-net-pci', 'bochs-display'];
const ZONE_KEYS = ['config', 'autostart', 'generateDtb', 'bootargs', 'symbols'];
const ROOT_KEYS = ['image', 'mode', 'cpus', 'entry', 'loadAddress', 'dtb', 'bootargs', 'initrd', 'memory_regions', 'interrupts', 'ivc_configs', 'alloc_pci_devs', 'symbols'];
/** hvisor-tool's ivc_configs keys (tools/hvisor.c:862-901), for the root's as for a zone's. */
const IVC_FIELDS = [
  ['ivc_id', 'ivcId'], ['peer_id', 'peerId'], ['control_table_ipa', 'controlTableIpa'], ['shared_mem_ipa', 'sharedMemIpa'],
  ['rw_sec_size', 'rwSecSize'], ['out_sec_size', 'outSecSize'], ['interrupt_num', 'interruptNum'], ['max_peers', 'maxPeers'],
] as const;

/** Unknown keys named one by one per object; the rest are counted. */
const UNKNOWN_KEYS_LISTED = 10;
const hex = (n: number): string => '0x' + n.toString(16);

export function parseLayout(text: string, file: string): Layout {
  const read = readJson(text);
  if (!read.ok) throw new LayoutError([`${file}: ${jsonErrorMessage(read.error)}`]);
  const doc = read.value;
  const findings: string[] = [];
  const at = (path: string, message: string): void => {
    findings.push(`${file}: ${path}: ${message}`);
  };
  if (!isObject(doc)) throw new LayoutError([`${file}: the layout must be a JSON object`]);
  // The workbench's own file: a repeated key is a mistake, whichever value a reader would keep.
  for (const repeated of read.duplicates) at(repeated.path ? `${repeated.path}.${repeated.key}` : repeated.key, `given again on line ${repeated.line}; write each key once`);
  const unknownKeys = (object: Record<string, unknown>, prefix: string, known: readonly string[]): void => {
    const unknown = Object.keys(object).filter((key) => !known.includes(key));
    for (const key of unknown.slice(0, UNKNOWN_KEYS_LISTED)) at(`${prefix}${key}`, 'unknown key');
    if (unknown.length > UNKNOWN_KEYS_LISTED) at(prefix.replace(/\.$/, '') || '(top level)', `${unknown.length - UNKNOWN_KEYS_LISTED} more unknown keys`);
  };
  /** One message for a list longer than its limit, instead of one per entry. */
  const tooLong = (path: string, list: readonly unknown[], limit: number, what: string): boolean => {
    if (list.length <= limit) return false;
    at(path, `${list.length} entries; a layout has at most ${limit} ${what}`);
    return true;
  };
  unknownKeys(doc, '', LAYOUT_KEYS);

  const name = typeof doc.name === 'string' && doc.name ? doc.name : (at('name', 'required string'), '');
  const board = typeof doc.board === 'string' && doc.board ? doc.board : (at('board', 'required string'), '');
  let ramSize: number | undefined;
  if (doc.ramSize !== undefined) {
    ramSize = parseConfigNumber(doc.ramSize);
    if (ramSize === undefined || ramSize === 0 || ramSize % 4096 !== 0) {
      at('ramSize', 'must be a positive multiple of 4096 (number or "0x..." string)');
      ramSize = undefined;
    } else if (ramSize > LAYOUT_LIMITS.ramSize) {
      at('ramSize', `${hex(ramSize)} is more RAM than the workbench can give a machine (at most ${hex(LAYOUT_LIMITS.ramSize)}, 3.75 GiB: the whole machine lives in one 4 GiB WebAssembly memory)`);
      ramSize = undefined;
    }
  }

  let root: RootGuest | undefined;
  if (!isObject(doc.root)) at('root', 'required object');
  else {
    const r = doc.root;
    unknownKeys(r, 'root.', ROOT_KEYS);
    const image = typeof r.image === 'string' && r.image ? r.image : (at('root.image', 'required string'), '');
    const mode = r.mode === undefined ? 'supervisor' : r.mode;
    if (mode !== 'machine' && mode !== 'supervisor') at('root.mode', `must be "machine" or "supervisor", not ${JSON.stringify(r.mode)}`);
    let cpus: number[] | undefined;
    if (r.cpus !== undefined) {
      if (!Array.isArray(r.cpus) || r.cpus.length === 0) at('root.cpus', 'must be a non-empty array of hart ids');
      else if (!tooLong('root.cpus', r.cpus, LAYOUT_LIMITS.cpus, 'harts')) {
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
      else if (!tooLong('root.memory_regions', r.memory_regions, LAYOUT_LIMITS.memoryRegions, 'root memory regions (CONFIG_MAX_MEMORY_REGIONS)')) {
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
      else if (!tooLong('root.interrupts', r.interrupts, LAYOUT_LIMITS.interrupts, 'root IRQs')) {
        r.interrupts.forEach((irq, i) => {
          const n = parseConfigNumber(irq);
          if (n === undefined || n >= 1024) at(`root.interrupts[${i}]`, `not an IRQ below 1024: ${JSON.stringify(irq)}`);
          else interrupts.push(n);
        });
      }
    }
    const ivcConfigs: IvcConfig[] = [];
    if (r.ivc_configs !== undefined) {
      if (!Array.isArray(r.ivc_configs)) at('root.ivc_configs', 'must be an array of hvisor IVC configs');
      else if (!tooLong('root.ivc_configs', r.ivc_configs, ZONE_LIMITS.ivcConfigs, 'IVC configs (CONFIG_MAX_IVC_CONFIGS)')) {
        r.ivc_configs.forEach((entry, i) => {
          const where = `root.ivc_configs[${i}]`;
          if (!isObject(entry)) return at(where, 'must be an object');
          unknownKeys(entry, `${where}.`, IVC_FIELDS.map(([key]) => key));
          const values: Record<string, number> = {};
          for (const [key, name] of IVC_FIELDS) {
            const n = parseConfigNumber(entry[key]);
            if (n === undefined) at(`${where}.${key}`, `not a number: ${JSON.stringify(entry[key])}`);
            values[name] = n ?? 0;
          }
          ivcConfigs.push(values as unknown as IvcConfig);
        });
      }
    }
    let pciDevices: PciDeviceAssignment[] | undefined;
    if (r.alloc_pci_devs !== undefined) {
      pciDevices = [];
      if (!Array.isArray(r.alloc_pci_devs)) at('root.alloc_pci_devs', 'must be an array of hvisor PCI device configs (board.rs ROOT_PCI_DEVS)');
      else if (!tooLong('root.alloc_pci_devs', r.alloc_pci_devs, ZONE_LIMITS.pciDevices, 'PCI devices (CONFIG_MAX_PCI_DEV)')) {
        r.alloc_pci_devs.forEach((entry, i) => {
          const where = `root.alloc_pci_devs[${i}]`;
          if (!isObject(entry)) return at(where, 'must be an object');
          unknownKeys(entry, `${where}.`, ['domain', 'bus', 'device', 'function', 'dev_type']);
          const field = (key: string, max: number): number => {
            const n = parseConfigNumber(entry[key]);
            if (n === undefined || n > max) at(`${where}.${key}`, `not a number from 0 to ${max}: ${JSON.stringify(entry[key])}`);
            return n ?? 0;
          };
          const [domain, bus, device, fn, devType] = [field('domain', 0xff), field('bus', 0xff), field('device', 31), field('function', 7), field('dev_type', 1)];
          pciDevices!.push({ domain, bus, device, function: fn, vBus: bus, vDevice: device, vFunction: fn, devType });
        });
      }
    }
    root = {
      ...(pciDevices ? { pciDevices } : {}),
      ...(memoryRegions.length ? { memoryRegions } : {}),
      ...(ivcConfigs.length ? { ivcConfigs } : {}),
      ...(interrupts.length ? { interrupts } : {}),
      image,
      mode: mode as GuestMode,
      ...(cpus ? { cpus } : {}),
      ...defined('entry', optionalNumber('entry')),
      ...defined('loadAddress', optionalNumber('loadAddress')),
      ...defined('dtb', optionalString('dtb')),
      ...defined('bootargs', optionalString('bootargs')),
      ...defined('initrd', optionalString('initrd')),
      ...defined('symbols', optionalString('symbols')),
    };
  }

  const zones: LayoutZone[] = [];
  if (doc.zones !== undefined) {
    if (!Array.isArray(doc.zones)) at('zones', 'must be an array of zone JSON paths or { "config", "autostart" } objects');
    else if (!tooLong('zones', doc.zones, LAYOUT_LIMITS.zones, 'zones (hvisor-tool zone ids are below 32)')) {
      doc.zones.forEach((entry, i) => {
        if (typeof entry === 'string' && entry) zones.push({ config: entry, autostart: true, generateDtb: false });
        else if (isObject(entry) && typeof entry.config === 'string' && entry.config) {
          unknownKeys(entry, `zones[${i}].`, ZONE_KEYS);
          for (const key of ['autostart', 'generateDtb']) {
            if (entry[key] !== undefined && typeof entry[key] !== 'boolean') at(`zones[${i}].${key}`, 'must be true or false');
          }
          if (entry.bootargs !== undefined && typeof entry.bootargs !== 'string') at(`zones[${i}].bootargs`, 'must be a string');
          if (entry.symbols !== undefined && (typeof entry.symbols !== 'string' || !entry.symbols)) at(`zones[${i}].symbols`, 'must be the path of an ELF or System.map');
          zones.push({
            config: entry.config,
            autostart: entry.autostart !== false,
            generateDtb: entry.generateDtb === true,
            ...(typeof entry.bootargs === 'string' ? { bootargs: entry.bootargs } : {}),
            ...(typeof entry.symbols === 'string' && entry.symbols ? { symbols: entry.symbols } : {}),
          });
        } else at(`zones[${i}]`, 'must be a zone JSON path or an object with a "config" path');
      });
    }
  }
  if (doc.strict !== undefined && typeof doc.strict !== 'boolean') at('strict', 'must be true or false');
  if (doc.workbenchSbiExtensions !== undefined && typeof doc.workbenchSbiExtensions !== 'boolean') at('workbenchSbiExtensions', 'must be true or false');
  if (doc.workbenchPsciExtensions !== undefined && typeof doc.workbenchPsciExtensions !== 'boolean') at('workbenchPsciExtensions', 'must be true or false');
  if (doc.workbenchIvc !== undefined && typeof doc.workbenchIvc !== 'boolean') at('workbenchIvc', 'must be true or false');
  if (doc.deterministic !== undefined && typeof doc.deterministic !== 'boolean') at('deterministic', 'must be true or false');
  if (doc.virtio !== undefined && (typeof doc.virtio !== 'string' || !doc.virtio)) at('virtio', 'must be the path of a virtio_cfg.json');
  if (zones.length > 0 && root && root.mode === 'machine') at('zones', 'zones need the hypervisor: root.mode must be "supervisor"');

  const pci: LayoutPciDevice[] = [];
  if (doc.pci !== undefined) {
    if (!Array.isArray(doc.pci)) at('pci', 'must be an array of PCI functions ({"type": "virtio-blk-pci", "slot": 1, "img": "disk.img"})');
    else if (!tooLong('pci', doc.pci, LAYOUT_LIMITS.pciDevices, 'PCI functions')) {
      const slots = new Set<number>();
      doc.pci.forEach((entry: unknown, i: number) => {
        const where = `pci[${i}]`;
        if (!isObject(entry)) {
          at(where, 'must be an object with "type", "slot" and "img"');
          return;
        }
        unknownKeys(entry, `${where}.`, PCI_KEYS);
        const { type, slot, img } = entry;
        const readOnly = entry['read_only'];
        let ok = true;
        if (typeof type !== 'string' || !PCI_TYPES.includes(type)) {
          at(`${where}.type`, `must be one of ${PCI_TYPES.map((t) => `"${t}"`).join(', ')}`);
          ok = false;
        }
        if (typeof slot !== 'number' || !Number.isInteger(slot) || slot < 1 || slot > 31) {
          at(`${where}.slot`, 'must be a device number 1..31 on bus 0 (0 is the host bridge)');
          ok = false;
        } else if (slots.has(slot)) {
          at(`${where}.slot`, `device ${slot} is already taken by an earlier entry`);
          ok = false;
        } else slots.add(slot);
        if (type === 'virtio-blk-pci' ? typeof img !== 'string' || !img : img !== undefined) {
          at(`${where}.img`, type === 'virtio-blk-pci' ? 'must be the path of a disk image' : 'only a virtio-blk-pci function has a disk image');
          ok = false;
        }
        const { tap, mac } = entry;
        if (tap !== undefined && (type !== 'virtio-net-pci' || typeof tap !== 'string' || !tap)) {
          at(`${where}.tap`, 'must be a switch port name, on a virtio-net-pci function');
          ok = false;
        }
        const macOk = Array.isArray(mac) && mac.length === 6 && mac.every((b) => typeof b === 'number' && Number.isInteger(b) && b >= 0 && b <= 255) && ((mac[0] as number) & 1) === 0;
        if (mac !== undefined && (type !== 'virtio-net-pci' || !macOk)) {
          at(`${where}.mac`, 'must be 6 bytes 0..255 of a unicast address, on a virtio-net-pci function');
          ok = false;
        }
        if (readOnly !== undefined && typeof readOnly !== 'boolean') {
          at(`${where}.read_only`, 'must be true or false');
          ok = false;
        }
        if (ok) {
          pci.push({
            type: type as LayoutPciDevice['type'], slot: slot as number, readOnly: readOnly === true,
            ...(typeof img === 'string' ? { img } : {}),
            ...(typeof tap === 'string' ? { tap } : {}),
            ...(Array.isArray(mac) ? { mac: mac as number[] } : {}),
          });
        }
      });
    }
  }

  let expect: Record<string, string[]> | undefined;
  if (doc.expect !== undefined) {
    if (!isObject(doc.expect)) at('expect', 'must be an object of zone name -> array of lines');
    else if (!tooLong('expect', Object.keys(doc.expect), LAYOUT_LIMITS.expectZones, 'zones in "expect"')) {
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
    workbenchSbiExtensions: doc.workbenchSbiExtensions === true,
    workbenchPsciExtensions: doc.workbenchPsciExtensions === true,
    workbenchIvc: doc.workbenchIvc === true,
    ...(doc.deterministic === true ? { deterministic: true } : {}),
    ...defined('virtio', typeof doc.virtio === 'string' && doc.virtio ? doc.virtio : undefined),
    ...defined('description', typeof doc.description === 'string' ? doc.description : undefined),
    ...defined('ramSize', ramSize),
    ...defined('expect', expect),
    ...(pci.length > 0 ? { pci } : {}),
  };
}

const isObject = isJsonObject;

function defined<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
