/**
 * Table-driven decoding of one A64 instruction word into its row. The rows a word can match are found
 * by its top 11 bits (31..21: the op0 field of the Arm ARM's top-level split and the fields under it),
 * and searched in table order, so an alias row wins over the row it aliases. This runs once per
 * instruction word per decode-cache fill, not per execution; still, an arm64 boot decodes ~490 K words:
 * scanning the op0 group's row objects (their masks and matches unsigned, doubles above 2^31) took
 * ~0.25 s of its CPU thread, ~23 rows a word (decision 0011).
 */
import { INSTRUCTIONS, type A64Row } from './instructions';

/** The rows a group of words can match (their top 11 bits alike), with masks and matches as int32. */
interface Group {
  readonly mask: Int32Array;
  readonly match: Int32Array;
  readonly rows: readonly A64Row[];
}

const TOP = 0xffe00000 | 0;
/** Each row's mask and match in the top 11 bits, to sort rows into groups. */
const topMask = Int32Array.from(INSTRUCTIONS, (row) => row.mask & TOP);
const topMatch = Int32Array.from(INSTRUCTIONS, (row) => row.match & row.mask & TOP);

/** Groups by a word's top 11 bits, made when a word of the group is first decoded. */
const groups: (Group | undefined)[] = new Array<Group | undefined>(2048).fill(undefined);

/** The table's row indices by op0 (bits 28..25), to make a group from its op0's rows only. */
const byOp0: number[][] = Array.from({ length: 16 }, (_, k) => INSTRUCTIONS.flatMap((row, i) => ((k & ((row.mask >>> 25) & 15)) === ((row.match >>> 25) & 15) ? [i] : [])));

function group(top: number): Group {
  const high = top << 21;
  const rows = byOp0[(top >>> 4) & 15]!.filter((i) => (high & topMask[i]!) === topMatch[i]!).map((i) => INSTRUCTIONS[i]!);
  const made = { mask: Int32Array.from(rows, (row) => row.mask | 0), match: Int32Array.from(rows, (row) => row.match | 0), rows };
  groups[top] = made;
  return made;
}

/** The row for `bits`, or undefined for an unallocated (or not implemented) encoding. */
export function decode(bits: number): A64Row | undefined {
  const w = bits | 0;
  const g = groups[w >>> 21] ?? group(w >>> 21);
  const mask = g.mask;
  const match = g.match;
  for (let i = 0; i < mask.length; i++) {
    if ((w & mask[i]!) !== match[i]!) continue;
    const row = g.rows[i]!;
    if (!row.when || row.when(w >>> 0)) return row;
  }
  return undefined;
}

/** The row that executes `bits` (an alias row executes as its base operation or a faster special case). */
export function opOf(bits: number): number {
  return decode(bits)?.op ?? 0;
}
