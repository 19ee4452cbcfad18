/**
 * HvZoneConfig, the struct hvisor-tool hands to hypercall 2 (HvZoneStart), laid out per architecture as
 * data: one table per arch, each member with its offset, element size and element count, nested for the
 * structs, arrays and the aarch64 GIC union. The encoder reads offsets from here instead of hard-coding
 * one arch; tests/unit/core/hypervisor/zone-config-layouts.test.ts compiles hvisor-tool's own header with
 * each arch's cross compiler and compares every figure below with sizeof/offsetof.
 *
 * Source: hvisor-tool b38e45572f8e76c4246f12e96b49bca0ce52dda0 ("update magic version", 2026-01-01),
 * include/zone_config.h with include/ivc.h (CONFIG_MAX_IVC_CONFIGS) and include/def.h: the commit that
 * raised CONFIG_MAGIC_VERSION to 0x05, i.e. the tool of hvisor v0.4 (tag v0.4, d3260d0, src/config.rs
 * HvZoneConfig and src/arch/<arch>/zone.rs HvArchZoneConfig, the same fields in the same order). Later
 * commits leave these three arches' layout unchanged up to b17d9dd (03eefdf touched x86_64 only);
 * 4d5ae27 added v_bus/v_device/v_function to hv_pci_dev_config (riscv64 3208 bytes) and is not this
 * layout. x86_64 exists in that header too but the workbench does not model it, so it has no table.
 *
 * Names are the C members of zone_config.h, so a path here is also a valid offsetof() designator; the
 * Rust names differ in two places: memory_region.type is mem_type, and the aarch64 gic_config union is
 * the Rust enum GicConfig (repr(C, usize): a usize tag, then the variant), whose tag is the C
 * gic_version_tag.
 */

/** The architectures hvisor builds for that the workbench models or is about to. */
export type ZoneConfigArch = 'riscv64' | 'aarch64' | 'loongarch64';

export const ZONE_CONFIG_ARCHES: readonly ZoneConfigArch[] = ['riscv64', 'aarch64', 'loongarch64'];

/** One member of a struct or union. */
export interface LayoutField {
  /** The C member name in hvisor-tool's zone_config.h. */
  readonly name: string;
  /** Byte offset inside the enclosing struct or union (0 for every member of a union). */
  readonly offset: number;
  /** Bytes of one element: the whole member when `count` is 1. */
  readonly size: number;
  /** 1 for a scalar, struct or union; the array length otherwise. */
  readonly count: number;
  /** The members of one element, for a struct or union member; absent for integers and byte arrays. */
  readonly fields?: readonly LayoutField[];
  /** Set on a union: its members overlap, which a layout check must allow. */
  readonly union?: true;
}

export interface ZoneConfigLayout {
  readonly arch: ZoneConfigArch;
  /** sizeof(zone_config_t): hvisor's hv_zone_start refuses a call whose arg1 differs. */
  readonly size: number;
  /** alignof(zone_config_t). */
  readonly align: number;
  /** CONFIG_MAGIC_VERSION the tool and hvisor compare before a zone start. */
  readonly magic: number;
  readonly fields: readonly LayoutField[];
}

/** Where the tables come from; the test extracts the header at this commit. */
export const ZONE_CONFIG_LAYOUT_SOURCE = {
  hvisorTool: {
    commit: 'b38e45572f8e76c4246f12e96b49bca0ce52dda0',
    headers: ['include/zone_config.h', 'include/ivc.h', 'include/def.h'],
  },
  hvisor: { tag: 'v0.4', commit: 'd3260d0bb53c68097f2d4069a73624230e86484f' },
  /**
   * hvisor-tool's Makefiles pass these; def.h alone does not suffice for loongarch64 because it tests
   * __loongarch64__, which no compiler defines (GCC and Clang define __loongarch64), so without
   * -DLOONGARCH64 the header has no arch_zone_config there.
   */
  defines: { riscv64: [], aarch64: [], loongarch64: ['LOONGARCH64'] } as Record<ZoneConfigArch, readonly string[]>,
} as const;

const u8 = (name: string, offset: number, count = 1): LayoutField => ({ name, offset, size: 1, count });
const u32 = (name: string, offset: number, count = 1): LayoutField => ({ name, offset, size: 4, count });
const u64 = (name: string, offset: number): LayoutField => ({ name, offset, size: 8, count: 1 });

/** struct memory_region (hvisor HvConfigMemoryRegion): 32 bytes, 4 of them padding after `type`. */
const MEMORY_REGION: readonly LayoutField[] = [
  u32('type', 0),
  u64('physical_start', 8),
  u64('virtual_start', 16),
  u64('size', 24),
];

/** struct ivc_config (HvIvcConfig): 40 bytes, no padding. */
const IVC_CONFIG: readonly LayoutField[] = [
  u32('ivc_id', 0),
  u32('peer_id', 4),
  u64('control_table_ipa', 8),
  u64('shared_mem_ipa', 16),
  u32('rw_sec_size', 24),
  u32('out_sec_size', 28),
  u32('interrupt_num', 32),
  u32('max_peers', 36),
];

/** struct pci_config (HvPciConfig): eleven u64 windows, the bus range, the domain; 104 bytes with 7 of tail padding. */
const PCI_CONFIG: readonly LayoutField[] = [
  u64('ecam_base', 0),
  u64('ecam_size', 8),
  u64('io_base', 16),
  u64('io_size', 24),
  u64('pci_io_base', 32),
  u64('mem32_base', 40),
  u64('mem32_size', 48),
  u64('pci_mem32_base', 56),
  u64('mem64_base', 64),
  u64('mem64_size', 72),
  u64('pci_mem64_base', 80),
  u32('bus_range_begin', 88),
  u32('bus_range_end', 92),
  u8('domain', 96),
];

/** struct hv_pci_dev_config (HvPciDevConfig) before 4d5ae27: the physical BDF and dev_type, 8 bytes. */
const PCI_DEV_CONFIG: readonly LayoutField[] = [
  u8('domain', 0),
  u8('bus', 1),
  u8('device', 2),
  u8('function', 3),
  u32('dev_type', 4),
];

/** riscv64 arch_zone_config: the vPLIC (feature plic) or vAPLIC (feature aia) window hvisor traps. */
const RISCV64_ARCH: readonly LayoutField[] = [
  u64('plic_base', 0),
  u64('plic_size', 8),
  u64('aplic_base', 16),
  u64('aplic_size', 24),
];

/** struct Gicv2Config: distributor, CPU interface (with the offset of the guest's view), hypervisor and virtual CPU interfaces. */
const GICV2_CONFIG: readonly LayoutField[] = [
  u64('gicd_base', 0),
  u64('gicd_size', 8),
  u64('gicc_base', 16),
  u64('gicc_size', 24),
  u64('gicc_offset', 32),
  u64('gich_base', 40),
  u64('gich_size', 48),
  u64('gicv_base', 56),
  u64('gicv_size', 64),
];

/** struct Gicv3Config: distributor, redistributors, ITS (left 0 when the zone JSON has no gits_*). */
const GICV3_CONFIG: readonly LayoutField[] = [
  u64('gicd_base', 0),
  u64('gicd_size', 8),
  u64('gicr_base', 16),
  u64('gicr_size', 24),
  u64('gits_base', 32),
  u64('gits_size', 40),
];

/**
 * aarch64 arch_zone_config: is_aarch32, then union GicConfig whose payloads both start with the u64
 * tag (GIC_VERSION_TAG), so the tag sits at arch_config + 8 whichever GIC the zone has. The union is
 * as large as its Gicv2 member (80 bytes); a Gicv3 zone leaves the last 24 bytes zero.
 */
const AARCH64_ARCH: readonly LayoutField[] = [
  u8('is_aarch32', 0),
  {
    name: 'gic_config', offset: 8, size: 80, count: 1, union: true,
    fields: [
      {
        name: 'gicv2', offset: 0, size: 80, count: 1,
        fields: [u64('gic_version_tag', 0), { name: 'gicv2_config', offset: 8, size: 72, count: 1, fields: GICV2_CONFIG }],
      },
      {
        name: 'gicv3', offset: 0, size: 56, count: 1,
        fields: [u64('gic_version_tag', 0), { name: 'gicv3_config', offset: 8, size: 48, count: 1, fields: GICV3_CONFIG }],
      },
    ],
  },
];

/** The values of gic_version_tag hvisor-tool writes (tools/hvisor.c parse_arch_config), the Rust enum's discriminants. */
export const GIC_VERSION_TAG = { v2: 0, v3: 1 } as const;

/** loongarch64 arch_zone_config: a placeholder; hvisor-tool does not even parse arch_config there. */
const LOONGARCH64_ARCH: readonly LayoutField[] = [u64('dummy', 0)];

/**
 * zone_config_t up to and including `name` is the same on every arch; what follows moves with the size
 * of arch_config, so each table spells out its own offsets (the point is to have figures a compiler
 * can contradict, not a formula).
 */
const COMMON_HEAD: readonly LayoutField[] = [
  u32('zone_id', 0),
  u64('cpus', 8),
  u32('num_memory_regions', 16),
  { name: 'memory_regions', offset: 24, size: 32, count: 64, fields: MEMORY_REGION },
  u32('interrupts_bitmap', 2072, 32),
  u32('num_ivc_configs', 2200),
  { name: 'ivc_configs', offset: 2208, size: 40, count: 2, fields: IVC_CONFIG },
  u64('entry_point', 2288),
  u64('kernel_load_paddr', 2296),
  u64('kernel_size', 2304),
  u64('dtb_load_paddr', 2312),
  u64('dtb_size', 2320),
  u8('name', 2328, 32),
];

function tail(archConfig: readonly LayoutField[], archSize: number, at: { pciBus: number; pciConfig: number; pciDevs: number; allocPciDevs: number }): LayoutField[] {
  return [
    { name: 'arch_config', offset: 2360, size: archSize, count: 1, fields: archConfig },
    u64('num_pci_bus', at.pciBus),
    { name: 'pci_config', offset: at.pciConfig, size: 104, count: 4, fields: PCI_CONFIG },
    u64('num_pci_devs', at.pciDevs),
    { name: 'alloc_pci_devs', offset: at.allocPciDevs, size: 8, count: 32, fields: PCI_DEV_CONFIG },
  ];
}

export const ZONE_CONFIG_LAYOUTS: Readonly<Record<ZoneConfigArch, ZoneConfigLayout>> = {
  riscv64: {
    arch: 'riscv64', size: 3080, align: 8, magic: 0x05,
    fields: [...COMMON_HEAD, ...tail(RISCV64_ARCH, 32, { pciBus: 2392, pciConfig: 2400, pciDevs: 2816, allocPciDevs: 2824 })],
  },
  aarch64: {
    arch: 'aarch64', size: 3136, align: 8, magic: 0x05,
    fields: [...COMMON_HEAD, ...tail(AARCH64_ARCH, 88, { pciBus: 2448, pciConfig: 2456, pciDevs: 2872, allocPciDevs: 2880 })],
  },
  loongarch64: {
    arch: 'loongarch64', size: 3056, align: 8, magic: 0x05,
    fields: [...COMMON_HEAD, ...tail(LOONGARCH64_ARCH, 8, { pciBus: 2368, pciConfig: 2376, pciDevs: 2792, allocPciDevs: 2800 })],
  },
};

/** A member found by path: where it starts in the whole struct, and its shape. */
export interface ResolvedField {
  /** The path as given, e.g. "memory_regions[3].size" or "arch_config.gic_config.gicv3.gicv3_config.gicr_base". */
  readonly path: string;
  /** Byte offset from the start of zone_config_t. */
  readonly offset: number;
  readonly size: number;
  /** The array length for a whole array member, 1 for an indexed element or a non-array member. */
  readonly count: number;
  readonly fields?: readonly LayoutField[];
}

/**
 * Resolves a C designator ("pci_config[1].bus_range_end") to its offset in the struct, so that an
 * encoder asks for a member by the name hvisor-tool uses instead of adding numbers. Throws on a name
 * the arch does not have (plic_base on aarch64, say), which is the mistake it exists to catch.
 */
export function resolveField(layout: ZoneConfigLayout, path: string): ResolvedField {
  let fields: readonly LayoutField[] | undefined = layout.fields;
  let offset = 0;
  let last: { size: number; count: number; fields?: readonly LayoutField[] } | undefined;
  for (const part of path.split('.')) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)(?:\[(\d+)\])?$/.exec(part);
    if (!match) throw new Error(`${layout.arch} HvZoneConfig: "${part}" in "${path}" is not a member designator`);
    const [, name, index] = match as unknown as [string, string, string | undefined];
    const field: LayoutField | undefined = fields?.find((f) => f.name === name);
    if (!field) throw new Error(`${layout.arch} HvZoneConfig has no member "${name}" (in "${path}")`);
    offset += field.offset;
    last = field;
    if (index !== undefined) {
      const i = Number(index);
      if (i >= field.count) throw new Error(`${layout.arch} HvZoneConfig: ${name}[${i}] is past its ${field.count} elements`);
      offset += i * field.size;
      last = { size: field.size, count: 1, ...(field.fields ? { fields: field.fields } : {}) };
    }
    fields = field.fields;
  }
  if (!last) throw new Error('empty HvZoneConfig member path');
  return { path, offset, size: last.size, count: last.count, ...(last.fields ? { fields: last.fields } : {}) };
}

/** One row of a flattened layout: every member, nested ones under their first array element. */
export interface FlatField {
  /** A C designator from the struct's start, "[0]" standing for an array's elements. */
  readonly path: string;
  /** Byte offset from the start of zone_config_t. */
  readonly offset: number;
  readonly size: number;
  readonly count: number;
}

/** Every member of the table, parents before children, in declaration order (the test compiles these paths). */
export function flattenLayout(layout: ZoneConfigLayout): FlatField[] {
  const out: FlatField[] = [];
  const walk = (fields: readonly LayoutField[], prefix: string, base: number): void => {
    for (const f of fields) {
      const path = prefix + f.name;
      out.push({ path, offset: base + f.offset, size: f.size, count: f.count });
      if (f.fields) walk(f.fields, `${path}${f.count > 1 ? '[0]' : ''}.`, base + f.offset);
    }
  };
  walk(layout.fields, '', 0);
  return out;
}
