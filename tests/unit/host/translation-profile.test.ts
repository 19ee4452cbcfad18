/**
 * A vCPU thread's translation profile file (host/translation-profile.ts): a boot's heads written so only
 * its user can read them and read back by the next; a missing file is a first boot, silently; a file that
 * is not a profile of this machine, or is too big to be one, is said so and not replayed; a folder that
 * cannot be written costs the profile, not the boot.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HEAD_PROFILE_HEADER_BYTES, HEAD_PROFILE_MAX, HeadProfile } from '../../../src/core/jit/head-profile';
import { loadTranslationProfile, saveTranslationProfile } from '../../../src/host/translation-profile';
import { loadLayout } from '../../../src/host/layout-loader';
import { runGuest } from '../../helpers/run-guest';

let dir = '';
let logs: string[] = [];
const log = (message: string): void => {
  logs.push(message);
};

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'hvwb-translation-profile-'));
  logs = [];
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('translation profile files', () => {
  it('writes a boot\'s heads for its user only, over the old file, and the next boot reads them', () => {
    const file = path.join(dir, 'cpu0.heads');
    writeFileSync(file, 'an older profile');
    const boot = loadTranslationProfile(file, 1024, 2048, log);
    expect(boot.replayed).toBe(0);
    boot.note(7, 100);
    boot.note(9, 2);
    saveTranslationProfile(file, boot, log);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const next = loadTranslationProfile(file, 1024, 2048, log);
    expect(next.replayed).toBe(2);
    expect(next.headsIn(7)).toEqual([100]);
    // The older file was said not to be a profile, and nothing else.
    expect(logs).toEqual([expect.stringMatching(/cpu0\.heads: not a profile of this machine; replaced after this boot/)]);
  });

  it('starts a first boot from a missing file without a word', () => {
    const p = loadTranslationProfile(path.join(dir, 'none.heads'), 1024, 2048, log);
    expect(p.replayed).toBe(0);
    expect(logs).toEqual([]);
  });

  it('does not read a file too big to be a profile', () => {
    const file = path.join(dir, 'big.heads');
    writeFileSync(file, Buffer.alloc(HEAD_PROFILE_HEADER_BYTES + 8 * HEAD_PROFILE_MAX + 1));
    expect(loadTranslationProfile(file, 1024, 2048, log).replayed).toBe(0);
    expect(logs.join('\n')).toMatch(/big\.heads: \d+ bytes is not a profile/);
  });

  it('says so when the folder cannot be written, and leaves no temporary file', () => {
    const p = new HeadProfile(1024, 2048);
    p.note(1, 1);
    saveTranslationProfile(path.join(dir, 'missing-folder', 'cpu0.heads'), p, log);
    expect(logs.join('\n')).toMatch(/cpu0\.heads: cannot write it \(ENOENT\)/);
    const file = path.join(dir, 'cpu1.heads');
    saveTranslationProfile(file, p, log);
    expect(readFileSync(file).length).toBe(HEAD_PROFILE_HEADER_BYTES + 8);
  });
});

describe('translation profiles of a boot on vCPU threads', () => {
  const saved = process.env.HVWB_RAM_PROFILE_DIR;
  afterEach(() => {
    if (saved === undefined) delete process.env.HVWB_RAM_PROFILE_DIR;
    else process.env.HVWB_RAM_PROFILE_DIR = saved;
  });

  it.runIf(availableParallelism() > 1)('are written when the CPU\'s thread ends, and replayed by the next boot of the layout', { timeout: 120_000 }, async () => {
    process.env.HVWB_RAM_PROFILE_DIR = path.join(dir, 'profiles');
    const layout = path.resolve(import.meta.dirname, '../../../bench/layouts/riscv64-mips');
    const boot = async (): Promise<{ replayed: boolean; lines: string[] }> => {
      const lines: string[] = [];
      let replayed = false;
      const run = await runGuest(await loadLayout(layout), {
        timeoutMs: 100_000,
        onHost: (host) => {
          host.on({ log: (line) => lines.push(line), exit: () => { replayed = host.translationProfileReplayed.has(0); } });
        },
      });
      expect(run.faults).toEqual([]);
      expect(run.exit?.kind).toBe('poweroff');
      return { replayed, lines };
    };
    const first = await boot();
    expect(first.replayed).toBe(false);
    const heads = readdirSync(path.join(dir, 'profiles')).filter((f) => f.endsWith('.heads'));
    expect(heads).toHaveLength(1);
    const bytes = readFileSync(path.join(dir, 'profiles', heads[0]!));
    expect(HeadProfile.valid(bytes, bytes.readUInt32LE(8))).toBe(true);
    expect(bytes.readUInt32LE(12)).toBeGreaterThan(0);
    const second = await boot();
    expect(second.replayed).toBe(true);
    expect(second.lines.join('\n')).toMatch(/CPU 0: replaying the .*translation profile/);
  });
});
