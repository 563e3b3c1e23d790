// Matchers of tornado.routing: what a Rule tests a request against (path, host, any, default host).

import type { HTTPServerRequest } from "@t/httpserver";
import { RequestHandler } from "./request-handler.js";
import { compileHostPattern, URLSpec } from "./routing.js";

/**
 * What a matcher hands on to a rule's target: the path arguments it captured (for a
 * RequestHandler class target: its verb method's arguments) and, added by the router, the
 * rule's `initArgs`. An empty object is a match that captures nothing.
 */
export interface RouteParams {
  /** Positional path arguments, percent-decoded (unmatched optional groups are undefined). */
  pathArgs?: (string | undefined)[];
  /** Named path arguments, when the pattern has named groups. */
  pathKwargs?: Record<string, string | undefined>;
  /** The rule's `initArgs` (for a RequestHandler class target: its `initialize()` argument). */
  initArgs?: Record<string, unknown>;
}

/**
 * Decides whether a rule applies to a request (Tornado's `routing.Matcher`). `match` returns
 * the parameters for the rule's target, or null for no match; `reverse` rebuilds a URL from
 * arguments, or returns null when the matcher cannot.
 */
export abstract class Matcher {
  /** The parameters for the target when `request` matches, else null. */
  abstract match(request: HTTPServerRequest): RouteParams | null;

  /** The URL this matcher matches for `args`, or null (the default: not reversible). */
  reverse(..._args: (string | number)[]): string | null {
    return null;
  }
}

/** Matches every request (Tornado's `AnyMatches`). */
export class AnyMatches extends Matcher {
  override match(_request: HTTPServerRequest): RouteParams {
    return {};
  }
}

/**
 * Matches requests whose host name (the Host header without its port, lower-cased) matches
 * `hostPattern`: a regex anchored at both ends and case-insensitive, as in
 * `Application.addHandlers` (Tornado's `HostMatches`).
 */
export class HostMatches extends Matcher {
  /** The compiled, anchored, case-insensitive pattern. */
  readonly hostPattern: RegExp;

  constructor(hostPattern: string | RegExp) {
    super();
    if (typeof hostPattern !== "string" && !(hostPattern instanceof RegExp)) {
      throw new TypeError("HostMatches expects a host pattern (a string or a RegExp)");
    }
    this.hostPattern = compileHostPattern(hostPattern);
  }

  override match(request: HTTPServerRequest): RouteParams | null {
    return this.hostPattern.test(request.hostName) ? {} : null;
  }
}

/** What DefaultHostMatches reads of an application: its `defaultHost` setting. */
export interface DefaultHostSource {
  readonly settings: { readonly defaultHost?: string };
}

/**
 * Matches every request when the application's `defaultHost` setting matches `hostPattern` —
 * except requests carrying `X-Real-Ip` (they came through a proxy, which names the host)
 * (Tornado's `DefaultHostMatches`). The setting is read at each match.
 */
export class DefaultHostMatches extends Matcher {
  /** The compiled, anchored, case-insensitive pattern. */
  readonly hostPattern: RegExp;
  private readonly application: DefaultHostSource;

  constructor(application: DefaultHostSource, hostPattern: string | RegExp) {
    super();
    if (application === null || typeof application !== "object") {
      throw new TypeError("DefaultHostMatches expects an application (with settings.defaultHost)");
    }
    this.application = application;
    this.hostPattern = compileHostPattern(hostPattern);
  }

  override match(request: HTTPServerRequest): RouteParams | null {
    const host = this.application.settings.defaultHost;
    if (host === undefined || request.headers.has("X-Real-Ip")) return null;
    return this.hostPattern.test(host) ? {} : null;
  }
}

/**
 * Matches requests whose path matches `pathPattern`, with the same rules as an Application
 * route (Tornado's `PathMatches`): `$` appended and anchored at the start; groups become
 * `pathArgs` (or `pathKwargs` when named), percent-decoded as UTF-8; `reverse` substitutes
 * arguments for the groups of a simple pattern (and throws ReverseUrlError otherwise).
 */
export class PathMatches extends Matcher {
  /** The compiled, anchored pattern. */
  readonly regex: RegExp;
  /** The same pattern as an Application route (URLSpec), which does the matching and reversing. */
  private readonly spec: URLSpec;

  constructor(pathPattern: string | RegExp) {
    super();
    if (typeof pathPattern !== "string" && !(pathPattern instanceof RegExp)) {
      throw new TypeError("PathMatches expects a path pattern (a string or a RegExp)");
    }
    this.spec = new URLSpec(pathPattern, RequestHandler);
    this.regex = this.spec.regex;
  }

  override match(request: HTTPServerRequest): RouteParams | null {
    const spec = this.spec;
    if (spec.literalPath !== null) return request.path === spec.literalPath ? {} : null;
    return spec.match(request.path);
  }

  override reverse(...args: (string | number)[]): string {
    return this.spec.reverse(...args);
  }
}
