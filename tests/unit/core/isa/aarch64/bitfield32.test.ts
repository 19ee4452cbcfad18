/**
 * The W-register fast paths of the interpreter give what the BigInt paths give: bitfieldMove32 against
 * bitfieldMove for every SBFM/BFM/UBFM immr/imms pair on varied operands, and bswap32 against REV.
 */
import { describe, expect, it } from 'vitest';
import { bitfieldMove, bitfieldMove32, bswap32, dataProcessing1 } from '../../../../../src/core/isa/aarch64/alu';

const operands = [0, 1, -1, 0x7fffffff, -0x80000000, 0x12345678, -0x5a5a5a5b, 0x00ff00ff, 0x80000001];
const u32 = (v: number): bigint => BigInt(v >>> 0);

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

  it('bswap32 equals REV of a W register', () => {
    for (const v of operands) expect(bswap32(v)).toBe(Number(BigInt.asIntN(32, dataProcessing1(87, u32(v), 32))));
  });
});
