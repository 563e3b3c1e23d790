// Incremental, strict decoder of the chunked transfer coding (RFC 9112 §7.1).

import { FIELD_VALUE, HEX, TCHAR } from "./char-classes.js";
import { HTTPInputError } from "./errors.js";

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HT = 0x09;
const SEMI = 0x3b;
const EQ = 0x3d;
const DQUOTE = 0x22;
const BSLASH = 0x5c;
const COLON = 0x3a;

const SIZE_FIRST = 0;
const SIZE = 1;
const AFTER_SIZE = 2;
const EXT_NAME_PRE = 3;
const EXT_NAME = 4;
const EXT_NAME_POST = 5;
const EXT_VAL_PRE = 6;
const EXT_VAL_TOKEN = 7;
const EXT_QUOTED = 8;
const EXT_QUOTED_ESC = 9;
const AFTER_VAL = 10;
const SIZE_LF = 11;
const DATA = 12;
const DATA_CR = 13;
const DATA_LF = 14;
const TRAILER_START = 15;
const TRAILER_NAME = 16;
const TRAILER_VALUE = 17;
const TRAILER_LF = 18;
const END_LF = 19;
const DONE = 20;

/** Most bytes of chunk extensions accepted on one chunk-size line. */
export const MAX_CHUNK_EXTENSION_BYTES = 1024;
const MAX_SIZE_DIGITS = 13; // 0xFFFFFFFFFFFFF < 2^53

/** Receives decoded chunk data: `buf[start, end)`, valid only during the call. */
export interface ChunkSink {
  onChunkData(buf: Buffer, start: number, end: number): void;
}

/**
 * Decodes `chunk-size [ext] CRLF data CRLF … 0 CRLF trailers CRLF` a byte range at a time, with a
 * numeric state. Chunk sizes are 1..13 hex digits; extensions must be `;token[=token|quoted]`
 * (whitespace around `;` and `=` allowed; extensions and the whitespace before them together at
 * most MAX_CHUNK_EXTENSION_BYTES per line); trailer fields are validated like header fields and
 * discarded. Violations throw HTTPInputError (400; 413 when the declared sizes pass
 * `maxBodySize`; 431 when trailers pass `maxTrailerSize`).
 */
export class ChunkedDecoder {
  private state = SIZE_FIRST;
  private size = 0;
  private digits = 0;
  private extBytes = 0;
  private trailerBytes = 0;
  /** Body bytes declared by the chunk sizes so far. */
  total = 0;
  /** Most body bytes accepted (bytes). */
  maxBodySize = Number.POSITIVE_INFINITY;
  /** Most trailer bytes accepted (bytes). */
  maxTrailerSize = 65536;

  /** Start a new message. */
  reset(maxBodySize: number, maxTrailerSize: number): void {
    this.state = SIZE_FIRST;
    this.size = 0;
    this.digits = 0;
    this.extBytes = 0;
    this.trailerBytes = 0;
    this.total = 0;
    this.maxBodySize = maxBodySize;
    this.maxTrailerSize = maxTrailerSize;
  }

  /** True once the last chunk and the trailer section were read. */
  get done(): boolean {
    return this.state === DONE;
  }

  /** True while inside chunk data (the body is being streamed). */
  get inData(): boolean {
    return this.state === DATA;
  }

  /** Decode from `buf[start, end)`; returns the bytes consumed (stops right after the message). */
  decode(buf: Buffer, start: number, end: number, sink: ChunkSink): number {
    let i = start;
    let state = this.state;
    while (i < end && state !== DONE) {
      if (state === DATA) {
        const n = Math.min(this.size, end - i);
        this.size -= n;
        const s = i;
        i += n;
        if (this.size === 0) state = DATA_CR;
        this.state = state;
        sink.onChunkData(buf, s, i);
        continue;
      }
      const c = buf[i++];
      switch (state) {
        case SIZE_FIRST:
        case SIZE: {
          const h = HEX[c];
          if (h !== 0) {
            if (++this.digits > MAX_SIZE_DIGITS) throw new HTTPInputError("Chunk size too long");
            this.size = this.size * 16 + (h - 1);
            state = SIZE;
          } else if (state === SIZE_FIRST) {
            throw new HTTPInputError("Invalid chunk size");
          } else if (c === CR) {
            state = SIZE_LF;
          } else if (c === SEMI) {
            state = EXT_NAME_PRE;
          } else if (c === SP || c === HT) {
            this.extByte();
            state = AFTER_SIZE;
          } else {
            throw new HTTPInputError("Invalid chunk size");
          }
          break;
        }
        case AFTER_SIZE:
          // Whitespace before `;` is part of the line's extension budget, like the extension.
          this.extByte();
          if (c === SEMI) state = EXT_NAME_PRE;
          else if (c !== SP && c !== HT) throw new HTTPInputError("Invalid chunk size line");
          break;
        case EXT_NAME_PRE:
          this.extByte();
          if (TCHAR[c] === 1) state = EXT_NAME;
          else if (c !== SP && c !== HT) throw new HTTPInputError("Invalid chunk extension");
          break;
        case EXT_NAME:
          this.extByte();
          if (TCHAR[c] === 1) break;
          state = this.afterExtItem(c, true);
          break;
        case EXT_NAME_POST:
          this.extByte();
          if (c === SP || c === HT) break;
          state = this.afterExtItem(c, true);
          break;
        case EXT_VAL_PRE:
          this.extByte();
          if (c === DQUOTE) state = EXT_QUOTED;
          else if (TCHAR[c] === 1) state = EXT_VAL_TOKEN;
          else if (c !== SP && c !== HT) throw new HTTPInputError("Invalid chunk extension value");
          break;
        case EXT_VAL_TOKEN:
          this.extByte();
          if (TCHAR[c] === 1) break;
          state = this.afterExtItem(c, false);
          break;
        case EXT_QUOTED:
          this.extByte();
          if (c === DQUOTE) state = AFTER_VAL;
          else if (c === BSLASH) state = EXT_QUOTED_ESC;
          else if (FIELD_VALUE[c] === 0) throw new HTTPInputError("Invalid chunk extension value");
          break;
        case EXT_QUOTED_ESC:
          this.extByte();
          if (FIELD_VALUE[c] === 0) throw new HTTPInputError("Invalid chunk extension value");
          state = EXT_QUOTED;
          break;
        case AFTER_VAL:
          this.extByte();
          if (c === SP || c === HT) break;
          state = this.afterExtItem(c, false);
          break;
        case SIZE_LF:
          if (c !== LF) throw new HTTPInputError("Bare CR in chunk size line");
          this.extBytes = 0;
          this.digits = 0;
          if (this.size === 0) {
            state = TRAILER_START;
          } else {
            this.total += this.size;
            if (this.total > this.maxBodySize) {
              throw new HTTPInputError("Request body larger than maxBodySize", 413);
            }
            state = DATA;
          }
          break;
        case DATA_CR:
          if (c !== CR) throw new HTTPInputError("Chunk data longer than its size");
          state = DATA_LF;
          break;
        case DATA_LF:
          if (c !== LF) throw new HTTPInputError("Bare CR after chunk data");
          state = SIZE_FIRST;
          break;
        case TRAILER_START:
          if (c === CR) state = END_LF;
          else if (TCHAR[c] === 1) state = TRAILER_NAME;
          else throw new HTTPInputError("Invalid trailer field");
          this.trailerByte();
          break;
        case TRAILER_NAME:
          this.trailerByte();
          if (c === COLON) state = TRAILER_VALUE;
          else if (TCHAR[c] === 0) throw new HTTPInputError("Invalid trailer field name");
          break;
        case TRAILER_VALUE:
          this.trailerByte();
          if (c === CR) state = TRAILER_LF;
          else if (FIELD_VALUE[c] === 0) throw new HTTPInputError("Invalid byte in trailer field");
          break;
        case TRAILER_LF:
          if (c !== LF) throw new HTTPInputError("Bare CR in trailer section");
          state = TRAILER_START;
          break;
        case END_LF:
          if (c !== LF) throw new HTTPInputError("Bare CR at end of chunked body");
          state = DONE;
          break;
      }
    }
    this.state = state;
    return i - start;
  }

  /** After an extension name or value: `;` starts another, `=` a value (after a name), CR ends. */
  private afterExtItem(c: number, afterName: boolean): number {
    if (c === SEMI) return EXT_NAME_PRE;
    if (c === CR) return SIZE_LF;
    if (c === SP || c === HT) return afterName ? EXT_NAME_POST : AFTER_VAL;
    if (c === EQ && afterName) return EXT_VAL_PRE;
    throw new HTTPInputError("Invalid chunk extension");
  }

  private extByte(): void {
    if (++this.extBytes > MAX_CHUNK_EXTENSION_BYTES) {
      throw new HTTPInputError("Chunk extensions too long");
    }
  }

  private trailerByte(): void {
    if (++this.trailerBytes > this.maxTrailerSize) {
      throw new HTTPInputError("Trailer section too large", 431);
    }
  }
}
