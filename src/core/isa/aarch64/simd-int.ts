/**
 * The rest of the Advanced SIMD integer three-same group (rows in instructions-simd2.ts): halving
 * adds and subtracts, saturating adds and subtracts, shifts by register (plain, rounding, saturating),
 * absolute differences and their accumulating forms, MUL/MLA/MLS, PMUL, SQDMULH/SQRDMULH, and
 * MUL/MLA/MLS by element. The scalar forms (bit 28 set: one lane, the rest of Vd cleared) run here
 * too. Saturation sets FPSR.QC; a 64-bit (Q = 0) result clears the register's upper half.
 */
import type { A64Cpu } from './cpu';
import { byElement } from './instructions-simd2';
import { lanes, satS, satU, setLanes, signed } from './simd-lanes';
import { asUint } from './uint';

/** Polynomial (carry-less) multiply of two bytes, the low 8 bits. */
function polyMul8(a: bigint, b: bigint): bigint {
  let r = 0n;
  for (let i = 0n; i < 8n; i++) if ((b >> i) & 1n) r ^= a << i;
  return r & 0xffn;
}

/** SSHL/USHL/SRSHL/URSHL/SQSHL/UQSHL/SQRSHL/UQRSHL of one lane: the shift is the signed bottom byte of `b`. */
function shiftByRegister(cpu: A64Cpu, opc: number, u: number, a: bigint, b: bigint, bits: number): bigint {
  const sh = Number(BigInt.asIntN(8, b));
  const x = u ? a : signed(a, bits);
  const rounding = (opc & 2) !== 0;
  let r: bigint;
  if (sh >= 0) r = x << BigInt(sh);
  else r = (x + (rounding ? 1n << BigInt(-sh - 1) : 0n)) >> BigInt(-sh);
  if (opc & 1) return u ? satU(cpu, r, bits) : satS(cpu, r, bits);
  return asUint(bits, r);
}

export function threeSameMore(cpu: A64Cpu, raw: number): void {
  const d = raw & 31, n = (raw >>> 5) & 31, m = (raw >>> 16) & 31;
  const u = (raw >>> 29) & 1;
  const size = (raw >>> 22) & 3;
  const opc = (raw >>> 11) & 31;
  const count = (raw >>> 28) & 1 ? 1 : (((raw >>> 30) & 1) ? 16 : 8) >> size;
  const bits = 8 << size;
  const a = lanes(cpu, n, size, count);
  const b = lanes(cpu, m, size, count);
  const acc = lanes(cpu, d, size, count);
  const ext = (x: bigint): bigint => (u ? x : signed(x, bits));
  const wrap = (x: bigint): bigint => asUint(bits, x);
  setLanes(cpu, d, size, a.map((x, i) => {
    const y = b[i]!;
    const sx = opc === 0x16 ? signed(x, bits) : ext(x), sy = opc === 0x16 ? signed(y, bits) : ext(y);
    switch (opc) {
      case 0x00: return wrap((sx + sy) >> 1n);
      case 0x01: return u ? satU(cpu, sx + sy, bits) : satS(cpu, sx + sy, bits);
      case 0x02: return wrap((sx + sy + 1n) >> 1n);
      case 0x04: return wrap((sx - sy) >> 1n);
      case 0x05: return u ? satU(cpu, sx - sy, bits) : satS(cpu, sx - sy, bits);
      case 0x08: case 0x09: case 0x0a: case 0x0b: return shiftByRegister(cpu, opc, u, x, y, bits);
      case 0x0e: return wrap(sx > sy ? sx - sy : sy - sx);
      case 0x0f: return wrap(acc[i]! + (sx > sy ? sx - sy : sy - sx));
      case 0x12: return wrap(u ? acc[i]! - x * y : acc[i]! + x * y);
      case 0x16: return satS(cpu, (2n * sx * sy + (u ? 1n << BigInt(bits - 1) : 0n)) >> BigInt(bits), bits); // sqdmulh sqrdmulh
      default: return u ? polyMul8(x, y) : wrap(x * y); // 0x13 pmul, mul
    }
  }));
}

/** MUL, MLA, MLS (by element): every lane of Vn with one element of Vm. */
export function byElementOp(cpu: A64Cpu, raw: number): void {
  const d = raw & 31, n = (raw >>> 5) & 31;
  const size = (raw >>> 22) & 3;
  const count = (((raw >>> 30) & 1) ? 16 : 8) >> size;
  const bits = 8 << size;
  const { m, index } = byElement(raw);
  const e = lanes(cpu, m, size, 16 >> size)[index]!;
  const acc = lanes(cpu, d, size, count);
  const opc = (raw >>> 12) & 15;
  setLanes(cpu, d, size, lanes(cpu, n, size, count).map((x, i) =>
    asUint(bits, opc === 8 ? x * e : opc === 0 ? acc[i]! + x * e : acc[i]! - x * e)));
}
