/**
 * The layout loader: the board a layout names (or which architecture a foreign one is for), and the
 * images a zone JSON names with their sizes, for the checks that need them (does an image fit?).
 */
import { boardNames } from '../../../src/boards/index';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { boardOfLayout, zoneImageFiles } from '../../../src/host/layout-loader';
import { parseZoneConfig } from '../../../src/shared/validate/zone-config';

const zone1 = (edit: (doc: Record<string, any>) => void) => {
  const doc = JSON.parse(readFileSync(path.resolve('tests/fixtures/zones/zone1-linux.json'), 'utf8'));
  edit(doc);
  return parseZoneConfig(JSON.stringify(doc), 'zone1.json').config!;
};

describe('zone images', () => {
  it('lists each image with its size and load address, relative to the zone JSON', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hvwb-images-'));
    writeFileSync(path.join(dir, 'Image'), new Uint8Array(5000));
    writeFileSync(path.join(dir, 'initrd.img'), new Uint8Array(0));
    const config = zone1((d) => {
      d.alloc_pci_devs = [];
      d.modules = [{ name: 'initrd', filepath: 'initrd.img', load_paddr: '0x8c000000' }];
    });
    const file = path.join(dir, 'zone1.json');
    const { images, findings } = await zoneImageFiles(file, config);
    expect(images).toEqual([{ field: 'kernel_filepath', path: path.join(dir, 'Image'), size: 5000, loadPaddr: 0x8600_0000 }]);
    expect(findings).toEqual([
      { severity: 'error', file, path: 'dtb_filepath', message: `file not found: ${path.join(dir, 'zone1-linux.dtb')}; hvisor-tool cannot load it, so the zone does not start` },
      { severity: 'error', file, path: 'modules[0].filepath', message: `${path.join(dir, 'initrd.img')} is empty; there is nothing to load` },
    ]);
    expect((await zoneImageFiles(file, config, { generatedDtb: true })).findings.map((f) => f.path)).toEqual(['modules[0].filepath']);
  });
});

describe('the board a layout names', () => {
  it('says which architecture a board of hvisor is for when the workbench does not emulate it', () => {
    expect(boardOfLayout('qemu-plic', 'l.json').name).toBe('qemu-plic');
    expect(boardOfLayout('qemu-gicv3', 'l.json').arch).toBe('aarch64');
    // ls3a5000 and qemu-aia are emulated now; hvisor's other boards of those architectures are not.
    expect(boardOfLayout('ls3a5000', 'l.json').arch).toBe('loongarch64');
    expect(boardOfLayout('qemu-aia', 'l.json').arch).toBe('riscv64');
    const known = `(the workbench emulates ${boardNames.join(', ')})`;
    expect(boardNames).toEqual(expect.arrayContaining(['qemu-plic', 'qemu-aia', 'qemu-gicv3', 'qemu-gicv2', 'imx8mp', 'rpi4b', 'zcu102', 'rk3588', 'ls3a5000']));
    expect(() => boardOfLayout('ls3a6000', 'l.json')).toThrow(`l.json: board: "ls3a6000" is one of hvisor's loongarch64 boards, which the workbench does not emulate ${known}`);
    expect(() => boardOfLayout('megrez', 'l.json')).toThrow(`l.json: board: "megrez" is one of hvisor's riscv64 boards, which the workbench does not emulate ${known}`);
    expect(() => boardOfLayout('pdp-11', 'l.json')).toThrow(`l.json: board: unknown board 'pdp-11'; known boards: ${boardNames.join(', ')}`);
  });
});
