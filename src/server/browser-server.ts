/**
 * Browser mode: the built renderer over HTTP plus the wire protocol over a WebSocket, on loopback
 * only. Only the WebSocket carries data (machine state, consoles, the host shell), and it needs the
 * per-run token. The token is never put in a cookie: cookies ignore ports, so every other server on
 * 127.0.0.1 (another user's dev server, a page the user opens) would be sent it. The printed URL carries
 * it in the fragment, which browsers never send to a server; the page keeps it in sessionStorage and
 * offers it as a WebSocket subprotocol. The renderer's static files hold nothing secret and are served
 * without it, but only to this origin.
 *
 * Gates, each answering 403: Host must be 127.0.0.1:<port> or localhost:<port> (DNS rebinding); an
 * Origin must be exactly http://127.0.0.1:<port> (a page on another local port, or any site, can neither
 * open the WebSocket nor read a response); subresource requests a browser marks cross-site or same-site
 * (another port of 127.0.0.1 is the same site) are refused. localhost:<port> is redirected to
 * 127.0.0.1:<port>: localhost may resolve to ::1, where another process could listen on our port number.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import * as path from 'node:path';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { WireSession } from '../host/transport/wire-session';
import type { WorkbenchServices } from '../host/services';
import { TOKEN_FRAGMENT_KEY, TOKEN_SUBPROTOCOL_PREFIX, WEBSOCKET_PATH, WIRE_SUBPROTOCOL } from '../shared/protocol/browser-mode';

export { WEBSOCKET_PATH };

export interface BrowserServerOptions {
  readonly services: WorkbenchServices;
  /** 0 or absent: a free port chosen by the OS. */
  readonly port?: number;
  /** Absent: 32 random bytes, hex. Letters, digits and . _ ~ - only: it travels as a WebSocket subprotocol. */
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
const TOKEN_PATTERN = /^[A-Za-z0-9._~-]{1,256}$/;
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
  if (!TOKEN_PATTERN.test(token)) {
    throw new Error('browser server: the token may hold only letters, digits and . _ ~ - (1 to 256 of them)');
  }
  const tokenDigest = digest(token);
  const rendererDir = path.resolve(options.rendererDir);
  const sockets = new Set<Socket>();
  let port = 0;
  const ownOrigin = (): string => `http://${HOST}:${port}`;

  const isAllowedHost = (host: string | undefined): boolean =>
    host === `${HOST}:${port}` || host === `localhost:${port}`;

  const server = createServer((request, response) => {
    handleHttp(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });

  async function handleHttp(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', ownOrigin());
    const refusal = httpRefusal(request, isAllowedHost, ownOrigin());
    if (refusal) return sendText(response, 403, `Forbidden: ${refusal}. Open the URL printed by the workbench.`);
    if (request.method !== 'GET' && request.method !== 'HEAD') return sendText(response, 405, 'Method not allowed');
    if (request.headers.host !== `${HOST}:${port}`) {
      // The browser keeps the fragment (the token) across the redirect.
      response.writeHead(308, { Location: `${ownOrigin()}${url.pathname}${url.search}`, 'Cache-Control': 'no-store' });
      return void response.end();
    }
    const headers: Record<string, string> = securityHeaders(port);
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

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_MESSAGE_BYTES,
    // Answer with the wire subprotocol only: echoing the token one would put it in the response.
    handleProtocols: (offered) => (offered.has(WIRE_SUBPROTOCOL) ? WIRE_SUBPROTOCOL : false),
  });
  server.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) => {
    const url = new URL(request.url ?? '/', ownOrigin());
    const offered = subprotocols(request);
    const allowed =
      url.pathname === WEBSOCKET_PATH &&
      isAllowedHost(request.headers.host) &&
      // Browsers always send Origin on a WebSocket; only our own page may connect, not another local port.
      request.headers.origin === ownOrigin() &&
      offered.includes(WIRE_SUBPROTOCOL) &&
      offered.some((entry) => entry.startsWith(TOKEN_SUBPROTOCOL_PREFIX) && tokenMatches(entry.slice(TOKEN_SUBPROTOCOL_PREFIX.length), tokenDigest));
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
  const url = `http://${HOST}:${port}/#${TOKEN_FRAGMENT_KEY}=${token}`;
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

/** Why an HTTP request is refused, or undefined when it comes from our own page (or a user typing the URL). */
function httpRefusal(request: IncomingMessage, isAllowedHost: (host: string | undefined) => boolean, ownOrigin: string): string | undefined {
  if (!isAllowedHost(request.headers.host)) return 'unexpected Host header';
  const origin = request.headers.origin;
  if (origin !== undefined && origin !== ownOrigin) return `requests from ${origin} are not served`;
  // Fetch metadata catches what carries no Origin (a <script> or <img> on another local port). A
  // navigation is let through: it only gets the public page, and the token is not in it.
  const site = request.headers['sec-fetch-site'];
  if (request.headers['sec-fetch-mode'] !== 'navigate' && (site === 'cross-site' || site === 'same-site')) {
    return 'requests from other sites or ports are not served';
  }
  return undefined;
}

function subprotocols(request: IncomingMessage): string[] {
  const header = request.headers['sec-websocket-protocol'];
  if (typeof header !== 'string') return [];
  return header.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Compares digests, so the time taken says nothing about the token, not even its length. */
function tokenMatches(presented: string, expected: Buffer): boolean {
  return timingSafeEqual(digest(presented), expected);
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
      `connect-src 'self' ws://${HOST}:${port}`,
      "object-src 'none'",
      "base-uri 'none'",
      "frame-ancestors 'none'",
      "form-action 'none'",
    ].join('; '),
    'X-Content-Type-Options': 'nosniff',
    // The token is in the first URL's fragment, which Referer never carries; no-referrer all the same.
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
