/**
 * `hvwb validate` reports everything it can: a broken virtio_cfg.json does not hide the zones'
 * findings, a missing image is a finding on the field that names it, a file for another architecture
 * or board says which one, and hostile files end in one message naming the file and the field.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hvwbWith } from '../../helpers/cli';

const hvwb = (...argv: string[]) => hvwbWith({}, ...argv);
const EXAMPLE = path.resolve('examples/riscv64-zones');

type Json = Record<string, any>;

/** A copy of the zones demo with its paths made absolute, edited by `edit` (file name -> document). */
function zonesDemo(edit: (files: Record<string, Json>) => void): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'hvwb-validate-'));
  cpSync(EXAMPLE, dir, { recursive: true });
  const files: Record<string, Json> = {};
  for (const name of ['layout.json', 'zone-u.json', 'zone-r.json']) files[name] = JSON.parse(readFileSync(path.join(dir, name), 'utf8'));
  files['layout.json']!.root.image = path.resolve(EXAMPLE, files['layout.json']!.root.image);
  for (const name of ['zone-u.json', 'zone-r.json']) files[name]!.kernel_filepath = path.resolve(EXAMPLE, files[name]!.kernel_filepath);
  edit(files);
  for (const [name, doc] of Object.entries(files)) writeFileSync(path.join(dir, name), JSON.stringify(doc, null, 2));
  return dir;
}

const VIRTIO = { zones: [{ id: 1, memory_region: [{ zone0_ipa: '0x88000000', zonex_ipa: '0x88000000', size: '0x1000000' }], devices: [{ type: 'console', addr: '0x10006000', len: '0x200', irq: 6, status: 'enable' }] }] };

/** A file of `size` bytes that takes no disk space (a hole). */
function sparse(file: string, size: number): void {
  writeFileSync(file, '');
  truncateSync(file, size);
}

describe('hvwb validate reports everything it can', () => {
  it('shows the zones\' findings next to a broken virtio_cfg.json', async () => {
    const dir = zonesDemo((f) => {
      f['zone-r.json']!.cpus = [2];
      f['layout.json']!.virtio = 'virtio_cfg.json';
      f['virtio_cfg.json'] = { ...VIRTIO, zones: [{ ...VIRTIO.zones[0], id: 'one' }] };
    });
    const r = await hvwb('validate', dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`${path.join(dir, 'virtio_cfg.json')}\n  error: zones[0].id: "one" is not a number hvisor-tool accepts`);
    expect(r.stdout).toMatch(/zone-r\.json\n(.*\n)*  error: cpus.*2.*zoneU/);
  });

  it("refuses a virtio device whose IRQ is one of the zone's hardware IRQs (hvisor's vPLIC never injects it)", async () => {
    const dir = zonesDemo((f) => {
      f['zone-u.json']!.memory_regions.push({ type: 'virtio', physical_start: '0x10006000', virtual_start: '0x10006000', size: '0x200' });
      f['zone-u.json']!.interrupts = [33];
      f['layout.json']!.virtio = 'virtio_cfg.json';
      f['virtio_cfg.json'] = { ...VIRTIO, zones: [{ ...VIRTIO.zones[0], devices: [{ ...VIRTIO.zones[0]!.devices[0], irq: 33 }] }] };
    });
    const r = await hvwb('validate', dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/error: zones\[0\]\.devices\[0\]\.irq: IRQ 33 of zone 1 .* is a hardware IRQ of the zone/);
  });

  it('reports a missing kernel image and a missing DTB as findings on their fields, and still checks the rest', async () => {
    const dir = zonesDemo((f) => {
      f['zone-u.json']!.kernel_filepath = 'gone/zones-u.bin';
      f['zone-r.json']!.dtb_filepath = 'zone-r.dtb';
      f['zone-r.json']!.interrupts = [6, 6];
    });
    const r = await hvwb('validate', dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(`error: kernel_filepath: file not found: ${path.join(dir, 'gone/zones-u.bin')}; hvisor-tool cannot load it, so the zone does not start`);
    expect(r.stdout).toContain(`error: dtb_filepath: file not found: ${path.join(dir, 'zone-r.dtb')}; hvisor-tool cannot load it, so the zone does not start`);
    expect(r.stdout).toContain('warning: interrupts[1]: IRQ 6 is listed twice');
  });

  it("refuses zone images over 2 GiB (sparse files) by their size, without reading them", async () => {
    const dir = zonesDemo((f) => {
      f['zone-u.json']!.kernel_filepath = 'huge-kernel.bin';
      f['zone-r.json']!.dtb_filepath = 'huge.dtb';
    });
    sparse(path.join(dir, 'huge-kernel.bin'), 3 * 2 ** 30);
    sparse(path.join(dir, 'huge.dtb'), 5 * 2 ** 30);
    const r = await hvwb('validate', dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/zone-u\.json\n(.*\n)*  error: kernel_filepath: zone 1 "zoneU": .*huge-kernel\.bin \(3221225472 bytes\) would be written at root-physical 0x88000000\.\.0x148000000, which is not inside the zone's ram regions/);
    expect(r.stdout).toMatch(/zone-r\.json\n(.*\n)*  error: dtb_filepath: zone 2 "zoneR": .*huge\.dtb \(5368709120 bytes\) would be written/);
    expect(r.stdout.match(/huge\.dtb/g)).toHaveLength(1);
  });

  it('reports a missing root image and zone file as findings on layout.json', async () => {
    const dir = zonesDemo((f) => {
      f['layout.json']!.root.image = 'nope.elf';
      f['layout.json']!.zones[0].config = 'zone-x.json';
    });
    const r = await hvwb('validate', dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`${path.join(dir, 'layout.json')}\n  error: root.image: image file not found: ${path.join(dir, 'nope.elf')}\n  error: zones[0]: zone config file not found: ${path.join(dir, 'zone-x.json')}`);
    expect(r.stdout).toContain(path.join(dir, 'zone-r.json'));
  });

  it('refuses a virtual BDF hvisor v0.4 cannot remap, as zone start does', async () => {
    const dir = zonesDemo((f) => {
      f['zone-u.json']!.pci_config = [
        {
          ecam_base: '0x30000000', ecam_size: '0x10000000', io_base: '0x3000000', io_size: '0x10000', pci_io_base: '0x0',
          mem32_base: '0x40000000', mem32_size: '0x40000000', pci_mem32_base: '0x40000000',
          mem64_base: '0x400000000', mem64_size: '0x400000000', pci_mem64_base: '0x400000000', bus_range_begin: 0, bus_range_end: '0x1f', domain: 0,
        },
      ];
      f['zone-u.json']!.alloc_pci_devs = [{ domain: 0, bus: 0, device: 2, function: 0, v_bus: 0, v_device: 1, v_function: 0, dev_type: 0 }];
    });
    const r = await hvwb('validate', dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('error: alloc_pci_devs[0]: virtual BDF 0000:00:01.0 differs from the physical 0000:00:02.0: hvisor v0.4 cannot remap a device');
    expect(r.stdout).toContain('3208-byte HvZoneConfig, which hvisor v0.4 refuses (EINVAL, it takes 3080 bytes)');
  });

  it('says which architecture a zone JSON or a board is for', async () => {
    const zone = await hvwb('validate', zonesDemo((f) => (f['zone-r.json']!.arch_config = { gic_version: 'v3', gicd_base: '0x8000000', gicr_base: '0x80a0000' })));
    expect(zone.code).toBe(1);
    expect(zone.stdout).toContain('error: arch_config: this zone configuration is for aarch64 (arch_config has gic_version, gicd_base, gicr_base)');
    const board = await hvwb('validate', zonesDemo((f) => (f['layout.json']!.board = 'ls3a6000')));
    expect(board.code).toBe(2);
    expect(board.stderr).toMatch(/^hvwb: .*layout\.json: board: "ls3a6000" is one of hvisor's loongarch64 boards, which the workbench does not emulate \(the workbench emulates qemu-plic, .*ls3a5000.*\)\n$/);
  });
});

describe('hvwb validate on hostile files: one message naming the file and the field', () => {
  it('refuses a RAM size over the limit', async () => {
    const r = await hvwb('validate', zonesDemo((f) => (f['layout.json']!.ramSize = '0x400000000')));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^hvwb: .*layout\.json: ramSize: 0x400000000 is more RAM than the workbench can give a machine \(at most 0xf0000000, 3\.75 GiB/);
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
  });

  it('refuses a deeply nested zone JSON and reports a huge array once', async () => {
    const dir = zonesDemo(() => undefined);
    writeFileSync(path.join(dir, 'zone-u.json'), `{"cpus": ${'['.repeat(200_000)}${']'.repeat(200_000)}}`);
    const zoneR = JSON.parse(readFileSync(path.join(dir, 'zone-r.json'), 'utf8'));
    zoneR.memory_regions = Array(200_000).fill(zoneR.memory_regions[0]);
    writeFileSync(path.join(dir, 'zone-r.json'), JSON.stringify(zoneR));
    const r = await hvwb('validate', dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(`${path.join(dir, 'zone-u.json')}\n  error: not readable: nested more than 64 levels deep (line 1, column 73, at cpus${'[0]'.repeat(63)})`);
    expect(r.stdout).toContain(`${path.join(dir, 'zone-r.json')}\n  error: memory_regions: 200000 entries; hvisor allows at most 64 (CONFIG_MAX_MEMORY_REGIONS)\n`);
    rmSync(dir, { recursive: true, force: true });
  });
});
