// WebSocketConnection: the RFC 6455 protocol core shared by the server handler and the client.

import { constants as bufferConstants, isUtf8 } from "node:buffer";
import { type IOLoop, type Logger, namedLogger } from "@t/ioloop";
import type { ConnectionSweeper, IOStream, SSLIOStream, Sweepable } from "@t/iostream";
import {
  CLOSE_GOING_AWAY,
  CLOSE_INTERNAL_ERROR,
  CLOSE_INVALID_PAYLOAD,
  CLOSE_NORMAL,
  CLOSE_POLICY_VIOLATION,
  CLOSE_PROTOCOL_ERROR,
  isValidCloseCode,
} from "./close-codes.js";
import { webSocketCloseChannel, webSocketOpenChannel } from "./diagnostics.js";
import {
  WebSocketBufferFullError,
  WebSocketClosedError,
  WebSocketProtocolError,
} from "./errors.js";
import { FrameOutput, rejectClosed, rejectWith } from "./frame-output.js";
import { FrameParser, type FrameSink } from "./frame-parser.js";
import {
  checkLimit,
  DEFAULT_MAX_FRAGMENTS_PER_MESSAGE,
  DEFAULT_MAX_WRITE_BUFFER_SIZE,
  DEFAULT_WRITE_HIGH_WATER_MARK,
} from "./limits.js";
import { OP_BINARY, OP_CLOSE, OP_PING, OP_PONG, OP_TEXT } from "./opcodes.js";
import type { PerMessageDeflate } from "./permessage-deflate.js";
import { deadlineSweepIntervalMs, sweeperFor } from "./sweepers.js";
import { Utf8Validator } from "./utf8-validator.js";

/** The largest Buffer this Node can allocate: the ceiling of maxMessageSize. */
const MAX_LENGTH = bufferConstants.MAX_LENGTH;
/** A deadline that is not set. */
const NEVER = Number.POSITIVE_INFINITY;

/** What a connection reports to its owner (the handler or the client). */
export interface WebSocketDelegate {
  /**
   * A complete message: a string for text, a Buffer for binary. When it returns a Promise, no
   * further message is delivered until it settles (a rejection closes with 1011).
   */
  onMessage(message: string | Buffer): void | PromiseLike<void>;
  /** A ping arrived (the pong is sent automatically). */
  onPing(data: Buffer): void;
  /** A pong arrived. */
  onPong(data: Buffer): void;
  /** The connection closed (once). `closeCode`/`closeReason` on the connection say why. */
  onClose(): void;
}

/** Settings of a connection (validated by the handler / client). */
export interface WebSocketConnectionOptions {
  /** True for the server side: incoming frames must be masked, outgoing are not. */
  isServer: boolean;
  /** Most bytes of one incoming message (after decompression). */
  maxMessageSize: number;
  /** Send a ping this often (ms); 0 disables pings. */
  pingIntervalMs: number;
  /** Close when a ping is not answered by a pong within this many ms. */
  pingTimeoutMs: number;
  /** How long to wait for the peer's close frame (or its hang-up) after sending ours (ms). */
  closeTimeoutMs: number;
  /** The negotiated permessage-deflate context, or null. */
  deflate: PerMessageDeflate | null;
  /**
   * Most outgoing bytes queued for this connection (see `bufferedAmount`); a `writeMessage`
   * that would pass it fails the connection with 1008 and rejects with
   * WebSocketBufferFullError. An integer >= 1 or Infinity. Default 16 MiB.
   */
  maxWriteBufferSize?: number;
  /**
   * Output backpressure on input: while at least this many outgoing bytes wait in the stream
   * (the peer does not read our frames), no further incoming frame is parsed and the stream stops
   * reading — the peer's sends then wait in its kernel. An integer >= 1 or Infinity (the default:
   * off, since two full-duplex peers that both did this could wait for each other forever).
   */
  writeHighWaterMark?: number;
  /**
   * Most frames one incoming message may be split into (an integer >= 1 or Infinity); more
   * closes with 1009. Default Infinity (`maxMessageSize` bounds the message).
   */
  maxFragmentsPerMessage?: number;
  /**
   * For the `t.websocket.open` diagnostics message: the handshake's request-target (server) or
   * URL (client). Default "".
   */
  url?: string;
  /** For the `t.websocket.open` diagnostics message: the negotiated subprotocol. Default null. */
  protocol?: string | null;
}

/** Options of a message write. */
export type WriteMessageData = string | Uint8Array | Record<string, unknown> | unknown[];

const EMPTY = Buffer.alloc(0);

/** What `t.websocket.open` (`webSocketOpenChannel`) publishes. */
export interface WebSocketOpenMessage {
  /** The connection (also in the close message, to pair the two). */
  readonly connection: WebSocketConnection;
  /** True on the server side. */
  readonly isServer: boolean;
  /** The request-target of the handshake (server side) or the URL connected to (client side). */
  readonly url: string;
  /** The negotiated subprotocol, or null. */
  readonly protocol: string | null;
  /** True when permessage-deflate was negotiated. */
  readonly compressed: boolean;
}

/** What `t.websocket.close` (`webSocketCloseChannel`) publishes. */
export interface WebSocketCloseMessage {
  readonly connection: WebSocketConnection;
  readonly isServer: boolean;
  /** The status code of the peer's close frame, or null when none arrived (1005/1006). */
  readonly code: number | null;
  /** The reason of the peer's close frame, or null. */
  readonly reason: string | null;
  /** The protocol error that failed the connection (its `closeCode` was sent), or null. */
  readonly error: Error | null;
}

/**
 * The protocol engine of one WebSocket (Tornado's `WebSocketProtocol13`): parses frames from the
 * stream in consumer mode, assembles and validates messages, answers pings and the closing
 * handshake, and serializes outgoing messages (compressing them when negotiated) through its
 * `FrameOutput` (frame-output.ts).
 *
 * Flow control both ways rests on the stream: the parser stops (`pauseReading`) while an
 * `onMessage` Promise or a decompression is pending, and — when `writeHighWaterMark` is set —
 * while the stream's write queue is at or above it: a peer that does not read our frames is not
 * read either. Deadlines (pings, the pong and close timeouts) are checked by a coarse
 * {@link ConnectionSweeper} shared by the loop's connections with the same settings, not by a
 * timer each: one fires at the first sweep at or after it, never early and at most one sweep
 * interval (a quarter of the shortest timeout, within 10 ms … 1 s) late.
 */
export class WebSocketConnection implements FrameSink, Sweepable {
  /** @internal The sweeper's bookkeeping (Sweepable): -1 while no sweeper tracks this. */
  sweepSlot = -1;
  /** The status code of the peer's close frame (null if none was received, or it had none). */
  closeCode: number | null = null;
  /** The reason of the peer's close frame (null if none was received). */
  closeReason: string | null = null;
  /** The protocol error that failed the connection, if any. */
  error: WebSocketProtocolError | null = null;

  readonly stream: IOStream | SSLIOStream;
  private readonly loop: IOLoop;
  private readonly logger: Logger;
  private readonly delegate: WebSocketDelegate;
  private readonly isServer: boolean;
  private readonly url: string;
  private readonly subprotocol: string | null;
  /** `t.websocket.open` was published (so a close is too: the two come in pairs). */
  private openPublished = false;
  private readonly maxMessageSize: number;
  private readonly pingIntervalMs: number;
  private readonly pingTimeoutMs: number;
  private readonly closeTimeoutMs: number;
  private readonly maxWriteBufferSize: number;
  private readonly writeHighWaterMark: number;
  private readonly deflate: PerMessageDeflate | null;
  private readonly parser: FrameParser;
  private readonly output: FrameOutput;
  private readonly consumer: (buf: Buffer, start: number, end: number) => number;

  // Message assembly.
  private messageOpcode = 0;
  private messageCompressed = false;
  /**
   * The fragmented message so far, copied into one buffer that doubles as it fills (capped at
   * maxMessageSize): never an object per fragment, at most twice the message's bytes.
   */
  private message: Buffer = EMPTY;
  private messageLength = 0;
  private readonly utf8 = new Utf8Validator();
  /** Reasons the parser is paused (an async onMessage, a decompression). */
  private pauses = 0;
  /** The consumer is running (a batch of input is being parsed). */
  private consuming = false;
  /** The stream's write queue passed its high-water mark during this batch: stop parsing. */
  private outputHeld = false;

  // Closing.
  private closeSent = false;
  private closeReceived = false;
  private streamClosed = false;

  // Deadlines (loop time in ms, NEVER when unset), checked by the sweeper.
  private readonly sweeper: ConnectionSweeper<Sweepable>;
  private swept = false;
  private nextPingAt = NEVER;
  private pongDeadline = NEVER;
  private closeDeadline = NEVER;

  constructor(
    stream: IOStream | SSLIOStream,
    delegate: WebSocketDelegate,
    options: WebSocketConnectionOptions,
  ) {
    this.stream = stream;
    this.loop = stream.loop;
    this.logger = namedLogger(stream.loop.logger, "@t/websocket");
    this.delegate = delegate;
    this.isServer = options.isServer;
    this.url = options.url ?? "";
    this.subprotocol = options.protocol ?? null;
    const maxMessageSize = options.maxMessageSize;
    if (!Number.isInteger(maxMessageSize) || maxMessageSize < 1 || maxMessageSize > MAX_LENGTH) {
      throw new RangeError(
        `maxMessageSize must be an integer number of bytes in 1..${MAX_LENGTH}, got ${maxMessageSize}`,
      );
    }
    this.maxMessageSize = maxMessageSize;
    this.pingIntervalMs = options.pingIntervalMs;
    this.pingTimeoutMs = options.pingTimeoutMs;
    this.closeTimeoutMs = options.closeTimeoutMs;
    this.maxWriteBufferSize = checkLimit(
      "maxWriteBufferSize",
      options.maxWriteBufferSize,
      DEFAULT_MAX_WRITE_BUFFER_SIZE,
      "bytes",
    );
    this.writeHighWaterMark = checkLimit(
      "writeHighWaterMark",
      options.writeHighWaterMark,
      DEFAULT_WRITE_HIGH_WATER_MARK,
      "bytes",
    );
    this.deflate = options.deflate;
    this.parser = new FrameParser(this, {
      expectMasked: options.isServer,
      maxMessageSize: options.maxMessageSize,
      allowRsv1: options.deflate !== null,
      maxFragmentsPerMessage: options.maxFragmentsPerMessage ?? DEFAULT_MAX_FRAGMENTS_PER_MESSAGE,
    });
    this.output = new FrameOutput(stream, !options.isServer);
    this.sweeper = sweeperFor(
      this.loop,
      deadlineSweepIntervalMs(this.pingIntervalMs, this.pingTimeoutMs, this.closeTimeoutMs),
    );
    this.consumer = (buf, start, end) => this.consume(buf, start, end);
  }

  /** Start reading frames (bytes already buffered in the stream are parsed now) and pinging. */
  start(): void {
    this.stream.setCloseCallback(() => this.onStreamClosed());
    // A server's graceful shutdown: close with 1001 "going away", then wait (up to the server's
    // deadline, or closeTimeoutMs) for the peer's close frame.
    this.stream.setDrainCallback(() => {
      if (!this.closing) this.startClose(CLOSE_GOING_AWAY, "going away");
    });
    if (this.stream.closed()) {
      this.onStreamClosed();
      return;
    }
    // Ours to decide (the stream may come from an HTTP/1 server that set its own mark).
    this.stream.setWriteHighWaterMark(this.writeHighWaterMark);
    if (this.pingIntervalMs > 0) {
      this.nextPingAt = this.loop.time() + this.pingIntervalMs;
      this.track();
    }
    this.openPublished = true;
    if (webSocketOpenChannel.hasSubscribers) {
      webSocketOpenChannel.publish({
        connection: this,
        isServer: this.isServer,
        url: this.url,
        protocol: this.subprotocol,
        compressed: this.deflate !== null,
      } satisfies WebSocketOpenMessage);
    }
    this.stream.setDataConsumer(this.consumer);
  }

  /** True once a close frame was sent or received, or the stream closed. */
  get closing(): boolean {
    return this.closeSent || this.closeReceived || this.streamClosed;
  }

  /** True once the underlying stream is closed. */
  get closed(): boolean {
    return this.streamClosed;
  }

  /**
   * Outgoing bytes not yet taken by the kernel (like `ws`'s `bufferedAmount`): frames queued in
   * the stream, plus the payloads of messages waiting for compression. `maxWriteBufferSize`
   * bounds it.
   */
  get bufferedAmount(): number {
    return this.output.bufferedAmount;
  }

  // ------------------------------------------------------------------ sending

  /**
   * Send a message: a string as text, bytes as binary (or as text with `binary: false`), other
   * values as JSON text. Resolves when the frame reached the kernel (backpressure); rejects with
   * WebSocketClosedError once the connection is closing or closed, and with
   * WebSocketBufferFullError (failing the connection with 1008) when it would take
   * `bufferedAmount` above `maxWriteBufferSize`. A rejection nobody awaits is marked handled:
   * it never becomes an unhandled rejection. On the server side, bytes above 2 KiB are sent by
   * reference (not copied): leave them unchanged until the Promise settles.
   */
  writeMessage(message: WriteMessageData, binary?: boolean): Promise<void> {
    let payload: string | Uint8Array;
    if (typeof message === "string" || message instanceof Uint8Array) payload = message;
    else if (message !== null && typeof message === "object") payload = JSON.stringify(message);
    else throw new TypeError("writeMessage expects a string, a Uint8Array or a JSON-able object");
    if (binary !== undefined && typeof binary !== "boolean") {
      throw new TypeError("writeMessage's binary flag must be a boolean");
    }
    const isBinary = binary ?? typeof payload !== "string";
    if (this.closing) return rejectClosed();
    if (isBinary && typeof payload === "string") payload = Buffer.from(payload, "utf8");
    const opcode = isBinary ? OP_BINARY : OP_TEXT;
    const deflate = this.deflate;
    const output = this.output;
    const queued = output.bufferedAmount;
    const max = this.maxWriteBufferSize;
    // The exact UTF-8 size is needed only near the cap, for compression or behind a queue.
    const length =
      typeof payload !== "string"
        ? payload.length
        : deflate === null && !output.queueing && queued + payload.length * 3 <= max
          ? 0
          : Buffer.byteLength(payload);
    if (queued + length > max) return this.bufferFull(queued, length);
    if (deflate?.shouldCompress(length)) {
      const data =
        typeof payload === "string"
          ? Buffer.from(payload, "utf8")
          : Buffer.isBuffer(payload)
            ? payload
            : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
      return output.compressed(opcode, deflate.compress(data), length);
    }
    return output.message(opcode, payload, length);
  }

  /** The outgoing cap was hit: fail the connection (1008) and reject this write. */
  private bufferFull(queued: number, length: number): Promise<void> {
    const err = new WebSocketBufferFullError(
      `a message of ${length} bytes would exceed maxWriteBufferSize (${this.maxWriteBufferSize} bytes, ${queued} queued): the peer does not read fast enough`,
    );
    this.logger.debug({ err }, "WebSocket write buffer full; closing");
    // The close frame goes behind the queue; closeTimeoutMs ends a peer that never reads it.
    this.startClose(CLOSE_POLICY_VIOLATION, "write buffer full");
    this.output.closeStreamWhenSent();
    return rejectWith(err);
  }

  /** Send a ping with up to 125 bytes of application data. */
  ping(data: string | Uint8Array = EMPTY): void {
    const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    if (!(bytes instanceof Uint8Array)) throw new TypeError("ping data must be a string or bytes");
    if (bytes.length > 125) {
      throw new RangeError(`ping data must be at most 125 bytes, got ${bytes.length}`);
    }
    if (this.closing) throw new WebSocketClosedError();
    this.output.ping(bytes);
  }

  /**
   * Start the closing handshake with `code` (default 1000) and `reason` (at most 123 bytes of
   * UTF-8). The stream closes when the peer answers, or after `closeTimeoutMs`.
   */
  close(code?: number, reason?: string): void {
    if (code !== undefined && (!Number.isInteger(code) || !isValidCloseCode(code))) {
      throw new RangeError(
        `close code must be 1000-1003, 1007-1014 or 3000-4999, got ${String(code)}`,
      );
    }
    if (reason !== undefined && typeof reason !== "string") {
      throw new TypeError("close reason must be a string");
    }
    if (reason !== undefined && Buffer.byteLength(reason) > 123) {
      throw new RangeError("close reason must be at most 123 bytes of UTF-8");
    }
    this.startClose(code ?? CLOSE_NORMAL, reason ?? "");
  }

  /** Close the stream at once, without a closing handshake. */
  abort(): void {
    this.stream.close();
  }

  private startClose(code: number, reason: string): void {
    if (this.streamClosed) return;
    if (!this.closeSent) {
      this.closeSent = true;
      this.nextPingAt = this.pongDeadline = NEVER;
      let payload = EMPTY;
      if (code !== 0) {
        payload = Buffer.allocUnsafe(2 + Buffer.byteLength(reason));
        payload.writeUInt16BE(code, 0);
        payload.write(reason, 2, "utf8");
      }
      this.output.close(payload);
    }
    if (this.closeReceived) this.output.closeStreamWhenSent();
    else if (this.closeDeadline === NEVER) {
      this.closeDeadline = this.loop.time() + this.closeTimeoutMs;
      this.track();
    }
  }

  /**
   * Fail the connection for a protocol fault (RFC 6455 §7.1.7): send close with its code,
   * discard further input, and close the TCP connection as soon as the close frame is written.
   */
  private fail(error: WebSocketProtocolError): void {
    if (this.error === null) this.error = error;
    if (this.streamClosed) return;
    this.logger.debug({ err: error }, "WebSocket protocol error");
    if (!this.closeReceived) this.startClose(error.closeCode, error.message.slice(0, 120));
    this.output.closeStreamWhenSent();
  }

  // ------------------------------------------------------------------ receiving

  /**
   * The stream's data consumer (it runs corked: what the messages of this batch answer leaves in
   * one `writev` when it returns). Stops early when the parser is paused, or when the answers
   * filled the stream's write queue to its high-water mark: the rest waits in the stream until
   * the peer has read them.
   */
  private consume(buf: Buffer, start: number, end: number): number {
    const output = this.output;
    output.beginBatch();
    this.consuming = true;
    try {
      return this.parser.execute(buf, start, end);
    } finally {
      this.consuming = false;
      output.endBatch();
      if (this.outputHeld) {
        this.outputHeld = false;
        if (this.pauses === 0) this.parser.paused = false;
      }
    }
  }

  /** Stop parsing (an async onMessage or a decompression is pending): see {@link resume}. */
  private pause(): void {
    if (this.pauses++ === 0) {
      this.parser.paused = true;
      this.stream.pauseReading();
    }
  }

  /** One reason to pause is gone; the last one lets the stream offer what it buffered. */
  private resume(): void {
    if (--this.pauses === 0) {
      this.parser.paused = false;
      if (!this.streamClosed) this.stream.resumeReading();
    }
  }

  /** @internal FrameSink: a complete frame from the parser. */
  onFrame(opcode: number, fin: boolean, rsv1: boolean, payload: Buffer): void {
    if (this.closeReceived) return; // nothing may follow a close frame
    if (opcode >= OP_CLOSE) {
      this.onControlFrame(opcode, payload);
      return;
    }
    if (opcode !== 0) {
      this.messageOpcode = opcode;
      this.messageCompressed = rsv1;
      if (fin) {
        this.onSingleFrameMessage(opcode, rsv1, payload);
        return;
      }
      if (opcode === OP_TEXT && !rsv1) this.utf8.reset();
    }
    if (this.messageOpcode === OP_TEXT && !this.messageCompressed) {
      if (!this.utf8.update(payload)) {
        this.fail(
          new WebSocketProtocolError("invalid UTF-8 in a text message", CLOSE_INVALID_PAYLOAD),
        );
        return;
      }
    }
    if (opcode !== 0) {
      // The first fragment's buffer (sized by the parser to the frame) starts the message.
      this.message = payload;
      this.messageLength = payload.length;
    } else {
      this.appendFragment(payload);
    }
    if (!fin) return;
    const message = this.message;
    const whole =
      this.messageLength === message.length ? message : message.subarray(0, this.messageLength);
    this.message = EMPTY;
    this.messageLength = 0;
    if (this.messageCompressed) {
      this.inflate(this.messageOpcode, [whole]);
      return;
    }
    if (this.messageOpcode === OP_TEXT && !this.utf8.complete()) {
      this.fail(
        new WebSocketProtocolError(
          "text message ends inside a UTF-8 sequence",
          CLOSE_INVALID_PAYLOAD,
        ),
      );
      return;
    }
    this.deliver(this.messageOpcode === OP_TEXT ? whole.toString("utf8") : whole);
  }

  /**
   * @internal FrameSink: a whole text message, unmasked in the stream's input. ASCII (checked
   * here, byte by byte: the common case, and cheaper than a native call for short messages) is
   * valid UTF-8 and decodes as latin1; anything else is checked by `isUtf8` first.
   */
  onTextView(buf: Buffer, start: number, end: number): void {
    if (this.closeReceived) return; // nothing may follow a close frame
    let i = start;
    while (i < end && buf[i] < 0x80) i++;
    if (i === end) {
      this.deliver(buf.toString("latin1", start, end));
    } else if (isUtf8(buf.subarray(start, end))) {
      this.deliver(buf.toString("utf8", start, end));
    } else {
      this.fail(
        new WebSocketProtocolError("invalid UTF-8 in a text message", CLOSE_INVALID_PAYLOAD),
      );
    }
  }

  /** Copy a continuation's payload behind the message so far, doubling the buffer as needed. */
  private appendFragment(payload: Buffer): void {
    const length = this.messageLength;
    const need = length + payload.length;
    let message = this.message;
    if (need > message.length) {
      // The parser keeps the sum of the fragments within maxMessageSize, so `need` fits.
      const grown = Buffer.allocUnsafe(
        Math.min(this.maxMessageSize, Math.max(need, message.length * 2)),
      );
      message.copy(grown, 0, 0, length);
      message = grown;
      this.message = grown;
    }
    payload.copy(message, length);
    this.messageLength = need;
  }

  private onSingleFrameMessage(opcode: number, compressed: boolean, payload: Buffer): void {
    if (compressed) {
      this.inflate(opcode, [payload]);
      return;
    }
    if (opcode === OP_TEXT) {
      if (!isUtf8(payload)) {
        this.fail(
          new WebSocketProtocolError("invalid UTF-8 in a text message", CLOSE_INVALID_PAYLOAD),
        );
        return;
      }
      this.deliver(payload.toString("utf8"));
    } else {
      this.deliver(payload);
    }
  }

  private inflate(opcode: number, fragments: Buffer[]): void {
    const deflate = this.deflate as PerMessageDeflate;
    this.pause();
    deflate.decompress(fragments).then(
      (data) => {
        if (this.streamClosed) return;
        if (this.closeSent) {
          this.resume();
          return;
        }
        if (opcode === OP_TEXT) {
          if (!isUtf8(data)) {
            this.fail(
              new WebSocketProtocolError("invalid UTF-8 in a text message", CLOSE_INVALID_PAYLOAD),
            );
            this.resume();
            return;
          }
          this.deliverAndResume(data.toString("utf8"));
        } else {
          this.deliverAndResume(data);
        }
      },
      (err: unknown) => {
        if (this.streamClosed) return;
        this.fail(
          err instanceof WebSocketProtocolError
            ? err
            : new WebSocketProtocolError(String(err), CLOSE_INVALID_PAYLOAD),
        );
        this.resume();
      },
    );
  }

  /** Deliver a decompressed message, its answers sent as one batch, then parse on. */
  private deliverAndResume(message: string | Buffer): void {
    const stream = this.stream;
    const output = this.output;
    stream.cork();
    output.beginBatch();
    try {
      this.deliver(message);
    } finally {
      output.endBatch();
      this.resume(); // the stream offers buffered input once it uncorks
      stream.uncork();
    }
  }

  private deliver(message: string | Buffer): void {
    if (this.closeSent) return; // we are closing: the application asked for no more messages
    let result: void | PromiseLike<void>;
    try {
      result = this.delegate.onMessage(message);
    } catch (err) {
      this.logger.error({ err }, "Uncaught exception in WebSocket onMessage");
      this.startClose(CLOSE_INTERNAL_ERROR, "");
      return;
    }
    if (result !== undefined && result !== null && typeof result.then === "function") {
      this.pause();
      result.then(
        () => this.resume(),
        (err: unknown) => {
          this.logger.error({ err }, "Uncaught exception in WebSocket onMessage");
          this.startClose(CLOSE_INTERNAL_ERROR, "");
          this.resume();
        },
      );
    } else if (this.consuming && this.stream.writeBlocked) {
      // Output backpressure within a batch: parse no further message until the peer read ours.
      this.outputHeld = true;
      this.parser.paused = true;
    }
  }

  private onControlFrame(opcode: number, payload: Buffer): void {
    if (opcode === OP_PING) {
      if (!this.closeSent) this.output.pong(payload);
      this.callDelegate(() => this.delegate.onPing(payload));
    } else if (opcode === OP_PONG) {
      this.pongDeadline = NEVER;
      this.callDelegate(() => this.delegate.onPong(payload));
    } else {
      this.onCloseFrame(payload);
    }
  }

  private onCloseFrame(payload: Buffer): void {
    this.closeReceived = true;
    this.message = EMPTY;
    this.messageLength = 0;
    let code = 0;
    let error: WebSocketProtocolError | null = null;
    if (payload.length === 1) {
      error = new WebSocketProtocolError("close frame with a 1-byte payload", CLOSE_PROTOCOL_ERROR);
    } else if (payload.length >= 2) {
      code = payload.readUInt16BE(0);
      if (!isValidCloseCode(code)) {
        error = new WebSocketProtocolError(`invalid close code ${code}`, CLOSE_PROTOCOL_ERROR);
      } else if (!isUtf8(payload.subarray(2))) {
        error = new WebSocketProtocolError(
          "close reason is not valid UTF-8",
          CLOSE_INVALID_PAYLOAD,
        );
      } else {
        this.closeCode = code;
        this.closeReason = payload.toString("utf8", 2);
      }
    }
    if (error !== null) {
      if (this.error === null) this.error = error;
      this.startClose(error.closeCode, error.message);
      return;
    }
    // Echo the peer's status (none if it sent none), then close: the handshake is complete.
    this.startClose(code, "");
  }

  /** @internal FrameSink: the peer broke the framing rules. */
  onProtocolError(error: WebSocketProtocolError): void {
    this.fail(error);
  }

  private callDelegate(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.logger.error({ err }, "Uncaught exception in WebSocket callback");
    }
  }

  // ------------------------------------------------------------------ deadlines and close

  /** Have the sweeper check this connection's deadlines (until the stream closes). */
  private track(): void {
    if (this.swept || this.streamClosed) return;
    this.swept = true;
    this.sweeper.add(this);
  }

  /**
   * @internal Sweepable: act on the deadlines that have passed — the close handshake's, a
   * pong's, the next ping's.
   */
  sweep(nowMs: number): void {
    if (this.streamClosed) return;
    if (nowMs >= this.closeDeadline) {
      this.closeDeadline = NEVER;
      this.stream.close();
      return;
    }
    if (nowMs >= this.pongDeadline) {
      this.pongDeadline = NEVER;
      this.logger.debug("WebSocket ping timed out; closing");
      this.startClose(CLOSE_GOING_AWAY, "ping timeout");
      this.stream.close();
      return;
    }
    if (nowMs >= this.nextPingAt) {
      this.nextPingAt = nowMs + this.pingIntervalMs;
      // One ping at a time: while one waits for its pong, the interval passes without another.
      if (this.pongDeadline === NEVER && !this.closing) {
        this.output.ping(EMPTY);
        if (this.pingTimeoutMs > 0) this.pongDeadline = nowMs + this.pingTimeoutMs;
      }
    }
  }

  private onStreamClosed(): void {
    if (this.streamClosed) return;
    this.streamClosed = true;
    if (this.swept) {
      this.swept = false;
      const sweeper = this.sweeper;
      sweeper.delete(this);
      // The last one out stops the sweep now: a loop (a process) with no WebSocket left keeps no
      // periodic callback alive. WebSockets live long, so this starts and stops rarely.
      if (sweeper.size === 0) sweeper.stop();
    }
    this.nextPingAt = this.pongDeadline = this.closeDeadline = NEVER;
    this.message = EMPTY;
    this.messageLength = 0;
    this.deflate?.close();
    this.output.discard();
    if (this.openPublished && webSocketCloseChannel.hasSubscribers) {
      webSocketCloseChannel.publish({
        connection: this,
        isServer: this.isServer,
        code: this.closeCode,
        reason: this.closeReason,
        error: this.error,
      } satisfies WebSocketCloseMessage);
    }
    this.callDelegate(() => this.delegate.onClose());
  }
}
