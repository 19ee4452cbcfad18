/**
 * RAM profiles: the order in which a CPU first wrote guest RAM pages in a previous boot of the same
 * machine, kept so that the CPU's prefaulter (ram-prefaulter.ts) can write those pages from the start of
 * the next boot, on a spare core, before the guest gets to them. A host-side cache like a disk's
 * read-ahead: nothing the guest sees changes (a page is written by adding zero, as the prefaulter does),
 * only which host thread takes the page fault. A stale or foreign profile costs at most the memory of
 * the pages it names (they are guest RAM the machine has anyway); a boot writes the profile again.
 *
 * Decision 0014: on this VM a host page fault costs ~15-20 us, a riscv64 boot's CPU thread took ~9 K
 * fewer with its previous boot's profile, and QEMU is not charged these (it maps its RAM with
 * MADV_HUGEPAGE, which JavaScript cannot ask for).
 *
 * `HVWB_RAM_PROFILE=0` turns profiles off; `HVWB_RAM_PROFILE_DIR` keeps them in another folder (the
 * benchmark's runs use a fresh one, so that its first run is a first boot).
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import type { LoadedLayout } from './layout-loader';
import { ensurePrivateDirectory } from './private-directory';
import { userRuntimeDirectory } from './virtio-service';

/** Profile files kept in the folder (RAM and translation profiles): a new one past this many removes the least recently written. */
export const RAM_PROFILES_KEPT = 128;

/** Whether RAM profiles are on (HVWB_RAM_PROFILE=0 turns them off). */
export function ramProfilesEnabled(): boolean {
  return process.env.HVWB_RAM_PROFILE !== '0';
}

/** Whether translation profiles are on (HVWB_TRANSLATION_PROFILE=0 turns them off). */
export function translationProfilesEnabled(): boolean {
  return process.env.HVWB_TRANSLATION_PROFILE !== '0';
}

/** Whether either kind of profile is on (RAM, translation): they share a folder. */
export function profilesEnabled(): boolean {
  return ramProfilesEnabled() || translationProfilesEnabled();
}

/** The folder profiles live in: HVWB_RAM_PROFILE_DIR, or ram-profiles in the user's private runtime folder. */
export function ramProfileDirectory(): string {
  return ensurePrivateDirectory(process.env.HVWB_RAM_PROFILE_DIR ?? path.join(userRuntimeDirectory(), 'ram-profiles'));
}

/** What a file contributes to a profile's identity: its path, size and modification time (not its bytes: a kernel is tens of MiB). */
function fileIdentity(file: string | undefined): string {
  if (file === undefined) return '-';
  try {
    const info = statSync(file);
    return `${path.resolve(file)}:${info.size}:${info.mtimeMs}`;
  } catch {
    return `${path.resolve(file)}:missing`;
  }
}

/**
 * The profile file of CPU `cpu` of the machine `loaded` describes with `ramBytes` of RAM: named by a
 * hash of the layout, its board, its images' and zone files' identities, the RAM size and the CPU, so a
 * changed kernel or layout starts a profile of its own. Undefined when profiles are off.
 */
export function ramProfilePath(loaded: LoadedLayout, cpu: number, ramBytes: number): string | undefined {
  if (!ramProfilesEnabled()) return undefined;
  return profileFile(loaded, cpu, ramBytes, '.bin');
}

/**
 * CPU `cpu`'s translation profile file (core/jit/head-profile.ts), beside its RAM profile and named by the
 * same hash. Undefined when translation profiles are off (`HVWB_TRANSLATION_PROFILE=0`).
 */
export function translationProfilePath(loaded: LoadedLayout, cpu: number, ramBytes: number): string | undefined {
  if (!translationProfilesEnabled()) return undefined;
  return profileFile(loaded, cpu, ramBytes, '.heads');
}

function profileFile(loaded: LoadedLayout, cpu: number, ramBytes: number, extension: string): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ board: loaded.board.name, arch: loaded.board.arch, layout: loaded.layout, ramBytes, cpu }));
  hash.update(fileIdentity(loaded.file));
  for (const image of [loaded.images.kernel, loaded.images.dtb, loaded.images.initrd]) hash.update(`|${fileIdentity(image)}`);
  for (const zone of loaded.zoneFiles) hash.update(`|${fileIdentity(zone.path)}`);
  const folder = ramProfileDirectory();
  const file = path.join(folder, `${hash.digest('hex').slice(0, 32)}${extension}`);
  if (!existsSync(file)) pruneRamProfiles(folder, RAM_PROFILES_KEPT - 1);
  return file;
}

/**
 * Leaves at most `keep` files in the profile folder `folder`, removing the least recently written
 * (profiles of layouts or kernels not booted for a while, temporary files of a thread that was killed):
 * every new layout or image starts a profile, and nothing else would ever remove one.
 */
export function pruneRamProfiles(folder: string, keep: number): void {
  const files: { file: string; time: number }[] = [];
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(folder, entry.name);
    try {
      files.push({ file, time: statSync(file).mtimeMs });
    } catch {
      // Gone meanwhile (another process pruned or renamed it).
    }
  }
  files.sort((a, b) => b.time - a.time);
  for (const { file } of files.slice(Math.max(0, keep))) {
    try {
      unlinkSync(file);
    } catch {
      // Gone meanwhile.
    }
  }
}

/** Whether a profile exists at `file` (a boot with one replays it; without, it only learns). */
export function ramProfileExists(file: string | undefined): boolean {
  return file !== undefined && existsSync(file);
}
