/**
 * Control and status registers: values (readCsr/writeCsr, also used by the inspector and the
 * hypervisor) and the Zicsr instructions with their privilege, read-only, counter-enable, TVM and
 * FS=Off rules. Unimplemented CSRs read as undefined and raise illegal instruction when executed.
 * Counters: cycle and instret both follow retired instructions (one cycle per instruction); a CSR
 * write to one of them replaces that instruction's own increment, and mcountinhibit freezes them.
 * Debug triggers: the trigger CSRs exist and describe "no triggers" (see `triggerCsr`).
 * Left out: hpm counters count nothing (read zero), PMP is stored but not enforced, debug mode.
 */
import { Csr, Irq, Mstatus } from './csr-numbers';
import type { Hart } from './hart';
import { flushDataTlb, flushTlb, raise } from './mmu';
import { effectiveMip, pendingAndEnabled, updateDprv } from './trap';

export const MISA = (2n << 62n) | BigInt((1 << 0) | (1 << 2) | (1 << 3) | (1 << 5) | (1 << 8) | (1 << 12) | (1 << 18) | (1 << 20));

const MSTATUS_WRITABLE = Mstatus.SIE | Mstatus.MIE | Mstatus.SPIE | Mstatus.MPIE | Mstatus.SPP | Mstatus.MPP
  | Mstatus.FS | Mstatus.MPRV | Mstatus.SUM | Mstatus.MXR | Mstatus.TVM | Mstatus.TW | Mstatus.TSR;
const SSTATUS_MASK = Mstatus.SIE | Mstatus.SPIE | Mstatus.SPP | Mstatus.FS | Mstatus.SUM | Mstatus.MXR;
const S_INTERRUPTS = (1 << Irq.SSI) | (1 << Irq.STI) | (1 << Irq.SEI);
const ALL_INTERRUPTS = S_INTERRUPTS | (1 << Irq.MSI) | (1 << Irq.MTI) | (1 << Irq.MEI);
const MEDELEG_WRITABLE = 0xb3ff;
const STCE = 1n << 63n;
const u64 = (v: number): bigint => BigInt(v >>> 0);

function statusValue(h: Hart, mask: number, sxl: boolean): bigint {
  const lo = h.mstatus & mask;
  return u64(lo) | (BigInt(statusHighWord(lo, sxl) >>> 0) << 32n);
}

/** The high word of mstatus (`sxl`) or sstatus with low word `lo`: UXL = 2 (and SXL = 2), SD when FS is dirty. */
function statusHighWord(lo: number, sxl: boolean): number {
  return (sxl ? 0xa : 0x2) | ((lo & Mstatus.FS) === Mstatus.FS ? 0x80000000 : 0);
}

/** The time CSR: the clock in ticks, never below 0. */
function timeTicks(h: Hart): number {
  return Math.max(0, Math.floor(h.platform.clock.now()));
}

function retiredNow(h: Hart): bigint {
  return BigInt(h.retired + h.count);
}

/** mcountinhibit bits: CY (0) and IR (2) stop counters that count; HPM3..31 name counters that never do. TM (1) is zero. */
const INHIBIT_CY = 1;
const INHIBIT_IR = 4;
const INHIBIT_WRITABLE = ~2 >>> 0;

function counterValue(h: Hart, bit: number): bigint {
  if (h.mcountinhibit & bit) return bit === INHIBIT_CY ? h.cycleFrozen : h.instretFrozen;
  return BigInt.asUintN(64, retiredNow(h) + (bit === INHIBIT_CY ? h.cycleOffset : h.instretOffset));
}

/**
 * `retiring` is 1n when the write comes from a CSR instruction that is about to retire: the
 * unprivileged spec (Zicsr, "CSR access ordering") says such a write is done instead of the
 * increment, so the next instruction reads exactly the value written.
 */
function setCounter(h: Hart, bit: number, value: bigint, retiring: bigint): void {
  const v = BigInt.asUintN(64, value);
  if (bit === INHIBIT_CY) {
    if (h.mcountinhibit & bit) h.cycleFrozen = v;
    else h.cycleOffset = v - retiredNow(h) - retiring;
  } else if (h.mcountinhibit & bit) h.instretFrozen = v;
  else h.instretOffset = v - retiredNow(h) - retiring;
}

/** The write takes effect after the writing instruction: it still counts when it inhibits, not when it releases. */
function setCountInhibit(h: Hart, next: number, retiring: bigint): void {
  for (const bit of [INHIBIT_CY, INHIBIT_IR]) {
    const was = (h.mcountinhibit & bit) !== 0;
    const now = (next & bit) !== 0;
    if (was === now) continue;
    if (now) {
      const frozen = BigInt.asUintN(64, counterValue(h, bit) + retiring);
      if (bit === INHIBIT_CY) h.cycleFrozen = frozen;
      else h.instretFrozen = frozen;
    } else {
      const frozen = bit === INHIBIT_CY ? h.cycleFrozen : h.instretFrozen;
      if (bit === INHIBIT_CY) h.cycleOffset = frozen - retiredNow(h) - retiring;
      else h.instretOffset = frozen - retiredNow(h) - retiring;
    }
  }
  h.mcountinhibit = next;
}

/**
 * Sdtrig with no triggers, the way the debug specification (1.0, 5.5) allows without trapping:
 * tselect is WARL and only 0 sticks, tdata1 reads type 0 ("no trigger at this index") and ignores
 * writes, tdata2/tdata3 read 0, and tinfo reads 1 (only type 0 "supported"), so probing software
 * (OpenSBI's sbi_dbtr, Linux, debuggers) concludes there is nothing to use.
 */
function triggerCsr(n: number): bigint | undefined {
  switch (n) {
    case Csr.tselect: case Csr.tdata1: case Csr.tdata2: case Csr.tdata3: return 0n;
    case Csr.tinfo: return 1n;
    default: return undefined;
  }
}

/** AIA major interrupt priority (AIA 6.1, default order): what mtopi/stopi report first. */
const M_TOPI_ORDER = [Irq.MEI, Irq.MSI, Irq.MTI, Irq.SEI, Irq.SSI, Irq.STI];
const S_TOPI_ORDER = [Irq.SEI, Irq.SSI, Irq.STI];

/**
 * mtopi/stopi: the highest-priority interrupt pending and enabled at that level, IID << 16 | IPRIO.
 * The iprio array is read-only zero here, so IPRIO is 1 (AIA 6.3.3: the priority of a zero iprio).
 */
function topi(h: Hart, level: 'M' | 'S'): bigint {
  const enabled = effectiveMip(h) & h.mie & (level === 'M' ? ~h.mideleg : h.mideleg);
  for (const irq of level === 'M' ? M_TOPI_ORDER : S_TOPI_ORDER) if (enabled & (1 << irq)) return BigInt((irq << 16) | 1);
  return 0n;
}

/** *ireg: the major-interrupt iprio array (0x30..0x3F, even on RV64) reads zero; the IMSIC file has 0x70..0xFF. */
function indirectRead(h: Hart, level: 'M' | 'S', select: number): bigint | undefined {
  if (select >= 0x30 && select <= 0x3f) return (select & 1) === 0 ? 0n : undefined;
  if (select >= 0x70 && select <= 0xff) return h.platform.interruptFiles!.read(level, select);
  return undefined;
}

function indirectWrite(h: Hart, level: 'M' | 'S', select: number, value: bigint): void {
  if (select >= 0x70 && select <= 0xff) h.platform.interruptFiles!.write(level, select, value);
}

function aiaCsr(h: Hart, n: number): bigint | undefined {
  const files = h.platform.interruptFiles;
  if (!files) return undefined;
  switch (n) {
    case Csr.siselect: return BigInt(h.siselect);
    case Csr.sireg: return indirectRead(h, 'S', h.siselect);
    case Csr.stopei: return BigInt(files.topei('S'));
    case Csr.stopi: return topi(h, 'S');
    case Csr.miselect: return BigInt(h.miselect);
    case Csr.mireg: return indirectRead(h, 'M', h.miselect);
    case Csr.mtopei: return BigInt(files.topei('M'));
    case Csr.mtopi: return topi(h, 'M');
    default: return undefined;
  }
}

export function fpEnabled(h: Hart): boolean {
  return (h.mstatus & Mstatus.FS) !== 0;
}

export function markFpDirty(h: Hart): void {
  h.mstatus |= Mstatus.FS;
}

/** The value of CSR n without side effects or privilege checks; undefined if not implemented. */
export function readCsr(h: Hart, n: number): bigint | undefined {
  switch (n) {
    case Csr.fflags: return BigInt(h.fflags);
    case Csr.frm: return BigInt(h.frm);
    case Csr.fcsr: return BigInt((h.frm << 5) | h.fflags);
    case Csr.cycle: case Csr.mcycle: return counterValue(h, INHIBIT_CY);
    case Csr.instret: case Csr.minstret: return counterValue(h, INHIBIT_IR);
    case Csr.time: return BigInt(timeTicks(h));
    case Csr.sstatus: return statusValue(h, SSTATUS_MASK, false);
    case Csr.sie: return u64(h.mie & h.mideleg);
    case Csr.sip: return u64(effectiveMip(h) & h.mideleg);
    case Csr.stvec: return h.stvec;
    case Csr.scounteren: return u64(h.scounteren);
    case Csr.senvcfg: return h.senvcfg;
    case Csr.sscratch: return h.sscratch;
    case Csr.sepc: return h.sepc;
    case Csr.scause: return h.scause;
    case Csr.stval: return h.stval;
    case Csr.stimecmp: return BigInt.asUintN(64, h.stimecmp);
    case Csr.satp: return h.satp;
    case Csr.mstatus: return statusValue(h, 0x7fffffff, true);
    case Csr.misa: return MISA;
    case Csr.medeleg: return u64(h.medeleg);
    case Csr.mideleg: return u64(h.mideleg);
    case Csr.mie: return u64(h.mie);
    case Csr.mip: return u64(effectiveMip(h));
    case Csr.mtvec: return h.mtvec;
    case Csr.mcounteren: return u64(h.mcounteren);
    case Csr.menvcfg: return h.menvcfg;
    case Csr.mcountinhibit: return u64(h.mcountinhibit);
    case Csr.mscratch: return h.mscratch;
    case Csr.mepc: return h.mepc;
    case Csr.mcause: return h.mcause;
    case Csr.mtval: return h.mtval;
    case Csr.mvendorid: case Csr.marchid: case Csr.mimpid: case Csr.mconfigptr: return 0n;
    case Csr.mhartid: return BigInt(h.hartId);
    default:
      if (n >= 0x3a0 && n <= 0x3af) return (n & 1) === 0 ? h.pmpcfg[n - 0x3a0] : undefined;
      if (n >= 0x3b0 && n <= 0x3ef) return h.pmpaddr[n - 0x3b0];
      if ((n >= 0xc03 && n <= 0xc1f) || (n >= 0xb03 && n <= 0xb1f) || (n >= 0x323 && n <= 0x33f)) return 0n;
      return triggerCsr(n) ?? aiaCsr(h, n);
  }
}

function setMstatus(h: Hart, value: number, mask: number): void {
  let v = (h.mstatus & ~mask) | (value & mask);
  if (((v >> Mstatus.MPP_SHIFT) & 3) === 2) v &= ~Mstatus.MPP;
  const changed = h.mstatus ^ v;
  h.mstatus = v;
  if (changed & (Mstatus.SUM | Mstatus.MXR)) flushDataTlb(h);
  updateDprv(h);
}

function setMip(h: Hart, value: number, mask: number): void {
  const header = h.header;
  Atomics.or(header, 1, value & mask);
  Atomics.and(header, 1, ~(mask & ~value));
}

/**
 * Writes CSR n (WARL rules applied); false if not implemented or read-only. `retiring`: the write
 * comes from a CSR instruction (not the inspector), which matters for the counters.
 */
export function writeCsr(h: Hart, n: number, value: bigint, retiring = false): boolean {
  const lo = Number(BigInt.asUintN(32, value)) | 0;
  const self = retiring ? 1n : 0n;
  switch (n) {
    case Csr.fflags: h.fflags = lo & 31; return true;
    case Csr.frm: h.frm = lo & 7; return true;
    case Csr.fcsr: h.fflags = lo & 31; h.frm = (lo >> 5) & 7; return true;
    case Csr.mcycle: setCounter(h, INHIBIT_CY, value, self); return true;
    case Csr.minstret: setCounter(h, INHIBIT_IR, value, self); return true;
    case Csr.sstatus: setMstatus(h, lo, SSTATUS_MASK); return true;
    case Csr.sie: h.mie = (h.mie & ~h.mideleg) | (lo & h.mideleg & S_INTERRUPTS); return true;
    case Csr.sip: setMip(h, lo, h.mideleg & (1 << Irq.SSI)); return true;
    case Csr.stvec: h.stvec = BigInt.asUintN(64, value) & ~2n; return true;
    case Csr.scounteren: h.scounteren = lo & 7; return true;
    case Csr.senvcfg: h.senvcfg = value & 1n; return true;
    case Csr.sscratch: h.sscratch = BigInt.asUintN(64, value); return true;
    case Csr.sepc: h.sepc = BigInt.asUintN(64, value) & ~1n; return true;
    case Csr.scause: h.scause = BigInt.asUintN(64, value); return true;
    case Csr.stval: h.stval = BigInt.asUintN(64, value); return true;
    case Csr.stimecmp: {
      h.stimecmp = BigInt.asUintN(64, value);
      h.stimecmpTicks = h.stimecmp >= 1n << 53n ? Infinity : Number(h.stimecmp);
      return true;
    }
    case Csr.satp: {
      const v = BigInt.asUintN(64, value);
      const mode = Number(v >> 60n);
      if (mode !== 0 && mode !== 8 && mode !== 9) return true;
      h.satp = mode === 0 ? 0n : v & ((0xfn << 60n) | (0xffffn << 44n) | ((1n << 44n) - 1n));
      h.vmMode = mode;
      h.rootPpn = Number(h.satp & ((1n << 44n) - 1n));
      flushTlb(h);
      return true;
    }
    case Csr.mstatus: setMstatus(h, lo, MSTATUS_WRITABLE); return true;
    case Csr.misa: return true;
    case Csr.medeleg: h.medeleg = lo & MEDELEG_WRITABLE; return true;
    case Csr.mideleg: h.mideleg = lo & S_INTERRUPTS; return true;
    case Csr.mie: h.mie = lo & ALL_INTERRUPTS; return true;
    case Csr.mip: setMip(h, lo, (1 << Irq.SSI) | (1 << Irq.SEI) | ((h.menvcfg & STCE) === 0n ? 1 << Irq.STI : 0)); return true;
    case Csr.mtvec: h.mtvec = BigInt.asUintN(64, value) & ~2n; return true;
    case Csr.mcounteren: h.mcounteren = lo & 7; return true;
    case Csr.menvcfg: h.menvcfg = value & (STCE | 1n); return true;
    case Csr.mcountinhibit: setCountInhibit(h, lo & INHIBIT_WRITABLE, self); return true;
    case Csr.mscratch: h.mscratch = BigInt.asUintN(64, value); return true;
    case Csr.mepc: h.mepc = BigInt.asUintN(64, value) & ~1n; return true;
    case Csr.mcause: h.mcause = BigInt.asUintN(64, value); return true;
    case Csr.mtval: h.mtval = BigInt.asUintN(64, value); return true;
    case Csr.siselect: h.siselect = lo & 0xfff; return h.platform.interruptFiles !== undefined;
    case Csr.miselect: h.miselect = lo & 0xfff; return h.platform.interruptFiles !== undefined;
    case Csr.sireg: if (!h.platform.interruptFiles) return false; indirectWrite(h, 'S', h.siselect, BigInt.asUintN(64, value)); return true;
    case Csr.mireg: if (!h.platform.interruptFiles) return false; indirectWrite(h, 'M', h.miselect, BigInt.asUintN(64, value)); return true;
    case Csr.stopei: case Csr.mtopei: {
      const files = h.platform.interruptFiles;
      if (!files) return false;
      const level = n === Csr.stopei ? 'S' : 'M';
      files.claim(level, files.topei(level));
      return true;
    }
    default:
      if (n >= 0x3a0 && n <= 0x3af && (n & 1) === 0) {
        h.pmpcfg[n - 0x3a0] = BigInt.asUintN(64, value) & 0x9f9f9f9f9f9f9f9fn;
        return true;
      }
      if (n >= 0x3b0 && n <= 0x3ef) {
        h.pmpaddr[n - 0x3b0] = value & ((1n << 54n) - 1n);
        return true;
      }
      if ((n >= 0xb03 && n <= 0xb1f) || (n >= 0x323 && n <= 0x33f)) return true;
      return triggerCsr(n) !== undefined;
  }
}

function illegal(h: Hart, bits: number): never {
  raise(h, 2, BigInt(bits >>> 0));
}

/** Whether the current privilege may touch CSR n at all (beyond its privilege field). */
function accessAllowed(h: Hart, n: number): boolean {
  if (n >= Csr.cycle && n <= 0xc1f) {
    const bit = 1 << (n - Csr.cycle);
    if (h.priv < 3 && (h.mcounteren & bit) === 0) return false;
    if (h.priv === 0 && (h.scounteren & bit) === 0) return false;
    return true;
  }
  if (n <= Csr.fcsr) return (h.mstatus & Mstatus.FS) !== 0;
  if (n === Csr.satp) return !(h.priv === 1 && (h.mstatus & Mstatus.TVM) !== 0);
  if (n === Csr.stimecmp && h.priv === 1 && !h.supervisor) {
    return (h.mcounteren & 2) !== 0 && (h.menvcfg & STCE) !== 0n;
  }
  return true;
}

/**
 * CSRs whose value only matters at the next trap, trap return or floating-point instruction: a write to
 * them cannot change how the instructions after it run (fetch translation, data privilege, interrupts).
 */
const QUIET_CSRS = new Set<number>([
  Csr.fflags, Csr.frm, Csr.fcsr, Csr.stvec, Csr.sscratch, Csr.sepc, Csr.scause, Csr.stval,
  Csr.mtvec, Csr.mscratch, Csr.mepc, Csr.mcause, Csr.mtval,
]);

/** mstatus/sstatus bits whose change the instructions after the write see by themselves (checked when used). */
const QUIET_STATUS = Mstatus.SUM | Mstatus.MXR | Mstatus.FS | Mstatus.SPP | Mstatus.SPIE | Mstatus.MPIE | Mstatus.TW | Mstatus.TSR | Mstatus.TVM;

/**
 * Whether a CSR write must end the slice, so that the run loop looks at interrupts, translation and data
 * privilege before the next instruction: not for the quiet CSRs above, nor for a status write that only
 * clears SIE/MIE (Linux's local_irq_disable) or changes bits read where they are used (SUM around every
 * user copy: its data TLB flush is done by the write itself), nor for one that sets SIE/MIE while no
 * interrupt is pending. Anything else that can enable an interrupt, change the privilege of data
 * accesses or the translation ends it, as every other CSR does.
 */
function writeEndsSlice(h: Hart, n: number, old: bigint, next: bigint): boolean {
  if (QUIET_CSRS.has(n)) return false;
  if (n === Csr.sstatus || n === Csr.mstatus) {
    return statusWriteEndsSlice(h, Number(old & 0xffffffffn), Number(next & 0xffffffffn), ((old ^ next) >> 32n) !== 0n);
  }
  return true;
}

/** writeEndsSlice for mstatus/sstatus, given the low words before and after and whether the high word changed. */
function statusWriteEndsSlice(h: Hart, o: number, v: number, highChanged: boolean): boolean {
  if (highChanged) return true;
  const changed = o ^ v;
  if ((changed & ~(QUIET_STATUS | Mstatus.SIE | Mstatus.MIE)) !== 0) return true;
  // Setting SIE/MIE (Linux's local_irq_restore, ~40,000 times per boot) ends the slice only when an
  // interrupt is pending and enabled now, for the run loop to take it before the next instruction; one
  // that becomes pending later is taken where it would be with SIE already set, at the slice's end.
  return (changed & v & (Mstatus.SIE | Mstatus.MIE)) !== 0 && pendingAndEnabled(h) !== 0;
}

/**
 * A CSR instruction on sstatus, or one that only reads time, on int32 words: what the general path
 * below does, without its BigInts. Of ~230 K CSR instructions in a riscv64 Linux boot, ~165 K read or
 * set/clear sstatus (local_irq_save/restore, the trap entry) and 27 K read time. undefined: another CSR.
 */
function csrFast(h: Hart, n: number, kind: number, d: number, srcLo: number, srcHi: number, writes: boolean): boolean | undefined {
  if (n === Csr.time && !writes) {
    const t = timeTicks(h);
    h.x[d] = t | 0;
    h.x[d + 1] = Math.floor(t / 4294967296) | 0;
    return false;
  }
  if (n !== Csr.sstatus) return undefined;
  // sstatus: the S-visible bits of mstatus, its high word as statusValue makes it.
  const oldLo = h.mstatus & SSTATUS_MASK;
  const oldHi = statusHighWord(oldLo, false);
  let ends = false;
  if (writes) {
    const nextLo = kind === 0 ? srcLo : kind === 1 ? oldLo | srcLo : oldLo & ~srcLo;
    const nextHi = kind === 0 ? srcHi : kind === 1 ? oldHi | srcHi : oldHi & ~srcHi;
    setMstatus(h, nextLo, SSTATUS_MASK);
    ends = statusWriteEndsSlice(h, oldLo, nextLo, (oldHi ^ nextHi) !== 0);
  }
  if (!(kind === 0 && d === 64)) {
    h.x[d] = oldLo;
    h.x[d + 1] = oldHi;
  }
  return ends;
}

/**
 * CSRRW/S/C and their immediate forms (ops 58..63). d is the destination pair index (64 = x0),
 * a the rs1 pair index. Returns whether the slice must end after it (writeEndsSlice): a read never ends it.
 */
export function csrInstruction(h: Hart, op: number, d: number, a: number, n: number, bits: number): boolean {
  if (((n >> 8) & 3) > h.priv || !accessAllowed(h, n)) illegal(h, bits);
  const immediate = op >= 61;
  const kind = immediate ? op - 61 : op - 58;
  const writes = kind === 0 || (immediate ? ((bits >>> 15) & 31) !== 0 : a !== 0);
  if (writes && n >>> 10 === 3) illegal(h, bits);
  const fast = csrFast(h, n, kind, d, immediate ? (bits >>> 15) & 31 : h.x[a]!, immediate ? 0 : h.x[a + 1]!, writes);
  if (fast !== undefined) return fast;
  const src = immediate ? BigInt((bits >>> 15) & 31) : (BigInt(h.x[a + 1]!) << 32n) | BigInt(h.x[a]! >>> 0);
  const readsValue = !(kind === 0 && d === 64);
  const old = readCsr(h, n);
  if (old === undefined) illegal(h, bits);
  let ends = false;
  if (writes && (n === Csr.stopei || n === Csr.mtopei)) {
    ends = true;
    // AIA 3.9: a write claims the identity this same instruction read, not whatever is best by now.
    const level = n === Csr.stopei ? 'S' : 'M';
    const files = h.platform.interruptFiles!;
    files.claim(level, readsValue ? Number(old) : files.topei(level));
  } else if (writes) {
    const next = kind === 0 ? src : kind === 1 ? old | src : old & ~src;
    writeCsr(h, n, next, true);
    if (n <= Csr.fcsr) markFpDirty(h);
    ends = writeEndsSlice(h, n, old, next);
  }
  if (readsValue) {
    h.x[d] = Number(BigInt.asIntN(32, old));
    h.x[d + 1] = Number(BigInt.asIntN(32, old >> 32n));
  }
  return ends;
}
