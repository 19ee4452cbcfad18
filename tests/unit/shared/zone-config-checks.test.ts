import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { qemuPlic } from '../../../src/boards/riscv64/qemu-plic';
import { type ZoneConfig, type ZoneFinding, rootZoneConfig } from '../../../src/shared/model/zone-config';
import { checkVirtioWindows, checkZone, checkZones, formatZoneReport, validateZoneFiles } from '../../../src/shared/validate/zone-checks';
import { parseZoneConfig } from '../../../src/shared/validate/zone-config';

const FIXTURES = join(__dirname, '../../fixtures/zones');
/** hvisor's qemu-plic root zone assumes QEMU -m 2G (its RAM region ends at 0x1_0000_0000). */
const board = { ...qemuPlic, ram: { base: 0x8000_0000, size: 0x8000_0000 } };
const fixtureDoc = (name: string): Record<string, any> => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'));

function zoneFrom(name: string, file: string, edit?: (doc: Record<string, any>) => void, extra?: Partial<ZoneConfig>): ZoneConfig {
  const doc = fixtureDoc(name);
  edit?.(doc);
  const parsed = parseZoneConfig(JSON.stringify(doc), file);
  if (!parsed.config) throw new Error(JSON.stringify(parsed.findings));
  return { ...parsed.config, ...extra };
}

const zone1 = (edit?: (doc: Record<string, any>) => void, extra?: Partial<ZoneConfig>): ZoneConfig => zoneFrom('zone1-linux.json', 'zone1.json', edit, extra);
const zoneR = (edit?: (doc: Record<string, any>) => void): ZoneConfig => zoneFrom('zoneR-baremetal.json', 'zoneR.json', edit);

const error = (path: string, message: string, file = 'zone1.json'): ZoneFinding => ({ severity: 'error', file, path, message });
const warning = (path: string, message: string, file = 'zone1.json'): ZoneFinding => ({ severity: 'warning', file, path, message });

describe('root zone from board data', () => {
  it('describes qemu-plic\'s root zone like a zone file', () => {
    const root = rootZoneConfig(qemuPlic);
    expect(root).toMatchObject({
      source: 'board:qemu-plic',
      root: true,
      zoneId: 0,
      name: 'root-linux',
      cpus: [0, 1],
      interrupts: [10, 33],
      kernelFilepath: null,
      kernelLoadPaddr: 0x9000_0000,
      dtbLoadPaddr: 0x8f00_0000,
      entryPoint: 0x9000_0000,
      archConfig: { plicBase: 0xc00_0000, plicSize: 0x60_0000, aplicBase: 0, aplicSize: 0 },
    });
    expect(root.memoryRegions).toEqual(qemuPlic.rootZone.memoryRegions);
    expect(root.pciConfig).toEqual([expect.objectContaining({ ecamBase: 0x3000_0000, ecamSize: 0x1000_0000, busRangeBegin: 0, busRangeEnd: 0xff })]);
    expect(checkZone(root, board)).toEqual([]);
  });

  it('notices that the default 1 GiB board is smaller than the root zone\'s RAM', () => {
    const small = { ...qemuPlic, ram: { base: 0x8000_0000, size: 0x4000_0000 } };
    expect(checkZone(rootZoneConfig(small), small)).toEqual([
      warning('memory_regions[0]', "ram region 0x83000000+0x7d000000 extends past qemu-plic's RAM 0x80000000+0x40000000; guest accesses beyond its end fault", 'board:qemu-plic'),
    ]);
  });
});

describe('valid layouts', () => {
  const root = rootZoneConfig(qemuPlic);
  const inRootRam = (file: string, path: string, region: string) =>
    warning(
      path,
      `ram region ${region} lies inside the root zone's ram region 0x83000000+0x7d000000 of zone 0 "root-linux" (board:qemu-plic: memory_regions[0]), as hvisor's shipped layouts do on purpose; the root's device tree must reserve ${region} (reserved-memory)`,
      file,
    );

  it('accepts zone1 next to the root, warning only that the root\'s RAM contains it', () => {
    const zone = zone1();
    expect(checkZone(zone, board)).toEqual([]);
    const findings = checkZones([root, zone], board);
    expect(findings).toEqual([
      {
        ...inRootRam('zone1.json', 'memory_regions[0]', '0x85000000+0xa000000'),
        zones: [
          { file: 'zone1.json', zoneId: 1, name: 'linux1', path: 'memory_regions[0]' },
          { file: 'board:qemu-plic', zoneId: 0, name: 'root-linux', path: 'memory_regions[0]' },
        ],
      },
    ]);
  });

  it('accepts zoneR next to the root', () => {
    expect(checkZone(zoneR(), board)).toEqual([]);
    expect(checkZones([root, zoneR()], board).map((f) => f.severity)).toEqual(['warning']);
  });

  it('validates files end to end and prints a report', () => {
    const files = ['zone1-linux.json', 'zoneR-baremetal.json'].map((name) => ({ file: name, text: readFileSync(join(FIXTURES, name), 'utf8') }));
    const result = validateZoneFiles(files, board);
    expect(result.zones.map((z) => z.zoneId)).toEqual([1, 2]);
    expect(formatZoneReport(result.findings)).toBe(
      [
        'zone1-linux.json',
        '  warning: memory_regions[0]: ram region 0x85000000+0xa000000 lies inside the root zone\'s ram region 0x83000000+0x7d000000 of zone 0 "root-linux" (board:qemu-plic: memory_regions[0]), as hvisor\'s shipped layouts do on purpose; the root\'s device tree must reserve 0x85000000+0xa000000 (reserved-memory)',
        'zoneR-baremetal.json',
        '  warning: memory_regions[0]: ram region 0x84000000+0x1000000 lies inside the root zone\'s ram region 0x83000000+0x7d000000 of zone 0 "root-linux" (board:qemu-plic: memory_regions[0]), as hvisor\'s shipped layouts do on purpose; the root\'s device tree must reserve 0x84000000+0x1000000 (reserved-memory)',
        '  error: cpus: hart 3 also belongs to zone 1 "linux1" (zone1-linux.json: cpus); hvisor refuses the second zone (EBUSY "cpu 3 already belongs to zone 1")',
        '1 error, 2 warnings',
      ].join('\n'),
    );
    expect(formatZoneReport([])).toBe('no problems found');
  });
});

/** One broken zone1 per rule that needs only the board, with the exact finding it must produce. */
const singleZoneCases: { rule: string; zone: () => ZoneConfig; expected: ZoneFinding }[] = [
  {
    rule: 'region size not 4 KiB aligned',
    zone: () => zone1((d) => (d.memory_regions[0].size = '0x0a000800')),
    expected: error('memory_regions[0].size', '0xa000800 is not 4 KiB aligned; hvisor asserts page alignment when it maps a ram region (MemorySet::insert) and panics'),
  },
  {
    rule: 'region start not 4 KiB aligned',
    zone: () => zone1((d) => d.memory_regions.push({ type: 'io', physical_start: '0x10000010', virtual_start: '0x10000000', size: '0x1000' })),
    expected: error('memory_regions[2].physical_start', '0x10000010 is not 4 KiB aligned; hvisor asserts page alignment when it maps a io region (MemorySet::insert) and panics'),
  },
  {
    rule: 'regions overlapping in one zone',
    zone: () => zone1((d) => d.memory_regions.push({ type: 'ram', physical_start: '0x95000000', virtual_start: '0x86000000', size: '0x1000' })),
    expected: error('memory_regions[2]', 'overlaps memory_regions[0] in guest-physical space (0x86000000+0x1000 and 0x85000000+0xa000000); MemorySet::insert refuses it and zone_create panics'),
  },
  {
    rule: 'virtio window over a mapped region',
    zone: () => zone1((d) => d.memory_regions.push({ type: 'virtio', physical_start: '0x85001000', virtual_start: '0x85001000', size: '0x200' })),
    expected: warning('memory_regions[2]', 'a virtio window and a mapped region overlap (memory_regions[0], 0x85001000+0x200 and 0x85000000+0xa000000); accesses there hit the mapping and never trap'),
  },
  {
    rule: 'virtio virtual_start differs',
    zone: () => zone1((d) => (d.memory_regions[1].virtual_start = '0x20007000')),
    expected: warning('memory_regions[1].virtual_start', 'hvisor ignores virtual_start for a virtio region and traps the guest-physical window at physical_start (0x10007000)'),
  },
  {
    rule: 'memory over the hypervisor',
    zone: () => zone1((d) => d.memory_regions.push({ type: 'ram', physical_start: '0x82000000', virtual_start: '0x82000000', size: '0x2000000' })),
    expected: error('memory_regions[2]', "ram region 0x82000000+0x2000000 overlaps hvisor's own memory 0x80200000+0x2e00000; the zone could overwrite the hypervisor"),
  },
  {
    rule: 'RAM outside the board RAM',
    zone: () => zone1((d) => d.memory_regions.push({ type: 'ram', physical_start: '0x180000000', virtual_start: '0x180000000', size: '0x1000' })),
    expected: error('memory_regions[2]', "ram region 0x180000000+0x1000 is not inside qemu-plic's RAM 0x80000000+0x80000000"),
  },
  {
    rule: 'RAM reaching past the board RAM',
    zone: () => zone1((d) => d.memory_regions.push({ type: 'ram', physical_start: '0xfff00000', virtual_start: '0xfff00000', size: '0x200000' })),
    expected: warning('memory_regions[2]', "ram region 0xfff00000+0x200000 extends past qemu-plic's RAM 0x80000000+0x80000000; guest accesses beyond its end fault"),
  },
  {
    rule: 'io region with no device',
    zone: () => zone1((d) => d.memory_regions.push({ type: 'io', physical_start: '0x20000000', virtual_start: '0x20000000', size: '0x1000' })),
    expected: warning('memory_regions[2]', 'io region 0x20000000+0x1000 covers no device of qemu-plic'),
  },
  {
    rule: 'CPU not on the board',
    zone: () => zone1((d) => (d.cpus = [2, 5])),
    expected: error('cpus', 'hart 5 does not exist on qemu-plic (harts 0..3)'),
  },
  {
    rule: 'IRQ above the PLIC sources',
    zone: () => zone1((d) => (d.interrupts = [7, 96])),
    expected: error('interrupts', "IRQ 96 is outside the PLIC's sources 1..95 on qemu-plic"),
  },
  {
    rule: 'IRQ 0',
    zone: () => zone1((d) => (d.interrupts = [0, 7])),
    expected: error('interrupts', 'IRQ 0 is not an interrupt source (PLIC source 0 is reserved)'),
  },
  {
    rule: 'device IRQ that hvisor does not forward',
    zone: () => zone1((d) => (d.interrupts = [7, 11])),
    expected: warning('interrupts', "IRQ 11 is the line of qemu-plic's rtc, but it is not in hvisor's HW_IRQS (10, 33, 34), so hvisor never forwards it from the physical PLIC"),
  },
  {
    rule: 'kernel outside the zone RAM',
    zone: () => zone1((d) => (d.kernel_load_paddr = '0x95000000')),
    expected: error('kernel_load_paddr', "0x95000000 is not inside any of the zone's ram regions (root-physical ranges); the kernel would land in memory the zone cannot see"),
  },
  {
    rule: 'kernel too large for its region',
    zone: () => zone1(undefined, { kernelSize: 0x900_1000 }),
    expected: error('kernel_load_paddr', 'the kernel (0x9001000 bytes at 0x86000000) runs past the end of its ram region 0x85000000+0xa000000'),
  },
  {
    rule: 'DTB outside the zone RAM',
    zone: () => zone1((d) => (d.dtb_load_paddr = '0x84000000')),
    expected: error('dtb_load_paddr', "0x84000000 is not inside any of the zone's ram regions (root-physical ranges); the DTB would land in memory the zone cannot see"),
  },
  {
    rule: 'DTB over the kernel',
    zone: () => zone1((d) => (d.dtb_load_paddr = '0x86100000'), { kernelSize: 0x20_0000, dtbSize: 0x1000 }),
    expected: error('dtb_load_paddr', 'the DTB (0x86100000+0x1000) overlaps the kernel (0x86000000+0x200000); loading one overwrites the other'),
  },
  {
    rule: 'entry point outside RAM',
    zone: () => zone1((d) => (d.entry_point = '0x80000000')),
    expected: error('entry_point', "0x80000000 is not inside any ram region's guest-physical range; the first instruction fetch would fault"),
  },
  {
    rule: 'entry point outside the kernel',
    zone: () => zone1((d) => (d.entry_point = '0x88000000'), { kernelSize: 0x100_0000 }),
    expected: warning('entry_point', '0x88000000 is outside the loaded kernel (guest-physical 0x86000000+0x1000000)'),
  },
  {
    rule: 'vPLIC somewhere else than the PLIC',
    zone: () => zone1((d) => (d.arch_config.plic_base = '0xd000000')),
    expected: warning('arch_config.plic_base', "0xd000000 is not the board's PLIC (0xc000000); hvisor traps the zone's vPLIC there, so the guest's device tree must use the same address"),
  },
  {
    rule: 'vPLIC window over a mapping',
    zone: () => zone1((d) => d.memory_regions.push({ type: 'io', physical_start: '0xc000000', virtual_start: '0xc000000', size: '0x1000' })),
    expected: warning('arch_config.plic_base', 'the vPLIC window 0xc000000+0x4000000 overlaps memory_regions[2]; accesses there hit the mapping and never reach the vPLIC'),
  },
  {
    rule: 'IVC on riscv64',
    zone: () => zone1((d) => (d.ivc_configs = [{ ivc_id: 0, peer_id: 1, control_table_ipa: '0xd0000000', shared_mem_ipa: '0xd0001000', rw_sec_size: 0, out_sec_size: '0x1000', interrupt_num: 66, max_peers: 2 }])),
    expected: warning('ivc_configs', 'IVC is aarch64-only in hvisor v0.4; riscv64 ignores these entries'),
  },
  {
    rule: 'empty PCI bus range',
    zone: () => zone1((d) => (d.pci_config[0].bus_range_begin = '0x20')),
    expected: error('pci_config[0].bus_range_end', 'bus range 32..31 is empty (begin is above end)'),
  },
  {
    rule: 'PCI device in a domain without pci_config',
    zone: () => zone1((d) => (d.alloc_pci_devs[1].domain = 1)),
    expected: warning('alloc_pci_devs[1].domain', "no pci_config entry has domain 1; hvisor attaches devices through the zone's pci_config of their domain"),
  },
];

describe('checks of one zone against the board', () => {
  it.each(singleZoneCases)('$rule', ({ zone, expected }) => {
    expect(checkZone(zone(), board)).toContainEqual(expected);
  });
});

describe('checks across zones', () => {
  const root = rootZoneConfig(qemuPlic);
  const ref = (file: string, zoneId: number, name: string, path: string) => ({ file, zoneId, name, path });
  const R = (path: string) => ref('board:qemu-plic', 0, 'root-linux', path);
  const Z1 = (path: string) => ref('zone1.json', 1, 'linux1', path);
  /** zone1 on hart 2 only, so zoneR (hart 3) can run beside it. */
  const zone1Alone = (edit?: (doc: Record<string, any>) => void) => zone1((d) => ((d.cpus = [2]), edit?.(d)));

  it('a CPU in two zones', () => {
    expect(checkZones([root, zone1(), zoneR()], board)).toContainEqual({
      ...error('cpus', 'hart 3 also belongs to zone 1 "linux1" (zone1.json: cpus); hvisor refuses the second zone (EBUSY "cpu 3 already belongs to zone 1")', 'zoneR.json'),
      zones: [ref('zoneR.json', 2, 'zoneR-rt', 'cpus'), Z1('cpus')],
    });
    expect(checkZones([root, zone1((d) => (d.cpus = [1, 2]))], board)).toContainEqual(
      expect.objectContaining({ path: 'cpus', message: expect.stringMatching(/^hart 1 also belongs to zone 0 "root-linux" \(board:qemu-plic: cpus\)/) }),
    );
  });

  it('RAM of two non-root zones overlapping', () => {
    const overlapping = zoneR((d) => (d.memory_regions[0].physical_start = '0x8a000000'));
    expect(checkZones([root, zone1Alone(), overlapping], board)).toContainEqual({
      ...error('memory_regions[0]', 'ram region 0x8a000000+0x1000000 overlaps ram region 0x85000000+0xa000000 of zone 1 "linux1" (zone1.json: memory_regions[0]); both guests would write the same memory', 'zoneR.json'),
      zones: [ref('zoneR.json', 2, 'zoneR-rt', 'memory_regions[0]'), Z1('memory_regions[0]')],
    });
  });

  it('an io region owned twice', () => {
    const uart = zoneR((d) => d.memory_regions.push({ type: 'io', physical_start: '0x10000000', virtual_start: '0x10000000', size: '0x1000' }));
    expect(checkZones([root, uart], board)).toContainEqual({
      ...error('memory_regions[2]', 'io region 0x10000000+0x1000 overlaps io region 0x10000000+0x1000 of zone 0 "root-linux" (board:qemu-plic: memory_regions[1]); two zones would drive the same device', 'zoneR.json'),
      zones: [ref('zoneR.json', 2, 'zoneR-rt', 'memory_regions[2]'), R('memory_regions[1]')],
    });
  });

  it('a hardware IRQ owned twice, and a virtual one shared', () => {
    const findings = checkZones([root, zone1Alone(), zoneR((d) => (d.interrupts = [6, 7, 10]))], board);
    expect(findings).toContainEqual({
      ...error('interrupts', 'IRQ 10 is also owned by zone 0 "root-linux" (board:qemu-plic: interrupts); a hardware IRQ (HW_IRQS) reaches only the zone on the CPU that claims it', 'zoneR.json'),
      zones: [ref('zoneR.json', 2, 'zoneR-rt', 'interrupts'), R('interrupts')],
    });
    expect(findings).toContainEqual({
      ...warning('interrupts', 'IRQ 7 is also in the interrupts of zone 1 "linux1" (zone1.json: interrupts); it is not in HW_IRQS, so each zone\'s vPLIC raises it separately', 'zoneR.json'),
      zones: [ref('zoneR.json', 2, 'zoneR-rt', 'interrupts'), Z1('interrupts')],
    });
  });

  it('root RAM that only partly covers a zone', () => {
    const edge = zoneR((d) => {
      d.memory_regions[0].physical_start = '0x82000000';
      d.memory_regions[0].size = '0x2000000';
    });
    expect(checkZones([root, edge], board)).toContainEqual(
      expect.objectContaining({ severity: 'warning', message: expect.stringMatching(/^ram region 0x82000000\+0x2000000 overlaps the root zone's ram region/) }),
    );
  });

  it('duplicate zone ids and a second zone 0', () => {
    expect(checkZones([root, zone1Alone(), zoneR((d) => (d.zone_id = 1))], board)).toContainEqual({
      ...error('zone_id', 'zone id 1 is also used by zone 1 "linux1" (zone1.json: zone_id); hvisor refuses to start the second (EINVAL)', 'zoneR.json'),
      zones: [ref('zoneR.json', 1, 'zoneR-rt', 'zone_id'), Z1('zone_id')],
    });
    const zero = checkZones([root, zoneR((d) => (d.zone_id = 0))], board).filter((f) => f.path === 'zone_id');
    expect(zero).toEqual([error('zone_id', 'zone id 0 is the root zone; hvisor refuses to start another zone 0 (EINVAL)', 'zoneR.json')]);
  });

  it('a PCI device assigned twice', () => {
    const other = zoneR((d) => {
      d.pci_config = fixtureDoc('zone1-linux.json').pci_config;
      d.alloc_pci_devs = [{ domain: 0, bus: 0, device: 2, function: 0, dev_type: 0 }];
    });
    expect(checkZones([root, zone1Alone(), other], board)).toContainEqual({
      ...warning('alloc_pci_devs[0]', 'PCI device 0000:00:02.0 is also assigned to zone 1 "linux1" (zone1.json: alloc_pci_devs[1]); if it is an endpoint, hvisor moves it to the first zone that takes it', 'zoneR.json'),
      zones: [ref('zoneR.json', 2, 'zoneR-rt', 'alloc_pci_devs[0]'), Z1('alloc_pci_devs[1]')],
    });
  });
});

describe('virtio_cfg.json windows', () => {
  it('must lie in a virtio region and use an IRQ the zone owns', () => {
    const zone = zone1();
    expect(checkVirtioWindows(zone, [{ addr: 0x1000_7000, len: 0x200, irq: 7, path: 'zones[0].devices[0]' }], 'virtio_cfg.json')).toEqual([]);
    expect(
      checkVirtioWindows(zone, [{ addr: 0x1000_6000, len: 0x200, irq: 6, path: 'zones[0].devices[1]' }, { addr: 0x1000_7e00, len: 0x400, path: 'zones[0].devices[2]' }], 'virtio_cfg.json'),
    ).toEqual([
      error('zones[0].devices[1]', 'virtio window 0x10006000+0x200 is not inside any virtio region of zone 1 "linux1" (zone1.json); the guest\'s accesses would never reach the daemon', 'virtio_cfg.json'),
      error('zones[0].devices[1].irq', 'IRQ 6 is not in the interrupts of zone 1 "linux1" (zone1.json); the zone\'s vPLIC would drop it', 'virtio_cfg.json'),
      error('zones[0].devices[2]', 'virtio window 0x10007e00+0x400 is not inside any virtio region of zone 1 "linux1" (zone1.json); the guest\'s accesses would never reach the daemon', 'virtio_cfg.json'),
    ]);
  });
});
