// openStream: a connected stream for a request — direct TCP/TLS, a Unix socket, or through an HTTP proxy.

import { isIP } from "node:net";
import type * as tls from "node:tls";
import { HTTPHeaders, latin1, parseResponseStartLine } from "@t/httpserver";
import { errorCode } from "@t/ioloop";
import { IOStream, type IOStreamOptions, type SSLIOStream } from "@t/iostream";
import { socket } from "@t/poller-native";
import type { TCPClient } from "@t/tcpserver";
import { HTTPConnectionError, HTTPProxyError, HTTPTimeoutError } from "./errors.js";
import type { HTTPRequest } from "./http-request.js";
import type { RequestTarget } from "./request-target.js";

/**
 * A connect in progress. `cancel` aborts `signal` (which TCPClient.connect watches: resolution,
 * connect and TLS handshake stop, their sockets close) and closes whatever stream it has opened
 * so far (a proxy tunnel, a TLS upgrade).
 */
export class ConnectAttempt {
  private stream: IOStream | SSLIOStream | null = null;
  private readonly controller = new AbortController();
  /** True once cancelled: the attempt's result is closed and discarded. */
  cancelled = false;

  /** Aborted by `cancel`. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** @internal Remember the stream being set up. */
  track<T extends IOStream | SSLIOStream>(stream: T): T {
    this.stream = stream;
    if (this.cancelled) stream.close();
    return stream;
  }

  /** @internal The attempt failed: close the stream it had opened, if any. */
  discard(): void {
    const stream = this.stream;
    this.stream = null;
    stream?.close();
  }

  /** Give up: stop the connect and close the stream being set up. */
  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.controller.abort();
    this.stream?.close();
  }
}

/** The TLS options of a request (Node's names). */
export function tlsOptionsOf(request: HTTPRequest, host: string): tls.ConnectionOptions {
  const o: tls.ConnectionOptions = { rejectUnauthorized: request.validateCert };
  if (request.ca !== undefined) o.ca = request.ca as tls.ConnectionOptions["ca"];
  if (request.clientCert !== undefined)
    o.cert = request.clientCert as tls.ConnectionOptions["cert"];
  if (request.clientKey !== undefined) o.key = request.clientKey as tls.ConnectionOptions["key"];
  if (isIP(host) === 0) o.servername = host;
  return o;
}

/**
 * Connect for `request`: to its Unix socket, its proxy (a CONNECT tunnel for https), or its
 * host (TCPClient's happy eyeballs, TLS for https). `timeoutMs` bounds the connect and TLS
 * handshake. Rejects with HTTPTimeoutError (phase "connect"), HTTPProxyError, or
 * HTTPConnectionError whose `cause` is the system or TLS error.
 */
export async function openStream(
  request: HTTPRequest,
  tcp: TCPClient,
  streamOptions: IOStreamOptions,
  timeoutMs: number,
  maxHeaderSize: number,
  attempt: ConnectAttempt,
): Promise<IOStream | SSLIOStream> {
  const target = request.target;
  try {
    if (request.unixSocketPath !== undefined) {
      const stream = attempt.track(new IOStream(socket("unix"), streamOptions));
      try {
        await stream.connect(request.unixSocketPath);
      } catch (err) {
        throw unwrap(err);
      }
      if (target.secure) return await upgrade(stream, request, target, attempt);
      return stream;
    }
    const family = request.allowIpv6 ? 0 : 4;
    const connectTimeout = Number.isFinite(timeoutMs) ? Math.max(1, timeoutMs) : undefined;
    const proxy = request.proxy;
    if (proxy !== null) {
      const stream = attempt.track(
        (await tcp.connect(proxy.host, proxy.port, {
          family,
          timeoutMs: connectTimeout,
          signal: attempt.signal,
        })) as IOStream,
      );
      if (!target.secure) return stream;
      await tunnel(stream, proxy, target, maxHeaderSize);
      return await upgrade(stream, request, target, attempt);
    }
    const stream = await tcp.connect(target.host, target.port, {
      family,
      timeoutMs: connectTimeout,
      ssl: target.secure ? tlsOptionsOf(request, target.host) : undefined,
      signal: attempt.signal,
    });
    return attempt.track(stream);
  } catch (err) {
    // A refused or malformed tunnel, a failed TLS upgrade: the socket must not outlive it.
    attempt.discard();
    throw connectError(err, target, timeoutMs);
  }
}

/** Start TLS on a connected plain stream (through a tunnel or a Unix socket). */
async function upgrade(
  stream: IOStream,
  request: HTTPRequest,
  target: RequestTarget,
  attempt: ConnectAttempt,
): Promise<SSLIOStream> {
  const options = tlsOptionsOf(request, target.host);
  const pending = stream.startTls({
    serverSide: false,
    serverHostname: options.servername,
    tls: { ...options, host: target.host } as Parameters<IOStream["startTls"]>[0]["tls"],
  });
  const tlsStream = await pending;
  return attempt.track(tlsStream);
}

/** Ask the proxy for a tunnel to `target` (RFC 9110 §9.3.6) and check its 2xx answer. */
async function tunnel(
  stream: IOStream,
  proxy: RequestTarget,
  target: RequestTarget,
  maxHeaderSize: number,
): Promise<void> {
  const authority = `${isIP(target.host) === 6 ? `[${target.host}]` : target.host}:${target.port}`;
  let head = `CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n`;
  if (proxy.username !== "" || proxy.password !== "") {
    head += `Proxy-Authorization: ${basicCredentials(proxy.username, proxy.password)}\r\n`;
  }
  head += "\r\n";
  stream.write(Buffer.from(head, "latin1")).catch(() => {});
  let raw: Buffer;
  try {
    raw = await stream.readUntil("\r\n\r\n", { maxBytes: maxHeaderSize });
  } catch (err) {
    if (errorCode(err) === "T_ERR_UNSATISFIABLE_READ") {
      throw new HTTPProxyError("the proxy's answer to CONNECT is larger than maxHeaderSize");
    }
    throw new HTTPProxyError("the proxy closed the connection during CONNECT", 0, {
      cause: unwrap(err),
    });
  }
  const text = latin1(raw, 0, raw.length - 4);
  const eol = text.indexOf("\r\n");
  let code: number;
  try {
    code = parseResponseStartLine(eol === -1 ? text : text.slice(0, eol)).code;
    if (eol !== -1) HTTPHeaders.parse(text.slice(eol + 2));
  } catch (err) {
    throw new HTTPProxyError("malformed answer to CONNECT from the proxy", 0, { cause: err });
  }
  if (code < 200 || code > 299) {
    throw new HTTPProxyError(`the proxy refused the tunnel to ${authority} with ${code}`, code);
  }
  if (stream.readBufferSize > 0) {
    throw new HTTPProxyError("the proxy sent bytes after its answer to CONNECT", code);
  }
}

/** `Basic base64(user:password)` (RFC 7617, UTF-8). */
export function basicCredentials(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, "utf8").toString("base64")}`;
}

/** A StreamClosedError as the system error behind it (recognised by code: two copies may be installed). */
function unwrap(err: unknown): unknown {
  if (errorCode(err) === "T_ERR_STREAM_CLOSED") {
    const real = (err as { realError?: unknown }).realError;
    if (real !== undefined) return real;
  }
  return err;
}

function connectError(err: unknown, target: RequestTarget, timeoutMs: number): Error {
  if (err instanceof HTTPProxyError || err instanceof HTTPTimeoutError) return err;
  const e = unwrap(err) as { code?: string; message?: string };
  if (e?.code === "T_ERR_CONNECT_TIMEOUT" || e?.code === "ETIMEDOUT") {
    return new HTTPTimeoutError(
      `connecting to ${target.origin} timed out after ${timeoutMs} ms`,
      "connect",
      { cause: e },
    );
  }
  return new HTTPConnectionError(`cannot connect to ${target.origin}: ${e?.message ?? String(e)}`, {
    cause: e,
  });
}
