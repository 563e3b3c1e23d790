// TCPClient: connect by name with happy eyeballs, a deadline, a source address and optional TLS.

import { isIP } from "node:net";
import type * as tls from "node:tls";
import { AbortError, IOLoop, type TimeoutHandle } from "@t/ioloop";
import { IOStream, type IOStreamOptions, SSLIOStream } from "@t/iostream";
import { bind, close, socket } from "@t/poller-native";
import { ConnectTimeoutError, NoAddressError } from "./errors.js";
import {
  type ConnectAttempt,
  Connector,
  DEFAULT_SECONDARY_DELAY_MS,
  type ResolvedAddress,
} from "./happy-eyeballs.js";
import {
  checkResolver,
  defaultResolver,
  type ResolveFunction,
  type Resolver,
  resolverFromFunction,
} from "./resolver.js";

/** Options of {@link TCPClient}; the stream limits apply to every connected stream. */
export interface TCPClientOptions extends IOStreamOptions {
  /**
   * Turns the host into the addresses to try, in order (the first one's family is tried first):
   * a {@link Resolver} (asked for every host, IP literals included, e.g. an `OverrideResolver`
   * or a `CachingResolver`), or the older function form `(host, family) => addresses` (never
   * asked for IP literals). Default: {@link defaultResolver} (`dns.lookup(host, { all: true, family })`).
   */
  resolver?: Resolver | ResolveFunction;
}

/** Options of {@link TCPClient.connect}. */
export interface ConnectOptions {
  /** TLS: `true` (system CAs) or Node TLS connection options; SNI and the hostname check use `host`. */
  ssl?: boolean | tls.ConnectionOptions;
  /** Only addresses of this family (0 = any, the default). */
  family?: 0 | 4 | 6;
  /** Bound on the whole attempt: resolution, connect and TLS handshake. Default: none. */
  timeoutMs?: number;
  /** Local address to bind before connecting (also restricts the family). */
  sourceIp?: string;
  /** Local port to bind before connecting. */
  sourcePort?: number;
  /** Head start of the first address family before the other is tried. Default 300 ms. */
  connectTimeoutSecondaryMs?: number;
  /**
   * Give up when this signal aborts: every connection attempt in flight (and a TLS handshake)
   * is closed and the promise rejects with `AbortError` from `@t/ioloop` (`cause`: the signal's
   * reason). A signal that has already aborted rejects at once, before anything is resolved.
   */
  signal?: AbortSignal;
}

/**
 * A non-blocking TCP client (Tornado's `tcpclient.TCPClient`).
 *
 * ```ts
 * const stream = await new TCPClient().connect("localhost", 8888, { timeoutMs: 5000 });
 * ```
 */
export class TCPClient {
  /** The loop the streams run on. */
  readonly loop: IOLoop;
  private readonly streamOptions: IOStreamOptions;
  private readonly resolver: Resolver;

  constructor(options: { loop?: IOLoop } & TCPClientOptions = {}) {
    if (options === null || typeof options !== "object") {
      throw new TypeError("options must be an object");
    }
    const { resolver, ...streamOptions } = options;
    this.resolver =
      resolver === undefined
        ? defaultResolver
        : typeof resolver === "function"
          ? resolverFromFunction(resolver)
          : checkResolver(resolver, "options.resolver");
    this.loop = streamOptions.loop ?? IOLoop.current();
    this.streamOptions = { ...streamOptions, loop: this.loop };
  }

  /**
   * Connect to `host:port`, trying every address it resolves to happy-eyeballs style (the
   * first address's family first, the other family 300 ms later or as soon as the first
   * fails); the first connection wins. Resolves with an IOStream, or an SSLIOStream after the
   * handshake when `ssl` is set. Rejects with the last connect error (a system error such as
   * `ECONNREFUSED`), the resolver's error (`ENOTFOUND`), {@link NoAddressError}, a TLS error,
   * {@link ConnectTimeoutError} once `timeoutMs` has passed, or `AbortError` when `signal`
   * aborts.
   */
  async connect(
    host: string,
    port: number,
    options: ConnectOptions = {},
  ): Promise<IOStream | SSLIOStream> {
    if (typeof host !== "string" || host.length === 0) {
      throw new TypeError("connect expects a non-empty host name or IP address");
    }
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new RangeError(`connect expects a port in 1..65535, got ${port}`);
    }
    if (options === null || typeof options !== "object") {
      throw new TypeError("options must be an object");
    }
    const { ssl, timeoutMs, sourceIp, sourcePort, signal } = options;
    let family = options.family ?? 0;
    if (family !== 0 && family !== 4 && family !== 6) {
      throw new RangeError(`family must be 0, 4 or 6, got ${String(family)}`);
    }
    if (timeoutMs !== undefined && !(typeof timeoutMs === "number" && timeoutMs > 0)) {
      throw new RangeError(`timeoutMs must be a number > 0, got ${String(timeoutMs)}`);
    }
    const secondaryMs = options.connectTimeoutSecondaryMs ?? DEFAULT_SECONDARY_DELAY_MS;
    if (!(typeof secondaryMs === "number" && secondaryMs >= 0)) {
      throw new RangeError(`connectTimeoutSecondaryMs must be a number >= 0, got ${secondaryMs}`);
    }
    if (sourceIp !== undefined) {
      const f = isIP(sourceIp);
      if (f === 0) throw new TypeError(`sourceIp must be an IP address, got ${sourceIp}`);
      if (family !== 0 && family !== f) {
        throw new RangeError(`sourceIp ${sourceIp} is not of the requested family ${family}`);
      }
      family = f as 4 | 6;
    }
    if (
      sourcePort !== undefined &&
      (!Number.isInteger(sourcePort) || sourcePort < 0 || sourcePort > 65535)
    ) {
      throw new RangeError(`sourcePort must be an integer in 0..65535, got ${sourcePort}`);
    }
    if (
      ssl !== undefined &&
      typeof ssl !== "boolean" &&
      (ssl === null || typeof ssl !== "object")
    ) {
      throw new TypeError("ssl must be a boolean or TLS connection options");
    }
    const literal = isIP(host);
    if (literal !== 0 && family !== 0 && literal !== family) {
      throw new RangeError(`host ${host} is not an IPv${family} address`);
    }
    if (signal !== undefined && !(signal instanceof AbortSignal)) {
      throw new TypeError("connect: options.signal must be an AbortSignal");
    }
    if (signal?.aborted) throw connectAborted(signal);

    // Connecting needs no separate loop start, as with Node's net.connect (IOLoop.startIfIdle).
    this.loop.startIfIdle();
    const attempt: ConnectAttempt = (a) => {
      const fd = socket(a.family);
      if (sourceIp !== undefined || sourcePort !== undefined) {
        try {
          bind(fd, sourceIp ?? (a.family === 6 ? "::" : "0.0.0.0"), sourcePort ?? 0);
        } catch (err) {
          close(fd);
          throw err;
        }
      }
      const stream = new IOStream(fd, this.streamOptions);
      return {
        stream,
        done: stream.connect(a.address, a.port ?? port).then(() => stream, unwrap),
      };
    };

    let connector: Connector | null = null;
    let tlsStream: SSLIOStream | null = null;
    // Why the attempt was given up (timeout or abort), once it was; `stop` rejects the race.
    let givenUp: Error | null = null;
    let stop: (err: Error) => void = () => {};
    const stopped = new Promise<never>((_, reject) => {
      stop = reject;
    });
    const giveUp = (err: Error): void => {
      if (givenUp !== null) return;
      givenUp = err;
      connector?.abort();
      tlsStream?.close();
      stop(err);
    };
    let timer: TimeoutHandle | null = null;
    if (timeoutMs !== undefined) {
      timer = this.loop.callLater(timeoutMs, () => {
        timer = null;
        giveUp(new ConnectTimeoutError(host, port, timeoutMs));
      });
    }
    const onAbort = signal === undefined ? null : () => giveUp(connectAborted(signal));
    if (onAbort !== null) signal?.addEventListener("abort", onAbort, { once: true });

    const work = async (): Promise<IOStream | SSLIOStream> => {
      const addresses: ResolvedAddress[] = (
        await this.resolver.resolve(host, port, { family })
      ).filter((a) => family === 0 || a.family === family);
      if (givenUp !== null) throw givenUp;
      if (addresses.length === 0) {
        throw new NoAddressError(`${host} has no ${family === 0 ? "" : `IPv${family} `}address`);
      }
      connector = new Connector(addresses, attempt, this.loop, secondaryMs);
      const stream = await connector.start();
      if (givenUp !== null) {
        stream.close();
        throw givenUp;
      }
      if (ssl === undefined || ssl === false) return stream;
      const tlsOptions = ssl === true ? {} : ssl;
      const serverHostname = tlsOptions.servername ?? (literal === 0 ? host : undefined);
      tlsStream = new SSLIOStream(stream, {
        ...this.streamOptions,
        serverSide: false,
        serverHostname,
        // `host` is what Node checks the certificate against when no SNI name is sent (IPs).
        tls: { ...tlsOptions, host } as ConstructorParameters<typeof SSLIOStream>[1]["tls"],
      });
      try {
        await tlsStream.waitForHandshake();
      } catch (err) {
        tlsStream.close();
        throw err;
      }
      return tlsStream;
    };

    const result = work();
    try {
      return timer === null && onAbort === null
        ? await result
        : await Promise.race([result, stopped]);
    } catch (err) {
      // Given up just as a connection was made: it is nobody's, close it.
      result.then((stream) => stream.close(), noop);
      throw err;
    } finally {
      result.catch(noop);
      stopped.catch(noop);
      if (timer !== null) this.loop.removeTimeout(timer);
      if (onAbort !== null) signal?.removeEventListener("abort", onAbort);
    }
  }
}

function noop(): void {}

/** The error of a connect whose signal aborted (Node's shape: `cause` is the reason). */
function connectAborted(signal: AbortSignal): AbortError {
  return new AbortError("TCPClient.connect()", { cause: signal.reason });
}

/**
 * A failed connect rejects with the system error behind the StreamClosedError, Node-style. By
 * `code`, as every check of another package's error: two installed copies of @t/iostream have
 * two StreamClosedError classes.
 */
function unwrap(err: unknown): never {
  const closed = err as { code?: unknown; realError?: unknown } | null;
  if (closed?.code === "T_ERR_STREAM_CLOSED" && closed.realError !== undefined) {
    throw closed.realError;
  }
  throw err;
}
