/**
 * System instructions of the A64 CPU: MRS/MSR on the registers of sysregs.ts with their EL0 access
 * rules, MSR (immediate) to SPSel and DAIF, the SYS aliases (AT into PAR_EL1, DC ZVA, cache maintenance
 * as no-ops, TLBI by VA dropping that page and the others full flushes, the inner-shareable ones
 * broadcast through the platform as full flushes), and
 * the generic timer (CNTP/CNTV of EL0/EL1 counting the board Clock at CNTFRQ, outputs reported to the
 * platform when their level changes). Registers the CPU does not implement go to the Supervisor (e.g.
 * GIC ICC_* registers), else they are Undefined and reported.
 * Left out: CNTHCTL/CNTVOFF (EL2, the hypervisor's), event stream, debug and PMU registers.
 */
import { decodeFields, hex64, type RegisterGroup } from '../../cpu/cpu-core';
import type { A64Cpu } from './cpu';
import { Slot, SysSlot } from './cpu';
import { raise, undefinedInstruction, Ec } from './exceptions';
import { sysKey, sysKeyOf } from './fields';
import { SYS_OPS } from './instructions';
import { floatTrapped } from './fpu';
import { flushTlb, flushTlbPage, vaPageOf, zeroBlock } from './memory';
import { addressTranslate } from './mmu';
import type { ArmPlatform } from './platform';
import { sysRegName } from './disassembler';
import {
  CCSIDR, CLIDR, CTR, DCZID, ID_AA64DFR0, ID_AA64ISAR0, ID_AA64MMFR0, idAa64pfr0, MIDR, PSTATE_FIELDS, SYSREG_BY_KEY, SYSTEM_REGISTERS,
} from './sysregs';
import { asUint } from './uint';

export interface SystemState {
  sctlr: bigint; actlr: bigint; cpacr: bigint; tcr: bigint; ttbr0: bigint; ttbr1: bigint; mair: bigint; amair: bigint;
  vbar: bigint; elr: bigint; spsr: bigint; esr: bigint; far: bigint; par: bigint; afsr0: bigint; afsr1: bigint;
  contextidr: bigint; tpidr1: bigint; tpidr0: bigint; tpidrro: bigint; csselr: bigint; mdscr: bigint; osdlr: bigint; oslsr: bigint;
  mdccint: bigint;
  /** DBGBVR/DBGBCR/DBGWVR/DBGWCR 0 and 1 by name (stored only; see ID_AA64DFR0). */
  debug: Map<string, bigint>;
  cntkctl: bigint; cntfrq: bigint; cntpCtl: bigint; cntpCval: bigint; cntvCtl: bigint; cntvCval: bigint;
  /** Virtual counter offset (CNTVOFF_EL2, owned by the hypervisor). */
  cntvoff: bigint;
  mpidr: bigint;
  /** Either timer's ENABLE bit, kept as a boolean so the per-slice check allocates no bigint. */
  timersEnabled: boolean;
  /** Last level reported for each timer output. */
  vLevel: boolean;
  pLevel: boolean;
}

/** SCTLR_EL1 reset value: the v8.0 RES1 bits (29, 28, 23, 22, 20, 11), MMU and caches off. */
const SCTLR_RES1 = 0x30d0_0800n;

export function resetSystemRegisters(platform: ArmPlatform): SystemState {
  return {
    sctlr: SCTLR_RES1, actlr: 0n, cpacr: 0n, tcr: 0n, ttbr0: 0n, ttbr1: 0n, mair: 0n, amair: 0n,
    vbar: 0n, elr: 0n, spsr: 0n, esr: 0n, far: 0n, par: 0n, afsr0: 0n, afsr1: 0n,
    contextidr: 0n, tpidr1: 0n, tpidr0: 0n, tpidrro: 0n, csselr: 0n, mdscr: 0n, osdlr: 0n, oslsr: 0x8n,
    mdccint: 0n, debug: new Map(),
    cntkctl: 0n, cntfrq: BigInt(platform.timerFrequency), cntpCtl: 0n, cntpCval: 0n, cntvCtl: 0n, cntvCval: 0n,
    cntvoff: 0n, mpidr: (1n << 31n) | platform.mpidr, timersEnabled: false, vLevel: false, pLevel: false,
  };
}

function counter(cpu: A64Cpu): bigint {
  return BigInt(Math.floor(cpu.platform.clock.now()));
}

/** CTL with ISTATUS computed from the counter. */
function timerCtl(ctl: bigint, cval: bigint, count: bigint): bigint {
  const fired = (ctl & 1n) === 1n && count >= cval;
  return (ctl & 3n) | (fired ? 4n : 0n);
}

/** Recomputes both timer outputs and tells the platform about changes (between slices and on writes). */
export function updateTimers(cpu: A64Cpu): void {
  const s = cpu.sys;
  if (s.timersEnabled || s.vLevel || s.pLevel) {
    const count = counter(cpu);
    const p = timerCtl(s.cntpCtl, s.cntpCval, count) === 5n;
    const v = timerCtl(s.cntvCtl, s.cntvCval, count - s.cntvoff) === 5n;
    if (p !== s.pLevel) {
      s.pLevel = p;
      cpu.platform.timerOutput?.('physical', p);
    }
    if (v !== s.vLevel) {
      s.vLevel = v;
      cpu.platform.timerOutput?.('virtual', v);
    }
  }
}

/** Earliest Clock tick at which an enabled, unmasked timer fires (Infinity if none). */
export function nextTimerDeadline(cpu: A64Cpu): number {
  const s = cpu.sys;
  let deadline = Infinity;
  if ((s.cntpCtl & 3n) === 1n) deadline = Math.min(deadline, Number(s.cntpCval));
  if ((s.cntvCtl & 3n) === 1n) deadline = Math.min(deadline, Number(s.cntvCval + s.cntvoff));
  return deadline;
}

const EL0_TIMER: Readonly<Record<string, bigint>> = {
  cntpct_el0: 1n, cntvct_el0: 2n, cntfrq_el0: 3n,
  cntp_tval_el0: 1n << 9n, cntp_ctl_el0: 1n << 9n, cntp_cval_el0: 1n << 9n,
  cntv_tval_el0: 1n << 8n, cntv_ctl_el0: 1n << 8n, cntv_cval_el0: 1n << 8n,
};

/** Whether EL0 may access the register (the rest is Undefined at EL0). */
function el0Allowed(cpu: A64Cpu, name: string, write: boolean): boolean {
  const s = cpu.sys;
  switch (name) {
    case 'nzcv': case 'tpidr_el0': case 'fpcr': case 'fpsr': return true;
    case 'tpidrro_el0': case 'dczid_el0': return !write;
    case 'daif': return (s.sctlr & (1n << 9n)) !== 0n;
    case 'ctr_el0': return !write && (s.sctlr & (1n << 15n)) !== 0n;
    default: {
      const bit = EL0_TIMER[name];
      if (bit === undefined || (name === 'cntfrq_el0' && write)) return false;
      return (s.cntkctl & bit) !== 0n;
    }
  }
}

/** Identification registers whose value never changes (readRegister; translated blocks read them as constants, mrsInline). */
const CONSTANT_REGISTERS = new Map<string, bigint>([
  ['midr_el1', MIDR], ['revidr_el1', 0n], ['aidr_el1', 0n], ['id_aa64dfr0_el1', ID_AA64DFR0], ['id_aa64isar0_el1', ID_AA64ISAR0],
  ['id_aa64mmfr0_el1', ID_AA64MMFR0], ['ctr_el0', CTR], ['dczid_el0', DCZID], ['clidr_el1', CLIDR], ['ccsidr_el1', CCSIDR],
]);

/**
 * An MRS read inline: from a state slot (slot >= 0), else the constant `value`. One class for both, so
 * that the translator that tests it sees one hidden class (two object shapes threw its code away).
 */
export class InlineMrs {
  constructor(
    readonly slot: number,
    readonly value: bigint,
  ) {}
}

/**
 * An MRS a translated block at EL1 does itself instead of calling the interpreter (isa/aarch64/tier.ts):
 * SP_EL0 from its register slot (Linux keeps `current` there: 70 % of a boot's ~6 M system register
 * accesses read it), TPIDR_EL1 and TCR_EL1 from theirs (cpu.ts SysSlot: of the ~1.2 M accesses a boot
 * still made through the interpreter, 320 K read TPIDR_EL1 and 270 K TCR_EL1), or a constant
 * identification register (memset and the cache maintenance loops read DCZID_EL0 and CTR_EL0).
 * Undefined for the rest: their state lives in the CPU object or the clock.
 * At EL1 the interpreter reads these without a check that could trap, so the result is the same.
 */
export function mrsInline(key: number): InlineMrs | undefined {
  const name = SYSREG_BY_KEY.get(key)?.name;
  if (name === 'sp_el0') return new InlineMrs(Slot.spEl0, 0n);
  if (name === 'tpidr_el1') return new InlineMrs(SysSlot.tpidrEl1, 0n);
  if (name === 'tcr_el1') return new InlineMrs(SysSlot.tcrEl1, 0n);
  if (name === 'daif') return new InlineMrs(SysSlot.daif, 0n);
  const value = name === undefined ? undefined : CONSTANT_REGISTERS.get(name);
  return value === undefined ? undefined : new InlineMrs(-1, value);
}

let mrsSlots: ReadonlyMap<number, number> | undefined;

/**
 * The state slots of mrsInline by system register key, for the interpreter's MRS at EL1 (execute-other.ts).
 * Built on first use: cpu.ts, whose SysSlot it reads, imports this file.
 */
export function mrsSlotsByKey(): ReadonlyMap<number, number> {
  mrsSlots ??= new Map(
    [...SYSREG_BY_KEY.keys()].flatMap((key) => {
      const inline = mrsInline(key);
      return inline !== undefined && inline.slot >= 0 ? [[key, inline.slot] as const] : [];
    }),
  );
  return mrsSlots;
}

/** A write of PSTATE.DAIF a translated block at EL1 does itself (tier.ts daifWrite). */
export type DaifWrite = { kind: 'register'; rt: number } | { kind: 'set' | 'clear'; mask: number };

/**
 * MSR DAIF, Xt (op 42) and MSR DAIFSet/DAIFClr, #imm (op 40) as a block at EL1 does them: Linux's
 * local_irq_save and local_irq_restore (~320 K per boot). Undefined for every other MSR and SYS. At EL1
 * none of them traps, and they change nothing but DAIF (movePstateImmediate, writeRegister).
 */
export function daifWriteOf(op: number, raw: number): DaifWrite | undefined {
  if (op === 42) return SYSREG_BY_KEY.get(sysKeyOf(raw))?.name === 'daif' ? { kind: 'register', rt: raw & 31 } : undefined;
  if (op !== 40 || ((raw >>> 16) & 7) !== 3) return undefined;
  const op2 = (raw >>> 5) & 7;
  const mask = ((raw >>> 8) & 15) << 6;
  return op2 === 6 ? { kind: 'set', mask } : op2 === 7 ? { kind: 'clear', mask } : undefined;
}

/** SYS operations that do nothing at EL1 in this model (systemOperation): data cache maintenance. */
const NOTHING_AT_EL1 = new Set(['cvac', 'cvau', 'civac', 'ivac', 'isw', 'csw', 'cisw']);

/**
 * Whether SYS `raw` (op 41) is one a block at EL1 leaves out: DC by VA or set/way only checks that EL0 may
 * issue it (no cache is modelled, nor the translation fault a DC by VA may take). Linux cleans each
 * instruction it patches to the point of unification: ~75 K of them a boot.
 */
export function nothingAtEl1(raw: number): boolean {
  const name = SYS_OPS.get(sysKeyOf(raw) & 0x3fff)?.[1];
  return name !== undefined && NOTHING_AT_EL1.has(name);
}

function readRegister(cpu: A64Cpu, name: string): bigint | undefined {
  const s = cpu.sys;
  const constant = CONSTANT_REGISTERS.get(name);
  if (constant !== undefined) return constant;
  // The counter is read only for the registers that show it (each read asks the host's clock).
  switch (name) {
    case 'mpidr_el1': return s.mpidr;
    case 'id_aa64pfr0_el1': return idAa64pfr0(cpu.platform.gicSystemRegisters === true, cpu.floatingPoint);
    case 'fpcr': return BigInt(cpu.fpcr >>> 0);
    case 'fpsr': return BigInt(cpu.fpsr >>> 0);
    case 'sctlr_el1': return s.sctlr;
    case 'actlr_el1': return s.actlr;
    case 'cpacr_el1': return s.cpacr;
    case 'ttbr0_el1': return s.ttbr0;
    case 'ttbr1_el1': return s.ttbr1;
    case 'tcr_el1': return s.tcr;
    case 'spsr_el1': return s.spsr;
    case 'elr_el1': return s.elr;
    case 'sp_el0': return cpu.getSlot(Slot.spEl0);
    case 'spsel': return BigInt(cpu.spsel);
    case 'currentel': return BigInt(cpu.el << 2);
    case 'daif': return BigInt(cpu.daif);
    case 'nzcv': return BigInt(cpu.nzcv >>> 0);
    case 'afsr0_el1': return s.afsr0;
    case 'afsr1_el1': return s.afsr1;
    case 'esr_el1': return s.esr;
    case 'far_el1': return s.far;
    case 'par_el1': return s.par;
    case 'mair_el1': return s.mair;
    case 'amair_el1': return s.amair;
    case 'vbar_el1': return s.vbar;
    case 'isr_el1': return BigInt(((Atomics.load(cpu.header, 1) & 1) << 7) | ((Atomics.load(cpu.header, 1) & 2) << 5));
    case 'contextidr_el1': return s.contextidr;
    case 'tpidr_el1': return s.tpidr1;
    case 'tpidr_el0': return s.tpidr0;
    case 'tpidrro_el0': return s.tpidrro;
    case 'csselr_el1': return s.csselr;
    case 'cntkctl_el1': return s.cntkctl;
    case 'cntfrq_el0': return s.cntfrq;
    case 'cntpct_el0': return counter(cpu);
    case 'cntvct_el0': return counter(cpu) - s.cntvoff;
    case 'cntp_ctl_el0': return timerCtl(s.cntpCtl, s.cntpCval, counter(cpu));
    case 'cntp_cval_el0': return s.cntpCval;
    case 'cntp_tval_el0': return asUint(64, BigInt.asIntN(32, s.cntpCval - counter(cpu)));
    case 'cntv_ctl_el0': return timerCtl(s.cntvCtl, s.cntvCval, counter(cpu) - s.cntvoff);
    case 'cntv_cval_el0': return s.cntvCval;
    case 'cntv_tval_el0': return asUint(64, BigInt.asIntN(32, s.cntvCval - (counter(cpu) - s.cntvoff)));
    case 'mdscr_el1': return s.mdscr;
    case 'mdccint_el1': return s.mdccint;
    case 'oslsr_el1': return s.oslsr;
    case 'osdlr_el1': return s.osdlr;
    default:
      if (DEBUG_REGISTER.test(name)) return s.debug.get(name) ?? 0n;
      return name.startsWith('id_') ? 0n : undefined;
  }
}

/** The breakpoint/watchpoint value and control registers (0 and 1) of sysregs.ts. */
const DEBUG_REGISTER = /^dbg[bw][vc]r[01]_el1$/;

/** Writes a register; returns false if it is not writable here. */
function writeRegister(cpu: A64Cpu, name: string, v: bigint): boolean {
  const s = cpu.sys;
  switch (name) {
    case 'sctlr_el1': s.sctlr = (v & 0xffff_ffffn) | SCTLR_RES1; cpu.decodeTranslationControl(); flushTlb(cpu); return true;
    case 'tcr_el1': s.tcr = v & 0x7f_ffff_ffbfn; cpu.decodeTranslationControl(); flushTlb(cpu); return true;
    case 'ttbr0_el1': s.ttbr0 = v; cpu.decodeTranslationControl(); flushTlb(cpu); return true;
    case 'ttbr1_el1': s.ttbr1 = v; cpu.decodeTranslationControl(); flushTlb(cpu); return true;
    case 'mair_el1': s.mair = v; return true;
    case 'amair_el1': s.amair = v; return true;
    case 'actlr_el1': s.actlr = v; return true;
    case 'cpacr_el1': s.cpacr = v & (3n << 20n); return true;
    case 'spsr_el1': s.spsr = v & 0xf030_03cfn; return true;
    case 'elr_el1': s.elr = v; return true;
    case 'sp_el0': cpu.setSlot(Slot.spEl0, v); return true;
    case 'spsel': cpu.spsel = Number(v & 1n); cpu.spIdx = (cpu.spsel ? Slot.spEl1 : Slot.spEl0) * 2; return true;
    case 'daif': cpu.daif = Number(v & 0x3c0n); return true;
    case 'nzcv': cpu.nzcv = Number(v & 0xf000_0000n) | 0; return true;
    case 'afsr0_el1': s.afsr0 = v; return true;
    case 'afsr1_el1': s.afsr1 = v; return true;
    case 'esr_el1': s.esr = v & 0xffff_ffffn; return true;
    case 'far_el1': s.far = v; return true;
    case 'par_el1': s.par = v; return true;
    case 'vbar_el1': s.vbar = v & ~0x7ffn; return true;
    case 'contextidr_el1': s.contextidr = v & 0xffff_ffffn; return true;
    case 'tpidr_el1': s.tpidr1 = v; return true;
    case 'tpidr_el0': s.tpidr0 = v; return true;
    case 'tpidrro_el0': s.tpidrro = v; return true;
    case 'csselr_el1': s.csselr = v & 0xfn; return true;
    case 'cntkctl_el1': s.cntkctl = v & 0x3ffn; return true;
    case 'cntfrq_el0': s.cntfrq = v & 0xffff_ffffn; return true;
    case 'cntp_ctl_el0': s.cntpCtl = v & 3n; s.timersEnabled = ((s.cntpCtl | s.cntvCtl) & 1n) === 1n; updateTimers(cpu); return true;
    case 'cntp_cval_el0': s.cntpCval = v; updateTimers(cpu); return true;
    case 'cntp_tval_el0': s.cntpCval = asUint(64, counter(cpu) + BigInt.asIntN(32, v)); updateTimers(cpu); return true;
    case 'cntv_ctl_el0': s.cntvCtl = v & 3n; s.timersEnabled = ((s.cntpCtl | s.cntvCtl) & 1n) === 1n; updateTimers(cpu); return true;
    case 'cntv_cval_el0': s.cntvCval = v; updateTimers(cpu); return true;
    case 'cntv_tval_el0': s.cntvCval = asUint(64, counter(cpu) - s.cntvoff + BigInt.asIntN(32, v)); updateTimers(cpu); return true;
    case 'fpcr': cpu.fpcr = Number(v & 0x07c0_0000n); return true;
    case 'fpsr': cpu.fpsr = Number(v & 0x0800_009fn); return true;
    case 'mdscr_el1': s.mdscr = v; return true;
    case 'mdccint_el1': s.mdccint = v & 0x7_0000n; return true;
    case 'oslar_el1': s.oslsr = (s.oslsr & ~2n) | ((v & 1n) << 1n); return true;
    case 'osdlr_el1': s.osdlr = v & 1n; return true;
    default:
      if (!DEBUG_REGISTER.test(name)) return false;
      s.debug.set(name, v);
      return true;
  }
}

/**
 * Registers whose write changes what the interpreter's inner loop holds (translation, the fetch page,
 * the stack pointer), may unmask an interrupt, or decides whether translated blocks may do FP/SIMD
 * (CPACR_EL1, checked when a block is entered): an MSR to them ends the loop (see moveSystemRegister).
 */
const ENDS_LOOP = new Set(['sctlr_el1', 'tcr_el1', 'ttbr0_el1', 'ttbr1_el1', 'spsel', 'daif', 'cpacr_el1']);

/**
 * MRS (read) or MSR (write) of the register with encoding key `key`; Rt is the instruction's register.
 * Returns true when the interpreter must leave its inner loop after it: a write to a register of
 * ENDS_LOOP, or one the Supervisor handles (the GIC's, which may make an interrupt deliverable).
 */
export function moveSystemRegister(cpu: A64Cpu, key: number, read: boolean, rt: number): boolean {
  const def = SYSREG_BY_KEY.get(key);
  const name = def?.name ?? sysRegName(key);
  const idSpace = (key >>> 7) === ((3 << 7) | 0) && ((key >>> 3) & 15) >= 1 && ((key >>> 3) & 15) <= 7;
  if ((name === 'fpcr' || name === 'fpsr') && !cpu.floatingPoint) {
    undefinedInstruction(cpu, `${read ? 'mrs' : 'msr'} of ${name} (FP disabled on this CPU)`, 'unimplemented-register');
  }
  if (def || idSpace) {
    if (cpu.el === 0 && !el0Allowed(cpu, name, !read)) raise(cpu, Ec.unknown, 0);
    if ((name === 'fpcr' || name === 'fpsr') && floatTrapped(cpu)) raise(cpu, Ec.fpAccess, 0x1e0_0000);
    if (read && def?.access !== 'wo') {
      cpu.setX(rt, readRegister(cpu, name) ?? 0n);
      return false;
    }
    if (!read && def?.access !== 'ro') {
      const daif = cpu.daif;
      if (writeRegister(cpu, name, cpu.getX(rt))) return name === 'daif' ? unmasksPending(cpu, daif) : ENDS_LOOP.has(name);
    }
    if (!read && def?.access === 'ro') raise(cpu, Ec.unknown, 0);
  }
  const sup = cpu.supervisor;
  if (sup?.systemRegister && cpu.el === 1) {
    const r = sup.systemRegister(cpu, name, key, !read, read ? 0n : cpu.getX(rt));
    if (r !== undefined) {
      if (read && typeof r === 'bigint') cpu.setX(rt, r);
      return !read;
    }
  }
  return undefinedInstruction(cpu, `${read ? 'mrs' : 'msr'} of system register ${name} (not implemented)`, 'unimplemented-register');
}

/**
 * MSR (immediate): SPSel, DAIFSet, DAIFClr. Returns true when the interpreter must leave its inner loop
 * (the stack pointer changed, or interrupts were unmasked and the run loop must look at them).
 */
export function movePstateImmediate(cpu: A64Cpu, bits: number): boolean {
  const op1 = (bits >>> 16) & 7;
  const op2 = (bits >>> 5) & 7;
  const imm = (bits >>> 8) & 15;
  const uma = (cpu.sys.sctlr & (1n << 9n)) !== 0n;
  if (op1 === 0 && op2 === 5 && cpu.el === 1) {
    writeRegister(cpu, 'spsel', BigInt(imm & 1));
    return true;
  }
  if (op1 === 3 && (op2 === 6 || op2 === 7) && (cpu.el === 1 || uma)) {
    if (op2 === 6) {
      cpu.daif |= imm << 6;
      return false;
    }
    const before = cpu.daif;
    cpu.daif &= ~(imm << 6);
    return unmasksPending(cpu, before);
  }
  return raise(cpu, Ec.unknown, 0);
}

/**
 * After a DAIF write: whether it unmasked something while an interrupt is pending, so that the run loop
 * must take it before the next instruction. Linux restores DAIF ~150,000 times per boot; an interrupt that
 * becomes pending later is taken where it would be with the mask already clear, at the slice's end.
 */
function unmasksPending(cpu: A64Cpu, before: number): boolean {
  return (before & ~cpu.daif) !== 0 && cpu.hasWork();
}

/**
 * SYS: AT, DC, IC and TLBI operations (bits 18..5 select the operation, Rt its address). Returns true
 * when the interpreter must leave its inner loop: after TLB maintenance that may remap the code page
 * (virtual page pageLo/pageHi, where the instruction is). TLBI by VA drops that page's entries
 * (flushTlbPage), and the loop goes on unless it was the code page or everything went (a block mapping);
 * by ASID or all, everything goes: the TLBs hold no ASID.
 */
export function systemOperation(cpu: A64Cpu, bits: number, name: string | undefined, pageLo: number, pageHi: number): boolean {
  const rt = bits & 31;
  const el0 = cpu.el === 0;
  switch (name) {
    case 'zva': {
      if (el0 && (cpu.sys.sctlr & (1n << 14n)) === 0n) raise(cpu, Ec.sysreg, sysIss(bits));
      zeroBlock(cpu, cpu.x[rt << 1]! & -64, cpu.x[(rt << 1) + 1]!, cpu.el);
      return false;
    }
    case 'cvac': case 'cvau': case 'civac':
      if (el0 && (cpu.sys.sctlr & (1n << 26n)) === 0n) raise(cpu, Ec.sysreg, sysIss(bits));
      return false;
    case 'ivau':
      // Invalidates to the point of unification in the inner-shareable domain: every CPU of the zone.
      if (el0 && (cpu.sys.sctlr & (1n << 26n)) === 0n) raise(cpu, Ec.sysreg, sysIss(bits));
      cpu.tier?.codeChanged();
      cpu.platform.broadcastCodeChange?.();
      return false;
    case 'iallu': case 'ialluis':
      if (el0) raise(cpu, Ec.unknown, 0);
      cpu.tier?.codeChanged();
      if (name === 'ialluis') cpu.platform.broadcastCodeChange?.();
      return false;
    case 's1e1r': case 's1e1w': case 's1e0r': case 's1e0w':
      if (el0) raise(cpu, Ec.unknown, 0);
      addressTranslate(cpu, cpu.getX(rt), name.endsWith('w'), name.startsWith('s1e0') ? 0 : 1);
      return false;
    case 'ivac': case 'isw': case 'csw': case 'cisw':
      if (el0) raise(cpu, Ec.unknown, 0);
      return false;
    case 'vae1': case 'vale1': case 'vaae1': case 'vaale1':
    case 'vae1is': case 'vale1is': case 'vaae1is': case 'vaale1is': {
      if (el0) raise(cpu, Ec.unknown, 0);
      // Xt[43:0] is VA[55:12]; its low bits pick the TLB slot, its low word is VA[43:12].
      const vaPage = cpu.x[rt << 1]! >>> 0;
      const all = flushTlbPage(cpu, vaPage, cpu.x[(rt << 1) + 1]!);
      if (name.endsWith('is')) cpu.platform.broadcastTlbFlush?.();
      return all || vaPage === vaPageOf(pageLo, pageHi);
    }
    case 'vmalle1': case 'aside1': case 'vmalle1is': case 'aside1is':
      if (el0) raise(cpu, Ec.unknown, 0);
      flushTlb(cpu);
      if (name.endsWith('is')) cpu.platform.broadcastTlbFlush?.();
      return true;
    default:
      return undefinedInstruction(cpu, `sys operation ${sysRegName(sysKey(1, (bits >>> 16) & 7, (bits >>> 12) & 15, (bits >>> 8) & 15, (bits >>> 5) & 7))} (not implemented)`);
  }
}

/** ISS of a trapped MSR/MRS/SYS (EC 0x18): Op0, Op2, Op1, CRn, Rt, CRm, direction. */
function sysIss(bits: number): number {
  const op0 = (bits >>> 19) & 3;
  return (op0 << 20) | (((bits >>> 5) & 7) << 17) | (((bits >>> 16) & 7) << 14) | (((bits >>> 12) & 15) << 10) |
    ((bits & 31) << 5) | (((bits >>> 8) & 15) << 1) | ((bits >>> 21) & 1);
}

/** PSTATE and the system registers as inspector groups (values read without side effects). */
export function inspectGroups(cpu: A64Cpu): RegisterGroup[] {
  const pstate = BigInt(cpu.pstate());
  const groups = new Map<string, { name: string; value: string; fields?: ReturnType<typeof decodeFields> }[]>();
  groups.set('PSTATE', [{ name: 'pstate', value: hex64(pstate), fields: decodeFields(pstate, PSTATE_FIELDS) }]);
  for (const def of SYSTEM_REGISTERS) {
    if (def.access === 'wo') continue;
    const value = readRegister(cpu, def.name) ?? 0n;
    const list = groups.get(def.group) ?? [];
    list.push({ name: def.name, value: hex64(value), ...(def.fields ? { fields: decodeFields(value, def.fields) } : {}) });
    groups.set(def.group, list);
  }
  return [...groups].map(([name, registers]) => ({ name, registers }));
}

