/**
 * A translation profile's bytes (core/jit/head-profile.ts): what a boot notes is what the next one reads
 * back by page, once each; a file of another magic, RAM size or length is not replayed, and pairs outside
 * the machine's RAM or page are skipped rather than used.
 */
import { describe, expect, it } from 'vitest';
import { HEAD_PROFILE_HEADER_BYTES, HEAD_PROFILE_MAX, HeadProfile } from '../../../../src/core/jit/head-profile';

/** A profile file's bytes: `magic`, `pages` of RAM, `count` pairs announced, then `pairs`. */
function file(pages: number, pairs: readonly number[], magic = 'HVWBHDS1', count = pairs.length / 2): Uint8Array {
  const bytes = new Uint8Array(HEAD_PROFILE_HEADER_BYTES + 4 * pairs.length);
  for (let i = 0; i < 8; i++) bytes[i] = magic.charCodeAt(i);
  const view = new DataView(bytes.buffer);
  view.setUint32(8, pages, true);
  view.setUint32(12, count, true);
  pairs.forEach((v, i) => view.setUint32(HEAD_PROFILE_HEADER_BYTES + 4 * i, v, true));
  return bytes;
}

describe('HeadProfile', () => {
  it('reads back the heads a boot noted, by page, each once and in order', () => {
    const boot = new HeadProfile(256, 2048);
    boot.note(3, 10);
    boot.note(200, 2047);
    boot.note(3, 10);
    boot.note(3, 4);
    expect(boot.heads).toBe(3);
    const next = new HeadProfile(256, 2048, boot.encode());
    expect(next.replayed).toBe(3);
    expect(next.headsIn(3)).toEqual([10, 4]);
    expect(next.headsIn(200)).toEqual([2047]);
    expect(next.headsIn(4)).toBeUndefined();
    // What the next boot writes is its own notes only: none yet.
    expect(next.heads).toBe(0);
    expect(new HeadProfile(256, 2048, next.encode()).replayed).toBe(0);
  });

  it.each([
    ['another magic', file(256, [1, 2], 'HVWBRAM1')],
    ['another RAM size', file(512, [1, 2])],
    ['a torn length', file(256, [1, 2]).subarray(0, HEAD_PROFILE_HEADER_BYTES + 7)],
    ['more pairs announced than it holds', file(256, [1, 2], 'HVWBHDS1', 2)],
    ['a count past the limit', file(256, [], 'HVWBHDS1', HEAD_PROFILE_MAX + 1)],
    ['a header cut short', file(256, []).subarray(0, 11)],
  ])('does not replay a file with %s', (_what, bytes) => {
    expect(HeadProfile.valid(bytes, 256)).toBe(false);
    const p = new HeadProfile(256, 2048, bytes);
    expect(p.replayed).toBe(0);
    expect(p.headsIn(1)).toBeUndefined();
  });

  it('skips pairs outside the RAM span or the page, and keeps the rest', () => {
    const p = new HeadProfile(256, 2048, file(256, [256, 0, 0xffffffff, 1, 5, 2048, 5, 2047]));
    expect(p.replayed).toBe(1);
    expect(p.headsIn(5)).toEqual([2047]);
    expect(p.headsIn(256)).toBeUndefined();
  });
});
