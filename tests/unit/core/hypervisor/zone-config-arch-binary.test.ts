/**
 * The binary HvZoneConfig per architecture against hvisor-tool's own header: for each arch a zone is
 * encoded by the workbench and, independently, written as a C designated initialiser of zone_config_t
 * (by the header's member names), compiled with that arch's cross compiler; the two byte images must
 * be identical. Then decoding gives the zone back. The zones are hvisor's shipped configs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ZoneConfigDecodeError, decodeZoneConfig, encodeZoneConfig, zoneConfigSize } from '../../../../src/core/hypervisor/zone-config-binary';
import { ZONE_CONFIG_LAYOUTS } from '../../../../src/core/hypervisor/zone-config-layouts';
import { archZoneModel } from '../../../../src/shared/model/arch/registry';
import type { BoardArch } from '../../../../src/shared/model/board';
import { type ArchConfig, type ZoneConfig, utf8Bytes } from '../../../../src/shared/model/zone-config';
import { parseZoneConfig } from '../../../../src/shared/validate/zone-config';
import { compiledBytes, removeHeaderDir, toolchainProblem } from './zone-config-toolchain';

const FIXTURES = join(__dirname, '../../../fixtures');
afterAll(removeHeaderDir);

function zone(path: string, arch: BoardArch): ZoneConfig {
  const parsed = parseZoneConfig(readFileSync(join(FIXTURES, path), 'utf8'), path, arch);
  if (!parsed.config) throw new Error(JSON.stringify(parsed.findings));
  // Sizes hvisor-tool records once it has loaded the images, and an IVC entry, so every part of the struct carries data.
  return {
    ...parsed.config,
    kernelSize: 0x1e0_0000,
    dtbSize: 0x3000,
    ivcConfigs: [{ ivcId: 3, peerId: 1, controlTableIpa: 0xd000_0000, sharedMemIpa: 0xd000_1000, rwSecSize: 0x1000, outSecSize: 0x2000, interruptNum: 66, maxPeers: 2 }],
  };
}

const u64 = (n: number): string => `0x${BigInt(n).toString(16)}ULL`;

/** arch_config as a C initialiser, by the header's member names (the test's own reading of zone_config.h). */
function archInitializer(arch: ArchConfig): string {
  switch (arch.arch) {
    case 'riscv64':
      return `{ .plic_base = ${u64(arch.plicBase)}, .plic_size = ${u64(arch.plicSize)}, .aplic_base = ${u64(arch.aplicBase)}, .aplic_size = ${u64(arch.aplicSize)} }`;
    case 'loongarch64':
      return '{ .dummy = 0 }';
    case 'aarch64': {
      const { gic } = arch;
      const payload =
        gic.version === 'v3'
          ? `.gicv3 = { .gic_version_tag = 1, .gicv3_config = { .gicd_base = ${u64(gic.gicdBase)}, .gicd_size = ${u64(gic.gicdSize)}, .gicr_base = ${u64(gic.gicrBase)}, .gicr_size = ${u64(gic.gicrSize)}, .gits_base = ${u64(gic.gitsBase)}, .gits_size = ${u64(gic.gitsSize)} } }`
          : `.gicv2 = { .gic_version_tag = 0, .gicv2_config = { .gicd_base = ${u64(gic.gicdBase)}, .gicd_size = ${u64(gic.gicdSize)}, .gicc_base = ${u64(gic.giccBase)}, .gicc_size = ${u64(gic.giccSize)}, .gicc_offset = ${u64(gic.giccOffset)}, .gich_base = ${u64(gic.gichBase)}, .gich_size = ${u64(gic.gichSize)}, .gicv_base = ${u64(gic.gicvBase)}, .gicv_size = ${u64(gic.gicvSize)} } }`;
      return `{ .is_aarch32 = ${arch.isAarch32 ? 1 : 0}, .gic_config = { ${payload} } }`;
    }
  }
}

/** The zone as `const zone_config_t hvwb_zone = {...}`, the way hvisor-tool's zone_start_from_json fills the struct. */
function cSource(z: ZoneConfig): string {
  const words = new Array<number>(32).fill(0);
  for (const irq of z.interrupts) words[irq >> 5] = (words[irq >> 5]! | (1 << (irq & 31))) >>> 0;
  const name = utf8Bytes(z.name).map((b) => `\\${b.toString(8).padStart(3, '0')}`).join('');
  const types = { ram: 'MEM_TYPE_RAM', io: 'MEM_TYPE_IO', virtio: 'MEM_TYPE_VIRTIO' } as const;
  return [
    'const zone_config_t hvwb_zone = {',
    `  .zone_id = ${z.zoneId}, .cpus = ${u64(z.cpus.reduce((m, c) => m | (1n << BigInt(c)), 0n) as unknown as number)},`,
    `  .num_memory_regions = ${z.memoryRegions.length},`,
    `  .memory_regions = { ${z.memoryRegions.map((r) => `{ .type = ${types[r.type]}, .physical_start = ${u64(r.physicalStart)}, .virtual_start = ${u64(r.virtualStart)}, .size = ${u64(r.size)} }`).join(', ')} },`,
    `  .interrupts_bitmap = { ${words.map((w) => `0x${w.toString(16)}u`).join(', ')} },`,
    `  .num_ivc_configs = ${z.ivcConfigs.length},`,
    `  .ivc_configs = { ${z.ivcConfigs.map((c) => `{ .ivc_id = ${c.ivcId}, .peer_id = ${c.peerId}, .control_table_ipa = ${u64(c.controlTableIpa)}, .shared_mem_ipa = ${u64(c.sharedMemIpa)}, .rw_sec_size = ${c.rwSecSize}, .out_sec_size = ${c.outSecSize}, .interrupt_num = ${c.interruptNum}, .max_peers = ${c.maxPeers} }`).join(', ')} },`,
    `  .entry_point = ${u64(z.entryPoint)}, .kernel_load_paddr = ${u64(z.kernelLoadPaddr)}, .kernel_size = ${u64(z.kernelSize ?? 0)},`,
    `  .dtb_load_paddr = ${u64(z.dtbLoadPaddr)}, .dtb_size = ${u64(z.dtbSize ?? 0)},`,
    `  .name = "${name}",`,
    `  .arch_config = ${archInitializer(z.archConfig)},`,
    `  .num_pci_bus = ${z.pciConfig.length},`,
    `  .pci_config = { ${z.pciConfig.map((b) => `{ .ecam_base = ${u64(b.ecamBase)}, .ecam_size = ${u64(b.ecamSize)}, .io_base = ${u64(b.ioBase)}, .io_size = ${u64(b.ioSize)}, .pci_io_base = ${u64(b.pciIoBase)}, .mem32_base = ${u64(b.mem32Base)}, .mem32_size = ${u64(b.mem32Size)}, .pci_mem32_base = ${u64(b.pciMem32Base)}, .mem64_base = ${u64(b.mem64Base)}, .mem64_size = ${u64(b.mem64Size)}, .pci_mem64_base = ${u64(b.pciMem64Base)}, .bus_range_begin = ${b.busRangeBegin}, .bus_range_end = ${b.busRangeEnd}, .domain = ${b.domain} }`).join(', ')} },`,
    `  .num_pci_devs = ${z.allocPciDevs.length},`,
    `  .alloc_pci_devs = { ${z.allocPciDevs.map((d) => `{ .domain = ${d.domain}, .bus = ${d.bus}, .device = ${d.device}, .function = ${d.function}, .dev_type = ${d.devType} }`).join(', ')} },`,
    '};',
  ].join('\n');
}

/** What a decoded struct can say about a zone: no file paths, no modules. */
const asDecoded = (z: ZoneConfig): ZoneConfig => ({ ...z, source: 'HvZoneConfig', kernelFilepath: null, dtbFilepath: null, modules: [] });

const CASES: [string, BoardArch, () => ZoneConfig][] = [
  ['riscv64 qemu-plic zone1', 'riscv64', () => zone('zones/zone1-linux.json', 'riscv64')],
  ['aarch64 qemu-gicv3 zone1 (GICv3, ITS, PCIe, AArch32 guest)', 'aarch64', () => {
    const z = zone('hvisor-arch-configs/aarch64/qemu-gicv3/zone1-linux.json', 'aarch64');
    return { ...z, archConfig: { ...(z.archConfig as Extract<ArchConfig, { arch: 'aarch64' }>), isAarch32: true } };
  }],
  ['aarch64 qemu-gicv2 zone1 (GICv2)', 'aarch64', () => zone('hvisor-arch-configs/aarch64/qemu-gicv2/zone1-linux.json', 'aarch64')],
  ['loongarch64 ls3a5000 zone1 (entry point above 2^53)', 'loongarch64', () => zone('hvisor-arch-configs/loongarch64/ls3a5000/zone1-linux.json', 'loongarch64')],
];

describe('HvZoneConfig bytes per architecture, against the compiled header', () => {
  it('sizes are the layouts\' and the model\'s hvisor v0.4 figures', () => {
    for (const arch of ['riscv64', 'aarch64', 'loongarch64'] as const) {
      expect(zoneConfigSize(arch)).toBe(ZONE_CONFIG_LAYOUTS[arch].size);
      expect(archZoneModel(arch).zoneConfigBytes.hvisorV04).toBe(ZONE_CONFIG_LAYOUTS[arch].size);
    }
  });

  for (const [title, arch, make] of CASES) {
    const problem = toolchainProblem(arch);
    it.skipIf(problem !== undefined)(`${title}: identical to the C compiler's${problem ? ` (skipped: ${problem})` : ''}`, () => {
      const z = make();
      const ours = encodeZoneConfig(z);
      const theirs = compiledBytes(arch, cSource(z), 'hvwb_zone');
      expect(ours.length).toBe(zoneConfigSize(arch));
      expect(theirs.length).toBe(ours.length);
      // Compare as hex rows so a difference names its offset.
      const rows = (b: Uint8Array): string[] => Array.from({ length: b.length / 8 }, (_, i) => `${i * 8}: ${Buffer.from(b.subarray(i * 8, i * 8 + 8)).toString('hex')}`);
      expect(rows(ours)).toEqual(rows(theirs));
    });

    it(`${title}: decodes back to the zone`, () => {
      const z = make();
      expect(decodeZoneConfig(encodeZoneConfig(z), 'HvZoneConfig', arch)).toEqual(asDecoded(z));
    });
  }

  it('refuses an aarch64 GIC tag that is neither variant, naming the member', () => {
    const bytes = encodeZoneConfig(zone('hvisor-arch-configs/aarch64/qemu-gicv3/zone1-linux.json', 'aarch64'));
    new DataView(bytes.buffer).setBigUint64(2368, 7n, true);
    expect(() => decodeZoneConfig(bytes, 'HvZoneConfig', 'aarch64')).toThrow(ZoneConfigDecodeError);
    expect(() => decodeZoneConfig(bytes, 'HvZoneConfig', 'aarch64')).toThrow('HvZoneConfig offset 2368 (arch_config.gic_config.gicv2.gic_version_tag): 7 is neither GICv2 (0) nor GICv3 (1)');
  });

  it('takes the struct of the arch it is told, by size', () => {
    const aarch64 = encodeZoneConfig(zone('hvisor-arch-configs/aarch64/qemu-gicv2/zone1-linux.json', 'aarch64'));
    expect(() => decodeZoneConfig(aarch64, 'HvZoneConfig', 'riscv64')).toThrow('expected 3080 bytes (riscv64, config magic 0x05), got 3136');
  });
});
