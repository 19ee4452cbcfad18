import { describe, expect, it } from 'vitest';
import { LayoutError, parseLayout } from '../../../src/shared/validate/layout';
import { parseConfigNumber } from '../../../src/shared/validate/json-number';

function errors(text: string): string[] {
  try {
    parseLayout(text, 'demo/layout.json');
  } catch (error) {
    if (error instanceof LayoutError) return [...error.findings];
    throw error;
  }
  return [];
}

describe('layout.json', () => {
  it('reads a valid layout with numbers in hvisor forms', () => {
    const layout = parseLayout(
      JSON.stringify({ name: 'x', board: 'qemu-plic', root: { image: 'a.elf', mode: 'machine', cpus: ['0', 1], entry: '0x80000000' } }),
      'l.json',
    );
    expect(layout.root).toEqual({ image: 'a.elf', mode: 'machine', cpus: [0, 1], entry: 0x80000000 });
  });

  it('names the file and field of every problem', () => {
    expect(errors('{')).toEqual([expect.stringMatching(/^demo\/layout\.json: not valid JSON/)]);
    expect(errors(JSON.stringify({ board: 'b', root: { image: 'a', mode: 'hyper', cpus: [1, 1] }, extra: 1 }))).toEqual([
      'demo/layout.json: extra: unknown key',
      'demo/layout.json: name: required string',
      'demo/layout.json: root.mode: must be "machine" or "supervisor", not "hyper"',
      'demo/layout.json: root.cpus[1]: hart 1 listed twice',
    ]);
    expect(errors(JSON.stringify({ name: 'n', board: 'b', ramSize: 100, root: {} }))).toEqual([
      'demo/layout.json: ramSize: must be a positive multiple of 4096 (number or "0x..." string)',
      'demo/layout.json: root.image: required string',
    ]);
  });

  it('parses config numbers the way hvisor-tool does', () => {
    expect(parseConfigNumber('0x1000')).toBe(0x1000);
    expect(parseConfigNumber('010')).toBe(8);
    expect(parseConfigNumber('42')).toBe(42);
    expect(parseConfigNumber(7)).toBe(7);
    expect(parseConfigNumber('0x')).toBeUndefined();
    expect(parseConfigNumber('09')).toBeUndefined();
    expect(parseConfigNumber('0xffffffffffffffffff')).toBeUndefined();
    expect(parseConfigNumber(-1)).toBeUndefined();
  });
});
