// The streaming interfaces between connections and applications (Tornado's delegates).

import type { HTTPHeaders } from "./http-headers.js";
import type { RequestStartLine, ResponseStartLine } from "./start-line.js";

/**
 * Receives one request as it arrives (Tornado's `HTTPMessageDelegate`). The connection calls,
 * in this order and never otherwise:
 *
 * 1. `headersReceived(startLine, headers)` once;
 * 2. `dataReceived(chunk)` zero or more times (body bytes after de-chunking and decompression);
 * 3. then exactly one of `finish()` (the whole request was read) or `onConnectionClose()` (the
 *    connection closed or the request turned out malformed or too large before it was complete).
 *
 * `headersReceived` and `dataReceived` may return a Promise: the connection makes no further
 * call and reads no further until it settles (flow control). `finish` may return one too (a
 * wrapper that still has body to deliver, such as the server's gzip decompression): the request
 * counts as read, and the next one on the connection is read, once it settles. A rejection, like
 * an exception, is logged and answered with 500 (or with its status for an `HTTPInputError`, the
 * peer's fault) unless the response started, and closes the connection. Chunks are copies that
 * the delegate may keep.
 */
export interface HTTPMessageDelegate {
  headersReceived(startLine: RequestStartLine, headers: HTTPHeaders): void | PromiseLike<void>;
  dataReceived(chunk: Buffer): void | PromiseLike<void>;
  finish(): void | PromiseLike<void>;
  onConnectionClose(): void;
}

/**
 * The response side of one exchange (Tornado's `HTTPConnection`): `writeHeaders` once (after
 * any number of 1xx interim responses), `write` body chunks, then `finish`.
 */
export interface HTTPConnection {
  writeHeaders(
    startLine: ResponseStartLine,
    headers: HTTPHeaders,
    chunk?: Uint8Array | string,
  ): Promise<void>;
  write(chunk: Uint8Array | string): Promise<void>;
  finish(): void;
}

/**
 * What an HTTPServer is given instead of a request callback (Tornado's
 * `HTTPServerConnectionDelegate`): `startRequest` is called for each request on a connection,
 * in order, and returns the delegate that receives it; `onClose` when the connection closes.
 */
export interface HTTPServerConnectionDelegate<ServerConn = unknown, RequestConn = HTTPConnection> {
  startRequest(serverConn: ServerConn, requestConn: RequestConn): HTTPMessageDelegate;
  onClose?(serverConn: ServerConn): void;
}
