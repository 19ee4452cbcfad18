/**
 * The per-architecture halves of a zone configuration, keyed by the board's architecture: the shape of
 * arch_config (schema), what hvisor-tool's HvZoneConfig measures on that arch, and the arch_config of
 * the root zone and of a new zone. Shared code reaches an architecture only through this table.
 */
import type { Board, BoardArch } from '../board';
import type { ArchConfigSchema } from './arch-config-schema';
import {
  type Aarch64ArchConfig, AARCH64_ARCH_CONFIG_SCHEMA, AARCH64_ZONE_CONFIG_BYTES, aarch64RootArchConfig, aarch64TemplateArchConfig,
} from './aarch64/arch-config';
import {
  type LoongArchArchConfig, LOONGARCH64_ARCH_CONFIG_SCHEMA, LOONGARCH64_ZONE_CONFIG_BYTES, loongarchRootArchConfig, loongarchTemplateArchConfig,
} from './loongarch64/arch-config';
import {
  type RiscvArchConfig, RISCV64_ARCH_CONFIG_SCHEMA, RISCV64_ZONE_CONFIG_BYTES, riscvRootArchConfig, riscvTemplateArchConfig,
} from './riscv64/arch-config';

/** A zone's arch_config; `arch` is the board's architecture, which the JSON itself never names. */
export type ArchConfig = RiscvArchConfig | Aarch64ArchConfig | LoongArchArchConfig;

export type ArchConfigOf<A extends BoardArch> = Extract<ArchConfig, { arch: A }>;

/** sizeof(HvZoneConfig) for each hvisor-tool generation on one arch. */
export interface ZoneConfigBytes {
  /** b38e455, CONFIG_MAGIC_VERSION 0x05: the struct hvisor v0.4 takes, the one the workbench encodes. */
  readonly hvisorV04: number;
  /** 4d5ae27..345aa94: 0x05 with v_bus/v_device/v_function in hv_pci_dev_config. */
  readonly withVirtualBdf: number;
  /** 345aa94 on, CONFIG_MAGIC_VERSION 0x06. */
  readonly v06: number;
}

export interface ArchZoneModel<A extends BoardArch = BoardArch> {
  readonly arch: A;
  readonly schema: ArchConfigSchema;
  readonly zoneConfigBytes: ZoneConfigBytes;
  /** ROOT_ARCH_ZONE_CONFIG of the board's board.rs. */
  rootArchConfig(board: Board): ArchConfigOf<A>;
  /** The arch_config JSON object a new zone starts with. */
  templateArchConfig(board: Board): Record<string, string | boolean>;
}

export const ARCH_ZONE_MODELS: { readonly [A in BoardArch]: ArchZoneModel<A> } = {
  riscv64: {
    arch: 'riscv64', schema: RISCV64_ARCH_CONFIG_SCHEMA, zoneConfigBytes: RISCV64_ZONE_CONFIG_BYTES,
    rootArchConfig: riscvRootArchConfig, templateArchConfig: riscvTemplateArchConfig,
  },
  aarch64: {
    arch: 'aarch64', schema: AARCH64_ARCH_CONFIG_SCHEMA, zoneConfigBytes: AARCH64_ZONE_CONFIG_BYTES,
    rootArchConfig: aarch64RootArchConfig, templateArchConfig: aarch64TemplateArchConfig,
  },
  loongarch64: {
    arch: 'loongarch64', schema: LOONGARCH64_ARCH_CONFIG_SCHEMA, zoneConfigBytes: LOONGARCH64_ZONE_CONFIG_BYTES,
    rootArchConfig: loongarchRootArchConfig, templateArchConfig: loongarchTemplateArchConfig,
  },
};

export const ZONE_ARCHES = Object.keys(ARCH_ZONE_MODELS) as BoardArch[];

export function archZoneModel<A extends BoardArch>(arch: A): ArchZoneModel<A> {
  return ARCH_ZONE_MODELS[arch] as unknown as ArchZoneModel<A>;
}
