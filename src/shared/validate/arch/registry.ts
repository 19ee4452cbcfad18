/** The arch_config readers and checks, keyed by the board's architecture (the only importer of validate/arch/<arch>/). */
import type { BoardArch } from '../../model/board';
import { aarch64ArchConfigValidator } from './aarch64/arch-config';
import { loongarchArchConfigValidator } from './loongarch64/arch-config';
import { riscvArchConfigValidator } from './riscv64/arch-config';
import type { ArchConfigValidator } from './types';

export const ARCH_CONFIG_VALIDATORS: { readonly [A in BoardArch]: ArchConfigValidator<A> } = {
  riscv64: riscvArchConfigValidator,
  aarch64: aarch64ArchConfigValidator,
  loongarch64: loongarchArchConfigValidator,
};
