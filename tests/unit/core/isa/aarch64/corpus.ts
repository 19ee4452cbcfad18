/**
 * The disassembler corpus: for every row of the decode table, encodings made of the row's fixed bits
 * and seeded random bits elsewhere that decode to that row. objdump-corpus.json holds GNU objdump's
 * text for them (binutils 2.40, Debian's aarch64-linux-gnu), so the test runs without the toolchain;
 * with the toolchain present the test asks objdump again and AARCH64_WRITE_CORPUS=1 rewrites the file.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decode } from '../../../../../src/core/isa/aarch64/decoder';
import { INSTRUCTIONS, Op, SYS_OPS } from '../../../../../src/core/isa/aarch64/instructions';
import { SYSTEM_REGISTERS } from '../../../../../src/core/isa/aarch64/sysregs';

export const CORPUS_VMA = 0x400000n;
export const OBJDUMP = '/usr/bin/aarch64-linux-gnu-objdump';
export const AS = '/usr/bin/aarch64-linux-gnu-as';

/** xorshift32: the same corpus on every machine. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

const SYSREG_FIELDS = SYSTEM_REGISTERS.map((r) => (r.op0 << 14) | (r.op1 << 11) | (r.crn << 7) | (r.crm << 3) | r.op2);
const SYS_KEYS = [...SYS_OPS.keys()];

/**
 * Some fields are drawn from lists rather than at random: hints, barrier options and system
 * operands, where objdump names encodings of later architecture versions this CPU does not have.
 */
function shape(name: string, bits: number, next: () => number): number {
  if (name === 'hint') return (bits & ~0xfe0) | ((0x28 + (next() % 88)) << 5); // 0x28..0x7f: unnamed in every version
  if (name === 'dsb' || name === 'dmb') {
    const crm = [1, 2, 3, 5, 6, 7, 9, 10, 11, 13, 14, 15, 8, 12][next() % 14]!;
    return (bits & ~0xf00) | (crm << 8);
  }
  if (name === 'mrs' || name === 'msr') {
    const key = SYSREG_FIELDS[next() % SYSREG_FIELDS.length]!;
    return (bits & ~(0xffff << 5)) | (key << 5);
  }
  if (['at', 'dc', 'ic', 'tlbi'].includes(name)) {
    const candidates = SYS_KEYS.filter((k) => SYS_OPS.get(k)![0] === name);
    const key = candidates[next() % candidates.length]!;
    const op = SYS_OPS.get(key)![1];
    const takesReg = name === 'at' || name === 'dc' || op === 'ivau' || /^va|^vaa|^aside|^vale|^vaale/.test(op);
    const rt = takesReg ? next() % 31 : 31;
    return (bits & ~(0x3fff << 5) & ~31) | (key << 5) | rt;
  }
  return bits;
}

/**
 * Encodings the Arm ARM calls CONSTRAINED UNPREDICTABLE that objdump prints as undefined (load pairs
 * with Rt == Rt2, write-back with the base among the transfer registers). The CPU executes them with
 * one of the permitted behaviours; they are left out of the comparison.
 */
function constrainedUnpredictable(bits: number, op: number): boolean {
  const t = bits & 31;
  const n = (bits >>> 5) & 31;
  const t2 = (bits >>> 10) & 31;
  const load = ((bits >>> 22) & 1) === 1;
  if (op === Op.LDSTP_OFF || op === Op.LDSTP_POST || op === Op.LDSTP_PRE) {
    if (load && t === t2) return true;
    if (op !== Op.LDSTP_OFF && n !== 31 && (n === t || n === t2)) return true;
  }
  return false;
}

export interface CorpusEntry {
  readonly bits: number;
  readonly row: string;
  readonly cls: string;
}

export function buildCorpus(perRow = 24): CorpusEntry[] {
  const next = rng(0x5eed1234);
  const out: CorpusEntry[] = [];
  const seen = new Set<number>();
  for (const row of INSTRUCTIONS) {
    if (row.name === 'sys') continue; // unnamed SYS encodings overlap the later architecture's named ones
    let found = 0;
    for (let attempt = 0; attempt < perRow * 40 && found < perRow; attempt++) {
      let bits = ((next() & ~row.mask) | row.match) >>> 0;
      bits = shape(row.name, bits, next) >>> 0;
      if (decode(bits) !== row || seen.has(bits) || constrainedUnpredictable(bits, row.op)) continue;
      seen.add(bits);
      out.push({ bits, row: row.name, cls: row.cls });
      found++;
    }
  }
  return out;
}

/** Runs objdump over the words; returns its instruction text per word (comments dropped), or undefined without the toolchain. */
export function objdumpTexts(words: readonly number[]): string[] | undefined {
  if (process.env.AARCH64_NO_TOOLCHAIN === '1' || !existsSync(OBJDUMP)) return undefined;
  const dir = mkdtempSync(path.join(tmpdir(), 'a64-corpus-'));
  try {
    const file = path.join(dir, 'corpus.bin');
    const buf = Buffer.alloc(words.length * 4);
    words.forEach((w, i) => buf.writeUInt32LE(w >>> 0, i * 4));
    writeFileSync(file, buf);
    const text = execFileSync(OBJDUMP, ['-D', '-b', 'binary', '-m', 'aarch64', `--adjust-vma=0x${CORPUS_VMA.toString(16)}`, file], { encoding: 'utf8', maxBuffer: 1 << 28 });
    const result: string[] = [];
    for (const line of text.split('\n')) {
      const m = /^\s*[0-9a-f]+:\t([0-9a-f]{8}) \t(.*)$/.exec(line);
      if (!m) continue;
      result.push(m[2]!.replace(/\s*\/\/.*$/, '').replace(/\s+$/, ''));
    }
    if (result.length !== words.length) throw new Error(`objdump gave ${result.length} lines for ${words.length} words`);
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
