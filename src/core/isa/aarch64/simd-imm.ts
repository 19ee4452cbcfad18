/**
 * Advanced SIMD modified immediates (MOVI, MVNI, ORR, BIC, FMOV vector) and shifts by immediate
 * (SSHR/USHR, SSRA/USRA and the rounding forms, SRI, SHL, SLI, SQSHL/UQSHL/SQSHLU, the narrowing
 * SHRN/RSHRN/SQSHRN/UQSHRN/SQSHRUN and rounding forms, SSHLL/USHLL) with their scalar forms (bit 28
 * set: one lane). Saturation sets FPSR.QC.
 */
import type { A64Cpu } from './cpu';
import { advSimdExpandImm, shiftSizeOf } from './fields';
import { half, lanes, satS, satU, setLanes, signed, writeNarrow } from './simd-lanes';

const M64 = (1n << 64n) - 1n;

export function modifiedImmediate(cpu: A64Cpu, raw: number): void {
  const d = raw & 31;
  const q = (raw >>> 30) & 1;
  const op = (raw >>> 29) & 1;
  const cmode = (raw >>> 12) & 15;
  const imm = advSimdExpandImm(op, cmode, (((raw >>> 16) & 7) << 5) | ((raw >>> 5) & 31));
  const bitwise = cmode < 12 && (cmode & 1) === 1;
  const value = op && cmode < 14 ? ~imm & M64 : imm;
  const cur = lanes(cpu, d, 3, q ? 2 : 1);
  setLanes(cpu, d, 3, cur.map((x) => (!bitwise ? value : op ? x & ~imm & M64 : x | imm)));
}

/**
 * SSHR/USHR, SSRA/USRA, SRI, SHL/SLI on 32-bit lanes (SHA-256's rotates are USHR + SLI): on the words
 * of the register file, without bigint lanes. A 64-bit (q = 0) result clears the upper half.
 */
function shiftWords(w: Int32Array, d: number, n: number, q: number, u: number, opc: number, immhb: number): void {
  const right = 64 - immhb; // 1..32 for the right shifts
  const left = immhb - 32; // 0..31 for SHL/SLI
  const out = [0, 0, 0, 0];
  for (let i = 0; i < (q ? 4 : 2); i++) {
    const x = w[n * 4 + i]!, old = w[d * 4 + i]!;
    switch (opc) {
      case 0x00: case 0x02: { // sshr ushr ssra usra
        const v = right === 32 ? (u ? 0 : x >> 31) : u ? x >>> right : x >> right;
        out[i] = opc === 0x02 ? (old + v) | 0 : v | 0;
        break;
      }
      case 0x08: { // sri: the top `right` bits of the destination stay
        out[i] = right === 32 ? old : (old & ~(-1 >>> right)) | (x >>> right);
        break;
      }
      default: { // shl, sli (u): the low `left` bits of the destination stay
        const v = x << left;
        out[i] = u ? (old & ((1 << left) - 1)) | v : v;
      }
    }
  }
  for (let i = 0; i < 4; i++) w[d * 4 + i] = out[i]!;
}

export function shiftImmediate(cpu: A64Cpu, raw: number): void {
  const d = raw & 31, n = (raw >>> 5) & 31;
  const q = (raw >>> 30) & 1;
  const u = (raw >>> 29) & 1;
  const opc = (raw >>> 11) & 31;
  const es = shiftSizeOf(raw);
  const bits = 8 << es;
  const immhb = (raw >>> 16) & 127;
  const right = BigInt(2 * bits - immhb);
  const left = BigInt(immhb - bits);
  const ones = (1n << BigInt(bits)) - 1n;
  const scalar = ((raw >>> 28) & 1) === 1;
  if (es === 2 && !scalar && (opc === 0x00 || opc === 0x02 || opc === 0x08 || opc === 0x0a)) {
    shiftWords(cpu.vI32, d, n, q, u, opc, immhb);
    return;
  }
  if (opc >= 0x10 && opc <= 0x13) {
    // Narrowing: 2*bits-wide lanes of Vn shifted right into the lower or upper half of Vd.
    const round = opc & 1 ? 1n << (right - 1n) : 0n;
    const wide = lanes(cpu, n, es + 1, scalar ? 1 : 8 >> es);
    writeNarrow(cpu, d, es, scalar ? 0 : q, wide.map((x) => {
      const s = (signed(x, 2 * bits) + round) >> right;
      if (opc < 0x12) return u ? satU(cpu, s, bits) : ((x + round) >> right) & ones; // sqshrun / shrn
      return u ? satU(cpu, (x + round) >> right, bits) : satS(cpu, s, bits); // uqshrn / sqshrn
    }));
    return;
  }
  if (opc === 0x14) {
    // SSHLL/USHLL: lanes of one half widened and shifted left.
    const onesW = (1n << BigInt(2 * bits)) - 1n;
    setLanes(cpu, d, es + 1, half(cpu, n, es, q).map((x) => ((u ? x : signed(x, bits)) << left) & onesW));
    return;
  }
  const count = scalar ? 1 : (q ? 16 : 8) >> es;
  const a = lanes(cpu, n, es, count);
  const dst = lanes(cpu, d, es, count);
  setLanes(cpu, d, es, a.map((x, i) => {
    switch (opc) {
      case 0x00: case 0x02: case 0x04: case 0x06: {
        const round = opc & 4 ? 1n << (right - 1n) : 0n;
        const v = ((u ? x : signed(x, bits)) + round) >> right;
        return (opc & 2 ? dst[i]! + v : v) & ones;
      }
      case 0x08: { // sri
        const m = ones >> right;
        return (dst[i]! & ~m & ones) | (x >> right);
      }
      case 0x0a: { // shl, sli
        const v = (x << left) & ones;
        return u ? (dst[i]! & ((1n << left) - 1n)) | v : v;
      }
      case 0x0c: return satU(cpu, signed(x, bits) << left, bits); // sqshlu
      default: return u ? satU(cpu, x << left, bits) : satS(cpu, signed(x, bits) << left, bits); // uqshl / sqshl
    }
  }));
}
