// Exchange: one attempt at a request — queued, connecting, then sending and receiving on a connection.

import { BodyAccumulator } from "@t/httpserver";
import type { IOLoop, TimeoutHandle } from "@t/ioloop";
import { type ConnectionSweeper, type Sweepable, sweepIntervalFor } from "@t/iostream";
import type { ConnectAttempt } from "./connector.js";
import { ContentDecoder, type DecodedSink, decodableCoding } from "./content-decoder.js";
import { HTTPAbortError, HTTPConnectionError, HTTPTimeoutError } from "./errors.js";
import type { HTTPRequest } from "./http-request.js";
import {
  BodyChannel,
  HTTPResponse,
  HTTPResponseStream,
  type ResponseInit,
} from "./http-response.js";
import { canFollow } from "./redirects.js";
import { parseTarget } from "./request-target.js";
import { BodyFraming, type ResponseHead } from "./response-head.js";

/** Waiting for a free connection (maxClients / maxConnectionsPerHost). */
export const QUEUED = 0;
/** Opening a connection. */
export const CONNECTING = 1;
/** On a connection: sending the request, reading the response. */
export const ACTIVE = 2;
/** Finished, failed or aborted. */
export const DONE = 3;

/** Statuses that redirect (RFC 9110 §15.4). */
const REDIRECT_CODES = new Set([301, 302, 303, 307, 308]);

const BUFFER = 0;
const CALLBACK = 1;
const CHANNEL = 2;

/** Most bytes allocated up front for a buffered body of known length (it grows from there). */
const MAX_INITIAL_BODY_BYTES = 1024 * 1024;

/** What an exchange reports to the pool that runs it. */
export interface ExchangeOwner {
  readonly loop: IOLoop;
  readonly sweeper: ConnectionSweeper;
  /** The exchange finished or failed: free its slot or drop it from the queue. */
  exchangeDone(ex: Exchange): void;
  /** Run the exchange again on a new connection, ahead of the queue (its pooled one was stale). */
  exchangeRetry(ex: Exchange): void;
}

/** What the client knows of the fetch an exchange belongs to. */
export interface FetchContext {
  /** `loop.time()` when fetch was called. */
  readonly startMs: number;
  /** Epoch ms when fetch was called. */
  readonly startTime: number;
  /** Redirects followed so far. */
  readonly redirects: number;
  /** `client.stream`: resolve at the head and hand the body to an async iterator. */
  readonly streamBody: boolean;
}

/** What an exchange asks of the connection carrying it (a `ClientConnection`). */
export interface ExchangeCarrier {
  /** Stop delivering body bytes (the body's consumer is behind). */
  pause(): void;
  /** Deliver body bytes again. */
  resume(): void;
  /** The exchange gave up: close the connection unless it carries another exchange by now. */
  abandon(ex: Exchange): void;
}

/**
 * One attempt at a request. The pool queues it, opens or lends it a connection; the connection
 * feeds it the response (head, body pieces, end) or its loss. It owns the deadlines (checked
 * by the client's sweep), the AbortSignal listener, decompression, and how the body is kept:
 * buffered, handed to `streamingCallback`, or to the iterator of an HTTPResponseStream.
 * `promise` settles once: with the response (at its end, or at its head for a stream) or an
 * error.
 */
export class Exchange implements Sweepable, DecodedSink {
  /** @internal The sweeper's bookkeeping (Sweepable): -1 while no sweeper tracks this. */
  sweepSlot = -1;
  state = QUEUED;
  readonly request: HTTPRequest;
  /** The pool key: origin plus whatever makes connections differ (proxy, TLS options, socket). */
  readonly key: string;
  readonly context: FetchContext;
  readonly promise: Promise<HTTPResponse>;
  /** The connection it runs on, while ACTIVE. */
  conn: ExchangeCarrier | null = null;
  /** The connect in progress, while CONNECTING. */
  attempt: ConnectAttempt | null = null;
  /** @internal Pool bookkeeping: this exchange counts against maxClients. */
  holdsSlot = false;
  /** The connection had served earlier requests (a failure before any byte may mean it was stale). */
  reused = false;
  /** Needs a new connection: the retry after a pooled one turned out stale. */
  fresh = false;
  /** Loop time of the last bytes from the server (or of the start of the phase). */
  lastActivity = 0;
  /** The final response head. */
  head: ResponseHead | null = null;
  response: HTTPResponse | null = null;
  /** Where a followed redirect points, decided at the head. */
  redirectTo: string | null = null;

  private readonly owner: ExchangeOwner;
  private connectDeadline: number;
  private readonly requestDeadline: number;
  private resolveFn!: (r: HTTPResponse) => void;
  private rejectFn!: (err: unknown) => void;
  private resolvedEarly = false;
  private mode = BUFFER;
  /** The buffered body: one growable Buffer, whatever the size of the pieces. */
  private readonly buffered = new BodyAccumulator();
  private bodySize = 0;
  private decoder: ContentDecoder | null = null;
  private channel: BodyChannel | null = null;
  /** streamingCallback promises not settled yet; reading resumes and the body ends at 0. */
  private outstanding = 0;
  private endPending = false;
  /** Reading is paused until the body's consumer catches up: the server is not idle. */
  private waitingForConsumer = false;
  private settledFn: (() => void) | null = null;
  private continueCallback: (() => void) | null = null;
  private continueTimer: TimeoutHandle | null = null;
  private onAbort: (() => void) | null = null;
  private resumeFn: (() => void) | null = null;
  private failFn: ((err: unknown) => void) | null = null;

  constructor(owner: ExchangeOwner, request: HTTPRequest, key: string, context: FetchContext) {
    this.owner = owner;
    this.request = request;
    this.key = key;
    this.context = context;
    const now = owner.loop.time();
    this.lastActivity = now;
    this.connectDeadline = now + request.connectTimeoutMs;
    this.requestDeadline = context.startMs + request.requestTimeoutMs;
    this.promise = new Promise<HTTPResponse>((resolve, reject) => {
      this.resolveFn = resolve;
      this.rejectFn = reject;
    });
    const shortest = Math.min(
      request.connectTimeoutMs,
      request.requestTimeoutMs,
      request.idleTimeoutMs,
    );
    if (Number.isFinite(shortest)) {
      owner.sweeper.shortenInterval(sweepIntervalFor(shortest));
      owner.sweeper.add(this);
    }
    const signal = request.signal;
    if (signal !== undefined) {
      if (signal.aborted) {
        this.fail(abortError(signal));
      } else {
        this.onAbort = () => this.fail(abortError(signal));
        signal.addEventListener("abort", this.onAbort, { once: true });
      }
    }
  }

  /** Check the deadlines (called by the client's sweep). */
  sweep(now: number): void {
    const state = this.state;
    if (state === DONE) return;
    const r = this.request;
    if (now >= this.requestDeadline) {
      this.fail(
        new HTTPTimeoutError(
          `request to ${r.url} timed out after ${r.requestTimeoutMs} ms`,
          "request",
        ),
      );
    } else if (state !== ACTIVE && now >= this.connectDeadline) {
      this.fail(
        state === QUEUED
          ? new HTTPTimeoutError(
              `request to ${r.url} waited in the queue for longer than connectTimeoutMs (${r.connectTimeoutMs} ms)`,
              "queue",
            )
          : new HTTPTimeoutError(
              `connecting to ${r.target.origin} timed out after ${r.connectTimeoutMs} ms`,
              "connect",
            ),
      );
    } else if (
      state === ACTIVE &&
      !this.waitingForConsumer &&
      now - this.lastActivity >= r.idleTimeoutMs
    ) {
      this.fail(
        new HTTPTimeoutError(
          `no data from ${r.target.origin} for ${r.idleTimeoutMs} ms (idleTimeoutMs)`,
          "idle",
        ),
      );
    }
  }

  /** @internal The connection started sending this request. */
  attached(conn: ExchangeCarrier, reused: boolean): void {
    this.state = ACTIVE;
    this.conn = conn;
    this.reused = reused;
    this.lastActivity = this.owner.loop.time();
  }

  /**
   * @internal Call `send` once the server answered `100 Continue`, or after
   * `expectContinueTimeoutMs` without an answer (RFC 9110 §10.1.1); never if the final response
   * comes first.
   */
  waitForContinue(send: () => void): void {
    this.continueCallback = send;
    const ms = this.request.expectContinueTimeoutMs;
    if (Number.isFinite(ms)) {
      this.continueTimer = this.owner.loop.callLater(ms, () => {
        this.continueTimer = null;
        this.sendContinued();
      });
    }
  }

  /** @internal A 1xx response arrived. */
  onInterim(code: number): void {
    if (code === 100) this.sendContinued();
  }

  /** @internal The final response head arrived. */
  onResponseHead(head: ResponseHead): void {
    if (this.state === DONE) return;
    this.head = head;
    this.dropContinue();
    const req = this.request;
    const headers = head.headers;
    const ctx = this.context;
    if (req.followRedirects && REDIRECT_CODES.has(head.code) && canFollow(req, head.code)) {
      const location = headers.get("location");
      if (location !== undefined) {
        try {
          const next = new URL(location, req.url);
          if (next.protocol === "http:" || next.protocol === "https:") {
            parseTarget(next.href);
            this.redirectTo = next.href;
          }
        } catch {
          // A Location that cannot be fetched (unparsable, a bad userinfo escape) is not
          // followed: the 3xx is the response.
        }
      }
    }
    const length = head.framing === BodyFraming.Length ? head.contentLength : -1;
    if (req.decompressResponse && head.framing !== BodyFraming.None) {
      const coding = decodableCoding(headers.get("content-encoding"));
      if (coding !== null) {
        this.decoder = new ContentDecoder(coding, this, req.maxBodySize);
        // Tornado's convention: the body is decoded, so the header says what was consumed.
        const value = headers.get("content-encoding") as string;
        headers.delete("content-encoding");
        headers.add("X-Consumed-Content-Encoding", value);
      }
    }
    const init: ResponseInit = {
      request: req,
      code: head.code,
      reason: head.reason,
      version: head.version,
      headers,
      effectiveUrl: req.url,
      redirects: ctx.redirects,
      startTime: ctx.startTime,
    };
    if (this.redirectTo !== null) {
      this.buffered.reset(0, req.maxBodySize);
      this.response = new HTTPResponse(init);
      return;
    }
    const cb = req.headerCallback;
    if (cb !== undefined) {
      try {
        cb(`${head.version} ${head.code} ${head.reason}\r\n`);
        for (const [name, value] of headers) cb(`${name}: ${value}\r\n`);
        cb("\r\n");
      } catch (err) {
        this.fail(err);
        return;
      }
    }
    const ok = head.code >= 200 && head.code < 300;
    if (req.streamingCallback !== undefined) {
      this.mode = CALLBACK;
      this.response = new HTTPResponse(init);
    } else if (ctx.streamBody && (ok || !req.raiseError)) {
      const channel = new BodyChannel();
      channel.onCancel = () => this.fail(new HTTPAbortError("the response stream was cancelled"));
      this.channel = channel;
      this.mode = CHANNEL;
      this.response = new HTTPResponseStream(init, channel);
      this.resolvedEarly = true;
      this.resolveFn(this.response);
    } else {
      // Buffered: allocate a known length once (capped, a server may lie), else grow by doubling.
      if (length >= 0 && this.decoder === null) {
        this.buffered.reset(Math.min(length, MAX_INITIAL_BODY_BYTES), length);
      } else {
        this.buffered.reset(0, req.maxBodySize);
      }
      this.response = new HTTPResponse(init);
    }
  }

  /** @internal Body bytes (still content-encoded) from the connection; transient. */
  onBodyData(buf: Buffer, start: number, end: number): void {
    if (this.state === DONE) return;
    const decoding = this.decoder !== null;
    if (!decoding && this.mode === BUFFER) {
      // Straight into the body buffer: no Buffer per piece (a body of 1-byte chunks).
      this.bodySize += end - start;
      this.buffered.append(buf, start, end);
      return;
    }
    const piece = Buffer.allocUnsafe(end - start);
    buf.copy(piece, 0, start, end);
    const wait = decoding ? (this.decoder as ContentDecoder).write(piece) : this.deliver(piece);
    if (wait !== undefined) {
      this.waitingForConsumer = true;
      this.conn?.pause();
      // Callback promises resume reading when the last one settles (see `settled`).
      if (decoding || this.mode !== CALLBACK) wait.then(this.resume, this.failWith);
    }
  }

  /** @internal The response is complete on the wire (the connection is already released). */
  onResponseEnd(): void {
    if (this.state === DONE) return;
    this.conn = null;
    if (this.decoder !== null) this.decoder.end();
    else this.finishBody();
  }

  /** @internal The connection failed or closed before the response was complete. */
  onConnectionLost(error: Error | undefined, bytesSeen: number): void {
    if (this.state === DONE) return;
    this.conn = null;
    const cause = error === undefined ? undefined : { cause: error };
    const why = error === undefined ? "" : `: ${error.message}`;
    const err =
      bytesSeen === 0
        ? new HTTPConnectionError(
            `connection to ${this.request.target.origin} closed before a response arrived${why}`,
            cause,
          )
        : new HTTPConnectionError(
            `connection to ${this.request.target.origin} closed before the response was complete${why}`,
            cause,
          );
    if (this.reused && bytesSeen === 0 && !this.fresh && this.request.retryable) {
      // The pooled connection had been closed by the server: once more on a new one, first in
      // line (the requests queued behind this one keep their order).
      this.retryFresh();
      return;
    }
    this.fail(err);
  }

  /** Back to the queue's head for a new connection, with a new connect deadline. */
  private retryFresh(): void {
    this.dropContinue();
    this.state = QUEUED;
    this.fresh = true;
    this.reused = false;
    const now = this.owner.loop.time();
    this.lastActivity = now;
    this.connectDeadline = now + this.request.connectTimeoutMs;
    this.owner.exchangeRetry(this);
  }

  // ---------------------------------------------------------------- DecodedSink

  /** @internal */
  onDecoded(piece: Buffer): void | PromiseLike<void> {
    if (this.state === DONE) return;
    return this.deliver(piece);
  }

  /** @internal */
  onDecodedEnd(): void {
    this.finishBody();
  }

  /** @internal */
  onDecodeError(err: unknown): void {
    this.fail(err);
  }

  // ---------------------------------------------------------------- settling

  /** Fail the exchange (timeout, abort, protocol error, a throwing callback…); idempotent. */
  fail(err: unknown): void {
    if (this.state === DONE) return;
    this.state = DONE;
    this.cleanup();
    this.decoder?.destroy();
    this.attempt?.cancel();
    this.attempt = null;
    const conn = this.conn;
    this.conn = null;
    conn?.abandon(this);
    if (this.resolvedEarly) (this.channel as BodyChannel).fail(err);
    else this.rejectFn(err);
    this.owner.exchangeDone(this);
  }

  private deliver(piece: Buffer): PromiseLike<void> | undefined {
    this.bodySize += piece.length;
    switch (this.mode) {
      case CALLBACK: {
        let r: void | PromiseLike<void>;
        try {
          r = (this.request.streamingCallback as (c: Buffer) => void | PromiseLike<void>)(piece);
        } catch (err) {
          this.fail(err);
          return undefined;
        }
        if (r !== undefined && r !== null && typeof r.then === "function") {
          this.outstanding++;
          r.then(this.settled, this.failWith);
          return r;
        }
        return undefined;
      }
      case CHANNEL:
        return (this.channel as BodyChannel).push(piece);
      default:
        this.buffered.append(piece, 0, piece.length);
        return undefined;
    }
  }

  private finishBody(): void {
    if (this.state === DONE) return;
    if (this.outstanding > 0) {
      this.endPending = true;
      return;
    }
    this.state = DONE;
    this.cleanup();
    const response = this.response as HTTPResponse;
    response.body = this.buffered.take();
    response.requestTimeMs = this.owner.loop.time() - this.context.startMs;
    if (this.resolvedEarly) (this.channel as BodyChannel).end();
    else this.resolveFn(response);
    this.owner.exchangeDone(this);
  }

  private sendContinued(): void {
    const send = this.continueCallback;
    this.dropContinue();
    if (send !== null && this.state === ACTIVE) send();
  }

  private dropContinue(): void {
    this.continueCallback = null;
    if (this.continueTimer !== null) {
      this.owner.loop.removeTimeout(this.continueTimer);
      this.continueTimer = null;
    }
  }

  /** A streamingCallback promise settled: with none left, read on (or end the body). */
  private get settled(): () => void {
    if (this.settledFn === null) {
      this.settledFn = () => {
        if (--this.outstanding > 0 || this.state === DONE) return;
        this.readOn();
        if (this.endPending) {
          this.endPending = false;
          this.finishBody();
        }
      };
    }
    return this.settledFn;
  }

  /** Resumes the connection after backpressure (made once, when first needed). */
  private get resume(): () => void {
    if (this.resumeFn === null) this.resumeFn = () => this.readOn();
    return this.resumeFn;
  }

  /** The consumer caught up: read again; idleTimeoutMs counts from now. */
  private readOn(): void {
    this.waitingForConsumer = false;
    this.lastActivity = this.owner.loop.time();
    this.conn?.resume();
  }

  /** Fails the exchange with a rejection's reason (made once, when first needed). */
  private get failWith(): (err: unknown) => void {
    if (this.failFn === null) this.failFn = (err) => this.fail(err);
    return this.failFn;
  }

  private cleanup(): void {
    this.owner.sweeper.delete(this);
    this.dropContinue();
    if (this.onAbort !== null) {
      (this.request.signal as AbortSignal).removeEventListener("abort", this.onAbort);
      this.onAbort = null;
    }
  }
}

function abortError(signal: AbortSignal): HTTPAbortError {
  return new HTTPAbortError("The request was aborted", { cause: signal.reason });
}
