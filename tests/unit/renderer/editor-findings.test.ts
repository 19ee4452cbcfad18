/**
 * The zone editor's model without a DOM: findings land at the form field of their JSON path (and a
 * conflict at both zones' fields), the partition map flags what the checks flag, and text that does
 * not parse stays in the document and is reported where it was typed.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { getBoard } from '../../../src/boards/index';
import { fieldValue, setAt, type EditorFile } from '../../../src/renderer/views/editor/model/documents';
import type { Json } from '../../../src/renderer/views/editor/model/json-format';
import { hartRows, irqRows, mapZones, memoryLanes } from '../../../src/renderer/views/editor/model/partition';
import { freeHarts, freeRam, layoutWithZone, nextZoneId, zoneTemplate } from '../../../src/renderer/views/editor/model/templates';
import { fieldKey, fieldPathOf, findingsByField, validateFiles } from '../../../src/renderer/views/editor/model/validation';

const repo = path.resolve(import.meta.dirname, '../../..');
const board = getBoard('qemu-plic');

function exampleFiles(): EditorFile[] {
  const file = (name: string, kind: EditorFile['kind']): EditorFile => {
    const text = readFileSync(path.join(repo, 'examples/riscv64-zones', name), 'utf8');
    return { path: name, kind, savedText: text, doc: JSON.parse(text) as Json };
  };
  return [file('layout.json', 'layout'), file('zone-u.json', 'zone'), file('zone-r.json', 'zone')];
}

const edit = (files: EditorFile[], name: string, at: string, value: Json): EditorFile[] =>
  files.map((f) => (f.path === name ? { ...f, doc: setAt(f.doc!, at, value) } : f));

describe('fieldPathOf', () => {
  it.each([
    ['cpus', 'cpus'],
    ['cpus[1]', 'cpus'],
    ['interrupts[0]', 'interrupts'],
    ['memory_regions[2].size', 'memory_regions[2].size'],
    ['memory_regions[2]', 'memory_regions[2]'],
    ['memory_regions[2].colour', 'memory_regions[2]'],
    ['arch_config.plic_base', 'arch_config.plic_base'],
    ['arch_config.gicd_base', 'arch_config'],
    ['alloc_pci_devs[0].v_device', 'alloc_pci_devs[0].v_device'],
    ['pci_config[0].bus_range_end', 'pci_config[0].bus_range_end'],
    ['num_cpus', ''],
    ['', ''],
  ])('zone %s -> %s', (input, expected) => {
    expect(fieldPathOf('zone', input)).toBe(expected);
  });

  it.each([
    ['zones[0].devices[2].irq', 'zones[0].devices[2].irq'],
    ['zones[0].devices[2].mac[3]', 'zones[0].devices[2].mac'],
    ['zones[1].memory_region[0].zone0_ipa', 'zones[1].memory_region[0].zone0_ipa'],
    ['zones[1].id', 'zones[1].id'],
    ['devices[0].addr', 'devices[0].addr'],
  ])('virtio %s -> %s', (input, expected) => {
    expect(fieldPathOf('virtio', input)).toBe(expected);
  });
});

describe('validation in the editor', () => {
  it('finds no errors in the zones demo', () => {
    const result = validateFiles(exampleFiles(), board);
    expect(result.errors).toBe(0);
    expect(result.root.cpus).toEqual([0]);
  });

  it('files a CPU conflict at the cpus field of both zones and flags the hart on the map', () => {
    let files = exampleFiles();
    const zones = mapZones(validateFiles(files, board).root, files);
    expect(nextZoneId(zones)).toBe(3);
    expect(freeHarts(board, zones)).toEqual([]);
    const template = zoneTemplate(board, zones, files);
    expect(template).toMatchObject({ zone_id: 3, cpus: [], memory_regions: [{ type: 'ram', physical_start: '0x8a000000' }] });
    files = [...files.map((f) => (f.kind === 'layout' ? { ...f, doc: layoutWithZone(f.doc!, 'zone3.json', true) } : f)),
      { path: 'zone3.json', kind: 'zone', savedText: undefined, doc: template }];
    const empty = validateFiles(files, board);
    expect(empty.findings.find((f) => f.file === 'zone3.json' && f.path === 'cpus')?.message).toMatch(/no CPU/);

    files = edit(files, 'zone3.json', 'cpus', fieldValue('3', 'int-list'));
    const result = validateFiles(files, board);
    const byField = findingsByField(result.findings, new Map(files.map((f) => [f.path, f.kind])));
    const mine = byField.get(fieldKey('zone3.json', 'cpus')) ?? [];
    expect(mine.map((f) => f.message).join('\n')).toMatch(/hart 3 also belongs to zone 2 "zoneR"/);
    expect(byField.get(fieldKey('zone-r.json', 'cpus'))).toEqual(mine);
    const harts = hartRows(board, mapZones(result.root, files));
    expect(harts.find((h) => h.hart === 3)).toMatchObject({ conflict: true, owners: ['zone-r.json', 'zone3.json'] });
    expect(harts.filter((h) => h.conflict).map((h) => h.hart)).toEqual([3]);

    files = edit(edit(files, 'zone3.json', 'cpus', [2]), 'zone-u.json', 'cpus', [1]);
    const fixed = validateFiles(files, board);
    expect(fixed.errors).toBe(0);
    expect(hartRows(board, mapZones(fixed.root, files)).some((h) => h.conflict)).toBe(false);
  });

  it('keeps text that does not parse and reports it at its field', () => {
    const files = edit(edit(exampleFiles(), 'zone-u.json', 'cpus', fieldValue('1, x', 'int-list')), 'zone-u.json', 'memory_regions[0].size', fieldValue('0x10zz', 'hex'));
    expect(files[1]!.doc).toMatchObject({ cpus: [1, 'x'], memory_regions: [{ size: '0x10zz' }] });
    const result = validateFiles(files, board);
    const byField = findingsByField(result.findings, new Map(files.map((f) => [f.path, f.kind])));
    expect(byField.get(fieldKey('zone-u.json', 'cpus'))?.[0]?.message).toMatch(/must be a JSON number/);
    expect(byField.get(fieldKey('zone-u.json', 'memory_regions[0].size'))?.[0]?.message).toMatch(/"0x10zz" is not a number/);
    // The map still shows what parses.
    const zoneU = mapZones(result.root, files).find((z) => z.file === 'zone-u.json')!;
    expect(zoneU.cpus).toEqual([1]);
  });

  it('names the file and the position of JSON that does not parse', () => {
    const files = exampleFiles().map((f) => (f.path === 'zone-r.json' ? { ...f, doc: undefined, rawText: '{ "zone_id": 2, ' } : f));
    const result = validateFiles(files, board);
    expect(result.findings.find((f) => f.file === 'zone-r.json')).toMatchObject({ severity: 'error', path: '', message: expect.stringMatching(/not valid JSON/) });
  });

  it('reports layout.json problems and unreadable files as errors of their file', () => {
    const files = edit(exampleFiles(), 'layout.json', 'root.mode', 'kernel');
    const result = validateFiles(files, board, ['layout.json: zones[2].config: cannot read gone.json (ENOENT)']);
    expect(result.findings.filter((f) => f.file === 'layout.json').map((f) => f.path)).toEqual(['', 'root.mode']);
  });
});

describe('partition map', () => {
  it('outlines memory two zones map and a hardware IRQ two zones own', () => {
    let files = exampleFiles();
    files = edit(files, 'zone-r.json', 'memory_regions[0].physical_start', '0x88800000');
    files = edit(edit(files, 'zone-u.json', 'interrupts', [10]), 'zone-r.json', 'interrupts', [10, 5]);
    const root = validateFiles(files, board).root;
    const zones = mapZones(root, files);
    const lanes = memoryLanes(board, zones);
    const zoneR = lanes.find((l) => l.id === 'zone-r.json')!;
    expect(zoneR.bands[0]).toMatchObject({ overlap: 'error', overlapWith: 'zoneU' });
    // The root zone's RAM holds zoneU's on purpose: amber, not red.
    expect(lanes.find((l) => l.id === 'root')!.bands[0]).toMatchObject({ overlap: 'warning' });
    expect(lanes[0]!.bands.map((b) => b.kind)).toContain('reserved');
    const irqs = irqRows(board, zones, []);
    expect(irqs.find((r) => r.irq === 10)).toMatchObject({ hw: true, status: 'conflict', devices: ['uart0'] });
    expect(irqs.find((r) => r.irq === 5)).toMatchObject({ hw: false, status: 'ok' });
    expect(irqs.find((r) => r.irq === 34)).toMatchObject({ hw: true, status: 'unowned' });
  });

  it('places a new zone in free RAM after the used zones', () => {
    const files = exampleFiles();
    const zones = mapZones(validateFiles(files, board).root, files);
    expect(freeRam(board, zones)).toBe(0x8a00_0000);
  });
});
