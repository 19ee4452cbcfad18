/**
 * The register view's breakpoints and watchpoints of one zone: a list the user edits (add by address
 * or symbol, enable, disable, remove) whose enabled entries are written into each of the zone's CPUs'
 * debug table (core/cpu/hart-snapshot.ts writeDebugTable, the table the GDB stub also uses). At most
 * the table's MAX_BREAKPOINTS / MAX_WATCHPOINTS are enabled at once; beyond that the user is told so.
 * While a gdb client is attached the table is gdb's: the list refuses edits and is written back when gdb
 * detaches (gdb clears the table then).
 */
import type { DebugPointData, DebugPointKind, ZoneDebugPoints } from '../shared/protocol/index';
import { hex64, MAX_BREAKPOINTS, MAX_WATCHPOINTS, WatchKind, type DebugTableState } from '../core/cpu/hart-snapshot';
import type { SymbolTable } from '../core/machine/symbols';

/** Entries kept in one zone's list, enabled or not. */
export const MAX_LISTED_POINTS = 64;
/** Longest watched range (as the GDB stub allows). */
export const MAX_WATCH_LENGTH = 4096;

interface DebugPoint {
  readonly id: number;
  readonly kind: DebugPointKind;
  readonly address: bigint;
  readonly length: number;
  enabled: boolean;
  hits: number;
}

const WATCH_BITS: Record<Exclude<DebugPointKind, 'execute'>, number> = { write: WatchKind.write, read: WatchKind.read, access: WatchKind.access };

export class ZoneDebugPointList {
  private readonly points: DebugPoint[] = [];
  private nextId = 1;
  /** The point that stopped the zone, until it runs again. */
  private hitId: number | undefined;
  private hitText: string | null = null;

  constructor(
    private readonly zoneName: string,
    /** Writes a table into every CPU of the zone. */
    private readonly write: (table: DebugTableState) => void,
  ) {}

  add(kind: DebugPointKind, location: string, length: number | undefined, symbols: SymbolTable | undefined): DebugPoint {
    if (this.points.length >= MAX_LISTED_POINTS) throw new Error(`${this.zoneName} has ${MAX_LISTED_POINTS} breakpoints and watchpoints listed, the most the view keeps: remove one first`);
    const { address, size } = resolveLocation(location, symbols);
    let bytes = 1;
    if (kind !== 'execute') {
      bytes = length ?? (size > 0 ? Math.min(size, MAX_WATCH_LENGTH) : 8);
      if (!Number.isInteger(bytes) || bytes < 1 || bytes > MAX_WATCH_LENGTH) throw new Error(`a watchpoint watches 1 to ${MAX_WATCH_LENGTH} bytes, not ${String(length)}`);
    }
    const same = this.points.find((p) => p.kind === kind && p.address === address && p.length === bytes);
    if (same) {
      this.setEnabled(same.id, true);
      return same;
    }
    const point: DebugPoint = { id: this.nextId++, kind, address, length: bytes, enabled: false, hits: 0 };
    this.points.push(point);
    try {
      this.setEnabled(point.id, true);
    } catch (error) {
      this.points.pop();
      this.nextId--;
      throw error;
    }
    return point;
  }

  /** Adds a breakpoint at the address, or removes the one there. */
  toggle(address: bigint): void {
    const at = this.points.findIndex((p) => p.kind === 'execute' && p.address === address);
    if (at >= 0) this.remove(this.points[at]!.id);
    else this.add('execute', hex64(address), undefined, undefined);
  }

  removeAllBreakpoints(): void {
    for (const point of this.points.filter((p) => p.kind === 'execute')) this.points.splice(this.points.indexOf(point), 1);
    this.apply();
  }

  setEnabled(id: number, enabled: boolean): void {
    const point = this.find(id);
    if (enabled && !point.enabled) {
      const watch = point.kind !== 'execute';
      const limit = watch ? MAX_WATCHPOINTS : MAX_BREAKPOINTS;
      const inUse = this.points.filter((p) => p.enabled && (p.kind !== 'execute') === watch).length;
      if (inUse >= limit) {
        throw new Error(`${this.zoneName} already has ${limit} ${watch ? 'watchpoints' : 'breakpoints'} enabled, as many as each CPU's debug table holds: disable or remove one first`);
      }
    }
    point.enabled = enabled;
    this.apply();
  }

  remove(id: number): void {
    this.points.splice(this.points.indexOf(this.find(id)), 1);
    if (this.hitId === id) this.hitId = undefined;
    this.apply();
  }

  /** Writes the enabled entries into the zone's CPUs. */
  apply(): void {
    const enabled = this.points.filter((p) => p.enabled);
    this.write({
      breakpoints: enabled.filter((p) => p.kind === 'execute').map((p) => p.address),
      watchpoints: enabled.filter((p) => p.kind !== 'execute').map((p) => ({ address: p.address, length: p.length, kind: WATCH_BITS[p.kind as Exclude<DebugPointKind, 'execute'>] })),
    });
  }

  /** An enabled breakpoint at the address (a stop there, or a CPU to step over it before continuing). */
  breakpointAt(pc: bigint): boolean {
    return this.points.some((p) => p.enabled && p.kind === 'execute' && p.address === pc);
  }

  /** Credits a breakpoint stop to the point that caused it; the text says which, by symbol. */
  recordStop(pc: bigint, watch: { kind: number; address: bigint } | undefined, symbols: SymbolTable | undefined): void {
    const name = (a: bigint): string => symbols?.describe(a) ?? hex64(a).replace(/^0x0+(?=.)/, '0x');
    const point = watch
      ? this.points.find((p) => p.enabled && p.kind !== 'execute' && (WATCH_BITS[p.kind as Exclude<DebugPointKind, 'execute'>] & watch.kind) !== 0 && watch.address + 1n > p.address && watch.address < p.address + BigInt(p.length))
      : this.points.find((p) => p.enabled && p.kind === 'execute' && p.address === pc);
    if (!point) {
      this.hitId = undefined;
      this.hitText = null;
      return;
    }
    point.hits++;
    this.hitId = point.id;
    this.hitText = watch
      ? `watchpoint ${point.id} (${point.kind}) on ${name(point.address)}: ${watch.kind === WatchKind.write ? 'written' : 'read'} at ${name(watch.address)} by pc ${name(pc)}`
      : `breakpoint ${point.id} at ${name(pc)}`;
  }

  /** The zone runs again: no point is the current hit. */
  clearHit(): void {
    this.hitId = undefined;
    this.hitText = null;
  }

  data(symbols: SymbolTable | undefined, gdbOwns: boolean, held: boolean): ZoneDebugPoints {
    const points: DebugPointData[] = this.points.map((p) => {
      const symbol = symbols?.describe(p.address);
      return { id: p.id, kind: p.kind, address: hex64(p.address), length: p.length, enabled: p.enabled, ...(symbol ? { symbol } : {}), hits: p.hits, hit: held && p.id === this.hitId };
    });
    return { points, limits: { breakpoints: MAX_BREAKPOINTS, watchpoints: MAX_WATCHPOINTS }, gdbOwns, hit: held ? this.hitText : null };
  }

  private find(id: number): DebugPoint {
    const point = this.points.find((p) => p.id === id);
    if (!point) throw new Error(`${this.zoneName} has no breakpoint or watchpoint ${id}`);
    return point;
  }
}

/** An address ("0x89000d54", "2298480980") or a symbol ("zone_trap", "zone_trap+0x10"). */
export function resolveLocation(location: string, symbols: SymbolTable | undefined): { address: bigint; size: number } {
  const text = location.trim();
  if (!text) throw new Error('give an address or a symbol name');
  if (/^(0x[0-9a-fA-F_]+|[0-9_]+)$/.test(text)) {
    const address = BigInt(text.replace(/_/g, ''));
    if (address >= 1n << 64n) throw new Error(`not an address: ${location}`);
    return { address, size: 0 };
  }
  const match = /^([A-Za-z_.$][\w.$@]*)\s*(?:\+\s*(0x[0-9a-fA-F]+|[0-9]+))?$/.exec(text);
  if (!match) throw new Error(`not an address or a symbol name: ${location}`);
  if (!symbols) throw new Error(`no symbols for this zone: '${match[1]}' cannot be looked up (drop an ELF or System.map on the view, or give an address)`);
  const symbol = symbols.find(match[1]!);
  if (!symbol) throw new Error(`no symbol '${match[1]}' in ${symbols.source}`);
  const offset = match[2] ? BigInt(match[2]) : 0n;
  return { address: BigInt.asUintN(64, symbol.address + offset), size: offset === 0n ? symbol.size : 0 };
}
