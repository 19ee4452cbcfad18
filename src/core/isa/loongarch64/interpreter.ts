/**
 * LA64 instruction semantics, one case per decode-table mnemonic (opcodes.ts). Registers are read as
 * signed 64-bit BigInts; 32-bit results are sign-extended (the .w rule of the manual, 2.2). Division by
 * zero, whose result the manual leaves undefined, does what QEMU's LoongArch target does (it divides by 1:
 * the quotient is the dividend, the remainder 0), so that the differential test against QEMU holds
 * everywhere (int-differential.test.ts). Privileged instructions at PLV1-3 raise IPE.
 */
import { Csr, Ecode } from './csr';
import type { Decoded } from './decoder';
import { LaTrap, LOAD, STORE, type LaCpu } from './cpu';
import { executeFloat, isFloatOp } from './fpu';

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

const SIZE_OF: Readonly<Record<string, 1 | 2 | 4 | 8>> = { b: 1, h: 2, w: 4, d: 8, bu: 1, hu: 2, wu: 4 };

function privileged(cpu: LaCpu): void {
  if (cpu.plv !== 0) throw new LaTrap(Ecode.IPE);
}

export function execute(cpu: LaCpu, d: Decoded, pc: bigint): void {
  const f = d.f;
  const m = d.row.mnemonic;
  const b = d.b;
  const rd = f.rd ?? 0;
  // Operand registers read once (r0 reads 0); results go through cpu.setR, which ignores r0.
  const rj = cpu.r[f.rj ?? 0]!;
  const rk = cpu.r[f.rk ?? 0]!;
  const rdVal = cpu.r[rd]!;

  switch (m) {
    // --- arithmetic ---
    case 'add.w': return cpu.setR(rd, s32(rj + rk));
    case 'add.d': return cpu.setR(rd, rj + rk);
    case 'sub.w': return cpu.setR(rd, s32(rj - rk));
    case 'sub.d': return cpu.setR(rd, rj - rk);
    case 'slt': return cpu.setR(rd, rj < rk ? 1n : 0n);
    case 'sltu': return cpu.setR(rd, u64(rj) < u64(rk) ? 1n : 0n);
    case 'slti': return cpu.setR(rd, rj < b.si12! ? 1n : 0n);
    case 'sltui': return cpu.setR(rd, u64(rj) < u64(b.si12!) ? 1n : 0n);
    case 'maskeqz': return cpu.setR(rd, rk === 0n ? 0n : rj);
    case 'masknez': return cpu.setR(rd, rk !== 0n ? 0n : rj);
    case 'nor': return cpu.setR(rd, ~(rj | rk));
    case 'and': return cpu.setR(rd, rj & rk);
    case 'or': return cpu.setR(rd, rj | rk);
    case 'xor': return cpu.setR(rd, rj ^ rk);
    case 'orn': return cpu.setR(rd, rj | ~rk);
    case 'andn': return cpu.setR(rd, rj & ~rk);
    case 'addi.w': return cpu.setR(rd, s32(rj + b.si12!));
    case 'addi.d': return cpu.setR(rd, rj + b.si12!);
    case 'addu16i.d': return cpu.setR(rd, rj + (b.si16! << 16n));
    case 'andi': return cpu.setR(rd, rj & b.ui12!);
    case 'ori': return cpu.setR(rd, rj | b.ui12!);
    case 'xori': return cpu.setR(rd, rj ^ b.ui12!);
    case 'lu12i.w': return cpu.setR(rd, s32(b.si20! << 12n));
    case 'lu32i.d': return cpu.setR(rd, (u32(rdVal)) | (b.si20! << 32n));
    case 'lu52i.d': return cpu.setR(rd, (rj & 0xfffffffffffffn) | (b.si12! << 52n));
    case 'pcaddi': return cpu.setR(rd, pc + (b.si20! << 2n));
    case 'pcaddu12i': return cpu.setR(rd, pc + (b.si20! << 12n));
    case 'pcaddu18i': return cpu.setR(rd, pc + (b.si20! << 18n));
    case 'pcalau12i': return cpu.setR(rd, (pc + (b.si20! << 12n)) & ~0xfffn);
    case 'alsl.w': return cpu.setR(rd, s32((rj << BigInt(f.sa2p1!)) + rk));
    case 'alsl.wu': return cpu.setR(rd, u32((rj << BigInt(f.sa2p1!)) + rk));
    case 'alsl.d': return cpu.setR(rd, (rj << BigInt(f.sa2p1!)) + rk);
    case 'mul.w': return cpu.setR(rd, s32(rj * rk));
    case 'mulh.w': return cpu.setR(rd, (s32(rj) * s32(rk)) >> 32n);
    case 'mulh.wu': return cpu.setR(rd, s32((u32(rj) * u32(rk)) >> 32n));
    case 'mul.d': return cpu.setR(rd, rj * rk);
    case 'mulh.d': return cpu.setR(rd, (rj * rk) >> 64n);
    case 'mulh.du': return cpu.setR(rd, (u64(rj) * u64(rk)) >> 64n);
    case 'mulw.d.w': return cpu.setR(rd, s32(rj) * s32(rk));
    case 'mulw.d.wu': return cpu.setR(rd, u32(rj) * u32(rk));
    case 'div.w': case 'mod.w': case 'div.wu': case 'mod.wu': {
      const unsigned = m.endsWith('u');
      const a = unsigned ? u32(rj) : s32(rj);
      const b = unsigned ? u32(rk) : s32(rk);
      if (b === 0n) return cpu.setR(rd, m.startsWith('div') ? s32(a) : 0n);
      return cpu.setR(rd, s32(m.startsWith('div') ? a / b : a % b));
    }
    case 'div.d': case 'mod.d': case 'div.du': case 'mod.du': {
      const unsigned = m.endsWith('u');
      const a = unsigned ? u64(rj) : rj;
      const b = unsigned ? u64(rk) : rk;
      if (b === 0n) return cpu.setR(rd, m.startsWith('div') ? a : 0n);
      return cpu.setR(rd, m.startsWith('div') ? a / b : a % b);
    }

    // --- shifts ---
    case 'sll.w': return cpu.setR(rd, s32(rj << (rk & 31n)));
    case 'srl.w': return cpu.setR(rd, s32(u32(rj) >> (rk & 31n)));
    case 'sra.w': return cpu.setR(rd, s32(s32(rj) >> (rk & 31n)));
    case 'rotr.w': return cpu.setR(rd, rotr(u32(rj), Number(rk & 31n), 32));
    case 'sll.d': return cpu.setR(rd, rj << (rk & 63n));
    case 'srl.d': return cpu.setR(rd, u64(rj) >> (rk & 63n));
    case 'sra.d': return cpu.setR(rd, rj >> (rk & 63n));
    case 'rotr.d': return cpu.setR(rd, rotr(u64(rj), Number(rk & 63n), 64));
    case 'slli.w': return cpu.setR(rd, s32(rj << b.ui5!));
    case 'srli.w': return cpu.setR(rd, s32(u32(rj) >> b.ui5!));
    case 'srai.w': return cpu.setR(rd, s32(rj) >> b.ui5!);
    case 'rotri.w': return cpu.setR(rd, rotr(u32(rj), f.ui5!, 32));
    case 'slli.d': return cpu.setR(rd, rj << b.ui6!);
    case 'srli.d': return cpu.setR(rd, u64(rj) >> b.ui6!);
    case 'srai.d': return cpu.setR(rd, rj >> b.ui6!);
    case 'rotri.d': return cpu.setR(rd, rotr(u64(rj), f.ui6!, 64));

    // --- bit operations ---
    case 'ext.w.h': return cpu.setR(rd, BigInt.asIntN(16, rj));
    case 'ext.w.b': return cpu.setR(rd, BigInt.asIntN(8, rj));
    case 'clo.w': return cpu.setR(rd, clz(u32(~rj), 32));
    case 'clz.w': return cpu.setR(rd, clz(u32(rj), 32));
    case 'cto.w': return cpu.setR(rd, ctz(u32(~rj), 32));
    case 'ctz.w': return cpu.setR(rd, ctz(u32(rj), 32));
    case 'clo.d': return cpu.setR(rd, clz(u64(~rj), 64));
    case 'clz.d': return cpu.setR(rd, clz(u64(rj), 64));
    case 'cto.d': return cpu.setR(rd, ctz(u64(~rj), 64));
    case 'ctz.d': return cpu.setR(rd, ctz(u64(rj), 64));
    case 'revb.2h': return cpu.setR(rd, s32(reverseUnits(u32(rj), 32, 16, 8)));
    case 'revb.4h': return cpu.setR(rd, reverseUnits(u64(rj), 64, 16, 8));
    case 'revb.2w': return cpu.setR(rd, reverseUnits(u64(rj), 64, 32, 8));
    case 'revb.d': return cpu.setR(rd, reverseUnits(u64(rj), 64, 64, 8));
    case 'revh.2w': return cpu.setR(rd, reverseUnits(u64(rj), 64, 32, 16));
    case 'revh.d': return cpu.setR(rd, reverseUnits(u64(rj), 64, 64, 16));
    case 'bitrev.4b': return cpu.setR(rd, s32(bitrevBytes(u32(rj), 4)));
    case 'bitrev.8b': return cpu.setR(rd, bitrevBytes(u64(rj), 8));
    case 'bitrev.w': return cpu.setR(rd, s32(bitrev(u32(rj), 32)));
    case 'bitrev.d': return cpu.setR(rd, bitrev(u64(rj), 64));
    case 'bytepick.w': {
      const sa = BigInt(f.sa2! * 8);
      return cpu.setR(rd, s32(sa === 0n ? rk : (u32(rk) << sa) | (u32(rj) >> (32n - sa))));
    }
    case 'bytepick.d': {
      const sa = BigInt(f.sa3! * 8);
      return cpu.setR(rd, sa === 0n ? rk : (u64(rk) << sa) | (u64(rj) >> (64n - sa)));
    }
    case 'bstrins.w': case 'bstrins.d': case 'bstrpick.w': case 'bstrpick.d': {
      const word = m.endsWith('.w');
      const msb = BigInt(word ? f.msbw! : f.msbd!);
      const lsb = BigInt(word ? f.lsbw! : f.lsbd!);
      if (msb < lsb) throw new LaTrap(Ecode.INE);
      const width = msb - lsb + 1n;
      const mask = ((1n << width) - 1n) << lsb;
      if (m.startsWith('bstrins')) {
        const v = (rdVal & ~mask) | ((rj << lsb) & mask);
        return cpu.setR(rd, word ? s32(v) : v);
      }
      const v = (u64(rj) & mask) >> lsb;
      return cpu.setR(rd, word ? s32(v) : v);
    }

    // --- loads and stores ---
    case 'ld.b': case 'ld.h': case 'ld.w': case 'ld.d': case 'ld.bu': case 'ld.hu': case 'ld.wu': {
      const suffix = m.slice(3);
      return cpu.setR(rd, cpu.load(rj + b.si12!, SIZE_OF[suffix]!, !suffix.endsWith('u')));
    }
    case 'st.b': case 'st.h': case 'st.w': case 'st.d':
      return cpu.store(rj + b.si12!, SIZE_OF[m.slice(3)]!, rdVal);
    case 'ldx.b': case 'ldx.h': case 'ldx.w': case 'ldx.d': case 'ldx.bu': case 'ldx.hu': case 'ldx.wu': {
      const suffix = m.slice(4);
      return cpu.setR(rd, cpu.load(rj + rk, SIZE_OF[suffix]!, !suffix.endsWith('u')));
    }
    case 'stx.b': case 'stx.h': case 'stx.w': case 'stx.d':
      return cpu.store(rj + rk, SIZE_OF[m.slice(4)]!, rdVal);
    case 'ldptr.w': return cpu.setR(rd, cpu.load(rj + b.si14s2!, 4, true));
    case 'ldptr.d': return cpu.setR(rd, cpu.load(rj + b.si14s2!, 8, true));
    case 'stptr.w': return cpu.store(rj + b.si14s2!, 4, rdVal);
    case 'stptr.d': return cpu.store(rj + b.si14s2!, 8, rdVal);
    case 'preld': return;

    // --- LL/SC and AM* ---
    case 'll.w': case 'll.d': {
      const size = m === 'll.w' ? 4 : 8;
      const t = cpu.atomicTarget(rj + b.si14s2!, size, LOAD);
      const v = cpu.atomicLoad(t.index, size);
      cpu.llbit = true;
      cpu.llAddr = t.pa;
      cpu.llValue = v;
      return cpu.setR(rd, v);
    }
    case 'sc.w': case 'sc.d': {
      const size = m === 'sc.w' ? 4 : 8;
      const t = cpu.atomicTarget(rj + b.si14s2!, size, STORE);
      const ok = cpu.llbit && cpu.llAddr === t.pa && cpu.atomicCas(t.index, size, cpu.llValue, rdVal);
      cpu.llbit = false;
      return cpu.setR(rd, ok ? 1n : 0n);
    }
    case 'dbar': case 'ibar': return;

    // --- branches ---
    case 'beqz': if (rj === 0n) cpu.nextPc = pc + BigInt(f.offs21!); return;
    case 'bnez': if (rj !== 0n) cpu.nextPc = pc + BigInt(f.offs21!); return;
    case 'beq': if (rj === rdVal) cpu.nextPc = pc + BigInt(f.offs16!); return;
    case 'bne': if (rj !== rdVal) cpu.nextPc = pc + BigInt(f.offs16!); return;
    case 'blt': if (rj < rdVal) cpu.nextPc = pc + BigInt(f.offs16!); return;
    case 'bge': if (rj >= rdVal) cpu.nextPc = pc + BigInt(f.offs16!); return;
    case 'bltu': if (u64(rj) < u64(rdVal)) cpu.nextPc = pc + BigInt(f.offs16!); return;
    case 'bgeu': if (u64(rj) >= u64(rdVal)) cpu.nextPc = pc + BigInt(f.offs16!); return;
    case 'b': cpu.nextPc = pc + BigInt(f.offs26!); return;
    case 'bl': cpu.setR(1, pc + 4n); cpu.nextPc = pc + BigInt(f.offs26!); return;
    case 'jirl': {
      const target = rj + BigInt(f.offs16!);
      cpu.setR(rd, pc + 4n);
      cpu.nextPc = target;
      return;
    }

    // --- system ---
    case 'syscall': throw new LaTrap(Ecode.SYS);
    case 'break': throw new LaTrap(Ecode.BRK);
    case 'hvcl':
      // Without a hypervisor (LVZ guest mode) the word is not there: it stops the CPU as unimplemented.
      if (!cpu.platform.hypercall) return cpu.stop('undefined-instruction', 'HVCL outside a zone: no hypervisor to call');
      privileged(cpu);
      return cpu.platform.hypercall(cpu, f.code15!);
    case 'rdtimel.w': case 'rdtimeh.w': case 'rdtime.d': {
      const counter = cpu.counter();
      cpu.setR(f.rj ?? 0, cpu.csr.get(Csr.TID)!);
      return cpu.setR(rd, m === 'rdtime.d' ? counter : s32(m === 'rdtimel.w' ? counter : counter >> 32n));
    }
    case 'cpucfg': {
      const index = Number(u64(rj) & 0xffffffffn);
      return cpu.setR(rd, BigInt(cpu.cpucfg[index] ?? 0) & 0xffffffffn);
    }
    case 'csrrd':
      privileged(cpu);
      return cpu.setR(rd, cpu.csrRead(f.csr!));
    case 'csrwr': {
      privileged(cpu);
      const old = cpu.csrRead(f.csr!);
      cpu.csrWrite(f.csr!, rdVal);
      return cpu.setR(rd, old);
    }
    case 'csrxchg': {
      privileged(cpu);
      const old = cpu.csrRead(f.csr!);
      const mask = u64(rj);
      cpu.csrWrite(f.csr!, rdVal, mask);
      return cpu.setR(rd, old & mask);
    }
    case 'iocsrrd.b': case 'iocsrrd.h': case 'iocsrrd.w': case 'iocsrrd.d': {
      privileged(cpu);
      const size = SIZE_OF[m.slice(8)]!;
      const address = Number(u64(rj) & 0xffffffffn);
      const v = cpu.platform.iocsr.read(address, size);
      if (v === undefined) cpu.stop('access', `IOCSR read of ${size} bytes at 0x${address.toString(16)}: nothing answers there`, BigInt(address), false);
      return cpu.setR(rd, size === 8 ? v! : BigInt.asIntN(size * 8, v!));
    }
    case 'iocsrwr.b': case 'iocsrwr.h': case 'iocsrwr.w': case 'iocsrwr.d': {
      privileged(cpu);
      const size = SIZE_OF[m.slice(8)]!;
      const address = Number(u64(rj) & 0xffffffffn);
      if (!cpu.platform.iocsr.write(address, size, BigInt.asUintN(size * 8, rdVal))) {
        cpu.stop('access', `IOCSR write of ${size} bytes at 0x${address.toString(16)}: nothing answers there`, BigInt(address), true);
      }
      return;
    }
    case 'tlbsrch': case 'tlbrd': case 'tlbwr': case 'tlbfill': case 'tlbclr': case 'tlbflush':
      privileged(cpu);
      return cpu.tlbInstruction(m);
    case 'invtlb':
      privileged(cpu);
      return cpu.invtlb(f.op5!, Number(u64(rj) & 0x3ffn), u64(rk));
    case 'lddir':
      privileged(cpu);
      return cpu.setR(rd, cpu.lddir(rj, f.ui8!));
    case 'ldpte':
      privileged(cpu);
      return cpu.ldpte(rj, f.ui8!);
    case 'cacop':
      // Cache maintenance has nothing to do on a coherent emulated memory; user code needs PLV0 for most ops.
      if (cpu.plv !== 0 && (f.op5! & 0x18) !== 0x10) throw new LaTrap(Ecode.IPE);
      return;
    case 'ertn':
      privileged(cpu);
      return cpu.ertn();
    case 'idle':
      privileged(cpu);
      cpu.idle = true;
      return;
    case 'dbcl':
      cpu.stop('undefined-instruction', 'DBCL: debug mode is not implemented');
      return;
    default:
      if (m.startsWith('am')) return amo(cpu, m, rd, rj, rk);
      if (isFloatOp(m)) return executeFloat(cpu, d, pc);
      cpu.stop('undefined-instruction', `instruction ${m} has no semantics yet`);
  }
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
function amo(cpu: LaCpu, m: string, rd: number, address: bigint, operand: bigint): void {
  const match = /^am(swap|add|and|or|xor|max|min)(?:_db)?\.(w|d)(u?)$/.exec(m);
  if (!match) throw new LaTrap(Ecode.INE);
  const [, op, width, unsigned] = match;
  const size = width === 'w' ? 4 : 8;
  // rd must differ from rj and rk (the manual makes that INE).
  const t = cpu.atomicTarget(address, size, STORE);
  const norm = (v: bigint): bigint => (size === 4 ? (unsigned ? u32(v) : s32(v)) : unsigned ? u64(v) : BigInt.asIntN(64, v));
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
}
