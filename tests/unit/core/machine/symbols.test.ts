import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { annotatePcs, parseSymbolFile, parseSystemMap, SymbolError, type SymbolTable } from '../../../../src/core/machine/symbols';

const GUESTS = [
  { file: 'guest/riscv64/bin/zones-r.elf', nm: 'riscv64-unknown-elf-nm' },
  { file: 'guest/aarch64/bin/zones-r.elf', nm: 'aarch64-linux-gnu-nm' },
];

const fromBytes = (bytes: Uint8Array, name: string): SymbolTable => parseSymbolFile((o, n) => bytes.subarray(o, o + n), bytes.length, name);

/** `nm -S` lines of defined, non-absolute symbols: name -> [address, size]. */
function nmSymbols(tool: string, file: string): Map<string, { address: bigint; size: number }> | undefined {
  let out: string;
  try {
    out = execFileSync(tool, ['-S', file], { encoding: 'utf8' });
  } catch {
    return undefined;
  }
  const symbols = new Map<string, { address: bigint; size: number }>();
  for (const line of out.split('\n')) {
    const parts = line.trim().split(/\s+/);
    if (parts.length < 3) continue;
    const [address, maybeSize, ...rest] = parts;
    const sized = parts.length === 4;
    const type = sized ? rest[0]! : maybeSize!;
    const name = sized ? rest[1]! : rest[0]!;
    if ('aAUw'.includes(type) || name.startsWith('$')) continue;
    symbols.set(name, { address: BigInt(`0x${address}`), size: sized ? Number.parseInt(maybeSize!, 16) : 0 });
  }
  return symbols;
}

describe('ELF symbols of the guest images', () => {
  for (const guest of GUESTS) {
    it(`${guest.file}: every symbol nm lists, with its address and size; lookups inside and past functions`, () => {
      const table = fromBytes(readFileSync(guest.file), guest.file);
      const zoneMain = table.find('zone_main')!;
      expect(zoneMain.kind).toBe('function');
      expect(zoneMain.size).toBeGreaterThan(0);
      expect(table.describe(zoneMain.address)).toBe('zone_main');
      expect(table.describe(zoneMain.address + 6n)).toBe('zone_main+0x6');
      const deadline = table.find('deadline')!;
      expect(deadline.kind).toBe('object');
      expect(table.describe(deadline.address + 4n)).toBe('deadline+0x4');
      // Nothing lies below the image.
      expect(table.describe(0x1000n)).toBeUndefined();

      const nm = nmSymbols(guest.nm, guest.file);
      if (!nm) return;
      expect(table.count).toBe(nm.size);
      for (const [name, { address, size }] of nm) {
        const entry = table.find(name);
        expect(entry, name).toBeDefined();
        expect(entry!.address, name).toBe(address);
        if (size > 0) expect(entry!.size, name).toBe(size);
      }
      // Each sized function's last byte is named by it, its end is not (unless something follows at once).
      for (const [name, { address, size }] of nm) {
        if (size === 0 || table.find(name)!.kind !== 'function') continue;
        const last = table.lookup(address + BigInt(size) - 1n)!;
        expect(last.symbol.address, name).toBeGreaterThanOrEqual(address);
      }
    });
  }

  it('a System.map names the same addresses as the ELF it was made from', () => {
    const file = GUESTS[0]!.file;
    const elf = fromBytes(readFileSync(file), file);
    const zoneTrap = elf.find('zone_trap')!;
    const map = parseSystemMap(`${zoneTrap.address.toString(16).padStart(16, '0')} T zone_trap\n${(zoneTrap.address + 0x144n).toString(16)} t next_one\n0000000000000000 A ZONE_ABS\n`, 'System.map');
    expect(map.count).toBe(2);
    expect(map.describe(zoneTrap.address + 0x10n)).toBe('zone_trap+0x10');
    expect(map.describe(zoneTrap.address + 0x144n)).toBe('next_one');
    expect(map.find('zone_trap')!.address).toBe(zoneTrap.address);
    // A kernel's addresses above 2^63 survive.
    const kernel = parseSystemMap('ffffffff80000000 T _start\nffffffff80001000 T start_kernel\n', 'System.map');
    expect(kernel.describe(0xffffffff80001010n)).toBe('start_kernel+0x10');
    expect(kernel.describe(0xffffffff80000ffen)).toBe('_start+0xffe');
  });
});

describe('hostile symbol files', () => {
  const elf = readFileSync(GUESTS[0]!.file);
  const expectError = (make: () => unknown, pattern: RegExp): void => {
    let caught: unknown;
    try {
      make();
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SymbolError);
    expect((caught as Error).message).toMatch(/^bad\.(elf|map): /);
    expect((caught as Error).message).toMatch(pattern);
  };

  it('a truncated ELF: one error naming the file', () => {
    for (const cut of [10, 64, 200, elf.length - 100]) expectError(() => fromBytes(elf.subarray(0, cut), 'bad.elf'), /truncated|section headers|past/);
  });

  it('an ELF whose section table claims more than the file holds, or whose symbol count is huge', () => {
    const copy = new Uint8Array(elf);
    new DataView(copy.buffer).setBigUint64(0x28, 0x7fff_ffff_0000n, true);
    expectError(() => fromBytes(copy, 'bad.elf'), /past the end/);
    const huge = new Uint8Array(elf);
    const view = new DataView(huge.buffer);
    const shoff = Number(view.getBigUint64(0x28, true));
    const shnum = view.getUint16(0x3c, true);
    for (let i = 0; i < shnum; i++) if (view.getUint32(shoff + i * 64 + 4, true) === 2) view.setBigUint64(shoff + i * 64 + 32, 24n * 5_000_000n, true);
    expectError(() => fromBytes(huge, 'bad.elf'), /more than 2000000 symbols/);
  });

  it('a garbage map: the line that is wrong, and nothing kept', () => {
    expectError(() => parseSystemMap('ffffffff80000000 T _start\nthis is not a map\n', 'bad.map'), /line 2 is not 'address type name'/);
    expectError(() => parseSymbolFile((o, n) => new Uint8Array([0, 1, 2, 255, 254]).subarray(o, o + n), 5, 'bad.map'), /line 1/);
    expectError(() => parseSystemMap('\n\n', 'bad.map'), /no symbols/);
  });
});

describe('annotatePcs', () => {
  it('adds the symbol after each pc a table names, once', () => {
    const describe = (a: bigint): string | undefined => (a >= 0x1000n && a < 0x1100n ? `f+0x${(a - 0x1000n).toString(16)}` : undefined);
    const text = 'zone 2, hart 3, pc 0x1010: store fault (pc 0x9999)';
    const once = annotatePcs(text, describe);
    expect(once).toBe('zone 2, hart 3, pc 0x1010 <f+0x10>: store fault (pc 0x9999)');
    expect(annotatePcs(once, describe)).toBe(once);
  });
});
