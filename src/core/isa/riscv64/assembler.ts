/**
 * A small assembler over the instruction table, so that tests and benchmarks can build programs
 * without a toolchain. One instruction per line, objdump operand syntax, ABI or xN register names,
 * labels (`name:`) and a handful of pseudo instructions (li with a 12-bit value, mv, nop, j, ret, beqz,
 * bnez, csrr, csrw, csrs, csrc and their immediate forms, rdcycle, rdtime, rdinstret). No directives, relocations or expression evaluation.
 */
import { Csr } from './csr-numbers';
import { extractImm } from './decoder';
import { ABI_NAMES, FP_ABI_NAMES, IMM, INSTRUCTIONS, ROUNDING_MODES, type CRegSource, type InstructionDef } from './instructions';

/** Conversions that cannot round; GNU as encodes them with rm = rne, so do we. */
const EXACT_CONVERSIONS = new Set([147, 154, 155]);

const byName = new Map<string, InstructionDef>();
for (const row of INSTRUCTIONS) if (!byName.has(row.name)) byName.set(row.name, row);

function reg(text: string, fp: boolean): number {
  const t = text.trim();
  const names: readonly string[] = fp ? FP_ABI_NAMES : ABI_NAMES;
  let i = names.indexOf(t);
  if (i < 0 && t === 'fp' && !fp) i = 8;
  if (i < 0) {
    const m = (fp ? /^f(\d+)$/ : /^x(\d+)$/).exec(t);
    if (m && Number(m[1]) < 32) i = Number(m[1]);
  }
  if (i < 0) throw new Error(`bad ${fp ? 'float' : 'integer'} register '${text}'`);
  return i;
}

function number(text: string): number {
  const t = text.trim();
  const v = Number(t.startsWith('-0x') ? -Number(t.slice(1)) : t);
  if (!Number.isFinite(v)) throw new Error(`bad number '${text}'`);
  return v;
}

function scatter(row: InstructionDef, imm: number): number {
  const spec = IMM[row.imm!];
  let bits = 0;
  for (const [hi, lo, immLo] of spec.segs) {
    const len = hi - lo + 1;
    bits |= ((imm >>> immLo) & ((1 << len) - 1)) << lo;
  }
  if (extractImm(spec, bits) !== (spec.signed ? imm | 0 : imm >>> 0)) {
    throw new Error(`immediate ${imm} does not fit ${row.name}`);
  }
  return bits;
}

function placeReg(source: CRegSource | undefined, r: number, name: string): number {
  switch (source) {
    case undefined: throw new Error(`${name} has no such register operand`);
    case 'r7': return r << 7;
    case 'r2': return r << 2;
    case 'p7':
    case 'p2':
      if (r < 8 || r > 15) throw new Error(`${name} needs a register in x8..x15`);
      return (r - 8) << (source === 'p7' ? 7 : 2);
    default:
      if (r !== source) throw new Error(`${name} only takes ${ABI_NAMES[source]}`);
      return 0;
  }
}

function expandPseudo(mnemonic: string, ops: string[]): [string, string[]] {
  switch (mnemonic) {
    case 'nop': return ['addi', ['zero', 'zero', '0']];
    case 'c.nop': return ['c.addi', ['zero', '0']];
    case 'rdcycle': return ['csrrs', [ops[0]!, 'cycle', 'zero']];
    case 'rdtime': return ['csrrs', [ops[0]!, 'time', 'zero']];
    case 'rdinstret': return ['csrrs', [ops[0]!, 'instret', 'zero']];
    case 'sfence.vma': return ['sfence.vma', [ops[0] ?? 'zero', ops[1] ?? 'zero']];
    case 'li': return ['addi', [ops[0]!, 'zero', ops[1]!]];
    case 'mv': return ['addi', [ops[0]!, ops[1]!, '0']];
    case 'j': return ['jal', ['zero', ops[0]!]];
    case 'ret': return ['jalr', ['zero', '0(ra)']];
    case 'beqz': return ['beq', [ops[0]!, 'zero', ops[1]!]];
    case 'bnez': return ['bne', [ops[0]!, 'zero', ops[1]!]];
    case 'csrr': return ['csrrs', [ops[0]!, ops[1]!, 'zero']];
    case 'csrw': return ['csrrw', ['zero', ops[0]!, ops[1]!]];
    case 'csrs': return ['csrrs', ['zero', ops[0]!, ops[1]!]];
    case 'csrc': return ['csrrc', ['zero', ops[0]!, ops[1]!]];
    case 'csrwi': return ['csrrwi', ['zero', ops[0]!, ops[1]!]];
    case 'csrsi': return ['csrrsi', ['zero', ops[0]!, ops[1]!]];
    case 'csrci': return ['csrrci', ['zero', ops[0]!, ops[1]!]];
    default: return [mnemonic, ops];
  }
}

/** Encodes one instruction at `pc`; `labels` resolves branch and jump targets. */
export function assemble(line: string, pc = 0n, labels: ReadonlyMap<string, bigint> = new Map()): number {
  const text = line.trim();
  const space = text.search(/\s/);
  const rawName = space < 0 ? text : text.slice(0, space);
  const rawOps = space < 0 ? [] : text.slice(space).split(',').map((s) => s.trim()).filter((s) => s !== '');
  let [name, ops] = expandPseudo(rawName, rawOps);
  let aq = 0;
  let rl = 0;
  while (/\.(aq|rl|aqrl)$/.test(name) && !byName.has(name)) {
    const suffix = name.slice(name.lastIndexOf('.'));
    if (suffix !== '.rl') aq = 1;
    if (suffix !== '.aq') rl = 1;
    name = name.slice(0, -suffix.length);
  }
  const row = byName.get(name);
  if (!row) throw new Error(`unknown instruction '${rawName}'`);
  const tokens = row.syntax ? row.syntax.split(',') : [];
  const compressed = row.ext === 'C';
  let bits = row.match;
  let rm = 7;
  let sawRm = false;
  const setReg = (field: 'rd' | 'rs1' | 'rs2' | 'rs3', r: number): void => {
    if (compressed) {
      const c = row.c!;
      bits |= placeReg(c[field as 'rd' | 'rs1' | 'rs2'], r, row.name);
      return;
    }
    bits |= r << { rd: 7, rs1: 15, rs2: 20, rs3: 27 }[field];
  };
  const setImm = (imm: number): void => {
    bits |= scatter(row, imm);
  };
  tokens.forEach((token, i) => {
    const op = ops[i];
    if (op === undefined || op === '') {
      if (token === 'rm') return;
      throw new Error(`${row.name}: missing operand ${i + 1}`);
    }
    switch (token) {
      case 'rd': setReg('rd', reg(op, false)); break;
      case 'rs1': setReg('rs1', reg(op, false)); break;
      case 'rs2': setReg('rs2', reg(op, false)); break;
      case 'frd': setReg('rd', reg(op, true)); break;
      case 'frs1': setReg('rs1', reg(op, true)); break;
      case 'frs2': setReg('rs2', reg(op, true)); break;
      case 'frs3': setReg('rs3', reg(op, true)); break;
      case 'imm': case 'shamt': setImm(number(op)); break;
      case 'uimm20': setImm((number(op) << 12) | 0); break;
      case 'imm(rs1)':
      case '(rs1)': {
        const m = /^(.*)\((\w+)\)$/.exec(op);
        if (!m) throw new Error(`${row.name}: expected offset(register), got '${op}'`);
        if (token === 'imm(rs1)') setImm(m[1]!.trim() === '' ? 0 : number(m[1]!));
        setReg('rs1', reg(m[2]!, false));
        break;
      }
      case 'target': {
        const dest = labels.get(op) ?? BigInt(number(op));
        setImm(Number(BigInt.asIntN(32, dest - pc)));
        break;
      }
      case 'csr': {
        const n = (Csr as Record<string, number>)[op] ?? number(op);
        setImm(n);
        break;
      }
      case 'zimm': bits |= (number(op) & 31) << 15; break;
      case 'pred': case 'succ': {
        let v = 0;
        for (const ch of op) v |= { i: 8, o: 4, r: 2, w: 1 }[ch as 'i'] ?? 0;
        bits |= v << (token === 'pred' ? 24 : 20);
        break;
      }
      case 'rm': {
        rm = ROUNDING_MODES.indexOf(op as 'rne');
        if (rm < 0) throw new Error(`bad rounding mode '${op}'`);
        sawRm = true;
        break;
      }
      default: throw new Error(`syntax token '${token}' has no encoder`);
    }
  });
  if (ops.length > tokens.length) throw new Error(`${row.name}: too many operands`);
  if (tokens.includes('rm')) bits = (bits & ~0x7000) | ((sawRm ? rm : EXACT_CONVERSIONS.has(row.op) ? 0 : 7) << 12);
  if (row.ext === 'A') bits |= (aq << 26) | (rl << 25);
  if (name === 'fence' && ops.length === 0) bits |= 0xff << 20;
  return compressed ? bits & 0xffff : bits >>> 0;
}

export interface Program {
  readonly bytes: Uint8Array;
  readonly labels: ReadonlyMap<string, bigint>;
}

/**
 * Assembles lines (instructions, `label:` lines, `.word N` and `.half N`) placed from `base`.
 * A label on the same line as an instruction is allowed (`loop: addi a0,a0,-1`).
 */
export function assembleProgram(source: string | readonly string[], base = 0x80000000n): Program {
  const lines = (typeof source === 'string' ? source.split('\n') : source).map((l) => l.replace(/#.*$/, '').trim());
  const labels = new Map<string, bigint>();
  const items: { pc: bigint; text: string }[] = [];
  let pc = base;
  for (let line of lines) {
    const m = /^([A-Za-z_.$][\w.$]*):\s*(.*)$/.exec(line);
    if (m) {
      labels.set(m[1]!, pc);
      line = m[2]!;
    }
    if (!line) continue;
    items.push({ pc, text: line });
    pc += BigInt(sizeOf(line));
  }
  const bytes = new Uint8Array(Number(pc - base));
  const view = new DataView(bytes.buffer);
  for (const { pc: at, text } of items) {
    const off = Number(at - base);
    if (text.startsWith('.word')) view.setUint32(off, number(text.slice(5)) >>> 0, true);
    else if (text.startsWith('.half')) view.setUint16(off, number(text.slice(5)) & 0xffff, true);
    else {
      const bits = assemble(text, at, labels);
      if (sizeOf(text) === 2) view.setUint16(off, bits, true);
      else view.setUint32(off, bits, true);
    }
  }
  return { bytes, labels };
}

function sizeOf(text: string): number {
  if (text.startsWith('.half') || text.startsWith('c.')) return 2;
  return 4;
}
