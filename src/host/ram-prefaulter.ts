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
 */
import { Worker } from 'node:worker_threads';
import { RAM_HINT_HEADER, RAM_HINT_SLOTS, RAM_HINT_WORDS, RamHints, RamHintWord } from '../core/bus/ram-hints';

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
  // Without a lower priority it would compete with the vCPU: it does nothing.
  return;
}
const { memory, ramOffset, pages, hints, window, arena, arenaAhead } = workerData;
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
let seen = 0;
let idle = 0;
while (Atomics.load(ring, ${RamHintWord.stop}) === 0) {
  // The CPU's table arena: written a stretch ahead of the part it uses.
  const want = Math.min(arena.byteLength, Atomics.load(ring, ${RamHintWord.arenaUsed}) + arenaAhead);
  for (; arenaWritten < want; arenaWritten += 4096) Atomics.add(arenaWords, arenaWritten >> 2, 0);
  const count = Atomics.load(ring, ${RamHintWord.count});
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
    written[p] = 1;
    for (let d = 1; d <= window; d++) {
      touch(p + d);
      touch(p - d);
    }
  }
}
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

  constructor(private readonly memory: SharedArrayBuffer, private readonly ramOffset: number, private readonly ramBytes: number) {
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
      workerData: { memory: this.memory, ramOffset: this.ramOffset, pages: Math.floor(this.ramBytes / 4096), hints: this.ring.buffer, window: PREFAULT_WINDOW, arena: this.arena, arenaAhead: TABLE_ARENA_AHEAD },
    });
    this.worker.unref();
  }

  stop(): void {
    Atomics.store(this.ring, RamHintWord.stop, 1);
  }
}
