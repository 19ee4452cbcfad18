/**
 * loongarch64's HvArchZoneConfig: one placeholder word (hvisor src/arch/loongarch64/zone.rs `dummy`;
 * hvisor-tool include/zone_config.h, the LOONGARCH64 arch_zone_config). hvisor-tool never reads
 * arch_config there: zone_start_from_json skips parse_arch_config under LOONGARCH64 (tools/hvisor.c,
 * b38e455 line 823, c724e91 line 951), so the word stays 0 whatever the JSON says. hvisor's own configs
 * carry `"arch_config": {"dummy": "0x1234"}`, which names the architecture and nothing more. The model
 * therefore holds no field.
 */
import type { ArchConfigSchema } from '../arch-config-schema';

export interface LoongArchArchConfig {
  readonly arch: 'loongarch64';
}

/**
 * sizeof(HvZoneConfig) on loongarch64 (clang-19 --target=loongarch64 -DLOONGARCH64 on hvisor-tool's
 * header): 3056 at b38e455 (hvisor v0.4), 3184 from 4d5ae27 (virtual BDF), unchanged by 0x06.
 */
export const LOONGARCH64_ZONE_CONFIG_BYTES = { hvisorV04: 3056, withVirtualBdf: 3184, v06: 3184 } as const;

export const LOONGARCH64_ARCH_CONFIG_SCHEMA: ArchConfigSchema = {
  summary: 'hvisor-tool does not read arch_config on loongarch64 (tools/hvisor.c skips parse_arch_config); hvisor\'s configs write {"dummy": "0x1234"}',
  interruptsHint: 'interrupt numbers',
  fields: [],
  markerKeys: ['dummy'],
};

export const loongarchRootArchConfig = (): LoongArchArchConfig => ({ arch: 'loongarch64' });

/** What hvisor's ls3a5000/ls3a6000 configs write, so that a new zone looks like theirs. */
export const loongarchTemplateArchConfig = (): Record<string, string> => ({ dummy: '0x1234' });
