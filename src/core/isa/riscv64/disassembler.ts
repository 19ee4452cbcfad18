/**
 * objdump-style disassembly driven by the instruction table: ABI register names, the usual pseudo
 * instructions (li, mv, ret, j, beqz, csrr, ...), compressed instructions shown as the instruction
 * they expand to, branch and jump targets as absolute addresses. No symbols, no `# comment` hints.
 */
import { csrName } from './csr-numbers';
import { decodeInto, newDecoded, type Decoded } from './decoder';
import { ABI_NAMES, BASE_ROW, FP_ABI_NAMES, ROUNDING_MODES } from './instructions';

const scratch = newDecoded();

const hex = (v: bigint | number): string => `0x${v.toString(16)}`;
const x = (r: number): string => ABI_NAMES[r]!;
const f = (r: number): string => FP_ABI_NAMES[r]!;

function fenceSet(bits4: number): string {
  const s = (bits4 & 8 ? 'i' : '') + (bits4 & 4 ? 'o' : '') + (bits4 & 2 ? 'r' : '') + (bits4 & 1 ? 'w' : '');
  return s || '0';
}

/** Exact conversions carry an rm field that does not matter; objdump leaves it out. */
const RM_IRRELEVANT = new Set([147, 154, 155]);

function alias(d: Decoded, bits: number, target: string): string | undefined {
  const { op, rd, rs1, rs2, imm } = d;
  switch (op) {
    case 22:
      if (rd === 0 && rs1 === 0 && imm === 0) return 'nop';
      if (rs1 === 0) return `li ${x(rd)},${imm}`;
      if (imm === 0) return `mv ${x(rd)},${x(rs1)}`;
      return undefined;
    case 41: return imm === 0 ? `sext.w ${x(rd)},${x(rs1)}` : undefined;
    case 25: return imm === -1 ? `not ${x(rd)},${x(rs1)}` : undefined;
    case 24: return imm === 1 ? `seqz ${x(rd)},${x(rs1)}` : undefined;
    case 31: return rs1 === 0 ? `mv ${x(rd)},${x(rs2)}` : undefined;
    case 32: return rs1 === 0 ? `neg ${x(rd)},${x(rs2)}` : undefined;
    case 46: return rs1 === 0 ? `negw ${x(rd)},${x(rs2)}` : undefined;
    case 35: return rs1 === 0 ? `snez ${x(rd)},${x(rs2)}` : undefined;
    case 3:
      if (rd === 0) return `j ${target}`;
      if (rd === 1) return `jal ${target}`;
      return undefined;
    case 4:
      if (imm !== 0) return undefined;
      if (rd === 0 && rs1 === 1) return 'ret';
      if (rd === 0) return `jr ${x(rs1)}`;
      if (rd === 1) return `jalr ${x(rs1)}`;
      return undefined;
    case 5: return rs2 === 0 ? `beqz ${x(rs1)},${target}` : undefined;
    case 6: return rs2 === 0 ? `bnez ${x(rs1)},${target}` : undefined;
    case 7:
      if (rs2 === 0) return `bltz ${x(rs1)},${target}`;
      if (rs1 === 0) return `bgtz ${x(rs2)},${target}`;
      return undefined;
    case 8:
      if (rs2 === 0) return `bgez ${x(rs1)},${target}`;
      if (rs1 === 0) return `blez ${x(rs2)},${target}`;
      return undefined;
    case 59:
      if (rs1 === 0) {
        if (imm === 0xc00) return `rdcycle ${x(rd)}`;
        if (imm === 0xc01) return `rdtime ${x(rd)}`;
        if (imm === 0xc02) return `rdinstret ${x(rd)}`;
        return `csrr ${x(rd)},${csrName(imm)}`;
      }
      return rd === 0 ? `csrs ${csrName(imm)},${x(rs1)}` : undefined;
    case 58: return rd === 0 ? `csrw ${csrName(imm)},${x(rs1)}` : undefined;
    case 60: return rd === 0 ? `csrc ${csrName(imm)},${x(rs1)}` : undefined;
    case 61: return rd === 0 ? `csrwi ${csrName(imm)},${rs1}` : undefined;
    case 62: return rd === 0 ? `csrsi ${csrName(imm)},${rs1}` : undefined;
    case 63: return rd === 0 ? `csrci ${csrName(imm)},${rs1}` : undefined;
    case 50: return ((bits >>> 20) & 0xff) === 0xff ? 'fence' : undefined;
    case 57:
      if (rs1 === 0 && rs2 === 0) return 'sfence.vma';
      if (rs2 === 0) return `sfence.vma ${x(rs1)}`;
      return undefined;
    case 111: case 112: case 113: case 141: case 142: case 143: {
      if (rs1 !== rs2) return undefined;
      const name = ['fmv', 'fneg', 'fabs'][(op - 111) % 30]!;
      return `${name}.${op < 130 ? 's' : 'd'} ${f(rd)},${f(rs1)}`;
    }
    default: return undefined;
  }
}

/** Disassembles one instruction; `bits` holds 16 or 32 bits (the low two bits tell which). */
export function disassemble(bits: number, pc: bigint): string {
  const d = scratch;
  if (!decodeInto(bits, d)) {
    if ((bits & 0xffff) === 0) return 'unimp';
    return (bits & 3) === 3 ? `.4byte ${hex(bits >>> 0)}` : `.2byte ${hex(bits & 0xffff)}`;
  }
  const row = BASE_ROW.get(d.op)!;
  const target = hex(BigInt.asUintN(64, pc + BigInt(d.imm)));
  const a = alias(d, bits, target);
  if (a) return a;
  let name = row.name;
  if (row.ext === 'A' && d.length === 4) name += (bits & (1 << 26) ? '.aq' : '') + (bits & (1 << 25) ? '.rl' : '');
  const rm = (bits >>> 12) & 7;
  const ops: string[] = [];
  for (const token of row.syntax ? row.syntax.split(',') : []) {
    switch (token) {
      case 'rd': ops.push(x(d.rd)); break;
      case 'rs1': ops.push(x(d.rs1)); break;
      case 'rs2': ops.push(x(d.rs2)); break;
      case 'frd': ops.push(f(d.rd)); break;
      case 'frs1': ops.push(f(d.rs1)); break;
      case 'frs2': ops.push(f(d.rs2)); break;
      case 'frs3': ops.push(f(d.rs3)); break;
      case 'imm': ops.push(String(d.imm)); break;
      case 'imm(rs1)': ops.push(`${d.imm}(${x(d.rs1)})`); break;
      case '(rs1)': ops.push(`(${x(d.rs1)})`); break;
      case 'target': ops.push(target); break;
      case 'uimm20': ops.push(hex((d.imm >>> 12) & 0xfffff)); break;
      case 'shamt': ops.push(hex(d.imm)); break;
      case 'csr': ops.push(csrName(d.imm)); break;
      case 'zimm': ops.push(String(d.rs1)); break;
      case 'pred': ops.push(fenceSet((bits >>> 24) & 15)); break;
      case 'succ': ops.push(fenceSet((bits >>> 20) & 15)); break;
      case 'rm':
        if (rm !== 7 && !RM_IRRELEVANT.has(d.op) && d.length === 4) ops.push(ROUNDING_MODES[rm] || String(rm));
        break;
      default: throw new Error(`syntax token '${token}' of ${row.name} has no printer`);
    }
  }
  return ops.length ? `${name} ${ops.join(',')}` : name;
}
