/**
 * The protocol version check when a window connects: a window whose code speaks another protocol than
 * the workbench (the workbench was updated and restarted under an open page) is told so and refused,
 * instead of misreading messages. Checked on the shared wire client and session (both transports use
 * them) and through the browser-mode WebSocket server.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { WireSession } from '../../../src/host/transport/wire-session';
import type { WorkbenchServices } from '../../../src/host/services';
import { startBrowserServer } from '../../../src/server/index';
import { PROTOCOL_VERSION, type WireMessage } from '../../../src/shared/protocol/index';
import { createWireClient } from '../../../src/shared/protocol/wire-client';
import { createFakeServices } from '../../e2e/fake-services';

let services: WorkbenchServices | undefined;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
  await services?.dispose();
  services = undefined;
});

/** A window speaking `protocol`, connected to the services through the shared session (JSON both ways). */
function connect(target: WorkbenchServices, protocol: number) {
  const copy = (message: WireMessage): unknown => JSON.parse(JSON.stringify(message));
  let session: WireSession | undefined;
  const client = createWireClient((message) => queueMicrotask(() => session?.handle(copy(message))), protocol);
  session = new WireSession(target, (message) => queueMicrotask(() => client.receive(copy(message) as WireMessage)));
  return { client, session };
}

const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 10));

describe('protocol version check', () => {
  it('serves a window of the same version as before', async () => {
    services = await createFakeServices({ autoStart: false });
    const { client, session } = connect(services, PROTOCOL_VERSION);
    const hellos: number[] = [];
    client.api.on('connection.hello', ({ protocol }) => hellos.push(protocol));
    client.hello();
    expect((await client.api.invoke('layout.get', {})).state).toBe('idle');
    expect(hellos).toEqual([PROTOCOL_VERSION]);
    expect(client.mismatch).toBeUndefined();
    session.dispose();
  });

  it('tells an out-of-date window to reload and refuses its commands, on both sides', async () => {
    services = await createFakeServices({ autoStart: false });
    const { client, session } = connect(services, PROTOCOL_VERSION - 1);
    const states: string[] = [];
    client.api.on('machine.state', (layout) => states.push(layout.state));
    // A command sent before the answer arrives is refused too, not left hanging.
    const early = client.api.invoke('layout.get', {});
    client.hello();
    await expect(early).rejects.toThrow(/the workbench was updated .*reload this window/);
    await expect(client.api.invoke('layout.get', {})).rejects.toThrow(`it speaks protocol ${PROTOCOL_VERSION}, this window ${PROTOCOL_VERSION - 1}`);
    // The services refuse it as well (a window that ignored the answer) and send it no events.
    const raw: WireMessage[] = [];
    const direct = new WireSession(services, (message) => raw.push(message));
    direct.handle({ kind: 'hello', protocol: PROTOCOL_VERSION + 1 });
    direct.handle({ kind: 'invoke', id: 7, command: 'machine.start', params: {} });
    await settle();
    expect(raw[0]).toEqual({ kind: 'hello', protocol: PROTOCOL_VERSION });
    expect(raw[1]).toMatchObject({ kind: 'result', id: 7, ok: false, error: expect.stringContaining('reload this window') });
    expect(raw.some((m) => m.kind === 'event')).toBe(false);
    expect(states).toEqual([]);
    // The refused start did not start the machine.
    const fresh = connect(services, PROTOCOL_VERSION);
    fresh.client.hello();
    expect((await fresh.client.api.invoke('layout.get', {})).state).toBe('idle');
    direct.dispose();
    session.dispose();
    fresh.session.dispose();
  });

  it('gives the answer to a listener that subscribes after it arrived (the page loads after the preload said hello)', async () => {
    services = await createFakeServices({ autoStart: false });
    const { client, session } = connect(services, PROTOCOL_VERSION + 1);
    client.hello();
    await settle();
    const late = await new Promise<number>((resolve) => client.api.on('connection.hello', ({ protocol }) => resolve(protocol)));
    expect(late).toBe(PROTOCOL_VERSION);
    expect(client.mismatch).toMatch(/reload this window/);
    session.dispose();
  });

  it('answers over the browser-mode WebSocket: hello with its version, then refusals for another one', async () => {
    services = await createFakeServices({ autoStart: false });
    const rendererDir = await mkdtemp(path.join(tmpdir(), 'hvwb-renderer-'));
    await writeFile(path.join(rendererDir, 'index.html'), '<!doctype html><title>workbench</title>');
    const server = await startBrowserServer({ services, rendererDir, log: () => undefined });
    cleanups.push(async () => {
      await server.close();
      await rm(rendererDir, { recursive: true, force: true });
    });
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws`, ['hvwb.wire', `hvwb.token.${server.token}`], { headers: { Origin: `http://127.0.0.1:${server.port}` } });
    const messages: WireMessage[] = [];
    ws.on('message', (data) => messages.push(JSON.parse(String(data)) as WireMessage));
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    ws.send(JSON.stringify({ kind: 'hello', protocol: 1 }));
    ws.send(JSON.stringify({ kind: 'invoke', id: 1, command: 'layout.get', params: {} }));
    const deadline = Date.now() + 5000;
    while (messages.filter((m) => m.kind !== 'event').length < 2 && Date.now() < deadline) await settle();
    ws.close();
    const replies = messages.filter((m) => m.kind !== 'event');
    expect(replies[0]).toEqual({ kind: 'hello', protocol: PROTOCOL_VERSION });
    expect(replies[1]).toMatchObject({ kind: 'result', id: 1, ok: false, error: expect.stringContaining('the workbench was updated') });
  });
});
