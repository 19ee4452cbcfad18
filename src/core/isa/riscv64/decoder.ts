/**
 * Table-driven decoding of one instruction (16 or 32 bits) into its row and operand fields.
 * Compressed instructions come out as the fields of the base instruction they expand to, so the
 * interpreter only knows base operations. This runs once per instruction per decode-cache fill,
 * not per execution, so it favours being a plain reading of the table over speed.
 */
import { IMM, INSTRUCTIONS, type CRegSource, type ImmSpec, type InstructionDef } from './instructions';

export interface Decoded {
  row: InstructionDef | undefined;
  op: number;
  rd: number;
  rs1: number;
  rs2: number;
  rs3: number;
  imm: number;
  /** Length in bytes: 2 or 4. */
  length: number;
}

const buckets32: InstructionDef[][] = Array.from({ length: 128 }, () => []);
const buckets16: InstructionDef[][] = Array.from({ length: 32 }, () => []);
for (const row of INSTRUCTIONS) {
  if (row.ext === 'C') buckets16[(row.match & 3) | (((row.match >>> 13) & 7) << 2)]!.push(row);
  else buckets32[row.match & 0x7f]!.push(row);
}

export function extractImm(spec: ImmSpec, bits: number): number {
  let value = 0;
  let width = 0;
  for (const [hi, lo, immLo] of spec.segs) {
    const len = hi - lo + 1;
    value |= ((bits >>> lo) & ((1 << len) - 1)) << immLo;
    width = Math.max(width, immLo + len);
  }
  if (spec.signed && width < 32) {
    const shift = 32 - width;
    value = (value << shift) >> shift;
  }
  return spec.signed ? value | 0 : value >>> 0;
}

function cReg(source: CRegSource | undefined, bits: number): number {
  switch (source) {
    case undefined: return 0;
    case 'r7': return (bits >>> 7) & 31;
    case 'r2': return (bits >>> 2) & 31;
    case 'p7': return 8 + ((bits >>> 7) & 7);
    case 'p2': return 8 + ((bits >>> 2) & 7);
    default: return source;
  }
}

function constraintsHold(row: InstructionDef, out: Decoded): boolean {
  if (!row.when) return true;
  for (const c of row.when) {
    if (c === 'nzimm' && out.imm === 0) return false;
    if (c === 'rd!=0' && out.rd === 0) return false;
    if (c === 'rd!=2' && out.rd === 2) return false;
    if (c === 'rs1!=0' && out.rs1 === 0) return false;
    if (c === 'rs2!=0' && out.rs2 === 0) return false;
  }
  return true;
}

/**
 * Decodes `bits` (for a 16-bit instruction only the low 16 bits are read) into `out`.
 * Returns false for an illegal or reserved encoding.
 */
export function decodeInto(bits: number, out: Decoded): boolean {
  out.row = undefined;
  out.op = 0;
  if ((bits & 3) === 3) {
    out.length = 4;
    out.rd = (bits >>> 7) & 31;
    out.rs1 = (bits >>> 15) & 31;
    out.rs2 = (bits >>> 20) & 31;
    out.rs3 = (bits >>> 27) & 31;
    for (const row of buckets32[bits & 0x7f]!) {
      if (((bits & row.mask) >>> 0) === row.match) {
        out.row = row;
        out.op = row.op;
        out.imm = row.imm ? extractImm(IMM[row.imm], bits) : 0;
        return true;
      }
    }
    return false;
  }
  out.length = 2;
  const half = bits & 0xffff;
  out.rs3 = 0;
  for (const row of buckets16[(half & 3) | (((half >>> 13) & 7) << 2)]!) {
    if ((half & row.mask) !== row.match) continue;
    const c = row.c!;
    out.rd = cReg(c.rd, half);
    out.rs1 = cReg(c.rs1, half);
    out.rs2 = cReg(c.rs2, half);
    out.imm = row.imm ? extractImm(IMM[row.imm], half) : 0;
    if (!constraintsHold(row, out)) continue;
    out.row = row;
    out.op = row.op;
    return true;
  }
  return false;
}

export function newDecoded(): Decoded {
  return { row: undefined, op: 0, rd: 0, rs1: 0, rs2: 0, rs3: 0, imm: 0, length: 4 };
}

export function decode(bits: number): Decoded | undefined {
  const out = newDecoded();
  return decodeInto(bits, out) ? out : undefined;
}
