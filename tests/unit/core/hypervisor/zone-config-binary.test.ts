import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ZONE_CONFIG_OFFSETS,
  ZONE_CONFIG_SIZE,
  ZoneConfigDecodeError,
  ZoneConfigEncodeError,
  decodeZoneConfig,
  encodeZoneConfig,
} from '../../../../src/core/hypervisor/zone-config-binary';
import type { ZoneConfig } from '../../../../src/shared/model/zone-config';
import { parseZoneConfig } from '../../../../src/shared/validate/zone-config';

const FIXTURES = join(__dirname, '../../../fixtures/zones');

function fixture(name: string): ZoneConfig {
  const parsed = parseZoneConfig(readFileSync(join(FIXTURES, name), 'utf8'), name);
  if (!parsed.config) throw new Error(JSON.stringify(parsed.findings));
  return parsed.config;
}

/** What a decoded struct can say about a zone: no file paths, no modules, the sizes it recorded. */
function asDecoded(zone: ZoneConfig, source = 'HvZoneConfig'): ZoneConfig {
  return { ...zone, source, kernelFilepath: null, dtbFilepath: null, modules: [] };
}

/** Lays out a repr(C) struct the way a C compiler does: each field at its alignment, the size rounded to the largest. */
type CType = { size: number; align: number };
const scalar = (size: number): CType => ({ size, align: size });
const array = (t: CType, n: number): CType => ({ size: t.size * n, align: t.align });
function struct(fields: [string, CType][]): CType & { offsets: Record<string, number> } {
  let offset = 0;
  let align = 1;
  const offsets: Record<string, number> = {};
  for (const [name, t] of fields) {
    offset = Math.ceil(offset / t.align) * t.align;
    offsets[name] = offset;
    offset += t.size;
    align = Math.max(align, t.align);
  }
  return { size: Math.ceil(offset / align) * align, align, offsets };
}

describe('HvZoneConfig layout (riscv64, magic 0x05)', () => {
  it('is 3080 bytes with the documented offsets, computed from the struct definition', () => {
    const [u8, u32, u64] = [scalar(1), scalar(4), scalar(8)];
    const region = struct([['mem_type', u32], ['physical_start', u64], ['virtual_start', u64], ['size', u64]]);
    const ivc = struct([
      ['ivc_id', u32], ['peer_id', u32], ['control_table_ipa', u64], ['shared_mem_ipa', u64],
      ['rw_sec_size', u32], ['out_sec_size', u32], ['interrupt_num', u32], ['max_peers', u32],
    ]);
    const pciBus = struct([...Array.from({ length: 11 }, (_, i): [string, CType] => [`w${i}`, u64]), ['bus_range_begin', u32], ['bus_range_end', u32], ['domain', u8]]);
    const pciDev = struct([['domain', u8], ['bus', u8], ['device', u8], ['function', u8], ['dev_type', u32]]);
    const riscvArch = struct([['plic_base', u64], ['plic_size', u64], ['aplic_base', u64], ['aplic_size', u64]]);
    expect([region.size, ivc.size, pciBus.size, pciDev.size, riscvArch.size]).toEqual([32, 40, 104, 8, 32]);
    expect(pciBus.offsets).toMatchObject({ bus_range_begin: 88, bus_range_end: 92, domain: 96 });

    const zone = struct([
      ['zoneId', u32], ['cpus', u64], ['numMemoryRegions', u32], ['memoryRegions', array(region, 64)],
      ['interruptsBitmap', array(u32, 32)], ['numIvcConfigs', u32], ['ivcConfigs', array(ivc, 2)],
      ['entryPoint', u64], ['kernelLoadPaddr', u64], ['kernelSize', u64], ['dtbLoadPaddr', u64], ['dtbSize', u64],
      ['name', array(u8, 32)], ['archConfig', riscvArch], ['numPciBus', u64], ['pciConfig', array(pciBus, 4)],
      ['numPciDevs', u64], ['allocPciDevs', array(pciDev, 32)],
    ]);
    expect(zone.size).toBe(3080);
    expect(ZONE_CONFIG_SIZE).toBe(zone.size);
    expect(ZONE_CONFIG_OFFSETS).toEqual(zone.offsets);
  });
});

describe('encoding', () => {
  it('writes zone1 at the right offsets', () => {
    const bytes = encodeZoneConfig({ ...fixture('zone1-linux.json'), kernelSize: 0x200_0000, dtbSize: 0x2000 });
    expect(bytes.length).toBe(3080);
    const view = new DataView(bytes.buffer);
    const u64 = (offset: number): bigint => view.getBigUint64(offset, true);
    const O = ZONE_CONFIG_OFFSETS;
    expect(view.getUint32(O.zoneId, true)).toBe(1);
    expect(u64(O.cpus)).toBe(0b1100n);
    expect(view.getUint32(O.numMemoryRegions, true)).toBe(2);
    expect(view.getUint32(O.memoryRegions + 32, true)).toBe(2);
    expect(u64(O.memoryRegions + 8)).toBe(0x8500_0000n);
    expect(u64(O.memoryRegions + 32 + 8)).toBe(0x1000_7000n);
    expect(u64(O.memoryRegions + 24)).toBe(0x0a00_0000n);
    expect(view.getUint32(O.interruptsBitmap, true)).toBe(1 << 7);
    expect(view.getUint32(O.interruptsBitmap + 4, true)).toBe(1 << 2);
    expect(u64(O.entryPoint)).toBe(0x8600_0000n);
    expect(u64(O.kernelSize)).toBe(0x200_0000n);
    expect(u64(O.dtbLoadPaddr)).toBe(0x8500_0000n);
    expect(Array.from(bytes.subarray(O.name, O.name + 7))).toEqual([...Buffer.from('linux1'), 0]);
    expect(u64(O.archConfig)).toBe(0xc00_0000n);
    expect(u64(O.archConfig + 24)).toBe(0x8000n);
    expect(u64(O.numPciBus)).toBe(1n);
    expect(u64(O.pciConfig + 8 * 8)).toBe(0x4_0000_0000n);
    expect(view.getUint32(O.pciConfig + 92, true)).toBe(0x1f);
    expect(u64(O.numPciDevs)).toBe(2n);
    expect(Array.from(bytes.subarray(O.allocPciDevs + 8, O.allocPciDevs + 16))).toEqual([0, 0, 2, 0, 0, 0, 0, 0]);
  });

  it('refuses what the struct cannot carry', () => {
    // The JSON reader already refuses such a file (virtualBdfProblem); the encoder keeps its own guard.
    const zone1 = fixture('zone1-linux.json');
    const remapped = { ...zone1, allocPciDevs: zone1.allocPciDevs.map((d, i) => (i === 1 ? { ...d, vDevice: 1 } : d)) };
    expect(() => encodeZoneConfig(remapped)).toThrow(ZoneConfigEncodeError);
    expect(() => encodeZoneConfig(remapped)).toThrow(/^alloc_pci_devs\[1\]: virtual BDF 0000:00:01\.0 differs from the physical 0000:00:0\d\.0: hvisor v0\.4 cannot remap/);
    expect(() => encodeZoneConfig({ ...fixture('zone1-linux.json'), name: 'é'.repeat(17) })).toThrow('name: 34 bytes, at most 32');
    expect(() => encodeZoneConfig({ ...fixture('zone1-linux.json'), cpus: [64] })).toThrow('cpus: hart 64 does not fit the u64 bitmap');
  });
});

describe('round trip', () => {
  it('decodes what it encodes', () => {
    for (const name of ['zone1-linux.json', 'zoneR-baremetal.json']) {
      const zone = fixture(name);
      expect(decodeZoneConfig(encodeZoneConfig(zone), 'HvZoneConfig', 'riscv64')).toEqual(asDecoded(zone));
    }
  });

  it('keeps every limit, a 32-byte name and UTF-8', () => {
    const base = fixture('zone1-linux.json');
    const full: ZoneConfig = {
      ...base,
      zoneId: 0xffff_ffff,
      name: 'zone-ü-'.padEnd(31, 'x'),
      cpus: [0, 31, 63],
      memoryRegions: Array.from({ length: 64 }, (_, i) => ({
        type: (['ram', 'io', 'virtio'] as const)[i % 3]!, physicalStart: 0x1_0000_0000 * i, virtualStart: 0x1000 * i, size: Number.MAX_SAFE_INTEGER - i,
      })),
      interrupts: Array.from({ length: 1024 }, (_, i) => i),
      ivcConfigs: [0, 1].map((i) => ({ ivcId: i, peerId: 1 - i, controlTableIpa: 0xd000_0000, sharedMemIpa: 0xd000_1000, rwSecSize: 0, outSecSize: 0x1000, interruptNum: 66 + i, maxPeers: 2 })),
      kernelSize: 0x123_4000,
      dtbSize: 0x1000,
      pciConfig: Array.from({ length: 4 }, (_, i) => ({ ...base.pciConfig[0]!, domain: i, busRangeEnd: 0xffff_ffff })),
      allocPciDevs: Array.from({ length: 32 }, (_, i) => ({ domain: 3, bus: 0xff, device: i, function: i % 8, vBus: 0xff, vDevice: i, vFunction: i % 8, devType: 1 })),
    };
    expect(new TextEncoder().encode(full.name).length).toBe(32);
    expect(decodeZoneConfig(encodeZoneConfig(full), 'ram@0x88000000', 'riscv64')).toEqual(asDecoded(full, 'ram@0x88000000'));
  });
});

describe('decode errors name the offset and field', () => {
  const valid = (): Uint8Array => encodeZoneConfig(fixture('zone1-linux.json'));
  const decodeError = (bytes: Uint8Array): ZoneConfigDecodeError => {
    try {
      decodeZoneConfig(bytes, 'HvZoneConfig', 'riscv64');
    } catch (error) {
      if (error instanceof ZoneConfigDecodeError) return error;
      throw error;
    }
    throw new Error('decoded');
  };

  it('checks the size hv_zone_start checks', () => {
    expect(decodeError(new Uint8Array(3136)).message).toBe('HvZoneConfig offset 0 (sizeof(HvZoneConfig)): expected 3080 bytes (riscv64, config magic 0x05), got 3136');
  });

  it('checks counts, types, 64-bit values and the name', () => {
    const cases: [string, (view: DataView, bytes: Uint8Array) => void, string][] = [
      ['num_memory_regions', (v) => v.setUint32(16, 65, true), 'HvZoneConfig offset 16 (num_memory_regions): 65 entries, at most 64'],
      ['mem_type', (v) => v.setUint32(24 + 32, 3, true), 'HvZoneConfig offset 56 (memory_regions[1].mem_type): 3 is not MEM_TYPE_RAM (0), MEM_TYPE_IO (1) or MEM_TYPE_VIRTIO (2)'],
      ['num_ivc_configs', (v) => v.setUint32(2200, 3, true), 'HvZoneConfig offset 2200 (num_ivc_configs): 3 entries, at most 2'],
      ['entry_point', (v) => v.setBigUint64(2288, (1n << 60n) + 1n, true), 'HvZoneConfig offset 2288 (entry_point): 0x1000000000000001 is above 2^53 and a double cannot hold it exactly, so the workbench cannot represent it'],
      ['name', (_, b) => b.set([0xff, 0xfe], 2328), 'HvZoneConfig offset 2328 (name): is not UTF-8 text'],
      ['num_pci_bus', (v) => v.setBigUint64(2392, 5n, true), 'HvZoneConfig offset 2392 (num_pci_bus): 5 entries, at most 4'],
      ['num_pci_devs', (v) => v.setBigUint64(2816, 33n, true), 'HvZoneConfig offset 2816 (num_pci_devs): 33 entries, at most 32'],
    ];
    for (const [field, corrupt, message] of cases) {
      const bytes = valid();
      corrupt(new DataView(bytes.buffer), bytes);
      const error = decodeError(bytes);
      expect(error.message).toBe(message);
      expect(error.field).toContain(field);
    }
  });
});
