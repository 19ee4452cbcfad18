/**
 * The A64 operations the interpreter's hot loop hands off: literal and general loads and stores,
 * pairs, exclusives, LSE atomics and ordered accesses that missed the inline fast path, WFI/WFE/SEV, CLREX,
 * PSTATE and system register moves, SYS operations, exception-generating instructions and ERET.
 * The caller has synced the pc (cpu.k) and the instruction count, so any of these may raise.
 */
import { crc32 } from './alu';
import { atomicMemoryOp, compareAndSwapInstruction } from './atomics';
import type { A64Cpu } from './cpu';
import { Ec, exceptionReturn, raise, undefinedInstruction } from './exceptions';
import { sysKeyOf } from './fields';
import { executeFloat, floatTrapped, loadStoreFloat } from './fpu';
import { executeSimd } from './simd';
import { SYS_OPS } from './instructions';
import { loadExclusive, loadLiteral, loadStore, loadStoreOrdered, loadStorePair, storeExclusive } from './load-store';
import { moveSystemRegister, movePstateImmediate, mrsSlotsByKey, systemOperation } from './system';

const TWO32 = 4294967296;

/** Results of executeOther: go on with the next instruction, end the call after it, or the pc is set. */
export const NEXT = 0;
export const END = 1;
export const JUMPED = 2;

/** Operations outside the hot loop. The pc (cpu.k) and count are synced before the call. */
export function executeOther(cpu: A64Cpu, op: number, raw: number, pageLo: number, pageHi: number, k: number): number {
  switch (op) {
    case 100: {
      const t = (pageLo >>> 0) + (k << 2);
      loadLiteral(cpu, raw, t | 0, (pageHi + (t >= TWO32 ? 1 : 0)) | 0);
      return NEXT;
    }
    case 102: case 103: case 104: case 105: case 106: case 107:
      loadStore(cpu, op, raw);
      return NEXT;
    case 108: case 109: case 110:
      loadStorePair(cpu, op, raw);
      return NEXT;
    case 111: storeExclusive(cpu, raw, false); return NEXT;
    case 112: loadExclusive(cpu, raw, false); return NEXT;
    case 113: storeExclusive(cpu, raw, true); return NEXT;
    case 114: loadExclusive(cpu, raw, true); return NEXT;
    case 115: loadStoreOrdered(cpu, raw, false); return NEXT;
    case 116: loadStoreOrdered(cpu, raw, true); return NEXT;
    case 121: atomicMemoryOp(cpu, raw); return NEXT;
    case 122: compareAndSwapInstruction(cpu, raw, false); return NEXT;
    case 123: compareAndSwapInstruction(cpu, raw, true); return NEXT;
    case 33: // wfe
      if (cpu.el === 0 && (cpu.sys.sctlr & (1n << 18n)) === 0n) raise(cpu, Ec.wfx, (1 << 24) | (0xe << 20) | 1);
      if (cpu.eventRegister) {
        cpu.eventRegister = false;
        return NEXT;
      }
      cpu.exit = 'yield';
      return END;
    case 34: // wfi
      if (cpu.el === 0 && (cpu.sys.sctlr & (1n << 16n)) === 0n) raise(cpu, Ec.wfx, (1 << 24) | (0xe << 20));
      if (cpu.hasWork()) return NEXT;
      cpu.exit = 'wfi';
      return END;
    case 35: cpu.eventRegister = true; return NEXT; // sev sevl
    case 36: cpu.exAddr = -1; return NEXT; // clrex
    case 40: return movePstateImmediate(cpu, raw) ? END : NEXT;
    case 41: return systemOperation(cpu, raw, SYS_OPS.get(sysKeyOf(raw) & 0x3fff)?.[1], pageLo, pageHi) ? END : NEXT;
    case 42: return moveSystemRegister(cpu, sysKeyOf(raw), false, raw & 31) ? END : NEXT;
    case 43: {
      // At EL1 the registers translated blocks read from their state slots (system.ts mrsInline) are read
      // the same way here, without the general path's lookups and BigInt: of an arm64 boot's MRS that
      // came here, 129 K read SP_EL0 (Linux's `current`), 18 K TPIDR_EL1, 11 K TCR_EL1, 4 K DAIF.
      const slot = cpu.el === 1 ? mrsSlotsByKey().get(sysKeyOf(raw)) : undefined;
      if (slot === undefined) {
        moveSystemRegister(cpu, sysKeyOf(raw), true, raw & 31);
        return NEXT;
      }
      const rt = raw & 31;
      if (rt !== 31) {
        cpu.x[rt << 1] = cpu.slots[slot << 1]!;
        cpu.x[(rt << 1) + 1] = cpu.slots[(slot << 1) + 1]!;
      }
      return NEXT;
    }
    case 44: return raise(cpu, Ec.svc, (raw >>> 5) & 0xffff, undefined, true);
    case 45: case 46: { // hvc smc
      const sup = cpu.supervisor;
      if (cpu.el === 0 || !sup) return raise(cpu, Ec.unknown, 0);
      cpu.k = k + 1;
      sup.call(cpu, { kind: op === 45 ? 'hvc' : 'smc', imm16: (raw >>> 5) & 0xffff });
      return JUMPED;
    }
    case 47: return raise(cpu, Ec.brk, (raw >>> 5) & 0xffff);
    case 124: crc32(cpu, raw); return NEXT;
    case 130: case 131: case 132: case 133: case 134: case 135: case 136: case 137: case 138: case 139: case 140: case 141:
    case 142: case 143: case 144: case 150: case 151: case 152: case 153: case 154: case 155:
    case 156: case 157: case 158: case 159: case 160: case 161: case 162: case 163: case 164: case 165: case 166:
    case 167: case 168: case 169: case 170: case 171: case 172: case 173: case 174: case 175: case 176: case 177:
    case 178: case 179: case 180: case 181: case 182: case 183: {
      if (!cpu.floatingPoint) return undefinedInstruction(cpu, 'floating-point or SIMD instruction (FP disabled on this CPU)');
      if (floatTrapped(cpu)) return raise(cpu, Ec.fpAccess, 0x1e0_0000);
      const t = (pageLo >>> 0) + (k << 2);
      if (op >= 150) executeSimd(cpu, op, raw);
      else if (op >= 142) loadStoreFloat(cpu, op, raw, t | 0, (pageHi + (t >= TWO32 ? 1 : 0)) | 0);
      else executeFloat(cpu, op, raw);
      return NEXT;
    }
    case 31: // eret
      if (cpu.el === 0) return raise(cpu, Ec.unknown, 0);
      exceptionReturn(cpu);
      return JUMPED;
    default:
      return undefinedInstruction(cpu, `undefined or not implemented instruction 0x${(raw >>> 0).toString(16).padStart(8, '0')}`);
  }
}
