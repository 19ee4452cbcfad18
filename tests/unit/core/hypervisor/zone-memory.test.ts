/**
 * The memory and translation views' core (decision 0019): page tables of both ISAs built in a zone's
 * test RAM (guest-physical 0x8000_0000 backed by host-physical 0x9000_0000), walked level by level,
 * checked against the older one-shot debug walks the GDB stub uses, and bytes read and written by
 * guest-virtual, guest-physical and host-physical address with the refusals a user sees.
 */
import { describe, expect, it } from 'vitest';
import { debugWalk, debugWalkLevels } from '../../../../src/core/isa/riscv64/debug-walk';
import { debugWalkA64, debugWalkLevelsA64 } from '../../../../src/core/isa/aarch64/debug-walk';
import { ZoneMemory, type InstalledRegion } from '../../../../src/core/hypervisor/zone-memory';
import type { Stage1Walk } from '../../../../src/core/cpu/translation-walk';

const GPA = 0x8000_0000;
const HPA = 0x9000_0000;
const RAM_SIZE = 0x10000;
const OTHER_HPA = HPA + RAM_SIZE;
const TEXT = 'hello from the zone';

const regions: InstalledRegion[] = [
  { kind: 'trapped', guestStart: 0x0c00_0000, size: 0x40_0000, access: 'emulated', source: 'vPLIC' },
  { kind: 'io', guestStart: 0x1000_0000, hostStart: 0x1000_0000, size: 0x1000, access: 'rw- (I/O)', source: 'zone config' },
  { kind: 'ram', guestStart: GPA, hostStart: HPA, size: RAM_SIZE, access: 'rwx', source: 'zone config' },
  { kind: 'ram', guestStart: 0x8800_0000, hostStart: OTHER_HPA, size: 0x1000, access: 'r--', source: "IVC section (a peer's out, read-only)", data: 'ro' },
];

/** The host's RAM: the zone's 64 KiB, its IVC page, and another zone's page right after (never reachable). */
function hostRam(): { ram: Uint8Array; view: DataView; bytes: (hpa: number, length: number) => Uint8Array | undefined } {
  const ram = new Uint8Array(RAM_SIZE + 0x2000);
  return {
    ram,
    view: new DataView(ram.buffer),
    bytes: (hpa, length) => (hpa >= HPA && hpa + length <= HPA + ram.length ? ram.subarray(hpa - HPA, hpa - HPA + length) : undefined),
  };
}

const put = (view: DataView, gpa: number, value: bigint): void => view.setBigUint64(gpa - GPA, value, true);

/** Sv39 tables: root 0x8000_0000, level 1 0x8000_1000, level 0 0x8000_2000, the text's page 0x8000_3000. */
function sv39(view: DataView): bigint {
  const pte = (pa: number, flags: number): bigint => (BigInt(pa >>> 12) << 10n) | BigInt(flags);
  put(view, GPA + 1 * 8, pte(GPA + 0x1000, 0x1)); // VPN[2] = 1 -> level-1 table
  put(view, GPA + 3 * 8, pte(0x5000_0000, 0x1)); // VPN[2] = 3 -> a table outside the zone's RAM
  put(view, GPA + 0x1000 + 0 * 8, pte(GPA + 0x2000, 0x1)); // VPN[1] = 0 -> level-0 table
  put(view, GPA + 0x1000 + 1 * 8, pte(GPA, 0x1 | 0x2 | 0x8 | 0x40)); // VPN[1] = 1: a 2 MiB superpage, r-x
  put(view, GPA + 0x1000 + 2 * 8, pte(GPA + 0x1000, 0x3)); // VPN[1] = 2: misaligned superpage
  put(view, GPA + 0x2000 + 3 * 8, pte(GPA + 0x3000, 0x1 | 0x2 | 0x4 | 0x20 | 0x40 | 0x80)); // VPN[0] = 3: rw global A D
  put(view, GPA + 0x2000 + 5 * 8, pte(0x7000_0000, 0x1 | 0x2 | 0x40)); // VPN[0] = 5: a page stage 2 does not map
  return (8n << 60n) | BigInt(GPA >>> 12);
}

/** VMSAv8-64, TTBR0 with T0SZ 25 (39-bit VA, walk from level 1): the same shape as sv39(). */
function a64(view: DataView): Map<string, bigint> {
  put(view, GPA + 1 * 8, BigInt(GPA + 0x1000) | 3n); // L1[1] -> level-2 table
  put(view, GPA + 0x1000 + 0 * 8, BigInt(GPA + 0x2000) | 3n); // L2[0] -> level-3 table
  put(view, GPA + 0x1000 + 1 * 8, BigInt(GPA) | (1n << 10n) | (2n << 6n) | 1n); // L2[1]: 2 MiB block, AF, EL1 RO
  put(view, GPA + 0x2000 + 3 * 8, BigInt(GPA + 0x3000) | (1n << 54n) | (1n << 11n) | (1n << 10n) | (3n << 8n) | (1n << 2n) | 3n); // L3[3]: page
  return new Map([
    ['sctlr_el1', 1n],
    ['tcr_el1', 25n | (1n << 23n)], // EPD1: no TTBR1 walks
    ['ttbr0_el1', BigInt(GPA)],
  ]);
}

const bit = (walk: Stage1Walk, level: number, name: string): string | undefined => walk.levels.find((l) => l.level === level)?.fields.find((f) => f.name === name)?.value;

describe('stage-1 walks level by level', () => {
  it('Sv39: three levels to a 4 KiB page with V R W X U G A D, a superpage, and each way a walk stops', () => {
    const host = hostRam();
    const satp = sv39(host.view);
    const memory = new ZoneMemory({ zone: '2 (t)', regions, ram: host.bytes });
    const read64 = (gpa: bigint): bigint | undefined => {
      const r = memory.resolve(gpa, 8);
      const b = r.hostPhysical !== undefined && !r.refused ? host.bytes(r.hostPhysical, 8) : undefined;
      return b ? new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true) : undefined;
    };
    const page = debugWalkLevels(0x4000_3123n, satp, 1, read64);
    expect(page.regime).toContain('Sv39');
    expect(page.levels.map((l) => [l.level, l.index, l.kind])).toEqual([[2, 1, 'table'], [1, 0, 'table'], [0, 3, 'leaf']]);
    expect(page.levels[0]!.table).toBe(BigInt(GPA));
    expect(page.levels[2]!.entryAddress).toBe(BigInt(GPA + 0x2000 + 24));
    expect(page.output).toBe(BigInt(GPA + 0x3123));
    expect(page.levels[2]!.pageSize).toBe(0x1000n);
    expect(['V', 'R', 'W', 'X', 'U', 'G', 'A', 'D'].map((n) => bit(page, 0, n))).toEqual(['1', '1', '1', '0', '0', '1', '1', '1']);
    expect(page.permissions).toBe('rw- supervisor global');

    const superpage = debugWalkLevels(0x4020_3123n, satp, 1, read64);
    expect(superpage.levels.map((l) => l.kind)).toEqual(['table', 'leaf']);
    expect(superpage.levels[1]!.pageSize).toBe(0x20_0000n);
    expect(superpage.output).toBe(BigInt(GPA + 0x3123));
    expect(superpage.permissions).toBe('r-x supervisor D clear');

    expect(debugWalkLevels(0x4000_4000n, satp, 1, read64).fault).toBe('level 0: V = 0 (page fault)');
    expect(debugWalkLevels(0x4040_0000n, satp, 1, read64).fault).toContain('misaligned superpage');
    const outside = debugWalkLevels(0xc000_0000n, satp, 1, read64);
    expect(outside.levels.at(-1)!.kind).toBe('unreadable');
    expect(outside.fault).toContain("0x50000000 is outside the zone's RAM");
    expect(debugWalkLevels(0x40_0000_0000n, satp, 1, read64).fault).toContain('not sign-extended');
    expect(debugWalkLevels(0x1234n, 0n, 1, read64)).toMatchObject({ enabled: false, output: 0x1234n });
    expect(debugWalkLevels(0x1234n, satp, 3, read64)).toMatchObject({ enabled: false, output: 0x1234n });

    // The same answers as the GDB stub's one-shot walk, for every address tried here.
    for (const va of [0x4000_3123n, 0x4020_3123n, 0x4000_4000n, 0x4040_0000n, 0xc000_0000n, 0x4000_5008n, 0x40_0000_0000n]) {
      expect(debugWalkLevels(va, satp, 1, read64).output).toBe(debugWalk(va, satp, 1, read64));
    }
  });

  it('VMSAv8-64: level 1 to 3 with AF AP SH AttrIndx nG UXN, a block, an invalid entry, EPD1', () => {
    const host = hostRam();
    const regs = a64(host.view);
    const sysreg = (name: string): bigint | undefined => regs.get(name);
    const memory = new ZoneMemory({ zone: '1 (a)', regions, ram: host.bytes, walk: (va, read64) => debugWalkLevelsA64(va, sysreg, read64) });
    const read64 = (gpa: bigint): bigint | undefined => {
      const r = memory.resolve(gpa, 8);
      const b = r.hostPhysical !== undefined && !r.refused ? host.bytes(r.hostPhysical, 8) : undefined;
      return b ? new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true) : undefined;
    };
    const page = debugWalkLevelsA64(0x4000_3010n, sysreg, read64);
    expect(page.regime).toBe('TTBR0_EL1 0x80000000, 39-bit VA, 4 KiB granule');
    expect(page.levels.map((l) => [l.level, l.index, l.label])).toEqual([[1, 1, 'table descriptor'], [2, 0, 'table descriptor'], [3, 3, 'page descriptor']]);
    expect(page.output).toBe(BigInt(GPA + 0x3010));
    expect(['AF', 'AP', 'SH', 'AttrIndx', 'nG', 'UXN', 'PXN'].map((n) => bit(page, 3, n))).toEqual(['1', '0', '3', '1', '1', '1', '0']);
    expect(page.levels[2]!.fields.find((f) => f.name === 'SH')!.meaning).toBe('inner shareable');
    expect(page.permissions).toBe('EL1 RW, EL0 none, UXN');

    const block = debugWalkLevelsA64(0x4020_3010n, sysreg, read64);
    expect(block.levels.map((l) => l.label)).toEqual(['table descriptor', 'block descriptor']);
    expect(block.levels[1]!.pageSize).toBe(0x20_0000n);
    expect(block.output).toBe(BigInt(GPA + 0x3010));
    expect(block.permissions).toBe('EL1 RO, EL0 none');

    expect(debugWalkLevelsA64(0x4040_0000n, sysreg, read64).fault).toBe('level 2: descriptor not valid (translation fault, level 2)');
    expect(debugWalkLevelsA64(0xffff_ff80_0000_0000n, sysreg, read64).fault).toContain('EPD1 = 1');
    expect(debugWalkLevelsA64(0x80_0000_0000n, sysreg, read64).fault).toContain('outside the 39-bit range');
    regs.set('sctlr_el1', 0n);
    expect(debugWalkLevelsA64(0x4000_3010n, sysreg, read64)).toMatchObject({ enabled: false, output: 0x4000_3010n });
    regs.set('sctlr_el1', 1n);
    for (const va of [0x4000_3010n, 0x4020_3010n, 0x4040_0000n, 0xffff_ff80_0000_0000n, 0x80_0000_0000n]) {
      expect(debugWalkLevelsA64(va, sysreg, read64).output).toBe(debugWalkA64(va, sysreg, read64));
    }

    // Through the zone's memory: a guest-virtual translation ends in the stage-2 region and its host address.
    const t = memory.translate('gva', 0x4000_3010n);
    expect(t.guestPhysical).toBe(BigInt(GPA + 0x3010));
    expect(t.stage2).toMatchObject({ hostPhysical: HPA + 0x3010, region: { source: 'zone config', kind: 'ram' } });
  });
});

describe("a zone's memory by GVA, GPA and HPA", () => {
  function zone(): { memory: ZoneMemory; host: ReturnType<typeof hostRam> } {
    const host = hostRam();
    const satp = sv39(host.view);
    new TextEncoder().encodeInto(TEXT, host.ram.subarray(0x3100));
    host.ram.fill(0xee, RAM_SIZE + 0x1000); // the other zone's page
    const memory = new ZoneMemory({ zone: '2 (zoneR)', regions, ram: host.bytes, walk: (va, read64) => debugWalkLevels(va, satp, 1, read64) });
    return { memory, host };
  }
  const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

  it('reads the same string at its guest-virtual, guest-physical and host-physical addresses', () => {
    const { memory } = zone();
    expect(text(memory.read('gva', 0x4000_3100n, TEXT.length).bytes)).toBe(TEXT);
    expect(text(memory.read('gva', 0x4020_3100n, TEXT.length).bytes)).toBe(TEXT);
    expect(text(memory.read('gpa', BigInt(GPA + 0x3100), TEXT.length).bytes)).toBe(TEXT);
    expect(text(memory.read('hpa', BigInt(HPA + 0x3100), TEXT.length).bytes)).toBe(TEXT);
  });

  it('marks what it cannot read, with the reason, and never reads a device', () => {
    const { memory } = zone();
    // A read that crosses from a mapped page into an unmapped one: the first page's bytes, then the reason.
    const crossing = memory.read('gva', 0x4000_3ff8n, 16);
    expect(crossing.unreadable).toEqual([{ offset: 8, length: 8, reason: 'level 0: V = 0 (page fault)' }]);
    expect(memory.read('gpa', 0x1000_0000n, 8).unreadable[0]!.reason).toContain('I/O window (not read');
    expect(memory.read('gpa', 0x0c00_0000n, 8).unreadable[0]!.reason).toContain('emulated by vPLIC');
    expect(memory.read('gpa', 0x2000_0000n, 8).unreadable[0]!.reason).toContain("not mapped in zone 2 (zoneR)'s stage 2");
    expect(memory.read('gva', 0x4000_5000n, 8).unreadable[0]!.reason).toContain('0x70000000 is not mapped');
    // Host-physical: the zone's own RAM only; the next zone's page right after it is refused.
    const other = memory.read('hpa', BigInt(OTHER_HPA + 0x1000), 8);
    expect(other.unreadable[0]!.reason).toBe(`host-physical 0x${(OTHER_HPA + 0x1000).toString(16)} is not memory of zone 2 (zoneR)`);
    expect([...other.bytes]).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(() => memory.read('gpa', BigInt(GPA), 4097)).toThrow('at most 4096 bytes per request');
    expect(() => memory.read('gpa', 0xffff_ffff_ffff_fff0n, 32)).toThrow('outside the 64-bit address space');
  });

  it('writes by guest-virtual address, returns the old bytes, and refuses all of a write that is partly outside', () => {
    const { memory, host } = zone();
    const previous = memory.write('gva', 0x4000_3100n, new TextEncoder().encode('J'));
    expect(text(previous)).toBe('h');
    expect(text(memory.read('hpa', BigInt(HPA + 0x3100), 5).bytes)).toBe('Jello');
    const before = host.ram.slice();
    expect(() => memory.write('gva', 0x4000_3ffcn, new Uint8Array(8))).toThrow('zone 2 (zoneR): cannot write 0x40004000: level 0: V = 0 (page fault)');
    expect(() => memory.write('gpa', 0x8800_0000n, new Uint8Array(1))).toThrow('read-only IVC section');
    expect(() => memory.write('hpa', BigInt(OTHER_HPA + 0x1000), new Uint8Array(1))).toThrow('is not memory of zone 2');
    expect(host.ram).toEqual(before);
  });
});
