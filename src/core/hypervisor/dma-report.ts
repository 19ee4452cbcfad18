/**
 * The DMA report: every DMA access an IOMMU refused (the emulator's zone hook on riscv64, the SMMUv3
 * model's translation faults on aarch64), counted per device, zone and direction, with the first and
 * the last address. Each refusal is also a hypervisor trace record (HvEventKind.dma) when the trace
 * records, and a line in the hypervisor log: the first refusal of a device, zone and direction at once,
 * later ones summed up at most once a second per key, so a guest that loops on a bad descriptor cannot
 * flood the log.
 */
import type { DmaAccess } from '../bus/dma';
import { HvEventKind, type HvTrace } from './hv-trace';

export interface DmaReportEntry {
  readonly bdf: number;
  readonly device: string;
  /** The owning zone (-1: none). */
  readonly zone: number;
  readonly access: DmaAccess;
  count: number;
  firstAddress: number;
  lastAddress: number;
  lastLength: number;
  lastReason: string;
  /** Milliseconds (the report's clock) of the last refusal. */
  lastTime: number;
}

export interface DmaRefused {
  readonly bdf: number;
  readonly device: string;
  readonly zone: number;
  readonly address: number;
  /** Bytes of the access (0: not known, as in an SMMU event record). */
  readonly length: number;
  readonly access: DmaAccess;
  readonly reason: string;
}

export interface DmaReportOptions {
  /** A line for the hypervisor log. */
  readonly log: (line: string) => void;
  /** The machine's hypervisor trace, when it has one. */
  readonly trace?: HvTrace;
  /** Milliseconds, for the log's rate limit (default Date.now). */
  readonly now?: () => number;
}

const bdfText = (bdf: number): string => `${(bdf >> 8).toString(16).padStart(2, '0')}:${((bdf >> 3) & 0x1f).toString(16).padStart(2, '0')}.${bdf & 7}`;
const hex = (n: number): string => (Number.isSafeInteger(n) && n >= 0 ? `0x${n.toString(16)}` : String(n));

/** At most this many keys are kept (device x zone x direction); more are counted in `dropped`. */
export const MAX_DMA_REPORT_KEYS = 256;

export class DmaReport {
  private readonly entries = new Map<string, DmaReportEntry & { logged: number; unlogged: number }>();
  /** Refusals of keys beyond MAX_DMA_REPORT_KEYS (counted, not listed). */
  dropped = 0;

  constructor(private readonly options: DmaReportOptions) {}

  add(refused: DmaRefused): void {
    const now = (this.options.now ?? Date.now)();
    const trace = this.options.trace;
    if (trace?.on) {
      trace.record(HvEventKind.dma, refused.zone, -1, refused.bdf, refused.access === 'write' ? 1 : 0, BigInt(Math.max(0, Math.trunc(refused.address) || 0)), BigInt(Math.max(0, Math.trunc(refused.length) || 0)));
    }
    const key = `${refused.bdf}/${refused.zone}/${refused.access}`;
    let entry = this.entries.get(key);
    if (!entry) {
      if (this.entries.size >= MAX_DMA_REPORT_KEYS) {
        this.dropped++;
        return;
      }
      entry = {
        bdf: refused.bdf, device: refused.device, zone: refused.zone, access: refused.access,
        count: 0, firstAddress: refused.address, lastAddress: refused.address, lastLength: refused.length, lastReason: refused.reason, lastTime: now,
        logged: -Infinity, unlogged: 0,
      };
      this.entries.set(key, entry);
    }
    entry.count++;
    entry.lastAddress = refused.address;
    entry.lastLength = refused.length;
    entry.lastReason = refused.reason;
    entry.lastTime = now;
    if (now - entry.logged >= 1000) {
      const more = entry.unlogged > 0 ? ` (${entry.unlogged} more since the last line)` : '';
      this.options.log(
        `DMA blocked: ${bdfText(refused.bdf)} ${refused.device} of zone ${refused.zone} ${refused.access}${refused.length > 0 ? ` of ${refused.length} byte(s)` : ''} at ${hex(refused.address)}: ${refused.reason}; ${entry.count} refused so far${more}`,
      );
      entry.logged = now;
      entry.unlogged = 0;
    } else entry.unlogged++;
  }

  /** The entries, oldest key first. */
  list(): DmaReportEntry[] {
    return [...this.entries.values()].map(({ logged: _l, unlogged: _u, ...e }) => ({ ...e }));
  }

  clear(): void {
    this.entries.clear();
    this.dropped = 0;
  }

  /** Snapshots (decision 0024): puts a saved list back (the log's rate limit starts anew). */
  restore(entries: readonly DmaReportEntry[], dropped: number): void {
    this.clear();
    for (const e of entries.slice(0, MAX_DMA_REPORT_KEYS)) this.entries.set(`${e.bdf}/${e.zone}/${e.access}`, { ...e, logged: -Infinity, unlogged: 0 });
    this.dropped = dropped;
  }
}

/** A machine's DMA report and what confines its functions' DMA, for the PCIe view. */
export interface MachineDmaReport {
  readonly guard: string;
  readonly report: DmaReport;
}

// The report of each machine in this thread, found by the machine's board object (its plan's), as the
// hypervisor trace is found by its buffer (hv-trace.ts).
const attached = new WeakMap<object, MachineDmaReport>();

export function attachDmaReport(board: object, report: MachineDmaReport): void {
  attached.set(board, report);
}

export function dmaReportOf(board: object): MachineDmaReport | undefined {
  return attached.get(board);
}
