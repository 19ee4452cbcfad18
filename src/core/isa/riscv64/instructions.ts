/**
 * The RV64GC instruction table: the single source for the decoder, the disassembler and the test
 * assembler. Each row gives the bit pattern (mask/match), the extension, the operand format and the
 * compact operation id the interpreter switches on. Compressed rows name the base operation they
 * expand to and where their operands live. Left out: V, H, Zb*, Zfh and the other optional extensions.
 *
 * Operation ids are fixed numbers because the interpreter's hot `switch` needs literal case labels
 * for V8 to build a jump table; tests check that the ids are unique and that every id is handled.
 */

export type Extension = 'I' | 'M' | 'A' | 'F' | 'D' | 'C' | 'Zicsr' | 'Zifencei' | 'Priv';

/** How an immediate is scattered over the instruction: [instrHigh, instrLow, immLow] segments. */
export interface ImmSpec {
  readonly segs: readonly (readonly [number, number, number])[];
  readonly signed: boolean;
}

export const IMM = {
  I: { segs: [[31, 20, 0]], signed: true },
  S: { segs: [[31, 25, 5], [11, 7, 0]], signed: true },
  B: { segs: [[31, 31, 12], [30, 25, 5], [11, 8, 1], [7, 7, 11]], signed: true },
  U: { segs: [[31, 12, 12]], signed: true },
  J: { segs: [[31, 31, 20], [30, 21, 1], [20, 20, 11], [19, 12, 12]], signed: true },
  SH6: { segs: [[25, 20, 0]], signed: false },
  SH5: { segs: [[24, 20, 0]], signed: false },
  CSR: { segs: [[31, 20, 0]], signed: false },
  CIW: { segs: [[12, 11, 4], [10, 7, 6], [6, 6, 2], [5, 5, 3]], signed: false },
  CLW: { segs: [[12, 10, 3], [6, 6, 2], [5, 5, 6]], signed: false },
  CLD: { segs: [[12, 10, 3], [6, 5, 6]], signed: false },
  CI: { segs: [[12, 12, 5], [6, 2, 0]], signed: true },
  CIU: { segs: [[12, 12, 5], [6, 2, 0]], signed: false },
  CI16SP: { segs: [[12, 12, 9], [6, 6, 4], [5, 5, 6], [4, 3, 7], [2, 2, 5]], signed: true },
  CILUI: { segs: [[12, 12, 17], [6, 2, 12]], signed: true },
  CJ: { segs: [[12, 12, 11], [11, 11, 4], [10, 9, 8], [8, 8, 10], [7, 7, 6], [6, 6, 7], [5, 3, 1], [2, 2, 5]], signed: true },
  CB: { segs: [[12, 12, 8], [11, 10, 3], [6, 5, 6], [4, 3, 1], [2, 2, 5]], signed: true },
  CLWSP: { segs: [[12, 12, 5], [6, 4, 2], [3, 2, 6]], signed: false },
  CLDSP: { segs: [[12, 12, 5], [6, 5, 3], [4, 2, 6]], signed: false },
  CSWSP: { segs: [[12, 9, 2], [8, 7, 6]], signed: false },
  CSDSP: { segs: [[12, 10, 3], [9, 7, 6]], signed: false },
} as const satisfies Record<string, ImmSpec>;

export type ImmKind = keyof typeof IMM;

/**
 * Operand syntax, comma separated. Tokens: rd rs1 rs2 (integer), frd frs1 frs2 frs3 (float),
 * imm (signed decimal), imm(rs1) (memory), (rs1) (atomics), target (pc-relative), uimm20 (lui/auipc),
 * shamt, csr, zimm (CSR immediate in the rs1 field), rm (rounding mode), pred, succ (fence).
 */
export type Syntax = string;

/** Where a compressed instruction keeps a register: a 5-bit field, a 3-bit x8..x15 field, or fixed. */
export type CRegSource = 'r7' | 'r2' | 'p7' | 'p2' | number;

export type Constraint = 'nzimm' | 'rd!=0' | 'rd!=2' | 'rs1!=0' | 'rs2!=0';

export interface InstructionDef {
  readonly name: string;
  readonly mask: number;
  readonly match: number;
  readonly ext: Extension;
  /** Operation id executed by the interpreter (compressed rows share their base row's id). */
  readonly op: number;
  readonly syntax: Syntax;
  readonly imm?: ImmKind;
  /** Compressed rows only: operand sources and encoding constraints. */
  readonly c?: { readonly rd?: CRegSource; readonly rs1?: CRegSource; readonly rs2?: CRegSource };
  readonly when?: readonly Constraint[];
}

const OPC = {
  LOAD: 0x03, LOAD_FP: 0x07, MISC_MEM: 0x0f, OP_IMM: 0x13, AUIPC: 0x17, OP_IMM_32: 0x1b, STORE: 0x23,
  STORE_FP: 0x27, AMO: 0x2f, OP: 0x33, LUI: 0x37, OP_32: 0x3b, MADD: 0x43, MSUB: 0x47, NMSUB: 0x4b,
  NMADD: 0x4f, OP_FP: 0x53, BRANCH: 0x63, JALR: 0x67, JAL: 0x6f, SYSTEM: 0x73,
} as const;

const rows: InstructionDef[] = [];

function add(name: string, mask: number, match: number, ext: Extension, op: number, syntax: Syntax, imm?: ImmKind): void {
  rows.push({ name, mask: mask >>> 0, match: match >>> 0, ext, op, syntax, ...(imm ? { imm } : {}) });
}
const f3 = (opc: number, funct3: number): number => opc | (funct3 << 12);
const f7 = (opc: number, funct3: number, funct7: number): number => f3(opc, funct3) | (funct7 << 25);

function rType(name: string, ext: Extension, op: number, opc: number, funct3: number, funct7: number): void {
  add(name, 0xfe00707f, f7(opc, funct3, funct7), ext, op, 'rd,rs1,rs2');
}
function iType(name: string, op: number, opc: number, funct3: number, syntax = 'rd,rs1,imm'): void {
  add(name, 0x707f, f3(opc, funct3), 'I', op, syntax, 'I');
}

// RV64I
add('lui', 0x7f, OPC.LUI, 'I', 1, 'rd,uimm20', 'U');
add('auipc', 0x7f, OPC.AUIPC, 'I', 2, 'rd,uimm20', 'U');
add('jal', 0x7f, OPC.JAL, 'I', 3, 'rd,target', 'J');
iType('jalr', 4, OPC.JALR, 0, 'rd,imm(rs1)');
['beq', 'bne', '', '', 'blt', 'bge', 'bltu', 'bgeu'].forEach((name, funct3) => {
  if (name) add(name, 0x707f, f3(OPC.BRANCH, funct3), 'I', [5, 6, 0, 0, 7, 8, 9, 10][funct3]!, 'rs1,rs2,target', 'B');
});
['lb', 'lh', 'lw', 'ld', 'lbu', 'lhu', 'lwu'].forEach((name, funct3) => iType(name, 11 + funct3, OPC.LOAD, funct3, 'rd,imm(rs1)'));
['sb', 'sh', 'sw', 'sd'].forEach((name, funct3) => add(name, 0x707f, f3(OPC.STORE, funct3), 'I', 18 + funct3, 'rs2,imm(rs1)', 'S'));
iType('addi', 22, OPC.OP_IMM, 0);
iType('slti', 23, OPC.OP_IMM, 2);
iType('sltiu', 24, OPC.OP_IMM, 3);
iType('xori', 25, OPC.OP_IMM, 4);
iType('ori', 26, OPC.OP_IMM, 6);
iType('andi', 27, OPC.OP_IMM, 7);
add('slli', 0xfc00707f, f3(OPC.OP_IMM, 1), 'I', 28, 'rd,rs1,shamt', 'SH6');
add('srli', 0xfc00707f, f3(OPC.OP_IMM, 5), 'I', 29, 'rd,rs1,shamt', 'SH6');
add('srai', 0xfc00707f, f3(OPC.OP_IMM, 5) | (0x10 << 26), 'I', 30, 'rd,rs1,shamt', 'SH6');
rType('add', 'I', 31, OPC.OP, 0, 0);
rType('sub', 'I', 32, OPC.OP, 0, 0x20);
rType('sll', 'I', 33, OPC.OP, 1, 0);
rType('slt', 'I', 34, OPC.OP, 2, 0);
rType('sltu', 'I', 35, OPC.OP, 3, 0);
rType('xor', 'I', 36, OPC.OP, 4, 0);
rType('srl', 'I', 37, OPC.OP, 5, 0);
rType('sra', 'I', 38, OPC.OP, 5, 0x20);
rType('or', 'I', 39, OPC.OP, 6, 0);
rType('and', 'I', 40, OPC.OP, 7, 0);
iType('addiw', 41, OPC.OP_IMM_32, 0);
add('slliw', 0xfe00707f, f3(OPC.OP_IMM_32, 1), 'I', 42, 'rd,rs1,shamt', 'SH5');
add('srliw', 0xfe00707f, f3(OPC.OP_IMM_32, 5), 'I', 43, 'rd,rs1,shamt', 'SH5');
add('sraiw', 0xfe00707f, f7(OPC.OP_IMM_32, 5, 0x20), 'I', 44, 'rd,rs1,shamt', 'SH5');
rType('addw', 'I', 45, OPC.OP_32, 0, 0);
rType('subw', 'I', 46, OPC.OP_32, 0, 0x20);
rType('sllw', 'I', 47, OPC.OP_32, 1, 0);
rType('srlw', 'I', 48, OPC.OP_32, 5, 0);
rType('sraw', 'I', 49, OPC.OP_32, 5, 0x20);
add('fence', 0x707f, f3(OPC.MISC_MEM, 0), 'I', 50, 'pred,succ');
add('fence.i', 0x707f, f3(OPC.MISC_MEM, 1), 'Zifencei', 51, '');
add('ecall', 0xffffffff, 0x00000073, 'I', 52, '');
add('ebreak', 0xffffffff, 0x00100073, 'I', 53, '');
add('mret', 0xffffffff, 0x30200073, 'Priv', 54, '');
add('sret', 0xffffffff, 0x10200073, 'Priv', 55, '');
add('wfi', 0xffffffff, 0x10500073, 'Priv', 56, '');
add('sfence.vma', 0xfe007fff, 0x12000073, 'Priv', 57, 'rs1,rs2');
['csrrw', 'csrrs', 'csrrc'].forEach((name, i) => add(name, 0x707f, f3(OPC.SYSTEM, i + 1), 'Zicsr', 58 + i, 'rd,csr,rs1', 'CSR'));
['csrrwi', 'csrrsi', 'csrrci'].forEach((name, i) => add(name, 0x707f, f3(OPC.SYSTEM, i + 5), 'Zicsr', 61 + i, 'rd,csr,zimm', 'CSR'));

// M
['mul', 'mulh', 'mulhsu', 'mulhu', 'div', 'divu', 'rem', 'remu'].forEach((name, funct3) => rType(name, 'M', 64 + funct3, OPC.OP, funct3, 1));
rType('mulw', 'M', 72, OPC.OP_32, 0, 1);
rType('divw', 'M', 73, OPC.OP_32, 4, 1);
rType('divuw', 'M', 74, OPC.OP_32, 5, 1);
rType('remw', 'M', 75, OPC.OP_32, 6, 1);
rType('remuw', 'M', 76, OPC.OP_32, 7, 1);

// A: ids 77.. (W) and 88.. (D); aq/rl bits are left free in the mask.
const amoNames = ['amoswap', 'amoadd', 'amoxor', 'amoand', 'amoor', 'amomin', 'amomax', 'amominu', 'amomaxu'];
const amoFunct5 = [0x01, 0x00, 0x04, 0x0c, 0x08, 0x10, 0x14, 0x18, 0x1c];
for (const [suffix, funct3, base] of [['w', 2, 77], ['d', 3, 88]] as const) {
  add(`lr.${suffix}`, 0xf9f0707f, f3(OPC.AMO, funct3) | (0x02 << 27), 'A', base, 'rd,(rs1)');
  add(`sc.${suffix}`, 0xf800707f, f3(OPC.AMO, funct3) | (0x03 << 27), 'A', base + 1, 'rd,rs2,(rs1)');
  amoNames.forEach((name, i) => add(`${name}.${suffix}`, 0xf800707f, f3(OPC.AMO, funct3) | (amoFunct5[i]! << 27), 'A', base + 2 + i, 'rd,rs2,(rs1)'));
}

// F (ids 100..129) and D (ids 130..161). fmt field: 0 = single, 1 = double.
for (const [s, ext, fmt, base] of [['s', 'F', 0, 100], ['d', 'D', 1, 130]] as const) {
  const w = fmt === 0 ? 2 : 3;
  add(fmt === 0 ? 'flw' : 'fld', 0x707f, f3(OPC.LOAD_FP, w), ext, base, 'frd,imm(rs1)', 'I');
  add(fmt === 0 ? 'fsw' : 'fsd', 0x707f, f3(OPC.STORE_FP, w), ext, base + 1, 'frs2,imm(rs1)', 'S');
  [OPC.MADD, OPC.MSUB, OPC.NMSUB, OPC.NMADD].forEach((opc, i) => {
    add(`${['fmadd', 'fmsub', 'fnmsub', 'fnmadd'][i]}.${s}`, 0x0600007f, opc | (fmt << 25), ext, base + 2 + i, 'frd,frs1,frs2,frs3,rm');
  });
  const fp = (name: string, funct5: number, op: number, syntax: string, extraMask = 0, extraMatch = 0): void =>
    add(name, 0xfe00007f | extraMask, OPC.OP_FP | (((funct5 << 2) | fmt) << 25) | extraMatch, ext, op, syntax);
  const withRs2 = (rs2: number): [number, number] => [0x01f00000, rs2 << 20];
  const withF3 = (funct3: number): [number, number] => [0x7000, funct3 << 12];
  fp(`fadd.${s}`, 0x00, base + 6, 'frd,frs1,frs2,rm');
  fp(`fsub.${s}`, 0x01, base + 7, 'frd,frs1,frs2,rm');
  fp(`fmul.${s}`, 0x02, base + 8, 'frd,frs1,frs2,rm');
  fp(`fdiv.${s}`, 0x03, base + 9, 'frd,frs1,frs2,rm');
  fp(`fsqrt.${s}`, 0x0b, base + 10, 'frd,frs1,rm', ...withRs2(0));
  fp(`fsgnj.${s}`, 0x04, base + 11, 'frd,frs1,frs2', ...withF3(0));
  fp(`fsgnjn.${s}`, 0x04, base + 12, 'frd,frs1,frs2', ...withF3(1));
  fp(`fsgnjx.${s}`, 0x04, base + 13, 'frd,frs1,frs2', ...withF3(2));
  fp(`fmin.${s}`, 0x05, base + 14, 'frd,frs1,frs2', ...withF3(0));
  fp(`fmax.${s}`, 0x05, base + 15, 'frd,frs1,frs2', ...withF3(1));
  const both = (a: [number, number], b: [number, number]): [number, number] => [a[0] | b[0], a[1] | b[1]];
  if (fmt === 0) {
    fp('fcvt.w.s', 0x18, 116, 'rd,frs1,rm', ...withRs2(0));
    fp('fcvt.wu.s', 0x18, 117, 'rd,frs1,rm', ...withRs2(1));
    fp('fmv.x.w', 0x1c, 118, 'rd,frs1', ...both(withRs2(0), withF3(0)));
    fp('feq.s', 0x14, 119, 'rd,frs1,frs2', ...withF3(2));
    fp('flt.s', 0x14, 120, 'rd,frs1,frs2', ...withF3(1));
    fp('fle.s', 0x14, 121, 'rd,frs1,frs2', ...withF3(0));
    fp('fclass.s', 0x1c, 122, 'rd,frs1', ...both(withRs2(0), withF3(1)));
    fp('fcvt.s.w', 0x1a, 123, 'frd,rs1,rm', ...withRs2(0));
    fp('fcvt.s.wu', 0x1a, 124, 'frd,rs1,rm', ...withRs2(1));
    fp('fmv.w.x', 0x1e, 125, 'frd,rs1', ...both(withRs2(0), withF3(0)));
    fp('fcvt.l.s', 0x18, 126, 'rd,frs1,rm', ...withRs2(2));
    fp('fcvt.lu.s', 0x18, 127, 'rd,frs1,rm', ...withRs2(3));
    fp('fcvt.s.l', 0x1a, 128, 'frd,rs1,rm', ...withRs2(2));
    fp('fcvt.s.lu', 0x1a, 129, 'frd,rs1,rm', ...withRs2(3));
  } else {
    add('fcvt.s.d', 0xfff0007f, OPC.OP_FP | (0x20 << 25) | (1 << 20), 'D', 146, 'frd,frs1,rm');
    add('fcvt.d.s', 0xfff0007f, OPC.OP_FP | (0x21 << 25) | (0 << 20), 'D', 147, 'frd,frs1,rm');
    fp('feq.d', 0x14, 148, 'rd,frs1,frs2', ...withF3(2));
    fp('flt.d', 0x14, 149, 'rd,frs1,frs2', ...withF3(1));
    fp('fle.d', 0x14, 150, 'rd,frs1,frs2', ...withF3(0));
    fp('fclass.d', 0x1c, 151, 'rd,frs1', ...both(withRs2(0), withF3(1)));
    fp('fcvt.w.d', 0x18, 152, 'rd,frs1,rm', ...withRs2(0));
    fp('fcvt.wu.d', 0x18, 153, 'rd,frs1,rm', ...withRs2(1));
    fp('fcvt.d.w', 0x1a, 154, 'frd,rs1,rm', ...withRs2(0));
    fp('fcvt.d.wu', 0x1a, 155, 'frd,rs1,rm', ...withRs2(1));
    fp('fcvt.l.d', 0x18, 156, 'rd,frs1,rm', ...withRs2(2));
    fp('fcvt.lu.d', 0x18, 157, 'rd,frs1,rm', ...withRs2(3));
    fp('fmv.x.d', 0x1c, 158, 'rd,frs1', ...both(withRs2(0), withF3(0)));
    fp('fcvt.d.l', 0x1a, 159, 'frd,rs1,rm', ...withRs2(2));
    fp('fcvt.d.lu', 0x1a, 160, 'frd,rs1,rm', ...withRs2(3));
    fp('fmv.d.x', 0x1e, 161, 'frd,rs1', ...both(withRs2(0), withF3(0)));
  }
}

// C: ordered so that the first matching row whose constraints hold wins.
function cRow(name: string, mask: number, match: number, op: number, syntax: Syntax, c: InstructionDef['c'], imm?: ImmKind, when?: Constraint[], ext: Extension = 'C'): void {
  rows.push({ name, mask, match, ext, op, syntax, c, ...(imm ? { imm } : {}), ...(when ? { when } : {}) });
}
const q = (quadrant: number, funct3: number): number => quadrant | (funct3 << 13);
cRow('c.addi4spn', 0xe003, q(0, 0), 22, 'rd,rs1,imm', { rd: 'p2', rs1: 2 }, 'CIW', ['nzimm']);
cRow('c.fld', 0xe003, q(0, 1), 130, 'frd,imm(rs1)', { rd: 'p2', rs1: 'p7' }, 'CLD');
cRow('c.lw', 0xe003, q(0, 2), 13, 'rd,imm(rs1)', { rd: 'p2', rs1: 'p7' }, 'CLW');
cRow('c.ld', 0xe003, q(0, 3), 14, 'rd,imm(rs1)', { rd: 'p2', rs1: 'p7' }, 'CLD');
cRow('c.fsd', 0xe003, q(0, 5), 131, 'frs2,imm(rs1)', { rs2: 'p2', rs1: 'p7' }, 'CLD');
cRow('c.sw', 0xe003, q(0, 6), 20, 'rs2,imm(rs1)', { rs2: 'p2', rs1: 'p7' }, 'CLW');
cRow('c.sd', 0xe003, q(0, 7), 21, 'rs2,imm(rs1)', { rs2: 'p2', rs1: 'p7' }, 'CLD');
cRow('c.addi', 0xe003, q(1, 0), 22, 'rd,imm', { rd: 'r7', rs1: 'r7' }, 'CI');
cRow('c.addiw', 0xe003, q(1, 1), 41, 'rd,imm', { rd: 'r7', rs1: 'r7' }, 'CI', ['rd!=0']);
cRow('c.li', 0xe003, q(1, 2), 22, 'rd,imm', { rd: 'r7', rs1: 0 }, 'CI');
cRow('c.addi16sp', 0xef83, q(1, 3) | (2 << 7), 22, 'rd,imm', { rd: 2, rs1: 2 }, 'CI16SP', ['nzimm']);
cRow('c.lui', 0xe003, q(1, 3), 1, 'rd,uimm20', { rd: 'r7' }, 'CILUI', ['nzimm', 'rd!=2']);
cRow('c.srli', 0xec03, q(1, 4) | (0 << 10), 29, 'rd,shamt', { rd: 'p7', rs1: 'p7' }, 'CIU');
cRow('c.srai', 0xec03, q(1, 4) | (1 << 10), 30, 'rd,shamt', { rd: 'p7', rs1: 'p7' }, 'CIU');
cRow('c.andi', 0xec03, q(1, 4) | (2 << 10), 27, 'rd,imm', { rd: 'p7', rs1: 'p7' }, 'CI');
const ca = (name: string, bit12: number, funct2: number, op: number): void =>
  cRow(name, 0xfc63, q(1, 4) | (3 << 10) | (bit12 << 12) | (funct2 << 5), op, 'rd,rs2', { rd: 'p7', rs1: 'p7', rs2: 'p2' });
ca('c.sub', 0, 0, 32);
ca('c.xor', 0, 1, 36);
ca('c.or', 0, 2, 39);
ca('c.and', 0, 3, 40);
ca('c.subw', 1, 0, 46);
ca('c.addw', 1, 1, 45);
cRow('c.j', 0xe003, q(1, 5), 3, 'target', { rd: 0 }, 'CJ');
cRow('c.beqz', 0xe003, q(1, 6), 5, 'rs1,target', { rs1: 'p7', rs2: 0 }, 'CB');
cRow('c.bnez', 0xe003, q(1, 7), 6, 'rs1,target', { rs1: 'p7', rs2: 0 }, 'CB');
cRow('c.slli', 0xe003, q(2, 0), 28, 'rd,shamt', { rd: 'r7', rs1: 'r7' }, 'CIU');
cRow('c.fldsp', 0xe003, q(2, 1), 130, 'frd,imm(rs1)', { rd: 'r7', rs1: 2 }, 'CLDSP');
cRow('c.lwsp', 0xe003, q(2, 2), 13, 'rd,imm(rs1)', { rd: 'r7', rs1: 2 }, 'CLWSP', ['rd!=0']);
cRow('c.ldsp', 0xe003, q(2, 3), 14, 'rd,imm(rs1)', { rd: 'r7', rs1: 2 }, 'CLDSP', ['rd!=0']);
cRow('c.jr', 0xf07f, q(2, 4), 4, 'rs1', { rd: 0, rs1: 'r7' }, undefined, ['rs1!=0']);
cRow('c.mv', 0xf003, q(2, 4), 31, 'rd,rs2', { rd: 'r7', rs1: 0, rs2: 'r2' }, undefined, ['rs2!=0']);
cRow('c.ebreak', 0xffff, 0x9002, 53, '', {});
cRow('c.jalr', 0xf07f, q(2, 4) | (1 << 12), 4, 'rs1', { rd: 1, rs1: 'r7' }, undefined, ['rs1!=0']);
cRow('c.add', 0xf003, q(2, 4) | (1 << 12), 31, 'rd,rs2', { rd: 'r7', rs1: 'r7', rs2: 'r2' }, undefined, ['rs2!=0']);
cRow('c.fsdsp', 0xe003, q(2, 5), 131, 'frs2,imm(rs1)', { rs2: 'r2', rs1: 2 }, 'CSDSP');
cRow('c.swsp', 0xe003, q(2, 6), 20, 'rs2,imm(rs1)', { rs2: 'r2', rs1: 2 }, 'CSWSP');
cRow('c.sdsp', 0xe003, q(2, 7), 21, 'rs2,imm(rs1)', { rs2: 'r2', rs1: 2 }, 'CSDSP');

export const INSTRUCTIONS: readonly InstructionDef[] = rows;

/** Ids the interpreter uses that are not instructions. */
export const OP_UNDECODED = 0;
export const OP_ILLEGAL = 255;
export const OP_CROSS_PAGE = 254;

/** The 32-bit row for each operation id (for compressed rows: the instruction they expand to). */
export const BASE_ROW: ReadonlyMap<number, InstructionDef> = new Map(
  rows.filter((r) => r.ext !== 'C').map((r) => [r.op, r]),
);

export const ABI_NAMES = [
  'zero', 'ra', 'sp', 'gp', 'tp', 't0', 't1', 't2', 's0', 's1', 'a0', 'a1', 'a2', 'a3', 'a4', 'a5',
  'a6', 'a7', 's2', 's3', 's4', 's5', 's6', 's7', 's8', 's9', 's10', 's11', 't3', 't4', 't5', 't6',
] as const;

export const FP_ABI_NAMES = [
  'ft0', 'ft1', 'ft2', 'ft3', 'ft4', 'ft5', 'ft6', 'ft7', 'fs0', 'fs1', 'fa0', 'fa1', 'fa2', 'fa3', 'fa4', 'fa5',
  'fa6', 'fa7', 'fs2', 'fs3', 'fs4', 'fs5', 'fs6', 'fs7', 'fs8', 'fs9', 'fs10', 'fs11', 'ft8', 'ft9', 'ft10', 'ft11',
] as const;

export const ROUNDING_MODES = ['rne', 'rtz', 'rdn', 'rup', 'rmm', '', '', 'dyn'] as const;

/** Whether the row writes an integer register (rd = x0 then goes to a sink register). */
export function writesIntRd(row: InstructionDef): boolean {
  return /^rd(,|$)/.test(row.syntax) || (row.c !== undefined && BASE_ROW.get(row.op) !== undefined && writesIntRd(BASE_ROW.get(row.op)!));
}
