/**
 * A64 for gdb: the standard features org.gnu.gdb.aarch64.core (x0-x30, sp, pc, cpsr) and
 * org.gnu.gdb.aarch64.fpu (v0-v31, fpsr, fpcr) with gdb's register numbers (sp 31, pc 32, cpsr 33,
 * v0 34, fpsr 66, fpcr 67). X, the stack pointers and V live in the CPU's shared region (offsets from the
 * inspector's ISA registry) and are read and written there while the CPU is held; the pc and PSTATE
 * slots are what the CPU published when it stopped; a pc write goes through the debug words; fpsr and
 * fpcr come from the published inspector snapshot (read-only). sp is SP_EL0 or SP_EL1 as PSTATE.SPSel
 * selects. The EL1 system registers a kernel or hypervisor developer reads (SCTLR, TTBRs, TCR, MAIR,
 * VBAR, ESR, FAR, ELR, SPSR, the virtual timer...) are a workbench feature of their own
 * (org.hvwb.aarch64.system, regnum 200 on), which gdb lists and prints by name (`info registers
 * esr_el1`) as it does any register of a target description; read-only, from the published snapshot.
 */
import { DebugTable, getU64, putU64 } from '../../../core/cpu/hart-snapshot';
import { isaInspect } from '../../../core/cpu/isa-inspect';
import type { GdbArch, GdbCpu, GdbRegister } from '../arch';

const SP = 31;
const PC = 32;
const CPSR = 33;
const V0 = 34;
const FPSR = 66;
const FPCR = 67;

const offsets = (): Readonly<Record<string, number>> => {
  const found = isaInspect('aarch64')?.registerOffsets;
  if (!found) throw new Error('the aarch64 registry has no register offsets');
  return found;
};

const coreRegisters: GdbRegister[] = [
  ...Array.from({ length: 31 }, (_, i) => ({ name: `x${i}`, regnum: i, bits: 64, type: 'int' })),
  { name: 'sp', regnum: SP, bits: 64, type: 'data_ptr' },
  { name: 'pc', regnum: PC, bits: 64, type: 'code_ptr' },
  { name: 'cpsr', regnum: CPSR, bits: 32, type: 'int' },
];
const fpuRegisters: GdbRegister[] = [
  ...Array.from({ length: 32 }, (_, i) => ({ name: `v${i}`, regnum: V0 + i, bits: 128, type: 'aarch64v', group: 'vector' })),
  { name: 'fpsr', regnum: FPSR, bits: 32, type: 'int', group: 'float' },
  { name: 'fpcr', regnum: FPCR, bits: 32, type: 'int', group: 'float' },
];
/** The system registers offered to gdb, by their inspector names; numbered from SYSTEM_BASE. */
const SYSTEM_BASE = 200;
const SYSTEM_NAMES = ['sctlr_el1', 'ttbr0_el1', 'ttbr1_el1', 'tcr_el1', 'mair_el1', 'vbar_el1', 'esr_el1', 'far_el1', 'elr_el1', 'spsr_el1',
  'tpidr_el1', 'tpidr_el0', 'contextidr_el1', 'cpacr_el1', 'par_el1', 'cntv_ctl_el0', 'cntv_cval_el0', 'cntkctl_el1', 'mpidr_el1', 'currentel'] as const;
const systemRegisters: GdbRegister[] = SYSTEM_NAMES.map((name, i) => ({ name, regnum: SYSTEM_BASE + i, bits: 64, type: 'int', group: 'system' }));

const FPU_TYPES = [
  '  <vector id="v2d" type="ieee_double" count="2"/>',
  '  <vector id="v2u" type="uint64" count="2"/>',
  '  <vector id="v4f" type="ieee_single" count="4"/>',
  '  <vector id="v4u" type="uint32" count="4"/>',
  '  <vector id="v16u" type="uint8" count="16"/>',
  '  <union id="aarch64v">',
  '    <field name="d" type="v2d"/>',
  '    <field name="ud" type="v2u"/>',
  '    <field name="s" type="v4f"/>',
  '    <field name="us" type="v4u"/>',
  '    <field name="b" type="v16u"/>',
  '    <field name="q" type="uint128"/>',
  '  </union>',
].join('\n');

const view = (cpu: GdbCpu): DataView => new DataView(cpu.region.buffer as ArrayBuffer, cpu.region.byteOffset, cpu.region.byteLength);

function le(value: bigint, bytes: number): Uint8Array {
  const out = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) out[i] = Number((value >> BigInt(8 * i)) & 0xffn);
  return out;
}

/** The slot gdb's sp is: SP_EL1 when PSTATE.SPSel (M[0]) is set, else SP_EL0. */
function spOffset(cpu: GdbCpu): number {
  const o = offsets();
  return (view(cpu).getUint32(o.pstate!, true) & 1) === 1 ? o.sp_el1! : o.sp_el0!;
}

export const aarch64Gdb: GdbArch = {
  architecture: 'aarch64',
  features: [
    { name: 'org.gnu.gdb.aarch64.core', registers: coreRegisters },
    { name: 'org.gnu.gdb.aarch64.fpu', registers: fpuRegisters, types: FPU_TYPES },
    { name: 'org.hvwb.aarch64.system', registers: systemRegisters },
  ],
  gRegisters: CPSR + 1,
  pcRegnum: PC,
  readRegister(cpu, regnum) {
    const o = offsets();
    const v = view(cpu);
    if (regnum >= 0 && regnum < 31) return le(v.getBigUint64(o.x! + 8 * regnum, true), 8);
    if (regnum === SP) return le(v.getBigUint64(spOffset(cpu), true), 8);
    if (regnum === PC) {
      if (Atomics.load(cpu.debug, DebugTable.pcWrite) !== 0) return le(getU64(cpu.debug, DebugTable.pcWriteLo), 8);
      return le(v.getBigUint64(o.pc!, true), 8);
    }
    if (regnum === CPSR) return le(BigInt(v.getUint32(o.pstate!, true)), 4);
    if (regnum >= V0 && regnum < V0 + 32) return new Uint8Array(cpu.region.buffer as ArrayBuffer, cpu.region.byteOffset + o.v! + 16 * (regnum - V0), 16).slice();
    if (regnum === FPSR) return le(cpu.published('fpsr') ?? 0n, 4);
    if (regnum === FPCR) return le(cpu.published('fpcr') ?? 0n, 4);
    const system = SYSTEM_NAMES[regnum - SYSTEM_BASE];
    if (system !== undefined) return le(cpu.published(system) ?? 0n, 8);
    return undefined;
  },
  writeRegister(cpu, regnum, bytes) {
    const o = offsets();
    let value = 0n;
    for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i]!);
    const v = view(cpu);
    if (regnum >= V0 && regnum < V0 + 32 && bytes.length === 16) {
      new Uint8Array(cpu.region.buffer as ArrayBuffer, cpu.region.byteOffset + o.v! + 16 * (regnum - V0), 16).set(bytes);
      return true;
    }
    if (bytes.length !== 8) return false;
    if (regnum >= 0 && regnum < 31) v.setBigUint64(o.x! + 8 * regnum, value, true);
    else if (regnum === SP) v.setBigUint64(spOffset(cpu), value, true);
    else if (regnum === PC) {
      putU64(cpu.debug, DebugTable.pcWriteLo, value);
      Atomics.store(cpu.debug, DebugTable.pcWrite, 1);
    } else return false;
    return true;
  },
  translate(cpu, va, read64) {
    return isaInspect('aarch64')?.translate?.(va, (name) => cpu.published(name), read64);
  },
};
