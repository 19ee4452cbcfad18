/**
 * VMSAv8-64 stage-1 translation of the EL1&0 regime: 4 KiB granule, 25- to 48-bit input ranges from
 * T0SZ/T1SZ (39- and 48-bit VA as Linux uses them), the TTBR0/TTBR1 split on VA bit 55 with top-byte
 * ignore, hierarchical APTable/UXNTable/PXNTable, the access flag (no hardware update in v8.0),
 * AP/UXN/PXN permissions with WXN, and AT S1E{0,1}{R,W} into PAR_EL1. Translation table walks read
 * guest-physical memory through the hypervisor's stage 2 when there is one.
 * Left out: 16/64 KiB granules (ID_AA64MMFR0 says so), contiguous-bit hints, memory attributes other
 * than reporting MAIR's attribute in PAR_EL1, and TLB entries tagged by ASID (every TTBR/TCR change
 * and every TLBI flushes the whole TLB, which over-invalidates as the architecture allows).
 */
import type { A64Cpu } from './cpu';
import { abort, raiseFault, TRAP } from './exceptions';
import { Stage2 } from './platform';

export type Access = 0 | 1 | 2;
const WRITE = 1;
const FETCH = 2;

/** Fault status codes (DFSC/IFSC) without the level. */
export const Fsc = { addressSize: 0x00, translation: 0x04, accessFlag: 0x08, permission: 0x0c, walkExternal: 0x14 } as const;

/** Attributes of the last successful walk, for AT (PAR_EL1). */
let lastAttrIndex = 0;
let lastShare = 0;

/** Reads a descriptor: returns its low word, leaves the high word in `descHi`. */
let descHi = 0;
function readTableEntry(cpu: A64Cpu, pa: number, level: number, lo: number, hi: number, access: Access): number {
  let off: number;
  const sup = cpu.supervisor;
  if (sup) {
    off = sup.translate(pa, 8, 'read');
    if (off === Stage2.fault || off === Stage2.trap) {
      raiseFault(cpu, 'stage2', `stage-2 fault on a translation table walk at guest-physical 0x${pa.toString(16)}`, BigInt(pa), 8, false);
    }
  } else if (pa >= cpu.ramBase && pa + 8 <= cpu.ramBase + cpu.ramSize) {
    off = pa - cpu.ramBase;
  } else if (!cpu.moreBanks || (off = cpu.platform.bus.ramOffset(pa, 8)) < 0) {
    return fault(cpu, lo, hi, access, Fsc.walkExternal + level);
  }
  descHi = cpu.view.getInt32(off + 4, true);
  return cpu.view.getInt32(off, true);
}

function fault(cpu: A64Cpu, lo: number, hi: number, access: Access, fsc: number): never {
  return abort(cpu, (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0), access, fsc);
}

/** Bits 47..12 of a descriptor (lo/hi words) as a physical address (also the SMMU's stage-2 walk, stage2-walk.ts). */
export function outputAddress(dlo: number, dhi: number): number {
  return (dhi & 0xffff) * 4294967296 + ((dlo & -4096) >>> 0);
}

/** Bytes a descriptor maps at each level (2 ** shift: a variable power is a call of Math.pow). */
const LEVEL_SPAN = [2 ** 39, 2 ** 30, 2 ** 21, 2 ** 12];

/** The 9-bit (or, at the start level, `bits`-bit) table index of the VA at `shift` (12, 21, 30 or 39). */
function tableIndex(lo: number, hi: number, shift: number, bits: number): number {
  const mask = (1 << bits) - 1;
  if (shift >= 32) return (hi >>> (shift - 32)) & mask;
  if (shift === 30) return ((hi << 2) | (lo >>> 30)) & mask;
  return (lo >>> shift) & mask;
}

/**
 * Stage-1 translation of the VA lo/hi for `access` with the permissions of `el`. Returns the physical
 * (or intermediate physical) address; raises the guest's translation, access flag or permission fault.
 * Plain number arithmetic on the VA's words and the descriptors' words: this runs on every TLB miss.
 */
export function translateStage1(cpu: A64Cpu, lo: number, hi: number, access: Access, el: number): number {
  if (!cpu.mmuOn) {
    // MMU off: flat mapping; addresses beyond the 48-bit PA range give an address size fault.
    if ((hi & 0xffff0000) !== 0) return fault(cpu, lo, hi, access, Fsc.addressSize);
    return (hi & 0xffff) * 4294967296 + (lo >>> 0);
  }
  const upper = ((hi >>> 23) & 1) === 1;
  const tcr = cpu.tcrLo;
  const tsz = upper ? (tcr >>> 16) & 63 : tcr & 63;
  const epd = upper ? (tcr >>> 23) & 1 : (tcr >>> 7) & 1;
  const tbi = access !== FETCH && (upper ? (cpu.tcrHi >>> 6) & 1 : (cpu.tcrHi >>> 5) & 1) === 1;
  const inputBits = 64 - Math.min(Math.max(tsz, 16), 39);
  // VA bits [top-1 : inputBits] must all equal bit 55's side (TBI: the top byte is ignored).
  const hiMask = (tbi ? 0x00ff_ffff : -1) & (inputBits >= 32 ? ~((1 << (inputBits - 32)) - 1) : -1);
  const loMask = inputBits >= 32 ? 0 : ~((1 << inputBits) - 1);
  const canonical = upper ? (hi & hiMask) === hiMask && (lo & loMask) === loMask : (hi & hiMask) === 0 && (lo & loMask) === 0;
  if (!canonical || epd === 1) return fault(cpu, lo, hi, access, Fsc.translation + 0);
  const startLevel = 4 - Math.ceil((inputBits - 12) / 9);
  let table = upper ? cpu.ttbr1Table : cpu.ttbr0Table;
  let apTable = 0;
  let xnTable = 0;
  let pxnTable = 0;
  for (let level = startLevel; ; level++) {
    const shift = 12 + 9 * (3 - level);
    const index = tableIndex(lo, hi, shift, level === startLevel ? inputBits - shift : 9);
    const dlo = readTableEntry(cpu, table + index * 8, level, lo, hi, access);
    const dhi = descHi;
    if ((dlo & 1) === 0) return fault(cpu, lo, hi, access, Fsc.translation + level);
    if (level < 3 && (dlo & 2) !== 0) {
      apTable |= (dhi >>> 29) & 3;
      xnTable |= (dhi >>> 28) & 1;
      pxnTable |= (dhi >>> 27) & 1;
      table = outputAddress(dlo, dhi);
      continue;
    }
    if (level === 0 || (level === 3 && (dlo & 2) === 0)) return fault(cpu, lo, hi, access, Fsc.translation + level);
    if ((dlo & 0x400) === 0) return fault(cpu, lo, hi, access, Fsc.accessFlag + level);
    const ap = (dlo >>> 6) & 3;
    const el0Access = (ap & 1) === 1 && (apTable & 1) === 0;
    const readOnly = (ap & 2) === 2 || (apTable & 2) !== 0;
    const uxn = ((dhi >>> 22) & 1) === 1 || xnTable === 1;
    const pxn = ((dhi >>> 21) & 1) === 1 || pxnTable === 1;
    const wxn = cpu.wxn && !readOnly;
    let allowed: boolean;
    if (el === 0) {
      allowed = el0Access && (access === WRITE ? !readOnly : access === FETCH ? !uxn && !wxn : true);
    } else {
      allowed = access === WRITE ? !readOnly : access === FETCH ? !pxn && !wxn && !(el0Access && !readOnly) : true;
    }
    if (!allowed) return fault(cpu, lo, hi, access, Fsc.permission + level);
    if (level === 2) cpu.blocks2M.add((hi & 0xff_ffff) * 2048 + (lo >>> 21));
    else if (level === 1) cpu.blocks1G.add((hi & 0xff_ffff) * 4 + (lo >>> 30));
    lastAttrIndex = (dlo >>> 2) & 7;
    lastShare = (dlo >>> 8) & 3;
    // Block or page: output address bits above `shift`, the VA's bits below it.
    const base = outputAddress(dlo, dhi);
    const within = shift >= 32 ? (hi & ((1 << (shift - 32)) - 1)) * 4294967296 + (lo >>> 0) : shift === 30 ? (lo & 0x3fff_ffff) >>> 0 : (lo & ((1 << shift) - 1)) >>> 0;
    return base - (base % LEVEL_SPAN[level]!) + within;
  }
}

/**
 * AT S1E1R, S1E1W, S1E0R, S1E0W: translates without raising anything and writes PAR_EL1 (F = 0 with
 * PA, SH and the MAIR attribute; or F = 1 with the fault status).
 */
export function addressTranslate(cpu: A64Cpu, va: bigint, write: boolean, el: number): void {
  const saved = [cpu.excClass, cpu.excIss, cpu.excFar] as const;
  cpu.quiet = true;
  try {
    const pa = translateStage1(cpu, Number(BigInt.asIntN(32, va)), Number(BigInt.asIntN(32, va >> 32n)), write ? WRITE : 0, el);
    const attr = (cpu.sys.mair >> BigInt(lastAttrIndex * 8)) & 0xffn;
    const share = cpu.mmuOn ? BigInt(lastShare) : 0n;
    cpu.sys.par = (attr << 56n) | (BigInt(pa) & 0x0000_ffff_ffff_f000n) | (share << 7n);
  } catch (e) {
    if (e !== TRAP) throw e;
    cpu.sys.par = 1n | (BigInt(cpu.excIss & 0x3f) << 1n);
  } finally {
    [cpu.excClass, cpu.excIss, cpu.excFar] = saved;
    cpu.quiet = false;
  }
}
