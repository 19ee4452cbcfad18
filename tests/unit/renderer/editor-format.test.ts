/**
 * The zone editor's serializer: files the editor did not change are written back byte for byte, an
 * edit changes only the lines of the edited field, new documents look like hvisor's examples, and
 * addresses become "0x..." strings.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { normalizeNumbers, setAt } from '../../../src/renderer/views/editor/model/documents';
import { formatJson, type Json } from '../../../src/renderer/views/editor/model/json-format';

const repo = path.resolve(import.meta.dirname, '../../..');
const read = (file: string): string => readFileSync(path.join(repo, file), 'utf8');
const EXAMPLES = [
  'examples/riscv64-zones/zone-r.json',
  'examples/riscv64-zones/zone-u.json',
  'examples/riscv64-zones/layout.json',
  'examples/riscv64-linux/zone1.json',
  'examples/riscv64-linux/virtio_cfg.json',
  'examples/riscv64-linux/layout.json',
  'tests/fixtures/zones/zone1-linux-vbdf.json',
];

function changedLines(before: string, after: string): string[] {
  const a = before.split('\n');
  const b = after.split('\n');
  expect(b.length).toBe(a.length);
  return b.filter((line, i) => line !== a[i]);
}

describe('formatJson', () => {
  it.each(EXAMPLES)('writes %s back unchanged when nothing was edited', (file) => {
    const text = read(file);
    expect(formatJson(JSON.parse(text) as Json, text)).toBe(text);
  });

  it('changes only the edited line of a zone file', () => {
    const text = read('examples/riscv64-zones/zone-u.json');
    const doc = setAt(JSON.parse(text) as Json, 'cpus', [1]);
    const out = formatJson(doc, text);
    expect(changedLines(text, out)).toEqual(['  "cpus": [1],']);
  });

  it('rewrites only the edited memory region and keeps the others verbatim', () => {
    const text = read('tests/fixtures/zones/zone1-linux-vbdf.json');
    const doc = setAt(JSON.parse(text) as Json, 'memory_regions[1].size', '0x2000');
    const changed = changedLines(text, formatJson(doc, text));
    expect(changed).toEqual(['    { "type": "virtio", "physical_start": "0x10007000", "virtual_start": "0x10007000", "size": "0x2000" }']);
  });

  it('adds a zone to layout.json as one line in its zones list', () => {
    const text = read('examples/riscv64-zones/layout.json');
    const layout = JSON.parse(text) as { zones: Json[] };
    const doc = { ...layout, zones: [...layout.zones, { config: 'zone3.json', autostart: false }] } as Json;
    const out = formatJson(doc, text);
    expect(out).toContain('    { "config": "zone-r.json", "autostart": true },\n    { "config": "zone3.json", "autostart": false }\n  ],');
    expect(out.split('\n').length).toBe(text.split('\n').length + 1);
  });

  it('lays out a new zone like hvisor examples: 2-space indentation, one region per line, arch_config as a block', () => {
    const doc: Json = {
      zone_id: 3,
      name: 'zone3',
      cpus: [2],
      memory_regions: [{ type: 'ram', physical_start: '0x8a000000', virtual_start: '0x8a000000', size: '0x1000000' }],
      interrupts: [],
      arch_config: { plic_base: '0xc000000', plic_size: '0x4000000' },
      pci_config: [],
    };
    expect(formatJson(doc)).toBe(
      [
        '{',
        '  "zone_id": 3,',
        '  "name": "zone3",',
        '  "cpus": [2],',
        '  "memory_regions": [',
        '    { "type": "ram", "physical_start": "0x8a000000", "virtual_start": "0x8a000000", "size": "0x1000000" }',
        '  ],',
        '  "interrupts": [],',
        '  "arch_config": {',
        '    "plic_base": "0xc000000",',
        '    "plic_size": "0x4000000"',
        '  },',
        '  "pci_config": []',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('puts a long list of strings one per line', () => {
    const lines = Array.from({ length: 6 }, (_, i) => `a fairly long expected line number ${i}`);
    const out = formatJson({ expect: { root: lines } });
    expect(out).toContain('    "root": [\n      "a fairly long expected line number 0",\n');
  });

  it('keeps a file that had no trailing newline without one', () => {
    expect(formatJson({ a: 2 }, '{ "a": 1 }')).toBe('{ "a": 2 }');
  });
});

describe('normalizeNumbers', () => {
  it('writes addresses and sizes as 0x strings, keeps hex text as written and leaves ids and IRQs as numbers', () => {
    const doc: Json = {
      zone_id: 3,
      cpus: [1],
      interrupts: [4],
      memory_regions: [{ type: 'ram', physical_start: 2315255808, virtual_start: '2315255808', size: '0x01000000' }],
      entry_point: '4096',
      kernel_load_paddr: 'oops',
    };
    expect(normalizeNumbers(doc, 'zone')).toEqual({
      zone_id: 3,
      cpus: [1],
      interrupts: [4],
      memory_regions: [{ type: 'ram', physical_start: '0x8a000000', virtual_start: '0x8a000000', size: '0x01000000' }],
      entry_point: '0x1000',
      kernel_load_paddr: 'oops',
    });
  });

  it('does the same for virtio_cfg.json windows and regions, not for irq', () => {
    const doc: Json = { zones: [{ id: 1, memory_region: [{ zone0_ipa: 4096, zonex_ipa: '0x1000', size: 8192 }], devices: [{ addr: 268443648, len: 512, irq: 3 }] }] };
    expect(normalizeNumbers(doc, 'virtio')).toEqual({
      zones: [{ id: 1, memory_region: [{ zone0_ipa: '0x1000', zonex_ipa: '0x1000', size: '0x2000' }], devices: [{ addr: '0x10002000', len: '0x200', irq: 3 }] }],
    });
  });
});
