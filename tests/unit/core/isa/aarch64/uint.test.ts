/**
 * asUint equals BigInt.asUintN, and the A64 CPU never calls BigInt.asUintN itself: on Node 20 its typed
 * result can abort the whole process inside TurboFan (see src/core/isa/aarch64/uint.ts), which Debian's
 * arm64 kernel triggered during boot.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { asUint } from '../../../../../src/core/isa/aarch64/uint';

describe('asUint', () => {
  it('equals BigInt.asUintN for every width on negative, wide and small values', () => {
    const values = [0n, 1n, -1n, -2n, 0x7fff_ffffn, -0x8000_0000n, 0xffff_ffff_ffff_ffffn, 1n << 64n, -(1n << 70n) + 5n, 0x1234_5678_9abc_def0_1234n];
    for (let bits = 0; bits <= 64; bits++) {
      for (const v of values) expect(asUint(bits, v)).toBe(BigInt.asUintN(bits, v));
    }
  });

  it('is what the A64 CPU uses: no BigInt.asUintN call in src/core/isa/aarch64', () => {
    const folder = path.resolve(__dirname, '../../../../../src/core/isa/aarch64');
    const offenders = readdirSync(folder)
      .filter((f) => f.endsWith('.ts') && f !== 'uint.ts')
      .filter((f) => /BigInt\.asUintN\(/.test(readFileSync(path.join(folder, f), 'utf8').replace(/\/\/.*$|\/\*[\s\S]*?\*\//gm, '')));
    expect(offenders).toEqual([]);
  });
});
