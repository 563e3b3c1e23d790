// SSLIOStream: TLS over one of our socket streams, using Node's OpenSSL (never our own crypto).

import { AsyncResource } from "node:async_hooks";
import * as net from "node:net";
import type { Duplex } from "node:stream";
import * as tls from "node:tls";
import { READ, WRITE } from "@t/ioloop";
import { BaseIOStream } from "./base-iostream.js";
import { CiphertextDuplex, type CiphertextTransport } from "./ciphertext-duplex.js";
import { StreamClosedError } from "./errors.js";
import { FdIOStream } from "./fd-iostream.js";
import type { IOStreamOptions } from "./options.js";

export type { CiphertextTransport } from "./ciphertext-duplex.js";

/** Options of a TLS stream: our stream limits plus Node's TLS options. */
export interface TlsStartOptions extends IOStreamOptions {
  /** True on the accepting side. */
  serverSide: boolean;
  /** Node TLS options: `key`/`cert` or `secureContext` for servers, `ca`, `rejectUnauthorized`, … */
  tls?: tls.SecureContextOptions & tls.CommonConnectionOptions & { rejectUnauthorized?: boolean };
  /** Client side: the name sent as SNI and verified against the certificate (default: none sent). */
  serverHostname?: string;
  /**
   * Close the stream if the handshake has not completed after this many ms (default 10000, as
   * Node's tls.Server): a peer that connects and sends nothing must not hold resources forever.
   */
  handshakeTimeoutMs?: number;
  /**
   * Most ms a TLS stream closed without an error keeps its descriptor open to hand the peer
   * what OpenSSL already accepted (the records of bytes `write` reported written, then the
   * close_notify alert); a peer that stops reading is cut off then. Default 10000; 0 drops
   * them at once, as a close with an error always does.
   */
  lingerTimeoutMs?: number;
}

/** Default of {@link TlsStartOptions.handshakeTimeoutMs}. */
export const DEFAULT_TLS_HANDSHAKE_TIMEOUT_MS = 10_000;
/** Default of {@link TlsStartOptions.lingerTimeoutMs}. */
const DEFAULT_TLS_LINGER_TIMEOUT_MS = 10_000;

const TLS_WRITE_SLICE = 16 * 1024;

/**
 * Node's own socket on the descriptor of `transport`, which gives it up, when `transport` is an
 * idle descriptor stream (what `startTls`, a TCP server and a TCP client hand over); null when
 * it is not (then the records go through a CiphertextDuplex).
 */
function takeOver(transport: CiphertextTransport): net.Socket | null {
  if (
    !(transport instanceof FdIOStream) ||
    transport.closed() ||
    transport.reading() ||
    transport.writing() ||
    transport.readBufferSize > 0
  ) {
    return null;
  }
  let socket: net.Socket;
  try {
    // libuv takes the descriptor (uv_tcp_open / uv_pipe_open): a socket of another kind throws
    // ERR_INVALID_FD_TYPE here, before anything changed.
    socket = new net.Socket({ fd: transport.fileno(), readable: true, writable: true });
  } catch {
    return null;
  }
  // Hand the descriptor over without closing it, as startTls does.
  transport.handOverFd();
  return socket;
}

/**
 * A TLS stream: plaintext reads and writes with the same API as every stream, encrypted by a
 * Node `tls.TLSSocket`. When the transport is one of our descriptor streams (what `startTls`, a
 * TCP server and a TCP client hand over), Node takes the descriptor: the TLS socket runs over
 * a `net.Socket` on it, so records never pass through JavaScript (as with `node:https`);
 * any other transport carries the records through a Duplex on our loop. Plaintext reaches this
 * stream from the TLS socket's events either way. (Like any Node socket, Node's keeps the
 * process alive while the connection is open, whatever the loop's `unref()`.) `write()` resolves once OpenSSL accepted the plaintext and the TLS socket is below its
 * high-water mark.
 *
 * Closing without an error (`close()`, `closeWhenWritten()`, the peer's close) lingers, as the
 * kernel does for a socket's unsent bytes: the stream is closed at once for its user, and its
 * descriptor stays open until the TLS socket has handed every record it holds, and a
 * close_notify alert, to the kernel — at most `lingerTimeoutMs`. A close with an error
 * drops them.
 */
export class SSLIOStream extends BaseIOStream {
  /** The transport the records go through, or null when Node's socket owns the descriptor. */
  private readonly transport: CiphertextTransport | null;
  /** What the TLS socket runs over: Node's socket on our descriptor, or a CiphertextDuplex. */
  private readonly under: Duplex;
  private readonly fd: number;
  private readonly socket: tls.TLSSocket;
  private readonly plain: Buffer[] = [];
  private plainHead = 0;
  private plainBytes = 0;
  private ended = false;
  private handshakeDone = false;
  private readonly handshake: Promise<void>;
  private handshakeTimer: ReturnType<BaseIOStream["loop"]["callLater"]> | null = null;
  private readonly lingerTimeoutMs: number;

  /** True: this stream is TLS (see {@link BaseIOStream.encrypted}). */
  override get encrypted(): boolean {
    return true;
  }

  constructor(transport: CiphertextTransport, options: TlsStartOptions) {
    super({ ...options, loop: transport.loop });
    const lingerMs = options.lingerTimeoutMs ?? DEFAULT_TLS_LINGER_TIMEOUT_MS;
    if (typeof lingerMs !== "number" || !(lingerMs >= 0)) {
      throw new RangeError(`lingerTimeoutMs must be a number of ms >= 0, got ${lingerMs}`);
    }
    this.lingerTimeoutMs = lingerMs;
    this.fd = transport.fileno();
    const nodeSocket = takeOver(transport);
    this.transport = nodeSocket === null ? transport : null;
    const under: Duplex = nodeSocket ?? new CiphertextDuplex(transport);
    this.under = under;
    const t = options.tls ?? {};
    let socket: tls.TLSSocket;
    let readyEvent: string;
    if (options.serverSide) {
      const secureContext = (t as tls.TLSSocketOptions).secureContext ?? tls.createSecureContext(t);
      socket = new tls.TLSSocket(under, { ...t, isServer: true, secureContext });
      readyEvent = "secure";
    } else {
      socket = tls.connect({ ...t, socket: under, servername: options.serverHostname });
      readyEvent = "secureConnect";
    }
    this.socket = socket;
    const timeoutMs = options.handshakeTimeoutMs ?? DEFAULT_TLS_HANDSHAKE_TIMEOUT_MS;
    if (typeof timeoutMs !== "number" || !(timeoutMs > 0)) {
      throw new RangeError(`handshakeTimeoutMs must be a number of ms > 0, got ${timeoutMs}`);
    }
    if (Number.isFinite(timeoutMs)) {
      this.handshakeTimer = this.loop.callLater(timeoutMs, () => {
        this.handshakeTimer = null;
        if (this.handshakeDone) return;
        const err = new Error(`TLS handshake did not complete within ${timeoutMs} ms`);
        (err as Error & { code: string }).code = "ETIMEDOUT";
        this.close(err);
      });
    }
    this.handshake = new Promise<void>((resolve, reject) => {
      socket.once(readyEvent, () => {
        this.handshakeDone = true;
        this.cancelHandshakeTimer();
        resolve();
      });
      socket.once("error", (err) => {
        if (!this.handshakeDone) reject(err);
      });
      socket.once("close", () => {
        if (!this.handshakeDone) reject(new StreamClosedError(this.error));
      });
    });
    this.handshake.catch(() => {});
    // The socket's events run in the async context this stream was made in, as a descriptor
    // stream's reads run in the context of its loop handler: a `resume()` called from some
    // request's context schedules the next 'data' there, and that must not become the context
    // of whatever the bytes start (the next request on a keep-alive connection).
    const own = <A extends unknown[]>(fn: (...args: A) => void) => AsyncResource.bind(fn);
    socket.on(
      "data",
      own((chunk: Buffer) => {
        if (this.closed()) return; // lingering: the peer's late bytes are read and dropped
        this.plain.push(chunk);
        this.plainBytes += chunk.length;
        if (this.plainBytes >= this.limits.readChunkSize) socket.pause();
        this.handleEvents(READ);
      }),
    );
    socket.on(
      "end",
      own(() => {
        this.ended = true;
        this.handleEvents(READ);
      }),
    );
    socket.on(
      "drain",
      own(() => this.handleEvents(WRITE)),
    );
    socket.on("error", (err) => this.close(err));
    socket.on(
      "close",
      own(() => {
        this.ended = true;
        if (!this.closed()) this.handleEvents(READ);
      }),
    );
  }

  /** Resolves once the TLS handshake completed; rejects with the TLS error otherwise. */
  waitForHandshake(): Promise<void> {
    return this.handshake;
  }

  /** The peer's certificate (after the handshake), as Node's TLSSocket reports it. */
  peerCertificate(): tls.PeerCertificate {
    return this.socket.getPeerCertificate();
  }

  /** The negotiated ALPN protocol, or false. */
  alpnProtocol(): string | false | null {
    return this.socket.alpnProtocol;
  }

  fileno(): number {
    return this.fd;
  }

  protected override watchesFd(): boolean {
    return false;
  }

  /**
   * A TLS stream learns of plaintext only from the TLS socket's events, which stop while the
   * socket is paused (its queue full because nobody consumed): whenever the data consumer may
   * take input again (attached, resumed, or no longer held back by output), read what is queued.
   * So detaching or pausing the consumer pauses a TLS stream's reading (bounded by
   * `readChunkSize` of plaintext plus the socket's own buffers), as for plain streams.
   */
  protected override inputReleased(): void {
    if (!this.closed() && (this.plainBytes > 0 || this.ended)) this.handleEvents(READ);
  }

  protected closeFd(): void {
    this.cancelHandshakeTimer();
    if (
      this.error === undefined &&
      this.handshakeDone &&
      this.lingerTimeoutMs > 0 &&
      !this.under.destroyed &&
      !this.socket.destroyed
    ) {
      this.linger();
      return;
    }
    this.release();
  }

  /** Drop the TLS socket and close the descriptor (Node's socket, or our transport). */
  private release(): void {
    this.socket.destroy();
    this.under.destroy();
    this.transport?.close();
  }

  /**
   * Closed without an error: end the TLS socket (its queued plaintext is encrypted, then a
   * close_notify follows) and close the descriptor once every record was written to the kernel
   * — the TLS socket finished (over Node's socket: after its shutdown) or the ciphertext Duplex
   * did — or failed, or after `lingerTimeoutMs`. Input is read and
   * dropped meanwhile, so late bytes from the peer do not turn the final close into a reset.
   */
  private linger(): void {
    const last: Duplex = this.transport === null ? this.socket : this.under;
    let timer: ReturnType<BaseIOStream["loop"]["callLater"]> | null = null;
    const release = (): void => {
      last.off("finish", release);
      last.off("close", release);
      if (timer !== null) {
        this.loop.removeTimeout(timer);
        timer = null;
      }
      this.release();
    };
    last.once("finish", release);
    last.once("close", release);
    timer = this.loop.callLater(this.lingerTimeoutMs, release);
    this.plain.length = 0;
    this.plainHead = 0;
    this.plainBytes = 0;
    this.socket.resume();
    this.socket.end();
  }

  private cancelHandshakeTimer(): void {
    if (this.handshakeTimer !== null) {
      this.loop.removeTimeout(this.handshakeTimer);
      this.handshakeTimer = null;
    }
  }

  protected readFromFd(buf: Buffer, offset: number, length: number): number | null {
    if (this.plainBytes === 0) return this.ended ? 0 : null;
    let copied = 0;
    while (copied < length && this.plainHead < this.plain.length) {
      const chunk = this.plain[this.plainHead];
      const n = Math.min(chunk.length, length - copied);
      chunk.copy(buf, offset + copied, 0, n);
      copied += n;
      if (n === chunk.length) this.plainHead++;
      else this.plain[this.plainHead] = chunk.subarray(n);
    }
    this.plainBytes -= copied;
    if (this.plainHead === this.plain.length) {
      this.plain.length = 0;
      this.plainHead = 0;
    }
    if (this.plainBytes < this.limits.readChunkSize && this.socket.isPaused()) this.socket.resume();
    return copied;
  }

  protected writeToFd(chunks: Uint8Array[], count: number): number | null {
    // Hand OpenSSL at most one TLS-socket high-water mark beyond what it holds, so that a big
    // write stays queued here (and its Promise pending) until the peer actually takes it.
    let n = 0;
    for (let i = 0; i < count && !this.socket.writableNeedDrain; i++) {
      const chunk = chunks[i];
      let off = 0;
      while (off < chunk.length && !this.socket.writableNeedDrain) {
        const end = Math.min(chunk.length, off + TLS_WRITE_SLICE);
        this.socket.write(off === 0 && end === chunk.length ? chunk : chunk.subarray(off, end));
        off = end;
      }
      n += off;
      if (off < chunk.length) break;
    }
    return n === 0 ? null : n;
  }
}
