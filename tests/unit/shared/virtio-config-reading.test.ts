/**
 * virtio_cfg.json read as hvisor-tool's cJSON reads it (the first of repeated keys, keys in any case)
 * and hostile files: each gives one message naming the file and where, in linear time.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseVirtioConfig } from '../../../src/shared/validate/virtio-config';

const FILE = 'virtio_cfg.json';
const text = (): string => readFileSync(join(__dirname, '../../fixtures/virtio/virtio_cfg.json'), 'utf8');

describe('virtio_cfg.json keys as cJSON reads them', () => {
  it('takes the first of repeated keys, where JSON.parse would take the last', () => {
    const repeated = text().replace('"id": 1', '"id": 2, "id": 1');
    expect(JSON.parse(repeated).zones[0].id).toBe(1);
    const result = parseVirtioConfig(repeated, FILE);
    expect(result.config?.zones[0]?.zoneId).toBe(2);
    expect(result.findings).toContainEqual({
      severity: 'warning',
      file: FILE,
      path: 'zones[0].id',
      message: expect.stringMatching(/^given again on line \d+; hvisor-tool reads the first value and ignores the later one$/) as unknown as string,
    });
  });

  it('looks keys up regardless of case, the first match winning', () => {
    const shouted = text().replace('"zones"', '"ZONES"').replace('"id": 1', '"Id": 3, "id": 1');
    const result = parseVirtioConfig(shouted, FILE);
    expect(result.config?.zones[0]?.zoneId).toBe(3);
    expect(result.findings.map((f) => [f.severity, f.path])).toEqual([
      ['warning', 'ZONES'],
      ['warning', 'zones[0].Id'],
      ['warning', 'zones[0].id'],
    ]);
  });
});

describe('hostile virtio_cfg.json', () => {
  it('reports a huge zones array once, in linear time', () => {
    const zones = Array(500_000).fill('{"id": 1, "devices": [{"status": 7}]}').join(',');
    const started = performance.now();
    const result = parseVirtioConfig(`{"zones": [${zones}]}`, FILE);
    // Linear: a few seconds at most on a loaded machine; pairwise checks of half a million entries would take hours.
    expect(performance.now() - started).toBeLessThan(30_000);
    expect(result.findings).toEqual([
      { severity: 'error', file: FILE, path: 'zones', message: '500000 zones; hvisor-tool allows at most 32 (MAX_ZONES, "Exceed maximum zone number")' },
    ]);
  });

  it('refuses deep nesting with the depth, the line and the path', () => {
    const deep = `{"zones": [{"id": 1, "devices": [\n${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}]}]}`;
    const result = parseVirtioConfig(deep, FILE);
    expect(result.findings).toHaveLength(1);
    expect(result.findings[0]).toMatchObject({ severity: 'error', file: FILE, path: '' });
    expect(result.findings[0]!.message).toMatch(/^not readable: nested more than 64 levels deep \(line 2, column 301, at zones\[0\]\.devices\[0\](\.a){60}\)/);
  });
});
