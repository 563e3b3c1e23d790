// HTTP1ServerConnection: reads the requests of one connection in order and writes their responses.

import { AsyncResource } from "node:async_hooks";
import { STATUS_CODES } from "node:http";
import { isIP } from "node:net";
import type { Logger } from "@t/ioloop";
import { type DataConsumer, type IOStream, SSLIOStream } from "@t/iostream";
import { BodyAccumulator } from "./body-accumulator.js";
import { formKind } from "./body-arguments.js";
import { ChunkedDecoder, type ChunkSink } from "./chunked-decoder.js";
import { epochNowMs } from "./clock.js";
import type { ConnectionSweeper, Sweepable } from "./connection-sweeper.js";
import type { HTTPMessageDelegate, HTTPServerConnectionDelegate } from "./delegates.js";
import { requestErrorChannel, requestStartChannel, responseFinishChannel } from "./diagnostics.js";
import { HTTPInputError } from "./errors.js";
import { type DecodedBodySink, GzipBodyDecoder } from "./gzip-body-decoder.js";
import { HTTPHeaders } from "./http-headers.js";
import { type HTTP1ConnectionParameters, PIPELINE_HIGH_WATER_MARK } from "./http-server-options.js";
import { HTTPServerRequest, presetRequestStartTime } from "./http-server-request.js";
import { type ExchangeOwner, HTTP1Connection } from "./http1-connection.js";
import { OutputBuffer } from "./output-buffer.js";
import {
  findHeadEnd,
  hasBadMethodPrefix,
  hasBareLineBreak,
  ParsedHead,
  parseRequestHead,
} from "./request-head-parser.js";
import { RESOLVED } from "./resolved.js";

/** A plain request callback (Tornado's): gets the request with its body read. */
export type RequestCallback = (request: HTTPServerRequest) => unknown;

// Connection states (numeric, in the order a request goes through them).
const IDLE = 0;
const HEAD = 1;
const BODY_LENGTH = 2;
const BODY_CHUNKED = 3;
const RESPONSE = 4;
const SWITCHED = 5;
const CLOSING = 6;
const CLOSED = 7;
const DETACHED = 8;

const CR = 0x0d;
const LF = 0x0a;
const EMPTY = Buffer.alloc(0);

/** The async-hooks type of a request's context. */
const REQUEST_SCOPE_TYPE = "THTTPRequest";
const CONTINUE_100 = Buffer.from("HTTP/1.1 100 Continue\r\n\r\n", "latin1");
/** Pieces smaller than this are copied into the output buffer; larger ones go by reference. */
const COPY_LIMIT = 16 * 1024;
/** Content-Length bodies up to this size get one exact allocation up front (request callbacks). */
const PREALLOCATE_LIMIT = 64 * 1024;

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

/** What an HTTP1ServerConnection needs from its server. */
export interface ServerConnectionContext {
  readonly params: HTTP1ConnectionParameters;
  readonly logger: Logger;
  readonly sweeper: ConnectionSweeper<HTTP1ServerConnection>;
  readonly callback: RequestCallback | null;
  readonly delegate: HTTPServerConnectionDelegate<HTTP1ServerConnection, HTTP1Connection> | null;
}

/**
 * Serves one HTTP/1.x connection (Tornado's `HTTP1ServerConnection`): parses requests straight
 * out of the stream's buffer through `setDataConsumer` (no Promise per read), hands them to the
 * request callback or message delegate, and answers them in order. Output produced while a batch
 * of received bytes is being handled is corked and leaves in one write, so pipelined requests
 * answered synchronously cost one system call per batch.
 */
export class HTTP1ServerConnection implements ExchangeOwner, ChunkSink, Sweepable, DecodedBodySink {
  /** The connection's stream. */
  readonly stream: IOStream | SSLIOStream;
  /** The peer's IP address ("" for Unix sockets). */
  readonly remoteIp: string;
  /** "http" or "https". */
  readonly protocol: string;
  /** True while received bytes are being handled (output is batched). */
  corked = false;

  private readonly ctx: ServerConnectionContext;
  /** The server's validated options (ExchangeOwner). */
  readonly params: HTTP1ConnectionParameters;
  private state = IDLE;
  private phaseStart: number;
  private servedOne = false;
  /** Bytes of an incomplete head already searched for its end. */
  private scanned = 0;
  private readonly head = new ParsedHead();
  private exchange: HTTP1Connection | null = null;
  private msg: HTTPMessageDelegate | null = null;
  private msgDone = true;
  private request: HTTPServerRequest | null = null;
  private readDone = false;
  private bodyRemaining = 0;
  /** Body bytes of the current request read so far (before decompression). */
  private bodyReceived = 0;
  /**
   * Body bytes copied out of the read buffer: the whole body for a request callback, else the
   * bytes of one read batch for the delegate (or the gzip decoder) — never a Buffer per chunk.
   */
  private readonly body = new BodyAccumulator();
  private gzip = false;
  /** The request's gzip decoder while one runs (decompressRequest). */
  private decoder: GzipBodyDecoder | null = null;
  private decoderEnded = false;
  /** A request callback's decompressed body, gathered in one growable buffer. */
  private readonly decoded = new BodyAccumulator();
  private maxBodySize: number;
  private bodyTimeoutMs: number;
  private chunked: ChunkedDecoder | null = null;
  private paused = false;
  private consuming = false;
  /** The clock read once per batch of received bytes (epoch ms), -1 until needed. */
  private batchMs = -1;
  /** Bytes held in `out` (large pieces queued by reference). */
  private outBytes = 0;
  /** `stream.bytesWritten` at the last sweep that saw write progress, and when (loop ms). */
  private writtenMark = 0;
  private writeStamp = 0;
  /** Where responses are composed (ExchangeOwner). */
  readonly output: OutputBuffer = new OutputBuffer();
  /** Output pieces queued by reference (large bodies), with sealed output segments between. */
  private out: Uint8Array[] = [];
  /** The stream's shared resolved Promise (what `write` returns when the kernel took everything). */
  private readonly streamResolved: Promise<void> | null;
  /**
   * Whether written output bytes may be overwritten once the stream's queue is empty: true for
   * descriptor streams (the kernel copied them); a TLS socket may still hold them by reference.
   */
  private readonly reuseOutput: boolean;
  private lastWrite: Promise<void> = RESOLVED;
  private closeAfterFlush = false;
  /** The server is shutting down: answer what is in flight with `Connection: close`, then close. */
  private draining = false;
  private commitTarget: HTTP1Connection | null = null;
  private readonly onData: DataConsumer;
  private readonly resumeCb: () => void;
  private readonly commitCb: () => void;
  private readonly closeCb: () => void;
  private readonly unpauseCb: () => void;
  private readonly deferredFinishCb: () => void;
  private readonly pauseFailCb: (err: unknown) => void;

  /**
   * The async context the connection was accepted in (the server's); each request gets a fresh
   * child of it, so an `AsyncLocalStorage.enterWith` in one request's delegate or callback never
   * reaches the next request, on keep-alive and pipelined connections alike.
   */
  private readonly connScope = new AsyncResource("THTTPConnection");
  /** The async context of the request being served. */
  private scope: AsyncResource = this.connScope;
  /**
   * True while `consume` runs as the stream's data consumer called from a read event: the
   * context current then is the stream's own (captured when it registered with the loop, in the
   * accept), so a request's context can be made there directly. Any other entry (a resume after
   * an asynchronous finish, a paused delegate settling) may run inside an earlier request's
   * context, and makes the new one inside `connScope` instead (one more scope entry).
   */
  private readEntry = false;
  /** Set around `setDataConsumer`, which offers buffered bytes synchronously (not a read event). */
  private offering = false;
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
    this.phaseStart = 0;
    this.onData = (buf, start, end) => {
      if (this.offering) return this.consume(buf, start, end);
      this.readEntry = true;
      try {
        return this.consume(buf, start, end);
      } finally {
        this.readEntry = false;
      }
    };
    const connAsyncId = this.connScope.asyncId();
    this.makeRequestScope = () => new AsyncResource(REQUEST_SCOPE_TYPE, connAsyncId);
    this.resumeCb = () => {
      if (this.state < RESPONSE || this.state === CLOSING) this.consume(EMPTY, 0, 0);
    };
    this.commitCb = () => {
      const ex = this.commitTarget;
      this.commitTarget = null;
      if (ex === null) return;
      try {
        ex.commitPending();
      } catch (err) {
        this.appError(err);
        return;
      }
      this.flushOut();
    };
    this.closeCb = () => this.stream.close();
    this.unpauseCb = () => {
      this.paused = false;
      if (this.state < RESPONSE) this.consume(EMPTY, 0, 0);
    };
    this.deferredFinishCb = () => {
      if (this.state !== RESPONSE || this.readDone) return;
      this.corked = true;
      try {
        this.finishMessage();
      } catch (err) {
        if (err instanceof HTTPInputError) this.inputError(err);
        else this.appError(err);
      }
      this.corked = false;
      if (this.commitTarget !== null) this.commitCb();
      this.flushOut();
      const st = this.state as number;
      this.setConsuming((st < RESPONSE && !this.paused) || st === CLOSING);
      if (st === IDLE && this.stream.readBufferSize > 0) this.consume(EMPTY, 0, 0);
    };
    this.pauseFailCb = (err) => {
      this.paused = false;
      if (err instanceof HTTPInputError) this.inputError(err);
      else this.appError(err);
    };
    this.streamResolved = stream.closed() ? null : stream.write(EMPTY);
    this.reuseOutput = !(stream instanceof SSLIOStream);
    // Stamp after add(): add() refreshes the coarse clock when it restarts an idle sweeper, and
    // a stale stamp would cut a fresh connection at the first sweep (review finding 12).
    ctx.sweeper.add(this);
    this.phaseStart = ctx.sweeper.stamp;
    this.writeStamp = ctx.sweeper.stamp;
    stream.setCloseCallback(() => this.onStreamClose());
    // The server's graceful shutdown reaches us through the stream (an upgrade replaces it).
    stream.setDrainCallback(() => this.drain());
  }

  /** Begin serving (offers already-buffered bytes at once). */
  start(): void {
    this.consume(EMPTY, 0, 0);
  }

  /** Close the connection now (Tornado's `HTTP1ServerConnection.close`). */
  close(): void {
    if (this.state === DETACHED) return;
    this.stream.close();
  }

  /** True once closed or closing for good (ExchangeOwner). */
  isClosed(): boolean {
    return this.state >= CLOSING || this.stream.closed();
  }

  // ------------------------------------------------------------------ reading

  /** The data consumer: parse and dispatch as many requests as `buf[start, end)` holds. */
  private consume(buf: Buffer, start: number, end: number): number {
    if (this.corked) return 0;
    const state0 = this.state;
    if (state0 >= SWITCHED) {
      if (state0 === CLOSING) {
        if (!this.consuming) this.setConsuming(true);
        return end - start;
      }
      return 0;
    }
    this.corked = true;
    this.batchMs = -1;
    let pos = start;
    try {
      pos = this.parse(buf, start, end);
      if (this.body.length > 0 && this.state < RESPONSE) this.flushBodyBatch();
    } catch (err) {
      if (err instanceof HTTPInputError) this.inputError(err);
      else this.appError(err);
      pos = end;
    }
    this.corked = false;
    if (this.commitTarget !== null) this.commitCb();
    this.flushOut();
    const st = this.state;
    this.setConsuming((st < RESPONSE && !this.paused) || st === CLOSING);
    return pos - start;
  }

  private setConsuming(want: boolean): void {
    if (want === this.consuming || this.stream.closed() || this.state === DETACHED) return;
    this.consuming = want;
    this.offering = true;
    try {
      this.stream.setDataConsumer(want ? this.onData : null);
    } finally {
      this.offering = false;
    }
  }

  private parse(buf: Buffer, start: number, end: number): number {
    let pos = start;
    for (;;) {
      if (this.paused) return pos;
      switch (this.state) {
        case IDLE: {
          // Ignore empty lines before a request line (RFC 9112 §2.2).
          while (pos + 1 < end && buf[pos] === CR && buf[pos + 1] === LF) pos += 2;
          if (pos === end || (pos + 1 === end && buf[pos] === CR)) return pos;
          this.state = HEAD;
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
          pos = headEnd;
          this.startMessage();
          break;
        }
        case BODY_LENGTH: {
          const remaining = this.bodyRemaining;
          // setMaxBodySize() may have lowered the limit after headersReceived (an awaited
          // prepare): the declared length is checked again (review finding 11).
          if (this.bodyReceived + remaining > this.maxBodySize) {
            throw new HTTPInputError("Request body larger than maxBodySize", 413);
          }
          if (remaining === 0) {
            if (this.head.upgrade && this.corked) {
              // An upgrade request may detach the stream: hand it over only after the stream
              // has consumed exactly this request's bytes (outside this read handler).
              this.state = RESPONSE;
              this.ctx.sweeper.loop.addCallback(this.deferredFinishCb);
              return pos;
            }
            this.finishMessage();
            break;
          }
          if (pos === end) return pos;
          let n = end - pos;
          if (n > remaining) n = remaining;
          if (n > this.params.chunkSize) n = this.params.chunkSize;
          this.bodyRemaining = remaining - n;
          const s = pos;
          pos += n;
          this.onBody(buf, s, pos);
          break;
        }
        case BODY_CHUNKED: {
          const dec = this.chunked as ChunkedDecoder;
          if (dec.done) {
            this.finishMessage();
            break;
          }
          if (pos === end) return pos;
          const limit = end - pos > this.params.chunkSize ? pos + this.params.chunkSize : end;
          pos += dec.decode(buf, pos, limit, this);
          break;
        }
        default:
          return pos;
      }
    }
  }

  /** A head was parsed into `this.head`: set up the exchange and the body framing. */
  private startMessage(): void {
    const head = this.head;
    const params = this.params;
    const keepAlive =
      !params.noKeepAlive &&
      !this.draining &&
      !head.connectionClose &&
      (head.http11 || head.connectionKeepAlive);
    let remoteIp = this.remoteIp;
    let protocol = params.protocol ?? this.protocol;
    const raw = head.raw;
    let headers: HTTPHeaders | null = null;
    if (params.xheaders) {
      headers = HTTPHeaders.fromRaw(raw);
      const fwd = headers.get("X-Forwarded-For");
      let ip = remoteIp;
      if (fwd !== undefined) {
        const parts = fwd.split(",");
        for (let k = parts.length - 1; k >= 0; k--) {
          ip = parts[k].trim();
          if (!params.trustedDownstream.has(ip)) break;
        }
      }
      ip = headers.get("X-Real-Ip", ip);
      if (isIP(ip) !== 0) remoteIp = ip;
      let proto = headers.get("X-Scheme") ?? headers.get("X-Forwarded-Proto");
      if (proto !== undefined) {
        proto = proto.slice(proto.lastIndexOf(",") + 1).trim();
        if (proto === "http" || proto === "https") protocol = proto;
      }
    }
    this.gzip = false;
    if (params.decompress && head.gzip) {
      this.gzip = true;
      for (let k = 0; k < raw.length; k += 2) {
        if (raw[k].length === 16 && raw[k].toLowerCase() === "content-encoding") {
          raw[k] = "X-Consumed-Content-Encoding";
        }
      }
    }
    const ex = new HTTP1Connection(this, head.method, head.http11, keepAlive, remoteIp, protocol);
    if (this.draining) ex.draining = true;
    this.exchange = ex;
    // A fresh context per request; on the hot path (parsing what a read event brought) made
    // where we are, without a scope entry.
    const scope = this.readEntry
      ? this.makeRequestScope()
      : this.connScope.runInAsyncScope(this.makeRequestScope);
    this.scope = scope;
    if (requestStartChannel.hasSubscribers) {
      scope.runInAsyncScope(() =>
        requestStartChannel.publish({
          connection: ex,
          method: head.method,
          uri: head.uri,
          version: head.version,
          rawHeaders: raw,
          remoteIp,
        }),
      );
    }
    this.readDone = false;
    this.maxBodySize = params.maxBodySize;
    this.bodyTimeoutMs = params.bodyTimeoutMs;
    this.bodyReceived = 0;
    this.body.reset();
    this.decoder = null;
    this.decoderEnded = false;
    this.decoded.reset();
    this.servedOne = true;
    const cb = this.ctx.callback;
    if (cb !== null) {
      if (head.chunked || head.contentLength > 0) this.limitBufferedForm(raw);
      let t = this.batchMs;
      if (t < 0) {
        t = epochNowMs();
        this.batchMs = t;
      }
      presetRequestStartTime(t);
      const req = new HTTPServerRequest();
      req.method = head.method;
      req.uri = head.uri;
      req.version = head.version;
      req.rawHeaders = raw;
      if (headers !== null) req.headers = headers;
      req.remoteIp = remoteIp;
      req.protocol = protocol;
      req.connection = ex;
      req.formLimits = params.formLimits;
      this.request = req;
    } else {
      const delegate = this.ctx.delegate as HTTPServerConnectionDelegate<
        HTTP1ServerConnection,
        HTTP1Connection
      >;
      // One entry into the request's context for both calls.
      const ret = scope.runInAsyncScope(
        this.beginDelegate,
        this,
        delegate,
        ex,
        headers ?? HTTPHeaders.fromRaw(raw),
      );
      if (ret !== undefined && ret !== null && typeof ret.then === "function") this.pause(ret);
      if (this.state !== HEAD) return; // the delegate closed or detached the connection
    }
    if (head.chunked) {
      let dec = this.chunked;
      if (dec === null) {
        dec = new ChunkedDecoder();
        this.chunked = dec;
      }
      dec.reset(this.maxBodySize, params.maxHeaderSize);
      this.state = BODY_CHUNKED;
    } else {
      const cl = head.contentLength;
      if (cl > this.maxBodySize) {
        throw new HTTPInputError("Request body larger than maxBodySize", 413);
      }
      this.bodyRemaining = Math.max(cl, 0);
      if (cb !== null && cl > 0 && !this.gzip) {
        // Grows with what arrives, up to exactly the declared length: never more up front than
        // PREALLOCATE_LIMIT for a peer that declared a large body and sent nothing.
        this.body.reset(Math.min(cl, PREALLOCATE_LIMIT), cl);
      }
      this.state = BODY_LENGTH;
    }
    if (this.gzip && (head.chunked || head.contentLength > 0)) {
      this.decoder = new GzipBodyDecoder(
        this,
        Math.min(this.maxBodySize, params.maxDecompressedBodySize),
        params.chunkSize,
      );
    }
    this.phaseStart = this.ctx.sweeper.stamp;
    if (
      head.expectContinue &&
      head.http11 &&
      (head.chunked || head.contentLength > 0) &&
      !ex.responseStarted
    ) {
      this.emit(CONTINUE_100);
    }
  }

  /** Start the delegate's message for `ex` and hand it the head (inside the request's context). */
  private beginDelegate(
    delegate: HTTPServerConnectionDelegate<HTTP1ServerConnection, HTTP1Connection>,
    ex: HTTP1Connection,
    headers: HTTPHeaders,
  ): ReturnType<HTTPMessageDelegate["headersReceived"]> {
    const msg = delegate.startRequest(this, ex);
    this.msg = msg;
    this.msgDone = false;
    const head = this.head;
    return msg.headersReceived(
      { method: head.method, path: head.uri, version: head.version },
      headers,
    );
  }

  /** Body bytes `buf[s, e)` (valid only now): copied into the accumulator. */
  onBody(buf: Buffer, s: number, e: number): void {
    this.bodyReceived += e - s;
    if (this.ctx.callback === null && (this.msg === null || this.msgDone)) return;
    const acc = this.body;
    acc.append(buf, s, e);
    if (
      acc.length >= this.params.chunkSize &&
      !this.paused &&
      (this.ctx.callback === null || this.decoder !== null)
    ) {
      this.flushBodyBatch();
    }
  }

  /**
   * Hand the body bytes of this read batch on: to the gzip decoder, or in one `dataReceived` to
   * the delegate (a request callback's body just keeps accumulating). Not while paused: a
   * delegate gets no call before the promise of its previous one settled.
   */
  private flushBodyBatch(): void {
    if (this.paused) return;
    const dec = this.decoder;
    if (dec !== null) {
      if (this.body.length === 0) return;
      const wait = dec.write(this.body.take());
      if (wait !== null) this.pause(wait);
      return;
    }
    if (this.ctx.callback !== null) return;
    const msg = this.msg;
    const chunk = this.body.take();
    if (msg === null || this.msgDone || chunk.length === 0) return;
    const ret = this.scope.runInAsyncScope(msg.dataReceived, msg, chunk);
    if (ret !== undefined && ret !== null && typeof ret.then === "function") this.pause(ret);
  }

  /** DecodedBodySink: a decompressed piece of the body (outside the read handler). */
  onDecodedData(piece: Buffer): unknown {
    if (this.ctx.callback !== null) {
      this.decoded.append(piece, 0, piece.length);
      return undefined;
    }
    const msg = this.msg;
    if (msg === null || this.msgDone) return undefined;
    return this.scope.runInAsyncScope(msg.dataReceived, msg, piece);
  }

  /** DecodedBodySink: the gzip body was corrupt, too large, or the delegate failed on it. */
  onDecodeError(err: unknown): void {
    if (this.decoder === null) return;
    this.decoder = null;
    this.pauseFailCb(err);
  }

  /**
   * A request callback gets its body buffered and parsed: urlencoded and multipart bodies are
   * held to the smaller form limits (review finding 2).
   */
  private limitBufferedForm(raw: string[]): void {
    let ctype: string | undefined;
    for (let k = 0; k < raw.length; k += 2) {
      if (raw[k].length === 12 && raw[k].toLowerCase() === "content-type") {
        ctype = raw[k + 1];
        break;
      }
    }
    const kind = formKind(ctype);
    if (kind === 1) this.maxBodySize = Math.min(this.maxBodySize, this.params.maxFormBodySize);
    else if (kind === 2) {
      this.maxBodySize = Math.min(this.maxBodySize, this.params.maxMultipartBodySize);
    }
  }

  /** ChunkSink: decoded chunk data. */
  onChunkData(buf: Buffer, start: number, end: number): void {
    this.onBody(buf, start, end);
  }

  private pause(p: PromiseLike<void>): void {
    this.paused = true;
    p.then(this.unpauseCb, this.pauseFailCb);
  }

  /** The whole request was read: hand it over (after the gzip decoder, if any, finished). */
  private finishMessage(): void {
    const dec = this.decoder;
    if (dec !== null && !this.decoderEnded) {
      this.flushBodyBatch();
      if (this.paused) return; // the decoder wants to drain first; parse() comes back here
      this.decoderEnded = true;
      this.pause(dec.end());
      return;
    }
    if (dec === null) {
      this.flushBodyBatch();
      if (this.paused) return; // the delegate's last dataReceived runs first; parse() comes back
    }
    this.decoder = null;
    this.readDone = true;
    this.state = RESPONSE;
    const ex = this.exchange as HTTP1Connection;
    const req = this.request;
    if (req !== null) {
      let body: Buffer;
      if (this.gzip) {
        body = this.decoded.take();
      } else {
        body = this.body.take();
      }
      req.body = body;
      const cb = this.ctx.callback as RequestCallback;
      let ret: unknown;
      try {
        ret = this.scope.runInAsyncScope(cb, undefined, req);
      } catch (err) {
        this.callbackError(err);
        return;
      }
      if (
        ret !== undefined &&
        ret !== null &&
        typeof (ret as PromiseLike<unknown>).then === "function"
      ) {
        (ret as PromiseLike<unknown>).then(undefined, (err: unknown) => {
          if (this.exchange === ex) this.callbackError(err);
          else this.ctx.logger.error({ err }, "Uncaught exception in HTTP request callback");
        });
      }
    } else {
      const msg = this.msg as HTTPMessageDelegate;
      try {
        if (this.msgDone) return;
        this.msgDone = true;
        this.scope.runInAsyncScope(msg.finish, msg);
      } catch (err) {
        this.appError(err);
        return;
      }
    }
    if (ex.finished && this.state === RESPONSE && this.exchange === ex) this.nextRequest();
  }

  /**
   * A request callback threw: an HTTPInputError (a body that does not parse as the form it
   * claims, met when the callback read its arguments) is the peer's fault and gets its status.
   */
  private callbackError(err: unknown): void {
    if (err instanceof HTTPInputError) {
      const ex = this.exchange;
      if (ex === null || !ex.responseStarted) {
        this.inputError(err);
        return;
      }
    }
    this.appError(err);
  }

  /** Ready for the next request on this connection. */
  private nextRequest(): void {
    this.exchange = null;
    this.msg = null;
    this.request = null;
    this.state = IDLE;
    this.phaseStart = this.ctx.sweeper.stamp;
    this.scanned = 0;
    // Backpressure on pipelining: while more than the high-water mark of earlier responses waits
    // for the peer to read, leave the next request in the kernel (review finding 3).
    if (
      this.stream.writeBufferSize + this.output.pendingLength + this.outBytes >=
      PIPELINE_HIGH_WATER_MARK
    ) {
      if (this.commitTarget !== null) this.commitCb();
      this.flushOut();
      if (this.stream.writing() && !this.stream.closed()) {
        this.paused = true;
        this.lastWrite.then(this.unpauseCb, this.closeCb);
        return;
      }
    }
    if (!this.corked) {
      this.flushOut();
      this.ctx.sweeper.loop.addCallback(this.resumeCb);
    }
  }

  // ------------------------------------------------------------------ errors and timeouts

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
    this.abandonMessage(err.statusCode);
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
    this.msgDone = true;
    this.abandonMessage(500);
  }

  private abandonMessage(status: number): void {
    this.dropBody();
    const msg = this.msg;
    if (msg !== null && !this.msgDone) {
      this.msgDone = true;
      try {
        this.scope.runInAsyncScope(msg.onConnectionClose, msg);
      } catch (e) {
        this.ctx.logger.error({ err: e }, "Exception in onConnectionClose");
      }
    }
    const ex = this.exchange;
    if (ex === null || !ex.responseStarted) this.emit(errorResponse(status));
    this.startClosing();
  }

  private startClosing(): void {
    if (this.state >= CLOSING) return;
    this.state = CLOSING;
    this.closeAfterFlush = true;
    if (!this.corked) {
      this.flushOut();
      this.setConsuming(true);
    }
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
      this.startClosing();
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
    }
    if (this.paused) return;
    const elapsed = now - this.phaseStart;
    switch (this.state) {
      case IDLE:
        if (elapsed >= (this.servedOne ? p.idleConnectionTimeoutMs : p.headerTimeoutMs)) {
          this.stream.close();
        }
        break;
      case HEAD:
        if (elapsed >= p.headerTimeoutMs) {
          this.inputError(new HTTPInputError("Timed out reading the request head", 408));
        }
        break;
      case BODY_LENGTH:
      case BODY_CHUNKED:
        if (elapsed >= this.bodyTimeoutMs) {
          this.inputError(new HTTPInputError("Timed out reading the request body", 408));
        }
        break;
    }
  }

  // ------------------------------------------------------------------ ExchangeOwner

  append(data: Uint8Array): void {
    const n = data.length;
    if (n === 0) return;
    if (n < COPY_LIMIT) {
      this.output.bytes(data);
      return;
    }
    const o = this.output;
    if (o.pendingLength > 0) {
      this.outBytes += o.pendingLength;
      this.out.push(o.takePending());
    }
    this.out.push(data);
    this.outBytes += n;
  }

  flush(): Promise<void> {
    return this.corked ? RESOLVED : this.flushOut();
  }

  emit(data: Uint8Array): Promise<void> {
    this.append(data);
    return this.corked ? RESOLVED : this.flushOut();
  }

  scheduleCommit(exchange: HTTP1Connection): void {
    if (this.commitTarget === exchange) return;
    this.commitTarget = exchange;
    // While corked, the end of the read handler commits; otherwise the end of this tick does.
    if (!this.corked) this.ctx.sweeper.loop.addCallback(this.commitCb);
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
    const req = this.request;
    if (req !== null) req.finishTime = epochNowMs();
    if (this.state >= CLOSING) {
      if (!this.corked) this.flushOut();
      return;
    }
    if (exchange.switched) {
      this.state = SWITCHED;
      if (!this.corked) this.flushOut();
      return;
    }
    if (exchange.closeAfter || this.draining) {
      this.startClosing();
      return;
    }
    if (this.readDone) this.nextRequest();
    else if (!this.corked) this.flushOut();
  }

  abort(reason: Error): void {
    this.ctx.logger.debug({ err: reason }, "closing HTTP connection");
    this.startClosing();
  }

  detach(): IOStream | SSLIOStream {
    if (this.state === DETACHED) throw new TypeError("the connection was already detached");
    if (this.commitTarget !== null) this.commitCb();
    this.flushOut();
    this.state = DETACHED;
    if (this.consuming) {
      this.consuming = false;
      this.stream.setDataConsumer(null);
    }
    this.stream.setCloseCallback(null);
    this.stream.setDrainCallback(null);
    this.ctx.sweeper.delete(this);
    return this.stream;
  }

  setMaxBodySize(bytes: number): void {
    this.maxBodySize = bytes;
    if (this.chunked !== null) this.chunked.maxBodySize = bytes;
    this.decoder?.setMaxOutputBytes(Math.min(bytes, this.params.maxDecompressedBodySize));
    // A Content-Length body is checked against the new limit when reading resumes (parse()).
  }

  setBodyTimeout(ms: number): void {
    this.bodyTimeoutMs = ms;
  }

  // ------------------------------------------------------------------ output

  /** Hand queued output to the stream: one write for what was composed in the output buffer. */
  private flushOut(): Promise<void> {
    const o = this.output;
    const out = this.out;
    const stream = this.stream;
    let p = RESOLVED;
    if (out.length === 0) {
      if (o.pendingLength > 0) {
        const view = o.takePending();
        if (!stream.closed()) p = this.settled(stream.write(view));
      }
    } else {
      if (o.pendingLength > 0) out.push(o.takePending());
      if (!stream.closed()) {
        for (let k = 0; k < out.length; k++) p = this.settled(stream.write(out[k]));
      }
      out.length = 0;
      this.outBytes = 0;
    }
    o.release(this.reuseOutput && !stream.writing());
    if (this.closeAfterFlush && this.state === CLOSING) {
      this.closeAfterFlush = false;
      if (stream.writing()) this.lastWrite.then(this.closeCb, this.closeCb);
      else this.ctx.sweeper.loop.addCallback(this.closeCb);
    }
    return p;
  }

  /** A write's promise: RESOLVED when the kernel took everything, else remembered and marked handled. */
  private settled(p: Promise<void>): Promise<void> {
    if (p === this.streamResolved) return RESOLVED;
    // A write that failed (queue over maxWriteBufferSize, stream gone) must not leave a gap in
    // the byte stream that later responses would fill: close the connection.
    p.catch(this.closeCb);
    this.lastWrite = p;
    return p;
  }

  /** Forget the body being read (the message was abandoned or the connection closed). */
  private dropBody(): void {
    this.body.reset();
    this.decoded.reset();
    const dec = this.decoder;
    this.decoder = null;
    if (dec !== null) dec.destroy();
  }

  private onStreamClose(): void {
    if (this.state === DETACHED) return;
    this.state = CLOSED;
    this.dropBody();
    this.ctx.sweeper.delete(this);
    const msg = this.msg;
    if (msg !== null && !this.msgDone) {
      this.msgDone = true;
      try {
        this.scope.runInAsyncScope(msg.onConnectionClose, msg);
      } catch (err) {
        this.ctx.logger.error({ err }, "Exception in onConnectionClose");
      }
    }
    const ex = this.exchange;
    if (ex !== null && !ex.finished) {
      try {
        ex.connectionClosed();
      } catch (err) {
        this.ctx.logger.error({ err }, "Exception in a connection close callback");
      }
    }
    const onClose = this.ctx.delegate?.onClose;
    if (onClose !== undefined) {
      try {
        onClose.call(this.ctx.delegate, this);
      } catch (err) {
        this.ctx.logger.error({ err }, "Exception in onClose");
      }
    }
  }
}
