// ContentDecoder: gunzip/inflate of a response body on the thread pool, with an output cap.

import {
  createGunzip,
  createInflate,
  createInflateRaw,
  type Gunzip,
  type Inflate,
} from "node:zlib";
import { HTTPMalformedResponseError, HTTPResponseTooLargeError } from "./errors.js";

/** Where decoded bytes go. */
export interface DecodedSink {
  /** A decoded piece (owned by the sink); a returned promise pauses decoding until it settles. */
  onDecoded(piece: Buffer): void | PromiseLike<void>;
  /** The decoded body ended. */
  onDecodedEnd(): void;
  /** Decoding failed (corrupt data, output past the cap, or what `onDecoded` threw). */
  onDecodeError(err: unknown): void;
}

/** The content codings decoded: `gzip` (and `x-gzip`) and `deflate`. */
export function decodableCoding(value: string | undefined): "gzip" | "deflate" | null {
  if (value === undefined) return null;
  const v = value.trim().toLowerCase();
  if (v === "gzip" || v === "x-gzip") return "gzip";
  if (v === "deflate") return "deflate";
  return null;
}

/**
 * Decodes a `Content-Encoding: gzip` or `deflate` body as it arrives. Compressed pieces go to a
 * zlib stream that inflates off the loop; more than `maxOutputBytes` of output fails with
 * HTTPResponseTooLargeError before it is passed on, so a compression bomb allocates at most one
 * zlib chunk past the cap. `deflate` accepts the zlib format (RFC 9110) and, as browsers do, a
 * raw deflate stream.
 */
export class ContentDecoder {
  private zlib: Gunzip | Inflate | null = null;
  private readonly coding: "gzip" | "deflate";
  private readonly sink: DecodedSink;
  private readonly maxOutputBytes: number;
  private output = 0;
  private failed = false;
  private ended = false;
  private drain: (() => void) | null = null;

  constructor(coding: "gzip" | "deflate", sink: DecodedSink, maxOutputBytes: number) {
    this.coding = coding;
    this.sink = sink;
    this.maxOutputBytes = maxOutputBytes;
  }

  /**
   * Feed compressed bytes (kept by the decoder: pass a copy of transient bytes). Returns a
   * promise when zlib wants no more input for now.
   */
  write(piece: Buffer): Promise<void> | undefined {
    if (this.failed || piece.length === 0) return undefined;
    const z = this.zlib ?? this.open(piece[0]);
    if (z.write(piece)) return undefined;
    return new Promise<void>((resolve) => {
      this.drain = resolve;
    });
  }

  /** No more input. */
  end(): void {
    if (this.failed || this.ended) return;
    this.ended = true;
    if (this.zlib === null) {
      this.sink.onDecodedEnd();
      return;
    }
    this.zlib.end();
  }

  /** Stop and drop what is buffered (the request failed or was aborted). */
  destroy(): void {
    this.failed = true;
    this.zlib?.destroy();
    this.wakeDrain();
  }

  private open(firstByte: number): Gunzip | Inflate {
    const z =
      this.coding === "gzip"
        ? createGunzip()
        : (firstByte & 0x0f) === 0x08
          ? createInflate()
          : createInflateRaw();
    this.zlib = z;
    z.on("data", (piece: Buffer) => this.onData(piece));
    z.on("error", (err: Error) => {
      const code = (err as { code?: string }).code;
      this.fail(
        new HTTPMalformedResponseError(
          `corrupt ${this.coding} response body (${code ?? err.message})`,
          { cause: err },
        ),
      );
    });
    z.on("end", () => {
      if (!this.failed) this.sink.onDecodedEnd();
    });
    z.on("drain", () => this.wakeDrain());
    return z;
  }

  private onData(piece: Buffer): void {
    if (this.failed) return;
    this.output += piece.length;
    if (this.output > this.maxOutputBytes) {
      this.fail(
        new HTTPResponseTooLargeError(
          `decompressed response body larger than maxBodySize (${this.maxOutputBytes} bytes)`,
          "maxBodySize",
        ),
      );
      return;
    }
    let ret: void | PromiseLike<void>;
    try {
      ret = this.sink.onDecoded(piece);
    } catch (err) {
      this.fail(err);
      return;
    }
    if (ret !== undefined && ret !== null && typeof ret.then === "function") {
      const z = this.zlib as Gunzip;
      z.pause();
      ret.then(
        () => {
          if (!this.failed) z.resume();
        },
        (err) => this.fail(err),
      );
    }
  }

  private fail(err: unknown): void {
    if (this.failed) return;
    this.failed = true;
    this.zlib?.destroy();
    this.wakeDrain();
    this.sink.onDecodeError(err);
  }

  private wakeDrain(): void {
    const d = this.drain;
    this.drain = null;
    if (d !== null) d();
  }
}
