// HTTP1Connection: the response side of one request/response exchange on an HTTP/1.x connection.

import { STATUS_CODES } from "node:http";
import type { IOStream, SSLIOStream } from "@t/iostream";
import { isSafeFieldValue } from "./char-classes.js";
import { currentDateLineEnd } from "./date-header.js";
import type { HTTPConnection } from "./delegates.js";
import { HTTPConnectionClosedError, HTTPOutputError } from "./errors.js";
import { HTTPHeaders, type HTTPHeadersInit } from "./http-headers.js";
import type { HTTP1ConnectionParameters } from "./http-server-options.js";
import { COPY_LIMIT, type OutputBuffer } from "./output-buffer.js";
import { RESOLVED, rejectedHandled } from "./resolved.js";
import type { ResponseStartLine } from "./start-line.js";

const EMPTY = Buffer.alloc(0);
const CRLF = Buffer.from("\r\n", "latin1");
const LAST_CHUNK = Buffer.from("0\r\n\r\n", "latin1");
const TE_CHUNKED = Buffer.from("Transfer-Encoding: chunked\r\n", "latin1");
const CONNECTION_CLOSE = Buffer.from("Connection: close\r\n", "latin1");
const CONNECTION_KEEP_ALIVE = Buffer.from("Connection: keep-alive\r\n", "latin1");

/** Status lines (`HTTP/1.1 200 OK\r\n`) by code, with the reason they were made for. */
const statusLines: (Buffer | undefined)[] = new Array(1000).fill(undefined);
const statusReasons: (string | undefined)[] = new Array(1000).fill(undefined);

/** The status line bytes of `code` and `reason` (already validated), cached per code. */
function statusLine(code: number, reason: string): Buffer {
  let line = statusLines[code];
  if (line === undefined || statusReasons[code] !== reason) {
    line = Buffer.from(`HTTP/1.1 ${code} ${reason}\r\n`, "latin1");
    statusLines[code] = line;
    statusReasons[code] = reason;
  }
  return line;
}

/** The parts of the server connection an exchange writes through (implemented by HTTP1ServerConnection). */
export interface ExchangeOwner {
  /** Whether the stream is closed (or the connection is closing for good). */
  isClosed(): boolean;
  /** Where responses are composed and handed to the stream (`append`, `flush`, `emit`). */
  readonly output: OutputBuffer;
  /** Commit uncommitted headers of `exchange` at the end of this tick. */
  scheduleCommit(exchange: HTTP1Connection): void;
  /** The exchange's response finished. */
  onResponseFinished(exchange: HTTP1Connection): void;
  /** Close the connection (after flushing what is queued). */
  abort(reason: Error): void;
  /** Hand the stream over to the caller and stop serving HTTP on it. */
  detach(): IOStream | SSLIOStream;
  /** The server's validated options. */
  readonly params: HTTP1ConnectionParameters;
  /** Per-exchange body limits (set by setMaxBodySize / setBodyTimeout). */
  setMaxBodySize(bytes: number): void;
  setBodyTimeout(ms: number): void;
}

/**
 * One request/response exchange (Tornado's `HTTP1Connection`, server side): the application
 * answers through `writeHeaders`, `write` and `finish`. Headers wait until the first flush, so a
 * response finished in the same tick gets a Content-Length and leaves in one write with its
 * body; otherwise an HTTP/1.1 response without Content-Length is sent chunked.
 *
 * `writeHeaders` and `write` return Promises that resolve when the bytes were handed to the
 * stream (later, under backpressure); they never cause unhandled rejections if ignored.
 */
export class HTTP1Connection implements HTTPConnection {
  /** The request method (HEAD responses carry no body). */
  readonly method: string;
  /** True when the request was HTTP/1.1. */
  readonly http11: boolean;
  /** The client's address (after xheaders). */
  remoteIp: string;
  /** "http" or "https" (after xheaders). */
  protocol: string;

  private readonly owner: ExchangeOwner;
  /** The request allows keeping the connection (version, Connection header, noKeepAlive). */
  private keepAlive: boolean;
  private headersPending = false;
  private committed = false;
  private finishedFlag = false;
  private code = 0;
  private reason = "";
  private headers: HTTPHeaders | null = null;
  /** Body bytes written before the head was committed: the first piece, then any others. */
  private pendingFirst: Uint8Array | null = null;
  private pendingRest: Uint8Array[] | null = null;
  private pendingLength = 0;
  private chunking = false;
  private noBody = false;
  /** Bytes still owed by a declared Content-Length; -1 when not declared. */
  private expectedRemaining = -1;
  /** The connection closes after this response. */
  closeAfter = false;
  /** A 101 response switched protocols. */
  switched = false;
  /** Response body bytes handed to the connection so far (not counting chunk framing). */
  bodyBytes = 0;
  private closeCallback: (() => void) | null = null;
  private drainCallback: (() => void) | null = null;
  /** The server began a graceful shutdown while this exchange was in flight. */
  draining = false;
  /**
   * @internal The request this exchange answers, when the server made it (a request callback's
   * `HTTPServerRequest`): its `finishTime` is set when the response finishes.
   */
  request: { finishTime: number } | null = null;

  /** The status code of the response (0 until `writeHeaders`). */
  get statusCode(): number {
    return this.code;
  }

  constructor(
    owner: ExchangeOwner,
    method: string,
    http11: boolean,
    keepAlive: boolean,
    remoteIp: string,
    protocol: string,
  ) {
    this.owner = owner;
    this.method = method;
    this.http11 = http11;
    this.keepAlive = keepAlive;
    this.remoteIp = remoteIp;
    this.protocol = protocol;
  }
  /**
   * @internal Answer this request with `Connection: close` (the server is shutting down);
   * takes effect if the response head was not written yet.
   */
  refuseKeepAlive(): void {
    this.keepAlive = false;
  }

  /** The server's validated options (limits a delegate that buffers the body applies). */
  get params(): HTTP1ConnectionParameters {
    return this.owner.params;
  }

  /** True once `finish()` was called. */
  get finished(): boolean {
    return this.finishedFlag;
  }

  /** True once the response head went out (or was queued for the stream). */
  get headersWritten(): boolean {
    return this.committed;
  }

  /** True once `writeHeaders` was called for the final response. */
  get responseStarted(): boolean {
    return this.headersPending || this.committed;
  }

  /**
   * Start the response. A 1xx code (other than 101) is an interim response sent at once; the
   * final response may follow. `chunk` is the first piece of the body. Throws HTTPOutputError
   * when the final headers were already written or the exchange finished.
   */
  writeHeaders(
    startLine: ResponseStartLine,
    headers?: HTTPHeaders | HTTPHeadersInit,
    chunk?: Uint8Array | string,
  ): Promise<void> {
    if (this.finishedFlag) throw new HTTPOutputError("writeHeaders() after finish()");
    if (this.headersPending || this.committed) {
      throw new HTTPOutputError("writeHeaders() called twice for one response");
    }
    if (startLine === null || typeof startLine !== "object") {
      throw new TypeError("writeHeaders expects a start line { code, reason? }");
    }
    const code = startLine.code;
    if (!Number.isInteger(code) || code < 100 || code > 999) {
      throw new RangeError(`status code must be an integer in 100..999, got ${String(code)}`);
    }
    const reason = startLine.reason ?? STATUS_CODES[code] ?? "Unknown";
    if (
      reason !== statusReasons[code] &&
      (typeof reason !== "string" || !isSafeFieldValue(reason))
    ) {
      throw new TypeError("reason must be a latin1 string without CR, LF or NUL");
    }
    const h =
      headers instanceof HTTPHeaders
        ? headers
        : headers === undefined
          ? new HTTPHeaders()
          : new HTTPHeaders(headers);
    if (this.owner.isClosed()) return rejectedHandled(closedError());
    if (code < 200 && code !== 101) {
      if (chunk !== undefined && toBytes(chunk).length > 0) {
        throw new HTTPOutputError(`a ${code} interim response has no body`);
      }
      return this.owner.output.emit(
        Buffer.from(`HTTP/1.1 ${code} ${reason}\r\n${h.serialize()}\r\n`, "latin1"),
      );
    }
    this.code = code;
    this.reason = reason;
    this.headers = h;
    this.headersPending = true;
    this.noBody = this.method === "HEAD" || code === 204 || code === 304 || code === 101;
    if (chunk !== undefined) this.queue(toBytes(chunk));
    this.owner.scheduleCommit(this);
    return RESOLVED;
  }

  /** Write a piece of the body (chunk-encoded when the response is chunked). */
  write(chunk: Uint8Array | string): Promise<void> {
    if (this.finishedFlag) throw new HTTPOutputError("write() after finish()");
    if (!this.headersPending && !this.committed) {
      throw new HTTPOutputError("write() before writeHeaders()");
    }
    const data = toBytes(chunk);
    if (this.owner.isClosed()) return rejectedHandled(closedError());
    if (!this.committed) {
      this.queue(data);
      return RESOLVED;
    }
    return this.writeBody(data, true);
  }

  /** End the response. Throws HTTPOutputError when fewer bytes than a declared Content-Length were written. */
  finish(): void {
    if (this.finishedFlag) throw new HTTPOutputError("finish() called twice");
    if (!this.headersPending && !this.committed) {
      throw new HTTPOutputError("finish() before writeHeaders()");
    }
    this.finishedFlag = true;
    if (this.owner.isClosed()) {
      this.owner.onResponseFinished(this);
      return;
    }
    try {
      if (!this.committed) this.commit(true);
      else if (this.chunking) {
        this.owner.output.append(LAST_CHUNK);
        this.owner.output.flush();
      }
    } catch (err) {
      this.owner.abort(err as Error);
      this.owner.onResponseFinished(this);
      throw err;
    }
    if (this.expectedRemaining > 0 && !this.noBody) {
      const err = new HTTPOutputError(
        `Tried to write ${this.expectedRemaining} bytes less than Content-Length`,
      );
      this.owner.abort(err);
      this.owner.onResponseFinished(this);
      throw err;
    }
    this.owner.onResponseFinished(this);
  }

  /** Run `callback` if the connection closes before this exchange is finished (Tornado's set_close_callback). */
  setCloseCallback(callback: (() => void) | null): void {
    if (callback !== null && typeof callback !== "function") {
      throw new TypeError("setCloseCallback expects a function or null");
    }
    this.closeCallback = callback;
  }

  /**
   * Run `callback` once when the server begins a graceful shutdown while this exchange is in
   * flight — at once if it already did (`draining`). A long poll uses it to answer now instead
   * of holding the shutdown until its deadline. The connection closes after this response.
   */
  setDrainCallback(callback: (() => void) | null): void {
    if (callback !== null && typeof callback !== "function") {
      throw new TypeError("setDrainCallback expects a function or null");
    }
    this.drainCallback = callback;
    if (callback !== null && this.draining) this.notifyDrain();
  }

  /** @internal The server is shutting down: refuse keep-alive, tell the application. */
  notifyDrain(): void {
    this.draining = true;
    this.refuseKeepAlive();
    const cb = this.drainCallback;
    this.drainCallback = null;
    if (cb !== null) cb();
  }

  /** Limit the body of this request (call from headersReceived; Tornado's set_max_body_size). */
  setMaxBodySize(bytes: number): void {
    if (!Number.isInteger(bytes) || bytes < 0) {
      throw new RangeError(`maxBodySize must be a non-negative integer, got ${bytes}`);
    }
    this.owner.setMaxBodySize(bytes);
  }

  /** Time allowed for the body of this request in ms (Tornado's set_body_timeout). */
  setBodyTimeout(ms: number): void {
    if (typeof ms !== "number" || !(ms > 0)) {
      throw new RangeError(`bodyTimeoutMs must be a positive number, got ${ms}`);
    }
    this.owner.setBodyTimeout(ms);
  }

  /**
   * Take over the stream (e.g. after a 101 response for WebSocket): HTTP processing stops, the
   * server forgets the connection, and bytes after this request stay buffered in the stream.
   */
  detach(): IOStream | SSLIOStream {
    return this.owner.detach();
  }

  /** @internal The connection closed: run the close callback once. */
  connectionClosed(): void {
    const cb = this.closeCallback;
    this.closeCallback = null;
    if (cb !== null) cb();
  }

  /** @internal Commit pending headers now if they are still pending (end of tick). */
  commitPending(): void {
    if (this.headersPending && !this.committed && !this.owner.isClosed()) this.commit(false);
  }

  private queue(data: Uint8Array): void {
    if (data.length === 0) return;
    if (this.pendingFirst === null) this.pendingFirst = data;
    else if (this.pendingRest === null) this.pendingRest = [data];
    else this.pendingRest.push(data);
    this.pendingLength += data.length;
  }

  /**
   * Frame `data` as body bytes (chunk-encoded when chunking). With `wait`, hand everything to the
   * stream and return when it reached the kernel; without, leave it composed for the caller's
   * `flush()`.
   */
  private writeBody(data: Uint8Array, wait: boolean): Promise<void> {
    const n = data.length;
    if (n === 0) return RESOLVED;
    if (this.noBody) {
      if (this.method === "HEAD") return RESOLVED;
      throw new HTTPOutputError(`a ${this.code} response has no body`);
    }
    if (this.expectedRemaining !== -1) {
      this.expectedRemaining -= n;
      if (this.expectedRemaining < 0) {
        const err = new HTTPOutputError("Tried to write more data than Content-Length");
        this.owner.abort(err);
        throw err;
      }
    }
    this.bodyBytes += n;
    const out = this.owner.output;
    if (this.chunking) {
      out.latin1(n.toString(16));
      out.bytes(CRLF);
      out.append(data);
      if (wait) return out.emit(CRLF);
      out.bytes(CRLF);
      return RESOLVED;
    }
    if (wait) return out.emit(data);
    out.append(data);
    return RESOLVED;
  }

  /**
   * Compose the head into the owner's output buffer; with `final`, the whole body is known and
   * goes in the same write. Validates first, so that nothing is composed when it throws.
   */
  private commit(final: boolean): void {
    this.committed = true;
    this.headersPending = false;
    const code = this.code;
    const list = (this.headers as HTTPHeaders).raw;
    const n = list.length;
    let userLength = -1;
    let hasTE = false;
    let teChunked = false;
    let hasDate = false;
    let userClose = false;
    let hasConnection = false;
    for (let i = 0; i < n; i += 2) {
      const name = list[i];
      switch (name.length) {
        case 4:
          if (name.toLowerCase() === "date") hasDate = true;
          break;
        case 10:
          if (name.toLowerCase() === "connection") {
            hasConnection = true;
            if (hasCloseToken(list[i + 1])) userClose = true;
          }
          break;
        case 14:
          if (name.toLowerCase() === "content-length") {
            const value = list[i + 1];
            const v = parseLength(value);
            if (v === -1 || (userLength !== -1 && userLength !== v)) {
              throw new HTTPOutputError(`invalid Content-Length header: ${JSON.stringify(value)}`);
            }
            userLength = v;
          }
          break;
        case 17:
          if (name.toLowerCase() === "transfer-encoding") {
            hasTE = true;
            teChunked = finalCodingIsChunked(list[i + 1]);
          }
          break;
      }
    }
    const noBody = this.noBody;
    const bodyLength = this.pendingLength;
    if ((code === 204 || code === 304 || code === 101) && bodyLength > 0) {
      throw new HTTPOutputError(`a ${code} response has no body`);
    }
    // A Transfer-Encoding set by the application (a mounted Node app does this) is framed by us
    // as node:http does: a final `chunked` coding is chunk-encoded here, Content-Length beside it
    // is dropped (RFC 9112 §6.2), HTTP/1.0 gets no Transfer-Encoding, and any other final coding
    // is delimited by closing the connection (RFC 9112 §6.1). Review finding 4.
    let dropTE = false;
    let dropLength = false;
    let userChunked = false;
    if (hasTE && !noBody) {
      if (userLength !== -1) {
        dropLength = true;
        userLength = -1;
      }
      if (!this.http11) dropTE = true;
      else if (teChunked) userChunked = true;
    }
    let delimited = noBody || userChunked || userLength !== -1;
    let addLength = -1;
    if (final && !delimited && (!hasTE || dropTE || noBody)) {
      addLength = bodyLength;
      delimited = true;
    } else if (final && this.method === "HEAD" && userLength === -1 && !hasTE && bodyLength > 0) {
      addLength = bodyLength;
    }
    const chunking = userChunked || (!final && !delimited && this.http11);
    this.chunking = chunking;
    if (chunking) delimited = true;
    this.expectedRemaining = noBody ? -1 : userLength;
    const closeAfter = !this.keepAlive || userClose || !delimited;
    this.closeAfter = closeAfter;
    if (code === 101) this.switched = true;
    const first = this.pendingFirst;
    const rest = this.pendingRest;
    this.pendingFirst = null;
    this.pendingRest = null;
    this.pendingLength = 0;
    const withBody = first !== null && !noBody;
    if (withBody && !chunking && this.expectedRemaining !== -1) {
      this.expectedRemaining -= bodyLength;
      if (this.expectedRemaining < 0) {
        const err = new HTTPOutputError("Tried to write more data than Content-Length");
        this.owner.abort(err);
        throw err;
      }
    }
    // ---- compose: status line, fields, framing, Date and the empty line, then the body
    const out = this.owner.output;
    out.bytes(statusLine(code, this.reason));
    if (dropTE || dropLength) {
      for (let i = 0; i < n; i += 2) {
        const lower = list[i].toLowerCase();
        if (dropTE && lower === "transfer-encoding") continue;
        if (dropLength && lower === "content-length") continue;
        out.field(list[i], list[i + 1]);
      }
    } else {
      for (let i = 0; i < n; i += 2) out.field(list[i], list[i + 1]);
    }
    if (addLength !== -1) out.contentLength(addLength);
    if (chunking && !userChunked) out.bytes(TE_CHUNKED);
    if (!hasConnection && code !== 101) {
      if (closeAfter) {
        if (this.http11) out.bytes(CONNECTION_CLOSE);
      } else if (!this.http11) {
        out.bytes(CONNECTION_KEEP_ALIVE);
      }
    }
    out.bytes(hasDate ? CRLF : currentDateLineEnd());
    if (withBody) {
      if (chunking) {
        this.writeBody(first, false);
        if (rest !== null) for (const p of rest) this.writeBody(p, false);
        if (final) out.bytes(LAST_CHUNK);
        out.flush();
        return;
      }
      this.bodyBytes += bodyLength;
      if (bodyLength < COPY_LIMIT) {
        out.bytes(first);
        if (rest !== null) for (const p of rest) out.bytes(p);
      } else {
        out.append(first);
        if (rest !== null) for (const p of rest) out.append(p);
      }
    }
    if (final && chunking) out.bytes(LAST_CHUNK);
    out.flush();
  }
}

/** True when the last coding listed in a Transfer-Encoding value is `chunked`. */
function finalCodingIsChunked(value: string): boolean {
  const last = value.slice(value.lastIndexOf(",") + 1).trim();
  return last.length === 7 && last.toLowerCase() === "chunked";
}

/** True when a Connection field value lists the `close` token (case-insensitive). */
function hasCloseToken(value: string): boolean {
  const n = value.length;
  let i = 0;
  while (i < n) {
    while (i < n && isSpace(value.charCodeAt(i))) i++;
    const s = i;
    while (i < n && value.charCodeAt(i) !== 0x2c) i++;
    let e = i;
    while (e > s && isSpace(value.charCodeAt(e - 1))) e--;
    if (
      e - s === 5 &&
      (value.charCodeAt(s) | 0x20) === 0x63 &&
      (value.charCodeAt(s + 1) | 0x20) === 0x6c &&
      (value.charCodeAt(s + 2) | 0x20) === 0x6f &&
      (value.charCodeAt(s + 3) | 0x20) === 0x73 &&
      (value.charCodeAt(s + 4) | 0x20) === 0x65
    ) {
      return true;
    }
    i++;
  }
  return false;
}

/** What a regex's `\s` matches (CR and LF cannot occur in a field value). */
function isSpace(c: number): boolean {
  if (c < 0x80) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  return (
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/** A Content-Length value of 1 to 15 digits as a number, else -1. */
function parseLength(value: string): number {
  const n = value.length;
  if (n === 0 || n > 15) return -1;
  let v = 0;
  for (let i = 0; i < n; i++) {
    const d = value.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

function toBytes(chunk: Uint8Array | string): Uint8Array {
  if (typeof chunk === "string") return chunk.length === 0 ? EMPTY : Buffer.from(chunk);
  if (chunk instanceof Uint8Array) return chunk;
  throw new TypeError("body chunks must be strings, Buffers or Uint8Arrays");
}

function closedError(): HTTPConnectionClosedError {
  return new HTTPConnectionClosedError("the connection was closed before the response was written");
}
