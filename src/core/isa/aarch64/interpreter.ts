/**
 * The tier-0 A64 interpreter loop: runs the instructions of the current code page from its decode
 * cache (a slot is valid while it holds the same word as RAM), with the hot integer operations,
 * branches and 32/64-bit unsigned-offset loads and stores inline on lo/hi register pairs and TLB-checked
 * RAM; everything else calls out (alu.ts, load-store.ts, system.ts). Interrupts are not looked at here:
 * the run loop checks them between calls, and instructions that change PSTATE or translation end the
 * call (the locals `el` and `sp` stay valid within it).
 *
 * Case labels are the operation ids of instructions.ts written as literals (V8 only builds a jump
 * table for literal labels). Register 31 reads as zero through slot 31 and is written to slot 32
 * (the sink) in XZR contexts; in SP contexts it is the current stack pointer's slot.
 */
import { add32, add64, bitfieldMove32, bitfieldMove64, extract64, bswap32, conditionHolds, countLeadingSign, multiply64, divide, extend, logicFlags, pair, rbit32, rev16of32, setPair, shift32, shift64 } from './alu';
import type { A64Cpu } from './cpu';
import { decode } from './decoder';
import { Ec, raise } from './exceptions';
import { END, executeOther, NEXT } from './execute-other';
import { logicalImmOf } from './fields';
import { loadStore, loadStorePair } from './load-store';
import { fetchPage, leavePage, load, store, TLB_MASK } from './memory';
import { TLB_ENTRY } from '../../cpu/soft-tlb';
import { int32Table } from '../../bus/ram-hints';
import { IN_FLIGHT, MAX_BLOCK, PENDING, VERY_HOT, type TierPage } from './tier';

/** The multiplier's 128-bit result (multiplyWide), reused: one interpreter per thread. */
const wide = new Int32Array(4);

/** Decode-cache op of an armed breakpoint's slot (cpu.ts). */
export const OP_BREAKPOINT = 255;

/**
 * A decode slot's second word: the op id in bits 0-7; bit 8 set when the translation tier keeps state
 * for the slot as a block head in some mode (a block, queued, or not worth one); the bits above count the
 * slot's runs as a head until then (the interpreter's heat, in the cache line it loads anyway).
 */
const SLOT_TIER = 256;
const SLOT_HEAT = 512;

const TWO32 = 4294967296;

/**
 * A new page of decode slots for RAM page `page`, with the heads a previous boot translated there
 * (core/jit/head-profile.ts) one run short of `hot` in their heat, so the first run of one as a head
 * translates it.
 */
export function newDecodePage(cpu: A64Cpu, page: number): Int32Array {
  const dec = int32Table(cpu.ramHints, 4096);
  cpu.decPages.set(page, dec);
  const heads = cpu.tier !== undefined ? cpu.headProfile?.headsIn(page) : undefined;
  if (heads !== undefined) {
    const heat = (cpu.tier!.hot - 1) * SLOT_HEAT;
    for (const k of heads) dec[(k << 2) + 1] = heat;
  }
  return dec;
}

/** Decodes the word into its cache slot: op id, and for logical immediates the value as lo/hi. */
function fill(dec: Int32Array, s: number, raw: number): number {
  const op = decode(raw)?.op ?? 0;
  dec[s] = raw;
  dec[s + 1] = (dec[s + 1]! & ~255) | op;
  if (op >= 7 && op <= 10) {
    const v = logicalImmOf(raw)!;
    dec[s + 2] = Number(BigInt.asIntN(32, v));
    dec[s + 3] = Number(BigInt.asIntN(32, v >> 32n));
  }
  return op;
}

/** Jumps to a register target; a misaligned one raises the PC alignment fault the fetch would. */
function jumpTo(cpu: A64Cpu, lo: number, hi: number): void {
  if ((lo & 3) !== 0) {
    cpu.excElr = (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
    raise(cpu, Ec.pcAlign, 0, cpu.excElr);
  }
  cpu.pageLo = lo & -4096;
  cpu.pageHi = hi;
  cpu.k = (lo & 0xfff) >>> 2;
}

/** Executes up to n instructions; returns how many completed. */
export function execute(cpu: A64Cpu, n: number): number {
  const x = cpu.x;
  const i32 = cpu.i32;
  const u8 = cpu.u8;
  const u16 = cpu.u16;
  const rTlb = cpu.rTlb, wTlb = cpu.wTlb;
  const el = cpu.el;
  const sp = cpu.spIdx;
  const tier = cpu.bpArmed || cpu.wpCount !== 0 || n < MAX_BLOCK ? undefined : cpu.tier;
  const mode = (el << 1) | (sp === 70 ? 1 : 0);
  let count = 0;
  if (cpu.k >= 1024) leavePage(cpu, cpu.pageLo, cpu.pageHi, cpu.k << 2);
  outer: while (count < n) {
    cpu.count = count;
    const host = fetchPage(cpu);
    cpu.curHost = host;
    const dec = cpu.decPages.get(host >>> 12) ?? newDecodePage(cpu, host >>> 12);
    const base = host >>> 2;
    const pageLo = cpu.pageLo;
    const pageHi = cpu.pageHi;
    let k = cpu.k;
    // The tier's tables for this page and mode, looked up when a head here first has tier state.
    let tp: TierPage | undefined;
    // At a block head: the page was entered or a branch was taken (the translation tier looks there).
    let head = true;
    while (count < n) {
      if (k >= 1024) {
        leavePage(cpu, pageLo, pageHi, 4096);
        continue outer;
      }
      if (head && tier !== undefined) {
        head = false;
        const hsAt = (k << 2) + 1;
        const hs = dec[hsAt]!;
        if (n - count < MAX_BLOCK) {
          // Too little budget left for a block: the slice ends here, at a head, so that the next one starts
          // translated code there (ending it mid-block would make heads of every instruction of a loop).
          if (count !== 0) {
            cpu.k = k;
            return count;
          }
        } else if ((hs & SLOT_TIER) === 0) {
          // No tier state for this head in any mode yet: its heat is counted in the slot.
          if ((hs >>> 9) + 1 < tier.hot) dec[hsAt] = hs + SLOT_HEAT;
          else {
            dec[hsAt] = hs | SLOT_TIER;
            tp ??= tier.page(host, mode);
            tier.translate(tp, host, k, el, sp);
            if (tp.fns[k]! > 0) {
              head = true;
              continue;
            }
          }
        } else {
          tp ??= tier.page(host, mode);
          const f = tp.fns[k]!;
          if (f > 0) {
            // Run translated blocks from here while the jump cache knows where they lead.
            const pc = pageLo | (k << 2);
            tier.enter(pc, pageHi, mode, f);
            x[66] = pc;
            x[67] = pageHi;
            x[74] = cpu.nzcv;
            let r = tier.dispatch(count, n - MAX_BLOCK, mode, cpu.nzcv);
            if (r < 0) {
              // A block's code changed in RAM: it is forgotten, the interpreter runs that code next.
              r = -1 - r;
              tier.dropStale();
            }
            count = r;
            cpu.nzcv = x[74]!;
            // Blocks in other pages may have moved the interpreter's page (tier.ts imports).
            cpu.pageLo = pageLo;
            cpu.pageHi = pageHi;
            const lo = x[66]!, hi = x[67]!;
            if (tier.takeStop()) {
              // A block's MSR or SYS ended the slice (as executeOther's END does below).
              cpu.count = count;
              jumpTo(cpu, lo, hi);
              return count;
            }
            head = true;
            if (hi === pageHi && (lo & -4096) === pageLo && (lo & 3) === 0) {
              k = (lo & 0xfff) >>> 2;
              continue;
            }
            cpu.k = k;
            cpu.count = count;
            jumpTo(cpu, lo, hi);
            continue outer;
          } else if (f === 0 && ++tp.heat[k]! >= tier.hot) {
            tier.translate(tp, host, k, el, sp);
            if (tp.fns[k]! > 0) {
              head = true;
              continue;
            }
          } else if (f === IN_FLIGHT) {
            // Its module is being compiled on another thread: installed here once it is back.
            if (tier.poll() && tp.fns[k]! > 0) {
              head = true;
              continue;
            }
          } else if (f === PENDING && ++tp.heat[k]! === VERY_HOT) {
            // Queued and still running hot: its batch is compiled as it is (riscv64's rule of waiting for a
            // fuller batch, block-cache.ts veryHot, made no difference here: decision 0014).
            tier.compilePending();
            if (tp.fns[k]! > 0) {
              head = true;
              continue;
            }
          }
        }
      }
      const s = k << 2;
      const raw = i32[base + k]!;
      let op = dec[s + 1]! & 255;
      if (dec[s] !== raw || op === 0) op = fill(dec, s, raw);
      const d = raw & 31;
      const nn = (raw >>> 5) & 31;
      const sf = raw < 0;
      switch (op) {
        case 1: case 2: { // adr adrp
          const imm = (((raw << 8) >> 13) << 2) | ((raw >>> 29) & 3);
          let lo: number, hi: number;
          if (op === 1) {
            const t = (pageLo >>> 0) + (k << 2) + imm;
            lo = t | 0;
            hi = (pageHi + (t >= TWO32 ? 1 : t < 0 ? -1 : 0)) | 0;
          } else {
            // imm is a page count; up to +-2^20 pages spans past 32 bits, so go through a double.
            const t = (pageLo >>> 0) + imm * 4096;
            const carry = Math.floor(t / TWO32);
            lo = t | 0;
            hi = (pageHi + carry) | 0;
          }
          const di = d === 31 ? 64 : d << 1;
          x[di] = lo;
          x[di + 1] = hi;
          break;
        }
        case 3: case 5: { // add sub (immediate)
          let imm = (raw >>> 10) & 0xfff;
          if (raw & 0x400000) imm *= 4096;
          if (op === 5) imm = -imm;
          const a = nn === 31 ? sp : nn << 1;
          const di = d === 31 ? sp : d << 1;
          if (sf) {
            const t = (x[a]! >>> 0) + imm;
            x[di + 1] = (x[a + 1]! + (t >= TWO32 ? 1 : t < 0 ? -1 : 0)) | 0;
            x[di] = t | 0;
          } else {
            x[di] = (x[a]! + imm) | 0;
            x[di + 1] = 0;
          }
          break;
        }
        case 4: case 6: { // adds subs (immediate)
          let imm = (raw >>> 10) & 0xfff;
          if (raw & 0x400000) imm <<= 12;
          const a = nn === 31 ? sp : nn << 1;
          const di = d === 31 ? 64 : d << 1;
          const sub = op === 6;
          if (sf) {
            const lo = add64(cpu, x[a]!, x[a + 1]!, sub ? ~imm : imm, sub ? -1 : 0, sub ? 1 : 0, true);
            x[di + 1] = cpu.tmpHi;
            x[di] = lo;
          } else {
            x[di] = add32(cpu, x[a]!, sub ? ~imm : imm, sub ? 1 : 0, true);
            x[di + 1] = 0;
          }
          break;
        }
        case 7: case 8: case 9: case 10: { // and orr eor ands (immediate)
          const a = nn << 1;
          const ilo = dec[s + 2]!, ihi = sf ? dec[s + 3]! : 0;
          const alo = x[a]!, ahi = sf ? x[a + 1]! : 0;
          let lo: number, hi: number;
          if (op === 8) { lo = alo | ilo; hi = ahi | ihi; }
          else if (op === 9) { lo = alo ^ ilo; hi = ahi ^ ihi; }
          else { lo = alo & ilo; hi = ahi & ihi; }
          let di: number;
          if (op === 10) {
            logicFlags(cpu, lo, hi, sf);
            di = d === 31 ? 64 : d << 1;
          } else di = d === 31 ? sp : d << 1;
          x[di] = lo;
          x[di + 1] = hi;
          break;
        }
        case 11: case 12: case 13: { // movn movz movk
          const imm = (raw >>> 5) & 0xffff;
          const hw = (raw >>> 21) & 3;
          const di = d === 31 ? 64 : d << 1;
          const part = (hw & 1) === 0 ? imm : imm << 16;
          if (op === 13) {
            const mask = (hw & 1) === 0 ? 0xffff : 0xffff0000;
            if (hw < 2) x[di] = (x[di]! & ~mask) | part;
            else x[di + 1] = (x[di + 1]! & ~mask) | part;
            if (!sf) x[di + 1] = 0;
          } else {
            let lo = hw < 2 ? part : 0;
            let hi = hw < 2 ? 0 : part;
            if (op === 11) { lo = ~lo; hi = ~hi; }
            x[di] = lo;
            x[di + 1] = sf ? hi : 0;
          }
          break;
        }
        case 18: case 19: case 20: { // lsl lsr asr (immediate)
          const a = nn << 1;
          const di = d === 31 ? 64 : d << 1;
          const immr = (raw >>> 16) & 63;
          if (sf) {
            const amount = op === 18 ? 63 - ((raw >>> 10) & 63) : immr;
            const lo = shift64(cpu, op - 18, x[a]!, x[a + 1]!, amount);
            x[di + 1] = cpu.tmpHi;
            x[di] = lo;
          } else {
            const amount = op === 18 ? 31 - ((raw >>> 10) & 63) : immr;
            x[di] = shift32(op - 18, x[a]!, amount);
            x[di + 1] = 0;
          }
          break;
        }
        case 14: case 15: case 16: { // sbfm bfm ubfm
          const di = d === 31 ? 64 : d << 1;
          if (!sf) {
            x[di] = bitfieldMove32(op, d === 31 ? 0 : x[d << 1]!, x[nn << 1]!, (raw >>> 16) & 63, (raw >>> 10) & 63);
            x[di + 1] = 0;
            break;
          }
          x[di] = bitfieldMove64(cpu, op, d === 31 ? 0 : x[d << 1]!, d === 31 ? 0 : x[(d << 1) + 1]!, x[nn << 1]!, x[(nn << 1) + 1]!, (raw >>> 16) & 63, (raw >>> 10) & 63);
          x[di + 1] = cpu.tmpHi;
          break;
        }
        case 17: { // extr
          const m = (raw >>> 16) & 31;
          const lsb = (raw >>> 10) & 63;
          const di = d === 31 ? 64 : d << 1;
          if (sf) {
            x[di] = extract64(cpu, x[nn << 1]!, x[(nn << 1) + 1]!, x[m << 1]!, x[(m << 1) + 1]!, lsb);
            x[di + 1] = cpu.tmpHi;
          } else {
            // imms >= 32 with sf = 0 is unallocated (the decoder's table leaves it out).
            x[di] = lsb === 0 ? x[m << 1]! : (x[m << 1]! >>> lsb) | (x[nn << 1]! << (32 - lsb));
            x[di + 1] = 0;
          }
          break;
        }
        case 21: case 22: { // b bl
          if (op === 22) {
            const t = (pageLo >>> 0) + ((k + 1) << 2);
            x[61] = (pageHi + (t >= TWO32 ? 1 : 0)) | 0;
            x[60] = t | 0;
          }
          const t = (k << 2) + ((raw << 6) >> 4);
          count++;
          if (t >= 0 && t < 4096) {
            k = t >>> 2;
            head = true;
            continue;
          }
          leavePage(cpu, pageLo, pageHi, t);
          continue outer;
        }
        case 23: case 24: case 25: case 26: case 27: { // b.cond cbz cbnz tbz tbnz
          let taken: boolean;
          let off: number;
          if (op === 23) {
            taken = conditionHolds(raw & 15, cpu.nzcv);
            off = (raw << 8) >> 11;
          } else if (op <= 25) {
            const zero = x[d << 1] === 0 && (!sf || x[(d << 1) + 1] === 0);
            taken = zero === (op === 24);
            off = (raw << 8) >> 11;
          } else {
            const bit = ((raw >>> 26) & 32) | ((raw >>> 19) & 31);
            const word = bit < 32 ? x[d << 1]! : x[(d << 1) + 1]!;
            taken = ((word >>> (bit & 31)) & 1) === (op === 26 ? 0 : 1);
            off = (raw << 13) >> 16;
          }
          if (taken) {
            const t = (k << 2) + (off & ~3);
            count++;
            if (t >= 0 && t < 4096) {
              k = t >>> 2;
              head = true;
              continue;
            }
            leavePage(cpu, pageLo, pageHi, t);
            continue outer;
          }
          break;
        }
        case 28: case 29: case 30: { // br blr ret
          const tlo = x[nn << 1]!, thi = x[(nn << 1) + 1]!;
          cpu.k = k;
          cpu.count = count;
          if (op === 29) {
            const t = (pageLo >>> 0) + ((k + 1) << 2);
            x[61] = (pageHi + (t >= TWO32 ? 1 : 0)) | 0;
            x[60] = t | 0;
          }
          jumpTo(cpu, tlo, thi);
          count++;
          if (thi === pageHi && (tlo & -4096) === pageLo) {
            k = (tlo & 0xfff) >>> 2;
            head = true;
            continue;
          }
          continue outer;
        }
        case 50: case 51: case 52: case 53: case 54: case 55: case 56: case 57: case 58: { // logical (shifted register), mov
          const m = (raw >>> 16) & 31;
          let blo: number, bhi: number;
          if (sf) {
            blo = shift64(cpu, (raw >>> 22) & 3, x[m << 1]!, x[(m << 1) + 1]!, (raw >>> 10) & 63);
            bhi = cpu.tmpHi;
          } else {
            blo = shift32((raw >>> 22) & 3, x[m << 1]!, (raw >>> 10) & 63);
            bhi = 0;
          }
          const di = d === 31 ? 64 : d << 1;
          if (op === 58) {
            x[di] = blo;
            x[di + 1] = bhi;
            break;
          }
          const i = op - 50;
          if (i & 1) { blo = ~blo; bhi = sf ? ~bhi : 0; }
          const alo = x[nn << 1]!, ahi = sf ? x[(nn << 1) + 1]! : 0;
          let lo: number, hi: number;
          switch (i >> 1) {
            case 1: lo = alo | blo; hi = ahi | bhi; break;
            case 2: lo = alo ^ blo; hi = ahi ^ bhi; break;
            default: lo = alo & blo; hi = ahi & bhi; break;
          }
          if (i >= 6) logicFlags(cpu, lo, hi, sf);
          x[di] = lo;
          x[di + 1] = hi;
          break;
        }
        case 60: case 61: case 62: case 63: case 64: case 65: case 66: case 67: { // add/sub shifted and extended
          const m = (raw >>> 16) & 31;
          const extended = op >= 64;
          const sub = (op & 2) === 2;
          const flags = (op & 1) === 1;
          let blo: number, bhi: number;
          if (extended) {
            blo = extend(cpu, x[m << 1]!, x[(m << 1) + 1]!, (raw >>> 13) & 7, (raw >>> 10) & 7);
            bhi = cpu.tmpHi;
          } else if (sf) {
            blo = shift64(cpu, (raw >>> 22) & 3, x[m << 1]!, x[(m << 1) + 1]!, (raw >>> 10) & 63);
            bhi = cpu.tmpHi;
          } else {
            blo = shift32((raw >>> 22) & 3, x[m << 1]!, (raw >>> 10) & 63);
            bhi = 0;
          }
          const a = extended && nn === 31 ? sp : nn << 1;
          const di = d === 31 ? (extended && !flags ? sp : 64) : d << 1;
          if (sub) { blo = ~blo; bhi = ~bhi; }
          if (sf) {
            const lo = add64(cpu, x[a]!, x[a + 1]!, blo, bhi, sub ? 1 : 0, flags);
            x[di + 1] = cpu.tmpHi;
            x[di] = lo;
          } else {
            x[di] = add32(cpu, x[a]!, blo, sub ? 1 : 0, flags);
            x[di + 1] = 0;
          }
          break;
        }
        case 68: case 69: case 70: case 71: { // adc adcs sbc sbcs
          const m = (raw >>> 16) & 31;
          const sub = op >= 70;
          const cin = (cpu.nzcv >>> 29) & 1;
          const blo = sub ? ~x[m << 1]! : x[m << 1]!, bhi = sub ? ~x[(m << 1) + 1]! : x[(m << 1) + 1]!;
          const di = d === 31 ? 64 : d << 1;
          const flags = (op & 1) === 1;
          if (sf) {
            const lo = add64(cpu, x[nn << 1]!, x[(nn << 1) + 1]!, blo, bhi, cin, flags);
            x[di + 1] = cpu.tmpHi;
            x[di] = lo;
          } else {
            x[di] = add32(cpu, x[nn << 1]!, blo, cin, flags);
            x[di + 1] = 0;
          }
          break;
        }
        case 72: case 73: { // ccmn ccmp
          if (conditionHolds((raw >>> 12) & 15, cpu.nzcv)) {
            const m = (raw >>> 16) & 31;
            let blo = raw & 0x800 ? m : x[m << 1]!, bhi = raw & 0x800 ? 0 : x[(m << 1) + 1]!;
            const sub = op === 73;
            if (sub) { blo = ~blo; bhi = ~bhi; }
            if (sf) add64(cpu, x[nn << 1]!, x[(nn << 1) + 1]!, blo, bhi, sub ? 1 : 0, true);
            else add32(cpu, x[nn << 1]!, blo, sub ? 1 : 0, true);
          } else cpu.nzcv = (raw & 15) << 28;
          break;
        }
        case 74: case 75: case 76: case 77: { // csel csinc csinv csneg
          const di = d === 31 ? 64 : d << 1;
          let lo: number, hi: number;
          if (conditionHolds((raw >>> 12) & 15, cpu.nzcv)) {
            lo = x[nn << 1]!;
            hi = x[(nn << 1) + 1]!;
          } else {
            const m = (raw >>> 16) & 31;
            lo = x[m << 1]!;
            hi = x[(m << 1) + 1]!;
            if (op === 76 || op === 77) { lo = ~lo; hi = ~hi; }
            if (op === 75 || op === 77) {
              const t = (lo >>> 0) + 1;
              hi = (hi + (t >= TWO32 ? 1 : 0)) | 0;
              lo = t | 0;
            }
          }
          x[di] = lo;
          x[di + 1] = sf ? hi : 0;
          break;
        }
        case 78: case 79: case 80: case 81: case 82: case 83: { // udiv sdiv lslv lsrv asrv rorv
          const m = (raw >>> 16) & 31;
          const di = d === 31 ? 64 : d << 1;
          if (op >= 80) {
            if (sf) {
              const lo = shift64(cpu, op - 80, x[nn << 1]!, x[(nn << 1) + 1]!, x[m << 1]! & 63);
              x[di + 1] = cpu.tmpHi;
              x[di] = lo;
            } else {
              x[di] = shift32(op - 80, x[nn << 1]!, x[m << 1]! & 31);
              x[di + 1] = 0;
            }
          } else if (!sf) {
            const a = x[nn << 1]!, b = x[m << 1]!;
            // `| 0` truncates the quotient (exact for 32-bit operands) and wraps INT_MIN / -1 to INT_MIN, as
            // SDIV does; the quotient never becomes an int32 variable V8 could deoptimize on.
            x[di] = b === 0 ? 0 : op === 78 ? ((a >>> 0) / (b >>> 0)) | 0 : (a / b) | 0;
            x[di + 1] = 0;
          } else {
            setPair(x, di, divide(op === 79, pair(x[nn << 1]!, x[(nn << 1) + 1]!), pair(x[m << 1]!, x[(m << 1) + 1]!), 64));
          }
          break;
        }
        case 84: case 85: case 86: case 87: case 88: case 89: { // rbit rev16 rev32 rev clz cls
          // On int32 halves (alu.ts dataProcessing1 is the BigInt reference the tests hold them to): Linux's
          // __ffs is RBIT then CLZ, and RBIT's BigInt loop was the interpreter's busiest BigInt user.
          const lo = x[nn << 1]!;
          const hi = sf ? x[(nn << 1) + 1]! : 0;
          const di = d === 31 ? 64 : d << 1;
          if (op === 88) {
            x[di] = sf ? (hi !== 0 ? Math.clz32(hi) : 32 + Math.clz32(lo)) : Math.clz32(lo);
            x[di + 1] = 0;
          } else if (op === 89) {
            x[di] = countLeadingSign(lo, hi, sf);
            x[di + 1] = 0;
          } else if (op === 84) {
            // A W register's reversed bits stay in its word; an X register's halves swap as well.
            x[di] = sf ? rbit32(hi) : rbit32(lo);
            x[di + 1] = sf ? rbit32(lo) : 0;
          } else if (op === 85) {
            x[di] = rev16of32(lo);
            x[di + 1] = sf ? rev16of32(hi) : 0;
          } else if (op === 87 && sf) {
            x[di] = bswap32(hi);
            x[di + 1] = bswap32(lo);
          } else {
            // REV32 of an X register swaps each word; REV of a W register is a REV32 of one word.
            x[di] = bswap32(lo);
            x[di + 1] = sf ? bswap32(hi) : 0;
          }
          break;
        }
        case 90: case 91: case 92: case 93: case 94: case 95: case 96: case 97: { // madd msub smaddl smsubl smulh umaddl umsubl umulh
          const m = (raw >>> 16) & 31;
          const ra = (raw >>> 10) & 31;
          const di = d === 31 ? 64 : d << 1;
          if (!sf && op <= 91) {
            const prod = Math.imul(x[nn << 1]!, x[m << 1]!);
            x[di] = op === 90 ? (x[ra << 1]! + prod) | 0 : (x[ra << 1]! - prod) | 0;
            x[di + 1] = 0;
            break;
          }
          multiply64(op, x[nn << 1]!, x[(nn << 1) + 1]!, x[m << 1]!, x[(m << 1) + 1]!, x[ra << 1]!, x[(ra << 1) + 1]!, wide);
          x[di] = wide[0]!;
          x[di + 1] = wide[1]!;
          break;
        }
        case 117: case 119: { // ldr x/w (unsigned offset)
          const scale = op === 117 ? 3 : 2;
          const a = nn === 31 ? sp : nn << 1;
          const t = (x[a]! >>> 0) + (((raw >>> 10) & 0xfff) << scale);
          const lo = t | 0;
          const hi = (x[a + 1]! + (t >= TWO32 ? 1 : 0)) | 0;
          const di = d === 31 ? 64 : d << 1;
          const e = ((lo >>> 12) & TLB_MASK) * TLB_ENTRY;
          if (rTlb[e] === ((lo & -4096) | el) && rTlb[e + 1] === hi && (lo & ((1 << scale) - 1)) === 0) {
            const o = (rTlb[e + 2]! + (lo & 0xfff)) >> 2;
            x[di] = i32[o]!;
            x[di + 1] = scale === 3 ? i32[o + 1]! : 0;
          } else {
            cpu.k = k;
            cpu.count = count;
            const v = load(cpu, lo, hi, scale === 3 ? 8 : 4, el);
            x[di + 1] = scale === 3 ? cpu.tmpHi : 0;
            x[di] = v;
          }
          break;
        }
        case 118: case 120: { // str x/w (unsigned offset)
          const scale = op === 118 ? 3 : 2;
          const a = nn === 31 ? sp : nn << 1;
          const t = (x[a]! >>> 0) + (((raw >>> 10) & 0xfff) << scale);
          const lo = t | 0;
          const hi = (x[a + 1]! + (t >= TWO32 ? 1 : 0)) | 0;
          const e = ((lo >>> 12) & TLB_MASK) * TLB_ENTRY;
          if (wTlb[e] === ((lo & -4096) | el) && wTlb[e + 1] === hi && (lo & ((1 << scale) - 1)) === 0) {
            const o = (wTlb[e + 2]! + (lo & 0xfff)) >> 2;
            i32[o] = x[d << 1]!;
            if (scale === 3) i32[o + 1] = x[(d << 1) + 1]!;
          } else {
            cpu.k = k;
            cpu.count = count;
            store(cpu, lo, hi, scale === 3 ? 8 : 4, x[d << 1]!, x[(d << 1) + 1]!, el);
          }
          break;
        }
        case 102: case 103: case 104: case 105: case 107: { // ldr/str (all sizes): offset, unscaled, post, pre, register
          const a = nn === 31 ? sp : nn << 1;
          const sizeLog = raw >>> 30;
          let off: number;
          let offHi = 0;
          if (op === 102) off = ((raw >>> 10) & 0xfff) << sizeLog;
          else if (op === 107) {
            const m = (raw >>> 16) & 31;
            off = extend(cpu, x[m << 1]!, x[(m << 1) + 1]!, (raw >>> 13) & 7, (raw >>> 12) & 1 ? sizeLog : 0);
            offHi = cpu.tmpHi;
          } else {
            off = op === 104 ? 0 : (raw << 11) >> 23;
            offHi = off >> 31;
          }
          // The 64-bit sum on int32 words, the low words' carry by an unsigned compare (biased to signed):
          // Xm's low word as uint32 would not be an int32, and V8 deoptimized here on the first negative one.
          const baseLo = x[a]!, baseHi = x[a + 1]!;
          const lo = (baseLo + off) | 0;
          const hi = (baseHi + offHi + ((lo ^ -0x8000_0000) < (baseLo ^ -0x8000_0000) ? 1 : 0)) | 0;
          const e = ((lo >>> 12) & TLB_MASK) * TLB_ENTRY;
          const opc = (raw >>> 22) & 3;
          const tag = (lo & -4096) | el;
          let done = false;
          if ((lo & ((1 << sizeLog) - 1)) === 0) {
            if (opc === 0) {
              if (wTlb[e] === tag && wTlb[e + 1] === hi) {
                const o = wTlb[e + 2]! + (lo & 0xfff);
                const v = x[d << 1]!;
                if (sizeLog === 0) u8[o] = v;
                else if (sizeLog === 1) u16[o >> 1] = v;
                else {
                  i32[o >> 2] = v;
                  if (sizeLog === 3) i32[(o >> 2) + 1] = x[(d << 1) + 1]!;
                }
                done = true;
              }
            } else if (rTlb[e] === tag && rTlb[e + 1] === hi && (opc === 1 || sizeLog < 3)) {
              const o = rTlb[e + 2]! + (lo & 0xfff);
              let v: number;
              let vh = 0;
              if (sizeLog === 0) v = opc === 1 ? u8[o]! : (u8[o]! << 24) >> 24;
              else if (sizeLog === 1) v = opc === 1 ? u16[o >> 1]! : (u16[o >> 1]! << 16) >> 16;
              else {
                v = i32[o >> 2]!;
                if (sizeLog === 3) vh = i32[(o >> 2) + 1]!;
              }
              if (opc === 2) vh = v >> 31;
              const di = d === 31 ? 64 : d << 1;
              x[di] = v;
              x[di + 1] = vh;
              done = true;
            }
          }
          if (!done) {
            cpu.k = k;
            cpu.count = count;
            loadStore(cpu, op, raw);
            break;
          }
          if (op === 104) {
            const b = (baseLo >>> 0) + ((raw << 11) >> 23);
            x[a + 1] = (baseHi + (b >= TWO32 ? 1 : b < 0 ? -1 : 0)) | 0;
            x[a] = b | 0;
          } else if (op === 105) {
            x[a] = lo;
            x[a + 1] = hi;
          }
          break;
        }
        case 108: case 109: case 110: { // ldp/stp (32 and 64-bit), ldpsw: offset, post, pre
          const a = nn === 31 ? sp : nn << 1;
          const opc = raw >>> 30;
          const scale = opc === 2 ? 3 : 2;
          const off = ((raw << 10) >> 25) << scale;
          const baseLo = x[a]!, baseHi = x[a + 1]!;
          const t = (baseLo >>> 0) + (op === 109 ? 0 : off);
          const lo = t | 0;
          const hi = (baseHi + (t >= TWO32 ? 1 : t < 0 ? -1 : 0)) | 0;
          const e = ((lo >>> 12) & TLB_MASK) * TLB_ENTRY;
          const tag = (lo & -4096) | el;
          const t2 = (raw >>> 10) & 31;
          const load = (raw & 0x400000) !== 0;
          if ((lo & ((1 << scale) - 1)) !== 0 || (lo & 0xfff) > 4096 - (2 << scale) || (load ? rTlb[e] !== tag || rTlb[e + 1] !== hi : wTlb[e] !== tag || wTlb[e + 1] !== hi)) {
            cpu.k = k;
            cpu.count = count;
            loadStorePair(cpu, op, raw);
            break;
          }
          const w = ((load ? rTlb[e + 2]! : wTlb[e + 2]!) + (lo & 0xfff)) >> 2;
          if (!load) {
            if (scale === 3) {
              i32[w] = x[d << 1]!; i32[w + 1] = x[(d << 1) + 1]!;
              i32[w + 2] = x[t2 << 1]!; i32[w + 3] = x[(t2 << 1) + 1]!;
            } else {
              i32[w] = x[d << 1]!;
              i32[w + 1] = x[t2 << 1]!;
            }
          } else {
            const d1 = d === 31 ? 64 : d << 1;
            const d2 = t2 === 31 ? 64 : t2 << 1;
            if (scale === 3) {
              const a0 = i32[w]!, a1 = i32[w + 1]!, b0 = i32[w + 2]!, b1 = i32[w + 3]!;
              x[d1] = a0; x[d1 + 1] = a1; x[d2] = b0; x[d2 + 1] = b1;
            } else {
              const a0 = i32[w]!, b0 = i32[w + 1]!;
              x[d1] = a0; x[d1 + 1] = opc === 1 ? a0 >> 31 : 0;
              x[d2] = b0; x[d2 + 1] = opc === 1 ? b0 >> 31 : 0;
            }
          }
          if (op === 109) {
            const b = (baseLo >>> 0) + off;
            x[a + 1] = (baseHi + (b >= TWO32 ? 1 : b < 0 ? -1 : 0)) | 0;
            x[a] = b | 0;
          } else if (op === 110) {
            x[a] = lo;
            x[a + 1] = hi;
          }
          break;
        }
        case 32: case 37: case 38: case 39: case 101: // nop yield hints, dsb dmb isb, prfm
          break;
        case OP_BREAKPOINT:
          cpu.k = k;
          cpu.exit = 'breakpoint';
          return count;
        default: {
          cpu.k = k;
          cpu.count = count;
          const r = executeOther(cpu, op, raw, pageLo, pageHi, k);
          if (r === NEXT) break;
          if (r === END) cpu.k = k + 1;
          return count + 1;
        }
      }
      k++;
      count++;
    }
    cpu.k = k;
  }
  return count;
}

