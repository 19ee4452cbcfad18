/**
 * aarch64's arch_config in the binary HvZoneConfig (hvisor-tool b38e455 include/zone_config.h:72-113,
 * hvisor v0.4 src/arch/aarch64/zone.rs HvArchZoneConfig): is_aarch32 (u8), then union GicConfig, the
 * Rust enum GicConfig with a u64 tag (0 GICv2, 1 GICv3, as tools/hvisor.c parse_arch_config writes it)
 * followed by the variant's windows. A GICv3 zone leaves the union's last 24 bytes zero, as hvisor-tool's
 * memset does.
 */
import { GIC_VERSION_TAG } from '../../zone-config-layouts';
import type { ArchConfigCodec } from '../../zone-config-binary';

const V2 = 'arch_config.gic_config.gicv2';
const V3 = 'arch_config.gic_config.gicv3';

export const aarch64ZoneConfigArch: ArchConfigCodec<'aarch64'> = {
  encode(config, out) {
    out.u8('arch_config.is_aarch32', config.isAarch32 ? 1 : 0);
    const { gic } = config;
    if (gic.version === 'v3') {
      out.u64(`${V3}.gic_version_tag`, GIC_VERSION_TAG.v3);
      out.u64(`${V3}.gicv3_config.gicd_base`, gic.gicdBase);
      out.u64(`${V3}.gicv3_config.gicd_size`, gic.gicdSize);
      out.u64(`${V3}.gicv3_config.gicr_base`, gic.gicrBase);
      out.u64(`${V3}.gicv3_config.gicr_size`, gic.gicrSize);
      out.u64(`${V3}.gicv3_config.gits_base`, gic.gitsBase);
      out.u64(`${V3}.gicv3_config.gits_size`, gic.gitsSize);
      return;
    }
    out.u64(`${V2}.gic_version_tag`, GIC_VERSION_TAG.v2);
    out.u64(`${V2}.gicv2_config.gicd_base`, gic.gicdBase);
    out.u64(`${V2}.gicv2_config.gicd_size`, gic.gicdSize);
    out.u64(`${V2}.gicv2_config.gicc_base`, gic.giccBase);
    out.u64(`${V2}.gicv2_config.gicc_size`, gic.giccSize);
    out.u64(`${V2}.gicv2_config.gicc_offset`, gic.giccOffset);
    out.u64(`${V2}.gicv2_config.gich_base`, gic.gichBase);
    out.u64(`${V2}.gicv2_config.gich_size`, gic.gichSize);
    out.u64(`${V2}.gicv2_config.gicv_base`, gic.gicvBase);
    out.u64(`${V2}.gicv2_config.gicv_size`, gic.gicvSize);
  },
  decode(input) {
    const isAarch32 = input.u8('arch_config.is_aarch32') !== 0;
    // Both payloads start with the tag, so it sits at the same offset whichever the zone has.
    const tag = input.u64(`${V2}.gic_version_tag`);
    if (tag === GIC_VERSION_TAG.v3) {
      const v = (name: string): number => input.u64(`${V3}.gicv3_config.${name}`);
      return {
        arch: 'aarch64', isAarch32,
        gic: { version: 'v3', gicdBase: v('gicd_base'), gicdSize: v('gicd_size'), gicrBase: v('gicr_base'), gicrSize: v('gicr_size'), gitsBase: v('gits_base'), gitsSize: v('gits_size') },
      };
    }
    if (tag !== GIC_VERSION_TAG.v2) input.fail(`${V2}.gic_version_tag`, `${tag} is neither GICv2 (${GIC_VERSION_TAG.v2}) nor GICv3 (${GIC_VERSION_TAG.v3})`);
    const v = (name: string): number => input.u64(`${V2}.gicv2_config.${name}`);
    return {
      arch: 'aarch64', isAarch32,
      gic: {
        version: 'v2', gicdBase: v('gicd_base'), gicdSize: v('gicd_size'), giccBase: v('gicc_base'), giccSize: v('gicc_size'), giccOffset: v('gicc_offset'),
        gichBase: v('gich_base'), gichSize: v('gich_size'), gicvBase: v('gicv_base'), gicvSize: v('gicv_size'),
      },
    };
  },
};
