// FrameOutput: a WebSocket's outgoing frames in order — batched per input batch, queued behind compressions, pongs bounded, the close frame last.

import type { IOStream, SSLIOStream } from "@t/iostream";
import { WebSocketClosedError } from "./errors.js";
import {
  encodeFrame,
  encodeHeader,
  headerSize,
  TEXT_FRAME_MAX_UNITS,
  writeFrame,
  writeHeader,
  writeTextFrame,
} from "./frame-writer.js";
import { OP_CLOSE, OP_PING, OP_PONG } from "./opcodes.js";

const EMPTY = Buffer.alloc(0);
const RESOLVED: Promise<void> = Promise.resolve();
function noop(): void {}

/**
 * The small frames written during an input batch are encoded back to back into a slab shared by
 * every connection of the thread, and each batch's run of them goes to its stream as one piece:
 * no Buffer per frame and one iovec per batch instead of one per frame (measured: a `writev` of
 * many small pieces costs more than the copy). The slab is Node's Buffer pool size, so a piece
 * left in a stalled connection's queue keeps no more memory alive than a pooled Buffer would.
 */
const SLAB_BYTES = 8 * 1024;
/** Frames up to this many bytes are gathered in the slab; larger ones get their own buffer. */
const SLAB_FRAME_LIMIT = 2 * 1024;
let slab: Buffer = Buffer.allocUnsafe(SLAB_BYTES);
/** Bytes of {@link slab} used (pieces handed to streams, then the run being gathered). */
let slabEnd = 0;
/**
 * The streams that were handed pieces of {@link slab}: once none of them has bytes waiting
 * (`writing()`), no queue holds a piece and a full slab is written over from its start instead of
 * replaced (a fresh buffer costs page faults on every use). A TLS stream may still hold written
 * bytes by reference, so a slab one of them got is never reused.
 */
const slabUsers: (IOStream | SSLIOStream)[] = [];
let slabReusable = true;
/** The output whose frames are being gathered at `slab[gatherStart, slabEnd)`, or null. */
let gatherer: FrameOutput | null = null;
let gatherStart = 0;

/** True when `stream` holds no bytes waiting for the kernel (so no piece of the slab). */
function idle(stream: IOStream | SSLIOStream): boolean {
  return !stream.writing();
}

/**
 * Mark a Promise handed to the user as handled and return it: awaiting callers still see its
 * rejection, and one nobody awaits never becomes an unhandled rejection (the documented policy
 * of `writeMessage`, as of the stream's own `write`).
 */
function handled<T>(p: Promise<T>): Promise<T> {
  p.catch(noop);
  return p;
}

/**
 * A Promise rejected with `err` and marked handled: what `writeMessage` returns for a message it
 * refuses (awaiting callers see the error; nobody else is bothered by it).
 */
export function rejectWith(err: Error): Promise<void> {
  return handled(Promise.reject(err));
}

/** The rejection of a message that cannot be sent: the connection is closing or closed. */
export function rejectClosed(): Promise<void> {
  return rejectWith(new WebSocketClosedError());
}

/** A stream write failed: what the user's Promise rejects with. */
function closedBeforeSent(err: unknown): WebSocketClosedError {
  return new WebSocketClosedError("WebSocket closed before the message was sent", { cause: err });
}

/**
 * The sending half of a WebSocketConnection. Frames go into the stream's write queue with
 * `send` (by reference; a failure closes the stream rather than leave a gap): while input is
 * parsed the stream is corked (its data consumer always runs corked), so the answers to one batch
 * of input leave in one `writev` when the consumer returns. While a connection's input batch is
 * open ({@link FrameOutput.beginBatch}) its small frames are gathered into one piece (see
 * SLAB_BYTES) and every message written in it shares one Promise, settled by the stream's
 * `whenWritten` at the end of the batch — no Buffer or Promise per message on the hot path.
 *
 * Order: messages leave in the order they were written. One that is being compressed holds the
 * later ones back in a queue (counted in {@link FrameOutput.bufferedAmount}); control frames are
 * not queued behind it (RFC 6455 §5.4 lets them interleave), except the close frame, which is
 * always last. Pongs are bounded: while one waits in the stream, later pings are answered by a
 * single pong carrying the most recent payload (RFC 6455 §5.5.3), sent once it has left.
 */
export class FrameOutput {
  private readonly stream: IOStream | SSLIOStream;
  /** Client side: frames are masked. */
  private readonly masked: boolean;

  // The input batch.
  /** Inside `beginBatch()`…`endBatch()`: messages share the batch's Promise. */
  private batching = false;
  private batchPromise: Promise<void> | null = null;
  private batchResolve: (() => void) | null = null;
  private batchReject: ((err: Error) => void) | null = null;

  // The queue behind compressions.
  /** Settles once the messages queued so far were handed to the stream; null when none wait. */
  private tail: Promise<void> | null = null;
  private queuedCount = 0;
  /** Payload bytes of the messages waiting in the queue (uncompressed size). */
  private queuedBytes = 0;

  // Pongs.
  /** A pong waits in the stream's queue; pings meanwhile only update {@link pongPayload}. */
  private pongInFlight = false;
  private pongWaiting = false;
  private pongPayload: Buffer = EMPTY;
  private readonly onPongWritten: () => void;

  // Closing.
  /** The close frame was asked for: no ping or pong may follow it. */
  private closeQueued = false;
  /** The close frame is in the stream's queue. */
  private closeSent = false;
  /** Close the stream once the close frame has been written. */
  private closeAfter = false;
  private readonly onWriteFailed: (err: unknown) => never;

  constructor(stream: IOStream | SSLIOStream, masked: boolean) {
    this.stream = stream;
    this.masked = masked;
    this.onPongWritten = () => this.pongWritten();
    this.onWriteFailed = (err: unknown) => {
      throw closedBeforeSent(err);
    };
  }

  /**
   * Outgoing bytes not yet taken by the kernel: the stream's write queue, the frames of this
   * batch still being gathered, and the payloads waiting for compression or behind it.
   */
  get bufferedAmount(): number {
    const gathered = gatherer === this ? slabEnd - gatherStart : 0;
    return this.stream.writeBufferSize + gathered + this.queuedBytes;
  }

  /** True while messages wait behind a compression (a new message's size is then counted). */
  get queueing(): boolean {
    return this.tail !== null;
  }

  // ------------------------------------------------------------------ batches

  /** Input is being parsed: messages written until `endBatch` share one Promise. */
  beginBatch(): void {
    this.batching = true;
  }

  /**
   * The batch is over: its Promise, if one was given out, settles once everything queued so
   * far reached the kernel (the stream sends it when it uncorks).
   */
  endBatch(): void {
    this.batching = false;
    this.flushGathered();
    const resolve = this.batchResolve;
    if (resolve === null) return;
    const reject = this.batchReject as (err: Error) => void;
    this.batchPromise = this.batchResolve = this.batchReject = null;
    const stream = this.stream;
    if (stream.closed()) {
      reject(new WebSocketClosedError());
      return;
    }
    stream.whenWritten().then(resolve, (err: unknown) => reject(closedBeforeSent(err)));
  }

  /**
   * Encode a small frame into the shared slab behind this batch's earlier ones; false (and
   * nothing written) when it is too big for the slab. A string is measured only when its
   * worst case (3 bytes per code unit) might not fit: a short one is encoded straight in.
   */
  private gather(opcode: number, payload: string | Uint8Array, rsv1: boolean): boolean {
    if (typeof payload === "string") {
      const bound = 4 + (this.masked ? 4 : 0) + 3 * payload.length;
      if (bound <= SLAB_FRAME_LIMIT && payload.length <= TEXT_FRAME_MAX_UNITS) {
        this.reserve(bound);
        slabEnd = writeTextFrame(slab, slabEnd, opcode, payload, true, rsv1, this.masked);
        return true;
      }
    }
    const length = typeof payload === "string" ? Buffer.byteLength(payload) : payload.length;
    const size = headerSize(length, this.masked) + length;
    if (size > SLAB_FRAME_LIMIT) return false;
    this.reserve(size);
    slabEnd = writeFrame(slab, slabEnd, opcode, payload, length, true, rsv1, this.masked);
    return true;
  }

  /**
   * Make this output the slab's gatherer with `size` bytes free behind its run (a full slab is
   * handed on and replaced).
   */
  private reserve(size: number): void {
    if (gatherer !== this) {
      // Another connection's run is still open (this batch runs inside its): send it first.
      gatherer?.flushGathered();
      gatherer = this;
      gatherStart = slabEnd;
    }
    if (slabEnd + size > SLAB_BYTES) {
      if (slabReusable && slabUsers.every(idle)) {
        // No queue holds a piece: the run being gathered moves to the front, the rest is free.
        slab.copyWithin(0, gatherStart, slabEnd);
        slabEnd -= gatherStart;
        gatherStart = 0;
        slabUsers.length = 0;
        if (slabEnd + size <= SLAB_BYTES) return;
      }
      this.flushGathered();
      slab = Buffer.allocUnsafe(SLAB_BYTES); // the old one lives on in the queues that hold it
      slabEnd = gatherStart = 0;
      slabUsers.length = 0;
      slabReusable = true;
      gatherer = this;
    }
  }

  /** Hand the frames gathered in the slab to the stream as one piece (before anything else). */
  private flushGathered(): void {
    if (gatherer !== this) return;
    gatherer = null;
    if (slabEnd > gatherStart) {
      const stream = this.stream;
      if (slabUsers.length === 0 || slabUsers[slabUsers.length - 1] !== stream) {
        slabUsers.push(stream);
        if (stream.encrypted) slabReusable = false;
      }
      stream.send(slab.subarray(gatherStart, slabEnd));
    }
    gatherStart = slabEnd;
  }

  /** The batch's Promise (made on first use). */
  private batchResult(): Promise<void> {
    let p = this.batchPromise;
    if (p === null) {
      p = handled(
        new Promise<void>((resolve, reject) => {
          this.batchResolve = resolve;
          this.batchReject = reject;
        }),
      );
      this.batchPromise = p;
    }
    return p;
  }

  // ------------------------------------------------------------------ messages

  /**
   * Send one data message as a single frame — now, or behind the messages waiting for
   * compression. Resolves once it reached the kernel; rejects with WebSocketClosedError if the
   * stream closes first. `length` is its payload size, counted while it waits.
   */
  message(opcode: number, payload: string | Uint8Array, length: number): Promise<void> {
    if (this.tail !== null) return this.enqueue(() => this.frame(opcode, payload, false), length);
    return this.frame(opcode, payload, false);
  }

  /** Send a message whose compressed payload `data` will give, in its turn (RSV1 set). */
  compressed(opcode: number, data: Promise<Buffer>, length: number): Promise<void> {
    data.catch(noop); // its failure is reported through the message's Promise
    this.queuedCount++;
    this.queuedBytes += length;
    const prev = this.tail ?? RESOLVED;
    const p = prev
      .then(() => data)
      .then(
        (compressed) => {
          this.dequeued(length);
          return this.frame(opcode, compressed, true);
        },
        (err: unknown) => {
          this.dequeued(length);
          throw err;
        },
      );
    this.tail = p.then(noop, noop);
    return handled(
      p.catch((err: unknown) => {
        throw (err as { code?: unknown }).code === "T_ERR_WS_CLOSED" ? err : closedBeforeSent(err);
      }),
    );
  }

  /** Run `send` after the messages already queued; `length` bytes are counted meanwhile. */
  private enqueue(send: () => Promise<void>, length: number): Promise<void> {
    this.queuedCount++;
    this.queuedBytes += length;
    const p = (this.tail as Promise<void>).then(() => {
      this.dequeued(length);
      return send();
    });
    this.tail = p.then(noop, noop);
    return handled(p);
  }

  private dequeued(length: number): void {
    this.queuedBytes -= length;
    if (--this.queuedCount === 0) this.tail = null;
  }

  /**
   * Write one complete data frame. Small frames are gathered in the slab during a batch; unmasked
   * bytes too big for it go out by reference behind their header (no copy, no buffer of their
   * size); the rest is encoded into one buffer. Inside a batch the batch's Promise is returned;
   * otherwise one that settles once the stream has written everything up to it.
   */
  private frame(opcode: number, payload: string | Uint8Array, rsv1: boolean): Promise<void> {
    const stream = this.stream;
    if (stream.closed()) return rejectClosed();
    const batching = this.batching;
    if (batching && this.gather(opcode, payload, rsv1)) return this.batchResult();
    if (!this.masked && typeof payload !== "string" && payload.length > SLAB_FRAME_LIMIT) {
      if (batching) {
        // The header joins the batch's run in the slab, which goes first.
        this.reserve(10);
        slabEnd += writeHeader(slab, opcode, true, rsv1, payload.length, false, slabEnd);
        this.flushGathered();
      } else {
        stream.send(encodeHeader(opcode, true, rsv1, payload.length));
      }
      stream.send(payload);
    } else {
      if (batching) this.flushGathered();
      stream.send(encodeFrame(opcode, payload, true, rsv1, this.masked));
    }
    if (batching) return this.batchResult();
    if (!stream.writing()) {
      return stream.closed() ? rejectClosed() : RESOLVED; // in the kernel already
    }
    return handled(stream.whenWritten().then(undefined, this.onWriteFailed));
  }

  // ------------------------------------------------------------------ control frames

  /** Send a ping (no Promise: a failure closes the stream). */
  ping(payload: Uint8Array): void {
    if (this.closeQueued || this.stream.closed()) return;
    this.flushGathered();
    this.stream.send(encodeFrame(OP_PING, payload, true, false, this.masked));
  }

  /**
   * Answer a ping. While an earlier pong still waits in the stream (the peer does not read),
   * only the payload is kept: one pong answers the most recent ping once that one has left.
   */
  pong(payload: Buffer): void {
    if (this.closeQueued) return;
    if (this.pongInFlight) {
      this.pongWaiting = true;
      this.pongPayload = payload;
      return;
    }
    const stream = this.stream;
    if (stream.closed()) return;
    this.flushGathered();
    const frame = encodeFrame(OP_PONG, payload, true, false, this.masked);
    if (!stream.writing()) {
      stream.send(frame);
      return;
    }
    this.pongInFlight = true;
    stream.send(frame);
    stream.whenWritten().then(this.onPongWritten, this.onPongWritten);
  }

  private pongWritten(): void {
    this.pongInFlight = false;
    if (!this.pongWaiting) return;
    const payload = this.pongPayload;
    this.pongWaiting = false;
    this.pongPayload = EMPTY;
    this.pong(payload);
  }

  /**
   * Send the close frame with `payload` (status and reason, or none), after every message
   * already written; nothing but queued messages may follow. Once.
   */
  close(payload: Buffer): void {
    if (this.closeQueued) return;
    this.closeQueued = true;
    this.pongWaiting = false;
    this.pongPayload = EMPTY;
    const send = (): Promise<void> => {
      const stream = this.stream;
      if (stream.closed()) return rejectClosed();
      this.flushGathered();
      stream.send(encodeFrame(OP_CLOSE, payload, true, false, this.masked));
      this.closeSent = true;
      if (this.closeAfter) stream.closeWhenWritten();
      return RESOLVED;
    };
    if (this.tail !== null) this.enqueue(send, 0);
    else send();
  }

  /**
   * Close the stream once the close frame has reached the kernel (it may still wait behind
   * queued messages or a compression). A peer that never reads keeps it open until the
   * connection's close deadline.
   */
  closeStreamWhenSent(): void {
    if (this.closeAfter) return;
    this.closeAfter = true;
    if (this.closeSent) this.stream.closeWhenWritten();
  }

  /** The stream closed: settle the batch's Promise, forget the pong waiting. */
  discard(): void {
    if (gatherer === this) gatherer = null;
    const reject = this.batchReject;
    this.batchPromise = this.batchResolve = this.batchReject = null;
    this.pongWaiting = false;
    this.pongPayload = EMPTY;
    reject?.(new WebSocketClosedError());
  }
}
