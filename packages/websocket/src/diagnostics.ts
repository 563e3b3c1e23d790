// diagnostics_channel events of @t/websocket: a connection opened and closed, on both sides, for
// tracing and APM tools (the moments undici publishes as `undici:websocket:open`/`close`). The
// messages they publish (WebSocketOpenMessage, WebSocketCloseMessage) live with the connection.

import { channel } from "node:diagnostics_channel";

/**
 * `t.websocket.open`: the handshake completed and frames start to flow (server side: after the
 * handler's `open` settled). Published in the context of the handshake's request.
 */
export const webSocketOpenChannel = channel("t.websocket.open");

/** `t.websocket.close`: the connection's stream closed (once per connection). */
export const webSocketCloseChannel = channel("t.websocket.close");
