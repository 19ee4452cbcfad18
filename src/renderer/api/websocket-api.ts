/**
 * Browser-mode transport: the wire protocol as JSON over a WebSocket to the server that served
 * this page. The token comes from the first URL, then from sessionStorage (the server also set an
 * HttpOnly cookie, which covers reloads in the same browser session).
 */
import type { WireMessage, WorkbenchApi } from '../../shared/protocol/index';
import { createWireClient, parseWireMessage } from '../../shared/protocol/wire-client';

const TOKEN_KEY = 'hvwb.token';
const WEBSOCKET_PATH = '/ws';
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
    url.search = token ? `?token=${encodeURIComponent(token)}` : '';
    url.hash = '';
    options.onState('connecting', false);
    const ws = new WebSocket(url);
    socket = ws;
    ws.addEventListener('open', () => {
      retryMs = 250;
      const reconnected = opened;
      opened = true;
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

/** Reads the token from ?token= once, keeps it in sessionStorage and removes it from the address bar. */
function takeToken(): string | undefined {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete('token');
    window.history.replaceState(null, '', url);
    return fromUrl;
  }
  return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
}
