// RpcServer: a TCPServer that serves registered handlers and calls its clients by client id.

import { TCPServer, type TCPServerOptions } from "@t/tcpserver";
import { RpcDisconnectedError, RpcUnknownClientError } from "./errors.js";
import { checkMaxFrameBytes } from "./frame-codec.js";
import { Listeners } from "./listeners.js";
import {
  type CallOptions,
  checkMs,
  DEFAULT_CALL_TIMEOUT_MS,
  DEFAULT_HELLO_TIMEOUT_MS,
} from "./options.js";
import { DEFAULT_MAX_FRAME_BYTES } from "./protocol.js";
import {
  checkMethodName,
  type Handler,
  MethodRegistry,
  type RegisterModuleOptions,
  type RegisterOptions,
} from "./registry.js";
import { RpcConnection } from "./rpc-connection.js";

type AcceptedStream = Parameters<TCPServer["handleStream"]>[0];
/** The peer address of a connection (as TCPServer reports it). */
export type PeerAddress = Parameters<TCPServer["handleStream"]>[1];

/** Options of {@link RpcServer} (plus every TCPServer / IOStream option). */
export interface RpcServerOptions extends TCPServerOptions {
  /** Most payload bytes per frame, each direction. Default 8388608 (8 MiB). */
  maxFrameBytes?: number;
  /** Reply RpcHandlerTimeoutError when a handler has not settled after this many ms. Default 0 (never). */
  handlerTimeoutMs?: number;
  /** Default timeout of `server.call`/`apply`, ms (0 = none). Default 30000. */
  timeoutMs?: number;
  /** Close connections that send no hello within this many ms (0 = wait forever). Default 10000. */
  helloTimeoutMs?: number;
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
 * hello frame carrying a client id, then call the handlers registered here; the server calls a
 * client's handlers with `call(clientId, name, ...args)`. A second connection with a client id
 * already in use replaces the first (which is closed). `shutdown()` is graceful: running handlers
 * finish and their replies are sent before connections close.
 */
export class RpcServer extends TCPServer {
  /** The handlers clients may call. */
  readonly registry = new MethodRegistry();
  private readonly maxFrameBytes: number;
  private readonly handlerTimeoutMs: number;
  private readonly timeoutMs: number;
  private readonly helloTimeoutMs: number;
  private readonly byId = new Map<string, RpcConnection>();
  private readonly all = new Set<RpcConnection>();
  private readonly addressOf = new WeakMap<RpcConnection, PeerAddress>();
  private readonly events = new Listeners<RpcServerEvents>("RpcServer", () => this.logger);
  private draining = false;

  constructor(options: RpcServerOptions = {}) {
    const { maxFrameBytes, handlerTimeoutMs, timeoutMs, helloTimeoutMs, ...tcpOptions } = options;
    super(tcpOptions);
    this.maxFrameBytes = checkMaxFrameBytes(maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES, "RpcServer");
    this.handlerTimeoutMs = checkMs(handlerTimeoutMs, "handlerTimeoutMs", 0);
    this.timeoutMs = checkMs(timeoutMs, "timeoutMs", DEFAULT_CALL_TIMEOUT_MS);
    this.helloTimeoutMs = checkMs(helloTimeoutMs, "helloTimeoutMs", DEFAULT_HELLO_TIMEOUT_MS);
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

  /** Call `name(...args)` on client `clientId` with the default timeout. */
  call(clientId: string, name: string, ...args: unknown[]): Promise<unknown> {
    return this.apply(clientId, name, args);
  }

  /**
   * Call `name` on client `clientId` with `args` (an array) and per-call options. Rejects with
   * RpcUnknownClientError when no such client is connected, else as `RpcClient.apply` does.
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
    const conn = this.byId.get(clientId);
    if (conn === undefined) {
      return Promise.reject(
        new RpcUnknownClientError(`no client "${String(clientId)}" is connected`),
      );
    }
    return conn.apply(name, args, timeoutMs);
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
    const conn = new RpcConnection(stream, {
      loop: this.loop,
      logger: this.logger,
      registry: this.registry,
      maxFrameBytes: this.maxFrameBytes,
      handlerTimeoutMs: this.handlerTimeoutMs,
      helloTimeoutMs: this.helloTimeoutMs,
      onHello: (c, clientId) => this.onHello(c, clientId),
      onClose: (c, error) => this.onConnectionClose(c, error),
    });
    this.all.add(conn);
    this.addressOf.set(conn, address);
  }

  private onHello(conn: RpcConnection, clientId: string): void {
    const previous = this.byId.get(clientId);
    if (previous !== undefined && previous !== conn) {
      this.logger.info(`RPC client "${clientId}" reconnected; closing its previous connection`);
      // Emits the old connection's disconnect before this connect.
      previous.close(
        new RpcDisconnectedError(`replaced by a newer connection with client id "${clientId}"`),
      );
    }
    this.byId.set(clientId, conn);
    this.emit("connect", clientId, this.addressOf.get(conn) as PeerAddress);
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
