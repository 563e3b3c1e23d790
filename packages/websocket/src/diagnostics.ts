// diagnostics_channel events of @t/websocket: a connection opened and closed, on both sides, for
// tracing and APM tools (the moments undici publishes as `undici:websocket:open`/`close`).

import { channel } from "node:diagnostics_channel";
import type { WebSocketConnection } from "./websocket-connection.js";

/** What {@link webSocketOpenChannel} publishes. */
export interface WebSocketOpenMessage {
  /** The connection (also in the close message, to pair the two). */
  readonly connection: WebSocketConnection;
  /** True on the server side. */
  readonly isServer: boolean;
  /** The request-target of the handshake (server side) or the URL connected to (client side). */
  readonly url: string;
  /** The negotiated subprotocol, or null. */
  readonly protocol: string | null;
  /** True when permessage-deflate was negotiated. */
  readonly compressed: boolean;
}

/** What {@link webSocketCloseChannel} publishes. */
export interface WebSocketCloseMessage {
  readonly connection: WebSocketConnection;
  readonly isServer: boolean;
  /** The status code of the peer's close frame, or null when none arrived (1005/1006). */
  readonly code: number | null;
  /** The reason of the peer's close frame, or null. */
  readonly reason: string | null;
  /** The protocol error that failed the connection (its `closeCode` was sent), or null. */
  readonly error: Error | null;
}

/**
 * `t.websocket.open`: the handshake completed and frames start to flow (server side: after the
 * handler's `open` settled). Published in the context of the handshake's request.
 */
export const webSocketOpenChannel = channel("t.websocket.open");

/** `t.websocket.close`: the connection's stream closed (once per connection). */
export const webSocketCloseChannel = channel("t.websocket.close");
