/**
 * LA64 instruction semantics, one handler per decode-table mnemonic (opcodes.ts), resolved once into
 * an array indexed by the row number the decoder returns (Decoded.op), so execute() dispatches with one
 * array load instead of comparing mnemonic strings. Registers are read as
 * signed 64-bit BigInts; 32-bit results are sign-extended (the .w rule of the manual, 2.2). Division by
 * zero, whose result the manual leaves undefined, does what QEMU's LoongArch target does (it divides by 1:
 * the quotient is the dividend, the remainder 0), so that the differential test against QEMU holds
 * everywhere (int-differential.test.ts). Privileged instructions at PLV1-3 raise IPE.
 */
import { Csr, Ecode } from './csr';
import type { Decoded } from './decoder';
import { LaTrap, LOAD, STORE, type LaCpu } from './cpu';
import { executeFloat, isFloatOp } from './fpu';
import { lsxHandler } from './lsx';
import { FORMATS, OPCODES } from './opcodes';

const s32 = (v: bigint): bigint => BigInt.asIntN(32, v);
const u32 = (v: bigint): bigint => BigInt.asUintN(32, v);
const u64 = (v: bigint): bigint => BigInt.asUintN(64, v);

function clz(v: bigint, bits: number): bigint {
  let n = 0;
  for (let i = bits - 1; i >= 0 && ((v >> BigInt(i)) & 1n) === 0n; i--) n++;
  return BigInt(n);
}

function ctz(v: bigint, bits: number): bigint {
  let n = 0;
  for (let i = 0; i < bits && ((v >> BigInt(i)) & 1n) === 0n; i++) n++;
  return BigInt(n);
}

function bitrev(v: bigint, bits: number): bigint {
  let out = 0n;
  for (let i = 0; i < bits; i++) if ((v >> BigInt(i)) & 1n) out |= 1n << BigInt(bits - 1 - i);
  return out;
}

/** Reverses bytes (revb) or halfwords (revh) inside each `group`-bit group of a `bits`-bit value. */
function reverseUnits(v: bigint, bits: number, group: number, unit: number): bigint {
  let out = 0n;
  for (let g = 0; g < bits; g += group) {
    const n = group / unit;
    for (let i = 0; i < n; i++) {
      const piece = (v >> BigInt(g + i * unit)) & ((1n << BigInt(unit)) - 1n);
      out |= piece << BigInt(g + (n - 1 - i) * unit);
    }
  }
  return out;
}

function privileged(cpu: LaCpu): void {
  if (cpu.plv !== 0) throw new LaTrap(Ecode.IPE);
}

/**
 * One instruction's semantics: the decoded word, its pc, and the operands execute() reads for every
 * instruction (rd's number, the values of rj, rk and rd; r0 reads 0). Results go through cpu.setR, which
 * ignores r0.
 */
type Handler = (cpu: LaCpu, d: Decoded, pc: bigint, rd: number, rj: bigint, rk: bigint, rdVal: bigint) => void;

const SIZE_OF: Readonly<Record<string, 1 | 2 | 4 | 8>> = { b: 1, h: 2, w: 4, d: 8, bu: 1, hu: 2, wu: 4 };

/** Semantics by mnemonic; resolved once into HANDLERS, indexed by the decode-table row (Decoded.op). */
const SEMANTICS: Record<string, Handler> = {
  // --- arithmetic ---
  'add.w': (cpu, _d, _pc, rd, rj, rk) => cpu.setR(rd, s32(rj + rk)),
  'add.d': (cpu, _d, _pc, rd, rj, rk) => cpu.setR(rd, rj + rk),
  'sub.w': (cpu, _d, _pc, rd, rj, rk) => cpu.setR(rd, s32(rj - rk)),
  'sub.d': (cpu, _d, _pc, rd, rj, rk) => cpu.setR(rd, rj - rk),
  slt: (cpu, _d, _pc, rd, rj, rk) => cpu.setR(rd, rj < rk ? 1n : 0n),
  sltu: (cpu, _d, _pc, rd, rj, rk) => cpu.setR(rd, u64(rj) < u64(rk) ? 1n : 0n),
  slti: (cpu, d, _pc, rd, rj) => cpu.setR(rd, rj < d.b.si12! ? 1n : 0n),
  sltui: (cpu, d, _pc, rd, rj) => cpu.setR(rd, u64(rj) < u64(d.b.si12!) ? 1n : 0n),
  maskeqz: (cpu, _d, _pc, rd, rj, rk) => cpu.setR(rd, rk === 0n ? 0n : rj),
  masknez: (cpu, _d, _pc, rd, rj, rk) => cpu.setR(rd, rk !== 0n ? 0n : rj),
  nor: (cpu, _d, _pc, rd, rj, rk) => cpu.setR(rd, ~(rj | rk)),
  and: (cpu, _d, _pc, rd, rj, rk) => cpu.setR(rd, rj & rk),
  or: (cpu, _d, _pc, rd, rj, rk) => cpu.setR(rd, rj | rk),
  xor: (cpu, _d, _pc, rd, rj, rk) => cpu.setR(rd, rj ^ rk),
  orn: (cpu, _d, _pc, rd, rj, rk) => cpu.setR(rd, rj | ~rk),
  andn: (cpu, _d, _pc, rd, rj, rk) => cpu.setR(rd, rj & ~rk),
  'addi.w': (cpu, d, _pc, rd, rj) => cpu.setR(rd, s32(rj + d.b.si12!)),
  'addi.d': (cpu, d, _pc, rd, rj) => cpu.setR(rd, rj + d.b.si12!),
  'addu16i.d': (cpu, d, _pc, rd, rj) => cpu.setR(rd, rj + (d.b.si16! << 16n)),
  andi: (cpu, d, _pc, rd, rj) => cpu.setR(rd, rj & d.b.ui12!),
  ori: (cpu, d, _pc, rd, rj) => cpu.setR(rd, rj | d.b.ui12!),
  xori: (cpu, d, _pc, rd, rj) => cpu.setR(rd, rj ^ d.b.ui12!),
  'lu12i.w': (cpu, d, _pc, rd) => cpu.setR(rd, s32(d.b.si20! << 12n)),
  'lu32i.d': (cpu, d, _pc, rd, _rj, _rk, rdVal) => cpu.setR(rd, u32(rdVal) | (d.b.si20! << 32n)),
  'lu52i.d': (cpu, d, _pc, rd, rj) => cpu.setR(rd, (rj & 0xfffffffffffffn) | (d.b.si12! << 52n)),
  pcaddi: (cpu, d, pc, rd) => cpu.setR(rd, pc + (d.b.si20! << 2n)),
  pcaddu12i: (cpu, d, pc, rd) => cpu.setR(rd, pc + (d.b.si20! << 12n)),
  pcaddu18i: (cpu, d, pc, rd) => cpu.setR(rd, pc + (d.b.si20! << 18n)),
  pcalau12i: (cpu, d, pc, rd) => cpu.setR(rd, (pc + (d.b.si20! << 12n)) & ~0xfffn),
  'alsl.w': (cpu, d, _pc, rd, rj, rk) => cpu.setR(rd, s32((rj << BigInt(d.f.sa2p1!)) + rk)),
  'alsl.wu': (cpu, d, _pc, rd, rj, rk) => cpu.setR(rd, u32((rj << BigInt(d.f.sa2p1!)) + rk)),
  'alsl.d': (cpu, d, _pc, rd, rj, rk) => cpu.setR(rd, (rj << BigInt(d.f.sa2p1!)) + rk),
  'mul.w': (cpu, _d, _pc, rd, rj, rk) => cpu.setR(rd, s32(rj * rk)),
  'mulh.w': (cpu, _d, _pc, rd, rj, rk) => cpu.setR(rd, (s32(rj) * s32(rk)) >> 32n),
  'mulh.wu': (cpu, _d, _pc, rd, rj, rk) => cpu.setR(rd, s32((u32(rj) * u32(rk)) >> 32n)),
  'mul.d': (cpu, _d, _pc, rd, rj, rk) => cpu.setR(rd, rj * rk),
  'mulh.d': (cpu, _d, _pc, rd, rj, rk) => cpu.setR(rd, (rj * rk) >> 64n),
  'mulh.du': (cpu, _d, _pc, rd, rj, rk) => cpu.setR(rd, (u64(rj) * u64(rk)) >> 64n),
  'mulw.d.w': (cpu, _d, _pc, rd, rj, rk) => cpu.setR(rd, s32(rj) * s32(rk)),
  'mulw.d.wu': (cpu, _d, _pc, rd, rj, rk) => cpu.setR(rd, u32(rj) * u32(rk)),
  'div.w': divW(false, true), 'mod.w': divW(false, false), 'div.wu': divW(true, true), 'mod.wu': divW(true, false),
  'div.d': divD(false, true), 'mod.d': divD(false, false), 'div.du': divD(true, true), 'mod.du': divD(true, false),

  // --- shifts ---
  'sll.w': (cpu, _d, _pc, rd, rj, rk) => cpu.setR(rd, s32(rj << (rk & 31n))),
  'srl.w': (cpu, _d, _pc, rd, rj, rk) => cpu.setR(rd, s32(u32(rj) >> (rk & 31n))),
  'sra.w': (cpu, _d, _pc, rd, rj, rk) => cpu.setR(rd, s32(s32(rj) >> (rk & 31n))),
  'rotr.w': (cpu, _d, _pc, rd, rj, rk) => cpu.setR(rd, rotr32(rj, Number(BigInt.asUintN(5, rk)))),
  'sll.d': (cpu, _d, _pc, rd, rj, rk) => cpu.setR(rd, rj << (rk & 63n)),
  'srl.d': (cpu, _d, _pc, rd, rj, rk) => cpu.setR(rd, u64(rj) >> (rk & 63n)),
  'sra.d': (cpu, _d, _pc, rd, rj, rk) => cpu.setR(rd, rj >> (rk & 63n)),
  'rotr.d': (cpu, _d, _pc, rd, rj, rk) => cpu.setR(rd, rotr(u64(rj), Number(rk & 63n), 64)),
  'slli.w': (cpu, d, _pc, rd, rj) => cpu.setR(rd, s32(rj << d.b.ui5!)),
  'srli.w': (cpu, d, _pc, rd, rj) => cpu.setR(rd, s32(u32(rj) >> d.b.ui5!)),
  'srai.w': (cpu, d, _pc, rd, rj) => cpu.setR(rd, s32(rj) >> d.b.ui5!),
  'rotri.w': (cpu, d, _pc, rd, rj) => cpu.setR(rd, rotr32(rj, d.f.ui5!)),
  'slli.d': (cpu, d, _pc, rd, rj) => cpu.setR(rd, rj << d.b.ui6!),
  'srli.d': (cpu, d, _pc, rd, rj) => cpu.setR(rd, u64(rj) >> d.b.ui6!),
  'srai.d': (cpu, d, _pc, rd, rj) => cpu.setR(rd, rj >> d.b.ui6!),
  'rotri.d': (cpu, d, _pc, rd, rj) => cpu.setR(rd, rotr(u64(rj), d.f.ui6!, 64)),

  // --- bit operations ---
  'ext.w.h': (cpu, _d, _pc, rd, rj) => cpu.setR(rd, BigInt.asIntN(16, rj)),
  'ext.w.b': (cpu, _d, _pc, rd, rj) => cpu.setR(rd, BigInt.asIntN(8, rj)),
  'clo.w': (cpu, _d, _pc, rd, rj) => cpu.setR(rd, clz(u32(~rj), 32)),
  'clz.w': (cpu, _d, _pc, rd, rj) => cpu.setR(rd, clz(u32(rj), 32)),
  'cto.w': (cpu, _d, _pc, rd, rj) => cpu.setR(rd, ctz(u32(~rj), 32)),
  'ctz.w': (cpu, _d, _pc, rd, rj) => cpu.setR(rd, ctz(u32(rj), 32)),
  'clo.d': (cpu, _d, _pc, rd, rj) => cpu.setR(rd, clz(u64(~rj), 64)),
  'clz.d': (cpu, _d, _pc, rd, rj) => cpu.setR(rd, clz(u64(rj), 64)),
  'cto.d': (cpu, _d, _pc, rd, rj) => cpu.setR(rd, ctz(u64(~rj), 64)),
  'ctz.d': (cpu, _d, _pc, rd, rj) => cpu.setR(rd, ctz(u64(rj), 64)),
  'revb.2h': (cpu, _d, _pc, rd, rj) => cpu.setR(rd, s32(reverseUnits(u32(rj), 32, 16, 8))),
  'revb.4h': (cpu, _d, _pc, rd, rj) => cpu.setR(rd, reverseUnits(u64(rj), 64, 16, 8)),
  'revb.2w': (cpu, _d, _pc, rd, rj) => cpu.setR(rd, reverseUnits(u64(rj), 64, 32, 8)),
  'revb.d': (cpu, _d, _pc, rd, rj) => cpu.setR(rd, reverseUnits(u64(rj), 64, 64, 8)),
  'revh.2w': (cpu, _d, _pc, rd, rj) => cpu.setR(rd, reverseUnits(u64(rj), 64, 32, 16)),
  'revh.d': (cpu, _d, _pc, rd, rj) => cpu.setR(rd, reverseUnits(u64(rj), 64, 64, 16)),
  'bitrev.4b': (cpu, _d, _pc, rd, rj) => cpu.setR(rd, s32(bitrevBytes(u32(rj), 4))),
  'bitrev.8b': (cpu, _d, _pc, rd, rj) => cpu.setR(rd, bitrevBytes(u64(rj), 8)),
  'bitrev.w': (cpu, _d, _pc, rd, rj) => cpu.setR(rd, s32(bitrev(u32(rj), 32))),
  'bitrev.d': (cpu, _d, _pc, rd, rj) => cpu.setR(rd, bitrev(u64(rj), 64)),
  'bytepick.w': (cpu, d, _pc, rd, rj, rk) => {
    const sa = BigInt(d.f.sa2! * 8);
    cpu.setR(rd, s32(sa === 0n ? rk : (u32(rk) << sa) | (u32(rj) >> (32n - sa))));
  },
  'bytepick.d': (cpu, d, _pc, rd, rj, rk) => {
    const sa = BigInt(d.f.sa3! * 8);
    cpu.setR(rd, sa === 0n ? rk : (u64(rk) << sa) | (u64(rj) >> (64n - sa)));
  },
  'bstrins.w': bitString(true, true), 'bstrins.d': bitString(false, true),
  'bstrpick.w': bitString(true, false), 'bstrpick.d': bitString(false, false),

  // --- loads and stores (ld.*, st.*, ldx.*, stx.* are added below) ---
  'ldptr.w': (cpu, d, _pc, rd, rj) => cpu.setR(rd, cpu.load(rj + d.b.si14s2!, 4, true)),
  'ldptr.d': (cpu, d, _pc, rd, rj) => cpu.setR(rd, cpu.load(rj + d.b.si14s2!, 8, true)),
  'stptr.w': (cpu, d, _pc, _rd, rj, _rk, rdVal) => cpu.store(rj + d.b.si14s2!, 4, rdVal),
  'stptr.d': (cpu, d, _pc, _rd, rj, _rk, rdVal) => cpu.store(rj + d.b.si14s2!, 8, rdVal),
  preld: () => {},

  // --- LL/SC (AM* are added below) ---
  'll.w': loadLinked(4), 'll.d': loadLinked(8),
  'sc.w': storeConditional(4), 'sc.d': storeConditional(8),
  dbar: () => {},
  ibar: () => {},

  // --- branches ---
  beqz: (cpu, d, pc, _rd, rj) => { if (rj === 0n) cpu.nextPc = pc + BigInt(d.f.offs21!); },
  bnez: (cpu, d, pc, _rd, rj) => { if (rj !== 0n) cpu.nextPc = pc + BigInt(d.f.offs21!); },
  beq: (cpu, d, pc, _rd, rj, _rk, rdVal) => { if (rj === rdVal) cpu.nextPc = pc + BigInt(d.f.offs16!); },
  bne: (cpu, d, pc, _rd, rj, _rk, rdVal) => { if (rj !== rdVal) cpu.nextPc = pc + BigInt(d.f.offs16!); },
  blt: (cpu, d, pc, _rd, rj, _rk, rdVal) => { if (rj < rdVal) cpu.nextPc = pc + BigInt(d.f.offs16!); },
  bge: (cpu, d, pc, _rd, rj, _rk, rdVal) => { if (rj >= rdVal) cpu.nextPc = pc + BigInt(d.f.offs16!); },
  bltu: (cpu, d, pc, _rd, rj, _rk, rdVal) => { if (u64(rj) < u64(rdVal)) cpu.nextPc = pc + BigInt(d.f.offs16!); },
  bgeu: (cpu, d, pc, _rd, rj, _rk, rdVal) => { if (u64(rj) >= u64(rdVal)) cpu.nextPc = pc + BigInt(d.f.offs16!); },
  b: (cpu, d, pc) => { cpu.nextPc = pc + BigInt(d.f.offs26!); },
  bl: (cpu, d, pc) => { cpu.setR(1, pc + 4n); cpu.nextPc = pc + BigInt(d.f.offs26!); },
  jirl: (cpu, d, pc, rd, rj) => {
    const target = rj + BigInt(d.f.offs16!);
    cpu.setR(rd, pc + 4n);
    cpu.nextPc = target;
  },

  // --- system ---
  syscall: () => { throw new LaTrap(Ecode.SYS); },
  break: () => { throw new LaTrap(Ecode.BRK); },
  hvcl: (cpu, d) => {
    // Without a hypervisor (LVZ guest mode) the word is not there: it stops the CPU as unimplemented.
    if (!cpu.platform.hypercall) return cpu.stop('undefined-instruction', 'HVCL outside a zone: no hypervisor to call');
    privileged(cpu);
    return cpu.platform.hypercall(cpu, d.f.code15!);
  },
  'rdtimel.w': readTime((c) => s32(c)), 'rdtimeh.w': readTime((c) => s32(c >> 32n)), 'rdtime.d': readTime((c) => c),
  cpucfg: (cpu, _d, _pc, rd, rj) => {
    const index = Number(u64(rj) & 0xffffffffn);
    cpu.setR(rd, BigInt(cpu.cpucfg[index] ?? 0) & 0xffffffffn);
  },
  csrrd: (cpu, d, _pc, rd) => {
    privileged(cpu);
    cpu.setR(rd, cpu.csrRead(d.f.csr!));
  },
  csrwr: (cpu, d, _pc, rd, _rj, _rk, rdVal) => {
    privileged(cpu);
    const old = cpu.csrRead(d.f.csr!);
    cpu.csrWrite(d.f.csr!, rdVal);
    cpu.setR(rd, old);
  },
  csrxchg: (cpu, d, _pc, rd, rj, _rk, rdVal) => {
    privileged(cpu);
    const old = cpu.csrRead(d.f.csr!);
    const mask = u64(rj);
    cpu.csrWrite(d.f.csr!, rdVal, mask);
    cpu.setR(rd, old & mask);
  },
  invtlb: (cpu, d, _pc, _rd, rj, rk) => {
    privileged(cpu);
    cpu.invtlb(d.f.op5!, Number(u64(rj) & 0x3ffn), u64(rk));
  },
  lddir: (cpu, d, _pc, rd, rj) => {
    privileged(cpu);
    cpu.setR(rd, cpu.lddir(rj, d.f.ui8!));
  },
  ldpte: (cpu, d, _pc, _rd, rj) => {
    privileged(cpu);
    cpu.ldpte(rj, d.f.ui8!);
  },
  cacop: (cpu, d) => {
    // Cache maintenance has nothing to do on a coherent emulated memory; user code needs PLV0 for most ops.
    if (cpu.plv !== 0 && (d.f.op5! & 0x18) !== 0x10) throw new LaTrap(Ecode.IPE);
  },
  ertn: (cpu) => {
    privileged(cpu);
    cpu.ertn();
  },
  idle: (cpu) => {
    privileged(cpu);
    cpu.idle = true;
  },
  dbcl: (cpu) => {
    cpu.stop('undefined-instruction', 'DBCL: debug mode is not implemented');
  },
};

for (const [suffix, size] of Object.entries(SIZE_OF)) {
  const signed = !suffix.endsWith('u');
  SEMANTICS[`ld.${suffix}`] = (cpu, d, _pc, rd, rj) => cpu.setR(rd, cpu.load(rj + d.b.si12!, size, signed));
  SEMANTICS[`ldx.${suffix}`] = (cpu, _d, _pc, rd, rj, rk) => cpu.setR(rd, cpu.load(rj + rk, size, signed));
  if (!signed) continue;
  SEMANTICS[`st.${suffix}`] = (cpu, d, _pc, _rd, rj, _rk, rdVal) => cpu.store(rj + d.b.si12!, size, rdVal);
  SEMANTICS[`stx.${suffix}`] = (cpu, _d, _pc, _rd, rj, rk, rdVal) => cpu.store(rj + rk, size, rdVal);
  if (suffix === 'b' || suffix === 'h' || suffix === 'w' || suffix === 'd') {
    SEMANTICS[`iocsrrd.${suffix}`] = iocsrRead(size);
    SEMANTICS[`iocsrwr.${suffix}`] = iocsrWrite(size);
  }
}
for (const m of ['tlbsrch', 'tlbrd', 'tlbwr', 'tlbfill', 'tlbclr', 'tlbflush'] as const) {
  SEMANTICS[m] = (cpu) => {
    privileged(cpu);
    cpu.tlbInstruction(m);
  };
}

const floatOp = (cpu: LaCpu, d: Decoded, pc: bigint): void => executeFloat(cpu, d, pc);

/**
 * The mnemonics whose Handler reads rd's value (rdVal): stores, two-register branches, LU32I.D,
 * BSTRINS, SC, IOCSRWR, CSRWR/CSRXCHG. Every other row gets 0n there.
 */
const READS_RD = new Set([
  'st.b', 'st.h', 'st.w', 'st.d', 'stx.b', 'stx.h', 'stx.w', 'stx.d', 'stptr.w', 'stptr.d', 'sc.w', 'sc.d',
  'beq', 'bne', 'blt', 'bge', 'bltu', 'bgeu', 'lu32i.d', 'bstrins.w', 'bstrins.d',
  'iocsrwr.b', 'iocsrwr.h', 'iocsrwr.w', 'iocsrwr.d', 'csrwr', 'csrxchg',
]);

/**
 * Which registers a Handler is given (bit 0: rj, 1: rk, 2: rd's value), from its row's format: each
 * read of the BigInt64Array allocates a BigInt, and most instructions need one or two of the three.
 */
const READS: Uint8Array = Uint8Array.from(OPCODES, (row) => {
  const fields: readonly string[] = FORMATS[row.format];
  return (fields.includes('rj') ? 1 : 0) | (fields.includes('rk') ? 2 : 0) | (READS_RD.has(row.mnemonic) ? 4 : 0);
});

/**
 * The hot integer instructions again, written in place: each reads its operands from the register
 * file and writes its result into it in one function, so that V8 keeps the 64-bit values unboxed
 * (BigInt64Array loads, arithmetic, BigInt.asIntN and the store are lowered to machine integers). Passing
 * register values as arguments, as the Handler form does, allocates a BigInt per operand and per result:
 * these rows cover most of what a kernel executes. r0 may be written here: step() clears it after every
 * instruction. The semantics are those of SEMANTICS above (the differential tests run these rows).
 */
type InPlace = (cpu: LaCpu, d: Decoded, pc: bigint) => void;

const IN_PLACE: Record<string, InPlace> = {
  'add.w': (c, d) => { const r = c.r; r[d.rd] = BigInt.asIntN(32, r[d.rj]! + r[d.rk]!); },
  'add.d': (c, d) => { const r = c.r; r[d.rd] = BigInt.asIntN(64, r[d.rj]! + r[d.rk]!); },
  'sub.w': (c, d) => { const r = c.r; r[d.rd] = BigInt.asIntN(32, r[d.rj]! - r[d.rk]!); },
  'sub.d': (c, d) => { const r = c.r; r[d.rd] = BigInt.asIntN(64, r[d.rj]! - r[d.rk]!); },
  slt: (c, d) => { const r = c.r; r[d.rd] = r[d.rj]! < r[d.rk]! ? 1n : 0n; },
  sltu: (c, d) => { const r = c.r; r[d.rd] = BigInt.asUintN(64, r[d.rj]!) < BigInt.asUintN(64, r[d.rk]!) ? 1n : 0n; },
  slti: (c, d) => { const r = c.r; r[d.rd] = r[d.rj]! < d.b.si12! ? 1n : 0n; },
  sltui: (c, d) => { const r = c.r; r[d.rd] = BigInt.asUintN(64, r[d.rj]!) < BigInt.asUintN(64, d.b.si12!) ? 1n : 0n; },
  maskeqz: (c, d) => { const r = c.r; r[d.rd] = r[d.rk] === 0n ? 0n : r[d.rj]!; },
  masknez: (c, d) => { const r = c.r; r[d.rd] = r[d.rk] !== 0n ? 0n : r[d.rj]!; },
  nor: (c, d) => { const r = c.r; r[d.rd] = ~(r[d.rj]! | r[d.rk]!); },
  and: (c, d) => { const r = c.r; r[d.rd] = r[d.rj]! & r[d.rk]!; },
  or: (c, d) => { const r = c.r; r[d.rd] = r[d.rj]! | r[d.rk]!; },
  xor: (c, d) => { const r = c.r; r[d.rd] = r[d.rj]! ^ r[d.rk]!; },
  orn: (c, d) => { const r = c.r; r[d.rd] = r[d.rj]! | ~r[d.rk]!; },
  andn: (c, d) => { const r = c.r; r[d.rd] = r[d.rj]! & ~r[d.rk]!; },
  'addi.w': (c, d) => { const r = c.r; r[d.rd] = BigInt.asIntN(32, r[d.rj]! + d.b.si12!); },
  'addi.d': (c, d) => { const r = c.r; r[d.rd] = BigInt.asIntN(64, r[d.rj]! + d.b.si12!); },
  'addu16i.d': (c, d) => { const r = c.r; r[d.rd] = BigInt.asIntN(64, r[d.rj]! + (d.b.si16! << 16n)); },
  andi: (c, d) => { const r = c.r; r[d.rd] = r[d.rj]! & d.b.ui12!; },
  ori: (c, d) => { const r = c.r; r[d.rd] = r[d.rj]! | d.b.ui12!; },
  xori: (c, d) => { const r = c.r; r[d.rd] = r[d.rj]! ^ d.b.ui12!; },
  'lu12i.w': (c, d) => { c.r[d.rd] = BigInt.asIntN(32, d.b.si20! << 12n); },
  'lu32i.d': (c, d) => { const r = c.r; r[d.rd] = BigInt.asIntN(64, BigInt.asUintN(32, r[d.rd]!) | (d.b.si20! << 32n)); },
  'lu52i.d': (c, d) => { const r = c.r; r[d.rd] = BigInt.asIntN(64, (r[d.rj]! & 0xfffffffffffffn) | (d.b.si12! << 52n)); },
  pcaddi: (c, d, pc) => { c.r[d.rd] = BigInt.asIntN(64, pc + (d.b.si20! << 2n)); },
  pcaddu12i: (c, d, pc) => { c.r[d.rd] = BigInt.asIntN(64, pc + (d.b.si20! << 12n)); },
  pcaddu18i: (c, d, pc) => { c.r[d.rd] = BigInt.asIntN(64, pc + (d.b.si20! << 18n)); },
  pcalau12i: (c, d, pc) => { c.r[d.rd] = BigInt.asIntN(64, (pc + (d.b.si20! << 12n)) & ~0xfffn); },
  'alsl.d': (c, d) => { const r = c.r; r[d.rd] = BigInt.asIntN(64, (r[d.rj]! << d.b.sa2p1!) + r[d.rk]!); },
  'mul.w': (c, d) => { const r = c.r; r[d.rd] = BigInt.asIntN(32, r[d.rj]! * r[d.rk]!); },
  'mul.d': (c, d) => { const r = c.r; r[d.rd] = BigInt.asIntN(64, r[d.rj]! * r[d.rk]!); },
  'sll.w': (c, d) => { const r = c.r; r[d.rd] = BigInt.asIntN(32, r[d.rj]! << (r[d.rk]! & 31n)); },
  'srl.w': (c, d) => { const r = c.r; r[d.rd] = BigInt.asIntN(32, BigInt.asUintN(32, r[d.rj]!) >> (r[d.rk]! & 31n)); },
  'sra.w': (c, d) => { const r = c.r; r[d.rd] = BigInt.asIntN(32, r[d.rj]!) >> (r[d.rk]! & 31n); },
  'sll.d': (c, d) => { const r = c.r; r[d.rd] = BigInt.asIntN(64, r[d.rj]! << (r[d.rk]! & 63n)); },
  'srl.d': (c, d) => { const r = c.r; r[d.rd] = BigInt.asIntN(64, BigInt.asUintN(64, r[d.rj]!) >> (r[d.rk]! & 63n)); },
  'sra.d': (c, d) => { const r = c.r; r[d.rd] = r[d.rj]! >> (r[d.rk]! & 63n); },
  'slli.w': (c, d) => { const r = c.r; r[d.rd] = BigInt.asIntN(32, r[d.rj]! << d.b.ui5!); },
  'srli.w': (c, d) => { const r = c.r; r[d.rd] = BigInt.asIntN(32, BigInt.asUintN(32, r[d.rj]!) >> d.b.ui5!); },
  'srai.w': (c, d) => { const r = c.r; r[d.rd] = BigInt.asIntN(32, r[d.rj]!) >> d.b.ui5!; },
  'slli.d': (c, d) => { const r = c.r; r[d.rd] = BigInt.asIntN(64, r[d.rj]! << d.b.ui6!); },
  'srli.d': (c, d) => { const r = c.r; r[d.rd] = BigInt.asIntN(64, BigInt.asUintN(64, r[d.rj]!) >> d.b.ui6!); },
  'srai.d': (c, d) => { const r = c.r; r[d.rd] = r[d.rj]! >> d.b.ui6!; },
  'ext.w.b': (c, d) => { const r = c.r; r[d.rd] = BigInt.asIntN(8, r[d.rj]!); },
  'ext.w.h': (c, d) => { const r = c.r; r[d.rd] = BigInt.asIntN(16, r[d.rj]!); },
  'ldptr.w': (c, d) => { const r = c.r; r[d.rd] = c.load(r[d.rj]! + d.b.si14s2!, 4, true); },
  'ldptr.d': (c, d) => { const r = c.r; r[d.rd] = c.load(r[d.rj]! + d.b.si14s2!, 8, true); },
  'stptr.w': (c, d) => { const r = c.r; c.store(r[d.rj]! + d.b.si14s2!, 4, r[d.rd]!); },
  'stptr.d': (c, d) => { const r = c.r; c.store(r[d.rj]! + d.b.si14s2!, 8, r[d.rd]!); },
  beqz: (c, d, pc) => { if (c.r[d.rj] === 0n) c.nextPc = pc + d.b.offs21!; },
  bnez: (c, d, pc) => { if (c.r[d.rj] !== 0n) c.nextPc = pc + d.b.offs21!; },
  beq: (c, d, pc) => { const r = c.r; if (r[d.rj] === r[d.rd]) c.nextPc = pc + d.b.offs16!; },
  bne: (c, d, pc) => { const r = c.r; if (r[d.rj] !== r[d.rd]) c.nextPc = pc + d.b.offs16!; },
  blt: (c, d, pc) => { const r = c.r; if (r[d.rj]! < r[d.rd]!) c.nextPc = pc + d.b.offs16!; },
  bge: (c, d, pc) => { const r = c.r; if (r[d.rj]! >= r[d.rd]!) c.nextPc = pc + d.b.offs16!; },
  bltu: (c, d, pc) => { const r = c.r; if (BigInt.asUintN(64, r[d.rj]!) < BigInt.asUintN(64, r[d.rd]!)) c.nextPc = pc + d.b.offs16!; },
  bgeu: (c, d, pc) => { const r = c.r; if (BigInt.asUintN(64, r[d.rj]!) >= BigInt.asUintN(64, r[d.rd]!)) c.nextPc = pc + d.b.offs16!; },
  b: (c, d, pc) => { c.nextPc = pc + d.b.offs26!; },
  bl: (c, d, pc) => { c.r[1] = BigInt.asIntN(64, pc + 4n); c.nextPc = pc + d.b.offs26!; },
  jirl: (c, d, pc) => {
    const r = c.r;
    const target = r[d.rj]! + d.b.offs16!;
    r[d.rd] = BigInt.asIntN(64, pc + 4n);
    c.nextPc = target;
  },
};
for (const [suffix, size] of Object.entries(SIZE_OF)) {
  const signed = !suffix.endsWith('u');
  IN_PLACE[`ld.${suffix}`] = (c, d) => { const r = c.r; r[d.rd] = c.load(r[d.rj]! + d.b.si12!, size, signed); };
  IN_PLACE[`ldx.${suffix}`] = (c, d) => { const r = c.r; r[d.rd] = c.load(r[d.rj]! + r[d.rk]!, size, signed); };
  if (!signed) continue;
  IN_PLACE[`st.${suffix}`] = (c, d) => { const r = c.r; c.store(r[d.rj]! + d.b.si12!, size, r[d.rd]!); };
  IN_PLACE[`stx.${suffix}`] = (c, d) => { const r = c.r; c.store(r[d.rj]! + r[d.rk]!, size, r[d.rd]!); };
}

/** A Handler called with the registers its row reads (READS), as an InPlace. */
function withOperands(h: Handler, reads: number): InPlace {
  return (cpu, d, pc) => {
    const r = cpu.r;
    h(cpu, d, pc, d.rd, reads & 1 ? r[d.rj]! : 0n, reads & 2 ? r[d.rk]! : 0n, reads & 4 ? r[d.rd]! : 0n);
  };
}

/** The semantics of each decode-table row, by row index (Decoded.op): execute() dispatches on it. */
const HANDLERS: readonly InPlace[] = OPCODES.map(({ mnemonic: m }, op): InPlace => {
  const fast = IN_PLACE[m];
  if (fast) return fast;
  const h = SEMANTICS[m];
  if (h) return withOperands(h, READS[op]!);
  if (m.startsWith('am')) return withOperands(amo(m), READS[op]!);
  const vector = lsxHandler(m);
  if (vector) return vector;
  if (isFloatOp(m)) return floatOp;
  return (cpu) => cpu.stop('undefined-instruction', `instruction ${m} has no semantics yet`);
});

/** Test hook: the in-place rows and their Handler twins, for the test that runs both on the same operands. */
export const IN_PLACE_MNEMONICS: readonly string[] = Object.keys(IN_PLACE);
export function executeWithHandler(cpu: LaCpu, d: Decoded, pc: bigint): void {
  const h = SEMANTICS[d.row.mnemonic];
  if (!h) throw new Error(`no Handler for ${d.row.mnemonic}`);
  withOperands(h, READS[d.op]!)(cpu, d, pc);
}

export function execute(cpu: LaCpu, d: Decoded, pc: bigint): void {
  HANDLERS[d.op]!(cpu, d, pc);
}

function divW(unsigned: boolean, div: boolean): Handler {
  return (cpu, _d, _pc, rd, rj, rk) => {
    const a = unsigned ? u32(rj) : s32(rj);
    const b = unsigned ? u32(rk) : s32(rk);
    if (b === 0n) return cpu.setR(rd, div ? s32(a) : 0n);
    cpu.setR(rd, s32(div ? a / b : a % b));
  };
}

function divD(unsigned: boolean, div: boolean): Handler {
  return (cpu, _d, _pc, rd, rj, rk) => {
    const a = unsigned ? u64(rj) : rj;
    const b = unsigned ? u64(rk) : rk;
    if (b === 0n) return cpu.setR(rd, div ? a : 0n);
    cpu.setR(rd, div ? a / b : a % b);
  };
}

/** BSTRINS/BSTRPICK .W/.D. */
function bitString(word: boolean, insert: boolean): Handler {
  return (cpu, d, _pc, rd, rj, _rk, rdVal) => {
    const f = d.f;
    const msb = BigInt(word ? f.msbw! : f.msbd!);
    const lsb = BigInt(word ? f.lsbw! : f.lsbd!);
    if (msb < lsb) throw new LaTrap(Ecode.INE);
    const width = msb - lsb + 1n;
    const mask = ((1n << width) - 1n) << lsb;
    if (insert) {
      const v = (rdVal & ~mask) | ((rj << lsb) & mask);
      return cpu.setR(rd, word ? s32(v) : v);
    }
    const v = (u64(rj) & mask) >> lsb;
    cpu.setR(rd, word ? s32(v) : v);
  };
}

function loadLinked(size: 4 | 8): Handler {
  return (cpu, d, _pc, rd, rj) => {
    const t = cpu.atomicTarget(rj + d.b.si14s2!, size, LOAD);
    const v = cpu.atomicLoad(t.index, size);
    cpu.llbit = true;
    cpu.llAddr = t.pa;
    cpu.llHost = t.index * size;
    cpu.llValue = v;
    cpu.setR(rd, v);
  };
}

function storeConditional(size: 4 | 8): Handler {
  return (cpu, d, _pc, rd, rj, _rk, rdVal) => {
    const t = cpu.atomicTarget(rj + d.b.si14s2!, size, STORE);
    const ok = cpu.llbit && cpu.llAddr === t.pa && cpu.atomicCas(t.index, size, cpu.llValue, rdVal);
    cpu.llbit = false;
    cpu.setR(rd, ok ? 1n : 0n);
  };
}

/** RDTIMEL.W/RDTIMEH.W/RDTIME.D: rj = the counter ID (TID), rd = the counter or a half of it. */
function readTime(value: (counter: bigint) => bigint): Handler {
  return (cpu, d, _pc, rd) => {
    const counter = cpu.counter();
    cpu.setR(d.f.rj ?? 0, cpu.csr.get(Csr.TID)!);
    cpu.setR(rd, value(counter));
  };
}

function iocsrRead(size: 1 | 2 | 4 | 8): Handler {
  return (cpu, _d, _pc, rd, rj) => {
    privileged(cpu);
    const address = Number(u64(rj) & 0xffffffffn);
    const v = cpu.platform.iocsr.read(address, size);
    if (v === undefined) cpu.stop('access', `IOCSR read of ${size} bytes at 0x${address.toString(16)}: nothing answers there`, BigInt(address), false);
    cpu.setR(rd, size === 8 ? v! : BigInt.asIntN(size * 8, v!));
  };
}

function iocsrWrite(size: 1 | 2 | 4 | 8): Handler {
  return (cpu, _d, _pc, _rd, rj, _rk, rdVal) => {
    privileged(cpu);
    const address = Number(u64(rj) & 0xffffffffn);
    if (!cpu.platform.iocsr.write(address, size, BigInt.asUintN(size * 8, rdVal))) {
      cpu.stop('access', `IOCSR write of ${size} bytes at 0x${address.toString(16)}: nothing answers there`, BigInt(address), true);
    }
  };
}

/** ROTR.W: the low word of `v` rotated right by n (0..31), sign-extended; on numbers (ChaCha and BLAKE2s are full of it). */
function rotr32(v: bigint, n: number): bigint {
  const x = Number(BigInt.asIntN(32, v));
  return BigInt((x >>> n) | (x << (32 - n)));
}

function rotr(v: bigint, n: number, bits: number): bigint {
  if (n === 0) return bits === 32 ? s32(v) : v;
  const r = ((v >> BigInt(n)) | (v << BigInt(bits - n))) & ((1n << BigInt(bits)) - 1n);
  return bits === 32 ? s32(r) : r;
}

function bitrevBytes(v: bigint, bytes: number): bigint {
  let out = 0n;
  for (let i = 0; i < bytes; i++) out |= bitrev((v >> BigInt(8 * i)) & 0xffn, 8) << BigInt(8 * i);
  return out;
}

/** AM{SWAP,ADD,AND,OR,XOR,MAX,MIN}[_DB].{W,D}[U]: rd = old memory value; memory = op(old, rk); atomic on RAM. */
function amo(m: string): Handler {
  const match = /^am(swap|add|and|or|xor|max|min)(?:_db)?\.(w|d)(u?)$/.exec(m);
  if (!match) return () => { throw new LaTrap(Ecode.INE); };
  const [, op, width, unsigned] = match;
  const size = width === 'w' ? 4 : 8;
  const norm = (v: bigint): bigint => (size === 4 ? (unsigned ? u32(v) : s32(v)) : unsigned ? u64(v) : BigInt.asIntN(64, v));
  return (cpu, _d, _pc, rd, address, operand) => {
    // rd must differ from rj and rk (the manual makes that INE).
    const t = cpu.atomicTarget(address, size, STORE);
    for (;;) {
      const old = cpu.atomicLoad(t.index, size);
      const a = norm(old);
      const b = norm(operand);
      let next: bigint;
      switch (op) {
        case 'swap': next = operand; break;
        case 'add': next = old + operand; break;
        case 'and': next = old & operand; break;
        case 'or': next = old | operand; break;
        case 'xor': next = old ^ operand; break;
        case 'max': next = a > b ? old : operand; break;
        default: next = a < b ? old : operand; break;
      }
      if (cpu.atomicCas(t.index, size, old, next)) {
        cpu.setR(rd, size === 4 ? s32(old) : old);
        return;
      }
    }
  };
}
