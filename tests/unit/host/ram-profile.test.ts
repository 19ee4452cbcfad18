/**
 * Where RAM profiles live (host/ram-profile.ts): one file per CPU of a machine, named so that another
 * kernel, layout or RAM size gets a profile of its own; in a folder only its user can enter; none when
 * HVWB_RAM_PROFILE=0.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LoadedLayout } from '../../../src/host/layout-loader';
import { pruneRamProfiles, RAM_PROFILES_KEPT, ramProfileExists, ramProfilePath } from '../../../src/host/ram-profile';

let dir = '';
const saved = { dir: process.env.HVWB_RAM_PROFILE_DIR, on: process.env.HVWB_RAM_PROFILE };

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'hvwb-ram-profile-path-'));
  process.env.HVWB_RAM_PROFILE_DIR = path.join(dir, 'profiles');
  delete process.env.HVWB_RAM_PROFILE;
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
  if (saved.dir === undefined) delete process.env.HVWB_RAM_PROFILE_DIR;
  else process.env.HVWB_RAM_PROFILE_DIR = saved.dir;
  if (saved.on === undefined) delete process.env.HVWB_RAM_PROFILE;
  else process.env.HVWB_RAM_PROFILE = saved.on;
});

/** A loaded layout with a kernel and an initrd file in the test's folder, made once (only what the path reads). */
function loaded(layoutName = 'demo'): LoadedLayout {
  const folder = path.join(dir, 'layout');
  if (!existsSync(folder)) {
    mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(folder, 'Image'), 'kernel bytes');
    writeFileSync(path.join(folder, 'initrd'), 'initrd bytes');
    writeFileSync(path.join(folder, 'layout.json'), '{}');
  }
  return {
    folder,
    file: path.join(folder, 'layout.json'),
    layout: { name: layoutName, board: 'qemu-plic', root: { image: 'Image', initrd: 'initrd', mode: 'supervisor', cpus: [0] } },
    board: { name: 'qemu-plic', arch: 'riscv64' },
    images: { kernel: path.join(folder, 'Image'), initrd: path.join(folder, 'initrd') },
    zoneFiles: [],
    missing: [],
  } as unknown as LoadedLayout;
}

describe('ramProfilePath', () => {
  it('names one file per machine and CPU, in a private folder, the same every boot', () => {
    const a = ramProfilePath(loaded(), 0, 2 << 30)!;
    expect(a.startsWith(path.join(dir, 'profiles') + path.sep)).toBe(true);
    expect(ramProfilePath(loaded(), 0, 2 << 30)).toBe(a);
    expect(ramProfilePath(loaded(), 1, 2 << 30)).not.toBe(a);
    expect(ramProfilePath(loaded(), 0, 1 << 30)).not.toBe(a);
    expect(ramProfilePath(loaded('other'), 0, 2 << 30)).not.toBe(a);
    expect(statSync(path.dirname(a)).mode & 0o777).toBe(0o700);
    expect(ramProfileExists(a)).toBe(false);
    writeFileSync(a, 'x');
    expect(ramProfileExists(a)).toBe(true);
  });

  it('names another file once the kernel image is rebuilt (its size or time)', () => {
    const machine = loaded();
    const before = ramProfilePath(machine, 0, 2 << 30);
    utimesSync(machine.images.kernel, new Date(2030, 0, 1), new Date(2030, 0, 1));
    expect(ramProfilePath(machine, 0, 2 << 30)).not.toBe(before);
    writeFileSync(machine.images.initrd!, 'another initrd');
    const after = ramProfilePath(machine, 0, 2 << 30);
    writeFileSync(machine.images.initrd!, 'a third initrd, longer');
    expect(ramProfilePath(machine, 0, 2 << 30)).not.toBe(after);
  });

  it('gives none with HVWB_RAM_PROFILE=0', () => {
    process.env.HVWB_RAM_PROFILE = '0';
    expect(ramProfilePath(loaded(), 0, 2 << 30)).toBeUndefined();
  });

  it('refuses a profile folder that others may write', () => {
    const open = path.join(dir, 'open');
    mkdirSync(open, { mode: 0o777 });
    // mkdir's mode is masked by the umask: make it group and world writable for sure.
    chmodSync(open, 0o777);
    process.env.HVWB_RAM_PROFILE_DIR = open;
    expect(() => ramProfilePath(loaded(), 0, 2 << 30)).toThrow(/writable by group or others/);
  });
});

describe('pruneRamProfiles', () => {
  it('keeps the most recently written profiles when a new one would pass the limit', () => {
    const folder = path.join(dir, 'profiles');
    mkdirSync(folder, { mode: 0o700 });
    for (let i = 0; i < RAM_PROFILES_KEPT + 6; i++) {
      const file = path.join(folder, `old-${i}.bin`);
      writeFileSync(file, 'x');
      utimesSync(file, new Date(2020, 0, 1, 0, i), new Date(2020, 0, 1, 0, i));
    }
    // A layout booted for the first time: its profile is named, the oldest ones make room for it.
    const file = ramProfilePath(loaded(), 0, 2 << 30)!;
    const left = readdirSync(folder);
    expect(left.length).toBe(RAM_PROFILES_KEPT - 1);
    expect(left).not.toContain('old-0.bin');
    expect(left).toContain(`old-${RAM_PROFILES_KEPT + 5}.bin`);
    writeFileSync(file, 'x');
    // Named again once it exists, nothing more goes.
    ramProfilePath(loaded(), 0, 2 << 30);
    expect(readdirSync(folder).length).toBe(RAM_PROFILES_KEPT);
    pruneRamProfiles(folder, 3);
    expect(readdirSync(folder).sort()).toEqual([path.basename(file), `old-${RAM_PROFILES_KEPT + 4}.bin`, `old-${RAM_PROFILES_KEPT + 5}.bin`].sort());
  });
});
