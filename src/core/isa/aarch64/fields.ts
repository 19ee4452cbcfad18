/**
 * Operand fields of A64 encodings and the pure decoding helpers the decode table, the disassembler and
 * the interpreter share: register fields, sign-extended offsets, logical (bitmask) immediates and the
 * alias predicates of the Arm ARM (MoveWidePreferred, BFXPreferred). Values are JavaScript numbers or
 * bigints; nothing here touches CPU state.
 */

export const rdOf = (b: number): number => b & 31;
export const rnOf = (b: number): number => (b >>> 5) & 31;
export const rmOf = (b: number): number => (b >>> 16) & 31;
export const raOf = (b: number): number => (b >>> 10) & 31;
export const sfOf = (b: number): number => b >>> 31;
export const condOf = (b: number): number => (b >>> 12) & 15;
export const immrOf = (b: number): number => (b >>> 16) & 63;
export const immsOf = (b: number): number => (b >>> 10) & 63;
export const nOf = (b: number): number => (b >>> 22) & 1;

/** Sign-extends the `width`-bit field at `lsb` of `b`. */
export function sext(b: number, lsb: number, width: number): number {
  return ((b >>> lsb) << (32 - width)) >> (32 - width);
}

/** Branch and literal offsets in bytes. */
export const imm26Of = (b: number): number => sext(b, 0, 26) * 4;
export const imm19Of = (b: number): number => sext(b, 5, 19) * 4;
export const imm14Of = (b: number): number => sext(b, 5, 14) * 4;
export const adrImmOf = (b: number): number => (sext(b, 5, 19) * 4) | ((b >>> 29) & 3);

export const CONDITIONS = ['eq', 'ne', 'cs', 'cc', 'mi', 'pl', 'vs', 'vc', 'hi', 'ls', 'ge', 'lt', 'gt', 'le', 'al', 'nv'] as const;
export const SHIFTS = ['lsl', 'lsr', 'asr', 'ror'] as const;
export const EXTENDS = ['uxtb', 'uxth', 'uxtw', 'uxtx', 'sxtb', 'sxth', 'sxtw', 'sxtx'] as const;

function ones(n: number): bigint {
  return (1n << BigInt(n)) - 1n;
}

function ror(value: bigint, amount: number, width: number): bigint {
  if (amount === 0) return value;
  const w = BigInt(width);
  const a = BigInt(amount);
  return ((value >> a) | (value << (w - a))) & ones(width);
}

/**
 * DecodeBitMasks of the Arm ARM for logical immediates: the value as an unsigned bigint of
 * `regSize` bits, or undefined for a reserved encoding.
 */
export function decodeBitMask(n: number, imms: number, immr: number, regSize: 32 | 64): bigint | undefined {
  const combined = (n << 6) | (~imms & 63);
  if (combined === 0) return undefined;
  const len = 31 - Math.clz32(combined);
  if (len < 1) return undefined;
  const size = 1 << len;
  if (size > regSize) return undefined;
  const levels = size - 1;
  const s = imms & levels;
  const r = immr & levels;
  if (s === levels) return undefined;
  const element = ror(ones(s + 1), r, size);
  let value = 0n;
  for (let i = 0; i < regSize; i += size) value |= element << BigInt(i);
  return value;
}

/**
 * Whether a value fits one MOVZ or MOVN (one 16-bit chunk differs from all zeros or all ones). GNU
 * objdump prints ORR (immediate) with XZR as `mov` only when it does not, which differs from the Arm
 * ARM's MoveWidePreferred for a few values; the disassembler follows objdump.
 */
export function isWideConstant(value: bigint, regSize: 32 | 64): boolean {
  const oneChunk = (v: bigint): boolean => {
    let chunks = 0;
    for (let i = 0n; i < BigInt(regSize); i += 16n) if (((v >> i) & 0xffffn) !== 0n) chunks++;
    return chunks <= 1;
  };
  const mask = (1n << BigInt(regSize)) - 1n;
  return oneChunk(value & mask) || oneChunk(~value & mask);
}

/** The Arm ARM's BFXPreferred: whether SBFM/UBFM prints as SBFX/UBFX. */
export function bfxPreferred(sf: number, unsigned: number, imms: number, immr: number): boolean {
  if (imms < immr) return false;
  if (imms === (sf ? 63 : 31)) return false;
  if (immr === 0) {
    if (sf === 0 && (imms === 7 || imms === 15)) return false;
    if (sf === 1 && unsigned === 0 && (imms === 7 || imms === 15 || imms === 31)) return false;
  }
  return true;
}

/** The logical immediate of an encoding (AND/ORR/EOR/ANDS immediate), or undefined if reserved. */
export function logicalImmOf(b: number): bigint | undefined {
  const sf = sfOf(b);
  if (sf === 0 && nOf(b) === 1) return undefined;
  return decodeBitMask(nOf(b), immsOf(b), immrOf(b), sf ? 64 : 32);
}

/** System register operand (op0:op1:CRn:CRm:op2) as a 16-bit key: bits 19..5 of MRS/MSR/SYS. */
export const sysKeyOf = (b: number): number => (b >>> 5) & 0xffff;

export function sysKey(op0: number, op1: number, crn: number, crm: number, op2: number): number {
  return (op0 << 14) | (op1 << 11) | (crn << 7) | (crm << 3) | op2;
}

/** VFPExpandImm of an 8-bit FMOV immediate. */
export function fpImmediate(imm8: number): number {
  const exponent = imm8 & 0x40 ? ((imm8 >>> 4) & 3) - 3 : ((imm8 >>> 4) & 3) + 1;
  const value = (1 + (imm8 & 15) / 16) * 2 ** exponent;
  return imm8 & 0x80 ? -value : value;
}

/** AdvSIMDExpandImm: the 64-bit pattern of a modified-immediate instruction (op, cmode, imm8 = abc:defgh). */
export function advSimdExpandImm(op: number, cmode: number, imm8: number): bigint {
  const i = BigInt(imm8);
  const rep = (v: bigint, bits: number): bigint => {
    let r = 0n;
    for (let k = 0; k < 64; k += bits) r |= v << BigInt(k);
    return r;
  };
  switch (cmode >>> 1) {
    case 0: case 1: case 2: case 3: return rep(i << BigInt(8 * (cmode >>> 1)), 32);
    case 4: case 5: return rep(i << BigInt(8 * ((cmode >>> 1) & 1)), 16);
    case 6: return rep(cmode & 1 ? (i << 16n) | 0xffffn : (i << 8n) | 0xffn, 32);
    default: {
      const b = (imm8 >>> 6) & 1;
      if (!(cmode & 1)) {
        if (!op) return rep(i, 8);
        let r = 0n;
        for (let k = 0; k < 8; k++) if ((imm8 >>> k) & 1) r |= 0xffn << BigInt(8 * k);
        return r;
      }
      if (!op) return rep(BigInt(((imm8 & 0x80) << 24 | (b ? 0x3e000000 : 0x40000000) | ((imm8 & 0x3f) << 19)) >>> 0), 32);
      return BigInt(((imm8 & 0x80) << 8) | (b ? 0x3fc0 : 0x4000) | (imm8 & 0x3f)) << 48n;
    }
  }
}

/** Element size (0..3) of a shift-by-immediate instruction: the highest set bit of immh (bits 22..19). */
export function shiftSizeOf(b: number): number {
  const immh = (b >>> 19) & 15;
  return immh & 8 ? 3 : immh & 4 ? 2 : immh & 2 ? 1 : 0;
}

/** Registers transferred and structure elements per opcode (bits 15..12) of LD1-LD4/ST1-ST4 (multiple structures). */
export const LDST_MULTIPLE: Readonly<Record<number, readonly [registers: number, selem: number]>> = {
  0: [4, 4], 2: [4, 1], 4: [3, 3], 6: [3, 1], 7: [1, 1], 8: [2, 2], 10: [2, 1],
};

/** LD1-LD4/ST1-ST4 (single structure) and LD1R-LD4R: element size, lane index, structure elements, replicate. */
export function singleStructureOf(b: number): { es: number; index: number; selem: number; replicate: boolean } {
  const opc = (b >>> 13) & 7;
  const s = (b >>> 12) & 1;
  const size = (b >>> 10) & 3;
  const q = (b >>> 30) & 1;
  const selem = (((opc & 1) << 1) | ((b >>> 21) & 1)) + 1;
  switch (opc >>> 1) {
    case 0: return { es: 0, index: (q << 3) | (s << 2) | size, selem, replicate: false };
    case 1: return { es: 1, index: (q << 2) | (s << 1) | (size >>> 1), selem, replicate: false };
    case 2: return size & 1 ? { es: 3, index: q, selem, replicate: false } : { es: 2, index: (q << 1) | s, selem, replicate: false };
    default: return { es: size, index: 0, selem, replicate: true };
  }
}
