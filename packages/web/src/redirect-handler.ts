// RedirectHandler: redirects every GET to a URL template filled from the route's groups.

import { HTTPError } from "./http-error.js";
import { leavesSite } from "./redirect-guard.js";
import { RequestHandler } from "./request-handler.js";

/**
 * Redirects GET requests (Tornado's `RedirectHandler`). initArgs: `url` (a template where
 * `{0}`, `{1}`… are positional path groups and `{name}` named ones), `permanent` (default true:
 * 301; false: 302). The request's query string is appended.
 *
 * ```ts
 * [String.raw`/old/(.*)`, RedirectHandler, { url: "/new/{0}" }]
 * ```
 */
export class RedirectHandler extends RequestHandler {
  private target = "";
  private permanent = true;

  override initialize(initArgs: Record<string, unknown>): void {
    if (typeof initArgs.url !== "string")
      throw new TypeError("RedirectHandler needs initArgs.url (a string)");
    if (initArgs.permanent !== undefined && typeof initArgs.permanent !== "boolean") {
      throw new TypeError("RedirectHandler initArgs.permanent must be a boolean");
    }
    this.target = initArgs.url;
    this.permanent = initArgs.permanent ?? true;
  }

  override get(): void {
    const kwargs = this.pathKwargs;
    let url = this.target.replace(/\{([A-Za-z0-9_]+)\}/g, (whole, key: string) => {
      if (/^[0-9]+$/.test(key)) {
        const v = this.pathArgs[Number(key)];
        return v === undefined ? "" : v;
      }
      const v = kwargs[key];
      return v === undefined ? whole : v;
    });
    // A site path template filled with `/evil.com` must not become `//evil.com` (review finding 8).
    if (this.target.startsWith("/") && leavesSite(url)) throw new HTTPError(404);
    const query = this.request.query;
    if (query.length > 0) url += (url.includes("?") ? "&" : "?") + query;
    this.redirect(url, this.permanent);
  }
}
