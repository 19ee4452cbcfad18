/**
 * Exceptions of the A64 CPU taken to EL1: synchronous ones with the ESR_EL1 syndromes of the Arm ARM
 * (Unknown, SVC, BRK, instruction and data aborts, PC alignment, MSR/MRS traps), IRQ and FIQ from the
 * pending word, VBAR_EL1 vectors by source (current EL with SP_EL0 / SP_ELx, lower EL AArch64), and
 * ERET. Guest errors the machine cannot continue from (stage-2 faults, a handler that faults on its
 * own first instruction over and over) stop the CPU with a CpuFaultReport instead.
 * Left out: SError generation, AArch32 lower-EL vectors, exceptions to EL2/EL3 (the hypervisor is
 * TypeScript and sees HVC/SMC/stage-2 through the Supervisor interface).
 */
import { CpuWord, type CpuFaultReport } from '../../cpu/cpu-core';
import { IrqEventKind } from '../../cpu/irq-trace';
import { HartWord } from '../../cpu/hart-header';
import { Slot, type A64Cpu } from './cpu';
import { disassemble } from './disassembler';
import { resolveFetch } from './memory';
import type { Access } from './mmu';
import { asUint } from './uint';

/** Thrown (never as an Error) to unwind from the point an exception is raised to the run loop. */
export const TRAP = { trap: 'a64' } as const;

export const Ec = {
  unknown: 0x00, wfx: 0x01, fpAccess: 0x07, illegalState: 0x0e, svc: 0x15, hvc: 0x16, smc: 0x17, sysreg: 0x18,
  iabtLower: 0x20, iabtSame: 0x21, pcAlign: 0x22, dabtLower: 0x24, dabtSame: 0x25, spAlign: 0x26, brk: 0x3c,
} as const;

/** Consecutive faults at the handler's own entry before the CPU stops with a trap-loop report. */
const TRAP_LOOP_LIMIT = 16;

/** Raises a synchronous exception to EL1. `next`: the exception returns past the instruction (SVC). */
export function raise(cpu: A64Cpu, ec: number, iss: number, far?: bigint, next = false): never {
  cpu.excClass = ec;
  cpu.excIss = iss;
  cpu.excFar = far;
  cpu.excNext = next;
  throw TRAP;
}

/** An instruction or data abort for `va` with fault status `fsc` (level included). */
export function abort(cpu: A64Cpu, va: bigint, access: Access, fsc: number): never {
  if (access === 2) return raise(cpu, cpu.el === 0 ? Ec.iabtLower : Ec.iabtSame, fsc, va);
  return raise(cpu, cpu.el === 0 ? Ec.dabtLower : Ec.dabtSame, fsc | (access === 1 ? 1 << 6 : 0), va);
}

export function dataAbort(cpu: A64Cpu, lo: number, hi: number, write: boolean, fsc: number): never {
  return abort(cpu, (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0), write ? 1 : 0, fsc);
}

/** The instruction word at the pc, if the pc translates to RAM. */
function currentWord(cpu: A64Cpu): number | undefined {
  const off = resolveFetch(cpu, cpu.getPc());
  return off >= 0 ? cpu.i32[off >>> 2]! >>> 0 : undefined;
}

function report(cpu: A64Cpu, kind: CpuFaultReport['kind'], message: string, extra: Partial<CpuFaultReport> = {}): CpuFaultReport {
  const encoding = currentWord(cpu);
  const pc = cpu.getPc();
  return {
    cpu: cpu.cpuId, pc, kind, message,
    ...(encoding !== undefined ? { encoding, disassembly: disassemble(encoding, pc) ?? 'unallocated' } : {}),
    ...extra,
  };
}

/** Stops the CPU on a guest error the machine cannot continue from. */
export function raiseFault(cpu: A64Cpu, kind: CpuFaultReport['kind'], message: string, address?: bigint, size?: number, isWrite?: boolean): never {
  if (!cpu.quiet) {
    cpu.faulted = true;
    cpu.platform.fault(report(cpu, kind, message, {
      ...(address !== undefined ? { address } : {}), ...(size !== undefined ? { size } : {}), ...(isWrite !== undefined ? { isWrite } : {}),
    }));
  }
  throw TRAP;
}

/**
 * An encoding or system register this CPU does not implement: reported to the platform, then an
 * Undefined exception for the guest (or a stop if the platform says so).
 */
export function undefinedInstruction(cpu: A64Cpu, what: string, kind: CpuFaultReport['kind'] = 'undefined-instruction'): never {
  const r = report(cpu, kind, what);
  if (cpu.platform.unimplemented?.(r) === 'stop') {
    cpu.faulted = true;
    cpu.platform.fault(r);
    throw TRAP;
  }
  return raise(cpu, Ec.unknown, 0);
}

function vectorBase(cpu: A64Cpu): bigint {
  const offset = cpu.el === 0 ? 0x400n : cpu.spsel ? 0x200n : 0n;
  return (cpu.sys.vbar & ~0x7ffn) + offset;
}

/** Saves PSTATE and the return address, switches to EL1h with DAIF masked and jumps to the vector. */
function enterEl1(cpu: A64Cpu, returnPc: bigint, vector: bigint): void {
  cpu.sys.spsr = BigInt(cpu.pstate());
  cpu.sys.elr = returnPc;
  cpu.el = 1;
  cpu.spsel = 1;
  cpu.spIdx = Slot.spEl1 * 2;
  cpu.daif = 0x3c0;
  cpu.illegal = 0;
  cpu.exAddr = -1;
  cpu.setPc(vector);
}

/** Takes the synchronous exception raised in the interpreter (called by the run loop after TRAP). */
export function deliverException(cpu: A64Cpu): void {
  const pc = cpu.getPc();
  const vector = vectorBase(cpu);
  if (pc === vector && cpu.excClass !== Ec.svc && cpu.excClass !== Ec.brk) {
    if (++cpu.loopCount >= TRAP_LOOP_LIMIT) {
      cpu.faulted = true;
      cpu.platform.fault(report(cpu, 'trap-loop', `exception class 0x${cpu.excClass.toString(16)} repeats at its own vector (VBAR_EL1 0x${cpu.sys.vbar.toString(16)})`));
      return;
    }
  } else cpu.loopCount = 0;
  cpu.sys.esr = BigInt(((cpu.excClass << 26) | (1 << 25) | (cpu.excIss & 0x1ffffff)) >>> 0);
  if (cpu.excFar !== undefined) cpu.sys.far = asUint(64, cpu.excFar);
  const returnPc = cpu.excElr ?? (cpu.excNext ? pc + 4n : pc);
  cpu.excElr = undefined;
  enterEl1(cpu, asUint(64, returnPc), vector);
}

/** The cause an interrupt taken is recorded with on the interrupt timeline (cpu-models.ts names them). */
export const A64InterruptCause = { irq: 1, fiq: 2 } as const;

/** Takes a pending, unmasked FIQ or IRQ (checked between slices). */
export function checkInterrupts(cpu: A64Cpu): void {
  const pending = Atomics.load(cpu.header, CpuWord.pending);
  if (pending === 0) return;
  let offset: bigint;
  let cause: number;
  if ((pending & 2) !== 0 && (cpu.daif & 0x40) === 0) {
    offset = 0x100n;
    cause = A64InterruptCause.fiq;
  } else if ((pending & 1) !== 0 && (cpu.daif & 0x80) === 0) {
    offset = 0x80n;
    cause = A64InterruptCause.irq;
  } else return;
  const trace = cpu.trace;
  if (trace !== undefined && trace.on) {
    trace.record(IrqEventKind.delivered, 0, -1, cpu.cpuId, cause | ((Atomics.load(cpu.header, HartWord.zoneSlot) & 0xff) << 8), trace.now());
  }
  cpu.loopCount = 0;
  enterEl1(cpu, cpu.getPc(), vectorBase(cpu) + offset);
}

/** ERET at EL1: restores PSTATE from SPSR_EL1 (an illegal mode sets PSTATE.IL) and jumps to ELR_EL1. */
export function exceptionReturn(cpu: A64Cpu): void {
  const spsr = Number(cpu.sys.spsr & 0xffff_ffffn);
  cpu.exAddr = -1;
  const target = cpu.sys.elr;
  if (!cpu.setPstate(spsr)) {
    cpu.setPc(target);
    raise(cpu, Ec.illegalState, 0);
  }
  cpu.setPc(target);
}
