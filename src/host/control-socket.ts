/**
 * The local control socket of a running workbench or headless run, which `hvwb zone ...` talks to:
 * a Unix domain socket in a per-user directory only its owner can enter (0700), itself 0600, named
 * after the process. Messages are JSON lines: `{id, command, params}` -> `{id, ok, value | error}`.
 * Nothing listens on the network.
 */
import { createServer, createConnection, type Server, type Socket } from 'node:net';
import { chmodSync, existsSync, readdirSync, unlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensurePrivateDirectory } from './private-directory';

export interface ControlServer {
  readonly path: string;
  close(): Promise<void>;
}

export type ControlHandler = (command: string, params: unknown) => Promise<unknown>;

/** The directory holding this user's control sockets. */
export function controlDirectory(): string {
  const base = process.env.XDG_RUNTIME_DIR && existsSync(process.env.XDG_RUNTIME_DIR) ? process.env.XDG_RUNTIME_DIR : os.tmpdir();
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
  return path.join(base, `hvwb-${uid}`);
}

export async function startControlServer(handler: ControlHandler): Promise<ControlServer> {
  const dir = controlDirectory();
  ensurePrivateDirectory(dir);
  const socketPath = path.join(dir, `${process.pid}-${Date.now().toString(36)}.sock`);
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let buffered = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      if (buffered.length > 1 << 20) {
        socket.destroy();
        return;
      }
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        void answer(socket, line, handler);
      }
    });
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  chmodSync(socketPath, 0o600);
  return {
    path: socketPath,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => {
          if (existsSync(socketPath)) unlinkSync(socketPath);
          resolve();
        });
      }),
  };
}

async function answer(socket: Socket, line: string, handler: ControlHandler): Promise<void> {
  let id: unknown = null;
  try {
    const message = JSON.parse(line) as { id?: unknown; command?: unknown; params?: unknown };
    id = message.id ?? null;
    if (typeof message.command !== 'string') throw new Error('missing command');
    const value = await handler(message.command, message.params ?? {});
    socket.write(JSON.stringify({ id, ok: true, value }) + '\n');
  } catch (error) {
    socket.write(JSON.stringify({ id, ok: false, error: (error as Error).message }) + '\n');
  }
}

/** Sockets of running workbenches of this user that still answer a connection. */
export async function liveControlSockets(): Promise<string[]> {
  const dir = controlDirectory();
  if (!existsSync(dir)) return [];
  const candidates = readdirSync(dir).filter((n) => n.endsWith('.sock')).map((n) => path.join(dir, n));
  const live: string[] = [];
  for (const candidate of candidates) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = createConnection(candidate);
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) live.push(candidate);
    else {
      try {
        unlinkSync(candidate);
      } catch {
        // Another process may have removed the stale socket first.
      }
    }
  }
  return live;
}

/** Sends one command and waits for its answer. */
export function controlRequest(socketPath: string, command: string, params: unknown, timeoutMs = 30_000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(socketPath);
    let buffered = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer from ${socketPath} within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    socket.setEncoding('utf8');
    socket.once('connect', () => socket.write(JSON.stringify({ id: 1, command, params }) + '\n'));
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      const newline = buffered.indexOf('\n');
      if (newline < 0) return;
      clearTimeout(timer);
      socket.destroy();
      const reply = JSON.parse(buffered.slice(0, newline)) as { ok: boolean; value?: unknown; error?: string };
      if (reply.ok) resolve(reply.value);
      else reject(new Error(reply.error ?? 'the workbench refused the command'));
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot reach the workbench at ${socketPath}: ${error.message}`));
    });
  });
}
