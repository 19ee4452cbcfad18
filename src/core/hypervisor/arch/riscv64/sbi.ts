/**
 * The SBI a zone guest sees. By default exactly hvisor's (src/arch/riscv64/sbi.rs): EXT_TABLE =
 * BASE, TIME, HSM, sPI, RFENCE and the hvisor EID; of HSM only hart_start; of the legacy calls only
 * set_timer, console_putchar and console_getchar; everything else answers SBI_ERR_NOT_SUPPORTED, and
 * probe_extension answers the extension id itself for a table entry (as hvisor does), 0 otherwise.
 * Calls hvisor forwards to the firmware (impl id/version, m*id, console, remote fences) are answered
 * by the workbench, which is the firmware here.
 *
 * A layout may opt in to `workbenchSbiExtensions`, conveniences hvisor does not have: SRST (a zone
 * powers itself off), DBCN (debug console), HSM hart_stop / get_status / retentive suspend, and the
 * legacy clear_ipi / send_ipi / shutdown calls. They are labelled as such in the README.
 *
 * Every call is confined to the calling zone: HSM and IPIs only reach the zone's own harts (hvisor
 * itself would wake or interrupt any CPU; a hart outside the zone answers SBI_ERR_INVALID_PARAM),
 * SRST only stops the zone. Hypervisor calls (EID 0x114514) are handed to a separate handler.
 */
import type { HartSignals } from '../../../bus/types';
import type { HartApi } from '../../../isa/riscv64/platform';
import { HartWord, HsmState } from '../../../cpu/hart-header';
import { HvEventKind, type HvTrace } from '../../hv-trace';

export const SbiError = {
  success: 0n,
  failed: -1n,
  notSupported: -2n,
  invalidParam: -3n,
  denied: -4n,
  invalidAddress: -5n,
  alreadyAvailable: -6n,
  alreadyStarted: -7n,
  alreadyStopped: -8n,
} as const;

export const SbiExtension = {
  legacySetTimer: 0x00,
  legacyPutchar: 0x01,
  legacyGetchar: 0x02,
  legacyClearIpi: 0x03,
  legacySendIpi: 0x04,
  legacyShutdown: 0x08,
  base: 0x10,
  time: 0x54494d45,
  ipi: 0x735049,
  rfence: 0x52464e43,
  hsm: 0x48534d,
  srst: 0x53525354,
  dbcn: 0x4442434e,
  hvisor: 0x114514,
} as const;

const SPEC_VERSION = 2n << 24n;
/** SBI implementation id for this emulator's hypervisor (not a registered id; hvisor has none either). */
const IMPL_ID = 0x4856n;
const MIP_SSIP = 1 << 1;
const MIP_STIP = 1 << 5;
const U64 = (1n << 64n) - 1n;

/** hvisor's EXT_TABLE (src/arch/riscv64/sbi.rs). */
const HVISOR_EXTENSIONS: readonly number[] = [SbiExtension.base, SbiExtension.time, SbiExtension.hsm, SbiExtension.ipi, SbiExtension.rfence, SbiExtension.hvisor];
/** Added by the `workbenchSbiExtensions` layout option. */
const WORKBENCH_EXTENSIONS: readonly number[] = [SbiExtension.srst, SbiExtension.dbcn];
/** Legacy extensions are EIDs 0x0..0xF: they return only a0 (hvisor sbi_vs_handler). */
const LEGACY_LAST = 0xf;

export type ResetKind = 'shutdown' | 'cold-reboot' | 'warm-reboot';

/** What the SBI needs from the zone that owns the calling hart. */
export interface SbiZone {
  /** Physical hart ids of the zone. */
  readonly harts: readonly number[];
  /** Hart header words (Int32Array over the shared buffer) of every hart of the board, by hart id. */
  headerOf(hart: number): Int32Array;
  readonly signals: HartSignals;
  /** Clock ticks (board timebase). */
  now(): number;
  consoleWrite(bytes: Uint8Array): void;
  /** Next input byte or -1. */
  consoleRead(): number;
  /** Reads guest-physical memory of the zone; returns undefined if the range is not the zone's RAM. */
  readGuest(gpa: number, length: number): Uint8Array | undefined;
  writeGuest(gpa: number, bytes: Uint8Array): boolean;
  reset(kind: ResetKind, reason: number, hart: number): void;
  /** Wakes a stopped hart so that its worker notices a pending start. */
  wake(hart: number): void;
  /** The calling hart must leave its run loop (it stopped itself). */
  yieldHart(hart: number): void;
  /** The hvisor hypercall extension; absent before zones exist. */
  hypercall?(hart: HartApi): void;
  /** The layout's `workbenchSbiExtensions`: SRST, DBCN and the rest of HSM and legacy, which hvisor lacks. */
  readonly workbenchExtensions?: boolean;
  /** The hypervisor trace and the zone id its records carry. */
  readonly trace?: { readonly trace: HvTrace; readonly zoneId: number };
}

const A0 = 10;
const A1 = 11;
const A6 = 16;
const A7 = 17;

/** A 64-bit EID or FID as a number; -1 (matching nothing) when it does not fit 32 bits. */
function wordOrNone(value: bigint): number {
  const v = BigInt.asUintN(64, value);
  return v <= 0xffffffffn ? Number(v) : -1;
}

export class SbiHandler {
  constructor(private readonly zone: SbiZone) {}

  handle(hart: HartApi): void {
    // hvisor matches the full registers (usize): 2^32 + 0x10 is no extension at all, not BASE.
    const eid = wordOrNone(hart.getX(A7));
    const fid = wordOrNone(hart.getX(A6));
    if (eid === SbiExtension.hvisor && this.zone.hypercall) {
      this.zone.hypercall(hart);
      return;
    }
    const traced = this.zone.trace;
    const args = traced?.trace.on ? [hart.getX(A0), hart.getX(A0 + 1), hart.getX(A0 + 2)] : undefined;
    this.caller = hart.hartId;
    let error: bigint;
    let value: bigint | undefined;
    if (eid >= 0 && eid <= LEGACY_LAST) {
      error = this.legacy(hart, eid);
      hart.setX(A0, error);
    } else {
      [error, value] = this.dispatch(hart, eid, fid);
      hart.setX(A0, error);
      if (value !== undefined) hart.setX(A1, value);
    }
    if (traced && args) {
      traced.trace.record(HvEventKind.sbi, traced.zoneId, hart.hartId, eid, (fid & 0xffff) | ((Number(BigInt.asIntN(16, error)) & 0xffff) << 16), args[0], args[1], args[2], value ?? 0n);
    }
  }

  /** The hart whose call is being handled (for the IPI records). */
  private caller = -1;

  private dispatch(hart: HartApi, eid: number, fid: number): [bigint, bigint?] {
    const arg = (i: number): bigint => hart.getX(A0 + i);
    switch (eid) {
      case SbiExtension.base:
        return this.base(fid, arg(0));
      case SbiExtension.time:
        if (fid !== 0) return [SbiError.notSupported];
        this.setTimer(hart.hartId, arg(0));
        return [SbiError.success, 0n];
      case SbiExtension.ipi:
        if (fid !== 0) return [SbiError.notSupported];
        return this.sendIpi(arg(0), arg(1));
      case SbiExtension.rfence:
        if (fid < 0 || fid > 2) return [SbiError.notSupported];
        return this.remoteFence(arg(0), arg(1), fid === 0 ? 2 : 1);
      case SbiExtension.hsm:
        return this.hsm(hart, fid, arg(0), arg(1), arg(2));
      case SbiExtension.srst:
        if (!this.extended) return [SbiError.notSupported];
        return this.systemReset(hart, fid, arg(0), arg(1));
      case SbiExtension.dbcn:
        if (!this.extended) return [SbiError.notSupported];
        return this.debugConsole(fid, arg(0), arg(1), arg(2));
      default:
        return [SbiError.notSupported];
    }
  }

  private base(fid: number, a0: bigint): [bigint, bigint?] {
    switch (fid) {
      case 0: return [SbiError.success, SPEC_VERSION];
      case 1: return [SbiError.success, IMPL_ID];
      case 2: return [SbiError.success, 1n];
      // hvisor answers the extension id itself, not 1 (any non-zero value means available).
      case 3: return [SbiError.success, this.probe(a0) ? a0 : 0n];
      case 4:
      case 5:
      case 6: return [SbiError.success, 0n];
      default: return [SbiError.notSupported];
    }
  }

  private get extended(): boolean {
    return this.zone.workbenchExtensions === true;
  }

  private probe(value: bigint): boolean {
    if (value > 0xffffffffn) return false;
    const eid = Number(value);
    if (eid === SbiExtension.hvisor) return this.zone.hypercall !== undefined;
    return HVISOR_EXTENSIONS.includes(eid) || (this.extended && WORKBENCH_EXTENSIONS.includes(eid));
  }

  private legacy(hart: HartApi, eid: number): bigint {
    const hvisorHas = eid === SbiExtension.legacySetTimer || eid === SbiExtension.legacyPutchar || eid === SbiExtension.legacyGetchar;
    if (!hvisorHas && !this.extended) return SbiError.notSupported;
    switch (eid) {
      case SbiExtension.legacySetTimer:
        this.setTimer(hart.hartId, hart.getX(A0));
        return 0n;
      case SbiExtension.legacyPutchar:
        this.zone.consoleWrite(Uint8Array.of(Number(hart.getX(A0) & 0xffn)));
        return 0n;
      case SbiExtension.legacyGetchar:
        return BigInt(this.zone.consoleRead());
      case SbiExtension.legacyClearIpi:
        this.zone.signals.setPending(hart.hartId, MIP_SSIP, false);
        return 0n;
      case SbiExtension.legacySendIpi: {
        const mask = this.zone.readGuest(Number(hart.getX(A0)), 8);
        if (!mask) return SbiError.invalidAddress;
        const bits = new DataView(mask.buffer, mask.byteOffset, 8).getBigUint64(0, true);
        this.sendIpi(bits, 0n);
        return 0n;
      }
      case SbiExtension.legacyShutdown:
        this.zone.reset('shutdown', 0, hart.hartId);
        this.zone.yieldHart(hart.hartId);
        return 0n;
      default:
        return SbiError.notSupported;
    }
  }

  private setTimer(hartId: number, deadline: bigint): void {
    const header = this.zone.headerOf(hartId);
    const value = deadline & U64;
    Atomics.store(header, HartWord.sbiTimerLo, Number(value & 0xffffffffn) | 0);
    Atomics.store(header, HartWord.sbiTimerHi, Number(value >> 32n) | 0);
    this.zone.signals.setPending(hartId, MIP_STIP, false);
  }

  /** Harts selected by an SBI hart mask; undefined if the mask names a hart outside the zone. */
  private selectHarts(mask: bigint, base: bigint): number[] | undefined {
    const all = (base & U64) === U64;
    const selected: number[] = [];
    if (all) return [...this.zone.harts];
    for (let bit = 0n; bit < 64n; bit++) {
      if (((mask >> bit) & 1n) === 0n) continue;
      const hart = Number(base + bit);
      if (!this.zone.harts.includes(hart)) return undefined;
      selected.push(hart);
    }
    return selected;
  }

  private sendIpi(mask: bigint, base: bigint): [bigint, bigint?] {
    const harts = this.selectHarts(mask, base);
    if (!harts) return [SbiError.invalidParam];
    for (const hart of harts) this.zone.signals.setPending(hart, MIP_SSIP, true);
    const traced = this.zone.trace;
    if (traced?.trace.on) traced.trace.record(HvEventKind.ipi, traced.zoneId, this.caller, 0, 0, harts.reduce((m, h) => m | (1n << BigInt(h)), 0n), 0n);
    return [SbiError.success, 0n];
  }

  private remoteFence(mask: bigint, base: bigint, bits: number): [bigint, bigint?] {
    const harts = this.selectHarts(mask, base);
    if (!harts) return [SbiError.invalidParam];
    for (const hart of harts) {
      Atomics.or(this.zone.headerOf(hart), HartWord.fences, bits);
      this.zone.wake(hart);
    }
    return [SbiError.success, 0n];
  }

  private hsm(hart: HartApi, fid: number, a0: bigint, a1: bigint, a2: bigint): [bigint, bigint?] {
    if (fid === 0) return this.hartStart(hart, a0, a1, a2);
    // hvisor implements hart_start only; the rest answers NOT_SUPPORTED (src/arch/riscv64/sbi.rs sbi_hsm_handler).
    if (!this.extended) return [SbiError.notSupported];
    switch (fid) {
      case 1: {
        const header = this.zone.headerOf(hart.hartId);
        Atomics.store(header, HartWord.hsm, HsmState.stopped);
        this.zone.yieldHart(hart.hartId);
        return [SbiError.success, 0n];
      }
      case 2: {
        const target = Number(a0);
        if (a0 > 0xffffn || !this.zone.harts.includes(target)) return [SbiError.invalidParam];
        return [SbiError.success, BigInt(Atomics.load(this.zone.headerOf(target), HartWord.hsm))];
      }
      case 3:
        // A retentive suspend behaves like WFI; the hart simply returns from the call.
        if (Number(a0 & 0xffffffffn) === 0) return [SbiError.success, 0n];
        return [SbiError.notSupported];
      default:
        return [SbiError.notSupported];
    }
  }

  /**
   * hvisor's sbi_hsm_start_handler: the calling hart itself is ALREADY_AVAILABLE, a hart that is
   * already on is FAILED (hvisor checks power_on, not the HSM state; the workbench extensions give
   * the SBI spec's ALREADY_AVAILABLE instead).
   */
  private hartStart(hart: HartApi, a0: bigint, a1: bigint, a2: bigint): [bigint, bigint?] {
    const target = Number(a0);
    if (a0 > 0xffffn || !this.zone.harts.includes(target)) return [SbiError.invalidParam];
    if (target === hart.hartId) return [SbiError.alreadyAvailable];
    const header = this.zone.headerOf(target);
    if (Atomics.compareExchange(header, HartWord.hsm, HsmState.stopped, HsmState.startPending) !== HsmState.stopped) {
      return [this.extended ? SbiError.alreadyAvailable : SbiError.failed];
    }
    Atomics.store(header, HartWord.hsmStartAddrLo, Number(a1 & 0xffffffffn) | 0);
    Atomics.store(header, HartWord.hsmStartAddrHi, Number((a1 >> 32n) & 0xffffffffn) | 0);
    Atomics.store(header, HartWord.hsmOpaqueLo, Number(a2 & 0xffffffffn) | 0);
    Atomics.store(header, HartWord.hsmOpaqueHi, Number((a2 >> 32n) & 0xffffffffn) | 0);
    this.zone.wake(target);
    return [SbiError.success, 0n];
  }

  private systemReset(hart: HartApi, fid: number, type: bigint, reason: bigint): [bigint, bigint?] {
    if (fid !== 0) return [SbiError.notSupported];
    const kinds: Record<string, ResetKind> = { '0': 'shutdown', '1': 'cold-reboot', '2': 'warm-reboot' };
    const kind = kinds[(type & 0xffffffffn).toString()];
    if (!kind) return [SbiError.invalidParam];
    this.zone.reset(kind, Number(reason & 0xffffffffn), hart.hartId);
    this.zone.yieldHart(hart.hartId);
    return [SbiError.success, 0n];
  }

  private debugConsole(fid: number, a0: bigint, a1: bigint, a2: bigint): [bigint, bigint?] {
    switch (fid) {
      case 0: {
        const length = Number(a0 & 0xffffffffn);
        const address = Number((a2 << 32n) | (a1 & 0xffffffffn));
        const bytes = this.zone.readGuest(address, length);
        if (!bytes) return [SbiError.invalidParam];
        this.zone.consoleWrite(bytes);
        return [SbiError.success, BigInt(length)];
      }
      case 1: {
        const length = Number(a0 & 0xffffffffn);
        const address = Number((a2 << 32n) | (a1 & 0xffffffffn));
        const input: number[] = [];
        while (input.length < length) {
          const byte = this.zone.consoleRead();
          if (byte < 0) break;
          input.push(byte);
        }
        if (!this.zone.writeGuest(address, Uint8Array.from(input))) return [SbiError.invalidParam];
        return [SbiError.success, BigInt(input.length)];
      }
      case 2:
        this.zone.consoleWrite(Uint8Array.of(Number(a0 & 0xffn)));
        return [SbiError.success, 0n];
      default:
        return [SbiError.notSupported];
    }
  }
}
