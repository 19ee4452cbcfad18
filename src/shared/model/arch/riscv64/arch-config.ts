/**
 * riscv64's HvArchZoneConfig (hvisor src/arch/riscv64/zone.rs; hvisor-tool include/zone_config.h, the
 * RISCV64 arch_zone_config): the window hvisor traps as the zone's vPLIC (feature plic) or vAPLIC
 * (feature aia). hvisor-tool requires all four keys even though a board uses one pair (tools/hvisor.c
 * parse_arch_config, c724e91 lines 377-403). Leaves out the AIA IMSIC, which hvisor v0.4 does not
 * configure per zone.
 */
import { boardOf, type Board } from '../../board';
import type { ArchConfigSchema } from '../arch-config-schema';

export interface RiscvArchConfig {
  readonly arch: 'riscv64';
  readonly plicBase: number;
  readonly plicSize: number;
  readonly aplicBase: number;
  readonly aplicSize: number;
}

/**
 * sizeof(HvZoneConfig) on riscv64 as hvisor-tool builds it (include/zone_config.h): 3080 until
 * 4d5ae27 added v_bus/v_device/v_function to hv_pci_dev_config, 3208 from then on, still under magic
 * 0x05 until 345aa94 and unchanged by 0x06. hvisor v0.4 accepts only its own size (hvisor
 * src/hypercall/mod.rs:187).
 */
export const RISCV64_ZONE_CONFIG_BYTES = { hvisorV04: 3080, withVirtualBdf: 3208, v06: 3208 } as const;

export const RISCV64_ARCH_CONFIG_SCHEMA: ArchConfigSchema = {
  summary: "where hvisor traps the zone's vPLIC / vAPLIC",
  interruptsHint: 'PLIC sources',
  fields: [
    { key: 'plic_base', label: 'plic_base', kind: 'hex', required: true, help: "guest-physical base of the zone's vPLIC: hvisor traps accesses there (feature plic, src/device/irqchip/plic)" },
    { key: 'plic_size', label: 'plic_size', kind: 'hex', required: true, help: 'size of the trapped vPLIC window (0 traps nothing)' },
    { key: 'aplic_base', label: 'aplic_base', kind: 'hex', required: true, help: "guest-physical base of the zone's vAPLIC (feature aia); hvisor-tool wants it on plic boards too" },
    { key: 'aplic_size', label: 'aplic_size', kind: 'hex', required: true, help: 'size of the trapped vAPLIC window' },
  ],
};

/** The root zone's: board.rs ROOT_ARCH_ZONE_CONFIG names the vPLIC window (qemu-plic) or the vAPLIC window (qemu-aia). */
export function riscvRootArchConfig(board: Board): RiscvArchConfig {
  const { vplic, vaplic } = boardOf(board, 'riscv64').rootZone;
  return { arch: 'riscv64', plicBase: vplic.base, plicSize: vplic.size, aplicBase: vaplic?.base ?? 0, aplicSize: vaplic?.size ?? 0 };
}

/** arch_config for a new zone's JSON: the board's PLIC and APLIC S domain (hvisor's qemu-aia values where the board has none). */
export function riscvTemplateArchConfig(board: Board): Record<string, string> {
  const plic = board.devices.find((d) => d.kind === 'sifive-plic');
  const hex = (n: number): string => '0x' + n.toString(16);
  const aplic = board.devices.find((d) => d.kind === 'riscv-aplic');
  return { plic_base: hex(plic?.base ?? 0xc00_0000), plic_size: hex(plic?.size ?? 0x400_0000), aplic_base: hex(aplic?.base ?? 0xd00_0000), aplic_size: hex(aplic?.size ?? 0x8000) };
}
