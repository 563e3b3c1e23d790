// Error classes of @t/websocket, each with a stable `code`.

/**
 * Base class of every error @t/websocket throws: catch them all with `instanceof WebSocketError`
 * (within one installed copy of the package) or branch on `code`, which is stable across versions
 * and copies. The base's own code, `T_ERR_WEBSOCKET`, is never thrown by the package itself.
 */
export class WebSocketError extends Error {
  override readonly name: string = "WebSocketError";
  /** Stable machine-readable code, e.g. `T_ERR_WS_CLOSED`. */
  readonly code: string = "T_ERR_WEBSOCKET";
}

/**
 * A message, ping or close was sent on a connection that is closed or closing (Tornado's
 * `WebSocketClosedError`). `cause` is the error that closed the underlying stream, if any.
 */
export class WebSocketClosedError extends WebSocketError {
  override readonly name = "WebSocketClosedError";
  override readonly code = "T_ERR_WS_CLOSED";
  constructor(message = "WebSocket connection is closed", options?: ErrorOptions) {
    super(message, options);
  }
}

/**
 * A message was refused because the connection's outgoing queue would exceed
 * `maxWriteBufferSize`: the peer reads more slowly than the application writes. The connection
 * is failed with close code 1008; later writes reject with WebSocketClosedError.
 */
export class WebSocketBufferFullError extends WebSocketError {
  override readonly name = "WebSocketBufferFullError";
  override readonly code = "T_ERR_WS_BUFFER_FULL";
}

/**
 * The peer broke RFC 6455 / RFC 7692 (bad framing, invalid UTF-8, a message above
 * `maxMessageSize` or in more than `maxFragmentsPerMessage` frames, …). `closeCode` is the
 * status the connection was closed with (1002 protocol error, 1007 invalid payload, 1009 too
 * big).
 */
export class WebSocketProtocolError extends WebSocketError {
  override readonly name = "WebSocketProtocolError";
  override readonly code = "T_ERR_WS_PROTOCOL";
  /** The close status sent to the peer for this fault. */
  readonly closeCode: number;
  constructor(message: string, closeCode: number) {
    super(message);
    this.closeCode = closeCode;
  }
}

/**
 * The opening handshake failed: the server did not answer `101` with a valid
 * `Sec-WebSocket-Accept`, or selected a subprotocol / extension the client did not offer.
 * `statusCode` is the HTTP status the server answered with (0 when no response was parsed).
 */
export class WebSocketHandshakeError extends WebSocketError {
  override readonly name = "WebSocketHandshakeError";
  override readonly code = "T_ERR_WS_HANDSHAKE";
  /** The HTTP status of the server's answer, or 0. */
  readonly statusCode: number;
  constructor(message: string, statusCode = 0, options?: ErrorOptions) {
    super(message, options);
    this.statusCode = statusCode;
  }
}

/** `websocketConnect` did not complete the TCP connect and the handshake within `connectTimeoutMs`. */
export class WebSocketTimeoutError extends WebSocketError {
  override readonly name = "WebSocketTimeoutError";
  override readonly code = "T_ERR_WS_TIMEOUT";
}

/**
 * Every code of this package, by class name (the README's Errors table lists each). Compare
 * `err.code` with these rather than using `instanceof` across package boundaries: a program may
 * load two copies of @t/websocket.
 */
export const ERROR_CODES = Object.freeze({
  WebSocketError: "T_ERR_WEBSOCKET",
  WebSocketClosedError: "T_ERR_WS_CLOSED",
  WebSocketBufferFullError: "T_ERR_WS_BUFFER_FULL",
  WebSocketProtocolError: "T_ERR_WS_PROTOCOL",
  WebSocketHandshakeError: "T_ERR_WS_HANDSHAKE",
  WebSocketTimeoutError: "T_ERR_WS_TIMEOUT",
} as const);
