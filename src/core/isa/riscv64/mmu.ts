/**
 * Address translation and the slow memory paths: Sv39/Sv48 page walks with hardware A/D updates
 * (compare-exchange on the PTE, so concurrent harts and walks agree), MPRV, SUM and MXR, stage-2
 * lookups through the Supervisor, device and trapped-MMIO accesses, misaligned accesses (split into
 * bytes), the per-thread TLBs and the decoded-instruction cache per RAM page.
 * Left out: PMP checks, Svpbmt/Svnapot (their PTE bits raise page faults), ASID-selective flushes.
 */
import { BusError } from '../../bus/address-space';
import { int32Table, uint16Table } from '../../bus/ram-hints';
import { Cause, Mstatus } from './csr-numbers';
import { decodeInto, newDecoded } from './decoder';
import type { Hart } from './hart';
import { WatchKind } from '../../cpu/hart-snapshot';
import { emptyTlb, fillTlbEntry, TLB_ENTRY } from '../../cpu/soft-tlb';
import { BASE_ROW, OP_CROSS_PAGE, writesIntRd } from './instructions';
import { Stage2, type AccessKind } from './platform';
import { TRAP_SIGNAL, WATCH_CAUSE } from './trap-signal';

/** Direct-mapped TLB entries per access kind; 1024 covers the kernel working set of a Linux boot (256 missed 3x as often). */
export const TLB_SIZE = 4096;
export const TLB_MASK = TLB_SIZE - 1;
export const READ = 0;
export const WRITE = 1;
export const FETCH = 2;
const ACCESS_NAMES: readonly AccessKind[] = ['read', 'write', 'fetch'];
const PAGE_FAULT = [Cause.loadPage, Cause.storePage, Cause.fetchPage];
const ACCESS_FAULT = [Cause.loadAccess, Cause.storeAccess, Cause.fetchAccess];
const MISALIGNED = [Cause.misalignedLoad, Cause.misalignedStore, Cause.misalignedFetch];

const INT_RD = new Uint8Array(256);
for (const [op, row] of BASE_ROW) INT_RD[op] = writesIntRd(row) ? 1 : 0;

const scratch = newDecoded();

export function toU64(lo: number, hi: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

/** Raises an exception: records cause and tval, then unwinds to the run loop. */
export function raise(h: Hart, cause: number, tval: bigint, detail = ''): never {
  h.excCause = cause;
  h.excTval = tval;
  h.excDetail = detail;
  throw TRAP_SIGNAL;
}

export function flushTlb(h: Hart): void {
  emptyTlb(h.rTlb);
  emptyTlb(h.wTlb);
  h.cTag.fill(-1);
  h.xTag.fill(-1);
  // The translation tier's jump cache maps virtual pcs to blocks: it goes with the translations.
  h.tier?.forgetJumps();
}

/**
 * After SUM or MXR changed: they decide only which loads and stores a mapping allows, so the fetch TLB
 * and the translation tier's jump cache stay (Linux sets and clears SUM around every user copy).
 */
export function flushDataTlb(h: Hart): void {
  emptyTlb(h.rTlb);
  emptyTlb(h.wTlb);
  h.cTag.fill(-1);
}

/**
 * SFENCE.VMA with a virtual address: the TLBs hold 4 KiB leaf translations only (a superpage is
 * cached per 4 KiB page) and no non-leaf entries, so dropping the slot of that page in each TLB is
 * enough. Linux fences single pages for every kernel mapping change (fixmap text patching, vmalloc),
 * where a full flush would cost a page walk for every page touched afterwards.
 */
export function flushTlbPage(h: Hart, lo: number): void {
  const t = (lo >>> 12) & TLB_MASK;
  h.rTlb[t * TLB_ENTRY] = -1;
  h.wTlb[t * TLB_ENTRY] = -1;
  h.cTag[t] = -1;
  h.xTag[t] = -1;
  h.tier?.forgetJumpsInPage(lo);
}

/**
 * FENCE.I (local or requested by another hart through SBI remote fence.i). This hart's own stores
 * already invalidate the decoded slots they overwrite (writeRam), so only stores by other writers
 * (other harts, devices, the host) can have made decoded instructions stale. Instead of throwing every
 * decoded page away, each page is checked against RAM when it is next entered (verifyDecodedPage):
 * Linux issues a fence.i for each of the tens of thousands of code patches at boot (ftrace, static
 * keys), and re-decoding the whole kernel after each one cost more than the patching itself.
 */
export function fenceInstructions(h: Hart): void {
  h.fenceGen = (h.fenceGen + 1) | 0;
  h.tier?.codeChanged();
}

/**
 * The fourth word of a decoded slot (dec[k + 3]): bit 0 marks a slot in the page's list (decoded since
 * the last check); bit 1 that the translation tier keeps state for the slot as a block head in some
 * mode (its TierPage's fns is not 0 there: a block, queued, or not worth one); the bits above count the
 * slot's runs as a head until then (the interpreter's heat, in the cache line it loads anyway).
 */
export const SLOT_LISTED = 1;
export const SLOT_TIER = 2;
export const SLOT_HEAT = 4;

/**
 * Drops the decoded slots of a code page whose instruction bits no longer match RAM. Only the slots
 * decoded since the last check are looked at (the page's slot list; dec[k + 3] marks listed slots),
 * which is usually a small part of the page's 2048.
 */
export function verifyDecodedPage(h: Hart, dec: Int32Array, host: number): void {
  const u16 = h.u16;
  const base = host >> 1;
  const page = host >>> 12;
  const list = h.decList.get(page)!;
  const count = list[0]!;
  let kept = 0;
  for (let i = 1; i <= count; i++) {
    const s = list[i]!;
    const k = s << 2;
    const w = dec[k]!;
    if (w >= 256) {
      const bits = dec[k + 2]!;
      if (u16[base + s] !== (bits & 0xffff)) dec[k] = 0;
      else if (w >>> 29 === 2 && (s === 2047 || u16[base + s + 1] !== bits >>> 16)) dec[k] = 0;
    }
    if (dec[k]! >= 256) list[++kept] = s;
    else dec[k + 3] = dec[k + 3]! & ~SLOT_LISTED;
  }
  list[0] = kept;
  h.decGen[page] = h.fenceGen;
}

export function flushDecodeCache(h: Hart): void {
  for (const page of h.codePageList) {
    h.decPages.delete(page);
    h.decList.delete(page);
    h.codePage[page] = 0;
  }
  h.codePageList.length = 0;
  h.crossDec = undefined;
  // Pages no longer marked as code take this hart's stores without telling the tier: blocks check again.
  h.tier?.codeChanged();
}

function stage2Fault(h: Hart, gpa: number, size: number, acc: number): never {
  h.faulted = true;
  h.platform.fault({
    hart: h.hartId,
    pc: h.getPc(),
    kind: 'stage2',
    message: `stage-2 ${ACCESS_NAMES[acc]} fault at guest-physical address 0x${gpa.toString(16)} (pc 0x${h.getPc().toString(16)}): no zone mapping`,
    address: BigInt(gpa),
    size,
    isWrite: acc === WRITE,
  });
  throw TRAP_SIGNAL;
}

/**
 * Resolves a (guest-)physical address: the RAM span offset (>= 0; the first bank inline, the others
 * through the bus), -1 for the bus (h.busPa), or -2 for an access the hypervisor emulates (h.mmioGpa).
 */
export function resolvePhys(h: Hart, pa: number, size: number, acc: number): number {
  const sup = h.supervisor;
  let hpa = pa;
  if (sup) {
    hpa = sup.translate(pa, size, ACCESS_NAMES[acc]!);
    if (hpa === Stage2.trap) {
      h.mmioGpa = pa;
      return -2;
    }
    if (hpa < 0) stage2Fault(h, pa, size, acc);
  }
  const off = hpa - h.ramBase;
  if (off >= 0 && off + size <= h.ramSize) return off;
  if (h.moreBanks) {
    const other = h.platform.bus.ramOffset(hpa, size);
    if (other >= 0) return other;
  }
  h.busPa = hpa;
  return -1;
}

function pageFault(acc: number, lo: number, hi: number, h: Hart): never {
  raise(h, PAGE_FAULT[acc]!, toU64(lo, hi));
}

/**
 * Bytes a PTE at each level maps (4 KiB, 2 MiB, 1 GiB, 512 GiB) and the PPN alignment a leaf there
 * needs: tables, because `2 ** n` with a variable n is a call of pow in V8 (1.6 % of a boot's thread).
 */
const LEVEL_SPAN = [2 ** 12, 2 ** 21, 2 ** 30, 2 ** 39];
const LEVEL_PPN_ALIGN = [1, 2 ** 9, 2 ** 18, 2 ** 27];

/** Sv39/Sv48 walk for virtual address (lo, hi); returns the guest-physical address. */
function walk(h: Hart, lo: number, hi: number, acc: number, prv: number): number {
  const levels = h.vmMode === 8 ? 3 : 4;
  const top = levels === 3 ? hi >> 6 : hi >> 15;
  if (top !== 0 && top !== -1) pageFault(acc, lo, hi, h);
  const va = (hi & 0xffff) * 4294967296 + (lo >>> 0);
  for (;;) {
    let table = h.rootPpn * 4096;
    let retry = false;
    for (let i = levels - 1; i >= 0; i--) {
      const span = LEVEL_SPAN[i]!;
      const pteAddr = table + (Math.floor(va / span) % 512) * 8;
      const off = resolvePhys(h, pteAddr, 8, READ);
      if (off < 0) raise(h, ACCESS_FAULT[acc]!, toU64(lo, hi), 'page table outside RAM');
      const w = off >> 2;
      const pteLo = Atomics.load(h.i32, w);
      const pteHi = Atomics.load(h.i32, w + 1);
      if ((pteLo & 1) === 0 || (pteLo & 6) === 4 || pteHi >>> 22 !== 0) pageFault(acc, lo, hi, h);
      const ppn = (pteHi & 0x3fffff) * 4194304 + (pteLo >>> 10);
      if ((pteLo & 0xa) === 0) {
        if (i === 0) pageFault(acc, lo, hi, h);
        table = ppn * 4096;
        continue;
      }
      const user = (pteLo & 16) !== 0;
      if (acc === FETCH) {
        if ((pteLo & 8) === 0 || (prv === 0) !== user) pageFault(acc, lo, hi, h);
      } else {
        if (prv === 0 && !user) pageFault(acc, lo, hi, h);
        if (prv === 1 && user && (h.mstatus & Mstatus.SUM) === 0) pageFault(acc, lo, hi, h);
        if (acc === READ) {
          if ((pteLo & 2) === 0 && !((h.mstatus & Mstatus.MXR) !== 0 && (pteLo & 8) !== 0)) pageFault(acc, lo, hi, h);
        } else if ((pteLo & 4) === 0) pageFault(acc, lo, hi, h);
      }
      if (ppn % LEVEL_PPN_ALIGN[i]! !== 0) pageFault(acc, lo, hi, h);
      const need = acc === WRITE ? 0xc0 : 0x40;
      if ((pteLo & need) !== need) {
        if (Atomics.compareExchange(h.i32, w, pteLo, pteLo | need) !== pteLo) {
          retry = true;
          break;
        }
      }
      return ppn * 4096 + (va % span);
    }
    if (!retry) pageFault(acc, lo, hi, h);
  }
}

/**
 * Translates a virtual access and resolves it: returns the RAM offset (>= 0, and fills the TLB for
 * the page), -1 (bus, h.busPa) or -2 (trapped MMIO, h.mmioGpa). Raises page and access faults.
 */
export function resolveVirt(h: Hart, lo: number, hi: number, acc: number, size: number): number {
  const prv = acc === FETCH ? h.priv : h.dprv;
  // A page with a watchpoint never enters the TLBs: every access to it comes here and is checked.
  const watchedPage = h.wpCount !== 0 && acc !== FETCH && checkWatch(h, lo, hi, acc, size);
  let pa: number;
  if (prv === 3 || h.vmMode === 0) {
    if (hi < 0 || hi >= 1 << 24) raise(h, ACCESS_FAULT[acc]!, toU64(lo, hi), 'address beyond the physical address space');
    pa = hi * 4294967296 + (lo >>> 0);
  } else {
    pa = walk(h, lo, hi, acc, prv);
  }
  const off = resolvePhys(h, pa, size, acc);
  if (off >= 0 && !watchedPage) {
    const pageOff = off - (lo & 0xfff);
    const t = (lo >>> 12) & TLB_MASK;
    const tag = (lo & -4096) | prv;
    if (acc === READ) {
      fillTlbEntry(h.rTlb, t * TLB_ENTRY, tag, hi, pageOff);
    } else if (acc === WRITE) {
      if (h.codePage[pageOff >>> 12] === 0) {
        fillTlbEntry(h.wTlb, t * TLB_ENTRY, tag, hi, pageOff);
        // A page that holds code was written before: only data pages are news to the prefaulter.
        if (h.ramHints !== undefined) h.ramHints.note(pageOff);
      } else {
        h.cTag[t] = tag;
        h.cHi[t] = hi;
        h.cHost[t] = pageOff;
      }
    } else {
      h.xTag[t] = tag;
      h.xHi[t] = hi;
      h.xHost[t] = pageOff;
    }
  }
  return off;
}

/**
 * Data watchpoints (Hart.setWatchpoints): true when the access's page holds a watched range of its
 * kind; an access that overlaps one stops the hart before it is done (WATCH_CAUSE, the pc on the
 * instruction), except the first access of the instruction the hart stopped on, which resuming executes.
 */
function checkWatch(h: Hart, lo: number, hi: number, acc: number, size: number): boolean {
  const bit = acc === WRITE ? WatchKind.write : WatchKind.read;
  const va = toU64(lo, hi);
  const pageStart = va & ~0xfffn;
  const pageEnd = pageStart + 4096n;
  const end = va + BigInt(size);
  let watched = false;
  for (let i = 0; i < h.wpCount; i++) {
    if ((h.wpKind[i]! & bit) === 0 || h.wpStart[i]! >= pageEnd || h.wpEnd[i]! <= pageStart) continue;
    watched = true;
    if (h.wpStart[i]! >= end || h.wpEnd[i]! <= va) continue;
    const pc = h.getPc();
    if (h.wpPass === pc) {
      h.wpPass = undefined;
      return true;
    }
    h.wpHit = { address: va, kind: bit };
    h.wpPass = pc;
    raise(h, WATCH_CAUSE, va);
  }
  if (watched && h.wpPass !== undefined && h.wpPass !== h.getPc()) h.wpPass = undefined;
  return watched;
}

function readRam(h: Hart, off: number, size: number): number {
  switch (size) {
    case 1: return h.u8[off]!;
    case 2: return (off & 1) === 0 ? h.u16[off >> 1]! : h.u8[off]! | (h.u8[off + 1]! << 8);
    case 4: return (off & 3) === 0 ? h.i32[off >> 2]! : h.u8[off]! | (h.u8[off + 1]! << 8) | (h.u8[off + 2]! << 16) | (h.u8[off + 3]! << 24);
    default:
      h.tmpHi = readRam(h, off + 4, 4);
      return readRam(h, off, 4);
  }
}

function writeRam(h: Hart, off: number, size: number, v: number, vhi: number): void {
  const page = off >>> 12;
  if (h.codePage[page] !== 0) invalidateCode(h, off, size);
  if ((off & (size - 1)) === 0) {
    switch (size) {
      case 1: h.u8[off] = v; return;
      case 2: h.u16[off >> 1] = v; return;
      case 4: h.i32[off >> 2] = v; return;
      default: h.i32[off >> 2] = v; h.i32[(off >> 2) + 1] = vhi; return;
    }
  }
  for (let i = 0; i < size; i++) h.u8[off + i] = (i < 4 ? v >>> (8 * i) : vhi >>> (8 * (i - 4))) & 0xff;
}

/** Forgets decoded instructions overlapping a store into a code page. */
export function invalidateCode(h: Hart, off: number, size: number): void {
  h.tier?.codeChanged();
  const dec = h.decPages.get(off >>> 12);
  if (!dec) return;
  const first = Math.max(0, ((off & 0xfff) >> 1) - 1);
  const last = Math.min(2047, ((off & 0xfff) + size - 1) >> 1);
  for (let s = first; s <= last; s++) dec[s << 2] = 0;
}

function accessFault(h: Hart, acc: number, lo: number, hi: number, detail: string): never {
  raise(h, ACCESS_FAULT[acc]!, toU64(lo, hi), detail);
}

function readResolved(h: Hart, off: number, size: number, lo: number, hi: number): number {
  if (off >= 0) return readRam(h, off, size);
  if (off === -2) {
    const v = h.supervisor!.mmioRead(h, h.mmioGpa, size as 1 | 2 | 4 | 8);
    h.tmpHi = Number(BigInt.asIntN(32, v >> 32n));
    return Number(BigInt.asIntN(32, v));
  }
  if ((lo & (size - 1)) !== 0) raise(h, MISALIGNED[READ]!, toU64(lo, hi), 'misaligned device access');
  try {
    const v = h.platform.bus.read(h.busPa, size as 1 | 2 | 4 | 8);
    if (size === 8) h.tmpHi = h.platform.bus.high | 0;
    return size === 4 || size === 8 ? v | 0 : v;
  } catch (e) {
    if (e instanceof BusError) accessFault(h, READ, lo, hi, 'no device');
    throw e;
  }
}

/** Reads `size` bytes at a virtual address; returns the low word (unsigned for 1/2, int32 for 4/8), high word in h.tmpHi. */
export function readVirt(h: Hart, lo: number, hi: number, size: number): number {
  const t = (lo >>> 12) & TLB_MASK;
  const e = t * TLB_ENTRY;
  const r = h.rTlb;
  if (r[e] === ((lo & -4096) | h.dprv) && r[e + 1] === hi && (lo & (size - 1)) === 0) {
    return readRam(h, r[e + 2]! + (lo & 0xfff), size);
  }
  if ((lo & 0xfff) + size > 4096) {
    const lo2 = (lo + size - 1) | 0;
    const hi2 = (hi + ((lo2 >>> 0) < (lo >>> 0) ? 1 : 0)) | 0;
    const first = resolveVirt(h, lo, hi, READ, 1);
    const second = resolveVirt(h, lo2 & -4096, hi2, READ, 1);
    if (first < 0 || second < 0) raise(h, MISALIGNED[READ]!, toU64(lo, hi), 'misaligned device access');
    const split = 4096 - (lo & 0xfff);
    let vlo = 0;
    let vhi = 0;
    for (let i = 0; i < size; i++) {
      const b = h.u8[i < split ? first + i : second + i - split]!;
      if (i < 4) vlo |= b << (8 * i);
      else vhi |= b << (8 * (i - 4));
    }
    h.tmpHi = vhi;
    return size === 4 || size === 8 ? vlo : vlo >>> 0;
  }
  return readResolved(h, resolveVirt(h, lo, hi, READ, size), size, lo, hi);
}

export function writeVirt(h: Hart, lo: number, hi: number, size: number, v: number, vhi: number): void {
  const t = (lo >>> 12) & TLB_MASK;
  const e = t * TLB_ENTRY;
  const w = h.wTlb;
  if (w[e] === ((lo & -4096) | h.dprv) && w[e + 1] === hi && (lo & (size - 1)) === 0) {
    writeRam(h, w[e + 2]! + (lo & 0xfff), size, v, vhi);
    return;
  }
  if (h.cTag[t] === ((lo & -4096) | h.dprv) && h.cHi[t] === hi && (lo & 0xfff) + size <= 4096) {
    writeRam(h, h.cHost[t]! + (lo & 0xfff), size, v, vhi);
    return;
  }
  if ((lo & 0xfff) + size > 4096) {
    const lo2 = (lo + size - 1) | 0;
    const hi2 = (hi + ((lo2 >>> 0) < (lo >>> 0) ? 1 : 0)) | 0;
    const first = resolveVirt(h, lo, hi, WRITE, 1);
    const second = resolveVirt(h, lo2 & -4096, hi2, WRITE, 1);
    if (first < 0 || second < 0) raise(h, MISALIGNED[WRITE]!, toU64(lo, hi), 'misaligned device access');
    const split = 4096 - (lo & 0xfff);
    for (let i = 0; i < size; i++) {
      const b = (i < 4 ? v >>> (8 * i) : vhi >>> (8 * (i - 4))) & 0xff;
      writeRam(h, i < split ? first + i : second + i - split, 1, b, 0);
    }
    return;
  }
  const off = resolveVirt(h, lo, hi, WRITE, size);
  if (off >= 0) {
    writeRam(h, off, size, v, vhi);
    return;
  }
  if (off === -2) {
    const value = size === 8 ? toU64(v, vhi) : BigInt(size === 4 ? v >>> 0 : v & (size === 1 ? 0xff : 0xffff));
    h.supervisor!.mmioWrite(h, h.mmioGpa, size as 1 | 2 | 4 | 8, value);
    return;
  }
  if ((lo & (size - 1)) !== 0) raise(h, MISALIGNED[WRITE]!, toU64(lo, hi), 'misaligned device access');
  try {
    h.platform.bus.write(h.busPa, size as 1 | 2 | 4 | 8, v, vhi);
  } catch (e) {
    if (e instanceof BusError) accessFault(h, WRITE, lo, hi, 'no device');
    throw e;
  }
}

/** Loads into integer register pair index d with the given extension (slow path of the interpreter). */
export function loadSlow(h: Hart, lo: number, hi: number, size: number, signed: boolean, d: number): void {
  const v = readVirt(h, lo, hi, size);
  const x = h.x;
  switch (size) {
    case 1: x[d] = signed ? (v << 24) >> 24 : v & 0xff; x[d + 1] = signed ? x[d]! >> 31 : 0; return;
    case 2: x[d] = signed ? (v << 16) >> 16 : v & 0xffff; x[d + 1] = signed ? x[d]! >> 31 : 0; return;
    case 4: x[d] = v; x[d + 1] = signed ? v >> 31 : 0; return;
    default: x[d] = v; x[d + 1] = h.tmpHi; return;
  }
}

/** Translates the current fetch page and returns its decode array (creating it on first use). */
export function enterPage(h: Hart): Int32Array {
  if (h.crossDec) {
    h.crossDec[h.crossK] = OP_CROSS_PAGE;
    h.crossDec = undefined;
  }
  if (h.h >= 2048) {
    const lo = (h.pageLo + 4096) | 0;
    h.pageHi = (h.pageHi + (lo === 0 ? 1 : 0)) | 0;
    h.pageLo = lo;
    h.h -= 2048;
  }
  const lo = h.pageLo;
  const hi = h.pageHi;
  const t = (lo >>> 12) & TLB_MASK;
  let host: number;
  if (h.xTag[t] === (lo | h.priv) && h.xHi[t] === hi) host = h.xHost[t]!;
  else {
    const pcLo = lo | (h.h << 1);
    const off = resolveVirt(h, pcLo, hi, FETCH, 2);
    if (off < 0) accessFault(h, FETCH, pcLo, hi, 'instruction fetch outside RAM');
    host = off - (pcLo & 0xfff);
  }
  h.curHost = host;
  const page = host >>> 12;
  let dec = h.decPages.get(page);
  if (!dec) {
    dec = int32Table(h.ramHints, 2048 * 4);
    h.decPages.set(page, dec);
    h.decList.set(page, uint16Table(h.ramHints, 2049));
    h.codePage[page] = 1;
    h.codePageList.push(page);
    h.decGen[page] = h.fenceGen;
    if (h.headProfile !== undefined && h.tier !== undefined) seedHeads(dec, h.headProfile.headsIn(page), h.tier.hot);
    // Stores to the page must now invalidate decoded slots: move its write translations to the code TLB.
    const w = h.wTlb;
    for (let i = 0; i < TLB_SIZE; i++) {
      const e = i * TLB_ENTRY;
      if (w[e + 2] === host && w[e] !== -1) {
        h.cTag[i] = w[e]!;
        h.cHi[i] = w[e + 1]!;
        h.cHost[i] = host;
        w[e] = -1;
      }
    }
  } else if (h.decGen[page] !== h.fenceGen) verifyDecodedPage(h, dec, host);
  return dec;
}

/**
 * Marks the heads a previous boot translated in this page (core/jit/head-profile.ts) one run short of
 * `hot` in their slots' heat, so that the first time one is run as a head it is translated.
 */
function seedHeads(dec: Int32Array, heads: readonly number[] | undefined, hot: number): void {
  if (heads === undefined) return;
  const heat = (hot - 1) * SLOT_HEAT;
  for (const hh of heads) dec[(hh << 2) + 3] = heat;
}

/**
 * Decodes the instruction at halfword `hh` of the current page into its slot and returns the packed
 * word: op | rd*2 << 8 | rs1*2 << 15 | rs2*2 << 22 | halfwords << 29. Raises illegal instruction.
 */
export function prepareSlot(h: Hart, dec: Int32Array, hh: number): number {
  const base = h.curHost >> 1;
  const low = h.u16[base + hh]!;
  let bits = low;
  let cross = false;
  if ((low & 3) === 3) {
    if (hh === 2047) {
      cross = true;
      const lo2 = (h.pageLo + 4096) | 0;
      const hi2 = (h.pageHi + (lo2 === 0 ? 1 : 0)) | 0;
      const t = (lo2 >>> 12) & TLB_MASK;
      let off: number;
      if (h.xTag[t] === (lo2 | h.priv) && h.xHi[t] === hi2) off = h.xHost[t]!;
      else {
        off = resolveVirt(h, lo2, hi2, FETCH, 2);
        if (off < 0) accessFault(h, FETCH, lo2, hi2, 'instruction fetch outside RAM');
      }
      bits = low | (h.u16[off >> 1]! << 16);
    } else bits = low | (h.u16[base + hh + 1]! << 16);
  }
  const d = scratch;
  if (!decodeInto(bits, d)) raise(h, Cause.illegal, BigInt((d.length === 2 ? bits & 0xffff : bits) >>> 0));
  const rd = d.rd === 0 && INT_RD[d.op] === 1 ? 32 : d.rd;
  const w = d.op | (rd << 9) | (d.rs1 << 16) | (d.rs2 << 23) | ((d.length >> 1) << 29);
  const k = hh << 2;
  dec[k] = w;
  dec[k + 1] = d.imm;
  dec[k + 2] = bits;
  if ((dec[k + 3]! & SLOT_LISTED) === 0) {
    dec[k + 3] = dec[k + 3]! | SLOT_LISTED;
    const list = h.decList.get(h.curHost >>> 12)!;
    list[++list[0]!] = hh;
  }
  if (cross) {
    h.crossDec = dec;
    h.crossK = k;
  }
  return w;
}
