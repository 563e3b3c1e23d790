// Application: routes + settings, and the HTTPServer delegate that dispatches requests to handlers.

import {
  type BodyAccumulator,
  formKind,
  type HTTP1Connection,
  type HTTPHeaders,
  type HTTPMessageDelegate,
  type HTTPServer,
  type HTTPServerConnectionDelegate,
  type HTTPServerOptions,
  type HTTPServerRequest,
  type RequestStartLine,
} from "@t/httpserver";
import { IOLoop, type Logger, namedLogger } from "@t/ioloop";
import type { BindOptions } from "@t/tcpserver";
import { accessLogFields, formatAccessLine } from "./access-log.js";
import { ErrorHandler } from "./error-handler.js";
import { ReverseUrlError } from "./errors.js";
import { checkTransforms, type OutputTransformClass } from "./output-transform.js";
import { requestFromHead } from "./request-from-head.js";
import type { HandlerClass, RequestHandler } from "./request-handler.js";
import {
  assignRequestId,
  type RequestIdConfig,
  requestIdStorage,
  resolveRequestIdConfig,
} from "./request-id.js";
import {
  compileHostPattern,
  type HostRule,
  type RouteSpec,
  RouteTable,
  toURLSpecs,
  URLSpec,
} from "./routing.js";
import { appendBody, listenWith } from "./serve.js";
import { type ApplicationSettings, checkSettings } from "./settings.js";
import { StaticFileHandler } from "./static-file-handler.js";
import { EtaTemplateEngine, type TemplateEngine } from "./template.js";

export type { ApplicationSettings } from "./settings.js";

/** @internal Where `Application.routeInto` writes a request's route. */
export interface RouteTarget {
  handlerClass: HandlerClass | null;
  initArgs: Record<string, unknown>;
  pathArgs: (string | undefined)[];
  pathKwargs: Record<string, string | undefined>;
}

/**
 * A web application (Tornado's `Application`): a list of routes and settings, usable as the
 * delegate of an HTTPServer (so request bodies can be streamed to handlers).
 *
 * ```ts
 * const app = new Application([[String.raw`/user/(\d+)`, UserHandler, {}, "user"]], { debug: true });
 * await app.listen(8888, "127.0.0.1");
 * app.reverseUrl("user", 42); // "/user/42"
 * ```
 */
export class Application implements HTTPServerConnectionDelegate<unknown, HTTP1Connection> {
  /** The settings given to the constructor. */
  readonly settings: ApplicationSettings;
  /** Host rules in order of precedence; the last one matches any host. */
  readonly rules: HostRule[] = [];
  /** @internal The compiled form of `rules` (literal paths in a Map). */
  readonly routeTable: RouteTable = new RouteTable(this.rules);
  private readonly named = new Map<string, URLSpec>();
  private engine: TemplateEngine | null = null;
  /** @internal Static file version hashes by absolute path. */
  readonly staticHashes = new Map<string, string>();
  private readonly defaultHandler: HandlerClass;
  private readonly defaultHandlerArgs: Record<string, unknown>;
  private loggerBase: Logger | null = null;
  private namedLoggerValue: Logger | null = null;
  /** @internal The resolved `requestId` setting, or null when off. */
  readonly requestIds: RequestIdConfig | null;
  /** The `transforms` setting: output transform classes run on every response, or null. */
  readonly transforms: OutputTransformClass[] | null;
  /**
   * Routes of host rules whose pattern matches the `defaultHost` setting, tried (after every
   * other route) for requests without `X-Real-Ip` — Tornado's `DefaultHostMatches`. Null while
   * there are none, so that routing pays nothing for the setting.
   */
  private defaultHostTable: RouteTable | null = null;
  private readonly defaultHostRules: HostRule[] = [];

  constructor(routes: readonly RouteSpec[] = [], settings: ApplicationSettings = {}) {
    checkSettings(settings);
    this.settings = settings;
    const specs: URLSpec[] = [];
    if (settings.staticPath !== undefined) {
      if (typeof settings.staticPath !== "string")
        throw new TypeError("staticPath must be a string");
      const prefix = settings.staticUrlPrefix ?? "/static/";
      if (typeof prefix !== "string" || !prefix.startsWith("/")) {
        throw new TypeError('staticUrlPrefix must be a string starting with "/"');
      }
      const cls = settings.staticHandlerClass ?? StaticFileHandler;
      const args = { ...(settings.staticHandlerArgs ?? {}), path: settings.staticPath };
      specs.push(
        new URLSpec(`${escapeRegex(prefix)}(.*)`, cls, args),
        new URLSpec(String.raw`/(favicon\.ico)`, cls, args),
        new URLSpec(String.raw`/(robots\.txt)`, cls, args),
      );
    }
    for (const s of toURLSpecs(routes)) specs.push(s);
    this.rules.push({ hostRegex: /^/, specs });
    this.indexNames(specs);
    this.routeTable.invalidate();
    if (settings.defaultHost !== undefined && typeof settings.defaultHost !== "string") {
      throw new TypeError("defaultHost must be a host name string");
    }
    this.requestIds = resolveRequestIdConfig(settings.requestId);
    this.transforms = checkTransforms(settings.transforms);
    this.defaultHandler = settings.defaultHandlerClass ?? ErrorHandler;
    this.defaultHandlerArgs =
      settings.defaultHandlerArgs ??
      (settings.defaultHandlerClass === undefined ? { statusCode: 404 } : {});
  }

  private indexNames(specs: URLSpec[]): void {
    for (const s of specs) {
      if (s.name === null) continue;
      if (this.named.has(s.name)) {
        this.logger.warn(`Multiple handlers named ${s.name}; replacing previous value`);
      }
      this.named.set(s.name, s);
    }
  }

  /**
   * Add routes that apply only to requests whose host name matches `hostPattern` (a regex,
   * anchored, case-insensitive). Host rules are tried in the order added, before the routes
   * given to the constructor.
   */
  addHandlers(hostPattern: string | RegExp, routes: readonly RouteSpec[]): void {
    const specs = toURLSpecs(routes);
    this.rules.splice(this.rules.length - 1, 0, {
      hostRegex: compileHostPattern(hostPattern),
      specs,
    });
    this.routeTable.invalidate();
    this.indexNames(specs);
    const defaultHost = this.settings.defaultHost;
    if (defaultHost !== undefined && compileHostPattern(hostPattern).test(defaultHost)) {
      this.defaultHostRules.push({ hostRegex: /^/, specs });
      this.defaultHostTable ??= new RouteTable(this.defaultHostRules);
      this.defaultHostTable.invalidate();
    }
  }

  /**
   * The route for `request` among the host rules of the `defaultHost` setting, when no other
   * route matched (null when none does, or the request came through a proxy: `X-Real-Ip`).
   */
  private lookupDefaultHost(request: HTTPServerRequest): URLSpec | null {
    const table = this.defaultHostTable;
    if (table === null || request.headers.has("X-Real-Ip")) return null;
    return table.lookup(request, request.path);
  }

  /**
   * The route named `name`, or undefined (what a `ReversibleRuleRouter` asks of an Application
   * it routes to).
   */
  namedRoute(name: string): URLSpec | undefined {
    return this.named.get(name);
  }

  /** The logger for errors and access lines (`@t/web`'s child of the configured one). */
  get logger(): Logger {
    const base = this.settings.logger ?? IOLoop.current().logger;
    // Read per request (the access log): look the named child up only when the base changes.
    if (base !== this.loggerBase) {
      this.loggerBase = base;
      this.namedLoggerValue = namedLogger(base, "@t/web");
    }
    return this.namedLoggerValue as Logger;
  }

  /** Whether error pages carry stack traces. */
  get serveTraceback(): boolean {
    return this.settings.serveTraceback ?? this.settings.debug === true;
  }

  /** The template engine for `render()`. */
  templateEngine(): TemplateEngine {
    if (this.engine === null) {
      if (this.settings.templateEngine !== undefined) {
        this.engine = this.settings.templateEngine;
      } else {
        const path = this.settings.templatePath;
        if (typeof path !== "string") {
          throw new TypeError("render() needs the templatePath (or templateEngine) setting");
        }
        this.engine = new EtaTemplateEngine({
          templatePath: path,
          cache: this.settings.debug !== true,
        });
      }
    }
    return this.engine;
  }

  /**
   * The path of the route named `name` with `args` substituted for its groups (each
   * percent-encoded). Throws ReverseUrlError for an unknown name or a wrong argument count.
   */
  reverseUrl(name: string, ...args: (string | number)[]): string {
    const spec = this.named.get(name);
    if (spec === undefined) throw new ReverseUrlError(`${name} not found in named urls`);
    return spec.reverse(...args);
  }

  /**
   * The URL of static file `path` under `staticUrlPrefix`, with `?v=<hash>` of its content
   * when `includeVersion` (default) and the file exists.
   */
  staticUrl(path: string, includeVersion = true): string {
    const staticPath = this.settings.staticPath;
    if (typeof staticPath !== "string") {
      throw new TypeError("staticUrl() needs the staticPath setting");
    }
    const prefix = this.settings.staticUrlPrefix ?? "/static/";
    const cls = (this.settings.staticHandlerClass ??
      StaticFileHandler) as unknown as typeof StaticFileHandler;
    const make =
      typeof cls.makeStaticUrl === "function" ? cls.makeStaticUrl : StaticFileHandler.makeStaticUrl;
    return make.call(cls, this, staticPath, prefix, path, includeVersion);
  }

  /** Write the access line of a finished request (through `logFunction` when set). */
  logRequest(handler: RequestHandler): void {
    const fn = this.settings.logFunction;
    if (fn !== undefined) {
      fn(handler);
      return;
    }
    const status = handler.getStatus();
    const logger = this.logger;
    const level = status < 400 ? "info" : status < 500 ? "warn" : "error";
    // A logger that can tell (pino's isLevelEnabled) spares formatting a line it would drop.
    if (typeof logger.isLevelEnabled === "function" && !logger.isLevelEnabled(level)) return;
    logger[level](
      accessLogFields(handler, status),
      formatAccessLine(status, handler.requestSummary(), handler.request.requestTime()),
    );
  }

  /** Route a request: the handler class, its initArgs and path arguments. */
  findHandler(request: HTTPServerRequest): {
    handlerClass: HandlerClass;
    initArgs: Record<string, unknown>;
    pathArgs: (string | undefined)[];
    pathKwargs: Record<string, string | undefined>;
  } {
    const target: RouteTarget = {
      handlerClass: null,
      initArgs: EMPTY_INIT_ARGS,
      pathArgs: EMPTY_PATH_ARGS,
      pathKwargs: EMPTY_PATH_KWARGS,
    };
    this.routeInto(target, request);
    return target as RouteTarget & { handlerClass: HandlerClass };
  }

  /**
   * @internal Route `request` straight into `dispatcher` (the per-request form of `findHandler`,
   * without a result object).
   */
  routeInto(dispatcher: RouteTarget, request: HTTPServerRequest): void {
    let table = this.routeTable;
    let spec = table.lookup(request, request.path);
    if (spec === null && this.defaultHostTable !== null) {
      spec = this.lookupDefaultHost(request);
      table = this.defaultHostTable;
    }
    if (spec === null) {
      dispatcher.handlerClass = this.defaultHandler;
      dispatcher.initArgs = this.defaultHandlerArgs;
      dispatcher.pathArgs = [];
      dispatcher.pathKwargs = {};
      return;
    }
    dispatcher.handlerClass = spec.handlerClass;
    dispatcher.initArgs = spec.initArgs;
    dispatcher.pathArgs = table.pathArgs;
    dispatcher.pathKwargs = table.pathKwargs;
  }

  /** HTTPServerConnectionDelegate: a message delegate for each request. */
  startRequest(_serverConn: unknown, requestConn: HTTP1Connection): HTTPMessageDelegate {
    return new RequestDispatcher(this, requestConn);
  }

  /**
   * A message delegate that runs `handlerClass` for `request`, already routed elsewhere
   * (Tornado's `get_handler_delegate`; what a `RuleRouter` uses for a RequestHandler class
   * target). Give it the request's `headersReceived`, `dataReceived` and `finish` calls; the
   * handler gets this application's settings and `initArgs`, `pathArgs`, `pathKwargs`.
   */
  getHandlerDelegate(
    request: HTTPServerRequest,
    handlerClass: HandlerClass,
    initArgs: Record<string, unknown> = {},
    pathArgs: (string | undefined)[] = [],
    pathKwargs: Record<string, string | undefined> = {},
  ): HTTPMessageDelegate {
    if (
      typeof (handlerClass as { prototype?: { execute?: unknown } })?.prototype?.execute !==
      "function"
    ) {
      throw new TypeError("getHandlerDelegate expects a RequestHandler subclass");
    }
    const d = new RequestDispatcher(this, request.connection);
    d.preset(request, handlerClass, initArgs, pathArgs, pathKwargs);
    return d;
  }

  /**
   * Start an HTTPServer for this application on `port` (0 picks a free one) and resolve with
   * the server once it listens. `serverOptions` are HTTPServer's.
   */
  async listen(
    port: number,
    address?: string,
    serverOptions: HTTPServerOptions = {},
    bindOptions?: BindOptions,
  ): Promise<HTTPServer> {
    return listenWith(this, port, address, serverOptions, bindOptions);
  }
}

// Placeholders until a request is routed (never handed to a handler: routing replaces them).
const EMPTY_INIT_ARGS: Record<string, unknown> = Object.freeze({});
const EMPTY_PATH_ARGS: (string | undefined)[] = Object.freeze([]) as unknown as string[];
const EMPTY_PATH_KWARGS: Record<string, string | undefined> = Object.freeze({});

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Dispatches one request (Tornado's `_HandlerDelegate`): routes on the headers, then either
 * buffers the body and runs the handler at the end, or — for `streamRequestBody` handlers —
 * runs it at once and feeds it the body chunk by chunk.
 */
class RequestDispatcher implements HTTPMessageDelegate, RouteTarget {
  private readonly app: Application;
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
  private stream = false;
  private preparedDone = false;
  private requestId: string | null = null;

  constructor(app: Application, connection: HTTP1Connection) {
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
    handler.expectStreamedBody();
    handler.execute(this.pathArgs, this.pathKwargs);
    const prepared = handler.prepared;
    if (prepared === null) {
      this.preparedDone = true;
      return;
    }
    return prepared.then(() => {
      this.preparedDone = true;
    });
  }

  private makeHandler(): RequestHandler | null {
    const request = this.request as HTTPServerRequest;
    const Cls = this.handlerClass as HandlerClass;
    let handler: RequestHandler;
    try {
      handler = new Cls(this.app, request);
      this.handler = handler;
      if (this.requestId !== null) handler.setRequestId(this.requestId);
      handler.setDefaultHeaders();
      handler.initialize(this.initArgs);
    } catch (err) {
      this.app.logger.error(
        err,
        `Uncaught exception creating handler for ${request.method} ${request.uri}`,
      );
      const fallback = new ErrorHandler(this.app, request);
      this.handler = fallback;
      if (this.requestId !== null) fallback.setRequestId(this.requestId);
      fallback.setDefaultHeaders();
      fallback.initialize({ statusCode: 500 });
      fallback.execute([], {});
      return null;
    }
    return handler;
  }

  dataReceived(chunk: Buffer): void | Promise<void> {
    if (this.stream) {
      const handler = this.handler;
      if (handler === null || handler.finished || handler.connectionClosed) return;
      if (!this.preparedDone && handler.prepared !== null) {
        return handler.prepared.then(() => {
          if (!handler.finished) return handler.dataReceived(chunk);
        });
      }
      return handler.dataReceived(chunk);
    }
    this.body = appendBody(this.body, chunk);
  }

  finish(): void {
    if (this.stream) {
      this.handler?.streamedBodyFinished();
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
    handler.execute(this.pathArgs, this.pathKwargs);
  }

  onConnectionClose(): void {
    if (this.stream) this.handler?.handleConnectionClose();
    this.body = null;
  }
}
