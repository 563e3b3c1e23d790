// GzipBodyDecoder: incremental gunzip of a request body, off the loop, with an output cap.

import { createGunzip, type Gunzip } from "node:zlib";
import { HTTPInputError } from "./errors.js";

/** Where decompressed bytes go. */
export interface DecodedBodySink {
  /** A decompressed piece (owned by the sink). A returned promise pauses decompression until it settles. */
  onDecodedData(piece: Buffer): unknown;
  /**
   * Decoding failed: an HTTPInputError for a corrupt (400) or oversized (413) body, else what
   * `onDecodedData` threw or rejected with. Called at most once; no data follows.
   */
  onDecodeError(err: unknown): void;
}

/**
 * Decompresses a `Content-Encoding: gzip` request body as it arrives (Tornado's
 * `_GzipMessageDelegate` with `max_length=chunk_size`): compressed pieces go to a zlib stream that
 * inflates on the libuv thread pool, decompressed pieces of at most `chunkSize` bytes go to the
 * sink, and more than `maxOutputBytes` of output fails the body with 413 — so a compression bomb
 * neither blocks the loop nor allocates past the cap (review finding 7). Corrupt input fails
 * with 400.
 */
export class GzipBodyDecoder {
  private readonly zlib: Gunzip;
  private readonly sink: DecodedBodySink;
  private maxOutputBytes: number;
  private output = 0;
  private failed: unknown = null;
  private readonly done: Promise<void>;
  private resolveDone!: () => void;
  private drainWaiter: Promise<void> | null = null;
  private resolveDrain: (() => void) | null = null;
  private readonly onPieceSettled: () => void;
  private readonly onPieceFailed: (err: unknown) => void;

  constructor(sink: DecodedBodySink, maxOutputBytes: number, chunkSize: number) {
    this.sink = sink;
    this.maxOutputBytes = maxOutputBytes;
    this.done = new Promise<void>((resolve) => {
      this.resolveDone = resolve;
    });
    const z = createGunzip({ chunkSize: Math.max(64, Math.min(chunkSize, 1024 * 1024)) });
    this.zlib = z;
    this.onPieceSettled = () => {
      if (this.failed === null) this.zlib.resume();
    };
    this.onPieceFailed = (err) => this.fail(err);
    z.on("data", (piece: Buffer) => this.onData(piece));
    z.on("error", (err: Error) => {
      const code = (err as { code?: string }).code;
      this.fail(new HTTPInputError(`Malformed gzip request body (${code ?? err.message})`, 400));
    });
    z.on("end", () => {
      if (this.failed === null) this.resolveDone();
    });
    z.on("drain", () => this.wakeDrain());
  }

  /**
   * Feed a compressed piece (the decoder keeps it: pass a copy of transient bytes). Returns null
   * when more may be written now, or a promise that resolves once zlib wants more input.
   */
  write(piece: Buffer): Promise<void> | null {
    if (this.failed !== null) return null;
    if (this.zlib.write(piece)) return null;
    if (this.drainWaiter === null) {
      this.drainWaiter = new Promise<void>((resolve) => {
        this.resolveDrain = resolve;
      });
    }
    return this.drainWaiter;
  }

  /**
   * No more input: the promise resolves after the last piece reached the sink (and the sink's
   * promise for it settled). After a failure it never resolves; `onDecodeError` was called.
   */
  end(): Promise<void> {
    if (this.failed === null) this.zlib.end();
    return this.done;
  }

  /**
   * Lower (or raise) the output cap while decoding (`setMaxBodySize` after headersReceived);
   * output already past the new cap fails the body at the next piece.
   */
  setMaxOutputBytes(bytes: number): void {
    this.maxOutputBytes = bytes;
  }

  /** Stop decompressing and drop what is buffered (the connection went away). */
  destroy(): void {
    if (this.failed === null) this.failed = new HTTPInputError("request body abandoned", 400);
    this.zlib.destroy();
    this.wakeDrain();
  }

  private onData(piece: Buffer): void {
    if (this.failed !== null) return;
    this.output += piece.length;
    if (this.output > this.maxOutputBytes) {
      this.fail(
        new HTTPInputError(
          `Decompressed request body larger than ${this.maxOutputBytes} bytes (maxDecompressedBodySize / maxBodySize)`,
          413,
        ),
      );
      return;
    }
    let ret: unknown;
    try {
      ret = this.sink.onDecodedData(piece);
    } catch (err) {
      this.fail(err);
      return;
    }
    if (
      ret !== undefined &&
      ret !== null &&
      typeof (ret as PromiseLike<void>).then === "function"
    ) {
      this.zlib.pause();
      (ret as PromiseLike<void>).then(this.onPieceSettled, this.onPieceFailed);
    }
  }

  /** Fail the body: an HTTPInputError is the peer's fault, anything else the sink's. */
  private fail(err: unknown): void {
    if (this.failed !== null) return;
    this.failed = err ?? new Error("request body decoding failed");
    this.zlib.destroy();
    this.wakeDrain();
    this.sink.onDecodeError(this.failed);
  }

  private wakeDrain(): void {
    const r = this.resolveDrain;
    this.resolveDrain = null;
    this.drainWaiter = null;
    if (r !== null) r();
  }
}
