// OutputBuffer: where a connection composes its responses byte by byte and hands them to its stream.

import type { BaseIOStream } from "@t/iostream";
import { latin1Write } from "./latin1.js";
import { RESOLVED } from "./resolved.js";

/** Size of a fresh output buffer (bytes); larger when one piece needs more. */
const BUFFER_SIZE = 16 * 1024;
/** Pieces smaller than this are copied into the buffer; larger ones go to the stream by reference. */
export const COPY_LIMIT = 16 * 1024;
const EMPTY = Buffer.alloc(0);
/** Strings shorter than this are encoded by a JS loop (longer ones by one native call). */
const LOOP_LIMIT = 16;
/** Most distinct field names whose lines are cached (the cache restarts when full). */
const MAX_CACHED_FIELDS = 256;
/** Longest `name` + `value` whose encoded line is cached. */
const MAX_CACHED_LINE = 1024;

/**
 * Encoded `name: value\r\n` lines by field name, for the value last written under that name:
 * `bytes` is built once a value repeats, so varying values never allocate.
 */
interface FieldLine {
  value: string;
  bytes: Buffer | null;
}
const fieldLines = new Map<string, FieldLine>();

/**
 * One idle buffer shared by every connection of this thread: a connection gives its buffer back
 * once its stream wrote everything (the stream's written hook; else `giveBack`, from the timeout
 * sweep, once idle) and the next connection that composes takes it, so idle connections hold no
 * output buffer and a busy process reuses one.
 */
let spare: Buffer | null = null;

/**
 * Where a connection composes its responses, on its stream's protocol core: head lines, cached
 * byte sequences and small bodies are written straight into one buffer, larger bodies are queued
 * by reference (`append`), and `send` hands what was composed to the stream as one view with
 * `stream.send` — no Promise. Inside the connection's batch the stream is corked and responses
 * only `flush`: the batch's end sends them all as one view, which leaves in one write. `emit` is the same with a Promise for when it reached
 * the kernel (`stream.whenWritten`), for the application's `write`.
 *
 * The bytes in `[start, len)` are pending; the ones before `start` were handed to the stream and
 * may still be referenced by its write queue, so they are never overwritten until the stream
 * wrote everything (`recycle`).
 */
export class OutputBuffer {
  /** The buffer, or null while the connection holds none. */
  buf: Buffer | null = null;
  /** End of the composed bytes. */
  len = 0;
  /** Start of the bytes not yet handed to the stream. */
  start = 0;
  /**
   * True while this buffer hands bytes to the uncorked stream, which may then offer input to its
   * data consumer synchronously, in the caller's async context (not a read event's).
   */
  handing = false;
  private readonly stream: BaseIOStream;
  /** Written bytes may be overwritten once the stream's queue is empty (not over TLS). */
  private readonly reuse: boolean;
  /** What the stream's `whenWritten` returns when nothing is queued. */
  private readonly streamResolved: Promise<void>;

  /**
   * @param stream Where the composed bytes go.
   * @param reuse Whether the stream is done with written bytes once its queue is empty (false for
   *   a TLS stream: its socket may still hold them by reference).
   */
  constructor(stream: BaseIOStream, reuse: boolean) {
    this.stream = stream;
    this.reuse = reuse;
    this.streamResolved = stream.write(EMPTY);
    if (reuse) stream.setWrittenHook(() => this.written());
  }

  /**
   * The stream handed everything to the kernel: the buffer goes to the shared spare (when it is
   * free), so a connection holds no output buffer between its responses — one buffer serves every
   * connection whose writes complete at once, and an idle keep-alive connection costs no 16 KiB.
   */
  private written(): void {
    const b = this.buf;
    if (b === null || this.start !== this.len) return;
    this.len = 0;
    this.start = 0;
    if (spare === null) {
      spare = b;
      this.buf = null;
    }
  }

  /** Queue `data` after what is composed: pieces < 16 KiB are copied in, larger ones by reference. */
  append(data: Uint8Array): void {
    const n = data.length;
    if (n === 0) return;
    if (n < COPY_LIMIT) {
      this.bytes(data);
      return;
    }
    this.send();
    this.toStream(data);
  }

  /** Hand what is composed to the stream now (no Promise: a failure closes the stream). */
  send(): void {
    if (this.len - this.start > 0) this.toStream(this.takePending());
  }

  /**
   * Hand what is composed to the stream, unless it is corked: then the connection's batch is
   * running, and its end sends everything composed meanwhile as one piece.
   */
  flush(): void {
    if (!this.stream.corked) this.send();
  }

  /**
   * `append(data)` and `send()`, with a Promise that resolves once it reached the kernel: the
   * shared RESOLVED when it did at once or the stream is corked (a batch: it leaves at its end).
   * Rejects (already marked handled) if the stream closes first.
   */
  emit(data: Uint8Array): Promise<void> {
    this.append(data);
    const s = this.stream;
    if (s.corked) return RESOLVED;
    this.send();
    const p = s.whenWritten();
    return p === this.streamResolved ? RESOLVED : p;
  }

  /** Once the stream wrote everything, compose from the start of the buffer again. */
  recycle(): void {
    if (this.len !== 0 && this.start === this.len && this.reuse && !this.stream.writing()) {
      this.len = 0;
      this.start = 0;
    }
  }

  /**
   * The connection is idle: once the stream wrote everything, give the buffer to the shared spare
   * (or to the garbage collector when the spare is taken, or over TLS).
   */
  giveBack(): void {
    const b = this.buf;
    if (b === null || this.start !== this.len || this.stream.writing()) return;
    if (this.reuse && spare === null) spare = b;
    this.buf = null;
    this.len = 0;
    this.start = 0;
  }

  private toStream(piece: Uint8Array): void {
    const s = this.stream;
    if (s.corked) {
      s.send(piece);
      return;
    }
    this.handing = true;
    s.send(piece);
    this.handing = false;
    this.recycle();
  }

  /** Make room for `n` more bytes; returns the buffer to write at `len`. */
  reserve(n: number): Buffer {
    const b = this.buf;
    if (b !== null && this.len + n <= b.length) return b;
    return this.grow(n);
  }

  private grow(n: number): Buffer {
    const b = this.buf;
    const pending = b === null ? 0 : this.len - this.start;
    let nb: Buffer;
    const s = spare;
    if (s !== null && s.length >= pending + n) {
      nb = s;
      spare = null;
    } else {
      nb = Buffer.allocUnsafeSlow(Math.max(BUFFER_SIZE, 2 * (pending + n)));
    }
    // Move the pending bytes: the old buffer may still be referenced by the stream.
    if (b !== null && pending > 0) b.copy(nb, 0, this.start, this.len);
    this.buf = nb;
    this.start = 0;
    this.len = pending;
    return nb;
  }

  /** Number of composed bytes not yet handed to the stream. */
  get pendingLength(): number {
    return this.len - this.start;
  }

  /** Hand the pending bytes out as a view (they must then not be overwritten; see `recycle`). */
  private takePending(): Uint8Array {
    const b = this.buf as Buffer;
    // A plain Uint8Array view: cheaper to create than `subarray` (no species lookup).
    const view = new Uint8Array(b.buffer, b.byteOffset + this.start, this.len - this.start);
    this.start = this.len;
    return view;
  }

  /** Append `s` as latin1 (callers guarantee it holds no CR/LF where that matters). */
  latin1(s: string): void {
    const n = s.length;
    const b = this.reserve(n);
    let o = this.len;
    if (n < LOOP_LIMIT) {
      for (let i = 0; i < n; i++) b[o++] = s.charCodeAt(i);
    } else {
      o += latin1Write(b, s, o);
    }
    this.len = o;
  }

  /** Append `name: value\r\n` (a line seen repeatedly is copied from its cached bytes). */
  field(name: string, value: string): void {
    const nl = name.length;
    const vl = value.length;
    // Cache short lines only, and never Set-Cookie: session values must not outlive the response.
    if (nl + vl <= MAX_CACHED_LINE && !(nl === 10 && name.toLowerCase() === "set-cookie")) {
      let entry = fieldLines.get(name);
      if (entry !== undefined && entry.value === value) {
        let line = entry.bytes;
        if (line === null) {
          line = Buffer.from(`${name}: ${value}\r\n`, "latin1");
          entry.bytes = line;
        }
        const b = this.reserve(line.length);
        b.set(line, this.len);
        this.len += line.length;
        return;
      }
      if (entry === undefined) {
        if (fieldLines.size >= MAX_CACHED_FIELDS) fieldLines.clear();
        entry = { value, bytes: null };
        fieldLines.set(name, entry);
      } else {
        entry.value = value;
        entry.bytes = null;
      }
    }
    const b = this.reserve(nl + vl + 4);
    let o = this.len;
    if (nl < LOOP_LIMIT) {
      for (let i = 0; i < nl; i++) b[o++] = name.charCodeAt(i);
    } else {
      o += latin1Write(b, name, o);
    }
    b[o++] = 0x3a;
    b[o++] = 0x20;
    if (vl < LOOP_LIMIT) {
      for (let i = 0; i < vl; i++) b[o++] = value.charCodeAt(i);
    } else {
      o += latin1Write(b, value, o);
    }
    b[o++] = 0x0d;
    b[o++] = 0x0a;
    this.len = o;
  }

  /** Append `Content-Length: n\r\n`. */
  contentLength(n: number): void {
    const b = this.reserve(CONTENT_LENGTH.length + 18);
    b.set(CONTENT_LENGTH, this.len);
    let o = writeDecimal(b, this.len + CONTENT_LENGTH.length, n);
    b[o++] = 0x0d;
    b[o++] = 0x0a;
    this.len = o;
  }

  /** Append raw bytes. */
  bytes(src: Uint8Array): void {
    const n = src.length;
    const b = this.reserve(n);
    const o = this.len;
    if (n < 8) {
      for (let i = 0; i < n; i++) b[o + i] = src[i];
    } else {
      b.set(src, o);
    }
    this.len = o + n;
  }
}

const CONTENT_LENGTH = Buffer.from("Content-Length: ", "latin1");

/** Write the decimal digits of the non-negative integer `n` at `o`; returns the new offset. */
function writeDecimal(b: Buffer, o: number, n: number): number {
  if (n < 10) {
    b[o] = 0x30 + n;
    return o + 1;
  }
  let digits = 1;
  for (let t = n; t >= 10; t = Math.floor(t / 10)) digits++;
  let v = n;
  for (let k = o + digits - 1; k >= o; k--) {
    const q = Math.floor(v / 10);
    b[k] = 0x30 + (v - q * 10);
    v = q;
  }
  return o + digits;
}
