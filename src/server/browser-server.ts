/**
 * Browser mode: the built renderer over HTTP plus the wire protocol over a WebSocket, on loopback
 * only. Every request needs the per-run token (query string on first load, then an HttpOnly cookie),
 * so another local user or a web page in the same browser cannot drive the emulator or the shell.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import * as path from 'node:path';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { WireSession } from '../host/transport/wire-session';
import type { WorkbenchServices } from '../host/services';

export interface BrowserServerOptions {
  readonly services: WorkbenchServices;
  /** 0 or absent: a free port chosen by the OS. */
  readonly port?: number;
  /** Absent: 32 random bytes, hex. */
  readonly token?: string;
  /** The built renderer (out/renderer). */
  readonly rendererDir: string;
  /** Where the startup line goes; defaults to console.log. */
  readonly log?: (line: string) => void;
}

export interface BrowserServer {
  readonly url: string;
  readonly port: number;
  readonly token: string;
  close(): Promise<void>;
}

const HOST = '127.0.0.1';
export const WEBSOCKET_PATH = '/ws';
const TOKEN_COOKIE = 'hvwb_token';
const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.map': 'application/json; charset=utf-8',
};

export async function startBrowserServer(options: BrowserServerOptions): Promise<BrowserServer> {
  const token = options.token ?? randomBytes(32).toString('hex');
  const rendererDir = path.resolve(options.rendererDir);
  const sockets = new Set<Socket>();
  let port = 0;

  const isAllowedHost = (host: string | undefined): boolean =>
    host === `${HOST}:${port}` || host === `localhost:${port}`;
  const isAllowedOrigin = (origin: string | undefined): boolean =>
    origin === undefined || origin === `http://${HOST}:${port}` || origin === `http://localhost:${port}`;

  const server = createServer((request, response) => {
    handleHttp(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });

  async function handleHttp(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', `http://${HOST}`);
    const queryToken = url.searchParams.get('token');
    // The Host check defeats DNS rebinding: a page on evil.example resolving to 127.0.0.1.
    if (!isAllowedHost(request.headers.host) || !hasToken(request, queryToken, token)) {
      return sendText(response, 403, 'Forbidden: open the URL printed by the workbench, with its token.');
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') return sendText(response, 405, 'Method not allowed');
    const headers: Record<string, string> = securityHeaders(port);
    if (queryToken !== null) {
      headers['Set-Cookie'] = `${TOKEN_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`;
    }
    const file = resolveStatic(rendererDir, url.pathname);
    const info = file ? await stat(file).catch(() => undefined) : undefined;
    if (!file || !info?.isFile()) return sendText(response, 404, 'Not found');
    headers['Content-Type'] = CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream';
    headers['Content-Length'] = String(info.size);
    // Hashed assets may be cached; index.html must not be, or a rebuilt renderer would not load.
    headers['Cache-Control'] = file.endsWith('.html') ? 'no-store' : 'private, max-age=3600';
    response.writeHead(200, headers);
    if (request.method === 'HEAD') return void response.end();
    createReadStream(file).pipe(response);
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  server.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) => {
    const url = new URL(request.url ?? '/', `http://${HOST}`);
    const allowed =
      url.pathname === WEBSOCKET_PATH &&
      isAllowedHost(request.headers.host) &&
      isAllowedOrigin(request.headers.origin) &&
      hasToken(request, url.searchParams.get('token'), token);
    if (!allowed) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => attach(ws));
  });

  function attach(ws: WebSocket): void {
    const session = new WireSession(options.services, (message) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
    });
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(rawToString(data));
      } catch {
        return;
      }
      session.handle(parsed);
    });
    ws.on('close', () => session.dispose());
    ws.on('error', () => session.dispose());
  }

  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  const url = `http://${HOST}:${port}/?token=${token}`;
  (options.log ?? console.log)(`Workbench: ${url}`);

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    token,
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}

function hasToken(request: IncomingMessage, queryToken: string | null, token: string): boolean {
  const presented = queryToken ?? readCookie(request.headers.cookie, TOKEN_COOKIE);
  if (!presented) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index > 0 && part.slice(0, index).trim() === name) return part.slice(index + 1).trim();
  }
  return undefined;
}

/** Maps a URL path to a file inside rendererDir, or undefined if it would escape it. */
function resolveStatic(rendererDir: string, pathname: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  const relative = decoded === '/' || decoded === '' ? 'index.html' : decoded.replace(/^\/+/, '');
  const file = path.resolve(rendererDir, relative);
  return file.startsWith(rendererDir + path.sep) ? file : undefined;
}

function securityHeaders(port: number): Record<string, string> {
  return {
    // xterm's DOM renderer injects <style> elements, hence 'unsafe-inline' for styles only.
    'Content-Security-Policy': [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data:",
      "font-src 'self' data:",
      `connect-src 'self' ws://${HOST}:${port} ws://localhost:${port}`,
      "object-src 'none'",
      "base-uri 'none'",
      "frame-ancestors 'none'",
      "form-action 'none'",
    ].join('; '),
    'X-Content-Type-Options': 'nosniff',
    // The token is in the first URL: never hand it to another origin through Referer.
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
  };
}

function sendText(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(text)),
    'Cache-Control': 'no-store',
  });
  response.end(text);
}

function rawToString(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}
