/** Browser mode: the workbench renderer served on loopback, talking the wire protocol over a WebSocket. */
export { startBrowserServer, WEBSOCKET_PATH } from './browser-server';
export type { BrowserServer, BrowserServerOptions } from './browser-server';
