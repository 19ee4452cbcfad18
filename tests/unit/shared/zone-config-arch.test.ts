/**
 * Zone JSON per architecture: every config hvisor ships for its aarch64 and loongarch64 boards reads
 * for its arch (tests/fixtures/hvisor-arch-configs), a file for another architecture is refused naming
 * the file, the field and the architecture, and aarch64's arch_config follows hvisor-tool's
 * parse_arch_config (gic_version, the variant's windows, the ITS pair, is_aarch32, the 0x06 UEFI keys).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getBoard } from '../../../src/boards/index';
import { activeFields } from '../../../src/shared/model/arch/arch-config-schema';
import { ARCH_ZONE_MODELS } from '../../../src/shared/model/arch/registry';
import type { BoardArch } from '../../../src/shared/model/board';
import { rootZoneConfig, type ZoneFinding } from '../../../src/shared/model/zone-config';
import { parseVirtioConfig } from '../../../src/shared/validate/virtio-config';
import { checkZone } from '../../../src/shared/validate/zone-checks';
import { parseZoneConfig } from '../../../src/shared/validate/zone-config';

const ROOT = join(__dirname, '../../fixtures/hvisor-arch-configs');
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');
const isVirtio = (name: string): boolean => /(^|-)virtio\.json$/.test(name);

/** Every shipped file as arch/board/name. */
const shipped = (['aarch64', 'loongarch64'] as const).flatMap((arch) =>
  readdirSync(join(ROOT, arch)).flatMap((board) => readdirSync(join(ROOT, arch, board)).map((name) => ({ arch, path: `${arch}/${board}/${name}`, name }))),
);
const zoneFiles = shipped.filter((f) => !isVirtio(f.name));
const errors = (findings: readonly ZoneFinding[]): ZoneFinding[] => findings.filter((f) => f.severity === 'error');

const gicv3Zone = (): Record<string, any> => JSON.parse(read('aarch64/qemu-gicv3/zone1-linux.json'));
/** hvisor's qemu-gicv2 zone1 with the pci_config hvisor-tool has required since PR #87, so only arch_config findings remain. */
const gicv2Zone = (): Record<string, any> => ({ ...JSON.parse(read('aarch64/qemu-gicv2/zone1-linux.json')), pci_config: [] });
function parseAarch64(doc: Record<string, any>, edit: (arch: Record<string, any>) => void = () => undefined): ReturnType<typeof parseZoneConfig> {
  edit(doc.arch_config);
  return parseZoneConfig(JSON.stringify(doc), 'z.json', 'aarch64');
}
const error = (path: string, message: string | RegExp): unknown => ({ severity: 'error', file: 'z.json', path, message: typeof message === 'string' ? message : expect.stringMatching(message) });
const warning = (path: string, message: string | RegExp): unknown => ({ severity: 'warning', file: 'z.json', path, message: typeof message === 'string' ? message : expect.stringMatching(message) });

describe("hvisor's shipped aarch64 and loongarch64 configs", () => {
  it('has the 15 zone configs and 8 virtio configs of hvisor 6a3fb78', () => {
    expect([zoneFiles.length, shipped.length - zoneFiles.length]).toEqual([15, 8]);
  });

  it.each(zoneFiles.filter((f) => f.path !== 'aarch64/imx8mp/zone1-linux.json'))('$path reads for $arch without errors', ({ arch, path }) => {
    const result = parseZoneConfig(read(path), path, arch);
    expect(errors(result.findings)).toEqual([]);
    expect(result.config?.archConfig.arch).toBe(arch);
    expect(result.generation).toBe(0x05);
  });

  it('refuses imx8mp/zone1-linux.json as hvisor-tool does: it has no gic_version', () => {
    const path = 'aarch64/imx8mp/zone1-linux.json';
    const result = parseZoneConfig(read(path), path, 'aarch64');
    expect(result.config).toBeUndefined();
    expect(errors(result.findings)).toEqual([
      { severity: 'error', file: path, path: 'arch_config.gic_version', message: expect.stringMatching(/^required key is missing; hvisor-tool refuses the file/) },
    ]);
  });

  it.each(shipped.filter((f) => isVirtio(f.name)))('$path reads as a virtio config', ({ path }) => {
    expect(errors(parseVirtioConfig(read(path), path).findings)).toEqual([]);
  });

  it('reads the GICv2 and GICv3 windows hvisor-tool would put in the struct', () => {
    expect(parseZoneConfig(read('aarch64/qemu-gicv2/zone1-linux.json'), 'v2.json', 'aarch64').config?.archConfig).toEqual({
      arch: 'aarch64', isAarch32: false,
      gic: {
        version: 'v2', gicdBase: 0x800_0000, gicdSize: 0x1_0000, giccBase: 0x801_0000, giccSize: 0x1_0000, giccOffset: 0,
        gichBase: 0x803_0000, gichSize: 0x1_0000, gicvBase: 0x804_0000, gicvSize: 0x1_0000,
      },
    });
    expect(parseZoneConfig(read('aarch64/qemu-gicv3/zone1-linux.json'), 'v3.json', 'aarch64').config?.archConfig).toEqual({
      arch: 'aarch64', isAarch32: false,
      gic: { version: 'v3', gicdBase: 0x800_0000, gicdSize: 0x1_0000, gicrBase: 0x80a_0000, gicrSize: 0xf6_0000, gitsBase: 0x808_0000, gitsSize: 0x2_0000 },
    });
  });

  it('keeps the loongarch64 entry point above 2^53 exactly and reads no arch_config field', () => {
    const config = parseZoneConfig(read('loongarch64/ls3a5000/zone3-linux.json'), 'z3.json', 'loongarch64').config;
    expect(config?.entryPoint).toBe(0x9000_0001_00df_f000);
    expect(BigInt(config!.entryPoint)).toBe(0x9000000100dff000n);
    expect(config?.archConfig).toEqual({ arch: 'loongarch64' });
  });
});

describe('a configuration for another architecture is refused, naming it', () => {
  const riscvFile = readFileSync(join(__dirname, '../../fixtures/zones/zone1-linux.json'), 'utf8');
  const cases: [string, string, BoardArch, RegExp][] = [
    ['aarch64 on riscv64', read('aarch64/qemu-gicv3/zone1-linux.json'), 'riscv64', /^this zone configuration is for aarch64 \(arch_config has gic_version, gicd_base, gicd_size\); the board is riscv64, whose arch_config has plic_base/],
    ['riscv64 on aarch64', riscvFile, 'aarch64', /^this zone configuration is for riscv64 \(arch_config has plic_base, plic_size, aplic_base\); the board is aarch64, whose arch_config has gic_version, gicd_base and gicd_size, plus the keys of the gic_version it names$/],
    ['loongarch64 on aarch64', read('loongarch64/ls3a6000/zone1-linux.json'), 'aarch64', /^this zone configuration is for loongarch64 \(arch_config has dummy\); the board is aarch64/],
    ['riscv64 on loongarch64', riscvFile, 'loongarch64', /^this zone configuration is for riscv64 \(arch_config has plic_base, plic_size, aplic_base\); the board is loongarch64, whose hvisor-tool does not read arch_config$/],
    ['aarch64 on loongarch64', read('aarch64/qemu-gicv2/zone1-linux.json'), 'loongarch64', /^this zone configuration is for aarch64 \(arch_config has gic_version, gicd_base, gicd_size\)/],
  ];
  it.each(cases)('%s', (_, text, arch, message) => {
    const result = parseZoneConfig(text, 'other.json', arch);
    expect(result.config).toBeUndefined();
    expect(errors(result.findings)).toEqual([{ severity: 'error', file: 'other.json', path: 'arch_config', message: expect.stringMatching(message) }]);
  });
});

describe('aarch64 arch_config as hvisor-tool reads it', () => {
  it('refuses a missing, non-string or unknown gic_version', () => {
    expect(errors(parseAarch64(gicv3Zone(), (a) => delete a.gic_version).findings)).toEqual([error('arch_config.gic_version', /^required key is missing/)]);
    expect(parseAarch64(gicv3Zone(), (a) => (a.gic_version = 3)).findings).toEqual([error('arch_config.gic_version', 'must be the string "v2" or "v3", not 3: hvisor-tool compares its valuestring, which only a JSON string has')]);
    expect(parseAarch64(gicv3Zone(), (a) => (a.gic_version = 'V3')).findings).toEqual([
      error('arch_config.gic_version', '"V3" is neither "v2" nor "v3"; hvisor-tool refuses it ("Invalid GIC version", the comparison is case-sensitive)'),
    ]);
  });

  it("requires the version's windows, and only those", () => {
    expect(parseAarch64(gicv2Zone(), (a) => delete a.gicc_offset).findings).toEqual([
      error('arch_config.gicc_offset', 'required key is missing; hvisor-tool refuses a gic_version "v2" zone without it (\'\'gicc_offset\' is missing in json file")'.replace("(''", '("\'')),
    ]);
    // A GICv2 zone needs no gicr_*; GICv3 keys in it are ignored by the tool, said once.
    const mixed = parseAarch64(gicv2Zone(), (a) => Object.assign(a, { gicr_base: '0x80a0000', gicr_size: '0xf60000' }));
    expect(mixed.config?.archConfig).toMatchObject({ gic: { version: 'v2' } });
    expect(mixed.findings).toEqual([warning('arch_config', 'gicr_base and gicr_size belong to gic_version "v3"; hvisor-tool ignores them for a GICv2 zone')]);
  });

  it('reads the ITS only as a pair, as hvisor-tool does', () => {
    const half = parseAarch64(gicv3Zone(), (a) => delete a.gits_size);
    expect(half.findings).toEqual([warning('arch_config.gits_base', /^hvisor-tool reads gits_base and gits_size only together .* the zone gets no ITS$/)]);
    expect(half.config?.archConfig).toMatchObject({ gic: { gitsBase: 0, gitsSize: 0 } });
    expect(parseAarch64(gicv3Zone(), (a) => (delete a.gits_base, delete a.gits_size)).findings).toEqual([]);
  });

  it('takes is_aarch32 through valueint into a u8', () => {
    const isAarch32 = (value: unknown): ReturnType<typeof parseAarch64> => parseAarch64(gicv3Zone(), (a) => (a.is_aarch32 = value));
    expect(isAarch32(true).config?.archConfig).toMatchObject({ isAarch32: true });
    expect(isAarch32(1).findings).toEqual([]);
    expect(isAarch32(256).config?.archConfig).toMatchObject({ isAarch32: false });
    expect(isAarch32(256).findings).toEqual([warning('arch_config.is_aarch32', /^256 is stored in a u8 .*\(0\), so the zone starts as AArch64/)]);
    expect(isAarch32('true').findings).toEqual([warning('arch_config.is_aarch32', /^"true" is not true or false; .* AArch64$/)]);
    expect(isAarch32('true').config?.archConfig).toMatchObject({ isAarch32: false });
  });

  it("marks the 0x06 tool's UEFI keys and requires the three together", () => {
    const uefi = parseAarch64(gicv3Zone(), (a) => Object.assign(a, { memory_map_addr: '0x50000000', memory_map_size: '0x1000', sys_map_addr: '0x50001000' }));
    expect(uefi.generation).toBe(0x06);
    expect(uefi.structSize).toBe(3296);
    expect(uefi.generationReason).toBe('hvisor-tool 0x06 (345aa94 on): arch_config has memory_map_addr (UEFI boot)');
    expect(uefi.config).toBeDefined();
    expect(uefi.findings).toEqual([warning('arch_config.memory_map_addr', /^UEFI boot .* the zone boots the legacy way$/)]);
    const partial = parseAarch64(gicv3Zone(), (a) => Object.assign(a, { memory_map_addr: '0x50000000', memory_map_size: '0x1000' }));
    expect(errors(partial.findings)).toEqual([error('arch_config.sys_map_addr', /^required key is missing: hvisor-tool 0x06 reads/)]);
  });

  it('measures a virtual BDF against the aarch64 struct sizes', () => {
    const doc = gicv3Zone();
    Object.assign(doc.alloc_pci_devs[1], { v_bus: '0x0', v_device: '0x2', v_function: '0x0' });
    Object.assign(doc.alloc_pci_devs[0], { v_bus: '0x0', v_device: '0x0', v_function: '0x0' });
    const result = parseZoneConfig(JSON.stringify(doc), 'z.json', 'aarch64');
    expect(result.structSize).toBe(3264);
    expect(errors(result.findings)).toEqual([error('alloc_pci_devs[1]', /build a 3264-byte HvZoneConfig, which hvisor v0\.4 refuses \(EINVAL, it takes 3136 bytes\)/)]);
  });
});

describe('loongarch64 arch_config', () => {
  const zone = (): Record<string, any> => JSON.parse(read('loongarch64/ls3a5000/zone1-linux.json'));
  it('is optional, and other keys than dummy are said to do nothing', () => {
    const none = zone();
    delete none.arch_config;
    expect(parseZoneConfig(JSON.stringify(none), 'z.json', 'loongarch64').findings).toEqual([]);
    const extra = zone();
    extra.arch_config.eiointc_base = '0x1fe01400';
    expect(parseZoneConfig(JSON.stringify(extra), 'z.json', 'loongarch64').findings).toEqual([
      warning('arch_config', 'eiointc_base has no effect: hvisor-tool for loongarch64 does not read arch_config (tools/hvisor.c skips parse_arch_config)'),
    ]);
  });
});

describe('aarch64 arch_config against the board (hvisor v0.4 panics)', () => {
  const gicv3 = getBoard('qemu-gicv3');
  const gicv2 = getBoard('qemu-gicv2');
  const archFindings = (doc: Record<string, any>, board: typeof gicv3): ZoneFinding[] => {
    const parsed = parseZoneConfig(JSON.stringify(doc), 'z.json', 'aarch64');
    if (!parsed.config) throw new Error(JSON.stringify(parsed.findings));
    return checkZone(parsed.config, board).filter((f) => f.path.startsWith('arch_config'));
  };

  it("accepts hvisor's own zone1 configs on their boards, and the boards' root zones", () => {
    expect(archFindings(gicv3Zone(), gicv3)).toEqual([]);
    expect(archFindings(gicv2Zone(), gicv2)).toEqual([]);
    expect(checkZone(rootZoneConfig(gicv3), gicv3).filter((f) => f.path.startsWith('arch_config'))).toEqual([]);
    expect(checkZone(rootZoneConfig(gicv2), gicv2).filter((f) => f.path.startsWith('arch_config'))).toEqual([]);
  });

  it("refuses an ITS window on a board without an ITS, and warns about a moved one", () => {
    const moved = gicv3Zone();
    moved.arch_config.gits_base = '0x9080000';
    moved.arch_config.gits_size = '0x20000';
    expect(archFindings(moved, gicv3)).toEqual([warning('arch_config.gits_base', /^0x9080000 is not qemu-gicv3's ITS \(0x8080000\); hvisor traps the zone's ITS window there/)]);
    const imx = getBoard('imx8mp');
    const onImx = gicv3Zone();
    onImx.arch_config.gicd_base = '0x38800000';
    onImx.arch_config.gits_base = '0x8080000';
    onImx.arch_config.gits_size = '0x20000';
    expect(archFindings(onImx, imx).filter((f) => f.path === 'arch_config.gits_size')).toEqual([
      error('arch_config.gits_size', "0x20000 but imx8mp has no ITS; hvisor's vgicv3_its_handler would forward the zone's accesses to host_gits_base() = 0 (gicv3/vgic.rs:344)"),
    ]);
  });

  it("refuses a GIC version that is not the board's", () => {
    expect(archFindings(gicv2Zone(), gicv3)).toEqual([
      error('arch_config.gic_version', '"v2" but qemu-gicv3 has a GICv3; hvisor is built for the board\'s GIC and panics when it sets up this zone\'s (vgicv3_mmio_init)'),
    ]);
  });

  it('refuses the null windows and unequal GICC/GICV sizes hvisor panics on, and warns about a moved distributor', () => {
    const v3 = gicv3Zone();
    v3.arch_config.gicr_base = '0x0';
    expect(archFindings(v3, gicv3)).toEqual([error('arch_config.gicr_base', /^is 0; hvisor panics/)]);
    const v2 = gicv2Zone();
    v2.arch_config.gicv_size = '0x2000';
    v2.arch_config.gicd_base = '0x9000000';
    expect(archFindings(v2, gicv2)).toEqual([
      error('arch_config.gicv_size', '0x2000 differs from gicc_size 0x10000; hvisor panics ("vgicv2_remap_init: gicv_size not equal to gicc_size")'),
      warning('arch_config.gicd_base', /^0x9000000 is not qemu-gicv2's distributor \(0x8000000\)/),
    ]);
  });
});

describe('the schema the editor draws is the one the reader enforces', () => {
  const base: Record<string, () => Record<string, any>> = {
    'riscv64': () => JSON.parse(readFileSync(join(__dirname, '../../fixtures/zones/zone1-linux.json'), 'utf8')),
    'aarch64 v3': gicv3Zone,
    'aarch64 v2': gicv2Zone,
  };
  const archOf = (name: string): BoardArch => name.split(' ')[0] as BoardArch;
  const required = (name: string): string[] => {
    const doc = base[name]!();
    return activeFields(ARCH_ZONE_MODELS[archOf(name)].schema, (k) => doc.arch_config[k]).filter((f) => f.required).map((f) => f.key);
  };

  it.each(Object.keys(base))('%s: removing any required schema field is an error at that field', (name) => {
    expect(required(name).length).toBeGreaterThan(1);
    for (const key of required(name)) {
      const doc = base[name]!();
      delete doc.arch_config[key];
      const found = errors(parseZoneConfig(JSON.stringify(doc), 'z.json', archOf(name)).findings).map((f) => f.path);
      expect(found, key).toEqual([`arch_config.${key}`]);
    }
  });

  it.each(Object.keys(base))('%s: every active schema field is a key the reader knows', (name) => {
    const doc = base[name]!();
    for (const f of activeFields(ARCH_ZONE_MODELS[archOf(name)].schema, (k) => doc.arch_config[k])) {
      doc.arch_config[f.key] ??= f.kind === 'bool' ? false : f.kind === 'enum' ? f.options![0] : '0x1000';
    }
    expect(parseZoneConfig(JSON.stringify(doc), 'z.json', archOf(name)).findings.filter((f) => f.path.startsWith('arch_config'))).toEqual([]);
  });
});
