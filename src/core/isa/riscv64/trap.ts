/**
 * Trap entry and return: exception and interrupt delivery with medeleg/mideleg, direct and vectored
 * tvec, MRET/SRET, the effective mip (shared pending word plus the machine timer and Sstc / SBI
 * supervisor timers), interrupt priority and global-enable rules, timer deadlines for WFI sleeps,
 * and the guest-fatal cases (no trap handler, trap loop) reported through platform.fault.
 */
import { HartWord } from '../../cpu/hart-header';
import { CAUSE_NAMES, Cause, Irq, Mstatus } from './csr-numbers';
import type { Hart, Privilege } from './hart';
import type { FaultReport } from './platform';
import { IrqEventKind } from '../../cpu/irq-trace';

const STIP = 1 << Irq.STI;
const MTIP = 1 << Irq.MTI;
const S_INTERRUPTS = (1 << Irq.SSI) | STIP | (1 << Irq.SEI);
const PRIORITY = [Irq.MEI, Irq.MSI, Irq.MTI, Irq.SEI, Irq.SSI, Irq.STI];
const STCE = 1n << 63n;

export function updateDprv(h: Hart): void {
  h.dprv = h.priv === 3 && (h.mstatus & Mstatus.MPRV) !== 0 ? (((h.mstatus >> Mstatus.MPP_SHIFT) & 3) as Privilege) : h.priv;
}

function sbiTimerTicks(h: Hart): number {
  const lo = Atomics.load(h.header, HartWord.sbiTimerLo);
  const hi = Atomics.load(h.header, HartWord.sbiTimerHi);
  if (lo === -1 && hi === -1) return Infinity;
  return (hi >>> 0) * 4294967296 + (lo >>> 0);
}

/** mip as software sees it: the shared pending word plus the timer bits computed from compare values. */
export function effectiveMip(h: Hart): number {
  let mip = Atomics.load(h.header, HartWord.mip);
  const now = h.platform.clock.now();
  if (h.supervisor) {
    mip &= S_INTERRUPTS;
    if (now >= h.stimecmpTicks || now >= sbiTimerTicks(h)) mip |= STIP;
    return mip;
  }
  if (now >= h.platform.machineTimerCompare()) mip |= MTIP;
  if ((h.menvcfg & STCE) !== 0n) {
    mip &= ~STIP;
    if (now >= h.stimecmpTicks) mip |= STIP;
  }
  return mip;
}

export function pendingAndEnabled(h: Hart): number {
  return effectiveMip(h) & h.mie;
}

export function nextTimerDeadline(h: Hart): number {
  let deadline = Infinity;
  if (h.supervisor) {
    if (h.mie & STIP) deadline = Math.min(h.stimecmpTicks, sbiTimerTicks(h));
    return deadline;
  }
  if (h.mie & MTIP) deadline = h.platform.machineTimerCompare();
  if (h.mie & STIP && (h.menvcfg & STCE) !== 0n) deadline = Math.min(deadline, h.stimecmpTicks);
  return deadline;
}

/** Takes the highest-priority interrupt that the privilege and enable rules allow, if any. */
export function checkInterrupts(h: Hart): boolean {
  const pending = pendingAndEnabled(h);
  if (pending === 0) return false;
  const mLevel = pending & ~h.mideleg;
  const sLevel = pending & h.mideleg;
  let take = 0;
  if (mLevel !== 0 && (h.priv < 3 || (h.mstatus & Mstatus.MIE) !== 0)) take = mLevel;
  else if (sLevel !== 0 && (h.priv < 1 || (h.priv === 1 && (h.mstatus & Mstatus.SIE) !== 0))) take = sLevel;
  if (take === 0) return false;
  for (const irq of PRIORITY) {
    if (take & (1 << irq)) {
      if (h.trace !== undefined && h.trace.on) traceDelivery(h, irq);
      takeTrap(h, irq, true, 0n);
      return true;
    }
  }
  return false;
}

/**
 * Interrupt timeline (irq-trace.ts): the interrupt trap about to be taken, with the zone slot the hart
 * runs, and for a timer interrupt the deadline it answers (as a timerDue record stamped with it).
 */
function traceDelivery(h: Hart, cause: number): void {
  const trace = h.trace!;
  const now = trace.now();
  const extra = cause | ((Atomics.load(h.header, HartWord.zoneSlot) & 0xff) << 8);
  if (cause === Irq.STI || cause === Irq.MTI) {
    let deadline = Infinity;
    if (cause === Irq.MTI) deadline = h.platform.machineTimerCompare();
    else if (h.supervisor) deadline = Math.min(h.stimecmpTicks, sbiTimerTicks(h));
    else if ((h.menvcfg & STCE) !== 0n) deadline = h.stimecmpTicks;
    const lag = h.platform.clock.now() - deadline;
    if (lag >= 0 && Number.isFinite(lag)) trace.record(IrqEventKind.timerDue, cause, -1, h.hartId, extra, now - lag);
  }
  trace.record(IrqEventKind.delivered, 0, -1, h.hartId, extra, now);
}

const hex = (v: bigint, digits = 0): string => `0x${v.toString(16).padStart(digits, '0')}`;

export function describeException(cause: number, tval: bigint, pc: bigint, detail: string): string {
  const name = CAUSE_NAMES[cause] ?? `exception ${cause}`;
  switch (cause) {
    case Cause.illegal: return `${name} ${hex(tval, 8)} at pc ${hex(pc)}`;
    case Cause.breakpoint: case Cause.ecallU: case Cause.ecallS: case Cause.ecallM: return `${name} at pc ${hex(pc)}`;
    default: return `${name} at address ${hex(tval)} (pc ${hex(pc)})${detail ? `: ${detail}` : ''}`;
  }
}

function fatal(h: Hart, kind: FaultReport['kind'], message: string, cause: number, tval: bigint): void {
  h.faulted = true;
  const pc = h.getPc();
  const withAddress = cause !== Cause.illegal && cause !== Cause.breakpoint && (cause < 8 || cause > 11);
  h.platform.fault({
    hart: h.hartId,
    pc,
    kind,
    message,
    ...(withAddress ? { address: tval, isWrite: cause === Cause.storeAccess || cause === Cause.storePage || cause === Cause.misalignedStore } : {}),
  });
}

export function deliverException(h: Hart): void {
  takeTrap(h, h.excCause, false, h.excTval);
}

export function takeTrap(h: Hart, cause: number, isInterrupt: boolean, tval: bigint): void {
  const pc = h.getPc();
  const toS = h.supervisor !== undefined || (h.priv <= 1 && (((isInterrupt ? h.mideleg : h.medeleg) >>> cause) & 1) !== 0);
  const tvec = toS ? h.stvec : h.mtvec;
  const base = tvec & ~3n;
  const target = toS ? 1 : 3;
  if (!isInterrupt) {
    // The report's text only where the machine stops (a guest's every ecall and page fault passes here).
    if (base === 0n) {
      fatal(h, 'no-trap-handler', `${describeException(cause, tval, pc, h.excDetail)}; no trap handler (${toS ? 'stvec' : 'mtvec'} = 0)`, cause, tval);
      return;
    }
    if (pc === base) {
      if (h.loopCause === cause && h.loopTarget === target) {
        fatal(h, 'trap-loop', `${describeException(cause, tval, pc, h.excDetail)}; the trap handler itself raises it (trap loop)`, cause, tval);
        return;
      }
      h.loopCause = cause;
      h.loopTarget = target;
    } else h.loopCause = -1;
  }
  h.excDetail = '';
  h.resAddr = -1;
  const causeValue = (isInterrupt ? 1n << 63n : 0n) | BigInt(cause);
  let s = h.mstatus;
  if (toS) {
    h.sepc = pc;
    h.scause = causeValue;
    h.stval = tval;
    s = (s & ~(Mstatus.SPIE | Mstatus.SIE | Mstatus.SPP)) | (s & Mstatus.SIE ? Mstatus.SPIE : 0) | (h.priv === 1 ? Mstatus.SPP : 0);
    h.priv = 1;
  } else {
    h.mepc = pc;
    h.mcause = causeValue;
    h.mtval = tval;
    s = (s & ~(Mstatus.MPIE | Mstatus.MIE | Mstatus.MPP)) | (s & Mstatus.MIE ? Mstatus.MPIE : 0) | (h.priv << Mstatus.MPP_SHIFT);
    h.priv = 3;
  }
  h.mstatus = s;
  updateDprv(h);
  h.setPc(base + (isInterrupt && (tvec & 3n) === 1n ? 4n * BigInt(cause) : 0n));
}

export function mret(h: Hart): void {
  const s = h.mstatus;
  const mpp = ((s >> Mstatus.MPP_SHIFT) & 3) as Privilege;
  let next = (s & ~(Mstatus.MIE | Mstatus.MPP)) | (s & Mstatus.MPIE ? Mstatus.MIE : 0) | Mstatus.MPIE;
  if (mpp !== 3) next &= ~Mstatus.MPRV;
  h.mstatus = next;
  h.priv = mpp;
  h.resAddr = -1;
  h.loopCause = -1;
  updateDprv(h);
  h.setPc(h.mepc);
}

export function sret(h: Hart): void {
  const s = h.mstatus;
  const spp: Privilege = s & Mstatus.SPP ? 1 : 0;
  h.mstatus = (s & ~(Mstatus.SIE | Mstatus.SPP | Mstatus.MPRV)) | (s & Mstatus.SPIE ? Mstatus.SIE : 0) | Mstatus.SPIE;
  h.priv = spp;
  h.resAddr = -1;
  h.loopCause = -1;
  updateDprv(h);
  h.setPc(h.sepc);
}
