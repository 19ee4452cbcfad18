/**
 * The LA64 decode table: one row per instruction (mnemonic, the fixed bits from bit 31 down, the
 * format naming its operand fields). The decoder (decoder.ts), the disassembler (disassembler.ts) and
 * the assembler (assembler.ts) are all driven by this table and the operand field definitions below,
 * so an instruction exists in all three or in none.
 *
 * Encodings from the LoongArch Reference Manual, Volume 1 (v1.10), chapter 2 and 4 instruction
 * tables and appendix B (instruction encodings); operand syntax as GNU binutils prints it (registers by
 * ABI name with '$', signed immediates in decimal, unsigned ones (CSR numbers, codes, masks) in hex,
 * branch offsets in bytes).
 *
 * Left out for now: FSCALEB/FLOGB, LSX/LASX, LBT, the bounds-checked loads/stores (LDGT/LDLE/STGT/STLE
 * and their FP forms), CRC and the guest-CSR/LVZ instructions (GCSRRD etc., next session).
 */

/** How an operand is encoded and printed. */
export interface OperandField {
  /** Bit pieces, low piece first: [lsb, width]; the value is their concatenation (first piece lowest). */
  readonly pieces: readonly (readonly [number, number])[];
  readonly kind: 'gpr' | 'fpr' | 'fcc' | 'fcsr' | 'signed' | 'unsigned';
  /** The printed/assembled value is the field value << shift (branch offsets, LL/SC offsets). */
  readonly shift?: number;
  /** The printed/assembled value is the field value + bias (ALSL's sa2 holds sa - 1). */
  readonly bias?: number;
}

export const FIELDS = {
  rd: { pieces: [[0, 5]], kind: 'gpr' },
  rj: { pieces: [[5, 5]], kind: 'gpr' },
  rk: { pieces: [[10, 5]], kind: 'gpr' },
  si12: { pieces: [[10, 12]], kind: 'signed' },
  ui12: { pieces: [[10, 12]], kind: 'unsigned' },
  si14s2: { pieces: [[10, 14]], kind: 'signed', shift: 2 },
  si16: { pieces: [[10, 16]], kind: 'signed' },
  si20: { pieces: [[5, 20]], kind: 'signed' },
  ui5: { pieces: [[10, 5]], kind: 'unsigned' },
  ui6: { pieces: [[10, 6]], kind: 'unsigned' },
  sa2p1: { pieces: [[15, 2]], kind: 'unsigned', bias: 1 },
  sa2: { pieces: [[15, 2]], kind: 'unsigned' },
  sa3: { pieces: [[15, 3]], kind: 'unsigned' },
  msbw: { pieces: [[16, 5]], kind: 'unsigned' },
  lsbw: { pieces: [[10, 5]], kind: 'unsigned' },
  msbd: { pieces: [[16, 6]], kind: 'unsigned' },
  lsbd: { pieces: [[10, 6]], kind: 'unsigned' },
  offs16: { pieces: [[10, 16]], kind: 'signed', shift: 2 },
  offs21: { pieces: [[10, 16], [0, 5]], kind: 'signed', shift: 2 },
  offs26: { pieces: [[10, 16], [0, 10]], kind: 'signed', shift: 2 },
  csr: { pieces: [[10, 14]], kind: 'unsigned' },
  code15: { pieces: [[0, 15]], kind: 'unsigned' },
  ui8: { pieces: [[10, 8]], kind: 'unsigned' },
  op5: { pieces: [[0, 5]], kind: 'unsigned' },
  fd: { pieces: [[0, 5]], kind: 'fpr' },
  fj: { pieces: [[5, 5]], kind: 'fpr' },
  fk: { pieces: [[10, 5]], kind: 'fpr' },
  fa: { pieces: [[15, 5]], kind: 'fpr' },
  cd: { pieces: [[0, 3]], kind: 'fcc' },
  cj: { pieces: [[5, 3]], kind: 'fcc' },
  ca: { pieces: [[15, 3]], kind: 'fcc' },
  fcsrd: { pieces: [[0, 5]], kind: 'fcsr' },
  fcsrs: { pieces: [[5, 5]], kind: 'fcsr' },
} as const satisfies Record<string, OperandField>;

export type FieldName = keyof typeof FIELDS;

/** Formats: the operand fields in the order the assembly syntax writes them. */
export const FORMATS = {
  '3R': ['rd', 'rj', 'rk'],
  '2R': ['rd', 'rj'],
  '2RI12': ['rd', 'rj', 'si12'],
  '2RUI12': ['rd', 'rj', 'ui12'],
  '2RI14': ['rd', 'rj', 'si14s2'],
  '2RI16': ['rd', 'rj', 'si16'],
  '1RI20': ['rd', 'si20'],
  '2RUI5': ['rd', 'rj', 'ui5'],
  '2RUI6': ['rd', 'rj', 'ui6'],
  '3RSA2P1': ['rd', 'rj', 'rk', 'sa2p1'],
  '3RSA2': ['rd', 'rj', 'rk', 'sa2'],
  '3RSA3': ['rd', 'rj', 'rk', 'sa3'],
  BSTRW: ['rd', 'rj', 'msbw', 'lsbw'],
  BSTRD: ['rd', 'rj', 'msbd', 'lsbd'],
  /** Conditional branches on two registers: rj, rd, offset (binutils order). */
  BR2: ['rj', 'rd', 'offs16'],
  BR1: ['rj', 'offs21'],
  BR0: ['offs26'],
  JIRL: ['rd', 'rj', 'offs16'],
  CSR: ['rd', 'csr'],
  CSRX: ['rd', 'rj', 'csr'],
  CODE: ['code15'],
  NONE: [],
  /** RDTIME*: rd, rj (counter id). */
  '2RT': ['rd', 'rj'],
  LDDIR: ['rd', 'rj', 'ui8'],
  LDPTE: ['rj', 'ui8'],
  INVTLB: ['op5', 'rj', 'rk'],
  /** CACOP / PRELD: code, rj, si12. */
  HINT12: ['op5', 'rj', 'si12'],
  FFF: ['fd', 'fj', 'fk'],
  FF: ['fd', 'fj'],
  FFFF: ['fd', 'fj', 'fk', 'fa'],
  FCMP: ['cd', 'fj', 'fk'],
  FSEL: ['fd', 'fj', 'fk', 'ca'],
  FR: ['fd', 'rj'],
  RF: ['rd', 'fj'],
  FCSRR: ['fcsrd', 'rj'],
  RFCSR: ['rd', 'fcsrs'],
  CF: ['cd', 'fj'],
  FC: ['fd', 'cj'],
  CR: ['cd', 'rj'],
  RC: ['rd', 'cj'],
  FLD: ['fd', 'rj', 'si12'],
  FLDX: ['fd', 'rj', 'rk'],
  BC: ['cj', 'offs21'],
} as const satisfies Record<string, readonly FieldName[]>;

export type FormatName = keyof typeof FORMATS;

export interface OpcodeRow {
  readonly mnemonic: string;
  /** Fixed bits, written from bit 31 down (spaces ignored); the rest are operand fields. */
  readonly bits: string;
  readonly format: FormatName;
}

const row = (mnemonic: string, bits: string, format: FormatName): OpcodeRow => ({ mnemonic, bits, format });
const bin = (v: number, width: number): string => v.toString(2).padStart(width, '0');

/**
 * FCMP.cond's conditions and their fcond field: bit 0 = signalling (any NaN raises invalid), bits 4..1 =
 * the relations that make it true (1: LT, 2: EQ, 4: UN, 8: LT or GT). The mnemonic carries the condition.
 */
export const FCMP_CONDITIONS: readonly (readonly [string, number])[] = [
  ['caf', 0x0], ['saf', 0x1], ['clt', 0x2], ['slt', 0x3], ['ceq', 0x4], ['seq', 0x5], ['cle', 0x6], ['sle', 0x7],
  ['cun', 0x8], ['sun', 0x9], ['cult', 0xa], ['sult', 0xb], ['cueq', 0xc], ['sueq', 0xd], ['cule', 0xe], ['sule', 0xf],
  ['cne', 0x10], ['sne', 0x11], ['cor', 0x14], ['sor', 0x15], ['cune', 0x18], ['sune', 0x19],
];

/** The table. The fixed-bit strings are written in the manual's opcode groups (4, 8, 5... bits). */
export const OPCODES: readonly OpcodeRow[] = [
  // 2R: bits 31..10 fixed.
  row('clo.w', '0000 00000000 00000 00100', '2R'),
  row('clz.w', '0000 00000000 00000 00101', '2R'),
  row('cto.w', '0000 00000000 00000 00110', '2R'),
  row('ctz.w', '0000 00000000 00000 00111', '2R'),
  row('clo.d', '0000 00000000 00000 01000', '2R'),
  row('clz.d', '0000 00000000 00000 01001', '2R'),
  row('cto.d', '0000 00000000 00000 01010', '2R'),
  row('ctz.d', '0000 00000000 00000 01011', '2R'),
  row('revb.2h', '0000 00000000 00000 01100', '2R'),
  row('revb.4h', '0000 00000000 00000 01101', '2R'),
  row('revb.2w', '0000 00000000 00000 01110', '2R'),
  row('revb.d', '0000 00000000 00000 01111', '2R'),
  row('revh.2w', '0000 00000000 00000 10000', '2R'),
  row('revh.d', '0000 00000000 00000 10001', '2R'),
  row('bitrev.4b', '0000 00000000 00000 10010', '2R'),
  row('bitrev.8b', '0000 00000000 00000 10011', '2R'),
  row('bitrev.w', '0000 00000000 00000 10100', '2R'),
  row('bitrev.d', '0000 00000000 00000 10101', '2R'),
  row('ext.w.h', '0000 00000000 00000 10110', '2R'),
  row('ext.w.b', '0000 00000000 00000 10111', '2R'),
  row('rdtimel.w', '0000 00000000 00000 11000', '2RT'),
  row('rdtimeh.w', '0000 00000000 00000 11001', '2RT'),
  row('rdtime.d', '0000 00000000 00000 11010', '2RT'),
  row('cpucfg', '0000 00000000 00000 11011', '2R'),
  // ALSL / BYTEPICK.
  row('alsl.w', '0000 00000000 010', '3RSA2P1'),
  row('alsl.wu', '0000 00000000 011', '3RSA2P1'),
  row('bytepick.w', '0000 00000000 100', '3RSA2'),
  row('bytepick.d', '0000 00000000 11', '3RSA3'),
  // 3R: bits 31..15 fixed.
  row('add.w', '0000 00000001 00000', '3R'),
  row('add.d', '0000 00000001 00001', '3R'),
  row('sub.w', '0000 00000001 00010', '3R'),
  row('sub.d', '0000 00000001 00011', '3R'),
  row('slt', '0000 00000001 00100', '3R'),
  row('sltu', '0000 00000001 00101', '3R'),
  row('maskeqz', '0000 00000001 00110', '3R'),
  row('masknez', '0000 00000001 00111', '3R'),
  row('nor', '0000 00000001 01000', '3R'),
  row('and', '0000 00000001 01001', '3R'),
  row('or', '0000 00000001 01010', '3R'),
  row('xor', '0000 00000001 01011', '3R'),
  row('orn', '0000 00000001 01100', '3R'),
  row('andn', '0000 00000001 01101', '3R'),
  row('sll.w', '0000 00000001 01110', '3R'),
  row('srl.w', '0000 00000001 01111', '3R'),
  row('sra.w', '0000 00000001 10000', '3R'),
  row('sll.d', '0000 00000001 10001', '3R'),
  row('srl.d', '0000 00000001 10010', '3R'),
  row('sra.d', '0000 00000001 10011', '3R'),
  row('rotr.w', '0000 00000001 10110', '3R'),
  row('rotr.d', '0000 00000001 10111', '3R'),
  row('mul.w', '0000 00000001 11000', '3R'),
  row('mulh.w', '0000 00000001 11001', '3R'),
  row('mulh.wu', '0000 00000001 11010', '3R'),
  row('mul.d', '0000 00000001 11011', '3R'),
  row('mulh.d', '0000 00000001 11100', '3R'),
  row('mulh.du', '0000 00000001 11101', '3R'),
  row('mulw.d.w', '0000 00000001 11110', '3R'),
  row('mulw.d.wu', '0000 00000001 11111', '3R'),
  row('div.w', '0000 00000010 00000', '3R'),
  row('mod.w', '0000 00000010 00001', '3R'),
  row('div.wu', '0000 00000010 00010', '3R'),
  row('mod.wu', '0000 00000010 00011', '3R'),
  row('div.d', '0000 00000010 00100', '3R'),
  row('mod.d', '0000 00000010 00101', '3R'),
  row('div.du', '0000 00000010 00110', '3R'),
  row('mod.du', '0000 00000010 00111', '3R'),
  row('break', '0000 00000010 10100', 'CODE'),
  row('dbcl', '0000 00000010 10101', 'CODE'),
  row('syscall', '0000 00000010 10110', 'CODE'),
  // LVZ's hypercall (0x002b8000 | code): a guest's call to the hypervisor, hvisor's ECODE_HVC path.
  row('hvcl', '0000 00000010 10111', 'CODE'),
  row('alsl.d', '0000 00000010 110', '3RSA2P1'),
  // Shifts by immediate.
  row('slli.w', '0000 00000100 00001', '2RUI5'),
  row('slli.d', '0000 00000100 0001', '2RUI6'),
  row('srli.w', '0000 00000100 01001', '2RUI5'),
  row('srli.d', '0000 00000100 0101', '2RUI6'),
  row('srai.w', '0000 00000100 10001', '2RUI5'),
  row('srai.d', '0000 00000100 1001', '2RUI6'),
  row('rotri.w', '0000 00000100 11001', '2RUI5'),
  row('rotri.d', '0000 00000100 1101', '2RUI6'),
  // Bit-string insert / pick.
  row('bstrins.w', '0000 0000011 ..... 0', 'BSTRW'),
  row('bstrpick.w', '0000 0000011 ..... 1', 'BSTRW'),
  row('bstrins.d', '0000 000010', 'BSTRD'),
  row('bstrpick.d', '0000 000011', 'BSTRD'),
  // 2RI12.
  row('slti', '0000 001000', '2RI12'),
  row('sltui', '0000 001001', '2RI12'),
  row('addi.w', '0000 001010', '2RI12'),
  row('addi.d', '0000 001011', '2RI12'),
  row('lu52i.d', '0000 001100', '2RI12'),
  row('andi', '0000 001101', '2RUI12'),
  row('ori', '0000 001110', '2RUI12'),
  row('xori', '0000 001111', '2RUI12'),
  // CSR access (rj = 0: CSRRD, rj = 1: CSRWR, else CSRXCHG).
  row('csrrd', '0000 0100 .............. 00000', 'CSR'),
  row('csrwr', '0000 0100 .............. 00001', 'CSR'),
  row('csrxchg', '0000 0100', 'CSRX'),
  row('cacop', '0000 011000', 'HINT12'),
  row('lddir', '0000 01100100 00', 'LDDIR'),
  row('ldpte', '0000 01100100 01 ........ ..... 00000', 'LDPTE'),
  row('iocsrrd.b', '0000 01100100 10000 00000', '2R'),
  row('iocsrrd.h', '0000 01100100 10000 00001', '2R'),
  row('iocsrrd.w', '0000 01100100 10000 00010', '2R'),
  row('iocsrrd.d', '0000 01100100 10000 00011', '2R'),
  row('iocsrwr.b', '0000 01100100 10000 00100', '2R'),
  row('iocsrwr.h', '0000 01100100 10000 00101', '2R'),
  row('iocsrwr.w', '0000 01100100 10000 00110', '2R'),
  row('iocsrwr.d', '0000 01100100 10000 00111', '2R'),
  row('tlbclr', '0000 01100100 10000 01000 00000 00000', 'NONE'),
  row('tlbflush', '0000 01100100 10000 01001 00000 00000', 'NONE'),
  row('tlbsrch', '0000 01100100 10000 01010 00000 00000', 'NONE'),
  row('tlbrd', '0000 01100100 10000 01011 00000 00000', 'NONE'),
  row('tlbwr', '0000 01100100 10000 01100 00000 00000', 'NONE'),
  row('tlbfill', '0000 01100100 10000 01101 00000 00000', 'NONE'),
  row('ertn', '0000 01100100 10000 01110 00000 00000', 'NONE'),
  row('idle', '0000 01100100 10001', 'CODE'),
  row('invtlb', '0000 01100100 10011', 'INVTLB'),
  // 1RI20.
  row('addu16i.d', '0001 00', '2RI16'),
  row('lu12i.w', '0001 010', '1RI20'),
  row('lu32i.d', '0001 011', '1RI20'),
  row('pcaddi', '0001 100', '1RI20'),
  row('pcalau12i', '0001 101', '1RI20'),
  row('pcaddu12i', '0001 110', '1RI20'),
  row('pcaddu18i', '0001 111', '1RI20'),
  // LL/SC and the pointer loads/stores (si14 << 2).
  row('ll.w', '0010 0000', '2RI14'),
  row('sc.w', '0010 0001', '2RI14'),
  row('ll.d', '0010 0010', '2RI14'),
  row('sc.d', '0010 0011', '2RI14'),
  row('ldptr.w', '0010 0100', '2RI14'),
  row('stptr.w', '0010 0101', '2RI14'),
  row('ldptr.d', '0010 0110', '2RI14'),
  row('stptr.d', '0010 0111', '2RI14'),
  // Loads and stores, base + si12.
  row('ld.b', '0010 100000', '2RI12'),
  row('ld.h', '0010 100001', '2RI12'),
  row('ld.w', '0010 100010', '2RI12'),
  row('ld.d', '0010 100011', '2RI12'),
  row('st.b', '0010 100100', '2RI12'),
  row('st.h', '0010 100101', '2RI12'),
  row('st.w', '0010 100110', '2RI12'),
  row('st.d', '0010 100111', '2RI12'),
  row('ld.bu', '0010 101000', '2RI12'),
  row('ld.hu', '0010 101001', '2RI12'),
  row('ld.wu', '0010 101010', '2RI12'),
  row('preld', '0010 101011', 'HINT12'),
  // Indexed loads and stores.
  row('ldx.b', '0011 10000000 00000', '3R'),
  row('ldx.h', '0011 10000000 01000', '3R'),
  row('ldx.w', '0011 10000000 10000', '3R'),
  row('ldx.d', '0011 10000000 11000', '3R'),
  row('stx.b', '0011 10000001 00000', '3R'),
  row('stx.h', '0011 10000001 01000', '3R'),
  row('stx.w', '0011 10000001 10000', '3R'),
  row('stx.d', '0011 10000001 11000', '3R'),
  row('ldx.bu', '0011 10000010 00000', '3R'),
  row('ldx.hu', '0011 10000010 01000', '3R'),
  row('ldx.wu', '0011 10000010 10000', '3R'),
  // AM* atomics: rd = old value, rk = operand, rj = address (binutils order rd, rk, rj).
  ...['swap', 'add', 'and', 'or', 'xor', 'max', 'min'].flatMap((op, i) => [
    row(`am${op}.w`, `0011 10000110 ${(2 * i).toString(2).padStart(5, '0')}`, '3R'),
    row(`am${op}.d`, `0011 10000110 ${(2 * i + 1).toString(2).padStart(5, '0')}`, '3R'),
  ]),
  row('ammax.wu', '0011 10000110 01110', '3R'),
  row('ammax.du', '0011 10000110 01111', '3R'),
  row('ammin.wu', '0011 10000110 10000', '3R'),
  row('ammin.du', '0011 10000110 10001', '3R'),
  ...['swap', 'add', 'and', 'or', 'xor', 'max', 'min'].flatMap((op, i) => [
    row(`am${op}_db.w`, `0011 10000110 ${(18 + 2 * i).toString(2).padStart(5, '0')}`, '3R'),
    row(`am${op}_db.d`, `0011 10000110 ${(19 + 2 * i).toString(2).padStart(5, '0')}`, '3R'),
  ]),
  row('ammax_db.wu', '0011 10000111 00000', '3R'),
  row('ammax_db.du', '0011 10000111 00001', '3R'),
  row('ammin_db.wu', '0011 10000111 00010', '3R'),
  row('ammin_db.du', '0011 10000111 00011', '3R'),
  row('dbar', '0011 10000111 00100', 'CODE'),
  row('ibar', '0011 10000111 00101', 'CODE'),
  // Branches.
  row('beqz', '0100 00', 'BR1'),
  row('bnez', '0100 01', 'BR1'),
  row('jirl', '0100 11', 'JIRL'),
  row('b', '0101 00', 'BR0'),
  row('bl', '0101 01', 'BR0'),
  row('beq', '0101 10', 'BR2'),
  row('bne', '0101 11', 'BR2'),
  row('blt', '0110 00', 'BR2'),
  row('bge', '0110 01', 'BR2'),
  row('bltu', '0110 10', 'BR2'),
  row('bgeu', '0110 11', 'BR2'),
  // --- F and D (LoongArch Reference Manual Vol. 1, chapter 3) ---
  ...(['add', 'sub', 'mul', 'div', 'max', 'min', 'maxa', 'mina'] as const).flatMap((op) => {
    const code = { add: 0b00001, sub: 0b00101, mul: 0b01001, div: 0b01101, max: 0b10001, min: 0b10101, maxa: 0b11001, mina: 0b11101 }[op];
    return [row(`f${op}.s`, `0000 00010000 ${bin(code, 5)}`, 'FFF'), row(`f${op}.d`, `0000 00010000 ${bin(code + 1, 5)}`, 'FFF')];
  }),
  row('fcopysign.s', '0000 00010001 00101', 'FFF'),
  row('fcopysign.d', '0000 00010001 00110', 'FFF'),
  ...(['madd', 'msub', 'nmadd', 'nmsub'] as const).flatMap((op, i) => [
    row(`f${op}.s`, `0000 1000${bin(i, 2)}01`, 'FFFF'),
    row(`f${op}.d`, `0000 1000${bin(i, 2)}10`, 'FFFF'),
  ]),
  ...(
    [['fabs', 0b00001], ['fneg', 0b00101], ['fclass', 0b01101], ['fsqrt', 0b10001], ['frecip', 0b10101], ['frsqrt', 0b11001]] as const
  ).flatMap(([m, code]) => [row(`${m}.s`, `0000 00010001 01000 ${bin(code, 5)}`, 'FF'), row(`${m}.d`, `0000 00010001 01000 ${bin(code + 1, 5)}`, 'FF')]),
  row('fmov.s', '0000 00010001 01001 00101', 'FF'),
  row('fmov.d', '0000 00010001 01001 00110', 'FF'),
  row('movgr2fr.w', '0000 00010001 01001 01001', 'FR'),
  row('movgr2fr.d', '0000 00010001 01001 01010', 'FR'),
  row('movgr2frh.w', '0000 00010001 01001 01011', 'FR'),
  row('movfr2gr.s', '0000 00010001 01001 01101', 'RF'),
  row('movfr2gr.d', '0000 00010001 01001 01110', 'RF'),
  row('movfrh2gr.s', '0000 00010001 01001 01111', 'RF'),
  row('movgr2fcsr', '0000 00010001 01001 10000', 'FCSRR'),
  row('movfcsr2gr', '0000 00010001 01001 10010', 'RFCSR'),
  row('movfr2cf', '0000 00010001 01001 10100 ..... 00', 'CF'),
  row('movcf2fr', '0000 00010001 01001 10101 00', 'FC'),
  row('movgr2cf', '0000 00010001 01001 10110 ..... 00', 'CR'),
  row('movcf2gr', '0000 00010001 01001 10111 00', 'RC'),
  row('fcvt.s.d', '0000 00010001 10010 00110', 'FF'),
  row('fcvt.d.s', '0000 00010001 10010 01001', 'FF'),
  ...(
    [['ftintrm', 0b10100, 0], ['ftintrp', 0b10100, 0b10000], ['ftintrz', 0b10101, 0], ['ftintrne', 0b10101, 0b10000], ['ftint', 0b10110, 0]] as const
  ).flatMap(([m, hi, lo]) => [
    row(`${m}.w.s`, `0000 00010001 ${bin(hi, 5)} ${bin(lo | 0b00001, 5)}`, 'FF'),
    row(`${m}.w.d`, `0000 00010001 ${bin(hi, 5)} ${bin(lo | 0b00010, 5)}`, 'FF'),
    row(`${m}.l.s`, `0000 00010001 ${bin(hi, 5)} ${bin(lo | 0b01001, 5)}`, 'FF'),
    row(`${m}.l.d`, `0000 00010001 ${bin(hi, 5)} ${bin(lo | 0b01010, 5)}`, 'FF'),
  ]),
  row('ffint.s.w', '0000 00010001 11010 00100', 'FF'),
  row('ffint.s.l', '0000 00010001 11010 00110', 'FF'),
  row('ffint.d.w', '0000 00010001 11010 01000', 'FF'),
  row('ffint.d.l', '0000 00010001 11010 01010', 'FF'),
  row('frint.s', '0000 00010001 11100 10001', 'FF'),
  row('frint.d', '0000 00010001 11100 10010', 'FF'),
  ...FCMP_CONDITIONS.flatMap(([name, cond]) => [
    row(`fcmp.${name}.s`, `0000 11000001 ${bin(cond, 5)} ..... ..... 00`, 'FCMP'),
    row(`fcmp.${name}.d`, `0000 11000010 ${bin(cond, 5)} ..... ..... 00`, 'FCMP'),
  ]),
  row('fsel', '0000 11010000 00', 'FSEL'),
  row('fld.s', '0010 101100', 'FLD'),
  row('fst.s', '0010 101101', 'FLD'),
  row('fld.d', '0010 101110', 'FLD'),
  row('fst.d', '0010 101111', 'FLD'),
  row('fldx.s', '0011 10000011 00000', 'FLDX'),
  row('fldx.d', '0011 10000011 01000', 'FLDX'),
  row('fstx.s', '0011 10000011 10000', 'FLDX'),
  row('fstx.d', '0011 10000011 11000', 'FLDX'),
  row('bceqz', '0100 10 ................ 00', 'BC'),
  row('bcnez', '0100 10 ................ 01', 'BC'),
];

/** The AM* instructions print and assemble as rd, rk, rj (binutils); the table's 3R order is rd, rj, rk. */
export function operandOrder(row: OpcodeRow): readonly FieldName[] {
  return row.mnemonic.startsWith('am') ? ['rd', 'rk', 'rj'] : FORMATS[row.format];
}

/** Fixed mask and match of a row, from its bit string ('.' in the string: an operand bit). */
export function maskMatch(row: OpcodeRow): { mask: number; match: number } {
  const s = row.bits.replace(/\s+/g, '');
  if (!/^[01.]+$/.test(s) || s.length > 32) throw new Error(`opcode table: bad bits '${row.bits}' for ${row.mnemonic}`);
  let mask = 0;
  let match = 0;
  for (let i = 0; i < s.length; i++) {
    const bit = 31 - i;
    if (s[i] === '.') continue;
    mask |= 1 << bit;
    if (s[i] === '1') match |= 1 << bit;
  }
  return { mask: mask >>> 0, match: match >>> 0 };
}

/** Reads an operand field's raw value (sign-extended for signed fields), before shift and bias. */
export function fieldValue(word: number, field: OperandField): number {
  let value = 0;
  let width = 0;
  for (const [lsb, w] of field.pieces) {
    value += ((word >>> lsb) & ((1 << w) - 1)) * 2 ** width;
    width += w;
  }
  if (field.kind === 'signed' && value >= 2 ** (width - 1)) value -= 2 ** width;
  return value * 2 ** (field.shift ?? 0) + (field.bias ?? 0);
}

/** Encodes an operand value into the word's field bits, or throws naming the field when it does not fit. */
export function encodeField(name: FieldName, value: number): number {
  const field: OperandField = FIELDS[name];
  const scale = 2 ** (field.shift ?? 0);
  let raw = value - (field.bias ?? 0);
  if (raw % scale !== 0) throw new Error(`${name}: ${value} is not a multiple of ${scale}`);
  raw /= scale;
  const width = field.pieces.reduce((n, [, w]) => n + w, 0);
  const lo = field.kind === 'signed' ? -(2 ** (width - 1)) : 0;
  const hi = field.kind === 'signed' ? 2 ** (width - 1) - 1 : 2 ** width - 1;
  if (!Number.isInteger(raw) || raw < lo || raw > hi) throw new Error(`${name}: ${value} does not fit (${lo * scale + (field.bias ?? 0)}..${hi * scale + (field.bias ?? 0)})`);
  if (raw < 0) raw += 2 ** width;
  let word = 0;
  for (const [lsb, w] of field.pieces) {
    word |= (raw % 2 ** w) << lsb;
    raw = Math.floor(raw / 2 ** w);
  }
  return word >>> 0;
}
