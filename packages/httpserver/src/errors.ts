// Error classes of @t/httpserver, each with a stable `code`.

/**
 * Malformed or unacceptable input from the peer (Tornado's `HTTPInputError`). `statusCode` is the
 * answer the server gives before closing the connection: 400, 413, 417, 431 or 505.
 */
export class HTTPInputError extends Error {
  override readonly name = "HTTPInputError";
  readonly code = "T_ERR_HTTP_INPUT" as const;
  /** The HTTP status the server answers with. */
  readonly statusCode: number;

  constructor(message: string, statusCode = 400, options?: { cause?: unknown }) {
    super(message, options);
    this.statusCode = statusCode;
  }
}

/**
 * A programmer's misuse of the response API (Tornado's `HTTPOutputError`): writing after
 * `finish()`, more or fewer bytes than the declared Content-Length, a body on a 204/304, a header
 * value with CR or LF, headers written twice.
 */
export class HTTPOutputError extends Error {
  override readonly name = "HTTPOutputError";
  readonly code = "T_ERR_HTTP_OUTPUT" as const;
}

/** A write or finish on an exchange whose connection has already closed. */
export class HTTPConnectionClosedError extends Error {
  override readonly name = "HTTPConnectionClosedError";
  readonly code = "T_ERR_HTTP_CONNECTION_CLOSED" as const;
}
