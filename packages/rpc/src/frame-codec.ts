// Length-prefixed msgpack frames: FrameWriter batches outgoing frames, FrameReader decodes incoming ones.

import { Decoder, Encoder } from "@msgpack/msgpack";
import { RpcEncodeError, RpcFrameTooLargeError, RpcProtocolError } from "./errors.js";
import { LENGTH_PREFIX_BYTES } from "./protocol.js";

/** Size a writer's batch buffer starts at (and returns to after the stream kept a batch). */
const INITIAL_BATCH_BYTES = 16 * 1024;

/** Validate a `maxFrameBytes` option (payload bytes; the 4-byte prefix can express up to 2^32-1). */
export function checkMaxFrameBytes(value: unknown, origin: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > 0xffffffff) {
    throw new RangeError(
      `${origin}: maxFrameBytes must be an integer byte count in 1..4294967295, got ${String(value)}`,
    );
  }
  return value;
}

/**
 * Encodes messages into one growing batch of frames (`[u32 BE length][msgpack payload]`…), so
 * that many frames produced in one turn leave in a single write. The batch is handed out by
 * `take()`; the writer reuses its buffer only when told the stream no longer holds it.
 */
export class FrameWriter {
  private readonly encoder = new Encoder();
  private readonly maxFrameBytes: number;
  private buf: Buffer = Buffer.allocUnsafe(INITIAL_BATCH_BYTES);
  private len = 0;

  constructor(maxFrameBytes: number) {
    this.maxFrameBytes = checkMaxFrameBytes(maxFrameBytes, "FrameWriter");
  }

  /** Bytes batched and not yet taken. */
  get pendingBytes(): number {
    return this.len;
  }

  /**
   * Encode `message` and append it as a frame. Throws RpcEncodeError when msgpack cannot encode
   * it and RpcFrameTooLargeError when its payload exceeds `maxFrameBytes`; the batch is then
   * unchanged. Returns the payload size.
   */
  append(message: unknown): number {
    let payload: Uint8Array;
    try {
      payload = this.encoder.encodeSharedRef(message);
    } catch (err) {
      throw new RpcEncodeError(`cannot encode as msgpack: ${(err as Error).message}`, {
        cause: err,
      });
    }
    const n = payload.length;
    if (n > this.maxFrameBytes) {
      throw new RpcFrameTooLargeError(
        `frame payload of ${n} bytes exceeds maxFrameBytes (${this.maxFrameBytes} bytes)`,
      );
    }
    const need = this.len + LENGTH_PREFIX_BYTES + n;
    if (need > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2));
      this.buf.copy(grown, 0, 0, this.len);
      this.buf = grown;
    }
    this.buf.writeUInt32BE(n, this.len);
    this.buf.set(payload, this.len + LENGTH_PREFIX_BYTES);
    this.len = need;
    return n;
  }

  /** The batched frames as a view (empty batch: null). Call `release(kept)` right after writing it. */
  take(): Buffer | null {
    if (this.len === 0) return null;
    return this.buf.subarray(0, this.len);
  }

  /**
   * Start a new batch. `kept` says whether the consumer still references the taken view (a
   * stream that queued it); the buffer is then replaced instead of overwritten.
   */
  release(kept: boolean): void {
    this.len = 0;
    if (kept || this.buf.length > 64 * INITIAL_BATCH_BYTES) {
      this.buf = Buffer.allocUnsafe(INITIAL_BATCH_BYTES);
    }
  }
}

/**
 * Decodes frames from a byte window, as an IOStream `DataConsumer`: `consume(buf, start, end)`
 * decodes every complete frame in the window, passes each message to `onMessage` and returns the
 * bytes used (an incomplete tail stays with the stream). Throws RpcFrameTooLargeError for a
 * length beyond `maxFrameBytes` and RpcProtocolError for a payload that is not one msgpack value.
 */
export class FrameReader {
  private readonly decoder = new Decoder();
  private readonly maxFrameBytes: number;
  private readonly onMessage: (message: unknown) => void;
  private stopped = false;
  private paused = false;
  /**
   * Complete frames copied out of an earlier window and not yet delivered because the reader
   * was paused: `held[heldPos…]`. Delivered first by `deliverHeld()`, so every frame is copied
   * and scanned once however often reading pauses (no rescan of the window on every resume).
   */
  private held: Buffer | null = null;
  private heldPos = 0;
  /** Bound once: hand it to `stream.setDataConsumer`. */
  readonly consume: (buf: Buffer, start: number, end: number) => number;

  constructor(maxFrameBytes: number, onMessage: (message: unknown) => void) {
    this.maxFrameBytes = checkMaxFrameBytes(maxFrameBytes, "FrameReader");
    this.onMessage = onMessage;
    this.consume = (buf, start, end) => this.decodeWindow(buf, start, end);
  }

  /** Deliver no further messages (the rest of the current window is dropped). */
  stop(): void {
    this.stopped = true;
  }

  /**
   * Deliver no further messages until `resume()` and `deliverHeld()`. The complete frames of the
   * window being delivered are kept (one copy, at most one read window); `consume` takes no more
   * bytes from the stream meanwhile (detach the consumer to stop the stream reading).
   */
  pause(): void {
    this.paused = true;
  }

  /** Allow delivery again after `pause()`; call `deliverHeld()` to deliver the kept frames. */
  resume(): void {
    this.paused = false;
  }

  /** Bytes of complete frames kept while paused, not yet delivered. */
  get heldBytes(): number {
    return this.held === null ? 0 : this.held.length - this.heldPos;
  }

  /**
   * Deliver the frames kept by a pause, in order, until they are done or the reader pauses
   * again. Throws like `consume` for a payload that is not msgpack.
   */
  deliverHeld(): void {
    const own = this.held;
    if (own === null) return;
    this.heldPos = this.deliver(own, this.heldPos);
    if (this.heldPos >= own.length || this.stopped) {
      this.held = null;
      this.heldPos = 0;
    }
  }

  /** Deliver the frames of `own` from `p` while not paused or stopped; returns where it stopped. */
  private deliver(own: Buffer, from: number): number {
    let p = from;
    const used = own.length;
    while (p < used && !this.stopped && !this.paused) {
      const n = own.readUInt32BE(p);
      p += LENGTH_PREFIX_BYTES;
      let message: unknown;
      try {
        message = this.decoder.decode(own.subarray(p, p + n));
      } catch (err) {
        throw new RpcProtocolError(`malformed msgpack payload: ${(err as Error).message}`, {
          cause: err,
        });
      }
      p += n;
      this.onMessage(message);
    }
    return p;
  }

  /** True between `pause()` and `resume()`. */
  get isPaused(): boolean {
    return this.paused;
  }

  private decodeWindow(buf: Buffer, start: number, end: number): number {
    if (this.stopped) return end - start;
    if (this.paused) return 0;
    if (this.held !== null) {
      this.deliverHeld();
      if (this.held !== null) return 0;
    }
    // First pass: find the complete frames and check every length we can see.
    let pos = start;
    const max = this.maxFrameBytes;
    while (end - pos >= LENGTH_PREFIX_BYTES) {
      const n = buf.readUInt32BE(pos);
      if (n > max) {
        throw new RpcFrameTooLargeError(
          `incoming frame of ${n} bytes exceeds maxFrameBytes (${max} bytes)`,
        );
      }
      if (end - pos - LENGTH_PREFIX_BYTES < n) break;
      pos += LENGTH_PREFIX_BYTES + n;
    }
    const used = pos - start;
    if (used === 0) return 0;
    // The window is only valid during this call, and msgpack's decoder returns bin values as
    // views: copy the complete frames once (not once per frame) so decoded values stay valid.
    const own = Buffer.allocUnsafe(used);
    buf.copy(own, 0, start, pos);
    const p = this.deliver(own, 0);
    if (p < used && !this.stopped) {
      // Paused mid-window: keep the copied frames rather than leave them to be copied again.
      this.held = own;
      this.heldPos = p;
    }
    return used;
  }
}
