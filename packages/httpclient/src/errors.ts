// Error classes of @t/httpclient, each with a stable `code`.

import type { HTTPResponse } from "./http-response.js";

/**
 * Base class of every error @t/httpclient throws: catch them all with
 * `instanceof AsyncHTTPClientError` (within one installed copy of the package) or branch on
 * `code`, which is stable across versions and copies. The base's own code, `T_ERR_HTTPCLIENT`,
 * is never thrown by the package itself. (A status outside 200..299 is the narrower
 * {@link HTTPClientError}, Tornado's name.)
 */
export class AsyncHTTPClientError extends Error {
  override readonly name: string = "AsyncHTTPClientError";
  /** Stable machine-readable code, e.g. `T_ERR_HTTP_STATUS`. */
  readonly code: string = "T_ERR_HTTPCLIENT";
}

/**
 * The server answered with a status outside 200..299 and the request had `raiseError` (the
 * default) — Tornado's `HTTPClientError`. `status` is the HTTP status (Tornado's `code`; here
 * `code` is the stable string every `@t` error carries) and `response` the full response, body
 * included. Subclasses cover the client-side failures Tornado also reports as HTTPClientError.
 */
export class HTTPClientError extends AsyncHTTPClientError {
  override readonly name: string = "HTTPClientError";
  override readonly code: string = "T_ERR_HTTP_STATUS";
  /** The HTTP status code (599 for timeouts, Tornado's convention). */
  readonly status: number;
  /** The response, when one was received. */
  readonly response: HTTPResponse | undefined;
  constructor(message: string, status = 599, response?: HTTPResponse, options?: ErrorOptions) {
    super(message, options);
    this.status = status;
    this.response = response;
  }
}

/** Which deadline a {@link HTTPTimeoutError} missed. */
export type TimeoutPhase = "queue" | "connect" | "request" | "idle";

/**
 * A deadline passed (Tornado's `HTTPTimeoutError`, status 599): `phase` says which — waiting for
 * a free connection (`queue`), connecting (TCP, TLS, proxy tunnel: `connect`), the whole request
 * (`request`), or no bytes from the server for `idleTimeoutMs` (`idle`).
 */
export class HTTPTimeoutError extends HTTPClientError {
  override readonly name: string = "HTTPTimeoutError";
  override readonly code: string = "T_ERR_HTTP_TIMEOUT";
  /** The deadline that passed. */
  readonly phase: TimeoutPhase;
  constructor(message: string, phase: TimeoutPhase = "request", options?: ErrorOptions) {
    super(message, 599, undefined, options);
    this.phase = phase;
  }
}

/**
 * More redirects than `maxRedirects` (default 5). `response` is the last 3xx response, whose
 * `Location` was not followed.
 */
export class HTTPTooManyRedirectsError extends HTTPClientError {
  override readonly name: string = "HTTPTooManyRedirectsError";
  override readonly code: string = "T_ERR_HTTP_TOO_MANY_REDIRECTS";
}

/**
 * The server's response broke HTTP/1.1 framing or syntax (RFC 9112): a malformed status line or
 * header field, conflicting Content-Length values, Transfer-Encoding with Content-Length, a bad
 * chunk, corrupt gzip/deflate data, bytes on an idle connection. The connection is closed.
 */
export class HTTPMalformedResponseError extends AsyncHTTPClientError {
  override readonly name = "HTTPMalformedResponseError";
  override readonly code = "T_ERR_HTTP_MALFORMED_RESPONSE";
}

/** Which limit a {@link HTTPResponseTooLargeError} exceeded. */
export type ResponseLimit = "maxHeaderSize" | "maxBodySize" | "maxTrailerSize";

/**
 * The response passed a limit: its head `maxHeaderSize`, its body (after decompression)
 * `maxBodySize`, or its chunked trailers. The connection is closed; nothing past the limit was
 * buffered.
 */
export class HTTPResponseTooLargeError extends AsyncHTTPClientError {
  override readonly name = "HTTPResponseTooLargeError";
  override readonly code = "T_ERR_HTTP_RESPONSE_TOO_LARGE";
  /** The option whose limit was passed. */
  readonly limit: ResponseLimit;
  constructor(message: string, limit: ResponseLimit = "maxBodySize") {
    super(message);
    this.limit = limit;
  }
}

/**
 * The connection failed or closed before the response was complete (ECONNRESET, EOF in the
 * middle of a body, ECONNREFUSED, a TLS error). `cause` is the underlying error, if any.
 */
export class HTTPConnectionError extends AsyncHTTPClientError {
  override readonly name = "HTTPConnectionError";
  override readonly code = "T_ERR_HTTP_CONNECTION";
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** The request's `AbortSignal` fired; `cause` is the signal's reason. */
export class HTTPAbortError extends AsyncHTTPClientError {
  override readonly name = "HTTPAbortError";
  override readonly code = "T_ERR_HTTP_ABORTED";
  constructor(message = "The request was aborted", options?: ErrorOptions) {
    super(message, options);
  }
}

/** The proxy refused to open a tunnel (a non-2xx answer to CONNECT); `status` is its status. */
export class HTTPProxyError extends AsyncHTTPClientError {
  override readonly name = "HTTPProxyError";
  override readonly code = "T_ERR_HTTP_PROXY";
  /** The proxy's HTTP status (0 when its answer could not be parsed). */
  readonly status: number;
  constructor(message: string, status = 0, options?: ErrorOptions) {
    super(message, options);
    this.status = status;
  }
}

/** `fetch` on a closed client, or a request still queued or in flight when `close()` was called. */
export class HTTPClientClosedError extends AsyncHTTPClientError {
  override readonly name = "HTTPClientClosedError";
  override readonly code = "T_ERR_HTTP_CLIENT_CLOSED";
}

/**
 * Every code of this package, by class name (the README's Errors table lists each). Compare
 * `err.code` with these rather than using `instanceof` across package boundaries: a program may
 * load two copies of @t/httpclient.
 */
export const ERROR_CODES = Object.freeze({
  AsyncHTTPClientError: "T_ERR_HTTPCLIENT",
  HTTPClientError: "T_ERR_HTTP_STATUS",
  HTTPTimeoutError: "T_ERR_HTTP_TIMEOUT",
  HTTPTooManyRedirectsError: "T_ERR_HTTP_TOO_MANY_REDIRECTS",
  HTTPMalformedResponseError: "T_ERR_HTTP_MALFORMED_RESPONSE",
  HTTPResponseTooLargeError: "T_ERR_HTTP_RESPONSE_TOO_LARGE",
  HTTPConnectionError: "T_ERR_HTTP_CONNECTION",
  HTTPAbortError: "T_ERR_HTTP_ABORTED",
  HTTPProxyError: "T_ERR_HTTP_PROXY",
  HTTPClientClosedError: "T_ERR_HTTP_CLIENT_CLOSED",
} as const);
