/**
 * loongarch64's arch_config in the binary HvZoneConfig: the one `dummy` u64 of hvisor-tool's
 * LOONGARCH64 arch_zone_config (hvisor src/arch/loongarch64/zone.rs). hvisor-tool never fills it (it
 * does not parse arch_config on loongarch64), so it is 0 on the way in and ignored on the way out.
 */
import type { ArchConfigCodec } from '../../zone-config-binary';

export const loongarchZoneConfigArch: ArchConfigCodec<'loongarch64'> = {
  encode(_config, out) {
    out.u64('arch_config.dummy', 0);
  },
  decode() {
    return { arch: 'loongarch64' };
  },
};
