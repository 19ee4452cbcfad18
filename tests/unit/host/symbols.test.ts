/**
 * Each zone's symbols on the host (host/symbols.ts): found from the zone's ELF image, from layout.json's
 * `symbols` key, from dropped bytes; a fault report's pc named by them; bad files as one message.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MachineHost } from '../../../src/host/machine-host';
import { ZoneSymbols } from '../../../src/host/symbols';

const ELF = path.resolve('guest/riscv64/bin/zones-r.elf');

/** The parts of a machine the registry reads: the layout's folder, root image and symbols key, zone files. */
function fakeHost(folder: string, root: { image: string; symbols?: string }, zoneFiles: { path: string; symbols?: string }[] = []): MachineHost {
  return {
    loaded: { folder, layout: { root }, images: { kernel: path.resolve(folder, root.image) }, zoneFiles },
    zoneStatuses: () => [],
  } as unknown as MachineHost;
}

describe('zone symbols on the host', () => {
  const folder = mkdtempSync(path.join(tmpdir(), 'hvwb-symbols-'));

  it("reads the root's ELF image by default and names a fault report's pc", () => {
    const symbols = new ZoneSymbols(fakeHost(folder, { image: ELF }));
    const status = symbols.status(0);
    expect(status.file).toBe(path.relative(folder, ELF));
    expect(status.count).toBeGreaterThan(50);
    const zoneTrap = symbols.table(0)!.find('zone_trap')!.address;
    const report = `zoneR, hart 3, pc 0x${(zoneTrap + 0x12n).toString(16)}: store/AMO guest-page fault at 0x90001000`;
    expect(symbols.annotate(0, report)).toBe(`zoneR, hart 3, pc 0x${(zoneTrap + 0x12n).toString(16)} <zone_trap+0x12>: store/AMO guest-page fault at 0x90001000`);
    // Addresses no symbol covers stay as they are.
    expect(symbols.annotate(0, 'pc 0x10')).toBe('pc 0x10');
  });

  it("prefers layout.json's symbols key, per zone too, and reports a bad file by name without throwing", () => {
    writeFileSync(path.join(folder, 'System.map'), 'ffffffff80200000 T _start\nffffffff80201000 T start_kernel\n');
    const zoneJson = path.join(folder, 'zone1.json');
    writeFileSync(zoneJson, JSON.stringify({ zone_id: 1, kernel_filepath: 'missing.bin' }));
    writeFileSync(path.join(folder, 'garbage.map'), 'hello world\n');
    const symbols = new ZoneSymbols(fakeHost(folder, { image: ELF, symbols: 'System.map' }, [{ path: zoneJson, symbols: 'garbage.map' }]));
    expect(symbols.status(0)).toEqual({ file: 'System.map', count: 2 });
    expect(symbols.describe(0, 0xffffffff80201010n)).toBe('start_kernel+0x10');
    expect(symbols.status(1)).toEqual({ file: 'garbage.map', count: 0, error: "garbage.map: line 1 is not 'address type name' (System.map or nm output): \"hello world\"" });
    expect(symbols.annotate(1, 'pc 0xffffffff80201010')).toBe('pc 0xffffffff80201010');
    // A zone whose image is not there has no symbols, and no error either.
    expect(symbols.status(2)).toEqual({ file: null, count: 0 });
  });

  it('replaces a zone\'s symbols by dropped bytes; a truncated ELF is one message naming the file', () => {
    const symbols = new ZoneSymbols(fakeHost(folder, { image: ELF }));
    const bytes = readFileSync(ELF);
    expect(symbols.loadBytes(1, '/somewhere/zones-r.elf', bytes)).toMatchObject({ file: 'zones-r.elf', count: symbols.status(0).count });
    const cut = symbols.loadBytes(1, 'cut.elf', bytes.subarray(0, 300));
    expect(cut.error).toMatch(/^cut\.elf: truncated ELF/);
    expect(symbols.table(1)).toBeUndefined();
  });
});
