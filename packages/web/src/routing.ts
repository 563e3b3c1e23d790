// Routing: URLSpec (a regex route with reverse), host rules and the lookup of a request's handler.

import { ReverseUrlError } from "./errors.js";
import { urlEscape, urlUnescape } from "./escape.js";
import { type HandlerClass, isHandlerClass } from "./request-handler.js";

/** A route as written in an Application's route list: `[pattern, HandlerClass, initArgs?, name?]`. */
export type RouteTuple = readonly [
  pattern: string | RegExp,
  handler: HandlerClass,
  initArgs?: Record<string, unknown>,
  name?: string,
];

/** What `Application` and `addHandlers` accept per route. */
export type RouteSpec = RouteTuple | URLSpec;

/** Path arguments extracted from a match: positional groups, or named groups by name. */
export interface PathMatch {
  readonly pathArgs: (string | undefined)[];
  readonly pathKwargs: Record<string, string | undefined>;
}

/**
 * One route (Tornado's `URLSpec`): a regular expression matched against the whole request path
 * (a `$` is appended and the match is anchored at the start), the handler class, the arguments
 * given to its `initialize`, and an optional name for `reverseUrl`. Capturing groups become the
 * handler's path arguments, percent-decoded as UTF-8; when the pattern has named groups, only
 * those are passed (by name).
 */
export class URLSpec {
  /** The compiled, anchored regular expression. */
  readonly regex: RegExp;
  /** The handler class this route dispatches to. */
  readonly handlerClass: HandlerClass;
  /** Arguments passed to the handler's `initialize()`. */
  readonly initArgs: Record<string, unknown>;
  /** The route's name for `reverseUrl`, or null. */
  readonly name: string | null;
  /** The number of capturing groups. */
  readonly groupCount: number;
  /**
   * The one path this route matches when its pattern is plain text (no groups, no regex syntax
   * beyond `\\.`-style escapes, no flags), else null. Such routes are found by a map lookup.
   */
  readonly literalPath: string | null;
  private readonly hasNamedGroups: boolean;
  /** Literal pieces between groups for reversing, or null when the pattern cannot be reversed. */
  private readonly reversePieces: string[] | null;

  constructor(
    pattern: string | RegExp,
    handlerClass: HandlerClass,
    initArgs: Record<string, unknown> = {},
    name: string | null = null,
  ) {
    if (typeof pattern === "function") {
      throw new TypeError(
        `route pattern must be a string or a RegExp, got ${describeValue(pattern)}: a route is [pattern, HandlerClass, initArgs?, name?]`,
      );
    }
    if (!isHandlerClass(handlerClass)) {
      throw new TypeError(
        `route ${String(pattern)}: the handler must be a RequestHandler subclass, got ${describeValue(handlerClass)}` +
          (typeof handlerClass === "function"
            ? "; wrap a (req, res) => … function with mountNodeHandler(fn)"
            : ""),
      );
    }
    if (initArgs === null || typeof initArgs !== "object") {
      throw new TypeError(`route ${String(pattern)}: initArgs must be an object`);
    }
    if (name !== null && typeof name !== "string") {
      throw new TypeError(`route ${String(pattern)}: name must be a string`);
    }
    let source: string;
    let flags = "";
    if (pattern instanceof RegExp) {
      source = pattern.source;
      flags = pattern.flags.replace(/[gy]/g, "");
    } else if (typeof pattern === "string") {
      source = pattern;
    } else {
      throw new TypeError("route pattern must be a string or a RegExp");
    }
    if (!endsWithAnchor(source)) source += "$";
    const anchored = source.startsWith("^") ? source : `^(?:${source.slice(0, -1)})$`;
    this.regex = new RegExp(anchored, flags);
    this.handlerClass = handlerClass;
    this.initArgs = initArgs;
    this.name = name;
    this.groupCount = (new RegExp(`${anchored}|`, flags).exec("") as RegExpExecArray).length - 1;
    this.hasNamedGroups = /\(\?<[A-Za-z_$]/.test(source);
    this.reversePieces = findGroups(source, this.groupCount);
    this.literalPath =
      flags === "" && this.groupCount === 0 && this.reversePieces !== null
        ? this.reversePieces[0]
        : null;
  }

  /** Match a request path; null when it does not match. */
  match(path: string): PathMatch | null {
    const m = this.regex.exec(path);
    if (m === null) return null;
    const pathArgs: (string | undefined)[] = [];
    const pathKwargs: Record<string, string | undefined> = {};
    if (this.hasNamedGroups && m.groups !== undefined) {
      for (const key of Object.keys(m.groups)) {
        const v = m.groups[key];
        pathKwargs[key] = v === undefined ? undefined : urlUnescape(v, false);
      }
    } else {
      for (let i = 1; i < m.length; i++) {
        const v = m[i];
        pathArgs.push(v === undefined ? undefined : urlUnescape(v, false));
      }
    }
    return { pathArgs, pathKwargs };
  }

  /**
   * Build a path for this route with `args` substituted for its groups in order (each
   * percent-encoded as a path segment). Throws ReverseUrlError when the count is wrong or the
   * pattern is too complex to reverse.
   */
  reverse(...args: (string | number)[]): string {
    const pieces = this.reversePieces;
    if (pieces === null) {
      throw new ReverseUrlError(`Cannot reverse url regex ${this.regex.source}`);
    }
    if (args.length !== this.groupCount) {
      throw new ReverseUrlError(
        `route ${this.name ?? this.regex.source} needs ${this.groupCount} argument(s), got ${args.length}`,
      );
    }
    let out = pieces[0];
    for (let i = 0; i < args.length; i++) {
      out += urlEscape(String(args[i]), false) + pieces[i + 1];
    }
    return out;
  }
}

/** Unescape `\.` style regex escapes of literal text; null when a class escape like `\d` appears. */
function reUnescape(s: string): string | null {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c !== "\\") {
      if ("[]{}*+?|^$.".includes(c)) return null;
      out += c;
      continue;
    }
    const next = s[i + 1];
    if (next === undefined || /[A-Za-z0-9]/.test(next)) return null;
    out += next;
    i++;
  }
  return out;
}

/** True when `source` ends with an end anchor `$`, not an escaped `\\$` (even backslashes). */
function endsWithAnchor(source: string): boolean {
  if (!source.endsWith("$")) return false;
  let slashes = 0;
  for (let k = source.length - 2; k >= 0 && source[k] === "\\"; k--) slashes++;
  return slashes % 2 === 0;
}

/**
 * Split a pattern like `/user/([0-9]+)/(?<tab>\w+)` into the literal pieces around its groups
 * (Tornado's `_find_groups`); null when there are nested, non-capturing or escaped parentheses,
 * or regex syntax outside the groups.
 */
function findGroups(source: string, groupCount: number): string[] | null {
  let p = source;
  if (p.startsWith("^")) p = p.slice(1);
  if (endsWithAnchor(p)) p = p.slice(0, -1);
  let opens = 0;
  for (let i = 0; i < p.length; i++) if (p[i] === "(") opens++;
  if (opens !== groupCount) return null;
  const pieces: string[] = [];
  let i = 0;
  let literal = "";
  while (i < p.length) {
    const open = p.indexOf("(", i);
    if (open === -1) {
      literal += p.slice(i);
      break;
    }
    literal += p.slice(i, open);
    const close = p.indexOf(")", open);
    if (close === -1) return null;
    if (p.indexOf("(", open + 1) !== -1 && p.indexOf("(", open + 1) < close) return null;
    const lit = reUnescape(literal);
    if (lit === null) return null;
    pieces.push(lit);
    literal = "";
    i = close + 1;
    // A quantifier right after a group makes the route irreversible.
    if (i < p.length && "*+?{".includes(p[i])) return null;
  }
  const last = reUnescape(literal);
  if (last === null) return null;
  pieces.push(last);
  return pieces;
}

/** A short description of a value for an error message (never a function's source). */
function describeValue(v: unknown): string {
  if (typeof v === "function") {
    const name = (v as { name?: string }).name || "(anonymous)";
    return /^class[\s{]/.test(Function.prototype.toString.call(v))
      ? `class ${name}`
      : `function ${name}`;
  }
  if (typeof v === "string") return JSON.stringify(v);
  if (v === null) return "null";
  return Array.isArray(v) ? "an array" : typeof v;
}

/** Normalize route tuples into URLSpecs, checking their shape. */
export function toURLSpecs(routes: readonly RouteSpec[]): URLSpec[] {
  if (!Array.isArray(routes)) throw new TypeError("routes must be an array");
  return routes.map((r) => {
    if (r instanceof URLSpec) return r;
    if (!Array.isArray(r) || r.length < 2 || r.length > 4) {
      throw new TypeError(
        "each route must be [pattern, HandlerClass, initArgs?, name?] or a URLSpec",
      );
    }
    return new URLSpec(r[0], r[1], r[2] ?? {}, r[3] ?? null);
  });
}

/** A group of routes that applies to requests whose host name matches `hostRegex`. */
export interface HostRule {
  readonly hostRegex: RegExp;
  readonly specs: URLSpec[];
}

/** Compile a host pattern like `.*\.example\.com` (anchored at both ends, case-insensitive). */
export function compileHostPattern(pattern: string | RegExp): RegExp {
  const src = pattern instanceof RegExp ? pattern.source : pattern;
  if (typeof src !== "string") throw new TypeError("host pattern must be a string or a RegExp");
  let s = src.startsWith("^") ? src.slice(1) : src;
  if (s.endsWith("$")) s = s.slice(0, -1);
  return new RegExp(`^(?:${s})$`, "i");
}

/** The result of routing a request. */
export interface RouteMatch extends PathMatch {
  readonly spec: URLSpec;
}

/**
 * Find the route for `hostName` + `path`: host rules in order, and within each rule whose host
 * pattern matches, the first matching URLSpec (a host rule without a matching route falls
 * through to the next rule, as Tornado's RuleRouter does).
 */
export function findRoute(
  rules: readonly HostRule[],
  hostName: string,
  path: string,
): RouteMatch | null {
  for (let r = 0; r < rules.length; r++) {
    const rule = rules[r];
    if (!rule.hostRegex.test(hostName)) continue;
    const specs = rule.specs;
    for (let i = 0; i < specs.length; i++) {
      const m = specs[i].match(path);
      if (m !== null) return { spec: specs[i], pathArgs: m.pathArgs, pathKwargs: m.pathKwargs };
    }
  }
  return null;
}

/** The default rule's host pattern: matches every host, so routing never computes the host name. */
const ANY_HOST_SOURCE = "^";

interface CompiledRule {
  readonly rule: HostRule;
  readonly specCount: number;
  readonly anyHost: boolean;
  /** Literal path → index of the first spec with that literal path. */
  readonly literals: Map<string, number>;
  /** Indices of the specs that need a regex match, in order. */
  readonly regexSpecs: number[];
}

/**
 * The routing table of an Application, compiled from its host rules: routes whose pattern is a
 * plain path are found with one Map lookup, and only the regex routes listed before that literal
 * route are tried first (so precedence is exactly `findRoute`'s: first match in order). The host
 * name is computed only when a rule other than the match-any default needs it.
 *
 * `lookup` returns the matched URLSpec and leaves its path arguments in `pathArgs` /
 * `pathKwargs` until the next lookup (no result object per request). The table recompiles itself
 * when a rule list's length changes; call `invalidate()` after other edits of `rules`.
 */
export class RouteTable {
  /** Positional arguments of the last successful lookup. */
  pathArgs: (string | undefined)[] = [];
  /** Named arguments of the last successful lookup. */
  pathKwargs: Record<string, string | undefined> = {};
  private readonly rules: readonly HostRule[];
  private compiled: CompiledRule[] | null = null;
  /** Every rule matches any host: a literal route's answer depends on the path alone. */
  private anyHostOnly = false;
  /** The path of the last lookup that ended on a literal route (when `anyHostOnly`), and its route. */
  private lastPath: string | null = null;
  private lastSpec: URLSpec | null = null;

  constructor(rules: readonly HostRule[]) {
    this.rules = rules;
  }

  /** Forget the compiled form (after `rules` or a rule's `specs` changed). */
  invalidate(): void {
    this.compiled = null;
  }

  private compile(): CompiledRule[] {
    const out: CompiledRule[] = [];
    for (const rule of this.rules) {
      const literals = new Map<string, number>();
      const regexSpecs: number[] = [];
      const specs = rule.specs;
      for (let i = 0; i < specs.length; i++) {
        const lit = specs[i].literalPath;
        if (lit === null) regexSpecs.push(i);
        else if (!literals.has(lit)) literals.set(lit, i);
      }
      out.push({
        rule,
        specCount: specs.length,
        anyHost: rule.hostRegex.source === ANY_HOST_SOURCE && rule.hostRegex.flags === "",
        literals,
        regexSpecs,
      });
    }
    this.compiled = out;
    this.anyHostOnly = out.every((c) => c.anyHost);
    this.lastPath = null;
    this.lastSpec = null;
    return out;
  }

  private current(): CompiledRule[] {
    const c = this.compiled;
    if (c === null || c.length !== this.rules.length) return this.compile();
    for (let r = 0; r < c.length; r++) {
      if (c[r].rule !== this.rules[r] || c[r].specCount !== c[r].rule.specs.length) {
        return this.compile();
      }
    }
    return c;
  }

  /**
   * The first route (host rules in order) matching `path` for the host `request.hostName`
   * names, or null. `request.hostName` is read at most once, and only when a host rule needs it.
   */
  lookup(request: { readonly hostName: string }, path: string): URLSpec | null {
    const rules = this.current();
    if (path === this.lastPath) {
      // The same path as the last literal hit: the same answer (regexes only see the path).
      this.pathArgs = [];
      this.pathKwargs = {};
      return this.lastSpec;
    }
    let host: string | null = null;
    for (let r = 0; r < rules.length; r++) {
      const c = rules[r];
      if (!c.anyHost) {
        if (host === null) host = request.hostName;
        if (!c.rule.hostRegex.test(host)) continue;
      }
      const specs = c.rule.specs;
      const lit = c.literals.size === 0 ? undefined : c.literals.get(path);
      const limit = lit === undefined ? specs.length : lit;
      const regexSpecs = c.regexSpecs;
      for (let k = 0; k < regexSpecs.length; k++) {
        const i = regexSpecs[k];
        if (i >= limit) break;
        const m = specs[i].match(path);
        if (m !== null) {
          this.pathArgs = m.pathArgs;
          this.pathKwargs = m.pathKwargs;
          return specs[i];
        }
      }
      if (lit !== undefined) {
        this.pathArgs = [];
        this.pathKwargs = {};
        if (this.anyHostOnly) {
          this.lastPath = path;
          this.lastSpec = specs[lit];
        }
        return specs[lit];
      }
    }
    return null;
  }
}
