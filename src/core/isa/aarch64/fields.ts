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
