/**
 * The binary HvZoneConfig that hvisor-tool's kernel module hands to hypercall 2 (HvZoneStart), at
 * CONFIG_MAGIC_VERSION 0x05 (hvisor v0.4 src/config.rs, hvisor-tool include/zone_config.h at b38e455),
 * for each architecture: the offsets come from that arch's table in zone-config-layouts.ts (compared
 * with the compiled header by its test), arch_config from the arch's codec in arch/<arch>/. hv_zone_start
 * refuses the call unless arg1 equals the struct's size (riscv64 3080, aarch64 3136, loongarch64 3056).
 *
 * riscv64 layout, little-endian, natural alignment (the other arches differ from arch_config on):
 *
 * | offset | size | field                                                          |
 * |-------:|-----:|----------------------------------------------------------------|
 * |      0 |    4 | zone_id: u32 (+4 padding)                                      |
 * |      8 |    8 | cpus: u64 bitmap                                               |
 * |     16 |    4 | num_memory_regions: u32 (+4 padding)                           |
 * |     24 | 2048 | memory_regions[64] (32 B: u32 mem_type, pad, u64 physical_start @8, virtual_start @16, size @24) |
 * |   2072 |  128 | interrupts_bitmap: [u32; 32]                                   |
 * |   2200 |    4 | num_ivc_configs: u32 (+4 padding)                              |
 * |   2208 |   80 | ivc_configs[2] (40 B: u32 ivc_id, peer_id; u64 control_table_ipa @8, shared_mem_ipa @16; u32 rw_sec_size @24, out_sec_size @28, interrupt_num @32, max_peers @36) |
 * |   2288 |   40 | entry_point, kernel_load_paddr, kernel_size, dtb_load_paddr, dtb_size: u64 |
 * |   2328 |   32 | name: [u8; 32] (no NUL when 32 bytes long)                     |
 * |   2360 |   32 | arch_config (riscv64): plic_base, plic_size, aplic_base, aplic_size: u64 |
 * |   2392 |    8 | num_pci_bus: u64                                               |
 * |   2400 |  416 | pci_config[4] (104 B: 11 x u64, u32 bus_range_begin @88, u32 bus_range_end @92, u8 domain @96, 7 padding) |
 * |   2816 |    8 | num_pci_devs: u64                                              |
 * |   2824 |  256 | alloc_pci_devs[32] (8 B: u8 domain, bus, device, function; u32 dev_type @4) |
 * |   3080 |      | end                                                            |
 *
 * v0x06 adds the virtual BDF to alloc_pci_devs (and UEFI to aarch64's arch_config); that layout is not
 * in the hvisor source this project follows, so only 0x05 is encoded. The v* fields of a decoded
 * device equal the physical BDF.
 */
import type { BoardArch } from '../../shared/model/board';
import { ARCH_ZONE_MODELS } from '../../shared/model/arch/registry';
import {
  type ArchConfig,
  type ArchConfigOf,
  type PciBusConfig,
  type PciDeviceAssignment,
  type ZoneConfig,
  type ZoneMemoryRegion,
  ZONE_LIMITS,
  utf8Bytes,
  utf8Decode,
  virtualBdfProblem,
} from '../../shared/model/zone-config';
import { aarch64ZoneConfigArch } from './arch/aarch64/zone-config-arch';
import { loongarchZoneConfigArch } from './arch/loongarch64/zone-config-arch';
import { riscvZoneConfigArch } from './arch/riscv64/zone-config-arch';
import { type ZoneConfigArch, type ZoneConfigLayout, ZONE_CONFIG_LAYOUTS, resolveField } from './zone-config-layouts';

/** Writes one member of the struct, named by its C designator in hvisor-tool's zone_config.h. */
export interface StructWriter {
  u8(path: string, value: number): void;
  u64(path: string, value: number): void;
}

/** Reads one member of the struct by its C designator; `fail` throws a ZoneConfigDecodeError at that member. */
export interface StructReader {
  u8(path: string): number;
  u64(path: string): number;
  fail(path: string, detail: string): never;
}

/** One architecture's arch_config in the binary (src/core/hypervisor/arch/<arch>/zone-config-arch.ts). */
export interface ArchConfigCodec<A extends BoardArch> {
  encode(config: ArchConfigOf<A>, out: StructWriter): void;
  decode(input: StructReader): ArchConfigOf<A>;
}

/** The codecs by architecture: the only place the encoder names one. */
const ARCH_CODECS: { readonly [A in BoardArch]: ArchConfigCodec<A> } = {
  riscv64: riscvZoneConfigArch,
  aarch64: aarch64ZoneConfigArch,
  loongarch64: loongarchZoneConfigArch,
};

/** Every modelled board architecture has a measured layout, and no layout lacks a board architecture. */
const LAYOUT_OF: { readonly [A in BoardArch]: ZoneConfigLayout } = ZONE_CONFIG_LAYOUTS satisfies Record<ZoneConfigArch, ZoneConfigLayout>;

export const ZONE_CONFIG_MAGIC = 0x05;

/** The C members the encoder places by hand, by their model names. */
const MEMBERS = {
  zoneId: 'zone_id',
  cpus: 'cpus',
  numMemoryRegions: 'num_memory_regions',
  memoryRegions: 'memory_regions',
  interruptsBitmap: 'interrupts_bitmap',
  numIvcConfigs: 'num_ivc_configs',
  ivcConfigs: 'ivc_configs',
  entryPoint: 'entry_point',
  kernelLoadPaddr: 'kernel_load_paddr',
  kernelSize: 'kernel_size',
  dtbLoadPaddr: 'dtb_load_paddr',
  dtbSize: 'dtb_size',
  name: 'name',
  archConfig: 'arch_config',
  numPciBus: 'num_pci_bus',
  pciConfig: 'pci_config',
  numPciDevs: 'num_pci_devs',
  allocPciDevs: 'alloc_pci_devs',
} as const;

export type ZoneConfigOffsets = { readonly [K in keyof typeof MEMBERS]: number };

/** Where each member starts in one arch's struct, and the element sizes of its arrays. */
interface Placement {
  readonly size: number;
  readonly offsets: ZoneConfigOffsets;
  readonly region: number;
  readonly ivc: number;
  readonly pciBus: number;
  readonly pciDev: number;
  /** C designator -> offset, for the arch codecs. */
  readonly resolved: Map<string, { offset: number; size: number }>;
}

const placements = new Map<BoardArch, Placement>();
function placement(arch: BoardArch): Placement {
  const known = placements.get(arch);
  if (known) return known;
  const layout = LAYOUT_OF[arch];
  const offsets = Object.fromEntries(Object.entries(MEMBERS).map(([key, name]) => [key, resolveField(layout, name).offset])) as unknown as ZoneConfigOffsets;
  const element = (name: string): number => resolveField(layout, `${name}[0]`).size;
  const made: Placement = {
    size: layout.size, offsets, region: element('memory_regions'), ivc: element('ivc_configs'), pciBus: element('pci_config'), pciDev: element('alloc_pci_devs'), resolved: new Map(),
  };
  placements.set(arch, made);
  return made;
}

/** A member of arch_config by designator, checked against the width the codec means to use. */
function member(arch: BoardArch, path: string, width: number): number {
  const place = placement(arch);
  let found = place.resolved.get(path);
  if (!found) {
    const field = resolveField(LAYOUT_OF[arch], path);
    found = { offset: field.offset, size: field.size * field.count };
    place.resolved.set(path, found);
  }
  if (found.size !== width) throw new Error(`${arch} HvZoneConfig: ${path} is ${found.size} bytes, not ${width}`);
  return found.offset;
}

/** sizeof(HvZoneConfig) of `arch` at magic 0x05: the arg1 hv_zone_start insists on. */
export function zoneConfigSize(arch: BoardArch): number {
  return placement(arch).size;
}

/** riscv64's, which the hypervisor the workbench runs today takes. */
export const ZONE_CONFIG_SIZE = zoneConfigSize('riscv64');
export const ZONE_CONFIG_OFFSETS: ZoneConfigOffsets = placement('riscv64').offsets;

/** A member's offset in `arch`'s struct (the name the hypervisor reads, say). */
export function zoneConfigOffsets(arch: BoardArch): ZoneConfigOffsets {
  return placement(arch).offsets;
}

const MEM_TYPES = ['ram', 'io', 'virtio'] as const;
const PCI_U64_FIELDS = [
  ['ecamBase', 'ecam_base'], ['ecamSize', 'ecam_size'], ['ioBase', 'io_base'], ['ioSize', 'io_size'],
  ['pciIoBase', 'pci_io_base'], ['mem32Base', 'mem32_base'], ['mem32Size', 'mem32_size'],
  ['pciMem32Base', 'pci_mem32_base'], ['mem64Base', 'mem64_base'], ['mem64Size', 'mem64_size'],
  ['pciMem64Base', 'pci_mem64_base'],
] as const;

/** A malformed struct; `offset` and `field` say where. */
export class ZoneConfigDecodeError extends Error {
  constructor(readonly offset: number, readonly field: string, detail: string) {
    super(`HvZoneConfig offset ${offset} (${field}): ${detail}`);
  }
}

/** A model the binary cannot carry (out-of-range values); the JSON parser refuses the same. */
export class ZoneConfigEncodeError extends Error {}

/** 2^64: a double below it that is an integer is a u64 exactly (BigInt of it is exact). */
const U64_LIMIT = 2 ** 64;

/**
 * The struct for the zone's architecture, which its arch_config carries (the board's: the parser was
 * given it).
 */
export function encodeZoneConfig(zone: ZoneConfig): Uint8Array {
  const arch = zone.archConfig.arch;
  const place = placement(arch);
  const bytes = new Uint8Array(place.size);
  const view = new DataView(bytes.buffer);
  const O = place.offsets;
  const u64 = (offset: number, value: number, field: string): void => {
    if (!Number.isInteger(value) || value < 0 || value >= U64_LIMIT) throw new ZoneConfigEncodeError(`${field}: ${value} is not a u64 the model can hold`);
    view.setBigUint64(offset, BigInt(value), true);
  };
  const u32 = (offset: number, value: number, field: string): void => {
    if (!Number.isInteger(value) || value < 0 || value > 0xffff_ffff) throw new ZoneConfigEncodeError(`${field}: ${value} does not fit in a u32`);
    view.setUint32(offset, value, true);
  };
  const u8 = (offset: number, value: number, field: string): void => {
    if (!Number.isInteger(value) || value < 0 || value > 0xff) throw new ZoneConfigEncodeError(`${field}: ${value} does not fit in a u8`);
    view.setUint8(offset, value);
  };
  const limit = (count: number, max: number, field: string): void => {
    if (count > max) throw new ZoneConfigEncodeError(`${field}: ${count} entries, at most ${max}`);
  };

  u32(O.zoneId, zone.zoneId, 'zone_id');
  let cpus = 0n;
  for (const cpu of zone.cpus) {
    if (!Number.isInteger(cpu) || cpu < 0 || cpu >= ZONE_LIMITS.cpus) throw new ZoneConfigEncodeError(`cpus: hart ${cpu} does not fit the u64 bitmap`);
    cpus |= 1n << BigInt(cpu);
  }
  view.setBigUint64(O.cpus, cpus, true);

  limit(zone.memoryRegions.length, ZONE_LIMITS.memoryRegions, 'memory_regions');
  u32(O.numMemoryRegions, zone.memoryRegions.length, 'num_memory_regions');
  zone.memoryRegions.forEach((region, i) => {
    const at = O.memoryRegions + i * place.region;
    const field = `memory_regions[${i}]`;
    u32(at, MEM_TYPES.indexOf(region.type), `${field}.mem_type`);
    u64(at + 8, region.physicalStart, `${field}.physical_start`);
    u64(at + 16, region.virtualStart, `${field}.virtual_start`);
    u64(at + 24, region.size, `${field}.size`);
  });

  for (const irq of zone.interrupts) {
    if (!Number.isInteger(irq) || irq < 0 || irq >= ZONE_LIMITS.interrupts) throw new ZoneConfigEncodeError(`interrupts: IRQ ${irq} is outside the 1024-bit bitmap`);
    const at = O.interruptsBitmap + 4 * Math.floor(irq / 32);
    view.setUint32(at, (view.getUint32(at, true) | (1 << irq % 32)) >>> 0, true);
  }

  limit(zone.ivcConfigs.length, ZONE_LIMITS.ivcConfigs, 'ivc_configs');
  u32(O.numIvcConfigs, zone.ivcConfigs.length, 'num_ivc_configs');
  zone.ivcConfigs.forEach((ivc, i) => {
    const at = O.ivcConfigs + i * place.ivc;
    const field = `ivc_configs[${i}]`;
    u32(at, ivc.ivcId, `${field}.ivc_id`);
    u32(at + 4, ivc.peerId, `${field}.peer_id`);
    u64(at + 8, ivc.controlTableIpa, `${field}.control_table_ipa`);
    u64(at + 16, ivc.sharedMemIpa, `${field}.shared_mem_ipa`);
    u32(at + 24, ivc.rwSecSize, `${field}.rw_sec_size`);
    u32(at + 28, ivc.outSecSize, `${field}.out_sec_size`);
    u32(at + 32, ivc.interruptNum, `${field}.interrupt_num`);
    u32(at + 36, ivc.maxPeers, `${field}.max_peers`);
  });

  u64(O.entryPoint, zone.entryPoint, 'entry_point');
  u64(O.kernelLoadPaddr, zone.kernelLoadPaddr, 'kernel_load_paddr');
  u64(O.kernelSize, zone.kernelSize ?? 0, 'kernel_size');
  u64(O.dtbLoadPaddr, zone.dtbLoadPaddr, 'dtb_load_paddr');
  u64(O.dtbSize, zone.dtbSize ?? 0, 'dtb_size');

  const name = utf8Bytes(zone.name);
  if (name.length > ZONE_LIMITS.nameBytes) throw new ZoneConfigEncodeError(`name: ${name.length} bytes, at most ${ZONE_LIMITS.nameBytes}`);
  bytes.set(name, O.name);

  const writer: StructWriter = {
    u8: (path, value) => u8(member(arch, path, 1), value, path),
    u64: (path, value) => u64(member(arch, path, 8), value, path),
  };
  (ARCH_CODECS[arch] as ArchConfigCodec<BoardArch>).encode(zone.archConfig, writer);

  limit(zone.pciConfig.length, ZONE_LIMITS.pciBuses, 'pci_config');
  u64(O.numPciBus, zone.pciConfig.length, 'num_pci_bus');
  zone.pciConfig.forEach((bus, i) => {
    const at = O.pciConfig + i * place.pciBus;
    const field = `pci_config[${i}]`;
    PCI_U64_FIELDS.forEach(([key, name], k) => u64(at + 8 * k, bus[key], `${field}.${name}`));
    u32(at + 88, bus.busRangeBegin, `${field}.bus_range_begin`);
    u32(at + 92, bus.busRangeEnd, `${field}.bus_range_end`);
    u8(at + 96, bus.domain, `${field}.domain`);
  });

  limit(zone.allocPciDevs.length, ZONE_LIMITS.pciDevices, 'alloc_pci_devs');
  u64(O.numPciDevs, zone.allocPciDevs.length, 'num_pci_devs');
  zone.allocPciDevs.forEach((dev, i) => {
    const at = O.allocPciDevs + i * place.pciDev;
    const field = `alloc_pci_devs[${i}]`;
    const problem = virtualBdfProblem(dev, ARCH_ZONE_MODELS[arch].zoneConfigBytes);
    if (problem) throw new ZoneConfigEncodeError(`${field}: ${problem}`);
    u8(at, dev.domain, `${field}.domain`);
    u8(at + 1, dev.bus, `${field}.bus`);
    u8(at + 2, dev.device, `${field}.device`);
    u8(at + 3, dev.function, `${field}.function`);
    u32(at + 4, dev.devType, `${field}.dev_type`);
  });
  return bytes;
}

/**
 * Reads the struct as hvisor built for `arch` would receive it. `source` names where it came from (a
 * guest-physical address, a file). Images are unknown here, so the file paths are null and the sizes
 * are those recorded.
 */
export function decodeZoneConfig(bytes: Uint8Array, source: string, arch: BoardArch): ZoneConfig {
  const place = placement(arch);
  if (bytes.length !== place.size) {
    throw new ZoneConfigDecodeError(0, 'sizeof(HvZoneConfig)', `expected ${place.size} bytes (${arch}, config magic 0x05), got ${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const O = place.offsets;
  const u64 = (offset: number, field: string): number => {
    const value = view.getBigUint64(offset, true);
    if (value > BigInt(Number.MAX_SAFE_INTEGER) && BigInt(Number(value)) !== value) {
      throw new ZoneConfigDecodeError(offset, field, `0x${value.toString(16)} is above 2^53 and a double cannot hold it exactly, so the workbench cannot represent it`);
    }
    return Number(value);
  };
  const u32 = (offset: number): number => view.getUint32(offset, true);
  const count = (offset: number, field: string, max: number, wide: boolean): number => {
    const value = wide ? u64(offset, field) : u32(offset);
    if (value > max) throw new ZoneConfigDecodeError(offset, field, `${value} entries, at most ${max}`);
    return value;
  };

  const cpuBits = view.getBigUint64(O.cpus, true);
  const cpus: number[] = [];
  for (let cpu = 0; cpu < ZONE_LIMITS.cpus; cpu++) if ((cpuBits >> BigInt(cpu)) & 1n) cpus.push(cpu);

  const memoryRegions: ZoneMemoryRegion[] = [];
  const regionCount = count(O.numMemoryRegions, 'num_memory_regions', ZONE_LIMITS.memoryRegions, false);
  for (let i = 0; i < regionCount; i++) {
    const at = O.memoryRegions + i * place.region;
    const field = `memory_regions[${i}]`;
    const type = MEM_TYPES[u32(at)];
    if (!type) throw new ZoneConfigDecodeError(at, `${field}.mem_type`, `${u32(at)} is not MEM_TYPE_RAM (0), MEM_TYPE_IO (1) or MEM_TYPE_VIRTIO (2)`);
    memoryRegions.push({
      type,
      physicalStart: u64(at + 8, `${field}.physical_start`),
      virtualStart: u64(at + 16, `${field}.virtual_start`),
      size: u64(at + 24, `${field}.size`),
    });
  }

  const interrupts: number[] = [];
  for (let irq = 0; irq < ZONE_LIMITS.interrupts; irq++) {
    if ((u32(O.interruptsBitmap + 4 * Math.floor(irq / 32)) >>> irq % 32) & 1) interrupts.push(irq);
  }

  const ivcCount = count(O.numIvcConfigs, 'num_ivc_configs', ZONE_LIMITS.ivcConfigs, false);
  const ivcConfigs = Array.from({ length: ivcCount }, (_, i) => {
    const at = O.ivcConfigs + i * place.ivc;
    const field = `ivc_configs[${i}]`;
    return {
      ivcId: u32(at),
      peerId: u32(at + 4),
      controlTableIpa: u64(at + 8, `${field}.control_table_ipa`),
      sharedMemIpa: u64(at + 16, `${field}.shared_mem_ipa`),
      rwSecSize: u32(at + 24),
      outSecSize: u32(at + 28),
      interruptNum: u32(at + 32),
      maxPeers: u32(at + 36),
    };
  });

  const nameBytes = Array.from(bytes.subarray(O.name, O.name + ZONE_LIMITS.nameBytes));
  const nul = nameBytes.indexOf(0);
  const name = utf8Decode(nul >= 0 ? nameBytes.slice(0, nul) : nameBytes);
  if (name === undefined) throw new ZoneConfigDecodeError(O.name, 'name', 'is not UTF-8 text');

  const pciCount = count(O.numPciBus, 'num_pci_bus', ZONE_LIMITS.pciBuses, true);
  const pciConfig: PciBusConfig[] = Array.from({ length: pciCount }, (_, i) => {
    const at = O.pciConfig + i * place.pciBus;
    const field = `pci_config[${i}]`;
    const windows = Object.fromEntries(PCI_U64_FIELDS.map(([key, name], k) => [key, u64(at + 8 * k, `${field}.${name}`)]));
    return {
      ...(windows as Record<(typeof PCI_U64_FIELDS)[number][0], number>),
      busRangeBegin: u32(at + 88),
      busRangeEnd: u32(at + 92),
      domain: view.getUint8(at + 96),
    };
  });

  const devCount = count(O.numPciDevs, 'num_pci_devs', ZONE_LIMITS.pciDevices, true);
  const allocPciDevs: PciDeviceAssignment[] = Array.from({ length: devCount }, (_, i) => {
    const at = O.allocPciDevs + i * place.pciDev;
    const [domain, bus, device, fn] = [0, 1, 2, 3].map((k) => view.getUint8(at + k)) as [number, number, number, number];
    return { domain, bus, device, function: fn, vBus: bus, vDevice: device, vFunction: fn, devType: u32(at + 4) };
  });

  const kernelSize = u64(O.kernelSize, 'kernel_size');
  const dtbSize = u64(O.dtbSize, 'dtb_size');
  return {
    source,
    root: false,
    zoneId: u32(O.zoneId),
    name,
    cpus,
    memoryRegions,
    interrupts,
    ivcConfigs,
    kernelFilepath: null,
    dtbFilepath: null,
    kernelLoadPaddr: u64(O.kernelLoadPaddr, 'kernel_load_paddr'),
    dtbLoadPaddr: u64(O.dtbLoadPaddr, 'dtb_load_paddr'),
    entryPoint: u64(O.entryPoint, 'entry_point'),
    ...(kernelSize ? { kernelSize } : {}),
    ...(dtbSize ? { dtbSize } : {}),
    archConfig: decodeArchConfig(arch, view, u64),
    pciConfig,
    allocPciDevs,
    modules: [],
  };
}

function decodeArchConfig(arch: BoardArch, view: DataView, u64: (offset: number, field: string) => number): ArchConfig {
  const reader: StructReader = {
    u8: (path) => view.getUint8(member(arch, path, 1)),
    u64: (path) => u64(member(arch, path, 8), path),
    fail: (path, detail) => {
      throw new ZoneConfigDecodeError(resolveField(LAYOUT_OF[arch], path).offset, path, detail);
    },
  };
  return ARCH_CODECS[arch].decode(reader);
}
