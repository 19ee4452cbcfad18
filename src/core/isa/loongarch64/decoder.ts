/**
 * The LA64 decoder, built once from the decode table (opcodes.ts): rows are bucketed by bits 31..26
 * and tried most specific first (more fixed bits first), so CSRRD/CSRWR win over CSRXCHG and a row with
 * fixed low bits over a shorter prefix. Returns the row and its operand values, or undefined.
 */
import { FIELDS, FORMATS, OPCODES, fieldValue, maskMatch, type FieldName, type OpcodeRow } from './opcodes';

export interface Decoded {
  readonly row: OpcodeRow;
  /** Index of the row in OPCODES (the interpreter's switch key). */
  readonly op: number;
  /** Operand values by field name (after shift and bias). */
  readonly f: Readonly<Partial<Record<FieldName, number>>>;
  /** The same values as BigInts (the interpreter's immediates, converted once per decoded word). */
  readonly b: Readonly<Partial<Record<FieldName, bigint>>>;
  /** rd, rj, rk as numbers, 0 when the format has no such field (every Decoded has the same shape). */
  readonly rd: number;
  readonly rj: number;
  readonly rk: number;
}

interface Entry {
  readonly mask: number;
  readonly match: number;
  readonly op: number;
  readonly bits: number;
}

const BUCKETS: Entry[][] = Array.from({ length: 64 }, () => []);

for (const [op, row] of OPCODES.entries()) {
  const { mask, match } = maskMatch(row);
  const bits = popcount(mask);
  const top = mask >>> 26;
  if (top !== 0x3f) throw new Error(`opcode table: ${row.mnemonic} does not fix bits 31..26`);
  BUCKETS[match >>> 26]!.push({ mask, match, op, bits });
}
for (const bucket of BUCKETS) bucket.sort((a, b) => b.bits - a.bits);

function popcount(v: number): number {
  let n = 0;
  for (let x = v >>> 0; x; x >>>= 1) n += x & 1;
  return n;
}

/** The op index of the row a word matches, or -1. */
export function decodeOp(word: number): number {
  const w = word >>> 0;
  for (const e of BUCKETS[w >>> 26]!) {
    if (((w & e.mask) >>> 0) === e.match) return e.op;
  }
  return -1;
}

export function decode(word: number): Decoded | undefined {
  const op = decodeOp(word);
  if (op < 0) return undefined;
  const row = OPCODES[op]!;
  const f: Partial<Record<FieldName, number>> = {};
  const b: Partial<Record<FieldName, bigint>> = {};
  for (const name of FORMATS[row.format]) {
    f[name] = fieldValue(word, FIELDS[name]);
    b[name] = BigInt(f[name]!);
  }
  return { row, op, f, b, rd: f.rd ?? 0, rj: f.rj ?? 0, rk: f.rk ?? 0 };
}

/** Op index of a mnemonic (the interpreter resolves its cases by name once). */
export function opOf(mnemonic: string): number {
  const i = OPCODES.findIndex((r) => r.mnemonic === mnemonic);
  if (i < 0) throw new Error(`no LA64 instruction '${mnemonic}' in the decode table`);
  return i;
}
