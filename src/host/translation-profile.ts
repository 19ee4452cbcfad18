/**
 * Reading and writing a CPU's translation profile file (core/jit/head-profile.ts), on its vCPU thread: read
 * before the CPU starts, written when its thread ends. A file that is not one, or is another machine's,
 * is not replayed (HeadProfile checks it) and is replaced by this boot's; a file that cannot be read or
 * written only costs the profile (a log line says why), never the boot.
 */
import { openSync, readFileSync, renameSync, unlinkSync, writeSync, closeSync, statSync } from 'node:fs';
import { HEAD_PROFILE_HEADER_BYTES, HEAD_PROFILE_MAX, HeadProfile } from '../core/jit/head-profile';

/** The largest file read: a whole profile at its limit. */
const MAX_FILE_BYTES = HEAD_PROFILE_HEADER_BYTES + 8 * HEAD_PROFILE_MAX;

/**
 * CPU's profile for a RAM span of `ramPages` 4 KiB pages and `slots` instruction slots a page, with the
 * previous boot's heads from `file` when it holds a profile of this machine. `log` hears why not otherwise.
 */
export function loadTranslationProfile(file: string, ramPages: number, slots: number, log: (message: string) => void): HeadProfile {
  let previous: Uint8Array | undefined;
  try {
    const size = statSync(file).size;
    if (size <= MAX_FILE_BYTES) previous = readFileSync(file);
    else log(`translation profile ${file}: ${size} bytes is not a profile; replaced after this boot`);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') log(`translation profile ${file}: cannot read it (${code ?? (error as Error).message}); this boot writes a new one`);
  }
  const profile = new HeadProfile(ramPages, slots, previous);
  if (previous && !HeadProfile.valid(previous, ramPages)) log(`translation profile ${file}: not a profile of this machine; replaced after this boot`);
  return profile;
}

/** Writes this boot's heads to `file` (a new file renamed over the old one, readable by its user only). */
export function saveTranslationProfile(file: string, profile: HeadProfile, log: (message: string) => void): void {
  const temporary = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    const fd = openSync(temporary, 'wx', 0o600);
    try {
      writeSync(fd, profile.encode());
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, file);
  } catch (error) {
    log(`translation profile ${file}: cannot write it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    try {
      unlinkSync(temporary);
    } catch {
      // Never made.
    }
  }
}
