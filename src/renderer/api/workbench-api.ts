/**
 * The one `WorkbenchApi` of the renderer, whichever transport carries it: the preload's
 * `window.workbench` in Electron, else a WebSocket to the browser-mode server.
 */
import { readonly, ref } from 'vue';
import { PROTOCOL_VERSION, type WorkbenchApi } from '../../shared/protocol/index';
import { protocolMismatch } from '../../shared/protocol/wire-client';
import { connectWebSocketApi } from './websocket-api';

export type TransportKind = 'electron' | 'browser';
export type ConnectionState = 'connecting' | 'open' | 'closed';

const connectionState = ref<ConnectionState>('connecting');
/** The connection was open once and is not now: the server went away (or restarts). */
const connectionLost = ref(false);
/** Bumped after a reconnect, so that views drop what they show and load it again. */
const connectionEpoch = ref(0);
/** Set when the services speak another protocol version than this window's code: it must be reloaded. */
const protocolProblem = ref<string | null>(null);
let api: WorkbenchApi | undefined;
let transport: TransportKind = 'browser';

export function connectWorkbench(): void {
  if (api) return;
  if (window.workbench) {
    api = window.workbench;
    transport = 'electron';
    connectionState.value = 'open';
  } else {
    api = connectWebSocketApi({
      onState(state, reconnected) {
        connectionState.value = state;
        if (state === 'closed') connectionLost.value = true;
        if (state === 'open') connectionLost.value = false;
        if (reconnected) connectionEpoch.value++;
      },
    });
  }
  // Compared here too: in Electron the preload's version is checked by main, this page's only here.
  api.on('connection.hello', ({ protocol }) => {
    protocolProblem.value = protocol === PROTOCOL_VERSION ? null : protocolMismatch(protocol, PROTOCOL_VERSION);
  });
}

export function useWorkbench(): WorkbenchApi {
  if (!api) throw new Error('connectWorkbench() must run before the app mounts');
  return api;
}

export function useConnection() {
  return { state: readonly(connectionState), lost: readonly(connectionLost), epoch: readonly(connectionEpoch), protocolProblem: readonly(protocolProblem), transport };
}
