// TestWebSocket: a promise-based WebSocket client for tests, on the `ws` library (an independent peer).

import WebSocket from "ws";
import { TestTimeoutError } from "./errors.js";
import { DEFAULT_WAIT_TIMEOUT_MS, within } from "./waits.js";

/** How a connection closed. */
export interface CloseInfo {
  /** The close code (1005 when the peer's close frame carried none, 1006 when there was none). */
  readonly code: number;
  /** The close reason. */
  readonly reason: string;
}

/** Options of {@link connectWebSocket}. */
export interface ConnectWebSocketOptions {
  /** Subprotocols offered in `Sec-WebSocket-Protocol`. */
  protocols?: string[];
  /** Extra request headers (Origin, Cookie, …). */
  headers?: Record<string, string>;
  /** Bound on connecting plus the handshake, ms. Default 10000. */
  timeoutMs?: number;
  /** Offer permessage-deflate. Default false (frames stay readable in captures). */
  perMessageDeflate?: boolean;
  /** Most bytes of one incoming message. Default 100 MiB. */
  maxPayload?: number;
}

/**
 * A connected WebSocket whose messages queue until read with `nextMessage()`, so a test never
 * misses one that arrived before it asked.
 */
export class TestWebSocket {
  /** The subprotocol the server chose ("" for none). */
  readonly protocol: string;
  /** Resolves once the connection has closed, with the code and reason. */
  readonly closed: Promise<CloseInfo>;
  private readonly ws: WebSocket;
  private readonly queue: (string | Buffer)[] = [];
  private readonly waiters: {
    resolve: (m: string | Buffer) => void;
    reject: (e: Error) => void;
  }[] = [];
  private closeInfo: CloseInfo | null = null;
  private readonly pongs: Buffer[] = [];

  /** @internal Use {@link connectWebSocket}. */
  constructor(ws: WebSocket) {
    this.ws = ws;
    this.protocol = ws.protocol;
    ws.on("message", (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
      const buf = Array.isArray(data)
        ? Buffer.concat(data)
        : Buffer.isBuffer(data)
          ? data
          : Buffer.from(data);
      const message = isBinary ? buf : buf.toString("utf8");
      const waiter = this.waiters.shift();
      if (waiter !== undefined) waiter.resolve(message);
      else this.queue.push(message);
    });
    ws.on("pong", (data: Buffer) => this.pongs.push(data));
    this.closed = new Promise((resolve) => {
      ws.on("close", (code: number, reason: Buffer) => {
        const info = { code, reason: reason.toString("utf8") };
        this.closeInfo = info;
        for (const w of this.waiters.splice(0)) {
          w.reject(
            new Error(`the WebSocket closed (${code} ${info.reason}) before a message came`),
          );
        }
        resolve(info);
      });
    });
    // Errors after the handshake end in "close" (1006); keep them from being unhandled.
    ws.on("error", () => {});
  }

  /** Messages received and not yet read. */
  get pending(): number {
    return this.queue.length;
  }

  /** Pong payloads received so far (answers to `ping`). */
  get receivedPongs(): readonly Buffer[] {
    return this.pongs;
  }

  /** Send a text (string) or binary (bytes) message; resolves once `ws` has written it. */
  send(data: string | Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      this.ws.send(data, { binary: typeof data !== "string" }, (err) =>
        err ? reject(err) : resolve(),
      );
    });
  }

  /** Send a ping with an optional payload (≤ 125 bytes). */
  ping(data: string | Uint8Array = ""): void {
    this.ws.ping(data);
  }

  /**
   * The next message: a string for a text message, a Buffer for a binary one. Rejects when the
   * connection closes first, or with TestTimeoutError after `timeoutMs` (default 10000).
   */
  nextMessage(timeoutMs = DEFAULT_WAIT_TIMEOUT_MS): Promise<string | Buffer> {
    const queued = this.queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.closeInfo !== null) {
      const { code, reason } = this.closeInfo;
      return Promise.reject(new Error(`the WebSocket is closed (${code} ${reason})`));
    }
    const waiter = { resolve: (_: string | Buffer) => {}, reject: (_: Error) => {} };
    const p = new Promise<string | Buffer>((resolve, reject) => {
      waiter.resolve = resolve;
      waiter.reject = reject;
    });
    this.waiters.push(waiter);
    return within(p, timeoutMs, "the next WebSocket message").catch((err: unknown) => {
      if (err instanceof TestTimeoutError) {
        const i = this.waiters.indexOf(waiter);
        if (i !== -1) this.waiters.splice(i, 1);
      }
      throw err;
    });
  }

  /**
   * Start the closing handshake and resolve with how the connection closed (the server's echo
   * of the code, normally). Bounded by `timeoutMs` (default 10000); then the socket is dropped.
   */
  async close(code = 1000, reason = "", timeoutMs = DEFAULT_WAIT_TIMEOUT_MS): Promise<CloseInfo> {
    if (this.closeInfo === null) this.ws.close(code, reason);
    try {
      return await within(this.closed, timeoutMs, "the WebSocket closing handshake");
    } catch (err) {
      this.ws.terminate();
      throw err;
    }
  }

  /** Drop the TCP connection without a closing handshake. */
  terminate(): void {
    this.ws.terminate();
  }
}

/**
 * Open a WebSocket to `url` (`ws://` or `wss://`) and resolve once the handshake completed; a
 * refused handshake rejects with the HTTP status in the message.
 */
export function connectWebSocket(
  url: string,
  options: ConnectWebSocketOptions = {},
): Promise<TestWebSocket> {
  if (typeof url !== "string" || !/^wss?:\/\//.test(url)) {
    throw new TypeError(`url must be a ws:// or wss:// URL, got ${String(url)}`);
  }
  const ws = new WebSocket(url, options.protocols, {
    headers: options.headers,
    perMessageDeflate: options.perMessageDeflate ?? false,
    maxPayload: options.maxPayload ?? 100 * 1024 * 1024,
  });
  const opened = new Promise<TestWebSocket>((resolve, reject) => {
    ws.once("open", () => resolve(new TestWebSocket(ws)));
    ws.once("unexpected-response", (_req, res) => {
      reject(new Error(`WebSocket handshake refused: HTTP ${res.statusCode}`));
      ws.terminate();
    });
    ws.once("error", reject);
  });
  return within(
    opened,
    options.timeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS,
    "the WebSocket handshake",
  ).catch((err: unknown) => {
    ws.terminate();
    throw err;
  });
}
