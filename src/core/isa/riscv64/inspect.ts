/**
 * The RISC-V hart's registers as CpuCore.inspect() gives them: named groups an arch-neutral inspector
 * can draw (the A64 CPU gives its own in isa/aarch64/system.ts). CSR values and fields come from the
 * same decoder the worker's snapshot uses (cpu/hart-snapshot.ts), so both views agree. Computed on the
 * hart's thread with no side effects: CSR reads here are the side-effect-free ones of csr.ts, and the pc
 * is computed from the execution position instead of being published to the shared words.
 */
import { decodeFields, hex64, type RegisterGroup, type RegisterValue } from '../../cpu/cpu-core';
import { decodeSnapshotCsrs, SNAPSHOT_CSRS, type SnapshotCsrName } from '../../cpu/hart-snapshot';
import { readCsr } from './csr';
import type { Hart } from './hart';
import { ABI_NAMES, FP_ABI_NAMES } from './instructions';

const PRIVILEGE_FIELDS = [{ name: 'mode', lsb: 0, width: 2, meanings: { 0: 'U', 1: 'S', 3: 'M' } }] as const;

/** The pc without touching the shared pc words (the halfword index may point one page further). */
function pcOf(hart: Hart): bigint {
  const lo = (hart.pageLo + (hart.h << 1)) | 0;
  const hi = (hart.pageHi + ((lo >>> 0) < (hart.pageLo >>> 0) ? 1 : 0)) | 0;
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

export function inspectHart(hart: Hart): RegisterGroup[] {
  const general: RegisterValue[] = [{ name: 'pc', value: hex64(pcOf(hart)) }];
  ABI_NAMES.forEach((name, i) => general.push({ name, value: hex64(hart.getX(i)) }));
  const float: RegisterValue[] = FP_ABI_NAMES.map((name, i) => ({ name, value: hex64(hart.getF(i)) }));
  const priv = BigInt(hart.priv);
  const csrs = new Map<SnapshotCsrName, bigint>();
  for (const [number, name] of SNAPSHOT_CSRS) csrs.set(name, readCsr(hart, number) ?? 0n);
  const supervisor: RegisterValue[] = [];
  const machine: RegisterValue[] = [];
  for (const csr of decodeSnapshotCsrs(csrs)) {
    const value: RegisterValue = { name: csr.name, value: csr.value, fields: csr.fields };
    if (csr.name === 'fcsr') float.push(value);
    else (csr.name.startsWith('m') ? machine : supervisor).push(value);
  }
  return [
    { name: 'General', registers: general },
    { name: 'Privilege', registers: [{ name: 'priv', value: hex64(priv), fields: decodeFields(priv, PRIVILEGE_FIELDS) }] },
    { name: 'Supervisor', registers: supervisor },
    { name: 'Machine', registers: machine },
    { name: 'Float', registers: float },
  ];
}
