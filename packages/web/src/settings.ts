// Application settings: their type, the names a package may add, and the check that refuses
// unknown keys (Tornado's snake_case names and typos get a "did you mean").

import type { Logger } from "@t/ioloop";
import type { Translations } from "@t/locale";
import type { LoggedHandler } from "./access-log.js";
import type { CookieOptions } from "./cookies/set-cookie.js";
import type { CookieSecret } from "./cookies/signed-value.js";
import type { OutputTransformClass } from "./output-transform.js";
import type { RequestIdOptions } from "./request-id.js";
import type { TemplateEngine } from "./template.js";
import type { UIMethodsSetting, UIModulesSetting } from "./ui-registry.js";

/*
 * Settings name handler classes and receive handlers, but this module does not import
 * request-handler.ts (which reads the settings): those settings are typed by the shape they
 * need, and any RequestHandler subclass fits it. The Application checks the classes.
 */

/** A RequestHandler subclass, as the `staticHandlerClass` and `defaultHandlerClass` settings take it. */
type HandlerClassSetting = (new (
  ...args: never[]
) => LoggedHandler) & {
  streamRequestBody?: boolean;
};

/**
 * Application settings (DESIGN §8). Unknown keys are refused when the Application is built
 * (with a suggestion for Tornado's snake_case names and typos); put values of your own under
 * `custom`. A package that reads more settings registers them with {@link registerSettings}
 * and adds them to this interface by declaration merging.
 */
export interface ApplicationSettings {
  /** Development mode: tracebacks in error pages, no template or static-hash caching. Default false. */
  debug?: boolean;
  /** Show stack traces in error pages (default: `debug`). */
  serveTraceback?: boolean;
  /** Secret for signed cookies, or `{ keyVersion: secret }` for key rotation. */
  cookieSecret?: CookieSecret;
  /** Which key of a `cookieSecret` map signs new cookies. */
  keyVersion?: number;
  /** Check XSRF tokens on POST/PUT/PATCH/DELETE. Default false. */
  xsrfCookies?: boolean;
  /** Name of the XSRF cookie. Default "_xsrf". */
  xsrfCookieName?: string;
  /** Attributes of the XSRF cookie. */
  xsrfCookieOptions?: CookieOptions;
  /** Directory served under `staticUrlPrefix` (also serves /favicon.ico and /robots.txt). */
  staticPath?: string;
  /** URL prefix of static files. Default "/static/". */
  staticUrlPrefix?: string;
  /** Handler class for static files. Default StaticFileHandler. */
  staticHandlerClass?: HandlerClassSetting;
  /** Extra initArgs of the static handler. */
  staticHandlerArgs?: Record<string, unknown>;
  /** Cache static files' version hashes (default: `!debug`). */
  staticHashCache?: boolean;
  /** Directory of templates for `render()`. */
  templatePath?: string;
  /** Template engine (default: eta on `templatePath`, autoescaping). */
  templateEngine?: TemplateEngine;
  /**
   * The translations `handler.locale` is chosen from (by `getUserLocale()`, else the request's
   * Accept-Language) and `_()` in templates translates with. Default: @t/locale's
   * `defaultTranslations` (what its `loadTranslations()` fills).
   */
  translations?: Translations;
  /**
   * UI modules templates call by name (`it.module.Entry(entry)`), besides the built-in
   * `Template`, `linkify` and `xsrfFormHtml`: a record of name → UIModule subclass, a module
   * namespace (its exported UIModule subclasses), or an array of these.
   */
  uiModules?: UIModulesSetting;
  /**
   * Functions templates call by name with the handler first (`it.formatPrice(p)` runs
   * `formatPrice(handler, p)`): a record of name → function, a module namespace (its exported
   * functions named in lower camel case), or an array of these.
   */
  uiMethods?: UIMethodsSetting;
  /** Gzip compressible responses for clients that accept it. Default false. */
  compressResponse?: boolean;
  /** Where `authenticated` sends anonymous users. */
  loginUrl?: string;
  /**
   * Called once per finished request, with its handler, instead of the default access log line.
   * (A method signature, so that a function typed for `RequestHandler` is accepted too.)
   */
  logFunction?(handler: LoggedHandler): void;
  /** Logger for errors and the access log (default: the current loop's logger). */
  logger?: Logger;
  /**
   * Give every request an id (default off): `true`, or options (header, trusting the client's,
   * a generator). The id is sent back in the header, logged with the access line, readable as
   * `handler.requestId` and, in the request's async context, as `currentRequestId()`.
   */
  requestId?: boolean | RequestIdOptions;
  /** Handler for requests no route matches (default: ErrorHandler with status 404). */
  defaultHandlerClass?: HandlerClassSetting;
  /** initArgs of `defaultHandlerClass`. */
  defaultHandlerArgs?: Record<string, unknown>;
  /**
   * The host name this application answers as when a request's host matches no host rule
   * (Tornado's `default_host`): routes added with `addHandlers` for a pattern matching it are
   * also tried for any host, after the other routes, unless the request carries `X-Real-Ip`.
   */
  defaultHost?: string;
  /**
   * Output transforms (Tornado's `transforms`): classes made per response that may rewrite its
   * status, headers and body on the way out, in order, before `compressResponse`. Default none
   * (and then they cost nothing).
   */
  transforms?: OutputTransformClass[];
  /** Values of your own for your handlers (`this.settings.custom.x`): never checked. */
  custom?: Record<string, unknown>;
}

/** The settings @t/web itself reads (kept in step with {@link ApplicationSettings}). */
const OWN_SETTINGS = [
  "debug",
  "serveTraceback",
  "cookieSecret",
  "keyVersion",
  "xsrfCookies",
  "xsrfCookieName",
  "xsrfCookieOptions",
  "staticPath",
  "staticUrlPrefix",
  "staticHandlerClass",
  "staticHandlerArgs",
  "staticHashCache",
  "templatePath",
  "templateEngine",
  "translations",
  "uiModules",
  "uiMethods",
  "compressResponse",
  "loginUrl",
  "logFunction",
  "logger",
  "requestId",
  "defaultHandlerClass",
  "defaultHandlerArgs",
  "defaultHost",
  "transforms",
  "custom",
] as const;

const known = new Set<string>(OWN_SETTINGS);

/** Tornado's names whose @t spelling is not simply their camelCase. */
const TORNADO_NAMES: Readonly<Record<string, string>> = {
  xsrf_cookie_kwargs: "xsrfCookieOptions",
  static_handler_args: "staticHandlerArgs",
  template_loader: "templateEngine",
  compiled_template_cache: "debug",
  autoreload: "debug (and run under `node --watch`)",
  gzip: "compressResponse",
  default_handler_args: "defaultHandlerArgs",
  websocket_ping_interval: "websocketPingIntervalMs (milliseconds)",
  websocket_ping_timeout: "websocketPingTimeoutMs (milliseconds)",
  websocket_max_message_size: "websocketMaxMessageSize",
};

/**
 * Declare setting names a package reads from `Application.settings` (e.g. @t/websocket's
 * `websocketPingIntervalMs`), so that the Application accepts them. Call it when the package
 * loads; add the types by declaration merging into {@link ApplicationSettings}.
 */
export function registerSettings(names: readonly string[]): void {
  if (!Array.isArray(names)) throw new TypeError("registerSettings expects an array of names");
  for (const name of names) {
    if (typeof name !== "string" || !/^[A-Za-z][A-Za-z0-9]*$/.test(name)) {
      throw new TypeError(
        `setting names must be camelCase identifiers, got ${JSON.stringify(name)}`,
      );
    }
    known.add(name);
  }
}

/** The setting names accepted now (@t/web's and the registered ones), sorted. */
export function knownSettings(): string[] {
  return [...known].sort();
}

/**
 * Refuse settings that are not objects, and unknown keys, with a TypeError naming the key, a
 * suggestion (`cookie_secret` → `cookieSecret`, `debgu` → `debug`) and the valid names.
 */
export function checkSettings(settings: unknown): asserts settings is ApplicationSettings {
  if (settings === null || typeof settings !== "object" || Array.isArray(settings)) {
    throw new TypeError(`Application settings must be an object, got ${describe(settings)}`);
  }
  const unknown: string[] = [];
  for (const key of Object.keys(settings)) if (!known.has(key)) unknown.push(key);
  if (unknown.length === 0) return;
  const parts = unknown.map((key) => {
    const hint = suggest(key);
    return hint === null ? `"${key}"` : `"${key}" (did you mean ${hint}?)`;
  });
  throw new TypeError(
    `unknown Application setting${unknown.length > 1 ? "s" : ""} ${parts.join(", ")}. ` +
      `Valid settings: ${knownSettings().join(", ")}. Put values of your own under "custom".`,
  );
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return typeof v === "string" ? `the string ${JSON.stringify(v)}` : typeof v;
}

/** The setting a mistaken key most likely meant, or null. */
function suggest(key: string): string | null {
  const tornado = TORNADO_NAMES[key];
  if (tornado !== undefined) return tornado;
  const camel = key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  if (known.has(camel)) return camel;
  let best: string | null = null;
  let bestDistance = 3; // at most 2 edits
  const lower = camel.toLowerCase();
  for (const name of known) {
    const d = editDistance(lower, name.toLowerCase(), bestDistance);
    if (d < bestDistance) {
      bestDistance = d;
      best = name;
    }
  }
  return best;
}

/** Levenshtein distance of `a` and `b`, or `limit` once it is known to be at least that. */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) >= limit) return limit;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(
        (prev[j] as number) + 1,
        (cur[j - 1] as number) + 1,
        (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      cur.push(v);
      if (v < rowMin) rowMin = v;
    }
    if (rowMin >= limit) return limit;
    prev = cur;
  }
  return Math.min(prev[b.length] as number, limit);
}
