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
import { type ZoneConfig, type ZoneFinding, utf8Bytes, zoneLabel } from '../model/zone-config';
import { parseConfigNumber } from './json-number';
import { checkVirtioWindows } from './zone-checks';

type Json = Record<string, unknown>;

export interface VirtioConfigParseResult {
  /** Present only when the file has no errors. */
  readonly config: VirtioConfigFile | undefined;
  readonly findings: readonly ZoneFinding[];
}

const TYPES: readonly VirtioDeviceType[] = ['blk', 'net', 'console', 'gpu', 'scmi'];
const ZONE_KEYS = ['id', 'zone_id', 'memory_region', 'devices'];
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
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
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

  unknownKeys(object: Json, path: string, known: readonly string[]): void {
    for (const key of Object.keys(object)) {
      if (!known.includes(key)) this.warning(`${path}.${key}`, 'unknown key; hvisor-tool ignores it');
    }
  }
}

/** Parses the text of a virtio_cfg.json file. */
export function parseVirtioConfig(text: string, file: string): VirtioConfigParseResult {
  const reader = new Reader(file);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    reader.error('', `not valid JSON: ${(error as Error).message}`);
    return { config: undefined, findings: reader.findings };
  }
  if (!isObject(doc)) {
    reader.error('', 'the file must hold a JSON object');
    return { config: undefined, findings: reader.findings };
  }
  let zoneValues: unknown[];
  let paths: string[];
  if (doc.zones === undefined) {
    // hvisor-tool HEAD reads a file without "zones" as the description of one zone.
    zoneValues = [doc];
    paths = [''];
  } else if (!Array.isArray(doc.zones)) {
    reader.error('zones', 'must be an array');
    return { config: undefined, findings: reader.findings };
  } else {
    reader.unknownKeys(doc, '', ['zones']);
    zoneValues = doc.zones;
    paths = zoneValues.map((_, i) => `zones[${i}]`);
    if (zoneValues.length > VIRTIO_CFG_LIMITS.zones) reader.error('zones', `${zoneValues.length} zones; hvisor-tool allows at most ${VIRTIO_CFG_LIMITS.zones} (MAX_ZONES)`);
  }
  const zones: VirtioCfgZone[] = [];
  zoneValues.forEach((value, i) => {
    const zone = parseZone(reader, value, paths[i]!);
    if (zone) zones.push(zone);
  });
  crossZoneRules(reader, zones);
  return { config: reader.hasErrors ? undefined : { source: file, zones }, findings: reader.findings };
}

function parseZone(reader: Reader, value: unknown, path: string): VirtioCfgZone | undefined {
  const at = (key: string): string => (path ? `${path}.${key}` : key);
  if (!isObject(value)) return reader.error(path, 'a zone entry must be an object');
  if (path) reader.unknownKeys(value, path, ZONE_KEYS);
  const idKey = value.id !== undefined ? 'id' : 'zone_id';
  const zoneId = reader.number(value[idKey], at(idKey), 0xffff_ffff);
  if (zoneId !== undefined && zoneId >= VIRTIO_CFG_LIMITS.zones) {
    reader.error(at(idKey), `zone id ${zoneId} is not below ${VIRTIO_CFG_LIMITS.zones}; hvisor-tool refuses it ("Exceed maximum zone number")`);
  }
  const memoryRegions: VirtioCfgMemoryRegion[] = [];
  const regionList = value.memory_region;
  if (regionList === undefined) {
    reader.warning(at('memory_region'), 'missing: the daemon maps no memory of this zone, so every queue address is refused');
  } else if (!Array.isArray(regionList)) {
    reader.error(at('memory_region'), 'must be an array');
  } else if (regionList.length > VIRTIO_CFG_LIMITS.memoryRegions) {
    reader.error(at('memory_region'), `${regionList.length} entries; hvisor-tool allows at most ${VIRTIO_CFG_LIMITS.memoryRegions} (CONFIG_MAX_MEMORY_REGIONS)`);
  } else {
    regionList.forEach((entry, i) => {
      const region = parseRegion(reader, entry, `${at('memory_region')}[${i}]`);
      if (!region) return;
      for (const other of memoryRegions) {
        const same = other.zone0Ipa === region.zone0Ipa && other.zonexIpa === region.zonexIpa && other.size === region.size;
        if (same) reader.warning(region.path, `repeats ${other.path}; hvisor-tool maps it once`);
        else if (overlaps(region.zone0Ipa, region.size, other.zone0Ipa, other.size) || overlaps(region.zonexIpa, region.size, other.zonexIpa, other.size)) {
          reader.error(region.path, `overlaps ${other.path} (${span(region.zonexIpa, region.size)} / ${span(other.zonexIpa, other.size)}); hvisor-tool refuses it ("memory region conflicts with existing mapping")`);
        }
      }
      memoryRegions.push(region);
    });
  }
  const devices: VirtioCfgDevice[] = [];
  const deviceList = value.devices;
  if (deviceList === undefined) {
    reader.warning(at('devices'), 'missing: this zone gets no devices');
  } else if (!Array.isArray(deviceList)) {
    reader.error(at('devices'), 'must be an array');
  } else if (deviceList.length > VIRTIO_CFG_LIMITS.devices) {
    reader.error(at('devices'), `${deviceList.length} devices; hvisor-tool allows at most ${VIRTIO_CFG_LIMITS.devices} per zone (MAX_DEVS)`);
  } else {
    deviceList.forEach((entry, i) => {
      const device = parseDevice(reader, entry, `${at('devices')}[${i}]`);
      if (device) devices.push(device);
    });
  }
  if (zoneId === undefined) return undefined;
  return { zoneId, memoryRegions, devices, path };
}

function parseRegion(reader: Reader, value: unknown, path: string): VirtioCfgMemoryRegion | undefined {
  if (!isObject(value)) return reader.error(path, 'a memory region must be an object');
  reader.unknownKeys(value, path, REGION_KEYS);
  const zone0Ipa = reader.number(value.zone0_ipa, `${path}.zone0_ipa`);
  const zonexIpa = reader.number(value.zonex_ipa, `${path}.zonex_ipa`);
  const size = reader.number(value.size, `${path}.size`);
  if (size === 0) reader.error(`${path}.size`, 'is 0; hvisor-tool refuses it ("Invalid memory size")');
  if (zone0Ipa === undefined || zonexIpa === undefined || !size) return undefined;
  return { zone0Ipa, zonexIpa, size, path };
}

function parseDevice(reader: Reader, value: unknown, path: string): VirtioCfgDevice | undefined {
  if (!isObject(value)) return reader.error(path, 'a device must be an object');
  const status = value.status;
  if (typeof status !== 'string') return reader.error(`${path}.status`, 'required: "enable" or "disable"');
  if (status !== 'enable' && status !== 'disable') return reader.error(`${path}.status`, `${JSON.stringify(status)} is neither "enable" nor "disable"`);
  const type = value.type;
  const known = typeof type === 'string' && (TYPES as readonly string[]).includes(type) ? (type as VirtioDeviceType) : undefined;
  if (status === 'disable') {
    // hvisor-tool returns before reading anything else of a disabled device.
    return { type: known ?? 'console', enabled: false, addr: 0, len: 0, irq: 0, path };
  }
  if (!known) return reader.error(`${path}.type`, `${JSON.stringify(type)} is not one of ${TYPES.join(', ')}`);
  reader.unknownKeys(value, path, [...COMMON_DEVICE_KEYS, ...DEVICE_KEYS[known]]);
  const addr = reader.number(value.addr, `${path}.addr`);
  const len = reader.number(value.len, `${path}.len`);
  const irq = reader.number(value.irq, `${path}.irq`, 0xffff_ffff);
  for (const [key, parsed] of [['addr', addr], ['len', len], ['irq', irq]] as const) {
    if (parsed === 0) reader.error(`${path}.${key}`, 'is 0; hvisor-tool refuses a device without addr, len and irq ("missing arguments")');
  }
  const device: { -readonly [K in keyof VirtioCfgDevice]: VirtioCfgDevice[K] } = { type: known, enabled: true, addr: addr ?? 0, len: len ?? 0, irq: irq ?? 0, path };
  if (known === 'blk') {
    const img = value.img;
    if (typeof img !== 'string' || img === '') reader.error(`${path}.img`, 'required: the path of the disk image');
    else if (utf8Length(img) >= VIRTIO_CFG_LIMITS.pathBytes) reader.error(`${path}.img`, `path is ${utf8Length(img)} bytes; hvisor-tool allows fewer than ${VIRTIO_CFG_LIMITS.pathBytes} (PATH_MAX)`);
    else device.img = img;
    for (const [key, field] of [['read_only', 'readOnly'], ['discard', 'discard']] as const) {
      if (value[key] === undefined) continue;
      if (typeof value[key] !== 'boolean') reader.error(`${path}.${key}`, 'must be true or false');
      else device[field] = value[key];
    }
  } else if (known === 'net') {
    const tap = value.tap;
    if (typeof tap !== 'string' || tap === '') reader.error(`${path}.tap`, 'required: the TAP interface name');
    else if (utf8Length(tap) >= VIRTIO_CFG_LIMITS.tapBytes) reader.error(`${path}.tap`, `"${tap}" is ${utf8Length(tap)} bytes; an interface name has fewer than ${VIRTIO_CFG_LIMITS.tapBytes} (IFNAMSIZ)`);
    else device.tap = tap;
    const mac = value.mac;
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
    const width = reader.number(value.width, `${path}.width`, 0xffff_ffff);
    const height = reader.number(value.height, `${path}.height`, 0xffff_ffff);
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

/** Rules over the whole file: the device budget and overlapping windows (validate_virtio_config_devices). */
function crossZoneRules(reader: Reader, zones: readonly VirtioCfgZone[]): void {
  const enabled = zones.flatMap((z) => z.devices.filter((d) => d.enabled).map((d) => ({ zone: z, device: d })));
  if (enabled.length > VIRTIO_CFG_LIMITS.devices) {
    reader.error(enabled[VIRTIO_CFG_LIMITS.devices]!.device.path, `${enabled.length} enabled devices; one daemon serves at most ${VIRTIO_CFG_LIMITS.devices} (MAX_DEVS, "virtio device num exceed max limit")`);
  }
  enabled.forEach(({ zone, device }, i) => {
    for (const earlier of enabled.slice(0, i)) {
      if (earlier.zone.zoneId !== zone.zoneId) continue;
      if (overlaps(device.addr, device.len, earlier.device.addr, earlier.device.len)) {
        reader.error(device.path, `window ${span(device.addr, device.len)} overlaps ${earlier.device.path} (${span(earlier.device.addr, earlier.device.len)}) in zone ${zone.zoneId}; hvisor-tool refuses it ("virtio-mmio range conflicts")`);
      } else if (device.irq === earlier.device.irq) {
        reader.warning(`${device.path}.irq`, `IRQ ${device.irq} is also used by ${earlier.device.path}; the driver has to read both devices' InterruptStatus on every interrupt`);
      }
    }
  });
  zones.forEach((zone, i) => {
    const first = zones.findIndex((z) => z.zoneId === zone.zoneId);
    if (first !== i) reader.warning(zone.path, `zone ${zone.zoneId} is also described at ${zones[first]!.path}; hvisor-tool adds both entries' memory and devices to it`);
  });
}

export interface VirtioCheckOptions {
  /** Whether an image path (as written in the file) exists; the caller resolves relative paths. */
  readonly fileExists?: (path: string) => boolean;
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
    const idPath = entry.path ? `${entry.path}.id` : 'id';
    if (!zone) {
      add('error', idPath, `no zone with id ${entry.zoneId} is configured (zones: ${zones.map((z) => z.zoneId).join(', ') || 'none'}); the daemon would serve a zone that never traps to it`);
      continue;
    }
    if (zone.root && !zone.memoryRegions.some((r) => r.type === 'virtio')) {
      add('warning', idPath, `${zoneLabel(zone)} is the root zone and has no virtio region; its board constants would have to add one for these devices to trap`);
    }
    const devices = entry.devices.filter((d) => d.enabled);
    findings.push(...checkVirtioWindows(zone, devices.map((d) => ({ addr: d.addr, len: d.len, irq: d.irq, path: d.path })), file));
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
    add('warning', region.path, `guest range ${span(region.zonexIpa, region.size)} is not inside one ram region of ${zoneLabel(zone)}; the guest cannot put queues there`);
    return;
  }
  const expected = region.zonexIpa - ram.virtualStart + ram.physicalStart;
  if (region.zone0Ipa !== expected) {
    add('error', `${region.path}.zone0_ipa`, `${hex(region.zone0Ipa)} is not where ${zoneLabel(zone)} keeps guest address ${hex(region.zonexIpa)} (root-physical ${hex(expected)}, from its ram region ${span(ram.physicalStart, ram.size)}); the daemon would read other memory than the guest's queues`);
  }
}
