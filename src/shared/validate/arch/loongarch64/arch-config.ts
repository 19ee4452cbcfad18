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

/** PALEN of the 3A5000: in direct address mode the physical address is the virtual address's low 48 bits. */
const PALEN_SPAN = 2 ** 48;

export const loongarchArchConfigValidator: ArchConfigValidator<'loongarch64'> = {
  ivc: false,
  read,
  check: () => undefined,
  // hvisor's zone JSONs give DMW addresses (0x9000_0000_c0df_f000); hvisor enters the guest there in direct
  // address mode (src/arch/loongarch64/cpu.rs:62-64 sepc = entry), where only the low PALEN bits count.
  entryGuestPhysical: (entry) => entry % PALEN_SPAN,
  // hvisor checks no overlap between zones (src/zone.rs zone_create), and every zone config it ships for
  // ls3a5000 shares on purpose: the same 3A5000/7A2000 device pages as the root's board.rs (UART0's
  // 0x1fe0_0000 page, UART1, the PCH-PIC, the RTC), and identical RAM ranges with each other (the firmware
  // pages 0x1000+0x10000 seen at guest 0 and 0xf0000+0x10000, and the 8 MiB pieces at 0x1_4000_0000).
  // A partial RAM overlap is no such sharing and stays an error.
  sharedRegion: (mine, theirs) => {
    if (mine.type === 'io' && theirs.type === 'io') {
      return "hvisor's loongarch64 configs pass the same 3A5000/7A2000 device pages to every zone and hvisor does not refuse it (platform/loongarch64/ls3a5000/configs/*.json); both zones drive the device";
    }
    if (mine.type === 'ram' && theirs.type === 'ram' && mine.physicalStart === theirs.physicalStart && mine.size === theirs.size) {
      return "the same RAM range in both zones, as hvisor's loongarch64 configs share firmware pages between zones (configs/zone{1,2,3}-linux.json) and hvisor does not refuse it; both guests write it";
    }
    return undefined;
  },
};
