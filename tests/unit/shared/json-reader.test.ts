/**
 * The configuration JSON reader: the same values as JSON.parse except that the first of repeated keys
 * counts (as in hvisor-tool's cJSON), the same texts refused, and errors that say where.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { lookupKey, readJson } from '../../../src/shared/validate/json-reader';

const read = (text: string) => {
  const result = readJson(text);
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
};

describe('json reader', () => {
  it('reads what JSON.parse reads, to the same values', () => {
    const texts = [
      ...readdirSync('tests/fixtures/zones').filter((f) => f.endsWith('.json')).map((f) => readFileSync(path.join('tests/fixtures/zones', f), 'utf8')),
      '"a\\"b\\\\c\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00"', '-0', '1.5e-3', '0', '[1, -2.25, 3E2, true, false, null, {}, []]', ' {"": {"__proto__": [1]}} ',
    ];
    for (const text of texts) expect(read(text)).toEqual(JSON.parse(text));
    expect(Object.getPrototypeOf(read('{"__proto__": {"x": 1}}'))).toBe(Object.prototype);
  });

  it('refuses what JSON.parse refuses', () => {
    for (const text of ['', '{', '[1,]', '{"a":1,}', "{'a':1}", '01', '1.', '.5', '+1', 'NaN', '[1] x', '"\t"', '"\\x"', '"\\u12"', '{"a" 1}', '// c\n1', 'tru']) {
      expect(() => JSON.parse(text), text).toThrow();
      expect(readJson(text).ok, text).toBe(false);
    }
  });

  it('keeps the first of repeated keys and lists the later ones', () => {
    const result = readJson('{\n"a": 1,\n"b": {"c": 2, "c": 3},\n"a": 4\n}');
    expect(result).toEqual({ ok: true, value: { a: 1, b: { c: 2 } }, duplicateCount: 2, duplicates: [{ path: 'b', key: 'c', line: 3 }, { path: '', key: 'a', line: 4 }] });
  });

  it('looks keys up as cJSON_GetObjectItem does: ASCII case ignored, first match', () => {
    expect(lookupKey({ Zone_Id: 1, zone_id: 2 }, 'zone_id')).toEqual({ key: 'Zone_Id', value: 1, shadowed: ['zone_id'] });
    // Only ASCII letters fold, as C's tolower does in the C locale.
    expect(lookupKey({ 'İd': 1 }, 'id')).toBeUndefined();
  });

  it('names the line, the column and the path of an error', () => {
    expect(readJson('{\n  "zones": [\n    {"id": 1,}\n  ]\n}')).toEqual({
      ok: false,
      error: { kind: 'syntax', line: 3, column: 14, path: 'zones[0]', message: 'unexpected "}", expected a key in double quotes' },
    });
    expect(readJson('[[[1]]]', { maxDepth: 2 })).toEqual({
      ok: false,
      error: { kind: 'depth', line: 1, column: 3, path: '[0][0]', message: 'nested more than 2 levels deep' },
    });
  });
});
