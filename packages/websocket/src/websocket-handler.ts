// WebSocketHandler: a @t/web RequestHandler that upgrades GET requests to WebSocket connections.

import { HTTPHeaders } from "@t/httpserver";
import { RequestHandler, registerSettings } from "@t/web";
import { CLOSE_INTERNAL_ERROR } from "./close-codes.js";
import { WebSocketClosedError } from "./errors.js";
import { rejectWith } from "./frame-output.js";
import { checkUpgradeRequest, computeAcceptKey, parseSubprotocols } from "./handshake.js";
import {
  DEFAULT_CLOSE_TIMEOUT_MS,
  DEFAULT_MAX_FRAGMENTS_PER_MESSAGE,
  DEFAULT_MAX_MESSAGE_SIZE,
  DEFAULT_MAX_WRITE_BUFFER_SIZE,
  DEFAULT_WRITE_HIGH_WATER_MARK,
} from "./limits.js";
import {
  checkMessagesOptions,
  MessageInbox,
  type MessagesOptions,
  type WebSocketMessage,
} from "./message-inbox.js";
import {
  type CompressionOptions,
  negotiateServer,
  PerMessageDeflate,
} from "./permessage-deflate.js";
import {
  WebSocketConnection,
  type WebSocketDelegate,
  type WriteMessageData,
} from "./websocket-connection.js";

/** The Application settings a WebSocketHandler reads (registered so the Application accepts them). */
export const WEBSOCKET_SETTINGS = [
  "websocketPingIntervalMs",
  "websocketPingTimeoutMs",
  "websocketMaxMessageSize",
  "websocketCloseTimeoutMs",
  "websocketMaxWriteBufferSize",
  "websocketMaxFragmentsPerMessage",
  "websocketWriteHighWaterMark",
] as const;
registerSettings(WEBSOCKET_SETTINGS);

declare module "@t/web" {
  interface ApplicationSettings {
    /** Send a ping this often (ms); 0 (default) disables pings. */
    websocketPingIntervalMs?: number;
    /** Close when a ping is not answered within this many ms (default: the ping interval). */
    websocketPingTimeoutMs?: number;
    /** Most bytes of one incoming message (default 10 MiB). */
    websocketMaxMessageSize?: number;
    /** How long to wait for the peer's close frame after ours (ms). */
    websocketCloseTimeoutMs?: number;
    /** Most outgoing bytes queued per connection. */
    websocketMaxWriteBufferSize?: number;
    /** Most frames one incoming message may be split into. */
    websocketMaxFragmentsPerMessage?: number;
    /** Outgoing bytes waiting at which the peer stops being read (default Infinity: off). */
    websocketWriteHighWaterMark?: number;
  }
}

function numberSetting(settings: object, name: string, fallback: number, min: number): number {
  const v = (settings as Record<string, unknown>)[name];
  if (v === undefined) return fallback;
  if (typeof v !== "number" || !(v >= min) || Number.isNaN(v)) {
    throw new RangeError(`setting ${name} must be a number >= ${min}, got ${String(v)}`);
  }
  return v;
}

/**
 * A WebSocket endpoint (Tornado's `WebSocketHandler`). Route it like any handler and override
 * the hooks:
 *
 * ```ts
 * class Echo extends WebSocketHandler {
 *   override onMessage(message: string | Buffer) {
 *     return this.writeMessage(message);
 *   }
 * }
 * new Application([["/ws", Echo]]);
 * ```
 *
 * The lifecycle: the upgrade request passes `prepare()`, then the handshake checks (400, 403,
 * 426), `open(...pathArgs)`; then `onMessage` for each message and `onPing`/`onPong`; finally
 * `onClose` once. Messages are not delivered until `open` (and any Promise it returns) is done,
 * nor while a Promise returned by `onMessage` is pending.
 *
 * A handler that prefers a loop to the `onMessage` hook iterates {@link WebSocketHandler.messages}
 * in `open` instead (the two are exclusive):
 *
 * ```ts
 * class Echo extends WebSocketHandler {
 *   override async open() {
 *     for await (const message of this.messages()) await this.writeMessage(message);
 *   }
 * }
 * ```
 *
 * Settings read from the Application (each overridable as a getter in a subclass):
 * `websocketPingIntervalMs`, `websocketPingTimeoutMs`, `websocketMaxMessageSize`,
 * `websocketCloseTimeoutMs`, `websocketMaxWriteBufferSize`, `websocketMaxFragmentsPerMessage`,
 * `websocketWriteHighWaterMark`.
 */
export class WebSocketHandler extends RequestHandler {
  /** The protocol connection once the handshake completed (null before and on refusal). */
  wsConnection: WebSocketConnection | null = null;
  /** The subprotocol chosen by `selectSubprotocol`, or null. */
  selectedSubprotocol: string | null = null;
  private openPending = false;
  private connectionStarted = false;
  /** Where messages go once `messages()` was called (null: to `onMessage`). */
  private inbox: MessageInbox | null = null;

  // ------------------------------------------------------------------ hooks

  /** Hook: the connection is open. Receives the route's path arguments. May return a Promise. */
  open(..._pathArgs: (string | undefined)[]): void | Promise<void> {}

  /**
   * Hook: a message arrived (a string for text, a Buffer for binary). A returned Promise holds
   * back the next message until it settles.
   */
  onMessage(_message: string | Buffer): void | Promise<void> {}

  /** Hook: a ping arrived (the pong was sent automatically). */
  onPing(_data: Buffer): void {}

  /** Hook: a pong arrived. */
  onPong(_data: Buffer): void {}

  /** Hook: the connection closed; `closeCode`/`closeReason` tell what the peer sent, if anything. */
  onClose(): void {}

  /**
   * Hook: may a page from `origin` connect? The default allows only the same host
   * (the Origin's host:port equals the Host header), as Tornado does. Requests without an
   * Origin header (non-browser clients) are not checked.
   */
  checkOrigin(origin: string): boolean {
    let host: string;
    try {
      host = new URL(origin).host;
    } catch {
      return false;
    }
    const requestHost = this.request.headers.get("Host");
    return requestHost !== undefined && host.toLowerCase() === requestHost.trim().toLowerCase();
  }

  /**
   * Hook: choose one of the subprotocols the client offered (in its order), or null for none.
   * The default picks none. Returning a value that was not offered throws.
   */
  selectSubprotocol(_subprotocols: string[]): string | null {
    return null;
  }

  /**
   * Hook: permessage-deflate settings, or null (the default) to refuse compression.
   * Return `{}` to enable it with defaults.
   */
  getCompressionOptions(): CompressionOptions | null {
    return null;
  }

  /** Ping interval in ms (0 = no pings). Default: setting `websocketPingIntervalMs` or 0. */
  get pingIntervalMs(): number {
    return numberSetting(this.settings, "websocketPingIntervalMs", 0, 0);
  }

  /**
   * Close when a ping gets no pong within this many ms. Default: setting
   * `websocketPingTimeoutMs`, else `pingIntervalMs`.
   */
  get pingTimeoutMs(): number {
    return numberSetting(this.settings, "websocketPingTimeoutMs", this.pingIntervalMs, 0);
  }

  /** Most bytes of one incoming message; larger closes with 1009. Default 10 MiB. */
  get maxMessageSize(): number {
    return numberSetting(this.settings, "websocketMaxMessageSize", DEFAULT_MAX_MESSAGE_SIZE, 1);
  }

  /** How long to wait for the peer's close frame after sending ours (ms). Default 5000. */
  get closeTimeoutMs(): number {
    return numberSetting(this.settings, "websocketCloseTimeoutMs", DEFAULT_CLOSE_TIMEOUT_MS, 1);
  }

  /**
   * Most outgoing bytes queued for the connection (`bufferedAmount`); a `writeMessage` beyond
   * it fails the connection with 1008 and rejects with WebSocketBufferFullError. An integer
   * >= 1 or Infinity. Default: setting `websocketMaxWriteBufferSize`, else 16 MiB.
   */
  get maxWriteBufferSize(): number {
    return numberSetting(
      this.settings,
      "websocketMaxWriteBufferSize",
      DEFAULT_MAX_WRITE_BUFFER_SIZE,
      1,
    );
  }

  /**
   * Most frames one incoming message may be split into; more closes with 1009. An integer >= 1
   * or Infinity. Default: setting `websocketMaxFragmentsPerMessage`, else Infinity.
   */
  get maxFragmentsPerMessage(): number {
    return numberSetting(
      this.settings,
      "websocketMaxFragmentsPerMessage",
      DEFAULT_MAX_FRAGMENTS_PER_MESSAGE,
      1,
    );
  }

  /**
   * Output backpressure on input: while this many outgoing bytes wait for a peer that does not
   * read them, the connection stops reading that peer. An integer >= 1 or Infinity. Default:
   * setting `websocketWriteHighWaterMark`, else Infinity (off — see the README's Limits: two
   * full-duplex peers that both did this could wait for each other forever).
   */
  get writeHighWaterMark(): number {
    return numberSetting(
      this.settings,
      "websocketWriteHighWaterMark",
      DEFAULT_WRITE_HIGH_WATER_MARK,
      1,
    );
  }

  // ------------------------------------------------------------------ actions

  /**
   * The messages (string for text, Buffer for binary) until the connection closes, for
   * `for await` — instead of overriding `onMessage` (a handler that does both gets a
   * TypeError). Call it in `open` (which may be `async` and loop until the close): messages
   * flow as soon as it is called, even while `open` is still running, and each is read from
   * the socket only when the loop asks for it (backpressure). Messages that arrive before the
   * first call go to `onMessage`, by default dropped. The loop ends normally at close; leaving
   * it early (`break`, `return`, an exception) closes the connection with 1000 unless
   * `closeOnReturn` is false. One iteration at a time.
   */
  messages(options?: MessagesOptions): AsyncGenerator<WebSocketMessage, void, undefined> {
    const closeOnReturn = checkMessagesOptions(options, "WebSocketHandler.messages");
    if (this.onMessage !== WebSocketHandler.prototype.onMessage) {
      throw new TypeError(
        `WebSocketHandler.messages(): ${this.constructor.name} overrides onMessage, which already receives every message; use either onMessage or messages(), not both`,
      );
    }
    const conn = this.wsConnection;
    if (conn === null) {
      throw new WebSocketClosedError("WebSocketHandler.messages(): the WebSocket is not open");
    }
    let inbox = this.inbox;
    if (inbox === null) {
      inbox = new MessageInbox();
      if (conn.closed) inbox.end();
      this.inbox = inbox;
    }
    if (inbox.iterating) {
      throw new TypeError("WebSocketHandler.messages(): the messages are already being iterated");
    }
    // A loop in `open` would wait forever for messages held back until `open` is done.
    this.startConnection(conn);
    return inbox.iterate(closeOnReturn ? () => this.close() : null, "WebSocketHandler.messages()");
  }

  /**
   * Send a message: strings as text, bytes as binary (override with `binary`), objects as JSON.
   * Resolves when it reached the kernel; rejects with WebSocketClosedError when closed. Bytes
   * above 2 KiB are sent by reference, not copied: leave them unchanged until it settles.
   */
  writeMessage(message: WriteMessageData, binary?: boolean): Promise<void> {
    const conn = this.wsConnection;
    if (conn === null) return rejectWith(new WebSocketClosedError("WebSocket is not open"));
    return conn.writeMessage(message, binary);
  }

  /** Send a ping (at most 125 bytes of data). Throws WebSocketClosedError when closed. */
  ping(data?: string | Uint8Array): void {
    const conn = this.wsConnection;
    if (conn === null) throw new WebSocketClosedError("WebSocket is not open");
    conn.ping(data);
  }

  /**
   * Start the closing handshake (code default 1000; reason at most 123 bytes). Before the
   * handshake completed this is a no-op.
   */
  close(code?: number, reason?: string): void {
    this.wsConnection?.close(code, reason);
  }

  /** The status code of the peer's close frame, or null. */
  get closeCode(): number | null {
    return this.wsConnection?.closeCode ?? null;
  }

  /** Outgoing bytes not yet taken by the kernel (0 before the connection opened). */
  get bufferedAmount(): number {
    return this.wsConnection?.bufferedAmount ?? 0;
  }

  /** The reason of the peer's close frame, or null. */
  get closeReason(): string | null {
    return this.wsConnection?.closeReason ?? null;
  }

  // ------------------------------------------------------------------ the upgrade

  /** Answers the upgrade request: refusal (400/403/405/426) or 101 and `open`. */
  override get(...pathArgs: unknown[]): void {
    const request = this.request;
    const headers = request.headers;
    const rejection = checkUpgradeRequest(request.method, headers);
    if (rejection !== null) {
      this.refuse(rejection.status, rejection.message, rejection.headers);
      return;
    }
    const origin = headers.get("Origin") ?? headers.get("Sec-WebSocket-Origin");
    if (origin !== undefined && !this.checkOrigin(origin)) {
      this.refuse(403, "Cross origin websockets not allowed");
      return;
    }
    const offered = parseSubprotocols(headers.get("Sec-WebSocket-Protocol")) ?? [];
    let subprotocol: string | null = null;
    if (offered.length > 0) {
      subprotocol = this.selectSubprotocol(offered);
      if (subprotocol !== null && !offered.includes(subprotocol)) {
        throw new TypeError(
          `selectSubprotocol returned ${JSON.stringify(subprotocol)}, which the client did not offer`,
        );
      }
    }
    const maxMessageSize = this.maxMessageSize;
    const pingIntervalMs = this.pingIntervalMs;
    const pingTimeoutMs = this.pingTimeoutMs;
    const closeTimeoutMs = this.closeTimeoutMs;
    const maxWriteBufferSize = this.maxWriteBufferSize;
    const maxFragmentsPerMessage = this.maxFragmentsPerMessage;
    const writeHighWaterMark = this.writeHighWaterMark;
    const compression = this.getCompressionOptions();
    const negotiated =
      compression === null
        ? null
        : negotiateServer(headers.get("Sec-WebSocket-Extensions"), compression);

    const response = new HTTPHeaders();
    for (const [name, value] of this.headers) {
      const lower = name.toLowerCase();
      if (lower !== "content-type" && lower !== "content-length") response.add(name, value);
    }
    response.set("Upgrade", "websocket");
    response.set("Connection", "Upgrade");
    response.set(
      "Sec-WebSocket-Accept",
      computeAcceptKey((headers.get("Sec-WebSocket-Key") as string).trim()),
    );
    if (subprotocol !== null) response.set("Sec-WebSocket-Protocol", subprotocol);
    if (negotiated !== null) response.set("Sec-WebSocket-Extensions", negotiated.response);

    const httpConn = request.connection;
    void httpConn.writeHeaders({ code: 101, reason: "Switching Protocols" }, response);
    httpConn.finish();
    const stream = httpConn.detach();
    this.selectedSubprotocol = subprotocol;
    this.finishedElsewhere(101);

    const deflate =
      negotiated === null
        ? null
        : new PerMessageDeflate(negotiated.params, true, compression ?? {}, maxMessageSize);
    const delegate: WebSocketDelegate = {
      onMessage: (message) =>
        this.inbox === null ? this.onMessage(message) : this.inbox.push(message),
      onPing: (data) => this.onPing(data),
      onPong: (data) => this.onPong(data),
      onClose: () => {
        this.inbox?.end();
        this.onClose();
      },
    };
    const conn = new WebSocketConnection(stream, delegate, {
      isServer: true,
      maxMessageSize,
      pingIntervalMs,
      pingTimeoutMs,
      closeTimeoutMs,
      deflate,
      maxWriteBufferSize,
      maxFragmentsPerMessage,
      writeHighWaterMark,
      url: this.request.uri,
      protocol: subprotocol,
    });
    this.wsConnection = conn;
    this.runOpen(conn, pathArgs as (string | undefined)[]);
  }

  private runOpen(conn: WebSocketConnection, pathArgs: (string | undefined)[]): void {
    const logger = this.application.logger;
    let result: void | Promise<void>;
    try {
      result = this.open(...pathArgs);
    } catch (err) {
      logger.error(err, "Uncaught exception in WebSocket open");
      this.startConnection(conn);
      conn.close(CLOSE_INTERNAL_ERROR);
      return;
    }
    if (result !== undefined && result !== null && typeof result.then === "function") {
      this.openPending = true;
      result.then(
        () => {
          this.openPending = false;
          this.startConnection(conn);
        },
        (err: unknown) => {
          this.openPending = false;
          logger.error(err, "Uncaught exception in WebSocket open");
          this.startConnection(conn);
          if (!conn.closing) conn.close(CLOSE_INTERNAL_ERROR);
        },
      );
      return;
    }
    this.startConnection(conn);
  }

  /** Starts reading and pinging, once (after `open`, or earlier for `messages()`). */
  private startConnection(conn: WebSocketConnection): void {
    if (this.connectionStarted) return;
    this.connectionStarted = true;
    conn.start();
  }

  /** True while a Promise returned by `open` is pending. */
  get opening(): boolean {
    return this.openPending;
  }

  private refuse(status: number, message: string, extra?: Record<string, string>): void {
    this.setStatus(status);
    if (extra !== undefined) for (const [k, v] of Object.entries(extra)) this.setHeader(k, v);
    this.setHeader("Content-Type", "text/plain; charset=UTF-8");
    void this.finish(message);
  }
}
