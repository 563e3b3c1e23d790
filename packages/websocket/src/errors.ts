// Error classes of @t/websocket, each with a stable `code`.

/**
 * A message, ping or close was sent on a connection that is closed or closing (Tornado's
 * `WebSocketClosedError`). `cause` is the error that closed the underlying stream, if any.
 */
export class WebSocketClosedError extends Error {
  override readonly name = "WebSocketClosedError";
  readonly code = "T_ERR_WS_CLOSED";
  constructor(message = "WebSocket connection is closed", options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * A message was refused because the connection's outgoing queue would exceed
 * `maxWriteBufferSize`: the peer reads more slowly than the application writes. The connection
 * is failed with close code 1008; later writes reject with WebSocketClosedError.
 */
export class WebSocketBufferFullError extends Error {
  override readonly name = "WebSocketBufferFullError";
  readonly code = "T_ERR_WS_BUFFER_FULL";
}

/**
 * The peer broke RFC 6455 / RFC 7692 (bad framing, invalid UTF-8, a message above
 * `maxMessageSize` or in more than `maxFragmentsPerMessage` frames, …). `closeCode` is the
 * status the connection was closed with (1002 protocol error, 1007 invalid payload, 1009 too
 * big).
 */
export class WebSocketProtocolError extends Error {
  override readonly name = "WebSocketProtocolError";
  readonly code = "T_ERR_WS_PROTOCOL";
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
export class WebSocketHandshakeError extends Error {
  override readonly name = "WebSocketHandshakeError";
  readonly code = "T_ERR_WS_HANDSHAKE";
  /** The HTTP status of the server's answer, or 0. */
  readonly statusCode: number;
  constructor(message: string, statusCode = 0, options?: { cause?: unknown }) {
    super(message, options);
    this.statusCode = statusCode;
  }
}

/** `websocketConnect` did not complete the TCP connect and the handshake within `connectTimeoutMs`. */
export class WebSocketTimeoutError extends Error {
  override readonly name = "WebSocketTimeoutError";
  readonly code = "T_ERR_WS_TIMEOUT";
}
