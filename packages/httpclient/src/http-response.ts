// HTTPResponse: what fetch resolves with — status, headers, body, timing, the URL it came from.

import type { HTTPHeaders } from "@t/httpserver";
import type { HTTPRequest } from "./http-request.js";

const EMPTY = Buffer.alloc(0);

/** The parts of a response known when its head arrived. */
export interface ResponseInit {
  request: HTTPRequest;
  code: number;
  reason: string;
  version: string;
  headers: HTTPHeaders;
  effectiveUrl: string;
  redirects: number;
  startTime: number;
}

/**
 * The error a non-2xx status raises: an `HTTPClientError` (@t/httpclient's errors), seen here
 * through its shape so that the response and its error do not import each other.
 */
export interface StatusError extends Error {
  /** `T_ERR_HTTP_STATUS`. */
  readonly code: string;
  /** The HTTP status code. */
  readonly status: number;
  /** The response that raised it. */
  readonly response: HTTPResponse | undefined;
}

/**
 * An HTTP response (Tornado's `HTTPResponse`). `body` holds the whole body unless it was
 * streamed (`streamingCallback` or `client.stream`), then it is empty. With `raiseError: false`
 * a non-2xx response resolves and `error` holds the HTTPClientError it would have thrown.
 */
export class HTTPResponse {
  /** The request that produced this response (the last one when redirects were followed). */
  readonly request: HTTPRequest;
  /** The status code. */
  readonly code: number;
  /** The reason phrase as sent. */
  readonly reason: string;
  /** "HTTP/1.1" or "HTTP/1.0". */
  readonly version: string;
  readonly headers: HTTPHeaders;
  /** The URL this response came from, after redirects (Tornado's `effective_url`). */
  readonly effectiveUrl: string;
  /** How many redirects were followed to get here. */
  readonly redirects: number;
  /** When `fetch` was called (epoch ms). */
  readonly startTime: number;
  /** The body (empty when streamed or absent). */
  body: Buffer = EMPTY;
  /** From `fetch` to the end of the body, in ms (Tornado's `request_time`, in ms). */
  requestTimeMs = 0;
  /** With `raiseError: false`: the error a non-2xx status would have raised (an HTTPClientError). */
  error: StatusError | undefined = undefined;

  /** @internal Made by the client. */
  constructor(init: ResponseInit) {
    this.request = init.request;
    this.code = init.code;
    this.reason = init.reason;
    this.version = init.version;
    this.headers = init.headers;
    this.effectiveUrl = init.effectiveUrl;
    this.redirects = init.redirects;
    this.startTime = init.startTime;
  }

  /** True for a 2xx status. */
  get ok(): boolean {
    return this.code >= 200 && this.code < 300;
  }

  /** The body decoded as text (default UTF-8). */
  text(encoding: BufferEncoding = "utf8"): string {
    return this.body.toString(encoding);
  }

  /** The body parsed as JSON (throws SyntaxError when it is not). */
  json<T = unknown>(): T {
    return JSON.parse(this.body.toString("utf8")) as T;
  }

  /** Throw `error` if there is one (Tornado's `rethrow`). */
  rethrow(): void {
    if (this.error !== undefined) throw this.error;
  }
}

/**
 * A response whose body is read as you iterate (`client.stream`): `for await (const chunk of
 * res)`. Reading from the connection pauses while a chunk waits to be taken, so a slow consumer
 * never makes the client buffer. Leaving the loop early (`break`) or `cancel()` closes the
 * connection. Iterate once.
 */
export class HTTPResponseStream extends HTTPResponse implements AsyncIterable<Buffer> {
  /** @internal The channel the connection feeds. */
  readonly channel: BodyChannel;

  /** @internal Made by the client. */
  constructor(init: ResponseInit, channel: BodyChannel) {
    super(init);
    this.channel = channel;
  }

  [Symbol.asyncIterator](): AsyncIterator<Buffer> {
    return this.channel.iterator();
  }

  /** Stop reading the body and close the connection. */
  cancel(): void {
    this.channel.cancel();
  }

  /** Read the rest of the body into `body` (bounded by `maxBodySize`) and return it. */
  async readAll(): Promise<Buffer> {
    const parts: Buffer[] = [];
    for await (const chunk of this) parts.push(chunk);
    this.body = parts.length === 1 ? parts[0] : Buffer.concat(parts);
    return this.body;
  }
}

/**
 * A one-slot hand-over between the connection (producer) and an async iterator (consumer):
 * `push` returns a promise while the previous chunk has not been taken, which pauses reading.
 */
export class BodyChannel {
  private readonly queue: Buffer[] = [];
  private done = false;
  private failure: unknown = null;
  private waiter: ((r: IteratorResult<Buffer>) => void) | null = null;
  private waiterReject: ((err: unknown) => void) | null = null;
  private space: (() => void) | null = null;
  private spacePromise: Promise<void> | null = null;
  private iterated = false;
  /** Called once when the consumer gives up early. */
  onCancel: (() => void) | null = null;

  /**
   * Hand over a chunk. While chunks wait to be taken this returns a promise that resolves once
   * the consumer has taken all of them (the producer stops until then, so the queue holds at
   * most what one read delivered).
   */
  push(chunk: Buffer): Promise<void> | undefined {
    if (this.done) return undefined;
    const w = this.waiter;
    if (w !== null) {
      this.waiter = this.waiterReject = null;
      w({ value: chunk, done: false });
      return undefined;
    }
    this.queue.push(chunk);
    if (this.spacePromise === null) {
      this.spacePromise = new Promise<void>((resolve) => {
        this.space = resolve;
      });
    }
    return this.spacePromise;
  }

  /** The body ended. */
  end(): void {
    if (this.done) return;
    this.done = true;
    const w = this.waiter;
    this.waiter = this.waiterReject = null;
    if (w !== null) w({ value: undefined, done: true });
  }

  /** The body failed: the iterator throws `err` after the chunks already queued. */
  fail(err: unknown): void {
    if (this.done) return;
    this.done = true;
    this.failure = err;
    const r = this.waiterReject;
    this.waiter = this.waiterReject = null;
    if (r !== null) r(err);
    this.wake();
  }

  /** The consumer gave up. */
  cancel(): void {
    const wasDone = this.done;
    this.done = true;
    this.queue.length = 0;
    this.wake();
    const cb = this.onCancel;
    this.onCancel = null;
    if (!wasDone && cb !== null) cb();
  }

  /** The single iterator over the chunks. */
  iterator(): AsyncIterator<Buffer> {
    if (this.iterated) throw new TypeError("a response stream can be iterated only once");
    this.iterated = true;
    return {
      next: () => this.next(),
      return: () => {
        this.cancel();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }

  private next(): Promise<IteratorResult<Buffer>> {
    if (this.queue.length > 0) {
      const value = this.queue.shift() as Buffer;
      if (this.queue.length === 0) this.wake();
      return Promise.resolve({ value, done: false });
    }
    if (this.failure !== null) return Promise.reject(this.failure);
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiter = resolve;
      this.waiterReject = reject;
    });
  }

  private wake(): void {
    const s = this.space;
    this.space = null;
    this.spacePromise = null;
    if (s !== null) s();
  }
}
