/**
 * riscv64's arch_config as hvisor-tool reads it (tools/hvisor.c parse_arch_config under RISCV64,
 * c724e91 lines 377-403: all four keys required, each through parse_json_linux_u64), and its check
 * against the board: the vPLIC window hvisor traps should be the board's PLIC and must not be hidden by
 * a mapped region. On an AIA board (qemu-aia) the vAPLIC window instead: hvisor panics on a zero
 * aplic_base (aia/mod.rs vaplic_mmio_init), and it should be the board's APLIC S domain.
 */
import type { Board } from '../../../model/board';
import { RISCV64_ARCH_CONFIG_SCHEMA, type RiscvArchConfig } from '../../../model/arch/riscv64/arch-config';
import { schemaKeys } from '../../../model/arch/arch-config-schema';
import type { ZoneConfig } from '../../../model/zone-config';
import { listKeys, readSchemaNumbers } from '../schema-fields';
import type { ArchConfigValidator, FindingSink, VirtioIrqProblem, ZoneFieldReader } from '../types';

const hex = (n: number): string => '0x' + n.toString(16);
const span = (base: number, size: number): string => `${hex(base)}+${hex(size)}`;
const overlaps = (a: number, aSize: number, b: number, bSize: number): boolean => a < b + bSize && b < a + aSize;

function read(r: ZoneFieldReader, value: unknown): RiscvArchConfig | undefined {
  if (value === undefined) return r.error('arch_config', 'required key is missing');
  const arch = r.object(value, 'arch_config');
  if (!arch) return undefined;
  r.unknownKeys(arch, 'arch_config', schemaKeys(RISCV64_ARCH_CONFIG_SCHEMA));
  const keys = listKeys(RISCV64_ARCH_CONFIG_SCHEMA.fields.map((f) => f.key));
  const values = readSchemaNumbers(r, arch, RISCV64_ARCH_CONFIG_SCHEMA.fields, () => `required key is missing; the riscv64 hvisor-tool wants ${keys} even though a board uses only one pair`);
  if (!values) return undefined;
  return { arch: 'riscv64', plicBase: values.plic_base!, plicSize: values.plic_size!, aplicBase: values.aplic_base!, aplicSize: values.aplic_size! };
}

const aplicOf = (board: Board) => board.devices.find((d) => d.kind === 'riscv-aplic');

function checkAplic(zone: ZoneConfig, aplic: Board['devices'][number], out: FindingSink): void {
  const arch = zone.archConfig;
  if (arch.arch !== 'riscv64') return;
  const { aplicBase, aplicSize } = arch;
  if (aplicBase === 0) {
    out.error('arch_config.aplic_base', `is 0: hvisor (feature aia) panics starting the zone ("vplic_mmio_init: plic_base is null", src/device/irqchip/aia/mod.rs vaplic_mmio_init); use the board's APLIC S domain ${hex(aplic.base)}`);
    return;
  }
  const cpus = [...zone.cpus].sort((a, b) => a - b);
  if (cpus.some((cpu, i) => cpu !== cpus[0]! + i)) {
    out.warning('cpus', `${cpus.join(', ')} are not consecutive: hvisor's vAPLIC aims an interrupt at the zone's first CPU plus the guest's hart index (aia/vaplic.rs), and the guest's IMSIC files sit at one page per CPU from the first, so some of the guest's harts would get another CPU's interrupts`);
  }
  if (aplicBase !== aplic.base) {
    out.warning('arch_config.aplic_base', `${hex(aplicBase)} is not the board's APLIC S domain (${hex(aplic.base)}); hvisor traps the zone's vAPLIC there, so the guest's device tree must use the same address`);
  }
  zone.memoryRegions.forEach((region, i) => {
    if (region.type !== 'virtio' && overlaps(aplicBase, aplicSize, region.virtualStart, region.size)) {
      out.warning('arch_config.aplic_base', `the vAPLIC window ${span(aplicBase, aplicSize)} overlaps memory_regions[${i}]; accesses there hit the mapping and never reach the vAPLIC`);
    }
  });
}

function check(zone: ZoneConfig, board: Board, out: FindingSink): void {
  const arch = zone.archConfig;
  const aplic = aplicOf(board);
  if (aplic) return checkAplic(zone, aplic, out);
  const plic = board.devices.find((d) => d.kind === 'sifive-plic');
  if (arch.arch !== 'riscv64' || !plic) return;
  const { plicBase, plicSize } = arch;
  if (plicBase !== plic.base) {
    out.warning('arch_config.plic_base', `${hex(plicBase)} is not the board's PLIC (${hex(plic.base)}); hvisor traps the zone's vPLIC there, so the guest's device tree must use the same address`);
  }
  zone.memoryRegions.forEach((region, i) => {
    if (region.type !== 'virtio' && overlaps(plicBase, plicSize, region.virtualStart, region.size)) {
      out.warning('arch_config.plic_base', `the vPLIC window ${span(plicBase, plicSize)} overlaps memory_regions[${i}]; accesses there hit the mapping and never reach the vPLIC`);
    }
  });
}

/** hvisor's vPLIC delivers any virtual injection except of an IRQ that is hw for the zone (vplic.rs inject_irq). */
function virtioIrq(zone: ZoneConfig, irq: number, board: Board): VirtioIrqProblem | undefined {
  // hvisor's AIA inject_irq takes any virtual injection to the guest file its vAPLIC target names.
  if (aplicOf(board)) return undefined;
  if (!zone.interrupts.includes(irq) || !board.hwIrqs.includes(irq)) return undefined;
  return { severity: 'error', message: `is a hardware IRQ of the zone (in its interrupts and in HW_IRQS); hvisor's vPLIC refuses a virtual injection of it, so this device would never interrupt` };
}

/**
 * The workbench's riscv64 IVC (layout workbenchIvc) rings a doorbell as a virtual injection into the
 * peer's vPLIC, which drops it for a hw IRQ of the zone, as it drops virtio's.
 */
function ivcDoorbell(zone: ZoneConfig, irq: number, board: Board): string | undefined {
  if (aplicOf(board)) return undefined;
  if (!zone.interrupts.includes(irq) || !board.hwIrqs.includes(irq)) return undefined;
  return "is a hardware IRQ of this zone (in its interrupts and in HW_IRQS): the vPLIC refuses the doorbell's virtual injection, so it never arrives";
}

export const riscvArchConfigValidator: ArchConfigValidator<'riscv64'> = { ivc: false, read, check, virtioIrq, ivcDoorbell };
