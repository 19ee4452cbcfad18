/** Browser mode server: token gate, loopback binding, static files and the WebSocket wire protocol. */
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

function openSocket(query: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws${query}`, { headers });
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
  it('prints a loopback URL carrying a long random token', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${server.token}`);
    expect(server.token).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses requests without the token or with a wrong one', async () => {
    expect((await get('/')).status).toBe(403);
    expect((await get('/assets/app.js')).status).toBe(403);
    expect((await get('/?token=nope')).status).toBe(403);
    expect((await get(`/?token=${server.token}x`)).status).toBe(403);
  });

  it('serves the renderer with the token and sets a cookie for later requests', async () => {
    const first = await get(`/?token=${server.token}`);
    expect(first.status).toBe(200);
    expect(first.body).toContain('<title>workbench</title>');
    expect(first.headers['content-security-policy']).toContain("script-src 'self'");
    const cookie = String(first.headers['set-cookie']).split(';')[0] ?? '';
    expect(cookie).toBe(`hvwb_token=${server.token}`);
    expect(String(first.headers['set-cookie'])).toContain('HttpOnly');
    const asset = await get('/assets/app.js', { Cookie: cookie });
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toContain('text/javascript');
  });

  it('rejects a foreign Host header (DNS rebinding) even with the token', async () => {
    const reply = await get(`/?token=${server.token}`, { Host: `evil.example:${server.port}` });
    expect(reply.status).toBe(403);
  });

  it('never serves files outside the renderer folder', async () => {
    const reply = await get(`/..%2f..%2fetc%2fpasswd?token=${server.token}`);
    expect(reply.status).toBe(404);
    expect((await get(`/missing.js?token=${server.token}`)).status).toBe(404);
  });

  it('listens on 127.0.0.1 only', async () => {
    const other = await startBrowserServer({ services, rendererDir, port: 0, log: () => undefined });
    try {
      expect(other.url.startsWith('http://127.0.0.1:')).toBe(true);
      const external = Object.values(networkInterfaces())
        .flat()
        .find((entry) => entry && entry.family === 'IPv4' && !entry.internal);
      if (external) {
        await expect(get(`/?token=${other.token}`, {}, external.address, other.port)).rejects.toThrow(/ECONNREFUSED/);
      }
    } finally {
      await other.close();
    }
  });

  it('uses a given token and port', async () => {
    const probe = await startBrowserServer({ services, rendererDir, log: () => undefined });
    const port = probe.port;
    await probe.close();
    const fixed = await startBrowserServer({ services, rendererDir, port, token: 'fixed-token', log: () => undefined });
    try {
      expect(fixed.port).toBe(port);
      expect((await get('/?token=fixed-token', {}, '127.0.0.1', port)).status).toBe(200);
    } finally {
      await fixed.close();
    }
  });
});

describe('browser server WebSocket', () => {
  it('refuses upgrades without the token or from another origin', async () => {
    await expect(openSocket('')).rejects.toThrow('HTTP 403');
    await expect(openSocket('?token=wrong')).rejects.toThrow('HTTP 403');
    await expect(openSocket(`?token=${server.token}`, { Origin: 'https://evil.example' })).rejects.toThrow('HTTP 403');
  });

  it('accepts the token cookie instead of the query string', async () => {
    const ws = await openSocket('', { Cookie: `hvwb_token=${server.token}` });
    ws.close();
  });

  it('answers invokes with results and forwards events', async () => {
    const ws = await openSocket(`?token=${server.token}`, { Origin: `http://127.0.0.1:${server.port}` });
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
