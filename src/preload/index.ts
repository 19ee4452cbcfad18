/**
 * Exposes exactly the protocol's `WorkbenchApi` as `window.workbench`. The renderer never sees
 * ipcRenderer: only invoke/on over one channel, with the same wire client as browser mode.
 */
import { contextBridge, ipcRenderer } from 'electron';
import type { WireMessage, WorkbenchApi } from '../shared/protocol/index';
import { WIRE_CHANNEL, createWireClient, parseWireMessage } from '../shared/protocol/wire-client';

const client = createWireClient((message: WireMessage) => ipcRenderer.send(WIRE_CHANNEL, message));

ipcRenderer.on(WIRE_CHANNEL, (_event, raw: unknown) => {
  const message = parseWireMessage(raw);
  if (message) client.receive(message);
});
// The protocol version check: main answers with its own, and the wire client refuses to go on if they differ.
client.hello();

const api: WorkbenchApi = {
  invoke: (command, params) => client.api.invoke(command, params),
  on: (event, listener) => client.api.on(event, listener),
};

contextBridge.exposeInMainWorld('workbench', api);
