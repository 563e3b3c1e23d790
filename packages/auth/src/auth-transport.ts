// AuthTransport: every request to a provider, made by @t/httpclient with timeouts and a size limit, as a fetch-style Response.

import { AsyncHTTPClient, type RequestOptions } from "@t/httpclient";
import { AuthProviderError } from "./errors.js";

/** Default `requestTimeoutMs`: the whole request to a provider, body included. */
export const DEFAULT_AUTH_REQUEST_TIMEOUT_MS = 10_000;
/** Default `connectTimeoutMs`: TCP connect plus TLS handshake to a provider. */
export const DEFAULT_AUTH_CONNECT_TIMEOUT_MS = 5_000;
/** Default `maxResponseBytes`: the largest provider response body (metadata, JWKS, tokens, user info). */
export const DEFAULT_AUTH_MAX_RESPONSE_BYTES = 1024 * 1024;
/** Default User-Agent of requests to providers (GitHub's API refuses requests without one). */
export const DEFAULT_AUTH_USER_AGENT = "@t/auth";

/** How requests to a provider are made. Times in ms, sizes in bytes. */
export interface AuthHTTPOptions {
  /**
   * The @t/httpclient client to use (shared with the rest of your app). Default: one made on
   * first use, on the IOLoop current then, and closed by `close()`.
   */
  httpClient?: AsyncHTTPClient;
  /** The whole request, body included; a slower provider fails the login with 502. Default 10 000. */
  requestTimeoutMs?: number;
  /** TCP connect plus TLS handshake. Default 5 000. */
  connectTimeoutMs?: number;
  /** Most bytes of a response body; a larger one fails the login with 502. Default 1 MiB. */
  maxResponseBytes?: number;
  /** User-Agent header. Default "@t/auth". */
  userAgent?: string;
  /**
   * More @t/httpclient request options for every request to the provider: `ca` (a private CA),
   * `proxy`, `clientCert`/`clientKey`, `allowIpv6`. Method, headers, body, timeouts, limits and
   * redirects are set by this package.
   */
  requestOptions?: RequestOptions;
}

/** The request a protocol step asks for (oauth4webapi's `customFetch` arguments, narrowed). */
export interface AuthFetchInit {
  method: string;
  headers: Record<string, string>;
  body?: URLSearchParams | string | null;
  signal?: AbortSignal;
}

/** Statuses whose Response may not have a body (the Fetch standard's null body statuses). */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

function positiveNumber(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !(value > 0)) {
    throw new RangeError(`${name} must be a positive number, got ${String(value)}`);
  }
  return value;
}

/**
 * Sends a provider request through @t/httpclient and hands the answer back as a WHATWG
 * `Response` (the shape oauth4webapi's `customFetch` expects). Redirects are not followed, any
 * status is returned (the protocol step judges it), and a failure to get a response at all —
 * refused, timed out, too large, malformed — becomes an {@link AuthProviderError} whose `cause`
 * is the @t/httpclient error.
 */
export class AuthTransport {
  /** `requestTimeoutMs` in force. */
  readonly requestTimeoutMs: number;
  /** `connectTimeoutMs` in force. */
  readonly connectTimeoutMs: number;
  /** `maxResponseBytes` in force. */
  readonly maxResponseBytes: number;
  private readonly userAgent: string;
  private readonly extra: RequestOptions;
  private client: AsyncHTTPClient | null;
  private readonly owned: boolean;
  /** `fetch` bound once, to hand to oauth4webapi as its `customFetch`. */
  readonly fetch: (url: string, init: AuthFetchInit) => Promise<Response>;

  constructor(options: AuthHTTPOptions = {}) {
    this.requestTimeoutMs = positiveNumber(
      "requestTimeoutMs",
      options.requestTimeoutMs,
      DEFAULT_AUTH_REQUEST_TIMEOUT_MS,
    );
    this.connectTimeoutMs = positiveNumber(
      "connectTimeoutMs",
      options.connectTimeoutMs,
      DEFAULT_AUTH_CONNECT_TIMEOUT_MS,
    );
    this.maxResponseBytes = positiveNumber(
      "maxResponseBytes",
      options.maxResponseBytes,
      DEFAULT_AUTH_MAX_RESPONSE_BYTES,
    );
    if (options.userAgent !== undefined && typeof options.userAgent !== "string") {
      throw new TypeError("userAgent must be a string");
    }
    this.userAgent = options.userAgent ?? DEFAULT_AUTH_USER_AGENT;
    this.extra = { ...options.requestOptions };
    this.client = options.httpClient ?? null;
    this.owned = options.httpClient === undefined;
    this.fetch = (url, init) => this.send(url, init);
  }

  /** Close the HTTP client if this transport made it (a client passed in stays open). */
  close(): void {
    if (this.owned && this.client !== null) {
      this.client.close();
      this.client = null;
    }
  }

  private async send(url: string, init: AuthFetchInit): Promise<Response> {
    this.client ??= new AsyncHTTPClient();
    const body = init.body === undefined || init.body === null ? undefined : String(init.body);
    // The protocol library names itself in User-Agent; the configured one replaces it.
    const requestHeaders: Record<string, string> = {};
    for (const [name, value] of Object.entries(init.headers)) {
      if (name.toLowerCase() !== "user-agent") requestHeaders[name] = value;
    }
    let res: Awaited<ReturnType<AsyncHTTPClient["fetch"]>>;
    try {
      res = await this.client.fetch(url, {
        ...this.extra,
        method: init.method,
        headers: requestHeaders,
        ...(body === undefined ? {} : { body }),
        userAgent: this.userAgent,
        requestTimeoutMs: this.requestTimeoutMs,
        connectTimeoutMs: this.connectTimeoutMs,
        maxBodySize: this.maxResponseBytes,
        followRedirects: false,
        raiseError: false,
        ...(init.signal === undefined ? {} : { signal: init.signal }),
      });
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new AuthProviderError(`${init.method} ${url} failed: ${why}`, { cause: err });
    }
    if (res.code < 200 || res.code > 599) {
      throw new AuthProviderError(
        `${init.method} ${url} answered status ${res.code}, outside 200..599`,
      );
    }
    const headers = new Headers();
    for (const [name, value] of res.headers) headers.append(name, value);
    return new Response(NULL_BODY_STATUSES.has(res.code) ? null : res.body, {
      status: res.code,
      headers,
    });
  }
}
