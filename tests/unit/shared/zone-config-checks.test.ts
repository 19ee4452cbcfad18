import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { qemuPlic } from '../../../src/boards/riscv64/qemu-plic';
import { qemuGicv3 } from '../../../src/boards/aarch64/qemu-gicv3';
import { type ZoneConfig, type ZoneFinding, rootZoneConfig } from '../../../src/shared/model/zone-config';
import { checkImageFit, checkVirtioWindows, checkZone, checkZones, formatZoneReport, validateZoneFiles } from '../../../src/shared/validate/zone-checks';
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

/** hvisor's memory on qemu-plic: linker.ld's 0x80200000 + 4 per-CPU areas of 512 KiB + the 64 MiB pool (consts.rs). */
const overHvisor = (region: string, file: string, path = 'memory_regions[0]', type = 'ram'): ZoneFinding =>
  warning(path, `${type} region ${region} overlaps hvisor's own image, per-CPU areas and frame allocator (at least 0x80200000..0x84400000); on hvisor the guest overwrites the hypervisor unless its device tree reserves that range`, file);

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
      // board.rs ROOT_ARCH_ZONE_CONFIG: PLIC_BASE 0xc000000, PLIC_SIZE 0x4000000 (not QEMU's 0x600000 window).
      archConfig: { plicBase: 0xc00_0000, plicSize: 0x400_0000, aplicBase: 0, aplicSize: 0 },
    });
    expect(root.memoryRegions).toEqual(qemuPlic.rootZone.memoryRegions);
    expect(root.pciConfig).toEqual([expect.objectContaining({ ecamBase: 0x3000_0000, ecamSize: 0x1000_0000, busRangeBegin: 0, busRangeEnd: 0xff })]);
    // board.rs ROOT_PCI_DEVS: 00:00.0 and 00:01.0, both physical.
    expect(root.allocPciDevs).toEqual([
      { domain: 0, bus: 0, device: 0, function: 0, vBus: 0, vDevice: 0, vFunction: 0, devType: 0 },
      { domain: 0, bus: 0, device: 1, function: 0, vBus: 0, vDevice: 1, vFunction: 0, devType: 0 },
    ]);
    // board.rs's own root RAM starts inside hvisor's memory (zone0.dts reserves it) and its virtio slot 7
    // has no HW_IRQS line: hvisor's choices, which a layout cannot change, so not reported.
    expect(checkZone(root, board)).toEqual([]);
    // The same in a region the layout adds is reported.
    const added = { ...root, memoryRegions: [...root.memoryRegions, { type: 'ram' as const, physicalStart: 0x8200_0000, virtualStart: 0x8200_0000, size: 0x100_0000 }] };
    expect(checkZone(added, board)).toEqual([overHvisor('0x82000000+0x1000000', 'board:qemu-plic', 'memory_regions[3]')]);
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
    // Its RAM at 0x84000000 is below the end of hvisor's pool (0x84400000): a warning, as for the root.
    expect(checkZone(zoneR(), board)).toEqual([overHvisor('0x84000000+0x1000000', 'zoneR.json')]);
    expect(checkZones([root, zoneR()], board).map((f) => f.severity)).toEqual(['warning']);
  });

  it('validates files end to end and prints a report', () => {
    const files = ['zone1-linux.json', 'zoneR-baremetal.json'].map((name) => ({ file: name, text: readFileSync(join(FIXTURES, name), 'utf8') }));
    const result = validateZoneFiles(files, board);
    expect(result.zones.map((z) => z.zoneId)).toEqual([1, 2]);
    expect(formatZoneReport(result.findings)).toBe(
      [
        'zoneR-baremetal.json',
        "  warning: memory_regions[0]: ram region 0x84000000+0x1000000 overlaps hvisor's own image, per-CPU areas and frame allocator (at least 0x80200000..0x84400000); on hvisor the guest overwrites the hypervisor unless its device tree reserves that range",
        '  warning: memory_regions[0]: ram region 0x84000000+0x1000000 lies inside the root zone\'s ram region 0x83000000+0x7d000000 of zone 0 "root-linux" (board:qemu-plic: memory_regions[0]), as hvisor\'s shipped layouts do on purpose; the root\'s device tree must reserve 0x84000000+0x1000000 (reserved-memory)',
        '  error: cpus: hart 3 also belongs to zone 1 "linux1" (zone1-linux.json: cpus); hvisor refuses the second zone (EBUSY "cpu 3 already belongs to zone 1")',
        'zone1-linux.json',
        '  warning: memory_regions[0]: ram region 0x85000000+0xa000000 lies inside the root zone\'s ram region 0x83000000+0x7d000000 of zone 0 "root-linux" (board:qemu-plic: memory_regions[0]), as hvisor\'s shipped layouts do on purpose; the root\'s device tree must reserve 0x85000000+0xa000000 (reserved-memory)',
        '1 error, 3 warnings',
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
    zone: () => zone1((d) => d.memory_regions.push({ type: 'ram', physical_start: '0x84200000', virtual_start: '0x84200000', size: '0x100000' })),
    expected: overHvisor('0x84200000+0x100000', 'zone1.json', 'memory_regions[2]'),
  },
  {
    rule: 'the PLIC passed through to a non-root zone',
    zone: () => zone1((d) => d.memory_regions.push({ type: 'io', physical_start: '0xc000000', virtual_start: '0x30000000', size: '0x1000' })),
    expected: error('memory_regions[2]', "io region 0xc000000+0x1000 passes qemu-plic's plic (sifive-plic at 0xc000000+0x600000) through to a non-root zone; the hypervisor owns that device, and the zone could program the physical PLIC: enable, mask or complete other zones' interrupts (the zone gets a vPLIC through arch_config instead)"),
  },
  {
    rule: 'the ACLINT timer passed through to a non-root zone',
    zone: () => zone1((d) => d.memory_regions.push({ type: 'io', physical_start: '0x2000000', virtual_start: '0x2000000', size: '0x10000' })),
    expected: error('memory_regions[2]', "io region 0x2000000+0x10000 passes qemu-plic's mtimer (aclint-mtimer at 0x2004000+0xc000) through to a non-root zone; the hypervisor owns that device, and the zone could change mtime and the timer compare registers of every hart, other zones' included"),
  },
  {
    rule: 'the power-off device passed through to a non-root zone',
    zone: () => zone1((d) => d.memory_regions.push({ type: 'io', physical_start: '0x100000', virtual_start: '0x100000', size: '0x1000' })),
    expected: error('memory_regions[2]', "io region 0x100000+0x1000 passes qemu-plic's test (sifive-test at 0x100000+0x1000) through to a non-root zone; the hypervisor owns that device, and the zone could power off or reset the whole machine, every zone with it"),
  },
  {
    rule: 'a passthrough device whose IRQ is not in HW_IRQS',
    zone: () => zone1((d) => d.memory_regions.push({ type: 'io', physical_start: '0x101000', virtual_start: '0x101000', size: '0x1000' })),
    expected: warning('memory_regions[2]', "passes qemu-plic's rtc through, but its IRQ 11 is not in hvisor's HW_IRQS (10, 33, 34); on hvisor the device never gets an interrupt to this zone"),
  },
  {
    rule: 'a passthrough device whose hardware IRQ the zone does not own',
    zone: () => zone1((d) => d.memory_regions.push({ type: 'io', physical_start: '0x10000000', virtual_start: '0x10000000', size: '0x1000' })),
    expected: warning('memory_regions[2]', "passes qemu-plic's uart0 through, but its IRQ 10 is not in the zone's interrupts; hvisor never enables it for this zone, so the device never interrupts it"),
  },
  {
    rule: 'a load address hvisor v0.4\'s tool cannot map',
    zone: () => zone1((d) => (d.dtb_load_paddr = '0x85000800')),
    expected: warning('dtb_load_paddr', '0x85000800 is not 4 KiB aligned; the hvisor-tool of hvisor v0.4 maps /dev/mem at this address, mmap refuses it and the zone does not start (later tools accept it)'),
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
    rule: 'IRQ 0',
    zone: () => zone1((d) => (d.interrupts = [0, 7])),
    expected: error('interrupts', 'IRQ 0 is not an interrupt source (PLIC source 0 is reserved)'),
  },
  {
    rule: 'device IRQ that hvisor does not forward',
    zone: () => zone1((d) => (d.interrupts = [7, 11])),
    expected: warning('interrupts', "IRQ 11 is the line of qemu-plic's rtc, but it is not in hvisor's HW_IRQS (10, 33, 34), so hvisor never forwards it from the physical PLIC and the device never interrupts the zone"),
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
    expected: warning('ivc_configs', 'hvisor has no IVC on riscv64 (only aarch64 sets ivc_configs up); these entries are ignored unless the layout opts in to the workbench\'s IVC ("workbenchIvc": true)'),
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

  it('accepts virtual IRQs beyond the physical PLIC\'s 95 sources: the vPLIC has 1023 (hvisor plic/mod.rs)', () => {
    expect(checkZone(zone1((d) => (d.interrupts = [7, 96, 500, 1023])), board)).toEqual([]);
  });

  it('lets the root zone keep io regions over devices hvisor owns (its board.rs is trusted)', () => {
    const root = { ...rootZoneConfig(qemuPlic), memoryRegions: [...qemuPlic.rootZone.memoryRegions, { type: 'io' as const, physicalStart: 0x10_0000, virtualStart: 0x10_0000, size: 0x1000 }] };
    expect(checkZone(root, board).filter((f) => f.severity === 'error')).toEqual([]);
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

  it('the host bridge 00:00.0 in every zone, as hvisor\'s own qemu-plic configs list it', () => {
    expect(checkZones([root, zone1()], board).filter((f) => f.path.startsWith('alloc_pci_devs'))).toEqual([]);
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
  it('must lie in a virtio region; an IRQ the zone does not list is fine, as hvisor delivers virtual injections', () => {
    const zone = zone1();
    expect(checkVirtioWindows(zone, [{ addr: 0x1000_7000, len: 0x200, irq: 7, path: 'zones[0].devices[0]' }], 'virtio_cfg.json', qemuPlic)).toEqual([]);
    expect(
      checkVirtioWindows(zone, [{ addr: 0x1000_6000, len: 0x200, irq: 6, path: 'zones[0].devices[1]' }, { addr: 0x1000_7e00, len: 0x400, path: 'zones[0].devices[2]' }], 'virtio_cfg.json', qemuPlic),
    ).toEqual([
      error('zones[0].devices[1]', 'virtio window 0x10006000+0x200 is not inside any virtio region of zone 1 "linux1" (zone1.json); the guest\'s accesses would never reach the daemon', 'virtio_cfg.json'),
      error('zones[0].devices[2]', 'virtio window 0x10007e00+0x400 is not inside any virtio region of zone 1 "linux1" (zone1.json); the guest\'s accesses would never reach the daemon', 'virtio_cfg.json'),
    ]);
  });

  it('refuses a device IRQ that is a hardware IRQ of the zone: hvisor\'s vPLIC drops that virtual injection', () => {
    const zone = zone1((d) => (d.interrupts = [7, 33]));
    expect(checkVirtioWindows(zone, [{ addr: 0x1000_7000, len: 0x200, irq: 33, path: 'zones[0].devices[0]' }], 'virtio_cfg.json', qemuPlic)).toEqual([
      error('zones[0].devices[0].irq', 'IRQ 33 of zone 1 "linux1" (zone1.json) is a hardware IRQ of the zone (in its interrupts and in HW_IRQS); hvisor\'s vPLIC refuses a virtual injection of it, so this device would never interrupt', 'virtio_cfg.json'),
    ]);
  });
});

describe('virtio_cfg.json windows on a GIC board', () => {
  // hvisor's own qemu-gicv3 zone1-linux.json (virtio windows at 0xa003600/0xa003800/0xa003c00, SPIs 75/76/78).
  const gicZone = (interrupts: number[]): ZoneConfig => {
    const doc = JSON.parse(readFileSync('tests/fixtures/hvisor-arch-configs/aarch64/qemu-gicv3/zone1-linux.json', 'utf8'));
    doc.interrupts = interrupts;
    return parseZoneConfig(JSON.stringify(doc), 'zone1-linux.json', 'aarch64').config!;
  };
  const window = (irq: number) => [{ addr: 0xa00_3800, len: 0x200, irq, path: 'zones[0].devices[1]' }];

  it("accepts a virtio SPI the zone lists, even one the board's root also passes through (no vPLIC hw rule on a GIC)", () => {
    expect(checkVirtioWindows(gicZone([75, 76, 78]), window(76), 'virtio_cfg.json', qemuGicv3)).toEqual([]);
    expect(checkVirtioWindows(gicZone([77]), window(77), 'virtio_cfg.json', qemuGicv3)).toEqual([]);
  });

  it('warns when the zone does not list the SPI or it is not an SPI: the workbench\'s vGIC has no list registers to deliver it', () => {
    const [missing] = checkVirtioWindows(gicZone([75, 78]), window(76), 'virtio_cfg.json', qemuGicv3);
    expect(missing).toMatchObject({ severity: 'warning', file: 'virtio_cfg.json', path: 'zones[0].devices[1].irq' });
    expect(missing!.message).toMatch(/^IRQ 76 of zone 1 "linux2" \(zone1-linux.json\) is not in the zone's interrupts: hvisor would still deliver it through a list register/);
    const [ppi] = checkVirtioWindows(gicZone([75, 76, 78]), window(27), 'virtio_cfg.json', qemuGicv3);
    expect(ppi).toMatchObject({ severity: 'warning', path: 'zones[0].devices[1].irq' });
    expect(ppi!.message).toContain('is an SGI or PPI');
  });
});

describe('images that must fit in their zone', () => {
  const kernel = (size: number, start = 0x8600_0000) => ({ path: 'kernel_filepath', file: '/imgs/Image', space: 'root-physical' as const, start, size });

  it('refuses an image that runs past the zone\'s RAM, naming the zone, the file and the range', () => {
    // zone1's RAM is 0x85000000+0xa000000: a 0xa000000-byte kernel at 0x86000000 runs 16 MiB into whatever follows.
    expect(checkImageFit(zone1(), [kernel(0xa00_0000)])).toEqual([
      error('kernel_filepath', 'zone 1 "linux1": /imgs/Image (167772160 bytes) would be written at root-physical 0x86000000..0x90000000, which is not inside the zone\'s ram regions (root-physical 0x85000000+0xa000000); it would overwrite memory the zone does not own, so it is not loaded'),
    ]);
    expect(checkImageFit(zone1(), [kernel(0x900_0000)])).toEqual([]);
  });

  it('places ELF segments through the zone\'s regions and refuses images that overwrite each other', () => {
    const shifted = zone1((d) => (d.memory_regions[0].virtual_start = '0x40000000'));
    const segment = { path: 'kernel_filepath', file: '/imgs/app.elf', space: 'guest-physical' as const, start: 0x4000_1000, size: 0x2000 };
    const dtb = { path: 'dtb_filepath', file: '/imgs/app.dtb', space: 'root-physical' as const, start: 0x8500_2000, size: 0x1000 };
    expect(checkImageFit(shifted, [segment])).toEqual([]);
    expect(checkImageFit(shifted, [segment, dtb])).toEqual([
      error('dtb_filepath', 'zone 1 "linux1": /imgs/app.dtb (root-physical 0x85002000+0x1000) overlaps /imgs/app.elf (kernel_filepath, root-physical 0x85001000+0x2000); loading one overwrites the other'),
    ]);
    expect(checkImageFit(shifted, [{ ...segment, start: 0x8500_1000 }])[0]!.message).toMatch(/guest-physical 0x85001000\.\.0x85003000, which is not inside the zone's ram regions/);
  });

  it('accepts an image across two ram regions that touch in root-physical space', () => {
    const split = zone1((d) => {
      d.memory_regions[0].size = '0x1000000';
      d.memory_regions.push({ type: 'ram', physical_start: '0x86000000', virtual_start: '0x90000000', size: '0x1000000' });
    });
    expect(checkImageFit(split, [kernel(0x180_0000, 0x8580_0000)])).toEqual([]);
    expect(checkImageFit(split, [kernel(0x180_0000, 0x8600_0000)])).toHaveLength(1);
  });
});
