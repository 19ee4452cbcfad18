/**
 * The interpreter's int32 fast paths give what the BigInt paths give: bitfieldMove32 and bitfieldMove64
 * against bitfieldMove for every SBFM/BFM/UBFM immr/imms pair on varied operands, extract64 against a
 * 128-bit shift, and bswap32 against REV.
 */
import { describe, expect, it } from 'vitest';
import { bitfieldMove32, bitfieldMove64, bswap32, countLeadingSign, dataProcessing1, extract64, multiply, multiply64, rbit32, rev16of32 } from '../../../../../src/core/isa/aarch64/alu';

/**
 * The reference: SBFM, BFM, UBFM (op ids 14..16) on BigInts, as the architecture states them. With
 * imms >= immr the field src[imms:immr] is extracted to bit 0; otherwise src[imms:0] is inserted at bit
 * width - immr. UBFM zero-fills, BFM keeps the destination's
 * other bits, SBFM fills above the field with its top bit (src[imms]).
 */
function bitfieldMove(op: number, dst: bigint, src: bigint, immr: number, imms: number, width: number): bigint {
  const all = (1n << BigInt(width)) - 1n;
  const extract = imms >= immr;
  const len = extract ? imms - immr + 1 : imms + 1;
  const lsb = extract ? 0 : width - immr;
  const ones = ((1n << BigInt(len)) - 1n) << BigInt(lsb);
  const field = extract ? (src >> BigInt(immr)) & ones : (src << BigInt(lsb)) & ones;
  if (op === 16) return field;
  if (op === 15) return (dst & ~ones & all) | field;
  const top = (src >> BigInt(imms)) & 1n;
  return top ? field | (all & ~((1n << BigInt(lsb + len)) - 1n)) : field;
}

const operands = [0, 1, -1, 0x7fffffff, -0x80000000, 0x12345678, -0x5a5a5a5b, 0x00ff00ff, 0x80000001];
const u32 = (v: number): bigint => BigInt(v >>> 0);
/** Where the 64-bit helpers leave a result's high word. */
const cpu = { tmpHi: 0 };

describe('W-register fast paths', () => {
  it('bitfieldMove32 equals bitfieldMove for all 32-bit immr/imms on SBFM, BFM and UBFM', () => {
    for (const op of [14, 15, 16]) {
      for (let immr = 0; immr < 32; immr++) {
        for (let imms = 0; imms < 32; imms++) {
          for (const src of operands) {
            const dst = ~src ^ 0x0f0f0f0f;
            const expected = Number(BigInt.asIntN(32, bitfieldMove(op, u32(dst), u32(src), immr, imms, 32)));
            expect(bitfieldMove32(op, dst, src, immr, imms), `op ${op} immr ${immr} imms ${imms} src ${src}`).toBe(expected);
          }
        }
      }
    }
  });

  it('bitfieldMove64 equals bitfieldMove for all 64-bit immr/imms on SBFM, BFM and UBFM', () => {
    const values = [0n, 1n, 0xffff_ffff_ffff_ffffn, 0x8000_0000_0000_0000n, 0x7fff_ffff_ffff_ffffn, 0x8000_0000n,
      0x1234_5678_9abc_def0n, 0xfedc_ba98_7654_3210n, 0x0000_0001_8000_0000n];
    const out = new Int32Array(2);
    for (const op of [14, 15, 16]) {
      for (let immr = 0; immr < 64; immr++) {
        for (let imms = 0; imms < 64; imms++) {
          for (const src of values) {
            const dst = src ^ 0x0f0f_0f0f_f0f0_f0f0n;
            out[0] = bitfieldMove64(cpu, op, Number(BigInt.asIntN(32, dst)), Number(BigInt.asIntN(32, dst >> 32n)), Number(BigInt.asIntN(32, src)), Number(BigInt.asIntN(32, src >> 32n)), immr, imms);
            out[1] = cpu.tmpHi;
            const got = (BigInt(out[1]! >>> 0) << 32n) | BigInt(out[0]! >>> 0);
            expect(got, `op ${op} immr ${immr} imms ${imms} src ${src}`).toBe(BigInt.asUintN(64, bitfieldMove(op, dst, src, immr, imms, 64)));
          }
        }
      }
    }
  });

  it('extract64 equals EXTR of two X registers for every lsb', () => {
    const values = [0n, 0xffff_ffff_ffff_ffffn, 0x8000_0000_0000_0001n, 0x1234_5678_9abc_def0n, 0xfedc_ba98_7654_3210n];
    const out = new Int32Array(2);
    const lo32 = (v: bigint): number => Number(BigInt.asIntN(32, v));
    for (let lsb = 0; lsb < 64; lsb++) {
      for (const hi of values) {
        for (const lo of values) {
          out[0] = extract64(cpu, lo32(hi), lo32(hi >> 32n), lo32(lo), lo32(lo >> 32n), lsb);
          out[1] = cpu.tmpHi;
          const got = (BigInt(out[1]! >>> 0) << 32n) | BigInt(out[0]! >>> 0);
          expect(got, `lsb ${lsb}`).toBe(BigInt.asUintN(64, ((hi << 64n) | lo) >> BigInt(lsb)));
        }
      }
    }
  });

  it('bswap32 equals REV of a W register', () => {
    for (const v of operands) expect(bswap32(v)).toBe(Number(BigInt.asIntN(32, dataProcessing1(87, u32(v), 32))));
  });

  it('rbit32, rev16of32 and countLeadingSign equal RBIT, REV16 and CLS of W and X registers', () => {
    const s32 = (v: bigint): number => Number(BigInt.asIntN(32, v));
    for (const lo of operands) {
      expect(rbit32(lo), `rbit w ${lo}`).toBe(s32(dataProcessing1(84, u32(lo), 32)));
      expect(rev16of32(lo), `rev16 w ${lo}`).toBe(s32(dataProcessing1(85, u32(lo), 32)));
      expect(countLeadingSign(lo, 0, false), `cls w ${lo}`).toBe(Number(dataProcessing1(89, u32(lo), 32)));
      for (const hi of [0, -1, 1, 0x7fffffff, -0x80000000, 0x00010000, lo ^ 0x5a5a5a5a]) {
        const x = (BigInt(hi >>> 0) << 32n) | u32(lo);
        const rbit = dataProcessing1(84, x, 64);
        expect([rbit32(hi), rbit32(lo)], `rbit x ${hi}:${lo}`).toEqual([s32(rbit), s32(rbit >> 32n)]);
        expect(countLeadingSign(lo, hi, true), `cls x ${hi}:${lo}`).toBe(Number(dataProcessing1(89, x, 64)));
      }
    }
  });
});

describe('the 64-bit multiplier on int32 halves', () => {
  it('equals the BigInt multiply for MADD, MSUB, SMADDL, SMSUBL, SMULH, UMADDL, UMSUBL, UMULH', () => {
    const values = [0n, 1n, 2n, 0xffff_ffffn, 0x1_0000_0000n, 0x7fff_ffff_ffff_ffffn, 0x8000_0000_0000_0000n, 0xffff_ffff_ffff_ffffn,
      0x1234_5678_9abc_def0n, 0xfedc_ba98_7654_3210n, 0x8000_0000n, 0xffff_0000_ffff_0000n];
    let seed = 0x9e3779b9;
    const next = (): bigint => {
      seed = (Math.imul(seed, 1664525) + 1013904223) | 0;
      const hi = seed >>> 0;
      seed = (Math.imul(seed, 1664525) + 1013904223) | 0;
      return (BigInt(hi) << 32n) | BigInt(seed >>> 0);
    };
    for (let i = 0; i < 300; i++) values.push(next());
    const out = new Int32Array(4);
    const lo = (v: bigint): number => Number(BigInt.asIntN(32, v));
    const hi = (v: bigint): number => Number(BigInt.asIntN(32, v >> 32n));
    for (let op = 90; op <= 97; op++) {
      for (let k = 0; k + 2 < values.length; k++) {
        const [n, m, a] = [values[k]!, values[(k * 7 + 3) % values.length]!, values[(k * 13 + 5) % values.length]!];
        multiply64(op, lo(n), hi(n), lo(m), hi(m), lo(a), hi(a), out);
        const got = (BigInt(out[1]! >>> 0) << 32n) | BigInt(out[0]! >>> 0);
        expect(got, `op ${op} n 0x${n.toString(16)} m 0x${m.toString(16)} a 0x${a.toString(16)}`).toBe(multiply(op, n, m, a, 64));
      }
    }
  });
});
