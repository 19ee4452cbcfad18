/**
 * The interpreter's slow dispatch: system instructions (ECALL, EBREAK, xRET, WFI, SFENCE.VMA,
 * FENCE.I, Zicsr), atomics and floating point. Under a Supervisor, ECALL from S-mode is an SBI call
 * handled by the hypervisor instead of a trap to M-mode, which is not emulated then.
 */
import { Cause, Mstatus } from './csr-numbers';
import { csrInstruction } from './csr';
import { executeAtomic } from './amo';
import { executeFloat } from './fpu';
import type { Hart } from './hart';
import { fenceInstructions, flushTlb, flushTlbPage, raise } from './mmu';
import { mret, sret } from './trap';

/** Go on with the next instruction in the same block. */
export const SLOW_CONTINUE = 0;
/** Go to the next instruction but end the block (interrupts and timers are checked first). */
export const SLOW_END_SEQUENTIAL = 1;
/** The instruction set the pc itself; end the block. */
export const SLOW_END_JUMPED = 2;
/**
 * Go to the next instruction, looking at the code again first (FENCE.I): the interpreter enters the
 * page anew, which checks its decoded slots against RAM, and a block leaves; the slice goes on.
 */
export const SLOW_REENTER = 3;

function illegal(h: Hart, bits: number): never {
  raise(h, Cause.illegal, BigInt(((bits & 3) === 3 ? bits : bits & 0xffff) >>> 0));
}

export function executeSlow(h: Hart, w: number, imm: number, bits: number): number {
  const op = w & 255;
  const d = (w >>> 8) & 127;
  const a = (w >>> 15) & 127;
  const b = (w >>> 22) & 127;
  if (op >= 100 && op <= 161) {
    executeFloat(h, op, d, a, b, imm, bits);
    return SLOW_CONTINUE;
  }
  if (op >= 77 && op <= 98) {
    executeAtomic(h, op, d, a, b, bits);
    return SLOW_CONTINUE;
  }
  switch (op) {
    case 51: // fence.i
      fenceInstructions(h);
      return SLOW_REENTER;
    case 52: { // ecall
      const sup = h.supervisor;
      if (sup && h.priv === 1) {
        const before = h.getPc();
        sup.ecall(h);
        if (h.faulted || h.getPc() !== before) return SLOW_END_JUMPED;
        return SLOW_END_SEQUENTIAL;
      }
      raise(h, h.priv === 0 ? Cause.ecallU : h.priv === 1 ? Cause.ecallS : Cause.ecallM, 0n);
    }
    case 53: // ebreak
      raise(h, Cause.breakpoint, h.getPc());
    case 54: // mret
      if (h.priv !== 3) illegal(h, bits);
      mret(h);
      return SLOW_END_JUMPED;
    case 55: // sret
      if (h.priv === 0 || (h.priv === 1 && (h.mstatus & Mstatus.TSR) !== 0 && !h.supervisor)) illegal(h, bits);
      sret(h);
      return SLOW_END_JUMPED;
    case 56: // wfi
      if (h.priv === 0 || (h.priv === 1 && (h.mstatus & Mstatus.TW) !== 0 && !h.supervisor)) illegal(h, bits);
      if (!h.hasWakeup()) h.exit = 'wfi';
      return SLOW_END_SEQUENTIAL;
    case 57: // sfence.vma
      if (h.priv === 0 || (h.priv === 1 && (h.mstatus & Mstatus.TVM) !== 0 && !h.supervisor)) illegal(h, bits);
      // rs1 = x0: every address; otherwise one page (the rs2 ASID changes nothing: entries carry none).
      if (a === 0) {
        flushTlb(h);
        return SLOW_END_SEQUENTIAL;
      }
      flushTlbPage(h, h.x[a]!);
      // Linux fences one page for every PTE it changes (fixmap, memblock, vmalloc): only a fence of the
      // page the hart is fetching from must end the slice (the interpreter holds that page's translation).
      return (h.x[a]! & -4096) === h.pageLo && h.x[a + 1] === h.pageHi ? SLOW_END_SEQUENTIAL : SLOW_CONTINUE;
    case 58: case 59: case 60: case 61: case 62: case 63:
      return csrInstruction(h, op, d, a, imm, bits) ? SLOW_END_SEQUENTIAL : SLOW_CONTINUE;
    default:
      illegal(h, bits);
  }
}
