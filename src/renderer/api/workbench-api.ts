/**
 * The one `WorkbenchApi` of the renderer, whichever transport carries it: the preload's
 * `window.workbench` in Electron, else a WebSocket to the browser-mode server.
 */
import { readonly, ref } from 'vue';
import type { WorkbenchApi } from '../../shared/protocol/index';
import { connectWebSocketApi } from './websocket-api';

export type TransportKind = 'electron' | 'browser';
export type ConnectionState = 'connecting' | 'open' | 'closed';

const connectionState = ref<ConnectionState>('connecting');
/** The connection was open once and is not now: the server went away (or restarts). */
const connectionLost = ref(false);
/** Bumped after a reconnect, so that views drop what they show and load it again. */
const connectionEpoch = ref(0);
let api: WorkbenchApi | undefined;
let transport: TransportKind = 'browser';

export function connectWorkbench(): void {
  if (api) return;
  if (window.workbench) {
    api = window.workbench;
    transport = 'electron';
    connectionState.value = 'open';
    return;
  }
  api = connectWebSocketApi({
    onState(state, reconnected) {
      connectionState.value = state;
      if (state === 'closed') connectionLost.value = true;
      if (state === 'open') connectionLost.value = false;
      if (reconnected) connectionEpoch.value++;
    },
  });
}

export function useWorkbench(): WorkbenchApi {
  if (!api) throw new Error('connectWorkbench() must run before the app mounts');
  return api;
}

export function useConnection() {
  return { state: readonly(connectionState), lost: readonly(connectionLost), epoch: readonly(connectionEpoch), transport };
}
