// RequestHandler: the base class of every handler (Tornado's) — input, output, errors, cookies,
// XSRF. request-dispatcher.ts drives its lifecycle.

import { STATUS_CODES } from "node:http";
import { HTTPHeaders, type HTTPServerRequest, isSafeFieldValue } from "@t/httpserver";
import type { Locale, Translations } from "@t/locale";
import { constantTimeEqualBuffers } from "./constant-time.js";
import { type CookieOptions, formatSetCookie } from "./cookies/set-cookie.js";
import {
  createSignedValue,
  decodeSignedValue,
  getSignatureKeyVersion,
} from "./cookies/signed-value.js";
import {
  ClientGoneError,
  HeadersWrittenError,
  HTTPError,
  MissingArgumentError,
  MissingSettingError,
  ResponseFinishedError,
  ServerDrainingError,
} from "./errors.js";
import { jsonEncode, xhtmlEscape } from "./escape.js";
import { computeEtag, computeTextEtag, etagMatches } from "./etag.js";
import { Finish } from "./finish.js";
import { GzipTransform } from "./gzip-transform.js";
import type { HandlerHost } from "./handler-host.js";
import { checkLocale, checkUserLocale, resolveTranslations } from "./locale-support.js";
import type { OutputTransform, OutputTransformClass } from "./output-transform.js";
import {
  embedCssHtml,
  embedJsHtml,
  insertPageResources,
  linkedCssHtml,
  linkedJsHtml,
} from "./page-resources.js";
import { isPromiseLike } from "./promise-like.js";
import type { ApplicationSettings } from "./settings.js";
import { kConnectionClosed, kHandleError, kSetRequestId, kStreamedChunks } from "./symbols.js";
import { UINamespace } from "./ui-namespace.js";
import { resolveUIMethods, resolveUIModules } from "./ui-registry.js";
import { decodeXsrfToken, encodeXsrfToken, newXsrfTokenBytes } from "./xsrf.js";

/** A RequestHandler subclass as routes name it. */
export type HandlerClass = (new (
  application: HandlerHost,
  request: HTTPServerRequest,
) => RequestHandler) & {
  /** When true the body is not buffered: `dataReceived` gets each chunk (see `streamRequestBody`). */
  streamRequestBody?: boolean;
};

/**
 * @internal True for a RequestHandler subclass. Checked by shape, not `instanceof`, so that a
 * handler class built on another installed copy of @t/web is accepted (see symbols.ts).
 */
export function isHandlerClass(v: unknown): v is HandlerClass {
  if (typeof v !== "function") return false;
  const proto = (v as { prototype?: unknown }).prototype;
  return (
    proto !== null &&
    typeof proto === "object" &&
    typeof (proto as { [kHandleError]?: unknown })[kHandleError] === "function"
  );
}

/** Extra information passed to `sendError` / `writeError`. */
export interface ErrorInfo {
  /** The exception that caused the error, if any (shown with its stack when `serveTraceback`). */
  error?: unknown;
  /** Reason phrase for the status line. */
  reason?: string;
}

/** Options of `setSignedCookie`. */
export interface SignedCookieOptions extends CookieOptions {
  /** Days until the cookie expires in the browser (default 30; pass `undefined` explicitly for a session cookie). */
  expiresDays?: number;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: Tornado removes these from arguments
const CONTROL_CHARS_RE = /[\x00-\x08\x0e-\x1f]/g;
const EMPTY = Buffer.alloc(0);
/** The body of a handler that wrote nothing (never pushed to: `write` starts a new array). */
const NO_CHUNKS: Buffer[] = Object.freeze([]) as unknown as Buffer[];
// The `performance` global is a lazy accessor in Node: look it up once.
const perf = performance;
const TIME_ORIGIN = perf.timeOrigin;
const DEFAULT_CONTENT_TYPE = "text/html; charset=UTF-8";
const JSON_CONTENT_TYPE = "application/json; charset=UTF-8";

/** A run of non-ASCII characters (percent-encoded in redirect locations). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the class spans all of ASCII on purpose
const NON_ASCII_RUN = /[^\x00-\x7f]+/g;

/**
 * A header value as a string: numbers in decimal, Dates in HTTP format. Whether it is safe to
 * send is HTTPHeaders' check (`isSafeFieldValue` of @t/httpserver), made when it is stored.
 */
function headerValueString(value: string | number | Date): string {
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  if (value instanceof Date) return value.toUTCString();
  throw new TypeError(`header values must be strings, numbers or Dates, got ${typeof value}`);
}

/**
 * The peer's malformed input, met when the handler read its arguments: @t/httpserver's
 * `HTTPInputError`, recognised by its code so that any installed copy's class (or another error
 * with that code) is answered the same way.
 */
function isPeerInputError(err: unknown): err is Error & { statusCode?: unknown } {
  return (
    err !== null &&
    typeof err === "object" &&
    (err as { code?: unknown }).code === "T_ERR_HTTP_INPUT"
  );
}

/** The 4xx status of a peer input error (400 when it names none). */
function peerErrorStatus(err: { statusCode?: unknown }): number {
  const code = err.statusCode;
  return typeof code === "number" && Number.isInteger(code) && code >= 400 && code <= 499
    ? code
    : 400;
}

/**
 * Subclass to handle requests (Tornado's `RequestHandler`). Override the verb methods you
 * support (`get`, `post`, …; sync or async — they receive the route's path arguments, or one
 * object of named groups); the others answer 405. The lifecycle: `initialize(initArgs)` →
 * `prepare()` → verb method → `finish()` (automatic unless the method already finished) →
 * `onFinish()`. `onConnectionClose()` runs if the client goes away before the response is done.
 * (request-dispatcher.ts runs that sequence; the handler holds the API the hooks call.)
 *
 * ```ts
 * class Hello extends RequestHandler {
 *   override get(name: string) { this.write(`Hello, ${name}`); }
 * }
 * ```
 */
export class RequestHandler {
  /** Set true (or use the `streamRequestBody` decorator) to receive the body via `dataReceived`. */
  static streamRequestBody = false;

  /**
   * The application this handler belongs to: an `Application` at run time, typed by the
   * {@link HandlerHost} members a handler uses (cast to `Application` for the others). A unit
   * test may construct a handler with a host of its own.
   */
  readonly application: HandlerHost;
  /** The request being handled. */
  readonly request: HTTPServerRequest;
  /** Positional path arguments from the route's groups. */
  pathArgs: (string | undefined)[] = [];
  /** Named path arguments from the route's named groups. */
  pathKwargs: Record<string, string | undefined> = {};

  private statusCode = 200;
  private reasonPhrase = "OK";
  /**
   * The response headers (replaced by `clear()`), or null while they are only the default
   * `Content-Type: <contentType>`: made when first read or changed (`ownHeaders()`), so that a
   * response nobody touched gets its one header list, ETag and Content-Length included, at
   * `finish()`.
   */
  private responseHeaders: HTTPHeaders | null = null;
  /** The Content-Type of the headers not made yet (JSON once an object was written). */
  private contentType = DEFAULT_CONTENT_TYPE;
  /** The buffered body's chunks (the shared empty list until the first `write`). */
  private writeBuffer: Buffer[] = NO_CHUNKS;
  private writeBufferLength = 0;
  /** The string `writeBuffer` holds the UTF-8 of when it is one string's (its ETag is memoised), else null. */
  private bodyText: string | null = null;
  private headersWrittenFlag = false;
  private finishedFlag = false;
  private autoFinishFlag = true;
  private closedFlag = false;
  private newCookies: Map<string, string> | null = null;
  private currentUserValue: unknown = undefined;
  private xsrfTokenValue: string | null = null;
  private rawXsrf: { token: Buffer; timestamp: number; fromCookie: boolean } | null = null;
  private gzip: GzipTransform | null = null;
  /** This response's output transforms (the `transforms` setting), once its headers flushed. */
  private transforms: OutputTransform[] | null = null;
  private flushChain: Promise<void> | null = null;
  private requestIdValue: string | null = null;
  /** The header the request id goes back in (re-added by `clear()`), or null. */
  private requestIdHeader: string | null = null;
  private abortController: AbortController | null = null;
  /** The locale, once `locale` was read or assigned. */
  private localeValue: Locale | null = null;
  /** The UI modules and ui methods of this handler's templates, once one was rendered. */
  private uiNamespace: UINamespace | null = null;
  /** @internal The chunks the default `dataReceived` collected (the dispatcher makes them `request.body`). */
  [kStreamedChunks]: Buffer[] | null = null;

  constructor(application: HandlerHost, request: HTTPServerRequest) {
    this.application = application;
    this.request = request;
  }

  /** The application's settings. */
  get settings(): ApplicationSettings {
    return this.application.settings;
  }

  // ---- lifecycle hooks -------------------------------------------------------------------

  /**
   * Hook: set headers every response of this handler carries (Tornado's
   * `set_default_headers`). Runs after construction, before `initialize`, and again whenever
   * the response is reset by `clear()` (so error pages carry them too).
   */
  setDefaultHeaders(): void {}

  /** Hook: receives the route's `initArgs` once, right after construction. */
  initialize(_initArgs: Record<string, unknown>): void {}

  /** Hook: runs before the verb method (may be async); finish here to skip the method. */
  prepare(): void | Promise<void> {}

  /** Hook: runs after the response was sent (for cleanup and logging). */
  onFinish(): void {}

  /**
   * Hook: the client closed the connection before the response finished (long polls should
   * clean up here). May also run for a streamed request whose body never completed.
   */
  onConnectionClose(): void {}

  /**
   * Hook for streaming handlers (`streamRequestBody`): called with each body chunk after
   * `prepare()` and before the verb method; may return a Promise for flow control. The default
   * collects the chunks into `request.body`.
   */
  dataReceived(chunk: Buffer): void | Promise<void> {
    const chunks = this[kStreamedChunks];
    if (chunks === null) this[kStreamedChunks] = [chunk];
    else chunks.push(chunk);
  }

  /** GET handler; answers 405 unless overridden. */
  get(..._args: unknown[]): unknown {
    throw new HTTPError(405);
  }
  /** HEAD handler; answers 405 unless overridden. */
  head(..._args: unknown[]): unknown {
    throw new HTTPError(405);
  }
  /** POST handler; answers 405 unless overridden. */
  post(..._args: unknown[]): unknown {
    throw new HTTPError(405);
  }
  /** PUT handler; answers 405 unless overridden. */
  put(..._args: unknown[]): unknown {
    throw new HTTPError(405);
  }
  /** PATCH handler; answers 405 unless overridden. */
  patch(..._args: unknown[]): unknown {
    throw new HTTPError(405);
  }
  /** DELETE handler; answers 405 unless overridden. */
  delete(..._args: unknown[]): unknown {
    throw new HTTPError(405);
  }
  /** OPTIONS handler; answers 405 unless overridden. */
  options(..._args: unknown[]): unknown {
    throw new HTTPError(405);
  }

  // ---- input ------------------------------------------------------------------------------

  private static pick(values: readonly string[] | undefined, strip: boolean): string[] {
    if (values === undefined) return [];
    const out: string[] = new Array(values.length);
    for (let i = 0; i < values.length; i++) {
      let v = values[i].replace(CONTROL_CHARS_RE, " ");
      if (strip) v = v.trim();
      out[i] = v;
    }
    return out;
  }

  /**
   * The last value of query-or-body argument `name`, stripped of surrounding whitespace
   * (control characters become spaces). Without `defaultValue`, a missing argument throws
   * MissingArgumentError (a 400 response).
   */
  getArgument(name: string): string;
  getArgument<D>(name: string, defaultValue: D, strip?: boolean): string | D;
  getArgument(name: string, ...rest: unknown[]): unknown {
    return this.lastArgument(this.request.arguments[name], name, rest);
  }

  /** Every value of query-or-body argument `name` (empty when absent). */
  getArguments(name: string, strip = true): string[] {
    return RequestHandler.pick(this.request.arguments[name], strip);
  }

  /** Like `getArgument` but from the query string only. */
  getQueryArgument(name: string): string;
  getQueryArgument<D>(name: string, defaultValue: D, strip?: boolean): string | D;
  getQueryArgument(name: string, ...rest: unknown[]): unknown {
    return this.lastArgument(this.request.queryArguments[name], name, rest);
  }

  /** Every value of query argument `name`. */
  getQueryArguments(name: string, strip = true): string[] {
    return RequestHandler.pick(this.request.queryArguments[name], strip);
  }

  /** Like `getArgument` but from the body only. */
  getBodyArgument(name: string): string;
  getBodyArgument<D>(name: string, defaultValue: D, strip?: boolean): string | D;
  getBodyArgument(name: string, ...rest: unknown[]): unknown {
    return this.lastArgument(this.request.bodyArguments[name], name, rest);
  }

  /** Every value of body argument `name`. */
  getBodyArguments(name: string, strip = true): string[] {
    return RequestHandler.pick(this.request.bodyArguments[name], strip);
  }

  private lastArgument(values: string[] | undefined, name: string, rest: unknown[]): unknown {
    const strip = rest.length >= 2 ? rest[1] !== false : true;
    const list = RequestHandler.pick(values, strip);
    if (list.length === 0) {
      if (rest.length === 0) throw new MissingArgumentError(name);
      return rest[0];
    }
    return list[list.length - 1];
  }

  // ---- output -----------------------------------------------------------------------------

  /**
   * The request's id when the application's `requestId` setting is on (also sent back in its
   * header and logged with the access line), else null.
   */
  get requestId(): string | null {
    return this.requestIdValue;
  }

  /** @internal Set by the dispatcher before `setDefaultHeaders`; kept across `clear()`. */
  [kSetRequestId](id: string, header: string): void {
    this.requestIdValue = id;
    this.requestIdHeader = header;
    // Both checked when the setting was read and the id made (request-id.ts).
    this.ownHeaders().setTrusted(header, id);
  }

  /** Reset headers, status and buffered body (e.g. before an error page). */
  clear(): void {
    const idHeader = this.requestIdHeader;
    this.contentType = DEFAULT_CONTENT_TYPE;
    this.responseHeaders =
      idHeader === null
        ? null
        : HTTPHeaders.fromRaw([
            "Content-Type",
            DEFAULT_CONTENT_TYPE,
            idHeader,
            this.requestIdValue as string,
          ]);
    this.writeBuffer = NO_CHUNKS;
    this.writeBufferLength = 0;
    this.statusCode = 200;
    this.reasonPhrase = "OK";
    this.setDefaultHeaders();
  }

  /** Set the response status (and optionally a custom reason phrase). */
  setStatus(statusCode: number, reason?: string): void {
    if (!Number.isInteger(statusCode) || statusCode < 100 || statusCode > 999) {
      throw new RangeError(`status code must be an integer in 100..999, got ${String(statusCode)}`);
    }
    if (reason !== undefined && (typeof reason !== "string" || !isSafeFieldValue(reason))) {
      throw new TypeError(
        "reason must be a string without CR, LF, NUL or characters beyond U+00FF",
      );
    }
    this.statusCode = statusCode;
    this.reasonPhrase = reason ?? STATUS_CODES[statusCode] ?? "Unknown";
  }

  /** The response status code. */
  getStatus(): number {
    return this.statusCode;
  }

  /**
   * Set a response header, replacing any previous value. TypeError when the name is not a token
   * or the value holds CR, LF, NUL or a character beyond U+00FF (@t/httpserver's `isToken` and
   * `isSafeFieldValue`); numbers and Dates are formatted.
   */
  setHeader(name: string, value: string | number | Date): void {
    this.ownHeaders().set(name, headerValueString(value));
  }

  /** Add a response header (one more field of that name; checked as `setHeader`). */
  addHeader(name: string, value: string | number | Date): void {
    this.ownHeaders().add(name, headerValueString(value));
  }

  /** Remove a response header. */
  clearHeader(name: string): void {
    this.ownHeaders().delete(name);
  }

  /**
   * The response headers set so far: a live view, stable for the rest of the request (or until
   * `clear()`); use the setters to change them. Public and relied on by @t/websocket.
   */
  get headers(): HTTPHeaders {
    return this.ownHeaders();
  }

  /** The response headers, made now if they were still only the default Content-Type. */
  private ownHeaders(): HTTPHeaders {
    let h = this.responseHeaders;
    if (h === null) {
      h = HTTPHeaders.fromRaw(["Content-Type", this.contentType]);
      this.responseHeaders = h;
    }
    return h;
  }

  /** True once the response head was sent. */
  get headersWritten(): boolean {
    return this.headersWrittenFlag;
  }

  /** True once `finish()` ran. */
  get finished(): boolean {
    return this.finishedFlag;
  }

  /**
   * Aborted when this request should stop waiting: the client closed the connection (reason
   * {@link ClientGoneError}) or the server began a graceful shutdown (reason
   * {@link ServerDrainingError}; the response still goes out, then the connection closes). A
   * long poll or a slow upstream call passes it on (`fetch(url, { signal: this.signal })`) or
   * awaits it and finishes the response. Made on first use.
   */
  get signal(): AbortSignal {
    let ac = this.abortController;
    if (ac !== null) return ac.signal;
    ac = new AbortController();
    this.abortController = ac;
    if (this.closedFlag) {
      ac.abort(new ClientGoneError("the client closed the connection"));
      return ac.signal;
    }
    const conn = this.request.connection as {
      setDrainCallback?: (cb: (() => void) | null) => void;
    } | null;
    if (conn != null && typeof conn.setDrainCallback === "function") {
      conn.setDrainCallback(() => {
        if (!this.finishedFlag) ac.abort(new ServerDrainingError("the server is shutting down"));
      });
    }
    return ac.signal;
  }

  /** True when the client closed the connection. */
  get connectionClosed(): boolean {
    return this.closedFlag;
  }

  /** Whether `finish()` is called automatically after the verb method (default true). */
  set autoFinish(value: boolean) {
    this.autoFinishFlag = value;
  }
  get autoFinish(): boolean {
    return this.autoFinishFlag;
  }

  /**
   * Buffer `chunk` for the response body. Strings are UTF-8; a plain object is sent as JSON with
   * `Content-Type: application/json` (arrays are refused, as in Tornado, to avoid JSON hijacking).
   */
  write(chunk: string | Uint8Array | Record<string, unknown>): void {
    if (this.finishedFlag) throw new ResponseFinishedError("Cannot write() after finish()");
    let buf: Buffer;
    let text: string | null = null;
    if (typeof chunk === "string") {
      text = chunk;
      buf = Buffer.from(chunk);
    } else if (Buffer.isBuffer(chunk)) buf = chunk;
    else if (chunk instanceof Uint8Array)
      buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    else if (chunk !== null && typeof chunk === "object" && !Array.isArray(chunk)) {
      text = jsonEncode(chunk);
      buf = Buffer.from(text);
      const h = this.responseHeaders;
      if (h === null) this.contentType = JSON_CONTENT_TYPE;
      else h.setTrusted("Content-Type", JSON_CONTENT_TYPE);
    } else {
      throw new TypeError(
        `write() accepts a string, a Buffer or a plain object, got ${Array.isArray(chunk) ? "an array (refused for security reasons)" : typeof chunk}`,
      );
    }
    if (buf.length === 0) return;
    const parts = this.writeBuffer;
    if (parts.length === 0) {
      // One array of the right size for the common single write (no growth of an empty one).
      this.writeBuffer = [buf];
      this.bodyText = text;
    } else {
      parts.push(buf);
      this.bodyText = null;
    }
    this.writeBufferLength += buf.length;
  }

  private takeBuffer(): Buffer {
    const parts = this.writeBuffer;
    if (parts.length === 0) return EMPTY;
    const chunk = parts.length === 1 ? parts[0] : Buffer.concat(parts, this.writeBufferLength);
    this.writeBuffer = NO_CHUNKS;
    this.writeBufferLength = 0;
    return chunk;
  }

  /**
   * Send the buffered output to the client (the headers first, on the first flush). Resolves
   * when the bytes were handed to the connection; rejects if the connection closed.
   */
  flush(): Promise<void> {
    if (this.finishedFlag)
      return Promise.reject(new ResponseFinishedError("Cannot flush() after finish()"));
    return this.flushInternal(false);
  }

  private flushInternal(final: boolean): Promise<void> {
    const conn = this.request.connection;
    if (conn == null) return Promise.resolve();
    if (this.headersWrittenFlag && conn.responseStarted === false) {
      // An earlier flush found the connection closed (its head was refused): nothing more goes.
      this.takeBuffer();
      if (!final) this[kConnectionClosed]();
      else this.clientGone();
      return rejectedHandled(new ClientGoneError("the client closed the connection"));
    }
    let chunk = this.takeBuffer();
    const isHead = this.request.method === "HEAD";
    if (!this.headersWrittenFlag) {
      this.headersWrittenFlag = true;
      const headers = this.ownHeaders();
      const settings = this.application.settings;
      const transformClasses = settings.transforms;
      if (transformClasses !== undefined && transformClasses.length > 0) {
        chunk = this.startTransforms(transformClasses, chunk, final);
      }
      if (settings.compressResponse === true) {
        const gz = GzipTransform.forResponse(this.request, this.statusCode, headers, chunk, final);
        if (gz !== null) {
          this.gzip = gz;
          if (final) chunk = gz.compressAll(chunk, headers);
          else {
            headers.delete("Content-Length");
          }
        }
      }
      if (this.newCookies !== null) {
        for (const v of this.newCookies.values()) headers.add("Set-Cookie", v);
      }
      const start = { code: this.statusCode, reason: this.reasonPhrase };
      if (this.gzip !== null && !final) {
        const gz = this.gzip;
        const p = conn.writeHeaders(start, headers);
        return this.chain(() =>
          p.then(() => gz.compressChunk(chunk, false)).then((out) => this.writeOut(out, isHead)),
        );
      }
      return conn.writeHeaders(start, headers, isHead ? undefined : chunk);
    }
    const transforms = this.transforms;
    if (transforms !== null) {
      for (let i = 0; i < transforms.length; i++)
        chunk = transforms[i].transformChunk(chunk, final);
    }
    if (this.gzip !== null) {
      const gz = this.gzip;
      return this.chain(() =>
        gz.compressChunk(chunk, final).then((out) => this.writeOut(out, isHead)),
      );
    }
    if (isHead || chunk.length === 0) return Promise.resolve();
    return conn.write(chunk);
  }

  /** Make this response's output transforms and run their `transformFirstChunk`. */
  private startTransforms(classes: OutputTransformClass[], chunk: Buffer, final: boolean): Buffer {
    const transforms: OutputTransform[] = [];
    const headers = this.ownHeaders();
    let out = chunk;
    for (const Cls of classes) {
      const t = new Cls(this.request);
      transforms.push(t);
      const r = t.transformFirstChunk(this.statusCode, headers, out, final);
      if (r.statusCode !== this.statusCode) this.setStatus(r.statusCode);
      out = r.chunk;
    }
    this.transforms = transforms;
    return out;
  }

  private writeOut(chunk: Buffer, isHead: boolean): Promise<void> {
    const conn = this.request.connection;
    if (conn == null || isHead || chunk.length === 0) return Promise.resolve();
    return conn.write(chunk);
  }

  private chain(step: () => Promise<void>): Promise<void> {
    const prev = this.flushChain;
    const p = prev === null ? step() : prev.then(step);
    this.flushChain = p.catch(() => {});
    return p;
  }

  /**
   * End the response: send what is buffered (with an automatic ETag and a 304 when the client's
   * If-None-Match matches) and close the exchange. Resolves when the output was handed over.
   */
  finish(chunk?: string | Uint8Array | Record<string, unknown>): Promise<void> {
    if (this.finishedFlag) throw new ResponseFinishedError("finish() called twice");
    if (chunk !== undefined) this.write(chunk);
    if (!this.headersWrittenFlag && !this.defaultHeadersAtFinish()) {
      const method = this.request.method;
      const headers = this.ownHeaders();
      if (
        this.statusCode === 200 &&
        (method === "GET" || method === "HEAD") &&
        !headers.has("Etag")
      ) {
        this.setEtagHeader();
        if (this.checkEtagHeader()) {
          this.writeBuffer = NO_CHUNKS;
          this.writeBufferLength = 0;
          this.setStatus(304);
        }
      }
      const code = this.statusCode;
      if (code === 204 || code === 304 || (code >= 100 && code < 200)) {
        if (this.writeBufferLength > 0) {
          throw new HTTPError(500, `Cannot send a body with status ${code}`);
        }
        headers.delete("Content-Encoding");
        headers.delete("Content-Language");
        headers.delete("Content-Type");
      } else if (!headers.has("Content-Length")) {
        headers.setTrusted("Content-Length", String(this.writeBufferLength));
      }
    }
    let flushed = this.flushInternal(true);
    this.finishedFlag = true;
    if (this.gzip !== null && this.flushChain !== null) {
      flushed = flushed.then(
        () => this.completeResponse(),
        (err) => {
          this.completeResponse();
          throw err;
        },
      );
      flushed.catch(noop);
      return flushed;
    }
    this.completeResponse();
    // Without gzip, `flushed` comes from HTTP1Connection.writeHeaders/write, whose promises are
    // already marked handled (or from Promise.resolve()): no `.catch` needed per request.
    return flushed;
  }

  /**
   * The common response, made in one step: headers nobody touched (only the default
   * Content-Type), status 200, the default ETag hooks and no If-None-Match — the header list
   * becomes Content-Type, Etag (GET and HEAD) and Content-Length at once, with what the general
   * path of `finish()` would have added. False (nothing done) otherwise.
   */
  private defaultHeadersAtFinish(): boolean {
    if (this.responseHeaders !== null || this.statusCode !== 200) return false;
    const request = this.request;
    const method = request.method;
    const length = String(this.writeBufferLength);
    if (method !== "GET" && method !== "HEAD") {
      this.responseHeaders = HTTPHeaders.fromRaw([
        "Content-Type",
        this.contentType,
        "Content-Length",
        length,
      ]);
      return true;
    }
    const proto = RequestHandler.prototype;
    if (
      this.computeEtag !== proto.computeEtag ||
      this.setEtagHeader !== proto.setEtagHeader ||
      this.checkEtagHeader !== proto.checkEtagHeader ||
      request.headers.get("If-None-Match") !== undefined
    ) {
      return false;
    }
    this.responseHeaders = HTTPHeaders.fromRaw([
      "Content-Type",
      this.contentType,
      "Etag",
      this.computeEtag() as string,
      "Content-Length",
      length,
    ]);
    return true;
  }

  /** After the last flush: end the exchange, log the request, run `onFinish`. */
  private completeResponse(): void {
    const conn = this.request.connection;
    if (conn != null && !this.closedFlag) {
      if (conn.responseStarted === false) {
        // The connection refused the head: it closed while the handler ran, and its close
        // callback, which runs a loop turn later, has not told us yet. Nothing can be sent to a
        // client that is gone, and that is not the application's error.
        this.clientGone();
      } else {
        try {
          conn.finish();
        } catch (err) {
          this.application.logger.error(err, "error finishing the response");
        }
      }
    }
    this.request.finishTime = TIME_ORIGIN + perf.now();
    this.application.logRequest(this);
    try {
      this.onFinish();
    } catch (err) {
      this.application.logger.error(err, "Exception in onFinish");
    }
  }

  /**
   * Redirect to `url` (301 when `permanent`, else 302, or the given `status` 3xx) and finish.
   * Throws HeadersWrittenError after the headers were sent.
   */
  redirect(url: string, permanent = false, status?: number): void {
    if (this.headersWrittenFlag) {
      throw new HeadersWrittenError("Cannot redirect after headers have been written");
    }
    if (typeof url !== "string") throw new TypeError("redirect() expects a URL string");
    const code = status ?? (permanent ? 301 : 302);
    if (!Number.isInteger(code) || code < 300 || code > 399) {
      throw new RangeError(`redirect status must be 3xx, got ${String(status)}`);
    }
    // Non-ASCII goes out percent-encoded as UTF-8 (what Tornado's utf8(url) means on the wire);
    // a control character is still refused by setHeader, before the status changes.
    this.setHeader(
      "Location",
      url.replace(NON_ASCII_RUN, (run) => encodeURIComponent(run)),
    );
    this.setStatus(code);
    void this.finish();
  }

  /**
   * Render template `name` with `vars` (plus the namespace of `getTemplateNamespace()`) and
   * finish. The resources of the UI modules the page used go in once each (Tornado's
   * `render`): CSS files, embedded CSS and `htmlHead` parts before `</head>`, JavaScript files,
   * embedded JavaScript and `htmlBody` parts before `</body>` — a TemplateError when the page has
   * something for one of them and lacks the tag.
   */
  async render(name: string, vars: Record<string, unknown> = {}): Promise<void> {
    if (this.finishedFlag) throw new ResponseFinishedError("Cannot render() after finish()");
    let html = await this.renderString(name, vars);
    const ui = this.uiNamespace;
    if (ui !== null && ui.active.size > 0) {
      html = insertPageResources(this, html, ui.active.values(), name);
    }
    await this.finish(html);
  }

  /**
   * Hook: the tags for the JavaScript files of the page's UI modules (Tornado's
   * `render_linked_js`), given their URLs — static paths already versioned, each once, in the
   * order the modules were first used. Default: a `<script src>` each. Override to add
   * attributes (`defer`, a CSP `nonce`).
   */
  renderLinkedJs(urls: readonly string[]): string {
    return linkedJsHtml(urls);
  }

  /** Hook: the tag for the page's embedded JavaScript, one string per module. Default: one `<script>`. */
  renderEmbedJs(code: readonly string[]): string {
    return embedJsHtml(code);
  }

  /** Hook: the tags for the page's CSS files (as {@link RequestHandler.renderLinkedJs}). Default: a `<link rel="stylesheet">` each. */
  renderLinkedCss(urls: readonly string[]): string {
    return linkedCssHtml(urls);
  }

  /** Hook: the tag for the page's embedded CSS, one string per module. Default: one `<style>`. */
  renderEmbedCss(code: readonly string[]): string {
    return embedCssHtml(code);
  }

  /** Render template `name` to a string without writing it. */
  async renderString(name: string, vars: Record<string, unknown> = {}): Promise<string> {
    const engine = this.application.templateEngine();
    const namespace = { ...this.getTemplateNamespace(), ...vars };
    return await engine.render(name, namespace);
  }

  /**
   * The variables every template sees (override to add your own): `handler`, `request`,
   * `settings`, `currentUser`, `locale`, `_` (its `translate`), `pgettext`, `xsrfFormHtml()`,
   * `staticUrl(path)`, `reverseUrl(name, ...args)`, `xhtmlEscape`, then the ui methods (bound to
   * this handler; they replace a default of the same name), and `module` (also `modules`): the
   * UI modules by name. Made only when a template is rendered.
   */
  getTemplateNamespace(): Record<string, unknown> {
    const locale = this.locale;
    const ui = this.templateUI();
    const namespace: Record<string, unknown> = {
      handler: this,
      request: this.request,
      settings: this.settings,
      currentUser: this.currentUser,
      locale,
      _: locale.translate,
      pgettext: locale.pgettext,
      xsrfFormHtml: () => this.xsrfFormHtml(),
      staticUrl: (path: string) => this.staticUrl(path),
      reverseUrl: (name: string, ...args: (string | number)[]) => this.reverseUrl(name, ...args),
      xhtmlEscape,
    };
    const methods = ui.methods;
    if (methods !== null) Object.assign(namespace, methods);
    namespace.module = ui.modules;
    namespace.modules = ui.modules;
    return namespace;
  }

  /** This handler's UI modules and ui methods (made on the first template rendered). */
  private templateUI(): UINamespace {
    let ui = this.uiNamespace;
    if (ui === null) {
      const settings = this.settings;
      ui = new UINamespace(
        this,
        resolveUIModules(settings.uiModules),
        resolveUIMethods(settings.uiMethods),
      );
      this.uiNamespace = ui;
    }
    return ui;
  }

  // ---- errors -----------------------------------------------------------------------------

  /**
   * Answer with an error page for `statusCode` (through `writeError`). After the headers were
   * sent this can only log and end the response.
   */
  sendError(statusCode = 500, info: ErrorInfo = {}): void {
    if (this.headersWrittenFlag) {
      this.application.logger.error("Cannot send error response after headers written");
      if (!this.finishedFlag) {
        try {
          void this.finish();
        } catch (err) {
          this.application.logger.error(err, "Failed to flush partial response");
          this.abortConnection();
        }
      }
      return;
    }
    this.clear();
    let reason = info.reason;
    if (reason === undefined && info.error instanceof HTTPError && info.error.reason !== null) {
      reason = info.error.reason;
    }
    this.setStatus(statusCode, reason);
    try {
      const r = this.writeError(statusCode, info);
      if (isPromiseLike(r)) {
        r.then(
          () => {
            if (!this.finishedFlag) void this.finish();
          },
          (err) => {
            this.application.logger.error(err, "Uncaught exception in writeError");
            if (!this.finishedFlag) void this.finish();
          },
        );
        return;
      }
    } catch (err) {
      this.application.logger.error(err, "Uncaught exception in writeError");
    }
    if (!this.finishedFlag) void this.finish();
  }

  /**
   * Hook: write the body of an error page. The default is a small HTML page, or the stack
   * trace as text when `serveTraceback` (default: `debug`) is on and there is an error.
   */
  writeError(statusCode: number, info: ErrorInfo): void | Promise<void> {
    const err = info.error;
    if (this.application.serveTraceback && err !== undefined) {
      this.setHeader("Content-Type", "text/plain; charset=UTF-8");
      this.write(err instanceof Error ? (err.stack ?? String(err)) : String(err));
      return;
    }
    const msg = xhtmlEscape(this.reasonPhrase);
    this.finish(
      `<html><title>${statusCode}: ${msg}</title><body>${statusCode}: ${msg}</body></html>`,
    );
  }

  /**
   * @internal Turn a value thrown by the handler (its hooks, or their promises) into a response
   * and a log line: `Finish` finishes, `HTTPError` answers its status, the peer's malformed input
   * 400/413, anything else 500.
   */
  [kHandleError](err: unknown): void {
    if (err instanceof Finish) {
      if (this.finishedFlag) return;
      try {
        void this.finish(err.chunk);
      } catch (finishErr) {
        this[kHandleError](finishErr);
      }
      return;
    }
    const logger = this.application.logger;
    if (this.isClientGoneError(err)) {
      // The handler stopped because its client left (a refused write, its aborted `signal`):
      // there is no one to answer, and it is not the application's error.
      logger.debug(`${this.requestSummary()}: stopped because the client closed the connection`);
      if (!this.finishedFlag) {
        try {
          void this.finish();
        } catch {}
      }
      return;
    }
    if (this.finishedFlag) {
      if (!(err instanceof HTTPError))
        logger.error(err, `Uncaught exception ${this.requestSummary()}`);
      return;
    }
    if (err instanceof HTTPError) {
      if (err.logMessage) {
        logger.warn(`${err.statusCode} ${this.requestSummary()}: ${err.logMessage}`);
      }
      if (!(err.statusCode in STATUS_CODES) && err.reason === null) {
        logger.error(`Bad HTTP status code: ${err.statusCode}`);
        this.sendError(500, { error: err });
        return;
      }
      this.sendError(err.statusCode, { error: err });
      return;
    }
    if (isPeerInputError(err)) {
      // The peer's fault, met when the handler read its arguments: a body that does not parse
      // as the form it claims (400) or passes the form limits (413).
      const status = peerErrorStatus(err);
      logger.warn(`${status} ${this.requestSummary()}: Invalid body: ${err.message}`);
      this.sendError(status, { error: err });
      return;
    }
    logger.error(err, `Uncaught exception ${this.requestSummary()}\n${this.request.toString()}`);
    this.sendError(500, { error: err });
  }

  /**
   * Whether `err` says this handler's client is gone: the connection refused output
   * (@t/httpserver's `HTTPConnectionClosedError`), or the `signal`'s ClientGoneError after the
   * client closed. Recognised by code, from any installed copy.
   */
  private isClientGoneError(err: unknown): boolean {
    if (err === null || typeof err !== "object") return false;
    const code = (err as { code?: unknown }).code;
    if (code === "T_ERR_HTTP_CONNECTION_CLOSED") return true;
    return code === "T_ERR_CLIENT_GONE" && this.closedFlag;
  }

  /** `GET /path (ip)` — used in log lines. */
  requestSummary(): string {
    const r = this.request;
    return `${r.method} ${r.uri} (${r.remoteIp})`;
  }

  private abortConnection(): void {
    const conn = this.request.connection as { detach?: () => { close(): void } } | null;
    if (conn != null && typeof conn.detach === "function") {
      try {
        conn.detach().close();
      } catch {}
    }
  }

  // ---- cookies ----------------------------------------------------------------------------

  /** Cookies the request carried: name → value. */
  get cookies(): Record<string, string> {
    return this.request.cookies;
  }

  /** The value of request cookie `name`, or `defaultValue` (undefined). */
  getCookie(name: string): string | undefined;
  getCookie<D>(name: string, defaultValue: D): string | D;
  getCookie(name: string, defaultValue?: unknown): unknown {
    const c = this.request.cookies;
    return Object.hasOwn(c, name) ? c[name] : defaultValue;
  }

  /**
   * Set a cookie (one Set-Cookie header per name; a later call for the same name replaces it).
   * TypeError for names or values with spaces or control characters.
   */
  setCookie(name: string, value: string, options: CookieOptions = {}): void {
    const header = formatSetCookie(name, value, options);
    if (this.newCookies === null) this.newCookies = new Map();
    this.newCookies.set(name, header);
  }

  /** Tell the browser to delete cookie `name` (same `path`/`domain` as when it was set). */
  clearCookie(name: string, options: CookieOptions = {}): void {
    this.setCookie(name, "", {
      ...options,
      expires: Date.now() - 365 * 86_400_000,
      expiresDays: undefined,
      maxAge: 0,
    });
  }

  /** Delete every cookie the request carried. */
  clearAllCookies(options: CookieOptions = {}): void {
    for (const name of Object.keys(this.request.cookies)) {
      if (name !== "") this.clearCookie(name, options);
    }
  }

  private cookieSecret() {
    const secret = this.settings.cookieSecret;
    if (secret === undefined || secret === null || secret === "") {
      throw new MissingSettingError("cookieSecret", "signed cookies");
    }
    return secret;
  }

  /** Sign `value` for cookie `name` with the application's `cookieSecret` (and `keyVersion`). */
  createSignedValue(name: string, value: string | Buffer): string {
    return createSignedValue(this.cookieSecret(), name, value, {
      keyVersion: this.settings.keyVersion,
    });
  }

  /**
   * Set a signed (tamper-evident, not secret) cookie: HMAC-SHA256 over name, value and time,
   * in Tornado's v2 format. `expiresDays` defaults to 30.
   */
  setSignedCookie(name: string, value: string | Buffer, options: SignedCookieOptions = {}): void {
    const opts = { ...options };
    if (!("expiresDays" in options)) opts.expiresDays = 30;
    this.setCookie(name, this.createSignedValue(name, value), opts);
  }

  /**
   * The verified value of signed cookie `name` (or of `value` when given), or null when it is
   * missing, tampered with, signed with an unknown key version or older than `maxAgeDays` (31).
   */
  getSignedCookie(
    name: string,
    value?: string,
    options: { maxAgeDays?: number } = {},
  ): string | null {
    const raw = value ?? this.getCookie(name);
    const decoded = decodeSignedValue(this.cookieSecret(), name, raw, {
      maxAgeDays: options.maxAgeDays ?? 31,
    });
    return decoded === null ? null : decoded.toString("utf8");
  }

  /** The key version a signed cookie claims, or null. */
  getSignedCookieKeyVersion(name: string, value?: string): number | null {
    this.cookieSecret();
    const raw = value ?? this.getCookie(name);
    return typeof raw === "string" ? getSignatureKeyVersion(raw) : null;
  }

  // ---- locale -----------------------------------------------------------------------------

  /**
   * The locale of this request (Tornado's `locale`): `getUserLocale()`'s answer, else the
   * browser's (`getBrowserLocale()`, from Accept-Language). Decided when first read — by a
   * template render or your code — and kept for the request; a request that never reads it pays
   * nothing. Assign it (in `prepare()`, say) to decide yourself, e.g. after an asynchronous
   * lookup: `this.locale = this.translations.get(await userLanguage(id))`.
   */
  get locale(): Locale {
    let locale = this.localeValue;
    if (locale === null) {
      locale = checkUserLocale(this.getUserLocale()) ?? this.getBrowserLocale();
      this.localeValue = locale;
    }
    return locale;
  }
  set locale(value: Locale) {
    this.localeValue = checkLocale(value);
  }

  /**
   * Hook: the locale of the user — from a preference cookie, the user's profile — or null to
   * use the browser's (Tornado's `get_user_locale`). Synchronous, as Tornado's, and called at
   * most once per request; for a lookup that must wait, assign `this.locale` in `prepare()`.
   * Return e.g. `this.translations.get(this.getCookie("lang", ""))`.
   */
  getUserLocale(): Locale | null {
    return null;
  }

  /**
   * The closest supported locale for the request's Accept-Language header, by q-value (Tornado's
   * `get_browser_locale`); `defaultCode` when the header is absent or names no language, and the
   * translations' default locale when none it names is supported.
   */
  getBrowserLocale(defaultCode = "en_US"): Locale {
    return this.translations.fromAcceptLanguage(
      this.request.headers.get("Accept-Language"),
      defaultCode,
    );
  }

  /** The `translations` setting, or @t/locale's `defaultTranslations` when it is unset. */
  get translations(): Translations {
    return resolveTranslations(this.settings.translations);
  }

  // ---- users ------------------------------------------------------------------------------

  /** Hook: return the authenticated user for this request (or null). Called once, lazily. */
  getCurrentUser(): unknown {
    return null;
  }

  /** The current user (from `getCurrentUser()`, cached; may be assigned in `prepare`). */
  get currentUser(): unknown {
    if (this.currentUserValue === undefined) this.currentUserValue = this.getCurrentUser() ?? null;
    return this.currentUserValue;
  }
  set currentUser(value: unknown) {
    this.currentUserValue = value;
  }

  /** The login URL for `authenticated` (the `loginUrl` setting). */
  getLoginUrl(): string {
    const url = this.settings.loginUrl;
    if (typeof url !== "string") throw new MissingSettingError("loginUrl", "@authenticated");
    return url;
  }

  // ---- XSRF -------------------------------------------------------------------------------

  private rawXsrfToken(): { token: Buffer; timestamp: number; fromCookie: boolean } {
    if (this.rawXsrf === null) {
      const cookie = this.getCookie(this.xsrfCookieName());
      const decoded = decodeXsrfToken(cookie);
      this.rawXsrf =
        decoded === null
          ? {
              token: newXsrfTokenBytes(),
              timestamp: Math.floor(Date.now() / 1000),
              fromCookie: false,
            }
          : { token: decoded.token, timestamp: decoded.timestamp, fromCookie: true };
    }
    return this.rawXsrf;
  }

  private xsrfCookieName(): string {
    return this.settings.xsrfCookieName ?? "_xsrf";
  }

  /**
   * The XSRF token for forms of this page, masked afresh per request (Tornado's v2 format).
   * Sets the `_xsrf` cookie when the browser has none.
   */
  get xsrfToken(): string {
    if (this.xsrfTokenValue === null) {
      const raw = this.rawXsrfToken();
      this.xsrfTokenValue = encodeXsrfToken(raw.token, raw.timestamp);
      if (!raw.fromCookie) {
        const options: CookieOptions = { ...(this.settings.xsrfCookieOptions ?? {}) };
        if (
          this.currentUser &&
          options.expiresDays === undefined &&
          options.expires === undefined
        ) {
          options.expiresDays = 30;
        }
        this.setCookie(this.xsrfCookieName(), this.xsrfTokenValue, options);
      }
    }
    return this.xsrfTokenValue;
  }

  /**
   * Check the `_xsrf` argument (or X-XSRFToken / X-CSRFToken header) against the cookie;
   * throws HTTPError 403 when missing or different. Runs before non-GET/HEAD/OPTIONS methods
   * when the `xsrfCookies` setting is on.
   */
  checkXsrfCookie(): void {
    const given =
      this.getArgument("_xsrf", null) ??
      this.request.headers.get("X-Xsrftoken") ??
      this.request.headers.get("X-Csrftoken");
    if (!given) throw new HTTPError(403, `'_xsrf' argument missing from ${this.request.method}`);
    const decoded = decodeXsrfToken(given);
    const expected = this.rawXsrfToken();
    if (decoded === null || decoded.token.length === 0) {
      throw new HTTPError(403, "'_xsrf' argument has invalid format");
    }
    if (!expected.fromCookie || !constantTimeEqualBuffers(decoded.token, expected.token)) {
      throw new HTTPError(403, "XSRF cookie does not match POST argument");
    }
  }

  /** `<input type="hidden" name="_xsrf" value="…"/>` for forms. */
  xsrfFormHtml(): string {
    return `<input type="hidden" name="_xsrf" value="${xhtmlEscape(this.xsrfToken)}"/>`;
  }

  // ---- URLs and ETags ---------------------------------------------------------------------

  /** The path of the route named `name` with `args` filled in. */
  reverseUrl(name: string, ...args: (string | number)[]): string {
    return this.application.reverseUrl(name, ...args);
  }

  /** The URL of a static file with its version hash (`/static/app.css?v=…`). */
  staticUrl(
    path: string,
    options: { includeHost?: boolean; includeVersion?: boolean } = {},
  ): string {
    const url = this.application.staticUrl(path, options.includeVersion ?? true);
    return options.includeHost ? `${this.request.protocol}://${this.request.host}${url}` : url;
  }

  /** Hook: the ETag for the buffered body, or null for none (default: a SHA-1 of the body). */
  computeEtag(): string | null {
    const text = this.bodyText;
    return text !== null && this.writeBuffer.length === 1
      ? computeTextEtag(text, this.writeBuffer)
      : computeEtag(this.writeBuffer);
  }

  /** Set the Etag header from `computeEtag()`. */
  setEtagHeader(): void {
    const etag = this.computeEtag();
    if (etag === null) return;
    // The default hook only makes a quoted hex digest; an override's value is checked.
    if (this.computeEtag === RequestHandler.prototype.computeEtag) {
      this.ownHeaders().setTrusted("Etag", etag);
    } else this.ownHeaders().set("Etag", etag);
  }

  /** True when the request's If-None-Match matches the response's Etag header. */
  checkEtagHeader(): boolean {
    const inm = this.request.headers.get("If-None-Match");
    if (inm === undefined) return false;
    const h = this.responseHeaders;
    return h !== null && etagMatches(inm, h.get("Etag"));
  }

  // ---- completion by other means, and the connection going away -------------------------

  /**
   * Record that the response was completed by other means — written to `request.connection`
   * directly (a mounted Node handler) or answered and taken over (a WebSocket upgrade's 101):
   * sets the status to `statusCode`, marks the handler finished with its headers written,
   * forgets the connection's close callback, logs the request and runs `onFinish`. The
   * handler writes nothing. Does nothing when the handler already finished. Part of the stable
   * API for handler classes built on RequestHandler (used by @t/websocket).
   */
  finishedElsewhere(statusCode: number): void {
    if (this.finishedFlag) return;
    this.statusCode = statusCode;
    this.finishedFlag = true;
    this.headersWrittenFlag = true;
    this.request.finishTime = TIME_ORIGIN + perf.now();
    this.application.logRequest(this);
    try {
      this.onFinish();
    } catch (err) {
      this.application.logger.error(err, "Exception in onFinish");
    }
  }

  /**
   * The response is finishing but its connection closed first (the head was refused) before the
   * close callback, a loop turn later, said so: remember it (`connectionClosed`) and say so at
   * debug level — a client that left is not an error. Like a finished handler's, no
   * `onConnectionClose` follows.
   */
  private clientGone(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    this.application.logger.debug(
      `${this.requestSummary()}: the client closed the connection; the response was not sent`,
    );
  }

  /**
   * @internal The connection closed before the response finished (or, for a streamed body,
   * before the body was read): abort `signal` and run `onConnectionClose` once.
   */
  [kConnectionClosed](): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    const ac = this.abortController;
    if (ac !== null && !ac.signal.aborted) {
      ac.abort(new ClientGoneError("the client closed the connection"));
    }
    try {
      this.onConnectionClose();
    } catch (err) {
      this.application.logger.error(err, "Exception in onConnectionClose");
    }
  }
}

function noop(): void {}

/** A rejected Promise already marked handled (a caller may ignore it, as with `flush()`). */
function rejectedHandled(err: Error): Promise<never> {
  const p = Promise.reject(err);
  p.catch(noop);
  return p;
}
