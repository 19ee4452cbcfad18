import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ZoneConfig, ZoneFinding } from '../../../src/shared/model/zone-config';
import { checkVirtioConfig, parseVirtioConfig } from '../../../src/shared/validate/virtio-config';
import { parseZoneConfig } from '../../../src/shared/validate/zone-config';

const FIXTURES = join(__dirname, '../../fixtures');
const FILE = 'virtio_cfg.json';
const fixture = (): Record<string, any> => JSON.parse(readFileSync(join(FIXTURES, 'virtio/virtio_cfg.json'), 'utf8'));

function parse(edit?: (doc: Record<string, any>) => void) {
  const doc = fixture();
  edit?.(doc);
  return parseVirtioConfig(JSON.stringify(doc), FILE);
}

function zone1(edit?: (doc: Record<string, any>) => void): ZoneConfig {
  const doc = JSON.parse(readFileSync(join(FIXTURES, 'zones/zone1-linux.json'), 'utf8'));
  edit?.(doc);
  const parsed = parseZoneConfig(JSON.stringify(doc), 'zone1.json');
  if (!parsed.config) throw new Error(JSON.stringify(parsed.findings));
  return parsed.config;
}

const errors = (findings: readonly ZoneFinding[]): { path: string; message: string }[] =>
  findings.filter((f) => f.severity === 'error').map(({ path, message }) => ({ path, message }));
const warnings = (findings: readonly ZoneFinding[]): string[] => findings.filter((f) => f.severity === 'warning').map((f) => f.path);

/** The one error a broken file produces, as `path: message`. */
function onlyError(edit: (doc: Record<string, any>) => void): string {
  const result = parse(edit);
  const found = errors(result.findings);
  expect(found, JSON.stringify(result.findings)).toHaveLength(1);
  expect(result.config).toBeUndefined();
  return `${found[0]!.path}: ${found[0]!.message}`;
}

describe('virtio_cfg.json parsing', () => {
  it('reads the fixture: numbers as strings or JSON numbers, a disabled device kept but not checked', () => {
    const result = parse();
    expect(result.findings).toEqual([]);
    const zone = result.config!.zones[0]!;
    expect(zone).toMatchObject({ zoneId: 1, path: 'zones[0]' });
    expect(zone.memoryRegions).toEqual([{ zone0Ipa: 0x8500_0000, zonexIpa: 0x8500_0000, size: 0x0a00_0000, path: 'zones[0].memory_region[0]' }]);
    expect(zone.devices.map((d) => [d.type, d.enabled, d.addr, d.irq])).toEqual([
      ['blk', true, 0x1000_7000, 7], ['console', true, 0x1000_7200, 34], ['net', false, 0, 0],
    ]);
    expect(zone.devices[0]!.img).toBe('rootfs1.ext4');
  });

  it('reads net devices with a MAC of strings or numbers, octal and decimal strings too', () => {
    const result = parse((d) => {
      d.zones[0].devices[2].status = 'enable';
      d.zones[0].devices[2].mac = [2, '0', '00', '0x00', '010', '1'];
      d.zones[0].devices[2].irq = 34;
    });
    expect(errors(result.findings)).toEqual([]);
    expect(result.config!.zones[0]!.devices[2]).toMatchObject({ type: 'net', tap: 'tap0', mac: [2, 0, 0, 0, 8, 1] });
  });

  it('requires "zones" and names a zone only by "id", as hvisor-tool main and its 0x05-era reader do', () => {
    const result = parseVirtioConfig(JSON.stringify(fixture().zones[0]), FILE);
    expect(result.config).toBeUndefined();
    expect(errors(result.findings)).toEqual([
      { path: 'zones', message: 'required key is missing: hvisor-tool reads the devices only from the "zones" array, so without it the daemon serves nothing' },
    ]);
    const zoneId = parse((d) => {
      d.zones[0].zone_id = d.zones[0].id;
      delete d.zones[0].id;
    });
    expect(errors(zoneId.findings)).toEqual([{ path: 'zones[0].id', message: 'required key is missing' }]);
    expect(zoneId.findings).toContainEqual({ severity: 'warning', file: FILE, path: 'zones[0].zone_id', message: 'hvisor-tool names the zone only by "id" and ignores this key' });
  });

  it('refuses text that is not a JSON object', () => {
    expect(errors(parseVirtioConfig('{ "zones": [', FILE).findings)[0]!.message).toMatch(/not valid JSON/);
    expect(errors(parseVirtioConfig('[]', FILE).findings)[0]!.message).toMatch(/JSON object/);
    expect(onlyError((d) => (d.zones = {}))).toBe('zones: must be an array');
  });

  it('refuses a zone id of 32 or more, a missing id, or more than 32 zones', () => {
    expect(onlyError((d) => (d.zones[0].id = 32))).toMatch(/^zones\[0\]\.id: zone id 32 is not below 32/);
    expect(onlyError((d) => delete d.zones[0].id)).toBe('zones[0].id: required key is missing');
    expect(onlyError((d) => (d.zones[0].id = -1))).toMatch(/^zones\[0\]\.id: -1 is not a number hvisor-tool accepts/);
    const many = parse((d) => (d.zones = Array.from({ length: 33 }, (_, i) => ({ id: i % 32, memory_region: [], devices: [] }))));
    expect(errors(many.findings)[0]).toMatchObject({ path: 'zones', message: expect.stringMatching(/33 zones; hvisor-tool allows at most 32/) });
  });

  it('refuses more than 64 memory regions and malformed numbers; logs size 0 and overlaps as hvisor-tool does not refuse them', () => {
    expect(onlyError((d) => (d.zones[0].memory_region = Array.from({ length: 65 }, (_, i) => ({ zone0_ipa: i * 0x1000, zonex_ipa: i * 0x1000, size: 0x1000 })))))
      .toMatch(/^zones\[0\]\.memory_region: 65 entries; hvisor-tool allows at most 64/);
    expect(onlyError((d) => (d.zones[0].memory_region[0].zone0_ipa = '0x85zz'))).toMatch(/^zones\[0\]\.memory_region\[0\]\.zone0_ipa: "0x85zz" is not a number/);
    expect(onlyError((d) => (d.zones[0].memory_region[0].zonex_ipa = 0x85000000))).toMatch(/above 2\^31-1; cJSON's valueint saturates it/);
    expect(onlyError((d) => delete d.zones[0].memory_region[0].size)).toBe('zones[0].memory_region[0].size: required key is missing');
    const empty = parse((d) => (d.zones[0].memory_region[0].size = '0'));
    expect(errors(empty.findings)).toEqual([]);
    expect(empty.findings).toContainEqual({ severity: 'warning', file: FILE, path: 'zones[0].memory_region[0].size', message: 'is 0; hvisor-tool logs "Invalid memory size" and skips this region' });
    expect(empty.config!.zones[0]!.memoryRegions).toEqual([]);
    const overlap = parse((d) => d.zones[0].memory_region.push({ zone0_ipa: '0x90000000', zonex_ipa: '0x86000000', size: '0x1000' }));
    expect(errors(overlap.findings)).toEqual([]);
    expect(warnings(overlap.findings)).toEqual(['zones[0].memory_region[1]']);
    expect(warnings(parse((d) => delete d.zones[0].memory_region).findings)).toEqual(['zones[0].memory_region']);
  });

  it('refuses a device without a status string or a known type; any status but "disable" enables it', () => {
    expect(onlyError((d) => delete d.zones[0].devices[0].status)).toBe('zones[0].devices[0].status: required string: "disable" skips the device, anything else enables it');
    const on = parse((d) => (d.zones[0].devices[0].status = 'on'));
    expect(errors(on.findings)).toEqual([]);
    expect(on.config!.zones[0]!.devices[0]!.enabled).toBe(true);
    expect(warnings(on.findings)).toEqual(['zones[0].devices[0].status']);
    expect(onlyError((d) => (d.zones[0].devices[0].type = 'fs'))).toMatch(/^zones\[0\]\.devices\[0\]\.type: "fs" is not one of blk, net, console, gpu, scmi/);
  });

  it('refuses a missing or zero addr, len or irq', () => {
    expect(onlyError((d) => (d.zones[0].devices[1].irq = 0))).toMatch(/^zones\[0\]\.devices\[1\]\.irq: is 0; hvisor-tool refuses a device without addr, len and irq/);
    expect(onlyError((d) => (d.zones[0].devices[1].addr = '0'))).toMatch(/devices\[1\]\.addr: is 0/);
    expect(onlyError((d) => delete d.zones[0].devices[1].len)).toBe('zones[0].devices[1].len: required key is missing');
  });

  it('refuses a blk device without an image, and net devices without a tap or a 6-byte MAC', () => {
    expect(onlyError((d) => delete d.zones[0].devices[0].img)).toBe('zones[0].devices[0].img: required: the path of the disk image');
    expect(onlyError((d) => (d.zones[0].devices[0].img = 'x'.repeat(4096)))).toMatch(/path is 4096 bytes; hvisor-tool allows fewer than 4096/);
    expect(onlyError((d) => (d.zones[0].devices[0].read_only = 'yes'))).toBe('zones[0].devices[0].read_only: must be true or false');
    const net = (edit: (dev: Record<string, any>) => void) => (d: Record<string, any>) => {
      const dev = d.zones[0].devices[2];
      dev.status = 'enable';
      dev.irq = 99;
      edit(dev);
    };
    expect(onlyError(net((dev) => delete dev.tap))).toBe('zones[0].devices[2].tap: required: the TAP interface name');
    expect(onlyError(net((dev) => (dev.tap = 'a-very-long-tap-name')))).toMatch(/an interface name has fewer than 16/);
    expect(onlyError(net((dev) => dev.mac.pop()))).toMatch(/^zones\[0\]\.devices\[2\]\.mac: required: an array of exactly 6 bytes/);
    expect(onlyError(net((dev) => (dev.mac[5] = '0x100')))).toMatch(/^zones\[0\]\.devices\[2\]\.mac\[5\]: 0x100 does not fit/);
    expect(warnings(parse(net((dev) => (dev.mac[0] = 1))).findings)).toEqual(['zones[0].devices[2].mac']);
  });

  it('refuses more than 8 devices in a zone and more than 8 enabled devices in the daemon', () => {
    const device = (i: number) => ({ type: 'console', addr: 0x1000_0000 + i * 0x200, len: 0x200, irq: 7, status: 'enable' });
    expect(onlyError((d) => (d.zones[0].devices = Array.from({ length: 9 }, (_, i) => device(i))))).toMatch(/^zones\[0\]\.devices: 9 devices; hvisor-tool allows at most 8 per daemon/);
    const total = parse((d) => {
      d.zones[0].devices = Array.from({ length: 5 }, (_, i) => device(i));
      d.zones.push({ id: 2, memory_region: [], devices: Array.from({ length: 5 }, (_, i) => device(i)) });
    });
    expect(errors(total.findings)).toEqual([{ path: 'zones[1].devices[3]', message: expect.stringMatching(/10 enabled devices; one daemon serves at most 8 \(MAX_DEVS/) }]);
  });

  it('warns about overlapping device windows in one zone (hvisor-tool does not refuse them) and a shared IRQ', () => {
    const overlap = parse((d) => (d.zones[0].devices[1].addr = '0x10007100'));
    expect(errors(overlap.findings)).toEqual([]);
    expect(overlap.findings).toContainEqual({
      severity: 'warning',
      file: FILE,
      path: 'zones[0].devices[1]',
      message: 'window 0x10007100+0x200 overlaps zones[0].devices[0] (0x10007000+0x200) in zone 1; hvisor-tool does not check this, and the guest\'s accesses there reach only zones[0].devices[0]',
    });
    expect(warnings(parse((d) => (d.zones[0].devices[1].irq = 7)).findings)).toEqual(['zones[0].devices[1].irq']);
  });

  it('warns about unknown keys, devices it does not emulate, small windows and a zone described twice', () => {
    const result = parse((d) => {
      d.zones[0].devices[0].bootable = true;
      d.zones[0].devices[1].len = '0x100';
      d.zones[0].devices.push({ type: 'gpu', addr: '0x10007800', len: '0x200', irq: 34, width: 1280, height: 800, status: 'enable' });
      d.zones.push({ id: 1, memory_region: [], devices: [] });
    });
    expect(errors(result.findings)).toEqual([]);
    expect(warnings(result.findings)).toEqual(['zones[0].devices[0].bootable', 'zones[0].devices[1].len', 'zones[0].devices[3].type', 'zones[0].devices[3].irq', 'zones[1]']);
  });
});

describe('virtio_cfg.json against the zones', () => {
  const config = () => parse().config!;

  it('finds nothing wrong with the fixture and zone1-linux.json', () => {
    expect(checkVirtioConfig(config(), [zone1()], { fileExists: () => true })).toEqual([]);
  });

  it('reports a device window outside the zone\'s virtio regions', () => {
    const found = checkVirtioConfig(config(), [zone1((z) => (z.memory_regions[1].size = '0x200'))], { fileExists: () => true });
    expect(found).toEqual([{ severity: 'error', file: FILE, path: 'zones[0].devices[1]', message: expect.stringMatching(/virtio window 0x10007200\+0x200 is not inside any virtio region of zone 1 "linux1" \(zone1.json\)/) }]);
  });

  it("accepts a device IRQ the zone does not list: hvisor's vPLIC delivers any virtual injection (issue 8 item 2)", () => {
    const found = checkVirtioConfig(config(), [zone1((z) => (z.interrupts = [7]))], { fileExists: () => true });
    expect(found).toEqual([]);
  });

  it('reports a missing image through the fileExists callback', () => {
    const asked: string[] = [];
    const found = checkVirtioConfig(config(), [zone1()], { fileExists: (p) => (asked.push(p), false) });
    expect(asked).toEqual(['rootfs1.ext4']);
    expect(errors(found)).toEqual([{ path: 'zones[0].devices[0].img', message: expect.stringMatching(/image "rootfs1.ext4" does not exist/) }]);
  });

  it('reports an unknown zone id', () => {
    const found = checkVirtioConfig(parse((d) => (d.zones[0].id = 3)).config!, [zone1()]);
    expect(errors(found)).toEqual([{ path: 'zones[0].id', message: expect.stringMatching(/no zone with id 3 is configured \(zones: 1\)/) }]);
  });

  it('reports memory the daemon would map at the wrong root-physical address, and memory the guest does not have', () => {
    const shifted = checkVirtioConfig(parse((d) => (d.zones[0].memory_region[0].zone0_ipa = '0x90000000')).config!, [zone1()]);
    expect(errors(shifted)).toEqual([{ path: 'zones[0].memory_region[0].zone0_ipa', message: expect.stringMatching(/0x90000000 is not where zone 1 "linux1" keeps guest address 0x85000000 \(root-physical 0x85000000/) }]);
    const outside = checkVirtioConfig(parse((d) => (d.zones[0].memory_region[0].size = '0x20000000')).config!, [zone1()]);
    expect(errors(outside)).toEqual([{ path: 'zones[0].memory_region[0]', message: expect.stringMatching(/not inside one ram region of zone 1 "linux1"; the daemon would map memory the zone does not own/) }]);
  });

  it('warns when the file serves a root zone that has no virtio region, not when it has one', () => {
    const withRegion = { ...zone1(), zoneId: 0, root: true };
    const config = parse((d) => (d.zones[0].id = 0)).config!;
    expect(warnings(checkVirtioConfig(config, [withRegion], { fileExists: () => true }))).toEqual([]);
    const bare = { ...withRegion, memoryRegions: withRegion.memoryRegions.filter((r) => r.type !== 'virtio') };
    expect(warnings(checkVirtioConfig(config, [bare], { fileExists: () => true }))).toContain('zones[0].id');
  });
});
