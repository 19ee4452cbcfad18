/**
 * Memory access of the A64 CPU outside the interpreter's inline fast path: the per-thread TLBs (read,
 * write, fetch; direct mapped, tagged by virtual page and exception level), translation through the
 * stage-1 MMU (mmu.ts) and the hypervisor's stage 2, RAM through typed arrays, devices through the
 * AddressSpace or the Supervisor's MMIO emulation, accesses that cross a page, and the exclusive
 * monitor. Left out: alignment faults (SCTLR.A, Device memory with the MMU off), big-endian data,
 * memory attributes beyond what AT reports.
 */
import { BusError } from '../../bus/address-space';
import type { A64Cpu } from './cpu';
import { abort, dataAbort, raiseFault, TRAP } from './exceptions';
import { translateStage1, type Access } from './mmu';
import { Stage2 } from './platform';
import { emptyTlb, fillTlbEntry, TLB_ENTRY } from '../../cpu/soft-tlb';

export const TLB_SIZE = 4096;
export const TLB_MASK = TLB_SIZE - 1;
export const READ = 0;
export const WRITE = 1;
export const FETCH = 2;

export function flushTlb(cpu: A64Cpu): void {
  emptyTlb(cpu.rTlb);
  emptyTlb(cpu.wTlb);
  cpu.xTag.fill(-1);
  cpu.tier?.forgetJumps();
  cpu.blocks2M.clear();
  cpu.blocks1G.clear();
}

/** VA[43:12] of the address lo/hi as an unsigned word: how a TLBI operand's low word names a page. */
export function vaPageOf(lo: number, hi: number): number {
  return ((lo >>> 12) | ((hi & 0xfff) << 20)) >>> 0;
}

/**
 * TLBI by VA, with the operand's words (Xt[43:0] = VA[55:12]): drops the page's entries (its slot in each
 * TLB, whatever the EL, ASID or high VA bits). The TLBs hold 4 KiB slices, so a TLBI of a VA inside a block
 * mapping they may hold slices of must drop the others too: then everything goes. (Linux maps its linear
 * map with blocks and invalidates page-mapped VAs: a full flush on each of those cost a boot 114,000.)
 * Returns true when everything went.
 */
export function flushTlbPage(cpu: A64Cpu, vaPage: number, vaPageHi: number): boolean {
  if (cpu.blocks2M.has((vaPageHi & 0xfff) * 0x80_0000 + (vaPage >>> 9)) || cpu.blocks1G.has((vaPageHi & 0xfff) * 0x4000 + (vaPage >>> 18))) {
    flushTlb(cpu);
    return true;
  }
  const t = vaPage & TLB_MASK;
  cpu.rTlb[t * TLB_ENTRY] = -1;
  cpu.wTlb[t * TLB_ENTRY] = -1;
  cpu.xTag[t] = -1;
  cpu.tier?.forgetJumpsInPage(vaPage >>> 0);
  return false;
}

/**
 * DC ZVA of the 64-byte block at lo/hi (aligned by the caller): one translation and a fill of RAM; the
 * first doubleword goes through store() so that faults, device memory and TLB filling are as for STR.
 */
export function zeroBlock(cpu: A64Cpu, lo: number, hi: number, el: number): void {
  const e = ((lo >>> 12) & TLB_MASK) * TLB_ENTRY;
  const tag = (lo & -4096) | el;
  const wt = cpu.wTlb;
  if (wt[e] !== tag || wt[e + 1] !== hi) {
    store(cpu, lo, hi, 8, 0, 0, el);
    if (wt[e] !== tag || wt[e + 1] !== hi) {
      for (let i = 8; i < 64; i += 8) store(cpu, (lo + i) | 0, hi, 8, 0, 0, el);
      return;
    }
  }
  const w = (wt[e + 2]! + (lo & 0xfff)) >> 2;
  cpu.i32.fill(0, w, w + 16);
}

/** Where the last non-RAM translation went: a physical (or, under a supervisor, guest-physical) address. */
let busAddress = 0;
let busTrapped = false;

/**
 * Translates a virtual address for an access of `size` bytes at exception level `el`; returns the RAM
 * span offset (see AddressSpace.ramSpan), or -1 when the address is not RAM (then busAddress/busTrapped say where it goes). Fills the
 * TLB for RAM pages. Raises the guest's fault (TRAP) or stops the CPU on a stage-2 fault.
 */
export function translate(cpu: A64Cpu, lo: number, hi: number, access: Access, el: number, size: number): number {
  // A page with a watchpoint never enters the TLBs: every access to it comes here and is checked.
  const watched = cpu.wpCount !== 0 && access !== FETCH && checkWatch(cpu, lo, hi, access, size);
  const pa = translateStage1(cpu, lo, hi, access, el);
  return physical(cpu, pa, access, size, lo, hi, el, !watched);
}

/**
 * Data watchpoints (A64Cpu.setWatchpoints): true when the access's page holds a watched range of its
 * kind; an access that overlaps one stops the CPU before it is done (TRAP with cpu.watchStop, the pc on
 * the instruction), except the first access of the instruction the CPU stopped on, which resuming executes.
 */
function checkWatch(cpu: A64Cpu, lo: number, hi: number, access: Access, size: number): boolean {
  const bit = access === WRITE ? 1 : 2;
  const va = (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
  const pageStart = va - BigInt(lo & 0xfff);
  const pageEnd = pageStart + 4096n;
  const end = va + BigInt(size);
  let watched = false;
  for (let i = 0; i < cpu.wpCount; i++) {
    if ((cpu.wpKind[i]! & bit) === 0 || cpu.wpStart[i]! >= pageEnd || cpu.wpEnd[i]! <= pageStart) continue;
    watched = true;
    if (cpu.wpStart[i]! >= end || cpu.wpEnd[i]! <= va) continue;
    const pc = cpu.getPc();
    if (cpu.wpPass === pc) {
      cpu.wpPass = undefined;
      return true;
    }
    cpu.wpHit = { address: va, kind: bit };
    cpu.wpPass = pc;
    cpu.watchStop = true;
    throw TRAP;
  }
  if (watched && cpu.wpPass !== undefined && cpu.wpPass !== cpu.getPc()) cpu.wpPass = undefined;
  return watched;
}

function physical(cpu: A64Cpu, pa: number, access: Access, size: number, lo: number, hi: number, el: number, fill = true): number {
  let off: number;
  const sup = cpu.supervisor;
  if (sup) {
    off = sup.translate(pa, size, access === FETCH ? 'fetch' : access === WRITE ? 'write' : 'read');
    if (off === Stage2.trap) {
      busAddress = pa;
      busTrapped = true;
      return -1;
    }
    if (off === Stage2.fault) {
      raiseFault(cpu, 'stage2', `stage-2 fault: ${['read', 'write', 'fetch'][access]} of ${size} byte(s) at guest-physical 0x${pa.toString(16)}`, BigInt(pa), size, access === WRITE);
    }
  } else if (pa >= cpu.ramBase && pa + size <= cpu.ramBase + cpu.ramSize) {
    off = pa - cpu.ramBase;
  } else if (!cpu.moreBanks || (off = cpu.platform.bus.ramOffset(pa, size)) < 0) {
    busAddress = pa;
    busTrapped = false;
    return -1;
  }
  const host = off - (pa & 0xfff);
  if (host >= 0 && host + 4096 <= cpu.spanSize) {
    // A store into a page the tier made blocks of: they check their code before they next run (and
    // the page stays out of the write TLB, so the next store comes here too).
    const code = access === WRITE && cpu.codePage[host >>> 12] !== 0;
    if (code) cpu.tier?.codeChanged();
    if (!fill) return off;
    const t = (lo >>> 12) & TLB_MASK;
    const e = t * TLB_ENTRY;
    const tag = (lo & -4096) | el;
    if (access === READ || access === WRITE) {
      // A page that holds code was written before (and its stores all come here): only data pages are
      // news to the prefaulter.
      if (access === WRITE && !code) {
        fillTlbEntry(cpu.wTlb, e, tag, hi, host);
        if (cpu.ramHints !== undefined) cpu.ramHints.note(host);
      }
      fillTlbEntry(cpu.rTlb, e, tag, hi, host);
    } else {
      cpu.xTag[t] = tag; cpu.xHi[t] = hi; cpu.xHost[t] = host;
    }
  }
  return off;
}

/** Reads a device (or trapped MMIO region) at the address the last translate() left. */
function deviceRead(cpu: A64Cpu, size: 1 | 2 | 4 | 8, lo: number, hi: number): number {
  if (busTrapped) {
    const v = cpu.supervisor!.mmioRead(cpu, busAddress, size);
    cpu.tmpHi = Number(BigInt.asIntN(32, v >> 32n));
    return Number(BigInt.asIntN(32, v));
  }
  try {
    const v = cpu.platform.bus.read(busAddress, size);
    cpu.tmpHi = size === 8 ? cpu.platform.bus.high | 0 : 0;
    return v | 0;
  } catch (e) {
    if (!(e instanceof BusError)) throw e;
    return dataAbort(cpu, lo, hi, false, 0x10);
  }
}

function deviceWrite(cpu: A64Cpu, size: 1 | 2 | 4 | 8, vlo: number, vhi: number, lo: number, hi: number): void {
  if (busTrapped) {
    cpu.supervisor!.mmioWrite(cpu, busAddress, size, (BigInt(vhi >>> 0) << 32n) | BigInt(vlo >>> 0));
    return;
  }
  try {
    cpu.platform.bus.write(busAddress, size, size === 4 || size === 8 ? vlo >>> 0 : vlo & (size === 1 ? 0xff : 0xffff), vhi >>> 0);
  } catch (e) {
    if (!(e instanceof BusError)) throw e;
    dataAbort(cpu, lo, hi, true, 0x10);
  }
}

/** Moves the pc to `byteOff` bytes from the start of the page pageLo/pageHi (any distance; updates cpu). */
export function leavePage(cpu: A64Cpu, pageLo: number, pageHi: number, byteOff: number): void {
  const lo = addOffset(cpu, pageLo, pageHi, byteOff);
  cpu.pageLo = lo & -4096;
  cpu.pageHi = cpu.tmpHi;
  cpu.k = (lo & 0xfff) >>> 2;
}

/** Adds a byte offset to a lo/hi virtual address; the high word goes to cpu.tmpHi. */
function addOffset(cpu: A64Cpu, lo: number, hi: number, off: number): number {
  const s = (lo >>> 0) + off;
  cpu.tmpHi = (hi + (s >= 4294967296 ? 1 : s < 0 ? -1 : 0)) | 0;
  return s | 0;
}

/**
 * Loads `size` bytes (zero-extended) at a virtual address; for size 8 the high word is left in
 * cpu.tmpHi. `el` is the exception level whose permissions apply (0 for LDTR at EL1).
 */
export function load(cpu: A64Cpu, lo: number, hi: number, size: 1 | 2 | 4 | 8, el: number): number {
  if ((lo & 0xfff) + size > 4096) {
    let vlo = 0;
    let vhi = 0;
    for (let i = 0; i < size; i++) {
      const blo = addOffset(cpu, lo, hi, i);
      const byte = load(cpu, blo, cpu.tmpHi, 1, el);
      if (i < 4) vlo |= byte << (i * 8);
      else vhi |= byte << ((i - 4) * 8);
    }
    cpu.tmpHi = vhi;
    return vlo;
  }
  const e = ((lo >>> 12) & TLB_MASK) * TLB_ENTRY;
  const rt = cpu.rTlb;
  let off: number;
  if (rt[e] === ((lo & -4096) | el) && rt[e + 1] === hi) off = rt[e + 2]! + (lo & 0xfff);
  else {
    off = translate(cpu, lo, hi, READ, el, size);
    if (off < 0) return deviceRead(cpu, size, lo, hi);
  }
  const v = cpu.view;
  switch (size) {
    case 1: cpu.tmpHi = 0; return cpu.u8[off]!;
    case 2: cpu.tmpHi = 0; return v.getUint16(off, true);
    case 4: cpu.tmpHi = 0; return v.getInt32(off, true);
    default:
      cpu.tmpHi = v.getInt32(off + 4, true);
      return v.getInt32(off, true);
  }
}

/** Stores `size` bytes of vlo (and vhi for size 8) at a virtual address. */
export function store(cpu: A64Cpu, lo: number, hi: number, size: 1 | 2 | 4 | 8, vlo: number, vhi: number, el: number): void {
  if ((lo & 0xfff) + size > 4096) {
    // Translate both pages first so that a fault leaves memory unchanged.
    translateOnly(cpu, lo, hi, WRITE, el);
    const endLo = addOffset(cpu, lo, hi, size - 1);
    translateOnly(cpu, endLo, cpu.tmpHi, WRITE, el);
    for (let i = 0; i < size; i++) {
      const blo = addOffset(cpu, lo, hi, i);
      const byte = i < 4 ? (vlo >>> (i * 8)) & 255 : (vhi >>> ((i - 4) * 8)) & 255;
      store(cpu, blo, cpu.tmpHi, 1, byte, 0, el);
    }
    return;
  }
  const e = ((lo >>> 12) & TLB_MASK) * TLB_ENTRY;
  const wt = cpu.wTlb;
  let off: number;
  if (wt[e] === ((lo & -4096) | el) && wt[e + 1] === hi) off = wt[e + 2]! + (lo & 0xfff);
  else {
    off = translate(cpu, lo, hi, WRITE, el, size);
    if (off < 0) {
      deviceWrite(cpu, size, vlo, vhi, lo, hi);
      return;
    }
  }
  const v = cpu.view;
  switch (size) {
    case 1: cpu.u8[off] = vlo; return;
    case 2: v.setUint16(off, vlo, true); return;
    case 4: v.setInt32(off, vlo, true); return;
    default:
      v.setInt32(off, vlo, true);
      v.setInt32(off + 4, vhi, true);
  }
}

function translateOnly(cpu: A64Cpu, lo: number, hi: number, access: Access, el: number): void {
  const e = ((lo >>> 12) & TLB_MASK) * TLB_ENTRY;
  if (access === WRITE && cpu.wTlb[e] === ((lo & -4096) | el) && cpu.wTlb[e + 1] === hi) return;
  translate(cpu, lo, hi, access, el, 1);
}

/** RAM offset of an aligned access for exclusives and acquire/release; -1 for devices (exclusives then fail). */
export function exclusiveOffset(cpu: A64Cpu, lo: number, hi: number, size: number, access: Access): number {
  if ((lo & (size - 1)) !== 0) return dataAbort(cpu, lo, hi, access === WRITE, 0x21);
  // Through the read or write TLB as load() and store() go (a boot's exclusives and atomics walked the
  // tables every time); the entry is there only where that access was allowed at this level.
  const e = ((lo >>> 12) & TLB_MASK) * TLB_ENTRY;
  const tag = (lo & -4096) | cpu.el;
  const tlb = access === WRITE ? cpu.wTlb : access === READ ? cpu.rTlb : undefined;
  if (tlb !== undefined && tlb[e] === tag && tlb[e + 1] === hi) return tlb[e + 2]! + (lo & 0xfff);
  return translate(cpu, lo, hi, access, cpu.el, size);
}

/** The fetch page's RAM offset for the pc page (cpu.pageLo/pageHi), through the fetch TLB. */
export function fetchPage(cpu: A64Cpu): number {
  const lo = cpu.pageLo;
  const hi = cpu.pageHi;
  const t = (lo >>> 12) & TLB_MASK;
  if (cpu.xTag[t] === (lo | cpu.el) && cpu.xHi[t] === hi) return cpu.xHost[t]!;
  // Translate the pc itself (not its page) so that an instruction abort reports the pc in FAR_EL1.
  const off = translate(cpu, lo + (cpu.k << 2), hi, FETCH, cpu.el, 4);
  if (off < 0) {
    // Nothing at all there: a synchronous external abort for the guest. Code in a device window
    // (or in MMIO the hypervisor emulates) is something this machine cannot run: stop with a report.
    if (!busTrapped && !cpu.platform.bus.findDevice(busAddress, 4)) {
      abort(cpu, (BigInt(hi >>> 0) << 32n) | BigInt((lo + (cpu.k << 2)) >>> 0), FETCH, 0x10);
    }
    raiseFault(cpu, 'access', `instruction fetch from device memory at 0x${busAddress.toString(16)}`, BigInt(busAddress), 4, false);
  }
  return off - (off & 0xfff);
}

/** RAM offset of a virtual instruction address without side effects on the guest (-1 if it cannot be translated). */
export function resolveFetch(cpu: A64Cpu, va: bigint): number {
  const saved = [cpu.excClass, cpu.excIss, cpu.excFar, cpu.faulted] as const;
  try {
    cpu.quiet = true;
    const pa = translateStage1(cpu, Number(BigInt.asIntN(32, va)), Number(BigInt.asIntN(32, va >> 32n)), FETCH, cpu.el);
    const sup = cpu.supervisor;
    if (sup) {
      const off = sup.translate(pa, 4, 'fetch');
      return off >= 0 ? off : -1;
    }
    return pa >= cpu.ramBase && pa + 4 <= cpu.ramBase + cpu.ramSize ? pa - cpu.ramBase : cpu.platform.bus.ramOffset(pa, 4);
  } catch (e) {
    if (e !== TRAP) throw e;
    return -1;
  } finally {
    [cpu.excClass, cpu.excIss, cpu.excFar, cpu.faulted] = saved;
    cpu.quiet = false;
  }
}
