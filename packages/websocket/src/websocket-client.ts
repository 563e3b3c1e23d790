// websocketConnect: the client side (Tornado's websocket_connect / WebSocketClientConnection).

import type * as tls from "node:tls";
import { HTTPHeaders, isSafeFieldValue, isToken, parseResponseStartLine } from "@t/httpserver";
import { AbortError, IOLoop } from "@t/ioloop";
import type { IOStream, SSLIOStream } from "@t/iostream";
import { TCPClient } from "@t/tcpserver";
import { WebSocketHandshakeError, WebSocketTimeoutError } from "./errors.js";
import { checkUpgradeResponse, generateKey, parseSubprotocols, WS_VERSION } from "./handshake.js";
import {
  checkLimit,
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
  acceptServerResponse,
  type CompressionOptions,
  clientOffer,
  PerMessageDeflate,
  resolveCompressionOptions,
} from "./permessage-deflate.js";
import {
  WebSocketConnection,
  type WebSocketDelegate,
  type WriteMessageData,
} from "./websocket-connection.js";

/** Options of {@link websocketConnect}. */
export interface WebSocketConnectOptions {
  /** Subprotocols to offer, in order of preference (`Sec-WebSocket-Protocol`). */
  subprotocols?: string[];
  /** permessage-deflate settings to offer, or null/undefined (default) for no compression. */
  compression?: CompressionOptions | null;
  /** Extra request headers (e.g. `Origin`, `Authorization`, `Cookie`). */
  headers?: Record<string, string>;
  /** Bound on the TCP (and TLS) connect plus the handshake, in ms. Default 20000. */
  connectTimeoutMs?: number;
  /** Most bytes of one incoming message; larger closes with 1009. Default 10 MiB. */
  maxMessageSize?: number;
  /** Ping interval in ms (0 = none, the default). */
  pingIntervalMs?: number;
  /** Close when a ping gets no pong within this many ms. Default `pingIntervalMs`. */
  pingTimeoutMs?: number;
  /** How long to wait for the server's close frame after sending ours (ms). Default 5000. */
  closeTimeoutMs?: number;
  /**
   * Most outgoing bytes queued (`bufferedAmount`); a `writeMessage` beyond it fails the
   * connection with 1008 and rejects with WebSocketBufferFullError. An integer >= 1 or
   * Infinity. Default 16 MiB.
   */
  maxWriteBufferSize?: number;
  /** Most frames one incoming message may be split into; more closes with 1009. Default Infinity. */
  maxFragmentsPerMessage?: number;
  /**
   * Stop reading the server while this many outgoing bytes wait for it (it does not read our
   * frames). An integer >= 1 or Infinity. Default Infinity (off): see the README's Limits.
   */
  writeHighWaterMark?: number;
  /** TLS options for `wss://` (e.g. `ca`, `rejectUnauthorized`). */
  tls?: tls.ConnectionOptions;
  /**
   * Receive messages through this callback instead of `readMessage()` (Tornado's
   * `on_message_callback`); a returned Promise holds back the next message. Called with null
   * once the connection closed.
   */
  onMessage?: (message: string | Buffer | null) => void | PromiseLike<void>;
  /** Called for each pong received. */
  onPong?: (data: Buffer) => void;
  /** Called for each ping received (the pong is sent automatically). */
  onPing?: (data: Buffer) => void;
  /** The loop to run on. Default `IOLoop.current()`. */
  loop?: IOLoop;
  /**
   * Give up when this signal aborts before the connection is open: the TCP attempts (or the
   * handshake) are closed and the promise rejects with `AbortError` from `@t/ioloop` (`cause`:
   * the signal's reason); an already-aborted signal rejects at once. It has no effect on an
   * open connection — `close()` that.
   */
  signal?: AbortSignal;
}

const HEAD_LIMIT = 64 * 1024;

function checkMs(name: string, v: number | undefined, def: number, min: number): number {
  if (v === undefined) return def;
  if (typeof v !== "number" || Number.isNaN(v) || v < min) {
    throw new RangeError(`${name} must be a number >= ${min} (ms), got ${String(v)}`);
  }
  return v;
}

/**
 * An open client connection (Tornado's `WebSocketClientConnection`). Read messages with
 * `readMessage()`, `for await (const message of ws)` or the `onMessage` option; send with
 * `writeMessage`.
 */
export class WebSocketClientConnection {
  /** The protocol engine. */
  readonly protocol: WebSocketConnection;
  /** The subprotocol the server selected, or null. */
  readonly selectedSubprotocol: string | null;
  /** The headers of the server's 101 response. */
  readonly headers: HTTPHeaders;
  /** Resolves once the connection is closed (never rejects). */
  readonly closed: Promise<void>;
  private readonly inbox = new MessageInbox();
  private readonly callback: WebSocketConnectOptions["onMessage"];

  /** @internal Built by websocketConnect. */
  constructor(
    stream: IOStream | SSLIOStream,
    headers: HTTPHeaders,
    subprotocol: string | null,
    deflate: PerMessageDeflate | null,
    options: WebSocketConnectOptions,
    settings: {
      maxMessageSize: number;
      pingIntervalMs: number;
      pingTimeoutMs: number;
      closeTimeoutMs: number;
      maxWriteBufferSize: number;
      maxFragmentsPerMessage: number;
      writeHighWaterMark: number;
      /** For the diagnostics open message. */
      url: string;
    },
  ) {
    this.headers = headers;
    this.selectedSubprotocol = subprotocol;
    this.callback = options.onMessage;
    let onClosed: () => void = () => {};
    this.closed = new Promise<void>((resolve) => {
      onClosed = resolve;
    });
    const onPing = options.onPing;
    const onPong = options.onPong;
    const delegate: WebSocketDelegate = {
      onMessage: (message) => this.onMessage(message),
      onPing: (data) => onPing?.(data),
      onPong: (data) => onPong?.(data),
      onClose: () => {
        this.onClose();
        onClosed();
      },
    };
    this.protocol = new WebSocketConnection(stream, delegate, {
      isServer: false,
      deflate,
      protocol: subprotocol,
      ...settings,
    });
  }

  /**
   * The next message (string for text, Buffer for binary), or null once the connection is
   * closed. Messages wait in a queue of one; the connection stops reading while it is full.
   */
  readMessage(): Promise<string | Buffer | null> {
    if (this.callback !== undefined) {
      throw new TypeError("readMessage cannot be used together with the onMessage option");
    }
    if (this.inbox.iterating) {
      throw new TypeError("readMessage cannot be used while the messages are iterated");
    }
    return this.inbox.read();
  }

  /**
   * The messages (string for text, Buffer for binary) until the connection closes, for
   * `for await`; the loop ends normally at close, however it closed (`closeCode` says how).
   * Messages are pulled: the connection reads the next one only when the loop asks for it.
   * Leaving the loop early (`break`, `return`, an exception) closes the connection with 1000
   * unless `closeOnReturn` is false. One iteration at a time, and not with `readMessage()` or
   * the `onMessage` option (TypeError).
   */
  messages(options?: MessagesOptions): AsyncGenerator<WebSocketMessage, void, undefined> {
    const closeOnReturn = checkMessagesOptions(options, "messages");
    if (this.callback !== undefined) {
      throw new TypeError("messages() cannot be used together with the onMessage option");
    }
    if (this.inbox.iterating) {
      throw new TypeError("messages(): the messages are already being iterated");
    }
    return this.inbox.iterate(closeOnReturn ? () => this.close() : null, "messages()");
  }

  /** `for await (const message of ws)`: {@link WebSocketClientConnection.messages} with its defaults. */
  [Symbol.asyncIterator](): AsyncGenerator<WebSocketMessage, void, undefined> {
    return this.messages();
  }

  /**
   * Send a message: strings as text, bytes as binary (override with `binary`), objects as JSON.
   * Resolves when it reached the kernel; rejects with WebSocketClosedError when closed.
   */
  writeMessage(message: WriteMessageData, binary?: boolean): Promise<void> {
    return this.protocol.writeMessage(message, binary);
  }

  /** Send a ping (at most 125 bytes). */
  ping(data?: string | Uint8Array): void {
    this.protocol.ping(data);
  }

  /** Start the closing handshake (code default 1000, reason at most 123 bytes of UTF-8). */
  close(code?: number, reason?: string): void {
    this.protocol.close(code, reason);
  }

  /** The status code of the server's close frame, or null. */
  get closeCode(): number | null {
    return this.protocol.closeCode;
  }

  /** Outgoing bytes not yet taken by the kernel (bounded by `maxWriteBufferSize`). */
  get bufferedAmount(): number {
    return this.protocol.bufferedAmount;
  }

  /** The reason of the server's close frame, or null. */
  get closeReason(): string | null {
    return this.protocol.closeReason;
  }

  private onMessage(message: string | Buffer): void | PromiseLike<void> {
    const cb = this.callback;
    if (cb !== undefined) return cb(message);
    return this.inbox.push(message);
  }

  private onClose(): void {
    const cb = this.callback;
    if (cb !== undefined) {
      try {
        const r = cb(null);
        if (r !== undefined && r !== null && typeof r.then === "function")
          r.then(undefined, () => {});
      } catch {}
    }
    this.inbox.end();
  }
}

/** The `code` of an error from any package (or copy of one), or undefined. */
function errorCode(err: unknown): unknown {
  return err !== null && typeof err === "object" ? (err as { code?: unknown }).code : undefined;
}

/** The error of a connect whose signal aborted (`cause`: the signal's reason). */
function connectAborted(signal: AbortSignal): AbortError {
  return new AbortError("websocketConnect()", { cause: signal.reason });
}

function parseUrl(url: string | URL): {
  secure: boolean;
  host: string;
  port: number;
  hostHeader: string;
  target: string;
} {
  let u: URL;
  try {
    u = typeof url === "string" ? new URL(url) : url;
  } catch {
    throw new TypeError(`websocketConnect expects a ws:// or wss:// URL, got ${String(url)}`);
  }
  if (!(u instanceof URL) || (u.protocol !== "ws:" && u.protocol !== "wss:")) {
    throw new TypeError(`websocketConnect expects a ws:// or wss:// URL, got ${String(url)}`);
  }
  if (u.hash !== "") throw new TypeError("a WebSocket URL must not have a fragment");
  const secure = u.protocol === "wss:";
  const port = u.port === "" ? (secure ? 443 : 80) : Number(u.port);
  let host = u.hostname;
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  return {
    secure,
    host,
    port,
    hostHeader: u.host,
    target: `${u.pathname || "/"}${u.search}`,
  };
}

/**
 * Open a WebSocket connection to a `ws://` or `wss://` URL (Tornado's `websocket_connect`).
 * Rejects with WebSocketHandshakeError when the server refuses or answers wrongly, with
 * WebSocketTimeoutError after `connectTimeoutMs`, with `AbortError` when `signal` aborts first,
 * or with the connect error (ECONNREFUSED, …).
 *
 * ```ts
 * const ws = await websocketConnect("ws://127.0.0.1:8888/echo");
 * await ws.writeMessage("hello");
 * console.log(await ws.readMessage()); // "hello"
 * ws.close();
 * ```
 */
export async function websocketConnect(
  url: string | URL,
  options: WebSocketConnectOptions = {},
): Promise<WebSocketClientConnection> {
  if (options === null || typeof options !== "object") {
    throw new TypeError("websocketConnect options must be an object");
  }
  const target = parseUrl(url);
  const connectTimeoutMs = checkMs("connectTimeoutMs", options.connectTimeoutMs, 20_000, 1);
  const pingIntervalMs = checkMs("pingIntervalMs", options.pingIntervalMs, 0, 0);
  const settings = {
    maxMessageSize: checkMs("maxMessageSize", options.maxMessageSize, DEFAULT_MAX_MESSAGE_SIZE, 1),
    pingIntervalMs,
    pingTimeoutMs: checkMs("pingTimeoutMs", options.pingTimeoutMs, pingIntervalMs, 0),
    closeTimeoutMs: checkMs("closeTimeoutMs", options.closeTimeoutMs, DEFAULT_CLOSE_TIMEOUT_MS, 1),
    maxWriteBufferSize: checkLimit(
      "maxWriteBufferSize",
      options.maxWriteBufferSize,
      DEFAULT_MAX_WRITE_BUFFER_SIZE,
      "bytes",
    ),
    maxFragmentsPerMessage: checkLimit(
      "maxFragmentsPerMessage",
      options.maxFragmentsPerMessage,
      DEFAULT_MAX_FRAGMENTS_PER_MESSAGE,
      "frames",
    ),
    writeHighWaterMark: checkLimit(
      "writeHighWaterMark",
      options.writeHighWaterMark,
      DEFAULT_WRITE_HIGH_WATER_MARK,
      "bytes",
    ),
  };
  const subprotocols = options.subprotocols ?? [];
  if (!Array.isArray(subprotocols) || parseSubprotocols(subprotocols.join(",")) === null) {
    throw new TypeError("subprotocols must be an array of distinct HTTP tokens");
  }
  const compression = options.compression ?? null;
  if (compression !== null) resolveCompressionOptions(compression);
  if (options.onMessage !== undefined && typeof options.onMessage !== "function") {
    throw new TypeError("onMessage must be a function");
  }
  const loop = options.loop ?? IOLoop.current();
  const signal = options.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError("websocketConnect: options.signal must be an AbortSignal");
  }
  if (signal?.aborted) throw connectAborted(signal);

  const key = generateKey();
  let head =
    `GET ${target.target} HTTP/1.1\r\nHost: ${target.hostHeader}\r\n` +
    "Upgrade: websocket\r\nConnection: Upgrade\r\n" +
    `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: ${WS_VERSION}\r\n`;
  if (subprotocols.length > 0) head += `Sec-WebSocket-Protocol: ${subprotocols.join(", ")}\r\n`;
  if (compression !== null) head += `Sec-WebSocket-Extensions: ${clientOffer(compression)}\r\n`;
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    // @t/httpserver's one definition of a safe field (the head is written one byte per char).
    if (!isToken(name) || !isSafeFieldValue(String(value))) {
      throw new TypeError(`invalid request header ${JSON.stringify(name)}`);
    }
    head += `${name}: ${value}\r\n`;
  }
  head += "\r\n";

  const deadline = loop.time() + connectTimeoutMs;
  let stream: IOStream | SSLIOStream | null = null;
  let timedOut = false;
  const timer = loop.callLater(connectTimeoutMs, () => {
    timedOut = true;
    stream?.close();
  });
  try {
    const client = new TCPClient({ loop });
    stream = await client.connect(target.host, target.port, {
      ssl: target.secure ? (options.tls ?? true) : undefined,
      timeoutMs: Math.max(1, deadline - loop.time()),
      signal,
    });
    if (timedOut) {
      stream.close();
      throw new WebSocketTimeoutError(`WebSocket connect timed out after ${connectTimeoutMs} ms`);
    }
    stream.send(Buffer.from(head, "latin1")); // a failure closes the stream: the read says so
    const raw = await stream.readUntil("\r\n\r\n", { maxBytes: HEAD_LIMIT, signal });
    const text = raw.toString("latin1");
    const eol = text.indexOf("\r\n");
    let status: number;
    let headers: HTTPHeaders;
    try {
      status = parseResponseStartLine(text.slice(0, eol)).code;
      headers = HTTPHeaders.parse(text.slice(eol + 2));
    } catch (err) {
      throw new WebSocketHandshakeError("malformed HTTP response to the upgrade request", 0, {
        cause: err,
      });
    }
    const problem = checkUpgradeResponse(status, headers, key, subprotocols);
    if (problem !== null)
      throw new WebSocketHandshakeError(`WebSocket handshake failed: ${problem}`, status);
    const params =
      compression === null
        ? headers.get("Sec-WebSocket-Extensions") === undefined
          ? null
          : (() => {
              throw new WebSocketHandshakeError(
                "server negotiated an extension that was not offered",
                status,
              );
            })()
        : acceptServerResponse(headers.get("Sec-WebSocket-Extensions"), compression);
    const deflate =
      params === null
        ? null
        : new PerMessageDeflate(params, false, compression ?? {}, settings.maxMessageSize);
    loop.removeTimeout(timer);
    const protocol = headers.get("Sec-WebSocket-Protocol");
    const conn = new WebSocketClientConnection(
      stream,
      headers,
      protocol === undefined ? null : protocol.trim(),
      deflate,
      options,
      { ...settings, url: String(url) },
    );
    conn.protocol.start();
    return conn;
  } catch (err) {
    loop.removeTimeout(timer);
    stream?.close();
    // The handshake read's AbortError names readUntil(); say what was aborted instead.
    // By code, not instanceof: the AbortError may come from another installed copy of @t/ioloop.
    if (signal?.aborted && errorCode(err) === "T_ERR_ABORTED") throw connectAborted(signal);
    if (timedOut && !(err instanceof WebSocketHandshakeError)) {
      throw new WebSocketTimeoutError(`WebSocket connect timed out after ${connectTimeoutMs} ms`, {
        cause: err,
      });
    }
    if (errorCode(err) === "T_ERR_CONNECT_TIMEOUT") {
      throw new WebSocketTimeoutError(`WebSocket connect timed out after ${connectTimeoutMs} ms`, {
        cause: err,
      });
    }
    if (errorCode(err) === "T_ERR_STREAM_CLOSED") {
      throw new WebSocketHandshakeError("connection closed during the WebSocket handshake", 0, {
        cause: err,
      });
    }
    throw err;
  }
}
