// GzipRequestDelegate: a message delegate that inflates a gzip request body for the one it wraps (Tornado's `_GzipMessageDelegate`).

import type { AsyncResource } from "node:async_hooks";
import type { HTTPMessageDelegate } from "./delegates.js";
import { type DecodedBodySink, GzipBodyDecoder } from "./gzip-body-decoder.js";
import type { HTTPHeaders } from "./http-headers.js";
import type { RequestStartLine } from "./start-line.js";

/** The name `Content-Encoding` takes once the body is inflated (Tornado's). */
const CONSUMED = "X-Consumed-Content-Encoding";

/**
 * Wraps the delegate of a `Content-Encoding: gzip` request when the server decompresses request
 * bodies (`decompressRequest`): the wrapped delegate sees the header renamed to
 * `X-Consumed-Content-Encoding` and the body inflated, in pieces of at most `chunkSize` bytes.
 *
 * Inflating runs on the libuv thread pool (GzipBodyDecoder), so flow control goes both ways:
 * `dataReceived` returns a Promise while zlib holds enough input (the connection reads no
 * further until it settles), and a Promise returned by the wrapped delegate's `dataReceived`
 * pauses inflating. `finish` returns a Promise that settles once the last inflated piece was
 * delivered and the wrapped delegate's `finish` ran. A corrupt body (400), one that inflates past
 * `maxOutputBytes` (413) or a failure of the wrapped delegate rejects the Promise the connection
 * waits on, or else is thrown by the next call.
 */
export class GzipRequestDelegate implements HTTPMessageDelegate, DecodedBodySink {
  private readonly inner: HTTPMessageDelegate;
  private readonly chunkSize: number;
  private readonly scope: AsyncResource;
  private maxOutputBytes: number;
  /** Created with the first compressed bytes (a request without a body inflates nothing). */
  private decoder: GzipBodyDecoder | null = null;
  private failure: unknown = null;
  /** Rejects the Promise the connection waits on (a drain or the finish), while one is out. */
  private rejectWait: ((err: unknown) => void) | null = null;
  /** The wrapped delegate got its last call (`finish` or `onConnectionClose`). */
  private innerDone = false;

  /**
   * @param inner The delegate that receives the inflated request.
   * @param maxOutputBytes Most bytes the body may inflate to; more fails it with 413.
   * @param chunkSize Most bytes per `dataReceived` call of `inner`.
   * @param scope The request's async context: `inner` is called in it from zlib's events.
   */
  constructor(
    inner: HTTPMessageDelegate,
    maxOutputBytes: number,
    chunkSize: number,
    scope: AsyncResource,
  ) {
    this.inner = inner;
    this.maxOutputBytes = maxOutputBytes;
    this.chunkSize = chunkSize;
    this.scope = scope;
  }

  headersReceived(startLine: RequestStartLine, headers: HTTPHeaders): void | PromiseLike<void> {
    for (const value of headers.getList("Content-Encoding")) headers.add(CONSUMED, value);
    headers.delete("Content-Encoding");
    return this.inner.headersReceived(startLine, headers);
  }

  dataReceived(chunk: Buffer): void | PromiseLike<void> {
    if (this.failure !== null) throw this.failure;
    let dec = this.decoder;
    if (dec === null) {
      dec = new GzipBodyDecoder(this, this.maxOutputBytes, this.chunkSize);
      this.decoder = dec;
    }
    const drained = dec.write(chunk);
    return drained === null ? undefined : this.unlessFailed(drained);
  }

  finish(): void | PromiseLike<void> {
    if (this.failure !== null) throw this.failure;
    const dec = this.decoder;
    if (dec === null) {
      // No body bytes came: nothing to inflate.
      this.innerDone = true;
      return this.inner.finish();
    }
    return this.unlessFailed(dec.end()).then(() => this.finishInner());
  }

  /**
   * The connection closed or gave up on the request — also after `finish`, while the body is
   * still inflating: stop inflating and tell the wrapped delegate, unless it already got its last
   * call.
   */
  onConnectionClose(): void {
    const done = this.innerDone;
    this.stop();
    if (!done) this.inner.onConnectionClose();
  }

  /** Stop inflating; the wrapped delegate gets no further call (the application failed). */
  stop(): void {
    const dec = this.decoder;
    this.decoder = null;
    if (dec !== null) dec.destroy();
    this.rejectWait = null;
    this.innerDone = true;
  }

  /** Lower (or raise) the inflated size limit (`setMaxBodySize` on the exchange). */
  setMaxOutputBytes(bytes: number): void {
    this.maxOutputBytes = bytes;
    this.decoder?.setMaxOutputBytes(bytes);
  }

  /** DecodedBodySink: an inflated piece for the wrapped delegate (from zlib's events). */
  onDecodedData(piece: Buffer): unknown {
    if (this.innerDone) return undefined;
    return this.scope.runInAsyncScope(this.inner.dataReceived, this.inner, piece);
  }

  /** DecodedBodySink: the body is corrupt or too large, or the wrapped delegate failed on a piece. */
  onDecodeError(err: unknown): void {
    this.failure = err;
    const reject = this.rejectWait;
    this.rejectWait = null;
    if (reject !== null) reject(err);
  }

  private finishInner(): void | PromiseLike<void> {
    if (this.innerDone) return;
    this.innerDone = true;
    return this.scope.runInAsyncScope(this.inner.finish, this.inner);
  }

  /** `p`, but rejected as soon as decoding fails (the decoder's own promises never reject). */
  private unlessFailed(p: Promise<void>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.rejectWait = reject;
      p.then(() => {
        if (this.rejectWait === reject) this.rejectWait = null;
        resolve();
      });
    });
  }
}
