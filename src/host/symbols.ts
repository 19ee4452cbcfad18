/**
 * Each zone's symbol table on the host: loaded on first use from layout.json's `symbols` key (root or
 * zone entry, a workbench convenience), else from the zone's image when that is an ELF (the file the GDB
 * stub names), or replaced by a file the user drops on the workbench (`zone.symbols`). Shared by the
 * register inspector, the timeline and the fault reports of one machine; a file that cannot be read is
 * remembered as that zone's error and never throws into the caller that only wanted a name.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import path from 'node:path';
import { annotatePcs, parseSymbolFile, SymbolError, type SymbolTable } from '../core/machine/symbols';
import type { MachineHost } from './machine-host';
import { symbolFile, zoneImage } from './gdb/server';

/** A dropped file larger than this is refused (it travels through the protocol as base64). */
export const MAX_DROPPED_BYTES = 256 * 1024 * 1024;

export interface ZoneSymbolStatus {
  /** The file's name (relative to the layout folder when it lies there). */
  readonly file: string | null;
  readonly count: number;
  readonly error?: string;
}

export class ZoneSymbols {
  private readonly tables = new Map<number, { table?: SymbolTable; file: string | null; error?: string }>();

  constructor(private readonly host: MachineHost) {}

  table(zone: number): SymbolTable | undefined {
    return this.entry(zone).table;
  }

  status(zone: number): ZoneSymbolStatus {
    const entry = this.entry(zone);
    return { file: entry.file, count: entry.table?.count ?? 0, ...(entry.error ? { error: entry.error } : {}) };
  }

  describe(zone: number, address: bigint): string | undefined {
    return this.table(zone)?.describe(address);
  }

  /** The text with `<name+0xoff>` after each `pc 0x...` (unchanged without symbols). */
  annotate(zone: number, text: string): string {
    const table = zone >= 0 ? this.table(zone) : undefined;
    return table ? annotatePcs(text, (a) => table.describe(a)) : text;
  }

  /** Loads a file on the host for the zone (absolute, or relative to the layout folder). */
  loadPath(zone: number, file: string): ZoneSymbolStatus {
    const absolute = path.resolve(this.host.loaded.folder, file);
    this.tables.set(zone, readTable(absolute, this.shown(absolute)));
    return this.status(zone);
  }

  /** Loads bytes the user dropped on the workbench. */
  loadBytes(zone: number, name: string, bytes: Uint8Array): ZoneSymbolStatus {
    const shown = path.basename(name) || 'dropped file';
    try {
      if (bytes.length > MAX_DROPPED_BYTES) throw new SymbolError(`${shown}: ${bytes.length} bytes is more than the ${MAX_DROPPED_BYTES >> 20} MiB a dropped file may have`);
      const table = parseSymbolFile((offset, length) => bytes.subarray(offset, offset + length), bytes.length, shown);
      this.tables.set(zone, { table, file: shown });
    } catch (error) {
      this.tables.set(zone, { file: shown, error: messageOf(error, shown) });
    }
    return this.status(zone);
  }

  private entry(zone: number): { table?: SymbolTable; file: string | null; error?: string } {
    let entry = this.tables.get(zone);
    if (!entry) {
      entry = this.automatic(zone);
      this.tables.set(zone, entry);
    }
    return entry;
  }

  /** The layout's `symbols` for the zone, else its image when that is an ELF. */
  private automatic(zone: number): { table?: SymbolTable; file: string | null; error?: string } {
    const { loaded } = this.host;
    let named: string | undefined;
    if (zone === 0) named = loaded.layout.root.symbols;
    else named = loaded.zoneFiles.find((z) => z.symbols && zoneIdOfJson(z.path) === zone)?.symbols;
    if (named) {
      const absolute = path.resolve(loaded.folder, named);
      return readTable(absolute, this.shown(absolute));
    }
    const image = symbolFile(zoneImage(this.host, zone));
    if (!image || !isElfFile(image)) return { file: null };
    return readTable(image, this.shown(image));
  }

  private shown(absolute: string): string {
    const relative = path.relative(this.host.loaded.folder, absolute);
    return relative && !path.isAbsolute(relative) ? relative : absolute;
  }
}

const registries = new WeakMap<MachineHost, ZoneSymbols>();

/** The machine's symbol tables (one registry per machine, shared by its services). */
export function zoneSymbols(host: MachineHost): ZoneSymbols {
  let registry = registries.get(host);
  if (!registry) {
    registry = new ZoneSymbols(host);
    registries.set(host, registry);
  }
  return registry;
}

function readTable(file: string, shown: string): { table?: SymbolTable; file: string; error?: string } {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const size = fstatSync(fd).size;
    const handle = fd;
    const table = parseSymbolFile(
      (offset, length) => {
        const bytes = new Uint8Array(Math.max(0, Math.min(length, size - offset)));
        let done = 0;
        while (done < bytes.length) {
          const n = readSync(handle, bytes, done, bytes.length - done, offset + done);
          if (n === 0) break;
          done += n;
        }
        return bytes.subarray(0, done);
      },
      size,
      shown,
    );
    return { table, file: shown };
  } catch (error) {
    return { file: shown, error: messageOf(error, shown) };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function messageOf(error: unknown, shown: string): string {
  if (error instanceof SymbolError) return error.message;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return `${shown}: no such file`;
  if (code === 'EISDIR') return `${shown}: is a folder, not a symbol file`;
  if (error instanceof RangeError) return `${shown}: too large to read symbols from (${error.message})`;
  return `${shown}: ${(error as Error).message}`;
}

function isElfFile(file: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const magic = new Uint8Array(4);
    return readSync(fd, magic, 0, 4, 0) === 4 && magic[0] === 0x7f && magic[1] === 0x45 && magic[2] === 0x4c && magic[3] === 0x46;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function zoneIdOfJson(file: string): number | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const bytes = new Uint8Array(Math.min(fstatSync(fd).size, 1 << 20));
    readSync(fd, bytes, 0, bytes.length, 0);
    const json = JSON.parse(new TextDecoder().decode(bytes)) as { zone_id?: unknown };
    return typeof json.zone_id === 'number' ? json.zone_id : undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
