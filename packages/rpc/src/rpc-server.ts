// RpcServer: a TCPServer that serves registered handlers and calls its clients by client id.

import type { BaseIOStream } from "@t/iostream";
import { TCPServer, type TCPServerOptions } from "@t/tcpserver";
import {
  RpcAuthenticationError,
  RpcDisconnectedError,
  RpcDuplicateClientError,
  type RpcError,
  RpcShuttingDownError,
  RpcUnknownClientError,
} from "./errors.js";
import { checkMaxFrameBytes } from "./frame-codec.js";
import { createNonce, type Secret, secretKey, verifyHelloMac } from "./hello-auth.js";
import { Listeners } from "./listeners.js";
import {
  type CallOptions,
  checkCount,
  checkMs,
  checkSignal,
  DEFAULT_CALL_TIMEOUT_MS,
  DEFAULT_HANDLER_TIMEOUT_MS,
  DEFAULT_HELLO_TIMEOUT_MS,
  DEFAULT_MAX_INFLIGHT_PER_CONNECTION,
  DEFAULT_RPC_MAX_WRITE_BUFFER_SIZE,
  DEFAULT_WRITE_TIMEOUT_MS,
} from "./options.js";
import { DEFAULT_MAX_FRAME_BYTES } from "./protocol.js";
import {
  checkMethodName,
  type Handler,
  MethodRegistry,
  type RegisterModuleOptions,
  type RegisterOptions,
} from "./registry.js";
import {
  callAborted,
  type HelloRequest,
  type HelloVerdict,
  RpcConnection,
} from "./rpc-connection.js";

type AcceptedStream = Parameters<TCPServer["handleStream"]>[0];
/** The peer address of a connection (as TCPServer reports it). */
export type PeerAddress = Parameters<TCPServer["handleStream"]>[1];

/** What the `authenticate` hook of {@link RpcServer} is told about a hello. */
export interface HelloInfo {
  /** The client id the hello claims (already proven by its HMAC when a `secret` is set). */
  readonly clientId: string;
  /** The client's `credentials` option as sent in the hello (any msgpack value), or undefined. */
  readonly credentials: unknown;
  /** The peer's address. */
  readonly address: PeerAddress;
}

/**
 * Decides whether a hello may connect: true accepts it; false (or a throw, which is logged)
 * refuses it with RpcAuthenticationError. `stream` is the connection's stream (an SSLIOStream
 * offers `peerCertificate()`).
 */
export type AuthenticateHook = (
  hello: HelloInfo,
  stream: BaseIOStream,
) => boolean | PromiseLike<boolean>;

/**
 * The key a client id must prove: one shared secret for every client, or a lookup of each
 * client's own key (null/undefined: no such client, refused).
 */
export type SecretOption =
  | Secret
  | ((clientId: string) => Secret | null | undefined | PromiseLike<Secret | null | undefined>);

/** Options of {@link RpcServer} (plus every TCPServer / IOStream option). */
export interface RpcServerOptions extends TCPServerOptions {
  /** Most payload bytes per frame, each direction. Default 8388608 (8 MiB). */
  maxFrameBytes?: number;
  /**
   * Reply RpcHandlerTimeoutError (and abort the handler's `ctx.signal`) when a handler has not
   * settled after this many ms; 0 = never. Default 60000.
   */
  handlerTimeoutMs?: number;
  /**
   * Most handlers awaiting their reply per connection (calls and notifications whose handler
   * returned a promise); at the limit the server stops reading that connection until one
   * settles. Integer >= 1 or Infinity. Default 1024.
   */
  maxInflightPerConnection?: number;
  /** Default timeout of `server.call`/`apply`, ms (0 = none). Default 30000. */
  timeoutMs?: number;
  /**
   * Close a connection whose queued replies made no progress into the kernel for this many ms
   * (the peer stopped reading them); 0 = never. Default 60000.
   */
  writeTimeoutMs?: number;
  /** Close connections whose hello is not accepted within this many ms (0 = wait forever). Default 10000. */
  helloTimeoutMs?: number;
  /**
   * Require every hello to prove this secret: the server challenges it with a random nonce and
   * the client answers HMAC-SHA256(secret, nonce ‖ clientId). A string (UTF-8) or bytes, at least
   * 16 bytes; or a function returning each client id's own key. Default: none (no challenge).
   */
  secret?: SecretOption;
  /** Called for every hello (after the HMAC check, if any) before it is accepted. Default: none. */
  authenticate?: AuthenticateHook;
  /**
   * A hello claiming the client id of a live connection: `"reject"` refuses the newcomer with
   * RpcDuplicateClientError and leaves the live one alone; `"replace"` closes the live one and
   * accepts the newcomer. Default "reject".
   */
  onDuplicateClientId?: "reject" | "replace";
}

/** Events of {@link RpcServer}, with their listener arguments. */
export interface RpcServerEvents {
  /** A client said hello. */
  connect: [clientId: string, address: PeerAddress];
  /** A client that had said hello is gone; `error` says why (undefined: closed cleanly). */
  disconnect: [clientId: string, error: Error | undefined];
}

/**
 * Bidirectional RPC server (the seed's `RPCServer`). Clients connect, identify themselves with a
 * hello frame carrying a client id (proven by an HMAC when `secret` is set, checked by
 * `authenticate` when given), then call the handlers registered here; the server calls a
 * client's handlers with `call(clientId, name, ...args)`. A second connection with a client id
 * already in use is refused (or, with `onDuplicateClientId: "replace"`, replaces the first).
 * `shutdown()` is graceful: running handlers finish and their replies are sent before
 * connections close.
 */
export class RpcServer extends TCPServer {
  static override loggerName = "@t/rpc";
  /** The handlers clients may call. */
  readonly registry = new MethodRegistry();
  private readonly maxFrameBytes: number;
  private readonly handlerTimeoutMs: number;
  private readonly maxInflight: number;
  private readonly timeoutMs: number;
  private readonly helloTimeoutMs: number;
  private readonly writeTimeoutMs: number;
  /** A shared key, a per-client lookup, or null (no challenge). */
  private readonly secret: Buffer | ((clientId: string) => unknown) | null;
  private readonly authenticate: AuthenticateHook | null;
  private readonly replaceDuplicates: boolean;
  private readonly byId = new Map<string, RpcConnection>();
  private readonly all = new Set<RpcConnection>();
  /** Keyed by stream: known before the connection's constructor may deliver a hello. */
  private readonly addressOf = new WeakMap<object, PeerAddress>();
  private readonly events = new Listeners<RpcServerEvents>("RpcServer", () => this.logger);
  private draining = false;
  private readonly onHelloFn = (conn: RpcConnection, hello: HelloRequest) =>
    this.checkHello(conn, hello);
  private readonly onAcceptFn = (conn: RpcConnection) => this.accept(conn);
  private readonly onCloseFn = (conn: RpcConnection, error: Error | undefined) =>
    this.onConnectionClose(conn, error);

  constructor(options: RpcServerOptions = {}) {
    const {
      maxFrameBytes,
      handlerTimeoutMs,
      maxInflightPerConnection,
      timeoutMs,
      writeTimeoutMs,
      helloTimeoutMs,
      secret,
      authenticate,
      onDuplicateClientId,
      ...tcpOptions
    } = options;
    // Connections get a bounded write queue unless the caller chose one.
    super({
      ...tcpOptions,
      maxWriteBufferSize: tcpOptions.maxWriteBufferSize ?? DEFAULT_RPC_MAX_WRITE_BUFFER_SIZE,
    });
    this.maxFrameBytes = checkMaxFrameBytes(maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES, "RpcServer");
    this.handlerTimeoutMs = checkMs(
      handlerTimeoutMs,
      "handlerTimeoutMs",
      DEFAULT_HANDLER_TIMEOUT_MS,
    );
    this.maxInflight = checkCount(
      maxInflightPerConnection,
      "maxInflightPerConnection",
      DEFAULT_MAX_INFLIGHT_PER_CONNECTION,
    );
    this.timeoutMs = checkMs(timeoutMs, "timeoutMs", DEFAULT_CALL_TIMEOUT_MS);
    this.helloTimeoutMs = checkMs(helloTimeoutMs, "helloTimeoutMs", DEFAULT_HELLO_TIMEOUT_MS);
    this.writeTimeoutMs = checkMs(writeTimeoutMs, "writeTimeoutMs", DEFAULT_WRITE_TIMEOUT_MS);
    this.secret =
      secret === undefined
        ? null
        : typeof secret === "function"
          ? secret
          : secretKey(secret, "RpcServer: secret");
    if (authenticate !== undefined && typeof authenticate !== "function") {
      throw new TypeError("RpcServer: authenticate must be a function (hello, stream) => boolean");
    }
    this.authenticate = authenticate ?? null;
    if (
      onDuplicateClientId !== undefined &&
      onDuplicateClientId !== "reject" &&
      onDuplicateClientId !== "replace"
    ) {
      throw new TypeError(
        `RpcServer: onDuplicateClientId must be "reject" or "replace", got ${String(onDuplicateClientId)}`,
      );
    }
    this.replaceDuplicates = onDuplicateClientId === "replace";
  }

  // ---------------------------------------------------------------- handlers

  /** Register `fn` under `name` (async functions welcome). Throws RpcDuplicateMethodError if taken. */
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

  // ---------------------------------------------------------------- clients

  /** Ids of the clients connected now (hello done). */
  clients(): string[] {
    return [...this.byId.keys()];
  }

  /** Whether a client with this id is connected. */
  hasClient(clientId: string): boolean {
    return this.byId.has(clientId);
  }

  /**
   * The connection of a connected client (for its state: `activeHandlers`, `pendingCalls`,
   * `readingPaused`, `stream`), or undefined.
   */
  connection(clientId: string): RpcConnection | undefined {
    return this.byId.get(clientId);
  }

  /** Call `name(...args)` on client `clientId` with the default timeout. */
  call(clientId: string, name: string, ...args: unknown[]): Promise<unknown> {
    return this.apply(clientId, name, args);
  }

  /**
   * Call `name` on client `clientId` with `args` (an array) and per-call options. Rejects with
   * RpcUnknownClientError when no such client is connected, else as `RpcClient.apply` does
   * (`{ timeoutMs, signal }`: an aborted signal rejects with `AbortError`, the reply is dropped).
   */
  apply(
    clientId: string,
    name: string,
    args: unknown[] = [],
    options?: CallOptions,
  ): Promise<unknown> {
    checkMethodName(name, "RpcServer.call");
    if (!Array.isArray(args)) throw new TypeError("RpcServer.apply expects args as an array");
    const timeoutMs =
      options?.timeoutMs === undefined
        ? this.timeoutMs
        : checkMs(options.timeoutMs, "timeoutMs", 0);
    const signal = checkSignal(options?.signal, "RpcServer.apply");
    if (signal?.aborted) return Promise.reject(callAborted(name, signal));
    const conn = this.byId.get(clientId);
    if (conn === undefined) {
      return Promise.reject(
        new RpcUnknownClientError(`no client "${String(clientId)}" is connected`),
      );
    }
    return conn.apply(name, args, timeoutMs, signal);
  }

  /** Call `name(...args)` on client `clientId` without a reply. Throws RpcUnknownClientError. */
  notify(clientId: string, name: string, ...args: unknown[]): void {
    checkMethodName(name, "RpcServer.notify");
    const conn = this.byId.get(clientId);
    if (conn === undefined) {
      throw new RpcUnknownClientError(`no client "${String(clientId)}" is connected`);
    }
    conn.notify(name, args);
  }

  // ---------------------------------------------------------------- events

  /** Listen to `connect` / `disconnect`. A throwing listener is logged, never breaks the server. */
  on<E extends keyof RpcServerEvents>(
    event: E,
    listener: (...args: RpcServerEvents[E]) => void,
  ): this {
    this.events.on(event, listener);
    return this;
  }

  /** Listen once. */
  once<E extends keyof RpcServerEvents>(
    event: E,
    listener: (...args: RpcServerEvents[E]) => void,
  ): this {
    this.events.once(event, listener);
    return this;
  }

  /** Stop listening. */
  off<E extends keyof RpcServerEvents>(
    event: E,
    listener: (...args: RpcServerEvents[E]) => void,
  ): this {
    this.events.off(event, listener);
    return this;
  }

  private emit<E extends keyof RpcServerEvents>(event: E, ...args: RpcServerEvents[E]): void {
    this.events.emit(event, ...args);
  }

  // ---------------------------------------------------------------- connections

  /** Serve one accepted connection (called by TCPServer). */
  override handleStream(stream: AcceptedStream, address: PeerAddress): void {
    if (this.draining) {
      stream.close();
      return;
    }
    const s = stream as AcceptedStream & { setNoDelay?: (on: boolean) => void };
    if (typeof s.setNoDelay === "function") {
      try {
        s.setNoDelay(true);
      } catch {
        // not a TCP socket (Unix socket): nothing to do
      }
    }
    this.addressOf.set(stream, address);
    const conn = new RpcConnection(stream, {
      loop: this.loop,
      logger: this.logger,
      registry: this.registry,
      maxFrameBytes: this.maxFrameBytes,
      handlerTimeoutMs: this.handlerTimeoutMs,
      maxInflight: this.maxInflight,
      helloTimeoutMs: this.helloTimeoutMs,
      writeTimeoutMs: this.writeTimeoutMs,
      onHello: this.onHelloFn,
      onAccept: this.onAcceptFn,
      onClose: this.onCloseFn,
    });
    this.all.add(conn);
  }

  /** The verdict on a hello: at once without secret and hook, else after checking them. */
  private checkHello(
    conn: RpcConnection,
    hello: HelloRequest,
  ): HelloVerdict | Promise<HelloVerdict> {
    if (this.draining) return new RpcShuttingDownError("server is shutting down");
    if (this.secret === null && this.authenticate === null) return null;
    if (this.secret !== null && hello.nonce === null) return createNonce();
    return this.authenticateHello(conn, hello);
  }

  private async authenticateHello(conn: RpcConnection, hello: HelloRequest): Promise<HelloVerdict> {
    const address = this.addressOf.get(conn.stream) as PeerAddress;
    const from = `${address.address}:${address.port}`;
    const refused = (why: string): RpcError => {
      this.logger.warn(`RPC hello from ${from} as "${hello.clientId}" refused: ${why}`);
      return new RpcAuthenticationError("authentication failed");
    };
    const secret = this.secret;
    if (secret !== null && hello.nonce !== null) {
      if (hello.hmac === null) return refused("no hmac in the answer to the challenge");
      let key: Buffer;
      if (typeof secret === "function") {
        let found: unknown;
        try {
          found = await secret(hello.clientId);
        } catch (err) {
          this.logger.error({ err }, "RpcServer: the secret lookup threw");
          return refused("the secret lookup failed");
        }
        if (found === null || found === undefined) return refused("no secret for this client id");
        try {
          key = secretKey(found, "RpcServer: the secret lookup's key");
        } catch (err) {
          this.logger.error({ err }, (err as Error).message);
          return refused("the secret lookup returned an unusable key");
        }
      } else key = secret;
      if (!verifyHelloMac(key, hello.nonce, hello.clientId, hello.hmac)) {
        return refused("wrong hmac");
      }
    }
    const authenticate = this.authenticate;
    if (authenticate !== null) {
      let ok: unknown;
      try {
        ok = await authenticate(
          { clientId: hello.clientId, credentials: hello.credentials, address },
          conn.stream,
        );
      } catch (err) {
        this.logger.error({ err }, "RpcServer: the authenticate hook threw");
        return refused("the authenticate hook threw");
      }
      if (ok !== true) return refused("the authenticate hook said no");
    }
    return null;
  }

  /** Register an accepted hello (`conn.clientId` is set), or refuse a duplicate. */
  private accept(conn: RpcConnection): RpcError | null {
    const clientId = conn.clientId;
    if (this.draining) return new RpcShuttingDownError("server is shutting down");
    const live = this.byId.get(clientId);
    if (live !== undefined && live !== conn) {
      if (!this.replaceDuplicates) {
        this.logger.info(`RPC hello as "${clientId}" refused: that client id is connected`);
        return new RpcDuplicateClientError(
          `client id "${clientId}" is already connected (the server refuses duplicates)`,
        );
      }
      this.logger.info(`RPC client "${clientId}" reconnected; closing its previous connection`);
      // Emits the old connection's disconnect before this connect.
      live.close(
        new RpcDisconnectedError(`replaced by a newer connection with client id "${clientId}"`),
      );
    }
    this.byId.set(clientId, conn);
    this.emit("connect", clientId, this.addressOf.get(conn.stream) as PeerAddress);
    return null;
  }

  private onConnectionClose(conn: RpcConnection, error: Error | undefined): void {
    this.all.delete(conn);
    if (conn.clientId !== "" && this.byId.get(conn.clientId) === conn) {
      this.byId.delete(conn.clientId);
      this.emit("disconnect", conn.clientId, error);
    }
  }

  /**
   * Graceful shutdown: stop accepting, answer new calls with RpcShuttingDownError, let running
   * handlers (and our calls to clients) finish and their replies reach the kernel, close each
   * connection as it becomes idle; after `deadlineMs` TCPServer closes what is left.
   */
  override shutdown(options?: { deadlineMs?: number }): Promise<void> {
    this.draining = true;
    for (const conn of [...this.all]) conn.drain();
    return super.shutdown(options);
  }
}
