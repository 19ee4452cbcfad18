/**
 * Which pages of guest RAM the host has ever committed, so that a snapshot reads only those: reading a
 * page of the machine's WebAssembly memory that nobody touched makes the host commit it (measured: a
 * first scan of 2 GiB took 22 s on the loaded 2-core machine and grew the process by 2 GiB; see
 * docs/decisions/0024). Linux only: the mapping of the machine's memory is found in /proc/self/maps
 * (an anonymous read-write mapping of exactly the machine's size) and its pages' present/swapped bits
 * read from /proc/self/pagemap. When several mappings fit (another machine of the same size), one
 * untouched page is read through this machine's buffer and the mapping where it became present is
 * this one. Anything unexpected gives undefined, and the caller scans every page instead.
 */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';

const PAGE = 4096;
const PRESENT = 1n << 63n;
const SWAPPED = 1n << 62n;

interface Mapping {
  readonly start: bigint;
}

function candidateMappings(totalBytes: number): Mapping[] {
  const maps = readFileSync('/proc/self/maps', 'utf8').split('\n');
  const found: Mapping[] = [];
  for (const line of maps) {
    const match = /^([0-9a-f]+)-([0-9a-f]+) rw-p 00000000 00:00 0\s*$/.exec(line);
    if (!match) continue;
    const start = BigInt(`0x${match[1]}`);
    if (BigInt(`0x${match[2]}`) - start === BigInt(totalBytes)) found.push({ start });
  }
  return found;
}

/** Present-or-swapped bits of `count` pages from virtual address `start`. */
function pageBits(fd: number, start: bigint, count: number): Uint8Array {
  const entries = Buffer.alloc(count * 8);
  const position = Number((start / BigInt(PAGE)) * 8n);
  let done = 0;
  while (done < entries.length) {
    const n = readSync(fd, entries, done, entries.length - done, position + done);
    if (n <= 0) break;
    done += n;
  }
  const bits = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const entry = entries.readBigUInt64LE(i * 8);
    bits[i] = (entry & (PRESENT | SWAPPED)) !== 0n ? 1 : 0;
  }
  return bits;
}

/**
 * For the region [offset, offset + length) of the machine's buffer (totalBytes long): 1 per page the host
 * committed, 0 per page never touched (all zeros); undefined when it cannot tell.
 */
export function residentPages(buffer: ArrayBufferLike, totalBytes: number, offset: number, length: number): Uint8Array | undefined {
  if (process.platform !== 'linux' || offset % PAGE !== 0) return undefined;
  let fd: number | undefined;
  try {
    let candidates = candidateMappings(totalBytes);
    if (candidates.length === 0) return undefined;
    fd = openSync('/proc/self/pagemap', 'r');
    const pages = Math.ceil(length / PAGE);
    const bitsOf = (m: Mapping) => pageBits(fd!, m.start + BigInt(offset), pages);
    if (candidates.length > 1) {
      const before = candidates.map(bitsOf);
      const probe = before[0]!.findIndex((_, page) => before.every((bits) => bits[page] === 0));
      if (probe < 0) return undefined;
      // Read one word of an untouched page through this machine's buffer: it becomes present in its mapping only.
      void new Int32Array(buffer, offset + probe * PAGE, 1)[0];
      candidates = candidates.filter((m) => pageBits(fd!, m.start + BigInt(offset + probe * PAGE), 1)[0] === 1);
      if (candidates.length !== 1) return undefined;
    }
    const bits = bitsOf(candidates[0]!);
    // A mapping whose pages all read as absent is not trustworthy (pagemap hidden): scan instead.
    return bits.some((b) => b === 1) ? bits : undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
