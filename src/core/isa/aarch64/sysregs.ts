/**
 * The EL0/EL1 system registers the A64 CPU implements, as data: name, encoding (op0, op1, CRn, CRm,
 * op2), access, the inspector group and the bit fields the register inspector decodes. system.ts gives
 * them behaviour; the disassembler names MRS/MSR operands from the same table. Also the identification
 * values: the ID registers describe exactly this CPU (ARMv8.0-A, AArch64 only at EL0/EL1, 4 KiB granule,
 * 48-bit PA, 16-bit ASID, LSE atomics, FP/AdvSIMD without half-precision arithmetic (unless the platform
 * disables FP), CRC32, no crypto, no PMU,
 * GIC system registers only on a GICv3 board).
 * Left out: debug, PMU, AArch32 and EL2/EL3 registers (EL2 belongs to the TypeScript hypervisor).
 */
import { sysKey } from './fields';

export interface SysRegField {
  readonly name: string;
  readonly lsb: number;
  readonly width: number;
  readonly meanings?: Readonly<Record<number, string>>;
}

export interface SysRegDef {
  readonly name: string;
  readonly op0: number;
  readonly op1: number;
  readonly crn: number;
  readonly crm: number;
  readonly op2: number;
  readonly access: 'rw' | 'ro' | 'wo';
  /** Inspector group. */
  readonly group: 'Exception' | 'Memory' | 'Timer' | 'Thread' | 'Identification' | 'Control' | 'Debug';
  readonly fields?: readonly SysRegField[];
}

const EL_MODES = { 0: 'EL0t', 4: 'EL1t', 5: 'EL1h' } as const;
const ONOFF = { 0: 'off', 1: 'on' } as const;

export const PSTATE_FIELDS: readonly SysRegField[] = [
  { name: 'M', lsb: 0, width: 4, meanings: EL_MODES },
  { name: 'F', lsb: 6, width: 1 }, { name: 'I', lsb: 7, width: 1 }, { name: 'A', lsb: 8, width: 1 }, { name: 'D', lsb: 9, width: 1 },
  { name: 'IL', lsb: 20, width: 1 }, { name: 'SS', lsb: 21, width: 1 },
  { name: 'V', lsb: 28, width: 1 }, { name: 'C', lsb: 29, width: 1 }, { name: 'Z', lsb: 30, width: 1 }, { name: 'N', lsb: 31, width: 1 },
];

/** Exception classes of ESR_ELx.EC that this CPU raises, with the Arm ARM's names. */
export const EXCEPTION_CLASSES: Readonly<Record<number, string>> = {
  0x00: 'Unknown reason', 0x01: 'WFI/WFE trapped', 0x07: 'FP/SIMD access trapped', 0x0e: 'Illegal execution state',
  0x15: 'SVC (AArch64)', 0x16: 'HVC (AArch64)', 0x17: 'SMC (AArch64)', 0x18: 'MSR/MRS/SYS trapped',
  0x20: 'Instruction abort, lower EL', 0x21: 'Instruction abort, same EL', 0x22: 'PC alignment fault',
  0x24: 'Data abort, lower EL', 0x25: 'Data abort, same EL', 0x26: 'SP alignment fault', 0x2f: 'SError',
  0x3c: 'BRK (AArch64)',
};

const CTL_FIELDS: readonly SysRegField[] = [
  { name: 'ENABLE', lsb: 0, width: 1, meanings: ONOFF }, { name: 'IMASK', lsb: 1, width: 1 }, { name: 'ISTATUS', lsb: 2, width: 1 },
];

function reg(name: string, op0: number, op1: number, crn: number, crm: number, op2: number, access: SysRegDef['access'], group: SysRegDef['group'], fields?: readonly SysRegField[]): SysRegDef {
  return { name, op0, op1, crn, crm, op2, access, group, ...(fields ? { fields } : {}) };
}

export const SYSTEM_REGISTERS: readonly SysRegDef[] = [
  reg('midr_el1', 3, 0, 0, 0, 0, 'ro', 'Identification', [
    { name: 'Revision', lsb: 0, width: 4 }, { name: 'PartNum', lsb: 4, width: 12 }, { name: 'Architecture', lsb: 16, width: 4 },
    { name: 'Variant', lsb: 20, width: 4 }, { name: 'Implementer', lsb: 24, width: 8 }]),
  reg('mpidr_el1', 3, 0, 0, 0, 5, 'ro', 'Identification', [
    { name: 'Aff0', lsb: 0, width: 8 }, { name: 'Aff1', lsb: 8, width: 8 }, { name: 'Aff2', lsb: 16, width: 8 },
    { name: 'MT', lsb: 24, width: 1 }, { name: 'U', lsb: 30, width: 1 }, { name: 'Aff3', lsb: 32, width: 8 }]),
  reg('revidr_el1', 3, 0, 0, 0, 6, 'ro', 'Identification'),
  // Auxiliary ID: IMPLEMENTATION DEFINED; this CPU has nothing to say there (reads 0, as QEMU's cortex-a72).
  reg('aidr_el1', 3, 1, 0, 0, 7, 'ro', 'Identification'),
  reg('id_aa64pfr0_el1', 3, 0, 0, 4, 0, 'ro', 'Identification', [
    { name: 'EL0', lsb: 0, width: 4 }, { name: 'EL1', lsb: 4, width: 4 }, { name: 'EL2', lsb: 8, width: 4 }, { name: 'EL3', lsb: 12, width: 4 },
    { name: 'FP', lsb: 16, width: 4 }, { name: 'AdvSIMD', lsb: 20, width: 4 }, { name: 'GIC', lsb: 24, width: 4 },
    { name: 'CSV2', lsb: 56, width: 4 }, { name: 'CSV3', lsb: 60, width: 4 }]),
  reg('id_aa64pfr1_el1', 3, 0, 0, 4, 1, 'ro', 'Identification'),
  reg('id_aa64dfr0_el1', 3, 0, 0, 5, 0, 'ro', 'Identification', [
    { name: 'DebugVer', lsb: 0, width: 4 }, { name: 'TraceVer', lsb: 4, width: 4 }, { name: 'PMUVer', lsb: 8, width: 4 },
    { name: 'BRPs', lsb: 12, width: 4 }, { name: 'WRPs', lsb: 20, width: 4 }, { name: 'CTX_CMPs', lsb: 28, width: 4 }]),
  reg('id_aa64dfr1_el1', 3, 0, 0, 5, 1, 'ro', 'Identification'),
  reg('id_aa64afr0_el1', 3, 0, 0, 5, 4, 'ro', 'Identification'),
  reg('id_aa64afr1_el1', 3, 0, 0, 5, 5, 'ro', 'Identification'),
  reg('id_aa64isar0_el1', 3, 0, 0, 6, 0, 'ro', 'Identification'),
  reg('id_aa64isar1_el1', 3, 0, 0, 6, 1, 'ro', 'Identification'),
  reg('id_aa64mmfr0_el1', 3, 0, 0, 7, 0, 'ro', 'Identification', [
    { name: 'PARange', lsb: 0, width: 4, meanings: { 0: '32-bit', 1: '36-bit', 2: '40-bit', 3: '42-bit', 4: '44-bit', 5: '48-bit' } },
    { name: 'ASIDBits', lsb: 4, width: 4, meanings: { 0: '8-bit', 2: '16-bit' } }, { name: 'BigEnd', lsb: 8, width: 4 },
    { name: 'SNSMem', lsb: 12, width: 4 }, { name: 'BigEndEL0', lsb: 16, width: 4 }, { name: 'TGran16', lsb: 20, width: 4 },
    { name: 'TGran64', lsb: 24, width: 4 }, { name: 'TGran4', lsb: 28, width: 4 }]),
  reg('id_aa64mmfr1_el1', 3, 0, 0, 7, 1, 'ro', 'Identification'),
  reg('id_aa64mmfr2_el1', 3, 0, 0, 7, 2, 'ro', 'Identification'),
  reg('ctr_el0', 3, 3, 0, 0, 1, 'ro', 'Identification', [
    { name: 'IminLine', lsb: 0, width: 4 }, { name: 'L1Ip', lsb: 14, width: 2 }, { name: 'DminLine', lsb: 16, width: 4 },
    { name: 'ERG', lsb: 20, width: 4 }, { name: 'CWG', lsb: 24, width: 4 }]),
  reg('dczid_el0', 3, 3, 0, 0, 7, 'ro', 'Identification', [{ name: 'BS', lsb: 0, width: 4 }, { name: 'DZP', lsb: 4, width: 1 }]),
  reg('clidr_el1', 3, 1, 0, 0, 1, 'ro', 'Identification'),
  reg('ccsidr_el1', 3, 1, 0, 0, 0, 'ro', 'Identification'),
  reg('csselr_el1', 3, 2, 0, 0, 0, 'rw', 'Identification'),
  reg('sctlr_el1', 3, 0, 1, 0, 0, 'rw', 'Control', [
    { name: 'M', lsb: 0, width: 1, meanings: { 0: 'MMU off', 1: 'MMU on' } }, { name: 'A', lsb: 1, width: 1 }, { name: 'C', lsb: 2, width: 1 },
    { name: 'SA', lsb: 3, width: 1 }, { name: 'SA0', lsb: 4, width: 1 }, { name: 'I', lsb: 12, width: 1 }, { name: 'DZE', lsb: 14, width: 1 },
    { name: 'UCT', lsb: 15, width: 1 }, { name: 'nTWI', lsb: 16, width: 1 }, { name: 'nTWE', lsb: 18, width: 1 }, { name: 'WXN', lsb: 19, width: 1 },
    { name: 'E0E', lsb: 24, width: 1 }, { name: 'EE', lsb: 25, width: 1 }, { name: 'UCI', lsb: 26, width: 1 }]),
  reg('actlr_el1', 3, 0, 1, 0, 1, 'rw', 'Control'),
  reg('cpacr_el1', 3, 0, 1, 0, 2, 'rw', 'Control', [{ name: 'FPEN', lsb: 20, width: 2 }]),
  reg('ttbr0_el1', 3, 0, 2, 0, 0, 'rw', 'Memory', [{ name: 'BADDR', lsb: 1, width: 47 }, { name: 'ASID', lsb: 48, width: 16 }]),
  reg('ttbr1_el1', 3, 0, 2, 0, 1, 'rw', 'Memory', [{ name: 'BADDR', lsb: 1, width: 47 }, { name: 'ASID', lsb: 48, width: 16 }]),
  reg('tcr_el1', 3, 0, 2, 0, 2, 'rw', 'Memory', [
    { name: 'T0SZ', lsb: 0, width: 6 }, { name: 'EPD0', lsb: 7, width: 1 }, { name: 'IRGN0', lsb: 8, width: 2 }, { name: 'ORGN0', lsb: 10, width: 2 },
    { name: 'SH0', lsb: 12, width: 2 }, { name: 'TG0', lsb: 14, width: 2, meanings: { 0: '4KB', 1: '64KB', 2: '16KB' } },
    { name: 'T1SZ', lsb: 16, width: 6 }, { name: 'A1', lsb: 22, width: 1 }, { name: 'EPD1', lsb: 23, width: 1 }, { name: 'IRGN1', lsb: 24, width: 2 },
    { name: 'ORGN1', lsb: 26, width: 2 }, { name: 'SH1', lsb: 28, width: 2 }, { name: 'TG1', lsb: 30, width: 2, meanings: { 1: '16KB', 2: '4KB', 3: '64KB' } },
    { name: 'IPS', lsb: 32, width: 3 }, { name: 'AS', lsb: 36, width: 1 }, { name: 'TBI0', lsb: 37, width: 1 }, { name: 'TBI1', lsb: 38, width: 1 }]),
  reg('spsr_el1', 3, 0, 4, 0, 0, 'rw', 'Exception', PSTATE_FIELDS),
  reg('elr_el1', 3, 0, 4, 0, 1, 'rw', 'Exception'),
  reg('sp_el0', 3, 0, 4, 1, 0, 'rw', 'Thread'),
  reg('spsel', 3, 0, 4, 2, 0, 'rw', 'Control', [{ name: 'SP', lsb: 0, width: 1 }]),
  reg('currentel', 3, 0, 4, 2, 2, 'ro', 'Control', [{ name: 'EL', lsb: 2, width: 2 }]),
  reg('daif', 3, 3, 4, 2, 1, 'rw', 'Control', [{ name: 'F', lsb: 6, width: 1 }, { name: 'I', lsb: 7, width: 1 }, { name: 'A', lsb: 8, width: 1 }, { name: 'D', lsb: 9, width: 1 }]),
  reg('nzcv', 3, 3, 4, 2, 0, 'rw', 'Control', [{ name: 'V', lsb: 28, width: 1 }, { name: 'C', lsb: 29, width: 1 }, { name: 'Z', lsb: 30, width: 1 }, { name: 'N', lsb: 31, width: 1 }]),
  reg('afsr0_el1', 3, 0, 5, 1, 0, 'rw', 'Exception'),
  reg('afsr1_el1', 3, 0, 5, 1, 1, 'rw', 'Exception'),
  reg('esr_el1', 3, 0, 5, 2, 0, 'rw', 'Exception', [
    { name: 'ISS', lsb: 0, width: 25 }, { name: 'IL', lsb: 25, width: 1 }, { name: 'EC', lsb: 26, width: 6, meanings: EXCEPTION_CLASSES }]),
  reg('far_el1', 3, 0, 6, 0, 0, 'rw', 'Exception'),
  reg('par_el1', 3, 0, 7, 4, 0, 'rw', 'Memory', [{ name: 'F', lsb: 0, width: 1 }, { name: 'FST', lsb: 1, width: 6 }, { name: 'PA', lsb: 12, width: 36 }]),
  reg('mair_el1', 3, 0, 10, 2, 0, 'rw', 'Memory'),
  reg('amair_el1', 3, 0, 10, 3, 0, 'rw', 'Memory'),
  reg('vbar_el1', 3, 0, 12, 0, 0, 'rw', 'Exception'),
  reg('isr_el1', 3, 0, 12, 1, 0, 'ro', 'Exception', [{ name: 'F', lsb: 6, width: 1 }, { name: 'I', lsb: 7, width: 1 }, { name: 'A', lsb: 8, width: 1 }]),
  reg('contextidr_el1', 3, 0, 13, 0, 1, 'rw', 'Thread'),
  reg('tpidr_el1', 3, 0, 13, 0, 4, 'rw', 'Thread'),
  reg('tpidr_el0', 3, 3, 13, 0, 2, 'rw', 'Thread'),
  reg('tpidrro_el0', 3, 3, 13, 0, 3, 'rw', 'Thread'),
  reg('cntkctl_el1', 3, 0, 14, 1, 0, 'rw', 'Timer', [
    { name: 'EL0PCTEN', lsb: 0, width: 1 }, { name: 'EL0VCTEN', lsb: 1, width: 1 }, { name: 'EL0VTEN', lsb: 8, width: 1 }, { name: 'EL0PTEN', lsb: 9, width: 1 }]),
  reg('cntfrq_el0', 3, 3, 14, 0, 0, 'rw', 'Timer'),
  reg('cntpct_el0', 3, 3, 14, 0, 1, 'ro', 'Timer'),
  reg('cntvct_el0', 3, 3, 14, 0, 2, 'ro', 'Timer'),
  reg('cntp_tval_el0', 3, 3, 14, 2, 0, 'rw', 'Timer'),
  reg('cntp_ctl_el0', 3, 3, 14, 2, 1, 'rw', 'Timer', CTL_FIELDS),
  reg('cntp_cval_el0', 3, 3, 14, 2, 2, 'rw', 'Timer'),
  reg('cntv_tval_el0', 3, 3, 14, 3, 0, 'rw', 'Timer'),
  reg('cntv_ctl_el0', 3, 3, 14, 3, 1, 'rw', 'Timer', CTL_FIELDS),
  reg('cntv_cval_el0', 3, 3, 14, 3, 2, 'rw', 'Timer'),
  reg('fpcr', 3, 3, 4, 4, 0, 'rw', 'Control', [
    { name: 'RMode', lsb: 22, width: 2, meanings: { 0: 'RN', 1: 'RP', 2: 'RM', 3: 'RZ' } }, { name: 'FZ', lsb: 24, width: 1 }, { name: 'DN', lsb: 25, width: 1 }, { name: 'AHP', lsb: 26, width: 1 }]),
  reg('fpsr', 3, 3, 4, 4, 1, 'rw', 'Control', [
    { name: 'IOC', lsb: 0, width: 1 }, { name: 'DZC', lsb: 1, width: 1 }, { name: 'OFC', lsb: 2, width: 1 }, { name: 'UFC', lsb: 3, width: 1 },
    { name: 'IXC', lsb: 4, width: 1 }, { name: 'IDC', lsb: 7, width: 1 }, { name: 'QC', lsb: 27, width: 1 }]),
  reg('mdscr_el1', 2, 0, 0, 2, 2, 'rw', 'Control'),
  reg('oslar_el1', 2, 0, 1, 0, 4, 'wo', 'Control'),
  reg('oslsr_el1', 2, 0, 1, 1, 4, 'ro', 'Control'),
  reg('osdlr_el1', 2, 0, 1, 3, 4, 'rw', 'Control'),
  reg('mdccint_el1', 2, 0, 0, 2, 0, 'rw', 'Control'),
  // Breakpoint and watchpoint registers 0 and 1: ID_AA64DFR0 announces two of each, the v8 minimum.
  ...[0, 1].flatMap((n) => [
    reg(`dbgbvr${n}_el1`, 2, 0, 0, n, 4, 'rw', 'Debug'),
    reg(`dbgbcr${n}_el1`, 2, 0, 0, n, 5, 'rw', 'Debug'),
    reg(`dbgwvr${n}_el1`, 2, 0, 0, n, 6, 'rw', 'Debug'),
    reg(`dbgwcr${n}_el1`, 2, 0, 0, n, 7, 'rw', 'Debug'),
  ]),
];

export const SYSREG_BY_KEY = new Map<number, SysRegDef>(SYSTEM_REGISTERS.map((r) => [sysKey(r.op0, r.op1, r.crn, r.crm, r.op2), r]));

/** MIDR_EL1: implementer 0 (reserved for software use), architecture 0xF (by ID registers), part 0, revision 0. */
export const MIDR = 0x000f_0000n;
/**
 * EL0 and EL1 AArch64 only, EL2 AArch64 (the hypervisor), no EL3, FP and AdvSIMD not implemented (idAa64pfr0
 * announces them when the CPU has them), no GIC
 * system registers (idAa64pfr0 adds them for a GICv3 board), CSV2 = CSV3 = 1: an interpreter does no
 * speculation, so branch-target and data leaks across contexts cannot happen (Linux then skips KPTI).
 */
export const ID_AA64PFR0 = 0x1n | (0x1n << 4n) | (0x1n << 8n) | (0xfn << 16n) | (0xfn << 20n) | (0x1n << 56n) | (0x1n << 60n);

/** With floating point enabled the FP and AdvSIMD fields read 0 (implemented, no half precision). */
export function idAa64pfr0(gicSystemRegisters: boolean, floatingPoint: boolean): bigint {
  const base = floatingPoint ? ID_AA64PFR0 & ~(0xffn << 16n) : ID_AA64PFR0;
  return base | (gicSystemRegisters ? 1n << 24n : 0n);
}
/** CRC32 instructions (CRC32 = 1), LSE atomics (Atomic = 2); no AES, SHA, RDM or dot product. */
export const ID_AA64ISAR0 = (0x1n << 16n) | (0x2n << 20n);
/**
 * Armv8 debug architecture, no PMU, BRPs = 1 and WRPs = 1 (two breakpoints and two watchpoints, the
 * minimum v8 allows; Linux's hw_breakpoint resets them at boot). Their registers hold what the guest
 * writes, but the CPU raises no breakpoint or watchpoint exceptions from them: self-hosted hardware
 * debug is not implemented (the workbench's own breakpoints and the GDB stub are the debugger).
 */
export const ID_AA64DFR0 = 0x6n | (0x1n << 12n) | (0x1n << 20n);
/** 48-bit PA, 16-bit ASIDs, 4 KiB granule only (TGran16 = 0 not supported, TGran64 = 0xF not supported). */
export const ID_AA64MMFR0 = 0x5n | (0x2n << 4n) | (0xfn << 24n);
/** 64-byte cache lines for I and D, PIPT instruction cache, 64-byte CWG/ERG. */
export const CTR = 0x8444_c004n;
/** DC ZVA permitted, 64-byte blocks. */
export const DCZID = 0x4n;
/** One level of unified cache, as far as software can tell (cache maintenance is a no-op here). */
export const CLIDR = 0x4n;
export const CCSIDR = 0x700f_e01an;
