// IOStream: a buffered stream over a non-blocking socket, with connect and startTls.

import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import {
  connect,
  connectUnix,
  constants,
  errno,
  getpeername,
  getsockname,
  getsockopt,
  type SocketAddress,
  setsockopt,
} from "@t/poller-native";
import { StreamClosedError, StreamStateError } from "./errors.js";
import { FdIOStream } from "./fd-iostream.js";
import { SSLIOStream, type TlsStartOptions } from "./ssl-iostream.js";
import { systemError } from "./system-error.js";

/**
 * A stream over a connected (or connecting) stream socket: TCP over IPv4/IPv6 or a Unix socket.
 *
 * ```ts
 * const stream = new IOStream(socket(4));
 * await stream.connect("127.0.0.1", 8888);
 * await stream.write("GET / HTTP/1.0\r\n\r\n");
 * const head = await stream.readUntil("\r\n\r\n");
 * ```
 */
export class IOStream extends FdIOStream {
  private connectResolve: ((stream: this) => void) | null = null;
  private connectReject: ((err: Error) => void) | null = null;
  private connectAddress = "";
  private connectPort = 0;

  /**
   * Connect the socket to `host:port` (a name is resolved with `dns.lookup` for the socket's
   * family) or, without a port, to the Unix socket at path `host`. Resolves with this stream;
   * rejects with StreamClosedError whose `realError` says why (ECONNREFUSED, ENOTFOUND, …), and
   * the stream is then closed. Writes made before the connect completes are queued.
   */
  async connect(host: string, port?: number): Promise<this> {
    if (typeof host !== "string" || host.length === 0) {
      throw new TypeError("connect expects a host name, IP address or Unix socket path");
    }
    if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) {
      throw new RangeError(`connect expects a port in 1..65535, got ${port}`);
    }
    if (this.closed()) throw new StreamClosedError(this.error);
    if (this.connecting) throw new StreamStateError("a connect is already in progress");
    this.connecting = true;
    // Like Node's net.connect: connecting needs no separate loop start (see IOLoop.startIfIdle).
    this.loop.startIfIdle();
    let address = host;
    if (port !== undefined && isIP(host) === 0) {
      try {
        const family = getsockname(this.fd).family === "IPv6" ? 6 : 4;
        address = (await lookup(host, { family })).address;
      } catch (err) {
        this.close(err as Error);
        throw new StreamClosedError(err as Error);
      }
      if (this.closed()) throw new StreamClosedError(this.error);
    }
    this.connectAddress = address;
    this.connectPort = port ?? 0;
    let rc: number;
    try {
      rc = port === undefined ? connectUnix(this.fd, address) : connect(this.fd, address, port);
    } catch (err) {
      this.close(err as Error);
      throw new StreamClosedError(err as Error);
    }
    if (rc === 0) {
      this.connected();
      return this;
    }
    if (rc !== -errno.EINPROGRESS && rc !== -errno.EAGAIN) {
      const err = systemError("connect", -rc, address, port);
      this.close(err);
      throw new StreamClosedError(err);
    }
    const done = new Promise<this>((resolve, reject) => {
      this.connectResolve = resolve;
      this.connectReject = reject;
    });
    this.connectInFlight = true;
    this.updateInterest();
    return done;
  }

  /** A socket's bytes come from read(2) on its fd: the loop may read them ahead. */
  protected override readsAhead(): boolean {
    return true;
  }

  protected override handleConnect(): void {
    let soError: number;
    try {
      soError = getsockopt(this.fd, constants.SOL_SOCKET, constants.SO_ERROR);
    } catch (err) {
      this.close(err as Error);
      return;
    }
    if (soError !== 0) {
      this.close(systemError("connect", soError, this.connectAddress, this.connectPort));
      return;
    }
    const resolve = this.connectResolve;
    this.connectResolve = this.connectReject = null;
    this.connected();
    if (resolve !== null) resolve(this);
  }

  protected override pendingError(): Error | undefined {
    try {
      const soError = getsockopt(this.fd, constants.SOL_SOCKET, constants.SO_ERROR);
      return soError === 0 ? undefined : systemError("socket", soError);
    } catch (err) {
      return err as Error;
    }
  }

  override close(error?: Error): void {
    if (this.closed()) return;
    super.close(error);
    const reject = this.connectReject;
    if (reject !== null) {
      this.connectResolve = this.connectReject = null;
      reject(new StreamClosedError(this.error));
    }
  }

  /** Enable or disable Nagle's algorithm (TCP_NODELAY); a no-op on Unix sockets. */
  setNoDelay(noDelay: boolean): void {
    if (this.closed()) return;
    try {
      setsockopt(this.fd, constants.IPPROTO_TCP, constants.TCP_NODELAY, noDelay ? 1 : 0);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code !== "EOPNOTSUPP" && code !== "ENOTSUP" && code !== "EINVAL") throw err;
    }
  }

  /** The local address of the socket. */
  localAddress(): SocketAddress {
    return getsockname(this.fd);
  }

  /** The peer's address of the connected socket. */
  peerAddress(): SocketAddress {
    return getpeername(this.fd);
  }

  /**
   * Upgrade this connected stream to TLS (STARTTLS). The stream must be idle: no pending read or
   * write and nothing buffered; it is closed (its fd handed over) and the returned SSLIOStream,
   * resolved after the handshake, takes its place.
   */
  async startTls(options: TlsStartOptions): Promise<SSLIOStream> {
    if (this.closed()) throw new StreamClosedError(this.error);
    if (this.connecting || !this.idle()) {
      throw new StreamStateError(
        "startTls needs an idle stream: no pending read or write and nothing buffered",
      );
    }
    const fd = this.detach();
    const transport = new IOStream(fd, { ...options, loop: this.loop });
    const tlsStream = new SSLIOStream(transport, options);
    await tlsStream.waitForHandshake();
    return tlsStream;
  }
}
