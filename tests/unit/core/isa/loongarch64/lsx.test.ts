/**
 * LSX semantics (manual Vol. 2; QEMU's LoongArch target where the manual is silent): every family lsx.ts
 * implements, on values worked out by hand, assembled with the project's assembler and run on the bare
 * LA64 machine; SXD while EUEN.SXE is clear (what Linux's lazy LSX switch relies on), the register overlay
 * with the FPRs, CPUCFG2.LSX, and a table check that every LSX row of the decode table has semantics.
 */
import { describe, expect, it } from 'vitest';
import { LSX_MNEMONICS } from '../../../../../src/core/isa/loongarch64/lsx';
import { OPCODES } from '../../../../../src/core/isa/loongarch64/opcodes';
import { machine, R, type Machine } from './harness';

const M128 = (1n << 128n) - 1n;
/** A 128-bit value from lanes of `bits` bits, lane 0 first. */
function lanes(bits: number, values: readonly (number | bigint)[]): bigint {
  let v = 0n;
  values.forEach((x, i) => { v |= BigInt.asUintN(bits, BigInt(x)) << BigInt(i * bits); });
  return v;
}
/** The lanes of a 128-bit value, signed. */
function split(bits: number, v: bigint, signed = false): bigint[] {
  return Array.from({ length: 128 / bits }, (_, i) => {
    const x = (v >> BigInt(i * bits)) & ((1n << BigInt(bits)) - 1n);
    return signed ? BigInt.asIntN(bits, x) : x;
  });
}
const bytes = (...b: number[]): bigint => lanes(8, b);
/** VLDI's 13-bit immediate as the signed number the assembly syntax writes. */
const i13 = (imm: number): number => (imm & 0x1000 ? imm - 0x2000 : imm);

function getV(m: Machine, n: number): bigint {
  return (BigInt.asUintN(64, m.cpu.vhi[n]!) << 64n) | BigInt.asUintN(64, m.cpu.fpr[n]!);
}
function setV(m: Machine, n: number, v: bigint): void {
  m.cpu.fpr[n] = BigInt.asIntN(64, v & ((1n << 64n) - 1n));
  m.cpu.vhi[n] = BigInt.asIntN(64, (v & M128) >> 64n);
}

/** Runs `body` with FP and LSX enabled after loading `vregs`; returns the machine. */
function run(body: string, vregs: Record<number, bigint> = {}): Machine {
  const m = machine();
  for (const [n, v] of Object.entries(vregs)) setV(m, Number(n), v);
  const exit = m.run(`
    li.w $t8, 3
    csrwr $t8, 0x2            # EUEN.FPE | EUEN.SXE
    ${body}
    idle 0
  `);
  expect(m.faults, JSON.stringify(m.faults, (_k, v) => (typeof v === 'bigint' ? v.toString(16) : v))).toEqual([]);
  expect(exit).toBe('wfi');
  return m;
}

const A = lanes(8, Array.from({ length: 16 }, (_, i) => i * 17 - 100)); // -100, -83, ..., 155 as bytes
const B = lanes(8, Array.from({ length: 16 }, (_, i) => 120 - i * 13));

describe('LA64 LSX', () => {
  it('gives every LSX row of the decode table semantics and says LSX in CPUCFG2 (bit 6), not LASX (bit 7)', () => {
    const rows = OPCODES.filter((r) => r.mnemonic.startsWith('v')).map((r) => r.mnemonic);
    expect(rows.length).toBeGreaterThan(300);
    expect([...LSX_MNEMONICS].sort()).toEqual([...rows].sort());
    const m = run('li.w $a0, 2\ncpucfg $a1, $a0');
    expect((m.r(R.a1) >> 6n) & 3n).toBe(1n);
  });

  it('raises SXD (ecode 0x10) while EUEN.SXE is clear, even with the FPU on, and writes nothing', () => {
    const m = machine();
    setV(m, 1, 0x1234n);
    const labels = m.load(`
      li.d $t0, 0x10000
      csrwr $t0, 0xc           # EENTRY
      li.w $t0, 1
      csrwr $t0, 0x2           # EUEN.FPE only
      li.w $a1, 0x200
    at: vld $vr1, $a1, 0
    `);
    m.load('csrrd $a0, 0x5\ncsrrd $a2, 0x6\nidle 0\n', 0x10000);
    m.cpu.setPc(0x1000n);
    expect(m.cpu.run(100)).toBe('wfi');
    expect((m.r(R.a0) >> 16n) & 0x3fn).toBe(0x10n);
    expect(m.r(R.a2)).toBe(labels.get('at')); // ERA: the vld
    expect(getV(m, 1)).toBe(0x1234n);
    expect(m.faults).toEqual([]);
  });

  it('lets a kernel switch LSX on lazily: PLV3 takes SXD, the handler sets EUEN.SXE, restores the register and ERTN re-runs the instruction', () => {
    const m = machine();
    const labels = m.load(`
      la.pcrel $t0, handler
      csrwr $t0, 0xc          # EENTRY
      li.w $t0, 0x3           # PRMD: PPLV 3
      csrwr $t0, 0x1
      li.w $t0, 1
      csrwr $t0, 0x2          # EUEN: FPE only, as for a task that has used the FPU but not LSX
      la.pcrel $t0, user
      csrwr $t0, 0x6          # ERA
      ertn
    user:
      vadd.d $vr3, $vr1, $vr2 # SXD, then again after the handler
      vpickve2gr.d $a0, $vr3, 1
      idle 0                  # PLV3: IPE ends the test in the handler
    .align 12
    handler:
      csrrd $s0, 0x5          # ESTAT
      addi.d $s4, $s4, 1
      li.w $t1, 2
      beq $s4, $t1, second
      csrrd $s1, 0x5          # the first entry's ESTAT
      li.w $t0, 2
      li.w $t1, 2
      csrxchg $t0, $t1, 0x2   # EUEN.SXE (Linux's enable_lsx)
      la.pcrel $t0, saved
      vld $vr1, $t0, 0        # the task's registers back (Linux's _restore_lsx)
      vld $vr2, $t0, 16
      ertn
    second:
      idle 0
    .align 4
    saved:
      .dword 1, 10, 2, 20
    `);
    m.cpu.setPc(0x1000n);
    expect(m.cpu.run(1000)).toBe('wfi');
    expect(m.faults).toEqual([]);
    expect(m.r(R.a0)).toBe(30n); // the high lanes: 10 + 20, computed after the handler's ertn
    expect(getV(m, 3)).toBe(lanes(64, [3, 30]));
    expect((m.r(24) >> 16n) & 0x3fn).toBe(0x10n); // the first entry: SXD
    expect((m.r(23) >> 16n) & 0x3fn).toBe(0xen); // the second entry: IPE of the idle at PLV3
    expect(m.cpu.csrRead(0x6)).toBe(labels.get('user')! + 8n); // ERA of the IPE: the vadd.d ran once more, then vpickve2gr.d
  });

  it('shows vr0-vr31 as 128-bit values in the register view, high half first', () => {
    const m = run('', { 5: (0x0123456789abcdefn << 64n) | 0xfedcba9876543210n });
    const lsx = m.cpu.inspect().find((g) => g.name === 'LSX');
    expect(lsx?.registers.length).toBe(32);
    expect(lsx?.registers[5]).toEqual({ name: 'vr5', value: '0x0123456789abcdeffedcba9876543210' });
  });

  it('keeps a vector register\'s high half when a scalar FP instruction writes its low half (QEMU)', () => {
    const m = run('li.d $t0, 0x1122334455667788\nmovgr2fr.d $fa1, $t0\nfmov.d $fa2, $fa1', { 1: M128, 2: 5n << 64n });
    expect(getV(m, 1)).toBe((((1n << 64n) - 1n) << 64n) | 0x1122334455667788n);
    expect(getV(m, 2)).toBe((5n << 64n) | 0x1122334455667788n);
  });

  it('loads and stores 128 bits (VLD/VST/VLDX/VSTX), replicates a loaded element (VLDREPL) and stores one (VSTELM)', () => {
    const v = 0x0f0e0d0c0b0a09080706050403020100n;
    const m = run(`
      li.w $a0, 0x800
      vst $vr1, $a0, 16
      vld $vr2, $a0, 16
      li.w $a1, 48
      vstx $vr1, $a0, $a1
      li.w $a1, 49
      vldx $vr3, $a0, $a1           # unaligned: bytes 1..15 and one 0 past it
      vldrepl.b $vr4, $a0, 19
      vldrepl.h $vr5, $a0, 18
      vldrepl.w $vr6, $a0, 20
      vldrepl.d $vr7, $a0, 24
      vstelm.b $vr1, $a0, 100, 15
      vstelm.h $vr1, $a0, 102, 7
      vstelm.w $vr1, $a0, 104, 1
      vstelm.d $vr1, $a0, 112, 1
      ld.d $a2, $a0, 96
      ld.d $a3, $a0, 104
      ld.d $a4, $a0, 112
    `, { 1: v });
    expect(getV(m, 2)).toBe(v);
    expect(getV(m, 3)).toBe(v >> 8n);
    expect(getV(m, 4)).toBe(lanes(8, Array(16).fill(3)));
    expect(getV(m, 5)).toBe(lanes(16, Array(8).fill(0x0302)));
    expect(getV(m, 6)).toBe(lanes(32, Array(4).fill(0x07060504)));
    expect(getV(m, 7)).toBe(lanes(64, [0x0f0e0d0c0b0a0908n, 0x0f0e0d0c0b0a0908n]));
    expect(BigInt.asUintN(64, m.r(R.a2))).toBe(0x0f0e000fn << 32n);
    expect(BigInt.asUintN(64, m.r(R.a3))).toBe(0x07060504n);
    expect(BigInt.asUintN(64, m.r(R.a4))).toBe(0x0f0e0d0c0b0a0908n);
  });

  it('fills from VLDI\'s immediate forms and from a GPR (VREPLGR2VR), inserts (VINSGR2VR) and extracts (VPICKVE2GR)', () => {
    const m = run(`
      vldi $vr1, 976                # byte lanes, 0x3d0 -> 0xd0
      vldi $vr2, 1032               # halfwords, 8
      vldi $vr3, 3024               # words, -48
      vldi $vr4, ${i13(0x1000 | (9 << 8) | 0xa5)}   # mode 9: bits to bytes
      vldi $vr5, ${i13(0x1000 | (12 << 8) | 0x70)}  # mode 12: the double 1.0
      vldi $vr6, ${i13(0x1000 | (10 << 8) | 0x70)}  # mode 10: the single 1.0 in both words twice
      vldi $vr7, ${i13(0x1000 | (1 << 8) | 0xab)}   # mode 1: {2{16'0, imm, 8'0}}
      li.d $t0, -2
      vreplgr2vr.b $vr8, $t0
      vreplgr2vr.h $vr9, $t0
      vreplgr2vr.w $vr10, $t0
      vreplgr2vr.d $vr11, $t0
      li.w $t1, 0x1234
      vinsgr2vr.b $vr12, $t1, 15
      vinsgr2vr.h $vr12, $t1, 1
      vinsgr2vr.w $vr12, $t1, 1
      vinsgr2vr.d $vr13, $t0, 1
      vpickve2gr.b $a0, $vr1, 3
      vpickve2gr.bu $a1, $vr1, 3
      vpickve2gr.h $a2, $vr8, 7
      vpickve2gr.hu $a3, $vr8, 7
      vpickve2gr.w $a4, $vr10, 2
      vpickve2gr.wu $a5, $vr10, 2
      vpickve2gr.d $a6, $vr13, 1
      vpickve2gr.du $a7, $vr3, 0
    `);
    expect(getV(m, 1)).toBe(lanes(8, Array(16).fill(0xd0)));
    expect(getV(m, 2)).toBe(lanes(16, Array(8).fill(8)));
    expect(getV(m, 3)).toBe(lanes(32, [-48, -48, -48, -48]));
    expect(getV(m, 4)).toBe(lanes(64, [0xff00ff0000ff00ffn, 0xff00ff0000ff00ffn]));
    expect(getV(m, 5)).toBe(lanes(64, [0x3ff0000000000000n, 0x3ff0000000000000n]));
    expect(getV(m, 6)).toBe(lanes(32, [0x3f800000, 0x3f800000, 0x3f800000, 0x3f800000]));
    expect(getV(m, 7)).toBe(lanes(32, [0xab00, 0xab00, 0xab00, 0xab00]));
    expect(getV(m, 8)).toBe(lanes(8, Array(16).fill(0xfe)));
    expect(getV(m, 9)).toBe(lanes(16, Array(8).fill(-2)));
    expect(getV(m, 10)).toBe(lanes(32, Array(4).fill(-2)));
    expect(getV(m, 11)).toBe(lanes(64, [-2, -2]));
    expect(getV(m, 12)).toBe((0x34n << 120n) | (0x1234n << 32n) | (0x1234n << 16n));
    expect(getV(m, 13)).toBe(lanes(64, [0, -2]));
    const sr = (r: number): bigint => BigInt.asIntN(64, m.r(r));
    expect(sr(R.a0)).toBe(-48n);
    expect(m.r(R.a1)).toBe(0xd0n);
    expect(sr(R.a2)).toBe(-258n);
    expect(m.r(R.a3)).toBe(0xfefen);
    expect(sr(R.a4)).toBe(-2n);
    expect(m.r(R.a5)).toBe(0xfffffffen);
    expect(sr(R.a6)).toBe(-2n);
    expect(m.r(R.a7)).toBe(0xffffffd0ffffffd0n);
  });

  it('raises INE for VLDI modes 13-15', () => {
    const m = machine();
    m.load(`
      li.d $t0, 0x10000
      csrwr $t0, 0xc
      li.w $t0, 3
      csrwr $t0, 0x2
      vldi $vr1, ${i13(0x1000 | (13 << 8))}
    `);
    m.load('csrrd $a0, 0x5\nidle 0\n', 0x10000);
    m.cpu.setPc(0x1000n);
    expect(m.cpu.run(100)).toBe('wfi');
    expect((m.r(R.a0) >> 16n) & 0x3fn).toBe(0xdn);
  });

  it('replicates a lane (VREPLVE by a GPR modulo the lane count, VREPLVEI) and moves one (VEXTRINS)', () => {
    const v = 0x0f0e0d0c0b0a09080706050403020100n;
    const m = run(`
      li.w $t0, 17
      vreplve.b $vr2, $vr1, $t0
      vreplve.h $vr3, $vr1, $t0
      vreplve.w $vr4, $vr1, $t0
      vreplve.d $vr5, $vr1, $t0
      vreplvei.b $vr6, $vr1, 14
      vreplvei.d $vr7, $vr1, 0
      vextrins.b $vr8, $vr1, 0x3c
      vextrins.w $vr9, $vr1, 0x21
    `, { 1: v, 8: 0n, 9: M128 });
    expect(getV(m, 2)).toBe(lanes(8, Array(16).fill(1)));
    expect(getV(m, 3)).toBe(lanes(16, Array(8).fill(0x0302)));
    expect(getV(m, 4)).toBe(lanes(32, Array(4).fill(0x07060504)));
    expect(getV(m, 5)).toBe(lanes(64, [0x0f0e0d0c0b0a0908n, 0x0f0e0d0c0b0a0908n]));
    expect(getV(m, 6)).toBe(lanes(8, Array(16).fill(14)));
    expect(getV(m, 7)).toBe(lanes(64, [0x0706050403020100n, 0x0706050403020100n]));
    expect(getV(m, 8)).toBe(12n << 24n);
    expect(getV(m, 9)).toBe(M128 & ~(0xffffffffn << 64n) | (0x07060504n << 64n));
  });

  it('computes the bitwise operations (.V, byte immediates, VBITSEL, VBITSELI)', () => {
    const x = 0xff00ff00f0f0f0f0_0123456789abcdefn;
    const y = 0x0ff00ff00ff00ff0_fedcba9876543210n;
    const sel = 0xffffffff00000000_00000000ffffffffn;
    const m = run(`
      vand.v $vr3, $vr1, $vr2
      vor.v $vr4, $vr1, $vr2
      vxor.v $vr5, $vr1, $vr2
      vnor.v $vr6, $vr1, $vr2
      vandn.v $vr7, $vr1, $vr2
      vorn.v $vr8, $vr1, $vr2
      vandi.b $vr9, $vr1, 0x0f
      vori.b $vr10, $vr1, 0x80
      vxori.b $vr11, $vr1, 0xff
      vnori.b $vr12, $vr1, 0
      vbitsel.v $vr13, $vr1, $vr2, $vr14
      vbitseli.b $vr15, $vr1, 0x3c
    `, { 1: x, 2: y, 14: sel, 15: lanes(8, Array(16).fill(0xf0)) });
    expect(getV(m, 3)).toBe(x & y);
    expect(getV(m, 4)).toBe(x | y);
    expect(getV(m, 5)).toBe(x ^ y);
    expect(getV(m, 6)).toBe(M128 & ~(x | y));
    expect(getV(m, 7)).toBe(y & ~x);
    expect(getV(m, 8)).toBe(M128 & (x | ~y));
    expect(getV(m, 9)).toBe(x & lanes(8, Array(16).fill(0x0f)));
    expect(getV(m, 10)).toBe(x | lanes(8, Array(16).fill(0x80)));
    expect(getV(m, 11)).toBe(M128 & ~x);
    expect(getV(m, 12)).toBe(M128 & ~x);
    expect(getV(m, 13)).toBe((x & ~sel) | (y & sel));
    // vd = (~vd & vj) | (vd & imm), vd = 0xf0 in every byte.
    expect(getV(m, 15)).toBe(lanes(8, split(8, x).map((b) => (b & 0x0fn) | 0x30n)));
  });

  it('adds, subtracts, multiplies and negates lanes of every width, with the immediate forms', () => {
    const m = run(`
      vadd.b $vr3, $vr1, $vr2
      vsub.h $vr4, $vr1, $vr2
      vadd.w $vr5, $vr1, $vr2
      vsub.d $vr6, $vr1, $vr2
      vadd.q $vr7, $vr1, $vr2
      vaddi.bu $vr8, $vr1, 31
      vsubi.wu $vr9, $vr1, 1
      vmul.h $vr10, $vr1, $vr2
      vneg.d $vr11, $vr1
      vsub.q $vr12, $vr2, $vr1
    `, { 1: A, 2: B });
    const add = (bits: number, f: (a: bigint, b: bigint) => bigint) => lanes(bits, split(bits, A).map((a, i) => f(a, split(bits, B)[i]!)));
    expect(getV(m, 3)).toBe(add(8, (a, b) => a + b));
    expect(getV(m, 4)).toBe(add(16, (a, b) => a - b));
    expect(getV(m, 5)).toBe(add(32, (a, b) => a + b));
    expect(getV(m, 6)).toBe(add(64, (a, b) => a - b));
    expect(getV(m, 7)).toBe((A + B) & M128);
    expect(getV(m, 8)).toBe(lanes(8, split(8, A).map((a) => a + 31n)));
    expect(getV(m, 9)).toBe(lanes(32, split(32, A).map((a) => a - 1n)));
    expect(getV(m, 10)).toBe(add(16, (a, b) => a * b));
    expect(getV(m, 11)).toBe(lanes(64, split(64, A).map((a) => -a)));
    expect(getV(m, 12)).toBe((B - A) & M128);
  });

  it('takes signed and unsigned minima, maxima and comparisons, with the immediate forms', () => {
    const m = run(`
      vmin.b $vr3, $vr1, $vr2
      vmin.bu $vr4, $vr1, $vr2
      vmax.h $vr5, $vr1, $vr2
      vmax.wu $vr6, $vr1, $vr2
      vseq.b $vr7, $vr1, $vr1
      vslt.b $vr8, $vr1, $vr2
      vsle.bu $vr9, $vr1, $vr2
      vslti.w $vr10, $vr1, 0
      vslei.wu $vr11, $vr13, 9
      vseqi.b $vr12, $vr13, 9
      vmini.b $vr14, $vr1, -5
      vmaxi.du $vr15, $vr13, 20
    `, { 1: A, 2: B, 13: lanes(32, [8, 9, 10, 0xffffffff]) });
    const sb = (v: bigint) => split(8, v, true);
    const ub = (v: bigint) => split(8, v);
    expect(getV(m, 3)).toBe(lanes(8, sb(A).map((a, i) => (a < sb(B)[i]! ? a : sb(B)[i]!))));
    expect(getV(m, 4)).toBe(lanes(8, ub(A).map((a, i) => (a < ub(B)[i]! ? a : ub(B)[i]!))));
    expect(getV(m, 5)).toBe(lanes(16, split(16, A, true).map((a, i) => (a > split(16, B, true)[i]! ? a : split(16, B, true)[i]!))));
    expect(getV(m, 6)).toBe(lanes(32, split(32, A).map((a, i) => (a > split(32, B)[i]! ? a : split(32, B)[i]!))));
    expect(getV(m, 7)).toBe(M128);
    expect(getV(m, 8)).toBe(lanes(8, sb(A).map((a, i) => (a < sb(B)[i]! ? -1 : 0))));
    expect(getV(m, 9)).toBe(lanes(8, ub(A).map((a, i) => (a <= ub(B)[i]! ? -1 : 0))));
    expect(getV(m, 10)).toBe(lanes(32, split(32, A, true).map((a) => (a < 0n ? -1 : 0))));
    expect(getV(m, 11)).toBe(lanes(32, [-1, -1, 0, 0]));
    expect(getV(m, 12)).toBe(lanes(8, [0, 0, 0, 0, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
    expect(getV(m, 14)).toBe(lanes(8, sb(A).map((a) => (a < -5n ? a : -5n))));
    expect(getV(m, 15)).toBe(lanes(64, [BigInt(9) << 32n | 8n, 0xffffffff0000000an]));
  });

  it('shifts and rotates lanes by immediates and by the other register\'s lanes, and shifts the register by bytes', () => {
    const m = run(`
      vslli.d $vr3, $vr1, 3
      vsrli.b $vr4, $vr1, 1
      vsrai.h $vr5, $vr1, 4
      vrotri.w $vr6, $vr1, 8
      vsll.b $vr7, $vr1, $vr2
      vsra.w $vr8, $vr1, $vr2
      vbsrl.v $vr9, $vr1, 8
      vbsll.v $vr10, $vr1, 3
      vsrl.d $vr11, $vr1, $vr2
      vrotr.h $vr12, $vr1, $vr2
    `, { 1: A, 2: B });
    const lane = (bits: number, f: (a: bigint, b: bigint) => bigint, signed = false) =>
      lanes(bits, split(bits, A, signed).map((a, i) => f(a, split(bits, B)[i]! % BigInt(bits))));
    expect(getV(m, 3)).toBe(lanes(64, split(64, A).map((a) => a << 3n)));
    expect(getV(m, 4)).toBe(lanes(8, split(8, A).map((a) => a >> 1n)));
    expect(getV(m, 5)).toBe(lanes(16, split(16, A, true).map((a) => a >> 4n)));
    expect(getV(m, 6)).toBe(lanes(32, split(32, A).map((a) => (a >> 8n) | (a << 24n))));
    expect(getV(m, 7)).toBe(lane(8, (a, s) => a << s));
    expect(getV(m, 8)).toBe(lane(32, (a, s) => a >> s, true));
    expect(getV(m, 9)).toBe(A >> 64n);
    expect(getV(m, 10)).toBe((A << 24n) & M128);
    expect(getV(m, 11)).toBe(lane(64, (a, s) => a >> s));
    expect(getV(m, 12)).toBe(lane(16, (a, s) => (a >> s) | (a << (16n - s))));
  });

  it('widens: VADDWEV/VADDWOD (signed, unsigned, mixed), VSUBW*, VHADDW/VHSUBW and VEXTH', () => {
    const m = run(`
      vaddwev.d.w $vr3, $vr1, $vr2
      vaddwod.d.w $vr4, $vr1, $vr2
      vaddwev.h.bu $vr5, $vr1, $vr2
      vaddwod.h.bu.b $vr6, $vr1, $vr2
      vsubwev.w.h $vr7, $vr1, $vr2
      vhaddw.q.d $vr8, $vr1, $vr2
      vhaddw.hu.bu $vr9, $vr1, $vr2
      vhsubw.w.h $vr10, $vr1, $vr2
      vexth.d.w $vr11, $vr1
      vexth.hu.bu $vr12, $vr1
      vexth.q.d $vr13, $vr1
    `, { 1: A, 2: B });
    const w = (nb: number, signedJ: boolean, signedK: boolean, j: (i: number) => number, k: (i: number) => number, f: (a: bigint, b: bigint) => bigint) =>
      lanes(2 * nb, Array.from({ length: 64 / nb }, (_, i) => f(split(nb, A, signedJ)[j(i)]!, split(nb, B, signedK)[k(i)]!)));
    const ev = (i: number) => 2 * i;
    const od = (i: number) => 2 * i + 1;
    const plus = (a: bigint, b: bigint) => a + b;
    expect(getV(m, 3)).toBe(w(32, true, true, ev, ev, plus));
    expect(getV(m, 4)).toBe(w(32, true, true, od, od, plus));
    expect(getV(m, 5)).toBe(w(8, false, false, ev, ev, plus));
    expect(getV(m, 6)).toBe(w(8, false, true, od, od, plus));
    expect(getV(m, 7)).toBe(w(16, true, true, ev, ev, (a, b) => a - b));
    expect(getV(m, 8)).toBe(BigInt.asUintN(128, split(64, A, true)[1]! + split(64, B, true)[0]!));
    expect(getV(m, 9)).toBe(w(8, false, false, od, ev, plus));
    expect(getV(m, 10)).toBe(w(16, true, true, od, ev, (a, b) => a - b));
    expect(getV(m, 11)).toBe(lanes(64, split(32, A, true).slice(2)));
    expect(getV(m, 12)).toBe(lanes(16, split(8, A).slice(8)));
    expect(getV(m, 13)).toBe(BigInt.asUintN(128, split(64, A, true)[1]!));
  });

  it('interleaves, packs, picks and shuffles (VILVL/H, VPACKEV/OD, VPICKEV/OD, VSHUF.B/H, VSHUF4I, VPERMI.W)', () => {
    const j = bytes(...Array.from({ length: 16 }, (_, i) => 0x10 + i));
    const k = bytes(...Array.from({ length: 16 }, (_, i) => 0x20 + i));
    const idx = bytes(0, 15, 16, 31, 32, 47, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21);
    const m = run(`
      vilvl.b $vr3, $vr1, $vr2
      vilvh.h $vr4, $vr1, $vr2
      vilvl.d $vr5, $vr1, $vr2
      vpackev.b $vr6, $vr1, $vr2
      vpackod.w $vr7, $vr1, $vr2
      vpickev.b $vr8, $vr1, $vr2
      vpickod.h $vr9, $vr1, $vr2
      vshuf.b $vr10, $vr1, $vr2, $vr20
      vshuf.h $vr11, $vr1, $vr2
      vshuf4i.b $vr12, $vr1, 0x1b
      vshuf4i.d $vr13, $vr1, 0x9
      vpermi.w $vr14, $vr1, 0x4e
    `, { 1: j, 2: k, 20: idx, 11: lanes(16, [0, 8, 15, 7, 1, 9, 2, 10]), 13: lanes(64, [0xaa, 0xbb]), 14: lanes(32, [0xa0, 0xa1, 0xa2, 0xa3]) });
    expect(getV(m, 3)).toBe(bytes(0x20, 0x10, 0x21, 0x11, 0x22, 0x12, 0x23, 0x13, 0x24, 0x14, 0x25, 0x15, 0x26, 0x16, 0x27, 0x17));
    expect(getV(m, 4)).toBe(lanes(16, [0x2928, 0x1918, 0x2b2a, 0x1b1a, 0x2d2c, 0x1d1c, 0x2f2e, 0x1f1e]));
    expect(getV(m, 5)).toBe(lanes(64, [split(64, k)[0]!, split(64, j)[0]!]));
    expect(getV(m, 6)).toBe(bytes(0x20, 0x10, 0x22, 0x12, 0x24, 0x14, 0x26, 0x16, 0x28, 0x18, 0x2a, 0x1a, 0x2c, 0x1c, 0x2e, 0x1e));
    expect(getV(m, 7)).toBe(lanes(32, [split(32, k)[1]!, split(32, j)[1]!, split(32, k)[3]!, split(32, j)[3]!]));
    expect(getV(m, 8)).toBe(bytes(0x20, 0x22, 0x24, 0x26, 0x28, 0x2a, 0x2c, 0x2e, 0x10, 0x12, 0x14, 0x16, 0x18, 0x1a, 0x1c, 0x1e));
    expect(getV(m, 9)).toBe(lanes(16, [0x2322, 0x2726, 0x2b2a, 0x2f2e, 0x1312, 0x1716, 0x1b1a, 0x1f1e]));
    // vk supplies indexes 0-15, vj 16-31; 32 and 47 wrap modulo 32.
    expect(getV(m, 10)).toBe(bytes(0x20, 0x2f, 0x10, 0x1f, 0x20, 0x2f, 0x21, 0x11, 0x22, 0x12, 0x23, 0x13, 0x24, 0x14, 0x25, 0x15));
    expect(getV(m, 11)).toBe(lanes(16, [0x2120, 0x1110, 0x1f1e, 0x2f2e, 0x2322, 0x1312, 0x2524, 0x1514]));
    expect(getV(m, 12)).toBe(bytes(0x13, 0x12, 0x11, 0x10, 0x17, 0x16, 0x15, 0x14, 0x1b, 0x1a, 0x19, 0x18, 0x1f, 0x1e, 0x1d, 0x1c));
    // imm 0b1001: lane 0 = vj.D[1] (bit 1 clear -> vd, bit 0 = 1 -> vd.D[1]) -> 0xbb; lane 1: bit 3 set -> vj, bit 2 = 0 -> vj.D[0].
    expect(getV(m, 13)).toBe(lanes(64, [0xbb, split(64, j)[0]!]));
    expect(getV(m, 14)).toBe(lanes(32, [split(32, j)[2]!, split(32, j)[3]!, 0xa0, 0xa1]));
  });

  it('counts bits (VPCNT, VCLO, VCLZ), builds masks (VMSKNZ.B, VMSKLTZ) and finds the first negative lane (VFRSTP, VFRSTPI)', () => {
    const z = bytes(0, 1, 0, 0x80, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7);
    const m = run(`
      vpcnt.w $vr2, $vr1
      vclz.b $vr3, $vr1
      vclo.h $vr4, $vr1
      vmsknz.b $vr5, $vr1
      vmskltz.b $vr6, $vr1
      vfrstpi.b $vr7, $vr1, 18
      vfrstpi.h $vr8, $vr9, 1
      vfrstp.b $vr10, $vr1, $vr11
    `, { 1: z, 7: M128, 8: 0n, 9: 0n, 10: 0n, 11: 5n });
    expect(getV(m, 2)).toBe(lanes(32, [2, 8, 0, 3]));
    expect(getV(m, 3)).toBe(bytes(8, 7, 8, 0, 0, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 5));
    expect(getV(m, 4)).toBe(lanes(16, [0, 1, 0, 0, 0, 0, 0, 0]));
    expect(getV(m, 5)).toBe(0b1000000000011010n);
    expect(getV(m, 6)).toBe(0b11000n);
    expect(getV(m, 7)).toBe(M128 & ~(0xffn << 16n) | (3n << 16n)); // lane 18 % 16 = 2 <- index 3
    expect(getV(m, 8)).toBe(8n << 16n); // no negative halfword: the lane count
    expect(getV(m, 10)).toBe(3n << 40n);
  });

  it('sets FCC from the whole register and from its lanes (VSETEQZ/VSETNEZ.V, VSETANYEQZ, VSETALLNEZ)', () => {
    const m = run(`
      vseteqz.v $fcc0, $vr1
      vsetnez.v $fcc1, $vr1
      vsetanyeqz.b $fcc2, $vr2
      vsetallnez.b $fcc3, $vr2
      vsetanyeqz.d $fcc4, $vr2
      vsetallnez.h $fcc5, $vr3
      vseteqz.v $fcc6, $vr3
      movcf2gr $a0, $fcc0
      movcf2gr $a1, $fcc1
      movcf2gr $a2, $fcc2
      movcf2gr $a3, $fcc3
      movcf2gr $a4, $fcc4
      movcf2gr $a5, $fcc5
      movcf2gr $a6, $fcc6
    `, { 1: 0n, 2: bytes(1, 2, 3, 0, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16), 3: lanes(16, [1, 1, 1, 1, 1, 1, 1, 0x100]) });
    expect([R.a0, R.a1, R.a2, R.a3, R.a4, R.a5, R.a6].map((r) => m.r(r))).toEqual([1n, 0n, 1n, 0n, 0n, 1n, 0n]);
  });
});
