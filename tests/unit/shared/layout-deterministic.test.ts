/** layout.json "deterministic" (decision 0025): read when true, absent otherwise, refused when not a boolean. */
import { describe, expect, it } from 'vitest';
import { LayoutError, parseLayout } from '../../../src/shared/validate/layout';

const base = { name: 'x', board: 'qemu-plic', root: { image: 'a.elf', mode: 'machine', cpus: [0] } };

describe('layout.json deterministic', () => {
  it('is read when true and left out otherwise', () => {
    expect(parseLayout(JSON.stringify({ ...base, deterministic: true }), 'l.json').deterministic).toBe(true);
    expect(parseLayout(JSON.stringify({ ...base, deterministic: false }), 'l.json').deterministic).toBeUndefined();
    expect(parseLayout(JSON.stringify(base), 'l.json').deterministic).toBeUndefined();
  });

  it('a value that is not true or false is one finding naming the file and the key', () => {
    let findings: readonly string[] = [];
    try {
      parseLayout(JSON.stringify({ ...base, deterministic: 'yes' }), 'demo/layout.json');
    } catch (error) {
      if (!(error instanceof LayoutError)) throw error;
      findings = error.findings;
    }
    expect(findings).toHaveLength(1);
    expect(String(findings[0])).toMatch(/deterministic.*must be true or false/);
  });
});
