/**
 * Advanced SIMD widening and narrowing: three registers of different widths (ADDL/ADDW/SUBL/SUBW,
 * ADDHN/SUBHN and rounding forms, ABAL/ABDL, MLAL/MLSL, MULL), the narrowing moves XTN/SQXTN/UQXTN/
 * SQXTUN, the pairwise long adds ADDLP/ADALP, REV16/32/64, CLS/CLZ and SADDLV/UADDLV.
 */
import type { A64Cpu } from './cpu';
import { half, lanes, permuteBytes, satS, satU, setLanes, signed, writeNarrow } from './simd-lanes';

export function threeDifferent(cpu: A64Cpu, raw: number): void {
  const d = raw & 31, n = (raw >>> 5) & 31, m = (raw >>> 16) & 31;
  const q = (raw >>> 30) & 1;
  const u = (raw >>> 29) & 1;
  const size = (raw >>> 22) & 3;
  const opc = (raw >>> 12) & 15;
  const bits = 8 << size;
  const count = 8 >> size;
  const onesW = (1n << BigInt(2 * bits)) - 1n;
  if (opc === 4 || opc === 6) { // addhn, raddhn, subhn, rsubhn
    const a = lanes(cpu, n, size + 1, count);
    const b = lanes(cpu, m, size + 1, count);
    const round = u ? 1n << BigInt(bits - 1) : 0n;
    writeNarrow(cpu, d, size, q, a.map((x, i) => ((((opc === 4 ? x + b[i]! : x - b[i]!) & onesW) + round) >> BigInt(bits)) & ((1n << BigInt(bits)) - 1n)));
    return;
  }
  const ext = (x: bigint): bigint => (u ? x : signed(x, bits));
  const b = half(cpu, m, size, q).map(ext);
  const a = opc === 1 || opc === 3 ? lanes(cpu, n, size + 1, count) : half(cpu, n, size, q).map(ext);
  const acc = lanes(cpu, d, size + 1, count);
  setLanes(cpu, d, size + 1, a.map((x, i) => {
    const y = b[i]!;
    const diff = x > y ? x - y : y - x;
    switch (opc) {
      case 0: case 1: return (x + y) & onesW;
      case 2: case 3: return (x - y) & onesW;
      case 5: return (acc[i]! + diff) & onesW;
      case 7: return diff & onesW;
      case 8: return (acc[i]! + x * y) & onesW;
      case 10: return (acc[i]! - x * y) & onesW;
      default: return (x * y) & onesW; // mull
    }
  }));
}

/** XTN, SQXTUN, SQXTN, UQXTN (vector and scalar). */
export function narrow(cpu: A64Cpu, raw: number): void {
  const size = (raw >>> 22) & 3;
  const bits = 8 << size;
  const key = (((raw >>> 29) & 1) << 5) | ((raw >>> 12) & 31);
  const scalar = ((raw >>> 28) & 1) === 1; // scalar forms: one lane, in the low element
  const wide = lanes(cpu, (raw >>> 5) & 31, size + 1, scalar ? 1 : 8 >> size);
  writeNarrow(cpu, raw & 31, size, scalar ? 0 : (raw >>> 30) & 1, wide.map((x) => {
    switch (key) {
      case 0x12: return x & ((1n << BigInt(bits)) - 1n); // xtn
      case 0x32: return satU(cpu, signed(x, 2 * bits), bits); // sqxtun
      case 0x14: return satS(cpu, signed(x, 2 * bits), bits); // sqxtn
      default: return satU(cpu, x, bits); // uqxtn
    }
  }));
}

/** REV64/REV32/REV16, CLS/CLZ, SADDLP/UADDLP, SADALP/UADALP. */
export function twoMiscMore(cpu: A64Cpu, raw: number): void {
  const d = raw & 31, n = (raw >>> 5) & 31;
  const q = (raw >>> 30) & 1;
  const u = (raw >>> 29) & 1;
  const size = (raw >>> 22) & 3;
  const opc = (raw >>> 12) & 31;
  const bits = 8 << size;
  const count = (q ? 16 : 8) >> size;
  if (opc <= 1) {
    // REV64/REV32/REV16: the elements of each container in reverse order.
    const container = opc === 1 ? 2 : u ? 4 : 8;
    const e = 1 << size;
    permuteBytes(cpu, d, q ? 16 : 8, (j) => {
      const inContainer = j % container;
      return n * 16 + (j - inContainer) + (container - e - (inContainer - (inContainer % e))) + (inContainer % e);
    });
    return;
  }
  const a = lanes(cpu, n, size, count);
  if (opc === 4) {
    setLanes(cpu, d, size, a.map((x) => {
      const ones = (1n << BigInt(bits)) - 1n;
      // clz counts from the top bit; cls counts the bits below the sign equal to it.
      const top = BigInt(u ? bits - 1 : bits - 2);
      const v = u ? x : ((x >> 1n) ^ x) & (ones >> 1n);
      let c = 0n;
      for (let k = top; k >= 0n && !((v >> k) & 1n); k--) c++;
      return c;
    }));
    return;
  }
  const ext = (x: bigint): bigint => (u ? x : signed(x, bits));
  const onesW = (1n << BigInt(2 * bits)) - 1n;
  const acc = lanes(cpu, d, size + 1, count >> 1);
  setLanes(cpu, d, size + 1, acc.map((x, i) => ((opc === 6 ? x : 0n) + ext(a[2 * i]!) + ext(a[2 * i + 1]!)) & onesW));
}

/** SADDLV, UADDLV: the sum of all lanes, twice as wide, into element 0 of Vd. */
export function acrossLong(cpu: A64Cpu, raw: number): void {
  const size = (raw >>> 22) & 3;
  const bits = 8 << size;
  const u = (raw >>> 29) & 1;
  const a = lanes(cpu, (raw >>> 5) & 31, size, (((raw >>> 30) & 1) ? 16 : 8) >> size);
  const sum = a.reduce((s, x) => s + (u ? x : signed(x, bits)), 0n);
  setLanes(cpu, raw & 31, size + 1, [sum & ((1n << BigInt(2 * bits)) - 1n)]);
}
