/**
 * LA64 base integer instructions, assembled by the table-driven assembler and executed; expected values
 * are worked out from the instruction descriptions of the LoongArch Reference Manual Vol. 1, chapter 2.
 */
import { describe, expect, it } from 'vitest';
import { machine, R } from './harness';

const M64 = (1n << 64n) - 1n;
const u = (v: bigint): bigint => BigInt.asUintN(64, v);

function run(body: string): ReturnType<typeof machine> {
  const m = machine();
  const exit = m.run(`${body}\nhalt: idle 0\n`);
  expect(m.faults, JSON.stringify(m.faults)).toEqual([]);
  expect(exit).toBe('wfi');
  return m;
}

describe('LA64 integer', () => {
  it('32-bit results are sign-extended and wrap; 64-bit constants build with li.d', () => {
    const m = run(`
      li.w $a0, 0x7fffffff
      addi.w $a0, $a0, 1
      li.d $a1, 0x123456789abcdef0
      li.d $a2, -2
      sub.d $a3, $zero, $a2
      add.w $a4, $a1, $zero
    `);
    expect(m.r(R.a0)).toBe(0xffffffff80000000n);
    expect(m.r(R.a1)).toBe(0x123456789abcdef0n);
    expect(m.r(R.a2)).toBe(u(-2n));
    expect(m.r(R.a3)).toBe(2n);
    expect(m.r(R.a4)).toBe(0xffffffff9abcdef0n);
  });

  it('compares signed and unsigned, masks by a condition', () => {
    const m = run(`
      li.d $t0, -1
      li.w $t1, 1
      slt $a0, $t0, $t1
      sltu $a1, $t0, $t1
      sltui $a2, $t1, -1
      maskeqz $a3, $t1, $zero
      masknez $a4, $t1, $zero
    `);
    expect([m.r(R.a0), m.r(R.a1), m.r(R.a2), m.r(R.a3), m.r(R.a4)]).toEqual([1n, 0n, 1n, 0n, 1n]);
  });

  it('multiplies and divides (high halves, truncating division, remainder sign of the dividend)', () => {
    const m = run(`
      li.d $t0, -1
      li.w $t1, 2
      mulh.du $a0, $t0, $t1
      mulh.d $a1, $t0, $t1
      li.w $t2, -7
      div.w $a2, $t2, $t1
      mod.w $a3, $t2, $t1
      div.du $a4, $t0, $t1
      mulw.d.wu $a5, $t0, $t0
    `);
    expect(m.r(R.a0)).toBe(1n);
    expect(m.r(R.a1)).toBe(M64);
    expect(m.r(R.a2)).toBe(u(-3n));
    expect(m.r(R.a3)).toBe(u(-1n));
    expect(m.r(R.a4)).toBe(M64 >> 1n);
    expect(m.r(R.a5)).toBe(0xfffffffe00000001n);
  });

  it('shifts, rotates and picks bit strings', () => {
    const m = run(`
      li.w $t0, 0x80000000
      srli.w $a0, $t0, 4
      srai.w $a1, $t0, 4
      li.w $t1, 0x12345678
      rotri.w $a2, $t1, 8
      bstrpick.d $a3, $t1, 15, 8
      li.d $a4, -1
      bstrins.d $a4, $zero, 39, 8
      li.w $t2, 3
      sll.d $a5, $t1, $t2
      alsl.d $a6, $t1, $t2, 2
    `);
    expect(m.r(R.a0)).toBe(0x08000000n);
    expect(m.r(R.a1)).toBe(0xfffffffff8000000n);
    expect(m.r(R.a2)).toBe(0x78123456n);
    expect(m.r(R.a3)).toBe(0x56n);
    expect(m.r(R.a4)).toBe(0xffffff00000000ffn);
    expect(m.r(R.a5)).toBe(0x12345678n << 3n);
    expect(m.r(R.a6)).toBe((0x12345678n << 2n) + 3n);
  });

  it('counts, reverses and extends', () => {
    const m = run(`
      li.w $t0, 1
      clz.d $a0, $t0
      ctz.w $a1, $zero
      li.w $t1, 0x11223344
      revb.2h $a2, $t1
      li.w $t2, 0x80
      ext.w.b $a3, $t2
      bitrev.w $a4, $t0
      li.d $t3, 0x0102030405060708
      revb.d $a5, $t3
    `);
    expect(m.r(R.a0)).toBe(63n);
    expect(m.r(R.a1)).toBe(32n);
    expect(m.r(R.a2)).toBe(0x22114433n);
    expect(m.r(R.a3)).toBe(u(-128n));
    expect(m.r(R.a4)).toBe(0xffffffff80000000n);
    expect(m.r(R.a5)).toBe(0x0807060504030201n);
  });

  it('loads and stores little-endian at every width, with sign or zero extension', () => {
    const m = run(`
      li.w $sp, 0x8000
      li.d $t0, 0x8899aabbccddeeff
      st.d $t0, $sp, 0
      ld.b $a0, $sp, 0
      ld.bu $a1, $sp, 0
      ld.h $a2, $sp, 6
      ld.wu $a3, $sp, 4
      li.w $t1, 4
      ldx.w $a4, $sp, $t1
      st.b $zero, $sp, 1
      ldptr.d $a5, $sp, 0
    `);
    expect(m.r(R.a0)).toBe(u(-1n));
    expect(m.r(R.a1)).toBe(0xffn);
    expect(m.r(R.a2)).toBe(u(-0x7767n));
    expect(m.r(R.a3)).toBe(0x8899aabbn);
    expect(m.r(R.a4)).toBe(0xffffffff8899aabbn);
    expect(m.r(R.a5)).toBe(0x8899aabbccdd00ffn);
  });

  it('branches, calls and returns; pc-relative addresses', () => {
    const m = run(`
      li.w $a0, 0
      li.w $t0, 10
    loop:
      add.d $a0, $a0, $t0
      addi.d $t0, $t0, -1
      bnez $t0, loop
      bl func
      la.pcrel $a2, data
      ld.w $a3, $a2, 0
      b done
    func:
      li.w $a1, 42
      ret
    data:
      .word 0x5a5a1234
    done:
    `);
    expect(m.r(R.a0)).toBe(55n);
    expect(m.r(R.a1)).toBe(42n);
    expect(m.r(R.a3)).toBe(0x5a5a1234n);
  });

  it('LL/SC succeeds on an untouched line and fails after a store; AM* return the old value', () => {
    const m = run(`
      li.w $sp, 0x8000
      li.w $t0, 5
      st.d $t0, $sp, 0
      ll.d $a0, $sp, 0
      addi.d $t1, $a0, 1
      sc.d $t1, $sp, 0
      move $a1, $t1
      ll.d $a2, $sp, 0
      st.d $zero, $sp, 8
      st.d $zero, $sp, 0
      li.w $t2, 9
      sc.d $t2, $sp, 0
      move $a3, $t2
      li.w $t3, 7
      amadd.d $a4, $t3, $sp
      ld.d $a5, $sp, 0
      li.w $t3, -3
      ammax.w $a6, $t3, $sp
      li.w $t3, 3
      ammin.wu $a7, $t3, $sp
      ld.d $t4, $sp, 0
    `);
    expect(m.r(R.a0)).toBe(5n);
    expect(m.r(R.a1)).toBe(1n);
    expect(m.r(R.a3)).toBe(0n);
    expect(m.r(R.a4)).toBe(0n);
    expect(m.r(R.a5)).toBe(7n);
    expect(m.r(R.a6)).toBe(7n);
    expect(m.r(R.a7)).toBe(7n);
    expect(m.r(16)).toBe(3n);
  });

  it('an unallocated word stops the CPU with the pc and the encoding', () => {
    const m = machine();
    const exit = m.run('nop\n.word 0xffffffff\n');
    expect(exit).toBe('fault');
    expect(m.faults).toHaveLength(1);
    expect(m.faults[0]).toMatchObject({ pc: 0x1004n, encoding: 0xffffffff, kind: 'undefined-instruction', disassembly: 'unallocated' });
  });
});
