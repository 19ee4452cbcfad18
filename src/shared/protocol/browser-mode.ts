/**
 * How a browser-mode page proves it was opened from the URL the workbench printed. The token travels
 * in the URL fragment (never sent to a server, never in a Referer) and then in the WebSocket
 * subprotocol list, never in a cookie: cookies ignore ports, so any other 127.0.0.1 server could read one.
 */
export const WEBSOCKET_PATH = '/ws';
/** The subprotocol the server selects; a client must offer it. */
export const WIRE_SUBPROTOCOL = 'hvwb.wire';
/** Prefix of the subprotocol that carries the token (subprotocols are HTTP tokens: hex fits). */
export const TOKEN_SUBPROTOCOL_PREFIX = 'hvwb.token.';
/** The fragment key of the printed URL: http://127.0.0.1:<port>/#token=<token>. */
export const TOKEN_FRAGMENT_KEY = 'token';
