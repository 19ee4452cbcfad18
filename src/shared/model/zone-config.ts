/**
 * A zone configuration as hvisor sees it: the fields of HvZoneConfig (hvisor src/config.rs, mirrored by
 * hvisor-tool include/zone_config.h), read from a hvisor-tool zone JSON file or built from a board's
 * root-zone constants. Addresses are numbers: the parser refuses values a double cannot hold exactly
 * (above 2^53 only multiples of a power of two, such as LoongArch's 0x9000_0000_c0df_f000 entry points).
 * arch_config is per architecture (arch/<arch>/arch-config.ts, reached through arch/registry.ts).
 */
import type { Board, MemoryRegion } from './board';
import { type ArchConfig, type ZoneConfigBytes, ARCH_ZONE_MODELS } from './arch/registry';
import { RISCV64_ZONE_CONFIG_BYTES } from './arch/riscv64/arch-config';

export type { ArchConfig, ArchConfigOf, ZoneConfigBytes } from './arch/registry';
export type { RiscvArchConfig } from './arch/riscv64/arch-config';
export type { Aarch64ArchConfig, Gicv2ZoneConfig, Gicv3ZoneConfig } from './arch/aarch64/arch-config';
export type { LoongArchArchConfig } from './arch/loongarch64/arch-config';
export { RISCV64_ZONE_CONFIG_BYTES };

/**
 * hvisor's CONFIG_MAGIC_VERSION: 0x05 is hvisor v0.4 (hvisor src/config.rs:26) and hvisor-tool up to
 * 345aa94; 0x06 is hvisor-tool since then. `modules` exists in every 0x05 tool, so it marks neither.
 */
export type ConfigGeneration = 0x05 | 0x06;

/** Limits of the binary struct (config.rs / zone_config.h); the tool refuses more. */
export const ZONE_LIMITS = {
  memoryRegions: 64,
  interrupts: 1024,
  nameBytes: 32,
  ivcConfigs: 2,
  pciBuses: 4,
  pciDevices: 32,
  /** `cpus` is a u64 bitmap. */
  cpus: 64,
  /** hvisor-tool sets no limit on `modules`; the workbench loads at most this many. */
  modules: 64,
} as const;

/** hvisor maps stage-2 memory in 4 KiB pages and asserts this alignment. */
export const PAGE_SIZE = 0x1000;

export type ZoneMemoryRegion = MemoryRegion;

/** HvIvcConfig (aarch64-only in hvisor v0.4). */
export interface IvcConfig {
  readonly ivcId: number;
  readonly peerId: number;
  readonly controlTableIpa: number;
  readonly sharedMemIpa: number;
  readonly rwSecSize: number;
  readonly outSecSize: number;
  readonly interruptNum: number;
  readonly maxPeers: number;
}

/** HvPciConfig: one PCIe host bridge (ECAM window and resource windows) the zone sees. */
export interface PciBusConfig {
  readonly ecamBase: number;
  readonly ecamSize: number;
  readonly ioBase: number;
  readonly ioSize: number;
  readonly pciIoBase: number;
  readonly mem32Base: number;
  readonly mem32Size: number;
  readonly pciMem32Base: number;
  readonly mem64Base: number;
  readonly mem64Size: number;
  readonly pciMem64Base: number;
  readonly busRangeBegin: number;
  readonly busRangeEnd: number;
  readonly domain: number;
}

/**
 * HvPciDevConfig: a PCI function moved into the zone. The v* fields are the guest-visible BDF (v0x06);
 * v0x05 has none, so they equal the physical BDF there.
 */
export interface PciDeviceAssignment {
  readonly domain: number;
  readonly bus: number;
  readonly device: number;
  readonly function: number;
  readonly vBus: number;
  readonly vDevice: number;
  readonly vFunction: number;
  /** 0 = physical device, 1 = hvisor's StandardVdev. */
  readonly devType: number;
}

/** The PCI address as lspci prints it: 0000:00:02.0. */
export function formatBdf(domain: number, bus: number, device: number, fn: number): string {
  const two = (n: number): string => n.toString(16).padStart(2, '0');
  return `${domain.toString(16).padStart(4, '0')}:${two(bus)}:${two(device)}.${fn}`;
}

/**
 * The one rule for a virtual BDF on the hypervisor the workbench models, shared by validation and
 * zone start: hvisor v0.4 cannot remap a PCI function (its HvPciDevConfig, hvisor src/config.rs:216,
 * has no virtual BDF), so a guest finds the device at its physical BDF whatever the file says. The
 * 0x05 struct carries a device whose virtual BDF equals the physical one; any other is refused.
 * `bytes` are the struct sizes of the zone's architecture.
 */
export function virtualBdfProblem(dev: PciDeviceAssignment, bytes: ZoneConfigBytes = RISCV64_ZONE_CONFIG_BYTES): string | undefined {
  if (dev.vBus === dev.bus && dev.vDevice === dev.device && dev.vFunction === dev.function) return undefined;
  const virtual = formatBdf(dev.domain, dev.vBus, dev.vDevice, dev.vFunction);
  const physical = formatBdf(dev.domain, dev.bus, dev.device, dev.function);
  return (
    `virtual BDF ${virtual} differs from the physical ${physical}: hvisor v0.4 cannot remap a device (its HvPciDevConfig has no virtual BDF), ` +
    `so the guest would find it at ${physical}; hvisor-tool's 0x05 versions that read v_bus/v_device/v_function build a ` +
    `${bytes.withVirtualBdf}-byte HvZoneConfig, which hvisor v0.4 refuses (EINVAL, it takes ${bytes.hvisorV04} bytes). ` +
    'Give the physical BDF as the virtual one'
  );
}

/** An extra blob hvisor-tool loads before starting the zone (`modules`, in every 0x05 and 0x06 tool). */
export interface ZoneModule {
  readonly name: string;
  readonly filepath: string;
  readonly loadPaddr: number;
}

export interface ZoneConfig {
  /** Where the description came from: a JSON file's path, or `board:<name>` for a root zone. */
  readonly source: string;
  /** True for the zone hvisor builds from board.rs (zone id 0). */
  readonly root: boolean;
  readonly zoneId: number;
  readonly name: string;
  /** Physical CPU ids, ascending; the first is the boot CPU. */
  readonly cpus: readonly number[];
  readonly memoryRegions: readonly ZoneMemoryRegion[];
  /** IRQ ids owned by the zone, ascending. */
  readonly interrupts: readonly number[];
  readonly ivcConfigs: readonly IvcConfig[];
  /** null when nothing is loaded: hvisor-tool's "null", a root zone, or a decoded binary. */
  readonly kernelFilepath: string | null;
  readonly dtbFilepath: string | null;
  /** Root-physical address hvisor-tool copies the kernel to. */
  readonly kernelLoadPaddr: number;
  /** Root-physical address hvisor-tool copies the DTB to; hvisor translates it into the guest's a1. */
  readonly dtbLoadPaddr: number;
  /** Guest-physical address of the first instruction. */
  readonly entryPoint: number;
  /** Page-rounded image sizes as hvisor-tool records them, once the images are known. */
  readonly kernelSize?: number;
  readonly dtbSize?: number;
  /** The board's architecture's arch_config (the JSON does not say which: hvisor-tool is built per arch). */
  readonly archConfig: ArchConfig;
  readonly pciConfig: readonly PciBusConfig[];
  readonly allocPciDevs: readonly PciDeviceAssignment[];
  readonly modules: readonly ZoneModule[];
}

/** One side of a conflict between two zones. */
export interface ZoneRef {
  readonly file: string;
  readonly zoneId: number;
  readonly name: string;
  /** JSON path of the conflicting field in that zone's description. */
  readonly path: string;
}

export interface ZoneFinding {
  readonly severity: 'error' | 'warning';
  readonly file: string;
  /** JSON path of the field, e.g. "memory_regions[2].size"; "" for the whole file. */
  readonly path: string;
  readonly message: string;
  /** For conflicts between zones: this zone first, then the other one. */
  readonly zones?: readonly [ZoneRef, ZoneRef];
}

/** UTF-8 bytes of a string: the tool measures the name with strlen, i.e. in bytes. */
export function utf8Bytes(text: string): number[] {
  const bytes: number[] = [];
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (code < 0x80) bytes.push(code);
    else if (code < 0x800) bytes.push(0xc0 | (code >> 6), 0x80 | (code & 0x3f));
    else if (code < 0x10000) bytes.push(0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f));
    else bytes.push(0xf0 | (code >> 18), 0x80 | ((code >> 12) & 0x3f), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f));
  }
  return bytes;
}

/** Decodes UTF-8, or returns undefined for malformed input (a binary name is just bytes). */
export function utf8Decode(bytes: readonly number[]): string | undefined {
  let text = '';
  for (let i = 0; i < bytes.length; ) {
    const lead = bytes[i]!;
    const length = lead < 0x80 ? 1 : lead >= 0xf0 && lead < 0xf8 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc2 && lead < 0xe0 ? 2 : 0;
    if (length === 0 || i + length > bytes.length) return undefined;
    let code = length === 1 ? lead : lead & (0xff >> (length + 1));
    for (let k = 1; k < length; k++) {
      const next = bytes[i + k]!;
      if ((next & 0xc0) !== 0x80) return undefined;
      code = (code << 6) | (next & 0x3f);
    }
    const minimum = [0, 0, 0x80, 0x800, 0x10000][length]!;
    if (code < minimum || code > 0x10ffff || (code >= 0xd800 && code < 0xe000)) return undefined;
    text += String.fromCodePoint(code);
    i += length;
  }
  return text;
}

/** The label a report uses for a zone: `zone 1 "linux1"`. */
export function zoneLabel(zone: Pick<ZoneConfig, 'zoneId' | 'name'>): string {
  return `zone ${zone.zoneId} ${JSON.stringify(zone.name)}`;
}

/**
 * The root zone of a board as a ZoneConfig, so cross-zone checks treat it like a JSON zone. hvisor
 * builds it from board.rs constants (platform_root_zone_config); the bootloader preloads its images,
 * so there are no file paths.
 */
export function rootZoneConfig(board: Board): ZoneConfig {
  const root = board.rootZone;
  const pcie = board.devices.find((d) => d.kind === 'pci-host-ecam');
  const prop = (name: string): number => {
    const value = pcie?.props?.[name];
    return typeof value === 'number' ? value : 0;
  };
  const busRange = pcie?.props?.busRange;
  const pciConfig: PciBusConfig[] = pcie
    ? [
        {
          ecamBase: pcie.base,
          ecamSize: pcie.size,
          ioBase: prop('pioBase'),
          ioSize: prop('pioSize'),
          pciIoBase: 0,
          mem32Base: prop('mmio32Base'),
          mem32Size: prop('mmio32Size'),
          pciMem32Base: prop('mmio32Base'),
          mem64Base: prop('mmio64Base'),
          mem64Size: prop('mmio64Size'),
          pciMem64Base: prop('mmio64Base'),
          busRangeBegin: Array.isArray(busRange) ? Number(busRange[0]) : 0,
          busRangeEnd: Array.isArray(busRange) ? Number(busRange[1]) : 0xff,
          domain: 0,
        },
      ]
    : [];
  return {
    source: `board:${board.name}`,
    root: true,
    zoneId: 0,
    name: root.name,
    cpus: [...root.cpus].sort((a, b) => a - b),
    memoryRegions: root.memoryRegions.map((r) => ({ ...r })),
    interrupts: [...root.irqs].sort((a, b) => a - b),
    ivcConfigs: [],
    kernelFilepath: null,
    dtbFilepath: null,
    kernelLoadPaddr: root.kernelAddress,
    dtbLoadPaddr: root.dtbAddress,
    entryPoint: root.entry,
    archConfig: ARCH_ZONE_MODELS[board.arch].rootArchConfig(board),
    pciConfig,
    allocPciDevs: root.pciDevices.map((d) => ({ ...d, vBus: d.bus, vDevice: d.device, vFunction: d.function })),
    modules: [],
  };
}
