/**
 * The LA64 FPU (manual Vol. 1, chapter 3): values worked out by hand in IEEE 754, the FCSR cause/flags,
 * the rounding modes of FCSR0.RM, FCMP conditions with NaNs, conversions with saturation, FPD while
 * EUEN.FPE is clear and FPE when the cause meets an enabled exception.
 */
import { describe, expect, it } from 'vitest';
import { machine, R } from './harness';

const f64 = (x: number): bigint => new BigUint64Array(new Float64Array([x]).buffer)[0]!;
const f32 = (x: number): bigint => BigInt(new Uint32Array(new Float32Array([x]).buffer)[0]!);

/** Runs `body` with the FPU enabled; returns the machine. */
function run(body: string): ReturnType<typeof machine> {
  const m = machine();
  const exit = m.run(`
    li.w $t0, 1
    csrwr $t0, 0x2            # EUEN.FPE
    ${body}
    idle 0
  `);
  expect(m.faults, JSON.stringify(m.faults, (_k, v) => (typeof v === 'bigint' ? v.toString(16) : v))).toEqual([]);
  expect(exit).toBe('wfi');
  return m;
}

const fpr = (m: ReturnType<typeof machine>, i: number): bigint => BigInt.asUintN(64, m.cpu.fpr[i]!);

describe('LA64 FPU', () => {
  it('adds, multiplies, divides and fuses in double and single, raising inexact only when inexact', () => {
    const m = run(`
      li.d $t0, ${f64(1.5)}
      movgr2fr.d $fa0, $t0
      li.d $t0, ${f64(2.25)}
      movgr2fr.d $fa1, $t0
      fadd.d $fa2, $fa0, $fa1
      fmul.d $fa3, $fa0, $fa1
      fmadd.d $fa4, $fa0, $fa1, $fa1
      movfcsr2gr $a0, $fcsr0
      li.d $t0, ${f64(1)}
      movgr2fr.d $fa5, $t0
      li.d $t0, ${f64(3)}
      movgr2fr.d $fa6, $t0
      fdiv.d $fa7, $fa5, $fa6
      movfcsr2gr $a1, $fcsr0
      li.w $t0, ${f32(0.1)}
      movgr2fr.w $ft0, $t0
      fadd.s $ft1, $ft0, $ft0
    `);
    expect(fpr(m, 2)).toBe(f64(3.75));
    expect(fpr(m, 3)).toBe(f64(3.375));
    expect(fpr(m, 4)).toBe(f64(5.625));
    expect(m.r(R.a0)).toBe(0n); // all exact
    expect(fpr(m, 7)).toBe(f64(1 / 3));
    expect(m.r(R.a1)).toBe((1n << 24n) | (1n << 16n)); // cause I, flag I
    expect(fpr(m, 9)).toBe(f32(Math.fround(Math.fround(0.1) * 2)));
  });

  it('rounds by FCSR0.RM: 1/3 towards +inf and -inf differ in the last place', () => {
    const m = run(`
      li.d $t0, ${f64(1)}
      movgr2fr.d $fa0, $t0
      li.d $t0, ${f64(3)}
      movgr2fr.d $fa1, $t0
      li.w $t0, 0x200
      movgr2fcsr $fcsr3, $t0     # RP
      fdiv.d $fa2, $fa0, $fa1
      li.w $t0, 0x300
      movgr2fcsr $fcsr3, $t0     # RM
      fdiv.d $fa3, $fa0, $fa1
      movfcsr2gr $a0, $fcsr3
    `);
    expect(fpr(m, 2) - fpr(m, 3)).toBe(1n);
    expect(m.r(R.a0)).toBe(0x300n);
  });

  it('compares with and without NaNs; the signalling conditions raise V on a quiet NaN', () => {
    const m = run(`
      li.d $t0, ${f64(1)}
      movgr2fr.d $fa0, $t0
      li.d $t0, ${f64(2)}
      movgr2fr.d $fa1, $t0
      li.d $t0, 0x7ff8000000000000
      movgr2fr.d $fa2, $t0
      fcmp.clt.d $fcc0, $fa0, $fa1
      fcmp.clt.d $fcc1, $fa1, $fa0
      fcmp.cun.d $fcc2, $fa0, $fa2
      fcmp.cne.d $fcc3, $fa0, $fa2
      movfcsr2gr $a0, $fcsr2
      fcmp.sle.d $fcc4, $fa0, $fa2
      movfcsr2gr $a1, $fcsr2
      movcf2gr $a2, $fcc0
      movcf2gr $a3, $fcc1
      movcf2gr $a4, $fcc2
      movcf2gr $a5, $fcc3
      li.w $a6, 0
      bceqz $fcc1, skip
      li.w $a6, 1
    skip:
    `);
    expect([m.r(R.a2), m.r(R.a3), m.r(R.a4), m.r(R.a5), m.r(R.a6)]).toEqual([1n, 0n, 1n, 0n, 0n]);
    expect(m.r(R.a0)).toBe(0n);
    expect(m.r(R.a1)).toBe((0x10n << 24n) | (0x10n << 16n));
  });

  it('converts: ftintrz saturates with V, a NaN gives 0 with V, ffint and fcvt are exact here, frint keeps -0', () => {
    const m = run(`
      li.d $t0, ${f64(-2.75)}
      movgr2fr.d $fa0, $t0
      ftintrz.w.d $fa1, $fa0
      movfr2gr.s $a0, $fa1
      ftintrm.l.d $fa2, $fa0
      movfr2gr.d $a1, $fa2
      li.d $t0, ${f64(1e20)}
      movgr2fr.d $fa3, $t0
      ftintrz.w.d $fa4, $fa3
      movfr2gr.s $a2, $fa4
      li.d $t0, 0x7ff8000000000000
      movgr2fr.d $fa5, $t0
      movgr2fcsr $fcsr2, $zero
      ftint.l.d $fa6, $fa5
      movfr2gr.d $a3, $fa6
      movfcsr2gr $a4, $fcsr2
      li.w $t0, -7
      movgr2fr.w $ft0, $t0
      ffint.d.w $ft1, $ft0
      fcvt.s.d $ft2, $ft1
      li.d $t0, ${f64(-0.25)}
      movgr2fr.d $ft3, $t0
      frint.d $ft4, $ft3
    `);
    expect(m.r(R.a0)).toBe(BigInt.asUintN(64, -2n));
    expect(m.r(R.a1)).toBe(BigInt.asUintN(64, -3n));
    expect(m.r(R.a2)).toBe(0x7fffffffn);
    expect(m.r(R.a3)).toBe(0n);
    expect(m.r(R.a4)).toBe((0x10n << 24n) | (0x10n << 16n));
    expect(fpr(m, 9)).toBe(f64(-7));
    expect(fpr(m, 10) & 0xffffffffn).toBe(f32(-7));
    expect(fpr(m, 12)).toBe(f64(-0));
  });

  it('moves, selects, loads and stores without touching the bits; fclass names the class', () => {
    const m = run(`
      li.w $sp, 0x8000
      li.d $t0, 0x7ff0000000000001
      st.d $t0, $sp, 0
      fld.d $fa0, $sp, 0
      fst.d $fa0, $sp, 8
      ld.d $a0, $sp, 8
      fclass.d $fa1, $fa0
      movfr2gr.d $a1, $fa1
      li.d $t0, ${f64(-0)}
      movgr2fr.d $fa2, $t0
      fclass.d $fa3, $fa2
      movfr2gr.d $a2, $fa3
      li.w $t0, 1
      movgr2cf $fcc5, $t0
      fsel $fa4, $fa0, $fa2, $fcc5
      movfr2gr.d $a3, $fa4
      fabs.d $fa5, $fa2
      movfr2gr.d $a4, $fa5
    `);
    expect(m.r(R.a0)).toBe(0x7ff0000000000001n); // a signalling NaN passes through loads and stores
    expect(m.r(R.a1)).toBe(1n); // SNaN
    expect(m.r(R.a2)).toBe(0x20n); // -0
    expect(m.r(R.a3)).toBe(f64(-0));
    expect(m.r(R.a4)).toBe(0n);
  });

  it('raises FPD while EUEN.FPE is clear and FPE when an enabled exception occurs, writing nothing', () => {
    const m = machine();
    m.load(`
      li.d $t0, 0x10000
      csrwr $t0, 0xc
      fadd.d $fa0, $fa0, $fa0
    `);
    m.load('csrrd $a0, 0x5\nidle 0\n', 0x10000);
    m.cpu.setPc(0x1000n);
    expect(m.cpu.run(100)).toBe('wfi');
    expect((m.r(R.a0) >> 16n) & 0x3fn).toBe(0xfn);

    const e = machine();
    e.load(`
      li.d $t0, 0x10000
      csrwr $t0, 0xc
      li.w $t0, 1
      csrwr $t0, 0x2              # EUEN.FPE
      li.w $t0, 0x8
      movgr2fcsr $fcsr1, $t0      # enable Z
      li.d $t0, ${f64(1)}
      movgr2fr.d $fa0, $t0
      li.d $t0, ${f64(7)}
      movgr2fr.d $fa2, $t0
      fdiv.d $fa2, $fa0, $fa1     # 1 / +0
    `);
    e.load('csrrd $a0, 0x5\nmovfcsr2gr $a1, $fcsr0\nidle 0\n', 0x10000);
    e.cpu.setPc(0x1000n);
    expect(e.cpu.run(100)).toBe('wfi');
    expect((e.r(R.a0) >> 16n) & 0x3fn).toBe(0x12n);
    expect(BigInt.asUintN(64, e.cpu.fpr[2]!)).toBe(f64(7));
    expect(e.r(R.a1)).toBe((0x8n << 24n) | 0x8n); // cause Z, enable Z, no flag (the operation did not complete)
  });
});
