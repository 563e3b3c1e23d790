// AsyncHTTPClient: Tornado's client API — fetch and stream with redirects, retries and raiseError.

import { createHash } from "node:crypto";
import { IOLoop } from "@t/ioloop";
import { ConnectionSweeper } from "@t/iostream";
import { type ResolveFunction, type Resolver, TCPClient } from "@t/tcpserver";
import { ConnectionPool, type PoolStats } from "./connection-pool.js";
import { HTTPClientClosedError, HTTPTooManyRedirectsError } from "./errors.js";
import { Exchange, type FetchContext } from "./exchange.js";
import { HTTPRequest, type PemInput, type RequestOptions } from "./http-request.js";
import type { HTTPResponse, HTTPResponseStream } from "./http-response.js";
import {
  checkBufferSize,
  checkCount,
  checkTimeout,
  DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
  DEFAULT_MAX_CLIENTS,
  DEFAULT_MAX_CONNECTIONS_PER_HOST,
  DEFAULT_MAX_HEADER_SIZE,
} from "./limits.js";
import { redirectedRequest } from "./redirects.js";
import { statusError } from "./status-error.js";

/** Options of `new AsyncHTTPClient(options)`. Sizes in bytes, times in ms. */
export interface AsyncHTTPClientOptions {
  /** The loop the client runs on. Default `IOLoop.current()`. */
  loop?: IOLoop;
  /** Request options applied to every request that does not set them (Tornado's `defaults`). */
  defaults?: RequestOptions;
  /** Most requests holding a connection at once; more wait in a FIFO queue. Default 10. */
  maxClients?: number;
  /** Most open connections (busy and idle) per origin. Default 10. */
  maxConnectionsPerHost?: number;
  /** How long an idle keep-alive connection is kept; 0 closes it at once. Default 4000. */
  keepAliveTimeoutMs?: number;
  /** Most bytes of a response head (and of a proxy's answer to CONNECT), at most 1 GiB. Default 65536. */
  maxHeaderSize?: number;
  /** Bytes per read(2) on a connection, at most 1 GiB. Default 65536. */
  readChunkSize?: number;
  /**
   * Name resolution, as `TCPClient` takes it: a `Resolver` (e.g. @t/tcpserver's `OverrideResolver`
   * or a bounded `CachingResolver`) or a function `(host, family) => Promise<addresses>`.
   * Default `dns.lookup`, every address.
   */
  resolver?: Resolver | ResolveFunction;
}

/** Digests of secrets and PEM strings already seen (bounded; dropped when full). */
const digests = new Map<string, string>();
const MAX_DIGESTS = 256;

/** sha256 of `s` (base64), remembered: a key part that stands for the whole content. */
function digest(s: string): string {
  let d = digests.get(s);
  if (d === undefined) {
    d = createHash("sha256").update(s).digest("base64");
    if (digests.size >= MAX_DIGESTS) digests.clear();
    digests.set(s, d);
  }
  return d;
}

/**
 * A key part for TLS material: strings by the digest of their whole content, Buffers and
 * arrays by identity (a Buffer changed after use is the caller's concern).
 */
const pemIds = new WeakMap<object, number>();
let nextPemId = 1;
function pemKey(p: PemInput | undefined): string {
  if (p === undefined) return "";
  if (typeof p === "string") return `s${digest(p)}`;
  let id = pemIds.get(p as object);
  if (id === undefined) {
    id = nextPemId++;
    pemIds.set(p as object, id);
  }
  return `o${id}`;
}

/** The pool key of a request: requests with equal keys may share a connection. */
function connectionKey(r: HTTPRequest): string {
  const t = r.target;
  const proxy = r.proxy;
  // The proxy's credentials are part of the key (hashed): a tunnel or proxy connection opened
  // with one password is never lent to a request with another.
  const via =
    proxy === null
      ? ""
      : proxy.username === "" && proxy.password === ""
        ? proxy.origin
        : `${proxy.origin} ${digest(`${proxy.username}:${proxy.password}`)}`;
  let key = proxy !== null && !t.secure ? `proxy ${via}` : t.origin;
  if (proxy !== null && t.secure) key += ` via ${via}`;
  if (r.unixSocketPath !== undefined) key += ` unix ${r.unixSocketPath}`;
  if (t.secure) {
    key += ` tls ${r.validateCert ? 1 : 0}`;
    if (r.ca !== undefined || r.clientCert !== undefined) {
      key += ` ${pemKey(r.ca)} ${pemKey(r.clientCert)} ${pemKey(r.clientKey)}`;
    }
  }
  if (!r.allowIpv6) key += " v4";
  return key;
}

/**
 * A non-blocking HTTP/1.1 client with keep-alive pooling (Tornado's `AsyncHTTPClient`).
 *
 * ```ts
 * const client = new AsyncHTTPClient();
 * const res = await client.fetch("http://127.0.0.1:8888/", { requestTimeoutMs: 5000 });
 * console.log(res.code, res.text());
 * client.close();
 * ```
 *
 * Unlike Tornado there is no per-loop singleton: each `new AsyncHTTPClient()` has its own pool.
 * Close it when done (idle connections otherwise close after `keepAliveTimeoutMs`).
 */
export class AsyncHTTPClient {
  /** The loop the client runs on. */
  readonly loop: IOLoop;
  /** Request options applied to every request. */
  readonly defaults: Readonly<RequestOptions>;
  private readonly pool: ConnectionPool;
  private readonly sweeper: ConnectionSweeper;
  private closed = false;
  private readonly noDefaults: boolean;

  constructor(options: AsyncHTTPClientOptions = {}) {
    if (options === null || typeof options !== "object") {
      throw new TypeError("AsyncHTTPClient options must be an object");
    }
    this.loop = options.loop ?? IOLoop.current();
    const defaults = options.defaults ?? {};
    if (defaults === null || typeof defaults !== "object") {
      throw new TypeError("defaults must be an object of request options");
    }
    // Validate the defaults now rather than at the first request.
    new HTTPRequest("http://localhost/", {}, defaults);
    this.defaults = defaults;
    this.noDefaults = Object.keys(defaults).length === 0;
    const maxClients = checkCount("maxClients", options.maxClients, DEFAULT_MAX_CLIENTS);
    const maxConnectionsPerHost = checkCount(
      "maxConnectionsPerHost",
      options.maxConnectionsPerHost,
      DEFAULT_MAX_CONNECTIONS_PER_HOST,
    );
    const keepAliveTimeoutMs =
      options.keepAliveTimeoutMs === 0
        ? 0
        : checkTimeout(
            "keepAliveTimeoutMs",
            options.keepAliveTimeoutMs,
            DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
          );
    const maxHeaderSize = checkBufferSize(
      "maxHeaderSize",
      options.maxHeaderSize,
      DEFAULT_MAX_HEADER_SIZE,
    );
    const readChunkSize = checkBufferSize("readChunkSize", options.readChunkSize, 64 * 1024);
    const resolver = options.resolver;
    if (
      resolver !== undefined &&
      typeof resolver !== "function" &&
      (resolver === null ||
        typeof resolver !== "object" ||
        typeof (resolver as Resolver).resolve !== "function")
    ) {
      throw new TypeError(
        "resolver must be a Resolver (with resolve(host, port, { family })) or a function (host, family) => Promise<addresses>",
      );
    }
    // Unconsumed bytes are bounded by the head limit or by one paused read.
    const streamOptions = {
      loop: this.loop,
      readChunkSize,
      maxBufferSize: maxHeaderSize + 2 * readChunkSize,
    };
    const tcp = new TCPClient({ ...streamOptions, resolver: options.resolver });
    this.sweeper = new ConnectionSweeper(this.loop, 1000);
    this.pool = new ConnectionPool(this.loop, this.sweeper, tcp, streamOptions, {
      maxClients,
      maxConnectionsPerHost,
      keepAliveTimeoutMs,
      maxHeaderSize,
    });
  }

  /**
   * Fetch `input` (a URL or an {@link HTTPRequest}; `options` override the request's) and
   * resolve with the whole response. Rejects with HTTPClientError for a non-2xx status (unless
   * `raiseError: false`), HTTPTimeoutError, HTTPConnectionError, HTTPMalformedResponseError,
   * HTTPResponseTooLargeError, HTTPAbortError, HTTPTooManyRedirectsError, HTTPProxyError or
   * HTTPClientClosedError; invalid options reject with TypeError/RangeError.
   */
  fetch(input: string | URL | HTTPRequest, options?: RequestOptions): Promise<HTTPResponse> {
    return this.run(input, options, false);
  }

  /**
   * Like `fetch`, but resolves as soon as the final head arrived, with a response whose body is
   * read by iterating it (`for await (const chunk of res)`), with backpressure.
   */
  stream(input: string | URL | HTTPRequest, options?: RequestOptions): Promise<HTTPResponseStream> {
    return this.run(input, options, true) as Promise<HTTPResponseStream>;
  }

  /** Requests in flight and queued, connections open and idle. */
  stats(): PoolStats {
    return this.pool.stats();
  }

  /**
   * Close every connection; queued and in-flight requests reject with HTTPClientClosedError,
   * later `fetch` calls too. Idempotent.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.pool.close();
    this.sweeper.clear();
  }

  private async run(
    input: string | URL | HTTPRequest,
    options: RequestOptions | undefined,
    streamBody: boolean,
  ): Promise<HTTPResponse> {
    if (this.closed) throw new HTTPClientClosedError("the client is closed");
    let request: HTTPRequest;
    if (input instanceof HTTPRequest) {
      // The client's defaults fill what the request's own options leave unset (Tornado's
      // _RequestProxy); options given to fetch override both.
      request =
        options === undefined && this.noDefaults
          ? input
          : new HTTPRequest(input.url, { ...input.options, ...options }, this.defaults);
    } else {
      request = new HTTPRequest(input, options, this.defaults);
    }
    const startMs = this.loop.time();
    const startTime = Date.now();
    let redirects = 0;
    for (;;) {
      const context: FetchContext = { startMs, startTime, redirects, streamBody };
      const ex = new Exchange(this.pool, request, connectionKey(request), context);
      // A stale pooled connection is retried by the exchange itself (ahead of the queue).
      this.pool.submit(ex);
      const response = await ex.promise;
      const location = ex.redirectTo;
      if (location !== null) {
        if (redirects >= request.maxRedirects) {
          throw new HTTPTooManyRedirectsError(
            `more than maxRedirects (${request.maxRedirects}) redirects, last to ${location}`,
            response.code,
            response,
          );
        }
        const next = redirectedRequest(request, response.code, location);
        if (next !== null) {
          request = next;
          redirects++;
          continue;
        }
      }
      if (!response.ok) {
        const error = statusError(response);
        if (request.raiseError) throw error;
        response.error = error;
      }
      return response;
    }
  }
}
