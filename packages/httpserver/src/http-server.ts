// HTTPServer: a TCPServer that speaks HTTP/1.x to a request callback or a delegate.

import { ConnectionSweeper, type IOStream, type SSLIOStream, sweepIntervalFor } from "@t/iostream";
import { TCPServer } from "@t/tcpserver";
import type { HTTPServerConnectionDelegate } from "./delegates.js";
import {
  HTTP_SERVER_DEFAULTS,
  type HTTP1ConnectionParameters,
  type HTTPServerOptions,
  resolveHTTPServerOptions,
} from "./http-server-options.js";
import type { HTTP1Connection } from "./http1-connection.js";
import { HTTP1ServerConnection, type ServerConnectionContext } from "./http1-server-connection.js";
import { type RequestCallback, requestCallbackDelegate } from "./request-callback-adapter.js";

/** The peer address TCPServer passes to handleStream. */
interface PeerAddress {
  family: string;
  address: string;
  port: number;
}

/** A delegate factory as accepted by HTTPServer. */
export type HTTPServerDelegate = HTTPServerConnectionDelegate<
  HTTP1ServerConnection,
  HTTP1Connection
>;

/**
 * A non-blocking HTTP/1.1 server (Tornado's `HTTPServer`). Give it a request callback, which
 * gets each HTTPServerRequest with its body read and answers through `request.connection`, or
 * an HTTPServerConnectionDelegate whose `startRequest` returns a streaming HTTPMessageDelegate:
 *
 * ```ts
 * const server = new HTTPServer((req) => {
 *   req.connection.writeHeaders({ code: 200, reason: "OK" },
 *     new HTTPHeaders({ "Content-Type": "text/plain" }), Buffer.from("Hello, world"));
 *   req.connection.finish();
 * }, { xheaders: true });
 * server.listen(8888, "127.0.0.1");
 * ```
 *
 * Timeouts (`headerTimeoutMs`, `bodyTimeoutMs`, `idleConnectionTimeoutMs`) are enforced by one
 * periodic sweep over the open connections, never a timer per connection.
 */
export class HTTPServer extends TCPServer {
  static override loggerName = "@t/httpserver";
  /** The validated per-connection parameters. */
  readonly params: HTTP1ConnectionParameters;
  private readonly sweeper: ConnectionSweeper<HTTP1ServerConnection>;
  private readonly ctx: ServerConnectionContext;

  constructor(requestCallback: RequestCallback | HTTPServerDelegate, options?: HTTPServerOptions) {
    const params = resolveHTTPServerOptions(options);
    const isFn = typeof requestCallback === "function";
    if (
      !isFn &&
      (requestCallback === null ||
        typeof requestCallback !== "object" ||
        typeof (requestCallback as HTTPServerDelegate).startRequest !== "function")
    ) {
      throw new TypeError(
        "HTTPServer expects a request callback or a delegate with startRequest(serverConn, requestConn)",
      );
    }
    const o = options ?? {};
    super({
      loop: o.loop,
      logger: o.logger,
      ssl: o.ssl,
      maxBufferSize: o.maxBufferSize,
      readChunkSize: o.readChunkSize,
      maxWriteBufferSize: o.maxWriteBufferSize ?? HTTP_SERVER_DEFAULTS.maxWriteBufferSize,
    });
    this.params = params;
    this.sweeper = new ConnectionSweeper(
      this.loop,
      sweepIntervalFor(
        params.headerTimeoutMs,
        params.bodyTimeoutMs,
        params.idleConnectionTimeoutMs,
        params.writeTimeoutMs,
      ),
    );
    this.ctx = {
      params,
      logger: this.logger,
      sweeper: this.sweeper,
      delegate: isFn
        ? requestCallbackDelegate(requestCallback as RequestCallback)
        : (requestCallback as HTTPServerDelegate),
    };
  }

  /** Serve HTTP on an accepted connection (called by TCPServer). */
  override handleStream(stream: IOStream | SSLIOStream, address: PeerAddress): void {
    const tls = stream.encrypted;
    if (!tls) {
      try {
        (stream as IOStream).setNoDelay(true);
      } catch {
        // not a TCP socket (e.g. a Unix socket without TCP_NODELAY): nothing to do
      }
    }
    const ip = address.family === "IPv4" || address.family === "IPv6" ? address.address : "0.0.0.0";
    const conn = new HTTP1ServerConnection(stream, ip, tls ? "https" : "http", this.ctx);
    conn.start();
  }

  /** Shutdown: idle keep-alive connections close now, in-flight requests get `Connection: close`. */

  /** The open HTTP connections. */
  get httpConnections(): ReadonlySet<HTTP1ServerConnection> {
    return this.sweeper.connections;
  }

  /** Interval of the timeout sweep (ms): a quarter of the smallest timeout, within 10 ms … 1 s. */
  get sweepIntervalMs(): number {
    return this.sweeper.intervalMs;
  }

  /**
   * Close every open connection, in flight or idle (Tornado's `close_all_connections`), and
   * resolve once their close handling ran. Listening sockets are untouched: call `stop()` first
   * to stop accepting.
   */
  closeAllConnections(): Promise<void> {
    for (const conn of [...this.sweeper.connections]) conn.close();
    return new Promise((resolve) => this.loop.addCallback(resolve));
  }
}
