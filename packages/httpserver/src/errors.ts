// Error classes of @t/httpserver, each with a stable `code`.

/**
 * Base class of every error @t/httpserver throws: catch them all with `instanceof HTTPServerError`
 * (within one installed copy of the package) or branch on `code`, which is stable across versions
 * and copies. The base's own code, `T_ERR_HTTPSERVER`, is never thrown by the package itself.
 */
export class HTTPServerError extends Error {
  override readonly name: string = "HTTPServerError";
  /** Stable machine-readable code, e.g. `T_ERR_HTTP_INPUT`. */
  readonly code: string = "T_ERR_HTTPSERVER";
}

/**
 * Malformed or unacceptable input from the peer (Tornado's `HTTPInputError`). `statusCode` is the
 * answer the server gives before closing the connection: 400, 413, 417, 431 or 505.
 */
export class HTTPInputError extends HTTPServerError {
  override readonly name = "HTTPInputError";
  override readonly code = "T_ERR_HTTP_INPUT";
  /** The HTTP status the server answers with. */
  readonly statusCode: number;

  constructor(message: string, statusCode = 400, options?: ErrorOptions) {
    super(message, options);
    this.statusCode = statusCode;
  }
}

/**
 * A programmer's misuse of the response API (Tornado's `HTTPOutputError`): writing after
 * `finish()`, more or fewer bytes than the declared Content-Length, a body on a 204/304, a header
 * value with CR or LF, headers written twice.
 */
export class HTTPOutputError extends HTTPServerError {
  override readonly name = "HTTPOutputError";
  override readonly code = "T_ERR_HTTP_OUTPUT";
}

/** A write or finish on an exchange whose connection has already closed. */
export class HTTPConnectionClosedError extends HTTPServerError {
  override readonly name = "HTTPConnectionClosedError";
  override readonly code = "T_ERR_HTTP_CONNECTION_CLOSED";
}

/**
 * Every code of this package, by class name (the README's Errors table lists each). Compare
 * `err.code` with these rather than using `instanceof` across package boundaries: a program may
 * load two copies of @t/httpserver.
 */
export const ERROR_CODES = Object.freeze({
  HTTPServerError: "T_ERR_HTTPSERVER",
  HTTPInputError: "T_ERR_HTTP_INPUT",
  HTTPOutputError: "T_ERR_HTTP_OUTPUT",
  HTTPConnectionClosedError: "T_ERR_HTTP_CONNECTION_CLOSED",
} as const);
