/**
 * The RV64 hart's private state for snapshots (docs/decisions/0024): the CSRs and the privilege the
 * hart keeps in its object, the LR reservation and the counters; x, f and the header live in the shared
 * region and are saved with it. The pc is saved by value (the hart keeps it as page + halfword).
 * Left out on purpose: TLBs, the decode cache, the translation tier's blocks (flushed on restore), the
 * debugger's breakpoints and watchpoints (re-armed from the shared debug table), transient trap words.
 */
import { readFields, saveFields, applyFields } from '../../cpu/cpu-state';
import type { Hart } from './hart';

const ISA = 'riscv64';

/** Every field of Hart that holds architectural state outside the shared region. */
export const HART_STATE_FIELDS = [
  'priv', 'dprv', 'mstatus', 'medeleg', 'mideleg', 'mie', 'mtvec', 'stvec', 'mepc', 'sepc', 'mcause', 'scause',
  'mtval', 'stval', 'mscratch', 'sscratch', 'satp', 'vmMode', 'rootPpn', 'mcounteren', 'scounteren', 'menvcfg',
  'senvcfg', 'stimecmp', 'stimecmpTicks', 'mcountinhibit', 'miselect', 'siselect', 'cycleOffset', 'instretOffset',
  'cycleFrozen', 'instretFrozen', 'pmpcfg', 'pmpaddr', 'frm', 'fflags', 'resAddr', 'resSize', 'resValue',
  'retired', 'faulted',
] as const;

export function saveHartState(hart: Hart): Uint8Array {
  return saveFields(ISA, hart, HART_STATE_FIELDS, { pc: hart.getPc() });
}

export function restoreHartState(hart: Hart, bytes: Uint8Array): void {
  const values = readFields(ISA, bytes, HART_STATE_FIELDS, ['pc']);
  applyFields(hart, values, HART_STATE_FIELDS);
  hart.setPc(values['pc'] as bigint);
  hart.exit = '';
  hart.loopCause = -1;
  hart.flushTlb();
}
