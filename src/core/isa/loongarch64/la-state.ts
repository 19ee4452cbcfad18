/**
 * The LA64 CPU's private state for snapshots (docs/decisions/0024): the CSRs, the software-managed TLB
 * (architectural state on LoongArch, unlike the other ISAs' caches), FCC/FCSR, LL/SC, the constant
 * timer and IDLE; r0..r31, the pc, the FPRs and the LSX registers' high halves (cpu.ts LA_VHI_OFFSET)
 * live in the shared region and are saved with it.
 * Left out: the decode cache (cleared on restore), breakpoints (re-armed from the debug table).
 */
import { applyFields, readFields, saveFields } from '../../cpu/cpu-state';

const ISA = 'loongarch64';

export const LA_STATE_FIELDS = [
  'fcc', 'fcsr', 'csr', 'tlb', 'idle', 'llbit', 'llAddr', 'llValue', 'timerDeadline', 'timerPeriod', 'ownIs', 'retired', 'faulted',
] as const;

export function saveLaState(cpu: object): Uint8Array {
  return saveFields(ISA, cpu, LA_STATE_FIELDS);
}

/** Applies a saved state; the caller clears its decode cache and bumps the TLB generation. */
export function restoreLaState(cpu: object, bytes: Uint8Array): void {
  applyFields(cpu, readFields(ISA, bytes, LA_STATE_FIELDS), LA_STATE_FIELDS);
}
