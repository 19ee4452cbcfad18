/** The shared wire client and the node-side session, paired without a network in between. */
import { afterEach, describe, expect, it } from 'vitest';
import { WireSession } from '../../../src/host/transport/wire-session';
import type { WireMessage } from '../../../src/shared/protocol/index';
import { createWireClient } from '../../../src/shared/protocol/wire-client';
import type { WorkbenchServices } from '../../../src/host/services';
import { createFakeServices } from '../../e2e/fake-services';

let services: WorkbenchServices | undefined;
afterEach(async () => {
  await services?.dispose();
  services = undefined;
});

/** JSON round trip on both directions, as the WebSocket transport does. */
function pair(target: WorkbenchServices) {
  const copy = (message: WireMessage): unknown => JSON.parse(JSON.stringify(message));
  let session: WireSession | undefined;
  const client = createWireClient((message) => queueMicrotask(() => session?.handle(copy(message))));
  session = new WireSession(target, (message) => queueMicrotask(() => client.receive(copy(message) as WireMessage)));
  return { api: client.api, session };
}

describe('wire client and session', () => {
  it('resolves results, rejects errors and delivers events', async () => {
    services = await createFakeServices({ autoStart: false });
    const { api, session } = pair(services);
    const states: string[] = [];
    const off = api.on('machine.state', (layout) => states.push(layout.state));
    expect((await api.invoke('layout.get', {})).state).toBe('idle');
    expect((await api.invoke('machine.start', {})).state).toBe('running');
    await expect(api.invoke('nope' as never, {} as never)).rejects.toThrow(/unknown command/);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(states).toContain('running');
    off();
    session.dispose();
  });

  it('closes the shells of a session when it is disposed', async () => {
    services = await createFakeServices({ autoStart: false });
    const { api, session } = pair(services);
    const { id } = await api.invoke('shell.open', { cols: 80, rows: 24 });
    session.dispose();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await expect(services.invoke('shell.input', { id, data: 'x' })).rejects.toThrow(/no shell/);
  });
});
