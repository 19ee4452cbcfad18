/**
 * riscv64's arch_config in the binary HvZoneConfig (hvisor-tool include/zone_config.h RISCV64
 * arch_zone_config, hvisor src/arch/riscv64/zone.rs HvArchZoneConfig): four u64, the vPLIC and vAPLIC
 * windows, in the order the JSON names them.
 */
import type { ArchConfigCodec } from '../../zone-config-binary';

export const riscvZoneConfigArch: ArchConfigCodec<'riscv64'> = {
  encode(config, out) {
    out.u64('arch_config.plic_base', config.plicBase);
    out.u64('arch_config.plic_size', config.plicSize);
    out.u64('arch_config.aplic_base', config.aplicBase);
    out.u64('arch_config.aplic_size', config.aplicSize);
  },
  decode(input) {
    return {
      arch: 'riscv64',
      plicBase: input.u64('arch_config.plic_base'),
      plicSize: input.u64('arch_config.plic_size'),
      aplicBase: input.u64('arch_config.aplic_base'),
      aplicSize: input.u64('arch_config.aplic_size'),
    };
  },
};
