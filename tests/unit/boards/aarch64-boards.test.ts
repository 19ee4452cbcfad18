/**
 * hvisor's other aarch64 boards as data (src/boards/aarch64/imx8mp.ts, rpi4b.ts, zcu102.ts, rk3588.ts):
 * the facts copied from each board.rs, every zone config hvisor ships for them validated against them
 * (tests/fixtures/hvisor-arch-configs), a GIC version that is not the board's refused naming the file and
 * field, and the device trees the workbench generates for them, whose UART nodes carry the compatible
 * strings Linux's drivers bind to (checked with dtc when /usr/bin/dtc exists).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getBoard } from '../../../src/boards/index';
import { boardDtb, wholeBoardInput, type BoardTreeInput } from '../../../src/core/fdt/board-dtb';
import { cells, readDtb, stringList, stringProperty, walk, type FdtReadNode } from '../../../src/core/fdt/fdt-reader';
import { zoneTreeInput } from '../../../src/core/hypervisor/zone-dtb';
import { planMachine } from '../../../src/core/machine/machine';
import { boardOf, ramBanks, type Aarch64Board } from '../../../src/shared/model/board';
import { rootZoneConfig, type ZoneFinding } from '../../../src/shared/model/zone-config';
import { checkZone, validateZoneFiles } from '../../../src/shared/validate/zone-checks';
import { parseZoneConfig } from '../../../src/shared/validate/zone-config';
import { dtbToDts, hasDtc } from '../core/fdt/dtc';

const FIXTURES = join(__dirname, '../../fixtures/hvisor-arch-configs/aarch64');
const NEW_BOARDS = ['imx8mp', 'rpi4b', 'zcu102', 'rk3588'] as const;
const board = (name: string): Aarch64Board => boardOf(getBoard(name), 'aarch64');
const errors = (findings: readonly ZoneFinding[]): ZoneFinding[] => findings.filter((f) => f.severity === 'error');
const summary = (findings: readonly ZoneFinding[]): string[] => findings.map((f) => `${f.severity} ${f.file} ${f.path}: ${f.message}`);

describe('the boards copy their board.rs', () => {
  it('are registered and plain JSON data', () => {
    for (const name of NEW_BOARDS) {
      const b = getBoard(name);
      expect(b.name).toBe(name);
      expect(JSON.parse(JSON.stringify(b))).toEqual(b);
    }
  });

  it("imx8mp: board.rs's UART, GICv3 windows, root zone and IRQs", () => {
    const b = board('imx8mp');
    expect(b.devices.find((d) => d.name === 'uart2')).toMatchObject({ kind: 'imx-uart', base: 0x3089_0000, irq: 59 });
    expect(b.rootZone.gic).toEqual({ version: 3, gicd: { base: 0x3880_0000, size: 0x1_0000 }, gicr: { base: 0x3888_0000, size: 0xc_0000 }, gits: { base: 0, size: 0 } });
    expect(b.rootZone).toMatchObject({ cpus: [0, 1], entry: 0xa040_0000, dtbAddress: 0xa000_0000, kernelAddress: 0xa040_0000 });
    expect(b.rootZone.memoryRegions).toHaveLength(8);
    expect(b.rootZone.irqs).toHaveLength(28);
    expect(b.mpidrs).toEqual([0, 1, 2, 3]);
  });

  it("zcu102: the Cadence UART, the GIC-400's windows with gicc_offset 0xF000, three RAM regions", () => {
    const b = board('zcu102');
    expect(b.devices.find((d) => d.name === 'uart0')).toMatchObject({ kind: 'cadence-uart', base: 0xff00_0000, irq: 53 });
    expect(b.rootZone.gic).toEqual({
      version: 2, gicd: { base: 0xf901_0000, size: 0x1_0000 }, gicc: { base: 0xf902_0000, size: 0x2_0000 }, giccOffset: 0xf000,
      gich: { base: 0xf904_0000, size: 0x2_0000 }, gicv: { base: 0xf906_0000, size: 0x2_0000 },
    });
    expect(b.rootZone).toMatchObject({ entry: 0x20_0000, dtbAddress: 0x400_0000, irqs: [53, 81, 175, 176, 177, 178, 64, 50, 48, 49, 95] });
  });

  it('rk3588: eight CPUs numbered in Aff1, the DesignWare UART on INTID 365, the GICv3 with eight redistributor frames', () => {
    const b = board('rk3588');
    expect(b.harts).toBe(8);
    expect(b.mpidrs).toEqual([0, 0x100, 0x200, 0x300, 0x400, 0x500, 0x600, 0x700]);
    expect(b.devices.find((d) => d.name === 'uart2')).toMatchObject({ kind: 'dw-apb-uart', base: 0xfeb5_0000, irq: 365 });
    expect(b.rootZone.gic).toMatchObject({ version: 3, gicd: { base: 0xfe60_0000 }, gicr: { base: 0xfe68_0000, size: 0x10_0000 } });
    expect(b.rootZone).toMatchObject({ entry: 0x940_0000, dtbAddress: 0x1000_0000, kernelAddress: 0x940_0000 });
    expect(b.hypervisorReserved.base).toBe(0x50_0000);
  });

  it('rpi4b (not an hvisor platform): the BCM2711 PL011 UART0 on SPI 121 and its GIC-400', () => {
    const b = board('rpi4b');
    expect(b.devices.find((d) => d.name === 'uart0')).toMatchObject({ kind: 'pl011', base: 0xfe20_1000, irq: 153 });
    expect(b.rootZone.gic).toMatchObject({ version: 2, gicd: { base: 0xff84_1000 }, gicc: { base: 0xff84_2000 }, giccOffset: 0 });
    expect(ramBanks(b)).toEqual([{ base: 0, size: 0x3b40_0000 }, { base: 0x4000_0000, size: 0x4000_0000 }]);
  });

  it.each(NEW_BOARDS)('%s: a machine the CPUs can run (RAM at most 2 GiB), device windows outside RAM and not overlapping', (name) => {
    const b = getBoard(name);
    expect(ramBanks(b).reduce((sum, bank) => sum + bank.size, 0)).toBeLessThanOrEqual(0x8000_0000);
    expect(() => planMachine(b)).not.toThrow();
    const windows = b.devices.filter((d) => d.kind !== 'pci-host-ecam').sort((x, y) => x.base - y.base);
    for (let i = 1; i < windows.length; i++) expect(windows[i]!.base).toBeGreaterThanOrEqual(windows[i - 1]!.base + windows[i - 1]!.size);
    for (const d of windows) for (const bank of ramBanks(b)) expect(d.base + d.size <= bank.base || d.base >= bank.base + bank.size, d.name).toBe(true);
    // The root zone from board.rs has no errors against its own board.
    expect(summary(errors(checkZone(rootZoneConfig(b), b)))).toEqual([]);
  });
});

describe("hvisor's shipped zone configs for these boards", () => {
  const shipped = NEW_BOARDS.flatMap((name) => {
    let files: string[] = [];
    try {
      files = readdirSync(join(FIXTURES, name));
    } catch {
      return [];
    }
    return files.filter((f) => !/(^|-)virtio\.json$/.test(f)).map((file) => ({ board: name, file, path: `${name}/${file}` }));
  });
  /** The one file hvisor-tool itself refuses: no gic_version (tools/hvisor.c parse_arch_config). */
  const REFUSED = 'imx8mp/zone1-linux.json';

  it('are the three zone configs hvisor 6a3fb78 ships for them (zcu102 and rpi4b have none)', () => {
    expect(shipped.map((s) => s.path)).toEqual(['imx8mp/zone1-linux.json', 'imx8mp/zone1-ruxos.json', 'rk3588/zone1-linux.json']);
  });

  it.each(shipped.filter((s) => s.path !== REFUSED))('$path validates against $board with no error', ({ board: name, file, path }) => {
    const b = getBoard(name);
    const parsed = parseZoneConfig(readFileSync(join(FIXTURES, path), 'utf8'), file, 'aarch64');
    expect(summary(errors(parsed.findings))).toEqual([]);
    expect(parsed.config).toBeDefined();
    expect(summary(errors(checkZone(parsed.config!, b)))).toEqual([]);
  });

  it(`${REFUSED} is refused as hvisor-tool refuses it, for its missing gic_version only`, () => {
    const result = validateZoneFiles([{ file: 'zone1-linux.json', text: readFileSync(join(FIXTURES, REFUSED), 'utf8') }], getBoard('imx8mp'));
    expect(summary(errors(result.findings))).toEqual([
      expect.stringMatching(/^error zone1-linux\.json arch_config\.gic_version: required key is missing; hvisor-tool refuses the file/),
    ]);
    expect(result.zones).toEqual([]);
  });

  it('alongside the root zone: rk3588/zone1-linux.json without errors; imx8mp/zone1-ruxos.json shares two of the root\'s io windows', () => {
    const withRoot = (path: string, file: string): readonly ZoneFinding[] =>
      validateZoneFiles([{ file, text: readFileSync(join(FIXTURES, path), 'utf8') }], getBoard(path.split('/')[0]!)).findings;
    expect(summary(errors(withRoot('rk3588/zone1-linux.json', 'zone1-linux.json')))).toEqual([]);
    // hvisor does not check zones against each other, so it starts this zone; the workbench reports that it
    // and the root zone (board.rs bus@30000000 and bus@30800000, which holds UART2) would drive the same devices.
    expect(summary(errors(withRoot('imx8mp/zone1-ruxos.json', 'zone1-ruxos.json')))).toEqual([
      'error zone1-ruxos.json memory_regions[3]: io region 0x30000000+0x400000 overlaps io region 0x30000000+0x400000 of zone 0 "root-linux" (board:imx8mp: memory_regions[1]); two zones would drive the same device',
      'error zone1-ruxos.json memory_regions[4]: io region 0x30800000+0x400000 overlaps io region 0x30800000+0x400000 of zone 0 "root-linux" (board:imx8mp: memory_regions[3]); two zones would drive the same device',
    ]);
  });
});

describe("a zone whose GIC is not the board's", () => {
  const zone = (path: string, edit: (doc: Record<string, any>) => void): Record<string, any> => {
    const doc = JSON.parse(readFileSync(join(FIXTURES, path), 'utf8'));
    edit(doc);
    return doc;
  };
  const findings = (doc: Record<string, any>, name: string): string[] =>
    summary(errors(validateZoneFiles([{ file: 'zone.json', text: JSON.stringify(doc) }], getBoard(name)).findings));

  it('gic_version "v3" on rpi4b (a GIC-400) is an error at arch_config.gic_version naming the file', () => {
    const doc = zone('rk3588/zone1-linux.json', (d) => {
      d.memory_regions = [{ type: 'ram', physical_start: '0x10000000', virtual_start: '0x10000000', size: '0x1000000' }];
      d.kernel_load_paddr = d.entry_point = '0x10000000';
      d.dtb_load_paddr = '0x10f00000';
      d.interrupts = [];
      d.pci_config = [];
    });
    expect(findings(doc, 'rpi4b')).toEqual([
      'error zone.json arch_config.gic_version: "v3" but rpi4b has a GICv2; hvisor is built for the board\'s GIC and panics when it sets up this zone\'s (vgicv2_mmio_init)',
    ]);
  });

  it('gic_version "v2" with the GIC-400 windows on imx8mp (a GICv3) is an error at the same field', () => {
    const doc = zone('imx8mp/zone1-ruxos.json', (d) => {
      d.memory_regions = d.memory_regions.filter((r: { type: string }) => r.type === 'ram');
      Object.assign(d.arch_config, { gic_version: 'v2', gicd_base: '0xf9010000', gicc_base: '0xf9020000', gicc_size: '0x20000', gicv_base: '0xf9060000', gicv_size: '0x20000', gich_base: '0xf9040000', gich_size: '0x20000' });
    });
    expect(findings(doc, 'imx8mp')).toEqual([
      'error zone.json arch_config.gic_version: "v2" but imx8mp has a GICv3; hvisor is built for the board\'s GIC and panics when it sets up this zone\'s (vgicv3_mmio_init)',
    ]);
  });
});

/** The UART each board's tree must describe, with what Linux's driver binds to. */
const UARTS = {
  imx8mp: { node: 'serial@30890000', compatible: ['fsl,imx8mp-uart', 'fsl,imx6q-uart'], gic: 'arm,gic-v3', spi: 27, extra: {} },
  rpi4b: { node: 'pl011@fe201000', compatible: ['arm,pl011', 'arm,primecell'], gic: 'arm,gic-400', spi: 121, extra: {} },
  zcu102: { node: 'serial@ff000000', compatible: ['xlnx,zynqmp-uart', 'cdns,uart-r1p12'], gic: 'arm,gic-400', spi: 21, extra: {} },
  rk3588: { node: 'serial@feb50000', compatible: ['rockchip,rk3588-uart', 'snps,dw-apb-uart'], gic: 'arm,gic-v3', spi: 333, extra: { 'reg-shift': 2, 'reg-io-width': 4 } },
} as const;

function find(root: FdtReadNode, test: (n: FdtReadNode) => boolean): FdtReadNode | undefined {
  let found: FdtReadNode | undefined;
  walk(root, (n) => {
    if (!found && test(n)) found = n;
  });
  return found;
}

describe('the device trees of these boards', () => {
  const inputs = (name: string): [string, BoardTreeInput][] => {
    const b = getBoard(name);
    return [
      ['whole board', wholeBoardInput(b)],
      ['root zone', zoneTreeInput(b, rootZoneConfig(b), [])],
    ];
  };

  for (const name of NEW_BOARDS) {
    const want = UARTS[name];
    it.each(inputs(name))(`${name} (%s): the UART node Linux's driver binds to, wired to the board's GIC, and stdout-path`, (_, input) => {
      const root = readDtb(boardDtb(input), name);
      const uart = find(root, (n) => n.name === want.node);
      expect(uart, want.node).toBeDefined();
      expect(stringList(uart!.properties.get('compatible'))).toEqual(want.compatible);
      expect(cells(uart!.properties.get('interrupts'))).toEqual([0, want.spi, 4]);
      for (const [key, value] of Object.entries(want.extra)) expect(cells(uart!.properties.get(key)), key).toEqual([value]);
      const parent = cells(uart!.properties.get('interrupt-parent'))[0];
      const gic = find(root, (n) => cells(n.properties.get('phandle'))[0] === parent);
      expect(stringList(gic!.properties.get('compatible'))).toEqual([want.gic]);
      expect(stringProperty(find(root, (n) => n.name === 'chosen')!.properties.get('stdout-path'))).toBe(`/${want.node}`);
    });
  }

  it.skipIf(!hasDtc).each(NEW_BOARDS)('%s: dtc reads both trees without errors or warnings and sees the same UART node', (name) => {
    const want = UARTS[name];
    for (const [, input] of inputs(name)) {
      const dts = dtbToDts(boardDtb(input));
      expect(dts.stderr).toBe('');
      expect(dts.status).toBe(0);
      // dtc prints a string list as "a\0b" or "a", "b" depending on its version.
      const line = new RegExp(`\\t${want.node} \\{\\n\\t\\tcompatible = (.*);\\n`).exec(dts.output)?.[1];
      expect(line?.replaceAll('", "', '\\0'), want.node).toBe(`"${want.compatible.join('\\0')}"`);
    }
  });
});
