// HTTP1ServerConnection: reads the requests of one connection in order and hands each to its message delegate.

import { AsyncResource } from "node:async_hooks";
import { STATUS_CODES } from "node:http";
import type { Logger } from "@t/ioloop";
import {
  type ConnectionSweeper,
  type DataConsumer,
  type IOStream,
  SERVER_WRITE_HIGH_WATER_MARK,
  type SSLIOStream,
  type Sweepable,
} from "@t/iostream";
import { BodyAccumulator } from "./body-accumulator.js";
import { ChunkedDecoder, type ChunkSink } from "./chunked-decoder.js";
import { epochNowMs } from "./clock.js";
import type { HTTPMessageDelegate, HTTPServerConnectionDelegate } from "./delegates.js";
import { requestErrorChannel, requestStartChannel, responseFinishChannel } from "./diagnostics.js";
import { HTTPInputError } from "./errors.js";
import { GzipRequestDelegate } from "./gzip-request-delegate.js";
import { HTTPHeaders } from "./http-headers.js";
import type { HTTP1ConnectionParameters } from "./http-server-options.js";
import { type ExchangeOwner, HTTP1Connection } from "./http1-connection.js";
import { internalError, invariant } from "./invariant.js";
import { COPY_LIMIT, OutputBuffer } from "./output-buffer.js";
import {
  findHeadEnd,
  hasBadMethodPrefix,
  hasBareLineBreak,
  ParsedHead,
  parseRequestHead,
} from "./request-head-parser.js";
import { forwardedProtocol, forwardedRemoteIp } from "./xheaders.js";

// Connection states, numeric, in the order a request goes through them.
const IDLE = 0; // between requests: waiting for a request line
const HEAD = 1; // reading a request head
const BODY_LENGTH = 2; // reading a Content-Length body
const BODY_CHUNKED = 3; // reading a chunked body
const RESPONSE = 4; // the request was handed over (`finish`); the response is not finished yet
const SWITCHED = 5; // a 101 response finished: the application takes the stream over
const CLOSING = 6; // the last response is going out; input is discarded; then the stream closes
const CLOSED = 7; // the stream closed
const DETACHED = 8; // the application took the stream (`detach`)
const STATE_NAMES = "IDLE HEAD BODY_LENGTH BODY_CHUNKED RESPONSE SWITCHED CLOSING CLOSED DETACHED";

/**
 * The transitions `setState` allows: bit `to` of `TRANSITIONS[from]`.
 *
 *     IDLE → HEAD → BODY_LENGTH | BODY_CHUNKED → RESPONSE → IDLE (the next request)
 *     HEAD | BODY_* | RESPONSE → SWITCHED (a 101 response finished)
 *     any open state → CLOSING (an error, `Connection: close`, a drain) → CLOSED
 *     any state but DETACHED → CLOSED (the stream closed) | DETACHED (`detach()`)
 */
const ENDS = (1 << CLOSING) | (1 << CLOSED) | (1 << DETACHED);
const TRANSITIONS: readonly number[] = [
  (1 << HEAD) | ENDS, // IDLE
  (1 << BODY_LENGTH) | (1 << BODY_CHUNKED) | (1 << SWITCHED) | ENDS, // HEAD
  (1 << RESPONSE) | (1 << SWITCHED) | ENDS, // BODY_LENGTH
  (1 << RESPONSE) | (1 << SWITCHED) | ENDS, // BODY_CHUNKED
  (1 << IDLE) | (1 << SWITCHED) | ENDS, // RESPONSE
  ENDS, // SWITCHED
  (1 << CLOSED) | (1 << DETACHED), // CLOSING
  1 << DETACHED, // CLOSED
  0, // DETACHED
];

/**
 * @internal Whether the transition table allows `from → to` (state names, e.g. "IDLE"): the map
 * of the state machine, for tests and readers.
 */
export function connectionTransitionAllowed(from: string, to: string): boolean {
  const names = STATE_NAMES.split(" ");
  const f = names.indexOf(from);
  const t = names.indexOf(to);
  if (f === -1 || t === -1) throw new RangeError(`unknown connection state ${from} or ${to}`);
  return (TRANSITIONS[f] & (1 << t)) !== 0;
}

const CR = 0x0d;
const LF = 0x0a;
const EMPTY = Buffer.alloc(0);
/** The async-hooks type of a request's context. */
const REQUEST_SCOPE_TYPE = "THTTPRequest";
const CONTINUE_100 = Buffer.from("HTTP/1.1 100 Continue\r\n\r\n", "latin1");

const errorResponses = new Map<number, Buffer>();
function errorResponse(code: number): Buffer {
  let b = errorResponses.get(code);
  if (b === undefined) {
    b = Buffer.from(
      `HTTP/1.1 ${code} ${STATUS_CODES[code] ?? "Error"}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
      "latin1",
    );
    errorResponses.set(code, b);
  }
  return b;
}

/** The error of a transition the table does not allow (out of line: keeps `setState` small). */
function badTransition(from: number, to: number): Error {
  const names = STATE_NAMES.split(" ");
  return internalError(`connection state ${names[from]} → ${names[to]}`);
}

/** The 413 of a body past maxBodySize (out of line: keeps the hot paths small). */
function tooLarge(): HTTPInputError {
  return new HTTPInputError("Request body larger than maxBodySize", 413);
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return v !== undefined && v !== null && typeof (v as PromiseLike<unknown>).then === "function";
}

/** What an HTTP1ServerConnection needs from its server. */
export interface ServerConnectionContext {
  readonly params: HTTP1ConnectionParameters;
  readonly logger: Logger;
  readonly sweeper: ConnectionSweeper<HTTP1ServerConnection>;
  /** Makes each request's delegate (a request callback comes wrapped in RequestCallbackAdapter). */
  readonly delegate: HTTPServerConnectionDelegate<HTTP1ServerConnection, HTTP1Connection>;
}

/**
 * Serves one HTTP/1.x connection (Tornado's `HTTP1ServerConnection`): parses requests straight
 * out of the stream's buffer as its data consumer (no Promise per read) and hands each to one
 * message delegate — the server's, wrapped in GzipRequestDelegate when it inflates the body; a
 * request callback's is a RequestCallbackAdapter — then reads the next once the response
 * finished. It runs on the stream's protocol core: the consumer runs corked, so the answers to a
 * batch of pipelined requests leave in one write; input pauses (`pauseReading`) while a delegate's
 * Promise is pending or a response is awaited, and while `writeHighWaterMark` of output is queued;
 * the last response closes the stream with `closeWhenWritten`. Timeouts come from the server's
 * ConnectionSweeper.
 */
export class HTTP1ServerConnection implements ExchangeOwner, ChunkSink, Sweepable {
  /** @internal The sweeper's bookkeeping (Sweepable): -1 while no sweeper tracks this. */
  sweepSlot = -1;
  /** The connection's stream. */
  readonly stream: IOStream | SSLIOStream;
  /** The peer's IP address ("" for Unix sockets). */
  readonly remoteIp: string;
  /** "http" or "https". */
  readonly protocol: string;
  /** The server's validated options (ExchangeOwner). */
  readonly params: HTTP1ConnectionParameters;
  /** Where responses are composed and handed to the stream (ExchangeOwner). */
  readonly output: OutputBuffer;
  /**
   * @internal The exact length of the body the current request's delegate receives: its
   * Content-Length (0 without a body), or -1 when unknown (chunked, or inflated).
   */
  requestBodyLength = 0;

  private readonly ctx: ServerConnectionContext;
  private state = IDLE;
  private phaseStart = 0;
  private servedOne = false;
  /** Bytes of an incomplete head already searched for its end. */
  private scanned = 0;
  private readonly head = new ParsedHead();
  private exchange: HTTP1Connection | null = null;
  private msg: HTTPMessageDelegate | null = null;
  /** The gzip wrapper around `msg`, while the request's body is inflated. */
  private gzip: GzipRequestDelegate | null = null;
  /** `msg` got its last call (`finish` or `onConnectionClose`). */
  private msgDone = true;
  /** `finish` settled: the whole request was read and handed over. */
  private readDone = false;
  /** A Promise of the delegate (or one loop turn) is awaited: no delegate call, no input. */
  private waiting = false;
  private bodyRemaining = 0;
  /** Body bytes of the current request read so far (before decompression). */
  private bodyReceived = 0;
  /** Body bytes of one read batch, handed to the delegate in one `dataReceived`. */
  private readonly body = new BodyAccumulator();
  private maxBodySize: number;
  private bodyTimeoutMs: number;
  private chunked: ChunkedDecoder | null = null;
  /** The clock read once per batch of received bytes (epoch ms), -1 until needed. */
  private batchMs = -1;
  /** `stream.bytesWritten` at the last sweep that saw write progress, and when (loop ms). */
  private writtenMark = 0;
  private writeStamp = 0;
  /** A TLS stream (its close must wait for its socket; see startClosing). */
  private readonly tls: boolean;
  /** The server is shutting down: answer what is in flight with `Connection: close`, then close. */
  private draining = false;
  private commitTarget: HTTP1Connection | null = null;
  /** The parse loop runs (a batch): output is corked and commits wait for its end. */
  private inBatch = false;
  /** The running batch's bytes are the stream's, consumed only once the batch returns. */
  private streamBatch = false;
  /**
   * This connection itself calls into the stream, which may offer input synchronously in the
   * caller's context (`resumeReading`, an uncork, a send): a batch offered meanwhile is no read
   * event (see `readEntry`).
   */
  private ownCall = false;
  /**
   * The running batch came from a read event: the context current is the stream's own (its
   * handler's, captured in the accept), so a request's context can be made right there. Any other
   * entry may run inside an earlier request's context and makes it inside `connScope` instead.
   */
  private readEntry = false;
  private readonly onData: DataConsumer;
  private readonly resumeCb: () => void;
  private readonly commitCb: () => void;
  private readonly unpauseCb: () => void;
  private readonly waitFailCb: (err: unknown) => void;

  /**
   * The async context the connection was accepted in (the server's); each request gets a fresh
   * child of it, so an `AsyncLocalStorage.enterWith` in one request's delegate or callback never
   * reaches the next request, on keep-alive and pipelined connections alike.
   */
  private readonly connScope = new AsyncResource("THTTPConnection");
  /** The async context of the request being served. */
  private scope: AsyncResource = this.connScope;
  /** The async id of `connScope`: the trigger of every request's context. */
  private readonly connAsyncId: number;
  private readonly makeRequestScope: () => AsyncResource;

  constructor(
    stream: IOStream | SSLIOStream,
    remoteIp: string,
    protocol: string,
    ctx: ServerConnectionContext,
  ) {
    this.stream = stream;
    this.remoteIp = remoteIp;
    this.protocol = protocol;
    this.ctx = ctx;
    this.params = ctx.params;
    this.maxBodySize = ctx.params.maxBodySize;
    this.bodyTimeoutMs = ctx.params.bodyTimeoutMs;
    this.onData = (buf, start, end) =>
      this.batch(buf, start, end, true, !this.ownCall && !this.output.handing);
    const connAsyncId = this.connScope.asyncId();
    this.connAsyncId = connAsyncId;
    this.makeRequestScope = () => new AsyncResource(REQUEST_SCOPE_TYPE, connAsyncId);
    this.resumeCb = () => this.syncReading();
    this.commitCb = () => this.outside(this.commitPending);
    this.unpauseCb = () => {
      this.waiting = false;
      this.outside(this.advance);
    };
    this.waitFailCb = (err) => {
      this.waiting = false;
      this.outside(this.messageError, err);
    };
    this.tls = stream.encrypted;
    this.output = new OutputBuffer(stream, !this.tls);
    // A client that pipelines requests without reading the answers stops being read.
    stream.setWriteHighWaterMark(SERVER_WRITE_HIGH_WATER_MARK);
    // Stamp after add(): add() refreshes the coarse clock when it restarts an idle sweeper, and
    // a stale stamp would cut a fresh connection at the first sweep (review finding 12).
    ctx.sweeper.add(this);
    this.phaseStart = ctx.sweeper.stamp;
    this.writeStamp = ctx.sweeper.stamp;
    stream.setCloseCallback(() => this.onStreamClose());
    // The server's graceful shutdown reaches us through the stream (an upgrade replaces it).
    stream.setDrainCallback(() => this.drain());
  }

  /**
   * @deprecated The stream corks now (`stream.corked`): true while this connection handles a batch
   * of received bytes.
   */
  get corked(): boolean {
    return this.inBatch;
  }

  /** Begin serving (offers already-buffered bytes at once). */
  start(): void {
    this.ownCall = true;
    this.stream.setDataConsumer(this.onData);
    this.ownCall = false;
  }

  /** Close the connection now (Tornado's `HTTP1ServerConnection.close`). */
  close(): void {
    if (this.state !== DETACHED) this.stream.close();
  }

  /** True once closed or closing for good (ExchangeOwner). */
  isClosed(): boolean {
    return this.state >= CLOSING || this.stream.closed();
  }

  /** @internal When the current batch of bytes was received (epoch ms; one clock reading per batch). */
  batchTimeMs(): number {
    let t = this.batchMs;
    if (t < 0) {
      t = epochNowMs();
      this.batchMs = t;
    }
    return t;
  }

  /**
   * @internal A Promise returned by the application for `ex` rejected (a request callback's):
   * answered like an exception while `ex` is the current exchange, else only logged.
   */
  requestFailed(ex: HTTP1Connection, err: unknown): void {
    if (ex === this.exchange) this.outside(this.messageError, err);
    else this.ctx.logger.error({ err }, "Uncaught exception in HTTP request callback");
  }

  // ------------------------------------------------------------------ the parse loop

  /** Move to state `to`, asserting that the transition table allows it. */
  private setState(to: number): void {
    if ((TRANSITIONS[this.state] & (1 << to)) === 0) throw badTransition(this.state, to);
    this.state = to;
  }

  /** Whether input should be read and offered now (else the stream's reading is paused). */
  private wantsInput(): boolean {
    const st = this.state;
    return (st < RESPONSE && !this.waiting) || st === CLOSING;
  }

  /**
   * One batch: parse and dispatch what `buf[start, end)` holds, with the stream corked (it is
   * when it calls its consumer; `outside` corks for the other entries). Returns the bytes used.
   */
  private batch(
    buf: Buffer,
    start: number,
    end: number,
    fromStream: boolean,
    read: boolean,
  ): number {
    const st = this.state;
    if (st >= SWITCHED) return st === CLOSING ? end - start : 0;
    invariant(!this.inBatch, "the parse loop was re-entered");
    this.inBatch = true;
    this.streamBatch = fromStream;
    this.readEntry = read;
    this.batchMs = -1;
    this.output.recycle();
    let pos = start;
    try {
      pos = this.parse(buf, start, end);
    } catch (err) {
      this.messageError(err);
      pos = end;
    }
    this.endBatch();
    this.inBatch = false;
    return pos - start;
  }

  /** The end of a batch: commit a head written meanwhile, hand the output over, pause or resume. */
  private endBatch(): void {
    if (this.commitTarget !== null) this.commitPending();
    this.output.send();
    this.syncReading();
  }

  private parse(buf: Buffer, start: number, end: number): number {
    let pos = start;
    for (;;) {
      if (this.waiting) return pos;
      switch (this.state) {
        case IDLE: {
          // Ignore empty lines before a request line (RFC 9112 §2.2).
          while (pos + 1 < end && buf[pos] === CR && buf[pos + 1] === LF) pos += 2;
          if (pos === end || (pos + 1 === end && buf[pos] === CR)) return pos;
          // Backpressure on pipelining: with `writeHighWaterMark` of answers queued for a peer
          // that does not read them, leave the next request unread (review finding 3).
          if (this.output.pendingLength >= COPY_LIMIT) this.output.send();
          if (this.stream.writeBlocked || this.stream.closed()) return pos;
          this.state = HEAD; // IDLE → HEAD: the case establishes the table's precondition
          this.phaseStart = this.ctx.sweeper.stamp;
          this.scanned = 0;
          break;
        }
        case HEAD: {
          const avail = end - pos;
          const from = this.scanned > 3 ? pos + this.scanned - 3 : pos;
          const headEnd = findHeadEnd(buf, from, end);
          const maxHeader = this.params.maxHeaderSize;
          if (headEnd === -1) {
            if (avail > maxHeader) {
              throw new HTTPInputError("Request head larger than maxHeaderSize", 431);
            }
            const check = this.scanned > 1 ? pos + this.scanned - 1 : pos;
            if (hasBareLineBreak(buf, pos, check, end) || hasBadMethodPrefix(buf, pos, end)) {
              throw new HTTPInputError("Bare CR or LF in request head");
            }
            this.scanned = avail;
            return pos;
          }
          if (headEnd - pos > maxHeader) {
            throw new HTTPInputError("Request head larger than maxHeaderSize", 431);
          }
          parseRequestHead(buf, pos, headEnd, this.head);
          // A fresh context per request; on the hot path (parsing what a read event brought)
          // made right here, without a scope entry (and constructed in this loop, where the
          // compiler inlines the constructor).
          const scope = this.readEntry
            ? new AsyncResource(REQUEST_SCOPE_TYPE, this.connAsyncId)
            : this.connScope.runInAsyncScope(this.makeRequestScope);
          this.scope = scope;
          pos = scope.runInAsyncScope(this.beginMessage, this, buf, headEnd, end);
          break;
        }
        case BODY_LENGTH:
        case BODY_CHUNKED:
          // One entry into the request's context per batch, for every delegate call it makes.
          pos = this.scope.runInAsyncScope(this.readBody, this, buf, pos, end);
          if (this.state === BODY_LENGTH || this.state === BODY_CHUNKED) return pos;
          break;
        case RESPONSE:
          if (this.readDone) return pos;
          this.requestRead(); // a `finish` that returned a Promise settled
          if (this.state === RESPONSE) return pos;
          break;
        default:
          return pos;
      }
    }
  }

  /**
   * In the request's context: make its exchange and delegate, hand it the head, set up the
   * body's framing, and read the body that follows in this batch.
   */
  private beginMessage(buf: Buffer, start: number, end: number): number {
    const head = this.head;
    const params = this.params;
    this.readDone = false;
    this.msgDone = false;
    this.maxBodySize = params.maxBodySize;
    this.bodyTimeoutMs = params.bodyTimeoutMs;
    this.bodyReceived = 0; // (`body` is empty: delivered, or reset when a message was abandoned)
    this.servedOne = true;
    const headers = HTTPHeaders.fromRaw(head.raw);
    let remoteIp = this.remoteIp;
    let protocol = params.protocol ?? this.protocol;
    if (params.xheaders) {
      remoteIp = forwardedRemoteIp(headers, remoteIp, params.trustedDownstream);
      protocol = forwardedProtocol(headers, protocol);
    }
    const keepAlive =
      !params.noKeepAlive &&
      !this.draining &&
      !head.connectionClose &&
      (head.http11 || head.connectionKeepAlive);
    const ex = new HTTP1Connection(this, head.method, head.http11, keepAlive, remoteIp, protocol);
    if (this.draining) ex.draining = true;
    this.exchange = ex;
    const cl = head.contentLength;
    this.requestBodyLength =
      head.chunked || (head.gzip && params.decompress && cl > 0) ? -1 : Math.max(cl, 0);
    if (requestStartChannel.hasSubscribers) {
      requestStartChannel.publish({
        connection: ex,
        method: head.method,
        uri: head.uri,
        version: head.version,
        rawHeaders: head.raw,
        remoteIp,
      });
    }
    let msg = this.ctx.delegate.startRequest(this, ex);
    if (params.decompress && head.gzip) {
      const max = Math.min(this.maxBodySize, params.maxDecompressedBodySize);
      const gzip = new GzipRequestDelegate(msg, max, params.chunkSize, this.scope);
      this.gzip = gzip;
      msg = gzip;
    }
    this.msg = msg;
    const ret = msg.headersReceived(
      { method: head.method, path: head.uri, version: head.version },
      headers,
    );
    if (isThenable(ret)) this.waitFor(ret);
    if (this.state !== HEAD) return start; // the delegate closed or detached the connection
    if (head.chunked) {
      let dec = this.chunked;
      if (dec === null) {
        dec = new ChunkedDecoder();
        this.chunked = dec;
      }
      dec.reset(this.maxBodySize, params.maxHeaderSize);
      this.setState(BODY_CHUNKED);
    } else {
      if (cl > this.maxBodySize) throw tooLarge();
      this.bodyRemaining = Math.max(cl, 0);
      this.setState(BODY_LENGTH);
    }
    this.phaseStart = this.ctx.sweeper.stamp;
    if (cl <= 0 && !head.chunked && !head.upgrade) {
      // No body: finished at once (and the body reader stays out of this hot path).
      this.finishMessage();
      return start;
    }
    if (head.expectContinue && head.http11 && (head.chunked || cl > 0) && !ex.responseStarted) {
      this.output.append(CONTINUE_100);
    }
    return this.readBody(buf, start, end);
  }

  /** In the request's context: read body bytes of `buf[start, end)`, and finish the request. */
  private readBody(buf: Buffer, start: number, end: number): number {
    if (this.state === BODY_CHUNKED) return this.readChunked(buf, start, end);
    let pos = start;
    while (!this.waiting && this.state === BODY_LENGTH) {
      const remaining = this.bodyRemaining;
      // setMaxBodySize() may have lowered the limit after headersReceived (an awaited
      // prepare): the declared length is checked again (review finding 11).
      if (this.bodyReceived + remaining > this.maxBodySize) throw tooLarge();
      if (remaining === 0) {
        if (this.head.upgrade && this.streamBatch) {
          // An upgrade request may detach the stream: hand it over only once the stream has
          // consumed exactly this request's bytes (after this batch returns).
          this.waitTurn();
          return pos;
        }
        this.finishMessage();
        return pos;
      }
      if (pos === end) {
        if (this.body.length > 0) this.deliverBody();
        return pos;
      }
      let n = end - pos;
      if (n > remaining) n = remaining;
      if (n > this.params.chunkSize) n = this.params.chunkSize;
      this.bodyRemaining = remaining - n;
      const s = pos;
      pos += n;
      this.onChunkData(buf, s, pos);
    }
    return pos;
  }

  /** `readBody` for a chunked body. */
  private readChunked(buf: Buffer, start: number, end: number): number {
    const dec = this.chunked;
    invariant(dec !== null, "a chunked body without its decoder");
    let pos = start;
    while (!this.waiting && this.state === BODY_CHUNKED) {
      if (dec.done) {
        this.finishMessage();
        return pos;
      }
      if (pos === end) {
        if (this.body.length > 0) this.deliverBody();
        return pos;
      }
      const limit = end - pos > this.params.chunkSize ? pos + this.params.chunkSize : end;
      pos += dec.decode(buf, pos, limit, this);
    }
    return pos;
  }

  /** ChunkSink: body bytes `buf[s, e)` (valid only now), copied into this batch's piece. */
  onChunkData(buf: Buffer, s: number, e: number): void {
    this.bodyReceived += e - s;
    const acc = this.body;
    // A Content-Length body's piece gets one exact allocation.
    if (acc.length === 0 && this.state === BODY_LENGTH) {
      const n = this.bodyRemaining + e - s;
      acc.reset(Math.min(n, this.params.chunkSize));
    }
    acc.append(buf, s, e);
    if (acc.length >= this.params.chunkSize && !this.waiting) this.deliverBody();
  }

  /** Hand the body bytes gathered in this batch to the delegate, in one `dataReceived`. */
  private deliverBody(): void {
    const msg = this.msg;
    invariant(msg !== null, "body bytes without a delegate");
    const ret = msg.dataReceived(this.body.take());
    if (isThenable(ret)) this.waitFor(ret);
  }

  /** The whole body was read: call the delegate's `finish` (once its last piece was taken). */
  private finishMessage(): void {
    if (this.body.length > 0) {
      this.deliverBody();
      if (this.waiting) return; // the last dataReceived settles first; the loop comes back here
    }
    const msg = this.msg;
    invariant(msg !== null, "a request finished without a delegate");
    this.setState(RESPONSE);
    this.msgDone = true;
    const ret = msg.finish();
    if (isThenable(ret)) this.waitFor(ret);
    else this.requestRead();
  }

  /** `finish` settled: with the response finished too, go on to the next request. */
  private requestRead(): void {
    this.readDone = true;
    this.gzip = null;
    const ex = this.exchange;
    if (ex?.finished && this.state === RESPONSE) this.nextRequest();
  }

  /** Ready for the next request on this connection. */
  private nextRequest(): void {
    this.exchange = null;
    this.msg = null;
    this.setState(IDLE);
    this.phaseStart = this.ctx.sweeper.stamp;
    this.scanned = 0;
    // A response finished outside a batch (asynchronously): read on at the next loop turn, not
    // inside the application's finish().
    if (!this.inBatch) this.ctx.sweeper.loop.addCallback(this.resumeCb);
  }

  /** Make no delegate call and read no input until `p` settles. */
  private waitFor(p: PromiseLike<unknown>): void {
    this.waiting = true;
    p.then(this.unpauseCb, this.waitFailCb);
  }

  /** Make no delegate call and read no input until the next loop turn. */
  private waitTurn(): void {
    this.waiting = true;
    this.ctx.sweeper.loop.addCallback(this.unpauseCb);
  }

  /** Go on after a wait: the parse loop with no new bytes, then whatever the stream buffered. */
  private advance(): void {
    this.batch(EMPTY, 0, 0, false, false);
  }

  /** Pause or resume the stream's input to match `wantsInput()`. */
  private syncReading(): void {
    const s = this.stream;
    if (this.state === DETACHED || s.closed()) return;
    if (!this.wantsInput()) {
      if (!s.readingPaused) s.pauseReading();
    } else if (s.readingPaused) {
      // Offers what is buffered at once (inside a batch: when it returns).
      const own = this.ownCall;
      this.ownCall = true;
      s.resumeReading();
      this.ownCall = own;
    }
  }

  /** Run `fn` from outside a batch (a timer, a Promise, the application) with the stream corked. */
  private outside<A>(fn: (this: this, arg: A) => void, arg?: A): void {
    const s = this.stream;
    if (s.closed() || this.state === DETACHED) return;
    if (this.inBatch) {
      fn.call(this, arg as A);
      return;
    }
    this.ownCall = true;
    s.cork();
    try {
      fn.call(this, arg as A);
      this.output.send();
    } finally {
      s.uncork();
      this.ownCall = false;
    }
    this.output.recycle();
    this.syncReading();
  }

  // ------------------------------------------------------------------ errors and timeouts

  /** An exception or rejection met while serving: the peer's (HTTPInputError) or the application's. */
  private messageError(err: unknown): void {
    if (err instanceof HTTPInputError) this.inputError(err);
    else this.appError(err);
  }

  /** Malformed input: answer with its status (unless a response started) and close. */
  private inputError(err: HTTPInputError): void {
    if (this.state >= CLOSING) return;
    this.ctx.logger.debug(
      { err },
      `Malformed HTTP message from ${this.remoteIp || "unix socket"}: ${err.message}`,
    );
    if (requestErrorChannel.hasSubscribers) {
      requestErrorChannel.publish({
        error: err,
        statusCode: err.statusCode,
        remoteIp: this.remoteIp,
      });
    }
    this.abandonMessage(err.statusCode, true);
  }

  /** An exception from the application: log it, answer 500 if nothing was sent, close. */
  private appError(err: unknown): void {
    this.ctx.logger.error({ err }, "Uncaught exception in HTTP request handler");
    if (requestErrorChannel.hasSubscribers) {
      this.scope.runInAsyncScope(() =>
        requestErrorChannel.publish({ error: err, statusCode: 500, remoteIp: this.remoteIp }),
      );
    }
    if (this.state >= CLOSING) return;
    this.abandonMessage(500, false);
  }

  /**
   * Give up on the message: tell the delegate (`onConnectionClose`) when `notify` (not when the
   * application itself failed), answer `status` unless a response started, and close.
   */
  private abandonMessage(status: number, notify: boolean): void {
    this.body.reset();
    this.endMessage(notify);
    const ex = this.exchange;
    if (ex === null || !ex.responseStarted) this.output.append(errorResponse(status));
    this.startClosing();
  }

  /** The last response is going out: discard input, close once everything is written. */
  private startClosing(): void {
    if (this.state >= CLOSING) return;
    this.setState(CLOSING);
    this.output.send();
    // A TLS stream's close lingers until its TLS socket has handed every record to the kernel.
    this.stream.closeWhenWritten();
  }

  /**
   * Graceful shutdown: an idle keep-alive connection closes now; a request in flight is
   * answered with `Connection: close` (if its head is not out yet) and the connection closes
   * once that response is written.
   */
  drain(): void {
    if (this.state >= SWITCHED) return;
    this.draining = true;
    if (this.state === IDLE) {
      this.outside(this.startClosing);
      return;
    }
    const ex = this.exchange;
    if (ex !== null) {
      try {
        this.scope.runInAsyncScope(ex.notifyDrain, ex);
      } catch (err) {
        this.ctx.logger.error({ err }, "Exception in a drain callback");
      }
    }
  }

  /** Sweepable: enforce the header, body, idle and write-progress timeouts. */
  sweep(now: number): void {
    const p = this.params;
    const stream = this.stream;
    if (stream.writing()) {
      const written = stream.bytesWritten;
      if (written !== this.writtenMark) {
        this.writtenMark = written;
        this.writeStamp = now;
      } else if (now - this.writeStamp >= p.writeTimeoutMs) {
        // The peer stopped reading what we owe it (nginx's send_timeout; review finding 9).
        this.ctx.logger.debug(`closing HTTP connection from ${this.remoteIp}: write timed out`);
        stream.close();
        return;
      }
    } else {
      this.writeStamp = now;
      // An idle connection gives its output buffer back to the one spare.
      if (this.state === IDLE) this.output.giveBack();
    }
    if (this.waiting) return;
    const elapsed = now - this.phaseStart;
    switch (this.state) {
      case IDLE:
        if (elapsed >= (this.servedOne ? p.idleConnectionTimeoutMs : p.headerTimeoutMs)) {
          stream.close();
        }
        break;
      case HEAD:
        if (elapsed >= p.headerTimeoutMs) {
          this.outside(
            this.inputError,
            new HTTPInputError("Timed out reading the request head", 408),
          );
        }
        break;
      case BODY_LENGTH:
      case BODY_CHUNKED:
        if (elapsed >= this.bodyTimeoutMs) {
          this.outside(
            this.inputError,
            new HTTPInputError("Timed out reading the request body", 408),
          );
        }
        break;
    }
  }

  // ------------------------------------------------------------------ ExchangeOwner

  scheduleCommit(exchange: HTTP1Connection): void {
    if (this.commitTarget === exchange) return;
    this.commitTarget = exchange;
    // In a batch its end commits; otherwise the end of this tick does.
    if (!this.inBatch) this.ctx.sweeper.loop.addCallback(this.commitCb);
  }

  onResponseFinished(exchange: HTTP1Connection): void {
    if (exchange !== this.exchange) return;
    if (responseFinishChannel.hasSubscribers) {
      this.scope.runInAsyncScope(() =>
        responseFinishChannel.publish({
          connection: exchange,
          method: exchange.method,
          uri: this.head.uri,
          statusCode: exchange.statusCode,
          remoteIp: exchange.remoteIp,
        }),
      );
    }
    const req = exchange.request;
    if (req !== null) req.finishTime = epochNowMs();
    if (this.state >= CLOSING) return;
    if (exchange.switched) this.setState(SWITCHED);
    else if (exchange.closeAfter || this.draining) this.outside(this.startClosing);
    else if (this.readDone) this.nextRequest();
  }

  abort(reason: Error): void {
    this.ctx.logger.debug({ err: reason }, "closing HTTP connection");
    this.outside(this.startClosing);
  }

  detach(): IOStream | SSLIOStream {
    if (this.state === DETACHED) throw new TypeError("the connection was already detached");
    if (this.commitTarget !== null) this.commitPending();
    this.output.send();
    this.setState(DETACHED);
    const s = this.stream;
    s.setDataConsumer(null);
    // The new owner starts with its input flowing (what we buffered stays buffered for it) and
    // without our backpressure (a full-duplex protocol must not have it).
    if (s.readingPaused) s.resumeReading();
    s.setWriteHighWaterMark(Number.POSITIVE_INFINITY);
    s.setCloseCallback(null);
    s.setDrainCallback(null);
    this.ctx.sweeper.delete(this);
    return s;
  }

  setMaxBodySize(bytes: number): void {
    this.maxBodySize = bytes;
    if (this.chunked !== null) this.chunked.maxBodySize = bytes;
    this.gzip?.setMaxOutputBytes(Math.min(bytes, this.params.maxDecompressedBodySize));
    // A Content-Length body is checked against the new limit as it is read (readBody()).
  }

  setBodyTimeout(ms: number): void {
    this.bodyTimeoutMs = ms;
  }

  // ------------------------------------------------------------------ output and close

  /** Commit the head an exchange wrote but did not finish in this tick (chunked from here on). */
  private commitPending(): void {
    const ex = this.commitTarget;
    this.commitTarget = null;
    if (ex === null) return;
    try {
      ex.commitPending();
    } catch (err) {
      this.appError(err);
    }
  }

  /**
   * The message gets no further call: `onConnectionClose` if `notify` and it did not get its last
   * call yet (to a gzip wrapper still inflating after `finish`, for the delegate it wraps).
   */
  private endMessage(notify: boolean): void {
    const gzip = this.gzip;
    this.gzip = null;
    const msg = this.msg;
    const last = this.msgDone ? gzip : msg;
    this.msgDone = true;
    if (last === null) return;
    if (!notify) {
      if (gzip !== null) gzip.stop();
      return;
    }
    try {
      this.scope.runInAsyncScope(last.onConnectionClose, last);
    } catch (err) {
      this.ctx.logger.error({ err }, "Exception in onConnectionClose");
    }
  }

  private onStreamClose(): void {
    if (this.state === DETACHED) return;
    this.setState(CLOSED);
    this.body.reset();
    this.ctx.sweeper.delete(this);
    this.endMessage(true);
    const ex = this.exchange;
    if (ex !== null && !ex.finished) {
      try {
        ex.connectionClosed();
      } catch (err) {
        this.ctx.logger.error({ err }, "Exception in a connection close callback");
      }
    }
    const onClose = this.ctx.delegate.onClose;
    if (onClose !== undefined) {
      try {
        onClose.call(this.ctx.delegate, this);
      } catch (err) {
        this.ctx.logger.error({ err }, "Exception in onClose");
      }
    }
  }
}
