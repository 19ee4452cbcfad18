/**
 * Advanced SIMD saturating and long multiplies and the remaining two-register integer forms (rows in
 * instructions-simd4.ts): SQDMULL/SQDMLAL/SQDMLSL (three different, by element, scalar), PMULL/PMULL2
 * of bytes, SMULL/UMULL/SMLAL/UMLAL/SMLSL/UMLSL and SQDMULH/SQRDMULH by element, SQABS/SQNEG/SUQADD/
 * USQADD (vector and scalar), RBIT and SHLL. Scalar forms (bit 28 set) work on one lane and clear the
 * rest of Vd. Saturation sets FPSR.QC (simd-lanes.ts).
 */
import type { A64Cpu } from './cpu';
import { byElement } from './instructions-simd2';
import { half, lanes, satS, satU, setLanes, signed } from './simd-lanes';
import { asUint } from './uint';

const isScalar = (raw: number): boolean => ((raw >>> 28) & 1) === 1;

/** Carry-less product of two bytes (16 bits). */
function polyMul16(a: bigint, b: bigint): bigint {
  let r = 0n;
  for (let i = 0n; i < 8n; i++) if ((b >> i) & 1n) r ^= a << i;
  return r;
}

/** The doubled product saturated to 2 * bits, then accumulated (acc + p, acc - p) with saturation. */
function doublingLong(cpu: A64Cpu, kind: 'mull' | 'mlal' | 'mlsl', a: bigint, b: bigint, acc: bigint, bits: number): bigint {
  const wide = 2 * bits;
  const p = signed(satS(cpu, 2n * signed(a, bits) * signed(b, bits), wide), wide);
  if (kind === 'mull') return asUint(wide, p);
  return satS(cpu, signed(acc, wide) + (kind === 'mlal' ? p : -p), wide);
}

/** SQDMLAL/SQDMLSL/SQDMULL (vector, "2" and scalar forms) and PMULL/PMULL2 (opcode 1110, bytes). */
export function saturatingLong(cpu: A64Cpu, raw: number): void {
  const d = raw & 31, n = (raw >>> 5) & 31, m = (raw >>> 16) & 31;
  const q = (raw >>> 30) & 1;
  const size = (raw >>> 22) & 3;
  const opc = (raw >>> 12) & 15;
  const bits = 8 << size;
  const scalar = isScalar(raw);
  const a = scalar ? lanes(cpu, n, size, 1) : half(cpu, n, size, q);
  const b = scalar ? lanes(cpu, m, size, 1) : half(cpu, m, size, q);
  if (opc === 14) {
    setLanes(cpu, d, 1, a.map((x, i) => polyMul16(x, b[i]!)));
    return;
  }
  const acc = lanes(cpu, d, size + 1, a.length);
  const kind = opc === 9 ? 'mlal' : opc === 11 ? 'mlsl' : 'mull';
  setLanes(cpu, d, size + 1, a.map((x, i) => doublingLong(cpu, kind, x, b[i]!, acc[i]!, bits)));
}

/** By element: long multiplies (plain and saturating doubling) and SQDMULH/SQRDMULH, vector and scalar. */
export function longByElement(cpu: A64Cpu, raw: number): void {
  const d = raw & 31, n = (raw >>> 5) & 31;
  const q = (raw >>> 30) & 1;
  const u = (raw >>> 29) & 1;
  const size = (raw >>> 22) & 3;
  const opc = (raw >>> 12) & 15;
  const bits = 8 << size;
  const scalar = isScalar(raw);
  const { m, index } = byElement(raw);
  const e = lanes(cpu, m, size, 16 >> size)[index]!;
  if (opc === 0xc || opc === 0xd) { // sqdmulh sqrdmulh
    const count = scalar ? 1 : (q ? 16 : 8) >> size;
    const round = opc === 0xd ? 1n << BigInt(bits - 1) : 0n;
    setLanes(cpu, d, size, lanes(cpu, n, size, count).map((x) =>
      satS(cpu, (2n * signed(x, bits) * signed(e, bits) + round) >> BigInt(bits), bits)));
    return;
  }
  const a = scalar ? lanes(cpu, n, size, 1) : half(cpu, n, size, q);
  const acc = lanes(cpu, d, size + 1, a.length);
  const wide = 2 * bits;
  setLanes(cpu, d, size + 1, a.map((x, i) => {
    switch (opc) {
      case 0x3: return doublingLong(cpu, 'mlal', x, e, acc[i]!, bits);
      case 0x7: return doublingLong(cpu, 'mlsl', x, e, acc[i]!, bits);
      case 0xb: return doublingLong(cpu, 'mull', x, e, acc[i]!, bits);
      default: {
        const p = u ? x * e : signed(x, bits) * signed(e, bits);
        return asUint(wide, opc === 0x2 ? acc[i]! + p : opc === 0x6 ? acc[i]! - p : p);
      }
    }
  }));
}

/** SUQADD, USQADD, SQABS, SQNEG (vector and scalar), RBIT (bytes), SHLL/SHLL2. */
export function twoMiscSaturating(cpu: A64Cpu, raw: number): void {
  const d = raw & 31, n = (raw >>> 5) & 31;
  const q = (raw >>> 30) & 1;
  const u = (raw >>> 29) & 1;
  const size = (raw >>> 22) & 3;
  const opc = (raw >>> 12) & 31;
  const bits = 8 << size;
  if (opc === 0x13) { // shll: widen and shift left by the element size
    setLanes(cpu, d, size + 1, half(cpu, n, size, q).map((x) => x << BigInt(bits)));
    return;
  }
  if (opc === 0x05) { // rbit (bytes; the size field is 01)
    setLanes(cpu, d, 0, lanes(cpu, n, 0, q ? 16 : 8).map((x) => {
      let r = 0n;
      for (let i = 0n; i < 8n; i++) if ((x >> i) & 1n) r |= 1n << (7n - i);
      return r;
    }));
    return;
  }
  const count = isScalar(raw) ? 1 : (q ? 16 : 8) >> size;
  const a = lanes(cpu, n, size, count);
  const acc = lanes(cpu, d, size, count);
  setLanes(cpu, d, size, a.map((x, i) => {
    const s = signed(x, bits);
    switch ((u << 5) | opc) {
      case 0x03: return satS(cpu, signed(acc[i]!, bits) + x, bits); // suqadd: signed Vd + unsigned Vn
      case 0x23: return satU(cpu, acc[i]! + s, bits); // usqadd: unsigned Vd + signed Vn
      case 0x07: return satS(cpu, s < 0n ? -s : s, bits); // sqabs
      default: return satS(cpu, -s, bits); // 0x27 sqneg
    }
  }));
}
