// BaseHandler and helpers shared by the demo's handlers: the instance header, the current user, the demo context.

import { STATUS_CODES } from "node:http";
import { ErrorHandler, HTTPError, RequestHandler, StaticFileHandler } from "@t/web";
import { WebSocketHandler } from "@t/websocket";
import { clipForLog, MAX_LOGGED_METHOD_CHARS, MAX_LOGGED_URI_CHARS } from "../log-text.mjs";
import { LANG_COOKIE, LANGUAGES, languageCode } from "../translations.mjs";

/** Name of the signed cookie that holds the logged-in user's name. */
export const USER_COOKIE = "user";

/** Longest request path an error page repeats back, in characters. */
const MAX_SHOWN_PATH_CHARS = 200;

/** The Accept header of a long browser navigation is a few hundred bytes; look at no more. */
const MAX_ACCEPT_ENTRIES = 32;

/**
 * Whether an Accept header asks for HTML at least as much as for JSON: true for what browsers
 * send when they navigate to a page (`text/html,…;q=0.8`), false for fetch()'s and curl's
 * any-type default, for `application/json` and for no header at all.
 * @param {string | undefined} accept
 */
export function prefersHtml(accept) {
  if (accept === undefined) return false;
  let html = 0;
  let json = 0;
  for (const entry of accept.split(",", MAX_ACCEPT_ENTRIES)) {
    const [type, ...params] = entry.split(";");
    let q = 1;
    for (const param of params) {
      const m = /^\s*q\s*=\s*([01](?:\.\d{0,3})?)\s*$/i.exec(param);
      if (m) q = Number(m[1]);
    }
    const mediaType = type.trim().toLowerCase();
    if (mediaType === "text/html") html = Math.max(html, q);
    else if (mediaType === "application/json") json = Math.max(json, q);
  }
  return html > 0 && html >= json;
}

/**
 * What an error page says for a status (the reason phrase is the heading).
 * @param {number} statusCode
 * @param {string} method
 */
function errorExplanation(statusCode, method) {
  if (statusCode === 404) return "There is no page at this address.";
  if (statusCode === 403) {
    return "The request was refused. A form that was open for a long time may have lost its XSRF token: reload the page and try again.";
  }
  if (statusCode === 405)
    return `This address does not answer ${clipForLog(method, MAX_LOGGED_METHOD_CHARS)} requests.`;
  if (statusCode >= 500) return "Something went wrong on the server. The error was logged.";
  return "The server could not answer this request.";
}

/** The stack of a thrown value (its string form when it is not an Error). */
function stackOf(/** @type {unknown} */ err) {
  return err instanceof Error ? (err.stack ?? String(err)) : String(err);
}

/**
 * @typedef {object} DemoContext what every handler reaches through `settings.custom.demo`
 * @property {string} instance      this process's name (X-Instance header, /healthz)
 * @property {number} worker        pre-fork task id, 0 with one process
 * @property {import("../chat/message-buffer.mjs").MessageBuffer} buffer
 * @property {import("../chat/memory-backend.mjs").MemoryChatBackend
 *   | import("../chat/redis-backend.mjs").RedisChatBackend} backend
 * @property {import("../metrics.mjs").DemoMetrics} metrics
 * @property {import("../limits.mjs").DemoLimits} limits  validated limits (sizes in bytes)
 * @property {number} maxUploadBytes  = limits.maxUploadBytes
 * @property {number} pollTimeoutMs
 * @property {import("../upload-store.mjs").UploadStore} uploads  the kept uploads and the disk quota
 * @property {Set<import("@t/websocket").WebSocketHandler>} sockets
 * @property {AbortController} shutdown  aborted when the server starts draining
 * @property {number} startedAt   epoch ms
 * @property {string | null} oidcLabel  the provider's name for "Log in with …", null without one
 */

/**
 * Adds what every demo response carries (Tornado's `set_default_headers` + `get_current_user`)
 * to a handler class: `X-Instance`, the user from the signed cookie, and `this.demo`.
 * @template {new (...args: any[]) => RequestHandler} T
 * @param {T} Base
 */
function demoHandler(Base) {
  return class extends Base {
    /** Every response, error pages included, names the instance that answered. */
    setDefaultHeaders() {
      this.setHeader("X-Instance", this.demo.instance);
    }

    /** @returns {DemoContext} */
    get demo() {
      return /** @type {DemoContext} */ (this.settings.custom?.demo);
    }

    /** The name in the signed `user` cookie, or null. */
    getCurrentUser() {
      return this.getSignedCookie(USER_COOKIE);
    }

    /** The language chosen with the switch (the `lang` cookie), else null: the browser's. */
    getUserLocale() {
      const code = languageCode(this.getCookie(LANG_COOKIE));
      return code === null ? null : this.translations.get(code);
    }

    /**
     * `METHOD URI (ip)` for log lines (the access log, error and warning lines), with the
     * client-chosen method and URI clipped to {@link MAX_LOGGED_METHOD_CHARS} and
     * {@link MAX_LOGGED_URI_CHARS} characters.
     */
    requestSummary() {
      const r = this.request;
      return `${clipForLog(r.method, MAX_LOGGED_METHOD_CHARS)} ${clipForLog(r.uri, MAX_LOGGED_URI_CHARS)} (${r.remoteIp})`;
    }

    /** Every template also sees the instance name and the languages of the switch. */
    getTemplateNamespace() {
      return {
        ...super.getTemplateNamespace(),
        instance: this.demo.instance,
        languages: LANGUAGES,
      };
    }

    /**
     * Error bodies by route and Accept header: handlers with `static errorFormat = "json"` (the
     * APIs the pages call) answer `{ "error": { "status", "reason" } }`, `"text"` (/metrics)
     * plain text; pages, static files and unmatched paths answer the styled error page when the
     * client prefers HTML (a browser navigating) and plain text `404: Not Found` otherwise.
     * With `serveTraceback` (debug) a server error also shows the stack.
     * @param {number} statusCode
     * @param {import("@t/web").ErrorInfo} info
     */
    async writeError(statusCode, info) {
      const cls = /** @type {{ errorFormat?: "page" | "json" | "text" }} */ (this.constructor);
      const format = cls.errorFormat ?? "page";
      const err = info.error;
      const reason =
        info.reason ??
        (err instanceof HTTPError ? err.reason : null) ??
        STATUS_CODES[statusCode] ??
        "Unknown";
      // Only a server error's stack helps; a 4xx is the client's doing.
      const showTrace = this.application.serveTraceback && err !== undefined && statusCode >= 500;
      const traceback = showTrace ? stackOf(err) : null;
      if (format === "json") {
        this.write({
          error: { status: statusCode, reason, ...(traceback ? { traceback } : {}) },
        });
        return;
      }
      const html = format === "page" && prefersHtml(this.request.headers.get("Accept"));
      if (format === "page") this.setHeader("Vary", "Accept");
      if (html) {
        try {
          const page = await this.renderString("error.eta", {
            title: `${statusCode} ${reason}`,
            statusCode,
            reason,
            explanation: errorExplanation(statusCode, this.request.method),
            path: clipForLog(this.request.path, MAX_SHOWN_PATH_CHARS),
            traceback,
          });
          this.write(page);
          return;
        } catch (renderError) {
          // A broken template must not hide the original error: log it and answer in text.
          this.application.logger.error(renderError, "cannot render error.eta");
        }
      }
      this.setHeader("Content-Type", "text/plain; charset=UTF-8");
      this.write(traceback ?? `${statusCode}: ${reason}\n`);
    }
  };
}

/** Base class of the demo's page and API handlers. */
export class BaseHandler extends demoHandler(RequestHandler) {}

/** Base class of the demo's WebSocket handlers. */
export class BaseSocketHandler extends demoHandler(WebSocketHandler) {}

/** The icon that answers `/favicon.ico` (the pages link it as `/static/favicon.svg?v=…`). */
const FAVICON_FILE = "favicon.svg";

/** Seconds a client may cache `/favicon.ico` (its URL has no version to bust a longer cache). */
const FAVICON_CACHE_SECONDS = 86_400;

/**
 * Static files (`staticUrl` versions, ETags, ranges) with the instance header. `/favicon.ico`
 * (routed here by the Application) answers the SVG icon, so clients that ask for it without
 * reading the page's `<link rel="icon">` get 200 rather than a 404 and a WARN log line.
 */
export class DemoStaticFileHandler extends demoHandler(StaticFileHandler) {
  static metricsRoute = "static";

  /** @param {string} urlPath */
  parseUrlPath(urlPath) {
    return super.parseUrlPath(this.isFavicon() ? FAVICON_FILE : urlPath);
  }

  getCacheTime() {
    return this.isFavicon() ? FAVICON_CACHE_SECONDS : super.getCacheTime();
  }

  /** Whether this request is `/favicon.ico` (not `/static/favicon.ico`). */
  isFavicon() {
    return this.request.path === "/favicon.ico";
  }
}

/** Unmatched paths: 404 with the instance header (the styled page for browsers). */
export class NotFoundHandler extends demoHandler(ErrorHandler) {
  static metricsRoute = "unmatched";
}
