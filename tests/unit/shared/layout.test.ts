import { describe, expect, it } from 'vitest';
import { LayoutError, parseLayout } from '../../../src/shared/validate/layout';
import { parseConfigNumber } from '../../../src/shared/validate/json-number';
import { LAYOUT_LIMITS } from '../../../src/shared/model/layout';
import { planMachine } from '../../../src/core/machine/machine';
import { getBoard } from '../../../src/boards/index';

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

  it("takes a symbol file for the root and each zone (a workbench key) and refuses one that is not a path", () => {
    const layout = parseLayout(
      JSON.stringify({ name: 'x', board: 'qemu-plic', root: { image: 'a.bin', mode: 'supervisor', symbols: 'vmlinux' }, zones: [{ config: 'z.json', symbols: 'System.map' }] }),
      'l.json',
    );
    expect(layout.root.symbols).toBe('vmlinux');
    expect(layout.zones[0]).toMatchObject({ config: 'z.json', symbols: 'System.map' });
    expect(errors(JSON.stringify({ name: 'x', board: 'qemu-plic', root: { image: 'a', mode: 'supervisor' }, zones: [{ config: 'z.json', symbols: 3 }] }))).toEqual([
      'demo/layout.json: zones[0].symbols: must be the path of an ELF or System.map',
    ]);
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

describe('layout.json: hostile files give one message naming the file and the field', () => {
  const valid = { name: 'x', board: 'qemu-plic', root: { image: 'a.elf' } };

  it('refuses a RAM size the machine cannot hold, which would otherwise fail allocating it', () => {
    expect(errors(JSON.stringify({ ...valid, ramSize: '0x100000000' }))).toEqual([
      'demo/layout.json: ramSize: 0x100000000 is more RAM than the workbench can give a machine (at most 0xf0000000, 3.75 GiB: the whole machine lives in one 4 GiB WebAssembly memory)',
    ]);
    expect(parseLayout(JSON.stringify({ ...valid, ramSize: LAYOUT_LIMITS.ramSize }), 'l.json').ramSize).toBe(0xf000_0000);
  });

  it('keeps the largest RAM and everything else of the machine inside one 4 GiB WebAssembly memory', () => {
    const plan = planMachine(getBoard('qemu-plic'), LAYOUT_LIMITS.ramSize);
    expect(plan.layout.totalBytes).toBeLessThanOrEqual(65536 * 65536);
  });

  it('reports a repeated key, as readers disagree on which value counts', () => {
    expect(errors('{"name": "x", "board": "qemu-plic", "root": {"image": "a.elf", "image": "b.elf"}}')).toEqual([
      'demo/layout.json: root.image: given again on line 1; write each key once',
    ]);
  });

  it('answers huge lists and key floods with one message each, in linear time', () => {
    const started = performance.now();
    const flood: Record<string, unknown> = { ...valid, root: { image: 'a.elf', cpus: Array(500_000).fill(0) } };
    for (let i = 0; i < 200_000; i++) flood[`k${i}`] = i;
    const found = errors(JSON.stringify(flood));
    expect(performance.now() - started).toBeLessThan(20_000);
    expect(found).toEqual([
      ...Array.from({ length: 10 }, (_, i) => `demo/layout.json: k${i}: unknown key`),
      'demo/layout.json: (top level): 199990 more unknown keys',
      'demo/layout.json: root.cpus: 500000 entries; a layout has at most 64 harts',
    ]);
  });

  it('refuses deep nesting with the line, the column and the path', () => {
    expect(errors(`{"expect": {"root": ${'['.repeat(70)}${']'.repeat(70)}}}`)).toEqual([
      `demo/layout.json: not readable: nested more than 64 levels deep (line 1, column ${21 + 62}, at expect.root${'[0]'.repeat(62)}); configuration files need at most a few levels`,
    ]);
  });
});
