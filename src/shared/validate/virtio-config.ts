/**
 * Reads virtio_cfg.json with hvisor-tool's rules (tools/virtio/virtio.c: parse_virtio_zone_config,
 * parse_virtio_device_config, validate_virtio_config_devices, mmap_virtio_zone_memory) and checks it
 * against the zone configurations, which hvisor-tool never does (hvisor issue #177): a device window
 * the zone does not trap, an IRQ the zone does not own, an image that does not exist, memory the
 * daemon would map at the wrong place. Findings have the shape of zone findings so one report holds
 * both.
 */
import {
  type VirtioCfgDevice,
  type VirtioCfgMemoryRegion,
  type VirtioCfgZone,
  type VirtioConfigFile,
  type VirtioDeviceType,
  VIRTIO_CFG_LIMITS,
} from '../model/virtio-config';
import type { Board } from '../model/board';
import { type ZoneConfig, type ZoneFinding, utf8Bytes, zoneLabel } from '../model/zone-config';
import { parseConfigNumber } from './json-number';
import { type JsonObject, asciiLower, isJsonObject, jsonErrorMessage, lookupKey, readJson } from './json-reader';
import { checkVirtioWindows } from './zone-checks';

type Json = JsonObject;

export interface VirtioConfigParseResult {
  /** Present only when the file has no errors. */
  readonly config: VirtioConfigFile | undefined;
  readonly findings: readonly ZoneFinding[];
}

const TYPES: readonly VirtioDeviceType[] = ['blk', 'net', 'console', 'gpu', 'scmi'];
const ZONE_KEYS = ['id', 'memory_region', 'devices'];
const REGION_KEYS = ['zone0_ipa', 'zonex_ipa', 'size'];
const DEVICE_KEYS: Record<VirtioDeviceType, readonly string[]> = {
  blk: ['img', 'read_only', 'discard'],
  net: ['tap', 'mac'],
  console: [],
  gpu: ['width', 'height'],
  scmi: ['clock_ids', 'reset_ids', 'power_ids'],
};
const COMMON_DEVICE_KEYS = ['type', 'addr', 'len', 'irq', 'status'];
const INT_MAX = 0x7fff_ffff;

const hex = (n: number): string => '0x' + n.toString(16);
const span = (base: number, size: number): string => `${hex(base)}+${hex(size)}`;
const isObject = isJsonObject;
const UNKNOWN_KEYS_LISTED = 10;
const overlaps = (a: number, aSize: number, b: number, bSize: number): boolean => aSize > 0 && bSize > 0 && a < b + bSize && b < a + aSize;
const contains = (outer: number, outerSize: number, inner: number, innerSize: number): boolean =>
  inner >= outer && inner + innerSize <= outer + outerSize;
const utf8Length = (text: string): number => utf8Bytes(text).length;

class Reader {
  readonly findings: ZoneFinding[] = [];
  constructor(readonly file: string) {}

  error(path: string, message: string): undefined {
    this.findings.push({ severity: 'error', file: this.file, path, message });
    return undefined;
  }

  warning(path: string, message: string): void {
    this.findings.push({ severity: 'warning', file: this.file, path, message });
  }

  get hasErrors(): boolean {
    return this.findings.some((f) => f.severity === 'error');
  }

  /** parse_json_u64/u32/u8: a JSON number or a 0x/octal/decimal string, within the field's width. */
  number(value: unknown, path: string, max = Number.MAX_SAFE_INTEGER): number | undefined {
    if (value === undefined) return this.error(path, 'required key is missing');
    const parsed = parseConfigNumber(value);
    if (parsed === undefined) {
      return this.error(path, `${JSON.stringify(value)} is not a number hvisor-tool accepts (a non-negative JSON number, or a string in 0x hex, leading-0 octal or decimal)`);
    }
    if (typeof value === 'number' && value > INT_MAX) {
      return this.error(path, `JSON number ${value} is above 2^31-1; cJSON's valueint saturates it, write it as a string, "${hex(value)}"`);
    }
    if (parsed > max) return this.error(path, `${hex(parsed)} does not fit (at most ${hex(max)})`);
    return parsed;
  }

  /** cJSON_GetObjectItem, as hvisor-tool reads every key here: the first match regardless of ASCII case. */
  get(object: Json, key: string, path: string): unknown {
    const match = lookupKey(object, key);
    if (match === undefined) return undefined;
    if (match.key !== key) this.warning(at(path, match.key), `hvisor-tool matches keys regardless of case and reads this as "${key}"; write "${key}"`);
    for (const other of match.shadowed) {
      this.warning(at(path, other), `hvisor-tool reads "${match.key}", which comes first (keys match regardless of case), and ignores this one`);
    }
    return match.value;
  }

  unknownKeys(object: Json, path: string, known: readonly string[]): void {
    const unknown = Object.keys(object).filter((key) => !known.includes(asciiLower(key)));
    for (const key of unknown.slice(0, UNKNOWN_KEYS_LISTED)) {
      const hint = asciiLower(key) === 'zone_id' ? 'hvisor-tool names the zone only by "id" and ignores this key' : 'unknown key; hvisor-tool ignores it';
      this.warning(at(path, key), hint);
    }
    if (unknown.length > UNKNOWN_KEYS_LISTED) this.warning(path, `${unknown.length - UNKNOWN_KEYS_LISTED} more unknown keys; hvisor-tool ignores them`);
  }
}

function at(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/** Parses the text of a virtio_cfg.json file (tools/virtio/virtio.c virtio_start_from_json). */
export function parseVirtioConfig(text: string, file: string): VirtioConfigParseResult {
  const reader = new Reader(file);
  const read = readJson(text);
  if (!read.ok) {
    reader.error('', jsonErrorMessage(read.error));
    return { config: undefined, findings: reader.findings };
  }
  const doc = read.value;
  if (!isObject(doc)) {
    reader.error('', 'the file must hold a JSON object');
    return { config: undefined, findings: reader.findings };
  }
  for (const repeated of read.duplicates) {
    reader.warning(at(repeated.path, repeated.key), `given again on line ${repeated.line}; hvisor-tool reads the first value and ignores the later one`);
  }
  if (read.duplicateCount > read.duplicates.length) {
    reader.warning('', `${read.duplicateCount - read.duplicates.length} more repeated keys; hvisor-tool reads the first of each`);
  }
  reader.unknownKeys(doc, '', ['zones']);
  const zoneList = reader.get(doc, 'zones', '');
  if (zoneList === undefined) {
    reader.error('zones', 'required key is missing: hvisor-tool reads the devices only from the "zones" array, so without it the daemon serves nothing');
    return { config: undefined, findings: reader.findings };
  }
  if (!Array.isArray(zoneList)) {
    reader.error('zones', 'must be an array');
    return { config: undefined, findings: reader.findings };
  }
  if (zoneList.length > VIRTIO_CFG_LIMITS.zones) {
    reader.error('zones', `${zoneList.length} zones; hvisor-tool allows at most ${VIRTIO_CFG_LIMITS.zones} (MAX_ZONES, "Exceed maximum zone number")`);
    return { config: undefined, findings: reader.findings };
  }
  const zones: VirtioCfgZone[] = [];
  zoneList.forEach((value, i) => {
    const zone = parseZone(reader, value, `zones[${i}]`);
    if (zone) zones.push(zone);
  });
  crossZoneRules(reader, zones);
  return { config: reader.hasErrors ? undefined : { source: file, zones }, findings: reader.findings };
}

function parseZone(reader: Reader, value: unknown, path: string): VirtioCfgZone | undefined {
  if (!isObject(value)) return reader.error(path, 'a zone entry must be an object');
  reader.unknownKeys(value, path, ZONE_KEYS);
  // Only "id" names the zone (parse_json_u32 of it; a missing id fails "failed to parse zone id").
  const zoneId = reader.number(reader.get(value, 'id', path), at(path, 'id'), 0xffff_ffff);
  if (zoneId !== undefined && zoneId >= VIRTIO_CFG_LIMITS.zones) {
    reader.error(at(path, 'id'), `zone id ${zoneId} is not below ${VIRTIO_CFG_LIMITS.zones}; hvisor-tool refuses it ("Exceed maximum zone number")`);
  }
  const memoryRegions: VirtioCfgMemoryRegion[] = [];
  const regionList = reader.get(value, 'memory_region', path);
  if (regionList === undefined) {
    reader.warning(at(path, 'memory_region'), 'missing: the daemon maps no memory of this zone, so every queue address is refused');
  } else if (!Array.isArray(regionList)) {
    reader.error(at(path, 'memory_region'), 'must be an array');
  } else if (regionList.length > VIRTIO_CFG_LIMITS.memoryRegions) {
    reader.error(at(path, 'memory_region'), `${regionList.length} entries; hvisor-tool allows at most ${VIRTIO_CFG_LIMITS.memoryRegions} (CONFIG_MAX_MEMORY_REGIONS)`);
  } else {
    regionList.forEach((entry, i) => {
      const region = parseRegion(reader, entry, `${at(path, 'memory_region')}[${i}]`);
      if (!region) return;
      for (const other of memoryRegions) {
        const same = other.zone0Ipa === region.zone0Ipa && other.zonexIpa === region.zonexIpa && other.size === region.size;
        if (same) reader.warning(region.path, `repeats ${other.path}; the daemon maps the same memory twice`);
        else if (overlaps(region.zone0Ipa, region.size, other.zone0Ipa, other.size) || overlaps(region.zonexIpa, region.size, other.zonexIpa, other.size)) {
          // hvisor-tool maps each region as it comes and checks no overlap: a guest address is translated through the first region that holds it.
          reader.warning(region.path, `overlaps ${other.path} (${span(region.zonexIpa, region.size)} / ${span(other.zonexIpa, other.size)}); the daemon translates a guest address through the first region that holds it`);
        }
      }
      memoryRegions.push(region);
    });
  }
  const devices: VirtioCfgDevice[] = [];
  const deviceList = reader.get(value, 'devices', path);
  if (deviceList === undefined) {
    reader.warning(at(path, 'devices'), 'missing: this zone gets no devices');
  } else if (!Array.isArray(deviceList)) {
    reader.error(at(path, 'devices'), 'must be an array');
  } else if (deviceList.length > VIRTIO_CFG_LIMITS.devices) {
    reader.error(at(path, 'devices'), `${deviceList.length} devices; hvisor-tool allows at most ${VIRTIO_CFG_LIMITS.devices} per daemon (MAX_DEVS)`);
  } else {
    deviceList.forEach((entry, i) => {
      const device = parseDevice(reader, entry, `${at(path, 'devices')}[${i}]`);
      if (device) devices.push(device);
    });
  }
  if (zoneId === undefined) return undefined;
  return { zoneId, memoryRegions, devices, path };
}

function parseRegion(reader: Reader, value: unknown, path: string): VirtioCfgMemoryRegion | undefined {
  if (!isObject(value)) return reader.error(path, 'a memory region must be an object');
  reader.unknownKeys(value, path, REGION_KEYS);
  const zone0Ipa = reader.number(reader.get(value, 'zone0_ipa', path), `${path}.zone0_ipa`);
  const zonexIpa = reader.number(reader.get(value, 'zonex_ipa', path), `${path}.zonex_ipa`);
  const size = reader.number(reader.get(value, 'size', path), `${path}.size`);
  // virtio_start_from_json logs "Invalid memory size" and goes on with the next region.
  if (size === 0) reader.warning(`${path}.size`, 'is 0; hvisor-tool logs "Invalid memory size" and skips this region');
  if (zone0Ipa === undefined || zonexIpa === undefined || !size) return undefined;
  return { zone0Ipa, zonexIpa, size, path };
}

function parseDevice(reader: Reader, value: unknown, path: string): VirtioCfgDevice | undefined {
  if (!isObject(value)) return reader.error(path, 'a device must be an object');
  const get = (key: string): unknown => reader.get(value, key, path);
  const status = get('status');
  // create_virtio_device_from_json takes ->valuestring unchecked: a missing or non-string status crashes the tool.
  if (typeof status !== 'string') return reader.error(`${path}.status`, 'required string: "disable" skips the device, anything else enables it');
  const type = get('type');
  const known = typeof type === 'string' && (TYPES as readonly string[]).includes(type) ? (type as VirtioDeviceType) : undefined;
  if (status === 'disable') {
    // hvisor-tool returns before reading anything else of a disabled device.
    return { type: known ?? 'console', enabled: false, addr: 0, len: 0, irq: 0, path };
  }
  if (status !== 'enable') reader.warning(`${path}.status`, `${JSON.stringify(status)}: hvisor-tool enables every device whose status is not "disable"`);
  if (!known) return reader.error(`${path}.type`, `${JSON.stringify(type)} is not one of ${TYPES.join(', ')}`);
  reader.unknownKeys(value, path, [...COMMON_DEVICE_KEYS, ...DEVICE_KEYS[known]]);
  const addr = reader.number(get('addr'), `${path}.addr`);
  const len = reader.number(get('len'), `${path}.len`);
  const irq = reader.number(get('irq'), `${path}.irq`, 0xffff_ffff);
  for (const [key, parsed] of [['addr', addr], ['len', len], ['irq', irq]] as const) {
    if (parsed === 0) reader.error(`${path}.${key}`, 'is 0; hvisor-tool refuses a device without addr, len and irq ("missing arguments")');
  }
  const device: { -readonly [K in keyof VirtioCfgDevice]: VirtioCfgDevice[K] } = { type: known, enabled: true, addr: addr ?? 0, len: len ?? 0, irq: irq ?? 0, path };
  if (known === 'blk') {
    const img = get('img');
    if (typeof img !== 'string' || img === '') reader.error(`${path}.img`, 'required: the path of the disk image');
    else if (utf8Length(img) >= VIRTIO_CFG_LIMITS.pathBytes) reader.error(`${path}.img`, `path is ${utf8Length(img)} bytes; hvisor-tool allows fewer than ${VIRTIO_CFG_LIMITS.pathBytes} (PATH_MAX)`);
    else device.img = img;
    for (const [key, field] of [['read_only', 'readOnly'], ['discard', 'discard']] as const) {
      const flag = get(key);
      if (flag === undefined) continue;
      if (typeof flag !== 'boolean') reader.error(`${path}.${key}`, 'must be true or false');
      else device[field] = flag;
    }
  } else if (known === 'net') {
    const tap = get('tap');
    if (typeof tap !== 'string' || tap === '') reader.error(`${path}.tap`, 'required: the TAP interface name');
    else if (utf8Length(tap) >= VIRTIO_CFG_LIMITS.tapBytes) reader.error(`${path}.tap`, `"${tap}" is ${utf8Length(tap)} bytes; an interface name has fewer than ${VIRTIO_CFG_LIMITS.tapBytes} (IFNAMSIZ)`);
    else device.tap = tap;
    const mac = get('mac');
    if (!Array.isArray(mac) || mac.length !== 6) {
      reader.error(`${path}.mac`, 'required: an array of exactly 6 bytes ("mac address should have 6 bytes")');
    } else {
      const bytes = mac.map((b, i) => reader.number(b, `${path}.mac[${i}]`, 0xff));
      if (bytes.every((b) => b !== undefined)) {
        device.mac = bytes as number[];
        if ((bytes[0]! & 1) === 1) reader.warning(`${path}.mac`, 'is a multicast address (lowest bit of the first byte set); Linux refuses it and picks a random MAC');
      }
    }
  } else if (known === 'gpu') {
    const width = reader.number(get('width'), `${path}.width`, 0xffff_ffff);
    const height = reader.number(get('height'), `${path}.height`, 0xffff_ffff);
    if (width !== undefined) device.width = width;
    if (height !== undefined) device.height = height;
  }
  if (known === 'gpu' || known === 'scmi') {
    reader.warning(`${path}.type`, `the workbench does not emulate virtio-${known}; the daemon leaves this window unanswered (reads 0)`);
  }
  if (len !== undefined && len > 0 && len < 0x200) {
    reader.warning(`${path}.len`, `${hex(len)} is smaller than the 0x200 a virtio-mmio device occupies (registers up to 0xff, configuration from 0x100)`);
  }
  return device;
}

/**
 * Rules over the whole file: the device budget (create_virtio_device: "virtio device num exceed max
 * limit"). hvisor-tool checks no overlap between windows; the workbench warns, since a guest access
 * reaches only the first device whose window holds it.
 */
function crossZoneRules(reader: Reader, zones: readonly VirtioCfgZone[]): void {
  const enabled = zones.flatMap((z) => z.devices.filter((d) => d.enabled).map((d) => ({ zone: z, device: d })));
  if (enabled.length > VIRTIO_CFG_LIMITS.devices) {
    reader.error(enabled[VIRTIO_CFG_LIMITS.devices]!.device.path, `${enabled.length} enabled devices; one daemon serves at most ${VIRTIO_CFG_LIMITS.devices} (MAX_DEVS, "virtio device num exceed max limit")`);
    return;
  }
  enabled.forEach(({ zone, device }, i) => {
    for (const earlier of enabled.slice(0, i)) {
      if (earlier.zone.zoneId !== zone.zoneId) continue;
      if (overlaps(device.addr, device.len, earlier.device.addr, earlier.device.len)) {
        reader.warning(device.path, `window ${span(device.addr, device.len)} overlaps ${earlier.device.path} (${span(earlier.device.addr, earlier.device.len)}) in zone ${zone.zoneId}; hvisor-tool does not check this, and the guest's accesses there reach only ${earlier.device.path}`);
      } else if (device.irq === earlier.device.irq) {
        reader.warning(`${device.path}.irq`, `IRQ ${device.irq} is also used by ${earlier.device.path}; the driver has to read both devices' InterruptStatus on every interrupt`);
      }
    }
  });
  const firstPath = new Map<number, string>();
  for (const zone of zones) {
    const first = firstPath.get(zone.zoneId);
    if (first === undefined) firstPath.set(zone.zoneId, zone.path);
    else reader.warning(zone.path, `zone ${zone.zoneId} is also described at ${first}; hvisor-tool adds both entries' memory and devices to it`);
  }
}

export interface VirtioCheckOptions {
  /** Whether an image path (as written in the file) exists; the caller resolves relative paths. */
  readonly fileExists?: (path: string) => boolean;
  /** The board: its architecture says which device IRQs reach the guest (checkVirtioWindows). */
  readonly board?: Board;
}

/**
 * Checks a parsed virtio_cfg.json against the zones it serves (give every zone the layout starts,
 * the root included).
 */
export function checkVirtioConfig(config: VirtioConfigFile, zones: readonly ZoneConfig[], options: VirtioCheckOptions = {}): ZoneFinding[] {
  const findings: ZoneFinding[] = [];
  const file = config.source;
  const add = (severity: ZoneFinding['severity'], path: string, message: string): void => void findings.push({ severity, file, path, message });
  for (const entry of config.zones) {
    const zone = zones.find((z) => z.zoneId === entry.zoneId);
    const idPath = `${entry.path}.id`;
    if (!zone) {
      add('error', idPath, `no zone with id ${entry.zoneId} is configured (zones: ${zones.map((z) => z.zoneId).join(', ') || 'none'}); the daemon would serve a zone that never traps to it`);
      continue;
    }
    if (zone.root && !zone.memoryRegions.some((r) => r.type === 'virtio')) {
      add('warning', idPath, `${zoneLabel(zone)} is the root zone and has no virtio region; its board constants would have to add one for these devices to trap`);
    }
    const devices = entry.devices.filter((d) => d.enabled);
    findings.push(...checkVirtioWindows(zone, devices.map((d) => ({ addr: d.addr, len: d.len, irq: d.irq, path: d.path })), file, options.board));
    for (const device of devices) {
      if (device.type === 'blk' && device.img !== undefined && options.fileExists && !options.fileExists(device.img)) {
        add('error', `${device.path}.img`, `image ${JSON.stringify(device.img)} does not exist; hvisor-tool fails to open it and the daemon does not start`);
      }
    }
    for (const region of entry.memoryRegions) checkRegionAgainstZone(region, zone, add);
  }
  return findings;
}

/** The daemon must map exactly the memory the guest uses: zone0_ipa is where the zone's zonex_ipa lives in root-physical space. */
function checkRegionAgainstZone(region: VirtioCfgMemoryRegion, zone: ZoneConfig, add: (severity: ZoneFinding['severity'], path: string, message: string) => void): void {
  const ram = zone.memoryRegions.find((r) => r.type === 'ram' && contains(r.virtualStart, r.size, region.zonexIpa, region.size));
  if (!ram) {
    // An error (issue 8): the daemon maps and writes this whole range for the zone's requests, so a range
    // beyond the zone's RAM lets the zone's virtio buffers reach another zone's memory.
    add('error', region.path, `guest range ${span(region.zonexIpa, region.size)} is not inside one ram region of ${zoneLabel(zone)}; the daemon would map memory the zone does not own and let its virtio requests read and write it`);
    return;
  }
  const expected = region.zonexIpa - ram.virtualStart + ram.physicalStart;
  if (region.zone0Ipa !== expected) {
    add('error', `${region.path}.zone0_ipa`, `${hex(region.zone0Ipa)} is not where ${zoneLabel(zone)} keeps guest address ${hex(region.zonexIpa)} (root-physical ${hex(expected)}, from its ram region ${span(ram.physicalStart, ram.size)}); the daemon would read other memory than the guest's queues`);
  }
}
