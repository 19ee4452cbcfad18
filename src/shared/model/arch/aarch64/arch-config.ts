/**
 * aarch64's HvArchZoneConfig (hvisor v0.4 src/arch/aarch64/zone.rs:125-163; hvisor-tool b38e455
 * include/zone_config.h:72-113): whether the guest is AArch32, and the GIC windows of the zone as the
 * Rust enum GicConfig, GICv2 (distributor, CPU interface and its offset, GICH, GICV) or GICv3
 * (distributor, redistributors, ITS). JSON keys and requirements follow tools/hvisor.c
 * parse_arch_config (c724e91 lines 247-375). Leaves out the UEFI memory map that hvisor-tool 0x06
 * (345aa94) appends: hvisor v0.4's struct has no room for it.
 */
import { boardOf, type Board } from '../../board';
import type { ArchConfigField, ArchConfigSchema } from '../arch-config-schema';

/** Gicv2Config: every window hvisor v0.4 needs to trap the distributor and remap GICV onto GICC. */
export interface Gicv2ZoneConfig {
  readonly version: 'v2';
  readonly gicdBase: number;
  readonly gicdSize: number;
  readonly giccBase: number;
  readonly giccSize: number;
  readonly giccOffset: number;
  readonly gichBase: number;
  readonly gichSize: number;
  readonly gicvBase: number;
  readonly gicvSize: number;
}

/** Gicv3Config: gits_* stay 0 when the JSON leaves them out (hvisor-tool only warns). */
export interface Gicv3ZoneConfig {
  readonly version: 'v3';
  readonly gicdBase: number;
  readonly gicdSize: number;
  readonly gicrBase: number;
  readonly gicrSize: number;
  readonly gitsBase: number;
  readonly gitsSize: number;
}

export interface Aarch64ArchConfig {
  readonly arch: 'aarch64';
  /** is_aarch32 != 0: hvisor starts the zone's vCPUs in AArch32 (hvisor src/zone.rs:388). */
  readonly isAarch32: boolean;
  readonly gic: Gicv2ZoneConfig | Gicv3ZoneConfig;
}

/**
 * sizeof(HvZoneConfig) on aarch64 (aarch64-linux-gnu-gcc on hvisor-tool's header): 3136 at b38e455
 * (hvisor v0.4), 3264 from 4d5ae27 (virtual BDF), 3296 from 345aa94 (0x06 adds the UEFI union).
 */
export const AARCH64_ZONE_CONFIG_BYTES = { hvisorV04: 3136, withVirtualBdf: 3264, v06: 3296 } as const;

/** gic_version: hvisor-tool compares the string with strcmp, so only these two spellings count. */
export const GIC_VERSIONS = ['v2', 'v3'] as const;

const v2 = { key: 'gic_version', equals: 'v2' } as const;
const v3 = { key: 'gic_version', equals: 'v3' } as const;
const hex = (key: string, required: boolean, help: string, when?: ArchConfigField['when']): ArchConfigField => ({
  key, label: key, kind: 'hex', required, help, ...(when ? { when } : {}),
});

export const AARCH64_ARCH_CONFIG_SCHEMA: ArchConfigSchema = {
  summary: "the zone's GIC: hvisor traps its distributor and maps the rest (src/device/irqchip/gicv2, gicv3)",
  interruptsHint: 'GIC INTIDs (SPIs from 32)',
  fields: [
    {
      key: 'gic_version', label: 'gic_version', kind: 'enum', options: GIC_VERSIONS, required: true,
      help: "which GicConfig variant hvisor-tool writes; it must be the board's GIC, or hvisor panics in vgicv2/vgicv3_mmio_init",
    },
    {
      key: 'is_aarch32', label: 'is_aarch32', kind: 'bool', required: false,
      help: 'start the vCPUs in AArch32 (hvisor src/zone.rs:388); hvisor-tool warns and takes false when it is missing',
    },
    hex('gicd_base', true, 'distributor: hvisor traps these accesses and emulates it (vgicv2/vgicv3 dist handler); must not be 0'),
    hex('gicd_size', true, 'size of the trapped distributor window'),
    hex('gicr_base', true, 'redistributor frames; hvisor v0.4 traps the host frames per CPU and requires a non-zero value', v3),
    hex('gicr_size', true, 'size of all redistributor frames', v3),
    hex('gits_base', false, 'ITS: mapped straight through when gits_size is not 0 (src/arch/aarch64/zone.rs:93-107); hvisor-tool leaves both 0 without it', v3),
    hex('gits_size', false, 'size of the ITS window (0: no ITS)', v3),
    hex('gicc_base', true, "guest-physical CPU interface: hvisor maps the board's GICV here (vgicv2_remap_init); must not be 0", v2),
    hex('gicc_size', true, 'size of the CPU interface; hvisor panics unless it equals gicv_size', v2),
    hex('gicc_offset', true, "offset of the zone's page inside the GICC window (0 on QEMU)", v2),
    hex('gich_base', true, 'virtual interface control (GICH), used by hvisor itself', v2),
    hex('gich_size', true, 'size of the GICH window', v2),
    hex('gicv_base', true, 'virtual CPU interface (GICV) that backs the guest\'s GICC; must not be 0', v2),
    hex('gicv_size', true, 'size of the GICV window; must equal gicc_size', v2),
  ],
  laterToolKeys: ['memory_map_addr', 'memory_map_size', 'sys_map_addr'],
};

/** The root zone's: board.rs ROOT_ARCH_ZONE_CONFIG (is_aarch32 0 and the board's GIC windows). */
export function aarch64RootArchConfig(board: Board): Aarch64ArchConfig {
  const gic = boardOf(board, 'aarch64').rootZone.gic;
  if (gic.version === 3) {
    return {
      arch: 'aarch64', isAarch32: false,
      gic: { version: 'v3', gicdBase: gic.gicd.base, gicdSize: gic.gicd.size, gicrBase: gic.gicr.base, gicrSize: gic.gicr.size, gitsBase: gic.gits.base, gitsSize: gic.gits.size },
    };
  }
  return {
    arch: 'aarch64', isAarch32: false,
    gic: {
      version: 'v2', gicdBase: gic.gicd.base, gicdSize: gic.gicd.size, giccBase: gic.gicc.base, giccSize: gic.gicc.size, giccOffset: gic.giccOffset,
      gichBase: gic.gich.base, gichSize: gic.gich.size, gicvBase: gic.gicv.base, gicvSize: gic.gicv.size,
    },
  };
}

/** arch_config for a new zone's JSON: the root's GIC windows, as hvisor's qemu-gicv2/qemu-gicv3 zone1 configs write them. */
export function aarch64TemplateArchConfig(board: Board): Record<string, string | boolean> {
  const { gic } = aarch64RootArchConfig(board);
  const h = (n: number): string => '0x' + n.toString(16);
  if (gic.version === 'v3') {
    return {
      gic_version: 'v3', gicd_base: h(gic.gicdBase), gicd_size: h(gic.gicdSize), gicr_base: h(gic.gicrBase), gicr_size: h(gic.gicrSize),
      gits_base: h(gic.gitsBase), gits_size: h(gic.gitsSize), is_aarch32: false,
    };
  }
  return {
    gic_version: 'v2', gicd_base: h(gic.gicdBase), gicd_size: h(gic.gicdSize), gicc_base: h(gic.giccBase), gicc_size: h(gic.giccSize),
    gicc_offset: h(gic.giccOffset), gich_base: h(gic.gichBase), gich_size: h(gic.gichSize), gicv_base: h(gic.gicvBase), gicv_size: h(gic.gicvSize),
    is_aarch32: false,
  };
}
