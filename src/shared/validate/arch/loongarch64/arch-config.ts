/**
 * loongarch64's arch_config: hvisor-tool never reads it (zone_start_from_json skips parse_arch_config
 * under LOONGARCH64, tools/hvisor.c b38e455 line 823, c724e91 line 951), so nothing in it can make the
 * tool refuse a file; keys other than hvisor's placeholder `dummy` get one warning that they do nothing.
 * No check against the board: there is no field to check.
 */
import { LOONGARCH64_ARCH_CONFIG_SCHEMA, type LoongArchArchConfig } from '../../../model/arch/loongarch64/arch-config';
import { schemaKeys } from '../../../model/arch/arch-config-schema';
import { asciiLower, isJsonObject } from '../../json-reader';
import { listKeys } from '../schema-fields';
import type { ArchConfigValidator, ZoneFieldReader } from '../types';

function read(r: ZoneFieldReader, value: unknown): LoongArchArchConfig {
  const known = schemaKeys(LOONGARCH64_ARCH_CONFIG_SCHEMA);
  const ignored = value === undefined ? [] : isJsonObject(value) ? Object.keys(value).filter((k) => !known.includes(asciiLower(k))) : [];
  if (value !== undefined && !isJsonObject(value)) {
    r.warning('arch_config', 'is not an object; hvisor-tool for loongarch64 does not read arch_config, so this has no effect');
  } else if (ignored.length > 0) {
    r.warning('arch_config', `${listKeys(ignored)} ${ignored.length === 1 ? 'has' : 'have'} no effect: hvisor-tool for loongarch64 does not read arch_config (tools/hvisor.c skips parse_arch_config)`);
  }
  return { arch: 'loongarch64' };
}

export const loongarchArchConfigValidator: ArchConfigValidator<'loongarch64'> = { ivc: false, read, check: () => undefined };
