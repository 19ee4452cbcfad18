/**
 * The tier-0 interpreter loop: runs decoded instructions of the current code page from its decode
 * cache, integer RV64IM inline on lo/hi register pairs with TLB-checked RAM loads and stores; system,
 * atomic and floating-point instructions go to executeSlow. Interrupts are not looked at here: the
 * run loop checks them between calls, and instructions that change privileged state end the call.
 *
 * Case labels are the operation ids of instructions.ts written as literals (V8 only builds a jump
 * table for literal labels).
 */
import type { Hart } from './hart';
import { divrem, divremw, mul, mulh } from './muldiv';
import { enterPage, loadSlow, prepareSlot, SLOT_HEAT, SLOT_TIER, TLB_MASK, writeVirt } from './mmu';
import { TLB_ENTRY } from '../../cpu/soft-tlb';
import { executeSlow, SLOW_CONTINUE, SLOW_END_SEQUENTIAL, SLOW_REENTER } from './system';
import { IN_FLIGHT, MAX_BLOCK, PENDING, VERY_HOT, VERY_HOT_AGAIN, type TierPage } from './tier';

/** Moves the pc to page-relative byte offset `off` (may be outside the page); the caller re-enters. */
function leavePage(h: Hart, pageLo: number, pageHi: number, off: number): void {
  const full = (pageLo >>> 0) + off;
  let hi = pageHi;
  let lo = full;
  if (full < 0) {
    hi = (hi - 1) | 0;
    lo = full + 4294967296;
  } else if (full >= 4294967296) {
    hi = (hi + 1) | 0;
    lo = full - 4294967296;
  }
  h.pageLo = lo & -4096;
  h.pageHi = hi;
  h.h = (lo & 0xfff) >> 1;
}

function jumpTo(h: Hart, lo: number, hi: number): void {
  h.pageLo = lo & -4096;
  h.pageHi = hi;
  h.h = (lo & 0xfff) >> 1;
}

/** Executes up to n instructions; returns how many completed. */
export function execute(h: Hart, n: number): number {
  const x = h.x;
  const u8 = h.u8, i8 = h.i8, u16 = h.u16, i16 = h.i16, i32 = h.i32;
  const rTlb = h.rTlb, wTlb = h.wTlb;
  const prv = h.dprv;
  // The translation tier (tier.ts) looks at block heads: where a page is entered or a branch was taken.
  const tier = h.bpArmed || n < MAX_BLOCK ? undefined : h.tier;
  const mode = (h.priv << 2) | prv;
  const pcWords = h.pcWords;
  let count = 0;
  outer: while (count < n) {
    h.count = count;
    const dec = enterPage(h);
    const pageLo = h.pageLo;
    const pageHi = h.pageHi;
    let hh = h.h;
    // The tier's tables for this page and mode, looked up when a head here first has tier state.
    let tp: TierPage | undefined;
    let head = true;
    while (count < n) {
      if (hh >= 2048) {
        h.h = hh;
        continue outer;
      }
      if (head && tier !== undefined) {
        head = false;
        const hsAt = (hh << 2) + 3;
        const hs = dec[hsAt]!;
        if (n - count < MAX_BLOCK) {
          // Too little budget left for a block: the slice ends here, at a head, so that the next one
          // starts translated code there (ending it mid-block would make heads of a loop's every instruction).
          if (count !== 0) {
            h.h = hh;
            return count;
          }
        } else if ((hs & SLOT_TIER) === 0) {
          // No tier state for this head in any mode yet: its heat is counted in the slot.
          if ((hs >>> 2) + 1 < tier.hot) dec[hsAt] = hs + SLOT_HEAT;
          else {
            dec[hsAt] = hs | SLOT_TIER;
            tp ??= tier.page(h.curHost, mode);
            tier.translate(tp, h.curHost, hh, prv);
            if (tp.fns[hh]! > 0) {
              head = true;
              continue;
            }
          }
        } else {
          tp ??= tier.page(h.curHost, mode);
          const f = tp.fns[hh]!;
          if (f > 0) {
            // Run translated blocks from here while the jump cache knows where they lead.
            const pc = pageLo | (hh << 1);
            tier.enter(pc, pageHi, mode, f);
            pcWords[0] = pc;
            pcWords[1] = pageHi;
            h.h = hh;
            h.count = count;
            const gen = h.fenceGen;
            let r = tier.dispatch(count, n - MAX_BLOCK, mode);
            if (r < 0) {
              // A block's code changed in RAM: it is forgotten, the interpreter runs that code next.
              r = -1 - r;
              tier.dropStale();
            }
            count = r;
            // The imports of blocks in other pages may have moved the hart's page.
            h.pageLo = pageLo;
            h.pageHi = pageHi;
            const lo = pcWords[0]!, hi = pcWords[1]!;
            if (tier.takeStop()) {
              // A block's CSR write or SFENCE.VMA ended the slice (as executeSlow's end does below).
              h.count = count;
              jumpTo(h, lo, hi);
              return count;
            }
            head = true;
            // After a block's FENCE.I this page's decoded slots are checked again (enterPage).
            if (hi === pageHi && (lo & -4096) === pageLo && h.fenceGen === gen) {
              hh = (lo & 0xfff) >> 1;
              continue;
            }
            h.count = count;
            jumpTo(h, lo, hi);
            continue outer;
          } else if (f === 0 && ++tp.heat[hh]! >= tier.hot) {
            // Tier state in another mode (or a block dropped): this mode's heat is the tier's.
            tier.translate(tp, h.curHost, hh, prv);
            if (tp.fns[hh]! > 0) {
              head = true;
              continue;
            }
          } else if (f === IN_FLIGHT) {
            // Its module is being compiled on another thread: installed here once it is back.
            if (tier.poll() && tp.fns[hh]! > 0) {
              head = true;
              continue;
            }
          } else if (f === PENDING && ++tp.heat[hh]! === VERY_HOT) {
            // Queued and still running hot: its batch is compiled without waiting to be full, once that is worth a module.
            if (!tier.veryHot()) tp.heat[hh] = VERY_HOT_AGAIN;
            else if (tp.fns[hh]! > 0) {
              head = true;
              continue;
            }
          }
        }
      }
      const k = hh << 2;
      let w = dec[k]!;
      if (w < 256) {
        h.h = hh;
        h.count = count;
        w = prepareSlot(h, dec, hh);
      }
      const imm = dec[k + 1]!;
      const d = (w >>> 8) & 127;
      const a = (w >>> 15) & 127;
      const b = (w >>> 22) & 127;
      const nh = hh + (w >>> 29);
      switch (w & 255) {
        case 1: // lui
          x[d] = imm;
          x[d + 1] = imm >> 31;
          break;
        case 2: { // auipc
          const pc = pageLo | (hh << 1);
          const lo = (pc + imm) | 0;
          x[d + 1] = (pageHi + (imm >> 31) + ((lo >>> 0) < (pc >>> 0) ? 1 : 0)) | 0;
          x[d] = lo;
          break;
        }
        case 3: { // jal
          const link = (pageLo + (nh << 1)) | 0;
          x[d + 1] = (pageHi + ((link >>> 0) < (pageLo >>> 0) ? 1 : 0)) | 0;
          x[d] = link;
          const t = (hh << 1) + imm;
          if (t >= 0 && t < 4096) {
            hh = t >> 1;
            count++;
            head = true;
            continue;
          }
          leavePage(h, pageLo, pageHi, t);
          count++;
          continue outer;
        }
        case 4: { // jalr
          const alo = x[a]!;
          const tlo = ((alo + imm) | 0) & ~1;
          const thi = (x[a + 1]! + (imm >> 31) + ((((alo + imm) | 0) >>> 0) < (alo >>> 0) ? 1 : 0)) | 0;
          const link = (pageLo + (nh << 1)) | 0;
          x[d + 1] = (pageHi + ((link >>> 0) < (pageLo >>> 0) ? 1 : 0)) | 0;
          x[d] = link;
          count++;
          if (thi === pageHi && (tlo & -4096) === pageLo) {
            hh = (tlo & 0xfff) >> 1;
            head = true;
            continue;
          }
          jumpTo(h, tlo, thi);
          continue outer;
        }
        case 5: case 6: case 7: case 8: case 9: case 10: { // beq bne blt bge bltu bgeu
          const ahi = x[a + 1]!, bhi = x[b + 1]!;
          const alo = x[a]!, blo = x[b]!;
          let taken: boolean;
          switch (w & 255) {
            case 5: taken = alo === blo && ahi === bhi; break;
            case 6: taken = alo !== blo || ahi !== bhi; break;
            case 7: taken = ahi < bhi || (ahi === bhi && (alo >>> 0) < (blo >>> 0)); break;
            case 8: taken = ahi > bhi || (ahi === bhi && (alo >>> 0) >= (blo >>> 0)); break;
            case 9: taken = (ahi >>> 0) < (bhi >>> 0) || (ahi === bhi && (alo >>> 0) < (blo >>> 0)); break;
            default: taken = (ahi >>> 0) > (bhi >>> 0) || (ahi === bhi && (alo >>> 0) >= (blo >>> 0)); break;
          }
          if (taken) {
            const t = (hh << 1) + imm;
            count++;
            if (t >= 0 && t < 4096) {
              hh = t >> 1;
              head = true;
              continue;
            }
            leavePage(h, pageLo, pageHi, t);
            continue outer;
          }
          break;
        }
        case 11: case 12: case 13: case 14: case 15: case 16: case 17: { // lb lh lw ld lbu lhu lwu
          const alo = x[a]!;
          const lo = (alo + imm) | 0;
          const hi = (x[a + 1]! + (imm >> 31) + ((lo >>> 0) < (alo >>> 0) ? 1 : 0)) | 0;
          const e = ((lo >>> 12) & TLB_MASK) * TLB_ENTRY;
          const op = w & 255;
          const size = op === 14 ? 8 : 1 << ((op - 11) & 3);
          if (rTlb[e] === ((lo & -4096) | prv) && rTlb[e + 1] === hi && (lo & (size - 1)) === 0) {
            const off = rTlb[e + 2]! + (lo & 0xfff);
            switch (op) {
              case 11: x[d] = i8[off]!; x[d + 1] = x[d]! >> 31; break;
              case 12: x[d] = i16[off >> 1]!; x[d + 1] = x[d]! >> 31; break;
              case 13: x[d] = i32[off >> 2]!; x[d + 1] = x[d]! >> 31; break;
              case 14: x[d] = i32[off >> 2]!; x[d + 1] = i32[(off >> 2) + 1]!; break;
              case 15: x[d] = u8[off]!; x[d + 1] = 0; break;
              case 16: x[d] = u16[off >> 1]!; x[d + 1] = 0; break;
              default: x[d] = i32[off >> 2]!; x[d + 1] = 0; break;
            }
          } else {
            h.h = hh;
            h.count = count;
            loadSlow(h, lo, hi, size, op < 15, d);
          }
          break;
        }
        case 18: case 19: case 20: case 21: { // sb sh sw sd
          const alo = x[a]!;
          const lo = (alo + imm) | 0;
          const hi = (x[a + 1]! + (imm >> 31) + ((lo >>> 0) < (alo >>> 0) ? 1 : 0)) | 0;
          const e = ((lo >>> 12) & TLB_MASK) * TLB_ENTRY;
          const op = w & 255;
          const size = 1 << (op - 18);
          if (wTlb[e] === ((lo & -4096) | prv) && wTlb[e + 1] === hi && (lo & (size - 1)) === 0) {
            const off = wTlb[e + 2]! + (lo & 0xfff);
            switch (op) {
              case 18: u8[off] = x[b]!; break;
              case 19: u16[off >> 1] = x[b]!; break;
              case 20: i32[off >> 2] = x[b]!; break;
              default: i32[off >> 2] = x[b]!; i32[(off >> 2) + 1] = x[b + 1]!; break;
            }
          } else {
            h.h = hh;
            h.count = count;
            writeVirt(h, lo, hi, size, x[b]!, x[b + 1]!);
          }
          break;
        }
        case 22: { // addi
          const alo = x[a]!;
          const lo = (alo + imm) | 0;
          x[d + 1] = (x[a + 1]! + (imm >> 31) + ((lo >>> 0) < (alo >>> 0) ? 1 : 0)) | 0;
          x[d] = lo;
          break;
        }
        case 23: { // slti
          const ahi = x[a + 1]!, ih = imm >> 31;
          x[d] = ahi < ih || (ahi === ih && (x[a]! >>> 0) < (imm >>> 0)) ? 1 : 0;
          x[d + 1] = 0;
          break;
        }
        case 24: { // sltiu
          const ahi = x[a + 1]! >>> 0, ih = (imm >> 31) >>> 0;
          x[d] = ahi < ih || (ahi === ih && (x[a]! >>> 0) < (imm >>> 0)) ? 1 : 0;
          x[d + 1] = 0;
          break;
        }
        case 25: x[d + 1] = x[a + 1]! ^ (imm >> 31); x[d] = x[a]! ^ imm; break; // xori
        case 26: x[d + 1] = x[a + 1]! | (imm >> 31); x[d] = x[a]! | imm; break; // ori
        case 27: x[d + 1] = x[a + 1]! & (imm >> 31); x[d] = x[a]! & imm; break; // andi
        case 28: shiftLeft(x, d, x[a]!, x[a + 1]!, imm); break; // slli
        case 29: shiftRight(x, d, x[a]!, x[a + 1]!, imm, false); break; // srli
        case 30: shiftRight(x, d, x[a]!, x[a + 1]!, imm & 63, true); break; // srai
        case 31: { // add
          const alo = x[a]!;
          const lo = (alo + x[b]!) | 0;
          x[d + 1] = (x[a + 1]! + x[b + 1]! + ((lo >>> 0) < (alo >>> 0) ? 1 : 0)) | 0;
          x[d] = lo;
          break;
        }
        case 32: { // sub
          const alo = x[a]!, blo = x[b]!;
          x[d + 1] = (x[a + 1]! - x[b + 1]! - ((alo >>> 0) < (blo >>> 0) ? 1 : 0)) | 0;
          x[d] = (alo - blo) | 0;
          break;
        }
        case 33: shiftLeft(x, d, x[a]!, x[a + 1]!, x[b]! & 63); break; // sll
        case 34: { // slt
          const ahi = x[a + 1]!, bhi = x[b + 1]!;
          x[d] = ahi < bhi || (ahi === bhi && (x[a]! >>> 0) < (x[b]! >>> 0)) ? 1 : 0;
          x[d + 1] = 0;
          break;
        }
        case 35: { // sltu
          const ahi = x[a + 1]! >>> 0, bhi = x[b + 1]! >>> 0;
          x[d] = ahi < bhi || (ahi === bhi && (x[a]! >>> 0) < (x[b]! >>> 0)) ? 1 : 0;
          x[d + 1] = 0;
          break;
        }
        case 36: x[d + 1] = x[a + 1]! ^ x[b + 1]!; x[d] = x[a]! ^ x[b]!; break; // xor
        case 37: shiftRight(x, d, x[a]!, x[a + 1]!, x[b]! & 63, false); break; // srl
        case 38: shiftRight(x, d, x[a]!, x[a + 1]!, x[b]! & 63, true); break; // sra
        case 39: x[d + 1] = x[a + 1]! | x[b + 1]!; x[d] = x[a]! | x[b]!; break; // or
        case 40: x[d + 1] = x[a + 1]! & x[b + 1]!; x[d] = x[a]! & x[b]!; break; // and
        case 41: { const v = (x[a]! + imm) | 0; x[d] = v; x[d + 1] = v >> 31; break; } // addiw
        case 42: { const v = x[a]! << imm; x[d] = v; x[d + 1] = v >> 31; break; } // slliw
        case 43: { const v = (x[a]! >>> imm) | 0; x[d] = v; x[d + 1] = v >> 31; break; } // srliw
        case 44: { const v = x[a]! >> imm; x[d] = v; x[d + 1] = v >> 31; break; } // sraiw
        case 45: { const v = (x[a]! + x[b]!) | 0; x[d] = v; x[d + 1] = v >> 31; break; } // addw
        case 46: { const v = (x[a]! - x[b]!) | 0; x[d] = v; x[d + 1] = v >> 31; break; } // subw
        case 47: { const v = x[a]! << (x[b]! & 31); x[d] = v; x[d + 1] = v >> 31; break; } // sllw
        case 48: { const v = (x[a]! >>> (x[b]! & 31)) | 0; x[d] = v; x[d + 1] = v >> 31; break; } // srlw
        case 49: { const v = x[a]! >> (x[b]! & 31); x[d] = v; x[d + 1] = v >> 31; break; } // sraw
        case 50: break; // fence: accesses are performed in order by one thread; Atomics give cross-thread order
        case 64: mul(x, d, a, b); break;
        case 65: case 66: case 67: mulh(x, d, a, b, w & 255); break;
        case 68: case 69: case 70: case 71: divrem(x, d, a, b, w & 255); break;
        case 72: { const v = Math.imul(x[a]!, x[b]!); x[d] = v; x[d + 1] = v >> 31; break; } // mulw
        case 73: case 74: case 75: case 76: divremw(x, d, a, b, w & 255); break;
        default: {
          h.h = hh;
          h.count = count;
          const r = executeSlow(h, w, imm, dec[k + 2]!);
          if (r === SLOW_CONTINUE) break;
          count++;
          if (r === SLOW_REENTER) {
            // FENCE.I: enter the page again, which checks its decoded slots against RAM; the slice goes on.
            h.h = nh;
            continue outer;
          }
          if (r === SLOW_END_SEQUENTIAL) h.h = nh;
          return count;
        }
      }
      hh = nh;
      count++;
    }
    h.h = hh;
  }
  return count;
}

function shiftLeft(x: Int32Array, d: number, lo: number, hi: number, s: number): void {
  if (s === 0) {
    x[d] = lo;
    x[d + 1] = hi;
  } else if (s < 32) {
    x[d + 1] = (hi << s) | (lo >>> (32 - s));
    x[d] = lo << s;
  } else {
    x[d + 1] = lo << (s - 32);
    x[d] = 0;
  }
}

function shiftRight(x: Int32Array, d: number, lo: number, hi: number, s: number, arithmetic: boolean): void {
  if (s === 0) {
    x[d] = lo;
    x[d + 1] = hi;
  } else if (s < 32) {
    x[d] = (lo >>> s) | (hi << (32 - s));
    x[d + 1] = arithmetic ? hi >> s : hi >>> s;
  } else {
    x[d] = arithmetic ? hi >> (s - 32) : hi >>> (s - 32);
    x[d + 1] = arithmetic ? hi >> 31 : 0;
  }
}
