// BaseIOStream: the buffered read/write machinery shared by socket, pipe and TLS streams.

import { AbortError, ERROR, IOLoop, READ, WRITE } from "@t/ioloop";
import { errno, READ_AHEAD_NONE, systemError } from "@t/poller-native";
import {
  ReadPendingError,
  StreamBufferFullError,
  StreamClosedError,
  UnsatisfiableReadError,
} from "./errors.js";
import { type IOStreamOptions, resolveLimits, type StreamLimits } from "./options.js";
import { ReadBuffer } from "./read-buffer.js";

/** What the pending read is waiting for (numeric state; no object per read). */
enum ReadKind {
  None = 0,
  Bytes = 1,
  Until = 2,
  Regex = 3,
  Close = 4,
  Into = 5,
}

/** Options every read takes (`readUntilClose` takes only these). */
export interface ReadOptions {
  /**
   * Give up when this signal aborts: the pending read rejects with `AbortError` (from
   * `@t/ioloop`, code `T_ERR_ABORTED`, `cause` the signal's reason) and the stream stays open —
   * bytes that arrived stay buffered for the next read. A signal that has already aborted
   * rejects at once and starts no read.
   */
  signal?: AbortSignal;
}

/** Options of `readBytes` / `readInto`. */
export interface PartialReadOptions extends ReadOptions {
  /** Resolve as soon as any bytes are available (at most the requested count). Default false. */
  partial?: boolean;
}

/** Options of `readUntil` / `readUntilRegex`. */
export interface MaxBytesOptions extends ReadOptions {
  /** Most bytes the result may hold (delimiter included); beyond it the read fails and the stream closes. */
  maxBytes?: number;
}

/**
 * A hot-path consumer of buffered bytes (see `setDataConsumer`): gets the unread bytes
 * `buf[start, end)` and returns how many it consumed (0 to wait for more). The bytes are only
 * valid during the call: copy what you keep.
 */
export type DataConsumer = (buf: Buffer, start: number, end: number) => number;

/** Options of {@link BaseIOStream.chunks} (`for await` over a stream). */
export interface ChunksOptions {
  /**
   * Close the stream when the iteration ends before the end of the stream — a `break`, a
   * `return` or an exception in the loop body, an abort — as Node's `Readable` does
   * (its `destroyOnReturn`). `false` leaves the stream open and its unread bytes buffered.
   * Default true.
   */
  closeOnReturn?: boolean;
  /** Abort the iteration: the waiting `next()` rejects with `AbortError`. */
  signal?: AbortSignal;
}

interface WriteWaiter {
  /** The stream's total written byte count at which this write has reached the kernel. */
  target: number;
  resolve: () => void;
  reject: (err: Error) => void;
}

const RESOLVED: Promise<void> = Promise.resolve();
function noop(): void {}
/** The write-promise policy: mark `p` handled, so that a write nobody awaits cannot crash. */
function handled<T>(p: Promise<T>): Promise<T> {
  p.catch(noop);
  return p;
}
/**
 * Read buffer shared by every consumer-mode stream of this thread: consumers see bytes only
 * during their call, so one buffer serves all connections and an idle one holds none.
 */
const scratch = Buffer.allocUnsafeSlow(64 * 1024);
let scratchBusy = false;
const MIN_READ_SPACE = 4096;
/** Most bytes the loop reads ahead for one stream per event (as much as one scratch read). */
const MAX_READ_AHEAD = 64 * 1024;
/** Most buffers handed to one writev (Linux IOV_MAX is 1024). */
const MAX_IOV = 64;

/**
 * Buffered non-blocking stream over one descriptor (Tornado's `BaseIOStream`).
 *
 * Subclasses supply `fileno`, `closeFd`, `readFromFd` and `writeToFd`. Reads return Promises and
 * one read may be pending at a time; `write` resolves when its bytes reached the kernel. A closed
 * stream still answers reads that the bytes already buffered can satisfy.
 */
export abstract class BaseIOStream {
  /** The loop that drives this stream. */
  readonly loop: IOLoop;
  /** The error that closed the stream, if any. */
  error: Error | undefined = undefined;
  /** Validated limits (bytes). */
  protected readonly limits: StreamLimits;
  /** Unread bytes. */
  protected readonly rbuf: ReadBuffer;

  private isClosed = false;
  private eof = false;
  /** Events registered with the loop; -1 when not registered. */
  private interest = -1;
  /** A read returned EAGAIN (or short) since the last READ event: an inline read would be wasted. */
  private drained = false;

  private readKind = ReadKind.None;
  private readCount = 0;
  private readPartial = false;
  private readDelimiter: Buffer | null = null;
  private readRegex: RegExp | null = null;
  private readMaxBytes = Number.POSITIVE_INFINITY;
  private readTarget: Uint8Array | null = null;
  private readFilled = 0;
  private readResolve: ((value: never) => void) | null = null;
  private readReject: ((err: Error) => void) | null = null;
  /** The pending read's AbortSignal (its listener is {@link onReadAbort}), or null. */
  private readSignal: AbortSignal | null = null;
  private readonly onReadAbort: () => void;

  private wq: Uint8Array[] = [];
  private wqBytes = 0;
  private bytesQueued = 0;
  private writtenTotal = 0;
  private waiters: WriteWaiter[] = [];
  /** True while a connect is in progress: writes queue until it completes. */
  protected connecting = false;
  /**
   * The connect system call is in flight (EINPROGRESS). Until then — e.g. while a host name is
   * resolved — the unconnected fd is not registered: epoll reports HUP for it at once.
   */
  protected connectInFlight = false;

  private closeCallback: (() => void) | null = null;
  /** The owner's synchronous hook: runs once when the stream stops holding its descriptor. */
  private closeHook: (() => void) | null = null;
  /** Runs each time a flush emptied the write queue (see `setWrittenHook`). */
  private writtenHook: (() => void) | null = null;
  /** `cork()` depth (plus one while the data consumer runs): writes queue without flushing. */
  private corks = 0;
  /** The part of `corks` that `cork()` took (an unmatched `uncork()` must not eat the automatic one). */
  private userCorks = 0;
  /** `pauseReading()` was called: the data consumer is not offered bytes. */
  private consumerPaused = false;
  /** Queued output at or above which the data consumer is not offered bytes (backpressure). */
  private highWaterMark: number;
  /** `closeWhenWritten()` was called: close once the write queue is empty and uncorked. */
  private closeWhenFlushed = false;
  /** Writes were queued while corked: the uncork flushes them. */
  private flushPending = false;
  /** The consumer was held back by queued output with bytes left for it: offer them once below. */
  private heldBack = false;
  private drainCallback: (() => void) | null = null;
  /** `drain()` was called: a drain callback set later (an upgrade's) runs at once. */
  private drainRequested = false;
  private consumer: DataConsumer | null = null;
  private delivering = false;
  /** A Promise read was started from inside the consumer; it runs once the consumer returns. */
  private readDeferred = false;
  /** Bytes the loop reads ahead per READ event while reading is wanted (0: never). */
  private readonly readAheadCap: number;
  /** The read-ahead cap currently set with the loop (0 or `readAheadCap`). */
  private readAheadSet = 0;
  private readonly onEvents: (fd: number, events: number, received: number, offset: number) => void;

  constructor(options?: IOStreamOptions) {
    this.limits = resolveLimits(options);
    this.loop = options?.loop ?? IOLoop.current();
    this.rbuf = new ReadBuffer(
      Math.min(MIN_READ_SPACE, this.limits.readChunkSize),
      this.limits.readChunkSize,
    );
    this.highWaterMark = this.limits.writeHighWaterMark;
    this.readAheadCap = this.readsAhead()
      ? Math.min(MAX_READ_AHEAD, this.limits.readChunkSize, this.loop.readAheadBuffer.length)
      : 0;
    this.onEvents = (_fd, events, received, offset) => this.handleEvents(events, received, offset);
    this.onReadAbort = () => this.abortRead();
  }

  /** The descriptor this stream reads and writes. */
  abstract fileno(): number;
  /** Close the descriptor (called once, by `close`). */
  protected abstract closeFd(): void;
  /** Read into `buf[offset, offset+length)`; bytes read, 0 at end of file, null when it would block. */
  protected abstract readFromFd(buf: Buffer, offset: number, length: number): number | null;
  /** Write `chunks[0, count)` in order; bytes written, null when it would block. */
  protected abstract writeToFd(chunks: Uint8Array[], count: number): number | null;

  /** Whether this stream registers its fd with the loop (TLS streams are driven by their transport). */
  protected watchesFd(): boolean {
    return true;
  }

  /**
   * Whether the loop may read(2) this stream's fd ahead, in the crossing that reports it
   * readable (`IOLoop.setReadAhead`): only for streams whose `readFromFd` is a plain read of
   * `fileno()`. Asked once, by the constructor. Default false.
   */
  protected readsAhead(): boolean {
    return false;
  }

  // ---------------------------------------------------------------- state

  /**
   * True for a TLS stream (like Node's `tls.TLSSocket#encrypted`). Check this rather than
   * `instanceof SSLIOStream`, which fails when two copies of @t/iostream are installed.
   */
  get encrypted(): boolean {
    return false;
  }

  /** True once the stream is closed. */
  closed(): boolean {
    return this.isClosed;
  }

  /** True while a read is pending. */
  reading(): boolean {
    return this.readKind !== ReadKind.None;
  }

  /** True while written bytes wait in the queue for the kernel. */
  writing(): boolean {
    return this.wqBytes > 0;
  }

  /** Bytes buffered and not yet read. */
  get readBufferSize(): number {
    return this.rbuf.length;
  }

  /** Bytes queued and not yet accepted by the kernel. */
  get writeBufferSize(): number {
    return this.wqBytes;
  }

  /**
   * Bytes accepted by the kernel since the stream was created (monotonic): a caller that samples
   * it can tell a peer that stopped reading from one that reads slowly (write-progress timeouts).
   */
  get bytesWritten(): number {
    return this.writtenTotal;
  }

  /** Run `callback` on the loop once the stream closes (replaces any earlier one). */
  setCloseCallback(callback: (() => void) | null): void {
    if (callback !== null && typeof callback !== "function") {
      throw new TypeError("setCloseCallback expects a function or null");
    }
    this.closeCallback = callback;
    this.updateInterest();
  }

  /**
   * Who winds this connection down when its server shuts down: `callback` runs once on
   * {@link BaseIOStream.drain} (replaces any earlier one). The protocol that owns the stream sets
   * it — HTTP/1 stops keeping the connection alive, WebSocket sends a 1001 close — and hands it
   * over with the stream (an upgrade sets its own).
   */
  setDrainCallback(callback: (() => void) | null): void {
    if (callback !== null && typeof callback !== "function") {
      throw new TypeError("setDrainCallback expects a function or null");
    }
    this.drainCallback = callback;
    // Asked to wind down before this owner took the stream (a WebSocket upgraded while its
    // server was already shutting down): tell it now.
    if (callback !== null && this.drainRequested) this.drain();
  }

  /**
   * Ask the stream's owner to wind the connection down (a server's graceful shutdown calls it
   * for every open connection): runs the drain callback, once; without one, nothing happens and
   * the server closes the stream at its deadline.
   */
  drain(): void {
    this.drainRequested = true;
    const cb = this.drainCallback;
    this.drainCallback = null;
    if (cb !== null && !this.isClosed) cb();
  }

  /**
   * The owner's close hook: `hook` runs synchronously, once, when this stream stops holding its
   * descriptor — closed by either side, or handed over by `startTls` (replaces any earlier one).
   * It is for whoever tracks the stream (a server counting its connections); the close callback
   * (`setCloseCallback`) stays the protocol's, and runs later on the loop. An exception thrown by
   * the hook is logged.
   */
  setCloseHook(hook: (() => void) | null): void {
    if (hook !== null && typeof hook !== "function") {
      throw new TypeError("setCloseHook expects a function or null");
    }
    this.closeHook = hook;
  }

  /**
   * The owner's written hook: `hook` runs synchronously each time the stream handed the last
   * queued byte to the kernel (the write queue became empty), with no Promise — so a protocol
   * that composes output in a buffer of its own learns that the buffer may be reused, or given
   * back, as soon as that is true (replaces any earlier one; null removes it). It runs inside the
   * stream's write path: it must not write, close or throw.
   */
  setWrittenHook(hook: (() => void) | null): void {
    if (hook !== null && typeof hook !== "function") {
      throw new TypeError("setWrittenHook expects a function or null");
    }
    this.writtenHook = hook;
  }

  // ---------------------------------------------------------------- the protocol core

  /**
   * Hold written bytes in the queue until the matching {@link BaseIOStream.uncork}, which hands
   * them to the kernel in one `writev`: the answers to a batch of pipelined requests leave in one
   * system call. Calls nest. The data consumer always runs corked (see `setDataConsumer`).
   */
  cork(): void {
    this.corks++;
    this.userCorks++;
  }

  /** End one {@link BaseIOStream.cork}; the last one flushes what was queued meanwhile. */
  uncork(): void {
    if (this.userCorks === 0) throw new RangeError("uncork() called without a matching cork()");
    this.userCorks--;
    if (--this.corks === 0) this.settle();
  }

  /** True while writes are held in the queue (`cork()`, or the data consumer running). */
  get corked(): boolean {
    return this.corks > 0;
  }

  /**
   * Queue `data` like `write`, without a Promise: the protocols' hot path. A failure cannot be
   * reported to anyone, so it closes the stream (`error` says why): a queue that would exceed
   * `maxWriteBufferSize` closes it with StreamBufferFullError, since dropping one piece would
   * leave a gap in the byte stream. On a closed stream it does nothing. The caller must not
   * modify `data` afterwards (it is queued by reference).
   */
  send(data: Uint8Array): void {
    if (!(data instanceof Uint8Array)) throw new TypeError("send expects a Buffer or Uint8Array");
    if (this.isClosed) return;
    const len = data.length;
    if (len === 0) return;
    if (this.wqBytes + len > this.limits.maxWriteBufferSize) {
      this.close(this.writeBufferFull(len));
      return;
    }
    this.wq.push(data);
    this.wqBytes += len;
    this.bytesQueued += len;
    if (this.corks > 0) {
      this.flushPending = true;
      return;
    }
    if (!this.connecting && this.wqBytes === len) this.flush();
    if (!this.isClosed) this.settle();
  }

  /**
   * Stop offering input to the data consumer (an asynchronous delegate is busy): bytes that
   * arrive meanwhile are buffered up to `readChunkSize`, then the stream stops reading from the
   * descriptor until {@link BaseIOStream.resumeReading}.
   */
  pauseReading(): void {
    this.consumerPaused = true;
    // No read-ahead for a paused consumer (its stream reads only up to readChunkSize).
    if (!this.isClosed && this.readAheadSet !== 0) this.updateInterest();
  }

  /**
   * Offer input to the data consumer again: what was buffered meanwhile is offered at once
   * (synchronously, corked), unless this is called from inside the consumer, which then simply
   * goes on. On a stream the peer closed meanwhile, the bytes it sent before closing are still
   * offered, once.
   */
  resumeReading(): void {
    if (!this.consumerPaused) return;
    this.consumerPaused = false;
    if (this.isClosed) {
      this.offerAfterClose();
      return;
    }
    this.heldBack = true;
    if (!this.delivering) this.settle();
  }

  /** True between {@link BaseIOStream.pauseReading} and {@link BaseIOStream.resumeReading}. */
  get readingPaused(): boolean {
    return this.consumerPaused;
  }

  /**
   * Set the output backpressure mark (see the `writeHighWaterMark` option; `Infinity` turns it
   * off): the protocol that owns the stream decides, e.g. an HTTP/1 server sets
   * `SERVER_WRITE_HIGH_WATER_MARK`.
   */
  setWriteHighWaterMark(bytes: number): void {
    if (
      typeof bytes !== "number" ||
      !(bytes >= 1) ||
      (!Number.isInteger(bytes) && bytes !== Number.POSITIVE_INFINITY)
    ) {
      throw new RangeError(`writeHighWaterMark must be an integer >= 1 or Infinity, got ${bytes}`);
    }
    const wasBlocked = this.wqBytes >= this.highWaterMark;
    this.highWaterMark = bytes;
    if (wasBlocked && this.wqBytes < bytes && !this.isClosed) {
      this.heldBack = true;
      if (!this.delivering) this.settle();
    }
  }

  /**
   * Resolves once every byte queued so far reached the kernel (at once when nothing is queued);
   * rejects with StreamClosedError if the stream closes first (marked handled, as `write`'s).
   */
  whenWritten(): Promise<void> {
    if (this.wqBytes === 0) return RESOLVED;
    if (this.isClosed) return handled(Promise.reject(new StreamClosedError(this.error)));
    const target = this.bytesQueued;
    return handled(
      new Promise<void>((resolve, reject) => {
        this.waiters.push({ target, resolve, reject });
      }),
    );
  }

  /**
   * True while queued output is at or above `writeHighWaterMark`: the data consumer is not
   * offered input until the peer has read enough. A consumer that produces output per message
   * checks it to stop taking messages in the middle of a batch (return the bytes consumed so far).
   */
  get writeBlocked(): boolean {
    return this.wqBytes >= this.highWaterMark;
  }

  /**
   * Close the stream once everything queued has reached the kernel: at once when nothing is
   * queued (and the stream is not corked), else after the last byte is written. Input keeps being
   * read and offered meanwhile (an HTTP server discards it, so the peer sees the answer rather
   * than a reset). Writes made meanwhile are still sent.
   */
  closeWhenWritten(): void {
    if (this.isClosed) return;
    this.closeWhenFlushed = true;
    if (this.corks === 0 && !this.delivering) this.settle();
  }

  // ---------------------------------------------------------------- reads

  /** Read `n` bytes (with `partial`, resolve with 1..n bytes as soon as any are available). */
  readBytes(n: number, options?: PartialReadOptions): Promise<Buffer> {
    if (!Number.isInteger(n) || n < 0) {
      throw new RangeError(`readBytes expects a non-negative integer byte count, got ${n}`);
    }
    const signal = checkSignal(options?.signal, "readBytes");
    if (signal?.aborted) return abortedRead(signal, "readBytes()");
    const p = this.startRead<Buffer>(ReadKind.Bytes, signal);
    this.readCount = n;
    this.readPartial = options?.partial === true;
    this.kickRead();
    return p;
  }

  /** Read up to and including `delimiter`; rejects with UnsatisfiableReadError beyond `maxBytes`. */
  readUntil(delimiter: Uint8Array | string, options?: MaxBytesOptions): Promise<Buffer> {
    const delim = typeof delimiter === "string" ? Buffer.from(delimiter, "latin1") : delimiter;
    if (!(delim instanceof Uint8Array) || delim.length === 0) {
      throw new TypeError("readUntil expects a non-empty delimiter (string or Uint8Array)");
    }
    const maxBytes = checkMaxBytes(options?.maxBytes);
    const signal = checkSignal(options?.signal, "readUntil");
    if (signal?.aborted) return abortedRead(signal, "readUntil()");
    const p = this.startRead<Buffer>(ReadKind.Until, signal);
    this.readDelimiter = Buffer.isBuffer(delim) ? delim : Buffer.from(delim);
    this.readMaxBytes = maxBytes;
    this.rbuf.resetScan();
    this.kickRead();
    return p;
  }

  /** Read up to and including the first match of `regex` (matched against latin1-decoded bytes). */
  readUntilRegex(regex: RegExp, options?: MaxBytesOptions): Promise<Buffer> {
    if (!(regex instanceof RegExp)) throw new TypeError("readUntilRegex expects a RegExp");
    const maxBytes = checkMaxBytes(options?.maxBytes);
    const signal = checkSignal(options?.signal, "readUntilRegex");
    if (signal?.aborted) return abortedRead(signal, "readUntilRegex()");
    const p = this.startRead<Buffer>(ReadKind.Regex, signal);
    this.readRegex =
      regex.global || regex.sticky
        ? new RegExp(regex.source, regex.flags.replace(/[gy]/g, ""))
        : regex;
    this.readMaxBytes = maxBytes;
    this.kickRead();
    return p;
  }

  /** Read everything until the peer closes (bounded by maxBufferSize). */
  readUntilClose(options?: ReadOptions): Promise<Buffer> {
    const signal = checkSignal(options?.signal, "readUntilClose");
    if (signal?.aborted) return abortedRead(signal, "readUntilClose()");
    const p = this.startRead<Buffer>(ReadKind.Close, signal);
    this.kickRead();
    return p;
  }

  /** Fill `buffer` (with `partial`, resolve once any bytes were copied); resolves with the count. */
  readInto(buffer: Uint8Array, options?: PartialReadOptions): Promise<number> {
    if (!(buffer instanceof Uint8Array)) throw new TypeError("readInto expects a Uint8Array");
    const signal = checkSignal(options?.signal, "readInto");
    if (signal?.aborted) return abortedRead(signal, "readInto()");
    const p = this.startRead<number>(ReadKind.Into, signal);
    this.readTarget = buffer;
    this.readFilled = 0;
    this.readPartial = options?.partial === true;
    this.kickRead();
    return p;
  }

  /**
   * The stream's bytes as they arrive, for `for await`: each step is a read of up to
   * `readChunkSize` bytes (`readBytes(readChunkSize, { partial: true })`), so nothing is read
   * from the descriptor beyond the read buffer while the loop body runs (backpressure). The
   * iteration ends at the end of the stream (the peer closed, or `close()` without an error);
   * a stream closed by an error (ECONNRESET, …) throws `StreamClosedError` with `realError`.
   * Ending the loop early (`break`, `return`, an exception, an abort) closes the stream unless
   * `closeOnReturn` is false. Yielded Buffers belong to the caller. Like every read, one
   * iteration at a time: another read meanwhile throws `ReadPendingError`.
   *
   * ```ts
   * for await (const chunk of stream.chunks({ signal })) hash.update(chunk);
   * ```
   */
  chunks(options?: ChunksOptions): AsyncGenerator<Buffer, void, undefined> {
    if (options !== undefined && (options === null || typeof options !== "object")) {
      throw new TypeError("chunks expects an options object ({ closeOnReturn?, signal? })");
    }
    const closeOnReturn = options?.closeOnReturn ?? true;
    if (typeof closeOnReturn !== "boolean") {
      throw new TypeError(`chunks: closeOnReturn must be a boolean, got ${typeof closeOnReturn}`);
    }
    return this.iterateChunks(closeOnReturn, checkSignal(options?.signal, "chunks"));
  }

  /** The generator behind {@link BaseIOStream.chunks} (its options already checked). */
  private async *iterateChunks(
    closeOnReturn: boolean,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<Buffer, void, undefined> {
    const readOptions: PartialReadOptions = { partial: true, signal };
    let ended = false;
    try {
      for (;;) {
        let chunk: Buffer;
        try {
          chunk = await this.readBytes(this.limits.readChunkSize, readOptions);
        } catch (err) {
          if (err instanceof StreamClosedError && err.realError === undefined) {
            ended = true;
            return;
          }
          throw err;
        }
        yield chunk;
      }
    } finally {
      if (!ended && closeOnReturn) this.close();
    }
  }

  /** `for await (const chunk of stream)`: {@link BaseIOStream.chunks} with its defaults. */
  [Symbol.asyncIterator](): AsyncGenerator<Buffer, void, undefined> {
    return this.chunks();
  }

  /**
   * Consumer mode for protocol parsers on the hot path: while a consumer is set and no Promise
   * read is pending, every arrival of bytes calls `consumer(buf, start, end)` — no Promise and no
   * copy per read. Unconsumed bytes stay buffered and are offered again with more data (bounded
   * by `maxBufferSize`). Setting a consumer offers already-buffered bytes synchronously; `null`
   * ends consumer mode (backpressure applies again). An exception thrown by the consumer closes
   * the stream with that error.
   */
  setDataConsumer(consumer: DataConsumer | null): void {
    if (consumer !== null && typeof consumer !== "function") {
      throw new TypeError("setDataConsumer expects a function or null");
    }
    this.consumer = consumer;
    if (this.isClosed) return;
    if (consumer !== null) {
      this.heldBack = true;
      if (!this.delivering) this.settle();
      return;
    }
    this.updateInterest();
  }

  // ---------------------------------------------------------------- writes

  /**
   * Queue `data` and flush as much as the kernel takes now (while corked: at the uncork).
   * Resolves when all of it reached the kernel; rejects with StreamClosedError if the stream
   * closes first, or StreamBufferFullError when the queue would exceed `maxWriteBufferSize` (the
   * stream stays open). The caller must not modify `data` until then.
   *
   * The rejection policy: every Promise `write` returns is already marked handled, so a write
   * nobody awaits never becomes an unhandled rejection — its failure still closes or is reported
   * through the stream (`closed()`, `error`, the close callback). Await it to see the error.
   */
  write(data: Uint8Array | string): Promise<void> {
    const chunk = typeof data === "string" ? Buffer.from(data) : data;
    if (!(chunk instanceof Uint8Array)) {
      throw new TypeError("write expects a string, Buffer or Uint8Array");
    }
    if (this.isClosed) return handled(Promise.reject(new StreamClosedError(this.error)));
    const len = chunk.length;
    if (len === 0) return RESOLVED;
    if (this.wqBytes + len > this.limits.maxWriteBufferSize) {
      return handled(Promise.reject(this.writeBufferFull(len)));
    }
    this.wq.push(chunk);
    this.wqBytes += len;
    this.bytesQueued += len;
    if (this.corks > 0) {
      this.flushPending = true;
    } else if (!this.connecting && this.wqBytes === len) {
      // Nothing was queued before: try the kernel right away (the common, allocation-free case).
      this.flush();
      if (this.isClosed) return handled(Promise.reject(new StreamClosedError(this.error)));
      if (this.wqBytes === 0) {
        this.settle();
        return RESOLVED;
      }
    }
    const target = this.bytesQueued;
    const p = handled(
      new Promise<void>((resolve, reject) => {
        this.waiters.push({ target, resolve, reject });
      }),
    );
    if (this.corks === 0) this.updateInterest();
    return p;
  }

  // ---------------------------------------------------------------- close

  /**
   * Close the stream and its descriptor. A pending read is answered from buffered bytes if they
   * satisfy it, else rejected with StreamClosedError(realError = error); pending writes reject.
   * Bytes written while corked get one non-blocking write first (what the kernel takes now, as
   * if they had been written uncorked); to wait until everything is sent, use `closeWhenWritten`.
   */
  close(error?: Error): void {
    if (this.isClosed) return;
    if (error !== undefined && this.error === undefined) this.error = error;
    if (this.flushPending) {
      // Bytes written while corked would have reached the kernel had the stream not been
      // corked (a protocol answering an error, then closing, inside its data consumer): offer
      // them now, once, as an uncorked write would have.
      this.flushPending = false;
      if (this.wqBytes > 0 && !this.connecting) {
        this.flush();
        if (this.isClosed) return;
      }
    }
    this.isClosed = true;
    this.drainCallback = null;
    if (error !== undefined && this.error === undefined) this.error = error;
    if (this.interest !== -1) {
      this.loop.removeHandler(this.fileno());
      this.interest = -1;
      this.readAheadSet = 0;
    }
    try {
      this.closeFd();
    } catch (err) {
      this.loop.logger.warn({ err }, "error closing stream descriptor");
    }
    if (this.readKind !== ReadKind.None && !this.tryResolveRead()) {
      this.rejectRead(new StreamClosedError(this.error));
    }
    const waiters = this.waiters;
    if (waiters.length > 0) {
      this.waiters = [];
      const err = new StreamClosedError(this.error);
      for (const w of waiters) w.reject(err);
    }
    this.wq.length = 0;
    this.wqBytes = 0;
    this.runCloseHook();
    const cb = this.closeCallback;
    if (cb !== null) {
      this.closeCallback = null;
      this.loop.addCallback(cb);
    }
  }

  // ---------------------------------------------------------------- internals

  /** Start a read of `kind`, or throw if one is pending; rejects at once on a closed, empty stream. */
  private startRead<T>(kind: ReadKind, signal: AbortSignal | undefined): Promise<T> {
    if (this.readKind !== ReadKind.None) {
      throw new ReadPendingError("a read is already pending on this stream (one read at a time)");
    }
    this.readKind = kind;
    const p = new Promise<T>((resolve, reject) => {
      this.readResolve = resolve as (value: never) => void;
      this.readReject = reject;
    });
    if (signal !== undefined) {
      this.readSignal = signal;
      signal.addEventListener("abort", this.onReadAbort, { once: true });
    }
    return p;
  }

  /**
   * The pending read's signal aborted: reject the read and leave the stream as if it had never
   * been asked for. Bytes a `readInto` already copied into the caller's buffer go back to the
   * front of the read buffer, so no byte is lost to the next read.
   */
  private abortRead(): void {
    const signal = this.readSignal;
    if (signal === null) return;
    if (this.readKind === ReadKind.Into && this.readFilled > 0) {
      const filled = Buffer.from((this.readTarget as Uint8Array).subarray(0, this.readFilled));
      const rbuf = this.rbuf;
      const rest = rbuf.length > 0 ? Buffer.from(rbuf.take(rbuf.length)) : null;
      rbuf.append(filled);
      if (rest !== null) rbuf.append(rest);
    }
    this.readDeferred = false;
    this.rejectRead(new AbortError(READ_NAMES[this.readKind], { cause: signal.reason }));
    // No read pending any more: backpressure applies again (at most readChunkSize buffered).
    this.updateInterest();
  }

  /**
   * Start answering a new read — unless the data consumer is running: then the bytes it is
   * about to consume are still in the buffer, so the read waits until they are skipped.
   */
  private kickRead(): void {
    if (this.delivering) {
      this.readDeferred = true;
      return;
    }
    this.tryRead();
  }

  /** Satisfy the pending read from the buffer, then from the fd inline, else wait for READ. */
  private tryRead(): void {
    if (this.tryResolveRead()) {
      if (this.heldBack && !this.delivering && this.corks === 0) this.settle();
      else this.updateInterest();
      return;
    }
    if (this.isClosed) {
      this.rejectRead(new StreamClosedError(this.error));
      return;
    }
    if (!this.drained && !this.connecting) this.readLoop(false, READ_AHEAD_NONE, 0);
    if (!this.isClosed) this.updateInterest();
  }

  /**
   * Run the read loop, closing the stream with any error the fd reports (ECONNRESET, …).
   * `received`/`offset`: what the loop read ahead for this event (see `FdHandler`).
   */
  private readLoop(hangup: boolean, received: number, offset: number): void {
    try {
      this.readFd(hangup, received, offset);
    } catch (err) {
      // A hang-up on a write-only descriptor (a pipe's write end whose reader left) cannot be
      // read: EBADF says nothing about the peer, so close with the fd's pending error instead.
      if (hangup && (err as { code?: string } | null)?.code === "EBADF") {
        this.close(this.pendingError());
        return;
      }
      // close() answers the pending read: from the buffer if it can (readUntilClose gets what
      // arrived before the reset), else with StreamClosedError(realError = err).
      this.close(err as Error);
    }
  }

  /**
   * Read from the fd while reading is useful. Stops at EAGAIN or a short read (the kernel's queue
   * is empty), once the pending read is satisfied, or when no read is pending and a chunk is
   * buffered (backpressure). `hangup` reads on regardless so that a hung-up fd is drained.
   * What the loop read ahead (`received` bytes at `offset` of its receive buffer, 0 at end of
   * file, or a negative errno) stands in for the first read; unless it is READ_AHEAD_NONE.
   */
  private readFd(hangup: boolean, received: number, offset: number): void {
    const rbuf = this.rbuf;
    for (;;) {
      let n: number | null;
      let asked: number;
      const target = this.readTarget;
      if (received !== READ_AHEAD_NONE) {
        // Bytes the loop already read: taken whatever the state (they have left the kernel).
        asked = this.readAheadCap;
        n = received;
        received = READ_AHEAD_NONE;
        if (n < 0) {
          if (n !== -errno.EAGAIN)
            throw systemError({ errno: n, syscall: "read", fd: this.fileno() });
          n = null;
        } else if (n > 0) {
          const src = this.loop.readAheadBuffer;
          if (this.consumerLive() && rbuf.length === 0) {
            // As from the scratch buffer: only what the consumer leaves is copied.
            if (this.offerRead(src, offset, n, asked, hangup)) return;
            continue;
          }
          rbuf.appendRange(src, offset, offset + n);
        }
      } else if (
        this.readKind === ReadKind.None &&
        !this.consumerLive() &&
        !hangup &&
        rbuf.length >= this.limits.readChunkSize
      ) {
        return;
      } else if (this.consumerLive() && rbuf.length === 0 && !scratchBusy) {
        // Consumer mode with nothing buffered: read into the shared scratch buffer; only bytes
        // the consumer leaves are copied into this stream's own buffer.
        asked = Math.min(scratch.length, this.limits.readChunkSize);
        n = this.readFromFd(scratch, 0, asked);
        if (n !== null && n > 0) {
          if (this.offerRead(scratch, 0, n, asked, hangup)) return;
          continue;
        }
      } else if (this.readKind === ReadKind.Into && target !== null && rbuf.length === 0) {
        // Read straight into the caller's buffer.
        asked = target.length - this.readFilled;
        n = this.readFromFd(target as Buffer, this.readFilled, asked);
        if (n !== null && n > 0) {
          this.readFilled += n;
          if (this.readFilled === target.length || this.readPartial) {
            this.resolveRead(this.readFilled);
            if (n < asked) this.drained = true;
            return;
          }
        }
      } else {
        asked = rbuf.reserve();
        n = this.readFromFd(rbuf.buf, rbuf.end, asked);
        if (n !== null && n > 0) rbuf.commit(n, asked);
      }
      if (n === null) {
        this.drained = true;
        return;
      }
      if (n === 0) {
        this.onEof();
        return;
      }
      if (rbuf.length > this.limits.maxBufferSize) {
        this.overflow();
        return;
      }
      if (this.readKind !== ReadKind.None && this.tryResolveRead()) {
        if (n < asked) this.drained = true;
        return;
      }
      if (this.consumer !== null && this.readKind === ReadKind.None) {
        if (this.consumerLive()) {
          this.deliver();
          if (this.isClosed) return;
        } else if (!this.consumerPaused) {
          this.heldBack = true; // held back by queued output: offered once it drains
        }
      }
      if (n < asked) {
        this.drained = true;
        if (!hangup) return;
      }
    }
  }

  /**
   * Offer `n` bytes just read into `src[start, start + n)` (the scratch or the loop's receive
   * buffer; `asked` were asked for) to the live data consumer. True when the read loop should
   * stop: the stream closed or overflowed, or the read came short (drained) and this is no hang-up.
   */
  private offerRead(
    src: Buffer,
    start: number,
    n: number,
    asked: number,
    hangup: boolean,
  ): boolean {
    this.deliverFrom(src, start, start + n);
    if (this.isClosed) return true;
    if (this.rbuf.length > this.limits.maxBufferSize) {
      this.overflow();
      return true;
    }
    if (n < asked) {
      this.drained = true;
      return !hangup;
    }
    return false;
  }

  /**
   * Offer `src[start, end)`, just read (into the scratch buffer, or ahead by the loop), to the
   * data consumer; copy what it leaves into the stream's buffer (before any Promise read the
   * consumer started looks at it).
   */
  private deliverFrom(src: Buffer, start: number, end: number): void {
    let off = start;
    const isScratch = src === scratch;
    this.delivering = true;
    if (isScratch) scratchBusy = true;
    try {
      while (off < end && this.consumerLive() && !this.isClosed) {
        const avail = end - off;
        const used = (this.consumer as DataConsumer)(src, off, end);
        if (!(used >= 0 && used <= avail)) {
          throw new RangeError(`data consumer must return 0..${avail} bytes consumed, got ${used}`);
        }
        off += used;
        if (this.readDeferred) {
          if (off < end) this.rbuf.appendRange(src, off, end);
          off = end;
          this.readDeferred = false;
          this.tryRead();
        }
        if (used === 0) break;
      }
      if (off < end && !this.isClosed) {
        this.rbuf.appendRange(src, off, end);
        if (this.wqBytes >= this.highWaterMark) this.heldBack = true;
      }
    } finally {
      this.delivering = false;
      if (isScratch) scratchBusy = false;
    }
  }

  /** Offer buffered bytes to the data consumer until it stops taking them. */
  private deliver(): void {
    if (this.delivering) return;
    this.delivering = true;
    try {
      const rbuf = this.rbuf;
      while (this.consumerLive() && !this.isClosed && rbuf.length > 0) {
        const avail = rbuf.length;
        const used = (this.consumer as DataConsumer)(rbuf.buf, rbuf.start, rbuf.end);
        if (!(used >= 0 && used <= avail)) {
          throw new RangeError(`data consumer must return 0..${avail} bytes consumed, got ${used}`);
        }
        if (used > 0) rbuf.skip(used);
        if (this.readDeferred) {
          this.readDeferred = false;
          this.tryRead();
        }
        if (used === 0) break;
      }
      // An idle consumer-mode stream (a keep-alive connection) holds no read buffer.
      if (rbuf.length === 0 && this.consumer !== null && this.readKind === ReadKind.None) {
        rbuf.release();
      } else if (rbuf.length > 0 && this.wqBytes >= this.highWaterMark) {
        this.heldBack = true;
      }
    } finally {
      this.delivering = false;
    }
  }

  private onEof(): void {
    this.eof = true;
    this.close();
  }

  private overflow(): void {
    const err = new StreamBufferFullError(
      `read buffer exceeded maxBufferSize (${this.limits.maxBufferSize} bytes)`,
    );
    if (this.readKind !== ReadKind.None) this.rejectRead(err);
    this.close(err);
  }

  /** Try to answer the pending read from the buffer; true when it was settled. */
  private tryResolveRead(): boolean {
    const rbuf = this.rbuf;
    const avail = rbuf.length;
    switch (this.readKind) {
      case ReadKind.Bytes: {
        const n = this.readCount;
        if (avail >= n) {
          this.resolveRead(rbuf.take(n));
          return true;
        }
        if (avail > 0 && this.readPartial) {
          this.resolveRead(rbuf.take(avail));
          return true;
        }
        return false;
      }
      case ReadKind.Until: {
        const delim = this.readDelimiter as Buffer;
        const pos = rbuf.findDelimiter(delim, this.readMaxBytes);
        if (pos !== -1) {
          this.resolveRead(rbuf.take(pos));
          return true;
        }
        if (avail >= this.readMaxBytes) return this.unsatisfiable("delimiter");
        return false;
      }
      case ReadKind.Regex: {
        const re = this.readRegex as RegExp;
        if (avail === 0) return false;
        const m = re.exec(rbuf.latin1(this.readMaxBytes));
        if (m !== null) {
          this.resolveRead(rbuf.take(m.index + m[0].length));
          return true;
        }
        if (avail >= this.readMaxBytes) return this.unsatisfiable("regex");
        return false;
      }
      case ReadKind.Close: {
        if (!this.isClosed) return false;
        this.resolveRead(rbuf.take(avail));
        return true;
      }
      case ReadKind.Into: {
        const target = this.readTarget as Uint8Array;
        if (avail > 0) this.readFilled += rbuf.copyOut(target, this.readFilled);
        if (this.readFilled === target.length || (this.readPartial && this.readFilled > 0)) {
          this.resolveRead(this.readFilled);
          return true;
        }
        return false;
      }
      default:
        return false;
    }
  }

  private unsatisfiable(what: string): boolean {
    const err = new UnsatisfiableReadError(
      `${what} not found within maxBytes (${this.readMaxBytes} bytes)`,
    );
    this.rejectRead(err);
    this.close(err);
    return true;
  }

  private clearRead(): void {
    const signal = this.readSignal;
    if (signal !== null) {
      this.readSignal = null;
      signal.removeEventListener("abort", this.onReadAbort);
    }
    this.readKind = ReadKind.None;
    this.readDelimiter = null;
    this.readRegex = null;
    this.readTarget = null;
    this.readMaxBytes = Number.POSITIVE_INFINITY;
    this.readResolve = null;
    this.readReject = null;
  }

  private resolveRead(value: Buffer | number): void {
    const resolve = this.readResolve as (value: Buffer | number) => void;
    this.clearRead();
    if (this.consumer !== null && this.rbuf.length > 0) this.heldBack = true;
    resolve(value);
  }

  private rejectRead(err: Error): void {
    const reject = this.readReject;
    this.clearRead();
    if (reject !== null) reject(err);
  }

  /** Write queued chunks until the queue is empty or the kernel pushes back. */
  private flush(): void {
    const wq = this.wq;
    while (this.wqBytes > 0) {
      const count = Math.min(wq.length, MAX_IOV);
      let n: number | null;
      try {
        n = this.writeToFd(wq, count);
      } catch (err) {
        this.close(err as Error);
        return;
      }
      if (n === null || n === 0) return;
      this.writtenTotal += n;
      this.wqBytes -= n;
      // Drop fully written chunks; keep the unwritten tail of a partial one as a view.
      let i = 0;
      let left = n;
      while (left > 0 && left >= wq[i].length) {
        left -= wq[i].length;
        i++;
      }
      if (left > 0) wq[i] = wq[i].subarray(left);
      if (i === wq.length) wq.length = 0;
      else if (i > 0) wq.splice(0, i);
      if (this.waiters.length > 0) this.settleWaiters();
      if (this.wqBytes > 0 && (i < count || left > 0)) return; // the kernel took less than offered
    }
    const hook = this.writtenHook;
    if (hook !== null) hook();
  }

  private settleWaiters(): void {
    const waiters = this.waiters;
    let i = 0;
    while (i < waiters.length && waiters[i].target <= this.writtenTotal) {
      waiters[i].resolve();
      i++;
    }
    if (i === waiters.length) waiters.length = 0;
    else if (i > 0) waiters.splice(0, i);
  }

  /** Register, update or drop our interest with the loop to match the current state. */
  protected updateInterest(): void {
    if (this.isClosed || !this.watchesFd()) return;
    if (this.connecting && !this.connectInFlight) return;
    let want = 0;
    // Read-ahead while the stream would read anyway — not while connecting, nor for a consumer
    // held back (paused, or output above the high-water mark), which must not be handed bytes.
    let ahead = 0;
    if (!this.eof) {
      if (this.readKind !== ReadKind.None || this.consumerLive()) {
        want = READ;
        ahead = this.readAheadCap;
      } else if (this.rbuf.length < this.limits.readChunkSize) {
        want = READ;
        if (this.consumer === null) ahead = this.readAheadCap;
      }
    }
    if (this.wqBytes > 0 || this.connecting) {
      want |= WRITE;
      if (this.connecting) ahead = 0;
    }
    if (want !== this.interest) {
      if (this.interest === -1) this.loop.addHandler(this.fileno(), this.onEvents, want);
      else this.loop.updateHandler(this.fileno(), want);
      this.interest = want;
    }
    if (ahead !== this.readAheadSet) {
      this.loop.setReadAhead(this.fileno(), ahead);
      this.readAheadSet = ahead;
    }
  }

  /**
   * Dispatch loop events (also called by subclasses that are driven by a transport). `received`
   * and `offset` say what the loop read ahead for this event (see `FdHandler`).
   */
  protected handleEvents(events: number, received = READ_AHEAD_NONE, offset = 0): void {
    if (this.isClosed) return;
    if (this.connecting && events & (WRITE | ERROR)) {
      // connected() flushed the queue and updated interest; other events come round again.
      this.handleConnect();
      return;
    }
    if (events & (WRITE | ERROR) && this.wqBytes > 0) {
      this.flush();
      if (this.isClosed) return;
    }
    if (events & (READ | ERROR)) {
      this.drained = false;
      // The data consumer runs corked: what it writes for a batch leaves in one writev.
      this.corks++;
      try {
        this.readLoop((events & ERROR) !== 0, received, offset);
      } finally {
        this.corks--;
      }
      if (this.isClosed) return;
      if (events & ERROR && !(events & READ)) {
        this.close(this.pendingError());
        return;
      }
    }
    this.settle();
  }

  /**
   * After I/O or the last uncork: flush what was written while corked, close if
   * `closeWhenWritten` asked and the queue is empty, offer input that queued output held back
   * (or `resumeReading` released) once below the high-water mark, and update our interest.
   */
  private settle(): void {
    for (;;) {
      if (this.isClosed || this.corks > 0) return;
      if (this.flushPending) {
        this.flushPending = false;
        if (this.wqBytes > 0 && !this.connecting) {
          this.flush();
          if (this.isClosed) return;
        }
      }
      if (this.closeWhenFlushed && this.wqBytes === 0 && !this.connecting) {
        this.close();
        return;
      }
      if (!this.heldBack || this.delivering || !this.consumerLive()) break;
      this.heldBack = false;
      const before = this.rbuf.length;
      const offeredTo = this.consumer;
      this.corks++;
      try {
        if (before > 0) this.deliver();
      } catch (err) {
        this.corks--;
        this.close(err as Error);
        return;
      }
      this.corks--;
      // Offered everything and took nothing: a heldBack the consumer set again (re-setting
      // itself, pause+resume) must not offer the same bytes forever.
      if (this.rbuf.length === before && this.consumer === offeredTo) this.heldBack = false;
      // A descriptor stream learns of more input from the loop (its READ interest is back);
      // a stream fed by a transport pulls what that transport held meanwhile.
      if (!this.isClosed && this.consumerLive()) this.inputReleased();
    }
    this.updateInterest();
  }

  /**
   * The data consumer may take input again after being held back (paused, or by queued output):
   * a stream whose input does not come from loop events on its own descriptor (TLS) reads on
   * here. Descriptor streams need nothing: their READ interest is restored.
   */
  protected inputReleased(): void {}

  /**
   * The stream closed (the peer's FIN) while the consumer was paused with bytes buffered for it
   * (the last WebSocket frame, the last RPC frames): offer them once, so nothing the peer sent
   * before closing is lost. What the consumer writes then goes nowhere (the stream is closed).
   */
  private offerAfterClose(): void {
    const consumer = this.consumer;
    const rbuf = this.rbuf;
    if (consumer === null || this.readKind !== ReadKind.None || this.delivering) return;
    this.delivering = true;
    try {
      while (rbuf.length > 0 && this.consumer === consumer && !this.consumerPaused) {
        const avail = rbuf.length;
        const used = consumer(rbuf.buf, rbuf.start, rbuf.end);
        if (!(used >= 0 && used <= avail)) {
          throw new RangeError(`data consumer must return 0..${avail} bytes consumed, got ${used}`);
        }
        if (used === 0) break;
        rbuf.skip(used);
      }
    } finally {
      this.delivering = false;
    }
  }

  /** True when the data consumer may be offered bytes now. */
  private consumerLive(): boolean {
    return (
      this.consumer !== null &&
      this.readKind === ReadKind.None &&
      !this.consumerPaused &&
      this.wqBytes < this.highWaterMark
    );
  }

  private writeBufferFull(len: number): StreamBufferFullError {
    return new StreamBufferFullError(
      `write of ${len} bytes would exceed maxWriteBufferSize (${this.limits.maxWriteBufferSize} bytes, ${this.wqBytes} queued)`,
    );
  }

  /** Tell the owner (once) that the stream no longer holds its descriptor. */
  private runCloseHook(): void {
    const hook = this.closeHook;
    if (hook === null) return;
    this.closeHook = null;
    try {
      hook();
    } catch (err) {
      this.loop.logger.error({ err }, "exception in a stream's close hook");
    }
  }

  /** Called on WRITE/ERROR while connecting (IOStream overrides). */
  protected handleConnect(): void {
    this.connecting = false;
  }

  /** The fd's pending error for an ERROR event without readable data (IOStream reads SO_ERROR). */
  protected pendingError(): Error | undefined {
    return undefined;
  }

  /** Mark the connect finished and flush writes queued meanwhile. */
  protected connected(): void {
    this.connecting = false;
    this.connectInFlight = false;
    if (this.wqBytes > 0) this.flush();
    if (this.isClosed) return;
    if (this.corks === 0) this.settle();
    else this.updateInterest();
  }

  /** Detach the fd from the loop without closing it (startTls); the stream becomes closed. */
  protected detach(): number {
    const fd = this.fileno();
    if (this.interest !== -1) {
      this.loop.removeHandler(fd);
      this.interest = -1;
      this.readAheadSet = 0;
    }
    this.isClosed = true;
    this.closeCallback = null;
    this.runCloseHook();
    return fd;
  }

  /** True when nothing is buffered in either direction and no read is pending. */
  protected idle(): boolean {
    return this.rbuf.length === 0 && this.wqBytes === 0 && this.readKind === ReadKind.None;
  }
}

/** The name of each kind of read, for the AbortError's message. */
const READ_NAMES: readonly string[] = [
  "read",
  "readBytes()",
  "readUntil()",
  "readUntilRegex()",
  "readUntilClose()",
  "readInto()",
];

function checkSignal(signal: unknown, what: string): AbortSignal | undefined {
  if (signal === undefined) return undefined;
  if (!(signal instanceof AbortSignal)) {
    throw new TypeError(`${what}: options.signal must be an AbortSignal`);
  }
  return signal;
}

/** What a read given an already-aborted signal returns: no read is started. */
function abortedRead(signal: AbortSignal, what: string): Promise<never> {
  return Promise.reject(new AbortError(what, { cause: signal.reason }));
}

function checkMaxBytes(maxBytes: number | undefined): number {
  if (maxBytes === undefined) return Number.POSITIVE_INFINITY;
  if (!Number.isInteger(maxBytes) || maxBytes < 1) {
    throw new RangeError(`maxBytes must be a positive integer byte count, got ${maxBytes}`);
  }
  return maxBytes;
}
