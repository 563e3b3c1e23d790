// ClientConnection: one HTTP/1.1 connection of the pool — writes requests, parses responses, one at a time.

import type { DataConsumer, IOStream, SSLIOStream, Sweepable } from "@t/iostream";
import { constants, setsockopt } from "@t/poller-native";
import { HTTPMalformedResponseError } from "./errors.js";
import { ACTIVE, type Exchange } from "./exchange.js";
import { isStreamBody } from "./http-request.js";
import { DEFAULT_MAX_TRAILER_SIZE } from "./limits.js";
import { CHUNKED, declaredLength, NO_BODY, requestHead } from "./request-head.js";
import type { ResponseHead } from "./response-head.js";
import { ResponseParser, type ResponseSink } from "./response-parser.js";

/** What a connection reports to the pool that owns it. */
export interface ConnectionOwner {
  /** The response was read completely and the connection may carry another request. */
  connectionIdle(conn: ClientConnection): void;
  /** The connection is closed (called once). */
  connectionClosed(conn: ClientConnection): void;
}

const EMPTY = Buffer.alloc(0);
const CRLF = Buffer.from("\r\n", "latin1");
const LAST_CHUNK = Buffer.from("0\r\n\r\n", "latin1");

function noop(): void {}

/** TCP_NODELAY on the socket under a plain or TLS stream: a request head and its body leave at once. */
function setNoDelay(fd: number): void {
  try {
    setsockopt(fd, constants.IPPROTO_TCP, constants.TCP_NODELAY, 1);
  } catch {
    // Not a TCP socket (a Unix socket): nothing to do.
  }
}

/**
 * A connection to one origin (or proxy): sends one request at a time and parses its response
 * with a {@link ResponseParser} fed by the stream's data-consumer mode (no Promise per read).
 * It is handed back to the pool only when the response was read to its end, the request body
 * was sent completely, both sides allow keep-alive and no stray bytes followed the response.
 * Body backpressure (`pause`/`resume`) pauses the stream's reading, so it stops reading once a
 * chunk is buffered. A request leaves corked: head and body in one `writev`. Writes use the
 * stream's `send` (no Promise): a failed write closes the stream, and the close fails the exchange.
 */
export class ClientConnection implements ResponseSink, Sweepable {
  /** @internal The sweeper's bookkeeping (Sweepable): -1 while no sweeper tracks this. */
  sweepSlot = -1;
  readonly stream: IOStream | SSLIOStream;
  /** The pool key. */
  readonly key: string;
  /** The exchange in progress, or null when idle. */
  exchange: Exchange | null = null;
  /** Requests completed on this connection. */
  served = 0;
  /** Loop time after which an idle connection is closed. */
  idleDeadline = Number.POSITIVE_INFINITY;
  /** True while the body consumer applies backpressure (ResponseSink). */
  paused = false;

  private readonly owner: ConnectionOwner;
  private readonly parser: ResponseParser;
  private readonly consumer: DataConsumer;
  private readonly now: () => number;
  private isClosed = false;
  private notified = false;
  private ended = false;
  private bodySent = false;
  /** Bytes read out of a closed stream that the paused consumer has not taken yet. */
  private tail: Buffer | null = null;
  private closePending = false;
  /** The close callback and data consumer are set (at the first `start`). */
  private started = false;

  constructor(
    stream: IOStream | SSLIOStream,
    key: string,
    owner: ConnectionOwner,
    maxHeaderSize: number,
    now: () => number,
  ) {
    this.stream = stream;
    this.key = key;
    this.owner = owner;
    this.now = now;
    this.parser = new ResponseParser(maxHeaderSize);
    this.consumer = (buf, start, end) => this.onData(buf, start, end);
    setNoDelay(stream.fileno());
  }

  /** True once closed (or closing). */
  get closed(): boolean {
    return this.isClosed || this.stream.closed();
  }

  /**
   * Send `ex`'s request on this (idle) connection and parse its response. The first call starts
   * reading: bytes the server sent before it (even during the TLS handshake) are then parsed as
   * the response, once the pool has registered the connection.
   */
  start(ex: Exchange): void {
    this.send(ex);
    if (!this.started) {
      this.started = true;
      this.stream.setCloseCallback(() => this.onStreamClosed());
      this.stream.setDataConsumer(this.consumer);
    }
  }

  private send(ex: Exchange): void {
    this.exchange = ex;
    this.ended = false;
    this.bodySent = false;
    this.idleDeadline = Number.POSITIVE_INFINITY;
    ex.attached(this, this.served > 0);
    const req = ex.request;
    this.parser.expect(req.method, this, req.maxBodySize, DEFAULT_MAX_TRAILER_SIZE);
    const body = req.body;
    const stream = this.stream;
    if (body === undefined) {
      stream.send(requestHead(req, NO_BODY, false));
      this.bodySent = true;
      return;
    }
    if (!isStreamBody(body)) {
      const bytes = typeof body === "string" ? Buffer.from(body, "utf8") : (body as Uint8Array);
      const expect = req.expect100Continue && bytes.length > 0;
      const head = requestHead(req, bytes.length, expect);
      if (expect) {
        stream.send(head);
        ex.waitForContinue(() => {
          if (this.exchange !== ex || this.closed) return;
          stream.send(bytes);
          this.bodySent = true;
        });
      } else {
        stream.cork();
        stream.send(head);
        stream.send(bytes);
        stream.uncork();
        this.bodySent = true;
      }
      return;
    }
    let declared: number;
    try {
      declared = declaredLength(req.headers);
    } catch (err) {
      ex.fail(err);
      return;
    }
    const head = requestHead(req, declared >= 0 ? declared : CHUNKED, req.expect100Continue);
    stream.send(head);
    const pump = () => {
      this.pumpBody(ex, body as AsyncIterable<Uint8Array | string>, declared).catch(noop);
    };
    if (req.expect100Continue) ex.waitForContinue(pump);
    else pump();
  }

  /** Stop delivering body bytes until `resume` (the consumer of the body is behind). */
  pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.stream.pauseReading();
  }

  /** Deliver body bytes again (buffered ones first). */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    if (!this.stream.closed()) this.stream.resumeReading();
    else if (this.exchange !== null) this.drainTail().catch(noop);
  }

  /** The exchange gave up (timeout, abort, failure): close unless it is no longer ours. */
  abandon(ex: Exchange): void {
    if (this.exchange !== ex) return;
    this.exchange = null;
    this.close();
  }

  /** Close the connection (any exchange on it is the caller's concern). */
  close(error?: Error): void {
    this.isClosed = true;
    this.stream.close(error);
    this.notifyClosed();
  }

  /** Close an idle connection whose keep-alive time ran out (the pool's sweep). */
  sweep(now: number): void {
    if (this.exchange === null && now >= this.idleDeadline) this.close();
  }

  // ---------------------------------------------------------------- ResponseSink

  /** @internal */
  onInterim(code: number): void {
    this.exchange?.onInterim(code);
  }

  /** @internal */
  onResponseHead(head: ResponseHead): void {
    this.exchange?.onResponseHead(head);
  }

  /** @internal */
  onBodyData(buf: Buffer, start: number, end: number): void {
    this.exchange?.onBodyData(buf, start, end);
  }

  /** @internal */
  onResponseEnd(): void {
    this.ended = true;
  }

  // ---------------------------------------------------------------- reading

  private onData(buf: Buffer, start: number, end: number): number {
    const ex = this.exchange;
    if (ex === null) {
      this.close(new HTTPMalformedResponseError("the server sent bytes on an idle connection"));
      return end - start;
    }
    ex.lastActivity = this.now();
    let n: number;
    try {
      n = this.parser.feed(buf, start, end);
    } catch (err) {
      this.exchange = null;
      this.close(err as Error);
      ex.fail(err);
      return end - start;
    }
    if (this.exchange !== ex) return end - start; // the exchange failed while fed (a callback threw)
    if (this.ended) this.complete(ex, n < end - start);
    return n;
  }

  /** The response ended on the wire: release or close the connection, then finish the exchange. */
  private complete(ex: Exchange, strayBytes: boolean): void {
    this.ended = false;
    this.exchange = null;
    this.served++;
    const head = ex.head as ResponseHead;
    const reusable =
      !strayBytes &&
      head.keepAlive &&
      this.bodySent &&
      ex.request.keepAlive &&
      ex.state === ACTIVE &&
      !this.closed;
    if (this.paused) {
      this.paused = false;
      if (reusable) this.stream.resumeReading();
    }
    if (reusable) this.owner.connectionIdle(this);
    else this.close();
    ex.onResponseEnd();
  }

  private onStreamClosed(): void {
    this.isClosed = true;
    this.notifyClosed();
    const ex = this.exchange;
    if (ex === null) return;
    if (this.paused) {
      this.closePending = true;
      return;
    }
    this.finishClosed(ex);
  }

  /** End of file (or a reset) with an exchange in progress. */
  private finishClosed(ex: Exchange): void {
    this.closePending = false;
    this.exchange = null;
    if (this.parser.onEof()) {
      // A close-delimited body ended: onEof called onResponseEnd.
      this.ended = false;
      this.served++;
      ex.onResponseEnd();
      return;
    }
    ex.onConnectionLost(this.stream.error, this.parser.seen);
  }

  /** Feed bytes left in a closed stream to a consumer that was paused when it closed. */
  private async drainTail(): Promise<void> {
    const ex = this.exchange;
    if (ex === null) return;
    if (this.tail === null) {
      const n = this.stream.readBufferSize;
      this.tail = n > 0 ? await this.stream.readBytes(n) : EMPTY;
    }
    while (!this.paused && this.exchange === ex && this.tail.length > 0) {
      const used = this.onData(this.tail, 0, this.tail.length);
      this.tail = this.tail.subarray(used);
      if (used === 0) break;
    }
    if (!this.paused && this.exchange === ex && this.closePending) this.finishClosed(ex);
  }

  private notifyClosed(): void {
    if (this.notified) return;
    this.notified = true;
    this.owner.connectionClosed(this);
  }

  // ---------------------------------------------------------------- writing

  /** Send a streamed body: chunked, or exactly the declared Content-Length. */
  private async pumpBody(
    ex: Exchange,
    body: AsyncIterable<Uint8Array | string>,
    declared: number,
  ): Promise<void> {
    const stream = this.stream;
    const chunked = declared < 0;
    let sent = 0;
    try {
      for await (const chunk of body) {
        if (this.exchange !== ex || this.closed) return;
        const bytes = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
        if (!(bytes instanceof Uint8Array)) {
          throw new TypeError("request body chunks must be strings or Uint8Arrays");
        }
        if (bytes.length === 0) continue;
        sent += bytes.length;
        if (!chunked && sent > declared) {
          throw new TypeError(`request body is longer than its Content-Length (${declared})`);
        }
        if (chunked) {
          stream.cork();
          stream.send(Buffer.from(`${bytes.length.toString(16)}\r\n`, "latin1"));
          stream.send(bytes);
          const written = stream.write(CRLF);
          stream.uncork();
          await written;
        } else {
          await stream.write(bytes);
        }
        // The server taking the upload is progress too (idleTimeoutMs).
        ex.lastActivity = this.now();
      }
      if (this.exchange !== ex || this.closed) return;
      if (!chunked && sent !== declared) {
        throw new TypeError(
          `request body ended after ${sent} of its Content-Length of ${declared} bytes`,
        );
      }
      if (chunked) stream.send(LAST_CHUNK);
      this.bodySent = true;
    } catch (err) {
      // A write failing because the connection closed is reported by the close; a source that
      // throws, or a length mismatch, fails the request with that error.
      if (this.exchange === ex && !this.stream.closed()) ex.fail(err);
    }
  }
}
