/**
 * LA64 privileged architecture (LoongArch Reference Manual Vol. 1, chapters 5-7): exception entry and
 * ERTN, PLV checks, interrupts with ECFG.VS vector spacing, the constant timer through IDLE, the direct
 * mapped windows, TLB instructions, and a Linux-style TLB refill handler with LDDIR/LDPTE.
 */
import { describe, expect, it } from 'vitest';
import { CpuWord } from '../../../../../src/core/cpu/cpu-core';
import { Csr } from '../../../../../src/core/isa/loongarch64/csr';
import { machine, R } from './harness';

describe('LA64 privileged', () => {
  it('SYSCALL enters EENTRY at PLV0 with ERA, ESTAT.Ecode and PRMD; ERTN returns to PLV3', () => {
    const m = machine();
    const labels = m.load(`
      la.pcrel $t0, handler
      csrwr $t0, 0xc          # EENTRY
      li.w $t0, 0x7           # PRMD: PPLV 3, PIE
      csrwr $t0, 0x1
      la.pcrel $t0, user
      csrwr $t0, 0x6          # ERA
      ertn
    user:
      li.w $a0, 1
      syscall 0x55
    back:
      li.w $a1, 2
      csrrd $a2, 0x0          # PLV3: privileged, raises IPE
      idle 0
    .align 12
    handler:
      csrrd $s0, 0x5          # ESTAT
      csrrd $s1, 0x6          # ERA
      csrrd $s2, 0x0          # CRMD
      csrrd $s3, 0x1          # PRMD
      addi.d $s4, $s4, 1
      li.w $t1, 2
      beq $s4, $t1, second
      addi.d $t0, $s1, 4
      csrwr $t0, 0x6
      ertn
    second:
      idle 0
    `);
    m.cpu.setPc(0x1000n);
    expect(m.cpu.run(1000)).toBe('wfi');
    expect(m.faults).toEqual([]);
    // Second entry: the IPE of csrrd at PLV3 (first was the syscall, checked through s-registers being overwritten).
    expect(m.r(R.a0)).toBe(1n);
    expect(m.r(R.a1)).toBe(2n);
    expect((m.r(23) >> 16n) & 0x3fn).toBe(0xen); // s0 = ESTAT: Ecode IPE
    expect(m.r(24)).toBe(labels.get('back')! + 8n); // s1 = ERA: the csrrd (li.w is two words)
    expect(m.r(25) & 7n).toBe(0n); // s2 = CRMD: PLV0, IE off
    expect(m.r(26) & 7n).toBe(7n); // s3 = PRMD: PPLV 3 and PIE (the first ERTN set CRMD.IE from PRMD.PIE)
  });

  it('the constant timer wakes IDLE and its interrupt is taken at EENTRY + (64 + 11) << (VS + 2)', () => {
    const m = machine();
    const labels = m.load(`
      li.d $t0, 0x10000
      csrwr $t0, 0xc          # EENTRY = 0x10000
      li.w $t0, 0x10800       # ECFG: VS = 1, LIE = TI
      csrwr $t0, 0x4
      li.w $t0, 1001          # TCFG: InitVal 1000, En
      csrwr $t0, 0x41
      li.w $t0, 4
      csrxchg $t0, $t0, 0x0   # CRMD.IE = 1
      idle 0
    after:
      li.w $a1, 7
      idle 0
    `);
    // The vector: 0x10000 + 75 * 8.
    m.load(`
      csrrd $a0, 0x5
      li.w $t1, 1
      csrwr $t1, 0x44         # TICLR
      csrrd $a2, 0x5
      ertn
    `, 0x10000 + 75 * 8);
    m.cpu.setPc(0x1000n);
    expect(m.cpu.run(1000)).toBe('wfi');
    expect(m.cpu.nextDeadline()).toBe(1000);
    expect(m.cpu.hasWork()).toBe(false);
    m.time = 1000;
    expect(m.cpu.hasWork()).toBe(true);
    expect(m.cpu.run(1000)).toBe('wfi');
    expect(m.faults).toEqual([]);
    expect(m.r(R.a0) & 0x1fffn).toBe(1n << 11n);
    expect(m.r(R.a2) & 0x1fffn).toBe(0n);
    expect(m.r(R.a1)).toBe(7n);
    // IDLE's wake-up continues after it (li.w is two words, then the idle).
    expect(m.cpu.getPc()).toBe(labels.get('after')! + 12n);
  });

  it('a hardware line interrupts only when CRMD.IE and its ECFG.LIE bit are set', () => {
    const m = machine();
    m.load(`
      li.d $t0, 0x10000
      csrwr $t0, 0xc
      li.w $t0, 0x4           # ECFG.LIE = HWI0
      csrwr $t0, 0x4
    spin:
      addi.d $a0, $a0, 1
      b spin
    `);
    m.load('csrrd $a1, 0x5\nidle 0\n', 0x10000);
    m.cpu.setPc(0x1000n);
    m.raise(1 << 2, true);
    expect(m.cpu.run(50)).toBe('budget');
    expect(m.r(R.a0)).toBeGreaterThan(10n);
    m.cpu.csrWrite(Csr.CRMD, 4n, 4n);
    expect(m.cpu.run(50)).toBe('wfi');
    expect(m.r(R.a1) & 0x1fffn).toBe(4n);
    expect(Atomics.load(m.cpu.header, CpuWord.pending)).toBe(4);
  });

  it('DMW maps a segment in PG mode; TLBWR/TLBSRCH/TLBRD round-trip an entry; a mapped load uses it', () => {
    const m = machine();
    m.load(`
      li.d $t0, 0x9000000000000001   # DMW0: VSEG 9, PLV0
      csrwr $t0, 0x180
      li.w $t0, 0x10                 # CRMD: PG
      csrwr $t0, 0x0
      li.d $t0, 0x40000000           # TLBEHI: VA 0x40000000 (pair 0x40000000/0x40004000 at 16K pages)
      csrwr $t0, 0x11
      li.d $t0, 0x20013              # TLBELO0: PPN 0x20, MAT 1, D, V
      csrwr $t0, 0x12
      li.d $t0, 0x30013
      csrwr $t0, 0x13
      li.d $t0, 0x0e000800           # TLBIDX: PS 14, index 0x800 (the first MTLB entry)
      csrwr $t0, 0x10
      tlbwr
      li.w $t0, 0
      csrwr $t0, 0x10
      tlbsrch
      csrrd $a0, 0x10
      tlbrd
      csrrd $a1, 0x13
      li.d $t1, 0x40004008
      ld.d $a2, $t1, 0
      idle 0
    `, 0x9000000000001000n, 0x1000);
    new DataView(m.bus.ram.buffer).setBigUint64(0x30008, 0xfeedn, true);
    m.cpu.setPc(0x9000000000001000n);
    expect(m.cpu.run(1000), JSON.stringify(m.faults, (_k, v) => (typeof v === 'bigint' ? v.toString(16) : v))).toBe('wfi');
    expect(m.faults).toEqual([]);
    expect(m.r(R.a0) & 0x80000fffn).toBe(0x800n);
    expect(m.r(R.a1)).toBe(0x30013n);
    expect(m.r(R.a2)).toBe(0xfeedn);
  });

  it('a remapped page is seen at once: loads, stores and fetches after TLBWR, INVTLB and a DMW change use the new mapping', () => {
    // The CPU caches translations per page; each of these must empty that cache.
    const m = machine();
    m.load(`
      li.d $t0, 0x9000000000000001   # DMW0: VSEG 9, PLV0 (the code)
      csrwr $t0, 0x180
      li.w $t0, 0x10                 # CRMD: PG
      csrwr $t0, 0x0
      li.d $t0, 0x0e000800           # TLBIDX: PS 14, the first MTLB entry
      csrwr $t0, 0x10
      li.d $t0, 0x40000000           # TLBEHI: the pair at VA 0x40000000
      csrwr $t0, 0x11
      li.d $t0, 0x20013              # TLBELO0: PPN 0x20 (PA 0x20000), D, V
      csrwr $t0, 0x12
      csrwr $zero, 0x13
      tlbwr
      li.d $t1, 0x40000008
      ld.d $a0, $t1, 0               # from PA 0x20008
      st.d $a0, $t1, 8               # to PA 0x20010
      li.d $t0, 0x0e000800
      csrwr $t0, 0x10
      li.d $t0, 0x30013              # the same VA now at PA 0x30000
      csrwr $t0, 0x12
      tlbwr
      ld.d $a1, $t1, 0               # from PA 0x30008
      li.d $t0, 0x1                  # DMW1: VSEG 0, PLV0 (VA = PA below 2^48)
      csrwr $t0, 0x181
      li.d $t2, 0x20008
      ld.d $a2, $t2, 0               # PA 0x20008 through the new window
      csrwr $zero, 0x181             # window gone: the same load misses the TLB
      li.d $t0, 0x10000
      csrwr $t0, 0x88                # TLBRENTRY: refill handler at PA 0x10000
      ld.d $a3, $t2, 0
      idle 0
    `, 0x9000000000001000n, 0x1000);
    m.load('csrrd $a4, 0x89\nidle 0\n', 0x10000);
    const view = new DataView(m.bus.ram.buffer);
    view.setBigUint64(0x20008, 0x1111n, true);
    view.setBigUint64(0x30008, 0x2222n, true);
    m.cpu.setPc(0x9000000000001000n);
    expect(m.cpu.run(1000), JSON.stringify(m.faults, (_k, v) => (typeof v === 'bigint' ? v.toString(16) : v))).toBe('wfi');
    expect(m.r(R.a0)).toBe(0x1111n);
    expect(view.getBigUint64(0x20010, true)).toBe(0x1111n);
    expect(m.r(R.a1)).toBe(0x2222n);
    expect(m.r(R.a2)).toBe(0x1111n);
    // The load through the removed window took the refill exception with its address.
    expect(m.r(R.a3)).toBe(0n);
    expect(m.r(8)).toBe(0x20008n);
  });

  it('a translation made at PLV0 is not reused at PLV3, and a TLB change drops it while the DMW pages go on working', () => {
    // The translation cache keeps one bank per mode (direct address, mapped PLV0, mapped user PLV) and
    // switching banks empties nothing (decision 0030): the PLV check must still be made per bank.
    const m = machine();
    m.load(`
      li.d $t0, 0x9000000000000009   # DMW0: VSEG 9, PLV0 and PLV3 (the code)
      csrwr $t0, 0x180
      li.d $t0, 0x9000000000010000
      csrwr $t0, 0xc                 # EENTRY
      li.d $t0, 0x0c000800           # TLBIDX: PS 12, the first MTLB entry
      csrwr $t0, 0x10
      li.d $t0, 0x40000000
      csrwr $t0, 0x11                # TLBEHI
      li.d $t0, 0x20013              # TLBELO0: PA 0x20000, D, V, PLV0 only
      csrwr $t0, 0x12
      csrwr $zero, 0x13
      tlbwr
      li.w $t0, 0x10                 # CRMD: PG, PLV0
      csrwr $t0, 0x0
      li.d $t1, 0x40000008
      ld.d $a0, $t1, 0               # PLV0: allowed
      li.w $t0, 0x3                  # PRMD: PPLV 3
      csrwr $t0, 0x1
      la.pcrel $t0, user
      csrwr $t0, 0x6
      ertn
    user:
      ld.d $a1, $t1, 0               # PLV3 on the same page: PPI
      idle 0
    `, 0x9000000000001000n, 0x1000);
    m.load(`
      csrrd $s0, 0x5                 # ESTAT
      ld.d $a2, $t1, 0               # back at PLV0: allowed again
      li.d $t0, 0x0c000800
      csrwr $t0, 0x10
      li.d $t0, 0x30013              # the same VA now at PA 0x30000
      csrwr $t0, 0x12
      tlbwr
      ld.d $a3, $t1, 0
      li.d $t2, 0x9000000000020008
      ld.d $a4, $t2, 0               # through DMW0
      idle 0
    `, 0x10000);
    const view = new DataView(m.bus.ram.buffer);
    view.setBigUint64(0x20008, 0x1111n, true);
    view.setBigUint64(0x30008, 0x2222n, true);
    m.cpu.setPc(0x9000000000001000n);
    expect(m.cpu.run(1000)).toBe('wfi');
    expect(m.faults).toEqual([]);
    expect(m.r(R.a0)).toBe(0x1111n);
    expect(m.r(R.a1)).toBe(0n);
    expect((m.r(23) >> 16n) & 0x3fn).toBe(0x7n); // s0 = ESTAT: Ecode PPI
    expect(m.r(R.a2)).toBe(0x1111n);
    expect(m.r(R.a3)).toBe(0x2222n);
    expect(m.r(R.a4)).toBe(0x1111n);
  });

  it('a TLB miss enters the refill handler in DA mode, which walks the page table with LDDIR/LDPTE', () => {
    const m = machine();
    const ram = new DataView(m.bus.ram.buffer);
    // 3-level, 4K pages: Dir3 (PGD) at bit 30, Dir1 (PMD) at bit 21, PT at bit 12, each 9 bits wide.
    const va = 0x12345008n;
    ram.setBigUint64(0x10000 + 0 * 8, 0x11000n, true);
    ram.setBigUint64(0x11000 + Number((va >> 21n) & 511n) * 8, 0x12000n, true);
    ram.setBigUint64(0x12000 + Number((va >> 12n) & 511n) * 8, 0x20000n | 0x13n, true);
    ram.setBigUint64(0x20008, 0xabcdn, true);
    m.load(`
      li.d $t0, 0x9000000000000001
      csrwr $t0, 0x180
      li.d $t0, 0x3000
      csrwr $t0, 0x88                # TLBRENTRY
      li.d $t0, 0x10000
      csrwr $t0, 0x19                # PGDL
      li.w $t0, 12 | (9 << 5) | (21 << 10) | (9 << 15)
      csrwr $t0, 0x1c                # PWCL
      li.w $t0, 30 | (9 << 6)
      csrwr $t0, 0x1d                # PWCH
      li.w $t0, 12
      csrwr $t0, 0x1e                # STLBPS
      li.w $t0, 0x10
      csrwr $t0, 0x0
      li.d $t1, 0x12345008
      ld.d $a0, $t1, 0
      ld.d $a1, $t1, 0
      idle 0
    `.replace('12 | (9 << 5) | (21 << 10) | (9 << 15)', String(12 | (9 << 5) | (21 << 10) | (9 << 15))).replace('30 | (9 << 6)', String(30 | (9 << 6))), 0x9000000000001000n, 0x1000);
    m.load(`
      csrwr $t0, 0x8b                # TLBRSAVE
      csrrd $t0, 0x1b                # PGD
      lddir $t0, $t0, 3
      lddir $t0, $t0, 1
      ldpte $t0, 0
      ldpte $t0, 1
      tlbfill
      addi.d $s0, $s0, 1
      csrrd $t0, 0x8b
      ertn
    `, 0x3000);
    m.cpu.setPc(0x9000000000001000n);
    expect(m.cpu.run(1000)).toBe('wfi');
    expect(m.faults).toEqual([]);
    expect(m.r(R.a0)).toBe(0xabcdn);
    expect(m.r(R.a1)).toBe(0xabcdn);
    expect(m.r(23)).toBe(1n); // one refill, the second load hit the TLB
    expect(m.cpu.csr.get(Csr.TLBRBADV)).toBe(va);
  });

  it('a huge page entry loaded by the last LDDIR (Linux\'s huge PMD) fills a TLB entry of half its size', () => {
    // The refill handler of the test above; the PMD entry is a 2 MiB huge page (bit 6) at PA 0, with
    // nothing in its level bits (14..13), as Debian's kernel maps its vmemmap. LDPTE makes the two
    // 1 MiB halves of a level-1 page (PS 20); before, it stopped the refill handler with INE.
    const m = machine();
    const ram = new DataView(m.bus.ram.buffer);
    const va = 0x12220008n;
    ram.setBigUint64(0x10000 + 0 * 8, 0x11000n, true);
    ram.setBigUint64(0x11000 + Number((va >> 21n) & 511n) * 8, 0x40n | 0x13n, true);
    ram.setBigUint64(0x20008, 0x5151n, true);
    m.load(`
      li.d $t0, 0x9000000000000001
      csrwr $t0, 0x180
      li.d $t0, 0x3000
      csrwr $t0, 0x88
      li.d $t0, 0x10000
      csrwr $t0, 0x19
      li.w $t0, ${12 | (9 << 5) | (21 << 10) | (9 << 15)}
      csrwr $t0, 0x1c
      li.w $t0, ${30 | (9 << 6)}
      csrwr $t0, 0x1d
      li.w $t0, 12
      csrwr $t0, 0x1e
      li.w $t0, 0x10
      csrwr $t0, 0x0
      li.d $t1, ${va}
      ld.d $a0, $t1, 0
      idle 0
    `, 0x9000000000001000n, 0x1000);
    m.load(`
      csrwr $t0, 0x8b
      csrrd $t0, 0x1b
      lddir $t0, $t0, 3
      lddir $t0, $t0, 1
      ldpte $t0, 0
      ldpte $t0, 1
      tlbfill
      csrrd $t0, 0x8b
      ertn
    `, 0x3000);
    m.cpu.setPc(0x9000000000001000n);
    expect(m.cpu.run(1000), JSON.stringify(m.faults, (_k, v) => (typeof v === 'bigint' ? v.toString(16) : v))).toBe('wfi');
    expect(m.r(R.a0)).toBe(0x5151n);
    expect(m.cpu.csr.get(Csr.TLBREHI)! & 0x3fn).toBe(20n);
    // The odd half starts 1 MiB above the even one, global bit from the entry's (clear here).
    expect(m.cpu.csr.get(Csr.TLBRELO1)! - m.cpu.csr.get(Csr.TLBRELO0)!).toBe(0x10_0000n);
  });

  it('an unimplemented CSR stops the CPU with a report naming it', () => {
    const m = machine();
    expect(m.run('csrrd $a0, 0x7ff\n')).toBe('fault');
    expect(m.faults[0]).toMatchObject({ kind: 'unimplemented-register', pc: 0x1000n, message: 'unimplemented CSR 0x7ff' });
  });

  it('CPUCFG says what is implemented: LA64, paging, IOCSR, PALEN/VALEN 48, FP single and double v1, LSX without LASX, the constant timer at 100 MHz', () => {
    const m = machine();
    m.run('li.w $t0, 1\ncpucfg $a0, $t0\nli.w $t0, 2\ncpucfg $a1, $t0\nli.w $t0, 4\ncpucfg $a2, $t0\nidle 0\n');
    const w1 = m.r(R.a0);
    expect(w1 & 3n).toBe(2n);
    expect((w1 >> 4n) & 0xffn).toBe(47n);
    expect(m.r(R.a1) & 0x3fn).toBe(0xfn);
    expect((m.r(R.a1) >> 6n) & 3n).toBe(1n); // LSX (bit 6), no LASX (bit 7)
    expect(m.r(R.a2)).toBe(100_000_000n);
  });

  it('CPUCFG16-20 describe the LA464 caches (Linux sizes cacheinfo from them): L1I/L1D 64 KiB, L2 256 KiB, L3 16 MiB', () => {
    const m = machine();
    m.run([0x10, 0x11, 0x12, 0x13, 0x14].map((n, i) => `li.w $t0, ${n}\ncpucfg $a${i}, $t0`).join('\n') + '\nidle 0\n');
    const present = m.r(R.a0);
    // L1 I and D, L2 and L3 present (bits 0, 2, 3, 10); L2 and L3 unified (4, 11).
    for (const bit of [0n, 2n, 3n, 4n, 10n, 11n]) expect((present >> bit) & 1n).toBe(1n);
    const size = (w: bigint): bigint => ((w & 0xffffn) + 1n) * (1n << ((w >> 16n) & 0xffn)) * (1n << ((w >> 24n) & 0x7fn));
    expect([R.a1, R.a2, R.a3, R.a4].map((r) => size(m.r(r)))).toEqual([64n << 10n, 64n << 10n, 256n << 10n, 16n << 20n]);
  });

  it('page faults: PIL/PIS on an invalid page, PME on a clean one, PNR, PNX, PPI, with BADV and TLBEHI.VPPN', () => {
    const m = machine();
    // MTLB entries 0x800.. map 4 KiB page pairs at VA 0x40000000 + 0x2000 * n; the even page of each pair
    // carries the flags under test, data at PA 0x20000.
    const entries: [number, bigint][] = [
      [0, 0x20000n | 0x0n], // invalid
      [1, 0x20000n | 0x11n], // V, MAT 1, not dirty
      [2, 0x20000n | 0x13n | (1n << 61n)], // NR
      [3, 0x20000n | 0x13n | (1n << 62n)], // NX
      [4, 0x20000n | 0x13n | 0xcn | (1n << 63n)], // PLV3 only (RPLV)
    ];
    const setup = entries.map(([n, lo]) => `
      li.d $t0, ${0x40000000 + 0x2000 * n}
      csrwr $t0, 0x11
      li.d $t0, ${lo}
      csrwr $t0, 0x12
      csrwr $zero, 0x13
      li.d $t0, ${0x0c000800 + n}
      csrwr $t0, 0x10
      tlbwr`).join('\n');
    m.load(`
      li.d $t0, 0x9000000000000001
      csrwr $t0, 0x180
      li.d $t0, 0x9000000000010000
      csrwr $t0, 0xc
      ${setup}
      li.w $t0, 0x10
      csrwr $t0, 0x0
      li.d $s0, 0x9000000000008000   # results: ecode, BADV, TLBEHI per fault
      li.d $t1, 0x40000010
      ld.d $a0, $t1, 0               # PIL
      st.d $a0, $t1, 0               # PIS
      li.d $t1, 0x40002010
      ld.d $a0, $t1, 0               # allowed
      st.d $a0, $t1, 0               # PME
      li.d $t1, 0x40004010
      ld.d $a0, $t1, 0               # PNR
      li.d $t1, 0x40008010
      ld.d $a0, $t1, 0               # PPI
      li.d $t1, 0x40006000
      la.pcrel $s1, done
      jr $t1                         # PNX
    done:
      idle 0
    `, 0x9000000000001000n, 0x1000);
    m.load(`
      csrrd $t0, 0x5
      bstrpick.d $t0, $t0, 21, 16
      st.d $t0, $s0, 0
      csrrd $t0, 0x7
      st.d $t0, $s0, 8
      csrrd $t0, 0x11
      st.d $t0, $s0, 16
      addi.d $s0, $s0, 24
      li.w $t2, 6
      beq $t0, $t2, fetch
      csrrd $t0, 0x5
      bstrpick.d $t0, $t0, 21, 16
      beq $t0, $t2, fetch
      csrrd $t0, 0x6
      addi.d $t0, $t0, 4
      csrwr $t0, 0x6
      ertn
    fetch:
      csrwr $s1, 0x6
      ertn
    `, 0x9000000000010000n, 0x10000);
    m.cpu.setPc(0x9000000000001000n);
    expect(m.cpu.run(2000)).toBe('wfi');
    expect(m.faults).toEqual([]);
    const view = new DataView(m.bus.ram.buffer);
    const rows = Array.from({ length: 6 }, (_, i) => [0, 8, 16].map((o) => view.getBigUint64(0x8000 + 24 * i + o, true)));
    expect(rows).toEqual([
      [0x1n, 0x40000010n, 0x40000000n],
      [0x2n, 0x40000010n, 0x40000000n],
      [0x4n, 0x40002010n, 0x40002000n],
      [0x5n, 0x40004010n, 0x40004000n],
      [0x7n, 0x40008010n, 0x40008000n],
      [0x6n, 0x40006000n, 0x40006000n],
    ]);
  });
});
