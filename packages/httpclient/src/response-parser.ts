// ResponseParser: the byte-level framing of one response at a time (head, then body per RFC 9112 §6.3).

import { ChunkedDecoder, type ChunkSink, findHeadEnd } from "@t/httpserver";
import { errorCode } from "@t/ioloop";
import { HTTPMalformedResponseError, HTTPResponseTooLargeError } from "./errors.js";
import { MAX_INTERIM_RESPONSES } from "./limits.js";
import { BodyFraming, parseResponseHead, type ResponseHead } from "./response-head.js";

/** Receives one response from the parser, in order: interim heads, the head, data, the end. */
export interface ResponseSink {
  /** A 1xx interim response (100 Continue, 103 Early Hints). */
  onInterim(code: number): void;
  /** The final response head. */
  onResponseHead(head: ResponseHead): void;
  /** Body bytes `buf[start, end)` (de-chunked, still content-encoded); valid only during the call. */
  onBodyData(buf: Buffer, start: number, end: number): void;
  /** The body is complete. */
  onResponseEnd(): void;
  /** While true the parser stops after the current piece (the consumer applies backpressure). */
  readonly paused: boolean;
}

const IDLE = 0;
const HEAD = 1;
const BODY_LENGTH = 2;
const BODY_CHUNKED = 3;
const BODY_CLOSE = 4;
const DONE = 5;

/**
 * Parses the responses of one connection, one at a time: `expect(method, …)` before each, then
 * `feed` bytes as they arrive. The head is searched from where the last search stopped, so a
 * head sent a byte at a time costs linear work; it may hold at most `maxHeaderSize` bytes.
 * Throws HTTPMalformedResponseError or HTTPResponseTooLargeError; the caller closes the
 * connection.
 */
export class ResponseParser implements ChunkSink {
  private state = IDLE;
  private method = "GET";
  private scanned = 0;
  private interim = 0;
  private remaining = 0;
  private bodyBytes = 0;
  private maxBodySize = Number.POSITIVE_INFINITY;
  private maxTrailerSize = 0;
  private readonly chunked = new ChunkedDecoder();
  private sink: ResponseSink | null = null;
  /** Bytes of this response seen so far (0: the server has said nothing yet). */
  seen = 0;

  constructor(private readonly maxHeaderSize: number) {}

  /** Get ready for the response to a `method` request. `maxBodySize` bounds the raw body. */
  expect(method: string, sink: ResponseSink, maxBodySize: number, maxTrailerSize: number): void {
    this.state = HEAD;
    this.method = method;
    this.sink = sink;
    this.scanned = 0;
    this.interim = 0;
    this.bodyBytes = 0;
    this.seen = 0;
    this.maxBodySize = maxBodySize;
    this.maxTrailerSize = maxTrailerSize;
  }

  /** True when no response is expected or the last one is complete. */
  get idle(): boolean {
    return this.state === IDLE || this.state === DONE;
  }

  /** True while the body is delimited by the connection closing. */
  get untilClose(): boolean {
    return this.state === BODY_CLOSE;
  }

  /** Parse from `buf[start, end)`; returns the bytes consumed (it stops at the end of the response). */
  feed(buf: Buffer, start: number, end: number): number {
    const sink = this.sink as ResponseSink;
    let i = start;
    // In HEAD state `i` is where the head starts; `scanned` counts the bytes searched after it.
    while (i < end) {
      switch (this.state) {
        case HEAD: {
          const from = i + Math.max(0, this.scanned - 3);
          const headEnd = findHeadEnd(buf, from, end);
          if (headEnd === -1) {
            // A complete head is checked by the strict parsers; an incomplete one that can
            // never become valid fails now rather than at a timeout.
            if (hasBareLineBreak(buf, i, i + this.scanned, end)) {
              throw new HTTPMalformedResponseError("bare CR or LF in the response head");
            }
            this.seen += end - i - this.scanned;
            this.scanned = end - i;
            if (!startsLikeStatusLine(buf, i, end)) {
              throw new HTTPMalformedResponseError("response does not start with HTTP/1.x");
            }
            if (end - i > this.maxHeaderSize) {
              throw new HTTPResponseTooLargeError(
                `response head larger than maxHeaderSize (${this.maxHeaderSize} bytes)`,
                "maxHeaderSize",
              );
            }
            return i - start;
          }
          if (headEnd - i > this.maxHeaderSize) {
            throw new HTTPResponseTooLargeError(
              `response head larger than maxHeaderSize (${this.maxHeaderSize} bytes)`,
              "maxHeaderSize",
            );
          }
          this.seen += headEnd - i;
          const head = parseResponseHead(buf, i, headEnd, this.method);
          i = headEnd;
          this.scanned = 0;
          if (head.code < 200) {
            if (head.code === 101) {
              throw new HTTPMalformedResponseError("unexpected 101 Switching Protocols");
            }
            if (++this.interim > MAX_INTERIM_RESPONSES) {
              throw new HTTPMalformedResponseError(
                `more than ${MAX_INTERIM_RESPONSES} interim (1xx) responses`,
              );
            }
            sink.onInterim(head.code);
            continue;
          }
          switch (head.framing) {
            case BodyFraming.Length:
              if (head.contentLength > this.maxBodySize) {
                throw new HTTPResponseTooLargeError(
                  `Content-Length ${head.contentLength} exceeds maxBodySize (${this.maxBodySize} bytes)`,
                );
              }
              this.remaining = head.contentLength;
              this.state = BODY_LENGTH;
              break;
            case BodyFraming.Chunked:
              this.chunked.reset(this.maxBodySize, this.maxTrailerSize);
              this.state = BODY_CHUNKED;
              break;
            case BodyFraming.Close:
              this.state = BODY_CLOSE;
              break;
            default:
              this.state = DONE;
          }
          sink.onResponseHead(head);
          if (this.state === DONE) {
            sink.onResponseEnd();
            return i - start;
          }
          if (sink.paused) return i - start;
          break;
        }
        case BODY_LENGTH: {
          const n = Math.min(this.remaining, end - i);
          this.remaining -= n;
          this.seen += n;
          const s = i;
          i += n;
          sink.onBodyData(buf, s, i);
          if (this.remaining === 0) {
            this.state = DONE;
            sink.onResponseEnd();
            return i - start;
          }
          if (sink.paused) return i - start;
          break;
        }
        case BODY_CHUNKED: {
          let n: number;
          try {
            n = this.chunked.decode(buf, i, end, this);
          } catch (err) {
            throw translateChunkError(err, this.maxBodySize);
          }
          i += n;
          this.seen += n;
          if (this.chunked.done) {
            this.state = DONE;
            sink.onResponseEnd();
            return i - start;
          }
          if (sink.paused) return i - start;
          break;
        }
        case BODY_CLOSE: {
          const n = end - i;
          this.bodyBytes += n;
          this.seen += n;
          if (this.bodyBytes > this.maxBodySize) {
            throw new HTTPResponseTooLargeError(
              `response body larger than maxBodySize (${this.maxBodySize} bytes)`,
            );
          }
          sink.onBodyData(buf, i, end);
          return end - start;
        }
        default:
          return i - start;
      }
    }
    return i - start;
  }

  /**
   * The connection reached end of file: true when that completes a close-delimited response
   * (which is then ended); false when a response was cut short or none was started.
   */
  onEof(): boolean {
    if (this.state !== BODY_CLOSE) return false;
    this.state = DONE;
    (this.sink as ResponseSink).onResponseEnd();
    return true;
  }

  /** @internal ChunkSink: de-chunked data. */
  onChunkData(buf: Buffer, start: number, end: number): void {
    (this.sink as ResponseSink).onBodyData(buf, start, end);
  }
}

const PREFIX = Buffer.from("HTTP/1.", "latin1");

/** False as soon as the bytes seen cannot begin a status line (no waiting for a whole head). */
function startsLikeStatusLine(buf: Buffer, start: number, end: number): boolean {
  const n = Math.min(end - start, PREFIX.length);
  for (let k = 0; k < n; k++) if (buf[start + k] !== PREFIX[k]) return false;
  return true;
}

/**
 * True when `buf[from, end)` holds a LF not preceded by CR, or a CR followed by something
 * other than LF: such a head can never become valid, so it fails now rather than at a timeout.
 * Only newly arrived bytes are checked (linear over the whole head).
 */
function hasBareLineBreak(buf: Buffer, start: number, from: number, end: number): boolean {
  for (let k = from; k < end; k++) {
    const c = buf[k];
    if (c === 0x0a) {
      if (k === start || buf[k - 1] !== 0x0d) return true;
    } else if (c === 0x0d && k + 1 < end && buf[k + 1] !== 0x0a) {
      return true;
    }
  }
  return false;
}

function translateChunkError(err: unknown, maxBodySize: number): Error {
  // By code, not instanceof: @t/httpserver may be installed twice.
  if (errorCode(err) === "T_ERR_HTTP_INPUT") {
    const input = err as Error & { statusCode: number };
    if (input.statusCode === 413) {
      return new HTTPResponseTooLargeError(
        `chunked response body larger than maxBodySize (${maxBodySize} bytes)`,
      );
    }
    if (input.statusCode === 431) {
      return new HTTPResponseTooLargeError("trailer section too large", "maxTrailerSize");
    }
    return new HTTPMalformedResponseError(`malformed chunked body: ${input.message}`, {
      cause: err,
    });
  }
  return err as Error;
}
