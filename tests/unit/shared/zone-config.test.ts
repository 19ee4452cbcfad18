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
      archConfig: { arch: 'riscv64', plicBase: 0xc00_0000, plicSize: 0x400_0000, aplicBase: 0xd00_0000, aplicSize: 0x8000 },
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

  it('refuses a virtual BDF that differs from the physical one, with the reason', () => {
    const result = parseZoneConfig(fixture('zone1-linux-vbdf.json'), 'v.json');
    expect(result.config).toBeUndefined();
    expect(result.structSize).toBe(3208);
    expect(result.generationReason).toBe('hvisor-tool from 4d5ae27 on (magic 0x05 until 345aa94, then 0x06): alloc_pci_devs[0], alloc_pci_devs[1] have a virtual BDF');
    expect(result.findings).toEqual([
      {
        severity: 'error',
        file: 'v.json',
        path: 'alloc_pci_devs[1]',
        message:
          'virtual BDF 0000:00:01.0 differs from the physical 0000:00:02.0: hvisor v0.4 cannot remap a device (its HvPciDevConfig has no virtual BDF), ' +
          "so the guest would find it at 0000:00:02.0; hvisor-tool's 0x05 versions that read v_bus/v_device/v_function build a 3208-byte HvZoneConfig, " +
          'which hvisor v0.4 refuses (EINVAL, it takes 3080 bytes). Give the physical BDF as the virtual one',
      },
    ]);
  });

  it('starts a file whose virtual BDF equals the physical one, saying what hvisor-tool would send', () => {
    const result = parseEdited((d) => {
      Object.assign(d.alloc_pci_devs[0], { v_bus: 0, v_device: 0, v_function: 0 });
      Object.assign(d.alloc_pci_devs[1], { v_bus: '0x0', v_device: '0x2', v_function: '0x0' });
    });
    expect(result.config?.allocPciDevs[1]).toEqual({ domain: 0, bus: 0, device: 2, function: 0, vBus: 0, vDevice: 2, vFunction: 0, devType: 0 });
    expect(result.findings).toEqual([
      warning(
        'alloc_pci_devs',
        'v_bus/v_device/v_function are read by hvisor-tool from 4d5ae27 on, which builds a 3208-byte HvZoneConfig that hvisor v0.4 refuses; ' +
          "the workbench starts the zone with v0.4's 3080-byte struct, which carries it because each virtual BDF equals the physical one (0000:00:00.0, 0000:00:02.0)",
      ),
    ]);
  });

  it('reads the bare-metal zoneR config', () => {
    const result = parseZoneConfig(fixture('zoneR-baremetal.json'), 'r.json');
    expect(result.findings).toEqual([]);
    expect(result.config).toMatchObject({ zoneId: 2, name: 'zoneR-rt', cpus: [3], interrupts: [6], pciConfig: [], allocPciDevs: [] });
  });

  it('treats the path "null" as nothing to load and modules as extra images of any 0x05 tool', () => {
    const result = parseEdited((d) => {
      d.dtb_filepath = 'null';
      d.alloc_pci_devs = [];
      d.modules = [{ name: 'initrd', filepath: './initrd.img', load_paddr: '0x88000000' }];
    });
    expect(result.findings).toEqual([]);
    // modules exists in every 0x05 tool (hvisor-tool b38e455 tools/hvisor.c parse_modules): no generation marker.
    expect(result.generation).toBe(0x05);
    expect(result.structSize).toBe(3080);
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
    expect(numberAt('0x20000000000001').findings).toEqual([error('entry_point', '0x20000000000001 is above 2^53 and a double cannot hold it exactly, so the workbench cannot represent it')]);
    // Above 2^53 a double holds multiples of a power of two exactly: LoongArch's DMW entry points are such.
    expect(numberAt('0x90000000c0dff000').config?.entryPoint).toBe(0x9000_0000_c0df_f000);
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
    const modules = parseEdited((d) => {
      delete d.pci_config;
      d.modules = [];
    });
    expect(modules.findings).toEqual([warning('pci_config', 'is missing; hvisor-tool since PR #87 refuses a zone without it (write "pci_config": [])')]);
    const vbdf = parseEdited((d) => {
      delete d.pci_config;
      for (const dev of d.alloc_pci_devs) Object.assign(dev, { v_bus: dev.bus, v_device: dev.device, v_function: dev.function });
    });
    expect(vbdf.findings).toContainEqual(error('pci_config', 'is missing; hvisor-tool since PR #87 refuses a zone without it (write "pci_config": [])'));
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
    // Every hvisor-tool that reads one of them reads all three, in every entry, and fails without one.
    const mixed = parseEdited((d) => (d.alloc_pci_devs[1].V_Device = 2));
    expect(mixed.generation).toBe(0x06);
    expect(mixed.config).toBeUndefined();
    expect(mixed.findings).toEqual([
      error('alloc_pci_devs[0].v_bus', 'required key is missing'),
      error('alloc_pci_devs[0].v_device', 'required key is missing'),
      error('alloc_pci_devs[0].v_function', 'required key is missing'),
      error('alloc_pci_devs[1].v_bus', 'required key is missing'),
      warning('alloc_pci_devs[1].V_Device', 'hvisor-tool matches keys regardless of case and reads this as "v_device"; write "v_device"'),
      error('alloc_pci_devs[1].v_function', 'required key is missing'),
    ]);
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

describe('zone JSON: read as hvisor-tool reads it (cJSON)', () => {
  /** zone1-linux.json's text with `extra` spliced in right after the opening brace. */
  const withLeadingKeys = (extra: string): string => fixture('zone1-linux.json').replace('{', `{ ${extra},`);

  it('takes the first of repeated keys, where JSON.parse would take the last', () => {
    const text = withLeadingKeys('"zone_id": 3');
    expect(JSON.parse(text).zone_id).toBe(1);
    const result = parseZoneConfig(text, 'z.json');
    expect(result.config?.zoneId).toBe(3);
    expect(result.findings).toEqual([warning('zone_id', 'given again on line 4; hvisor-tool reads the first value and ignores the later one')]);
  });

  it('takes the first key that matches regardless of case, even when an exact match follows', () => {
    const result = parseZoneConfig(withLeadingKeys('"ZONE_ID": 5'), 'z.json');
    expect(result.config?.zoneId).toBe(5);
    expect(result.findings).toEqual([
      warning('ZONE_ID', 'hvisor-tool matches keys regardless of case and reads this as "zone_id"; write "zone_id"'),
      warning('zone_id', 'hvisor-tool reads "ZONE_ID", which comes first (keys match regardless of case), and ignores this one'),
    ]);
  });

  it('repeated keys inside nested objects count too, and an own "__proto__" key stays data', () => {
    const text = fixture('zone1-linux.json').replace('"plic_base": "0xc000000"', '"plic_base": "0xc000000", "__proto__": 1, "PLIC_BASE": "0x1000", "plic_base": "0x2000"');
    const result = parseZoneConfig(text, 'z.json');
    expect(result.config?.archConfig).toMatchObject({ plicBase: 0xc00_0000 });
    expect(result.findings.map((f) => f.path)).toEqual(['arch_config.plic_base', 'arch_config.__proto__', 'arch_config.PLIC_BASE']);
  });
});

describe('zone JSON of another architecture', () => {
  it('names the architecture of an aarch64 arch_config in one message', () => {
    const result = parseEdited((d) => {
      d.arch = 'arm64';
      d.arch_config = { gic_version: 'v3', gicd_base: '0x8000000', gicd_size: '0x10000', gicr_base: '0x80a0000', gicr_size: '0xf60000' };
    });
    expect(result.config).toBeUndefined();
    expect(result.findings).toEqual([
      error('arch_config', 'this zone configuration is for aarch64 (arch_config has gic_version, gicd_base, gicd_size); the board is riscv64, whose arch_config has plic_base, plic_size, aplic_base and aplic_size'),
    ]);
  });

  it('names loongarch64 from its "dummy" arch_config, and x86_64 from the "arch" key alone', () => {
    expect(parseEdited((d) => (d.arch_config = { dummy: '0x1234' })).findings).toEqual([
      error('arch_config', expect.stringMatching(/^this zone configuration is for loongarch64 \(arch_config has dummy\)/) as unknown as string),
    ]);
    expect(parseEdited((d) => ((d.arch = 'x86_64'), delete d.arch_config)).findings).toContainEqual(
      error('', expect.stringMatching(/^this zone configuration is for x86_64 \("arch": "x86_64"\)/) as unknown as string),
    );
  });
});

describe('zone JSON: hostile files give one message naming the file and where', () => {
  it('refuses nesting deeper than 64 levels with the line, column and path', () => {
    const deep = `{ "name": "deep", "cpus": ${'['.repeat(100_000)}${']'.repeat(100_000)} }`;
    const result = parseZoneConfig(deep, 'deep.json');
    expect(result.findings).toEqual([
      { ...error('', 'not readable: nested more than 64 levels deep (line 1, column 90, at cpus' + '[0]'.repeat(63) + '); configuration files need at most a few levels'), file: 'deep.json' },
    ]);
  });

  it('reads a huge array in linear time and reports it once', () => {
    const many = (n: number): string => fixture('zone1-linux.json').replace('"interrupts": [7, 34]', `"modules": [${Array(n).fill('{"name": 1}').join(',')}], "interrupts": [7, 34]`);
    const started = performance.now();
    const result = parseZoneConfig(many(1_000_000), 'huge.json');
    // Linear: about a second on a loaded machine; quadratic handling of a million entries would take hours.
    expect(performance.now() - started).toBeLessThan(20_000);
    expect(result.findings).toEqual([{ ...error('modules', '1000000 entries; the workbench loads at most 64 modules (hvisor-tool sets no limit)'), file: 'huge.json' }]);
  });

  it('says where a syntax error is', () => {
    expect(parseZoneConfig('{\n  "zone_id": 1,\n  "cpus": [2 3]\n}', 'z.json').findings).toEqual([
      error('', "not valid JSON: unexpected \"3\", expected ',' or ']' (line 3, column 14, at cpus[0])"),
    ]);
  });
});
