/**
 * The GDB stub's listening socket for one zone: 127.0.0.1 only (never every interface), one client at
 * a time (a second connection is closed at once), a session per connection (session.ts). Also the
 * command line printed for the user, the zone looked up by name or id, and the guest's ELF image.
 */
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { MachineHost } from '../machine-host';
import { gdbArch } from './arch';
import { GdbSession } from './session';
import { ZoneTarget } from './zone-target';

export interface GdbServer {
  readonly zone: number;
  readonly zoneName: string;
  readonly port: number;
  /** A ready gdb-multiarch command line for this stub. */
  readonly commandLine: string;
  /** True while a client is connected. */
  connected(): boolean;
  close(): Promise<void>;
}

/** A zone by its name or id, among the layout's zones (running or not). */
export function findZone(host: MachineHost, zone: string | number): { id: number; name: string } {
  const statuses = host.zoneStatuses();
  const found = statuses.find((z) => z.name === String(zone)) ?? statuses.find((z) => String(z.id) === String(zone).trim());
  if (!found) throw new Error(`there is no zone '${zone}' (zones: ${statuses.map((z) => `${z.name} (${z.id})`).join(', ')})`);
  return { id: found.id, name: found.name };
}

/** The guest image with symbols for a zone's image file: the ELF next to a raw .bin when there is one. */
export function symbolFile(image: string | undefined): string | undefined {
  if (!image) return undefined;
  if (image.endsWith('.bin')) {
    const elf = image.slice(0, -'.bin'.length) + '.elf';
    if (existsSync(elf)) return elf;
  }
  return image;
}

/** The image a zone boots (the root's from the layout, another zone's kernel_filepath), as an absolute path. */
export function zoneImage(host: MachineHost, zone: number): string | undefined {
  if (zone === 0) return host.loaded.images.kernel;
  for (const file of host.loaded.zoneFiles) {
    try {
      const json = JSON.parse(readFileSync(file.path, 'utf8')) as { zone_id?: unknown; kernel_filepath?: unknown };
      if (Number(json.zone_id) === zone && typeof json.kernel_filepath === 'string') return path.resolve(path.dirname(file.path), json.kernel_filepath);
    } catch {
      // An unreadable zone file names no image.
    }
  }
  return undefined;
}

const quote = (text: string): string => (/^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`);

/**
 * The gdb-multiarch command line for a stub. The symbol file is named relative to `relativeTo` (the
 * directory the user types in: the CLI's working directory) when it lies below it, otherwise by its
 * absolute path, which works from any terminal (the workbench's button: its shell opens in the layout
 * folder, the user's own terminal anywhere).
 */
export function gdbCommandLine(architecture: string, port: number, elf?: string, relativeTo?: string): string {
  const parts = ['gdb-multiarch', '-ex', quote(`set architecture ${architecture}`), '-ex', quote(`target remote 127.0.0.1:${port}`)];
  if (elf) {
    const absolute = path.resolve(elf);
    const relative = relativeTo === undefined ? '' : path.relative(relativeTo, absolute);
    parts.push(quote(relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : absolute));
  }
  return parts.join(' ');
}

/**
 * Starts a stub for `zone` on 127.0.0.1:`port` (0: any free port). `elf` is only for the printed
 * command line, which names it relative to `relativeTo` where given (see gdbCommandLine).
 */
export async function startGdbServer(host: MachineHost, zone: string | number, port: number, elf?: string, relativeTo?: string): Promise<GdbServer> {
  const arch = gdbArch(host.loaded.board.arch);
  if (!arch) throw new Error(`the GDB stub does not support ${host.loaded.board.arch} yet`);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`not a TCP port: ${port}`);
  const { id, name } = findZone(host, zone);
  const target = new ZoneTarget(host, id, arch);
  let active: { socket: net.Socket; session: GdbSession } | undefined;

  const server = net.createServer((socket) => {
    if (active) {
      // One client at a time per zone.
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    const session = new GdbSession(
      target,
      (text) => {
        if (!socket.destroyed) socket.write(Buffer.from(text, 'latin1'));
      },
      () => socket.end(),
    );
    const current = { socket, session };
    active = current;
    // The client starts from an empty table: the register view's breakpoints are not gdb's (the view
    // shows the table as gdb's while a client is attached and writes its own back after it leaves).
    target.setTable([], []);
    // Bytes that arrive before the zone is stopped wait for it.
    const early: Buffer[] = [];
    let started = false;
    socket.on('data', (chunk: Buffer) => (started ? session.data(chunk) : early.push(chunk)));
    const finish = (): void => {
      session.dispose();
      if (active === current) active = undefined;
    };
    socket.on('close', finish);
    socket.on('error', finish);
    void session.start().then(
      () => {
        started = true;
        for (const chunk of early.splice(0)) session.data(chunk);
      },
      () => socket.destroy(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const actual = (server.address() as net.AddressInfo).port;
  return {
    zone: id,
    zoneName: name,
    port: actual,
    commandLine: gdbCommandLine(arch.architecture, actual, elf, relativeTo),
    connected: () => active !== undefined,
    close: () =>
      new Promise<void>((resolve) => {
        active?.session.dispose();
        active?.socket.destroy();
        server.close(() => resolve());
      }),
  };
}
