/**
 * A small LA64 assembler driven by the decode table (opcodes.ts), for the tests and the bare-metal
 * guests (guest/loongarch64, built without an external toolchain). Two passes over lines of GNU-style
 * syntax: `label:`, instructions with operands in binutils order, and a few directives and pseudo
 * instructions:
 *
 *   .word n / .dword n / .byte n / .ascii "s" / .asciz "s" / .align p2 / .space n / .equ name, value
 *   nop, move rd, rj, ret, jr rj, li.w rd, si32 (one or two words), li.d rd, imm64 (always four words),
 *   la.pcrel rd, label (pcaddu12i + addi.d), bl/b/beq... label
 *
 * Immediates: decimal or 0x hex, a label or .equ name, optionally `label+4`. A branch operand that names
 * a label becomes the byte offset from the instruction. Errors name the line and what is wrong.
 */
import { FIELDS, OPCODES, encodeField, maskMatch, operandOrder, type FieldName, type OpcodeRow } from './opcodes';
import { fprNumber, gprNumber, numberedOperand } from './registers';

export interface AssembledProgram {
  /** The bytes, starting at `base`. */
  readonly bytes: Uint8Array;
  readonly base: bigint;
  readonly labels: ReadonlyMap<string, bigint>;
}

const BY_NAME = new Map<string, OpcodeRow>(OPCODES.map((r) => [r.mnemonic, r]));

interface Item {
  readonly line: number;
  readonly text: string;
  readonly address: bigint;
  readonly size: number;
  readonly emit: (ctx: Ctx) => Uint8Array;
}

interface Ctx {
  readonly symbols: Map<string, bigint>;
  readonly address: bigint;
}

export class AsmError extends Error {}

/** Assembles `source` at `base`. */
export function assemble(source: string, base = 0n): AssembledProgram {
  const symbols = new Map<string, bigint>();
  const items: Item[] = [];
  let address = base;
  const lines = source.split('\n');
  for (const [i, raw] of lines.entries()) {
    const lineNo = i + 1;
    let text = stripComment(raw).trim();
    const fail = (msg: string): never => {
      throw new AsmError(`line ${lineNo}: ${msg}: ${raw.trim()}`);
    };
    let label: RegExpExecArray | null;
    while ((label = /^([A-Za-z_.$][\w.$]*):/.exec(text))) {
      if (symbols.has(label[1]!)) fail(`label '${label[1]}' defined twice`);
      symbols.set(label[1]!, address);
      text = text.slice(label[0].length).trim();
    }
    if (!text) continue;
    const [head, rest = ''] = splitHead(text);
    const ops = splitOperands(rest);
    const add = (size: number, emit: (ctx: Ctx) => Uint8Array) => {
      items.push({ line: lineNo, text: raw.trim(), address, size, emit });
      address += BigInt(size);
    };
    try {
      if (head.startsWith('.')) {
        directive(head, ops, rest, add, symbols, () => address);
        continue;
      }
      const pseudo = PSEUDOS[head];
      if (pseudo) {
        const words = pseudo.size(ops);
        add(4 * words, (ctx) => wordsToBytes(pseudo.emit(ops, ctx)));
        continue;
      }
      const row = BY_NAME.get(head);
      if (!row) fail(`unknown instruction '${head}'`);
      add(4, (ctx) => wordsToBytes([encodeRow(row!, ops, ctx)]));
    } catch (e) {
      if (e instanceof AsmError) throw e;
      fail((e as Error).message);
    }
  }
  const size = Number(address - base);
  const bytes = new Uint8Array(size);
  for (const item of items) {
    try {
      const out = item.emit({ symbols, address: item.address });
      if (out.length !== item.size) throw new Error(`internal: emitted ${out.length} bytes, planned ${item.size}`);
      bytes.set(out, Number(item.address - base));
    } catch (e) {
      if (e instanceof AsmError) throw e;
      throw new AsmError(`line ${item.line}: ${(e as Error).message}: ${item.text}`);
    }
  }
  return { bytes, base, labels: symbols };
}

/** Assembles instructions only and returns their words (tests). */
export function assembleWords(source: string, base = 0n): number[] {
  const { bytes } = assemble(source, base);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: bytes.length >> 2 }, (_, i) => view.getUint32(4 * i, true));
}

/** Encodes one instruction of the table from operand strings (binutils order). */
export function encodeRow(row: OpcodeRow, ops: readonly string[], ctx: Ctx): number {
  const order = operandOrder(row);
  if (ops.length !== order.length) throw new Error(`${row.mnemonic} takes ${order.length} operand(s), not ${ops.length}`);
  let word = maskMatch(row).match;
  for (const [i, name] of order.entries()) word |= encodeField(name, operandValue(name, ops[i]!, ctx));
  return word >>> 0;
}

function operandValue(name: FieldName, text: string, ctx: Ctx): number {
  const field = FIELDS[name];
  if (field.kind === 'gpr') {
    const n = gprNumber(text);
    if (n === undefined) throw new Error(`'${text}' is not a register`);
    return n;
  }
  if (field.kind === 'fpr' || field.kind === 'fcc' || field.kind === 'fcsr' || field.kind === 'vr') {
    const n = field.kind === 'fpr' ? fprNumber(text) : numberedOperand(field.kind, text, field.kind === 'fcc' ? 8 : 32);
    if (n === undefined) throw new Error(`'${text}' is not a ${field.kind === 'fpr' ? 'floating-point register' : `$${field.kind}N operand`}`);
    return n;
  }
  const value = evaluate(text, ctx);
  // Branch offsets: a symbol means its address relative to this instruction.
  if ((name === 'offs16' || name === 'offs21' || name === 'offs26') && !isNumber(text)) return Number(BigInt.asIntN(64, value - ctx.address));
  return Number(BigInt.asIntN(64, value));
}

const isNumber = (text: string): boolean => /^[-+]?(0x[0-9a-f]+|\d+)$/i.test(text.trim());

function evaluate(text: string, ctx: Ctx | { symbols: Map<string, bigint> }): bigint {
  const t = text.trim();
  const m = /^([-+]?(?:0x[0-9a-f]+|\d+)|[A-Za-z_.$][\w.$]*)(?:\s*([-+])\s*(0x[0-9a-f]+|\d+))?$/i.exec(t);
  if (!m) throw new Error(`cannot read '${text}' as a number or symbol`);
  let v: bigint;
  if (/^[-+]?(0x|\d)/i.test(m[1]!)) {
    const neg = m[1]!.startsWith('-');
    v = BigInt(m[1]!.replace(/^[-+]/, ''));
    if (neg) v = -v;
  } else {
    const s = ctx.symbols.get(m[1]!);
    if (s === undefined) throw new Error(`undefined symbol '${m[1]}'`);
    v = s;
  }
  if (m[2]) v += (m[2] === '-' ? -1n : 1n) * BigInt(m[3]!);
  return v;
}

interface Pseudo {
  size(ops: readonly string[]): number;
  emit(ops: readonly string[], ctx: Ctx): number[];
}

const enc = (mnemonic: string, ops: readonly string[], ctx: Ctx): number => encodeRow(BY_NAME.get(mnemonic)!, ops, ctx);

const PSEUDOS: Readonly<Record<string, Pseudo>> = {
  nop: { size: () => 1, emit: (_o, c) => [enc('andi', ['$zero', '$zero', '0'], c)] },
  move: { size: () => 1, emit: (o, c) => [enc('or', [o[0]!, o[1]!, '$zero'], c)] },
  ret: { size: () => 1, emit: (_o, c) => [enc('jirl', ['$zero', '$ra', '0'], c)] },
  jr: { size: () => 1, emit: (o, c) => [enc('jirl', ['$zero', o[0]!, '0'], c)] },
  'li.w': {
    size: () => 2,
    emit: (o, c) => {
      const v = Number(BigInt.asIntN(32, evaluate(o[1]!, c)));
      // lu12i.w + ori: always two words so that the size does not depend on a symbol's value.
      return [enc('lu12i.w', [o[0]!, String((v >> 12) | 0)], c), enc('ori', [o[0]!, o[0]!, String(v & 0xfff)], c)];
    },
  },
  'li.d': {
    size: () => 4,
    emit: (o, c) => {
      const v = BigInt.asUintN(64, evaluate(o[1]!, c));
      const s = (x: bigint, bits: number): string => String(BigInt.asIntN(bits, x));
      return [
        enc('lu12i.w', [o[0]!, s((v >> 12n) & 0xfffffn, 20)], c),
        enc('ori', [o[0]!, o[0]!, String(Number(v & 0xfffn))], c),
        enc('lu32i.d', [o[0]!, s((v >> 32n) & 0xfffffn, 20)], c),
        enc('lu52i.d', [o[0]!, o[0]!, s((v >> 52n) & 0xfffn, 12)], c),
      ];
    },
  },
  'la.pcrel': {
    size: () => 2,
    emit: (o, c) => {
      const delta = BigInt.asIntN(64, evaluate(o[1]!, c) - c.address);
      // pcaddu12i adds hi << 12 to this pc; addi.d's signed low 12 bits round hi up when bit 11 is set.
      const lo = BigInt.asIntN(12, delta);
      const hi = (delta - lo) >> 12n;
      return [enc('pcaddu12i', [o[0]!, String(hi)], c), enc('addi.d', [o[0]!, o[0]!, String(lo)], c)];
    },
  },
};

function directive(
  head: string,
  ops: readonly string[],
  rest: string,
  add: (size: number, emit: (ctx: Ctx) => Uint8Array) => void,
  symbols: Map<string, bigint>,
  here: () => bigint,
): void {
  switch (head) {
    case '.word':
    case '.dword':
    case '.byte': {
      const size = head === '.byte' ? 1 : head === '.word' ? 4 : 8;
      for (const op of ops) {
        add(size, (ctx) => {
          const v = BigInt.asUintN(64, evaluate(op, ctx));
          const out = new Uint8Array(size);
          for (let i = 0; i < size; i++) out[i] = Number((v >> BigInt(8 * i)) & 0xffn);
          return out;
        });
      }
      return;
    }
    case '.ascii':
    case '.asciz': {
      const s = parseString(rest.trim());
      const text = head === '.asciz' ? `${s}\0` : s;
      if (/[^\x00-\x7f]/.test(text)) throw new Error('only ASCII strings');
      const bytes = Uint8Array.from(text, (c) => c.charCodeAt(0));
      add(bytes.length, () => bytes);
      return;
    }
    case '.align': {
      const p = 2 ** Number(ops[0] ?? '2');
      const pad = Number((BigInt(p) - (here() % BigInt(p))) % BigInt(p));
      add(pad, () => new Uint8Array(pad));
      return;
    }
    case '.space': {
      const n = Number(ops[0]);
      add(n, () => new Uint8Array(n));
      return;
    }
    case '.equ':
    case '.set':
      symbols.set(ops[0]!, evaluate(ops[1]!, { symbols }));
      return;
    case '.text':
    case '.data':
    case '.global':
    case '.globl':
      return;
    default:
      throw new Error(`unknown directive '${head}'`);
  }
}

function parseString(text: string): string {
  const m = /^"((?:[^"\\]|\\.)*)"$/.exec(text);
  if (!m) throw new Error(`expected a quoted string, not ${text}`);
  return m[1]!.replace(/\\(.)/g, (_s, c: string) => ({ n: '\n', r: '\r', t: '\t', '0': '\0' })[c] ?? c);
}

function stripComment(line: string): string {
  let inString = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '"' && line[i - 1] !== '\\') inString = !inString;
    if (!inString && (c === '#' || (c === '/' && line[i + 1] === '/'))) return line.slice(0, i);
  }
  return line;
}

function splitHead(text: string): [string, string] {
  const m = /^(\S+)\s*(.*)$/.exec(text)!;
  return [m[1]!.toLowerCase(), m[2]!];
}

function splitOperands(rest: string): string[] {
  if (!rest.trim() || rest.trim().startsWith('"')) return [];
  return rest.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}

function wordsToBytes(words: readonly number[]): Uint8Array {
  const out = new Uint8Array(4 * words.length);
  const view = new DataView(out.buffer);
  words.forEach((w, i) => view.setUint32(4 * i, w >>> 0, true));
  return out;
}
