// HTTPRequest: one request and every option that shapes it, validated and merged with defaults.

import { HTTPHeaders, type HTTPHeadersInit, isToken } from "@t/httpserver";
import { checkFieldValue, headersFrom } from "./field-values.js";
import {
  checkBoolean,
  checkCount,
  checkTimeout,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_EXPECT_CONTINUE_TIMEOUT_MS,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_MAX_BODY_SIZE,
  DEFAULT_MAX_REDIRECTS,
  DEFAULT_REQUEST_TIMEOUT_MS,
} from "./limits.js";
import { parseTarget, type RequestTarget } from "./request-target.js";

/**
 * A request body: bytes or a string (sent with Content-Length), or an async iterable of chunks
 * such as a Node `Readable` (sent chunked unless a Content-Length header is given).
 */
export type RequestBody = string | Uint8Array | AsyncIterable<Uint8Array | string>;

/** PEM material for TLS options. */
export type PemInput = string | Buffer | readonly (string | Buffer)[];

/**
 * Options of one request (Tornado's `HTTPRequest` arguments in camelCase). Every option may also
 * be given once for all requests as the client's `defaults`. Times in ms (0 = no limit), sizes
 * in bytes.
 */
export interface RequestOptions {
  /** Request method, a token. Default "GET". */
  method?: string;
  /** Request header fields. Host, Content-Length and Transfer-Encoding are set by the client. */
  headers?: HTTPHeadersInit;
  /** The body; none by default. */
  body?: RequestBody;
  /** Basic authentication (also taken from the URL's userinfo). */
  authUsername?: string;
  /** Password for `authUsername`. */
  authPassword?: string;
  /** Sent as User-Agent when the headers have none. Default: no User-Agent. */
  userAgent?: string;
  /** Connect (TCP, TLS, proxy tunnel) and wait for a free connection. Default 20000. */
  connectTimeoutMs?: number;
  /** The whole request, redirects included, until the body is read. Default 20000. */
  requestTimeoutMs?: number;
  /** Longest silence from the server while the response is awaited or read. Default 0 (none). */
  idleTimeoutMs?: number;
  /** Follow 301/302/303/307/308 responses. Default true. */
  followRedirects?: boolean;
  /** Most redirects followed; one more fails with HTTPTooManyRedirectsError. Default 5. */
  maxRedirects?: number;
  /** Ask for and decode gzip/deflate bodies. Default true. */
  decompressResponse?: boolean;
  /** Reject with HTTPClientError for a status outside 200..299. Default true. */
  raiseError?: boolean;
  /** Most bytes of the response body after decoding (buffered or streamed). Default 100 MiB. */
  maxBodySize?: number;
  /** Send `Expect: 100-continue` and the body only after `100 Continue`. Default false. */
  expect100Continue?: boolean;
  /** How long to wait for `100 Continue` before sending the body anyway. Default 1000. */
  expectContinueTimeoutMs?: number;
  /**
   * Receives the body in pieces instead of `response.body` (Tornado's `streaming_callback`);
   * a returned promise pauses reading until it settles. Pieces are the callee's to keep.
   */
  streamingCallback?: (chunk: Buffer) => void | PromiseLike<void>;
  /**
   * Receives the final response's head line by line (Tornado's `header_callback`): the status
   * line, each `Name: value\r\n`, then `\r\n`. Not called for redirects that are followed.
   */
  headerCallback?: (line: string) => void;
  /** Aborts the request: it rejects with HTTPAbortError. */
  signal?: AbortSignal;
  /** Verify the server's certificate and name. Default true. */
  validateCert?: boolean;
  /** Trusted CA certificates (PEM) instead of the system's. */
  ca?: PemInput;
  /** Client certificate (PEM) for mutual TLS. */
  clientCert?: PemInput;
  /** Key of `clientCert` (PEM). */
  clientKey?: PemInput;
  /**
   * An HTTP proxy, `http://[user:password@]host:port`: https URLs go through a CONNECT
   * tunnel, http URLs are sent to it in absolute form.
   */
  proxy?: string | URL;
  /** Connect to this Unix socket instead of the URL's host (the URL still gives Host and path). */
  unixSocketPath?: string;
  /** Also try IPv6 addresses (happy eyeballs). Default true. */
  allowIpv6?: boolean;
  /** Keep the connection for later requests. Default true; false sends `Connection: close`. */
  keepAlive?: boolean;
}

/** Methods that may be retried on a fresh connection when a pooled one turns out stale (RFC 9110 §9.2.2). */
const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"]);

function optionalString(name: string, v: unknown): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== "string") throw new TypeError(`${name} must be a string, got ${typeof v}`);
  return v;
}

function optionalFunction<F>(name: string, v: unknown): F | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== "function") throw new TypeError(`${name} must be a function`);
  return v as F;
}

function checkBody(body: unknown): RequestBody | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === "string" || body instanceof Uint8Array) return body;
  if (typeof (body as AsyncIterable<unknown>)[Symbol.asyncIterator] === "function") {
    return body as AsyncIterable<Uint8Array | string>;
  }
  throw new TypeError("body must be a string, a Uint8Array or an async iterable of chunks");
}

function checkPem(name: string, v: unknown): PemInput | undefined {
  if (v === undefined) return undefined;
  const ok = (x: unknown) => typeof x === "string" || Buffer.isBuffer(x);
  if (ok(v) || (Array.isArray(v) && v.every(ok))) return v as PemInput;
  throw new TypeError(`${name} must be PEM: a string, a Buffer or an array of them`);
}

/**
 * One HTTP request (Tornado's `HTTPRequest`): the URL, method, headers and body, and every
 * option with defaults applied. Build one to reuse settings, or pass a URL and options to
 * `AsyncHTTPClient.fetch`. Throws TypeError/RangeError for invalid options.
 *
 * ```ts
 * const req = new HTTPRequest("https://example.com/api", { method: "POST", body: "{}" });
 * const res = await client.fetch(req);
 * ```
 */
export class HTTPRequest {
  /** The URL (normalised, no fragment). */
  readonly url: string;
  /** @internal The URL taken apart. */
  readonly target: RequestTarget;
  readonly method: string;
  readonly headers: HTTPHeaders;
  readonly body: RequestBody | undefined;
  readonly authUsername: string | undefined;
  readonly authPassword: string | undefined;
  readonly userAgent: string | undefined;
  /** Effective timeouts in ms; Infinity when disabled. */
  readonly connectTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly followRedirects: boolean;
  readonly maxRedirects: number;
  readonly decompressResponse: boolean;
  readonly raiseError: boolean;
  readonly maxBodySize: number;
  readonly expect100Continue: boolean;
  readonly expectContinueTimeoutMs: number;
  readonly streamingCallback: ((chunk: Buffer) => void | PromiseLike<void>) | undefined;
  readonly headerCallback: ((line: string) => void) | undefined;
  readonly signal: AbortSignal | undefined;
  readonly validateCert: boolean;
  readonly ca: PemInput | undefined;
  readonly clientCert: PemInput | undefined;
  readonly clientKey: PemInput | undefined;
  /** @internal The proxy URL taken apart, or null. */
  readonly proxy: RequestTarget | null;
  readonly unixSocketPath: string | undefined;
  readonly allowIpv6: boolean;
  readonly keepAlive: boolean;
  /** The options as given (without defaults), for `fetch` overrides and redirects. */
  readonly options: Readonly<RequestOptions>;

  constructor(url: string | URL, options: RequestOptions = {}, defaults: RequestOptions = {}) {
    if (options === null || typeof options !== "object") {
      throw new TypeError("request options must be an object");
    }
    const o = options;
    const d = defaults;
    this.options = o;
    const target = parseTarget(url);
    this.target = target;
    this.url = target.href;
    const method = o.method ?? d.method ?? "GET";
    if (typeof method !== "string" || !isToken(method)) {
      throw new TypeError(`method must be an HTTP token, got ${JSON.stringify(method)}`);
    }
    this.method = method;
    if (o.headers !== undefined && d.headers !== undefined) {
      // Per-request fields replace default fields of the same name.
      const given = headersFrom(o.headers);
      const merged = headersFrom(d.headers);
      for (const name of given.keys()) merged.delete(name);
      for (const [name, value] of given) merged.add(name, value);
      this.headers = merged;
    } else {
      const h = o.headers ?? d.headers;
      this.headers = h === undefined ? new HTTPHeaders() : headersFrom(h);
    }
    this.body = checkBody(o.body);
    this.authUsername = optionalString("authUsername", o.authUsername ?? d.authUsername);
    this.authPassword = optionalString("authPassword", o.authPassword ?? d.authPassword);
    const userAgent = optionalString("userAgent", o.userAgent ?? d.userAgent);
    this.userAgent = userAgent === undefined ? undefined : checkFieldValue("userAgent", userAgent);
    this.connectTimeoutMs = checkTimeout(
      "connectTimeoutMs",
      o.connectTimeoutMs ?? d.connectTimeoutMs,
      DEFAULT_CONNECT_TIMEOUT_MS,
    );
    this.requestTimeoutMs = checkTimeout(
      "requestTimeoutMs",
      o.requestTimeoutMs ?? d.requestTimeoutMs,
      DEFAULT_REQUEST_TIMEOUT_MS,
    );
    this.idleTimeoutMs = checkTimeout(
      "idleTimeoutMs",
      o.idleTimeoutMs ?? d.idleTimeoutMs,
      DEFAULT_IDLE_TIMEOUT_MS === 0 ? Number.POSITIVE_INFINITY : DEFAULT_IDLE_TIMEOUT_MS,
    );
    this.followRedirects = checkBoolean(
      "followRedirects",
      o.followRedirects ?? d.followRedirects,
      true,
    );
    this.maxRedirects = checkCount(
      "maxRedirects",
      o.maxRedirects ?? d.maxRedirects,
      DEFAULT_MAX_REDIRECTS,
      0,
    );
    this.decompressResponse = checkBoolean(
      "decompressResponse",
      o.decompressResponse ?? d.decompressResponse,
      true,
    );
    this.raiseError = checkBoolean("raiseError", o.raiseError ?? d.raiseError, true);
    this.maxBodySize = checkCount(
      "maxBodySize",
      o.maxBodySize ?? d.maxBodySize,
      DEFAULT_MAX_BODY_SIZE,
      0,
    );
    this.expect100Continue = checkBoolean(
      "expect100Continue",
      o.expect100Continue ?? d.expect100Continue,
      false,
    );
    this.expectContinueTimeoutMs = checkTimeout(
      "expectContinueTimeoutMs",
      o.expectContinueTimeoutMs ?? d.expectContinueTimeoutMs,
      DEFAULT_EXPECT_CONTINUE_TIMEOUT_MS,
    );
    this.streamingCallback = optionalFunction(
      "streamingCallback",
      o.streamingCallback ?? d.streamingCallback,
    );
    this.headerCallback = optionalFunction("headerCallback", o.headerCallback ?? d.headerCallback);
    const signal = o.signal ?? d.signal;
    if (
      signal !== undefined &&
      (signal === null ||
        typeof signal !== "object" ||
        typeof signal.aborted !== "boolean" ||
        typeof signal.addEventListener !== "function")
    ) {
      throw new TypeError("signal must be an AbortSignal");
    }
    this.signal = signal;
    this.validateCert = checkBoolean("validateCert", o.validateCert ?? d.validateCert, true);
    this.ca = checkPem("ca", o.ca ?? d.ca);
    this.clientCert = checkPem("clientCert", o.clientCert ?? d.clientCert);
    this.clientKey = checkPem("clientKey", o.clientKey ?? d.clientKey);
    if ((this.clientCert === undefined) !== (this.clientKey === undefined)) {
      throw new TypeError("clientCert and clientKey go together");
    }
    const proxy = o.proxy ?? d.proxy;
    this.proxy = proxy === undefined ? null : parseProxy(proxy);
    this.unixSocketPath = optionalString("unixSocketPath", o.unixSocketPath ?? d.unixSocketPath);
    if (this.unixSocketPath !== undefined && this.unixSocketPath.length === 0) {
      throw new TypeError("unixSocketPath must be a non-empty path");
    }
    if (this.unixSocketPath !== undefined && this.proxy !== null) {
      throw new TypeError("unixSocketPath and proxy cannot be combined");
    }
    this.allowIpv6 = checkBoolean("allowIpv6", o.allowIpv6 ?? d.allowIpv6, true);
    this.keepAlive = checkBoolean("keepAlive", o.keepAlive ?? d.keepAlive, true);
  }

  /**
   * @internal A copy for a redirect: another target, method, body and headers; credentials
   * given as options (and in the old URL) are dropped when `crossOrigin`.
   */
  redirected(
    target: RequestTarget,
    method: string,
    body: RequestBody | undefined,
    headers: HTTPHeaders,
    crossOrigin: boolean,
  ): HTTPRequest {
    const r = Object.create(HTTPRequest.prototype) as HTTPRequest;
    Object.assign(r, this);
    const w = r as unknown as Record<string, unknown>;
    w.target = target;
    w.url = target.href;
    w.method = method;
    w.body = body;
    w.headers = headers;
    if (crossOrigin) {
      w.authUsername = undefined;
      w.authPassword = undefined;
    }
    return r;
  }

  /** True when a stale pooled connection may be replaced and the request sent again. */
  get retryable(): boolean {
    return IDEMPOTENT.has(this.method) && !isStreamBody(this.body);
  }
}

/** True for a body that can be sent only once (an async iterable). */
export function isStreamBody(body: RequestBody | undefined): boolean {
  return body !== undefined && typeof body !== "string" && !(body instanceof Uint8Array);
}

function parseProxy(proxy: string | URL): RequestTarget {
  const t = parseTarget(proxy);
  if (t.secure)
    throw new TypeError("proxy must be an http:// URL (TLS to the proxy is not supported)");
  return t;
}
