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
  const rd = f.rd ?? 0;
  const rjv = (): bigint => cpu.r[f.rj ?? 0]!;
  const rkv = (): bigint => cpu.r[f.rk ?? 0]!;
  const rdv = (): bigint => cpu.r[rd]!;
  const set = (v: bigint): void => cpu.setR(rd, v);
  const imm = (name: 'si12' | 'ui12' | 'si14s2' | 'si16' | 'si20' | 'ui5' | 'ui6'): bigint => BigInt(f[name] ?? 0);

  switch (m) {
    // --- arithmetic ---
    case 'add.w': return set(s32(rjv() + rkv()));
    case 'add.d': return set(rjv() + rkv());
    case 'sub.w': return set(s32(rjv() - rkv()));
    case 'sub.d': return set(rjv() - rkv());
    case 'slt': return set(rjv() < rkv() ? 1n : 0n);
    case 'sltu': return set(u64(rjv()) < u64(rkv()) ? 1n : 0n);
    case 'slti': return set(rjv() < imm('si12') ? 1n : 0n);
    case 'sltui': return set(u64(rjv()) < u64(imm('si12')) ? 1n : 0n);
    case 'maskeqz': return set(rkv() === 0n ? 0n : rjv());
    case 'masknez': return set(rkv() !== 0n ? 0n : rjv());
    case 'nor': return set(~(rjv() | rkv()));
    case 'and': return set(rjv() & rkv());
    case 'or': return set(rjv() | rkv());
    case 'xor': return set(rjv() ^ rkv());
    case 'orn': return set(rjv() | ~rkv());
    case 'andn': return set(rjv() & ~rkv());
    case 'addi.w': return set(s32(rjv() + imm('si12')));
    case 'addi.d': return set(rjv() + imm('si12'));
    case 'addu16i.d': return set(rjv() + (imm('si16') << 16n));
    case 'andi': return set(rjv() & imm('ui12'));
    case 'ori': return set(rjv() | imm('ui12'));
    case 'xori': return set(rjv() ^ imm('ui12'));
    case 'lu12i.w': return set(s32(imm('si20') << 12n));
    case 'lu32i.d': return set((u32(rdv())) | (imm('si20') << 32n));
    case 'lu52i.d': return set((rjv() & 0xfffffffffffffn) | (imm('si12') << 52n));
    case 'pcaddi': return set(pc + (imm('si20') << 2n));
    case 'pcaddu12i': return set(pc + (imm('si20') << 12n));
    case 'pcaddu18i': return set(pc + (imm('si20') << 18n));
    case 'pcalau12i': return set((pc + (imm('si20') << 12n)) & ~0xfffn);
    case 'alsl.w': return set(s32((rjv() << BigInt(f.sa2p1!)) + rkv()));
    case 'alsl.wu': return set(u32((rjv() << BigInt(f.sa2p1!)) + rkv()));
    case 'alsl.d': return set((rjv() << BigInt(f.sa2p1!)) + rkv());
    case 'mul.w': return set(s32(rjv() * rkv()));
    case 'mulh.w': return set((s32(rjv()) * s32(rkv())) >> 32n);
    case 'mulh.wu': return set(s32((u32(rjv()) * u32(rkv())) >> 32n));
    case 'mul.d': return set(rjv() * rkv());
    case 'mulh.d': return set((rjv() * rkv()) >> 64n);
    case 'mulh.du': return set((u64(rjv()) * u64(rkv())) >> 64n);
    case 'mulw.d.w': return set(s32(rjv()) * s32(rkv()));
    case 'mulw.d.wu': return set(u32(rjv()) * u32(rkv()));
    case 'div.w': case 'mod.w': case 'div.wu': case 'mod.wu': {
      const unsigned = m.endsWith('u');
      const a = unsigned ? u32(rjv()) : s32(rjv());
      const b = unsigned ? u32(rkv()) : s32(rkv());
      if (b === 0n) return set(m.startsWith('div') ? s32(a) : 0n);
      return set(s32(m.startsWith('div') ? a / b : a % b));
    }
    case 'div.d': case 'mod.d': case 'div.du': case 'mod.du': {
      const unsigned = m.endsWith('u');
      const a = unsigned ? u64(rjv()) : rjv();
      const b = unsigned ? u64(rkv()) : rkv();
      if (b === 0n) return set(m.startsWith('div') ? a : 0n);
      return set(m.startsWith('div') ? a / b : a % b);
    }

    // --- shifts ---
    case 'sll.w': return set(s32(rjv() << (rkv() & 31n)));
    case 'srl.w': return set(s32(u32(rjv()) >> (rkv() & 31n)));
    case 'sra.w': return set(s32(s32(rjv()) >> (rkv() & 31n)));
    case 'rotr.w': return set(rotr(u32(rjv()), Number(rkv() & 31n), 32));
    case 'sll.d': return set(rjv() << (rkv() & 63n));
    case 'srl.d': return set(u64(rjv()) >> (rkv() & 63n));
    case 'sra.d': return set(rjv() >> (rkv() & 63n));
    case 'rotr.d': return set(rotr(u64(rjv()), Number(rkv() & 63n), 64));
    case 'slli.w': return set(s32(rjv() << imm('ui5')));
    case 'srli.w': return set(s32(u32(rjv()) >> imm('ui5')));
    case 'srai.w': return set(s32(rjv()) >> imm('ui5'));
    case 'rotri.w': return set(rotr(u32(rjv()), f.ui5!, 32));
    case 'slli.d': return set(rjv() << imm('ui6'));
    case 'srli.d': return set(u64(rjv()) >> imm('ui6'));
    case 'srai.d': return set(rjv() >> imm('ui6'));
    case 'rotri.d': return set(rotr(u64(rjv()), f.ui6!, 64));

    // --- bit operations ---
    case 'ext.w.h': return set(BigInt.asIntN(16, rjv()));
    case 'ext.w.b': return set(BigInt.asIntN(8, rjv()));
    case 'clo.w': return set(clz(u32(~rjv()), 32));
    case 'clz.w': return set(clz(u32(rjv()), 32));
    case 'cto.w': return set(ctz(u32(~rjv()), 32));
    case 'ctz.w': return set(ctz(u32(rjv()), 32));
    case 'clo.d': return set(clz(u64(~rjv()), 64));
    case 'clz.d': return set(clz(u64(rjv()), 64));
    case 'cto.d': return set(ctz(u64(~rjv()), 64));
    case 'ctz.d': return set(ctz(u64(rjv()), 64));
    case 'revb.2h': return set(s32(reverseUnits(u32(rjv()), 32, 16, 8)));
    case 'revb.4h': return set(reverseUnits(u64(rjv()), 64, 16, 8));
    case 'revb.2w': return set(reverseUnits(u64(rjv()), 64, 32, 8));
    case 'revb.d': return set(reverseUnits(u64(rjv()), 64, 64, 8));
    case 'revh.2w': return set(reverseUnits(u64(rjv()), 64, 32, 16));
    case 'revh.d': return set(reverseUnits(u64(rjv()), 64, 64, 16));
    case 'bitrev.4b': return set(s32(bitrevBytes(u32(rjv()), 4)));
    case 'bitrev.8b': return set(bitrevBytes(u64(rjv()), 8));
    case 'bitrev.w': return set(s32(bitrev(u32(rjv()), 32)));
    case 'bitrev.d': return set(bitrev(u64(rjv()), 64));
    case 'bytepick.w': {
      const sa = BigInt(f.sa2! * 8);
      return set(s32(sa === 0n ? rkv() : (u32(rkv()) << sa) | (u32(rjv()) >> (32n - sa))));
    }
    case 'bytepick.d': {
      const sa = BigInt(f.sa3! * 8);
      return set(sa === 0n ? rkv() : (u64(rkv()) << sa) | (u64(rjv()) >> (64n - sa)));
    }
    case 'bstrins.w': case 'bstrins.d': case 'bstrpick.w': case 'bstrpick.d': {
      const word = m.endsWith('.w');
      const msb = BigInt(word ? f.msbw! : f.msbd!);
      const lsb = BigInt(word ? f.lsbw! : f.lsbd!);
      if (msb < lsb) throw new LaTrap(Ecode.INE);
      const width = msb - lsb + 1n;
      const mask = ((1n << width) - 1n) << lsb;
      if (m.startsWith('bstrins')) {
        const v = (rdv() & ~mask) | ((rjv() << lsb) & mask);
        return set(word ? s32(v) : v);
      }
      const v = (u64(rjv()) & mask) >> lsb;
      return set(word ? s32(v) : v);
    }

    // --- loads and stores ---
    case 'ld.b': case 'ld.h': case 'ld.w': case 'ld.d': case 'ld.bu': case 'ld.hu': case 'ld.wu': {
      const suffix = m.slice(3);
      return set(cpu.load(rjv() + imm('si12'), SIZE_OF[suffix]!, !suffix.endsWith('u')));
    }
    case 'st.b': case 'st.h': case 'st.w': case 'st.d':
      return cpu.store(rjv() + imm('si12'), SIZE_OF[m.slice(3)]!, rdv());
    case 'ldx.b': case 'ldx.h': case 'ldx.w': case 'ldx.d': case 'ldx.bu': case 'ldx.hu': case 'ldx.wu': {
      const suffix = m.slice(4);
      return set(cpu.load(rjv() + rkv(), SIZE_OF[suffix]!, !suffix.endsWith('u')));
    }
    case 'stx.b': case 'stx.h': case 'stx.w': case 'stx.d':
      return cpu.store(rjv() + rkv(), SIZE_OF[m.slice(4)]!, rdv());
    case 'ldptr.w': return set(cpu.load(rjv() + imm('si14s2'), 4, true));
    case 'ldptr.d': return set(cpu.load(rjv() + imm('si14s2'), 8, true));
    case 'stptr.w': return cpu.store(rjv() + imm('si14s2'), 4, rdv());
    case 'stptr.d': return cpu.store(rjv() + imm('si14s2'), 8, rdv());
    case 'preld': return;

    // --- LL/SC and AM* ---
    case 'll.w': case 'll.d': {
      const size = m === 'll.w' ? 4 : 8;
      const t = cpu.atomicTarget(rjv() + imm('si14s2'), size, LOAD);
      const v = cpu.atomicLoad(t.index, size);
      cpu.llbit = true;
      cpu.llAddr = t.pa;
      cpu.llValue = v;
      return set(v);
    }
    case 'sc.w': case 'sc.d': {
      const size = m === 'sc.w' ? 4 : 8;
      const t = cpu.atomicTarget(rjv() + imm('si14s2'), size, STORE);
      const ok = cpu.llbit && cpu.llAddr === t.pa && cpu.atomicCas(t.index, size, cpu.llValue, rdv());
      cpu.llbit = false;
      return set(ok ? 1n : 0n);
    }
    case 'dbar': case 'ibar': return;

    // --- branches ---
    case 'beqz': if (rjv() === 0n) cpu.nextPc = pc + BigInt(f.offs21!); return;
    case 'bnez': if (rjv() !== 0n) cpu.nextPc = pc + BigInt(f.offs21!); return;
    case 'beq': if (rjv() === rdv()) cpu.nextPc = pc + BigInt(f.offs16!); return;
    case 'bne': if (rjv() !== rdv()) cpu.nextPc = pc + BigInt(f.offs16!); return;
    case 'blt': if (rjv() < rdv()) cpu.nextPc = pc + BigInt(f.offs16!); return;
    case 'bge': if (rjv() >= rdv()) cpu.nextPc = pc + BigInt(f.offs16!); return;
    case 'bltu': if (u64(rjv()) < u64(rdv())) cpu.nextPc = pc + BigInt(f.offs16!); return;
    case 'bgeu': if (u64(rjv()) >= u64(rdv())) cpu.nextPc = pc + BigInt(f.offs16!); return;
    case 'b': cpu.nextPc = pc + BigInt(f.offs26!); return;
    case 'bl': cpu.setR(1, pc + 4n); cpu.nextPc = pc + BigInt(f.offs26!); return;
    case 'jirl': {
      const target = rjv() + BigInt(f.offs16!);
      set(pc + 4n);
      cpu.nextPc = target;
      return;
    }

    // --- system ---
    case 'syscall': throw new LaTrap(Ecode.SYS);
    case 'break': throw new LaTrap(Ecode.BRK);
    case 'rdtimel.w': case 'rdtimeh.w': case 'rdtime.d': {
      const counter = cpu.counter();
      cpu.setR(f.rj ?? 0, cpu.csr.get(Csr.TID)!);
      return set(m === 'rdtime.d' ? counter : s32(m === 'rdtimel.w' ? counter : counter >> 32n));
    }
    case 'cpucfg': {
      const index = Number(u64(rjv()) & 0xffffffffn);
      return set(BigInt(cpu.cpucfg[index] ?? 0) & 0xffffffffn);
    }
    case 'csrrd':
      privileged(cpu);
      return set(cpu.csrRead(f.csr!));
    case 'csrwr': {
      privileged(cpu);
      const old = cpu.csrRead(f.csr!);
      cpu.csrWrite(f.csr!, rdv());
      return set(old);
    }
    case 'csrxchg': {
      privileged(cpu);
      const old = cpu.csrRead(f.csr!);
      const mask = u64(rjv());
      cpu.csrWrite(f.csr!, rdv(), mask);
      return set(old & mask);
    }
    case 'iocsrrd.b': case 'iocsrrd.h': case 'iocsrrd.w': case 'iocsrrd.d': {
      privileged(cpu);
      const size = SIZE_OF[m.slice(8)]!;
      const address = Number(u64(rjv()) & 0xffffffffn);
      const v = cpu.platform.iocsr.read(address, size);
      if (v === undefined) cpu.stop('access', `IOCSR read of ${size} bytes at 0x${address.toString(16)}: nothing answers there`, BigInt(address), false);
      return set(size === 8 ? v! : BigInt.asIntN(size * 8, v!));
    }
    case 'iocsrwr.b': case 'iocsrwr.h': case 'iocsrwr.w': case 'iocsrwr.d': {
      privileged(cpu);
      const size = SIZE_OF[m.slice(8)]!;
      const address = Number(u64(rjv()) & 0xffffffffn);
      if (!cpu.platform.iocsr.write(address, size, BigInt.asUintN(size * 8, rdv()))) {
        cpu.stop('access', `IOCSR write of ${size} bytes at 0x${address.toString(16)}: nothing answers there`, BigInt(address), true);
      }
      return;
    }
    case 'tlbsrch': case 'tlbrd': case 'tlbwr': case 'tlbfill': case 'tlbclr': case 'tlbflush':
      privileged(cpu);
      return cpu.tlbInstruction(m);
    case 'invtlb':
      privileged(cpu);
      return cpu.invtlb(f.op5!, Number(u64(rjv()) & 0x3ffn), u64(rkv()));
    case 'lddir':
      privileged(cpu);
      return set(cpu.lddir(rjv(), f.ui8!));
    case 'ldpte':
      privileged(cpu);
      return cpu.ldpte(rjv(), f.ui8!);
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
      if (m.startsWith('am')) return amo(cpu, m, rd, rjv(), rkv());
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
