/**
 * Table-driven decoding of one A64 instruction word into its row. Rows are grouped by the op0 field
 * (bits 28..25, the Arm ARM's top-level split) and searched in table order, so an alias row wins over
 * the row it aliases. This runs once per instruction word per decode-cache fill, not per execution,
 * so it favours being a plain reading of the table over speed.
 */
import { INSTRUCTIONS, type A64Row } from './instructions';

const buckets: A64Row[][] = Array.from({ length: 16 }, () => []);
for (const row of INSTRUCTIONS) {
  const m = (row.mask >>> 25) & 15;
  const v = (row.match >>> 25) & 15;
  for (let k = 0; k < 16; k++) if ((k & m) === v) buckets[k]!.push(row);
}

/** The row for `bits`, or undefined for an unallocated (or not implemented) encoding. */
export function decode(bits: number): A64Row | undefined {
  const w = bits >>> 0;
  for (const row of buckets[(w >>> 25) & 15]!) {
    if (((w & row.mask) >>> 0) === row.match && (!row.when || row.when(w))) return row;
  }
  return undefined;
}

/** The row that executes `bits` (an alias row executes as its base operation or a faster special case). */
export function opOf(bits: number): number {
  return decode(bits)?.op ?? 0;
}
