import { describe, expect, it } from 'vitest';
import {
  DEBUG_BYTES,
  DEBUG_OFFSET,
  DebugTable,
  DebugWord,
  MAX_BREAKPOINTS,
  MAX_WATCHPOINTS,
  SNAPSHOT_CSRS,
  WatchKind,
  SNAPSHOT_F_OFFSET,
  SNAPSHOT_PC_OFFSET,
  SNAPSHOT_X_OFFSET,
  causeName,
  decodeCsr,
  decodeSnapshotCsrs,
  readDebugTable,
  readSnapshot,
  writeDebugTable,
  writeSnapshot,
} from '../../../../src/core/cpu/hart-snapshot';
import { F_OFFSET, HART_STATE_BYTES, PC_OFFSET, X_OFFSET } from '../../../../src/core/isa/riscv64/hart';

const fieldsOf = (name: string, value: bigint, context = {}) =>
  Object.fromEntries(decodeCsr(name, 0, value, context).fields.map((f) => [f.name, f.meaning ?? f.value]));

describe('hart snapshot layout', () => {
  it("agrees with the RV64 hart's register offsets and fits after them in the hart's region", () => {
    expect(SNAPSHOT_X_OFFSET).toBe(X_OFFSET);
    expect(SNAPSHOT_PC_OFFSET).toBe(PC_OFFSET);
    expect(SNAPSHOT_F_OFFSET).toBe(F_OFFSET);
    expect(DEBUG_OFFSET).toBe(F_OFFSET + 32 * 8);
    expect(DEBUG_OFFSET % 8).toBe(0);
    expect(DEBUG_OFFSET + DEBUG_BYTES).toBeLessThanOrEqual(HART_STATE_BYTES);
    expect(DebugTable.bpCount).toBe(DebugWord.csrs + 2 * SNAPSHOT_CSRS.length);
    expect(DebugTable.pcWriteHi + 1).toBe(DEBUG_BYTES / 4);
  });

  it("round-trips a debugger's breakpoint and watchpoint table and bumps the generation", () => {
    const words = new Int32Array(new SharedArrayBuffer(DEBUG_BYTES));
    const table = {
      breakpoints: [0x8900_0d54n, 0xffff_ffff_8000_0000n],
      watchpoints: [{ address: 0x8900_1670n, length: 8, kind: WatchKind.write }, { address: 0xffff_ffc0_0000_0010n, length: 4, kind: WatchKind.access }],
    };
    writeDebugTable(words, table);
    expect(words[DebugWord.breakpointGen]).toBe(1);
    expect(readDebugTable(words)).toEqual(table);
    writeDebugTable(words, { breakpoints: [], watchpoints: [] });
    expect(readDebugTable(words)).toEqual({ breakpoints: [], watchpoints: [] });
    expect(() => writeDebugTable(words, { breakpoints: Array(MAX_BREAKPOINTS + 1).fill(0n), watchpoints: [] })).toThrow();
    // A corrupt count is clamped, never read past the table.
    words[DebugTable.wpCount] = 1000;
    expect(readDebugTable(words).watchpoints).toHaveLength(MAX_WATCHPOINTS);
  });

  it('round-trips a snapshot through the shared words (seqlock even when done, never 0)', () => {
    const region = new SharedArrayBuffer(HART_STATE_BYTES);
    const words = new Int32Array(region, DEBUG_OFFSET, DEBUG_BYTES / 4);
    expect(readSnapshot(words)).toBeUndefined();
    const values = new Map<number, bigint>([[0x300, 0xa_0000_0122n], [0x180, (8n << 60n) | 0x80123n], [0x14d, -1n]]);
    new DataView(region).setBigUint64(PC_OFFSET, 0xffff_ffc0_0000_0d54n, true);
    writeSnapshot(words, 1, 0x8900_0d54n, (n) => values.get(n));
    // The hart runs on: the snapshot keeps the pc its physical address belongs to.
    new DataView(region).setBigUint64(PC_OFFSET, 0xffff_ffc0_0000_1000n, true);
    const snap = readSnapshot(words)!;
    expect(snap.seq % 2).toBe(0);
    expect(snap.privilege).toBe(1);
    expect(snap.pc).toBe(0xffff_ffc0_0000_0d54n);
    expect(snap.pcPhysical).toBe(0x8900_0d54n);
    expect(snap.csrs.get('mstatus')).toBe(0xa_0000_0122n);
    expect(snap.csrs.get('satp')).toBe((8n << 60n) | 0x80123n);
    expect(snap.csrs.get('stimecmp')).toBe(0xffff_ffff_ffff_ffffn);
    expect(snap.csrs.get('mepc')).toBe(0n);
    writeSnapshot(words, 3, undefined, () => 0n);
    const again = readSnapshot(words)!;
    expect(again.seq).toBe(snap.seq + 2);
    expect(again.pcPhysical).toBeUndefined();
  });
});

describe('CSR field decoding', () => {
  it('decodes mstatus and its sstatus view', () => {
    const mstatus = (1n << 1n) | (1n << 5n) | (1n << 8n) | (3n << 11n) | (3n << 13n) | (1n << 18n) | (2n << 32n) | (2n << 34n) | (1n << 63n);
    expect(fieldsOf('mstatus', mstatus)).toMatchObject({ SIE: '1', MIE: '0', SPIE: '1', SPP: 'S', MPP: 'M', FS: 'Dirty', SUM: '1', MXR: '0', UXL: '64', SD: '1' });
    const csrs = decodeSnapshotCsrs(new Map([['mstatus', mstatus]]));
    const sstatus = csrs.find((c) => c.name === 'sstatus')!;
    expect(sstatus.fields.map((f) => f.name)).not.toContain('MPP');
    expect(sstatus.summary).toBe('SIE SPIE SUM SPP=S FS=Dirty');
    expect(csrs[0]!.name).toBe('sstatus');
  });

  it('decodes satp: mode, ASID and the root page table address', () => {
    const satp = decodeCsr('satp', 0x180, (8n << 60n) | (5n << 44n) | 0x80200n);
    expect(satp.summary).toBe('Sv39 ASID 5 root 0x0000000080200000');
    expect(decodeCsr('satp', 0x180, (9n << 60n)).fields[0]!.meaning).toBe('Sv48');
    expect(decodeCsr('satp', 0x180, 0n).summary).toMatch(/^Bare/);
  });

  it('names causes and interrupt bits', () => {
    expect(decodeCsr('scause', 0x142, (1n << 63n) | 5n).summary).toBe('interrupt 5: supervisor timer interrupt');
    expect(decodeCsr('scause', 0x142, 13n).summary).toBe('exception 13: load page fault');
    expect(causeName(9n)).toBe('environment call from S-mode');
    expect(decodeCsr('mip', 0x344, (1n << 5n) | (1n << 9n)).summary).toBe('STIP SEIP');
    expect(decodeCsr('sie', 0x104, 0x222n).fields.map((f) => f.name)).toEqual(['SSIE', 'STIE', 'SEIE']);
    const csrs = decodeSnapshotCsrs(new Map([['mip', 0xaaan], ['mideleg', 0x222n]]));
    expect(csrs.find((c) => c.name === 'sip')!.summary).toBe('SSIP STIP SEIP');
  });

  it('tells how far stimecmp is from time, and decodes fcsr and stvec', () => {
    expect(decodeCsr('stimecmp', 0x14d, 1500n, { time: 1000n }).summary).toBe('fires in 500 ticks');
    expect(decodeCsr('stimecmp', 0x14d, 900n, { time: 1000n }).summary).toBe('due 100 ticks ago (STIP pending)');
    expect(decodeCsr('stimecmp', 0x14d, -1n).summary).toBe('disarmed (all ones)');
    expect(decodeCsr('fcsr', 3, (1n << 5n) | 0x11n).summary).toBe('rm=RTZ NX NV');
    expect(decodeCsr('stvec', 0x105, 0x8900_0089n).summary).toBe('Vectored at 0x0000000089000088');
  });
});
