// RequestCallbackAdapter: a plain request callback as a message delegate that buffers the body (Tornado's `_CallableAdapter`).

import { BodyAccumulator } from "./body-accumulator.js";
import { formKind } from "./body-arguments.js";
import type { HTTPMessageDelegate, HTTPServerConnectionDelegate } from "./delegates.js";
import type { HTTPHeaders } from "./http-headers.js";
import { HTTPServerRequest } from "./http-server-request.js";
import type { HTTP1Connection } from "./http1-connection.js";
import type { HTTP1ServerConnection } from "./http1-server-connection.js";
import { invariant } from "./invariant.js";
import type { RequestStartLine } from "./start-line.js";

/** A plain request callback (Tornado's): gets the request with its body read. */
export type RequestCallback = (request: HTTPServerRequest) => unknown;

/** Bodies of a known length up to this size get one exact allocation up front. */
const PREALLOCATE_LIMIT = 64 * 1024;

/**
 * The delegate factory of a server given a request callback (Tornado's `HTTPServer.start_request`
 * with a callable): every request gets a {@link RequestCallbackAdapter}.
 */
export function requestCallbackDelegate(
  callback: RequestCallback,
): HTTPServerConnectionDelegate<HTTP1ServerConnection, HTTP1Connection> {
  return {
    startRequest: (serverConn, requestConn) =>
      new RequestCallbackAdapter(callback, serverConn, requestConn),
  };
}

/**
 * Buffers one request for a request callback (Tornado's `_CallableAdapter`): makes the
 * HTTPServerRequest from the head, gathers the body, and calls the callback with both from
 * `finish`.
 *
 * The body is gathered without a copy when it arrives in one piece of its declared length (the
 * connection hands over one exact allocation per read batch), else in one growable buffer that
 * starts at the declared length (at most 64 KiB up front, for a peer that declares a large body
 * and sends nothing) and never outgrows it. urlencoded and multipart bodies are held to the
 * smaller form limits (`maxFormBodySize`, `maxMultipartBodySize`), since they are buffered and
 * parsed whole. A Promise returned by the callback that rejects is answered like an exception.
 */
export class RequestCallbackAdapter implements HTTPMessageDelegate {
  private readonly callback: RequestCallback;
  private readonly serverConn: HTTP1ServerConnection;
  private readonly requestConn: HTTP1Connection;
  private request: HTTPServerRequest | null = null;
  /** The body's exact length when known in advance, else -1. */
  private expected = -1;
  /** The body's first piece, kept as it is until a second one comes. */
  private first: Buffer | null = null;
  private rest: BodyAccumulator | null = null;

  constructor(
    callback: RequestCallback,
    serverConn: HTTP1ServerConnection,
    requestConn: HTTP1Connection,
  ) {
    this.callback = callback;
    this.serverConn = serverConn;
    this.requestConn = requestConn;
  }

  headersReceived(startLine: RequestStartLine, headers: HTTPHeaders): void {
    const conn = this.requestConn;
    const req = new HTTPServerRequest({
      method: startLine.method,
      uri: startLine.path,
      version: startLine.version,
      headers,
      remoteIp: conn.remoteIp,
      protocol: conn.protocol,
      connection: conn,
      startTime: this.serverConn.batchTimeMs(),
    });
    req.formLimits = this.serverConn.params.formLimits;
    conn.request = req;
    this.request = req;
    const expected = this.serverConn.requestBodyLength;
    this.expected = expected;
    if (expected !== 0) this.limitForm(headers);
  }

  /** urlencoded and multipart bodies are buffered and parsed whole: hold them to the form limits. */
  private limitForm(headers: HTTPHeaders): void {
    const params = this.serverConn.params;
    const kind = formKind(headers.get("Content-Type"));
    if (kind === 1) {
      this.requestConn.setMaxBodySize(Math.min(params.maxBodySize, params.maxFormBodySize));
    } else if (kind === 2) {
      this.requestConn.setMaxBodySize(Math.min(params.maxBodySize, params.maxMultipartBodySize));
    }
  }

  dataReceived(chunk: Buffer): void {
    let acc = this.rest;
    if (acc === null) {
      const first = this.first;
      if (first === null) {
        this.first = chunk;
        return;
      }
      acc = new BodyAccumulator();
      const n = this.expected;
      if (n > 0) acc.reset(Math.min(n, PREALLOCATE_LIMIT), n);
      acc.append(first, 0, first.length);
      this.first = null;
      this.rest = acc;
    }
    acc.append(chunk, 0, chunk.length);
  }

  finish(): void {
    const req = this.request;
    invariant(req !== null, "a request callback's finish without its headers");
    const rest = this.rest;
    if (rest !== null) req.body = rest.take();
    else if (this.first !== null) req.body = this.first;
    this.first = null;
    this.rest = null;
    const ret = this.callback(req);
    if (
      ret !== undefined &&
      ret !== null &&
      typeof (ret as PromiseLike<unknown>).then === "function"
    ) {
      (ret as PromiseLike<unknown>).then(undefined, (err: unknown) =>
        this.serverConn.requestFailed(this.requestConn, err),
      );
    }
  }

  onConnectionClose(): void {
    this.request = null;
    this.first = null;
    this.rest = null;
  }
}
