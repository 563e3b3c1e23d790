// RequestDispatcher: one request's way through the web layer — routing, the body, and the
// handler's lifecycle (Tornado's `_HandlerDelegate` and `RequestHandler._execute`).

import {
  type BodyAccumulator,
  formKind,
  type HTTP1Connection,
  type HTTPHeaders,
  type HTTPMessageDelegate,
  type HTTPServerRequest,
  type RequestStartLine,
} from "@t/httpserver";
import { ErrorHandler } from "./error-handler.js";
import { HTTPError } from "./errors.js";
import type { HandlerHost } from "./handler-host.js";
import { isPromiseLike } from "./promise-like.js";
import { requestFromHead } from "./request-from-head.js";
import type { HandlerClass, RequestHandler } from "./request-handler.js";
import { assignRequestId, type RequestIdConfig, requestIdStorage } from "./request-id.js";
import { appendBody } from "./serve.js";
import { kConnectionClosed, kHandleError, kSetRequestId, kStreamedChunks } from "./symbols.js";

/** @internal Where `Application.routeInto` writes a request's route. */
export interface RouteTarget {
  handlerClass: HandlerClass | null;
  initArgs: Record<string, unknown>;
  pathArgs: (string | undefined)[];
  pathKwargs: Record<string, string | undefined>;
}

/**
 * @internal What the dispatcher needs of its application besides what handlers see
 * (`Application` implements it): the request-id setting and the routes.
 */
export interface DispatchHost extends HandlerHost {
  /** The resolved `requestId` setting, or null when off. */
  readonly requestIds: RequestIdConfig | null;
  /** Route `request` into `target`. */
  routeInto(target: RouteTarget, request: HTTPServerRequest): void;
}

const NO_XSRF_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
/**
 * Verb method names by request method: the supported methods (no `toLowerCase()` per request).
 * A method named like an `Object.prototype` member reads a function or an object here, never a
 * string, so `typeof … === "string"` is the membership test (one property load, no Set).
 */
const VERB_METHODS: Readonly<Record<string, VerbName>> = {
  GET: "get",
  HEAD: "head",
  POST: "post",
  DELETE: "delete",
  PATCH: "patch",
  PUT: "put",
  OPTIONS: "options",
};
type VerbName = "get" | "head" | "post" | "put" | "patch" | "delete" | "options";

// Placeholders until a request is routed (never handed to a handler: routing replaces them).
const EMPTY_INIT_ARGS: Record<string, unknown> = Object.freeze({});
const EMPTY_PATH_ARGS: (string | undefined)[] = Object.freeze([]) as unknown as string[];
const EMPTY_PATH_KWARGS: Record<string, string | undefined> = Object.freeze({});

function hasOwnKeys(o: object): boolean {
  for (const k in o) if (Object.hasOwn(o, k)) return true;
  return false;
}

/**
 * @internal Dispatches one request: routes on the headers, then either buffers the body and runs
 * the handler at the end, or — for `streamRequestBody` handlers — runs it at once and feeds it
 * the body chunk by chunk. Runs the handler's lifecycle: `prepare()` (the XSRF check first),
 * the verb method once the body is complete, the automatic `finish()`, exceptions into error
 * responses, and the connection's close callback while a handler is still running after its
 * first synchronous part (one that finishes in the same tick cannot see the connection close,
 * and most do, so most requests register none).
 */
export class RequestDispatcher implements HTTPMessageDelegate, RouteTarget {
  private readonly app: DispatchHost;
  private readonly connection: HTTP1Connection;
  private request: HTTPServerRequest | null = null;
  private handler: RequestHandler | null = null;
  /** Set by `Application.routeInto`. */
  handlerClass: HandlerClass | null = null;
  initArgs: Record<string, unknown> = EMPTY_INIT_ARGS;
  pathArgs: (string | undefined)[] = EMPTY_PATH_ARGS;
  pathKwargs: Record<string, string | undefined> = EMPTY_PATH_KWARGS;
  /** The body of a non-streaming request, gathered in one growable buffer (never a Buffer per chunk). */
  private body: BodyAccumulator | null = null;
  /** The handler streams the body (`streamRequestBody`). */
  private stream = false;
  /** A streamed body was read to its end. */
  private bodyComplete = false;
  /** `prepare()` finished and the verb method waits for the rest of a streamed body. */
  private methodWaitsForBody = false;
  /** An asynchronous `prepare()` of a streaming handler, until it settles (chunks wait for it). */
  private preparing: Promise<void> | null = null;
  private closeWatched = false;
  private requestId: string | null = null;

  constructor(app: DispatchHost, connection: HTTP1Connection) {
    this.app = app;
    this.connection = connection;
  }

  /** Route already decided (`Application.getHandlerDelegate`): `headersReceived` skips routing. */
  preset(
    request: HTTPServerRequest,
    handlerClass: HandlerClass,
    initArgs: Record<string, unknown>,
    pathArgs: (string | undefined)[],
    pathKwargs: Record<string, string | undefined>,
  ): void {
    this.request = request;
    this.handlerClass = handlerClass;
    this.initArgs = initArgs;
    this.pathArgs = pathArgs;
    this.pathKwargs = pathKwargs;
  }

  // ---- HTTPMessageDelegate ----------------------------------------------------------------

  headersReceived(startLine: RequestStartLine, headers: HTTPHeaders): void | Promise<void> {
    const conn = this.connection;
    const ids = this.app.requestIds;
    if (ids !== null) {
      this.requestId = assignRequestId(ids, headers.get(ids.header));
      // This runs in the request's own async context (the server makes one per request).
      requestIdStorage.enterWith(this.requestId);
    }
    let request = this.request;
    if (request === null) {
      request = requestFromHead(startLine, headers, conn);
      this.request = request;
      this.app.routeInto(this, request);
    }
    const cls = this.handlerClass as HandlerClass;
    this.stream = cls.streamRequestBody === true;
    if (!this.stream) {
      // The body is buffered for the handler: forms are held to the server's smaller form limits
      // and parsed (lazily, when the handler reads its arguments) under its form limits.
      const params = conn.params;
      request.formLimits = params.formLimits;
      const kind = formKind(headers.get("Content-Type"));
      if (kind === 1) conn.setMaxBodySize(Math.min(params.maxBodySize, params.maxFormBodySize));
      else if (kind === 2) {
        conn.setMaxBodySize(Math.min(params.maxBodySize, params.maxMultipartBodySize));
      }
      return;
    }
    const handler = this.makeHandler();
    if (handler === null) return;
    // The connection waits for an asynchronous prepare() before it delivers body chunks.
    const preparing = this.execute(handler);
    if (preparing === undefined) return;
    this.preparing = preparing;
    return preparing.then(() => {
      this.preparing = null;
    });
  }

  dataReceived(chunk: Buffer): void | Promise<void> {
    if (this.stream) {
      const handler = this.handler;
      if (handler === null || handler.finished || handler.connectionClosed) return;
      const preparing = this.preparing;
      if (preparing !== null) {
        return preparing.then(() => {
          if (!handler.finished) return handler.dataReceived(chunk);
        });
      }
      return handler.dataReceived(chunk);
    }
    this.body = appendBody(this.body, chunk);
  }

  finish(): void {
    if (this.stream) {
      this.bodyComplete = true;
      const handler = this.handler;
      if (handler !== null && this.methodWaitsForBody) {
        this.methodWaitsForBody = false;
        this.callMethod(handler);
      }
      return;
    }
    const request = this.request as HTTPServerRequest;
    const body = this.body;
    this.body = null;
    if (body !== null) request.body = body.take();
    // No parsing here: the body becomes arguments and files when the handler (or the XSRF
    // check) reads them, and a body that does not parse is answered 400/413 from there.
    const handler = this.makeHandler();
    if (handler === null) return;
    this.execute(handler);
  }

  onConnectionClose(): void {
    // A streamed body that never completed: its verb method never runs.
    this.methodWaitsForBody = false;
    if (this.stream) this.handler?.[kConnectionClosed]();
    this.body = null;
  }

  // ---- the handler's lifecycle ------------------------------------------------------------

  /** Construct the route's handler: request id, `setDefaultHeaders`, `initialize`. */
  private makeHandler(): RequestHandler | null {
    const request = this.request as HTTPServerRequest;
    const Cls = this.handlerClass as HandlerClass;
    let handler: RequestHandler;
    try {
      handler = new Cls(this.app, request);
      this.handler = handler;
      this.giveRequestId(handler);
      handler.setDefaultHeaders();
      handler.initialize(this.initArgs);
    } catch (err) {
      this.app.logger.error(
        err,
        `Uncaught exception creating handler for ${request.method} ${request.uri}`,
      );
      const fallback = new ErrorHandler(this.app, request);
      this.handler = fallback;
      this.giveRequestId(fallback);
      fallback.setDefaultHeaders();
      fallback.initialize({ statusCode: 500 });
      this.pathArgs = [];
      this.pathKwargs = {};
      this.execute(fallback);
      return null;
    }
    return handler;
  }

  private giveRequestId(handler: RequestHandler): void {
    const id = this.requestId;
    if (id !== null) handler[kSetRequestId](id, (this.app.requestIds as RequestIdConfig).header);
  }

  /**
   * Run the request through the XSRF check, `prepare()` and (once the body is complete) the verb
   * method; returns the settling of an asynchronous `prepare()`, else undefined. Registers the
   * connection's close callback if the handler is still running afterwards.
   */
  private execute(handler: RequestHandler): Promise<void> | undefined {
    handler.pathArgs = this.pathArgs;
    handler.pathKwargs = this.pathKwargs;
    let preparing: Promise<void> | undefined;
    try {
      const method = (this.request as HTTPServerRequest).method;
      if (typeof VERB_METHODS[method] !== "string") throw new HTTPError(405);
      if (handler.settings.xsrfCookies === true && !NO_XSRF_METHODS.has(method)) {
        handler.checkXsrfCookie();
      }
      const r = handler.prepare();
      if (isPromiseLike(r)) {
        preparing = Promise.resolve(r).then(
          () => this.afterPrepare(handler),
          (err) => handler[kHandleError](err),
        );
      } else {
        this.afterPrepare(handler);
      }
    } catch (err) {
      handler[kHandleError](err);
    }
    // Still running after the synchronous part: notice the client going away.
    if (!handler.finished) this.watchConnectionClose(handler);
    return preparing;
  }

  private afterPrepare(handler: RequestHandler): void {
    if (handler.finished) return;
    if (this.stream && !this.bodyComplete) {
      // A failed or finished prepare() lets the body drain into the void; otherwise `finish()`
      // calls the verb method.
      this.methodWaitsForBody = true;
      return;
    }
    this.callMethod(handler);
  }

  private callMethod(handler: RequestHandler): void {
    try {
      if (handler.finished) return;
      const request = this.request as HTTPServerRequest;
      if (this.stream) {
        const chunks = handler[kStreamedChunks];
        if (chunks !== null) {
          request.body = Buffer.concat(chunks);
          handler[kStreamedChunks] = null;
        }
      }
      const fn = handler[VERB_METHODS[request.method]] as (...args: unknown[]) => unknown;
      const kwargs = this.pathKwargs;
      const args = this.pathArgs;
      const r = hasOwnKeys(kwargs)
        ? fn.call(handler, kwargs)
        : args.length === 0
          ? fn.call(handler)
          : fn.apply(handler, args);
      if (isPromiseLike(r)) {
        r.then(
          () => this.autoFinish(handler),
          (err) => handler[kHandleError](err),
        );
        return;
      }
      this.autoFinish(handler);
    } catch (err) {
      handler[kHandleError](err);
    }
  }

  private autoFinish(handler: RequestHandler): void {
    if (handler.autoFinish && !handler.finished) {
      try {
        void handler.finish();
      } catch (err) {
        handler[kHandleError](err);
      }
    }
  }

  /**
   * Tell the handler when its connection closes before the response finished (registered only
   * for handlers that outlive the synchronous part of `execute`).
   */
  private watchConnectionClose(handler: RequestHandler): void {
    if (this.closeWatched || handler.connectionClosed) return;
    const conn = (this.request as HTTPServerRequest).connection as {
      setCloseCallback?: (cb: (() => void) | null) => void;
    } | null;
    if (conn == null || typeof conn.setCloseCallback !== "function") return;
    this.closeWatched = true;
    conn.setCloseCallback(() => {
      if (!handler.finished) handler[kConnectionClosed]();
    });
  }
}
