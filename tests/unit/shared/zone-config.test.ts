import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseZoneConfig } from '../../../src/shared/validate/zone-config';
import type { ZoneFinding } from '../../../src/shared/model/zone-config';

const FIXTURES = join(__dirname, '../../fixtures/zones');
const fixture = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');
const zone1 = (): Record<string, unknown> => JSON.parse(fixture('zone1-linux.json'));

/** Parses zone1-linux.json after `edit`, as file "z.json". */
function parseEdited(edit: (doc: Record<string, any>) => void): ReturnType<typeof parseZoneConfig> {
  const doc = zone1();
  edit(doc);
  return parseZoneConfig(JSON.stringify(doc), 'z.json');
}

const error = (path: string, message: string): ZoneFinding => ({ severity: 'error', file: 'z.json', path, message });
const warning = (path: string, message: string): ZoneFinding => ({ severity: 'warning', file: 'z.json', path, message });

describe('zone JSON: valid files', () => {
  it('reads the qemu-plic zone1 Linux config into the model', () => {
    const result = parseZoneConfig(fixture('zone1-linux.json'), 'zone1-linux.json');
    expect(result.findings).toEqual([]);
    expect(result.generation).toBe(0x05);
    expect(result.config).toEqual({
      source: 'zone1-linux.json',
      root: false,
      zoneId: 1,
      name: 'linux1',
      cpus: [2, 3],
      memoryRegions: [
        { type: 'ram', physicalStart: 0x8500_0000, virtualStart: 0x8500_0000, size: 0x0a00_0000 },
        { type: 'virtio', physicalStart: 0x1000_7000, virtualStart: 0x1000_7000, size: 0x1000 },
      ],
      interrupts: [7, 34],
      ivcConfigs: [],
      kernelFilepath: './Image',
      dtbFilepath: './zone1-linux.dtb',
      kernelLoadPaddr: 0x8600_0000,
      dtbLoadPaddr: 0x8500_0000,
      entryPoint: 0x8600_0000,
      archConfig: { plicBase: 0xc00_0000, plicSize: 0x400_0000, aplicBase: 0xd00_0000, aplicSize: 0x8000 },
      pciConfig: [
        {
          ecamBase: 0x3000_0000, ecamSize: 0x1000_0000, ioBase: 0x300_0000, ioSize: 0x1_0000, pciIoBase: 0,
          mem32Base: 0x4000_0000, mem32Size: 0x4000_0000, pciMem32Base: 0x4000_0000,
          mem64Base: 0x4_0000_0000, mem64Size: 0x4_0000_0000, pciMem64Base: 0x4_0000_0000,
          busRangeBegin: 0, busRangeEnd: 0x1f, domain: 0,
        },
      ],
      allocPciDevs: [
        { domain: 0, bus: 0, device: 0, function: 0, vBus: 0, vDevice: 0, vFunction: 0, devType: 0 },
        { domain: 0, bus: 0, device: 2, function: 0, vBus: 0, vDevice: 2, vFunction: 0, devType: 0 },
      ],
      modules: [],
    });
  });

  it('recognises the v0x06 generation by its virtual BDF fields', () => {
    const result = parseZoneConfig(fixture('zone1-linux-vbdf.json'), 'v.json');
    expect(result.findings).toEqual([]);
    expect(result.generation).toBe(0x06);
    expect(result.generationReason).toBe('v0x06 (hvisor-tool HEAD): alloc_pci_devs[0] has a virtual BDF; alloc_pci_devs[1] has a virtual BDF');
    expect(result.config?.allocPciDevs[1]).toEqual({ domain: 0, bus: 0, device: 2, function: 0, vBus: 0, vDevice: 1, vFunction: 0, devType: 0 });
  });

  it('reads the bare-metal zoneR config', () => {
    const result = parseZoneConfig(fixture('zoneR-baremetal.json'), 'r.json');
    expect(result.findings).toEqual([]);
    expect(result.config).toMatchObject({ zoneId: 2, name: 'zoneR-rt', cpus: [3], interrupts: [6], pciConfig: [], allocPciDevs: [] });
  });

  it('treats the path "null" as nothing to load and v0x06 modules as extra images', () => {
    const result = parseEdited((d) => {
      d.dtb_filepath = 'null';
      d.alloc_pci_devs = [];
      d.modules = [{ name: 'initrd', filepath: './initrd.img', load_paddr: '0x88000000' }];
    });
    expect(result.findings).toEqual([]);
    expect(result.generation).toBe(0x06);
    expect(result.config?.dtbFilepath).toBeNull();
    expect(result.config?.modules).toEqual([{ name: 'initrd', filepath: './initrd.img', loadPaddr: 0x8800_0000 }]);
  });
});

describe('zone JSON: numbers as hvisor-tool reads them', () => {
  const numberAt = (value: unknown): ReturnType<typeof parseZoneConfig> => parseEdited((d) => (d.entry_point = value));

  it('accepts JSON numbers up to 2^31-1 and hex, octal and decimal strings', () => {
    expect(numberAt(0x7fff_ffff).config?.entryPoint).toBe(0x7fff_ffff);
    expect(numberAt('0X86000000').config?.entryPoint).toBe(0x8600_0000);
    expect(numberAt('010').config?.entryPoint).toBe(8);
    expect(numberAt('2248146944').config?.entryPoint).toBe(0x8600_0000);
    expect(numberAt(' 0x10').config?.entryPoint).toBe(0x10);
  });

  it('refuses what the tool refuses or would silently change', () => {
    expect(numberAt(2248146944).findings).toEqual([
      error('entry_point', 'JSON number 2248146944 is above 2^31-1: hvisor-tool reads numbers through cJSON\'s valueint, which saturates at 0x7fffffff; write it as a string, "0x86000000"'),
    ]);
    expect(numberAt(-4).findings).toEqual([error('entry_point', '-4 is negative; hvisor-tool refuses negative numbers')]);
    expect(numberAt(1.5).findings).toEqual([error('entry_point', "1.5 is not an integer; cJSON's valueint would truncate it")]);
    const bad = (s: string): ZoneFinding =>
      error('entry_point', `${JSON.stringify(s)} is not a number as hvisor-tool reads strings (0x hex, leading-0 octal or decimal, nothing after the digits)`);
    for (const s of ['0x8600_0000', '08', '0x', '', '12 ', '1e3']) expect(numberAt(s).findings).toEqual([bad(s)]);
    expect(numberAt('-1').findings).toEqual([error('entry_point', '"-1" is negative; strtoumax would wrap it around to 0xffffffffffffffff')]);
    expect(numberAt('0x10000000000000000').findings).toEqual([error('entry_point', '"0x10000000000000000" does not fit in 64 bits')]);
    expect(numberAt('0x20000000000000').findings).toEqual([error('entry_point', '0x20000000000000 is above 2^53, which the workbench does not represent')]);
    expect(numberAt(true).findings).toEqual([error('entry_point', 'must be a number or a numeric string, not true')]);
    expect(parseEdited((d) => (d.pci_config[0].domain = '0x100')).findings).toEqual([error('pci_config[0].domain', '0x100 does not fit in a u8')]);
    expect(parseEdited((d) => (d.pci_config[0].bus_range_end = '0x100000000')).findings).toEqual([
      error('pci_config[0].bus_range_end', '0x100000000 does not fit in a u32'),
    ]);
  });

  it('insists on JSON numbers where the tool reads a bare valueint', () => {
    const message = (shown: string): string =>
      `must be a JSON number, not ${shown}: hvisor-tool reads this field with cJSON's valueint, which is 0 for anything else`;
    expect(parseEdited((d) => (d.zone_id = '1')).findings).toEqual([error('zone_id', message('"1"'))]);
    expect(parseEdited((d) => (d.cpus = [2, '3'])).findings).toEqual([error('cpus[1]', message('"3"'))]);
  });
});

describe('zone JSON: structure, limits and names', () => {
  it('reports unreadable files', () => {
    expect(parseZoneConfig('{', 'z.json').findings).toEqual([error('', expect.stringMatching(/^not valid JSON: /) as unknown as string)]);
    expect(parseZoneConfig('[]', 'z.json').findings).toEqual([error('', 'a zone configuration must be a JSON object')]);
  });

  it('names every missing required key', () => {
    const result = parseEdited((d) => {
      delete d.entry_point;
      delete d.ivc_configs;
      delete d.memory_regions[1].type;
      delete d.arch_config.aplic_size;
    });
    expect(result.config).toBeUndefined();
    expect(result.findings).toEqual([
      error('memory_regions[1].type', 'required key is missing'),
      error('ivc_configs', 'required key is missing'),
      error('entry_point', 'required key is missing'),
      error('arch_config.aplic_size', 'required key is missing; the riscv64 hvisor-tool wants plic_base, plic_size, aplic_base and aplic_size even though a board uses only one pair'),
    ]);
  });

  it('warns about unknown keys and ignores the ones hvisor examples carry', () => {
    const result = parseEdited((d) => {
      d.comment = 'x';
      d.memory_regions[0].flags = 1;
      d.arch_config.gic_version = 'v3';
      d.kernel_args = 'console=hvc0';
    });
    expect(result.config).toBeDefined();
    expect(result.findings).toEqual([
      warning('comment', 'unknown key; hvisor-tool ignores it'),
      warning('memory_regions[0].flags', 'unknown key; hvisor-tool ignores it'),
      warning('arch_config.gic_version', 'unknown key; hvisor-tool ignores it'),
    ]);
  });

  it('matches keys regardless of case, as cJSON_GetObjectItem does', () => {
    const result = parseEdited((d) => {
      d.Zone_ID = d.zone_id;
      delete d.zone_id;
    });
    expect(result.config?.zoneId).toBe(1);
    expect(result.findings).toEqual([warning('Zone_ID', 'hvisor-tool matches keys regardless of case and reads this as "zone_id"; write "zone_id"')]);
  });

  it('applies hvisor-tool\'s name rules in bytes', () => {
    expect(parseEdited((d) => (d.name = 'ü'.repeat(17))).findings).toEqual([error('name', 'is 34 bytes; hvisor-tool refuses names longer than 32 bytes')]);
    const full = parseEdited((d) => (d.name = 'z'.repeat(32)));
    expect(full.config?.name).toBe('z'.repeat(32));
    expect(full.findings).toEqual([
      warning('name', 'is exactly 32 bytes, so strncpy stores it without a terminating NUL; "hvisor zone list" may print whatever follows it'),
    ]);
    const nul = parseEdited((d) => (d.name = 'abc\u0000def'));
    expect(nul.config?.name).toBe('abc');
    expect(nul.findings).toEqual([warning('name', 'contains U+0000; hvisor-tool\'s C string ends there, so the zone is named "abc"')]);
    expect(parseEdited((d) => (d.name = 7)).findings).toEqual([error('name', 'must be a string, not 7')]);
  });

  it('checks cpus', () => {
    expect(parseEdited((d) => (d.cpus = [])).findings).toEqual([error('cpus', 'no CPU; hvisor needs at least one (the lowest is the boot CPU)')]);
    expect(parseEdited((d) => (d.cpus = [2, 64])).findings).toEqual([error('cpus[1]', '64 is out of range (at most 63)')]);
    const twice = parseEdited((d) => (d.cpus = [3, 2, 3]));
    expect(twice.config?.cpus).toEqual([2, 3]);
    expect(twice.findings).toEqual([warning('cpus[2]', 'hart 3 is listed twice')]);
  });

  it('checks memory regions', () => {
    const many = parseEdited((d) => (d.memory_regions = Array.from({ length: 65 }, () => d.memory_regions[1])));
    expect(many.findings).toEqual([error('memory_regions', '65 entries; hvisor allows at most 64 (CONFIG_MAX_MEMORY_REGIONS)')]);
    expect(parseEdited((d) => (d.memory_regions[1].type = 'rom')).findings).toEqual([
      error('memory_regions[1].type', 'unknown memory region type "rom" (must be "ram", "io" or "virtio")'),
    ]);
    expect(parseEdited((d) => (d.memory_regions[0] = 'ram')).findings).toEqual([error('memory_regions[0]', 'must be an object')]);
  });

  it('checks interrupts, reading strings as numbers', () => {
    expect(parseEdited((d) => (d.interrupts = ['7', 34])).config?.interrupts).toEqual([7, 34]);
    expect(parseEdited((d) => (d.interrupts = [7, 1024])).findings).toEqual([
      error('interrupts[1]', "IRQ 1024 is out of range; hvisor's interrupt bitmap holds IRQs 0..1023"),
    ]);
    expect(parseEdited((d) => (d.interrupts = [7, 7])).findings).toEqual([warning('interrupts[1]', 'IRQ 7 is listed twice')]);
    expect(parseEdited((d) => (d.interrupts = Array.from({ length: 1025 }, () => 1))).findings).toEqual([
      error('interrupts', '1025 entries; hvisor allows at most 1024 (CONFIG_MAX_INTERRUPTS)'),
    ]);
  });

  it('checks IVC entries', () => {
    const ivc = { ivc_id: 0, peer_id: 1, control_table_ipa: '0xd0000000', shared_mem_ipa: '0xd0001000', rw_sec_size: 0, out_sec_size: '0x1000', interrupt_num: 66, max_peers: 2 };
    expect(parseEdited((d) => (d.ivc_configs = [ivc])).config?.ivcConfigs).toEqual([
      { ivcId: 0, peerId: 1, controlTableIpa: 0xd000_0000, sharedMemIpa: 0xd000_1000, rwSecSize: 0, outSecSize: 0x1000, interruptNum: 66, maxPeers: 2 },
    ]);
    expect(parseEdited((d) => (d.ivc_configs = [ivc, ivc, ivc])).findings).toEqual([
      error('ivc_configs', '3 entries; hvisor allows at most 2 (CONFIG_MAX_IVC_CONFIGS)'),
    ]);
    expect(parseEdited((d) => (d.ivc_configs = [{ ...ivc, max_peers: '2' }])).findings).toEqual([
      error('ivc_configs[0].max_peers', 'must be a JSON number, not "2": hvisor-tool reads this field with cJSON\'s valueint, which is 0 for anything else'),
    ]);
  });

  it('checks pci_config by generation', () => {
    expect(parseEdited((d) => delete d.pci_config).findings).toEqual([
      warning('pci_config', 'is missing; hvisor-tool since PR #87 refuses a zone without it (write "pci_config": [])'),
    ]);
    const v6 = parseEdited((d) => {
      delete d.pci_config;
      delete d.alloc_pci_devs;
      d.modules = [];
    });
    expect(v6.findings).toEqual([error('pci_config', 'is missing; hvisor-tool since PR #87 refuses a zone without it (write "pci_config": [])')]);
    expect(parseEdited((d) => (d.pci_config = Array.from({ length: 5 }, () => d.pci_config[0]))).findings).toEqual([
      error('pci_config', '5 entries; hvisor allows at most 4 (CONFIG_PCI_BUS_MAXNUM)'),
    ]);
    expect(parseEdited((d) => delete d.pci_config[0].pci_io_base).findings).toEqual([error('pci_config[0].pci_io_base', 'required key is missing')]);
  });

  it('checks PCI device assignments', () => {
    expect(parseEdited((d) => (d.alloc_pci_devs = Array.from({ length: 33 }, () => d.alloc_pci_devs[0]))).findings).toEqual([
      error('alloc_pci_devs', '33 entries; hvisor allows at most 32 (CONFIG_MAX_PCI_DEV; hvisor-tool does not check it and would overrun the struct)'),
    ]);
    expect(parseEdited((d) => (d.alloc_pci_devs[1].device = 32)).findings).toEqual([error('alloc_pci_devs[1].device', 'device 32 is out of range (0..31)')]);
    expect(parseEdited((d) => (d.alloc_pci_devs[1].function = '8')).findings).toEqual([error('alloc_pci_devs[1].function', 'function 8 is out of range (0..7)')]);
    const mixed = parseEdited((d) => (d.alloc_pci_devs[1].v_device = 1));
    expect(mixed.generation).toBe(0x06);
    expect(mixed.findings).toEqual([
      warning('alloc_pci_devs[0]', 'no v_bus, v_device, v_function: some v0x06 hvisor-tool versions require them, others use the physical BDF'),
      warning('alloc_pci_devs[1]', 'no v_bus, v_function: some v0x06 hvisor-tool versions require them, others use the physical BDF'),
    ]);
    expect(mixed.config?.allocPciDevs[1]).toMatchObject({ device: 2, vDevice: 1, vBus: 0, vFunction: 0 });
  });

  it('checks modules and x86-only keys', () => {
    const numeric = { name: 'm', filepath: 'm.bin', load_paddr: 0x1000 };
    expect(parseEdited((d) => ((d.alloc_pci_devs = []), (d.modules = [numeric]))).findings).toEqual([
      error('modules[0].load_paddr', 'must be a string, not 4096'),
    ]);
    expect(parseEdited((d) => ((d.alloc_pci_devs = []), (d.modules = {}))).findings).toEqual([warning('modules', 'is not an array; hvisor-tool ignores it')]);
    const x86 = parseEdited((d) => ((d.alloc_pci_devs = []), (d.boot_protocol = 'multiboot2')));
    expect(x86.generation).toBe(0x06);
    expect(x86.findings).toEqual([warning('boot_protocol', 'x86_64 only (multiboot2); ignored on riscv64')]);
  });
});
