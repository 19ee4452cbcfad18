/**
 * The A64 CPU's private state for snapshots (docs/decisions/0024): PSTATE, the EL1/EL0 system
 * registers (SystemState, generic timer included), FPCR/FPSR, the exclusive monitor and the counters;
 * X, SP, V and the header live in the shared region and are saved with it. The pc is saved by value.
 * Left out: TLBs, block sets, decoded pages and translated blocks (flushed on restore), breakpoints and
 * watchpoints (re-armed from the shared debug table), the exception being raised (transient).
 */
import { applyFields, readFields, saveFields } from '../../cpu/cpu-state';
import type { A64Cpu } from './cpu';

const ISA = 'aarch64';

export const A64_STATE_FIELDS = [
  'el', 'spsel', 'nzcv', 'daif', 'illegal', 'spIdx', 'eventRegister', 'sys', 'mmuOn', 'tcrLo', 'tcrHi',
  'exAddr', 'exSize', 'exLo', 'exHi', 'exLo2', 'exHi2', 'retired', 'faulted', 'fpcr', 'fpsr',
] as const;

export function saveA64State(cpu: A64Cpu): Uint8Array {
  return saveFields(ISA, cpu, A64_STATE_FIELDS, { pc: cpu.getPc() });
}

export function restoreA64State(cpu: A64Cpu, bytes: Uint8Array): void {
  const values = readFields(ISA, bytes, A64_STATE_FIELDS, ['pc']);
  applyFields(cpu, values, A64_STATE_FIELDS);
  cpu.decodeTranslationControl();
  cpu.setPc(values['pc'] as bigint);
  cpu.exit = '';
  cpu.loopCount = 0;
  cpu.flushTlb();
  cpu.decPages.clear();
  cpu.tier?.codeChanged();
  cpu.publishPstate();
}
