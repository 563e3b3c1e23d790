// TCPServer: accepts connections on listening sockets and hands each one, as a stream, to handleStream.

import * as tls from "node:tls";
import { errorCode, IOLoop, type Logger, namedLogger, type TimeoutHandle } from "@t/ioloop";
import { IOStream, type IOStreamOptions, SSLIOStream } from "@t/iostream";
import { close, getsockname, type SocketAddress } from "@t/poller-native";
import { addAcceptHandler } from "./accept-handler.js";
import { type BindOptions, bindSockets } from "./bind-sockets.js";
import { ServerStateError } from "./errors.js";
import { forgetListeningFd } from "./inherited-fds.js";
import { forkProcesses } from "./process.js";

/** A connection handler: gets each accepted stream (after the TLS handshake when `ssl`). */
export type StreamHandler = (
  stream: IOStream | SSLIOStream,
  address: SocketAddress,
) => void | Promise<void>;

/** Options of {@link TCPServer}; the stream limits apply to every accepted stream. */
export interface TCPServerOptions extends IOStreamOptions {
  /** TLS: Node secure-context options (`key`, `cert`, …) or a `tls.SecureContext`. */
  ssl?: tls.SecureContextOptions | tls.SecureContext;
  /** Where errors of handlers and accepts are logged. Default `loop.logger`. */
  logger?: Logger;
  /** The connection handler, instead of overriding `handleStream` in a subclass. */
  handleStream?: StreamHandler;
}

/** Options of {@link TCPServer.shutdown}. */
export interface ShutdownOptions {
  /** How long open connections may take to finish before they are closed. Default 10 000 ms. */
  deadlineMs?: number;
}

/** Default grace period of {@link TCPServer.shutdown}. */
export const DEFAULT_SHUTDOWN_DEADLINE_MS = 10_000;

function isSecureContext(x: object): x is tls.SecureContext {
  return "context" in x && typeof (x as { context: unknown }).context === "object";
}

/**
 * A non-blocking TCP server (Tornado's `tcpserver.TCPServer`). Subclass it and override
 * {@link TCPServer.handleStream}, or pass `handleStream` in the options:
 *
 * ```ts
 * const server = new TCPServer({ handleStream: async (stream) => {
 *   for (;;) await stream.write(await stream.readUntil("\n"));
 * }});
 * await server.listen(8888);
 * await IOLoop.current().start();
 * ```
 *
 * Three ways to start: `listen()` (one process), `bind()` + `start(n)` (pre-fork `n`
 * processes sharing the sockets), or `addSockets(await bindSockets(...))`.
 */
export class TCPServer {
  /**
   * The name this server's lines are logged under (`logger.child({ name })` when the logger has
   * `child`, e.g. pino's); subclasses set their package's.
   */
  static loggerName = "@t/tcpserver";
  /** The loop accepting and serving connections. */
  readonly loop: IOLoop;
  /** Where handler and accept errors go. */
  readonly logger: Logger;
  private readonly streamOptions: IOStreamOptions;
  private readonly secureContext: tls.SecureContext | null;
  private readonly handler: StreamHandler | null;
  private readonly sockets = new Map<number, () => void>();
  private pendingFds: number[] = [];
  private readonly connections = new Set<IOStream | SSLIOStream>();
  private readonly hooks: (() => unknown)[] = [];
  private started = false;
  private shutdownPromise: Promise<void> | null = null;
  private drained: (() => void) | null = null;
  private warnedNoHandler = false;
  private readonly onAccept: (fd: number, address: SocketAddress) => void;

  constructor(options: TCPServerOptions = {}) {
    if (options === null || typeof options !== "object") {
      throw new TypeError("options must be an object");
    }
    const { ssl, logger, handleStream, ...streamOptions } = options;
    if (handleStream !== undefined && typeof handleStream !== "function") {
      throw new TypeError("options.handleStream must be a function");
    }
    if (ssl !== undefined && (ssl === null || typeof ssl !== "object")) {
      throw new TypeError("options.ssl must be TLS secure-context options or a tls.SecureContext");
    }
    // Validate the limits now (the stream constructor would only do it on the first accept).
    checkLimits(streamOptions);
    this.loop = streamOptions.loop ?? IOLoop.current();
    this.streamOptions = { ...streamOptions, loop: this.loop };
    this.logger = namedLogger(
      logger ?? this.loop.logger,
      (new.target as typeof TCPServer).loggerName,
    );
    this.handler = handleStream ?? null;
    this.secureContext =
      ssl === undefined ? null : isSecureContext(ssl) ? ssl : tls.createSecureContext(ssl);
    this.onAccept = (fd, address) => this.handleConnection(fd, address);
  }

  /** Bind `port` on `address` (see {@link bindSockets}) and start accepting in this process. */
  async listen(port: number, address?: string, options?: BindOptions): Promise<void> {
    this.addSockets(await bindSockets(port, address, options));
  }

  /** Start accepting on already-listening sockets (e.g. from {@link bindSockets}). */
  addSockets(fds: number[]): void {
    if (!Array.isArray(fds)) throw new TypeError("addSockets expects an array of fds");
    if (this.shutdownPromise !== null) {
      throw new ServerStateError("addSockets after shutdown(): the server is shutting down");
    }
    for (const fd of fds) {
      if (!Number.isInteger(fd) || fd < 0) {
        throw new TypeError(`addSockets expects non-negative integer fds, got ${fd}`);
      }
    }
    for (const fd of fds) {
      if (this.sockets.has(fd)) continue;
      this.sockets.set(fd, addAcceptHandler(fd, this.onAccept, { loop: this.loop }));
    }
    // Serving needs no separate loop start, as with Node's server.listen() (IOLoop.startIfIdle).
    if (fds.length > 0) this.loop.startIfIdle();
  }

  /** Bind now, accept later: Tornado's `bind()` before `start(numProcesses)`. */
  async bind(port: number, address?: string, options?: BindOptions): Promise<void> {
    if (this.started) throw new ServerStateError("bind() after start(); use listen()");
    this.pendingFds.push(...(await bindSockets(port, address, options)));
  }

  /**
   * Start serving the sockets bound by `bind()`. `numProcesses` 1 (default) serves in this
   * process; any other value (0 = CPU count) calls {@link forkProcesses} first, so the promise
   * resolves in each child (which then serves) and never in the supervising parent.
   */
  async start(numProcesses = 1, options: { maxRestarts?: number } = {}): Promise<void> {
    if (!Number.isInteger(numProcesses) || numProcesses < 0) {
      throw new RangeError(`numProcesses must be an integer >= 0, got ${numProcesses}`);
    }
    if (this.started) throw new ServerStateError("start() was already called");
    this.started = true;
    if (numProcesses !== 1) await forkProcesses(numProcesses, options);
    const fds = this.pendingFds;
    this.pendingFds = [];
    this.addSockets(fds);
  }

  /** The addresses of the listening sockets (e.g. to learn the port picked for port 0). */
  addresses(): SocketAddress[] {
    const out: SocketAddress[] = [];
    for (const fd of this.sockets.keys()) out.push(getsockname(fd));
    for (const fd of this.pendingFds) out.push(getsockname(fd));
    return out;
  }

  /** Number of open connections accepted by this server. */
  get connectionCount(): number {
    return this.connections.size;
  }

  /** Stop accepting and close the listening sockets; open connections are left alone. */
  stop(): void {
    for (const [fd, remove] of this.sockets) {
      remove();
      this.closeListening(fd);
    }
    this.sockets.clear();
    for (const fd of this.pendingFds) this.closeListening(fd);
    this.pendingFds = [];
  }

  /** Run `fn` (awaited, in registration order) at the end of {@link TCPServer.shutdown}. */
  addShutdownHook(fn: () => unknown): void {
    if (typeof fn !== "function") throw new TypeError("addShutdownHook expects a function");
    this.hooks.push(fn);
  }

  /**
   * Graceful shutdown: stop accepting, wait for open connections to close (up to `deadlineMs`,
   * then close those left), run the shutdown hooks, resolve. Calling it again returns the same
   * promise. The loop must be running.
   */
  shutdown(options: ShutdownOptions = {}): Promise<void> {
    if (this.shutdownPromise !== null) return this.shutdownPromise;
    const deadlineMs = options.deadlineMs ?? DEFAULT_SHUTDOWN_DEADLINE_MS;
    if (typeof deadlineMs !== "number" || !(deadlineMs >= 0)) {
      throw new RangeError(`deadlineMs must be a number >= 0, got ${String(deadlineMs)}`);
    }
    this.shutdownPromise = this.runShutdown(deadlineMs);
    return this.shutdownPromise;
  }

  /**
   * Called for each new connection, after the TLS handshake when `ssl` is set. Override it (or
   * pass `handleStream` in the options). A thrown error or rejected promise is logged (a
   * StreamClosedError, i.e. the peer went away, at debug level) and the stream closed.
   */
  handleStream(stream: IOStream | SSLIOStream, address: SocketAddress): void | Promise<void> {
    if (this.handler !== null) return this.handler(stream, address);
    if (!this.warnedNoHandler) {
      this.warnedNoHandler = true;
      this.logger.error(
        "TCPServer has no connection handler: subclass it and override handleStream(), or pass options.handleStream; closing connections",
      );
    }
    stream.close();
  }

  /**
   * Count `stream` as one of this server's connections until it closes (or hands its descriptor
   * to a TLS stream with `startTls`): the stream's owner close hook forgets it.
   */
  private track(stream: IOStream | SSLIOStream): void {
    this.connections.add(stream);
    stream.setCloseHook(() => {
      if (!this.connections.delete(stream)) return;
      if (this.drained !== null && this.connections.size === 0) this.drained();
    });
  }

  private closeListening(fd: number): void {
    forgetListeningFd(fd);
    try {
      close(fd);
    } catch (err) {
      this.logger.debug({ err, fd }, "error closing listening socket");
    }
  }

  private handleConnection(fd: number, address: SocketAddress): void {
    if (this.secureContext === null) {
      const stream = new IOStream(fd, this.streamOptions);
      this.track(stream);
      this.runHandler(stream, address);
      return;
    }
    // The server side of TLS: count the TLS stream; its transport stays private.
    const tlsStream = new SSLIOStream(new IOStream(fd, this.streamOptions), {
      ...this.streamOptions,
      serverSide: true,
      tls: { secureContext: this.secureContext },
    });
    this.track(tlsStream);
    tlsStream.waitForHandshake().then(
      () => {
        if (!tlsStream.closed()) this.runHandler(tlsStream, address);
      },
      (err: Error) => {
        // Debug, not warn: any peer can fail a handshake at will, and the log must not flood.
        this.logger.debug(`TLS handshake with ${formatAddress(address)} failed: ${err.message}`);
        tlsStream.close(err);
      },
    );
  }

  private runHandler(stream: IOStream | SSLIOStream, address: SocketAddress): void {
    let result: void | Promise<void>;
    try {
      result = this.handleStream(stream, address);
    } catch (err) {
      this.handlerFailed(stream, address, err);
      return;
    }
    if (result !== undefined && typeof (result as Promise<void>).then === "function") {
      (result as Promise<void>).then(undefined, (err: unknown) =>
        this.handlerFailed(stream, address, err),
      );
    }
  }

  private handlerFailed(stream: IOStream | SSLIOStream, address: SocketAddress, err: unknown) {
    // By code, not instanceof: the stream may come from another installed copy of @t/iostream.
    if (errorCode(err) === "T_ERR_STREAM_CLOSED") {
      this.logger.debug({ err }, `connection from ${formatAddress(address)} closed`);
    } else {
      this.logger.error(err, `error in connection handler for ${formatAddress(address)}`);
    }
    stream.close();
  }

  /**
   * Called by {@link TCPServer.shutdown} once accepting stopped, when connections are open: asks
   * each connection's owner to wind it down (`stream.drain()`; HTTP closes idle keep-alive
   * connections and answers in-flight requests with `Connection: close`, a WebSocket sends
   * 1001 "going away"). A subclass may override it to do more.
   */
  protected drainConnections(): void {
    for (const stream of [...this.connections]) {
      try {
        stream.drain();
      } catch (err) {
        // One owner's failure must not stop the others from winding down (nor the deadline).
        this.logger.error(err, "error in a connection's drain callback");
      }
    }
  }

  private async runShutdown(deadlineMs: number): Promise<void> {
    this.stop();
    if (this.connections.size > 0) this.drainConnections();
    if (this.connections.size > 0) {
      let timer: TimeoutHandle | null = null;
      await new Promise<void>((resolve) => {
        this.drained = resolve;
        timer = this.loop.callLater(deadlineMs, () => {
          timer = null;
          const left = [...this.connections];
          this.logger.info(
            `shutdown: closing ${left.length} connection(s) still open after ${deadlineMs} ms`,
          );
          for (const s of left) s.close();
          resolve();
        });
      });
      this.drained = null;
      if (timer !== null) this.loop.removeTimeout(timer);
    }
    for (const hook of this.hooks) {
      try {
        await hook();
      } catch (err) {
        this.logger.error(err, "error in shutdown hook");
      }
    }
  }
}

function checkLimits(o: IOStreamOptions): void {
  for (const name of ["maxBufferSize", "readChunkSize", "maxWriteBufferSize"] as const) {
    const v = o[name];
    if (v === undefined) continue;
    if (typeof v !== "number" || !Number.isInteger(v)) {
      throw new TypeError(`${name} must be an integer number of bytes, got ${String(v)}`);
    }
    if (v < 1) throw new RangeError(`${name} must be at least 1 byte, got ${v}`);
  }
}

function formatAddress(a: SocketAddress): string {
  if (a.family === "unix") return a.address || "unix socket";
  return a.family === "IPv6" ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
}
