/**
 * LSX, the LA64 128-bit SIMD extension (LoongArch Reference Manual Vol. 2), as far as Debian's loong64
 * guests use it: the instructions in Debian's busybox-static (glibc's LSX string routines and GCC's
 * vectorised loops) and in the kernel's lazy LSX context switch (VLD/VST, VPICKVE2GR.D, VINSGR2VR.D), and
 * each of their families in every element width: loads, stores, replicate, insert, extract (VLD, VST,
 * VLDX, VSTX, VLDREPL, VSTELM, VLDI, VREPLGR2VR, VINSGR2VR, VPICKVE2GR, VREPLVE, VREPLVEI, VEXTRINS), the
 * bitwise ones (.V and the byte immediates, VBITSEL), integer add/sub/min/max/compare/shift/rotate/
 * multiply with register and immediate forms, widening adds (VADDW*, VSUBW*, VHADDW, VHSUBW, VEXTH),
 * interleave/pack/pick/shuffle (VILV*, VPACK*, VPICK*, VSHUF, VSHUF4I, VPERMI.W), counts (VPCNT, VCLO,
 * VCLZ), masks (VMSKNZ.B, VMSKLTZ), the FCC tests (VSETEQZ.V ... VSETALLNEZ) and VFRSTP(I).
 *
 * Vector register n is 128 bits: its low 64 bits are FPR n (cpu.fpr), its high 64 bits cpu.vhi[n], both
 * in the CPU's shared region. A scalar FP write leaves the high half as it was (the manual leaves it
 * UNPREDICTABLE; QEMU keeps it). With CSR.EUEN.SXE clear every LSX instruction raises SXD (ecode 0x10)
 * before it reads anything, which Linux's lazy LSX switch relies on. Semantics follow the manual, with
 * QEMU's LoongArch target (target/loongarch/tcg vec_helper.c, trans_vec.c.inc) where the manual is
 * silent: VLDI's modes (13-15 raise INE), VBSRL/VBSLL shift by ui5 & 15 bytes, VSHUF.B takes its index
 * modulo 32.
 *
 * Left out: the vector floating-point instructions (VF*, VFCMP, VFCVT, VFTINT, VFFINT), saturating,
 * averaging, absolute-difference, division, multiply-add and the narrowing shifts (VSSRAN..., VSRLN...),
 * VSAT, VSIGNCOV, VBITCLR/SET/REV and LASX (xv*, CPUCFG2 says LASX is absent): a word of those is
 * unallocated and stops the CPU with the usual report.
 */
import { Csr, Ecode } from './csr';
import type { Decoded } from './decoder';
import { LaTrap, type LaCpu } from './cpu';

/** A 128-bit scratch vector with the typed views the lane helpers use. */
class Vec {
  readonly buf = new ArrayBuffer(16);
  readonly u8 = new Uint8Array(this.buf);
  readonly i8 = new Int8Array(this.buf);
  readonly u16 = new Uint16Array(this.buf);
  readonly i16 = new Int16Array(this.buf);
  readonly u32 = new Uint32Array(this.buf);
  readonly i32 = new Int32Array(this.buf);
  readonly u64 = new BigUint64Array(this.buf);
  readonly i64 = new BigInt64Array(this.buf);
}

const VJ = new Vec();
const VK = new Vec();
const VA = new Vec();
const VD = new Vec();
const OUT = new Vec();

/** Element sizes in bytes by mnemonic suffix letter. */
const ESZ: Readonly<Record<string, 1 | 2 | 4 | 8 | 16>> = { b: 1, h: 2, w: 4, d: 8, q: 16 };

function readV(cpu: LaCpu, n: number, into: Vec): Vec {
  into.i64[0] = cpu.fpr[n]!;
  into.i64[1] = cpu.vhi[n]!;
  return into;
}

function writeV(cpu: LaCpu, n: number, from: Vec): void {
  cpu.fpr[n] = from.i64[0]!;
  cpu.vhi[n] = from.i64[1]!;
}

/** Lane i of size e bytes as a BigInt, signed or not. */
function get(v: Vec, e: number, i: number, signed: boolean): bigint {
  switch (e) {
    case 1: return BigInt(signed ? v.i8[i]! : v.u8[i]!);
    case 2: return BigInt(signed ? v.i16[i]! : v.u16[i]!);
    case 4: return BigInt(signed ? v.i32[i]! : v.u32[i]!);
    case 8: return signed ? v.i64[i]! : v.u64[i]!;
    default: {
      const x = (v.u64[1]! << 64n) | v.u64[0]!;
      return signed ? BigInt.asIntN(128, x) : x;
    }
  }
}

/** Sets lane i of size e bytes to x (truncated). */
function set(v: Vec, e: number, i: number, x: bigint): void {
  switch (e) {
    case 1: v.u8[i] = Number(BigInt.asUintN(8, x)); return;
    case 2: v.u16[i] = Number(BigInt.asUintN(16, x)); return;
    case 4: v.u32[i] = Number(BigInt.asUintN(32, x)); return;
    case 8: v.u64[i] = BigInt.asUintN(64, x); return;
    default:
      v.u64[0] = BigInt.asUintN(64, x);
      v.u64[1] = BigInt.asUintN(64, x >> 64n);
  }
}

function sxe(cpu: LaCpu): void {
  if ((cpu.csr.get(Csr.EUEN)! & 2n) === 0n) throw new LaTrap(Ecode.SXD);
}

type VecOp = (cpu: LaCpu, d: Decoded) => void;

const OPS: Record<string, VecOp> = {};

const popcount = (x: bigint): bigint => {
  let n = 0n;
  for (let v = x; v; v >>= 1n) n += v & 1n;
  return n;
};

const clz = (x: bigint, bits: number): bigint => {
  let n = 0;
  for (let i = bits - 1; i >= 0 && ((x >> BigInt(i)) & 1n) === 0n; i--) n++;
  return BigInt(n);
};

/** vd[i] = f(vj[i], vk[i]) over lanes of e bytes. */
function laneBinary(e: number, signed: boolean, f: (a: bigint, b: bigint, bits: bigint) => bigint): VecOp {
  const n = 16 / e;
  const bits = BigInt(e * 8);
  return (cpu, d) => {
    const a = readV(cpu, d.f.vj!, VJ);
    const b = readV(cpu, d.f.vk!, VK);
    for (let i = 0; i < n; i++) set(OUT, e, i, f(get(a, e, i, signed), get(b, e, i, signed), bits));
    writeV(cpu, d.f.vd!, OUT);
  };
}

/** vd[i] = f(vj[i], imm) over lanes of e bytes; imm is the row's immediate field. */
function laneImm(e: number, signed: boolean, field: 'vsi5' | 'vui3' | 'vui4' | 'vui5' | 'vui6' | 'vui8', f: (a: bigint, imm: bigint, bits: bigint) => bigint): VecOp {
  const n = 16 / e;
  const bits = BigInt(e * 8);
  return (cpu, d) => {
    const a = readV(cpu, d.f.vj!, VJ);
    const imm = BigInt(d.f[field]!);
    for (let i = 0; i < n; i++) set(OUT, e, i, f(get(a, e, i, signed), imm, bits));
    writeV(cpu, d.f.vd!, OUT);
  };
}

/** vd[i] = f(vj[i]). */
function laneUnary(e: number, signed: boolean, f: (a: bigint, bits: number) => bigint): VecOp {
  const n = 16 / e;
  return (cpu, d) => {
    const a = readV(cpu, d.f.vj!, VJ);
    for (let i = 0; i < n; i++) set(OUT, e, i, f(get(a, e, i, signed), e * 8));
    writeV(cpu, d.f.vd!, OUT);
  };
}

const mask = (bits: bigint): bigint => (1n << bits) - 1n;
const shiftAmount = (b: bigint, bits: bigint): bigint => BigInt.asUintN(64, b) % bits;
const rotr = (a: bigint, s: bigint, bits: bigint): bigint => {
  const x = BigInt.asUintN(Number(bits), a);
  return s === 0n ? x : (x >> s) | ((x << (bits - s)) & mask(bits));
};

/** Element suffixes: signed (b, h, w, d) and unsigned (bu, hu, wu, du). */
const SIGNED = ['b', 'h', 'w', 'd'] as const;
const UNSIGNED = ['bu', 'hu', 'wu', 'du'] as const;

// --- integer lane arithmetic ---
for (const s of [...SIGNED, 'q'] as const) {
  const e = ESZ[s]!;
  OPS[`vadd.${s}`] = laneBinary(e, false, (a, b) => a + b);
  OPS[`vsub.${s}`] = laneBinary(e, false, (a, b) => a - b);
}
for (const s of SIGNED) {
  const e = ESZ[s]!;
  OPS[`vmul.${s}`] = laneBinary(e, false, (a, b) => a * b);
  OPS[`vneg.${s}`] = laneUnary(e, false, (a) => -a);
  OPS[`vpcnt.${s}`] = laneUnary(e, false, (a) => popcount(a));
  OPS[`vclz.${s}`] = laneUnary(e, false, (a, bits) => clz(a, bits));
  OPS[`vclo.${s}`] = laneUnary(e, false, (a, bits) => clz(BigInt.asUintN(bits, ~a), bits));
  OPS[`vseq.${s}`] = laneBinary(e, false, (a, b) => (a === b ? -1n : 0n));
  OPS[`vseqi.${s}`] = laneImm(e, true, 'vsi5', (a, imm) => (a === imm ? -1n : 0n));
  OPS[`vsll.${s}`] = laneBinary(e, false, (a, b, bits) => a << shiftAmount(b, bits));
  OPS[`vsrl.${s}`] = laneBinary(e, false, (a, b, bits) => a >> shiftAmount(b, bits));
  OPS[`vsra.${s}`] = laneBinary(e, true, (a, b, bits) => a >> shiftAmount(b, bits));
  OPS[`vrotr.${s}`] = laneBinary(e, false, (a, b, bits) => rotr(a, shiftAmount(b, bits), bits));
  const sh = ({ b: 'vui3', h: 'vui4', w: 'vui5', d: 'vui6' } as const)[s];
  OPS[`vslli.${s}`] = laneImm(e, false, sh, (a, imm) => a << imm);
  OPS[`vsrli.${s}`] = laneImm(e, false, sh, (a, imm) => a >> imm);
  OPS[`vsrai.${s}`] = laneImm(e, true, sh, (a, imm) => a >> imm);
  OPS[`vrotri.${s}`] = laneImm(e, false, sh, (a, imm, bits) => rotr(a, imm, bits));
}
for (const s of UNSIGNED) {
  const e = ESZ[s[0]!]!;
  OPS[`vaddi.${s}`] = laneImm(e, false, 'vui5', (a, imm) => a + imm);
  OPS[`vsubi.${s}`] = laneImm(e, false, 'vui5', (a, imm) => a - imm);
}
for (const s of [...SIGNED, ...UNSIGNED]) {
  const e = ESZ[s[0]!]!;
  const signed = s.length === 1;
  const imm = signed ? 'vsi5' : 'vui5';
  OPS[`vmin.${s}`] = laneBinary(e, signed, (a, b) => (a < b ? a : b));
  OPS[`vmax.${s}`] = laneBinary(e, signed, (a, b) => (a > b ? a : b));
  OPS[`vmini.${s}`] = laneImm(e, signed, imm, (a, b) => (a < b ? a : b));
  OPS[`vmaxi.${s}`] = laneImm(e, signed, imm, (a, b) => (a > b ? a : b));
  OPS[`vslt.${s}`] = laneBinary(e, signed, (a, b) => (a < b ? -1n : 0n));
  OPS[`vsle.${s}`] = laneBinary(e, signed, (a, b) => (a <= b ? -1n : 0n));
  OPS[`vslti.${s}`] = laneImm(e, signed, imm, (a, b) => (a < b ? -1n : 0n));
  OPS[`vslei.${s}`] = laneImm(e, signed, imm, (a, b) => (a <= b ? -1n : 0n));
}

// --- bitwise ---
const logic: Record<string, (a: bigint, b: bigint) => bigint> = {
  'vand.v': (a, b) => a & b, 'vor.v': (a, b) => a | b, 'vxor.v': (a, b) => a ^ b, 'vnor.v': (a, b) => ~(a | b),
  // VANDN.V is vk & ~vj, VORN.V is vj | ~vk (manual; QEMU's andc(vk, vj) and orc(vj, vk)).
  'vandn.v': (a, b) => b & ~a, 'vorn.v': (a, b) => a | ~b,
};
for (const [m, f] of Object.entries(logic)) OPS[m] = laneBinary(8, false, f);
OPS['vandi.b'] = laneImm(1, false, 'vui8', (a, imm) => a & imm);
OPS['vori.b'] = laneImm(1, false, 'vui8', (a, imm) => a | imm);
OPS['vxori.b'] = laneImm(1, false, 'vui8', (a, imm) => a ^ imm);
OPS['vnori.b'] = laneImm(1, false, 'vui8', (a, imm) => ~(a | imm));
OPS['vbitsel.v'] = (cpu, d) => {
  const j = readV(cpu, d.f.vj!, VJ);
  const k = readV(cpu, d.f.vk!, VK);
  const a = readV(cpu, d.f.va!, VA);
  for (let i = 0; i < 2; i++) OUT.u64[i] = (j.u64[i]! & ~a.u64[i]!) | (k.u64[i]! & a.u64[i]!);
  writeV(cpu, d.f.vd!, OUT);
};
OPS['vbitseli.b'] = (cpu, d) => {
  const j = readV(cpu, d.f.vj!, VJ);
  const old = readV(cpu, d.f.vd!, VD);
  const imm = d.f.vui8!;
  for (let i = 0; i < 16; i++) OUT.u8[i] = (~old.u8[i]! & j.u8[i]!) | (old.u8[i]! & imm);
  writeV(cpu, d.f.vd!, OUT);
};

// --- byte shifts of the whole register ---
OPS['vbsll.v'] = (cpu, d) => {
  const x = get(readV(cpu, d.f.vj!, VJ), 16, 0, false);
  set(OUT, 16, 0, x << BigInt((d.f.vui5! & 15) * 8));
  writeV(cpu, d.f.vd!, OUT);
};
OPS['vbsrl.v'] = (cpu, d) => {
  const x = get(readV(cpu, d.f.vj!, VJ), 16, 0, false);
  set(OUT, 16, 0, x >> BigInt((d.f.vui5! & 15) * 8));
  writeV(cpu, d.f.vd!, OUT);
};

// --- widening add/sub: the even or odd lanes of vj and vk, extended to twice the width ---
const WIDE = [['h', 'b'], ['w', 'h'], ['d', 'w'], ['q', 'd']] as const;
for (const [wide, narrow] of WIDE) {
  const e = ESZ[narrow]!;
  const n = 8 / e;
  const make = (odd: boolean, sub: boolean, sj: boolean, sk: boolean): VecOp => (cpu, d) => {
    const a = readV(cpu, d.f.vj!, VJ);
    const b = readV(cpu, d.f.vk!, VK);
    for (let i = 0; i < n; i++) {
      const x = get(a, e, 2 * i + (odd ? 1 : 0), sj);
      const y = get(b, e, 2 * i + (odd ? 1 : 0), sk);
      set(OUT, 2 * e, i, sub ? x - y : x + y);
    }
    writeV(cpu, d.f.vd!, OUT);
  };
  for (const [op, sub] of [['add', false], ['sub', true]] as const) {
    OPS[`v${op}wev.${wide}.${narrow}`] = make(false, sub, true, true);
    OPS[`v${op}wod.${wide}.${narrow}`] = make(true, sub, true, true);
    OPS[`v${op}wev.${wide}.${narrow}u`] = make(false, sub, false, false);
    OPS[`v${op}wod.${wide}.${narrow}u`] = make(true, sub, false, false);
  }
  OPS[`vaddwev.${wide}.${narrow}u.${narrow}`] = make(false, false, false, true);
  OPS[`vaddwod.${wide}.${narrow}u.${narrow}`] = make(true, false, false, true);
  // VHADDW/VHSUBW: vd[i] = vj[2i+1] +/- vk[2i], extended.
  const horizontal = (sub: boolean, signed: boolean): VecOp => (cpu, d) => {
    const a = readV(cpu, d.f.vj!, VJ);
    const b = readV(cpu, d.f.vk!, VK);
    for (let i = 0; i < n; i++) {
      const x = get(a, e, 2 * i + 1, signed);
      const y = get(b, e, 2 * i, signed);
      set(OUT, 2 * e, i, sub ? x - y : x + y);
    }
    writeV(cpu, d.f.vd!, OUT);
  };
  OPS[`vhaddw.${wide}.${narrow}`] = horizontal(false, true);
  OPS[`vhsubw.${wide}.${narrow}`] = horizontal(true, true);
  OPS[`vhaddw.${wide}u.${narrow}u`] = horizontal(false, false);
  OPS[`vhsubw.${wide}u.${narrow}u`] = horizontal(true, false);
  // VEXTH: the high half's lanes, extended.
  const exth = (signed: boolean): VecOp => (cpu, d) => {
    const a = readV(cpu, d.f.vj!, VJ);
    for (let i = 0; i < n; i++) set(OUT, 2 * e, i, get(a, e, n + i, signed));
    writeV(cpu, d.f.vd!, OUT);
  };
  OPS[`vexth.${wide}.${narrow}`] = exth(true);
  OPS[`vexth.${wide}u.${narrow}u`] = exth(false);
}

// --- interleave, pack, pick, shuffle ---
for (const s of SIGNED) {
  const e = ESZ[s]!;
  const n = 16 / e;
  const h = n / 2;
  const perm = (f: (a: Vec, b: Vec, i: number) => bigint): VecOp => (cpu, d) => {
    const a = readV(cpu, d.f.vj!, VJ);
    const b = readV(cpu, d.f.vk!, VK);
    for (let i = 0; i < n; i++) set(OUT, e, i, f(a, b, i));
    writeV(cpu, d.f.vd!, OUT);
  };
  // Even result lanes from vk, odd ones from vj.
  OPS[`vilvl.${s}`] = perm((a, b, i) => get(i & 1 ? a : b, e, i >> 1, false));
  OPS[`vilvh.${s}`] = perm((a, b, i) => get(i & 1 ? a : b, e, h + (i >> 1), false));
  OPS[`vpackev.${s}`] = perm((a, b, i) => get(i & 1 ? a : b, e, i & ~1, false));
  OPS[`vpackod.${s}`] = perm((a, b, i) => get(i & 1 ? a : b, e, i | 1, false));
  // The low half of the result from vk, the high half from vj.
  OPS[`vpickev.${s}`] = perm((a, b, i) => get(i < h ? b : a, e, 2 * (i % h), false));
  OPS[`vpickod.${s}`] = perm((a, b, i) => get(i < h ? b : a, e, 2 * (i % h) + 1, false));
  if (s !== 'b') {
    // VSHUF.H/W/D: vd's own lanes are the indexes into vk:vj (vk the lower half).
    OPS[`vshuf.${s}`] = (cpu, d) => {
      const a = readV(cpu, d.f.vj!, VJ);
      const b = readV(cpu, d.f.vk!, VK);
      const idx = readV(cpu, d.f.vd!, VD);
      for (let i = 0; i < n; i++) {
        const k = Number(get(idx, e, i, false) & 0xffn) % (2 * n);
        set(OUT, e, i, k < n ? get(b, e, k, false) : get(a, e, k - n, false));
      }
      writeV(cpu, d.f.vd!, OUT);
    };
  }
  // VSHUF4I: within each group of four lanes, lane i takes lane imm[2i+1:2i] (.D: from vd:vj).
  OPS[`vshuf4i.${s}`] = s === 'd'
    ? (cpu, d) => {
        const a = readV(cpu, d.f.vj!, VJ);
        const old = readV(cpu, d.f.vd!, VD);
        const imm = d.f.vui8!;
        OUT.u64[0] = (imm & 2 ? a : old).u64[imm & 1]!;
        OUT.u64[1] = (imm & 8 ? a : old).u64[(imm >> 2) & 1]!;
        writeV(cpu, d.f.vd!, OUT);
      }
    : (cpu, d) => {
        const a = readV(cpu, d.f.vj!, VJ);
        const imm = d.f.vui8!;
        for (let i = 0; i < n; i++) set(OUT, e, i, get(a, e, (i & ~3) + ((imm >> (2 * (i & 3))) & 3), false));
        writeV(cpu, d.f.vd!, OUT);
      };
  // VEXTRINS: vd[imm[7:4]] = vj[imm[3:0]] (indexes masked to the lane count); the other lanes stay.
  OPS[`vextrins.${s}`] = (cpu, d) => {
    const a = readV(cpu, d.f.vj!, VJ);
    const out = readV(cpu, d.f.vd!, OUT);
    const imm = d.f.vui8!;
    set(out, e, (imm >> 4) & (n - 1), get(a, e, imm & (n - 1), false));
    writeV(cpu, d.f.vd!, out);
  };
}
OPS['vshuf.b'] = (cpu, d) => {
  const a = readV(cpu, d.f.vj!, VJ);
  const b = readV(cpu, d.f.vk!, VK);
  const idx = readV(cpu, d.f.va!, VA);
  for (let i = 0; i < 16; i++) {
    const k = idx.u8[i]! % 32;
    OUT.u8[i] = k < 16 ? b.u8[k]! : a.u8[k - 16]!;
  }
  writeV(cpu, d.f.vd!, OUT);
};
OPS['vpermi.w'] = (cpu, d) => {
  const a = readV(cpu, d.f.vj!, VJ);
  const old = readV(cpu, d.f.vd!, VD);
  const imm = d.f.vui8!;
  OUT.u32[0] = a.u32[imm & 3]!;
  OUT.u32[1] = a.u32[(imm >> 2) & 3]!;
  OUT.u32[2] = old.u32[(imm >> 4) & 3]!;
  OUT.u32[3] = old.u32[(imm >> 6) & 3]!;
  writeV(cpu, d.f.vd!, OUT);
};

// --- masks and FCC tests ---
OPS['vmsknz.b'] = (cpu, d) => {
  const a = readV(cpu, d.f.vj!, VJ);
  let m = 0;
  for (let i = 0; i < 16; i++) if (a.u8[i] !== 0) m |= 1 << i;
  OUT.u64[0] = BigInt(m);
  OUT.u64[1] = 0n;
  writeV(cpu, d.f.vd!, OUT);
};
for (const s of SIGNED) {
  const e = ESZ[s]!;
  const n = 16 / e;
  OPS[`vmskltz.${s}`] = (cpu, d) => {
    const a = readV(cpu, d.f.vj!, VJ);
    let m = 0;
    for (let i = 0; i < n; i++) if (get(a, e, i, true) < 0n) m |= 1 << i;
    OUT.u64[0] = BigInt(m);
    OUT.u64[1] = 0n;
    writeV(cpu, d.f.vd!, OUT);
  };
  const anyZero = (a: Vec): boolean => {
    for (let i = 0; i < n; i++) if (get(a, e, i, false) === 0n) return true;
    return false;
  };
  OPS[`vsetanyeqz.${s}`] = (cpu, d) => setFcc(cpu, d.f.cd!, anyZero(readV(cpu, d.f.vj!, VJ)));
  OPS[`vsetallnez.${s}`] = (cpu, d) => setFcc(cpu, d.f.cd!, !anyZero(readV(cpu, d.f.vj!, VJ)));
}
OPS['vseteqz.v'] = (cpu, d) => {
  const a = readV(cpu, d.f.vj!, VJ);
  setFcc(cpu, d.f.cd!, a.u64[0] === 0n && a.u64[1] === 0n);
};
OPS['vsetnez.v'] = (cpu, d) => {
  const a = readV(cpu, d.f.vj!, VJ);
  setFcc(cpu, d.f.cd!, a.u64[0] !== 0n || a.u64[1] !== 0n);
};
// VFRSTP(I): the index of vj's first negative lane (the lane count if none) into vd[m]; m = ui5 (or vk's
// lane 0) modulo the lane count. The other lanes of vd stay.
for (const s of ['b', 'h'] as const) {
  const e = ESZ[s]!;
  const n = 16 / e;
  const frstp = (cpu: LaCpu, d: Decoded, m: number): void => {
    const a = readV(cpu, d.f.vj!, VJ);
    let j = 0;
    while (j < n && get(a, e, j, true) >= 0n) j++;
    const out = readV(cpu, d.f.vd!, OUT);
    set(out, e, m % n, BigInt(j));
    writeV(cpu, d.f.vd!, out);
  };
  OPS[`vfrstpi.${s}`] = (cpu, d) => frstp(cpu, d, d.f.vui5!);
  OPS[`vfrstp.${s}`] = (cpu, d) => frstp(cpu, d, Number(get(readV(cpu, d.f.vk!, VK), e, 0, false) & 0xffn));
}

function setFcc(cpu: LaCpu, n: number, value: boolean): void {
  cpu.fcc = value ? cpu.fcc | (1 << n) : cpu.fcc & ~(1 << n);
}

// --- loads, stores, replicate, insert, extract ---
OPS.vld = (cpu, d) => load128(cpu, d.f.vd!, cpu.r[d.rj]! + BigInt(d.f.si12!));
OPS.vldx = (cpu, d) => load128(cpu, d.f.vd!, cpu.r[d.rj]! + cpu.r[d.rk]!);
OPS.vst = (cpu, d) => store128(cpu, d.f.vd!, cpu.r[d.rj]! + BigInt(d.f.si12!));
OPS.vstx = (cpu, d) => store128(cpu, d.f.vd!, cpu.r[d.rj]! + cpu.r[d.rk]!);

function load128(cpu: LaCpu, vd: number, address: bigint): void {
  const lo = cpu.load(address, 8, true);
  const hi = cpu.load(address + 8n, 8, true);
  cpu.fpr[vd] = lo;
  cpu.vhi[vd] = hi;
}

function store128(cpu: LaCpu, vd: number, address: bigint): void {
  // Both halves are read first: a fault on the second leaves memory as a retried store rewrites it.
  const lo = cpu.fpr[vd]!;
  const hi = cpu.vhi[vd]!;
  cpu.store(address, 8, lo);
  cpu.store(address + 8n, 8, hi);
}

const fill = (e: number, x: bigint): Vec => {
  for (let i = 0; i < 16 / e; i++) set(OUT, e, i, x);
  return OUT;
};

for (const s of SIGNED) {
  const e = ESZ[s]!;
  const n = 16 / e;
  const size = e as 1 | 2 | 4 | 8;
  const offset = ({ b: 'si12', h: 'si11s1', w: 'si10s2', d: 'si9s3' } as const)[s];
  const elmOffset = ({ b: 'si8', h: 'si8s1', w: 'si8s2', d: 'si8s3' } as const)[s];
  const idx = ({ b: 'idx4', h: 'idx3', w: 'idx2', d: 'idx1' } as const)[s];
  const lane = ({ b: 'vui4', h: 'vui3', w: 'vui2', d: 'vui1' } as const)[s];
  OPS[`vldrepl.${s}`] = (cpu, d) => writeV(cpu, d.f.vd!, fill(e, cpu.load(cpu.r[d.rj]! + BigInt(d.f[offset]!), size, false)));
  OPS[`vstelm.${s}`] = (cpu, d) => {
    const v = readV(cpu, d.f.vd!, VD);
    cpu.store(cpu.r[d.rj]! + BigInt(d.f[elmOffset]!), size, get(v, e, d.f[idx]!, false));
  };
  OPS[`vreplgr2vr.${s}`] = (cpu, d) => writeV(cpu, d.f.vd!, fill(e, cpu.r[d.rj]!));
  OPS[`vreplve.${s}`] = (cpu, d) => {
    const a = readV(cpu, d.f.vj!, VJ);
    writeV(cpu, d.f.vd!, fill(e, get(a, e, Number(BigInt.asUintN(64, cpu.r[d.rk]!) % BigInt(n)), false)));
  };
  OPS[`vreplvei.${s}`] = (cpu, d) => writeV(cpu, d.f.vd!, fill(e, get(readV(cpu, d.f.vj!, VJ), e, d.f[lane]!, false)));
  OPS[`vinsgr2vr.${s}`] = (cpu, d) => {
    const out = readV(cpu, d.f.vd!, OUT);
    set(out, e, d.f[lane]!, cpu.r[d.rj]!);
    writeV(cpu, d.f.vd!, out);
  };
  OPS[`vpickve2gr.${s}`] = (cpu, d) => cpu.setR(d.rd, get(readV(cpu, d.f.vj!, VJ), e, d.f[lane]!, true));
  OPS[`vpickve2gr.${s}u`] = (cpu, d) => cpu.setR(d.rd, BigInt.asIntN(64, get(readV(cpu, d.f.vj!, VJ), e, d.f[lane]!, false)));
}

OPS.vldi = (cpu, d) => {
  const imm = d.f.i13! & 0x1fff;
  if ((imm & 0x1000) === 0) {
    // Lane size from imm[11:10], value imm[9:0] sign-extended (a byte lane keeps its low 8 bits).
    writeV(cpu, d.f.vd!, fill([1, 2, 4, 8][(imm >> 10) & 3]!, BigInt.asIntN(10, BigInt(imm))));
    return;
  }
  writeV(cpu, d.f.vd!, fill(8, vldiPattern(imm)));
};

/** VLDI with imm[12] = 1: the 64-bit pattern of mode imm[11:8] from t = imm[7:0] (modes 13-15: INE). */
function vldiPattern(imm: number): bigint {
  const t = BigInt(imm & 0xff);
  const b6 = (imm >> 6) & 1;
  const b7 = BigInt((imm >> 7) & 1);
  const t0 = BigInt(imm & 0x3f);
  const twice32 = (w: bigint): bigint => (w << 32n) | w;
  const twice16 = (h: bigint): bigint => twice32((h << 16n) | h);
  switch ((imm >> 8) & 0xf) {
    case 0: return twice32(t);
    case 1: return twice32(t << 8n);
    case 2: return twice32(t << 16n);
    case 3: return twice32(t << 24n);
    case 4: return twice16(t);
    case 5: return twice16(t << 8n);
    case 6: return twice32((t << 8n) | 0xffn);
    case 7: return twice32((t << 16n) | 0xffffn);
    case 8: return twice16((t << 8n) | t);
    case 9: {
      let v = 0n;
      for (let i = 0; i < 8; i++) if ((imm >> i) & 1) v |= 0xffn << BigInt(8 * i);
      return v;
    }
    case 10: case 11: {
      // A single-precision number: sign imm[7], exponent {~imm[6], 5 x imm[6], imm[5:4]}, fraction imm[3:0].
      const t1 = (b7 << 6n) | (BigInt(1 - b6) << 5n) | (b6 ? 0x1fn : 0n);
      const w = (t1 << 25n) | (t0 << 19n);
      return (imm >> 8) & 1 ? w : twice32(w);
    }
    case 12: {
      const t1 = (b7 << 9n) | (BigInt(1 - b6) << 8n) | (b6 ? 0xffn : 0n);
      return (t1 << 54n) | (t0 << 48n);
    }
    default: throw new LaTrap(Ecode.INE);
  }
}

/**
 * The LSX handler of a decode-table mnemonic (every row starting with 'v' is LSX), or undefined. SXD when
 * EUEN.SXE is clear. The semantics are looked up at the first call: this module and cpu.ts import each
 * other, and the interpreter builds its handler array while this one may still be loading.
 */
export function lsxHandler(mnemonic: string): ((cpu: LaCpu, d: Decoded) => void) | undefined {
  if (!mnemonic.startsWith('v')) return undefined;
  let op: VecOp | undefined;
  return (cpu, d) => {
    sxe(cpu);
    op ??= OPS[mnemonic] ?? ((c) => c.stop('undefined-instruction', `LSX instruction ${mnemonic} has no semantics`));
    op(cpu, d);
  };
}

/** The mnemonics with LSX semantics here (the decode table's LSX rows; a test checks they match). */
export const LSX_MNEMONICS: readonly string[] = Object.keys(OPS);
