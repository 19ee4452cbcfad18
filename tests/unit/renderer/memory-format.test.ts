/** The memory view's layout of a block: rows of 16 with hex and ASCII, unreadable bytes, typed addresses. */
import { describe, expect, it } from 'vitest';
import type { MemoryBlock } from '../../../src/shared/protocol/index';
import { byteRows, parseAddress, unreadableSummary } from '../../../src/renderer/views/inspect/memory-format';

const block = (bytes: string, unreadable: MemoryBlock['unreadable'] = []): MemoryBlock => ({ zone: 2, view: 'gva', cpu: 3, address: '0x89001ff0', bytes, unreadable, paused: false });

describe('memory view format', () => {
  it('lays out hex and printable ASCII by rows, and blanks what could not be read', () => {
    const text = Buffer.from('latency min=\n\x00\x7f~').toString('hex');
    const rows = byteRows(block(text + '00'.repeat(16), [{ offset: 16, length: 16, reason: 'level 0: V = 0 (page fault)' }]));
    expect(rows.map((r) => r.address)).toEqual(['0x89001ff0', '0x89002000']);
    expect(rows[0]!.cells.map((c) => c.char).join('')).toBe('latency min=...~');
    expect(rows[0]!.cells[0]!.hex).toBe('6c');
    expect(rows[1]!.cells.every((c) => c.hex === null && c.char === ' ')).toBe(true);
  });

  it('says each reason once with the range it covers', () => {
    const b = block('00'.repeat(32), [{ offset: 16, length: 16, reason: 'is an I/O window' }]);
    expect(unreadableSummary(b)).toEqual(['0x89002000-0x8900200f: is an I/O window']);
  });

  it('reads typed addresses as hex, with or without 0x and underscores, and refuses the rest', () => {
    expect(parseAddress('0x8900_1580')).toBe(0x8900_1580n);
    expect(parseAddress(' 89001580 ')).toBe(0x8900_1580n);
    expect(parseAddress('ffffffff812000b0')).toBe(0xffff_ffff_8120_00b0n);
    expect(parseAddress('0x1_0000_0000_0000_0000')).toBeNull();
    expect(parseAddress('main')).toBeNull();
    expect(parseAddress('')).toBeNull();
  });
});
