/**
 * A CPU's inspector snapshot in shared memory, for any ISA: the CPU's thread publishes its register
 * groups (CpuCore.inspect()), its pc and optionally the pc's physical address, its privilege level in
 * the ISA's words and a disassembly; any other thread reads a consistent copy without a message round
 * trip. The machine reserves one region of CPU_INSPECT_BYTES per CPU (`cpu.<n>.inspect`).
 *
 * Layout: four Int32 words, then two equal buffers holding the snapshot as ASCII JSON (other characters
 * escaped as \\uXXXX, so one character is one byte and core needs no TextEncoder). Publication n
 * goes into buffer n & 1 while the reader copies the other one (a double-buffered seqlock): the writer
 * announces n in `writing`, fills the buffer, then stores its length and sets `published` to n. A
 * reader copies buffer `published & 1` and keeps the copy only if the writer has not started
 * publication published + 2 (the next one that reuses that buffer) meanwhile. Every shared word is
 * accessed with Atomics, so the copy is free of data races on every host, not only on x86.
 *
 * A snapshot that does not fit a buffer is cut, never refused: whole groups are kept in order while they
 * fit, then the registers of the first group that does not, and `truncated` marks the snapshot.
 *
 * Left out: the debug control words (breakpoint, stop reasons), which stay in the CPU's own region.
 */
import type { SharedRegion } from '../bus/types';
import { hex64, type RegisterGroup } from './cpu-core';

/** Per CPU: 16 header bytes and two buffers of 32 KiB minus 8 (an A64 CPU's groups take about 13 KiB). */
export const CPU_INSPECT_BYTES = 64 * 1024;

export interface CpuInspectSnapshot {
  /** The board's architecture ("riscv64", "aarch64"): which ISA's words the groups use. */
  readonly arch: string;
  readonly cpu: number;
  /** The pc when the snapshot was taken, "0x" + 16 hex digits. */
  readonly pc: string;
  readonly groups: readonly RegisterGroup[];
  /** The pc's physical address as the CPU translates it now; lets the inspector disassemble from RAM. */
  readonly pcPhysical?: string;
  /** The privilege level in the ISA's words ("S-mode", "EL1h"). */
  readonly level?: string;
  /** Instructions around the pc, when the CPU's thread disassembled them itself. */
  readonly disassembly?: readonly { readonly address: string; readonly text: string }[];
  /** Set by publishInspect when the snapshot did not fit and lost its last groups or registers. */
  readonly truncated?: boolean;
}

const Word = { published: 0, writing: 1, length0: 2, length1: 3 } as const;
const HEADER_BYTES = 16;
/** Below this a buffer cannot even hold the pc and the truncation marker. */
const MIN_BUFFER_BYTES = 256;
const READ_ATTEMPTS = 100;

function bufferBytes(region: SharedRegion): number {
  return ((region.byteLength - HEADER_BYTES) >> 1) & ~3;
}

function checkRegion(region: SharedRegion): void {
  if (region.byteOffset % 4 !== 0) throw new Error(`CPU inspect region at byte ${region.byteOffset} is not 4-byte aligned`);
  if (bufferBytes(region) < MIN_BUFFER_BYTES) {
    throw new Error(`CPU inspect region of ${region.byteLength} bytes is too small (at least ${HEADER_BYTES + 2 * MIN_BUFFER_BYTES})`);
  }
}

/** JSON with bigints as hex strings and every non-ASCII character escaped: its length is its size in bytes. */
const toJson = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? hex64(v) : v)).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );

/**
 * The snapshot as ASCII JSON of at most `capacity` bytes: whole when it fits, else the groups that fit
 * (and as many registers of the next one as fit) with `truncated: true`.
 */
export function encodeInspect(snapshot: CpuInspectSnapshot, capacity: number): string {
  const whole = toJson(snapshot);
  if (whole.length <= capacity) return whole;
  const { groups, ...rest } = snapshot;
  let head: Record<string, unknown> = { ...rest, truncated: true, groups: [] };
  let base = toJson(head).length;
  if (base > capacity) {
    // Even without registers it is too big: the disassembly goes first, then everything but the pc.
    const { disassembly: _dropped, ...withoutCode } = head;
    head = withoutCode;
    base = toJson(head).length;
    if (base > capacity) {
      head = { arch: snapshot.arch, cpu: snapshot.cpu, pc: snapshot.pc, truncated: true, groups: [] };
      base = toJson(head).length;
    }
  }
  let budget = capacity - base;
  const kept: string[] = [];
  for (const group of groups) {
    const json = toJson(group);
    const cost = json.length + (kept.length > 0 ? 1 : 0);
    if (cost <= budget) {
      kept.push(json);
      budget -= cost;
      continue;
    }
    // Part of this group: its name, then registers while they fit.
    const shell = `{"name":${toJson(group.name)},"registers":[`;
    let partial = shell;
    let size = shell.length + 2 + (kept.length > 0 ? 1 : 0);
    let registers = 0;
    for (const register of group.registers) {
      const item = toJson(register);
      const itemCost = item.length + (registers > 0 ? 1 : 0);
      if (size + itemCost > budget) break;
      partial += (registers > 0 ? ',' : '') + item;
      size += itemCost;
      registers++;
    }
    if (registers > 0) kept.push(`${partial}]}`);
    break;
  }
  const headJson = toJson(head);
  // head ends with "groups":[]} (groups is its last key): splice the kept groups in.
  return `${headJson.slice(0, -2)}${kept.join(',')}]}`;
}

/** Publishes a snapshot; called on the CPU's thread (the only writer of the region). */
export function publishInspect(region: SharedRegion, snapshot: CpuInspectSnapshot): void {
  checkRegion(region);
  const capacity = bufferBytes(region);
  const header = new Int32Array(region.buffer, region.byteOffset, 4);
  const json = encodeInspect(snapshot, capacity);
  // 0 means "never published": after a wrap, skip to 2, which keeps the buffers alternating.
  const next = (Atomics.load(header, Word.published) + 1) | 0 || 2;
  const index = next & 1;
  Atomics.store(header, Word.writing, next);
  const words = new Int32Array(region.buffer, region.byteOffset + HEADER_BYTES + index * capacity, capacity >> 2);
  for (let i = 0; i < json.length; i += 4) {
    const word = json.charCodeAt(i) | (json.charCodeAt(i + 1) << 8) | (json.charCodeAt(i + 2) << 16) | (json.charCodeAt(i + 3) << 24);
    Atomics.store(words, i >> 2, word);
  }
  Atomics.store(header, index === 0 ? Word.length0 : Word.length1, json.length);
  Atomics.store(header, Word.published, next);
}

/** A consistent copy of the latest snapshot, from any thread (undefined if none was published yet). */
export function readInspect(region: SharedRegion): (CpuInspectSnapshot & { readonly seq: number }) | undefined {
  checkRegion(region);
  const capacity = bufferBytes(region);
  const header = new Int32Array(region.buffer, region.byteOffset, 4);
  for (let attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
    const published = Atomics.load(header, Word.published);
    if (published === 0) return undefined;
    const index = published & 1;
    const length = Atomics.load(header, index === 0 ? Word.length0 : Word.length1);
    if (length < 0 || length > capacity) continue;
    const words = new Int32Array(region.buffer, region.byteOffset + HEADER_BYTES + index * capacity, capacity >> 2);
    const copy = new Int32Array((length + 3) >> 2);
    for (let i = 0; i < copy.length; i++) copy[i] = Atomics.load(words, i);
    // The writer started to refill this buffer (publication published + 2): the copy may be torn.
    if (((Atomics.load(header, Word.writing) - published) | 0) >= 2) continue;
    try {
      const snapshot = JSON.parse(asciiText(copy, length)) as CpuInspectSnapshot;
      return { ...snapshot, seq: published };
    } catch {
      continue;
    }
  }
  return undefined;
}

const CHUNK = 8192;

function asciiText(words: Int32Array, length: number): string {
  const bytes = new Uint8Array(words.buffer, words.byteOffset, length);
  let text = '';
  for (let at = 0; at < length; at += CHUNK) text += String.fromCharCode(...bytes.subarray(at, at + CHUNK));
  return text;
}
