// RpcClient: connects to an RpcServer, calls it, serves its calls, reconnects with backoff.

import { randomUUID } from "node:crypto";
import type * as tls from "node:tls";
import { IOLoop, type Logger, namedLogger, type TimeoutHandle } from "@t/ioloop";
import type { IOStreamOptions } from "@t/iostream";
import { TCPClient } from "@t/tcpserver";
import { Backoff, type BackoffOptions } from "./backoff.js";
import { RpcDisconnectedError } from "./errors.js";
import { checkMaxFrameBytes } from "./frame-codec.js";
import { type Secret, secretKey } from "./hello-auth.js";
import { Listeners } from "./listeners.js";
import {
  type CallOptions,
  checkCount,
  checkMs,
  checkSignal,
  DEFAULT_CALL_TIMEOUT_MS,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_HANDLER_TIMEOUT_MS,
  DEFAULT_MAX_INFLIGHT_PER_CONNECTION,
} from "./options.js";
import { DEFAULT_MAX_FRAME_BYTES, MAX_NAME_LENGTH } from "./protocol.js";
import {
  checkMethodName,
  type Handler,
  MethodRegistry,
  type RegisterModuleOptions,
  type RegisterOptions,
} from "./registry.js";
import { callAborted, type HelloAuth, RpcConnection } from "./rpc-connection.js";

/** Options of {@link RpcClient} (plus every IOStream option). */
export interface RpcClientOptions extends IOStreamOptions {
  /** The id this client presents in its hello frame. Default: a random UUID. */
  clientId?: string;
  /** Most payload bytes per frame, each direction. Default 8388608 (8 MiB). */
  maxFrameBytes?: number;
  /** Default timeout of `call`/`apply`, ms (0 = none). Default 30000. */
  timeoutMs?: number;
  /**
   * Reply RpcHandlerTimeoutError (and abort `ctx.signal`) when one of our handlers has not
   * settled after this many ms; 0 = never. Default 60000.
   */
  handlerTimeoutMs?: number;
  /** Most of the server's calls our handlers work on at once (as on the server). Default 1024. */
  maxInflightPerConnection?: number;
  /**
   * The key that answers a server's challenge: the hello is proven with
   * HMAC-SHA256(secret, nonce ‖ clientId). A string (UTF-8) or bytes, at least 16 bytes.
   * Default: none (a server that requires a secret refuses the hello).
   */
  secret?: Secret;
  /**
   * Any msgpack value sent in the hello for the server's `authenticate` hook (e.g. a token; use
   * `ssl`, it travels in the clear otherwise). Servers before this option refuse such a hello.
   */
  credentials?: unknown;
  /** Bound on connecting plus the hello round trip, ms. Default 10000. */
  connectTimeoutMs?: number;
  /**
   * Reconnect after an established connection drops: `true` (default backoff: 100 ms doubling to
   * 10 s, jitter 0.5, unlimited attempts), backoff options, or `false`.
   */
  reconnect?: boolean | BackoffOptions;
  /** Where connection trouble is logged. Default: the loop's logger. */
  logger?: Logger;
  /** TLS: `true` (system CAs) or Node TLS connection options; SNI and hostname check use the host. */
  ssl?: boolean | tls.ConnectionOptions;
}

/** Options of `connect`. */
export interface ConnectOptions {
  /** Overrides the constructor's `clientId` (kept for later reconnects). */
  clientId?: string;
}

/** Events of {@link RpcClient}, with their listener arguments. */
export interface RpcClientEvents {
  /** The hello was accepted (first connect and every reconnect). */
  connect: [clientId: string];
  /** The connection closed; `error` says why (undefined: closed cleanly, e.g. by `close()`). */
  disconnect: [error: Error | undefined];
  /** A reconnect attempt is scheduled in `delayMs`. */
  reconnecting: [attempt: number, delayMs: number];
  /** `maxAttempts` reconnects failed; the client stays closed. `error` is the last failure. */
  reconnectFailed: [error: Error | undefined];
}

function checkClientId(id: unknown): string {
  if (typeof id !== "string" || id.length === 0 || id.length > MAX_NAME_LENGTH) {
    throw new TypeError(
      `clientId must be a string of 1..${MAX_NAME_LENGTH} characters, got ${typeof id === "string" ? JSON.stringify(id) : typeof id}`,
    );
  }
  return id;
}

/**
 * RPC client (the seed's client side). `connect` opens the TCP connection and says hello;
 * `call(name, ...args)` calls the server with the default timeout, `apply(name, args, { timeoutMs })`
 * with per-call options (arguments are always an array there, so options never collide with
 * them). Handlers registered here answer the server's `call(clientId, …)`. Calls while
 * disconnected reject at once with RpcDisconnectedError; calls in flight when the connection
 * drops reject with it too. After a drop the client reconnects with jittered exponential backoff.
 */
export class RpcClient {
  /** Handlers the server may call. */
  readonly registry = new MethodRegistry();
  /** The loop the client runs on. */
  readonly loop: IOLoop;
  private id: string;
  private readonly logger: Logger;
  private readonly tcp: TCPClient;
  private readonly maxFrameBytes: number;
  private readonly timeoutMs: number;
  private readonly handlerTimeoutMs: number;
  private readonly maxInflight: number;
  private readonly auth: HelloAuth | null;
  private readonly connectTimeoutMs: number;
  private readonly backoff: Backoff | null;
  private readonly ssl: boolean | tls.ConnectionOptions | undefined;
  private readonly events = new Listeners<RpcClientEvents>("RpcClient", () => this.logger);
  private conn: RpcConnection | null = null;
  private host = "";
  private port = 0;
  private active = false;
  private opening = false;
  private reconnectTimer: TimeoutHandle | null = null;

  constructor(options?: RpcClientOptions) {
    this.loop = options?.loop ?? IOLoop.current();
    this.logger = namedLogger(options?.logger ?? this.loop.logger, "@t/rpc");
    this.id = options?.clientId === undefined ? randomUUID() : checkClientId(options.clientId);
    this.maxFrameBytes = checkMaxFrameBytes(
      options?.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES,
      "RpcClient",
    );
    this.timeoutMs = checkMs(options?.timeoutMs, "timeoutMs", DEFAULT_CALL_TIMEOUT_MS);
    this.handlerTimeoutMs = checkMs(
      options?.handlerTimeoutMs,
      "handlerTimeoutMs",
      DEFAULT_HANDLER_TIMEOUT_MS,
    );
    this.maxInflight = checkCount(
      options?.maxInflightPerConnection,
      "maxInflightPerConnection",
      DEFAULT_MAX_INFLIGHT_PER_CONNECTION,
    );
    const secret =
      options?.secret === undefined ? null : secretKey(options.secret, "RpcClient: secret");
    const credentials = options?.credentials;
    this.auth = secret === null && credentials === undefined ? null : { secret, credentials };
    this.connectTimeoutMs = checkMs(
      options?.connectTimeoutMs,
      "connectTimeoutMs",
      DEFAULT_CONNECT_TIMEOUT_MS,
    );
    this.ssl = options?.ssl;
    const reconnect = options?.reconnect ?? true;
    this.backoff =
      reconnect === false ? null : new Backoff(reconnect === true ? undefined : reconnect);
    const streamOptions: IOStreamOptions & { loop: IOLoop } = { loop: this.loop };
    if (options?.maxBufferSize !== undefined) streamOptions.maxBufferSize = options.maxBufferSize;
    if (options?.readChunkSize !== undefined) streamOptions.readChunkSize = options.readChunkSize;
    if (options?.maxWriteBufferSize !== undefined) {
      streamOptions.maxWriteBufferSize = options.maxWriteBufferSize;
    }
    this.tcp = new TCPClient(streamOptions);
  }

  /** The id presented to the server. */
  get clientId(): string {
    return this.id;
  }

  /** True while a connection is established (hello accepted). */
  get connected(): boolean {
    return this.conn !== null && !this.conn.closed;
  }

  // ---------------------------------------------------------------- handlers

  /** Register `fn` under `name` for the server to call. Throws RpcDuplicateMethodError if taken. */
  register(name: string, fn: Handler, options?: RegisterOptions): this {
    this.registry.register(name, fn, options);
    return this;
  }

  /** Register every function of `module` (see MethodRegistry.registerModule); returns the names. */
  registerModule(module: object, options?: RegisterModuleOptions): string[] {
    return this.registry.registerModule(module, options);
  }

  /** Remove a handler; true if it was registered. */
  unregister(name: string): boolean {
    return this.registry.unregister(name);
  }

  // ---------------------------------------------------------------- connection

  /**
   * Connect to `host:port` and say hello. Rejects if that fails (no automatic retry for the
   * first connect); once connected, drops are followed by reconnects as configured.
   */
  async connect(host: string, port: number, options?: ConnectOptions): Promise<void> {
    if (typeof host !== "string" || host.length === 0) {
      throw new TypeError("RpcClient.connect expects a host name or address");
    }
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new RangeError(`RpcClient.connect expects a port in 1..65535, got ${port}`);
    }
    if (this.active) {
      throw new TypeError("RpcClient.connect: already connected or connecting; close() first");
    }
    if (options?.clientId !== undefined) this.id = checkClientId(options.clientId);
    this.host = host;
    this.port = port;
    this.active = true;
    try {
      await this.open();
    } catch (err) {
      this.active = false;
      throw err;
    }
  }

  /**
   * Close the connection and stop reconnecting. Calls in flight reject with RpcDisconnectedError.
   * The client may `connect` again afterwards.
   */
  close(): void {
    this.active = false;
    if (this.reconnectTimer !== null) {
      this.loop.removeTimeout(this.reconnectTimer);
      this.reconnectTimer = null;
    }
    const conn = this.conn;
    if (conn !== null) conn.close(new RpcDisconnectedError("client closed"));
  }

  // ---------------------------------------------------------------- calls

  /** Call `name(...args)` on the server with the default timeout. */
  call(name: string, ...args: unknown[]): Promise<unknown> {
    return this.apply(name, args);
  }

  /**
   * Call `name` with `args` (an array) and per-call options, e.g.
   * `apply("sum", [1, 2], { timeoutMs: 500, signal })`. Resolves with the result; rejects with
   * the server's error (RpcRemoteError, RpcMethodNotFoundError, …), RpcTimeoutError,
   * RpcDisconnectedError, RpcEncodeError, RpcFrameTooLargeError, or `AbortError` (from
   * `@t/ioloop`) when `signal` aborts first — at once if it already has.
   */
  apply(name: string, args: unknown[] = [], options?: CallOptions): Promise<unknown> {
    checkMethodName(name, "RpcClient.call");
    if (!Array.isArray(args)) throw new TypeError("RpcClient.apply expects args as an array");
    const timeoutMs =
      options?.timeoutMs === undefined
        ? this.timeoutMs
        : checkMs(options.timeoutMs, "timeoutMs", 0);
    const signal = checkSignal(options?.signal, "RpcClient.apply");
    if (signal?.aborted) return Promise.reject(callAborted(name, signal));
    const conn = this.conn;
    if (conn === null) {
      return Promise.reject(new RpcDisconnectedError(`cannot call "${name}": not connected`));
    }
    return conn.apply(name, args, timeoutMs, signal);
  }

  /** Call `name(...args)` on the server without a reply. Throws RpcDisconnectedError if not connected. */
  notify(name: string, ...args: unknown[]): void {
    checkMethodName(name, "RpcClient.notify");
    const conn = this.conn;
    if (conn === null) throw new RpcDisconnectedError(`cannot notify "${name}": not connected`);
    conn.notify(name, args);
  }

  // ---------------------------------------------------------------- events

  /** Listen to `connect`, `disconnect`, `reconnecting`, `reconnectFailed`. */
  on<E extends keyof RpcClientEvents>(
    event: E,
    listener: (...args: RpcClientEvents[E]) => void,
  ): this {
    this.events.on(event, listener);
    return this;
  }

  /** Listen once. */
  once<E extends keyof RpcClientEvents>(
    event: E,
    listener: (...args: RpcClientEvents[E]) => void,
  ): this {
    this.events.once(event, listener);
    return this;
  }

  /** Stop listening. */
  off<E extends keyof RpcClientEvents>(
    event: E,
    listener: (...args: RpcClientEvents[E]) => void,
  ): this {
    this.events.off(event, listener);
    return this;
  }

  private emit<E extends keyof RpcClientEvents>(event: E, ...args: RpcClientEvents[E]): void {
    this.events.emit(event, ...args);
  }

  // ---------------------------------------------------------------- internals

  /** One connect + hello attempt. */
  private async open(): Promise<void> {
    this.opening = true;
    try {
      const started = this.loop.time();
      const stream = await this.tcp.connect(this.host, this.port, {
        timeoutMs: this.connectTimeoutMs > 0 ? this.connectTimeoutMs : undefined,
        ssl: this.ssl,
      });
      if (!this.active) {
        stream.close();
        throw new RpcDisconnectedError("client closed while connecting");
      }
      const s = stream as typeof stream & { setNoDelay?: (on: boolean) => void };
      if (typeof s.setNoDelay === "function") {
        try {
          s.setNoDelay(true);
        } catch {
          // not TCP
        }
      }
      const conn = new RpcConnection(stream, {
        loop: this.loop,
        logger: this.logger,
        registry: this.registry,
        maxFrameBytes: this.maxFrameBytes,
        handlerTimeoutMs: this.handlerTimeoutMs,
        maxInflight: this.maxInflight,
        onHello: null,
        onAccept: null,
        helloTimeoutMs: 0,
        onClose: (c, error) => this.onConnectionClose(c, error),
      });
      const left =
        this.connectTimeoutMs > 0
          ? Math.max(1, this.connectTimeoutMs - (this.loop.time() - started))
          : 0;
      try {
        await conn.hello(this.id, left, this.auth);
      } catch (err) {
        conn.close(err as Error);
        throw err;
      }
      if (!this.active) {
        conn.close(new RpcDisconnectedError("client closed while connecting"));
        throw new RpcDisconnectedError("client closed while connecting");
      }
      this.conn = conn;
      this.backoff?.reset();
      this.emit("connect", this.id);
    } finally {
      this.opening = false;
    }
  }

  private onConnectionClose(conn: RpcConnection, error: Error | undefined): void {
    if (this.conn !== conn) return; // a failed attempt: open() reports it
    this.conn = null;
    this.emit("disconnect", error);
    if (this.active) this.scheduleReconnect(error);
  }

  private scheduleReconnect(lastError: Error | undefined): void {
    const backoff = this.backoff;
    if (backoff === null) {
      this.active = false;
      return;
    }
    const delayMs = backoff.next();
    if (delayMs < 0) {
      this.active = false;
      this.emit("reconnectFailed", lastError);
      return;
    }
    this.emit("reconnecting", backoff.attempts, delayMs);
    this.reconnectTimer = this.loop.callLater(delayMs, () => {
      this.reconnectTimer = null;
      if (!this.active || this.opening) return;
      this.open().catch((err: Error) => {
        this.logger.debug({ err }, `RPC reconnect to ${this.host}:${this.port} failed`);
        if (this.active) this.scheduleReconnect(err);
      });
    });
  }
}
