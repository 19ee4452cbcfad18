/**
 * The LA64 FPU (LoongArch Reference Manual Vol. 1, chapter 3): F and D on the 32 64-bit FPRs, the eight
 * condition flags FCC0-7 and FCSR0 (Enables 4..0, RM 9..8, Flags 20..16, Cause 28..24; FCSR1-3 are its
 * views). Arithmetic is exact IEEE 754 through core/cpu/softfloat.ts in the rounding mode of FCSR0.RM,
 * with its five flags (I, U, O, Z, V: the same bit order as FCSR's). A NaN operand propagates as QEMU's
 * LoongArch FPU does (checked against qemu-system-loongarch64 7.2 on 4308 cases, fp-differential.test.ts):
 * the first signalling NaN, quieted, else the first quiet NaN, in operand order; an invalid operation on
 * numbers gives the default NaN. An operation whose cause bits meet an enabled exception raises FPE and
 * writes nothing. With EUEN.FPE clear every FP instruction raises FPD.
 *
 * Single-precision values live in the low 32 bits of an FPR; an FP write of a single leaves the upper 32
 * bits zero (the manual leaves them undefined). FRECIP/FRSQRT are 1/x and 1/sqrt(x) rounded as two
 * operations. Left out: FSCALEB and FLOGB (not in the decode table).
 */
import * as sf from '../../cpu/softfloat';
import { Csr, Ecode } from './csr';
import type { Decoded } from './decoder';
import { LaTrap, type LaCpu } from './cpu';
import { FCMP_CONDITIONS } from './opcodes';

const F32 = sf.F32;
const F64 = sf.F64;
/** FCSR0.RM -> softfloat rounding mode: RNE, RZ, RP (towards +inf), RM (towards -inf). */
const ROUNDING = [sf.Rm.RNE, sf.Rm.RTZ, sf.Rm.RUP, sf.Rm.RDN] as const;
const FCMP = new Map(FCMP_CONDITIONS);

export const FCSR0_MASK = 0x1f1f031f;

export function isFloatOp(m: string): boolean {
  return /^(f|bc|movgr2f|movfr2|movfrh2|movcf2|movgr2cf|movfcsr2gr)/.test(m);
}

const u32 = (v: bigint): bigint => BigInt.asUintN(32, v);

export function executeFloat(cpu: LaCpu, d: Decoded, pc: bigint): void {
  if ((cpu.csr.get(Csr.EUEN)! & 1n) === 0n) throw new LaTrap(Ecode.FPD);
  const f = d.f;
  const m = d.row.mnemonic;
  const double = m.endsWith('.d');
  const fmt = double ? F64 : F32;
  const fr = (i: number | undefined): bigint => (double ? BigInt.asUintN(64, cpu.fpr[i ?? 0]!) : u32(cpu.fpr[i ?? 0]!));
  const fj = (): bigint => fr(f.fj);
  const fk = (): bigint => fr(f.fk);
  const rm = (): number => ROUNDING[(cpu.fcsr >> 8) & 3]!;
  const setF = (v: bigint, isDouble = double): void => {
    cpu.fpr[f.fd ?? 0] = BigInt.asIntN(64, isDouble ? v : u32(v));
  };
  /** Runs an arithmetic operation: cause and flags from softfloat, FPE when enabled, else the write. */
  const arith = (op: () => bigint, write: (v: bigint) => void = (v) => setF(v)): void => {
    sf.fpStatus.flags = 0;
    const v = op();
    const cause = sf.fpStatus.flags & 0x1f;
    cpu.fcsr = (cpu.fcsr & ~(0x1f << 24)) | (cause << 24);
    if (cause & cpu.fcsr & 0x1f) throw new LaTrap(Ecode.FPE);
    cpu.fcsr |= cause << 16;
    write(v);
  };
  const base = m.split('.')[0]!;

  /** NaN operands decide the result before the arithmetic (see the header). */
  const nanOr = (ops: readonly bigint[], op: () => bigint): bigint => propagateNaN(fmt, ops) ?? op();

  switch (base) {
    case 'fadd': return arith(() => nanOr([fj(), fk()], () => sf.add(fmt, fj(), fk(), rm())));
    case 'fsub': return arith(() => nanOr([fj(), fk()], () => sf.add(fmt, fj(), sf.negate(fmt, fk()), rm())));
    case 'fmul': return arith(() => nanOr([fj(), fk()], () => sf.mul(fmt, fj(), fk(), rm())));
    case 'fdiv': return arith(() => nanOr([fj(), fk()], () => sf.div(fmt, fj(), fk(), rm())));
    case 'fmadd': return arith(() => nanOr([fj(), fk(), fr(f.fa)], () => sf.fma(fmt, fj(), fk(), fr(f.fa), rm())));
    case 'fmsub': return arith(() => nanOr([fj(), fk(), fr(f.fa)], () => sf.fma(fmt, fj(), fk(), sf.negate(fmt, fr(f.fa)), rm())));
    case 'fnmadd': return arith(() => nanOr([fj(), fk(), fr(f.fa)], () => negateUnlessNaN(fmt, sf.fma(fmt, fj(), fk(), fr(f.fa), rm()))));
    case 'fnmsub': return arith(() => nanOr([fj(), fk(), fr(f.fa)], () => negateUnlessNaN(fmt, sf.fma(fmt, fj(), fk(), sf.negate(fmt, fr(f.fa)), rm()))));
    case 'fmax': case 'fmin': case 'fmaxa': case 'fmina':
      return arith(() => minMax(fmt, fj(), fk(), base.startsWith('fmax'), base.endsWith('a')));
    case 'fsqrt': return arith(() => nanOr([fj()], () => sf.sqrt(fmt, fj(), rm())));
    case 'frecip': return arith(() => nanOr([fj()], () => sf.div(fmt, one(fmt), fj(), rm())));
    case 'frsqrt': return arith(() => nanOr([fj()], () => sf.div(fmt, one(fmt), sf.sqrt(fmt, fj(), rm()), rm())));
    case 'fabs': return setF(fj() & ~signBit(fmt));
    case 'fneg': return setF(fj() ^ signBit(fmt));
    case 'fcopysign': return setF((fj() & ~signBit(fmt)) | (fk() & signBit(fmt)));
    case 'fclass': return setF(BigInt(classify(fmt, fj())));
    case 'fmov': return setF(fj());
    case 'fcvt':
      return m === 'fcvt.s.d'
        ? arith(() => convertNaN(F64, F32, BigInt.asUintN(64, cpu.fpr[f.fj!]!)) ?? sf.convert(F64, F32, BigInt.asUintN(64, cpu.fpr[f.fj!]!), rm()), (v) => setF(v, false))
        : arith(() => convertNaN(F32, F64, u32(cpu.fpr[f.fj!]!)) ?? sf.convert(F32, F64, u32(cpu.fpr[f.fj!]!), rm()), (v) => setF(v, true));
    case 'ftint': case 'ftintrm': case 'ftintrp': case 'ftintrz': case 'ftintrne': {
      // ftint<mode>.<w|l>.<s|d>
      const [, to, from] = m.split('.');
      const src = from === 'd' ? F64 : F32;
      const mode = base === 'ftint' ? rm() : { ftintrm: sf.Rm.RDN, ftintrp: sf.Rm.RUP, ftintrz: sf.Rm.RTZ, ftintrne: sf.Rm.RNE }[base]!;
      const width = to === 'w' ? 32 : 64;
      const bits = from === 'd' ? BigInt.asUintN(64, cpu.fpr[f.fj!]!) : u32(cpu.fpr[f.fj!]!);
      // A NaN converts to 0 with V; out of range saturates with V (softfloat's saturation).
      return arith(() => (sf.isNaN(src, bits) ? (sf.fpStatus.flags |= sf.Flag.NV, 0n) : sf.toInt(src, bits, mode, width, true)), (v) => setF(BigInt.asUintN(width, v), width === 64));
    }
    case 'ffint': {
      // ffint.<s|d>.<w|l>
      const [, to, from] = m.split('.');
      const raw = cpu.fpr[f.fj!]!;
      const value = from === 'w' ? BigInt.asIntN(32, raw) : raw;
      return arith(() => sf.fromInt(to === 'd' ? F64 : F32, value, rm()), (v) => setF(v, to === 'd'));
    }
    case 'frint': return arith(() => roundToIntegral(fmt, fj(), rm()));
    case 'fcmp': {
      // fcmp.<cond>.<s|d>
      const cond = FCMP.get(m.split('.')[1]!)!;
      const a = fj();
      const b = fk();
      return arith(() => {
        const unordered = sf.isNaN(fmt, a) || sf.isNaN(fmt, b);
        if (unordered && ((cond & 1) === 1 || sf.isSignaling(fmt, a) || sf.isSignaling(fmt, b))) sf.fpStatus.flags |= sf.Flag.NV;
        const rel = cond >> 1;
        if (unordered) return (rel & 4) !== 0 ? 1n : 0n;
        const c = compare(fmt, a, b);
        return (c < 0 && (rel & 9) !== 0) || (c === 0 && (rel & 2) !== 0) || (c > 0 && (rel & 8) !== 0) ? 1n : 0n;
      }, (v) => setFcc(cpu, f.cd!, v === 1n));
    }
    case 'fsel': return setF(BigInt.asUintN(64, cpu.fpr[(cpu.fcc >> f.ca!) & 1 ? f.fk! : f.fj!]!), true);
    case 'movgr2fr':
      if (m === 'movgr2fr.w') return setF(u32(cpu.r[f.rj!]!) | (BigInt.asUintN(64, cpu.fpr[f.fd!]!) & ~0xffff_ffffn), true);
      return setF(BigInt.asUintN(64, cpu.r[f.rj!]!), true);
    case 'movgr2frh': return setF((u32(cpu.r[f.rj!]!) << 32n) | u32(cpu.fpr[f.fd!]!), true);
    case 'movfr2gr': return cpu.setR(f.rd!, m === 'movfr2gr.s' ? BigInt.asIntN(32, cpu.fpr[f.fj!]!) : cpu.fpr[f.fj!]!);
    case 'movfrh2gr': return cpu.setR(f.rd!, BigInt.asIntN(32, cpu.fpr[f.fj!]! >> 32n));
    case 'movgr2fcsr': {
      const v = Number(u32(cpu.r[f.rj!]!));
      const n = f.fcsrd!;
      if (n === 0) cpu.fcsr = v & FCSR0_MASK;
      else if (n === 1) cpu.fcsr = (cpu.fcsr & ~0x1f) | (v & 0x1f);
      else if (n === 2) cpu.fcsr = (cpu.fcsr & ~0x1f1f0000) | (v & 0x1f1f0000);
      else if (n === 3) cpu.fcsr = (cpu.fcsr & ~0x300) | (v & 0x300);
      else cpu.stop('unimplemented-register', `FCSR${n} does not exist`);
      return;
    }
    case 'movfcsr2gr': {
      const n = f.fcsrs!;
      const masks = [FCSR0_MASK, 0x1f, 0x1f1f0000, 0x300];
      if (n > 3) cpu.stop('unimplemented-register', `FCSR${n} does not exist`);
      return cpu.setR(f.rd!, BigInt(cpu.fcsr & masks[n]!));
    }
    case 'movfr2cf': return setFcc(cpu, f.cd!, (cpu.fpr[f.fj!]! & 1n) === 1n);
    case 'movcf2fr': return setF(BigInt((cpu.fcc >> f.cj!) & 1), true);
    case 'movgr2cf': return setFcc(cpu, f.cd!, (cpu.r[f.rj!]! & 1n) === 1n);
    case 'movcf2gr': return cpu.setR(f.rd!, BigInt((cpu.fcc >> f.cj!) & 1));
    case 'fld': case 'fldx': {
      const address = cpu.r[f.rj!]! + (base === 'fld' ? BigInt(f.si12!) : cpu.r[f.rk!]!);
      const size = m.endsWith('.d') ? 8 : 4;
      return setF(cpu.load(address, size, false), size === 8);
    }
    case 'fst': case 'fstx': {
      const address = cpu.r[f.rj!]! + (base === 'fst' ? BigInt(f.si12!) : cpu.r[f.rk!]!);
      return cpu.store(address, m.endsWith('.d') ? 8 : 4, cpu.fpr[f.fd!]!);
    }
    case 'bceqz': if (((cpu.fcc >> f.cj!) & 1) === 0) cpu.nextPc = pc + BigInt(f.offs21!); return;
    case 'bcnez': if (((cpu.fcc >> f.cj!) & 1) === 1) cpu.nextPc = pc + BigInt(f.offs21!); return;
    default:
      cpu.stop('undefined-instruction', `instruction ${m} has no semantics yet`);
  }
}

function setFcc(cpu: LaCpu, n: number, value: boolean): void {
  cpu.fcc = value ? cpu.fcc | (1 << n) : cpu.fcc & ~(1 << n);
}

const signBit = (f: sf.FloatFormat): bigint => 1n << BigInt(f.bits - 1);
const one = (f: sf.FloatFormat): bigint => (f.bits === 32 ? 0x3f80_0000n : 0x3ff0_0000_0000_0000n);
const magnitude = (f: sf.FloatFormat, a: bigint): bigint => a & ~signBit(f);

const quiet = (f: sf.FloatFormat, a: bigint): bigint => a | (1n << BigInt(f.p - 2));

/** The NaN result of an operation with NaN operands (V when one is signalling), or undefined when none is a NaN. */
function propagateNaN(f: sf.FloatFormat, ops: readonly bigint[]): bigint | undefined {
  if (!ops.some((x) => sf.isNaN(f, x))) return undefined;
  const signalling = ops.find((x) => sf.isSignaling(f, x));
  if (signalling !== undefined) {
    sf.fpStatus.flags |= sf.Flag.NV;
    return quiet(f, signalling);
  }
  return ops.find((x) => sf.isNaN(f, x))!;
}

/** FCVT of a NaN keeps its sign and the top of its payload, quieted (V when it was signalling). */
function convertNaN(from: sf.FloatFormat, to: sf.FloatFormat, a: bigint): bigint | undefined {
  if (!sf.isNaN(from, a)) return undefined;
  if (sf.isSignaling(from, a)) sf.fpStatus.flags |= sf.Flag.NV;
  const sign = (a >> BigInt(from.bits - 1)) & 1n;
  const payload = a & ((1n << BigInt(from.p - 1)) - 1n);
  const moved = from.p > to.p ? payload >> BigInt(from.p - to.p) : payload << BigInt(to.p - from.p);
  const exp = ((1n << BigInt(to.bits - to.p)) - 1n) << BigInt(to.p - 1);
  return quiet(to, (sign << BigInt(to.bits - 1)) | exp | moved);
}

function negateUnlessNaN(f: sf.FloatFormat, v: bigint): bigint {
  return sf.isNaN(f, v) ? v : sf.negate(f, v);
}

/** -1, 0, 1 for ordered a < b, a == b (+0 == -0), a > b. */
function compare(f: sf.FloatFormat, a: bigint, b: bigint): number {
  const sa = (a & signBit(f)) !== 0n;
  const sb = (b & signBit(f)) !== 0n;
  const ma = magnitude(f, a);
  const mb = magnitude(f, b);
  if (ma === 0n && mb === 0n) return 0;
  const ka = sa ? -ma : ma;
  const kb = sb ? -mb : mb;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** IEEE 754-2008 maxNum/minNum (a quiet NaN loses to a number; a signalling one raises V), by magnitude for *a. */
function minMax(f: sf.FloatFormat, a: bigint, b: bigint, max: boolean, byMagnitude: boolean): bigint {
  const na = sf.isNaN(f, a);
  const nb = sf.isNaN(f, b);
  // A signalling NaN propagates (quieted) with V; quiet NaNs lose to numbers (maxNum/minNum).
  if (sf.isSignaling(f, a) || sf.isSignaling(f, b) || (na && nb)) return propagateNaN(f, [a, b])!;
  if (na) return b;
  if (nb) return a;
  let c = byMagnitude ? compare(f, magnitude(f, a), magnitude(f, b)) : compare(f, a, b);
  // Equal magnitudes (or +0/-0): order by sign, so max(-0, +0) = +0 and min = -0.
  if (c === 0) c = compare(f, a, b) === 0 ? ((a & signBit(f)) !== 0n ? -1 : (b & signBit(f)) !== 0n ? 1 : 0) : compare(f, a, b);
  return (max ? c >= 0 : c <= 0) ? a : b;
}

/** FCLASS bits: SNaN, QNaN, then -inf, -normal, -subnormal, -zero, +inf, +normal, +subnormal, +zero. */
function classify(f: sf.FloatFormat, a: bigint): number {
  if (sf.isNaN(f, a)) return sf.isSignaling(f, a) ? 0x1 : 0x2;
  const negative = (a & signBit(f)) !== 0n;
  const expBits = f.bits - f.p;
  const exp = (a >> BigInt(f.p - 1)) & ((1n << BigInt(expBits)) - 1n);
  const frac = a & ((1n << BigInt(f.p - 1)) - 1n);
  let k: number;
  if (exp === (1n << BigInt(expBits)) - 1n) k = 0;
  else if (exp !== 0n) k = 1;
  else if (frac !== 0n) k = 2;
  else k = 3;
  return 1 << (2 + (negative ? 0 : 4) + k);
}

/** FRINT: round to an integral value in the current mode (exact values unchanged; inexact sets I). */
function roundToIntegral(f: sf.FloatFormat, a: bigint, rm: number): bigint {
  if (sf.isNaN(f, a)) return propagateNaN(f, [a])!;
  const exp = Number((a >> BigInt(f.p - 1)) & ((1n << BigInt(f.bits - f.p)) - 1n)) - f.emax;
  // Infinities and values of magnitude >= 2^(p-1) are integral already.
  if (exp >= f.p - 1) return a;
  const v = sf.toInt(f, a, rm, 64, true);
  const sign = a & signBit(f);
  return v === 0n ? sign : sf.fromInt(f, v, rm);
}
