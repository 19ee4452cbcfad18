/**
 * The editor's arch_config form model per architecture: findings land on the fields of the board's
 * architecture's schema, a new zone starts with an arch_config built from the board's interrupt
 * controller that the reader accepts, and the GIC addresses are written as hex like hvisor's files.
 */
import { describe, expect, it } from 'vitest';
import { getBoard } from '../../../src/boards/index';
import { activeFields } from '../../../src/shared/model/arch/arch-config-schema';
import { ARCH_ZONE_MODELS } from '../../../src/shared/model/arch/registry';
import { checkZone } from '../../../src/shared/validate/zone-checks';
import { parseZoneConfig } from '../../../src/shared/validate/zone-config';
import { fieldText, fieldValue, normalizeNumbers } from '../../../src/renderer/views/editor/model/documents';
import { zoneTemplate } from '../../../src/renderer/views/editor/model/templates';
import { fieldPathOf } from '../../../src/renderer/views/editor/model/validation';

describe('arch_config fields follow the board architecture', () => {
  it.each([
    ['riscv64', 'arch_config.plic_base', 'arch_config.plic_base'],
    ['riscv64', 'arch_config.gicd_base', 'arch_config'],
    ['aarch64', 'arch_config.gicd_base', 'arch_config.gicd_base'],
    ['aarch64', 'arch_config.plic_base', 'arch_config'],
    ['loongarch64', 'arch_config.dummy', 'arch_config'],
  ] as const)('%s: %s is shown at %s', (arch, path, field) => {
    expect(fieldPathOf('zone', path, arch)).toBe(field);
  });

  it("shows the windows of the GIC version chosen, and only those", () => {
    const keys = (version: string): string[] => activeFields(ARCH_ZONE_MODELS.aarch64.schema, (k) => (k === 'gic_version' ? version : undefined)).map((f) => f.key);
    expect(keys('v3')).toEqual(['gic_version', 'is_aarch32', 'gicd_base', 'gicd_size', 'gicr_base', 'gicr_size', 'gits_base', 'gits_size']);
    expect(keys('v2')).toEqual(['gic_version', 'is_aarch32', 'gicd_base', 'gicd_size', 'gicc_base', 'gicc_size', 'gicc_offset', 'gich_base', 'gich_size', 'gicv_base', 'gicv_size']);
    expect(ARCH_ZONE_MODELS.loongarch64.schema.fields).toEqual([]);
  });

  it('types is_aarch32 as a JSON boolean', () => {
    expect(fieldValue('true', 'bool')).toBe(true);
    expect(fieldValue('false', 'bool')).toBe(false);
    expect(fieldValue('yes', 'bool')).toBe('yes');
    expect(fieldText(false, 'bool')).toBe('false');
  });

  it('writes GIC windows as hex, like the riscv64 ones', () => {
    expect(normalizeNumbers({ arch_config: { gicd_base: 134217728, gicr_size: '16121856', gic_version: 'v3' } }, 'zone')).toEqual({
      arch_config: { gicd_base: '0x8000000', gicr_size: '0xf60000', gic_version: 'v3' },
    });
  });
});

describe('a new zone on an aarch64 board', () => {
  it.each(['qemu-gicv3', 'qemu-gicv2'])('%s: takes the root GIC windows, which read and check without findings', (name) => {
    const board = getBoard(name);
    const doc = zoneTemplate(board, [], []);
    const parsed = parseZoneConfig(JSON.stringify(doc), 'zone1.json', board.arch);
    expect(parsed.findings.filter((f) => f.path.startsWith('arch_config'))).toEqual([]);
    expect(parsed.config?.archConfig).toEqual(ARCH_ZONE_MODELS.aarch64.rootArchConfig(board));
    expect(checkZone(parsed.config!, board).filter((f) => f.path.startsWith('arch_config'))).toEqual([]);
  });
});
