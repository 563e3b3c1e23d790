// HTTPServerRequest: one request as the application sees it (Tornado's httputil.HTTPServerRequest).

import {
  DEFAULT_FORM_LIMITS,
  emptyArguments,
  type FormLimits,
  type HTTPArguments,
  type HTTPFiles,
  parseBodyArguments,
  parseQueryString,
} from "./body-arguments.js";
import { epochNowMs } from "./clock.js";
import { parseCookie } from "./cookies.js";
import { HTTPHeaders } from "./http-headers.js";
import type { HTTP1Connection } from "./http1-connection.js";
import type { RequestStartLine } from "./start-line.js";

const EMPTY_BODY: Buffer = Buffer.alloc(0);

/** Fields accepted by the HTTPServerRequest constructor (all optional). */
export interface HTTPServerRequestInit {
  method?: string;
  uri?: string;
  version?: string;
  headers?: HTTPHeaders;
  body?: Buffer;
  host?: string;
  remoteIp?: string;
  protocol?: string;
  connection?: HTTP1Connection;
  /**
   * When the request head was read (epoch milliseconds); default now. The server reads the clock
   * once per batch of received bytes and gives that time to every request of the batch.
   */
  startTime?: number;
}

/**
 * A request as handed to a request callback (Tornado's `HTTPServerRequest`). Fields are plain
 * properties; `headers`, `path`, `query`, the argument maps and `cookies` are computed on first
 * use, so a handler pays only for what it reads.
 */
export class HTTPServerRequest {
  /** Request method, e.g. "GET". */
  method = "GET";
  /** The request-target as sent, e.g. "/search?q=1". */
  uri = "/";
  /** "HTTP/1.1" or "HTTP/1.0". */
  version = "HTTP/1.1";
  /**
   * Limits applied when the body is parsed into arguments and files (set by the server from its
   * options; default DEFAULT_FORM_LIMITS).
   */
  formLimits: FormLimits = DEFAULT_FORM_LIMITS;
  /** The client's address, or the one named by X-Real-IP / X-Forwarded-For with `xheaders`. */
  remoteIp = "";
  /** "http" or "https" (from X-Scheme / X-Forwarded-Proto with `xheaders`). */
  protocol = "http";
  /** The response side of this exchange: `writeHeaders`, `write`, `finish` (unset on hand-made requests). */
  connection!: HTTP1Connection;
  /** Wall-clock time (epoch milliseconds, sub-millisecond precision) the request head was read. */
  startTime: number;
  /** Set when the response finished (epoch milliseconds). */
  finishTime = -1;
  private bodyValue: Buffer = EMPTY_BODY;
  /** Whether `bodyValue` was parsed into `bodyArgs`/`filesObj` (or needs no parsing). */
  private bodyParsed = true;
  private filesObj: HTTPFiles | null = null;
  private bodyArgs: HTTPArguments | null = null;

  /** @internal Flat header array behind the lazy `headers`. */
  rawHeaders: string[] | null = null;
  private headersObj: HTTPHeaders | null = null;
  private hostValue: string | null = null;
  private pathValue: string | null = null;
  private queryValue = "";
  private queryArgs: HTTPArguments | null = null;
  private allArgs: HTTPArguments | null = null;
  private cookieMap: Record<string, string> | null = null;

  constructor(init?: HTTPServerRequestInit) {
    if (init === undefined) {
      this.startTime = epochNowMs();
      return;
    }
    this.startTime = init.startTime ?? epochNowMs();
    if (init.method !== undefined) this.method = init.method;
    if (init.uri !== undefined) this.uri = init.uri;
    if (init.version !== undefined) this.version = init.version;
    if (init.headers !== undefined) this.headersObj = init.headers;
    if (init.body !== undefined) this.body = init.body;
    if (init.host !== undefined) this.hostValue = init.host;
    if (init.remoteIp !== undefined) this.remoteIp = init.remoteIp;
    if (init.protocol !== undefined) this.protocol = init.protocol;
    if (init.connection !== undefined) this.connection = init.connection;
  }

  /**
   * The body (fully read for request callbacks; empty when there was none). Setting it discards
   * arguments and files parsed from an earlier body; the new one is parsed on first use.
   */
  get body(): Buffer {
    return this.bodyValue;
  }

  set body(value: Buffer) {
    this.bodyValue = value;
    this.bodyParsed = value.length === 0;
    this.bodyArgs = null;
    this.filesObj = null;
    this.allArgs = null;
  }

  /**
   * Uploaded files by field name (multipart/form-data), parsed from the body on first use.
   * Throws HTTPInputError (400 malformed, 413 over `formLimits`) for a body that does not parse.
   */
  get files(): HTTPFiles {
    if (!this.bodyParsed) this.parseBody();
    let f = this.filesObj;
    if (f === null) {
      f = Object.create(null) as HTTPFiles;
      this.filesObj = f;
    }
    return f;
  }

  set files(value: HTTPFiles) {
    this.bodyParsed = true;
    this.filesObj = value;
  }

  /**
   * Arguments parsed from the body (urlencoded or multipart) on first use. Throws HTTPInputError
   * (400 malformed, 413 over `formLimits`) for a body that does not parse.
   */
  get bodyArguments(): HTTPArguments {
    if (!this.bodyParsed) this.parseBody();
    let b = this.bodyArgs;
    if (b === null) {
      b = emptyArguments();
      this.bodyArgs = b;
    }
    return b;
  }

  set bodyArguments(value: HTTPArguments) {
    this.bodyParsed = true;
    this.bodyArgs = value;
    this.allArgs = null;
  }

  /** The request's header fields. */
  get headers(): HTTPHeaders {
    let h = this.headersObj;
    if (h === null) {
      h = this.rawHeaders === null ? new HTTPHeaders() : HTTPHeaders.fromRaw(this.rawHeaders);
      this.headersObj = h;
    }
    return h;
  }

  set headers(value: HTTPHeaders) {
    if (!(value instanceof HTTPHeaders)) throw new TypeError("headers must be an HTTPHeaders");
    this.headersObj = value;
  }

  /** The Host header (or the host given to the constructor), default "127.0.0.1". */
  get host(): string {
    let h = this.hostValue;
    if (h === null) {
      h = this.headers.get("Host") || "127.0.0.1";
      this.hostValue = h;
    }
    return h;
  }

  set host(value: string) {
    this.hostValue = value;
  }

  /** `host` without the port, lower-cased (IPv6 brackets removed). */
  get hostName(): string {
    const h = this.host.toLowerCase();
    if (h.startsWith("[")) {
      const close = h.indexOf("]");
      return close === -1 ? h : h.slice(1, close);
    }
    const colon = h.lastIndexOf(":");
    return colon === -1 ? h : h.slice(0, colon);
  }

  private splitUri(): void {
    const uri = this.uri;
    const q = uri.indexOf("?");
    this.pathValue = q === -1 ? uri : uri.slice(0, q);
    this.queryValue = q === -1 ? "" : uri.slice(q + 1);
  }

  /** The request-target up to "?". */
  get path(): string {
    if (this.pathValue === null) this.splitUri();
    return this.pathValue as string;
  }

  /** The request-target after "?" ("" when none). */
  get query(): string {
    if (this.pathValue === null) this.splitUri();
    return this.queryValue;
  }

  /** Arguments from the query string. */
  get queryArguments(): HTTPArguments {
    let q = this.queryArgs;
    if (q === null) {
      q = parseQueryString(this.query);
      this.queryArgs = q;
    }
    return q;
  }

  /** Query and body arguments together (query values first). */
  get arguments(): HTTPArguments {
    let all = this.allArgs;
    if (all === null) {
      all = emptyArguments();
      for (const src of [this.queryArguments, this.bodyArguments]) {
        for (const k of Object.keys(src)) {
          let list = all[k];
          if (list === undefined) {
            list = [];
            all[k] = list;
          }
          for (const v of src[k]) list.push(v);
        }
      }
      this.allArgs = all;
    }
    return all;
  }

  /** Cookies from the Cookie header(s): name → value. */
  get cookies(): Record<string, string> {
    let c = this.cookieMap;
    if (c === null) {
      const values = this.headers.getList("Cookie");
      c = values.length === 0 ? Object.create(null) : parseCookie(values.join("; "));
      this.cookieMap = c as Record<string, string>;
    }
    return c as Record<string, string>;
  }

  /** The start line as the delegates see it. */
  get startLine(): RequestStartLine {
    return { method: this.method, path: this.uri, version: this.version };
  }

  /** True for an HTTP/1.1 request (Tornado's `supports_http_1_1`). */
  supportsHttp11(): boolean {
    return this.version === "HTTP/1.1";
  }

  /** Full URL, e.g. "http://example.com/a?b=1". */
  fullUrl(): string {
    return `${this.protocol}://${this.host}${this.uri}`;
  }

  /** Milliseconds from `startTime` to the end of the response (or to now while it runs). */
  requestTime(): number {
    const end = this.finishTime >= 0 ? this.finishTime : epochNowMs();
    return end - this.startTime;
  }

  /**
   * Parse `body` into `bodyArguments` and `files` by Content-Type now. Nothing calls this before
   * the application asks: the argument getters parse on first use. Idempotent; throws
   * HTTPInputError (400 malformed, 413 over `formLimits`) for a body that does not parse.
   */
  parseBody(): void {
    if (this.bodyParsed) return;
    const ctype = this.headers.get("Content-Type");
    if (ctype === undefined) {
      this.bodyParsed = true;
      return;
    }
    const args = emptyArguments();
    const files = Object.create(null) as HTTPFiles;
    // A body that fails to parse stays unparsed: every later access throws the same error.
    parseBodyArguments(ctype, this.bodyValue, args, files, this.headers, this.formLimits);
    this.bodyParsed = true;
    this.bodyArgs = args;
    this.filesObj = files;
    this.allArgs = null;
  }

  /** A short description for logs: `HTTPServerRequest(protocol=…, host=…, method=…, uri=…)`. */
  toString(): string {
    return `HTTPServerRequest(protocol=${this.protocol}, host=${this.host}, method=${this.method}, uri=${this.uri}, version=${this.version}, remoteIp=${this.remoteIp})`;
  }
}
