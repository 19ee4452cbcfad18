/** F/D: rounding modes, fflags, NaN boxing and canonical NaNs, fused multiply-add, conversions, compares. */
import { describe, expect, it } from 'vitest';
import { assemble } from '../../../../src/core/isa/riscv64/assembler';
import * as sf from '../../../../src/core/cpu/softfloat';
import { machine, RAM_BASE } from './harness';

const NX = 1n, UF = 2n, OF = 4n, DZ = 8n, NV = 16n;
const buf = new DataView(new ArrayBuffer(8));
const d = (v: number): bigint => (buf.setFloat64(0, v), buf.getBigUint64(0));
const s = (v: number): bigint => (buf.setFloat32(0, v), 0xffffffff00000000n | BigInt(buf.getUint32(0)));
const CANON_D = 0x7ff8000000000000n;
const CANON_S = 0xffffffff7fc00000n;
const SNAN_D = 0x7ff0000000000001n;
const MAX_D = 0x7fefffffffffffffn;

const m = machine();
/** Runs one instruction with fa0..fa3 = f, a0/a1 = x and frm; returns [fa0 or a0, fflags]. */
function fp(line: string, f: bigint[], opts: { x?: bigint[]; frm?: number; intResult?: boolean } = {}): [bigint, bigint] {
  m.ram.setUint32(0, assemble(line), true);
  m.hart.reset(BigInt(RAM_BASE), 'machine');
  m.hart.writeCsr(0x300, 1n << 13n);
  m.hart.writeCsr(0x002, BigInt(opts.frm ?? 0));
  f.forEach((v, i) => m.hart.setF(10 + i, v));
  (opts.x ?? []).forEach((v, i) => m.hart.setX(10 + i, v));
  m.hart.run(1);
  expect(m.faults.length, `${line} faulted`).toBe(0);
  return [opts.intResult ? m.x(10) : m.hart.getF(10), m.hart.readCsr(0x001)];
}

describe('rounding modes', () => {
  const tiny = 2 ** -60;
  it.each([
    ['rne', d(1)], ['rtz', d(1)], ['rdn', d(1)], ['rup', d(1 + 2 ** -52)], ['rmm', d(1)],
  ])('fadd.d 1 + 2^-60 %s', (rm, want) => {
    expect(fp(`fadd.d fa0,fa0,fa1,${rm}`, [d(1), d(tiny)])).toEqual([want, NX]);
  });

  it('breaks ties to even under RNE and away from zero under RMM', () => {
    expect(fp('fadd.d fa0,fa0,fa1,rne', [d(1), d(2 ** -53)])).toEqual([d(1), NX]);
    expect(fp('fadd.d fa0,fa0,fa1,rmm', [d(1), d(2 ** -53)])).toEqual([d(1 + 2 ** -52), NX]);
    expect(fp('fadd.d fa0,fa0,fa1,rmm', [d(-1), d(-(2 ** -53))])).toEqual([d(-1 - 2 ** -52), NX]);
    expect(fp('fadd.d fa0,fa0,fa1,rdn', [d(-1), d(-tiny)])).toEqual([d(-1 - 2 ** -52), NX]);
  });

  it('uses the dynamic rounding mode from frm and rejects reserved ones', () => {
    expect(fp('fadd.d fa0,fa0,fa1', [d(1), d(tiny)], { frm: 3 })).toEqual([d(1 + 2 ** -52), NX]);
    m.ram.setUint32(0, assemble('fadd.d fa0,fa0,fa1'), true);
    m.hart.reset(BigInt(RAM_BASE), 'machine');
    m.hart.writeCsr(0x300, 1n << 13n);
    m.hart.writeCsr(0x002, 5n);
    m.hart.run(1);
    expect(m.faults[0]!.message).toMatch(/^illegal instruction/);
    m.faults.length = 0;
  });

  it('rounds x - x to -0 only under RDN', () => {
    expect(fp('fsub.d fa0,fa0,fa0,rne', [d(3)])[0]).toBe(d(0));
    expect(fp('fsub.d fa0,fa0,fa0,rdn', [d(3)])[0]).toBe(d(-0));
  });
});

describe('exception flags', () => {
  it('divides with DZ, NV and NX', () => {
    expect(fp('fdiv.d fa0,fa0,fa1', [d(1), d(0)])).toEqual([d(Infinity), DZ]);
    expect(fp('fdiv.d fa0,fa0,fa1', [d(0), d(0)])).toEqual([CANON_D, NV]);
    expect(fp('fdiv.d fa0,fa0,fa1', [d(1), d(3)])).toEqual([d(1 / 3), NX]);
    expect(fp('fdiv.d fa0,fa0,fa1', [d(6), d(3)])).toEqual([d(2), 0n]);
  });

  it('overflows to infinity or the largest finite value depending on the mode', () => {
    expect(fp('fmul.d fa0,fa0,fa1', [MAX_D, d(2)])).toEqual([d(Infinity), OF | NX]);
    expect(fp('fmul.d fa0,fa0,fa1,rtz', [MAX_D, d(2)])).toEqual([MAX_D, OF | NX]);
    expect(fp('fmul.d fa0,fa0,fa1,rdn', [MAX_D, d(-2)])).toEqual([d(-Infinity), OF | NX]);
  });

  it('underflows (tininess after rounding) and stays exact for representable subnormals', () => {
    expect(fp('fmul.d fa0,fa0,fa1', [d(2 ** -1000), d(2 ** -60)])).toEqual([d(2 ** -1060), 0n]);
    expect(fp('fmul.d fa0,fa0,fa1', [d(2 ** -1074), d(0.5)])).toEqual([d(0), UF | NX]);
    expect(fp('fmul.d fa0,fa0,fa1,rup', [d(2 ** -1074), d(0.5)])).toEqual([d(2 ** -1074), UF | NX]);
    // Exact product 2^-1022 * (1 - 2^-53) is tiny even after rounding; 2^-1022 * (1 - 2^-54) is not.
    expect(fp('fmul.d fa0,fa0,fa1', [d(2 ** -1022), d(1 - 2 ** -53)])).toEqual([d(2 ** -1022), UF | NX]);
    expect(fp('fmul.d fa0,fa0,fa1', [d(1 - 2 ** -27), d((1 + 2 ** -27) * 2 ** -1022)])).toEqual([d(2 ** -1022), NX]);
  });

  it('computes square roots', () => {
    expect(fp('fsqrt.d fa0,fa0', [d(4)])).toEqual([d(2), 0n]);
    expect(fp('fsqrt.d fa0,fa0', [d(2)])).toEqual([d(Math.SQRT2), NX]);
    expect(fp('fsqrt.d fa0,fa0', [d(-1)])).toEqual([CANON_D, NV]);
    expect(fp('fsqrt.d fa0,fa0', [d(-0)])).toEqual([d(-0), 0n]);
    expect(fp('fsqrt.s fa0,fa0', [s(2)])).toEqual([s(Math.fround(Math.SQRT2)), NX]);
  });

  it('signals NV for signaling NaN operands and returns canonical NaN', () => {
    expect(fp('fadd.d fa0,fa0,fa1', [SNAN_D, d(1)])).toEqual([CANON_D, NV]);
    expect(fp('fadd.d fa0,fa0,fa1', [CANON_D | 5n, d(1)])).toEqual([CANON_D, 0n]);
    expect(fp('fadd.d fa0,fa0,fa1', [d(Infinity), d(-Infinity)])).toEqual([CANON_D, NV]);
  });
});

describe('fused multiply-add', () => {
  it('rounds once', () => {
    const a = d(1 + 2 ** -52), b = d(1 - 2 ** -52);
    expect(fp('fmadd.d fa0,fa0,fa1,fa2', [a, b, d(-1)])).toEqual([d(-(2 ** -104)), 0n]);
    expect(fp('fmsub.d fa0,fa0,fa1,fa2', [a, b, d(1)])).toEqual([d(-(2 ** -104)), 0n]);
    expect(fp('fnmsub.d fa0,fa0,fa1,fa2', [d(2), d(3), d(10)])).toEqual([d(4), 0n]);
    expect(fp('fnmadd.d fa0,fa0,fa1,fa2', [d(2), d(3), d(10)])).toEqual([d(-16), 0n]);
    expect(fp('fmadd.s fa0,fa0,fa1,fa2', [s(1 + 2 ** -23), s(1 - 2 ** -23), s(-1)])).toEqual([s(-(2 ** -46)), 0n]);
  });

  it('raises NV for infinity times zero even with a quiet NaN addend', () => {
    expect(fp('fmadd.d fa0,fa0,fa1,fa2', [d(Infinity), d(0), CANON_D])).toEqual([CANON_D, NV]);
  });
});

describe('NaN boxing and sign injection', () => {
  it('reads improperly boxed singles as the canonical NaN', () => {
    expect(fp('fadd.s fa0,fa0,fa1', [0x3f800000n, s(1)])).toEqual([CANON_S, 0n]);
    expect(fp('fadd.s fa0,fa0,fa1', [s(1), s(2)])).toEqual([s(3), 0n]);
    expect(fp('fsgnjn.s fa0,fa0,fa0', [0x000000003f800000n])).toEqual([0xffffffffffc00000n, 0n]);
  });

  it('injects signs', () => {
    expect(fp('fsgnj.d fa0,fa0,fa1', [d(2), d(-1)])[0]).toBe(d(-2));
    expect(fp('fsgnjn.d fa0,fa0,fa1', [d(2), d(-1)])[0]).toBe(d(2));
    expect(fp('fsgnjx.d fa0,fa0,fa1', [d(-2), d(-1)])[0]).toBe(d(2));
  });

  it('moves bits with fmv and sign-extends fmv.x.w', () => {
    expect(fp('fmv.x.w a0,fa0', [0xffffffff80000000n], { intResult: true })[0]).toBe(0xffffffff80000000n);
    expect(fp('fmv.w.x fa0,a0', [], { x: [0x123456789n] })[0]).toBe(0xffffffff23456789n);
    expect(fp('fmv.x.d a0,fa0', [SNAN_D], { intResult: true })).toEqual([SNAN_D, 0n]);
  });
});

describe('min/max, compare, classify', () => {
  it('follows the 2019 minimumNumber/maximumNumber rules', () => {
    expect(fp('fmin.d fa0,fa0,fa1', [d(-0), d(0)])).toEqual([d(-0), 0n]);
    expect(fp('fmax.d fa0,fa0,fa1', [d(-0), d(0)])).toEqual([d(0), 0n]);
    expect(fp('fmin.d fa0,fa0,fa1', [CANON_D, d(1)])).toEqual([d(1), 0n]);
    expect(fp('fmin.d fa0,fa0,fa1', [SNAN_D, d(1)])).toEqual([d(1), NV]);
    expect(fp('fmax.d fa0,fa0,fa1', [SNAN_D, CANON_D])).toEqual([CANON_D, NV]);
    expect(fp('fmax.s fa0,fa0,fa1', [s(1), s(-3)])).toEqual([s(1), 0n]);
  });

  it('compares quietly (feq) or signalling (flt, fle)', () => {
    const o = { intResult: true };
    expect(fp('feq.d a0,fa0,fa1', [CANON_D, d(1)], o)).toEqual([0n, 0n]);
    expect(fp('feq.d a0,fa0,fa1', [SNAN_D, d(1)], o)).toEqual([0n, NV]);
    expect(fp('flt.d a0,fa0,fa1', [CANON_D, d(1)], o)).toEqual([0n, NV]);
    expect(fp('fle.d a0,fa0,fa1', [d(-0), d(0)], o)).toEqual([1n, 0n]);
    expect(fp('flt.s a0,fa0,fa1', [s(1), s(2)], o)).toEqual([1n, 0n]);
  });

  it('classifies', () => {
    const o = { intResult: true };
    expect(fp('fclass.d a0,fa0', [d(-Infinity)], o)[0]).toBe(1n);
    expect(fp('fclass.d a0,fa0', [d(-1)], o)[0]).toBe(2n);
    expect(fp('fclass.d a0,fa0', [d(-(2 ** -1074))], o)[0]).toBe(4n);
    expect(fp('fclass.d a0,fa0', [d(-0)], o)[0]).toBe(8n);
    expect(fp('fclass.d a0,fa0', [d(0)], o)[0]).toBe(16n);
    expect(fp('fclass.d a0,fa0', [d(2 ** -1074)], o)[0]).toBe(32n);
    expect(fp('fclass.d a0,fa0', [d(1)], o)[0]).toBe(64n);
    expect(fp('fclass.d a0,fa0', [d(Infinity)], o)[0]).toBe(128n);
    expect(fp('fclass.d a0,fa0', [SNAN_D], o)[0]).toBe(256n);
    expect(fp('fclass.s a0,fa0', [CANON_S], o)[0]).toBe(512n);
  });
});

describe('conversions', () => {
  const o = { intResult: true };
  it.each([
    ['fcvt.w.d a0,fa0,rne', d(2.5), 2n, NX],
    ['fcvt.w.d a0,fa0,rne', d(3.5), 4n, NX],
    ['fcvt.w.d a0,fa0,rmm', d(-2.5), -3n, NX],
    ['fcvt.w.d a0,fa0,rdn', d(-0.5), -1n, NX],
    ['fcvt.w.d a0,fa0,rup', d(0.25), 1n, NX],
    ['fcvt.w.d a0,fa0', d(1e10), 0x7fffffffn, NV],
    ['fcvt.w.d a0,fa0', d(-1e10), -0x80000000n, NV],
    ['fcvt.w.d a0,fa0', CANON_D, 0x7fffffffn, NV],
    ['fcvt.wu.d a0,fa0', d(-1), 0n, NV],
    ['fcvt.wu.d a0,fa0,rtz', d(-0.5), 0n, NX],
    ['fcvt.wu.d a0,fa0', d(3e9), -1294967296n, 0n],
    ['fcvt.l.d a0,fa0', d(-(2 ** 63)), -(2n ** 63n), 0n],
    ['fcvt.l.d a0,fa0', d(2 ** 63), 2n ** 63n - 1n, NV],
    ['fcvt.lu.d a0,fa0', d(2 ** 64), -1n, NV],
    ['fcvt.lu.d a0,fa0', d(-Infinity), 0n, NV],
    ['fcvt.l.d a0,fa0', CANON_D, 2n ** 63n - 1n, NV],
    ['fcvt.lu.d a0,fa0', CANON_D, -1n, NV],
    ['fcvt.l.s a0,fa0', s(-1.5), -2n, NX],
  ])('%s of %s', (line, input, want, flags) => {
    expect(fp(line, [input], o)).toEqual([BigInt.asUintN(64, want), flags]);
  });

  it('converts integers to floats with rounding', () => {
    expect(fp('fcvt.d.l fa0,a0', [], { x: [(1n << 53n) + 1n] })).toEqual([d(2 ** 53), NX]);
    expect(fp('fcvt.d.l fa0,a0,rup', [], { x: [(1n << 53n) + 1n] })).toEqual([d(2 ** 53 + 2), NX]);
    expect(fp('fcvt.d.lu fa0,a0', [], { x: [(1n << 64n) - 1n] })).toEqual([d(2 ** 64), NX]);
    expect(fp('fcvt.s.w fa0,a0', [], { x: [16777217n] })).toEqual([s(16777216), NX]);
    expect(fp('fcvt.s.w fa0,a0,rup', [], { x: [16777217n] })).toEqual([s(16777218), NX]);
    expect(fp('fcvt.d.w fa0,a0', [], { x: [BigInt.asUintN(64, -7n)] })).toEqual([d(-7), 0n]);
    expect(fp('fcvt.s.wu fa0,a0', [], { x: [0xffffffffn] })).toEqual([s(4294967296), NX]);
  });

  it('converts between single and double', () => {
    expect(fp('fcvt.s.d fa0,fa0', [d(1e40)])).toEqual([s(Infinity), OF | NX]);
    expect(fp('fcvt.s.d fa0,fa0', [d(1e-50)])).toEqual([s(0), UF | NX]);
    expect(fp('fcvt.s.d fa0,fa0,rtz', [d(1 + 2 ** -30)])).toEqual([s(1), NX]);
    expect(fp('fcvt.s.d fa0,fa0', [SNAN_D])).toEqual([CANON_S, NV]);
    expect(fp('fcvt.d.s fa0,fa0', [s(0.1)])).toEqual([d(Math.fround(0.1)), 0n]);
    expect(fp('fcvt.d.s fa0,fa0', [0xffffffff7f800001n])).toEqual([CANON_D, NV]);
  });
});

describe('loads and stores', () => {
  it('NaN-boxes flw and stores raw bits with fsw/fsd', () => {
    const p = machine(['li t0, 1', 'slli t0, t0, 13', 'csrw mstatus, t0', 'auipc s0, 0x1', 'li t1, -1', 'sw t1, 0(s0)', 'flw fa0, 0(s0)', 'fsd fa0, 8(s0)', 'fld fa1, 8(s0)', 'fsw fa1, 16(s0)', 'lwu a0, 16(s0)', 'ebreak']);
    p.run();
    expect(p.hart.getF(10)).toBe(0xffffffffffffffffn);
    expect(p.hart.getF(11)).toBe(0xffffffffffffffffn);
    expect(p.x(10)).toBe(0xffffffffn);
  });
});

describe('native fast path agrees with the exact path', () => {
  it('on random doubles (values and flags)', () => {
    let seed = 12345;
    const rnd = (): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 4294967296;
    };
    const ops = [['fadd.d', sf.add], ['fsub.d', null], ['fmul.d', sf.mul], ['fdiv.d', sf.div]] as const;
    for (let i = 0; i < 400; i++) {
      const a = (rnd() - 0.5) * 2 ** Math.floor(rnd() * 200 - 100);
      const b = (rnd() - 0.5) * 2 ** Math.floor(rnd() * 200 - 100);
      for (const [name, fn] of ops) {
        sf.fpStatus.flags = 0;
        const want = fn ? fn(sf.F64, d(a), d(b), 0) : sf.add(sf.F64, d(a), d(-b), 0);
        const got = fp(`${name} fa0,fa0,fa1`, [d(a), d(b)]);
        expect(got, `${name} ${a} ${b}`).toEqual([want, BigInt(sf.fpStatus.flags)]);
      }
      sf.fpStatus.flags = 0;
      const want = sf.sqrt(sf.F64, d(Math.abs(a)), 0);
      expect(fp('fsqrt.d fa0,fa0', [d(Math.abs(a))])).toEqual([want, BigInt(sf.fpStatus.flags)]);
    }
  });
});
