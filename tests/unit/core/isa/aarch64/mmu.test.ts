/**
 * VMSAv8-64 stage-1 translation on the A64 CPU: 39- and 48-bit VA with 4 KiB pages and 2 MiB blocks,
 * TTBR0/TTBR1, translation, access flag and permission faults with their ESR/FAR (same EL and from
 * EL0), hierarchical APTable, WXN, AT S1E1R/W and S1E0R into PAR_EL1, TLB maintenance after a
 * descriptor changes. Page tables are written by the test; programs are assembled by GNU as.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { translateStage1 } from '../../../../../src/core/isa/aarch64/mmu';
import { assembler, machine, RAM_BASE } from './harness';

const asm = assembler('mmu');
afterAll(() => asm.save());

const TABLES = RAM_BASE + 0x80000;
const PAGE = 1n | 2n | (1n << 10n); // valid, page, AF (attr index 0, EL1 RW)
const AP_EL0_RW = 1n << 6n;
const AP_RO = 2n << 6n;
const AP_RO_ALL = 3n << 6n;
const UXN = 1n << 54n;
const PXN = 1n << 53n;

/** A page-table builder over the machine's RAM: tables allocated from TABLES upwards. */
class Tables {
  next = TABLES;
  constructor(private readonly ram: DataView) {}
  alloc(): number {
    const t = this.next;
    this.next += 0x1000;
    for (let i = 0; i < 0x1000; i += 8) this.ram.setBigUint64(t - RAM_BASE + i, 0n, true);
    return t;
  }
  entry(table: number, index: number, value: bigint): void {
    this.ram.setBigUint64(table - RAM_BASE + index * 8, value, true);
  }
  read(table: number, index: number): bigint {
    return this.ram.getBigUint64(table - RAM_BASE + index * 8, true);
  }
  /** Maps one 4 KiB page, creating tables from `root` (levels startLevel..3). */
  map(root: number, startLevel: number, va: bigint, pa: number, attrs: bigint): void {
    let table = root;
    for (let level = startLevel; level < 3; level++) {
      const index = Number((va >> BigInt(12 + 9 * (3 - level))) & 0x1ffn);
      let d = this.read(table, index);
      if ((d & 3n) !== 3n) {
        d = BigInt(this.alloc()) | 3n;
        this.entry(table, index, d);
      }
      table = Number(d & 0xffff_ffff_f000n);
    }
    this.entry(table, Number((va >> 12n) & 0x1ffn), BigInt(pa) | attrs);
  }
}

const TCR_39 = 25n | (25n << 16n) | (2n << 30n) | (5n << 32n);
const TCR_48 = 16n | (16n << 16n) | (2n << 30n) | (5n << 32n);

/**
 * The program: vectors at +0x800 log ESR and FAR through x21 and skip the faulting instruction
 * (EL1 synchronous), or stop (from EL0: record and WFI). x1 = TTBR0, x2 = TCR, x3 = TTBR1 come from the test.
 */
function program(body: string): Uint8Array {
  return asm(`
  adr x0, vectors
  msr vbar_el1, x0
  ldr x21, =${RAM_BASE + 0x9000}
  mov x0, #0xff
  msr mair_el1, x0
  msr tcr_el1, x2
  msr ttbr0_el1, x1
  msr ttbr1_el1, x3
  mrs x0, sctlr_el1
  orr x0, x0, #1
  msr sctlr_el1, x0
  isb
${body}
  wfi
  .org 0x800
vectors:
  .org 0xa00
  mrs x10, esr_el1
  mrs x11, far_el1
  stp x10, x11, [x21], #16
  mrs x12, elr_el1
  add x12, x12, #4
  msr elr_el1, x12
  eret
  .org 0xc00
  mrs x10, esr_el1
  mrs x11, far_el1
  stp x10, x11, [x21], #16
  wfi
  .org 0x1000
el0code:
  ldr x5, [x6]
  str x5, [x7]
  svc #0
`);
}

const dabt = (ec: number, fsc: number, write = false) => BigInt((((ec << 26) | (1 << 25) | (write ? 1 << 6 : 0) | fsc) >>> 0));

function setup(tcr: bigint, startLevel: number, body: string) {
  const m = machine(program(body));
  const t = new Tables(m.ram);
  const root = t.alloc();
  // Identity map of the first 768 KiB of RAM: code (EL1 only), data, the log and the tables.
  for (let off = 0; off < 0xc0000; off += 0x1000) {
    const code = off < 0x2000;
    t.map(root, startLevel, BigInt(RAM_BASE + off), RAM_BASE + off, PAGE | (code ? UXN : PXN | UXN));
  }
  t.map(root, startLevel, BigInt(RAM_BASE + 0x1000), RAM_BASE + 0x1000, PAGE | AP_RO_ALL); // el0code: EL0 executable
  m.cpu.setX(1, BigInt(root));
  m.cpu.setX(2, tcr);
  m.cpu.setX(3, BigInt(root));
  return { m, t, root };
}

/**
 * The page VA 0x40040000 (x10 = its level-3 descriptor's address, found by walking the tables the
 * builder made) holding 0x55, and a 2 MiB block VA 0x80000000 -> PA 0x40000000 (level 2, first entry of
 * the table for the third GiB; x9 = that descriptor's address).
 */
function pageAndBlock(m: ReturnType<typeof machine>, t: Tables, root: number): void {
  t.map(root, 1, 0x4004_0000n, RAM_BASE + 0x40000, PAGE | PXN | UXN);
  const l2 = Number(t.read(root, 1) & 0xffff_ffff_f000n);
  const l3 = Number(t.read(l2, 0) & 0xffff_ffff_f000n);
  m.cpu.setX(10, BigInt(l3 + 0x40 * 8));
  const blockTable = t.alloc();
  t.entry(root, 2, BigInt(blockTable) | 3n);
  t.entry(blockTable, 0, BigInt(RAM_BASE) | 1n | (1n << 10n) | PXN | UXN);
  m.cpu.setX(9, BigInt(blockTable));
  m.ram.setBigUint64(0x40000, 0x55n, true);
}

function log(m: ReturnType<typeof machine>, n: number): bigint[] {
  return Array.from({ length: n * 2 }, (_, i) => m.ram.getBigUint64(0x9000 + i * 8, true));
}

describe('A64 MMU (39-bit VA)', () => {
  it('translation, access flag and permission faults with ESR and FAR; an alias mapping; TTBR1', () => {
    const { m, t, root } = setup(TCR_39, 1, `
  ldr x4, =0x50000000
  ldr x5, [x4]
  str x5, [x4]
  ldr x5, [x4, #0x1000]
  ldr x5, [x4, #0x2000]
  mov x8, #0x10000000
  mov x9, #0x77
  str x9, [x8]
  ldr x14, =0xffffff8040014000
  ldr x15, [x14]`);
    t.map(root, 1, 0x5000_0000n, RAM_BASE + 0x20000, PAGE | AP_RO | PXN | UXN);
    t.map(root, 1, 0x5000_2000n, RAM_BASE + 0x22000, (PAGE & ~(1n << 10n)) | PXN | UXN);
    t.map(root, 1, 0x1000_0000n, RAM_BASE + 0x14000, PAGE | PXN | UXN);
    t.map(root, 1, 0xffff_ff80_4001_4000n, RAM_BASE + 0x14000, PAGE | PXN | UXN);
    expect(m.run()).toBe('wfi');
    expect(m.faults).toEqual([]);
    expect(log(m, 3)).toEqual([
      dabt(0x25, 0x0f, true), 0x5000_0000n, // store to a read-only page: permission fault, level 3
      dabt(0x25, 0x07), 0x5000_1000n, // unmapped page: translation fault, level 3
      dabt(0x25, 0x0b), 0x5000_2000n, // AF = 0: access flag fault, level 3
    ]);
    expect(m.ram.getBigUint64(0x14000, true)).toBe(0x77n);
    expect(m.x(15)).toBe(0x77n);
  });

  it('EL0 runs on an EL0-executable page, faults on EL1-only data from the lower EL, and EL1 cannot execute EL0-writable pages', () => {
    const { m, t, root } = setup(TCR_39, 1, `
  ldr x6, =0x40030000
  ldr x7, =0x40031000
  mov x0, #0x1000
  ldr x0, =0x40001000
  msr elr_el1, x0
  msr spsr_el1, xzr
  eret`);
    t.map(root, 1, 0x4003_0000n, RAM_BASE + 0x30000, PAGE | AP_EL0_RW | UXN | PXN);
    t.map(root, 1, 0x4003_1000n, RAM_BASE + 0x31000, PAGE | UXN | PXN);
    m.ram.setBigUint64(0x30000, 0x1234n, true);
    m.run();
    expect(m.x(5)).toBe(0x1234n);
    expect(log(m, 1)).toEqual([dabt(0x24, 0x0f, true), 0x4003_1000n]);
  });

  it('LDTR/STTR at EL1 use EL0 permissions', () => {
    const { m, t, root } = setup(TCR_39, 1, `
  ldr x4, =0x50000000
  ldr x6, =0x50001000
  mov x7, #0x42
  sttr x7, [x4]
  ldtr x8, [x4]
  ldtr x9, [x6]
  ldr x10, [x6]`);
    t.map(root, 1, 0x5000_0000n, RAM_BASE + 0x30000, PAGE | AP_EL0_RW | PXN | UXN);
    t.map(root, 1, 0x5000_1000n, RAM_BASE + 0x31000, PAGE | PXN | UXN);
    m.ram.setBigUint64(0x31000, 0x77n, true);
    m.run();
    expect(m.faults).toEqual([]);
    expect(m.x(8)).toBe(0x42n);
    expect(log(m, 1)).toEqual([dabt(0x25, 0x0f), 0x5000_1000n]);
  });

  it('AT S1E1R/S1E1W/S1E0R write PAR_EL1', () => {
    const { m, t, root } = setup(TCR_39, 1, `
  ldr x4, =0x50000000
  at s1e1r, x4
  mrs x5, par_el1
  at s1e1w, x4
  mrs x6, par_el1
  ldr x7, =0x50001000
  at s1e1r, x7
  mrs x8, par_el1
  at s1e0r, x4
  mrs x9, par_el1`);
    t.map(root, 1, 0x5000_0000n, RAM_BASE + 0x25000, PAGE | AP_RO | PXN | UXN);
    m.run();
    expect(m.faults).toEqual([]);
    expect(m.x(5)).toBe((0xffn << 56n) | BigInt(RAM_BASE + 0x25000));
    expect(m.x(6)).toBe(1n | (0x0fn << 1n));
    expect(m.x(8)).toBe(1n | (0x07n << 1n));
    expect(m.x(9)).toBe(1n | (0x0fn << 1n));
  });

  it('a changed descriptor is seen after TLBI; a 2 MiB block maps at level 2', () => {
    const { m, t, root } = setup(TCR_39, 1, `
  ldr x4, =0x40040000
  ldr x5, [x4]
  ldr x9, =${TABLES}
  str xzr, [x10]
  ldr x6, [x4]
  tlbi vmalle1
  dsb sy
  ldr x7, [x4]
  ldr x11, =0x80040000
  ldr x13, [x11]
  ldr x11, =0x80100000
  ldr x14, [x11]`);
    pageAndBlock(m, t, root);
    m.run();
    expect(m.faults).toEqual([]);
    expect(m.x(5)).toBe(0x55n);
    expect(m.x(6)).toBe(0x55n); // still cached
    expect(m.x(13)).toBe(0x55n); // through the block
    expect(log(m, 2)).toEqual([
      dabt(0x25, 0x07), 0x4004_0000n, // after TLBI the cleared descriptor faults
      dabt(0x25, 0x10), 0x8010_0000n, // the block's PA 0x40100000 is past RAM: synchronous external abort
    ]);
  });

  it('TLBI VAE1 of one page drops that page; of one VA of a 2 MiB block, the whole block', () => {
    const { m, t, root } = setup(TCR_39, 1, `
  ldr x4, =0x40040000
  ldr x5, [x4]
  ldr x16, =0x80000000
  ldr x17, =0x80023000
  ldr x13, [x16]
  ldr x14, [x17]
  str xzr, [x10]
  str xzr, [x9]
  dsb sy
  lsr x15, x16, #12
  tlbi vale1is, x15
  dsb sy
  isb
  ldr x7, [x17]
  lsr x15, x4, #12
  tlbi vae1, x15
  dsb sy
  isb
  ldr x6, [x4]`);
    pageAndBlock(m, t, root);
    m.ram.setBigUint64(0x23000, 0x66n, true);
    m.run();
    expect(m.faults).toEqual([]);
    expect([m.x(5), m.x(13), m.x(14)]).toEqual([0x55n, m.ram.getBigUint64(0, true), 0x66n]);
    expect(log(m, 2)).toEqual([
      dabt(0x25, 0x06), 0x8002_3000n, // another page of the block named by TLBI VALE1IS: level 2
      dabt(0x25, 0x07), 0x4004_0000n, // the page named by TLBI VAE1: level-3 translation fault
    ]);
  });

  it('TLBI VAE1 of a page outside the cached blocks drops that page only: the block stays cached', () => {
    // Both descriptors are cleared, the TLBI names the page: the block's slice still translates (a TLB
    // may hold it until a TLBI names the block), the page faults. A full flush here would fault both.
    const { m, t, root } = setup(TCR_39, 1, `
  ldr x4, =0x40040000
  ldr x5, [x4]
  ldr x16, =0x80000000
  ldr x13, [x16]
  str xzr, [x10]
  str xzr, [x9]
  dsb sy
  lsr x15, x4, #12
  tlbi vae1, x15
  dsb sy
  isb
  ldr x14, [x16]
  ldr x6, [x4]`);
    pageAndBlock(m, t, root);
    m.run();
    expect(m.faults).toEqual([]);
    expect([m.x(5), m.x(14)]).toEqual([0x55n, m.x(13)]);
    expect(log(m, 1)).toEqual([dabt(0x25, 0x07), 0x4004_0000n]);
  });

  it('DC ZVA zeroes the aligned 64-byte block around the address, and faults as a store on a read-only page', () => {
    const { m, t, root } = setup(TCR_39, 1, `
  ldr x4, =${RAM_BASE + 0x30000 + 0x4a}
  dc zva, x4
  ldr x5, =0x50000010
  dc zva, x5`);
    t.map(root, 1, 0x5000_0000n, RAM_BASE + 0x31000, PAGE | AP_RO | PXN | UXN);
    for (let i = 0; i < 0x100; i += 8) {
      m.ram.setBigUint64(0x30000 + i, 0x1111_1111_1111_1111n * BigInt(1 + (i >> 6)), true);
      m.ram.setBigUint64(0x31000 + i, 0x77n, true);
    }
    m.run();
    expect(m.faults).toEqual([]);
    const words = (base: number) => Array.from({ length: 32 }, (_, i) => m.ram.getBigUint64(base + i * 8, true));
    expect(words(0x30000)).toEqual([
      ...Array(8).fill(0x1111_1111_1111_1111n), ...Array(8).fill(0n), // the block of 0x4a: 0x40..0x7f
      ...Array(8).fill(0x3333_3333_3333_3333n), ...Array(8).fill(0x4444_4444_4444_4444n),
    ]);
    expect(words(0x31000)).toEqual(Array(32).fill(0x77n));
    expect(log(m, 1)[0]).toBe(dabt(0x25, 0x0f, true));
  });
});

describe('A64 MMU: exclusives and atomics through the TLBs', () => {
  it('on a read-only page already in the read TLB, LDXR reads, STXR and LDADD fault as stores; on a writable one they count', () => {
    const { m, t, root } = setup(TCR_39, 1, `
  .arch_extension lse
  ldr x4, =0x50000000
  ldr x5, [x4]
  ldxr x6, [x4]
  stxr w7, x5, [x4]
  mov x8, #1
  ldadd x8, x9, [x4]
  ldr x12, =0x50001000
  str x5, [x12]
  ldadd x8, x13, [x12]
  ldadd x8, x14, [x12]
  ldxr x15, [x12]
  add x15, x15, #5
  stxr w16, x15, [x12]`);
    t.map(root, 1, 0x5000_0000n, RAM_BASE + 0x20000, PAGE | AP_RO | PXN | UXN);
    t.map(root, 1, 0x5000_1000n, RAM_BASE + 0x21000, PAGE | PXN | UXN);
    m.ram.setBigUint64(0x20000, 40n, true);
    expect(m.run()).toBe('wfi');
    expect(m.faults).toEqual([]);
    // Both writes to the read-only page are permission faults at level 3 (the load had put it in the read TLB).
    expect(log(m, 2)).toEqual([dabt(0x25, 0x0f, true), 0x5000_0000n, dabt(0x25, 0x0f, true), 0x5000_0000n]);
    expect(m.ram.getBigUint64(0x20000, true)).toBe(40n);
    expect(m.x(6)).toBe(40n);
    // The writable page: 40 stored, two LDADDs through the write TLB, then an exclusive pair that succeeds.
    expect([m.x(13), m.x(14), m.x(16)]).toEqual([40n, 41n, 0n]);
    expect(m.ram.getBigUint64(0x21000, true)).toBe(47n);
  });
});

describe('A64 MMU: address ranges', () => {
  it('a non-canonical VA faults at level 0; with TCR.TBI0 the top byte is ignored for data', () => {
    const { m } = setup(TCR_39 | (1n << 37n), 1, `
  ldr x4, =0xab00000040010000
  mov x5, #0x31
  str x5, [x4]
  ldr x6, =0x0000008040010000
  ldr x7, [x6]`);
    m.run();
    expect(m.ram.getBigUint64(0x10000, true)).toBe(0x31n);
    expect(log(m, 1)).toEqual([dabt(0x25, 0x04), 0x80_4001_0000n]);
  });

  it('T0SZ = 39 (25-bit VA) starts the walk at level 2; bits above the range fault at level 0', () => {
    const m = machine(asm('  wfi'));
    const t = new Tables(m.ram);
    const root = t.alloc();
    t.map(root, 2, 0x0123_4000n, RAM_BASE + 0x5000, PAGE);
    m.run();
    m.cpu.sys.ttbr0 = BigInt(root);
    m.cpu.sys.sctlr |= 1n;
    m.cpu.sys.tcr = 39n;
    m.cpu.decodeTranslationControl();
    expect(translateStage1(m.cpu, 0x0123_4567, 0, 0, 1)).toBe(RAM_BASE + 0x5567);
    expect(() => translateStage1(m.cpu, 0x0223_4567, 0, 0, 1)).toThrow();
    expect(m.cpu.excIss).toBe(0x04);
  });
});

describe('A64 MMU (48-bit VA)', () => {
  it('walks four levels from level 0 and faults at level 0 for an empty top entry', () => {
    const { m } = setup(TCR_48, 0, `
  ldr x4, =0x40010000
  mov x5, #0x99
  str x5, [x4]
  ldr x6, [x4]
  ldr x7, =0x0000800000000000
  ldr x8, [x7]`);
    m.run();
    expect(m.x(6)).toBe(0x99n);
    expect(log(m, 1)).toEqual([dabt(0x25, 0x04), 0x8000_0000_0000n]);
  });

  it('pages 4 GiB apart (the same TLB slot and low word) are told apart by the high word, loading and storing', () => {
    // The TLBs compare tag and high word together (core/cpu/soft-tlb.ts; one i64 in translated code).
    const { m, t, root } = setup(TCR_48, 0, `
  ldr x4, =${RAM_BASE + 0x40000}
  ldr x5, =${RAM_BASE + 0x40000 + 2 ** 32}
  mov x8, #3
1:
  ldr x6, [x4]
  ldr x7, [x5]
  str x7, [x4, #8]
  str x6, [x5, #8]
  subs x8, x8, #1
  b.ne 1b`);
    t.map(root, 0, BigInt(RAM_BASE + 0x40000) + (1n << 32n), RAM_BASE + 0x41000, PAGE | PXN | UXN);
    m.ram.setBigUint64(0x40000, 0x55n, true);
    m.ram.setBigUint64(0x41000, 0x66n, true);
    m.run();
    expect(log(m, 1)).toEqual([0n, 0n]);
    expect([m.x(6), m.x(7)]).toEqual([0x55n, 0x66n]);
    expect([m.ram.getBigUint64(0x40008, true), m.ram.getBigUint64(0x41008, true)]).toEqual([0x66n, 0x55n]);
  });
});
