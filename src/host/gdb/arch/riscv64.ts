/**
 * RV64GC for gdb: the standard features org.gnu.gdb.riscv.cpu (x0-x31 by ABI name, pc) and
 * org.gnu.gdb.riscv.fpu (f0-f31, fflags, frm, fcsr) with gdb's own register numbers (pc 32, f0 33,
 * fflags 66). Integer and FP registers live in the hart's shared region (hart-snapshot.ts offsets) and
 * are read and written there while the hart is held; the pc is the hart's own, so a write is handed
 * over through the debug words (DebugTable.pcWrite) and applied before the hart runs again; fcsr
 * comes from the snapshot the hart published when it stopped (read-only here).
 * The features org.gnu.gdb.riscv.csr (the CSRs the hart publishes, regnum 65 + CSR number as gdb numbers
 * them) and org.gnu.gdb.riscv.virtual (priv, regnum 4161) come from the same snapshot: `info registers
 * satp`, `p $priv` and `info all-registers` show them; writes to them are refused (the hart applies only
 * register writes it reads back before running: x, f and pc).
 */
import { DebugTable, getU64, putU64, readSnapshot, SNAPSHOT_CSRS, SNAPSHOT_F_OFFSET, SNAPSHOT_PC_OFFSET, SNAPSHOT_X_OFFSET } from '../../../core/cpu/hart-snapshot';
import { isaInspect } from '../../../core/cpu/isa-inspect';
import type { GdbArch, GdbCpu, GdbRegister } from '../arch';

const X_NAMES = ['zero', 'ra', 'sp', 'gp', 'tp', 't0', 't1', 't2', 'fp', 's1', 'a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7',
  's2', 's3', 's4', 's5', 's6', 's7', 's8', 's9', 's10', 's11', 't3', 't4', 't5', 't6'];
const F_NAMES = ['ft0', 'ft1', 'ft2', 'ft3', 'ft4', 'ft5', 'ft6', 'ft7', 'fs0', 'fs1', 'fa0', 'fa1', 'fa2', 'fa3', 'fa4', 'fa5', 'fa6', 'fa7',
  'fs2', 'fs3', 'fs4', 'fs5', 'fs6', 'fs7', 'fs8', 'fs9', 'fs10', 'fs11', 'ft8', 'ft9', 'ft10', 'ft11'];

const PC = 32;
const F0 = 33;
const FFLAGS = 66;
const FRM = 67;
const FCSR = 68;

const cpuRegisters: GdbRegister[] = [
  ...X_NAMES.map((name, i) => ({ name, regnum: i, bits: 64, type: name === 'sp' || name === 'gp' || name === 'tp' || name === 'fp' ? 'data_ptr' : name === 'ra' ? 'code_ptr' : 'int' })),
  { name: 'pc', regnum: PC, bits: 64, type: 'code_ptr' },
];
const fpuRegisters: GdbRegister[] = [
  ...F_NAMES.map((name, i) => ({ name, regnum: F0 + i, bits: 64, type: 'riscv_double', group: 'float' })),
  { name: 'fflags', regnum: FFLAGS, bits: 32, type: 'int', group: 'float' },
  { name: 'frm', regnum: FRM, bits: 32, type: 'int', group: 'float' },
  { name: 'fcsr', regnum: FCSR, bits: 32, type: 'int', group: 'float' },
];
/** gdb's first CSR regnum: CSR n is regnum 65 + n (fflags, 0x001, is 66). */
const CSR_BASE = 65;
const PRIV = CSR_BASE + 4096;
const CSRS = SNAPSHOT_CSRS.filter(([, name]) => name !== 'fcsr');
const csrRegisters: GdbRegister[] = CSRS.map(([number, name]) => ({ name, regnum: CSR_BASE + number, bits: 64, type: 'int', group: 'system' }));
const CSR_BY_REGNUM = new Map<number, string>(CSRS.map(([number, name]) => [CSR_BASE + number, name]));

const FPU_TYPES = '  <union id="riscv_double">\n    <field name="float" type="ieee_single"/>\n    <field name="double" type="ieee_double"/>\n  </union>';

function words(cpu: GdbCpu): Int32Array {
  return new Int32Array(cpu.region.buffer, cpu.region.byteOffset, cpu.region.byteLength >> 2);
}

function le(value: bigint, bytes: number): Uint8Array {
  const out = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) out[i] = Number((value >> BigInt(8 * i)) & 0xffn);
  return out;
}

function fromLe(bytes: Uint8Array): bigint {
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]!);
  return v;
}

function pcOf(cpu: GdbCpu): bigint {
  if (Atomics.load(cpu.debug, DebugTable.pcWrite) !== 0) return getU64(cpu.debug, DebugTable.pcWriteLo);
  return getU64(words(cpu), SNAPSHOT_PC_OFFSET >> 2);
}

function fcsrOf(cpu: GdbCpu): bigint {
  return readSnapshot(cpu.debug)?.csrs.get('fcsr') ?? 0n;
}

export const riscv64Gdb: GdbArch = {
  architecture: 'riscv:rv64',
  features: [
    { name: 'org.gnu.gdb.riscv.cpu', registers: cpuRegisters },
    { name: 'org.gnu.gdb.riscv.fpu', registers: fpuRegisters, types: FPU_TYPES },
    { name: 'org.gnu.gdb.riscv.csr', registers: csrRegisters },
    { name: 'org.gnu.gdb.riscv.virtual', registers: [{ name: 'priv', regnum: PRIV, bits: 64, type: 'int', group: 'system' }] },
  ],
  gRegisters: F0 + 32,
  pcRegnum: PC,
  readRegister(cpu, regnum) {
    const w = words(cpu);
    if (regnum === 0) return le(0n, 8);
    if (regnum > 0 && regnum < 32) return le(getU64(w, (SNAPSHOT_X_OFFSET >> 2) + 2 * regnum), 8);
    if (regnum === PC) return le(pcOf(cpu), 8);
    if (regnum >= F0 && regnum < F0 + 32) return le(getU64(w, (SNAPSHOT_F_OFFSET >> 2) + 2 * (regnum - F0)), 8);
    if (regnum === FFLAGS) return le(fcsrOf(cpu) & 0x1fn, 4);
    if (regnum === FRM) return le((fcsrOf(cpu) >> 5n) & 7n, 4);
    if (regnum === FCSR) return le(fcsrOf(cpu) & 0xffn, 4);
    if (regnum === PRIV) return le(BigInt(readSnapshot(cpu.debug)?.privilege ?? 0), 8);
    const csr = CSR_BY_REGNUM.get(regnum);
    if (csr !== undefined) return le(readSnapshot(cpu.debug)?.csrs.get(csr as 'satp') ?? 0n, 8);
    return undefined;
  },
  writeRegister(cpu, regnum, bytes) {
    if (bytes.length !== 8) return false;
    const value = fromLe(bytes);
    const w = words(cpu);
    if (regnum === 0) return true;
    if (regnum > 0 && regnum < 32) putU64(w, (SNAPSHOT_X_OFFSET >> 2) + 2 * regnum, value);
    else if (regnum >= F0 && regnum < F0 + 32) putU64(w, (SNAPSHOT_F_OFFSET >> 2) + 2 * (regnum - F0), value);
    else if (regnum === PC) {
      putU64(cpu.debug, DebugTable.pcWriteLo, value);
      Atomics.store(cpu.debug, DebugTable.pcWrite, 1);
    } else return false;
    return true;
  },
  translate(cpu, va, read64) {
    const snapshot = readSnapshot(cpu.debug);
    const register = (name: string): bigint | undefined =>
      name === 'priv' ? (snapshot ? BigInt(snapshot.privilege) : undefined) : snapshot?.csrs.get(name as 'satp');
    return isaInspect('riscv64')?.translate?.(va, register, read64);
  },
};
