/**
 * The first Advanced SIMD groups of the A64 CPU, on V0..V31 of the shared region: integer three-same
 * (ADD, SUB, CMEQ/CMTST/CMGT/CMGE/CMHI/CMHS, SMAX/SMIN/UMAX/UMIN and their pairwise forms, ADDP),
 * the vector logical operations (AND, BIC, ORR, ORN, EOR, BSL, BIT, BIF), compares against zero,
 * ABS, NEG, NOT, CNT, across-lanes ADDV/SMAXV/SMINV/UMAXV/UMINV, the copies (DUP, SMOV, UMOV, INS),
 * FMOV to and from the top half, and LD1/ST1 of one to four registers (the groups glibc's string
 * routines are built from). A 64-bit (Q = 0) result clears the register's upper half. The further
 * groups are in simd-imm.ts (modified immediates, shifts by immediate), simd-perm.ts (permutes, TBL),
 * simd-wide.ts (widening/narrowing) and simd-ldst.ts (LD2-LD4/ST2-ST4, single structures, LDnR).
 * simd-int.ts has the rest of the integer three-same group and MUL/MLA/MLS by element, simd-fp.ts the
 * vector floating point, simd-fp2.ts FP pairwise/across/by-element, FRINT*, the FCVT* rounding modes
 * and the scalar forms; simd-sat.ts the saturating doubling and long multiplies, PMULL and SQABS/SQNEG/
 * SUQADD/USQADD; simd-fp3.ts the estimates, fixed-point and half-precision conversions.
 * Left out: crypto (AES, SHA, 64-bit PMULL), as ID_AA64ISAR0 says.
 */
import type { A64Cpu } from './cpu';
import { copySize, LD1_REGISTERS } from './disassembler';
import { baseAddress, writeBack } from './load-store';
import { load, store } from './memory';
import { modifiedImmediate, shiftImmediate } from './simd-imm';
import { lanes, permuteBytes, setLanes, signed } from './simd-lanes';
import { loadStoreMultiple, loadStoreSingle } from './simd-ldst';
import { extract, permute, tableLookup } from './simd-perm';
import { fpThreeSame, fpTwoMisc } from './simd-fp';
import { dupScalar, fpByElement, fpMisc, fpPairwise } from './simd-fp2';
import { byElementOp, threeSameMore } from './simd-int';
import { acrossLong, narrow, threeDifferent, twoMiscMore } from './simd-wide';
import { longByElement, saturatingLong, twoMiscSaturating } from './simd-sat';
import { fixedPoint, fpEstimate, halfPrecision } from './simd-fp3';
import { asUint } from './uint';

function laneOp(opc: number, u: number, a: bigint, b: bigint, bits: number): bigint {
  const ones = (1n << BigInt(bits)) - 1n;
  switch ((u << 5) | opc) {
    case 0x10: return (a + b) & ones;
    case 0x30: return (a - b) & ones;
    case 0x11: return (a & b) !== 0n ? ones : 0n;
    case 0x31: return a === b ? ones : 0n;
    case 0x06: return signed(a, bits) > signed(b, bits) ? ones : 0n;
    case 0x07: return signed(a, bits) >= signed(b, bits) ? ones : 0n;
    case 0x26: return a > b ? ones : 0n;
    case 0x27: return a >= b ? ones : 0n;
    case 0x0c: case 0x14: return signed(a, bits) > signed(b, bits) ? a : b;
    case 0x0d: case 0x15: return signed(a, bits) < signed(b, bits) ? a : b;
    case 0x2c: case 0x34: return a > b ? a : b;
    case 0x2d: case 0x35: return a < b ? a : b;
    default: return (a + b) & ones; // 0x17 addp
  }
}

/** Three registers of the same arrangement: integer lanes, or the bitwise group (opcode 00011). */
function threeSame(cpu: A64Cpu, raw: number): void {
  const d = raw & 31, n = (raw >>> 5) & 31, m = (raw >>> 16) & 31;
  const q = (raw >>> 30) & 1;
  const u = (raw >>> 29) & 1;
  const size = (raw >>> 22) & 3;
  const opc = (raw >>> 11) & 31;
  const words = q ? 4 : 2;
  const w = cpu.vI32;
  if (opc === 0x03) {
    const out: number[] = [];
    for (let i = 0; i < words; i++) {
      const a = w[n * 4 + i]!, b = w[m * 4 + i]!, dd = w[d * 4 + i]!;
      switch ((u << 2) | size) {
        case 0: out.push(a & b); break;
        case 1: out.push(a & ~b); break;
        case 2: out.push(a | b); break;
        case 3: out.push(a | ~b); break;
        case 4: out.push(a ^ b); break;
        case 5: out.push((dd & a) | (~dd & b)); break;
        case 6: out.push((a & b) | (dd & ~b)); break;
        default: out.push((dd & b) | (a & ~b)); break;
      }
    }
    for (let i = 0; i < 4; i++) w[d * 4 + i] = i < words ? out[i]! : 0;
    return;
  }
  if (size === 2 && opc === 0x10) {
    // ADD/SUB of 32-bit lanes (SHA-256's message schedule and rounds): on the words, without bigint lanes.
    for (let i = 0; i < 4; i++) {
      const x = w[n * 4 + i]!, y = w[m * 4 + i]!;
      w[d * 4 + i] = i < words ? (u ? (x - y) | 0 : (x + y) | 0) : 0;
    }
    return;
  }
  const count = (q ? 16 : 8) >> size;
  const bits = 8 << size;
  const a = lanes(cpu, n, size, count);
  const b = lanes(cpu, m, size, count);
  let result: bigint[];
  if (opc >= 0x14) {
    // Pairwise: adjacent lanes of Vn then of Vm.
    const all = [...a, ...b];
    result = Array.from({ length: count }, (_, i) => laneOp(opc, u, all[2 * i]!, all[2 * i + 1]!, bits));
  } else {
    result = a.map((x, i) => laneOp(opc, u, x, b[i]!, bits));
  }
  setLanes(cpu, d, size, result);
}

/** Two-register miscellaneous: compares against zero, ABS, NEG, CNT, NOT. */
function twoMisc(cpu: A64Cpu, raw: number): void {
  const d = raw & 31, n = (raw >>> 5) & 31;
  const q = (raw >>> 30) & 1;
  const u = (raw >>> 29) & 1;
  const size = (raw >>> 22) & 3;
  const opc = (raw >>> 12) & 31;
  const count = (q ? 16 : 8) >> size;
  const bits = 8 << size;
  const ones = (1n << BigInt(bits)) - 1n;
  const a = lanes(cpu, n, size, count);
  const result = a.map((x) => {
    const s = signed(x, bits);
    switch ((u << 5) | opc) {
      case 0x08: return s > 0n ? ones : 0n;
      case 0x09: return s === 0n ? ones : 0n;
      case 0x0a: return s < 0n ? ones : 0n;
      case 0x28: return s >= 0n ? ones : 0n;
      case 0x29: return s <= 0n ? ones : 0n;
      case 0x0b: return (s < 0n ? -s : s) & ones;
      case 0x2b: return -s & ones;
      case 0x05: {
        let c = 0n;
        for (let v = x; v !== 0n; v &= v - 1n) c++;
        return c;
      }
      default: return ~x & ones; // 0x25 not
    }
  });
  setLanes(cpu, d, size, result);
}

/** ADDV, SMAXV, SMINV, UMAXV, UMINV into element 0 of Vd. */
function acrossLanes(cpu: A64Cpu, raw: number): void {
  const d = raw & 31, n = (raw >>> 5) & 31;
  const q = (raw >>> 30) & 1;
  const u = (raw >>> 29) & 1;
  const size = (raw >>> 22) & 3;
  const bits = 8 << size;
  const a = lanes(cpu, n, size, (q ? 16 : 8) >> size);
  const key = (u << 5) | ((raw >>> 12) & 31);
  let r = a[0]!;
  for (const x of a.slice(1)) {
    switch (key) {
      case 0x1b: r = (r + x) & ((1n << BigInt(bits)) - 1n); break; // addv
      case 0x0a: r = signed(x, bits) > signed(r, bits) ? x : r; break; // smaxv
      case 0x1a: r = signed(x, bits) < signed(r, bits) ? x : r; break; // sminv
      case 0x2a: r = x > r ? x : r; break; // umaxv
      default: r = x < r ? x : r; break; // uminv
    }
  }
  setLanes(cpu, d, size, [r]);
}

/** DUP (element, general), SMOV, UMOV, INS (general, element). */
function copy(cpu: A64Cpu, raw: number): void {
  const d = raw & 31, n = (raw >>> 5) & 31;
  const q = (raw >>> 30) & 1;
  const size = copySize(raw);
  const bits = 8 << size;
  const index = ((raw >>> 16) & 31) >>> (size + 1);
  const imm4 = (raw >>> 11) & 15;
  const count = (q ? 16 : 8) >> size;
  const bytes = 1 << size;
  if ((raw >>> 29) & 1) {
    // INS (element): Vd[index] = Vn[imm4 >> size]; Vd's other bytes stay.
    const src = n * 16 + (imm4 >>> size) * bytes;
    permuteBytes(cpu, d, 16, (j) => ((j >>> size) === index ? src + (j & (bytes - 1)) : d * 16 + j));
    return;
  }
  switch (imm4) {
    case 0: { // dup element
      const src = n * 16 + index * bytes;
      permuteBytes(cpu, d, count * bytes, (j) => src + (j & (bytes - 1)));
      return;
    }
    case 1: setLanes(cpu, d, size, new Array<bigint>(count).fill(cpu.getX(n) & ((1n << BigInt(bits)) - 1n))); return; // dup general
    case 3: { // ins general
      const dst = lanes(cpu, d, size, 16 >> size);
      dst[index] = cpu.getX(n) & ((1n << BigInt(bits)) - 1n);
      setLanes(cpu, d, size, dst);
      return;
    }
    case 5: { // smov
      const v = BigInt.asIntN(bits, lanes(cpu, n, size, 16 >> size)[index]!);
      cpu.setX(d, q ? asUint(64, v) : asUint(32, v));
      return;
    }
    default: // umov
      cpu.setX(d, lanes(cpu, n, size, 16 >> size)[index]!);
  }
}

/** LD1/ST1 (multiple structures) of 1-4 consecutive registers, no offset or post-indexed. */
function loadStoreOne(cpu: A64Cpu, raw: number): void {
  const t = raw & 31;
  const n = (raw >>> 5) & 31;
  const q = (raw >>> 30) & 1;
  const count = LD1_REGISTERS[(raw >>> 12) & 15]!;
  const isLoad = ((raw >>> 22) & 1) === 1;
  const bytes = q ? 16 : 8;
  let lo = baseAddress(cpu, n, 0);
  let hi = cpu.tmpHi;
  const startLo = lo;
  const startHi = hi;
  const w = cpu.vI32;
  for (let r = 0; r < count; r++) {
    const v = (t + r) & 31;
    for (let half = 0; half < bytes / 8; half++) {
      if (isLoad) {
        const a = load(cpu, lo, hi, 8, cpu.el);
        w[v * 4 + half * 2] = a;
        w[v * 4 + half * 2 + 1] = cpu.tmpHi;
      } else {
        store(cpu, lo, hi, 8, w[v * 4 + half * 2]!, w[v * 4 + half * 2 + 1]!, cpu.el);
      }
      const s = (lo >>> 0) + 8;
      hi = (hi + (s >= 4294967296 ? 1 : 0)) | 0;
      lo = s | 0;
    }
    if (isLoad && !q) {
      w[v * 4 + 2] = 0;
      w[v * 4 + 3] = 0;
    }
  }
  if ((raw >>> 23) & 1) {
    // Post-index by the bytes moved (Rm = 31) or by Xm, on int32 halves.
    const m = (raw >>> 16) & 31;
    const offLo = m === 31 ? count * bytes : cpu.x[m << 1]!;
    const offHi = m === 31 ? 0 : cpu.x[(m << 1) + 1]!;
    const sum = (startLo >>> 0) + (offLo >>> 0);
    writeBack(cpu, n, sum | 0, (startHi + offHi + (sum >= 4294967296 ? 1 : 0)) | 0);
  }
}

/** Executes an Advanced SIMD operation (ops 150..183 of instructions.ts and instructions-simd*.ts; 182 and 183 also scalar FP). */
export function executeSimd(cpu: A64Cpu, op: number, raw: number): void {
  switch (op) {
    case 150: threeSame(cpu, raw); return;
    case 151: acrossLanes(cpu, raw); return;
    case 152: copy(cpu, raw); return;
    case 153: loadStoreOne(cpu, raw); return;
    case 154: { // fmov x, v.d[1] / fmov v.d[1], x
      const w = cpu.vI32;
      if ((raw >>> 16) & 1) {
        const v = cpu.getX((raw >>> 5) & 31);
        const d = raw & 31;
        w[d * 4 + 2] = Number(BigInt.asIntN(32, v));
        w[d * 4 + 3] = Number(BigInt.asIntN(32, v >> 32n));
      } else {
        const n = (raw >>> 5) & 31;
        cpu.setX(raw & 31, (BigInt(w[n * 4 + 3]! >>> 0) << 32n) | BigInt(w[n * 4 + 2]! >>> 0));
      }
      return;
    }
    case 155: twoMisc(cpu, raw); return;
    case 156: modifiedImmediate(cpu, raw); return;
    case 157: shiftImmediate(cpu, raw); return;
    case 158: permute(cpu, raw); return;
    case 159: extract(cpu, raw); return;
    case 160: tableLookup(cpu, raw); return;
    case 161: threeDifferent(cpu, raw); return;
    case 162: narrow(cpu, raw); return;
    case 163: acrossLong(cpu, raw); return;
    case 164: loadStoreMultiple(cpu, raw); return;
    case 165: loadStoreSingle(cpu, raw); return;
    case 166: twoMiscMore(cpu, raw); return;
    case 167: threeSameMore(cpu, raw); return;
    case 168: byElementOp(cpu, raw); return;
    case 169: fpThreeSame(cpu, raw); return;
    case 170: fpTwoMisc(cpu, raw); return;
    case 171: fpPairwise(cpu, raw); return;
    case 172: fpByElement(cpu, raw); return;
    // Scalar integer forms: the one-lane (Q = 0, size 11) vector operation.
    case 173: threeSame(cpu, raw & ~0x50000000); return;
    case 174: twoMisc(cpu, raw & ~0x50000000); return;
    case 175: shiftImmediate(cpu, raw & ~0x50000000); return;
    case 176: dupScalar(cpu, raw); return;
    case 177: fpMisc(cpu, raw); return;
    case 178: saturatingLong(cpu, raw); return;
    case 179: longByElement(cpu, raw); return;
    case 180: twoMiscSaturating(cpu, raw); return;
    case 181: fpEstimate(cpu, raw); return;
    case 182: fixedPoint(cpu, raw); return;
    default: halfPrecision(cpu, raw); // 183
  }
}
