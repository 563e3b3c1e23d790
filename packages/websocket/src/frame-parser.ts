// Incremental parser of RFC 6455 frames that enforces the framing rules of §5.

import { CLOSE_MESSAGE_TOO_BIG, CLOSE_PROTOCOL_ERROR } from "./close-codes.js";
import { WebSocketProtocolError } from "./errors.js";
import { checkLimit } from "./limits.js";
import { applyMask } from "./masking.js";
import { OP_BINARY, OP_CLOSE, OP_CONTINUATION, OP_PING, OP_PONG, OP_TEXT } from "./opcodes.js";

/** Receives what the parser finds, in order. */
export interface FrameSink {
  /**
   * One complete frame. `payload` is unmasked and owned by the sink. `opcode` is 0 for a
   * continuation; the parser has already checked the fragment sequence.
   */
  onFrame(opcode: number, fin: boolean, rsv1: boolean, payload: Buffer): void;
  /**
   * Optional: a whole text message in one frame (FIN set, RSV1 clear) whose payload lies within
   * the input given to `execute`, offered in place instead of through `onFrame` — no Buffer is
   * made for it. The parser has unmasked `buf[start, end)` in place (so it writes into the input
   * it is given); the bytes are only valid during the call.
   */
  onTextView?(buf: Buffer, start: number, end: number): void;
  /** The peer broke the framing rules; the parser discards all further input. */
  onProtocolError(error: WebSocketProtocolError): void;
}

/** How the parser judges incoming frames. */
export interface FrameParserOptions {
  /** True on the server: every frame must be masked. False on the client: none may be. */
  expectMasked: boolean;
  /** Most bytes of one message (the sum of its fragments' payloads); larger closes with 1009. */
  maxMessageSize: number;
  /** True when permessage-deflate was negotiated (RSV1 marks a compressed message). */
  allowRsv1: boolean;
  /**
   * Most frames one message may be split into (an integer >= 1, or Infinity); the header of
   * one more closes with 1009. Default Infinity.
   */
  maxFragmentsPerMessage?: number;
}

const EMPTY = Buffer.alloc(0);
const HEADER = 0;
const PAYLOAD = 1;
/** First allocation for a payload; larger ones grow (doubling) as their bytes arrive. */
const INITIAL_PAYLOAD = 64 * 1024;
const FAILED = 2;

/**
 * Parses a byte stream of frames fed in arbitrary pieces. Made for `setDataConsumer`:
 * `execute` returns how many bytes it consumed and leaves an incomplete frame header unconsumed
 * (at most 14 bytes); payload bytes are copied out (and unmasked) as they arrive.
 *
 * Checks: RSV2/RSV3 never set, RSV1 only on the first frame of a message when compression is
 * on, known opcodes only, control frames final and at most 125 bytes, masking by side, lengths
 * minimally encoded and below 2^63, continuation frames only inside a fragmented message and
 * no new message inside one, message size at most `maxMessageSize`, at most
 * `maxFragmentsPerMessage` frames per message.
 */
export class FrameParser {
  /** Set by the sink to stop `execute` after the current frame (resumed by clearing it). */
  paused = false;
  /** Whether RSV1 may be set (permessage-deflate negotiated). */
  allowRsv1: boolean;

  private readonly sink: FrameSink;
  /** The sink takes whole text messages in place (`onTextView`). */
  private readonly textViews: boolean;
  private readonly expectMasked: boolean;
  private readonly maxMessageSize: number;
  private readonly maxFragmentsPerMessage: number;

  private state = HEADER;
  private fin = false;
  private rsv1 = false;
  private opcode = 0;
  private readonly mask = Buffer.alloc(4);
  private masked = false;
  private payload: Buffer = EMPTY;
  /** The frame's declared payload length; `payload` grows toward it as bytes arrive. */
  private payloadLength = 0;
  private filled = 0;
  /** Opcode of the fragmented message in progress, or -1. */
  private fragmentOpcode = -1;
  /** Payload bytes of the fragmented message so far. */
  private messageBytes = 0;
  /** Frames of the fragmented message so far. */
  private messageFrames = 0;

  constructor(sink: FrameSink, options: FrameParserOptions) {
    this.sink = sink;
    this.textViews = typeof sink.onTextView === "function";
    this.expectMasked = options.expectMasked;
    this.maxMessageSize = options.maxMessageSize;
    this.allowRsv1 = options.allowRsv1;
    this.maxFragmentsPerMessage = checkLimit(
      "maxFragmentsPerMessage",
      options.maxFragmentsPerMessage,
      Number.POSITIVE_INFINITY,
      "frames",
    );
  }

  /** True once a protocol error was reported (all later input is discarded). */
  get failed(): boolean {
    return this.state === FAILED;
  }

  /** Consume frames from `buf[start, end)`; returns the number of bytes consumed. */
  execute(buf: Buffer, start: number, end: number): number {
    let pos = start;
    while (pos < end && !this.paused) {
      const state = this.state;
      if (state === HEADER) {
        const used = this.parseHeader(buf, pos, end);
        if (used === 0) {
          if (this.state === FAILED) return end - start;
          break;
        }
        pos += used;
        if (this.state !== PAYLOAD) continue;
        const length = this.payloadLength;
        if (length === 0) this.emit();
        else if (
          this.textViews &&
          this.opcode === OP_TEXT &&
          this.fin &&
          !this.rsv1 &&
          end - pos >= length
        ) {
          // A whole text message in this input: unmask it where it lies and offer it there.
          const at = pos;
          pos += length;
          if (this.masked) applyMask(buf, at, pos, this.mask, 0, 0);
          this.state = HEADER;
          (this.sink as Required<FrameSink>).onTextView(buf, at, pos);
        }
      } else if (state === PAYLOAD) {
        const n = Math.min(end - pos, this.payloadLength - this.filled);
        let payload = this.payload;
        if (this.filled === 0 && payload.length === 0) {
          payload = Buffer.allocUnsafe(Math.min(this.payloadLength, INITIAL_PAYLOAD));
          this.payload = payload;
        }
        if (this.filled + n > payload.length) {
          // Grow geometrically toward the declared length: memory follows the bytes that
          // arrived, not what a header claims (a 14-byte header must not cost 10 MiB).
          const grown = Buffer.allocUnsafe(
            Math.min(this.payloadLength, Math.max(payload.length * 2, this.filled + n)),
          );
          payload.copy(grown, 0, 0, this.filled);
          payload = grown;
          this.payload = grown;
        }
        buf.copy(payload, this.filled, pos, pos + n);
        if (this.masked)
          applyMask(payload, this.filled, this.filled + n, this.mask, 0, this.filled);
        this.filled += n;
        pos += n;
        if (this.filled === this.payloadLength) this.emit();
      } else {
        return end - start; // FAILED: discard
      }
    }
    return pos - start;
  }

  /** Parse one header at `buf[pos]`; returns its size, or 0 when incomplete (or failed). */
  private parseHeader(buf: Buffer, pos: number, end: number): number {
    const avail = end - pos;
    if (avail < 2) return 0;
    const b0 = buf[pos];
    const b1 = buf[pos + 1];
    const fin = (b0 & 0x80) !== 0;
    const rsv1 = (b0 & 0x40) !== 0;
    const opcode = b0 & 0x0f;
    const masked = (b1 & 0x80) !== 0;
    const len7 = b1 & 0x7f;

    if ((b0 & 0x30) !== 0) return this.fail("RSV2 and RSV3 must be clear", CLOSE_PROTOCOL_ERROR);
    if (masked !== this.expectMasked) {
      return this.fail(
        this.expectMasked ? "client frames must be masked" : "server frames must not be masked",
        CLOSE_PROTOCOL_ERROR,
      );
    }
    if (opcode >= OP_CLOSE) {
      if (opcode !== OP_CLOSE && opcode !== OP_PING && opcode !== OP_PONG) {
        return this.fail(`reserved opcode 0x${opcode.toString(16)}`, CLOSE_PROTOCOL_ERROR);
      }
      if (!fin) return this.fail("control frames must not be fragmented", CLOSE_PROTOCOL_ERROR);
      if (len7 > 125) {
        return this.fail("control frame payload above 125 bytes", CLOSE_PROTOCOL_ERROR);
      }
      if (rsv1) return this.fail("RSV1 set on a control frame", CLOSE_PROTOCOL_ERROR);
    } else if (opcode === OP_CONTINUATION) {
      if (this.fragmentOpcode === -1) {
        return this.fail("continuation frame outside a fragmented message", CLOSE_PROTOCOL_ERROR);
      }
      if (rsv1) return this.fail("RSV1 set on a continuation frame", CLOSE_PROTOCOL_ERROR);
    } else if (opcode === OP_TEXT || opcode === OP_BINARY) {
      if (this.fragmentOpcode !== -1) {
        return this.fail("new message inside a fragmented message", CLOSE_PROTOCOL_ERROR);
      }
      if (rsv1 && !this.allowRsv1) {
        return this.fail("RSV1 set without a negotiated extension", CLOSE_PROTOCOL_ERROR);
      }
    } else {
      return this.fail(`reserved opcode 0x${opcode.toString(16)}`, CLOSE_PROTOCOL_ERROR);
    }

    let size = 2;
    let length: number;
    if (len7 === 126) {
      if (avail < 4) return 0;
      length = (buf[pos + 2] << 8) | buf[pos + 3];
      if (length < 126) return this.fail("length not minimally encoded", CLOSE_PROTOCOL_ERROR);
      size = 4;
    } else if (len7 === 127) {
      if (avail < 10) return 0;
      const high = buf.readUInt32BE(pos + 2);
      const low = buf.readUInt32BE(pos + 6);
      if (high >= 0x80000000) {
        return this.fail("payload length above 2^63 - 1", CLOSE_PROTOCOL_ERROR);
      }
      length = high * 0x100000000 + low;
      if (length < 0x10000) return this.fail("length not minimally encoded", CLOSE_PROTOCOL_ERROR);
      size = 10;
    } else {
      length = len7;
    }
    if (masked) {
      if (avail < size + 4) return 0;
      const mask = this.mask;
      mask[0] = buf[pos + size];
      mask[1] = buf[pos + size + 1];
      mask[2] = buf[pos + size + 2];
      mask[3] = buf[pos + size + 3];
      size += 4;
    }
    if (opcode < OP_CLOSE) {
      const total = (opcode === OP_CONTINUATION ? this.messageBytes : 0) + length;
      if (total > this.maxMessageSize) {
        return this.fail(
          `message above maxMessageSize (${this.maxMessageSize} bytes)`,
          CLOSE_MESSAGE_TOO_BIG,
        );
      }
      const frames = opcode === OP_CONTINUATION ? this.messageFrames + 1 : 1;
      if (frames > this.maxFragmentsPerMessage) {
        return this.fail(
          `message in more than maxFragmentsPerMessage (${this.maxFragmentsPerMessage}) frames`,
          CLOSE_MESSAGE_TOO_BIG,
        );
      }
      if (fin) {
        this.fragmentOpcode = -1;
        this.messageBytes = 0;
        this.messageFrames = 0;
      } else {
        if (opcode !== OP_CONTINUATION) this.fragmentOpcode = opcode;
        this.messageBytes = total;
        this.messageFrames = frames;
      }
    }
    this.fin = fin;
    this.rsv1 = rsv1;
    this.opcode = opcode;
    this.masked = masked;
    this.payloadLength = length;
    this.payload = EMPTY; // made when the first payload byte is copied
    this.filled = 0;
    this.state = PAYLOAD;
    return size;
  }

  private emit(): void {
    const payload = this.payload;
    this.payload = EMPTY;
    this.state = HEADER;
    this.sink.onFrame(this.opcode, this.fin, this.rsv1, payload);
  }

  private fail(message: string, closeCode: number): number {
    this.state = FAILED;
    this.payload = EMPTY;
    this.sink.onProtocolError(new WebSocketProtocolError(message, closeCode));
    return 0;
  }
}
