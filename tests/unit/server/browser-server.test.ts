/**
 * Browser mode server: token gate, loopback binding, static files and the WebSocket wire protocol.
 * The attacks reproduced here: a page on another 127.0.0.1 port (cookies ignore ports, Origin does
 * not), DNS rebinding (a foreign Host), and a token guessed or replayed through a cookie or the query.
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { networkInterfaces, tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startBrowserServer, type BrowserServer } from '../../../src/server/index';
import type { WireMessage } from '../../../src/shared/protocol/index';
import type { WorkbenchServices } from '../../../src/host/services';
import { createFakeServices } from '../../e2e/fake-services';

let rendererDir: string;
let services: WorkbenchServices;
let server: BrowserServer;

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function get(pathname: string, headers: Record<string, string> = {}, host = '127.0.0.1', port = server.port): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path: pathname, headers, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const WIRE = 'hvwb.wire';
const tokenProtocol = (token: string): string => `hvwb.token.${token}`;
const ownOrigin = (): string => `http://127.0.0.1:${server.port}`;

/** Opens the wire socket as the browser page does: the token in the subprotocol list, our Origin. */
function openSocket(protocols: string[], headers: Record<string, string> = { Origin: ownOrigin() }, query = ''): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws${query}`, protocols, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

/** Collects messages so that tests can wait for one matching a predicate, whenever it arrived. */
function collect(ws: WebSocket): (match: (message: WireMessage) => boolean) => Promise<WireMessage> {
  const seen: WireMessage[] = [];
  const waiters: { match: (message: WireMessage) => boolean; resolve: (message: WireMessage) => void }[] = [];
  ws.on('message', (data) => {
    const message = JSON.parse(String(data)) as WireMessage;
    seen.push(message);
    for (const waiter of [...waiters]) {
      if (waiter.match(message)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(message);
      }
    }
  });
  return (match) => {
    const found = seen.find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve) => waiters.push({ match, resolve }));
  };
}

beforeAll(async () => {
  rendererDir = await mkdtemp(path.join(tmpdir(), 'hvwb-renderer-'));
  await mkdir(path.join(rendererDir, 'assets'));
  await writeFile(path.join(rendererDir, 'index.html'), '<!doctype html><title>workbench</title>');
  await writeFile(path.join(rendererDir, 'assets', 'app.js'), 'console.log(1);');
  services = await createFakeServices({ autoStart: false });
  server = await startBrowserServer({ services, rendererDir, log: () => undefined });
});

afterAll(async () => {
  await server?.close();
  await services?.dispose();
  await rm(rendererDir, { recursive: true, force: true });
});

describe('browser server HTTP', () => {
  it('prints a loopback URL carrying a long random token in the fragment, which browsers never send', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/#token=${server.token}`);
    expect(server.token).toMatch(/^[0-9a-f]{64}$/);
  });

  it('serves the renderer to its own page and never sets a cookie, which every 127.0.0.1 port would be sent', async () => {
    const first = await get('/');
    expect(first.status).toBe(200);
    expect(first.body).toContain('<title>workbench</title>');
    expect(first.headers['content-security-policy']).toContain("script-src 'self'");
    expect(first.headers['content-security-policy']).toContain(`connect-src 'self' ws://127.0.0.1:${server.port}`);
    expect(first.headers['set-cookie']).toBeUndefined();
    const asset = await get('/assets/app.js', { Origin: ownOrigin(), 'Sec-Fetch-Site': 'same-origin', 'Sec-Fetch-Mode': 'cors' });
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toContain('text/javascript');
    expect(asset.headers['set-cookie']).toBeUndefined();
    // Even the old ?token= first load must not hand out a cookie.
    const withQuery = await get(`/?token=${server.token}`);
    expect(withQuery.headers['set-cookie']).toBeUndefined();
    expect(withQuery.body).not.toContain(server.token);
  });

  it('refuses a page on another local port (Origin), even when it sends the right token', async () => {
    const other = `http://127.0.0.1:${server.port === 65535 ? 65534 : server.port + 1}`;
    const reply = await get(`/assets/app.js?token=${server.token}`, { Origin: other, Cookie: `hvwb_token=${server.token}` });
    expect(reply.status).toBe(403);
    expect(reply.body).not.toContain('console.log');
    expect((await get('/', { Origin: 'http://localhost:1' })).status).toBe(403);
    expect((await get('/', { Origin: 'null' })).status).toBe(403);
  });

  it('refuses subresource loads a browser marks as coming from another port or site', async () => {
    expect((await get('/assets/app.js', { 'Sec-Fetch-Site': 'same-site', 'Sec-Fetch-Mode': 'no-cors' })).status).toBe(403);
    expect((await get('/assets/app.js', { 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Mode': 'no-cors' })).status).toBe(403);
    expect((await get('/', { 'Sec-Fetch-Site': 'none', 'Sec-Fetch-Mode': 'navigate' })).status).toBe(200);
  });

  it('rejects a foreign Host header (DNS rebinding)', async () => {
    expect((await get('/', { Host: 'evil.example' })).status).toBe(403);
    expect((await get('/', { Host: `evil.example:${server.port}` })).status).toBe(403);
    expect((await get('/', { Host: `127.0.0.1:${server.port + 1}` })).status).toBe(403);
  });

  it('sends localhost to 127.0.0.1, the one origin the WebSocket accepts', async () => {
    const reply = await get('/assets/app.js?x=1', { Host: `localhost:${server.port}` });
    expect(reply.status).toBe(308);
    expect(reply.headers.location).toBe(`${ownOrigin()}/assets/app.js?x=1`);
  });

  it('never serves files outside the renderer folder', async () => {
    expect((await get('/..%2f..%2fetc%2fpasswd')).status).toBe(404);
    expect((await get('/missing.js')).status).toBe(404);
  });

  it('listens on 127.0.0.1 only', async () => {
    const other = await startBrowserServer({ services, rendererDir, port: 0, log: () => undefined });
    try {
      expect(other.url.startsWith('http://127.0.0.1:')).toBe(true);
      const external = Object.values(networkInterfaces())
        .flat()
        .find((entry) => entry && entry.family === 'IPv4' && !entry.internal);
      if (external) {
        await expect(get('/', {}, external.address, other.port)).rejects.toThrow(/ECONNREFUSED/);
      }
    } finally {
      await other.close();
    }
  });

  it('uses a given token and port, and refuses a token that cannot travel as a subprotocol', async () => {
    const probe = await startBrowserServer({ services, rendererDir, log: () => undefined });
    const port = probe.port;
    await probe.close();
    const fixed = await startBrowserServer({ services, rendererDir, port, token: 'fixed-token', log: () => undefined });
    try {
      expect(fixed.port).toBe(port);
      expect(fixed.url).toBe(`http://127.0.0.1:${port}/#token=fixed-token`);
      expect((await get('/', {}, '127.0.0.1', port)).status).toBe(200);
    } finally {
      await fixed.close();
    }
    await expect(startBrowserServer({ services, rendererDir, token: 'a b', log: () => undefined })).rejects.toThrow(/token may hold only/);
  });
});

describe('browser server WebSocket', () => {
  it('refuses upgrades without the token or with a wrong one', async () => {
    await expect(openSocket([WIRE])).rejects.toThrow('HTTP 403');
    await expect(openSocket([WIRE, tokenProtocol('wrong')])).rejects.toThrow('HTTP 403');
    await expect(openSocket([WIRE, tokenProtocol(`${server.token}0`)])).rejects.toThrow('HTTP 403');
    await expect(openSocket([tokenProtocol(server.token)])).rejects.toThrow('HTTP 403');
  });

  it('refuses a page on another local port, or any other origin, even with the right token', async () => {
    const right = [WIRE, tokenProtocol(server.token)];
    await expect(openSocket(right, { Origin: `http://127.0.0.1:${server.port + 1}` })).rejects.toThrow('HTTP 403');
    await expect(openSocket(right, { Origin: 'http://127.0.0.1' })).rejects.toThrow('HTTP 403');
    await expect(openSocket(right, { Origin: `http://localhost:${server.port}` })).rejects.toThrow('HTTP 403');
    await expect(openSocket(right, { Origin: 'https://evil.example' })).rejects.toThrow('HTTP 403');
    await expect(openSocket(right, {})).rejects.toThrow('HTTP 403');
  });

  it('refuses a rebinding page (foreign Host) with the right token and origin', async () => {
    const right = [WIRE, tokenProtocol(server.token)];
    await expect(openSocket(right, { Origin: ownOrigin(), Host: 'evil.example' })).rejects.toThrow('HTTP 403');
  });

  it('no longer takes the token from a cookie or the query string', async () => {
    await expect(openSocket([WIRE], { Origin: ownOrigin(), Cookie: `hvwb_token=${server.token}` })).rejects.toThrow('HTTP 403');
    await expect(openSocket([WIRE], { Origin: ownOrigin() }, `?token=${server.token}`)).rejects.toThrow('HTTP 403');
  });

  it('answers invokes with results and forwards events', async () => {
    const ws = await openSocket([WIRE, tokenProtocol(server.token)]);
    // The server picks the wire subprotocol and never echoes the token back.
    expect(ws.protocol).toBe(WIRE);
    const next = collect(ws);
    const send = (message: WireMessage): void => ws.send(JSON.stringify(message));

    send({ kind: 'invoke', id: 1, command: 'layout.get', params: {} });
    const layout = await next((message) => message.kind === 'result' && message.id === 1);
    expect(layout).toMatchObject({ ok: true, value: { state: 'idle', arch: 'riscv64' } });

    send({ kind: 'invoke', id: 2, command: 'machine.start', params: {} });
    expect(await next((message) => message.kind === 'result' && message.id === 2)).toMatchObject({
      ok: true,
      value: { state: 'running' },
    });
    const stateEvent = await next((message) => message.kind === 'event' && message.event === 'machine.state');
    expect(stateEvent).toMatchObject({ payload: { state: 'running' } });
    await next((message) => message.kind === 'event' && message.event === 'serial.output');

    send({ kind: 'invoke', id: 3, command: 'serial.input', params: { zone: 0, data: 'hi\r' } });
    await next((message) => message.kind === 'result' && message.id === 3);
    const echo = await next(
      (message) => message.kind === 'event' && JSON.stringify(message.payload).includes('echo: hi'),
    );
    expect(echo).toMatchObject({ event: 'serial.output', payload: { zone: 0 } });

    send({ kind: 'invoke', id: 4, command: 'no.such' as never, params: {} });
    expect(await next((message) => message.kind === 'result' && message.id === 4)).toMatchObject({ ok: false });

    ws.send('not json');
    send({ kind: 'invoke', id: 5, command: 'serial.backlog', params: { zone: 0 } });
    const backlog = await next((message) => message.kind === 'result' && message.id === 5);
    expect(JSON.stringify(backlog)).toContain('Hello from zone 0');
    ws.close();
  });
});
