/**
 * The /chosen/rng-seed of the device trees the workbench generates (host/root-dtb.ts rngSeed): fresh
 * random bytes per boot, as QEMU's virt machines give, and in deterministic mode the same bytes in every
 * run of a zone (a recording replays with the seed it was made with).
 */
import { describe, expect, it } from 'vitest';
import { rngSeed } from '../../../src/host/root-dtb';

describe('rngSeed', () => {
  it('is 32 random bytes per boot, and fixed per zone in deterministic mode', () => {
    const a = rngSeed(false, 0);
    const b = rngSeed(false, 0);
    expect(a.length).toBe(32);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
    expect(Buffer.from(rngSeed(true, 1)).equals(Buffer.from(rngSeed(true, 1)))).toBe(true);
    expect(Buffer.from(rngSeed(true, 1)).equals(Buffer.from(rngSeed(true, 2)))).toBe(false);
    // Not a constant fill: Linux credits the bytes as entropy.
    expect(new Set(rngSeed(true, 0)).size).toBeGreaterThan(16);
  });
});
