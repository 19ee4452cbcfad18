/**
 * aarch64's arch_config as hvisor-tool reads it (tools/hvisor.c parse_arch_config under ARM64, c724e91
 * lines 247-375): gic_version picks the variant by strcmp ("v2" or "v3", else refused), each variant's
 * windows are required (CHECK_JSON_NULL) except the ITS, which is read only as a pair, is_aarch32 is
 * taken through valueint (absent: false), and the UEFI keys belong to the 0x06 tool. The checks against
 * the board are hvisor v0.4's panics when it sets the zone's GIC up (src/device/irqchip/gicv2/vgic.rs,
 * gicv3/vgic.rs) and the distributor window it traps.
 */
import { type Board, boardOf } from '../../../model/board';
import { AARCH64_ARCH_CONFIG_SCHEMA, GIC_VERSIONS, type Aarch64ArchConfig } from '../../../model/arch/aarch64/arch-config';
import { activeFields, schemaKeys } from '../../../model/arch/arch-config-schema';
import type { ZoneConfig } from '../../../model/zone-config';
import { type JsonObject, lookupKey } from '../../json-reader';
import { listKeys, readSchemaNumbers } from '../schema-fields';
import type { ArchConfigValidator, FindingSink, VirtioIrqProblem, ZoneFieldReader } from '../types';

const SCHEMA = AARCH64_ARCH_CONFIG_SCHEMA;
const INT_MAX = 0x7fff_ffff;
const hex = (n: number): string => '0x' + n.toString(16);
const span = (base: number, size: number): string => `${hex(base)}+${hex(size)}`;
const overlaps = (a: number, aSize: number, b: number, bSize: number): boolean => a < b + bSize && b < a + aSize;
const UEFI_KEYS = SCHEMA.laterToolKeys ?? [];

function readVersion(r: ZoneFieldReader, arch: JsonObject): 'v2' | 'v3' | undefined {
  const value = r.item(arch, 'gic_version', 'arch_config');
  if (value === undefined) {
    return r.error('arch_config.gic_version', 'required key is missing; hvisor-tool refuses the file ("\'gic_version\' is missing in json file"): write "v2" or "v3", the GIC of the board');
  }
  if (typeof value !== 'string') {
    return r.error('arch_config.gic_version', `must be the string "v2" or "v3", not ${JSON.stringify(value)}: hvisor-tool compares its valuestring, which only a JSON string has`);
  }
  const version = GIC_VERSIONS.find((v) => v === value);
  if (!version) return r.error('arch_config.gic_version', `${JSON.stringify(value)} is neither "v2" nor "v3"; hvisor-tool refuses it ("Invalid GIC version", the comparison is case-sensitive)`);
  return version;
}

/** is_aarch32 through cJSON's valueint into a u8: true is 1, false and strings are 0, numbers saturate at int range. */
function readIsAarch32(r: ZoneFieldReader, arch: JsonObject): boolean {
  const value = r.item(arch, 'is_aarch32', 'arch_config');
  if (value === undefined || typeof value === 'boolean') return value === true;
  if (typeof value === 'number') {
    const valueint = value >= INT_MAX ? INT_MAX : value <= -INT_MAX - 1 ? -INT_MAX - 1 : Math.trunc(value);
    const aarch32 = (valueint & 0xff) !== 0;
    if (value !== 0 && value !== 1) {
      r.warning('arch_config.is_aarch32', `${value} is stored in a u8 through cJSON's valueint (${valueint & 0xff}), so the zone starts as ${aarch32 ? 'AArch32' : 'AArch64'}; write true or false`);
    }
    return aarch32;
  }
  r.warning('arch_config.is_aarch32', `${JSON.stringify(value)} is not true or false; hvisor-tool reads valueint, which is 0 here, so the zone starts as AArch64`);
  return false;
}

function readUefi(r: ZoneFieldReader, arch: JsonObject): void {
  const present = UEFI_KEYS.filter((k) => r.item(arch, k, 'arch_config') !== undefined);
  if (present.length === 0) return;
  if (!present.includes('memory_map_addr')) {
    r.warning('arch_config', `${listKeys(present)} without memory_map_addr: hvisor-tool 0x06 reads the UEFI keys only when memory_map_addr is present, so ${present.length === 1 ? 'it is' : 'they are'} ignored`);
    return;
  }
  let ok = true;
  for (const key of UEFI_KEYS) {
    if (r.item(arch, key, 'arch_config') === undefined) {
      r.error(`arch_config.${key}`, 'required key is missing: hvisor-tool 0x06 reads memory_map_addr, memory_map_size and sys_map_addr together');
      ok = false;
    } else if (r.number(arch, key, 'arch_config') === undefined) ok = false;
  }
  if (ok) {
    r.warning(
      'arch_config.memory_map_addr',
      "UEFI boot (memory_map_addr, memory_map_size, sys_map_addr) is read by hvisor-tool 0x06 (345aa94 on), whose HvZoneConfig hvisor v0.4 refuses; the workbench starts the zone with v0.4's struct, which has no UEFI config, so the zone boots the legacy way",
    );
  }
}

function read(r: ZoneFieldReader, value: unknown): Aarch64ArchConfig | undefined {
  if (value === undefined) return r.error('arch_config', 'required key is missing');
  const arch = r.object(value, 'arch_config');
  if (!arch) return undefined;
  r.unknownKeys(arch, 'arch_config', schemaKeys(SCHEMA));
  const version = readVersion(r, arch);
  if (!version) return undefined;
  const fields = activeFields(SCHEMA, (key) => (key === 'gic_version' ? version : undefined));
  const otherVariant = SCHEMA.fields.filter((f) => f.when && !fields.includes(f) && r.item(arch, f.key, 'arch_config') !== undefined);
  if (otherVariant.length > 0) {
    const other = otherVariant[0]!.when!.equals;
    r.warning('arch_config', `${listKeys(otherVariant.map((f) => f.key))} ${otherVariant.length === 1 ? 'belongs' : 'belong'} to gic_version "${other}"; hvisor-tool ignores ${otherVariant.length === 1 ? 'it' : 'them'} for a ${version === 'v2' ? 'GICv2' : 'GICv3'} zone`);
  }
  const values = readSchemaNumbers(r, arch, fields, (f) => `required key is missing; hvisor-tool refuses a gic_version "${version}" zone without it ("'${f.key}' is missing in json file")`);
  const gits = fields.filter((f) => f.key.startsWith('gits_')).map((f) => f.key);
  const gitsPresent = gits.filter((k) => values?.[k] !== undefined);
  if (values && gitsPresent.length === 1) {
    r.warning(`arch_config.${gitsPresent[0]}`, `hvisor-tool reads ${listKeys(gits)} only together ("No gits fields in arch_config") and leaves both 0: the zone gets no ITS`);
  }
  const isAarch32 = readIsAarch32(r, arch);
  readUefi(r, arch);
  if (!values) return undefined;
  const v = (key: string): number => values[key] ?? 0;
  const itsComplete = gitsPresent.length === gits.length;
  if (version === 'v3') {
    return {
      arch: 'aarch64', isAarch32,
      gic: {
        version, gicdBase: v('gicd_base'), gicdSize: v('gicd_size'), gicrBase: v('gicr_base'), gicrSize: v('gicr_size'),
        gitsBase: itsComplete ? v('gits_base') : 0, gitsSize: itsComplete ? v('gits_size') : 0,
      },
    };
  }
  return {
    arch: 'aarch64', isAarch32,
    gic: {
      version, gicdBase: v('gicd_base'), gicdSize: v('gicd_size'), giccBase: v('gicc_base'), giccSize: v('gicc_size'), giccOffset: v('gicc_offset'),
      gichBase: v('gich_base'), gichSize: v('gich_size'), gicvBase: v('gicv_base'), gicvSize: v('gicv_size'),
    },
  };
}

function laterTool(value: JsonObject): string | undefined {
  return lookupKey(value, 'memory_map_addr') !== undefined ? 'hvisor-tool 0x06 (345aa94 on): arch_config has memory_map_addr (UEFI boot)' : undefined;
}

/** hvisor v0.4 panics while it sets the zone's GIC up; those are errors. A distributor elsewhere than the board's is a warning. */
function check(zone: ZoneConfig, board: Board, out: FindingSink): void {
  const arch = zone.archConfig;
  if (arch.arch !== 'aarch64' || board.arch !== 'aarch64') return;
  const { gic } = arch;
  const boardGic = boardOf(board, 'aarch64').rootZone.gic;
  const boardVersion = boardGic.version === 3 ? 'v3' : 'v2';
  if (gic.version !== boardVersion) {
    // gicv3/vgic.rs:42 "GICv2 is not supported in this function"; gicv2/vgic.rs:45 "GICv3 is not supported in this version of hvisor".
    out.error('arch_config.gic_version', `"${gic.version}" but ${board.name} has a GIC${boardVersion}; hvisor is built for the board's GIC and panics when it sets up this zone's (vgic${boardVersion}_mmio_init)`);
    return;
  }
  if (gic.gicdBase === 0) out.error('arch_config.gicd_base', `is 0; hvisor panics ("vgic${gic.version}_mmio_init: gicd_base${gic.version === 'v3' ? ' or gicr_base' : ''} is null")`);
  if (gic.version === 'v3' && gic.gicrBase === 0) out.error('arch_config.gicr_base', 'is 0; hvisor panics ("vgicv3_mmio_init: gicd_base or gicr_base is null", gicv3/vgic.rs:48)');
  if (gic.version === 'v2') {
    // gicv2/vgic.rs:73-78, vgicv2_remap_init.
    for (const [key, value] of [['gicc_base', gic.giccBase], ['gicc_size', gic.giccSize], ['gicv_base', gic.gicvBase], ['gicv_size', gic.gicvSize]] as const) {
      if (value === 0) out.error(`arch_config.${key}`, 'is 0; hvisor panics ("vgicv2_remap_init: gic related address is null")');
    }
    if (gic.giccSize !== 0 && gic.gicvSize !== 0 && gic.giccSize !== gic.gicvSize) {
      out.error('arch_config.gicv_size', `${hex(gic.gicvSize)} differs from gicc_size ${hex(gic.giccSize)}; hvisor panics ("vgicv2_remap_init: gicv_size not equal to gicc_size")`);
    }
  }
  if (gic.version === 'v3' && gic.gitsSize !== 0) {
    // hvisor's vITS (gicv3/vgic.rs:343-429, gits.rs) traps the zone's gits window and forwards to the board's ITS.
    const boardIts = boardGic.version === 3 ? boardGic.gits : { base: 0, size: 0 };
    if (boardIts.size === 0) {
      out.error('arch_config.gits_size', `${hex(gic.gitsSize)} but ${board.name} has no ITS; hvisor's vgicv3_its_handler would forward the zone's accesses to host_gits_base() = 0 (gicv3/vgic.rs:344)`);
    } else if (gic.gitsBase !== boardIts.base) {
      out.warning('arch_config.gits_base', `${hex(gic.gitsBase)} is not ${board.name}'s ITS (${hex(boardIts.base)}); hvisor traps the zone's ITS window there and forwards it to the board's, so the guest's device tree must use the same address`);
    }
  }
  if (gic.gicdBase !== 0 && gic.gicdBase !== boardGic.gicd.base) {
    out.warning('arch_config.gicd_base', `${hex(gic.gicdBase)} is not ${board.name}'s distributor (${hex(boardGic.gicd.base)}); hvisor traps the zone's distributor there, so the guest's device tree must use the same address`);
  }
  zone.memoryRegions.forEach((region, i) => {
    if (region.type !== 'virtio' && overlaps(gic.gicdBase, gic.gicdSize, region.virtualStart, region.size)) {
      out.warning('arch_config.gicd_base', `the distributor window ${span(gic.gicdBase, gic.gicdSize)} overlaps memory_regions[${i}]; accesses there hit the mapping and never reach hvisor's emulated distributor`);
    }
  });
}

/**
 * hvisor's GIC inject_irq writes the IRQ into a list register whoever owns it (gicv3/mod.rs:280-330). The
 * workbench has no list registers: its vGIC makes the SPI pending in the distributor, where the zone
 * can enable and route only its own SPIs, so a virtio IRQ must be one of the zone's interrupts (hvisor's
 * own qemu-gicv3 zone1-linux.json lists its virtio SPIs 75, 76 and 78).
 */
function virtioIrq(zone: ZoneConfig, irq: number): VirtioIrqProblem | undefined {
  if (irq < 32) return { severity: 'warning', message: "is an SGI or PPI: hvisor would write it into a list register, but the workbench's vGIC injects only SPIs (INTID 32 and above), so in the workbench this device would not interrupt" };
  if (zone.interrupts.includes(irq)) return undefined;
  return {
    severity: 'warning',
    message: "is not in the zone's interrupts: hvisor would still deliver it through a list register, but the workbench's vGIC delivers it through the zone's distributor, where the zone can enable only its own SPIs, so in the workbench this device would not interrupt; add it to interrupts",
  };
}

/** ivc.rs rings a doorbell by setting the SPI pending in the distributor (:229-235): the zone must have enabled it. */
function ivcDoorbell(zone: ZoneConfig, irq: number): string | undefined {
  if (zone.interrupts.includes(irq)) return undefined;
  return "is not in this zone's interrupts: hvisor's vGIC drops the zone's writes enabling it, so its doorbell never arrives";
}

export const aarch64ArchConfigValidator: ArchConfigValidator<'aarch64'> = { ivc: true, read, laterTool, check, virtioIrq, ivcDoorbell };
