// Application: routes + settings, the host of its handlers, and the HTTPServer delegate that
// hands each request to a RequestDispatcher.

import type {
  HTTP1Connection,
  HTTPMessageDelegate,
  HTTPServer,
  HTTPServerConnectionDelegate,
  HTTPServerOptions,
  HTTPServerRequest,
} from "@t/httpserver";
import { IOLoop, type Logger, namedLogger } from "@t/ioloop";
import type { BindOptions } from "@t/tcpserver";
import { accessLogFields, formatAccessLine, type LoggedHandler } from "./access-log.js";
import { ErrorHandler } from "./error-handler.js";
import { ReverseUrlError } from "./errors.js";
import type { HandlerHost } from "./handler-host.js";
import { resolveTranslations } from "./locale-support.js";
import { checkTransforms, type OutputTransformClass } from "./output-transform.js";
import { type DispatchHost, RequestDispatcher, type RouteTarget } from "./request-dispatcher.js";
import { type HandlerClass, isHandlerClass } from "./request-handler.js";
import { type RequestIdConfig, resolveRequestIdConfig } from "./request-id.js";
import {
  compileHostPattern,
  type HostRule,
  type RouteSpec,
  RouteTable,
  toURLSpecs,
  URLSpec,
} from "./routing.js";
import { listenWith } from "./serve.js";
import { type ApplicationSettings, checkSettings } from "./settings.js";
import { StaticFileHandler } from "./static-file-handler.js";
import { EtaTemplateEngine, type TemplateEngine } from "./template.js";
import { resolveUIMethods, resolveUIModules } from "./ui-registry.js";

export type { ApplicationSettings } from "./settings.js";

/**
 * A web application (Tornado's `Application`): a list of routes and settings, usable as the
 * delegate of an HTTPServer (so request bodies can be streamed to handlers). It is the
 * {@link HandlerHost} of the handlers it runs (`handler.application`).
 *
 * ```ts
 * const app = new Application([[String.raw`/user/(\d+)`, UserHandler, {}, "user"]], { debug: true });
 * await app.listen(8888, "127.0.0.1");
 * app.reverseUrl("user", 42); // "/user/42"
 * ```
 */
export class Application
  implements HTTPServerConnectionDelegate<unknown, HTTP1Connection>, HandlerHost, DispatchHost
{
  /** The settings given to the constructor. */
  readonly settings: ApplicationSettings;
  /** Host rules in order of precedence; the last one matches any host. */
  readonly rules: HostRule[] = [];
  /** @internal The compiled form of `rules` (literal paths in a Map). */
  readonly routeTable: RouteTable = new RouteTable(this.rules);
  private readonly named = new Map<string, URLSpec>();
  private engine: TemplateEngine | null = null;
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
      const cls = (settings.staticHandlerClass as HandlerClass | undefined) ?? StaticFileHandler;
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
    // Checked now, so that a mistake shows when the application is built, not on a first page.
    resolveTranslations(settings.translations);
    resolveUIModules(settings.uiModules);
    resolveUIMethods(settings.uiMethods);
    this.defaultHandler =
      (settings.defaultHandlerClass as HandlerClass | undefined) ?? ErrorHandler;
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
  logRequest(handler: LoggedHandler): void {
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
    const target: RouteTarget = { handlerClass: null, initArgs: {}, pathArgs: [], pathKwargs: {} };
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
    if (!isHandlerClass(handlerClass)) {
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

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
