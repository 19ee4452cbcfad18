/**
 * A thread at the lowest priority that writes guest RAM pages near those a CPU just stored to
 * (core/bus/ram-hints.ts), so that the host's page faults for fresh guest memory are taken on a spare
 * core before the guest gets there. Linux only: the thread lowers its own priority to the lowest through
 * its task id (/proc/thread-self), so it runs on what the other threads leave of the cores.
 *
 * For each page noted it writes the WINDOW pages on either side, nearest first, that it has not written
 * before; a page is written by adding zero to its first word atomically, so a guest store to it at the same
 * moment is never lost. The memory it costs is at most WINDOW pages past each end of the runs the guest
 * writes. It also writes the CPU's table arena (RamHints.int32, its pages of decoded instructions) a
 * stretch ahead of the part in use. Decision 0014 has the figures.
 *
 * With a RAM profile (ram-profile.ts) it first writes the pages a previous boot noted, in that boot's
 * order, a stretch at a time between looking at the notes, and it writes this boot's order of first
 * notes to the profile as it grows (at most every 100 ms, and when the CPU stops it): a file of its
 * own written and renamed over the old one. A profile that is not one (its header, its size, another
 * RAM size) is left unread; a page index outside RAM is skipped.
 */
import { Worker } from 'node:worker_threads';
import { RAM_HINT_HEADER, RAM_HINT_SLOTS, RAM_HINT_WORDS, RamHints, RamHintWord } from '../core/bus/ram-hints';

/**
 * A RAM profile file (ram-profile.ts): these 8 bytes, the RAM span's page count (u32), then the page
 * indices (i32) in the order a boot first noted them, at most RAM_PROFILE_MAX_PAGES (1 GiB of RAM).
 */
export const RAM_PROFILE_MAGIC = 'HVWBRAM1';
export const RAM_PROFILE_HEADER_BYTES = 12;
export const RAM_PROFILE_MAX_PAGES = 1 << 18;

/** Pages written on each side of a noted page (256 KiB). */
export const PREFAULT_WINDOW = 64;
/** The CPU's table arena (RamHints.int32): its size, and how far ahead of its use the thread writes it. */
export const TABLE_ARENA_BYTES = 64 << 20;
export const TABLE_ARENA_AHEAD = 1 << 20;

// CommonJS, run with `eval`: the build has no file for it.
const PREFAULTER_SOURCE = `(() => {
const { workerData } = require('node:worker_threads');
try {
  const task = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/')[2]);
  require('node:os').setPriority(task, 19);
} catch {
  // Without a lower priority it would compete with the vCPU: it does nothing (and keeps no profile).
  Atomics.store(new Int32Array(workerData.hints), ${RamHintWord.stopped}, 1);
  return;
}
const { memory, ramOffset, pages, hints, window, arena, arenaAhead, profile } = workerData;
const fs = require('node:fs');
const ram = new Int32Array(memory, ramOffset, pages * 1024);
const ring = new Int32Array(hints, 0, ${RAM_HINT_WORDS});
const arenaWords = new Int32Array(arena);
let arenaWritten = 0;
const written = new Uint8Array(pages);
const touch = (p) => {
  if (p >= 0 && p < pages && written[p] === 0) {
    written[p] = 1;
    Atomics.add(ram, p * 1024, 0);
  }
};
// The previous boot's first notes, in order (the profile's page indices after its header).
let replay = new Int32Array(0);
let replayed = 0;
if (profile) {
  try {
    const size = fs.statSync(profile).size;
    if (size >= ${RAM_PROFILE_HEADER_BYTES} && size <= ${RAM_PROFILE_HEADER_BYTES + 4 * RAM_PROFILE_MAX_PAGES} && (size - ${RAM_PROFILE_HEADER_BYTES}) % 4 === 0) {
      const bytes = fs.readFileSync(profile);
      if (bytes.length === size && bytes.toString('latin1', 0, 8) === '${RAM_PROFILE_MAGIC}' && bytes.readUInt32LE(8) === pages) {
        replay = new Int32Array(bytes.buffer.slice(bytes.byteOffset + ${RAM_PROFILE_HEADER_BYTES}, bytes.byteOffset + size));
      }
    }
  } catch {
    // No profile yet (a first boot), or one that cannot be read: this boot only learns.
  }
}
// This boot's first notes, in order, for the profile.
const order = new Int32Array(profile ? ${RAM_PROFILE_MAX_PAGES} : 0);
const inOrder = new Uint8Array(profile ? pages : 0);
let ordered = 0;
const learn = (p) => {
  if (profile && p >= 0 && p < pages && inOrder[p] === 0 && ordered < order.length) {
    inOrder[p] = 1;
    order[ordered++] = p;
  }
};
let savedCount = 0;
let savedAt = Date.now();
// The profile written: this boot's order, then the previous boot's pages this one has not noted (the
// reader misses notes when the ring laps it, so one boot's list alone would shrink from boot to boot).
const kept = new Int32Array(profile ? ${RAM_PROFILE_MAX_PAGES} : 0);
const keptStamp = new Uint32Array(profile ? pages : 0);
let stamp = 0;
const save = () => {
  if (ordered === savedCount) return;
  savedCount = ordered;
  savedAt = Date.now();
  kept.set(order.subarray(0, ordered));
  let n = ordered;
  stamp++;
  for (let i = 0; i < replay.length && n < kept.length; i++) {
    const p = replay[i];
    if (p >= 0 && p < pages && inOrder[p] === 0 && keptStamp[p] !== stamp) {
      keptStamp[p] = stamp;
      kept[n++] = p;
    }
  }
  const out = Buffer.alloc(${RAM_PROFILE_HEADER_BYTES} + 4 * n);
  out.write('${RAM_PROFILE_MAGIC}', 0, 'latin1');
  out.writeUInt32LE(pages, 8);
  Buffer.from(kept.buffer, 0, 4 * n).copy(out, ${RAM_PROFILE_HEADER_BYTES});
  const temporary = profile + '.' + process.pid + '-' + require('node:worker_threads').threadId + '.tmp';
  try {
    fs.writeFileSync(temporary, out, { mode: 0o600 });
    fs.renameSync(temporary, profile);
  } catch {
    // A profile that cannot be written leaves the next boot without it: nothing else depends on it.
    try { fs.unlinkSync(temporary); } catch {}
  }
};
let seen = 0;
let idle = 0;
while (Atomics.load(ring, ${RamHintWord.stop}) === 0) {
  // The previous boot's pages, a stretch at a time.
  for (const end = Math.min(replay.length, replayed + 64); replayed < end; replayed++) touch(replay[replayed]);
  if (profile && ordered !== savedCount && Date.now() - savedAt >= 100) save();
  // The CPU's table arena: written a stretch ahead of the part it uses.
  const want = Math.min(arena.byteLength, Atomics.load(ring, ${RamHintWord.arenaUsed}) + arenaAhead);
  for (; arenaWritten < want; arenaWritten += 4096) Atomics.add(arenaWords, arenaWritten >> 2, 0);
  const count = Atomics.load(ring, ${RamHintWord.count});
  if (count === seen && replayed < replay.length) continue;
  if (count === seen) {
    // The CPU never wakes it (that would cost the CPU a system call): it looks every millisecond
    // while notes come, every 50 once none came for a tenth of a second (a paused or idle guest).
    Atomics.wait(ring, ${RamHintWord.count}, count, idle < 100 ? 1 : 50);
    idle++;
    continue;
  }
  idle = 0;
  if (((count - seen) | 0) > ${RAM_HINT_SLOTS}) seen = (count - ${RAM_HINT_SLOTS}) | 0;
  for (; seen !== count; seen = (seen + 1) | 0) {
    const p = ring[${RAM_HINT_HEADER} + (seen & ${RAM_HINT_SLOTS - 1})];
    learn(p);
    written[p] = 1;
    for (let d = 1; d <= window; d++) {
      touch(p + d);
      touch(p - d);
    }
  }
}
if (profile) {
  // The notes since it last looked belong to the profile too (they are not written: the CPU is done).
  const count = Atomics.load(ring, ${RamHintWord.count});
  if (((count - seen) | 0) > ${RAM_HINT_SLOTS}) seen = (count - ${RAM_HINT_SLOTS}) | 0;
  for (; seen !== count; seen = (seen + 1) | 0) {
    learn(ring[${RAM_HINT_HEADER} + (seen & ${RAM_HINT_SLOTS - 1})]);
  }
  save();
}
Atomics.store(ring, ${RamHintWord.stopped}, 1);
Atomics.notify(ring, ${RamHintWord.stopped});
})();
`;

/**
 * One CPU's prefaulter over the RAM span of `memory` (`ramBytes` from `ramOffset`): `hints` for the CPU
 * to note its stores in (made at once, the CPU keeps it), the thread when the CPU first runs (start()).
 * The thread ends at stop() or with the CPU's thread, its parent.
 */
export class RamPrefaulter {
  readonly hints: RamHints;
  private readonly ring: Int32Array;
  private readonly arena: SharedArrayBuffer;
  private worker: Worker | undefined;

  /** `profile`: the CPU's RAM profile file (ram-profile.ts), replayed if it exists and written again. */
  constructor(private readonly memory: SharedArrayBuffer, private readonly ramOffset: number, private readonly ramBytes: number, private readonly profile?: string) {
    const buffer = new SharedArrayBuffer(RAM_HINT_WORDS * 4);
    this.ring = new Int32Array(buffer);
    // The operating system hands this out untouched: it costs memory as the CPU and the thread write it.
    this.arena = new SharedArrayBuffer(TABLE_ARENA_BYTES);
    this.hints = new RamHints(buffer, this.arena);
  }

  /** Whether the host is one the prefaulter runs on (it lowers its thread's priority through /proc). */
  static supported(): boolean {
    return process.platform === 'linux';
  }

  start(): void {
    if (this.worker) return;
    this.worker = new Worker(PREFAULTER_SOURCE, {
      eval: true,
      workerData: { memory: this.memory, ramOffset: this.ramOffset, pages: Math.floor(this.ramBytes / 4096), hints: this.ring.buffer, window: PREFAULT_WINDOW, arena: this.arena, arenaAhead: TABLE_ARENA_AHEAD, profile: this.profile },
    });
    this.worker.unref();
  }

  /**
   * Stops the thread and waits up to `waitMs` for it to have written its profile (it ends with the CPU's
   * thread, which may be about to exit).
   */
  stop(waitMs = 0): void {
    Atomics.store(this.ring, RamHintWord.stop, 1);
    Atomics.notify(this.ring, RamHintWord.count);
    if (this.worker && this.profile !== undefined && waitMs > 0) Atomics.wait(this.ring, RamHintWord.stopped, 0, waitMs);
  }
}
