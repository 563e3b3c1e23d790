// The message delegates a Router uses: one that routes at the headers, a bare 404, a callback adapter.

import {
  type BodyAccumulator,
  type HTTP1Connection,
  HTTPHeaders,
  type HTTPMessageDelegate,
  type HTTPServerRequest,
  type RequestCallback,
  type RequestStartLine,
} from "@t/httpserver";
import type { Logger } from "@t/ioloop";
import { requestFromHead } from "./request-from-head.js";
import { appendBody } from "./serve.js";

/** The server connection each routed request arrived on (for HTTPServerConnectionDelegate targets). */
const serverConnections = new WeakMap<HTTPServerRequest, unknown>();

/** @internal The server connection `request` arrived on, or null when it was not routed by a Router. */
export function serverConnectionOf(request: HTTPServerRequest): unknown {
  return serverConnections.get(request) ?? null;
}

/** What RoutingDelegate needs of a router. */
interface DelegateFinder {
  findHandler(request: HTTPServerRequest): HTTPMessageDelegate | null;
}

/**
 * @internal Routes one request when its headers arrive (Tornado's `_RoutingDelegate`): builds
 * the HTTPServerRequest, asks the router for a delegate (a bare 404 when there is none) and
 * forwards every call to it.
 */
export class RoutingDelegate implements HTTPMessageDelegate {
  private delegate: HTTPMessageDelegate | null = null;
  private readonly router: DelegateFinder;
  private readonly serverConn: unknown;
  private readonly connection: HTTP1Connection;

  constructor(router: DelegateFinder, serverConn: unknown, connection: HTTP1Connection) {
    this.router = router;
    this.serverConn = serverConn;
    this.connection = connection;
  }

  headersReceived(startLine: RequestStartLine, headers: HTTPHeaders): void | PromiseLike<void> {
    const conn = this.connection;
    const request = requestFromHead(startLine, headers, conn);
    request.formLimits = conn.params.formLimits;
    serverConnections.set(request, this.serverConn);
    const delegate = this.router.findHandler(request) ?? new NotFoundDelegate(conn);
    this.delegate = delegate;
    return delegate.headersReceived(startLine, headers);
  }

  dataReceived(chunk: Buffer): void | PromiseLike<void> {
    return this.delegate?.dataReceived(chunk);
  }

  finish(): void {
    this.delegate?.finish();
  }

  onConnectionClose(): void {
    this.delegate?.onConnectionClose();
  }
}

/** @internal Answers 404 with an empty body once the request is read (Tornado's `_DefaultMessageDelegate`). */
export class NotFoundDelegate implements HTTPMessageDelegate {
  private readonly connection: HTTP1Connection;

  constructor(connection: HTTP1Connection) {
    this.connection = connection;
  }

  headersReceived(): void {}

  dataReceived(): void {}

  finish(): void {
    const conn = this.connection;
    void conn.writeHeaders(
      { code: 404, reason: "Not Found" },
      new HTTPHeaders({ "Content-Length": "0" }),
    );
    conn.finish();
  }

  onConnectionClose(): void {}
}

/**
 * @internal Runs a plain request callback as a rule target (Tornado's `_CallableAdapter`): the
 * body is gathered, then `callback(request)` answers through `request.connection`. A callback
 * that throws (or rejects) is logged; the client gets a 500 if nothing was sent yet, else the
 * connection is closed.
 */
export class CallableAdapter implements HTTPMessageDelegate {
  private readonly callback: RequestCallback;
  private readonly request: HTTPServerRequest;
  private readonly logger: Logger;
  private body: BodyAccumulator | null = null;

  constructor(callback: RequestCallback, request: HTTPServerRequest, logger: Logger) {
    this.callback = callback;
    this.request = request;
    this.logger = logger;
  }

  headersReceived(): void {}

  dataReceived(chunk: Buffer): void {
    this.body = appendBody(this.body, chunk);
  }

  finish(): void {
    const request = this.request;
    if (this.body !== null) request.body = this.body.take();
    this.body = null;
    try {
      const r = this.callback(request);
      if (
        r !== null &&
        typeof r === "object" &&
        typeof (r as PromiseLike<unknown>).then === "function"
      ) {
        (r as PromiseLike<unknown>).then(undefined, (err: unknown) => this.fail(err));
      }
    } catch (err) {
      this.fail(err);
    }
  }

  private fail(err: unknown): void {
    const request = this.request;
    this.logger.error(
      err,
      `Uncaught exception in a request callback ${request.method} ${request.uri}`,
    );
    const conn = request.connection;
    if (conn.finished) return;
    if (conn.headersWritten) {
      conn.detach().close();
      return;
    }
    void conn.writeHeaders(
      { code: 500, reason: "Internal Server Error" },
      new HTTPHeaders({ "Content-Length": "0" }),
    );
    conn.finish();
  }

  onConnectionClose(): void {
    this.body = null;
  }
}
