// tornado.routing's routers: Router, Rule, RuleRouter and ReversibleRuleRouter, so apps nest.

import type {
  HTTP1Connection,
  HTTPMessageDelegate,
  HTTPServer,
  HTTPServerConnectionDelegate,
  HTTPServerOptions,
  HTTPServerRequest,
  RequestCallback,
} from "@t/httpserver";
import { IOLoop, type Logger, namedLogger } from "@t/ioloop";
import type { BindOptions } from "@t/tcpserver";
import { Application } from "./application.js";
import { Matcher, PathMatches, type RouteParams } from "./matchers.js";
import { type HandlerClass, isHandlerClass } from "./request-handler.js";
import { CallableAdapter, RoutingDelegate, serverConnectionOf } from "./routing-delegate.js";
import { listenWith } from "./serve.js";

/**
 * Decides which delegate serves a request (Tornado's `routing.Router`). A Router is an
 * `HTTPServerConnectionDelegate`: give it to `new HTTPServer(router)` (or `router.listen()`).
 * Subclasses implement `findHandler`; a request it finds nothing for gets a bare 404.
 */
export abstract class Router implements HTTPServerConnectionDelegate<unknown, HTTP1Connection> {
  /**
   * The message delegate for `request`, or null when this router has none (an enclosing
   * router then tries its next rule). `params` are what the enclosing rule's matcher captured.
   * The request's headers are read; its body is not (the delegate receives it).
   */
  abstract findHandler(
    request: HTTPServerRequest,
    params?: RouteParams,
  ): HTTPMessageDelegate | null;

  /** HTTPServerConnectionDelegate: routes each request once its headers are read. */
  startRequest(serverConn: unknown, requestConn: HTTP1Connection): HTTPMessageDelegate {
    return new RoutingDelegate(this, serverConn, requestConn);
  }

  /**
   * Start an HTTPServer for this router on `port` (0 picks a free one) and resolve with the
   * server once it listens, as `Application.listen` does.
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

/**
 * A Router that can also rebuild the URL of a named route (Tornado's `ReversibleRouter`):
 * `reverseUrl` returns null for a name it does not know.
 */
export abstract class ReversibleRouter extends Router {
  /** The URL of the route named `name` with `args` substituted, or null when unknown. */
  abstract reverseUrl(name: string, ...args: (string | number)[]): string | null;
}

/**
 * What a rule may route to: a nested Router, an Application or any other
 * `HTTPServerConnectionDelegate`, a RequestHandler class (run with the rule's `initArgs` and
 * the matcher's path arguments), a plain request callback `(request) => …` (it gets the
 * request with its body read, as an HTTPServer callback does), or a list of rules (a nested
 * router of the same kind).
 */
export type RuleTarget =
  | Router
  | HTTPServerConnectionDelegate<unknown, HTTP1Connection>
  | HandlerClass
  | RequestCallback
  | readonly RuleSpec[];

/**
 * A rule as written in a router's list: a `Rule`, or `[matcher, target, initArgs?, name?]`
 * where a string or RegExp matcher means `PathMatches`.
 */
export type RuleSpec =
  | Rule
  | readonly [
      matcher: Matcher | string | RegExp,
      target: RuleTarget,
      initArgs?: Record<string, unknown>,
      name?: string,
    ];

/**
 * One routing rule (Tornado's `routing.Rule`): a matcher, a target, the `initArgs` for the
 * target (a RequestHandler class's `initialize()` argument) and an optional name for
 * `reverseUrl`.
 */
export class Rule {
  /** Decides whether the rule applies. */
  readonly matcher: Matcher;
  /** Where a matching request goes (a list of rules becomes a nested router when added). */
  target: RuleTarget;
  /** Arguments for the target (a RequestHandler class gets them in `initialize`). */
  readonly initArgs: Record<string, unknown>;
  /** The rule's name for `reverseUrl`, or null. */
  readonly name: string | null;

  constructor(
    matcher: Matcher,
    target: RuleTarget,
    initArgs: Record<string, unknown> = {},
    name: string | null = null,
  ) {
    if (!(matcher instanceof Matcher)) {
      throw new TypeError(
        "a Rule's matcher must be a Matcher (PathMatches, HostMatches, AnyMatches, …)",
      );
    }
    if (!isRuleTarget(target)) {
      throw new TypeError(
        "a Rule's target must be a Router, an Application or other HTTPServerConnectionDelegate, a RequestHandler class, a request callback or a list of rules",
      );
    }
    if (initArgs === null || typeof initArgs !== "object" || Array.isArray(initArgs)) {
      throw new TypeError("a Rule's initArgs must be an object");
    }
    if (name !== null && typeof name !== "string") {
      throw new TypeError("a Rule's name must be a string");
    }
    this.matcher = matcher;
    this.target = target;
    this.initArgs = initArgs;
    this.name = name;
  }

  /** The URL of this rule for `args` (its matcher's `reverse`), or null. */
  reverse(...args: (string | number)[]): string | null {
    return this.matcher.reverse(...args);
  }
}

/** Options of a RuleRouter. */
export interface RuleRouterOptions {
  /**
   * The application whose settings RequestHandler class targets run with (their
   * `this.application`). Default: an Application with no routes and no settings, made when a
   * handler class target is first used.
   */
  application?: Application;
  /** Logger for routing warnings (default: the current loop's, named "@t/web"). */
  logger?: Logger;
}

/**
 * A router that tries its rules in order and hands the request to the first target that
 * yields a delegate (Tornado's `RuleRouter`); a nested router that finds nothing lets the
 * next rule try.
 *
 * ```ts
 * const router = new RuleRouter([
 *   [new HostMatches("api\\.example\\.com"), apiApp],
 *   ["/legacy/.*", legacyDelegate],
 *   ["/app/.*", new Application([["/app/(\\w+)", PageHandler]])],
 * ]);
 * await router.listen(8888);
 * ```
 */
export class RuleRouter extends Router {
  /** The rules in order of precedence. */
  readonly rules: Rule[] = [];
  /** The options given to the constructor (shared with nested routers made from rule lists). */
  protected readonly options: RuleRouterOptions;
  private ownApplication: Application | null = null;

  constructor(rules: readonly RuleSpec[] = [], options: RuleRouterOptions = {}) {
    super();
    if (options === null || typeof options !== "object") {
      throw new TypeError("RuleRouter options must be an object");
    }
    if (options.application !== undefined && !(options.application instanceof Application)) {
      throw new TypeError("RuleRouter's application option must be an Application");
    }
    this.options = options;
    this.addRules(rules);
  }

  /** The application that RequestHandler class targets run in. */
  get application(): Application {
    const app = this.options.application;
    if (app !== undefined) return app;
    this.ownApplication ??= new Application(
      [],
      this.options.logger ? { logger: this.options.logger } : {},
    );
    return this.ownApplication;
  }

  /** The logger for routing warnings. */
  get logger(): Logger {
    return namedLogger(this.options.logger ?? IOLoop.current().logger, "@t/web");
  }

  /** Append rules (`Rule`s or `[matcher, target, initArgs?, name?]` tuples). */
  addRules(rules: readonly RuleSpec[]): void {
    if (!Array.isArray(rules)) throw new TypeError("rules must be an array");
    for (const spec of rules) this.rules.push(this.processRule(toRule(spec)));
  }

  /**
   * Hook: preprocess each rule as it is added (the default turns a list-of-rules target into a
   * nested router of the same class and options).
   */
  processRule(rule: Rule): Rule {
    if (Array.isArray(rule.target)) {
      const Nested = this.constructor as new (
        rules: readonly RuleSpec[],
        options: RuleRouterOptions,
      ) => RuleRouter;
      rule.target = new Nested(rule.target as readonly RuleSpec[], this.nestedOptions());
    }
    return rule;
  }

  /** The options of a nested router: the same application (made now if needed) and logger. */
  private nestedOptions(): RuleRouterOptions {
    return { ...this.options, application: this.application };
  }

  /** The delegate of the first rule whose matcher matches and whose target yields one. */
  override findHandler(
    request: HTTPServerRequest,
    _params?: RouteParams,
  ): HTTPMessageDelegate | null {
    const rules = this.rules;
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i];
      const params = rule.matcher.match(request);
      if (params === null) continue;
      if (hasKeys(rule.initArgs)) params.initArgs = rule.initArgs;
      const delegate = this.getTargetDelegate(rule.target, request, params);
      if (delegate !== null) return delegate;
    }
    return null;
  }

  /**
   * Hook: the message delegate of `target` for `request` (extend it for targets of your own).
   * A Router is asked with `findHandler`; a RequestHandler class runs in `application`; an
   * HTTPServerConnectionDelegate (an Application) gets `startRequest`; a function is called
   * with the request once its body is read.
   */
  getTargetDelegate(
    target: RuleTarget,
    request: HTTPServerRequest,
    params: RouteParams,
  ): HTTPMessageDelegate | null {
    if (target instanceof Router) return target.findHandler(request, params);
    if (isHandlerClass(target)) {
      return this.application.getHandlerDelegate(
        request,
        target,
        params.initArgs ?? {},
        params.pathArgs ?? [],
        params.pathKwargs ?? {},
      );
    }
    if (isConnectionDelegate(target)) {
      return target.startRequest(serverConnectionOf(request), request.connection);
    }
    if (typeof target === "function") {
      return new CallableAdapter(target as RequestCallback, request, this.logger);
    }
    return null;
  }
}

/**
 * A RuleRouter whose rules may have names, rebuilt into URLs by `reverseUrl` (Tornado's
 * `ReversibleRuleRouter`): its own named rules first, then each target that can reverse — a
 * nested ReversibleRouter or an Application (its named routes).
 */
export class ReversibleRuleRouter extends RuleRouter implements ReversibleRouter {
  // Filled while RuleRouter's constructor adds the rules, before this class's fields would be
  // initialized: hence `declare` (no initializer) and the lazy getter.
  declare private namedMap: Map<string, Rule> | undefined;

  /** Rules by name (a later rule of the same name replaces the earlier, with a warning). */
  get namedRules(): Map<string, Rule> {
    this.namedMap ??= new Map();
    return this.namedMap;
  }

  override processRule(rule: Rule): Rule {
    const r = super.processRule(rule);
    if (r.name !== null) {
      if (this.namedRules.has(r.name)) {
        this.logger.warn(`Multiple handlers named ${r.name}; replacing previous value`);
      }
      this.namedRules.set(r.name, r);
    }
    return r;
  }

  /** The URL of the route named `name` with `args` substituted, or null when no rule knows it. */
  reverseUrl(name: string, ...args: (string | number)[]): string | null {
    const named = this.namedRules.get(name);
    if (named !== undefined) return named.reverse(...args);
    for (const rule of this.rules) {
      const target = rule.target;
      if (target instanceof Application) {
        const spec = target.namedRoute(name);
        if (spec !== undefined) return spec.reverse(...args);
      } else if (isReversible(target)) {
        const url = target.reverseUrl(name, ...args);
        if (url !== null) return url;
      }
    }
    return null;
  }
}

function toRule(spec: RuleSpec): Rule {
  if (spec instanceof Rule) return spec;
  if (!Array.isArray(spec) || spec.length < 2 || spec.length > 4) {
    throw new TypeError("each rule must be a Rule or [matcher, target, initArgs?, name?]");
  }
  const [m, target, initArgs, name] = spec;
  const matcher = typeof m === "string" || m instanceof RegExp ? new PathMatches(m) : m;
  return new Rule(matcher as Matcher, target, initArgs ?? {}, name ?? null);
}

function isConnectionDelegate(
  v: unknown,
): v is HTTPServerConnectionDelegate<unknown, HTTP1Connection> {
  return (
    v !== null &&
    typeof v === "object" &&
    typeof (v as { startRequest?: unknown }).startRequest === "function"
  );
}

function isReversible(v: unknown): v is ReversibleRouter {
  return v instanceof Router && typeof (v as { reverseUrl?: unknown }).reverseUrl === "function";
}

function isRuleTarget(v: unknown): boolean {
  return typeof v === "function" || Array.isArray(v) || isConnectionDelegate(v);
}

function hasKeys(o: Record<string, unknown>): boolean {
  for (const _ in o) return true;
  return false;
}
