/**
 * The ISA programs under guest/riscv64/isa run on the real vCPU workers and report through HTIF;
 * each failure number names the check that failed (see the program's source).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { layoutForImage } from '../../src/host/layout-loader';
import { runGuest } from '../helpers/run-guest';

interface IsaTest {
  name: string;
  elf: string;
  harts: number;
  timeoutMs: number;
  covers: string;
}

const guestDir = 'guest/riscv64';
const table = JSON.parse(readFileSync(path.join(guestDir, 'isa/tests.json'), 'utf8')) as { tests: IsaTest[] };

describe('ISA programs with known answers', () => {
  for (const test of table.tests) {
    it(`${test.name}: ${test.covers}`, async () => {
      const cpus = Array.from({ length: test.harts }, (_, i) => i);
      const loaded = await layoutForImage(path.join(guestDir, test.elf), { mode: 'machine', cpus });
      const run = await runGuest(loaded, { timeoutMs: test.timeoutMs * 2 });
      const detail = `output:\n${run.output}\nfaults: ${run.faults.join('; ')}`;
      expect(run.timedOut, `timed out\n${detail}`).toBe(false);
      expect(run.faults, detail).toEqual([]);
      expect(run.exit, detail).toEqual({ kind: 'poweroff', code: 0 });
      expect(run.output).toContain('PASS');
    }, test.timeoutMs * 3);
  }
});
