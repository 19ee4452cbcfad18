/**
 * hvisor's shipped qemu-aia zone configs (tests/fixtures/hvisor-arch-configs/riscv64/qemu-aia, copied
 * from hvisor 6a3fb78 platform/riscv64/qemu-aia/configs) on the workbench's qemu-aia board: they read and
 * check without errors, next to the board's root zone; an arch_config hvisor would panic on is an error.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { getBoard } from '../../../src/boards/index';
import { rootZoneConfig, type ZoneFinding } from '../../../src/shared/model/zone-config';
import { checkZone, checkZones } from '../../../src/shared/validate/zone-checks';
import { parseZoneConfig } from '../../../src/shared/validate/zone-config';
import { parseVirtioConfig } from '../../../src/shared/validate/virtio-config';
import { zoneTemplate } from '../../../src/renderer/views/editor/model/templates';

const DIR = 'tests/fixtures/hvisor-arch-configs/riscv64/qemu-aia';
const board = getBoard('qemu-aia');
const errors = (findings: readonly ZoneFinding[]): ZoneFinding[] => findings.filter((f) => f.severity === 'error');
const zone1 = (edit: (doc: Record<string, any>) => void = () => undefined) => {
  const doc = JSON.parse(readFileSync(`${DIR}/zone1-linux.json`, 'utf8'));
  edit(doc);
  return parseZoneConfig(JSON.stringify(doc), 'zone1-linux.json', 'riscv64');
};

describe("hvisor's qemu-aia zone configs on the qemu-aia board", () => {
  it('zone1-linux.json reads and checks without errors, alone and next to the root zone', () => {
    const parsed = zone1();
    expect(errors(parsed.findings)).toEqual([]);
    const config = parsed.config!;
    expect(config.archConfig).toMatchObject({ aplicBase: 0xd00_0000, aplicSize: 0x8000 });
    expect(errors(checkZone(config, board))).toEqual([]);
    expect(errors(checkZones([rootZoneConfig(board), config], board))).toEqual([]);
    // The root zone of board.rs: the vAPLIC window, no vPLIC.
    expect(rootZoneConfig(board).archConfig).toMatchObject({ plicBase: 0, plicSize: 0, aplicBase: 0xd00_0000, aplicSize: 0x8000 });
    expect(errors(checkZone(rootZoneConfig(board), board))).toEqual([]);
  });

  it("a new zone's template on qemu-aia takes the board's APLIC window and checks without arch_config findings", () => {
    const doc = zoneTemplate(board, [], []);
    const parsed = parseZoneConfig(JSON.stringify(doc), 'zone1.json', 'riscv64');
    expect(parsed.config?.archConfig).toMatchObject({ aplicBase: 0xd00_0000, aplicSize: 0x8000 });
    expect(checkZone(parsed.config!, board).filter((f) => f.path.startsWith('arch_config'))).toEqual([]);
  });

  it('zone1-linux-virtio.json reads as a virtio daemon config', () => {
    const result = parseVirtioConfig(readFileSync(`${DIR}/zone1-linux-virtio.json`, 'utf8'), 'zone1-linux-virtio.json');
    expect(errors(result.findings)).toEqual([]);
  });

  it('an aplic_base of 0 is an error (hvisor panics), another address a warning', () => {
    const zero = zone1((d) => (d.arch_config.aplic_base = '0x0')).config!;
    expect(errors(checkZone(zero, board)).map((f) => f.path)).toEqual(['arch_config.aplic_base']);
    const moved = checkZone(zone1((d) => (d.arch_config.aplic_base = '0xe000000')).config!, board);
    expect(moved.find((f) => f.path === 'arch_config.aplic_base')).toMatchObject({ severity: 'warning' });
  });

  it('warns about CPUs that are not consecutive, which hvisor\'s hart numbering assumes', () => {
    const gap = checkZone(zone1((d) => (d.cpus = [1, 3])).config!, board);
    expect(gap.find((f) => f.path === 'cpus')).toMatchObject({ severity: 'warning', message: expect.stringMatching(/not consecutive/) });
    expect(checkZone(zone1().config!, board).find((f) => f.path === 'cpus')).toBeUndefined();
  });

  it('a zone mapping the APLIC or the IMSIC as io is told it reaches the other zones', () => {
    const findings = checkZone(zone1((d) => d.memory_regions.push({ type: 'io', physical_start: '0xd000000', virtual_start: '0xd000000', size: '0x8000' })).config!, board);
    expect(findings.some((f) => /physical APLIC/.test(f.message))).toBe(true);
  });
});
