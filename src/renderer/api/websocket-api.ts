/**
 * Browser-mode transport: the wire protocol as JSON over a WebSocket to the server that served
 * this page. The token comes from the first URL's fragment, then from sessionStorage (which survives
 * reloads of this tab and is not shared with other origins), and is offered as a WebSocket
 * subprotocol. There is no cookie: a cookie would also be sent to every other port of 127.0.0.1.
 */
import type { WireMessage, WorkbenchApi } from '../../shared/protocol/index';
import { TOKEN_FRAGMENT_KEY, TOKEN_SUBPROTOCOL_PREFIX, WEBSOCKET_PATH, WIRE_SUBPROTOCOL } from '../../shared/protocol/browser-mode';
import { createWireClient, parseWireMessage } from '../../shared/protocol/wire-client';

const TOKEN_KEY = 'hvwb.token';
const MAX_RETRY_MS = 5000;

export interface WebSocketApiOptions {
  onState(state: 'connecting' | 'open' | 'closed', reconnected: boolean): void;
}

export function connectWebSocketApi(options: WebSocketApiOptions): WorkbenchApi {
  const token = takeToken();
  const queue: string[] = [];
  let socket: WebSocket | undefined;
  let opened = false;
  let retryMs = 250;

  const client = createWireClient((message: WireMessage) => {
    const text = JSON.stringify(message);
    if (socket?.readyState === WebSocket.OPEN) socket.send(text);
    else queue.push(text);
  });

  const connect = (): void => {
    const url = new URL(WEBSOCKET_PATH, window.location.href);
    url.protocol = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
    url.search = '';
    url.hash = '';
    options.onState('connecting', false);
    const ws = new WebSocket(url, token ? [WIRE_SUBPROTOCOL, `${TOKEN_SUBPROTOCOL_PREFIX}${token}`] : [WIRE_SUBPROTOCOL]);
    socket = ws;
    ws.addEventListener('open', () => {
      retryMs = 250;
      const reconnected = opened;
      opened = true;
      // First the protocol version check (the server answers with its own), then what waited for the socket.
      client.hello();
      for (const text of queue.splice(0)) ws.send(text);
      options.onState('open', reconnected);
    });
    ws.addEventListener('message', (event: MessageEvent) => {
      if (typeof event.data !== 'string') return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(event.data);
      } catch {
        return;
      }
      const message = parseWireMessage(parsed);
      if (message) client.receive(message);
    });
    ws.addEventListener('close', () => {
      if (socket !== ws) return;
      client.failPending('connection to the workbench lost');
      options.onState('closed', false);
      // The server may have restarted or the machine slept: keep trying, a little slower each time.
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
    });
  };

  connect();
  return client.api;
}

/** Reads the token from #token= once, keeps it in sessionStorage and removes it from the address bar. */
function takeToken(): string | undefined {
  const url = new URL(window.location.href);
  const fragment = new URLSearchParams(url.hash.replace(/^#/, ''));
  const fromUrl = fragment.get(TOKEN_FRAGMENT_KEY);
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    url.hash = '';
    window.history.replaceState(null, '', url);
    return fromUrl;
  }
  return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
}
