/**
 * How the memory view lays out a block of bytes: rows of 16 with their address, each byte's hex and
 * ASCII character, unreadable bytes marked; and how typed text becomes an address or a byte. Plain
 * functions (no Vue), tested without a DOM.
 */
import type { MemoryBlock } from '../../../shared/protocol/index';

export const ROW_BYTES = 16;

export interface ByteCell {
  readonly offset: number;
  /** Two hex digits, or null when the byte could not be read. */
  readonly hex: string | null;
  /** The printable ASCII character, '.' otherwise, ' ' when unreadable. */
  readonly char: string;
}

export interface ByteRow {
  readonly address: string;
  readonly cells: readonly ByteCell[];
}

/** Whether byte `offset` of the block could be read. */
export function readable(block: MemoryBlock, offset: number): boolean {
  return !block.unreadable.some((u) => offset >= u.offset && offset < u.offset + u.length);
}

export function byteRows(block: MemoryBlock): ByteRow[] {
  const base = BigInt(block.address);
  const count = block.bytes.length / 2;
  const rows: ByteRow[] = [];
  for (let start = 0; start < count; start += ROW_BYTES) {
    const cells: ByteCell[] = [];
    for (let offset = start; offset < Math.min(start + ROW_BYTES, count); offset++) {
      if (!readable(block, offset)) {
        cells.push({ offset, hex: null, char: ' ' });
        continue;
      }
      const hex = block.bytes.slice(2 * offset, 2 * offset + 2);
      const value = parseInt(hex, 16);
      cells.push({ offset, hex, char: value >= 0x20 && value < 0x7f ? String.fromCharCode(value) : '.' });
    }
    rows.push({ address: `0x${(base + BigInt(start)).toString(16).padStart(8, '0')}`, cells });
  }
  return rows;
}

/** "0x89001000", "89001000", "0x8900_1000": hex, as debuggers read addresses; null when it is not one. */
export function parseAddress(text: string): bigint | null {
  const t = text.trim().replace(/_/g, '').replace(/^0x/i, '');
  if (!/^[0-9a-f]{1,16}$/i.test(t)) return null;
  return BigInt(`0x${t}`);
}

/** The unreadable ranges' reasons, once each, with the addresses they cover. */
export function unreadableSummary(block: MemoryBlock): string[] {
  const base = BigInt(block.address);
  const byReason = new Map<string, string[]>();
  for (const u of block.unreadable) {
    const from = base + BigInt(u.offset);
    const range = `0x${from.toString(16)}-0x${(from + BigInt(u.length - 1)).toString(16)}`;
    byReason.set(u.reason, [...(byReason.get(u.reason) ?? []), range]);
  }
  return [...byReason].map(([reason, ranges]) => `${ranges.length > 2 ? `${ranges[0]} … ${ranges.at(-1)}` : ranges.join(', ')}: ${reason}`);
}
